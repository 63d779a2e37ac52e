/*
 * test_msg.c - the data model contract (msg.h): canonical encoding round
 * trips for every topic, a strict decoder fuzzed with random and mutated
 * bytes, Ed25519 signatures that break on any single-bit change of the
 * canonical bytes or marking, stripping, coarsening, PEM keys and JSON.
 * Keys are generated at test time.
 */
#define _GNU_SOURCE /* memmem */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/msg.h"
#include "fixture_key.h"
#include "samples.h"

static const mwx_msg_topic topics[] = {MWX_TOPIC_TRACK, MWX_TOPIC_LAUNCH, MWX_TOPIC_IMPACT, MWX_TOPIC_ALERT,
                                       MWX_TOPIC_STATUS};

static void test_topic_names(void **state) {
  (void)state;
  for (size_t i = 0; i < 5; i++) {
    mwx_msg_topic t;
    assert_int_equal(mwx_msg_topic_parse(mwx_msg_topic_name(topics[i]), &t), 0);
    assert_int_equal(t, topics[i]);
  }
  mwx_msg_topic t;
  assert_int_equal(mwx_msg_topic_parse("Tracks", &t), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "Tracks"));
}

static void test_marking(void **state) {
  (void)state;
  mwx_msg_marking m;
  memset(&m, 0, sizeof m);
  memcpy(m.originator, "KOR", 4);
  assert_int_equal(mwx_msg_marking_check(&m), MWX_EINVAL); /* does not name originator */
  assert_int_equal(mwx_msg_marking_add(&m, "USA"), 0);
  assert_int_equal(mwx_msg_marking_add(&m, "KOR"), 0);
  assert_int_equal(mwx_msg_marking_add(&m, "JPN"), 0);
  assert_int_equal(mwx_msg_marking_add(&m, "KOR"), 0);
  assert_int_equal(m.n_releasable, 3);
  assert_string_equal(m.releasable_to[0], "JPN");
  assert_string_equal(m.releasable_to[1], "KOR");
  assert_string_equal(m.releasable_to[2], "USA");
  assert_int_equal(mwx_msg_marking_check(&m), 0);
  assert_true(mwx_msg_marking_allows(&m, "USA"));
  assert_false(mwx_msg_marking_allows(&m, "AUS"));
  assert_int_equal(mwx_msg_marking_add(&m, "us"), MWX_EINVAL);
  assert_int_equal(mwx_msg_marking_add(&m, "USAX"), MWX_EINVAL);
  const char *more[] = {"AUS", "CAN", "GBR", "NZL", "FRA"};
  for (int i = 0; i < 5; i++) assert_int_equal(mwx_msg_marking_add(&m, more[i]), 0);
  assert_int_equal(mwx_msg_marking_add(&m, "DEU"), MWX_ERANGE);
  m.classification = 9;
  assert_int_equal(mwx_msg_marking_check(&m), MWX_EINVAL);
  m.classification = 0;
  memcpy(m.releasable_to[1], "AUS", 4); /* unsorted/duplicate */
  assert_int_equal(mwx_msg_marking_check(&m), MWX_EINVAL);
}

static void test_round_trip_every_topic(void **state) {
  (void)state;
  uint64_t rng = 42;
  for (int rep = 0; rep < 20; rep++)
    for (size_t i = 0; i < 5; i++) {
      mwx_msg m, d;
      ts_sample(&m, topics[i], "KOR", &rng);
      mwx_msg_marking_add(&m.mark, "USA");
      snprintf(m.mark.rule_id, MWX_ID_LEN, "kor-usa-%d", rep);
      uint8_t a[MWX_MSG_MAX_BYTES], b[MWX_MSG_MAX_BYTES];
      size_t la, lb;
      assert_int_equal(mwx_msg_encode(&m, a, sizeof a, &la), 0);
      assert_int_equal(mwx_msg_decode(a, la, &d), 0);
      assert_memory_equal(&m, &d, sizeof m);
      assert_int_equal(mwx_msg_encode(&d, b, sizeof b, &lb), 0);
      assert_int_equal(la, lb);
      assert_memory_equal(a, b, la);
      /* too small a buffer is an error, not an overflow */
      assert_int_equal(mwx_msg_encode(&m, a, la - 1, &lb), MWX_ERANGE);
    }
}

