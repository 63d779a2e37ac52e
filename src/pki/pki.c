/*
 * pki.c - `mwx pki init`: identity CAs, permissions CA, node certificates,
 * governance and permissions documents (S/MIME-signed, text mode, as DDS
 * Security requires) and Ed25519 origin keys, all through the OpenSSL 3 C
 * API.  Layout and naming are documented in include/mwx/pki.h.
 */
#include "mwx/pki.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mwx/error.h"

/* Nations this PKI knows: alpha-3 -> alpha-2 (ISO 3166-1), for the C= of
 * certificate subjects.  The allies of the exchange and likely partners. */
static const struct {
  const char *a3, *a2;
} nation_table[] = {
    {"AUS", "AU"}, {"CAN", "CA"}, {"DEU", "DE"}, {"FRA", "FR"}, {"GBR", "GB"},
    {"ITA", "IT"}, {"JPN", "JP"}, {"KOR", "KR"}, {"NZL", "NZ"}, {"PHL", "PH"},
    {"USA", "US"},
};

const char *mwx_pki_alpha2(const char *alpha3) {
  if (!alpha3)
    return NULL;
  for (size_t i = 0; i < sizeof nation_table / sizeof nation_table[0]; i++)
    if (!strcmp(nation_table[i].a3, alpha3))
      return nation_table[i].a2;
  return NULL;
}

static int well_formed(const char *c) {
  return c && strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
         isupper((unsigned char)c[2]);
}

static int cmp_code(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

int mwx_pki_parse_nations(const char *csv, char (*out)[MWX_NATION_LEN], size_t cap, size_t *n) {
  if (!csv || !*csv)
    return mwx_error_set(MWX_EINVAL, "empty nation list (expected e.g. KOR,JPN,USA)");
  size_t k = 0;
  const char *p = csv;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    char code[8] = "";
    if (len == 0 || len > 3) {
      char shown[32];
      snprintf(shown, sizeof shown, "%.*s", (int)(len < 20 ? len : 20), p);
      return mwx_error_set(MWX_EINVAL, "malformed nation code '%s': expected three upper-case letters (ISO 3166-1 alpha-3)", shown);
    }
    memcpy(code, p, len);
    if (!well_formed(code))
      return mwx_error_set(MWX_EINVAL, "malformed nation code '%s': expected three upper-case letters (ISO 3166-1 alpha-3)", code);
    if (!mwx_pki_alpha2(code))
      return mwx_error_set(MWX_EINVAL, "unknown nation code '%s'", code);
    for (size_t i = 0; i < k; i++)
      if (!strcmp(out[i], code))
        return mwx_error_set(MWX_EINVAL, "nation '%s' is listed twice", code);
    if (k == cap)
      return mwx_error_set(MWX_EINVAL, "more than %zu nations", cap);
    memcpy(out[k++], code, MWX_NATION_LEN);
    if (!comma)
      break;
    p = comma + 1;
  }
  qsort(out, k, MWX_NATION_LEN, cmp_code);
  *n = k;
  return 0;
}

int mwx_pki_subject(const char *nation, char *buf, size_t cap) {
  const char *a2 = mwx_pki_alpha2(nation);
  if (!a2)
    return mwx_error_set(MWX_EINVAL, "unknown nation code '%s'", nation ? nation : "(null)");
  int w = snprintf(buf, cap, "CN=%c%c%c-node,O=mwx,C=%s", tolower((unsigned char)nation[0]),
                   tolower((unsigned char)nation[1]), tolower((unsigned char)nation[2]), a2);
  if (w < 0 || (size_t)w >= cap)
    return mwx_error_set(MWX_ERANGE, "subject buffer too small");
  return 0;
}

int mwx_pki_partition(const char (*codes)[MWX_NATION_LEN], size_t n, char *buf, size_t cap) {
  if (n == 0)
    return mwx_error_set(MWX_EINVAL, "empty releasability list");
  if (cap < 4 + 4 * n)
    return mwx_error_set(MWX_ERANGE, "partition buffer too small");
  memcpy(buf, "rel", 4);
  size_t len = 3;
  for (size_t i = 0; i < n; i++) {
    if (!well_formed(codes[i]))
      return mwx_error_set(MWX_EINVAL, "malformed nation code '%.3s' in releasability list", codes[i]);
    buf[len++] = '.';
    memcpy(buf + len, codes[i], 3);
    len += 3;
  }
  buf[len] = '\0';
  return 0;
}

int mwx_pki_sender_partition(const char *sender, const char *rel_partition, char *buf, size_t cap) {
  if (!well_formed(sender))
    return mwx_error_set(MWX_EINVAL, "malformed sender nation '%.8s'", sender ? sender : "(null)");
  if (!rel_partition || strncmp(rel_partition, "rel.", 4))
    return mwx_error_set(MWX_EINVAL, "'%.40s' is not a releasability partition (rel.*)", rel_partition ? rel_partition : "");
  int w = snprintf(buf, cap, "org.%s.%s", sender, rel_partition);
  if (w < 0 || (size_t)w >= cap)
    return mwx_error_set(MWX_ERANGE, "partition buffer too small");
  return 0;
}

int mwx_pki_partition_sender(const char *partition, char out[MWX_NATION_LEN]) {
  if (!partition || strncmp(partition, "org.", 4) || strlen(partition) < 12 || partition[7] != '.' ||
      strncmp(partition + 8, "rel.", 4))
    return MWX_EINVAL;
  char code[MWX_NATION_LEN];
  memcpy(code, partition + 4, 3);
  code[3] = '\0';
  if (!well_formed(code))
    return MWX_EINVAL;
  memcpy(out, code, MWX_NATION_LEN);
  return 0;
}

