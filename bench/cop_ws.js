// cop_ws.js - the node's loop with and without open pages: run by
// bench/cop_page.sh (PAGES_WS=N) against a running JPN node.
//   node cop_ws.js URL CA_PEM NAME PASSWORD WINDOW_S ROUNDS CLIENTS
// Logs in (POST /api/login), then alternates ROUNDS times: WINDOW_S seconds
// with no WebSocket client, WINDOW_S seconds with CLIENTS clients connected
// to /api/events (each a TLS connection of its own that reads and parses
// every message, as a page would; the clients are in this one Node process,
// not browsers: ten software-rendered chromium pages would take the
// machine's two cores from the node and measure the machine, not the web
// server's work on the node's loop).  Between windows it reads the node's
// loop-lag histogram (GET /api/stats "loop_lag_hist": lateness of a 10-ms
// timer on the node's loop) and the server's own time on that loop
// ("loop_busy": libuv passes, node events, push timers) and prints per case
// (all windows of a case pooled): lag p50/p99/max and mean (µs), the
// server's share of the loop's time, and the messages the clients got.
// The clients' handshakes run in parallel, each with a time-out
// (HANDSHAKE_MS, default 10 s), and every request has one too: a client
// that cannot connect is reported, never waited for.
// Plain Node (tls, https), no package.
'use strict';
const tls = require('tls');
const https = require('https');
const fs = require('fs');
const crypto = require('crypto');

const [url, caPath, name, pw, winS, roundsArg, clientsArg] = process.argv.slice(2);
const u = new URL(url);
const ca = fs.readFileSync(caPath);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const HANDSHAKE_MS = Number(process.env.HANDSHAKE_MS || 10000);
// WS_DUMP=FILE: the first client's messages as received, one a line ("RECV_MS JSON"), for a look at the bytes
const dump = process.env.WS_DUMP ? fs.openSync(process.env.WS_DUMP, 'w') : null;

function request(method, path, body, cookie) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : '';
    const headers = { Origin: u.origin };
    if (body) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = Buffer.byteLength(data); }
    if (cookie) headers.Cookie = cookie;
    const r = https.request({ host: u.hostname, port: u.port, path, method, ca, headers, agent: false, timeout: 15000 }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: b }));
    });
    r.on('timeout', () => r.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    r.on('error', reject);
    r.end(data);
  });
}

// one WebSocket client: handshake (within HANDSHAKE_MS), then unmasked server frames (RFC 6455 5.2)
function client(cookie, stats, first) {
  return new Promise((resolve, reject) => {
    let open = false;
    const fail = (e) => { if (open) return; clearTimeout(timer); s.destroy(); reject(e); };
    const timer = setTimeout(() => fail(new Error(`no WebSocket handshake in ${HANDSHAKE_MS} ms`)), HANDSHAKE_MS);
    const s = tls.connect({ host: u.hostname, port: Number(u.port), ca, servername: 'localhost' }, () => {
      const key = crypto.randomBytes(16).toString('base64');
      s.write(`GET /api/events HTTP/1.1\r\nHost: ${u.host}\r\nOrigin: ${u.origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mwx-cop.v1\r\nCookie: ${cookie}\r\n\r\n`);
    });
    // the bytes not parsed yet: chunks joined only when a frame is complete
    // (joining at every chunk re-copies a large frame once per 16-KiB chunk)
    let buf = Buffer.alloc(0), parts = [], have = 0, need = 2;
    s.on('data', (d) => {
      parts.push(d);
      have += d.length;
      if (open && have < need) return;
      buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
      parts = [buf];
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end).toString();
        if (!/^HTTP\/1\.1 101/.test(head)) { fail(new Error(`no upgrade: ${head.split('\r\n')[0]}`)); return; }
        open = true;
        clearTimeout(timer);
        buf = buf.slice(end + 4);
        resolve(s);
      }
      for (;;) {
        parts = [buf];
        have = buf.length;
        need = 2;
        if (buf.length < 2) return;
        let len = buf[1] & 127, off = 2;
        if (len === 126) { need = 4; if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { need = 10; if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        need = off + len;
        if (buf.length < off + len) return;
        const op = buf[0] & 15, payload = buf.slice(off, off + len);
        buf = buf.slice(off + len);
        if (op === 1) {
          const evs = JSON.parse(payload.toString()), now = Date.now();
          for (const ev of Array.isArray(evs) ? evs : [evs]) if (ev.push_ms && stats.lat.length < 1e6) stats.lat.push(now - ev.push_ms);
          if (first) { // what the bytes are: per event type (and sample topic), the first client of each window
            stats.bytes += payload.length;
            if (dump) fs.writeSync(dump, `${now} ${payload.toString()}\n`); // WS_DUMP=FILE: its messages, "RECV_MS JSON" a line
            for (const ev of Array.isArray(evs) ? evs : [evs]) {
              const k = ev.type + (ev.sample && ev.sample.topic ? `/${ev.sample.topic}` : '');
              const t = stats.kinds.get(k) || { n: 0, bytes: 0 };
              t.n++; t.bytes += JSON.stringify(ev).length; stats.kinds.set(k, t);
            }
          }
          stats.frames++;
          stats.events += Array.isArray(evs) ? evs.length : 1;
          if (Array.isArray(evs) && evs.length && evs[0].type === 'snapshot') stats.snapshots++;
        } else if (op === 8) { s.end(); return; }
      }
    });
    s.on('error', (e) => fail(e));
    s.on('close', () => fail(new Error('closed before the handshake')));
  });
}

