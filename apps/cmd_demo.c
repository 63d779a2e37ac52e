/*
 * cmd_demo.c - "mwx demo": the three-nation scenario of the README, told in
 * acts.  Each act shows one capability of the library on the 18 November 2022
 * Hwasong-17 launch (KCNA: apogee 6,040.9 km, range 999.2 km, 4,135 s):
 *   1. the fitted trajectory (ballistic)
 *   2. who sees the missile when (sim: the allied sensor laydown)
 *   3. the tracking timeline of each nation alone and of the three together
 *      (track + assess, the engine of "mwx track")
 *   4. release: KOR's whole pipeline offline (as "mwx run"): launch data
 *      reaching JPN automatically, long-range impact predictions held for an
 *      operator, one approved through the queue, the journal verified
 *   5. the coalition: a PKI made on the spot, three nodes (KOR, JPN, USA) as
 *      separate processes on this machine, DDS Security on, the scenario
 *      replayed fast; each nation's picture as the others update it; JPN's
 *      fused picture at the end (one entry per missile: the "picture"
 *      objects JPN's mwxd prints at DOWN, mwx_node_fused_json); every
 *      node's journal verified
 *   6. fusion and warning on 2022-10-04: JPN's fused picture (one entry per
 *      missile) and JPN's warning timeline shared / without KOR / alone,
 *      beside the real J-Alert times (data/launches.csv); the `mwx replay`
 *      tables (alone / bilateral / shared, zones and alerts) of 2022-11-18
 *      and 2022-10-04
 * The demo calls the library and prints; act 5 starts the node processes
 * (fork + exec, killed with the demo if it dies) and reads their events as
 * JSON lines (mwxd --log json-received: the node's event interface), not log text.
 * With --serve (act 5 only, unless --acts names more), act 5's nodes also
 * serve their web picture (docs/api.md) on https://127.0.0.1:8443/ (KOR),
 * :8444 (JPN), :8445 (USA) (--web-port moves them), each with an account
 * "demo" (release_officer) whose password is generated at run time and
 * printed; the scenario runs at 10x and the nodes keep running after it
 * until Ctrl-C (SIGINT), then stop and their journals are verified
 * (tests/demo_serve.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "mwx/assess.h"
#include "mwx/cop.h"
#include "mwx/ballistic.h"
#include "mwx/alert.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/journal.h"
#include "mwx/json.h"
#include "mwx/node.h"
#include "mwx/pki.h"
#include "mwx/release.h"
#include "mwx/sim.h"
#include "mwx/zone.h"
#include "mwx_cmd.h"

#define DEMO_SCENARIO MWX_SOURCE_DIR "/scenarios/2022-11-18-hwasong17.json"
#define DEMO_SEED 1

/* --serve: the nodes serve their pages and run until Ctrl-C */
static int demo_serve;
static volatile sig_atomic_t demo_stop;
static void demo_on_sigint(int sig) {
  (void)sig;
  demo_stop = 1;
}
#define DEMO_WEB_PORT 8443
static int demo_web_port = DEMO_WEB_PORT; /* --web-port: KOR's, JPN's is +1, the USA's +2 */

static void banner(const char *title) {
  printf("\n=== %s ===\n", title);
  fflush(stdout);
}

/* Act 1: fit the published figures and print the flight. */
static int act_trajectory(const mwx_sim_launch *l) {
  mwx_ballistic_fit_req req = {l->lat_deg, l->lon_deg, l->azimuth_deg, l->apogee_km, l->range_km,
                               l->cls};
  mwx_ballistic_launch launch;
  mwx_ballistic_figures fig;
  banner("1. Trajectory fitted to the published figures (mwx traj)");
  int rc = mwx_ballistic_fit(&req, &launch, &fig);
  if (rc)
    return rc;
  mwx_ballistic_class cls;
  mwx_ballistic_class_from_figures(fig.apogee_km, fig.range_km, &cls);
  printf("launch  %.2f N %.2f E, heading %.2f deg, class %s (from the trajectory's energy)\n",
         l->lat_deg, l->lon_deg, launch.heading_deg, mwx_ballistic_class_name(cls));
  printf("burnout %.1f s after launch at %.0f km, %.0f m/s\n", fig.burnout_time_s,
         fig.burnout_alt_km, fig.burnout_speed_mps);
  printf("apogee  %.1f km at %.0f s      (published %.1f km)\n", fig.apogee_km, fig.apogee_time_s,
         l->apogee_km);
  printf("range   %.1f km                (published %.1f km)\n", fig.range_km, l->range_km);
  printf("impact  %.3f N %.3f E after %.1f min (published 68.9 min: KCNA)\n", fig.impact_lat_deg,
         fig.impact_lon_deg, fig.flight_time_s / 60.0);
  return 0;
}

/* Act 2: the visibility table of the default allied laydown. */
static int act_visibility(const mwx_sim_scenario *sc, const mwx_sim_truth *truth) {
  mwx_sim_vis_row *rows = NULL;
  size_t n = 0;
  banner("2. Who sees the missile when (mwx sim): seconds after launch");
  int rc = mwx_sim_visibility(sc, truth, DEMO_SEED, &rows, &n);
  if (!rc)
    rc = mwx_sim_write_visibility(stdout, rows, n, false);
  if (!rc) {
    double first[3] = {-1, -1, -1}, last[3] = {-1, -1, -1};
    static const char *nations[3] = {"KOR", "JPN", "USA"};
    for (size_t i = 0; i < n; i++)
      for (int k = 0; k < 3; k++)
        if (rows[i].detected && !strcmp(rows[i].nation, nations[k])) {
          if (first[k] < 0 || rows[i].first_detect_s < first[k])
            first[k] = rows[i].first_detect_s;
          if (rows[i].last_detect_s > last[k])
            last[k] = rows[i].last_detect_s;
        }
    for (int k = 0; k < 3; k++)
      printf("%s alone: first plot %6.0f s, last plot %6.0f s\n", nations[k], first[k], last[k]);
    printf("KOR sees the launch, JPN the fall: only together do they hold the whole flight.\n");
  }
  free(rows);
  return rc;
}

