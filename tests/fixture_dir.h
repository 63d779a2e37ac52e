/*
 * fixture_dir.h - test fixture (tests only, not libmwx): one scratch
 * directory per test program, made by a cmocka group setup and removed with
 * everything in it by the group teardown, and small files written into it.
 * Single-threaded (the directory name is static).
 */
#ifndef MWX_FIXTURE_DIR_H
#define MWX_FIXTURE_DIR_H

#include <stddef.h>

/* The scratch directory, "" before fx_dir_setup. */
extern char fx_dir[64];

/* cmocka group setup / teardown: fx_dir = a fresh /tmp/mwx_test_<program>
 * _XXXXXX (program: the test's name, from /proc/self/comm); teardown removes
 * it and all it holds.  0 or -1 (cmocka's convention). */
int fx_dir_setup(void **state);
int fx_dir_teardown(void **state);

/* Makes the directory fx_dir/name (a test's own corner of the group's
 * directory, removed with it by the teardown) and writes its path to out
 * (n bytes, at least 96); fails the test if it cannot. */
void fx_subdir(const char *name, char *out, size_t n);

/* Writes text to fx_dir/name (replacing it) and returns that path, in a
 * static buffer that the next call overwrites; fails the test if it cannot. */
const char *fx_put(const char *name, const char *text);

#endif
