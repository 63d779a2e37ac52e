/*
 * test_input.c - every file and message mwx reads from outside is strict
 * (issue 11, docs/security.md "Input"): duplicate and unknown keys refused
 * naming the key, ids held to the id character set on load and on receipt,
 * partner text escaped before it is printed, every number range-checked,
 * and the documented limits on file size, counts and rates.  Table-driven:
 * each case states the input and the words the error must contain.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/msg.h"
#include "mwx/net.h"
#include "mwx/node.h"
#include "mwx/release.h"
#include "mwx/sim.h"
#include "mwx/text.h"
#include "fixture_dir.h"
#include "samples.h"

#define EXPECT_MSG(rc_expr, want)                                                                \
  do {                                                                                           \
    int rc_ = (rc_expr);                                                                         \
    if (rc_ == 0 || !strstr(mwx_error_msg(), (want)))                                            \
      fail_msg("%s:%d: rc %d, message \"%s\", wanted \"%s\"", __FILE__, __LINE__, rc_,           \
               mwx_error_msg(), (want));                                                         \
  } while (0)

/* ------------------------------------------------------------ text.h */

static void test_text(void **state) {
  (void)state;
  char out[64];
  assert_string_equal(mwx_text_escape("t\nJPN partner USA lost", out, sizeof out), "t\\x0aJPN partner USA lost");
  assert_string_equal(mwx_text_escape("a\\b\x1b[2J\xc3\xa9", out, sizeof out), "a\\\\b\\x1b[2J\\xc3\\xa9");
  assert_string_equal(mwx_text_escape("\n\n\n", out, 9), "\\x0a\\x0a"); /* no half escape */
  assert_string_equal(mwx_text_escape(NULL, out, sizeof out), "");
  assert_true(mwx_text_id_chars_ok("KOR-T12"));
  assert_true(mwx_text_id_chars_ok("kor-usa/track_1.a:b@c+d"));
  static const char *const bad_ids[] = {"t\nJPN", "a b", "a\"b", "a<b", "a\\b", "a'b", "\xc3\xa9", "a\x7f"};
  for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
    assert_false(mwx_text_id_chars_ok(bad_ids[i]));
    EXPECT_MSG(mwx_text_id_check(bad_ids[i], 0, "here", "rule id"), "here: rule id '");
  }
  EXPECT_MSG(mwx_text_id_check("", 0, "here", "rule id"), "must not be empty");
  EXPECT_MSG(mwx_text_id_check("0123456789012345678901234567890123", 0, "here", "id"), "longer than 31");
  EXPECT_MSG(mwx_text_id_check("t\nX", 0, "p.json", "id"), "'t\\x0aX' holds '\\x0a' at byte 1");

  static const struct {
    const char *s;
    int64_t lo, hi;
    int rc;
    int64_t want;
    const char *msg;
  } ints[] = {
      {"30", 0, 604800, 0, 30, NULL},
      {"-5", -10, 10, 0, -5, NULL},
      {"99999999999999", 0, 604800, MWX_ERANGE, 0, "--t: 99999999999999 is outside 0..604800"},
      {"99999999999999999999999", 0, INT64_MAX, MWX_ERANGE, 0, "outside"},
      {"-1", 0, 10, MWX_ERANGE, 0, "outside 0..10"},
      {"12x", 0, 100, MWX_EINVAL, 0, "not a whole number"},
      {"", 0, 100, MWX_EINVAL, 0, "no value"},
      {"0x10", 0, 100, MWX_EINVAL, 0, "not a whole number"},
      {" 5", 0, 100, MWX_EINVAL, 0, "not a whole number"},
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    int64_t v = -77;
    int rc = mwx_text_parse_i64(ints[i].s, ints[i].lo, ints[i].hi, "--t", &v);
    assert_int_equal(rc, ints[i].rc);
    if (!rc)
      assert_int_equal(v, ints[i].want);
    else {
      assert_int_equal(v, -77);
      assert_non_null(strstr(mwx_error_msg(), ints[i].msg));
    }
  }
  static const struct {
    const char *s;
    int rc;
  } nums[] = {{"1.5", 0}, {"-2e3", 0}, {"1e308", MWX_ERANGE}, {"1e999", MWX_ERANGE}, {"inf", MWX_EINVAL},
              {"nan", MWX_EINVAL}, {"0x1p3", MWX_EINVAL}, {"1.5.", MWX_EINVAL}, {"", MWX_EINVAL}};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    double v;
    assert_int_equal(mwx_text_parse_f64(nums[i].s, -1e6, 1e6, "--x", &v), nums[i].rc);
  }
}

