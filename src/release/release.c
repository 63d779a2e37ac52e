/*
 * release.c - the release decision (see release.h).  Pure: reads only its
 * arguments, writes only *out; no I/O, no clock, no globals.
 *
 * Order of checks for partner P at node N (policy nation):
 *   1. the sample's marking must be well formed and P must not be N;
 *   2. relay (originator is not N): the originator's marking must name P,
 *      and the sample leaves verbatim - marking unchanged, signature intact -
 *      so a local rule that would remove or coarsen anything refuses it;
 *   3. third-party rule (derived data): every foreign originator among the
 *      sources must name P; N's own contributions are governed by N's policy;
 *   4. a rule must match (partner, topic, missile class), else default deny;
 *   5. the sample's classification must not exceed the rule's;
 *   6. a sanitized copy is made: fields removed, positions and times
 *      coarsened, marking rule_id = the rule and releasable_to = {N, P}
 *      (nothing wider: each partner receives its own copy, and a receiver
 *      may relay it only to nations named there);
 *   7. auto rules release it; manual rules hold it until now + timeout.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/release.h"
#include "release_int.h"

const char *mwx_release_reason_name(mwx_release_reason r) {
  switch (r) {
  case MWX_REFUSE_NO_RULE: return "no-rule";
  case MWX_REFUSE_THIRD_PARTY: return "third-party";
  case MWX_REFUSE_CLASSIFICATION: return "classification";
  case MWX_REFUSE_RELAY: return "relay";
  case MWX_REFUSE_INVALID: return "invalid";
  default: return "";
  }
}

const char *mwx_release_outcome_name(mwx_release_outcome o) {
  switch (o) {
  case MWX_RELEASE_RELEASE: return "released";
  case MWX_RELEASE_HOLD: return "held";
  case MWX_RELEASE_REFUSE: return "refused";
  default: return "unknown";
  }
}

static int refuse(mwx_release_decision *d, mwx_release_reason why, const char *rule_id, const char *fmt,
                  const char *a, const char *b) {
  d->outcome = MWX_RELEASE_REFUSE;
  d->reason = (uint8_t)why;
  if (rule_id) snprintf(d->rule_id, sizeof d->rule_id, "%s", rule_id);
  snprintf(d->detail, sizeof d->detail, fmt, a ? a : "", b ? b : "");
  memset(&d->sample, 0, sizeof d->sample);
  return 0;
}

static int nation_ok(const char *s) {
  return s && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' &&
         s[2] <= 'Z';
}

static const mwx_release_rule *find_rule(const mwx_release_policy *p, const char *partner, uint8_t topic,
                                         uint8_t cls) {
  /* Load-time conflict checks guarantee that all matching rules have the
   * same outcome, so the first match is the answer. */
  for (size_t i = 0; i < p->n_rules && i < MWX_RELEASE_MAX_RULES; i++) {
    const mwx_release_rule *r = &p->rules[i];
    if (strcmp(r->partner, partner) != 0) continue;
    if (r->topic != 0 && r->topic != topic) continue;
    if (r->classes != 0 && !(cls < 32 && (r->classes & (1u << cls)))) continue;
    return r;
  }
  return NULL;
}

