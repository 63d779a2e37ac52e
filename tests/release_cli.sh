#!/usr/bin/env bash
# release_cli.sh - "mwx release" and "mwx audit" end to end, run by ctest
# with the build directory as $1: policy check (good and bad files), the
# manual queue (hold, list, approve, deny, double decision, timeout), the
# audit trail (verify, show, --since, --json), tampering with the database
# through the sqlite3 CLI (edit, delete, delete-last) seen by verify, and a
# sealed head (key generated here, never committed).
set -u
B=${1:?usage: release_cli.sh BUILD_DIR}
MWX="$B/mwx"
SRC=$(cd "$(dirname "$0")/.." && pwd)
CFG="$SRC/config"
. "$(dirname "$0")/lib/check.sh"
scratch release_cli
DB="$T/node.db"
NOW=2026-11-28T11:00:00Z

# ---- policy files
for n in KOR JPN USA; do
  expect 0 "check policy-$n" "nation $n" -- "$MWX" release check "$CFG/policy-$n.json"
done
printf '{"nation": "USA", "rules": [\n {"id": "a1", "partner": "AUS", "topic": "Track", "mode": "auto", "classification": "SECRET",\n  "remove": ["launch_site"]}]}' >"$T/bad1.json"
expect 1 "unknown field names the rule" "rule 0 \(a1\): unknown field 'launch_site'" -- "$MWX" release check "$T/bad1.json"
printf '{"nation": "USA", "rules": [\n {"id": "a1", "partner": "AUS", "topic": "Track", "mode": "auto", "classification": "SECRET"},\n {"id": "a2", "partner": "AUS", "topic": "*", "mode": "manual", "classification": "SECRET"}]}' >"$T/bad2.json"
expect 1 "conflict names both rules" "rule 1 \(a2\): conflicts with rule 0 \(a1\)" -- "$MWX" release check "$T/bad2.json"
printf '{"nation": "USA",\n "rules": [\n  {"id": "a1",, }]}' >"$T/bad3.json"
expect 1 "malformed JSON gives line and column" "line 3 column" -- "$MWX" release check "$T/bad3.json"
expect 1 "missing policy file" "cannot open" -- "$MWX" release check "$T/none.json"

# ---- decisions into the journal (USA node)
expect 0 "hold an impact prediction for AUS" "^held" -- "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic ImpactPrediction --journal "$DB" --now "$NOW"
expect 0 "second hold" "^held" -- "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic ImpactPrediction --journal "$DB" --now "$NOW"
expect 0 "third hold" "^held" -- "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic ImpactPrediction --journal "$DB" --now "$NOW"
expect 0 "auto release of a USA track to AUS" "^released" -- "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic Track --journal "$DB" --now 2026-11-28T11:00:05Z
expect 0 "KOR data never relayed to AUS" "third-party" -- "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic Track --originator KOR --journal "$DB" --now 2026-11-28T11:00:06Z
expect 0 "no rule: default deny" "no-rule" -- "$MWX" release decide "$CFG/policy-USA.json" --partner GBR --topic Alert --journal "$DB" --now 2026-11-28T11:00:07Z

# ---- the queue
expect 0 "list shows three pending" "^3 .*pending" -- "$MWX" release list --journal "$DB" --now 2026-11-28T11:00:10Z
expect 0 "approve item 1" "approved: item 1 .* by lt.kim after 20.0 s" -- "$MWX" release approve 1 --journal "$DB" --operator lt.kim --now 2026-11-28T11:00:20Z
expect 1 "approve twice refused" "already approved by lt.kim" -- "$MWX" release approve 1 --journal "$DB" --operator capt.lee --now 2026-11-28T11:00:21Z
expect 0 "deny item 2" "denied: item 2" -- "$MWX" release deny 2 --journal "$DB" --operator capt.lee --now 2026-11-28T11:00:22Z
expect 1 "approve a record that is not a hold" "no held item 4" -- "$MWX" release approve 4 --journal "$DB" --now 2026-11-28T11:00:23Z
expect 1 "approve after the timeout" "timed out" -- "$MWX" release approve 3 --journal "$DB" --now 2026-11-28T11:05:00Z
expect 0 "list shows the timed-out item" "^3 .*timed out \(deny\)" -- "$MWX" release list --journal "$DB" --now 2026-11-28T11:05:00Z
expect 0 "expire applies the timeout action" "1 held items timed out" -- "$MWX" release expire --journal "$DB" --now 2026-11-28T11:05:00Z
expect 0 "queue empty" "no held items" -- "$MWX" release list --journal "$DB" --now 2026-11-28T11:05:01Z
expect 2 "bad item id" "item ID" -- "$MWX" release approve x1 --journal "$DB"
expect 2 "missing --journal" "needs --journal" -- "$MWX" release list
expect 1 "journal that does not exist" "no such journal" -- "$MWX" release list --journal "$T/none.db"
expect 2 "bad --now" "neither nanoseconds" -- "$MWX" release list --journal "$DB" --now yesterday
expect 2 "unknown subcommand" "unknown subcommand" -- "$MWX" release frobnicate

