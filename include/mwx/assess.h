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

/* Launch point from a boost-phase estimate: straight-line constant
 * acceleration from rest, so the time since launch is 2 h / v_up (h the
 * geodetic height, v_up the vertical speed) and the launch point is the
 * ground point under pos - vel * h / v_up.  MWX_ERANGE if the estimate is
 * not climbing. */
int mwx_assess_launch_boost(const double x[6], const double P[6][6], int64_t t_ns,
                            mwx_assess_point *out);

/* Energy-equivalent range (km): the minimum-energy range of a missile with
 * the same inertial specific energy, burning out at 300 km height (Earth
 * mean radius 6,371 km).  Orbital energy gives INFINITY. */
int mwx_assess_energy_range(const double x[6], double *range_km);

/* Class from the energy-equivalent range: SRBM < 1,000 km <= MRBM < 3,000 km
 * <= IRBM < 5,500 km <= ICBM. */
mwx_ballistic_class mwx_assess_class_from_range(double range_km);

/* Apogee of the free flight through the estimate (forward if climbing,
 * backward otherwise): height (km) and time. */
int mwx_assess_apogee(const double x[6], int64_t t_ns, double beta_kgpm2, double *apogee_km,
                      int64_t *apogee_t_ns);

/* Everything about one track. */
typedef struct mwx_assess_opts {
  double beta_kgpm2;       /* re-entry vehicle ballistic coefficient for the impact; <= 0: none */
  double max_flight_s;     /* propagation limit (default 7200) */
  double min_p_ballistic;  /* impact predicted only when the IMM ballistic probability >= this (0.9) */
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

/* Assesses a track: impact, apogee and class from its current estimate when
 * it is ballistic (p_ballistic >= opts->min_p_ballistic); launch from its
 * early estimate (boost model when that estimate was climbing below 200 km,
 * ballistic extension otherwise).  Parts that cannot be computed are left
 * with has_* = 0; the call fails only on bad arguments. */
int mwx_assess_track(const mwx_track_info *info, const mwx_assess_opts *opts, mwx_assess *out);

#endif /* MWX_ASSESS_H */
