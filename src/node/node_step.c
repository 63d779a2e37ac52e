/*
 * node_step.c - the node's group commit: one step of the send pipeline
 * (mwx_node_step) and one batch of what the receive thread and the fit
 * workers handed over (node_batch), made durable by ONE commit per loop
 * pass (the batch opens the pass's transaction, the step continues it, the
 * pass's end commits what no step committed).  After the commit: first
 * every copy is published, then every event of the pass is reported
 * (node_release.c node_flush_out).  Each part of a pass is timed for the
 * loop's profile (node_prof) and each sample stamped at its stages
 * (node.h mwx_node_stage).
 *
 * One step (mwx_node_step, sim time t):
 *   1. batch: the plots of this nation's sensors up to t are journaled and
 *      tracked; confirmed tracks become Track samples (when updated),
 *      LaunchEvent (once per track) and ImpactPrediction (every
 *      impact_every_s); NodeStatus every status_every_s.  Each sample is
 *      marked (originator, classification, releasable-to = this nation,
 *      seq per topic) and decided for every partner; releases are signed;
 *      every decision is journaled.  commit.
 *   2. the queue: time-outs whose deadline passed apply their action
 *      (mwx_release_queue_expire, its own transactions); approvals by any
 *      process since the last tick (mwx_release_queue_approved) are signed
 *      and journaled as published (a second batch, commit).
 *   3. only now, with the records durable (the pass's fsync: pass_out),
 *      the samples are published (net) and reported to the program.  So
 *      anything a partner or the program has seen of this node's own is in
 *      the journal (write-ahead, against kill -9 and power loss); a partner's
 *      sample is reported held once its record is written (kill -9 safe) and
 *      fsynced off the path by the journal's sync thread (pass_out).
 *
 * The receive thread (online) does nothing but mwx_net_poll; net checks
 * the marking and the origin signature and relays on a hub; each event is
 * copied and posted to the loop, which journals it and keeps the picture.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/node.h"
#include "mwx/sim.h"
#include "mwx/track.h"
#include "node_int.h"

#define NS 1000000000ll

/* ---- one tick ------------------------------------------------------------ */

/* The seqs given in this batch, written to the journal's seq_out in the same
 * transaction as the records of their samples: a restarted node continues
 * from there (never reuses a seq a partner has taken). */
static int save_seq(mwx_node *n) {
  for (int t = MWX_TOPIC_TRACK; t <= MWX_TOPIC_STATUS; t++)
    if (n->seq[t] != n->seq_saved[t]) {
      int rc = mwx_journal_seq_out_put(n->j, n->cfg.nation, (mwx_msg_topic)t, n->seq[t]);
      if (rc)
        return rc;
    }
  return 0; /* seq_saved moves when the batch has committed */
}

/* The received samples of the pass, reported (held) now that their records
 * are durable, or (ok 0) counted lost with no record.  Stamps their
 * stages: received and verified (receive thread), taken (node_batch),
 * held (now: after the commit). */
static void rx_emit_arr(mwx_node *n, node_rx_item *items, mwx_node_event *evs, size_t cnt, int ok) {
  int prev = node_prof(n, MWX_NODE_PROF_EMIT);
  int64_t held = node_real_ns();
  for (size_t k = 0; k < cnt; k++) {
    node_rx_item *it = &items[k];
    mwx_node_event *ev = &evs[k];
    if (ev->msg)
      ev->msg = &it->msg;
    if (!ok) {
      n->st.publish_errors++;
      ev->record_id = 0;
    }
    if (ev->kind == MWX_NODE_EV_RECEIVED && ok) {
      ev->stage_ns[MWX_NODE_STAGE_PLOT] = ev->msg ? node_sim_to_real_ns(n, mwx_msg_valid_ns(ev->msg)) : 0;
      ev->stage_ns[MWX_NODE_STAGE_RECEIVED] = it->recv_ns;
      ev->stage_ns[MWX_NODE_STAGE_VERIFIED] = it->verified_ns;
      ev->stage_ns[MWX_NODE_STAGE_HELD] = held;
    }
    node_rx_emit(n, it, ev);
  }
  node_prof(n, prev);
}

