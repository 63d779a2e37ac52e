#!/usr/bin/env bash
# cop_browser.sh - the web picture in a real browser, run by ctest with the
# build directory as $1 (opens DDS: run under the shared lock,
# `flock /tmp/mwx-dds.lock ctest -R cop`).
#
# Three mwxd (KOR, JPN, USA) on the 2022-11-18 Hwasong-17 scenario at 10x,
# DDS Security on; JPN serves its picture over HTTPS with the certificate
# `mwx pki init` made, and holds its NodeStatus to KOR for an operator (a
# test policy).  Debian's chromium, driven by playwright-core
# (tests/cop_browser.js), trusts exactly that certificate's key, logs in,
# sees KOR's track and an impact ellipse drawn on the map, approves a held
# item; here we find the approval in JPN's journal with the operator's name
# (quotes and non-ASCII letters) and the node publishing it.  Refusals:
# wrong password, missing CSRF token, a viewer approving, an expired
# session, rate-limited log-ins, plain HTTP off loopback.
set -u
B=$(cd "${1:?usage: cop_browser.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/mwx_cop.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

if [ ! -x /usr/bin/chromium ] || [ ! -d "$SRC/web/node_modules/playwright-core" ] || [ ! -f "$B/web/index.html" ]; then
  echo "FAIL - needs /usr/bin/chromium, web/node_modules (npm ci) and the built page ($B/web): cmake --build $B"
  exit 1
fi

"$B/mwx" pki init "$T/pki" --nations KOR,JPN,USA >/dev/null || { echo "FAIL pki init"; exit 1; }
OFFICER="O'Brien \"Ken\" 田中"
OFFICER_PW="officer-$$-pass"
VIEWER="viewer1"
VIEWER_PW="viewer-$$-pass"
printf '%s\n' "$OFFICER_PW" | "$B/mwx" account add "$OFFICER" --file "$T/jpn.accounts.json" --role release_officer >/dev/null &&
  printf '%s\n' "$VIEWER_PW" | "$B/mwx" account add "$VIEWER" --file "$T/jpn.accounts.json" --role viewer >/dev/null &&
  ok "two accounts made (mwx account add)" || bad "mwx account add"
# JPN holds its NodeStatus to KOR for an operator (an hour, then deny)
python3 - "$SRC/config/policy-JPN.json" "$T/policy-JPN.json" <<'P'
import json, sys
p = json.load(open(sys.argv[1]))
for r in p["rules"]:
    if r["id"] == "jpn-kor-status":
        r.update({"mode": "manual", "manual_timeout_s": 3600, "on_timeout": "deny"})
json.dump(p, open(sys.argv[2], "w"), indent=1)
P
IDLE_S=12
PORT=$(( 20000 + $$ % 20000 ))
START=$(( $(date +%s%3N) + 8000 ))
DOM=$(( 100 + $$ % 50 ))
for N in KOR JPN USA; do
  pol="$SRC/config/policy-$N.json"; web=""
  [ $N = JPN ] && pol="$T/policy-JPN.json" &&
    web=",\"web_port\":$PORT,\"web_accounts\":\"jpn.accounts.json\",\"web_session_idle_s\":$IDLE_S"
  cat > "$T/$N.json" <<J
{"nation":"$N","pki_dir":"pki","secure":true,"role":"mesh","domain_id":$DOM,"interface":"lo","peers":["127.0.0.1"],
 "lease_ms":3000,"journal":"$N.db","policy":"$pol","scenario":"$SRC/scenarios/2022-11-18-hwasong17.json",
 "speed":10,"step_s":0.5,"start_unix_ms":$START,"linger_s":-1$web}
J
done
for N in KOR JPN USA; do
  timeout 400 "$B/mwxd" --config "$T/$N.json" --log all > "$T/$N.log" 2>&1 & PIDS+=($!)
done
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && ! grep -q "^JPN WEB https://127.0.0.1:$PORT/" "$T/JPN.log"; do sleep 0.2; done
grep -q "^JPN WEB https://127.0.0.1:$PORT/" "$T/JPN.log" && ok "JPN serves https://127.0.0.1:$PORT/" || { bad "JPN web: $(head -5 "$T/JPN.log")"; exit 1; }

# the browser trusts exactly JPN's web key
SPKI=$(openssl x509 -in "$T/pki/JPN/web.pem" -pubkey -noout | openssl pkey -pubin -outform der |
       openssl dgst -sha256 -binary | base64)
OFFICER="$OFFICER" OFFICER_PW="$OFFICER_PW" VIEWER="$VIEWER" VIEWER_PW="$VIEWER_PW" IDLE_S=$IDLE_S SHOT="$B/cop_browser-jpn.png" \
  timeout 300 node "$SRC/tests/cop_browser.js" "https://127.0.0.1:$PORT/" "$SPKI" "$T/browser.json"
st=$?
[ $st = 0 ] || { bad "$st browser check(s) failed"; }

# the approval is in JPN's journal with the operator's exact name, and the node published it
item=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("approved_item") or "")' "$T/browser.json")
if [ -n "$item" ]; then
  "$B/mwx" audit show "$T/JPN.db" --kind release --json > "$T/release.json"
  OFFICER="$OFFICER" python3 - "$T/release.json" "$item" <<'P' && ok "journal: item $item approved by $OFFICER (exact name)" || bad "approval not in the journal"
