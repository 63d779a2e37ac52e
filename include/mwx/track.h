/*
 * track.h - multi-target tracking of ballistic missiles from radar and
 * space-based infrared plots.
 *
 * State: x = [pos_ecef_m(3), vel_ecef_mps(3), thrust_mps2, ln_beta_rel,
 * thrust_angle_rad] (MWX_TRACK_NX = 9) in the rotating ECEF frame; velocity is relative to the
 * rotating Earth.  The seventh state is the thrust acceleration along the
 * velocity vector (m/s^2) of the boost model; the ballistic model holds it at
 * zero.  The eighth is the re-entry vehicle's ballistic coefficient as
 * ln(beta / beta_kgpm2) (beta_kgpm2 of the filter configuration): the
 * ballistic model flies beta_kgpm2 exp(x[7]), so drag's uncertainty is in the
 * covariance and the plots of the re-entry estimate it; the boost model has
 * no RV drag and carries it unchanged.  An estimate with P[7][7] = 0 (a 6-D
 * caller, the fuser) has no beta in its state: its ballistic model flies
 * beta_kgpm2 with the first-order drag process noise of beta_rel_sigma.
 * The ninth is the boost model's thrust direction: the angle (rad) of the
 * thrust above the velocity in the velocity's vertical plane (a pitch
 * program's thrust is not along the velocity: docs/track.md "The thrust's
 * direction").  An estimate with P[8][8] = 0 (a 6-D caller, the fuser, or
 * the tracker with pitch_sigma0_deg 0) has no angle in its state: it keeps
 * x[8] (0: thrust along the velocity, the model of before), with neither
 * pitch_hold's law nor q_pitch's noise.  The ballistic model carries it
 * unchanged.
 *
 * Two motion models run as an IMM (interacting multiple model):
 *   BALLISTIC  free flight (J2 gravity, Coriolis, centrifugal, drag) through
 *              mwx_ballistic_propagate; white-acceleration noise only in the
 *              air (q_ballistic_air) and, in the tracker, until a track is
 *              burnt out: above the air the model is the simulator's truth's.
 *   BOOST      the same forces plus thrust acceleration thrust_mps2 along the
 *              velocity, the thrust a random walk (mass loss, staging) and a
 *              large white acceleration (pitch program, steering).
 * Each model is filtered by an EKF (state-transition matrix from the
 * acceleration Jacobian) or a UKF (sigma points through the propagator).
 *
 * Measurements: radar (slant range, azimuth, elevation from the sensor's
 * geodetic position; azimuth wraps at 360) and space IR (the line-of-sight
 * unit vector: two angles about axes perpendicular to it, bearing only, no
 * range; it updates confirmed tracks and never starts one).
 *
 * Tracker: per scan (one sensor, one time) chi-square gating, global nearest
 * neighbour assignment (Hungarian algorithm on the squared Mahalanobis
 * distance), M-of-N confirmation of tracks started from two radar plots
 * (two-point velocity), merging of duplicate tracks, coasting of silent
 * established tracks, deletion after misses, silence or landing.  At the
 * IMM's switch to ballistic a burnout smoother re-filters the last plots
 * under a bank of burnout times (not before the last IR plot: the plume)
 * and keeps the likeliest.  Each track keeps the plots of its first 120 s
 * and the orphan IR plots before it for a launch fit (assess.h).
 *
 * Ownership: a tracker is created by mwx_track_create and freed by
 * mwx_track_destroy; estimates and infos are plain values copied out.
 *
 * Units: metres, seconds, degrees at the interface (radians inside).  Time is
 * int64 ns since the Unix epoch, UTC.  All functions are pure computation:
 * time is a parameter, no I/O, no clock, no global state.  A tracker is not
 * thread-safe; distinct trackers may be used from distinct threads.
 */
#ifndef MWX_TRACK_H
#define MWX_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/geo.h"
#include "mwx/sim.h"

#define MWX_TRACK_NX 9 /* state dimension */
/* The ballistic model's re-entry vehicle: a ballistic coefficient of
 * 6,000 kg/m^2 (1,230 lb/ft^2, the middle of the 5,000-7,500 kg/m^2 of the
 * default vehicles of src/ballistic/vehicle.c, inside the 500-2,000 lb/ft^2
 * Zarchan gives for threat re-entry vehicles, "Tactical and Strategic
 * Missile Guidance", AIAA), known to 30% (1 sigma), the spread the impact
 * prediction also gives it (mwx_assess_opts.beta_rel_sigma). */
