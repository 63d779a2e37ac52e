// build.mjs - builds the common operational picture page into OUT (argument,
// default ./dist): the page (src/), MapLibre GL's CSP build from npm (no
// bundler needed: it is one prebuilt file plus its worker), and the map's
// land polygons.  Run by scripts/build-web.sh after `npm ci`; nothing here
// touches the network, and the page loads nothing from outside.
//
// Geography: until the zones module's data (data/zones/, from
// scripts/zones/) is merged, land and coastlines come from
// @geo-maps/countries-land-10km (OpenStreetMap-derived, 10-km resolution),
// cut to the theatre (90..180 E, -5..65 N) and rounded to 0.01 deg.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] || path.join(here, 'dist'));
const nm = path.join(here, 'node_modules');
fs.mkdirSync(out, { recursive: true });

for (const f of ['index.html', 'layers.js', 'app.js', 'app.css'])
  fs.copyFileSync(path.join(here, 'src', f), path.join(out, f));
const ml = path.join(nm, 'maplibre-gl', 'dist');
for (const f of ['maplibre-gl-csp.js', 'maplibre-gl-csp-worker.js', 'maplibre-gl.css'])
  fs.copyFileSync(path.join(ml, f), path.join(out, f));

const BOX = { w: 90, e: 180, s: -5, n: 65 };
function bbox(coords, b = [Infinity, Infinity, -Infinity, -Infinity]) {
  if (typeof coords[0] === 'number') {
    b[0] = Math.min(b[0], coords[0]); b[1] = Math.min(b[1], coords[1]);
    b[2] = Math.max(b[2], coords[0]); b[3] = Math.max(b[3], coords[1]);
  } else for (const c of coords) bbox(c, b);
  return b;
}
const round = (c) => typeof c[0] === 'number' ? [Math.round(c[0] * 100) / 100, Math.round(c[1] * 100) / 100] : c.map(round);
const land = JSON.parse(fs.readFileSync(path.join(nm, '@geo-maps', 'countries-land-10km', 'map.geo.json'), 'utf8'));
const features = [];
for (const f of land.features) {
  if (!f.geometry) continue;
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const keep = polys.filter((p) => { const b = bbox(p); return b[2] >= BOX.w && b[0] <= BOX.e && b[3] >= BOX.s && b[1] <= BOX.n; });
  if (!keep.length) continue;
  features.push({ type: 'Feature', properties: { a3: f.properties.A3 || '' },
                  geometry: { type: 'MultiPolygon', coordinates: round(keep) } });
}
fs.writeFileSync(path.join(out, 'land.json'), JSON.stringify({ type: 'FeatureCollection', features }));
fs.writeFileSync(path.join(out, 'BUILD.txt'),
  `built ${new Date().toISOString()} maplibre-gl ${JSON.parse(fs.readFileSync(path.join(ml, '..', 'package.json'))).version}, ` +
  `land features ${features.length} from @geo-maps/countries-land-10km\n`);
console.log(`web: built ${out} (${features.length} land features)`);
