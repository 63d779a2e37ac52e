// app.js - the common operational picture page served by mwxd (docs/api.md).
// Plain browser JavaScript, no framework; MapLibre GL (CSP build) from npm,
// bundled into the page at build time.  Nothing is loaded from outside the
// node: the map style, its land polygons and the worker come from mwxd.
'use strict';

const NATION_RGB = { KOR: [79, 157, 255], JPN: [255, 92, 92], USA: [63, 220, 111], AUS: [255, 200, 60] };
const state = {
  csrf: null, name: null, role: null, nation: null, epochMs: 0, simOffsetMs: 0,
  samples: new Map(),   // "ORIG|Topic|id" -> sample (Track with .trail)
  partners: {}, queue: [], timeline: [], seen: new Set(),
  alerts: new Map(),    // "ORIG|alert id" -> Alert sample in force (cancel removes it)
  missiles: [],         // per missile: {no, keys:Set, first:{lon,lat,ms}, steps:{launch,...}}
  ws: null, map: null, dirty: false,
};
// for the browser test and the benchmark (bench/cop_latency.sh)
// latencies: ms from the node's event (wall_ms) to the map having drawn it;
// arrivals: to its arrival in the page (WebSocket message)
window.mwxCop = { state, ready: false, applyAlertFilter, onEvent: (ev) => onEvent(ev), updates: 0, latencies: [], arrivals: [], frames: 0 };

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
const dirtyTopics = new Set();
// which map sources a topic's samples feed
const SOURCES_OF = { Track: ['tracks', 'trails'], ImpactPrediction: ['impacts', 'impactPts', 'corridors'], LaunchEvent: ['launches', 'corridors'] };
function keyOf(s) { return `${s.originator}|${s.topic}|${s.id}`; }

function putSample(s) {
  const k = keyOf(s), old = state.samples.get(k);
  if (s.topic === 'Track' && !s.trail) {
    s.trail = old && old.trail ? old.trail : [];
    if (Number.isFinite(s.lon_deg)) { s.trail.push([s.lon_deg, s.lat_deg]); if (s.trail.length > 400) s.trail.shift(); }
  }
  state.samples.set(k, s);
  state.dirty = true;
  dirtyTopics.add(s.topic);
}

async function refreshPicture() {
  const r = await api('GET', '/api/picture');
  if (r.status === 401) return showLogin('session ended: log in again');
  if (r.status !== 200) return;
  state.epochMs = r.data.epoch_ms;
  state.partners = r.data.partners || {};
  state.samples.clear();
  state.alerts.clear();
  for (const s of r.data.samples) { putSample(s); if (s.topic === 'Alert') onAlert(s); missileStep({ type: s.originator === state.nation ? 'sample' : 'received' }, s); }
  dirtyTopics.add('*');
  renderPartners();
}

async function refreshQueue() {
  const r = await api('GET', '/api/queue');
  if (r.status === 401) return showLogin('session ended: log in again');
  if (r.status === 200) { state.queue = r.data.items; renderQueue(); }
}

