/*
 * cmd_account.c - mwx account: the operators of a node's web picture.
 *
 *   mwx account add NAME --file ACCOUNTS --role viewer|release_officer
 *   mwx account passwd NAME --file ACCOUNTS
 *   mwx account remove NAME --file ACCOUNTS
 *   mwx account list --file ACCOUNTS
 *
 * The password is read from standard input (one line; at a terminal it is
 * asked for without echo, twice).  A running mwxd rereads the file when it
 * changes: no restart.  Logic in src/cop/account.c (mwx/cop.h).
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mwx/cop.h"
#include "mwx/error.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx account add NAME --file ACCOUNTS --role viewer|release_officer\n"
             "       mwx account passwd NAME --file ACCOUNTS\n"
             "       mwx account remove NAME --file ACCOUNTS\n"
             "       mwx account list --file ACCOUNTS\n"
             "  the password is read from standard input (at a terminal: asked twice, not echoed);\n"
             "  a running mwxd picks up every change without a restart\n");
}

/* One line from stdin into buf (newline removed).  -1 on EOF/too long. */
static int read_line(const char *prompt, char *buf, size_t cap) {
  int tty = isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty) {
    fprintf(stderr, "%s", prompt);
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  char *r = fgets(buf, (int)cap, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
  }
  if (!r)
    return -1;
  size_t n = strlen(buf);
  if (n && buf[n - 1] == '\n')
    buf[--n] = 0;
  else if (n == cap - 1)
    return -1;
  if (n && buf[n - 1] == '\r')
    buf[--n] = 0;
  return 0;
}

static int get_password(char *pw, size_t cap) {
  if (read_line("password: ", pw, cap)) {
    fprintf(stderr, "mwx account: no password on standard input (or longer than %d bytes)\n", MWX_COP_PASSWORD_MAX);
    return -1;
  }
  if (isatty(STDIN_FILENO)) {
    char again[MWX_COP_PASSWORD_MAX + 2];
    if (read_line("again: ", again, sizeof again) || strcmp(pw, again)) {
      fprintf(stderr, "mwx account: the two passwords differ\n");
      return -1;
    }
  }
  return 0;
}

static void print_account(void *ctx, const mwx_cop_account_info *a) {
  (void)ctx;
  char when[40] = "-";
  time_t t = (time_t)a->changed_unix_s;
  struct tm tm;
  if (t && gmtime_r(&t, &tm))
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  printf("%-16s %-32s password changed %s\n", mwx_cop_role_name(a->role), a->name, when);
}

int mwx_cmd_account(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *sub = argv[1], *name = NULL, *file = NULL, *role_s = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--file") && i + 1 < argc)
      file = argv[++i];
    else if (!strcmp(argv[i], "--role") && i + 1 < argc)
      role_s = argv[++i];
    else if (argv[i][0] != '-' && !name)
      name = argv[i];
    else
      return mwx_cmd_usage_error("account", help, "unexpected argument '%s'", argv[i]);
  }
  if (!file)
    return mwx_cmd_usage_error("account", help, "%s needs --file ACCOUNTS", sub);
  int list = !strcmp(sub, "list");
  if (!list && strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "remove"))
    return mwx_cmd_usage_error("account", help, "unknown subcommand '%s'", sub);
  if (!list && !name)
    return mwx_cmd_usage_error("account", help, "%s needs a NAME", sub);
  int rc;
  if (list)
    rc = mwx_cop_account_list(file, print_account, NULL);
  else if (!strcmp(sub, "remove"))
    rc = mwx_cop_account_remove(file, name);
  else {
    mwx_cop_role role = MWX_COP_VIEWER;
    if (!strcmp(sub, "add")) {
      if (!role_s)
        return mwx_cmd_usage_error("account", help, "add needs --role viewer|release_officer%s", "");
      if (mwx_cop_role_parse(role_s, &role))
        return mwx_cmd_usage_error("account", help, "bad role '%s'", role_s);
    }
    if ((rc = mwx_cop_name_check(name))) {
      mwx_cmd_report("account", rc);
      return 2;
    }
    char pw[MWX_COP_PASSWORD_MAX + 2];
    if (get_password(pw, sizeof pw))
      return 2;
    rc = !strcmp(sub, "add") ? mwx_cop_account_add(file, name, role, pw) : mwx_cop_account_passwd(file, name, pw);
    memset(pw, 0, sizeof pw);
  }
  if (rc) {
    mwx_cmd_report("account", rc);
    return rc == MWX_EINVAL || rc == MWX_EEXIST || rc == MWX_ENOTFOUND ? 2 : 1;
  }
  if (!list)
    printf("mwx account: %s %s in %s\n", !strcmp(sub, "add") ? "added" : !strcmp(sub, "remove") ? "removed" : "new password for",
           name, file);
  return 0;
}
