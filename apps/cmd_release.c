/*
 * cmd_release.c - "mwx release": the manual release queue and policy tools.
 *
 *   mwx release list --journal DB [--now T]
 *   mwx release approve ID --journal DB [--operator NAME] [--key PEM] [--now T]
 *   mwx release deny ID --journal DB [--operator NAME] [--key PEM] [--now T]
 *   mwx release expire --journal DB [--key PEM] [--now T]
 *       list pending holds; approve or deny one (recorded in the journal with
 *       the operator and the time waited); apply the timeout action to
 *       holds past their deadline.  The node, which holds the same journal,
 *       sends what was approved.  --key seals the journal head with the
 *       node's private key (see docs/policy.md, "Audit"); --now replaces the
 *       clock (ns or ISO-8601 UTC), for drills and tests.  NAME defaults to
 *       $USER.
 *   mwx release check POLICY
 *       loads a policy file and prints its rules, or says what is wrong.
 *   mwx release decide POLICY --partner NATION --topic TOPIC [--originator
 *       NATION] [--class CLASS] [--classification LEVEL] [--journal DB]
 *       [--now T]
 *       what the policy would do with a synthetic sample of that kind; with
 *       --journal the decision is recorded (a hold joins the queue) in a
 *       drill journal: a node's journal (one with an owner) is refused, as
 *       only the node creates queue items there.  approve / deny / expire
 *       on a node's journal verify the hold record first (hash, chain to the
 *       node's seal, the node's own sample) and refuse one that fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"
#include "mwx/release.h"
#include "mwx_cmd.h"

static void usage(FILE *f) {
  fprintf(f, "usage: mwx release list --journal DB [--now T]\n"
             "       mwx release approve ID --journal DB [--operator NAME] [--key PEM] [--now T]\n"
             "       mwx release deny ID --journal DB [--operator NAME] [--key PEM] [--now T]\n"
             "       mwx release expire --journal DB [--key PEM] [--now T]\n"
             "       mwx release check POLICY.json\n"
             "       mwx release decide POLICY.json --partner NATION --topic TOPIC [--originator NATION]\n"
             "                          [--class SRBM|MRBM|IRBM|ICBM] [--classification LEVEL]\n"
             "                          [--journal DB] [--now T]\n"
             "  T: nanoseconds since 1970-01-01 UTC, or ISO-8601 UTC; default: the clock\n");
}

typedef struct args {
  const char *sub, *pos, *journal, *operator_name, *key, *partner, *topic, *originator, *cls, *classification;
  int64_t now;
} args;

static int parse_args(int argc, char **argv, args *a) {
  memset(a, 0, sizeof *a);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  a->now = (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
  a->sub = argv[1];
  static const char *const opts[] = {"--journal", "--operator", "--key",   "--partner",        "--topic",
                                     "--originator", "--class", "--now", "--classification", NULL};
  for (int i = 2; i < argc; i++) {
    int k = -1;
    for (int o = 0; opts[o]; o++)
      if (!strcmp(argv[i], opts[o])) k = o;
    if (k >= 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "mwx release: %s needs a value\n", argv[i]);
        return 2;
      }
      const char *v = argv[++i];
      const char **slot[] = {&a->journal, &a->operator_name, &a->key,  &a->partner, &a->topic,
                             &a->originator, &a->cls,        NULL,     &a->classification};
      if (k == 7) {
        int rc = mwx_cmd_parse_time(v, &a->now);
        if (rc) {
          mwx_cmd_report("release", rc);
          return 2;
        }
      } else {
        *slot[k] = v;
      }
    } else if (argv[i][0] != '-' && !a->pos) {
      a->pos = argv[i];
    } else {
      fprintf(stderr, "mwx release: unexpected argument '%s'\n", argv[i]);
      return 2;
    }
  }
  return 0;
}

static int open_journal(const args *a, mwx_msg_key **key, mwx_journal **j) {
  *key = NULL;
  *j = NULL;
  if (!a->journal) return mwx_error_set(MWX_EINVAL, "--journal DB is required");
  int rc;
  if ((rc = mwx_cmd_check_journal_file(a->journal))) return rc; /* never make a journal of an empty file */
  if (access(a->journal, R_OK | W_OK) != 0)
    return mwx_error_set(MWX_EIO, "%s: no such journal (or not writable)", a->journal);
  if (a->key && (rc = mwx_msg_key_load_private(a->key, key))) return rc;
  mwx_journal_options o = {MWX_JOURNAL_SYNC_FULL, 0, *key};
  if ((rc = mwx_journal_open(a->journal, &o, j))) {
    mwx_msg_key_free(*key);
    *key = NULL;
  }
  return rc;
}

