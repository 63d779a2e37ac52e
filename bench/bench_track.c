/*
 * bench_track.c - how fast tracking and assessment run on one core:
 *   1. filter updates per second (predict 1 s + radar update): EKF, UKF,
 *      and the two-model IMM of each (what the tracker runs per plot);
 *   2. impact predictions with the 95% ellipse per second (13 sigma points
 *      to the ground with drag, from mid-course), and with the beta
 *      quadrature (mwx_assess_impact_beta: 4 more);
 *   3. the salvo of 100 missiles (scenarios/salvo-100.json, default laydown)
 *      with every sensor scanning at 10 Hz, all plots fused in one tracker:
 *      tracker time per simulated second = share of one core, and how many
 *      confirmed tracks follow the missiles.
 *
 *   4. the posterior Cramer-Rao bound of the ballistic-phase radar case (the
 *      information recursion with the Jacobians at the truth, q = 0) against
 *      the RMS error of the EKF over a 500-run Monte Carlo with the same
 *      measurements (sigma 30 m, 0.03 deg, one plot every 4 s, 300 s).
 *
 *   bench_track [SALVO_SIM_SECONDS]   (default 400)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/assess.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/sim.h"
#include "mwx/track.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const mwx_geo_lla RADAR = {37.5, 128.5, 500.0};

/* A radar plot of pos (noise-free: speed does not depend on the noise). */
static mwx_track_plot plot_of(const double pos[3], int64_t t_ns) {
  mwx_track_plot p;
  memset(&p, 0, sizeof p);
  p.t_ns = t_ns;
  p.kind = MWX_TRACK_RADAR;
  p.sensor_lla = RADAR;
  mwx_geo_aer_from_ecef(&RADAR, pos, &p.az_deg, &p.el_deg, &p.range_m);
  p.sigma_range_m = 30;
  p.sigma_az_deg = p.sigma_el_deg = 0.05;
  return p;
}

static void bench_filters(const mwx_ballistic_traj *tr) {
  const char *names[2] = {"EKF", "UKF"};
  for (int kind = 0; kind < 2; kind++)
    for (int imm = 0; imm < 2; imm++) {
      mwx_track_filter_cfg cfg;
      mwx_track_filter_cfg_default(&cfg);
      cfg.kind = kind;
      double t0s = tr->fig.burnout_time_s + 10.0, x[6];
      mwx_ballistic_traj_state_at(tr, t0s, x, x + 3, NULL);
      mwx_track_est e;
      memset(&e, 0, sizeof e);
      e.t_ns = (int64_t)(t0s * 1e9);
      memcpy(e.x, x, sizeof x);
      for (int i = 0; i < 7; i++)
        e.P[i][i] = i < 3 ? 1e4 : i < 6 ? 100 : 1e-4;
      mwx_track_imm m;
      mwx_track_imm_init(&m, &e, 0.5);
      int n = 0;
      double w0 = now_s();
      for (double t = t0s + 1.0; t < tr->fig.flight_time_s - 100.0 && n < 2000; t += 1.0, n++) {
        mwx_ballistic_traj_state_at(tr, t, x, x + 3, NULL);
        int64_t tn = (int64_t)llround(t * 1e9);
        mwx_track_plot p = plot_of(x, tn);
        if (imm) {
          mwx_track_imm_predict(&cfg, &m, tn);
          mwx_track_imm_update(&cfg, &m, &p, NULL);
        } else {
          mwx_track_predict(&cfg, MWX_TRACK_BALLISTIC, &e, tn);
          mwx_track_update(&cfg, &e, &p, NULL, NULL);
        }
      }
      double w = now_s() - w0;
      printf("%s%s: %d predict+update cycles in %.3f s: %.0f per s (%.1f us each)\n", imm ? "IMM-" : "",
             names[kind], n, w, n / w, 1e6 * w / n);
    }
}

