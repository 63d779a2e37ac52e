/*
 * cmd_pki.c - "mwx pki": the coalition PKI from the shell.
 *
 *   mwx pki init DIR --nations KOR,JPN,USA [--force] [--days N]
 *   mwx pki reissue DIR --nation KOR [--days N]
 *   mwx pki revoke DIR --nation KOR [--origin]
 *   mwx pki web-cert DIR --nation NAT [--hosts H1,H2] [--days N]
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
             "       mwx pki reissue DIR --nation KOR [--days N]\n"
             "       mwx pki revoke DIR --nation KOR [--origin]\n"
             "  init makes the coalition identity CA (it issues every node certificate),\n"
             "  the coalition permissions CA, a node certificate and key per nation, the\n"
             "  signed governance and permissions documents and an Ed25519 origin-signing\n"
             "  key pair per nation in DIR.  reissue renews one nation's node certificate\n"
             "  (new key) and permissions with the CA keys in DIR/ca.  revoke adds the\n"
             "  nation's current node certificate to DIR/identity_crl.pem; running nodes\n"
             "  using DIR pick the list up within a second.  --origin revokes the\n"
             "  nation's origin-signing key instead (DIR/origin_revoked.p7s, signed by\n"
             "  the permissions CA): nodes drop samples signed with it.\n"
             "  --force  overwrite an existing non-empty DIR\n"
             "  --days   node certificate and permissions validity in days (default %d,\n"
             "           at most %d; CAs: %d days; see docs/security.md)\n"
             "       mwx pki web-cert DIR --nation NAT [--hosts H1,H2] [--days N]\n"
             "  (Re)makes NAT's HTTPS certificate for the web picture (DIR/NAT/web.pem,\n"
             "  web.key, web_ca.pem; init makes one for localhost, 127.0.0.1, ::1);\n"
             "  --days at most and by default %d (the CA/Browser Forum's ceiling)\n",
          MWX_PKI_NODE_DAYS, MWX_PKI_MAX_DAYS, MWX_PKI_CA_DAYS, MWX_PKI_WEB_MAX_DAYS);
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define WEB_MAX_DAYS_STR STR(MWX_PKI_WEB_MAX_DAYS)

/* mwx pki web-cert: a separate small command over mwx_pki_web_cert. */
static int web_cert(int argc, char **argv) {
  const char *dir = NULL, *nation = NULL, *hosts = NULL;
  long days = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--nation") && i + 1 < argc)
      nation = argv[++i];
    else if (!strcmp(argv[i], "--hosts") && i + 1 < argc)
      hosts = argv[++i];
    else if (!strcmp(argv[i], "--days") && i + 1 < argc) {
      char *end;
      days = strtol(argv[++i], &end, 10);
      if (*end || days <= 0 || days > MWX_PKI_WEB_MAX_DAYS)
        return mwx_cmd_usage_error("pki", help, "--days: '%s' is not a number of days (1.." WEB_MAX_DAYS_STR ")",
                                   argv[i]);
    } else if (argv[i][0] != '-' && !dir)
      dir = argv[i];
    else
      return mwx_cmd_usage_error("pki", help, "unexpected argument '%s'", argv[i]);
  }
  if (!dir || !nation)
    return mwx_cmd_usage_error("pki", help, "web-cert needs DIR and --nation%s", "");
  int rc = mwx_pki_web_cert(dir, nation, hosts, (int)days);
  if (rc) {
    mwx_cmd_report("pki", rc);
    return rc == MWX_EINVAL ? 2 : 1;
  }
  printf("mwx pki: made %s/%s/web.pem (hosts %s)\n", dir, nation, hosts ? hosts : "localhost,127.0.0.1,::1");
  return 0;
}

int mwx_cmd_pki(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "web-cert"))
    return web_cert(argc, argv);
  if (strcmp(argv[1], "init") && strcmp(argv[1], "reissue") && strcmp(argv[1], "revoke")) {
    return mwx_cmd_usage_error("pki", help, "unknown operation '%s'", argv[1]);
  }
  int reissue = !strcmp(argv[1], "reissue"), revoke = !strcmp(argv[1], "revoke");
  const char *dir = NULL, *nations = NULL, *nation = NULL;
  int force = 0, days = 0, origin = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--nations") && i + 1 < argc)
      nations = argv[++i];
    else if (!strncmp(argv[i], "--nations=", 10))
      nations = argv[i] + 10;
    else if (!strcmp(argv[i], "--nation") && i + 1 < argc)
      nation = argv[++i];
    else if (!strcmp(argv[i], "--force"))
      force = 1;
    else if (!strcmp(argv[i], "--origin") && revoke)
      origin = 1;
    else if (!strcmp(argv[i], "--days") && i + 1 < argc) {
      char *end;
      long d = strtol(argv[++i], &end, 10);
      if (*end || d <= 0 || d > MWX_PKI_MAX_DAYS) {
        fprintf(stderr, "mwx pki: --days: '%s' is not a number of days 1..%d (longer than ten years is refused)\n",
                argv[i], MWX_PKI_MAX_DAYS);
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
  if (revoke) {
    if (!dir || !nation) {
      fprintf(stderr, "mwx pki: revoke needs DIR and --nation\n");
      help(stderr);
      return 2;
    }
    int rc = origin ? mwx_pki_revoke_origin(dir, nation) : mwx_pki_revoke(dir, nation);
    if (rc) {
      mwx_cmd_report("pki", rc);
      return rc == MWX_EINVAL || rc == MWX_EEXIST ? 2 : 1;
    }
    if (origin)
      printf("mwx pki: revoked %s's origin key (%s/origin_revoked.p7s)\n", nation, dir);
    else
      printf("mwx pki: revoked %s's node certificate (%s/identity_crl.pem)\n", nation, dir);
    return 0;
  }
  if (reissue) {
    if (!dir || !nation) {
      fprintf(stderr, "mwx pki: reissue needs DIR and --nation\n");
      help(stderr);
      return 2;
    }
    int rc = mwx_pki_reissue(dir, nation, -3600, (long)(days > 0 ? days : MWX_PKI_NODE_DAYS) * 86400L);
    if (rc) {
      mwx_cmd_report("pki", rc);
      return rc == MWX_EINVAL ? 2 : 1;
    }
    printf("mwx pki: reissued %s's node certificate and permissions in %s\n", nation, dir);
    return 0;
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
