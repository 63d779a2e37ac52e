/*
 * node.h - one nation's node: the library wired together around ONE event
 * loop.
 *
 *   sensors (sim plot source, own nation only) -> track -> assess
 *     -> samples (Track, LaunchEvent, ImpactPrediction, NodeStatus) marked
 *        (originator, classification, releasable-to, rule id, seq)
 *     -> mwx_release_decide per partner -> sign -> journal -> publish (net)
 *   held items wait in the journal's manual queue; approvals made by any
 *   process ("mwx release approve") are picked up and published; time-outs
 *   apply their action.
 *   partners' samples (net, online) -> verified by net -> journal -> the
 *   partner picture (latest sample per originator, topic and track).
 *
 * The event loop (mwx_node_loop) is a small Redis-ae-like loop: timers on
 * the monotonic clock, file descriptors through poll(), and one
 * thread-safe hand-over queue (mutex + eventfd) by which other threads
 * (the DDS receive thread) pass items to the loop thread.  Every callback
 * runs on the loop thread; nothing else in the node runs elsewhere except
 * the receive thread, whose only output is that queue.
 *
 * Life cycle of a node:  mwx_node_config_init -> (fill or
 * mwx_node_config_load) -> mwx_node_open -> mwx_node_run (or mwx_node_step
 * repeatedly, offline) -> mwx_node_stop (from a callback or a signal fd) ->
 * mwx_node_close.  mwx_node_close stops the receive thread before freeing,
 * so it is safe after mwx_node_run returns, or if mwx_node_run was never
 * called.
 *
 * Time: int64 ns since the Unix epoch.  "Sim time" is the scenario's time
 * (the plots' time stamps); the node maps it to the monotonic clock through
 * the speed factor.  Every status return is 0 or a negative MWX_E*
 * (mwx/error.h) with a message through mwx_error_set().
 */
#ifndef MWX_NODE_H
#define MWX_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mwx/journal.h"
#include "mwx/msg.h"
#include "mwx/net.h"
#include "mwx/release.h"

/* ===================================================================== */
/* The event loop                                                          */
/* ===================================================================== */

typedef struct mwx_node_loop mwx_node_loop;

/* Timer callback: returns the delay (ns, >= 0) after which it runs again,
 * or MWX_NODE_TIMER_DONE to be removed.  A delay of 0 runs it again on the
 * next iteration without sleeping (as fast as possible). */
#define MWX_NODE_TIMER_DONE ((int64_t)-1)
typedef int64_t (*mwx_node_timer_fn)(mwx_node_loop *l, void *ctx);

/* File descriptor callback: revents are poll() bits (POLLIN, POLLOUT,
 * POLLERR, POLLHUP). */
typedef void (*mwx_node_fd_fn)(mwx_node_loop *l, int fd, short revents, void *ctx);

/* Hand-over queue callback: item is the loop's own copy (size bytes), valid
 * during the call only. */
typedef void (*mwx_node_queue_fn)(mwx_node_loop *l, void *item, size_t size, void *ctx);

/* Creates a loop whose hand-over queue holds at most queue_cap items
 * (0: 4096).  *out is freed with mwx_node_loop_destroy. */
int mwx_node_loop_create(size_t queue_cap, mwx_node_loop **out);

/* Frees the loop, its timers and the items still queued.  Must not be
 * called while another thread may still post (stop those threads first).
 * NULL is ignored. */
void mwx_node_loop_destroy(mwx_node_loop *l);

/* Adds a timer that first fires delay_ns from now (monotonic).  *id (may be
 * NULL) receives its id (> 0) for mwx_node_loop_timer_del.  Loop thread
 * only. */
int mwx_node_loop_timer_add(mwx_node_loop *l, int64_t delay_ns, mwx_node_timer_fn fn, void *ctx, uint64_t *id);

/* Removes a timer (also from inside its own or another callback).
 * MWX_ENOTFOUND if there is none with that id. */
int mwx_node_loop_timer_del(mwx_node_loop *l, uint64_t id);

/* Watches fd for events (POLLIN and/or POLLOUT).  One registration per fd
 * (MWX_EEXIST otherwise).  The loop never closes fd. */
int mwx_node_loop_fd_add(mwx_node_loop *l, int fd, short events, mwx_node_fd_fn fn, void *ctx);
/* Stops watching fd.  MWX_ENOTFOUND if it was not watched. */
int mwx_node_loop_fd_del(mwx_node_loop *l, int fd);

/* Sets the one consumer of the hand-over queue (loop thread). */
void mwx_node_loop_set_queue_fn(mwx_node_loop *l, mwx_node_queue_fn fn, void *ctx);

/* Batch consumer of the hand-over queue: called once per wake-up with every
 * item queued since the last one (n items, at most the queue's cap), in
 * post order; items[i] (sizes[i] bytes) valid during the call only.  Lets
 * the consumer make the whole batch durable with one journal commit.  Loop
 * thread.  Replaces a queue fn set before (and mwx_node_loop_set_queue_fn
 * replaces it). */
typedef void (*mwx_node_batch_fn)(mwx_node_loop *l, void **items, const size_t *sizes, size_t n, void *ctx);
void mwx_node_loop_set_batch_fn(mwx_node_loop *l, mwx_node_batch_fn fn, void *ctx);

/* Called at the end of every pass of the loop (after the fds, the queue
 * and the timers), and also right after the queue's batch when the queue
 * had items (before the timers): the node makes what the batch and the
 * pass decided durable there with one commit when no step did it already,
 * so a received sample never waits for the node's own step.  Loop thread.
 * NULL removes it. */
typedef void (*mwx_node_pass_fn)(mwx_node_loop *l, void *ctx);
void mwx_node_loop_set_pass_fn(mwx_node_loop *l, mwx_node_pass_fn fn, void *ctx);

/* The queue's bound (items), as created.  Any thread. */
size_t mwx_node_loop_queue_cap(const mwx_node_loop *l);
/* The most items the queue held at once since creation.  Any thread. */
size_t mwx_node_loop_queue_max(mwx_node_loop *l);

/* Makes timer id fire at the next iteration (its callback then sets its
 * next time as usual).  Loop thread.  MWX_ENOTFOUND if there is no such
 * timer. */
int mwx_node_loop_timer_kick(mwx_node_loop *l, uint64_t id);

/* Copies size bytes of item into the queue and wakes the loop.  Safe from
 * any thread.  MWX_EBUSY if the queue is full (the item is dropped and
 * counted), MWX_ENOMEM. */
int mwx_node_loop_post(mwx_node_loop *l, const void *item, size_t size);

/* Items dropped because the queue was full, since creation.  Any thread. */
uint64_t mwx_node_loop_dropped(mwx_node_loop *l);

/* Makes mwx_node_loop_run return after the current iteration with status
 * rc (0 for a normal stop).  Safe from any thread and from callbacks. */
void mwx_node_loop_stop(mwx_node_loop *l, int rc);

/* One iteration: waits up to max_wait_ns (or until the next timer, the
 * earlier; < 0: no limit but the timers) for fds or queued items, then runs
 * the ready fd callbacks, the queue consumer for every queued item, and the
 * due timers.  Returns the number of callbacks run, or a negative MWX_E*. */
int mwx_node_loop_run_once(mwx_node_loop *l, int64_t max_wait_ns);

/* Iterates until mwx_node_loop_stop; returns the rc given to it. */
int mwx_node_loop_run(mwx_node_loop *l);

/* CLOCK_MONOTONIC now, ns. */
int64_t mwx_node_mono_ns(void);

/* ===================================================================== */
/* The node                                                                */
/* ===================================================================== */

#define MWX_NODE_PATH_LEN 512
#define MWX_NODE_MAX_PARTNERS MWX_MAX_NATIONS
/* Confirmed tracks the node keeps state for at once (what it has sent about
 * each): a salvo of 100 missiles seen by every sensor of a nation confirms
 * a few hundred; beyond the bound the least recently updated track's state
 * is dropped and counted (tracks_evicted). */
