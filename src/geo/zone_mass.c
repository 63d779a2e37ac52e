/*
 * zone_mass.c - what an uncertain impact point or a ground track means in
 * zones: the probability mass of a 95 % ellipse per (zone, nation, region),
 * and the territories a ground track passes over, with entry and exit times.
 * Pure: no I/O, no clock; uses only the immutable mwx_zone.
 *
 * Ellipse mass quadrature.  In the whitened plane (unit variance along both
 * axes) the radius r of a 2-D Gaussian has P(r < rho) = 1 - exp(-rho^2 / 2)
 * (Rayleigh).  Ring k of RINGS holds the mass between 0.95 k / RINGS and
 * 0.95 (k + 1) / RINGS; its point sits at the mass midpoint,
 * rho_k = sqrt(-2 ln(1 - 0.95 (k + 1/2) / RINGS)); sectors split each ring
 * into equal angles (the Gaussian is isotropic there).  Every point carries
 * the same weight 0.95 / (RINGS SECTORS), and the outermost ring lies inside
 * the 95 % contour rho_95 = sqrt(5.991).  A point is mapped to the ground by
 * scaling the whitened offset by the ellipse's 1-sigma axes (semi-axis /
 * sqrt(5.991), chi-square 2 dof) along the major axis' azimuth and walking
 * the geodesic (PROJ geod_direct through mwx_geo_direct).
 */
#include <math.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/zone.h"
#include "zone_int.h"

#define CHI2_95_2D 5.991464547107979 /* chi-square, 2 dof, p = 0.95 */
#define P_ELLIPSE 0.95

static void add_mass(mwx_zone_mass *m, const mwx_zone_result *r, double w) {
  for (size_t i = 0; i < m->n; i++) {
    mwx_zone_mass_entry *e = &m->e[i];
    if (e->zone == r->zone && e->region == r->region && !strcmp(e->nation, r->nation)) {
      e->p += w;
      return;
    }
  }
  if (m->n == MWX_ZONE_MASS_MAX) {
    m->p_other += w;
    return;
  }
  mwx_zone_mass_entry *e = &m->e[m->n++];
  e->zone = r->zone;
  memcpy(e->nation, r->nation, 4);
  e->region = r->region;
  e->p = w;
}

int mwx_zone_ellipse_mass(const mwx_zone *z, double lat_deg, double lon_deg, double major_km,
                          double minor_km, double orient_deg, mwx_zone_mass *out) {
  if (!z || !out) return mwx_error_set(MWX_EINVAL, "mwx_zone_ellipse_mass: NULL argument");
  if (!isfinite(major_km) || !isfinite(minor_km) || !isfinite(orient_deg) || minor_km < 0 ||
      major_km < minor_km || major_km > 5000)
    return mwx_error_set(MWX_EINVAL, "ellipse %g x %g km at %g deg is not a 95%% ellipse", major_km, minor_km,
                         orient_deg);
  memset(out, 0, sizeof *out);
  mwx_zone_result r;
  int rc = mwx_zone_classify(z, lat_deg, lon_deg, &r);
  if (rc) return rc;
  if (major_km == 0) {
    add_mass(out, &r, P_ELLIPSE);
    return 0;
  }
  double s_maj_m = major_km * 1000.0 / sqrt(CHI2_95_2D), s_min_m = minor_km * 1000.0 / sqrt(CHI2_95_2D);
  double w = P_ELLIPSE / (MWX_ZONE_MASS_RINGS * MWX_ZONE_MASS_SECTORS);
  for (int k = 0; k < MWX_ZONE_MASS_RINGS; k++) {
    double rho = sqrt(-2.0 * log(1.0 - P_ELLIPSE * (k + 0.5) / MWX_ZONE_MASS_RINGS));
    for (int s = 0; s < MWX_ZONE_MASS_SECTORS; s++) {
      /* half-sector offset on odd rings: the points do not line up radially */
      double th = 2.0 * M_PI * (s + 0.5 * (k & 1)) / MWX_ZONE_MASS_SECTORS;
      double a = rho * cos(th) * s_maj_m, b = rho * sin(th) * s_min_m; /* along major, minor */
      double dist = hypot(a, b);
      double az = orient_deg + atan2(b, a) * MWX_RAD2DEG;
      double la, lo;
      if ((rc = mwx_geo_direct(lat_deg, lon_deg, az, dist, &la, &lo, NULL))) return rc;
      if ((rc = mwx_zone_classify(z, la, lo, &r))) return rc;
      add_mass(out, &r, w);
    }
  }
  /* largest first (insertion sort: at most 32 entries) */
  for (size_t i = 1; i < out->n; i++)
    for (size_t j = i; j > 0 && out->e[j].p > out->e[j - 1].p; j--) {
      mwx_zone_mass_entry t = out->e[j];
      out->e[j] = out->e[j - 1];
      out->e[j - 1] = t;
    }
  return 0;
}

double mwx_zone_mass_of(const mwx_zone_mass *m, const char *nation, mwx_zone_kind zone) {
  double p = 0;
  if (!m || !nation) return 0;
  for (size_t i = 0; i < m->n; i++) {
    const mwx_zone_mass_entry *e = &m->e[i];
    if (strcmp(e->nation, nation)) continue;
    if (zone == MWX_ZONE_UNKNOWN ? (e->zone == MWX_ZONE_LAND || e->zone == MWX_ZONE_TERRITORIAL_SEA)
                                 : e->zone == zone)
      p += e->p;
  }
  return p;
}

/* ---- overflight ---- */

#define STEP_KM 2.0
#define LINES 5 /* track, +-corridor/2, +-corridor */
#define MAX_ACTIVE 64

