/*
 * source.c - the plot source: a clock over a scenario.  Each sensor scans
 * every period_ns (first scan at the epoch plus a per-sensor offset drawn from
 * the seed); at each scan it looks at every missile in flight, detects the
 * visible ones with probability pd, adds measurement noise, and adds Poisson
 * false plots spread uniformly over each face.  mwx_sim_source_advance runs
 * the scans up to a given time in time order, so a caller can drive it from a
 * wall clock, faster than real time, or all at once.
 *
 * Randomness per sensor: one xoshiro256** stream per sensor (stream index =
 * sensor index + 1), consumed in a fixed order per scan (missiles in index
 * order: detection draw, then noise; then false plots), so output depends only
 * on the scenario and the seed.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "sim_int.h"

typedef struct sensor_rt {
  sim_rng rng;
  int64_t next_ns; /* time of the next scan */
} sensor_rt;

struct mwx_sim_source {
  const mwx_sim_scenario *sc;
  const mwx_sim_truth *truth;
  sensor_rt *rt;
  int64_t end_ns; /* no scan after this */
  sim_look_hook hook;
  void *hook_ctx;
};

int mwx_sim_source_init(mwx_sim_source **out, const mwx_sim_scenario *sc,
                        const mwx_sim_truth *truth, uint64_t seed) {
  *out = NULL;
  if (!sc || !truth || truth->n != sc->n_launches || sc->n_sensors == 0)
    return mwx_error_set(MWX_EINVAL,
                         "sim source: need a scenario with sensors and its truth (same launches)");
  mwx_sim_source *src = calloc(1, sizeof *src);
  if (!src || !(src->rt = calloc(sc->n_sensors, sizeof *src->rt))) {
    free(src);
    return mwx_error_set(MWX_ENOMEM, "sim source: out of memory");
  }
  src->sc = sc;
  src->truth = truth;
  src->end_ns = truth->end_ns;
  for (size_t k = 0; k < sc->n_sensors; k++) {
    if (sc->sensor[k].period_ns <= 0) {
      mwx_sim_source_fini(src);
      return mwx_error_set(MWX_EINVAL, "sim source: sensor %s has no scan period", sc->sensor[k].id);
    }
    sim_rng_seed(&src->rt[k].rng, seed, (uint64_t)k + 1);
    double u = sim_rng_uniform(&src->rt[k].rng);
    src->rt[k].next_ns = sc->epoch_ns + (int64_t)(u * (double)sc->sensor[k].period_ns);
  }
  *out = src;
  return 0;
}

void sim_source_set_look_hook(mwx_sim_source *src, sim_look_hook hook, void *ctx) {
  src->hook = hook;
  src->hook_ctx = ctx;
}

void mwx_sim_source_fini(mwx_sim_source *src) {
  if (!src)
    return;
  free(src->rt);
  free(src);
}

int mwx_sim_source_select_nation(mwx_sim_source *src, const char *nation) {
  if (!src || !nation)
    return mwx_error_set(MWX_EINVAL, "sim source: select nation: NULL argument");
  size_t own = 0;
  for (size_t k = 0; k < src->sc->n_sensors; k++)
    own += !strcmp(src->sc->sensor[k].nation, nation);
  if (!own)
    return 0;
  for (size_t k = 0; k < src->sc->n_sensors; k++)
    if (strcmp(src->sc->sensor[k].nation, nation))
      src->rt[k].next_ns = INT64_MAX; /* never due (advance stops at end_ns first) */
  return 0;
}

static size_t next_sensor(const mwx_sim_source *src) {
  size_t best = 0;
  for (size_t k = 1; k < src->sc->n_sensors; k++)
    if (src->rt[k].next_ns < src->rt[best].next_ns)
      best = k;
  return best;
}

int64_t mwx_sim_source_next_ns(const mwx_sim_source *src) {
  int64_t t = src->rt[next_sensor(src)].next_ns;
  return t > src->end_ns ? INT64_MAX : t;
}

static double wrap360(double az) {
  az = fmod(az, 360.0);
  return az < 0.0 ? az + 360.0 : az;
}

