/*
 * msg_sign.c - Ed25519 keys and signatures for samples (see msg.h), through
 * OpenSSL 3 EVP: keys are EVP_PKEY of type EVP_PKEY_ED25519, signatures are
 * one-shot EVP_DigestSign/EVP_DigestVerify with a NULL digest (Ed25519
 * hashes internally, "PureEdDSA").  The signed bytes are exactly the
 * canonical encoding of mwx_msg_encode(), so a signature covers the topic,
 * the present-field bits, the whole marking and every present field.
 *
 * Prepared contexts (issue 16, eleventh session): a key keeps one context
 * initialised for signing (private keys) and one for verifying, made once
 * when the key is made; each signature or verification duplicates the
 * prepared one (EVP_MD_CTX_copy_ex, a copy of the provider's context: no
 * algorithm fetch, no key set-up) and runs the one-shot call on the copy.
 * The prepared contexts are only read after the key is made, so a key may
 * sign or verify from several threads at once, as before.  Ed25519 is
 * deterministic (RFC 8032): the signatures are the same bytes as with a
 * fresh context each time (test_msg checks it against a fresh context).
 *
 * Ownership: an mwx_msg_key owns one EVP_PKEY reference and its prepared
 * contexts; mwx_msg_key_free releases them.  A key loaded from a public PEM
 * can only verify.
 */
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/msg.h"

struct mwx_msg_key {
  EVP_PKEY *pkey;
  int has_private;
  EVP_MD_CTX *sign_ctx;   /* EVP_DigestSignInit done; NULL without a private part */
  EVP_MD_CTX *verify_ctx; /* EVP_DigestVerifyInit done */
};

/* Records the newest OpenSSL error behind our own words. */
static int crypto_error(const char *what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "no OpenSSL detail";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return mwx_error_set(MWX_ECRYPTO, "%s: %s", what, buf);
}

static int wrap(EVP_PKEY *pk, int has_private, mwx_msg_key **out) {
  if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pk);
    return mwx_error_set(MWX_ECRYPTO, "key is not an Ed25519 key");
  }
  mwx_msg_key *k = calloc(1, sizeof *k);
  if (!k) {
    EVP_PKEY_free(pk);
    return mwx_error_set(MWX_ENOMEM, "out of memory for a key");
  }
  k->pkey = pk;
  k->has_private = has_private;
  if ((has_private && (!(k->sign_ctx = EVP_MD_CTX_new()) ||
                       EVP_DigestSignInit(k->sign_ctx, NULL, NULL, NULL, pk) != 1)) ||
      !(k->verify_ctx = EVP_MD_CTX_new()) || EVP_DigestVerifyInit(k->verify_ctx, NULL, NULL, NULL, pk) != 1) {
    mwx_msg_key_free(k);
    return crypto_error("Ed25519 context set-up");
  }
  *out = k;
  return 0;
}

int mwx_msg_key_generate(mwx_msg_key **out) {
  if (!out) return mwx_error_set(MWX_EINVAL, "key_generate: NULL argument");
  *out = NULL;
  EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  if (!pk) return crypto_error("Ed25519 key generation");
  return wrap(pk, 1, out);
}

static int load(const char *path, int priv, mwx_msg_key **out) {
  if (!path || !out) return mwx_error_set(MWX_EINVAL, "key_load: NULL argument");
  *out = NULL;
  FILE *f = fopen(path, "r");
  if (!f) return mwx_error_set(MWX_EIO, "%s: cannot open key file", path);
  EVP_PKEY *pk = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
  fclose(f);
  if (!pk) {
    ERR_clear_error();
    return mwx_error_set(MWX_ECRYPTO, "%s: not a PEM %s key", path, priv ? "private" : "public");
  }
  int rc = wrap(pk, priv, out);
  if (rc) return mwx_error_set(rc, "%s: %s", path, "not an Ed25519 key");
  return 0;
}

int mwx_msg_key_load_private(const char *path, mwx_msg_key **out) { return load(path, 1, out); }
int mwx_msg_key_load_public(const char *path, mwx_msg_key **out) { return load(path, 0, out); }

static int save(const mwx_msg_key *k, const char *path, int priv) {
  if (!k || !path) return mwx_error_set(MWX_EINVAL, "key_save: NULL argument");
  if (priv && !k->has_private) return mwx_error_set(MWX_EINVAL, "%s: key has no private part", path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, priv ? 0600 : 0644);
  if (fd < 0) return mwx_error_set(MWX_EIO, "%s: cannot create key file", path);
  if (priv && fchmod(fd, 0600) != 0) {
    close(fd);
    return mwx_error_set(MWX_EIO, "%s: cannot set mode 0600", path);
  }
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return mwx_error_set(MWX_EIO, "%s: cannot open key file", path);
  }
  int ok = priv ? PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL, NULL) : PEM_write_PUBKEY(f, k->pkey);
  if (fclose(f) != 0) ok = 0;
  if (!ok) return crypto_error(path);
  return 0;
}

