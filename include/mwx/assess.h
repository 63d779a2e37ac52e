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

#include <stdatomic.h>
#include <stdint.h>

#include "mwx/ballistic.h"
#include "mwx/sim.h"
#include "mwx/track.h"

#define MWX_ASSESS_CHI2_95_2D 5.991464547107979 /* chi-square 2 dof, p = 0.95 */

/* ---- Constants of the impact prediction (one definition each) ----------
 *
 * MWX_ASSESS_BETA_UNKNOWN_KGPM2 (5,000 kg/m^2): the re-entry vehicle's
 *   ballistic coefficient when the class is not known: the SRBM and MRBM
 *   vehicles' value (mwx_ballistic_vehicle_default), about 1,000 lb/ft^2, the
 *   middle of the 500-2,000 lb/ft^2 that Zarchan, "Tactical and Strategic
 *   Missile Guidance" (AIAA, Progress in Astronautics and Aeronautics), uses
 *   for threat re-entry vehicles.
 * MWX_ASSESS_BETA_SIGMA_LN (0.3): the standard deviation of ln beta about
 *   the class's typical value, i.e. how little a class tells about this
 *   missile's RV: Zarchan's 500-2,000 lb/ft^2 is the median 1,000 lb/ft^2
 *   times or divided by 2, and ln 2 = 0.69 = 2.3 sigma for sigma 0.3 (the
 *   span then holds 98% of the vehicles).  The simulator draws each flight's
 *   beta from the same law (mwx_sim_truth_draw_beta), the impact ellipse
 *   carries it (mwx_assess_impact_beta: Gauss-Hermite quadrature in ln beta).
 * MWX_ASSESS_MAX_FLIGHT_S (7,200 s): the propagation limit of an impact
 *   prediction: two hours, above the longest flight a ballistic missile
 *   makes (a 13,000 km minimum-energy ICBM flies about 40 minutes, an
 *   estimate; the lofted 2022-11-18 Hwasong-17 about 69 minutes, 10:14 to
 *   11:23 JST by Japan MoD, 18 Nov 2022); an estimate that does not come
 *   down within it is in orbit or wrong. */
#define MWX_ASSESS_BETA_UNKNOWN_KGPM2 5000.0
#define MWX_ASSESS_BETA_SIGMA_LN 0.3
#define MWX_ASSESS_MAX_FLIGHT_S 7200.0

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

/* Impact with an uncertain ballistic coefficient: ln beta normal with mean
 * ln beta_kgpm2 (the median) and standard deviation sigma_ln (0: plain
 * mwx_assess_impact).  The state's uncertainty is mwx_assess_impact's (13
 * sigma points flown with beta_kgpm2); beta's by a 5-point Gauss-Hermite
 * quadrature in ln beta: the mean state flown with beta_kgpm2 exp(sigma_ln
 * z_k), z_k = 0, +-1.3556, +-2.8570 (weights 8/15, 0.22208, 0.011257: the
 * probabilists' Hermite nodes, exact for polynomials of degree 9 in z).
 * The mean ground point and time move by the weighted mean of the nodes'
 * displacements, and their weighted spread is added to the east/north
 * covariance and to the time's variance (the state and beta independent);
 * along the spread's main axis it is then widened, never narrowed, to the
 * law's long side: the displacement per sigma of the draws at the 95% edge
 * z = +-sqrt(MWX_ASSESS_CHI2_95_2D) (the nodes' degree-4 interpolation), the
 * larger of the two (a light RV falls much shorter than a heavy one flies
 * long; with the variance alone the light draws at the edge were outside).
 * Errors as mwx_assess_impact; MWX_EINVAL for sigma_ln < 0 or > 1, or
 * sigma_ln > 0 without drag (beta_kgpm2 <= 0). */
int mwx_assess_impact_beta(const double x[6], const double P[6][6], int64_t t_ns, double beta_kgpm2,
                           double sigma_ln, double max_s, mwx_assess_point *out);

