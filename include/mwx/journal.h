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
 * survives kill -9 and power loss.  With MWX_JOURNAL_SYNC_THREAD it survives
 * kill -9 when it returns and power loss once its ticket is durable
 * (mwx_journal_durable).  See src/journal/journal.c.
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
  MWX_JOURNAL_ALERT = 6,   /* alert issued / updated / cancelled */
  MWX_JOURNAL_REPLAY = 7   /* a received sample refused as a replay (see "Sequence numbers" below) */
} mwx_journal_kind;

/* "plot", "track", "release", "sample", "sigfail", "alert", "replay". */
const char *mwx_journal_kind_name(mwx_journal_kind k);
int mwx_journal_kind_parse(const char *name, mwx_journal_kind *out);

typedef enum mwx_journal_sync {
  MWX_JOURNAL_SYNC_FULL = 0,  /* fsync the WAL at every commit: survives power loss */
  MWX_JOURNAL_SYNC_NORMAL = 1, /* fsync at checkpoints only: survives kill -9, not power loss */
  MWX_JOURNAL_SYNC_THREAD = 2  /* synchronous=NORMAL (a commit is a write() of its WAL frames:
                                  survives kill -9 when it returns) and the handle's sync thread
                                  fsyncs the WAL after commits: a commit survives power loss once
                                  mwx_journal_durable() has reached its ticket, or once
                                  mwx_journal_sync_now returned (see "Tickets"); the node's
                                  handle with sync full */
} mwx_journal_sync;

typedef struct mwx_journal_options {
  mwx_journal_sync sync;
  int read_only;                /* open an existing database without writing */
  const mwx_msg_key *seal_key;  /* optional private key: every commit signs the head
                                   (borrowed; must outlive the handle).  A writable handle
                                   with a seal key (the node's) moves WAL checkpoints off
                                   the committing thread: no commit runs SQLite's
                                   auto-checkpoint; when the WAL holds 1,000 pages or more
                                   after a commit, a thread of the handle (started then,
                                   joined at close, its own connection) runs a PASSIVE
                                   checkpoint, which never blocks the writer. */
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
 * may be NULL (FULL sync, read-write, no seal).  MWX_EIO: not a journal of
 * format 2; MWX_ECORRUPT: its schema differs from mwx's (an added VIEW,
 * trigger or index, a dropped or changed one), or, opened with the owner's
 * key, its last seal is gone, beyond the head, names a record whose hash
 * changed, or does not verify (a cut or rewritten journal is never sealed
 * over); MWX_EDENIED: seal_key is not the owner's key. */
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
/* Nesting: begin inside an open batch opens a nested one (an SQLite
 * savepoint, at most 8 deep; deeper: MWX_EBUSY).  Its commit makes nothing
 * durable by itself - its appends become part of the enclosing batch and
 * are durable when the outermost commit returns 0 - and its rollback
 * discards only its own appends.  So a function that commits what it
 * decides (mwx_release_queue_expire) can run inside a caller's group
 * commit and cost no fsync of its own.  Loop thread of the handle only. */

/* Tickets (issue 16: the fsync off the committing thread).  Every outermost
 * commit that returned 0 has a ticket: 1, 2, 3 ... in commit order (the
 * handle's commits since open).  mwx_journal_ticket is the last one's.
 * mwx_journal_durable is the last ticket known to have reached the disk:
 * with FULL it is the ticket (each commit fsyncs before returning); with
 * NORMAL 0 (nothing is known durable before a checkpoint); with THREAD the
 * last ticket the sync thread fsynced the WAL for (one fsync covers every
 * commit made before it started: tickets 1..k).  A caller that must not act
 * on a record before it survives power loss (the node: write-ahead) acts on
 * commit k only when durable >= k.
 * mwx_journal_sync_wait blocks until durable >= ticket: 0; MWX_EIO if an
 * fsync failed (final: after a failed fsync nothing later is durable);
 * MWX_EINVAL for a NORMAL handle.  mwx_journal_sync_now makes every commit
 * of the handle so far durable before it returns: with THREAD one fsync of
 * the WAL on the calling thread (or the wait for the sync thread's fsync in
 * flight when that one already covers them), MWX_EIO as sync_wait; with
 * FULL and NORMAL it returns 0 at once (FULL: already durable; NORMAL:
 * nothing is promised against power loss).  mwx_journal_sync_check: 0, or
 * MWX_EIO once an fsync of the sync thread has failed (final), without
 * waiting.  ticket, sync_now: the handle's thread; durable, sync_wait,
 * sync_check: any thread. */
