#!/usr/bin/env node
/*
 * build-zones.js - converts the npm polygon packages into the binary zone file
 * that src/geo/zone.c loads (format: data/zones/README.md, "zones.bin").
 *
 *   node build-zones.js OUT.bin [NODE_MODULES_DIR]
 *
 * Inputs (installed by `npm ci` from package-lock.json, never committed):
 *   @geo-maps/countries-maritime-10m  OSM country borders including the 12-nm
 *                                     territorial sea (the "maritime" layer)
 *   @geo-maps/countries-land-10km     land borders, every nation but JPN and KOR
 *   @amcharts/amcharts5-geodata       japanHigh (47 prefectures) and
 *                                     southKoreaHigh (17 provinces): the land of
 *                                     JPN and KOR, at a finer resolution, with
 *                                     the region of every polygon
 *
 * Region covered: latitude 10..60 N, longitude 100..180 E (East Asia and the
 * north-west Pacific); polygons are kept up to 6 deg of latitude and 8 deg of
 * longitude beyond it so that distances up to the 200-nm EEZ are right
 * everywhere inside.  Longitudes west of -150 are shifted by +360 (Chukotka,
 * the Aleutians, Hawaii's north-western islands).
 *
 * Index: a grid of CELL_DEG cells.  For each cell and each layer the file holds
 * (a) the owner masks (nations, regions) of the cell's centre, by a scanline
 * point-in-polygon over the whole rings, and (b) the candidate edges: every edge
 * that can be the nearest edge to some point of the cell (distance from the
 * centre <= nearest + 2 h, h the centre-to-corner distance; the classic bound by
 * the triangle inequality), found by refining 32x32-cell blocks down to cells.
 * Every edge that crosses the cell is a candidate, so the C side finds the owner
 * of any point by counting crossings from the centre.  Distances are on a sphere
 * of radius 6371.0088 km (IUGG mean radius, Moritz 2000, Geodesist's Handbook),
 * point to chord segment, converted to arc; edges are split to <= 0.25 deg so
 * that the chord lies within 0.1 km of the arc.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const R_KM = 6371.0088;
const LON0 = 100, LAT0 = 10, NCOL = 400, NROW = 250, CELL_DEG = 0.2;
const M_LON0 = 92, M_LON1 = 188, M_LAT0 = 4, M_LAT1 = 66; /* margin box */
const SPLIT_DEG = 0.25;
/* The owner masks are those of each cell's reference point, the centre moved
 * by (REF_DX, REF_DY): the data's vertices sit on 0.01-deg and 0.0001-deg
 * grids, as do cell centres, and a centre exactly on an edge would make its
 * parity depend on rounding.  Stored in the file; src/geo/zone.c counts its
 * crossings from the same point. */
const REF_DX = 0.0001234567, REF_DY = 0.0000765432;
const SLACK_KM = 1.0;
/* 200 nm - 12 nm from the outer limit of the territorial sea: 188 nm */
const NM_KM = 1.852;
const EEZ_FROM_TS_KM = (200 - 12) * NM_KM;
const FAR_LAND_KM = 500; /* beyond: one candidate, distance approximate */
const NONE = 0xffff;

const out = process.argv[2];
if (!out) {
  console.error('usage: node build-zones.js OUT.bin [NODE_MODULES_DIR]');
  process.exit(2);
}
const modules = process.argv[3] || path.join(__dirname, 'node_modules');
const nm = (p) => path.join(modules, p);
function load(p) {
  return JSON.parse(fs.readFileSync(nm(p), 'utf8'));
}

function polys(geom) {
  if (geom.type === 'Polygon') return [geom.coordinates];
  if (geom.type === 'MultiPolygon') return geom.coordinates;
  return [];
}
/* Also rounds to float32, the file's precision, so that the masks computed
 * here and the crossings counted in C see the same coordinates. */
function shiftRing(r) {
  let mn = Infinity, mx = -Infinity;
  for (const [x] of r) { mn = Math.min(mn, x); mx = Math.max(mx, x); }
  const shift = mx < -150 || (mn < -170 && mx > 170);
  return r.map(([x, y]) => [Math.fround(shift && x < 0 ? x + 360 : x), Math.fround(y)]);
}
/* Douglas-Peucker in the lon/lat plane (tolerance tol_deg): the 10-m
 * maritime rings carry a point every few hundred metres, far more than a
 * 200-nm zone needs; simplified, the territorial-sea limit moves by at most
 * tol_deg (0.005 deg: 0.56 km north-south, less east-west). */
