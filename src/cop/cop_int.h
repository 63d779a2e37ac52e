/*
 * cop_int.h - private parts of the cop module, shared by its files.  Not API.
 *   cop.c          configuration, open / close, libuv inside the node's loop,
 *                  the loop lag probe, statistics
 *   cop_session.c  accounts file refresh, sessions, log-in rate limit
 *   cop_push.c     node events -> the push frames (each event serialised once,
 *                  the same bytes for every page), the per-track coalescing,
 *                  the picture kept for snapshots, the release queue's JSON
 *   cop_fused.c    the fused picture pushed as deltas (one symbol per
 *                  global track)
 *   cop_http.c     the JSON API (docs/api.md) on lws's HTTP callbacks
 *   cop_ws.c       the push channel (WebSocket) to the pages
 *   account.c      the accounts file and its scrypt hashes
 * Everything here runs on the node's loop thread (lws and libuv callbacks,
 * node events, timers), except account.c's file functions, which the
 * `mwx account` command also calls.
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

#include <jansson.h>
#include <libwebsockets.h>
#include <uv.h>

#include "mwx/msg.h"

#define COP_SESSIONS 256
#define COP_LIMITS 128
/* the push frames: every pushed event is serialised once, into the open
   frame; the open frame is sealed ("[ev,ev,...]") at most every COP_SEAL_NS
   (or when it reaches COP_FRAME_MAX bytes) and its bytes are then written,
   unchanged, to every page; the last COP_FRAMES - 1 sealed frames, at most
   ws_backlog_bytes + COP_FRAME_MAX bytes of them, are kept for the pages
   behind */
#define COP_FRAMES 8192
_Static_assert(COP_FRAMES > MWX_COP_BACKLOG_MSGS, "the frames hold every page's backlog (a frame has >= 1 event)");
#define COP_SEAL_NS (10 * 1000000ll)
/* ... and with more pages, pages * cfg.frame_ms / 10 after the last seal (at
   most 1.25 * cfg.frame_ms; the node configuration's web_frame_ms, default
   MWX_COP_FRAME_MS = 20: 2 ms per page, at most 25 ms): every sealed frame
   is one TLS write (a record, a send, lws's POLLOUT round trip) per page,
   so the pages' writes stay at most 10 / frame_ms a second (500 with the
   default) however many pages (1-5 pages: 10 ms; 10 pages: frame_ms, up to
   frame_ms more on an event's way to the page; issue 15, nineteenth and
   twenty-fifth sessions) */
/* ... but a frame holding only *lazy* events (a fused track's member's
   Track event: the page draws the fused symbol and shows the member's
   sample in its tables, at most every COP_COALESCE_MEMBER_NS anyway; a
   refusal) is sealed COP_SEAL_LAZY_NS after its first event, unless an
   urgent event (any other) joins it first: lazy events ride with the next
   urgent frame, not a TLS write per page of their own (18% of a salvo's
   writes to ten pages; issue 15, twenty-second session) */
#define COP_SEAL_LAZY_NS (250 * 1000000ll)
/* the pushed frames' numbers: 13 significant digits (every time in them is
   whole ms below 1e13, i.e. exact; a position to 1e-11 degree); the
   snapshot and the API keep jansson's 17 */
#define COP_FRAME_JSON (JSON_COMPACT | JSON_REAL_PRECISION(13))
/* a snapshot (the whole picture, for a page past the backlog bound) is
   serialised once and given to every page that needs one in the next
   COP_SNAP_REUSE_NS; each then goes on from the frame after it */
#define COP_SNAP_REUSE_NS (1000 * 1000000ll)
#define COP_SNAP_DROPPED_W 20 /* the snapshot's "dropped" field: this many bytes, written per page */
#define COP_TRAIL 400
#define COP_PICTURE 2048
#define COP_BODY_MAX 4096
#define COP_TOKEN_HEX 64
#define COOKIE_NAME "mwx_session"
#define WS_PROTOCOL "mwx-cop.v1"
#define NS 1000000000ll
/* a page's session is looked at (cop_session_get: the accounts file's
   stat, the session table) at its writes at most this often: a page whose
   session ended is closed at its first write after that, at most this
   late */
