#!/usr/bin/env python3
# perf_modules.py - CPU-seconds of one perf.data (perf record -g, cpu-clock at HZ) by thread and by module:
# the leaf library (libcrypto, SQLite, jansson, libddsc, kernel), else the module (src/ directory) of the first
# mwx frame in the call chain.  Usage: bench/perf_modules.py FUNCMAP.json HZ perf-KOR.data ...
# FUNCMAP.json: function name -> source file, from bench/perf_funcmap.py SRC_DIR FUNCMAP.json.
# System libraries have no frame pointers: their callers are lost, so libcrypto is split by thread
# (the loop: signing and the journal hash chain; the rx thread: verification; DDS threads: DDS Security).
import sys, json, re, collections
fm = json.load(open(sys.argv[1])); hz = float(sys.argv[2]); files = sys.argv[3:]
DDS_TH = {'recvUC', 'tev', 'recv', 'dq.builtins', 'gc', 'recvMC', 'xmit.user', 'dq.user'}
def module(path):
    if path.startswith('src/track'): return 'tracker'
    if path.startswith('src/fuse') or path in ('src/node/fusepic.c', 'src/node/fusework.c'): return 'fuser'
    if path == 'src/msg/msg_sign.c': return 'sign/verify'
    if path.startswith('src/msg'): return 'msg encode/decode'
    if path.startswith('src/journal'): return 'journal'
    if path.startswith('src/cop'): return 'cop'
    if path in ('src/assess/launch.c', 'src/assess/fit.c') or path.startswith('src/ballistic'): return 'launch fit/ballistic'
    if path.startswith('src/assess'): return 'assess'
    if path.startswith('src/sim'): return 'sim sensors'
    if path.startswith('src/net'): return 'net (DDS glue)'
    if path.startswith('src/node'): return 'node'
    if path.startswith('apps'): return 'mwxd app'
    return path.split('/')[0] + '/' + path.split('/')[1] if '/' in path else path
for f in files:
    tot = 0; cat = collections.Counter(); th = collections.Counter(); cry = collections.Counter(); mods = collections.Counter()
    comm = None; frames = []
    def flush():
        global tot
        if comm is None: return
        tot_add(comm, frames)
    def tot_add(c, fr):
        nonlocal_tot[0] += 1
        SAMPLES.append((c, fr))
        cm, pid, tid = c
        thc = 'DDS threads' if cm in DDS_TH else ('loop' if pid == tid else 'workers')
        th[thc] += 1
        leafdso = fr[0][1] if fr else '?'
        mwx = None
        for s, d in fr:
            if d.endswith('/mwxd') and s in fm:
                mwx = module(fm[s]); break
        if mwx is None:
            mwx = 'DDS (its threads)' if thc == 'DDS threads' else 'unattributed'
        lib = leafdso.rsplit('/', 1)[-1]
        if 'libsqlite3' in lib: k = 'journal: SQLite'
        elif 'libjansson' in lib: k = 'JSON (jansson)'
        elif 'libddsc' in lib or 'dds_security' in lib: k = 'DDS (libddsc)'
        elif 'libcrypto' in lib: k = 'libcrypto'; cry[mwx] += 1
        elif 'kernel' in lib: k = 'kernel'
        else: k = None
        mods[mwx] += 1
        cat[k or mwx] += 1
    nonlocal_tot = [0]; SAMPLES = []
    import subprocess
    p = subprocess.Popen(['perf', 'script', '-i', f, '-F', 'comm,pid,tid,ip,sym,dso'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for l in p.stdout:
        if not l.strip():
            if comm: tot_add(comm, frames)
            comm = None; frames = []; continue
        if not l.startswith('\t') and not l.startswith(' '):
            parts = l.split(); 
            m = re.match(r'^(.*?)\s+(\d+)/(\d+)\s*$', l.rstrip())
            if m: comm = (m.group(1).strip(), m.group(2), m.group(3))
            else: comm = (parts[0], parts[1], parts[1])
            frames = []
        else:
            m = re.match(r'\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$', l)
            if m: frames.append((re.sub(r'\+0x[0-9a-f]+$', '', m.group(2)), m.group(3)))
    if comm: tot_add(comm, frames)
    n = nonlocal_tot[0]
    print(f"== {f}: {n} samples = {n/hz:.1f} CPU-s")
    lab = {}
    for (cm, pid, tid), fr in SAMPLES:
        if cm in DDS_TH: lab[tid] = 'DDS threads'; continue
        if pid == tid: lab[tid] = 'loop'; continue
        names = {x for x, d in fr if d.endswith('/mwxd')}
        if 'rx_main' in names: lab[tid] = 'rx thread (verify)'
        elif any('fit' in x or 'launch' in x for x in names) and lab.get(tid) != 'rx thread (verify)': lab.setdefault(tid, 'fit worker')
        elif any('fuse' in x for x in names) and tid not in lab: lab[tid] = 'fuse worker'
    thl = collections.Counter(); crt = collections.Counter()
    for (cm, pid, tid), fr in SAMPLES:
        L = lab.get(tid, 'other threads'); thl[L] += 1
        if fr and 'libcrypto' in fr[0][1]: crt[L] += 1
    print("threads (labelled): " + ", ".join(f"{k} {v/hz:.1f}" for k, v in thl.most_common()))
    print("libcrypto by thread: " + ", ".join(f"{k} {v/hz:.2f}" for k, v in crt.most_common()))
    print("threads: " + ", ".join(f"{k} {v/hz:.1f}" for k, v in th.most_common()))
    print("by category (leaf library, else the first mwx frame's module), CPU-s:")
    for k, v in cat.most_common(): print(f"  {k:28s} {v/hz:6.2f}  {100*v/n:5.1f}%")
    print("libcrypto by caller: " + ", ".join(f"{k} {v/hz:.2f}" for k, v in cry.most_common()))
    print("by mwx module incl. the libraries it calls: " + ", ".join(f"{k} {v/hz:.2f}" for k, v in mods.most_common()))
