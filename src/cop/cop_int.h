/*
 * cop_int.h - private parts of the cop module shared by account.c and
 * cop.c.  Not API.
 */
#ifndef MWX_COP_INT_H
#define MWX_COP_INT_H

#include <sys/types.h>
#include <time.h>

#include "mwx/cop.h"

#define COP_SALT_LEN 16
#define COP_HASH_LEN 32

typedef struct cop_account {
  char name[MWX_COP_NAME_MAX + 1];
  mwx_cop_role role;
  uint64_t n;      /* scrypt N */
  uint32_t r, p;
  unsigned char salt[COP_SALT_LEN];
  unsigned char hash[COP_HASH_LEN];
  int64_t changed_unix_s;
} cop_account;

typedef struct cop_accounts {
  size_t n;
  cop_account a[MWX_COP_MAX_ACCOUNTS];
} cop_accounts;

/* Reads the accounts file; a missing file gives an empty table. */
int cop_accounts_load(const char *path, cop_accounts *out);

/* The account named name, or NULL. */
const cop_account *cop_accounts_find(const cop_accounts *t, const char *name);

/* scrypt(password, a->salt, a->n, a->r, a->p) == a->hash, in constant time
 * for the comparison.  With a == NULL does the same work against a dummy
 * account and returns 0.  1 on a match, 0 otherwise, < 0 on error. */
int cop_account_check(const cop_account *a, const char *password);

/* Identity of the file's current version (for "reread when it changed"). */
typedef struct cop_file_id {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  int exists;
} cop_file_id;
void cop_file_id_get(const char *path, cop_file_id *id);
int cop_file_id_same(const cop_file_id *a, const cop_file_id *b);

#endif /* MWX_COP_INT_H */
