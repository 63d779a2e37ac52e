#!/usr/bin/env bash
# node_rx_kill.sh - kill -9 of a receiving node during its group commits
# (issue 16: the samples received in a loop pass are journaled in the pass's
# one commit and reported held only after it).  KOR and JPN (mwxd, DDS on
# loopback, plain) on the 2022-10-14 SRBM at 20x, event-driven; JPN is
# killed with SIGKILL once it has reported 20 of KOR's Tracks held.  Then
# every Track JPN had reported held ("JPN <- KOR Track ... record N") must
# be in JPN's journal as record N, a sample from KOR with that seq, and the
# journal must verify.  Run by ctest with the build directory as $1, under
# the DDS lock (tests/README: flock /tmp/mwx-dds.lock).
set -u
B=$(cd "${1:?usage: node_rx_kill.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/mwx_rx_kill.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0
ok()  { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

"$B/mwx" pki init "$T/pki" --nations KOR,JPN >/dev/null || { echo "FAIL pki init"; exit 1; }
START=$(( $(date +%s%3N) + 5000 ))
DOM=$(( 120 + $$ % 30 ))
for N in KOR JPN; do
  cat > "$T/$N.json" <<J
{"nation":"$N","pki_dir":"pki","secure":false,"role":"mesh","domain_id":$DOM,"interface":"lo","peers":["127.0.0.1"],
 "lease_ms":3000,"journal":"$N.db","policy":"$SRC/config/policy-$N.json",
 "scenario":"$SRC/scenarios/2022-10-14-srbm.json","speed":20,"start_unix_ms":$START,"linger_s":2}
J
done
(cd "$T" && exec timeout 90 "$B/mwxd" --config KOR.json --log none > KOR.log 2>&1) & PIDS+=($!)
# exec all the way (no timeout wrapper): the pid killed is mwxd's own (--run-s bounds it);
# no stdbuf: mwxd flushes every log line, and stdbuf's LD_PRELOAD would come before ASan's runtime
(cd "$T" && exec "$B/mwxd" --config JPN.json --run-s 90 --log received > JPN.log 2>&1) & JPID=$!
PIDS+=($JPID)
held=0
for i in $(seq 1 600); do
  held=$(grep -c '^JPN <- KOR Track .* record [0-9]*)' "$T/JPN.log" 2>/dev/null)
  [ "$held" -ge 20 ] && break
  sleep 0.1
done
kill -9 "$JPID" 2>/dev/null
wait "$JPID" 2>/dev/null
[ "$held" -ge 20 ] && ok "JPN killed with SIGKILL after reporting $held of KOR's Tracks held" ||
  bad "JPN reported only $held Tracks held (log: $(tail -3 "$T/JPN.log"))"
"$B/mwx" audit verify "$T/JPN.db" >/dev/null && ok "JPN's journal verifies after kill -9" ||
  bad "verify after kill: $("$B/mwx" audit verify "$T/JPN.db" 2>&1 | tail -1)"
"$B/mwx" audit show "$T/JPN.db" --kind sample --json > "$T/samples.json" 2>/dev/null
res=$(python3 - "$T/JPN.log" "$T/samples.json" <<'PY'
import json, re, sys
rec = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    s = r.get("sample") or {}
    rec[r.get("id")] = (s.get("marking") or {}).get("originator"), (s.get("marking") or {}).get("seq"), s.get("topic")
want = [(int(m.group(2)), int(m.group(1))) for m in
        (re.match(r'^JPN <- KOR Track \S+ seq=(\d+) .*record (\d+)\)', l) for l in open(sys.argv[1])) if m]
missing = [w for w in want if rec.get(w[0]) != ("KOR", w[1], "Track")]
print(f"{len(want)} {len(missing)} {missing[:3]}")
PY
)
set -- $res
[ "${1:-0}" -ge 20 ] && [ "${2:-1}" = 0 ] && ok "every Track reported held ($1) is in the journal as reported" ||
  bad "reported held but not journaled: $res"
exit $fail