function hist(st) {
  const h = new Map();
  for (const [i, n] of st.loop_lag_hist.counts) h.set(i, n);
  return { bucket: st.loop_lag_hist.bucket_us, h };
}
function diff(a, b) { const d = new Map(); for (const [i, n] of b.h) { const x = n - (a.h.get(i) || 0); if (x > 0) d.set(i, x); } return d; }
function summary(d, bucket) {
  const idx = [...d.keys()].sort((x, y) => x - y);
  const n = idx.reduce((s, i) => s + d.get(i), 0);
  const at = (p) => { let c = 0; for (const i of idx) { c += d.get(i); if (c > n * p) return (i + 1) * bucket; } return NaN; };
  const mean = idx.reduce((s, i) => s + d.get(i) * (i + 0.5) * bucket, 0) / n;
  return { n, p50: at(0.5), p99: at(0.99), max: idx.length ? (idx[idx.length - 1] + 1) * bucket : NaN, mean };
}

(async () => {
  let login = null;
  for (let i = 0; i < 4 && !login; i++) // (a loaded machine: the node may answer late)
    login = await request('POST', '/api/login', { name, password: pw }).catch((e) => { console.error(`LOOP log-in: ${e.message}`); return null; });
  if (!login) throw new Error('log-in: no answer in 4 tries');
  if (login.status !== 200) throw new Error(`log-in: ${login.status} ${login.body}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0];
  // (a loaded node has left a new HTTPS request unanswered for 15 s: said, counted, asked again, up to 4 times)
  const stats = async () => {
    for (let k = 1; ; k++) {
      const t0 = Date.now();
      try { return JSON.parse((await request('GET', '/api/stats', null, cookie)).body); } catch (e) {
        silences++;
        console.error(`LOOP ${e.message} (asked at ${new Date(t0).toISOString()}, round ${round}, ${nowClients} clients, try ${k})`);
        if (k === 4) throw e;
      }
    }
  };
  let silences = 0;
  let round = 0, nowClients = 0;
  const pooled = { 0: new Map(), [clientsArg]: new Map() };
  const busy = { 0: { ns: 0, cpu: 0, up: 0 }, [clientsArg]: { ns: 0, cpu: 0, up: 0 } };
  // the node's own loop per case (/api/stats node_loop): its passes, their wall time without and
  // with the subscribers' part (emit), the loop thread's CPU time, the wall time they cover
  const nl = () => ({ passes: 0, pass: 0, emit: 0, cpu: 0, up: 0, means: [] });
  const loop = { 0: nl(), [clientsArg]: nl() };
  // JPN_PID (cop_page.sh): the node's loop thread (mwxd's main thread) and
  // the whole process, from /proc: CPU ns run and ns runnable but waiting
  // for a core (schedstat), per window
  const pid = process.env.JPN_PID;
  const sched = (path) => { try { const [run, wait] = fs.readFileSync(path, 'utf8').trim().split(/\s+/).map(Number); return { run, wait }; } catch (e) { return null; } };
  const procCpu = () => {
    if (!pid) return null;
    let run = 0, wait = 0;
    try { for (const t of fs.readdirSync(`/proc/${pid}/task`)) { const x = sched(`/proc/${pid}/task/${t}/schedstat`); if (x) { run += x.run; wait += x.wait; } } } catch (e) { return null; }
    // the loop thread's context switches (status: voluntary, i.e. its waits for the loop's fds and
    // timers, and involuntary, i.e. preempted): each wake-up is CPU of its own (issue 15, 24th session)
    let vol = NaN, invol = NaN;
    try {
      const st = fs.readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
      vol = Number((st.match(/^voluntary_ctxt_switches:\s*(\d+)/m) || [])[1]);
      invol = Number((st.match(/^nonvoluntary_ctxt_switches:\s*(\d+)/m) || [])[1]);
    } catch (e) { /* (no figure) */ }
    return { loop: sched(`/proc/${pid}/task/${pid}/schedstat`), run, wait, vol, invol, wall: Number(process.hrtime.bigint()) };
  };
  const cpu = { 0: { loop: 0, loopWait: 0, all: 0, wall: 0 }, [clientsArg]: { loop: 0, loopWait: 0, all: 0, wall: 0 } };
  let bucket = 50, failed = 0, connected = 0;
  const got = { frames: 0, events: 0, snapshots: 0, lat: [], bytes: 0, kinds: new Map() };
  if (process.env.WS_PHASE) {
    // WS_PHASE=T0,T1 (exercise seconds): CLIENTS clients (0: none) open through the whole phase,
    // the loop's figures over it; two runs of the same command, WS_CLIENTS=0 and =10, give the
    // pages' cost over the same part of the scenario (the same node work)
    const [T0, T1] = process.env.WS_PHASE.split(',').map(Number);
    const k = Number(clientsArg);
    // every way out says whether the phase gave its figure (a run once ended, status 0, without one)
    let phaseDone = false;
    process.on('exit', (code) => { if (!phaseDone) console.log(`PHASE no figure: cop_ws.js ended (status ${code}) before +${T1} s`); });
    const res = await Promise.allSettled(Array.from({ length: k }, (_, i) => client(cookie, got, i === 0)));
    const socks = res.filter((x) => x.status === 'fulfilled').map((x) => x.value);
    for (const x of res) if (x.status === 'rejected') { failed++; console.error(`PHASE a client failed: ${x.reason.message}`); }
    // the exercise's time: /api/stats node_loop.sim_t_s (older servers: /api/queue's sim_t_s)
    const simT = async (st) => (st.node_loop.sim_t_s !== undefined ? st.node_loop.sim_t_s
      : JSON.parse((await request('GET', '/api/queue', null, cookie)).body).sim_t_s);
    const at = async () => { const st = await stats(); st.node_loop.sim_t_s = await simT(st); return st; };
    let sa = await at();
    if (sa.node_loop.sim_t_s > T0) console.log(`PHASE already at +${sa.node_loop.sim_t_s.toFixed(1)} s when the clients were up (phase from +${T0} s)`);
    while (sa.node_loop.sim_t_s < T0) { await sleep(200); sa = await at(); }
    const ca = procCpu();
    // this process's own load (it reads, inflates and parses every client's stream): its CPU
    // and its event loop's delay over the phase; a saturated client delays what it measures
    const { monitorEventLoopDelay } = require('perf_hooks');
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const cu0 = process.cpuUsage(), lat0 = got.lat.length;
    let sb = sa;
    while (sb.node_loop.sim_t_s < T1) { await sleep(200); sb = await at(); }
    const cb = procCpu();
    const cu = process.cpuUsage(cu0);
    eld.disable();
    const L = (x) => x.node_loop, wall = (L(sb).mono_ns - L(sa).mono_ns) / 1e9, cpuS = (L(sb).thread_cpu_ns - L(sa).thread_cpu_ns) / 1e9;
    const dp = L(sb).passes - L(sa).passes, web = (sb.loop_busy.cpu_ns - sa.loop_busy.cpu_ns) / 1e9;
    const own = (L(sb).pass_ns - L(sb).emit_ns - L(sa).pass_ns + L(sa).emit_ns) / 1e9;
    console.log(`PHASE ${k} clients (${socks.length} connected, ${failed} failed), exercise +${L(sa).sim_t_s.toFixed(1)} .. +${L(sb).sim_t_s.toFixed(1)} s, ${wall.toFixed(1)} s wall: ` +
                `loop thread CPU ${cpuS.toFixed(3)} s (${(100 * cpuS / wall).toFixed(2)}% of a core; schedstat ${ca && cb ? ((cb.loop.run - ca.loop.run) / 1e9).toFixed(3) : '-'} s, ` +
                `waiting for a core ${ca && cb ? ((cb.loop.wait - ca.loop.wait) / 1e9).toFixed(3) : '-'} s), of it the web server's ${web.toFixed(3)} s; ` +
                `${dp} node passes, their own work (wall, without the subscribers') ${own.toFixed(3)} s, mean ${(1e6 * own / dp).toFixed(0)} µs, ` +
                `subscribers ${((L(sb).emit_ns - L(sa).emit_ns) / 1e9).toFixed(3)} s; the whole mwxd ${ca && cb ? ((cb.run - ca.run) / 1e9).toFixed(3) : '-'} s CPU; ` +
                `loop thread context switches ${ca && cb ? `${cb.vol - ca.vol} voluntary (${((cb.vol - ca.vol) / wall).toFixed(0)}/s), ${cb.invol - ca.invol} involuntary` : '-'}`);
    if (k) {
      console.log(`PHASE one client's stream: ${(got.bytes / wall / 1024).toFixed(1)} KiB/s; by event (n/s, bytes/s): ` +
                  [...got.kinds.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 6).map(([kk, t]) => `${kk} ${(t.n / wall).toFixed(1)}/s ${(t.bytes / wall / 1024).toFixed(1)} KiB/s`).join('; '));
      console.log(`PHASE server: ws_frames=${sb.ws_frames - sa.ws_frames} ws_direct=${sb.ws_direct === undefined ? 'n/a' : sb.ws_direct - sa.ws_direct} ws_partial=${sb.ws_partial === undefined ? 'n/a' : sb.ws_partial - sa.ws_partial} ws_sealed=${sb.ws_sealed - sa.ws_sealed} ws_bytes=${sb.ws_bytes - sa.ws_bytes} ws_sealed_bytes=${sb.ws_sealed_bytes - sa.ws_sealed_bytes} ws_resyncs=${sb.ws_resyncs - sa.ws_resyncs} ` +
                  `fused_walks=${sb.fused_walks - sa.fused_walks} fused_moved=${sb.fused_moved - sa.fused_moved} fused_refreshed=${sb.fused_refreshed - sa.fused_refreshed}`);
    }
    const lat = got.lat.slice(lat0).sort((x, y) => x - y), q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] : '-');
    console.log(`PHASE the clients' process (pid ${process.pid}): CPU ${((cu.user + cu.system) / 1e6).toFixed(3)} s = ${(100 * (cu.user + cu.system) / 1e6 / wall).toFixed(1)}% of a core ` +
                `(user ${(cu.user / 1e6).toFixed(3)}, system ${(cu.system / 1e6).toFixed(3)}); its event loop's delay p50 ${(eld.percentile(50) / 1e6).toFixed(1)} p99 ${(eld.percentile(99) / 1e6).toFixed(1)} max ${(eld.max / 1e6).toFixed(1)} ms; ` +
                `server push -> client n=${lat.length} p50=${q(0.5)} p99=${q(0.99)} max=${lat.length ? lat[lat.length - 1] : '-'} ms`);
    phaseDone = true;
    console.log(`WINDOW clients=${k} round=0 mono_s=${(L(sa).mono_ns / 1e9).toFixed(6)},${(L(sb).mono_ns / 1e9).toFixed(6)}`);
    for (const x of socks) x.destroy();
    process.exit(failed ? 2 : 0);
  }
  for (let r = 0; r < Number(roundsArg); r++) {
    round = r;
    // ABBA (0, N, N, 0, ...): the salvo's load grows through the run; in a plain alternation every
    // N-client window would come after a 0-client one and see more of the node's own work
    for (const k of (r % 2 ? [Number(clientsArg), 0] : [0, Number(clientsArg)])) {
      nowClients = k;
      // all handshakes at once, each with its time-out
      const res = await Promise.allSettled(Array.from({ length: k }, (_, i) => client(cookie, got, i === 0)));
      const socks = res.filter((x) => x.status === 'fulfilled').map((x) => x.value);
      for (const x of res) if (x.status === 'rejected') { failed++; console.error(`LOOP a client failed: ${x.reason.message}`); }
      connected += socks.length;
      await sleep(1000); // the connections settle
      const sa = await stats(), a = hist(sa);
      const ca = procCpu();
      const w0 = process.hrtime.bigint(); // (CLOCK_MONOTONIC: perf record -k CLOCK_MONOTONIC's clock)
      await sleep(Number(winS) * 1000);
      const cb = procCpu();
      console.log(`WINDOW clients=${k} round=${r} mono_s=${(Number(w0) / 1e9).toFixed(6)},${(Number(process.hrtime.bigint()) / 1e9).toFixed(6)}`);
      const sb = await stats(), b = hist(sb);
      if (ca && cb && ca.loop && cb.loop) {
        cpu[k].loop += cb.loop.run - ca.loop.run;
        cpu[k].loopWait += cb.loop.wait - ca.loop.wait;
        cpu[k].all += cb.run - ca.run;
        cpu[k].wall += cb.wall - ca.wall;
      }
      bucket = b.bucket;
      for (const [i, n] of diff(a, b)) pooled[k].set(i, (pooled[k].get(i) || 0) + n);
      busy[k].ns += sb.loop_busy.ns - sa.loop_busy.ns;
      busy[k].cpu += (sb.loop_busy.cpu_ns || 0) - (sa.loop_busy.cpu_ns || 0);
      busy[k].up += sb.loop_busy.up_ns - sa.loop_busy.up_ns;
      if (sa.node_loop && sb.node_loop) {
        const L = loop[k], dp = sb.node_loop.passes - sa.node_loop.passes;
        L.passes += dp;
        L.pass += sb.node_loop.pass_ns - sa.node_loop.pass_ns;
        L.emit += sb.node_loop.emit_ns - sa.node_loop.emit_ns;
        L.cpu += sb.node_loop.thread_cpu_ns - sa.node_loop.thread_cpu_ns;
        L.up += sb.node_loop.mono_ns - sa.node_loop.mono_ns;
        if (dp) L.means.push((sb.node_loop.pass_ns - sb.node_loop.emit_ns - sa.node_loop.pass_ns + sa.node_loop.emit_ns) / dp / 1e3);
      }
      for (const s of socks) s.destroy();
      await sleep(500);
    }
  }
  const z = summary(pooled[0], bucket), t = summary(pooled[clientsArg], bucket);
  const f = (x) => x.toFixed(0);
  console.log(`LOOP lag of a 10-ms timer on JPN's loop, ${roundsArg} x ${winS} s windows per case, alternating (µs, ${bucket}-µs buckets):`);
  console.log(`LOOP  0 WebSocket clients: n=${z.n} p50=${f(z.p50)} p99=${f(z.p99)} max=${f(z.max)} mean=${f(z.mean)}`);
  console.log(`LOOP ${clientsArg} WebSocket clients: n=${t.n} p50=${f(t.p50)} p99=${f(t.p99)} max=${f(t.max)} mean=${f(t.mean)} ` +
              `(the clients got ${got.frames} messages, ${got.events} events, ${got.snapshots} snapshots; ${connected} connections made, ${failed} failed)`);
  const winTotal = Number(roundsArg) * Number(winS);
  console.log(`LOOP one client's stream: ${(got.bytes / winTotal / 1024).toFixed(1)} KiB/s; by event (n/s, bytes/s): ` +
              [...got.kinds.entries()].sort((a, b) => b[1].bytes - a[1].bytes).map(([k, t]) => `${k} ${(t.n / winTotal).toFixed(1)}/s ${(t.bytes / winTotal / 1024).toFixed(1)} KiB/s`).join('; '));
  const pct = (a, p) => { if (!a.length) return NaN; const v = [...a].sort((x, y) => x - y); return v[Math.min(v.length - 1, Math.floor(v.length * p))]; };
  console.log(`LOOP the clients: server push -> client n=${got.lat.length} p50=${pct(got.lat, 0.5)} p99=${pct(got.lat, 0.99)} max=${got.lat.reduce((a, b) => Math.max(a, b), 0)} ms`);
  const share = (x) => (x.up ? (100 * x.ns / x.up).toFixed(2) : '-');
  console.log(`LOOP the web server's own time on JPN's loop: ${share(busy[0])}% with 0 clients, ${share(busy[clientsArg])}% with ${clientsArg} ` +
              `(slowdown of the loop by the clients: ${busy[0].up && busy[clientsArg].up ? (100 * (busy[clientsArg].ns / busy[clientsArg].up - busy[0].ns / busy[0].up)).toFixed(2) : '-'} percentage points of its time)`);
  const cshare = (x) => (x.up ? (100 * x.cpu / x.up).toFixed(2) : '-');
  console.log(`LOOP the web server's CPU time on JPN's loop thread (CLOCK_THREAD_CPUTIME_ID, not the waits for a core): ${cshare(busy[0])}% with 0 clients, ${cshare(busy[clientsArg])}% with ${clientsArg} ` +
              `(${busy[0].up && busy[clientsArg].up ? (100 * (busy[clientsArg].cpu / busy[clientsArg].up - busy[0].cpu / busy[0].up)).toFixed(2) : '-'} points)`);
  if (pid) {
    const c0 = cpu[0], c1 = cpu[clientsArg], pc = (x, w) => (w ? (100 * x / w).toFixed(2) : '-');
    console.log(`LOOP JPN's loop thread CPU (schedstat, % of a core over the windows): ${pc(c0.loop, c0.wall)}% with 0 clients, ${pc(c1.loop, c1.wall)}% with ${clientsArg} ` +
                `(slowdown: ${c0.loop && c0.wall && c1.wall ? (100 * ((c1.loop / c1.wall) / (c0.loop / c0.wall) - 1)).toFixed(1) : '-'}% more loop CPU per second); ` +
                `waiting for a core ${pc(c0.loopWait, c0.wall)}% / ${pc(c1.loopWait, c1.wall)}%; the whole mwxd ${pc(c0.all, c0.wall)}% / ${pc(c1.all, c1.wall)}%`);
  }
  // the loop's slowdown by the clients (issue 15's 5%): the node's mean pass (wall, without the
  // subscribers' part) with the clients against without, the same in the alternating windows;
  // beside it the loop thread's CPU share and the subscribers' (emit) time per pass
  const L0 = loop[0], L1 = loop[clientsArg];
  const mp = (L) => (L.passes ? (L.pass - L.emit) / L.passes / 1e3 : NaN), me = (L) => (L.passes ? L.emit / L.passes / 1e3 : NaN);
  const cs = (L) => (L.up ? 100 * L.cpu / L.up : NaN), ps = (L) => (L.up ? L.passes / (L.up / 1e9) : NaN);
  const med = (a) => { if (!a.length) return NaN; const v = [...a].sort((x, y) => x - y); return v[Math.floor(v.length / 2)]; };
  for (const [k, L] of [[0, L0], [clientsArg, L1]])
    console.log(`LOOP node loop, ${k} clients: ${L.passes} passes (${ps(L).toFixed(1)}/s), mean pass ${mp(L).toFixed(0)} µs without the subscribers' ${me(L).toFixed(0)} µs ` +
                `(per window: ${L.means.map((x) => x.toFixed(0)).join(' ')}; median ${med(L.means).toFixed(0)}), loop thread CPU ${cs(L).toFixed(1)}% of the wall time`);
  console.log(`LOOP the loop's slowdown by ${clientsArg} clients: node pass mean ${(100 * (mp(L1) / mp(L0) - 1)).toFixed(1)}% ` +
              `(median of windows ${(100 * (med(L1.means) / med(L0.means) - 1)).toFixed(1)}%), loop thread CPU +${(cs(L1) - cs(L0)).toFixed(1)} points ` +
              `(${(100 * (cs(L1) / cs(L0) - 1)).toFixed(1)}% more), subscribers' time per pass ${me(L0).toFixed(0)} -> ${me(L1).toFixed(0)} µs`);
  const st = await stats();
  console.log(`LOOP /api/stats requests unanswered in 15 s (asked again): ${silences}`);
  console.log(`LOOP server: ws_clients=${st.ws_clients} ws_sent=${st.ws_sent} ws_frames=${st.ws_frames} ws_sealed=${st.ws_sealed} ws_dropped=${st.ws_dropped} ws_resyncs=${st.ws_resyncs} ws_snapshots=${st.ws_snapshots} ws_coalesced=${st.ws_coalesced} ws_sealed_bytes=${st.ws_sealed_bytes} ws_bytes=${st.ws_bytes} fused_walks=${st.fused_walks} fused_moved=${st.fused_moved} fused_refreshed=${st.fused_refreshed}` +
              ` slowest API call ${st.api_slowest ? `${st.api_slowest.call} ${st.api_slowest.ms.toFixed(1)} ms (all calls ${st.api_slowest.total_ms.toFixed(0)} ms)` : '-'}`);
  process.exit(failed ? 2 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
