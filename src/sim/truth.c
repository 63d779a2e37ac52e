/*
 * truth.c - truth trajectories of a scenario's missiles: each launch is
 * fitted to its published apogee, range and bearing with mwx_ballistic_fit
 * and flown with mwx_ballistic_fly (the ballistic module owns all physics);
 * states at any time come from mwx_ballistic_traj_state_at.
 *
 * Salvos repeat the same request many times (same site, bearing, figures and
 * class); a request already fitted is copied, not fitted again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/sim.h"
#include "sim_int.h"

#define BETA_STREAM 0x62657461ULL /* "beta": the draw's streams, apart from the sensors' */

static int same_request(const mwx_sim_launch *a, const mwx_sim_launch *b) {
  return a->lat_deg == b->lat_deg && a->lon_deg == b->lon_deg && a->azimuth_deg == b->azimuth_deg &&
         a->apogee_km == b->apogee_km && a->range_km == b->range_km && a->cls == b->cls;
}

static int copy_traj(const mwx_ballistic_traj *from, mwx_ballistic_traj *to) {
  to->s = malloc(from->n * sizeof *to->s);
  if (!to->s)
    return mwx_error_set(MWX_ENOMEM, "out of memory copying a trajectory");
  memcpy(to->s, from->s, from->n * sizeof *to->s);
  to->n = from->n;
  to->fig = from->fig;
  return 0;
}

int mwx_sim_truth_init(mwx_sim_truth *truth, const mwx_sim_scenario *sc, double dt_s) {
  memset(truth, 0, sizeof *truth);
  if (!sc || sc->n_launches == 0 || !(dt_s > 0.0))
    return mwx_error_set(MWX_EINVAL, "truth: need a scenario with launches and dt_s > 0");
  size_t n = sc->n_launches;
  truth->launch_ns = calloc(n, sizeof *truth->launch_ns);
  truth->launch = calloc(n, sizeof *truth->launch);
  truth->traj = calloc(n, sizeof *truth->traj);
  truth->n = n;
  truth->dt_s = dt_s;
  if (!truth->launch_ns || !truth->launch || !truth->traj) {
    mwx_sim_truth_fini(truth);
    return mwx_error_set(MWX_ENOMEM, "truth: out of memory");
  }
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const mwx_sim_launch *l = &sc->launch[i];
    truth->launch_ns[i] = l->time_ns;
    size_t j = 0;
    while (j < i && !same_request(&sc->launch[j], l))
      j++;
    if (j < i) {
      truth->launch[i] = truth->launch[j];
      rc = copy_traj(&truth->traj[j], &truth->traj[i]);
    } else {
      mwx_ballistic_fit_req req = {l->lat_deg, l->lon_deg, l->azimuth_deg, l->apogee_km,
                                   l->range_km, l->cls};
      mwx_ballistic_figures fig;
      rc = mwx_ballistic_fit(&req, &truth->launch[i], &fig);
      if (!rc)
        rc = mwx_ballistic_fly(&truth->launch[i], dt_s, &truth->traj[i]);
      if (rc) {
        char inner[400];
        snprintf(inner, sizeof inner, "%s", mwx_error_msg());
        rc = mwx_error_set(rc, "launches[%zu] (%s): %s", i, l->id,
                           inner[0] ? inner : mwx_strerror(rc));
      }
    }
    if (!rc) {
      int64_t end = l->time_ns + (int64_t)llround(truth->traj[i].fig.flight_time_s * 1e9);
      if (i == 0 || end > truth->end_ns)
        truth->end_ns = end;
    }
  }
  if (rc)
    mwx_sim_truth_fini(truth);
  return rc;
}

