/*
 * fuse_int.h - what the files of src/fuse/ share (private: the public
 * contract is include/mwx/fuse.h, the reasons docs/fusion.md).
 *
 *   fuse_rules.c    CI, ICI, the distance, the global number; 6x6 algebra
 *   fuse_sample.c   the sample check, a Track sample or an own track as input
 *   fuse_name.c     key order, names and numbers, names after an ingest
 *   fuse_predict.c  a source's latest sample propagated; the thrust estimate
 *   fuse_state.c    the fuser object, its tables and indices; the fused state
 *   fuse_assoc.c    mwx_fuse_ingest: replace, decorrelate, associate, merge,
 *                   forget
 *
 * The fuser holds source tracks (the latest sample of each originator's
 * local track, and the time of its first) and fused tracks (a set of source
 * tracks: src.fused is the index of the fused track a source belongs to).
 * A fused track has no estimate of its own: its state at any time is
 * recomputed from its members' latest samples (fuse_state_at), so nothing a
 * source said earlier is ever counted again once it has said something
 * newer; this is what keeps the information sum free of double counting
 * between successive outputs of one source filter.
 *
 * Determinism: everything that decides membership or a name is computed
 * from members in key order (first sample time, originator, local id), and
 * a batch is sorted before it is used, so that two nodes given the same
 * samples reach the same fused tracks and the same numbers.
 */
#ifndef MWX_FUSE_INT_H
#define MWX_FUSE_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "mwx/fuse.h"

#define NS 1000000000LL
#define BIG_COST 1e12

/* Propagations a source keeps (fuse_predict_sample): a merge pass asks for
 * a member at the newest sample time of each fused track it is paired with,
 * a handful of times in a pass. */
#define PC_N 4

typedef struct src {
  mwx_fuse_sample last; /* latest sample */
  double thrust_mps2;   /* estimated thrust acceleration (boost samples) ... */
  double thrust_angle_rad; /* ... at this angle above the velocity in its vertical plane (0: along it) */
  double thrust_u_mps2, thrust_n_mps2; /* the smoothed thrust vector on the velocity's frame, along and up */
  double thrust_du_mps3; /* ... and the along component's trend (cfg.thrust_vector) */
  int has_thrust;
  int64_t t_first_ns;   /* time of its first sample: the key */
  int n_samples;        /* samples taken */
  int waited;           /* it waited in the pending table (fuse_assoc.c: the pending join) */
  int repend;           /* it waits after leaving a fused track (a displaced member's split) */
  int64_t pend_t0_ns;   /* the wait's start: its first sample, or the split */
  int fused;            /* index into fz->f */
  int prev;             /* during an ingest call: the fused track before it (-2: new in the call) */
  int strikes;          /* consecutive samples outside the split gate */
  int64_t t_strike_ns;  /* time of the first of them */
  double held_s;        /* how long its tests have been inside the split gate in its fused track (the
                           sum of the gaps, each at most fresh_s, between its consecutive samples
                           that tested inside); from cfg.split_held_s on it is held (gate_held);
                           0 when it starts a fused track (new, split_off), kept through merges */
  int displaced;        /* a newer track of its originator took its place in its fused track
                           (the displacement rule, fuse_assoc.c): a member, never used */
  int64_t boost_t_ns;   /* time of its last boost sample, 0 if none (fuse_src_take) */
  int64_t ff_t_ns;      /* first sample of its current run of free-flight samples, 0 while in boost */
  int burnt_out;        /* its free-flight run has lasted FUSE_BURNT_OUT_S (sticky, as the tracker's) */
  /* tracklets (tracklet.c, cfg.tracklet): the sample whose information its fused track's tracklet
   * state holds last (tk_ref, with the thrust estimate of then), whether its information is in that
   * state (tk_in: a contributor), and whether its latest sample was not decorrelated (tk_ci: its
   * previous sample too old; the picture combines it by CI) */
  int tk_has, tk_in, tk_ci;
  int tk_has_thrust;
  double tk_thrust_mps2;
  mwx_fuse_sample tk_ref;
  /* prediction cache (fuse_predict_sample): the last PC_N propagations of
   * `last` (pc_n of them kept, pc_next the one replaced next); emptied
   * whenever `last` or the thrust estimate changes */
  int pc_n, pc_next;
  struct {
    int64_t t_ns;
    double q;
    double x[6], P[6][6];
  } pc[PC_N];
} src;

/* A fused track's name: a source track's key and a generation (0: the
 * source's own name; g > 0: the g-th fused track a split named after the
 * same source, so that two fused tracks never share a number). */
typedef struct fname {
  int64_t t_first_ns;
  char orig[MWX_NATION_LEN];
  char id[MWX_ID_LEN];
  int gen;
} fname;