/* Impact with the state correlated with ln beta (the track's beta in its
 * state): ln beta ~ N(ln beta_kgpm2, sigma_ln^2) and, given ln beta = b, the
 * state ~ N(x + dxdb (b - ln beta_kgpm2), Pc).  As mwx_assess_impact_beta
 * (which is this with dxdb = 0, Pc = P) with each quadrature node's mean
 * state moved along dxdb; the ellipse is E[cov | b] (the sigma points of Pc
 * at the median) plus cov[E | b] (the nodes).  MWX_EINVAL on bad input or
 * without drag, MWX_ERANGE if a flight does not land within max_s. */
int mwx_assess_impact_beta_cond(const double x[6], const double dxdb[6], const double Pc[6][6], int64_t t_ns,
                                double beta_kgpm2, double sigma_ln, double max_s, mwx_assess_point *out);

/* The law of the RV's ln beta for an impact: the track's posterior (state
 * x[7] = ln(beta / beta_ref_kgpm2), started with prior sigma lnbeta_sigma0)
 * with its prior replaced by the class's, ln beta ~ N(ln beta_class_kgpm2,
 * sigma_class_ln^2): what the plots said (the posterior's information less
 * the prior's, none when that is not positive) plus the class prior.  The
 * state given ln beta keeps the track's conditional law (a Gaussian's does
 * not depend on the prior of the conditioning variable). */
#define MWX_ASSESS_LNBETA_VAR_MIN 1e-10 /* a ln beta variance below this: no beta in the state */
typedef struct mwx_assess_beta_post {
  double x[6];       /* the state given the median ln beta */
  double dxdb[6];    /* d state / d ln beta (0 without beta in the state) */
  double Pc[6][6];   /* the state's covariance given ln beta */
  double beta_kgpm2; /* the median beta */
  double sigma_ln;   /* the sigma of ln beta */
  double info_share; /* the plots' share of the information on ln beta (0: the class prior alone) */
} mwx_assess_beta_post;
/* e: the track estimate (8-D); beta_ref_kgpm2 <= 0 or lnbeta_sigma0 <= 0 or
 * P[7][7] below MWX_ASSESS_LNBETA_VAR_MIN: the class prior alone, the
 * marginal state.  MWX_EINVAL on NULL or a class prior that is not > 0. */
int mwx_assess_beta_posterior(const mwx_track_est *e, double beta_ref_kgpm2, double lnbeta_sigma0,
                              double beta_class_kgpm2, double sigma_class_ln, mwx_assess_beta_post *out);

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
                          (e.g. 12,000) for a fast one; 0 to 600,000 */
  const atomic_int *test_stop; /* TEST ONLY (default NULL): when set, the min_duration_ms wait ends
                                  as soon as *test_stop != 0 (looked at every 10 ms): the node's fit
                                  pool passes its stop flag, so a close does not wait it out */
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

/* Below this apogee a flight is classed by its ground range, not by its
 * energy (mwx_assess_track): 100 km, the Karman line; below it drag on a
 * re-entry vehicle is no longer negligible (a 5,000 kg/m^2 vehicle at
 * 3.5 km/s decelerates by rho v^2 / (2 beta): ~0.4 m/s^2 at 60 km, ~20 m/s^2
 * at 30 km with the US Standard Atmosphere 1976 densities). */
#define MWX_ASSESS_ENDO_APOGEE_KM 100.0

/* Apogee of the free flight through the estimate (forward if climbing,
 * backward otherwise): height (km) and time. */
int mwx_assess_apogee(const double x[6], int64_t t_ns, double beta_kgpm2, double *apogee_km,
                      int64_t *apogee_t_ns);

