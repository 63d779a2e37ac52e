/*
 * cop.h - the common operational picture: each node serves its nation's
 * picture as a web page over HTTPS, with a WebSocket that pushes every node
 * event (mwx_node_subscribe) to the open pages, and a JSON API (docs/api.md)
 * behind operator log-in.
 *
 * The server is libwebsockets (Debian's libwebsockets-dev, OpenSSL) on its
 * libuv event library, and that libuv loop is driven by the node's own loop
 * (mwx_node_loop): the loop watches libuv's backend file descriptor and
 * sleeps no longer than libuv's next timer, then runs one non-blocking libuv
 * iteration.  One thread, one poll(), no second hand-written loop
 * (docs/architecture.md says why this way).
 *
 * Accounts (mwx_cop_account_*): a JSON file of operators with salted scrypt
 * hashes (OpenSSL EVP_KDF "SCRYPT", N = 2^15, r = 8, p = 1, 16-byte salt,
 * 32-byte key: 32 MiB and ~0.1 s per check on this machine), roles viewer
 * and release_officer.  The running server rereads the file when it
 * changes (size, mtime or inode), so accounts are managed without a restart.
 *
 * Everything here runs on the node's loop thread, except the account file
 * functions, which are plain file operations usable from any program.
 */
#ifndef MWX_COP_H
#define MWX_COP_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/node.h"

/* ---- accounts ----------------------------------------------------------- */

#define MWX_COP_NAME_MAX 31    /* bytes of an operator name (UTF-8): the journal's MWX_ID_LEN - 1 */
#define MWX_COP_PASSWORD_MIN 8 /* bytes */
#define MWX_COP_PASSWORD_MAX 1024
#define MWX_COP_MAX_ACCOUNTS 256

typedef enum mwx_cop_role { MWX_COP_VIEWER = 1, MWX_COP_RELEASE_OFFICER = 2 } mwx_cop_role;

/* "viewer", "release_officer" / parses them (MWX_EINVAL otherwise). */
const char *mwx_cop_role_name(mwx_cop_role r);
int mwx_cop_role_parse(const char *s, mwx_cop_role *out);

/* Checks an operator name: 1..MWX_COP_NAME_MAX bytes of valid UTF-8, no
 * control characters; quotes, spaces and non-ASCII letters are allowed.
 * MWX_EINVAL with the reason. */
int mwx_cop_name_check(const char *name);

/* Adds an account (MWX_EEXIST if the name exists), sets a password (passwd;
 * MWX_ENOTFOUND if absent), removes one (MWX_ENOTFOUND).  The file is
 * created (mode 0600) if absent and replaced atomically (write + fsync +
 * rename), so a running server never reads half a file.  Passwords:
 * MWX_COP_PASSWORD_MIN..MAX bytes. */
int mwx_cop_account_add(const char *path, const char *name, mwx_cop_role role, const char *password);
int mwx_cop_account_passwd(const char *path, const char *name, const char *password);
int mwx_cop_account_remove(const char *path, const char *name);

typedef struct mwx_cop_account_info {
  char name[MWX_COP_NAME_MAX + 1];
  mwx_cop_role role;
  int64_t changed_unix_s; /* last password change */
} mwx_cop_account_info;
typedef void (*mwx_cop_account_fn)(void *ctx, const mwx_cop_account_info *a);
/* Calls fn for each account in file order.  A missing file is an empty
 * list. */
int mwx_cop_account_list(const char *path, mwx_cop_account_fn fn, void *ctx);

/* Checks name/password against the file: 0 and *role on success,
 * MWX_EDENIED for an unknown name or a wrong password (the same work is done
 * for both, so timing does not tell which). */
int mwx_cop_account_verify(const char *path, const char *name, const char *password, mwx_cop_role *role);

/* ---- the server ----------------------------------------------------------- */

/* The per-page backlog bound: events pushed and not yet written to that
 * page, and their bytes.  Every event is serialised once into a shared push
 * frame (the events of at most 10 ms); the server keeps the sealed frames
 * (at most ws_backlog_bytes + 256 KiB of them) for all pages, and a page
 * writes them as they are, so neither the server's memory nor its work per
 * event grows with the pages; a page past the bound is sent one snapshot
 * (the whole picture, serialised once and shared by the pages that need one
 * within a second) and goes on from the frame after it. */
#define MWX_COP_BACKLOG_MSGS 1023
#define MWX_COP_BACKLOG_BYTES (4u << 20)

typedef struct mwx_cop_config {
  char bind[64];           /* address to listen on (default "127.0.0.1") */
  int port;                /* TCP port (1..65535) */
  char cert[512], key[512];/* PEM server certificate (chain) and key: DIR/<NAT>/web.pem, web.key */
  char accounts[512];      /* accounts file (required) */
  char web_root[512];      /* the built page; default <build dir>/web (the CMake target web) */
  int insecure_local;      /* 1: plain HTTP, refused unless bind is a loopback address */
  int64_t session_idle_s;  /* a session ends after this long without a request (default 1800) */
  int64_t session_max_s;   /* and at the latest this long after log-in (default 43200) */
  int login_burst;         /* failed log-ins allowed per client address or name ... (default 5) */
  int64_t login_window_s;  /* ... within this window, after which log-in is refused (default 60) */
  int ws_backlog_msgs;     /* a page further behind (messages pushed, not yet written to it) is sent the
                              whole picture instead: 1..MWX_COP_BACKLOG_MSGS (default: that) */
  uint32_t ws_backlog_bytes; /* ... or further behind in bytes: 1..MWX_COP_BACKLOG_BYTES (default: that) */
  int frame_ms;            /* the push frames' spacing with ten pages connected, ms: the open frame is sealed
                              pages * frame_ms / 10 after the last seal, at least 10 ms, at most 1.25 * frame_ms
                              (every frame is one TLS write per page: 10 / frame_ms writes a second per page
                              at most, and up to frame_ms more on an event's way to a page);
                              MWX_COP_FRAME_MS_MIN..MWX_COP_FRAME_MS_MAX (default MWX_COP_FRAME_MS) */
} mwx_cop_config;
#define MWX_COP_FRAME_MS 20
#define MWX_COP_FRAME_MS_MIN 10
#define MWX_COP_FRAME_MS_MAX 100

