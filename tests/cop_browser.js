// cop_browser.js - drives Debian's chromium (playwright-core from web/'s
// npm lock) against a running JPN node's web picture; run by
// tests/cop_browser.sh, which starts the nodes and checks the journal.
//
//   node cop_browser.js URL SPKI_SHA256_B64 OUT_JSON
//   env: OFFICER, OFFICER_PW, VIEWER, VIEWER_PW, IDLE_S (session idle time-out of the node),
//        SHOT (where the screenshot of JPN's page goes)
//
// Prints one "ok"/"FAIL" line per check and writes OUT_JSON with what the
// shell checks next ({"approved_item": N, ...}).  Exit status: failures.
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require(path.join(__dirname, '..', 'web', 'node_modules', 'playwright-core'));

const [url, spki, outJson] = process.argv.slice(2);
const env = process.env;
let fails = 0;
const ok = (m) => console.log(`ok   - ${m}`);
const bad = (m) => { console.log(`FAIL - ${m}`); fails++; };
const check = (cond, m, detail) => (cond ? ok(m) : bad(detail ? `${m}: ${detail}` : m));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// fetch from inside the page (the page's cookies, origin and SameSite rules)
async function call(page, method, p, body, csrf) {
  return page.evaluate(async ([method, p, body, csrf]) => {
    const headers = {};
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const r = await fetch(p, { method, headers, body: body === null ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { status: r.status, data };
  }, [method, p, body, csrf]);
}

async function login(page, name, pw) {
  await page.goto(url);
  await page.waitForSelector('#login-form', { state: 'visible', timeout: 20000 });
  await page.fill('#login-name', name);
  await page.fill('#login-password', pw);
  await page.click('#login-submit');
}

// rendered features of a layer (what MapLibre drew, not the DOM)
async function rendered(page, layer) {
  return page.evaluate((layer) => {
    // the track symbols and the slow layers (ground tracks, ellipses, corridors) are the page's
    // own canvas layers (web/src/layers.js: what their last draw painted in view), the static
    // ones (zones, alert regions) are drawn by MapLibre on the base map (mwxCop.base)
    if (!window.mwxCop || !window.mwxCop.ready) return [];
    if (layer === 'tracks') return window.mwxCop.trackLayer.drawn.map((d) => ({ ...d }));
    const pic = window.mwxCop.pictureLayer.drawn[layer];
    if (pic) return pic.map((d) => ({ ...d }));
    const m = [window.mwxCop.base].find((x) => x && x.getLayer(layer));
    if (!m) return [];
    return m.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties);
  }, layer);
}

async function waitFor(fn, ms, step = 250) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(step);
  }
}

