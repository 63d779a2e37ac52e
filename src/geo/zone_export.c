/*
 * zone_export.c - the loaded zone file as GeoJSON lines and polygons for
 * drawing (the web picture's map layers, docs/api.md).  Separate from the
 * queries of zone.c / zone_mass.c: it reads the same index and changes
 * nothing in it.
 *
 * What is drawn, and from what:
 *   - "ts": the outer limit of each nation's territorial sea, from the
 *     maritime layer's edges (OSM border with the 12-nm sea); an edge with
 *     land on both sides (a land border) is left out;
 *   - "region": each JPN prefecture / KOR province as a polygon, from the land
 *     layer's edges of that region, chained back into their rings (the file
 *     keeps a ring's edges in order, data/zones/README.md);
 *   - "eez": the EEZ limits (outer limit and the median lines between two
 *     nations) as the boundaries, on a grid of grid_deg cells, between cells
 *     whose centres mwx_zone_classify() puts under a different nation's
 *     jurisdiction (land, territorial sea or EEZ) where one of them is an
 *     EEZ: the same rule the node applies, drawn to grid_deg / 2.
 * Chains are thinned to vertices at least THIN_DEG apart (0.01 deg, about
 * 1 km: below a pixel at the page's zooms) and coordinates rounded to 0.001 deg.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/zone.h"
#include "zone_int.h"

#define NONE16 0xffffu
#define THIN_DEG 0.01

static double r3(double v) { return round(v * 1000.0) / 1000.0; }

static json_t *pt(double x, double y) {
  json_t *a = json_array();
  json_array_append_new(a, json_real(r3(x)));
  json_array_append_new(a, json_real(r3(y)));
  return a;
}

static json_t *feature(const char *layer, const char *nation, const char *region, const char *gtype, json_t *coords) {
  json_t *f = json_object(), *p = json_object(), *g = json_object();
  json_object_set_new(p, "layer", json_string(layer));
  json_object_set_new(p, "nation", json_string(nation));
  if (region) json_object_set_new(p, "region", json_string(region));
  json_object_set_new(g, "type", json_string(gtype));
  json_object_set_new(g, "coordinates", coords);
  json_object_set_new(f, "type", json_string("Feature"));
  json_object_set_new(f, "properties", p);
  json_object_set_new(f, "geometry", g);
  return f;
}

/* appends (x, y) to chain unless it is within THIN_DEG of the last vertex
 * (force: always) */
static void chain_add(json_t *chain, double x, double y, double *lx, double *ly, int force) {
  if (!force && json_array_size(chain) && fabs(x - *lx) < THIN_DEG && fabs(y - *ly) < THIN_DEG) return;
  json_array_append_new(chain, pt(x, y));
  *lx = x, *ly = y;
}

static int land_both_sides(const mwx_zone *z, const zone_edge *e) {
  double mx = 0.5 * (e->x1 + e->x2), my = 0.5 * (e->y1 + e->y2);
  double dx = e->x2 - e->x1, dy = e->y2 - e->y1, n = hypot(dx, dy);
  if (n <= 0) return 0;
  double ox = -dy / n * 0.02, oy = dx / n * 0.02; /* 0.02 deg to either side */
  mwx_zone_result a, b;
  if (mwx_zone_classify(z, my + oy, mx + ox, &a) || mwx_zone_classify(z, my - oy, mx - ox, &b)) return 0;
  return a.zone == MWX_ZONE_LAND && b.zone == MWX_ZONE_LAND;
}

/* territorial sea limits of nation n: one MultiLineString */
static json_t *ts_lines(const mwx_zone *z, uint16_t n) {
  const zone_layer *L = &z->mar;
  json_t *lines = json_array(), *chain = NULL;
  double lx = 0, ly = 0, ex = NAN, ey = NAN;
  for (uint32_t i = 0; i < L->nedge; i++) {
    const zone_edge *e = &L->edge[i];
    int keep = e->nation == n && !land_both_sides(z, e);
    if (chain && (!keep || e->x1 != ex || e->y1 != ey)) { /* the chain ends */
      chain_add(chain, ex, ey, &lx, &ly, 1);
      if (json_array_size(chain) >= 2) json_array_append(lines, chain);
      json_decref(chain);
      chain = NULL;
    }
    if (!keep) continue;
    if (!chain) {
      chain = json_array();
      chain_add(chain, e->x1, e->y1, &lx, &ly, 1);
    } else {
      chain_add(chain, e->x1, e->y1, &lx, &ly, 0);
    }
    ex = e->x2, ey = e->y2;
  }
  if (chain) {
    chain_add(chain, ex, ey, &lx, &ly, 1);
    if (json_array_size(chain) >= 2) json_array_append(lines, chain);
    json_decref(chain);
  }
  return lines;
}

