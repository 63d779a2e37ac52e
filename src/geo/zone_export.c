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

/* region g's rings (land layer): one MultiPolygon, one polygon per ring */
static json_t *region_polys(const mwx_zone *z, uint16_t g) {
  const zone_layer *L = &z->land;
  json_t *polys = json_array(), *ring = NULL;
  double lx = 0, ly = 0, ex = NAN, ey = NAN, sx = 0, sy = 0;
  for (uint32_t i = 0; i <= L->nedge; i++) {
    const zone_edge *e = i < L->nedge ? &L->edge[i] : NULL;
    int keep = e && e->region == g;
    if (ring && (!keep || e->x1 != ex || e->y1 != ey || (ex == sx && ey == sy))) { /* the ring ends */
      chain_add(ring, ex, ey, &lx, &ly, 1);
      if (ex != sx || ey != sy) chain_add(ring, sx, sy, &lx, &ly, 1); /* closed for the fill */
      if (json_array_size(ring) >= 4) {
        json_t *poly = json_array();
        json_array_append(poly, ring);
        json_array_append_new(polys, poly);
      }
      json_decref(ring);
      ring = NULL;
    }
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
  return polys;
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
