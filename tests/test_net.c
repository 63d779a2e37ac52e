/*
 * test_net.c - the coalition network on loopback with all DDS Security on:
 * IDL conversion, partitions, signed exchange between three nations, a
 * rogue participant (certificate from an unknown CA), access control
 * refusing a partition, a relay that alters one byte, a late joiner, a
 * silent partner, and the hub topology over separate DDS domains.
 *
 * Every node runs in its own forked process (as on a real network: no
 * in-process shortcut between participants); the cmocka process itself
 * never touches DDS, it makes the PKI (OpenSSL only), forks the nodes and
 * judges their exit codes.  Nodes print what went wrong on stderr.  Waits
 * are bounded polls; each test uses its own DDS domain ids so tests do not
 * hear each other.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <dds/dds.h>

#include "mwx/error.h"
#include "mwx/net.h"
#include "mwx/pki.h"
#include "net/net_int.h"
#include "fixture_proc.h"
#include "samples.h"

#define SEC 1000000000ll

/* ------------------------------------------------------------- helpers */

typedef struct fixture {
  char dir[256];   /* scratch directory */
  char pki[300];   /* the coalition PKI */
  char rogue[300]; /* an unrelated PKI with the same nation names */
  char rogue2[300]; /* and another one */
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/mwx_test_net.XXXXXX");
  if (!mkdtemp(f->dir))
    return -1;
  snprintf(f->pki, sizeof f->pki, "%s/pki", f->dir);
  snprintf(f->rogue, sizeof f->rogue, "%s/rogue", f->dir);
  snprintf(f->rogue2, sizeof f->rogue2, "%s/rogue2", f->dir);
  if (mwx_pki_init(f->pki, "KOR,JPN,USA", 0, 1) || mwx_pki_init(f->rogue, "KOR,JPN,USA", 0, 1) ||
      mwx_pki_init(f->rogue2, "KOR,JPN,USA", 0, 1)) {
    fprintf(stderr, "pki: %s\n", mwx_error_msg());
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  int rc = system(cmd);
  free(f);
  return rc == 0 ? 0 : -1;
}

/* One loopback link in domain with the partners given as "KOR,USA". */
static void add_link(mwx_net_config *c, uint32_t domain, const char *partners) {
  mwx_net_link_config *l = &c->links[c->n_links++];
  memset(l, 0, sizeof *l);
  l->domain_id = domain;
  snprintf(l->interface, sizeof l->interface, "lo");
  l->n_peers = 1;
  snprintf(l->peers[0], sizeof l->peers[0], "127.0.0.1");
  size_t k = 0;
  char list[MWX_MAX_NATIONS][MWX_NATION_LEN];
  if (partners && !mwx_pki_parse_nations(partners, list, MWX_MAX_NATIONS, &k))
    for (size_t i = 0; i < k; i++)
      memcpy(l->partners[l->n_partners++], list[i], MWX_NATION_LEN);
}

static void node_cfg(mwx_net_config *c, const char *nation, const char *pki) {
  mwx_net_config_init(c);
  snprintf(c->nation, sizeof c->nation, "%s", nation);
  snprintf(c->pki_dir, sizeof c->pki_dir, "%s", pki);
  c->lease_ns = 2 * SEC;
}

/* A node of nation with the PKI and one loopback link (see add_link);
 * NULL if it does not open (mwx_error_msg() says why). */
static mwx_net *open_node(const char *nation, const char *pki, uint32_t domain, const char *partners) {
  mwx_net_config c;
  mwx_net *n;
  node_cfg(&c, nation, pki);
  add_link(&c, domain, partners);
  return mwx_net_open(&c, &n) ? NULL : n;
}

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    fprintf(stderr, "[%d] ", (int)getpid());                                                                           \
    fprintf(stderr, __VA_ARGS__);                                                                                      \
    fprintf(stderr, "\n");                                                                                             \
    return 1;                                                                                                          \
  } while (0)

/* What a receiving node saw. */
typedef struct seen {
  int accepted, dropped, partner_alive, partner_lost;
  int dropped_reason;
  char ids[64][MWX_ID_LEN];
  char origin[64][MWX_NATION_LEN];
  uint64_t seq[64];
  int relayed;
  int verbose;
} seen;

static void record(void *ctx, const mwx_net_event *ev) {
  seen *s = ctx;
  if (s->verbose) {
    char line[512];
    mwx_net_event_format(ev, line, sizeof line);
    fprintf(stderr, "[%d] %s\n", (int)getpid(), line);
  }
  if (ev->kind == MWX_NET_EV_PARTNER) {
    if (ev->alive)
      s->partner_alive++;
    else
      s->partner_lost++;
    return;
  }
  if (ev->msg->topic != MWX_TOPIC_TRACK)
    return;
  if (ev->kind == MWX_NET_EV_DROPPED) {
    s->dropped++;
    s->dropped_reason = ev->reason;
    if (s->accepted + s->dropped <= 64) {
      int i = s->accepted + s->dropped - 1;
      memcpy(s->ids[i], ev->msg->u.track.local_track_id, MWX_ID_LEN);
    }
    return;
  }
  if (s->accepted + s->dropped < 64) {
    int i = s->accepted + s->dropped;
    memcpy(s->ids[i], ev->msg->u.track.local_track_id, MWX_ID_LEN);
    memcpy(s->origin[i], ev->msg->mark.originator, MWX_NATION_LEN);
    s->seq[i] = ev->msg->mark.seq;
  }
  s->accepted++;
  s->relayed += ev->relayed;
}

/* Polls until pred(s) or timeout; returns 1 if pred became true. */
static int poll_until(mwx_net *n, seen *s, int (*pred)(const seen *, const void *), const void *arg, int64_t timeout) {
  int64_t end = mwx_net_now_ns() + timeout;
  while (!pred(s, arg)) {
    if (mwx_net_now_ns() >= end)
      return 0;
    if (mwx_net_poll(n, 20000000ll, record, s) < 0)
      return 0;
  }
  return 1;
}

static int at_least(const seen *s, const void *arg) { return s->accepted + s->dropped >= *(const int *)arg; }
static int never(const seen *s, const void *arg) {
  (void)s;
  (void)arg;
  return 0;
}
static int has_id(const seen *s, const char *id) {
  for (int i = 0; i < s->accepted + s->dropped && i < 64; i++)
    if (!strcmp(s->ids[i], id))
      return 1;
  return 0;
}

static int publish_track(mwx_net *n, uint32_t index, uint64_t seq, const char *rel) {
  mwx_msg m;
  int rc = mwx_net_test_track(n, index, seq, rel, &m);
  return rc ? rc : mwx_net_sign_publish(n, &m);
}

/* In a node function: n = open_node(...), or FAIL when it does not open. */
#define OPEN_OR_FAIL(n, nation, pki, domain, partners)                                                                 \
  mwx_net *n = open_node(nation, pki, domain, partners);                                                               \
  if (!n)                                                                                                              \
  FAIL("%s open: %s", nation, mwx_error_msg())

/* Polls n for linger_ns, dropping what arrives (so that nothing in flight
 * is cut short), then closes it. */
static void linger_close(mwx_net *n, int64_t linger_ns) {
  seen s = {0};
  poll_until(n, &s, never, NULL, linger_ns);
  mwx_net_close(n);
}

/* A receiving node: nation on domain (partners as add_link) until `want`
 * samples arrived (accepted or dropped, into *s) or timeout_ns, then
 * linger_ns more (anything else arriving then is counted too), closed.
 * 0 if `want` arrived, else 1 (said on stderr). */
static int receive(const char *pki, const char *nation, uint32_t domain, const char *partners, int want,
                   int64_t timeout_ns, int64_t linger_ns, seen *s) {
  OPEN_OR_FAIL(n, nation, pki, domain, partners);
  int got = poll_until(n, s, at_least, &want, timeout_ns);
  if (got && linger_ns > 0)
    poll_until(n, s, never, NULL, linger_ns);
  mwx_net_close(n);
  if (!got)
    FAIL("%s: accepted %d dropped %d of %d", nation, s->accepted, s->dropped, want);
  return 0;
}

/* A node that publishes track 1, 2, ... n_tracks (seq = track) one every
 * 200 ms, ignoring refusals (a revoked or expired node's are expected). */
static int chatter(const char *pki, const char *nation, uint32_t domain, uint32_t n_tracks) {
  OPEN_OR_FAIL(n, nation, pki, domain, NULL);
  seen s = {0};
  for (uint32_t i = 1; i <= n_tracks; i++) {
    mwx_msg m;
    if (!mwx_net_test_track(n, i, i, NULL, &m))
      mwx_net_sign_publish(n, &m);
    poll_until(n, &s, never, NULL, SEC / 5);
  }
  mwx_net_close(n);
  return 0;
}

/* ------------------------------------------------- pure: conversion, names */