/* Act 3: the warning timeline of each nation alone and of the three fused. */
static int act_tracking(const mwx_sim_scenario *sc, const mwx_sim_truth *truth) {
  static const char *who[4] = {"KOR", "JPN", "USA", "ALL"};
  banner("3. Tracking and assessment: each nation alone, and the three together (mwx track)");
  printf("seconds after launch; impact errors against the truth; ALL = the three nations' plots fused\n");
  printf("%-4s %6s %6s %8s %8s %10s %10s %8s %s\n", "", "plot", "track", "impact", "<10 km", "half-way", "final",
         "launch", "class");
  for (int k = 0; k < 4; k++) {
    mwx_assess_run_opts o;
    mwx_assess_run_opts_default(&o);
    memcpy(o.nation, who[k], 4);
    o.seed = DEMO_SEED;
    mwx_assess_run_result r = {0};
    int rc = mwx_assess_run(sc, truth, &o, &r);
    if (rc)
      return rc;
    const mwx_assess_missile *m = &r.m[0];
    char c[8][24];
    snprintf(c[0], 24, m->has_first_plot ? "%.0f" : "-", m->first_plot_s);
    snprintf(c[1], 24, m->has_track ? "%.0f" : "-", m->first_track_s);
    snprintf(c[2], 24, m->has_ipp ? "%.0f" : "-", m->first_ipp_s);
    snprintf(c[3], 24, m->has_good_ipp ? "%.0f" : "never", m->good_ipp_s);
    snprintf(c[4], 24, m->has_ipp_error[MWX_ASSESS_CP_HALF] ? "%.1f km" : "-", m->ipp_error_km[MWX_ASSESS_CP_HALF]);
    snprintf(c[5], 24, m->has_impact ? "%.1f km" : "-", m->impact_error_km);
    snprintf(c[6], 24, m->has_launch ? "%.2f km" : "-", m->launch_error_km);
    printf("%-4s %6s %6s %8s %8s %10s %10s %8s %s\n", who[k], c[0], c[1], c[2], c[3], c[4], c[5], c[6],
           m->has_ipp ? mwx_ballistic_class_name(m->cls) : "-");
    mwx_assess_run_fini(&r);
  }
  printf("(plot/track: first plot and first confirmed track; impact: first impact prediction; <10 km: first\n"
         " prediction within 10 km of the truth; half-way / final: impact error at half the flight and of the\n"
         " last prediction >= 60 s before impact; launch: launch-point error)\n");
  return 0;
}

/* ---- act 4 --------------------------------------------------------------- */

typedef struct act4_ctx {
  const char *db;
  int64_t epoch_ns;
  int shown[MWX_NODE_MAX_PARTNERS][8]; /* first release per partner and topic shown */
  int held_shown, timeout_shown;
  uint64_t op_item;
  int op_approved;
  uint64_t quiet;
  int rc;
} act4_ctx;

static int act4_list(const mwx_release_item *it, void *ctx) {
  (void)ctx;
  printf("           queue: item %llu  %s -> %s  rule %s, deadline %+.0f s, then %s\n", (unsigned long long)it->id,
         mwx_msg_topic_name((mwx_msg_topic)it->sample.topic), it->partner, it->rule_id,
         (double)(it->deadline_ns - it->held_ns) / 1e9,
         it->on_timeout == MWX_RELEASE_TIMEOUT_APPROVE ? "approve" : "deny");
  return 0;
}

static void act4_event(void *vc, const mwx_node_event *ev) {
  act4_ctx *c = vc;
  const mwx_msg *m = ev->msg;
  double t = (double)(ev->sim_ns - c->epoch_ns) / 1e9;
  int pi = !strcmp(ev->partner, "JPN") ? 0 : 1;
  switch (ev->kind) {
  case MWX_NODE_EV_RELEASED:
    if (m->topic != MWX_TOPIC_STATUS && (!c->shown[pi][m->topic] || (m->topic == MWX_TOPIC_LAUNCH && pi == 0))) {
      c->shown[pi][m->topic] = 1; /* JPN: every LaunchEvent (the second is the launch fit's) */
      printf("  %+7.1f s  KOR -> %s  released  %-16s seq %-4llu rule %-20s %s\n", t, ev->partner,
             mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq, m->mark.rule_id,
             !(m->fields & MWX_F_SENSORS)       ? "(radar ids and positions removed)"
             : !(m->fields & MWX_F_SENSOR_POS) ? "(radar positions removed)"
                                                : "");
      if (m->topic == MWX_TOPIC_LAUNCH)
        printf("             launch point %.3f N %.3f E, 95%% ellipse %.2f km, %s\n", m->u.launch.lat_deg,
               m->u.launch.lon_deg, m->u.launch.err_major_km,
               m->mark.seq == 1 ? "from the track's early estimate" : "refined by the launch fit");
    } else
      c->quiet++;
    break;
  case MWX_NODE_EV_HELD:
    if (c->held_shown++) {
      c->quiet++;
      break;
    }
    printf("  %+7.1f s  KOR -> %s  HELD      %-16s seq %-4llu %s\n", t, ev->partner,
           mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq, ev->detail);
    {
      /* the duty officer, in another process in real life, works on the journal */
      mwx_journal *j2 = NULL;
      mwx_release_item it;
      int rc = mwx_journal_open(c->db, NULL, &j2);
      if (!rc)
        rc = mwx_release_queue_list(j2, ev->sim_ns, act4_list, NULL);
      if (!rc)
        rc = mwx_release_queue_decide(j2, ev->item, 1, "duty-officer", ev->sim_ns, &it);
      mwx_journal_close(j2);
      if (rc) {
        c->rc = rc;
        break;
      }
      c->op_item = ev->item;
      printf("  %+7.1f s  operator duty-officer, in another process: mwx release approve %llu\n", t,
             (unsigned long long)ev->item);
    }
    break;
  case MWX_NODE_EV_APPROVED:
    if (ev->item == c->op_item) {
      c->op_approved = 1;
      printf("  %+7.1f s  KOR -> %s  APPROVED  %-16s seq %-4llu %s: signed, journaled, sent\n", t, ev->partner,
             mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq, ev->detail);
    } else if (!c->timeout_shown++)
      printf("  %+7.1f s  KOR -> %s  APPROVED  %-16s seq %-4llu %s (policy: approve after 30 s)\n", t, ev->partner,
             mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq, ev->detail);
    else
      c->quiet++;
    break;
  default:
    break;
  }
}

