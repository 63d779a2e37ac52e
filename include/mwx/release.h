/*
 * release.h - who may receive what: the node's release policy (GSOMIA in
 * code), the pure release decision with the third-party rule, and the
 * manual-release queue kept in the journal.
 *
 * Policy.  One JSON file per node (format in docs/policy.md): the node's
 * nation and rules; anything no rule allows is refused (default deny).  A
 * rule names a partner nation, a topic (or "*"), optionally missile
 * classes, a mode (auto: released at once; manual: held for an operator),
 * fields to remove, coarsening, the highest classification it may release
 * and, for manual rules, a timeout and what happens then.
 *
 * Decision (mwx_release_decide) is pure: no I/O, no clock, no globals; the
 * time is a parameter.  Its outcome is release (a sanitized copy with the
 * marking set for the partner), hold (the same copy, waiting for an
 * operator) or refuse (no rule, third-party rule, classification, ...).
 *
 * Third-party rule: data derived from several originators may go only to
 * a nation every one of those originators named in its releasable-to
 * list; a sample relayed from another nation leaves unchanged (marking and
 * signature intact) and only to nations its originator named.
 *
 * Queue: a hold is a journal record (kind release, outcome "held"); its
 * record id is the queue item's id.  Approve / deny / timeout append a
 * record that refers to it, with the operator and the time waited, so
 * any process holding the journal can list and decide.
 */
#ifndef MWX_RELEASE_H
#define MWX_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/journal.h"
#include "mwx/msg.h"

#define MWX_RELEASE_MAX_RULES 64

typedef enum mwx_release_mode { MWX_RELEASE_AUTO = 0, MWX_RELEASE_MANUAL = 1 } mwx_release_mode;
typedef enum mwx_release_on_timeout { MWX_RELEASE_TIMEOUT_DENY = 0, MWX_RELEASE_TIMEOUT_APPROVE = 1 } mwx_release_on_timeout;

typedef struct mwx_release_rule {
  char id[MWX_ID_LEN];
  char partner[MWX_NATION_LEN];
  uint8_t topic;              /* mwx_msg_topic, 0 = any ("*") */
  uint32_t classes;           /* bit (1 << mwx_ballistic_class); 0 = any class */
  uint8_t mode;               /* mwx_release_mode */
  uint32_t remove;            /* MWX_F_* bits removed before release */
  double coarsen_m;           /* position grid, metres (0: none) */
  double coarsen_s;           /* time grid, seconds (0: none) */
  uint8_t max_classification; /* highest mwx_msg_classification this rule releases */
  int64_t timeout_s;          /* manual: how long a hold waits */
  uint8_t on_timeout;         /* manual: mwx_release_on_timeout */
} mwx_release_rule;

/* Plain data: no init/fini needed; copy freely. */
typedef struct mwx_release_policy {
  char nation[MWX_NATION_LEN];
  size_t n_rules;
  mwx_release_rule rules[MWX_RELEASE_MAX_RULES];
} mwx_release_policy;

/* Parses a policy from JSON text (name is used in messages, e.g. the file
 * name).  All-or-nothing: *out is written only on success.  MWX_EPARSE
 * (with line and column) for malformed JSON, MWX_EINVAL naming the rule
 * index and id for a bad or conflicting rule. */
int mwx_release_policy_parse(const char *json_text, const char *name, mwx_release_policy *out);
/* Same, from a file. */
int mwx_release_policy_load(const char *path, mwx_release_policy *out);

typedef enum mwx_release_outcome {
  MWX_RELEASE_RELEASE = 1, /* send now */
  MWX_RELEASE_HOLD = 2,    /* wait for an operator (manual rule) */
  MWX_RELEASE_REFUSE = 3   /* never send */
} mwx_release_outcome;

typedef enum mwx_release_reason {
  MWX_REFUSE_NONE = 0,
  MWX_REFUSE_NO_RULE = 1,        /* no rule allows this partner/topic/class: default deny */
  MWX_REFUSE_THIRD_PARTY = 2,    /* an originator did not name the partner */
  MWX_REFUSE_CLASSIFICATION = 3, /* sample classified above what the rule releases */
  MWX_REFUSE_RELAY = 4,          /* a relayed sample would need sanitizing, which would break its signature */
  MWX_REFUSE_INVALID = 5         /* the sample's marking is malformed, or partner is this node */
} mwx_release_reason;

/* "no-rule", "third-party", "classification", "relay", "invalid" ("" for none). */
const char *mwx_release_reason_name(mwx_release_reason r);
/* "released", "held", "refused". */
const char *mwx_release_outcome_name(mwx_release_outcome o);

