/*
 * test_release.c - release policy, decisions and the manual queue.
 *   - the shipped policies load; bad policies are refused naming the rule,
 *     and loading is all-or-nothing;
 *   - decisions: strip/coarsen/marking, hold, default deny, classification,
 *     relay verbatim, third-party rule;
 *   - four-nation case (AUS): a fused track with KOR contributions never
 *     reaches AUS, a USA-only track does;
 *   - property test: thousands of random policies, markings and samples
 *     (seeded PRNG): nothing leaves for a nation outside the intersection
 *     of its originators' releasable-to lists, and no removed field is in
 *     the encoded bytes that leave;
 *   - queue: hold, list, approve/deny, double decision, timeout, expiry,
 *     approvals seen by another handle (another process).
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"
#include "mwx/release.h"
#include "samples.h"

#define T0 1790000000000000000ll

static void load_cfg(const char *nation, mwx_release_policy *p) {
  char path[512];
  snprintf(path, sizeof path, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nation);
  int rc = mwx_release_policy_load(path, p);
  if (rc) fprintf(stderr, "%s\n", mwx_error_msg());
  assert_int_equal(rc, 0);
  assert_string_equal(p->nation, nation);
}

static void test_shipped_policies_load(void **state) {
  (void)state;
  mwx_release_policy p;
  load_cfg("KOR", &p);
  assert_int_equal(p.n_rules, 7);
  load_cfg("JPN", &p);
  load_cfg("USA", &p);
  assert_int_equal(mwx_release_policy_load("/nonexistent/policy.json", &p), MWX_EIO);
}

/* A policy text with one rule spliced in after a valid first rule. */
static int parse_with(const char *rule2, mwx_release_policy *p) {
  char text[2048];
  snprintf(text, sizeof text,
           "{\"nation\": \"KOR\", \"default\": \"deny\", \"rules\": [\n"
           "  {\"id\": \"ok-1\", \"partner\": \"USA\", \"topic\": \"Track\", \"mode\": \"auto\","
           " \"classification\": \"SECRET\"},\n  %s\n]}",
           rule2);
  return mwx_release_policy_parse(text, "test.json", p);
}

