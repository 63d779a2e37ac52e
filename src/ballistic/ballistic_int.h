/*
 * ballistic_int.h - private interfaces shared by the files of the ballistic
 * module: small vector helpers, the Dormand-Prince integrator with events,
 * the boost (thrust) model and the Keplerian helpers used by the fitting and
 * the classification.  Nothing here is part of the public contract.
 */
#ifndef MWX_BALLISTIC_INT_H
#define MWX_BALLISTIC_INT_H

#include <math.h>

#include "mwx/ballistic.h"

/* Standard gravity, used with specific impulse (m/s^2): the CGPM 1901
 * conventional value, also NOAA-S/T 76-1562 table 2 (g0). */
#define BAL_G0_MPS2 9.80665

/* Mean Earth radius for the spherical (Keplerian) estimates only (m):
 * IUGG mean radius R1 = (2a + b) / 3 of WGS-84, Moritz, "Geodetic Reference
 * System 1980", Bulletin Geodesique 54 (1980), rounded. */
#define BAL_R_MEAN_M 6371008.8

static inline double bal_dot(const double a[3], const double b[3]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
static inline double bal_norm(const double a[3]) { return sqrt(bal_dot(a, a)); }
static inline void bal_cross(const double a[3], const double b[3], double c[3]) {
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}
static inline void bal_unit(double a[3]) {
  double n = bal_norm(a);
  if (n > 0.0)
    for (int i = 0; i < 3; i++)
      a[i] /= n;
}

/* ---- atmosphere / forces (atmosphere.c, gravity.c) ------------------- */

/* Density only, no checks: the fast path of the equations of motion. */
double bal_density_kgpm3(double alt_m);

/* Height above the ellipsoid measured along the geocentric radius: equal to
 * the geodetic height on the surface, within metres below 100 km; used only
 * to look up the air density. */
double bal_height_fast_m(const double pos_ecef_m[3]);

/* Unit vector normal to the WGS-84 ellipsoid through the ellipsoid-scaled
 * point (x, y, z / (1 - e^2)): the exact geodetic up on the surface. */
void bal_up_ecef(const double pos_ecef_m[3], double up[3]);

/* Exact geodetic height (Vermeille, through geo.c). */
double bal_height_m(const double pos_ecef_m[3]);

/* Geodetic height rate: velocity along the geodetic up of the point. */
double bal_height_rate_mps(const double pos_ecef_m[3], const double vel_ecef_mps[3]);

/* ---- integrator (propagate.c) ------------------------------------------ */

/* y = (position m, velocity m/s) in ECEF; dy = (velocity, acceleration). */
typedef void (*bal_rhs_fn)(const void *ctx, double t, const double y[6], double dy[6]);
typedef double (*bal_event_fn)(const void *ctx, double t, const double y[6]);
typedef int (*bal_step_fn)(void *cbctx, double t0, const double y0[6], double t1,
                           const double y1[6]);

typedef struct bal_ode {
  bal_rhs_fn f;
  const void *ctx;
  double rtol;          /* relative tolerance */
  double atol_pos_m;    /* absolute tolerance on position */
  double atol_vel_mps;  /* absolute tolerance on velocity */
  double h_s;           /* magnitude of the next trial step */
  double h_max_s;       /* largest step (magnitude) */
  long steps, rejected, evals;
} bal_ode;

/* A sign change of g (dir -1: from > 0 to <= 0, +1: from < 0 to >= 0)
 * stops the integration at the root, found to tol_s. */
typedef struct bal_event {
  bal_event_fn g;
  const void *ctx;
  int dir;
  double tol_s;
} bal_event;

/* Default tolerances (see propagate.c). */
void bal_ode_init(bal_ode *o, bal_rhs_fn f, const void *ctx);

/* One Dormand-Prince step of size h (either sign) from (t0, y0), no error
 * control: used for dense samples and event refinement. */
void bal_dp_step(bal_ode *o, double t0, const double y0[6], double h, double y1[6]);

/* Integrates from *t to t_end (either direction) with error control.
 * Returns 1 when ev (may be NULL) fired: *t, y hold the event; 0 when t_end
 * was reached; MWX_ENOCONV if the step size collapsed or the state became
 * non-finite.  cb (may be NULL) sees every accepted step; a non-zero return
 * from it is passed back. */
int bal_integrate(bal_ode *o, double *t, double y[6], double t_end, const bal_event *ev,
                  bal_step_fn cb, void *cbctx);

/* Right-hand side of unpowered flight; ctx points to the beta (kg/m^2). */
void bal_rhs_free(const void *ctx, double t, const double y[6], double dy[6]);

/* ---- boost (vehicle.c) --------------------------------------------------- */

/* The timeline and thrust law of one launch. */
typedef struct bal_boost {
  const mwx_ballistic_vehicle *veh;
  int n;
  double t_ign_s[MWX_BALLISTIC_MAX_STAGES], t_bo_s[MWX_BALLISTIC_MAX_STAGES];
  double k_ps[MWX_BALLISTIC_MAX_STAGES];  /* mass flow / stage start mass (1/s) */
  double ve_mps[MWX_BALLISTIC_MAX_STAGES]; /* effective exhaust speed g0 * Isp */
  double t_burnout_s;
  double plane_n[3];  /* normal of the launch plane (ECEF, unit) */
} bal_boost;

/* What drives one boost segment: the stage burning (-1: none), the pitch
 * mode (0 vertical, 1 pitch-over, 2 hold) over [t0_s, t1_s]. */
typedef struct bal_segment {
  const bal_boost *b;
  int stage;
  int pitch_mode;
  double t0_s, t1_s;
} bal_segment;

/* Checks the vehicle (MWX_EINVAL naming the field) and builds the timeline
 * for a launch from pos0 with the given heading. */
int bal_boost_init(bal_boost *b, const mwx_ballistic_launch *launch, const double pos0_ecef_m[3]);

/* Breakpoints of the boost (lift-off, pitch program, ignitions, burnouts),
 * sorted, unique, from 0 to burnout.  Returns their number (<= 16). */
int bal_boost_breakpoints(const bal_boost *b, double t_s[16]);

/* The segment [t0, t1] (between two consecutive breakpoints). */
void bal_segment_init(bal_segment *s, const bal_boost *b, double t0_s, double t1_s);

/* Right-hand side during boost; ctx is a bal_segment. */
void bal_rhs_boost(const void *ctx, double t, const double y[6], double dy[6]);

/* Ideal delta-v of the vehicle (m/s), dv_scale included. */
double bal_vehicle_dv_mps(const mwx_ballistic_vehicle *v);

/* ---- Keplerian estimates (class.c) --------------------------------------- */

/* The conic through the surface points of a flight with apogee height
 * apogee_m and ground range range_m on a spherical Earth (radius
 * BAL_R_MEAN_M): speed and flight-path angle at the surface.  MWX_EINVAL if
 * the figures are not finite and positive. */
int bal_kepler_from_figures(double apogee_m, double range_m, double *v_mps, double *gamma_rad);

/* Range (m) of a minimum-energy flight with surface speed v_mps; +inf when
 * the speed is orbital or more. */
double bal_kepler_max_range_m(double v_mps);

#endif /* MWX_BALLISTIC_INT_H */
