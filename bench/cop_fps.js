// cop_fps.js - the page alone under a synthetic 100-missile feed: no node,
// no DDS (no lock needed), the built page (BUILD/web) served to Debian's
// chromium by playwright's routing, the API and the WebSocket answered here.
//   node bench/cop_fps.js BUILD_DIR [SECONDS] [MISSILES] [HZ] [PROFILE]
// Every 25 ms one WebSocket message carries the fused-track changes of that
// slot (each missile's fused track changes HZ times a second, default 4)
// and one nation Track sample per missile and nation (3 nations, 1 Hz);
// each missile gets its launch point at once and a new impact prediction
// (a shrinking 95% ellipse) every 2 s, so the page draws what it draws with
// the real salvo: 100 symbols, ground tracks, launch and impact ellipses,
// corridors (the counts drawn are printed).  Prints FPS lines: frames per second (requestAnimationFrame,
// per 1-s window), message -> drawn (ms, the page's own part of the
// latency), main-thread time per frame with new data and per message, and
// with PROFILE=1 the main thread's self time per function (CDP Profiler).
// What the page does with the real nodes: bench/cop_page.sh.
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require(path.join(__dirname, '..', 'web', 'node_modules', 'playwright-core'));
const [build, secsArg, nArg, hzArg] = process.argv.slice(2);
const root = path.join(path.resolve(build), 'web');
const SECS = Number(secsArg || 20), N = Number(nArg || 100), HZ = Number(hzArg || 4);
const pct = (a, p) => { if (!a.length) return NaN; const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
const NAT = ['KOR', 'JPN', 'USA'];

// missile k: from one of four launch sites towards the Sea of Japan / the Pacific
function pos(k, t) {
  const site = [[125.67, 39.2], [126.9, 39.0], [127.5, 40.0], [125.0, 38.7]][k % 4];
  const az = (60 + (k * 7) % 60) * Math.PI / 180, v = 0.02 + (k % 5) * 0.004; // deg / s
  return [site[0] + Math.sin(az) * v * t, site[1] + Math.cos(az) * v * t * 0.6];
}
function fusedTrack(k, t, full) {
  const [lon, lat] = pos(k, t), con = k % 3 === 0 ? ['JPN', 'KOR', 'USA'] : k % 3 === 1 ? ['JPN', 'USA'] : ['JPN'];
  const o = { g: 1000 + k, t_ms: 1.672e12 + t * 1000, lat_deg: lat, lon_deg: lon, alt_km: 300 + k, contributors: con,
              members: con.map((n) => `${n}-T${k + 1}`), shared: con.length > 1, coasting: false };
  if (full) {
    const s = pos(k, 0);
    o.launch = { from: 'KOR', launch_time_ms: 1.672e12, lat_deg: s[1], lon_deg: s[0], err_major_km: 3, err_minor_km: 1.5, err_orient_deg: 30 };
  }
  if (full || Math.floor(t * HZ) % (2 * HZ) === 0) {
    const [ilon, ilat] = pos(k, 900);
    o.impact = { id: `JPN-G${1000 + k}`, time_ms: o.t_ms, impact_time_ms: 1.672e12 + 9e5, lat_deg: ilat, lon_deg: ilon,
                 ell_major_km: Math.max(5, 200 - t), ell_minor_km: Math.max(2, 80 - t / 2), ell_orient_deg: 70 };
  }
  return o;
}
function nationTrack(k, n, t) {
  const [lon, lat] = pos(k, t);
  return { type: n === 'JPN' ? 'sample' : 'received', wall_ms: Date.now(), t_s: t, partner: n === 'JPN' ? '' : n,
           sample: { topic: 'Track', originator: n, id: `${n}-T${k + 1}`, global_track_no: 1000 + k, time_ms: 1.672e12 + t * 1000,
                     lat_deg: lat, lon_deg: lon, alt_km: 300, speed_mps: 3000, phase: 'midcourse', quality: 0.9, contributors: [n],
                     classification: 'SECRET', releasable_to: NAT, rule: 'x', seq: Math.floor(t) } };
}

// CPU time (ms) of a process and all its descendants (/proc): the browser's own cost, whatever
// else the machine runs
function treeCpuMs(root) {
  const kids = new Map(), cpu = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8'), f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const pid = Number(d), ppid = Number(f[1]);
      cpu.set(pid, Number(f[11]) + Number(f[12]));
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(pid);
    } catch (e) { /* gone */ }
  }
  let ticks = 0;
  const walk = (p) => { if (p !== root) ticks += cpu.get(p) || 0; for (const k of kids.get(p) || []) walk(k); };
  walk(root); // (the descendants: chromium's processes, not this script)
  return ticks * 10; // USER_HZ 100
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await ctx.newPage();
  page.on('crash', () => console.error('FPS the page crashed'));
  page.on('pageerror', (e) => console.error(`FPS page error: ${e.message}`));
  browser.on('disconnected', () => console.error('FPS the browser went away'));
  const t0 = Date.now();
  await page.route('https://mwx.test/**', async (route) => {
    const u = new URL(route.request().url());
    if (u.pathname === '/api/session') return route.fulfill({ json: { name: 'bench', role: 'viewer', csrf: 'x'.repeat(64), nation: 'JPN', idle_s: 1800 } });
    if (u.pathname === '/api/queue') return route.fulfill({ json: { items: [], sim_t_s: 0 } });
    if (u.pathname === '/api/picture') return route.fulfill({ json: { nation: 'JPN', epoch_ms: 1.672e12, sim_t_s: 0, fused: [], samples: [], partners: { KOR: { alive: true, last_ms: Date.now(), received: 0, dropped: 0 }, USA: { alive: true, last_ms: Date.now(), received: 0, dropped: 0 } }, push_seq: 0, server_ms: Date.now() } });
    const f = path.join(root, u.pathname === '/' ? 'index.html' : path.normalize(u.pathname).replace(/^\/+/, ''));
    if (!f.startsWith(root) || !fs.existsSync(f)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ body: fs.readFileSync(f), contentType: TYPES[path.extname(f)] || 'application/octet-stream' });
  });
  let timer = null, slot = 0;
  await page.routeWebSocket('wss://mwx.test/api/events', (ws) => {
    const slots = 1000 / 25;
    timer = setInterval(() => {
      const t = (Date.now() - t0) / 1000, evs = [];
      const tracks = [];
      for (let k = 0; k < N; k++) if ((k + slot) % Math.round(slots / HZ) === 0) tracks.push(fusedTrack(k, t, slot < slots && k < N));
      if (tracks.length) evs.push({ type: 'fused', wall_ms: Date.now(), t_s: t, tracks, gone: [] });
      for (let k = 0; k < N; k++) if ((k + slot) % slots === 0) for (const n of NAT) evs.push(nationTrack(k, n, t));
      slot++;
      if (evs.length) ws.send(JSON.stringify(evs));
    }, 25);
  });
  await page.goto(`https://mwx.test/?${process.env.MAP_MS ? `map_ms=${process.env.MAP_MS}` : ''}${process.env.SLOW_MS ? `&slow_ms=${process.env.SLOW_MS}` : ''}${process.env.SHOT ? '&shot' : ''}`);
  await page.waitForFunction(() => window.mwxCop && window.mwxCop.ready, null, { timeout: 60000 });
  const gl = await page.evaluate(() => { const g = document.createElement('canvas').getContext('webgl');
    const d = g && g.getExtension('WEBGL_debug_renderer_info'); return d ? g.getParameter(d.UNMASKED_RENDERER_WEBGL) : 'webgl'; });
  if (process.env.HIDE) await page.evaluate((h) => { for (const l of h.split(',')) { window.mwxCop.pictureLayer.hidden.add(l);
    if (window.mwxCop.base.getLayer(l)) window.mwxCop.base.setLayoutProperty(l, 'visibility', 'none'); } }, process.env.HIDE);
  await page.evaluate(() => { const c = window.mwxCop; c.renders = 0; c.baseRenders = 0;
    c.base.on('render', () => { c.baseRenders++; }); c.renders0 = c.trackLayer.draws; });
  await new Promise((r) => setTimeout(r, 3000));
  await page.evaluate(() => { for (const k of ['latencies', 'arrivals', 'setDataMs', 'handleMs']) window.mwxCop[k].length = 0; });
  let cdp = null;
  if (process.env.PROFILE) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    await cdp.send('Profiler.start');
  }
  const rr0 = await page.evaluate(() => [window.mwxCop.pictureLayer.draws, window.mwxCop.baseRenders]);
  const fps = [], r0 = await page.evaluate(() => window.mwxCop.trackLayer.draws), bpid = process.pid, c0 = treeCpuMs(bpid), w0 = Date.now();
  for (let s = 0; s < SECS; s++) {
    const f0 = await page.evaluate(() => window.mwxCop.frames), a = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    fps.push((await page.evaluate(() => window.mwxCop.frames) - f0) * 1000 / (Date.now() - a));
  }
  const r = await page.evaluate(() => ({ lat: window.mwxCop.latencies.slice(), arr: window.mwxCop.arrivals.slice(), sd: window.mwxCop.setDataMs.slice(),
    hd: window.mwxCop.handleMs.slice(), renders: window.mwxCop.trackLayer.draws, slowRenders: window.mwxCop.pictureLayer.draws, baseRenders: window.mwxCop.baseRenders,
    drawn: window.mwxCop.trackLayer.drawn.length,
    // what the slow layers' canvas drew (distinct global tracks per layer)
    slow: Object.fromEntries(['impact-ell', 'launch-ell', 'corridor', 'trails'].map((l) =>
      [l, new Set((window.mwxCop.pictureLayer.drawn[l] || []).map((p) => p.g)).size])) }));
  const cpuMs = treeCpuMs(bpid) - c0, wallMs = Date.now() - w0;
  const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  console.log(`FPS chromium CPU (all its processes) ${f1(cpuMs / wallMs * 100)}% of one core`);
  console.log(`FPS chromium ${browser.version()}, WebGL renderer: ${gl}; ${N} missiles, fused changes ${HZ} Hz each, ${SECS} s; symbols drawn ${r.drawn}`);
  console.log(`FPS drawn: ${r.drawn} symbols; missiles with an impact ellipse ${r.slow['impact-ell']}, launch ellipse ${r.slow['launch-ell']}, corridor ${r.slow.corridor}, ground track ${r.slow.trails}`);
  console.log(`FPS fps mean=${f1(fps.reduce((a, b) => a + b, 0) / fps.length)} min=${f1(Math.min(...fps))}; draws/s: track layer ${f1((r.renders - r0) / SECS)}; draws/s: slow layers ${f1((r.slowRenders - rr0[0]) / SECS)}; renders/s: base map ${f1((r.baseRenders - rr0[1]) / SECS)}${process.env.HIDE ? ` (hidden: ${process.env.HIDE})` : ''}`);
  console.log(`FPS message->page n=${r.arr.length} p50=${pct(r.arr, 0.5)} p99=${pct(r.arr, 0.99)} ms; message->drawn n=${r.lat.length} p50=${pct(r.lat, 0.5)} p99=${pct(r.lat, 0.99)} ms`);
  console.log(`FPS main thread per frame with new map data p50=${f1(pct(r.sd, 0.5))} p99=${f1(pct(r.sd, 0.99))} ms; per message p50=${f1(pct(r.hd, 0.5))} p99=${f1(pct(r.hd, 0.99))} ms`);
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map(), byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas, total = dt.reduce((a, b) => a + b, 0);
    profile.samples.forEach((id, i) => {
      const cf = byId.get(id).callFrame;
      const k = `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.split('/').pop() : ''}:${cf.lineNumber + 1}`;
      self.set(k, (self.get(k) || 0) + (dt[i] || 0));
    });
    console.log(`PROFILE main thread ${(total / 1e6).toFixed(1)} s sampled; self time, top 15:`);
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
      console.log(`PROFILE ${(us / 1e3).toFixed(0).padStart(7)} ms ${(100 * us / total).toFixed(1).padStart(5)}%  ${k}`);
  }
  if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT });
  clearInterval(timer);
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
