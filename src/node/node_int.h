/*
 * node_int.h - the node's private state and the declarations shared by its
 * files.  Not API.  The node (node.h) is split by concern:
 *   node_open.c     open/close, config defaults, partners, accessors
 *   node_clock.c    the loop timer (sim time), mwx_node_run / stop
 *   node_step.c     the group commits: mwx_node_step, node_batch
 *   node_tracks.c   plots -> tracker -> samples, the launch fit
 *   node_samples.c  Track / LaunchEvent / ImpactPrediction / NodeStatus
 *   node_release.c  release decisions, routing, the out queue, publishing
 *   node_queue.c    the release queue: time-outs and approvals
 *   rx.c            the receive thread and what it hands over
 *   fitpool.c, fusepic.c (+ fusework.c), alerting.c, events.c, loop.c, offline.c,
 *   config.c, format.c: see each file.
 */
#ifndef MWX_NODE_INT_H
#define MWX_NODE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/core_int.h"
#include "mwx/assess.h"
#include "mwx/fuse.h"
#include "mwx/node.h"
#include "mwx/sim.h"
#include "mwx/track.h"

/* Per tracker index: what has been sent about it. */
typedef struct node_trk {
  size_t idx;                 /* tracker index (the key) */
  uint32_t id;                /* the track's id (a tracker slot is reused by a new id: track.h) */
  int used;                   /* slot holds an entry */
  int64_t last_seen_ns;       /* the track's t_last_ns: the least recent is evicted when full */
  int confirmed, launch_sent, impact_sent;
  int launch_fit_done;        /* the early-plot window closed: the fit started (if any) and the plots released */
  int64_t last_pub_ns, last_impact_ns;
  int64_t last_try_launch_ns, last_try_impact_ns; /* event-driven: an assessment that gave nothing
                                                     is tried again at most once a sim second */
  uint8_t cls;
} node_trk;

/* A report waiting for the batch to commit. */
typedef struct node_out {
  int kind;  /* mwx_node_event_kind */
  char partner[MWX_NATION_LEN];
  int has_msg;
  mwx_msg msg;
  uint64_t record, item;
  char detail[160];
  int64_t overflight_ns; /* ALERT */
  int64_t stage_ns[MWX_NODE_STAGE_COUNT]; /* RELEASED / APPROVED: PLOT..SIGNED here, JOURNALED and
                                             PUBLISHED by the step (node.h mwx_node_stage) */
} node_out;

/* What the receive thread hands to the loop (one copy per net event). */
typedef struct node_rx_item {
  int kind; /* mwx_net_event_kind */
  int link, reason, relayed, alive, has_msg;
  int64_t recv_ns;
  int64_t verified_ns; /* net's checks done (MWX_NODE_STAGE_VERIFIED) */
  char partner[MWX_NATION_LEN];
  char detail[200];
  mwx_msg msg;
} node_rx_item;

/* fitpool.c: a launch fit for the workers (their own copies of the plots). */
typedef struct node_fit_job {
  size_t idx;                 /* tracker index */
  mwx_track_info in;          /* the track when the window closed */
  mwx_assess a;               /* its early assessment (the first guess) */
  double heading_deg;
  mwx_track_plot *ep, *ir;    /* malloc'd copies */
  size_t nep, nir;
  int64_t queued_mono_ns;
} node_fit_job;

/* What a worker posts to the loop (told from a node_rx_item by its size). */
#define NODE_FIT_MAGIC 0x46495431u
typedef struct node_fit_result {
  uint32_t magic;
  int ok;                     /* 1: a.launch is the fitted point */
  size_t idx;
  mwx_track_info in;
  mwx_assess a;
  int64_t queued_mono_ns;
  char pad[64];               /* keeps the size apart from node_rx_item's */
} node_fit_result;

/* What the fusion worker posts to the loop when a pass is done (fusepic.c):
 * only a wake-up, told apart by its size; the pass itself is taken back
 * from the worker's state, so a lost token delays it to the next step. */