// 95% ellipse (semi-axes km, orientation of the major axis from north) as a ring
function ellipse(lon, lat, aKm, bKm, orientDeg) {
  const th = (orientDeg || 0) * Math.PI / 180, ring = [];
  const kmLat = 111.32, kmLon = 111.32 * Math.cos(lat * Math.PI / 180);
  for (let i = 0; i <= 64; i++) {
    const t = 2 * Math.PI * i / 64, x = aKm * Math.cos(t), y = bKm * Math.sin(t);
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
function applyAlertFilter() {
  if (!state.map || !window.mwxCop.ready) return;
  const f = ['all', ['==', ['get', 'layer'], 'region'], ['in', ['get', 'region'], ['literal', alertedRegions()]]];
  state.map.setFilter('alert-fill', f);
  state.map.setFilter('alert-line', f);
  const list = [...state.alerts.values()].map((a) => `${a.originator} ${a.action} sev ${a.severity}: ${a.regions || '-'} ${a.text || ''}`);
  $('alerts').innerHTML = list.length ? list.map((t) => `<li>${esc(t)}</li>`).join('') : '<li>none</li>';
}

function collections() {
  const tracks = [], trails = [], impacts = [], impactPts = [], launches = [], corridors = [];
  const launchOf = {};
  // a launch point by its own track, and by its global number: a fused prediction (<NAT>-G<n>)
  // has no LaunchEvent of its own id, but shares the missile's global number
  for (const s of state.samples.values()) if (s.topic === 'LaunchEvent' && Number.isFinite(s.lon_deg)) {
    launchOf[`${s.originator}|${s.id}`] = s;
    if (s.global_track_no && !launchOf[`g|${s.global_track_no}`]) launchOf[`g|${s.global_track_no}`] = s;
  }
  for (const s of state.samples.values()) {
    const nations = s.contributors && s.contributors.length ? s.contributors : [s.originator];
    const props = { key: keyOf(s), id: s.id, originator: s.originator, color: colorOf(nations), contributors: nations.join(',') };
    if (s.topic === 'Track' && Number.isFinite(s.lon_deg)) {
      tracks.push({ type: 'Feature', properties: { ...props, alt_km: s.alt_km }, geometry: { type: 'Point', coordinates: [s.lon_deg, s.lat_deg] } });
      if (s.trail && s.trail.length > 1) trails.push({ type: 'Feature', properties: props, geometry: { type: 'LineString', coordinates: s.trail } });
    } else if (s.topic === 'ImpactPrediction' && Number.isFinite(s.lon_deg)) {
      impacts.push({ type: 'Feature', properties: { ...props, major_km: s.ell_major_km },
                     geometry: { type: 'Polygon', coordinates: [ellipse(s.lon_deg, s.lat_deg, s.ell_major_km, s.ell_minor_km, s.ell_orient_deg)] } });
      impactPts.push({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [s.lon_deg, s.lat_deg] } });
      // the overflight corridor: launch point to predicted impact, as wide as the 95% ellipse across
      const l = launchOf[`${s.originator}|${s.id}`] || (s.global_track_no ? launchOf[`g|${s.global_track_no}`] : null);
      if (l) corridors.push({ type: 'Feature', properties: { ...props, half_km: Math.max(s.ell_minor_km, 10) },
                               geometry: { type: 'Polygon', coordinates: [corridor(l.lon_deg, l.lat_deg, s.lon_deg, s.lat_deg, Math.max(s.ell_minor_km, 10))] } });
    } else if (s.topic === 'LaunchEvent' && Number.isFinite(s.lon_deg)) {
      launches.push({ type: 'Feature', properties: props,
                      geometry: { type: 'Polygon', coordinates: [ellipse(s.lon_deg, s.lat_deg, Math.max(s.err_major_km, 0.5), Math.max(s.err_minor_km, 0.5), s.err_orient_deg)] } });
    }
  }
  const fc = (features) => ({ type: 'FeatureCollection', features });
  return { tracks: fc(tracks), trails: fc(trails), impacts: fc(impacts), impactPts: fc(impactPts), launches: fc(launches),
           corridors: fc(corridors) };
}

function initMap() {
  const empty = { type: 'FeatureCollection', features: [] };
  maplibregl.setWorkerUrl('maplibre-gl-csp-worker.js');
  const style = {
    version: 8,
    sources: {
      land: { type: 'geojson', data: 'land.json' },
      tracks: { type: 'geojson', data: empty }, trails: { type: 'geojson', data: empty },
      impacts: { type: 'geojson', data: empty }, impactPts: { type: 'geojson', data: empty },
      launches: { type: 'geojson', data: empty }, corridors: { type: 'geojson', data: empty },
      zones: { type: 'geojson', data: 'zones.json' },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#0b2233' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#1f2d24' } },
      { id: 'coast', type: 'line', source: 'land', paint: { 'line-color': '#5b7a66', 'line-width': 1 } },
      // the project's zone file (mwx geo zones-geojson at build time: src/geo/zone_export.c)
      { id: 'regions', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'region'], paint: { 'line-color': '#3f5a49', 'line-width': 0.6 } },
      { id: 'alert-fill', type: 'fill', source: 'zones', filter: ['==', ['get', 'layer'], '-none-'], paint: { 'fill-color': '#ff3b30', 'fill-opacity': 0.45 } },
      { id: 'alert-line', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], '-none-'], paint: { 'line-color': '#ff9f0a', 'line-width': 1.5 } },
      { id: 'ts', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'ts'], paint: { 'line-color': '#4f7ea8', 'line-width': 0.8 } },
      { id: 'eez', type: 'line', source: 'zones', filter: ['==', ['get', 'layer'], 'eez'], paint: { 'line-color': '#6b8fb3', 'line-width': 1, 'line-dasharray': [3, 2] } },
      { id: 'corridor', type: 'fill', source: 'corridors', paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.12 } },
      { id: 'corridor-line', type: 'line', source: 'corridors', paint: { 'line-color': ['get', 'color'], 'line-width': 1, 'line-dasharray': [1, 2] } },
      { id: 'launch-ell', type: 'line', source: 'launches', paint: { 'line-color': ['get', 'color'], 'line-width': 2, 'line-dasharray': [2, 1] } },
      { id: 'impact-ell', type: 'fill', source: 'impacts', paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.3 } },
      { id: 'impact-ell-line', type: 'line', source: 'impacts', paint: { 'line-color': ['get', 'color'], 'line-width': 2 } },
      { id: 'impact-pt', type: 'circle', source: 'impactPts', paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': ['get', 'color'], 'circle-stroke-width': 2 } },
      { id: 'trails', type: 'line', source: 'trails', paint: { 'line-color': ['get', 'color'], 'line-width': 1.5, 'line-opacity': 0.8 } },
      { id: 'tracks', type: 'circle', source: 'tracks', paint: { 'circle-radius': 6, 'circle-color': ['get', 'color'], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 } },
    ],
  };
  state.map = new maplibregl.Map({ container: 'map', style, center: [133, 38], zoom: 3.6, attributionControl: false,
                                   preserveDrawingBuffer: true });
  window.mwxCop.map = state.map;
  state.map.on('load', () => { window.mwxCop.ready = true; state.dirty = true; dirtyTopics.add('*'); applyAlertFilter(); });
  // an update counts as drawn at the first render after its data reached the map's tiles
  state.map.on('data', (e) => {
    if (e.sourceId !== 'tracks' || e.dataType !== 'source' || !e.isSourceLoaded || !inFlight.length) return;
    const batch = inFlight; inFlight = [];
    state.map.once('render', () => {
      const now = Date.now();
      for (const t of batch) window.mwxCop.latencies.push(now - t);
      if (window.mwxCop.latencies.length > 20000) window.mwxCop.latencies.splice(0, 10000);
    });
  });
  requestAnimationFrame(frame);
}

