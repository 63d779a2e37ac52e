/*
 * fixture_proc.h - test fixture (tests only, not libmwx): nodes as forked
 * child processes, as on a real network (two DDS participants of one domain
 * in one process would talk through Cyclone's in-process path), and bounded
 * waits for them.  No cmocka: the parent judges the counts it returns.
 * Call from the test's main thread only (fork).
 */
#ifndef MWX_FIXTURE_PROC_H
#define MWX_FIXTURE_PROC_H

#include <sys/types.h>

/* Forks a child that runs fn(arg) and exits with its return value (stdio
 * flushed before and after, so nothing is printed twice).  The child's pid,
 * -1 if fork failed. */
pid_t fx_spawn(int (*fn)(void *), void *arg);

/* Waits for the n (at most 16) children pids up to timeout_s seconds in
 * all, killing (SIGKILL) and reaping those still running then.  Returns the
 * number of children that did not exit with 0 (each named on stderr with its
 * exit code, signal or time-out). */
int fx_wait_all(const pid_t *pids, int n, int timeout_s);

/* SIGKILL and reap one child. */
void fx_stop(pid_t p);

#endif
