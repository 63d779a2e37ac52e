/*
 * node_release.c - release and routing: every sample the node makes is
 * decided for every partner (release policy), routed through a relay when
 * the partner is not on our links (hub topology), signed and journaled; the
 * outcomes wait in the out queue until the batch has committed, then are
 * published and reported (node_flush_out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/alert.h"
#include "mwx/error.h"
#include "mwx/node.h"
#include "node_int.h"

static mwx_node_partner_stats *partner_stats(mwx_node *n, const char *nat) {
  for (int i = 0; i < n->st.n_partners; i++)
    if (!strncmp(n->st.partner[i].nation, nat, 3))
      return &n->st.partner[i];
  return NULL;
}

/* ---- events and publishing ------------------------------------------- */

void node_emit(mwx_node *n, mwx_node_event *ev) {
  ev->sim_ns = n->sim_ns;
  ev->wall_ns = node_real_ns();
  int prev = node_prof(n, MWX_NODE_PROF_EMIT);
  if (n->fn)
    n->fn(n->fn_ctx, ev);
  node_prof(n, prev);
}

int node_outq_push(mwx_node *n, int kind, const char *partner, const mwx_msg *m, uint64_t record, uint64_t item,
                     const char *detail) {
  if (n->n_out == n->cap_out) {
    size_t nc = n->cap_out ? 2 * n->cap_out : 64;
    node_out *o = realloc(n->out, nc * sizeof *o);
    if (!o)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    n->out = o;
    n->cap_out = nc;
  }
  node_out *o = &n->out[n->n_out++];
  memset(o, 0, sizeof *o);
  o->kind = kind;
  snprintf(o->partner, sizeof o->partner, "%.3s", partner);
  if (m)
    o->msg = *m;
  o->has_msg = m != NULL;
  o->record = record;
  o->item = item;
  if (detail)
    snprintf(o->detail, sizeof o->detail, "%s", detail);
  return 0;
}

static void count_release(mwx_node *n, const char *partner, const mwx_msg *m) {
  mwx_node_partner_stats *ps = partner_stats(n, partner);
  if (!ps)
    return;
  if (m->topic < 6)
    ps->released[m->topic]++;
  if (m->topic != MWX_TOPIC_STATUS && !ps->has_first_release && n->epoch_ns) {
    ps->has_first_release = 1;
    ps->first_release_s = (double)(n->sim_ns - n->epoch_ns) / 1e9;
  }
}

/* Step 3, after the pass's commit: first every copy of the pass is
 * published (online) and handed to the offline coalition, then every event
 * of the pass is reported, in order.  So a subscriber never sees an event
 * (the own picture's SAMPLE, RELEASED, a fused prediction, an alert) for
 * something that is not both journaled (the commit before) and already on
 * its way to the partners (the publish before): what the operator's
 * picture shows is what the partners were sent (write-ahead: nothing is
 * published before its record is durable). */
