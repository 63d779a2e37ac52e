/*
 * loop.c - the node's event loop (see node.h), in the manner of Redis's
 * ae.c: one thread, one poll() per iteration, timers kept in a small
 * unsorted array (a node has a handful: the sim step, approvals, status),
 * file descriptors in a parallel pollfd array, and one hand-over queue.
 *
 * The queue is the only thing other threads touch: a singly linked FIFO
 * under a mutex, plus an eventfd that the poster writes to and the loop
 * polls, so a post wakes a sleeping poll() at once.  The loop swaps the
 * whole list out under the lock and runs the consumer without it, so a
 * slow consumer never blocks the poster (the DDS receive thread).
 *
 * Timers use CLOCK_MONOTONIC: a wall-clock step (NTP) never fires or
 * delays them.  A timer callback that returns 0 runs again next iteration
 * and makes that iteration's poll() not sleep: how "as fast as possible"
 * is expressed without a second code path.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"

typedef struct loop_timer {
  uint64_t id;
  int64_t when_ns; /* monotonic */
  mwx_node_timer_fn fn;
  void *ctx;
  int dead;        /* deleted while the timers were being run */
} loop_timer;

typedef struct loop_fd {
  int fd;
  mwx_node_fd_fn fn;
  void *ctx;
} loop_fd;

typedef struct queue_item {
  struct queue_item *next;
  size_t size;
  unsigned char data[];
} queue_item;

struct mwx_node_loop {
  loop_timer *timers;
  size_t n_timers, cap_timers;
  uint64_t next_timer_id;
  loop_fd *fds;
  struct pollfd *pfds; /* [0] is the eventfd, then one per fds[] */
  size_t n_fds, cap_fds;
  int in_timers;       /* running timer callbacks: deletions are deferred */
  /* shared with other threads */
  pthread_mutex_t mu;
  queue_item *head, *tail;
  size_t queued, queue_cap, queue_max; /* queue_max: high-water mark */
  atomic_uint_fast64_t dropped;
  atomic_int stop;
  atomic_int stop_rc;
  int efd;
  mwx_node_queue_fn qfn;
  mwx_node_batch_fn bfn;
  void *qctx;
  mwx_node_pass_fn pfn; /* end of every pass */
  void *pctx;
};

int64_t mwx_node_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int mwx_node_loop_create(size_t queue_cap, mwx_node_loop **out) {
  if (!out)
    return mwx_error_set(MWX_EINVAL, "loop: NULL argument");
  mwx_node_loop *l = calloc(1, sizeof *l);
  if (!l)
    return mwx_error_set(MWX_ENOMEM, "loop: out of memory");
  l->queue_cap = queue_cap ? queue_cap : 4096;
  l->next_timer_id = 1;
  l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  l->pfds = calloc(1, sizeof *l->pfds);
  if (l->efd < 0 || !l->pfds || pthread_mutex_init(&l->mu, NULL)) {
    int e = errno;
    if (l->efd >= 0)
      close(l->efd);
    free(l->pfds);
    free(l);
    return mwx_error_set(MWX_EIO, "loop: eventfd: %s", strerror(e));
  }
  l->pfds[0].fd = l->efd;
  l->pfds[0].events = POLLIN;
  atomic_init(&l->dropped, 0);
  atomic_init(&l->stop, 0);
  atomic_init(&l->stop_rc, 0);
  *out = l;
  return 0;
}

void mwx_node_loop_destroy(mwx_node_loop *l) {
  if (!l)
    return;
  queue_item *q = l->head;
  while (q) {
    queue_item *nx = q->next;
    free(q);
    q = nx;
  }
  pthread_mutex_destroy(&l->mu);
  close(l->efd);
  free(l->timers);
  free(l->fds);
  free(l->pfds);
  free(l);
}