#define MWX_TRACK_BETA_RV_KGPM2 6000.0
#define MWX_TRACK_BETA_REL_SIGMA 0.3
/* The prior sigma of the state's ln(beta / MWX_TRACK_BETA_RV_KGPM2) when a
 * track starts: 0.35 = sqrt(0.30^2 + 0.17^2), a missile's RV about its
 * class's (MWX_ASSESS_BETA_SIGMA_LN, Zarchan's 500-2,000 lb/ft^2 = +-2.3
 * sigma) and the classes' RVs about 6,000 kg/m^2 (5,000, 5,000, 6,000, 7,500
 * kg/m^2 in src/ballistic/vehicle.c: ln ratios -0.18, -0.18, 0, +0.22, RMS
 * 0.17).  The track knows no class when it starts. */
#define MWX_TRACK_LNBETA_SIGMA 0.35

/* The boost model's thrust law (mwx_track_filter_cfg.thrust_ve_mps): with
 * constant thrust F and mass flow F / ve the acceleration a = F / m grows as
 * da/dt = a^2 / ve.  2,750 m/s is a vacuum Isp of 280 s, the middle of the
 * 250-310 s of the threat classes' propellants (src/ballistic/vehicle.c:
 * Scud-class 250 s, N2O4/UDMH 300-310 s, Sutton & Biblarz ch. 5): a ve
 * 10% off leaves 10% of the ramp to the random walk.  The law is held above
 * 200 m/s^2 (20 g; the Hwasong-12-class burnout is ~115 m/s^2) so that a
 * long prediction cannot run into the rocket equation's pole at t = ve / a. */
#define MWX_TRACK_THRUST_VE_MPS 2750.0
#define MWX_TRACK_THRUST_CAP_MPS2 200.0

/* ---- Plots (measurements) ------------------------------------------ */

typedef enum mwx_track_sensor_kind {
  MWX_TRACK_RADAR = 1, /* range, azimuth, elevation */
  MWX_TRACK_IR = 2     /* line-of-sight unit vector (bearing only) */
} mwx_track_sensor_kind;

/* One detection.  A scan is a run of plots with the same sensor and t_ns.
 * The plot carries no truth: mwx_track_plot_from_sim copies what a sensor
 * measures and leaves the sim's evaluation-only labels behind. */
typedef struct mwx_track_plot {
  int64_t t_ns;            /* time of the detection */
  int kind;                /* mwx_track_sensor_kind */
  int sensor;              /* caller's sensor number, 0..63 (scan grouping, miss counting) */
  char nation[4];          /* "KOR", "JPN", "USA" (informational) */
  mwx_geo_lla sensor_lla;  /* sensor position (IR: the satellite's geodetic position) */
  /* radar: slant range and direction in the sensor's local ENU frame */
  double range_m;
  double az_deg, el_deg;   /* azimuth clockwise from north 0..360, elevation */
  double sigma_range_m;    /* > 0 */
  double sigma_az_deg;     /* > 0 */
  double sigma_el_deg;     /* > 0 */
  /* IR: measured line of sight sensor -> target, ECEF unit vector, with a
   * 1-sigma error sigma_los_rad about each of two perpendicular axes */
  double los_ecef[3];
  double sigma_los_rad;    /* > 0 */
} mwx_track_plot;

/* Checks a plot: known kind, finite values, sigmas > 0, |el| <= 90, radar
 * range > 0, IR line of sight a unit vector, sensor 0..63.  MWX_EINVAL with a
 * message otherwise. */
int mwx_track_plot_check(const mwx_track_plot *p);

/* Copies the measurement of a simulator plot (never its truth labels);
 * sensor = sp->sensor_index.  MWX_EINVAL if the result fails the check. */
int mwx_track_plot_from_sim(const mwx_sim_plot *sp, mwx_track_plot *out);

/* ---- Single-model estimate and filter steps ----------------------------- */

typedef enum mwx_track_filter_kind { MWX_TRACK_EKF = 0, MWX_TRACK_UKF = 1 } mwx_track_filter_kind;

typedef enum mwx_track_model { MWX_TRACK_BALLISTIC = 0, MWX_TRACK_BOOST = 1 } mwx_track_model;