static void rx_pend_emit(mwx_node *n, int ok) {
  if (!n->n_rx_pend)
    return;
  rx_emit_arr(n, n->rx_pend, n->rx_pend_ev, n->n_rx_pend, ok);
  n->n_rx_pend = 0;
  if (n->shrink_rx_due) { /* a NodeStatus since the last time: a burst's room given back */
    n->shrink_rx_due = 0;
    if (n->cap_rx_pend > NODE_SHRINK_MIN) {
      free(n->rx_pend);
      free(n->rx_pend_ev);
      n->rx_pend = NULL;
      n->rx_pend_ev = NULL;
      n->cap_rx_pend = 0;
      n->shrinks++;
    }
  }
}

/* The pass's commit, timed as the profile's COMMIT.  With sync full the
 * journal runs at synchronous=NORMAL with its sync thread: the commit is a
 * write() of the pass's WAL frames (a returned commit survives kill -9) and
 * asks the sync thread for its fsync; pass_out decides who waits for it. */
static int pass_commit(mwx_node *n) {
  int prev = node_prof(n, MWX_NODE_PROF_COMMIT);
  int rc = mwx_journal_commit(n->j);
  node_prof(n, prev);
  if (rc)
    return rc;
  n->st.commits++;
  return 0;
}

/* After a pass's commit returned 0 (docs/operations.md "Journal
 * durability"):
 *   1. the samples received in the pass are reported held: their records
 *      are written (kill -9 cannot lose them); their fsync is the sync
 *      thread's, off the path (a power cut in the next fsync's time may lose
 *      the receiver's record of the last ones, never the sender's signed
 *      release of them, and never a record older than anything this node
 *      published: the WAL is one file synced in order);
 *   2. if the pass has copies to publish or decisions to report (out), the
 *      loop makes the commit durable first (mwx_journal_sync_now: one fsync
 *      here, or the wait for the sync thread's fsync in flight when that one
 *      covers it), then publishes and reports them: write-ahead against
 *      power loss for everything the node itself sends or shows.
 * A failed fsync (the loop's, or the sync thread's: seen at the next pass)
 * stops the node: nothing after it is durable, nothing more is published
 * or reported held. */
static void sync_fail(mwx_node *n, int rc) {
  n->sync_failed = 1;
  fprintf(stderr, "mwx node %s: %s: stopping (nothing more is published)\n", n->cfg.nation, mwx_error_msg());
  mwx_node_loop_stop(n->loop, rc);
}

static void pass_out(mwx_node *n) {
  int rc = n->sync_failed ? 0 : mwx_journal_sync_check(n->j); /* the sync thread's fsync of an earlier pass */
  if (rc)
    sync_fail(n, rc);
  if (n->sync_failed) { /* not durable: counted, not published */
    n->st.publish_errors += n->n_out;
    n->n_out = 0;
    rx_pend_emit(n, 0);
    return;
  }
  rx_pend_emit(n, 1);
  if (!n->n_out)
    return;
  int prev = node_prof(n, MWX_NODE_PROF_SYNC);
  rc = mwx_journal_sync_now(n->j);
  node_prof(n, prev);
  if (rc) {
    sync_fail(n, rc);
    n->st.publish_errors += n->n_out;
    n->n_out = 0;
    return;
  }
  int64_t now = node_real_ns();
  for (size_t i = 0; i < n->n_out; i++)
    n->out[i].stage_ns[MWX_NODE_STAGE_JOURNALED] = now; /* durable */
  node_flush_out(n);
}

/* Group commit: everything this pass decided (plots, tracks, fitted launch
 * events, status, time-outs and approvals taken from the queue, seqs, and
 * the samples received in the same loop pass) is made durable by one
 * commit; only then is anything published (node_flush_out) or reported.
 * A pass that wrote nothing commits nothing (no fsync). */
static int step_pass(mwx_node *n, int64_t t_ns, int *done);

static int64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* A diagnostic event (no sample: latencies -1) of kind with the node's sim
 * time; exactly one of slow, mem is set. */
static void node_diag_emit(mwx_node *n, mwx_node_event_kind kind, mwx_node_slow_pass *slow, mwx_node_memory *mem) {
  mwx_node_event ev = {0};
  ev.kind = kind;
  ev.sim_ns = n->sim_ns;
  ev.latency_ms = -1;
  ev.recv_latency_ms = -1;
  ev.slow = slow;
  ev.mem = mem;
  node_emit(n, &ev);
}