#define NODE_FUSE_MAGIC 0x46555331u
typedef struct node_fuse_token {
  uint32_t magic;
} node_fuse_token;

/* node_tracks.c: the impact budget's round-robin (issue 16).  Each pass
 * visits the tracker's table from a cursor; the first track the budget puts
 * off in a pass is where the next pass starts, so a track put off is served
 * before the tracks that were served instead of it: a track due at a pass
 * is tried within (live tracks) passes (every pass tries at least the
 * first due track it visits: the budget is checked before each try, and
 * nothing is spent before the first).  A pass that puts nothing off leaves
 * the cursor where it is (offline, no budget: always 0, the table order). */
typedef struct node_rr {
  size_t cursor;  /* where the next pass starts */
  size_t next;    /* the first track put off in this pass */
  int deferred;   /* this pass put one off */
} node_rr;
/* The index the pass starts at (< count; 0 for an empty table). */
size_t node_rr_start(node_rr *r, size_t count);
/* The gate of one due track's try: 1 to try it now, 0 if the budget is
 * spent (spent != 0): then it is put off, counted in *deferred. */
int node_rr_gate(node_rr *r, size_t idx, int spent, uint64_t *deferred);

/* node_mem.c: the memory worker's report (online, at each NodeStatus),
 * told from the other hand-over items by its size and magic. */
#define NODE_MEM_MAGIC 0x4d454d31u
typedef struct node_mem_result {
  uint32_t magic;
  int trimmed;                 /* 1: malloc_trim ran (the free bytes grew by the threshold since the last trim) */
  int64_t sim_ns;              /* the node's sim time of the request */
  int64_t trim_ns;             /* malloc_trim's wall time on the worker */
  uint64_t free_before_bytes;  /* mallinfo2 fordblks before the trim */
  uint64_t heap_used_bytes, heap_free_bytes, rss_bytes; /* after it */
  char pad[8];                 /* keeps the size apart from node_fit_result's and node_rx_item's */
} node_mem_result;
/* malloc_trim runs only when the arenas' free bytes grew by at least this
 * much since the last trim (the first: at least this much free) */
#define NODE_TRIM_FREE_MIN (4u << 20)
/* rx_pend and out are freed when marked, empty and larger than this many entries */
#define NODE_SHRINK_MIN 256
/* The worker's threshold: 1 when free_bytes (mallinfo2 fordblks now) is at
 * least free_min above *free_base (the free bytes after the last trim; 0
 * before the first), which it first lowers to free_bytes when fewer are
 * free now.  The caller sets *free_base to the free bytes after the trim
 * it then runs.  0 free bytes (AddressSanitizer's heap) never trims. */
int node_mem_trim_due(uint64_t *free_base, uint64_t free_bytes, uint64_t free_min);
typedef struct node_memwork node_memwork;
/* Starts the worker (results go to loop). */
int node_memwork_create(uint64_t free_min, int nice_incr, int sched, mwx_node_loop *loop, node_memwork **out);
/* Asks for one report (a pending one absorbs it).  Loop thread; takes a mutex briefly. */
void node_memwork_request(node_memwork *w, int64_t sim_ns);
/* Stops and joins the worker.  NULL ignored. */
void node_memwork_destroy(node_memwork *w);
/* node_open.c: the node's own parts of mwx_node_memory into m: the owners'
 * bytes (tracker, SQLite, fuser, the node's tables) and the trim and shrink
 * counters.  Loop thread. */
void node_mem_fill(const mwx_node *n, mwx_node_memory *m);
/* mallinfo2's bytes in use and free, VmRSS (any thread). */
void node_mem_read(uint64_t *used, uint64_t *free_b, uint64_t *rss);
/* The process's malloc mmap threshold fixed at threshold_kb kB (glibc
 * mallopt M_MMAP_THRESHOLD: every block of at least that size mapped on its
 * own and unmapped when freed; the dynamic threshold off); 0 leaves glibc's
 * dynamic threshold.  Returns 1 if set, 0 if not asked or refused (an
 * allocator that does not take it: AddressSanitizer's mallopt refuses
 * every option).  Process-wide; any thread, before the node's threads
 * allocate is best. */
