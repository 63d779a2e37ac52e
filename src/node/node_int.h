/*
 * node_int.h - the node's private state, shared by node.c (the send
 * pipeline and the loop timer) and rx.c (the receive thread and the
 * loop-side handling of what it hands over).  Not API.
 */
#ifndef MWX_NODE_INT_H
#define MWX_NODE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "mwx/assess.h"
#include "mwx/node.h"
#include "mwx/sim.h"
#include "mwx/track.h"

/* Per tracker index: what has been sent about it. */
typedef struct node_trk {
  int confirmed, launch_sent, launch_fit_done, impact_sent;
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
} node_out;

/* What the receive thread hands to the loop (one copy per net event). */
typedef struct node_rx_item {
  int kind; /* mwx_net_event_kind */
  int link, reason, relayed, alive, has_msg;
  int64_t recv_ns;
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

typedef struct node_fitpool node_fitpool;
/* Starts workers threads with a FIFO of at most cap jobs; results go to
 * loop.  delay_ms: TEST ONLY wait before each fit. */
int node_fitpool_create(int workers, size_t cap, int delay_ms, mwx_node_loop *loop, node_fitpool **out);
/* Hands j over (the pool owns it then) or MWX_EBUSY when the FIFO is full
 * (j stays the caller's).  Loop thread. */
int node_fitpool_submit(node_fitpool *p, node_fit_job *j);
/* Stops and joins the workers (a fit in progress is finished first; the
 * test delay is cut short); frees jobs not started.  NULL ignored. */
void node_fitpool_destroy(node_fitpool *p);
void node_fit_job_free(node_fit_job *j);

/* rx.c: journals what the receive thread handed over, inside the batch
 * the caller holds open (accepted samples) or in its own record (drops,
 * partner events: none); fills ev (emitted after the commit by
 * node_rx_emit).  Returns 1 if it journaled inside the batch, 0 if not. */
int node_rx_take(mwx_node *n, node_rx_item *it, mwx_node_event *ev);
/* rx.c: stamps ev (time held, latency) and reports it. */
void node_rx_emit(mwx_node *n, node_rx_item *it, mwx_node_event *ev);
/* rx.c: 1 if the item needs the batch (an accepted sample). */
int node_rx_in_batch(const node_rx_item *it);

struct mwx_node {
  mwx_node_config cfg;
  mwx_node_event_fn fn;
  void *fn_ctx;
  mwx_release_policy policy;
  mwx_msg_key *key;
  mwx_journal *j;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  mwx_sim_source *src;
  int src_done, done_reported;
  size_t own_sensors;
  int64_t epoch_ns;
  mwx_tracker *tr;
  mwx_node_loop *loop;
  /* clock */
  int64_t sim_ns;          /* sim time processed up to */
  int64_t sim_origin_ns, mono_origin_ns;
  int linger_timer_set;
  int64_t linger_until_mono;
  /* pipeline state */
  mwx_track_plot *plots;
  size_t n_plots, cap_plots;
  node_trk *trk;
  size_t n_trk, cap_trk;
  uint64_t seq[6];          /* last seq given per topic (continued from the journal at open) */
  uint64_t seq_saved[6];    /* the values last written to the journal's seq_out */
  int64_t last_status_ns, last_deadline_ns;
  uint64_t approved_after;
  node_out *out;
  size_t n_out, cap_out;
  mwx_msg scratch;
  mwx_release_decision dec[MWX_NODE_MAX_PARTNERS]; /* one per partner, same order as st.partner */
  int direct[MWX_NODE_MAX_PARTNERS]; /* online: 1 if the partner is on one of our links, 0 if reached
                                        only through a relay (hub topology) */
  mwx_node_stats st;
  /* receive side */
  mwx_net *net;
  pthread_t rx_thread;
  int rx_started;
  atomic_int rx_stop;
  mwx_node_picture_entry *pic;
  size_t n_pic, cap_pic;
  /* replay windows per (originator, topic), loaded from the journal at open */
  mwx_journal_seq_in rin[MWX_NODE_MAX_PARTNERS * 5];
  size_t n_rin;
  uint64_t replays; /* samples refused as replays since open */
  /* events.c: subscribers (n->fn is node_events_dispatch, fn_ctx the node) */
  struct {
    uint64_t id;
    mwx_node_event_fn fn;
    void *ctx;
    int no_samples; /* the fn of mwx_node_open: every kind but SAMPLE */
  } subs[MWX_NODE_MAX_SUBSCRIBERS];
  size_t n_subs;
  uint64_t next_sub_id;
  /* event-driven drive and the fit workers */
  uint64_t tick_id;
  node_fitpool *fits;
  node_fit_result *fit_done; /* results handed back, applied at the next step (bounded: fit_queue + workers) */
  size_t n_fit_done, cap_fit_done;
  int64_t next_expire_ns;    /* sim time of the next check of the release queue's deadlines */
};

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

#endif /* MWX_NODE_INT_H */