/* slow_pass_ms: a step of at least that many wall ms is reported
 * (MWX_NODE_EV_SLOWPASS, to the diagnostic subscribers: mwxd prints it),
 * its time by profile part since p0. */
static void slow_pass_report(mwx_node *n, int64_t wall_ns, int64_t cpu_ns, uint64_t plots, const int64_t *p0) {
  if (wall_ns < (int64_t)n->cfg.slow_pass_ms * 1000000)
    return;
  mwx_node_slow_pass sp;
  memset(&sp, 0, sizeof sp);
  sp.wall_ms = (double)wall_ns / 1e6;
  sp.cpu_ms = (double)cpu_ns / 1e6;
  sp.plots = plots;
  sp.out = n->out_last;
  sp.status = n->pass_status;
  sp.sim_ns = n->sim_ns;
  for (int i = 1; i < MWX_NODE_PROF_COUNT; i++)
    sp.part_ms[i] = (double)(n->prof_ns[i] - p0[i]) / 1e6;
  node_diag_emit(n, MWX_NODE_EV_SLOWPASS, &sp, NULL);
}

/* Online, at each NodeStatus (status_every_s, 30 s) the memory worker
 * (node_mem.c) reports the heap and the resident set, after giving the free
 * memory inside malloc's arenas back to the kernel when there is enough of
 * it (malloc_trim: the pages of free chunks are released, madvise).  Freed
 * memory otherwise stays resident: in the salvo the free chunks left by the
 * hand-over's bursts and the tables' reallocations were 8-28 MB of each
 * node's RSS after 240 s (BENCHMARKS.md "rt, eleventh session").  Here the
 * loop takes the report back: the counters, and MWX_NODE_EV_MEMORY to the
 * diagnostic subscribers (mwxd's MEM line: the memory by owner beside the
 * tables' sizes, to show what grows). */
static void mem_report(mwx_node *n, const node_mem_result *r) {
  if (r->trimmed) {
    n->mem_trims++;
    n->mem_trim_ns += (uint64_t)r->trim_ns;
    if ((uint64_t)r->trim_ns > n->mem_trim_max_ns)
      n->mem_trim_max_ns = (uint64_t)r->trim_ns;
  } else
    n->mem_trims_skipped++;
  mwx_node_memory m;
  memset(&m, 0, sizeof m);
  node_mem_fill(n, &m);
  m.heap_used_bytes = r->heap_used_bytes;
  m.heap_free_bytes = r->heap_free_bytes;
  m.rss_bytes = r->rss_bytes;
  m.sim_ns = r->sim_ns;
  m.free_before_bytes = r->free_before_bytes;
  m.trimmed = r->trimmed;
  m.trim_ms = (double)r->trim_ns / 1e6;
  node_diag_emit(n, MWX_NODE_EV_MEMORY, NULL, &m);
}

int mwx_node_step(mwx_node *n, int64_t t_ns, int *done) {
  if (!n)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  int prev = node_prof(n, MWX_NODE_PROF_OTHER);
  n->prof_passes++;
  n->pass_in_ns = node_real_ns(); /* MWX_NODE_STAGE_IN of the samples made in this pass */
  int slow_ms = n->cfg.slow_pass_ms; /* diagnostics: log a step at least this long, by part */
  int64_t p0[MWX_NODE_PROF_COUNT], w0 = slow_ms ? mwx_node_mono_ns() : 0, c0 = slow_ms ? thread_cpu_ns() : 0;
  uint64_t plots0 = n->st.plots;
  if (slow_ms)
    memcpy(p0, n->prof_ns, sizeof p0);
  n->pass_status = 0;
  int rc = step_pass(n, t_ns, done);
  node_prof(n, prev);
  if (slow_ms)
    slow_pass_report(n, mwx_node_mono_ns() - w0, thread_cpu_ns() - c0, n->st.plots - plots0, p0);
  return rc;
}

