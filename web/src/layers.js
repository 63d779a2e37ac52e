// layers.js - the picture's own drawing layers: two 2-D canvases above the base map (MapLibre),
// placed by the map's projection.  The base map holds what does not move (sea, land, zones, alert
// regions) and is redrawn only when the camera or an alert changes; everything the picture moves
// is painted here.  Without a GPU every MapLibre redraw is paid by the CPU (SwiftShader: 100-250 ms
// a redraw on this project's 2-core test machine, BENCHMARKS.md "cop"), while painting a few
// hundred rings and circles on a 2-D canvas costs a few ms.
//
// A layer's 'drawn' is what its last draw painted inside the view (each feature's properties, for
// a point its pixel position): the tests' and benchmarks' rendered features of that layer.
'use strict';

// Web Mercator [0, 1]^2 of a longitude / latitude (degrees): the projection MapLibre draws in
function mercX(lon) { return (lon + 180) / 360; }
function mercY(lat) {
  const s = Math.sin(Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
}

// The map's current view as a function from Mercator to CSS pixels.  Unpitched, the projection is
// affine in Mercator (scale, rotation by the bearing, translation): it is solved from three points
// the map itself projects, so it stays exact at every zoom and bearing.  Pitched, every vertex goes
// through map.project.
function viewOf(map) {
  if (map.getPitch() !== 0) return { affine: false, map };
  const c = map.getCenter(), lon = [c.lng, c.lng + 1, c.lng], lat = [c.lat, c.lat, Math.min(c.lat + 1, 85)];
  const p = lon.map((l, i) => map.project([l, lat[i]]));
  const m = lon.map((l, i) => [mercX(l), mercY(lat[i])]);
  const ax = m[1][0] - m[0][0], ay = m[1][1] - m[0][1], bx = m[2][0] - m[0][0], by = m[2][1] - m[0][1], det = ax * by - ay * bx;
  const ux = p[1].x - p[0].x, uy = p[1].y - p[0].y, vx = p[2].x - p[0].x, vy = p[2].y - p[0].y;
  // pixel = M [dx, dy] + p0, M = [u v] [a b]^-1
  const M = [(ux * by - vx * ay) / det, (vx * ax - ux * bx) / det, (uy * by - vy * ay) / det, (vy * ax - uy * bx) / det];
  return { affine: true, M, m0: m[0], p0: p[0] };
}

// Mercator coordinates of a geometry's vertices, cached on the coordinate array while its length
// and its first and last vertices are the same (the rings are rebuilt only when a prediction
// changes; a ground track grows at its end and drops its oldest point)
const mercCache = new WeakMap();
function mercOf(coords) {
  const c = mercCache.get(coords), n = coords.length;
  if (c && c.n === n && c.first === coords[0] && c.last === coords[n - 1]) return c.xy;
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) { xy[2 * i] = mercX(coords[i][0]); xy[2 * i + 1] = mercY(coords[i][1]); }
  mercCache.set(coords, { n, first: coords[0], last: coords[n - 1], xy });
  return xy;
}

// the pixel positions of a geometry's vertices (CSS px) in view v; the box they span
function pixelsOf(v, coords, out) {
  const n = coords.length;
  if (out.length < 2 * n) out = new Float64Array(2 * n);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  if (v.affine) {
    const xy = mercOf(coords), [a, b, c, d] = v.M, mx = v.m0[0], my = v.m0[1], px = v.p0.x, py = v.p0.y;
    for (let i = 0; i < n; i++) {
      const dx = xy[2 * i] - mx, dy = xy[2 * i + 1] - my, x = a * dx + b * dy + px, y = c * dx + d * dy + py;
      out[2 * i] = x; out[2 * i + 1] = y;
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const p = v.map.project(coords[i]);
      out[2 * i] = p.x; out[2 * i + 1] = p.y;
      if (p.x < x0) x0 = p.x; if (p.x > x1) x1 = p.x; if (p.y < y0) y0 = p.y; if (p.y > y1) y1 = p.y;
    }
  }
  return { px: out, n, box: [x0, y0, x1, y1] };
}

function sizeCanvas(c) {
  const dpr = window.devicePixelRatio || 1, w = c.clientWidth, h = c.clientHeight, g = c.getContext('2d');
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  return { g, w, h };
}

