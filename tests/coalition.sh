#!/usr/bin/env bash
# coalition.sh - three full nodes (KOR, JPN, USA) as separate processes on
# loopback, DDS Security on (PKI from "mwx pki init" in a temp dir), each
# with its own sensors on the 2022-10-14 SRBM scenario replayed at 40x on
# one shared exercise clock.  Checks: every node runs to the end and exits
# 0; JPN's journal holds KOR's Track and LaunchEvent samples, received and
# verified; nothing was dropped; the USA never received a sample whose
# marking does not name it; every journal verifies.  Then the hub topology
# on loopback (separate DDS domains for the KOR-USA and USA-JPN links, no
# KOR-JPN link): JPN still gets KOR's samples, relayed by the USA with
# KOR's signature verified.  Bounded: about 40 s.
# Every node is an mwxd.  Usage: coalition.sh BUILD_DIR
set -u
B=$(cd "${1:?usage: coalition.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/lib/check.sh"
scratch coalition

"$B/mwx" pki init "$T/pki" --nations KOR,JPN,USA >/dev/null || { echo "FAIL pki init"; exit 1; }
START=$(( $(date +%s%3N) + 6000 ))
DOM=$(( 150 + $$ % 50 ))
for N in KOR JPN USA; do
  cat > "$T/$N.json" <<J
{"nation":"$N","pki_dir":"pki","secure":true,"role":"mesh","domain_id":$DOM,"interface":"lo","peers":["127.0.0.1"],
 "lease_ms":3000,"journal":"$N.db","policy":"$SRC/config/policy-$N.json",
 "scenario":"$SRC/scenarios/2022-10-14-srbm.json","speed":40,"step_s":0.25,"start_unix_ms":$START,"linger_s":2}
J
done
for N in KOR JPN USA; do
  timeout 60 "$B/mwxd" --config "$T/$N.json" --log all > "$T/$N.log" 2>&1 & PIDS+=($!)
done
st=0
for i in 0 1 2; do wait "${PIDS[$i]}" || st=$((st + 1)); done
PIDS=()
[ $st = 0 ] && ok "three nodes ran the scenario and exited 0" || bad "$st node(s) failed"

samples() { "$B/mwx" audit show "$T/$1.db" --kind sample --json; }
n_track=$(samples JPN | grep '"from":"KOR"' | grep '"verified":true' | grep -c '"topic":"Track"')
n_launch=$(samples JPN | grep '"from":"KOR"' | grep -c '"topic":"LaunchEvent"')
[ "$n_track" -ge 5 ] && ok "JPN journaled $n_track KOR Tracks, received and verified" || bad "JPN has $n_track KOR Tracks"
[ "$n_launch" -ge 1 ] && ok "JPN journaled KOR's LaunchEvent" || bad "JPN has no KOR LaunchEvent"
grep -q "JPN <- KOR Track .* verified" "$T/JPN.log" && ok "JPN's picture updated by KOR" || bad "no KOR Track line in JPN's log"
# every KOR Track carries its latency on the exercise clock: to JPN holding it
# (journaled, in the picture) and, no later, to its reception from DDS
lat=$(awk -v n="$n_track" '/^JPN <- KOR Track .* verified/ { k++
        if (match($0, /verified, [0-9.]+ ms after plot \([0-9.]+ at reception\)/)) {
          split(substr($0, RSTART + 10, RLENGTH - 10), a, " "); h = a[1] + 0; r = substr(a[5], 2) + 0
          if (r <= h && h < 5000) ok++ } }
      END { print (k == n && ok == n) ? "ok" : k " lines, " ok " with a latency" }' "$T/JPN.log")
[ "$lat" = ok ] && ok "every KOR Track line gives plot -> held and plot -> reception latencies" || bad "latencies: $lat"
# JPN's fused picture at DOWN: one entry for the one missile, the USA's track
# among its members, KOR's launch point (the smallest ellipse), an SRBM
pic=$(grep "^JPN PICTURE " "$T/JPN.log")
[ "$(printf '%s\n' "$pic" | grep -c .)" = 1 ] && printf '%s' "$pic" | grep -q "members.* USA-T" &&
  printf '%s' "$pic" | grep -q "(KOR, 95%" && printf '%s' "$pic" | grep -q "^JPN PICTURE G[0-9]* SRBM " &&
  ok "JPN's final fused picture: one SRBM, the USA's track a member, KOR's launch point" ||
  bad "JPN's fused picture: $pic"
n_usa_from_jpn=$(samples USA | grep -c '"from":"JPN"')
[ "$n_usa_from_jpn" -ge 1 ] && ok "USA received JPN's samples ($n_usa_from_jpn)" || bad "USA got nothing from JPN"
not_usa=$(samples USA | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if "USA" not in json.loads(l)["sample"]["marking"]["releasable_to"]))')
[ "$not_usa" = 0 ] && ok "USA never received a sample not releasable to it" || bad "USA received $not_usa samples not naming it"
for N in KOR JPN USA; do
  n=$("$B/mwx" audit show "$T/$N.db" --kind sigfail --json | wc -l)
  [ "$n" = 0 ] || bad "$N journaled $n failed receipts"
  "$B/mwx" audit verify "$T/$N.db" >/dev/null && ok "audit verify $N.db" || bad "audit verify $N.db: $("$B/mwx" audit verify "$T/$N.db" 2>&1)"
