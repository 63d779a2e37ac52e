/*
 * cmd_traj.c - "mwx traj": the trajectory of a missile from its published
 * figures (apogee and range), through mwx_ballistic_fit.
 *
 *   mwx traj --apogee-km A --range-km R [--lat DEG --lon DEG] [--azimuth DEG]
 *            [--class SRBM|MRBM|IRBM|ICBM] [--json] [--csv FILE]
 *
 * Defaults: the Sunan launch site (39.20 N, 125.67 E) and azimuth 72 deg,
 * towards the Sea of Japan, as on 2022-11-18 (data/launches.csv).
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
#include "mwx_cmd.h"

struct opts {
  mwx_ballistic_fit_req req;
  int have_apogee, have_range, json;
  const char *csv;
};

static void help(FILE *f) {
  fprintf(f, "usage: mwx traj --apogee-km A --range-km R [--lat DEG --lon DEG] [--azimuth DEG]\n"
             "                [--class SRBM|MRBM|IRBM|ICBM] [--json] [--csv FILE]\n"
             "  Fits a missile flight to its apogee and ground range and prints its figures.\n"
             "  Defaults: launch at Sunan (39.20 N, 125.67 E), azimuth 72 deg; class from the\n"
             "  figures' energy.  --csv writes t_s,lat_deg,lon_deg,alt_km,speed_mps samples.\n");
}

static int num(const char *opt, const char *s, double *out) {
  char *end;
  errno = 0;
  double v = s ? strtod(s, &end) : 0.0;
  if (!s)
    return mwx_error_set(MWX_EINVAL, "%s needs a value", opt);
  if (end == s || *end || errno || !isfinite(v))
    return mwx_error_set(MWX_EINVAL, "%s: '%s' is not a number", opt, s);
  *out = v;
  return 0;
}

/* One option at argv[*i]; advances *i past its value. */
static int parse_one(struct opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i], *val = (*i + 1 < argc) ? argv[*i + 1] : NULL;
  double *dst = !strcmp(a, "--apogee-km") ? &o->req.apogee_km
                : !strcmp(a, "--range-km") ? &o->req.range_km
                : !strcmp(a, "--lat")      ? &o->req.lat_deg
                : !strcmp(a, "--lon")      ? &o->req.lon_deg
                : !strcmp(a, "--azimuth")  ? &o->req.azimuth_deg
                                           : NULL;
  if (dst) {
    (*i)++;
    o->have_apogee |= dst == &o->req.apogee_km;
    o->have_range |= dst == &o->req.range_km;
    return num(a, val, dst);
  }
  if (!strcmp(a, "--json")) {
    o->json = 1;
    return 0;
  }
  if (!strcmp(a, "--class") || !strcmp(a, "--csv")) {
    (*i)++;
    if (!val)
      return mwx_error_set(MWX_EINVAL, "%s needs a value", a);
    if (a[2] == 'c' && a[3] == 's') {
      o->csv = val;
      return 0;
    }
    int rc = mwx_ballistic_class_parse(val, &o->req.cls);
    if (rc) {
      char msg[256];
      snprintf(msg, sizeof msg, "%s", mwx_error_msg());
      return mwx_error_set(rc, "--class: %s", msg);
    }
    return 0;
  }
  return mwx_error_set(MWX_EINVAL, "unknown option '%s'", a);
}

static int parse(struct opts *o, int argc, char **argv) {
  memset(o, 0, sizeof *o);
  o->req.lat_deg = 39.20; /* Sunan, data/launches.csv */
  o->req.lon_deg = 125.67;
  o->req.azimuth_deg = 72.0;
  for (int i = 1; i < argc; i++) {
    int rc = parse_one(o, argc, argv, &i);
    if (rc)
      return rc;
  }
  if (!o->have_apogee || !o->have_range)
    return mwx_error_set(MWX_EINVAL, "%s is required", o->have_apogee ? "--range-km" : "--apogee-km");
  if (!(o->req.apogee_km > 0.0))
    return mwx_error_set(MWX_EINVAL, "--apogee-km: %g must be > 0", o->req.apogee_km);
  if (!(o->req.range_km > 0.0))
    return mwx_error_set(MWX_EINVAL, "--range-km: %g must be > 0", o->req.range_km);
  if (fabs(o->req.lat_deg) > 90.0)
    return mwx_error_set(MWX_EINVAL, "--lat: %g is not a latitude (-90..90)", o->req.lat_deg);
  return 0;
}

