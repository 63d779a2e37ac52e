/*
 * vehicle.c - the boost model: typical vehicles per class, the staging
 * timeline, the thrust law and the pitch program.
 *
 * Thrust: each stage burns at constant mass flow; its thrust acceleration is
 *     a(t) = g0 Isp mdot / m(t) = ve k / (1 - k tau),  k = (1 - 1/MR) / burn,
 * tau the time since ignition (Sutton & Biblarz, Rocket Propulsion Elements,
 * 8th ed., eqs. 2-5 and 4-6; ideal delta-v ve ln MR).
 *
 * Energy management (dv_scale): a missile flown short of its full energy
 * cuts its engine early (Scud-family range control is by engine cut-off,
 * Zaloga, "Scud Ballistic Missile and Launch Systems 1955-2005", Osprey
 * 2006); a heavier payload has the same effect.  Here every stage burns
 * until its delta-v is dv_scale times its nominal one: the stage burns for
 * (1 - MR^-dv_scale) / k seconds at unchanged thrust.  dv_scale > 1 means a
 * larger propellant load at the same thrust (a longer burn).
 *
 * Pitch program (the choice, documented): vertical rise for
 * vertical_rise_s, then the thrust elevation above the local horizontal
 * turns linearly from 90 deg to pitch_final_deg in pitchover_s, then it is
 * held at pitch_final_deg until burnout.  The thrust stays in the launch
 * plane: the plane through the launch point's geodetic up and the launch
 * heading, fixed in ECEF; "up" along the flight is the ellipsoid normal of
 * the current point (bal_up_ecef).  Holding a fixed elevation rather than
 * flying a gravity turn gives the fitting one well-behaved unknown (the
 * elevation) that sets lofted, minimum-energy or depressed flights alike.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "ballistic_int.h"
#include "mwx/error.h"
#include "mwx/geo.h"

/* Typical vehicles.  Burn times set the flight time (about 1.1 min of flight
 * per 100 s of burn on a lofted flight), so they follow published figures
 * where there are some and are marked as estimates where there are not:
 *
 * SRBM - Scud-B/C/ER and KN-23 class, one stage.  The Scud-B engine burns
 *   about 60-65 s (Zaloga 2006, above); vacuum Isp ~250 s for its
 *   kerosene/nitric-acid propellant (sea-level ~226 s); a mass ratio of
 *   4.2 (propellant fraction 0.76, a KN-23-class solid motor or a stretched
 *   Scud-ER: an estimate) gives ~3.5 km/s, the ~1,000 km class limit.
 * MRBM - Nodong class, one stage: burn ~110 s (estimate; Wright & Kadyshev,
 *   "An analysis of the North Korean Nodong missile", Science & Global
 *   Security 4 (1994) 129-160, reconstruct the Nodong as a scaled-up Scud),
 *   vacuum Isp ~255 s, mass ratio 5: ~4 km/s, the Nodong's ~1,300-1,500 km.
 * IRBM - Hwasong-12, one stage, Paektusan engine, by M. Elleman's analysis
 *   (IISS / 38 North, Aug 2017) an RD-250-family N2O4/UDMH engine, whose
 *   Soviet first-stage use burned about two minutes; 140 s is taken for the
 *   Hwasong-12 (estimate); vacuum Isp ~300 s (N2O4/UDMH gas-generator
 *   engines, Sutton & Biblarz ch. 5), mass ratio 6.5: ~5.5 km/s, about the
 *   4,500 km standard-trajectory range D. Wright (UCS) derived from the
 *   May 2017 flight (quoted by Yonhap, 15 May 2017).
 * ICBM - Hwasong-15/17, two stages: first stage 140 s (the same engine
 *   family, two or four chambers; ROK/US analysts found the 2022-03-24
 *   first-stage burn time "similar to that of the Hwasong-15", Yonhap,
 *   27 Mar 2022), second stage 160 s and a 5 s coast: about 305 s in all,
 *   inside the 250-330 s of public estimates (the split is an estimate);
 *   Isp 300/310 s vacuum, mass ratios 3.6/4.8: ideal ~8.6 km/s, a
 *   ~13,000 km standard-trajectory range (ROK MND's Hwasong-15 estimate,
 *   Yonhap, 1 Dec 2017; D. Wright, UCS All Things Nuclear, 28 Nov 2017:
 *   "more than 13,000 km").
 * Ballistic coefficients: booster m/(Cd A) from launch mass and diameter
 * (Scud 5.9 t, 0.88 m; Nodong 16 t, 1.36 m; Hwasong-12 ~25 t, 1.5 m;
 * Hwasong-15 ~65 t, 2.4 m; Cd ~0.3); re-entry vehicles 5,000-7,500 kg/m^2,
 * i.e. 1,000-1,500 lb/ft^2, inside the 500-2,000 lb/ft^2 range used for
 * threat re-entry vehicles by Zarchan, "Tactical and Strategic Missile
 * Guidance" (AIAA).
 *
 * Pitch program: a few seconds of vertical rise (clear the launcher), a
 * pitch-over lasting about a quarter of the first-stage burn (the turn is
 * over before max-q); the final elevation is what the fitting solves for. */