int mwx_pki_partitions_for(const char (*coalition)[MWX_NATION_LEN], size_t n_coalition,
                           const char *nation, char (**out)[MWX_PKI_PARTITION_LEN], size_t *n) {
  size_t self = n_coalition;
  for (size_t i = 0; i < n_coalition; i++)
    if (!strcmp(coalition[i], nation))
      self = i;
  if (self == n_coalition)
    return mwx_error_set(MWX_EINVAL, "nation '%s' is not in the coalition", nation);
  if (n_coalition > MWX_PKI_MAX_NATIONS)
    return mwx_error_set(MWX_ERANGE, "coalition of %zu nations is too large", n_coalition);
  size_t total = (size_t)1 << (n_coalition - 1);
  char(*list)[MWX_PKI_PARTITION_LEN] = calloc(total, sizeof *list);
  if (!list)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  size_t k = 0;
  /* smallest subsets first: iterate by size, then by mask */
  for (size_t size = 1; size <= n_coalition; size++)
    for (unsigned mask = 0; mask < (1u << n_coalition); mask++) {
      if (!(mask & (1u << self)) || (size_t)__builtin_popcount(mask) != size)
        continue;
      char codes[MWX_PKI_MAX_NATIONS][MWX_NATION_LEN];
      size_t m = 0;
      for (size_t i = 0; i < n_coalition; i++)
        if (mask & (1u << i))
          memcpy(codes[m++], coalition[i], MWX_NATION_LEN);
      int rc = mwx_pki_partition((const char(*)[MWX_NATION_LEN])codes, m, list[k++], MWX_PKI_PARTITION_LEN);
      if (rc) {
        free(list);
        return rc;
      }
    }
  *out = list;
  *n = k;
  return 0;
}

static int join(char *buf, const char *dir, const char *a, const char *b) {
  int w = b ? snprintf(buf, MWX_PKI_PATH_LEN, "%s/%s/%s", dir, a, b)
            : snprintf(buf, MWX_PKI_PATH_LEN, "%s/%s", dir, a);
  if (w < 0 || w >= MWX_PKI_PATH_LEN)
    return mwx_error_set(MWX_ERANGE, "path too long under '%s'", dir);
  return 0;
}

int mwx_pki_paths_for(const char *dir, const char *nation, mwx_pki_paths *p) {
  if (!well_formed(nation))
    return mwx_error_set(MWX_EINVAL, "malformed nation code '%s'", nation ? nation : "(null)");
  int rc;
  if ((rc = join(p->identity_ca, dir, nation, "identity_ca.pem")) || (rc = join(p->cert, dir, nation, "node.pem")) ||
      (rc = join(p->key, dir, nation, "node.key")) || (rc = join(p->permissions, dir, nation, "permissions.p7s")) ||
      (rc = join(p->origin_key, dir, nation, "origin.key")) ||
      (rc = join(p->permissions_ca, dir, "permissions_ca.pem", NULL)) ||
      (rc = join(p->governance, dir, "governance.p7s", NULL)) || (rc = join(p->trusted_dir, dir, "trusted", NULL)) ||
      (rc = join(p->origin_dir, dir, "origin", NULL)))
    return rc;
  return 0;
}

int mwx_pki_load_nations(const char *dir, char (*out)[MWX_NATION_LEN], size_t cap, size_t *n) {
  char path[MWX_PKI_PATH_LEN];
  int rc = join(path, dir, "nations", NULL);
  if (rc)
    return rc;
  FILE *f = fopen(path, "r");
  if (!f)
    return mwx_error_set(MWX_ENOTFOUND, "%s: %s (not a PKI directory made by 'mwx pki init'?)", path, strerror(errno));
  char line[64];
  size_t k = 0;
  rc = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!*line)
      continue;
    if (!well_formed(line) || k == cap) {
      rc = mwx_error_set(MWX_EPARSE, "%s: bad entry '%s'", path, line);
      break;
    }
    memcpy(out[k++], line, MWX_NATION_LEN);
  }
  fclose(f);
  if (rc)
    return rc;
  if (k == 0)
    return mwx_error_set(MWX_EPARSE, "%s: no nations", path);
  qsort(out, k, MWX_NATION_LEN, cmp_code);
  *n = k;
  return 0;
}

/* ---------------------------------------------------------------- files */

static int ossl_fail(const char *what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "";
  if (e)
    ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return mwx_error_set(MWX_ECRYPTO, "%s failed%s%s", what, *buf ? ": " : "", buf);
}

static int mkdir_p(const char *path) {
  char tmp[MWX_PKI_PATH_LEN];
  if (strlen(path) >= sizeof tmp)
    return mwx_error_set(MWX_ERANGE, "path too long: %s", path);
  strcpy(tmp, path);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0755) && errno != EEXIST)
        return mwx_error_set(MWX_EIO, "mkdir %s: %s", tmp, strerror(errno));
      *p = '/';
    }
  if (mkdir(tmp, 0755) && errno != EEXIST)
    return mwx_error_set(MWX_EIO, "mkdir %s: %s", tmp, strerror(errno));
  return 0;
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode) {
  FILE *f = fopen(path, "w");
  if (!f)
    return mwx_error_set(MWX_EIO, "%s: %s", path, strerror(errno));
  int ok = fwrite(data, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  if (!ok)
    return mwx_error_set(MWX_EIO, "%s: write failed", path);
  if (chmod(path, mode))
    return mwx_error_set(MWX_EIO, "chmod %s: %s", path, strerror(errno));
  return 0;
}

/* Writes whatever a BIO-writing callback produced to path. */
static int write_bio(const char *path, BIO *b, mode_t mode) {
  char *data;
  long len = BIO_get_mem_data(b, &data);
  if (len < 0)
    return mwx_error_set(MWX_EIO, "%s: no data", path);
  return write_file(path, data, (size_t)len, mode);
}

static int save_key(const char *path, EVP_PKEY *k) {
  BIO *b = BIO_new(BIO_s_mem());
  if (!b || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
    BIO_free(b);
    return ossl_fail("PEM_write_bio_PrivateKey");
  }
  int rc = write_bio(path, b, 0600);
  BIO_free(b);
  return rc;
}

static int save_pubkey(const char *path, EVP_PKEY *k) {
  BIO *b = BIO_new(BIO_s_mem());
  if (!b || !PEM_write_bio_PUBKEY(b, k)) {
    BIO_free(b);
    return ossl_fail("PEM_write_bio_PUBKEY");
  }
  int rc = write_bio(path, b, 0644);
  BIO_free(b);
  return rc;
}

static int save_cert(const char *path, X509 *c) {
  BIO *b = BIO_new(BIO_s_mem());
  if (!b || !PEM_write_bio_X509(b, c)) {
    BIO_free(b);
    return ossl_fail("PEM_write_bio_X509");
  }
  int rc = write_bio(path, b, 0644);
  BIO_free(b);
  return rc;
}

/* ---------------------------------------------------------- certificates */

static EVP_PKEY *new_ec_key(void) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); }

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ex)
    return ossl_fail("X509V3_EXT_conf_nid");
  int ok = X509_add_ext(cert, ex, -1);
  X509_EXTENSION_free(ex);
  return ok ? 0 : ossl_fail("X509_add_ext");
}

