/*
 * mwx_cmd.h - the subcommands of the mwx command line.  Each lives in its own
 * apps/cmd_<name>.c and is a thin layer over the library: parse arguments,
 * call the library, print.  Each returns the process exit status (0 ok,
 * 1 failure, 2 bad usage) and reports errors on stderr as
 * "mwx <cmd>: <message>".
 */
#ifndef MWX_CMD_H
#define MWX_CMD_H

int mwx_cmd_geo(int argc, char **argv);
int mwx_cmd_pki(int argc, char **argv);
int mwx_cmd_net(int argc, char **argv);

/* Prints "mwx <cmd>: <what>: <mwx_error_msg() or mwx_strerror(rc)>" on stderr. */
void mwx_cmd_report(const char *cmd, int rc);

#endif
