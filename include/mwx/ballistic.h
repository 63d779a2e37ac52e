/*
 * ballistic.h - missile flight physics: gravity (J2), atmosphere (US Standard
 * 1976), drag, staged boost with a pitch program, an adaptive propagator with
 * events, and trajectory fitting (apogee + range -> launch parameters).
 *
 * Frame: states are in ECEF (metres, metres per second relative to the
 * rotating Earth); the equations of motion add the Coriolis and centrifugal
 * terms of the rotating frame (see src/ballistic/README.md and the file comments).
 * Time inside a trajectory is seconds after launch (double): the absolute
 * time of a launch is an int64 ns UTC held by the caller.
 *
 * All functions are pure computation: no I/O, no clock, no global state.
 *
 * THIS HEADER IS A CONTRACT: sim (truth trajectories), track (filter
 * dynamics) and assess (impact prediction) are written against the
 * functions below.
 */
#ifndef MWX_BALLISTIC_H
#define MWX_BALLISTIC_H

#include <stddef.h>

#include "mwx/geo.h"

/* Missile class by range (US DoD / Arms Control Association usage):
 * SRBM < 1,000 km, MRBM 1,000-3,000 km, IRBM 3,000-5,500 km, ICBM > 5,500 km.
 * For a lofted flight the class follows from the energy: the range the same
 * burnout speed would reach on a minimum-energy trajectory. */
typedef enum mwx_ballistic_class {
  MWX_CLASS_UNKNOWN = 0,
  MWX_CLASS_SRBM,
  MWX_CLASS_MRBM,
  MWX_CLASS_IRBM,
  MWX_CLASS_ICBM
} mwx_ballistic_class;

/* Static name ("SRBM" ...; "UNKNOWN"). */
const char *mwx_ballistic_class_name(mwx_ballistic_class c);

/* Parses "SRBM", "MRBM", "IRBM", "ICBM" (case-insensitive).  MWX_EINVAL with
 * a message naming the text otherwise. */
int mwx_ballistic_class_parse(const char *text, mwx_ballistic_class *out);

/* The class of a flight of the given apogee and ground range (km), from its
 * energy: the maximum (minimum-energy) range of the same specific energy. */
int mwx_ballistic_class_from_figures(double apogee_km, double range_km, mwx_ballistic_class *out);

/* Flight phase of a sample. */
typedef enum mwx_ballistic_phase {
  MWX_PHASE_BOOST = 0,
  MWX_PHASE_MIDCOURSE,
  MWX_PHASE_TERMINAL /* below 100 km on the way down */
} mwx_ballistic_phase;

/* ---- Forces --------------------------------------------------------- */

/* US Standard Atmosphere 1976 (NOAA-S/T 76-1562): density (kg/m^3),
 * pressure (Pa) and temperature (K) at geometric altitude alt_m (0..1000 km;
 * above 1,000 km density is 0).  Any out-pointer may be NULL. */
int mwx_ballistic_atmosphere(double alt_m, double *density_kgpm3, double *pressure_pa,
                             double *temperature_k);

/* Gravitational acceleration (m/s^2, ECEF) with the J2 term, WGS-84
 * constants, at pos_ecef_m. */
void mwx_ballistic_gravity_ecef(const double pos_ecef_m[3], double acc_ecef_mps2[3]);

/* Total acceleration of an unpowered body in the rotating ECEF frame:
 * gravity (J2) + Coriolis + centrifugal + drag.  beta_kgpm2 is the ballistic
 * coefficient m / (Cd A); <= 0 means no drag. */
void mwx_ballistic_accel_free_ecef(const double pos_ecef_m[3], const double vel_ecef_mps[3],
                                   double beta_kgpm2, double acc_ecef_mps2[3]);

/* ---- Vehicle and boost ---------------------------------------------- */

#define MWX_BALLISTIC_MAX_STAGES 3

/* One rocket stage: constant thrust, constant mass flow. */
typedef struct mwx_ballistic_stage {
  double burn_s;         /* burn duration */
  double isp_s;          /* vacuum specific impulse (s) */
  double mass_ratio;     /* stage start mass / stage burnout mass (> 1) */
  double coast_after_s;  /* unpowered gap before the next stage ignites */
} mwx_ballistic_stage;

/* A missile and how it is flown. */
typedef struct mwx_ballistic_vehicle {
  mwx_ballistic_class cls;
  int n_stages;
  mwx_ballistic_stage stage[MWX_BALLISTIC_MAX_STAGES];
  double beta_boost_kgpm2;  /* ballistic coefficient during boost */
  double beta_rv_kgpm2;     /* ballistic coefficient of the re-entry vehicle */
  double vertical_rise_s;   /* time of vertical flight after lift-off */
  double pitchover_s;       /* duration of the pitch-over manoeuvre */
  double pitch_final_deg;   /* thrust elevation above local horizontal held after pitch-over */
  double dv_scale;          /* multiplies every stage's delta-v (payload / energy management) */
} mwx_ballistic_vehicle;

/* Typical vehicle of a class (stages, burn times, Isp, pitch program), each
 * value cited or justified in the implementation. */
int mwx_ballistic_vehicle_default(mwx_ballistic_class cls, mwx_ballistic_vehicle *out);

