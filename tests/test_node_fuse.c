/*
 * test_node_fuse.c - the node's fused picture and its warnings, with the
 * real node code (release policies, signatures, journals) of KOR, JPN and
 * the USA run offline in one process (mwx_node_offline_run: the samples
 * each releases for another are handed over as DDS would).  No DDS.
 *
 * 2022-10-04 (Hwasong-12 over Aomori), JPN with its partners' data:
 *   - JPN's fused picture holds one entry per missile, with the partners
 *     among its contributors, and every Track JPN publishes is its own
 *     (contributors JPN) and carries the missile's global number;
 *   - JPN issues a land warning naming Aomori, before the missile passes
 *     over Aomori (the overflight time the decision itself reports);
 *   - every fused product (ImpactPrediction "<NAT>-G<n>", Alert) with KOR's
 *     data that JPN released went only to nations KOR's markings name: the
 *     copies for the USA (KOR released its data to JPN and KOR only) are
 *     refused by the third-party rule.
 * And alone (JPN without partners): no fused products at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture_dir.h"
#include "mwx/error.h"
#include "mwx/node.h"

#define SEC 1000000000ll

typedef struct nctx {
  char nation[4];
  mwx_node *node;
  int64_t epoch_ns;
  /* JPN's */
  int fused_made, fused_with_kor, fused_kor; /* FUSED events, of them with KOR's data; released to KOR */
  int fused_released_usa_kor;      /* fused products with KOR's data released to the USA: must stay 0 */
  int fused_refused_third;         /* refusals by the third-party rule */
  int alerts, land_aomori;
  double land_aomori_s;            /* first land warning naming Aomori, s after launch */
  double overflight_s;             /* when that warning's track enters Japan, s after launch */
  int other_regions;               /* land warnings naming a region other than Aomori and Hokkaido */
  int tracks_not_own, tracks_no_gtn, tracks;
  int released_fused;              /* fused products released to anyone */
} nctx;

typedef struct gtn_q {
  uint32_t gtn;
  int found, with_kor;
} gtn_q;

static void on_gtn(void *c, const mwx_node_fused_entry *e) {
  gtn_q *q = c;
  if (e->global_track_no != q->gtn)
    return;
  q->found = 1;
  for (int i = 0; i < e->n_contributors; i++)
    q->with_kor |= !strcmp(e->contributors[i], "KOR");
}

/* 1 if the fused track gtn of the node's picture holds KOR's data now (the
 * events of a tick are reported right after it: the picture that made them). */
static int with_kor(mwx_node *n, uint32_t gtn) {
  gtn_q q = {gtn, 0, 0};
  mwx_node_fused_picture(n, on_gtn, &q);
  return q.with_kor;
}

static int fused_msg(const mwx_msg *m) {
  if (m->topic == MWX_TOPIC_IMPACT)
    return strstr(m->u.impact.local_track_id, "-G") != NULL;
  return 0;
}

static void on_event(void *c, const mwx_node_event *ev) {
  nctx *x = c;
  if (strcmp(x->nation, "JPN"))
    return;
  const mwx_msg *m = ev->msg;
  double t_s = (double)(ev->sim_ns - x->epoch_ns) / 1e9;
  if (ev->kind == MWX_NODE_EV_FUSED) {
    x->fused_made++;
    x->fused_with_kor += with_kor(x->node, m->u.impact.global_track_no);
  }
  if (ev->kind == MWX_NODE_EV_ALERT) {
    x->alerts++;
    char line[512];
    mwx_node_event_format("JPN", x->epoch_ns, ev, line, sizeof line);
    fprintf(stderr, "%s\n", line);
    if (m->u.alert.severity == 3 && m->u.alert.action != 2 && strstr(m->u.alert.regions, "Aomori") &&
        !x->land_aomori++) {
      x->land_aomori_s = t_s;
      x->overflight_s = ev->overflight_ns ? (double)(ev->overflight_ns - x->epoch_ns) / 1e9 : -1;
    }
    if (m->u.alert.severity == 3 && strstr(m->u.alert.regions, "Tokyo"))
      x->other_regions++;
  }
  if (ev->kind == MWX_NODE_EV_RELEASED && m && m->topic == MWX_TOPIC_TRACK) {
    x->tracks++;
    if (m->u.track.n_contributors != 1 || strcmp(m->u.track.contributors[0], "JPN"))
      x->tracks_not_own++;
    if (!m->u.track.global_track_no)
      x->tracks_no_gtn++;
  }
  if ((ev->kind == MWX_NODE_EV_RELEASED || ev->kind == MWX_NODE_EV_HELD) && m && fused_msg(m)) {
    x->released_fused++;
    if (!strcmp(ev->partner, "KOR"))
      x->fused_kor++;
    if (!strcmp(ev->partner, "USA") && with_kor(x->node, m->u.impact.global_track_no))
      x->fused_released_usa_kor++; /* KOR named JPN and KOR only: must stay 0 */
  }
  if (ev->kind == MWX_NODE_EV_REFUSED && m && fused_msg(m) && strstr(ev->detail, "contributing originator KOR did not name USA"))
    x->fused_refused_third++;
}