/* ------------------------------------------------------------ json.h */

static void test_json_files(void **state) {
  (void)state;
  json_t *j = NULL;
  EXPECT_MSG(mwx_json_load_file("/dev/zero", 0, &j), "/dev/zero: not a regular file");
  EXPECT_MSG(mwx_json_load_file(fx_dir, 0, &j), "not a regular file (a directory)");
  EXPECT_MSG(mwx_json_load_file("/nonexistent/x.json", 0, &j), "cannot open");
  const char *p = fx_put("big.json", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
  EXPECT_MSG(mwx_json_load_file(p, 16, &j), "more than the limit of 16");
  p = fx_put("dup.json", "{\"nation\": \"KOR\",\n \"nation\": \"JPN\"}");
  EXPECT_MSG(mwx_json_load_file(p, 0, &j), "dup.json:2:");
  assert_non_null(strstr(mwx_error_msg(), "nation"));
  p = fx_put("ok.json", "{\"a\": 1, \"b\": \"x\"}");
  assert_int_equal(mwx_json_load_file(p, 0, &j), 0);
  static const char *const allowed[] = {"a", NULL};
  EXPECT_MSG(mwx_json_check_keys(j, allowed, "ok.json"), "ok.json: unknown key 'b'");
  json_decref(j);
}

/* ------------------------------------------------- node configuration */

#define CFG_HEAD "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\""

static void test_node_config_refused(void **state) {
  (void)state;
  static const struct {
    const char *text, *want;
  } bad[] = {
      /* duplicates: the second "nation" would have won */
      {"{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"nation\":\"JPN\"}", "duplicate"},
      /* misspellings are errors, not defaults */
      {CFG_HEAD ",\"journal_plot\":false}", "unknown key 'journal_plot'"},
      {CFG_HEAD ",\"sped\":2}", "unknown key 'sped'"},
      {CFG_HEAD ",\"links\":[{\"domain_id\":1,\"peer\":[\"127.0.0.1\"]}]}", "links[0]: unknown key 'peer'"},
      {CFG_HEAD ",\"links\":[{\"domain_id\":1}],\"domain_id\":2}", "'domain_id' belongs inside 'links'"},
      /* numbers that overflowed later (UBSan) */
      {CFG_HEAD ",\"start_unix_ms\":9223372036854775807}", "'start_unix_ms' = 9223372036854775807 is outside"},
      {CFG_HEAD ",\"start_unix_ms\":-1}", "'start_unix_ms' = -1 is outside"},
      {CFG_HEAD ",\"speed\":1e308}", "'speed' = 1e+308 is outside [0, 1e+06]"},
      {CFG_HEAD ",\"step_s\":1e308}", "'step_s' = 1e+308 is outside [0.001, 3600]"},
      {CFG_HEAD ",\"lead_s\":1e12}", "'lead_s' = 1e+12 is outside [0, 86400]"},
      {CFG_HEAD ",\"linger_s\":1e300}", "'linger_s'"},
      {CFG_HEAD ",\"seed\":-3}", "'seed' = -3 is outside"},
      {CFG_HEAD ",\"seed\":1.5}", "'seed' must be an integer"},
      {CFG_HEAD ",\"lease_ms\":1e20}", "'lease_ms' must be an integer"},
      {CFG_HEAD ",\"history_depth\":100000}", "'history_depth' = 100000 is outside [1, 1000]"},
      {CFG_HEAD ",\"web_port\":70000}", "'web_port' must be an integer 0..65535"},
      /* wrong types are named as such */
      {CFG_HEAD ",\"journal_plots\":\"no\"}", "'journal_plots' must be true or false"},
      {CFG_HEAD ",\"secure\":1}", "'secure' must be true or false"},
      {"{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":7}", "'journal' must be a path"},
      /* ids and strings */
      {CFG_HEAD ",\"node_id\":\"n\\nKOR partner USA lost\"}", "'node_id' 'n\\x0aKOR partner USA lost' holds"},
      {"{\"nation\":\"KOR\",\"pki_dir\":\"p\\nq\",\"journal\":\"k.db\"}", "'pki_dir' holds a control character"},
      /* what reaches Cyclone's XML */
      {CFG_HEAD ",\"interface\":\"lo\\\"/><Foo bar=\\\"\"}", "'interface' \"lo\"/><Foo bar=\"\" is neither"},
      {CFG_HEAD ",\"interface\":\"eth0 x\"}", "'interface'"},
      {CFG_HEAD ",\"interface\":\"averyveryverylongname\"}", "'interface'"},
      {CFG_HEAD ",\"peers\":[\"127.0.0.1</Peer><Peer address='x'\"]}", "peers[0] \"127.0.0.1</Peer>"},
      {CFG_HEAD ",\"peers\":[\"10.0.0.1:99999\"]}", "peers[0]"},
      {CFG_HEAD ",\"peers\":[\"[::1\"]}", "peers[0]"},
      {CFG_HEAD ",\"peers\":[\"-bad-.example\"]}", "peers[0]"},
      /* not a JSON object */
      {"[1,2]", "must be a JSON object"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *p = fx_put("cfg.json", bad[i].text);
    mwx_node_config c;
    int rc = mwx_node_config_load(p, &c);
    if (rc == 0 || !strstr(mwx_error_msg(), bad[i].want))
      fail_msg("case %zu (%s): rc %d, \"%s\", wanted \"%s\"", i, bad[i].text, rc, mwx_error_msg(), bad[i].want);
    assert_non_null(strstr(mwx_error_msg(), "cfg.json")); /* names the file */
  }
  /* the network-only reader refuses the same misspellings */
  const char *p = fx_put("net.json", CFG_HEAD ",\"journal_plot\":false}");
  mwx_net_config nc;
  EXPECT_MSG(mwx_net_config_load(p, &nc), "unknown key 'journal_plot'");
  EXPECT_MSG(mwx_net_config_load(fx_dir, &nc), "a directory");
  EXPECT_MSG(mwx_net_config_load("/dev/zero", &nc), "not a regular file");

  /* what is allowed still loads */
  static const char *const good[] = {
      CFG_HEAD ",\"interface\":\"10.77.1.1\",\"peers\":[\"10.77.1.2\",\"[fe80::1]:7400\",\"::1\","
               "\"kor-node.example.org:7410\",\"localhost\"]}",
      CFG_HEAD ",\"interface\":\"veth-kor.1\",\"node_id\":\"KOR-node-2\",\"web_port\":8080,"
               "\"lead_s\":86400,\"step_s\":3600,\"speed\":1e6,\"start_unix_ms\":7258118400000}",
      CFG_HEAD ",\"links\":[{\"domain_id\":1,\"interface\":\"lo\",\"partners\":[\"USA\"]},{\"domain_id\":2}]}",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    p = fx_put("good.json", good[i]);
    mwx_node_config c;
    int rc = mwx_node_config_load(p, &c);
    if (rc)
      fail_msg("good case %zu: %s", i, mwx_error_msg());
  }
  /* the shipped configurations */
  static const char *const shipped[] = {"config/kor.json", "config/jpn.json", "config/usa.json",
                                        "config/hub/kor.json", "config/hub/jpn.json", "config/hub/usa.json"};
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", MWX_SOURCE_DIR, shipped[i]);
    mwx_node_config c;
    if (mwx_node_config_load(path, &c))
      fail_msg("%s: %s", shipped[i], mwx_error_msg());
  }
}

/* A configuration built in code is held to the same ranges (node.c's
 * tick_timer and lead computed int64 ns from these and overflowed). */
static void test_node_config_check(void **state) {
  (void)state;
  static const struct {
    const char *field;
    double v;
    const char *want;
  } bad[] = {{"speed", 1e308, "speed 1e+308"},   {"speed", 1e-9, "speed 1e-09"},     {"speed", NAN, "speed"},
             {"step_s", 1e308, "step_s"},        {"step_s", 1e-4, "step_s"},            {"lead_s", 1e12, "lead_s"},
             {"impact_every_s", -1, "impact_every_s"}, {"linger_s", INFINITY, "linger_s"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mwx_node_config c;
    mwx_node_config_init(&c);
    memcpy(c.nation, "KOR", 4);
    snprintf(c.policy, sizeof c.policy, "%s/p.json", fx_dir);
    snprintf(c.journal, sizeof c.journal, "%s/j.db", fx_dir);
    double *f = !strcmp(bad[i].field, "speed")    ? &c.speed
                : !strcmp(bad[i].field, "step_s") ? &c.step_s
                : !strcmp(bad[i].field, "lead_s") ? &c.lead_s
                : !strcmp(bad[i].field, "linger_s") ? &c.linger_s
                                                    : &c.impact_every_s;
    *f = bad[i].v;
    EXPECT_MSG(mwx_node_config_check(&c), bad[i].want);
    mwx_node *n = NULL;
    EXPECT_MSG(mwx_node_open(&c, NULL, NULL, &n), bad[i].want);
    assert_null(n);
    assert_int_equal(access(c.journal, F_OK), -1); /* refused before anything was made */
  }
  mwx_node_config c;
  mwx_node_config_init(&c);
  memcpy(c.nation, "KOR", 4);
  c.start_unix_ns = INT64_MAX;
  EXPECT_MSG(mwx_node_config_check(&c), "outside 1970..2200");
  mwx_node_config_init(&c);
  memcpy(c.nation, "KOR", 4);
  c.sign_threads = 9; /* the sign pool's bound: the loop and at most 7 workers */
  EXPECT_MSG(mwx_node_config_check(&c), "sign_threads 9 is outside 0..8");
  c.sign_threads = 8;
  assert_int_equal(mwx_node_config_check(&c), 0);
  mwx_node_config_init(&c);
  snprintf(c.node_id, sizeof c.node_id, "a\"b");
  EXPECT_MSG(mwx_node_config_check(&c), "node_id");
  mwx_node_config_init(&c);
  assert_int_equal(mwx_node_config_check(&c), 0);
}

/* ------------------------------------------------------------- policy */

static int policy_with(const char *rule, mwx_release_policy *p) {
  char text[1024];
  snprintf(text, sizeof text, "{\"nation\": \"KOR\", \"rules\": [%s]}", rule);
  return mwx_release_policy_parse(text, "pol.json", p);
}

#define RULE_OK "\"partner\": \"USA\", \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\""

static void test_policy_refused(void **state) {
  (void)state;
  static const struct {
    const char *rule, *want;
  } bad[] = {
      /* the 442 fake "partner lost" lines of the attack */
      {"{\"id\": \"t\\nJPN partner USA lost\", " RULE_OK "}", "rule 0 (t\\x0aJPN partner USA lost): 'id' holds a control"},
      {"{\"id\": \"kor usa\", " RULE_OK "}", "'id' may hold only A-Z a-z 0-9"},
      {"{\"id\": \"a\\\"b\", " RULE_OK "}", "'id' may hold only"},
      {"{\"id\": \"\\u001b[2J\", " RULE_OK "}", "(\\x1b[2J): 'id' holds a control character"},
      /* a wrong type is not "missing" */
      {"{\"id\": \"r\", \"partner\": 7, \"topic\": \"Track\", \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "'partner' must be a string"},
      {"{\"id\": 5, " RULE_OK "}", "'id' must be a string"},
      {"{\"id\": \"r\", \"partner\": \"USA\", \"topic\": [\"Track\"], \"mode\": \"auto\", \"classification\": \"SECRET\"}",
       "'topic' must be a string"},
      {"{\"id\": \"r\", " RULE_OK ", \"description\": 3}", "'description' must be a string"},
      {"{\"id\": \"r\", " RULE_OK ", \"description\": \"x\\ny\"}", "'description' holds a control character"},
      {"{\"id\": \"r\", " RULE_OK ", \"id\": \"s\"}", "duplicate"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mwx_release_policy p;
    int rc = policy_with(bad[i].rule, &p);
    if (rc == 0 || !strstr(mwx_error_msg(), bad[i].want))
      fail_msg("case %zu: rc %d, \"%s\", wanted \"%s\"", i, rc, mwx_error_msg(), bad[i].want);
    assert_null(strchr(mwx_error_msg(), '\n')); /* the message itself is one line */
  }
  mwx_release_policy p;
  EXPECT_MSG(mwx_release_policy_parse("{\"nation\": \"KOR\", \"description\": [], \"rules\": []}", "pol.json", &p),
             "'description' must be a string");
  EXPECT_MSG(mwx_release_policy_load(fx_dir, &p), "not a regular file (a directory)");
  EXPECT_MSG(mwx_release_policy_load("/dev/zero", &p), "not a regular file");
  const char *path = fx_put("dup-policy.json", "{\"nation\": \"KOR\", \"nation\": \"JPN\", \"rules\": []}");
  EXPECT_MSG(mwx_release_policy_load(path, &p), "duplicate");
  assert_int_equal(policy_with("{\"id\": \"kor-usa/track_1.a:b@c+d\", " RULE_OK "}", &p), 0);
}

/* ---------------------------------------------------------- scenarios */

#define SENSOR(id, extra) SENSORP(id, "10", extra)
#define SENSORP(id, period, extra)                                                                       \
  "{\"id\": \"" id "\", \"nation\": \"JPN\", \"type\": \"ground_radar\", \"lat_deg\": 35, \"lon_deg\": 135," \
  " \"max_range_km\": 3000, \"period_s\": " period ", \"pd\": 0.9, \"sigma_range_m\": 50, \"sigma_az_deg\": 0.1,"      \
  " \"sigma_el_deg\": 0.1" extra "}"
#define LAUNCH(id, t)                                                                                     \
  "{\"id\": \"" id "\", \"time_utc\": \"" t "\", \"lat_deg\": 39, \"lon_deg\": 125.5, \"azimuth_deg\": 90," \
  " \"apogee_km\": 1000, \"range_km\": 1000}"

static int scen(const char *launches, const char *sensors, mwx_sim_scenario *sc) {
  size_t n = strlen(launches) + strlen(sensors) + 128;
  char *text = malloc(n);
  snprintf(text, n, "{\"name\": \"t\", \"launches\": [%s], \"sensors\": %s}", launches, sensors);
  int rc = mwx_sim_scenario_parse(text, "s.json", fx_dir, sc);
  free(text);
  return rc;
}

static void test_scenario_refused(void **state) {
  (void)state;
  mwx_sim_scenario sc;
  const char *L = LAUNCH("M1", "2022-11-18T01:15:00Z");
  const char *S = "[" SENSOR("JPN-R1", "") "]";
  assert_int_equal(scen(L, S, &sc), 0);
  mwx_sim_scenario_fini(&sc);
  static const struct {
    const char *launches, *sensors, *want;
  } bad[] = {
      {LAUNCH("M\\n1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", "") "]", "launches[0].id: holds a control"},
      {LAUNCH("M 1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", "") "]", "launches[0].id: may hold only"},
      {LAUNCH("M1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN\\\"R1", "") "]", "sensors[0].id: may hold only"},
      {LAUNCH("M1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", ", \"model\": \"x\\ty\"") "]",
       "sensors[0].model: holds a control"},
      /* a century apart: millions of plots without end */
      {LAUNCH("M1", "2022-11-18T01:15:00Z") "," LAUNCH("M2", "2122-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", "") "]",
       "launches: the launches span 3155673600 s, more than the limit of 86400 s"}, /* 36524 days */
      /* 21,000 plots a second from one radar */
      {LAUNCH("M1", "2022-11-18T01:15:00Z"),
       "[" SENSORP("JPN-R1", "0.001", ", \"false_per_scan\": 20") "]",
       "sensors would make 21000 plots per second (1 + false_per_scan x faces per scan), more than the limit of 2000"},
      {LAUNCH("M1", "2022-11-18T01:15:00Z") "," LAUNCH("M2", "2022-11-18T21:15:00Z"),
       "[" SENSORP("JPN-R1", "0.001", "") "]", "s.json: about 7.92e+07 plots over the launches' span plus 2 h"} /* 1000/s x (20 h + 2 h) */, {"[]", "[]", "launches[0]: must be an object"},
      {LAUNCH("M1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", ", \"period_s\": 0.001") "]",
       "duplicate"}, /* period_s twice */
      {LAUNCH("M1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", ", \"perod_s\": 1") "]", "perod_s: unknown key"},
      /* max_range_km x 1000 was inf */
      {LAUNCH("M1", "2022-11-18T01:15:00Z"), "[" SENSOR("JPN-R1", ", \"min_alt_km\": 1e308") "]",
       "sensors[0].min_alt_km: must be a number in [-1, 1e+06] (got 1e+308)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = scen(bad[i].launches, bad[i].sensors, &sc);
    if (rc == 0 || !strstr(mwx_error_msg(), bad[i].want))
      fail_msg("case %zu: rc %d, \"%s\", wanted \"%s\"", i, rc, mwx_error_msg(), bad[i].want);
    assert_null(sc.launch);
  }
  /* 1,001 launches; 257 sensors (20,000 exhausted file descriptors) */
  size_t cap = 1100 * 200;
  char *many = malloc(cap);
  size_t w = 0;
  for (int i = 0; i <= MWX_SIM_MAX_LAUNCHES; i++)
    w += (size_t)snprintf(many + w, cap - w, "%s{\"id\": \"M%d\", \"time_utc\": \"2022-11-18T01:15:00Z\", \"lat_deg\": 39,"
                          " \"lon_deg\": 125.5, \"azimuth_deg\": 90, \"apogee_km\": 1000, \"range_km\": 1000}",
                          i ? "," : "", i);
  EXPECT_MSG(scen(many, S, &sc), "1001 launches, more than the limit of 1000");
  w = 0;
  w += (size_t)snprintf(many + w, cap - w, "[");
  for (int i = 0; i <= MWX_SIM_MAX_SENSORS; i++)
    w += (size_t)snprintf(many + w, cap - w, "%s" SENSOR("S%d", ""), i ? "," : "", i); /* ids S0, S1 ... */
  snprintf(many + w, cap - w, "]");
  EXPECT_MSG(scen(L, many, &sc), "257 sensors, more than the limit of 256");
  /* a laydown file is held to the same limit */
  const char *lay = fx_put("many-sensors.json", many);
  mwx_sim_sensor *sv = NULL;
  size_t ns = 0;
  EXPECT_MSG(mwx_sim_sensors_load(lay, &sv, &ns), "257 sensors");
  assert_null(sv);
  free(many);
  /* files */
  EXPECT_MSG(mwx_sim_scenario_load("/dev/zero", &sc), "/dev/zero: not a regular file");
  EXPECT_MSG(mwx_sim_scenario_load(fx_dir, &sc), "a directory");
  const char *big = fx_put("sensors-dir-ref.json", "{\"name\": \"t\", \"launches\": [" LAUNCH("M1", "2022-11-18T01:15:00Z")
                                               "], \"sensors\": \"/dev/zero\"}");
  EXPECT_MSG(mwx_sim_scenario_load(big, &sc), "sensors: /dev/zero: not a regular file");
  /* every shipped scenario and the default laydown still load */
  static const char *const shipped[] = {"2017-07-04-hwasong14", "2017-08-29-hwasong12", "2017-11-29-hwasong15",
                                        "2022-03-24-hwasong17", "2022-10-04-hwasong12", "2022-10-14-srbm",
                                        "2022-11-18-hwasong17", "2023-02-18-hwasong15", "2023-03-16-hwasong17",
                                        "salvo-100"};
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s.json", MWX_SOURCE_DIR, shipped[i]);
    if (mwx_sim_scenario_load(path, &sc))
      fail_msg("%s: %s", shipped[i], mwx_error_msg());
    assert_true(mwx_sim_plot_rate(sc.sensor, sc.n_sensors) < MWX_SIM_MAX_PLOT_RATE);
    mwx_sim_scenario_fini(&sc);
  }
}

/* --------------------------------------------- on receipt, and printing */

static void test_msg_ids_on_receipt(void **state) {
  (void)state;
  uint64_t rng = 11;
  static const mwx_msg_topic topics[] = {MWX_TOPIC_TRACK, MWX_TOPIC_LAUNCH, MWX_TOPIC_IMPACT, MWX_TOPIC_ALERT,
                                         MWX_TOPIC_STATUS};
  static const char *const bad[] = {"t\nJPN partner USA lost", "a b", "a\"b", "x\x1b[2J"};
  for (size_t t = 0; t < sizeof topics / sizeof topics[0]; t++)
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
      for (int where = 0; where < 2; where++) {
        mwx_msg m, d;
        ts_sample(&m, topics[t], "KOR", &rng);
        uint8_t buf[8192];
        size_t len;
        assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), 0);
        assert_int_equal(mwx_msg_decode(buf, len, &d), 0); /* the genuine sample passes */
        assert_int_equal(mwx_msg_check_text(&m), 0);
        char *id = where == 0                      ? m.mark.rule_id
                   : topics[t] == MWX_TOPIC_TRACK  ? m.u.track.local_track_id
                   : topics[t] == MWX_TOPIC_LAUNCH ? m.u.launch.local_track_id
                   : topics[t] == MWX_TOPIC_IMPACT ? m.u.impact.local_track_id
                   : topics[t] == MWX_TOPIC_ALERT  ? m.u.alert.alert_id
                                                   : m.u.status.node_id;
        snprintf(id, MWX_ID_LEN, "%s", bad[b]);
        /* over DDS the sample arrives as a struct (net_conv.c), checked by mwx_net_check */
        EXPECT_MSG(mwx_msg_check_text(&m), where ? " id " : "rule id");
        if (where == 0)
          EXPECT_MSG(mwx_msg_marking_check(&m.mark), "rule id holds a character outside the id set");
        assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), 0);
        int rc = mwx_msg_decode(buf, len, &d);
        if (rc != MWX_EPARSE)
          fail_msg("topic %d id '%s' (%s) accepted", (int)topics[t], bad[b], where ? "own id" : "rule id");
        assert_non_null(strstr(mwx_error_msg(), where ? "id" : "rule id"));
      }
  /* free text may carry UTF-8 but no control character */
  mwx_msg m, d;
  ts_sample(&m, MWX_TOPIC_ALERT, "KOR", &rng);
  snprintf(m.u.alert.text, MWX_TEXT_LEN, "%s", "\xe9\x81\xbf\xe9\x9b\xa3 take shelter");
  uint8_t buf[8192];
  size_t len;
  assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), 0);
  assert_int_equal(mwx_msg_decode(buf, len, &d), 0);
  assert_int_equal(mwx_msg_check_text(&m), 0);
  snprintf(m.u.alert.text, MWX_TEXT_LEN, "%s", "ok\nKOR partner JPN lost");
  EXPECT_MSG(mwx_msg_check_text(&m), "alert nation, regions or text");
  assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), 0);
  EXPECT_MSG(mwx_msg_decode(buf, len, &d), "alert text");
}

