/*
 * node_clock.c - the node's clock: the one loop timer that plays sim time
 * (speed > 0: the exercise clock, shared by every node; speed 0: as fast as
 * possible) and makes a step of it; mwx_node_run / mwx_node_stop.
 */
#include <limits.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/sim.h"
#include "node_int.h"

#define NS 1000000000ll

int64_t node_real_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Sim time now on the shared clock (speed > 0). */
static int64_t sim_now(const mwx_node *n) {
  double d = (double)(mwx_node_mono_ns() - n->mono_origin_ns) * n->cfg.speed; /* saturated: no int64 overflow */
  return n->sim_origin_ns + (int64_t)(d > 4e18 ? 4e18 : d < -4e18 ? -4e18 : d);
}

int64_t node_sim_now_ns(const mwx_node *n) {
  return n->cfg.speed > 0 && n->mono_origin_ns ? sim_now(n) : n->sim_ns;
}

int64_t node_sim_to_real_ns(const mwx_node *n, int64_t sim_ns) {
  if (n->cfg.speed <= 0 || !n->mono_origin_ns)
    return 0;
  /* the monotonic time at which sim_ns plays, then the wall clock's offset now */
  double at = (double)n->mono_origin_ns + (double)(sim_ns - n->sim_origin_ns) / n->cfg.speed;
  double real = (double)node_real_ns() - ((double)mwx_node_mono_ns() - at);
  return real > 0 && real < 9e18 ? (int64_t)real : 0;
}

/* Event-driven (step_s 0, speed > 0): wall ns until the next thing to do,
 * the next scan of this nation's sensors, the next NodeStatus or the next
 * check of the release queue; at most 250 ms (approvals by operators,
 * which arrive through the journal, are seen within that). */
static int64_t next_wait(const mwx_node *n) {
  int64_t next = n->sim_ns + (int64_t)(0.25 * NS * n->cfg.speed);
  if (n->has_src && !n->src_done) {
    int64_t s = mwx_assess_drive_next_ns(n->drv);
    if (s < next)
      next = s;
  }
  if (n->cfg.status_every_s > 0) {
    int64_t s = n->last_status_ns + (int64_t)(n->cfg.status_every_s * NS);
    if (s < next)
      next = s;
  }
  if (n->next_expire_ns < next)
    next = n->next_expire_ns;
  double w = (double)(next - sim_now(n)) / n->cfg.speed;
  return w <= 0 ? 1 : w > 0.25 * NS ? (int64_t)(0.25 * NS) : (int64_t)w; /* 1 ns: at once, but after the fds */
}

/* The one driver, the same code online and offline: it plays sim time up
 * to "now" (speed > 0: the exercise clock; speed 0: the next scan, as fast
 * as possible) and makes one group-committed step of it.  step_s > 0 keeps
 * the old fixed tick (whole steps). */
static int64_t tick_timer(mwx_node_loop *l, void *ctx) {
  mwx_node *n = ctx;
  int64_t step = (int64_t)(n->cfg.step_s * NS);
  int64_t target;
  if (n->cfg.speed > 0) {
    int64_t now = sim_now(n);
    if (step > 0) {
      target = now - (now - n->sim_ns) % step; /* whole steps */
      if (target <= n->sim_ns && !n->n_fit_done && !node_fuse_ready(n)) {
        int64_t wait = (int64_t)((double)(n->sim_ns + step - now) / n->cfg.speed);
        return wait > 0 ? wait : 1000000;
      }
    } else {
      target = now;
      int64_t nx = n->has_src && !n->src_done ? mwx_assess_drive_next_ns(n->drv) : INT64_MAX;
      int due = nx <= now || n->n_fit_done || node_fuse_ready(n) || now >= n->next_expire_ns ||
                (n->cfg.status_every_s > 0 && now - n->last_status_ns >= (int64_t)(n->cfg.status_every_s * NS)) ||
                now - n->sim_ns >= (int64_t)(0.25 * NS * n->cfg.speed);
      if (!due)
        return next_wait(n);
    }
  } else if (step > 0)
    target = n->sim_ns + step;
  else {
    int64_t nx = n->has_src && !n->src_done ? mwx_assess_drive_next_ns(n->drv) : INT64_MAX;
    target = nx != INT64_MAX ? (nx > n->sim_ns ? nx : n->sim_ns) : n->sim_ns + NS;
  }
  int done = 0;
  int rc = mwx_node_step(n, target, &done);
  if (rc) {
    mwx_node_loop_stop(l, rc);
    return MWX_NODE_TIMER_DONE;
  }
  if (done) {
    if (!n->cfg.online || n->cfg.linger_s == 0) {
      mwx_node_loop_stop(l, 0);
      return MWX_NODE_TIMER_DONE;
    }
    if (n->cfg.linger_s > 0 && !n->linger_timer_set) {
      n->linger_timer_set = 1;
      n->linger_until_mono = mwx_node_mono_ns() + (int64_t)(n->cfg.linger_s * NS);
    }
    if (n->linger_timer_set && mwx_node_mono_ns() >= n->linger_until_mono) {
      mwx_node_loop_stop(l, 0);
      return MWX_NODE_TIMER_DONE;
    }
  }
  if (n->cfg.speed <= 0)
    return 0;
  if (step <= 0)
    return next_wait(n);
  return (int64_t)(n->cfg.step_s * NS / n->cfg.speed);
}

int mwx_node_run(mwx_node *n) {
  if (!n)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  int64_t mono = mwx_node_mono_ns();
  n->mono_origin_ns = mono;
  n->sim_origin_ns = n->sim_ns;
  if (n->cfg.speed > 0 && n->cfg.start_unix_ns > 0) {
    /* the epoch plays at start_unix_ns on the wall clock, for every node of the exercise */
    n->mono_origin_ns = mono + (n->cfg.start_unix_ns - node_real_ns());
    n->sim_origin_ns = n->epoch_ns;
  }
  int rc = mwx_node_loop_timer_add(n->loop, 0, tick_timer, n, &n->tick_id);
  if (rc)
    return rc;
  rc = mwx_node_loop_run(n->loop);
  mwx_node_loop_timer_del(n->loop, n->tick_id); /* a second run adds its own */
  mwx_error_clear();
  n->tick_id = 0;
  return rc;
}

void mwx_node_stop(mwx_node *n) {
  if (n)
    mwx_node_loop_stop(n->loop, 0);
}
