// cop_page.js - speed of the web picture measured in the browser (Debian's
// chromium, playwright-core): run by bench/cop_page.sh against a running
// JPN node.
//   node cop_page.js URL SPKI NAME PASSWORD SECONDS PAGES
// Opens PAGES pages (logged in), lets them run SECONDS, then prints from the
// first page: node event -> arrival in the page (WebSocket) and -> drawn on
// the map (the first render after the data reached the map), p50/p99/max
// ms; frames per second (requestAnimationFrame, per 1-s window: mean and
// minimum); tracks drawn at the end.
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', 'web', 'node_modules', 'playwright-core'));
const [url, spki, name, pw, secs, pagesArg] = process.argv.slice(2);
const pct = (a, p) => { if (!a.length) return NaN; const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${spki}`],
  });
  const pages = [];
  for (let i = 0; i < Number(pagesArg || 1); i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await ctx.newPage();
    await page.goto(process.env.SHOT ? `${url}?shot` : url); // ?shot: a drawing buffer kept for the screenshot
    await page.fill('#login-name', name);
    await page.fill('#login-password', pw);
    await page.click('#login-submit');
    await page.waitForFunction(() => window.mwxCop && window.mwxCop.ready, null, { timeout: 30000 });
    pages.push(page);
  }
  const page = pages[0];
  const gl = await page.evaluate(() => { const g = document.createElement('canvas').getContext('webgl');
    const d = g && g.getExtension('WEBGL_debug_renderer_info'); return d ? g.getParameter(d.UNMASKED_RENDERER_WEBGL) : (g ? 'webgl' : 'no webgl'); });
  console.log(`PAGE chromium ${browser.version()}, WebGL renderer: ${gl}`);
  let cdp = null;
  if (process.env.PROFILE) { // the page's main thread, sampled by V8 (CDP Profiler), self time per function
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    await cdp.send('Profiler.start');
  }
  await page.evaluate(() => { for (const k of ['latencies', 'arrivals', 'trackArrivals', 'pushArrivals', 'setDataMs', 'handleMs', 'fusedWaitMs', 'anyArrivals']) window.mwxCop[k].length = 0; });
  // the browser's own part of push -> page: how late a 10-ms timer on the page's main thread runs
  // (a WebSocket message that arrives waits for the task in progress the same way), and the long
  // tasks (>= 50 ms: rendering, layout, the map's work) the main thread ran
  await page.evaluate(() => {
    window.__probe = { lag: [], long: [] };
    let last = performance.now();
    setInterval(() => { const n = performance.now(); window.__probe.lag.push(n - last - 10); last = n; }, 10);
    try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__probe.long.push(e.duration); }).observe({ type: 'longtask', buffered: false }); } catch (e) { /* no long tasks API */ }
  });
  const fps = [];
  for (let s = 0; s < Number(secs); s++) {
    const f0 = await page.evaluate(() => window.mwxCop.frames);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    const f1 = await page.evaluate(() => window.mwxCop.frames);
    fps.push((f1 - f0) * 1000 / (Date.now() - t0));
  }
  const r = await page.evaluate(() => ({
    lat: window.mwxCop.latencies.slice(), arr: window.mwxCop.arrivals.slice(), trk: window.mwxCop.trackArrivals.slice(), pa: window.mwxCop.pushArrivals.slice(),
    sd: window.mwxCop.setDataMs.slice(), hd: window.mwxCop.handleMs.slice(), fw: (window.mwxCop.fusedWaitMs || []).slice(),
    aa: (window.mwxCop.anyArrivals || []).slice(),
    tracks: window.mwxCop.trackLayer.drawn.length,
    fused: window.mwxCop.state.fused.size,
    updates: window.mwxCop.updates, snapshots: window.mwxCop.snapshots || 0,
    probe: window.__probe.lag.slice(), long: window.__probe.long.slice() }));
  const steady = fps.slice(2); // the first seconds load the page
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map(), byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas, total = dt.reduce((a, b) => a + b, 0);
    profile.samples.forEach((id, i) => {
      const n = byId.get(id), cf = n.callFrame;
      const k = `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.split('/').pop() : ''}:${cf.lineNumber + 1}`;
      self.set(k, (self.get(k) || 0) + (dt[i] || 0));
    });
    console.log(`PROFILE main thread ${(total / 1e6).toFixed(1)} s sampled; self time, top 20:`);
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20))
      console.log(`PROFILE ${(us / 1e3).toFixed(0).padStart(7)} ms ${(100 * us / total).toFixed(1).padStart(5)}%  ${k}`);
  }
  const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  console.log(`PAGE pages=${pages.length} s=${secs} events=${r.updates} symbols_drawn=${r.tracks} global_tracks=${r.fused} snapshots=${r.snapshots}`);
  console.log(`PAGE node->page  n=${r.arr.length} p50=${pct(r.arr, 0.5)} p99=${pct(r.arr, 0.99)} max=${Math.max(...r.arr)} ms`);
  console.log(`PAGE node->page (fused deltas from any_ms: the oldest node event of any kind since the last delta) n=${r.aa.length} p50=${pct(r.aa, 0.5)} p99=${pct(r.aa, 0.99)} max=${r.aa.length ? Math.max(...r.aa) : '-'} ms`);
  console.log(`PAGE node->drawn n=${r.lat.length} p50=${pct(r.lat, 0.5)} p99=${pct(r.lat, 0.99)} max=${Math.max(...r.lat)} ms`);
  console.log(`PAGE nation Track samples node->page n=${r.trk.length} p50=${pct(r.trk, 0.5)} p99=${pct(r.trk, 0.99)} max=${Math.max(...r.trk)} ms (coalesced, the tables)`);
  console.log(`PAGE fused deltas node event->server push n=${r.fw.length} p50=${pct(r.fw, 0.5)} p99=${pct(r.fw, 0.99)} max=${r.fw.length ? Math.max(...r.fw) : '-'} ms (the node's part: fusion, the flush)`);
  console.log(`PAGE every event server push->page n=${r.pa.length} p50=${pct(r.pa, 0.5)} p99=${pct(r.pa, 0.99)} max=${Math.max(...r.pa)} ms (the web part alone)`);
  console.log(`PAGE main thread per frame with new map data: n=${r.sd.length} p50=${f1(pct(r.sd, 0.5))} p99=${f1(pct(r.sd, 0.99))} ms; per WebSocket message: n=${r.hd.length} p50=${f1(pct(r.hd, 0.5))} p99=${f1(pct(r.hd, 0.99))} ms`);
  console.log(`PAGE main thread 10-ms timer lateness (the browser's wait for its main thread) n=${r.probe.length} p50=${f1(pct(r.probe, 0.5))} p99=${f1(pct(r.probe, 0.99))} max=${f1(Math.max(...r.probe))} ms; long tasks n=${r.long.length} total=${f1(r.long.reduce((a, b) => a + b, 0))} ms max=${r.long.length ? f1(Math.max(...r.long)) : '-'} ms`);
  console.log(`PAGE fps mean=${(steady.reduce((a, b) => a + b, 0) / steady.length).toFixed(1)} min=${Math.min(...steady).toFixed(1)}`);
  if (process.env.SHOT) { await page.screenshot({ path: process.env.SHOT }); console.log(`PAGE screenshot ${process.env.SHOT}`); }
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