/* Unit vector (ECEF) of a direction given in the sensor's ENU frame. */
static void los_from_aer(const sim_frame *fr, double az_deg, double el_deg, double los[3]) {
  double enu[3];
  mwx_geo_enu_from_aer(az_deg, el_deg, 1.0, enu);
  for (int i = 0; i < 3; i++)
    los[i] = fr->r_enu_from_ecef[0][i] * enu[0] + fr->r_enu_from_ecef[1][i] * enu[1] +
             fr->r_enu_from_ecef[2][i] * enu[2];
}

static void cross(const double a[3], const double b[3], double c[3]) {
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static void normalize(double v[3]) {
  double n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (n > 0.0)
    for (int i = 0; i < 3; i++)
      v[i] /= n;
}

/* Rotates unit vector u by two independent small angles (sigma each) about
 * two axes perpendicular to it. */
static void perturb_los(sim_rng *rng, double sigma_rad, double u[3]) {
  double ref[3] = {0.0, 0.0, 0.0}, e1[3], e2[3];
  ref[fabs(u[0]) < 0.6 ? 0 : (fabs(u[1]) < 0.6 ? 1 : 2)] = 1.0;
  cross(u, ref, e1);
  normalize(e1);
  cross(u, e1, e2);
  double a = sigma_rad * sim_rng_gauss(rng), b = sigma_rad * sim_rng_gauss(rng);
  for (int i = 0; i < 3; i++)
    u[i] += a * e1[i] + b * e2[i];
  normalize(u);
}

static void plot_header(const mwx_sim_source *src, size_t k, int64_t t_ns, const double pos[3],
                        const double vel[3], mwx_sim_plot *p) {
  const mwx_sim_sensor *s = &src->sc->sensor[k];
  memset(p, 0, sizeof *p);
  p->time_ns = t_ns;
  p->sensor_index = (int)k;
  memcpy(p->sensor_id, s->id, sizeof p->sensor_id);
  memcpy(p->nation, s->nation, sizeof p->nation);
  p->kind = s->kind == MWX_SIM_SPACE_IR ? MWX_SIM_PLOT_IR : MWX_SIM_PLOT_RADAR;
  memcpy(p->sensor_pos_ecef_m, pos, sizeof p->sensor_pos_ecef_m);
  memcpy(p->sensor_vel_ecef_mps, vel, sizeof p->sensor_vel_ecef_mps);
  if (p->kind == MWX_SIM_PLOT_RADAR) {
    p->sigma_range_m = s->sigma_range_m;
    p->sigma_az_deg = s->sigma_az_deg;
    p->sigma_el_deg = s->sigma_el_deg;
  } else {
    p->sigma_los_rad = s->sigma_los_rad;
  }
}

/* Fills the measured values of p for a target whose true geometry is look
 * (radar: noisy range/az/el; IR: noisy line of sight). */
static void measure(sim_rng *rng, const mwx_sim_sensor *s, const sim_frame *fr,
                    const mwx_sim_look *look, const double true_los[3], mwx_sim_plot *p) {
  double rng_m, el;
  if (p->kind == MWX_SIM_PLOT_RADAR) {
    /* the plot's sigmas: the sensor's, scaled by the SNR (run_scan) */
    rng_m = look->range_m + p->sigma_range_m * sim_rng_gauss(rng);
    p->range_m = rng_m > 0.0 ? rng_m : 0.0;
    p->az_deg = wrap360(look->az_deg + p->sigma_az_deg * sim_rng_gauss(rng));
    el = look->el_deg + p->sigma_el_deg * sim_rng_gauss(rng);
    p->el_deg = el > 90.0 ? 90.0 : (el < -90.0 ? -90.0 : el);
    los_from_aer(fr, p->az_deg, p->el_deg, p->los_ecef);
  } else {
    memcpy(p->los_ecef, true_los, sizeof p->los_ecef);
    perturb_los(rng, s->sigma_los_rad, p->los_ecef);
    double enu[3], dummy;
    for (int i = 0; i < 3; i++)
      enu[i] = fr->r_enu_from_ecef[i][0] * p->los_ecef[0] +
               fr->r_enu_from_ecef[i][1] * p->los_ecef[1] +
               fr->r_enu_from_ecef[i][2] * p->los_ecef[2];
    mwx_geo_aer_from_enu(enu, &p->az_deg, &p->el_deg, &dummy);
  }
}

static int run_scan(mwx_sim_source *src, size_t k, int64_t t_ns, mwx_sim_plot_cb cb, void *ctx) {
  const mwx_sim_sensor *s = &src->sc->sensor[k];
  sim_rng *rng = &src->rt[k].rng;
  mwx_geo_lla lla;
  double pos[3], vel[3];
  sim_frame fr;
  int rc = mwx_sim_sensor_state_at(s, src->sc->epoch_ns, t_ns, &lla, pos, vel);
  if (rc || (rc = sim_frame_init(&lla, &fr)))
    return rc;
  mwx_sim_plot p;
  for (size_t m = 0; m < src->truth->n; m++) {
    mwx_sim_truth_state st;
    if ((rc = mwx_sim_truth_at(src->truth, m, t_ns, &st)))
      return rc;
    if (!st.in_flight)
      continue;
    mwx_sim_look look;
    sim_look_frame(s, &fr, st.pos_ecef_m, st.lla.h_m, &look);
    int visible = look.reason == MWX_SIM_VISIBLE && (s->kind != MWX_SIM_SPACE_IR || st.powered);
    double pd = s->pd, noise = 1.0;
    if (visible && s->kind != MWX_SIM_SPACE_IR && look.range_m > 0 &&
        (rc = mwx_sim_radar_detect(s, look.range_m, mwx_sim_rcs_m2(st.phase, st.powered), &pd, &noise, NULL)))
      return rc;
    int detected = visible && sim_rng_uniform(rng) < pd;
    if (src->hook)
      src->hook(src->hook_ctx, (int)m, (int)k, st.t_s, visible, detected);
    if (!detected)
      continue;
    double los[3] = {st.pos_ecef_m[0] - pos[0], st.pos_ecef_m[1] - pos[1],
                     st.pos_ecef_m[2] - pos[2]};
    normalize(los);
    plot_header(src, k, t_ns, pos, vel, &p);
    p.face = look.face;
    p.sigma_range_m *= noise; /* the radar knows its SNR: the plot says how good it is */
    p.sigma_az_deg *= noise;
    p.sigma_el_deg *= noise;
    measure(rng, s, &fr, &look, los, &p);
    p.truth.missile = (int)m;
    memcpy(p.truth.pos_ecef_m, st.pos_ecef_m, sizeof p.truth.pos_ecef_m);
    if (cb && (rc = cb(&p, ctx)))
      return rc;
  }
  for (int f = 0; f < s->n_faces; f++) {
    int nf = sim_rng_poisson(rng, s->false_per_scan);
    const mwx_sim_face *face = &s->face[f];
    for (int i = 0; i < nf; i++) {
      plot_header(src, k, t_ns, pos, vel, &p);
      p.face = f;
      p.truth.missile = -1;
      p.az_deg = wrap360(face->az_center_deg + (sim_rng_uniform(rng) - 0.5) * face->az_width_deg);
      p.el_deg = face->el_min_deg + sim_rng_uniform(rng) * (face->el_max_deg - face->el_min_deg);
      if (p.kind == MWX_SIM_PLOT_RADAR)
        p.range_m = s->min_range_m + sim_rng_uniform(rng) * (s->max_range_m - s->min_range_m);
      los_from_aer(&fr, p.az_deg, p.el_deg, p.los_ecef);
      if (cb && (rc = cb(&p, ctx)))
        return rc;
    }
  }
  return 0;
}

int mwx_sim_source_advance(mwx_sim_source *src, int64_t t_until_ns, mwx_sim_plot_cb cb,
                           void *ctx) {
  for (;;) {
    size_t k = next_sensor(src);
    int64_t t = src->rt[k].next_ns;
    if (t > t_until_ns || t > src->end_ns)
      return 0;
    src->rt[k].next_ns = t + src->sc->sensor[k].period_ns;
    int rc = run_scan(src, k, t, cb, ctx);
    if (rc)
      return rc;
  }
}