/* A Gaussian estimate at time t_ns. */
typedef struct mwx_track_est {
  int64_t t_ns;
  double x[MWX_TRACK_NX];
  double P[MWX_TRACK_NX][MWX_TRACK_NX];
} mwx_track_est;

/* Filter tuning (see docs/track.md for the choice of values). */
typedef struct mwx_track_filter_cfg {
  int kind;                  /* mwx_track_filter_kind */
  double beta_kgpm2;         /* re-entry vehicle's ballistic coefficient of the ballistic model; <= 0: no drag */
  double beta_rel_sigma;     /* its 1-sigma relative uncertainty (0..1), as process noise along the velocity
                                for an estimate without beta in its state (P[7][7] = 0) */
  double lnbeta_sigma;       /* prior sigma of the state's ln(beta / beta_kgpm2) at a track's start (0..1;
                                default MWX_TRACK_LNBETA_SIGMA); 0: beta not estimated (the tracker's
                                tracks then fly beta_kgpm2 with the process noise of beta_rel_sigma) */
  int lnbeta_consider;        /* 1: ln beta is a consider parameter in updates (Schmidt-Kalman: the plots
                                do not move it, its uncertainty stays in the covariance and its
                                correlation with the state is kept); 0 (default): estimated */
  double q_ballistic_m2ps3;  /* white-acceleration PSD of the ballistic model (default 0: above the
                                atmosphere its force model is the simulator's truth's, J2 and drag) */
  double q_ballistic_air_m2ps3; /* ... at least this below MWX_TRACK_AIR_H_M (default 1e-4: drag makes
                                the dynamics non-linear in the state, beyond the EKF's first order);
                                the tracker also applies it to a track not yet burnt out (a quiet
                                run of 60 s) */
  double q_boost_m2ps3;      /* white-acceleration PSD of the boost model */
  double q_thrust_m2ps5;     /* thrust random-walk PSD of the boost model */
  double thrust_ve_mps;      /* the boost model's exhaust velocity: a thrust acceleration a > 0 grows as
                                da/dt = a^2 / ve (constant thrust and mass flow; held above
                                MWX_TRACK_THRUST_CAP_MPS2); default 0: a random walk about a constant
                                thrust (MWX_TRACK_THRUST_VE_MPS, measured in the twelfth session,
                                BENCHMARKS.md: not kept on) */
  double pitch_sigma0_deg;   /* the boost model's thrust angle above the velocity (x[8]) in its state:
                                its prior 1-sigma when a track starts (mwx_track_pitch_prior, at 0
                                deg; default MWX_TRACK_PITCH_SIGMA0_DEG); 0: not in the state (thrust
                                along the velocity, the model before the sixteenth session) */
  double q_pitch_deg2ps;     /* the thrust angle's random-walk PSD (deg^2/s): the pitch rate the
                                model does not know (default MWX_TRACK_Q_PITCH_DEG2PS) */
  int pitch_hold;            /* 1 (default): the thrust angle's mean law holds the thrust's elevation
                                above the local horizontal (the angle changes as the velocity's
                                elevation turns, x[8]' = -gamma'); 0: the angle is constant but for
                                the noise */
  double boost_exit_rate_ps; /* IMM: rate of boost -> ballistic transitions (1/s) */
  double boost_entry_rate_ps;/* IMM: rate of ballistic -> boost (staging after a coast) */
  double imm_floor;          /* IMM: the least probability a model keeps after an update (default
                                MWX_TRACK_IMM_FLOOR: a re-ignition wins within a plot or two); the
                                floor's mass mixes the boost model's loose covariance into the
                                ballistic one at every prediction, so the tracker lowers it to
                                MWX_TRACK_IMM_FLOOR_NONE once neither thrust nor drag is possible */
} mwx_track_filter_cfg;

/* Below this geodetic height the RV's drag matters (2.3e-3 m/s^2 at 7 km/s,
 * beta 6,000 kg/m^2, 100 km: the density 5.6e-7 kg/m^3 of the US Standard
 * Atmosphere 1976); above it neither the ballistic model's q_ballistic_air nor
 * the tracker's boost model (its negative thrust takes drag the model
 * misses) is needed once burnout is seen. */
#define MWX_TRACK_AIR_H_M 100e3

/* IMM probability floors (mwx_track_filter_cfg.imm_floor): the default, and
 * the numerical one (a model that cannot be: no leak into the other) */
