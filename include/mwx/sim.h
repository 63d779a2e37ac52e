/*
 * sim.h - the simulator: scenarios (launches and a sensor laydown), truth
 * trajectories, sensor models (ground radar, ship radar, space infrared),
 * line-of-sight visibility over the WGS-84 ellipsoid, measurement noise, and
 * a plot source driven by a clock.
 *
 * Units are in the names: _m, _deg, _rad, _s, _ns, _ecef.  Absolute times are
 * int64_t nanoseconds since the Unix epoch (UTC).  Times inside one flight are
 * seconds after its launch (double).
 *
 * Ownership: every *_init / *_load has a matching *_fini that frees what it
 * allocated; a fini is safe on a zeroed object and leaves it zeroed (or, for
 * the opaque source, is safe on NULL).
 *
 * Randomness: one deterministic generator of our own (xoshiro256**, seeded by
 * splitmix64), one independent stream per sensor derived from the seed and the
 * sensor's index.  The same scenario and seed give the same plots, bit for bit.
 *
 * Only mwx_sim_scenario_load / mwx_sim_sensors_load (reading) and the
 * mwx_sim_write_* / mwx_sim_run functions (writing) do I/O; everything else is
 * pure computation and takes the time as a parameter.  No global state: every
 * function is safe from any thread on distinct objects.
 *
 * The tracker consumes mwx_sim_plot (the measurement type) and the source;
 * the truth fields of a plot and mwx_sim_truth are for evaluation only.
 */
#ifndef MWX_SIM_H
#define MWX_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mwx/ballistic.h"
#include "mwx/geo.h"

#define MWX_SIM_ID_MAX 32    /* ids and model names, including the NUL */
#define MWX_SIM_NATION_MAX 4 /* 3-letter ISO 3166 alpha-3 code + NUL */
#define MWX_SIM_MAX_FACES 4  /* array faces (sectors) per sensor */

/* Limits on what a scenario or sensor laydown may ask for (docs/sim.md
 * "Limits"), refused on load with the key and the figure: they keep a run
 * finite in plots, memory and file descriptors whatever the file says. */
#define MWX_SIM_MAX_FILE_BYTES ((size_t)4 << 20) /* a scenario or laydown file */
#define MWX_SIM_MAX_LAUNCHES 1000                 /* launches per scenario */
#define MWX_SIM_MAX_SENSORS 256                   /* sensors per laydown */
#define MWX_SIM_MAX_SPAN_S 86400.0                /* first to last launch */
#define MWX_SIM_MAX_PLOT_RATE 2000.0              /* sum of (1 + false_per_scan) x faces / period_s */
#define MWX_SIM_MAX_PLOTS 5e7                     /* rate x (span + 2 h of flight), the run's bound */

/* ---- Time --------------------------------------------------------------- */

/* Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC, up to 9 fraction digits) into
 * ns since the Unix epoch.  MWX_EINVAL with a message quoting the text. */
int mwx_sim_time_parse(const char *text, int64_t *t_ns);

/* Formats t_ns as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (>= 32 bytes). */
int mwx_sim_time_format(int64_t t_ns, char *buf, size_t size);

/* ---- Sensors ------------------------------------------------------------ */

typedef enum mwx_sim_sensor_kind {
  MWX_SIM_GROUND_RADAR = 0, /* fixed site */
  MWX_SIM_SHIP_RADAR,       /* moves at constant course and speed along a geodesic */
  MWX_SIM_SPACE_IR          /* satellite fixed in ECEF (geostationary); sees boost plumes only */
} mwx_sim_sensor_kind;

/* Static name: "ground_radar", "ship_radar", "space_ir". */
const char *mwx_sim_sensor_kind_name(mwx_sim_sensor_kind k);

/* One array face: a sector of azimuth (clockwise from true north, in the
 * sensor's local geodetic ENU frame) and an elevation band.  A target is in
 * the face when |az - az_center| <= az_width/2 (wrapping) and
 * el_min <= el <= el_max.  For a space IR sensor the frame is the ENU frame at
 * the satellite's geodetic position, so the Earth lies around el = -90. */
typedef struct mwx_sim_face {
  double az_center_deg;
  double az_width_deg; /* full width, (0, 360] */
  double el_min_deg, el_max_deg;
} mwx_sim_face;