static void bench_impact(const mwx_ballistic_traj *tr, double beta) {
  double x[6], P[6][6];
  double t = tr->fig.burnout_time_s + 60.0;
  mwx_ballistic_traj_state_at(tr, t, x, x + 3, NULL);
  memset(P, 0, sizeof P);
  for (int i = 0; i < 6; i++)
    P[i][i] = i < 3 ? 1e4 : 4.0;
  int n = 0;
  double w0 = now_s(), w;
  mwx_assess_point ip;
  do {
    if (mwx_assess_impact(x, P, 0, beta, MWX_ASSESS_MAX_FLIGHT_S, &ip)) {
      fprintf(stderr, "bench_track: impact: %s\n", mwx_error_msg());
      return;
    }
    n++;
    w = now_s() - w0;
  } while (w < 1.0);
  printf("impact prediction with 95%% ellipse (IRBM, %.0f s to impact, drag): %.0f per s (%.2f ms each)\n",
         tr->fig.flight_time_s - t, n / w, 1e3 * w / n);
  /* with the beta spread (what mwx_assess_track makes): 4 more propagations */
  n = 0;
  w0 = now_s();
  do {
    if (mwx_assess_impact_beta(x, P, 0, beta, MWX_ASSESS_BETA_SIGMA_LN, MWX_ASSESS_MAX_FLIGHT_S, &ip)) {
      fprintf(stderr, "bench_track: impact: %s\n", mwx_error_msg());
      return;
    }
    n++;
    w = now_s() - w0;
  } while (w < 1.0);
  printf("  ... with the beta quadrature (5 Gauss-Hermite nodes in ln beta): %.0f per s (%.2f ms each)\n", n / w,
         1e3 * w / n);
}