#define MWX_NODE_MAX_TRACKS 1024
/* The node's tracker's table (track.h mwx_track_config.max_tracks): tentative,
 * confirmed and coasting tracks, twice the per-track table's largest bound;
 * a deleted track's slot is reused (mwx_node_stats tracker_bound). */
#define MWX_NODE_TRACKER_SLOTS (2 * MWX_NODE_MAX_TRACKS)
/* The partners' latest samples hold at most MWX_FUSE_LATEST_MAX (2,048)
 * keys (originator, topic, track / node id): a salvo of 100 missiles held
 * by two partners is ~600 keys (a Track, a LaunchEvent and an
 * ImpactPrediction per missile each; bench/node_latency.sh salvo filled 256
 * and dropped 170); 936 bytes a key, grown on demand (<= 1.9 MB). */
/* The loop's hand-over queue (receive thread and fit workers -> loop), items:
 * a salvo of 100 missiles sends a partner ~300 samples/s (BENCHMARKS.md
 * "plot -> partner's picture"), so 4,096 is >10 s of the loop not draining. */
#define MWX_NODE_HANDOVER_CAP 4096
#define MWX_NODE_REPLAY_AGE_S 60.0         /* default replay_max_age_s */
#define MWX_NODE_REPLAY_AGE_MIN_S 1.0
#define MWX_NODE_REPLAY_AGE_MAX_S 86400.0

/* mwx_node_config.batch_sched */
enum { MWX_NODE_BATCH_OTHER = 0, MWX_NODE_BATCH_BATCH = 1, MWX_NODE_BATCH_IDLE = 2 };
#define MWX_NODE_BATCH_NICE_DEFAULT 5
/* mwx_node_config.malloc_mmap_threshold_kb: default and range (glibc's
 * mmap threshold is at most 32 MB on 64-bit, mallopt(3)) */
#define MWX_NODE_MMAP_THRESHOLD_KB_DEFAULT 64
#define MWX_NODE_MMAP_THRESHOLD_KB_MIN 16
#define MWX_NODE_MMAP_THRESHOLD_KB_MAX 32768

typedef struct mwx_node_config {
  char nation[MWX_NATION_LEN];         /* this node's nation */
  char node_id[MWX_ID_LEN];            /* default "<NAT>-node-1" */
  char scenario[MWX_NODE_PATH_LEN];    /* sim scenario; "" = no sensors (receive only) */
  uint64_t seed;                       /* simulator seed (default 1) */
  double speed;                        /* sim seconds per wall second; 0 = as fast as possible */
  int64_t start_unix_ns;               /* wall time (CLOCK_REALTIME) at which the scenario epoch
                                          plays; 0 = when the node starts running.  Nodes of one
                                          exercise given the same value share one sim clock. */
  double lead_s;                       /* sim seconds played before the epoch (default 5) */
  double step_s;                       /* tracker cadence in sim seconds (default 1 offline); 0 =
                                          event-driven: each sensor scan is processed at its own
                                          time (online: a timer set for the next scan's time on
                                          the exercise clock; offline: scan after scan as fast as
                                          possible); mwxd's default is 0 */
  double impact_every_s;               /* ImpactPrediction cadence per track (default 10) */
  double status_every_s;               /* NodeStatus cadence, sim seconds (default 30) */
  double linger_s;                     /* after the scenario ends, keep running (wall s); <0 forever */
  char policy[MWX_NODE_PATH_LEN];      /* release policy file (required) */
  char journal[MWX_NODE_PATH_LEN];     /* journal database (required) */
  mwx_journal_sync sync;               /* default FULL: the journal at synchronous=NORMAL with its
                                          sync thread (MWX_JOURNAL_SYNC_THREAD); a pass that
                                          publishes or reports its own decisions fsyncs the WAL
                                          before it does (write-ahead against power loss), a
                                          partner's sample is reported held once its record is
                                          written and fsynced by the sync thread
                                          (docs/operations.md "Journal durability",
                                          tests/test_node_powerloss.c).  NORMAL: no fsync
                                          (kill -9 safe, power loss not) */
  int journal_plots;                   /* 1 (default): one plot record per plot accepted */
  int launch_fit;                      /* 1: a refined LaunchEvent per track from the batch launch
                                          fit (mwx_assess_launch_fit) once its 120-s early-plot
                                          window is full.  At speed > 0 the fit runs on the
                                          node's fit workers (off the loop thread) and its
                                          LaunchEvent follows when it is done; at speed 0 it runs
                                          in line (same result every run).  Default 1 (also in
                                          mwxd; key "launch_fit") */
  int fit_workers;                     /* worker threads for launch fits (default 1, 1..8) */
  int sign_threads;                    /* online: threads that sign the released copies of a pass:
                                          the loop and sign_threads - 1 workers (mwx-sign<i>,
                                          src/node/signpool.c), 1..8 (0 is taken as 1), default 1 (the loop
                                          signs each copy as it decides it, as offline) */
  int fit_queue;                       /* fits waiting for a worker, at most (default 32, 1..1024):
                                          a track whose fit finds the queue full gets none (its
                                          early LaunchEvent stands) and is counted (fits_dropped) */
  int slow_pass_ms;                    /* diagnostics (default 0: off; key "slow_pass_ms",
                                          0..60000): a step of the loop lasting at least this
                                          long (wall ms) is reported as MWX_NODE_EV_SLOWPASS
                                          (mwxd prints one SLOWPASS line): the plots it took, the
                                          copies it queued and its time by profile part
                                          (mwx_node_prof_part) */
  int batch_nice;                      /* the batch threads' nice increment over the process's
                                          (default MWX_NODE_BATCH_NICE_DEFAULT, 0..19; key
                                          "batch_nice"): at speed > 0 the fusion worker and the
                                          launch-fit workers run at +batch_nice, the memory
                                          worker at +batch_nice + 5 (at most 19), each set by the
                                          thread itself (Linux nice is per thread); the loop and
                                          the receive thread stay at the process's nice.  A
                                          result due within seconds gives way to a sample due
                                          within milliseconds (docs/architecture.md "Threads") */
  int batch_sched;                     /* the batch threads' policy (MWX_NODE_BATCH_*, default
                                          OTHER; key "batch_sched": "other", "batch", "idle"):
                                          SCHED_OTHER at batch_nice, SCHED_BATCH (no wake-up
                                          preemption) or SCHED_IDLE (weight 3 against nice 0's
                                          1024: runs only on CPU time the rest leave) */
  int test_fit_min_ms;                 /* TEST ONLY (default 0): passed to each fit on the workers as
                                          mwx_assess_launch_fit_opts.min_duration_ms (0..600000 ms:
                                          the fit lasts at least this long, standing in a slow
                                          fit); the wait ends when the pool stops (close).  Never
                                          set by a configuration file */
  int test_fuse_min_ms;                /* TEST ONLY (default 0): at speed > 0 every pass of the
                                          fusion worker lasts at least this long (0..600000 ms,
                                          standing in a slow fuser; cut short when the node
                                          closes).  Never set by a configuration file */
  int malloc_mmap_threshold_kb;        /* at speed > 0, the process's malloc mmap threshold
                                          (default MWX_NODE_MMAP_THRESHOLD_KB_DEFAULT, 64; key
                                          "malloc_mmap_threshold_kb": 0, or 16..32768): mwx_node_open
                                          sets it with glibc's mallopt(M_MMAP_THRESHOLD), so each
                                          allocation of at least this many kB is a mapping of its
                                          own, given back to the kernel when freed, and glibc's
                                          dynamic threshold (raised to every larger block freed,
                                          up to 32 MB) is off.  Process-wide, as the memory
                                          worker's malloc_trim is.  0: glibc's dynamic threshold
                                          (as before).  docs/operations.md "Memory" */
  int max_tracks;                      /* per-track table bound (default MWX_NODE_MAX_TRACKS,
                                          1..MWX_NODE_MAX_TRACKS) */
  char key[MWX_NODE_PATH_LEN];         /* Ed25519 origin key (PEM); "" offline: a fresh key for
                                          this run (public part written next to the journal as
                                          <journal>.pub); online: the PKI's origin key */
  int n_partners;                      /* nations decided for; 0 = KOR, JPN, USA and every partner
                                          the policy names, minus this nation */
  char partners[MWX_NODE_MAX_PARTNERS][MWX_NATION_LEN];
  double replay_max_age_s;             /* a received Track, ImpactPrediction, Alert or NodeStatus
                                          whose time of validity is older than this many wall
                                          seconds on the shared exercise clock is refused as a
                                          replay (journal kind "replay"); default 60, 1..86400
                                          (key "replay_max_age_s") */
  char alert_rules[MWX_NODE_PATH_LEN]; /* alert rules (mwx/alert.h; key "alert_rules"); "": the
                                          source tree's config/alert-<NAT>.json when it exists, else
                                          no alerting.  A file named here must load. */
  int online;                          /* 1: join the coalition with net */
  mwx_net_config net;                  /* used when online */
} mwx_node_config;

