/* fixture_bench.c - see fixture_bench.h */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fixture_bench.h"

double fx_bench_wall_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double fx_bench_cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void fx_bench_track(mwx_msg *m, const char *nation, uint64_t seq, const char *const *also) {
  memset(m, 0, sizeof *m);
  m->topic = MWX_TOPIC_TRACK;
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS;
  memcpy(m->mark.originator, nation, 4);
  m->mark.classification = MWX_CLASSIF_SECRET;
  mwx_msg_marking_add(&m->mark, nation);
  for (size_t i = 0; also && also[i]; i++)
    mwx_msg_marking_add(&m->mark, also[i]);
  m->mark.seq = seq;
  mwx_msg_track *t = &m->u.track;
  snprintf(t->local_track_id, MWX_ID_LEN, "%s-T%llu", nation, (unsigned long long)seq);
  t->time_ns = 1795863600000000000ll + (int64_t)seq * 100000000ll;
  double p[3] = {-3.05e6, 4.05e6, 3.87e6}, v[3] = {1200.0, -800.0, 2100.0};
  for (int k = 0; k < 3; k++) {
    t->pos_ecef_m[k] = p[k] + (double)seq;
    t->vel_ecef_mps[k] = v[k];
  }
  for (int k = 0; k < 21; k++)
    t->cov[k] = 10.0 + k;
  t->quality = 0.9f;
  t->n_contributors = 1;
  memcpy(t->contributors[0], nation, 4);
  t->src.n_sensors = 4;
  for (int i = 0; i < 4; i++) {
    snprintf(t->src.sensor_id[i], MWX_ID_LEN, "%s-radar-%d", nation, i);
    t->src.sensor_pos_ecef_m[i][0] = -3.0e6 + i;
  }
}

int fx_inv6(const double A[6][6], double X[6][6], double *logdet) {
  double M[6][12], ld = 0;
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 12; j++)
      M[i][j] = j < 6 ? A[i][j] : (j - 6 == i);
  for (int c = 0; c < 6; c++) {
    int p = c;
    for (int r = c + 1; r < 6; r++)
      if (fabs(M[r][c]) > fabs(M[p][c]))
        p = r;
    if (!(fabs(M[p][c]) > 0))
      return -1;
    for (int j = 0; j < 12; j++) {
      double t = M[c][j];
      M[c][j] = M[p][j];
      M[p][j] = t;
    }
    double d = M[c][c];
    ld += log(fabs(d));
    for (int j = 0; j < 12; j++)
      M[c][j] /= d;
    for (int r = 0; r < 6; r++)
      if (r != c) {
        double f = M[r][c];
        for (int j = 0; j < 12; j++)
          M[r][j] -= f * M[c][j];
      }
  }
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      X[i][j] = M[i][6 + j];
  if (logdet)
    *logdet = ld;
  return 0;
}

int fx_bench_postburn_env(void) {
  const char *e = getenv("MWX_TRACK_POSTBURN_Q_IN_AIR_ONLY");
  if (!e)
    return 0;
  return !strcmp(e, "1") ? 1 : !strcmp(e, "0") ? -1 : 0;
}