/* Gaussian draw (xorshift64* + Box-Muller), for the Monte Carlo. */
static double gauss(uint64_t *s) {
  double u[2];
  for (int i = 0; i < 2; i++) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    u[i] = ((*s * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
  }
  if (u[0] < 1e-300)
    u[0] = 1e-300;
  return sqrt(-2.0 * log(u[0])) * cos(2.0 * 3.14159265358979323846 * u[1]);
}

static void bench_crlb(const mwx_ballistic_traj *tr) {
  enum { RUNS = 500, MAXK = 100 };
  const double SR = 30.0, SA = 0.03, DT = 4.0, DUR = 300.0;
  mwx_track_filter_cfg cfg, bound_cfg;
  mwx_track_filter_cfg_default(&cfg);
  bound_cfg = cfg;
  bound_cfg.q_ballistic_m2ps3 = 0.0;
  double t0 = tr->fig.burnout_time_s + 20.0, xt[6];
  static double se_pos[MAXK], crlb_pos[MAXK], se_vel[MAXK], crlb_vel[MAXK];
  memset(se_pos, 0, sizeof se_pos);
  memset(se_vel, 0, sizeof se_vel);
  /* the bound: an EKF whose mean is reset to the truth at every step, so its
   * covariance recursion runs with the Jacobians at the truth */
  mwx_track_est b;
  memset(&b, 0, sizeof b);
  mwx_ballistic_traj_state_at(tr, t0, xt, xt + 3, NULL);
  b.t_ns = (int64_t)(t0 * 1e9);
  for (int i = 0; i < 7; i++)
    b.P[i][i] = i < 3 ? 1e6 : i < 6 ? 2500.0 : 1e-4;
  int nk = 0;
  for (double t = t0 + DT; t <= t0 + DUR && nk < MAXK; t += DT, nk++) {
    mwx_ballistic_traj_state_at(tr, t - DT, xt, xt + 3, NULL);
    memcpy(b.x, xt, sizeof xt);
    int64_t tn = (int64_t)llround(t * 1e9);
    mwx_track_predict(&bound_cfg, MWX_TRACK_BALLISTIC, &b, tn);
    mwx_ballistic_traj_state_at(tr, t, xt, xt + 3, NULL);
    memcpy(b.x, xt, sizeof xt);
    mwx_track_plot p = plot_of(xt, tn);
    p.sigma_range_m = SR;
    p.sigma_az_deg = p.sigma_el_deg = SA;
    mwx_track_update(&bound_cfg, &b, &p, NULL, NULL);
    crlb_pos[nk] = b.P[0][0] + b.P[1][1] + b.P[2][2];
    crlb_vel[nk] = b.P[3][3] + b.P[4][4] + b.P[5][5];
  }
  for (int r = 0; r < RUNS; r++) {
    uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(r + 1);
    mwx_track_est e;
    memset(&e, 0, sizeof e);
    mwx_ballistic_traj_state_at(tr, t0, xt, xt + 3, NULL);
    e.t_ns = (int64_t)(t0 * 1e9);
    for (int i = 0; i < 3; i++) {
      e.x[i] = xt[i] + 1000.0 * gauss(&seed);
      e.x[3 + i] = xt[3 + i] + 50.0 * gauss(&seed);
      e.P[i][i] = 1e6;
      e.P[3 + i][3 + i] = 2500.0;
    }
    e.P[6][6] = 1e-4;
    int k = 0;
    for (double t = t0 + DT; t <= t0 + DUR && k < MAXK; t += DT, k++) {
      int64_t tn = (int64_t)llround(t * 1e9);
      mwx_track_predict(&cfg, MWX_TRACK_BALLISTIC, &e, tn);
      mwx_ballistic_traj_state_at(tr, t, xt, xt + 3, NULL);
      mwx_track_plot p = plot_of(xt, tn);
      p.range_m += SR * gauss(&seed);
      p.az_deg = fmod(p.az_deg + SA * gauss(&seed) + 360.0, 360.0);
      p.el_deg += SA * gauss(&seed);
      p.sigma_range_m = SR;
      p.sigma_az_deg = p.sigma_el_deg = SA;
      mwx_track_update(&cfg, &e, &p, NULL, NULL);
      for (int i = 0; i < 3; i++) {
        se_pos[k] += pow(e.x[i] - xt[i], 2) / RUNS;
        se_vel[k] += pow(e.x[3 + i] - xt[3 + i], 2) / RUNS;
      }
    }
  }
  printf("posterior CRLB vs EKF RMS error (500 runs; radar 30 m / 0.03 deg every 4 s, IRBM mid-course):\n");
  printf("  %8s %14s %14s %14s %14s\n", "t (s)", "RMS pos (m)", "CRLB pos (m)", "RMS vel (m/s)", "CRLB vel (m/s)");
  for (int k = 4; k < nk; k += 10)
    printf("  %8.0f %14.1f %14.1f %14.2f %14.2f\n", (k + 1) * DT, sqrt(se_pos[k]), sqrt(crlb_pos[k]), sqrt(se_vel[k]),
           sqrt(crlb_vel[k]));
  int k = nk - 1;
  printf("  at %.0f s: RMS / CRLB = %.2f (position), %.2f (velocity)\n", (k + 1) * DT, sqrt(se_pos[k] / crlb_pos[k]),
         sqrt(se_vel[k] / crlb_vel[k]));
}

typedef struct buf {
  mwx_track_plot *p;
  size_t n, cap;
  uint64_t total;
} buf;

static int collect(const mwx_sim_plot *sp, void *ctx) {
  buf *b = ctx;
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 1024;
    b->p = realloc(b->p, b->cap * sizeof *b->p);
    if (!b->p)
      return MWX_ENOMEM;
  }
  if (!mwx_track_plot_from_sim(sp, &b->p[b->n]))
    b->n++;
  b->total++;
  return 0;
}

