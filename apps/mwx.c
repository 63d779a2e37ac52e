/*
 * mwx.c - the mwx command line: dispatches to apps/cmd_<name>.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/text.h"
#include "mwx_cmd.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *help;
};

static const struct command commands[] = {
    {"audit", mwx_cmd_audit, "verify and show the node's hash-chained journal"},
    {"demo", mwx_cmd_demo, "the three-nation scenario: trajectory, sensors, tracking, release, network"},
    {"geo", mwx_cmd_geo, "geodetic/ECEF conversions and geodesics on WGS-84"},
    {"net", mwx_cmd_net, "coalition network: publish test samples, listen"},
    {"pki", mwx_cmd_pki, "make the coalition PKI (DDS Security, origin keys)"},
    {"release", mwx_cmd_release, "manual release queue (list/approve/deny), policy check"},
    {"replay", mwx_cmd_replay, "what sharing is worth: each nation's fused picture alone, bilateral, shared"},
    {"run", mwx_cmd_run, "one nation's whole pipeline offline: sensors, tracking, release, journal"},
    {"sim", mwx_cmd_sim, "run a scenario: sensor plots, truth and a visibility table"},
    {"traj", mwx_cmd_traj, "missile trajectory fitted to a published apogee and range"},
    {"track", mwx_cmd_track, "track a scenario's plots and score the warning timeline"},
};

void mwx_cmd_report(const char *cmd, int rc) {
  const char *msg = mwx_error_msg();
  fprintf(stderr, "mwx %s: %s\n", cmd, (msg && *msg) ? msg : mwx_strerror(rc));
}

int mwx_cmd_parse_u64(const char *s, uint64_t *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (!*s || *end || errno || *s == '-') return -1;
  *v = (uint64_t)x;
  return 0;
}

int mwx_cmd_arg_i64(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *v) {
  if (mwx_text_parse_i64(s, lo, hi, opt, v)) {
    fprintf(stderr, "mwx %s: %s\n", cmd, mwx_error_msg());
    return 2;
  }
  return 0;
}

int mwx_cmd_arg_f64(const char *cmd, const char *opt, const char *s, double lo, double hi, double *v) {
  if (mwx_text_parse_f64(s, lo, hi, opt, v)) {
    fprintf(stderr, "mwx %s: %s\n", cmd, mwx_error_msg());
    return 2;
  }
  return 0;
}

int mwx_cmd_check_journal_file(const char *path) {
  char e[256];
  if (!path) return mwx_error_set(MWX_EINVAL, "no journal given");
  mwx_text_escape(path, e, sizeof e);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return mwx_error_set(MWX_EIO, "%s: no such journal (%s)", e, strerror(errno));
  struct stat st;
  char head[16];
  int ok = fstat(fd, &st) == 0, reg = ok && S_ISREG(st.st_mode);
  ssize_t n = reg ? read(fd, head, sizeof head) : -1;
  close(fd);
  if (!reg)
    return mwx_error_set(MWX_EIO, "%s: not a journal (%s)", e,
                         ok && S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
  if (n != (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0)
    return mwx_error_set(MWX_EINVAL, "%s: not a journal (%s)", e, n == 0 ? "an empty file" : "no SQLite header");
  return 0;
}

int mwx_cmd_usage_error(const char *cmd, void (*help)(FILE *f), const char *fmt, const char *arg) {
  fprintf(stderr, "mwx %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  help(stderr);
  return 2;
}

int mwx_cmd_parse_time(const char *s, int64_t *ns) {
  if (!s || !*s) return mwx_error_set(MWX_EINVAL, "empty time");
  const char *p = s + (*s == '-');
  char e[64];
  if (*p && strspn(p, "0123456789") == strlen(p)) {
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno) return mwx_error_set(MWX_ERANGE, "time '%s' is outside what int64 nanoseconds hold", s);
    *ns = v;
    return 0;
  }
  if (strlen(s) > 40)
    return mwx_error_set(MWX_EINVAL, "time '%s...' is too long for a time", mwx_text_escape(s, e, 24));
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  int n = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
             &tm.tm_sec, &n) != 6 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    goto bad;
  long long frac = 0;
  const char *q = s + n;
  if (*q == '.') {
    int digits = 0;
    for (q++; *q >= '0' && *q <= '9'; q++, digits++)
      if (digits < 9) frac = frac * 10 + (*q - '0');
    if (digits == 0) goto bad;
    for (; digits < 9; digits++) frac *= 10;
  }
  if (!((q[0] == 'Z' && q[1] == 0) || q[0] == 0)) goto bad;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  /* int64 ns reach from 1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z */
  if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
    goto range;
  if ((long long)t > (INT64_MAX - frac) / 1000000000ll || (long long)t < INT64_MIN / 1000000000ll + 1)
    goto range;
  *ns = (int64_t)t * 1000000000ll + frac;
  return 0;
range:
  return mwx_error_set(MWX_ERANGE, "time '%s' is outside 1677-09-22 .. 2262-04-11 (int64 nanoseconds)",
                       mwx_text_escape(s, e, sizeof e));
bad:
  return mwx_error_set(MWX_EINVAL, "time '%s' is neither nanoseconds since 1970 nor ISO-8601 UTC (2026-11-28T11:00:00Z)",
                       mwx_text_escape(s, e, sizeof e));
}

void mwx_cmd_format_time(int64_t ns, char buf[40]) {
  int64_t sec = ns / 1000000000ll, frac = ns % 1000000000ll;
  if (frac < 0) {
    frac += 1000000000ll;
    sec--;
  }
  time_t t = (time_t)sec;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(buf, 40, "%lld", (long long)ns);
    return;
  }
  char d[24];
  strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, 40, "%s.%03dZ", d, (int)(frac / 1000000));
}

static void usage(FILE *f) {
  fprintf(f, "usage: mwx <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "\n'mwx <command> --help' describes a command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("mwx %s\n", MWX_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "mwx: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