#define COP_WS_SESSION_NS (1000 * 1000000ll)
/* a track's updates are pushed at most this often: the newest sample then */
#define COP_COALESCE_NS (50 * 1000000ll)
#define COP_COALESCE_KEYS 4096
/* ... and a nation's track that is a member of a fused track (the page
   draws the fused symbol, which the fused deltas move: they carry the
   picture; the nation's own sample is for its tables and the timeline's
   first steps) at most this often (1 s until issue 15's twenty-first
   session: three quarters of the Track events a page got in a salvo) */
#define COP_COALESCE_MEMBER_NS (5000 * 1000000ll)
/* the members of the fused tracks seen by the last walks (cop_member):
   open addressing, emptied when more than half full (the next walk fills
   it again) */
#define COP_MEMBER_SLOTS 4096
/* a partner's status goes with its RECEIVED events at most this often (its
   drops, its link and its journal head at once) */
#define COP_PARTNER_STATUS_NS (1000 * 1000000ll)
/* the flush timer asks for a look at the fused picture (made at the next
   seal: cop_fused_seal; one message for every changed global track) at
   most this often, and COP_FLUSH_MIN_NS after the first node event that may
   change it when the last look is older than that */
#define COP_FLUSH_NS (25 * 1000000ll)
#define COP_FLUSH_MIN_NS (2 * 1000000ll)
/* a fused entry whose data did not change (no newer member sample, the same
   contributors, members, launch point and prediction) but whose position at
   the pass's time moved on is in a delta at most this often */
#define COP_FUSED_REFRESH_NS (250 * 1000000ll)
#define COP_RELOOKS 12
/* the fusion passes seen (MWX_NODE_EV_PICTURE) and the fused deltas pushed:
   the last COP_PASS_N of each, for /api/stats "fuse_passes" */
#define COP_PASS_N 4096
/* a node event whose sample has not changed the fused picture after this long is forgotten */
#define COP_SRC_KEEP_MS 2000
#define COP_SLOWEST 12
#define COP_FUSED 512
/* the node Track events not yet reflected in a pushed fused delta (cop_src,
   cop_fused.c): one per source track (a nation's local track id), at most
   COP_SRC_MAX = four source tracks per fused symbol the server can show
   (COP_FUSED); a full table is pruned of those older than COP_SRC_KEEP_MS,
   and an event that still finds no room is not measured (wall_ms of a
   fused delta comes from the others), counted in /api/stats fuse_passes
   "events_untracked".  Open addressing in twice as many slots (linear
   probing, deletion by backward shift: no tombstones) */
#define COP_SRC_MAX (COP_FUSED * 4)
#define COP_SRC_SLOTS (COP_SRC_MAX * 2)
_Static_assert((COP_SRC_SLOTS & (COP_SRC_SLOTS - 1)) == 0, "a power of two (the hash is masked)");
/* the loop lag probe: a timer every 10 ms; its lateness, the last 6000 (60 s) */
#define COP_PROBE_NS (10 * 1000000ll)
#define COP_LAG_N 6000
#define COP_LAG_BUCKET_US 50
#define COP_LAG_BUCKETS 2000 /* 0..100 ms */
/* one WebSocket message (a frame) carries at most this many bytes of pushed
   events (more only when one event alone is bigger) */
#define COP_FRAME_MAX (256 * 1024)
/* the push protocol's tx_packet_size: lws writes at most this much (+ its
   head room) to the socket per call, the rest of a message waits for the
   socket's next POLLOUT.  Without it lws cuts at the protocol's receive
   buffer (4096 bytes): a 5-KB frame went out in two TLS records and two
   POLLOUT round trips (issue 15, twenty-seventh session).  A frame, or a
   catch-up message of frames, goes in one call. */
#define COP_WS_TX_BYTES (COP_FRAME_MAX + 16)

typedef struct cop_due { /* a pending track update's due (cop_push.c) */
  int64_t due;             /* mono ns */
  char key[160];           /* its track key ("type|ORIG|id") */
} cop_due;

typedef struct cop_session {
  int used;
  char token[COP_TOKEN_HEX + 1];
  char csrf[COP_TOKEN_HEX + 1];
  char name[MWX_COP_NAME_MAX + 1];
  unsigned char hash[COP_HASH_LEN]; /* of the account at log-in: a new password ends the session */
  int64_t created_mono, last_mono;
} cop_session;

