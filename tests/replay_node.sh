#!/usr/bin/env bash
# replay_node.sh - the replay attacks of issue 11 against a full JPN node
# (mwxd with a journal), DDS Security on, loopback.  Uses DDS: run under
# the shared lock (flock /tmp/mwx-dds.lock).
#   A. "mwx net publish --count 3" twice, then "--count 2" (a publisher
#      that starts its sequence again at 1): JPN takes seq 1 2 3 once and
#      journals the other five as replay; its latest samples hold the
#      three tracks (three keys).  Before the fix: 1 2 3 1 2 3 1 2, all taken.
#   B. JPN restarted on its journal: the same three samples again are all
#      refused (the window is persisted).
#   C. the hub (USA, a relay) restarted: it re-sends KOR's byte-identical
#      samples from KOR's writer history, seconds late; JPN refuses them as
#      replays (duplicate).  Before the fix: taken again.
#   D. a JPN node that lost its journal joins late with replay_max_age_s 2:
#      the relay's history (KOR samples several seconds old) is refused as
#      stale.
#   F. mesh plus a relay (issue 13): KOR reaches JPN directly and through
#      the USA; every sample arrives twice, byte-identical, and is taken
#      once.  Before the fix: twice.
#   E. "mwx run" twice on one journal: the second run's seqs continue the
#      first's, per topic.  Before the fix: they started again at 1.
# Usage: replay_node.sh BUILD_DIR
set -u
B=$(cd "${1:?usage: replay_node.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/lib/check.sh"
scratch replay
# seqs of KOR's samples journaled by JPN as kind K, space-separated, in record order
seqs() { "$B/mwx" audit show "$1" --kind "$2" --json | python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["payload"]["seq"]) for l in sys.stdin if json.loads(l)["payload"].get("from") == "KOR"))'; }
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

"$B/mwx" pki init "$T/pki" --nations KOR,JPN,USA >/dev/null || { echo "FAIL pki init"; exit 1; }
D=$(( 200 + $$ % 30 ))
net="\"pki_dir\":\"pki\",\"role\":\"mesh\",\"domain_id\":$D,\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"lease_ms\":2000"
echo "{\"nation\":\"KOR\",$net}" > "$T/kor.json"
echo "{\"nation\":\"JPN\",$net,\"journal\":\"jpn.db\"}" > "$T/jpn.json"

# ---- A: 3, 3, 2 from a publisher that restarts its sequence
"$B/mwxd" --config "$T/jpn.json" --log received > "$T/jpn1.log" 2>&1 & JPN=$!; PIDS+=($JPN)
wait_for "$T/jpn1.log" "UP node" 1 20 || bad "JPN did not start: $(tail -3 "$T/jpn1.log")"
for c in 3 3 2; do
  "$B/mwx" net publish --config "$T/kor.json" --count $c --wait-partner JPN --timeout 20 >> "$T/pub.log" 2>&1 ||
    bad "publish --count $c: $(tail -2 "$T/pub.log")"
done
wait_for "$T/jpn1.log" "<- KOR" 8 20 || bad "JPN reported $(grep -c -- '<- KOR' "$T/jpn1.log") of 8 KOR samples"
stop $JPN
got=$(seqs "$T/jpn.db" sample)
[ "$got" = "1 2 3" ] && ok "A: JPN took seq 1 2 3 once (of 1 2 3 1 2 3 1 2)" || bad "A: JPN took seqs '$got'"
rep=$(seqs "$T/jpn.db" replay)
[ "$rep" = "1 2 3 1 2" ] && ok "A: the other five journaled as replay ($rep)" || bad "A: replay records '$rep'"
n=$(grep -c "DROPPED replay: duplicate" "$T/jpn1.log")
[ "$n" = 5 ] && ok "A: JPN reported 5 replays" || bad "A: $n replay lines: $(grep DROPPED "$T/jpn1.log" | head -2)"
# the partners' latest samples (mwx_node_latest; that an entry never goes
# back in time is asserted by test_node_replay): KOR-T1..T3, three keys
grep -q "^JPN BOUNDS .*| latest samples=3/" "$T/jpn1.log" && ok "A: JPN's latest samples hold KOR-T1..T3, three keys" ||
  bad "A: latest samples: $(grep -o 'latest samples=[0-9]*' "$T/jpn1.log")"
"$B/mwx" audit verify "$T/jpn.db" >/dev/null && ok "A: audit verify jpn.db" || bad "A: audit verify jpn.db"