/* ---- Burnout, flight phase, track quality ------------------------------
 *
 * A track's impact prediction is only as good as the assumption that the
 * engine has stopped.  Burnout counts as seen when the track has had a run of
 * radar updates without thrust (mwx_track_info.t_quiet_ns, quiet_plots: no
 * IR plume, and not the boost model likelier with a forward thrust; a
 * deceleration is drag) lasting at least MWX_ASSESS_STAGING_COAST_S with at
 * least MWX_ASSESS_QUIET_MIN_PLOTS plots:
 *  - MWX_ASSESS_STAGING_COAST_S (10 s): twice the longest staging coast of
 *    the class vehicles (mwx_ballistic_vehicle_default: the ICBM's 5 s
 *    between stages, an estimate; 2022-11-18: 141-145 s).  A shorter quiet
 *    spell may be a coast between stages, and a prediction from it falls
 *    short by the whole remaining burn (726-987 km on 2022-11-18).
 *  - MWX_ASSESS_QUIET_MIN_PLOTS (5): a run sustained by plots, not silence:
 *    half the updates one 1 Hz radar gives in that time at pd 0.9.
 * A track that stopped being updated before that (lost while powered, or
 * during a short quiet spell) has not shown its burnout: whatever thrust
 * remained is unbounded by its plots (up to the class's whole remaining
 * delta-v), so its prediction is provisional (mwx_assess.provisional):
 * reported, never the basis of a warning.
 * And the run must exclude a burn: the thrust acceleration of the track's
 * estimate at its last update (mwx_track_info.thrust_mps2, both IMM models
 * mixed) plus MWX_ASSESS_THRUST_BOUND_SIGMA sigmas below
 * MWX_ASSESS_THRUST_MIN_MPS2.  Noisy plots of a missile still burning (JPN's
 * radars 900-1,000 km from a lofted ICBM's first stage at 100-120 s) can
 * make the IMM 90-96% ballistic for 10-15 s while the boost model's share
 * still admits the thrust (sigma 6-11 m/s^2); those runs gave predictions
 * 930-1,020 km short with 95% ellipses of ~100 km^2 (2022-03-24 JPN, seeds 5,
 * 9, 21).  After a real burnout the sigma is 0.02-0.13 m/s^2
 * (bench_track_mc phase, 2022-03-24, 2022-10-04, 2022-11-18, JPN, 23 seeds).
 *  - MWX_ASSESS_THRUST_MIN_MPS2 (4.9 = g0 / 2): below any burning stage's
 *    thrust acceleration: a first stage must lift its weight (thrust
 *    acceleration above g0 at lift-off, rising as propellant burns: Sutton &
 *    Biblarz, Rocket Propulsion Elements, 8th ed., ch. 4), and half that
 *    leaves room for upper stages of lower thrust-to-weight (the class
 *    vehicles of src/ballistic/vehicle.c light at 15-29 m/s^2).
 *  - MWX_ASSESS_THRUST_BOUND_SIGMA (3): the burn excluded one-sided at
 *    99.9%. */
#define MWX_ASSESS_STAGING_COAST_S 10.0
#define MWX_ASSESS_QUIET_MIN_PLOTS 5
#define MWX_ASSESS_THRUST_MIN_MPS2 4.9
#define MWX_ASSESS_THRUST_BOUND_SIGMA 3.0

typedef struct mwx_assess_burnout {
  int seen;            /* 1: burnout seen (see above) */
  double quiet_s;      /* duration of the run of updates without thrust (0: none) */
  int quiet_plots;     /* its radar plots */
  double since_thrust_s; /* last update with thrust -> last update (-1: no thrust ever seen) */
  double thrust_ub_mps2; /* the thrust the plots do not exclude at the last update: thrust_mps2 +
                            MWX_ASSESS_THRUST_BOUND_SIGMA thrust_sd_mps2 */
  char reason[128];    /* why not seen ("" when seen) */
} mwx_assess_burnout;

/* Whether the track's burnout was seen, with the reason when it was not.
 * MWX_EINVAL on NULL. */
int mwx_assess_burnout_check(const mwx_track_info *info, mwx_assess_burnout *out);

/* Flight phase (values of mwx_msg_phase: 0 boost, 1 mid-course, 2 terminal):
 *  - boost while the IMM's likelier model is the boost model (ballistic
 *    probability < 0.5: of two models, the one more probable than not), or
 *    thrust was seen less than MWX_ASSESS_STAGING_COAST_S before the
 *    estimate's time (a staging coast is still boost), or burnout was not
 *    seen (mwx_assess_burnout_check: the Track sample then says boost, so
 *    that a partner's fused picture makes no impact prediction from it either:
 *    fuse.h, no fused prediction while a member is powered);
 *  - terminal when descending below MWX_ASSESS_TERMINAL_H_M (150 km: the
 *    upper edge of the terminal-defence layer, THAAD's published intercept
 *    ceiling of about 150 km, U.S. MDA THAAD fact sheet; a warning from then
 *    on concerns the last minutes);
 *  - mid-course otherwise.  MWX_EINVAL on NULL. */