static void test_encode_rejects_bad_input(void **state) {
  (void)state;
  uint64_t rng = 1;
  mwx_msg m;
  uint8_t buf[MWX_MSG_MAX_BYTES];
  size_t len;
  ts_sample(&m, MWX_TOPIC_ALERT, "JPN", &rng);
  m.fields = MWX_F_COVARIANCE; /* an Alert carries no covariance */
  assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), MWX_EINVAL);
  ts_sample(&m, MWX_TOPIC_TRACK, "JPN", &rng);
  memset(m.u.track.local_track_id, 'x', MWX_ID_LEN); /* no NUL */
  assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), MWX_EINVAL);
  ts_sample(&m, MWX_TOPIC_TRACK, "JPN", &rng);
  m.u.track.src.n_sensors = MWX_MAX_SENSORS + 1;
  assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), MWX_EINVAL);
  m.topic = 9;
  assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), MWX_EINVAL);
}

/* Decoding either fails with MWX_EPARSE naming an offset, or yields a sample
 * whose encoding is exactly the input (the decoder accepts canonical bytes
 * only). */
static void check_decode(const uint8_t *buf, size_t len) {
  mwx_msg d;
  int rc = mwx_msg_decode(buf, len, &d);
  if (rc == 0) {
    uint8_t again[MWX_MSG_MAX_BYTES];
    size_t l2;
    assert_int_equal(mwx_msg_encode(&d, again, sizeof again, &l2), 0);
    assert_int_equal(l2, len);
    assert_memory_equal(again, buf, len);
  } else {
    assert_int_equal(rc, MWX_EPARSE);
    assert_non_null(strstr(mwx_error_msg(), "offset"));
  }
}

static void test_decode_fuzz(void **state) {
  (void)state;
  uint64_t rng = 0xF022;
  uint8_t buf[MWX_MSG_MAX_BYTES];
  /* random bytes, with a plausible header half the time */
  for (int it = 0; it < 20000; it++) {
    size_t len = (size_t)(ts_rand(&rng) % 1200);
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)ts_rand(&rng);
    if (len >= 6 && (it & 1)) {
      buf[0] = 1;
      buf[1] = (uint8_t)(1 + ts_rand(&rng) % 5);
      buf[2] = buf[3] = buf[4] = 0;
      buf[5] &= 0x0f;
    }
    check_decode(buf, len);
  }
  /* mutations and truncations of valid encodings */
  for (int it = 0; it < 5000; it++) {
    mwx_msg m;
    ts_sample(&m, topics[it % 5], "USA", &rng);
    size_t len;
    assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), 0);
    int kind = (int)(ts_rand(&rng) % 3);
    if (kind == 0) {
      len = (size_t)(ts_rand(&rng) % len);
    } else {
      int flips = 1 + (int)(ts_rand(&rng) % 4);
      for (int k = 0; k < flips; k++) buf[ts_rand(&rng) % len] ^= (uint8_t)(1u << (ts_rand(&rng) % 8));
      if (kind == 2) len += ts_rand(&rng) % 3;
    }
    check_decode(buf, len);
  }
  mwx_msg d;
  assert_int_equal(mwx_msg_decode(NULL, 0, &d), MWX_EPARSE);
  assert_non_null(strstr(mwx_error_msg(), "offset 0"));
}