done
if [ $fail != 0 ]; then for N in KOR JPN USA; do echo "--- $N.log"; tail -15 "$T/$N.log"; done; fi

# ---- hub: KOR - USA - JPN, the USA relays
mkdir -p "$T/hub" && ln -s ../pki "$T/hub/pki"
START=$(( $(date +%s%3N) + 6000 ))
D1=$(( 100 + $$ % 50 )) D2=$(( 50 + $$ % 50 ))
node_keys="\"lease_ms\":3000,\"scenario\":\"$SRC/scenarios/2022-10-14-srbm.json\",\"speed\":40,\"step_s\":0.25,\"start_unix_ms\":$START,\"linger_s\":2"
cat > "$T/hub/KOR.json" <<J
{"nation":"KOR","pki_dir":"pki","role":"mesh","domain_id":$D1,"interface":"lo","peers":["127.0.0.1"],"partners":["USA"],
 "journal":"KOR.db",$node_keys}
J
cat > "$T/hub/JPN.json" <<J
{"nation":"JPN","pki_dir":"pki","role":"mesh","domain_id":$D2,"interface":"lo","peers":["127.0.0.1"],"partners":["USA"],
 "journal":"JPN.db",$node_keys}
J
cat > "$T/hub/USA.json" <<J
{"nation":"USA","pki_dir":"pki","role":"hub-relay","links":[
  {"domain_id":$D1,"interface":"lo","peers":["127.0.0.1"],"partners":["KOR"]},
  {"domain_id":$D2,"interface":"lo","peers":["127.0.0.1"],"partners":["JPN"]}],
 "journal":"USA.db",$node_keys}
J
for N in KOR JPN USA; do
  timeout 60 "$B/mwxd" --config "$T/hub/$N.json" --log all > "$T/hub/$N.log" 2>&1 & PIDS+=($!)
done
st=0
for i in 0 1 2; do wait "${PIDS[$i]}" || st=$((st + 1)); done
PIDS=()
[ $st = 0 ] && ok "hub: three nodes ran and exited 0" || bad "hub: $st node(s) failed"
hub_samples() { "$B/mwx" audit show "$T/hub/$1.db" --kind sample --json; }
n=$(hub_samples JPN | grep '"from":"KOR"' | grep -c '"topic":"Track"')
[ "$n" -ge 5 ] && ok "hub: JPN journaled $n KOR Tracks relayed by the USA, KOR's signature verified" || bad "hub: JPN has $n KOR Tracks"
n=$(hub_samples JPN | grep '"from":"KOR"' | grep -c '"releasable_to":\["JPN","KOR","USA"\]')
[ "$n" -ge 5 ] && ok "hub: KOR marked JPN's copies readable by the relay" || bad "hub: marking of relayed copies ($n)"
n=$(hub_samples USA | grep -c '"relayed":1')
[ "$n" -ge 5 ] && ok "hub: the USA relayed $n samples" || bad "hub: the USA relayed $n samples"
for N in KOR JPN USA; do
  "$B/mwx" audit verify "$T/hub/$N.db" >/dev/null && ok "hub: audit verify $N.db" || bad "hub: audit verify $N.db"
done
if [ $fail != 0 ]; then for N in KOR JPN USA; do echo "--- hub/$N.log"; tail -15 "$T/hub/$N.log"; done; fi
exit $fail