typedef struct mwx_sim_sensor {
  char id[MWX_SIM_ID_MAX];        /* unique in a scenario, e.g. "JPN-FPS5-SADO" */
  char nation[MWX_SIM_NATION_MAX]; /* owner: "KOR", "JPN", "USA" */
  char model[MWX_SIM_ID_MAX];     /* e.g. "J/FPS-5" (informative) */
  mwx_sim_sensor_kind kind;
  /* Ground radar: the antenna.  Ship radar: the antenna at the scenario epoch.
   * Space IR: the satellite (sub-satellite point and height). */
  mwx_geo_lla site;
  double course_deg, speed_mps; /* ship only: initial geodesic course, speed over ground */
  int n_faces;                  /* 1..MWX_SIM_MAX_FACES */
  mwx_sim_face face[MWX_SIM_MAX_FACES];
  double min_range_m, max_range_m; /* slant range limits */
  double min_alt_m;                /* targets below this geodetic height are not seen */
  int64_t period_ns;               /* time between scans (revisit) */
  double sigma_range_m, sigma_az_deg, sigma_el_deg; /* radar 1-sigma noise */
  double sigma_los_rad;            /* space IR: 1-sigma angle noise about each axis */
  double pd;                       /* probability of detection of a visible target, per scan
                                      (radar equation: at ref_range_m for ref_rcs_m2) */
  double false_per_scan;           /* mean number of false plots per face per scan (Poisson) */
  /* Radar equation (mwx_sim_radar_detect): when ref_range_m > 0, a radar
   * detects a target of RCS sigma at range R with the Swerling 1 probability
   * of its signal-to-noise ratio SNR = SNR_ref (sigma / ref_rcs_m2)
   * (ref_range_m / R)^4, SNR_ref the ratio that gives pd at ref_range_m for
   * ref_rcs_m2; its range and angle noise are sigma_* times
   * sqrt(SNR_ref / SNR) (at least MWX_SIM_SIGMA_FLOOR of them); max_range_m
   * stays the instrumented range.  0: the older model, a hard range cut-off
   * with pd and sigma_* everywhere inside it. */
  double ref_range_m;
  double ref_rcs_m2;
} mwx_sim_sensor;

#define MWX_SIM_PFA 1e-6          /* false-alarm probability per detection cell of the radar equation */
#define MWX_SIM_SIGMA_FLOOR 0.3   /* noise at high SNR: at least this fraction of sigma_* (bias,
                                     calibration, multipath keep a radar from doing better) */
/* Radar cross sections by flight phase (m^2, orders of magnitude; see
 * data/sensors/README.md): the booster while an engine burns, the post-boost
 * vehicle (last stage and payload) in mid-course, the re-entry vehicle alone
 * below 100 km on the way down. */
#define MWX_SIM_RCS_BOOSTER_M2 10.0
#define MWX_SIM_RCS_PBV_M2 1.0
#define MWX_SIM_RCS_RV_M2 0.1

/* RCS of a missile in a phase (mwx_ballistic_phase), powered or not. */
double mwx_sim_rcs_m2(int phase, bool powered);

/* Detection probability and noise scale of radar s for a target of RCS
 * rcs_m2 at slant range range_m (> 0): *pd the per-scan probability
 * (Swerling 1: Pd = Pfa^(1 / (1 + SNR)), a slowly fluctuating target,
 * single look - Swerling, IRE Trans. IT-6 (1960); Skolnik, Introduction to
 * Radar Systems), *noise_scale the factor on sigma_* (1 at the reference).
 * A sensor without ref_range_m: *pd = s->pd, *noise_scale = 1.  Either
 * out-pointer may be NULL; *snr (may be NULL) the ratio (linear, INFINITY for
 * the older model).  MWX_EINVAL on bad arguments. */
int mwx_sim_radar_detect(const mwx_sim_sensor *s, double range_m, double rcs_m2, double *pd,
                         double *noise_scale, double *snr);

/* Reads a JSON array of sensor objects (see docs/sim.md for the keys).
 * On success *sensors (malloc'd, caller frees with free()) and *n are set.
 * MWX_EIO / MWX_EPARSE / MWX_EINVAL with a message naming the file and the
 * key, e.g. "x.json: [2].max_range_km: must be a number > 0". */
int mwx_sim_sensors_load(const char *path, mwx_sim_sensor **sensors, size_t *n);

/* Plots per second the n sensors make at most: the sum over sensors of
 * (1 + false_per_scan x n_faces) / period_s (one target plus the false ones,
 * per scan).  The load refuses a laydown above MWX_SIM_MAX_PLOT_RATE.  Pure. */
double mwx_sim_plot_rate(const mwx_sim_sensor *s, size_t n);