static void test_sign_verify_and_bit_flips(void **state) {
  (void)state;
  mwx_msg_key *k = NULL, *other = NULL;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  assert_int_equal(mwx_msg_key_generate(&other), 0);
  uint64_t rng = 7;
  for (size_t i = 0; i < 5; i++) {
    mwx_msg m;
    ts_sample(&m, topics[i], "KOR", &rng);
    if (topics[i] == MWX_TOPIC_TRACK) m.u.track.src.n_sensors = 2; /* keep the sweep short */
    mwx_msg_marking_add(&m.mark, "JPN");
    assert_int_equal(mwx_msg_sign(&m, k), 0);
    assert_int_equal(mwx_msg_verify(&m, k), 0);
    assert_int_equal(mwx_msg_verify(&m, other), MWX_ECRYPTO);
    uint8_t buf[MWX_MSG_MAX_BYTES];
    size_t len;
    assert_int_equal(mwx_msg_encode(&m, buf, sizeof buf, &len), 0);
    size_t decoded = 0;
    for (size_t bit = 0; bit < len * 8; bit++) {
      buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      mwx_msg f;
      if (mwx_msg_decode(buf, len, &f) == 0) {
        decoded++;
        memcpy(f.sig, m.sig, MWX_SIG_LEN);
        assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
      }
      buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* flips in string padding are refused by the decoder; the rest decode and fail */
    assert_true(decoded >= len);
    /* a flipped signature bit fails too */
    for (int bit = 0; bit < MWX_SIG_LEN * 8; bit += 7) {
      mwx_msg f = m;
      f.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
    }
    /* marking edits through the struct */
    mwx_msg f = m;
    assert_int_equal(mwx_msg_marking_add(&f.mark, "AUS"), 0);
    assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
    f = m;
    f.mark.classification = MWX_CLASSIF_UNCLASSIFIED;
    assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
    f = m;
    f.mark.seq++;
    assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
    f = m;
    f.mark.rule_id[0] = 'x';
    assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
    f = m;
    memcpy(f.mark.originator, "JPN", 4);
    assert_int_equal(mwx_msg_verify(&f, k), MWX_ECRYPTO);
  }
  mwx_msg_key_free(k);
  mwx_msg_key_free(other);
}

static void test_strip_removes_from_encoding(void **state) {
  (void)state;
  uint64_t rng = 99;
  mwx_msg m;
  ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &rng);
  m.u.track.n_contributors = 2;
  memcpy(m.u.track.contributors[1], "ZZZ", 4);
  uint8_t full[MWX_MSG_MAX_BYTES], out[MWX_MSG_MAX_BYTES];
  size_t lfull, lout;
  assert_int_equal(mwx_msg_encode(&m, full, sizeof full, &lfull), 0);
  assert_non_null(memmem(full, lfull, "KOR-radar-0", 11));
  assert_non_null(memmem(full, lfull, "ZZZ", 3));
  mwx_msg s = m;
  mwx_msg_strip(&s, MWX_F_SENSORS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS);
  assert_int_equal(s.fields, MWX_F_SENSOR_POS);
  assert_int_equal(mwx_msg_encode(&s, out, sizeof out, &lout), 0);
  assert_int_equal(lout, lfull - m.u.track.src.n_sensors * MWX_ID_LEN - 21 * 8 - (1 + 2 * 4));
  assert_null(memmem(out, lout, "radar", 5));
  assert_null(memmem(out, lout, "ZZZ", 3));
  for (int i = 0; i < 21; i++) {
    uint8_t be[8];
    uint64_t u;
    memcpy(&u, &m.u.track.cov[i], 8);
    for (int b = 0; b < 8; b++) be[b] = (uint8_t)(u >> (56 - 8 * b));
    assert_non_null(memmem(full, lfull, be, 8));
    assert_null(memmem(out, lout, be, 8));
  }
  mwx_msg_strip(&s, MWX_F_SENSOR_POS);
  assert_int_equal(s.fields, 0);
  assert_int_equal(s.u.track.src.n_sensors, 0);
  assert_int_equal(mwx_msg_encode(&s, out, sizeof out, &lout), 0);
  mwx_msg d;
  assert_int_equal(mwx_msg_decode(out, lout, &d), 0);
  assert_int_equal(d.fields, 0);
  /* JSON omits absent fields */
  char *js = NULL;
  assert_int_equal(mwx_msg_to_json(&s, &js), 0);
  assert_null(strstr(js, "sensors"));
  assert_null(strstr(js, "covariance"));
  free(js);
}

