/*
 * test_node_instances.c - every DDS instance a full node writes is
 * unregistered when it ends (issue 16, bounded memory), over DDS with all
 * security on.  Uses DDS: run under the shared lock (flock /tmp/mwx-dds.lock).
 *
 * A KOR node (mwx_node, online) plays the 2022-10-14 SRBM at 30x with its
 * alert rules (config/alert-KOR.json: information while a missile is
 * tracked): it issues an Alert about the missile, released to JPN, and
 * cancels it once the missile has fallen.  JPN here is a bare mwx_net with
 * a DDS reader of its own on KOR's Alert partition (org.KOR.rel.JPN.KOR).
 * Checked while KOR is still up (its writers alive, so a disposal can only
 * be KOR's unregistering, never a writer that left):
 *   JPN's early reader got every alert issued, cancelled, then disposed
 *     (NOT_ALIVE_DISPOSED: the writer's unregister, autodispose on), and no
 *     longer holds any of them once it took the disposal (dds_lookup_instance
 *     nil: the reader's instance table is bounded);
 *   a reader JPN makes after KOR's run (a late joiner, TRANSIENT_LOCAL) gets
 *     nothing of them: KOR's writers keep no history of an ended alert.  The
 *     same late joiner on the Track topic gets KOR's live tracks (when KOR
 *     still holds one), so an empty answer is not a deaf reader;
 *   KOR counted every cancel it published in alerts_forgotten.
 * Before the fix the Alert instances stayed registered for the node's life:
 * JPN saw them ALIVE and held them, and the late joiner got their last
 * samples.  (Cyclone 0.10.2, Debian 12, keeps one key entry per instance a
 * writer ever wrote after its unregister (its tkmap, fixed upstream in
 * 5cbf5c028, Cyclone 11.0), so dds_lookup_instance on KOR's own writer is
 * not nil after the unregister and is not what this test asks.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <dds/dds.h>

#include "fixture_proc.h"
#include "mwx/error.h"
#include "mwx/net.h"
#include "mwx/node.h"
#include "mwx/pki.h"
#include "mwx.h" /* the IDL's generated types (mwx_Alert) */
#include "node/node_int.h"

#define SEC 1000000000ll
#define MAX_IDS 64

typedef struct fixture {
  char dir[128], pki[160], journal[160], kor_ran[160], jpn_done[160];
  uint32_t domain;
} fixture;

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    fprintf(stderr, "[%d] ", (int)getpid());                                                                           \
    fprintf(stderr, __VA_ARGS__);                                                                                      \
    fprintf(stderr, "\n");                                                                                             \
    return 1;                                                                                                          \
  } while (0)

static void link_cfg(mwx_net_config *c, const char *nation, const fixture *f) {
  mwx_net_config_init(c);
  snprintf(c->nation, sizeof c->nation, "%s", nation);
  snprintf(c->pki_dir, sizeof c->pki_dir, "%s", f->pki);
  c->lease_ns = 2 * SEC;
  c->n_links = 1;
  mwx_net_link_config *l = &c->links[0];
  memset(l, 0, sizeof *l);
  l->domain_id = f->domain;
  snprintf(l->interface, sizeof l->interface, "lo");
  l->n_peers = 1;
  snprintf(l->peers[0], sizeof l->peers[0], "127.0.0.1");
}

static void touch(const char *path) {
  FILE *fp = fopen(path, "w");
  if (fp)
    fclose(fp);
}

static int wait_file(const char *path, int timeout_s) {
  struct stat sb;
  for (int i = 0; i < timeout_s * 50; i++) {
    if (stat(path, &sb) == 0)
      return 0;
    usleep(20000);
  }
  return -1;
}

/* A small set of ids. */
typedef struct ids {
  char id[MAX_IDS][MWX_ID_LEN];
  int flags[MAX_IDS]; /* JPN: 1 issued/updated seen, 2 cancel seen, 4 disposed seen */
  size_t n;
} ids;