static void test_bad_policies_refused(void **state) {
  (void)state;
  static const struct {
    const char *rule, *want;
  } bad[] = {
      {"{\"id\": \"r2\", \"partner\": \"Japan\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "rule 1 (r2): partner 'Japan'"},
      {"{\"id\": \"r2\", \"partner\": \"jpn\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "rule 1 (r2): partner 'jpn'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Tracks\", \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "rule 1 (r2): unknown topic 'Tracks'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\","
       " \"remove\": [\"radar_sites\"]}",
       "rule 1 (r2): unknown field 'radar_sites'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"ImpactPrediction\", \"classes\": [\"SLBM\"], \"mode\": "
       "\"auto\", \"classification\": \"SECRET\"}",
       "rule 1 (r2): unknown missile class 'SLBM'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"sometimes\", \"classification\": "
       "\"SECRET\"}",
       "rule 1 (r2): unknown mode"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"TOP\"}",
       "rule 1 (r2): unknown classification"},
      {"{\"id\": \"r2\", \"partner\": \"KOR\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "rule 1 (r2): partner 'KOR' is this node"},
      {"{\"id\": \"ok-1\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": "
       "\"SECRET\"}",
       "rule 1 (ok-1): duplicate id"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\","
       " \"colour\": \"red\"}",
       "rule 1 (r2): unknown key 'colour'"},
      {"{\"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "rule 1 (no id): 'id'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\","
       " \"manual_timeout_s\": 5}",
       "rule 1 (r2): 'manual_timeout_s'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"manual\", \"classification\": "
       "\"SECRET\", \"on_timeout\": \"shrug\"}",
       "rule 1 (r2): 'on_timeout'"},
      {"{\"id\": \"r2\", \"partner\": \"JPN\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\","
       " \"coarsen\": {\"position_m\": -5}}",
       "rule 1 (r2): 'position_m'"},
      /* conflicts: same partner/topic/class, different outcome */
      {"{\"id\": \"r2\", \"partner\": \"USA\", \"topic\": \"Track\", \"mode\": \"manual\", \"classification\": "
       "\"SECRET\"}",
       "rule 1 (r2): conflicts with rule 0 (ok-1)"},
      {"{\"id\": \"r2\", \"partner\": \"USA\", \"topic\": \"*\", \"mode\": \"auto\", \"classification\": \"SECRET\","
       " \"remove\": [\"covariance\"]}",
       "rule 1 (r2): conflicts with rule 0 (ok-1)"},
      {"{\"id\": \"r2\", \"partner\": \"USA\", \"topic\": \"Track\", \"classes\": [\"ICBM\"], \"mode\": \"auto\", "
       "\"classification\": \"CONFIDENTIAL\"}",
       "rule 1 (r2): conflicts with rule 0 (ok-1)"},
  };
  mwx_release_policy p, sentinel;
  memset(&sentinel, 0xA5, sizeof sentinel);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    p = sentinel;
    int rc = parse_with(bad[i].rule, &p);
    if (rc == 0 || !strstr(mwx_error_msg(), bad[i].want))
      fprintf(stderr, "case %zu: rc %d, message '%s', wanted '%s'\n", i, rc, mwx_error_msg(), bad[i].want);
    assert_int_equal(rc, MWX_EINVAL);
    assert_non_null(strstr(mwx_error_msg(), bad[i].want));
    assert_non_null(strstr(mwx_error_msg(), "test.json"));
    assert_memory_equal(&p, &sentinel, sizeof p); /* all-or-nothing */
  }
  /* overlapping rules with the same outcome, and disjoint classes, are fine */
  assert_int_equal(parse_with("{\"id\": \"r2\", \"partner\": \"USA\", \"topic\": \"*\", \"mode\": \"auto\","
                              " \"classification\": \"SECRET\"}",
                              &p),
                   0);
  assert_int_equal(mwx_release_policy_parse(
                       "{\"nation\": \"KOR\", \"rules\": ["
                       "{\"id\": \"a\", \"partner\": \"JPN\", \"topic\": \"ImpactPrediction\", \"classes\": [\"SRBM\"],"
                       " \"mode\": \"auto\", \"classification\": \"SECRET\"},"
                       "{\"id\": \"b\", \"partner\": \"JPN\", \"topic\": \"ImpactPrediction\", \"classes\": [\"ICBM\"],"
                       " \"mode\": \"manual\", \"classification\": \"SECRET\"}]}",
                       "x", &p),
                   0);
  /* malformed JSON: line and column */
  p = sentinel;
  assert_int_equal(mwx_release_policy_parse("{\"nation\": \"KOR\",\n \"rules\": [\n  {\"id\": }\n]}", "bad.json", &p),
                   MWX_EPARSE);
  assert_non_null(strstr(mwx_error_msg(), "bad.json:3:")); /* path:line:column (json.h) */
  assert_non_null(strstr(mwx_error_msg(), "line 3 column"));
  assert_memory_equal(&p, &sentinel, sizeof p);
  /* policy-level errors */
  assert_int_equal(mwx_release_policy_parse("{\"nation\": \"Korea\", \"rules\": []}", "x", &p), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "Korea"));
  assert_int_equal(mwx_release_policy_parse("{\"nation\": \"KOR\", \"default\": \"allow\", \"rules\": []}", "x", &p),
                   MWX_EINVAL);
  assert_int_equal(mwx_release_policy_parse("{\"nation\": \"KOR\", \"rulez\": []}", "x", &p), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "rulez"));
  /* a bad file on disk */
  char path[] = "/tmp/mwx_test_policy_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *txt = "{\"nation\": \"KOR\", \"rules\": [\n {\"id\": \"x\", \"partner\": \"USA\", \"topic\": \"Tracks\","
                    " \"mode\": \"auto\", \"classification\": \"SECRET\"}]}";
  assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
  close(fd);
  assert_int_equal(mwx_release_policy_load(path, &p), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "rule 0 (x)"));
  assert_non_null(strstr(mwx_error_msg(), path));
  unlink(path);
}