typedef struct pic {
  int n, with_kor, with_usa, n_members;
  int fallen, impact, launch, alert, cls;
  uint32_t gtn;
  char line[512];
} pic;

static void on_fused(void *c, const mwx_node_fused_entry *e) {
  pic *p = c;
  p->n++;
  p->gtn = e->global_track_no;
  p->fallen += e->fallen;
  p->impact += e->has_impact;
  p->launch += e->has_launch;
  p->alert += e->has_alert;
  p->cls = e->has_impact ? e->impact.missile_class : -1;
  p->n_members += e->n_members;
  for (int i = 0; i < e->n_contributors; i++) {
    p->with_kor += !strcmp(e->contributors[i], "KOR");
    p->with_usa += !strcmp(e->contributors[i], "USA");
  }
  int w = snprintf(p->line, sizeof p->line, "G%u members", e->global_track_no);
  for (int k = 0; k < e->n_members && w < (int)sizeof p->line - 40; k++)
    w += snprintf(p->line + w, sizeof p->line - w, " %s", e->member[k]);
  if (e->has_launch && w < (int)sizeof p->line - 60)
    w += snprintf(p->line + w, sizeof p->line - w, " launch from %s (%.1f km)", e->launch_from,
                  e->launch.err_major_km);
  if (e->has_impact && w < (int)sizeof p->line - 60)
    snprintf(p->line + w, sizeof p->line - w, " impact %.2f %.2f zone %u %s class %s by %s", e->impact.lat_deg,
             e->impact.lon_deg, e->impact.zone, e->impact.zone_nation,
             mwx_ballistic_class_name((mwx_ballistic_class)e->impact.missile_class), e->impact.local_track_id);
}

/* KOR's policy of config/policy-KOR.json, but with KOR's Tracks to JPN
 * keeping their covariance (the shipped rule removes it, and a Track
 * without covariance cannot be fused: fuse.h) and not coarsened.  Written
 * at test time. */
static const char kor_policy[] =
    "{\"nation\": \"KOR\", \"default\": \"deny\", \"rules\": [\n"
    " {\"id\": \"kor-usa-all\", \"partner\": \"USA\", \"topic\": \"*\", \"mode\": \"auto\",\n"
    "  \"remove\": [\"sensor_positions\"], \"classification\": \"SECRET\"},\n"
    " {\"id\": \"kor-jpn-track\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\",\n"
    "  \"remove\": [\"sensors\", \"sensor_positions\"], \"classification\": \"SECRET\"},\n"
    " {\"id\": \"kor-jpn-launch\", \"partner\": \"JPN\", \"topic\": \"LaunchEvent\", \"mode\": \"auto\",\n"
    "  \"remove\": [\"sensors\", \"sensor_positions\"], \"classification\": \"SECRET\"},\n"
    " {\"id\": \"kor-jpn-impact\", \"partner\": \"JPN\", \"topic\": \"ImpactPrediction\", \"mode\": \"auto\",\n"
    "  \"remove\": [\"sensors\", \"sensor_positions\"], \"classification\": \"SECRET\"},\n"
    " {\"id\": \"kor-jpn-alert\", \"partner\": \"JPN\", \"topic\": \"Alert\", \"mode\": \"auto\",\n"
    "  \"classification\": \"SECRET\"}]}\n";