static void test_coarsen(void **state) {
  (void)state;
  uint64_t rng = 5;
  mwx_msg m;
  ts_sample(&m, MWX_TOPIC_TRACK, "USA", &rng);
  m.u.track.pos_ecef_m[0] = 1234567.89;
  m.u.track.time_ns = 1790000000123456789ll;
  mwx_msg_coarsen(&m, 1000.0, 1.0);
  assert_true(fabs(m.u.track.pos_ecef_m[0] - 1235000.0) < 1e-6);
  assert_true(m.u.track.time_ns == 1790000000000000000ll);
  ts_sample(&m, MWX_TOPIC_IMPACT, "USA", &rng);
  m.u.impact.lat_deg = 40.123456;
  m.u.impact.ell_minor_km = 1.0;
  mwx_msg_coarsen(&m, 10000.0, 0);
  double step = 10000.0 / 111320.0;
  assert_true(fabs(m.u.impact.lat_deg / step - round(m.u.impact.lat_deg / step)) < 1e-9);
  assert_true(fabs(m.u.impact.lat_deg - 40.123456) <= step / 2 + 1e-12);
  assert_true(m.u.impact.ell_minor_km >= 10.0);
  mwx_msg before = m;
  mwx_msg_coarsen(&m, 0, -1);
  assert_memory_equal(&before, &m, sizeof m);

  /* a coarsened Track's covariance holds the rounding error: +q^2/12 on
   * each position variance, v v^T dt^2/12 for the time, velocity block and
   * position-velocity terms unchanged */
  ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &rng);
  m.fields |= MWX_F_COVARIANCE;
  for (int i = 0; i < 21; i++) m.u.track.cov[i] = 0.5 * i;
  m.u.track.vel_ecef_mps[0] = 3000.0;
  m.u.track.vel_ecef_mps[1] = -1000.0;
  m.u.track.vel_ecef_mps[2] = 2000.0;
  before = m;
  mwx_msg_coarsen(&m, 1000.0, 0.5);
  const double qv = 1000.0 * 1000.0 / 12.0, tv = 0.25 / 12.0;
  int idx = 0;
  for (int i = 0; i < 6; i++)
    for (int j = i; j < 6; j++, idx++) {
      double want = before.u.track.cov[idx];
      if (i < 3 && j < 3) want += (i == j ? qv : 0) + before.u.track.vel_ecef_mps[i] * before.u.track.vel_ecef_mps[j] * tv;
      assert_true(fabs(m.u.track.cov[idx] - want) < 1e-6 * (1 + fabs(want)));
    }
  /* a large sample of rounding errors: the added variance is what rounding to
   * the grid gives (mean square of the error, within 2%) */
  double ss = 0;
  uint64_t r2 = 99;
  for (int k = 0; k < 100000; k++) {
    ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &r2);
    double x = m.u.track.pos_ecef_m[0];
    mwx_msg_coarsen(&m, 1000.0, 0);
    ss += (m.u.track.pos_ecef_m[0] - x) * (m.u.track.pos_ecef_m[0] - x);
  }
  assert_true(fabs(ss / 100000 / qv - 1.0) < 0.02);
}

static void test_pem_keys(void **state) {
  (void)state;
  fx_key_files kf;
  fx_key_files_make(&kf);
  const char *priv = kf.priv, *pub = kf.pub;
  mwx_msg_key *k = kf.key, *kp = NULL, *kpub = NULL;
  struct stat st;
  assert_int_equal(stat(priv, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(mwx_msg_key_load_private(priv, &kp), 0);
  assert_int_equal(mwx_msg_key_load_public(pub, &kpub), 0);
  uint64_t rng = 3;
  mwx_msg m;
  ts_sample(&m, MWX_TOPIC_LAUNCH, "JPN", &rng);
  assert_int_equal(mwx_msg_sign(&m, kp), 0);
  assert_int_equal(mwx_msg_verify(&m, kpub), 0);
  assert_int_equal(mwx_msg_verify(&m, k), 0);
  assert_int_equal(mwx_msg_sign(&m, kpub), MWX_ECRYPTO); /* public key cannot sign */
  mwx_msg_key_free(kp);
  assert_int_equal(mwx_msg_key_load_private(pub, &kp), MWX_ECRYPTO);
  assert_null(kp);
  assert_int_equal(mwx_msg_key_load_public("/nonexistent/x.pem", &kp), MWX_EIO);
  mwx_msg_key_free(k);
  mwx_msg_key_free(kpub);
  mwx_msg_key_free(NULL);
  fx_key_files_remove(&kf);
}

static void test_json(void **state) {
  (void)state;
  uint64_t rng = 11;
  for (size_t i = 0; i < 5; i++) {
    mwx_msg m;
    ts_sample(&m, topics[i], "KOR", &rng);
    char *s = NULL;
    assert_int_equal(mwx_msg_to_json(&m, &s), 0);
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "topic")), mwx_msg_topic_name(topics[i]));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "marking"), "originator")), "KOR");
    assert_int_equal(strlen(json_string_value(json_object_get(j, "sig"))), 128);
    json_decref(j);
    free(s);
  }
}

