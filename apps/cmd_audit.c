/*
 * cmd_audit.c - "mwx audit": the node's journal from the shell.
 *
 *   mwx audit verify DB [--pub PEM] [--head ID:HASH]
 *       walks the hash chain; exit 0 and "ok: N records, chain intact", or
 *       exit 1 naming the first broken record and why.  With --pub, the
 *       head seal must also verify under that Ed25519 public key.  With
 *       --head (as printed earlier by "mwx audit head" and kept off the
 *       node), record ID must still be in the chain with that hash: this
 *       catches a rollback or rewrite that a local check cannot.
 *   mwx audit verify DB [--pub PEM] --head-from-partner PARTNER_DB|HEAD.json
 *       the same against the head a partner holds: the newest NodeStatus of
 *       DB's nation journaled in the partner's journal PARTNER_DB (each
 *       NodeStatus carries its node's last sealed journal head; with --pub
 *       only those whose signature verifies count), or a file
 *       {"head_id": N, "head_hash": "64 hex digits"}.  A journal rolled back
 *       to an earlier genuine state (its seal valid) fails here.
 *   mwx audit head DB
 *       prints the current head as ID:HASH (hex SHA-256) for keeping
 *       elsewhere.
 *   mwx audit show DB [--since T] [--kind KIND] [--json]
 *       prints records (T: ns since 1970 or ISO-8601 UTC; KIND: plot, track,
 *       release, sample, sigfail, alert); --json prints one object a line.
 *
 * Both open the database read-only: auditing never writes.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/json.h"
#include "mwx/msg.h"
#include "mwx_cmd.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: mwx audit verify DB [--pub PUBLIC_KEY.pem] [--head ID:HASH | --head-from-partner PARTNER_DB|HEAD.json]\n"
          "       mwx audit head DB\n"
          "       mwx audit show DB [--since T] [--kind KIND] [--json]\n"
          "  T: nanoseconds since 1970-01-01 UTC, or ISO-8601 UTC (2026-11-28T11:00:00Z)\n"
          "  KIND: plot, track, release, sample, sigfail, alert\n");
}

static int open_db(const char *path, mwx_journal **j) {
  if (access(path, R_OK) != 0) return mwx_error_set(MWX_EIO, "%s: no such journal (or not readable)", path);
  int rc = mwx_cmd_check_journal_file(path); /* never make a journal of an empty file */
  if (rc) return rc;
  mwx_journal_options o = {MWX_JOURNAL_SYNC_FULL, 1, NULL};
  return mwx_journal_open(path, &o, j);
}

static void hex32(const uint8_t h[32], char out[65]) {
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Parses ID:HASH (decimal id, 64 hex digits). */
static int parse_head(const char *s, uint64_t *id, char hash[65]) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
  if (!end || errno || end == s || *end != ':' || strlen(end + 1) != 64 || strspn(end + 1, "0123456789abcdef") != 64 || v == 0)
    return mwx_error_set(MWX_EINVAL, "--head '%s' is not ID:HASH (as printed by 'mwx audit head')", s);
  *id = v;
  memcpy(hash, end + 1, 65);
  return 0;
}

typedef struct partner_ctx {
  char nation[MWX_NATION_LEN];
  const mwx_msg_key *pub;
  uint64_t id;
  uint8_t hash[32];
  int found;
} partner_ctx;

static int partner_fn(const mwx_journal_record *r, void *vc) {
  partner_ctx *c = vc;
  if (!r->has_msg || r->msg.topic != MWX_TOPIC_STATUS || strncmp(r->msg.mark.originator, c->nation, 3) ||
      strncmp(r->msg.u.status.nation, c->nation, 3))
    return 0;
  if (c->pub && mwx_msg_verify(&r->msg, c->pub) != 0) {
    mwx_error_clear();
    return 0;
  }
  if (!c->found || r->msg.u.status.journal_head_id >= c->id) {
    c->id = r->msg.u.status.journal_head_id;
    memcpy(c->hash, r->msg.u.status.journal_head_hash, 32);
    c->found = 1;
  }
  return 0;
}

