/*
 * test_pki.c - the web server certificate's lifetime cap
 * (MWX_PKI_WEB_MAX_DAYS, 825 days: CA/Browser Forum Baseline Requirements
 * 6.3.2, as cited in include/mwx/pki.h).  mwx_pki_web_cert refuses one day
 * more by name and writes nothing; at the cap, by default and for 30 days the
 * certificate's notBefore..notAfter span is read back with OpenSSL and must be
 * the asked days plus the hour of clock-skew allowance the issuer backdates.
 * The keys are generated here, in a scratch directory.
 */
#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
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
#include "mwx/pki.h"
#include "fixture_dir.h"

/* notAfter - notBefore of nation's web.pem, in seconds, is days plus the
 * hour of backdating (the two times are taken a moment apart: +1 s allowed). */
#define assert_span(nation, days) \
  do { \
    long span_ = web_cert_span_s(nation), want_ = (long)(days) * 86400L + 3600L; \
    assert_in_range(span_, want_, want_ + 1); \
  } while (0)

/* notAfter - notBefore of nation's web.pem, in seconds. */
static long web_cert_span_s(const char *nation) {
  char path[160];
  snprintf(path, sizeof path, "%s/%s/web.pem", fx_dir, nation);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  assert_non_null(x);
  int days = 0, secs = 0;
  assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
  X509_free(x);
  return (long)days * 86400L + secs;
}

static void test_web_cert_cap(void **state) {
  (void)state;
  /* one day over the cap: refused by name, nothing written */
  assert_int_equal(mwx_pki_web_cert(fx_dir, "KOR", NULL, MWX_PKI_WEB_MAX_DAYS + 1), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "826 days"));
  assert_non_null(strstr(mwx_error_msg(), "(825)"));
  char path[160];
  struct stat st;
  snprintf(path, sizeof path, "%s/KOR/web.pem", fx_dir);
  assert_int_not_equal(stat(path, &st), 0);
  /* the cap itself, the default (<= 0) and a short one; backdated an hour */
  assert_int_equal(mwx_pki_web_cert(fx_dir, "KOR", NULL, MWX_PKI_WEB_MAX_DAYS), 0);
  assert_span("KOR", 825);
  assert_int_equal(mwx_pki_web_cert(fx_dir, "JPN", "localhost", 0), 0);
  assert_span("JPN", 825);
  assert_int_equal(mwx_pki_web_cert(fx_dir, "USA", NULL, 30), 0);
  assert_span("USA", 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_web_cert_cap),
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