static void flush_arr(mwx_node *n, node_out *out, size_t cnt) {
  int prev = node_prof(n, MWX_NODE_PROF_PUBLISH);
  for (size_t i = 0; i < cnt; i++) {
    node_out *o = &out[i];
    if (o->kind != MWX_NODE_EV_RELEASED && o->kind != MWX_NODE_EV_APPROVED)
      continue;
    if (n->net && mwx_net_publish(n->net, &o->msg)) {
      n->st.publish_errors++;
      mwx_error_clear();
    } else if (n->net && o->msg.topic == MWX_TOPIC_ALERT && o->msg.u.alert.action == MWX_ALERT_ACT_CANCEL) {
      /* the alert's last word on this partner's partition: its instance is
         unregistered there (alerting.c: what is left, the life cycle's sweep) */
      int c = 0;
      if (mwx_net_unregister(n->net, &o->msg, &c))
        mwx_error_clear();
      n->st.alerts_forgotten += (uint64_t)c;
    }
    o->stage_ns[MWX_NODE_STAGE_PUBLISHED] = node_real_ns();
    count_release(n, o->partner, &o->msg);
    node_xout_put(n, o->partner, &o->msg); /* offline.c: the in-process coalition */
  }
  node_prof(n, prev);
  for (size_t i = 0; i < cnt; i++) {
    node_out *o = &out[i];
    mwx_node_partner_stats *ps = partner_stats(n, o->partner);
    if (ps) {
      if (o->kind == MWX_NODE_EV_HELD)
        ps->held++;
      else if (o->kind == MWX_NODE_EV_APPROVED)
        ps->approved++;
      else if (o->kind == MWX_NODE_EV_DENIED)
        ps->denied++;
      else if (o->kind == MWX_NODE_EV_REFUSED)
        ps->refused++;
    }
    mwx_node_event ev = {0};
    ev.kind = (mwx_node_event_kind)o->kind;
    memcpy(ev.partner, o->partner, MWX_NATION_LEN);
    ev.msg = o->has_msg ? &o->msg : NULL;
    ev.record_id = o->record;
    ev.item = o->item;
    ev.latency_ms = -1;
    ev.recv_latency_ms = -1;
    snprintf(ev.detail, sizeof ev.detail, "%s", o->detail);
    ev.overflight_ns = o->overflight_ns;
    memcpy(ev.stage_ns, o->stage_ns, sizeof ev.stage_ns);
    node_emit(n, &ev);
  }
}

int node_flush_out(mwx_node *n) {
  flush_arr(n, n->out, n->n_out);
  n->n_out = 0;
  if (n->shrink_out_due) { /* a NodeStatus since the last time: a burst's room given back */
    n->shrink_out_due = 0;
    if (n->cap_out > NODE_SHRINK_MIN) {
      free(n->out);
      n->out = NULL;
      n->cap_out = 0;
      n->shrinks++;
    }
  }
  return 0;
}

static const mwx_release_rule *rule_by_id(const mwx_node *n, const char *id) {
  for (size_t i = 0; i < n->policy.n_rules; i++)
    if (!strcmp(n->policy.rules[i].id, id))
      return &n->policy.rules[i];
  return NULL;
}

/* Coarsening a grid of a (0: none) is at least as fine as b. */
static int finer_or_equal(double a, double b) { return a <= 0 || (b > 0 && a <= b); }

/* Hub topology: partner i is not on our links, so its copy can only travel
 * through a relay on a link, and the relay must be able to read it (DDS
 * access control lets a nation read only partitions naming it).  The relay
 * is added to the copy's releasable-to list only if the relay's own copy of
 * this sample leaves now and reveals at least as much (it removes no field
 * the partner's keeps, coarsens no more): then the relay learns nothing it
 * was not given anyway.  Otherwise the partner's copy is refused. */
static void route_indirect(mwx_node *n, int i) {
  mwx_release_decision *d = &n->dec[i];
  if (d->outcome == MWX_RELEASE_REFUSE || d->relayed)
    return;
  const mwx_release_rule *rp = rule_by_id(n, d->rule_id);
  for (int h = 0; h < n->st.n_partners && rp; h++) {
    const mwx_release_decision *dh = &n->dec[h];
    if (!n->direct[h] || dh->outcome != MWX_RELEASE_RELEASE)
      continue;
    const mwx_release_rule *rh = rule_by_id(n, dh->rule_id);
    if (!rh || (rh->remove & ~rp->remove) || !finer_or_equal(rh->coarsen_m, rp->coarsen_m) ||
        !finer_or_equal(rh->coarsen_s, rp->coarsen_s))
      continue;
    if (mwx_msg_marking_add(&d->sample.mark, dh->partner) == 0)
      return;
  }
  d->outcome = MWX_RELEASE_REFUSE;
  d->reason = MWX_REFUSE_RELAY;
  char partner[MWX_NATION_LEN];
  memcpy(partner, d->partner, sizeof partner);
  snprintf(d->detail, sizeof d->detail, "no route to %.3s: no relay on our links may read its copy", partner);
  memset(&d->sample, 0, sizeof d->sample);
}

