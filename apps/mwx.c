/*
 * mwx.c - the mwx command line: dispatches to apps/cmd_<name>.c.
 */
#include <stdio.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx_cmd.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *help;
};

static const struct command commands[] = {
    {"geo", mwx_cmd_geo, "geodetic/ECEF conversions and geodesics on WGS-84"},
    {"pki", mwx_cmd_pki, "make the coalition PKI (DDS Security, origin keys)"},
    {"net", mwx_cmd_net, "coalition network: publish test samples, listen"},
};

void mwx_cmd_report(const char *cmd, int rc) {
  const char *msg = mwx_error_msg();
  fprintf(stderr, "mwx %s: %s\n", cmd, (msg && *msg) ? msg : mwx_strerror(rc));
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
