/*
 * node_open.c - opening and closing a node (see node.h): the configuration's
 * defaults, the partners (and which are on our links), the origin key and
 * the journal's owner check, the scenario, tracker, fused picture, loop and
 * fit workers; the accessors.
 */
#include <jansson.h>
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/pki.h"
#include "mwx/sim.h"
#include "mwx/track.h"
#include "node_int.h"

#define NS 1000000000ll

void mwx_node_config_init(mwx_node_config *c) {
  memset(c, 0, sizeof *c);
  c->seed = 1;
  c->speed = 0;
  c->lead_s = 5;
  c->step_s = 1;
  c->impact_every_s = MWX_ASSESS_IMPACT_EVERY_S; /* assess.h: mwx track scores the same cadence */
  c->status_every_s = 30;
  c->linger_s = 0;
  c->sync = MWX_JOURNAL_SYNC_FULL;
  c->journal_plots = 1;
  c->launch_fit = 1;
  c->fit_workers = 1;
  c->sign_threads = 1; /* the sign pool off by default: BENCHMARKS, twenty-fifth session (rt16) */
  c->fit_queue = 32;
  c->batch_nice = MWX_NODE_BATCH_NICE_DEFAULT;
  c->batch_sched = MWX_NODE_BATCH_OTHER;
  c->malloc_mmap_threshold_kb = MWX_NODE_MMAP_THRESHOLD_KB_DEFAULT; /* BENCHMARKS, twenty-sixth session (rt16) */
  c->max_tracks = MWX_NODE_MAX_TRACKS;
  c->replay_max_age_s = MWX_NODE_REPLAY_AGE_S;
  mwx_net_config_init(&c->net);
}

/* ---- partners -------------------------------------------------------- */

static void add_partner(mwx_node *n, const char *nat) {
  if (!nat[0] || !strcmp(nat, n->cfg.nation))
    return;
  for (int i = 0; i < n->st.n_partners; i++)
    if (!strcmp(n->st.partner[i].nation, nat))
      return;
  if (n->st.n_partners >= MWX_NODE_MAX_PARTNERS)
    return;
  int i = n->st.n_partners++;
  /* keep sorted */
  while (i > 0 && strcmp(n->st.partner[i - 1].nation, nat) > 0) {
    n->st.partner[i] = n->st.partner[i - 1];
    i--;
  }
  memset(&n->st.partner[i], 0, sizeof n->st.partner[i]);
  snprintf(n->st.partner[i].nation, MWX_NATION_LEN, "%.3s", nat);
}

/* ---- the loop thread's profile (node.h mwx_node_profile) --------------- */

int node_prof(mwx_node *n, int part) {
  int64_t now = mwx_node_mono_ns();
  int prev = n->prof_cur;
  n->prof_ns[prev] += now - n->prof_t0;
  n->prof_t0 = now;
  n->prof_cur = part;
  return prev;
}

void mwx_node_get_profile(const mwx_node *n, mwx_node_profile *p) {
  if (!n || !p)
    return;
  memset(p, 0, sizeof *p);
  memcpy(p->part_ns, n->prof_ns, sizeof p->part_ns);
  p->part_ns[n->prof_cur] += mwx_node_mono_ns() - n->prof_t0; /* the part it is in now */
  for (int i = 0; i < MWX_NODE_PROF_COUNT; i++)
    p->wall_ns += p->part_ns[i];
  p->passes = n->prof_passes;
}

const char *mwx_node_prof_name(mwx_node_prof_part p) {
  static const char *const name[MWX_NODE_PROF_COUNT] = {"outside", "drive",   "assess", "decide", "sign", "fuse",
                                                         "commit",  "publish", "emit",   "rx",     "other",
                                                         "sync"};
  return (unsigned)p < MWX_NODE_PROF_COUNT ? name[p] : "?";
}

mwx_node_loop *mwx_node_get_loop(mwx_node *n) { return n ? n->loop : NULL; }
mwx_journal *mwx_node_journal(mwx_node *n) { return n ? n->j : NULL; }
int64_t mwx_node_epoch_ns(const mwx_node *n) { return n ? n->epoch_ns : 0; }