/* Makes a certificate for key, with subject (C, O, CN), issued by
 * issuer/issuer_key (self-signed when issuer is NULL). */
static int make_cert(EVP_PKEY *key, const char *c, const char *cn, int is_ca, X509 *issuer,
                     EVP_PKEY *issuer_key, long not_before_s, long not_after_s, X509 **out) {
  X509 *x = X509_new();
  BIGNUM *bn = BN_new();
  int rc = MWX_ECRYPTO;
  if (!x || !bn) {
    rc = ossl_fail("X509_new");
    goto done;
  }
  /* serial: 120 random bits, a positive integer of at most 20 octets as RFC 5280
     section 4.1.2.2 requires, with more than the 64 bits of CSPRNG output the CA/Browser
     Forum Baseline Requirements (section 7.1) ask of a serial number */
  if (!X509_set_version(x, 2) || !BN_rand(bn, 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
    rc = ossl_fail("certificate serial");
    goto done;
  }
  X509_NAME *name = X509_get_subject_name(x);
  if ((c && !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)c, -1, -1, 0)) ||
      !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"mwx", -1, -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0)) {
    rc = ossl_fail("certificate subject");
    goto done;
  }
  if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
      !X509_gmtime_adj(X509_getm_notBefore(x), not_before_s) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), not_after_s) || !X509_set_pubkey(x, key)) {
    rc = ossl_fail("certificate fields");
    goto done;
  }
  X509 *iss = issuer ? issuer : x;
  if ((rc = add_ext(x, iss, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE")) ||
      (rc = add_ext(x, iss, NID_key_usage,
                    is_ca ? "critical,digitalSignature,keyCertSign,cRLSign" : "critical,digitalSignature,keyAgreement")) ||
      (rc = add_ext(x, iss, NID_subject_key_identifier, "hash")) ||
      (rc = add_ext(x, iss, NID_authority_key_identifier, "keyid:always")))
    goto done;
  if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) {
    rc = ossl_fail("X509_sign");
    goto done;
  }
  *out = x;
  x = NULL;
  rc = 0;
done:
  X509_free(x);
  BN_free(bn);
  return rc;
}

/* ------------------------------------------------- web server certificate */

/* Kept apart from the DDS identities: a web CA of its own per nation, so
 * that a browser told to trust a nation's web pages is never told to trust
 * its DDS identity CA, and the web certificate can never pass as a DDS
 * identity (it is not issued by any CA in trusted/). */
int mwx_pki_web_cert(const char *dir, const char *nation, const char *hosts_csv, int validity_days) {
  if (!dir || !*dir || !well_formed(nation))
    return mwx_error_set(MWX_EINVAL, "web certificate: bad directory or nation '%s'", nation ? nation : "(null)");
  const char *hosts = hosts_csv && *hosts_csv ? hosts_csv : "localhost,127.0.0.1,::1";
  if (validity_days > MWX_PKI_WEB_MAX_DAYS)
    return mwx_error_set(MWX_EINVAL, "web certificate: %d days is more than a TLS server certificate may have (%d)",
                         validity_days, MWX_PKI_WEB_MAX_DAYS);
  int days = validity_days > 0 ? validity_days : MWX_PKI_WEB_MAX_DAYS;
  char san[1024] = "", path[MWX_PKI_PATH_LEN], sub[64], name[64], cn[16];
  size_t w = 0;
  for (const char *h = hosts; *h;) {
    size_t len = strcspn(h, ",");
    int ip = 0;
    for (size_t i = 0; i < len; i++)
      if (h[i] == ':' || (h[i] >= '0' && h[i] <= '9') || h[i] == '.')
        ip++;
    for (size_t i = 0; i < len; i++)
      if (!isalnum((unsigned char)h[i]) && !strchr(".-:", h[i]))
        return mwx_error_set(MWX_EINVAL, "web certificate: bad host name '%.*s'", (int)len, h);
    int r = snprintf(san + w, sizeof san - w, "%s%s:%.*s", w ? "," : "", ip == (int)len ? "IP" : "DNS", (int)len, h);
    if (len == 0 || r < 0 || (size_t)r >= sizeof san - w)
      return mwx_error_set(MWX_EINVAL, "web certificate: bad or too many host names '%s'", hosts);
    w += (size_t)r;
    h += len;
    if (*h == ',')
      h++;
  }
  snprintf(name, sizeof name, "%.3s Web CA", nation);
  snprintf(cn, sizeof cn, "%c%c%c-web", tolower((unsigned char)nation[0]), tolower((unsigned char)nation[1]),
           tolower((unsigned char)nation[2]));
  const char *a2 = mwx_pki_alpha2(nation);
  EVP_PKEY *ca_key = new_ec_key(), *key = new_ec_key();
  X509 *ca = NULL, *cert = NULL;
  int rc;
  if (!ca_key || !key) {
    rc = ossl_fail("key generation");
    goto done;
  }
  /* lifetimes as for the DDS identities (docs/security.md, NIST SP 800-57): the web CA
     MWX_PKI_CA_DAYS, the server certificate `days` (at most MWX_PKI_WEB_MAX_DAYS: 825, the
     CA/Browser Forum's ceiling for a TLS server certificate, cited in mwx/pki.h); valid from an hour ago for clock skew */
  if ((rc = make_cert(ca_key, a2, name, 1, NULL, NULL, -3600, (long)MWX_PKI_CA_DAYS * 86400L, &ca)) ||
      (rc = make_cert(key, a2, cn, 0, ca, ca_key, -3600, (long)days * 86400L, &cert)) ||
      (rc = add_ext(cert, ca, NID_subject_alt_name, san)) || (rc = add_ext(cert, ca, NID_ext_key_usage, "serverAuth")))
    goto done;
  if (!X509_sign(cert, ca_key, EVP_sha256())) { /* again, with the two extensions */
    rc = ossl_fail("X509_sign");
    goto done;
  }
  snprintf(sub, sizeof sub, "%.3s_web_ca.key", nation);
  if ((rc = join(path, dir, nation, NULL)) || (rc = mkdir_p(path)) || (rc = join(path, dir, "ca", NULL)) ||
      (rc = mkdir_p(path)) || (rc = join(path, dir, "ca", sub)) || (rc = save_key(path, ca_key)) ||
      (rc = join(path, dir, nation, "web_ca.pem")) || (rc = save_cert(path, ca)) ||
      (rc = join(path, dir, nation, "web.pem")) || (rc = save_cert(path, cert)) ||
      (rc = join(path, dir, nation, "web.key")) || (rc = save_key(path, key)))
    goto done;
done:
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  X509_free(ca);
  X509_free(cert);
  return rc;
}