static int ids_add(ids *s, const char *id) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->id[i], id))
      return (int)i;
  if (s->n == MAX_IDS)
    return -1;
  snprintf(s->id[s->n], MWX_ID_LEN, "%s", id);
  return (int)s->n++;
}

/* ---- KOR: the node ------------------------------------------------------ */

typedef struct kor_ctx {
  ids alerts, tracks;
  int issued, cancelled;
} kor_ctx;

static void on_kor(void *vc, const mwx_node_event *ev) {
  kor_ctx *c = vc;
  if (ev->kind != MWX_NODE_EV_RELEASED || !ev->msg || strcmp(ev->partner, "JPN"))
    return;
  if (ev->msg->topic == MWX_TOPIC_ALERT) {
    ids_add(&c->alerts, ev->msg->u.alert.alert_id);
    c->issued += ev->msg->u.alert.action == 0;
    c->cancelled += ev->msg->u.alert.action == 2;
  } else if (ev->msg->topic == MWX_TOPIC_TRACK)
    ids_add(&c->tracks, ev->msg->u.track.local_track_id);
}

static int kor_main(void *arg) {
  const fixture *f = arg;
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  snprintf(cfg.nation, sizeof cfg.nation, "KOR");
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/2022-10-14-srbm.json", MWX_SOURCE_DIR);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", f->journal);
  cfg.online = 1;
  cfg.speed = 30;
  cfg.step_s = 0;
  cfg.linger_s = 2;
  cfg.launch_fit = 0;
  cfg.journal_plots = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg.status_every_s = 3600;
  link_cfg(&cfg.net, "KOR", f);
  kor_ctx c;
  memset(&c, 0, sizeof c);
  mwx_node *n;
  if (mwx_node_open(&cfg, on_kor, &c, &n))
    FAIL("KOR open: %s", mwx_error_msg());
  /* JPN's reader first: a disposed instance never reaches a late joiner */
  if (mwx_net_wait_reader(n->net, 0, "rel.JPN.KOR", "JPN", 30 * SEC))
    FAIL("KOR: JPN never matched: %s", mwx_error_msg());
  if (mwx_node_run(n))
    FAIL("KOR run: %s", mwx_error_msg());
  if (mwx_net_wait_acks(n->net, 20 * SEC))
    FAIL("KOR acks: %s", mwx_error_msg());
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  printf("# KOR: %zu alerts released to JPN (%d issues, %d cancels); alerts_forgotten %llu; %zu tracks released,"
         " %llu held, %llu forgotten\n",
         c.alerts.n, c.issued, c.cancelled, (unsigned long long)st.alerts_forgotten, c.tracks.n,
         (unsigned long long)st.tracks_held, (unsigned long long)st.tracks_forgotten);
  int bad = 0;
  char tmp[200];
  snprintf(tmp, sizeof tmp, "%s.tmp", f->kor_ran);
  FILE *fp = fopen(tmp, "w"); /* the tracks KOR still holds: JPN's late joiner must hear them */
  if (fp) {
    fprintf(fp, "%llu\n", (unsigned long long)st.tracks_held);
    fclose(fp);
    rename(tmp, f->kor_ran);
  }
  if (wait_file(f->jpn_done, 30)) /* JPN judges while KOR's writers are alive */
    bad = 1;
  mwx_node_close(n);
  if (bad)
    FAIL("KOR: JPN never finished");
  if (c.alerts.n == 0 || c.issued == 0 || c.cancelled < c.issued)
    FAIL("KOR: %zu alerts, %d issued, %d cancelled (want at least one, each cancelled)", c.alerts.n, c.issued,
         c.cancelled);
  if (st.alerts_forgotten < (uint64_t)c.cancelled)
    FAIL("KOR: alerts_forgotten %llu < %d cancels published to JPN", (unsigned long long)st.alerts_forgotten,
         c.cancelled);
  return 0;
}