static const mwx_ballistic_vehicle defaults[4] = {
    {MWX_CLASS_SRBM, 1, {{65.0, 250.0, 4.2, 0.0}}, 30000.0, 5000.0, 5.0, 15.0, 45.0, 1.0},
    {MWX_CLASS_MRBM, 1, {{110.0, 255.0, 5.0, 0.0}}, 35000.0, 5000.0, 6.0, 25.0, 45.0, 1.0},
    {MWX_CLASS_IRBM, 1, {{140.0, 300.0, 6.5, 0.0}}, 45000.0, 6000.0, 8.0, 35.0, 45.0, 1.0},
    {MWX_CLASS_ICBM, 2, {{140.0, 300.0, 3.6, 5.0}, {160.0, 310.0, 4.8, 0.0}}, 60000.0, 7500.0,
     8.0, 35.0, 45.0, 1.0},
};

int mwx_ballistic_vehicle_default(mwx_ballistic_class cls, mwx_ballistic_vehicle *out) {
  if (cls < MWX_CLASS_SRBM || cls > MWX_CLASS_ICBM)
    return mwx_error_set(MWX_EINVAL, "vehicle: no typical vehicle for class %d", (int)cls);
  *out = defaults[cls - MWX_CLASS_SRBM];
  return 0;
}

double bal_vehicle_dv_mps(const mwx_ballistic_vehicle *v) {
  double dv = 0.0;
  for (int i = 0; i < v->n_stages && i < MWX_BALLISTIC_MAX_STAGES; i++)
    dv += BAL_G0_MPS2 * v->stage[i].isp_s * log(v->stage[i].mass_ratio);
  return dv * v->dv_scale;
}

static int check_stage(const mwx_ballistic_stage *s, int i) {
  if (!(s->burn_s > 0.0) || !isfinite(s->burn_s))
    return mwx_error_set(MWX_EINVAL, "vehicle: stage %d burn_s %g must be > 0", i + 1, s->burn_s);
  if (!(s->isp_s > 0.0) || !isfinite(s->isp_s))
    return mwx_error_set(MWX_EINVAL, "vehicle: stage %d isp_s %g must be > 0", i + 1, s->isp_s);
  if (!(s->mass_ratio > 1.0) || !isfinite(s->mass_ratio))
    return mwx_error_set(MWX_EINVAL, "vehicle: stage %d mass_ratio %g must be > 1", i + 1,
                         s->mass_ratio);
  if (!(s->coast_after_s >= 0.0) || !isfinite(s->coast_after_s))
    return mwx_error_set(MWX_EINVAL, "vehicle: stage %d coast_after_s %g must be >= 0", i + 1,
                         s->coast_after_s);
  return 0;
}