static int verify_journal(const char *label, const char *db) {
  mwx_journal *j;
  mwx_journal_options ro = {MWX_JOURNAL_SYNC_FULL, 1, NULL};
  mwx_journal_verify_result vr;
  int rc = mwx_journal_open(db, &ro, &j);
  if (rc)
    return rc;
  rc = mwx_journal_verify(j, NULL, &vr);
  mwx_journal_close(j);
  if (rc)
    printf("mwx audit verify %s: BROKEN at record %llu: %s\n", label, (unsigned long long)vr.bad_id, vr.why);
  else
    printf("mwx audit verify %s: ok: %llu records, chain intact\n", label, (unsigned long long)vr.records);
  return rc;
}

static int make_tmpdir(char *dir, size_t cap) {
  snprintf(dir, cap, "/tmp/mwx_demo_XXXXXX");
  if (!mkdtemp(dir))
    return mwx_error_set(MWX_EIO, "demo: mkdtemp: %s", strerror(errno));
  return 0;
}

static void remove_tmpdir(const char *dir) {
  char cmd[PATH_MAX + 16];
  if (strncmp(dir, "/tmp/mwx_demo_", 14))
    return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "mwx demo: could not remove %s\n", dir);
}

static int act_release(const char *scenario) {
  banner("4. Release: KOR's pipeline offline (mwx run): sensors, tracking, policy, signature, journal");
  char dir[64], db[128];
  int rc = make_tmpdir(dir, sizeof dir);
  if (rc)
    return rc;
  snprintf(db, sizeof db, "%s/kor.db", dir);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  memcpy(cfg.nation, "KOR", 4);
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s", scenario);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", db);
  cfg.seed = DEMO_SEED;
  cfg.status_every_s = 60;
  printf("policy config/policy-KOR.json: JPN gets Track (sensors removed, 1 km grid), LaunchEvent, short-range\n"
         "ImpactPrediction automatically; IRBM/ICBM ImpactPrediction waits for an operator (30 s, then approve);\n"
         "the USA gets everything but the radars' positions.\n");
  act4_ctx c = {0};
  c.db = db;
  mwx_node *n = NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (!(rc = mwx_node_open(&cfg, act4_event, &c, &n))) {
    c.epoch_ns = mwx_node_epoch_ns(n);
    rc = mwx_node_run(n);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!rc)
    rc = c.rc;
  if (!rc) {
    mwx_node_stats st;
    mwx_node_get_stats(n, &st);
    printf("  ... and %llu more decisions like these\n", (unsigned long long)c.quiet);
    mwx_node_stats_print(stdout, &st, "KOR", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                        0);
    printf("the operator's approval was %s by the node through the journal's queue\n",
           c.op_approved ? "picked up and sent" : "NOT picked up");
    if (!c.op_approved)
      rc = mwx_error_set(MWX_EINVAL, "demo: the approval was not picked up");
  }
  mwx_node_close(n);
  if (!rc)
    rc = verify_journal("kor.db", db);
  remove_tmpdir(dir);
  return rc;
}

/* ---- act 5 --------------------------------------------------------------- */

#define N_NODES 3
static const char *const coalition[N_NODES] = {"KOR", "JPN", "USA"};

typedef struct node_proc {
  pid_t pid;
  int fd;          /* read end of its stdout + stderr, -1 when closed */
  char buf[8192];
  size_t len;
  char tail[24][160]; /* its summary lines (after DOWN) */
  int n_tail, down;
} node_proc;

typedef struct seen_key {
  char key[96];
  int count;
} seen_key;

typedef struct act5_ctx {
  json_t *picture; /* JPN's fused picture at DOWN: its "picture" objects (mwx_node_fused_json) */
  seen_key *seen;
  size_t n_seen, cap_seen;
  int64_t t0_ns;
  uint64_t lines, shown;
  double lat_sum_ms;
  uint64_t lat_n;
  double lat_max_ms;
} act5_ctx;

static int seen_count(act5_ctx *c, const char *key) {
  for (size_t i = 0; i < c->n_seen; i++)
    if (!strcmp(c->seen[i].key, key))
      return ++c->seen[i].count;
  if (c->n_seen == c->cap_seen) {
    size_t nc = c->cap_seen ? 2 * c->cap_seen : 64;
    seen_key *s = realloc(c->seen, nc * sizeof *s);
    if (!s)
      return 1;
    c->seen = s;
    c->cap_seen = nc;
  }
  snprintf(c->seen[c->n_seen].key, sizeof c->seen[c->n_seen].key, "%s", key);
  c->seen[c->n_seen].count = 1;
  return c->n_seen++, 1;
}