static void test_decide_basics(void **state) {
  (void)state;
  mwx_release_policy kor;
  load_cfg("KOR", &kor);
  uint64_t rng = 1;
  mwx_msg m;
  ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &rng);
  mwx_release_sample s = {&m, 0, 0, NULL};
  mwx_release_decision d;
  /* to JPN: sanitized */
  assert_int_equal(mwx_release_decide(&kor, &s, "JPN", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  assert_string_equal(d.rule_id, "kor-jpn-track");
  assert_int_equal(d.sample.fields, MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS);
  assert_string_equal(d.sample.mark.rule_id, "kor-jpn-track");
  /* the covariance stays, grown by the 1-km rounding (1000^2/12 m^2 per axis) */
  assert_true(fabs(d.sample.u.track.cov[0] - (m.u.track.cov[0] + 1e6 / 12.0)) < 1e-3);
  assert_int_equal(d.sample.mark.n_releasable, 2);
  assert_string_equal(d.sample.mark.releasable_to[0], "JPN");
  assert_string_equal(d.sample.mark.releasable_to[1], "KOR");
  assert_int_equal(mwx_msg_marking_check(&d.sample.mark), 0);
  assert_true(fmod(d.sample.u.track.pos_ecef_m[0], 1000.0) == 0.0);
  /* to USA: all but sensor positions */
  assert_int_equal(mwx_release_decide(&kor, &s, "USA", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  assert_int_equal(d.sample.fields, MWX_F_SENSORS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS);
  /* to AUS: no rule, default deny */
  assert_int_equal(mwx_release_decide(&kor, &s, "AUS", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_REFUSE);
  assert_int_equal(d.reason, MWX_REFUSE_NO_RULE);
  assert_int_equal(d.sample.topic, 0);
  /* to itself */
  assert_int_equal(mwx_release_decide(&kor, &s, "KOR", T0, &d), 0);
  assert_int_equal(d.reason, MWX_REFUSE_INVALID);
  assert_int_equal(mwx_release_decide(&kor, &s, "kor", T0, &d), MWX_EINVAL);
  /* classification above the rule */
  ts_sample(&m, MWX_TOPIC_STATUS, "KOR", &rng);
  assert_int_equal(mwx_release_decide(&kor, &s, "JPN", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_REFUSE);
  assert_int_equal(d.reason, MWX_REFUSE_CLASSIFICATION);
  m.mark.classification = MWX_CLASSIF_CONFIDENTIAL;
  assert_int_equal(mwx_release_decide(&kor, &s, "JPN", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  /* missile class selects the rule: ICBM impact to JPN is held */
  ts_sample(&m, MWX_TOPIC_IMPACT, "KOR", &rng);
  m.u.impact.missile_class = MWX_CLASS_ICBM;
  assert_int_equal(mwx_release_decide(&kor, &s, "JPN", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_HOLD);
  assert_string_equal(d.rule_id, "kor-jpn-impact-long");
  assert_true(d.deadline_ns == T0 + 30000000000ll);
  assert_int_equal(d.on_timeout, MWX_RELEASE_TIMEOUT_APPROVE);
  assert_int_equal(d.sample.fields, 0);
  m.u.impact.missile_class = MWX_CLASS_SRBM;
  assert_int_equal(mwx_release_decide(&kor, &s, "JPN", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  assert_string_equal(d.rule_id, "kor-jpn-impact");
  /* malformed marking */
  m.mark.n_releasable = 0;
  assert_int_equal(mwx_release_decide(&kor, &s, "USA", T0, &d), 0);
  assert_int_equal(d.reason, MWX_REFUSE_INVALID);
}

/* Relay: USA relays a sample signed by KOR; it leaves verbatim (signature
 * still valid) only to nations KOR named, and only if USA's rule would not
 * have to alter it. */
static void test_relay(void **state) {
  (void)state;
  mwx_release_policy kor, usa;
  load_cfg("KOR", &kor);
  load_cfg("USA", &usa);
  mwx_msg_key *kkey = NULL;
  assert_int_equal(mwx_msg_key_generate(&kkey), 0);
  uint64_t rng = 2;
  mwx_msg m;
  ts_sample(&m, MWX_TOPIC_ALERT, "KOR", &rng);
  mwx_release_sample s = {&m, 0, 0, NULL};
  mwx_release_decision d, r;
  assert_int_equal(mwx_release_decide(&kor, &s, "USA", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  assert_int_equal(mwx_msg_sign(&d.sample, kkey), 0);
  /* USA relays KOR's alert: to JPN? KOR's marking says KOR, USA only. */
  mwx_release_sample rs = {&d.sample, 0, 0, NULL};
  assert_int_equal(mwx_release_decide(&usa, &rs, "JPN", T0, &r), 0);
  assert_int_equal(r.outcome, MWX_RELEASE_REFUSE);
  assert_int_equal(r.reason, MWX_REFUSE_THIRD_PARTY);
  assert_non_null(strstr(r.detail, "KOR"));
  /* a KOR sample marked for JPN and USA: USA may relay it to JPN, verbatim */
  mwx_msg wide = d.sample;
  assert_int_equal(mwx_msg_marking_add(&wide.mark, "JPN"), 0);
  assert_int_equal(mwx_msg_sign(&wide, kkey), 0);
  rs.msg = &wide;
  assert_int_equal(mwx_release_decide(&usa, &rs, "JPN", T0, &r), 0);
  assert_int_equal(r.outcome, MWX_RELEASE_RELEASE);
  assert_true(r.relayed);
  assert_memory_equal(&r.sample, &wide, sizeof wide);
  assert_int_equal(mwx_msg_verify(&r.sample, kkey), 0);
  /* a relayed Track with sensor positions: USA's rule would strip, so refuse */
  ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &rng);
  assert_int_equal(mwx_msg_marking_add(&m.mark, "USA"), 0);
  assert_int_equal(mwx_msg_marking_add(&m.mark, "JPN"), 0);
  rs.msg = &m;
  assert_int_equal(mwx_release_decide(&usa, &rs, "JPN", T0, &r), 0);
  assert_int_equal(r.reason, MWX_REFUSE_RELAY);
  mwx_msg_key_free(kkey);
}

/* Four nations: USA shares tracks with AUS, KOR does not. */
static void test_four_nations(void **state) {
  (void)state;
  mwx_release_policy usa;
  load_cfg("USA", &usa);
  uint64_t rng = 4;
  mwx_msg_marking kor_src, usa_src, jpn_src;
  memset(&kor_src, 0, sizeof kor_src);
  memcpy(kor_src.originator, "KOR", 4);
  mwx_msg_marking_add(&kor_src, "KOR");
  mwx_msg_marking_add(&kor_src, "USA");
  mwx_msg_marking_add(&kor_src, "JPN");
  memset(&usa_src, 0, sizeof usa_src);
  memcpy(usa_src.originator, "USA", 4);
  mwx_msg_marking_add(&usa_src, "USA");
  jpn_src = kor_src;
  memcpy(jpn_src.originator, "JPN", 4);
  mwx_msg_marking_add(&jpn_src, "AUS");

  mwx_msg fused;
  ts_sample(&fused, MWX_TOPIC_TRACK, "USA", &rng);
  fused.u.track.n_contributors = 2;
  memcpy(fused.u.track.contributors[0], "KOR", 4);
  memcpy(fused.u.track.contributors[1], "USA", 4);
  mwx_msg_marking sources[2] = {kor_src, usa_src};
  mwx_release_sample s = {&fused, 0, 2, sources};
  mwx_release_decision d;
  const char *partners[] = {"AUS", "JPN", "KOR"};
  int outcome[] = {MWX_RELEASE_REFUSE, MWX_RELEASE_RELEASE, MWX_RELEASE_RELEASE};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(mwx_release_decide(&usa, &s, partners[i], T0, &d), 0);
    assert_int_equal(d.outcome, outcome[i]);
  }
  assert_int_equal(mwx_release_decide(&usa, &s, "AUS", T0, &d), 0);
  assert_int_equal(d.reason, MWX_REFUSE_THIRD_PARTY);
  assert_non_null(strstr(d.detail, "KOR"));
  /* every topic of fused data with KOR in it: never AUS */
  for (int t = MWX_TOPIC_TRACK; t <= MWX_TOPIC_STATUS; t++) {
    mwx_msg m;
    ts_sample(&m, (mwx_msg_topic)t, "USA", &rng);
    mwx_release_sample ss = {&m, 0, 2, sources};
    assert_int_equal(mwx_release_decide(&usa, &ss, "AUS", T0, &d), 0);
    assert_int_equal(d.outcome, MWX_RELEASE_REFUSE);
  }
  /* USA-only track: released to AUS, sanitized */
  mwx_release_sample only = {&fused, 0, 1, &usa_src};
  assert_int_equal(mwx_release_decide(&usa, &only, "AUS", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  assert_string_equal(d.rule_id, "usa-aus-track");
  assert_int_equal(d.sample.fields, 0);
  assert_true(mwx_msg_marking_allows(&d.sample.mark, "AUS"));
  assert_false(mwx_msg_marking_allows(&d.sample.mark, "KOR"));
  /* JPN named AUS: a USA+JPN track may go */
  mwx_msg_marking uj[2] = {usa_src, jpn_src};
  mwx_release_sample s2 = {&fused, 0, 2, uj};
  assert_int_equal(mwx_release_decide(&usa, &s2, "AUS", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_RELEASE);
  /* no own-data sample marked only for KOR can be relayed by USA to AUS */
  mwx_msg k;
  ts_sample(&k, MWX_TOPIC_TRACK, "KOR", &rng);
  mwx_msg_marking_add(&k.mark, "USA");
  mwx_release_sample rk = {&k, 0, 0, NULL};
  assert_int_equal(mwx_release_decide(&usa, &rk, "AUS", T0, &d), 0);
  assert_int_equal(d.outcome, MWX_RELEASE_REFUSE);
}

/* ---- property test ------------------------------------------------------ */

static const char *const POOL[] = {"AUS", "CAN", "GBR", "JPN", "KOR", "USA"};
#define NPOOL 6

static void random_marking(uint64_t *rng, const char *originator, mwx_msg_marking *mk) {
  memset(mk, 0, sizeof *mk);
  memcpy(mk->originator, originator, 4);
  mk->classification = (uint8_t)(ts_rand(rng) % 4);
  mwx_msg_marking_add(mk, originator);
  for (int i = 0; i < NPOOL; i++)
    if (ts_rand(rng) % 2) mwx_msg_marking_add(mk, POOL[i]);
}

static void random_policy(uint64_t *rng, mwx_release_policy *p) {
  memset(p, 0, sizeof *p);
  memcpy(p->nation, POOL[ts_rand(rng) % NPOOL], 4);
  p->n_rules = ts_rand(rng) % 12;
  for (size_t i = 0; i < p->n_rules; i++) {
    mwx_release_rule *r = &p->rules[i];
    snprintf(r->id, sizeof r->id, "r%zu", i);
    const char *partner;
    do partner = POOL[ts_rand(rng) % NPOOL];
    while (!strcmp(partner, p->nation));
    memcpy(r->partner, partner, 4);
    r->topic = (uint8_t)(ts_rand(rng) % 6);
    r->classes = ts_rand(rng) % 3 ? 0 : (uint32_t)(ts_rand(rng) % 32);
    r->mode = (uint8_t)(ts_rand(rng) % 2);
    r->remove = (uint32_t)(ts_rand(rng) % 16);
    r->coarsen_m = ts_rand(rng) % 3 ? 0 : 1000.0;
    r->coarsen_s = ts_rand(rng) % 3 ? 0 : 1.0;
    r->max_classification = (uint8_t)(ts_rand(rng) % 4);
    r->timeout_s = 1 + (int64_t)(ts_rand(rng) % 100);
    r->on_timeout = (uint8_t)(ts_rand(rng) % 2);
  }
}

static const mwx_release_rule *rule_by_id(const mwx_release_policy *p, const char *id) {
  for (size_t i = 0; i < p->n_rules; i++)
    if (!strcmp(p->rules[i].id, id)) return &p->rules[i];
  return NULL;
}

static void test_property_random(void **state) {
  (void)state;
  uint64_t rng = 0x5EED2026;
  int released = 0, held = 0, refused = 0, derived_out = 0, relayed_out = 0, stripped_out = 0;
  for (int it = 0; it < 40000; it++) {
    mwx_release_policy p;
    if (it % 20 == 0 || it == 0) random_policy(&rng, &p);
    mwx_msg m;
    const char *orig = ts_rand(&rng) % 3 ? p.nation : POOL[ts_rand(&rng) % NPOOL];
    ts_sample(&m, (mwx_msg_topic)(1 + ts_rand(&rng) % 5), orig, &rng);
    random_marking(&rng, orig, &m.mark);
    if (m.topic == MWX_TOPIC_TRACK || m.topic == MWX_TOPIC_LAUNCH || m.topic == MWX_TOPIC_IMPACT)
      mwx_msg_strip(&m, (uint32_t)(ts_rand(&rng) % 4 == 0 ? ts_rand(&rng) % 16 : 0));
    mwx_msg_marking srcs[4];
    size_t n_src = 0;
    if (!strcmp(orig, p.nation) && ts_rand(&rng) % 2) {
      n_src = 1 + ts_rand(&rng) % 4;
      for (size_t k = 0; k < n_src; k++) random_marking(&rng, POOL[ts_rand(&rng) % NPOOL], &srcs[k]);
    }
    mwx_release_sample s = {&m, (uint8_t)(ts_rand(&rng) % 5), n_src, n_src ? srcs : NULL};
    const char *partner = POOL[ts_rand(&rng) % NPOOL];
    mwx_release_decision d;
    assert_int_equal(mwx_release_decide(&p, &s, partner, T0 + it, &d), 0);
    if (d.outcome == MWX_RELEASE_REFUSE) {
      refused++;
      assert_int_equal(d.sample.topic, 0);
      continue;
    }
    d.outcome == MWX_RELEASE_RELEASE ? released++ : held++;
    /* the partner is inside the intersection of every originator's list */
    assert_string_not_equal(partner, p.nation);
    for (size_t k = 0; k < n_src; k++)
      if (strcmp(srcs[k].originator, p.nation)) assert_true(mwx_msg_marking_allows(&srcs[k], partner));
    if (strcmp(m.mark.originator, p.nation)) {
      assert_true(mwx_msg_marking_allows(&m.mark, partner));
      assert_true(d.relayed);
      assert_memory_equal(&d.sample.mark, &m.mark, sizeof m.mark); /* marking unchanged */
      relayed_out++;
    }
    if (n_src) derived_out++;
    /* what leaves names the partner, is well marked, within the rule */
    assert_true(mwx_msg_marking_allows(&d.sample.mark, partner));
    assert_int_equal(mwx_msg_marking_check(&d.sample.mark), 0);
    const mwx_release_rule *r = rule_by_id(&p, d.rule_id);
    assert_non_null(r);
    assert_string_equal(r->partner, partner);
    assert_true(m.mark.classification <= r->max_classification);
    /* no removed field in the encoded bytes */
    uint8_t buf[MWX_MSG_MAX_BYTES];
    size_t len;
    assert_int_equal(mwx_msg_encode(&d.sample, buf, sizeof buf, &len), 0);
    mwx_msg back;
    assert_int_equal(mwx_msg_decode(buf, len, &back), 0);
    assert_int_equal(back.fields & r->remove, 0);
    if (r->remove & m.fields) stripped_out++;
    if (r->remove & MWX_F_SENSORS) assert_null(memmem(buf, len, "-radar-", 7));
    if ((r->remove & MWX_F_COVARIANCE) && m.topic == MWX_TOPIC_TRACK && (m.fields & MWX_F_COVARIANCE)) {
      uint8_t be[8];
      uint64_t u;
      memcpy(&u, &m.u.track.cov[3], 8);
      for (int b = 0; b < 8; b++) be[b] = (uint8_t)(u >> (56 - 8 * b));
      assert_null(memmem(buf, len, be, 8));
    }
    if (d.outcome == MWX_RELEASE_HOLD) assert_true(d.deadline_ns > d.time_ns);
  }
  fprintf(stderr, "property: %d released, %d held, %d refused; %d derived, %d relayed, %d stripped\n", released,
          held, refused, derived_out, relayed_out, stripped_out);
  assert_true(released > 1000 && held > 1000 && derived_out > 200 && relayed_out > 100 && stripped_out > 500);
}

/* ---- queue ------------------------------------------------------------- */

static int collect(const mwx_release_item *it, void *ctx) {
  mwx_release_item *arr = ctx;
  for (int i = 0; i < 8; i++)
    if (arr[i].id == 0) {
      arr[i] = *it;
      return 0;
    }
  return 0;
}

static void test_queue(void **state) {
  (void)state;
  char dir[] = "/tmp/mwx_test_queue_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/q.db", dir);
  mwx_journal *j = NULL, *other = NULL;
  assert_int_equal(mwx_journal_open(path, NULL, &j), 0);
  assert_int_equal(mwx_journal_open(path, NULL, &other), 0);
  mwx_release_policy usa;
  load_cfg("USA", &usa);
  uint64_t rng = 9;
  uint64_t holds[3];
  for (int i = 0; i < 3; i++) {
    mwx_msg m;
    ts_sample(&m, MWX_TOPIC_IMPACT, "USA", &rng);
    mwx_release_sample s = {&m, 0, 0, NULL};
    mwx_release_decision d;
    assert_int_equal(mwx_release_decide(&usa, &s, "AUS", T0 + i, &d), 0);
    assert_int_equal(d.outcome, MWX_RELEASE_HOLD);
    assert_int_equal(mwx_release_journal(j, &d, &holds[i]), 0);
    /* and an automatic release and a refusal, journaled too */
    assert_int_equal(mwx_release_decide(&usa, &s, "JPN", T0 + i, &d), 0);
    assert_int_equal(mwx_release_journal(j, &d, NULL), 0);
    assert_int_equal(mwx_release_decide(&usa, &s, "GBR", T0 + i, &d), 0);
    assert_int_equal(d.outcome, MWX_RELEASE_REFUSE);
    assert_int_equal(mwx_release_journal(j, &d, NULL), 0);
  }
  mwx_release_item items[8];
  memset(items, 0, sizeof items);
  assert_int_equal(mwx_release_queue_list(other, T0 + 1000, collect, items), 0);
  assert_true(items[0].id == holds[0] && items[1].id == holds[1] && items[2].id == holds[2] && items[3].id == 0);
  assert_string_equal(items[0].partner, "AUS");
  assert_string_equal(items[0].rule_id, "usa-aus-impact");
  assert_false(items[0].expired);
  assert_int_equal(items[0].sample.fields, 0);
  /* approve from "another process", deny, double decision */
  mwx_release_item out;
  assert_int_equal(mwx_release_queue_decide(other, holds[0], 1, "lt.kim", T0 + 5000000000ll, &out), 0);
  assert_string_equal(out.outcome, "approved");
  assert_true(out.decided_ns - out.held_ns == 5000000000ll);
  assert_int_equal(mwx_release_queue_decide(j, holds[0], 0, "capt.lee", T0 + 6000000000ll, &out), MWX_EEXIST);
  assert_non_null(strstr(mwx_error_msg(), "lt.kim"));
  assert_int_equal(mwx_release_queue_decide(j, holds[1], 0, "capt.lee", T0 + 7000000000ll, &out), 0);
  assert_int_equal(mwx_release_queue_decide(j, 9999, 1, "x", T0, &out), MWX_ENOTFOUND);
  assert_int_equal(mwx_release_queue_decide(j, holds[0] + 1, 1, "x", T0, &out), MWX_ENOTFOUND); /* not a hold */
  assert_int_equal(mwx_release_queue_decide(j, holds[2], 1, "", T0, &out), MWX_EINVAL);
  /* the node sees the approval made elsewhere */
  memset(items, 0, sizeof items);
  uint64_t last = 0;
  assert_int_equal(mwx_release_queue_approved(j, 0, collect, items, &last), 0);
  assert_true(items[0].id == holds[0] && items[1].id == 0);
  assert_string_equal(items[0].operator_name, "lt.kim");
  assert_int_equal(items[0].sample.topic, MWX_TOPIC_IMPACT);
  memset(items, 0, sizeof items);
  assert_int_equal(mwx_release_queue_approved(j, last, collect, items, &last), 0);
  assert_true(items[0].id == 0);
  /* timeout: 60 s then deny */
  int64_t late = T0 + 61000000000ll;
  assert_int_equal(mwx_release_queue_decide(j, holds[2], 1, "lt.kim", late, &out), MWX_ETIMEDOUT);
  memset(items, 0, sizeof items);
  assert_int_equal(mwx_release_queue_list(j, late, collect, items), 0);
  assert_true(items[0].id == holds[2] && items[0].expired);
  memset(items, 0, sizeof items);
  assert_int_equal(mwx_release_queue_expire(j, late, collect, items), 0);
  assert_true(items[0].id == holds[2] && items[1].id == 0);
  assert_string_equal(items[0].outcome, "denied");
  assert_string_equal(items[0].operator_name, "timeout");
  memset(items, 0, sizeof items);
  assert_int_equal(mwx_release_queue_list(j, late, collect, items), 0);
  assert_true(items[0].id == 0);
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(j, NULL, &v), 0);
  assert_int_equal(v.records, 9 + 3);
  mwx_journal_close(j);
  mwx_journal_close(other);
  char p2[160];
  snprintf(p2, sizeof p2, "%s-wal", path);
  unlink(p2);
  snprintf(p2, sizeof p2, "%s-shm", path);
  unlink(p2);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped_policies_load), cmocka_unit_test(test_bad_policies_refused),
      cmocka_unit_test(test_decide_basics),         cmocka_unit_test(test_relay),
      cmocka_unit_test(test_four_nations),          cmocka_unit_test(test_property_random),
      cmocka_unit_test(test_queue),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
