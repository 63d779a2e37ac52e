/*
 * test_zone.c - zones from the real polygon data (the file the build made):
 * known places on land and at sea, the median line, every call of Japan's
 * Ministry of Defense in data/launches.csv (in the EEZ, outside it, overflight
 * of Hokkaido / Aomori, reproduced with fitted trajectories), the ellipse mass
 * quadrature and corrupt zone files.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/zone.h"
#include "geo/zone_int.h" /* the index, to tell a real edge between two points */

static mwx_zone *Z;

static int setup(void **st) {
  (void)st;
  int rc = mwx_zone_open(NULL, &Z);
  if (rc) fprintf(stderr, "zone file: %s\n", mwx_error_msg());
  return rc;
}
static int teardown(void **st) {
  (void)st;
  mwx_zone_close(Z);
  return 0;
}

static void expect(double lat, double lon, mwx_zone_kind zone, const char *nation, const char *region) {
  mwx_zone_result r;
  assert_int_equal(mwx_zone_classify(Z, lat, lon, &r), 0);
  const char *g = mwx_zone_region_name(Z, r.region);
  if (r.zone != zone || strcmp(r.nation, nation) || (region && (!g || strcmp(g, region))))
    fprintf(stderr, "at %.4f %.4f: got %s %s %s (coast %.1f km), want %s %s %s\n", lat, lon,
            mwx_zone_kind_name(r.zone), r.nation, g ? g : "-", r.distance_to_coast_km, mwx_zone_kind_name(zone),
            nation, region ? region : "-");
  assert_int_equal(r.zone, zone);
  assert_string_equal(r.nation, nation);
  if (region) assert_non_null(g), assert_string_equal(g, region);
}

/* Places whose zone no one disputes (coordinates from the cities' own
 * published positions, rounded to 0.01 deg). */
static void test_places(void **st) {
  (void)st;
  expect(43.06, 141.35, MWX_ZONE_LAND, "JPN", "Hokkaido"); /* Sapporo */
  expect(40.82, 140.74, MWX_ZONE_LAND, "JPN", "Aomori");   /* Aomori city */
  expect(35.68, 139.76, MWX_ZONE_LAND, "JPN", "Tokyo");
  expect(26.21, 127.68, MWX_ZONE_LAND, "JPN", "Okinawa");  /* Naha */
  expect(37.57, 126.98, MWX_ZONE_LAND, "KOR", "Seoul");
  expect(37.48, 130.90, MWX_ZONE_LAND, "KOR", "North Gyeongsang"); /* Ulleungdo */
  expect(39.02, 125.75, MWX_ZONE_LAND, "PRK", NULL);        /* Pyongyang */
  expect(43.12, 131.89, MWX_ZONE_LAND, "RUS", NULL);        /* Vladivostok */
  expect(39.90, 116.40, MWX_ZONE_LAND, "CHN", NULL);        /* Beijing */
  /* along land borders the two layers' lines differ by kilometres: a point
   * in one nation's maritime border and another's land polygon is land of the
   * first (Yalu near Sinuiju; Loei by the Mekong), never "territorial sea" */
  expect(40.874, 125.95, MWX_ZONE_LAND, "PRK", NULL);
  expect(17.474, 101.0, MWX_ZONE_LAND, "THA", NULL);
  /* Tsugaru Strait between Honshu and Hokkaido (Japan keeps 3 nm there) */
  expect(41.30, 140.00, MWX_ZONE_TERRITORIAL_SEA, "JPN", "Hokkaido");
  /* Okinotorishima: 12 nm around a reef the land data cannot resolve */
  expect(20.42, 136.08, MWX_ZONE_TERRITORIAL_SEA, "JPN", NULL);
  /* Pacific: 30 N 170 E is 1,500 km from any coast */
  expect(30.0, 170.0, MWX_ZONE_HIGH_SEAS, "", NULL);
  /* Sea of Japan off Primorye: Russia's EEZ */
  expect(42.5, 132.0, MWX_ZONE_EEZ, "RUS", NULL);
  /* Outside the coverage */
  expect(-33.9, 151.2, MWX_ZONE_UNKNOWN, "", NULL); /* Sydney */
  expect(51.5, -0.1, MWX_ZONE_UNKNOWN, "", NULL);   /* London */
}