int node_mem_policy(int threshold_kb);

/* node_thread.c: names the calling thread (at most 15 bytes kept: the
 * kernel's comm), for /proc/PID/task/TID/comm, top -H and perf.  Never fails. */
void node_thread_name(const char *name);
/* node_thread.c: the calling (batch) thread's nice raised by nice_incr
 * (0..19; the result at most 19) over its current one, and its policy set
 * to sched (MWX_NODE_BATCH_*: OTHER leaves it).  0, or MWX_EIO when the
 * kernel refused a part (no error set: the thread runs on unchanged, a
 * priority is not a correctness matter). */
int node_thread_batch(int nice_incr, int sched);

typedef struct node_fitpool node_fitpool;
/* Starts workers threads with a FIFO of at most cap jobs; results go to
 * loop.  min_ms: TEST ONLY, each fit's min_duration_ms (cut short by a stop).
 * Each worker sets its priority first (node_thread_batch(nice_incr, sched)). */
int node_fitpool_create(int workers, size_t cap, int min_ms, int nice_incr, int sched, mwx_node_loop *loop,
                        node_fitpool **out);
/* Hands j over (the pool owns it then) or MWX_EBUSY when the FIFO is full
 * (j stays the caller's).  Loop thread. */
int node_fitpool_submit(node_fitpool *p, node_fit_job *j);
/* Stops and joins the workers (a fit in progress is finished first; its
 * test wait is cut short); frees jobs not started.  NULL ignored. */
void node_fitpool_destroy(node_fitpool *p);
void node_fit_job_free(node_fit_job *j);

/* signpool.c: the released copies of a pass signed beside the loop.  One
 * queued decision: the decision (its sample signed by the pool when sign),
 * its place in the out queue, the signature's result. */
#define NODE_SIGN_QUEUE 512      /* decisions queued at most; the next one flushes first (sign_full) */
#define NODE_SIGN_THREADS_MAX CORE_POOL_THREADS_MAX /* sign_threads: the loop and at most 7 workers */
typedef struct node_sign_entry {
  mwx_release_decision d;
  size_t out_idx; /* n->out[out_idx] is its out entry */
  int sign;       /* 1: d.sample is to be signed (a release) */
  int rc;         /* the signature's result */
  char err[160];
} node_sign_entry;
typedef struct node_signpool node_signpool;
/* threads - 1 workers (threads 2..NODE_SIGN_THREADS_MAX) signing with key
 * (kept by the caller).  MWX_EINVAL, MWX_ENOMEM, MWX_EIO. */
int node_signpool_create(int threads, const mwx_msg_key *key, node_signpool **out);
/* The next free entry (the loop fills it, then node_signpool_push), NULL
 * when NODE_SIGN_QUEUE are queued.  Loop thread. */
node_sign_entry *node_signpool_slot(node_signpool *p);
void node_signpool_push(node_signpool *p);
/* Signs what no worker took, waits for the rest: the queued entries
 * (*cnt of them, all done), valid until node_signpool_reset.  Loop. */
node_sign_entry *node_signpool_wait(node_signpool *p, size_t *cnt);
void node_signpool_reset(node_signpool *p);
uint64_t node_signpool_by_worker(node_signpool *p); /* signatures the workers made */
void node_signpool_destroy(node_signpool *p);       /* joins the workers; NULL ignored */
/* node_release.c: journals the queued decisions in their order (after
 * their signatures), fills their out entries: before any other record and
 * before every commit.  0, or the first failure (the pass then fails, as a
 * failed signature or record did before).  No pool: 0. */
int node_sign_flush(mwx_node *n);
/* node_release.c: forgets the queued decisions (the pass is rolled back). */
void node_sign_discard(mwx_node *n);

