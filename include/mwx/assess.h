/*
 * assess.h - what a track means: launch point and time, impact point and
 * time with a 95% error ellipse, apogee, ground range, time of flight and
 * missile class (from energy, so that lofted flights are classed by the
 * range their energy could reach).
 *
 * Inputs are ECEF estimates (position m, velocity m/s relative to the
 * rotating Earth) with their 6x6 covariance, at an absolute time t_ns (int64
 * ns since the Unix epoch, UTC).  Uncertainty is carried by the unscented
 * transform: 13 sigma points (alpha 1, beta 2, kappa 0) through the ballistic
 * propagator (mwx_ballistic_propagate_to_height); the 2x2 east/north
 * covariance of the ground points is taken in the local ENU frame at their
 * mean and scaled to the 95% ellipse by sqrt(5.991) (chi-square, 2 dof).
 *
 * All functions are pure computation (no I/O, no clock, no global state).
 */
#ifndef MWX_ASSESS_H
#define MWX_ASSESS_H

#include <stdint.h>

#include "mwx/ballistic.h"
#include "mwx/sim.h"
#include "mwx/track.h"

#define MWX_ASSESS_CHI2_95_2D 5.991464547107979 /* chi-square 2 dof, p = 0.95 */

/* A point on the ground with its uncertainty. */
typedef struct mwx_assess_point {
  double lat_deg, lon_deg; /* mean of the sigma points' ground points */
  int64_t t_ns;            /* mean time of reaching the ground */
  double sigma_t_s;        /* standard deviation of that time */
  double cov_en_m2[2][2];  /* east/north covariance (m^2) at the mean point */
  double major_km, minor_km; /* 95% ellipse semi-axes */
  double orient_deg;       /* major axis from true north, clockwise, 0..180 */
} mwx_assess_point;

/* Impact: propagates the estimate forward to geodetic height 0 (drag with
 * beta_kgpm2; <= 0: none) within max_s seconds.  MWX_EINVAL on bad input,
 * MWX_ERANGE if a sigma point does not reach the ground in time. */
int mwx_assess_impact(const double x[6], const double P[6][6], int64_t t_ns, double beta_kgpm2,
                      double max_s, mwx_assess_point *out);

/* Launch point by free flight backwards to height 0: right for a state
 * whose whole past was unpowered (it gives the "ballistic extension" of a
 * powered flight, behind the real launch point). */
int mwx_assess_launch_ballistic(const double x[6], const double P[6][6], int64_t t_ns, double max_s,
                                mwx_assess_point *out);

/* Launch point from a boost-phase estimate: acceleration from rest along a
 * path that bends over.  The launch point is the ground point under
 * pos - c vel h / v_up (h the geodetic height, v_up the vertical speed,
 * c = 0.48 + 0.009 h_km, at most 0.9) and the time since launch r h / v_up
 * (r = 2, constant acceleration, below 20 km rising to 2.5 at 50 km).  c and
 * r are fitted to the staged boosts of mwx_ballistic_vehicle_default.
 * Best from an estimate below ~25 km.  MWX_ERANGE if the estimate is
 * not climbing. */
int mwx_assess_launch_boost(const double x[6], const double P[6][6], int64_t t_ns,
                            mwx_assess_point *out);

/* Launch fit: options and result of mwx_assess_launch_fit. */
typedef struct mwx_assess_launch_fit_opts {
  int min_plots;       /* fewer plots: MWX_EINVAL (default 8) */
  double max_chi2_dof; /* a longer window is kept while its chi-square per dof stays below (3) */
  int min_duration_ms; /* TEST ONLY (default 0: off): the call returns no sooner than this many ms
                          after it started (it sleeps the rest), so a test can stand in a slow fit
                          (e.g. 12,000) for a fast one; 0 to 600,000.  The environment variable
                          MWX_TEST_LAUNCH_FIT_MIN_MS (same range) does the same for every call
                          (the larger of the two counts) */
} mwx_assess_launch_fit_opts;

void mwx_assess_launch_fit_opts_default(mwx_assess_launch_fit_opts *o);

typedef struct mwx_assess_launch_fit_result {
  mwx_assess_point point;  /* launch point, time, sigma of the time, 95% ellipse */
  double heading_deg;      /* launch-plane heading, clockwise from north */
  double thrust0_mps2;     /* lift-off thrust acceleration A */
  double mass_flow_ps;     /* k: thrust acceleration A / (1 - k tau) */
  double elevation_deg;    /* held thrust elevation after the pitch-over */
  double pitchover_s, vertical_s;
  double beta_kgpm2;       /* boost-phase ballistic coefficient */
  size_t n_plots;          /* plots in the final fit (outliers dropped, orphan IR added) */
  size_t n_orphan_ir;      /* of which orphan IR plots */
  double chi2_per_dof;     /* final cost / (measurements - 10) */
  double window_s;         /* plots used: up to this long after the first */
} mwx_assess_launch_fit_result;