int mwx_sim_truth_draw_beta(mwx_sim_truth *truth, uint64_t seed, double sigma_ln) {
  if (!truth || !truth->n || !truth->launch || !truth->traj || !(truth->dt_s > 0))
    return mwx_error_set(MWX_EINVAL, "truth: draw beta: the truth is not initialised");
  if (!(sigma_ln >= 0 && sigma_ln <= 1))
    return mwx_error_set(MWX_EINVAL, "truth: draw beta: sigma of ln beta %g is not in 0..1", sigma_ln);
  int64_t end = 0;
  for (size_t i = 0; i < truth->n; i++) {
    mwx_ballistic_launch *l = &truth->launch[i];
    mwx_ballistic_vehicle v;
    if (mwx_ballistic_vehicle_default(l->veh.cls, &v))
      return mwx_error_set(MWX_EINVAL, "truth: draw beta: missile %zu has no class", i);
    sim_rng r;
    sim_rng_seed(&r, seed, BETA_STREAM + i);
    double beta = v.beta_rv_kgpm2 * exp(sigma_ln * sim_rng_gauss(&r));
    if (beta != l->veh.beta_rv_kgpm2) {
      l->veh.beta_rv_kgpm2 = beta;
      mwx_ballistic_traj t;
      memset(&t, 0, sizeof t);
      int rc = mwx_ballistic_fly(l, truth->dt_s, &t);
      if (rc) {
        char inner[400];
        snprintf(inner, sizeof inner, "%s", mwx_error_msg());
        return mwx_error_set(rc, "truth: missile %zu with beta %.0f kg/m^2: %s", i, beta,
                             inner[0] ? inner : mwx_strerror(rc));
      }
      mwx_ballistic_traj_fini(&truth->traj[i]);
      truth->traj[i] = t;
    }
    int64_t e = truth->launch_ns[i] + (int64_t)llround(truth->traj[i].fig.flight_time_s * 1e9);
    if (i == 0 || e > end)
      end = e;
  }
  truth->end_ns = end;
  return 0;
}

/* True while a stage burns: from lift-off to the last burnout, except the
 * coast gaps between stages. */
/* Whether a stage burns at t_s: the flight's own burn windows
 * (mwx_ballistic_stage_times, dv_scale included), not the stages' nominal
 * burn_s, which a lofted or energy-managed flight does not burn to the end. */
static bool powered_at(const mwx_ballistic_launch *l, const mwx_ballistic_figures *fig, double t_s) {
  if (t_s < 0.0 || t_s > fig->burnout_time_s)
    return false;
  double ign_s[MWX_BALLISTIC_MAX_STAGES], bo_s[MWX_BALLISTIC_MAX_STAGES];
  if (mwx_ballistic_stage_times(&l->veh, ign_s, bo_s)) { /* (the flight was flown with it: cannot fail) */
    mwx_error_clear();
    return true;
  }
  for (int i = 0; i < l->veh.n_stages; i++)
    if (t_s >= ign_s[i] && t_s <= bo_s[i])
      return true;
  return false;
}

int mwx_sim_truth_at(const mwx_sim_truth *truth, size_t missile, int64_t t_ns,
                     mwx_sim_truth_state *st) {
  memset(st, 0, sizeof *st);
  if (missile >= truth->n)
    return mwx_error_set(MWX_EINVAL, "truth: missile %zu out of range (%zu missiles)", missile,
                         truth->n);
  const mwx_ballistic_traj *tr = &truth->traj[missile];
  double t_s = (double)(t_ns - truth->launch_ns[missile]) * 1e-9;
  if (t_s < 0.0 || t_s > tr->fig.flight_time_s || tr->n == 0)
    return 0;
  int rc = mwx_ballistic_traj_state_at(tr, t_s, st->pos_ecef_m, st->vel_ecef_mps, &st->phase);
  if (rc == MWX_ERANGE) {
    mwx_error_clear();
    memset(st, 0, sizeof *st);
    return 0;
  }
  if (rc)
    return rc;
  if ((rc = mwx_geo_lla_from_ecef(st->pos_ecef_m, &st->lla)))
    return rc;
  st->in_flight = true;
  st->t_s = t_s;
  st->powered = powered_at(&truth->launch[missile], &tr->fig, t_s);
  return 0;
}

void mwx_sim_truth_fini(mwx_sim_truth *truth) {
  if (!truth)
    return;
  if (truth->traj)
    for (size_t i = 0; i < truth->n; i++)
      mwx_ballistic_traj_fini(&truth->traj[i]);
  free(truth->traj);
  free(truth->launch);
  free(truth->launch_ns);
  memset(truth, 0, sizeof *truth);
}