static int print_item(const mwx_release_item *it, void *ctx) {
  int *n = ctx;
  char held[40], dl[40];
  mwx_cmd_format_time(it->held_ns, held);
  mwx_cmd_format_time(it->deadline_ns, dl);
  if ((*n)++ == 0) printf("%-6s %-24s %-4s %-16s %-4s %-8s %-24s %-24s %s\n", "ID", "HELD (UTC)", "TO", "TOPIC", "FROM",
                          "SEQ", "RULE", "DEADLINE (UTC)", "STATUS");
  char status[48];
  if (it->outcome[0])
    snprintf(status, sizeof status, "%s", it->outcome);
  else if (it->expired)
    snprintf(status, sizeof status, "timed out (%s)", it->on_timeout == MWX_RELEASE_TIMEOUT_APPROVE ? "approve" : "deny");
  else
    snprintf(status, sizeof status, "pending");
  printf("%-6llu %-24s %-4s %-16s %-4.3s %-8llu %-24s %-24s %s\n", (unsigned long long)it->id, held, it->partner,
         mwx_msg_topic_name((mwx_msg_topic)it->sample.topic), it->sample.mark.originator,
         (unsigned long long)it->sample.mark.seq, it->rule_id, dl, status);
  return 0;
}

static int cmd_queue(const args *a) {
  mwx_msg_key *key = NULL;
  mwx_journal *j = NULL;
  int rc = open_journal(a, &key, &j), n = 0;
  if (rc) {
    mwx_cmd_report("release", rc);
    return 1;
  }
  int status = 0;
  if (!strcmp(a->sub, "list")) {
    if ((rc = mwx_release_queue_list(j, a->now, print_item, &n)) == 0 && n == 0) printf("no held items\n");
  } else if (!strcmp(a->sub, "expire")) {
    if ((rc = mwx_release_queue_expire(j, a->now, print_item, &n)) == 0) printf("%d held items timed out\n", n);
  } else {
    char *end = NULL;
    errno = 0;
    unsigned long long id = a->pos && *a->pos >= '0' && *a->pos <= '9' ? strtoull(a->pos, &end, 10) : 0;
    if (!a->pos || !*a->pos || !end || *end || errno || id == 0 || id > INT64_MAX) {
      rc = mwx_error_set(MWX_EINVAL, "%s needs the item ID (a positive number, from 'mwx release list')", a->sub);
      status = 2;
    } else {
      const char *op = a->operator_name ? a->operator_name : getenv("USER");
      if (!op || !*op) op = "operator";
      mwx_release_item it;
      rc = mwx_release_queue_decide(j, id, !strcmp(a->sub, "approve"), op, a->now, &it);
      if (!rc)
        printf("%s: item %llu (%s to %s) by %s after %.1f s\n", it.outcome, id,
               mwx_msg_topic_name((mwx_msg_topic)it.sample.topic), it.partner, it.operator_name,
               (double)(it.decided_ns - it.held_ns) / 1e9);
    }
  }
  if (rc) {
    mwx_cmd_report("release", rc);
    if (!status) status = 1;
  }
  mwx_journal_close(j);
  mwx_msg_key_free(key);
  return status;
}

static int cmd_check(const args *a) {
  if (!a->pos) {
    usage(stderr);
    return 2;
  }
  mwx_release_policy *p = malloc(sizeof *p);
  if (!p) return 1;
  int rc = mwx_release_policy_load(a->pos, p);
  if (rc) {
    mwx_cmd_report("release", rc);
    free(p);
    return 1;
  }
  static const char *const classif[] = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"};
  printf("%s: nation %s, %zu rules, default deny\n", a->pos, p->nation, p->n_rules);
  for (size_t i = 0; i < p->n_rules; i++) {
    const mwx_release_rule *r = &p->rules[i];
    printf("  %-24s -> %s %-16s %-6s up to %s", r->id, r->partner,
           r->topic ? mwx_msg_topic_name((mwx_msg_topic)r->topic) : "*", r->mode ? "manual" : "auto",
           classif[r->max_classification & 3]);
    if (r->remove) printf(", remove 0x%x", r->remove);
    if (r->coarsen_m > 0 || r->coarsen_s > 0) printf(", coarsen %g m %g s", r->coarsen_m, r->coarsen_s);
    if (r->mode) printf(", timeout %llds then %s", (long long)r->timeout_s, r->on_timeout ? "approve" : "deny");
    printf("\n");
  }
  free(p);
  return 0;
}