/* The head a partner holds for nation: from its journal, or a JSON file. */
static int partner_head(const char *path, const char nation[MWX_NATION_LEN], const mwx_msg_key *pub, uint64_t *id,
                        char hash[65]) {
  FILE *f = fopen(path, "rb");
  if (!f) return mwx_error_set(MWX_EIO, "%s: cannot open", path);
  char magic[16] = {0};
  size_t n = fread(magic, 1, sizeof magic, f);
  fclose(f);
  int rc;
  if (n == 16 && !memcmp(magic, "SQLite format 3", 16)) {
    if (!nation[0]) return mwx_error_set(MWX_EINVAL, "--head-from-partner: the journal verified names no owner nation");
    mwx_journal *pj = NULL;
    if ((rc = open_db(path, &pj))) return rc;
    partner_ctx c;
    memset(&c, 0, sizeof c);
    memcpy(c.nation, nation, MWX_NATION_LEN);
    c.pub = pub;
    rc = mwx_journal_query(pj, INT64_MIN, MWX_JOURNAL_SAMPLE, partner_fn, &c);
    mwx_journal_close(pj);
    if (rc) return rc;
    if (!c.found)
      return mwx_error_set(MWX_ENOTFOUND, "%s: no NodeStatus of %.3s%s in this journal", path, nation,
                           pub ? " signed by the given key" : "");
    *id = c.id;
    for (int i = 0; i < 32; i++) snprintf(hash + 2 * i, 3, "%02x", c.hash[i]);
    return 0;
  }
  json_t *o = NULL;
  static const char *const keys[] = {"head_id", "head_hash", "nation", NULL};
  const char *h = NULL;
  int64_t v = 0;
  if ((rc = mwx_json_load_file(path, 4096, &o))) return rc;
  if (!(rc = mwx_json_check_keys(o, keys, path)) && !(rc = mwx_json_get_int(o, "head_id", 0, INT64_MAX, path, &v)) &&
      !(rc = mwx_json_get_str(o, "head_hash", path, &h))) {
    if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
      rc = mwx_error_set(MWX_EINVAL, "%s: head_hash must be 64 lower-case hex digits", path);
    else {
      *id = (uint64_t)v;
      memcpy(hash, h, 65);
    }
  }
  json_decref(o);
  return rc;
}

static int cmd_head(int argc, char **argv) {
  if (argc != 2 || argv[1][0] == '-') {
    usage(stderr);
    return 2;
  }
  mwx_journal *j = NULL;
  uint64_t id = 0;
  uint8_t h[32];
  int rc = open_db(argv[1], &j);
  if (!rc) rc = mwx_journal_head(j, &id, h);
  mwx_journal_close(j);
  if (rc) {
    mwx_cmd_report("audit", rc);
    return 1;
  }
  char hex[65];
  hex32(h, hex);
  printf("%llu:%s\n", (unsigned long long)id, hex);
  return 0;
}

static int cmd_verify(int argc, char **argv) {
  const char *db = NULL, *pub = NULL, *head = NULL, *partner = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--pub") && i + 1 < argc)
      pub = argv[++i];
    else if (!strcmp(argv[i], "--head") && i + 1 < argc)
      head = argv[++i];
    else if (!strcmp(argv[i], "--head-from-partner") && i + 1 < argc)
      partner = argv[++i];
    else if (argv[i][0] != '-' && !db)
      db = argv[i];
    else {
      return mwx_cmd_usage_error("audit", usage, "unexpected argument '%s'", argv[i]);
    }
  }
  if (!db) {
    usage(stderr);
    return 2;
  }
  if (head && partner) return mwx_cmd_usage_error("audit", usage, "%s", "--head and --head-from-partner exclude each other");
  mwx_msg_key *key = NULL;
  uint64_t head_id = 0;
  char head_hash[65];
  int rc;
  if (head && (rc = parse_head(head, &head_id, head_hash))) {
    mwx_cmd_report("audit", rc);
    return 2;
  }
  if (pub && (rc = mwx_msg_key_load_public(pub, &key))) {
    mwx_cmd_report("audit", rc);
    return 1;
  }
  mwx_journal *j = NULL;
  if ((rc = open_db(db, &j))) {
    mwx_cmd_report("audit", rc);
    mwx_msg_key_free(key);
    return 1;
  }
  if (partner) {
    char nation[MWX_NATION_LEN] = "";
    int owned = 0;
    if (!(rc = mwx_journal_owner(j, nation, NULL, &owned)) && !owned) nation[0] = 0;
    if (!rc) rc = partner_head(partner, nation, key, &head_id, head_hash);
    if (rc) {
      mwx_cmd_report("audit", rc);
      mwx_journal_close(j);
      mwx_msg_key_free(key);
      return 1;
    }
    head = partner;
  }
  mwx_journal_verify_result v;
  rc = mwx_journal_verify(j, key, &v);
  if (rc == 0 && head && head_id > 0) {
    /* the saved head must still be in the chain, unchanged */
    mwx_journal_record *r = malloc(sizeof *r);
    int g = r ? mwx_journal_get(j, head_id, r) : MWX_ENOMEM;
    char now_hex[65] = "";
    if (g == 0) hex32(r->hash, now_hex);
    free(r);
    if (g == MWX_ENOTFOUND || (g == 0 && strcmp(now_hex, head_hash) != 0)) {
      mwx_journal_close(j);
      mwx_msg_key_free(key);
      printf("BROKEN: record %llu: %s the %s head (journal rolled back or rewritten)\n", (unsigned long long)head_id,
             g ? "missing, but named by" : "hash differs from", partner ? "partner's" : "saved");
      return 1;
    }
    if (g) rc = g;
  }
  mwx_journal_close(j);
  mwx_msg_key_free(key);
  if (rc == 0) {
    printf("ok: %llu records, chain intact%s%s%s\n", (unsigned long long)v.records,
           v.sealed == 1 ? ", head seal valid" : v.sealed == 2 ? ", seal valid under the key the journal names (give --pub to check against yours)" : "",
           head ? (partner ? ", partner's head present" : ", saved head present") : "",
           v.sealed && v.sealed_id < v.records ? " (newest records not yet sealed by the node)" : "");
    return 0;
  }
  if (rc == MWX_ECORRUPT) {
    if (v.bad_id)
      printf("BROKEN: record %llu: %s (%llu records before it intact)\n", (unsigned long long)v.bad_id, v.why,
             (unsigned long long)v.records);
    else
      printf("BROKEN: %s (%llu records intact)\n", v.why, (unsigned long long)v.records);
    return 1;
  }
  mwx_cmd_report("audit", rc);
  return 1;
}

