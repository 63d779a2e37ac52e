#!/usr/bin/env bash
# journal_attack.sh - issue 11's attacks on a node's journal, each reproduced
# with the sqlite3 CLI or tests/journal_forge.py (SHA-256 recomputed as an
# attacker with write access can) against journals made by "mwx run" (no
# network).  Each check failed before the journal was owned and sealed by
# the node and the queue verified its rows:
#   the six consistent rewrites (edit + recomputed hashes; cut tail with
#   meta fixed; delete, renumber, recompute; a VIEW hiding records; a forged
#   approval appended after the saved head; a rollback to an earlier genuine
#   copy, caught with the head a partner holds), "mwx run" on another
#   nation's journal, "mwx release decide" into a live journal, a held
#   sample edited then approved (operator tool and running node), and one
#   flipped bit in the record_ref index.
set -u
B=${1:?usage: journal_attack.sh BUILD_DIR}
MWX="$B/mwx"
SRC=$(cd "$(dirname "$0")/.." && pwd)
FORGE="python3 $SRC/tests/journal_forge.py"
SC="$SRC/scenarios/2022-11-18-hwasong17.json"
T=$(mktemp -d /tmp/secjournal_attack.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib/check.sh"
count() { sqlite3 "$1" "SELECT count(*) FROM record"; }

# ---- a node journal, and an earlier genuine copy of it taken mid-run
K="$T/kor.db"
"$MWX" run "$SC" --nation KOR --journal "$K" --no-plots --speed 400 >/dev/null 2>&1 & PID=$!
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ "$(sqlite3 "$K" 'SELECT count(*) FROM record' 2>/dev/null || echo 0)" -lt 100 ]; do sleep 0.1; done
sqlite3 "$K" ".backup '$T/early.db'"
wait $PID; rc=$?; PID=
[ $rc = 0 ] && ok "mwx run KOR" || bad "mwx run KOR exit $rc"
P="$K.pub"
N=$(count "$K")
expect 0 "node journal sealed at its last commit" "^ok: $N records, chain intact, head seal valid" -- "$MWX" audit verify "$K" --pub "$P"
expect 0 "the early copy is genuine and sealed" "head seal valid" -- "$MWX" audit verify "$T/early.db" --pub "$P"
[ "$(sqlite3 "$K" "SELECT value FROM meta WHERE key='owner'")" = KOR ] && ok "journal owned by KOR" || bad "no owner"

# 1. edit a record and recompute every hash after it (and the meta head)
cp "$K" "$T/r1.db"
sqlite3 "$T/r1.db" "UPDATE record SET payload=replace(payload, 'kor-jpn', 'kor-xxx') WHERE id=5"
$FORGE "$T/r1.db" rehash 5
expect 1 "rewrite 1 caught even without --pub (the owner key in the file)" "differs from the sealed head" -- "$MWX" audit verify "$T/r1.db"
expect 1 "rewrite 1 caught by the seal" "differs from the sealed head|seal does not verify" -- "$MWX" audit verify "$T/r1.db" --pub "$P"
# 2. cut the tail and fix the meta head
cp "$K" "$T/r2.db"
sqlite3 "$T/r2.db" "DELETE FROM record WHERE id > $((N - 20)); UPDATE meta SET value=$((N - 20)) WHERE key='head_id';
  UPDATE meta SET value=(SELECT hash FROM record WHERE id=$((N - 20))) WHERE key='head_hash'"
expect 1 "rewrite 2 (tail cut, meta fixed) caught" "record $((N - 19)): missing: the sealed head is record $N" -- "$MWX" audit verify "$T/r2.db" --pub "$P"
# 3. delete a record, renumber the rest, recompute, move the seal id too
cp "$K" "$T/r3.db"
sqlite3 "$T/r3.db" "DROP INDEX record_answer; DROP INDEX record_published; DELETE FROM record WHERE id=10;
  UPDATE record SET id=id-1 WHERE id>10; UPDATE record SET ref=ref-1 WHERE ref>10;
  UPDATE meta SET value=$((N - 1)) WHERE key='seal_id'"
sqlite3 "$T/r3.db" "CREATE UNIQUE INDEX record_answer ON record(ref) WHERE kind = 3 AND ref <> 0;
  CREATE UNIQUE INDEX record_published ON record(json_extract(payload, '\$.hold')) WHERE kind = 2 AND ref <> 0;"
