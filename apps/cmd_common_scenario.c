/*
 * cmd_common_scenario.c - the argument parsing shared by the commands that
 * run a scenario (mwx_cmd.h mwx_cmd_scenario_parse): SCENARIO.json, --help,
 * --json, --seed N, plus each command's own options from a table.
 */
#include <string.h>

#include "mwx_cmd.h"

int mwx_cmd_scenario_parse(const char *cmd, void (*help)(FILE *f), int argc, char **argv,
                           const mwx_cmd_option *opts, size_t n_opts, void *ctx, mwx_cmd_scenario_args *a) {
  memset(a, 0, sizeof *a);
  a->seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      help(stdout);
      a->help = 1;
      return 0;
    }
    if (!strcmp(s, "--json")) {
      a->json = 1;
      continue;
    }
    if (!strcmp(s, "--seed")) {
      if (i + 1 >= argc)
        return mwx_cmd_usage_error(cmd, help, "%s needs a value", s);
      if (mwx_cmd_parse_u64(argv[++i], &a->seed))
        return mwx_cmd_usage_error(cmd, help, "--seed: '%s' is not an unsigned integer", argv[i]);
      continue;
    }
    size_t k = 0;
    while (k < n_opts && strcmp(opts[k].name, s))
      k++;
    if (k < n_opts) {
      const char *v = NULL;
      if (opts[k].has_value) {
        if (i + 1 >= argc)
          return mwx_cmd_usage_error(cmd, help, "%s needs a value", s);
        v = argv[++i];
      }
      int rc = opts[k].fn(ctx, s, v);
      if (rc)
        return rc;
    } else if (s[0] == '-' && s[1]) {
      return mwx_cmd_usage_error(cmd, help, "unknown option '%s'", s);
    } else if (!a->path) {
      a->path = s;
    } else {
      return mwx_cmd_usage_error(cmd, help, "unexpected argument '%s'", s);
    }
  }
  if (!a->path)
    return mwx_cmd_usage_error(cmd, help, "%s", "missing SCENARIO.json");
  return 0;
}
