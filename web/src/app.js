// app.js - the common operational picture page served by mwxd (docs/api.md).
// Plain browser JavaScript, no framework; MapLibre GL (CSP build) from npm,
// bundled into the page at build time.  Nothing is loaded from outside the
// node: the map style, its land polygons and the worker come from mwxd.
'use strict';

const NATION_RGB = { KOR: [79, 157, 255], JPN: [255, 92, 92], USA: [63, 220, 111], AUS: [255, 200, 60] };
const state = {
  csrf: null, name: null, role: null, nation: null, epochMs: 0, simOffsetMs: 0,
  samples: new Map(),   // "ORIG|Topic|id" -> the newest sample (the nations' own tracks, launches, predictions)
  firstOf: new Map(),   // "ORIG|Topic|id" -> {type, t_ms, wall} of its first sample
  zoneOf: new Map(),    // "ORIG|ImpactPrediction|id" -> its first zone call
  fused: new Map(),     // global track no -> the fused track (what the map draws)
  memberOf: new Map(),  // a nation's local track id -> the global track no it is a member of
  missileByG: new Map(),// global track no -> {no, g}: the page's missile numbers
  alertOf: new Map(), alertFirst: new Map(),
  partners: {}, queue: [], timeline: [],
  alerts: new Map(),    // "ORIG|alert id" -> Alert sample in force (cancel removes it)
  ws: null, map: null,
};
// for the browser test and the benchmark (bench/cop_page.sh)
// latencies: ms from the node's event (wall_ms of a fused delta: the oldest
// node event whose sample changed an entry it carries) to the map having drawn it; arrivals: to its
// arrival in the page (WebSocket message); trackArrivals: the same for the
// nations' Track samples (coalesced, for the tables); pushArrivals: from the
// server's push (push_ms) of every event to its arrival (the web part
// alone); setDataMs: main-thread ms per frame spent building and handing
// over the picture's data (the symbols' canvas drawn, the slow layers'
// features built and painted); handleMs: per
// WebSocket message, handling its events; fusedWaitMs: per fused delta,
// its oldest node event -> the server's push of it (the node's part).
// A fused delta's wall_ms is the oldest node event among those whose
// samples changed the entries it carries; anyArrivals counts from its
// any_ms instead, the oldest node event of any kind since the last delta
// (the measure before the ninth session, docs/api.md)
window.mwxCop = { state, ready: false, applyAlertFilter, onEvent: (ev) => onEvent(ev), updates: 0, latencies: [], arrivals: [], frames: 0,
                  trackArrivals: [], pushArrivals: [], setDataMs: [], handleMs: [], fusedWaitMs: [], anyArrivals: [], snapshots: 0 };

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function colorOf(nations) {
  const list = (nations && nations.length ? nations : ['?']).filter((n) => NATION_RGB[n]);
  if (!list.length) return '#c0c0c0';
  const rgb = [0, 1, 2].map((i) => Math.round(list.reduce((s, n) => s + NATION_RGB[n][i], 0) / list.length));
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') { headers['Content-Type'] = 'application/json'; if (state.csrf) headers['X-CSRF-Token'] = state.csrf; }
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  let data = null;
  try { data = await r.json(); } catch (e) { data = { error: `HTTP ${r.status}` }; }
  return { status: r.status, data };
}

// ---- log-in -------------------------------------------------------------
function showLogin(msg) {
  $('login').hidden = false; $('app').hidden = true; $('logout').hidden = true;
  $('login-error').textContent = msg || '';
}

async function start(session) {
  Object.assign(state, { csrf: session.csrf, name: session.name, role: session.role, nation: session.nation });
  $('login').hidden = true; $('app').hidden = false; $('logout').hidden = false;
  $('nation').textContent = session.nation;
  $('who').textContent = `${session.name} (${session.role})`;
  if (!state.map) initMap();
  await refreshPicture();
  await refreshQueue();
  openPush();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await api('POST', '/api/login', { name: $('login-name').value, password: $('login-password').value });
  $('login-password').value = '';
  if (r.status === 200) start(r.data);
  else showLogin(r.data.error || `refused (${r.status})`);
});
$('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout', {});
  if (state.ws) state.ws.close();
  state.csrf = null;
  showLogin('logged out');
});

