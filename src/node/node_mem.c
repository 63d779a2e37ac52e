/*
 * node_mem.c - the memory worker (issue 16, "RSS flat"): one thread that,
 * when the loop asks (online, at each NodeStatus), reads malloc's free
 * bytes (mallinfo2) and, only when they have grown by NODE_TRIM_FREE_MIN
 * since the last trim, gives the arenas' free pages back to the kernel
 * (malloc_trim), then reads the
 * heap and the resident set again and posts the figures to the loop's
 * hand-over queue (node_mem_result).  The loop thread does neither walk:
 * malloc_trim took 2.3-9.5 ms of it at each NodeStatus in the salvo
 * (BENCHMARKS.md "rt, eleventh session").  A trim still holds each arena's
 * lock while it walks that arena (glibc), so a malloc of the loop in the
 * main arena can wait for that part; the worker runs at nice +batch_nice + 5 (default +10) and never
 * touches the node's state.
 *
 * The threshold counts the free bytes gained since the last trim, not the
 * free bytes: a trim returns pages to the kernel but the chunks stay free
 * in malloc's lists (mallinfo2's fordblks does not drop), so a node whose
 * arenas hold 4 MB of free chunks that cannot be returned (fragmented, or
 * below the top) would otherwise trim at every NodeStatus for nothing.
 * The base is the free bytes right after the last trim, lowered to the
 * lowest free bytes seen since (the free chunks reused by new allocations:
 * what is freed again later counts as gained).  Under AddressSanitizer
 * mallinfo2 reports none of ASan's heap (0 free bytes): nothing is ever
 * gained, the worker never trims, and every report says "not trimmed".
 *
 * The policy (node_mem_policy, at open online): the process's mmap
 * threshold fixed (config malloc_mmap_threshold_kb, 64 kB by default), so
 * that the salvo's large per-track buffers are mappings of their own and
 * go back to the kernel when freed, instead of free chunks in the main
 * arena that the trim returns and malloc's reuse faults back in (the RSS
 * creep after the fill: BENCHMARKS.md, twenty-sixth session (rt16)).
 *
 * Bounds: one request pending at most (a request while one is pending is
 * merged into it), one result in the hand-over queue per request.
 */
#define _GNU_SOURCE /* gettid via syscall */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mwx/error.h"
#include "node_int.h"


struct node_memwork {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int req, stop;
  int nice_incr, sched; /* its priority (node_thread_batch) */
  int64_t req_sim_ns;
  uint64_t free_min;
  uint64_t free_base; /* worker only: free bytes after the last trim, or the lowest since (0 before any) */
  mwx_node_loop *loop;
  pthread_t th;
};

void node_mem_read(uint64_t *used, uint64_t *free_b, uint64_t *rss) {
  struct mallinfo2 mi = mallinfo2();
  *used = mi.uordblks + mi.hblkhd;
  *free_b = mi.fordblks;
  *rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long long pages_total, pages_rss;
  if (f && fscanf(f, "%llu %llu", &pages_total, &pages_rss) == 2)
    *rss = pages_rss * (uint64_t)sysconf(_SC_PAGESIZE);
  if (f)
    fclose(f);
}

int node_mem_policy(int threshold_kb) {
  return threshold_kb > 0 && mallopt(M_MMAP_THRESHOLD, threshold_kb * 1024) == 1;
}

int node_mem_trim_due(uint64_t *free_base, uint64_t free_bytes, uint64_t free_min) {
  if (free_bytes < *free_base)
    *free_base = free_bytes;
  return free_bytes > 0 && free_bytes - *free_base >= free_min;
}

static void *worker(void *arg) {
  node_memwork *w = arg;
  node_thread_name("mwx-mem");
  (void)node_thread_batch(w->nice_incr, w->sched);
  for (;;) {
    pthread_mutex_lock(&w->mu);
    while (!w->stop && !w->req)
      pthread_cond_wait(&w->cv, &w->mu);
    if (w->stop) {
      pthread_mutex_unlock(&w->mu);
      return NULL;
    }
    w->req = 0;
    int64_t sim_ns = w->req_sim_ns;
    pthread_mutex_unlock(&w->mu);
    node_mem_result r;
    memset(&r, 0, sizeof r);
    r.magic = NODE_MEM_MAGIC;
    r.sim_ns = sim_ns;
    struct mallinfo2 mi = mallinfo2();
    r.free_before_bytes = mi.fordblks;
    if (node_mem_trim_due(&w->free_base, mi.fordblks, w->free_min)) {
      int64_t t0 = mwx_node_mono_ns();
      malloc_trim(0);
      r.trim_ns = mwx_node_mono_ns() - t0;
      r.trimmed = 1;
    }
    node_mem_read(&r.heap_used_bytes, &r.heap_free_bytes, &r.rss_bytes);
    if (r.trimmed)
      w->free_base = r.heap_free_bytes;
    if (mwx_node_loop_post(w->loop, &r, sizeof r)) /* a full queue: this report is lost, the next comes */
      mwx_error_clear();
  }
}

int node_memwork_create(uint64_t free_min, int nice_incr, int sched, mwx_node_loop *loop, node_memwork **out) {
  node_memwork *w = calloc(1, sizeof *w);
  if (!w)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  w->free_min = free_min;
  w->nice_incr = nice_incr;
  w->sched = sched;
  w->loop = loop;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  if (pthread_create(&w->th, NULL, worker, w)) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return mwx_error_set(MWX_EIO, "node: cannot start the memory worker");
  }
  *out = w;
  return 0;
}

void node_memwork_request(node_memwork *w, int64_t sim_ns) {
  if (!w)
    return;
  pthread_mutex_lock(&w->mu);
  w->req = 1;
  w->req_sim_ns = sim_ns;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

void node_memwork_destroy(node_memwork *w) {
  if (!w)
    return;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->th, NULL);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

_Static_assert(sizeof(node_mem_result) != sizeof(node_fit_result) && sizeof(node_mem_result) != sizeof(node_rx_item) &&
                   sizeof(node_mem_result) != sizeof(node_fuse_token),
               "the hand-over items are told apart by their sizes");
