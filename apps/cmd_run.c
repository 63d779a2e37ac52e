/*
 * cmd_run.c - "mwx run": one nation's whole pipeline without a network
 * (simulated sensors of that nation, tracking, assessment, release
 * decisions per partner, signing, journal), faster than real time.
 *
 *   mwx run SCENARIO.json --nation KOR --journal DB [--policy FILE]
 *           [--seed N] [--speed X] [--sync full|normal] [--no-plots]
 *           [--log] [--json]
 *
 * The default policy is config/policy-<NATION>.json of the source tree.
 * --speed X plays X sim seconds per wall second (default: as fast as
 * possible).  --log prints one line per decision as soon as its journal
 * record is durable (what a partner would have been sent).  Prints a
 * summary: samples released per partner and topic, held, approved,
 * denied, refused, and the time from the first launch to the first
 * release per partner.  The signing key is made for the run; its public
 * half is written to DB.pub.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx run SCENARIO.json --nation KOR|JPN|USA --journal DB [--policy FILE] [--seed N]\n"
             "               [--speed X] [--sync full|normal] [--no-plots] [--log] [--json]\n"
             "  --nation   whose sensors and policy (required)\n"
             "  --journal  journal database (created if missing; the run's public key goes to DB.pub)\n"
             "  --policy   release policy (default config/policy-<NATION>.json)\n"
             "  --seed     simulator seed (default 1)\n"
             "  --speed    sim seconds per wall second (default: as fast as possible)\n"
             "  --sync     journal durability: full (default, every commit fsynced) or normal\n"
             "  --no-plots do not journal each plot\n"
             "  --log      one line per decision, printed once its journal record is durable\n"
             "  --json     print the summary as one JSON object\n");
}

static const char *event_name(mwx_node_event_kind k) {
  switch (k) {
  case MWX_NODE_EV_RELEASED: return "RELEASED";
  case MWX_NODE_EV_HELD: return "HELD";
  case MWX_NODE_EV_REFUSED: return "REFUSED";
  case MWX_NODE_EV_APPROVED: return "APPROVED";
  case MWX_NODE_EV_DENIED: return "DENIED";
  case MWX_NODE_EV_RECEIVED: return "RECEIVED";
  case MWX_NODE_EV_DROPPED: return "DROPPED";
  case MWX_NODE_EV_PARTNER: return "PARTNER";
  case MWX_NODE_EV_DONE: return "DONE";
  }
  return "?";
}

void mwx_cmd_run_event_line(FILE *f, const char *nation, int64_t epoch_ns, const mwx_node_event *ev) {
  if (ev->kind == MWX_NODE_EV_DONE) {
    fprintf(f, "%s DONE t=%+.1fs\n", nation, (double)(ev->sim_ns - epoch_ns) / 1e9);
    return;
  }
  const mwx_msg *m = ev->msg;
  fprintf(f, "%s %s %s t=%+.1fs", nation, event_name(ev->kind), ev->partner, (double)(ev->sim_ns - epoch_ns) / 1e9);
  if (m)
    fprintf(f, " topic=%s seq=%llu rule=%s", mwx_msg_topic_name((mwx_msg_topic)m->topic),
            (unsigned long long)m->mark.seq, m->mark.rule_id[0] ? m->mark.rule_id : "-");
  fprintf(f, " record=%llu", (unsigned long long)ev->record_id);
  if (ev->item)
    fprintf(f, " item=%llu", (unsigned long long)ev->item);
  if (ev->detail[0] && ev->kind != MWX_NODE_EV_RELEASED)
    fprintf(f, " (%s)", ev->detail);
  fputc('\n', f);
}

static const mwx_msg_topic topics[] = {MWX_TOPIC_TRACK, MWX_TOPIC_LAUNCH, MWX_TOPIC_IMPACT, MWX_TOPIC_ALERT,
                                       MWX_TOPIC_STATUS};

void mwx_cmd_run_summary(FILE *f, const mwx_node_stats *st, const char *nation, double wall_s, int json) {
  if (json) {
    json_t *o = json_object(), *ps = json_array();
    json_object_set_new(o, "nation", json_string(nation));
    json_object_set_new(o, "plots", json_integer((json_int_t)st->plots));
    json_object_set_new(o, "tracks_confirmed", json_integer((json_int_t)st->tracks_confirmed));
    json_object_set_new(o, "samples", json_integer((json_int_t)st->samples));
    json_object_set_new(o, "records", json_integer((json_int_t)st->records));
    json_object_set_new(o, "wall_s", json_real(wall_s));
    for (int i = 0; i < st->n_partners; i++) {
      const mwx_node_partner_stats *p = &st->partner[i];
      json_t *po = json_object(), *rel = json_object();
      json_object_set_new(po, "partner", json_string(p->nation));
      for (size_t t = 0; t < sizeof topics / sizeof topics[0]; t++)
        json_object_set_new(rel, mwx_msg_topic_name(topics[t]), json_integer((json_int_t)p->released[topics[t]]));
      json_object_set_new(po, "released", rel);
      json_object_set_new(po, "held", json_integer((json_int_t)p->held));
      json_object_set_new(po, "approved", json_integer((json_int_t)p->approved));
      json_object_set_new(po, "denied", json_integer((json_int_t)p->denied));
      json_object_set_new(po, "refused", json_integer((json_int_t)p->refused));
      json_object_set_new(po, "first_release_s", p->has_first_release ? json_real(p->first_release_s) : json_null());
      json_array_append_new(ps, po);
    }
    json_object_set_new(o, "partners", ps);
    char *s = json_dumps(o, JSON_COMPACT);
    fprintf(f, "%s\n", s ? s : "{}");
    free(s);
    json_decref(o);
    return;
  }
  fprintf(f, "%s: %llu plots, %llu confirmed track(s), %llu samples, %llu journal records, %.2f s wall\n", nation,
          (unsigned long long)st->plots, (unsigned long long)st->tracks_confirmed, (unsigned long long)st->samples,
          (unsigned long long)st->records, wall_s);
  fprintf(f, "  %-4s %6s %6s %6s %6s %6s | %5s %5s %5s %5s | %s\n", "to", "Track", "Launch", "Impact", "Alert",
          "Status", "held", "appr", "deny", "refus", "first release after launch");
  for (int i = 0; i < st->n_partners; i++) {
    const mwx_node_partner_stats *p = &st->partner[i];
    char first[32] = "-";
    if (p->has_first_release)
      snprintf(first, sizeof first, "%.1f s", p->first_release_s);
    fprintf(f, "  %-4s %6llu %6llu %6llu %6llu %6llu | %5llu %5llu %5llu %5llu | %s\n", p->nation,
            (unsigned long long)p->released[MWX_TOPIC_TRACK], (unsigned long long)p->released[MWX_TOPIC_LAUNCH],
            (unsigned long long)p->released[MWX_TOPIC_IMPACT], (unsigned long long)p->released[MWX_TOPIC_ALERT],
            (unsigned long long)p->released[MWX_TOPIC_STATUS], (unsigned long long)p->held,
            (unsigned long long)p->approved, (unsigned long long)p->denied, (unsigned long long)p->refused, first);
  }
}

typedef struct run_ctx {
  const char *nation;
  int log;
  int64_t epoch_ns;
} run_ctx;

static void on_event(void *vc, const mwx_node_event *ev) {
  run_ctx *c = vc;
  if (!c->log)
    return;
  mwx_cmd_run_event_line(stdout, c->nation, c->epoch_ns, ev);
  fflush(stdout);
}

static int usage_error(const char *what, const char *arg) {
  fprintf(stderr, "mwx run: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
  help(stderr);
  return 2;
}

int mwx_cmd_run(int argc, char **argv) {
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  cfg.status_every_s = 60;
  const char *scenario = NULL, *nation = NULL, *journal = NULL, *policy = NULL;
  int json = 0, log = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return 0;
    } else if (!strcmp(a, "--json"))
      json = 1;
    else if (!strcmp(a, "--log"))
      log = 1;
    else if (!strcmp(a, "--no-plots"))
      cfg.journal_plots = 0;
    else if (!strcmp(a, "--nation") && v)
      nation = argv[++i];
    else if (!strcmp(a, "--journal") && v)
      journal = argv[++i];
    else if (!strcmp(a, "--policy") && v)
      policy = argv[++i];
    else if (!strcmp(a, "--seed") && v) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(v, &end, 10);
      if (!*v || *end || errno || *v == '-')
        return usage_error("--seed needs an unsigned integer", v);
      cfg.seed = s;
      i++;
    } else if (!strcmp(a, "--speed") && v) {
      char *end;
      double s = strtod(v, &end);
      if (!*v || *end || !(s >= 0) || s > 1e6)
        return usage_error("--speed needs a number >= 0", v);
      cfg.speed = s;
      i++;
    } else if (!strcmp(a, "--sync") && v) {
      if (!strcmp(v, "full"))
        cfg.sync = MWX_JOURNAL_SYNC_FULL;
      else if (!strcmp(v, "normal"))
        cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
      else
        return usage_error("--sync is full or normal", v);
      i++;
    } else if (a[0] != '-' && !scenario)
      scenario = a;
    else
      return usage_error("bad argument", a);
  }
  if (!scenario || !nation || !journal)
    return usage_error("SCENARIO, --nation and --journal are required", NULL);
  if (strlen(nation) != 3)
    return usage_error("--nation needs a three-letter code", nation);
  snprintf(cfg.nation, sizeof cfg.nation, "%s", nation);
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s", scenario);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", journal);
  if (policy)
    snprintf(cfg.policy, sizeof cfg.policy, "%s", policy);
  else
    snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nation);
  run_ctx c = {nation, log, 0};
  mwx_node *n = NULL;
  int rc = mwx_node_open(&cfg, on_event, &c, &n);
  if (rc) {
    mwx_cmd_report("run", rc);
    return 1;
  }
  c.epoch_ns = mwx_node_epoch_ns(n);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  rc = mwx_node_run(n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc) {
    mwx_cmd_report("run", rc);
    mwx_node_close(n);
    return 1;
  }
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  mwx_cmd_run_summary(stdout, &st, nation, wall, json);
  if (!json)
    printf("journal: %s (check: mwx audit verify %s)\n", journal, journal);
  mwx_node_close(n);
  return 0;
}
