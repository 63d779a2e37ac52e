#!/usr/bin/env python3
# perf_funcmap.py SRC_DIR OUT.json - function name -> source file of every C function defined in SRC_DIR
# (a line-start definition), for bench/perf_modules.py.
import os, re, sys, json
root = sys.argv[1]
m = {}
rx = re.compile(r'^[A-Za-z_][\w \*]*?[\s\*](\w+)\s*\([^;]*$')
for d, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.c'): continue
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root)
        for l in open(p, errors='replace'):
            mm = rx.match(l)
            if mm and not l.startswith(('return', 'else', 'if', 'typedef')):
                m.setdefault(mm.group(1), rel)
json.dump(m, open(sys.argv[2], 'w'))
print(len(m))