/* Defaults (offline, speed 0, seed 1, FULL sync, plots journaled). */
void mwx_node_config_init(mwx_node_config *c);

/* Reads an mwxd configuration file (docs/operations.md): the "net" keys
 * (mwx_net_config_load: nation, pki_dir, links ...) and the node keys
 * "journal", "policy", "scenario", "speed", "seed", "start_unix_ms",
 * "linger_s", "status_every_s", "sync" ("full"|"normal"), "journal_plots",
 * "launch_fit" (default false), "step_s", "lead_s", "impact_every_s", "key",
 * "replay_max_age_s", "alert_rules", "node_id", "web_port" (mwxd's).  Strict: a duplicate or unknown key, a
 * wrong type or a value outside its range is refused naming the key.
 * Relative paths are taken from the file's directory; "policy" defaults to
 * config/policy-<NAT>.json of the source tree.  Sets online = 1. */
int mwx_node_config_load(const char *path, mwx_node_config *c);

/* Checks every numeric setting of c against its documented range
 * (docs/operations.md "Limits"): speed 0 or 0.001..1e6, step_s 0.001..3600,
 * impact_every_s 0.001..86400, status_every_s and lead_s 0..86400, linger_s
 * -1..366 days, start_unix_ns 1970..2200, node_id (if set) an id of
 * mwx/text.h.  MWX_ERANGE / MWX_EINVAL naming the setting.  Called by
 * mwx_node_open, so that a configuration built in code is held to the same
 * ranges as a file.  Pure. */
int mwx_node_config_check(const mwx_node_config *c);

typedef struct mwx_node mwx_node;

/* What the node reports to its program (printing, tests, the demo). */
typedef enum mwx_node_event_kind {
  MWX_NODE_EV_RELEASED = 1,  /* a sample left (or, offline, would leave) for partner */
  MWX_NODE_EV_HELD = 2,      /* held for an operator; item = queue id */
  MWX_NODE_EV_REFUSED = 3,   /* refused for partner (reason in detail) */
  MWX_NODE_EV_APPROVED = 4,  /* a held sample approved (operator or timeout) and published */
  MWX_NODE_EV_DENIED = 5,    /* a held sample denied or expired with deny */
  MWX_NODE_EV_RECEIVED = 6,  /* a partner's sample verified and journaled */
  MWX_NODE_EV_DROPPED = 7,   /* a received sample failed a check (journaled as sigfail) or was
                                refused as a replay (journaled as replay; detail "replay: ...") */
  MWX_NODE_EV_PARTNER = 8,   /* a partner appeared (alive=1) or was lost */
  MWX_NODE_EV_DONE = 9,      /* the scenario is over (every plot processed) */
  MWX_NODE_EV_SAMPLE = 10,   /* a sample this node made (its own picture), before the decisions
                                about it; partner "" (see the event interface below) */
  /* ---- fusion and warning (src/node/fusepic.c, src/node/alerting.c) ---- */
  MWX_NODE_EV_FUSED = 11,    /* the node made a fused ImpactPrediction (msg, before release; local
                                track id "<NAT>-G<global number>", global_track_no set); its
                                releases follow as RELEASED/HELD/REFUSED like any sample */
  MWX_NODE_EV_ALERT = 12,    /* the node issued, updated or cancelled an alert (msg: the Alert
                                sample, before release; journaled as kind alert); detail: the
                                decision's explanation (truncated), item: the global track no */
  MWX_NODE_EV_PICTURE = 13,  /* a fusion pass's picture became the loop's (mwx_node_fused_picture
                                reads it now): the web picture pushes its changes at once instead of
                                looking.  No sample; not journaled (the picture is made of what the
                                journal holds already).  item: the pass's number (1, 2, ...);
                                latency_ms: the oldest partner sample of the pass, wall ms from its
                                taking by the loop to the pass's start (< 0: none in it);
                                recv_latency_ms: the pass's wall ms (ingest and picture); pass: the
                                same figures as fields (mwx_node_pass_info; programs read these);
                                detail: the same as text for a log, "samples=S partners=P wait_ms=W
                                pass_ms=D take_ms=T" (T: the pass's end to this event).  Not given to
                                the fn of mwx_node_open (as SAMPLE) */
  /* ---- diagnostics (issue 16): only to subscribers of
   * mwx_node_subscribe_diag (mwxd prints them; the library prints nothing) */
  MWX_NODE_EV_SLOWPASS = 14, /* a step of the loop lasted at least slow_pass_ms wall ms: slow */
  MWX_NODE_EV_MEMORY = 15    /* online, the memory worker's report at a NodeStatus (after its trim,
                                if any): mem */
} mwx_node_event_kind;

/* The stages of one sample on its way from a plot to a partner's picture
 * (issue 16): CLOCK_REALTIME ns at each, 0 = not stamped.  The sender's
 * RELEASED / APPROVED events carry PLOT..PUBLISHED, the receiver's RECEIVED
 * event PLOT and RECEIVED..HELD; one machine's clock (or NTP/PTP across
 * machines) makes the two sides comparable, joined by originator, topic and
 * seq (mwxd --stages, bench/node_latency.sh STAGES).  In pipeline order: */
typedef enum mwx_node_stage {
  MWX_NODE_STAGE_PLOT = 0,  /* the sample's time of validity (a Track's latest plot) on the wall clock,
                               by the exercise clock (speed > 0; else the pass's start) */
  MWX_NODE_STAGE_IN,        /* the loop pass that takes the plot starts (sender) */
  MWX_NODE_STAGE_TRACKED,   /* tracker, assessment and fusion done: the sample is made */
  MWX_NODE_STAGE_SIGNED,    /* its copy for the partner decided, signed (Ed25519) and its decision
                               record written in the pass's open transaction */
  MWX_NODE_STAGE_JOURNALED, /* the pass's group commit returned (the fsync: write-ahead) */
  MWX_NODE_STAGE_PUBLISHED, /* mwx_net_publish returned (DDS write done) */
  MWX_NODE_STAGE_RECEIVED,  /* receiver: taken from DDS by the receive thread */
  MWX_NODE_STAGE_VERIFIED,  /* receiver: marking, sender and origin signature checked */
  MWX_NODE_STAGE_TAKEN,     /* receiver: the loop took it from the hand-over queue and journaled it in
                               the pass's open transaction (replay check, picture, fuser) */
  MWX_NODE_STAGE_HELD,      /* receiver: the pass's commit returned: durable, in the picture, reported */
  MWX_NODE_STAGE_COUNT
} mwx_node_stage;

/* "plot", "in", "tracked", "signed", "journaled", "published", "received",
 * "verified", "taken", "held"; "?" for another value.  Pure. */
