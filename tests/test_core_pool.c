/*
 * test_core_pool.c - the work-sharing pool (src/core/pool.c) that the
 * verify pool (net_verify.c) and the sign pool (node/signpool.c) run on:
 *   - open refuses a thread count outside 1..CORE_POOL_THREADS_MAX and a
 *     missing or too long thread name;
 *   - every item of a batch runs exactly once, for 1..4 threads, and with
 *     more than one thread the workers (named "<name><k>") take some;
 *   - items added one by one while the workers run (the sign pool's way)
 *     each run once, and nothing runs after core_pool_finish returns;
 *   - a pool of one thread runs everything on the owner.
 */
#define _GNU_SOURCE /* pthread_getname_np */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/core_int.h"
#include "mwx/error.h"

#define N_ITEMS 20000

typedef struct {
  _Atomic int runs[N_ITEMS];
  _Atomic int on_worker, on_owner, bad_name, after_finish;
  _Atomic int closed; /* set after core_pool_finish: any run then is a defect */
} batch;

static void spin_us(int us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do
    clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void item(void *ctx, size_t i, int on_worker) {
  batch *b = ctx;
  if (atomic_load(&b->closed))
    atomic_fetch_add(&b->after_finish, 1);
  atomic_fetch_add(&b->runs[i], 1);
  if (on_worker) {
    char name[16] = "";
    pthread_getname_np(pthread_self(), name, sizeof name);
    if (strncmp(name, "tpool", 5) != 0)
      atomic_fetch_add(&b->bad_name, 1);
    atomic_fetch_add(&b->on_worker, 1);
  } else
    atomic_fetch_add(&b->on_owner, 1);
  if (i % 64 == 0)
    spin_us(20); /* long enough that the workers get a share */
}

static batch B;

static void check_once(size_t n) {
  for (size_t i = 0; i < n; i++)
    assert_int_equal(atomic_load(&B.runs[i]), 1);
  for (size_t i = n; i < N_ITEMS; i++)
    assert_int_equal(atomic_load(&B.runs[i]), 0);
  assert_int_equal(atomic_load(&B.on_worker) + atomic_load(&B.on_owner), (int)n);
  assert_int_equal(atomic_load(&B.bad_name), 0);
}

static void test_open_refuses(void **state) {
  (void)state;
  core_pool *p = (core_pool *)1;
  assert_int_equal(core_pool_open(0, "tpool", &p), MWX_EINVAL);
  assert_null(p);
  assert_int_equal(core_pool_open(CORE_POOL_THREADS_MAX + 1, "tpool", &p), MWX_EINVAL);
  assert_int_equal(core_pool_open(2, NULL, &p), MWX_EINVAL);
  assert_int_equal(core_pool_open(2, "a-name-too-long", &p), MWX_EINVAL);
  assert_int_equal(core_pool_threads(NULL), 1);
}

static void test_batch_each_once(void **state) {
  (void)state;
  for (int threads = 1; threads <= 4; threads++) {
    core_pool *p = NULL;
    assert_int_equal(core_pool_open(threads, "tpool", &p), 0);
    assert_int_equal(core_pool_threads(p), threads);
    for (int round = 0; round < 3; round++) {
      memset(&B, 0, sizeof B);
      core_pool_begin(p, item, &B);
      core_pool_add(p, N_ITEMS);
      core_pool_finish(p);
      atomic_store(&B.closed, 1);
      check_once(N_ITEMS);
      if (threads == 1)
        assert_int_equal(atomic_load(&B.on_worker), 0);
      else
        assert_true(atomic_load(&B.on_worker) > 0);
    }
    core_pool_close(p);
    assert_int_equal(atomic_load(&B.after_finish), 0);
  }
}

static void test_incremental(void **state) {
  (void)state;
  core_pool *p = NULL;
  assert_int_equal(core_pool_open(3, "tpool", &p), 0);
  for (int round = 0; round < 5; round++) {
    memset(&B, 0, sizeof B);
    core_pool_begin(p, item, &B);
    size_t n = 1000 + 700 * (size_t)round;
    for (size_t i = 0; i < n; i++) {
      core_pool_add(p, 1);
      if (i % 97 == 0)
        spin_us(50); /* the owner busy between adds, as the loop is between decisions */
    }
    core_pool_finish(p);
    atomic_store(&B.closed, 1);
    check_once(n);
    spin_us(2000); /* a late worker would run an item now */
    assert_int_equal(atomic_load(&B.after_finish), 0);
  }
  /* an empty batch finishes at once */
  memset(&B, 0, sizeof B);
  core_pool_begin(p, item, &B);
  core_pool_finish(p);
  check_once(0);
  core_pool_close(p);
  core_pool_close(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_refuses),
      cmocka_unit_test(test_batch_each_once),
      cmocka_unit_test(test_incremental),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