# ---- B: JPN restarted on its journal still refuses them
"$B/mwxd" --config "$T/jpn.json" --log received > "$T/jpn2.log" 2>&1 & JPN=$!; PIDS+=($JPN)
wait_for "$T/jpn2.log" "UP node" 1 20 || bad "JPN did not restart"
"$B/mwx" net publish --config "$T/kor.json" --count 3 --wait-partner JPN --timeout 20 >> "$T/pub.log" 2>&1 ||
  bad "B: publish: $(tail -2 "$T/pub.log")"
wait_for "$T/jpn2.log" "<- KOR" 3 20 || bad "B: JPN reported $(grep -c -- '<- KOR' "$T/jpn2.log") of 3"
stop $JPN
got=$(seqs "$T/jpn.db" sample)
[ "$got" = "1 2 3" ] && ok "B: after its restart JPN refused 1 2 3 again (window kept in the journal)" || bad "B: JPN took '$got'"
n=$(grep -c "DROPPED replay" "$T/jpn2.log")
[ "$n" = 3 ] && ok "B: 3 replays reported after the restart" || bad "B: $n replay lines"

# ---- C: a restarted hub re-sends KOR's samples
D1=$(( 5 + $$ % 17 )) D2=$(( 23 + $$ % 17 ))
link() { echo "\"domain_id\":$1,\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"partners\":[\"$2\"]"; }
echo "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"lease_ms\":2000,$(link $D1 USA)}" > "$T/hkor.json"
echo "{\"nation\":\"JPN\",\"pki_dir\":\"pki\",\"lease_ms\":2000,$(link $D2 USA),\"journal\":\"hjpn.db\"}" > "$T/hjpn.json"
echo "{\"nation\":\"JPN\",\"pki_dir\":\"pki\",\"lease_ms\":2000,$(link $D2 USA),\"journal\":\"hjpn2.db\",\"replay_max_age_s\":2}" > "$T/hjpn2.json"
echo "{\"nation\":\"USA\",\"pki_dir\":\"pki\",\"role\":\"hub-relay\",\"lease_ms\":2000,\"links\":[{$(link $D1 KOR)},{$(link $D2 JPN)}]}" > "$T/husa.json"
"$B/mwxd" --config "$T/hjpn.json" --log received > "$T/hjpn.log" 2>&1 & JPN=$!; PIDS+=($JPN)
"$B/mwxd" --config "$T/husa.json" > "$T/husa1.log" 2>&1 & USA=$!; PIDS+=($USA)
"$B/mwxd" --config "$T/hkor.json" --publish-test 3 --interval-ms 100 --wait-partner USA > "$T/hkor.log" 2>&1 & KOR=$!; PIDS+=($KOR)
wait_for "$T/hjpn.log" "<- KOR Track" 3 40 && ok "C: JPN took KOR's 3 tracks through the USA" ||
  bad "C: JPN took $(grep -c -- '<- KOR Track' "$T/hjpn.log") KOR tracks"
stop $USA
sleep 3
"$B/mwxd" --config "$T/husa.json" > "$T/husa2.log" 2>&1 & USA=$!; PIDS+=($USA)
wait_for "$T/husa2.log" "ACCEPTED.*orig=KOR.*relayed=1" 3 30 && ok "C: the restarted USA re-sent KOR's 3 samples" ||
  bad "C: the restarted USA relayed $(grep -c 'relayed=1' "$T/husa2.log")"
wait_for "$T/hjpn.log" "<- KOR DROPPED replay: duplicate" 3 20 && ok "C: JPN refused the late re-sends as replays" ||
  bad "C: JPN: $(grep -c -- '<- KOR Track' "$T/hjpn.log") taken, $(grep -c 'DROPPED replay' "$T/hjpn.log") refused"
stop $JPN
got=$(seqs "$T/hjpn.db" sample)
[ "$got" = "1 2 3" ] && ok "C: JPN's journal holds each KOR sample once" || bad "C: JPN took '$got'"

# ---- D: a JPN that lost its journal, with a 2-s age bound, joins late
sleep 2.5
"$B/mwxd" --config "$T/hjpn2.json" --log received > "$T/hjpn2.log" 2>&1 & JPN=$!; PIDS+=($JPN)
wait_for "$T/hjpn2.log" "<- KOR" 3 30 || bad "D: JPN reported $(grep -c -- '<- KOR' "$T/hjpn2.log") of 3"
stop $JPN
n=$(grep -c "DROPPED replay: stale" "$T/hjpn2.log")
[ "$n" = 3 ] && ok "D: the relay's old history was refused as stale (older than 2 s)" || bad "D: $n stale: $(grep -- '<- KOR' "$T/hjpn2.log" | head -3)"
stop $USA; stop $KOR
"$B/mwx" audit verify "$T/hjpn.db" >/dev/null && "$B/mwx" audit verify "$T/hjpn2.db" >/dev/null &&
  ok "C, D: the journals verify" || bad "C, D: audit verify"