static void test_distances(void **st) {
  (void)st;
  mwx_zone_result r;
  /* 100 km due west of Cape Nyudo (Oga Peninsula, 39.99 N 139.70 E) */
  double la, lo;
  assert_int_equal(mwx_geo_direct(39.99, 139.70, 270.0, 100e3, &la, &lo, NULL), 0);
  assert_int_equal(mwx_zone_classify(Z, la, lo, &r), 0);
  assert_int_equal(r.zone, MWX_ZONE_EEZ);
  assert_string_equal(r.nation, "JPN");
  /* the nearest coast may be a little nearer than the cape (its shoreline bends) */
  assert_true(r.distance_to_coast_km > 85 && r.distance_to_coast_km < 101);
  assert_true(r.distance_to_baseline_km > 80 && r.distance_to_baseline_km < 101);
  assert_int_equal(r.distance_approx, 0);
  /* land: 0 */
  assert_int_equal(mwx_zone_classify(Z, 43.06, 141.35, &r), 0);
  assert_true(r.distance_to_coast_km == 0);
  /* bad input */
  assert_int_equal(mwx_zone_classify(Z, 91, 0, &r), MWX_EINVAL);
  assert_int_equal(mwx_zone_classify(Z, NAN, 0, &r), MWX_EINVAL);
  assert_int_equal(mwx_zone_classify(Z, 0, INFINITY, &r), MWX_EINVAL);
  /* longitude normalised */
  mwx_zone_result r2;
  assert_int_equal(mwx_zone_classify(Z, 43.06, 141.35 - 360, &r2), 0);
  assert_int_equal(r2.zone, MWX_ZONE_LAND);
}

/* The median line: walking from Vladivostok's coast to Hokkaido's, the EEZ
 * changes from RUS to JPN once, where the distances to the two baselines are
 * equal (within the step), and both are < 200 nm there. */
static void test_median_line(void **st) {
  (void)st;
  double lat1 = 42.60, lon1 = 132.60, lat2 = 43.20, lon2 = 140.30; /* off Nakhodka .. off Otaru */
  double dist, az;
  assert_int_equal(mwx_geo_inverse(lat1, lon1, lat2, lon2, &dist, &az, NULL), 0);
  int switches = 0;
  char prev[4] = "";
  for (double s = 0; s <= dist; s += 2000) {
    double la, lo;
    mwx_zone_result r;
    assert_int_equal(mwx_geo_direct(lat1, lon1, az, s, &la, &lo, NULL), 0);
    assert_int_equal(mwx_zone_classify(Z, la, lo, &r), 0);
    if (r.zone != MWX_ZONE_EEZ) continue;
    if (prev[0] && strcmp(prev, r.nation)) {
      switches++;
      assert_string_equal(prev, "RUS");
      assert_string_equal(r.nation, "JPN");
      /* just past the line: JPN's baseline is nearer, by less than a step */
      mwx_zone_result back;
      double lb, lob;
      assert_int_equal(mwx_geo_direct(lat1, lon1, az, s - 2000, &lb, &lob, NULL), 0);
      assert_int_equal(mwx_zone_classify(Z, lb, lob, &back), 0);
      assert_true(fabs(back.distance_to_baseline_km - r.distance_to_baseline_km) < 4.0);
      assert_true(r.distance_to_baseline_km < MWX_ZONE_EEZ_KM);
    }
    memcpy(prev, r.nation, 4);
  }
  assert_int_equal(switches, 1);
}

/* The index is consistent across cells: two points 1e-7 deg apart on either
 * side of every cell boundary (each answered from its own cell's centre
 * masks and candidate edges) get the same zone and nation; every sea point
 * inside the coverage has a distance to the coast; every EEZ point lies
 * between 12 and 200 nm of its baseline.  A wrong centre mask (a dropped
 * crossing at build time) breaks the first; an empty candidate list where
 * one is needed breaks the second. */
