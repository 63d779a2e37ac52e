#!/usr/bin/env python3
"""journal_forge.py - what an attacker with write access to a journal file can
do without the node key: SHA-256 is public, so the chain can be recomputed.
Used by tests/journal_attack.sh.  Record bytes as in src/journal/journal.c:
  u64 id | u32 kind | i64 time_ns | u64 ref | u32 n | payload | u32 m | msg

  journal_forge.py DB rehash FROM_ID      recompute hashes FROM_ID..end, fix meta head
  journal_forge.py DB append KIND TIME REF PAYLOAD   append a chained record, fix meta head
  journal_forge.py DB editmsg ID           change one byte of record ID's stored sample (a field
                                           of the sample, not its signature); hashes left alone
  journal_forge.py DB receive SRC_DB SRC_ID   append to DB, as a received sample (kind 4), the
                                           sample stored in SRC_DB's record SRC_ID, byte for byte
                                           (what a partner's node journals when it receives it)
  journal_forge.py DB flipref HOLD DECISION   flip one bit in the record_ref index entry
                                             of DECISION (ref HOLD) in the file itself
"""
import hashlib
import sqlite3
import struct
import sys


def rec_hash(prev, rid, kind, t, ref, payload, msg):
    p = payload.encode() if isinstance(payload, str) else payload
    m = msg or b""
    b = struct.pack(">QIqQI", rid, kind, t, ref, len(p)) + p + struct.pack(">I", len(m)) + m
    return hashlib.sha256(prev + b).digest()


def set_head(db):
    rid, h = db.execute("SELECT id, hash FROM record ORDER BY id DESC LIMIT 1").fetchone() or (0, bytes(32))
    db.execute("UPDATE meta SET value=? WHERE key='head_id'", (rid,))
    db.execute("UPDATE meta SET value=? WHERE key='head_hash'", (h,))


def rehash(db, start):
    prev = bytes(32)
    if start > 1:
        prev = db.execute("SELECT hash FROM record WHERE id=?", (start - 1,)).fetchone()[0]
    rows = db.execute("SELECT id, kind, time_ns, ref, payload, msg FROM record WHERE id>=? ORDER BY id",
                      (start,)).fetchall()
    for rid, kind, t, ref, payload, msg in rows:
        prev = rec_hash(prev, rid, kind, t, ref, payload, msg)
        db.execute("UPDATE record SET hash=? WHERE id=?", (prev, rid))
    set_head(db)


def append(db, kind, t, ref, payload, msg=None):
    rid, prev = db.execute("SELECT id, hash FROM record ORDER BY id DESC LIMIT 1").fetchone()
    h = rec_hash(prev, rid + 1, kind, t, ref, payload, msg)
    db.execute("INSERT INTO record(id, kind, time_ns, payload, msg, ref, hash) VALUES (?,?,?,?,?,?,?)",
               (rid + 1, kind, t, payload, msg, ref, h))
    set_head(db)
    return rid + 1


def varint(v):
    out = []
    while True:
        out.insert(0, v & 0x7f)
        v >>= 7
        if not v:
            break
    for i in range(len(out) - 1):
        out[i] |= 0x80
    return bytes(out)


def int_field(v):
    """serial type and bytes of a small non-negative integer in a record"""
    if v == 0:
        return 8, b""
    if v == 1:
        return 9, b""
    for st, n in ((1, 1), (2, 2), (3, 3), (4, 4)):
        if v < 1 << (8 * n - 1):
            return st, v.to_bytes(n, "big")
    raise ValueError(v)


def flipref(path, hold, decision):
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name='record_ref'").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    # the index entry is a record (ref, rowid): header [len, type(ref), type(rowid)] then the values
    t1, b1 = int_field(hold)
    t2, b2 = int_field(decision)
    cell = bytes([3, t1, t2]) + b1 + b2
    data = bytearray(open(path, "rb").read())
    lo, hi = (root - 1) * page_size, root * page_size  # a small index is its root page
    at = data.find(cell, lo, hi)
    if at < 0 or data.find(cell, at + 1, hi) >= 0:
        sys.exit("flipref: index entry not found exactly once in page %d" % root)
    if t1 in (8, 9):
        data[at + 1] ^= 1  # 0 <-> 1 as serial type 8 <-> 9
    else:
        data[at + 3] ^= 1  # lowest bit of the ref value
    open(path, "wb").write(data)
    print("flipped a bit at page %d offset %d" % (at // page_size + 1, at % page_size))


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    if cmd == "flipref":
        flipref(path, int(sys.argv[3]), int(sys.argv[4]))
        return
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    if cmd == "rehash":
        rehash(db, int(sys.argv[3]))
    elif cmd == "editmsg":
        rid = int(sys.argv[3])
        m = bytearray(db.execute("SELECT msg FROM record WHERE id=?", (rid,)).fetchone()[0])
        m[len(m) - 64 - 20] ^= 0x40
        db.execute("UPDATE record SET msg=? WHERE id=?", (bytes(m), rid))
    elif cmd == "receive":
        src = sqlite3.connect(sys.argv[3])
        msg = src.execute("SELECT msg FROM record WHERE id=?", (int(sys.argv[4]),)).fetchone()[0]
        src.close()
        print(append(db, 4, 0, 0, '{"from":"partner"}', msg))
    elif cmd == "append":
        print(append(db, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]))
    else:
        sys.exit("unknown command " + cmd)
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main()