static int cmd_decide(const args *a) {
  if (!a->pos || !a->partner || !a->topic) {
    usage(stderr);
    return 2;
  }
  mwx_release_policy *p = malloc(sizeof *p);
  mwx_msg *m = calloc(1, sizeof *m);
  mwx_release_decision *d = malloc(sizeof *d);
  int rc = (!p || !m || !d) ? mwx_error_set(MWX_ENOMEM, "out of memory") : 0, status = 1;
  mwx_msg_topic topic = MWX_TOPIC_TRACK;
  if (!rc) rc = mwx_release_policy_load(a->pos, p);
  if (!rc) rc = mwx_msg_topic_parse(a->topic, &topic);
  if (rc) goto out;
  /* A synthetic sample: every optional field of the topic present. */
  const char *orig = a->originator ? a->originator : p->nation;
  m->topic = (uint8_t)topic;
  snprintf(m->mark.originator, sizeof m->mark.originator, "%.3s", orig);
  m->mark.classification = MWX_CLASSIF_SECRET;
  if (a->classification) {
    static const char *const names[] = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"};
    int c = -1;
    for (int i = 0; i < 4; i++)
      if (!strcasecmp(a->classification, names[i])) c = i;
    if (c < 0) {
      rc = mwx_error_set(MWX_EINVAL, "unknown classification '%s'", a->classification);
      goto out;
    }
    m->mark.classification = (uint8_t)c;
  }
  if ((rc = mwx_msg_marking_add(&m->mark, m->mark.originator))) goto out;
  m->mark.seq = 1;
  uint8_t cls = 0;
  if (a->cls) {
    static const char *const cn[] = {"UNKNOWN", "SRBM", "MRBM", "IRBM", "ICBM"};
    int c = -1;
    for (int i = 0; i < 5; i++)
      if (!strcasecmp(a->cls, cn[i])) c = i;
    if (c < 0) {
      rc = mwx_error_set(MWX_EINVAL, "unknown missile class '%s'", a->cls);
      goto out;
    }
    cls = (uint8_t)c;
  }
  if (topic == MWX_TOPIC_TRACK) m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS;
  if (topic == MWX_TOPIC_LAUNCH || topic == MWX_TOPIC_IMPACT) m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
  if (topic == MWX_TOPIC_IMPACT) m->u.impact.missile_class = cls;
  if (topic == MWX_TOPIC_TRACK) {
    m->u.track.n_contributors = 1;
    memcpy(m->u.track.contributors[0], m->mark.originator, 4);
    m->u.track.src.n_sensors = 1;
    snprintf(m->u.track.src.sensor_id[0], MWX_ID_LEN, "%s-radar-1", m->mark.originator);
  }
  mwx_release_sample s = {m, cls, 0, NULL};
  if ((rc = mwx_release_decide(p, &s, a->partner, a->now, d))) goto out;
  printf("%s", mwx_release_outcome_name((mwx_release_outcome)d->outcome));
  if (d->outcome == MWX_RELEASE_REFUSE) printf(" (%s)", mwx_release_reason_name((mwx_release_reason)d->reason));
  printf(": %s\n", d->detail);
  if (a->journal) {
    mwx_msg_key *key = NULL;
    mwx_journal *j = NULL;
    mwx_journal_options o = {MWX_JOURNAL_SYNC_FULL, 0, NULL};
    if (a->key && (rc = mwx_msg_key_load_private(a->key, &key))) goto out;
    o.seal_key = key;
    uint64_t id = 0;
    if (!(rc = mwx_journal_open(a->journal, &o, &j)) && !(rc = mwx_release_journal(j, d, &id)))
      printf("recorded as journal record %llu\n", (unsigned long long)id);
    mwx_journal_close(j);
    mwx_msg_key_free(key);
    if (rc) goto out;
  }
  status = 0;
out:
  if (rc) mwx_cmd_report("release", rc);
  free(p);
  free(m);
  free(d);
  return status;
}

int mwx_cmd_release(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  args a;
  if (parse_args(argc, argv, &a)) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(a.sub, "list") || !strcmp(a.sub, "approve") || !strcmp(a.sub, "deny") || !strcmp(a.sub, "expire")) {
    if (!a.journal) {
      return mwx_cmd_usage_error("release", usage, "%s needs --journal DB", a.sub);
    }
    if ((!strcmp(a.sub, "list") || !strcmp(a.sub, "expire")) && a.pos) {
      fprintf(stderr, "mwx release: unexpected argument '%s'\n", a.pos);
      return 2;
    }
    return cmd_queue(&a);
  }
  if (!strcmp(a.sub, "check")) return cmd_check(&a);
  if (!strcmp(a.sub, "decide")) return cmd_decide(&a);
  return mwx_cmd_usage_error("release", usage, "unknown subcommand '%s'", a.sub);
}
