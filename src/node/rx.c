/*
 * rx.c - the node's receive side.  One thread (the only one the node
 * starts) loops on mwx_net_poll: net takes the samples from DDS, checks
 * marking and origin signature, relays on a hub, and reports each event;
 * the thread copies the events of one poll into node_rx_items, puts the
 * samples in (originator, topic, seq) order (DDS hands out one reader's
 * samples instance by instance, not in the order they were sent) and posts
 * them to the loop's hand-over queue.  Nothing else crosses threads.
 *
 * On the loop thread, node_rx_handle first refuses replays: a sample whose
 * (originator, topic, seq) was taken already, or that lies
 * MWX_JOURNAL_SEQ_WINDOW (64) or more below the highest taken, or whose time of validity
 * is older than replay_max_age_s on the exercise clock (see "Sequence
 * numbers and replay" in journal.h).  A refusal is journaled (kind replay,
 * with the sample) and reported as DROPPED "replay: ...".  Otherwise it
 * journals the receipt (kind sample, with the sample and its signature)
 * together with the new replay window, in one transaction, or the failure
 * (kind sigfail), puts it in the partners' latest samples (mwx_fuse_latest,
 * src/fuse/fuse_latest.c: an older one never replaces a newer) and the
 * fuser (fusepic.c), and reports the event with its latency on the shared sim clock:
 * from the sample's time of validity to the moment the node holds it
 * (journal record durable, picture updated), and to its reception.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "node_int.h"

#define NS 1000000000ll

/* The events of one mwx_net_poll, before they are posted (receive thread).
 * Bound: at most MWX_NODE_HANDOVER_CAP items (what the hand-over queue can
 * take at once); one poll that takes more posts them in batches of that
 * many, each sorted on its own (nothing is lost here: a full hand-over
 * queue drops and counts, handover_dropped). */
typedef struct rx_batch {
  node_rx_item *it;
  size_t n, cap;
  size_t *order;
  size_t cap_order;
  mwx_node *node;
} rx_batch;

static void post_batch(rx_batch *b);

static void on_net_event(void *ctx, const mwx_net_event *ev) {
  rx_batch *b = ctx;
  if (b->n >= MWX_NODE_HANDOVER_CAP)
    post_batch(b);
  node_rx_item it;
  memset(&it, 0, sizeof it);
  it.kind = ev->kind;
  it.link = ev->link;
  it.reason = ev->reason;
  it.relayed = ev->relayed;
  it.alive = ev->alive;
  it.recv_ns = ev->recv_ns;
  it.verified_ns = ev->verified_ns;
  snprintf(it.partner, sizeof it.partner, "%.3s", ev->partner);
  snprintf(it.detail, sizeof it.detail, "%s", ev->detail);
  if (ev->msg) {
    it.msg = *ev->msg;
    it.has_msg = 1;
    if (!it.partner[0])
      snprintf(it.partner, sizeof it.partner, "%.3s", ev->msg->mark.originator);
  }
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 64;
    node_rx_item *p = realloc(b->it, nc * sizeof *p);
    if (!p) { /* no memory to batch: post it as it comes (full queue: counted by the loop) */
      mwx_node_loop_post(b->node->loop, &it, sizeof it);
      return;
    }
    b->it = p;
    b->cap = nc;
  }
  b->it[b->n++] = it;
}

static _Thread_local const rx_batch *sort_batch; /* qsort has no context argument */

/* Samples by originator, topic, seq, then arrival (a stable order);
 * events without a sample first, in arrival order. */
static int cmp_item(const void *pa, const void *pb) {
  size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
  const node_rx_item *a = &sort_batch->it[ia], *b = &sort_batch->it[ib];
  if (a->has_msg != b->has_msg)
    return a->has_msg ? 1 : -1;
  if (a->has_msg) {
    int c = strncmp(a->msg.mark.originator, b->msg.mark.originator, 3);
    if (c)
      return c;
    if (a->msg.topic != b->msg.topic)
      return a->msg.topic < b->msg.topic ? -1 : 1;
    if (a->msg.mark.seq != b->msg.mark.seq)
      return a->msg.mark.seq < b->msg.mark.seq ? -1 : 1;
  }
  return ia < ib ? -1 : ia > ib;
}