/* Does a data edge (candidate of either point's cell, either layer) pass
 * between the points a and b?  Then they may differ. */
static int edge_between(double la1, double lo1, double la2, double lo2) {
  zone_query q[2];
  assert_int_equal(zone_locate(Z, la1, lo1, &q[0]), 0);
  assert_int_equal(zone_locate(Z, la2, lo2, &q[1]), 0);
  for (int k = 0; k < 2; k++)
    for (int l = 0; l < 2; l++) {
      const zone_layer *L = l ? &Z->land : &Z->mar;
      for (uint32_t m = L->off[q[k].cell]; m < L->off[q[k].cell + 1]; m++) {
        const zone_edge *e = &L->edge[L->idx[m]];
        double ux = q[1].x - q[0].x, uy = q[1].y - q[0].y;
        double o1 = ux * (e->y1 - q[0].y) - uy * (e->x1 - q[0].x), o2 = ux * (e->y2 - q[0].y) - uy * (e->x2 - q[0].x);
        double vx = e->x2 - e->x1, vy = e->y2 - e->y1;
        double o3 = vx * (q[0].y - e->y1) - vy * (q[0].x - e->x1), o4 = vx * (q[1].y - e->y1) - vy * (q[1].x - e->x1);
        if ((o1 >= 0) != (o2 >= 0) && (o3 >= 0) != (o4 >= 0)) return 1;
        if (o1 == 0 || o2 == 0 || o3 == 0 || o4 == 0) return 1; /* touching */
      }
    }
  return 0;
}

static void test_index_consistency(void **st) {
  (void)st;
  const double cell = 0.2, eps = 1e-7;
  long pairs = 0, diff = 0, sea = 0, on_edge = 0;
  for (int j = 0; j < 250; j++)
    for (int i = 1; i < 400; i++) {
      double la = 10.0 + (j + 0.37) * cell, lo = 100.0 + i * cell;
      double lb = 10.0 + j * cell, lob = 100.0 + (i + 0.61) * cell;
      mwx_zone_result a, b, c, d;
      assert_int_equal(mwx_zone_classify(Z, la, lo - eps, &a), 0);
      assert_int_equal(mwx_zone_classify(Z, la, lo + eps, &b), 0);
      pairs++;
      if ((a.zone != b.zone || strcmp(a.nation, b.nation)) && edge_between(la, lo - eps, la, lo + eps)) {
        on_edge++;
      } else if (a.zone != b.zone || strcmp(a.nation, b.nation)) {
        diff++;
        fprintf(stderr, "across lon %.1f at lat %.3f: %s %s | %s %s\n", lo, la, mwx_zone_kind_name(a.zone),
                a.nation, mwx_zone_kind_name(b.zone), b.nation);
      }
      if (j > 0) {
        assert_int_equal(mwx_zone_classify(Z, lb - eps, lob, &c), 0);
        assert_int_equal(mwx_zone_classify(Z, lb + eps, lob, &d), 0);
        pairs++;
        if ((c.zone != d.zone || strcmp(c.nation, d.nation)) && edge_between(lb - eps, lob, lb + eps, lob)) {
          on_edge++;
        } else if (c.zone != d.zone || strcmp(c.nation, d.nation)) {
          diff++;
          fprintf(stderr, "across lat %.1f at lon %.3f: %s %s | %s %s\n", lb, lob, mwx_zone_kind_name(c.zone),
                  c.nation, mwx_zone_kind_name(d.zone), d.nation);
        }
      }
      if (a.zone == MWX_ZONE_EEZ || a.zone == MWX_ZONE_HIGH_SEAS || a.zone == MWX_ZONE_TERRITORIAL_SEA) {
        sea++;
        assert_true(isfinite(a.distance_to_coast_km) && a.distance_to_coast_km > 0);
      }
      if (a.zone == MWX_ZONE_EEZ)
        assert_true(a.distance_to_baseline_km >= MWX_ZONE_TS_KM && a.distance_to_baseline_km <= MWX_ZONE_EEZ_KM + 1e-9);
    }
  fprintf(stderr, "%ld pairs across cell boundaries, %ld differ (%ld more straddle a data edge); %ld sea points\n",
          pairs, diff, on_edge, sea);
  assert_int_equal(diff, 0);
  assert_true(on_edge < 20);
  assert_true(sea > 50000);
}