static int step_pass(mwx_node *n, int64_t t_ns, int *done) {
  if (t_ns > n->sim_ns)
    n->sim_ns = t_ns;
  uint64_t rec0 = n->st.records;
  int rc;
  /* the pass's transaction: opened by node_batch when samples arrived in
     this pass, else here */
  if (!n->pass_open && (rc = mwx_journal_begin(n->j)))
    return rc;
  n->pass_open = 0;
  /* time-outs: when a hold of this run reaches its deadline, and once a sim
     second for holds of earlier runs; mwx_release_queue_expire's own commit
     is nested in this transaction (journal.h: no fsync of its own), an
     approve-on-timeout comes back through the approvals below */
  if (n->sim_ns >= n->next_expire_ns) {
    n->next_expire_ns = n->sim_ns + NS;
    if ((rc = node_sign_flush(n)) || (rc = mwx_release_queue_expire(n->j, n->sim_ns, node_on_expired, n)))
      goto fail;
  }
  if (n->has_src && !n->src_done) {
    /* assess.h: the one sim -> track driver (mwx track's too) */
    node_prof(n, MWX_NODE_PROF_DRIVE);
    rc = mwx_assess_drive_advance(n->drv, n->sim_ns, node_on_plot, n, NULL);
    node_prof(n, MWX_NODE_PROF_ASSESS);
    if (!rc)
      rc = node_tracks_to_samples(n);
    node_prof(n, MWX_NODE_PROF_OTHER);
    if (rc)
      goto fail;
    if (mwx_assess_drive_next_ns(n->drv) == INT64_MAX)
      n->src_done = 1;
  }
  for (size_t i = 0; i < n->n_fit_done; i++)
    if ((rc = node_launch_fit_apply(n, &n->fit_done[i])))
      goto fail;
  n->n_fit_done = 0;
  /* fusepic.c / alerting.c: the fused predictions, the alerts whose missile has fallen */
  node_prof(n, MWX_NODE_PROF_FUSE);
  rc = node_fuse_tick(n);
  if (!rc)
    rc = node_alert_tick(n);
  node_prof(n, MWX_NODE_PROF_OTHER);
  if (rc)
    goto fail;
  if (n->cfg.status_every_s > 0 && n->sim_ns - n->last_status_ns >= (int64_t)(n->cfg.status_every_s * NS)) {
    n->last_status_ns = n->sim_ns;
    n->pass_status = 1;
    if ((rc = node_status_sample(n)))
      goto fail;
    if (n->cfg.speed > 0) {
      n->shrink_rx_due = n->shrink_out_due = 1; /* the burst buffers, freed when next empty */
      node_memwork_request(n->memw, n->sim_ns); /* node_mem.c: the trim and the heap walk off the loop */
    }
  }
  /* approvals by any process since the last pass: in the same batch */
  uint64_t last = n->approved_after;
  /* the decisions queued for their signatures (signpool.c) journaled now:
     before the queue's records, and before the commit */
  if ((rc = node_sign_flush(n)))
    goto fail;
  if ((rc = mwx_release_queue_approved(n->j, n->approved_after, node_on_approved, n, &last)))
    goto fail;
  if ((rc = save_seq(n)))
    goto fail;
  if (n->n_out > n->out_max)
    n->out_max = n->n_out;
  n->out_last = n->n_out;
  if (n->st.records != rec0 || n->n_out || n->n_rx_pend || memcmp(n->seq, n->seq_saved, sizeof n->seq)) {
    if ((rc = pass_commit(n))) {
      n->n_out = 0;
      rx_pend_emit(n, 0);
      return rc;
    }
  } else
    mwx_journal_rollback(n->j); /* nothing written: nothing to make durable */
  memcpy(n->seq_saved, n->seq, sizeof n->seq);
  if (last > n->approved_after)
    n->approved_after = last;
  pass_out(n);
  int over = (!n->has_src || n->src_done) && n->sim_ns >= n->last_deadline_ns;
  if (over && !n->done_reported) {
    n->done_reported = 1;
    mwx_node_event ev = {0};
    ev.kind = MWX_NODE_EV_DONE;
    ev.latency_ms = -1;
    ev.recv_latency_ms = -1;
    node_emit(n, &ev);
  }
  if (done)
    *done = over;
  return 0;
fail:
  node_sign_discard(n);
  mwx_journal_rollback(n->j);
  n->n_out = 0;
  rx_pend_emit(n, 0);
  return rc;
}

/* ---- the hand-over queue: one batch per wake-up -------------------------- */