static void post_batch(rx_batch *b) {
  if (b->n > b->cap_order) {
    size_t *o = realloc(b->order, b->n * sizeof *o);
    if (o) {
      b->order = o;
      b->cap_order = b->n;
    }
  }
  int sorted = b->n <= b->cap_order;
  for (size_t i = 0; sorted && i < b->n; i++)
    b->order[i] = i;
  if (sorted && b->n > 1) {
    sort_batch = b;
    qsort(b->order, b->n, sizeof b->order[0], cmp_item);
  }
  for (size_t i = 0; i < b->n; i++) /* full queue: counted by the loop */
    mwx_node_loop_post(b->node->loop, &b->it[sorted ? b->order[i] : i], sizeof b->it[0]);
  b->n = 0;
}

static void *rx_main(void *arg) {
  mwx_node *n = arg;
  rx_batch b = {NULL, 0, 0, NULL, 0, n};
  node_thread_name("mwx-rx");
  while (!atomic_load(&n->rx_stop)) {
    int rc = mwx_net_poll(n->net, 200000000ll, on_net_event, &b);
    post_batch(&b);
    if (rc < 0) {
      struct timespec ts = {0, 50000000};
      nanosleep(&ts, NULL);
    }
  }
  free(b.it);
  free(b.order);
  return NULL;
}

const char *node_msg_id(const mwx_msg *m, const char *none) {
  return m->topic >= MWX_TOPIC_TRACK && m->topic <= MWX_TOPIC_STATUS ? mwx_fuse_latest_id(m) : none;
}

/* ---- replay ------------------------------------------------------------ */

int node_rx_load(mwx_node *n) {
  return mwx_journal_seq_in_load(n->j, n->rin, sizeof n->rin / sizeof n->rin[0], &n->n_rin);
}

/* The window of (originator, topic); a new one if there is room, else NULL. */
static mwx_journal_seq_in *rx_window(mwx_node *n, const mwx_msg *m) {
  for (size_t i = 0; i < n->n_rin; i++)
    if (!strncmp(n->rin[i].originator, m->mark.originator, 3) && n->rin[i].topic == m->topic)
      return &n->rin[i];
  if (n->n_rin == sizeof n->rin / sizeof n->rin[0])
    return NULL;
  mwx_journal_seq_in *w = &n->rin[n->n_rin++];
  memset(w, 0, sizeof *w);
  memcpy(w->originator, m->mark.originator, 3);
  w->topic = m->topic;
  return w;
}

/* Sim time now on the shared exercise clock. */
static double rx_sim_now(const mwx_node *n) {
  return (double)n->sim_origin_ns + (double)(mwx_node_mono_ns() - n->mono_origin_ns) * n->cfg.speed;
}

/* The replay check of an accepted sample.  0: take it (*v NEW or COPY);
 * 1: refuse it, why[] says why. */
static int rx_replay(mwx_node *n, const mwx_msg *m, const mwx_journal_seq_in *w, mwx_journal_seq_verdict *v,
                     double *age_s, char *why, size_t cap) {
  *age_s = -1;
  if (!w) {
    *v = MWX_JOURNAL_SEQ_DUPLICATE;
    snprintf(why, cap, "no room for another originator's window");
    return 1;
  }
  *v = mwx_journal_seq_judge(w, &m->mark);
  if (*v == MWX_JOURNAL_SEQ_DUPLICATE) {
    snprintf(why, cap, "seq %llu was taken already (highest taken %llu)", (unsigned long long)m->mark.seq,
             (unsigned long long)w->top);
    return 1;
  }
  if (*v == MWX_JOURNAL_SEQ_OLD) {
    snprintf(why, cap, "seq %llu is %d or more below the highest taken, %llu", (unsigned long long)m->mark.seq,
             MWX_JOURNAL_SEQ_WINDOW, (unsigned long long)w->top);
    return 1;
  }
  if (*v == MWX_JOURNAL_SEQ_ZERO) {
    snprintf(why, cap, "seq 0 (seqs start at 1)");
    return 1;
  }
  int64_t tv = mwx_msg_valid_ns(m);
  if (tv && n->cfg.speed > 0) {
    *age_s = (rx_sim_now(n) - (double)tv) / n->cfg.speed / 1e9;
    if (*age_s > n->cfg.replay_max_age_s) {
      snprintf(why, cap, "seq %llu is %.1f s old (more than %g s)", (unsigned long long)m->mark.seq, *age_s,
               n->cfg.replay_max_age_s);
      return 1;
    }
  }
  return 0;
}

/* A key of the partners' latest samples that gives way when the table is
 * full is retired, not lost, when the node is online (speed > 0) and its
 * last sample was received more than replay_max_age_s (wall) before
 * now_wall_ns: a sample of that key from before then has a time of validity
 * older than replay_max_age_s on the exercise clock (no later than its
 * reception), which rx_replay refuses, so dropping the key cannot let an
 * older sample take its place (a LaunchEvent has no time of validity: only
 * the sequence window guards it, and DDS does not deliver a sample 60 s
 * behind a later one of its writer); and a live track is not silent that
 * long.  Offline (speed 0: no age rule) every key that gives way is evicted. */
