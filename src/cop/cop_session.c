/*
 * cop_session.c - operators' sessions (random token and CSRF token, idle
 * and maximum age, ended by a new password or a removed account) and the
 * failed log-in rate limit, per address and per name.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cop/cop_int.h"
#include "mwx/error.h"

static int random_hex(char *out, size_t bytes) {
  unsigned char b[64];
  if (bytes > sizeof b || RAND_bytes(b, (int)bytes) != 1)
    return -1;
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes; i++) {
    out[2 * i] = d[b[i] >> 4];
    out[2 * i + 1] = d[b[i] & 15];
  }
  out[2 * bytes] = 0;
  return 0;
}

/* ---- accounts and sessions ------------------------------------------- */

/* Rereads the accounts file if it changed since the last read.  A file
 * that fails to parse keeps the previous table (and says so once). */
void cop_accounts_refresh(mwx_cop *c) {
  cop_file_id id;
  cop_file_id_get(c->cfg.accounts, &id);
  if (cop_file_id_same(&id, &c->acc_id))
    return;
  cop_accounts *t = malloc(sizeof *t);
  if (!t)
    return;
  if (cop_accounts_load(c->cfg.accounts, t)) {
    fprintf(stderr, "cop %s: keeping the previous accounts: %s\n", c->nation, mwx_error_msg());
    free(t);
    c->acc_id = id;
    return;
  }
  OPENSSL_cleanse(c->acc, sizeof *c->acc);
  free(c->acc);
  c->acc = t;
  c->acc_id = id;
  c->st.account_reloads++;
}

/* The valid session of token (or NULL): not expired, account still there
 * with the same password.  Touches it. */
cop_session *cop_session_get(mwx_cop *c, const char *token, int touch) {
  if (!token || strlen(token) != COP_TOKEN_HEX)
    return NULL;
  cop_accounts_refresh(c);
  int64_t now = mwx_node_mono_ns();
  for (int i = 0; i < COP_SESSIONS; i++) {
    cop_session *s = &c->sess[i];
    if (!s->used || CRYPTO_memcmp(s->token, token, COP_TOKEN_HEX))
      continue;
    const cop_account *a = cop_accounts_find(c->acc, s->name);
    if (now - s->last_mono > c->cfg.session_idle_s * NS || now - s->created_mono > c->cfg.session_max_s * NS || !a ||
        CRYPTO_memcmp(a->hash, s->hash, COP_HASH_LEN)) {
      memset(s, 0, sizeof *s);
      return NULL;
    }
    if (touch)
      s->last_mono = now;
    return s;
  }
  return NULL;
}

mwx_cop_role cop_session_role(mwx_cop *c, const cop_session *s) {
  const cop_account *a = cop_accounts_find(c->acc, s->name);
  return a ? a->role : 0;
}

cop_session *cop_session_new(mwx_cop *c, const cop_account *a) {
  int slot = 0;
  for (int i = 0; i < COP_SESSIONS; i++) {
    if (!c->sess[i].used) {
      slot = i;
      break;
    }
    if (c->sess[i].last_mono < c->sess[slot].last_mono)
      slot = i;
  }
  cop_session *s = &c->sess[slot];
  memset(s, 0, sizeof *s);
  if (random_hex(s->token, COP_TOKEN_HEX / 2) || random_hex(s->csrf, COP_TOKEN_HEX / 2))
    return NULL;
  snprintf(s->name, sizeof s->name, "%s", a->name);
  memcpy(s->hash, a->hash, COP_HASH_LEN);
  s->created_mono = s->last_mono = mwx_node_mono_ns();
  s->used = 1;
  return s;
}

/* Rate limit of failed log-ins, per key ("ip:1.2.3.4", "name:x"). */
static cop_limit *limit_slot(mwx_cop *c, const char *key, int create) {
  int64_t now = mwx_node_mono_ns();
  int oldest = 0;
  for (int i = 0; i < COP_LIMITS; i++) {
    cop_limit *l = &c->lim[i];
    if (l->key[0] && now - l->first_mono > c->cfg.login_window_s * NS)
      memset(l, 0, sizeof *l);
    if (l->key[0] && !strcmp(l->key, key))
      return l;
    if (!l->key[0] || l->first_mono < c->lim[oldest].first_mono)
      oldest = i;
  }
  if (!create)
    return NULL;
  cop_limit *l = &c->lim[oldest];
  memset(l, 0, sizeof *l);
  snprintf(l->key, sizeof l->key, "%s", key);
  l->first_mono = now;
  return l;
}

int cop_limited(mwx_cop *c, const char *key) {
  cop_limit *l = limit_slot(c, key, 0);
  return l && l->fails >= c->cfg.login_burst;
}

void cop_limit_fail(mwx_cop *c, const char *key) {
  cop_limit *l = limit_slot(c, key, 1);
  l->fails++;
}
