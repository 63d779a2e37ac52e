/*
 * cmd_pki.c - "mwx pki": the coalition PKI from the shell.
 *
 *   mwx pki init DIR --nations KOR,JPN,USA [--force] [--days N]
 *
 * Makes everything DDS Security and the origin signatures need (see
 * include/mwx/pki.h for the layout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/pki.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx pki init DIR --nations KOR,JPN,USA [--force] [--days N]\n"
             "  Makes one identity CA per nation, one coalition permissions CA, a node\n"
             "  certificate and key per nation, the signed governance and permissions\n"
             "  documents and an Ed25519 origin-signing key pair per nation in DIR.\n"
             "  --force  overwrite an existing non-empty DIR\n"
             "  --days   certificate validity in days (default 3650)\n");
}

int mwx_cmd_pki(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "init")) {
    return mwx_cmd_usage_error("pki", help, "unknown operation '%s'", argv[1]);
  }
  const char *dir = NULL, *nations = NULL;
  int force = 0, days = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--nations") && i + 1 < argc)
      nations = argv[++i];
    else if (!strncmp(argv[i], "--nations=", 10))
      nations = argv[i] + 10;
    else if (!strcmp(argv[i], "--force"))
      force = 1;
    else if (!strcmp(argv[i], "--days") && i + 1 < argc) {
      char *end;
      long d = strtol(argv[++i], &end, 10);
      if (*end || d <= 0 || d > 36500) {
        fprintf(stderr, "mwx pki: --days: '%s' is not a number of days (1..36500)\n", argv[i]);
        return 2;
      }
      days = (int)d;
    } else if (argv[i][0] == '-') {
      return mwx_cmd_usage_error("pki", help, "unknown option '%s'", argv[i]);
    } else if (!dir)
      dir = argv[i];
    else {
      fprintf(stderr, "mwx pki: unexpected argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (!dir || !nations) {
    fprintf(stderr, "mwx pki: init needs DIR and --nations\n");
    help(stderr);
    return 2;
  }
  int rc = mwx_pki_init(dir, nations, force, days);
  if (rc) {
    mwx_cmd_report("pki", rc);
    return rc == MWX_EINVAL || rc == MWX_EEXIST ? 2 : 1;
  }
  printf("mwx pki: made the PKI of %s in %s\n", nations, dir);
  return 0;
}