/* rx.c: journals what the receive thread handed over, inside the batch
 * the caller holds open (accepted samples) or in its own record (drops,
 * partner events: none); fills ev (emitted after the commit by
 * node_rx_emit).  Returns 1 if it journaled inside the batch, 0 if not. */
int node_rx_take(mwx_node *n, node_rx_item *it, mwx_node_event *ev);
/* rx.c: stamps ev (time held, latency) and reports it. */
void node_rx_emit(mwx_node *n, node_rx_item *it, mwx_node_event *ev);
/* rx.c: 1 if the item needs the batch (an accepted sample). */
int node_rx_in_batch(const node_rx_item *it);

struct node_fuse;     /* fusepic.c */
struct node_alerting; /* alerting.c */

struct mwx_node {
  mwx_node_config cfg;
  mwx_node_event_fn fn;
  void *fn_ctx;
  mwx_release_policy policy;
  mwx_msg_key *key;
  mwx_journal *j;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  mwx_assess_drive *drv;   /* the sim -> track driver (assess.h); tr is its tracker */
  int has_src;             /* a scenario plays (else: the tracker only) */
  int src_done, done_reported;
  size_t own_sensors;
  int64_t epoch_ns;
  mwx_tracker *tr;          /* borrowed from drv */
  mwx_node_loop *loop;
  /* clock */
  int64_t sim_ns;          /* sim time processed up to */
  int64_t sim_origin_ns, mono_origin_ns;
  int linger_timer_set;
  int64_t linger_until_mono;
  /* pipeline state */
  node_trk *trk;             /* node_tracks.c: the per-track table, cap_trk = 2 * max_tracks slots */
  size_t n_trk, cap_trk;
  int logged_tracker_full, logged_pending_full; /* node_tracks.c: the tracker's overflows logged once */
  int logged_latest_full;   /* rx.c: the partners' latest samples full, logged once */
  uint64_t seq[6];          /* last seq given per topic (continued from the journal at open) */
  uint64_t seq_saved[6];    /* the values last written to the journal's seq_out */
  int64_t last_status_ns, last_deadline_ns;
  uint64_t approved_after;
  node_out *out;
  size_t n_out, cap_out;
  mwx_msg scratch;
  mwx_release_decision dec[MWX_NODE_MAX_PARTNERS]; /* one per partner, same order as st.partner */
  node_signpool *signp;     /* signpool.c: online with sign_threads >= 2, else NULL (signed in line) */
  uint64_t sign_full;       /* decisions that found the sign queue full (flushed first) */
  int direct[MWX_NODE_MAX_PARTNERS]; /* online: 1 if the partner is on one of our links, 0 if reached
                                        only through a relay (hub topology) */
  mwx_node_stats st;
  /* receive side */
  mwx_net *net;
  pthread_t rx_thread;
  int rx_started;
  atomic_int rx_stop;
  mwx_fuse_latest *latest; /* the partners' latest samples (src/fuse/fuse_latest.c) */
  /* replay windows per (originator, topic), loaded from the journal at open */
  mwx_journal_seq_in rin[MWX_NODE_MAX_PARTNERS * 5];
  size_t n_rin;
  uint64_t replays; /* samples refused as replays since open */
  /* events.c: subscribers (n->fn is node_events_dispatch, fn_ctx the node) */
  struct {
    uint64_t id;
    mwx_node_event_fn fn;
    void *ctx;
    int no_samples; /* the fn of mwx_node_open: every kind but SAMPLE and PICTURE */
    int diag;       /* mwx_node_subscribe_diag: SLOWPASS and MEMORY too */
  } subs[MWX_NODE_MAX_SUBSCRIBERS];
  size_t n_subs;
  uint64_t next_sub_id;
  /* event-driven drive and the fit workers */
  uint64_t tick_id;
  node_fitpool *fits;
  node_fit_result *fit_done; /* results handed back, applied at the next step (bounded: fit_queue + workers) */
  size_t n_fit_done, cap_fit_done;
  int64_t next_expire_ns;    /* sim time of the next check of the release queue's deadlines */
  struct node_fuse *fu;     /* the fused picture (fusepic.c) */
  struct node_alerting *al; /* zones and alerts (alerting.c); NULL: no alert rules */
  /* node_step.c: the loop pass's one commit (issue 16): received samples
     journaled in the pass's open transaction, reported after its commit */
  int pass_open;
  node_rx_item *rx_pend;     /* copies, in order; at most the hand-over queue's cap */
  mwx_node_event *rx_pend_ev;
  size_t n_rx_pend, cap_rx_pend;
  float fit_ms[256];         /* node_tracks.c: the last fits' waits, queued -> on the loop */
  size_t n_fit_ms;
  struct node_xout *xout;   /* offline.c: what left for partners, when an offline coalition runs */
  /* issue 16: the stages of the samples of this pass (node.h mwx_node_stage) */
  int64_t pass_in_ns;        /* CLOCK_REALTIME at the start of the step */
  /* the loop thread's profile (node_prof), mwx_node_get_profile */
  int64_t prof_ns[MWX_NODE_PROF_COUNT];
  int prof_cur;
  int64_t prof_t0;
  uint64_t prof_passes;
  /* high-water marks of the queues bounded by construction (mwx_node_stats) */
  size_t out_max, rx_pend_max;
  size_t out_last; /* copies queued by the last step (slow_pass_ms) */
  int pass_status;  /* the current step made the NodeStatus (slow_pass_ms) */
  uint64_t impacts_deferred; /* node_tracks.c: impact predictions put off to the next pass (budget) */
  node_rr impact_rr;         /* node_tracks.c: where the next pass's visit starts (the budget's round-robin) */
  /* malloc_trim at NodeStatus on the memory worker (node_mem.c; mwx_node_memory trims) */
  node_memwork *memw;
  /* issue 16: the pass's burst buffers (rx_pend, out) grow to the largest
     burst; at each NodeStatus they are marked and, the next time each is
     empty, freed if they hold more than NODE_SHRINK_MIN entries (made again
     at the size the next pass needs): a burst's memory is not kept for the
     rest of the run.  shrinks counts them (mwx_node_memory) */
  int shrink_rx_due, shrink_out_due;
  uint64_t shrinks;
  /* sync full: the journal has a sync thread (MWX_JOURNAL_SYNC_THREAD);
     a pass's commit is a write, the pass fsyncs before it publishes
     (node_step.c pass_out); sync_failed: an fsync failed (final: the node
     stops, nothing more is published) */
  int sync_thread;
  int sync_failed;
  uint64_t mem_trims, mem_trim_ns, mem_trim_max_ns, mem_trims_skipped;
  int mmap_threshold_kb; /* what node_mem_policy set at open (0: none) */
};

