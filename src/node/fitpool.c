/*
 * fitpool.c - the launch fit off the loop thread (see node_int.h): a few
 * worker threads and one bounded FIFO of jobs under a mutex.  The loop
 * submits a job (its own copies of the track's early plots); a full FIFO
 * refuses it (the node counts it as fits_dropped: that track keeps its
 * early LaunchEvent).  A worker runs mwx_assess_launch_fit, which is pure
 * computation on the job's data, and posts the result to the loop's
 * hand-over queue, where the loop journals, signs and publishes it like any
 * other sample.  Nothing here touches the node's state.
 *
 * Bounds: at most fit_queue jobs waiting plus one running per worker; each
 * job holds the plots of one 120-s window (a few hundred plots).
 *
 * Priority: a worker lowers its own scheduling priority (node config
 * batch_nice, batch_sched: node_thread_batch; Linux nice is per thread): a
 * fit (30-90 ms of CPU, due within 2 s) gives way to the loop thread and the
 * DDS threads of every node on the machine, whose samples are due within
 * milliseconds; on an otherwise idle box it still gets a whole core.
 * Raising nice needs no privilege; a failure is ignored.
 */
#define _GNU_SOURCE /* gettid via syscall */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mwx/error.h"
#include "node_int.h"

struct node_fitpool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  node_fit_job **q; /* ring of cap */
  size_t cap, head, count;
  int stop;
  atomic_int stop_flag; /* the same, for the fit's test wait (mwx_assess_launch_fit_opts.test_stop) */
  int min_ms;           /* TEST ONLY: min_duration_ms of each fit */
  int nice_incr, sched; /* each worker's priority (node_thread_batch) */
  mwx_node_loop *loop;
  pthread_t th[8];
  int n_th;
  atomic_int next_no; /* the workers' names: mwx-fit0, mwx-fit1, ... */
};

void node_fit_job_free(node_fit_job *j) {
  if (!j)
    return;
  free(j->ep);
  free(j->ir);
  free(j);
}

static void *worker(void *arg) {
  node_fitpool *p = arg;
  char name[16];
  snprintf(name, sizeof name, "mwx-fit%d", atomic_fetch_add(&p->next_no, 1));
  node_thread_name(name);
  (void)node_thread_batch(p->nice_incr, p->sched);
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (!p->stop && !p->count)
      pthread_cond_wait(&p->cv, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    node_fit_job *j = p->q[p->head];
    p->head = (p->head + 1) % p->cap;
    p->count--;
    pthread_mutex_unlock(&p->mu);
    node_fit_result r;
    memset(&r, 0, sizeof r);
    r.magic = NODE_FIT_MAGIC;
    r.idx = j->idx;
    r.in = j->in;
    r.a = j->a;
    r.queued_mono_ns = j->queued_mono_ns;
    mwx_assess_launch_fit_result lf;
    mwx_assess_launch_fit_opts fo; /* the one test hook: the fit's own, cut short by a stop */
    mwx_assess_launch_fit_opts_default(&fo);
    fo.min_duration_ms = p->min_ms;
    fo.test_stop = &p->stop_flag;
    if (mwx_assess_fit_run(j->ep, j->nep, j->ir, j->nir, &j->a, j->heading_deg, &fo, &lf) == 0) {
      r.ok = 1;
      r.a.launch = lf.point;
    } else
      mwx_error_clear();
    node_fit_job_free(j);
    /* a full hand-over queue drops the result: counted by the loop (handover_dropped) */
    if (mwx_node_loop_post(p->loop, &r, sizeof r))
      mwx_error_clear();
  }
}

int node_fitpool_create(int workers, size_t cap, int min_ms, int nice_incr, int sched, mwx_node_loop *loop,
                        node_fitpool **out) {
  if (workers < 1 || workers > 8 || !cap || !loop || !out)
    return mwx_error_set(MWX_EINVAL, "node: fit pool: bad arguments");
  node_fitpool *p = calloc(1, sizeof *p);
  if (!p || !(p->q = calloc(cap, sizeof *p->q))) {
    free(p);
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  }
  p->cap = cap;
  p->min_ms = min_ms;
  p->nice_incr = nice_incr;
  p->sched = sched;
  atomic_init(&p->stop_flag, 0);
  atomic_init(&p->next_no, 0);
  p->loop = loop;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  for (int i = 0; i < workers; i++) {
    if (pthread_create(&p->th[i], NULL, worker, p)) {
      node_fitpool_destroy(p);
      return mwx_error_set(MWX_EIO, "node: cannot start a fit worker");
    }
    p->n_th++;
  }
  *out = p;
  return 0;
}

int node_fitpool_submit(node_fitpool *p, node_fit_job *j) {
  pthread_mutex_lock(&p->mu);
  if (p->count >= p->cap) {
    pthread_mutex_unlock(&p->mu);
    return MWX_EBUSY; /* the caller frees j and counts the drop */
  }
  p->q[(p->head + p->count) % p->cap] = j;
  p->count++;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return 0;
}

void node_fitpool_destroy(node_fitpool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  atomic_store(&p->stop_flag, 1);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_th; i++)
    pthread_join(p->th[i], NULL);
  for (size_t k = 0; k < p->count; k++)
    node_fit_job_free(p->q[(p->head + k) % p->cap]);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p->q);
  free(p);
}