static int64_t wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* One line of a node's output.  Events come as JSON objects, one a line
 * (mwxd --log json-received: the node's event interface, mwx_node_event_json);
 * picture updates are shown (the first of each kind, then a sample); the
 * other lines are the start and the summary, kept for the end. */
static void act5_event(act5_ctx *c, const char *line) {
  json_t *o = NULL;
  if (mwx_json_load_text(line, strlen(line), "mwxd event", &o)) {
    printf("  (unreadable event: %s)\n", mwx_error_msg());
    return;
  }
  const char *type = NULL, *nation = "", *partner = "", *detail = "";
  mwx_json_get_str(o, "type", "event", &type);
  mwx_json_get_str(o, "nation", "event", &nation);
  mwx_json_get_str(o, "partner", "event", &partner);
  mwx_json_get_str(o, "detail", "event", &detail);
  double t = (double)(wall_ns() - c->t0_ns) / 1e9;
  if (type && !strcmp(type, "received")) {
    const json_t *sm = json_object_get(o, "sample");
    const char *topic = "?", *id = "?";
    int64_t seq = 0;
    double ms = -1;
    mwx_json_get_str(sm, "topic", "sample", &topic);
    mwx_json_get_str(sm, "id", "sample", &id);
    mwx_json_get_int(sm, "seq", 0, INT64_MAX, "sample", &seq);
    mwx_json_get_num(o, "latency_ms", -1e9, 1e12, "event", &ms);
    if (!strcmp(topic, "Track") && ms >= 0) {
      c->lat_sum_ms += ms;
      c->lat_n++;
      if (ms > c->lat_max_ms)
        c->lat_max_ms = ms;
    }
    char key[96];
    snprintf(key, sizeof key, "%s %s %s %s", nation, partner, topic, id);
    int k = seen_count(c, key);
    int show = k == 1 || (!strcmp(topic, "Track") && k % 100 == 0) || (!strcmp(topic, "ImpactPrediction") && k % 20 == 0);
    if (!strcmp(topic, "NodeStatus"))
      show = k == 1;
    if (show) {
      c->shown++;
      printf("  [%5.1f s] %s \xe2\x86\x90 %s %s %s seq=%lld", t, nation, partner, topic, id, (long long)seq);
      if (ms >= 0)
        printf(", %.1f ms after the plot", ms);
      printf("\n");
    }
  } else if (type && !strcmp(type, "partner")) {
    c->shown++;
    printf("  [%5.1f s] %s partner %s %s\n", t, nation, partner,
           json_is_true(json_object_get(o, "alive")) ? "alive" : "lost");
  } else if (type && !strcmp(type, "dropped")) {
    c->shown++;
    printf("  [%5.1f s] %s DROPPED from %s: %s\n", t, nation, partner, detail);
  } else if (type && !strcmp(type, "done")) {
    c->shown++;
    printf("  [%5.1f s] %s scenario over\n", t, nation);
  } else if (type && !strcmp(type, "picture") && !strcmp(nation, "JPN")) {
    if (!c->picture)
      c->picture = json_array();
    json_array_append(c->picture, o);
  }
  json_decref(o);
}

static void act5_line(act5_ctx *c, node_proc *p, const char *line) {
  c->lines++;
  if (line[0] == '{') { /* an event, or at DOWN an entry of the fused picture */
    act5_event(c, line);
    return;
  }
  if (p->down || !strncmp(line + 4, "DOWN", 4)) {
    p->down = 1;
    if (p->n_tail < 24)
      snprintf(p->tail[p->n_tail++], sizeof p->tail[0], "%s", line);
    return;
  }
  if (strstr(line, " UP ") || strstr(line, "mwxd")) {
    c->shown++;
    printf("  [%5.1f s] %s\n", (double)(wall_ns() - c->t0_ns) / 1e9, line);
  }
}

static void act5_read(act5_ctx *c, node_proc *p) {
  ssize_t r = read(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len);
  if (r <= 0) {
    if (r < 0 && errno == EINTR)
      return;
    close(p->fd);
    p->fd = -1;
    return;
  }
  p->len += (size_t)r;
  p->buf[p->len] = 0;
  char *start = p->buf, *nl;
  while ((nl = strchr(start, '\n'))) {
    *nl = 0;
    act5_line(c, p, start);
    start = nl + 1;
  }
  p->len = strlen(start);
  memmove(p->buf, start, p->len + 1);
  if (p->len >= sizeof p->buf - 1) /* a line longer than the buffer: drop it */
    p->len = 0;
}

/* JPN's fused picture at the end (the "picture" objects its mwxd printed
 * at DOWN, mwx_node_fused_json): one entry per missile. */
static void act5_picture(const json_t *pic) {
  size_t n = json_array_size(pic);
  printf("\nJPN's fused picture at the end (%zu %s; mwxd's structured picture entries):\n", n,
         n == 1 ? "entry" : "entries");
  for (size_t i = 0; i < n; i++) {
    const json_t *e = json_array_get(pic, i);
    json_int_t g = json_integer_value(json_object_get(e, "global_track_no"));
    const json_t *im = json_object_get(e, "impact"), *la = json_object_get(e, "launch"),
                 *al = json_object_get(e, "alert");
    const char *cls = im ? json_string_value(json_object_get(im, "class")) : NULL;
    printf("  G%-10lld %-7s", (long long)g, cls ? cls : "?");
    const json_t *con = json_object_get(e, "contributors");
    printf(" from ");
    for (size_t k = 0; k < json_array_size(con); k++)
      printf("%s%s", k ? "," : "", json_string_value(json_array_get(con, k)));
    printf("%s  (members", json_is_true(json_object_get(e, "fallen")) ? ", fallen" : "");
    const json_t *mem = json_object_get(e, "members");
    for (size_t k = 0; k < json_array_size(mem); k++)
      printf(" %s", json_string_value(json_array_get(mem, k)));
    printf(")\n");
    if (la)
      printf("      launch %.2f N %.2f E at %+.0f s, by %s (95%% %.1f km)\n",
             json_real_value(json_object_get(la, "lat_deg")), json_real_value(json_object_get(la, "lon_deg")),
             json_real_value(json_object_get(la, "t_s")), json_string_value(json_object_get(la, "from")),
             json_real_value(json_object_get(la, "err_major_km")));
    else
      printf("      launch point: none\n");
    if (im) {
      const char *zn = json_string_value(json_object_get(im, "zone_nation"));
      printf("      impact %.2f N %.2f E at %+.0f s, 95%% ellipse %.1f x %.1f km at %.0f deg, %s%s%s (%s)\n",
             json_real_value(json_object_get(im, "lat_deg")), json_real_value(json_object_get(im, "lon_deg")),
             json_real_value(json_object_get(im, "t_s")), json_real_value(json_object_get(im, "ell_major_km")),
             json_real_value(json_object_get(im, "ell_minor_km")),
             json_real_value(json_object_get(im, "ell_orient_deg")),
             json_string_value(json_object_get(im, "zone")), zn && zn[0] ? " of " : "", zn ? zn : "",
             json_string_value(json_object_get(im, "id")));
    } else
      printf("      impact point: none\n");
    if (al) {
      /* regions are named only for a land warning; a maritime notice has none */
      const char *rg = json_string_value(json_object_get(al, "regions"));
      printf("      alert %s: severity %lld, %s%s, regions %s\n", json_string_value(json_object_get(al, "id")),
             (long long)json_integer_value(json_object_get(al, "severity")),
             json_string_value(json_object_get(al, "action")),
             json_is_true(json_object_get(al, "active")) ? " (in force)" : "",
             rg && rg[0] ? rg : "none (no land region)");
    } else
      printf("      alert: none\n");
  }
}

static pid_t spawn_node(const char *exe, char *const argv[], int *fd_out) {
  int pfd[2];
  if (pipe(pfd))
    return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(pfd[0]);
    close(pfd[1]);
    return -1;
  }
  if (pid == 0) {
    /* the node dies with the demo, whatever kills the demo */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
      _exit(1);
    dup2(pfd[1], 1);
    dup2(pfd[1], 2);
    close(pfd[0]);
    close(pfd[1]);
    execv(exe, argv);
    _exit(127);
  }
  close(pfd[1]);
  *fd_out = pfd[0];
  return pid;
}