/* node_open.c: the loop thread's time goes to part from now on; returns the
 * part it was in (give it back to node_prof when the part ends). */
int node_prof(mwx_node *n, int part);

/* node_clock.c: a sim time of the exercise clock on the wall clock
 * (CLOCK_REALTIME ns); 0 when the node plays as fast as possible. */
int64_t node_sim_to_real_ns(const mwx_node *n, int64_t sim_ns);
/* node_clock.c: the exercise clock's sim time now (speed > 0, the node
 * running); else the node's sim time (n->sim_ns, the last step's). */
int64_t node_sim_now_ns(const mwx_node *n);

/* rx.c: loads the replay windows from the journal (open, before the
 * receive thread starts). */
int node_rx_load(mwx_node *n);

/* events.c: calls every subscriber with ev (loop thread). */
void node_events_dispatch(void *node, const mwx_node_event *ev);

/* rx.c: joins the coalition and starts the receive thread / stops it and
 * leaves (safe if never started). */
int node_rx_start(mwx_node *n);
void node_rx_stop(mwx_node *n);
/* rx.c: the id of the sample: the local track id (Track, Launch, Impact), the
 * alert id or the node id (Status); none for any other topic. */
const char *node_msg_id(const mwx_msg *m, const char *none);

/* ---- the split node (loop thread unless said) ---- */
/* node_clock.c: CLOCK_REALTIME in ns (any thread). */
int64_t node_real_ns(void);
/* node_step.c: the loop's batch fn (mwx_node_loop_set_batch_fn). */
void node_batch(mwx_node_loop *l, void **items, const size_t *sizes, size_t cnt, void *ctx);
/* node_tracks.c: each plot the driver takes (counted, journaled). */
int node_on_plot(void *ctx, const mwx_sim_plot *sp);
/* node_tracks.c: allocates the per-track table (open). */
int node_trk_open(mwx_node *n);
/* node_step.c: end of a loop pass: commits what node_batch journaled if no
 * step did (mwx_node_loop_set_pass_fn). */
