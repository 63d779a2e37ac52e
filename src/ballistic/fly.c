/*
 * fly.c - flies a launch from lift-off to impact: the boost integrated
 * segment by segment (no step crosses an ignition, a burnout or a switch of
 * the pitch program), then free flight with the re-entry vehicle's
 * ballistic coefficient; events for apogee (maximum geodetic height, where
 * the geodetic height rate changes sign) and impact (geodetic height 0),
 * both located by root finding.  Optionally stores samples every dt_s
 * seconds plus the breakpoints and events, and interpolates them (cubic
 * Hermite in position and velocity).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ballistic_int.h"
#include "mwx/error.h"
#include "mwx/geo.h"

/* Longest free flight looked at: a minimum-energy flight half way round the
 * Earth lasts about 45 min and the most lofted one seen (2022-03-24) 71 min;
 * anything still up after 5 h is not a ballistic missile. */
#define FREE_MAX_S (5.0 * 3600.0)
/* Terminal phase: below 100 km on the way down (ballistic.h). */
#define TERMINAL_ALT_M 100000.0
/* Bound on the samples of one flight (10 M samples, ~1 GB). */
#define MAX_SAMPLES 10000000

struct sampler {
  mwx_ballistic_traj *traj;
  size_t cap;
  double dt_s, next_t;
  bal_ode *o; /* integrator of the current segment: its rhs gives the acceleration */
};

static int push(struct sampler *sm, double t, const double y[6]) {
  mwx_ballistic_traj *tr = sm->traj;
  if (tr->n && t <= tr->s[tr->n - 1].t_s + 1e-9)
    return 0;
  if (tr->n >= MAX_SAMPLES)
    return mwx_error_set(MWX_ERANGE, "fly: more than %d samples: use a longer interval",
                         MAX_SAMPLES);
  if (tr->n == sm->cap) {
    size_t cap = sm->cap ? 2 * sm->cap : 1024;
    mwx_ballistic_sample *s = realloc(tr->s, cap * sizeof *s);
    if (!s)
      return mwx_error_set(MWX_ENOMEM, "fly: no memory for %zu samples", cap);
    tr->s = s;
    sm->cap = cap;
  }
  mwx_ballistic_sample *s = &tr->s[tr->n++];
  double dy[6];
  sm->o->f(sm->o->ctx, t, y, dy);
  s->t_s = t;
  memcpy(s->pos_ecef_m, y, 3 * sizeof(double));
  memcpy(s->vel_ecef_mps, y + 3, 3 * sizeof(double));
  memcpy(s->acc_ecef_mps2, dy + 3, 3 * sizeof(double));
  s->phase = MWX_PHASE_BOOST;
  return 0;
}

/* Step callback: samples on the dt grid inside (t0, t1]. */
static int on_step(void *ctx, double t0, const double y0[6], double t1, const double y1[6]) {
  struct sampler *sm = ctx;
  while (sm->next_t <= t1 + 1e-9) {
    double y[6];
    if (fabs(sm->next_t - t1) <= 1e-9)
      memcpy(y, y1, sizeof y);
    else
      bal_dp_step(sm->o, t0, y0, sm->next_t - t0, y);
    int rc = push(sm, sm->next_t, y);
    if (rc)
      return rc;
    sm->next_t += sm->dt_s;
  }
  return 0;
}

static double ev_apogee(const void *ctx, double t, const double y[6]) {
  (void)ctx;
  (void)t;
  return bal_height_rate_mps(y, y + 3);
}

static double ev_impact(const void *ctx, double t, const double y[6]) {
  (void)ctx;
  (void)t;
  return bal_height_m(y);
}

/* The state of one flight being flown. */
struct flight {
  double t, y[6];
  double apo_h_m, apo_t_s; /* highest apogee candidate so far */
  int apo_found;
  struct sampler *sm;
};

static void apogee_candidate(struct flight *f) {
  double h = bal_height_m(f->y);
  if (!f->apo_found || h > f->apo_h_m) {
    f->apo_h_m = h;
    f->apo_t_s = f->t;
  }
  f->apo_found = 1;
}

/* Integrates to t_end, recording apogee events on the way (if wanted).
 * Stops early (returns 1) at an impact event if impact is set. */
