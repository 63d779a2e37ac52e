/*
 * fusework.c - the fusion pass and the fusion worker (issues 15, 16;
 * docs/architecture.md "Threads"): everything that touches the fuser while
 * the node runs.  The loop's side - what goes into a pass, what is read of
 * its picture - is fusepic.c; the types they share, fusepic_int.h.
 *
 *   the pass (fu_pass_run): the partners' samples and the own tracks' new
 *   estimates into the fuser in one ingest, then the picture at the job's
 *   time: one entry per fused track (a fallen missile - below ground, or
 *   nobody holds it and its latest prediction's impact time has passed -
 *   its last state), the index of the own tracks, the number map.  It runs
 *   on whoever owns the fuser: in line on the loop (speed 0), or here on
 *   the worker.
 *   the worker (speed > 0): one thread, started by node_open, owning the
 *   fuser until node_close stops it.  It waits for FW_QUEUED, runs the
 *   pass on the job, sets FW_DONE and posts a node_fuse_token to the
 *   loop's hand-over queue; the loop's batch that takes the token takes
 *   the pass back (fusepic.c node_fuse_taken).  The job and the spare
 *   picture are the worker's from FW_QUEUED to FW_DONE and the loop's
 *   otherwise: the state word, under the worker's mutex, is all that is
 *   shared while it runs.  A token lost to a full hand-over queue only
 *   delays the take-back to the loop's next step (node_fuse_ready).
 *   the budget (fu_budget, the loop's): at most FUSE_BURST_NS, refilled at
 *   half the time that passes, each pass's wall time spent; the loop hands
 *   a job over only while it is positive, so the worker takes at most half
 *   a core over any long stretch, and short passes run back to back.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fusepic_int.h"

#define NS FUSE_NS

/* The fusion worker's thread and its hand-over (fusepic_int.h). */
struct fu_worker {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;    /* CLOCK_MONOTONIC: a queued job, the stop, the test wait */
  int state;            /* FW_* */
  int stop;
  int min_ms;           /* TEST ONLY: every pass lasts at least this long (cut short by the stop) */
  int nice_incr, sched; /* its priority (node_thread_batch) */
  mwx_node_loop *loop;  /* the token that wakes it (node_int.h node_fuse_token) */
  mwx_fuser *fz;        /* borrowed: the worker's alone while it runs */
  char nation[MWX_NATION_LEN];
  fu_job *job;          /* borrowed */
};

/* ---- the pass: runs on the fuser's owner (worker or, in line, the loop) -- */

static int64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Own track id of a member local id "<NAT>-T<n>" of this nation, 0 if not. */
static unsigned own_id(const char *nation, const char *orig, const char *local) {
  if (strncmp(orig, nation, 3) || strncmp(local, nation, 3) || local[3] != '-' || local[4] != 'T')
    return 0;
  char *end;
  unsigned long v = strtoul(local + 5, &end, 10);
  return *end || v == 0 || v > 0xffffffffu ? 0 : (unsigned)v;
}

static const fu_fall *fall_find(const fu_job *j, uint32_t gtn) {
  size_t lo = fu_gtn_lower_bound(j->fall, j->n_fall, sizeof *j->fall, offsetof(fu_fall, gtn), gtn);
  return lo < j->n_fall && j->fall[lo].gtn == gtn ? &j->fall[lo] : NULL;
}

typedef struct key_ctx {
  fu_pic *p;
  int oom;
} key_ctx;

static void key_add(void *ctx, const char *orig, const char *id, uint32_t gtn) {
  key_ctx *c = ctx;
  fu_pic *p = c->p;
  if (p->n_keys == p->cap_keys) {
    size_t nc = p->cap_keys ? 2 * p->cap_keys : 64;
    fu_key *k = realloc(p->keys, nc * sizeof *k);
    if (!k) {
      c->oom = 1;
      return;
    }
    p->keys = k;
    p->cap_keys = nc;
  }
  fu_key *k = &p->keys[p->n_keys++];
  memset(k, 0, sizeof *k);
  snprintf(k->orig, sizeof k->orig, "%s", orig);
  snprintf(k->id, sizeof k->id, "%s", id);
  k->gtn = gtn;
}

