/*
 * fixture_db.h - test fixture (tests only, not libmwx): a scratch SQLite
 * file in a fresh directory under /tmp, and raw SQL on it as an attacker
 * with the sqlite3 command line would run it.  The functions assert with
 * cmocka, so they are called from inside a cmocka test only.
 */
#ifndef MWX_FIXTURE_DB_H
#define MWX_FIXTURE_DB_H

typedef struct fx_tmpdb {
  char dir[64];   /* /tmp/mwx_test_<tag>_XXXXXX */
  char path[128]; /* dir/j.db (not created: the code under test creates it) */
} fx_tmpdb;

/* Makes a fresh directory /tmp/mwx_test_<tag>_XXXXXX (tag at most 24
 * characters) and names t->path in it; fails the test if it cannot. */
void fx_tmpdb_make(fx_tmpdb *t, const char *tag);

/* Removes t->path with its -wal and -shm files, and the directory (which
 * must hold nothing else). */
void fx_tmpdb_remove(fx_tmpdb *t);

/* Runs sql (one or more statements) on the file at path with a connection
 * of its own; fails the test, printing SQLite's message, if it does not
 * succeed. */
void fx_sql(const char *path, const char *sql);

#endif
