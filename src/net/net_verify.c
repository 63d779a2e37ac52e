/*
 * net_verify.c - the origin signatures of one poll's samples, verified on
 * more than one thread (issue 16; net_int.h net_vpool).
 *
 * mwx_net_poll takes every sample DDS holds, runs the cheap checks
 * (marking, text, sender, known and unrevoked origin key) on the poll
 * thread and gathers the samples whose Ed25519 signature is still to be
 * verified into one batch (at most MWX_NET_VERIFY_BATCH).  net_vpool_run
 * verifies a batch: the poll thread and the pool's workers (verify_threads
 * - 1 of them, named mwx-vfy<i>) each claim the next unverified sample
 * until none is left, and the call returns when every sample of the batch
 * is verified.  The poll thread then reports the batch in the order DDS
 * gave it, exactly as before (the relay of a hub, the events, the
 * receive thread's ordering by originator, topic and seq are unchanged):
 * only the verifications overlap.  A batch of one sample is verified on the
 * poll thread alone (no wake-up: the one-missile path is as before).
 *
 * Thread safety: each verification reads the shared public key (its
 * EVP_MD_CTX template is copied, OpenSSL 3 allows that from several
 * threads) and writes only its own job.  The claim index and the done
 * count are under the pool's mutex; a worker claims only while the batch's
 * index is below its count, so a worker that wakes late never touches a
 * batch that is being refilled (the poll thread refills only after every
 * sample of the previous one is done).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "net/net_int.h"

struct net_vpool {
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  pthread_t th[MWX_NET_VERIFY_THREADS_MAX];
  int n_th;
  int stop;
  net_vjob *jobs; /* the batch being verified (NULL between batches) */
  size_t n_jobs, next, n_done;
};

void net_vjob_verify(net_vjob *j) {
  if (!j->key) /* refused by a cheap check already */
    return;
  if (mwx_msg_verify(&j->m, j->key)) {
    j->ev.reason = MWX_ECRYPTO;
    snprintf(j->ev.detail, sizeof j->ev.detail, "origin signature of %s does not verify (%s seq %llu)",
             j->m.mark.originator, mwx_msg_topic_name((mwx_msg_topic)j->m.topic), (unsigned long long)j->m.mark.seq);
    mwx_error_clear();
  }
  j->ev.verified_ns = mwx_net_now_ns();
}

/* Claims and verifies samples of the current batch until none is left;
 * called and returns with p->mu held. */
static void claim_all(net_vpool *p) {
  while (p->jobs && p->next < p->n_jobs) {
    net_vjob *j = &p->jobs[p->next++];
    pthread_mutex_unlock(&p->mu);
    net_vjob_verify(j);
    pthread_mutex_lock(&p->mu);
    if (++p->n_done == p->n_jobs)
      pthread_cond_signal(&p->done);
  }
}

static void *worker(void *arg) {
  net_vpool *p = arg;
  pthread_mutex_lock(&p->mu);
  int id = p->n_th - 1; /* the creator counted this worker before unlocking */
  pthread_mutex_unlock(&p->mu);
  char name[16];
  snprintf(name, sizeof name, "mwx-vfy%u", (unsigned)id % 100u);
  pthread_setname_np(pthread_self(), name);
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    claim_all(p);
    if (!p->stop)
      pthread_cond_wait(&p->go, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

int net_vpool_open(int threads, net_vpool **out) {
  *out = NULL;
  if (threads < 1 || threads > MWX_NET_VERIFY_THREADS_MAX)
    return mwx_error_set(MWX_EINVAL, "net: verify_threads %d (1..%d)", threads, MWX_NET_VERIFY_THREADS_MAX);
  net_vpool *p = calloc(1, sizeof *p);
  if (!p)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->go, NULL);
  pthread_cond_init(&p->done, NULL);
  for (int i = 0; i < threads - 1; i++) {
    pthread_mutex_lock(&p->mu); /* the worker reads its index under the lock */
    if (pthread_create(&p->th[p->n_th], NULL, worker, p)) {
      pthread_mutex_unlock(&p->mu);
      net_vpool_close(p);
      return mwx_error_set(MWX_EIO, "net: cannot start verify worker %d", i);
    }
    p->n_th++;
    pthread_mutex_unlock(&p->mu);
  }
  *out = p;
  return 0;
}

int net_vpool_threads(const net_vpool *p) { return p ? p->n_th + 1 : 1; }

void net_vpool_run(net_vpool *p, net_vjob *jobs, size_t n) {
  size_t todo = 0;
  for (size_t i = 0; i < n && todo < 2; i++)
    todo += jobs[i].key != NULL;
  if (!p || p->n_th == 0 || todo < 2) { /* nothing to share: as before, on this thread */
    for (size_t i = 0; i < n; i++)
      net_vjob_verify(&jobs[i]);
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->jobs = jobs;
  p->n_jobs = n;
  p->next = 0;
  p->n_done = 0;
  pthread_cond_broadcast(&p->go);
  claim_all(p);
  while (p->n_done < p->n_jobs)
    pthread_cond_wait(&p->done, &p->mu);
  p->jobs = NULL;
  p->n_jobs = p->next = p->n_done = 0;
  pthread_mutex_unlock(&p->mu);
}

void net_vpool_close(net_vpool *p) {
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
