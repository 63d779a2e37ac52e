#!/usr/bin/env bash
# Builds the web picture page (web/) into OUT (default web/dist):
#   bash scripts/build-web.sh [OUT]
# `npm ci` installs exactly web/package-lock.json (skipped when node_modules
# already holds that lock file); the build itself (web/build.mjs) is offline.
# A lock serializes concurrent builds (the normal and ASan build dirs).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/web/dist}
exec 9>"$here/web/.build.lock"
flock 9
cd "$here/web"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.mwx-lock-sha256 ] || [ "$(cat node_modules/.mwx-lock-sha256)" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > node_modules/.mwx-lock-sha256
fi
node build.mjs "$out"
