/*
 * node_thread.c - what each of the node's own threads says about itself
 * (node_int.h): its name, so /proc/PID/task/TID/comm, top -H, perf and
 * bench/node_latency.sh's SCHED_THREADS line tell the loop ("mwxd", the
 * process's name), the receive thread ("mwx-rx"), the fusion worker
 * ("mwx-fuse"), the launch-fit workers ("mwx-fit0".."mwx-fit7") and the
 * memory worker ("mwx-mem") apart from Cyclone's threads (which name their
 * own: "recv", "tev", "dq.builtins", ...).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>

#include "node_int.h"

void node_thread_name(const char *name) {
  char b[16]; /* the kernel's TASK_COMM_LEN, with its NUL */
  snprintf(b, sizeof b, "%s", name);
  (void)pthread_setname_np(pthread_self(), b); /* a name is a diagnostic: a failure changes nothing */
}