static int check_vehicle(const mwx_ballistic_vehicle *v) {
  if (v->n_stages < 1 || v->n_stages > MWX_BALLISTIC_MAX_STAGES)
    return mwx_error_set(MWX_EINVAL, "vehicle: n_stages %d must be 1..%d", v->n_stages,
                         MWX_BALLISTIC_MAX_STAGES);
  for (int i = 0; i < v->n_stages; i++) {
    int rc = check_stage(&v->stage[i], i);
    if (rc)
      return rc;
  }
  if (!(v->vertical_rise_s >= 0.0) || !(v->pitchover_s >= 0.0) || !isfinite(v->vertical_rise_s) ||
      !isfinite(v->pitchover_s))
    return mwx_error_set(MWX_EINVAL, "vehicle: vertical_rise_s %g and pitchover_s %g must be >= 0",
                         v->vertical_rise_s, v->pitchover_s);
  if (!(v->pitch_final_deg > 0.0 && v->pitch_final_deg <= 90.0))
    return mwx_error_set(MWX_EINVAL, "vehicle: pitch_final_deg %g must be in (0, 90]",
                         v->pitch_final_deg);
  if (!(v->dv_scale > 0.0) || !isfinite(v->dv_scale))
    return mwx_error_set(MWX_EINVAL, "vehicle: dv_scale %g must be > 0", v->dv_scale);
  if (!isfinite(v->beta_boost_kgpm2) || !isfinite(v->beta_rv_kgpm2))
    return mwx_error_set(MWX_EINVAL, "vehicle: ballistic coefficients must be finite");
  return 0;
}

/* Launch-plane normal: up x heading direction at the launch point. */
static void launch_plane(const mwx_ballistic_launch *l, const double pos0[3], double n[3]) {
  double up[3], hd[3], enu[3];
  mwx_geo_lla ref = {l->lat_deg, l->lon_deg, 0.0};
  double az = l->heading_deg * MWX_DEG2RAD;
  enu[0] = sin(az);
  enu[1] = cos(az);
  enu[2] = 0.0;
  mwx_geo_ecef_vec_from_enu(&ref, enu, hd);
  bal_up_ecef(pos0, up);
  bal_cross(up, hd, n);
  bal_unit(n);
}

/* A stage's mass flow as a fraction of its start mass per second. */
static double stage_flow_ps(const mwx_ballistic_stage *s) { return (1.0 - 1.0 / s->mass_ratio) / s->burn_s; }

/* The burn windows of a checked vehicle: a stage burns until its mass has
 * fallen by the ratio that gives dv_scale times its delta-v (Tsiolkovsky:
 * m0/m = mass_ratio^dv_scale) at the nominal mass flow. */
static void stage_times(const mwx_ballistic_vehicle *v, double *ign_s, double *bo_s) {
  double t = 0.0;
  for (int i = 0; i < v->n_stages; i++) {
    const mwx_ballistic_stage *s = &v->stage[i];
    ign_s[i] = t;
    t += (1.0 - pow(s->mass_ratio, -v->dv_scale)) / stage_flow_ps(s);
    bo_s[i] = t;
    if (i + 1 < v->n_stages)
      t += s->coast_after_s;
  }
}

int mwx_ballistic_stage_times(const mwx_ballistic_vehicle *v, double ignition_s[MWX_BALLISTIC_MAX_STAGES],
                              double burnout_s[MWX_BALLISTIC_MAX_STAGES]) {
  if (!v || !ignition_s || !burnout_s)
    return mwx_error_set(MWX_EINVAL, "stage times: NULL argument");
  int rc = check_vehicle(v);
  if (rc)
    return rc;
  stage_times(v, ignition_s, burnout_s);
  return 0;
}

