#!/usr/bin/env bash
# cop_page.sh - the web picture's speed, measured in the browser, and the
# node's loop with ten WebSocket clients.
#   flock /tmp/mwx-dds.lock bash bench/cop_page.sh BUILD_DIR [SCENARIO] [SPEED] [SECONDS] [PAGES]
# (defaults: scenarios/salvo-100.json, 1, 30, 1; WARM=60: the page opens 60 s
# after the exercise starts, with the salvo in the air; opens DDS: run under
# the lock).  Three mwxd (DDS Security), JPN serving its page.
#   1. bench/cop_page.js: chromium opens PAGES pages; PAGE lines from the
#      first: node event -> page arrival and -> drawn (p50/p99/max ms),
#      frames per second, main-thread time per frame and per message.
#   2. bench/cop_ws.js (WS_CLIENTS=10, WS_WINDOW=10 s, WS_ROUNDS=3; WS_CLIENTS=0
#      skips it): LOOP lines, JPN's loop lag (a 10-ms timer's lateness)
#      with 0 and with WS_CLIENTS WebSocket clients, alternating windows,
#      and the web server's own share of that loop's time (/api/stats
#      loop_busy) in each case.
#   WS_PHASE=T0,T1 instead: WS_CLIENTS clients (0 too) open through the
#      exercise's T0..T1 s, PHASE lines: the loop thread's CPU seconds over
#      that phase and the node's own pass time (run the same command with
#      WS_CLIENTS=0 and =10: the pages' cost over the same node work).
#   PAGE_CLIENTS=N: N WebSocket clients (cop_ws.js, its PHASE lines prefixed
#      PAGECLIENTS) connected while the browser page measures, e.g. 9: the
#      browser's figures with ten pages open (the frames' spacing with ten).
#   WEB_FRAME_MS=N: JPN's "web_frame_ms" (the push frames' spacing with ten
#      pages, docs/api.md; default 20).
#   Then JPN's CPU time over each part (PERF=FILE: JPN's stacks over the
#   WebSocket part, perf record -g at 499 Hz, into FILE).  The headline lines start with
#   PAGE / LOOP / NODE.
set -u
B=$(cd "${1:?usage: cop_page.sh BUILD_DIR [SCENARIO] [SPEED] [SECONDS] [PAGES]}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
SC=$(realpath "${2:-$SRC/scenarios/salvo-100.json}")
SPEED=${3:-1}
SECS=${4:-30}
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
  web=""; [ $N = JPN ] && web=",\"web_port\":$PORT,\"web_accounts\":\"acc.json\"${SLOW_PASS_MS:+,\"slow_pass_ms\":$SLOW_PASS_MS}${WEB_FRAME_MS:+,\"web_frame_ms\":$WEB_FRAME_MS}"
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
sleep $(( 8 + ${WARM:-60} )) # the exercise clock starts 8 s after the nodes; WARM s more
c0=$(awk '{print $14+$15}' /proc/${PIDS[1]}/stat)
if [ "${PAGE_CLIENTS:-0}" -gt 0 ]; then # PAGE_CLIENTS=N: N WebSocket clients (cop_ws.js) open while the browser measures
  t1=$(( ${WARM:-60} + SECS + 10 ))
  ( WS_PHASE="$(( ${WARM:-60} + 5 )),$t1" timeout $(( SECS + 240 )) env JPN_PID="${PIDS[1]}" node "$SRC/bench/cop_ws.js" \
      "https://127.0.0.1:$PORT/" "$T/pki/JPN/web_ca.pem" bench bench-password 10 1 "$PAGE_CLIENTS" 2>&1 | sed 's/^/PAGECLIENTS /' ) &
  PCPID=$!
  sleep 3 # (their log-ins and handshakes first)
fi
timeout $(( SECS + 240 )) node "$SRC/bench/cop_page.js" "https://127.0.0.1:$PORT/" "$SPKI" bench bench-password "$SECS" "$PAGES" ||
  echo "PAGE cop_page.js failed (status $?)"
[ -n "${PCPID:-}" ] && wait "$PCPID"
c1=$(awk '{print $14+$15}' /proc/${PIDS[1]}/stat)
# the server's own view (its loop's lag over the last 60 s, its share of the loop's time)
curl -s -m 60 --cacert "$T/pki/JPN/web_ca.pem" -c "$T/jar" -H 'Content-Type: application/json' \
  -d '{"name":"bench","password":"bench-password"}' "https://127.0.0.1:$PORT/api/login" >/dev/null &&
  curl -s -m 60 --cacert "$T/pki/JPN/web_ca.pem" -b "$T/jar" "https://127.0.0.1:$PORT/api/stats" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["loop_lag_us"]; b=d["loop_busy"]
a=d.get("api_slowest",{})
print("NODE JPN loop lag (10-ms timer, last 60 s) p50=%d p99=%d max=%d us; web server share of the loop %.2f%% (CPU %.2f%%, %d calls); ws_frames=%d ws_sealed=%d ws_sent=%d ws_resyncs=%d ws_coalesced=%d; slowest API call %s %.1f ms" % (l["p50"], l["p99"], l["max"], 100*b["share"], 100*b.get("cpu_share",0), b["calls"], d["ws_frames"], d.get("ws_sealed",0), d["ws_sent"], d["ws_resyncs"], d["ws_coalesced"], a.get("call","-"), a.get("ms",0)))
f=d.get("fuse_passes",{}); q=lambda k: "%s n=%d p50=%s p99=%s max=%s ms" % (k, f.get(k,{}).get("n",0), f.get(k,{}).get("p50","-"), f.get(k,{}).get("p99","-"), f.get(k,{}).get("max","-"))
print("NODE JPN fusion passes (MWX_NODE_EV_PICTURE, the last 4,096) %d: %s; %s; %s; %s; %s" % (f.get("passes",0), q("wait_ms"), q("pass_ms"), q("take_ms"), q("push_ms"), q("delta_wait_ms")))
w=d.get("ws_lag_ms",{}); g=lambda k: "%s n=%d p50<=%s p99<=%s max=%.1f ms" % (k, w.get(k,{}).get("n",0), w.get(k,{}).get("p50","-"), w.get(k,{}).get("p99","-"), w.get(k,{}).get("max",0))
print("NODE JPN web part, server side (since the start): %s; %s; %s; %s; pages given TCP_NODELAY by cop %s" % (g("push_to_seal"), g("seal_to_write"), g("push_to_write"), g("write_call"), d.get("ws_nodelay_set","-")))
print("NODE JPN Track events, node event -> their fused delta pushed: %s (%s over 100 ms); %s (%s over 100 ms); untracked %s; a joining track (in no fused entry when its event came: drawn as its own symbol) -> its first fused delta: %s" % (q("own_event_wait_ms"), f.get("own_event_wait_ms",{}).get("over_100","-"), q("partner_event_wait_ms"), f.get("partner_event_wait_ms",{}).get("over_100","-"), f.get("events_untracked","-"), q("join_wait_ms")))
print("NODE JPN of those (own and partners\x27), stale when they came (no newer than their entry as the page had it): %s (%s over 100 ms); passed over by a delta of their entry first: %s (%s over 100 ms)" % (q("stale_event_wait_ms"), f.get("stale_event_wait_ms",{}).get("over_100","-"), q("passed_event_wait_ms"), f.get("passed_event_wait_ms",{}).get("over_100","-")))
print("NODE JPN the slowest Track events reflected (ms, id, stale, passed, members, entry newest - its sample ms, t_s): %s" % "; ".join("%.0f %s %d %d %d %.0f +%d" % (x["ms"], x["id"], x["stale"], x["passed"], x["members"], x["lead_ms"], x["t_s"]) for x in sorted(f.get("slowest",[]), key=lambda x: -x["ms"])))' ||
  echo "NODE /api/stats: no answer"
echo "NODE JPN cpu=$(awk -v d=$((c1 - c0)) -v s=$(getconf CLK_TCK) 'BEGIN{printf "%.1f", d/s}') s over the page run (scenario $(basename "$SC"), speed $SPEED, $PAGES page(s), $SECS s)"
WS_CLIENTS=${WS_CLIENTS:-10}
if [ "$WS_CLIENTS" -gt 0 ] || [ -n "${WS_PHASE:-}" ]; then # (WS_PHASE=T0,T1: WS_CLIENTS clients, 0 too, through the exercise's T0..T1 s)
  c0=$(awk '{print $14+$15}' /proc/${PIDS[1]}/stat)
  if [ -n "${PERF:-}" ]; then # PERF=FILE: JPN's stacks over the WebSocket part (perf record, 499 Hz)
    # (PERF_CG: the call-graph option, default -g (frame pointers); PERF_CG="--call-graph dwarf,16384"
    #  and PERF_LOOP=1 (the loop thread alone) unwind the libraries too; -k CLOCK_MONOTONIC: the
    #  samples' times are comparable with cop_ws.js's WINDOW lines)
    if [ -n "${PERF_LOOP:-}" ]; then ptarget=(-t "${PIDS[1]}"); else ptarget=(-p "${PIDS[1]}"); fi
    perf record -q -k CLOCK_MONOTONIC -F "${PERF_HZ:-499}" ${PERF_CG:--g} -o "$PERF" "${ptarget[@]}" >/dev/null 2>&1 & PERFPID=$!
  fi
  # (bounded: each window and handshake has its time-out inside; this is the last resort)
  timeout $(( (${WS_WINDOW:-10} + 3) * 2 * ${WS_ROUNDS:-3} + 120 + ${WS_PHASE:+400 +} 0 )) \
    env JPN_PID="${PIDS[1]}" node "$SRC/bench/cop_ws.js" "https://127.0.0.1:$PORT/" "$T/pki/JPN/web_ca.pem" bench bench-password "${WS_WINDOW:-10}" "${WS_ROUNDS:-3}" "$WS_CLIENTS" ||
    { echo "LOOP cop_ws.js failed (status $?); JPN's log ends:"; tail -5 "$T/JPN.log" | sed 's/^/LOOP   /'; }
  c1=$(awk '{print $14+$15}' /proc/${PIDS[1]}/stat)
  [ -n "${PERF:-}" ] && { kill -INT $PERFPID; wait $PERFPID 2>/dev/null; }
  echo "NODE JPN cpu=$(awk -v d=$((c1 - c0)) -v s=$(getconf CLK_TCK) 'BEGIN{printf "%.1f", d/s}') s over the WebSocket part (half of it with $WS_CLIENTS clients)"
fi
if [ -n "${SLOW_PASS_MS:-}" ]; then # JPN's steps of SLOW_PASS_MS wall ms or more (SLOWPASS, node_step.c): where its loop stalls
  echo "NODE JPN steps >= $SLOW_PASS_MS ms: $(grep -c 'SLOWPASS' "$T/JPN.log") (the slowest 5 below)"
  grep 'SLOWPASS' "$T/JPN.log" | sort -t= -k2 -g -r | head -5 | sed 's/^/NODE   /'
fi
uptime | sed 's/^/NODE machine load: /'