void node_pass_end(mwx_node_loop *l, void *ctx);
/* node_tracks.c: confirmed tracks -> samples, inside the step's batch. */
int node_tracks_to_samples(mwx_node *n);
/* node_tracks.c: a launch fit's result -> the refined LaunchEvent. */
int node_launch_fit_apply(mwx_node *n, const node_fit_result *r);
/* node_samples.c: one sample each, decided (node_decide). */
int node_track_sample(mwx_node *n, const mwx_track_info *in, uint8_t cls);
int node_launch_sample(mwx_node *n, const mwx_track_info *in, const mwx_assess *a);
int node_impact_sample(mwx_node *n, const mwx_track_info *in, const mwx_assess *a);
int node_status_sample(mwx_node *n);
/* node_release.c: stamps ev (sim, wall time) and reports it. */
void node_emit(mwx_node *n, mwx_node_event *ev);
/* node_release.c: step 3, publishes and reports the committed out queue. */
int node_flush_out(mwx_node *n);
/* node_queue.c: mwx_release_queue_expire / _approved callbacks (ctx: node). */
int node_on_expired(const mwx_release_item *it, void *ctx);
int node_on_approved(const mwx_release_item *it, void *ctx);

/* The node's scratch message, cleared and marked as its next sample of the
 * topic (originator, classification, releasable-to = own nation, seq). */
mwx_msg *node_new_sample(mwx_node *n, mwx_msg_topic topic, uint8_t classification);
/* Decides m for every partner (release policy, routing), signs, journals and
 * queues the outcome; sources (n_sources markings) for derived data: the
 * third-party rule.  Inside the tick's transaction. */
int node_decide(mwx_node *n, const mwx_msg *m, uint8_t cls, size_t n_sources, const mwx_msg_marking *sources);
/* Queues an event to report once the batch has committed. */
int node_outq_push(mwx_node *n, int kind, const char *partner, const mwx_msg *m, uint64_t record, uint64_t item,
                   const char *detail);

/* ---- offline.c: the in-process coalition ---- */
struct node_xout;
/* A sample released (or approved) for partner, kept for delivery (no-op
 * unless the node runs in mwx_node_offline_run). */
void node_xout_put(mwx_node *n, const char *partner, const mwx_msg *m);
void node_xout_free(mwx_node *n);

/* ---- fusepic.c: the fused picture (mwx/fuse.h) ----
 * Threads: every function here is the loop thread's.  At speed > 0 the
 * fuser itself belongs to the fusion worker (node_fuse_start .. _stop):
 * these functions read only the loop's picture, the last pass handed back
 * (fusepic.c "Threads and ownership"). */
int node_fuse_open(mwx_node *n);
/* Starts the fusion worker (speed > 0; after the loop exists: it posts a
 * node_fuse_token to it).  From then on the worker owns the fuser. */
int node_fuse_start(mwx_node *n);
/* Stops and joins the worker (a pass in progress finishes first, its test
 * wait cut short); before the loop is destroyed.  Safe if never started. */
void node_fuse_stop(mwx_node *n);
/* Stops the worker if running, frees everything. */
void node_fuse_close(mwx_node *n);
/* A partner's sample taken by the receive path: Track -> kept for the next
 * fusion pass, LaunchEvent -> the launch candidates. */