/* ---- data/launches.csv: the Ministry of Defense's calls ---- */

typedef struct row {
  char date[32], call[16];
  double lat, lon, az, apogee, range, ilat, ilon;
  int has_impact;
} row;

/* Reads the columns this test needs (quoted fields may hold commas). */
static int read_rows(row *rows, int cap) {
  char path[512];
  snprintf(path, sizeof path, "%s/data/launches.csv", MWX_SOURCE_DIR);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[4096];
  int n = 0;
  assert_non_null(fgets(line, sizeof line, f)); /* header */
  while (fgets(line, sizeof line, f) && n < cap) {
    char *fld[20] = {0};
    int k = 0, q = 0;
    fld[k++] = line;
    for (char *p = line; *p && k < 20; p++) {
      if (*p == '"') q = !q;
      else if (*p == ',' && !q) *p = 0, fld[k++] = p + 1;
    }
    if (k < 14) continue;
    row *r = &rows[n++];
    snprintf(r->date, sizeof r->date, "%.31s", fld[0]);
    r->lat = atof(fld[4]), r->lon = atof(fld[5]), r->az = atof(fld[6]);
    r->apogee = atof(fld[7]), r->range = atof(fld[8]);
    r->has_impact = fld[11][0] != 0;
    r->ilat = atof(fld[11]), r->ilon = atof(fld[12]);
    snprintf(r->call, sizeof r->call, "%.15s", fld[13]);
  }
  fclose(f);
  return n;
}

/* A fitted flight of the row (apogee, range, bearing) as a ground track. */
static size_t ground_track(const row *r, mwx_zone_track_point *pts, size_t cap, double *flight_s) {
  mwx_ballistic_fit_req req = {r->lat, r->lon, r->az, r->apogee, r->range, MWX_CLASS_UNKNOWN};
  mwx_ballistic_launch L;
  mwx_ballistic_figures fig;
  assert_int_equal(mwx_ballistic_fit(&req, &L, &fig), 0);
  mwx_ballistic_traj tr = {0};
  assert_int_equal(mwx_ballistic_fly(&L, 5.0, &tr), 0);
  size_t n = 0;
  for (size_t i = 0; i < tr.n && n < cap; i++) {
    mwx_geo_lla p;
    assert_int_equal(mwx_geo_lla_from_ecef(tr.s[i].pos_ecef_m, &p), 0);
    pts[n].lat_deg = p.lat_deg, pts[n].lon_deg = p.lon_deg;
    pts[n].t_ns = (int64_t)llround(tr.s[i].t_s * 1e9);
    n++;
  }
  *flight_s = fig.flight_time_s;
  mwx_ballistic_traj_fini(&tr);
  return n;
}

