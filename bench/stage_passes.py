#!/usr/bin/env python3
"""stage_passes.py - KOR's Tracks for JPN grouped by the loop pass that made them.

Usage: bench/stage_passes.py CASE_DIR   (a case directory kept by KEEP=1 bench/node_latency.sh)

Reads KOR.log's `KOR STAGES -> JPN ...` lines (mwxd --stages), groups them by their `in` stamp
(one loop pass) and prints: passes, copies per pass, and the 15 longest passes with the time from
the pass's start to its first and last sample made, from the last sample made to the commit, and
from the commit to the last publish (ms).  docs/operations.md "Where a sample's time goes".
"""
import collections
import re
import sys

d = sys.argv[1]
st_re = re.compile(r'^KOR STAGES -> JPN (\w+) seq=(\d+) id=(\S+)((?: \w+=\d+)+)')
passes = collections.OrderedDict()
for line in open(f"{d}/KOR.log"):
    m = st_re.match(line)
    if m:
        kv = {k: int(v) for k, v in (x.split("=") for x in m.group(4).split())}
        passes.setdefault(kv["in"], []).append(kv)
if not passes:
    sys.exit("no KOR STAGES -> JPN lines")
sizes = [len(v) for v in passes.values()]
print(f"KOR passes with copies to JPN: {len(passes)}; copies per pass max {max(sizes)} mean {sum(sizes) / len(sizes):.1f}")
rows = []
for k, v in passes.items():
    tr = sorted(x["tracked"] for x in v)
    j = v[0]["journaled"]
    pub = max(x["published"] for x in v)
    rows.append((len(v), (tr[0] - k) / 1e6, (tr[-1] - k) / 1e6, (j - tr[-1]) / 1e6, (pub - j) / 1e6))
rows.sort(key=lambda r: -r[2])
print("  n  in->first made  in->last made  last made->journaled  journaled->last published (ms)")
for r in rows[:15]:
    print("%3d %14.2f %14.2f %20.2f %26.2f" % r)
