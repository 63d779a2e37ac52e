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
 *   mwx geo overflight --lat DEG --lon DEG --azimuth DEG --apogee-km KM --range-km KM
 *                      [--corridor-km KM] [--json] [--data ZONES.bin]
 *                                             territories under a fitted flight
 *   mwx geo zones-geojson --out FILE [--grid-deg D] [--data ZONES.bin]
 *                                             the zone file as map layers (GeoJSON)
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
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
             "       mwx geo zone --lat DEG --lon DEG [--json] [--data ZONES.bin]\n"
             "       mwx geo overflight --lat DEG --lon DEG --azimuth DEG --apogee-km KM --range-km KM\n"
             "                          [--corridor-km KM] [--json] [--data ZONES.bin]\n"
             "       mwx geo zones-geojson --out FILE [--grid-deg D (0.1)] [--data ZONES.bin]\n");
}

/* mwx geo overflight: fit a flight to launch point, bearing, apogee and range
 * (mwx_ballistic_fit), fly it and list the territories under its ground
 * track, in seconds after launch. */
static int cmd_overflight(int argc, char **argv) {
  static const char *const names[] = {"--lat", "--lon", "--azimuth", "--apogee-km", "--range-km", "--corridor-km"};
  double v[6] = {NAN, NAN, NAN, NAN, NAN, 0.0};
  int json = 0, rc;
  const char *data = NULL;
  for (int i = 2; i < argc; i++) {
    int k = -1;
    for (int j = 0; j < 6; j++)
      if (!strcmp(argv[i], names[j])) k = j;
    if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
      data = argv[++i];
    } else if (k >= 0 && i + 1 < argc) {
      if ((rc = num(argv[++i], names[k], &v[k]))) {
        mwx_cmd_report("geo overflight", rc);
        return 2;
      }
    } else {
      return mwx_cmd_usage_error("geo overflight", help, "unknown or incomplete argument '%s'", argv[i]);
    }
  }
  for (int j = 0; j < 5; j++)
    if (isnan(v[j])) return mwx_cmd_usage_error("geo overflight", help, "%s is required", names[j]);
  mwx_ballistic_fit_req req = {v[0], v[1], v[2], v[3], v[4], MWX_CLASS_UNKNOWN};
  mwx_ballistic_launch L;
  mwx_ballistic_figures fig;
  mwx_ballistic_traj tr = {0};
  mwx_zone *z = NULL;
  mwx_zone_track_point *pts = NULL;
  mwx_zone_passage pass[64];
  mwx_zone_result imp;
  size_t np = 0;
  if ((rc = mwx_ballistic_fit(&req, &L, &fig)) || (rc = mwx_ballistic_fly(&L, 1.0, &tr)) ||
      (rc = mwx_zone_open(data, &z)))
    goto out;
  pts = calloc(tr.n, sizeof *pts);
  if (!pts) {
    rc = mwx_error_set(MWX_ENOMEM, "ground track");
    goto out;
  }
  for (size_t i = 0; i < tr.n; i++) {
    mwx_geo_lla p;
    if ((rc = mwx_geo_lla_from_ecef(tr.s[i].pos_ecef_m, &p))) goto out;
    pts[i] = (mwx_zone_track_point){p.lat_deg, p.lon_deg, (int64_t)llround(tr.s[i].t_s * 1e9)};
  }
  if ((rc = mwx_zone_overflight(z, pts, tr.n, v[5], pass, 64, &np)) ||
      (rc = mwx_zone_classify(z, fig.impact_lat_deg, fig.impact_lon_deg, &imp)))
    goto out;
  if (json) {
    json_t *o = json_object(), *a = json_array(), *i = json_object();
    json_object_set_new(o, "flight_time_s", json_real(fig.flight_time_s));
    json_object_set_new(i, "lat_deg", json_real(fig.impact_lat_deg));
    json_object_set_new(i, "lon_deg", json_real(fig.impact_lon_deg));
    json_object_set_new(i, "zone", json_string(mwx_zone_kind_name(imp.zone)));
    json_object_set_new(i, "nation", imp.nation[0] ? json_string(imp.nation) : json_null());
    json_object_set_new(o, "impact", i);
    for (size_t k = 0; k < np; k++) {
      const char *g = mwx_zone_region_name(z, pass[k].region);
      json_t *e = json_object();
      json_object_set_new(e, "nation", json_string(pass[k].nation));
      json_object_set_new(e, "region", g ? json_string(g) : json_null());
      json_object_set_new(e, "over_land", json_boolean(pass[k].over_land));
      json_object_set_new(e, "enter_s", json_real((double)pass[k].t_enter_ns / 1e9));
      json_object_set_new(e, "exit_s", json_real((double)pass[k].t_exit_ns / 1e9));
      json_array_append_new(a, e);
    }
    json_object_set_new(o, "passages", a);
    char *txt = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
    json_decref(o);
    if (txt) printf("%s\n", txt);
    free(txt);
  } else {
    printf("flight %.0f s, impact %.2f %.2f: %s %s\n", fig.flight_time_s, fig.impact_lat_deg, fig.impact_lon_deg,
           mwx_zone_kind_name(imp.zone), imp.nation[0] ? imp.nation : "-");
    for (size_t k = 0; k < np; k++) {
      const char *g = mwx_zone_region_name(z, pass[k].region);
      printf("%s %s %s %.1f..%.1f s\n", pass[k].nation, g ? g : "-",
             pass[k].over_land ? "land" : "territorial_sea", (double)pass[k].t_enter_ns / 1e9,
             (double)pass[k].t_exit_ns / 1e9);
    }
  }
