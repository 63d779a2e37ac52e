/*
 * test_node_mem.c - the memory worker's trim threshold (node_int.h
 * node_mem_trim_due, src/node/node_mem.c): malloc_trim runs when the
 * arenas' free bytes grew by the threshold since the last trim, not
 * whenever they are above it.
 *   - the threshold's arithmetic: the first trim at free_min free; after a
 *     trim that left F free, none until F + free_min; free bytes that fall
 *     below the base lower it (reused chunks: freed again, they count);
 *     0 free bytes (AddressSanitizer's heap) never trims;
 *   - on glibc's real heap: 16 MB freed in 4 KB chunks with one chunk kept
 *     at the heap's top (so the free chunks stay in the arena) trims once;
 *     the same reading right after the trim (the chunks are still free in
 *     malloc's lists: mallinfo2's fordblks barely drops) does not trim
 *     again, where the old threshold (free bytes >= free_min) would.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "node/node_int.h"

#define MB (1024u * 1024u)

static void test_threshold_arithmetic(void **state) {
  (void)state;
  uint64_t base = 0;
  assert_int_equal(node_mem_trim_due(&base, 3 * MB, 4 * MB), 0);
  assert_int_equal(node_mem_trim_due(&base, 4 * MB, 4 * MB), 1);
  base = 10 * MB; /* the trim left 10 MB free (chunks that cannot be returned) */
  assert_int_equal(node_mem_trim_due(&base, 10 * MB, 4 * MB), 0);
  assert_int_equal(node_mem_trim_due(&base, 13 * MB, 4 * MB), 0);
  assert_int_equal(base, 10 * MB);
  assert_int_equal(node_mem_trim_due(&base, 6 * MB, 4 * MB), 0); /* 4 MB reused */
  assert_int_equal(base, 6 * MB);
  assert_int_equal(node_mem_trim_due(&base, 10 * MB, 4 * MB), 1); /* freed again */
  uint64_t asan = 0;
  for (int i = 0; i < 10; i++)
    assert_int_equal(node_mem_trim_due(&asan, 0, 4 * MB), 0);
  assert_int_equal(asan, 0);
}

static void test_real_heap_trims_once(void **state) {
  (void)state;
#ifdef __SANITIZE_ADDRESS__
  skip(); /* mallinfo2 reports none of ASan's heap: the arithmetic test covers 0 free bytes */
#else
  enum { N = 4096, SZ = 4096 };
  void **p = malloc(N * sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < N; i++)
    assert_non_null(p[i] = malloc(SZ));
  void *top = malloc(SZ); /* keeps the freed chunks below the top: trimmed by madvise, still free */
  assert_non_null(top);
  uint64_t base = mallinfo2().fordblks; /* as if a trim had just run */
  for (int i = 0; i < N; i++)
    free(p[i]);
  uint64_t f1 = mallinfo2().fordblks;
  assert_true(f1 >= base + 15 * MB);
  assert_int_equal(node_mem_trim_due(&base, f1, 4 * MB), 1);
  malloc_trim(0);
  base = mallinfo2().fordblks;
  assert_true(base >= 4 * MB); /* the old threshold (free >= 4 MB) would trim again */
  assert_int_equal(node_mem_trim_due(&base, mallinfo2().fordblks, 4 * MB), 0);
  free(top);
  free(p);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threshold_arithmetic),
      cmocka_unit_test(test_real_heap_trims_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
