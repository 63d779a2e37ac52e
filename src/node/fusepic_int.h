/*
 * fusepic_int.h - what the fused picture's two files share.  Not API, not
 * for the rest of the node (node_int.h "fusepic.c" is its interface).
 *   fusework.c  the fusion pass (ingest, then the picture) and the fusion
 *               worker that runs it off the loop (thread, state word, time
 *               budget): everything that touches the fuser while the node
 *               runs.
 *   fusepic.c   the loop's side: the job filled and taken back, the loop's
 *               picture and what is read from it, the launch candidates and
 *               the latest predictions, the fused predictions.
 * Ownership of a job and of the two pictures: fusepic.c "Threads and
 * ownership".
 */
#ifndef MWX_NODE_FUSEPIC_INT_H
#define MWX_NODE_FUSEPIC_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "node_int.h"

#define FUSE_NS 1000000000ll
#define FUSE_MAX_TRACKS 2048 /* fused tracks (missiles and their duplicates): 20x the 100-missile salvo */
/* ok of a picture entry: the entry is */
#define PIC_NONE 0   /* not in it (no member) */
#define PIC_LIVE 1   /* at the picture's time */
#define PIC_FALLEN 2 /* below ground at the picture's time: its last state (mwx_fuse_get_last), kept
                        with its last prediction and alert until the fuser forgets it */
/* worker: the burst of its time budget.  Passes may run back to back while
   the budget lasts (a sample waiting is fused at once after a short pass);
   over any stretch of T the worker runs at most T/2 + FUSE_BURST_NS, half
   a core as with the former rest-after-each-pass rule, which made every
   sample arriving during a pass wait for that pass, a rest as long, and
   the next pass (issue 15: node -> page p99 189-257 ms). */
#define FUSE_BURST_NS (50 * 1000000ll)

typedef struct fu_own { /* own track id -> the picture entry holding it */
  unsigned track_id;
  size_t pic;
} fu_own;

/* A source track and its global number: the picture's copy of the fuser's
 * number map (mwx_fuse_each_source), zero-padded and compared as the bytes
 * before gtn. */
typedef struct fu_key {
  char orig[MWX_NATION_LEN];
  char id[MWX_ID_LEN];
  uint32_t gtn;
} fu_key;
#define FU_KEY_BYTES offsetof(fu_key, gtn)

static inline int fu_own_cmp(const void *a, const void *b) {
  const fu_own *x = a, *y = b;
  return x->track_id < y->track_id ? -1 : x->track_id > y->track_id;
}

static inline int fu_key_cmp(const void *a, const void *b) { return memcmp(a, b, FU_KEY_BYTES); }

typedef struct fu_fall { /* a latest prediction's impact time, for the pass (sorted by gtn) */
  uint32_t gtn;
  int64_t impact_ns;
} fu_fall;

/* A picture: what one fusion pass made of the fuser at one time.  Written
 * only by the pass that makes it; once handed back, read only by the loop
 * (everything the loop knows of the fuser is in it). */
typedef struct fu_pic {
  int64_t t_ns;         /* the node's sim time it is at (0: none yet) */
  mwx_fuse_track *e;    /* one per fused track (ok: PIC_*) */
  int *ok;
  size_t n, cap;
  fu_own *own_ix;       /* own track id -> live entry, sorted by track_id (node_fuse_shared) */
  size_t n_own_ix, cap_own_ix;
  fu_key *keys;         /* every source track -> global number, sorted (node_fuse_gtn, prune) */
  size_t n_keys, cap_keys;
  size_t fuser_bytes;   /* the fuser's heap after the pass (mwx_fuse_mem_stats bytes_total; MEM line) */
} fu_pic;

/* One fusion pass: the loop fills the input while it owns the job, the
 * pass (on the worker, or in line) ingests and makes the picture into
 * pic, the loop takes the output back. */
