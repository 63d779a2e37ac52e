/*
 * test_zone_export.c - mwx_zone_export_geojson on the zone file the build
 * made: the map layers agree with the queries they are drawn from (a point
 * inside a prefecture polygon is on that prefecture's land, both sides of an
 * EEZ line are under different nations, one side an EEZ), the known layers
 * are there, and a bad grid is refused.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/zone.h"

static mwx_zone *Z;
static json_t *G; /* the export at 0.1 deg */

static int setup(void **st) {
  (void)st;
  int rc = mwx_zone_open(NULL, &Z);
  if (rc) {
    fprintf(stderr, "zone file: %s\n", mwx_error_msg());
    return rc;
  }
  char *txt = NULL;
  if ((rc = mwx_zone_export_geojson(Z, 0.1, &txt))) return rc;
  rc = mwx_json_load_text(txt, strlen(txt), "zone export", &G);
  free(txt);
  return rc;
}
static int teardown(void **st) {
  (void)st;
  json_decref(G);
  mwx_zone_close(Z);
  return 0;
}

static json_t *find(const char *layer, const char *nation, const char *region) {
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(G, "features"), i, f) {
    json_t *p = json_object_get(f, "properties");
    if (strcmp(json_string_value(json_object_get(p, "layer")), layer) ||
        strcmp(json_string_value(json_object_get(p, "nation")), nation))
      continue;
    if (region && (!json_object_get(p, "region") || strcmp(json_string_value(json_object_get(p, "region")), region)))
      continue;
    return json_object_get(f, "geometry");
  }
  return NULL;
}

/* even-odd point in a ring */
static int in_ring(json_t *ring, double x, double y) {
  int in = 0;
  size_t n = json_array_size(ring);
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    double xi = json_number_value(json_array_get(json_array_get(ring, i), 0));
    double yi = json_number_value(json_array_get(json_array_get(ring, i), 1));
    double xj = json_number_value(json_array_get(json_array_get(ring, j), 0));
    double yj = json_number_value(json_array_get(json_array_get(ring, j), 1));
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}
static int in_multipolygon(json_t *g, double x, double y) {
  size_t i;
  json_t *poly;
  json_array_foreach(json_object_get(g, "coordinates"), i, poly) if (in_ring(json_array_get(poly, 0), x, y)) return 1;
  return 0;
}

static void test_layers_present(void **st) {
  (void)st;
  assert_non_null(find("ts", "JPN", NULL));
  assert_non_null(find("ts", "KOR", NULL));
  assert_non_null(find("ts", "PRK", NULL));
  assert_non_null(find("eez", "JPN", NULL));
  assert_non_null(find("eez", "KOR", NULL));
  int jpn = 0, kor = 0;
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(G, "features"), i, f) {
    json_t *p = json_object_get(f, "properties");
    if (strcmp(json_string_value(json_object_get(p, "layer")), "region")) continue;
    if (!strcmp(json_string_value(json_object_get(p, "nation")), "JPN")) jpn++;
    if (!strcmp(json_string_value(json_object_get(p, "nation")), "KOR")) kor++;
  }
  assert_int_equal(jpn, 47); /* prefectures */
  assert_int_equal(kor, 17); /* provinces */
}

/* cities inside their region polygon and not inside a neighbour's */
static void test_regions_hold_their_cities(void **st) {
  (void)st;
  static const struct { const char *nat, *region, *other; double lat, lon; } c[] = {
      {"JPN", "Hokkaido", "Aomori", 43.062, 141.354},      /* Sapporo */
      {"JPN", "Aomori", "Iwate", 40.822, 140.747},         /* Aomori city */
      {"JPN", "Okinawa", "Kagoshima", 26.212, 127.681},    /* Naha */
      {"KOR", "Seoul", "Gyeonggi", 37.566, 126.978},
      {"KOR", "North Gyeongsang", "Daegu", 36.019, 129.343}, /* Pohang */
  };
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    json_t *g = find("region", c[k].nat, c[k].region), *o = find("region", c[k].nat, c[k].other);
    assert_non_null(g);
    assert_non_null(o);
    if (!in_multipolygon(g, c[k].lon, c[k].lat) || in_multipolygon(o, c[k].lon, c[k].lat))
      fail_msg("%s: not drawn inside %s only", c[k].region, c[k].region);
    mwx_zone_result r;
    assert_int_equal(mwx_zone_classify(Z, c[k].lat, c[k].lon, &r), 0);
    assert_string_equal(mwx_zone_region_name(Z, r.region), c[k].region);
  }
}