/* End of a loop pass (mwx_node_loop_set_pass_fn): the received samples
 * journaled in the pass's transaction and no step committed them: one
 * commit, then they are reported. */
void node_pass_end(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_node *n = ctx;
  if (!n->pass_open)
    return;
  n->pass_open = 0;
  if (pass_commit(n)) { /* the group is lost from the journal: counted, reported with no record */
    mwx_error_clear();
    rx_pend_emit(n, 0);
    return;
  }
  pass_out(n);
}

/* Every item the receive thread and the fit workers handed over since the
 * last wake-up: the accepted samples are journaled in the pass's
 * transaction, committed once with whatever the step of the same pass
 * decides (or at the end of the pass) and reported held only after it;
 * fit results go to the next step (kicked at once); the fusion worker's
 * token takes its finished pass back (fusepic.c). */
static void batch(mwx_node_loop *l, void **items, const size_t *sizes, size_t cnt, mwx_node *n);

void node_batch(mwx_node_loop *l, void **items, const size_t *sizes, size_t cnt, void *ctx) {
  mwx_node *n = ctx;
  int prev = node_prof(n, MWX_NODE_PROF_RX);
  n->prof_passes++;
  batch(l, items, sizes, cnt, n);
  node_prof(n, prev);
}

static void batch(mwx_node_loop *l, void **items, const size_t *sizes, size_t cnt, mwx_node *n) {
  if (n->n_rx_pend + cnt > n->cap_rx_pend) { /* reserved now: node_rx_take's events point into it */
    size_t nc = n->n_rx_pend + cnt;
    node_rx_item *p = realloc(n->rx_pend, nc * sizeof *p);
    if (p)
      n->rx_pend = p;
    mwx_node_event *e = p ? realloc(n->rx_pend_ev, nc * sizeof *e) : NULL;
    if (e)
      n->rx_pend_ev = e;
    if (!p || !e) {
      n->st.handover_dropped += cnt;
      return;
    }
    n->cap_rx_pend = nc;
  }
  int kick = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (sizes[i] == sizeof(node_fit_result) && ((node_fit_result *)items[i])->magic == NODE_FIT_MAGIC) {
      size_t bound = (size_t)n->cfg.fit_queue + (size_t)n->cfg.fit_workers;
      if (n->n_fit_done == n->cap_fit_done && n->cap_fit_done < bound) {
        node_fit_result *p = realloc(n->fit_done, bound * sizeof *p);
        if (p) {
          n->fit_done = p;
          n->cap_fit_done = bound;
        }
      }
      if (n->n_fit_done < n->cap_fit_done)
        n->fit_done[n->n_fit_done++] = *(node_fit_result *)items[i];
      else
        n->st.fits_dropped++;
      kick = 1;
      continue;
    }
    if (sizes[i] == sizeof(node_mem_result) && ((node_mem_result *)items[i])->magic == NODE_MEM_MAGIC) {
      mem_report(n, items[i]);
      continue;
    }
    if (sizes[i] == sizeof(node_fuse_token) && ((node_fuse_token *)items[i])->magic == NODE_FUSE_MAGIC) {
      node_fuse_taken(n); /* the fusion worker's pass is done: its picture becomes the loop's */
      continue;
    }
    if (sizes[i] != sizeof(node_rx_item))
      continue;
    if (!n->pass_open) {
      if (mwx_journal_begin(n->j) == 0)
        n->pass_open = 1;
      else
        mwx_error_clear(); /* each record then commits on its own */
    }
    /* every report waits for the pass's commit, in order */
    node_rx_item *it = &n->rx_pend[n->n_rx_pend];
    memcpy(it, items[i], sizeof *it);
    node_rx_take(n, it, &n->rx_pend_ev[n->n_rx_pend]);
    n->rx_pend_ev[n->n_rx_pend].stage_ns[MWX_NODE_STAGE_TAKEN] = node_real_ns();
    n->n_rx_pend++;
    if (n->n_rx_pend > n->rx_pend_max)
      n->rx_pend_max = n->n_rx_pend;
  }
  if (!n->pass_open && n->n_rx_pend)
    rx_pend_emit(n, 1); /* no transaction: each record committed (written) on its own */
  if (kick && n->tick_id)
    mwx_node_loop_timer_kick(l, n->tick_id);
}
