/*
 * mwx_cmd.h - the subcommands of the mwx command line.  Each lives in its own
 * apps/cmd_<name>.c and is a thin layer over the library: parse arguments,
 * call the library, print.  Each returns the process exit status (0 ok,
 * 1 failure, 2 bad usage) and reports errors on stderr as
 * "mwx <cmd>: <message>".
 */
#ifndef MWX_CMD_H
#define MWX_CMD_H

#include <stdint.h>
#include <stdio.h>

int mwx_cmd_account(int argc, char **argv);
int mwx_cmd_audit(int argc, char **argv);
int mwx_cmd_demo(int argc, char **argv);
int mwx_cmd_geo(int argc, char **argv);
int mwx_cmd_pki(int argc, char **argv);
int mwx_cmd_net(int argc, char **argv);
int mwx_cmd_release(int argc, char **argv);
int mwx_cmd_replay(int argc, char **argv);
int mwx_cmd_run(int argc, char **argv);
int mwx_cmd_sim(int argc, char **argv);
int mwx_cmd_traj(int argc, char **argv);
int mwx_cmd_track(int argc, char **argv);

/* Parses a time given as integer nanoseconds since the Unix epoch or as
 * ISO-8601 UTC ("2026-11-28T11:00:00Z", fraction optional), within what int64
 * nanoseconds hold (1677-09-21 .. 2262-04-11); MWX_EINVAL / MWX_ERANGE with
 * a message quoting the text. */
int mwx_cmd_parse_time(const char *s, int64_t *ns);
/* Formats ns as ISO-8601 UTC with milliseconds into buf. */
void mwx_cmd_format_time(int64_t ns, char buf[40]);

/* Checks that path names an existing journal: a regular file that begins
 * with SQLite's 16-byte header "SQLite format 3\0".  A command that works on
 * an existing journal calls it before mwx_journal_open, which would turn an
 * empty or missing file into a new journal.  MWX_EIO (missing, a directory,
 * unreadable) or MWX_EINVAL (not a journal) with a message naming path. */
int mwx_cmd_check_journal_file(const char *path);

/* Prints "mwx <cmd>: <what>: <mwx_error_msg() or mwx_strerror(rc)>" on stderr. */
void mwx_cmd_report(const char *cmd, int rc);

/* Parses s as an unsigned decimal integer (no sign, nothing after it, in
 * range) into *v.  Returns 0, or -1 with *v unchanged. */
int mwx_cmd_parse_u64(const char *s, uint64_t *v);

/* The one way a command reads a numeric option value: s (the text after
 * option opt) as a whole number / a finite decimal number within [lo, hi]
 * (mwx_text_parse_i64 / _f64 of mwx/text.h: no overflow, no inf or nan).
 * On error prints "mwx <cmd>: <opt>: <text> is outside lo..hi" (or "is not
 * a number") on stderr and returns 2, the exit status of bad usage; 0 on
 * success with *v set. */
int mwx_cmd_arg_i64(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *v);
int mwx_cmd_arg_f64(const char *cmd, const char *opt, const char *s, double lo, double hi, double *v);

/* Prints "mwx <cmd>: " then fmt with arg on stderr, a newline and the
 * command's help; returns 2, the exit status of bad usage. */
int mwx_cmd_usage_error(const char *cmd, void (*help)(FILE *f), const char *fmt, const char *arg);

/* ---- scenario commands (apps/cmd_common_scenario.c) ----
 * The argument shape of the commands that run a scenario (mwx replay, and
 * mwx track can use it): one positional SCENARIO.json, --help/-h, --json,
 * --seed N, and the command's own options in a table.  An option with
 * has_value takes the next argument; fn returns 0, or 2 after
 * mwx_cmd_usage_error (its message names the option and value). */
typedef struct mwx_cmd_option {
  const char *name;                                  /* "--topology" */
  int has_value;
  int (*fn)(void *ctx, const char *opt, const char *value); /* value NULL without has_value */
} mwx_cmd_option;

typedef struct mwx_cmd_scenario_args {
  const char *path; /* SCENARIO.json */
  uint64_t seed;    /* default 1 */
  int json;
  int help;         /* --help was given (printed on stdout): exit 0 */
} mwx_cmd_scenario_args;

/* Parses argv[1..argc) into *a (defaults first) and the command's options.
 * Returns 0 (a->help set if help was printed), or 2 (bad usage: printed with
 * the help on stderr). */
int mwx_cmd_scenario_parse(const char *cmd, void (*help)(FILE *f), int argc, char **argv,
                           const mwx_cmd_option *opts, size_t n_opts, void *ctx, mwx_cmd_scenario_args *a);

#endif
