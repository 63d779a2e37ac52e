/*
 * zone.c - loading the zone file and classifying points (land, territorial
 * sea, EEZ, high seas).  The file (data/zones/README.md) holds two layers,
 * "maritime" (OSM borders with the territorial sea) and "land", each as edges
 * plus a grid of cells; per cell, the owner masks of the cell's centre and the
 * candidate edges (every edge that can be the nearest one to a point of the
 * cell, which includes every edge crossing the cell).  So one query is:
 *   1. owners of the point = owners of the centre, toggled by every candidate
 *      edge that the segment centre -> point crosses (parity in the lon/lat
 *      plane, where the polygons are drawn);
 *   2. nearest edge = the minimum over the candidates (chord distance on the
 *      unit sphere, converted to an arc once).
 * No search, no allocation: a few tens of edges per query.  The file is
 * checked whole at open, so that a query never reads out of bounds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/zone.h"
#include "zone_int.h"

#define MAX_FILE_BYTES ((size_t)512 << 20)
#define NONE16 0xffffu
/* the region of a sea point: the nearest region edge, if this near (km) */
#define REGION_MAX_KM 80.0

const char *mwx_zone_kind_name(mwx_zone_kind k) {
  static const char *const n[] = {"unknown", "land", "territorial_sea", "eez", "high_seas"};
  return (unsigned)k < MWX_ZONE_KINDS ? n[k] : "?";
}

const char *mwx_zone_default_path(void) {
  const char *e = getenv("MWX_ZONE_DATA");
  if (e && *e) return e;
#ifdef MWX_ZONE_DATA_PATH
  return MWX_ZONE_DATA_PATH;
#else
  return "zones.bin";
#endif
}

/* ---- reading ---- */

typedef struct rd {
  const unsigned char *p;
  size_t n, off;
  const char *path;
} rd;