/* Position (geodetic and ECEF) and ECEF velocity of a sensor at t_ns, for a
 * scenario whose epoch is epoch_ns (ships are at their site at the epoch).
 * Any out-pointer may be NULL. */
int mwx_sim_sensor_state_at(const mwx_sim_sensor *s, int64_t epoch_ns, int64_t t_ns,
                            mwx_geo_lla *lla, double pos_ecef_m[3], double vel_ecef_mps[3]);

/* True when the straight segment from a to b (ECEF, m) does not pass below
 * the WGS-84 ellipsoid (end points on the surface count as clear). */
bool mwx_sim_los_clear(const double a_ecef_m[3], const double b_ecef_m[3]);

/* Why a target is or is not visible to a sensor. */
typedef enum mwx_sim_vis_reason {
  MWX_SIM_VISIBLE = 0,
  MWX_SIM_BLOCKED_EARTH,  /* the line of sight passes below the ellipsoid */
  MWX_SIM_OUT_OF_RANGE,   /* slant range outside [min_range, max_range] */
  MWX_SIM_OUT_OF_SECTOR,  /* in no face (azimuth or elevation) */
  MWX_SIM_TOO_LOW         /* target below min_alt */
} mwx_sim_vis_reason;

/* The geometry of one look. */
typedef struct mwx_sim_look {
  double az_deg, el_deg, range_m; /* in the sensor's ENU frame at sensor_lla */
  int face;                       /* first face containing the target, or -1 */
  mwx_sim_vis_reason reason;
} mwx_sim_look;

/* Geometric visibility of a target at target_ecef_m (geodetic height
 * target_h_m) from sensor s standing at sensor_lla (from
 * mwx_sim_sensor_state_at).  Checks, in order: altitude, line of sight over
 * the ellipsoid, range, faces.  Fills look; returns 0, or MWX_EINVAL on
 * non-finite input. */
int mwx_sim_sensor_look(const mwx_sim_sensor *s, const mwx_geo_lla *sensor_lla,
                        const double target_ecef_m[3], double target_h_m, mwx_sim_look *look);

/* ---- Scenario ------------------------------------------------------------ */

typedef struct mwx_sim_launch {
  char id[MWX_SIM_ID_MAX];   /* e.g. "M1", unique in a scenario */
  int64_t time_ns;           /* lift-off, UTC */
  double lat_deg, lon_deg;   /* launch point */
  double azimuth_deg;        /* geodesic bearing launch -> impact */
  double apogee_km, range_km;
  mwx_ballistic_class cls;   /* MWX_CLASS_UNKNOWN when not given: from the figures */
} mwx_sim_launch;

typedef struct mwx_sim_scenario {
  char name[128];
  mwx_sim_launch *launch; /* n_launches entries, owned */
  size_t n_launches;
  mwx_sim_sensor *sensor; /* n_sensors entries, owned */
  size_t n_sensors;
  int64_t epoch_ns;       /* earliest launch time: scans start here */
} mwx_sim_scenario;

/* Loads a scenario file:
 *   { "name": "...", "launches": [ {"id", "time_utc", "lat_deg", "lon_deg",
 *     "azimuth_deg", "apogee_km", "range_km", "class" (optional)} ... ],
 *     "sensors": "default" | "relative/path.json" | [ sensor objects ] }
 * "default" is data/sensors/default.json of the source tree; a path is
 * relative to the scenario file's directory.  sc must be zeroed; on success
 * the caller owns it (mwx_sim_scenario_fini).  Errors: MWX_EIO (cannot read),
 * MWX_EPARSE (not JSON; message has line and column), MWX_EINVAL (a value;
 * message names the file and key, e.g. "s.json: launches[3].apogee_km: must be
 * a number > 0"). */
int mwx_sim_scenario_load(const char *path, mwx_sim_scenario *sc);

/* Same from JSON text; origin names the text in messages and base_dir
 * resolves a relative "sensors" path (NULL: current directory). */
int mwx_sim_scenario_parse(const char *json_text, const char *origin, const char *base_dir,
                           mwx_sim_scenario *sc);

/* Frees a scenario; safe on a zeroed one; leaves it zeroed. */
void mwx_sim_scenario_fini(mwx_sim_scenario *sc);

/* ---- Truth --------------------------------------------------------------- */

/* Truth trajectories of every launch of a scenario (fitted to apogee, range
 * and bearing with mwx_ballistic_fit, then flown with mwx_ballistic_fly).
 * EVALUATION ONLY: the tracker must not read it. */