static void test_wire_round_trip(void **state) {
  (void)state;
  uint64_t rng = 42;
  for (int round = 0; round < 50; round++)
    for (int t = MWX_TOPIC_TRACK; t <= MWX_TOPIC_STATUS; t++) {
      mwx_msg m, back;
      ts_sample(&m, (mwx_msg_topic)t, round % 2 ? "KOR" : "JPN", &rng);
      mwx_msg_marking_add(&m.mark, "USA");
      for (int k = 0; k < MWX_SIG_LEN; k++)
        m.sig[k] = (uint8_t)ts_rand(&rng);
      net_wire w;
      assert_int_equal(net_to_wire(&m, &w), 0);
      assert_int_equal(net_from_wire((mwx_msg_topic)t, &w.s, &back), 0);
      uint8_t a[MWX_MSG_MAX_BYTES], b[MWX_MSG_MAX_BYTES];
      size_t la, lb;
      assert_int_equal(mwx_msg_encode(&m, a, sizeof a, &la), 0);
      assert_int_equal(mwx_msg_encode(&back, b, sizeof b, &lb), 0);
      assert_int_equal(la, lb);
      assert_memory_equal(a, b, la);
      assert_memory_equal(m.sig, back.sig, MWX_SIG_LEN);
    }
}

static void test_wire_refuses_overlong(void **state) {
  (void)state;
  mwx_Track t;
  memset(&t, 0, sizeof t);
  memcpy(t.mark.originator, "KOR", 4);
  memset(t.local_track_id, 'x', sizeof t.local_track_id); /* no terminating NUL */
  mwx_msg m;
  assert_int_equal(net_from_wire(MWX_TOPIC_TRACK, &t, &m), MWX_EPARSE);
  memcpy(t.local_track_id, "KOR-T1", 7);
  mwx_Nation many[9];
  memset(many, 0, sizeof many);
  t.mark.releasable_to._buffer = many;
  t.mark.releasable_to._length = 9;
  assert_int_equal(net_from_wire(MWX_TOPIC_TRACK, &t, &m), MWX_EPARSE);
}

static void test_partitions(void **state) {
  (void)state;
  char coalition[3][MWX_NATION_LEN] = {"JPN", "KOR", "USA"};
  char(*parts)[MWX_PKI_PARTITION_LEN];
  size_t n;
  assert_int_equal(mwx_pki_partitions_for((const char(*)[MWX_NATION_LEN])coalition, 3, "JPN", &parts, &n), 0);
  assert_int_equal(n, 4);
  assert_string_equal(parts[0], "rel.JPN");
  assert_string_equal(parts[1], "rel.JPN.KOR");
  assert_string_equal(parts[2], "rel.JPN.USA");
  assert_string_equal(parts[3], "rel.JPN.KOR.USA");
  free(parts);
  mwx_msg_marking mk;
  memset(&mk, 0, sizeof mk);
  memcpy(mk.originator, "USA", 4);
  mwx_msg_marking_add(&mk, "USA");
  mwx_msg_marking_add(&mk, "KOR");
  char buf[MWX_PKI_PARTITION_LEN];
  assert_int_equal(mwx_net_partition_of(&mk, buf, sizeof buf), 0);
  assert_string_equal(buf, "rel.KOR.USA");
  assert_int_equal(mwx_pki_subject("JPN", buf, sizeof buf), 0);
  assert_string_equal(buf, "CN=jpn-node,O=mwx,C=JP");
}

/* ------------------------------------------- mesh: three nations, secured */

typedef struct node_arg {
  const char *pki;
  const char *nation;
  uint32_t domain, domain2;
  int expect;          /* samples to accept */
  const char *must_not; /* id that must never arrive */
  int pipe_w;          /* to tell the parent something happened, or -1 */
} node_arg;

typedef int (*node_fn)(void *);

/* Forks node fn[i] with arg[i] for i < n (in that order) and waits for
 * them all (fx_wait_all): the number that failed. */
static int run_nodes(int timeout_s, int n, const node_fn fn[], const node_arg *const arg[]) {
  pid_t p[16];
  assert_true(n <= 16);
  for (int i = 0; i < n; i++)
    p[i] = fx_spawn(fn[i], (void *)arg[i]);
  return fx_wait_all(p, n, timeout_s);
}

static int mesh_kor(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, "JPN,USA");
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "JPN", 20 * SEC) ||
      mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "USA", 20 * SEC) ||
      mwx_net_wait_reader(n, 0, "rel.KOR.USA", "USA", 20 * SEC))
    FAIL("KOR: %s", mwx_error_msg());
  /* three for everyone, one for the USA only (KOR-T9) */
  if (publish_track(n, 1, 1, NULL) || publish_track(n, 2, 2, NULL) || publish_track(n, 9, 3, "KOR,USA") ||
      publish_track(n, 3, 4, NULL))
    FAIL("KOR publish: %s", mwx_error_msg());
  if (mwx_net_wait_acks(n, 10 * SEC))
    FAIL("KOR acks: %s", mwx_error_msg());
  linger_close(n, SEC);
  return 0;
}

static int mesh_receiver(void *p) {
  const node_arg *a = p;
  seen s = {0};
  /* anything arriving in the half second after is wrong */
  if (receive(a->pki, a->nation, a->domain, NULL, a->expect, 25 * SEC, SEC / 2, &s))
    return 1;
  if (s.accepted != a->expect || s.dropped)
    FAIL("%s: accepted %d (expected %d), dropped %d", a->nation, s.accepted, a->expect, s.dropped);
  for (int i = 0; i < s.accepted; i++)
    if (strcmp(s.origin[i], "KOR"))
      FAIL("%s: sample from %s", a->nation, s.origin[i]);
  if (a->must_not && has_id(&s, a->must_not))
    FAIL("%s received %s which is not releasable to it", a->nation, a->must_not);
  return 0;
}

static void test_mesh_secure_exchange(void **state) {
  fixture *f = *state;
  node_arg kor = {f->pki, "KOR", 11, 0, 0, NULL, -1};
  node_arg jpn = {f->pki, "JPN", 11, 0, 3, "KOR-T9", -1};
  node_arg usa = {f->pki, "USA", 11, 0, 4, NULL, -1};
  assert_int_equal(run_nodes(40, 3, (node_fn[]){mesh_receiver, mesh_receiver, mesh_kor}, (const node_arg *[]){&jpn, &usa, &kor}), 0);
}

/* ----------------------------------- rogue: certificate from an unknown CA */

static int rogue_listener(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, a->nation, a->pki, a->domain, NULL);
  seen s = {0};
  /* The genuine nodes exchange within this window (the genuine JPN proves
   * it); the rogue must hear nothing and see no partner. */
  poll_until(n, &s, never, NULL, 6 * SEC);
  int kor_present = mwx_net_partner_present(n, 0, "KOR");
  mwx_net_close(n);
  if (s.accepted || s.dropped || s.partner_alive || kor_present)
    FAIL("rogue %s: accepted %d dropped %d partners %d", a->nation, s.accepted, s.dropped, s.partner_alive);
  return 0;
}

static int rogue_publisher(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, NULL);
  for (uint32_t i = 50; i < 55; i++)
    if (publish_track(n, i, i, NULL))
      FAIL("rogue KOR publish: %s", mwx_error_msg());
  seen s = {0};
  poll_until(n, &s, never, NULL, 6 * SEC);
  mwx_net_close(n);
  if (s.accepted || s.partner_alive)
    FAIL("rogue KOR: accepted %d partners %d", s.accepted, s.partner_alive);
  return 0;
}

static void test_rogue_certificate(void **state) {
  fixture *f = *state;
  node_arg kor = {f->pki, "KOR", 12, 0, 0, NULL, -1};
  node_arg jpn = {f->pki, "JPN", 12, 0, 3, "KOR-T50", -1};
  node_arg usa = {f->pki, "USA", 12, 0, 4, NULL, -1};
  node_arg rogue_jpn = {f->rogue, "JPN", 12, 0, 0, NULL, -1};
  node_arg rogue_kor = {f->rogue2, "KOR", 12, 0, 0, NULL, -1};
  assert_int_equal(run_nodes(40, 5, (node_fn[]){rogue_listener, rogue_publisher, mesh_receiver, mesh_receiver, mesh_kor},
                             (const node_arg *[]){&rogue_jpn, &rogue_kor, &jpn, &usa, &kor}),
                   0);
}

/* --------------------------- access control: a partition JPN may not use */