typedef struct fu_job {
  mwx_fuse_sample *s;   /* in: the partners' samples, then the own tracks' new estimates */
  size_t n, cap;
  int64_t t_ns;         /* in: the picture's time (the node's sim time at the hand-over) */
  int picture;          /* in: 0: ingest only (in line, a full pending queue) */
  fu_fall *fall;        /* in: the latest predictions' impact times (a coasting track has fallen) */
  size_t n_fall, cap_fall;
  size_t n_partner;     /* in: how many of s are partners' samples (the first ones) */
  int64_t oldest_mono_ns; /* in: when the loop took the oldest of them (0: none) */
  fu_pic *pic;          /* out: the picture (the one the loop does not read) */
  int rc;               /* out: MWX_ENOMEM if the picture could not be made */
  uint64_t unfusable;   /* out: samples the fuser refused */
  uint64_t full;        /* out: samples of new source tracks refused by a full fuser */
  int64_t start_mono_ns; /* out: when the pass started */
  int64_t wall_ns, cpu_ns, end_mono_ns; /* out: the pass's wall and CPU time, when it ended */
} fu_job;

/* ---- fusepic.c, for both ---- */

/* The lower bound of gtn in base[0..n): elements of size bytes sorted by
 * the uint32_t global track number at byte offset off in each (fu_fall,
 * the loop's predictions); the first index whose number is >= gtn (n: none).
 * Pure. */
size_t fu_gtn_lower_bound(const void *base, size_t n, size_t size, size_t off, uint32_t gtn);

/* ---- fusework.c ---- */

/* One pass on the fuser's owner (the worker, or in line the loop): the
 * bound (a full fuser, FUSE_MAX_TRACKS, takes no new source track), one
 * ingest of every sample of j, then (j->picture) the picture at j->t_ns
 * into j->pic.  Touches only fz and j; its errors are in j (rc, unfusable,
 * full), never in the thread's error state. */
void fu_pass_run(mwx_fuser *fz, const char *nation, fu_job *j);

/* The fusion worker: one thread that owns fz from fu_worker_start until
 * fu_worker_stop has returned.  Its state word says who owns the job:
 * FW_IDLE and FW_DONE the loop, FW_QUEUED the worker (from the loop's
 * fu_worker_set(FW_QUEUED) until the worker sets FW_DONE and posts a
 * node_fuse_token to loop). */
enum { FW_IDLE = 0, FW_QUEUED = 1, FW_DONE = 2 };
typedef struct fu_worker fu_worker;
/* Starts the thread (idle).  fz, job and loop are borrowed and must outlive
 * fu_worker_stop.  min_ms > 0: TEST ONLY, every pass lasts at least that
 * long (node config test_fuse_min_ms).  The thread sets its priority first
 * (node_thread_batch(nice_incr, sched): node config batch_nice, batch_sched).
 * 0 or MWX_ENOMEM / MWX_EIO (error set; nothing started). */
int fu_worker_start(mwx_node_loop *loop, mwx_fuser *fz, const char *nation, fu_job *job, int min_ms, int nice_incr,
                    int sched, fu_worker **out);
/* Stops and joins the thread (a pass in progress finishes first, its test
 * wait cut short) and frees w; the fuser is the caller's again.  NULL: no-op. */
void fu_worker_stop(fu_worker *w);
/* The state word (FW_*), read under the worker's mutex.  Loop thread. */
int fu_worker_state(fu_worker *w);
/* Sets the state word; FW_QUEUED hands the job over (wakes the worker).
 * Loop thread, only while the loop owns the job. */
void fu_worker_set(fu_worker *w, int state);

/* The worker's time budget (loop thread): FUSE_BURST_NS at most, refilled
 * at half the time that passes, each pass's wall time spent; a job is
 * handed over only while it is positive.  Zeroed memory: empty, refilled
 * from the first refill on. */
typedef struct fu_budget {
  int64_t ns;        /* may go below 0 after a long pass */
  int64_t at_mono_ns; /* the last refill */
} fu_budget;
/* Refilled up to now_mono_ns; the budget returned. */
int64_t fu_budget_refill(fu_budget *b, int64_t now_mono_ns);
/* A finished pass of j spent: refilled up to its end, its wall time taken. */
void fu_budget_spend(fu_budget *b, const fu_job *j);

#endif
