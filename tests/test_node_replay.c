/*
 * test_node_replay.c - what a full node (mwx_node, online, journal) does
 * with samples a genuine partner signed but that must not move its
 * picture, over DDS with all security on.  Uses DDS: run under the shared
 * lock (flock /tmp/mwx-dds.lock).
 *
 * A KOR process (mwx_net) publishes, signed with KOR's origin key:
 *   KOR-T1 seq 1 valid at now - 1 s, then seq 2 valid at now - 5 s (newer
 *     seq, older data): both taken, the picture keeps seq 1 (it never goes
 *     back in time; before the fix it showed seq 2);
 *   KOR-T2 seq 3 valid at now - 100 s, beyond replay_max_age_s = 30:
 *     refused as stale (before: taken, in the picture);
 *   KOR-T3 seq 4 for JPN, KOR, USA, then seq 4 for JPN, KOR (another copy of
 *     the same sample), then the first again, byte-identical: the copy is
 *     journaled, the re-send refused as duplicate, the picture updated once
 *     (before: three updates);
 *   KOR-T4 seq 5 altered after its signing (one bit): refused for the
 *     signature.  The DROPPED events and JPN's partner stats tell the two
 *     replays and the signature failure apart (mwx_node_event.drop).
 * The JPN node runs in its own process (DDS does not survive fork), checks
 * its picture and exits; the test process judges the exit codes and reads
 * JPN's journal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture_proc.h"
#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/net.h"
#include "mwx/node.h"
#include "mwx/pki.h"

#define SEC 1000000000ll
#define EXPECTED 7 /* arrivals from KOR */

typedef struct fixture {
  char dir[128], pki[160], journal[160];
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

/* ---- KOR: the publisher ------------------------------------------------ */

static int publish(mwx_net *n, uint32_t track, uint64_t seq, int64_t age_ns, const char *rel, mwx_msg *m) {
  if (mwx_net_test_track(n, track, seq, rel, m))
    return -1;
  m->u.track.time_ns -= age_ns;
  if (mwx_net_sign_publish(n, m))
    return -1;
  struct timespec ts = {0, 50000000};
  nanosleep(&ts, NULL); /* one after the other, in this order */
  return 0;
}

static int kor_main(void *arg) {
  const fixture *f = arg;
  mwx_net_config c;
  link_cfg(&c, "KOR", f);
  mwx_net *n;
  if (mwx_net_open(&c, &n))
    FAIL("KOR open: %s", mwx_error_msg());
  int rc = 0;
  mwx_msg m, first;
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "JPN", 30 * SEC) ||
      mwx_net_wait_reader(n, 0, "rel.JPN.KOR", "JPN", 30 * SEC))
    rc = 1;
  if (!rc)
    rc = publish(n, 1, 1, 1 * SEC, NULL, &m) || publish(n, 1, 2, 5 * SEC, NULL, &m) ||
         publish(n, 2, 3, 100 * SEC, NULL, &m) || publish(n, 3, 4, 0, NULL, &first) ||
         publish(n, 3, 4, 0, "JPN,KOR", &m);
  if (!rc) /* the first T3 again: the same bytes and signature */
    rc = mwx_net_publish(n, &first) != 0;
  if (!rc) { /* KOR-T4: altered after its signing, one bit of its position */
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    rc = mwx_net_test_track(n, 4, 5, NULL, &m) || mwx_net_sign(n, &m);
    ((uint8_t *)&m.u.track.pos_ecef_m[0])[3] ^= 0x01;
    rc = rc || mwx_net_publish(n, &m) != 0;
  }
  if (!rc)
    rc = mwx_net_wait_acks(n, 20 * SEC) != 0;
  if (rc)
    fprintf(stderr, "KOR: %s\n", mwx_error_msg());
  mwx_net_close(n);
  return rc;
}

/* ---- JPN: the node ------------------------------------------------------ */

typedef struct jpn_ctx {
  mwx_node *n;
  int from_kor;
  int drops[4]; /* DROPPED from KOR by mwx_node_event.drop */
} jpn_ctx;

static void on_event(void *vc, const mwx_node_event *ev) {
  jpn_ctx *c = vc;
  if (getenv("MWX_TEST_VERBOSE"))
    fprintf(stderr, "JPN event %d partner %s drop %d: %s\n", (int)ev->kind, ev->partner, (int)ev->drop, ev->detail);
  if ((ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_DROPPED) && !strcmp(ev->partner, "KOR") &&
      ev->kind == MWX_NODE_EV_DROPPED && (unsigned)ev->drop < 4)
    c->drops[ev->drop]++;
  if ((ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_DROPPED) && !strcmp(ev->partner, "KOR") &&
      ++c->from_kor == EXPECTED)
    mwx_node_stop(c->n);
}

static int64_t on_deadline(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_node_stop(ctx);
  return MWX_NODE_TIMER_DONE;
}

typedef struct pic {
  int t1, t2, t3;
  uint64_t t1_seq, t3_seq, t3_updates;
} pic;

static void on_entry(void *vc, const mwx_fuse_latest_entry *e) {
  pic *p = vc;
  if (e->msg.topic != MWX_TOPIC_TRACK || strncmp(e->msg.mark.originator, "KOR", 3))
    return;
  const char *id = e->msg.u.track.local_track_id;
  if (!strcmp(id, "KOR-T1")) {
    p->t1++;
    p->t1_seq = e->msg.mark.seq;
  } else if (!strcmp(id, "KOR-T2"))
    p->t2++;
  else if (!strcmp(id, "KOR-T3")) {
    p->t3++;
    p->t3_seq = e->msg.mark.seq;
    p->t3_updates = e->updates;
  }
}