# ---- F: the same sample by two paths, a direct link and the relay
D3=$(( 41 + $$ % 17 ))
echo "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"lease_ms\":2000,\"links\":[{$(link $D1 USA)},{$(link $D3 JPN)}]}" > "$T/fkor.json"
echo "{\"nation\":\"JPN\",\"pki_dir\":\"pki\",\"lease_ms\":2000,\"links\":[{$(link $D3 KOR)},{$(link $D2 USA)}],\"journal\":\"fjpn.db\"}" > "$T/fjpn.json"
"$B/mwxd" --config "$T/fjpn.json" --log received > "$T/fjpn.log" 2>&1 & JPN=$!; PIDS+=($JPN)
"$B/mwxd" --config "$T/husa.json" > "$T/fusa.log" 2>&1 & USA=$!; PIDS+=($USA)
wait_for "$T/fusa.log" "PARTNER link=1 JPN alive" 1 30 || bad "F: the USA does not see JPN"
"$B/mwxd" --config "$T/fkor.json" --publish-test 3 --interval-ms 100 --wait-partner USA > "$T/fkor.log" 2>&1 & KOR=$!; PIDS+=($KOR)
wait_for "$T/fjpn.log" "<- KOR" 6 40 || bad "F: JPN reported $(grep -c -- '<- KOR' "$T/fjpn.log") of 6 arrivals"
stop $JPN; stop $USA; stop $KOR
got=$(seqs "$T/fjpn.db" sample)
[ "$got" = "1 2 3" ] && ok "F: each sample taken once of its two paths" || bad "F: JPN took '$got'"
rep=$("$B/mwx" audit show "$T/fjpn.db" --kind replay --json | grep -c '"why":"duplicate"')
[ "$rep" = 3 ] && ok "F: the second arrival of each journaled as a duplicate" || bad "F: $rep duplicates"

# ---- E: mwx run twice on one journal continues the sequence
SC="$SRC/scenarios/2022-10-14-srbm.json"
maxseq() { "$B/mwx" audit show "$1" --kind release --json | python3 -c '
import json, sys
first, last = {}, {}
for i, l in enumerate(sys.stdin):
    s = json.loads(l).get("sample")
    if s:
        t, q = s["topic"], s["marking"]["seq"]
        last[t] = max(last.get(t, 0), q)
print(" ".join("%s=%d" % (t, last[t]) for t in sorted(last)))'; }
# the journal is sealed with the run's origin key: a continued run needs the same key
openssl genpkey -algorithm ed25519 -out "$T/run.key" 2>/dev/null || bad "E: openssl genpkey"
"$B/mwx" run "$SC" --nation KOR --journal "$T/run.db" --key "$T/run.key" --no-plots >/dev/null 2>&1 || bad "E: first mwx run"
first=$(maxseq "$T/run.db")
"$B/mwx" run "$SC" --nation KOR --journal "$T/run.db" --key "$T/run.key" --no-plots >/dev/null 2>&1 || bad "E: second mwx run"
second=$(maxseq "$T/run.db")
# every topic's last seq doubled: the second run gave the same number of samples after the first's
want=$(echo "$first" | tr ' ' '\n' | awk -F= '{ printf "%s%s=%d", (NR > 1 ? " " : ""), $1, 2 * $2 }')
[ -n "$first" ] && [ "$second" = "$want" ] && ok "E: the second run continued every topic's seq ($first -> $second)" ||
  bad "E: seqs after run 1: $first, after run 2: $second (want $want)"
dups=$("$B/mwx" audit show "$T/run.db" --kind release --json | python3 -c '
import json, sys, collections
c = collections.Counter()
for l in sys.stdin:
    r = json.loads(l); s = r.get("sample")
    if s: c[(s["topic"], s["marking"]["seq"], r["payload"]["partner"])] += 1
print(sum(1 for v in c.values() if v > 1))')
[ "$dups" = 0 ] && ok "E: no (topic, seq, partner) decided twice across the two runs" || bad "E: $dups seqs reused"

if [ $fail != 0 ]; then for f in jpn1 jpn2 hjpn husa2 hjpn2 fjpn fusa fkor; do echo "--- $f.log"; tail -8 "$T/$f.log"; done; fi
exit $fail