/* ---- the land layer's rings: one walker ----
 * The file keeps a ring's edges in order (data/zones/README.md): the edges
 * of the land layer that keep() selects are chained into rings, a ring
 * ending where the next selected edge does not start at the last one's end,
 * or where it came back to its start.  on_ring gets each ring (its vertices
 * thinned, its last vertex the last edge's end; closed: that end is its
 * start) and owns it; on_edge, when given, gets every edge in file order
 * (NULL for one not selected, and once at the end), for the lines drawn
 * along some of the ring's edges (the coast). */
typedef int (*land_keep_fn)(const zone_edge *e, uint16_t key);
typedef void (*land_ring_fn)(json_t *ring, int closed, void *ctx);
typedef void (*land_edge_fn)(const zone_edge *e, void *ctx);

static int keep_region(const zone_edge *e, uint16_t g) { return e->region == g; }
static int keep_nation(const zone_edge *e, uint16_t n) { return e->nation == n; }

static void land_rings(const mwx_zone *z, land_keep_fn keep_fn, uint16_t key, land_ring_fn on_ring,
                       land_edge_fn on_edge, void *ctx) {
  const zone_layer *L = &z->land;
  json_t *ring = NULL;
  double lx = 0, ly = 0, ex = NAN, ey = NAN, sx = 0, sy = 0;
  for (uint32_t i = 0; i <= L->nedge; i++) {
    const zone_edge *e = i < L->nedge ? &L->edge[i] : NULL;
    int keep = e && keep_fn(e, key);
    if (ring && (!keep || e->x1 != ex || e->y1 != ey || (ex == sx && ey == sy))) { /* the ring ends */
      chain_add(ring, ex, ey, &lx, &ly, 1);
      on_ring(ring, ex == sx && ey == sy, ctx);
      ring = NULL;
    }
    if (on_edge) on_edge(keep ? e : NULL, ctx);
    if (!keep) continue;
    if (!ring) {
      ring = json_array();
      sx = e->x1, sy = e->y1;
      chain_add(ring, e->x1, e->y1, &lx, &ly, 1);
    } else {
      chain_add(ring, e->x1, e->y1, &lx, &ly, 0);
    }
    ex = e->x2, ey = e->y2;
  }
}

/* a region's ring, closed by its start for the fill, into polys (ctx) */
static void region_ring(json_t *ring, int closed, void *polys) {
  if (!closed) {
    json_t *s = json_array_get(ring, 0);
    json_array_append_new(ring, pt(json_real_value(json_array_get(s, 0)), json_real_value(json_array_get(s, 1))));
  }
  if (json_array_size(ring) >= 4) {
    json_t *poly = json_array();
    json_array_append(poly, ring);
    json_array_append_new(polys, poly);
  }
  json_decref(ring);
}

/* region g's rings (land layer): one MultiPolygon, one polygon per ring */
static json_t *region_polys(const mwx_zone *z, uint16_t g) {
  json_t *polys = json_array();
  land_rings(z, keep_region, g, region_ring, NULL, polys);
  return polys;
}

/* ---- land and coast (the land layer, every nation) ----
 * The zone file keeps only the land edges that touch the margin box of
 * scripts/zones/build-zones.js (92..188 E, 4..66 N), so a ring that leaves
 * the box (Russia, China, Borneo) is there as open chains.  A chain is closed
 * for the fill along the box's sides, the shorter way round (the smaller
 * area: the land in the box, not the box less the land); a closed ring is
 * kept as it is. */
#define MB_W 92.0
#define MB_E 188.0
#define MB_S 4.0
#define MB_N 66.0

/* position of (x, y), clamped to the box, along its sides counter-clockwise
 * from the south-west corner (deg of perimeter) */
