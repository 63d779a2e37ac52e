#!/usr/bin/env bash
# Installs the Debian packages mwx needs to build, test and run its demo.
# python3 (Debian's) is used by the shell tests to read JSON output; chromium
# (with a CJK-capable fallback font, for operator names; Latin fonts come with
# fontconfig's own dependencies) by the web picture's browser test
# (tests/cop_browser.sh); libwebsockets on libuv serves that page.
# Idempotent: packages already present are not touched; runs apt-get only when
# something is missing. Must run as root on Debian 12 (bookworm).
#
# Node.js (npm ci and the page build in web/, the zone conversion in
# scripts/zones/, and the browser test): at least NODE_MIN, because the
# playwright-core of web/package-lock.json (1.65.1) declares engines
# "node >=20" and refuses to start on an older one.  Debian 12 ships Node.js
# 18, so when the installed node (or Debian's candidate) is older, Node.js 20
# comes from NodeSource's apt repository (node_20.x, its signing key checked
# against the fingerprint below); Debian's nodejs and npm otherwise.
#   MWX_DEPS_DRY_RUN=1 bash scripts/install-deps.sh   says what it would do
set -eu
NODE_MIN=20
NODESOURCE_FPR=6F71F525282841EEDAF851B42F59B5F99B1BE0B4 # NodeSource repository key (NSolid), as of 2025
pkgs="build-essential cmake pkg-config
      libssl-dev libsqlite3-dev sqlite3 libproj-dev proj-data libjansson-dev libcmocka-dev
      cyclonedds-dev cyclonedds-tools openssl iproute2 python3
      libwebsockets-dev libwebsockets-evlib-uv libuv1-dev chromium fonts-droid-fallback"
dry=${MWX_DEPS_DRY_RUN:-}
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
node_ok() { command -v npm >/dev/null 2>&1 && [ "$(node_major)" -ge "$NODE_MIN" ]; }
node_from=""
if ! node_ok; then
  if command -v node >/dev/null 2>&1; then
    echo "install-deps: node $(node --version) or its npm is not enough: Node.js >= $NODE_MIN with npm is needed" >&2
  fi
  node_from=debian # decided below, once the package lists are known
fi

if [ -z "$missing" ] && [ -z "$node_from" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || [ -n "$dry" ]; then
  echo "install-deps: missing packages:$missing${node_from:+ nodejs>=$NODE_MIN}${dry:+ (dry run)}" >&2
  [ -n "$dry" ] && exit 0
  echo "install-deps: run as root to install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$node_from" ]; then
  # the newest nodejs the configured repositories offer (not the installed one)
  cand=$(apt-cache madison nodejs 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -V | tail -1)
  cand=${cand#*:}
  if [ -n "$cand" ] && [ "${cand%%.*}" -ge "$NODE_MIN" ] 2>/dev/null; then
    missing="$missing nodejs npm"
  else
    node_from=nodesource
    missing="$missing ca-certificates curl gpg"
  fi
fi
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "$node_from" = nodesource ]; then
  echo "install-deps: Debian's nodejs ${cand:-(none)} is older than $NODE_MIN: Node.js 20 from deb.nodesource.com"
  g=$(mktemp -d)
  trap 'rm -rf "$g"' EXIT
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key -o "$g/key.asc"
  got=$(GNUPGHOME="$g" gpg --batch --with-colons --show-keys "$g/key.asc" | awk -F: '/^fpr:/ {print $10; exit}')
  if [ "$got" != "$NODESOURCE_FPR" ]; then
    echo "install-deps: NodeSource key fingerprint is '$got', expected $NODESOURCE_FPR: not installing" >&2
    exit 1
  fi
  GNUPGHOME="$g" gpg --batch --dearmor -o "$g/nodesource.gpg" "$g/key.asc"
  install -m 0644 "$g/nodesource.gpg" /usr/share/keyrings/nodesource.gpg
  cat > /etc/apt/sources.list.d/nodesource.sources <<EOF
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/nodesource.gpg
EOF
  apt-get update -qq
  # NodeSource's nodejs carries npm (and replaces Debian's npm package)
  apt-get install -y -qq --no-install-recommends nodejs >/dev/null
fi
if ! node_ok; then
  echo "install-deps: still no Node.js >= $NODE_MIN with npm (node: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
