/*
 * account.c - the operators' accounts file (cop.h): salted scrypt hashes.
 *
 * File (JSON, mode 0600, replaced atomically):
 *   {"format": "mwx-accounts/1",
 *    "accounts": [{"name": "Kenji \"Ken\" 田中", "role": "release_officer",
 *                  "kdf": "scrypt", "N": 32768, "r": 8, "p": 1,
 *                  "salt": "<32 hex>", "hash": "<64 hex>", "changed": <unix s>}]}
 *
 * scrypt parameters: N = 2^15, r = 8, p = 1 (memory 128 * N * r = 32 MiB,
 * about 0.1 s of one core here), the "interactive log-in" figures of the
 * scrypt paper (Percival 2009, section 7) raised from N = 2^14 as RFC 7914
 * section 2 suggests for current machines; 16 random bytes of salt
 * (RAND_bytes) per password; a 32-byte key.  The parameters are stored
 * per account, so they can be raised for new passwords without
 * invalidating the old ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cop/cop_int.h"
#include "mwx/error.h"
#include "mwx/json.h"

#define SCRYPT_N 32768u
#define SCRYPT_R 8u
#define SCRYPT_P 1u
#define ACCOUNTS_MAX_BYTES (1u << 20)

const char *mwx_cop_role_name(mwx_cop_role r) {
  return r == MWX_COP_RELEASE_OFFICER ? "release_officer" : r == MWX_COP_VIEWER ? "viewer" : "?";
}

int mwx_cop_role_parse(const char *s, mwx_cop_role *out) {
  if (s && !strcmp(s, "viewer"))
    *out = MWX_COP_VIEWER;
  else if (s && !strcmp(s, "release_officer"))
    *out = MWX_COP_RELEASE_OFFICER;
  else
    return mwx_error_set(MWX_EINVAL, "role '%s' is neither viewer nor release_officer", s ? s : "(null)");
  return 0;
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if malformed (overlong,
 * surrogate, > U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s) {
  if (s[0] < 0x80)
    return 1;
  size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (!n)
    return 0;
  uint32_t cp = s[0] & (0x7F >> n);
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

int mwx_cop_name_check(const char *name) {
  if (!name || !*name)
    return mwx_error_set(MWX_EINVAL, "operator name is empty");
  size_t len = strlen(name);
  if (len > MWX_COP_NAME_MAX)
    return mwx_error_set(MWX_EINVAL, "operator name is %zu bytes (at most %d)", len, MWX_COP_NAME_MAX);
  const unsigned char *s = (const unsigned char *)name;
  for (size_t i = 0; i < len;) {
    if (s[i] < 0x20 || s[i] == 0x7F)
      return mwx_error_set(MWX_EINVAL, "operator name has a control character at byte %zu", i);
    size_t k = utf8_seq(s + i);
    if (!k)
      return mwx_error_set(MWX_EINVAL, "operator name is not valid UTF-8 at byte %zu", i);
    i += k;
  }
  return 0;
}

static int password_check(const char *pw) {
  if (!pw)
    return mwx_error_set(MWX_EINVAL, "no password");
  size_t n = strlen(pw);
  if (n < MWX_COP_PASSWORD_MIN || n > MWX_COP_PASSWORD_MAX)
    return mwx_error_set(MWX_EINVAL, "a password has %d to %d bytes (got %zu)", MWX_COP_PASSWORD_MIN,
                         MWX_COP_PASSWORD_MAX, n);
  return 0;
}

static int scrypt(const char *pw, const unsigned char *salt, uint64_t n, uint32_t r, uint32_t p,
                  unsigned char out[COP_HASH_LEN]) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
  EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  EVP_KDF_free(kdf);
  if (!kc)
    return mwx_error_set(MWX_ECRYPTO, "accounts: OpenSSL has no SCRYPT KDF");
  uint64_t maxmem = 128ull * n * r * p + (1u << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, strlen(pw)),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, COP_SALT_LEN),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  int ok = EVP_KDF_derive(kc, out, COP_HASH_LEN, params) > 0;
  EVP_KDF_CTX_free(kc);
  return ok ? 0 : mwx_error_set(MWX_ECRYPTO, "accounts: scrypt failed");
}

int cop_account_check(const cop_account *a, const char *password) {
  static const cop_account dummy = {.n = SCRYPT_N, .r = SCRYPT_R, .p = SCRYPT_P};
  const cop_account *use = a ? a : &dummy;
  unsigned char h[COP_HASH_LEN];
  if (!password)
    password = "";
  int rc = scrypt(password, use->salt, use->n, use->r, use->p, h);
  if (rc)
    return rc;
  return a && CRYPTO_memcmp(h, a->hash, COP_HASH_LEN) == 0;
}

/* ---- the file ---------------------------------------------------------- */