static int run(struct flight *f, bal_ode *o, double t_end, int want_apogee, int impact) {
  bal_event apo = {ev_apogee, NULL, -1, 1e-7}, imp = {ev_impact, NULL, -1, 1e-7};
  if (f->sm)
    f->sm->o = o;
  for (;;) {
    const bal_event *ev = impact && !want_apogee ? &imp : want_apogee ? &apo : NULL;
    int rc = bal_integrate(o, &f->t, f->y, t_end, ev, f->sm ? on_step : NULL, f->sm);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return 0;
    if (f->sm && (rc = push(f->sm, f->t, f->y)))
      return rc;
    if (ev == &imp)
      return 1;
    apogee_candidate(f);
    want_apogee = 0;
    if (!impact)
      want_apogee = 1; /* in boost: keep the maximum of all candidates */
  }
}

static int boost(struct flight *f, const bal_boost *b, double h0_m) {
  double tb[16];
  int n = bal_boost_breakpoints(b, tb);
  for (int i = 0; i + 1 < n; i++) {
    bal_segment seg;
    bal_ode o;
    bal_segment_init(&seg, b, tb[i], tb[i + 1]);
    bal_ode_init(&o, bal_rhs_boost, &seg);
    o.h_s = fmin(1.0, tb[i + 1] - tb[i]);
    int rc;
    if (i == 0 && f->sm) { /* the lift-off sample, with the thrust of the first stage */
      f->sm->o = &o;
      if ((rc = push(f->sm, 0.0, f->y)))
        return rc;
    }
    rc = run(f, &o, tb[i + 1], 1, 0);
    if (rc < 0)
      return rc;
    if (f->sm && (rc = push(f->sm, f->t, f->y)))
      return rc;
    if (bal_height_m(f->y) < h0_m - 10.0)
      return mwx_error_set(MWX_EINVAL, "fly: the vehicle comes down below its launch point "
                           "during boost (t = %.1f s): pitch or thrust too low", f->t);
  }
  return 0;
}

static int free_flight(struct flight *f, double beta) {
  bal_ode o;
  bal_ode_init(&o, bal_rhs_free, &beta);
  if (bal_height_m(f->y) <= 0.0)
    return mwx_error_set(MWX_EINVAL, "fly: burnout at or below the ground");
  double t_end = f->t + FREE_MAX_S;
  int rc = 0;
  if (bal_height_rate_mps(f->y, f->y + 3) > 0.0) {
    f->apo_found = 0; /* still climbing at burnout: the apogee lies ahead */
    rc = run(f, &o, t_end, 1, 1);
    if (rc < 0)
      return rc;
  } else if (!f->apo_found) {
    apogee_candidate(f);
  }
  if (rc == 0 && f->apo_found)
    rc = run(f, &o, t_end, 0, 1);
  if (rc < 0)
    return rc;
  if (rc == 0)
    return mwx_error_set(MWX_ERANGE, "fly: no impact within %.0f h of burnout (orbital energy?)",
                         FREE_MAX_S / 3600.0);
  return 0;
}

static int figures(const mwx_ballistic_launch *l, const struct flight *f,
                   mwx_ballistic_figures *fig) {
  mwx_geo_lla imp;
  double dist, az;
  int rc = mwx_geo_lla_from_ecef(f->y, &imp);
  if (!rc)
    rc = mwx_geo_inverse(l->lat_deg, l->lon_deg, imp.lat_deg, imp.lon_deg, &dist, &az, NULL);
  if (rc)
    return rc;
  fig->flight_time_s = f->t;
  fig->apogee_km = f->apo_h_m / 1000.0;
  fig->apogee_time_s = f->apo_t_s;
  fig->range_km = dist / 1000.0;
  fig->impact_lat_deg = imp.lat_deg;
  fig->impact_lon_deg = imp.lon_deg;
  fig->impact_azimuth_deg = az < 0.0 ? az + 360.0 : az;
  return 0;
}