static void open_node(const char *dir, const char *nat, nctx *x, mwx_node **out) {
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  snprintf(cfg.nation, sizeof cfg.nation, "%s", nat);
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/2022-10-04-hwasong12.json", MWX_SOURCE_DIR);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nat);
  if (!strcmp(nat, "KOR")) {
    snprintf(cfg.policy, sizeof cfg.policy, "%s/policy-KOR.json", dir);
    FILE *f = fopen(cfg.policy, "w");
    assert_non_null(f);
    assert_int_equal(fputs(kor_policy, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
  }
  snprintf(cfg.journal, sizeof cfg.journal, "%s/%s.db", dir, nat);
  cfg.journal_plots = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg.launch_fit = 0; /* the early-estimate LaunchEvent only: the batch fit costs seconds per track */
  memset(x, 0, sizeof *x);
  snprintf(x->nation, sizeof x->nation, "%s", nat);
  int rc = mwx_node_open(&cfg, on_event, x, out);
  if (rc)
    fprintf(stderr, "%s\n", mwx_error_msg());
  assert_int_equal(rc, 0);
  x->epoch_ns = mwx_node_epoch_ns(*out);
  x->node = *out;
}

/* KOR, JPN and the USA on the same scenario, in that order */
static void open_coalition(const char *dir, nctx x[3], mwx_node *all[3]) {
  static const char *const nations[3] = {"KOR", "JPN", "USA"};
  for (int i = 0; i < 3; i++)
    open_node(dir, nations[i], &x[i], &all[i]);
}

static void close_all(mwx_node **all, int n) {
  for (int i = 0; i < n; i++)
    mwx_node_close(all[i]);
}

static void test_jpn_with_partners(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_jpn_with_partners", dir, sizeof dir);
  static nctx x[3];
  mwx_node *all[3];
  open_coalition(dir, x, all);
  nctx *xj = &x[1];
  mwx_node *nj = all[1];
  /* at +300 s the missile is in mid-course over the Sea of Japan, seen by all three */
  int rc = mwx_node_offline_run(all, 3, xj->epoch_ns + 300 * SEC);
  if (rc)
    fprintf(stderr, "%s\n", mwx_error_msg());
  assert_int_equal(rc, 0);
  pic p = {0};
  mwx_node_fused_picture(nj, on_fused, &p);
  fprintf(stderr, "JPN picture at +300 s: %d entries; %s\n", p.n, p.line);
  assert_int_equal(p.n, 1);     /* one missile, one entry */
  assert_int_equal(p.with_kor, 1);
  assert_int_equal(p.with_usa, 1);
  assert_true(p.n_members >= 3); /* JPN's, KOR's and the USA's tracks of it */
  rc = mwx_node_offline_run(all, 3, 0);
  assert_int_equal(rc, 0);
  /* the end (the missile has fallen): still one entry, marked fallen, with
     the last prediction (class, impact point), the launch point and the
     alert - what the demo's act 5 prints and an operator reads after it */
  pic end = {0};
  mwx_node_fused_picture(nj, on_fused, &end);
  fprintf(stderr, "JPN picture at the end: %d entries (%d fallen); %s\n", end.n, end.fallen, end.line);
  assert_int_equal(end.n, 1);
  assert_int_equal(end.fallen, 1);
  assert_int_equal(end.impact, 1);
  assert_int_equal(end.launch, 1);
  assert_int_equal(end.alert, 1);
  assert_int_equal(end.cls, MWX_CLASS_IRBM);
  assert_true(end.n_members >= 3); /* KOR's and the USA's tracks are still its members (the last state
                                      is JPN's alone: its radars saw the fall) */
  fprintf(stderr, "JPN: %d fused predictions (%d with KOR's data), %d fused releases (%d to KOR, %d to USA, %d refused third-party),"
                  " %d alerts, land warning for Aomori at %+.0f s\n",
          xj->fused_made, xj->fused_with_kor, xj->released_fused, xj->fused_kor, xj->fused_released_usa_kor, xj->fused_refused_third,
          xj->alerts, xj->land_aomori ? xj->land_aomori_s : -1.0);
  /* own Tracks only, each with its global number */
  assert_true(xj->tracks > 0);
  assert_int_equal(xj->tracks_not_own, 0);
  assert_int_equal(xj->tracks_no_gtn, 0);
  /* fused products were made and none with KOR's data went to the USA */
  assert_true(xj->fused_made > 0);
  assert_true(xj->fused_with_kor > 0);
  assert_true(p.n >= 1);
  assert_int_equal(xj->fused_released_usa_kor, 0);
  assert_true(xj->fused_refused_third > 0);
  /* a land warning for Aomori */
  assert_true(xj->land_aomori > 0);
  fprintf(stderr, "overflight predicted at %+.0f s: lead %.0f s\n", xj->overflight_s,
          xj->overflight_s - xj->land_aomori_s);
  assert_true(xj->overflight_s > 0);
  assert_true(xj->overflight_s - xj->land_aomori_s >= 180.0); /* issue 14: at least 3 minutes before */
  assert_int_equal(xj->other_regions, 0);                    /* no Tokyo islands */
  close_all(all, 3);
}

/* ---- the changed-since filter (mwx_node_fused_picture_since) ---- */

typedef struct since_ent { /* what a reader keeps of an entry */
  uint32_t g;
  int fallen, n_members, has_launch, has_impact, has_alert, n_con;
  int64_t t_last_ns, impact_made_ns;
  double launch_err_km;
  uint64_t version;
} since_ent;

typedef struct since_map {
  since_ent e[64];
  int n;
  int full, brief, moved, removed, calls; /* the last walk's entries by kind */
} since_map;

static since_ent *since_find(since_map *m, uint32_t g) {
  for (int i = 0; i < m->n; i++)
    if (m->e[i].g == g)
      return &m->e[i];
  return NULL;
}

static void since_put(void *c, const mwx_node_fused_entry *e) {
  since_map *m = c;
  m->calls++;
  since_ent *x = since_find(m, e->global_track_no);
  if (e->removed) {
    m->removed++;
    if (x)
      *x = m->e[--m->n];
    return;
  }
  if (e->brief) {
    m->brief++;
    assert_non_null(x); /* only entries the reader has had in full come brief */
    assert_int_equal(e->n_members, 0);
    assert_int_equal(e->has_launch + e->has_impact + e->has_alert, 0);
    assert_true(e->version <= x->version);
    return;
  }
  if (e->moved) { /* its newest member sample alone changed: the reader keeps its launch point and prediction */
    m->moved++;
    assert_non_null(x);
    assert_int_equal(e->has_launch + e->has_impact + e->has_alert, 0);
    assert_int_equal(e->n_members, x->n_members);
    assert_int_equal(e->n_contributors, x->n_con);
    assert_true(e->version > x->version && e->t_last_sample_ns != x->t_last_ns);
    x->t_last_ns = e->t_last_sample_ns;
    x->version = e->version;
    return;
  }
  m->full++;
  if (!x) {
    assert_true(m->n < 64);
    x = &m->e[m->n++];
  }
  *x = (since_ent){e->global_track_no, e->fallen, e->n_members, e->has_launch, e->has_impact, e->has_alert,
                   e->n_contributors, e->t_last_sample_ns, e->has_impact ? e->impact.time_ns : 0,
                   e->has_launch ? e->launch.err_major_km : 0, e->version};
}

/* The reader that applies only the changes since its version holds the
 * same picture as a whole walk, at every step of 2022-10-04 over the three
 * nodes; a walk from the version just returned builds nothing; the falling
 * missile comes once more (fallen) and then not again. */
static void test_picture_since(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_picture_since", dir, sizeof dir);
  static nctx x[3];
  mwx_node *all[3];
  open_coalition(dir, x, all);
  nctx *xj = &x[1];
  mwx_node *nj = all[1];
  assert_int_equal(mwx_node_fused_version(nj), 0);
  uint64_t ver = 0, v2 = 0;
  since_map page = {0};
  int steps = 0, changed_steps = 0, whole_total = 0, since_full = 0, brief_total = 0, moved_total = 0;
  uint64_t last_v = 0;
  for (int64_t t = xj->epoch_ns - 30 * SEC; t <= xj->epoch_ns + 1450 * SEC; t += 5 * SEC) {
    assert_int_equal(mwx_node_offline_run(all, 3, t), 0);
    steps++;
    page.full = page.brief = page.moved = page.removed = page.calls = 0;
    assert_int_equal(mwx_node_fused_picture_since(nj, ver, 0, since_put, &page, &ver), 0);
    assert_true(ver >= last_v);
    moved_total += page.moved;
    changed_steps += ver != last_v;
    if (ver == last_v)
      assert_int_equal(page.calls, 0); /* nothing changed: nothing walked */
    last_v = ver;
    since_full += page.full;
    /* the same picture as the whole walk */
    since_map whole = {0};
    mwx_node_fused_picture(nj, since_put, &whole);
    whole_total += whole.n;
    assert_int_equal(whole.n, page.n);
    for (int i = 0; i < whole.n; i++) {
      since_ent *a = &whole.e[i], *b = since_find(&page, a->g);
      assert_non_null(b);
      assert_int_equal(a->fallen, b->fallen);
      assert_int_equal(a->n_members, b->n_members);
      assert_int_equal(a->n_con, b->n_con);
      assert_true(a->t_last_ns == b->t_last_ns);
      assert_int_equal(a->has_launch, b->has_launch);
      assert_true(a->launch_err_km == b->launch_err_km);
      assert_int_equal(a->has_impact, b->has_impact);
      assert_true(a->impact_made_ns == b->impact_made_ns);
      assert_int_equal(a->has_alert, b->has_alert);
      assert_true(a->version == b->version && a->version <= ver);
    }
    /* from the version just returned: nothing to build; brief: every live one, position only */
    since_map again = page;
    again.full = again.brief = again.moved = again.removed = again.calls = 0;
    assert_int_equal(mwx_node_fused_picture_since(nj, ver, 0, since_put, &again, &v2), 0);
    assert_true(v2 == ver);
    assert_int_equal(again.calls, 0);
    assert_int_equal(mwx_node_fused_picture_since(nj, ver, 1, since_put, &again, &v2), 0);
    assert_int_equal(again.full + again.moved + again.removed, 0);
    int live = 0;
    for (int i = 0; i < page.n; i++)
      live += !page.e[i].fallen;
    assert_int_equal(again.brief, live);
    brief_total += again.brief;
  }
  /* the fallen missile: one entry, fallen, and the walks after its fall built it no more */
  assert_int_equal(page.n, 1);
  assert_int_equal(page.e[0].fallen, 1);
  int after_fall = 0;
  for (int k = 0; k < 5; k++) {
    assert_int_equal(mwx_node_offline_run(all, 3, xj->epoch_ns + (1450 + 5 * (k + 1)) * SEC), 0);
    page.full = page.moved = page.calls = 0;
    assert_int_equal(mwx_node_fused_picture_since(nj, ver, 0, since_put, &page, &ver), 0);
    after_fall += page.full + page.moved;
  }
  fprintf(stderr, "since filter: %d steps (%d with a new version), %d entries built in full against %d by whole walks,"
                  " %d moved by a new sample alone (not built), %d brief; %d built in 5 steps after the fall\n",
          steps, changed_steps, since_full, whole_total, moved_total, brief_total, after_fall);
  assert_true(since_full < whole_total); /* the filter leaves out what did not change */
  assert_true(moved_total > 0);          /* ... and builds no entry a new sample alone moved */
  assert_int_equal(after_fall, 0);
  assert_int_equal(mwx_node_fused_picture_since(NULL, 0, 0, since_put, &page, &ver), MWX_EINVAL);
  mwx_error_clear();
  close_all(all, 3);
}

/* JPN alone: its own picture, no fused product; its warning (if any) is later. */
static void test_jpn_alone(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_jpn_alone", dir, sizeof dir);
  static nctx xj;
  mwx_node *nj;
  open_node(dir, "JPN", &xj, &nj);
  mwx_node *all[1] = {nj};
  assert_int_equal(mwx_node_offline_run(all, 1, 0), 0);
  fprintf(stderr, "JPN alone: %d fused predictions, %d alerts, land warning for Aomori at %+.0f s\n", xj.fused_made,
          xj.alerts, xj.land_aomori ? xj.land_aomori_s : -1.0);
  assert_int_equal(xj.fused_made, 0);
  assert_int_equal(xj.released_fused, 0);
  assert_int_equal(xj.tracks_no_gtn, 0);
  assert_true(xj.alerts > 0); /* its own predictions are classified and decided too */
  mwx_node_close(nj);
}

/* alert_rules: a named file must load and be of the node's nation. */
static void test_alert_rules_config(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_alert_rules_config", dir, sizeof dir);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  snprintf(cfg.nation, sizeof cfg.nation, "JPN");
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-JPN.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s/a.db", dir);
  snprintf(cfg.alert_rules, sizeof cfg.alert_rules, "%s/config/alert-KOR.json", MWX_SOURCE_DIR);
  mwx_node *n = NULL;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "alert rules of KOR, not of JPN"));
  snprintf(cfg.journal, sizeof cfg.journal, "%s/b.db", dir);
  snprintf(cfg.alert_rules, sizeof cfg.alert_rules, "%s/no-such-rules.json", dir);
  assert_true(mwx_node_open(&cfg, NULL, NULL, &n) < 0);
  assert_non_null(strstr(mwx_error_msg(), "no-such-rules.json"));
  snprintf(cfg.journal, sizeof cfg.journal, "%s/c.db", dir);
  snprintf(cfg.alert_rules, sizeof cfg.alert_rules, "%s/config/alert-JPN.json", MWX_SOURCE_DIR);
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), 0);
  mwx_node_close(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_jpn_with_partners), cmocka_unit_test(test_jpn_alone),
                                     cmocka_unit_test(test_alert_rules_config),
                                     cmocka_unit_test(test_picture_since)};
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