$FORGE "$T/r3.db" rehash 10
sqlite3 "$T/r3.db" "UPDATE meta SET value=(SELECT value FROM meta WHERE key='head_hash') WHERE key='seal_hash'"
expect 1 "rewrite 3 (delete, renumber, recompute) caught by the seal" "seal does not verify" -- "$MWX" audit verify "$T/r3.db" --pub "$P"
# 4. a VIEW in place of the table, hiding records
cp "$K" "$T/r4.db"
sqlite3 "$T/r4.db" "ALTER TABLE record RENAME TO record_all;
  CREATE VIEW record AS SELECT * FROM record_all WHERE json_extract(payload, '\$.outcome') IS NOT 'held' OR kind <> 3"
expect 1 "rewrite 4 (VIEW hiding records) caught" "schema differs" -- "$MWX" audit verify "$T/r4.db" --pub "$P"
expect 1 "rewrite 4 caught without the key too" "schema differs" -- "$MWX" audit verify "$T/r4.db"
# 5. a forged approval appended after the saved (sealed) head
cp "$K" "$T/r5.db"
rel=$(sqlite3 "$T/r5.db" "SELECT id FROM record WHERE kind=3 AND json_extract(payload, '\$.outcome')='released' LIMIT 1")
$FORGE "$T/r5.db" append 3 1 "$rel" '{"hold":'"$rel"',"operator":"mallory","outcome":"approved"}' >/dev/null
expect 0 "rewrite 5 (forged approval) passes the bare chain" "^ok: $((N + 1)) records" -- "$MWX" audit verify "$T/r5.db"
expect 1 "rewrite 5 caught: not under the node's seal" "record $((N + 1)): .*not sealed" -- "$MWX" audit verify "$T/r5.db" --pub "$P"
# 6. rollback to the earlier genuine copy: only the head a partner holds shows it
HID=$("$MWX" audit show "$K" --json | grep '"topic":"NodeStatus"' | tail -1 | grep -o '"journal_head_id":[0-9]*' | cut -d: -f2)
HH=$("$MWX" audit show "$K" --json | grep '"topic":"NodeStatus"' | tail -1 | grep -o '"journal_head_hash":"[0-9a-f]*"' | cut -d'"' -f4)
printf '{"head_id": %s, "head_hash": "%s"}\n' "$HID" "$HH" > "$T/partner-head.json"
[ -n "$HID" ] && [ "$HID" -gt "$(count "$T/early.db")" ] && ok "NodeStatus carries the sealed head ($HID)" || bad "no head in NodeStatus ($HID)"
expect 0 "the current journal holds the partner's head" "partner's head present" -- "$MWX" audit verify "$K" --pub "$P" --head-from-partner "$T/partner-head.json"
expect 1 "rewrite 6 (rollback) caught with the partner's head" "record $HID: missing, but named by the partner's head" -- "$MWX" audit verify "$T/early.db" --pub "$P" --head-from-partner "$T/partner-head.json"
# the same from a partner's journal: JPN's, holding KOR's last NodeStatus as received (byte for byte)
J="$T/jpn.db"
"$MWX" release decide "$SRC/config/policy-JPN.json" --partner KOR --topic Track --journal "$J" >/dev/null
st=$(sqlite3 "$K" "SELECT max(id) FROM record WHERE kind=3 AND json_extract(payload, '\$.topic')='NodeStatus' AND msg IS NOT NULL")
$FORGE "$J" receive "$K" "$st" >/dev/null
expect 1 "rollback caught with the head in the partner's journal" "record $HID: missing, but named by the partner's head" -- "$MWX" audit verify "$T/early.db" --pub "$P" --head-from-partner "$J"
expect 0 "the current journal holds the head in the partner's journal" "partner's head present" -- "$MWX" audit verify "$K" --pub "$P" --head-from-partner "$J"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out "$T/other.pub" 2>/dev/null
expect 1 "a NodeStatus not signed by the key given does not count" "no NodeStatus of KOR signed by the given key" -- "$MWX" audit verify "$T/early.db" --pub "$T/other.pub" --head-from-partner "$J"

# ---- a journal of another nation, or of an earlier run, is not appended to
cp "$P" "$T/pub.before"
M=$(count "$K")
expect 1 "mwx run JPN refuses KOR's journal" "journal of KOR's node, not of JPN" -- "$MWX" run "$SC" --nation JPN --journal "$K" --no-plots
expect 1 "a new KOR run refuses the sealed journal of an earlier run" "cannot continue it" -- "$MWX" run "$SC" --nation KOR --journal "$K" --no-plots
cmp -s "$P" "$T/pub.before" && [ "$(count "$K")" = "$M" ] && ok "journal and its key untouched" || bad "journal or key changed"

# ---- operator tools cannot create queue items in a live journal
expect 1 "release decide into the node's journal refused" "only the node creates queue items" -- "$MWX" release decide "$SRC/config/policy-KOR.json" --partner JPN --topic ImpactPrediction --class ICBM --journal "$K"
[ "$(count "$K")" = "$M" ] && ok "nothing recorded" || bad "decide wrote to the live journal"