static void test_launches_csv(void **st) {
  (void)st;
  row rows[64];
  int n = read_rows(rows, 64), eez = 0, out = 0, over = 0;
  assert_true(n >= 9);
  for (int i = 0; i < n; i++) {
    row *r = &rows[i];
    mwx_zone_result z;
    double la = r->ilat, lo = r->ilon;
    if (!r->has_impact) /* no description: the point at range and bearing */
      assert_int_equal(mwx_geo_direct(r->lat, r->lon, r->az, r->range * 1e3, &la, &lo, NULL), 0);
    assert_int_equal(mwx_zone_classify(Z, la, lo, &z), 0);
    fprintf(stderr, "%s %-11s impact %.2f %.2f: %s %s, baseline %.0f km\n", r->date, r->call, la, lo,
            mwx_zone_kind_name(z.zone), z.nation, z.distance_to_baseline_km);
    if (!strcmp(r->call, "in_eez")) {
      assert_int_equal(z.zone, MWX_ZONE_EEZ);
      assert_string_equal(z.nation, "JPN");
      eez++;
    } else if (!strcmp(r->call, "outside_eez")) {
      assert_false(z.zone == MWX_ZONE_LAND || z.zone == MWX_ZONE_TERRITORIAL_SEA);
      if (z.zone == MWX_ZONE_EEZ && !strcmp(z.nation, "JPN")) {
        /* Only a row without an impact description may disagree: its point
         * comes from a rounded range and a bearing good to +-5 deg
         * (data/README.md).  Then some point within those bounds must be
         * outside, and the disagreement is reported (data/zones/README.md). */
        assert_false(r->has_impact);
        int found = 0;
        double best_az = 0;
        for (double daz = -5; daz <= 5 && !found; daz += 0.5)
          for (double f = 0.95; f <= 1.05 + 1e-9 && !found; f += 0.025) {
            double a2, o2;
            mwx_zone_result z2;
            assert_int_equal(mwx_geo_direct(r->lat, r->lon, r->az + daz, r->range * f * 1e3, &a2, &o2, NULL), 0);
            assert_int_equal(mwx_zone_classify(Z, a2, o2, &z2), 0);
            if (!(z2.zone == MWX_ZONE_EEZ && !strcmp(z2.nation, "JPN"))) found = 1, best_az = r->az + daz;
          }
        fprintf(stderr, "  nominal point in JPN's EEZ; outside from bearing %.1f deg\n", best_az);
        assert_true(found);
      }
      out++;
    } else if (!strcmp(r->call, "overflight")) {
      /* fell outside the EEZ, beyond Japan */
      assert_false(z.zone == MWX_ZONE_EEZ && !strcmp(z.nation, "JPN"));
      static mwx_zone_track_point pts[8192];
      double flight_s;
      size_t np = ground_track(r, pts, 8192, &flight_s), npass;
      mwx_zone_passage pass[32];
      assert_int_equal(mwx_zone_overflight(Z, pts, np, 0.0, pass, 32, &npass), 0);
      int jpn_land = 0;
      for (size_t k = 0; k < npass; k++) {
        const char *g = mwx_zone_region_name(Z, pass[k].region);
        fprintf(stderr, "  over %s %s%s %.0f..%.0f s\n", pass[k].nation, g ? g : "-",
                pass[k].over_land ? " (land)" : "", pass[k].t_enter_ns / 1e9, pass[k].t_exit_ns / 1e9);
        if (!strcmp(pass[k].nation, "JPN") && pass[k].over_land) jpn_land++;
        /* never the Tokyo islands (the 2022-10-04 fault) */
        if (g) assert_string_not_equal(g, "Tokyo");
      }
      assert_true(jpn_land >= 1);
      if (!strncmp(r->date, "2022-10-03", 10)) {
        /* over Aomori between 07:28 and 07:29 JST, launch 07:22 (Asahi):
         * 6 to 7 minutes; the fitted flight must agree to within a minute */
        int aomori = 0;
        for (size_t k = 0; k < npass; k++)
          if (pass[k].region >= 0 && !strcmp(mwx_zone_region_name(Z, pass[k].region), "Aomori")) {
            aomori = 1;
            assert_true(pass[k].t_enter_ns / 1e9 > 300 && pass[k].t_enter_ns / 1e9 < 480);
          }
        assert_true(aomori);
      } else {
        int hokkaido = 0;
        for (size_t k = 0; k < npass; k++)
          if (pass[k].region >= 0 && !strcmp(mwx_zone_region_name(Z, pass[k].region), "Hokkaido")) hokkaido = 1;
        assert_true(hokkaido);
      }
      over++;
    }
  }
  assert_true(eez >= 5);
  assert_true(out >= 2);
  assert_int_equal(over, 2);
}