#define MWX_TRACK_IMM_FLOOR 1e-6
#define MWX_TRACK_IMM_FLOOR_NONE 1e-100

/* The boost model's thrust angle (mwx_track_filter_cfg.pitch_sigma0_deg,
 * q_pitch_deg2ps, pitch_hold): the defaults, chosen in the thirteenth
 * session (BENCHMARKS.md: 3 deg of unknown pitch rate in 100 s), the default
 * since the sixteenth (the tracker's boost-model gate for a track not yet
 * burnt out keeps a re-ignited stage on its track) */
#define MWX_TRACK_PITCH_SIGMA0_DEG 5.0
#define MWX_TRACK_Q_PITCH_DEG2PS 0.1

/* Defaults: EKF, beta MWX_TRACK_BETA_RV_KGPM2 in the state with prior sigma
 * MWX_TRACK_LNBETA_SIGMA of its log (drag in the ballistic model only),
 * beta_rel_sigma MWX_TRACK_BETA_REL_SIGMA (estimates without beta), q_ballistic 0, q_ballistic_air 1e-4, q_boost 10 (100 until the seventeenth session: docs/track.md),
 * q_thrust 100, thrust_ve 0, the thrust angle in the boost
 * state (pitch_sigma0 MWX_TRACK_PITCH_SIGMA0_DEG, q_pitch MWX_TRACK_Q_PITCH_DEG2PS,
 * pitch_hold 1),
 * exit rate 0.01/s, entry rate 0 (see docs/track.md: a re-ignition is caught
 * by the likelihood; a prior rate leaks the boost model's noise into
 * mid-course), IMM floor MWX_TRACK_IMM_FLOOR. */
void mwx_track_filter_cfg_default(mwx_track_filter_cfg *cfg);

/* Predicts est to t_ns (forward or backward) with one model.  MWX_EINVAL on
 * bad arguments, MWX_ERANGE if the propagation fails (e.g. below ground). */
int mwx_track_predict(const mwx_track_filter_cfg *cfg, int model, mwx_track_est *est, int64_t t_ns);

/* Updates est (already at the plot's time) with one plot.  Writes the
 * normalised innovation squared (may be NULL) and the log-likelihood of the
 * innovation (may be NULL).  MWX_EINVAL on a malformed plot, MWX_ERANGE if
 * the innovation covariance is not positive definite. */
int mwx_track_update(const mwx_track_filter_cfg *cfg, mwx_track_est *est, const mwx_track_plot *plot,
                     double *nis, double *loglik);

/* Innovation y = z - h(x) and its covariance S (dimension m = 3 for radar:
 * range m, azimuth rad, elevation rad; 2 for IR: angles rad about two axes
 * perpendicular to the measured line of sight).  Used for gating. */
int mwx_track_innovation(const mwx_track_filter_cfg *cfg, const mwx_track_est *est,
                         const mwx_track_plot *plot, double y[3], double S[3][3], int *m);

/* ---- IMM --------------------------------------------------------------- */

typedef struct mwx_track_imm {
  mwx_track_est m[2]; /* per model: [MWX_TRACK_BALLISTIC], [MWX_TRACK_BOOST] */
  double mu[2];       /* model probabilities, sum 1 */
} mwx_track_imm;

/* Puts the boost model's thrust angle x[8] into est's state at 0 (thrust
 * along the velocity) with cfg->pitch_sigma0_deg as its 1-sigma, no
 * correlation; with pitch_sigma0_deg 0 takes it out (P[8][8] = 0). */
void mwx_track_pitch_prior(const mwx_track_filter_cfg *cfg, mwx_track_est *est);

/* Initialises both models from est with the boost probability p_boost. */
void mwx_track_imm_init(mwx_track_imm *imm, const mwx_track_est *est, double p_boost);
/* Mixing + per-model prediction to t_ns. */
int mwx_track_imm_predict(const mwx_track_filter_cfg *cfg, mwx_track_imm *imm, int64_t t_ns);
/* Per-model update, model probabilities.  nis (may be NULL) of the combined. */
int mwx_track_imm_update(const mwx_track_filter_cfg *cfg, mwx_track_imm *imm,
                         const mwx_track_plot *plot, double *nis);
/* Moment-matched combined estimate. */
void mwx_track_imm_combine(const mwx_track_imm *imm, mwx_track_est *out);