static int fly_core(const mwx_ballistic_launch *l, struct sampler *sm,
                    mwx_ballistic_figures *fig) {
  mwx_geo_lla site = {l->lat_deg, l->lon_deg, l->h_m};
  struct flight f;
  bal_boost b;
  memset(&f, 0, sizeof f);
  f.sm = sm;
  int rc = mwx_geo_ecef_from_lla(&site, f.y);
  if (!rc)
    rc = bal_boost_init(&b, l, f.y);
  if (rc)
    return rc;
  memset(fig, 0, sizeof *fig);
  if ((rc = boost(&f, &b, l->h_m)))
    return rc;
  fig->burnout_time_s = f.t;
  fig->burnout_speed_mps = bal_norm(f.y + 3);
  fig->burnout_alt_km = bal_height_m(f.y) / 1000.0;
  if ((rc = free_flight(&f, l->veh.beta_rv_kgpm2)))
    return rc;
  return figures(l, &f, fig);
}

int mwx_ballistic_fly_figures(const mwx_ballistic_launch *launch, mwx_ballistic_figures *fig) {
  return fly_core(launch, NULL, fig);
}

static void set_phases(mwx_ballistic_traj *tr) {
  for (size_t i = 0; i < tr->n; i++) {
    mwx_ballistic_sample *s = &tr->s[i];
    if (s->t_s <= tr->fig.burnout_time_s + 1e-9)
      s->phase = MWX_PHASE_BOOST;
    else if (s->t_s > tr->fig.apogee_time_s && bal_height_m(s->pos_ecef_m) < TERMINAL_ALT_M)
      s->phase = MWX_PHASE_TERMINAL;
    else
      s->phase = MWX_PHASE_MIDCOURSE;
  }
}

int mwx_ballistic_fly(const mwx_ballistic_launch *launch, double dt_s, mwx_ballistic_traj *traj) {
  if (!(dt_s >= 1e-3) || !isfinite(dt_s))
    return mwx_error_set(MWX_EINVAL, "fly: sample interval %g s must be >= 0.001 s", dt_s);
  mwx_ballistic_traj tr;
  memset(&tr, 0, sizeof tr);
  struct sampler sm = {&tr, 0, dt_s, dt_s, NULL};
  int rc = fly_core(launch, &sm, &tr.fig);
  if (rc) {
    mwx_ballistic_traj_fini(&tr);
    return rc;
  }
  set_phases(&tr);
  mwx_ballistic_traj_fini(traj);
  *traj = tr;
  return 0;
}

void mwx_ballistic_traj_fini(mwx_ballistic_traj *traj) {
  free(traj->s);
  memset(traj, 0, sizeof *traj);
}

static size_t find_interval(const mwx_ballistic_traj *tr, double t) {
  size_t lo = 0, hi = tr->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (tr->s[mid].t_s <= t)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

int mwx_ballistic_traj_state_at(const mwx_ballistic_traj *tr, double t, double pos[3],
                                double vel[3], mwx_ballistic_phase *phase) {
  if (!tr->s || tr->n < 2)
    return mwx_error_set(MWX_EINVAL, "traj_state_at: the trajectory has no samples");
  if (!(t >= 0.0 && t <= tr->s[tr->n - 1].t_s))
    return mwx_error_set(MWX_ERANGE, "traj_state_at: t = %g s outside the flight [0, %.3f] s", t,
                         tr->s[tr->n - 1].t_s);
  size_t i = find_interval(tr, t);
  const mwx_ballistic_sample *a = &tr->s[i], *b = &tr->s[i + 1];
  double h = b->t_s - a->t_s, s = (t - a->t_s) / h, s2 = s * s, s3 = s2 * s;
  double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = 3 * s2 - 2 * s3, h11 = s3 - s2;
  double d00 = 6 * s2 - 6 * s, d10 = 3 * s2 - 4 * s + 1, d01 = 6 * s - 6 * s2, d11 = 3 * s2 - 2 * s;
  for (int k = 0; k < 3; k++) {
    double p0 = a->pos_ecef_m[k], p1 = b->pos_ecef_m[k];
    double v0 = a->vel_ecef_mps[k], v1 = b->vel_ecef_mps[k];
    pos[k] = h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1;
    vel[k] = (d00 * p0 + d01 * p1) / h + d10 * v0 + d11 * v1;
  }
  if (phase) {
    if (t <= tr->fig.burnout_time_s)
      *phase = MWX_PHASE_BOOST;
    else if (t > tr->fig.apogee_time_s && bal_height_m(pos) < TERMINAL_ALT_M)
      *phase = MWX_PHASE_TERMINAL;
    else
      *phase = MWX_PHASE_MIDCOURSE;
  }
  return 0;
}
