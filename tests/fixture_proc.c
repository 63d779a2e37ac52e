/*
 * fixture_proc.c - test fixture: forked nodes and bounded waits
 * (fixture_proc.h).  Used by tests/test_net.c, test_node_instances.c and
 * test_node_replay.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture_proc.h"

pid_t fx_spawn(int (*fn)(void *), void *arg) {
  fflush(NULL);
  pid_t p = fork();
  if (p == 0) {
    int rc = fn(arg);
    fflush(NULL);
    exit(rc);
  }
  return p;
}

int fx_wait_all(const pid_t *pids, int n, int timeout_s) {
  int bad = 0, left = n;
  int done[16] = {0};
  if (n > 16)
    return n;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++)
    if (pids[i] < 0) {
      fprintf(stderr, "node %d was not started (fork failed)\n", i);
      done[i] = 1;
      left--;
      bad++;
    }
  while (left > 0) {
    for (int i = 0; i < n; i++) {
      int st;
      if (done[i] || waitpid(pids[i], &st, WNOHANG) != pids[i])
        continue;
      done[i] = 1;
      left--;
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "node %d (pid %d) failed: %s %d\n", i, (int)pids[i],
                WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        bad++;
      }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (left > 0 && now.tv_sec - t0.tv_sec > timeout_s) {
      for (int i = 0; i < n; i++)
        if (!done[i]) {
          fprintf(stderr, "node %d (pid %d) timed out\n", i, (int)pids[i]);
          kill(pids[i], SIGKILL);
          waitpid(pids[i], NULL, 0);
          bad++;
        }
      break;
    }
    usleep(10000);
  }
  return bad;
}

void fx_stop(pid_t p) {
  if (p <= 0)
    return;
  kill(p, SIGKILL);
  waitpid(p, NULL, 0);
}