/* When each stage of v burns, in seconds after lift-off, as the flight
 * (mwx_ballistic_fly) flies it: a stage's burn is its nominal burn_s
 * shortened by the vehicle's dv_scale (the same mass flow, the propellant
 * that gives dv_scale times the stage's delta-v), and the next stage
 * ignites coast_after_s after it.  ignition_s[i] and burnout_s[i] for
 * i < v->n_stages.  Returns 0, or MWX_EINVAL for an invalid vehicle.
 * Pure; any thread. */
int mwx_ballistic_stage_times(const mwx_ballistic_vehicle *v, double ignition_s[MWX_BALLISTIC_MAX_STAGES],
                              double burnout_s[MWX_BALLISTIC_MAX_STAGES]);

/* A launch: where, which way, what. */
typedef struct mwx_ballistic_launch {
  double lat_deg, lon_deg, h_m;  /* launch point, geodetic */
  double heading_deg;            /* launch heading, clockwise from true north */
  mwx_ballistic_vehicle veh;
} mwx_ballistic_launch;

/* ---- Trajectories ----------------------------------------------------- */

typedef struct mwx_ballistic_sample {
  double t_s;               /* seconds after launch */
  double pos_ecef_m[3];
  double vel_ecef_mps[3];   /* relative to the rotating Earth */
  double acc_ecef_mps2[3];  /* total acceleration in the rotating frame */
  mwx_ballistic_phase phase;
} mwx_ballistic_sample;

/* Key figures of a flight. */
typedef struct mwx_ballistic_figures {
  double flight_time_s;      /* launch to impact (geodetic height 0) */
  double apogee_km;          /* maximum geodetic height */
  double apogee_time_s;
  double range_km;           /* geodesic distance launch point -> impact point */
  double impact_lat_deg, impact_lon_deg;
  double impact_azimuth_deg; /* geodesic bearing launch -> impact */
  double burnout_time_s;     /* end of the last stage's burn */
  double burnout_speed_mps;  /* speed relative to the rotating Earth at burnout */
  double burnout_alt_km;
} mwx_ballistic_figures;

/* A sampled trajectory.  Owned by the caller: release with
 * mwx_ballistic_traj_fini(). */
typedef struct mwx_ballistic_traj {
  mwx_ballistic_sample *s;  /* samples, strictly increasing t_s */
  size_t n;
  mwx_ballistic_figures fig;
} mwx_ballistic_traj;

/* Flies a launch from lift-off to impact with the adaptive propagator and
 * stores samples every dt_s seconds (plus burnout, apogee and impact).
 * traj must be zeroed or finished; on success the caller owns it. */
int mwx_ballistic_fly(const mwx_ballistic_launch *launch, double dt_s, mwx_ballistic_traj *traj);

/* Like mwx_ballistic_fly but stores nothing: only the figures (fast path used
 * by the fitting). */
int mwx_ballistic_fly_figures(const mwx_ballistic_launch *launch, mwx_ballistic_figures *fig);

/* State at t_s (seconds after launch) by Hermite interpolation between
 * samples.  MWX_ERANGE outside [0, flight_time_s].  phase may be NULL. */
int mwx_ballistic_traj_state_at(const mwx_ballistic_traj *traj, double t_s, double pos_ecef_m[3],
                                double vel_ecef_mps[3], mwx_ballistic_phase *phase);

/* Frees the samples; safe on a zeroed traj; leaves it zeroed. */
void mwx_ballistic_traj_fini(mwx_ballistic_traj *traj);

/* ---- Free flight (for prediction from a tracked state) ---------------- */

/* Propagates an unpowered state from t=0 forward (dir = +1) or backward
 * (dir = -1) until the geodetic height crosses h_stop_m, or max_s elapses.
 * Writes the state at the crossing and the elapsed time (>= 0).  Returns
 * MWX_ERANGE if the height is not reached within max_s. */
int mwx_ballistic_propagate_to_height(const double pos_ecef_m[3], const double vel_ecef_mps[3],
                                      double beta_kgpm2, int dir, double h_stop_m, double max_s,
                                      double pos_out_ecef_m[3], double vel_out_ecef_mps[3],
                                      double *elapsed_s);

/* Propagates an unpowered state by dt_s (either sign) with the adaptive
 * propagator. */
int mwx_ballistic_propagate(const double pos_ecef_m[3], const double vel_ecef_mps[3],
                            double beta_kgpm2, double dt_s, double pos_out_ecef_m[3],
                            double vel_out_ecef_mps[3]);

/* ---- Fitting ------------------------------------------------------------ */

typedef struct mwx_ballistic_fit_req {
  double lat_deg, lon_deg;      /* launch point */
  double azimuth_deg;           /* geodesic bearing launch -> impact wanted */
  double apogee_km, range_km;   /* figures to reproduce */
  mwx_ballistic_class cls;      /* MWX_CLASS_UNKNOWN: from the figures */
} mwx_ballistic_fit_req;

/* Finds the launch (heading, pitch program, energy) of the request's class
 * that reproduces its apogee and range (to 0.01%) and its impact bearing.
 * Writes the launch and the figures of the fitted flight.  MWX_EINVAL
 * (message says why) for impossible requests: apogee <= 0, a range that no
 * flight with that apogee can reach, an energy beyond the class. */
int mwx_ballistic_fit(const mwx_ballistic_fit_req *req, mwx_ballistic_launch *launch,
                      mwx_ballistic_figures *fig);

#endif /* MWX_BALLISTIC_H */
