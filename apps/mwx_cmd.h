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
 * ISO-8601 UTC ("2026-11-28T11:00:00Z", fraction optional). */
int mwx_cmd_parse_time(const char *s, int64_t *ns);
/* Formats ns as ISO-8601 UTC with milliseconds into buf. */
void mwx_cmd_format_time(int64_t ns, char buf[40]);

/* Prints "mwx <cmd>: <what>: <mwx_error_msg() or mwx_strerror(rc)>" on stderr. */
void mwx_cmd_report(const char *cmd, int rc);

/* Parses s as an unsigned decimal integer (no sign, nothing after it, in
 * range) into *v.  Returns 0, or -1 with *v unchanged. */
int mwx_cmd_parse_u64(const char *s, uint64_t *v);

/* Prints "mwx <cmd>: " then fmt with arg on stderr, a newline and the
 * command's help; returns 2, the exit status of bad usage. */
int mwx_cmd_usage_error(const char *cmd, void (*help)(FILE *f), const char *fmt, const char *arg);

#endif
