/*
 * queue.c - release decisions in the journal, and the manual-release queue
 * built on them (see release.h).
 *
 * There is no queue table: the journal is the queue.  A hold is a release
 * record with outcome "held" carrying the sanitized sample, its deadline and
 * timeout action; its record id is the item id.  Approve, deny and the
 * timeout action append a release record with outcome "approved" or
 * "denied" whose ref is the hold's id, carrying the operator, the time
 * waited (hold to decision) and, when approved, the sample that leaves.
 * Pending = holds with no answering record (an indexed journal query).  Because every decision is a
 * chained record, the queue is as tamper-evident as the rest of the
 * journal, and any process with the database (the node, "mwx release
 * approve") sees the same queue.  Decisions run inside one journal batch
 * (BEGIN IMMEDIATE), so two operators cannot both decide one hold.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/release.h"
#include "release_int.h"

static const char *on_timeout_name(uint8_t a) { return a == MWX_RELEASE_TIMEOUT_APPROVE ? "approve" : "deny"; }

int mwx_release_journal(mwx_journal *j, const mwx_release_decision *d, uint64_t *id_out) {
  if (!j || !d) return mwx_error_set(MWX_EINVAL, "release_journal: NULL argument");
  json_t *o = json_object();
  if (!o) return mwx_error_set(MWX_ENOMEM, "release_journal: out of memory");
  json_object_set_new(o, "outcome", json_string(mwx_release_outcome_name((mwx_release_outcome)d->outcome)));
  json_object_set_new(o, "partner", json_stringn(d->partner, strnlen(d->partner, MWX_NATION_LEN)));
  json_object_set_new(o, "rule", json_stringn(d->rule_id, strnlen(d->rule_id, MWX_ID_LEN)));
  if (d->outcome == MWX_RELEASE_REFUSE)
    json_object_set_new(o, "reason", json_string(mwx_release_reason_name((mwx_release_reason)d->reason)));
  json_object_set_new(o, "detail", json_stringn(d->detail, strnlen(d->detail, sizeof d->detail)));
  json_object_set_new(o, "topic", json_string(mwx_msg_topic_name((mwx_msg_topic)d->topic)));
  json_object_set_new(o, "originator", json_stringn(d->originator, strnlen(d->originator, MWX_NATION_LEN)));
  json_object_set_new(o, "seq", json_integer((json_int_t)d->seq));
  if (d->outcome != MWX_RELEASE_REFUSE) json_object_set_new(o, "relayed", json_boolean(d->relayed));
  if (d->outcome == MWX_RELEASE_HOLD) {
    json_object_set_new(o, "deadline_ns", json_integer(d->deadline_ns));
    json_object_set_new(o, "on_timeout", json_string(on_timeout_name(d->on_timeout)));
  }
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  if (!text) return mwx_error_set(MWX_ENOMEM, "release_journal: cannot render the record (invalid text?)");
  int rc = mwx_journal_append(j, MWX_JOURNAL_RELEASE, d->time_ns, text,
                              d->outcome == MWX_RELEASE_REFUSE ? NULL : &d->sample, 0, id_out);
  free(text);
  return rc;
}

/* ---- reading holds and decisions --------------------------------------- */

static const char *jstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* Parses the payload of journal record r (strict, json.h); the message names
 * the record.  *out is a new reference on success. */
static int payload_load(const mwx_journal_record *r, json_t **out) {
  char what[64];
  snprintf(what, sizeof what, "journal record %llu payload", (unsigned long long)r->id);
  return mwx_json_load_text(r->payload, strlen(r->payload), what, out);
}

/* Fills it from a "held" record; 0 if r is a hold, MWX_ENOTFOUND if it is
 * another record, MWX_EPARSE if its payload cannot be read (a hold that
 * cannot be read is an error, never skipped). */
static int hold_from_record(const mwx_journal_record *r, mwx_release_item *it) {
  if (r->kind != MWX_JOURNAL_RELEASE) return MWX_ENOTFOUND;
  json_t *o = NULL;
  int rc = payload_load(r, &o);
  if (rc) return rc;
  rc = MWX_ENOTFOUND;
  if (!strcmp(jstr(o, "outcome"), "held") && r->has_msg) {
    memset(it, 0, sizeof *it);
    it->id = r->id;
    it->held_ns = r->time_ns;
    it->deadline_ns = (int64_t)json_integer_value(json_object_get(o, "deadline_ns"));
    snprintf(it->partner, sizeof it->partner, "%s", jstr(o, "partner"));
    snprintf(it->rule_id, sizeof it->rule_id, "%s", jstr(o, "rule"));
    it->on_timeout = !strcmp(jstr(o, "on_timeout"), "approve") ? MWX_RELEASE_TIMEOUT_APPROVE : MWX_RELEASE_TIMEOUT_DENY;
    it->sample = r->msg;
    rc = 0;
  }
  json_decref(o);
  return rc;
}

