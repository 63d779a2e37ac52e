/*
 * core_int.h - helpers the library's modules share; not part of the public
 * API (include/mwx/).
 */
#ifndef MWX_CORE_INT_H
#define MWX_CORE_INT_H

#include <stddef.h>
#include <stdint.h>

/*
 * core_pool (pool.c): a few worker threads that share the items of one
 * batch with the thread that owns the pool.  Each item is run exactly once,
 * by whichever thread claims it first (a claim index under the pool's
 * mutex); the owner runs the items no worker has taken when it finishes the
 * batch, then waits for the ones in progress.  Used by net_verify.c (a
 * poll's signatures) and node/signpool.c (a pass's released copies).
 */
#define CORE_POOL_THREADS_MAX 8 /* the owner and at most 7 workers */

typedef struct core_pool core_pool;
/* Runs item i (0-based since core_pool_begin) of the batch whose context is
 * ctx; on_worker is 1 on a worker thread, 0 on the owner.  Called without
 * the pool's lock, from any of the pool's threads: it may touch only item
 * i's own data and what is read-only for the batch's life. */
typedef void (*core_pool_fn)(void *ctx, size_t i, int on_worker);

/* Starts threads - 1 workers (threads 1..CORE_POOL_THREADS_MAX; 1: none,
 * every item runs on the owner), named "<name><k>" (name at most 11
 * characters; the kernel's limit is 15).  MWX_EINVAL, MWX_ENOMEM, MWX_EIO. */
int core_pool_open(int threads, const char *name, core_pool **out);
/* The owner and its workers: threads as given to core_pool_open; 1 for NULL. */
int core_pool_threads(const core_pool *p);
/* Opens a batch with no item yet.  Owner only; no batch may be open. */
void core_pool_begin(core_pool *p, core_pool_fn fn, void *ctx);
/* Makes n more items claimable (their data must be complete before the
 * call) and wakes the workers.  Owner only, inside a batch. */
void core_pool_add(core_pool *p, size_t n);
/* Runs every item no thread has claimed, waits for those in progress and
 * closes the batch: on return no worker touches ctx.  Owner only. */
void core_pool_finish(core_pool *p);
/* Stops and joins the workers (between batches).  NULL ignored. */
void core_pool_close(core_pool *p);

#endif