static int rx_latest_retired(const mwx_node *n, const mwx_fuse_latest_entry *e, int64_t now_wall_ns) {
  return n->cfg.speed > 0 && (double)(now_wall_ns - e->recv_wall_ns) * 1e-9 > n->cfg.replay_max_age_s;
}

/* The journal payloads of the receive path, built with Jansson (keys in
 * this order): "from" (originator, 3 letters), "topic", "seq", then what the
 * caller adds. */
/* A uint64 count as JSON: an integer up to INT64_MAX (every seq a node
 * gives), beyond that a real (json_int_t is signed). */
static json_t *rx_u64(uint64_t v) { return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v); }

static json_t *rx_head(const char *from, const mwx_msg *m) {
  json_t *o = json_object();
  json_object_set_new(o, "from", json_stringn(from, strnlen(from, 3)));
  json_object_set_new(o, "topic", json_string(mwx_msg_topic_name((mwx_msg_topic)m->topic)));
  json_object_set_new(o, "seq", rx_u64(m->mark.seq));
  return o;
}

/* The text of o (consumed); NULL when out of memory. */
static char *rx_payload(json_t *o) {
  char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) : NULL;
  json_decref(o);
  return s;
}

int node_rx_in_batch(const node_rx_item *it) { return it->kind == MWX_NET_EV_ACCEPTED && it->has_msg; }

/* a DROPPED sample counted by kind in the stats of the partner it came
 * from (the originator for a replay, the sender for a failed check) */
static void rx_count_drop(mwx_node *n, const char *nation, mwx_node_drop d) {
  for (int i = 0; i < n->st.n_partners; i++)
    if (!strncmp(n->st.partner[i].nation, nation, 3)) {
      if (d == MWX_NODE_DROP_SIGNATURE) n->st.partner[i].sig_failures++;
      if (d == MWX_NODE_DROP_REPLAY) n->st.partner[i].replays++;
      if (d == MWX_NODE_DROP_REVOKED) n->st.partner[i].revoked++;
      if (d == MWX_NODE_DROP_OTHER) n->st.partner[i].other_drops++;
    }
}