/* mwxd, next to this mwx (both are built into the same directory). */
static int node_program(char *exe, size_t cap) {
  char self[PATH_MAX];
  ssize_t r = readlink("/proc/self/exe", self, sizeof self - 1);
  if (r <= 0)
    return mwx_error_set(MWX_EIO, "demo: cannot find this program: %s", strerror(errno));
  self[r] = 0;
  int w = snprintf(exe, cap, "%s/mwxd", dirname(self));
  if (w < 0 || (size_t)w >= cap || access(exe, X_OK))
    return mwx_error_set(MWX_ENOTFOUND, "demo: no mwxd next to this mwx (%s)", exe);
  return 0;
}

static int act_coalition(const char *scenario, double flight_s) {
  banner("5. The coalition: three nodes, DDS Security, each nation's picture updated by the others");
  char dir[64];
  int rc = make_tmpdir(dir, sizeof dir);
  if (rc)
    return rc;
  char pki[128];
  snprintf(pki, sizeof pki, "%s/pki", dir);
  printf("mwx pki init %s --nations KOR,JPN,USA   (identity CA per nation, permissions CA, governance,\n"
         "  permissions per nation: each reads only the partitions naming it; Ed25519 origin keys)\n", pki);
  if ((rc = mwx_pki_init(pki, "KOR,JPN,USA", 0, 0))) {
    remove_tmpdir(dir);
    return rc;
  }
  double speed = ceil(flight_s / 60.0);
  if (speed < 20)
    speed = 20;
  if (speed > 100)
    speed = 100;
  if (demo_serve)
    speed = 10; /* someone watches the pages: the 2022-11-18 flight takes 7 minutes */
  int64_t start_ms = wall_ns() / 1000000 + 8000;
  int domain = 100 + (int)(getpid() % 100);
  char exe[PATH_MAX + 8];
  if ((rc = node_program(exe, sizeof exe))) {
    remove_tmpdir(dir);
    return rc;
  }
  node_proc procs[N_NODES];
  memset(procs, 0, sizeof procs);
  for (int k = 0; k < N_NODES; k++)
    procs[k].fd = -1;
  char cfgpath[N_NODES][160];
  char password[33] = "";
  if (demo_serve) {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
      rc = mwx_error_set(MWX_ECRYPTO, "demo: no random bytes for the password");
    for (int i = 0; i < 16; i++)
      snprintf(password + 2 * i, 3, "%02x", raw[i]);
    for (int k = 0; k < N_NODES && !rc; k++) {
      char acc[160];
      snprintf(acc, sizeof acc, "%s/%s.accounts.json", dir, coalition[k]);
      rc = mwx_cop_account_add(acc, "demo", MWX_COP_RELEASE_OFFICER, password);
    }
  }
  for (int k = 0; k < N_NODES && !rc; k++) {
    snprintf(cfgpath[k], sizeof cfgpath[k], "%s/%s.json", dir, coalition[k]);
    FILE *f = fopen(cfgpath[k], "w");
    if (!f) {
      rc = mwx_error_set(MWX_EIO, "demo: cannot write %s", cfgpath[k]);
      break;
    }
    fprintf(f,
            "{\"nation\":\"%s\",\"pki_dir\":\"pki\",\"secure\":true,\"role\":\"mesh\",\"domain_id\":%d,"
            "\"interface\":\"lo\",\"peers\":[\"127.0.0.1\"],\"lease_ms\":3000,\n"
            " \"journal\":\"%s.db\",\"policy\":\"%s/config/policy-%s.json\",\"scenario\":\"%s\",\"seed\":%d,\n"
            " \"speed\":%g,\"step_s\":0.2,\"start_unix_ms\":%lld,\"linger_s\":%d,\"status_every_s\":300",
            coalition[k], domain, coalition[k], MWX_SOURCE_DIR, coalition[k], scenario, DEMO_SEED, speed,
            (long long)start_ms, demo_serve ? -1 : 3);
    if (demo_serve)
      fprintf(f, ",\n \"web_port\":%d,\"web_accounts\":\"%s.accounts.json\"", demo_web_port + k, coalition[k]);
    fprintf(f, "}\n");
    fclose(f);
  }
  printf("three node processes (mwxd --config DIR/<NAT>.json), DDS domain %d on loopback, security on;\n"
         "scenario replayed at %g x (flight %.0f s -> %.0f s), the launch %.0f s from now\n",
         domain, speed, flight_s, flight_s / speed, 8.0);
  if (demo_serve && !rc) {
    printf("the nodes serve their pictures until Ctrl-C; open a URL in a browser and log in as\n"
           "  name: demo   password: %s   (role release_officer)\n", password);
    for (int k = 0; k < N_NODES; k++)
      printf("  %s  https://127.0.0.1:%d/   (certificate issued by %s/%s/web_ca.pem)\n", coalition[k], demo_web_port + k,
             pki, coalition[k]);
    printf("  (the certificates come from this run's own CA: accept the browser's warning, or trust that file)\n");
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = demo_on_sigint;
    sigaction(SIGINT, &sa, NULL);
  }
  act5_ctx c = {0};
  c.t0_ns = wall_ns();
  for (int k = 0; k < N_NODES && !rc; k++) {
    char *argv_node[8];
    int a = 0;
    argv_node[a++] = exe;
    argv_node[a++] = "--config";
    argv_node[a++] = cfgpath[k];
    argv_node[a++] = "--log";
    argv_node[a++] = "json-received"; /* the node's events as JSON, one a line */
    argv_node[a] = NULL;
    procs[k].pid = spawn_node(exe, argv_node, &procs[k].fd);
    if (procs[k].pid < 0)
      rc = mwx_error_set(MWX_EIO, "demo: cannot start the %s node: %s", coalition[k], strerror(errno));
  }
  int64_t deadline = c.t0_ns + (int64_t)((8.0 + flight_s / speed + 40.0) * 1e9);
  while (!rc) {
    struct pollfd pf[N_NODES];
    int np = 0, idx[N_NODES];
    for (int k = 0; k < N_NODES; k++)
      if (procs[k].fd >= 0) {
        pf[np].fd = procs[k].fd;
        pf[np].events = POLLIN;
        idx[np++] = k;
      }
    if (!np)
      break;
    if (demo_stop) {
      demo_stop = 0;
      printf("\nCtrl-C: stopping the nodes\n");
      for (int k = 0; k < N_NODES; k++)
        if (procs[k].pid > 0)
          kill(procs[k].pid, SIGTERM);
    }
    if (!demo_serve && wall_ns() > deadline) {
      rc = mwx_error_set(MWX_ETIMEDOUT, "demo: the nodes did not finish in time");
      break;
    }
    int r = poll(pf, (nfds_t)np, 500);
    for (int i = 0; i < np && r > 0; i++)
      if (pf[i].revents)
        act5_read(&c, &procs[idx[i]]);
  }
  int failed = 0;
  for (int k = 0; k < N_NODES; k++) {
    if (procs[k].pid <= 0)
      continue;
    if (rc)
      kill(procs[k].pid, SIGTERM);
    int st = 0;
    waitpid(procs[k].pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
      failed++;
    if (procs[k].fd >= 0)
      close(procs[k].fd);
  }
  free(c.seen);
  if (!rc) {
    if (!c.picture)
      c.picture = json_array();
    printf("  ... %llu picture updates in all, %llu shown\n", (unsigned long long)(c.lines - c.shown),
           (unsigned long long)c.shown);
    if (c.lat_n)
      printf("Track: plot -> partner's picture (exercise clock): mean %.1f ms, max %.1f ms over %llu samples\n",
             c.lat_sum_ms / (double)c.lat_n, c.lat_max_ms, (unsigned long long)c.lat_n);
    for (int k = 0; k < N_NODES; k++)
      for (int i = 0; i < procs[k].n_tail; i++)
        printf("%s\n", procs[k].tail[i]);
    act5_picture(c.picture);
    if (failed)
      rc = mwx_error_set(MWX_EIO, "demo: %d node(s) failed", failed);
  }
  for (int k = 0; k < N_NODES && !rc; k++) {
    char db[160], label[16];
    snprintf(db, sizeof db, "%s/%s.db", dir, coalition[k]);
    snprintf(label, sizeof label, "%s.db", coalition[k]);
    rc = verify_journal(label, db);
  }
  json_decref(c.picture);
  remove_tmpdir(dir);
  return rc;
}


/* ---- act 6 --------------------------------------------------------------- */

/* Act 6: the fused picture and the warnings, 2022-10-04 (Hwasong-12 over
 * Aomori), with the real node code of each nation run offline in this
 * process (mwx_node_offline_run: release policies, signatures, journals,
 * fusion, alerts; the samples one releases for another handed over as DDS
 * would).  Everything printed comes from the nodes' structured events and
 * their fused picture. */
#define ACT6_SCENARIO MWX_SOURCE_DIR "/scenarios/2022-10-04-hwasong12.json"

typedef struct act6_alert {
  double t_s, overflight_s;
  int action, severity;
  char regions[MWX_TEXT_LEN];
} act6_alert;

typedef struct act6_ctx {
  char nation[MWX_NATION_LEN];
  int64_t epoch_ns;
  int n_alerts;
  act6_alert alert[16];
  int fused;
} act6_ctx;

static void act6_event(void *vc, const mwx_node_event *ev) {
  act6_ctx *c = vc;
  if (strcmp(c->nation, "JPN"))
    return;
  if (ev->kind == MWX_NODE_EV_FUSED)
    c->fused++;
  if (ev->kind == MWX_NODE_EV_ALERT && ev->msg && c->n_alerts < 16) {
    act6_alert *a = &c->alert[c->n_alerts++];
    a->t_s = (double)(ev->sim_ns - c->epoch_ns) / 1e9;
    a->overflight_s = ev->overflight_ns ? (double)(ev->overflight_ns - c->epoch_ns) / 1e9 : -1;
    a->action = ev->msg->u.alert.action;
    a->severity = ev->msg->u.alert.severity;
    snprintf(a->regions, sizeof a->regions, "%s", ev->msg->u.alert.regions);
  }
}

static void act6_entry(void *vc, const mwx_node_fused_entry *e) {
  (void)vc;
  printf("  G%-10u %5.1f N %6.1f E %5.0f km  members", e->global_track_no, e->lat_deg, e->lon_deg, e->h_m / 1e3);
  for (int k = 0; k < e->n_members; k++)
    printf(" %s", e->member[k]);
  printf("  from");
  for (int k = 0; k < e->n_contributors; k++)
    printf(" %s", e->contributors[k]);
  if (e->has_launch)
    printf("; launch point by %s (95%% %.1f km)", e->launch_from, e->launch.err_major_km);
  if (e->has_impact)
    printf("; impact %.2f N %.2f E (%s)", e->impact.lat_deg, e->impact.lon_deg,
           mwx_zone_kind_name((mwx_zone_kind)e->impact.zone));
  printf("\n");
}

/* One arrangement: the nations whose nodes run; JPN's timeline into c. */
static int act6_run(const char *dir, const char *const *nations, int n_nat, int show_picture, act6_ctx *c,
                    uint64_t *unfusable) {
  mwx_node *nodes[3] = {NULL, NULL, NULL};
  static act6_ctx other[3];
  int rc = 0;
  for (int k = 0; k < n_nat && !rc; k++) {
    mwx_node_config cfg;
    mwx_node_config_init(&cfg);
    snprintf(cfg.nation, sizeof cfg.nation, "%s", nations[k]);
    snprintf(cfg.scenario, sizeof cfg.scenario, "%s", ACT6_SCENARIO);
    /* the shipped policies: KOR-JPN Tracks keep their covariance, so JPN's picture can fuse KOR's */
    snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nations[k]);
    if (access(cfg.policy, F_OK) != 0)
      snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nations[k]);
    snprintf(cfg.journal, sizeof cfg.journal, "%s/%s-%d.db", dir, nations[k], n_nat);
    cfg.journal_plots = 0;
    cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
    cfg.launch_fit = 0;
    act6_ctx *x = strcmp(nations[k], "JPN") ? &other[k] : c;
    memset(x, 0, sizeof *x);
    snprintf(x->nation, sizeof x->nation, "%s", nations[k]);
    if (!(rc = mwx_node_open(&cfg, act6_event, x, &nodes[k])))
      x->epoch_ns = mwx_node_epoch_ns(nodes[k]);
  }
  mwx_node *jpn = NULL;
  for (int k = 0; k < n_nat; k++)
    if (!strcmp(nations[k], "JPN"))
      jpn = nodes[k];
  if (!rc && show_picture) {
    rc = mwx_node_offline_run(nodes, (size_t)n_nat, c->epoch_ns + 300 * 1000000000ll);
    if (!rc) {
      printf("JPN's fused picture at +300 s (one entry per missile):\n");
      mwx_node_fused_picture(jpn, act6_entry, NULL);
    }
  }
  if (!rc && !show_picture) /* the picture is all the act needs from this run; the replay does the rest */
    rc = mwx_node_offline_run(nodes, (size_t)n_nat, 0);
  if (!rc && jpn) {
    mwx_node_stats st;
    mwx_node_get_stats(jpn, &st);
    *unfusable = st.unfusable;
  }
  for (int k = 0; k < n_nat; k++)
    mwx_node_close(nodes[k]);
  return rc;
}

