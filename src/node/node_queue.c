/*
 * node_queue.c - the release queue seen from the node: holds whose deadline
 * passed (deny on time-out) and approvals by an operator (signed, journaled
 * as published, sent after the commit).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "node_int.h"

/* ---- the queue: time-outs and approvals --------------------------------- */

int node_on_expired(const mwx_release_item *it, void *ctx) {
  mwx_node *n = ctx;
  /* approve-on-timeout items come back through mwx_release_queue_approved */
  if (it->on_timeout != MWX_RELEASE_TIMEOUT_APPROVE)
    return node_outq_push(n, MWX_NODE_EV_DENIED, it->partner, &it->sample, it->decision_id, it->id, "timeout: deny");
  return 0;
}

int node_on_approved(const mwx_release_item *it, void *ctx) {
  mwx_node *n = ctx;
  uint64_t id = 0;
  int rc;
  if (it->unverified[0]) {
    /* the hold failed verification (edited, not under the node's seal, not
       this node's sample): nothing is signed or sent; the refusal is journaled */
    json_t *o = json_object();
    json_object_set_new(o, "outcome", json_string("refused"));
    json_object_set_new(o, "reason", json_string("unverified"));
    json_object_set_new(o, "hold", json_integer((json_int_t)it->id));
    json_object_set_new(o, "partner", json_stringn(it->partner, strnlen(it->partner, 3)));
    json_object_set_new(o, "detail", json_string(it->unverified));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!text)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    rc = mwx_journal_append(n->j, MWX_JOURNAL_RELEASE, n->sim_ns, text, NULL, it->decision_id, &id);
    free(text);
    if (rc)
      return rc;
    n->st.records++;
    char detail[256];
    snprintf(detail, sizeof detail, "approved hold %llu not sent: %s", (unsigned long long)it->id, it->unverified);
    return node_outq_push(n, MWX_NODE_EV_REFUSED, it->partner, NULL, id, it->id, detail);
  }
  mwx_msg m = it->sample;
  rc = mwx_msg_sign(&m, n->key);
  if (rc)
    return rc;
  /* built with Jansson: an operator name may hold quotes or non-ASCII
     letters (the web picture's accounts), which a printf would break */
  json_t *pj = json_object();
  json_object_set_new(pj, "event", json_string("published"));
  json_object_set_new(pj, "partner", json_stringn(it->partner, strnlen(it->partner, 3)));
  json_object_set_new(pj, "hold", json_integer((json_int_t)it->id));
  json_t *op = json_string(it->operator_name[0] ? it->operator_name : "?");
  json_object_set_new(pj, "operator", op ? op : json_string("?")); /* NULL: not UTF-8 (truncated) */
  char *payload = json_dumps(pj, JSON_COMPACT);
  json_decref(pj);
  if (!payload)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  rc = mwx_journal_append(n->j, MWX_JOURNAL_TRACK, n->sim_ns, payload, &m, it->decision_id, &id);
  free(payload);
  if (rc)
    return rc;
  n->st.records++;
  char detail[64];
  snprintf(detail, sizeof detail, "approved by %s", it->operator_name);
  if ((rc = node_outq_push(n, MWX_NODE_EV_APPROVED, it->partner, &m, id, it->id, detail)))
    return rc;
  /* its stages: the approval is taken in this pass (the plot was long ago) */
  node_out *o = &n->out[n->n_out - 1];
  o->stage_ns[MWX_NODE_STAGE_IN] = n->pass_in_ns;
  o->stage_ns[MWX_NODE_STAGE_SIGNED] = node_real_ns();
  return 0;
}