typedef struct cop_limit {
  char key[MWX_COP_NAME_MAX + 8];
  int fails;
  int64_t first_mono;
} cop_limit;

/* what was last pushed of one fused track (a delta carries what changed) */
typedef struct cop_src { /* a source track's oldest node event not yet in a pushed fused delta */
  char id[MWX_ID_LEN + 1];  /* its local track id ("": a free slot) */
  int64_t wall_ms;          /* the event's wall ms (CLOCK_REALTIME) */
  int64_t t_ns;             /* the sample's time of validity (sim ns) */
  int stale;                /* its sample was no newer than its fused entry's newest member sample as
                               last pushed when the event came (the page already had newer data) */
  int passed;               /* deltas that moved its entry without reflecting it (the fuser had not
                               taken it in, or took no newer member sample: its sample newer than the
                               entry's newest) */
  int joining;              /* its track was in no fused entry shown when the event came: the page
                               drew that sample as the track's own symbol (its Track event), and the
                               delta that first carries it in a fused entry measures the fuser's
                               join (join_wait_us), not that update's way to the page */
} cop_src;

typedef struct cop_member { /* a local track id that a fused track has as a member (as last pushed) */
  char id[MWX_ID_LEN + 1];    /* ("": a free slot) */
  uint32_t g;                 /* the fused track (a member while the server shows it) */
} cop_member;

typedef struct cop_fused {
  uint32_t g;
  int64_t t_ns, impact_ns, launch_ns;
  int64_t t_last_ns; /* its newest member sample when last pushed (a pass at the same time may still move it) */
  uint8_t n_con;
  char con[MWX_MAX_NATIONS][MWX_NATION_LEN];
  int n_members;
  int seen;
  int64_t pushed_mono; /* mono ns of the last delta that carried it */
} cop_fused;

/* one push frame: the JSON array of the events pushed in one COP_SEAL_NS,
   shared by every page */
typedef struct cop_frame {
  unsigned char *buf;     /* LWS_PRE bytes of head room, then len bytes (cap allocated after LWS_PRE) */
  size_t len, cap;
  uint32_t n_events;
  uint64_t events_before; /* events in every frame before this one (a page's backlog in events) */
  uint64_t bytes_before;  /* bytes of every frame before this one (its backlog in bytes) */
  int64_t first_mono;     /* mono ns of its first event's push (push_ms) */
  int64_t urgent_mono;    /* ... of its first urgent (not lazy) event's push (0: lazy events only) */
  int64_t sealed_at;      /* mono ns of its seal (0: open) */
} cop_frame;

/* Where the web part's time goes (/api/stats "ws_lag_ms"): 1-ms buckets
 * since the start, the last one beyond. */
#define COP_WLAG_BUCKETS 2000
typedef struct cop_wlag {
  uint64_t n, max_us;
  uint32_t hist[COP_WLAG_BUCKETS + 1];
} cop_wlag;
/* adds ns to h */
void cop_wlag_add(cop_wlag *h, int64_t ns);
/* {n, p50, p99, max} in ms */
json_t *cop_wlag_json(const cop_wlag *h);