// The picture's slow layers, in MapLibre's paint order of before: overflight corridors (fill 12%,
// dotted rim), launch ellipses (dashed), impact ellipses (fill 30%, rim), impact points (white
// dot, coloured rim), ground tracks.  'lineDash' is in line widths, as MapLibre's line-dasharray.
const PICTURE_LAYERS = [
  { id: 'corridor', src: 'corridors', fill: 0.12, width: 1, dash: [1, 2] },
  { id: 'launch-ell', src: 'launches', width: 2, dash: [2, 1] },
  { id: 'impact-ell', src: 'impacts', fill: 0.3, width: 2 },
  { id: 'impact-pt', src: 'impactPts', point: 4 },
  { id: 'trails', src: 'trails', width: 1.5, alpha: 0.8 },
];

const pictureLayer = {
  canvas: null, ctx: null, map: null, feats: {}, drawn: {}, draws: 0, hidden: new Set(), buf: new Float64Array(1024),
  init(canvas, map) { this.canvas = canvas; this.ctx = canvas.getContext('2d'); this.map = map; },
  // features of the layers' sources: { corridors: [...], launches: [...], ... } (GeoJSON features)
  set(src, features) { this.feats[src] = features; },
  draw() {
    if (!this.map) return;
    const { g, w, h } = sizeCanvas(this.canvas), v = viewOf(this.map), drawn = {};
    for (const L of PICTURE_LAYERS) {
      const list = drawn[L.id] = [];
      if (this.hidden.has(L.id)) continue;
      for (const f of this.feats[L.src] || []) {
        const geo = f.geometry, coords = geo.type === 'Polygon' ? geo.coordinates[0] : geo.type === 'Point' ? [geo.coordinates] : geo.coordinates;
        const r = pixelsOf(v, coords, this.buf);
        this.buf = r.px;
        const pad = L.point ? L.point + 2 : 2;
        if (r.box[2] < -pad || r.box[3] < -pad || r.box[0] > w + pad || r.box[1] > h + pad) continue;
        const color = f.properties.color, px = r.px;
        g.globalAlpha = 1;
        if (L.point) {
          g.beginPath();
          g.arc(px[0], px[1], L.point, 0, 2 * Math.PI);
          g.fillStyle = '#ffffff';
          g.fill();
          g.lineWidth = 2;
          g.strokeStyle = color;
          g.setLineDash([]);
          g.stroke();
          list.push({ ...f.properties, x: px[0], y: px[1] });
          continue;
        }
        g.beginPath();
        g.moveTo(px[0], px[1]);
        for (let i = 1; i < r.n; i++) g.lineTo(px[2 * i], px[2 * i + 1]);
        if (L.fill) { g.globalAlpha = L.fill; g.fillStyle = color; g.fill(); g.globalAlpha = 1; }
        g.lineWidth = L.width;
        g.globalAlpha = L.alpha || 1;
        g.strokeStyle = color;
        g.setLineDash(L.dash ? L.dash.map((d) => d * L.width) : []);
        g.stroke();
        list.push({ ...f.properties });
      }
    }
    g.globalAlpha = 1;
    g.setLineDash([]);
    this.drawn = drawn;
    this.draws++;
  },
};

// The track symbols: one circle per symbol (6 px, the nations' colour, a white rim), above the
// slow layers, redrawn whenever a track moves.
const trackLayer = {
  canvas: null, ctx: null, map: null, feats: [], drawn: [], draws: 0,
  init(canvas, map) { this.canvas = canvas; this.ctx = canvas.getContext('2d'); this.map = map; },
  draw() {
    if (!this.map) return;
    const { g, w, h } = sizeCanvas(this.canvas), v = viewOf(this.map), one = [null], buf = new Float64Array(2);
    g.lineWidth = 1.5;
    g.strokeStyle = '#ffffff';
    const drawn = [];
    for (const f of this.feats) {
      one[0] = f.geometry.coordinates;
      const p = pixelsOf(v, one, buf).px, x = p[0], y = p[1];
      if (x < -8 || y < -8 || x > w + 8 || y > h + 8) continue;
      g.beginPath();
      g.arc(x, y, 6, 0, 2 * Math.PI);
      g.fillStyle = f.properties.color;
      g.fill();
      g.stroke();
      drawn.push({ ...f.properties, x, y });
    }
    this.drawn = drawn;
    this.draws++;
  },
};