static int jpn_asks_kor_usa(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "JPN", a->pki, a->domain, NULL);
  /* the raw middleware: a writer and a reader in rel.KOR.USA */
  dds_qos_t *q = dds_create_qos();
  dds_qset_partition1(q, "rel.KOR.USA");
  dds_entity_t pub = dds_create_publisher(mwx_net_participant(n, 0), q, NULL);
  dds_entity_t sub = dds_create_subscriber(mwx_net_participant(n, 0), q, NULL);
  dds_delete_qos(q);
  dds_entity_t wr = dds_create_writer(pub, mwx_net_topic(n, 0, MWX_TOPIC_TRACK), NULL, NULL);
  dds_entity_t rd = dds_create_reader(sub, mwx_net_topic(n, 0, MWX_TOPIC_TRACK), NULL, NULL);
  fprintf(stderr, "JPN writer in rel.KOR.USA: %s; reader: %s\n", dds_strretcode(wr), dds_strretcode(rd));
  if (wr != DDS_RETCODE_NOT_ALLOWED_BY_SECURITY || rd != DDS_RETCODE_NOT_ALLOWED_BY_SECURITY)
    FAIL("expected DDS_RETCODE_NOT_ALLOWED_BY_SECURITY, got writer %d reader %d", (int)wr, (int)rd);
  /* the same through the net API, and a partition it may use */
  if (mwx_net_try_partition(n, 0, MWX_TOPIC_ALERT, "rel.KOR.USA", 1) != MWX_EDENIED ||
      mwx_net_try_partition(n, 0, MWX_TOPIC_ALERT, "rel.KOR.USA", 0) != MWX_EDENIED)
    FAIL("try_partition rel.KOR.USA was not denied");
  if (mwx_net_try_partition(n, 0, MWX_TOPIC_ALERT, "org.JPN.rel.JPN.USA", 1))
    FAIL("try_partition org.JPN.rel.JPN.USA: %s", mwx_error_msg());
  /* JPN may read what KOR writes for JPN, but not write as KOR, nor read
   * what KOR writes for the USA only */
  if (mwx_net_try_partition(n, 0, MWX_TOPIC_ALERT, "org.KOR.rel.JPN.KOR", 0))
    FAIL("try_partition reader org.KOR.rel.JPN.KOR: %s", mwx_error_msg());
  if (mwx_net_try_partition(n, 0, MWX_TOPIC_TRACK, "org.KOR.rel.JPN.KOR", 1) != MWX_EDENIED ||
      mwx_net_try_partition(n, 0, MWX_TOPIC_TRACK, "org.KOR.rel.JPN.KOR.USA", 1) != MWX_EDENIED ||
      mwx_net_try_partition(n, 0, MWX_TOPIC_TRACK, "rel.JPN.KOR", 1) != MWX_EDENIED)
    FAIL("JPN could create a writer in a partition of KOR's (or without a sender)");
  if (mwx_net_try_partition(n, 0, MWX_TOPIC_TRACK, "org.KOR.rel.KOR.USA", 0) != MWX_EDENIED ||
      mwx_net_try_partition(n, 0, MWX_TOPIC_TRACK, "org.USA.rel.KOR.USA", 0) != MWX_EDENIED)
    FAIL("JPN could create a reader in a KOR.USA partition");
  /* a relay at JPN asked to put a KOR+USA sample on the bus is refused */
  mwx_msg m;
  memset(&m, 0, sizeof m);
  m.topic = MWX_TOPIC_TRACK;
  memcpy(m.mark.originator, "KOR", 4);
  mwx_msg_marking_add(&m.mark, "KOR");
  mwx_msg_marking_add(&m.mark, "USA");
  snprintf(m.u.track.local_track_id, MWX_ID_LEN, "KOR-T1");
  int rc = mwx_net_publish_link(n, 0, &m);
  fprintf(stderr, "JPN publish into rel.KOR.USA: %s (%s)\n", mwx_strerror(rc), mwx_error_msg());
  mwx_net_close(n);
  if (rc != MWX_EDENIED)
    FAIL("publish into rel.KOR.USA: %d", rc);
  return 0;
}

static void test_access_control_refuses_partition(void **state) {
  fixture *f = *state;
  node_arg jpn = {f->pki, "JPN", 13, 0, 0, NULL, -1};
  pid_t p = fx_spawn(jpn_asks_kor_usa, &jpn);
  assert_int_equal(fx_wait_all(&p, 1, 30), 0);
}

/* ------------------------------------ a relay that alters one byte (USA) */

/* The USA relay, made by hand (no automatic relay): it forwards what KOR
 * sends inside its own callback, KOR-T1 untouched and KOR-T2 with one byte
 * of its position changed. */
typedef struct tamper_ctx {
  mwx_net *n;
  int forwarded;
} tamper_ctx;

static void tamper_forward(void *ctx, const mwx_net_event *ev) {
  tamper_ctx *t = ctx;
  if (ev->kind != MWX_NET_EV_ACCEPTED || ev->msg->topic != MWX_TOPIC_TRACK)
    return;
  mwx_msg m = *ev->msg;
  if (!strcmp(m.u.track.local_track_id, "KOR-T2")) {
    uint8_t *b = (uint8_t *)&m.u.track.pos_ecef_m[0];
    b[3] ^= 0x01; /* one byte, one bit: about a millimetre */
  }
  if (mwx_net_publish_link(t->n, 1, &m) == 0)
    t->forwarded++;
}

static int tamper_relay(void *p) {
  const node_arg *a = p;
  mwx_net_config c;
  tamper_ctx t = {0};
  node_cfg(&c, "USA", a->pki);
  add_link(&c, a->domain, "KOR");
  add_link(&c, a->domain2, "JPN");
  if (mwx_net_open(&c, &t.n))
    FAIL("USA open: %s", mwx_error_msg());
  int64_t end = mwx_net_now_ns() + 25 * SEC;
  while (t.forwarded < 2 && mwx_net_now_ns() < end)
    mwx_net_poll(t.n, 20000000ll, tamper_forward, &t);
  if (t.forwarded < 2)
    FAIL("USA forwarded %d", t.forwarded);
  mwx_net_wait_acks(t.n, 10 * SEC);
  linger_close(t.n, SEC);
  return 0;
}

static int tamper_kor(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, "USA");
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "USA", 20 * SEC))
    FAIL("KOR: %s", mwx_error_msg());
  if (publish_track(n, 1, 1, NULL) || publish_track(n, 2, 2, NULL) || mwx_net_wait_acks(n, 10 * SEC))
    FAIL("KOR publish: %s", mwx_error_msg());
  linger_close(n, 3 * SEC);
  return 0;
}

static int tamper_jpn(void *p) {
  const node_arg *a = p;
  seen s = {.verbose = 1};
  if (receive(a->pki, "JPN", a->domain2, "USA", 2, 30 * SEC, 0, &s))
    return 1;
  if (s.accepted != 1 || s.dropped != 1 || s.dropped_reason != MWX_ECRYPTO)
    FAIL("JPN: accepted %d dropped %d reason %d", s.accepted, s.dropped, s.dropped_reason);
  if (strcmp(s.ids[0], "KOR-T1") && strcmp(s.ids[1], "KOR-T1"))
    FAIL("JPN: the untouched sample was not accepted");
  return 0;
}

static void test_relay_altering_one_byte_is_dropped(void **state) {
  fixture *f = *state;
  node_arg a = {f->pki, "", 14, 15, 0, NULL, -1};
  assert_int_equal(run_nodes(45, 3, (node_fn[]){tamper_jpn, tamper_relay, tamper_kor}, (const node_arg *[]){&a, &a, &a}), 0);
}

/* ---------------------------------------------------------- late joiner */

static int late_kor(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, "JPN,USA");
  /* the picture: tracks 1..3, then an update of track 1 (seq 4) */
  if (publish_track(n, 1, 1, NULL) || publish_track(n, 2, 2, NULL) || publish_track(n, 3, 3, NULL) ||
      publish_track(n, 1, 4, NULL))
    FAIL("KOR publish: %s", mwx_error_msg());
  if (write(a->pipe_w, "p", 1) != 1)
    FAIL("pipe");
  linger_close(n, 60 * SEC); /* until the parent stops it */
  return 0;
}

static int late_jpn(void *p) {
  const node_arg *a = p;
  mwx_net_config c;
  mwx_net *n;
  node_cfg(&c, "JPN", a->pki);
  c.history_depth = 1; /* the current picture: latest per track */
  add_link(&c, a->domain, "KOR,USA");
  if (mwx_net_open(&c, &n))
    FAIL("JPN open: %s", mwx_error_msg());
  seen s = {0};
  int three = 3;
  poll_until(n, &s, at_least, &three, 20 * SEC);
  poll_until(n, &s, never, NULL, SEC / 2);
  mwx_net_close(n);
  if (!has_id(&s, "KOR-T1") || !has_id(&s, "KOR-T2") || !has_id(&s, "KOR-T3"))
    FAIL("late joiner: accepted %d, missing tracks", s.accepted);
  for (int i = 0; i < s.accepted && i < 64; i++)
    if (!strcmp(s.ids[i], "KOR-T1") && s.seq[i] != 4)
      FAIL("late joiner: KOR-T1 seq %llu, expected the update (4)", (unsigned long long)s.seq[i]);
  return 0;
}

static void test_late_joiner_gets_picture(void **state) {
  fixture *f = *state;
  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  node_arg kor = {f->pki, "KOR", 16, 0, 0, NULL, pfd[1]};
  node_arg jpn = {f->pki, "JPN", 16, 0, 0, NULL, -1};
  pid_t k = fx_spawn(late_kor, &kor);
  close(pfd[1]);
  char b;
  assert_int_equal(read(pfd[0], &b, 1), 1); /* KOR has published */
  usleep(200000); /* and JPN was not there */
  pid_t j = fx_spawn(late_jpn, &jpn);
  int bad = fx_wait_all(&j, 1, 30);
  fx_stop(k);
  close(pfd[0]);
  assert_int_equal(bad, 0);
}