// ---- the picture ----------------------------------------------------------
// The map draws the node's fused picture: one symbol per global track (a
// missile), coloured by the nations whose data made it, with its ground
// track, launch point, predicted impact and corridor ("fused" messages,
// docs/api.md).  The nations' own samples (Track, LaunchEvent,
// ImpactPrediction, Alert) feed the tables, the alerts and the timelines.
// Three layers on one camera, one canvas above the other: the static base
// map (MapLibre: land, zones, alert regions) and two 2-D canvases the page
// paints itself at the map's projection (layers.js): the slow layers
// (ground tracks, launch and impact ellipses, corridors: painted again at
// most every 250 ms) and, on top, the track symbols (every frame that
// changed them or the camera).  A MapLibre map redraws all its layers on
// any change, and without a GPU (software WebGL) every redraw costs
// ~100-250 ms of CPU; the canvases cost a few ms.
const dirty = new Set();          // map sources to set on the next frame
const SOURCES = ['tracks', 'trails', 'launches', 'impacts', 'impactPts', 'corridors'];
const SLOW = new Set(['trails', 'launches', 'impacts', 'impactPts', 'corridors']); // the slow layers' canvas (layers.js)
function keyOf(s) { return `${s.originator}|${s.topic}|${s.id}`; }

function putSample(s, ev) {
  const k = keyOf(s), old = state.samples.get(k);
  if (s.topic === 'Track') { // a nation's track: drawn itself while no fused track has it as a member
    if (!s.trail) s.trail = old && old.trail ? old.trail : [];
    if (Number.isFinite(s.lon_deg) && ev.type !== 'picture') { s.trail.push([s.lon_deg, s.lat_deg]); if (s.trail.length > 400) s.trail.shift(); }
    s.seen_ms = ev.type === 'picture' ? (s.updated_ms || Date.now()) : Date.now();
    if (!state.memberOf.has(s.id)) { dirty.add('tracks'); dirty.add('trails'); }
  }
  state.samples.set(k, s);
  if (!state.firstOf.has(k)) state.firstOf.set(k, { type: ev.type, t_ms: sampleTime(s), wall: ev.wall_ms || Date.now() });
  if (s.topic === 'ImpactPrediction' && s.zone && s.zone !== 'unknown' && !state.zoneOf.has(k))
    state.zoneOf.set(k, { t_ms: sampleTime(s), text: `${s.zone}${s.zone_nation ? ' ' + s.zone_nation : ''} (${s.originator})` });
  tablesDue = true;
}
// a sample's time (its time of validity; a launch: the launch time), UTC ms
function sampleTime(s) { return s.topic === 'LaunchEvent' ? s.launch_time_ms : s.time_ms; }

function putFused(t, full) {
  const old = state.fused.get(t.g);
  const f = old || { g: t.g, trail: [] };
  if (full && Array.isArray(t.trail)) f.trail = t.trail.slice(-400);
  const moved = !old || old.t_ms !== t.t_ms;
  // a brief entry (its position only: nothing else changed, docs/api.md "fused") keeps the rest
  Object.assign(f, { t_ms: t.t_ms, lat_deg: t.lat_deg, lon_deg: t.lon_deg, alt_km: t.alt_km, coasting: t.coasting,
                     contributors: t.contributors || f.contributors || [], members: t.members || f.members || [],
                     shared: 'shared' in t ? t.shared : f.shared });
  if (t.launch) { f.launch = t.launch; dirty.add('launches'); dirty.add('corridors'); }
  if (t.impact) { f.impact = t.impact; dirty.add('impacts'); dirty.add('impactPts'); dirty.add('corridors'); }
  if (moved && Number.isFinite(t.lon_deg) && !full) { f.trail.push([t.lon_deg, t.lat_deg]); if (f.trail.length > 400) f.trail.shift(); }
  for (const m of f.members) state.memberOf.set(m, t.g);
  if (!old) missileOfG(t.g);
  state.fused.set(t.g, f);
  dirty.add('tracks'); dirty.add('trails');
}

async function refreshPicture() {
  const r = await api('GET', '/api/picture');
  if (r.status === 401) return showLogin('session ended: log in again');
  if (r.status === 200) applyPicture(r.data);
}
// the whole picture: GET /api/picture, or a "snapshot" pushed when the page fell too far behind
function applyPicture(d) {
  state.epochMs = d.epoch_ms;
  state.partners = d.partners || {};
  state.samples.clear();
  state.alerts.clear();
  state.fused.clear();
  state.memberOf.clear();
  for (const t of d.fused || []) putFused(t, true);
  for (const s of d.samples || []) {
    putSample(s, { type: 'picture', wall_ms: s.updated_ms });
    const first = state.firstOf.get(keyOf(s));
    if (first.wall === s.updated_ms) first.type = s.originator === state.nation ? 'sample' : 'received';
    if (s.topic === 'Alert') onAlert(s, null);
  }
  for (const k of SOURCES) dirty.add(k);
  missilesDue = true;
  renderPartners();
}

// at most one GET /api/queue in flight and one a second (a salvo's held
// events come by the hundred; each call reads the node's journal on its loop)
let queueBusy = false, queueAgain = false, queueLast = 0;
async function refreshQueue() {
  if (queueBusy) { queueAgain = true; return; }
  const wait = queueLast + 1000 - Date.now();
  if (wait > 0) { queueBusy = true; setTimeout(() => { queueBusy = false; refreshQueue(); }, wait); return; }
  queueBusy = true;
  queueLast = Date.now();
  try {
    const r = await api('GET', '/api/queue');
    if (r.status === 401) return showLogin('session ended: log in again');
    if (r.status === 200) { state.queue = r.data.items; renderQueue(); }
  } finally {
    queueBusy = false;
    if (queueAgain) { queueAgain = false; refreshQueue(); }
  }
}

