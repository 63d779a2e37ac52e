/*
 * rx.c - the node's receive side.  One thread (the only one the node
 * starts) loops on mwx_net_poll: net takes the samples from DDS, checks
 * marking and origin signature, relays on a hub, and reports each event;
 * the thread copies the event into a node_rx_item and posts it to the
 * loop's hand-over queue.  Nothing else crosses threads.
 *
 * On the loop thread, node_rx_handle journals the receipt (kind sample,
 * with the sample and its signature) or the failure (kind sigfail), keeps
 * the partner picture (latest sample per originator, topic and track or
 * node id) and reports the event with its latency on the shared sim clock:
 * from the sample's time of validity to the moment the node holds it
 * (journal record durable, picture updated), and to its reception.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "node_int.h"

#define NS 1000000000ll

static void on_net_event(void *ctx, const mwx_net_event *ev) {
  mwx_node *n = ctx;
  node_rx_item it;
  memset(&it, 0, sizeof it);
  it.kind = ev->kind;
  it.link = ev->link;
  it.reason = ev->reason;
  it.relayed = ev->relayed;
  it.alive = ev->alive;
  it.recv_ns = ev->recv_ns;
  snprintf(it.partner, sizeof it.partner, "%.3s", ev->partner);
  snprintf(it.detail, sizeof it.detail, "%s", ev->detail);
  if (ev->msg) {
    it.msg = *ev->msg;
    it.has_msg = 1;
    if (!it.partner[0])
      snprintf(it.partner, sizeof it.partner, "%.3s", ev->msg->mark.originator);
  }
  mwx_node_loop_post(n->loop, &it, sizeof it); /* full queue: counted by the loop */
}

static void *rx_main(void *arg) {
  mwx_node *n = arg;
  while (!atomic_load(&n->rx_stop)) {
    int rc = mwx_net_poll(n->net, 200000000ll, on_net_event, n);
    if (rc < 0) {
      struct timespec ts = {0, 50000000};
      nanosleep(&ts, NULL);
    }
  }
  return NULL;
}

const char *node_msg_id(const mwx_msg *m, const char *none) {
  switch (m->topic) {
  case MWX_TOPIC_TRACK: return m->u.track.local_track_id;
  case MWX_TOPIC_LAUNCH: return m->u.launch.local_track_id;
  case MWX_TOPIC_IMPACT: return m->u.impact.local_track_id;
  case MWX_TOPIC_ALERT: return m->u.alert.alert_id;
  case MWX_TOPIC_STATUS: return m->u.status.node_id;
  default: return none;
  }
}

static int64_t valid_time(const mwx_msg *m) {
  switch (m->topic) {
  case MWX_TOPIC_TRACK: return m->u.track.time_ns;
  case MWX_TOPIC_IMPACT: return m->u.impact.time_ns;
  case MWX_TOPIC_ALERT: return m->u.alert.time_ns;
  case MWX_TOPIC_STATUS: return m->u.status.time_ns;
  default: return 0;
  }
}

static void picture_put(mwx_node *n, const mwx_msg *m, int64_t recv_ns) {
  const char *id = node_msg_id(m, "");
  for (size_t i = 0; i < n->n_pic; i++) {
    mwx_node_picture_entry *e = &n->pic[i];
    if (e->msg.topic == m->topic && !strncmp(e->msg.mark.originator, m->mark.originator, 3) &&
        !strcmp(node_msg_id(&e->msg, ""), id)) {
      e->msg = *m;
      e->recv_wall_ns = recv_ns;
      e->updates++;
      return;
    }
  }
  if (n->n_pic >= MWX_NODE_PICTURE_MAX)
    return;
  if (n->n_pic == n->cap_pic) {
    size_t nc = n->cap_pic ? 2 * n->cap_pic : 16;
    mwx_node_picture_entry *p = realloc(n->pic, nc * sizeof *p);
    if (!p)
      return;
    n->pic = p;
    n->cap_pic = nc;
  }
  mwx_node_picture_entry *e = &n->pic[n->n_pic++];
  e->msg = *m;
  e->recv_wall_ns = recv_ns;
  e->updates = 1;
}