static double box_t(double x, double y) {
  double w = MB_E - MB_W, h = MB_N - MB_S;
  x = fmin(fmax(x, MB_W), MB_E), y = fmin(fmax(y, MB_S), MB_N);
  double ds = y - MB_S, de = MB_E - x, dn = MB_N - y, dw = x - MB_W, m = fmin(fmin(ds, de), fmin(dn, dw));
  if (m == ds) return x - MB_W;
  if (m == de) return w + (y - MB_S);
  if (m == dn) return w + h + (MB_E - x);
  return 2 * w + h + (MB_N - y);
}
static void box_xy(double t, double *x, double *y) {
  double w = MB_E - MB_W, h = MB_N - MB_S, p = 2 * (w + h);
  t = fmod(fmod(t, p) + p, p);
  if (t <= w) *x = MB_W + t, *y = MB_S;
  else if (t <= w + h) *x = MB_E, *y = MB_S + (t - w);
  else if (t <= 2 * w + h) *x = MB_E - (t - w - h), *y = MB_N;
  else *x = MB_W, *y = MB_N - (t - 2 * w - h);
}
/* the closing path from the chain's end (t1) to its start (t0) along the box,
 * ccw (dir +1) or cw (-1): the corners passed, then the start's foot */
static json_t *box_path(double t1, double t0, int dir, json_t *ring) {
  double w = MB_E - MB_W, h = MB_N - MB_S, p = 2 * (w + h), corner[4] = {0, w, w + h, 2 * w + h};
  double span = dir > 0 ? fmod(t0 - t1 + 2 * p, p) : fmod(t1 - t0 + 2 * p, p);
  double x, y;
  box_xy(t1, &x, &y);
  json_array_append_new(ring, pt(x, y));
  /* the corners within span of t1 in the direction dir, nearest first */
  double dk[4];
  for (int k = 0; k < 4; k++) dk[k] = dir > 0 ? fmod(corner[k] - t1 + 2 * p, p) : fmod(t1 - corner[k] + 2 * p, p);
  for (double last = 0;;) {
    int best = -1;
    for (int k = 0; k < 4; k++)
      if (dk[k] > last && dk[k] < span && (best < 0 || dk[k] < dk[best])) best = k;
    if (best < 0) break;
    box_xy(corner[best], &x, &y);
    json_array_append_new(ring, pt(x, y));
    last = dk[best];
  }
  box_xy(t0, &x, &y);
  json_array_append_new(ring, pt(x, y));
  return ring;
}
static double ring_area(const json_t *ring) {
  double a = 0;
  size_t n = json_array_size(ring);
  for (size_t i = 0; i < n; i++) {
    const json_t *p = json_array_get(ring, i), *q = json_array_get(ring, (i + 1) % n);
    a += json_real_value(json_array_get(p, 0)) * json_real_value(json_array_get(q, 1)) -
         json_real_value(json_array_get(q, 0)) * json_real_value(json_array_get(p, 1));
  }
  return fabs(a) / 2;
}
/* a chain (>= 2 vertices) into a closed ring appended to polys */
static void land_close(json_t *chain, int closed, json_t *polys) {
  size_t n = json_array_size(chain);
  if (n < 2) return;
  json_t *ring;
  if (closed) {
    ring = json_incref(chain);
  } else {
    const json_t *a = json_array_get(chain, 0), *b = json_array_get(chain, n - 1);
    double t0 = box_t(json_real_value(json_array_get(a, 0)), json_real_value(json_array_get(a, 1)));
    double t1 = box_t(json_real_value(json_array_get(b, 0)), json_real_value(json_array_get(b, 1)));
    json_t *r1 = box_path(t1, t0, +1, json_deep_copy(chain)), *r2 = box_path(t1, t0, -1, json_deep_copy(chain));
    int first = ring_area(r1) <= ring_area(r2);
    ring = first ? r1 : r2;
    json_decref(first ? r2 : r1);
    json_array_append_new(ring, json_deep_copy(json_array_get(chain, 0)));
  }
  if (json_array_size(ring) >= 4) {
    json_t *poly = json_array();
    json_array_append_new(poly, ring);
    json_array_append_new(polys, poly);
  } else {
    json_decref(ring);
  }
}