// 95% ellipse (semi-axes km, orientation of the major axis from north) as a ring
function ellipse(lon, lat, aKm, bKm, orientDeg) {
  const th = (orientDeg || 0) * Math.PI / 180, ring = [];
  const kmLat = 111.32, kmLon = 111.32 * Math.cos(lat * Math.PI / 180);
  for (let i = 0; i <= 48; i++) {
    const t = 2 * Math.PI * i / 48, x = aKm * Math.cos(t), y = bKm * Math.sin(t);
    const east = x * Math.sin(th) + y * Math.cos(th), north = x * Math.cos(th) - y * Math.sin(th);
    ring.push([lon + east / kmLon, lat + north / kmLat]);
  }
  return ring;
}

// great circle from (lon1, lat1) to (lon2, lat2), n + 1 points
function greatCircle(lon1, lat1, lon2, lat2, n) {
  const r = Math.PI / 180, v = (lo, la) => [Math.cos(la * r) * Math.cos(lo * r), Math.cos(la * r) * Math.sin(lo * r), Math.sin(la * r)];
  const a = v(lon1, lat1), b = v(lon2, lat2), dot = Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]), om = Math.acos(dot), out = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n, ka = om > 1e-9 ? Math.sin((1 - t) * om) / Math.sin(om) : 1 - t, kb = om > 1e-9 ? Math.sin(t * om) / Math.sin(om) : t;
    const p = [0, 1, 2].map((k) => ka * a[k] + kb * b[k]);
    out.push([Math.atan2(p[1], p[0]) / r, Math.atan2(p[2], Math.hypot(p[0], p[1])) / r]);
  }
  return out;
}
// the corridor: the great circle launch -> impact widened by halfKm on each side
function corridor(lon1, lat1, lon2, lat2, halfKm) {
  const line = greatCircle(lon1, lat1, lon2, lat2, 32), left = [], right = [];
  for (let i = 0; i < line.length; i++) {
    const [x0, y0] = line[Math.max(0, i - 1)], [x1, y1] = line[Math.min(line.length - 1, i + 1)];
    const kmLon = 111.32 * Math.cos(line[i][1] * Math.PI / 180);
    const de = (x1 - x0) * kmLon, dn = (y1 - y0) * 111.32, n = Math.hypot(de, dn) || 1;
    const oe = -dn / n * halfKm, on = de / n * halfKm; // to the left of the direction of flight
    left.push([line[i][0] + oe / kmLon, line[i][1] + on / 111.32]);
    right.push([line[i][0] - oe / kmLon, line[i][1] - on / 111.32]);
  }
  return [...left, ...right.reverse(), left[0]];
}

// regions under an alert in force: what the 'alert-fill' layer fills
function alertedRegions() {
  const names = new Set();
  for (const a of state.alerts.values()) for (const r of String(a.regions || '').split(',')) if (r.trim()) names.add(r.trim());
  return [...names];
}
// the alert regions' filter is set at most once a second (each change redraws the base map)
let alertTimer = null, lastAlert = 0;
function applyAlertFilter() {
  if (!state.map || !window.mwxCop.ready) return;
  const wait = lastAlert + 1000 - Date.now();
  if (wait > 0) { if (!alertTimer) alertTimer = setTimeout(() => { alertTimer = null; applyAlertFilter(); }, wait); return; }
  lastAlert = Date.now();
  const f = ['all', ['==', ['get', 'layer'], 'region'], ['in', ['get', 'region'], ['literal', alertedRegions()]]];
  state.base.setFilter('alert-fill', f);
  state.base.setFilter('alert-line', f);
  const list = [...state.alerts.values()].map((a) => `${a.originator} ${a.action} sev ${a.severity}: ${a.regions || '-'} ${a.text || ''}`);
  $('alerts').innerHTML = list.length ? list.map((t) => `<li>${esc(t)}</li>`).join('') : '<li>none</li>';
}

// a fused track's ellipse and corridor rings, made again only when its launch point or prediction
// changed (the slow layers' features are rebuilt for every missile each time they are painted)
function memo(f, what, deps, make) {
  const m = f.geo || (f.geo = {});
  const c = m[what];
  if (c && c.deps.length === deps.length && c.deps.every((d, i) => d === deps[i])) return c.v;
  const v = make();
  m[what] = { deps, v };
  return v;
}

