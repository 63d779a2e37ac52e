/*
 * fixture_dir.c - test fixture: a scratch directory per test program and
 * files in it (fixture_dir.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture_dir.h"

char fx_dir[64];

int fx_dir_setup(void **state) {
  (void)state;
  char comm[32] = "test";
  FILE *f = fopen("/proc/self/comm", "r");
  if (f) {
    if (fgets(comm, sizeof comm, f))
      comm[strcspn(comm, "\n")] = '\0';
    fclose(f);
  }
  snprintf(fx_dir, sizeof fx_dir, "/tmp/mwx_%.24s_XXXXXX", comm);
  return mkdtemp(fx_dir) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int fx_dir_teardown(void **state) {
  (void)state;
  if (!fx_dir[0])
    return 0;
  int rc = nftw(fx_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  fx_dir[0] = '\0';
  return rc == 0 ? 0 : -1;
}

const char *fx_put(const char *name, const char *text) {
  static char path[256];
  int w = snprintf(path, sizeof path, "%s/%s", fx_dir, name);
  assert_true(w > 0 && (size_t)w < sizeof path);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
  return path;
}

void fx_subdir(const char *name, char *out, size_t n) {
  assert_true(fx_dir[0] != '\0'); /* the group setup ran */
  int w = snprintf(out, n, "%s/%s", fx_dir, name);
  assert_true(w > 0 && (size_t)w < n);
  assert_int_equal(mkdir(out, 0700), 0);
}