typedef struct mwx_sim_truth {
  size_t n;                     /* = scenario n_launches */
  int64_t *launch_ns;           /* lift-off time per missile */
  mwx_ballistic_launch *launch; /* fitted launch per missile */
  mwx_ballistic_traj *traj;     /* flown trajectory per missile */
  int64_t end_ns;               /* latest impact time */
  double dt_s;                  /* sampling of the trajectories */
} mwx_sim_truth;

/* Fits and flies every launch of sc, sampling every dt_s (e.g. 1.0).
 * Identical requests are fitted once.  truth must be zeroed; the caller owns
 * it on success (mwx_sim_truth_fini).  Errors from the fit name the launch,
 * e.g. "launches[2] (M3): <why>". */
int mwx_sim_truth_init(mwx_sim_truth *truth, const mwx_sim_scenario *sc, double dt_s);

/* Draws each flight's re-entry vehicle ballistic coefficient and flies it
 * again (the boost, and so burnout, unchanged; range and flight time move by
 * the drag difference, a few km on the public scenarios): ln beta normal
 * about ln of the class's typical value (mwx_ballistic_vehicle_default of
 * the fitted launch's class: the median) with standard deviation sigma_ln
 * (e.g. MWX_ASSESS_BETA_SIGMA_LN, assess.h, where it is cited).  A class
 * says little about one missile's RV, so the truth is not the beta that
 * the tracker and the assessment assume.  Deterministic: missile i's draw
 * comes from its own stream of seed (the same seed, the same beta, whatever
 * the number of missiles or how often it is called: it always draws from the
 * class median).  sigma_ln 0 restores the class value.  MWX_EINVAL for a
 * zeroed truth or sigma_ln outside 0..1; errors of the flight name the
 * launch. */
int mwx_sim_truth_draw_beta(mwx_sim_truth *truth, uint64_t seed, double sigma_ln);

/* State of one missile at t_ns. */
typedef struct mwx_sim_truth_state {
  bool in_flight;          /* false before lift-off and after impact (rest is zero) */
  double t_s;              /* seconds after launch */
  double pos_ecef_m[3];
  double vel_ecef_mps[3];
  mwx_geo_lla lla;
  mwx_ballistic_phase phase;
  bool powered;            /* an engine is burning (a hot plume) */
} mwx_sim_truth_state;

/* Missile `missile` (index into the scenario's launches) at t_ns.
 * MWX_EINVAL for an index out of range. */
int mwx_sim_truth_at(const mwx_sim_truth *truth, size_t missile, int64_t t_ns,
                     mwx_sim_truth_state *st);

/* Frees the truth; safe on a zeroed one; leaves it zeroed. */
void mwx_sim_truth_fini(mwx_sim_truth *truth);

/* Replaces sc's sensors by a laydown: "default" (data/sensors/default.json
 * of the source tree, the radar equation), "legacy" (data/sensors/legacy.json,
 * the hard range cut-offs of before) or the path of a sensor file
 * (mwx_sim_sensors_load).  On error sc is unchanged. */
int mwx_sim_scenario_use_sensors(mwx_sim_scenario *sc, const char *laydown);

/* ---- Measurements (plots) -------------------------------------------------- */

typedef enum mwx_sim_plot_kind {
  MWX_SIM_PLOT_RADAR = 0, /* range, azimuth, elevation */
  MWX_SIM_PLOT_IR         /* line of sight only (no range) */
} mwx_sim_plot_kind;

/* One measurement.  The tracker reads every field except `truth`. */
typedef struct mwx_sim_plot {
  int64_t time_ns;                 /* measurement time, UTC */
  int sensor_index;                /* index into the scenario's sensors */
  char sensor_id[MWX_SIM_ID_MAX];
  char nation[MWX_SIM_NATION_MAX]; /* owner of the sensor */
  mwx_sim_plot_kind kind;
  int face;                        /* face that produced it */
  double sensor_pos_ecef_m[3];     /* sensor position at time_ns */
  double sensor_vel_ecef_mps[3];   /* sensor velocity at time_ns (ships; 0 otherwise) */
  /* Measured direction and range in the sensor's local geodetic ENU frame at
   * sensor_pos_ecef_m (azimuth clockwise from true north, 0..360).
   * IR plots: range_m = 0 and sigma_range_m = 0. */
  double range_m, az_deg, el_deg;
  double sigma_range_m, sigma_az_deg, sigma_el_deg; /* radar: 1-sigma; IR: 0 */
  /* Measured line of sight sensor -> target as an ECEF unit vector (both
   * kinds).  For IR this is the measurement: its error is sigma_los_rad
   * (1-sigma) about each of two axes perpendicular to it.  Radar: 0. */
  double los_ecef[3];
  double sigma_los_rad;
  /* EVALUATION ONLY - THE TRACKER MUST NOT READ THIS.  The missile index
   * (into the scenario's launches) that caused the plot, or -1 for a false
   * plot, and its true position at time_ns (zero for false plots). */
  struct {
    int missile;
    double pos_ecef_m[3];
  } truth;
} mwx_sim_plot;