/* ---- ellipse mass ---- */

static double total(const mwx_zone_mass *m) {
  double p = m->p_other;
  for (size_t i = 0; i < m->n; i++) p += m->e[i].p;
  return p;
}

static void test_ellipse_mass(void **st) {
  (void)st;
  mwx_zone_mass m;
  /* far at sea: everything on the high seas */
  assert_int_equal(mwx_zone_ellipse_mass(Z, 30.0, 170.0, 50, 20, 30, &m), 0);
  assert_int_equal(m.n, 1);
  assert_int_equal(m.e[0].zone, MWX_ZONE_HIGH_SEAS);
  assert_true(fabs(m.e[0].p - 0.95) < 1e-9);
  /* centred on a straight-ish stretch of coast (Kujukuri beach, Chiba, which
   * runs NE-SW): about half the mass on land, half at sea */
  assert_int_equal(mwx_zone_ellipse_mass(Z, 35.53, 140.46, 10, 10, 0, &m), 0);
  double land = mwx_zone_mass_of(&m, "JPN", MWX_ZONE_LAND);
  double sea = mwx_zone_mass_of(&m, "JPN", MWX_ZONE_TERRITORIAL_SEA);
  fprintf(stderr, "Kujukuri: land %.3f sea %.3f\n", land, sea);
  assert_true(land > 0.25 && land < 0.70);
  assert_true(fabs(land + sea - 0.95) < 1e-9);
  assert_true(fabs(total(&m) - 0.95) < 1e-9);
  /* the 2022-03-24 fall west of Oshima: a 300 km ellipse reaches land */
  assert_int_equal(mwx_zone_ellipse_mass(Z, 41.74, 138.19, 300, 100, 90, &m), 0);
  assert_true(mwx_zone_mass_of(&m, "JPN", MWX_ZONE_UNKNOWN) > 0.0);
  assert_true(mwx_zone_mass_of(&m, "JPN", MWX_ZONE_EEZ) > 0.5);
  /* with a 20 km ellipse it does not */
  assert_int_equal(mwx_zone_ellipse_mass(Z, 41.74, 138.19, 20, 10, 90, &m), 0);
  assert_true(mwx_zone_mass_of(&m, "JPN", MWX_ZONE_UNKNOWN) == 0.0);
  assert_true(fabs(mwx_zone_mass_of(&m, "JPN", MWX_ZONE_EEZ) - 0.95) < 1e-9);
  /* zero ellipse: the centre's zone */
  assert_int_equal(mwx_zone_ellipse_mass(Z, 43.06, 141.35, 0, 0, 0, &m), 0);
  assert_int_equal(m.n, 1);
  assert_int_equal(m.e[0].zone, MWX_ZONE_LAND);
  /* bad ellipses */
  assert_int_equal(mwx_zone_ellipse_mass(Z, 30, 170, 10, 20, 0, &m), MWX_EINVAL);
  assert_int_equal(mwx_zone_ellipse_mass(Z, 30, 170, NAN, 0, 0, &m), MWX_EINVAL);
  assert_int_equal(mwx_zone_ellipse_mass(Z, 30, 170, -1, -1, 0, &m), MWX_EINVAL);
}