struct mwx_cop {
  mwx_cop_config cfg;
  mwx_node *node;
  mwx_node_loop *loop;
  char nation[MWX_NATION_LEN];
  int64_t epoch_ns;
  char url[160];
  uv_loop_t uv;
  int uv_inited, uv_fd_watched;
  int uv_fd;
  uint64_t uv_timer;
  struct lws_context *ctx;
  struct lws_protocols protocols[3];
  struct lws_http_mount mount_api, mount_files;
  struct lws_protocol_vhost_options hdr[6], mime[2];
  uint64_t sub_id;
  int subscribed;
  cop_accounts *acc;
  cop_file_id acc_id;
  cop_session sess[COP_SESSIONS];
  cop_limit lim[COP_LIMITS];
  cop_frame frames[COP_FRAMES]; /* seq % COP_FRAMES */
  uint64_t frame_head;  /* seq of the open frame (being filled, not written to any page yet) */
  uint64_t frame_tail;  /* seq of the oldest frame kept */
  uint64_t kept_bytes;  /* bytes of the sealed frames kept */
  uint64_t seal_timer;  /* 0: not armed */
  int64_t seal_due;     /* mono ns at which it fires */
  int64_t sealed_mono;  /* the last seal */
  unsigned char *snap;  /* the shared snapshot frame (LWS_PRE head room), or NULL */
  size_t snap_len, snap_dropped_at; /* its length; the offset of its "dropped" field after LWS_PRE */
  uint64_t snap_frame;  /* the frame a page goes on from after it */
  int64_t snap_mono;    /* when it was made */
  uint64_t uv_passes;  /* libuv passes run: a page gets at most one write per pass */
  struct ws_pss *pages; /* the established push connections (cop_ws_sealed writes to them at a seal) */
  int seal_direct;     /* 1 while seal_tick seals: cop_frames_seal writes the frame to the pages at once */
  int64_t open_mono;   /* mwx_cop_open's time */
  int busy_depth;      /* nesting of timed entries from the loop (busy_in) */
  int64_t busy_cpu0;   /* the loop thread's CPU time at the outermost entry */
  uint64_t io_calls;   /* lws callbacks for real I/O (requests, bodies, writes, WebSocket events): a pass
                          that had any is followed by another at once (uv_tick) */
  json_t *picture;    /* key "ORIG|Topic|id" -> sample (+ "trail" for tracks) */
  json_t *partners;   /* nation -> {alive, last_ms, received, dropped} */
  int ws_open;        /* pages connected to the push channel now (none: nothing is serialised) */
  json_t *pending;    /* track key -> its newest event not pushed yet (coalescing) */
  json_t *last_push;  /* track key -> mono ns of its last push */
  uint64_t coalesce_timer; /* 0: not armed */
  int64_t coalesce_due;    /* mono ns at which it fires */
  json_t *pending_due;     /* track key -> mono ns at which its pending update is due */
  cop_due *dues;           /* the pending updates' dues, a min-heap (coalesce_tick takes those due, not a
                              look at every pending track at every tick); an entry whose due is not
                              its key's pending_due any more is stale, skipped */
  size_t n_dues, cap_dues;
  /* the fused picture pushed as deltas (one symbol per global track) */
  cop_fused fused[COP_FUSED];
  size_t n_fused;
  uint64_t fused_timer;   /* 0: not armed */
  int64_t fused_due;      /* mono ns at which it fires */
  int64_t fused_src_ms;   /* wall ms of the oldest node event not yet reflected in a pushed delta (0: none):
                             a fused message's any_ms */
  cop_src src[COP_SRC_SLOTS]; /* a Track's local id (a fused entry's member) -> its oldest node event not
                             yet in a pushed delta (COP_SRC_MAX at most): a fused message's wall_ms is
                             the oldest of those its entries took in */
  size_t n_src;
  cop_member member[COP_MEMBER_SLOTS]; /* the fused tracks' members (cop_fused_member) */
  size_t n_member;
  /* the changed-since filter (mwx_node_fused_picture_since): the picture's
     version the pushed deltas have brought every page to (a page behind
     gets a snapshot, which is of the picture now); 0 with fused_ver_ok 0:
     none (the next walk is of the whole picture) */
  uint64_t fused_ver;
  int fused_ver_ok;
  int64_t fused_brief_mono; /* mono ns of the last walk that looked at the positions (COP_FUSED_REFRESH_NS) */
  json_t *partner_sent;    /* nation -> mono ns its status last went with a RECEIVED event */
  uint64_t src_untracked;   /* events that found the table full (after a prune): not measured */
  int64_t src_pruned_ms;    /* the last look for such events (a fused flush, at most every COP_SRC_KEEP_MS / 4) */
  uint64_t src_unreflected; /* such events that changed nothing shown within COP_SRC_KEEP_MS (dropped) */
  int64_t fused_last;     /* mono ns of the last flush (at most one per COP_FLUSH_NS) */
  int fused_idle;         /* flushes in a row that found nothing new */
  /* MWX_NODE_EV_PICTURE: the node says when a pass's picture is in (the
     fusion worker); from the first one on the server flushes on it and no
     longer looks again COP_RELOOKS times after each node event */
  uint64_t pic_events;
  /* the walk at the seal: a look at the fused picture is asked for (a
     pass's picture came, or the flush timer after a node event) and made
     once, when the open frame is sealed (cop_fused_seal), so that a frame
     carries one fused delta, of the picture as it is at the seal, however
     many passes came since the last one */
  int fused_want;
  uint64_t want_pass;               /* the first picture event not yet looked at (pic_events then) */
  int64_t pass_mono[COP_PASS_N];    /* mono ns of each picture event (its push_ms at the walk) */
  int32_t pass_wait_us[COP_PASS_N]; /* its oldest partner sample: taken -> the pass's start (-1: none) */
  int32_t pass_us[COP_PASS_N];      /* the pass (wall) */
  int32_t pass_take_us[COP_PASS_N]; /* its end -> the event (the loop's take-back) */
  int32_t pass_push_us[COP_PASS_N]; /* the event -> its delta pushed (-1: the pass changed nothing shown) */
  int32_t fused_wait_us[COP_PASS_N]; /* per delta pushed: its oldest node event -> the push */
  uint64_t fused_wait_n;
  /* per Track event reflected in a pushed delta: its node event -> the walk
     that pushed it, this nation's own tracks and partners' apart */
  int32_t own_wait_us[COP_PASS_N], partner_wait_us[COP_PASS_N];
  uint64_t own_wait_n, partner_wait_n;
  int32_t join_wait_us[COP_PASS_N]; /* a joining track's first event -> the delta that first carries it */
  uint64_t join_wait_n;
  /* of the Track events reflected (own and partners'), those stale when they came and those
     passed over by a delta of their entry first (cop_src): their waits */
  int32_t stale_wait_us[COP_PASS_N], passed_wait_us[COP_PASS_N];
  uint64_t stale_wait_n, passed_wait_n;
  /* the slowest Track events reflected since the start (/api/stats fuse_passes "slowest"): which
     events make the node's part's tail */
  struct cop_slow_ev {
    int32_t wait_us;
    char id[MWX_ID_LEN + 1];
    int stale, passed, members;
    int64_t lead_ns;  /* the entry's newest member sample - the event's sample (time of validity) */
    int64_t sim_s;    /* the exercise's second when it was reflected */
  } slowest[COP_SLOWEST];
  /* loop lag probe: lateness of a COP_PROBE_NS timer, the last COP_LAG_N */
  uint64_t probe_timer;
  int64_t probe_due;
  uint64_t ws_nodelay_set; /* pages whose socket had no TCP_NODELAY until cop_ws.c set it */
  cop_wlag wl_seal;  /* an event's push -> its frame sealed */
  cop_wlag wl_write; /* the oldest event of a write's frames pushed -> the write to a page returned */
  cop_wlag wl_queue; /* its frame sealed -> that write returned (the loop's turn, the TLS write) */
  cop_wlag wl_call;  /* the lws_write call itself (encryption and the socket) */
  int32_t lag_us[COP_LAG_N];
  uint64_t lag_n;
  uint64_t lag_hist[COP_LAG_BUCKETS + 1]; /* every run since the start: COP_LAG_BUCKET_US wide, the last: beyond */
  int logins_pending;      /* password checks on libuv's thread pool (close waits for them) */
  int64_t api_slowest_ns;  /* the slowest API call since the start (/api/stats "api_slowest") */
  char api_slowest[144];
  uint64_t api_ns_total;
  mwx_cop_stats st;
};