/* --------------------------------------------------------------- documents */

/* A growing text buffer. */
typedef struct sbuf {
  char *s;
  size_t len, cap;
  int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->oom)
    return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (w < 0) {
      b->oom = 1;
      return;
    }
    if (b->s && b->len + (size_t)w < b->cap) {
      b->len += (size_t)w;
      return;
    }
    size_t ncap = (b->cap ? b->cap * 2 : 4096) + (size_t)w;
    char *n = realloc(b->s, ncap);
    if (!n) {
      b->oom = 1;
      return;
    }
    b->s = n;
    b->cap = ncap;
  }
}

/* Domain ids 0..230: DDSI-RTPS 2.5 section 9.6.1.1 maps domain d to UDP ports
 * 7400 + 250 d + (0..11) + 2 participant-id; 16-bit ports end at 65535, so d is
 * at most 232, and 230 leaves room for about 300 participants per host (the
 * range net.c and net_config.c accept). */
static const char *domains_xml = "      <domains><id_range><min>0</min><max>230</max></id_range></domains>\n";

static void governance_doc(sbuf *b) {
  sb_printf(b,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!-- mwx governance: every participant authenticated, discovery and liveliness\n"
            "     encrypted, the mwx topics access-controlled and encrypted. -->\n"
            "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
            "     xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_governance.xsd\">\n"
            "  <domain_access_rules>\n"
            "    <domain_rule>\n"
            "%s"
            "      <allow_unauthenticated_participants>false</allow_unauthenticated_participants>\n"
            "      <enable_join_access_control>true</enable_join_access_control>\n"
            "      <discovery_protection_kind>ENCRYPT</discovery_protection_kind>\n"
            "      <liveliness_protection_kind>ENCRYPT</liveliness_protection_kind>\n"
            "      <rtps_protection_kind>NONE</rtps_protection_kind>\n"
            "      <topic_access_rules>\n"
            "        <topic_rule>\n"
            "          <topic_expression>mwx_*</topic_expression>\n"
            "          <enable_discovery_protection>true</enable_discovery_protection>\n"
            "          <enable_liveliness_protection>true</enable_liveliness_protection>\n"
            "          <enable_read_access_control>true</enable_read_access_control>\n"
            "          <enable_write_access_control>true</enable_write_access_control>\n"
            "          <metadata_protection_kind>ENCRYPT</metadata_protection_kind>\n"
            "          <data_protection_kind>ENCRYPT</data_protection_kind>\n"
            "        </topic_rule>\n"
            "      </topic_access_rules>\n"
            "    </domain_rule>\n"
            "  </domain_access_rules>\n"
            "</dds>\n",
            domains_xml);
}

/* The permissions of nation: publish only in partitions org.<nation>.rel.X
 * (X every releasability set containing nation), subscribe in
 * org.<M>.rel.X for every such X and every sender M in X.  The org part
 * binds a writer to its participant's nation: DDS access control checks a
 * remote writer's partitions against its own signed permissions, so what
 * arrives in org.KOR.* was written by a participant holding KOR's
 * permissions (and so KOR's certificate). */
static int permissions_doc(sbuf *b, const char *nation, const char *subject, const char *not_before,
                           const char *not_after, const char (*nations)[MWX_NATION_LEN], size_t n) {
  char(*parts)[MWX_PKI_PARTITION_LEN] = NULL;
  size_t n_parts = 0;
  int rc = mwx_pki_partitions_for(nations, n, nation, &parts, &n_parts);
  if (rc)
    return rc;
  sb_printf(b,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!-- mwx permissions of %s: the mwx topics; writing only in org.%s.rel.* partitions\n"
            "     that name %s, reading in the rel.* partitions that name %s from any sender\n"
            "     those partitions name. -->\n"
            "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
            "     xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_permissions.xsd\">\n"
            "  <permissions>\n"
            "    <grant name=\"%s_node\">\n"
            "      <subject_name>%s</subject_name>\n"
            "      <validity><not_before>%s</not_before><not_after>%s</not_after></validity>\n"
            "      <allow_rule>\n"
            "  %s",
            nation, nation, nation, nation, nation, subject, not_before, not_after, domains_xml);
  char w[MWX_PKI_WPARTITION_LEN];
  sb_printf(b, "        <publish>\n          <topics><topic>mwx_*</topic></topics>\n          <partitions>\n");
  for (size_t i = 0; i < n_parts && !rc; i++)
    if (!(rc = mwx_pki_sender_partition(nation, parts[i], w, sizeof w)))
      sb_printf(b, "            <partition>%s</partition>\n", w);
  sb_printf(b, "          </partitions>\n        </publish>\n");
  sb_printf(b, "        <subscribe>\n          <topics><topic>mwx_*</topic></topics>\n          <partitions>\n");
  for (size_t i = 0; i < n_parts && !rc; i++)
    for (size_t k = 4; k + 3 <= strlen(parts[i]) && !rc; k += 4) {
      char sender[MWX_NATION_LEN];
      memcpy(sender, parts[i] + k, 3);
      sender[3] = '\0';
      if (!(rc = mwx_pki_sender_partition(sender, parts[i], w, sizeof w)))
        sb_printf(b, "            <partition>%s</partition>\n", w);
    }
  sb_printf(b, "          </partitions>\n        </subscribe>\n");
  sb_printf(b, "      </allow_rule>\n      <default>DENY</default>\n    </grant>\n  </permissions>\n</dds>\n");
  free(parts);
  return rc;
}