const char *mwx_node_stage_name(mwx_node_stage s);

/* PICTURE: the fusion pass whose picture became the loop's (all zero for
 * every other kind).  Set by the node (src/node/fusepic.c) from the pass's
 * own clock readings (src/node/fusework.c); a program reads these, never
 * the event's detail text. */
typedef struct mwx_node_pass_info {
  uint64_t samples;  /* samples the pass took in (partners' and own estimates) */
  uint64_t partners; /* of which partners' Track samples */
  double wait_ms;    /* the oldest partner sample: wall ms from its taking by the loop to the pass's
                        start (< 0: none in the pass; = latency_ms) */
  double pass_ms;    /* the pass's wall ms, ingest and picture (= recv_latency_ms) */
  double take_ms;    /* wall ms from the pass's end (on the worker) to this event (the loop's
                        take-back) */
} mwx_node_pass_info;

/* DROPPED: why, as a kind a program counts (the detail says more): an
 * origin signature that does not verify (net's MWX_ECRYPTO), a sample signed
 * with a revoked key (MWX_NET_EREVOKED: the signature may verify; the key is
 * no longer trusted), a replay (a sequence number taken already, too far
 * below, or too old), or another check (malformed, marking, sender, unknown
 * originator, our own sample back). */
typedef enum mwx_node_drop {
  MWX_NODE_DROP_NONE = 0, /* not a DROPPED event */
  MWX_NODE_DROP_SIGNATURE = 1,
  MWX_NODE_DROP_REPLAY = 2,
  MWX_NODE_DROP_OTHER = 3,
  MWX_NODE_DROP_REVOKED = 4
} mwx_node_drop;

/* "signature", "replay", "other", "revoked"; "" for NONE or another value.
 * Pure. */
const char *mwx_node_drop_name(mwx_node_drop d);

typedef struct mwx_node_event {
  mwx_node_event_kind kind;
  char partner[MWX_NATION_LEN]; /* RELEASED..DENIED: to whom; RECEIVED..PARTNER: from whom */
  const mwx_msg *msg;           /* the sample as sent / held / received (valid during the call) */
  uint64_t record_id;           /* its journal record */
  uint64_t item;                /* HELD / APPROVED / DENIED: queue item id */
  int64_t sim_ns;               /* node's sim time when it happened */
  int64_t wall_ns;              /* CLOCK_REALTIME when it happened */
  double latency_ms;            /* RECEIVED: wall ms from the sample's time of validity to now
                                   (journaled and in the picture), on the shared sim clock;
                                   < 0 when the topic has none */
  double recv_latency_ms;       /* RECEIVED: the same to the sample's reception from DDS
                                   (verified, before the hand-over and the journal); < 0: none */
  int alive;                    /* PARTNER */
  char detail[200];             /* REFUSED / DROPPED: why; HELD: the rule; ALERT: the decision's why */
  int64_t overflight_ns;        /* ALERT: when the predicted track first enters the nation's land or
                                   territorial sea (mwx_alert_decision.overflight_ns), 0: none */
  int64_t stage_ns[MWX_NODE_STAGE_COUNT]; /* RELEASED, APPROVED, RECEIVED: the stages stamped
                                             (mwx_node_stage; 0: not this side's) */
  mwx_node_pass_info pass;      /* PICTURE: the pass (zero otherwise) */
  mwx_node_drop drop;           /* DROPPED: the kind of check it failed (NONE otherwise) */
  const struct mwx_node_slow_pass *slow; /* SLOWPASS: the step (valid during the call; else NULL) */
  const struct mwx_node_memory *mem;     /* MEMORY: the report (valid during the call; else NULL) */
} mwx_node_event;

/* One line (no newline) of the stages of ev (RELEASED / APPROVED: the
 * sender's, RECEIVED: the receiver's), for joining across nodes:
 *   KOR STAGES -> JPN Track seq=12 id=KOR-T3 plot=<ns> in=<ns> ... published=<ns>
 *   JPN STAGES <- KOR Track seq=12 id=KOR-T3 plot=<ns> received=<ns> ... held=<ns>
 * (absolute CLOCK_REALTIME ns; only the stages stamped).  0 and buf set,
 * or MWX_ENOTFOUND (buf "") for an event without a sample or stages.
 * Truncated to cap.  Pure. */
int mwx_node_stages_format(const char *nation, const mwx_node_event *ev, char *buf, size_t cap);

typedef void (*mwx_node_event_fn)(void *ctx, const mwx_node_event *ev);

/* Opens a node: loads the policy (refusing a partial one), the scenario,
 * the key, opens the journal, creates the tracker and the loop, and, when
 * online, joins the coalition and starts the receive thread.  fn (may be
 * NULL) gets every event on the loop thread.  *out: mwx_node_close. */
int mwx_node_open(const mwx_node_config *cfg, mwx_node_event_fn fn, void *ctx, mwx_node **out);

/* Runs the node's loop until mwx_node_stop, or (offline) until the scenario
 * is over, or (online) linger_s after it.  Returns 0 or the first error. */
int mwx_node_run(mwx_node *n);

/* Processes everything up to sim time t_ns (plots, tracks, samples,
 * decisions, approvals, time-outs; one journal transaction) without the
 * loop: for tests and benchmarks.  Sets *done (may be NULL) when the
 * scenario is over. */
int mwx_node_step(mwx_node *n, int64_t t_ns, int *done);

/* Stops mwx_node_run (any thread, signal-safe through the loop's eventfd). */
void mwx_node_stop(mwx_node *n);

/* The node's loop, to add program fds (a signalfd) or timers before run. */
mwx_node_loop *mwx_node_get_loop(mwx_node *n);

/* Stops the receive thread, leaves the coalition, closes the journal and
 * frees everything.  NULL is ignored. */
void mwx_node_close(mwx_node *n);

/* Counters and timeliness. */
typedef struct mwx_node_partner_stats {
  char nation[MWX_NATION_LEN];
  uint64_t released[6];        /* by topic (index mwx_msg_topic) */
  uint64_t held, approved, denied, refused;
  int has_first_release;
  double first_release_s;      /* sim seconds from the first launch to the first release */
  uint64_t received;           /* samples received from this nation (verified) */
  uint64_t sig_failures;       /* DROPPED from this nation for its origin signature (MWX_NODE_DROP_SIGNATURE) */
  uint64_t replays;            /* DROPPED from this nation as replays (MWX_NODE_DROP_REPLAY) */
  uint64_t revoked;            /* DROPPED from this nation: signed with a revoked key (MWX_NODE_DROP_REVOKED) */
  uint64_t other_drops;        /* DROPPED from this nation for another check (MWX_NODE_DROP_OTHER) */
} mwx_node_partner_stats;

