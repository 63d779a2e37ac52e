/*
 * node_thread.c - what each of the node's own threads says about itself
 * (node_int.h): its name, so /proc/PID/task/TID/comm, top -H, perf and
 * bench/node_latency.sh's SCHED_THREADS line tell the loop ("mwxd", the
 * process's name), the receive thread ("mwx-rx"), the fusion worker
 * ("mwx-fuse"), the launch-fit workers ("mwx-fit0".."mwx-fit7") and the
 * memory worker ("mwx-mem") and the journal's checkpoint thread ("mwx-ckpt",
 * src/journal/journal_ckpt.c, which names itself) apart from Cyclone's threads (which name their
 * own: "recv", "tev", "dq.builtins", ...); and the batch threads' priority
 * (mwx_node_config.batch_nice, batch_sched): the fusion worker, the fit
 * workers and the memory worker lower their own priority at their start,
 * so the latency path (the loop: track, sign, commit, publish; the receive
 * thread: verify) gets a CPU first when everything becomes runnable at once
 * on a small machine.  Lowering one's own priority needs no privilege.
 */
#define _GNU_SOURCE /* pthread_setname_np, SCHED_BATCH, SCHED_IDLE */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"

#include "node_int.h"

void node_thread_name(const char *name) {
  char b[16]; /* the kernel's TASK_COMM_LEN, with its NUL */
  snprintf(b, sizeof b, "%s", name);
  (void)pthread_setname_np(pthread_self(), b); /* a name is a diagnostic: a failure changes nothing */
}

int node_thread_batch(int nice_incr, int sched) {
  pid_t tid = (pid_t)syscall(SYS_gettid);
  int rc = 0;
  if (nice_incr > 0) {
    errno = 0;
    int cur = getpriority(PRIO_PROCESS, (id_t)tid);
    int want = cur + nice_incr > 19 ? 19 : cur + nice_incr;
    if (errno || (want != cur && setpriority(PRIO_PROCESS, (id_t)tid, want)))
      rc = MWX_EIO;
  }
  if (sched == MWX_NODE_BATCH_BATCH || sched == MWX_NODE_BATCH_IDLE) {
    struct sched_param sp = {0};
    if (pthread_setschedparam(pthread_self(), sched == MWX_NODE_BATCH_IDLE ? SCHED_IDLE : SCHED_BATCH, &sp))
      rc = MWX_EIO;
  }
  return rc;
}