/* every EEZ segment of JPN separates two jurisdictions, one of them an EEZ */
static void test_eez_lines_separate(void **st) {
  (void)st;
  json_t *g = find("eez", "JPN", NULL), *seg;
  assert_non_null(g);
  size_t i, n = json_array_size(json_object_get(g, "coordinates")), bad = 0;
  assert_true(n > 500);
  json_array_foreach(json_object_get(g, "coordinates"), i, seg) {
    double x1 = json_number_value(json_array_get(json_array_get(seg, 0), 0));
    double y1 = json_number_value(json_array_get(json_array_get(seg, 0), 1));
    double x2 = json_number_value(json_array_get(json_array_get(seg, 1), 0));
    double y2 = json_number_value(json_array_get(json_array_get(seg, 1), 1));
    double mx = (x1 + x2) / 2, my = (y1 + y2) / 2, dx = (y2 - y1) / 2, dy = (x2 - x1) / 2; /* half a cell across */
    mwx_zone_result a, b;
    assert_int_equal(mwx_zone_classify(Z, my + dy, mx - dx, &a), 0);
    assert_int_equal(mwx_zone_classify(Z, my - dy, mx + dx, &b), 0);
    int ja = a.zone == MWX_ZONE_LAND || a.zone == MWX_ZONE_TERRITORIAL_SEA || a.zone == MWX_ZONE_EEZ;
    int jb = b.zone == MWX_ZONE_LAND || b.zone == MWX_ZONE_TERRITORIAL_SEA || b.zone == MWX_ZONE_EEZ;
    if (!((a.zone == MWX_ZONE_EEZ || b.zone == MWX_ZONE_EEZ) && (ja != jb || strcmp(a.nation, b.nation)) &&
          (!strcmp(a.nation, "JPN") || !strcmp(b.nation, "JPN"))))
      bad++;
  }
  if (bad) fail_msg("%zu of %zu JPN EEZ segments do not separate JPN's EEZ from another jurisdiction", bad, n);
}

/* the land layer the map fills agrees with the classification it is drawn
 * from: on a 1-deg grid over the covered region a LAND point is in some
 * nation's "land" polygon and a sea point in none (the rings are thinned to
 * 0.01 deg, so a point within about 1 km of a coast may disagree); and
 * cities lie in their own nation's land (Beijing, Ulaanbaatar, Khabarovsk
 * from the open chains closed along the margin box) */
static int in_any_land(double x, double y) {
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(G, "features"), i, f) {
    json_t *p = json_object_get(f, "properties");
    if (!strcmp(json_string_value(json_object_get(p, "layer")), "land") &&
        in_multipolygon(json_object_get(f, "geometry"), x, y))
      return 1;
  }
  return 0;
}
static void test_land_agrees(void **st) {
  (void)st;
  int n = 0, land = 0, bad = 0;
  for (double lat = 10.5; lat < 60; lat += 1.0)
    for (double lon = 100.5; lon < 180; lon += 1.0) {
      mwx_zone_result r;
      assert_int_equal(mwx_zone_classify(Z, lat, lon, &r), 0);
      if (r.zone == MWX_ZONE_UNKNOWN) continue;
      n++;
      land += r.zone == MWX_ZONE_LAND;
      if ((r.zone == MWX_ZONE_LAND) != in_any_land(lon, lat)) bad++;
    }
  fprintf(stderr, "land layer vs classification: %d of %d grid points disagree (%d land)\n", bad, n, land);
  assert_true(n > 3500 && land > 800);
  assert_true(bad * 200 <= n); /* <= 0.5% */
  static const struct { const char *nat; double lat, lon; } c[] = {
      {"CHN", 39.904, 116.407}, {"MNG", 47.886, 106.906}, {"RUS", 48.480, 135.072}, {"JPN", 35.690, 139.692},
      {"KOR", 37.566, 126.978}, {"PRK", 39.039, 125.763}, {"TWN", 25.033, 121.565}, {"PHL", 14.599, 120.984}};
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    json_t *g = find("land", c[k].nat, NULL);
    assert_non_null(g);
    if (!in_multipolygon(g, c[k].lon, c[k].lat)) fail_msg("%s: its city is not in its land layer", c[k].nat);
    assert_non_null(find("coast", c[k].nat, NULL));
  }
  assert_false(in_any_land(135.0, 40.0)); /* the Sea of Japan */
  assert_false(in_any_land(150.0, 30.0)); /* the Pacific */
}

static void test_bad_grid(void **st) {
  (void)st;
  char *t = NULL;
  assert_int_equal(mwx_zone_export_geojson(Z, 0.01, &t), MWX_EINVAL);
  assert_int_equal(mwx_zone_export_geojson(Z, NAN, &t), MWX_EINVAL);
  assert_int_equal(mwx_zone_export_geojson(NULL, 0.1, &t), MWX_EINVAL);
  assert_null(t);
}

int main(void) {
  const struct CMUnitTest t[] = {
      cmocka_unit_test(test_layers_present),
      cmocka_unit_test(test_land_agrees),
      cmocka_unit_test(test_regions_hold_their_cities),
      cmocka_unit_test(test_eez_lines_separate),
      cmocka_unit_test(test_bad_grid),
  };
  return cmocka_run_group_tests(t, setup, teardown);
}