static void hex(const unsigned char *b, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[b[i] >> 4];
    out[2 * i + 1] = d[b[i] & 15];
  }
  out[2 * n] = 0;
}

static int unhex(const char *s, unsigned char *b, size_t n) {
  if (!s || strlen(s) != 2 * n)
    return -1;
  for (size_t i = 0; i < 2 * n; i++) {
    char c = s[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0)
      return -1;
    b[i / 2] = (unsigned char)(i % 2 ? (b[i / 2] | v) : (v << 4));
  }
  return 0;
}

const cop_account *cop_accounts_find(const cop_accounts *t, const char *name) {
  for (size_t i = 0; i < t->n; i++)
    if (!strcmp(t->a[i].name, name))
      return &t->a[i];
  return NULL;
}

int cop_accounts_load(const char *path, cop_accounts *out) {
  out->n = 0;
  struct stat st;
  if (stat(path, &st) && errno == ENOENT)
    return 0;
  json_t *root = NULL;
  int rc = mwx_json_load_file(path, ACCOUNTS_MAX_BYTES, &root);
  if (rc)
    return rc;
  static const char *const top_keys[] = {"format", "accounts", NULL};
  static const char *const acc_keys[] = {"name", "role", "kdf", "N", "r", "p", "salt", "hash", "changed", NULL};
  const char *fmt = NULL;
  json_t *arr;
  if ((rc = mwx_json_check_keys(root, top_keys, path)))
    goto done;
  if (mwx_json_get_str(root, "format", path, &fmt) || strcmp(fmt, "mwx-accounts/1")) {
    rc = mwx_error_set(MWX_EPARSE, "%s: \"format\" is not \"mwx-accounts/1\"", path);
    goto done;
  }
  arr = json_object_get(root, "accounts");
  if (!json_is_array(arr) || json_array_size(arr) > MWX_COP_MAX_ACCOUNTS) {
    rc = mwx_error_set(MWX_EPARSE, "%s: \"accounts\" must be an array of at most %d", path, MWX_COP_MAX_ACCOUNTS);
    goto done;
  }
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *o = json_array_get(arr, i);
    char where[600];
    snprintf(where, sizeof where, "%s account %zu", path, i);
    cop_account *a = &out->a[out->n];
    memset(a, 0, sizeof *a);
    const char *name, *role, *kdf, *salt, *hash;
    int64_t n, r, p, changed = 0;
    if ((rc = mwx_json_check_keys(o, acc_keys, where)) || (rc = mwx_json_get_str(o, "name", where, &name)) ||
        (rc = mwx_json_get_str(o, "role", where, &role)) || (rc = mwx_json_get_str(o, "kdf", where, &kdf)) ||
        (rc = mwx_json_get_int(o, "N", 2, 1 << 22, where, &n)) || (rc = mwx_json_get_int(o, "r", 1, 64, where, &r)) ||
        (rc = mwx_json_get_int(o, "p", 1, 16, where, &p)) || (rc = mwx_json_get_str(o, "salt", where, &salt)) ||
        (rc = mwx_json_get_str(o, "hash", where, &hash)))
      goto done;
    mwx_json_get_int(o, "changed", 0, INT64_MAX, where, &changed);
    if ((rc = mwx_cop_name_check(name)) || (rc = mwx_cop_role_parse(role, &a->role))) {
      rc = mwx_error_set(rc, "%s: %s", where, mwx_error_msg());
      goto done;
    }
    if (strcmp(kdf, "scrypt") || (n & (n - 1)) || unhex(salt, a->salt, COP_SALT_LEN) ||
        unhex(hash, a->hash, COP_HASH_LEN)) {
      rc = mwx_error_set(MWX_EPARSE, "%s: kdf must be scrypt with N a power of two, salt 32 and hash 64 hex digits",
                         where);
      goto done;
    }
    if (cop_accounts_find(out, name)) {
      rc = mwx_error_set(MWX_EPARSE, "%s: name '%s' given twice", where, name);
      goto done;
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    a->n = (uint64_t)n;
    a->r = (uint32_t)r;
    a->p = (uint32_t)p;
    a->changed_unix_s = changed;
    out->n++;
  }
done:
  json_decref(root);
  if (rc)
    out->n = 0;
  return rc;
}