void node_fuse_rx(mwx_node *n, const mwx_msg *m);
/* A fusion pass if due (each step, before its samples are made): the
 * partners' samples kept and the node's own confirmed, updated tracks into
 * the fuser, then the picture.  Speed 0: in line, so that the samples made
 * next carry their global number.  Speed > 0: the worker's finished pass
 * taken back, the next one handed over (the samples carry the numbers of
 * the last picture back). */
int node_fuse_own(mwx_node *n);
/* 1 if the worker has a finished pass to take back (the step is due). */
int node_fuse_ready(const mwx_node *n);
/* The worker's token arrived (node_batch): its finished pass taken back
 * now (MWX_NODE_EV_PICTURE), the next one handed over at once if samples
 * wait and the budget allows (a loop timer after this batch). */
void node_fuse_taken(mwx_node *n);
/* The fusion worker's counters into s (mwx_node_get_stats). */
void node_fuse_stats(const mwx_node *n, mwx_node_stats *s);
/* The fuser's heap as of the loop's picture (its pass's mwx_fuse_mem_stats),
 * and the bytes of the fused picture's own tables (capacities: the loop's,
 * the job's, both pictures'). */
void node_fuse_mem(const mwx_node *n, uint64_t *fuser_bytes, uint64_t *tables_bytes);
/* What the picture says of global track gtn changed outside a pass (its
 * alert): a new version (mwx_node_fused_picture_since).  0 / unknown: no-op. */
void node_fuse_touch(mwx_node *n, uint32_t gtn);
/* Global number of own track id in the loop's picture (0 if no pass back
 * yet holds it). */
uint32_t node_fuse_gtn(const mwx_node *n, unsigned track_id);
/* 1 if own track id's fused track has a partner's contribution now and is
 * out of boost: the node's prediction for that missile is then the fused
 * one.  While a member is in boost (or the fused track coasts on a boost
 * sample) the picture predicts nothing, and the own track's prediction
 * (made only once its burnout is seen) stands. */
int node_fuse_shared(const mwx_node *n, unsigned track_id);
/* An own LaunchEvent / ImpactPrediction made (candidates, the picture);
 * x: the state the prediction was made from (ECEF m, m/s), NULL for a
 * LaunchEvent. */
void node_fuse_own_sample(mwx_node *n, const mwx_msg *m, const double x[6]);
/* Fused predictions for the shared fused tracks (every impact_every_s),
 * released under the third-party rule; alerts on them. */
int node_fuse_tick(mwx_node *n);

/* ---- alerting.c: zones and alerts (mwx/zone.h, mwx/alert.h) ---- */
int node_alert_open(mwx_node *n);
void node_alert_close(mwx_node *n);
/* Zone, zone nation and overflown nations of ip from the state x (ECEF
 * [m, m/s] at t_ns, free flight with drag beta) propagated to the ground;
 * then the alert decision and life cycle for global track ip->global_track_no:
 * each event an Alert sample (released with sources) journaled as kind
 * alert.  provisional: burnout not observed (mwx_alert_input.provisional:
 * no warning on where it falls).  No-op (zone fields untouched) without
 * alert rules. */
int node_alert_impact(mwx_node *n, mwx_msg_impact *ip, const double x[6], int64_t t_ns, double beta_kgpm2,
                      int provisional, size_t n_sources, const mwx_msg_marking *sources);
/* Cancels the alerts whose missile has fallen (impact time passed). */
int node_alert_tick(mwx_node *n);
/* 1 and the latest Alert about global track gtn in *out (*active: its life
 * cycle has an alert in force), 0 if the node published none (or has
 * pruned its life cycle: 10 min after the fall).  Loop thread. */
int node_alert_latest(const mwx_node *n, uint32_t gtn, mwx_msg_alert *out, int *active);
/* The alert life cycles' table, bytes (capacity). */
uint64_t node_alert_bytes(const mwx_node *n);

#endif /* MWX_NODE_INT_H */