int mwx_node_loop_timer_add(mwx_node_loop *l, int64_t delay_ns, mwx_node_timer_fn fn, void *ctx, uint64_t *id) {
  if (!l || !fn || delay_ns < 0)
    return mwx_error_set(MWX_EINVAL, "loop: bad timer");
  if (l->n_timers == l->cap_timers) {
    size_t nc = l->cap_timers ? 2 * l->cap_timers : 8;
    loop_timer *t = realloc(l->timers, nc * sizeof *t);
    if (!t)
      return mwx_error_set(MWX_ENOMEM, "loop: out of memory");
    l->timers = t;
    l->cap_timers = nc;
  }
  loop_timer *t = &l->timers[l->n_timers++];
  t->id = l->next_timer_id++;
  t->when_ns = mwx_node_mono_ns() + delay_ns;
  t->fn = fn;
  t->ctx = ctx;
  t->dead = 0;
  if (id)
    *id = t->id;
  return 0;
}

static void timers_compact(mwx_node_loop *l) {
  size_t w = 0;
  for (size_t i = 0; i < l->n_timers; i++)
    if (!l->timers[i].dead)
      l->timers[w++] = l->timers[i];
  l->n_timers = w;
}

int mwx_node_loop_timer_del(mwx_node_loop *l, uint64_t id) {
  if (!l)
    return mwx_error_set(MWX_EINVAL, "loop: NULL argument");
  for (size_t i = 0; i < l->n_timers; i++)
    if (l->timers[i].id == id && !l->timers[i].dead) {
      l->timers[i].dead = 1;
      if (!l->in_timers)
        timers_compact(l);
      return 0;
    }
  return mwx_error_set(MWX_ENOTFOUND, "loop: no timer %llu", (unsigned long long)id);
}

int mwx_node_loop_fd_add(mwx_node_loop *l, int fd, short events, mwx_node_fd_fn fn, void *ctx) {
  if (!l || fd < 0 || !fn)
    return mwx_error_set(MWX_EINVAL, "loop: bad fd registration");
  for (size_t i = 0; i < l->n_fds; i++)
    if (l->fds[i].fd == fd)
      return mwx_error_set(MWX_EEXIST, "loop: fd %d is already watched", fd);
  if (l->n_fds == l->cap_fds) {
    size_t nc = l->cap_fds ? 2 * l->cap_fds : 4;
    loop_fd *f = realloc(l->fds, nc * sizeof *f);
    if (!f)
      return mwx_error_set(MWX_ENOMEM, "loop: out of memory");
    l->fds = f;
    struct pollfd *p = realloc(l->pfds, (nc + 1) * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "loop: out of memory");
    l->pfds = p;
    l->cap_fds = nc;
  }
  l->fds[l->n_fds] = (loop_fd){fd, fn, ctx};
  l->pfds[l->n_fds + 1] = (struct pollfd){.fd = fd, .events = events};
  l->n_fds++;
  return 0;
}

int mwx_node_loop_fd_del(mwx_node_loop *l, int fd) {
  if (!l)
    return mwx_error_set(MWX_EINVAL, "loop: NULL argument");
  for (size_t i = 0; i < l->n_fds; i++)
    if (l->fds[i].fd == fd) {
      memmove(&l->fds[i], &l->fds[i + 1], (l->n_fds - i - 1) * sizeof *l->fds);
      memmove(&l->pfds[i + 1], &l->pfds[i + 2], (l->n_fds - i - 1) * sizeof *l->pfds);
      l->n_fds--;
      return 0;
    }
  return mwx_error_set(MWX_ENOTFOUND, "loop: fd %d is not watched", fd);
}

void mwx_node_loop_set_queue_fn(mwx_node_loop *l, mwx_node_queue_fn fn, void *ctx) {
  if (!l)
    return;
  l->qfn = fn;
  l->bfn = NULL;
  l->qctx = ctx;
}

void mwx_node_loop_set_batch_fn(mwx_node_loop *l, mwx_node_batch_fn fn, void *ctx) {
  if (!l)
    return;
  l->bfn = fn;
  l->qfn = NULL;
  l->qctx = ctx;
}

void mwx_node_loop_set_pass_fn(mwx_node_loop *l, mwx_node_pass_fn fn, void *ctx) {
  if (!l)
    return;
  l->pfn = fn;
  l->pctx = ctx;
}

size_t mwx_node_loop_queue_cap(const mwx_node_loop *l) { return l ? l->queue_cap : 0; }

size_t mwx_node_loop_queue_max(mwx_node_loop *l) {
  if (!l)
    return 0;
  pthread_mutex_lock(&l->mu);
  size_t m = l->queue_max;
  pthread_mutex_unlock(&l->mu);
  return m;
}

