/*
 * fixture_db.c - test fixture: scratch SQLite files and raw SQL on them
 * (fixture_db.h).  Shared by the journal tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "fixture_db.h"

void fx_tmpdb_make(fx_tmpdb *t, const char *tag) {
  assert_true(strlen(tag) <= 24);
  snprintf(t->dir, sizeof t->dir, "/tmp/mwx_test_%s_XXXXXX", tag);
  assert_non_null(mkdtemp(t->dir));
  snprintf(t->path, sizeof t->path, "%s/j.db", t->dir);
}

void fx_tmpdb_remove(fx_tmpdb *t) {
  char p[160];
  const char *suffix[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
    unlink(p);
  }
  rmdir(t->dir);
}

void fx_sql(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK)
    fprintf(stderr, "fx_sql: %s\n", err ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  sqlite3_close(db);
  assert_int_equal(rc, SQLITE_OK);
}