/* ---- JPN: a bare net with a reader of its own ---------------------------- */

static int take_alerts(dds_entity_t rd, ids *s) {
  for (;;) {
    void *buf[16] = {NULL};
    dds_sample_info_t si[16];
    dds_return_t k = dds_take(rd, buf, si, 16, 16);
    if (k < 0)
      return -1;
    if (k == 0)
      return 0;
    for (dds_return_t i = 0; i < k; i++) {
      const mwx_Alert *a = buf[i];
      if (strcmp(a->mark.originator, "KOR"))
        continue;
      int x = ids_add(s, a->alert_id);
      if (x < 0)
        continue;
      if (si[i].valid_data)
        s->flags[x] |= a->action == 2 ? 2 : 1;
      /* disposed while KOR's writers are up (JPN reads only until KOR has
         run; KOR closes after): KOR unregistered it.  A writer that leaves
         would make it NO_WRITERS, or disposed only as KOR closes */
      if (si[i].instance_state == DDS_NOT_ALIVE_DISPOSED_INSTANCE_STATE)
        s->flags[x] |= 4;
    }
    dds_return_loan(rd, buf, k);
  }
}

/* A reader of KOR's samples of topic on the partition rel.JPN.KOR (as the
 * net's own: reliable, TRANSIENT_LOCAL, so it gets the writers' history). */
static dds_entity_t kor_reader(mwx_net *n, mwx_msg_topic topic) {
  dds_entity_t pp = mwx_net_participant(n, 0), tp = mwx_net_topic(n, 0, topic);
  dds_qos_t *q = dds_create_qos();
  dds_qset_partition1(q, "org.KOR.rel.JPN.KOR");
  dds_entity_t sub = dds_create_subscriber(pp, q, NULL);
  dds_delete_qos(q);
  q = dds_create_qos();
  dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
  dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
  dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 16);
  dds_entity_t rd = sub > 0 ? dds_create_reader(sub, tp, q, NULL) : sub;
  dds_delete_qos(q);
  return rd;
}

/* Takes everything rd has; returns the number of valid samples (< 0: error). */
static int take_count(dds_entity_t rd) {
  int valid = 0;
  for (;;) {
    void *buf[16] = {NULL};
    dds_sample_info_t si[16];
    dds_return_t k = dds_take(rd, buf, si, 16, 16);
    if (k <= 0)
      return k < 0 ? -1 : valid;
    for (dds_return_t i = 0; i < k; i++)
      valid += si[i].valid_data;
    dds_return_loan(rd, buf, k);
  }
}