/* Decides m for every partner; routes copies for partners behind a relay;
 * signs what is released; journals each decision. */
/* The stages a copy of m has reached when it is queued (node.h
 * mwx_node_stage): its plot, the pass's start, the sample made (now). */
static void stamp_made(mwx_node *n, const mwx_msg *m, int64_t st[MWX_NODE_STAGE_COUNT]) {
  memset(st, 0, MWX_NODE_STAGE_COUNT * sizeof st[0]);
  int64_t tv = m->topic == MWX_TOPIC_TRACK    ? m->u.track.time_ns
               : m->topic == MWX_TOPIC_IMPACT ? m->u.impact.time_ns
               : m->topic == MWX_TOPIC_ALERT  ? m->u.alert.time_ns
               : m->topic == MWX_TOPIC_STATUS ? m->u.status.time_ns
                                              : 0;
  st[MWX_NODE_STAGE_IN] = n->pass_in_ns;
  st[MWX_NODE_STAGE_PLOT] = tv ? node_sim_to_real_ns(n, tv) : 0;
  if (!st[MWX_NODE_STAGE_PLOT])
    st[MWX_NODE_STAGE_PLOT] = n->pass_in_ns;
  st[MWX_NODE_STAGE_TRACKED] = node_real_ns();
}

static int decide(mwx_node *n, const mwx_msg *m, uint8_t cls, size_t n_sources, const mwx_msg_marking *sources);

int node_decide(mwx_node *n, const mwx_msg *m, uint8_t cls, size_t n_sources, const mwx_msg_marking *sources) {
  int prev = node_prof(n, MWX_NODE_PROF_DECIDE);
  int rc = decide(n, m, cls, n_sources, sources);
  node_prof(n, prev);
  return rc;
}

/* The hold's deadline: the node runs until it and expires it on time. */
static void note_hold(mwx_node *n, const mwx_release_decision *d) {
  if (d->deadline_ns > n->last_deadline_ns)
    n->last_deadline_ns = d->deadline_ns;
  if (d->deadline_ns < n->next_expire_ns)
    n->next_expire_ns = d->deadline_ns; /* expired on time */
}

/* decide() with the sign pool (signpool.c): each partner's decision takes
 * its place in the out queue now and is queued for its signature (a
 * release) and its record; node_sign_flush journals it, in this order,
 * before any other record and before the pass's commit. */
static int decide_queued(mwx_node *n, const mwx_msg *m, const int64_t made[MWX_NODE_STAGE_COUNT]) {
  int rc;
  for (int i = 0; i < n->st.n_partners; i++) {
    mwx_release_decision *d = &n->dec[i];
    node_sign_entry *e = node_signpool_slot(n->signp);
    if (!e) { /* the queue's bound: its decisions journaled first */
      n->sign_full++;
      if ((rc = node_sign_flush(n)))
        return rc;
      e = node_signpool_slot(n->signp);
    }
    if (d->outcome == MWX_RELEASE_RELEASE)
      rc = node_outq_push(n, MWX_NODE_EV_RELEASED, d->partner, &d->sample, 0, 0, d->rule_id);
    else if (d->outcome == MWX_RELEASE_HOLD) {
      note_hold(n, d);
      rc = node_outq_push(n, MWX_NODE_EV_HELD, d->partner, &d->sample, 0, 0, d->detail);
    } else
      rc = node_outq_push(n, MWX_NODE_EV_REFUSED, d->partner, m, 0, 0, d->detail);
    if (rc)
      return rc;
    if (d->outcome == MWX_RELEASE_RELEASE)
      memcpy(n->out[n->n_out - 1].stage_ns, made, MWX_NODE_STAGE_COUNT * sizeof made[0]);
    e->d = *d;
    e->out_idx = n->n_out - 1;
    e->sign = d->outcome == MWX_RELEASE_RELEASE;
    e->rc = 0;
    e->err[0] = 0;
    node_signpool_push(n->signp);
  }
  return 0;
}