/* Signs text as S/MIME (detached, text mode) with the permissions CA and
 * writes the result to path. */
static int smime_sign(const char *path, const sbuf *doc, X509 *cert, EVP_PKEY *key) {
  int flags = PKCS7_DETACHED | PKCS7_TEXT | PKCS7_STREAM;
  BIO *in = BIO_new_mem_buf(doc->s, (int)doc->len);
  BIO *out = BIO_new(BIO_s_mem());
  PKCS7 *p7 = NULL;
  int rc;
  if (!in || !out) {
    rc = ossl_fail("BIO_new");
    goto done;
  }
  p7 = PKCS7_sign(cert, key, NULL, in, flags);
  if (!p7) {
    rc = ossl_fail("PKCS7_sign");
    goto done;
  }
  if (!SMIME_write_PKCS7(out, p7, in, flags)) {
    rc = ossl_fail("SMIME_write_PKCS7");
    goto done;
  }
  rc = write_bio(path, out, 0644);
done:
  PKCS7_free(p7);
  BIO_free(in);
  BIO_free(out);
  return rc;
}

static void iso_time(time_t t, char *buf, size_t cap) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
}

static int dir_nonempty(const char *dir, int *nonempty) {
  DIR *d = opendir(dir);
  *nonempty = 0;
  if (!d)
    return errno == ENOENT ? 0 : mwx_error_set(MWX_EIO, "%s: %s", dir, strerror(errno));
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      *nonempty = 1;
      break;
    }
  closedir(d);
  return 0;
}

/* Everything made for one nation, released together. */
typedef struct nation_pki {
  char code[MWX_NATION_LEN];
  EVP_PKEY *node_key, *origin_key;
  X509 *node;
} nation_pki;

static int lc_node_name(const char *code, char *buf, size_t cap) {
  snprintf(buf, cap, "%c%c%c-node", tolower((unsigned char)code[0]), tolower((unsigned char)code[1]),
           tolower((unsigned char)code[2]));
  return 0;
}

/* Signs and writes DIR/<NAT>/permissions.xml and .p7s, valid from
 * now + not_before_s to now + not_after_s. */
static int write_permissions(const char *dir, const char *code, const char (*nations)[MWX_NATION_LEN], size_t n,
                             X509 *perm_ca, EVP_PKEY *perm_key, long not_before_s, long not_after_s) {
  char subject[64], nb[32], na[32], path[MWX_PKI_PATH_LEN];
  int rc;
  if ((rc = mwx_pki_subject(code, subject, sizeof subject)))
    return rc;
  time_t now = time(NULL);
  iso_time(now + not_before_s, nb, sizeof nb);
  iso_time(now + not_after_s, na, sizeof na);
  sbuf doc = {0};
  rc = permissions_doc(&doc, code, subject, nb, na, nations, n);
  if (!rc && doc.oom)
    rc = mwx_error_set(MWX_ENOMEM, "out of memory");
  if (!rc && !(rc = join(path, dir, code, "permissions.xml")) && !(rc = write_file(path, doc.s, doc.len, 0644)) &&
      !(rc = join(path, dir, code, "permissions.p7s")))
    rc = smime_sign(path, &doc, perm_ca, perm_key);
  free(doc.s);
  return rc;
}

/* The node certificate of one nation, issued by the coalition identity CA
 * (the nation's CSR, modelled: the key is made here). */