/* Two-point initialisation from two radar plots of the same object (p1
 * before p2): position from p2, velocity from the difference, covariance
 * from the plot covariances and an acceleration allowance accel_mps2 (thrust
 * and gravity not modelled by the difference).  The ln beta state is 0 with
 * variance 0 (no beta): the caller gives it its prior (the tracker:
 * lnbeta_sigma^2).  MWX_EINVAL if the plots are not radar or not in time
 * order. */
int mwx_track_two_point(const mwx_track_plot *p1, const mwx_track_plot *p2, double accel_mps2,
                        mwx_track_est *out);

/* Plot -> ECEF position (radar) and its 3x3 covariance (may be NULL). */
int mwx_track_plot_ecef(const mwx_track_plot *p, double pos_ecef_m[3], double cov[3][3]);

/* ---- Multi-target tracker --------------------------------------------- */

typedef struct mwx_track_config {
  mwx_track_filter_cfg filt;
  double gate_prob;       /* chi-square gate probability: 0.999 -> 16.27 (3-D), 13.82 (2-D) */
  int confirm_m, confirm_n; /* M-of-N confirmation (hits within the first N scans that could see it) */
  int delete_misses;      /* confirmed: deleted after this many consecutive misses */
  double delete_silence_s;/* any track: deleted after this long without an update */
  double init_max_dt_s;   /* two-point initiation: the plots at most this far apart */
  double init_max_speed_mps; /* ... implying at most this speed */
  double init_accel_mps2; /* acceleration allowance of the two-point velocity */
  double min_height_m;    /* plots and tracks below this geodetic height are rejected */
  double max_coast_s;     /* an established track coasts (free flight, no update) at most this long */
  size_t max_tracks;      /* the track table's bound (mwx_track_table_stats): 0 keeps every track
                             ever started, deleted ones with their plots (index = creation order:
                             mwx track's end-of-run launch fits); > 0 (a node: it runs for days)
                             at most this many slots, a deleted track's memory freed and its
                             slot reused (see mwx_track_count) */
  int postburn_q_in_air_only; /* 0 (default, the behaviour before): while a track's boost can still be
                             (not yet burnt out: a quiet run of 60 s) its ballistic model's white
                             acceleration is at least filt.q_ballistic_air_m2ps3 at every height;
                             1: only below MWX_TRACK_AIR_H_M (the filter's own rule), so the first
                             minute after an exo-atmospheric burnout has q_ballistic 0 (issue 13,
                             twenty-fifth session: that minute's 1e-4 held the ICBM's mid-course
                             covariance wide; off because issue 12's first-consistent tests rely on
                             it, BENCHMARKS.md).  The benches and `mwx_assess_run` reach it
                             through mwx_assess_run_opts / mwx_fuse_pipe_opts */
} mwx_track_config;

/* Defaults: EKF filter defaults, gate 0.999, 4-of-5 (the two initiating
 * plots count), delete after 6 misses
 * or 60 s of silence, two-point within 30 s and 8 km/s, accel 60 m/s^2,
 * min height -1 km,
 * coasting at most 7,200 s, every track kept (max_tracks 0), postburn_q_in_air_only 0.
 * An established track (confirmed, >= 10 updates)
 * that falls silent (20 s, or delete_misses misses) is not deleted but
 * coasts: its IMM collapses onto the ballistic model and it is predicted as
 * free flight until it lands or a sensor picks it up again. */
void mwx_track_config_default(mwx_track_config *cfg);

typedef enum mwx_track_status {
  MWX_TRACK_TENTATIVE = 0,
  MWX_TRACK_CONFIRMED = 1,
  MWX_TRACK_DELETED = 2
} mwx_track_status;