int mwx_node_loop_timer_kick(mwx_node_loop *l, uint64_t id) {
  if (!l)
    return mwx_error_set(MWX_EINVAL, "loop: NULL argument");
  for (size_t i = 0; i < l->n_timers; i++)
    if (l->timers[i].id == id && !l->timers[i].dead) {
      l->timers[i].when_ns = mwx_node_mono_ns();
      return 0;
    }
  return mwx_error_set(MWX_ENOTFOUND, "loop: no timer %llu", (unsigned long long)id);
}

static void wake(mwx_node_loop *l) {
  uint64_t one = 1;
  /* EAGAIN means the counter is already non-zero: the loop will wake */
  while (write(l->efd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

int mwx_node_loop_post(mwx_node_loop *l, const void *item, size_t size) {
  if (!l || (size && !item))
    return mwx_error_set(MWX_EINVAL, "loop: bad post");
  queue_item *q = malloc(sizeof *q + size);
  if (!q)
    return mwx_error_set(MWX_ENOMEM, "loop: out of memory");
  q->next = NULL;
  q->size = size;
  if (size)
    memcpy(q->data, item, size);
  pthread_mutex_lock(&l->mu);
  if (l->queued >= l->queue_cap) {
    pthread_mutex_unlock(&l->mu);
    free(q);
    atomic_fetch_add(&l->dropped, 1);
    return mwx_error_set(MWX_EBUSY, "loop: hand-over queue full (%zu items)", l->queue_cap);
  }
  if (l->tail)
    l->tail->next = q;
  else
    l->head = q;
  l->tail = q;
  l->queued++;
  if (l->queued > l->queue_max)
    l->queue_max = l->queued;
  pthread_mutex_unlock(&l->mu);
  wake(l);
  return 0;
}

uint64_t mwx_node_loop_dropped(mwx_node_loop *l) { return l ? (uint64_t)atomic_load(&l->dropped) : 0; }

void mwx_node_loop_stop(mwx_node_loop *l, int rc) {
  if (!l)
    return;
  int expected = 0;
  if (atomic_compare_exchange_strong(&l->stop, &expected, 1))
    atomic_store(&l->stop_rc, rc);
  wake(l);
}

/* Runs the consumer on everything queued; returns the number of items. */
static int drain(mwx_node_loop *l) {
  uint64_t v;
  while (read(l->efd, &v, sizeof v) < 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&l->mu);
  queue_item *q = l->head;
  l->head = l->tail = NULL;
  l->queued = 0;
  pthread_mutex_unlock(&l->mu);
  int n = 0;
  if (l->bfn && q) {
    /* the whole swap-out at once: the consumer makes it durable with one
       commit (group commit); at most queue_cap items */
    size_t cnt = 0;
    for (queue_item *p = q; p; p = p->next)
      cnt++;
    void **items = malloc(cnt * sizeof *items);
    size_t *sizes = malloc(cnt * sizeof *sizes);
    if (items && sizes) {
      size_t k = 0;
      for (queue_item *p = q; p; p = p->next, k++) {
        items[k] = p->data;
        sizes[k] = p->size;
      }
      l->bfn(l, items, sizes, cnt, l->qctx);
    } else
      atomic_fetch_add(&l->dropped, cnt); /* no memory for the batch: counted as lost */
    free(items);
    free(sizes);
  }
  while (q) {
    queue_item *nx = q->next;
    if (l->qfn)
      l->qfn(l, q->data, q->size, l->qctx);
    free(q);
    q = nx;
    n++;
  }
  return n;
}

typedef struct due_timer {
  int64_t when_ns;
  uint64_t id;
} due_timer;

static int cmp_due(const void *a, const void *b) {
  const due_timer *x = a, *y = b;
  if (x->when_ns != y->when_ns)
    return x->when_ns < y->when_ns ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Runs the timers that are due, earliest first (a timer due at 1 ms runs
 * before one due at 2 ms, even when a late wake-up finds both due, so the
 * earlier one can still delete the later). */
static int run_timers(mwx_node_loop *l) {
  int n = 0;
  int64_t now = mwx_node_mono_ns();
  due_timer local[16];
  due_timer *due = local;
  size_t count = l->n_timers; /* timers added by callbacks wait for the next iteration */
  if (count > 16 && !(due = malloc(count * sizeof *due)))
    due = local, count = 16; /* no memory: the first 16 now, the rest next iteration */
  size_t nd = 0;
  for (size_t i = 0; i < count; i++)
    if (!l->timers[i].dead && l->timers[i].when_ns <= now)
      due[nd++] = (due_timer){l->timers[i].when_ns, l->timers[i].id};
  qsort(due, nd, sizeof *due, cmp_due);
  l->in_timers = 1;
  for (size_t k = 0; k < nd; k++) {
    size_t i = 0;
    while (i < l->n_timers && l->timers[i].id != due[k].id)
      i++;
    if (i == l->n_timers || l->timers[i].dead)
      continue;
    mwx_node_timer_fn fn = l->timers[i].fn;
    void *ctx = l->timers[i].ctx;
    int64_t again = fn(l, ctx); /* may realloc l->timers: index again afterwards */
    n++;
    loop_timer *t = &l->timers[i];
    if (t->dead)
      continue;
    if (again < 0)
      t->dead = 1;
    else
      t->when_ns = (again == 0 ? now : mwx_node_mono_ns() + again);
    if (atomic_load(&l->stop))
      break;
  }
  l->in_timers = 0;
  timers_compact(l);
  if (due != local)
    free(due);
  return n;
}

int mwx_node_loop_run_once(mwx_node_loop *l, int64_t max_wait_ns) {
  if (!l)
    return mwx_error_set(MWX_EINVAL, "loop: NULL argument");
  int64_t now = mwx_node_mono_ns();
  int64_t wait = max_wait_ns;
  for (size_t i = 0; i < l->n_timers; i++) {
    int64_t d = l->timers[i].when_ns - now;
    if (d < 0)
      d = 0;
    if (wait < 0 || d < wait)
      wait = d;
  }
  if (atomic_load(&l->stop))
    wait = 0;
  /* ppoll: the wait in ns, so a timer set for a sensor's scan time fires
     at that time, not up to a millisecond after it */
  if (wait > 3600000000000ll)
    wait = 3600000000000ll;
  struct timespec tmo = {(time_t)(wait / 1000000000ll), (long)(wait % 1000000000ll)};
  int r = ppoll(l->pfds, l->n_fds + 1, wait < 0 ? NULL : &tmo, NULL);
  if (r < 0 && errno != EINTR)
    return mwx_error_set(MWX_EIO, "loop: poll: %s", strerror(errno));
  int n = 0;
  if (r > 0) {
    /* copy: callbacks may add or remove fds */
    size_t nf = l->n_fds;
    struct {
      int fd;
      short rev;
    } ready[64];
    size_t nr = 0;
    for (size_t i = 0; i < nf && nr < 64; i++)
      if (l->pfds[i + 1].revents) {
        ready[nr].fd = l->pfds[i + 1].fd;
        ready[nr].rev = l->pfds[i + 1].revents;
        nr++;
      }
    for (size_t k = 0; k < nr; k++)
      for (size_t i = 0; i < l->n_fds; i++)
        if (l->fds[i].fd == ready[k].fd) {
          l->fds[i].fn(l, ready[k].fd, ready[k].rev, l->fds[i].ctx);
          n++;
          break;
        }
  }
  if (r > 0 && l->pfds[0].revents) { /* a later post sets the eventfd again: next iteration */
    n += drain(l);
    /* the hand-over's commit before any timer runs: what the batch took (a
       partner's samples) is made durable and reported now, not after this
       node's own step (tens of ms in a salvo) in the same pass; costs a
       second commit only when both come in one iteration */
    if (l->pfn && n)
      l->pfn(l, l->pctx);
  }
  n += run_timers(l);
  if (l->pfn)
    l->pfn(l, l->pctx); /* the pass's group commit (node_step.c) */
  return n;
}

int mwx_node_loop_run(mwx_node_loop *l) {
  if (!l)
    return mwx_error_set(MWX_EINVAL, "loop: NULL argument");
  while (!atomic_load(&l->stop)) {
    int rc = mwx_node_loop_run_once(l, -1);
    if (rc < 0)
      return rc;
  }
  atomic_store(&l->stop, 0);
  return atomic_load(&l->stop_rc);
}
