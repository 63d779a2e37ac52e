/*
 * tracker.c - the multi-target tracker: scans, coarse and chi-square gating,
 * global nearest neighbour assignment (Hungarian algorithm), two-point
 * initiation, M-of-N confirmation, deletion.  See docs/track.md for why GNN.
 *
 * A scan is one sensor's plots at one time.  For each live track a cheap
 * coarse test (linear extrapolation, generous radius) selects the tracks
 * worth the full IMM prediction; those are predicted to the scan time and
 * their squared Mahalanobis distance to each plot is computed from the
 * combined estimate.  Pairs inside the chi-square gate enter a square cost
 * matrix padded with "not assigned" entries of cost equal to the gate, and
 * the Hungarian algorithm finds the assignment of least total cost.
 * Radar plots left over start tracks with a compatible earlier plot (two-point
 * velocity) or wait as pending plots; IR plots left over cannot start a track
 * (bearing only) and are kept a while as orphans, which a track takes a copy
 * of when it is confirmed (the launch fit gates them).  Each track also
 * keeps its early plots (launch fit) and its last updates (the burnout
 * smoother, below).
 *
 * Memory (mwx_track_table_stats).  Everything the tracker holds is bounded
 * except, with max_tracks 0 (mwx track: one scenario, then the end-of-run
 * launch fits read every track's plots), the table of tracks ever started.
 * Per track: its early plots (EARLY_MAX, 128 KB; one once the caller released
 * them, mwx_track_release_early), the burnout ring (BO_RING
 * updates, 81 KB), the IR pre-plots (at most ORPHAN_MAX, 512 KB; none once
 * released with the early plots); the orphan ring
 * (ORPHAN_MAX) and the pending plots (MWX_TRACK_PENDING_MAX) once.  With
 * max_tracks > 0 (a node) the table is bounded too: at the end of the
 * mwx_track_process that deleted a track its buffers are freed and its slot
 * goes on a free list, from which a later call's new track takes it (the
 * deferral lets every caller read the deletion first: track.h).  Within a
 * call nothing moves: the scan's candidate lists (indices) stay valid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h" /* constants only (MWX_ASSESS_MAX_FLIGHT_S, the burnout rule's), no call */
#include "mwx/error.h"
#include "mwx/track.h"
#include "track/linalg.h"

#define NX MWX_TRACK_NX
#define BIG_COST 1e12
/* a track or a plot left unassigned: far above any gated pair's cost, so the
 * assignment takes as many gated pairs as it can, then the likeliest */
#define NO_ASSIGN_COST 1e6

typedef struct trk {
  mwx_track_info info;
  mwx_track_imm imm;
  int attempts; /* scans that could have updated a tentative track */
  double first_score; /* launch_score of info.first */
  mwx_track_plot *early; /* plots of the powered flight (launch fit), owned */
  size_t n_early, cap_early;
  mwx_track_plot *pre;   /* IR plots no track took before this one was confirmed, owned */
  size_t n_pre;
  int pre_taken;
  int early_released; /* mwx_track_release_early: early holds early[0] only, takes no more */
  int burnt_out; /* burnout was seen (the rule of boost_possible) and no thrust since: kept while
                    coasting and after (a track picked up again starts a new quiet run, but the
                    vehicle that burnt out does not burn again: the IMM's entry rate is 0) */
  struct bo_entry *bo;   /* ring of the last BO_RING updates (burnout smoother), owned */
  size_t bo_n, bo_head;
  int freed; /* bounded table: deleted, buffers freed, slot on the free list */
} trk;

/* Burnout smoother.  When the IMM of a confirmed track switches to
 * ballistic, its ballistic model carries the
 * thrust the boost model kept predicting after the engine stopped.  The
 * track keeps its last BO_RING updates (plot, boost-model estimate, IMM
 * ballistic probability); at a switch (from below BO_FROM_P to BO_TO_P or
 * more in one update) a bank of burnout-time hypotheses
 * t_b, every BO_STEP_S from BO_DETECT_LAG_S before the last estimate that
 * was surely powered (ballistic probability < BO_POWERED_P; at most
 * BO_LOOKBACK_S back, and not before the last IR plot, since a space IR
 * sensor sees only a burning plume) re-filters those plots: boost model up to
 * t_b, ballistic after.  The lag: the IMM is still sure of thrust for a while
 * after the engine stops, until the missing thrust's displacement (a t^2 / 2,
 * 130 m after 1.5 s of an IRBM's last 115 m/s^2) stands out of the plots'
 * noise; on 2022-10-04 KOR's radars were sure 1.3-1.7 s after the truth's
 * burnout, so every hypothesis came after it, the mixture put burnout
 * ~1.5 s late and the first predictions held the truth in 18 of 23 seeds
 * (along-track velocity error RMS 7.0 m/s against a sigma of 4.6).  Twice
 * that is searched; the likelihood rejects burnouts before the real one
 * (the thrust the plots still show).
 * Their mixture (weights by likelihood, moment matched) replaces the
 * ballistic model's estimate. */
#define BO_RING 96
#define BO_STEP_S 0.25
#define BO_POWERED_P 0.05
#define BO_LOOKBACK_S 12.0
#define BO_DETECT_LAG_S 3.0
#define BO_FROM_P 0.5 /* the switch: from below this ballistic probability ... */
#define BO_TO_P 0.9   /* ... to at least this one in one update */
struct bo_entry {
  mwx_track_plot plot;
  mwx_track_est boost;
  double p_ballistic;
};

/* Early plots: those that update a track from its first plot for at most
 * EARLY_WINDOW_S and EARLY_MAX plots (the launch fit picks the part of them
 * that one burning stage explains).  Unassigned IR plots are kept
 * ORPHAN_KEEP_S (at most ORPHAN_MAX): a space IR sensor sees a plume before
 * any radar starts a track.  When a track is confirmed it takes a copy of
 * those from PRE_WINDOW_S before its first plot whose line of sight passes
 * within PRE_MAX_MISS_M of its first position (the launch fit gates them). */
#define EARLY_WINDOW_S MWX_TRACK_EARLY_WINDOW_S /* track.h */
#define EARLY_MAX 1024
#define ORPHAN_KEEP_S 180.0
#define ORPHAN_MAX 4096
#define PRE_WINDOW_S 120.0
#define PRE_MAX_MISS_M 300e3

/* An established track (confirmed, at least COAST_MIN_HITS updates) that
 * stops being updated - out of every sensor's coverage, or burnt out where
 * no radar sees it - is not deleted: after COAST_AFTER_S of silence or
 * delete_misses consecutive misses it coasts as free flight (the IMM
 * collapses onto its ballistic model), so that its impact can still be
 * predicted and a sensor further down-range can pick it up again.  It is
 * deleted when it falls below min_height_m or after max_coast_s. */
#define COAST_AFTER_S 20.0
#define COAST_MIN_HITS 10
#define COAST_MIN_AGE_S 20.0
#define COAST_BURN_ALLOWANCE_S 2.0
#define COAST_STEP_NS (10 * 1000000000LL)
/* a coasting track whose position sigma exceeds this no longer takes plots:
 * its gate would swallow false plots; a new track starts instead */
#define COAST_MAX_ASSOC_SIGMA_M 30e3

/* The no-start claim (issue 13, sixteenth session: duplicate tracks of one
 * missile in one tracker).  A radar plot that no track took is not the
 * start of a track (neither a new track nor a pending plot: it is dropped)
 * when it lies within CLAIM_PROB's chi-square distance of a live confirmed
 * track, not coasting, that was a candidate of this scan (passed the coarse
 * test) and took no plot in it: it is that missile, missed by association
 * (a plot in the tail of the gate, or the track's models behind a
 * maneuver).  The distance is the gate's own metric: the squared
 * Mahalanobis distance of the plot's 3-D measurement (range, azimuth,
 * elevation: 3 degrees of freedom, as the radar gate gate3) from the
 * track's prediction - the combined estimate, the ballistic model's, and
 * the boost model's while the boost can still be (boost_possible).  The
 * threshold is the 3-dof chi-square quantile at 1 - 1e-6, 30.66
 * (mwx_track_chi2_quantile, A&S 26.4.4; against the gate's 16.27 at
 * 0.999): a plot of the track's own missile falls beyond it once in a
 * million.  Before this rule (bench_track_dup: every scenario x KOR, JPN,
 * USA, ALL x 8 seeds) the plots that started a track beside a confirmed
 * track that took none lay at d2 16.3-84 from it by the combined and
 * ballistic models, 1.9-34 with the boost model too, and 38 of 320
 * missile-runs had two confirmed tracks on the missile at once; with it 21
 * (BENCHMARKS.md, "dup").  What is left is mostly not this rule's: a track
 * that went ballistic in a staging coast misses the second stage by d2
 * 10^3-10^9, coasts, and a new track takes the missile (issue 12).
 * A track that took a plot of this scan claims nothing: another plot near
 * it is another object (a second missile of a salvo from the same pad a few
 * seconds behind: tests/test_track_init.c test_one_pad_salvo); nor does a
 * coasting track (it has lost its missile; a new track on it replaces the
 * coaster: coaster_matches), nor a tentative one. */