typedef struct mwx_node_stats {
  uint64_t plots, tracks_confirmed, samples, records;
  uint64_t received, dropped, publish_errors;
  uint64_t unfusable;          /* partners' Track samples the fuser could not take (a release rule
                                  removed their covariance: fuse.h) */
  int64_t sim_ns;              /* sim time reached */
  /* ---- bounds and overflows (issue 16; docs/operations.md "Bounds and
   * counters").  Every queue and table of the node has a bound; the
   * contract of each is written here: what the bound is, what happens at
   * it, which counter says so.  Every overflow counter is also summed into
   * NodeStatus.overflows (partners see it) and printed by mwxd (DOWN and
   * BOUNDS lines). */
  /* launch-fit queue: at most fit_queue jobs waiting plus one running per
     worker (fit_workers); a job that finds it full is not queued (the
     track keeps its early LaunchEvent): fits_dropped.  Results handed
     back: at most fit_queue + fit_workers, beyond: fits_dropped too. */
  uint64_t fits_queued, fits_done, fits_dropped;
  double fit_max_ms;                             /* longest wait from queued to result on the loop */
  double fit_p99_ms;                             /* its 99th percentile over the last 256 fits (a ring
                                                    of 256: the bound of that memory) */
  /* hand-over queue (receive thread, fit workers -> loop): at most
     handover_cap items (MWX_NODE_HANDOVER_CAP); a post that finds it full
     is refused: the sample is lost to this node (DDS's reliable history
     does not resend it), counted in handover_dropped.  handover_max: the
     most items it held at once since open. */
  uint64_t handover_dropped, handover_max, handover_cap;
  /* received samples journaled in a pass's open transaction and reported
     after its commit: at most one hand-over batch (<= handover_cap);
     rx_pend_max the most at once */
  uint64_t rx_pend_max;
  /* the pass's out queue (decisions made, waiting for the pass's commit to
     be published and reported): bounded by construction by what one pass
     decides (every confirmed track's samples, <= 3 x max_tracks, plus
     NodeStatus, fits and approvals, each x (1 + partners)); never dropped
     (each entry is a journaled decision); out_max the most at once */
  uint64_t out_max;
  /* online, the impact predictions of one pass are bounded by a time budget
     (node_tracks.c IMPACT_BUDGET_NS): a track due when it is spent is tried
     at the next pass, counted here (not an overflow: nothing is lost) */
  uint64_t impacts_deferred;
  /* per-track table: at most max_tracks tracks (tracks_held now); a new
     confirmed track that finds it full takes the entry of the least
     recently updated one: tracks_evicted.  A track the tracker deletes is
     forgotten: its entry freed and its DDS instances unregistered
     (mwx_net_forget: the writers' history keeps nothing of it):
     tracks_forgotten */
  uint64_t tracks_evicted, tracks_forgotten, tracks_held;
  /* Alert instances unregistered (src/node/node_release.c, alerting.c): an
     alert's instance on a partner's partition when its cancel is published
     there (mwx_net_unregister), and whatever copy is left (a cancel held,
     refused or never made) when its life cycle is dropped, ten minutes
     after the missile fell (mwx_net_forget_alert).  So the writers hold at
     most the alerts of the life cycles held (<= 4,096) */
  uint64_t alerts_forgotten;
  /* the tracker's table (track.h mwx_track_table_stats): at most
     tracker_bound = MWX_NODE_TRACKER_SLOTS (2,048) slots (tentative, confirmed and coasting
     tracks; a deleted track's memory is freed and its slot reused, its id
     never); tracker_slots the slots made, tracker_live_max the most live
     tracks at once.  A new track that finds every slot live is not
     started: tracks_refused.  Its pending plots (first plots waiting for a
     second) at most MWX_TRACK_PENDING_MAX: the oldest gives way to a new
     one, pending_dropped */
  uint64_t tracker_slots, tracker_bound, tracker_live_max, tracks_refused, pending_dropped;
  /* the partners' latest samples (mwx_node_latest): at most
     MWX_FUSE_LATEST_MAX keys (picture_entries now); a new key's sample when
     full takes the place of the key received longest ago (fuse.h
     mwx_fuse_latest_evict_oldest): online, a key received more than
     replay_max_age_s ago is retired (picture_retired: not an overflow; no
     older sample of it can be taken any more, src/node/rx.c), any other is
     evicted (picture_evicted, an overflow, logged once); a sample kept out
     of it for lack of memory (still journaled and fused): picture_dropped */
  uint64_t picture_dropped, picture_entries, picture_evicted, picture_retired;
  uint64_t commits;                              /* journal commits made by the loop (group commits) */
  /* the fused picture's tables (src/node/fusepic.c: 2,048 fused tracks,
     4,096 launch candidates and predictions; alerting.c: 4,096 alert life
     cycles): a new entry when full is refused: fused_dropped */
  uint64_t fused_dropped;
  /* the fusion worker (speed > 0, src/node/fusepic.c; speed 0: the passes
     run in line on the loop and are counted the same): passes taken back,
     the longest (wall ms, the test hook's wait included), the passes' CPU
     time, and the age of the loop's picture (node sim ms since the pass's
     time; -1 before the first).  The partners' Track samples waiting for
     a pass are at most 4,096: one that finds the queue full while the
     worker is busy stays out of the picture (fused_dropped) */
  /* the receive side's verify batch (online; net.h MWX_NET_VERIFY_BATCH,
     src/net/net_verify.c): the samples one poll takes are verified on
     verify_threads threads (the receive thread and verify_threads - 1
     mwx-vfy workers; net's verify_threads, default 2), at most
     MWX_NET_VERIFY_BATCH at a time; a poll that takes more verifies and
     reports that many first (verify_full, summed into NodeStatus overflows;
     nothing is lost).  verify_max: the largest batch; verify_batches: the
     batches shared between threads */
  int verify_threads;
  uint64_t verify_batches, verify_max, verify_full;
  /* the sign queue (online, sign_threads >= 2, src/node/signpool.c): a
     pass's decisions wait there for their signatures and records, at most
     512 (NODE_SIGN_QUEUE); a decision that finds it full has the queue
     journaled first (sign_full, summed into NodeStatus overflows; nothing
     lost).  signed_by_worker: the signatures the workers made (the rest,
     the loop) */
  int sign_threads;
  uint64_t sign_full, signed_by_worker;
  int fuse_worker;                               /* 1: the fuser runs on its own thread */
  uint64_t fuse_passes;
  double fuse_pass_max_ms, fuse_cpu_ms, fuse_picture_age_ms;
  /* fixed-size, refused when full with an error, not counted: replay
     windows (MWX_NODE_MAX_PARTNERS x 5 = one per originator and topic: a
     sample of a ninth originator is refused as a replay, journaled),
     subscribers (MWX_NODE_MAX_SUBSCRIBERS: MWX_EBUSY) */
  int n_partners;
  mwx_node_partner_stats partner[MWX_NODE_MAX_PARTNERS];
} mwx_node_stats;

/* The counters above: copies of the node's own counters and the tables'
 * sizes, no system call and no walk of the heap (cheap enough for every
 * pass or push; the memory is mwx_node_get_memory's).  Loop thread (or
 * after mwx_node_run returned). */
void mwx_node_get_stats(const mwx_node *n, mwx_node_stats *s);

/* One partner's counters of mwx_node_stats (the web picture's partner
 * status: the node's counts, not a second count of the events): 0, or
 * MWX_ENOTFOUND when nation (3 letters) is not a partner.  Loop thread. */
int mwx_node_partner_stats_get(const mwx_node *n, const char *nation, mwx_node_partner_stats *out);

/* Memory (issue 16, "RSS flat"): the process's heap as glibc's malloc sees
 * it (mallinfo2: bytes in use in every arena and mmap'd chunks, bytes free
 * inside the arenas), the tracker's share of it (track.h heap_bytes),
 * SQLite's (sqlite3_memory_used: every journal of the process, its page
 * caches included) and the resident set (VmRSS).  Separate from the
 * counters because reading it walks every arena's free lists under their
 * locks (mallinfo2) and reads /proc/self/statm: for reports (mwxd's MEM
 * and BOUNDS lines), not for a hot path. */