/* 1 when the land edge e has sea on one side (0.02 deg off its middle) and
 * land or sea on the other: a coast.  A side outside the covered region
 * (MWX_ZONE_UNKNOWN) cannot tell a coast from a land border: not drawn. */
static int shore_edge(const mwx_zone *z, const zone_edge *e) {
  double mx = 0.5 * (e->x1 + e->x2), my = 0.5 * (e->y1 + e->y2);
  double dx = e->x2 - e->x1, dy = e->y2 - e->y1, n = hypot(dx, dy);
  if (n <= 0) return 0;
  double ox = -dy / n * 0.02, oy = dx / n * 0.02;
  mwx_zone_result a, b;
  if (mwx_zone_classify(z, my + oy, mx + ox, &a) || mwx_zone_classify(z, my - oy, mx - ox, &b)) {
    mwx_error_clear();
    return 0;
  }
  if (a.zone == MWX_ZONE_UNKNOWN || b.zone == MWX_ZONE_UNKNOWN) return 0;
  return a.zone != MWX_ZONE_LAND || b.zone != MWX_ZONE_LAND;
}

/* nation n's land and coast: land_rings's rings closed along the box
 * (land_close) into polys; the coast, the chains of consecutive edges with
 * sea on one side (shore_edge), into coast */
typedef struct land_walk {
  const mwx_zone *z;
  json_t *polys, *coast, *line; /* line: the coast chain being made */
  double cx, cy, lex, ley;      /* its last vertex kept, its last edge's end */
} land_walk;

static void land_ring(json_t *ring, int closed, void *vw) {
  land_walk *w = vw;
  land_close(ring, closed, w->polys);
  json_decref(ring);
}

static void coast_edge(const zone_edge *e, void *vw) {
  land_walk *w = vw;
  int shore = e && shore_edge(w->z, e);
  if (w->line && (!shore || e->x1 != w->lex || e->y1 != w->ley)) { /* the coast line ends */
    chain_add(w->line, w->lex, w->ley, &w->cx, &w->cy, 1);
    if (json_array_size(w->line) >= 2) json_array_append(w->coast, w->line);
    json_decref(w->line);
    w->line = NULL;
  }
  if (!shore) return;
  if (!w->line) {
    w->line = json_array();
    chain_add(w->line, e->x1, e->y1, &w->cx, &w->cy, 1);
  } else {
    chain_add(w->line, e->x1, e->y1, &w->cx, &w->cy, 0);
  }
  w->lex = e->x2, w->ley = e->y2;
}

/* nation n's land (land layer): one MultiPolygon, a polygon per ring or
 * chain (a region's rings for JPN and KOR), and its coast: the edges with
 * sea on one side (land borders and prefecture limits left out; only
 * inside the covered region, shore_edge), one MultiLineString */
static void land_and_coast(const mwx_zone *z, uint16_t n, json_t **polys_out, json_t **coast_out) {
  land_walk w = {z, json_array(), json_array(), NULL, 0, 0, NAN, NAN};
  land_rings(z, keep_nation, n, land_ring, coast_edge, &w);
  *polys_out = w.polys;
  *coast_out = w.coast;
}

/* the jurisdiction of a point: nation index + 1 for land, territorial sea or
 * EEZ, 0 otherwise; *eez = 1 when it is an EEZ */
static int owner_at(const mwx_zone *z, double lat, double lon, int *eez) {
  mwx_zone_result r;
  *eez = 0;
  if (mwx_zone_classify(z, lat, lon, &r) || !r.nation[0]) return 0;
  if (r.zone != MWX_ZONE_LAND && r.zone != MWX_ZONE_TERRITORIAL_SEA && r.zone != MWX_ZONE_EEZ) return 0;
  *eez = r.zone == MWX_ZONE_EEZ;
  for (uint32_t k = 0; k < z->nnat; k++)
    if (!strncmp(z->nation[k], r.nation, 4)) return (int)k + 1;
  return 0;
}

/* EEZ limits on the grid: per nation, the cell sides between it and another
 * owner where one side is an EEZ (a median line is drawn once, under the
 * nation of the cell west / south of it). */