/* Launch point and time from the plots of a track's powered flight
 * (mwx_track_early_plots: radar and IR, one burning stage) by a batch
 * Levenberg-Marquardt fit of a generic powered flight from rest on the
 * ground: unknowns launch time, launch point (east/north), heading, thrust
 * acceleration A / (1 - k tau) (A, k), a pitch program (vertical for
 * tau_v, a linear turn over T_p to a held elevation) and the drag of a
 * constant ballistic coefficient beta; tau_v with a weak prior
 * N(5 s, (5 s)^2), beta a log-normal one (median 40,000 kg/m^2, factor 2).  Plots outside the 0.999 chi-square gate of the
 * fit are dropped, then the IR plots of ir (mwx_track_orphan_ir; may be
 * NULL with n_ir 0) inside it are added.  The uncertainty is the inverse of
 * the Gauss-Newton normal matrix: east/north covariance, 95% ellipse and
 * the launch time's sigma in out->point.  guess gives the starting point and
 * time (e.g. mwx_assess_track's launch), heading_guess_deg the starting
 * heading.  MWX_EINVAL on bad input or too few plots, MWX_ENOCONV if no
 * start converges. */
int mwx_assess_launch_fit(const mwx_track_plot *plots, size_t n, const mwx_track_plot *ir, size_t n_ir,
                          const mwx_assess_point *guess, double heading_guess_deg,
                          const mwx_assess_launch_fit_opts *opts, mwx_assess_launch_fit_result *out);

/* Energy-equivalent range (km): the minimum-energy range of a missile with
 * the same specific energy (v^2/2 - GM/r, velocity relative to the Earth),
 * burning out at the surface of a spherical Earth of mean radius 6,371 km -
 * the convention of mwx_ballistic_class_from_figures: with nu = R v^2 / GM,
 * sin(range / 2R) = nu / (2 - nu).  Orbital energy gives INFINITY. */
int mwx_assess_energy_range(const double x[6], double *range_km);

/* Class from the energy-equivalent range: SRBM < 1,000 km <= MRBM < 3,000 km
 * <= IRBM < 5,500 km <= ICBM. */
mwx_ballistic_class mwx_assess_class_from_range(double range_km);

/* Apogee of the free flight through the estimate (forward if climbing,
 * backward otherwise): height (km) and time. */
int mwx_assess_apogee(const double x[6], int64_t t_ns, double beta_kgpm2, double *apogee_km,
                      int64_t *apogee_t_ns);

/* Options of mwx_assess_track. */
typedef struct mwx_assess_opts {
  double beta_kgpm2;       /* re-entry vehicle ballistic coefficient for the impact; 0: no drag;
                              < 0 (default): that of the estimated class's typical vehicle
                              (mwx_ballistic_vehicle_default), 5,000 kg/m^2 if the class is unknown */
  double max_flight_s;     /* propagation limit (default 7200) */
  double min_p_ballistic;  /* impact predicted only when the IMM ballistic probability >= this (0.9) */
  double min_climb_height_m; /* ... and, while climbing, only above this height (30 km: below it
                                every class is still in boost) */
  int want_apogee;         /* 1 (default): compute the apogee (a few hundred propagations) */
  double beta_rel_sigma;   /* relative 1-sigma of beta added to the impact ellipse (0.3: the
                              class's typical RV is a guess for this missile) */
} mwx_assess_opts;

void mwx_assess_opts_default(mwx_assess_opts *o);

typedef struct mwx_assess {
  int has_impact, has_launch, has_class;
  mwx_assess_point impact, launch;
  double apogee_km;
  int64_t apogee_t_ns;
  double range_km;         /* launch -> impact geodesic (needs both) */
  double flight_time_s;    /* launch -> impact (needs both) */
  double energy_range_km;
  mwx_ballistic_class cls; /* MWX_CLASS_UNKNOWN until ballistic */
} mwx_assess;