typedef struct mwx_node_memory {
  uint64_t heap_used_bytes, heap_free_bytes, tracker_heap_bytes, journal_heap_bytes, rss_bytes;
  /* more of heap_used by owner (issue 16, what grows): the fuser's tables
     as of the loop's picture (fuse.h mwx_fuse_mem_stats bytes_total, from
     the pass that made it; 0 before the first), and the node's own tables
     (capacities: the per-track table, the pass's out queue and received
     samples, the fit results, the partners' latest samples, the fused
     picture's tables and pictures, the alert life cycles).  What is left
     of heap_used beyond these, the tracker and SQLite is the fixed part
     (the scenario's truth, the zones, made at open) and the libraries'
     (Cyclone DDS: its instances and histories) */
  uint64_t fuser_heap_bytes, node_tables_bytes;
  /* MWX_NODE_EV_MEMORY only (0 from mwx_node_get_memory): the node's sim
     time of the request, the free bytes before the trim, whether it ran
     and how long */
  int64_t sim_ns;
  uint64_t free_before_bytes;
  int trimmed;
  double trim_ms;
  /* online, at each NodeStatus the node's memory worker (a thread of its
     own, off the loop) gives the free memory inside malloc's arenas back to
     the kernel (malloc_trim) when it grew by at least 4 MB since the last
     trim: how often, its total and longest time on the worker, and the
     reports that found less gained (no trim; every report under ASan,
     whose heap mallinfo2 does not see) */
  uint64_t trims, trim_ns, trim_max_ns, trims_skipped;
  /* online, at each NodeStatus the pass's burst buffers (the received
     samples waiting for the pass's commit, the out queue) are freed the
     next time they are empty if they hold room for more than 256 entries
     (made again at the size the next pass needs): how often */
  uint64_t shrinks;
  /* the malloc mmap threshold this node set at open (kB, config
     malloc_mmap_threshold_kb; 0: not set, or the allocator refused it) */
  int mmap_threshold_kb;
} mwx_node_memory;

/* Reads the memory now (mallinfo2, /proc/self/statm).  Loop thread (or
 * after mwx_node_run returned). */
void mwx_node_get_memory(const mwx_node *n, mwx_node_memory *m);

/* The node's tracker, read-only (mwx_track_table_stats: its heap by field,
 * mwx_track_get): valid until mwx_node_close.  Loop thread (or after
 * mwx_node_run returned).  NULL for a NULL node. */
const struct mwx_tracker *mwx_node_tracker(const mwx_node *n);

/* Where the node's loop thread spends its time (issue 16; mwxd's PROFILE
 * line): wall ns in each part of the node's passes since open, on the
 * monotonic clock, exclusive (a part's time leaves out the parts called
 * inside it: DECIDE leaves out SIGN).  A part that blocks counts its wait
 * (SYNC: the fsync).  Time outside the node's passes (poll() waiting, the
 * web server's callbacks on the same loop) is OUTSIDE. */
typedef enum mwx_node_prof_part {
  MWX_NODE_PROF_OUTSIDE = 0, /* not in a node pass */
  MWX_NODE_PROF_DRIVE,       /* sim sensors, plot records, the tracker (mwx_assess_drive_advance) */
  MWX_NODE_PROF_ASSESS,      /* confirmed tracks -> samples: assessment, alerts on predictions, the
                                samples made, launch fits handed to the workers */
  MWX_NODE_PROF_DECIDE,      /* release decisions and routing per partner, decision records */
  MWX_NODE_PROF_SIGN,        /* Ed25519 signatures of the released copies */
  MWX_NODE_PROF_FUSE,        /* the fused picture: own tracks in, fused predictions, alert life cycles */
  MWX_NODE_PROF_COMMIT,      /* the pass's group commit: its write and seal (mwx_journal_commit) */
  MWX_NODE_PROF_PUBLISH,     /* DDS writes (mwx_net_publish) */
  MWX_NODE_PROF_EMIT,        /* subscribers: mwxd's log, the web picture */
  MWX_NODE_PROF_RX,          /* partners' samples taken: replay check, records, partner picture */
  MWX_NODE_PROF_OTHER,       /* the rest of a pass: NodeStatus, the release queue's time-outs and
                                approvals, seqs, launch fits applied */
  MWX_NODE_PROF_SYNC,        /* the loop's wait for the commit's fsync before it publishes
                                (mwx_journal_sync_now: its own fsync, or the sync thread's) */
  MWX_NODE_PROF_COUNT
} mwx_node_prof_part;

/* MWX_NODE_EV_SLOWPASS (slow_pass_ms): one step of the loop, wall and the
 * loop thread's CPU ms, the plots it took, the copies it queued, whether it
 * made the NodeStatus, and its wall ms by profile part. */
typedef struct mwx_node_slow_pass {
  double wall_ms, cpu_ms;
  uint64_t plots, out;
  int status;
  int64_t sim_ns;
  double part_ms[MWX_NODE_PROF_COUNT]; /* by mwx_node_prof_part (OUTSIDE 0) */
} mwx_node_slow_pass;

typedef struct mwx_node_profile {
  int64_t part_ns[MWX_NODE_PROF_COUNT]; /* by mwx_node_prof_part */
  uint64_t passes;                      /* node passes (steps and receive batches) */
  int64_t wall_ns;                      /* since open: the sum of part_ns */
} mwx_node_profile;

/* The profile so far (loop thread, or after mwx_node_run returned). */
void mwx_node_get_profile(const mwx_node *n, mwx_node_profile *p);
/* "outside", "drive", "assess", "decide", "sign", "fuse", "commit",
 * "publish", "emit", "rx", "other"; "?" for another value.  Pure. */
const char *mwx_node_prof_name(mwx_node_prof_part p);

struct mwx_fuse_latest_entry;
/* The partners' latest samples (mwx/fuse.h mwx_fuse_latest, kept on the
 * receive path after the replay and signature checks): the newest sample
 * per (originator, topic, local track id / alert id / node id), as
 * received - what each partner said last (its NodeStatus too), never going
 * back in time (the replay defence is tested on it).  It is not the
 * operator's picture of the missiles: that is the fused picture below
 * (mwx_node_fused_picture), one entry per missile, which mwxd prints at
 * DOWN.  Calls fn for each entry; valid during the call.  Loop thread (or
 * after mwx_node_run returned). */
void mwx_node_latest(const mwx_node *n, void (*fn)(void *ctx, const struct mwx_fuse_latest_entry *e), void *ctx);

/* ---- The fused picture (src/node/fusepic.c) -------------------------- */

/* One entry per fused track (one per missile): the node's own tracks and
 * its partners' Track samples fused (mwx/fuse.h, docs/fusion.md). */
typedef struct mwx_node_fused_entry {
  uint32_t global_track_no;
  int n_members;                                /* source tracks, e.g. "JPN-T6", "KOR-T3" */
  char member[16][MWX_ID_LEN];
  uint8_t n_contributors;                       /* nations whose data made the state, sorted */
  char contributors[MWX_MAX_NATIONS][MWX_NATION_LEN];
  int shared;                                   /* 1: a partner contributes (the node's assessment
                                                   of this missile is the fused one) */
  int coasting;                                 /* no member has a fresh sample */
  int64_t t_ns;                                 /* time of the state (the node's sim time) */
  int64_t t_last_sample_ns;                     /* the newest member sample the fuser took in (sim
                                                   time of validity): a Track sample with a time
                                                   <= this, of a member, is in the state */
  double lat_deg, lon_deg, h_m;
  int has_launch;                               /* the best LaunchEvent of the members (smallest
                                                   95% ellipse), own or a partner's */
  char launch_from[MWX_NATION_LEN];
  mwx_msg_launch launch;
  int has_impact;                               /* the node's latest prediction for this missile */
  mwx_msg_impact impact;                        /* (fused when shared, else its own track's): class,
                                                   impact point, 95% ellipse, zone */
  int fallen;                                   /* 1: below ground at the node's time: t_ns, lat, lon,
                                                   h are the last state seen (the newest member
                                                   sample), impact the last prediction */
  int has_alert;                                /* the node's latest Alert about this missile */
  int alert_active;                             /* 1: issued or updated, not cancelled */
  mwx_msg_alert alert;
  uint64_t version;                             /* the picture's version at which what it says of
                                                   this entry last changed (its state but for the
                                                   position at a new pass's time alone; its launch
                                                   point, prediction, alert; its coming, falling,
                                                   leaving): mwx_node_fused_picture_since */
  int brief;                                    /* (_since) unchanged since the caller's version:
                                                   only global_track_no, t_ns, t_last_sample_ns,
                                                   lat/lon/h, contributors, shared, coasting,
                                                   fallen are set (no members, launch, impact,
                                                   alert) */
  int moved;                                    /* (_since) only its newest member sample changed
                                                   since the caller's version (its members,
                                                   contributors, method the same; no new launch
                                                   point, prediction or alert): the brief fields
                                                   and the members are set, not launch, impact,
                                                   alert (the caller keeps those it has) */
  int removed;                                  /* (_since) left the picture: only global_track_no
                                                   and version are set */
} mwx_node_fused_entry;
typedef void (*mwx_node_fused_fn)(void *ctx, const mwx_node_fused_entry *e);