uint64_t mwx_journal_ticket(mwx_journal *j);
uint64_t mwx_journal_durable(mwx_journal *j);
int mwx_journal_sync_wait(mwx_journal *j, uint64_t ticket);
int mwx_journal_sync_now(mwx_journal *j);
int mwx_journal_sync_check(mwx_journal *j);

/* Commit timing and the WAL checkpoints of one handle (since open). */
typedef struct mwx_journal_stats {
  uint64_t commits;            /* outermost transactions committed (batches and lone appends) */
  double commit_ms_p50, commit_ms_p99; /* wall time of SQLite's COMMIT (the WAL write and, FULL, its
                                          fsync), over the last 4,096 commits */
  double commit_ms_max, commit_ms_total; /* over all commits */
  uint64_t checkpoints;        /* WAL checkpoints run by the handle's checkpoint thread */
  double checkpoint_ms_max, checkpoint_ms_total;
  uint64_t wal_pages_max;      /* largest WAL seen after a commit, pages */
  /* THREAD: the fsyncs of the WAL (the sync thread's and, syncs_now of them,
     mwx_journal_sync_now's on the committing thread), the commits they
     covered (sync_commits / syncs: commits per fsync) and their wall time
     (p50 / p99 over the last 4,096) */
  uint64_t syncs, syncs_now, sync_commits;
  double sync_ms_p50, sync_ms_p99, sync_ms_max, sync_ms_total;
} mwx_journal_stats;
/* Fills *out (zeros for NULL j).  Same thread as the handle's commits. */
void mwx_journal_get_stats(mwx_journal *j, mwx_journal_stats *out);

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

/* Calls fn for the release record answering hold id (its decision; the
 * schema allows at most one), found through the UNIQUE index record_answer
 * rather than record_ref. */
int mwx_journal_decisions(mwx_journal *j, uint64_t id, mwx_journal_fn fn, void *ctx);

/* ---- owner and seal ------------------------------------------------------
 * A node's journal has an owner: meta 'owner' (nation) and 'owner_pub' (its
 * origin public key), written once by mwx_journal_claim on an empty
 * journal.  A handle opened with the owner's key as seal_key is the node:
 * every commit it makes seals the head (meta seal_id, seal_hash, seal_sig =
 * Ed25519 over "mwx-journal-seal-v2" | owner | id | hash), and before
 * sealing it checks that every record appended since its last seal by
 * another process is an operator's approve/deny decision on one of its
 * holds (else the commit fails with MWX_EDENIED).  A handle without the
 * owner's key may append only release decisions (kind release, ref != 0);
 * anything else is MWX_EDENIED.  Opening an owned journal with another key
 * is MWX_EDENIED.  A journal without owner (drills: "mwx release decide")
 * behaves as before; a seal_key still seals it. */

/* Makes the handle's seal_key (required) and nation the owner of an empty,
 * unowned journal; 0 if it already is (same nation and key).  MWX_EDENIED:
 * the journal belongs to another nation, or has records but no owner. */
int mwx_journal_claim(mwx_journal *j, const char *nation);

/* *owned = 1 and nation / pub (each may be NULL) filled if the journal has
 * an owner; *owned = 0 otherwise. */
int mwx_journal_owner(mwx_journal *j, char nation[MWX_NATION_LEN], uint8_t pub[MWX_PUB_LEN], int *owned);