# ---- a held sample edited, then approved: the operator tool and the running node refuse it
sed 's/"manual_timeout_s": 30/"manual_timeout_s": 900/' "$SRC/config/policy-KOR.json" > "$T/policy-slow.json"
L="$T/live.db"
: > "$T/live.log" # exists before the wait below reads it (the run opens it after the fork)
"$MWX" run "$SC" --nation KOR --journal "$L" --policy "$T/policy-slow.json" --speed 60 --no-plots --log > "$T/live.log" 2>&1 & PID=$!
end=$((SECONDS + 40))
while [ $SECONDS -lt $end ] && [ "$(grep -c "HELD JPN" "$T/live.log")" -lt 2 ]; do sleep 0.1; done
items=$(grep "HELD JPN" "$T/live.log" | grep -o 'item=[0-9]*' | cut -d= -f2 | head -2)
i1=$(echo "$items" | sed -n 1p); i2=$(echo "$items" | sed -n 2p)
if [ -n "$i1" ] && [ -n "$i2" ]; then
  held_ns=$(sqlite3 "$L" "SELECT time_ns FROM record WHERE id=$i1")
  $FORGE "$L" editmsg "$i1"
  expect 1 "operator approval of an edited hold refused" "fails verification" -- "$MWX" release approve "$i1" --journal "$L" --operator tester --now $((held_ns + 1000000000))
  # the attacker writes the approval himself, properly chained
  $FORGE "$L" append 3 $((held_ns + 1000000000)) "$i1" '{"hold":'"$i1"',"operator":"mallory","outcome":"approved","partner":"JPN"}' >/dev/null
  # and an honest approval of the other hold still goes out
  "$MWX" release approve "$i2" --journal "$L" --operator tester --now $((held_ns + 1000000000)) >/dev/null || bad "approve $i2"
  end=$((SECONDS + 20))
  while [ $SECONDS -lt $end ] && ! grep -q "item=$i1.*not sent" "$T/live.log"; do sleep 0.1; done
  grep -q "REFUSED JPN.*item=$i1.*not sent" "$T/live.log" && ok "the node refuses to sign the edited hold" || bad "edited hold: $(grep "item=$i1" "$T/live.log")"
  grep -q "APPROVED JPN.*item=$i1 " "$T/live.log" && bad "the edited hold was published" || ok "the edited hold was not published"
  end=$((SECONDS + 20))
  while [ $SECONDS -lt $end ] && ! grep -q "APPROVED JPN.*item=$i2 " "$T/live.log"; do sleep 0.1; done
  grep -q "APPROVED JPN.*item=$i2 " "$T/live.log" && ok "the honest approval was published" || bad "honest approval lost: $(grep "item=$i2" "$T/live.log")"
else
  bad "no holds to attack ('$items')"
fi
kill $PID 2>/dev/null; wait $PID 2>/dev/null; PID=

# ---- one flipped bit in the record_ref index
D="$T/drill.db"
NOW=2026-11-28T11:00:00Z
for i in 1 2; do
  "$MWX" release decide "$SRC/config/policy-USA.json" --partner AUS --topic ImpactPrediction --journal "$D" --now "$NOW" >/dev/null
done
"$MWX" release approve 1 --journal "$D" --operator lt.kim --now 2026-11-28T11:00:20Z >/dev/null
dec=$(sqlite3 "$D" "SELECT id FROM record WHERE ref=1 AND kind=3")
$FORGE "$D" flipref 1 "$dec" >/dev/null || bad "bit flip"
expect 1 "verify runs SQLite's integrity check" "integrity check: .*record_ref" -- "$MWX" audit verify "$D"
expect 0 "the approved hold is not shown pending" "^2 " -- "$MWX" release list --journal "$D" --now 2026-11-28T11:00:30Z
out=$("$MWX" release list --journal "$D" --now 2026-11-28T11:00:30Z)
grep -q "^1 " <<<"$out" && bad "approved hold 1 listed as pending: $out" || ok "approved hold 1 not listed"
"$MWX" release expire --journal "$D" --now 2026-11-28T12:00:00Z >/dev/null
[ "$(sqlite3 "$D" "SELECT count(*) FROM record NOT INDEXED WHERE ref=1 AND kind=3")" = 1 ] && ok "hold 1 decided once" || bad "hold 1 decided twice"
sqlite3 "$D" "INSERT INTO record(id, kind, time_ns, payload, ref, hash) VALUES (99, 3, 0, '{}', 1, zeroblob(32))" 2>/dev/null &&
  bad "schema allows a second decision" || ok "schema refuses a second decision on a hold (UNIQUE)"

echo "journal_attack: $fails failure(s)"
[ "$fails" -eq 0 ]