int node_sign_flush(mwx_node *n) {
  if (!n->signp)
    return 0;
  int prev = node_prof(n, MWX_NODE_PROF_SIGN);
  size_t cnt;
  node_sign_entry *e = node_signpool_wait(n->signp, &cnt);
  node_prof(n, MWX_NODE_PROF_DECIDE);
  int rc = 0;
  int64_t now = cnt ? node_real_ns() : 0;
  for (size_t k = 0; k < cnt && !rc; k++) {
    node_sign_entry *q = &e[k];
    if (q->sign && q->rc) {
      rc = mwx_error_set(q->rc, "%s", q->err);
      break;
    }
    uint64_t id = 0;
    if ((rc = mwx_release_journal(n->j, &q->d, &id)))
      break;
    n->st.records++;
    node_out *o = &n->out[q->out_idx];
    o->record = id;
    if (q->d.outcome == MWX_RELEASE_HOLD)
      o->item = id;
    if (q->sign) {
      memcpy(o->msg.sig, q->d.sample.sig, sizeof o->msg.sig);
      o->stage_ns[MWX_NODE_STAGE_SIGNED] = now;
    }
  }
  node_signpool_reset(n->signp);
  node_prof(n, prev);
  return rc;
}

void node_sign_discard(mwx_node *n) {
  if (!n->signp)
    return;
  size_t cnt;
  node_signpool_wait(n->signp, &cnt);
  node_signpool_reset(n->signp);
}

static int decide(mwx_node *n, const mwx_msg *m, uint8_t cls, size_t n_sources, const mwx_msg_marking *sources) {
  mwx_release_sample s = {m, cls, n_sources, n_sources ? sources : NULL};
  n->st.samples++;
  int64_t made[MWX_NODE_STAGE_COUNT];
  stamp_made(n, m, made);
  int rc;
  if ((rc = node_outq_push(n, MWX_NODE_EV_SAMPLE, "", m, 0, 0, NULL))) /* the own picture (events.c) */
    return rc;
  for (int i = 0; i < n->st.n_partners; i++)
    if ((rc = mwx_release_decide(&n->policy, &s, n->st.partner[i].nation, n->sim_ns, &n->dec[i])))
      return rc;
  for (int i = 0; i < n->st.n_partners; i++)
    if (!n->direct[i])
      route_indirect(n, i);
  if (n->signp)
    return decide_queued(n, m, made);
  for (int i = 0; i < n->st.n_partners; i++) {
    mwx_release_decision *d = &n->dec[i];
    if (d->outcome == MWX_RELEASE_RELEASE) {
      int p = node_prof(n, MWX_NODE_PROF_SIGN);
      rc = mwx_msg_sign(&d->sample, n->key);
      node_prof(n, p);
      if (rc)
        return rc;
    }
    uint64_t id = 0;
    if ((rc = mwx_release_journal(n->j, d, &id)))
      return rc;
    n->st.records++;
    if (d->outcome == MWX_RELEASE_RELEASE) {
      if (!(rc = node_outq_push(n, MWX_NODE_EV_RELEASED, d->partner, &d->sample, id, 0, d->rule_id))) {
        node_out *o = &n->out[n->n_out - 1];
        memcpy(o->stage_ns, made, sizeof made);
        o->stage_ns[MWX_NODE_STAGE_SIGNED] = node_real_ns();
      }
    } else if (d->outcome == MWX_RELEASE_HOLD) {
      note_hold(n, d);
      rc = node_outq_push(n, MWX_NODE_EV_HELD, d->partner, &d->sample, id, id, d->detail);
    } else
      rc = node_outq_push(n, MWX_NODE_EV_REFUSED, d->partner, m, id, 0, d->detail);
    if (rc)
      return rc;
  }
  return 0;
}