# ---- audit
expect 0 "verify intact" "^ok: 9 records, chain intact" -- "$MWX" audit verify "$DB"
expect 0 "show" "\(9 records\)" -- "$MWX" audit show "$DB"
expect 0 "show --since ISO" "\(6 records\)" -- "$MWX" audit show "$DB" --since 2026-11-28T11:00:05Z
expect 0 "show --since ns" "\(6 records\)" -- "$MWX" audit show "$DB" --since 1795863605000000000
n=$("$MWX" audit show "$DB" --json | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["kind"]=="release"))')
[ "$n" = 9 ] && ok "show --json: one JSON object per record" || bad "show --json gave $n"
"$MWX" audit show "$DB" --json | grep -q '"operator":"lt.kim"' && ok "approval names the operator" || bad "operator missing"
"$MWX" audit show "$DB" --json | grep -q '"waited_ns":20000000000' && ok "time from hold to decision recorded" || bad "waited_ns missing"
expect 1 "verify of a missing file" "no such journal" -- "$MWX" audit verify "$T/none.db"
expect 2 "show with a bad kind" "unknown record kind" -- "$MWX" audit show "$DB" --kind bogus

# ---- a head kept off the node catches a rollback to an earlier genuine state
cp "$DB" "$T/early.db"
HEAD_EARLY=$("$MWX" audit head "$DB")
"$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic Alert --journal "$DB" --now 2026-11-28T11:06:00Z >/dev/null
HEAD=$("$MWX" audit head "$DB")
case "$HEAD" in 10:????????????????????????????????????????????????????????????????) ok "head is ID:HASH";; *) bad "head: $HEAD";; esac
expect 0 "saved head present" "saved head present" -- "$MWX" audit verify "$DB" --head "$HEAD"
expect 0 "an older saved head is still in the chain" "saved head present" -- "$MWX" audit verify "$DB" --head "$HEAD_EARLY"
expect 0 "the rolled-back copy is intact by itself" "^ok: 9 records" -- "$MWX" audit verify "$T/early.db"
expect 1 "but not against the saved head" "record 10: missing, but named by the saved head" -- "$MWX" audit verify "$T/early.db" --head "$HEAD"
expect 2 "malformed --head" "not ID:HASH" -- "$MWX" audit verify "$DB" --head 10:abc

# ---- tampering with the sqlite3 CLI
cp "$DB" "$T/a.db"
sqlite3 "$T/a.db" "UPDATE record SET payload=replace(payload, 'lt.kim', 'gen.park') WHERE id=7"
expect 1 "edited record named" "BROKEN: record 7: hash does not match" -- "$MWX" audit verify "$T/a.db"
cp "$DB" "$T/b.db"
sqlite3 "$T/b.db" "DELETE FROM record WHERE id=4"
expect 1 "deleted record named" "BROKEN: record 4: missing \(deleted\)" -- "$MWX" audit verify "$T/b.db"
cp "$DB" "$T/c.db"
sqlite3 "$T/c.db" "DELETE FROM record WHERE id=10"
expect 1 "deleted last record named" "BROKEN: record 10: missing" -- "$MWX" audit verify "$T/c.db"
cp "$DB" "$T/d.db"
sqlite3 "$T/d.db" "UPDATE record SET time_ns=time_ns-1 WHERE id=2"
expect 1 "edited time named" "BROKEN: record 2" -- "$MWX" audit verify "$T/d.db"

# ---- sealed head: key made here
openssl genpkey -algorithm ed25519 -out "$T/node.pem" 2>/dev/null
openssl pkey -in "$T/node.pem" -pubout -out "$T/node.pub.pem" 2>/dev/null
S="$T/sealed.db"
for i in 1 2 3; do
  "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic ImpactPrediction --journal "$S" --key "$T/node.pem" --now "$NOW" >/dev/null
done
expect 0 "sealed head verifies" "head seal valid" -- "$MWX" audit verify "$S" --pub "$T/node.pub.pem"
expect 0 "approve with the node key keeps the seal" "approved" -- "$MWX" release approve 1 --journal "$S" --key "$T/node.pem" --now "$NOW"
expect 0 "seal still valid" "ok: 4 records.*head seal valid" -- "$MWX" audit verify "$S" --pub "$T/node.pub.pem"
sqlite3 "$S" "DELETE FROM record WHERE id=4; UPDATE meta SET value=3 WHERE key='head_id'; UPDATE meta SET value=(SELECT hash FROM record WHERE id=3) WHERE key='head_hash'"
expect 0 "truncation with a forged head passes the bare chain (documented)" "^ok: 3 records" -- "$MWX" audit verify "$S"
expect 1 "but not the seal" "sealed head is record 4" -- "$MWX" audit verify "$S" --pub "$T/node.pub.pem"
S2="$T/sealed2.db"
for i in 1 2; do
  "$MWX" release decide "$CFG/policy-USA.json" --partner AUS --topic ImpactPrediction --journal "$S2" --key "$T/node.pem" --now "$NOW" >/dev/null
done
"$MWX" release approve 2 --journal "$S2" --now "$NOW" >/dev/null
expect 1 "records after the seal reported" "record 3: .*not sealed" -- "$MWX" audit verify "$S2" --pub "$T/node.pub.pem"

echo "release_cli: $fails failure(s)"
[ "$fails" -eq 0 ]
