#!/usr/bin/env bash
# screenshots.sh - JPN's web picture during the 2022-11-18 and 2022-10-04
# replays, into docs/ (PNG), made with playwright-core and Debian's chromium:
#   flock /tmp/mwx-dds.lock bash scripts/screenshots.sh BUILD_DIR
# Each replay runs three mwxd (DDS Security) at 20x through bench/cop_page.sh
# (SHOT=...: a screenshot of the first page at the end of its run; no
# WebSocket-client part); WARM is the wall time after the exercise start at
# which the 5-s page run begins.
set -eu
B=${1:?usage: screenshots.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
shot() { # scenario, warm seconds, output
  SHOT="$SRC/docs/$3" WARM=$2 WS_CLIENTS=0 bash "$SRC/bench/cop_page.sh" "$B" "$SRC/scenarios/$1" 20 5 1
}
shot 2022-11-18-hwasong17.json 32 cop-jpn-2022-11-18.png
shot 2022-10-04-hwasong12.json 32 cop-jpn-2022-10-04.png