static int accounts_save(const char *path, const cop_accounts *t) {
  json_t *root = json_object(), *arr = json_array();
  json_object_set_new(root, "format", json_string("mwx-accounts/1"));
  json_object_set_new(root, "accounts", arr);
  for (size_t i = 0; i < t->n; i++) {
    const cop_account *a = &t->a[i];
    char salt[2 * COP_SALT_LEN + 1], hash[2 * COP_HASH_LEN + 1];
    hex(a->salt, COP_SALT_LEN, salt);
    hex(a->hash, COP_HASH_LEN, hash);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "role", json_string(mwx_cop_role_name(a->role)));
    json_object_set_new(o, "kdf", json_string("scrypt"));
    json_object_set_new(o, "N", json_integer((json_int_t)a->n));
    json_object_set_new(o, "r", json_integer(a->r));
    json_object_set_new(o, "p", json_integer(a->p));
    json_object_set_new(o, "salt", json_string(salt));
    json_object_set_new(o, "hash", json_string(hash));
    json_object_set_new(o, "changed", json_integer(a->changed_unix_s));
    json_array_append_new(arr, o);
  }
  char *text = json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII);
  json_decref(root);
  if (!text)
    return mwx_error_set(MWX_ENOMEM, "accounts: cannot render %s", path);
  char tmp[1100];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
    free(text);
    return mwx_error_set(MWX_ERANGE, "accounts: path too long");
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    free(text);
    return mwx_error_set(MWX_EIO, "accounts: cannot write %s: %s", tmp, strerror(e));
  }
  size_t len = strlen(text), w = 0;
  while (w < len) {
    ssize_t k = write(fd, text + w, len - w);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    w += (size_t)k;
  }
  free(text);
  int bad = w != len || write(fd, "\n", 1) != 1 || fsync(fd);
  int e = errno;
  close(fd);
  if (bad || rename(tmp, path)) {
    if (!bad)
      e = errno;
    unlink(tmp);
    return mwx_error_set(MWX_EIO, "accounts: cannot replace %s: %s", path, strerror(e));
  }
  return 0;
}

static int set_password(cop_account *a, const char *password) {
  if (RAND_bytes(a->salt, COP_SALT_LEN) != 1)
    return mwx_error_set(MWX_ECRYPTO, "accounts: RAND_bytes failed");
  a->n = SCRYPT_N;
  a->r = SCRYPT_R;
  a->p = SCRYPT_P;
  a->changed_unix_s = (int64_t)time(NULL);
  return scrypt(password, a->salt, a->n, a->r, a->p, a->hash);
}

/* The table is large: one per call, on the heap. */
static int load_for_change(const char *path, cop_accounts **t) {
  *t = malloc(sizeof **t);
  if (!*t)
    return mwx_error_set(MWX_ENOMEM, "accounts: out of memory");
  int rc = cop_accounts_load(path, *t);
  if (rc) {
    free(*t);
    *t = NULL;
  }
  return rc;
}