/* Adds the decision in r (an answer to the hold) to it. */
static void decision_into(const mwx_journal_record *r, mwx_release_item *it) {
  json_t *o = NULL;
  if (payload_load(r, &o)) o = NULL; /* shown as "?": the caller has checked the decision */
  snprintf(it->outcome, sizeof it->outcome, "%s", o ? jstr(o, "outcome") : "?");
  snprintf(it->operator_name, sizeof it->operator_name, "%s", o ? jstr(o, "operator") : "?");
  it->decided_ns = r->time_ns;
  it->decision_id = r->id;
  json_decref(o);
}

static int verified_hold(mwx_journal *j, uint64_t id, mwx_release_item *it);

typedef struct answers_ctx {
  mwx_release_item *it;
  int found;
} answers_ctx;

static int answer_fn(const mwx_journal_record *r, void *vc) {
  answers_ctx *c = vc;
  if (r->kind != MWX_JOURNAL_RELEASE || c->found) return 0;
  decision_into(r, c->it);
  c->found = 1;
  return 0;
}

/* 1 if the hold has been decided (and fills it), 0 if pending, <0 error.
 * Through the UNIQUE index record_answer, not record_ref. */
static int decided(mwx_journal *j, mwx_release_item *it) {
  answers_ctx c = {it, 0};
  int rc = mwx_journal_decisions(j, it->id, answer_fn, &c);
  return rc ? rc : c.found;
}

/* Verifies hold record id before anything taken from it is acted on; fills
 * it from the verified record.  0 and it->unverified "" if it checks,
 * 0 with it->unverified set if not, <0 on an I/O error. */
static int verified_hold(mwx_journal *j, uint64_t id, mwx_release_item *it) {
  mwx_journal_record *r = malloc(sizeof *r);
  if (!r) return mwx_error_set(MWX_ENOMEM, "release queue: out of memory");
  int rc = mwx_journal_check_record(j, id, NULL, NULL);
  char why[200] = "";
  if (rc == MWX_ECORRUPT) snprintf(why, sizeof why, "%s", mwx_error_msg());
  else if (rc) goto out;
  if (!why[0] && (rc = mwx_journal_get(j, id, r)) == 0) {
    int h = hold_from_record(r, it);
    if (h == MWX_ENOTFOUND) snprintf(why, sizeof why, "record %llu is not a hold", (unsigned long long)id);
    else if (h) snprintf(why, sizeof why, "%s", mwx_error_msg());
  }
  if (rc && rc != MWX_ECORRUPT && !why[0]) goto out;
  rc = 0;
  if (!why[0]) {
    char owner[MWX_NATION_LEN];
    int owned = 0;
    if ((rc = mwx_journal_owner(j, owner, NULL, &owned))) goto out;
    if (owned && strncmp(owner, it->sample.mark.originator, 3) != 0)
      snprintf(why, sizeof why, "hold %llu: its sample is %.3s's, not the node's (%.3s)", (unsigned long long)id,
               it->sample.mark.originator, owner);
  }
  if (why[0]) {
    it->id = id;
    snprintf(it->unverified, sizeof it->unverified, "%s", why);
  }
out:
  free(r);
  return rc;
}

typedef struct list_ctx {
  mwx_journal *j;
  int64_t now_ns;
  mwx_release_item_fn fn;
  void *ctx;
  mwx_release_item *items; /* collect mode (fn == NULL) */
  size_t n, cap;
  int err;
} list_ctx;

static int list_fn(const mwx_journal_record *r, void *vc) {
  list_ctx *c = vc;
  mwx_release_item it;
  int h = hold_from_record(r, &it);
  if (h == MWX_ENOTFOUND) return 0;
  if (h) return c->err = h;
  int d = decided(c->j, &it);
  if (d < 0) return c->err = d;
  if (d) return 0;
  it.expired = c->now_ns >= it.deadline_ns;
  if (c->fn) return c->fn(&it, c->ctx);
  if (c->n == c->cap) {
    size_t ncap = c->cap ? 2 * c->cap : 16;
    mwx_release_item *ni = realloc(c->items, ncap * sizeof *ni);
    if (!ni) return c->err = mwx_error_set(MWX_ENOMEM, "release queue: out of memory");
    c->items = ni;
    c->cap = ncap;
  }
  c->items[c->n++] = it;
  return 0;
}