(async () => {
  const out = {};
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           // trust exactly the node's web key (its SPKI), nothing else
           `--ignore-certificate-errors-spki-list=${spki}`],
  });
  try {
    // ---- a wrong password
    const ctxO = await browser.newContext();
    const page = await ctxO.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await login(page, env.OFFICER, 'not-the-password');
    const err = await waitFor(async () => (await page.textContent('#login-error')) || null, 15000);
    check(err && /wrong name or password/.test(err), 'a wrong password is refused', err);
    check(await page.isHidden('#app'), 'nothing of the picture is shown without a log-in');
    const anon = await call(page, 'GET', '/api/picture', null, null);
    check(anon.status === 401, 'GET /api/picture without a session: 401', anon.status);

    // ---- the release officer logs in over HTTPS
    await login(page, env.OFFICER, env.OFFICER_PW);
    const who = await waitFor(async () => { const t = await page.textContent('#who'); return t && t.includes('release_officer') ? t : null; }, 20000);
    check(who && who.includes(env.OFFICER), `logged in as ${env.OFFICER} over ${new URL(url).protocol}`, who);
    const cookies = await ctxO.cookies();
    const sc = cookies.find((c) => c.name === 'mwx_session');
    check(sc && sc.secure && sc.httpOnly && sc.sameSite === 'Strict', 'session cookie is Secure, HttpOnly, SameSite=Strict',
          JSON.stringify(sc));
    const jsCookie = await page.evaluate(() => document.cookie);
    check(!jsCookie.includes('mwx_session'), 'the page script cannot read the session cookie');

    // ---- KOR's track appears on the map (rendered features) as part of a global track (one symbol per
    // missile, coloured by the nations contributing), with its ground track and an impact ellipse
    const byKor = (p) => String(p.contributors).split(',').includes('KOR');
    // (a KOR track the fuser cannot take, e.g. without covariance, is drawn on its own)
    const korTrack = await waitFor(async () => (await rendered(page, 'tracks')).find((p) => byKor(p) && String(p.members).includes('KOR-')), 90000);
    // and its pixels are on the canvas: the colour at the centre of the topmost symbol there is that symbol's
    const px = korTrack && await page.evaluate(() => {
      // (in one go: the symbols move between two calls)
      const L = window.mwxCop.trackLayer, dpr = window.devicePixelRatio || 1;
      const k = L.drawn.find((d) => String(d.contributors).split(',').includes('KOR') && String(d.members).includes('KOR-'));
      if (!k) return null;
      const top = L.drawn.filter((d) => Math.hypot(d.x - k.x, d.y - k.y) < 3).pop();
      const d = L.ctx.getImageData(Math.round(k.x * dpr), Math.round(k.y * dpr), 1, 1).data;
      const want = /^rgb\((\d+),(\d+),(\d+)\)$/.exec(top.color) || /^#(..)(..)(..)$/.exec(top.color);
      const rgb = want ? want.slice(1, 4).map((v) => (top.color[0] === '#' ? parseInt(v, 16) : Number(v))) : [];
      return { got: [...d], want: rgb, same: d[3] === 255 && rgb.length === 3 && rgb.every((v, i) => Math.abs(v - d[i]) <= 2) };
    });
    check(px && px.same, `KOR's symbol is painted on the map's track layer (pixel ${px ? px.got.join(',') : '-'} = colour ${px ? px.want.join(',') : '-'})`);
    check(korTrack, `KOR's track is drawn on JPN's map (${korTrack ? `${korTrack.g ? `in global track ${korTrack.g}` : 'on its own'}, members ${korTrack.members}, by ${korTrack.contributors}, colour ${korTrack.color}` : 'none'})`);
    // (the first fused track may come a moment after a nation's first track)
    const all = (await waitFor(async () => { const f = await rendered(page, 'tracks'); return f.some((p) => p.g) ? f : null; }, 60000)) ||
                await rendered(page, 'tracks');
    const fusedSyms = all.filter((p) => p.g), gs = fusedSyms.map((p) => p.g);
    const members = all.flatMap((p) => String(p.members).split(','));
    check(fusedSyms.length > 0 && new Set(gs).size === gs.length && new Set(members).size === members.length,
          `one symbol per global track, no nation's track drawn twice (${all.length} symbols: ${all.map((p) => `${p.g || '-'}[${p.members}]`).join(' ')})`);
    const mixed = all.find((p) => String(p.contributors).split(',').length > 1);
    check(!mixed || /^rgb\(/.test(mixed.color) && mixed.color !== (await page.evaluate(() => colorOf(['KOR']))),
          `a track of several nations has a mixed colour (${mixed ? `${mixed.contributors}: ${mixed.color}` : 'none with several'})`);
    const trail = await waitFor(async () => (await rendered(page, 'trails')).find(byKor), 30000);
    check(trail, "its ground track is drawn");
    const ell = await waitFor(async () => (await rendered(page, 'impact-ell')).length ? await rendered(page, 'impact-ell') : null, 90000);
    check(ell, `an impact point's 95% ellipse is drawn (${ell ? ell.map((p) => `g ${p.g} ${p.id} ${Number(p.major_km).toFixed(1)} km`).join(', ') : 'none'})`);
    // and its pixels are on the slow layers' canvas: the predicted impact point's white dot with a
    // rim of the missile's colour
    const ipx = ell && await page.evaluate(() => {
      const L = window.mwxCop.pictureLayer, dpr = window.devicePixelRatio || 1, p = (L.drawn['impact-pt'] || [])[0];
      if (!p) return null;
      const at = (x, y) => [...L.ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data];
      const want = /^rgb\((\d+),(\d+),(\d+)\)$/.exec(p.color) || /^#(..)(..)(..)$/.exec(p.color);
      const rgb = want ? want.slice(1, 4).map((v) => (p.color[0] === '#' ? parseInt(v, 16) : Number(v))) : [];
      const rim = at(p.x + 4, p.y);
      return { centre: at(p.x, p.y), rim, want: rgb, same: rim[3] > 128 && rgb.length === 3 && rgb.every((v, i) => Math.abs(v - rim[i]) <= 3) };
    });
    check(ipx && ipx.centre.join(',') === '255,255,255,255' && ipx.same,
          `the predicted impact point is painted (centre ${ipx ? ipx.centre.join(',') : '-'}, rim ${ipx ? ipx.rim.join(',') : '-'} = colour ${ipx ? ipx.want.join(',') : '-'})`);
    out.tracks_seen = (await rendered(page, 'tracks')).map((p) => `${p.g}:${p.contributors}`);

    // ---- the zone layers (from the build's zone file: mwx geo zones-geojson) are drawn
    const ts = await waitFor(async () => { const f = await rendered(page, 'ts'); return f.some((p) => p.nation === 'JPN') && f.some((p) => p.nation === 'KOR') ? f : null; }, 20000);
    check(ts, `territorial sea limits of JPN and KOR are drawn (${ts ? new Set(ts.map((p) => p.nation)).size : 0} nations)`);
    const eez = await rendered(page, 'eez');
    check(eez.some((p) => p.nation === 'JPN'), `JPN's EEZ limit is drawn (${[...new Set(eez.map((p) => p.nation))].join(',')})`);
    // land and coastlines are the same zone file's (its "land" and "coast" layers), no other geography
    const land = new Set((await rendered(page, 'land')).map((p) => p.nation));
    const coast = new Set((await rendered(page, 'coast')).map((p) => p.nation));
    check(['JPN', 'KOR', 'PRK', 'CHN', 'RUS'].every((n) => land.has(n) && coast.has(n)),
          `land and coasts from the zone file are drawn (land ${[...land].sort().join(',')}; coast ${coast.size} nations)`);
    const geo = await page.evaluate(() => Object.values(window.mwxCop.base.getStyle().sources).map((s) => s.data));
    check(geo.length === 1 && /zones\.json$/.test(String(geo[0])), `the map has one geographic source, the zone file's zones.json (${geo.join(',')})`);
    const regs = new Set((await rendered(page, 'regions')).map((p) => p.region));
    check(regs.has('Hokkaido') && regs.has('Kagoshima') && regs.has('North Gyeongsang'),
          `prefectures and provinces are drawn (${regs.size}, Hokkaido, Kagoshima, North Gyeongsang among them)`);
    // the overflight corridor of a prediction with its launch point
    const cor = await waitFor(async () => { const f = await rendered(page, 'corridor'); return f.length ? f : null; }, 60000);
    check(cor, `an overflight corridor is drawn (${cor ? cor.map((p) => `g ${p.g} ${p.id}`).join(', ') : 'none'})`);
    // the missile's timeline, built from the pushed events
    const steps = await waitFor(async () => page.evaluate(() => {
      for (const m of document.querySelectorAll('#missiles > li')) {
      const done = [...m.querySelectorAll('li.done')];
      const ids = done.map((l) => l.dataset.step);
      if (!['launch', 'own', 'partner', 'impact', 'zone', 'alert'].every((k) => ids.includes(k))) continue;
      // every step done has its time (UTC) and, after the launch, its time after the launch
      const timed = done.every((l) => /\d\d:\d\d:\d\d UTC/.test(l.querySelector('time') ? l.querySelector('time').textContent : '') &&
                                     (l.dataset.step === 'launch' || /T\+-?\d+ s/.test(l.textContent)));
      if (timed) return `missile ${m.dataset.missile}: ` + done.map((l) => l.textContent).join(' | ');
      }
      return null;
    }), 60000);
    check(steps, `a missile's timeline has launch, first own track, first partner data, first impact prediction, zone call and alert, each with its time (${steps})`);
    // the steps in the order a missile makes them: nothing before its launch, the zone call not before the
    // first impact prediction it comes with, the alert not before the node's first track of it
    const order = await page.evaluate(() => {
      for (const m of document.querySelectorAll('#missiles > li')) {
        const t = {};
        for (const l of m.querySelectorAll('li.done')) {
          const x = /T\+(-?\d+) s/.exec(l.textContent);
          t[l.dataset.step] = l.dataset.step === 'launch' ? 0 : x ? Number(x[1]) : NaN;
        }
        if (['launch', 'own', 'partner', 'impact', 'zone', 'alert'].every((k) => k in t)) return t;
      }
      return null;
    });
    check(order && Object.values(order).every((v) => v >= 0) && order.zone >= order.impact,
          `the timeline's steps come after the launch, the zone call with or after the first impact prediction (${JSON.stringify(order)})`);
    // an Alert sample fills its regions: the node's own alert on 2022-11-18 is JPN's information
    // (no regions: the impact is at sea), so the page's own handler is given a land warning and
    // its cancel, as pushed events would be (after the timeline's alert step was asserted above)
    const alertFill = await page.evaluate(async () => {
      window.mwxCop.onEvent({ type: 'received', wall_ms: Date.now(), sample: { topic: 'Alert', originator: 'JPN', id: 'test-A1',
        nation: 'JPN', severity: 3, action: 'issue', regions: 'Hokkaido,Aomori', text: 'test' } });
      await new Promise((r) => setTimeout(r, 1500));
      const m = window.mwxCop.base;
      const got = new Set(m.queryRenderedFeatures({ layers: ['alert-fill'] }).map((f) => f.properties.region));
      window.mwxCop.onEvent({ type: 'received', wall_ms: Date.now(), sample: { topic: 'Alert', originator: 'JPN', id: 'test-A1',
        nation: 'JPN', severity: 3, action: 'cancel', regions: 'Hokkaido,Aomori', text: 'test' } });
      await new Promise((r) => setTimeout(r, 1500));
      const after = m.queryRenderedFeatures({ layers: ['alert-fill'] }).length;
      return { got: [...got], after };
    });
    check(alertFill.got.length === 2 && alertFill.got.includes('Hokkaido') && alertFill.after === 0,
          `an alert fills exactly its regions (${alertFill.got}), its cancel clears them (${alertFill.after} left)`);
    // a missile whose steps have not happened shows "not yet" for each (the page's own handler is
    // given a fused track no node event has touched, then told it is gone)
    const notYet = await page.evaluate(async () => {
      const g = 4000000001;
      window.mwxCop.onEvent({ type: 'fused', wall_ms: Date.now(), tracks: [{ g, t_ms: Date.now(), lat_deg: 30, lon_deg: 150, alt_km: 1,
        contributors: ['USA'], members: ['USA-T999'], shared: false, coasting: false }], gone: [] });
      let li = null;
      for (let i = 0; i < 40 && !li; i++) { await new Promise((r) => setTimeout(r, 100)); li = document.querySelector(`#missiles > li[data-g="${g}"]`); }
      const steps = li ? [...li.querySelectorAll('li[data-step]')].map((l) => `${l.dataset.step}:${l.className}:${l.textContent}`) : [];
      window.mwxCop.onEvent({ type: 'fused', wall_ms: Date.now(), tracks: [], gone: [g] });
      return steps;
    });
    check(notYet.length === 6 && notYet.every((t) => /:todo:.*not yet$/.test(t)),
          `a missile's steps that have not happened show 'not yet' (${notYet.join(' | ')})`);
    await page.screenshot({ path: env.SHOT || path.join(path.dirname(outJson), 'jpn-page.png') });

    // ---- the release queue: approve a held item
    const sess = await call(page, 'GET', '/api/session', null, null);
    const csrf = sess.data && sess.data.csrf;
    const row = await waitFor(async () => page.$('#queue button.approve'), 60000);
    check(row, 'a held item with an approve button is in the queue');
    let item = null;
    if (row) {
      item = Number(await row.getAttribute('data-id'));
      // the queue is re-read every 5 s; a table is touched only where it changed, so the button
      // stays the same element (not rebuilt under the operator's pointer) and the rows' cells too
      const kept = await page.evaluate(async (id) => {
        const b = document.querySelector(`#queue button.approve[data-id="${id}"]`), rows = document.querySelectorAll('#partners tbody tr');
        const names = [...rows].map((r) => r.cells[0]);
        await new Promise((r) => setTimeout(r, 6500)); // past a queue refresh and six partner-table refreshes
        const now = [...document.querySelectorAll('#partners tbody tr')].map((r) => r.cells[0]);
        return { button: b.isConnected && document.querySelector(`#queue button.approve[data-id="${id}"]`) === b,
                 partners: names.length > 0 && names.length === now.length && names.every((c, i) => c === now[i]), n: names.length };
      }, item);
      check(kept.button && kept.partners, `tables are not rebuilt when unchanged: the approve button and the partners' cells (${kept.n} rows) are the same elements after 6.5 s of refreshes`,
            JSON.stringify(kept));
      // missing CSRF token: refused, item still pending
      const noCsrf = await call(page, 'POST', '/api/release/approve', { id: item }, null);
      check(noCsrf.status === 403, 'approve without the CSRF token: 403', JSON.stringify(noCsrf));
      const wrongCsrf = await call(page, 'POST', '/api/release/approve', { id: item }, 'ab'.repeat(32));
      check(wrongCsrf.status === 403, 'approve with a wrong CSRF token: 403', wrongCsrf.status);
      const badBody = await call(page, 'POST', '/api/release/approve', { id: item, extra: 1 }, csrf);
      check(badBody.status === 400 && /extra/.test(badBody.data.error), 'an unknown key in the body: 400 naming it', JSON.stringify(badBody.data));
      await page.click(`#queue button.approve[data-id="${item}"]`);
      const msg = await waitFor(async () => { const t = await page.textContent('#queue-msg'); return t && t.includes('approved') ? t : null; }, 15000);
      check(msg && msg.includes(env.OFFICER), `item ${item} approved on the page by ${env.OFFICER}`, msg);
      const again = await call(page, 'POST', '/api/release/approve', { id: item }, csrf);
      check(again.status === 409, 'approving it twice: 409', again.status);
      out.approved_item = item;
    }

    // ---- a viewer may look but not decide
    const ctxV = await browser.newContext();
    const pv = await ctxV.newPage();
    await login(pv, env.VIEWER, env.VIEWER_PW);
    const vwho = await waitFor(async () => { const t = await pv.textContent('#who'); return t && t.includes('viewer') ? t : null; }, 20000);
    check(vwho, 'the viewer logs in', vwho);
    await waitFor(async () => pv.$('#queue tbody tr'), 20000);
    check(!(await pv.$('#queue button.approve')), 'the viewer gets no approve buttons');
    const vs = await call(pv, 'GET', '/api/session', null, null);
    const q = await call(pv, 'GET', '/api/queue', null, null);
    const pending = q.data && q.data.items && q.data.items.find((i) => i.id !== item);
    const vtry = await call(pv, 'POST', '/api/release/approve', { id: pending ? pending.id : 1 }, vs.data.csrf);
    check(vtry.status === 403 && /release_officer/.test(vtry.data.error), 'a viewer approving: 403', JSON.stringify(vtry));
    out.viewer_tried_item = pending ? pending.id : null;

    // ---- an idle session expires
    await pv.close(); // no page of the viewer polls any more
    const idle = Number(env.IDLE_S || 10);
    await sleep((idle + 2) * 1000);
    const pv2 = await ctxV.newPage();
    await pv2.goto(url);
    const exp = await call(pv2, 'GET', '/api/session', null, null);
    check(exp.status === 401, `the viewer's session expired after ${idle} s idle: 401`, exp.status);
    const expQ = await call(pv2, 'GET', '/api/queue', null, null);
    check(expQ.status === 401, 'and so does every API call with it', expQ.status);
    // the officer's page kept polling: still in
    const still = await call(page, 'GET', '/api/session', null, null);
    check(still.status === 200, "the officer's active session is still valid", still.status);

    // ---- partner status: KOR's journal head from its signed NodeStatus (every 30 s)
    const head = await waitFor(async () => page.evaluate(() => {
      const r = document.querySelector('#partners tbody tr[data-nation="KOR"]');
      const c = r && r.cells[8];
      return c && /^\d+ [0-9a-f]{12}…$/.test(c.textContent) ? c.textContent : null;
    }), 40000);
    check(head, "the partners' table shows KOR's journal head (record id, chain hash) from its NodeStatus", head);
    // signature failures, revoked keys and replays are their own columns (the node's structured DROPPED
    // reason; the numbers are the node's own partner counts, src/cop/cop_push.c partner_counts)
    const cols = await page.evaluate(() => {
      const h = [...document.querySelectorAll('#partners thead th')].map((c) => c.textContent);
      const r = document.querySelector('#partners tbody tr[data-nation="KOR"]');
      return { h, sig: r && r.cells[4].textContent, rev: r && r.cells[5].textContent, rep: r && r.cells[6].textContent,
               other: r && r.cells[7].textContent };
    });
    check(cols.h[4] === 'sig. failures' && cols.h[5] === 'revoked' && cols.h[6] === 'replays' && cols.h[7] === 'other refused' &&
          [cols.sig, cols.rev, cols.rep, cols.other].every((v) => /^\d+$/.test(v || '')),
          `the partners' table counts signature failures, revoked keys, replays and other refusals apart (KOR: ${cols.sig} / ${cols.rev} / ${cols.rep} / ${cols.other})`);

    // ---- live updates: latency figures the page measured (for the report, not asserted)
    out.latencies_ms = await page.evaluate(() => window.mwxCop.latencies.slice());
    out.updates = await page.evaluate(() => window.mwxCop.updates);

    // ---- log-in attempts are rate-limited (last: it locks this address out for a minute)
    let limitedAt = 0;
    for (let i = 1; i <= 8 && !limitedAt; i++) {
      const r = await call(pv2, 'POST', '/api/login', { name: env.VIEWER, password: `wrong-${i}-password` }, null);
      if (r.status === 429) limitedAt = i;
    }
    const right = await call(pv2, 'POST', '/api/login', { name: env.VIEWER, password: env.VIEWER_PW }, null);
    check(limitedAt > 0 && right.status === 429, `log-ins refused (429) after repeated failures (at attempt ${limitedAt}), the right password too`,
          `limited at ${limitedAt}, right password ${right.status}`);
  } catch (e) {
    bad(`exception: ${e.stack || e}`);
  } finally {
    await browser.close();
    fs.writeFileSync(outJson, JSON.stringify(out));
  }
  process.exit(fails);
})();
