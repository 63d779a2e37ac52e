/*
 * fixture_bench.h - benchmark fixture (not libmwx): the clocks and the Track
 * sample that the message and release benchmarks (bench/bench_msg.c,
 * bench/bench_release.c) share, and the 6x6 inverse the fusion and track
 * benchmarks and test_fuse check covariances with.  No cmocka.  Any thread.
 */
#ifndef MWX_FIXTURE_BENCH_H
#define MWX_FIXTURE_BENCH_H

#include <stdint.h>

#include "mwx/msg.h"

/* CLOCK_MONOTONIC now, seconds (wall time). */
double fx_bench_wall_s(void);
/* The calling thread's CPU time, seconds (the shared machine's load does
 * not count). */
double fx_bench_cpu_s(void);

/* *m = a SECRET Track sample of nation (originator and releasable to it,
 * plus the nations of also, a NULL-terminated list, or NULL), local id
 * "<NAT>-T<seq>", mark seq seq, a time 0.1 s per seq after 2026-11-28
 * (1795863600 s), a state near the Korean peninsula moved 1 m per seq, a
 * full covariance, four sensors and one contributor: every field a real
 * sample carries in the node's salvo. */
void fx_bench_track(mwx_msg *m, const char *nation, uint64_t seq, const char *const *also);

/* X = A^-1 of a 6x6 matrix (Gauss-Jordan, partial pivoting), and
 * *logdet = ln|det A| when logdet is not NULL.  -1 (X undefined) if A is
 * singular, else 0. */
int fx_inv6(const double A[6][6], double X[6][6], double *logdet);

/* The benches' post-burnout switch (mwx_track_config.postburn_q_in_air_only,
 * reached through mwx_assess_run_opts / mwx_fuse_pipe_opts): the environment's
 * MWX_TRACK_POSTBURN_Q_IN_AIR_ONLY, "1" -> 1 (on), "0" -> -1 (off), unset or
 * anything else -> 0 (the tracker's default).  Bench code only: the library
 * reads no environment. */
int fx_bench_postburn_env(void);

#endif
