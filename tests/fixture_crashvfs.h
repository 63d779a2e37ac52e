/*
 * fixture_crashvfs.h - test fixture (tests only, not libmwx): a simulated
 * power cut for SQLite files.  An SQLite VFS registered as the default over
 * the real one (unix) that passes every call through and, for each main
 * database, WAL and rollback journal file, keeps what its last xSync made
 * durable: the file's bytes as they were when that file was last synced,
 * with every write (and truncate) since kept apart until the next xSync of
 * the same file (any handle: fsync is per file).  A write racing an xSync
 * counts as not synced (conservative: only what was written before the
 * xSync started is made durable by it).
 *
 * fx_crashvfs_cut is the power cut: it writes, into another directory,
 * each tracked file as the disk holds it after the cut (its durable image;
 * a file whose creation was never followed by a sync is there empty, a
 * deleted one is absent).  The -shm file is not copied (shared memory: a
 * power cut loses it; SQLite rebuilds it from the WAL).  The program keeps
 * running on the live files; the copy is then opened with the real VFS
 * (fx_crashvfs_uninstall, or sqlite3_open_v2 with "unix") and SQLite's
 * recovery replays what of the WAL is durable.
 *
 * Files existing when first opened through the shim count as durable as
 * they are on disk then (make the journal before installing, or accept
 * that).  Thread-safe (one mutex): the journal's checkpoint and sync
 * threads use it from their own connections.
 */
#ifndef MWX_FIXTURE_CRASHVFS_H
#define MWX_FIXTURE_CRASHVFS_H

#include <stdint.h>

/* Registers the shim ("mwx-crashvfs") over sqlite3_vfs_find(NULL) and
 * makes it the default.  0, or an SQLite error code. */
int fx_crashvfs_install(void);

/* Makes the real VFS the default again and frees the shim's state; every
 * file opened through the shim must be closed.  0, or -1 if files are
 * still open (then nothing is changed). */
int fx_crashvfs_uninstall(void);

/* The power cut: for every tracked file, its durable image written to
 * out_dir (an existing directory) under the same base name.  Returns the
 * number of files written, -1 on an I/O error.  *lost_bytes (may be NULL):
 * the bytes written since their file's last sync, summed over the files
 * (what the cut dropped). */
int fx_crashvfs_cut(const char *out_dir, uint64_t *lost_bytes);

/* Counters since install: xSync calls seen, and writes seen (tracked files). */
void fx_crashvfs_counts(uint64_t *syncs, uint64_t *writes);

#endif