int64_t mwx_node_sim_ns(const mwx_node *n) { return n ? n->sim_ns : 0; }

void mwx_node_get_stats(const mwx_node *n, mwx_node_stats *s) {
  if (!n || !s)
    return;
  *s = n->st;
  s->sim_ns = n->sim_ns;
  s->handover_dropped += mwx_node_loop_dropped(n->loop);
  s->handover_max = mwx_node_loop_queue_max(n->loop);
  s->handover_cap = mwx_node_loop_queue_cap(n->loop);
  s->out_max = n->out_max;
  s->rx_pend_max = n->rx_pend_max;
  s->impacts_deferred = n->impacts_deferred;
  s->tracks_held = n->n_trk;
  mwx_track_table_stats ts;
  mwx_track_table_stats_get(n->tr, &ts);
  s->tracker_slots = ts.slots;
  s->tracker_bound = ts.bound;
  s->tracker_live_max = ts.live_max;
  s->tracks_refused = ts.refused;
  s->pending_dropped = ts.pending_dropped;
  s->picture_entries = mwx_fuse_latest_count(n->latest);
  node_fuse_stats(n, s);
  s->sign_threads = n->signp ? n->cfg.sign_threads : 1;
  s->sign_full = n->sign_full;
  s->signed_by_worker = node_signpool_by_worker(n->signp);
  if (n->net) { /* the receive side's verify batch (net_verify.c) */
    mwx_net_stats ns;
    mwx_net_get_stats(n->net, &ns);
    s->verify_threads = ns.verify_threads;
    s->verify_batches = ns.verify_batches;
    s->verify_max = ns.verify_max;
    s->verify_full = ns.verify_full;
  }
  /* the fits' waits: 99th percentile of the last 256 (insertion sort of a copy) */
  size_t k = n->n_fit_ms < 256 ? n->n_fit_ms : 256;
  float v[256];
  for (size_t i = 0; i < k; i++) {
    float x = n->fit_ms[i];
    size_t j = i;
    for (; j > 0 && v[j - 1] > x; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
  s->fit_p99_ms = k ? v[(size_t)(0.99 * (double)k) < k ? (size_t)(0.99 * (double)k) : k - 1] : 0;
}

void node_mem_fill(const mwx_node *n, mwx_node_memory *m) {
  mwx_track_table_stats ts;
  mwx_track_table_stats_get(n->tr, &ts);
  m->tracker_heap_bytes = ts.heap_bytes;
  m->journal_heap_bytes = mwx_journal_heap_bytes();
  uint64_t fuse_tables = 0;
  node_fuse_mem(n, &m->fuser_heap_bytes, &fuse_tables);
  m->node_tables_bytes = fuse_tables + node_alert_bytes(n) + n->cap_trk * sizeof *n->trk +
                         n->cap_out * sizeof *n->out + n->cap_rx_pend * (sizeof *n->rx_pend + sizeof *n->rx_pend_ev) +
                         n->cap_fit_done * sizeof *n->fit_done +
                         mwx_fuse_latest_count(n->latest) * sizeof(mwx_fuse_latest_entry);
  m->trims = n->mem_trims;
  m->trim_ns = n->mem_trim_ns;
  m->trim_max_ns = n->mem_trim_max_ns;
  m->trims_skipped = n->mem_trims_skipped;
  m->shrinks = n->shrinks;
  m->mmap_threshold_kb = n->mmap_threshold_kb;
}

void mwx_node_get_memory(const mwx_node *n, mwx_node_memory *m) {
  if (!n || !m)
    return;
  memset(m, 0, sizeof *m);
  node_mem_fill(n, m);
  node_mem_read(&m->heap_used_bytes, &m->heap_free_bytes, &m->rss_bytes);
}

const struct mwx_tracker *mwx_node_tracker(const mwx_node *n) { return n ? n->tr : NULL; }

void mwx_node_latest(const mwx_node *n, mwx_fuse_latest_fn fn, void *ctx) {
  if (n)
    mwx_fuse_latest_each(n->latest, fn, ctx);
}

/* ---- open / close ---------------------------------------------------- */

/* An existing journal must be this nation's (and, offline, where each run
 * makes a new key, cannot be continued): checked before DB.pub is written. */
static int journal_precheck(const mwx_node_config *c, int new_key) {
  if (access(c->journal, F_OK) != 0)
    return 0;
  mwx_journal_options ro = {MWX_JOURNAL_SYNC_FULL, 1, NULL};
  mwx_journal *j = NULL;
  int rc = mwx_journal_open(c->journal, &ro, &j);
  if (rc == MWX_EIO) { /* empty or not a journal yet: the read-write open decides */
    mwx_error_clear();
    return 0;
  }
  char owner[MWX_NATION_LEN];
  int owned = 0;
  uint64_t head = 0;
  uint8_t h[32];
  if (!rc && !(rc = mwx_journal_owner(j, owner, NULL, &owned)) && !(rc = mwx_journal_head(j, &head, h))) {
    if (owned && strncmp(owner, c->nation, 3))
      rc = mwx_error_set(MWX_EDENIED, "%s: the journal of %.3s's node, not of %s: refusing to append to it", c->journal,
                         owner, c->nation);
    else if (owned && new_key)
      rc = mwx_error_set(MWX_EDENIED,
                         "%s: the journal of an earlier %s run, sealed with its key (%s.pub); a run without a key"
                         " makes a new one and cannot continue it: use a new journal",
                         c->journal, c->nation, c->journal);
    else if (!owned && head)
      rc = mwx_error_set(MWX_EDENIED, "%s: holds %llu records written by no node: a node starts a journal of its own",
                         c->journal, (unsigned long long)head);
  }
  mwx_journal_close(j);
  return rc;
}

static int load_key(mwx_node *n) {
  const mwx_node_config *c = &n->cfg;
  int rc = journal_precheck(c, !c->key[0] && !c->online);
  if (rc)
    return rc;
  if (c->key[0])
    return mwx_msg_key_load_private(c->key, &n->key);
  if (c->online) {
    mwx_pki_paths p;
    if ((rc = mwx_pki_paths_for(c->net.pki_dir, c->nation, &p)))
      return rc;
    return mwx_msg_key_load_private(p.origin_key, &n->key);
  }
  if ((rc = mwx_msg_key_generate(&n->key)))
    return rc;
  char pub[MWX_NODE_PATH_LEN + 8];
  snprintf(pub, sizeof pub, "%s.pub", c->journal);
  return mwx_msg_key_save_public(n->key, pub);
}

int mwx_node_open(const mwx_node_config *cfg, mwx_node_event_fn fn, void *ctx, mwx_node **out) {
  if (!cfg || !out)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  if (strlen(cfg->nation) != 3)
    return mwx_error_set(MWX_EINVAL, "node: nation '%s' is not a three-letter code", cfg->nation);
  if (!cfg->policy[0] || !cfg->journal[0])
    return mwx_error_set(MWX_EINVAL, "node %s: a policy and a journal are required", cfg->nation);
  int rc0 = mwx_node_config_check(cfg); /* ranges that keep tick_timer and the lead in int64 ns */
  if (rc0)
    return rc0;
  if (!(cfg->replay_max_age_s >= MWX_NODE_REPLAY_AGE_MIN_S && cfg->replay_max_age_s <= MWX_NODE_REPLAY_AGE_MAX_S))
    return mwx_error_set(MWX_EINVAL, "node %s: replay_max_age_s %g is not in [%g, %g] s", cfg->nation,
                         cfg->replay_max_age_s, MWX_NODE_REPLAY_AGE_MIN_S, MWX_NODE_REPLAY_AGE_MAX_S);
  mwx_node *n = calloc(1, sizeof *n);
  if (!n)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  n->cfg = *cfg;
  /* online, before the tables fill: large blocks mapped on their own, so
     what the salvo's fill frees goes back to the kernel (node_mem.c) */
  if (n->cfg.speed > 0 && node_mem_policy(n->cfg.malloc_mmap_threshold_kb))
    n->mmap_threshold_kb = n->cfg.malloc_mmap_threshold_kb;
  if (!n->cfg.node_id[0])
    snprintf(n->cfg.node_id, MWX_ID_LEN, "%s-node-1", cfg->nation);
  /* every event goes through the subscriber list (events.c); fn is the first */
  n->fn = node_events_dispatch;
  n->fn_ctx = n;
  if (fn) {
    mwx_node_subscribe(n, fn, ctx, NULL);
    n->subs[0].no_samples = 1; /* its callers predate MWX_NODE_EV_SAMPLE */
  }
  if (n->cfg.online && n->cfg.speed <= 0)
    n->cfg.speed = 1; /* a networked node keeps time with its partners */
  int rc;
  if ((rc = mwx_release_policy_load(cfg->policy, &n->policy)))
    goto fail;
  if (strcmp(n->policy.nation, cfg->nation)) {
    rc = mwx_error_set(MWX_EINVAL, "%s: policy of %s, not of %s", cfg->policy, n->policy.nation, cfg->nation);
    goto fail;
  }
  /* partners */
  if (cfg->n_partners) {
    for (int i = 0; i < cfg->n_partners; i++)
      add_partner(n, cfg->partners[i]);
  } else if (cfg->online) {
    /* the coalition of the PKI; the links' partners are reached directly, the
       others (hub topology) through a relay */
    char nations[MWX_MAX_NATIONS][MWX_NATION_LEN];
    size_t nn = 0;
    if ((rc = mwx_pki_load_nations(cfg->net.pki_dir, nations, MWX_MAX_NATIONS, &nn)))
      goto fail;
    for (size_t k = 0; k < nn; k++)
      add_partner(n, nations[k]);
  } else {
    add_partner(n, "KOR");
    add_partner(n, "JPN");
    add_partner(n, "USA");
    for (size_t i = 0; i < n->policy.n_rules; i++)
      add_partner(n, n->policy.rules[i].partner);
  }
  /* direct partners: offline every partner; online those on a link (every
     partner when the links name none: one shared domain) */
  int named = 0;
  for (int l = 0; cfg->online && l < cfg->net.n_links; l++)
    named += cfg->net.links[l].n_partners;
  for (int i = 0; i < n->st.n_partners; i++) {
    n->direct[i] = !named;
    for (int l = 0; named && l < cfg->net.n_links; l++)
      for (int k = 0; k < cfg->net.links[l].n_partners; k++)
        if (!strcmp(cfg->net.links[l].partners[k], n->st.partner[i].nation))
          n->direct[i] = 1;
  }
  if ((rc = load_key(n)))
    goto fail;
  /* the node's journal: owned by this nation and key, every commit sealed */
  mwx_journal_options jo = {cfg->sync, 0, n->key};
  if (cfg->sync == MWX_JOURNAL_SYNC_FULL) {
    /* commits are written (kill -9 safe) and fsynced by the journal's sync
       thread; a pass that publishes fsyncs on the loop before it does
       (node_step.c pass_out: docs/operations.md "Journal durability") */
    jo.sync = MWX_JOURNAL_SYNC_THREAD;
    n->sync_thread = 1;
  }
  if ((rc = mwx_journal_open(cfg->journal, &jo, &n->j)) || (rc = mwx_journal_claim(n->j, cfg->nation)))
    goto fail;
  /* sequence numbers continue from the journal; replay windows of what it took */
  if ((rc = mwx_journal_seq_out_load(n->j, cfg->nation, n->seq)))
    goto fail;
  memcpy(n->seq_saved, n->seq, sizeof n->seq);
  if ((rc = node_rx_load(n)))
    goto fail;
  /* approvals recorded before this start were handled by an earlier run */
  if ((rc = mwx_journal_head(n->j, &n->approved_after, n->scratch.sig /* any 32-byte buffer */)))
    goto fail;
  if (cfg->scenario[0]) {
    if ((rc = mwx_sim_scenario_load(cfg->scenario, &n->sc)) || (rc = mwx_sim_truth_init(&n->truth, &n->sc, 1.0)))
      goto fail;
    n->has_src = 1;
    n->epoch_ns = n->sc.epoch_ns;
    for (size_t s = 0; s < n->sc.n_sensors; s++)
      if (!strcmp(n->sc.sensor[s].nation, cfg->nation))
        n->own_sensors++;
    n->sim_ns = n->sc.epoch_ns - (int64_t)(cfg->lead_s * NS);
  } else
    n->sim_ns = node_real_ns();
  n->last_status_ns = INT64_MIN / 2;
  n->last_deadline_ns = INT64_MIN;
  /* the sim -> track driver (assess.h), shared with mwx track */
  mwx_track_config tcfg; /* the defaults, the table bounded (mwx_node_stats tracker_bound) */
  mwx_track_config_default(&tcfg);
  tcfg.max_tracks = MWX_NODE_TRACKER_SLOTS;
  if ((rc = mwx_assess_drive_create(n->has_src ? &n->sc : NULL, n->has_src ? &n->truth : NULL, cfg->nation, cfg->seed,
                                    &tcfg, &n->drv)))
    goto fail;
  n->tr = mwx_assess_drive_tracker(n->drv);
  if ((rc = node_trk_open(n)) || (rc = mwx_fuse_latest_create(MWX_FUSE_LATEST_MAX, &n->latest)) ||
      (rc = node_fuse_open(n)) || (rc = node_alert_open(n)))
    goto fail;
  if ((rc = mwx_node_loop_create(MWX_NODE_HANDOVER_CAP, &n->loop)))
    goto fail;
  n->prof_cur = MWX_NODE_PROF_OUTSIDE;
  n->prof_t0 = mwx_node_mono_ns();
  mwx_node_loop_set_batch_fn(n->loop, node_batch, n);
  mwx_node_loop_set_pass_fn(n->loop, node_pass_end, n);
  if (n->cfg.launch_fit && n->cfg.speed > 0 &&
      (rc = node_fitpool_create(n->cfg.fit_workers, (size_t)n->cfg.fit_queue, n->cfg.test_fit_min_ms,
                                n->cfg.batch_nice, n->cfg.batch_sched, n->loop, &n->fits)))
    goto fail;
  if (n->cfg.speed > 0 && (rc = node_fuse_start(n))) /* fusepic.c: the fuser off the loop */
    goto fail;
  if (n->cfg.speed > 0 && (rc = node_memwork_create(NODE_TRIM_FREE_MIN, n->cfg.batch_nice + 5, n->cfg.batch_sched,
                                                      n->loop, &n->memw)))
    goto fail;
  if (cfg->online && n->cfg.sign_threads >= 2 && (rc = node_signpool_create(n->cfg.sign_threads, n->key, &n->signp)))
    goto fail;
  if (cfg->online && (rc = node_rx_start(n)))
    goto fail;
  *out = n;
  return 0;
fail:
  mwx_node_close(n);
  return rc;
}

void mwx_node_close(mwx_node *n) {
  if (!n)
    return;
  node_rx_stop(n);
  node_signpool_destroy(n->signp); /* between passes: nothing queued */
  node_fitpool_destroy(n->fits); /* before the loop the workers post to */
  node_memwork_destroy(n->memw);
  node_fuse_stop(n);
  mwx_node_loop_destroy(n->loop);
  node_fuse_close(n);
  node_alert_close(n);
  node_xout_free(n);
  mwx_assess_drive_destroy(n->drv); /* its tracker: after the fused picture that reads it */
  mwx_sim_truth_fini(&n->truth);
  mwx_sim_scenario_fini(&n->sc);
  mwx_journal_close(n->j);
  mwx_msg_key_free(n->key);
  free(n->trk);
  free(n->out);
  mwx_fuse_latest_destroy(n->latest);
  free(n->fit_done);
  free(n->rx_pend);
  free(n->rx_pend_ev);
  free(n);
}