/* The picture at j->t_ns into j->pic: every fused track propagated (a
 * fallen missile - below ground, or nobody holds it and its latest
 * prediction's impact time has passed - its last state), the index of the
 * own tracks, the number map. */
static int pic_make(mwx_fuser *fz, const char *nation, fu_job *j) {
  fu_pic *p = j->pic;
  size_t count = mwx_fuse_count(fz);
  p->n = p->n_own_ix = p->n_keys = 0;
  if (count > p->cap) {
    mwx_fuse_track *e = realloc(p->e, count * sizeof *e);
    if (!e)
      return MWX_ENOMEM;
    p->e = e;
    int *ok = realloc(p->ok, count * sizeof *ok);
    if (!ok)
      return MWX_ENOMEM;
    p->ok = ok;
    p->cap = count;
  }
  p->n = count;
  size_t n_own = 0;
  for (size_t i = 0; i < count; i++) {
    p->ok[i] = PIC_LIVE;
    int fallen = mwx_fuse_get(fz, i, j->t_ns, &p->e[i]) != 0; /* below ground */
    if (!fallen && p->e[i].method == MWX_FUSE_COAST) {
      /* nobody holds it and its latest prediction's impact time has passed */
      const fu_fall *fl = fall_find(j, p->e[i].global_track_no);
      fallen = fl && fl->impact_ns <= j->t_ns;
    }
    if (fallen) { /* its last state, not propagated */
      mwx_error_clear();
      p->ok[i] = mwx_fuse_get_last(fz, i, &p->e[i]) ? PIC_NONE : PIC_FALLEN;
      mwx_error_clear();
      continue;
    }
    for (int k = 0; k < p->e[i].n_members && k < MWX_FUSE_MAX_MEMBERS; k++)
      n_own += own_id(nation, p->e[i].member_originator[k], p->e[i].member_local_id[k]) != 0;
  }
  if (n_own > p->cap_own_ix) {
    fu_own *o = realloc(p->own_ix, n_own * sizeof *o);
    if (!o)
      return MWX_ENOMEM;
    p->own_ix = o;
    p->cap_own_ix = n_own;
  }
  for (size_t i = 0; i < count; i++)
    for (int k = 0; p->ok[i] == PIC_LIVE && k < p->e[i].n_members && k < MWX_FUSE_MAX_MEMBERS; k++) {
      unsigned id = own_id(nation, p->e[i].member_originator[k], p->e[i].member_local_id[k]);
      if (id)
        p->own_ix[p->n_own_ix++] = (fu_own){id, i};
    }
  if (p->n_own_ix)
    qsort(p->own_ix, p->n_own_ix, sizeof *p->own_ix, fu_own_cmp);
  key_ctx kc = {p, 0};
  mwx_fuse_each_source(fz, key_add, &kc);
  if (kc.oom)
    return MWX_ENOMEM;
  if (p->n_keys)
    qsort(p->keys, p->n_keys, sizeof *p->keys, fu_key_cmp);
  p->t_ns = j->t_ns;
  return 0;
}

/* fusepic_int.h.  The fuser's merge pass runs once for all the samples; a
 * refused batch (only by what the loop's check cannot see) goes in one
 * sample at a time, each refusal counted. */
void fu_pass_run(mwx_fuser *fz, const char *nation, fu_job *j) {
  int64_t w0 = mwx_node_mono_ns(), c0 = thread_cpu_ns();
  j->start_mono_ns = w0;
  j->rc = 0;
  j->unfusable = j->full = 0;
  size_t k = 0;
  if (mwx_fuse_count(fz) >= FUSE_MAX_TRACKS) {
    for (size_t i = 0; i < j->n; i++) {
      uint32_t g;
      if (mwx_fuse_global_of(fz, j->s[i].originator, j->s[i].local_track_id, &g)) {
        mwx_error_clear();
        j->full++;
        continue;
      }
      if (k != i)
        j->s[k] = j->s[i];
      k++;
    }
  } else
    k = j->n;
  if (k && mwx_fuse_ingest(fz, j->s, k)) {
    mwx_error_clear();
    for (size_t i = 0; i < k; i++)
      if (mwx_fuse_ingest(fz, &j->s[i], 1)) {
        j->unfusable++;
        mwx_error_clear();
      }
  }
  if (j->picture && (j->rc = pic_make(fz, nation, j)))
    mwx_error_clear();
  if (j->picture) {
    mwx_fuse_mem fm;
    mwx_fuse_mem_stats(fz, &fm);
    j->pic->fuser_bytes = fm.bytes_total;
  }
  j->end_mono_ns = mwx_node_mono_ns();
  j->wall_ns = j->end_mono_ns - w0;
  j->cpu_ns = thread_cpu_ns() - c0;
}