/* Overflight: bad tracks refused; the corridor widens what is under the track. */
static void test_overflight_bad_input(void **st) {
  (void)st;
  mwx_zone_track_point p[2] = {{40, 130, 10}, {40, 131, 5}};
  mwx_zone_passage pass[4];
  size_t n;
  assert_int_equal(mwx_zone_overflight(Z, p, 2, 0, pass, 4, &n), MWX_EINVAL);
  assert_int_equal(mwx_zone_overflight(Z, p, 0, 0, pass, 4, &n), MWX_EINVAL);
  p[1].t_ns = 20;
  assert_int_equal(mwx_zone_overflight(Z, p, 2, -1, pass, 4, &n), MWX_EINVAL);
  assert_int_equal(mwx_zone_overflight(Z, p, 2, 0, pass, 4, &n), 0);
  assert_int_equal(n, 0);
  /* a corridor widens what is overflown: a track 45 km off Sado's west coast
   * (38.2 N 138.27 E) heading north passes over nothing, a 40 km corridor
   * reaches Sado (Niigata) */
  mwx_zone_track_point q[2] = {{38.22, 137.75, 0}, {38.32, 137.75, 100000000000LL}};
  assert_int_equal(mwx_zone_overflight(Z, q, 2, 0, pass, 4, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(mwx_zone_overflight(Z, q, 2, 40, pass, 4, &n), 0);
  assert_true(n >= 1);
  assert_string_equal(pass[0].nation, "JPN");
  assert_string_equal(mwx_zone_region_name(Z, pass[0].region), "Niigata");
}

/* ---- corrupt files ---- */

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  fclose(f);
}

static void test_corrupt(void **st) {
  (void)st;
  FILE *f = fopen(mwx_zone_default_path(), "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)n);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  char path[] = "/tmp/mwx-zone-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  mwx_zone *z;
  /* truncated */
  write_file(path, b, (size_t)n / 2);
  assert_int_equal(mwx_zone_open(path, &z), MWX_ECORRUPT);
  assert_non_null(strstr(mwx_error_msg(), path));
  /* bad magic */
  b[0] ^= 1;
  write_file(path, b, (size_t)n);
  assert_int_equal(mwx_zone_open(path, &z), MWX_ECORRUPT);
  assert_non_null(strstr(mwx_error_msg(), "magic"));
  b[0] ^= 1;
  /* a candidate index past the edges: the last 4 bytes before the end marker */
  unsigned char save[4];
  memcpy(save, b + n - 12, 4);
  memset(b + n - 12, 0xff, 4);
  write_file(path, b, (size_t)n);
  assert_int_equal(mwx_zone_open(path, &z), MWX_ECORRUPT);
  assert_non_null(strstr(mwx_error_msg(), "out of range"));
  memcpy(b + n - 12, save, 4);
  /* 40 single-byte changes spread over the file (a fixed sequence): each is
   * refused as corrupt or, when it only moves a vertex or a mask within
   * range, gives a file whose queries still run (ASan watches) */
  uint64_t x = 12345;
  int refused = 0, opened = 0;
  for (int k = 0; k < 40; k++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    size_t at = (size_t)((x >> 17) % (uint64_t)(n - 16)) + 8;
    unsigned char was = b[at];
    b[at] ^= (unsigned char)(1u << (x >> 60 & 7));
    write_file(path, b, (size_t)n);
    int rc = mwx_zone_open(path, &z);
    assert_true(rc == 0 || rc == MWX_ECORRUPT);
    if (rc == 0) {
      mwx_zone_result r;
      for (double la = 10.5; la < 60; la += 7)
        for (double lo = 100.5; lo < 180; lo += 9) assert_int_equal(mwx_zone_classify(z, la, lo, &r), 0);
      mwx_zone_close(z);
      opened++;
    } else {
      refused++;
    }
    b[at] = was;
  }
  fprintf(stderr, "40 corrupted files: %d refused, %d still valid\n", refused, opened);
  /* intact copy opens */
  write_file(path, b, (size_t)n);
  assert_int_equal(mwx_zone_open(path, &z), 0);
  mwx_zone_close(z);
  /* a directory, a missing file */
  assert_int_equal(mwx_zone_open("/tmp", &z), MWX_EIO);
  assert_int_equal(mwx_zone_open("/nonexistent/zones.bin", &z), MWX_EIO);
  unlink(path);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_places),       cmocka_unit_test(test_distances),
      cmocka_unit_test(test_index_consistency),
      cmocka_unit_test(test_median_line),  cmocka_unit_test(test_launches_csv),
      cmocka_unit_test(test_ellipse_mass), cmocka_unit_test(test_overflight_bad_input),
      cmocka_unit_test(test_corrupt),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
