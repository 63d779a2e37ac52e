/*
 * bench_zone.c - zone queries per second on one core:
 *   1. points uniform over the covered box (10..60 N, 100..180 E): mostly
 *      open ocean, where a cell holds one candidate edge or none;
 *   2. points uniform over the near-Japan box (30..46 N, 128..146 E), where
 *      cells hold tens of edges (coasts, territorial seas, median lines);
 *   3. points within 50 km of the Sea of Japan coast of Honshu (the hardest:
 *      every query crosses and measures the densest edges);
 *   4. ellipse mass (512 points each) and the overflight of the 2022-10-04
 *      ground track.
 *
 *   bench_zone [SECONDS] [ZONES.bin]   each measurement runs about SECONDS (default 2)
 *
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that
 * other processes on a shared machine do not count.
 * Points come from a fixed linear congruential sequence (no clock, no
 * randomness between runs), generated before timing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/zone.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t lcg = 88172645463325252ull;
static double uni(void) {
  lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(lcg >> 11) / 9007199254740992.0;
}

#define NPTS (1 << 20)
static double plat[NPTS], plon[NPTS];

static void points(double la0, double la1, double lo0, double lo1) {
  for (int i = 0; i < NPTS; i++) plat[i] = la0 + (la1 - la0) * uni(), plon[i] = lo0 + (lo1 - lo0) * uni();
}

static int run(const mwx_zone *z, const char *what, double secs) {
  mwx_zone_result r;
  long n = 0, counts[MWX_ZONE_KINDS] = {0};
  double t0 = now_s(), t;
  do {
    for (int i = 0; i < NPTS; i++) {
      if (mwx_zone_classify(z, plat[i], plon[i], &r)) {
        fprintf(stderr, "bench_zone: %s\n", mwx_error_msg());
        return 1;
      }
      counts[r.zone]++;
    }
    n += NPTS;
    t = now_s() - t0;
  } while (t < secs);
  printf("%-44s %7.2f M queries/s  (%.0f ns each; land %.0f%% ts %.0f%% eez %.0f%% high seas %.0f%%)\n", what,
         (double)n / t / 1e6, t / (double)n * 1e9, 100.0 * counts[1] / n, 100.0 * counts[2] / n,
         100.0 * counts[3] / n, 100.0 * counts[4] / n);
  return 0;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 2.0;
  if (!(secs > 0 && secs < 3600)) {
    fprintf(stderr, "usage: bench_zone [SECONDS] [ZONES.bin]\n");
    return 2;
  }
  mwx_zone *z;
  double t0 = now_s();
  if (mwx_zone_open(argc > 2 ? argv[2] : NULL, &z)) {
    fprintf(stderr, "bench_zone: %s\n", mwx_error_msg());
    return 1;
  }
  printf("%-44s %7.1f ms\n", "mwx_zone_open (read and check the file)", (now_s() - t0) * 1e3);
  int rc = 0;
  points(10, 60, 100, 180);
  rc |= run(z, "whole box 10..60 N 100..180 E", secs);
  points(30, 46, 128, 146);
  rc |= run(z, "near Japan 30..46 N 128..146 E", secs);
  /* a strip along Honshu's Sea of Japan coast, Noto to Oga */
  for (int i = 0; i < NPTS; i++) {
    double f = uni();
    plat[i] = 37.0 + 3.0 * f + 0.45 * (uni() - 0.5);
    plon[i] = 136.8 + 3.0 * f + 0.6 * (uni() - 0.5);
  }
  rc |= run(z, "coastal strip Noto..Oga (+-25 km)", secs);

  mwx_zone_mass m;
  long n = 0;
  double t;
  t0 = now_s();
  do {
    if (mwx_zone_ellipse_mass(z, 41.0 + 0.001 * (n % 100), 139.5, 150, 40, 60, &m)) return 1;
    n++;
    t = now_s() - t0;
  } while (t < secs);
  printf("%-44s %7.3f ms each (%zu zones)\n", "ellipse mass, 150 x 40 km off Hokkaido", t / n * 1e3, m.n);

  /* 2022-10-04: a great circle Mupyong-ni -> 32.62 N 177.75 E, 1,320 s, 1 s samples */
  static mwx_zone_track_point pts[1321];
  for (int i = 0; i <= 1320; i++) {
    double f = i / 1320.0;
    pts[i].lat_deg = 40.61 + f * (32.62 - 40.61) + 8 * sin(M_PI * f); /* rough arc */
    pts[i].lon_deg = 126.43 + f * (177.75 - 126.43);
    pts[i].t_ns = (int64_t)i * 1000000000LL;
  }
  mwx_zone_passage pass[32];
  size_t np;
  n = 0;
  t0 = now_s();
  do {
    if (mwx_zone_overflight(z, pts, 1321, 30.0, pass, 32, &np)) {
      fprintf(stderr, "bench_zone: %s\n", mwx_error_msg());
      return 1;
    }
    n++;
    t = now_s() - t0;
  } while (t < secs);
  printf("%-44s %7.2f ms each (%zu passages)\n", "overflight, 4,600 km track, 30 km corridor", t / n * 1e3, np);
  mwx_zone_close(z);
  return rc;
}