int mwx_release_queue_list(mwx_journal *j, int64_t now_ns, mwx_release_item_fn fn, void *ctx) {
  if (!j || !fn) return mwx_error_set(MWX_EINVAL, "release_queue_list: NULL argument");
  list_ctx c = {j, now_ns, fn, ctx, NULL, 0, 0, 0};
  int rc = mwx_journal_unanswered(j, "held", list_fn, &c);
  return c.err ? c.err : rc;
}

/* Appends the decision on hold it (inside the caller's batch). */
static int append_decision(mwx_journal *j, mwx_release_item *it, int approve, const char *op, int64_t now_ns) {
  json_t *o = json_object();
  if (!o) return mwx_error_set(MWX_ENOMEM, "release queue: out of memory");
  json_object_set_new(o, "outcome", json_string(approve ? "approved" : "denied"));
  json_object_set_new(o, "hold", json_integer((json_int_t)it->id));
  json_object_set_new(o, "operator", json_string(op));
  json_object_set_new(o, "waited_ns", json_integer(now_ns - it->held_ns));
  json_object_set_new(o, "partner", json_string(it->partner));
  json_object_set_new(o, "rule", json_string(it->rule_id));
  json_object_set_new(o, "topic", json_string(mwx_msg_topic_name((mwx_msg_topic)it->sample.topic)));
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  if (!text) return mwx_error_set(MWX_ENOMEM, "release queue: cannot render the decision (operator name not UTF-8?)");
  uint64_t id = 0;
  int rc = mwx_journal_append(j, MWX_JOURNAL_RELEASE, now_ns, text, approve ? &it->sample : NULL, it->id, &id);
  free(text);
  if (rc) return rc;
  snprintf(it->outcome, sizeof it->outcome, "%s", approve ? "approved" : "denied");
  snprintf(it->operator_name, sizeof it->operator_name, "%s", op);
  it->decided_ns = now_ns;
  it->decision_id = id;
  return 0;
}

/* 1..31 bytes of valid UTF-8 without control characters: quotes and
 * non-ASCII letters are allowed (operators of the web picture, cop.h). */
static int op_ok(const char *op) {
  if (!op || !*op || strlen(op) >= MWX_ID_LEN) return 0;
  for (const char *p = op; *p; p++)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) return 0;
  json_t *utf8 = json_string(op); /* NULL unless valid UTF-8 */
  json_decref(utf8);
  return utf8 != NULL;
}

int mwx_release_queue_decide(mwx_journal *j, uint64_t id, int approve, const char *operator_name, int64_t now_ns,
                             mwx_release_item *out) {
  if (!j) return mwx_error_set(MWX_EINVAL, "release_queue_decide: NULL journal");
  if (!op_ok(operator_name))
    return mwx_error_set(MWX_EINVAL, "operator name must be 1..%d bytes of UTF-8 without control characters", MWX_ID_LEN - 1);
  int rc = mwx_journal_begin(j);
  if (rc) return rc;
  mwx_journal_record *r = malloc(sizeof *r);
  mwx_release_item *it = malloc(sizeof *it);
  if (!r || !it) {
    rc = mwx_error_set(MWX_ENOMEM, "release queue: out of memory");
    goto fail;
  }
  rc = mwx_journal_get(j, id, r);
  if (!rc) rc = hold_from_record(r, it);
  if (rc == MWX_ENOTFOUND) {
    rc = mwx_error_set(MWX_ENOTFOUND, "no held item %llu in the release queue", (unsigned long long)id);
    goto fail;
  }
  if (rc) goto fail;
  int d = decided(j, it);
  if (d < 0) {
    rc = d;
    goto fail;
  }
  if (d) {
    rc = mwx_error_set(MWX_EEXIST, "item %llu was already %s by %s", (unsigned long long)id, it->outcome,
                       it->operator_name);
    if (out) *out = *it;
    goto fail;
  }
  if ((rc = verified_hold(j, id, it))) goto fail;
  if (it->unverified[0]) {
    rc = mwx_error_set(MWX_ECORRUPT, "item %llu fails verification, not decided: %s", (unsigned long long)id,
                       it->unverified);
    goto fail;
  }
  if (now_ns >= it->deadline_ns) {
    rc = mwx_error_set(MWX_ETIMEDOUT, "item %llu timed out %.1f s ago (its timeout action, %s, applies)",
                       (unsigned long long)id, (double)(now_ns - it->deadline_ns) / 1e9, on_timeout_name(it->on_timeout));
    goto fail;
  }
  if ((rc = append_decision(j, it, approve, operator_name, now_ns))) goto fail;
  if ((rc = mwx_journal_commit(j))) goto done;
  if (out) *out = *it;
  goto done;
fail:
  mwx_journal_rollback(j);
done:
  free(r);
  free(it);
  return rc;
}

