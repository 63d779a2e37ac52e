// build.mjs - builds the common operational picture page into OUT (argument,
// default ./dist): the page (src/), MapLibre GL's CSP build from npm (no
// bundler needed: it is one prebuilt file plus its worker), and the map's
// nothing else.  Run by scripts/build-web.sh after `npm ci`; nothing here
// touches the network, and the page loads nothing from outside.
//
// Geography: none here.  Land, coastlines, territorial seas, EEZ limits and
// prefectures are all the node's own zone file (data/zones/README.md), drawn
// by `mwx geo zones-geojson` into <build>/web/zones.json (CMakeLists.txt).
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

fs.writeFileSync(path.join(out, 'BUILD.txt'),
  `built ${new Date().toISOString()} maplibre-gl ${JSON.parse(fs.readFileSync(path.join(ml, '..', 'package.json'))).version}; ` +
  `geography: zones.json (mwx geo zones-geojson, the node's own zone file)\n`);
console.log(`web: built ${out}`);
