/*
 * cmd_net.c - "mwx net": the coalition network from the shell.
 *
 *   mwx net publish --config FILE --count N [--rel CODES] [--wait-partner NAT] [--timeout S]
 *       publishes N signed test tracks, waits for the readers' acknowledgements
 *   mwx net listen --config FILE [--count N] [--timeout S]
 *       prints every event; exits 0 once N samples were accepted (or at the
 *       timeout when no count is given), 1 if the timeout comes first
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/net.h"
#include "mwx/text.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx net publish --config FILE --count N [--rel CODES] [--wait-partner NAT] [--timeout S]\n"
             "       mwx net listen --config FILE [--count N] [--timeout S]\n");
}

static void print_event(void *ctx, const mwx_net_event *ev) {
  long *accepted = ctx;
  char line[512], esc[4 * sizeof line];
  mwx_net_event_format(ev, line, sizeof line);
  printf("%s\n", mwx_text_escape(line, esc, sizeof esc)); /* a partner's ids: one plain line */
  fflush(stdout);
  if (ev->kind == MWX_NET_EV_ACCEPTED)
    (*accepted)++;
}

int mwx_cmd_net(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *op = argv[1], *config = NULL, *rel = NULL, *partner = NULL;
  long count = -1, timeout_s = 30;
  for (int i = 2; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--config") && v)
      config = argv[++i];
    else if (!strcmp(argv[i], "--rel") && v)
      rel = argv[++i];
    else if (!strcmp(argv[i], "--wait-partner") && v)
      partner = argv[++i];
    else if ((!strcmp(argv[i], "--count") || !strcmp(argv[i], "--timeout")) && v) {
      /* count: at most 1e9 samples; timeout: at most a week (ns stay in int64) */
      int is_count = !strcmp(argv[i], "--count");
      int64_t x;
      if (mwx_cmd_arg_i64("net", argv[i], v, 0, is_count ? 1000000000 : 604800, &x))
        return 2;
      *(is_count ? &count : &timeout_s) = (long)x;
      i++;
    } else {
      return mwx_cmd_usage_error("net", help, "bad argument '%s'", argv[i]);
    }
  }
  if (!config || (strcmp(op, "publish") && strcmp(op, "listen")) || (!strcmp(op, "publish") && count < 0)) {
    help(stderr);
    return 2;
  }
  mwx_net_config cfg;
  mwx_net *n;
  int rc = mwx_net_config_load(config, &cfg);
  if (rc) {
    mwx_cmd_report("net", rc);
    return 2;
  }
  if ((rc = mwx_net_open(&cfg, &n))) {
    mwx_cmd_report("net", rc);
    return 1;
  }
  int64_t timeout_ns = timeout_s * 1000000000ll;
  int status = 0;
  if (!strcmp(op, "publish")) {
    mwx_msg m;
    char part[MWX_PKI_PARTITION_LEN];
    if (partner && ((rc = mwx_net_test_track(n, 0, 0, rel, &m)) || (rc = mwx_net_partition_of(&m.mark, part, sizeof part)) ||
                    (rc = mwx_net_wait_reader(n, 0, part, partner, timeout_ns)))) {
      mwx_cmd_report("net", rc);
      status = 1;
    }
    for (long i = 1; i <= count && !status; i++) {
      if ((rc = mwx_net_test_track(n, (uint32_t)i, (uint64_t)i, rel, &m)) || (rc = mwx_net_sign_publish(n, &m))) {
        mwx_cmd_report("net", rc);
        status = 1;
      } else
        printf("PUBLISHED topic=Track seq=%ld id=%s\n", i, m.u.track.local_track_id);
    }
    if (!status && (rc = mwx_net_wait_acks(n, timeout_ns))) {
      mwx_cmd_report("net", rc);
      status = 1;
    }
  } else {
    long accepted = 0;
    int64_t end = mwx_net_now_ns() + timeout_ns;
    while ((count < 0 || accepted < count) && mwx_net_now_ns() < end)
      if ((rc = mwx_net_poll(n, 50000000ll, print_event, &accepted)) < 0) {
        mwx_cmd_report("net", rc);
        status = 1;
        break;
      }
    if (!status && count >= 0 && accepted < count) {
      fprintf(stderr, "mwx net: accepted %ld of %ld samples before the timeout\n", accepted, count);
      status = 1;
    }
  }
  mwx_net_close(n);
  return status;
}