static int jpn_main(void *arg) {
  const fixture *f = arg;
  mwx_net_config c;
  link_cfg(&c, "JPN", f);
  mwx_net *n;
  if (mwx_net_open(&c, &n))
    FAIL("JPN open: %s", mwx_error_msg());
  dds_entity_t rd = kor_reader(n, MWX_TOPIC_ALERT);
  if (rd < 0)
    FAIL("JPN reader: %s", dds_strretcode(rd));
  ids s;
  memset(&s, 0, sizeof s);
  struct stat sb;
  int rc = 0;
  /* until KOR has run (its writers still up), then a second more */
  int64_t end = 0;
  for (int64_t t0 = mwx_net_now_ns();;) {
    int64_t now = mwx_net_now_ns();
    if (!end && stat(f->kor_ran, &sb) == 0)
      end = now + 1 * SEC;
    if ((end && now >= end) || now - t0 > 150 * SEC)
      break;
    if (mwx_net_poll(n, 50000000ll, NULL, NULL) < 0) /* the net's own readers take theirs too */
      mwx_error_clear();
    if (take_alerts(rd, &s)) {
      rc = 1;
      break;
    }
  }
  if (!end)
    rc = 1;
  int complete = 0, held = 0;
  for (size_t i = 0; i < s.n; i++) {
    mwx_Alert key;
    memset(&key, 0, sizeof key);
    snprintf(key.mark.originator, sizeof key.mark.originator, "KOR");
    snprintf(key.alert_id, sizeof key.alert_id, "%s", s.id[i]);
    int h = dds_lookup_instance(rd, &key) != DDS_HANDLE_NIL;
    held += h;
    complete += s.flags[i] == 7;
    fprintf(stderr, "JPN: alert %s: %s%s%s%s\n", s.id[i], s.flags[i] & 1 ? "issued " : "",
            s.flags[i] & 2 ? "cancelled " : "", s.flags[i] & 4 ? "disposed " : "ALIVE ", h ? "held" : "freed");
  }
  /* a late joiner: what KOR's writers still hold */
  unsigned long long kor_tracks = 0;
  FILE *fp = fopen(f->kor_ran, "r");
  if (!fp || fscanf(fp, "%llu", &kor_tracks) != 1)
    rc = 1;
  if (fp)
    fclose(fp);
  dds_entity_t late_al = kor_reader(n, MWX_TOPIC_ALERT), late_tr = kor_reader(n, MWX_TOPIC_TRACK);
  int late_alerts = -1, late_tracks = -1;
  if (late_al > 0 && late_tr > 0) {
    late_alerts = late_tracks = 0;
    for (int i = 0; i < 40 && !(late_tracks > 0 && i >= 20); i++) { /* 2 s at least, 4 s at most */
      dds_sleepfor(DDS_MSECS(100));
      int a = take_count(late_al), t = take_count(late_tr);
      if (a < 0 || t < 0)
        break;
      late_alerts += a;
      late_tracks += t;
    }
  }
  printf("# JPN: %zu KOR alerts, %d issued+cancelled+disposed, %d still held by its reader; a late joiner got %d"
         " Alert and %d Track samples (KOR holds %llu tracks)\n",
         s.n, complete, held, late_alerts, late_tracks, kor_tracks);
  touch(f->jpn_done);
  mwx_net_close(n);
  if (rc)
    FAIL("JPN: KOR never ran to its end (or a take failed)");
  if (s.n == 0)
    FAIL("JPN: no alert from KOR");
  if (complete != (int)s.n)
    FAIL("JPN: %d of %zu alerts were not issued, cancelled and disposed while KOR was up", (int)s.n - complete, s.n);
  if (held)
    FAIL("JPN: its reader still holds %d of %zu ended alerts", held, s.n);
  if (late_alerts != 0)
    FAIL("JPN: a late joiner got %d Alert samples: KOR's writers still hold ended alerts", late_alerts);
  if (kor_tracks > 0 && late_tracks <= 0)
    FAIL("JPN: the late joiner heard no Track of KOR's %llu live tracks (a deaf reader proves nothing)", kor_tracks);
  return 0;
}

/* ---- the test ---------------------------------------------------------- */

static void test_ended_instances_unregistered(void **state) {
  (void)state;
  fixture f;
  snprintf(f.dir, sizeof f.dir, "/tmp/mwx_test_node_instances.XXXXXX");
  assert_non_null(mkdtemp(f.dir));
  snprintf(f.pki, sizeof f.pki, "%s/pki", f.dir);
  snprintf(f.journal, sizeof f.journal, "%s/kor.db", f.dir);
  snprintf(f.kor_ran, sizeof f.kor_ran, "%s/kor.ran", f.dir);
  snprintf(f.jpn_done, sizeof f.jpn_done, "%s/jpn.done", f.dir);
  f.domain = 140 + (uint32_t)(getpid() % 20);
  if (mwx_pki_init(f.pki, "KOR,JPN,USA", 0, 1))
    fail_msg("pki: %s", mwx_error_msg());
  pid_t nodes[2] = {fx_spawn(jpn_main, &f), fx_spawn(kor_main, &f)}; /* JPN, KOR */
  assert_int_equal(fx_wait_all(nodes, 2, 240), 0);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f.dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_ended_instances_unregistered)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