// one feature collection of the fused picture (only the sources asked for)
function collection(k) {
  const out = [];
  for (const f of state.fused.values()) {
    const nations = f.contributors.length ? f.contributors : ['?'];
    const props = { g: f.g, missile: missileOfG(f.g).no, color: colorOf(nations), contributors: nations.join(','), members: f.members.join(',') };
    if (k === 'tracks' && Number.isFinite(f.lon_deg))
      out.push({ type: 'Feature', properties: { ...props, alt_km: f.alt_km }, geometry: { type: 'Point', coordinates: [f.lon_deg, f.lat_deg] } });
    else if (k === 'trails' && f.trail.length > 1)
      out.push({ type: 'Feature', properties: props, geometry: { type: 'LineString', coordinates: f.trail } });
    else if (k === 'launches' && f.launch)
      out.push({ type: 'Feature', properties: { ...props, from: f.launch.from }, geometry: { type: 'Polygon', coordinates: [memo(f, 'launch', [f.launch], () => ellipse(f.launch.lon_deg, f.launch.lat_deg,
        Math.max(f.launch.err_major_km, 0.5), Math.max(f.launch.err_minor_km, 0.5), f.launch.err_orient_deg))] } });
    else if (k === 'impacts' && f.impact)
      out.push({ type: 'Feature', properties: { ...props, id: f.impact.id, major_km: f.impact.ell_major_km }, geometry: { type: 'Polygon',
        coordinates: [memo(f, 'impact', [f.impact], () => ellipse(f.impact.lon_deg, f.impact.lat_deg, f.impact.ell_major_km, f.impact.ell_minor_km, f.impact.ell_orient_deg))] } });
    else if (k === 'impactPts' && f.impact)
      out.push({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [f.impact.lon_deg, f.impact.lat_deg] } });
    else if (k === 'corridors' && f.impact && f.launch) {
      // the overflight corridor: launch point to predicted impact, as wide as the 95% ellipse across
      const half = Math.max(f.impact.ell_minor_km, 10);
      out.push({ type: 'Feature', properties: { ...props, id: f.impact.id, half_km: half }, geometry: { type: 'Polygon',
        coordinates: [memo(f, 'corridor', [f.launch, f.impact], () => corridor(f.launch.lon_deg, f.launch.lat_deg, f.impact.lon_deg, f.impact.lat_deg, half))] } });
    }
  }
  // a nation's track no fused track has taken (e.g. a partner's without covariance: docs/fusion.md)
  if (k === 'tracks' || k === 'trails') for (const s of state.samples.values()) {
    if (s.topic !== 'Track' || s.gone || state.memberOf.has(s.id) || !Number.isFinite(s.lon_deg)) continue;
    const nations = s.contributors && s.contributors.length ? s.contributors : [s.originator];
    const props = { g: 0, track: s.id, color: colorOf(nations), contributors: nations.join(','), members: s.id };
    if (k === 'tracks') out.push({ type: 'Feature', properties: { ...props, alt_km: s.alt_km }, geometry: { type: 'Point', coordinates: [s.lon_deg, s.lat_deg] } });
    else if (s.trail && s.trail.length > 1) out.push({ type: 'Feature', properties: props, geometry: { type: 'LineString', coordinates: s.trail } });
  }
  return { type: 'FeatureCollection', features: out };
}

// One map (MapLibre) draws what does not move: sea, land, zones and the alert regions, redrawn
// only when the camera or an alert changes.  What the picture moves is painted on two 2-D
// canvases above it (layers.js): the slow layers (ground tracks, ellipses, corridors) and the
// track symbols.  Software WebGL pays for every map redraw on the CPU; the canvases do not.
function initMap() {
  maplibregl.setWorkerUrl('maplibre-gl-csp-worker.js');
  // static layers: simplified harder than the default at low zoom (tolerance), tiled once
  const stat = { tolerance: 1, buffer: 16 };
  const baseStyle = {
    version: 8,
    // all geography is the project's zone file, the one the node classifies with
    // (mwx geo zones-geojson at build time: src/geo/zone_export.c, data/zones/README.md)
    sources: { zones: { type: 'geojson', data: 'zones.json', ...stat } },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#0b2233' } },
      { id: 'land', type: 'fill', source: 'zones', filter: ['==', ['get', 'layer'], 'land'], paint: { 'fill-color': '#1f2d24', 'fill-antialias': false } },
      { id: 'coast', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'coast'], paint: { 'line-color': '#5b7a66', 'line-width': 1 } },
      { id: 'regions', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'region'], paint: { 'line-color': '#3f5a49', 'line-width': 0.6 } },
      { id: 'alert-fill', type: 'fill', source: 'zones', filter: ['==', ['get', 'layer'], '-none-'], paint: { 'fill-color': '#ff3b30', 'fill-opacity': 0.45 } },
      { id: 'alert-line', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], '-none-'], paint: { 'line-color': '#ff9f0a', 'line-width': 1.5 } },
      { id: 'ts', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'ts'], paint: { 'line-color': '#4f7ea8', 'line-width': 0.8 } },
      { id: 'eez', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'eez'], paint: { 'line-color': '#6b8fb3', 'line-width': 1, 'line-dasharray': [3, 2] } },
    ],
  };
  const keep = new URLSearchParams(location.search).has('shot'); // a drawing buffer kept for screenshots
  const view = { center: [133, 38], zoom: 3.6, attributionControl: false, preserveDrawingBuffer: keep, fadeDuration: 0 };
  state.base = state.map = new maplibregl.Map({ container: 'map-base', style: baseStyle, ...view }); // it takes the pointer
  pictureLayer.init($('map-picture'), state.map);
  trackLayer.init($('map-tracks'), state.map);
  const follow = () => { pictureLayer.draw(); trackLayer.draw(); };
  state.map.on('move', follow);
  state.map.on('resize', follow);
  window.mwxCop.map = state.map;
  window.mwxCop.base = state.map;
  window.mwxCop.trackLayer = trackLayer;
  window.mwxCop.pictureLayer = pictureLayer;
  const onLoad = () => {
    window.mwxCop.ready = true;
    for (const k of SOURCES) dirty.add(k);
    applyAlertFilter();
  };
  state.map.on('load', onLoad);
  requestAnimationFrame(frame);
}

