#!/usr/bin/env bash
# node_latency.sh - plot -> partner's picture: three full nodes (mwxd: sim
# sensors, tracking, assessment, release, signing, journal, DDS) on loopback,
# the 2022-11-18 Hwasong-17 scenario replayed on one shared exercise clock,
# mesh and hub (KOR - USA relay - JPN, no KOR-JPN link), DDS Security on and
# off.  For every KOR Track sample JPN receives: the time from its plot (the
# Track's time of validity, mapped to the wall clock by the exercise clock)
# to JPN holding it (verified, journaled with FULL sync, in the picture) -
# the "ms after plot" of mwxd's RECEIVED line - and its parts: the wait for
# KOR's tick (from KOR's journal: the release record's tick time minus the
# time of validity), and the rest (KOR tick -> JPN holds).  Throughput:
# samples received by JPN per wall second of the run (every topic, every
# partner), and KOR Tracks held by JPN per second while KOR tracks.  Then
# the same under load: the 100-missile salvo, mesh, security on.  Beside it,
# in the same run, Cyclone's ddsperf ping/pong at 1 kHz, plain and secure
# (as bench/net.sh).  All traffic on loopback.  About 3 minutes.
#
# Usage: bench/node_latency.sh BUILD_DIR [SPEED] [RUN_S] [STEP_S] [SALVO_SPEED]
#   SPEED sim seconds per wall second (default 40), RUN_S wall seconds of
#   scenario per case (default 20: the first 800 sim s of the flight at 40x),
#   STEP_S the nodes' tick (default 0.2 sim s), SALVO_SPEED the salvo's
#   speed (default 10).  STEP_S is kept for the argument order only: the
#   nodes are event-driven (mwxd's step_s 0, each scan when it arrives) unless
#   TICK=1 is set in the environment (then step_s STEP_S, the old tick).
#   CASES (environment) picks the cases, default "mesh:0 mesh:1 hub:0 hub:1
#   salvo".  Per case also: RSS of each node a second after the scenario
#   starts and at its end, CPU per node (percent of one core over the run),
#   and the launch fits (queued, done, dropped, longest) from mwxd's DOWN
#   line.
# Issue 16's lines per case, beside NODE (every node runs with --stages):
#   STAGES    each stage of KOR's Tracks on their way to JPN's picture (node.h
#             mwx_node_stage: plot -> in -> tracked -> signed -> journaled ->
#             published -> received -> verified -> taken -> held), joined by
#             seq from KOR's and JPN's STAGES lines: p50 / p99 of each step (ms)
#             and its share of the mean plot -> held
#   PROFILE   each node's loop thread (mwxd's PROFILE line): busy share of the
#             wall time and the parts that take >= 2% of it
#   PERF_NODE KOR's hottest functions (perf record, cpu-clock at 199 Hz, the
#             whole case; PERF=0 skips it, as does a machine without perf)
#   SYNC      each node's sync mode, commits per second, commit p50 / p99 and
#             the commits' share of the loop's busy time, beside the disk's fsync
#   MEMORY    RSS of each node every 5 s: start (a second in), middle, end, peak
#             and the growth over the second half (kB per minute)
#   BOUNDS    each node's queues and tables against their bounds (mwxd BOUNDS)
#   SCHED     each node's loop thread and all its threads over the case: CPU and the time
#             runnable but waiting for a CPU (/proc/.../schedstat), % of the wall time
#   SCHED_THREADS the same per thread name (loop, mwx-rx, mwx-fuse, mwx-fit<i>, mwx-mem, mwx-ckpt, Cyclone's)
#   RUNQ_WAIT, RUNQ_HELD (RUNQ=1 only: perf's scheduler events on every CPU for RUNQ_S s from
#             RUNQ_AT s into the scenario, bench/runq.py): each node thread's waits for a CPU
#             (n, p50 / p99 / max us), and what ran while each loop and receive thread waited
# SYNC=normal (environment) runs every node with "sync":"normal" (no fsync per
# commit: docs/operations.md), to show what the fsyncs cost; default: full.
# FIT_WORKERS=N (environment) sets every node's "fit_workers" (default 1).
# BATCH_NICE=N, BATCH_SCHED=other|batch|idle (environment) set every node's "batch_nice" and
# "batch_sched" (the fusion, fit and memory workers' priority: docs/operations.md); default: the node's.
# SLOW_PASS_MS=N (environment) sets every node's "slow_pass_ms": each step of N wall ms or more
# is logged (SLOWPASS lines in the node's log, kept with KEEP=1).
# VERIFY_THREADS=N, SIGN_THREADS=N (environment) set every node's "verify_threads" (the receive
# side's verify pool, src/net/net_verify.c) and "sign_threads" (the loop's sign pool,
# src/node/signpool.c); 1 = the one-thread path of before; default: the node's (2 and 1).
# MMAP_THRESHOLD_KB=N (environment) sets every node's "malloc_mmap_threshold_kb" (0: glibc's dynamic
# mmap threshold, the node before the twenty-sixth session; default: the node's, 64).
# WRAP_KOR="CMD ARGS" (environment) runs KOR's mwxd under CMD (e.g. "heaptrack -o FILE": what
# KOR's heap holds; RSS, CPU and SCHED of KOR then measure CMD's child, not mwxd); WRAP_JPN, WRAP_USA
# the same for JPN and USA.
# DOMAIN_BASE=N (environment, default 200) moves the cases' DDS domains (N .. N+11): two runs at once
# on one machine (memory runs) without seeing each other's nodes. DDSPERF=0 skips ddsperf.
# NICE=N (environment) runs every mwxd under nice -n N (default 0; negative needs root): what the
# nodes give when the scheduler prefers them to the machine's other work.
set -u
B=$(cd "${1:?usage: bench/node_latency.sh BUILD_DIR [SPEED] [RUN_S] [STEP_S] [SALVO_SPEED]}" && pwd)
SPEED=${2:-40}
RUN=${3:-20}
STEP=${4:-0.2}
SALVO_SPEED=${5:-10}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
SC="$SRC/scenarios/2022-11-18-hwasong17.json"
T=$(mktemp -d /tmp/mwx_nodelat.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m) $(nproc) cores, Cyclone DDS $(dpkg-query -W -f='${Version}' cyclonedds-tools 2>/dev/null)," \
     "speed ${SPEED}x, step_s $STEP, $RUN s per case"