/* The last sealed head (id 0 and zero hash if never sealed).  This is what
 * a node publishes in NodeStatus. */
/* Heap bytes SQLite holds now for every journal of the process (page
 * caches, statements: sqlite3_memory_used).  Any thread. */
uint64_t mwx_journal_heap_bytes(void);
int mwx_journal_sealed_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]);

/* Checks record id before anything taken from it is acted on (signed,
 * published): its hash against its content and the previous record's hash,
 * every link from it to the sealed head, and the seal under pub (NULL: the
 * handle's own key when it is the owner, else the owner key the journal
 * records).  A journal with no owner and no pub gets the chain check of
 * record id only.  0 if intact (*sealed, may be NULL, = 1 if a seal
 * covered it); MWX_ECORRUPT naming what fails (edited record, chain
 * rewritten, record after the sealed head, seal invalid). */
int mwx_journal_check_record(mwx_journal *j, uint64_t id, const mwx_msg_key *pub, int *sealed);

/* The head recorded in the database: last id (0 if empty) and its hash.
 * Publish or store it elsewhere to detect a rollback of the whole file. */
int mwx_journal_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]);

typedef struct mwx_journal_verify_result {
  uint64_t records;     /* records checked */
  uint64_t bad_id;      /* first broken record (0 if intact or head-only problem) */
  char why[256];        /* what is wrong, "" if intact */
  int sealed;           /* 1: the seal verified under pub; 2: under the owner key
                           recorded in the journal (no pub given); 0: not checked */
  uint64_t sealed_id;   /* the sealed head's id when sealed != 0 */
} mwx_journal_verify_result;

/* Runs SQLite's PRAGMA integrity_check (pages and every index against its
 * table), compares the schema with the one mwx makes (no added VIEW,
 * trigger, index; none dropped or changed), then walks the chain from
 * record 1: ids contiguous, every hash recomputed, the last record equal to
 * the recorded head.  The seal is checked under pub, or, without pub, under
 * the owner key the journal records (if any): the sealed head must be in
 * the chain with its hash, and with pub every record must be under the
 * seal (records appended after it, without the node key, are reported).
 * Returns 0 if intact, MWX_ECORRUPT (message names the first broken record
 * or what is wrong) otherwise; res is filled either way. */
int mwx_journal_verify(mwx_journal *j, const mwx_msg_key *pub, mwx_journal_verify_result *res);

/* ===================================================================== */
/* Sequence numbers and replay (src/journal/journal_seq.c)                 */
/* ===================================================================== */
/*
 * A sample's marking carries seq, counted per originator and topic from 1.
 * Two tables in the journal's database keep what must survive a restart:
 *
 *   seq_out(originator, topic, seq)          the last seq this node gave a
 *                                            sample of the topic
 *   seq_in(originator, topic, top, window,   per partner and topic: the
 *          copies)                           highest seq accepted, a bitmap
 *                                            of top and the 63 seqs below,
 *                                            the copies taken at top
 *
 * They are written inside the journal's transactions (a batch, or the
 * transaction that appends the record they follow from), so after a crash
 * they agree with the chain.  They are not part of the hash chain: they are
 * a cache of what the records say.  A journal without them (made before
 * they existed) gets them rebuilt from its records on first load:
 * seq_out from the node's own samples in release and track records,
 * seq_in from the sample records.
 *
 * Receive rule (mwx_journal_seq_judge, like IPsec's anti-replay window,
 * RFC 4303 section 3.4.3): a sample above top is new; one 64 or more
 * below top, or one whose seq was already taken, is a replay; one inside
 * the window not yet taken is new (DDS delivers the instances of one
 * reader in instance order, not send order, and a relay forwards them in
 * that order, so a legitimate older seq may arrive after a newer one).
 * An originator makes one copy of a sample per partner (different
 * releasable-to, hence different bytes and signature, same seq); a relay
 * reads several of them.  A sample at top whose releasable-to list differs
 * from that of every copy already taken at top is COPY (journaled as
 * received, never a change of the picture); one with a list already taken
 * (a byte-identical re-send, or a publisher reusing the seq) is a
 * duplicate.
 */