let pendingLatency = [], inFlight = [], lastTable = 0, lastTrails = 0, trailsDue = false;
function frame() {
  window.mwxCop.frames++;
  const now = Date.now();
  if (trailsDue && now - lastTrails >= 1000) { dirtyTopics.add('trails'); state.dirty = true; }
  if (state.dirty && window.mwxCop.ready) {
    state.dirty = false;
    const c = collections();
    const all = dirtyTopics.has('*');
    for (const k of Object.keys(c)) {
      if (!all && !(k === 'trails' && dirtyTopics.has('trails')) &&
          ![...dirtyTopics].some((t) => (SOURCES_OF[t] || []).includes(k))) continue;
      // ground tracks are long and change little per update: redrawn at most once a second
      if (k === 'trails' && !all && now - lastTrails < 1000) { trailsDue = true; continue; }
      if (k === 'trails') { lastTrails = now; trailsDue = false; }
      state.map.getSource(k).setData(c[k]);
    }
    dirtyTopics.clear();
    if (Date.now() - lastTable > 500) { lastTable = Date.now(); renderTracks(); } // the table at 2 Hz
    inFlight.push(...pendingLatency); pendingLatency = [];
  }
  requestAnimationFrame(frame);
}

// ---- the push channel ---------------------------------------------------
function openPush() {
  if (state.ws && state.ws.readyState <= 1) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`, 'mwx-cop.v1');
  state.ws = ws;
  ws.onmessage = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    onEvent(ev);
  };
  ws.onclose = () => { if (state.csrf) setTimeout(async () => {
    const r = await api('GET', '/api/session');
    if (r.status === 200) { await refreshPicture(); openPush(); } else showLogin('session ended: log in again');
  }, 1000); };
}

function timeline(text) {
  state.timeline.unshift(`${new Date().toISOString().slice(11, 19)}  ${text}`);
  if (state.timeline.length > 60) state.timeline.pop();
  $('timeline').innerHTML = state.timeline.map((t) => `<li>${esc(t)}</li>`).join('');
}

function onEvent(ev) {
  window.mwxCop.updates++;
  const s = ev.sample;
  if ((ev.type === 'sample' || ev.type === 'received') && s) {
    const k = keyOf(s);
    const first = !state.seen.has(k);
    state.seen.add(k);
    putSample(s);
    if (ev.type === 'received' && s.topic === 'Track') { // what moves a symbol on the map
      pendingLatency.push(ev.wall_ms);
      window.mwxCop.arrivals.push(Date.now() - ev.wall_ms);
      if (window.mwxCop.arrivals.length > 20000) window.mwxCop.arrivals.splice(0, 10000);
    }
    if (first && s.topic !== 'NodeStatus')
      timeline(`${ev.type === 'received' ? 'first partner data' : 'first own'} ${s.topic} ${s.id} (${s.originator})`);
    if (s.topic === 'Alert') onAlert(s);
    missileStep(ev, s);
  }
  if (ev.partner_status) { state.partners[ev.partner] = ev.partner_status; renderPartners(); }
  if (ev.type === 'partner') timeline(`partner ${ev.partner} ${ev.alive ? 'connected' : 'lost'}`);
  if (['held', 'approved', 'denied', 'decided'].includes(ev.type)) {
    if (ev.type !== 'held') timeline(`${ev.type} item ${ev.item}${ev.operator ? ' by ' + ev.operator : ''} ${ev.detail || ''}`);
    refreshQueue();
  }
  if (ev.type === 'resync') refreshPicture();
}

// ---- alerts and the per-missile timeline ------------------------------------
function onAlert(s) {
  const k = `${s.originator}|${s.id}`;
  if (s.action === 'cancel') state.alerts.delete(k); else state.alerts.set(k, s);
  timeline(`alert ${s.action} by ${s.originator}: ${s.regions || '-'} ${s.text || ''}`);
  applyAlertFilter();
}

// A missile gathers the tracks of every nation that start within 150 km and
// 120 s of its first position (each nation numbers its own tracks).
const STEPS = [['launch', 'launch'], ['own', 'first own track'], ['partner', 'first partner data'],
               ['impact', 'first impact prediction'], ['zone', 'zone call'], ['alert', 'alert']];
function missileOf(s) {
  const k = `${s.originator}|${s.id}`, g = s.global_track_no ? `g|${s.global_track_no}` : null;
  let m = state.missiles.find((x) => x.keys.has(k) || (g && x.keys.has(g)));
  if (m) { m.keys.add(k); if (g) m.keys.add(g); }
  if (m || !Number.isFinite(s.lon_deg)) return m;
  const t = s.launch_time_ms || s.time_ms || 0;
  m = state.missiles.find((x) => Math.abs(x.first.ms - t) < 120000 &&
    Math.hypot((x.first.lon - s.lon_deg) * Math.cos(s.lat_deg * Math.PI / 180), x.first.lat - s.lat_deg) * 111.32 < 150);
  if (!m && s.topic !== 'Track' && s.topic !== 'LaunchEvent') return null;
  if (!m) { m = { no: state.missiles.length + 1, keys: new Set(), first: { lon: s.lon_deg, lat: s.lat_deg, ms: t }, steps: {} }; state.missiles.push(m); }
  m.keys.add(k);
  if (g) m.keys.add(g);
  return m;
}
function missileStep(ev, s) {
  let m;
  if (s.topic === 'Alert') m = state.missiles[state.missiles.length - 1]; // an alert names regions, not a track
  else m = missileOf(s);
  if (!m) return;
  const at = (step, text) => { if (!m.steps[step]) { m.steps[step] = { wall: ev.wall_ms || Date.now(), t_s: ev.t_s, text }; renderMissiles(); } };
  if (s.topic === 'LaunchEvent') at('launch', `${s.originator} ${s.lat_deg.toFixed(2)} N ${s.lon_deg.toFixed(2)} E`);
  if (s.topic === 'Track' && ev.type === 'sample') at('own', s.id);
  if (ev.type === 'received') at('partner', `${s.originator} ${s.topic}`);
  if (s.topic === 'ImpactPrediction') {
    at('impact', `${s.originator} ${s.lat_deg.toFixed(2)} N ${s.lon_deg.toFixed(2)} E ±${s.ell_major_km.toFixed(0)} km`);
    if (s.zone && s.zone !== 'unknown') at('zone', `${s.zone}${s.zone_nation ? ' ' + s.zone_nation : ''} (${s.originator})`);
  }
  if (s.topic === 'Alert' && s.action !== 'cancel') at('alert', `${s.originator}: ${s.regions || s.text || ''}`);
}
function renderMissiles() {
  $('missiles').innerHTML = state.missiles.map((m) => `<li data-missile="${m.no}"><b>missile ${m.no}</b><ul>` +
    STEPS.map(([k, label]) => { const st = m.steps[k];
      return `<li data-step="${k}" class="${st ? 'done' : 'todo'}">${label}: ${st ? `${st.t_s != null ? 'T+' + Number(st.t_s).toFixed(1) + ' s ' : ''}${esc(st.text)}` : '-'}</li>`; }).join('') +
    '</ul></li>').join('');
}

// ---- tables -----------------------------------------------------------------
function renderTracks() {
  const impacts = {};
  for (const s of state.samples.values()) if (s.topic === 'ImpactPrediction') impacts[`${s.originator}|${s.id}`] = s;
  const rows = [];
  for (const s of state.samples.values()) {
    if (s.topic !== 'Track') continue;
    const nations = s.contributors && s.contributors.length ? s.contributors : [s.originator];
    const im = impacts[`${s.originator}|${s.id}`];
    rows.push(`<tr data-key="${esc(keyOf(s))}"><td><span class="swatch" style="background:${colorOf(nations)}"></span>${esc(s.id)}</td>` +
      `<td>${esc(nations.join('+'))}</td><td>${esc(s.phase)}</td><td>${Number(s.alt_km).toFixed(0)}</td>` +
      `<td>${im ? `${im.lat_deg.toFixed(2)} N ${im.lon_deg.toFixed(2)} E, ${im.ell_major_km.toFixed(1)} km` : '-'}</td></tr>`);
  }
  $('tracks').tBodies[0].innerHTML = rows.join('');
}

function renderQueue() {
  const officer = state.role === 'release_officer';
  $('queue').tBodies[0].innerHTML = state.queue.map((q) =>
    `<tr data-item="${q.id}"><td>${q.id}</td><td>${esc(q.partner)}</td><td>${esc(q.topic)}</td><td>${esc(q.classification)}</td>` +
    `<td>${esc(q.rule)}</td><td>${q.waiting_s.toFixed(0)} s</td><td>${officer ?
      `<button class="approve" data-id="${q.id}">approve</button> <button class="deny" data-id="${q.id}">deny</button>` : ''}</td></tr>`).join('');
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
  $('partners').tBodies[0].innerHTML = Object.keys(state.partners).sort().map((n) => {
    const p = state.partners[n];
    return `<tr data-nation="${esc(n)}"><td>${esc(n)}</td><td class="${p.alive ? 'alive' : 'lost'}">${p.alive ? 'connected' : 'lost'}</td>` +
      `<td>${p.last_ms ? ((now - p.last_ms) / 1000).toFixed(1) + ' s ago' : '-'}</td><td>${p.received}</td><td>${p.dropped}</td></tr>`;
  }).join('');
}

setInterval(() => {
  $('clock').textContent = new Date().toISOString().slice(11, 19) + ' UTC';
  if (state.csrf) { renderPartners(); }
}, 1000);
setInterval(() => { if (state.csrf) refreshQueue(); }, 5000);

(async () => {
  const r = await api('GET', '/api/session');
  if (r.status === 200) start(r.data); else showLogin('');
})();
