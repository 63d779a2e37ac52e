#!/usr/bin/env python3
# cop_perf.py - what the node's loop does with the pages open: the loop
# thread's samples (perf record by bench/cop_page.sh with PERF=FILE
# PERF_LOOP=1 PERF_CG="--call-graph dwarf,16384") split by cop_ws.js's
# windows (its WINDOW lines: 0 clients / N clients), and per function the
# samples whose stack holds it (inclusive), per second of window, in both
# cases, ranked by the difference.
#   [PERF_HZ=N] python3 bench/cop_perf.py PERF_FILE BENCH_OUTPUT [TOP]
# The samples are at the record's frequency (PERF_HZ, 499 by default) on the
# loop thread's CPU time, so "ms/s" below is samples / s / HZ * 1000: CPU ms
# of the loop thread per second of wall time in that case.
import collections
import re
import subprocess
import sys

perf_file, out_file = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
hz = int(__import__("os").environ.get("PERF_HZ", "499"))  # (the record's -F: PERF_HZ)
wins = []  # (clients, t0, t1)
for line in open(out_file):
    m = re.search(r'WINDOW clients=(\d+) round=\d+ mono_s=([\d.]+),([\d.]+)', line)
    if m:
        wins.append((int(m.group(1)), float(m.group(2)), float(m.group(3))))
if not wins:
    sys.exit('no WINDOW lines in %s' % out_file)
dur = collections.Counter()
for k, a, b in wins:
    dur[k] += b - a
cases = sorted(dur)
incl = {k: collections.Counter() for k in cases}
self_ = {k: collections.Counter() for k in cases}
n = collections.Counter()
p = subprocess.Popen(['perf', 'script', '-i', perf_file, '-F', 'time,ip,sym,dso'], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, errors='replace')
case, stack = None, []


def flush():
    if case is None:
        return
    n[case] += 1
    seen = set()
    for i, f in enumerate(stack):
        if f not in seen:
            incl[case][f] += 1
            seen.add(f)
        if i == 0:
            self_[case][f] += 1


for line in p.stdout:
    if not line.strip():
        flush()
        case, stack = None, []
        continue
    m = re.match(r'\s*([\d.]+):\s*$', line)  # a sample's header (its time; perf 6 indents it)
    if m or not line.startswith((' ', '\t')):
        m = m or re.match(r'\s*([\d.]+):', line)
        case = None
        if m:
            t = float(m.group(1))
            for k, a, b in wins:
                if a <= t <= b:
                    case = k
                    break
        stack = []
        continue
    parts = line.split(None, 1)
    if len(parts) < 2:
        continue
    rest = parts[1].strip()
    m = re.match(r'(.*?)\s+\((.*)\)$', rest)
    sym, dso = (m.group(1), m.group(2)) if m else (rest, '')
    sym = re.sub(r'\+0x[0-9a-f]+$', '', sym)
    if sym in ('[unknown]', ''):
        sym = '[unknown]'
    stack.append('%s (%s)' % (sym, dso.rsplit('/', 1)[-1]))
flush()
ms = lambda c, k: 1000.0 * c / dur[k] / hz
a, b = cases[0], cases[-1]
print('loop thread samples: ' + ', '.join('%d clients %d in %.1f s (%.1f ms CPU/s)' % (k, n[k], dur[k], ms(n[k], k)) for k in cases))
print('%-70s %10s %10s %10s   self %s' % ('function (inclusive, ms of loop CPU per s)', '%d cl' % a, '%d cl' % b, 'diff', 'diff'))
keys = set(incl[a]) | set(incl[b])
# (one case only, e.g. a WS_PHASE run: ranked by the inclusive time itself)
rank = (lambda f: -ms(incl[b][f], b)) if a == b else (lambda f: -(ms(incl[b][f], b) - ms(incl[a][f], a)))
for f in sorted(keys, key=rank)[:top]:
    print('%-70s %10.2f %10.2f %10.2f   %6.2f' % (f[:70], ms(incl[a][f], a), ms(incl[b][f], b),
                                             ms(incl[b][f], b) - ms(incl[a][f], a),
                                             ms(self_[b][f], b) - ms(self_[a][f], a)))