static int write_nation(const char *dir, nation_pki *np, const char (*nations)[MWX_NATION_LEN], size_t n,
                        X509 *id_ca, EVP_PKEY *id_key, X509 *perm_ca, EVP_PKEY *perm_key, int days) {
  char path[MWX_PKI_PATH_LEN], sub[64], lc[16];
  int rc;
  const char *a2 = mwx_pki_alpha2(np->code);
  lc_node_name(np->code, lc, sizeof lc);
  if (!(np->node_key = new_ec_key()) || !(np->origin_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")))
    return ossl_fail("key generation");
  if ((rc = make_cert(np->node_key, a2, lc, 0, id_ca, id_key, -3600, (long)days * 86400L, &np->node)))
    return rc;
  if ((rc = join(path, dir, np->code, NULL)) || (rc = mkdir_p(path)))
    return rc;
  if ((rc = join(path, dir, np->code, "identity_ca.pem")) || (rc = save_cert(path, id_ca)) ||
      (rc = join(path, dir, np->code, "node.pem")) || (rc = save_cert(path, np->node)) ||
      (rc = join(path, dir, np->code, "node.key")) || (rc = save_key(path, np->node_key)) ||
      (rc = join(path, dir, np->code, "origin.key")) || (rc = save_key(path, np->origin_key)))
    return rc;
  snprintf(sub, sizeof sub, "%.3s.pub", np->code);
  if ((rc = join(path, dir, "origin", sub)) || (rc = save_pubkey(path, np->origin_key)))
    return rc;
  return write_permissions(dir, np->code, nations, n, perm_ca, perm_key, -86400, (long)days * 86400L);
}

int mwx_pki_init(const char *dir, const char *nations_csv, int force, int validity_days) {
  char nations[MWX_PKI_MAX_NATIONS][MWX_NATION_LEN];
  size_t n = 0;
  int rc, nonempty;
  if (!dir || !*dir)
    return mwx_error_set(MWX_EINVAL, "no directory given");
  if ((rc = mwx_pki_parse_nations(nations_csv, nations, MWX_PKI_MAX_NATIONS, &n)))
    return rc;
  if (n < 2)
    return mwx_error_set(MWX_EINVAL, "a coalition needs at least two nations (got %zu)", n);
  if (validity_days > MWX_PKI_MAX_DAYS)
    return mwx_error_set(MWX_EINVAL, "validity of %d days is longer than the %d allowed", validity_days,
                         MWX_PKI_MAX_DAYS);
  if ((rc = dir_nonempty(dir, &nonempty)))
    return rc;
  if (nonempty && !force)
    return mwx_error_set(MWX_EEXIST, "%s exists and is not empty (use --force to overwrite)", dir);
  int days = validity_days > 0 ? validity_days : MWX_PKI_NODE_DAYS;
  int ca_days = days > MWX_PKI_CA_DAYS ? days : MWX_PKI_CA_DAYS;

  char path[MWX_PKI_PATH_LEN];
  if ((rc = mkdir_p(dir)) || (rc = join(path, dir, "ca", NULL)) || (rc = mkdir_p(path)) ||
      (rc = join(path, dir, "trusted", NULL)) || (rc = mkdir_p(path)) || (rc = join(path, dir, "origin", NULL)) ||
      (rc = mkdir_p(path)))
    return rc;
  if ((rc = join(path, dir, "ca", NULL)))
    return rc;
  if (chmod(path, 0700))
    return mwx_error_set(MWX_EIO, "chmod %s: %s", path, strerror(errno));
  /* --force over an older layout: no national CA may stay trusted */
  for (size_t i = 0; i < sizeof nation_table / sizeof nation_table[0]; i++) {
    char sub[32];
    snprintf(sub, sizeof sub, "%s.pem", nation_table[i].a3);
    if (!join(path, dir, "trusted", sub))
      unlink(path);
    snprintf(sub, sizeof sub, "%s_identity_ca.key", nation_table[i].a3);
    if (!join(path, dir, "ca", sub))
      unlink(path);
  }

  nation_pki np[MWX_PKI_MAX_NATIONS];
  memset(np, 0, sizeof np);
  EVP_PKEY *perm_key = new_ec_key(), *id_key = new_ec_key();
  X509 *perm_ca = NULL, *id_ca = NULL;
  sbuf gov = {0};
  if (!perm_key || !id_key) {
    rc = ossl_fail("key generation");
    goto done;
  }
  long ca_nb = -3600, ca_na = (long)ca_days * 86400L;
  if ((rc = make_cert(perm_key, NULL, "mwx Coalition Permissions CA", 1, NULL, NULL, ca_nb, ca_na, &perm_ca)) ||
      (rc = join(path, dir, "ca", "permissions_ca.key")) || (rc = save_key(path, perm_key)) ||
      (rc = join(path, dir, "permissions_ca.pem", NULL)) || (rc = save_cert(path, perm_ca)) ||
      (rc = make_cert(id_key, NULL, "mwx Coalition Identity CA", 1, NULL, NULL, ca_nb, ca_na, &id_ca)) ||
      (rc = join(path, dir, "ca", "identity_ca.key")) || (rc = save_key(path, id_key)) ||
      (rc = join(path, dir, "identity_ca.pem", NULL)) || (rc = save_cert(path, id_ca)) ||
      (rc = join(path, dir, "trusted", "identity_ca.pem")) || (rc = save_cert(path, id_ca)))
    goto done;

  governance_doc(&gov);
  if (gov.oom) {
    rc = mwx_error_set(MWX_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = join(path, dir, "governance.xml", NULL)) || (rc = write_file(path, gov.s, gov.len, 0644)) ||
      (rc = join(path, dir, "governance.p7s", NULL)) || (rc = smime_sign(path, &gov, perm_ca, perm_key)))
    goto done;

  for (size_t i = 0; i < n; i++) {
    memcpy(np[i].code, nations[i], MWX_NATION_LEN);
    if ((rc = write_nation(dir, &np[i], (const char(*)[MWX_NATION_LEN])nations, n, id_ca, id_key, perm_ca, perm_key,
                           days)) ||
        (rc = mwx_pki_web_cert(dir, nations[i], NULL, days < MWX_PKI_WEB_MAX_DAYS ? days : MWX_PKI_WEB_MAX_DAYS)))
      goto done;
  }

  sbuf list = {0};
  for (size_t i = 0; i < n; i++)
    sb_printf(&list, "%s\n", nations[i]);
  if (list.oom)
    rc = mwx_error_set(MWX_ENOMEM, "out of memory");
  else if (!(rc = join(path, dir, "nations", NULL)))
    rc = write_file(path, list.s, list.len, 0644);
  free(list.s);

done:
  for (size_t i = 0; i < n; i++) {
    EVP_PKEY_free(np[i].node_key);
    EVP_PKEY_free(np[i].origin_key);
    X509_free(np[i].node);
  }
  EVP_PKEY_free(perm_key);
  EVP_PKEY_free(id_key);
  X509_free(perm_ca);
  X509_free(id_ca);
  free(gov.s);
  return rc;
}

/* ------------------------------------------------------------- re-issue */

static int load_pem_cert(const char *path, X509 **out) {
  FILE *f = fopen(path, "r");
  if (!f)
    return mwx_error_set(MWX_ENOTFOUND, "%s: %s", path, strerror(errno));
  *out = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  return *out ? 0 : ossl_fail(path);
}

static int load_pem_key(const char *path, EVP_PKEY **out) {
  FILE *f = fopen(path, "r");
  if (!f)
    return mwx_error_set(MWX_ENOTFOUND, "%s: %s (the coalition authority's keys are in DIR/ca)", path,
                         strerror(errno));
  *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  return *out ? 0 : ossl_fail(path);
}

int mwx_pki_reissue(const char *dir, const char *nation, long not_before_s, long not_after_s) {
  if (!mwx_pki_alpha2(nation))
    return mwx_error_set(MWX_EINVAL, "unknown nation code '%s'", nation ? nation : "(null)");
  if (not_after_s <= not_before_s || not_after_s > (long)MWX_PKI_MAX_DAYS * 86400L ||
      not_before_s < -(long)MWX_PKI_MAX_DAYS * 86400L)
    return mwx_error_set(MWX_EINVAL, "validity %ld..%ld s from now is empty or out of range", not_before_s,
                         not_after_s);
  char nations[MWX_PKI_MAX_NATIONS][MWX_NATION_LEN], path[MWX_PKI_PATH_LEN], lc[16];
  size_t n;
  int rc = mwx_pki_load_nations(dir, nations, MWX_PKI_MAX_NATIONS, &n);
  if (rc)
    return rc;
  X509 *id_ca = NULL, *perm_ca = NULL, *node = NULL;
  EVP_PKEY *id_key = NULL, *perm_key = NULL, *node_key = NULL;
  if ((rc = join(path, dir, "identity_ca.pem", NULL)) || (rc = load_pem_cert(path, &id_ca)) ||
      (rc = join(path, dir, "ca", "identity_ca.key")) || (rc = load_pem_key(path, &id_key)) ||
      (rc = join(path, dir, "permissions_ca.pem", NULL)) || (rc = load_pem_cert(path, &perm_ca)) ||
      (rc = join(path, dir, "ca", "permissions_ca.key")) || (rc = load_pem_key(path, &perm_key)))
    goto done;
  if (!(node_key = new_ec_key())) {
    rc = ossl_fail("key generation");
    goto done;
  }
  lc_node_name(nation, lc, sizeof lc);
  if ((rc = make_cert(node_key, mwx_pki_alpha2(nation), lc, 0, id_ca, id_key, not_before_s, not_after_s, &node)) ||
      (rc = join(path, dir, nation, "node.pem")) || (rc = save_cert(path, node)) ||
      (rc = join(path, dir, nation, "node.key")) || (rc = save_key(path, node_key)))
    goto done;
  rc = write_permissions(dir, nation, (const char(*)[MWX_NATION_LEN])nations, n, perm_ca, perm_key, not_before_s,
                         not_after_s);
done:
  X509_free(id_ca);
  X509_free(perm_ca);
  X509_free(node);
  EVP_PKEY_free(id_key);
  EVP_PKEY_free(perm_key);
  EVP_PKEY_free(node_key);
  return rc;
}

/* ------------------------------------------------------------ revocation */

int mwx_pki_revoke(const char *dir, const char *nation) {
  if (!mwx_pki_alpha2(nation))
    return mwx_error_set(MWX_EINVAL, "unknown nation code '%s'", nation ? nation : "(null)");
  char path[MWX_PKI_PATH_LEN], crl_path[MWX_PKI_PATH_LEN], tmp[MWX_PKI_PATH_LEN + 8];
  X509 *id_ca = NULL, *node = NULL;
  EVP_PKEY *id_key = NULL;
  X509_CRL *crl = NULL;
  X509_REVOKED *rev = NULL;
  ASN1_TIME *now = NULL;
  BIO *b = NULL;
  int rc;
  if ((rc = join(path, dir, "identity_ca.pem", NULL)) || (rc = load_pem_cert(path, &id_ca)) ||
      (rc = join(path, dir, "ca", "identity_ca.key")) || (rc = load_pem_key(path, &id_key)) ||
      (rc = join(path, dir, nation, "node.pem")) || (rc = load_pem_cert(path, &node)) ||
      (rc = join(crl_path, dir, "identity_crl.pem", NULL)))
    goto done;
  if (X509_check_issued(id_ca, node) != X509_V_OK) {
    rc = mwx_error_set(MWX_ECRYPTO, "%s was not issued by the coalition identity CA", path);
    goto done;
  }
  FILE *f = fopen(crl_path, "r");
  if (f) {
    crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
    fclose(f);
    if (!crl) {
      rc = ossl_fail(crl_path);
      goto done;
    }
  } else if (!(crl = X509_CRL_new()) || !X509_CRL_set_version(crl, 1) ||
             !X509_CRL_set_issuer_name(crl, X509_get_subject_name(id_ca))) {
    rc = ossl_fail("X509_CRL_new");
    goto done;
  }
  ASN1_INTEGER *serial = X509_get_serialNumber(node);
  STACK_OF(X509_REVOKED) *list = X509_CRL_get_REVOKED(crl);
  for (int i = 0; list && i < sk_X509_REVOKED_num(list); i++)
    if (!ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(list, i)), serial)) {
      rc = mwx_error_set(MWX_EEXIST, "%s's node certificate is already revoked", nation);
      goto done;
    }
  /* the list is valid as long as the CA: an authority re-signs it when it changes */
  if (!(now = X509_gmtime_adj(NULL, 0)) || !(rev = X509_REVOKED_new()) ||
      !X509_REVOKED_set_serialNumber(rev, serial) || !X509_REVOKED_set_revocationDate(rev, now) ||
      !X509_CRL_add0_revoked(crl, rev)) {
    rc = ossl_fail("X509_REVOKED");
    goto done;
  }
  rev = NULL;
  if (!X509_CRL_set1_lastUpdate(crl, now) || !X509_CRL_set1_nextUpdate(crl, X509_get0_notAfter(id_ca)) ||
      !X509_CRL_sort(crl) || !X509_CRL_sign(crl, id_key, EVP_sha256())) {
    rc = ossl_fail("X509_CRL_sign");
    goto done;
  }
  /* replaced atomically: a node reading it never sees half a file */
  snprintf(tmp, sizeof tmp, "%s.tmp", crl_path);
  if (!(b = BIO_new(BIO_s_mem())) || !PEM_write_bio_X509_CRL(b, crl)) {
    rc = ossl_fail("PEM_write_bio_X509_CRL");
    goto done;
  }
  if ((rc = write_bio(tmp, b, 0644)))
    goto done;
  if (rename(tmp, crl_path)) {
    rc = mwx_error_set(MWX_EIO, "rename %s: %s", tmp, strerror(errno));
    goto done;
  }
done:
  BIO_free(b);
  ASN1_TIME_free(now);
  X509_REVOKED_free(rev);
  X509_CRL_free(crl);
  X509_free(id_ca);
  X509_free(node);
  EVP_PKEY_free(id_key);
  return rc;
}