/* Assesses a track.  Impact (with the drag term), apogee and class from
 * its ballistic-model estimate (info->ballistic) when the track is ballistic
 * (p_ballistic >= opts->min_p_ballistic, and above min_climb_height_m or
 * descending).  Launch from its early estimate (info->first): the boost
 * model when that estimate was powered and below 60 km - the launch time
 * then from the chord to info->chord when there is one - the ballistic
 * extension otherwise.  Range and time of flight when both ends exist.
 * Parts that cannot be computed are left with has_* = 0; the call fails only
 * on bad arguments (opts NULL: defaults). */
int mwx_assess_track(const mwx_track_info *info, const mwx_assess_opts *opts, mwx_assess *out);

/* ---- Scenario run: sim -> track -> assess, scored against the truth ---- */

#define MWX_ASSESS_GOOD_IPP_KM 10.0 /* a "good" impact prediction is this close */

typedef struct mwx_assess_run_opts {
  char nation[4];     /* "KOR", "JPN", "USA": that nation's sensors; "ALL": all, fused at plot level */
  int filter;         /* mwx_track_filter_kind */
  uint64_t seed;      /* simulator seed */
  double step_s;      /* tracker/evaluation cadence (default 1 s) */
  double beta_rel_sigma; /* relative 1-sigma of the RV's beta in the impact ellipse (default 0.3,
                            mwx_assess_opts) */
} mwx_assess_run_opts;

void mwx_assess_run_opts_default(mwx_assess_run_opts *o);

/* Checkpoints of the impact-prediction error: launch + 60 s, + 120 s,
 * + 300 s, and half the flight time. */
enum { MWX_ASSESS_CP_60 = 0, MWX_ASSESS_CP_120, MWX_ASSESS_CP_300, MWX_ASSESS_CP_HALF, MWX_ASSESS_N_CP };

/* The timeline of one missile.  Times are seconds after its launch; a has_*
 * flag of 0 means it never happened (JSON null). */
typedef struct mwx_assess_missile {
  char id[32];
  double flight_time_s;               /* truth */
  int has_first_plot, has_track, has_ipp, has_good_ipp, has_launch, has_impact;
  double first_plot_s;                /* first plot of the selected sensors on this missile */
  double first_track_s;               /* a confirmed track within 20 km of it */
  double first_ipp_s;                 /* its track first predicted an impact */
  double good_ipp_s;                  /* first prediction within MWX_ASSESS_GOOD_IPP_KM */
  int has_ipp_error[MWX_ASSESS_N_CP];
  double ipp_error_km[MWX_ASSESS_N_CP];
  double launch_error_km;             /* final launch-point estimate vs truth */
  double launch_time_error_s;
  mwx_assess_point launch;            /* final launch-point estimate (95% ellipse, sigma of the time) */
  size_t launch_fit_plots;            /* plots of its launch fit (0: no fit, the extrapolation) */
  size_t launch_fit_ir;               /* of which orphan IR plots */
  double launch_fit_window_s;         /* its window (plots up to this long after the first) */
  double launch_fit_chi2_dof;         /* its chi-square per degree of freedom */
  mwx_ballistic_class cls;            /* last class estimate */
  mwx_assess_point impact;            /* last impact prediction made >= 60 s before impact */
  double impact_error_km;             /* its error */
  uint32_t track_id;                  /* first track on it */
} mwx_assess_missile;

typedef struct mwx_assess_run_result {
  size_t n;                 /* = scenario n_launches */
  mwx_assess_missile *m;    /* owned: mwx_assess_run_fini */
  size_t n_plots;           /* plots given to the tracker */
  size_t n_tracks;          /* tracks started (tentative included) */
  size_t n_confirmed;       /* tracks ever confirmed */
} mwx_assess_run_result;

/* Simulates the scenario's plots (mwx_sim_source with opts->seed), tracks
 * those of the selected nation(s) and assesses each missile at the
 * checkpoints.  The truth is read only to score.  out must be zeroed; the
 * caller owns it (mwx_assess_run_fini). */
int mwx_assess_run(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const mwx_assess_run_opts *opts,
                   mwx_assess_run_result *out);

void mwx_assess_run_fini(mwx_assess_run_result *r);

/* The result as the JSON text of "mwx track --json" (malloc'd, caller
 * frees):  {"missiles":[{"id","first_track_s","first_ipp_s","ipp_error_km":
 * {"60","120","300","half"},"launch_error_km","class","impact_lat_deg",
 * "impact_lon_deg","impact_ellipse_km":[major,minor,orientation_deg], ...}]}
 * with null where it never happened. */
int mwx_assess_run_json(const mwx_assess_run_result *r, const mwx_assess_run_opts *opts, char **text);

#endif /* MWX_ASSESS_H */
