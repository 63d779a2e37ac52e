#!/usr/bin/env bash
# demo_serve.sh - `mwx demo --serve` (act 5 with the web pictures), run by
# ctest with the build directory as $1 (opens DDS: run under the shared
# lock, `flock /tmp/mwx-dds.lock ctest -R demo_serve`).
#
# Starts the demo on free ports, reads the URLs and the login it prints,
# logs in over HTTPS at each of the three URLs with that login, trusting
# only the certificate file the demo names (curl --cacert), gets the page
# and the session; a wrong password is refused; then Ctrl-C (SIGINT): the
# demo stops the nodes, verifies their journals and exits 0.
set -u
B=$(cd "${1:?usage: demo_serve.sh BUILD_DIR}" && pwd)
T=$(mktemp -d /tmp/mwx_demo_serve.XXXXXX)
DPID=""
cleanup() { [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
PORT=$(( 30000 + ($$ % 10000) * 3 ))
"$B/mwx" demo --serve --web-port $PORT > "$T/out" 2> "$T/err" &
DPID=$!
for i in $(seq 150); do grep -q "USA  https://" "$T/out" && break; sleep 0.2; done
grep -q "USA  https://" "$T/out" && ok "the demo prints the URLs" || { bad "no URLs: $(tail -5 "$T/out" "$T/err")"; exit 1; }
PW=$(sed -n 's/.*name: demo   password: \([0-9a-f]*\) .*/\1/p' "$T/out")
[ ${#PW} = 32 ] && ok "and a login (demo, a ${#PW}-character password)" || bad "no password in: $(grep -m1 password "$T/out")"
for N in KOR JPN USA; do
  line=$(grep "^  $N  https://" "$T/out")
  url=$(echo "$line" | awk '{print $2}')
  ca=$(echo "$line" | sed -n 's/.*issued by \([^ )]*\)).*/\1/p')
  [ -f "$ca" ] || { bad "$N: no certificate file '$ca'"; continue; }
  # the node starts serving a moment after the demo prints its URL
  for i in $(seq 100); do curl -s -o /dev/null --cacert "$ca" "$url" && break; sleep 0.2; done
  code=$(curl -s -o "$T/$N.html" -w '%{http_code}' --cacert "$ca" "$url")
  [ "$code" = 200 ] && grep -q "common operational picture" "$T/$N.html" && ok "$N: $url answers over HTTPS (its CA: $(basename "$(dirname "$ca")")/$(basename "$ca"))" ||
    bad "$N: GET $url: $code"
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H 'Content-Type: application/json' \
         -d '{"name":"demo","password":"not-the-password"}' "${url}api/login")
  [ "$code" = 401 ] && ok "$N: a wrong password is refused (401)" || bad "$N: wrong password: $code"
  code=$(curl -s -o "$T/$N.login" -w '%{http_code}' --cacert "$ca" -c "$T/$N.jar" -H 'Content-Type: application/json' \
         -d "{\"name\":\"demo\",\"password\":\"$PW\"}" "${url}api/login")
  sess=$(curl -s --cacert "$ca" -b "$T/$N.jar" "${url}api/session")
  [ "$code" = 200 ] && echo "$sess" | grep -q "\"nation\":\"$N\"" && echo "$sess" | grep -q '"role":"release_officer"' &&
    ok "$N: the printed login works: $sess" | cut -c1-160 || bad "$N: log-in $code, session $sess"
done
kill -0 $DPID 2>/dev/null && ok "the demo keeps running with the nodes" || bad "the demo ended: $(tail -3 "$T/out")"
kill -INT $DPID
for i in $(seq 300); do kill -0 $DPID 2>/dev/null || break; sleep 0.2; done
if kill -0 $DPID 2>/dev/null; then bad "the demo did not stop within 60 s of SIGINT"; else
  wait $DPID; st=$?; DPID=""
  [ $st = 0 ] && grep -q "Ctrl-C: stopping the nodes" "$T/out" && ok "SIGINT stops it (exit 0)" || bad "after SIGINT: exit $st: $(tail -3 "$T/out" "$T/err")"
  [ "$(grep -c "mwx audit verify .*: ok" "$T/out")" = 3 ] && ok "the three journals verify after the stop" || bad "journals: $(grep 'audit verify' "$T/out")"
fi
exit $fails
