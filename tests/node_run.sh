#!/usr/bin/env bash
# node_run.sh - "mwx run" end to end, run by ctest with the build directory
# as $1.  KOR on the 2022-10-04 Hwasong-12 scenario (an IRBM whose burnout
# KOR sees: on the ICBMs KOR loses the missile still powered and makes no
# warning-grade prediction, issue 12) with the shipped
# policy: the journal verifies (mwx audit verify), JPN gets KOR's
# LaunchEvent and Tracks automatically, IRBM impact predictions to JPN are
# held for an operator (and released at the time-out, approve), the USA gets
# them at once.  Then the kill -9 test: a run slowed by a speed factor is
# killed with SIGKILL mid-scenario; the journal verifies and every decision
# the run had reported (printed with --log only once durable) is in it.
set -u
B=${1:?usage: node_run.sh BUILD_DIR}
MWX="$B/mwx"
SRC=$(cd "$(dirname "$0")/.." && pwd)
SC="$SRC/scenarios/2022-10-04-hwasong12.json"
T=$(mktemp -d /tmp/mwx_node_run.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib/check.sh"

out=$("$MWX" run "$SC" --nation KOR --journal "$T/kor.db" --json 2>&1) && ok "mwx run KOR" || bad "mwx run KOR: $out"
echo "$out"
"$MWX" audit verify "$T/kor.db" >/dev/null && ok "audit verify passes" || bad "audit verify: $("$MWX" audit verify "$T/kor.db" 2>&1)"
[ -s "$T/kor.db.pub" ] && ok "public key of the run written" || bad "no kor.db.pub"
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); p={x['partner']:x for x in d['partners']}; print($1)" <<<"$out"; }
[ "$(jq_ "p['JPN']['released']['LaunchEvent'] >= 1")" = True ] && ok "JPN got KOR's LaunchEvent automatically" || bad "JPN LaunchEvent: $(jq_ "p['JPN']['released']")"
[ "$(jq_ "p['JPN']['released']['Track'] > 10")" = True ] && ok "JPN got KOR's Tracks automatically" || bad "JPN Tracks"
[ "$(jq_ "p['JPN']['released']['ImpactPrediction'] == p['JPN']['approved']")" = True ] &&
  ok "every ImpactPrediction to JPN went through the manual queue" || bad "JPN impact released without the queue"
[ "$(jq_ "p['JPN']['held'] >= 1 and p['JPN']['approved'] == p['JPN']['held']")" = True ] &&
  ok "JPN: $(jq_ "p['JPN']['held']") ImpactPrediction(s) held, approved at the time-out" || bad "JPN holds: $(jq_ "p['JPN']")"
[ "$(jq_ "p['USA']['released']['ImpactPrediction'] == p['JPN']['held'] and p['USA']['held'] == 0")" = True ] &&
  ok "USA got every ImpactPrediction at once" || bad "USA: $(jq_ "p['USA']")"
n=$("$MWX" audit show "$T/kor.db" --kind release --json | grep -c '"outcome":"held"')
[ "$n" -ge 1 ] && ok "holds are in the journal ($n)" || bad "no held record in the journal"

# the text summary
"$MWX" run "$SC" --nation KOR --journal "$T/kor2.db" --no-plots | grep -q "^  JPN " && ok "text summary" || bad "text summary"
"$MWX" run "$SC" --nation KOR 2>/dev/null; [ $? = 2 ] && ok "missing --journal refused" || bad "missing --journal"
"$MWX" run "$SC" --nation KOR --journal "$T/x.db" --policy "$SRC/config/policy-JPN.json" 2>&1 | grep -q "policy of JPN" &&
  ok "a policy of another nation refused" || bad "wrong policy accepted"

# kill -9 mid-scenario (the log is made before the run starts: the
# background job's redirect may come after the first grep, and a grep of a
# missing file would end the wait at once)
: > "$T/kill.log"
"$MWX" run "$SC" --nation KOR --journal "$T/kill.db" --speed 100 --log > "$T/kill.log" 2>&1 & PID=$!
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ "$(grep -c RELEASED "$T/kill.log")" -lt 40 ]; do sleep 0.1; done
kill -9 $PID; wait $PID 2>/dev/null; PID=
reported=$(grep -c 'record=' "$T/kill.log")
[ "$reported" -ge 40 ] && ok "run killed with SIGKILL after $reported reported decisions" || bad "only $reported decisions before the kill"
"$MWX" audit verify "$T/kill.db" >/dev/null && ok "journal verifies after kill -9" || bad "verify after kill: $("$MWX" audit verify "$T/kill.db" 2>&1)"
"$MWX" audit show "$T/kill.db" --json | grep -o '^{"id":[0-9]*' | cut -d: -f2 | sort -n > "$T/ids"
missing=0
for id in $(grep -o 'record=[0-9]*' "$T/kill.log" | cut -d= -f2); do
  grep -qx "$id" "$T/ids" || missing=$((missing + 1))