static int write_csv(const char *path, const mwx_ballistic_launch *l) {
  mwx_ballistic_traj tr = {0};
  int rc = mwx_ballistic_fly(l, 1.0, &tr);
  if (rc)
    return rc;
  FILE *f = fopen(path, "w");
  if (!f) {
    rc = mwx_error_set(MWX_EIO, "--csv: cannot write '%s': %s", path, strerror(errno));
    mwx_ballistic_traj_fini(&tr);
    return rc;
  }
  fprintf(f, "t_s,lat_deg,lon_deg,alt_km,speed_mps\n");
  for (size_t i = 0; i < tr.n; i++) {
    mwx_geo_lla p;
    const mwx_ballistic_sample *s = &tr.s[i];
    mwx_geo_lla_from_ecef(s->pos_ecef_m, &p);
    double v = sqrt(s->vel_ecef_mps[0] * s->vel_ecef_mps[0] + s->vel_ecef_mps[1] * s->vel_ecef_mps[1] +
                    s->vel_ecef_mps[2] * s->vel_ecef_mps[2]);
    fprintf(f, "%.3f,%.6f,%.6f,%.4f,%.2f\n", s->t_s, p.lat_deg, p.lon_deg, p.h_m / 1000.0, v);
  }
  if (fclose(f))
    rc = mwx_error_set(MWX_EIO, "--csv: error writing '%s'", path);
  mwx_ballistic_traj_fini(&tr);
  return rc;
}

static void print_human(const mwx_ballistic_launch *l, const mwx_ballistic_figures *f) {
  printf("class            %s\n", mwx_ballistic_class_name(l->veh.cls));
  printf("launch           %.4f N %.4f E, heading %.2f deg\n", l->lat_deg, l->lon_deg, l->heading_deg);
  printf("apogee           %.1f km at %.1f s\n", f->apogee_km, f->apogee_time_s);
  printf("range            %.1f km, bearing %.2f deg\n", f->range_km, f->impact_azimuth_deg);
  printf("flight time      %.1f s (%.1f min)\n", f->flight_time_s, f->flight_time_s / 60.0);
  printf("impact           %.4f N %.4f E\n", f->impact_lat_deg, f->impact_lon_deg);
  printf("burnout          %.1f s, %.0f m/s, %.1f km\n", f->burnout_time_s, f->burnout_speed_mps,
         f->burnout_alt_km);
  printf("pitch, dv_scale  %.2f deg, %.4f\n", l->veh.pitch_final_deg, l->veh.dv_scale);
}

static int print_json(const mwx_ballistic_launch *l, const mwx_ballistic_figures *f) {
  json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
                        "class", mwx_ballistic_class_name(l->veh.cls), "flight_time_s", f->flight_time_s,
                        "apogee_km", f->apogee_km, "apogee_time_s", f->apogee_time_s, "range_km",
                        f->range_km, "impact_lat_deg", f->impact_lat_deg, "impact_lon_deg",
                        f->impact_lon_deg, "impact_azimuth_deg", f->impact_azimuth_deg,
                        "burnout_time_s", f->burnout_time_s, "burnout_speed_mps", f->burnout_speed_mps,
                        "burnout_alt_km", f->burnout_alt_km, "launch_lat_deg", l->lat_deg,
                        "launch_lon_deg", l->lon_deg, "launch_heading_deg", l->heading_deg,
                        "pitch_final_deg", l->veh.pitch_final_deg, "dv_scale", l->veh.dv_scale,
                        "beta_rv_kgpm2", l->veh.beta_rv_kgpm2);
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!s)
    return mwx_error_set(MWX_ENOMEM, "cannot build the JSON output");
  puts(s);
  free(s);
  return 0;
}

int mwx_cmd_traj(int argc, char **argv) {
  struct opts o;
  mwx_ballistic_launch l;
  mwx_ballistic_figures fig;
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    help(stdout);
    return 0;
  }
  int rc = parse(&o, argc, argv);
  if (rc) {
    mwx_cmd_report("traj", rc);
    help(stderr);
    return 2;
  }
  if ((rc = mwx_ballistic_fit(&o.req, &l, &fig))) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", mwx_error_msg());
    mwx_error_set(rc, "--apogee-km %g --range-km %g: %s", o.req.apogee_km, o.req.range_km, msg);
    mwx_cmd_report("traj", rc);
    return 1;
  }
  if (o.csv && (rc = write_csv(o.csv, &l))) {
    mwx_cmd_report("traj", rc);
    return 1;
  }
  if (o.json)
    rc = print_json(&l, &fig);
  else
    print_human(&l, &fig);
  if (rc) {
    mwx_cmd_report("traj", rc);
    return 1;
  }
  return 0;
}
