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
 * Thread safety: the loop writes entry k completely before it makes k part
 * of the queue (n under the mutex); a worker claims entries below n under
 * the mutex, signs the entry's own sample (the key's signing context is
 * copied per signature, msg_sign.c) and marks it done under the mutex.
 * The loop reads the entries only when every one is done, and empties the
 * queue only then, so no worker ever holds an entry being rewritten.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "node_int.h"

struct node_signpool {
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  pthread_t th[NODE_SIGN_THREADS_MAX];
  int n_th, stop;
  const mwx_msg_key *key;
  node_sign_entry *e; /* NODE_SIGN_QUEUE entries */
  size_t n;           /* queued */
  size_t next;        /* the next to claim */
  size_t n_done;      /* claimed and finished (or nothing to sign) */
  uint64_t by_worker; /* signatures made by the workers */
};

static void sign_one(node_signpool *p, node_sign_entry *e) {
  e->rc = mwx_msg_sign(&e->d.sample, p->key);
  if (e->rc) {
    snprintf(e->err, sizeof e->err, "%s", mwx_error_msg());
    mwx_error_clear();
  }
}

/* Claims and signs entries until none is left; with p->mu held. */
static void claim_all(node_signpool *p, int worker) {
  while (p->next < p->n) {
    node_sign_entry *e = &p->e[p->next++];
    if (e->sign) {
      pthread_mutex_unlock(&p->mu);
      sign_one(p, e);
      pthread_mutex_lock(&p->mu);
      if (worker)
        p->by_worker++;
    }
    if (++p->n_done == p->n)
      pthread_cond_signal(&p->done);
  }
}

static void *worker(void *arg) {
  node_signpool *p = arg;
  pthread_mutex_lock(&p->mu);
  int id = p->n_th - 1; /* the creator counted this worker before unlocking */
  pthread_mutex_unlock(&p->mu);
  char name[16];
  snprintf(name, sizeof name, "mwx-sign%u", (unsigned)id % 100u);
  pthread_setname_np(pthread_self(), name);
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    claim_all(p, 1);
    if (!p->stop)
      pthread_cond_wait(&p->go, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
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
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->go, NULL);
  pthread_cond_init(&p->done, NULL);
  for (int i = 0; i < threads - 1; i++) {
    pthread_mutex_lock(&p->mu);
    if (pthread_create(&p->th[p->n_th], NULL, worker, p)) {
      pthread_mutex_unlock(&p->mu);
      node_signpool_destroy(p);
      return mwx_error_set(MWX_EIO, "node: cannot start sign worker %d", i);
    }
    p->n_th++;
    pthread_mutex_unlock(&p->mu);
  }
  *out = p;
  return 0;
}

node_sign_entry *node_signpool_slot(node_signpool *p) {
  pthread_mutex_lock(&p->mu);
  size_t k = p->n;
  pthread_mutex_unlock(&p->mu);
  return k < NODE_SIGN_QUEUE ? &p->e[k] : NULL;
}

void node_signpool_push(node_signpool *p) {
  pthread_mutex_lock(&p->mu);
  p->n++;
  pthread_cond_signal(&p->go);
  pthread_mutex_unlock(&p->mu);
}

node_sign_entry *node_signpool_wait(node_signpool *p, size_t *cnt) {
  pthread_mutex_lock(&p->mu);
  claim_all(p, 0);
  while (p->n_done < p->n)
    pthread_cond_wait(&p->done, &p->mu);
  *cnt = p->n;
  pthread_mutex_unlock(&p->mu);
  return p->e;
}

void node_signpool_reset(node_signpool *p) {
  pthread_mutex_lock(&p->mu);
  p->n = p->next = p->n_done = 0;
  pthread_mutex_unlock(&p->mu);
}

uint64_t node_signpool_by_worker(node_signpool *p) {
  if (!p)
    return 0;
  pthread_mutex_lock(&p->mu);
  uint64_t v = p->by_worker;
  pthread_mutex_unlock(&p->mu);
  return v;
}

void node_signpool_destroy(node_signpool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_th; i++)
    pthread_join(p->th[i], NULL);
  pthread_cond_destroy(&p->go);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->mu);
  free(p->e);
  free(p);
}