/* The J-Alert record of a date in data/launches.csv: the j_alert_jst field
 * and the notes (the csv's last field), or "" if none. */
static void act6_jalert(const char *date, char *jst, size_t jcap, char *notes, size_t ncap) {
  jst[0] = notes[0] = 0;
  FILE *f = fopen(MWX_SOURCE_DIR "/data/launches.csv", "r");
  if (!f)
    return;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, date, strlen(date)))
      continue;
    /* split on commas outside quotes */
    char *field[32];
    int nf = 0, q = 0;
    field[nf++] = line;
    for (char *p = line; *p && nf < 32; p++) {
      if (*p == '"')
        q = !q;
      else if (*p == ',' && !q) {
        *p = 0;
        field[nf++] = p + 1;
      } else if (*p == '\n')
        *p = 0;
    }
    if (nf >= 17) {
      snprintf(jst, jcap, "%s", field[15]);
      snprintf(notes, ncap, "%s", field[16]);
    }
    break;
  }
  fclose(f);
}

/* Progress of a node replay on stderr (a terminal only). */
static void act6_progress(void *ctx, const char *cond, double frac) {
  fprintf(stderr, "\r  replay %s: %-9s %3.0f%%", (const char *)ctx, cond, 100.0 * frac);
  fflush(stderr);
}