int node_rx_take(mwx_node *n, node_rx_item *it, mwx_node_event *evp) {
  mwx_node_event ev = {0};
  ev.latency_ms = -1;
  ev.recv_latency_ms = -1;
  snprintf(ev.partner, sizeof ev.partner, "%.3s", it->partner);
  ev.sim_ns = n->sim_ns;
  struct timespec ts;
  if (it->kind == MWX_NET_EV_PARTNER) {
    ev.kind = MWX_NODE_EV_PARTNER;
    ev.alive = it->alive;
    *evp = ev;
    return 0;
  }
  char *payload = NULL; /* built with Jansson (rx_payload) */
  uint64_t id = 0;
  int rc;
  const mwx_msg *m = it->has_msg ? &it->msg : NULL;
  mwx_journal_seq_in *w = NULL;
  mwx_journal_seq_verdict v = MWX_JOURNAL_SEQ_NEW;
  double age_s = -1;
  char why[160] = "";
  int replay = 0;
  if (it->kind == MWX_NET_EV_ACCEPTED && m) {
    w = rx_window(n, m);
    replay = rx_replay(n, m, w, &v, &age_s, why, sizeof why);
  }
  if (replay) {
    /* a replay: journaled with the sample as evidence, nothing else changes */
    const char *what = v == MWX_JOURNAL_SEQ_NEW ? "stale" : mwx_journal_seq_verdict_name(v);
    json_t *o = rx_head(m->mark.originator, m);
    json_object_set_new(o, "why", json_string(what));
    json_object_set_new(o, "top", rx_u64(w ? w->top : 0));
    json_object_set_new(o, "age_s", age_s >= 0 ? json_real(round(age_s * 1e3) / 1e3) : json_null());
    json_object_set_new(o, "link", json_integer(it->link));
    json_object_set_new(o, "relayed", json_integer(it->relayed));
    payload = rx_payload(o);
    rc = payload ? 0 : mwx_error_set(MWX_ENOMEM, "node: out of memory");
    if (!rc)
      rc = mwx_journal_append(n->j, MWX_JOURNAL_REPLAY, n->sim_ns, payload, m, 0, &id);
    if (rc)
      rc = payload ? mwx_journal_append(n->j, MWX_JOURNAL_REPLAY, n->sim_ns, payload, NULL, 0, &id) : rc;
    if (rc)
      n->st.publish_errors++;
    n->st.dropped++;
    n->st.records++;
    n->replays++;
    ev.kind = MWX_NODE_EV_DROPPED;
    ev.drop = MWX_NODE_DROP_REPLAY;
    rx_count_drop(n, m->mark.originator, ev.drop);
    snprintf(ev.detail, sizeof ev.detail, "replay: %s: %.150s", what, why);
  } else if (it->kind == MWX_NET_EV_ACCEPTED && m) {
    json_t *o = rx_head(m->mark.originator, m);
    json_object_set_new(o, "link", json_integer(it->link));
    json_object_set_new(o, "verified", json_true());
    json_object_set_new(o, "relayed", json_integer(it->relayed));
    if (v == MWX_JOURNAL_SEQ_COPY)
      json_object_set_new(o, "copy", json_true());
    payload = rx_payload(o);
    /* the receipt and the window that now counts it, in one transaction */
    mwx_journal_seq_in next = *w;
    mwx_journal_seq_accept(&next, &m->mark);
    /* in the caller's batch: one commit for every sample of this wake-up */
    rc = payload ? mwx_journal_append(n->j, MWX_JOURNAL_SAMPLE, n->sim_ns, payload, m, 0, &id)
                 : mwx_error_set(MWX_ENOMEM, "node: out of memory");
    if (!rc)
      rc = mwx_journal_seq_in_put(n->j, &next);
    if (rc) {
      n->st.publish_errors++;
      id = 0;
    }
    *w = next; /* taken (as before, even if the journal failed: the picture has it) */
    n->st.received++;
    n->st.records++;
    mwx_node_partner_stats *ps = NULL;
    for (int i = 0; i < n->st.n_partners; i++)
      if (!strncmp(n->st.partner[i].nation, m->mark.originator, 3))
        ps = &n->st.partner[i];
    if (ps)
      ps->received++;
    if (v != MWX_JOURNAL_SEQ_COPY) { /* another copy of a sample taken: the picture has it */
      int changed;
      int prc = mwx_fuse_latest_put(n->latest, m, it->recv_ns, &changed);
      if (prc == MWX_ERANGE) {
        /* a new key when full: the key received longest ago gives way.  If
           it was received more than replay_max_age_s ago it is retired
           (picture_retired; no overflow): its key has been silent that
           long, and no older sample of it can be taken any more (the
           replay check refuses it for its age); else it is evicted
           (picture_evicted, NodeStatus overflows, logged once) */
        mwx_error_clear();
        mwx_fuse_latest_entry old;
        if (!mwx_fuse_latest_evict_oldest(n->latest, &old)) {
          if (rx_latest_retired(n, &old, it->recv_ns)) {
            n->st.picture_retired++;
          } else {
            n->st.picture_evicted++;
            if (!n->logged_latest_full) {
              n->logged_latest_full = 1;
              fprintf(stderr,
                      "mwx node %s: the partners' latest samples: %d keys held: the stalest gives way (%.3s %s),"
                      " counted in overflows (logged once)\n",
                      n->cfg.nation, MWX_FUSE_LATEST_MAX, old.msg.mark.originator, mwx_fuse_latest_id(&old.msg));
            }
          }
          prc = mwx_fuse_latest_put(n->latest, m, it->recv_ns, &changed);
        }
      }
      if (prc) {
        n->st.picture_dropped++; /* kept out of the table (no memory): counted (NodeStatus overflows) */
        mwx_error_clear();
      }
      node_fuse_rx(n, m); /* fusepic.c: a Track into the fused picture, a LaunchEvent a candidate */
    }
    ev.kind = MWX_NODE_EV_RECEIVED; /* held once the batch has committed: node_rx_emit */
  } else {
    /* net's detail may quote what a partner sent: printable ASCII only */
    char detail[200];
    size_t k = 0;
    for (const char *p = it->detail; *p && k + 1 < sizeof detail; p++)
      detail[k++] = (*p >= 32 && *p < 127) ? *p : '?';
    detail[k] = 0;
    json_t *o = json_object();
    json_object_set_new(o, "from", json_stringn(it->partner, strnlen(it->partner, 3)));
    json_object_set_new(o, "reason", json_string(mwx_net_reason_name(it->reason)));
    json_object_set_new(o, "link", json_integer(it->link));
    json_object_set_new(o, "detail", json_string(detail));
    payload = rx_payload(o);
    rc = payload ? mwx_journal_append(n->j, MWX_JOURNAL_SIGFAIL, n->sim_ns, payload, m, 0, &id)
                 : mwx_error_set(MWX_ENOMEM, "node: out of memory");
    if (rc && m)
      rc = payload ? mwx_journal_append(n->j, MWX_JOURNAL_SIGFAIL, n->sim_ns, payload, NULL, 0, &id) : rc;
    if (rc)
      n->st.publish_errors++;
    n->st.dropped++;
    n->st.records++;
    ev.kind = MWX_NODE_EV_DROPPED;
    ev.drop = it->reason == MWX_ECRYPTO        ? MWX_NODE_DROP_SIGNATURE
              : it->reason == MWX_NET_EREVOKED ? MWX_NODE_DROP_REVOKED
                                               : MWX_NODE_DROP_OTHER;
    rx_count_drop(n, it->partner, ev.drop);
    snprintf(ev.detail, sizeof ev.detail, "%s: %.170s", mwx_net_reason_name(it->reason), it->detail);
  }
  free(payload);
  ev.msg = m;
  ev.record_id = id;
  (void)ts;
  *evp = ev;
  return ev.kind == MWX_NODE_EV_RECEIVED;
}

