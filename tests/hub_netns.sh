#!/usr/bin/env bash
# hub_netns.sh - the hub topology on three hosts: KOR, USA and JPN in three
# network namespaces joined by two veth pairs (KOR-USA, USA-JPN), with no
# KOR-JPN link and no IP forwarding at the USA.  Each node is an mwxd with
# all DDS Security on; the USA is a hub-relay with one DDS domain per link.
# Checks: JPN receives KOR's tracks through the USA with KOR's signature
# verified, KOR never gets its own samples back, and a KOR+USA-only track
# is not relayed to JPN, and a JPN node joining late receives the current
# picture from the relay.  Where namespaces cannot be made (not root, no
# iproute2, or MWX_NO_NETNS=1), runs the same over loopback with separate DDS domains for the
# two links and says so.  Usage: hub_netns.sh BUILD_DIR
set -u
B=$(cd "${1:?usage: hub_netns.sh BUILD_DIR}" && pwd)
T=$(mktemp -d /tmp/mwx_hub.XXXXXX)
S=$$
NK=mwxk$S NU=mwxu$S NJ=mwxj$S
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${MODE:-}" = netns ]; then
    ip netns del "$NK" 2>/dev/null; ip netns del "$NU" 2>/dev/null; ip netns del "$NJ" 2>/dev/null
  fi
  rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/lib/check.sh"

"$B/mwx" pki init "$T/pki" --nations KOR,JPN,USA >/dev/null || { echo "FAIL pki init"; exit 1; }

MODE=loopback
if [ -z "${MWX_NO_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "$NK" 2>/dev/null; then
  MODE=netns
  set -e
  ip netns add "$NU"; ip netns add "$NJ"
  for n in $NK $NU $NJ; do ip -n "$n" link set lo up; done
  ip link add "k$S" netns "$NK" type veth peer name "uk$S" netns "$NU"
  ip link add "j$S" netns "$NJ" type veth peer name "uj$S" netns "$NU"
  ip -n "$NK" addr add 10.77.1.1/24 dev "k$S";  ip -n "$NK" link set "k$S" up
  ip -n "$NU" addr add 10.77.1.2/24 dev "uk$S"; ip -n "$NU" link set "uk$S" up
  ip -n "$NU" addr add 10.77.2.2/24 dev "uj$S"; ip -n "$NU" link set "uj$S" up
  ip -n "$NJ" addr add 10.77.2.1/24 dev "j$S";  ip -n "$NJ" link set "j$S" up
  ip netns exec "$NU" sysctl -qw net.ipv4.ip_forward=0
  set +e
  RK="ip netns exec $NK" RU="ip netns exec $NU" RJ="ip netns exec $NJ"
  KI=10.77.1.1 UKI=10.77.1.2 UJI=10.77.2.2 JI=10.77.2.1 DK=1 DJ=2
  ip -n "$NK" route get 10.77.1.2 >/dev/null 2>&1 && ok "KOR has a route to USA" || bad "KOR has no route to USA"
  ip -n "$NK" route get 10.77.2.1 >/dev/null 2>&1 && bad "KOR has a route to JPN" || ok "no KOR-JPN route"
  ip -n "$NJ" route get 10.77.1.1 >/dev/null 2>&1 && bad "JPN has a route to KOR" || ok "no JPN-KOR route"
else
  echo "note: network namespaces not used (need root and iproute2; or MWX_NO_NETNS set): running over loopback with separate DDS domains for the KOR-USA and USA-JPN links"
  RK="" RU="" RJ=""
  KI=lo UKI=lo UJI=lo JI=lo DK=6 DJ=7 # 41-42 lie in impersonation_nc.sh's 30..45
fi
peer() { [ "$1" = lo ] && echo 127.0.0.1 || echo "$1"; }

cat > "$T/kor.json" <<J
{"nation":"KOR","pki_dir":"pki","role":"mesh","domain_id":$DK,"interface":"$KI","peers":["$(peer $UKI)"],"partners":["USA"],"lease_ms":2000}
J
cat > "$T/jpn.json" <<J
{"nation":"JPN","pki_dir":"pki","role":"mesh","domain_id":$DJ,"interface":"$JI","peers":["$(peer $UJI)"],"partners":["USA"],"lease_ms":2000}
J
cat > "$T/usa.json" <<J
{"nation":"USA","pki_dir":"pki","role":"hub-relay","lease_ms":2000,"links":[
  {"domain_id":$DK,"interface":"$UKI","peers":["$(peer $KI)"],"partners":["KOR"]},
  {"domain_id":$DJ,"interface":"$UJI","peers":["$(peer $JI)"],"partners":["JPN"]}]}
J

$RJ "$B/mwxd" --config "$T/jpn.json" > "$T/jpn.log" 2>&1 & PIDS+=($!)
$RU "$B/mwxd" --config "$T/usa.json" > "$T/usa.log" 2>&1 & PIDS+=($!)
$RK "$B/mwxd" --config "$T/kor.json" --publish-test 5 --interval-ms 50 --wait-partner USA > "$T/kor.log" 2>&1 & PIDS+=($!)

# bounded wait: poll the logs
if wait_for "$T/jpn.log" "ACCEPTED link=0 topic=Track orig=KOR" 5 40; then
  ok "JPN accepted 5 KOR tracks through the USA (signature verified)"
else
  bad "JPN accepted $(grep -c 'ACCEPTED.*orig=KOR' "$T/jpn.log") KOR tracks"
fi
wait_for "$T/usa.log" "ACCEPTED link=0 topic=Track orig=KOR.*relayed=1" 5 10 &&
  ok "USA relayed each KOR track once" || bad "USA relay lines: $(grep -c 'relayed=1' "$T/usa.log")"

sleep 0.5
grep -q "own-sample\|orig=KOR" "$T/kor.log" && bad "KOR got its own samples back" || ok "nothing returned to KOR"

# a KOR+USA-only track: the USA takes it, JPN never sees it
$RK "$B/mwx" net publish --config "$T/kor.json" --count 1 --rel KOR,USA --wait-partner USA --timeout 20 > "$T/pub.log" 2>&1 &&
  ok "KOR published a KOR+USA track" || bad "KOR+USA publish: $(cat "$T/pub.log")"
wait_for "$T/usa.log" "rel=KOR.USA relayed=0" 1 10 && ok "USA accepted it and did not relay it" || bad "USA and the KOR+USA track"
sleep 1
grep -q "rel=KOR.USA" "$T/jpn.log" && bad "JPN received a KOR+USA track" || ok "JPN never saw the KOR+USA track"
grep -q "DROPPED" "$T/jpn.log" && bad "JPN dropped samples: $(grep DROPPED "$T/jpn.log" | head -2)" || ok "JPN dropped nothing"

# a JPN node joining late gets the current picture from the USA's relay history
$RJ "$B/mwx" net listen --config "$T/jpn.json" --count 5 --timeout 20 > "$T/late.log" 2>&1 &&
  [ "$(grep -c 'ACCEPTED link=0 topic=Track orig=KOR' "$T/late.log")" -ge 5 ] &&
  ok "a late JPN listener got KOR's 5 tracks from the relay" || bad "late JPN listener: $(tail -3 "$T/late.log")"

echo "mode: $MODE"
if [ $fail != 0 ]; then
  for f in kor usa jpn; do echo "--- $f.log"; tail -20 "$T/$f.log"; done
fi
exit $fail