#define MWX_JOURNAL_SEQ_WINDOW 64 /* top and the 63 seqs below it: bits of window */
#define MWX_JOURNAL_SEQ_COPIES MWX_MAX_NATIONS

/* Replay state of one (originator, topic).  Zeroed = nothing accepted. */
typedef struct mwx_journal_seq_in {
  char originator[MWX_NATION_LEN];
  uint8_t topic;                      /* mwx_msg_topic */
  uint64_t top;                       /* highest seq accepted, 0: none */
  uint64_t window;                    /* bit i set: seq top - i accepted */
  uint8_t n_copies;                   /* copies of seq top taken */
  uint8_t copy[MWX_JOURNAL_SEQ_COPIES][8]; /* their releasable-to lists, hashed (FNV-1a 64) */
} mwx_journal_seq_in;

typedef enum mwx_journal_seq_verdict {
  MWX_JOURNAL_SEQ_NEW = 0,        /* take it */
  MWX_JOURNAL_SEQ_COPY = 1,       /* another partner's copy of the newest sample: journal, no newer picture */
  MWX_JOURNAL_SEQ_DUPLICATE = -1, /* this seq was taken already: replay */
  MWX_JOURNAL_SEQ_OLD = -2,       /* MWX_JOURNAL_SEQ_WINDOW or more below the highest taken: replay */
  MWX_JOURNAL_SEQ_ZERO = -3       /* seq 0 (seqs start at 1): replay of nothing, refused */
} mwx_journal_seq_verdict;

/* Pure: the verdict on a sample with marking mark (its seq and
 * releasable-to list) for state s; s is not changed.  The caller matches
 * s to the sample's originator and topic.  Thread-safe on distinct states. */
mwx_journal_seq_verdict mwx_journal_seq_judge(const mwx_journal_seq_in *s, const mwx_msg_marking *mark);

/* Pure: records the sample (verdict NEW or COPY) as accepted in s: top,
 * window and copies move.  A sample that judge refuses leaves s unchanged. */
void mwx_journal_seq_accept(mwx_journal_seq_in *s, const mwx_msg_marking *mark);

/* "new", "copy", "duplicate", "old", "zero". */
const char *mwx_journal_seq_verdict_name(mwx_journal_seq_verdict v);

/* Writes s into seq_in (replacing the row of its originator and topic),
 * inside the open batch if there is one (then durable with its commit),
 * else in a transaction of its own.  MWX_EIO on a database error. */
int mwx_journal_seq_in_put(mwx_journal *j, const mwx_journal_seq_in *s);

/* Reads seq_in into out[0..cap) (*n: rows read; more than cap rows is
 * MWX_ERANGE).  Creates and rebuilds the tables first if the journal has
 * none (a read-only journal without them gives *n = 0).  Rows that do not
 * parse (an originator that is not 3 upper-case letters, a topic out of
 * range, a copies blob of the wrong size) are MWX_ECORRUPT naming the row. */
int mwx_journal_seq_in_load(mwx_journal *j, mwx_journal_seq_in *out, size_t cap, size_t *n);

/* The last seq given by originator (this node's nation) per topic:
 * seq[t] for t = 1..5 (seq[0] unused, set 0); 0 for a topic never sent.
 * Creates and rebuilds the tables as mwx_journal_seq_in_load does. */
int mwx_journal_seq_out_load(mwx_journal *j, const char *originator, uint64_t seq[6]);

/* Records that originator has used seq for topic (only raises: a lower
 * value than stored is ignored).  Inside the open batch if there is one,
 * else its own transaction.  Call it in the batch that journals the
 * samples, so the counter is durable with them. */
int mwx_journal_seq_out_put(mwx_journal *j, const char *originator, mwx_msg_topic topic, uint64_t seq);

#endif /* MWX_JOURNAL_H */
