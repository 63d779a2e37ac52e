/*
 * bench_msg.c - the cost of one Ed25519 signature and one verification of
 * a sample (issue 16: "sign" is a fifth of the salvo's slow passes):
 *   1. mwx_msg_sign of a Track (canonical encoding + signature), and
 *      mwx_msg_verify of it (encoding + verification), as the node does;
 *   2. the same bytes through OpenSSL 3's EVP API three ways, to show what
 *      the per-signature setup costs: a new EVP_MD_CTX and
 *      EVP_DigestSignInit per signature; a prepared context duplicated
 *      (EVP_MD_CTX_copy_ex) per signature; the signature alone is not
 *      measurable apart (OpenSSL 3.0 refuses a second EVP_DigestSign on one
 *      context: "final already called").
 *
 *   bench_msg [SECONDS] [REPEATS]   each measurement runs about SECONDS
 *                                   (default 1), REPEATS times (default 3);
 *                                   the fastest is printed (CPU µs per call, thread CPU time)
 *
 * The key is generated at run time.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture_bench.h"
#include "mwx/error.h"
#include "mwx/msg.h"

typedef int (*op_fn)(void *ctx, unsigned long i);

/* µs per call of fn, the fastest of reps runs of about secs each; -1 on an error */
static double time_us(op_fn fn, void *ctx, double secs, int reps) {
  double best = -1;
  for (int r = 0; r < reps; r++) {
    unsigned long n = 0;
    double t0 = fx_bench_cpu_s(), t = 0;
    do {
      for (int k = 0; k < 64; k++, n++)
        if (fn(ctx, n))
          return -1;
      t = fx_bench_cpu_s() - t0;
    } while (t < secs);
    double us = t * 1e6 / (double)n;
    if (best < 0 || us < best)
      best = us;
  }
  return best;
}

typedef struct bctx {
  mwx_msg_key *key;
  mwx_msg m;
  uint8_t buf[MWX_MSG_MAX_BYTES];
  size_t len;
  EVP_PKEY *pk;
  EVP_MD_CTX *prep;
} bctx;

static int op_sign(void *c, unsigned long i) {
  bctx *b = c;
  b->m.mark.seq = i;
  return mwx_msg_sign(&b->m, b->key);
}

static int op_verify(void *c, unsigned long i) {
  (void)i;
  bctx *b = c;
  return mwx_msg_verify(&b->m, b->key);
}

static int op_sign_bytes(void *c, unsigned long i) {
  bctx *b = c;
  b->buf[0] = (uint8_t)i;
  uint8_t sig[MWX_SIG_LEN];
  return mwx_msg_key_sign_bytes(b->key, b->buf, b->len, sig);
}

static int op_evp_new_init(void *c, unsigned long i) {
  bctx *b = c;
  b->buf[0] = (uint8_t)i;
  uint8_t sig[MWX_SIG_LEN];
  size_t sl = sizeof sig;
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  int ok = x && EVP_DigestSignInit(x, NULL, NULL, NULL, b->pk) == 1 && EVP_DigestSign(x, sig, &sl, b->buf, b->len) == 1;
  EVP_MD_CTX_free(x);
  return ok ? 0 : -1;
}

static int op_evp_copy(void *c, unsigned long i) {
  bctx *b = c;
  b->buf[0] = (uint8_t)i;
  uint8_t sig[MWX_SIG_LEN];
  size_t sl = sizeof sig;
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  int ok = x && EVP_MD_CTX_copy_ex(x, b->prep) == 1 && EVP_DigestSign(x, sig, &sl, b->buf, b->len) == 1;
  EVP_MD_CTX_free(x);
  return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 1.0;
  int reps = argc > 2 ? atoi(argv[2]) : 3;
  if (secs <= 0 || reps < 1) {
    fprintf(stderr, "usage: bench_msg [SECONDS] [REPEATS]\n");
    return 2;
  }
  bctx *b = calloc(1, sizeof *b);
  if (!b || mwx_msg_key_generate(&b->key)) {
    fprintf(stderr, "bench_msg: %s\n", b ? mwx_error_msg() : "out of memory");
    return 1;
  }
  fx_bench_track(&b->m, "KOR", 1, (const char *const[]){"JPN", "USA", NULL});
  if (mwx_msg_encode(&b->m, b->buf, sizeof b->buf, &b->len) || mwx_msg_sign(&b->m, b->key)) {
    fprintf(stderr, "bench_msg: %s\n", mwx_error_msg());
    return 1;
  }
  /* the raw EVP variants sign with a key of their own (the same algorithm) */
  b->pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  b->prep = EVP_MD_CTX_new();
  if (!b->pk || !b->prep || EVP_DigestSignInit(b->prep, NULL, NULL, NULL, b->pk) != 1) {
    fprintf(stderr, "bench_msg: OpenSSL setup failed\n");
    return 1;
  }
  printf("# %s, a Track of %zu encoded bytes, %.1f s x %d, fastest, CPU µs per call (thread CPU time)\n", OpenSSL_version(OPENSSL_VERSION),
         b->len, secs, reps);
  double sign_us = time_us(op_sign, b, secs, reps);
  if (mwx_msg_sign(&b->m, b->key))
    return 1;
  double verify_us = time_us(op_verify, b, secs, reps);
  double bytes_us = time_us(op_sign_bytes, b, secs, reps);
  double evp_new_us = time_us(op_evp_new_init, b, secs, reps);
  double evp_copy_us = time_us(op_evp_copy, b, secs, reps);
  printf("mwx_msg_sign (encode + sign)       %8.2f us\n", sign_us);
  printf("mwx_msg_verify (encode + verify)   %8.2f us\n", verify_us);
  printf("mwx_msg_key_sign_bytes             %8.2f us\n", bytes_us);
  printf("EVP new ctx + DigestSignInit + sign %7.2f us\n", evp_new_us);
  printf("EVP copy of a prepared ctx + sign  %8.2f us\n", evp_copy_us);
  EVP_MD_CTX_free(b->prep);
  EVP_PKEY_free(b->pk);
  mwx_msg_key_free(b->key);
  free(b);
  return sign_us < 0 || verify_us < 0 || bytes_us < 0 || evp_new_us < 0 || evp_copy_us < 0;
}