/* What the tracker says about one track. */
typedef struct mwx_track_info {
  uint32_t id;          /* from 1, never reused */
  int status;           /* mwx_track_status */
  int64_t t_first_ns;   /* first plot */
  int64_t t_confirm_ns; /* confirmation (0 while tentative) */
  int64_t t_last_ns;    /* last update */
  int hits, misses;     /* updates; consecutive misses */
  uint64_t sensor_mask; /* bit s: sensor s has updated the track */
  double p_ballistic;   /* IMM probability of the ballistic model */
  int coasting;         /* 1: silent, predicted as free flight */
  mwx_track_est est;    /* combined estimate at est.t_ns (t_last_ns, or later when coasting) */
  mwx_track_est ballistic; /* the ballistic model's estimate at the same time: the one to
                              predict from once the track is ballistic (the combined one
                              carries the boost model's share of noise) */
  mwx_track_est first;  /* early powered estimate that best pins the launch point (below 40 km) */
  double first_p_ballistic; /* IMM ballistic probability at that estimate */
  int has_first;
  mwx_track_est chord; /* the first estimate >= 20 s after `first` (launch: the chord
                          between the two positions gives the mean velocity) */
  int has_chord;
  /* Burnout evidence (assess: mwx_assess_burnout decides whether burnout was
   * seen).  Kept at the last update while the track coasts. */
  int64_t t_powered_ns;  /* last update that showed thrust: an IR plot (space IR sees only a
                            burning plume), or the IMM's boost model likelier (ballistic
                            probability < 0.5) with a forward thrust (a deceleration is
                            drag); 0: none seen */
  int64_t t_quiet_ns;    /* first radar update after it (the current run of updates without
                            thrust); 0: the last update showed thrust; a track picked up
                            again after coasting starts a new run */
  int quiet_plots;       /* radar updates in that run */
  double thrust_mps2;    /* thrust acceleration along the velocity in the combined estimate
                            at the last update (x[6], both models mixed), and its sigma: how
                            far the plots bound a burn they did not show (noisy plots of a
                            burning missile can make the IMM ballistic while the boost model's
                            share still admits the whole thrust).  Kept while coasting. */
  double thrust_sd_mps2;
  /* The RV's ballistic coefficient in the estimates: beta = beta_ref_kgpm2
   * exp(x[7]).  beta_ref_kgpm2 0 (or P[7][7] 0): no beta in the state. */
  double beta_ref_kgpm2;  /* the filter's beta_kgpm2 */
  double lnbeta_sigma0;   /* the prior sigma of x[7] the track started with (the filter's
                             lnbeta_sigma): what the plots have added is the posterior against it */
} mwx_track_info;

typedef struct mwx_tracker mwx_tracker;

/* Creates a tracker (cfg copied; NULL: defaults).  Free with
 * mwx_track_destroy. */
int mwx_track_create(const mwx_track_config *cfg, mwx_tracker **out);
void mwx_track_destroy(mwx_tracker *tr);

/* Processes plots in time order (non-decreasing t_ns; earlier plots than the
 * last processed are refused with MWX_EINVAL).  Consecutive plots with the
 * same sensor and time form one scan.  Malformed plots are refused before
 * any state changes. */
int mwx_track_process(mwx_tracker *tr, const mwx_track_plot *plots, size_t n);

/* The track table's slots, index 0..count-1, deleted tracks included
 * (status tells).  A track is known by its id (mwx_track_info.id: from 1,
 * never reused), an index only names the slot that holds it now.
 * max_tracks 0: every track ever started keeps its slot, in creation order.
 * max_tracks > 0 (bounded): count <= max_tracks.  A track deleted in one
 * mwx_track_process keeps its slot, readable with status DELETED, until the
 * call ends; then its plots, pre-plots and burnout ring are freed and the
 * slot (its info still reading DELETED) is free; a later mwx_track_process
 * may put a new track in it (a new id).  So a caller that reads the table
 * after every mwx_track_process sees every deletion, and one that keeps
 * state per index must check the id.  A new track that finds every slot
 * holding a live track is not started (its plot is dropped): counted in
 * refused. */
size_t mwx_track_count(const mwx_tracker *tr);
int mwx_track_get(const mwx_tracker *tr, size_t index, mwx_track_info *out);

/* Pending radar plots (the first plot of a track to be, waiting at most
 * init_max_dt_s for a second) are at most MWX_TRACK_PENDING_MAX: a new one
 * when full takes the place of the oldest (pending_dropped). */
#define MWX_TRACK_PENDING_MAX 8192

/* The table's size and what it holds: the bound and the counters of what
 * it refused (a node reports them: mwx_node_stats, NodeStatus overflows). */