#define MWX_ASSESS_TERMINAL_H_M 150e3
int mwx_assess_flight_phase(const mwx_track_info *info, int *phase);

/* Track quality in (0, 1]: 1 / (1 + sigma / MWX_ASSESS_QUALITY_SCALE_M),
 * sigma the root of the trace of the position covariance.  The scale, 1 km,
 * is about one radar's cross-range error at 1,000 km for a 1 mrad (0.06 deg)
 * angle error: a track held that well by one radar scores 0.5, a filtered
 * multi-radar track (tens of metres) close to 1, a coasting one (tens of km)
 * close to 0.  MWX_EINVAL on NULL or a non-finite covariance. */
#define MWX_ASSESS_QUALITY_SCALE_M 1000.0
int mwx_assess_track_quality(const mwx_track_est *est, double *quality);

/* Options of mwx_assess_track. */
typedef struct mwx_assess_opts {
  double beta_kgpm2;       /* re-entry vehicle ballistic coefficient for the impact; 0: no drag;
                              < 0 (default): that of the estimated class's typical vehicle
                              (mwx_ballistic_vehicle_default), MWX_ASSESS_BETA_UNKNOWN_KGPM2 if the
                              class is unknown */
  double max_flight_s;     /* propagation limit (default MWX_ASSESS_MAX_FLIGHT_S) */
  double min_p_ballistic;  /* impact predicted only when the IMM ballistic probability >= this (0.9) */
  double min_climb_height_m; /* ... and, while climbing, only above this height (30 km: below it
                                every class is still in boost) */
  int want_apogee;         /* 1 (default): compute the apogee (a few hundred propagations) */
  double beta_rel_sigma;   /* sigma of ln beta carried by the impact ellipse (default
                              MWX_ASSESS_BETA_SIGMA_LN: the class's typical RV is a guess for this
                              missile; mwx_assess_impact_beta); for small values the relative sigma */
  int no_track_beta;       /* 1: ignore the track's own ln beta (the class prior alone, the marginal
                              state: the behaviour before beta was in the state; for comparison) */
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
  int provisional;         /* 1: burnout not seen (mwx_assess_burnout_check): the impact
                              point may be short by the remaining burn; never the basis of
                              a warning */
  char provisional_reason[128]; /* why ("" when not provisional) */
  double beta_kgpm2;       /* the median RV beta the impact was flown with (0: no impact) */
  double beta_sigma_ln;    /* the sigma of its log in the ellipse */
  double beta_info_share;  /* the track's plots' share of the information on ln beta (0: the
                              class prior alone; mwx_assess_beta_posterior) */
  double impact_state_cov_en_m2[2][2]; /* the state's part of impact.cov_en_m2 (the sigma points at
                                          the median beta); the rest is ln beta's */
} mwx_assess;

/* Assesses a track.  Impact (with the drag term), apogee and class from
 * its ballistic-model estimate (info->ballistic) when the track is ballistic
 * (p_ballistic >= opts->min_p_ballistic, and above min_climb_height_m or
 * descending); the impact is provisional when burnout was not seen
 * (mwx_assess_burnout_check).  The class is that of the energy-equivalent
 * range, or of the ground range when the apogee is below
 * MWX_ASSESS_ENDO_APOGEE_KM and the launch point is known.  Launch from its early estimate (info->first): the boost
 * model when that estimate was powered and below 60 km - the launch time
 * then from the chord to info->chord when there is one - the ballistic
 * extension otherwise.  Range and time of flight when both ends exist.
 * Parts that cannot be computed are left with has_* = 0; the call fails only
 * on bad arguments (opts NULL: defaults). */
int mwx_assess_track(const mwx_track_info *info, const mwx_assess_opts *opts, mwx_assess *out);

/* ---- Scenario run: sim -> track -> assess, scored against the truth ---- */