typedef struct show_ctx {
  int json;
  unsigned long n;
} show_ctx;

static int show_fn(const mwx_journal_record *r, void *vc) {
  show_ctx *c = vc;
  char t[40], hash[65];
  mwx_cmd_format_time(r->time_ns, t);
  for (int i = 0; i < 32; i++) snprintf(hash + 2 * i, 3, "%02x", r->hash[i]);
  c->n++;
  if (!c->json) {
    printf("%6llu  %s  %-8s %s", (unsigned long long)r->id, t, mwx_journal_kind_name(r->kind), r->payload);
    if (r->ref) printf("  ref=%llu", (unsigned long long)r->ref);
    if (r->has_msg)
      printf("  [%s %.3s seq %llu]", mwx_msg_topic_name((mwx_msg_topic)r->msg.topic), r->msg.mark.originator,
             (unsigned long long)r->msg.mark.seq);
    printf("\n");
    return 0;
  }
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer((json_int_t)r->id));
  json_object_set_new(o, "time_ns", json_integer(r->time_ns));
  json_object_set_new(o, "time", json_string(t));
  json_object_set_new(o, "kind", json_string(mwx_journal_kind_name(r->kind)));
  json_t *p = NULL;
  if (mwx_json_load_text(r->payload, strlen(r->payload), "journal payload", &p)) p = NULL; /* shown as text */
  json_object_set_new(o, "payload", p ? p : json_string(r->payload));
  if (r->ref) json_object_set_new(o, "ref", json_integer((json_int_t)r->ref));
  if (r->has_msg) {
    char *ms = NULL;
    if (mwx_msg_to_json(&r->msg, &ms) == 0) {
      json_t *mj = NULL;
      if (mwx_json_load_text(ms, strlen(ms), "journal sample", &mj) == 0) json_object_set_new(o, "sample", mj);
      free(ms);
    }
  }
  json_object_set_new(o, "hash", json_string(hash));
  char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
  json_decref(o);
  if (!s) return mwx_error_set(MWX_ENOMEM, "out of memory");
  printf("%s\n", s);
  free(s);
  return 0;
}

static int cmd_show(int argc, char **argv) {
  const char *db = NULL;
  int64_t since = INT64_MIN;
  mwx_journal_kind kind = 0;
  show_ctx c = {0, 0};
  int rc;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--since") && i + 1 < argc) {
      if ((rc = mwx_cmd_parse_time(argv[++i], &since))) {
        mwx_cmd_report("audit", rc);
        return 2;
      }
    } else if (!strcmp(argv[i], "--kind") && i + 1 < argc) {
      if ((rc = mwx_journal_kind_parse(argv[++i], &kind))) {
        mwx_cmd_report("audit", rc);
        return 2;
      }
    } else if (!strcmp(argv[i], "--json")) {
      c.json = 1;
    } else if (argv[i][0] != '-' && !db) {
      db = argv[i];
    } else {
      return mwx_cmd_usage_error("audit", usage, "unexpected argument '%s'", argv[i]);
    }
  }
  if (!db) {
    usage(stderr);
    return 2;
  }
  mwx_journal *j = NULL;
  if ((rc = open_db(db, &j))) {
    mwx_cmd_report("audit", rc);
    return 1;
  }
  rc = mwx_journal_query(j, since, kind, show_fn, &c);
  mwx_journal_close(j);
  if (rc) {
    mwx_cmd_report("audit", rc);
    return 1;
  }
  if (!c.json) printf("(%lu records)\n", c.n);
  return 0;
}

int mwx_cmd_audit(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "verify")) return cmd_verify(argc - 1, argv + 1);
  if (!strcmp(argv[1], "show")) return cmd_show(argc - 1, argv + 1);
  if (!strcmp(argv[1], "head")) return cmd_head(argc - 1, argv + 1);
  return mwx_cmd_usage_error("audit", usage, "unknown subcommand '%s'", argv[1]);
}