int mwx_release_queue_expire(mwx_journal *j, int64_t now_ns, mwx_release_item_fn fn, void *ctx) {
  if (!j) return mwx_error_set(MWX_EINVAL, "release_queue_expire: NULL journal");
  int rc = mwx_journal_begin(j);
  if (rc) return rc;
  list_ctx c = {j, now_ns, NULL, NULL, NULL, 0, 0, 0};
  rc = mwx_journal_unanswered(j, "held", list_fn, &c);
  if (!rc) rc = c.err;
  size_t n = 0;
  for (size_t i = 0; !rc && i < c.n; i++) {
    mwx_release_item *it = &c.items[i];
    if (!it->expired) continue;
    int64_t deadline = it->deadline_ns;
    if ((rc = verified_hold(j, it->id, it))) break;
    it->expired = 1;
    it->deadline_ns = deadline;
    if (it->unverified[0]) /* never approve what does not verify */
      rc = append_decision(j, it, 0, "check-failed", now_ns);
    else
      rc = append_decision(j, it, it->on_timeout == MWX_RELEASE_TIMEOUT_APPROVE, "timeout", now_ns);
    c.items[n++] = *it;
  }
  if (rc) {
    mwx_journal_rollback(j);
  } else if (!(rc = mwx_journal_commit(j))) {
    for (size_t i = 0; fn && i < n; i++)
      if ((rc = fn(&c.items[i], ctx))) break;
  }
  free(c.items);
  return rc;
}

typedef struct approved_ctx {
  mwx_journal *j;
  uint64_t after, last;
  mwx_release_item_fn fn;
  void *ctx;
} approved_ctx;

static int approved_fn(const mwx_journal_record *r, void *vc) {
  approved_ctx *c = vc;
  c->last = r->id;
  if (!r->ref) return 0;
  json_t *o = NULL;
  int prc = payload_load(r, &o); /* an unreadable decision stops the walk: never skipped */
  if (prc) return prc;
  int approved = !strcmp(jstr(o, "outcome"), "approved");
  mwx_release_item *it = calloc(1, sizeof *it);
  if (!it) {
    json_decref(o);
    return mwx_error_set(MWX_ENOMEM, "release queue: out of memory");
  }
  int rc = 0;
  if (approved) {
    /* what leaves is the node's verified hold, not the decision's copy */
    if ((rc = verified_hold(c->j, r->ref, it)) == 0) {
      it->id = r->ref;
      decision_into(r, it);
      if (it->unverified[0]) {
        snprintf(it->partner, sizeof it->partner, "%.3s", jstr(o, "partner"));
        snprintf(it->rule_id, sizeof it->rule_id, "%s", jstr(o, "rule"));
      }
      if (!it->unverified[0] && r->has_msg &&
          (r->msg.topic != it->sample.topic || r->msg.mark.seq != it->sample.mark.seq))
        snprintf(it->unverified, sizeof it->unverified, "decision %llu carries another sample than hold %llu",
                 (unsigned long long)r->id, (unsigned long long)r->ref);
      rc = c->fn(it, c->ctx);
    }
  }
  json_decref(o);
  free(it);
  return rc;
}

int mwx_release_queue_approved(mwx_journal *j, uint64_t after_id, mwx_release_item_fn fn, void *ctx,
                               uint64_t *last_id) {
  if (!j || !fn) return mwx_error_set(MWX_EINVAL, "release_queue_approved: NULL argument");
  approved_ctx c = {j, after_id, after_id, fn, ctx};
  int rc = mwx_journal_query_after(j, after_id, MWX_JOURNAL_RELEASE, approved_fn, &c);
  if (last_id) *last_id = c.last;
  return rc;
}