#define MWX_ASSESS_GOOD_IPP_KM 10.0 /* a "good" impact prediction is this close */

/* The warning picture of one missile at one step (mwx_assess_run_opts.pic_fn):
 * of the standing non-provisional predictions of the tracks that follow it,
 * the one a warning centre acts on (mwx_assess_missile, "The warning
 * picture"). */
typedef struct mwx_assess_picture {
  int has;                 /* a prediction stands (0: the rest is zero) */
  uint32_t track_id;       /* the track whose prediction it is (mwx_track_info.id) */
  double made_s;           /* when that prediction was made, seconds after launch */
  mwx_assess_point impact; /* the prediction */
  double err_km;           /* its distance from the true impact point */
  double d2;               /* the truth's squared Mahalanobis distance from it (inside the 95% ellipse:
                              <= MWX_ASSESS_CHI2_95_2D) */
  int n_standing;          /* standing predictions it was chosen among */
} mwx_assess_picture;

typedef struct mwx_assess_run_opts {
  char nation[4];     /* "KOR", "JPN", "USA": that nation's sensors; "ALL": all, fused at plot level */
  int filter;         /* mwx_track_filter_kind */
  uint64_t seed;      /* simulator seed */
  double step_s;      /* tracker/evaluation cadence (default 1 s) */
  double beta_rel_sigma; /* sigma of ln beta of the RV in the impact ellipse (default
                            MWX_ASSESS_BETA_SIGMA_LN, mwx_assess_opts) */
  int trust_provisional; /* 1: score provisional predictions as warnings (the behaviour before
                            burnout had to be seen; for comparison); default 0 */
  int no_track_beta;     /* 1: the tracker without beta in its state and the impact from the class
                            prior alone (the behaviour before, for comparison); default 0 */
  double thrust_ve_mps;  /* > 0: the boost model's thrust law (mwx_track_filter_cfg.thrust_ve_mps);
                            default 0: the tracker's default */
  double pitch_sigma0_deg; /* the boost model's thrust angle (mwx_track_filter_cfg.pitch_sigma0_deg):
                            > 0 that prior sigma, < 0 none (thrust along the velocity); 0: the tracker's */
  double q_pitch_deg2ps;  /* > 0: its random-walk PSD (mwx_track_filter_cfg.q_pitch_deg2ps), < 0: none;
                            0: the tracker's */
  int pitch_hold;         /* 1: the held elevation's law on, -1 off (mwx_track_filter_cfg.pitch_hold);
                            0: the tracker's */
  int postburn_q_in_air_only; /* 1: on, -1: off (mwx_track_config.postburn_q_in_air_only); 0: the
                            tracker's default */
  /* progress (NULL: none): called on the run's thread each time another
     whole percent of the scenario's sim time (epoch to the last fall) is
     done, with that fraction (0..1) and the sim seconds since the epoch */
  void (*progress_fn)(void *ctx, double frac, double sim_s);
  void *progress_ctx;
  /* every scored prediction (NULL: none): called on the run's thread as it
     is counted in mwx_assess_missile.n_pred, with the missile's index, its
     seconds after launch, its phase (MWX_ASSESS_PH_*), the truth's squared
     Mahalanobis distance from it, the track (its state when assessed; valid
     only during the call) and the assessment; for diagnosis (bench_track_mc
     MWX_BENCH_TRACE), it changes nothing in the run */
  void (*pred_fn)(void *ctx, size_t missile, double t_s, int phase, double d2, const mwx_track_info *track,
                  const mwx_assess *a);
  void *pred_ctx;
  /* the warning picture at every step (NULL: none): called on the run's
     thread once per step for each missile in flight (t_s its seconds after
     launch), after the step's predictions, with the picture as it is scored
     (mwx_assess_missile.ipp_consistent_s): the prediction it holds (pic->has
     0: none stands), whose track, made when; valid only during the call; for
     diagnosis (bench_track_mc MWX_BENCH_TRACE, test_honest), it changes
     nothing in the run */
  void (*pic_fn)(void *ctx, size_t missile, double t_s, const mwx_assess_picture *pic);
  void *pic_ctx;
} mwx_assess_run_opts;