/* `mwx replay` of a scenario over the real nodes (node.h mwx_node_replay:
 * alone / bilateral / shared, the zone and alert keys), its table; *out
 * (may be NULL) keeps the result for the timeline. */
static int act6_replay(const char *scenario, const char *label, mwx_node_replay_result *out) {
  mwx_node_replay_opts o;
  mwx_node_replay_opts_default(&o);
  /* the shipped policies (config/): KOR-JPN Tracks keep their covariance, grown by the 1-km
     rounding, so each node can fuse the other's tracks (docs/fusion.md) */
  if (isatty(2)) {
    o.progress = act6_progress;
    o.progress_ctx = (void *)label;
  }
  mwx_node_replay_result r;
  int rc = mwx_node_replay(scenario, &o, &r);
  if (isatty(2))
    fprintf(stderr, "\r%60s\r", "");
  if (!rc) {
    printf("\nmwx replay %s (the real nodes offline; %.0f + %.0f + %.0f s):\n", label,
           r.wall_s[0], r.wall_s[1], r.wall_s[2]);
    rc = mwx_fuse_replay_print(stdout, &r.keys);
  }
  if (!rc && out)
    *out = r;
  else
    mwx_node_replay_fini(&r);
  fflush(stdout);
  return rc;
}

/* JPN's warning timeline of one condition from the replay's alert events. */
static void act6_timeline(const mwx_node_replay_result *r, int cond, const char *label) {
  static const char *const act[] = {"issue", "update", "cancel"};
  static const char *const kind[] = {"none", "info", "sea_notice", "land_warning"};
  printf("  %s:\n", label);
  int any = 0;
  for (size_t i = 0; i < r->n_alerts; i++) {
    const mwx_node_replay_alert *a = &r->alert[i];
    if (a->nation != 1 || a->condition != cond)
      continue;
    any = 1;
    int jst_s = 7 * 3600 + 22 * 60 + (int)lround(a->t_s); /* launch 07:22 JST */
    printf("    %+6.0f s (%02d:%02d:%02d JST)  %-6s %-12s %s", a->t_s, jst_s / 3600, jst_s / 60 % 60, jst_s % 60,
           a->action >= 0 && a->action < 3 ? act[a->action] : "?", a->kind >= 0 && a->kind < 4 ? kind[a->kind] : "?",
           a->regions[0] ? a->regions : "-");
    if (a->kind == 3 && a->action != 2 && a->overflight_s > -1e8)
      printf("  (predicted overflight at %+.0f s: %.0f s of warning)", a->overflight_s, a->overflight_s - a->t_s);
    printf("\n");
  }
  if (!any)
    printf("    no alert\n");
}

/* The false land warnings of a replay (docs/zones-and-alerts.md "False
 * alerts": a warned region neither overflown nor hit, or a nation neither
 * overflown nor hit): counted per nation and condition from the replay's
 * keys (the truth scorer, alert.h mwx_alert_truth_*), listed from its
 * events.  Returns the count. */
static int act6_false(const mwx_node_replay_result *r, const char *label) {
  static const char *const nat[3] = {"KOR", "JPN", "USA"}, *const cond[3] = {"alone", "bilateral", "shared"};
  int n = 0, rows = 0;
  for (size_t k = 0; k < r->keys.n; k++)
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++, rows++)
        n += r->keys.m[k].n[a][c].false_alert != 0;
  printf("  %s: %d false land warning%s of %d (missile, nation, condition)%s\n", label, n, n == 1 ? "" : "s", rows,
         n ? ":" : "");
  for (size_t k = 0; k < r->keys.n && n; k++)
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        if (!r->keys.m[k].n[a][c].false_alert)
          continue;
        for (size_t i = 0; i < r->n_alerts; i++) {
          const mwx_node_replay_alert *e = &r->alert[i];
          if (e->nation == a && e->condition == c && e->missile == k && e->kind == 3 && e->action != 2)
            printf("    %s %s %s at %+.0f s to %s\n", r->keys.m[k].id, nat[a], cond[c], e->t_s,
                   e->regions[0] ? e->regions : "(no region)");
        }
      }
  return n;
}