// the track symbols are redrawn at most every MAP_MS (default: every frame that changed them)
const MAP_MS = Number(new URLSearchParams(location.search).get('map_ms') ?? 0);
// and the slow layers at most every SLOW_MS (250 ms; bench/cop_fps.js varies both)
const SLOW_MS = Math.max(0, Number(new URLSearchParams(location.search).get('slow_ms') ?? 250));
let lastMap = 0, pendingLatency = [], lastTables = 0, lastSlow = 0, tablesDue = false, missilesDue = false;
function frame() {
  window.mwxCop.frames++;
  const now = Date.now();
  if (dirty.size && window.mwxCop.ready) {
    const t0 = performance.now();
    let did = false;
    if (dirty.has('tracks') && now - lastMap >= MAP_MS) {
      lastMap = now;
      trackLayer.feats = collection('tracks').features;
      trackLayer.draw();
      dirty.delete('tracks');
      did = true;
      // an update counts as drawn when the symbols' canvas holding it was painted
      const t = Date.now();
      for (const w of pendingLatency) window.mwxCop.latencies.push(t - w);
      pendingLatency = [];
      if (window.mwxCop.latencies.length > 20000) window.mwxCop.latencies.splice(0, 10000);
    }
    // the slow layers (ground tracks, ellipses, corridors) change little per update: their
    // canvas is painted again at most every SLOW_MS
    if (now - lastSlow >= SLOW_MS && [...dirty].some((k) => SLOW.has(k))) {
      lastSlow = now;
      for (const k of SLOW) if (dirty.has(k)) pictureLayer.set(k, collection(k).features);
      pictureLayer.draw();
      for (const k of SLOW) dirty.delete(k);
      did = true;
    }
    if (did) {
      window.mwxCop.setDataMs.push(performance.now() - t0);
      if (window.mwxCop.setDataMs.length > 20000) window.mwxCop.setDataMs.splice(0, 10000);
    }
  }
  // the tables and the timelines (DOM) at most once a second
  if ((tablesDue || missilesDue) && now - lastTables >= 1000) {
    lastTables = now;
    if (tablesDue) renderTracks();
    if (missilesDue) renderMissiles();
    tablesDue = missilesDue = false;
  }
  requestAnimationFrame(frame);
}