void mwx_assess_run_opts_default(mwx_assess_run_opts *o);

/* Checkpoints of the impact-prediction error: launch + 60 s, + 120 s,
 * + 300 s, and half the flight time. */
enum { MWX_ASSESS_CP_60 = 0, MWX_ASSESS_CP_120, MWX_ASSESS_CP_300, MWX_ASSESS_CP_HALF, MWX_ASSESS_N_CP };

/* Phases of the flight for the containment figures, by the prediction's time
 * t after launch and the truth's final burnout time t_b: boost end
 * t < t_b + 20 s (during the boost, a staging coast, or just after the
 * burnout), post-burnout coast t_b + 20 s <= t < t_b + 120 s, then re-entry
 * (descending below 100 km, where drag becomes measurable) or mid-course. */
enum { MWX_ASSESS_PH_BOOST_END = 0, MWX_ASSESS_PH_COAST, MWX_ASSESS_PH_MIDCOURSE, MWX_ASSESS_PH_REENTRY,
       MWX_ASSESS_N_PHASE };
#define MWX_ASSESS_CONSISTENT_KM 50.0 /* ipp_50km_s: within this */

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
  /* The warning picture: every prediction of every track that ever followed
   * this missile (within 20 km), renewed every 10 s (a node's cadence),
   * standing until its track predicts again, withdraws it (not ballistic,
   * provisional) or ends; at each step the picture is the most precise
   * standing prediction (smallest ellipse: what a warning centre acts on).
   * Provisional predictions are counted, not scored: never a warning. */
  int has_ipp_50km, has_ipp_consistent;
  double ipp_50km_s;                  /* first time the picture is within 50 km and stays so until
                                         impact */
  double ipp_consistent_s;            /* first time the picture's 95% ellipse holds the true impact
                                         point and keeps holding it */
  uint32_t ipp_consistent_track_id;   /* ... the track whose prediction the picture held then, */
  double ipp_consistent_made_s;       /* ... and when that prediction was made */
  size_t n_pred[MWX_ASSESS_N_PHASE];  /* predictions (non-provisional) made in each phase, counted at
                                         the node's cadence: each track's first, then one every
                                         MWX_ASSESS_IMPACT_EVERY_S (6 times that while it coasts) */
  size_t n_pred_in[MWX_ASSESS_N_PHASE]; /* ... whose 95% ellipse holds the true impact point */
  /* The ellipse's parts over those predictions (sums; divide by n_pred):
   * the truth's offset on the ellipse's major and minor axes in sigmas,
   * squared (each 1 on average for an honest Gaussian; a minor term well
   * below 1 makes the 2-D 95% ellipse hold up to the 98.6% of a 1-D
   * Gaussian), and ln beta's share of the variance along the major axis
   * (mwx_assess.impact_state_cov_en_m2: the rest is the state's). */
  double z2_major_sum[MWX_ASSESS_N_PHASE], z2_minor_sum[MWX_ASSESS_N_PHASE];
  double beta_share_sum[MWX_ASSESS_N_PHASE];
  size_t n_provisional;               /* provisional predictions (not scored) */
  double max_5sigma_s;                /* longest time a prediction stood with the truth more than
                                         5 sigma outside it (Mahalanobis distance > 5) */
  double max_wrong_km;                /* largest error of any standing non-provisional prediction */
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
 * frees):  {"missiles":[{"id","first_track_s","first_ipp_s","good_ipp_s",
 * "ipp_50km_s","ipp_consistent_s","ipp_consistent_made_s","ipp_consistent_track",
 * "provisional_predictions","max_5sigma_s",
 * "max_wrong_km","contained":{"boost_end","coast","midcourse","reentry":
 * [inside,n]},"ipp_error_km":{"60","120","300","half"},"launch_error_km",
 * "class","impact_lat_deg","impact_lon_deg","impact_ellipse_km":[major,
 * minor,orientation_deg], ...}]} with null where it never happened. */
int mwx_assess_run_json(const mwx_assess_run_result *r, const mwx_assess_run_opts *opts, char **text);