/* ------------------------------------------- origin-key revocation list */

int mwx_pki_origin_fingerprint(const char *pub_path, char hex[MWX_PKI_FP_LEN]) {
  FILE *f = fopen(pub_path, "r");
  if (!f)
    return mwx_error_set(MWX_ENOTFOUND, "%s: %s", pub_path, strerror(errno));
  EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
  fclose(f);
  if (!k)
    return ossl_fail(pub_path);
  unsigned char *der = NULL, md[SHA256_DIGEST_LENGTH];
  int len = i2d_PUBKEY(k, &der);
  EVP_PKEY_free(k);
  if (len <= 0)
    return ossl_fail("i2d_PUBKEY");
  SHA256(der, (size_t)len, md);
  OPENSSL_free(der);
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return 0;
}

/* Reads and verifies DIR/origin_revoked.p7s; *text (malloc'd, NUL-ended)
 * is its signed content, NULL if there is no list. */
static int read_origin_list(const char *dir, char **text) {
  char path[MWX_PKI_PATH_LEN], ca_path[MWX_PKI_PATH_LEN];
  int rc;
  *text = NULL;
  if ((rc = join(path, dir, "origin_revoked.p7s", NULL)) || (rc = join(ca_path, dir, "permissions_ca.pem", NULL)))
    return rc;
  BIO *in = BIO_new_file(path, "r");
  if (!in) {
    ERR_clear_error();
    return errno == ENOENT ? 0 : mwx_error_set(MWX_EIO, "%s: %s", path, strerror(errno));
  }
  BIO *content = NULL, *out = BIO_new(BIO_s_mem());
  PKCS7 *p7 = SMIME_read_PKCS7(in, &content);
  X509 *ca = NULL;
  X509_STORE *store = X509_STORE_new();
  rc = 0;
  if (!p7 || !content || !out || !store)
    rc = mwx_error_set(MWX_ECRYPTO, "%s: not an S/MIME signed list", path);
  else if ((rc = load_pem_cert(ca_path, &ca)))
    ;
  else if (!X509_STORE_add_cert(store, ca) || PKCS7_verify(p7, NULL, store, content, out, PKCS7_TEXT) != 1)
    rc = mwx_error_set(MWX_ECRYPTO, "%s: signature does not verify under the coalition permissions CA", path);
  if (!rc) {
    char *data;
    long len = BIO_get_mem_data(out, &data);
    if (len < 0 || len > 65536)
      rc = mwx_error_set(MWX_EPARSE, "%s: list too long", path);
    else if (!(*text = malloc((size_t)len + 1)))
      rc = mwx_error_set(MWX_ENOMEM, "out of memory");
    else {
      memcpy(*text, data, (size_t)len);
      (*text)[len] = '\0';
    }
  }
  ERR_clear_error();
  X509_free(ca);
  X509_STORE_free(store);
  PKCS7_free(p7);
  BIO_free(content);
  BIO_free(out);
  BIO_free(in);
  return rc;
}