int mwx_cop_account_add(const char *path, const char *name, mwx_cop_role role, const char *password) {
  int rc;
  if (!path || (rc = mwx_cop_name_check(name)) || (rc = password_check(password)))
    return path ? rc : mwx_error_set(MWX_EINVAL, "accounts: no file");
  if (role != MWX_COP_VIEWER && role != MWX_COP_RELEASE_OFFICER)
    return mwx_error_set(MWX_EINVAL, "accounts: bad role");
  cop_accounts *t;
  if ((rc = load_for_change(path, &t)))
    return rc;
  if (cop_accounts_find(t, name))
    rc = mwx_error_set(MWX_EEXIST, "accounts: '%s' already exists in %s", name, path);
  else if (t->n >= MWX_COP_MAX_ACCOUNTS)
    rc = mwx_error_set(MWX_ERANGE, "accounts: %s holds %d accounts already", path, MWX_COP_MAX_ACCOUNTS);
  else {
    cop_account *a = &t->a[t->n];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->role = role;
    if (!(rc = set_password(a, password))) {
      t->n++;
      rc = accounts_save(path, t);
    }
  }
  OPENSSL_cleanse(t, sizeof *t);
  free(t);
  return rc;
}

int mwx_cop_account_passwd(const char *path, const char *name, const char *password) {
  int rc;
  if (!path || !name || (rc = password_check(password)))
    return path && name ? rc : mwx_error_set(MWX_EINVAL, "accounts: NULL argument");
  cop_accounts *t;
  if ((rc = load_for_change(path, &t)))
    return rc;
  cop_account *a = (cop_account *)cop_accounts_find(t, name);
  if (!a)
    rc = mwx_error_set(MWX_ENOTFOUND, "accounts: no account '%s' in %s", name, path);
  else if (!(rc = set_password(a, password)))
    rc = accounts_save(path, t);
  OPENSSL_cleanse(t, sizeof *t);
  free(t);
  return rc;
}

int mwx_cop_account_remove(const char *path, const char *name) {
  if (!path || !name)
    return mwx_error_set(MWX_EINVAL, "accounts: NULL argument");
  cop_accounts *t;
  int rc;
  if ((rc = load_for_change(path, &t)))
    return rc;
  cop_account *a = (cop_account *)cop_accounts_find(t, name);
  if (!a)
    rc = mwx_error_set(MWX_ENOTFOUND, "accounts: no account '%s' in %s", name, path);
  else {
    size_t i = (size_t)(a - t->a);
    memmove(&t->a[i], &t->a[i + 1], (t->n - i - 1) * sizeof t->a[0]);
    t->n--;
    rc = accounts_save(path, t);
  }
  free(t);
  return rc;
}

int mwx_cop_account_list(const char *path, mwx_cop_account_fn fn, void *ctx) {
  if (!path || !fn)
    return mwx_error_set(MWX_EINVAL, "accounts: NULL argument");
  cop_accounts *t;
  int rc;
  if ((rc = load_for_change(path, &t)))
    return rc;
  for (size_t i = 0; i < t->n; i++) {
    mwx_cop_account_info info;
    snprintf(info.name, sizeof info.name, "%s", t->a[i].name);
    info.role = t->a[i].role;
    info.changed_unix_s = t->a[i].changed_unix_s;
    fn(ctx, &info);
  }
  free(t);
  return 0;
}

int mwx_cop_account_verify(const char *path, const char *name, const char *password, mwx_cop_role *role) {
  if (!path || !name || !password)
    return mwx_error_set(MWX_EINVAL, "accounts: NULL argument");
  cop_accounts *t;
  int rc;
  if ((rc = load_for_change(path, &t)))
    return rc;
  const cop_account *a = cop_accounts_find(t, name);
  int ok = cop_account_check(a, password);
  if (ok == 1 && role)
    *role = a->role;
  free(t);
  if (ok < 0)
    return ok;
  return ok == 1 ? 0 : mwx_error_set(MWX_EDENIED, "wrong name or password");
}

void cop_file_id_get(const char *path, cop_file_id *id) {
  struct stat st;
  memset(id, 0, sizeof *id);
  if (stat(path, &st))
    return;
  id->exists = 1;
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  id->size = st.st_size;
  id->mtime = st.st_mtim;
}

int cop_file_id_same(const cop_file_id *a, const cop_file_id *b) {
  return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}