/* ---- Plot source with a clock ------------------------------------------------ */

/* Receives plots in non-decreasing time order; a non-zero return stops
 * mwx_sim_source_advance, which returns that value. */
typedef int (*mwx_sim_plot_cb)(const mwx_sim_plot *plot, void *ctx);

typedef struct mwx_sim_source mwx_sim_source;

/* Creates a source over scenario sc and its truth (both borrowed: they must
 * outlive the source) with the given seed.  Each sensor scans every
 * period_ns, starting at epoch_ns plus a per-sensor offset drawn from the
 * seed in [0, period).  *src is owned by the caller (mwx_sim_source_fini). */
int mwx_sim_source_init(mwx_sim_source **src, const mwx_sim_scenario *sc,
                        const mwx_sim_truth *truth, uint64_t seed);

/* Runs every scan with time <= t_until_ns not yet run, in time order (ties:
 * lower sensor index first), calling cb for each plot (missile plots in
 * missile order, then false plots).  A scan is done once started: if cb stops
 * the advance mid-scan, the rest of that scan's plots are dropped.  cb may be
 * NULL: the scans run and their plots are dropped. */
int mwx_sim_source_advance(mwx_sim_source *src, int64_t t_until_ns, mwx_sim_plot_cb cb,
                           void *ctx);

/* Scans only the sensors of nation (a three-letter code) from now on: the
 * others never scan (a node drops their plots anyway: each scan costs the
 * truth of every missile).  Each sensor's noise is its own random stream
 * (seeded per sensor), so the selected sensors' plots are those they make
 * without the selection.  A nation with no sensor in the scenario changes
 * nothing.  MWX_EINVAL on NULL arguments. */
int mwx_sim_source_select_nation(mwx_sim_source *src, const char *nation);

/* Time of the next scan to run, or INT64_MAX when the source is exhausted
 * (every missile has landed and every sensor has scanned past it). */
int64_t mwx_sim_source_next_ns(const mwx_sim_source *src);

/* Frees the source; safe on NULL. */
void mwx_sim_source_fini(mwx_sim_source *src);

/* ---- Visibility table and outputs ------------------------------------------- */

/* Per missile and sensor: when it was geometrically visible at scan times and
 * when it was detected (a plot emitted), in seconds after launch. */
typedef struct mwx_sim_vis_row {
  int missile, sensor; /* indices into the scenario */
  char missile_id[MWX_SIM_ID_MAX], sensor_id[MWX_SIM_ID_MAX];
  char nation[MWX_SIM_NATION_MAX];
  bool visible, detected; /* false: the matching times are meaningless (JSON null) */
  double first_visible_s, last_visible_s;
  double first_detect_s, last_detect_s;
} mwx_sim_vis_row;

/* Runs the whole scenario with seed and returns the table: n_launches *
 * n_sensors rows, missile-major.  *rows is malloc'd (caller frees with
 * free()). */
int mwx_sim_visibility(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, uint64_t seed,
                       mwx_sim_vis_row **rows, size_t *n);

/* Like mwx_sim_visibility and, while running, writes into directory out_dir
 * (created if missing): plots_<sensor id>.csv per sensor and truth.csv
 * (format: docs/sim.md).  rows/n may be NULL. */
int mwx_sim_run(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, uint64_t seed,
                const char *out_dir, mwx_sim_vis_row **rows, size_t *n);

/* Writes the truth of every missile every step_s seconds as CSV to f. */
int mwx_sim_write_truth_csv(FILE *f, const mwx_sim_scenario *sc, const mwx_sim_truth *truth,
                            double step_s);

/* Prints the table: as aligned text (json = false) or as one JSON object
 * {"visibility":[{"missile","sensor","nation","first_visible_s",
 * "last_visible_s","first_detect_s","last_detect_s"}]} with null where never.
 * Rows with neither visibility nor detection are omitted from the text form. */
int mwx_sim_write_visibility(FILE *f, const mwx_sim_vis_row *rows, size_t n, bool json);

#endif /* MWX_SIM_H */