/* ---------------------------------------------- a silent partner is noticed */

static int silent_kor(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, "JPN");
  linger_close(n, 60 * SEC); /* until SIGKILL: no goodbye */
  return 0;
}

static int alive_once(const seen *s, const void *arg) {
  (void)arg;
  return s->partner_alive > 0;
}
static int lost_once(const seen *s, const void *arg) {
  (void)arg;
  return s->partner_lost > 0;
}

static int silent_jpn(void *p) {
  const node_arg *a = p;
  mwx_net_config c;
  mwx_net *n;
  node_cfg(&c, "JPN", a->pki);
  c.lease_ns = SEC;
  add_link(&c, a->domain, "KOR");
  if (mwx_net_open(&c, &n))
    FAIL("JPN open: %s", mwx_error_msg());
  seen s = {.verbose = 1};
  if (!poll_until(n, &s, alive_once, NULL, 20 * SEC))
    FAIL("JPN never saw KOR");
  if (write(a->pipe_w, "a", 1) != 1)
    FAIL("pipe");
  int64_t t0 = mwx_net_now_ns();
  int lost = poll_until(n, &s, lost_once, NULL, 15 * SEC);
  int64_t dt = mwx_net_now_ns() - t0;
  fprintf(stderr, "JPN noticed KOR's silence after %.2f s\n", (double)dt / 1e9);
  mwx_net_close(n);
  if (!lost)
    FAIL("JPN did not notice that KOR went silent");
  return 0;
}

static void test_silent_partner_is_noticed(void **state) {
  fixture *f = *state;
  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  node_arg kor = {f->pki, "KOR", 17, 0, 0, NULL, -1};
  node_arg jpn = {f->pki, "JPN", 17, 0, 0, NULL, pfd[1]};
  pid_t k = fx_spawn(silent_kor, &kor);
  pid_t j = fx_spawn(silent_jpn, &jpn);
  close(pfd[1]);
  char b;
  assert_int_equal(read(pfd[0], &b, 1), 1); /* JPN sees KOR */
  fx_stop(k);                                  /* KOR dies without a word */
  assert_int_equal(fx_wait_all(&j, 1, 30), 0);
  close(pfd[0]);
}

/* ---------------- hub: KOR - USA - JPN over two DDS domains (loopback) */

/* The USA as hub relay between KOR (a->domain) and JPN (a->domain2) until
 * it has 3 samples (into *s), its relayed copies acknowledged and a second
 * more gone by; *st its statistics then.  0, or 1 said on stderr. */
static int hub_relay(const node_arg *a, seen *s, mwx_net_stats *st) {
  mwx_net_config c;
  mwx_net *n;
  node_cfg(&c, "USA", a->pki);
  c.role = MWX_NET_HUB_RELAY;
  add_link(&c, a->domain, "KOR");
  add_link(&c, a->domain2, "JPN");
  if (mwx_net_open(&c, &n))
    FAIL("USA open: %s", mwx_error_msg());
  int three = 3;
  if (!poll_until(n, s, at_least, &three, 25 * SEC)) {
    mwx_net_close(n);
    FAIL("USA: accepted %d", s->accepted);
  }
  mwx_net_wait_acks(n, 10 * SEC);
  poll_until(n, s, never, NULL, SEC);
  mwx_net_get_stats(n, st);
  mwx_net_close(n);
  return 0;
}

/* KOR on a->domain with the USA as its only partner, once the USA reads
 * rel.JPN.KOR.USA; NULL (said on stderr) if not. */
static mwx_net *kor_to_usa(const node_arg *a) {
  mwx_net *n = open_node("KOR", a->pki, a->domain, "USA");
  if (!n || mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "USA", 20 * SEC)) {
    fprintf(stderr, "[%d] KOR: %s\n", (int)getpid(), mwx_error_msg());
    if (n)
      mwx_net_close(n);
    return NULL;
  }
  return n;
}

static int hub_usa(void *p) {
  seen s = {0};
  mwx_net_stats st;
  if (hub_relay(p, &s, &st))
    return 1;
  if (s.relayed != 2)
    FAIL("USA relayed %d samples (expected 2: KOR-T9 is not releasable to JPN)", s.relayed);
  return 0;
}

static int hub_kor(void *p) {
  mwx_net *n = kor_to_usa(p);
  if (!n)
    return 1;
  if (publish_track(n, 1, 1, NULL) || publish_track(n, 9, 2, "KOR,USA") || publish_track(n, 2, 3, NULL) ||
      mwx_net_wait_acks(n, 10 * SEC))
    FAIL("KOR publish: %s", mwx_error_msg());
  seen s = {0};
  poll_until(n, &s, never, NULL, 3 * SEC);
  mwx_net_close(n);
  if (s.accepted || s.dropped)
    FAIL("KOR got %d/%d samples back: the relay must not return them to their originator", s.accepted, s.dropped);
  return 0;
}

static int hub_jpn(void *p) {
  const node_arg *a = p;
  seen s = {0};
  if (receive(a->pki, "JPN", a->domain2, "USA", 2, 30 * SEC, SEC, &s))
    return 1;
  if (s.accepted != 2 || s.dropped || strcmp(s.origin[0], "KOR") || has_id(&s, "KOR-T9"))
    FAIL("JPN: accepted %d dropped %d", s.accepted, s.dropped);
  return 0;
}

static void test_hub_relay_loopback(void **state) {
  fixture *f = *state;
  node_arg a = {f->pki, "", 18, 19, 0, NULL, -1};
  assert_int_equal(run_nodes(45, 3, (node_fn[]){hub_jpn, hub_usa, hub_kor}, (const node_arg *[]){&a, &a, &a}), 0);
}

/* ------------- identity bound to origin: a nation forwards another's sample */

/* JPN holds a sample signed with KOR's origin key (here: the key itself,
 * the strongest case; in practice a genuine KOR sample JPN received) and
 * puts it on the bus as if relaying.  The USA reaches KOR directly on this
 * link, so only KOR may send KOR's samples: JPN's copy is dropped as
 * wrong-sender although its signature verifies; KOR's own is accepted. */
static int fwd_jpn(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "JPN", a->pki, a->domain, NULL);
  char key[400];
  mwx_msg_key *kor;
  snprintf(key, sizeof key, "%s/KOR/origin.key", a->pki);
  if (mwx_msg_key_load_private(key, &kor))
    FAIL("key: %s", mwx_error_msg());
  mwx_msg m;
  mwx_net_test_track(n, 7, 7, NULL, &m);
  memcpy(m.mark.originator, "KOR", 4);
  snprintf(m.u.track.local_track_id, MWX_ID_LEN, "KOR-T7");
  mwx_msg_sign(&m, kor);
  mwx_msg_key_free(kor);
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "USA", 20 * SEC) || mwx_net_publish_link(n, 0, &m) ||
      mwx_net_wait_acks(n, 10 * SEC))
    FAIL("JPN forward: %s", mwx_error_msg());
  linger_close(n, 2 * SEC);
  return 0;
}

static int fwd_usa(void *p) {
  const node_arg *a = p;
  seen s = {.verbose = 1};
  if (receive(a->pki, "USA", a->domain, NULL, 2, 25 * SEC, SEC, &s))
    return 1;
  if (s.accepted != 1 || s.dropped != 1 || s.dropped_reason != MWX_NET_ESENDER)
    FAIL("USA: accepted %d dropped %d (reason %d, want %d)", s.accepted, s.dropped, s.dropped_reason, MWX_NET_ESENDER);
  /* record() fills origin[] for accepted samples only */
  for (int i = 0; i < s.accepted + s.dropped && i < 64; i++)
    if (!strcmp(s.ids[i], "KOR-T7") ? s.origin[i][0] != '\0' : strcmp(s.origin[i], "KOR"))
      FAIL("USA: %s (origin '%s') should be %s", s.ids[i], s.origin[i], s.origin[i][0] ? "dropped" : "accepted");
  return 0;
}

static int fwd_kor(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, NULL);
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "USA", 20 * SEC) || publish_track(n, 1, 1, NULL) ||
      mwx_net_wait_acks(n, 10 * SEC))
    FAIL("KOR: %s", mwx_error_msg());
  linger_close(n, 2 * SEC);
  return 0;
}

static void test_sender_bound_to_origin(void **state) {
  fixture *f = *state;
  node_arg a = {f->pki, "", 20, 0, 0, NULL, -1};
  assert_int_equal(run_nodes(40, 3, (node_fn[]){fwd_usa, fwd_kor, fwd_jpn}, (const node_arg *[]){&a, &a, &a}), 0);
}

