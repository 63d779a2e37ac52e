/*
 * zone.h - where a point on the ground lies: on a nation's land, in its
 * territorial sea, in its exclusive economic zone (EEZ) or on the high seas,
 * and for Japan and Korea in which prefecture / province; the probability
 * mass of an impact ellipse per zone; the territories under a ground track.
 *
 * Data: one binary file built from npm polygon packages at build time by
 * scripts/zones/build-zones.js (format, sources, licences and the EEZ
 * construction with its error: data/zones/README.md, docs/zones-and-alerts.md).
 * Coverage: latitude 10..60 N, longitude 100..180 E (East Asia and the
 * north-west Pacific).  Outside it every point is MWX_ZONE_UNKNOWN.
 *
 * Construction (the one Japan's law applies where no boundary is agreed):
 *   - land: inside a nation's land polygon (JPN and KOR from amCharts
 *     prefectures / provinces, others from @geo-maps/countries-land-10km);
 *   - territorial sea: inside the nation's OSM maritime border (land + 12 nm)
 *     and not on its land;
 *   - EEZ: within 200 nm of the baseline and nearer to this nation than to any
 *     other (median line).  The baseline is not in the data: its distance is
 *     taken as the distance to the outer limit of the territorial sea plus
 *     12 nm (exact for a limit drawn at 12 nm from the baseline);
 *   - high seas: everything else inside the coverage.
 * Distances are on a sphere of radius 6371.0088 km (error < 0.5 % against
 * WGS-84 geodesics).  Disputed areas follow OSM's de-facto administration.
 *
 * Life cycle: mwx_zone_open() -> any number of queries -> mwx_zone_close().
 * An open mwx_zone is immutable: queries are pure (no I/O, no clock) and safe
 * from any number of threads at once.
 */
#ifndef MWX_ZONE_H
#define MWX_ZONE_H

#include <stddef.h>
#include <stdint.h>

/* Numbering equals the ImpactPrediction.zone octet of idl/mwx.idl. */
typedef enum mwx_zone_kind {
  MWX_ZONE_UNKNOWN = 0,         /* outside the covered region */
  MWX_ZONE_LAND = 1,
  MWX_ZONE_TERRITORIAL_SEA = 2,
  MWX_ZONE_EEZ = 3,
  MWX_ZONE_HIGH_SEAS = 4,
} mwx_zone_kind;
#define MWX_ZONE_KINDS 5

#define MWX_ZONE_NM_KM 1.852                     /* international nautical mile */
#define MWX_ZONE_TS_KM (12.0 * MWX_ZONE_NM_KM)   /* UNCLOS art. 3 */
#define MWX_ZONE_EEZ_KM (200.0 * MWX_ZONE_NM_KM) /* UNCLOS art. 57 */

typedef struct mwx_zone mwx_zone;

/* What mwx_zone_classify() finds at one point. */
typedef struct mwx_zone_result {
  mwx_zone_kind zone;
  char nation[4];              /* ISO 3166 alpha-3 ("JPN"), "" on high seas / unknown */
  int region;                  /* prefecture / province index (mwx_zone_region_name), -1 if none */
  double distance_to_coast_km; /* to the nearest land coast of any nation; 0 on land;
                                  NaN when unknown */
  double distance_to_baseline_km; /* nearest nation's baseline, approximated (above); 0 inside
                                     a territorial sea; NaN when no nation is within 200 nm */
  int distance_approx;         /* 1: distance_to_coast_km is approximate: within 35 km when more
                                  than 500 km out; capped at 12 nm in a territorial sea whose
                                  island the land data lacks */
} mwx_zone_result;

/* Opens the zone file at path (NULL: mwx_zone_default_path()).  The whole file
 * is read and checked (magic, sizes, every index in range, every number
 * finite); on success *out owns it.  Errors: MWX_EIO (cannot read, not a
 * regular file), MWX_ECORRUPT (bad content: the message says what and where),
 * MWX_ENOMEM. */
int mwx_zone_open(const char *path, mwx_zone **out);

/* Frees z (NULL accepted).  No query may run on z at or after this call. */
void mwx_zone_close(mwx_zone *z);

/* The zone file of this build: $MWX_ZONE_DATA if set, else the file the build
 * generated (<build>/zones/zones.bin).  Static storage. */
const char *mwx_zone_default_path(void);

/* Classifies the point (geodetic degrees; any longitude, normalised).
 * MWX_EINVAL if a value is not finite or |lat| > 90.  A point outside the
 * coverage is not an error: zone MWX_ZONE_UNKNOWN. */
int mwx_zone_classify(const mwx_zone *z, double lat_deg, double lon_deg, mwx_zone_result *out);

/* "unknown", "land", "territorial_sea", "eez", "high_seas"; "?" otherwise. */
const char *mwx_zone_kind_name(mwx_zone_kind k);

/* Regions (JPN prefectures, KOR provinces): count, English name ("Aomori",
 * "North Gyeongsang") and nation; NULL / "" for an index out of range.  Name
 * lookup: index or MWX_ENOTFOUND. */
int mwx_zone_region_count(const mwx_zone *z);
const char *mwx_zone_region_name(const mwx_zone *z, int region);
const char *mwx_zone_region_nation(const mwx_zone *z, int region);
int mwx_zone_region_find(const mwx_zone *z, const char *name, int *region);

