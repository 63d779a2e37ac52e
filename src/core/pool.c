/*
 * pool.c - the work-sharing pool of core_int.h (issue 16: the receiver's
 * verifications and the sender's signatures beside their loops).
 *
 * One mutex guards the batch (fn, ctx, the item count n, the claim index
 * next, the finished count n_done); a worker and the owner claim item
 * next++ under it and run it without it.  A worker claims only while a
 * batch is open and next < n, so a worker that wakes late never touches a
 * batch that has been finished: core_pool_finish returns only when every
 * item is done, and it closes the batch (fn NULL) under the lock before it
 * returns.  The `go` condition wakes workers when items are added; `done`
 * wakes the owner when the last claimed item of the batch finishes.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "mwx/error.h"

struct core_pool {
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  pthread_t th[CORE_POOL_THREADS_MAX];
  int n_th, stop;
  char name[12];
  core_pool_fn fn; /* NULL between batches */
  void *ctx;
  size_t n, next, n_done;
};

/* Claims and runs items of the open batch until none is left; called and
 * returns with p->mu held. */
static void claim_all(core_pool *p, int on_worker) {
  while (p->fn && p->next < p->n) {
    size_t i = p->next++;
    core_pool_fn fn = p->fn;
    void *ctx = p->ctx;
    pthread_mutex_unlock(&p->mu);
    fn(ctx, i, on_worker);
    pthread_mutex_lock(&p->mu);
    if (++p->n_done == p->n)
      pthread_cond_signal(&p->done);
  }
}

static void *worker(void *arg) {
  core_pool *p = arg;
  pthread_mutex_lock(&p->mu);
  int id = p->n_th - 1; /* the opener counted this worker before unlocking */
  char name[16];
  snprintf(name, sizeof name, "%s%u", p->name, (unsigned)id % 100u);
  pthread_mutex_unlock(&p->mu);
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

int core_pool_open(int threads, const char *name, core_pool **out) {
  *out = NULL;
  if (threads < 1 || threads > CORE_POOL_THREADS_MAX)
    return mwx_error_set(MWX_EINVAL, "pool: %d threads (1..%d)", threads, CORE_POOL_THREADS_MAX);
  if (!name || strlen(name) >= sizeof ((core_pool *)0)->name)
    return mwx_error_set(MWX_EINVAL, "pool: thread name missing or longer than %zu characters",
                         sizeof ((core_pool *)0)->name - 1);
  core_pool *p = calloc(1, sizeof *p);
  if (!p)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  snprintf(p->name, sizeof p->name, "%s", name);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->go, NULL);
  pthread_cond_init(&p->done, NULL);
  for (int i = 0; i < threads - 1; i++) {
    pthread_mutex_lock(&p->mu); /* the worker reads its index under the lock */
    if (pthread_create(&p->th[p->n_th], NULL, worker, p)) {
      pthread_mutex_unlock(&p->mu);
      core_pool_close(p);
      return mwx_error_set(MWX_EIO, "pool: cannot start %s worker %d", name, i);
    }
    p->n_th++;
    pthread_mutex_unlock(&p->mu);
  }
  *out = p;
  return 0;
}

int core_pool_threads(const core_pool *p) { return p ? p->n_th + 1 : 1; }

void core_pool_begin(core_pool *p, core_pool_fn fn, void *ctx) {
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->n = p->next = p->n_done = 0;
  pthread_mutex_unlock(&p->mu);
}

void core_pool_add(core_pool *p, size_t n) {
  pthread_mutex_lock(&p->mu);
  p->n += n;
  if (p->n_th)
    pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
}

void core_pool_finish(core_pool *p) {
  pthread_mutex_lock(&p->mu);
  claim_all(p, 0);
  while (p->n_done < p->n)
    pthread_cond_wait(&p->done, &p->mu);
  p->fn = NULL;
  p->ctx = NULL;
  p->n = p->next = p->n_done = 0;
  pthread_mutex_unlock(&p->mu);
}

void core_pool_close(core_pool *p) {
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
  free(p);
}