int bal_boost_init(bal_boost *b, const mwx_ballistic_launch *l, const double pos0[3]) {
  int rc = check_vehicle(&l->veh);
  if (rc)
    return rc;
  if (!isfinite(l->heading_deg))
    return mwx_error_set(MWX_EINVAL, "launch: heading %g deg is not finite", l->heading_deg);
  memset(b, 0, sizeof *b);
  b->veh = &l->veh;
  b->n = l->veh.n_stages;
  for (int i = 0; i < b->n; i++) {
    const mwx_ballistic_stage *s = &l->veh.stage[i];
    b->k_ps[i] = stage_flow_ps(s);
    b->ve_mps[i] = BAL_G0_MPS2 * s->isp_s;
  }
  stage_times(&l->veh, b->t_ign_s, b->t_bo_s);
  b->t_burnout_s = b->t_bo_s[b->n - 1];
  launch_plane(l, pos0, b->plane_n);
  return 0;
}

static int cmp_add(double *t, int n, double v, double tmax) {
  if (!(v > 0.0) || v > tmax)
    return n;
  for (int i = 0; i < n; i++)
    if (fabs(t[i] - v) < 1e-9)
      return n;
  t[n] = v;
  return n + 1;
}

int bal_boost_breakpoints(const bal_boost *b, double t[16]) {
  const mwx_ballistic_vehicle *v = b->veh;
  int n = 1;
  t[0] = 0.0;
  n = cmp_add(t, n, v->vertical_rise_s, b->t_burnout_s);
  n = cmp_add(t, n, v->vertical_rise_s + v->pitchover_s, b->t_burnout_s);
  for (int i = 0; i < b->n; i++) {
    n = cmp_add(t, n, b->t_ign_s[i], b->t_burnout_s);
    n = cmp_add(t, n, b->t_bo_s[i], b->t_burnout_s);
  }
  for (int i = 1; i < n; i++) /* insertion sort, n <= 11 */
    for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
      double x = t[j];
      t[j] = t[j - 1];
      t[j - 1] = x;
    }
  return n;
}

void bal_segment_init(bal_segment *s, const bal_boost *b, double t0, double t1) {
  double mid = 0.5 * (t0 + t1);
  const mwx_ballistic_vehicle *v = b->veh;
  s->b = b;
  s->t0_s = t0;
  s->t1_s = t1;
  s->stage = -1;
  for (int i = 0; i < b->n; i++)
    if (mid > b->t_ign_s[i] && mid < b->t_bo_s[i])
      s->stage = i;
  s->pitch_mode = mid < v->vertical_rise_s ? 0 : mid < v->vertical_rise_s + v->pitchover_s ? 1 : 2;
}

/* Thrust elevation (rad) at t in the segment. */
static double elevation(const bal_segment *s, double t) {
  const mwx_ballistic_vehicle *v = s->b->veh;
  if (s->pitch_mode == 0)
    return 90.0 * MWX_DEG2RAD;
  if (s->pitch_mode == 2)
    return v->pitch_final_deg * MWX_DEG2RAD;
  double f = (t - v->vertical_rise_s) / v->pitchover_s;
  f = fmin(1.0, fmax(0.0, f));
  return (90.0 + f * (v->pitch_final_deg - 90.0)) * MWX_DEG2RAD;
}

static void thrust(const bal_segment *s, double t, const double r[3], double acc[3]) {
  const bal_boost *b = s->b;
  int i = s->stage;
  double tau = fmin(fmax(t, s->t0_s), s->t1_s) - b->t_ign_s[i];
  double a = b->ve_mps[i] * b->k_ps[i] / (1.0 - b->k_ps[i] * tau);
  double up[3], d[3], el = elevation(s, t);
  bal_up_ecef(r, up);
  bal_cross(b->plane_n, up, d);
  bal_unit(d);
  double ce = cos(el), se = sin(el);
  for (int k = 0; k < 3; k++)
    acc[k] += a * (ce * d[k] + se * up[k]);
}

void bal_rhs_boost(const void *ctx, double t, const double y[6], double dy[6]) {
  const bal_segment *s = ctx;
  dy[0] = y[3];
  dy[1] = y[4];
  dy[2] = y[5];
  mwx_ballistic_accel_free_ecef(y, y + 3, s->b->veh->beta_boost_kgpm2, dy + 3);
  if (s->stage >= 0)
    thrust(s, t, y, dy + 3);
}
