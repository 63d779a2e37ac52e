/*
 * journal.h - the node's tamper-evident record: one SQLite database per node
 * (WAL mode), append-only, every record hash-chained to the one before.
 *
 * What is recorded: plots accepted, tracks published, release decisions
 * (released / held / approved / denied / refused, with rule id, reason and
 * partner), samples received, signature failures and alerts.  Each record
 * is (id, kind, time_ns, JSON payload, optional sample, optional reference
 * to an earlier record) and carries
 *
 *     hash = SHA-256(previous record's hash || canonical record bytes)
 *
 * (record 1 chains to 32 zero bytes).  The head of the chain (last id and
 * hash) is kept in a meta row written in the same transaction, and may be
 * sealed with the node's Ed25519 key, so deleting the last records or
 * rewriting the whole chain is also caught.  What is and is not detectable
 * is set out in src/journal/journal.c and docs/policy.md ("Audit").
 *
 * Durability: an append (or a batch's commit) has reached the disk when it
 * returns 0 (synchronous=FULL by default), so a record reported as written
 * survives kill -9 and power loss.  See src/journal/journal.c.
 *
 * Ownership: mwx_journal_open() returns a handle the caller closes with
 * mwx_journal_close().  A handle is used by one thread at a time; several
 * processes may open the same database (appends serialise on SQLite's write
 * lock and always chain to the current head in the file).
 */
#ifndef MWX_JOURNAL_H
#define MWX_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/msg.h"

typedef enum mwx_journal_kind {
  MWX_JOURNAL_PLOT = 1,    /* plot (sensor measurement) accepted */
  MWX_JOURNAL_TRACK = 2,   /* track published */
  MWX_JOURNAL_RELEASE = 3, /* release decision; payload "outcome": released|held|approved|denied|refused */
  MWX_JOURNAL_SAMPLE = 4,  /* sample received from a partner */
  MWX_JOURNAL_SIGFAIL = 5, /* a received sample failed signature verification */
  MWX_JOURNAL_ALERT = 6    /* alert issued / updated / cancelled */
} mwx_journal_kind;

/* "plot", "track", "release", "sample", "sigfail", "alert". */
const char *mwx_journal_kind_name(mwx_journal_kind k);
int mwx_journal_kind_parse(const char *name, mwx_journal_kind *out);

typedef enum mwx_journal_sync {
  MWX_JOURNAL_SYNC_FULL = 0,  /* fsync the WAL at every commit: survives power loss */
  MWX_JOURNAL_SYNC_NORMAL = 1 /* fsync at checkpoints only: survives kill -9, not power loss */
} mwx_journal_sync;

typedef struct mwx_journal_options {
  mwx_journal_sync sync;
  int read_only;                /* open an existing database without writing */
  const mwx_msg_key *seal_key;  /* optional private key: every commit signs the head
                                   (borrowed; must outlive the handle) */
} mwx_journal_options;

typedef struct mwx_journal mwx_journal;

/* One record as read back.  payload points into storage owned by the
 * journal and is valid only during the callback (or until the next call on
 * the handle for mwx_journal_get). */
typedef struct mwx_journal_record {
  uint64_t id;           /* 1, 2, 3 ... */
  mwx_journal_kind kind;
  int64_t time_ns;
  const char *payload;   /* JSON object text */
  int has_msg;           /* 1 if msg holds a sample (with its signature) */
  mwx_msg msg;
  uint64_t ref;          /* id of an earlier record this one answers, or 0 */
  uint8_t hash[32];
} mwx_journal_record;

/* Opens (creating if needed, unless read_only) the journal at path.  opts
 * may be NULL (FULL sync, read-write, no seal). */
int mwx_journal_open(const char *path, const mwx_journal_options *opts, mwx_journal **out);
/* Closes; NULL is ignored.  An open batch is rolled back. */
void mwx_journal_close(mwx_journal *j);

/* Appends one record in its own transaction (or in the open batch).
 * payload: a JSON object text (validated; NULL means "{}").  msg: optional
 * sample stored as canonical bytes plus signature.  ref: 0 or the id of an
 * earlier record.  *id_out (may be NULL) receives the new id.  When not in
 * a batch, the record is durable when this returns 0. */
int mwx_journal_append(mwx_journal *j, mwx_journal_kind kind, int64_t time_ns, const char *payload,
                       const mwx_msg *msg, uint64_t ref, uint64_t *id_out);

/* Batches: appends between begin and commit share one transaction and one
 * sync; none of them is durable (or visible to others) before commit
 * returns 0.  rollback discards them. */
int mwx_journal_begin(mwx_journal *j);
int mwx_journal_commit(mwx_journal *j);
int mwx_journal_rollback(mwx_journal *j);

/* Calls fn for every record with time_ns >= since_ns (and, if kind != 0,
 * of that kind) in id order; fn returning non-zero stops the walk and that
 * value is returned. */
typedef int (*mwx_journal_fn)(const mwx_journal_record *r, void *ctx);
int mwx_journal_query(mwx_journal *j, int64_t since_ns, mwx_journal_kind kind, mwx_journal_fn fn, void *ctx);

/* Same, for records with id > after_id (any time), in id order: for
 * pollers that remember the last id they saw. */
int mwx_journal_query_after(mwx_journal *j, uint64_t after_id, mwx_journal_kind kind, mwx_journal_fn fn, void *ctx);

/* Calls fn, in id order, for every release record whose payload "outcome"
 * equals outcome (e.g. "held") and that no later record refers to (by ref):
 * the open items, found through an index rather than a scan. */
int mwx_journal_unanswered(mwx_journal *j, const char *outcome, mwx_journal_fn fn, void *ctx);

/* Reads record id into *r (payload valid until the next call on j).
 * MWX_ENOTFOUND if absent. */
int mwx_journal_get(mwx_journal *j, uint64_t id, mwx_journal_record *r);

/* Calls fn for every record whose ref is id (the answers to record id). */
int mwx_journal_answers(mwx_journal *j, uint64_t id, mwx_journal_fn fn, void *ctx);

/* The head recorded in the database: last id (0 if empty) and its hash.
 * Publish or store it elsewhere to detect a rollback of the whole file. */
int mwx_journal_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]);

typedef struct mwx_journal_verify_result {
  uint64_t records;     /* records checked */
  uint64_t bad_id;      /* first broken record (0 if intact or head-only problem) */
  char why[256];        /* what is wrong, "" if intact */
  int sealed;           /* 1 if the head seal was present and checked */
} mwx_journal_verify_result;

/* Walks the chain from record 1: ids contiguous, every hash recomputed,
 * the last record equal to the recorded head, and, if pub is given, the
 * head seal valid under pub.  Returns 0 if intact, MWX_ECORRUPT (message
 * names the first broken record) otherwise; res is filled either way. */
int mwx_journal_verify(mwx_journal *j, const mwx_msg_key *pub, mwx_journal_verify_result *res);

#endif /* MWX_JOURNAL_H */