static void test_sender_rule(void **state) {
  (void)state;
  /* the rule itself, without DDS: mwx_net_check_sender needs an open net,
   * so it is exercised by test_sender_bound_to_origin and the hub tests;
   * here the partition names that carry the sender */
  char buf[MWX_PKI_WPARTITION_LEN], nat[MWX_NATION_LEN];
  assert_int_equal(mwx_pki_sender_partition("KOR", "rel.JPN.KOR.USA", buf, sizeof buf), 0);
  assert_string_equal(buf, "org.KOR.rel.JPN.KOR.USA");
  assert_int_equal(mwx_pki_partition_sender(buf, nat), 0);
  assert_string_equal(nat, "KOR");
  assert_int_equal(mwx_pki_partition_sender("rel.JPN.KOR", nat), MWX_EINVAL);
  assert_int_equal(mwx_pki_partition_sender("org.kor.rel.JPN", nat), MWX_EINVAL);
  assert_int_equal(mwx_pki_partition_sender("org.KORrel.JPN", nat), MWX_EINVAL);
  assert_int_equal(mwx_pki_sender_partition("KOR", "JPN.KOR", buf, sizeof buf), MWX_EINVAL);
  assert_int_equal(mwx_pki_sender_partition("KOR", "rel.JPN.KOR", buf, 10), MWX_ERANGE);
}

/* ------------- links: one domain twice, values that would break the XML */

static void test_link_config_checks(void **state) {
  (void)state;
  mwx_net_config c;
  mwx_net *n = NULL;
  node_cfg(&c, "USA", "/nonexistent");
  c.role = MWX_NET_HUB_RELAY;
  add_link(&c, 7, "KOR");
  add_link(&c, 7, "JPN");
  assert_int_equal(mwx_net_open(&c, &n), MWX_EINVAL);
  assert_null(n);
  fprintf(stderr, "two links on one domain: %s\n", mwx_error_msg());
  assert_non_null(strstr(mwx_error_msg(), "links 0 and 1 are both on DDS domain 7"));

  static const char *const bad_if[] = {"lo\"/><Foo bar=\"", "lo<", "eth0 x", "a&b", "", "lo\n"};
  for (size_t i = 0; i < sizeof bad_if / sizeof bad_if[0]; i++) {
    node_cfg(&c, "KOR", "/nonexistent");
    add_link(&c, 8, "USA");
    snprintf(c.links[0].interface, sizeof c.links[0].interface, "%s", bad_if[i]);
    int rc = mwx_net_open(&c, &n);
    if (!bad_if[i][0]) { /* empty: Cyclone's choice, allowed (fails later on the PKI) */
      assert_int_equal(rc, MWX_ENOTFOUND);
      continue;
    }
    assert_int_equal(rc, MWX_EINVAL);
    assert_non_null(strstr(mwx_error_msg(), "link 0: interface '"));
    assert_null(strchr(mwx_error_msg(), '\n'));
  }
  node_cfg(&c, "KOR", "/nonexistent");
  add_link(&c, 8, "USA");
  snprintf(c.links[0].peers[0], sizeof c.links[0].peers[0], "127.0.0.1\"/><Peer address=\"10.0.0.1");
  assert_int_equal(mwx_net_open(&c, &n), MWX_EINVAL);
  fprintf(stderr, "peer: %s\n", mwx_error_msg());
  assert_non_null(strstr(mwx_error_msg(), "link 0: peer 0 '127.0.0.1\"/><Peer"));
  /* accepted names and addresses */
  static const char *const good[] = {"lo", "eth0", "enp0s31f6", "veth-kor.1", "127.0.0.1", "fe80::1", "br_0"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    mwx_net_link_config l;
    memset(&l, 0, sizeof l);
    snprintf(l.interface, sizeof l.interface, "%s", good[i]);
    l.n_peers = 1;
    snprintf(l.peers[0], sizeof l.peers[0], "[%s]", good[i]);
    assert_int_equal(net_link_check(0, &l), 0);
  }
  /* the escaper itself */
  char out[128];
  assert_int_equal(net_xml_escape("lo\"/><Foo bar=\"", out, sizeof out), 0);
  assert_string_equal(out, "lo&quot;/&gt;&lt;Foo bar=&quot;");
  assert_int_equal(net_xml_escape("a&'b", out, sizeof out), 0);
  assert_string_equal(out, "a&amp;&apos;b");
  assert_int_equal(net_xml_escape("<<<<", out, 16), MWX_ERANGE);
}

/* ----------- the hub relays each signed sample at most once per link */

static int dedup_usa(void *p) {
  seen s = {0};
  mwx_net_stats st;
  if (hub_relay(p, &s, &st))
    return 1;
  fprintf(stderr, "USA: accepted %d, relayed %llu, duplicates suppressed %llu\n", s.accepted,
          (unsigned long long)st.relayed, (unsigned long long)st.relay_dups);
  /* KOR-T1 twice (the same signed sample) and KOR-T2 once */
  if (s.accepted != 3 || st.relayed != 2 || st.relay_dups != 1 || st.relay_forgotten != 0)
    FAIL("USA: accepted %d relayed %llu dups %llu", s.accepted, (unsigned long long)st.relayed,
         (unsigned long long)st.relay_dups);
  return 0;
}

static int dedup_kor(void *p) {
  mwx_net *n = kor_to_usa(p);
  if (!n)
    return 1;
  mwx_msg m;
  if (mwx_net_test_track(n, 1, 1, NULL, &m) || mwx_net_sign_publish(n, &m) || mwx_net_publish(n, &m) ||
      publish_track(n, 2, 2, NULL) || mwx_net_wait_acks(n, 10 * SEC))
    FAIL("KOR publish: %s", mwx_error_msg());
  linger_close(n, 3 * SEC);
  return 0;
}

static int dedup_jpn(void *p) {
  const node_arg *a = p;
  seen s = {.verbose = 1};
  if (receive(a->pki, "JPN", a->domain2, "USA", 2, 30 * SEC, 2 * SEC, &s))
    return 1;
  if (s.accepted != 2 || s.dropped)
    FAIL("JPN: accepted %d dropped %d (want 2: KOR-T1 once, KOR-T2)", s.accepted, s.dropped);
  return 0;
}

static void test_relay_forwards_once(void **state) {
  fixture *f = *state;
  node_arg a = {f->pki, "", 21, 22, 0, NULL, -1};
  assert_int_equal(run_nodes(45, 3, (node_fn[]){dedup_jpn, dedup_usa, dedup_kor}, (const node_arg *[]){&a, &a, &a}), 0);
}

/* -------------- expired and not-yet-valid certificates and permissions */

static int open_refused(void *p) {
  const node_arg *a = p;
  mwx_net *n = open_node("KOR", a->pki, a->domain, NULL);
  if (n) {
    mwx_net_close(n);
    FAIL("KOR opened with %s", a->nation);
  }
  fprintf(stderr, "%s: refused: %s\n", a->nation, mwx_error_msg());
  return 0;
}

static int open_works(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, NULL);
  mwx_net_close(n);
  return 0;
}

static int run_sh(const char *fmt, const char *a, const char *b) {
  char cmd[1200];
  int w = snprintf(cmd, sizeof cmd, fmt, a, b);
  if (w < 0 || (size_t)w >= sizeof cmd)
    return -1;
  return system(cmd);
}

static void test_validity_enforced(void **state) {
  fixture *f = *state;
  char pki[400];
  snprintf(pki, sizeof pki, "%s/validity", f->dir);
  assert_int_equal(run_sh("cp -r '%s' '%s'", f->pki, pki), 0);
  const long D = 86400;
  struct {
    const char *what;
    long cert_nb, cert_na, perm_nb, perm_na;
    int ok;
  } cases[] = {
      {"a fresh certificate and permissions", -3600, 30 * D, -3600, 30 * D, 1},
      {"an expired certificate", -3 * D, -D, -3600, 30 * D, 0},
      {"a certificate not yet valid", D, 3 * D, -3600, 30 * D, 0},
      {"expired permissions", -3600, 30 * D, -3 * D, -D, 0},
      {"permissions not yet valid", -3600, 30 * D, D, 3 * D, 0},
  };
  char node[500], keep[500];
  snprintf(node, sizeof node, "%s/KOR", pki);
  snprintf(keep, sizeof keep, "%s/keep", f->dir);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* the certificate's validity first (kept aside), then the permissions' */
    assert_int_equal(mwx_pki_reissue(pki, "KOR", cases[i].cert_nb, cases[i].cert_na), 0);
    assert_int_equal(run_sh("mkdir -p '%2$s' && cp '%1$s/node.pem' '%1$s/node.key' '%2$s/'", node, keep), 0);
    assert_int_equal(mwx_pki_reissue(pki, "KOR", cases[i].perm_nb, cases[i].perm_na), 0);
    assert_int_equal(run_sh("cp '%2$s/node.pem' '%2$s/node.key' '%1$s/'", node, keep), 0);
    node_arg a = {pki, cases[i].what, 23, 0, 0, NULL, -1};
    pid_t p = fx_spawn(cases[i].ok ? open_works : open_refused, &a);
    assert_int_equal(fx_wait_all(&p, 1, 30), 0);
  }
  /* mwx pki refuses an empty validity */
  assert_int_equal(mwx_pki_reissue(pki, "KOR", D, D), MWX_EINVAL);
}

/* ----------- revocation: a node certificate revoked while nodes run */

