#!/usr/bin/env bash
# Installs the Debian packages mwx needs to build, test and run its demo.
# python3 (Debian's) is used by the shell tests to read JSON output; chromium
# (with a CJK-capable fallback font, for operator names) by the web picture's
# browser test (tests/cop_browser.sh); libwebsockets on libuv serves that page.
# Idempotent: packages already present are not touched; runs apt-get only when
# something is missing. Must run as root on Debian 12 (bookworm).
set -eu
pkgs="build-essential cmake pkg-config
      libssl-dev libsqlite3-dev sqlite3 libproj-dev proj-data libjansson-dev libcmocka-dev
      cyclonedds-dev cyclonedds-tools openssl iproute2 python3
      libwebsockets-dev libwebsockets-evlib-uv libuv1-dev chromium fonts-droid-fallback"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# the web page's build (npm ci in web/) and its browser test: Debian's nodejs and
# npm unless a Node.js with npm is already there (e.g. from nodesource)
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  echo "install-deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