typedef struct active {
  char nation[4];
  int region, over_land;
  int64_t t_enter_ns;
  int seen; /* in the current step */
} active;

static int emit(mwx_zone_passage *out, size_t cap, size_t *n, const active *a, int64_t t_exit_ns) {
  if (*n < cap) {
    mwx_zone_passage *p = &out[*n];
    memcpy(p->nation, a->nation, 4);
    p->region = a->region;
    p->over_land = a->over_land;
    p->t_enter_ns = a->t_enter_ns;
    p->t_exit_ns = t_exit_ns;
  }
  (*n)++;
  return 0;
}

int mwx_zone_overflight(const mwx_zone *z, const mwx_zone_track_point *pts, size_t n, double corridor_km,
                        mwx_zone_passage *out, size_t cap, size_t *n_out) {
  if (!z || !pts || !n_out || (cap && !out)) return mwx_error_set(MWX_EINVAL, "mwx_zone_overflight: NULL argument");
  *n_out = 0;
  if (n < 1) return mwx_error_set(MWX_EINVAL, "overflight: empty ground track");
  if (!isfinite(corridor_km) || corridor_km < 0 || corridor_km > 1000)
    return mwx_error_set(MWX_EINVAL, "overflight: corridor %g km out of range 0..1000", corridor_km);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(pts[i].lat_deg) || !isfinite(pts[i].lon_deg) || fabs(pts[i].lat_deg) > 90)
      return mwx_error_set(MWX_EINVAL, "overflight: point %zu is not a position", i);
    if (i && pts[i].t_ns < pts[i - 1].t_ns)
      return mwx_error_set(MWX_EINVAL, "overflight: point %zu goes back in time", i);
  }
  active act[MAX_ACTIVE];
  size_t nact = 0, count = 0;
  int rc;
  double offs_km[LINES] = {0, corridor_km / 2, -corridor_km / 2, corridor_km, -corridor_km};
  int lines = corridor_km > 0 ? LINES : 1;
  for (size_t i = 0; i < n; i++) {
    /* sub-steps of segment i-1 -> i (one step at the first point) */
    double dist_m = 0, az = 0;
    size_t steps = 1;
    if (i) {
      if ((rc = mwx_geo_inverse(pts[i - 1].lat_deg, pts[i - 1].lon_deg, pts[i].lat_deg, pts[i].lon_deg, &dist_m,
                                &az, NULL)))
        return rc;
      steps = (size_t)ceil(dist_m / (STEP_KM * 1000.0));
      if (steps < 1) steps = 1;
      if (steps > 100000) return mwx_error_set(MWX_ERANGE, "overflight: segment %zu is %.0f km long", i, dist_m / 1e3);
    }
    for (size_t s = 1; s <= steps; s++) {
      double f = i ? (double)s / (double)steps : 0, la = pts[i].lat_deg, lo = pts[i].lon_deg, az2 = az;
      int64_t t = pts[i].t_ns;
      if (i) {
        if ((rc = mwx_geo_direct(pts[i - 1].lat_deg, pts[i - 1].lon_deg, az, f * dist_m, &la, &lo, &az2))) return rc;
        t = pts[i - 1].t_ns + (int64_t)llround(f * (double)(pts[i].t_ns - pts[i - 1].t_ns));
      } else if (n > 1) {
        if ((rc = mwx_geo_inverse(pts[0].lat_deg, pts[0].lon_deg, pts[1].lat_deg, pts[1].lon_deg, NULL, &az2, NULL)))
          return rc;
      }
      for (size_t a = 0; a < nact; a++) act[a].seen = 0;
      for (int l = 0; l < lines; l++) {
        double pla = la, plo = lo;
        if (offs_km[l] != 0) {
          double side = offs_km[l] > 0 ? 90.0 : -90.0;
          if ((rc = mwx_geo_direct(la, lo, az2 + side, fabs(offs_km[l]) * 1000.0, &pla, &plo, NULL))) return rc;
        }
        mwx_zone_result r;
        if ((rc = mwx_zone_classify(z, pla, plo, &r))) return rc;
        if (r.zone != MWX_ZONE_LAND && r.zone != MWX_ZONE_TERRITORIAL_SEA) continue;
        size_t a;
        for (a = 0; a < nact; a++)
          if (act[a].region == r.region && !strcmp(act[a].nation, r.nation)) break;
        if (a == nact) {
          if (nact == MAX_ACTIVE) return mwx_error_set(MWX_ERANGE, "overflight: over %d territories at once", MAX_ACTIVE);
          memcpy(act[a].nation, r.nation, 4);
          act[a].region = r.region;
          act[a].over_land = 0;
          act[a].t_enter_ns = t;
          nact++;
        }
        act[a].seen = 1;
        if (r.zone == MWX_ZONE_LAND) act[a].over_land = 1;
      }
      /* close the passages not seen in this step; they exited now */
      for (size_t a = 0; a < nact;) {
        if (act[a].seen) {
          a++;
          continue;
        }
        emit(out, cap, &count, &act[a], t);
        act[a] = act[--nact];
      }
    }
  }
  for (size_t a = 0; a < nact; a++) emit(out, cap, &count, &act[a], pts[n - 1].t_ns);
  /* order by entry time (insertion sort of what fits) */
  size_t m = count < cap ? count : cap;
  for (size_t i = 1; i < m; i++)
    for (size_t j = i; j > 0 && out[j].t_enter_ns < out[j - 1].t_enter_ns; j--) {
      mwx_zone_passage tmp = out[j];
      out[j] = out[j - 1];
      out[j - 1] = tmp;
    }
  *n_out = m;
  if (count > cap) return mwx_error_set(MWX_ERANGE, "overflight: %zu passages, room for %zu", count, cap);
  return 0;
}