/* KOR publishes a track every 200 ms until stopped.  The parent revokes
 * KOR's certificate once the USA saw KOR alive; the USA (never restarted)
 * re-creates its participant with the new list within a second: from then
 * on it hears JPN again but never KOR. */
static int rv_kor(void *p) {
  const node_arg *a = p;
  return chatter(a->pki, "KOR", a->domain, 299);
}

static int rv_jpn(void *p) {
  const node_arg *a = p;
  return chatter(a->pki, "JPN", a->domain, 299);
}

typedef struct rv_seen {
  int kor_alive, jpn_alive, kor_after, jpn_after, phase;
} rv_seen;

static void rv_record(void *ctx, const mwx_net_event *ev) {
  rv_seen *r = ctx;
  if (ev->kind == MWX_NET_EV_PARTNER) {
    fprintf(stderr, "[USA] PARTNER %s %s (phase %d)\n", ev->partner, ev->alive ? "alive" : "lost", r->phase);
    int *which = !strcmp(ev->partner, "KOR") ? &r->kor_alive : !strcmp(ev->partner, "JPN") ? &r->jpn_alive : NULL;
    if (which)
      *which = ev->alive ? *which + 1 : *which;
    if (r->phase == 2 && ev->alive && !strcmp(ev->partner, "KOR"))
      r->kor_after = -1000; /* a revoked KOR reported alive */
    return;
  }
  if (ev->kind == MWX_NET_EV_ACCEPTED && r->phase == 2) {
    if (!strcmp(ev->msg->mark.originator, "KOR"))
      r->kor_after++;
    if (!strcmp(ev->msg->mark.originator, "JPN"))
      r->jpn_after++;
  }
}

static int rv_usa(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "USA", a->pki, a->domain, NULL);
  rv_seen r = {0};
  int64_t end = mwx_net_now_ns() + 25 * SEC;
  while ((r.kor_alive == 0 || r.jpn_alive == 0) && mwx_net_now_ns() < end)
    mwx_net_poll(n, 20000000ll, rv_record, &r);
  if (!r.kor_alive || !r.jpn_alive)
    FAIL("USA never saw both partners (KOR %d, JPN %d)", r.kor_alive, r.jpn_alive);
  if (write(a->pipe_w, "a", 1) != 1) /* the parent revokes KOR now */
    FAIL("pipe");
  mwx_net_stats st;
  end = mwx_net_now_ns() + 10 * SEC;
  do {
    mwx_net_poll(n, 20000000ll, rv_record, &r);
    mwx_net_get_stats(n, &st);
  } while (st.reopened == 0 && mwx_net_now_ns() < end);
  if (st.reopened != 1)
    FAIL("USA did not pick up the revocation list (reopened %llu)", (unsigned long long)st.reopened);
  r.phase = 2; /* from here on: the new participant */
  end = mwx_net_now_ns() + 8 * SEC;
  while (mwx_net_now_ns() < end)
    mwx_net_poll(n, 20000000ll, rv_record, &r);
  int kor_now = mwx_net_partner_present(n, 0, "KOR"), jpn_now = mwx_net_partner_present(n, 0, "JPN");
  mwx_net_close(n);
  fprintf(stderr, "USA after revocation: %d JPN samples, %d KOR samples; present JPN %d KOR %d\n", r.jpn_after,
          r.kor_after, jpn_now, kor_now);
  if (r.jpn_after < 5 || !jpn_now)
    FAIL("USA does not hear JPN after reopening (%d samples)", r.jpn_after);
  if (r.kor_after != 0 || kor_now)
    FAIL("USA still hears the revoked KOR (%d samples, present %d)", r.kor_after, kor_now);
  return 0;
}

static void test_revocation_without_restart(void **state) {
  fixture *f = *state;
  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  node_arg a = {f->pki, "", 24, 0, 0, NULL, pfd[1]};
  char crl[400];
  snprintf(crl, sizeof crl, "%s/identity_crl.pem", f->pki);
  assert_int_not_equal(access(crl, F_OK), 0);
  pid_t u = fx_spawn(rv_usa, &a);
  pid_t k = fx_spawn(rv_kor, &a);
  pid_t j = fx_spawn(rv_jpn, &a);
  close(pfd[1]);
  char b;
  assert_int_equal(read(pfd[0], &b, 1), 1);
  assert_int_equal(mwx_pki_revoke(f->pki, "KOR"), 0);
  assert_int_equal(mwx_pki_revoke(f->pki, "KOR"), MWX_EEXIST);
  int bad = fx_wait_all(&u, 1, 40);
  fx_stop(k);
  fx_stop(j);
  close(pfd[0]);
  assert_int_equal(bad, 0);
  /* the revoked certificate cannot start a participant any more */
  node_arg revoked = {f->pki, "a revoked certificate", 25, 0, 0, NULL, -1};
  pid_t r = fx_spawn(open_refused, &revoked);
  assert_int_equal(fx_wait_all(&r, 1, 30), 0);
  /* a reissued KOR certificate is not on the list: KOR may join again */
  assert_int_equal(mwx_pki_reissue(f->pki, "KOR", -3600, 86400), 0);
  node_arg again = {f->pki, "reissued", 25, 0, 0, NULL, -1};
  pid_t p = fx_spawn(open_works, &again);
  assert_int_equal(fx_wait_all(&p, 1, 30), 0);
}

/* ------------------------- a certificate that expires mid-session */

static int exp_kor(void *p) {
  const node_arg *a = p;
  return chatter(a->pki, "KOR", a->domain, 149);
}

static int exp_usa(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "USA", a->pki, a->domain, NULL);
  seen s = {.verbose = 0};
  if (!poll_until(n, &s, alive_once, NULL, 15 * SEC))
    FAIL("USA never saw KOR");
  int64_t expiry = (int64_t)a->expect * SEC; /* the certificate's end, ns since the epoch */
  int lost = poll_until(n, &s, lost_once, NULL, expiry - mwx_net_now_ns() + 10 * SEC);
  int64_t lost_at = mwx_net_now_ns();
  /* whatever arrives 2 s after the loss must not be KOR's */
  int before = s.accepted;
  poll_until(n, &s, never, NULL, 3 * SEC);
  int present = mwx_net_partner_present(n, 0, "KOR");
  mwx_net_close(n);
  fprintf(stderr, "USA: KOR lost %.2f s after its certificate expired; %d samples after\n",
          (double)(lost_at - expiry) / 1e9, s.accepted - before);
  if (!lost || lost_at < expiry)
    FAIL("USA did not lose KOR after its certificate expired (lost %d)", lost);
  if (present || s.accepted - before > 0)
    FAIL("USA still hears KOR after its certificate expired");
  return 0;
}

/* The same short-lived certificate, renewed 3 s before its end while KOR
 * runs: KOR stays a partner past the old end. */
static int renew_usa(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "USA", a->pki, a->domain, NULL);
  seen s = {0};
  if (!poll_until(n, &s, alive_once, NULL, 15 * SEC))
    FAIL("USA never saw KOR");
  int64_t old_end = (int64_t)a->expect * SEC;
  poll_until(n, &s, never, NULL, old_end - mwx_net_now_ns() + 4 * SEC);
  int before = s.accepted;
  poll_until(n, &s, never, NULL, 2 * SEC);
  int present = mwx_net_partner_present(n, 0, "KOR");
  mwx_net_close(n);
  fprintf(stderr, "USA: 4 s after KOR's old certificate end: present %d, %d samples in 2 s\n", present,
          s.accepted - before);
  if (!present || s.accepted - before < 5)
    FAIL("the renewed KOR certificate did not take effect");
  return 0;
}

static void test_certificate_renewed_without_restart(void **state) {
  fixture *f = *state;
  const long life_s = 8;
  assert_int_equal(mwx_pki_reissue(f->pki, "KOR", -3600, life_s), 0);
  node_arg a = {f->pki, "", 28, 0, (int)(time(NULL) + life_s), NULL, -1};
  pid_t u = fx_spawn(renew_usa, &a);
  pid_t k = fx_spawn(exp_kor, &a);
  sleep((unsigned)(life_s - 3));
  assert_int_equal(mwx_pki_reissue(f->pki, "KOR", -3600, 86400), 0);
  int bad = fx_wait_all(&u, 1, 40);
  fx_stop(k);
  assert_int_equal(bad, 0);
}

static void test_certificate_expires_mid_session(void **state) {
  fixture *f = *state;
  const long life_s = 8;
  assert_int_equal(mwx_pki_reissue(f->pki, "KOR", -3600, life_s), 0);
  node_arg a = {f->pki, "", 26, 0, (int)(time(NULL) + life_s), NULL, -1};
  pid_t u = fx_spawn(exp_usa, &a);
  pid_t k = fx_spawn(exp_kor, &a);
  int bad = fx_wait_all(&u, 1, 40);
  fx_stop(k);
  assert_int_equal(bad, 0);
}

/* --------------- an origin key revoked while the nodes run */