// ---- the push channel ---------------------------------------------------
// Each WebSocket message is a JSON array of events (docs/api.md).
function openPush() {
  if (state.ws && state.ws.readyState <= 1) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`, 'mwx-cop.v1');
  state.ws = ws;
  ws.onmessage = (m) => {
    let evs;
    try { evs = JSON.parse(m.data); } catch (e) { return; }
    const t0 = performance.now(), now = Date.now(), pa = window.mwxCop.pushArrivals;
    for (const ev of Array.isArray(evs) ? evs : [evs]) { if (ev.push_ms) pa.push(now - ev.push_ms); onEvent(ev); }
    if (pa.length > 20000) pa.splice(0, 10000);
    window.mwxCop.handleMs.push(performance.now() - t0);
    if (window.mwxCop.handleMs.length > 20000) window.mwxCop.handleMs.splice(0, 10000);
  };
  ws.onclose = () => { if (state.csrf) setTimeout(async () => {
    const r = await api('GET', '/api/session');
    if (r.status === 200) { await refreshPicture(); openPush(); } else showLogin('session ended: log in again');
  }, 1000); };
}

function timeline(text) {
  state.timeline.unshift(`${new Date().toISOString().slice(11, 19)}  ${text}`);
  if (state.timeline.length > 60) state.timeline.pop();
  timelineDue = true;
}
let timelineDue = false;
setInterval(() => { if (timelineDue) { timelineDue = false; $('timeline').innerHTML = state.timeline.map((t) => `<li>${esc(t)}</li>`).join(''); } }, 500);

function arrived(wallMs) {
  window.mwxCop.arrivals.push(Date.now() - wallMs);
  if (window.mwxCop.arrivals.length > 20000) window.mwxCop.arrivals.splice(0, 10000);
}

function onEvent(ev) {
  window.mwxCop.updates++;
  if (ev.type === 'fused') { // the fused picture's changes: what moves a symbol on the map
    for (const t of ev.tracks || []) putFused(t, false);
    // brief entries (moved only): [g, t (ms since the picture's epoch_ms), lat_deg, lon_deg, alt_km, coasting 0/1]
    for (const b of ev.brief || []) putFused({ g: b[0], t_ms: state.epochMs + b[1], lat_deg: b[2], lon_deg: b[3], alt_km: b[4], coasting: b[5] === 1 }, false);
    for (const g of ev.gone || []) { state.fused.delete(g); for (const k of SOURCES) dirty.add(k); }
    if (ev.wall_ms) { pendingLatency.push(ev.wall_ms); arrived(ev.wall_ms); }
    if (ev.any_ms) { const aa = window.mwxCop.anyArrivals; aa.push(Date.now() - ev.any_ms); if (aa.length > 20000) aa.splice(0, 10000); }
    if (ev.wall_ms && ev.push_ms) { // the node's part: its event -> the server's push of the delta
      const fw = window.mwxCop.fusedWaitMs;
      fw.push(ev.push_ms - ev.wall_ms);
      if (fw.length > 20000) fw.splice(0, 10000);
    }
    missilesDue = true;
    return;
  }
  const s = ev.sample;
  if ((ev.type === 'sample' || ev.type === 'received') && s) {
    const first = !state.firstOf.has(keyOf(s));
    putSample(s, ev);
    if (ev.type === 'received' && s.topic === 'Track') {
      window.mwxCop.trackArrivals.push(Date.now() - ev.wall_ms);
      if (window.mwxCop.trackArrivals.length > 20000) window.mwxCop.trackArrivals.splice(0, 10000);
      if (!state.memberOf.has(s.id)) { pendingLatency.push(ev.wall_ms); arrived(ev.wall_ms); } // it moves its own symbol
    }
    if (first && s.topic !== 'NodeStatus')
      timeline(`${ev.type === 'received' ? 'first partner data' : 'first own'} ${s.topic} ${s.id} (${s.originator})`);
    if (s.topic === 'Alert') onAlert(s, null);
    missilesDue = true;
  }
  if (ev.type === 'alert' && s && ev.item) state.alertOf.set(`${s.originator}|${s.id}`, ev.item); // the node's own alert names its missile
  if (ev.partner_status) { state.partners[ev.partner] = ev.partner_status; partnersDue = true; }
  if (ev.type === 'partner') timeline(`partner ${ev.partner} ${ev.alive ? 'connected' : 'lost'}`);
  if (['held', 'approved', 'denied', 'decided'].includes(ev.type)) {
    if (ev.type !== 'held') timeline(`${ev.type} item ${ev.item}${ev.operator ? ' by ' + ev.operator : ''} ${ev.detail || ''}`);
    refreshQueue();
  }
  if (ev.type === 'resync') refreshPicture();
  if (ev.type === 'snapshot') { window.mwxCop.snapshots++; applyPicture(ev); }
}

// ---- alerts and the per-missile timeline ------------------------------------
function onAlert(s) {
  const k = `${s.originator}|${s.id}`;
  if (s.action === 'cancel') state.alerts.delete(k); else state.alerts.set(k, s);
  if (!state.alertFirst.has(k) && s.action !== 'cancel') state.alertFirst.set(k, s);
  timeline(`alert ${s.action} by ${s.originator}: ${s.regions || '-'} ${s.text || ''}`);
  applyAlertFilter();
  missilesDue = true;
}

// A missile is a global track of the node's fused picture.  A nation's
// sample belongs to it by the fused track's members (its local track id,
// e.g. "KOR-T3"), by the global track number (the node's own samples and
// fused predictions "<NAT>-G<n>"), or else by its launch point (within
// 150 km and 120 s of the missile's).
const STEPS = [['launch', 'launch'], ['own', 'first own track'], ['partner', 'first partner data'],
               ['impact', 'first impact prediction'], ['zone', 'zone call'], ['alert', 'alert']];
function missileOfG(g) {
  let m = state.missileByG.get(g);
  if (!m) { m = { no: state.missileByG.size + 1, g }; state.missileByG.set(g, m); }
  return m;
}
function gOf(s) {
  if (state.memberOf.has(s.id)) return state.memberOf.get(s.id);
  if (s.global_track_no && state.fused.has(s.global_track_no)) return s.global_track_no;
  const mg = /^[A-Z]{3}-G(\d+)$/.exec(s.id || '');
  if (mg && state.fused.has(Number(mg[1]))) return Number(mg[1]);
  if (s.topic === 'LaunchEvent' && Number.isFinite(s.lon_deg)) {
    for (const f of state.fused.values()) {
      if (!f.launch) continue;
      const d = Math.hypot((f.launch.lon_deg - s.lon_deg) * Math.cos(s.lat_deg * Math.PI / 180), f.launch.lat_deg - s.lat_deg) * 111.32;
      if (d < 150 && Math.abs(f.launch.launch_time_ms - s.launch_time_ms) < 120000) return f.g;
    }
  }
  return null;
}
const utc = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) + ' UTC' : '');
// the timelines, from the first sample of each kind (data times: the samples' times of validity)
function missileSteps() {
  const steps = new Map(); // g -> {step: {t_ms, text}}
  const at = (g, step, t, text) => {
    if (g == null || !Number.isFinite(t)) return;
    let st = steps.get(g); if (!st) { st = {}; steps.set(g, st); }
    if (!st[step] || t < st[step].t_ms) st[step] = { t_ms: t, text };
  };
  for (const [k, first] of state.firstOf) {
    const s = state.samples.get(k);
    if (!s || s.topic === 'NodeStatus' || s.topic === 'Alert') continue;
    const g = gOf(s);
    if (g == null) continue;
    if (s.topic === 'LaunchEvent') at(g, 'launch', s.launch_time_ms, `${s.originator} ${s.lat_deg.toFixed(2)} N ${s.lon_deg.toFixed(2)} E`);
    if (s.topic === 'Track' && first.type === 'sample') at(g, 'own', first.t_ms, s.id);
    if (first.type === 'received' && (s.topic === 'Track' || s.topic === 'LaunchEvent')) at(g, 'partner', first.t_ms, `${s.originator} ${s.topic} ${s.id}`);
    if (s.topic === 'ImpactPrediction') at(g, 'impact', first.t_ms, `${s.originator} ${s.id} ${s.lat_deg.toFixed(2)} N ${s.lon_deg.toFixed(2)} E ±${s.ell_major_km.toFixed(0)} km`);
    const z = state.zoneOf.get(k);
    if (z) at(g, 'zone', z.t_ms, z.text);
  }
  for (const f of state.fused.values()) if (f.launch) at(f.g, 'launch', f.launch.launch_time_ms, `${f.launch.from} ${f.launch.lat_deg.toFixed(2)} N ${f.launch.lon_deg.toFixed(2)} E`);
  for (const [k, a] of state.alertFirst) {
    let g = state.alertOf.get(k);
    if (g == null && state.fused.size === 1) g = [...state.fused.keys()][0]; // a partner's alert names regions, not a track
    if (g != null) at(g, 'alert', a.time_ms, `${a.originator}: ${a.regions || a.text || ''}`);
  }
  return steps;
}
// one <li> per missile, keyed by its global track: a missile's HTML is set only when it changed
// (with a hundred missiles, rebuilding the whole list every second was the page's longest task:
// 40-120 ms of style and layout on the main thread, which every WebSocket message waited behind)
function renderMissiles() {
  const steps = missileSteps();
  const list = [...state.missileByG.values()].filter((m) => state.fused.has(m.g) || steps.has(m.g)).sort((a, b) => a.no - b.no);
  const ol = $('missiles'), have = new Map();
  for (const li of [...ol.children]) have.set(li.dataset.g, li);
  let changed = 0;
  list.forEach((m, i) => {
    const st = steps.get(m.g) || {}, f = state.fused.get(m.g), t0 = st.launch ? st.launch.t_ms : null;
    const who = f && f.contributors.length ? f.contributors.join('+') : '';
    const html = `<b>missile ${m.no}</b> <span class="swatch" style="background:${colorOf(f ? f.contributors : [])}"></span>${esc(who)}<ul>` +
      STEPS.map(([k, label]) => { const x = st[k];
        return `<li data-step="${k}" class="${x ? 'done' : 'todo'}">${label}: ${x ? `<time>${utc(x.t_ms)}${t0 != null && k !== 'launch' ? ` (T+${((x.t_ms - t0) / 1000).toFixed(0)} s)` : ''}</time> ${esc(x.text)}` : '<em>not yet</em>'}</li>`; }).join('') +
      '</ul>';
    let li = have.get(String(m.g));
    if (!li) { li = document.createElement('li'); li.dataset.g = String(m.g); li.dataset.missile = String(m.no); changed++; }
    have.delete(String(m.g));
    if (li.mwxHtml !== html) { li.innerHTML = html; li.mwxHtml = html; changed++; }
    if (ol.children[i] !== li) { ol.insertBefore(li, ol.children[i] || null); changed++; }
  });
  for (const li of have.values()) { li.remove(); changed++; }
  window.mwxCop.domWrites = (window.mwxCop.domWrites || 0) + changed;
}

// ---- tables -----------------------------------------------------------------
// A table's rows by key: a row is made once, a cell's HTML set only when it changed, rows
// moved only when the order changed, removed when gone (the DOM is touched only where the
// table changed: a button under the operator's pointer stays the same element).
function setRows(table, attr, rows) {
  const body = table.tBodies[0], have = new Map();
  for (const tr of [...body.rows]) have.set(tr.dataset[attr], tr);
  let changed = 0;
  rows.forEach(([key, cells], i) => {
    let tr = have.get(String(key));
    if (!tr) { tr = document.createElement('tr'); tr.dataset[attr] = String(key); changed++; }
    have.delete(String(key));
    while (tr.cells.length > cells.length) tr.deleteCell(-1);
    cells.forEach((html, j) => {
      const td = tr.cells[j] || tr.insertCell(-1);
      if (td.mwxHtml !== html) { td.innerHTML = html; td.mwxHtml = html; changed++; }
    });
    if (body.rows[i] !== tr) { body.insertBefore(tr, body.rows[i] || null); changed++; }
  });
  for (const tr of have.values()) { tr.remove(); changed++; }
  window.mwxCop.domWrites = (window.mwxCop.domWrites || 0) + changed;
  return changed;
}

// one row per global track (missile): who contributes, its members, altitude, predicted impact
function renderTracks() {
  const rows = [];
  for (const f of [...state.fused.values()].sort((x, y) => missileOfG(x.g).no - missileOfG(y.g).no)) {
    const im = f.impact;
    rows.push([f.g, [`<span class="swatch" style="background:${colorOf(f.contributors)}"></span>${missileOfG(f.g).no}`,
      esc(f.contributors.join('+')), esc(f.members.join(' ')), Number(f.alt_km).toFixed(0),
      im ? `${im.lat_deg.toFixed(2)} N ${im.lon_deg.toFixed(2)} E, ${im.ell_major_km.toFixed(1)} km` : '-']]);
  }
  setRows($('tracks'), 'g', rows);
}

function renderQueue() {
  const officer = state.role === 'release_officer';
  setRows($('queue'), 'item', state.queue.map((q) => [q.id, [String(q.id), esc(q.partner), esc(q.topic), esc(q.classification),
    esc(q.rule), `${q.waiting_s.toFixed(0)} s`,
    officer ? `<button class="approve" data-id="${q.id}">approve</button> <button class="deny" data-id="${q.id}">deny</button>` : '']]));
}

$('queue').addEventListener('click', async (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  const what = b.classList.contains('approve') ? 'approve' : 'deny';
  const r = await api('POST', `/api/release/${what}`, { id: Number(b.dataset.id) });
  $('queue-msg').textContent = r.status === 200 ? `item ${r.data.id} ${r.data.outcome} by ${r.data.operator}` : `refused: ${r.data.error}`;
  refreshQueue();
});

function renderPartners() {
  const now = Date.now();
  setRows($('partners'), 'nation', Object.keys(state.partners).sort().map((n) => {
    const p = state.partners[n];
    return [n, [esc(n), `<span class="${p.alive ? 'alive' : 'lost'}">${p.alive ? 'connected' : 'lost'}</span>`,
      p.last_ms ? `${Math.max(0, Math.round((now - p.last_ms) / 1000))} s ago` : '-', String(p.received),
      `<span class="sigfail">${p.sig_failures ?? 0}</span>`, `<span class="revoked">${p.revoked ?? 0}</span>`,
      `<span class="replay">${p.replays ?? 0}</span>`, String(p.other_drops ?? 0),
      p.journal_head ? `<span title="${esc(p.journal_head.hash)}">${esc(String(p.journal_head.id))} ${esc(p.journal_head.hash.slice(0, 12))}…</span>` : '-']];
  }));
}

let partnersDue = false;
setInterval(() => {
  $('clock').textContent = new Date().toISOString().slice(11, 19) + ' UTC';
  if (state.csrf) { renderPartners(); partnersDue = false; } // (the ages of the last samples change every second anyway)
  // a nation's track drawn on its own disappears 20 s after its last update
  const old = Date.now() - 20000;
  for (const s of state.samples.values()) if (s.topic === 'Track' && !s.gone && (s.seen_ms || 0) < old && !state.memberOf.has(s.id)) { s.gone = true; dirty.add('tracks'); dirty.add('trails'); }
}, 1000);
setInterval(() => { if (state.csrf) refreshQueue(); }, 5000);

(async () => {
  const r = await api('GET', '/api/session');
  if (r.status === 200) start(r.data); else showLogin('');
})();