out:
  free(pts);
  mwx_ballistic_traj_fini(&tr);
  mwx_zone_close(z);
  if (rc) {
    mwx_cmd_report("geo overflight", rc);
    return rc == MWX_EINVAL ? 2 : 1;
  }
  return 0;
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

/* mwx geo zones-geojson: the zone file's territorial seas, EEZ limits and
 * regions as GeoJSON (mwx_zone_export_geojson), written to FILE; the web
 * build serves it as the map's zones.json. */
static int cmd_zones_geojson(int argc, char **argv) {
  const char *data = NULL, *out = NULL;
  double grid = 0.1;
  int rc;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--data") && i + 1 < argc) {
      data = argv[++i];
    } else if (!strcmp(a, "--out") && i + 1 < argc) {
      out = argv[++i];
    } else if (!strcmp(a, "--grid-deg") && i + 1 < argc) {
      if ((rc = num(argv[++i], a, &grid))) {
        mwx_cmd_report("geo zones-geojson", rc);
        return 2;
      }
    } else {
      return mwx_cmd_usage_error("geo zones-geojson", help, "unknown or incomplete argument '%s'", a);
    }
  }
  if (!out) return mwx_cmd_usage_error("geo zones-geojson", help, "%s", "--out is required");
  mwx_zone *z;
  char *txt = NULL;
  if ((rc = mwx_zone_open(data, &z))) {
    mwx_cmd_report("geo zones-geojson", rc);
    return 1;
  }
  rc = mwx_zone_export_geojson(z, grid, &txt);
  mwx_zone_close(z);
  if (rc) {
    mwx_cmd_report("geo zones-geojson", rc);
    return rc == MWX_EINVAL ? 2 : 1;
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", out);
  FILE *f = fopen(tmp, "w");
  size_t n = strlen(txt);
  int ok = f && fwrite(txt, 1, n, f) == n;
  if (f && fclose(f)) ok = 0;
  free(txt);
  if (!ok || rename(tmp, out)) {
    fprintf(stderr, "mwx geo zones-geojson: cannot write '%s': %s\n", out, strerror(errno));
    remove(tmp);
    return 1;
  }
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
  if (!strcmp(op, "overflight")) return cmd_overflight(argc, argv);
  if (!strcmp(op, "zones-geojson")) return cmd_zones_geojson(argc, argv);
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