/* The key's prepared contexts (msg_sign.c) give the same signature bytes as
 * a fresh OpenSSL context per signature, for 200 different messages signed
 * one after the other with one key, and from two threads at once; the
 * public key (its own prepared verify context) accepts them all. */
typedef struct sign_job {
  const mwx_msg_key *k;
  uint8_t msgs[200][96];
  uint8_t sig[200][MWX_SIG_LEN];
  int rc;
} sign_job;

static void *sign_all(void *arg) {
  sign_job *j = arg;
  for (int i = 0; i < 200 && !j->rc; i++)
    j->rc = mwx_msg_key_sign_bytes(j->k, j->msgs[i], sizeof j->msgs[i], j->sig[i]);
  return NULL;
}

static void test_prepared_context_same_signatures(void **state) {
  (void)state;
  fx_key_files kf;
  fx_key_files_make(&kf);
  const char *priv = kf.priv, *pub = kf.pub;
  mwx_msg_key *k = kf.key, *kpub = NULL;
  assert_int_equal(mwx_msg_key_load_public(pub, &kpub), 0);
  FILE *f = fopen(priv, "r");
  assert_non_null(f);
  EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  assert_non_null(pk);
  static sign_job a, b;
  memset(&a, 0, sizeof a);
  uint64_t rng = 11;
  for (int i = 0; i < 200; i++)
    for (size_t c = 0; c < sizeof a.msgs[i]; c++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      a.msgs[i][c] = (uint8_t)(rng >> 56);
    }
  b = a;
  a.k = b.k = k;
  pthread_t ta, tb;
  assert_int_equal(pthread_create(&ta, NULL, sign_all, &a), 0);
  assert_int_equal(pthread_create(&tb, NULL, sign_all, &b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  assert_int_equal(a.rc, 0);
  assert_int_equal(b.rc, 0);
  for (int i = 0; i < 200; i++) {
    uint8_t fresh[MWX_SIG_LEN];
    size_t sl = sizeof fresh;
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    assert_non_null(x);
    assert_int_equal(EVP_DigestSignInit(x, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestSign(x, fresh, &sl, a.msgs[i], sizeof a.msgs[i]), 1);
    EVP_MD_CTX_free(x);
    assert_int_equal(sl, MWX_SIG_LEN);
    assert_memory_equal(a.sig[i], fresh, MWX_SIG_LEN);
    assert_memory_equal(b.sig[i], fresh, MWX_SIG_LEN);
    assert_int_equal(mwx_msg_key_verify_bytes(kpub, a.msgs[i], sizeof a.msgs[i], a.sig[i]), 0);
    assert_int_equal(mwx_msg_key_verify_bytes(k, a.msgs[i], sizeof a.msgs[i], a.sig[i]), 0);
    /* another message's signature does not verify (the context keeps nothing of the last call) */
    if (i)
      assert_int_equal(mwx_msg_key_verify_bytes(kpub, a.msgs[i], sizeof a.msgs[i], a.sig[i - 1]), MWX_ECRYPTO);
  }
  EVP_PKEY_free(pk);
  mwx_msg_key_free(k);
  mwx_msg_key_free(kpub);
  fx_key_files_remove(&kf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topic_names),
      cmocka_unit_test(test_marking),
      cmocka_unit_test(test_round_trip_every_topic),
      cmocka_unit_test(test_encode_rejects_bad_input),
      cmocka_unit_test(test_decode_fuzz),
      cmocka_unit_test(test_sign_verify_and_bit_flips),
      cmocka_unit_test(test_strip_removes_from_encoding),
      cmocka_unit_test(test_coarsen),
      cmocka_unit_test(test_pem_keys),
      cmocka_unit_test(test_prepared_context_same_signatures),
      cmocka_unit_test(test_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
