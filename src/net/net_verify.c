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
 * The sharing is core_pool's (src/core/pool.c: a claim index under one
 * mutex; the batch is closed before net_vpool_run returns, so a worker
 * that wakes late never touches a batch being refilled).  Thread safety of
 * a verification: it reads the shared public key (its EVP_MD_CTX template
 * is copied, OpenSSL 3 allows that from several threads) and writes only
 * its own job.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/core_int.h"
#include "mwx/error.h"
#include "net/net_int.h"

_Static_assert(MWX_NET_VERIFY_THREADS_MAX <= CORE_POOL_THREADS_MAX, "verify_threads beyond what core_pool runs");

struct net_vpool {
  core_pool *pool;
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

static void verify_item(void *ctx, size_t i, int on_worker) {
  (void)on_worker;
  net_vjob_verify(&((net_vjob *)ctx)[i]);
}

int net_vpool_open(int threads, net_vpool **out) {
  *out = NULL;
  if (threads < 1 || threads > MWX_NET_VERIFY_THREADS_MAX)
    return mwx_error_set(MWX_EINVAL, "net: verify_threads %d (1..%d)", threads, MWX_NET_VERIFY_THREADS_MAX);
  net_vpool *p = calloc(1, sizeof *p);
  if (!p)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  int rc = core_pool_open(threads, "mwx-vfy", &p->pool);
  if (rc) {
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

int net_vpool_threads(const net_vpool *p) { return p ? core_pool_threads(p->pool) : 1; }

void net_vpool_run(net_vpool *p, net_vjob *jobs, size_t n) {
  size_t todo = 0;
  for (size_t i = 0; i < n && todo < 2; i++)
    todo += jobs[i].key != NULL;
  if (net_vpool_threads(p) < 2 || todo < 2) { /* one signature or no worker: verified on the poll thread, no wake-up */
    for (size_t i = 0; i < n; i++)
      net_vjob_verify(&jobs[i]);
    return;
  }
  core_pool_begin(p->pool, verify_item, jobs);
  core_pool_add(p->pool, n);
  core_pool_finish(p->pool);
}

void net_vpool_close(net_vpool *p) {
  if (!p)
    return;
  core_pool_close(p->pool);
  free(p);
}