int mwx_msg_key_save_private(const mwx_msg_key *k, const char *path) { return save(k, path, 1); }
int mwx_msg_key_save_public(const mwx_msg_key *k, const char *path) { return save(k, path, 0); }

int mwx_msg_key_public_raw(const mwx_msg_key *k, uint8_t out[MWX_PUB_LEN]) {
  if (!k || !out) return mwx_error_set(MWX_EINVAL, "key_public_raw: NULL argument");
  size_t n = MWX_PUB_LEN;
  if (EVP_PKEY_get_raw_public_key(k->pkey, out, &n) != 1 || n != MWX_PUB_LEN) return crypto_error("public key export");
  return 0;
}

int mwx_msg_key_from_public_raw(const uint8_t raw[MWX_PUB_LEN], mwx_msg_key **out) {
  if (!raw || !out) return mwx_error_set(MWX_EINVAL, "key_from_public_raw: NULL argument");
  *out = NULL;
  EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, MWX_PUB_LEN);
  if (!pk) return crypto_error("public key import");
  return wrap(pk, 0, out);
}

void mwx_msg_key_free(mwx_msg_key *k) {
  if (!k) return;
  EVP_MD_CTX_free(k->sign_ctx);
  EVP_MD_CTX_free(k->verify_ctx);
  EVP_PKEY_free(k->pkey);
  free(k);
}

int mwx_msg_key_sign_bytes(const mwx_msg_key *priv, const void *data, size_t len, uint8_t sig[MWX_SIG_LEN]) {
  if (!priv || (!data && len) || !sig) return mwx_error_set(MWX_EINVAL, "sign: NULL argument");
  if (!priv->has_private) return mwx_error_set(MWX_ECRYPTO, "sign: key has no private part");
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return mwx_error_set(MWX_ENOMEM, "sign: out of memory");
  size_t siglen = MWX_SIG_LEN;
  int ok = EVP_MD_CTX_copy_ex(ctx, priv->sign_ctx) == 1 && EVP_DigestSign(ctx, sig, &siglen, data, len) == 1 &&
           siglen == MWX_SIG_LEN;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : crypto_error("sign");
}

int mwx_msg_key_verify_bytes(const mwx_msg_key *pub, const void *data, size_t len, const uint8_t sig[MWX_SIG_LEN]) {
  if (!pub || (!data && len) || !sig) return mwx_error_set(MWX_EINVAL, "verify: NULL argument");
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return mwx_error_set(MWX_ENOMEM, "verify: out of memory");
  int ok = EVP_MD_CTX_copy_ex(ctx, pub->verify_ctx) == 1 && EVP_DigestVerify(ctx, sig, MWX_SIG_LEN, data, len) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok ? 0 : mwx_error_set(MWX_ECRYPTO, "verify: Ed25519 signature does not match");
}

int mwx_msg_sign(mwx_msg *m, const mwx_msg_key *priv) {
  if (!m || !priv) return mwx_error_set(MWX_EINVAL, "sign: NULL argument");
  uint8_t buf[MWX_MSG_MAX_BYTES];
  size_t len;
  int rc = mwx_msg_encode(m, buf, sizeof buf, &len);
  if (rc) return rc;
  return mwx_msg_key_sign_bytes(priv, buf, len, m->sig);
}

int mwx_msg_verify(const mwx_msg *m, const mwx_msg_key *pub) {
  if (!m || !pub) return mwx_error_set(MWX_EINVAL, "verify: NULL argument");
  uint8_t buf[MWX_MSG_MAX_BYTES];
  size_t len;
  int rc = mwx_msg_encode(m, buf, sizeof buf, &len);
  if (rc) {
    char why[512];
    snprintf(why, sizeof why, "%s", mwx_error_msg());
    return mwx_error_set(MWX_ECRYPTO, "verify: sample cannot be encoded: %s", why);
  }
  if (mwx_msg_key_verify_bytes(pub, buf, len, m->sig) == 0) return 0;
  return mwx_error_set(MWX_ECRYPTO, "verify: Ed25519 signature of %s %.4s seq %llu does not match",
                       mwx_msg_topic_name((mwx_msg_topic)m->topic), m->mark.originator,
                       (unsigned long long)m->mark.seq);
}