#define CLAIM_PROB 0.999999

typedef struct pending {
  mwx_track_plot p;
  double pos[3];
} pending;

struct mwx_tracker {
  mwx_track_config cfg;
  trk *t;
  size_t n, cap;
  pending *pend;
  size_t np, pcap;
  mwx_track_plot *orphan; /* ring of unassigned IR plots, oldest first from orphan_head */
  size_t n_orphan, orphan_head;
  size_t *free_slot; /* bounded table: freed slots (a stack of at most max_tracks) */
  size_t n_free;
  size_t live, live_max;
  uint64_t reused, refused, pend_dropped;
  uint32_t next_id;
  int64_t last_t_ns;
  int started;
  double gate2, gate3;
  double claim3; /* the no-start claim's distance (CLAIM_PROB, 3 dof): 30.66 */
};

void mwx_track_config_default(mwx_track_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  mwx_track_filter_cfg_default(&cfg->filt);
  cfg->gate_prob = 0.999;
  cfg->confirm_m = 4;
  cfg->confirm_n = 5;
  cfg->delete_misses = 6;
  cfg->delete_silence_s = 60.0;
  cfg->init_max_dt_s = 30.0;
  cfg->init_max_speed_mps = 8000.0;
  cfg->init_accel_mps2 = 60.0;
  cfg->min_height_m = -1000.0;
  cfg->max_coast_s = MWX_ASSESS_MAX_FLIGHT_S; /* a whole flight (assess.h: its one definition) */
  cfg->postburn_q_in_air_only = 0;
}

/* The configuration's ranges: 0, or MWX_EINVAL with a message naming the
 * first field out of its range, its value and the range. */