typedef struct fused_walk {
  mwx_cop *c;
  json_t *tracks; /* entries changed (or all, with full) */
  int full;       /* the whole picture (GET /api/picture): every entry, launch and impact, trail */
  json_t *trails; /* with full: nation's track id -> its trail (from the picture, made once per walk) */
  int64_t src_ms; /* not full: the oldest node event the changed entries reflect (0: none) */
  int64_t now_ms; /* not full: the walk's wall ms (each reflected event's wait is measured to it) */
  int64_t now_mono; /* not full: the walk's mono ns (COP_FUSED_REFRESH_NS) */
  int whole;        /* not full: the walk is of every entry (no version to start from): unseen slots are gone */
  json_t *gone;     /* not full: the global tracks gone (left the picture, or fallen) */
  json_t *brief;    /* not full: the entries that only moved, brief (arrays: cop_fused.c brief_json) */
} fused_walk;

/* A log-in's password check on libuv's thread pool (cop_http.c): the
 * account copied, the password until checked (then wiped). */
typedef struct cop_login_job {
  uv_work_t req;
  mwx_cop *c;
  struct lws *wsi; /* NULL once the connection closed: freed by login_done */
  int has;         /* the name is an account (else the same work against a dummy) */
  cop_account acc;
  char pw[MWX_COP_PASSWORD_MAX + 1];
  char kip[80], kname[MWX_COP_NAME_MAX + 8];
  int ok;   /* cop_account_check's result */
  int done; /* the check finished (loop thread) */
} cop_login_job;