int mwx_pki_origin_revocations(const char *dir, char (*fp)[MWX_PKI_FP_LEN], size_t cap, size_t *n) {
  char *text;
  *n = 0;
  int rc = read_origin_list(dir, &text);
  if (rc || !text)
    return rc;
  size_t k = 0;
  for (char *line = strtok(text, "\r\n"); line && !rc; line = strtok(NULL, "\r\n")) {
    char nat[8], hex[MWX_PKI_FP_LEN + 8];
    if (line[0] == '#' || !line[0])
      continue;
    if (sscanf(line, "%7s %72s", nat, hex) != 2 || !well_formed(nat) || strlen(hex) != MWX_PKI_FP_LEN - 1 ||
        strspn(hex, "0123456789abcdef") != MWX_PKI_FP_LEN - 1)
      rc = mwx_error_set(MWX_EPARSE, "%s/origin_revoked.p7s: bad line (expected 'NAT sha256-hex')", dir);
    else if (k == cap)
      rc = mwx_error_set(MWX_ERANGE, "%s/origin_revoked.p7s: more than %zu keys", dir, cap);
    else
      memcpy(fp[k++], hex, MWX_PKI_FP_LEN);
  }
  free(text);
  if (!rc)
    *n = k;
  return rc;
}

int mwx_pki_revoke_origin(const char *dir, const char *nation) {
  if (!mwx_pki_alpha2(nation))
    return mwx_error_set(MWX_EINVAL, "unknown nation code '%s'", nation ? nation : "(null)");
  char path[MWX_PKI_PATH_LEN], sub[16], fp[MWX_PKI_FP_LEN], tmp[MWX_PKI_PATH_LEN + 8];
  snprintf(sub, sizeof sub, "%.3s.pub", nation);
  int rc;
  if ((rc = join(path, dir, "origin", sub)) || (rc = mwx_pki_origin_fingerprint(path, fp)))
    return rc;
  char *old = NULL;
  if ((rc = read_origin_list(dir, &old)))
    return rc;
  if (old && strstr(old, fp)) {
    free(old);
    return mwx_error_set(MWX_EEXIST, "%s's origin key is already revoked", nation);
  }
  sbuf doc = {0};
  if (!old)
    sb_printf(&doc, "# mwx revoked origin keys: NAT SHA-256 of the DER public key\n");
  else
    sb_printf(&doc, "%s", old);
  sb_printf(&doc, "%s %s\n", nation, fp);
  free(old);
  X509 *ca = NULL;
  EVP_PKEY *key = NULL;
  if (doc.oom)
    rc = mwx_error_set(MWX_ENOMEM, "out of memory");
  else if (!(rc = join(path, dir, "permissions_ca.pem", NULL)) && !(rc = load_pem_cert(path, &ca)) &&
           !(rc = join(path, dir, "ca", "permissions_ca.key")) && !(rc = load_pem_key(path, &key)) &&
           !(rc = join(path, dir, "origin_revoked.txt", NULL)) && !(rc = write_file(path, doc.s, doc.len, 0644)) &&
           !(rc = join(path, dir, "origin_revoked.p7s", NULL))) {
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!(rc = smime_sign(tmp, &doc, ca, key)) && rename(tmp, path))
      rc = mwx_error_set(MWX_EIO, "rename %s: %s", tmp, strerror(errno));
  }
  X509_free(ca);
  EVP_PKEY_free(key);
  free(doc.s);
  return rc;
}