# run copies: a rebuild of BUILD_DIR during the run changes nothing, and perf/gdb find the symbols
mkdir -p "$T/bin" && cp "$B/mwxd" "$B/mwx" "$T/bin/" || { echo "no mwxd/mwx in $B"; exit 1; }
B="$T/bin"
"$B/mwx" pki init "$T/pki" --nations KOR,JPN,USA >/dev/null || { echo "mwx pki init failed"; exit 1; }

LEAD=6 # wall seconds for the nodes to start and discover each other (with DDS Security) before the scenario plays

# one case: $1 mesh|hub, $2 0|1 (DDS Security), $3 speed, $4 wall seconds of scenario, $5 scenario file
run_case() {
  local topo=$1 sec=$2 speed=$3 run=$4 sc=$5 d="$T/$1-$2-$3-$(basename "$5" .json)" secure=false
  [ "$sec" = 1 ] && secure=true
  mkdir -p "$d" && ln -s ../pki "$d/pki"
  local start=$(( $(date +%s%3N) + LEAD * 1000 ))
  local stepkey=""
  [ "${TICK:-0}" = 1 ] && stepkey="\"step_s\":$STEP,"
  local synckey=""
  [ -n "${SYNC:-}" ] && synckey="\"sync\":\"$SYNC\","
  [ -n "${FIT_WORKERS:-}" ] && synckey="$synckey\"fit_workers\":$FIT_WORKERS,"
  [ -n "${SLOW_PASS_MS:-}" ] && synckey="$synckey\"slow_pass_ms\":$SLOW_PASS_MS,"
  [ -n "${VERIFY_THREADS:-}" ] && synckey="$synckey\"verify_threads\":$VERIFY_THREADS,"
  [ -n "${SIGN_THREADS:-}" ] && synckey="$synckey\"sign_threads\":$SIGN_THREADS,"
  [ -n "${MMAP_THRESHOLD_KB:-}" ] && synckey="$synckey\"malloc_mmap_threshold_kb\":$MMAP_THRESHOLD_KB,"
  [ -n "${BATCH_NICE:-}" ] && synckey="$synckey\"batch_nice\":$BATCH_NICE,"
  [ -n "${BATCH_SCHED:-}" ] && synckey="$synckey\"batch_sched\":\"$BATCH_SCHED\","
  local common="$synckey\"secure\":$secure,\"lease_ms\":3000,\"scenario\":\"$sc\",\"seed\":1,\"speed\":$speed,$stepkey\"start_unix_ms\":$start,\"linger_s\":-1"
  local h=0
  [ "$topo" = hub ] && h=1
  local dom=$(( ${DOMAIN_BASE:-200} + 3 * (2 * sec + h) ))
  local N
  for N in KOR JPN USA; do
    local link
    if [ "$topo" = mesh ]; then
      link="\"role\":\"mesh\",\"domain_id\":$dom,\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"]"
    elif [ $N = USA ]; then
      link="\"role\":\"hub-relay\",\"links\":[{\"domain_id\":$((dom + 1)),\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"partners\":[\"KOR\"]},{\"domain_id\":$((dom + 2)),\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"partners\":[\"JPN\"]}]"
    else
      local ld=$((dom + 1)); [ $N = JPN ] && ld=$((dom + 2))
      link="\"role\":\"mesh\",\"domain_id\":$ld,\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"partners\":[\"USA\"]"
    fi
    echo "{\"nation\":\"$N\",\"pki_dir\":\"pki\",$link,\"journal\":\"$N.db\",\"policy\":\"$SRC/config/policy-$N.json\",$common}" > "$d/$N.json"
  done
  PIDS=()
  for N in KOR JPN USA; do
    # the receivers stay 2 s longer: what KOR sent last arrives
    local t=$((LEAD + run)); [ $N = KOR ] || t=$((t + 2))
    local wrap=""
    local wv="WRAP_$N"
    wrap=${!wv:-}
    timeout $((t + 30)) nice -n "${NICE:-0}" $wrap "$B/mwxd" --config "$d/$N.json" --run-s $t --log received --stages > "$d/$N.log" 2>&1 &
    PIDS+=($!)
  done
  # RSS of each node every 5 s from a second after the scenario starts (MEMORY)
  ( sleep $((LEAD + 1)); k=0; while [ $k -le $(( (run - 3) / 5 )) ]; do
      for i in 0 1 2; do c=$(pgrep -P "${PIDS[$i]}" | head -1)
        echo "$i $k $(awk '/VmRSS/ {print $2}' /proc/$c/status 2>/dev/null)"; done
      k=$((k + 1)); sleep 5; done ) > "$d/rss_series.txt" 2>/dev/null &
  local rsser=$!
  # KOR's hottest functions over the case (PERF_NODE)
  local perfer=""
  if [ "${PERF:-1}" != 0 ] && command -v perf >/dev/null; then
    ( sleep 1; c=$(pgrep -P "${PIDS[0]}" | head -1)
      [ -n "$c" ] && perf record -q -F 199 -e cpu-clock -o "$d/perf.data" -p "$c" -- sleep $((LEAD + run - 2)) >/dev/null 2>&1 ) &
    perfer=$!
  fi
  # PERF_ALL=1: each node's call graphs (perf record -g, cpu-clock at 499 Hz) over the scenario,
  # kept as $d/perf-NATION.data (with KEEP=1): where each node's CPU goes (BENCHMARKS.md, rt16)
  local perfall=()
  if [ "${PERF_ALL:-0}" = 1 ] && command -v perf >/dev/null; then
    local i
    for i in 0 1 2; do
      ( sleep $((LEAD + 1)); n=(KOR JPN USA); c=$(pgrep -P "${PIDS[$i]}" | head -1)
        [ -n "$c" ] && perf record -q -g -F 499 -e cpu-clock -o "$d/perf-${n[$i]}.data" -p "$c" -- sleep $((run - 2)) >/dev/null 2>&1 ) &
      perfall+=($!)
    done
  fi
  # RSS (kB) and CPU ticks (user + system) of each mwxd (the child of timeout) a second after the
  # scenario starts and a second before KOR stops, with the wall clock: CPU over the scenario
  # and each thread's schedstat (ns on a CPU, ns runnable waiting for one) at both times (SCHED)
  ( sleep $((LEAD + 1)); i=0; for p in "${PIDS[@]}"; do c=$(pgrep -P "$p" | head -1)
      echo "start $(awk '/VmRSS/ {print $2}' /proc/$c/status 2>/dev/null) $(awk '{print $14 + $15}' /proc/$c/stat 2>/dev/null) $(date +%s.%N)"
      for tk in /proc/$c/task/*; do echo "start $i ${tk##*/} $([ "${tk##*/}" = "$c" ] && echo loop || echo other) $(cat $tk/schedstat 2>/dev/null) $(tr ' ' _ 2>/dev/null < $tk/comm)"; done >> "$d/sched.txt"
      i=$((i + 1)); done
    sleep $((run > 3 ? run - 2 : 1)); i=0; for p in "${PIDS[@]}"; do c=$(pgrep -P "$p" | head -1)
      echo "end $(awk '/VmRSS/ {print $2}' /proc/$c/status 2>/dev/null) $(awk '{print $14 + $15}' /proc/$c/stat 2>/dev/null) $(date +%s.%N)"
      for tk in /proc/$c/task/*; do echo "end $i ${tk##*/} $([ "${tk##*/}" = "$c" ] && echo loop || echo other) $(cat $tk/schedstat 2>/dev/null) $(tr ' ' _ 2>/dev/null < $tk/comm)"; done >> "$d/sched.txt"
      i=$((i + 1)); done
  ) > "$d/rss.txt" &
  local sampler=$!
  # RUNQ=1: every CPU's scheduler events (perf record -a, sched_switch / sched_waking) for RUNQ_S
  # wall s (default 20) from RUNQ_AT s into the scenario (default 60% of it: the salvo's launch-fit
  # windows close then), with the nodes' threads by name (tids.txt): bench/runq.py
  local runqer=""
  if [ "${RUNQ:-0}" = 1 ] && command -v perf >/dev/null; then
    local rq_at=${RUNQ_AT:-$((run * 6 / 10))} rq_s=${RUNQ_S:-20}
    ( sleep $((LEAD + rq_at)); n=(KOR JPN USA)
      for i in 0 1 2; do c=$(pgrep -P "${PIDS[$i]}" | head -1)
        for tk in /proc/$c/task/*; do
          nm=$(tr ' ' _ 2>/dev/null < $tk/comm); [ "${tk##*/}" = "$c" ] && nm=loop
          echo "${n[$i]} ${tk##*/} $nm"; done; done > "$d/tids.txt"
      perf record -q -a -e sched:sched_switch -e sched:sched_waking -e sched:sched_wakeup_new \
        -o "$d/sched.data" -- sleep "$rq_s" >/dev/null 2>&1 ) &
    runqer=$!
  fi
  # the disk's own fsync in the same run, beside the nodes (same file system as the journals):
  # 100 appends of 4 KiB, each fsynced, 10 a second from the scenario's start
  ( sleep "$LEAD"; python3 - "$d/fsync.probe" > "$d/fsync.txt" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
v = []
for i in range(100):
    os.write(fd, b"x" * 4096)
    t0 = time.perf_counter(); os.fsync(fd); v.append((time.perf_counter() - t0) * 1e3)
    time.sleep(0.1)
os.close(fd); os.unlink(sys.argv[1])
v.sort()
print(f"p50={v[50]:.2f} p90={v[90]:.2f} p99={v[99]:.2f} max={v[-1]:.2f}")
PY
  ) &
  local prober=$!
  local st=0 p
  for p in "${PIDS[@]}"; do wait "$p" || st=$((st + 1)); done
  wait $sampler 2>/dev/null
  wait $prober 2>/dev/null
  wait $rsser 2>/dev/null
  [ -n "$perfer" ] && wait $perfer 2>/dev/null
  [ -n "$runqer" ] && wait $runqer 2>/dev/null
  for p in "${perfall[@]}"; do wait "$p" 2>/dev/null; done
  : > "$d/perf.txt"
  if [ -s "$d/perf.data" ]; then
    perf report -i "$d/perf.data" --stdio --no-children --sort dso --percent-limit 1 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -6 | awk '{print "dso", $1, $2}' > "$d/perf.txt"
    perf report -i "$d/perf.data" --stdio --no-children --sort symbol --percent-limit 1 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -8 | awk '{print "sym", $1, $3}' >> "$d/perf.txt"
  fi
  rm -f "$d/perf.data"
  if [ -s "$d/sched.data" ]; then
    perf script -i "$d/sched.data" -F cpu,time,event,trace 2>/dev/null \
      | python3 "$SRC/bench/runq.py" "$d/tids.txt" "$(basename "$sc" .json) topo=$topo secure=$sec" > "$d/runq.txt"
    rm -f "$d/sched.data"
  fi
  PIDS=()
  [ $st = 0 ] || { echo "$topo secure=$sec: $st node(s) failed"; tail -5 "$d"/*.log; }
  "$B/mwx" audit show "$d/KOR.db" --kind release --json > "$d/kor_release.json"
  python3 - "$d" "$topo" "$sec" "$run" "$(basename "$sc" .json)" <<'PY' | tee "$d/summary.txt"
import json, re, sys
d, topo, sec, run = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
speed = None
held, recv, seqs = [], [], []
received = 0
line_re = re.compile(r'^JPN <- \S+ Track KOR-T\S+ seq=(\d+) .*verified, ([0-9.]+) ms after plot \(([0-9.]+) at reception\)')
for l in open(d + "/JPN.log"):
    if l.startswith("JPN <- "):
        received += 1
    m = line_re.match(l)
    if m:
        seqs.append(int(m.group(1))); held.append(float(m.group(2))); recv.append(float(m.group(3)))
    m = re.search(r' speed=([0-9.]+) ', l)
    if m and l.startswith("JPN UP"):
        speed = float(m.group(1))
# KOR's release of each Track to JPN: tick (record time) and time of validity
wait, tvs = {}, {}
for l in open(d + "/kor_release.json"):
    r = json.loads(l)
    s = r.get("sample") or {}
    p = r.get("payload") or {}
    if r.get("kind") != "release" or not isinstance(p, dict) or p.get("partner") != "JPN" or p.get("outcome") != "released":
        continue
    if s.get("topic") != "Track":
        continue
    tv = s["payload"]["time_ns"]
    wait[s["marking"]["seq"]] = (r["time_ns"] - tv) / speed / 1e6
    tvs[s["marking"]["seq"]] = tv
def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
n = len(held)
w = [wait[s] for s in seqs if s in wait]
after = [h - wait[s] for s, h in zip(seqs, held) if s in wait]
rel = len(wait)
# wall time (ms, arbitrary origin) at which JPN held each Track: its plot on the exercise clock + latency
t_held = sorted(tvs[s] / speed / 1e6 + h for s, h in zip(seqs, held) if s in tvs)
span = (t_held[-1] - t_held[0]) / 1e3 if len(t_held) > 1 else 0
trk_rate = (len(t_held) - 1) / span if span > 0 else 0
print(f"NODE {sys.argv[5]} topo={topo} secure={sec} speed={speed:g} n={n}/{rel} plot->held p50={pct(held,.5):.1f} p99={pct(held,.99):.1f} max={max(held) if held else float('nan'):.1f} ms"
      f" | tick wait p50={pct(w,.5):.1f} max={max(w) if w else float('nan'):.1f}"
      f" | tick->held p50={pct(after,.5):.1f} p99={pct(after,.99):.1f}"
      f" | plot->reception p50={pct(recv,.5):.1f} p99={pct(recv,.99):.1f}"
      f" | JPN received {received} samples in {run:.0f} s: {received/run:.0f}/s; KOR Tracks held {trk_rate:.0f}/s over {span:.1f} s")
# RSS, CPU, fits
import os
hz = os.sysconf("SC_CLK_TCK")
up = float(open("/proc/uptime").read().split()[0])
rows = [l.split() for l in open(d + "/rss.txt")]
st_ = [r for r in rows if r[0] == "start"]; en = [r for r in rows if r[0] == "end"]
parts = []
for i, nat in enumerate(["KOR", "JPN", "USA"]):
    s0 = st_[i][1] if i < len(st_) and len(st_[i]) > 1 else "?"
    if i < len(en) and len(en[i]) > 3 and i < len(st_) and len(st_[i]) > 3:
        e1 = en[i][1]
        # CPU (user + system) between the two samples, percent of one core
        cpu = 100 * (float(en[i][2]) - float(st_[i][2])) / hz / max(1e-9, float(en[i][3]) - float(st_[i][3]))
        parts.append(f"{nat} rss {s0}->{e1} kB cpu {cpu:.0f}%")
    else:
        parts.append(f"{nat} rss {s0}->? kB")
fits, jl, fl = "", "", ""
for nat in ["KOR", "JPN", "USA"]:
    for l in open(f"{d}/{nat}.log"):
        m = re.search(r"DOWN .*fits_queued=(\d+) fits_done=(\d+) fits_dropped=(\d+) fit_max_ms=(\d+) commits=(\d+)", l)
        if m:
            fits += f" {nat} fits {m.group(1)}/{m.group(2)}/{m.group(3)} max {m.group(4)} ms commits {m.group(5)};"
        m = re.search(r"JOURNAL commits=(\d+) commit_ms p50=([0-9.]+) p99=([0-9.]+) max=([0-9.]+) .*checkpoints=(\d+) checkpoint_ms max=([0-9.]+)", l)
        if m:
            jl += f" {nat} {m.group(1)} commits p50/p99/max {m.group(2)}/{m.group(3)}/{m.group(4)} ms, {m.group(5)} checkpoints max {m.group(6)} ms;"
        m = re.search(r"FITDELAY n=(\d+) p99=([0-9.]+) max=([0-9.]+)", l)
        if m:
            fl += f" {nat} n={m.group(1)} p99={m.group(2)} max={m.group(3)} s;"
try:
    fs = open(d + "/fsync.txt").read().strip()
except OSError:
    fs = "?"
print(f"RES {sys.argv[5]} topo={topo} secure={sec} | " + " | ".join(parts) + " | fits queued/done/dropped:" + fits)
print(f"COMMIT {sys.argv[5]} topo={topo} secure={sec} |" + jl + f" | disk fsync (4 KiB append, same run) ms {fs}")
if fl:
    print(f"FITS {sys.argv[5]} topo={topo} secure={sec} | window closed -> fit result on the loop:" + fl)
tag = f"{sys.argv[5]} topo={topo} secure={sec}"
# ---- STAGES: KOR's stamps of each Track it published for JPN, JPN's of each it held, joined by seq
st_re = re.compile(r'^(\w{3}) STAGES (->|<-) (\w{3}) Track seq=(\d+) id=\S+((?: \w+=\d+)+)')
def stamps(path, me, arrow, other):
    out = {}
    for l in open(path):
        m = st_re.match(l)
        if m and m.group(1) == me and m.group(2) == arrow and m.group(3) == other:
            seq = int(m.group(4))
            if seq not in out:
                out[seq] = {k: int(v) for k, v in (kv.split("=") for kv in m.group(5).split())}
    return out
tx = stamps(d + "/KOR.log", "KOR", "->", "JPN")
rx = stamps(d + "/JPN.log", "JPN", "<-", "KOR")
order = ["plot", "in", "tracked", "signed", "journaled", "published", "received", "verified", "taken", "held"]
steps = [("plot", "in", "wait"), ("in", "tracked", "track+assess"), ("tracked", "signed", "decide+sign"),
         ("signed", "journaled", "KOR commit"), ("journaled", "published", "publish"),
         ("published", "received", "DDS"), ("received", "verified", "verify"), ("verified", "taken", "hand-over"),
         ("taken", "held", "JPN commit")]
joined = []
for seq, a in tx.items():
    b = rx.get(seq)
    if b:
        t = dict(a); t.update({k: v for k, v in b.items() if k != "plot"})
        if all(k in t for k in order):
            joined.append(t)
if joined:
    tot = [(t["held"] - t["plot"]) / 1e6 for t in joined]
    mt = sum(tot) / len(tot)
    parts = []
    for a, b, name in steps:
        v = [(t[b] - t[a]) / 1e6 for t in joined]
        parts.append(f"{name} {pct(v,.5):.2f}/{pct(v,.99):.2f} ({100 * (sum(v) / len(v)) / mt if mt > 0 else 0:.0f}%)")
    print(f"STAGES {tag} n={len(joined)} plot->held p50={pct(tot,.5):.2f} p99={pct(tot,.99):.2f} mean={mt:.2f} ms | "
          "p50/p99 ms (share of the mean): " + " | ".join(parts))
else:
    print(f"STAGES {tag} n=0 (no Track joined: KOR {len(tx)} published, JPN {len(rx)} held)")
# ---- PROFILE, SYNC, BOUNDS from each node's DOWN block
prof, sync, bnd = [], [], []
for nat in ["KOR", "JPN", "USA"]:
    mode, busy_ms, commit_ms, js, jsync = "?", None, None, None, None
    for l in open(f"{d}/{nat}.log"):
        m = re.search(r" UP node .* sync=(\w+)", l)
        if m:
            mode = m.group(1)
        m = re.match(r"\w{3} PROFILE passes=(\d+) busy=([0-9.]+)% of ([0-9.]+) s [^|]*\|(.*)", l)
        if m:
            wall_s = float(m.group(3)); busy = float(m.group(2))
            busy_ms = busy / 100 * wall_s * 1e3
            ps = re.findall(r" (\w+)=([0-9.]+)% \(([0-9]+) ms\)", m.group(4))
            top = sorted(((float(p), k) for k, p, _ in ps), reverse=True)
            # the commit with its fsync (the profile splits them since the twenty-fourth session: commit, sync)
            cm = [float(x) for k, _, x in ps if k in ("commit", "sync")]
            commit_ms = sum(cm) if cm else None
            prof.append(f"{nat} busy {busy:.1f}%: " + " ".join(f"{k} {p:.0f}%" for p, k in top if p >= 2))
        m = re.match(r"\w{3} FUSE worker=(\d) passes=(\d+) pass_max_ms=([0-9.]+) cpu_ms=\d+ cpu=([0-9.]+)%", l)
        if m and prof:
            prof[-1] += f" (fusion worker {m.group(1)}: {m.group(2)} passes, longest {float(m.group(3)):.0f} ms, {m.group(4)}% of a core)"
        m = re.search(r"JOURNAL commits=(\d+) commit_ms p50=([0-9.]+) p99=([0-9.]+)", l)
        if m:
            js = m.groups()
            m2 = re.search(r"syncs=(\d+) on_loop=(\d+) commits_per_sync=([0-9.]+) sync_ms p50=([0-9.]+) p99=([0-9.]+)", l)
            jsync = m2.groups() if m2 and int(m2.group(1)) else None
        m = re.match(r"\w{3} BOUNDS (.*)", l)
        if m:
            bnd.append(f"{nat} {m.group(1).strip()}")
    if js:
        share = f", {100 * commit_ms / busy_ms:.0f}% of the loop's busy time" if commit_ms is not None and busy_ms else ""
        sync.append(f"{nat} sync={mode} {int(js[0]) / (run + 2):.1f} commits/s p50 {js[1]} p99 {js[2]} ms{share}"
                    + (f", WAL fsyncs {jsync[0]} ({jsync[1]} on the loop before publishing, {jsync[2]} commits each) p50 {jsync[3]} p99 {jsync[4]} ms" if jsync else ""))
print(f"PROFILE {tag} | " + " | ".join(prof))
try:
    pf = [l.split() for l in open(d + "/perf.txt")]
except OSError:
    pf = []
dso = [f"{r[2]} {r[1]}" for r in pf if len(r) == 3 and r[0] == "dso"]
sym = [f"{r[2]} {r[1]}" for r in pf if len(r) == 3 and r[0] == "sym"]
print(f"PERF_NODE {tag} | KOR's samples (cpu-clock) by library: " + (", ".join(dso) if dso else "(perf not run)")
      + " | by function: " + ", ".join(sym))
print(f"SYNC {tag} | " + " | ".join(sync) + f" | disk fsync ms {fs}")
# ---- MEMORY: the RSS series
ser = {}
try:
    for l in open(d + "/rss_series.txt"):
        r = l.split()
        if len(r) == 3:
            ser.setdefault(int(r[0]), []).append(int(r[2]))
except OSError:
    pass
mem = []
for i, nat in enumerate(["KOR", "JPN", "USA"]):
    v = ser.get(i, [])
    if len(v) >= 2:
        h = v[len(v) // 2:]
        slope = (h[-1] - h[0]) / (5 * (len(h) - 1) / 60) if len(h) > 1 else 0
        mem.append(f"{nat} {v[0]/1024:.1f}->{v[len(v)//2]/1024:.1f}->{v[-1]/1024:.1f} MB peak {max(v)/1024:.1f}"
                   f", second half {slope:+.0f} kB/min")
    else:
        mem.append(f"{nat} ?")
print(f"MEMORY {tag} | RSS start->middle->end (every 5 s): " + " | ".join(mem))
print(f"BOUNDS {tag} | " + " | ".join(bnd))
PY
  # SCHED: from the start to the end sample, each node's loop thread (mwxd's main thread) and all
  # its threads: CPU time and the time runnable but waiting for a CPU (/proc/PID/task/TID/schedstat),
  # in % of the wall time between the two samples; the wait is what a busy machine adds to latency
  python3 - "$d/sched.txt" "$d/rss.txt" "$topo" "$sec" "$(basename "$sc" .json)" "${NICE:-0}" <<'PY' | tee -a "$d/summary.txt"
import sys
f, rf, topo, sec, name, nice = sys.argv[1:7]
try:
    rows = [l.split() for l in open(f)]
    ts = [float(l.split()[-1]) for l in open(rf) if len(l.split()) == 4]
except OSError:
    sys.exit(0)
if len(ts) < 6:
    sys.exit(0)
wall = (ts[3] - ts[0] + ts[4] - ts[1] + ts[5] - ts[2]) / 3 * 1e9
v = {}
for r in rows:
    if len(r) < 6:
        continue
    v[(r[0], int(r[1]), r[2])] = (r[3], int(r[4]), int(r[5]))
parts = []
for i, nat in enumerate(["KOR", "JPN", "USA"]):
    loop = [0, 0]; allt = [0, 0]
    for (w, k, tid), (kind, run, wt) in v.items():
        if w != "end" or k != i:
            continue
        s = v.get(("start", k, tid), (kind, 0, 0))
        dr, dw = run - s[1], wt - s[2]
        allt[0] += dr; allt[1] += dw
        if kind == "loop":
            loop = [dr, dw]
    parts.append(f"{nat} loop cpu {100 * loop[0] / wall:.1f}% waiting for a cpu {100 * loop[1] / wall:.1f}%"
                 f" ({100 * loop[1] / max(loop[0] + loop[1], 1):.0f}% of its runnable time), all threads cpu "
                 f"{100 * allt[0] / wall:.1f}% waiting {100 * allt[1] / wall:.1f}%")
print(f"SCHED {name} topo={topo} secure={sec} nice={nice} | " + " | ".join(parts))
# SCHED_THREADS: the same per thread, by name (the loop; mwx-rx, mwx-fuse, mwx-fit<i>, mwx-mem;
# Cyclone's own threads by theirs; threads of one name summed): CPU and wait in % of the wall time,
# and the wait's share of the thread's runnable time
parts = []
for i, nat in enumerate(["KOR", "JPN", "USA"]):
    by = {}
    for r in rows:
        if len(r) < 6 or r[0] != "end" or int(r[1]) != i:
            continue
        s = next((x for x in rows if len(x) >= 6 and x[0] == "start" and x[1] == r[1] and x[2] == r[2]), None)
        nm = "loop" if r[3] == "loop" else (r[7] if len(r) > 7 else "?")
        a = by.setdefault(nm, [0, 0])
        a[0] += int(r[4]) - (int(s[4]) if s else 0)
        a[1] += int(r[5]) - (int(s[5]) if s else 0)
    top = sorted(by.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
    parts.append(f"{nat} " + ", ".join(f"{nm} {100 * c / wall:.1f}/{100 * w / wall:.1f}% ({100 * w / max(c + w, 1):.0f}%)"
                                       for nm, (c, w) in top if (c + w) / wall >= 0.002))
print(f"SCHED_THREADS {name} topo={topo} secure={sec} | cpu/wait % of the wall time (wait's share of runnable) | "
      + " | ".join(parts))
PY
  [ -s "$d/runq.txt" ] && tee -a "$d/summary.txt" < "$d/runq.txt"
}

# SALVO_N (environment, default 100): missiles in the salvo case; above 100 the salvo's launches
# are repeated, each copy 1 s later and 0.05 deg further north (scenarios/salvo-100.json stays the source)
SALVO_N=${SALVO_N:-100}
SALVO_SC="$SRC/scenarios/salvo-100.json"
if [ "$SALVO_N" != 100 ]; then
  SALVO_SC="$T/salvo-$SALVO_N.json"
  python3 - "$SRC/scenarios/salvo-100.json" "$SALVO_N" "$SALVO_SC" <<'PY' || exit 1
import datetime, json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2]); base = d["launches"]
out = []
for k in range(n):
    l = dict(base[k % len(base)]); c = k // len(base)
    t = datetime.datetime.strptime(l["time_utc"], "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=c)
    l["time_utc"] = t.strftime("%Y-%m-%dT%H:%M:%SZ"); l["id"] = f"S{k + 1:03d}"; l["lat_deg"] = round(l["lat_deg"] + 0.05 * c, 4)
    out.append(l)
d["launches"] = out; d["name"] = f"salvo of {n} (salvo-100 repeated)"
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY
fi

for c in ${CASES:-mesh:0 mesh:1 hub:0 hub:1 salvo}; do
  if [ "$c" = salvo ]; then
    # under load: the salvo (scenarios/salvo-100.json, or SALVO_N missiles), mesh, DDS Security on
    run_case mesh 1 "$SALVO_SPEED" "$RUN" "$SALVO_SC"
  else
    run_case "${c%%:*}" "${c##*:}" "$SPEED" "$RUN" "$SC"
  fi
done

# ------------------------------------------------------------- ddsperf
# DDSPERF=0 (environment) skips it (the memory runs: RSS, not latency)
P="$T/pki"
[ "${DDSPERF:-1}" = 0 ] && { echo "== headline ($(date -u +%H:%M:%SZ)) =="
  grep -h '^NODE \|^STAGES \|^PROFILE \|^SYNC \|^MEMORY \|^RES \|^COMMIT \|^FITS \|^SCHED \|^BOUNDS ' "$T"/*/summary.txt 2>/dev/null; exit 0; }
