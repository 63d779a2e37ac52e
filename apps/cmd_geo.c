/*
 * cmd_geo.c - "mwx geo": WGS-84 conversions and geodesics from the shell.
 *
 *   mwx geo ecef LAT_DEG LON_DEG H_M          geodetic -> ECEF
 *   mwx geo lla X_M Y_M Z_M                   ECEF -> geodetic
 *   mwx geo inverse LAT1 LON1 LAT2 LON2       distance (km) and azimuths
 *   mwx geo direct LAT1 LON1 AZI_DEG DIST_KM  point at distance and azimuth
 *   mwx geo aer OBS_LAT OBS_LON OBS_H LAT LON H  azimuth/elevation/range
 *   mwx geo zone --lat DEG --lon DEG [--json] [--data ZONES.bin]
 *                                             land / territorial sea / EEZ / high seas
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/zone.h"
#include "mwx_cmd.h"

static int num(const char *s, const char *what, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v))
    return mwx_error_set(MWX_EINVAL, "%s: '%s' is not a number", what, s);
  *out = v;
  return 0;
}

static int nums(char **argv, int n, double *v) {
  static const char *names[] = {"1st value", "2nd value", "3rd value",
                                "4th value", "5th value", "6th value"};
  for (int i = 0; i < n; i++) {
    int rc = num(argv[i], names[i], &v[i]);
    if (rc)
      return rc;
  }
  return 0;
}

static void help(FILE *f) {
  fprintf(f, "usage: mwx geo ecef LAT_DEG LON_DEG H_M\n"
             "       mwx geo lla X_M Y_M Z_M\n"
             "       mwx geo inverse LAT1_DEG LON1_DEG LAT2_DEG LON2_DEG\n"
             "       mwx geo direct LAT_DEG LON_DEG AZIMUTH_DEG DIST_KM\n"
             "       mwx geo aer OBS_LAT OBS_LON OBS_H_M LAT LON H_M\n"
             "       mwx geo zone --lat DEG --lon DEG [--json] [--data ZONES.bin]\n");
}

/* mwx geo zone: one point's zone, nation, region and distance to the coast. */
static int cmd_zone(int argc, char **argv) {
  double lat = NAN, lon = NAN;
  int json = 0, rc;
  const char *data = NULL;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--json")) {
      json = 1;
    } else if ((!strcmp(a, "--lat") || !strcmp(a, "--lon") || !strcmp(a, "--data")) && i + 1 < argc) {
      if (!strcmp(a, "--data")) {
        data = argv[++i];
      } else if ((rc = num(argv[++i], a, !strcmp(a, "--lat") ? &lat : &lon))) {
        mwx_cmd_report("geo zone", rc);
        return 2;
      }
    } else {
      return mwx_cmd_usage_error("geo zone", help, "unknown or incomplete argument '%s'", a);
    }
  }
  if (isnan(lat) || isnan(lon)) return mwx_cmd_usage_error("geo zone", help, "%s", "--lat and --lon are required");
  mwx_zone *z;
  mwx_zone_result r;
  if ((rc = mwx_zone_open(data, &z))) {
    mwx_cmd_report("geo zone", rc);
    return 1;
  }
  rc = mwx_zone_classify(z, lat, lon, &r);
  if (rc) {
    mwx_zone_close(z);
    mwx_cmd_report("geo zone", rc);
    return 2;
  }
  const char *region = mwx_zone_region_name(z, r.region);
  if (json) {
    json_t *o = json_object();
    json_object_set_new(o, "zone", json_string(mwx_zone_kind_name(r.zone)));
    json_object_set_new(o, "nation", r.nation[0] ? json_string(r.nation) : json_null());
    json_object_set_new(o, "distance_to_coast_km",
                        isfinite(r.distance_to_coast_km) ? json_real(r.distance_to_coast_km) : json_null());
    json_object_set_new(o, "distance_to_baseline_km",
                        isfinite(r.distance_to_baseline_km) ? json_real(r.distance_to_baseline_km) : json_null());
    json_object_set_new(o, "region", region ? json_string(region) : json_null());
    json_object_set_new(o, "distance_approx", json_boolean(r.distance_approx));
    char *txt = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!txt) {
      mwx_zone_close(z);
      fprintf(stderr, "mwx geo zone: out of memory\n");
      return 1;
    }
    printf("%s\n", txt);
    free(txt);
  } else {
    printf("zone=%s nation=%s region=%s distance_to_coast_km=%.1f%s\n", mwx_zone_kind_name(r.zone),
           r.nation[0] ? r.nation : "-", region ? region : "-", r.distance_to_coast_km,
           r.distance_approx ? " (approximate)" : "");
  }
  mwx_zone_close(z);
  return 0;
}

int mwx_cmd_geo(int argc, char **argv) {
  double v[6], out[3];
  int rc;
  if (argc < 2 || !strcmp(argv[1], "--help")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *op = argv[1];
  if (!strcmp(op, "zone")) return cmd_zone(argc, argv);
  int want = !strcmp(op, "ecef") || !strcmp(op, "lla") ? 3
             : !strcmp(op, "aer")                         ? 6
             : !strcmp(op, "inverse") || !strcmp(op, "direct") ? 4
                                                             : -1;
  if (want < 0 || argc - 2 != want) {
    return mwx_cmd_usage_error("geo", help, "%s", want < 0 ? "unknown operation" : "wrong number of values");
  }
  if ((rc = nums(argv + 2, want, v))) {
    mwx_cmd_report("geo", rc);
    return 2;
  }
  if (!strcmp(op, "ecef")) {
    mwx_geo_lla p = {v[0], v[1], v[2]};
    if (!(rc = mwx_geo_ecef_from_lla(&p, out)))
      printf("x_m=%.4f y_m=%.4f z_m=%.4f\n", out[0], out[1], out[2]);
  } else if (!strcmp(op, "lla")) {
    mwx_geo_lla p;
    if (!(rc = mwx_geo_lla_from_ecef(v, &p)))
      printf("lat_deg=%.9f lon_deg=%.9f h_m=%.4f\n", p.lat_deg, p.lon_deg, p.h_m);
  } else if (!strcmp(op, "inverse")) {
    if (!(rc = mwx_geo_inverse(v[0], v[1], v[2], v[3], &out[0], &out[1], &out[2])))
      printf("dist_km=%.6f azi1_deg=%.6f azi2_deg=%.6f\n", out[0] / 1000.0, out[1], out[2]);
  } else if (!strcmp(op, "direct")) {
    if (!(rc = mwx_geo_direct(v[0], v[1], v[2], v[3] * 1000.0, &out[0], &out[1], &out[2])))
      printf("lat_deg=%.9f lon_deg=%.9f azi2_deg=%.6f\n", out[0], out[1], out[2]);
  } else {
    mwx_geo_lla obs = {v[0], v[1], v[2]}, tgt = {v[3], v[4], v[5]};
    double t[3];
    if (!(rc = mwx_geo_ecef_from_lla(&tgt, t)) && !(rc = mwx_geo_aer_from_ecef(&obs, t, &out[0], &out[1], &out[2])))
      printf("az_deg=%.6f el_deg=%.6f range_km=%.6f\n", out[0], out[1], out[2] / 1000.0);
  }
  if (rc) {
    mwx_cmd_report("geo", rc);
    return 1;
  }
  return 0;
}