static int act_warning(void) {
  printf("\n== Act 6: one picture per nation, and whom JPN warns (2022-10-04, Hwasong-12 over Aomori) ==\n");
  printf("the real nodes of each nation, offline in this process: policies, signatures, journals, fusion, alerts\n");
  char dir[] = "/tmp/mwx_demo6_XXXXXX";
  if (!mkdtemp(dir))
    return mwx_error_set(MWX_EIO, "demo: cannot make a temporary directory");
  static const char *const shared[] = {"KOR", "JPN", "USA"};
  static act6_ctx c;
  uint64_t unf = 0;
  int rc = act6_run(dir, shared, 3, 1, &c, &unf);
  remove_tmpdir(dir);
  if (rc)
    return rc;
  fflush(stdout);
  /* what sharing is worth: the replay of both launches over the real nodes */
  mwx_node_replay_result r, r18;
  memset(&r, 0, sizeof r);
  memset(&r18, 0, sizeof r18);
  rc = act6_replay(MWX_SOURCE_DIR "/scenarios/2022-11-18-hwasong17.json", "2022-11-18", &r18);
  if (!rc)
    rc = act6_replay(ACT6_SCENARIO, "2022-10-04", &r);
  if (rc) {
    mwx_node_replay_fini(&r18);
    return rc;
  }
  printf("\nfalse warnings (a land warning to a region, or a nation, the missile neither flew over nor hit):\n");
  act6_false(&r18, "2022-11-18");
  act6_false(&r, "2022-10-04");
  printf("  (before a coasted boost-phase track was kept in boost and a provisional prediction barred from\n"
         "  warning, KOR warned Gyeonggi and Gangwon at +312 s on 2022-11-18 with the USA's data: BENCHMARKS.md)\n");
  mwx_node_replay_fini(&r18);
  printf("\nJPN's warning timeline, 2022-10-04 (seconds after the 07:22 JST launch), from the replay:\n");
  act6_timeline(&r, 2, "with KOR's data (shared: KOR, JPN, USA)");
  act6_timeline(&r, 1, "without KOR's data (bilateral: JPN-USA)");
  act6_timeline(&r, 0, "alone (JPN's own sensors)");
  const mwx_fuse_replay_cond *js = &r.keys.m[0].n[1][2];
  if (js->has_overflight)
    printf("  the missile passed over Japan (truth) at %+.0f s (%02d:%02d JST)\n", js->overflight_s,
           (7 * 3600 + 22 * 60 + (int)js->overflight_s) / 3600, (7 * 3600 + 22 * 60 + (int)js->overflight_s) / 60 % 60);
  char jst[32], notes[1024];
  act6_jalert("2022-10-03T22:22Z", jst, sizeof jst, notes, sizeof notes);
  printf("  the real J-Alert (data/launches.csv): 07:27 JST to Hokkaido = +300 s, 07:29 JST to Aomori = +420 s\n"
         "    (clock minutes), while the missile passed over Aomori between 07:28 and 07:29\n");
  if (notes[0])
    printf("    %s\n", notes);
  printf("  KOR's data does not move JPN's first warning: JPN holds a track well before burnout either way, and no\n"
         "  prediction (so no warning) is made before the missile is seen to burn out (docs/zones-and-alerts.md)\n");
  mwx_node_replay_fini(&r);
  return 0;
}

int mwx_cmd_demo(int argc, char **argv) {
  const char *path = DEMO_SCENARIO;
  int acts[7] = {0, 1, 1, 1, 1, 1, 1};
  int acts_given = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) {
      printf("usage: mwx demo [SCENARIO.json] [--acts 1,2,3,4,5,6] [--serve [--web-port PORT]]\n"
             "  --serve: act 5 only (unless --acts says more): its nodes serve their web pictures\n"
             "           (https://127.0.0.1:8443-8445/, a login printed), the scenario at 10x, and keep\n"
             "           running until Ctrl-C\n"
             "  --web-port PORT: KOR's port (JPN's PORT+1, the USA's PORT+2), default 8443\n");
      return 0;
    } else if (!strcmp(argv[i], "--serve")) {
      demo_serve = 1;
      if (!acts_given) { /* --serve alone: only the coalition's act, whose nodes serve */
        memset(acts, 0, sizeof acts);
        acts[5] = 1;
      }
    } else if (!strcmp(argv[i], "--web-port") && i + 1 < argc) {
      char *end = NULL;
      long p = strtol(argv[++i], &end, 10);
      if (!end || *end || p < 1 || p > 65533) {
        fprintf(stderr, "mwx demo: --web-port '%s': a TCP port 1..65533 (KOR's; JPN's is +1, the USA's +2)\n", argv[i]);
        return 2;
      }
      demo_web_port = (int)p;
    } else if (!strcmp(argv[i], "--acts") && i + 1 < argc) {
      acts_given = 1;
      memset(acts, 0, sizeof acts);
      const char *list = argv[++i];
      int any = 0;
      for (const char *p = list; *p; p++) {
        if (*p >= '1' && *p <= '6')
          acts[*p - '0'] = any = 1;
        else if (*p != ',') {
          fprintf(stderr, "mwx demo: --acts '%s': acts are 1 to 6, separated by commas (e.g. 1,3)\n", list);
          return 2;
        }
      }
      if (!any) {
        fprintf(stderr, "mwx demo: --acts '%s' names no act (1 to 6)\n", list);
        return 2;
      }
    } else if (argv[i][0] != '-')
      path = argv[i];
    else {
      fprintf(stderr, "mwx demo: bad argument '%s'\n", argv[i]);
      return 2;
    }
  }
  mwx_sim_scenario sc = {0};
  mwx_sim_truth truth = {0};
  int rc = mwx_sim_scenario_load(path, &sc);
  if (!rc && sc.n_launches == 0)
    rc = mwx_error_set(MWX_EINVAL, "%s: no launches", path);
  if (!rc) {
    printf("mwx demo: %s (%zu launch(es), %zu sensors of KOR, JPN and USA)\n", sc.name,
           sc.n_launches, sc.n_sensors);
    fflush(stdout);
    if (acts[1])
      rc = act_trajectory(&sc.launch[0]);
  }
  if (!rc)
    rc = mwx_sim_truth_init(&truth, &sc, 1.0);
  if (!rc && acts[2])
    rc = act_visibility(&sc, &truth);
  if (!rc && acts[3])
    rc = act_tracking(&sc, &truth);
  fflush(stdout);
  if (!rc && acts[4])
    rc = act_release(path);
  fflush(stdout);
  double flight_s = 0;
  for (size_t k = 0; !rc && k < truth.n; k++) {
    double end = (double)(truth.launch_ns[k] - sc.epoch_ns) / 1e9 + truth.traj[k].fig.flight_time_s;
    if (end > flight_s)
      flight_s = end;
  }
  if (!rc && acts[5])
    rc = act_coalition(path, flight_s);
  fflush(stdout);
  if (!rc && acts[6])
    rc = act_warning();
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  if (rc) {
    mwx_cmd_report("demo", rc);
    return 1;
  }
  printf("\nmwx demo: done\n");
  return 0;
}