ddsperf_setup "$P" "$T"
DUR=5
dom=212
for mode in plain secure; do
  xml=$(ddsperf_uri $mode)
  dom=$((dom + 1))
  CYCLONEDDS_URI="$xml" timeout $((DUR + 10)) ddsperf -i $dom -D $((DUR + 3)) pong > "$T/pong.log" 2>&1 &
  PIDS=($!)
  CYCLONEDDS_URI="$xml" timeout $((DUR + 10)) ddsperf -i $dom -D $((DUR + 1)) ping 1kHz > "$T/ping.log" 2>&1
  kill "${PIDS[0]}" 2>/dev/null; wait "${PIDS[0]}" 2>/dev/null
  PIDS=()
  echo "DDSPERF mode=$mode ping=1kHz $(summ "$T/ping.log") (half round trip)" | tee -a "$T/ddsperf.txt"
done

# ------------------------------------------------------------- headline
# the lines to compare across machines (the lead's quiet re-run): plot -> JPN holds per case, the
# stages' figures, ddsperf's, the disk's fsync
echo "== headline ($(date -u +%H:%M:%SZ)) =="
grep -h '^NODE \|^STAGES \|^PROFILE \|^PERF_NODE \|^SYNC \|^MEMORY \|^RES \|^COMMIT \|^FITS \|^SCHED \|^SCHED_THREADS \|^RUNQ' "$T"/*/summary.txt 2>/dev/null
grep -h '^DDSPERF ' "$T/ddsperf.txt" 2>/dev/null