/* ---- the one sim -> track -> assess driver (drive.c) ----
 * Used by the node (mwx run, mwx replay, mwxd: src/node) and by
 * mwx_assess_run (mwx track): a scenario's simulated plots of one nation's
 * sensors (or ALL) into one tracker, and the launch fit of a track once its
 * early-plot window is full.  Not thread-safe: one thread per driver. */

/* A track's batch launch fit is made once its early-plot window
 * (MWX_TRACK_EARLY_WINDOW_S from its first plot) is full: one second later,
 * so that the plots of the window's last scan are in. */
#define MWX_ASSESS_LAUNCH_FIT_AFTER_S (MWX_TRACK_EARLY_WINDOW_S + 1.0)
/* Cadence of a track's impact prediction while it is ballistic (the node's
 * impact_every_s default; mwx_assess_run renews standing predictions at the
 * same cadence so that its figures are a node's). */
#define MWX_ASSESS_IMPACT_EVERY_S 10.0

typedef struct mwx_assess_drive mwx_assess_drive;

/* Called for each plot the driver takes (of the selected nation), after it
 * is converted and before it is tracked; non-zero stops the advance and is
 * returned by it. */
typedef int (*mwx_assess_plot_fn)(void *ctx, const mwx_sim_plot *sp);

/* A driver for nation ("KOR", "JPN", "USA", any three letters, or "ALL") over
 * sc and truth (borrowed: they must outlive the driver; both NULL: no source,
 * the tracker only) with simulator seed; tcfg NULL: mwx_track_config_default.
 * *out is the caller's (mwx_assess_drive_destroy). */
int mwx_assess_drive_create(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const char *nation, uint64_t seed,
                            const mwx_track_config *tcfg, mwx_assess_drive **out);
void mwx_assess_drive_destroy(mwx_assess_drive *d);

/* Plays the simulator up to t_ns (int64 ns UTC): the selected nation's plots
 * go to fn (may be NULL) and then, in one batch, to the tracker.  *n_plots
 * (may be NULL): plots taken by this call. */
int mwx_assess_drive_advance(mwx_assess_drive *d, int64_t t_ns, mwx_assess_plot_fn fn, void *ctx, size_t *n_plots);

/* Time of the next scan with a plot to come (ns); INT64_MAX when the
 * scenario is over or there is no source. */
int64_t mwx_assess_drive_next_ns(const mwx_assess_drive *d);

/* The driver's tracker (owned by the driver). */
mwx_tracker *mwx_assess_drive_tracker(mwx_assess_drive *d);

/* What a track's launch fit starts from (mwx_assess_fit_prepare). */
typedef struct mwx_assess_fit_input {
  mwx_assess early;          /* the track's early assessment, launch only (has_launch: the extrapolation) */
  int can_fit;               /* 1: early plots and a first estimate: the fit below can run */
  const mwx_track_plot *ep;  /* its early plots (mwx_track_early_plots), borrowed from the tracker: */
  const mwx_track_plot *ir;  /* ... and the IR no track took before it (mwx_track_pre_ir); valid until */
  size_t nep, nir;           /*     the tracker's next mwx_track_process */
  double heading_deg;        /* first guess of the heading: the first estimate's, from north clockwise */
} mwx_assess_fit_input;

/* The launch-fit preamble shared by every driver: the early assessment of
 * track idx (in: its info, as held now or when its window closed), its
 * early plots and heading.  0 (with early.has_launch 0 when there is no
 * launch extrapolation); MWX_EINVAL on NULL arguments. */
int mwx_assess_fit_prepare(const mwx_tracker *tr, size_t idx, const mwx_track_info *in, const mwx_assess_opts *ao,
                           mwx_assess_fit_input *fi);

/* The fit itself from a prepared input (ep/ir and the first guess as given:
 * a worker may pass its own copies); mwx_assess_launch_fit's result. */
int mwx_assess_fit_run(const mwx_track_plot *ep, size_t nep, const mwx_track_plot *ir, size_t nir,
                       const mwx_assess *early, double heading_deg, const mwx_assess_launch_fit_opts *fo,
                       mwx_assess_launch_fit_result *out);

#endif /* MWX_ASSESS_H */