typedef struct ftrk {
  int alive;  /* set at creation; a fused track ends when it has no member (compacted away) */
  int dirty;  /* its members or one of their samples changed since the last merge pass */
  fname name; /* kept from creation; a join or a merge takes the smaller, a split keeps it with
                 the side that holds more fresh members (name_after_split) */
  int origin; /* the fused track it split off from (index, kept through merges and compaction;
                 -1: none), for the merge back (fuse_assoc.c, cfg.merge_back) */
  int back;   /* consecutive merge tests inside the split gate with its origin */
  /* the tracklet state (tracklet.c, cfg.tracklet): the fused estimate kept and updated with each
   * own-sensor member's new information; tk_sig the members it was made for (a change resets it) */
  int tk_on, tk_powered; /* tk_powered: reset while powered (tracklet.c tk_powered): the memoryless state */
  uint64_t tk_sig;
  int64_t tk_t_ns;
  double tk_x[6], tk_P[6][6];
  int tk_boost, tk_has_thrust, tk_burnt_out;
  double tk_thrust_mps2;
} ftrk;

/* A fused state memo entry (fuse_state_at, between fuse_memo_begin and
 * fuse_memo_end): the state at t_ns in a mode of a candidate member list
 * (key[off .. off+n) of the memo's key pool). */
typedef struct memo_ent {
  int64_t t_ns;
  uint64_t hash;
  int mode;
  size_t n, off;
  double x[6], P[6][6];
} memo_ent;

struct mwx_fuser {
  mwx_fuse_config cfg;
  double gate_assoc, gate_split, gate_held;
  src *s;
  size_t ns, caps;
  ftrk *f;
  size_t nf, capf;
  /* member index (fuse_members): ix_mem[ix_off[f] .. ix_off[f+1]) are the
   * members of fused track f in key order; rebuilt when ix_valid is 0 (any
   * change of a source's fused track or of the source table) */
  int ix_valid;
  size_t *ix_mem, *ix_off;
  size_t cap_ix_mem, cap_ix_off;
  /* source lookup (fuse_find_src): open addressing on (originator, local
   * id), h_cap a power of two, entries source index + 1 (0: empty);
   * rebuilt when h_valid is 0 */
  int h_valid;
  size_t *h;
  size_t h_cap;
  /* fused state memo (fuse_memo_begin): entries me[0..n_me), their member
   * lists in mk, open addressing on the key in mh (entry index + 1) */
  int memo_on;
  memo_ent *me;
  size_t n_me, cap_me;
  size_t *mk;
  size_t n_mk, cap_mk;
  size_t *mh;
  size_t mh_cap;
  /* the pending join (fuse_assoc.c, docs/fusion.md "The pending join"):
   * new source tracks whose association is not yet clear, pend[0..npend),
   * at most FUSE_PENDING_MAX; held in no fused track (no number) */
  src *pend;
  size_t npend;
  uint64_t pend_waited;   /* new tracks that waited at least once */
  uint64_t pend_overflow; /* new tracks decided at once because the table was full */
  uint64_t pend_dropped;  /* waiting tracks dropped after fresh_s of silence */
  uint64_t pend_why[4];   /* wait decisions by reason: ambiguous, marginal, beside, a displaced duplicate */
  uint64_t pend_timeout;  /* tracks that waited and were decided by the bound (pending_s), still unclear */
  mwx_fuse_tracklet_counts tk; /* tracklet.c */
};

/* The pending table's bound: new tracks waiting at once.  A wait lasts at
 * most cfg.pending_s, and a nation's trackers start a few tracks a second
 * at most (a 100-missile salvo: about 300 tracks over 20 s, some 45 new in
 * any 3 s); beyond it a new track is decided at once, as without the rule
 * (pend_overflow counts them). */
#define FUSE_PENDING_MAX 64


/* What fused_state is for: the picture (every usable member), the
 * decorrelation test (fresh members only), or a gate (members not fresh are
 * propagated with at least q_gate_m2ps3: a long free-flight prediction
 * carries model error - drag, an unseen end of burn - that the source's
 * covariance does not). */
enum { FS_STATE = 0, FS_SPLIT = 1, FS_GATE = 2 };

static inline int fuse_fresh_at(const mwx_fuser *fz, const src *s, int64_t t_ns) {
  return fabs((double)(t_ns - s->last.t_ns) * 1e-9) <= fz->cfg.fresh_s;
}

/* fuse_rules.c: Cholesky inverse of SPD A, log-determinant (may be NULL);
 * -1 if A is not SPD.  y = A x. */
int fuse_inv6(const double A[6][6], double B[6][6], double *logdet);
void fuse_mat_vec(const double A[6][6], const double x[6], double y[6]);

/* fuse_name.c */
uint32_t fuse_name_number(const fname *n);
int fuse_key_cmp(const src *a, const src *b);
int fuse_name_cmp(const fname *a, const fname *b);
fname fuse_src_name(const mwx_fuser *fz, const src *s);
int fuse_src_is_name(const src *s, const fname *n);
void fuse_sort_by_key(const mwx_fuser *fz, size_t *idx, size_t n);
int fuse_resolve_names(mwx_fuser *fz, const fname *old, size_t n_old);

/* fuse_predict.c */
int fuse_predict_sample(const mwx_fuser *fz, const src *sr, int64_t t_ns, double q_min, double x[6], double P[6][6]);
void fuse_estimate_thrust(src *sr, const mwx_fuse_sample *prev, const mwx_fuse_sample *now, double tau_s,
                          int thrust_vector);

