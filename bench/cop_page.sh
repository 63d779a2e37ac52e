#!/usr/bin/env bash
# cop_page.sh - the web picture's speed, measured in the browser.
#   bash bench/cop_page.sh BUILD_DIR [SCENARIO] [SPEED] [SECONDS] [PAGES]
# (defaults: scenarios/2022-11-18-hwasong17.json, 1, 60, 1; opens DDS: run
# under flock /tmp/mwx-dds.lock).  Three mwxd (DDS Security), JPN serving its
# page; bench/cop_page.js opens PAGES pages and prints PAGE lines: node
# event -> page arrival and -> drawn (p50/p99/max ms), frames per second,
# tracks drawn.  WARM=S waits S seconds after the start first.  Also prints JPN's CPU time (s) over the run.
set -u
B=$(cd "${1:?usage: cop_page.sh BUILD_DIR [SCENARIO] [SPEED] [SECONDS] [PAGES]}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
SC=$(realpath "${2:-$SRC/scenarios/2022-11-18-hwasong17.json}")
SPEED=${3:-1}
SECS=${4:-60}
PAGES=${5:-1}
T=$(mktemp -d /tmp/mwx_cop_bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$B/mwx" pki init "$T/pki" --nations KOR,JPN,USA >/dev/null || exit 1
printf 'bench-password\n' | "$B/mwx" account add bench --file "$T/acc.json" --role viewer >/dev/null || exit 1
PORT=$(( 20000 + $$ % 20000 )); DOM=$(( 60 + $$ % 40 ))
START=$(( $(date +%s%3N) + 8000 ))
for N in KOR JPN USA; do
  web=""; [ $N = JPN ] && web=",\"web_port\":$PORT,\"web_accounts\":\"acc.json\""
  cat > "$T/$N.json" <<J
{"nation":"$N","pki_dir":"pki","secure":true,"role":"mesh","domain_id":$DOM,"interface":"lo","peers":["127.0.0.1"],
 "lease_ms":3000,"journal":"$N.db","policy":"$SRC/config/policy-$N.json","scenario":"$SC",
 "speed":$SPEED,"start_unix_ms":$START,"linger_s":-1$web}
J
done
for N in KOR JPN USA; do "$B/mwxd" --config "$T/$N.json" --log none > "$T/$N.log" 2>&1 & PIDS+=($!); done
for i in $(seq 100); do grep -q "^JPN WEB" "$T/JPN.log" && break; sleep 0.2; done
grep -q "^JPN WEB" "$T/JPN.log" || { echo "JPN does not serve: $(tail -3 "$T/JPN.log")" >&2; exit 1; }
SPKI=$(openssl x509 -in "$T/pki/JPN/web.pem" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
sleep "${WARM:-8}" # the exercise clock starts (WARM=S: later, e.g. with the salvo in the air)
c0=$(awk '{print $14+$15}' /proc/${PIDS[1]}/stat)
node "$SRC/bench/cop_page.js" "https://127.0.0.1:$PORT/" "$SPKI" bench bench-password "$SECS" "$PAGES"
c1=$(awk '{print $14+$15}' /proc/${PIDS[1]}/stat)
echo "NODE JPN cpu=$(( (c1 - c0) / $(getconf CLK_TCK) )) s over the page run (scenario $(basename "$SC"), speed $SPEED, $PAGES page(s))"
