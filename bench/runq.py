#!/usr/bin/env python3
"""runq.py - who holds the CPUs while the nodes' latency path waits for one.

Usage: perf script -i SCHED.data -F cpu,time,event,trace | python3 bench/runq.py TIDS.txt TAG

SCHED.data: `perf record -e sched:sched_switch -e sched:sched_waking -e sched:sched_wakeup_new -a`
(bench/node_latency.sh RUNQ=1, a window in the middle of the salvo).  TIDS.txt: lines
"NATION TID NAME" for every thread of the three mwxd (NAME "loop" for the main thread, else its
comm: mwx-rx, mwx-fuse, mwx-fit0, mwx-mem, Cyclone's recv, tev, dq.builtins, ...).

A thread waits for a CPU from its wake-up (sched_waking) or its preemption (switched out still
runnable, prev_state R) until it is switched in.  Printed (one RUNQ_WAIT line per node: every
thread's waits, count, p50 / p99 / max in us and the sum in % of the window; one RUNQ_HELD line per
latency-path thread, the loop and the receive thread of each node: while it waited, what ran on
the CPUs, in % of the CPU time that passed while it waited (its wait x the CPUs: the shares add
up to 100%), by NATION:NAME for the nodes' threads and by comm for every other process
("idle": a CPU with nothing to run, i.e. the wake-up's own latency).
"""
import re
import sys
from collections import defaultdict

tids = {}
for l in open(sys.argv[1]):
    r = l.split()
    if len(r) >= 3:
        tids[int(r[1])] = (r[0], r[2])
tag = sys.argv[2] if len(sys.argv) > 2 else ""

ev_re = re.compile(r"^\[(\d+)\]\s+([0-9.]+):\s+sched:(\w+):\s+(.*)$")
sw_re = re.compile(r"prev_comm=(.*) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio")
wk_re = re.compile(r"comm=(.*) pid=(\d+) prio=")

comm = {}          # tid -> comm (other processes)
running = {}       # cpu -> tid
wait_since = {}    # tid -> time it became runnable (not running)
waits = defaultdict(list)  # tid -> [wait s]
held = defaultdict(lambda: defaultdict(float))  # latency tid -> label -> cpu-seconds
path = {t for t, (_, nm) in tids.items() if nm in ("loop", "mwx-rx")}
cpus = set()
t_first = t_last = None


def label(tid):
    if tid == 0:
        return "idle"
    if tid in tids:
        return f"{tids[tid][0]}:{tids[tid][1]}"
    c = comm.get(tid, "?")
    return re.sub(r"[/:]\d+.*$", "", c)  # kworker/0:1 -> kworker


for line in sys.stdin:
    m = ev_re.match(line)
    if not m:
        continue
    cpu, t, ev, rest = int(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
    cpus.add(cpu)
    if t_first is None:
        t_first = t
    if t_last is not None and t > t_last:
        dt = t - t_last
        for w in path:
            if w in wait_since:
                h = held[w]
                for c in cpus:
                    h[label(running.get(c, 0))] += dt
    t_last = t
    if ev == "sched_switch":
        s = sw_re.search(rest)
        if not s:
            continue
        prev, state, nxt = int(s.group(2)), s.group(3), int(s.group(5))
        comm[prev] = s.group(1)
        comm[nxt] = s.group(4)
        if prev and state.startswith("R"):  # preempted: still runnable
            wait_since.setdefault(prev, t)
        running[cpu] = nxt
        w0 = wait_since.pop(nxt, None)
        if w0 is not None and nxt:
            waits[nxt].append(t - w0)
    elif ev in ("sched_waking", "sched_wakeup_new"):
        s = wk_re.search(rest)
        if not s:
            continue
        tid = int(s.group(2))
        comm[tid] = s.group(1)
        if tid not in running.values():
            wait_since.setdefault(tid, t)

if t_first is None:
    print(f"RUNQ {tag} | no events")
    sys.exit(0)
span = t_last - t_first


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


for nat in ["KOR", "JPN", "USA"]:
    rows = []
    for tid, (n, nm) in tids.items():
        if n != nat or not waits.get(tid):
            continue
        v = waits[tid]
        rows.append((sum(v), nm, len(v), pct(v, .5), pct(v, .99), max(v)))
    rows.sort(reverse=True)
    parts = []
    for s, nm, k, p50, p99, mx in rows:
        if s / span < 0.001:
            continue
        parts.append(f"{nm} n={k} p50/p99/max {p50*1e6:.0f}/{p99*1e6:.0f}/{mx*1e6:.0f} us sum {100*s/span:.1f}%")
    print(f"RUNQ_WAIT {tag} {nat} over {span:.1f} s | " + " | ".join(parts))
for w in sorted(path, key=lambda t: tids[t]):
    h = held[w]
    tot = sum(h.values())
    if tot <= 0:
        continue
    top = sorted(h.items(), key=lambda kv: -kv[1])
    wsum = sum(waits.get(w, []))
    print(f"RUNQ_HELD {tag} {tids[w][0]}:{tids[w][1]} waited {100*wsum/span:.1f}% of {span:.1f} s; the CPUs ran meanwhile: "
          + ", ".join(f"{k} {100*v/tot:.0f}%" for k, v in top[:12] if v / tot >= 0.005))
