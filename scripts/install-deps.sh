#!/usr/bin/env bash
# Installs the Debian packages mwx needs to build, test and run its demo.
# python3 (Debian's) is used by the shell tests to read JSON output.
# Idempotent: packages already present are not touched; runs apt-get only when
# something is missing. Must run as root on Debian 12 (bookworm).
set -eu
pkgs="build-essential cmake pkg-config
      libssl-dev libsqlite3-dev sqlite3 libproj-dev proj-data libjansson-dev libcmocka-dev
      cyclonedds-dev cyclonedds-tools openssl iproute2 python3 nodejs npm"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
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