/* ---- the worker thread ---------------------------------------------------- */

static void *worker_main(void *arg) {
  fu_worker *w = arg;
  node_thread_name("mwx-fuse");
  (void)node_thread_batch(w->nice_incr, w->sched);
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->stop && w->state != FW_QUEUED)
      pthread_cond_wait(&w->cv, &w->mu);
    if (w->stop)
      break;
    pthread_mutex_unlock(&w->mu); /* the job and the fuser are the worker's until FW_DONE */
    int64_t t0 = mwx_node_mono_ns();
    fu_pass_run(w->fz, w->nation, w->job);
    pthread_mutex_lock(&w->mu);
    if (w->min_ms > 0) { /* TEST ONLY: a slow fuser */
      int64_t until = t0 + (int64_t)w->min_ms * 1000000ll;
      while (!w->stop && mwx_node_mono_ns() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t at = until < (int64_t)ts.tv_sec * NS + ts.tv_nsec + NS ? until : (int64_t)ts.tv_sec * NS + ts.tv_nsec + NS;
        ts.tv_sec = (time_t)(at / NS);
        ts.tv_nsec = (long)(at % NS);
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
      }
      w->job->end_mono_ns = mwx_node_mono_ns();
      w->job->wall_ns = w->job->end_mono_ns - t0;
    }
    w->state = FW_DONE;
    pthread_mutex_unlock(&w->mu);
    /* the token wakes the loop; a full hand-over queue refuses it, and the
       loop still finds FW_DONE at its next step (at most 250 ms later) */
    node_fuse_token tok = {NODE_FUSE_MAGIC};
    if (mwx_node_loop_post(w->loop, &tok, sizeof tok))
      mwx_error_clear();
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int fu_worker_state(fu_worker *w) {
  pthread_mutex_lock(&w->mu);
  int s = w->state;
  pthread_mutex_unlock(&w->mu);
  return s;
}

void fu_worker_set(fu_worker *w, int state) {
  pthread_mutex_lock(&w->mu);
  w->state = state;
  if (state == FW_QUEUED)
    pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

int fu_worker_start(mwx_node_loop *loop, mwx_fuser *fz, const char *nation, fu_job *job, int min_ms, int nice_incr,
                    int sched, fu_worker **out) {
  *out = NULL;
  fu_worker *w = calloc(1, sizeof *w);
  if (!w)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  w->min_ms = min_ms;
  w->nice_incr = nice_incr;
  w->sched = sched;
  w->loop = loop;
  w->fz = fz;
  w->job = job;
  memcpy(w->nation, nation, MWX_NATION_LEN);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int ok = !pthread_mutex_init(&w->mu, NULL) && !pthread_cond_init(&w->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (!ok || pthread_create(&w->th, NULL, worker_main, w)) {
    free(w);
    return mwx_error_set(MWX_EIO, "node: cannot start the fusion worker");
  }
  *out = w;
  return 0;
}

void fu_worker_stop(fu_worker *w) {
  if (!w)
    return;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->th, NULL); /* a pass in progress is finished first (its test wait cut short) */
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

/* ---- the budget (the loop's) ------------------------------------------------ */

int64_t fu_budget_refill(fu_budget *b, int64_t now_mono_ns) {
  if (now_mono_ns > b->at_mono_ns) {
    b->ns += (now_mono_ns - b->at_mono_ns) / 2;
    if (b->ns > FUSE_BURST_NS)
      b->ns = FUSE_BURST_NS;
    b->at_mono_ns = now_mono_ns;
  }
  return b->ns;
}

void fu_budget_spend(fu_budget *b, const fu_job *j) {
  fu_budget_refill(b, j->end_mono_ns);
  b->ns -= j->wall_ns;
}