#define CHECK_NUM(f, ok, range) MWX_CHECK_RANGE("track: create", c, f, ok, range)
static int config_check(const mwx_track_config *c) {
  CHECK_NUM(gate_prob, c->gate_prob > 0.5 && c->gate_prob < 1.0, "(0.5, 1)");
  CHECK_NUM(confirm_m, c->confirm_m >= 1, "[1, inf)");
  CHECK_NUM(confirm_n, c->confirm_n >= c->confirm_m, "[confirm_m, inf)");
  CHECK_NUM(delete_misses, c->delete_misses >= 1, "[1, inf)");
  CHECK_NUM(delete_silence_s, c->delete_silence_s > 0, "(0, inf) s");
  CHECK_NUM(init_max_dt_s, c->init_max_dt_s > 0, "(0, inf) s");
  CHECK_NUM(init_max_speed_mps, c->init_max_speed_mps > 0, "(0, inf) m/s");
  CHECK_NUM(max_coast_s, c->max_coast_s >= 0, "[0, inf) s");
  CHECK_NUM(init_accel_mps2, c->init_accel_mps2 >= 0, "[0, inf) m/s2");
  CHECK_NUM(filt.kind, c->filt.kind == MWX_TRACK_EKF || c->filt.kind == MWX_TRACK_UKF, "{EKF, UKF}");
  CHECK_NUM(filt.q_ballistic_m2ps3, c->filt.q_ballistic_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_NUM(filt.q_ballistic_air_m2ps3, c->filt.q_ballistic_air_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_NUM(filt.q_boost_m2ps3, c->filt.q_boost_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_NUM(filt.q_thrust_m2ps5, c->filt.q_thrust_m2ps5 >= 0, "[0, inf) m2/s5");
  CHECK_NUM(filt.thrust_ve_mps, c->filt.thrust_ve_mps >= 0 && isfinite(c->filt.thrust_ve_mps), "[0, inf) m/s");
  CHECK_NUM(filt.pitch_sigma0_deg, c->filt.pitch_sigma0_deg >= 0 && c->filt.pitch_sigma0_deg <= 90, "[0, 90] deg");
  CHECK_NUM(filt.q_pitch_deg2ps, c->filt.q_pitch_deg2ps >= 0 && isfinite(c->filt.q_pitch_deg2ps), "[0, inf) deg2/s");
  CHECK_NUM(filt.boost_exit_rate_ps, c->filt.boost_exit_rate_ps >= 0, "[0, inf) /s");
  CHECK_NUM(filt.boost_entry_rate_ps, c->filt.boost_entry_rate_ps >= 0, "[0, inf) /s");
  CHECK_NUM(filt.beta_kgpm2, isfinite(c->filt.beta_kgpm2), "the finite numbers (kg/m2)");
  CHECK_NUM(filt.beta_rel_sigma, c->filt.beta_rel_sigma >= 0 && c->filt.beta_rel_sigma <= 1, "[0, 1]");
  CHECK_NUM(filt.lnbeta_sigma, c->filt.lnbeta_sigma >= 0 && c->filt.lnbeta_sigma <= 1, "[0, 1]");
  MWX_CHECK_FLAG("track: create", c, postburn_q_in_air_only);
  return 0;
}
#undef CHECK_NUM

int mwx_track_create(const mwx_track_config *cfg, mwx_tracker **out) {
  if (!out)
    return mwx_error_set(MWX_EINVAL, "track: create: NULL out");
  *out = NULL;
  mwx_track_config c;
  if (cfg)
    c = *cfg;
  else
    mwx_track_config_default(&c);
  int rc = config_check(&c);
  if (rc)
    return rc;
  mwx_tracker *tr = calloc(1, sizeof *tr);
  if (!tr)
    return mwx_error_set(MWX_ENOMEM, "track: create: out of memory");
  tr->cfg = c;
  tr->next_id = 1;
  mwx_track_chi2_quantile(c.gate_prob, 2, &tr->gate2); /* assign.c */
  mwx_track_chi2_quantile(c.gate_prob, 3, &tr->gate3);
  mwx_track_chi2_quantile(CLAIM_PROB, 3, &tr->claim3);
  *out = tr;
  return 0;
}

void mwx_track_destroy(mwx_tracker *tr) {
  if (!tr)
    return;
  for (size_t i = 0; i < tr->n; i++) {
    free(tr->t[i].early);
    free(tr->t[i].pre);
    free(tr->t[i].bo);
  }
  free(tr->t);
  free(tr->free_slot);
  free(tr->pend);
  free(tr->orphan);
  free(tr);
}

void mwx_track_table_stats_get(const mwx_tracker *tr, mwx_track_table_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (!tr)
    return;
  out->slots = tr->n;
  out->bound = tr->cfg.max_tracks;
  out->live = tr->live;
  out->live_max = tr->live_max;
  out->started = tr->next_id - 1;
  out->reused = tr->reused;
  out->refused = tr->refused;
  out->pending_dropped = tr->pend_dropped;
  out->table_bytes = sizeof *tr + tr->cap * sizeof *tr->t;
  out->shared_bytes = tr->pcap * sizeof *tr->pend;
  if (tr->free_slot)
    out->shared_bytes += tr->cfg.max_tracks * sizeof *tr->free_slot;
  if (tr->orphan)
    out->shared_bytes += ORPHAN_MAX * sizeof *tr->orphan;
  for (size_t i = 0; i < tr->n; i++) {
    const trk *t = &tr->t[i];
    out->early_bytes += t->cap_early * sizeof(mwx_track_plot);
    out->pre_bytes += t->n_pre * sizeof(mwx_track_plot);
    if (t->bo)
      out->burnout_bytes += BO_RING * sizeof *t->bo;
    if (!t->freed && !t->early_released && t->n_early)
      out->early_held++;
  }
  out->heap_bytes = out->table_bytes + out->shared_bytes + out->early_bytes + out->pre_bytes + out->burnout_bytes;
}

size_t mwx_track_count(const mwx_tracker *tr) { return tr ? tr->n : 0; }

int mwx_track_get(const mwx_tracker *tr, size_t index, mwx_track_info *out) {
  if (!tr || !out || index >= tr->n)
    return mwx_error_set(MWX_EINVAL, "track: get: no track %zu", index);
  *out = tr->t[index].info;
  return 0;
}

size_t mwx_track_early_plots(const mwx_tracker *tr, size_t index, const mwx_track_plot **plots) {
  if (!tr || !plots || index >= tr->n)
    return 0;
  if (tr->t[index].early_released) {
    *plots = NULL;
    return 0;
  }
  *plots = tr->t[index].early;
  return tr->t[index].n_early;
}

int mwx_track_release_early(mwx_tracker *tr, size_t index) {
  if (!tr || index >= tr->n)
    return mwx_error_set(MWX_EINVAL, "track: release early: no track %zu", index);
  trk *t = &tr->t[index];
  if (t->early_released || t->freed)
    return 0;
  t->early_released = 1;
  /* the IR pre-plots have no other reader than the launch fit either (a
     salvo's space IR gave each USA track ~1,000 of them, 135 KB: issue 16),
     and none are taken after (take_orphans runs once) */
  free(t->pre);
  t->pre = NULL;
  t->n_pre = 0;
  t->pre_taken = 1;
  /* early[0] stays: take_orphans measures against the first plot */
  if (t->n_early > 1)
    t->n_early = 1;
  if (t->cap_early > t->n_early) {
    mwx_track_plot *q = t->n_early ? realloc(t->early, t->n_early * sizeof *q) : NULL;
    if (!t->n_early) {
      free(t->early);
      t->early = NULL;
      t->cap_early = 0;
    } else if (q) { /* a failed shrink keeps the old block (still correct) */
      t->early = q;
      t->cap_early = t->n_early;
    }
  }
  return 0;
}

size_t mwx_track_pre_ir(const mwx_tracker *tr, size_t index, const mwx_track_plot **plots) {
  if (!tr || !plots || index >= tr->n)
    return 0;
  *plots = tr->t[index].pre;
  return tr->t[index].n_pre;
}

static mwx_track_filter_cfg track_filt(const mwx_tracker *tr, const trk *t);

int mwx_track_state_at(const mwx_tracker *tr, size_t index, int64_t t_ns, mwx_track_est *out) {
  if (!tr || !out || index >= tr->n)
    return mwx_error_set(MWX_EINVAL, "track: state_at: no track %zu", index);
  mwx_track_imm imm = tr->t[index].imm;
  mwx_track_filter_cfg fc = track_filt(tr, &tr->t[index]);
  int rc = mwx_track_imm_predict(&fc, &imm, t_ns);
  if (rc)
    return rc;
  mwx_track_imm_combine(&imm, out);
  return 0;
}

/* ---- Scan processing ----------------------------------------------------- */

static int live(const trk *t) { return t->info.status != MWX_TRACK_DELETED; }

/* Coarse geometry of a plot: radar -> point; IR -> ray (origin, unit dir). */
typedef struct coarse {
  double org[3], dir[3];
  int is_ray;
  double sig_m; /* radar: the plot point's own 1-sigma bound (m), the larger of sigma_range and the
                   range times the larger angle sigma; a ray: 0 (its distance is across it) */
} coarse;

static int plot_coarse(const mwx_track_plot *p, struct coarse *c) {
  c->sig_m = 0;
  if (p->kind == MWX_TRACK_RADAR) {
    c->is_ray = 0;
    c->sig_m = fmax(p->sigma_range_m, p->range_m * fmax(p->sigma_az_deg, p->sigma_el_deg) * MWX_DEG2RAD);
    return mwx_track_plot_ecef(p, c->org, NULL);
  }
  c->is_ray = 1;
  memcpy(c->dir, p->los_ecef, sizeof c->dir);
  return mwx_geo_ecef_from_lla(&p->sensor_lla, c->org);
}

static double coarse_dist(const struct coarse *c, const double q[3]) {
  double d[3] = {q[0] - c->org[0], q[1] - c->org[1], q[2] - c->org[2]};
  if (!c->is_ray)
    return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  double along = d[0] * c->dir[0] + d[1] * c->dir[1] + d[2] * c->dir[2];
  if (along < 0)
    return INFINITY;
  double s = 0;
  for (int i = 0; i < 3; i++) {
    double e = d[i] - along * c->dir[i];
    s += e * e;
  }
  return sqrt(s);
}

static int grow_tracks(mwx_tracker *tr) {
  if (tr->n < tr->cap)
    return 0;
  size_t nc = tr->cap ? 2 * tr->cap : 16;
  if (tr->cfg.max_tracks && nc > tr->cfg.max_tracks)
    nc = tr->cfg.max_tracks; /* the caller checked n < max_tracks */
  trk *t = realloc(tr->t, nc * sizeof *t);
  if (!t)
    return mwx_error_set(MWX_ENOMEM, "track: out of memory");
  tr->t = t;
  tr->cap = nc;
  return 0;
}

static int add_pending(mwx_tracker *tr, const mwx_track_plot *p, const double pos[3]) {
  if (tr->np == MWX_TRACK_PENDING_MAX) { /* full: the oldest gives way */
    size_t old = 0;
    for (size_t k = 1; k < tr->np; k++)
      if (tr->pend[k].p.t_ns < tr->pend[old].p.t_ns)
        old = k;
    tr->pend[old] = tr->pend[--tr->np];
    tr->pend_dropped++;
  }
  if (tr->np == tr->pcap) {
    size_t nc = tr->pcap ? 2 * tr->pcap : 32;
    pending *q = realloc(tr->pend, nc * sizeof *q);
    if (!q)
      return mwx_error_set(MWX_ENOMEM, "track: out of memory");
    tr->pend = q;
    tr->pcap = nc;
  }
  tr->pend[tr->np].p = *p;
  memcpy(tr->pend[tr->np].pos, pos, 3 * sizeof(double));
  tr->np++;
  return 0;
}

static double height_of(const double pos[3]) {
  mwx_geo_lla l;
  if (mwx_geo_lla_from_ecef(pos, &l))
    return -INFINITY;
  return l.h_m;
}

/* Copies the IMM's combined and ballistic-model estimates into the info. */
static void publish(trk *t) {
  mwx_track_imm_combine(&t->imm, &t->info.est);
  t->info.ballistic = t->imm.m[MWX_TRACK_BALLISTIC];
}

static int add_early(trk *t, const mwx_track_plot *p) {
  if (t->early_released || t->n_early >= EARLY_MAX ||
      (t->n_early && (double)(p->t_ns - t->early[0].t_ns) * 1e-9 > EARLY_WINDOW_S))
    return 0;
  if (t->n_early == t->cap_early) {
    size_t nc = t->cap_early ? 2 * t->cap_early : 64;
    mwx_track_plot *q = realloc(t->early, nc * sizeof *q);
    if (!q)
      return mwx_error_set(MWX_ENOMEM, "track: out of memory");
    t->early = q;
    t->cap_early = nc;
  }
  t->early[t->n_early++] = *p;
  return 0;
}

/* Keeps an unassigned IR plot (the oldest goes when the ring is full). */
static int add_orphan(mwx_tracker *tr, const mwx_track_plot *p) {
  if (!tr->orphan) {
    tr->orphan = malloc(ORPHAN_MAX * sizeof *tr->orphan);
    if (!tr->orphan)
      return mwx_error_set(MWX_ENOMEM, "track: out of memory");
  }
  while (tr->n_orphan && (double)(p->t_ns - tr->orphan[tr->orphan_head].t_ns) * 1e-9 > ORPHAN_KEEP_S) {
    tr->orphan_head = (tr->orphan_head + 1) % ORPHAN_MAX;
    tr->n_orphan--;
  }
  if (tr->n_orphan == ORPHAN_MAX) {
    tr->orphan_head = (tr->orphan_head + 1) % ORPHAN_MAX;
    tr->n_orphan--;
  }
  tr->orphan[(tr->orphan_head + tr->n_orphan) % ORPHAN_MAX] = *p;
  tr->n_orphan++;
  return 0;
}

static int plot_coarse(const mwx_track_plot *p, struct coarse *c);
static double coarse_dist(const struct coarse *c, const double q[3]);

/* Copies the orphan IR plots of the PRE_WINDOW_S before the track's first
 * plot whose ray passes near its first plot's position. */
static int take_orphans(mwx_tracker *tr, trk *t) {
  t->pre_taken = 1;
  if (!t->n_early || !tr->n_orphan)
    return 0;
  double q[3];
  if (mwx_track_plot_ecef(&t->early[0], q, NULL))
    return 0;
  for (size_t i = 0; i < tr->n_orphan; i++) {
    const mwx_track_plot *p = &tr->orphan[(tr->orphan_head + i) % ORPHAN_MAX];
    double dt = (double)(t->early[0].t_ns - p->t_ns) * 1e-9;
    struct coarse c;
    if (dt > PRE_WINDOW_S || plot_coarse(p, &c) || coarse_dist(&c, q) > PRE_MAX_MISS_M)
      continue;
    mwx_track_plot *n2 = realloc(t->pre, (t->n_pre + 1) * sizeof *n2);
    if (!n2)
      return mwx_error_set(MWX_ENOMEM, "track: out of memory");
    t->pre = n2;
    t->pre[t->n_pre++] = *p;
  }
  return 0;
}

/* Starts a tentative track from pending plot k and plot p. */
static int start_track(mwx_tracker *tr, size_t k, const mwx_track_plot *p) {
  mwx_track_est e;
  int rc = mwx_track_two_point(&tr->pend[k].p, p, tr->cfg.init_accel_mps2, &e);
  if (rc)
    return rc;
  /* the RV's ln beta about the filter's nominal: its prior (the plots of
   * the re-entry estimate it) */
  int with_beta = tr->cfg.filt.beta_kgpm2 > 0 && tr->cfg.filt.lnbeta_sigma > 0;
  if (with_beta)
    e.P[7][7] = tr->cfg.filt.lnbeta_sigma * tr->cfg.filt.lnbeta_sigma;
  size_t slot;
  if (tr->n_free) { /* bounded table: a slot freed by an earlier call (its buffers already freed) */
    slot = tr->free_slot[--tr->n_free];
    tr->reused++;
  } else if (!tr->cfg.max_tracks || tr->n < tr->cfg.max_tracks) {
    if ((rc = grow_tracks(tr)))
      return rc;
    slot = tr->n++;
  } else { /* every slot holds a live track: not started, the plot dropped (refused) */
    tr->refused++;
    return 0;
  }
  trk *t = &tr->t[slot];
  memset(t, 0, sizeof *t);
  t->info.beta_ref_kgpm2 = with_beta ? tr->cfg.filt.beta_kgpm2 : 0.0;
  t->info.lnbeta_sigma0 = with_beta ? tr->cfg.filt.lnbeta_sigma : 0.0;
  double h = height_of(e.x);
  /* below 150 km a new object is more likely in powered flight */
  mwx_track_pitch_prior(&tr->cfg.filt, &e); /* the boost model's thrust angle */
  mwx_track_imm_init(&t->imm, &e, h < 150e3 ? 0.8 : 0.3);
  t->info.id = tr->next_id++;
  t->info.status = MWX_TRACK_TENTATIVE;
  t->info.t_first_ns = tr->pend[k].p.t_ns;
  t->info.t_last_ns = p->t_ns;
  t->info.hits = 2;
  t->attempts = 2;
  t->info.sensor_mask = (1ull << (tr->pend[k].p.sensor & 63)) | (1ull << (p->sensor & 63));
  t->info.p_ballistic = t->imm.mu[MWX_TRACK_BALLISTIC];
  publish(t);
  if ((rc = add_early(t, &tr->pend[k].p)) || (rc = add_early(t, p)))
    return rc;
  /* remove the pending plot */
  tr->pend[k] = tr->pend[--tr->np];
  return 0;
}

/* A radar plot whose cross-range error (range x angle sigma) exceeds this
 * does not start a track: a faint detection far away (the radar equation's
 * noise grows as the SNR falls).  Two such plots 1-30 s apart give a
 * two-point velocity loose by 0.5-14 km/s, and a track started from them
 * stayed over-confident for hundreds of seconds (2022-11-18, ALL, seed 1,
 * default laydown: 95% containment in mid-course 262 of 391 predictions with
 * this start allowed, 272 of 272 without).  The legacy laydown's plots are
 * all below 2.1 km (J/FPS-5 at 1,000 km, 0.1 deg: 1.7 km). */
#define INIT_MAX_CROSS_M 10e3
#define FIRST_STATE_HITS 6
#define FIRST_STATE_MAX_H_M 40e3
#define CHORD_NS (10 * 1000000000LL)

/* How well an estimate pins the launch point when extrapolated back to the
 * ground (assess: mwx_assess_launch_boost): position variance, plus the
 * velocity variance times the squared extrapolation time h / v_up, plus the
 * model error of the extrapolation (10% of the ground distance flown,
 * h v_h / v_up).  Not climbing or too high: infinity. */
static double launch_score(const mwx_track_est *e) {
  mwx_geo_lla l;
  if (mwx_geo_lla_from_ecef(e->x, &l) || l.h_m > FIRST_STATE_MAX_H_M)
    return INFINITY;
  double v_enu[3];
  mwx_geo_enu_vec_from_ecef(&l, e->x + 3, v_enu);
  if (!(v_enu[2] > 10.0))
    return INFINITY;
  double k = (l.h_m > 0 ? l.h_m : 0) / v_enu[2];
  double vh = sqrt(v_enu[0] * v_enu[0] + v_enu[1] * v_enu[1]);
  double pp = e->P[0][0] + e->P[1][1] + e->P[2][2], pv = e->P[3][3] + e->P[4][4] + e->P[5][5];
  return pp + k * k * pv + pow(0.1 * k * vh, 2);
}

static const struct bo_entry *bo_at(const trk *t, size_t i) { return &t->bo[(t->bo_head + i) % BO_RING]; }

/* Log-likelihood of the ring's plots after entry s under burnout at tb. */
static int bo_hypothesis(const mwx_track_config *cfg, const trk *t, size_t s, int64_t tb, mwx_track_est *out,
                         double *ll) {
  double lnbeta_var0 = t->info.lnbeta_sigma0 * t->info.lnbeta_sigma0;
  mwx_track_filter_cfg fc = cfg->filt; /* ln beta considered: the first seconds of free flight */
  fc.lnbeta_consider = 1;
  mwx_track_filter_cfg pc = cfg->filt; /* ... and the ballistic model's q of a track not yet burnt out
                                          (track_filt) */
  if (pc.q_ballistic_air_m2ps3 > pc.q_ballistic_m2ps3)
    pc.q_ballistic_m2ps3 = pc.q_ballistic_air_m2ps3;
  mwx_track_est e = bo_at(t, s)->boost;
  int burning = 1;
  *ll = 0;
  for (size_t j = s + 1; j < t->bo_n; j++) {
    const mwx_track_plot *p = &bo_at(t, j)->plot;
    int rc;
    if (burning && p->t_ns > tb) {
      if ((rc = mwx_track_predict(&pc, MWX_TRACK_BOOST, &e, tb)))
        return rc;
      burning = 0;
      /* the RV's beta at burnout: the track's prior, nothing the thrust said */
      if (e.P[7][7] > 0) {
        e.x[7] = 0;
        for (int i = 0; i < NX; i++)
          e.P[i][7] = e.P[7][i] = 0;
        e.P[7][7] = lnbeta_var0;
      }
    }
    if ((rc = mwx_track_predict(&pc, burning ? MWX_TRACK_BOOST : MWX_TRACK_BALLISTIC, &e, p->t_ns)))
      return rc;
    double l;
    if ((rc = mwx_track_update(&fc, &e, p, NULL, &l)))
      return rc;
    *ll += l;
  }
  if (burning)
    return MWX_ERANGE;
  *out = e;
  return 0;
}

static void burnout_smoother(const mwx_tracker *tr, trk *t) {
  if (t->bo_n < 3)
    return;
  size_t last = t->bo_n - 1;
  int64_t now = bo_at(t, last)->plot.t_ns, t_ir = INT64_MIN;
  size_t s = last;
  while (s > 0 && bo_at(t, s)->p_ballistic >= BO_POWERED_P &&
         (double)(now - bo_at(t, s - 1)->plot.t_ns) * 1e-9 <= BO_LOOKBACK_S)
    s--;
  /* ... and BO_DETECT_LAG_S before that: the IMM sees a burnout late */
  for (int64_t ts = bo_at(t, s)->plot.t_ns;
       s > 0 && (double)(ts - bo_at(t, s - 1)->plot.t_ns) * 1e-9 <= BO_DETECT_LAG_S &&
       (double)(now - bo_at(t, s - 1)->plot.t_ns) * 1e-9 <= BO_LOOKBACK_S;)
    s--;
  for (size_t j = s + 1; j <= last; j++)
    if (bo_at(t, j)->plot.kind == MWX_TRACK_IR)
      t_ir = bo_at(t, j)->plot.t_ns;
  int64_t t0 = bo_at(t, s)->plot.t_ns, step = (int64_t)(BO_STEP_S * 1e9);
  if (t_ir > t0)
    t0 = t_ir;
  /* every hypothesis on the grid, then their mixture: weights by
   * likelihood, mean and covariance by moment matching (the spread of the
   * hypotheses is the burnout time's uncertainty, which the largest
   * likelihood alone dropped: 2022-10-04, ALL, 23 seeds, the first
   * predictions after burnout held the truth inside their 95% ellipse in 19
   * of 23 runs, 6-D NEES ~10 for 6 expected) */
  enum { MAXH = (int)(BO_LOOKBACK_S / BO_STEP_S) + 8 };
  mwx_track_est *hyp = malloc(MAXH * sizeof *hyp);
  double ll[MAXH], best_ll = -INFINITY;
  int nh = 0;
  if (!hyp)
    return;
  for (int64_t tb = t0; tb < now && nh < MAXH; tb += step) {
    if (!bo_hypothesis(&tr->cfg, t, s, tb, &hyp[nh], &ll[nh])) {
      if (ll[nh] > best_ll)
        best_ll = ll[nh];
      nh++;
    }
  }
  mwx_error_clear();
  if (nh) {
    double w[MAXH], sw = 0;
    for (int h = 0; h < nh; h++)
      sw += w[h] = exp(ll[h] - best_ll);
    mwx_track_est m;
    memset(&m, 0, sizeof m);
    m.t_ns = hyp[0].t_ns;
    for (int h = 0; h < nh; h++)
      for (int i = 0; i < NX; i++)
        m.x[i] += w[h] / sw * hyp[h].x[i];
    for (int h = 0; h < nh; h++)
      for (int i = 0; i < NX; i++)
        for (int j = 0; j < NX; j++)
          m.P[i][j] += w[h] / sw * (hyp[h].P[i][j] + (hyp[h].x[i] - m.x[i]) * (hyp[h].x[j] - m.x[j]));
    t->imm.m[MWX_TRACK_BALLISTIC] = m;
    publish(t);
  }
  free(hyp);
}

static int bo_push(trk *t, const mwx_track_plot *p) {
  if (!t->bo) {
    t->bo = malloc(BO_RING * sizeof *t->bo);
    if (!t->bo)
      return mwx_error_set(MWX_ENOMEM, "track: out of memory");
  }
  if (t->bo_n == BO_RING) {
    t->bo_head = (t->bo_head + 1) % BO_RING;
    t->bo_n--;
  }
  struct bo_entry *b = &t->bo[(t->bo_head + t->bo_n) % BO_RING];
  b->plot = *p;
  b->boost = t->imm.m[MWX_TRACK_BOOST];
  b->p_ballistic = t->imm.mu[MWX_TRACK_BALLISTIC];
  t->bo_n++;
  return 0;
}

/* Burnout evidence of one update (mwx_track_info.t_powered_ns, t_quiet_ns,
 * quiet_plots): thrust seen (an IR plot: the plume; or the boost model
 * likelier with a forward thrust - a negative one is drag beyond what the
 * ballistic model's nominal beta gives), or one more radar update in the current run
 * without thrust.  A track picked up again after coasting starts a new run:
 * what it did while unseen is not evidence. */
static void note_burnout_evidence(trk *t, const mwx_track_plot *p, int was_coasting) {
  int thrust = p->kind == MWX_TRACK_IR ||
               (t->info.p_ballistic < BO_FROM_P && t->imm.m[MWX_TRACK_BOOST].x[6] > 0.0);
  if (thrust) {
    t->info.t_powered_ns = p->t_ns;
    t->info.t_quiet_ns = 0;
    t->info.quiet_plots = 0;
    return;
  }
  if (!t->info.t_quiet_ns || was_coasting) {
    t->info.t_quiet_ns = p->t_ns;
    t->info.quiet_plots = 0;
  }
  t->info.quiet_plots++;
}

/* ln beta is a consider parameter (not estimated) while the track is
 * powered: the ballistic model fits a burning missile by making its drag as
 * small as it can, which is thrust, not the RV (Schmidt-Kalman: the
 * covariance keeps ln beta's uncertainty and its correlation with the
 * state).  The burnout smoother's hypotheses consider it too (their plots
 * are the first seconds after burnout: 2022-10-14, ALL, 23 seeds, with ln
 * beta estimated there the first predictions after burnout held the truth
 * in 16 of 22, |z| of ln beta > 2 in 14 of them at a sigma of 1%; with it
 * considered, 18 of 22). */
static int lnbeta_consider(const trk *t) { return !t->info.t_quiet_ns && t->info.t_powered_ns != 0; }

/* Whether the boost model can still be: thrust (the track not yet burnt
 * out: a quiet run of BURNT_OUT_QUIET_S with MWX_ASSESS_QUIET_MIN_PLOTS radar
 * plots, six times the burnout rule's MWX_ASSESS_STAGING_COAST_S, so that a
 * stage lit after a coast of 30 s is still the same track:
 * tests/test_track.c test_reignition_after_coast) or drag the nominal model
 * misses (the track below MWX_TRACK_AIR_H_M, where the boost model's negative
 * thrust takes what the RV's drag differs from the ballistic model's).
 * Otherwise its IMM probability is nil without a floor
 * (MWX_TRACK_IMM_FLOOR_NONE): with the entry rate 0 nothing brings it back,
 * and a floor's mass, mixed into the ballistic model at every prediction
 * with the boost model's loose covariance (q_boost 100 m^2/s^3 then), held the
 * ballistic covariance in mid-course ~2 times too large in variance
 * (2022-11-18, ALL, seed 1, q_ballistic 0: a ballistic EKF alone on the
 * same plots, 6-D NEES 6.4 on average; through the IMM with the floor 1e-6,
 * 3.2; bench_track_mc diag, nees). */
#define BURNT_OUT_QUIET_S 60.0
static int burnout_seen(const mwx_track_info *in) {
  return in->t_quiet_ns && (double)(in->t_last_ns - in->t_quiet_ns) * 1e-9 >= BURNT_OUT_QUIET_S &&
         in->quiet_plots >= MWX_ASSESS_QUIET_MIN_PLOTS;
}
static int boost_possible(const trk *t) { return !t->burnt_out || height_of(t->info.est.x) < MWX_TRACK_AIR_H_M; }

/* Whether track t is in a quiet spell after thrust shorter than
 * MWX_ASSESS_STAGING_COAST_S: a coast between stages, for all its plots
 * say.  There the boost model's IMM probability keeps the floor
 * MWX_TRACK_IMM_FLOOR_STAGING (the prior that another stage lights), not
 * MWX_TRACK_IMM_FLOOR: from 1e-6 the next stage's first seconds needed a
 * likelihood ratio of 1e6 to bring it back, and the ballistic model took
 * them (2022-11-18, USA, +150-158 s after a 4-s coast at 15 m/s^2: velocity
 * NEES 19.6; BENCHMARKS.md, issue 12, acc13).  The track knows no class, so
 * any vehicle counts as one that may stage. */
#define MWX_TRACK_IMM_FLOOR_STAGING 1e-2
static int staging_coast(const trk *t) {
  return t->info.t_powered_ns && t->info.t_quiet_ns &&
         (double)(t->info.t_last_ns - t->info.t_quiet_ns) * 1e-9 < MWX_ASSESS_STAGING_COAST_S;
}

/* The filter configuration of track t: while its boost model can still be
 * (boost_possible), the ballistic model's white acceleration is at least
 * q_ballistic_air (the first minute after burnout: the burnout smoother's
 * mixture and an EKF linearised about an estimate still 1-10 m/s loose
 * understate the error; 2022-10-04, ALL, seed 12, the first consistent
 * picture at 159 s with it, 209 s without: tests/test_honest.c
 * test_burnout_mixture); once it cannot, the IMM has no floor. */
static mwx_track_filter_cfg track_filt(const mwx_tracker *tr, const trk *t) {
  mwx_track_filter_cfg fc = tr->cfg.filt;
  if (boost_possible(t)) {
    /* postburn_q_in_air_only: above the air the ballistic model flies the
     * truth's own forces (J2, no drag), so the minute after an
     * exo-atmospheric burnout gets no white acceleration; that minute's
     * 1e-4 m^2/s^3 over ~600 plots at 10 Hz kept the best-known velocity
     * directions ~1.7x loose for the rest of the flight (2022-11-18, 60 seeds,
     * mid-course 6-D NEES of the trackers 4.9-5.1 -> 5.3-5.4; BENCHMARKS.md,
     * issue 13, twenty-fifth session).  Below the air process_noise applies
     * q_ballistic_air itself. */
    if (fc.q_ballistic_air_m2ps3 > fc.q_ballistic_m2ps3 &&
        (!tr->cfg.postburn_q_in_air_only || height_of(t->info.est.x) < MWX_TRACK_AIR_H_M))
      fc.q_ballistic_m2ps3 = fc.q_ballistic_air_m2ps3;
    if (staging_coast(t) && fc.imm_floor < MWX_TRACK_IMM_FLOOR_STAGING)
      fc.imm_floor = MWX_TRACK_IMM_FLOOR_STAGING;
  } else {
    fc.imm_floor = MWX_TRACK_IMM_FLOOR_NONE;
  }
  /* Unpowered in the air: the sigma-point filter.  There the drag, ~1/beta =
   * exp(-ln beta)/beta0 with ln beta's prior sigma 0.35, is far from linear in
   * the state over its uncertainty, and the EKF's first-order update biased
   * the depressed SRBM's first predictions after burnout: 2022-10-14, KOR,
   * 23 seeds, ln beta 0.6 sigma low on average and the prediction 4.5 km
   * (1.0 sigma along the major axis) short, 20 of 23 truths beyond it, boost
   * end 82.6% (BENCHMARKS.md, issue 12, eleventh round).  Above
   * MWX_TRACK_AIR_H_M (free flight, linear over the state's metres) and under
   * thrust the EKF stays (cheaper; the UKF changed nothing there). */
  if (fc.kind == MWX_TRACK_EKF && t->info.t_quiet_ns && height_of(t->info.est.x) < MWX_TRACK_AIR_H_M)
    fc.kind = MWX_TRACK_UKF;
  return fc;
}

/* Forgets what the plots under thrust said of the RV's ln beta: the
 * ballistic model fits a burning missile by making its drag as small as it
 * can (beta up to the clamp), which is thrust, not the RV.  Both models back
 * to the track's prior, uncorrelated; the RV's drag is learnt from ballistic
 * flight only. */
static void reset_lnbeta(trk *t) {
  if (!(t->info.lnbeta_sigma0 > 0))
    return;
  for (int m = 0; m < 2; m++) {
    mwx_track_est *e = &t->imm.m[m];
    e->x[7] = 0;
    for (int i = 0; i < NX; i++)
      e->P[i][7] = e->P[7][i] = 0;
    e->P[7][7] = t->info.lnbeta_sigma0 * t->info.lnbeta_sigma0;
  }
}

static int after_update(mwx_tracker *tr, trk *t, const mwx_track_plot *p) {
  int64_t t_ns = p->t_ns;
  int sensor = p->sensor;
  if (t->info.status == MWX_TRACK_CONFIRMED && !t->info.coasting) {
    double prev = t->info.p_ballistic;
    int rc = bo_push(t, p);
    if (rc)
      return rc;
    if (prev < BO_FROM_P && t->imm.mu[MWX_TRACK_BALLISTIC] >= BO_TO_P)
      burnout_smoother(tr, t);
  }
  int was_coasting = t->info.coasting;
  t->info.hits++;
  t->info.misses = 0;
  t->info.coasting = 0;
  t->info.t_last_ns = t_ns;
  t->info.sensor_mask |= 1ull << (sensor & 63);
  t->info.p_ballistic = t->imm.mu[MWX_TRACK_BALLISTIC];
  note_burnout_evidence(t, p, was_coasting);
  if (t->info.t_powered_ns == t_ns)
    t->burnt_out = 0;
  else if (burnout_seen(&t->info))
    t->burnt_out = 1;
  if (t->info.t_powered_ns == t_ns)
    reset_lnbeta(t);
  publish(t);
  t->info.thrust_mps2 = t->info.est.x[6];
  t->info.thrust_sd_mps2 = sqrt(fmax(t->info.est.P[6][6], 0.0));
  if (t->info.status == MWX_TRACK_TENTATIVE) {
    t->attempts++;
    if (t->info.hits >= tr->cfg.confirm_m) {
      t->info.status = MWX_TRACK_CONFIRMED;
      t->info.t_confirm_ns = t_ns;
    }
  }
  /* the early estimate for the launch point: among the climbing estimates
   * below FIRST_STATE_MAX_H_M, the one whose extrapolation to the ground is
   * least uncertain (see launch_score) */
  if (t->info.hits >= FIRST_STATE_HITS && !t->info.coasting) {
    /* only powered-flight estimates extrapolate to the launch point */
    double sc = t->info.p_ballistic < 0.5 ? launch_score(&t->info.est) : INFINITY;
    if (!t->info.has_first || sc < t->first_score) {
      t->info.first = t->info.est;
      t->info.first_p_ballistic = t->info.p_ballistic;
      t->info.has_first = 1;
      t->info.has_chord = 0;
      t->first_score = sc;
    } else if (!t->info.has_chord && t->info.est.t_ns - t->info.first.t_ns >= CHORD_NS) {
      t->info.chord = t->info.est;
      t->info.has_chord = 1;
    }
  }
  if (t->info.status == MWX_TRACK_CONFIRMED && !t->pre_taken) {
    int rc = take_orphans(tr, t);
    if (rc)
      return rc;
  }
  return add_early(t, p);
}

static void start_coasting(trk *t) {
  /* the estimate at the last update (the ballistic model's if it was
   * ballistic, else the combined one) without thrust: a silent missile is
   * taken to have burnt out when it was last seen */
  mwx_track_est e;
  if (t->info.p_ballistic >= 0.5)
    e = t->imm.m[MWX_TRACK_BALLISTIC];
  else
    mwx_track_imm_combine(&t->imm, &e);
  if (t->info.p_ballistic < 0.5) {
    /* still burning when last seen: the burn may have gone on unseen; widen
     * the speed along the velocity by COAST_BURN_ALLOWANCE_S of the
     * estimated thrust */
    double sp = sqrt(e.x[3] * e.x[3] + e.x[4] * e.x[4] + e.x[5] * e.x[5]);
    double dv = fabs(e.x[6]) * COAST_BURN_ALLOWANCE_S;
    if (sp > 1.0)
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          e.P[3 + i][3 + j] += dv * dv * e.x[3 + i] * e.x[3 + j] / (sp * sp);
  }
  e.x[6] = 0;
  for (int i = 0; i < NX; i++)
    e.P[i][6] = e.P[6][i] = 0;
  e.P[6][6] = 100.0;
  /* a boost model that can no longer be (boost_possible) is not revived */
  mwx_track_imm_init(&t->imm, &e, !boost_possible(t) ? MWX_TRACK_IMM_FLOOR_NONE : 1e-4);
  t->info.coasting = 1;
  t->info.p_ballistic = t->imm.mu[MWX_TRACK_BALLISTIC];
  publish(t);
}

static int established(const trk *t) {
  return t->info.status == MWX_TRACK_CONFIRMED && t->info.hits >= COAST_MIN_HITS &&
         (double)(t->info.t_last_ns - t->info.t_first_ns) * 1e-9 >= COAST_MIN_AGE_S;
}

static void after_miss(mwx_tracker *tr, trk *t) {
  if (t->info.coasting)
    return;
  t->info.misses++;
  if (t->info.status == MWX_TRACK_TENTATIVE) {
    t->attempts++;
    if (t->attempts - t->info.hits > tr->cfg.confirm_n - tr->cfg.confirm_m)
      t->info.status = MWX_TRACK_DELETED;
  } else if (t->info.misses >= tr->cfg.delete_misses) {
    if (established(t))
      start_coasting(t);
    else
      t->info.status = MWX_TRACK_DELETED;
  }
}

/* Silence rules and the free-flight prediction of coasting tracks. */
static void housekeeping(mwx_tracker *tr, trk *t, int64_t t_ns) {
  double silent = (double)(t_ns - t->info.t_last_ns) * 1e-9;
  if (!t->info.coasting && established(t) && silent > COAST_AFTER_S)
    start_coasting(t);
  if (!t->info.coasting) {
    if (silent > tr->cfg.delete_silence_s)
      t->info.status = MWX_TRACK_DELETED;
    return;
  }
  if (silent > tr->cfg.max_coast_s) {
    t->info.status = MWX_TRACK_DELETED;
    return;
  }
  if (t_ns - t->imm.m[0].t_ns < COAST_STEP_NS)
    return;
  mwx_track_est e = t->imm.m[MWX_TRACK_BALLISTIC];
  mwx_track_filter_cfg fc = track_filt(tr, t);
  if (mwx_track_predict(&fc, MWX_TRACK_BALLISTIC, &e, t_ns) || height_of(e.x) < tr->cfg.min_height_m) {
    t->info.status = MWX_TRACK_DELETED; /* landed */
    return;
  }
  double mu_b = t->imm.mu[MWX_TRACK_BOOST];
  mwx_track_imm_init(&t->imm, &e, mu_b);
  publish(t);
}

/* Two confirmed tracks on one object: their estimates (brought to the same
 * time by linear extrapolation, at most 2 s apart) differ by less than the
 * 99% chi-square value of 6 dof (16.81) in the metric of the summed
 * covariances, and by less than DUP_MAX_DIST_M.  The track with fewer
 * updates is deleted. */
#define DUP_MAX_DIST_M 3000.0
#define DUP_CHI2_6DOF_99 16.81

#define CHI2_3DOF_99 11.34

static int coaster_matches(const mwx_track_est *live_e, const mwx_track_est *coast_e) {
  double dt = (double)(live_e->t_ns - coast_e->t_ns) * 1e-9;
  double d[3], S[9], Si[9], m2 = 0;
  for (int k = 0; k < 3; k++)
    d[k] = live_e->x[k] - (coast_e->x[k] + coast_e->x[3 + k] * dt);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      S[r * 3 + c] = live_e->P[r][c] + coast_e->P[r][c] + dt * dt * coast_e->P[3 + r][3 + c];
  if (la_inv_spd(S, Si, 3, NULL))
    return 0;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      m2 += d[r] * Si[r * 3 + c] * d[c];
  return m2 < CHI2_3DOF_99;
}

static void drop_duplicates(mwx_tracker *tr, size_t i) {
  trk *a = &tr->t[i];
  for (size_t j = 0; j < tr->n; j++) {
    trk *b = &tr->t[j];
    if (j == i || b->info.status != MWX_TRACK_CONFIRMED)
      continue;
    if (b->info.coasting) {
      /* a coasting track that a live track has caught up with: the live
       * track is the object; the coaster goes (position test, 3 dof 99%) */
      if (coaster_matches(&a->info.est, &b->info.est))
        b->info.status = MWX_TRACK_DELETED;
      continue;
    }
    double dt = (double)(a->info.est.t_ns - b->info.est.t_ns) * 1e-9;
    if (fabs(dt) > 2.0)
      continue;
    double d[6], dist = 0;
    for (int k = 0; k < 3; k++) {
      d[k] = a->info.est.x[k] - (b->info.est.x[k] + b->info.est.x[3 + k] * dt);
      d[3 + k] = a->info.est.x[3 + k] - b->info.est.x[3 + k];
      dist += d[k] * d[k];
    }
    if (sqrt(dist) > DUP_MAX_DIST_M)
      continue;
    double S[36], Si[36];
    for (int r = 0; r < 6; r++)
      for (int c = 0; c < 6; c++)
        S[r * 6 + c] = a->info.est.P[r][c] + b->info.est.P[r][c];
    if (la_inv_spd(S, Si, 6, NULL))
      continue;
    double m2 = 0;
    for (int r = 0; r < 6; r++)
      for (int c = 0; c < 6; c++)
        m2 += d[r] * Si[r * 6 + c] * d[c];
    if (m2 > DUP_CHI2_6DOF_99)
      continue;
    trk *loser = a->info.hits >= b->info.hits ? b : a;
    trk *winner = loser == a ? b : a;
    winner->info.sensor_mask |= loser->info.sensor_mask;
    loser->info.status = MWX_TRACK_DELETED;
    if (loser == a)
      return;
  }
}

/* Pre-gate of a (plot, estimate) pair before its Mahalanobis distance (the
 * scan's cost matrix is tracks x plots, and mahal2 was most of the tracker's
 * time in a 100-missile salvo: BENCHMARKS.md "rt, tenth session"): 1 when
 * the pair is certainly outside the gate, so mahal2 need not run.  With the
 * measurement linearised about the estimate, d2 = delta' (Ppos + Rc)^-1
 * delta for the Cartesian miss delta (radar: plot point - predicted
 * position; IR: the position's distance from the line of sight), and d2 >=
 * |delta|^2 / lambda_max(Ppos + Rc) >= |delta|^2 / (tr Ppos + lambda_max(Rc)),
 * lambda_max(Rc) <= max(sigma_r^2, (r sigma_az)^2, (r sigma_el)^2) for radar,
 * (r sigma_los)^2 for IR, at the larger of the two ranges.  A pair is skipped
 * only when that bound exceeds PREGATE_MARGIN (4: twice the distance) times
 * the gate, which covers the linearisation's error at any miss that could
 * gate; the tracker's output is unchanged (bench: mwx track on every
 * scenario byte-identical with and without the pre-gate). */
#define PREGATE_MARGIN 4.0

static int pregate_far(const coarse *c, const mwx_track_plot *p, const mwx_track_est *e, double gate) {
  double d[3] = {e->x[0] - c->org[0], e->x[1] - c->org[1], e->x[2] - c->org[2]};
  double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], miss2, lam;
  double trp = e->P[0][0] + e->P[1][1] + e->P[2][2];
  if (!(trp >= 0) || !isfinite(d2))
    return 0;
  if (!c->is_ray) {
    double r = p->range_m + sqrt(d2);
    double sa = p->sigma_az_deg * MWX_DEG2RAD, se = p->sigma_el_deg * MWX_DEG2RAD;
    lam = fmax(p->sigma_range_m * p->sigma_range_m, r * r * fmax(sa * sa, se * se));
    miss2 = d2;
  } else {
    double along = d[0] * c->dir[0] + d[1] * c->dir[1] + d[2] * c->dir[2];
    if (along <= 0)
      return 0; /* behind the sensor: mahal2 decides */
    miss2 = fmax(d2 - along * along, 0.0);
    lam = d2 * p->sigma_los_rad * p->sigma_los_rad;
  }
  return miss2 > PREGATE_MARGIN * gate * (trp + lam);
}

/* Squared Mahalanobis distance of a plot from an estimate (INFINITY when
 * it cannot be computed); *lnr (may be NULL): ln(det S / det R), how much
 * the estimate's uncertainty widens the plot's own (>= 0). */
static double mahal2(const mwx_track_filter_cfg *cfg, const mwx_track_est *e, const mwx_track_plot *p,
                     double *lnr) {
  double y[3], S[3][3], Sc[9], Si[9], lds = 0;
  int m;
  if (mwx_track_innovation(cfg, e, p, y, S, &m))
    return INFINITY;
  for (int u = 0; u < m; u++)
    for (int v = 0; v < m; v++)
      Sc[u * m + v] = S[u][v];
  if (la_inv_spd(Sc, Si, m, &lds))
    return INFINITY;
  if (lnr) {
    double ldr = p->kind == MWX_TRACK_RADAR
                     ? 2.0 * (log(p->sigma_range_m) + log(p->sigma_az_deg * MWX_DEG2RAD) +
                              log(p->sigma_el_deg * MWX_DEG2RAD))
                     : 4.0 * log(p->sigma_los_rad);
    *lnr = fmax(lds - ldr, 0.0);
  }
  double d2 = 0;
  for (int u = 0; u < m; u++)
    for (int v = 0; v < m; v++)
      d2 += y[u] * Si[u * m + v] * y[v];
  return d2;
}

/* The squared distance of plot p (coarse c) from estimate e, INFINITY
 * beyond gate by the coarse test (pregate_far); *lnr (may be NULL) as
 * mahal2's. */
static double gated_d2(const mwx_tracker *tr, const coarse *c, const mwx_track_plot *p, const mwx_track_est *e,
                       double gate, double *lnr) {
  return pregate_far(c, p, e, gate) ? INFINITY : mahal2(&tr->cfg.filt, e, p, lnr);
}

/* Whether leftover radar plot p (coarse c) is claimed by a candidate of
 * this scan (the no-start claim, CLAIM_PROB above). */
static int claimed(const mwx_tracker *tr, const size_t *cand, const mwx_track_imm *pred, const char *track_hit,
                   size_t nc, const coarse *c, const mwx_track_plot *p) {
  for (size_t a = 0; a < nc; a++) {
    const trk *t = &tr->t[cand[a]];
    if (track_hit[a] || t->info.status != MWX_TRACK_CONFIRMED || t->info.coasting)
      continue;
    mwx_track_est comb;
    mwx_track_imm_combine(&pred[a], &comb);
    const mwx_track_est *e[3] = {&comb, &pred[a].m[MWX_TRACK_BALLISTIC], &pred[a].m[MWX_TRACK_BOOST]};
    int ne = boost_possible(t) ? 3 : 2; /* the boost model while it can be */
    for (int k = 0; k < ne; k++)
      if (gated_d2(tr, c, p, e[k], tr->claim3, NULL) <= tr->claim3)
        return 1;
  }
  return 0;
}

static int process_scan(mwx_tracker *tr, const mwx_track_plot *pl, size_t np) {
  int64_t t_ns = pl[0].t_ns;
  int sensor = pl[0].sensor;
  int rc = 0;
  char *plot_used = NULL, *track_hit = NULL;
  coarse *cg = malloc(np * sizeof *cg);
  size_t *cand = malloc((tr->n + 1) * sizeof *cand);
  mwx_track_imm *pred = malloc((tr->n + 1) * sizeof *pred);
  if (!cg || !cand || !pred) {
    rc = mwx_error_set(MWX_ENOMEM, "track: out of memory");
    goto out;
  }
  for (size_t j = 0; j < np; j++)
    if ((rc = plot_coarse(&pl[j], &cg[j])))
      goto out;
  /* silence, coasting, coarse selection and full prediction */
  size_t nc = 0;
  for (size_t i = 0; i < tr->n; i++) {
    trk *t = &tr->t[i];
    if (live(t))
      housekeeping(tr, t, t_ns);
    if (!live(t))
      continue;
    const mwx_track_est *e = &t->info.est;
    double dt = (double)(t_ns - e->t_ns) * 1e-9, q[3];
    double sig = sqrt(e->P[0][0] + e->P[1][1] + e->P[2][2] + dt * dt * (e->P[3][3] + e->P[4][4] + e->P[5][5]));
    double radius = 6.0 * sig + 20e3 + 0.5 * 100.0 * dt * dt;
    for (int k = 0; k < 3; k++)
      q[k] = e->x[k] + e->x[3 + k] * dt;
    /* the plot's own error widens the radius: a far radar's faint plot
     * (J/FPS-5 at 5,000 km, sigma_az 0.32 deg after the SNR scaling: 28 km
     * across) lies tens of km from the track it gates on, and without its
     * sigma here the scan dropped it before the gate saw it (2022-11-18,
     * ALL, seed 3: 55% of missile 0's radar plots of 1,000-3,400 s never
     * reached the gate; BENCHMARKS.md, issue 12, twenty-second session) */
    int near = 0;
    for (size_t j = 0; j < np && !near; j++)
      near = coarse_dist(&cg[j], q) < radius + 6.0 * cg[j].sig_m;
    if (!near || (t->info.coasting && sig > COAST_MAX_ASSOC_SIGMA_M)) {
      if (t->info.sensor_mask & (1ull << (sensor & 63)))
        after_miss(tr, t);
      continue;
    }
    pred[nc] = t->imm;
    mwx_track_filter_cfg fc = track_filt(tr, t);
    if (mwx_track_imm_predict(&fc, &pred[nc], t_ns)) {
      t->info.status = MWX_TRACK_DELETED; /* fell below ground or diverged */
      continue;
    }
    cand[nc++] = i;
  }
  /* cost matrix */
  size_t n = nc + np;
  double *cost = malloc(n * n * sizeof *cost);
  int *row_of_col = malloc(n * sizeof *row_of_col);
  if (!cost || !row_of_col) {
    free(cost), free(row_of_col);
    rc = mwx_error_set(MWX_ENOMEM, "track: out of memory");
    goto out;
  }
  double gate = pl[0].kind == MWX_TRACK_RADAR ? tr->gate3 : tr->gate2;
  for (size_t r = 0; r < n; r++)
    for (size_t c = 0; c < n; c++)
      cost[r * n + c] = r >= nc && c >= np ? 0.0 : BIG_COST;
  for (size_t a = 0; a < nc; a++) {
    mwx_track_est comb;
    mwx_track_imm_combine(&pred[a], &comb);
    cost[a * n + np + a] = NO_ASSIGN_COST;
    for (size_t j = 0; j < np; j++) {
      if (pl[j].kind == MWX_TRACK_IR && !(tr->t[cand[a]].info.status == MWX_TRACK_CONFIRMED))
        continue; /* bearing-only plots only update confirmed tracks */
      double lnr = 0;
      double d2 = gated_d2(tr, &cg[j], &pl[j], &comb, gate, &lnr);
      /* a confirmed track also gates on the model the combined estimate
       * under-weights (mu < 0.5), the smaller distance counting:
       * - the ballistic model: an engine that stops (or a missile that was
       *   never burning) is where the ballistic model says, not where the
       *   combined estimate, dominated by the boost model, says;
       * - the boost model, while not burnt out: a stage lit after a coast
       *   is where the boost model says (with the thrust angle in the boost
       *   state and the ballistic model's gate alone, the ICBM of
       *   tests/test_track.c test_reignition_after_coast lost its track 7 s
       *   after the second stage lit and a second one was confirmed) */
      const trk *ta = &tr->t[cand[a]];
      static const int models[] = {MWX_TRACK_BALLISTIC, MWX_TRACK_BOOST};
      for (size_t k = 0; k < 2 && ta->info.status == MWX_TRACK_CONFIRMED; k++) {
        int model = models[k];
        if (pred[a].mu[model] >= 0.5 || (model == MWX_TRACK_BOOST && ta->burnt_out))
          continue;
        double lnro = 0, d2o = gated_d2(tr, &cg[j], &pl[j], &pred[a].m[model], gate, &lnro);
        if (d2o < d2) {
          d2 = d2o;
          lnr = lnro;
        }
      }
      /* the cost of a gated pair is its negative log-likelihood (d2 +
       * ln det S, relative to the plot's own ln det R), not d2 alone: by d2
       * a loose track (a new one on the same missile) wins every plot in
       * the tail of a precise track's innovation, the precise track is fed
       * only the plots on its side, the two push each other apart and both
       * end inconsistent (2017-11-29, ALL, seed 5: a track born at 2,435 s
       * from two plots outside the established track's gate took its
       * plots and both held a 6-D NEES of 50-350 for the rest of the
       * flight; the established one alone stays at 1-5) */
      if (d2 < gate)
        cost[a * n + j] = d2 + lnr;
    }
  }
  for (size_t j = 0; j < np; j++)
    cost[(nc + j) * n + j] = NO_ASSIGN_COST;
  if (n && (rc = mwx_track_assign(cost, (int)n, row_of_col))) /* assign.c */ {
    free(cost), free(row_of_col);
    goto out;
  }
  plot_used = calloc(np ? np : 1, 1);
  track_hit = calloc(nc ? nc : 1, 1);
  if (!plot_used || !track_hit) {
    free(cost), free(row_of_col);
    rc = mwx_error_set(MWX_ENOMEM, "track: out of memory");
    goto out;
  }
  for (size_t j = 0; j < np; j++) {
    size_t r = (size_t)row_of_col[j];
    if (r < nc && cost[r * n + j] < BIG_COST) {
      trk *t = &tr->t[cand[r]];
      mwx_track_imm up = pred[r];
      mwx_track_filter_cfg fc = track_filt(tr, t);
      fc.lnbeta_consider = lnbeta_consider(t);
      if (!boost_possible(t)) { /* the boost model cannot be: probability nil, no floor */
        up.mu[MWX_TRACK_BOOST] = MWX_TRACK_IMM_FLOOR_NONE;
        up.mu[MWX_TRACK_BALLISTIC] = 1.0 - MWX_TRACK_IMM_FLOOR_NONE;
      }
      if (mwx_track_imm_update(&fc, &up, &pl[j], NULL))
        continue;
      t->imm = up;
      plot_used[j] = 1;
      track_hit[r] = 1;
      if ((rc = after_update(tr, t, &pl[j])))
        break;
    }
  }
  for (size_t a = 0; a < nc; a++)
    if (!track_hit[a]) {
      trk *t = &tr->t[cand[a]];
      if (t->info.sensor_mask & (1ull << (sensor & 63)))
        after_miss(tr, t);
    }
  /* duplicates: a confirmed track updated in this scan that is statistically
   * the same object as another confirmed track is merged into the older */
  for (size_t a = 0; a < nc; a++)
    if (track_hit[a] && tr->t[cand[a]].info.status == MWX_TRACK_CONFIRMED)
      drop_duplicates(tr, cand[a]);
  free(cost), free(row_of_col);
  for (size_t j = 0; j < np && !rc; j++)
    if (!plot_used[j] && pl[j].kind == MWX_TRACK_IR)
      rc = add_orphan(tr, &pl[j]);
  if (rc)
    goto out;
  /* forget old pending plots */
  for (size_t k = 0; k < tr->np;)
    if ((double)(t_ns - tr->pend[k].p.t_ns) * 1e-9 > tr->cfg.init_max_dt_s)
      tr->pend[k] = tr->pend[--tr->np];
    else
      k++;
  /* initiation from leftover radar plots */
  for (size_t j = 0; j < np && !rc; j++) {
    if (plot_used[j] || pl[j].kind != MWX_TRACK_RADAR)
      continue;
    double h = height_of(cg[j].org);
    if (h < tr->cfg.min_height_m || h > 10000e3)
      continue; /* false plot: underground or beyond any missile */
    /* a plot whose cross-range error exceeds INIT_MAX_CROSS_M (a faint, far
     * detection) does not start a track: two of them give a velocity too
     * loose for the linearised filter to stay consistent; a track already
     * held still takes it */
    if (pl[j].range_m * fmax(pl[j].sigma_az_deg * cos(pl[j].el_deg * MWX_DEG2RAD), pl[j].sigma_el_deg) *
            MWX_DEG2RAD > INIT_MAX_CROSS_M)
      continue;
    if (claimed(tr, cand, pred, track_hit, nc, &cg[j], &pl[j]))
      continue; /* that track's missile: the no-start claim */
    size_t best = (size_t)-1;
    double best_d = INFINITY;
    for (size_t k = 0; k < tr->np; k++) {
      const pending *q = &tr->pend[k];
      double dt = (double)(t_ns - q->p.t_ns) * 1e-9;
      if (dt < 0.5)
        continue;
      double d = 0;
      for (int i = 0; i < 3; i++)
        d += (cg[j].org[i] - q->pos[i]) * (cg[j].org[i] - q->pos[i]);
      d = sqrt(d);
      if (d / dt > tr->cfg.init_max_speed_mps)
        continue;
      /* prefer the same sensor's previous scan, then the nearest */
      double score = d + (q->p.sensor == pl[j].sensor ? 0.0 : 1e6);
      if (score < best_d) {
        best_d = score;
        best = k;
      }
    }
    if (best != (size_t)-1)
      rc = start_track(tr, best, &pl[j]);
    else
      rc = add_pending(tr, &pl[j], cg[j].org);
  }
out:
  free(plot_used);
  free(track_hit);
  free(cg);
  free(cand);
  free(pred);
  return rc;
}

/* The end of a mwx_track_process: the live tracks counted; with a bounded
 * table the tracks deleted in this call freed (buffers) and their slots put
 * on the free list (the info stays, status DELETED, until a new track takes
 * the slot in a later call). */
static int sweep(mwx_tracker *tr) {
  if (tr->cfg.max_tracks && !tr->free_slot) {
    tr->free_slot = malloc(tr->cfg.max_tracks * sizeof *tr->free_slot);
    if (!tr->free_slot)
      return mwx_error_set(MWX_ENOMEM, "track: out of memory");
  }
  size_t live_n = 0;
  for (size_t i = 0; i < tr->n; i++) {
    trk *t = &tr->t[i];
    if (live(t)) {
      live_n++;
      continue;
    }
    if (!tr->cfg.max_tracks || t->freed)
      continue;
    free(t->early);
    free(t->pre);
    free(t->bo);
    t->early = t->pre = NULL;
    t->bo = NULL;
    t->n_early = t->cap_early = t->n_pre = t->bo_n = t->bo_head = 0;
    t->freed = 1;
    tr->free_slot[tr->n_free++] = i; /* n_free < max_tracks: each slot once */
  }
  tr->live = live_n;
  if (live_n > tr->live_max)
    tr->live_max = live_n;
  return 0;
}

int mwx_track_process(mwx_tracker *tr, const mwx_track_plot *plots, size_t n) {
  if (!tr || (n && !plots))
    return mwx_error_set(MWX_EINVAL, "track: process: NULL argument");
  int64_t prev = tr->started ? tr->last_t_ns : INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    const mwx_track_plot *p = &plots[i];
    if (p->t_ns < prev)
      return mwx_error_set(MWX_EINVAL, "track: plot %zu is earlier than the one before", i);
    prev = p->t_ns;
    int rc = mwx_track_plot_check(p);
    if (rc)
      return rc;
    if (p->sensor > 63)
      return mwx_error_set(MWX_EINVAL, "track: plot %zu: sensor number %d > 63", i, p->sensor);
  }
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && plots[j].t_ns == plots[i].t_ns && plots[j].sensor == plots[i].sensor)
      j++;
    int rc = process_scan(tr, plots + i, j - i);
    if (rc)
      return rc;
    tr->last_t_ns = plots[i].t_ns;
    tr->started = 1;
    i = j;
  }
  return sweep(tr);
}