static int orv_usa(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "USA", a->pki, a->domain, NULL);
  seen s = {0};
  int three = 3;
  if (!poll_until(n, &s, at_least, &three, 20 * SEC) || s.dropped)
    FAIL("USA: accepted %d dropped %d before the revocation", s.accepted, s.dropped);
  if (write(a->pipe_w, "a", 1) != 1)
    FAIL("pipe");
  /* within about a second every KOR sample is dropped as revoked-key */
  seen t = {0};
  int64_t end = mwx_net_now_ns() + 10 * SEC;
  while (t.dropped < 3 && mwx_net_now_ns() < end)
    mwx_net_poll(n, 20000000ll, record, &t);
  int accepted_after_drop = 0;
  seen u = {0};
  poll_until(n, &u, never, NULL, 2 * SEC);
  accepted_after_drop = u.accepted;
  mwx_net_close(n);
  fprintf(stderr, "USA: after the revocation %d accepted then %d dropped (reason %d); then %d accepted, %d dropped\n",
          t.accepted, t.dropped, t.dropped_reason, u.accepted, u.dropped);
  if (t.dropped < 3 || t.dropped_reason != MWX_NET_EREVOKED || accepted_after_drop || u.dropped < 3)
    FAIL("USA: revoked origin key not enforced");
  return 0;
}

static void test_origin_key_revoked_at_run_time(void **state) {
  fixture *f = *state;
  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  node_arg a = {f->pki, "", 27, 0, 0, NULL, pfd[1]};
  pid_t u = fx_spawn(orv_usa, &a);
  pid_t k = fx_spawn(rv_kor, &a);
  close(pfd[1]);
  char b;
  assert_int_equal(read(pfd[0], &b, 1), 1);
  assert_int_equal(mwx_pki_revoke_origin(f->pki, "KOR"), 0);
  assert_int_equal(mwx_pki_revoke_origin(f->pki, "KOR"), MWX_EEXIST);
  int bad = fx_wait_all(&u, 1, 40);
  fx_stop(k);
  close(pfd[0]);
  assert_int_equal(bad, 0);
  /* a list whose signature does not verify stops a node from starting */
  char path[400], cmd[900];
  snprintf(path, sizeof path, "%s/origin_revoked.p7s", f->pki);
  snprintf(cmd, sizeof cmd, "sed -i 's/^KOR /JPN /' '%s'", path);
  assert_int_equal(system(cmd), 0);
  mwx_net_config c;
  mwx_net *n = NULL;
  node_cfg(&c, "USA", f->pki);
  add_link(&c, 27, NULL);
  assert_int_equal(mwx_net_open(&c, &n), MWX_ECRYPTO);
  fprintf(stderr, "tampered list: %s\n", mwx_error_msg());
  assert_non_null(strstr(mwx_error_msg(), "origin_revoked.p7s"));
}

/* ------------------------------------------------ configuration files */

static void test_config_files(void **state) {
  (void)state;
  mwx_net_config c;
  assert_int_equal(mwx_net_config_load(MWX_SOURCE_DIR "/config/kor.json", &c), 0);
  assert_string_equal(c.nation, "KOR");
  assert_int_equal(c.secure, 1);
  assert_int_equal(c.role, MWX_NET_MESH);
  assert_int_equal(c.n_links, 1);
  assert_string_equal(c.links[0].interface, "lo");
  assert_int_equal(c.links[0].n_peers, 1);
  assert_string_equal(c.links[0].peers[0], "127.0.0.1");
  assert_int_equal(c.links[0].n_partners, 2);
  assert_string_equal(c.pki_dir, MWX_SOURCE_DIR "/config/../pki");
  assert_true(c.lease_ns == 3000000000ll);
  assert_int_equal(mwx_net_config_load(MWX_SOURCE_DIR "/config/hub/usa.json", &c), 0);
  assert_int_equal(c.role, MWX_NET_HUB_RELAY);
  assert_int_equal(c.n_links, 2);
  assert_int_equal(c.links[1].domain_id, 2);
  assert_string_equal(c.links[1].partners[0], "JPN");

  char path[] = "/tmp/mwx_test_cfg.XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  static const char *const bad[] = {
      "{\"pki_dir\":\"p\"}",                                       /* no nation */
      "{\"nation\":\"kor\",\"pki_dir\":\"p\"}",                  /* malformed nation */
      "{\"nation\":\"KOR\",\"pki_dir\":\"p\",\"role\":\"star\"}", /* unknown role */
      "{\"nation\":\"KOR\",\"pki_dir\":\"p\",\"domain_id\":999}",  /* domain out of range */
      "{\"nation\":\"KOR\",\"pki_dir\":\"p\",\"partners\":[\"J\"]}", /* bad partner */
      "{\"nation\":\"KOR\",",                                       /* not JSON */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(bad[i], f);
    fclose(f);
    assert_int_equal(mwx_net_config_load(path, &c), MWX_EPARSE);
    assert_true(strlen(mwx_error_msg()) > 0);
  }
  close(fd);
  unlink(path);
}

/* -------------------------------- the receive-side check, case by case */

static int check_cases(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "JPN", a->pki, a->domain, NULL);
  char key[400], detail[200];
  mwx_msg_key *kor;
  snprintf(key, sizeof key, "%s/KOR/origin.key", a->pki);
  if (mwx_msg_key_load_private(key, &kor))
    FAIL("key: %s", mwx_error_msg());
  mwx_msg m;
  int rc, bad = 0;
  /* a genuine KOR track for JPN */
  mwx_net_test_track(n, 1, 1, NULL, &m);
  memcpy(m.mark.originator, "KOR", 4);
  mwx_msg_sign(&m, kor);
  if ((rc = mwx_net_check(n, &m, detail, sizeof detail)))
    bad |= fprintf(stderr, "genuine: %d %s\n", rc, detail);
  /* one bit of the sequence number changed */
  m.mark.seq ^= 1;
  if ((rc = mwx_net_check(n, &m, detail, sizeof detail)) != MWX_ECRYPTO)
    bad |= fprintf(stderr, "altered: %d\n", rc);
  /* releasable to KOR and USA only */
  memset(&m.mark.releasable_to, 0, sizeof m.mark.releasable_to);
  m.mark.n_releasable = 0;
  mwx_msg_marking_add(&m.mark, "KOR");
  mwx_msg_marking_add(&m.mark, "USA");
  mwx_msg_sign(&m, kor);
  if ((rc = mwx_net_check(n, &m, detail, sizeof detail)) != MWX_EDENIED)
    bad |= fprintf(stderr, "not releasable: %d\n", rc);
  /* an originator outside the coalition */
  mwx_net_test_track(n, 1, 1, NULL, &m);
  memcpy(m.mark.originator, "GBR", 4);
  mwx_msg_marking_add(&m.mark, "GBR");
  if ((rc = mwx_net_check(n, &m, detail, sizeof detail)) != MWX_ENOTFOUND)
    bad |= fprintf(stderr, "unknown originator: %d %s\n", rc, detail);
  /* our own sample coming back */
  mwx_net_test_track(n, 1, 1, NULL, &m);
  if ((rc = mwx_net_check(n, &m, detail, sizeof detail)) != MWX_EEXIST)
    bad |= fprintf(stderr, "own: %d\n", rc);
  /* a marking that does not name its originator */
  mwx_net_test_track(n, 1, 1, "JPN,USA", &m);
  memcpy(m.mark.originator, "KOR", 4);
  if ((rc = mwx_net_check(n, &m, detail, sizeof detail)) != MWX_EINVAL)
    bad |= fprintf(stderr, "bad marking: %d\n", rc);
  /* publishing: only as ourselves, only to someone */
  mwx_net_test_track(n, 1, 1, "JPN", &m);
  if ((rc = mwx_net_sign_publish(n, &m)) != MWX_EDENIED)
    bad |= fprintf(stderr, "publish to nobody: %d\n", rc);
  mwx_net_test_track(n, 1, 1, NULL, &m);
  memcpy(m.mark.originator, "KOR", 4);
  if ((rc = mwx_net_publish(n, &m)) != MWX_EINVAL)
    bad |= fprintf(stderr, "publish as KOR: %d\n", rc);
  /* a wakeup ends a long wait at once */
  mwx_net_wakeup(n);
  int64_t t0 = mwx_net_now_ns();
  mwx_net_poll(n, 5 * SEC, NULL, NULL);
  if (mwx_net_now_ns() - t0 > 2 * SEC)
    bad |= fprintf(stderr, "wakeup did not end the wait\n");
  mwx_msg_key_free(kor);
  mwx_net_close(n);
  return bad ? 1 : 0;
}

static void test_receive_checks(void **state) {
  fixture *f = *state;
  node_arg a = {f->pki, "JPN", 10, 0, 0, NULL, -1};
  pid_t p = fx_spawn(check_cases, &a);
  assert_int_equal(fx_wait_all(&p, 1, 30), 0);
}

/* ------------------------ the receive side's verify pool (net_verify.c) */

/* The pool alone, with a key made now: 200 signed samples, one altered
 * after its signing, verified on three threads.  Each job's own result:
 * the altered one refused (MWX_ECRYPTO, its detail names its seq), every
 * other accepted, each stamped; the order of the jobs is the caller's. */