function simplify(r, tol) {
  if (r.length < 4) return r;
  const keep = new Uint8Array(r.length);
  keep[0] = keep[r.length - 1] = 1;
  const stack = [[0, r.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = r[a], [bx, by] = r[b];
    const dx = bx - ax, dy = by - ay, L2 = dx * dx + dy * dy;
    let best = -1, bi = -1;
    for (let i = a + 1; i < b; i++) {
      const px = r[i][0] - ax, py = r[i][1] - ay;
      let t = L2 > 0 ? (px * dx + py * dy) / L2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const d = Math.hypot(px - t * dx, py - t * dy);
      if (d > best) { best = d; bi = i; }
    }
    if (best > tol) { keep[bi] = 1; stack.push([a, bi], [bi, b]); }
  }
  const o = r.filter((_, i) => keep[i]);
  return o.length >= 4 ? o : r;
}
const MAR_TOL_DEG = 0.005;
function ringInMargin(r) {
  for (const [x, y] of r) if (x >= M_LON0 && x <= M_LON1 && y >= M_LAT0 && y <= M_LAT1) return true;
  return false;
}

const nations = [];
const nationIdx = new Map();
function nation(a3) {
  if (!nationIdx.has(a3)) { nationIdx.set(a3, nations.length); nations.push(a3); }
  return nationIdx.get(a3);
}
const regions = []; /* {nation, name} */

/* A layer: rings (arrays of [lon, lat]) with their owner (nation, region). */
function layer() { return { rings: [] }; }
const maritime = layer(), land = layer();

const mar = load('@geo-maps/countries-maritime-10m/map.geo.json');
for (const f of mar.features) {
  for (const p of polys(f.geometry)) for (let r of p) {
    r = shiftRing(r);
    if (ringInMargin(r)) maritime.rings.push({ r: simplify(r, MAR_TOL_DEG), n: nation(f.properties.A3), g: NONE });
  }
}
const lnd = load('@geo-maps/countries-land-10km/map.geo.json');
for (const f of lnd.features) {
  const a3 = f.properties.A3;
  if (a3 === 'JPN' || a3 === 'KOR') continue; /* from amCharts, finer */
  for (const p of polys(f.geometry)) for (let r of p) {
    r = shiftRing(r);
    if (ringInMargin(r)) land.rings.push({ r, n: nation(a3), g: NONE });
  }
}
for (const [file, a3] of [['japanHigh.json', 'JPN'], ['southKoreaHigh.json', 'KOR']]) {
  const j = load('@amcharts/amcharts5-geodata/json/' + file);
  const feats = j.features.slice().sort((a, b) => (a.properties.id < b.properties.id ? -1 : 1));
  for (const f of feats) {
    const g = regions.length;
    regions.push({ n: nation(a3), name: f.properties.name, id: f.properties.id });
    for (const p of polys(f.geometry)) for (const r of p) land.rings.push({ r: shiftRing(r), n: nation(a3), g });
  }
}
if (nations.length > 64 || regions.length > 64) throw new Error('more than 64 nations or regions');

/* Edges, split; with margin set, only those that touch the margin box. */
function buildEdges(L, margin) {
  const e = [];
  for (const { r, n, g } of L.rings) {
    for (let i = 0; i + 1 < r.length; i++) {
      const [x1, y1] = r[i], [x2, y2] = r[i + 1];
      if (x1 === x2 && y1 === y2) continue;
      if (margin && (Math.max(x1, x2) < M_LON0 || Math.min(x1, x2) > M_LON1 ||
          Math.max(y1, y2) < M_LAT0 || Math.min(y1, y2) > M_LAT1)) continue;
      const k = Math.max(1, Math.ceil(Math.max(Math.abs(x2 - x1), Math.abs(y2 - y1)) / SPLIT_DEG));
      for (let s = 0; s < k; s++) {
        e.push([x1 + (x2 - x1) * s / k, y1 + (y2 - y1) * s / k,
                x1 + (x2 - x1) * (s + 1) / k, y1 + (y2 - y1) * (s + 1) / k, n, g]);
      }
    }
  }
  /* float32 storage: round here so that the JS index and the C code agree */
  const f = new Float32Array(4);
  for (const x of e) { f.set(x.slice(0, 4)); for (let i = 0; i < 4; i++) x[i] = f[i]; }
  return e;
}

function unit(lon, lat) {
  const a = lon * Math.PI / 180, b = lat * Math.PI / 180;
  return [Math.cos(b) * Math.cos(a), Math.cos(b) * Math.sin(a), Math.sin(b)];
}
/* 3-D data of edges for distance: a (3), d = b - a (3), |d|^2 */
function prep(edges) {
  const v = new Float64Array(edges.length * 7);
  edges.forEach((e, i) => {
    const a = unit(e[0], e[1]), b = unit(e[2], e[3]);
    v.set([a[0], a[1], a[2], b[0] - a[0], b[1] - a[1], b[2] - a[2],
           (b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2 + (b[2] - a[2]) ** 2], i * 7);
  });
  return v;
}
function distKm(v, i, p) {
  const o = i * 7;
  const wx = p[0] - v[o], wy = p[1] - v[o + 1], wz = p[2] - v[o + 2];
  let t = v[o + 6] > 0 ? (wx * v[o + 3] + wy * v[o + 4] + wz * v[o + 5]) / v[o + 6] : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const dx = wx - t * v[o + 3], dy = wy - t * v[o + 4], dz = wz - t * v[o + 5];
  const c = Math.sqrt(dx * dx + dy * dy + dz * dz);
  return 2 * R_KM * Math.asin(Math.min(1, c / 2));
}
function arcKm(p, q) {
  const c = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
  return 2 * R_KM * Math.asin(Math.min(1, c / 2));
}

/* Candidate lists of every cell of one layer. */
function candidates(edges, v, keepLeaf) {
  const lists = new Array(NCOL * NROW);
  const flags = new Uint8Array(NCOL * NROW);
  const all = new Int32Array(edges.length);
  for (let i = 0; i < all.length; i++) all[i] = i;
  function block(i0, j0, size, cand) {
    const i1 = Math.min(i0 + size, NCOL), j1 = Math.min(j0 + size, NROW);
    if (i0 >= NCOL || j0 >= NROW) return;
    const lo0 = LON0 + i0 * CELL_DEG, lo1 = LON0 + i1 * CELL_DEG;
    const la0 = LAT0 + j0 * CELL_DEG, la1 = LAT0 + j1 * CELL_DEG;
    const c = unit((lo0 + lo1) / 2, (la0 + la1) / 2);
    let h = 0;
    for (const x of [lo0, (lo0 + lo1) / 2, lo1]) for (const y of [la0, (la0 + la1) / 2, la1]) h = Math.max(h, arcKm(c, unit(x, y)));
    h *= 1.001;
    const d = new Float64Array(cand.length);
    let dmin = Infinity, imin = -1;
    for (let k = 0; k < cand.length; k++) {
      d[k] = distKm(v, cand[k], c);
      if (d[k] < dmin) { dmin = d[k]; imin = cand[k]; }
    }
    const keep = [];
    for (let k = 0; k < cand.length; k++) if (d[k] <= dmin + 2 * h + SLACK_KM) keep.push(cand[k]);
    if (size === 1) {
      const r = keepLeaf(keep, dmin, h, imin, j0 * NCOL + i0);
      lists[j0 * NCOL + i0] = r.list;
      flags[j0 * NCOL + i0] = r.flag;
      return;
    }
    const kc = Int32Array.from(keep), half = size / 2;
    block(i0, j0, half, kc); block(i0 + half, j0, half, kc);
    block(i0, j0 + half, half, kc); block(i0 + half, j0 + half, half, kc);
  }
  for (let j = 0; j < NROW; j += 32) for (let i = 0; i < NCOL; i += 32) block(i, j, 32, all);
  return { lists, flags };
}

/* Owner masks of cell reference points by scanline: for each row, the
 * crossings of every edge with the row's latitude toggle the owner bits. */
function centreMasks(allEdges) {
  const nm = new Array(NCOL * NROW).fill(0n), gm = new Array(NCOL * NROW).fill(0n);
  const rows = [];
  for (let j = 0; j < NROW; j++) rows.push([]);
  {
    for (const [x1, y1, x2, y2, n, g] of allEdges) {
      /* rows by a conservative range (one more each side): the half-open
       * test below decides, so that rounding never drops a crossing */
      const jlo = Math.max(0, Math.floor((Math.min(y1, y2) - LAT0) / CELL_DEG - 0.5) - 1);
      const jhi = Math.min(NROW - 1, Math.ceil((Math.max(y1, y2) - LAT0) / CELL_DEG - 0.5) + 1);
      for (let j = jlo; j <= jhi; j++) {
        const y = LAT0 + (j + 0.5) * CELL_DEG + REF_DY;
        if ((y1 > y) === (y2 > y)) continue;
        rows[j].push([x1 + (y - y1) * (x2 - x1) / (y2 - y1), n, g]);
      }
    }
  }
  for (let j = 0; j < NROW; j++) {
    const xs = rows[j].sort((a, b) => a[0] - b[0]);
    let k = 0, mn = 0n, mg = 0n;
    for (let i = 0; i < NCOL; i++) {
      const x = LON0 + (i + 0.5) * CELL_DEG + REF_DX;
      while (k < xs.length && xs[k][0] < x) {
        mn ^= 1n << BigInt(xs[k][1]);
        if (xs[k][2] !== NONE) mg ^= 1n << BigInt(xs[k][2]);
        k++;
      }
      nm[j * NCOL + i] = mn; gm[j * NCOL + i] = mg;
    }
  }
  return { nm, gm };
}

const t0 = Date.now();
const layers = [];
/* Leaf rules.  Maritime: no candidate where no point of the cell can be in
 * an EEZ (beyond 188 nm of every territorial sea) nor where the whole cell is
 * inside a territory (no edge within h of the centre: nothing crosses it).
 * Land: none where the whole cell is land (distance 0, nothing crosses);
 * beyond FAR_LAND_KM only the centre's nearest edge (distance within 2 h). */
const inside = (m, c, dmin, h) => m.nm[c] !== 0n && dmin > h + SLACK_KM;
const rules = {
  maritime: (m) => (keep, dmin, h, imin, c) =>
    ({ list: dmin - h > EEZ_FROM_TS_KM + SLACK_KM || inside(m, c, dmin, h) ? [] : keep, flag: 0 }),
  land: (m) => (keep, dmin, h, imin, c) =>
    inside(m, c, dmin, h) ? { list: [], flag: 0 } : dmin > FAR_LAND_KM ? { list: [imin], flag: 1 } : { list: keep, flag: 0 },
};
for (const [name, L] of [['maritime', maritime], ['land', land]]) {
  /* masks from every edge of the rings (the very edges, split and rounded,
   * that the C code crosses); the index from those near the region */
  const { nm, gm } = centreMasks(buildEdges(L, false));
  const edges = buildEdges(L, true);
  const v = prep(edges);
  const { lists, flags } = candidates(edges, v, rules[name]({ nm }));
  let total = 0;
  for (const l of lists) total += l.length;
  if (process.stderr.isTTY || process.env.MWX_ZONES_VERBOSE)
    console.error(`build-zones: ${name}: ${L.rings.length} rings, ${edges.length} edges, ${total} candidates (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  layers.push({ edges, lists, flags, nm, gm, total });
}

/* Serialise (little-endian), format in data/zones/README.md. */
const parts = [];
function u32(x) { const b = Buffer.alloc(4); b.writeUInt32LE(x); parts.push(b); }
function f64(x) { const b = Buffer.alloc(8); b.writeDoubleLE(x); parts.push(b); }
function fixed(s, n) { const b = Buffer.alloc(n); b.write(s, 'utf8'); parts.push(b); }
parts.push(Buffer.from('MWXZONE1', 'ascii'));
u32(2); u32(NCOL); u32(NROW); u32(nations.length); u32(regions.length);
f64(LON0); f64(LAT0); f64(CELL_DEG); f64(R_KM); f64(EEZ_FROM_TS_KM); f64(REF_DX); f64(REF_DY);
for (const n of nations) fixed(n, 4);
for (const g of regions) { u32(g.n); fixed(g.name, 28); }
for (const L of layers) {
  u32(L.edges.length); u32(L.total);
  const e = Buffer.alloc(L.edges.length * 20);
  L.edges.forEach((x, i) => {
    for (let k = 0; k < 4; k++) e.writeFloatLE(x[k], i * 20 + 4 * k);
    e.writeUInt16LE(x[4], i * 20 + 16); e.writeUInt16LE(x[5], i * 20 + 18);
  });
  parts.push(e);
  const n = NCOL * NROW;
  const m = Buffer.alloc(n * 16);
  for (let c = 0; c < n; c++) { m.writeBigUInt64LE(L.nm[c], c * 16); m.writeBigUInt64LE(L.gm[c], c * 16 + 8); }
  parts.push(m);
  const off = Buffer.alloc((n + 1) * 4);
  let o = 0;
  for (let c = 0; c < n; c++) { off.writeUInt32LE(o, c * 4); o += L.lists[c].length; }
  off.writeUInt32LE(o, n * 4);
  parts.push(off);
  parts.push(Buffer.from(L.flags));
  const idx = Buffer.alloc(o * 4);
  let k = 0;
  for (let c = 0; c < n; c++) for (const x of L.lists[c]) { idx.writeUInt32LE(x, k * 4); k++; }
  parts.push(idx);
}
parts.push(Buffer.from('MWXZEND1', 'ascii'));
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
const tmp = out + '.tmp';
fs.writeFileSync(tmp, Buffer.concat(parts));
fs.renameSync(tmp, out);
if (process.stderr.isTTY || process.env.MWX_ZONES_VERBOSE)
  console.error(`build-zones: wrote ${out} (${nations.length} nations, ${regions.length} regions)`);