/* What the decision is about. */
typedef struct mwx_release_sample {
  const mwx_msg *msg;       /* the sample; msg->mark.originator is who produced it */
  uint8_t missile_class;    /* mwx_ballistic_class if known, else 0 (ImpactPrediction: its own if 0) */
  size_t n_sources;         /* derived data: markings of every input it was made from */
  const mwx_msg_marking *sources; /* (originator + releasable-to of each); NULL when n_sources is 0 */
} mwx_release_sample;

typedef struct mwx_release_decision {
  uint8_t outcome;            /* mwx_release_outcome */
  uint8_t reason;             /* mwx_release_reason (refuse) */
  char rule_id[MWX_ID_LEN];   /* rule that released/held it ("" if none) */
  char partner[MWX_NATION_LEN];
  uint8_t topic;              /* of the sample decided on (any outcome) */
  char originator[MWX_NATION_LEN];
  uint64_t seq;
  char detail[160];           /* in words */
  int64_t time_ns;            /* when decided */
  int64_t deadline_ns;        /* hold: when the timeout action applies */
  uint8_t on_timeout;         /* hold: mwx_release_on_timeout */
  int relayed;                /* 1 if the sample is another nation's, passed on unchanged */
  mwx_msg sample;             /* release/hold: what leaves (signature zero unless relayed:
                                 the caller signs it); refuse: zero */
} mwx_release_decision;

/* Decides what may leave for partner at now_ns.  Pure.  Returns 0 with
 * *out filled for every outcome (a refusal is a decision, not an error);
 * MWX_EINVAL only for NULL arguments or a malformed partner code. */
int mwx_release_decide(const mwx_release_policy *p, const mwx_release_sample *s, const char *partner, int64_t now_ns,
                       mwx_release_decision *out);

/* ---- journal of decisions and the manual queue ------------------------- */

/* Appends a decision to the journal (kind release, outcome released / held
 * / refused, with rule, reason, partner, topic, originator, seq and the
 * sample that leaves or waits).  *id_out (may be NULL) is the record id:
 * for a hold, the queue item id.  For a release, sign d->sample first
 * (mwx_msg_sign) so the record holds exactly the bytes and signature that
 * were sent. */
int mwx_release_journal(mwx_journal *j, const mwx_release_decision *d, uint64_t *id_out);

/* A held item. */
typedef struct mwx_release_item {
  uint64_t id;                /* journal record id of the hold */
  int64_t held_ns, deadline_ns;
  char partner[MWX_NATION_LEN];
  char rule_id[MWX_ID_LEN];
  uint8_t on_timeout;
  int expired;                /* deadline passed at the time asked */
  mwx_msg sample;             /* what would leave */
  /* set when decided: */
  char outcome[16];           /* "approved" / "denied" ("" while pending) */
  char operator_name[MWX_ID_LEN];
  int64_t decided_ns;
  uint64_t decision_id;       /* journal record of the decision */
  /* mwx_release_queue_approved / _expire: "" if the hold record verified
   * (mwx_journal_check_record: hash, chain to the sealed head, seal under the
   * node key, sample of the journal owner's nation); otherwise why not, and
   * the sample must not be signed or sent. */
  char unverified[200];
} mwx_release_item;

typedef int (*mwx_release_item_fn)(const mwx_release_item *it, void *ctx);

/* Calls fn for each pending hold (no decision yet), oldest first, with
 * expired set if now_ns >= its deadline.  Read-only. */
int mwx_release_queue_list(mwx_journal *j, int64_t now_ns, mwx_release_item_fn fn, void *ctx);

/* Approves (approve = 1) or denies a pending hold as operator at now_ns:
 * appends the decision (with the time from hold to decision) and returns
 * the item in *out (may be NULL).  MWX_ENOTFOUND: no hold with that id;
 * MWX_EEXIST: already decided; MWX_ETIMEDOUT: its deadline passed (the
 * timeout action applies, see expire). */
int mwx_release_queue_decide(mwx_journal *j, uint64_t id, int approve, const char *operator_name, int64_t now_ns,
                             mwx_release_item *out);

/* Applies the timeout action to every pending hold whose deadline is
 * <= now_ns (operator "timeout"), calling fn (may be NULL) with each. */
int mwx_release_queue_expire(mwx_journal *j, int64_t now_ns, mwx_release_item_fn fn, void *ctx);

/* (Both below verify each hold record before acting: approve-on-timeout of
 * a hold that fails verification is recorded as a denial by "check-failed",
 * and an approval of one is passed to fn with unverified set.  The sample
 * passed is always the one in the verified hold record, never the copy in
 * the decision record.)
 * Calls fn for every hold approved in a decision record with id > after_id
 * (by any process), in order, and sets *last_id to the newest decision
 * record seen: the node polls this to send what operators approved. */
int mwx_release_queue_approved(mwx_journal *j, uint64_t after_id, mwx_release_item_fn fn, void *ctx,
                               uint64_t *last_id);

#endif /* MWX_RELEASE_H */