static int need(rd *r, size_t k, const char *what) {
  if (r->n - r->off < k)
    return mwx_error_set(MWX_ECORRUPT, "%s: truncated at byte %zu reading %s", r->path, r->off, what);
  return 0;
}
static uint32_t u32at(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t u64at(const unsigned char *p) { return (uint64_t)u32at(p) | (uint64_t)u32at(p + 4) << 32; }
static double f64at(const unsigned char *p) {
  uint64_t u = u64at(p);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}
static float f32at(const unsigned char *p) {
  uint32_t u = u32at(p);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
static int get_u32(rd *r, const char *what, uint32_t *v) {
  int rc = need(r, 4, what);
  if (rc) return rc;
  *v = u32at(r->p + r->off);
  r->off += 4;
  return 0;
}
static int get_f64(rd *r, const char *what, double *v) {
  int rc = need(r, 8, what);
  if (rc) return rc;
  *v = f64at(r->p + r->off);
  r->off += 8;
  if (!isfinite(*v)) return mwx_error_set(MWX_ECORRUPT, "%s: %s is not finite", r->path, what);
  return 0;
}

static void unit_vec(double lon_deg, double lat_deg, double v[3]) {
  double a = lon_deg * MWX_DEG2RAD, b = lat_deg * MWX_DEG2RAD;
  v[0] = cos(b) * cos(a);
  v[1] = cos(b) * sin(a);
  v[2] = sin(b);
}

static int read_layer(rd *r, mwx_zone *z, zone_layer *L, const char *name) {
  uint32_t ne, nc;
  int rc;
  char what[64];
  snprintf(what, sizeof what, "%s layer header", name);
  if ((rc = get_u32(r, what, &ne)) || (rc = get_u32(r, what, &nc))) return rc;
  size_t ncell = (size_t)z->ncol * z->nrow;
  if (ne > (1u << 26) || nc > (1u << 28))
    return mwx_error_set(MWX_ECORRUPT, "%s: %s layer: %u edges / %u candidates is too many", r->path, name,
                         ne, nc);
  snprintf(what, sizeof what, "%s edges", name);
  if ((rc = need(r, (size_t)ne * 20, what))) return rc;
  L->nedge = ne;
  L->edge = calloc(ne ? ne : 1, sizeof *L->edge);
  L->mask = calloc(ncell, sizeof *L->mask);
  L->off = calloc(ncell + 1, sizeof *L->off);
  L->flags = calloc(ncell, 1);
  L->idx = calloc(nc ? nc : 1, sizeof *L->idx);
  if (!L->edge || !L->mask || !L->off || !L->flags || !L->idx) return mwx_error_set(MWX_ENOMEM, "zone file");
  for (uint32_t i = 0; i < ne; i++) {
    const unsigned char *p = r->p + r->off + (size_t)i * 20;
    zone_edge *e = &L->edge[i];
    float c[4];
    for (int k = 0; k < 4; k++) {
      c[k] = f32at(p + 4 * k);
      if (!isfinite(c[k]) || fabsf(c[k]) > 400.0f)
        return mwx_error_set(MWX_ECORRUPT, "%s: %s edge %u: coordinate %d is not a valid degree", r->path, name,
                             i, k);
    }
    e->x1 = c[0], e->y1 = c[1], e->x2 = c[2], e->y2 = c[3];
    e->nation = (uint16_t)(p[16] | p[17] << 8);
    e->region = (uint16_t)(p[18] | p[19] << 8);
    if (e->nation >= z->nnat || (e->region != NONE16 && e->region >= z->nreg))
      return mwx_error_set(MWX_ECORRUPT, "%s: %s edge %u: owner out of range", r->path, name, i);
    double a[3], b[3];
    unit_vec(e->x1, e->y1, a);
    unit_vec(e->x2, e->y2, b);
    double dd = 0;
    for (int k = 0; k < 3; k++) e->a[k] = (float)a[k], e->d[k] = (float)(b[k] - a[k]), dd += (b[k] - a[k]) * (b[k] - a[k]);
    e->inv_dd = dd > 0 ? (float)(1.0 / dd) : 0.0f;
  }
  r->off += (size_t)ne * 20;
  snprintf(what, sizeof what, "%s cell masks", name);
  if ((rc = need(r, ncell * 16, what))) return rc;
  uint64_t nat_ok = z->nnat >= 64 ? ~0ull : (1ull << z->nnat) - 1;
  uint64_t reg_ok = z->nreg >= 64 ? ~0ull : (1ull << z->nreg) - 1;
  for (size_t c = 0; c < ncell; c++) {
    L->mask[c].nation = u64at(r->p + r->off + c * 16);
    L->mask[c].region = u64at(r->p + r->off + c * 16 + 8);
    if ((L->mask[c].nation & ~nat_ok) || (L->mask[c].region & ~reg_ok))
      return mwx_error_set(MWX_ECORRUPT, "%s: %s cell %zu: owner mask out of range", r->path, name, c);
  }
  r->off += ncell * 16;
  snprintf(what, sizeof what, "%s cell offsets", name);
  if ((rc = need(r, (ncell + 1) * 4 + ncell, what))) return rc;
  for (size_t c = 0; c <= ncell; c++) {
    L->off[c] = u32at(r->p + r->off + c * 4);
    if ((c && L->off[c] < L->off[c - 1]) || L->off[c] > nc || (c == ncell && L->off[c] != nc))
      return mwx_error_set(MWX_ECORRUPT, "%s: %s cell %zu: candidate offset %u out of order", r->path, name, c,
                           L->off[c]);
  }
  r->off += (ncell + 1) * 4;
  memcpy(L->flags, r->p + r->off, ncell);
  r->off += ncell;
  snprintf(what, sizeof what, "%s candidates", name);
  if ((rc = need(r, (size_t)nc * 4, what))) return rc;
  for (uint32_t i = 0; i < nc; i++) {
    L->idx[i] = u32at(r->p + r->off + (size_t)i * 4);
    if (L->idx[i] >= ne)
      return mwx_error_set(MWX_ECORRUPT, "%s: %s candidate %u: edge %u out of range", r->path, name, i,
                           L->idx[i]);
  }
  r->off += (size_t)nc * 4;
  return 0;
}

static int parse(rd *r, mwx_zone *z) {
  int rc;
  uint32_t ver, nnat, nreg;
  if ((rc = need(r, 8, "magic"))) return rc;
  if (memcmp(r->p, "MWXZONE1", 8))
    return mwx_error_set(MWX_ECORRUPT, "%s: not a zone file (bad magic)", r->path);
  r->off = 8;
  if ((rc = get_u32(r, "version", &ver)) || (rc = get_u32(r, "columns", &z->ncol)) ||
      (rc = get_u32(r, "rows", &z->nrow)) || (rc = get_u32(r, "nations", &nnat)) ||
      (rc = get_u32(r, "regions", &nreg)))
    return rc;
  if (ver != 2) return mwx_error_set(MWX_ECORRUPT, "%s: version %u, expected 2", r->path, ver);
  if (!z->ncol || !z->nrow || z->ncol > 20000 || z->nrow > 20000)
    return mwx_error_set(MWX_ECORRUPT, "%s: grid %ux%u out of range", r->path, z->ncol, z->nrow);
  if (!nnat || nnat > 64 || nreg > 64)
    return mwx_error_set(MWX_ECORRUPT, "%s: %u nations / %u regions (at most 64 each)", r->path, nnat, nreg);
  z->nnat = nnat, z->nreg = nreg;
  if ((rc = get_f64(r, "lon0", &z->lon0)) || (rc = get_f64(r, "lat0", &z->lat0)) ||
      (rc = get_f64(r, "cell_deg", &z->cell_deg)) || (rc = get_f64(r, "radius_km", &z->r_km)) ||
      (rc = get_f64(r, "eez_from_ts_km", &z->eez_from_ts_km)) || (rc = get_f64(r, "ref_dx", &z->ref_dx)) ||
      (rc = get_f64(r, "ref_dy", &z->ref_dy)))
    return rc;
  if (!(z->cell_deg > 0.001 && z->cell_deg <= 10) || !(z->r_km > 6300 && z->r_km < 6400) ||
      !(z->eez_from_ts_km > 0 && z->eez_from_ts_km < 1000) || fabs(z->lat0) > 90 || fabs(z->lon0) > 360 ||
      z->lat0 + z->nrow * z->cell_deg > 90.0001 || z->ncol * z->cell_deg > 360.0001 ||
      fabs(z->ref_dx) > z->cell_deg / 4 || fabs(z->ref_dy) > z->cell_deg / 4)
    return mwx_error_set(MWX_ECORRUPT, "%s: grid geometry out of range", r->path);
  if ((rc = need(r, (size_t)nnat * 4 + (size_t)nreg * 32, "names"))) return rc;
  for (uint32_t i = 0; i < nnat; i++) {
    const unsigned char *p = r->p + r->off + i * 4;
    for (int k = 0; k < 3; k++)
      if (p[k] < 'A' || p[k] > 'Z')
        return mwx_error_set(MWX_ECORRUPT, "%s: nation %u: code is not three capitals", r->path, i);
    if (p[3]) return mwx_error_set(MWX_ECORRUPT, "%s: nation %u: code not terminated", r->path, i);
    memcpy(z->nation[i], p, 4);
  }
  r->off += (size_t)nnat * 4;
  for (uint32_t i = 0; i < nreg; i++) {
    const unsigned char *p = r->p + r->off + i * 32;
    uint32_t n = u32at(p);
    if (n >= nnat) return mwx_error_set(MWX_ECORRUPT, "%s: region %u: nation out of range", r->path, i);
    z->region_nation[i] = (uint16_t)n;
    memcpy(z->region_name[i], p + 4, 28);
    if (z->region_name[i][27] || !z->region_name[i][0])
      return mwx_error_set(MWX_ECORRUPT, "%s: region %u: name empty or not terminated", r->path, i);
    for (const char *s = z->region_name[i]; *s; s++)
      if ((unsigned char)*s < 0x20 || *s == 0x7f)
        return mwx_error_set(MWX_ECORRUPT, "%s: region %u: control character in name", r->path, i);
  }
  r->off += (size_t)nreg * 32;
  if ((rc = read_layer(r, z, &z->mar, "maritime")) || (rc = read_layer(r, z, &z->land, "land"))) return rc;
  if (r->n - r->off != 8 || memcmp(r->p + r->off, "MWXZEND1", 8))
    return mwx_error_set(MWX_ECORRUPT, "%s: bad end marker at byte %zu (file size %zu)", r->path, r->off, r->n);
  return 0;
}

static void free_layer(zone_layer *L) {
  free(L->edge);
  free(L->mask);
  free(L->off);
  free(L->flags);
  free(L->idx);
}

void mwx_zone_close(mwx_zone *z) {
  if (!z) return;
  free_layer(&z->mar);
  free_layer(&z->land);
  free(z);
}

int mwx_zone_open(const char *path, mwx_zone **out) {
  if (!out) return mwx_error_set(MWX_EINVAL, "mwx_zone_open: out is NULL");
  *out = NULL;
  if (!path) path = mwx_zone_default_path();
  FILE *f = fopen(path, "rb");
  if (!f) return mwx_error_set(MWX_EIO, "%s: cannot open zone file: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
    fclose(f);
    return mwx_error_set(MWX_EIO, "%s: not a regular file", path);
  }
  if ((size_t)st.st_size > MAX_FILE_BYTES || st.st_size < 16) {
    fclose(f);
    return mwx_error_set(MWX_ECORRUPT, "%s: size %lld bytes is not that of a zone file", path,
                         (long long)st.st_size);
  }
  size_t n = (size_t)st.st_size;
  unsigned char *buf = malloc(n);
  if (!buf) {
    fclose(f);
    return mwx_error_set(MWX_ENOMEM, "%s: %zu bytes", path, n);
  }
  size_t got = fread(buf, 1, n, f);
  fclose(f);
  if (got != n) {
    free(buf);
    return mwx_error_set(MWX_EIO, "%s: short read (%zu of %zu bytes)", path, got, n);
  }
  mwx_zone *z = calloc(1, sizeof *z);
  if (!z) {
    free(buf);
    return mwx_error_set(MWX_ENOMEM, "zone");
  }
  rd r = {buf, n, 0, path};
  int rc = parse(&r, z);
  free(buf);
  if (rc) {
    mwx_zone_close(z);
    return rc;
  }
  *out = z;
  return 0;
}

/* ---- regions ---- */

int mwx_zone_region_count(const mwx_zone *z) { return z ? (int)z->nreg : 0; }
const char *mwx_zone_region_name(const mwx_zone *z, int g) {
  return z && g >= 0 && (uint32_t)g < z->nreg ? z->region_name[g] : NULL;
}
const char *mwx_zone_region_nation(const mwx_zone *z, int g) {
  return z && g >= 0 && (uint32_t)g < z->nreg ? z->nation[z->region_nation[g]] : "";
}
int mwx_zone_region_find(const mwx_zone *z, const char *name, int *g) {
  if (!z || !name || !g) return mwx_error_set(MWX_EINVAL, "mwx_zone_region_find: NULL argument");
  for (uint32_t i = 0; i < z->nreg; i++)
    if (!strcmp(z->region_name[i], name)) {
      *g = (int)i;
      return 0;
    }
  return mwx_error_set(MWX_ENOTFOUND, "no region named '%s'", name);
}

/* ---- queries ---- */

/* Does segment c->p cross edge e?  Half-open orientation rule: a vertex on
 * the line c-p counts on the negative side, so that an edge chain through a
 * vertex counts once when it crosses and twice (or never) when it touches. */
static int crosses(double cx, double cy, double px, double py, const zone_edge *e) {
  double ux = px - cx, uy = py - cy;
  double o1 = ux * (e->y1 - cy) - uy * (e->x1 - cx);
  double o2 = ux * (e->y2 - cy) - uy * (e->x2 - cx);
  if ((o1 > 0) == (o2 > 0)) return 0;
  double vx = e->x2 - e->x1, vy = e->y2 - e->y1;
  double o3 = vx * (cy - e->y1) - vy * (cx - e->x1);
  double o4 = vx * (py - e->y1) - vy * (px - e->x1);
  return (o3 > 0) != (o4 > 0);
}

/* Squared chord from unit vector q to edge e (3-D segment). */
static double chord2(const double q[3], const zone_edge *e) {
  double w0 = q[0] - e->a[0], w1 = q[1] - e->a[1], w2 = q[2] - e->a[2];
  double t = (w0 * e->d[0] + w1 * e->d[1] + w2 * e->d[2]) * e->inv_dd;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  w0 -= t * e->d[0], w1 -= t * e->d[1], w2 -= t * e->d[2];
  return w0 * w0 + w1 * w1 + w2 * w2;
}

static double arc_km(const mwx_zone *z, double c2) {
  double c = sqrt(c2) / 2;
  return 2 * z->r_km * asin(c > 1 ? 1 : c);
}

int zone_locate(const mwx_zone *z, double lat_deg, double lon_deg, zone_query *q) {
  if (!z || !q) return mwx_error_set(MWX_EINVAL, "zone: NULL argument");
  if (!isfinite(lat_deg) || !isfinite(lon_deg) || fabs(lat_deg) > 90)
    return mwx_error_set(MWX_EINVAL, "zone: lat %g lon %g is not a position", lat_deg, lon_deg);
  double lon = fmod(lon_deg - z->lon0, 360.0);
  if (lon < 0) lon += 360.0;
  double fi = lon / z->cell_deg, fj = (lat_deg - z->lat0) / z->cell_deg;
  q->inside = fi < z->ncol && fj >= 0 && fj <= z->nrow;
  if (!q->inside) return 0;
  uint32_t i = (uint32_t)fi, j = (uint32_t)fj;
  if (i >= z->ncol) i = z->ncol - 1;
  if (j >= z->nrow) j = z->nrow - 1;
  q->cell = (size_t)j * z->ncol + i;
  q->x = z->lon0 + lon, q->y = lat_deg;
  /* the reference point whose owners the file holds (same expression as the
   * builder's, so the same double) */
  q->cx = z->lon0 + (i + 0.5) * z->cell_deg + z->ref_dx;
  q->cy = z->lat0 + (j + 0.5) * z->cell_deg + z->ref_dy;
  unit_vec(q->x, q->y, q->u);
  return 0;
}

/* Owner masks at q for layer L: the centre's, toggled by every candidate
 * edge that the segment centre -> point crosses. */
static void layer_owners(const zone_layer *L, const zone_query *q, uint64_t *nat, uint64_t *reg) {
  uint64_t mn = L->mask[q->cell].nation, mg = L->mask[q->cell].region;
  for (uint32_t k = L->off[q->cell], b = L->off[q->cell + 1]; k < b; k++) {
    const zone_edge *e = &L->edge[L->idx[k]];
    if (crosses(q->cx, q->cy, q->x, q->y, e)) {
      mn ^= 1ull << e->nation;
      if (e->region != NONE16) mg ^= 1ull << e->region;
    }
  }
  *nat = mn, *reg = mg;
}

/* Nearest candidate edge of layer L to q: index or -1, and squared chord. */
static int32_t layer_nearest(const zone_layer *L, const zone_query *q, double *near_c2) {
  double best = INFINITY;
  int32_t bi = -1;
  for (uint32_t k = L->off[q->cell], b = L->off[q->cell + 1]; k < b; k++) {
    double c2 = chord2(q->u, &L->edge[L->idx[k]]);
    if (c2 < best) best = c2, bi = (int32_t)L->idx[k];
  }
  *near_c2 = best;
  return bi;
}

static int lowest_bit(uint64_t m) {
  for (int i = 0; i < 64; i++)
    if (m >> i & 1) return i;
  return -1;
}

/* Nearest land edge of nation n with a region, among q's land candidates. */
static int nearest_region(const mwx_zone *z, const zone_query *q, int n) {
  const zone_layer *L = &z->land;
  double best = INFINITY;
  int g = -1;
  for (uint32_t k = L->off[q->cell]; k < L->off[q->cell + 1]; k++) {
    const zone_edge *e = &L->edge[L->idx[k]];
    if (e->nation != n || e->region == NONE16) continue;
    double c2 = chord2(q->u, e);
    if (c2 < best) best = c2, g = e->region;
  }
  /* an islet the land data lacks (Oshima-Oshima, 55 km off Hokkaido) takes
   * the nearest region within 80 km; further out (Okinotorishima) none */
  return g >= 0 && arc_km(z, best) <= REGION_MAX_KM ? g : -1;
}

int zone_classify_q(const mwx_zone *z, const zone_query *q, mwx_zone_result *out) {
  memset(out, 0, sizeof *out);
  out->region = -1;
  out->distance_to_coast_km = NAN;
  out->distance_to_baseline_km = NAN;
  if (!q->inside) {
    out->zone = MWX_ZONE_UNKNOWN;
    return 0;
  }
  uint64_t mn, mg, ln = 0, lg = 0;
  double mc2, lc2;
  layer_owners(&z->mar, q, &mn, &mg);
  if (mn) layer_owners(&z->land, q, &ln, &lg);
  out->distance_approx = z->land.flags[q->cell] & 1;
  /* On land: inside the nation's maritime border and inside any land
   * polygon.  The two layers draw land borders apart (the 10-km layer is
   * coarse): where a point lies in THA's maritime border but LAO's land
   * polygon, it is THA's land (the finer border decides the nation), not a
   * "territorial sea" 300 km inland.  The land distance is needed everywhere
   * but on land. */
  int on_land = mn && ln;
  int32_t lnear = on_land ? -1 : layer_nearest(&z->land, q, &lc2);
  double dcoast = lnear >= 0 ? arc_km(z, lc2) : NAN;
  if (mn) {
    int n = lowest_bit(mn & ln) >= 0 ? lowest_bit(mn & ln) : lowest_bit(mn);
    memcpy(out->nation, z->nation[n], 4);
    out->distance_to_baseline_km = 0;
    if (on_land) {
      out->zone = MWX_ZONE_LAND;
      out->distance_to_coast_km = 0;
      out->distance_approx = 0;
      for (uint64_t m = lg; m; m &= m - 1) {
        int g = lowest_bit(m);
        if (z->region_nation[g] == n) {
          out->region = g;
          break;
        }
      }
      if (out->region < 0) out->region = nearest_region(z, q, n);
    } else {
      /* A territorial sea lies within 12 nm of a baseline: where the land
       * data lacks the island (Okinotorishima, Minamitorishima, Takeshima
       * are below its resolution) the coast is known to be that close. */
      out->zone = MWX_ZONE_TERRITORIAL_SEA;
      out->distance_to_coast_km = dcoast;
      if (!(dcoast <= MWX_ZONE_TS_KM)) {
        out->distance_to_coast_km = MWX_ZONE_TS_KM;
        out->distance_approx = 1;
      }
      out->region = nearest_region(z, q, n);
    }
    return 0;
  }
  out->distance_to_coast_km = dcoast;
  int32_t mnear = layer_nearest(&z->mar, q, &mc2);
  if (mnear >= 0) {
    double dts = arc_km(z, mc2);
    if (dts <= z->eez_from_ts_km) {
      out->zone = MWX_ZONE_EEZ;
      memcpy(out->nation, z->nation[z->mar.edge[mnear].nation], 4);
      out->distance_to_baseline_km = dts + MWX_ZONE_TS_KM;
      return 0;
    }
  }
  out->zone = MWX_ZONE_HIGH_SEAS;
  return 0;
}

int mwx_zone_classify(const mwx_zone *z, double lat_deg, double lon_deg, mwx_zone_result *out) {
  zone_query q;
  if (!out) return mwx_error_set(MWX_EINVAL, "mwx_zone_classify: out is NULL");
  int rc = zone_locate(z, lat_deg, lon_deg, &q);
  if (rc) return rc;
  return zone_classify_q(z, &q, out);
}
