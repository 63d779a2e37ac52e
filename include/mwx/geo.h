/*
 * geo.h - WGS-84 frames and geodesics.
 *
 * Frames: geodetic (latitude, longitude in degrees, height above the WGS-84
 * ellipsoid in metres), ECEF (Earth-centred, Earth-fixed, metres), local ENU
 * (east, north, up, metres, at a reference geodetic point) and AER (azimuth
 * from true north clockwise in degrees, elevation above the local horizontal
 * plane in degrees, slant range in metres).  All functions are pure: no I/O,
 * no clock, no global state; safe to call from any thread.
 *
 * Geodesic problems (distance and azimuths on the ellipsoid) go through
 * PROJ's geodesic API (Karney's algorithm), accurate to nanometres.
 */
#ifndef MWX_GEO_H
#define MWX_GEO_H

/* WGS-84 defining constants: NIMA TR8350.2, 3rd ed. (2000), table 3.1. */
#define MWX_WGS84_A_M 6378137.0                /* semi-major axis */
#define MWX_WGS84_F (1.0 / 298.257223563)      /* flattening */
#define MWX_WGS84_OMEGA_RADPS 7.292115e-5      /* Earth rotation rate */
#define MWX_WGS84_GM_M3PS2 3.986004418e14      /* Earth's gravitational constant */
/* Derived: second zonal harmonic J2 = -sqrt(5) * C20, C20 = -0.484166774985e-3
 * (NIMA TR8350.2 table 5.1, EGM96 normalised C20). */
#define MWX_WGS84_J2 1.08262998905e-3
#define MWX_WGS84_B_M (MWX_WGS84_A_M * (1.0 - MWX_WGS84_F))
#define MWX_WGS84_E2 (MWX_WGS84_F * (2.0 - MWX_WGS84_F))

#define MWX_DEG2RAD (3.14159265358979323846 / 180.0)
#define MWX_RAD2DEG (180.0 / 3.14159265358979323846)

/* A geodetic position on WGS-84. */
typedef struct mwx_geo_lla {
  double lat_deg; /* geodetic latitude, -90..90 */
  double lon_deg; /* longitude, -180..180 (any value accepted on input) */
  double h_m;     /* height above the ellipsoid */
} mwx_geo_lla;

/* Geodetic -> ECEF.  Returns MWX_EINVAL if |lat| > 90 or a value is not
 * finite. */
int mwx_geo_ecef_from_lla(const mwx_geo_lla *lla, double pos_ecef_m[3]);

/* ECEF -> geodetic (closed-form Vermeille 2004 method, exact to < 1e-9 m
 * for heights from -6,000 km to +40,000 km).  lon in -180..180.  Returns
 * MWX_EINVAL at the Earth's centre or on non-finite input. */
int mwx_geo_lla_from_ecef(const double pos_ecef_m[3], mwx_geo_lla *lla);

/* Rotation matrix whose rows are the unit vectors east, north, up (in ECEF)
 * at geodetic latitude and longitude (degrees): v_enu = R * v_ecef. */
void mwx_geo_enu_rotation(double lat_deg, double lon_deg, double r_enu_from_ecef[3][3]);

/* ECEF position -> ENU offset (m) from the reference point ref. */
int mwx_geo_enu_from_ecef(const mwx_geo_lla *ref, const double pos_ecef_m[3], double enu_m[3]);

/* ENU offset (m) from ref -> ECEF position. */
int mwx_geo_ecef_from_enu(const mwx_geo_lla *ref, const double enu_m[3], double pos_ecef_m[3]);

/* Rotates a vector (velocity, acceleration) between ECEF and ENU axes at ref;
 * no translation. */
void mwx_geo_enu_vec_from_ecef(const mwx_geo_lla *ref, const double v_ecef[3], double v_enu[3]);
void mwx_geo_ecef_vec_from_enu(const mwx_geo_lla *ref, const double v_enu[3], double v_ecef[3]);

/* ENU -> azimuth (deg, 0..360 clockwise from north), elevation (deg) and
 * slant range (m).  At zero range azimuth and elevation are 0. */
void mwx_geo_aer_from_enu(const double enu_m[3], double *az_deg, double *el_deg, double *range_m);

/* Azimuth, elevation (deg) and slant range (m) -> ENU (m). */
void mwx_geo_enu_from_aer(double az_deg, double el_deg, double range_m, double enu_m[3]);

/* Observer at obs looks at target (ECEF): azimuth, elevation, range. */
int mwx_geo_aer_from_ecef(const mwx_geo_lla *obs, const double target_ecef_m[3], double *az_deg,
                          double *el_deg, double *range_m);

/* Inverse geodesic problem on WGS-84 (PROJ geod_inverse): distance (m) from p1
 * to p2 along the ellipsoid surface, forward azimuth at p1 and at p2 (deg,
 * clockwise from north).  Any out-pointer may be NULL.  Heights are ignored. */
int mwx_geo_inverse(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg,
                    double *dist_m, double *azi1_deg, double *azi2_deg);

/* Direct geodesic problem (PROJ geod_direct): the point reached from
 * (lat1, lon1) after dist_m along initial azimuth azi1_deg; azi2_deg (may be
 * NULL) is the forward azimuth there. */
int mwx_geo_direct(double lat1_deg, double lon1_deg, double azi1_deg, double dist_m,
                   double *lat2_deg, double *lon2_deg, double *azi2_deg);

/* Radius of curvature in the prime vertical N(lat) (m). */
double mwx_geo_prime_vertical_radius_m(double lat_deg);

#endif /* MWX_GEO_H */