/* fuse_state.c */
/* the index and the lookup are stale: call after any change of s[].fused, of
 * the source table (compaction) or of the fused table */
static inline void fuse_index_stale(mwx_fuser *fz) { fz->ix_valid = 0; }
static inline void fuse_lookup_stale(mwx_fuser *fz) { fz->h_valid = 0; }
/* a source's latest sample changed (its cached prediction goes) */
static inline void fuse_src_changed(src *s) { s->pc_n = s->pc_next = 0; }

/* A source whose samples have said free flight for this long is burnt out
 * (sticky): the tracker's own rule, a quiet run of 60 s (src/track/tracker.c
 * BURNT_OUT_QUIET_S), after which its ballistic model flies with q 0 above
 * MWX_TRACK_AIR_H_M (track.h, q_ballistic_m2ps3) - so a silent member's
 * prediction (fuse_predict_sample) is then its tracker's own coasting. */
#define FUSE_BURNT_OUT_S 60.0

/* sm becomes s's latest sample (its boost time kept: fuse_burnout_unearned;
 * the free-flight run and burnt_out: fuse_predict_sample). */
static inline void fuse_src_take(src *s, const mwx_fuse_sample *sm) {
  s->last = *sm;
  if (sm->phase == MWX_MSG_BOOST) {
    s->boost_t_ns = sm->t_ns;
    s->ff_t_ns = 0;
    return;
  }
  if (!s->ff_t_ns)
    s->ff_t_ns = sm->t_ns;
  if ((double)(sm->t_ns - s->ff_t_ns) * 1e-9 >= FUSE_BURNT_OUT_S)
    s->burnt_out = 1;
}
/* Members of fused track fi in key order (at most cap; returns the count),
 * from the member index (rebuilt when stale; a scan if that fails). */
size_t fuse_members(const mwx_fuser *fz, size_t fi, size_t *out, size_t cap);
long fuse_find_src(const mwx_fuser *fz, const char *orig, const char *id);
/* The split gate of source s: gate_held once it is held (held_s >= split_held_s), else gate_split. */
double fuse_split_gate(const mwx_fuser *fz, const src *s);
int fuse_new_fused(mwx_fuser *fz, const fname *name);
void fuse_lookup_add(mwx_fuser *fz, size_t i);
int fuse_state_at(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, int mode, double x[6],
                  double P[6][6], mwx_fuse_track *out);
/* The same with a second member left out (exclude2, (size_t)-1: none): the
 * split test's odd one out (fuse_assoc.c). */
int fuse_state_at2(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, size_t exclude2, int mode,
                   double x[6], double P[6][6], mwx_fuse_track *out);
/* The fused state memo.  Between begin and end, fuse_state_at (x, P only:
 * out NULL) keeps each state it computes, keyed by (t, mode, the members it
 * may use - not excluded, not displaced - in key order), and gives it back
 * when asked again: the state depends on nothing else but the sources'
 * latest samples and thrust estimates, so begin only where those, and the
 * source table's order, stay unchanged until end (fuse_assoc.c: the
 * assignment of new tracks, the merge pass).  What it gives back is the
 * computation's result to the bit. */
void fuse_memo_begin(mwx_fuser *fz);
void fuse_memo_end(mwx_fuser *fz);

/* The propagation of fuse_predict_sample without its cache, with the boost
 * model's q and the thrust's sigma given (tracklet.c). */
int fuse_predict_raw(const mwx_fuse_config *cfg, const src *sr, int64_t t_ns, double q_boost, double thrust_sigma,
                     double x[6], double P[6][6]);

/* tracklet.c: after an ingest, every fused track's tracklet state takes its own-sensor members' new
 * information (or is reset to the memoryless state); the picture's state from it (out from
 * fuse_state_at, FS_STATE: x, P, method, contributors replaced where the tracklet state applies). */
int fuse_tracklet_update(mwx_fuser *fz);
int fuse_tracklet_get(const mwx_fuser *fz, size_t fi, int64_t t_ns, mwx_fuse_track *out);
/* The tracklet (dI, di) of sample (xs, Ps) over its reference (xr, Pr) propagated to the same time,
 * its negative whitened eigenvalues above -0.05 set to 0: 0; 1 if one is below (not positive
 * semi-definite); -1 if an input is not SPD.  di is about x0 (NULL: the origin).  *mu_min (may be NULL): the smallest whitened eigenvalue. */
int fuse_tracklet_of(const double xs[6], const double Ps[6][6], const double xr[6], const double Pr[6][6],
                     const double x0[6], double dI[6][6], double di[6], double *mu_min);

/* fuse_assoc.c */
void fuse_sample_vec(const mwx_fuse_sample *s, double x[6]);

/* Inserts nation nat into the sorted list of *n nations (at most
 * MWX_MAX_NATIONS; a nation already there or a full list changes nothing).
 * fuse_state.c; used by the fused tracks' contributors there and in
 * tracklet.c. */
void fuse_add_nation(uint8_t *n, char list[][MWX_NATION_LEN], const char *nat);

#endif /* MWX_FUSE_INT_H */