static void test_verify_pool_results(void **state) {
  (void)state;
  mwx_msg_key *priv = NULL, *pub = NULL;
  uint8_t raw[MWX_PUB_LEN];
  assert_int_equal(mwx_msg_key_generate(&priv), 0);
  assert_int_equal(mwx_msg_key_public_raw(priv, raw), 0);
  assert_int_equal(mwx_msg_key_from_public_raw(raw, &pub), 0);
  enum { N = 200, BAD = 137 };
  net_vjob *jobs = calloc(N, sizeof *jobs);
  assert_non_null(jobs);
  for (int i = 0; i < N; i++) {
    mwx_msg *m = &jobs[i].m;
    memset(m, 0, sizeof *m);
    m->topic = MWX_TOPIC_TRACK;
    memcpy(m->mark.originator, "KOR", 4);
    m->mark.seq = (uint64_t)i + 1;
    snprintf(m->u.track.local_track_id, sizeof m->u.track.local_track_id, "KOR-T%d", i + 1);
    m->u.track.pos_ecef_m[0] = 3.0e6 + i;
    assert_int_equal(mwx_msg_sign(m, priv), 0);
    if (i == BAD)
      m->u.track.pos_ecef_m[0] += 1.0; /* after its signing */
    jobs[i].key = i == 5 ? NULL : pub;  /* job 5: refused by a cheap check before (nothing to verify) */
    jobs[i].ev.reason = i == 5 ? MWX_EDENIED : 0;
  }
  net_vpool *p;
  assert_int_equal(net_vpool_open(0, &p), MWX_EINVAL);
  assert_int_equal(net_vpool_open(MWX_NET_VERIFY_THREADS_MAX + 1, &p), MWX_EINVAL);
  assert_int_equal(net_vpool_open(3, &p), 0);
  assert_int_equal(net_vpool_threads(p), 3);
  int64_t t0 = mwx_net_now_ns();
  net_vpool_run(p, jobs, N);
  for (int round = 0; round < 20; round++) /* batches of every size, one after the other */
    net_vpool_run(p, jobs + round, (size_t)round % 7);
  for (int i = 0; i < N; i++) {
    int want = i == BAD ? MWX_ECRYPTO : i == 5 ? MWX_EDENIED : 0;
    if (jobs[i].ev.reason != want)
      fail_msg("job %d (seq %llu): reason %d, want %d", i, (unsigned long long)jobs[i].m.mark.seq,
               jobs[i].ev.reason, want);
    if (i != 5 && jobs[i].ev.verified_ns < t0)
      fail_msg("job %d not stamped", i);
  }
  assert_non_null(strstr(jobs[BAD].ev.detail, "seq 138"));
  net_vpool_close(p);
  net_vpool_run(NULL, jobs, 3); /* no pool: on the caller */
  free(jobs);
  mwx_msg_key_free(priv);
  mwx_msg_key_free(pub);
}

#define BURST 300 /* more than MWX_NET_VERIFY_BATCH */
#define BURST_BAD 150

/* KOR: waits for JPN's reader, then publishes BURST tracks (KOR-T1..,
 * seq = index) back to back, BURST_BAD altered after its signing. */
static int burst_kor(void *p) {
  const node_arg *a = p;
  OPEN_OR_FAIL(n, "KOR", a->pki, a->domain, NULL);
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", "JPN", 20 * SEC))
    FAIL("KOR: %s", mwx_error_msg());
  for (uint32_t i = 1; i <= BURST; i++) {
    mwx_msg m;
    if (mwx_net_test_track(n, i, i, NULL, &m) || mwx_net_sign(n, &m))
      FAIL("KOR sign: %s", mwx_error_msg());
    if (i == BURST_BAD)
      ((uint8_t *)&m.u.track.pos_ecef_m[0])[3] ^= 0x01;
    if (mwx_net_publish(n, &m))
      FAIL("KOR publish: %s", mwx_error_msg());
  }
  if (mwx_net_wait_acks(n, 10 * SEC))
    FAIL("KOR acks: %s", mwx_error_msg());
  linger_close(n, 8 * SEC);
  return 0;
}

typedef struct burst_seen {
  int accepted, dropped, bad_seq_dropped, other;
  unsigned char seq_seen[BURST + 1];
  int dup;
} burst_seen;

static void burst_record(void *ctx, const mwx_net_event *ev) {
  burst_seen *s = ctx;
  if (ev->kind == MWX_NET_EV_PARTNER)
    return;
  uint64_t q = ev->msg->mark.seq;
  if (ev->msg->topic != MWX_TOPIC_TRACK || q < 1 || q > BURST) {
    s->other++;
    return;
  }
  s->dup += s->seq_seen[q]++ != 0;
  if (ev->kind == MWX_NET_EV_ACCEPTED)
    s->accepted++;
  else {
    s->dropped++;
    s->bad_seq_dropped += q == BURST_BAD && ev->reason == MWX_ECRYPTO;
  }
}

/* JPN, three verify threads, does not poll until the burst is in its
 * reader (KOR's publishing and acks take well under the 6 s), so its
 * first poll takes more than a batch holds: the batch's bound is reached
 * (counted), the poll verifies and reports the first MWX_NET_VERIFY_BATCH
 * and goes on; every sample is reported once, the altered one refused for
 * its signature, the rest accepted. */
static int burst_jpn(void *p) {
  const node_arg *a = p;
  mwx_net_config c;
  mwx_net *n;
  node_cfg(&c, "JPN", a->pki);
  c.verify_threads = 3;
  add_link(&c, a->domain, NULL);
  if (mwx_net_open(&c, &n))
    FAIL("JPN open: %s", mwx_error_msg());
  struct timespec ts = {6, 0};
  nanosleep(&ts, NULL);
  burst_seen s;
  memset(&s, 0, sizeof s);
  int64_t end = mwx_net_now_ns() + 20 * SEC;
  while (s.accepted + s.dropped < BURST && mwx_net_now_ns() < end)
    if (mwx_net_poll(n, 50000000ll, burst_record, &s) < 0)
      FAIL("JPN poll: %s", mwx_error_msg());
  mwx_net_stats st;
  mwx_net_get_stats(n, &st);
  mwx_net_close(n);
  fprintf(stderr, "JPN: accepted %d dropped %d; verify threads %d batches %llu max %llu full %llu\n", s.accepted,
          s.dropped, st.verify_threads, (unsigned long long)st.verify_batches, (unsigned long long)st.verify_max,
          (unsigned long long)st.verify_full);
  if (s.accepted != BURST - 1 || s.dropped != 1 || s.bad_seq_dropped != 1 || s.dup || s.other)
    FAIL("JPN: accepted %d (want %d), dropped %d (the altered seq %d: %d), repeated %d, other %d", s.accepted,
         BURST - 1, s.dropped, BURST_BAD, s.bad_seq_dropped, s.dup, s.other);
  if (st.verify_threads != 3 || st.verify_full < 1 || st.verify_max != MWX_NET_VERIFY_BATCH || st.verify_batches < 2)
    FAIL("JPN: verify threads %d, full %llu (want >= 1), max %llu (want %d), shared batches %llu (want >= 2)",
         st.verify_threads, (unsigned long long)st.verify_full, (unsigned long long)st.verify_max,
         MWX_NET_VERIFY_BATCH, (unsigned long long)st.verify_batches);
  if (st.accepted != BURST - 1 || st.dropped != 1)
    FAIL("JPN net stats: accepted %llu dropped %llu", (unsigned long long)st.accepted, (unsigned long long)st.dropped);
  return 0;
}

static void test_verify_burst_bound(void **state) {
  fixture *f = *state;
  node_arg a = {f->pki, "", 29, 0, 0, NULL, -1};
  assert_int_equal(run_nodes(60, 2, (node_fn[]){burst_jpn, burst_kor}, (const node_arg *[]){&a, &a}), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wire_round_trip),
      cmocka_unit_test(test_wire_refuses_overlong),
      cmocka_unit_test(test_partitions),
      cmocka_unit_test(test_config_files),
      cmocka_unit_test(test_verify_pool_results),
      cmocka_unit_test_setup_teardown(test_verify_burst_bound, setup, teardown),
      cmocka_unit_test_setup_teardown(test_receive_checks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mesh_secure_exchange, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rogue_certificate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_access_control_refuses_partition, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relay_altering_one_byte_is_dropped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_late_joiner_gets_picture, setup, teardown),
      cmocka_unit_test_setup_teardown(test_silent_partner_is_noticed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hub_relay_loopback, setup, teardown),
      cmocka_unit_test(test_sender_rule),
      cmocka_unit_test(test_link_config_checks),
      cmocka_unit_test_setup_teardown(test_sender_bound_to_origin, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relay_forwards_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_validity_enforced, setup, teardown),
      cmocka_unit_test_setup_teardown(test_revocation_without_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_certificate_expires_mid_session, setup, teardown),
      cmocka_unit_test_setup_teardown(test_certificate_renewed_without_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_origin_key_revoked_at_run_time, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
