/*
 * zone_int.h - the in-memory zone index shared by zone.c (loading,
 * classification) and zone_mass.c (ellipse mass, overflight).  Private.
 */
#ifndef MWX_ZONE_INT_H
#define MWX_ZONE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/zone.h"

/* 48 bytes: floats hold a unit vector to 0.4 m and lon/lat to 1 m, far
 * below the data's resolution; arithmetic is done in double. */
typedef struct zone_edge {
  float a[3], d[3], inv_dd; /* unit vector of the 1st end, 2nd - 1st, 1 / |d|^2 (0 if degenerate) */
  float x1, y1, x2, y2;     /* lon/lat (deg, lon shifted into the grid's range) */
  uint16_t nation, region;
} zone_edge;

typedef struct zone_mask {
  uint64_t nation, region;
} zone_mask;

typedef struct zone_layer {
  uint32_t nedge;
  zone_edge *edge;
  zone_mask *mask;  /* per cell: owners of its centre */
  uint32_t *off;    /* per cell + 1: candidates off[c]..off[c+1] in idx */
  uint8_t *flags;   /* per cell: bit 0 = only the centre's nearest edge kept */
  uint32_t *idx;
} zone_layer;

struct mwx_zone {
  uint32_t ncol, nrow, nnat, nreg;
  double lon0, lat0, cell_deg, r_km, eez_from_ts_km, ref_dx, ref_dy;
  char nation[64][4];
  char region_name[64][28];
  uint16_t region_nation[64];
  zone_layer mar, land;
};

typedef struct zone_query {
  int inside;
  size_t cell;
  double x, y, cx, cy; /* point and its cell's reference point (centre + ref_dx/dy), lon/lat */
  double u[3];         /* unit vector of the point */
} zone_query;

int zone_locate(const mwx_zone *z, double lat_deg, double lon_deg, zone_query *q);
int zone_classify_q(const mwx_zone *z, const zone_query *q, mwx_zone_result *out);

#endif
