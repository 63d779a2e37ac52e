/*
 * signpool.c - the released copies of a pass signed beside the loop
 * (issue 16; node_int.h node_signpool, node_release.c).
 *
 * Online, decide() does not sign a released copy and journal its decision
 * at once: it queues the decision here (its copy's place in the out queue
 * taken already) and goes on with the next track.  The pool's workers
 * (sign_threads - 1 of them, mwx-sign<i>, at the loop's priority: the
 * latency path) sign the queued copies in the order they came while the
 * loop tracks, assesses and decides the rest of the pass.  Before anything
 * else is journaled and before the pass's commit (node_sign_flush), the
 * loop signs what no worker took yet, waits for the rest, then journals
 * every queued decision in the order it was decided: the journal gets the
 * same records in the same order as when each copy was signed and
 * journaled at once, and everything is journaled before the commit, which
 * comes before any publish (write-ahead unchanged).
 *
 * Bound: at most NODE_SIGN_QUEUE decisions queued; a decision that finds
 * the queue full flushes it first (the loop waits for the signatures and
 * journals them; counted: sign_full, nothing lost).
 *
 * Thread safety: the sharing is core_pool's (src/core/pool.c).  The loop
 * alone writes the entries and the queue's count; it writes entry k
 * completely before it makes k claimable (core_pool_add), a worker signs
 * only the entry it claimed (the key's signing context is copied per
 * signature, msg_sign.c), and the loop reads the entries only after
 * core_pool_finish, when every one is done and the batch is closed, so no
 * worker ever holds an entry being rewritten.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core_int.h"
#include "mwx/error.h"
#include "node_int.h"

struct node_signpool {
  core_pool *pool;
  const mwx_msg_key *key;
  node_sign_entry *e;          /* NODE_SIGN_QUEUE entries */
  size_t n;                    /* queued (the loop's) */
  size_t base;                 /* the entry of the open batch's item 0 */
  int open;                    /* a batch is open in the pool */
  _Atomic uint64_t by_worker;  /* signatures made by the workers */
};

static void sign_item(void *ctx, size_t i, int on_worker) {
  node_signpool *p = ctx;
  node_sign_entry *e = &p->e[p->base + i];
  if (!e->sign)
    return;
  e->rc = mwx_msg_sign(&e->d.sample, p->key);
  if (e->rc) {
    snprintf(e->err, sizeof e->err, "%s", mwx_error_msg());
    mwx_error_clear();
  }
  if (on_worker)
    atomic_fetch_add_explicit(&p->by_worker, 1, memory_order_relaxed);
}

int node_signpool_create(int threads, const mwx_msg_key *key, node_signpool **out) {
  *out = NULL;
  if (threads < 2 || threads > NODE_SIGN_THREADS_MAX)
    return mwx_error_set(MWX_EINVAL, "node: sign_threads %d (2..%d for a pool)", threads, NODE_SIGN_THREADS_MAX);
  node_signpool *p = calloc(1, sizeof *p);
  if (!p || !(p->e = malloc(NODE_SIGN_QUEUE * sizeof *p->e))) {
    free(p);
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  }
  p->key = key;
  atomic_init(&p->by_worker, 0);
  int rc = core_pool_open(threads, "mwx-sign", &p->pool);
  if (rc) {
    free(p->e);
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

node_sign_entry *node_signpool_slot(node_signpool *p) { return p->n < NODE_SIGN_QUEUE ? &p->e[p->n] : NULL; }

void node_signpool_push(node_signpool *p) {
  if (!p->open) {
    p->base = p->n;
    core_pool_begin(p->pool, sign_item, p);
    p->open = 1;
  }
  p->n++;
  core_pool_add(p->pool, 1);
}

node_sign_entry *node_signpool_wait(node_signpool *p, size_t *cnt) {
  if (p->open) {
    core_pool_finish(p->pool);
    p->open = 0;
  }
  *cnt = p->n;
  return p->e;
}

void node_signpool_reset(node_signpool *p) {
  if (p->open) { /* never left open by the loop; closed before the queue is reused */
    core_pool_finish(p->pool);
    p->open = 0;
  }
  p->n = 0;
}

uint64_t node_signpool_by_worker(node_signpool *p) {
  return p ? atomic_load_explicit(&p->by_worker, memory_order_relaxed) : 0;
}

void node_signpool_destroy(node_signpool *p) {
  if (!p)
    return;
  if (p->open)
    core_pool_finish(p->pool);
  core_pool_close(p->pool);
  free(p->e);
  free(p);
}