done
[ "$missing" = 0 ] && ok "every reported decision is in the journal ($(wc -l < "$T/ids") records)" || bad "$missing reported records missing"
# kill -9 during group commit: the event-driven node (--step 0) commits every
# scan's records (plots with FULL sync) in one transaction, back to back, so
# most of its time is inside a commit; killed at five different moments, each
# journal verifies and holds every record the run had reported
for k in 1 2 3 4 5; do
  : > "$T/gc$k.log" # there before the first grep
  "$MWX" run "$SC" --nation KOR --journal "$T/gc$k.db" --speed 200 --step 0 --log > "$T/gc$k.log" 2>&1 & PID=$!
  end=$((SECONDS + 30))
  while [ $SECONDS -lt $end ] && [ "$(grep -c RELEASED "$T/gc$k.log")" -lt $((20 * k)) ]; do sleep 0.05; done
  sleep "0.0$((k * 17 % 10))"
  kill -9 $PID; wait $PID 2>/dev/null; PID=
  reported=$(grep -c 'record=' "$T/gc$k.log")
  "$MWX" audit show "$T/gc$k.db" --json | grep -o '^{"id":[0-9]*' | cut -d: -f2 | sort -n > "$T/gcids"
  missing=0
  for id in $(grep -o 'record=[0-9]*' "$T/gc$k.log" | cut -d= -f2); do
    grep -qx "$id" "$T/gcids" || missing=$((missing + 1))
  done
  if [ "$reported" -ge $((20 * k)) ] && [ "$missing" = 0 ] && "$MWX" audit verify "$T/gc$k.db" >/dev/null; then
    ok "event-driven run killed -9 ($k): journal verifies, all $reported reported decisions in it ($(wc -l < "$T/gcids") records)"
  else
    bad "event-driven kill -9 ($k): $reported reported, $missing missing, verify: $("$MWX" audit verify "$T/gc$k.db" 2>&1 | tail -1)"
  fi
done
# an operator in another process: "mwx release approve" on the running node's journal
sed 's/"manual_timeout_s": 30/"manual_timeout_s": 900/' "$SRC/config/policy-KOR.json" > "$T/policy-slow.json"
"$MWX" run "$SC" --nation KOR --journal "$T/op.db" --policy "$T/policy-slow.json" --speed 60 --no-plots --log > "$T/op.log" 2>&1 & PID=$!
end=$((SECONDS + 40))
while [ $SECONDS -lt $end ] && ! grep -q "HELD JPN" "$T/op.log"; do sleep 0.1; done
item=$(grep -m1 "HELD JPN" "$T/op.log" | grep -o 'item=[0-9]*' | cut -d= -f2)
held_ns=$("$MWX" audit show "$T/op.db" --json | grep "^{\"id\":$item," | grep -o '"time_ns":[0-9]*' | head -1 | cut -d: -f2)
if [ -n "$item" ] && [ -n "$held_ns" ] &&
   "$MWX" release approve "$item" --journal "$T/op.db" --operator tester --now $((held_ns + 2000000000)) >/dev/null; then
  ok "operator approved item $item from another process"
else
  bad "no hold to approve (item '$item', time '$held_ns')"
fi
end=$((SECONDS + 20))
while [ $SECONDS -lt $end ] && ! grep -q "APPROVED JPN.* item=$item (approved by tester)" "$T/op.log"; do sleep 0.1; done
grep -q "APPROVED JPN.*topic=ImpactPrediction.* item=$item (approved by tester)" "$T/op.log" &&
  ok "the running node picked the approval up and released the sample" || bad "approval not picked up: $(grep -m3 'APPROVED\|HELD' "$T/op.log")"
kill $PID; wait $PID 2>/dev/null; PID=
"$MWX" audit verify "$T/op.db" >/dev/null && ok "journal verifies after the approval" || bad "verify after approval"
exit $fails