/* ---- probability mass of an impact ellipse per zone ----
 * The impact point is Gaussian in the local east/north plane with the given
 * 95 % ellipse (semi-axes, major axis orientation from north, clockwise).  The
 * mass of the 95 % ellipse is split over zones by a deterministic polar grid
 * of equal-mass cells in the whitened plane (MWX_ZONE_MASS_RINGS rings of
 * equal probability inside the 95 % contour x MWX_ZONE_MASS_SECTORS sectors):
 * each of the 512 points carries 0.95 / 512 of the mass, so the result is
 * resolved to 0.2 % and costs 512 point queries (0.45 ms, BENCHMARKS.md).
 * Sigma points (5 in two dimensions) would resolve only 20 % steps: one
 * point on a coast would decide a land warning.  Entries (with p_other) sum
 * to 0.95; points outside the coverage count as MWX_ZONE_UNKNOWN. */
#define MWX_ZONE_MASS_RINGS 16
#define MWX_ZONE_MASS_SECTORS 32
#define MWX_ZONE_MASS_MAX 32

typedef struct mwx_zone_mass_entry {
  mwx_zone_kind zone;
  char nation[4];
  int region;  /* land / territorial sea of JPN, KOR: the region; -1 otherwise */
  double p;    /* probability mass (0..0.95) */
} mwx_zone_mass_entry;

typedef struct mwx_zone_mass {
  size_t n;                                /* entries, largest p first */
  mwx_zone_mass_entry e[MWX_ZONE_MASS_MAX];
  double p_other;                          /* mass of (zone, nation, region) past the table */
} mwx_zone_mass;

/* Mass of the 95 % ellipse centred at (lat_deg, lon_deg) per zone, nation
 * and region.  semi-axes in km (>= 0, major >= minor, <= 5000), orient_deg any.
 * A zero ellipse puts all 0.95 on the centre's zone.  MWX_EINVAL on bad input. */
int mwx_zone_ellipse_mass(const mwx_zone *z, double lat_deg, double lon_deg, double major_km,
                          double minor_km, double orient_deg, mwx_zone_mass *out);

/* Sum of the entries of m for nation (and zone; MWX_ZONE_UNKNOWN: land and
 * territorial sea together). */
double mwx_zone_mass_of(const mwx_zone_mass *m, const char *nation, mwx_zone_kind zone);

/* ---- overflight of a ground track ---- */
typedef struct mwx_zone_track_point {
  double lat_deg, lon_deg; /* sub-missile point */
  int64_t t_ns;            /* UTC */
} mwx_zone_track_point;

/* One passage over one nation's territory (land or territorial sea) and region. */
typedef struct mwx_zone_passage {
  char nation[4];
  int region;           /* JPN prefecture / KOR province, -1 for other nations */
  int over_land;        /* 1 if any point of the passage was over land, else territorial sea only */
  int64_t t_enter_ns, t_exit_ns;
} mwx_zone_passage;

/* Territories under the ground track pts[0..n) (times non-decreasing), with a
 * corridor of half-width corridor_km (>= 0) on each side: the track and lines
 * at +-corridor/2 and +-corridor perpendicular to it are classified every
 * 2 km along the track (times interpolated linearly, so an entry time is
 * right to the time the missile takes for 2 km: under 1 s for a ballistic
 * missile in flight).  Passages go to out[0..cap), ordered by entry time; *n
 * is their number.  A passage still open at the last point exits at its time.
 * MWX_EINVAL on bad input (n < 1, times decreasing, non-finite), MWX_ERANGE
 * if more than cap passages (out holds the first cap). */
int mwx_zone_overflight(const mwx_zone *z, const mwx_zone_track_point *pts, size_t n,
                        double corridor_km, mwx_zone_passage *out, size_t cap, size_t *n_out);

/* ---- export for drawing (zone_export.c) ----
 * The zone file as one GeoJSON FeatureCollection (text, *out malloc'd, the
 * caller frees it) for a map: features with properties "layer" and "nation"
 * (and "region" for a region):
 *   "ts"     MultiLineString: a nation's territorial sea limit (maritime
 *            layer edges, land borders left out);
 *   "eez"    MultiLineString: EEZ limits (outer limit, median lines) traced
 *            as the sides between grid_deg cells whose centres
 *            mwx_zone_classify() puts under different nations, one of them an
 *            EEZ (a line is right to grid_deg / 2);
 *   "region" MultiPolygon: a JPN prefecture / KOR province (land layer rings);
 *   "land"   MultiPolygon: a nation's land (land layer rings; a ring the
 *            file keeps only in part, beyond the margin box 92..188 E,
 *            4..66 N, closed along the box's sides the shorter way);
 *   "coast"  MultiLineString: a nation's land edges with sea on one side
 *            (land borders and prefecture limits left out), inside the
 *            covered region only (outside it a border cannot be told).
 * Coordinates lon, lat in degrees rounded to 0.001, vertices thinned to
 * 0.01 deg.  grid_deg 0.02..2 (else MWX_EINVAL); cost: (80 / grid_deg) x
 * (50 / grid_deg) classifications (0.1 deg: 400,000, under a second), and
 * two per land edge.
 * Pure: no I/O; safe on a shared open z. */
int mwx_zone_export_geojson(const mwx_zone *z, double grid_deg, char **out);

#endif /* MWX_ZONE_H */