static void test_event_format_escapes(void **state) {
  (void)state;
  uint64_t rng = 5;
  mwx_msg m;
  ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &rng);
  /* what decode now refuses, in case a path reaches the printer without it */
  snprintf(m.mark.rule_id, MWX_ID_LEN, "t\nJPN partner USA lost");
  snprintf(m.u.track.local_track_id, MWX_ID_LEN, "\x1b[2Jx");
  mwx_node_event ev;
  memset(&ev, 0, sizeof ev);
  ev.msg = &m;
  ev.latency_ms = -1;
  ev.recv_latency_ms = -1;
  char line[1024];
  static const mwx_node_event_kind kinds[] = {MWX_NODE_EV_RECEIVED, MWX_NODE_EV_DROPPED, MWX_NODE_EV_PARTNER,
                                              MWX_NODE_EV_HELD, MWX_NODE_EV_REFUSED};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    ev.kind = kinds[k];
    memcpy(ev.partner, "K\nR", 4);
    snprintf(ev.detail, sizeof ev.detail, "bad\nJPN partner USA lost");
    mwx_node_event_format("JPN", 0, &ev, line, sizeof line);
    for (const char *p = line; *p; p++)
      if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
        fail_msg("kind %d: byte 0x%02x in \"%s\"", (int)kinds[k], (unsigned char)*p, line);
    assert_non_null(strstr(line, "K\\x0aR"));
  }
  ev.kind = MWX_NODE_EV_RECEIVED;
  mwx_node_event_format("JPN", 0, &ev, line, sizeof line);
  assert_non_null(strstr(line, "rule=t\\x0aJPN partner USA lost"));
  assert_non_null(strstr(line, "\\x1b[2Jx"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text),
      cmocka_unit_test(test_json_files),
      cmocka_unit_test(test_node_config_refused),
      cmocka_unit_test(test_node_config_check),
      cmocka_unit_test(test_policy_refused),
      cmocka_unit_test(test_scenario_refused),
      cmocka_unit_test(test_msg_ids_on_receipt),
      cmocka_unit_test(test_event_format_escapes),
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