/* Calls fn for each entry of the fused picture at the node's sim time
 * (a fallen missile stays in it, fallen = 1, until the fuser forgets it:
 * mwx_fuse_config.forget_s).
 * Loop thread (or between mwx_node_step calls); entries valid during the
 * call. */
void mwx_node_fused_picture(const mwx_node *n, mwx_node_fused_fn fn, void *ctx);

/* The fused picture's version: 0 before its first entry, then raised
 * whenever what the picture says of an entry changes (node.h
 * mwx_node_fused_entry.version).  0 for NULL.  Loop thread. */
uint64_t mwx_node_fused_version(const mwx_node *n);

/* The changed-since filter: calls fn for every entry whose version is
 * newer than since (in full, as mwx_node_fused_picture gives it, or moved:
 * below), for every
 * entry that left the picture after since (removed = 1), and, with brief,
 * for every other live entry with its position at the picture's time alone
 * (brief = 1: the fields node.h lists); the entries not changed since are
 * not rebuilt (no launch, prediction or alert look-up), nor those changed
 * by their newest member sample alone (moved = 1: the brief fields and the
 * members, no look-up).  *version: the
 * picture's version the walk brings the caller to (since >= it and !brief:
 * fn is not called).  since 0 with brief 0: the whole picture.
 * 0; MWX_EINVAL for NULL n, fn or version; MWX_ERANGE (error set, fn not
 * called, *version set) if since is older than the changes the node keeps
 * (an entry that left more than 60 sim s ago is forgotten): read the whole
 * picture (since 0).  Loop thread (as mwx_node_fused_picture). */
int mwx_node_fused_picture_since(const mwx_node *n, uint64_t since, int brief, mwx_node_fused_fn fn, void *ctx,
                                 uint64_t *version);

struct json_t;
/* A fused picture entry as one JSON object (Jansson; *out is a new
 * reference), the form a program reads the picture in (mwxd --log json*
 * prints one a line at DOWN; the demo's act 5 reads them):
 *   {"type":"picture", "nation":<this node>, "global_track_no", "t_s" (sim s
 *    after epoch_ns of the state), "fallen", "shared", "coasting",
 *    "lat_deg", "lon_deg", "alt_km", "members":[...], "contributors":[...],
 *    "launch":{"from","id","t_s","lat_deg","lon_deg","err_major_km",
 *              "err_minor_km","err_orient_deg"} (if any),
 *    "impact":{"id","made_t_s","t_s","lat_deg","lon_deg","ell_major_km",
 *              "ell_minor_km","ell_orient_deg" (95% semi-axes, from north),
 *              "class","zone","zone_nation"} (if any),
 *    "alert":{"id","severity","action","active","t_s","regions"} (if any)}.
 * MWX_EINVAL for NULL, MWX_ENOMEM.  Pure. */
int mwx_node_fused_json(const char *nation, int64_t epoch_ns, const mwx_node_fused_entry *e, struct json_t **out);

/* Offline in-process transport: hands m to the node's receive path as a
 * sample net accepted from m->mark.originator (replay checks, journal,
 * picture, fusion), for a node that is not online (tests, the demo, a
 * replay of the real nodes without DDS).  The caller vouches for the
 * signature (m is what the partner's node released to this nation).  Not
 * from another thread; MWX_EINVAL for an online node or a sample without
 * an originator. */
int mwx_node_inject(mwx_node *n, const mwx_msg *m);

/* Offline coalition (in-process transport): steps the nodes (all offline,
 * of distinct nations, one scenario epoch) to the same sim times, step_s of
 * the first apart, and after each step delivers every sample one of them
 * released or approved for another of them with mwx_node_inject, in the
 * order released.  A nation not among the nodes receives nothing.  Events
 * go to each node's own callback.  Runs until every node's scenario is over
 * (mwx_node_step *done) or until until_ns (> 0).  The first error stops it. */
int mwx_node_offline_run(mwx_node *const *nodes, size_t n_nodes, int64_t until_ns);

/* One line (no newline) for an event, e.g.
 *   KOR RELEASED JPN t=+51.0s topic=Track seq=1 rule=kor-jpn-track record=22
 *   KOR HELD JPN t=+335.0s topic=ImpactPrediction seq=1 rule=... record=1498 item=1498 (held ...)
 *   JPN <- KOR Track KOR-T3 seq=1 rule=kor-jpn-track verified, 3.9 ms after plot (3.5 at reception) (t=+50s, record 20)
 *   JPN partner KOR alive
 * t is sim seconds after epoch_ns (the first launch).  Truncated to cap. */
void mwx_node_event_format(const char *nation, int64_t epoch_ns, const mwx_node_event *ev, char *buf, size_t cap);

/* Prints the counters: a table (per partner: released per topic, held,
 * approved, denied, refused, received, first release after launch) or,
 * with json, one JSON object on one line. */
void mwx_node_stats_print(FILE *f, const mwx_node_stats *st, const char *nation, double wall_s, int json);

/* The journal handle of the node (loop thread only; borrowed). */
mwx_journal *mwx_node_journal(mwx_node *n);

/* Sim time of the first launch of the scenario (0 without one). */
int64_t mwx_node_epoch_ns(const mwx_node *n);

/* The node's sim time, ns (what mwx_node_stats.sim_ns holds: processed up
 * to), without the stats' other work (the tables' counts, the heap walk,
 * /proc): for callers on a hot path, such as every push of the web
 * picture.  Loop thread only; 0 for NULL. */
int64_t mwx_node_sim_ns(const mwx_node *n);

/* ===================================================================== */
/* The event interface (src/node/events.c)                                 */
/* ===================================================================== */
/*
 * One interface by which the node tells everyone what changed: its own
 * samples (MWX_NODE_EV_SAMPLE: the own picture), partners' samples
 * (RECEIVED: the partner picture), the release queue (HELD, APPROVED,
 * DENIED, plus RELEASED / REFUSED), partner status (PARTNER, DROPPED) and
 * the end of the scenario (DONE), a new fused picture (PICTURE).  The web
 * layer (mwx/cop.h), mwxd's log and the demo subscribe to it; the fn given
 * to mwx_node_open is simply the first subscriber (it gets every kind but
 * SAMPLE and PICTURE, which its older callers do not expect).  Alerts arrive as samples of topic MWX_TOPIC_ALERT
 * (SAMPLE or RECEIVED) once the alert module makes them.
 *
 * Every subscriber runs on the loop thread, in subscription order, after
 * the journal commit that holds what the event reports (write-ahead: what
 * a subscriber shows is in the journal).  A subscriber must not block; it
 * may unsubscribe itself (or another) from inside its callback.
 */
#define MWX_NODE_MAX_SUBSCRIBERS 16

/* Adds a subscriber; *id (may be NULL) receives its id (> 0).  MWX_EBUSY
 * when MWX_NODE_MAX_SUBSCRIBERS are subscribed.  Loop thread (or before
 * mwx_node_run). */
int mwx_node_subscribe(mwx_node *n, mwx_node_event_fn fn, void *ctx, uint64_t *id);

/* As mwx_node_subscribe, and the subscriber also gets the diagnostic
 * events (MWX_NODE_EV_SLOWPASS, MWX_NODE_EV_MEMORY), which no other
 * subscriber is given. */
int mwx_node_subscribe_diag(mwx_node *n, mwx_node_event_fn fn, void *ctx, uint64_t *id);