static void node_rx_handle(mwx_node_loop *l, void *item, size_t size, void *ctx) {
  (void)l;
  mwx_node *n = ctx;
  if (size != sizeof(node_rx_item))
    return;
  node_rx_item *it = item;
  mwx_node_event ev = {0};
  ev.latency_ms = -1;
  ev.recv_latency_ms = -1;
  snprintf(ev.partner, sizeof ev.partner, "%.3s", it->partner);
  ev.sim_ns = n->sim_ns;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ev.wall_ns = (int64_t)ts.tv_sec * NS + ts.tv_nsec;
  if (it->kind == MWX_NET_EV_PARTNER) {
    ev.kind = MWX_NODE_EV_PARTNER;
    ev.alive = it->alive;
    if (n->fn)
      n->fn(n->fn_ctx, &ev);
    return;
  }
  char payload[400];
  uint64_t id = 0;
  int rc;
  const mwx_msg *m = it->has_msg ? &it->msg : NULL;
  if (it->kind == MWX_NET_EV_ACCEPTED && m) {
    snprintf(payload, sizeof payload,
             "{\"from\":\"%.3s\",\"topic\":\"%s\",\"seq\":%llu,\"link\":%d,\"verified\":true,\"relayed\":%d}",
             m->mark.originator, mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq,
             it->link, it->relayed);
    rc = mwx_journal_append(n->j, MWX_JOURNAL_SAMPLE, n->sim_ns, payload, m, 0, &id);
    if (rc)
      n->st.publish_errors++;
    n->st.received++;
    n->st.records++;
    mwx_node_partner_stats *ps = NULL;
    for (int i = 0; i < n->st.n_partners; i++)
      if (!strncmp(n->st.partner[i].nation, m->mark.originator, 3))
        ps = &n->st.partner[i];
    if (ps)
      ps->received++;
    picture_put(n, m, it->recv_ns);
    /* the sample is now held: durable in the journal and in the picture */
    clock_gettime(CLOCK_REALTIME, &ts);
    ev.wall_ns = (int64_t)ts.tv_sec * NS + ts.tv_nsec;
    int64_t tv = valid_time(m);
    if (tv && n->cfg.speed > 0) {
      int64_t mono = mwx_node_mono_ns();
      double sim_now = (double)n->sim_origin_ns + (double)(mono - n->mono_origin_ns) * n->cfg.speed;
      ev.latency_ms = (sim_now - (double)tv) / n->cfg.speed / 1e6;
      ev.recv_latency_ms = ev.latency_ms - (double)(ev.wall_ns - it->recv_ns) / 1e6;
    }
    ev.kind = MWX_NODE_EV_RECEIVED;
  } else {
    char detail[200];
    size_t k = 0;
    for (const char *p = it->detail; *p && k + 2 < sizeof detail; p++) {
      if (*p == '"' || *p == '\\')
        detail[k++] = '\\';
      detail[k++] = (*p >= 32 && *p < 127) ? *p : '?';
    }
    detail[k] = 0;
    snprintf(payload, sizeof payload, "{\"from\":\"%.3s\",\"reason\":\"%s\",\"link\":%d,\"detail\":\"%s\"}",
             it->partner, mwx_net_reason_name(it->reason), it->link, detail);
    rc = mwx_journal_append(n->j, MWX_JOURNAL_SIGFAIL, n->sim_ns, payload, m, 0, &id);
    if (rc && m)
      rc = mwx_journal_append(n->j, MWX_JOURNAL_SIGFAIL, n->sim_ns, payload, NULL, 0, &id);
    if (rc)
      n->st.publish_errors++;
    n->st.dropped++;
    n->st.records++;
    ev.kind = MWX_NODE_EV_DROPPED;
    snprintf(ev.detail, sizeof ev.detail, "%s: %.170s", mwx_net_reason_name(it->reason), it->detail);
  }
  ev.msg = m;
  ev.record_id = id;
  if (n->fn)
    n->fn(n->fn_ctx, &ev);
}

int node_rx_start(mwx_node *n) {
  int rc = mwx_net_open(&n->cfg.net, &n->net);
  if (rc)
    return rc;
  mwx_node_loop_set_queue_fn(n->loop, node_rx_handle, n);
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