static int eez_lines(const mwx_zone *z, double grid_deg, json_t *features) {
  double lon0 = 100.0, lon1 = 180.0, lat0 = 10.0, lat1 = 60.0; /* zone.h's coverage */
  size_t nc = (size_t)ceil((lon1 - lon0) / grid_deg), nr = (size_t)ceil((lat1 - lat0) / grid_deg);
  int *own = malloc(nc * nr * sizeof *own);
  unsigned char *ez = malloc(nc * nr);
  json_t **lines = calloc(z->nnat + 1, sizeof *lines);
  if (!own || !ez || !lines) {
    free(own), free(ez), free(lines);
    return mwx_error_set(MWX_ENOMEM, "zone export: EEZ grid");
  }
  for (size_t j = 0; j < nr; j++)
    for (size_t i = 0; i < nc; i++) {
      int e;
      own[j * nc + i] = owner_at(z, lat0 + (j + 0.5) * grid_deg, lon0 + (i + 0.5) * grid_deg, &e);
      ez[j * nc + i] = (unsigned char)e;
    }
  for (size_t j = 0; j < nr; j++)
    for (size_t i = 0; i < nc; i++) {
      size_t c = j * nc + i;
      for (int dir = 0; dir < 2; dir++) { /* 0: the east neighbour, 1: the north one */
        if ((dir == 0 && i + 1 >= nc) || (dir == 1 && j + 1 >= nr)) continue;
        size_t d = dir == 0 ? c + 1 : c + nc;
        if (own[c] == own[d] || !(ez[c] || ez[d])) continue;
        int who = own[c] ? own[c] : own[d];
        double x = lon0 + (i + 1) * grid_deg, y = lat0 + j * grid_deg;
        json_t *seg = json_array();
        if (dir == 0) {
          json_array_append_new(seg, pt(x, y));
          json_array_append_new(seg, pt(x, y + grid_deg));
        } else {
          x -= grid_deg, y += grid_deg;
          json_array_append_new(seg, pt(x, y));
          json_array_append_new(seg, pt(x + grid_deg, y));
        }
        if (!lines[who]) lines[who] = json_array();
        json_array_append_new(lines[who], seg);
      }
    }
  for (uint32_t k = 0; k < z->nnat; k++)
    if (lines[k + 1]) json_array_append_new(features, feature("eez", z->nation[k], NULL, "MultiLineString", lines[k + 1]));
  free(own), free(ez), free(lines);
  return 0;
}

int mwx_zone_export_geojson(const mwx_zone *z, double grid_deg, char **out) {
  if (!z || !out || !isfinite(grid_deg) || grid_deg < 0.02 || grid_deg > 2.0)
    return mwx_error_set(MWX_EINVAL, "zone export: grid_deg must be 0.02..2 (got %g)", grid_deg);
  *out = NULL;
  json_t *fc = json_object(), *features = json_array();
  json_object_set_new(fc, "type", json_string("FeatureCollection"));
  int rc = eez_lines(z, grid_deg, features);
  for (uint32_t n = 0; !rc && n < z->nnat; n++) {
    json_t *l = ts_lines(z, (uint16_t)n);
    if (json_array_size(l)) json_array_append_new(features, feature("ts", z->nation[n], NULL, "MultiLineString", l));
    else json_decref(l);
  }
  for (uint32_t n = 0; !rc && n < z->nnat; n++) {
    json_t *p, *l;
    land_and_coast(z, (uint16_t)n, &p, &l);
    if (json_array_size(p)) json_array_append_new(features, feature("land", z->nation[n], NULL, "MultiPolygon", p));
    else json_decref(p);
    if (json_array_size(l)) json_array_append_new(features, feature("coast", z->nation[n], NULL, "MultiLineString", l));
    else json_decref(l);
  }
  for (uint32_t g = 0; !rc && g < z->nreg; g++) {
    json_t *p = region_polys(z, (uint16_t)g);
    if (json_array_size(p))
      json_array_append_new(features, feature("region", z->nation[z->region_nation[g]], z->region_name[g],
                                              "MultiPolygon", p));
    else json_decref(p);
  }
  json_object_set_new(fc, "features", features);
  if (!rc) {
    *out = json_dumps(fc, JSON_COMPACT | JSON_REAL_PRECISION(7));
    if (!*out) rc = mwx_error_set(MWX_ENOMEM, "zone export: GeoJSON text");
  }
  json_decref(fc);
  return rc;
}