int mwx_release_decide(const mwx_release_policy *p, const mwx_release_sample *s, const char *partner, int64_t now_ns,
                       mwx_release_decision *d) {
  if (!p || !s || !s->msg || !partner || !d) return mwx_error_set(MWX_EINVAL, "release_decide: NULL argument");
  if (!nation_ok(partner)) return mwx_error_set(MWX_EINVAL, "release_decide: partner '%s' is not a nation code", partner);
  if (s->n_sources && !s->sources) return mwx_error_set(MWX_EINVAL, "release_decide: n_sources without sources");
  memset(d, 0, sizeof *d);
  memcpy(d->partner, partner, 4);
  d->time_ns = now_ns;
  const mwx_msg *m = s->msg;
  d->topic = m->topic;
  memcpy(d->originator, m->mark.originator, MWX_NATION_LEN - 1);
  d->seq = m->mark.seq;

  /* 1. */
  if (mwx_msg_marking_check(&m->mark) != 0) {
    char why[120];
    snprintf(why, sizeof why, "%s", mwx_error_msg());
    return refuse(d, MWX_REFUSE_INVALID, NULL, "malformed marking: %s%s", why, NULL);
  }
  if (!strcmp(partner, p->nation)) return refuse(d, MWX_REFUSE_INVALID, NULL, "partner %s is this node%s", partner, NULL);

  uint8_t cls = s->missile_class;
  if (!cls && m->topic == MWX_TOPIC_IMPACT) cls = m->u.impact.missile_class;
  int relay = strcmp(m->mark.originator, p->nation) != 0;

  /* 2. relay / 3. third-party rule */
  if (relay) {
    if (!mwx_msg_marking_allows(&m->mark, partner))
      return refuse(d, MWX_REFUSE_THIRD_PARTY, NULL, "originator %s did not name %s", m->mark.originator, partner);
  }
  for (size_t i = 0; i < s->n_sources; i++) {
    const mwx_msg_marking *src = &s->sources[i];
    if (!strncmp(src->originator, p->nation, MWX_NATION_LEN)) continue;
    if (!mwx_msg_marking_allows(src, partner)) {
      char orig[MWX_NATION_LEN];
      snprintf(orig, sizeof orig, "%.3s", src->originator);
      return refuse(d, MWX_REFUSE_THIRD_PARTY, NULL, "contributing originator %s did not name %s", orig, partner);
    }
  }

  /* 4. */
  const mwx_release_rule *r = find_rule(p, partner, m->topic, cls);
  if (!r) return refuse(d, MWX_REFUSE_NO_RULE, NULL, "no rule releases %s to %s", mwx_msg_topic_name(m->topic), partner);
  /* 5. */
  if (m->mark.classification > r->max_classification)
    return refuse(d, MWX_REFUSE_CLASSIFICATION, r->id, "sample classified above what rule %s releases%s", r->id, NULL);

  /* 6. */
  if (relay) {
    if ((r->remove & m->fields) || r->coarsen_m > 0 || r->coarsen_s > 0)
      return refuse(d, MWX_REFUSE_RELAY, r->id,
                    "rule %s would sanitize a sample relayed from %s (its signature would break)", r->id,
                    m->mark.originator);
    d->sample = *m; /* verbatim: marking and signature unchanged */
    d->relayed = 1;
  } else {
    d->sample = *m;
    mwx_msg_strip(&d->sample, r->remove);
    mwx_msg_coarsen(&d->sample, r->coarsen_m, r->coarsen_s);
    mwx_msg_marking *mk = &d->sample.mark;
    mk->n_releasable = 0;
    memset(mk->releasable_to, 0, sizeof mk->releasable_to);
    mwx_msg_marking_add(mk, p->nation);
    mwx_msg_marking_add(mk, partner);
    memset(mk->rule_id, 0, sizeof mk->rule_id);
    memcpy(mk->rule_id, r->id, strnlen(r->id, MWX_ID_LEN - 1));
    memset(d->sample.sig, 0, sizeof d->sample.sig);
  }
  memcpy(d->rule_id, r->id, strnlen(r->id, MWX_ID_LEN - 1));

  /* 7. */
  if (r->mode == MWX_RELEASE_MANUAL) {
    d->outcome = MWX_RELEASE_HOLD;
    int64_t t = r->timeout_s < 0 ? 0 : (r->timeout_s > 7 * 86400 ? 7 * 86400 : r->timeout_s);
    int64_t wait_ns = t * 1000000000ll;
    d->deadline_ns = now_ns > INT64_MAX - wait_ns ? INT64_MAX : now_ns + wait_ns;
    d->on_timeout = r->on_timeout;
    snprintf(d->detail, sizeof d->detail, "held for an operator by rule %s (timeout %llds, then %s)", r->id,
             (long long)t, r->on_timeout == MWX_RELEASE_TIMEOUT_APPROVE ? "approve" : "deny");
  } else {
    d->outcome = MWX_RELEASE_RELEASE;
    snprintf(d->detail, sizeof d->detail, "released by rule %s", r->id);
  }
  return 0;
}