/* One HTTP request's state (lws per-session data of the "http" protocol). */
typedef struct http_pss {
  char uri[128];
  int post;
  char *body;
  size_t body_len;
  int body_too_big;
  char *resp;
  size_t resp_len, resp_sent;
  int status;
  int answered; /* a response was started: later body callbacks are ignored */
  char set_cookie[160];
  cop_login_job *login; /* a log-in whose password is being checked */
} http_pss;

/* One page's push channel (lws per-session data of the WebSocket protocol). */
typedef struct ws_pss {
  struct lws *wsi;     /* its connection (set when established; NULL: not in the pages list) */
  struct ws_pss *page_prev, *page_next; /* the pages list (mwx_cop.pages) */
  int dead;            /* a write at the seal failed: closed at its next writeable callback */
  uint64_t next;       /* seq of the next frame this page gets */
  uint64_t wrote_pass; /* the libuv pass of its last write */
  int64_t checked_mono; /* mono ns its session was last found valid (0: never) */
  char token[COP_TOKEN_HEX + 8];
} ws_pss;

/* ---- cop.c ---- */

/* The wall clock in ms (the pages' time base for latency figures). */
int64_t cop_wall_ms(void);
/* Time an entry from the node's loop: t0 = cop_busy_in(c) ... cop_busy_out(c,
 * t0); nested entries count once (mwx_cop_stats.loop_ns / loop_calls). */
int64_t cop_busy_in(mwx_cop *c);
void cop_busy_out(mwx_cop *c, int64_t t0);
/* Asks for a libuv pass at once (after anything done to lws from outside
 * its own callbacks, which libuv would otherwise apply only on its next
 * pass). */
void cop_kick(mwx_cop *c);
/* The node's exercise time now (ns UTC). */
int64_t cop_node_sim_ns(mwx_cop *c);

/* ---- cop_session.c ---- */

/* Rereads the accounts file if it changed since the last read; a file that
 * fails to parse keeps the previous table (and says so on stderr). */
void cop_accounts_refresh(mwx_cop *c);
/* The valid session of token (64 hex), or NULL: not expired (idle or max
 * age), its account still there with the same password; touch: counts as
 * activity.  An expired session is wiped. */
cop_session *cop_session_get(mwx_cop *c, const char *token, int touch);
/* The role of the session's account now (0 when it is gone). */
mwx_cop_role cop_session_role(mwx_cop *c, const cop_session *s);
/* A new session for account a (the least recently used slot when all
 * COP_SESSIONS are taken), with fresh random token and CSRF token; NULL
 * when the random generator fails. */
cop_session *cop_session_new(mwx_cop *c, const cop_account *a);
/* Whether key ("ip:ADDR", "name:NAME") has login_burst failed log-ins in
 * the current login_window_s; cop_limit_fail counts one more. */
int cop_limited(mwx_cop *c, const char *key);
void cop_limit_fail(mwx_cop *c, const char *key);

/* ---- cop_push.c ---- */

/* The open frame's seal interval with the pages connected now (at least
 * COP_SEAL_NS, cfg.frame_ms / 10 per page, at most 1.25 * cfg.frame_ms). */
int64_t cop_seal_ns(const mwx_cop *c);

/* Stamps o with push_ms and serialises it into the open frame (o stays the
 * caller's), sealing that frame first if it would pass COP_FRAME_MAX; arms
 * the seal (COP_SEAL_NS after the last one, at once when that is past).
 * Nothing is done while no page is connected. */