/* Removes subscriber id.  MWX_ENOTFOUND if there is none.  Loop thread. */
int mwx_node_unsubscribe(mwx_node *n, uint64_t id);

struct json_t;
/* The event as one JSON object (Jansson; *out is a new reference):
 *   {"type":"sample"|"received"|"released"|"held"|"approved"|"denied"|
 *            "refused"|"dropped"|"partner"|"done"|"fused_prediction"|"alert"|
 *            "fused_pass" (PICTURE),
 *    "nation":<this node>, "partner":..., "wall_ms":..., "t_s":<sim s after
 *    epoch_ns>, "record":..., "item":..., "detail":..., "alive":...,
 *    "latency_ms":..., "sample":<mwx_node_msg_json of the sample, if any>}
 * Strings are copied with their length bound (never read past a field). */
int mwx_node_event_json(const char *nation, int64_t epoch_ns, const mwx_node_event *ev, struct json_t **out);

/* A sample as JSON, units in the keys: {"topic":"Track", "originator",
 * "classification", "releasable_to":[...], "rule", "seq", "id" (local track
 * / alert / node id), "global_track_no" (Track, LaunchEvent, ImpactPrediction;
 * 0 before fusion), and per topic: Track "time_ms", "lat_deg", "lon_deg",
 * "alt_km", "speed_mps", "phase", "quality", "contributors":[...];
 * LaunchEvent "launch_time_ms", "lat_deg", "lon_deg", "err_major_km",
 * "err_minor_km", "err_orient_deg", "azimuth_deg"; ImpactPrediction
 * "time_ms", "impact_time_ms", "lat_deg", "lon_deg", "ell_major_km",
 * "ell_minor_km" (95% semi-axes), "ell_orient_deg" (from north), "class",
 * "zone", "zone_nation", "overflown":[...]; Alert "nation", "severity",
 * "action", "regions", "text"; NodeStatus "node_id", "sensors_ok",
 * "sensors_total", "clock_offset_ns"}.  Times are ms since the Unix epoch
 * (sim clock). */
int mwx_node_msg_json(const mwx_msg *m, struct json_t **out);

/* The node's nation ("JPN"; "" for NULL).  Any thread. */
const char *mwx_node_nation(const mwx_node *n);

/* ===================================================================== */
/* Offline links and the replay of the real nodes (src/node/offline.c,      */
/* src/node/replay.c)                                                      */
/* ===================================================================== */

#define MWX_NODE_OFFLINE_MAX 8

/* Who talks to whom in an offline coalition: link[i][k] != 0 when nodes i
 * and k (indices into the nodes array) exchange samples directly (a
 * bilateral link); relay >= 0 names a node that relays (hub topology, like
 * a "hub-relay" mwxd: config/hub): a copy for a nation without a direct
 * link travels through it when both links exist, and the sender's node
 * routes that copy as an online node does (the relay must be allowed to
 * read it, node.c route_indirect; else the copy is refused).  relay -1: no
 * relaying (a copy for a nation without a link is simply not delivered). */
typedef struct mwx_node_offline_links {
  unsigned char link[MWX_NODE_OFFLINE_MAX][MWX_NODE_OFFLINE_MAX];
  int relay;
} mwx_node_offline_links;

/* mwx_node_offline_run with links (NULL: every node reaches every other
 * directly, as mwx_node_offline_run).  At most MWX_NODE_OFFLINE_MAX nodes;
 * step_s of the first node > 0.  Relayed copies are delivered in the same
 * step as direct ones (the relay adds no delay offline). */
int mwx_node_offline_run_links(mwx_node *const *nodes, size_t n_nodes, const mwx_node_offline_links *links,
                               int64_t until_ns);

/*
 * The replay of a scenario over the real nodes (`mwx replay`): for each of
 * three conditions the three nations' nodes (KOR, JPN, USA: release
 * policies, signatures, journals, fusion, alerts) run offline in this
 * process (mwx_node_offline_run_links):
 *   alone      no links: each node on its own sensors
 *   bilateral  KOR-USA and JPN-USA only (the arrangements before 2023)
 *   shared     all three (mesh: three links; hub: KOR-USA, JPN-USA, the USA
 *              relaying)
 * Each nation's picture of each missile is scored from its node's
 * structured events only (SAMPLE, RECEIVED, ALERT; never log text) against
 * the truth (read only to score): the keys of mwx_fuse_replay_cond
 * (mwx/fuse.h; one output shape for both replays), docs/fusion.md
 * "Replay".  Journals go to a temporary directory (removed), sync NORMAL
 * (a replay's journals are thrown away: durability against power loss buys
 * nothing, and every record is still hash-chained and signed).
 */
#include "mwx/fuse.h"

#define MWX_NODE_REPLAY_ALONE 1
#define MWX_NODE_REPLAY_BILATERAL 2
#define MWX_NODE_REPLAY_SHARED 4

typedef struct mwx_node_replay_opts {
  uint64_t seed;          /* simulator seed (default 1), the same for every node */
  int hub;                /* 1: shared runs in the hub topology (the USA relays) */
  int conditions;         /* MWX_NODE_REPLAY_* mask; 0: all three */
  int nations;            /* alone only: bit a (0 KOR, 1 JPN, 2 USA) runs that nation's node; 0: all
                             (bilateral and shared always run all three) */
  char policy_dir[MWX_NODE_PATH_LEN]; /* policy-<NAT>.json from here where it exists, else (and
                                         for ""): config/policy-<NAT>.json of the source tree */
  double until_s;         /* > 0: stop this long after the first launch (tests); 0: the scenario's end */
  /* progress (may be NULL): called on the caller's thread at each condition
   * and about every 60 sim seconds, frac in [0, 1] of the whole replay */
  void (*progress)(void *ctx, const char *condition, double frac);
  void *progress_ctx;
} mwx_node_replay_opts;

void mwx_node_replay_opts_default(mwx_node_replay_opts *o);

/* One alert event of one nation under one condition (the warning timeline). */
typedef struct mwx_node_replay_alert {
  int nation;             /* 0 KOR, 1 JPN, 2 USA */
  int condition;          /* 0 alone, 1 bilateral, 2 shared */
  size_t missile;         /* index into the result's missiles; (size_t)-1: no missile (a phantom) */
  uint32_t global_track_no;
  double t_s;             /* seconds after the missile's launch (the first launch if none) */
  int action;             /* mwx_msg_alert_action */
  int kind;               /* mwx_alert_kind (the Alert's severity) */
  double overflight_s;    /* predicted entry over the nation's land or territorial sea, < -1e8: none */
  char regions[MWX_TEXT_LEN];
} mwx_node_replay_alert;

typedef struct mwx_node_replay_result {
  mwx_fuse_replay_result keys;     /* per missile, nation, condition (mwx_fuse_replay_json / _print) */
  mwx_node_replay_alert *alert;    /* every Alert event, in order */
  size_t n_alerts;
  uint64_t unfusable[3][3];        /* [nation][condition]: partners' Tracks the fuser could not take */
  uint64_t received[3][3];         /* partners' samples taken */
  uint64_t records[3][3];          /* journal records written */
  double wall_s[3];                /* wall time per condition */
  int sync;                        /* the journals' mwx_journal_sync */
} mwx_node_replay_result;

/* Runs the replay of scenario_path (opts NULL: defaults).  *out is
 * overwritten; the caller frees it with mwx_node_replay_fini (also after a
 * failure).  Writes journals in a temporary directory under $TMPDIR (or
 * /tmp), removed before returning.  Errors: those of mwx_node_open (bad
 * scenario, policy), MWX_EIO (temporary directory), MWX_ENOMEM. */
int mwx_node_replay(const char *scenario_path, const mwx_node_replay_opts *opts, mwx_node_replay_result *out);
void mwx_node_replay_fini(mwx_node_replay_result *r);

#endif /* MWX_NODE_H */