typedef struct mwx_track_table_stats {
  size_t slots;          /* mwx_track_count */
  size_t bound;          /* max_tracks (0: none) */
  size_t live, live_max; /* tracks not deleted after the last mwx_track_process; the most at once */
  uint64_t started;      /* tracks ever started (the last id given) */
  uint64_t reused;       /* of them, started in a freed slot */
  uint64_t refused;      /* track starts refused: every slot held a live track */
  uint64_t pending_dropped; /* pending plots dropped for a new one (MWX_TRACK_PENDING_MAX) */
  size_t heap_bytes;     /* heap the tracker holds: its tables and every track's buffers (the sum of the
                            parts below) */
  /* heap_bytes by field (issue 16, what a track holds): the slots' table
     (each slot's estimates, capacity: doubled as it grows), the early plots
     (capacity), the IR pre-plots, the burnout rings, and the tracker's
     shared buffers (the pending plots, the orphan IR ring, the free list) */
  size_t table_bytes, early_bytes, pre_bytes, burnout_bytes, shared_bytes;
  size_t early_held;     /* tracks holding early plots not released (mwx_track_release_early), freed slots
                            not counted */
} mwx_track_table_stats;

/* Fills *out (zeroes for a NULL tracker).  No change to the tracker. */
void mwx_track_table_stats_get(const mwx_tracker *tr, mwx_track_table_stats *out);

/* The early-plot window: a track keeps the plots of its first 120 s for its
 * launch fit (mwx_assess_launch_fit tries windows of 30 to 120 s of them).
 * The one definition (tracker, node, mwx_assess_run). */
#define MWX_TRACK_EARLY_WINDOW_S 120.0

/* The plots of the track's early flight, for a launch fit
 * (mwx_assess_launch_fit): its two initiating plots and every plot that
 * updated it, from its first plot for at most MWX_TRACK_EARLY_WINDOW_S and 1,024 plots.
 * Writes a pointer to the tracker's own array (valid until the next
 * mwx_track_process or mwx_track_destroy) and returns the count; 0 for a bad
 * index. */
size_t mwx_track_early_plots(const mwx_tracker *tr, size_t index, const mwx_track_plot **plots);

/* Frees track index's early plots but the first (the tracker's own use)
 * and its IR pre-plots (mwx_track_pre_ir): for a caller that has copied
 * them for its launch fit, or will not fit (the node, when the early-plot
 * window closes, MWX_ASSESS_LAUNCH_FIT_AFTER_S after the track's first
 * plot).  Afterwards mwx_track_early_plots and mwx_track_pre_ir give 0
 * plots and the track adds none of either; nothing else about the track
 * changes (its estimates, its association).  Until its slot is reused: a
 * new track there keeps its early plots again.  Pointers from
 * mwx_track_early_plots and mwx_track_pre_ir before the call are invalid
 * after it.  Once is enough; again is a no-op.  MWX_EINVAL for a bad
 * index. */
int mwx_track_release_early(mwx_tracker *tr, size_t index);

/* The IR plots that no track took in the 120 s before the track's first
 * plot and whose line of sight passes within 300 km of that plot's
 * position, copied when the track was confirmed: a space IR sensor sees a
 * plume before a radar can start a track, and a launch fit can gate them
 * against its trajectory.  Pointer and count as mwx_track_early_plots. */
size_t mwx_track_pre_ir(const mwx_tracker *tr, size_t index, const mwx_track_plot **plots);

/* The combined estimate of track index predicted to t_ns (no change to the
 * tracker). */
int mwx_track_state_at(const mwx_tracker *tr, size_t index, int64_t t_ns, mwx_track_est *out);

/* ---- Assignment and gating (src/track/assign.c; shared with fuse) -------- */

/* Minimum-cost assignment of the square n x n cost matrix a (row-major, any
 * finite values; a "forbidden" pair is given a large finite cost by the
 * caller, e.g. 1e12, and recognised afterwards).  row_of_col[j] receives the
 * row assigned to column j (a permutation of 0..n-1).  Hungarian algorithm
 * (Kuhn-Munkres, shortest augmenting paths), O(n^3) time, O(n) scratch
 * memory allocated and freed inside.  n = 0 does nothing.  MWX_EINVAL on bad
 * arguments, MWX_ENOMEM.  Pure; safe from any thread. */
int mwx_track_assign(const double *a, int n, int *row_of_col);

/* The chi-square quantile: the x with P(chi2_dof <= x) = p, for p in (0,1)
 * and dof 1..30 (closed form for 2 dof, bisection on the closed-form CDF to
 * ~1e-28 relative otherwise: 0.999 gives 13.82 (2), 16.27 (3), 22.46 (6)).
 * Used to set gates.  MWX_EINVAL out of range.  Pure. */
int mwx_track_chi2_quantile(double p, int dof, double *out);

#endif /* MWX_TRACK_H */