void cop_push_now(mwx_cop *c, json_t *o);
/* The same for a lazy event (COP_SEAL_LAZY_NS): its frame sealed with the
 * next urgent event, COP_SEAL_LAZY_NS after the frame's first event at the
 * latest. */
void cop_push_lazy(mwx_cop *c, json_t *o);
/* Seals the open frame if it holds any event (the pages are asked to write
 * it), drops the oldest frames past the bounds. */
void cop_frames_seal(mwx_cop *c);
/* A frame was just sealed (cop_frames_seal).  direct = 0: every page is
 * asked for a writeable callback (lws_callback_on_writable_all_protocol),
 * which writes it.  direct = 1 (only from the seal timer, outside any lws
 * callback): each page that had every frame before it, whose session was
 * looked at less than COP_WS_SESSION_NS ago and with nothing of lws's
 * buffered, gets the frame written now (lws_write: the same bytes, counted
 * in ws_direct); only the others wait for their POLLOUT.  Loop thread. */
void cop_ws_sealed(mwx_cop *c, int direct);
/* Arms the seal as an urgent event would (cop_seal_ns after the last seal,
 * at once when that is past), for a look at the fused picture asked for
 * (fused_want) whether or not the open frame holds an event yet. */
void cop_seal_arm(mwx_cop *c);
/* A frame's size limits: a quarter of the page backlog bound (bytes, at
 * most COP_FRAME_MAX; events, at least 1). */
size_t cop_frame_cap_bytes(const mwx_cop *c);
uint32_t cop_frame_cap_events(const mwx_cop *c);
/* Frees every frame and the snapshot (close). */
void cop_frames_free(mwx_cop *c);
/* The node's event subscriber (mwx_node_subscribe): the picture, partners,
 * the push frames, the fused picture's flush. */
void cop_on_node_event(void *vc, const mwx_node_event *ev);
/* GET /api/queue's body (new reference); *status 500 with {"error"} when
 * the journal cannot be read. */
json_t *cop_queue_json(mwx_cop *c, int *status);
/* The whole picture (GET /api/picture, and a page's snapshot): new
 * reference. */
json_t *cop_picture_json(mwx_cop *c);

/* ---- cop_fused.c ---- */

/* mwx_node_fused_picture's visitor: with w->full, every entry in full into
 * w->tracks; else only what changed since the last push (cop_fused). */
void cop_fused_visit(void *vw, const mwx_node_fused_entry *e);
/* Arms the fused picture's flush delay_ns from now, no sooner than
 * COP_FLUSH_NS after the last one, unless it is due sooner already. */
void cop_fused_arm(mwx_cop *c, int64_t delay_ns);
/* MWX_NODE_EV_PICTURE: the pass's figures kept; a look at the fused
 * picture asked for at the next seal (pages connected). */
void cop_fused_picture(mwx_cop *c, const mwx_node_event *ev);
/* The seal's look (the open frame is about to be sealed): when one was
 * asked for, the fused picture's changes since the last look pushed into
 * the open frame (one message), and fused_want cleared. */
void cop_fused_seal(mwx_cop *c);
/* A node event of a Track sample (own or received) at wall_ms: kept as its
 * track's oldest not yet in a pushed delta, until a delta carries a fused
 * entry with that track as a member whose newest member sample is at
 * least as new (the delta's wall_ms is the oldest so reflected). */
void cop_fused_track(mwx_cop *c, const mwx_msg_track *t, int64_t wall_ms);
/* Whether the local track id is a member of a fused track that the last
 * or the one before of the fused picture's walks saw. */
int cop_fused_member(const mwx_cop *c, const char *id);
/* /api/stats "fuse_passes": {passes, wait_ms, pass_ms, take_ms, push_ms,
 * delta_wait_ms}, each {n, p50, p99, max} over the last COP_PASS_N. */
json_t *cop_fused_stats_json(const mwx_cop *c);

/* ---- cop_http.c, cop_ws.c: the lws protocol callbacks ---- */

int cop_cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
int cop_cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/* The session cookie's value (or ""). */
void cop_cookie_token(struct lws *wsi, char *out, size_t cap);
/* Whether an lws callback reason means I/O happened (not poll bookkeeping):
 * the pass that made it is followed by another at once. */
int cop_io_reason(enum lws_callback_reasons r);

#endif /* MWX_COP_INT_H */