import json, os, sys
item, name = int(sys.argv[2]), os.environ["OFFICER"]
for line in open(sys.argv[1]):
    r = json.loads(line)
    p = r.get("payload", r)
    if isinstance(p, str):
        p = json.loads(p)
    if p.get("outcome") == "approved" and p.get("hold") == item:
        sys.exit(0 if p.get("operator") == name else 2)
sys.exit(1)
P
  # mwxd's log writes bytes outside printable ASCII as \xNN (no control or UTF-8 bytes in a log line)
  LOGNAME_ESC=$(OFFICER="$OFFICER" python3 -c 'import os; print("".join(c if 32 <= b < 127 else "\\x%02x" % b for b in os.environb[b"OFFICER"] for c in [chr(b)]))')
  end=$((SECONDS + 20))
  while [ $SECONDS -lt $end ] && ! grep -qF "item=$item (approved by $LOGNAME_ESC)" "$T/JPN.log"; do sleep 0.2; done
  grep "APPROVED KOR.*topic=NodeStatus" "$T/JPN.log" | grep -qF "item=$item (approved by $LOGNAME_ESC)" &&
    ok "JPN published the approved item to KOR" || bad "not published: $(grep -m3 'APPROVED\|HELD' "$T/JPN.log")"
  "$B/mwx" audit verify "$T/JPN.db" >/dev/null && ok "JPN's journal verifies" || bad "audit verify: $("$B/mwx" audit verify "$T/JPN.db" 2>&1 | tail -2)"
else
  bad "the browser approved nothing"
fi
vitem=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("viewer_tried_item") or "")' "$T/browser.json")
if [ -n "$vitem" ]; then
  "$B/mwx" release list --journal "$T/JPN.db" | grep -q "^ *$vitem " && ok "the item the viewer tried is still pending" ||
    bad "item $vitem left the queue: $("$B/mwx" release list --journal "$T/JPN.db" | head -5)"
fi
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); l=sorted(d.get("latencies_ms",[]));
print("figures: %d pushed updates, node->drawn latency n=%d p50=%s p99=%s ms" % (d.get("updates",0), len(l), l[len(l)//2] if l else "-", l[min(len(l)-1,int(len(l)*0.99))] if l else "-"))' "$T/browser.json"
kill -0 "${PIDS[1]}" 2>/dev/null && ok "JPN still running after every refused request" || bad "JPN died: $(tail -3 "$T/JPN.log")"

# plain HTTP only on loopback
"$B/mwxd" --config "$T/JPN.json" --web-port $((PORT + 1)) --web-bind 0.0.0.0 --insecure-local --run-s 1 > "$T/insec.log" 2>&1
[ $? != 0 ] && grep -q "only on a loopback address" "$T/insec.log" && ok "--insecure-local refused off loopback" ||
  bad "--insecure-local on 0.0.0.0: $(tail -2 "$T/insec.log")"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
PIDS=()
grep -q "^JPN WEB DOWN" "$T/JPN.log" && ok "JPN stopped cleanly: $(grep '^JPN WEB DOWN' "$T/JPN.log")" || bad "JPN did not stop cleanly: $(tail -3 "$T/JPN.log")"
exit $fails