static int jpn_main(void *arg) {
  const fixture *f = arg;
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  snprintf(cfg.nation, sizeof cfg.nation, "JPN");
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-JPN.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", f->journal);
  cfg.online = 1;
  cfg.speed = 1;
  cfg.linger_s = -1;
  cfg.status_every_s = 3600;
  cfg.replay_max_age_s = 30;
  link_cfg(&cfg.net, "JPN", f);
  jpn_ctx c = {NULL, 0, {0}};
  if (mwx_node_open(&cfg, on_event, &c, &c.n))
    FAIL("JPN open: %s", mwx_error_msg());
  if (mwx_node_loop_timer_add(mwx_node_get_loop(c.n), 40 * SEC, on_deadline, c.n, NULL))
    FAIL("JPN timer: %s", mwx_error_msg());
  int rc = mwx_node_run(c.n);
  pic p = {0};
  mwx_node_latest(c.n, on_entry, &p);
  mwx_node_stats st;
  mwx_node_get_stats(c.n, &st);
  const mwx_node_partner_stats *kor = NULL;
  for (int i = 0; i < st.n_partners; i++)
    if (!strcmp(st.partner[i].nation, "KOR"))
      kor = &st.partner[i];
  mwx_node_close(c.n);
  /* the two replays and the signature failure told apart */
  if (c.drops[MWX_NODE_DROP_REPLAY] != 2 || c.drops[MWX_NODE_DROP_SIGNATURE] != 1 || c.drops[MWX_NODE_DROP_OTHER] ||
      c.drops[MWX_NODE_DROP_NONE])
    FAIL("DROPPED by reason: replay %d, signature %d, other %d, none %d (want 2, 1, 0, 0)",
         c.drops[MWX_NODE_DROP_REPLAY], c.drops[MWX_NODE_DROP_SIGNATURE], c.drops[MWX_NODE_DROP_OTHER],
         c.drops[MWX_NODE_DROP_NONE]);
  if (!kor || kor->replays != 2 || kor->sig_failures != 1)
    FAIL("JPN's stats for KOR: replays %llu, sig_failures %llu (want 2, 1)",
         kor ? (unsigned long long)kor->replays : 0ull, kor ? (unsigned long long)kor->sig_failures : 0ull);
  if (rc)
    FAIL("JPN run: %s", mwx_error_msg());
  if (c.from_kor != EXPECTED)
    FAIL("JPN heard %d of %d samples from KOR", c.from_kor, EXPECTED);
  if (p.t1 != 1 || p.t1_seq != 1)
    FAIL("picture: KOR-T1 went back in time (seq %llu shown, want 1)", (unsigned long long)p.t1_seq);
  if (p.t2)
    FAIL("picture: the stale KOR-T2 is in it");
  if (p.t3 != 1 || p.t3_seq != 4 || p.t3_updates != 1)
    FAIL("picture: KOR-T3 seq %llu, %llu updates (want seq 4, 1 update)", (unsigned long long)p.t3_seq,
         (unsigned long long)p.t3_updates);
  return 0;
}

/* ---- the test ---------------------------------------------------------- */

typedef struct tally {
  int samples, copies, stale, duplicate;
} tally;

static int on_record(const mwx_journal_record *r, void *ctx) {
  tally *t = ctx;
  if (!r->has_msg || strncmp(r->msg.mark.originator, "KOR", 3))
    return 0;
  if (r->kind == MWX_JOURNAL_SAMPLE) {
    t->samples++;
    t->copies += strstr(r->payload, "\"copy\":true") != NULL;
  } else if (r->kind == MWX_JOURNAL_REPLAY) {
    t->stale += strstr(r->payload, "\"why\":\"stale\"") != NULL;
    t->duplicate += strstr(r->payload, "\"why\":\"duplicate\"") != NULL;
  }
  return 0;
}

static void test_picture_and_age(void **state) {
  (void)state;
  fixture f;
  snprintf(f.dir, sizeof f.dir, "/tmp/mwx_test_node_replay.XXXXXX");
  assert_non_null(mkdtemp(f.dir));
  snprintf(f.pki, sizeof f.pki, "%s/pki", f.dir);
  snprintf(f.journal, sizeof f.journal, "%s/jpn.db", f.dir);
  f.domain = 60 + (uint32_t)(getpid() % 40);
  if (mwx_pki_init(f.pki, "KOR,JPN,USA", 0, 1))
    fail_msg("pki: %s", mwx_error_msg());
  pid_t nodes[2] = {fx_spawn(jpn_main, &f), fx_spawn(kor_main, &f)}; /* JPN, KOR */
  assert_int_equal(fx_wait_all(nodes, 2, 90), 0);
  mwx_journal *j;
  mwx_journal_options ro = {MWX_JOURNAL_SYNC_FULL, 1, NULL};
  assert_int_equal(mwx_journal_open(f.journal, &ro, &j), 0);
  tally t = {0};
  assert_int_equal(mwx_journal_query(j, INT64_MIN, 0, on_record, &t), 0);
  mwx_journal_verify_result vr;
  assert_int_equal(mwx_journal_verify(j, NULL, &vr), 0);
  mwx_journal_close(j);
  assert_int_equal(t.samples, 4); /* T1 seq 1, 2; T3 seq 4 and its other copy */
  assert_int_equal(t.copies, 1);
  assert_int_equal(t.stale, 1);     /* T2 */
  assert_int_equal(t.duplicate, 1); /* T3 re-sent */
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f.dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_picture_and_age)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