/* Defaults (above); port 0, no files. */
void mwx_cop_config_init(mwx_cop_config *c);

/* Reads the web keys of an mwxd configuration file (docs/api.md):
 * "web_port" (0 or absent: *enabled = 0), "web_bind", "web_accounts",
 * "web_root", "web_session_idle_s", "web_session_max_s", "web_frame_ms"; the certificate
 * is <pki_dir>/<nation>/web.pem and web.key.  Relative paths are taken from
 * the file's directory. */
int mwx_cop_config_load(const char *path, mwx_cop_config *c, int *enabled);

typedef struct mwx_cop mwx_cop;

/* Starts serving node n's picture on n's loop (before or during
 * mwx_node_run).  Refuses (MWX_EINVAL) a plain-HTTP configuration not bound
 * to loopback, a missing certificate or accounts file.  *out: mwx_cop_close,
 * before mwx_node_close. */
int mwx_cop_open(const mwx_cop_config *cfg, mwx_node *n, mwx_cop **out);

/* Stops serving, closes every connection, unsubscribes.  NULL ignored. */
void mwx_cop_close(mwx_cop *c);

typedef struct mwx_cop_stats {
  uint64_t requests, api_ok, api_refused, logins_ok, logins_failed, logins_limited;
  uint64_t ws_clients, ws_sent, ws_dropped; /* sent: events written (each page counts); dropped: events a
                                               page past the backlog bound skipped (a snapshot instead) */
  uint64_t account_reloads;
  uint64_t ws_frames;    /* WebSocket messages written (each page counts): one push frame each (a JSON array
                            of the events of at most 10 ms, at most 256 KiB), or a snapshot */
  uint64_t ws_sealed;    /* push frames made (each serialised once, whatever the number of pages) */
  uint64_t ws_snapshots; /* snapshots serialised (each shared by the pages resynced within 1 s) */
  uint64_t ws_coalesced; /* track updates replaced by a newer one of the same track before their push
                            (a track is pushed at most every 50 ms: its newest sample) */
  uint64_t ws_resyncs;   /* a page's backlog passed MWX_COP_BACKLOG_MSGS messages or MWX_COP_BACKLOG_BYTES
                            bytes (or its next frame was no longer kept): what it had not had yet was
                            dropped (counted in ws_dropped) and it was sent the whole picture instead (a
                            "snapshot" message) */
  uint64_t loop_ns;      /* time the server spent on the node's loop (libuv passes, node events, the push
                            timers; CLOCK_MONOTONIC), since mwx_cop_open */
  uint64_t loop_cpu_ns;  /* the loop thread's CPU time in those calls (CLOCK_THREAD_CPUTIME_ID): unlike
                            loop_ns, not counting the time the thread waited for a core inside them */
  uint64_t loop_calls;   /* the calls that time is made of */
  int64_t up_ns;         /* CLOCK_MONOTONIC ns since mwx_cop_open (loop_ns / up_ns: the server's share) */
  uint64_t ws_sealed_bytes; /* bytes of the push frames made (each written to every page up to date) */
  uint64_t ws_bytes;     /* bytes written to the pages (each page counts; snapshots included) */
  uint64_t fused_walks;  /* walks of the node's fused picture for a delta (one per fusion pass, and one
                            after a launch point or prediction that came without a pass) */
  uint64_t fused_moved;  /* fused entries in deltas because their data changed (a member's newer sample,
                            contributors, members, launch point, prediction; those moved by a newer
                            member sample alone are sent brief) */
  uint64_t fused_refreshed; /* fused entries in deltas only because their position at the pass's time
                            moved on and their last push is 250 ms old (sent brief: g, time, position) */
  uint64_t fused_built;  /* entries the node built in full for those walks (the changed-since filter,
                            mwx_node_fused_picture_since: the others are passed moved (a newer member
                            sample alone: no look-up), brief or not at all) */
  uint64_t fused_skipped; /* flushes that walked nothing: the picture's version unchanged and no
                            position due */
  uint64_t ws_direct;    /* of ws_frames, those written at their frame's seal (the seal timer, on the
                            node's loop) to a page that had every frame before: no POLLOUT round trip */
  uint64_t ws_partial;   /* of ws_frames, those the socket did not take whole: lws kept the rest and wrote
                            it at the socket's next POLLOUT */
} mwx_cop_stats;

/* A copy of the counters (up_ns taken now).  Loop thread. */
void mwx_cop_get_stats(const mwx_cop *c, mwx_cop_stats *s);

/* The node loop's lag as the server sees it: a timer of the server runs
 * every 10 ms on the node's loop; its lateness (fire time minus due time,
 * CLOCK_MONOTONIC) over its last 6000 runs (60 s) tells how long the loop
 * was busy with anything (the node's own work, the web server's).  n = 0
 * before the first run.  Loop thread. */
typedef struct mwx_cop_lag {
  size_t n;
  int32_t p50_us, p99_us, max_us;
  double mean_us;
} mwx_cop_lag;
void mwx_cop_loop_lag(const mwx_cop *c, mwx_cop_lag *out);

/* The URL the server listens on ("https://127.0.0.1:8443/"). */
const char *mwx_cop_url(const mwx_cop *c);

#endif /* MWX_COP_H */