static int bench_salvo(double sim_s) {
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  if (mwx_sim_scenario_load(MWX_SOURCE_DIR "/scenarios/salvo-100.json", &sc) ||
      mwx_sim_truth_init(&truth, &sc, 1.0)) {
    fprintf(stderr, "bench_track: %s\n", mwx_error_msg());
    return 1;
  }
  for (size_t k = 0; k < sc.n_sensors; k++)
    sc.sensor[k].period_ns = 100000000; /* 10 Hz */
  mwx_sim_source *src;
  mwx_tracker *tk;
  if (mwx_sim_source_init(&src, &sc, &truth, 1) || mwx_track_create(NULL, &tk)) {
    fprintf(stderr, "bench_track: %s\n", mwx_error_msg());
    return 1;
  }
  buf b = {0};
  double w_track = 0, w_sim = 0;
  int64_t step = 100000000, t = sc.epoch_ns, end = sc.epoch_ns + (int64_t)(sim_s * 1e9);
  while (t < end) {
    t += step;
    b.n = 0;
    double w0 = now_s();
    mwx_sim_source_advance(src, t, collect, &b);
    double w1 = now_s();
    if (b.n && mwx_track_process(tk, b.p, b.n)) {
      fprintf(stderr, "bench_track: %s\n", mwx_error_msg());
      return 1;
    }
    w_track += now_s() - w1;
    w_sim += w1 - w0;
  }
  /* how many missiles in flight at the end have a confirmed track within 5 km */
  int in_flight = 0, tracked = 0, confirmed = 0;
  for (size_t k = 0; k < truth.n; k++) {
    mwx_sim_truth_state st;
    if (mwx_sim_truth_at(&truth, k, t, &st) || !st.in_flight)
      continue;
    in_flight++;
    for (size_t i = 0; i < mwx_track_count(tk); i++) {
      mwx_track_info in;
      mwx_track_est e;
      if (mwx_track_get(tk, i, &in) || in.status != MWX_TRACK_CONFIRMED || mwx_track_state_at(tk, i, t, &e))
        continue;
      double d = 0;
      for (int j = 0; j < 3; j++)
        d += pow(e.x[j] - st.pos_ecef_m[j], 2);
      if (sqrt(d) < 5e3) {
        tracked++;
        break;
      }
    }
  }
  for (size_t i = 0; i < mwx_track_count(tk); i++) {
    mwx_track_info in;
    if (!mwx_track_get(tk, i, &in) && in.status == MWX_TRACK_CONFIRMED)
      confirmed++;
  }
  printf("salvo of %zu (2 s apart), %zu sensors at 10 Hz, %.0f simulated s, %llu plots: tracker %.2f s wall = "
         "%.1f%% of one core (sim source %.2f s); at the end %d of %d missiles in flight have a confirmed track "
         "within 5 km; %d confirmed tracks live\n",
         sc.n_launches, sc.n_sensors, sim_s, (unsigned long long)b.total, w_track, 100.0 * w_track / sim_s, w_sim,
         tracked, in_flight, confirmed);
  free(b.p);
  mwx_track_destroy(tk);
  mwx_sim_source_fini(src);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  return 0;
}

int main(int argc, char **argv) {
  double sim_s = argc > 1 ? atof(argv[1]) : 400.0;
  if (!(sim_s > 0)) {
    fprintf(stderr, "usage: bench_track [SALVO_SIM_SECONDS > 0]\n");
    return 2;
  }
  mwx_ballistic_launch L;
  memset(&L, 0, sizeof L);
  L.lat_deg = 39.2;
  L.lon_deg = 125.67;
  L.heading_deg = 80.0;
  mwx_ballistic_vehicle_default(MWX_CLASS_IRBM, &L.veh);
  mwx_ballistic_traj tr;
  memset(&tr, 0, sizeof tr);
  if (mwx_ballistic_fly(&L, 1.0, &tr)) {
    fprintf(stderr, "bench_track: %s\n", mwx_error_msg());
    return 1;
  }
  bench_filters(&tr);
  bench_impact(&tr, L.veh.beta_rv_kgpm2);
  bench_crlb(&tr);
  mwx_ballistic_traj_fini(&tr);
  return bench_salvo(sim_s);
}