void node_rx_emit(mwx_node *n, node_rx_item *it, mwx_node_event *ev) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ev->wall_ns = (int64_t)ts.tv_sec * NS + ts.tv_nsec;
  if (ev->kind == MWX_NODE_EV_RECEIVED && ev->msg) {
    /* the sample is now held: durable in the journal and in the picture */
    int64_t tv = mwx_msg_valid_ns(ev->msg);
    if (tv && n->cfg.speed > 0) {
      ev->latency_ms = (rx_sim_now(n) - (double)tv) / n->cfg.speed / 1e6;
      ev->recv_latency_ms = ev->latency_ms - (double)(ev->wall_ns - it->recv_ns) / 1e6;
    }
  }
  if (n->fn)
    n->fn(n->fn_ctx, ev);
}

int mwx_node_inject(mwx_node *n, const mwx_msg *m) {
  if (!n || !m)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  if (n->cfg.online)
    return mwx_error_set(MWX_EINVAL, "node %s: inject is for an offline node (online samples come from net)",
                         n->cfg.nation);
  if (m->mark.originator[0] == 0 || m->topic > MWX_TOPIC_STATUS)
    return mwx_error_set(MWX_EINVAL, "node %s: inject: a sample without an originator or topic", n->cfg.nation);
  node_rx_item *it = calloc(1, sizeof *it);
  if (!it)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  it->kind = MWX_NET_EV_ACCEPTED;
  it->has_msg = 1;
  it->msg = *m;
  snprintf(it->partner, sizeof it->partner, "%.3s", m->mark.originator);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  it->recv_ns = (int64_t)ts.tv_sec * NS + ts.tv_nsec;
  /* the same path as the loop's batch (node_step.c node_batch), for one item:
     journaled in one transaction, reported only after its commit */
  mwx_node_event ev;
  memset(&ev, 0, sizeof ev);
  int open = 0;
  if (node_rx_in_batch(it)) {
    if (mwx_journal_begin(n->j) == 0)
      open = 1;
    else
      mwx_error_clear(); /* the record then commits on its own */
  }
  node_rx_take(n, it, &ev);
  if (open) {
    if (mwx_journal_commit(n->j)) {
      n->st.publish_errors++;
      ev.record_id = 0;
      mwx_error_clear();
    } else
      n->st.commits++; /* written: reported now, fsynced by the journal's sync thread (node_step.c pass_out) */
  }
  node_rx_emit(n, it, &ev);
  free(it);
  return 0;
}

int node_rx_start(mwx_node *n) {
  int rc = mwx_net_open(&n->cfg.net, &n->net);
  if (rc)
    return rc;
  atomic_store(&n->rx_stop, 0);
  if (pthread_create(&n->rx_thread, NULL, rx_main, n))
    return mwx_error_set(MWX_EIO, "node %s: cannot start the receive thread", n->cfg.nation);
  n->rx_started = 1;
  return 0;
}

void node_rx_stop(mwx_node *n) {
  if (n->rx_started) {
    atomic_store(&n->rx_stop, 1);
    mwx_net_wakeup(n->net);
    pthread_join(n->rx_thread, NULL);
    n->rx_started = 0;
  }
  if (n->net) {
    mwx_net_close(n->net);
    n->net = NULL;
  }
}
