/*
 * cop_ws.c - the push channel: a page's WebSocket (same origin, valid
 * session) gets every push frame it has not had, as it was sealed (the same
 * bytes for every page): a page that had every frame before gets it at its
 * seal, from the seal timer (cop_ws_sealed: no POLLOUT round trip, no libuv
 * pass), the others at their writeable callback, one write per libuv pass;
 * a page too far behind gets the shared snapshot and goes on from the frame
 * after it.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cop/cop_int.h"

static int origin_ok(struct lws *wsi) {
  char origin[256] = "", host[200] = "";
  if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0 ||
      lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
    return 0;
  const char *o = strstr(origin, "://");
  return o && !strcmp(o + 3, host);
}

/* Makes the shared snapshot if there is none that page w can use (one made
 * in the last COP_SNAP_REUSE_NS, at a frame after the page's next one that
 * is still kept, leaving the page within its backlog bound), sealing the open frame first so that the snapshot holds every
 * event before snap_frame and none after; writes the page's own "dropped"
 * (the events from its position, events_at, to the snapshot) into its field;
 * counts the resync; moves the page to snap_frame.  0 or -1. */
static int resync(mwx_cop *c, ws_pss *w, uint64_t events_at) {
  int64_t now = mwx_node_mono_ns();
  /* the shared snapshot serves this page if it is recent, skips something
     of this page's backlog and leaves it within the bound */
  const cop_frame *open = &c->frames[c->frame_head % COP_FRAMES];
  const cop_frame *at = c->snap && c->snap_frame >= c->frame_tail ? &c->frames[c->snap_frame % COP_FRAMES] : NULL;
  int usable = at && now - c->snap_mono <= COP_SNAP_REUSE_NS && c->snap_frame > w->next &&
               open->events_before - at->events_before <= (uint64_t)c->cfg.ws_backlog_msgs &&
               open->bytes_before - at->bytes_before <= c->cfg.ws_backlog_bytes;
  if (!usable) {
    cop_frames_seal(c);
    free(c->snap);
    c->snap = NULL;
    json_t *snap = cop_picture_json(c);
    char *text = snap ? json_dumps(snap, JSON_COMPACT) : NULL;
    json_decref(snap);
    if (!text || text[0] != '{' || text[1] == '}') {
      free(text);
      return -1;
    }
    static const char head[] = "[{\"type\":\"snapshot\",\"dropped\":";
    size_t tl = strlen(text), hl = sizeof head - 1;
    /* "[{"type":"snapshot","dropped":<20 bytes>," + the picture's members + "]" */
    c->snap_len = hl + COP_SNAP_DROPPED_W + 1 + (tl - 1) + 1;
    c->snap = malloc(LWS_PRE + c->snap_len);
    if (!c->snap) {
      free(text);
      return -1;
    }
    unsigned char *b = c->snap + LWS_PRE;
    memcpy(b, head, hl);
    c->snap_dropped_at = hl;
    memset(b + hl, ' ', COP_SNAP_DROPPED_W);
    b[hl + COP_SNAP_DROPPED_W] = ',';
    memcpy(b + hl + COP_SNAP_DROPPED_W + 1, text + 1, tl - 1);
    b[c->snap_len - 1] = ']';
    free(text);
    c->snap_frame = c->frame_head;
    c->snap_mono = now;
    c->st.ws_snapshots++;
  }
  uint64_t at_snap = c->frames[c->snap_frame % COP_FRAMES].events_before; /* (kept, or the open frame) */
  uint64_t dropped = at_snap > events_at ? at_snap - events_at : 0;
  char num[COP_SNAP_DROPPED_W + 1];
  snprintf(num, sizeof num, "%*llu", COP_SNAP_DROPPED_W, (unsigned long long)dropped); /* (JSON: blanks, then the number) */
  memcpy(c->snap + LWS_PRE + c->snap_dropped_at, num, COP_SNAP_DROPPED_W);
  c->st.ws_dropped += dropped;
  c->st.ws_resyncs++;
  w->next = c->snap_frame;
  return 0;
}

/* a write to a page returned (the call started at t0): the lags of its
 * oldest frame f (push -> write, seal -> write, the call) */
static void write_lags(mwx_cop *c, const cop_frame *f, int64_t t0) {
  int64_t now = mwx_node_mono_ns();
  if (f->urgent_mono) /* (from its first urgent event: a lazy one's wait is by design) */
    cop_wlag_add(&c->wl_write, now - f->urgent_mono);
  cop_wlag_add(&c->wl_queue, now - f->sealed_at);
  cop_wlag_add(&c->wl_call, now - t0);
}

/* the counts of a write of len bytes that lws took (wr >= len) */
static void wrote(mwx_cop *c, struct lws *wsi, size_t len) {
  c->st.ws_bytes += len;
  c->st.ws_frames++;
  if (lws_partial_buffered(wsi))
    c->st.ws_partial++;
}

/* Writes w's next frame f (its last sealed frame: the page had every one
 * before) to it; 0, or -1 (lws could not write: the page is to close). */
static int write_next(mwx_cop *c, struct lws *wsi, ws_pss *w, const cop_frame *f) {
  /* the frame's own bytes, as every page gets them (lws writes the
     WebSocket header into the head room; what the socket does not take is
     copied by lws and written at its next POLLOUT) */
  int64_t t0 = mwx_node_mono_ns();
  int wr = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
  if (wr < (int)f->len)
    return -1;
  write_lags(c, f, t0);
  wrote(c, wsi, f->len);
  c->st.ws_sent += f->n_events;
  w->next++;
  return 0;
}

void cop_ws_sealed(mwx_cop *c, int direct) {
  if (!c->ctx)
    return;
  if (!direct) {
    lws_callback_on_writable_all_protocol(c->ctx, &c->protocols[1]);
    cop_kick(c);
    return;
  }
  int64_t now = mwx_node_mono_ns();
  int wait = 0;
  for (ws_pss *w = c->pages; w; w = w->page_next) {
    /* (lws_write from outside its callbacks: lws 4.1's lws_issue_raw
       sends at once or keeps the rest and asks for POLLOUT itself; the
       server speaks HTTP/1.1 only, no HTTP/2 stream to schedule) */
    if (!w->dead && w->next + 1 == c->frame_head && w->next >= c->frame_tail && w->checked_mono &&
        now - w->checked_mono < COP_WS_SESSION_NS && !lws_partial_buffered(w->wsi)) {
      if (!write_next(c, w->wsi, w, &c->frames[w->next % COP_FRAMES])) {
        c->st.ws_direct++;
        continue;
      }
      w->dead = 1; /* (closed from its callback) */
    }
    lws_callback_on_writable(w->wsi);
    wait = 1;
  }
  if (wait)
    cop_kick(c); /* (libuv applies the POLLOUT interests at its next pass) */
}

int cop_cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  ws_pss *w = user;
  mwx_cop *c = lws_context_user(lws_get_context(wsi));
  (void)in;
  (void)len;
  if (c && cop_io_reason(reason))
    c->io_calls++;
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    char tok[COP_TOKEN_HEX + 8];
    cop_cookie_token(wsi, tok, sizeof tok);
    c->st.requests++;
    if (!origin_ok(wsi) || !cop_session_get(c, tok, 1)) {
      c->st.api_refused++;
      return 1; /* refused: no session, or a page of another origin */
    }
    return 0;
  }
  case LWS_CALLBACK_ESTABLISHED: {
    /* a push is one small write: Nagle's algorithm would hold it behind the
       page's delayed ACK (up to 40 ms on Linux).  Counted when lws had not
       set TCP_NODELAY itself (/api/stats ws_nodelay_set). */
    int fd = (int)lws_get_socket_fd(wsi), on = 0;
    socklen_t ol = sizeof on;
    if (fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &ol) == 0 && !on) {
      on = 1;
      if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0)
        c->ws_nodelay_set++;
    }
  }
    cop_cookie_token(wsi, w->token, sizeof w->token);
    w->next = c->frame_head; /* (the open frame: the first it gets) */
    w->wsi = wsi;
    w->page_prev = NULL;
    w->page_next = c->pages;
    if (c->pages)
      c->pages->page_prev = w;
    c->pages = w;
    c->st.ws_clients++;
    c->ws_open++;
    return 0;
  case LWS_CALLBACK_CLOSED:
    if (w && w->wsi == wsi) { /* (out of the pages list) */
      if (w->page_prev)
        w->page_prev->page_next = w->page_next;
      else
        c->pages = w->page_next;
      if (w->page_next)
        w->page_next->page_prev = w->page_prev;
      w->wsi = NULL;
    }
    if (c->ws_open > 0)
      c->ws_open--;
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE: {
    /* its session still valid (the accounts file looked at, the sessions
       searched): at most every COP_WS_SESSION_NS, not at every write (ten
       pages, ~150 writes a second in a salvo) */
    if (w->dead)
      return -1; /* (a write at the seal failed) */
    int64_t now = mwx_node_mono_ns();
    if (!w->checked_mono || now - w->checked_mono >= COP_WS_SESSION_NS) {
      if (!cop_session_get(c, w->token, 0)) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"session ended", 13);
        return -1;
      }
      w->checked_mono = now;
    }
    if (w->next >= c->frame_head)
      return 0; /* up to date (the open frame is written when sealed) */
    /* (lws_partial_buffered, not lws_send_pipe_choked: this callback comes
       from the socket's POLLOUT, so it is writable, and lws never calls it
       with a write of its own still buffered; the choked test added a
       poll() system call to every write to every page: issue 15,
       twenty-fourth session) */
    if (w->wrote_pass == c->uv_passes || lws_partial_buffered(wsi)) {
      /* one write per page per libuv pass: the next pass (after the node's
         own work) writes the rest */
      lws_callback_on_writable(wsi);
      return 0;
    }
    w->wrote_pass = c->uv_passes;
    const cop_frame *open = &c->frames[c->frame_head % COP_FRAMES];
    uint64_t ev_now = open->events_before, by_now = open->bytes_before;
    int kept = w->next >= c->frame_tail;
    const cop_frame *f = kept ? &c->frames[w->next % COP_FRAMES] : NULL;
    if (!kept || ev_now - f->events_before > (uint64_t)c->cfg.ws_backlog_msgs ||
        by_now - f->bytes_before > c->cfg.ws_backlog_bytes) {
      /* too far behind: what it has not had is dropped, the whole picture
         instead; it goes on from the frame after the snapshot */
      if (resync(c, w, kept ? f->events_before : c->frames[c->frame_tail % COP_FRAMES].events_before))
        return -1;
      int wr = lws_write(wsi, c->snap + LWS_PRE, c->snap_len, LWS_WRITE_TEXT);
      if (wr < (int)c->snap_len)
        return -1;
      wrote(c, wsi, c->snap_len);
      if (w->next < c->frame_head)
        lws_callback_on_writable(wsi);
      return 0;
    }
    if (w->next + 1 == c->frame_head)
      return write_next(c, wsi, w, f); /* up to date but for the last frame */
    /* behind by several frames (a page catching up): their events joined
       into one message of at most COP_FRAME_MAX bytes (this page's own copy) */
    size_t total = 0;
    uint64_t q = w->next;
    for (; q < c->frame_head; q++) {
      size_t l = c->frames[q % COP_FRAMES].len;
      if (q > w->next && total + l > COP_FRAME_MAX)
        break;
      total += l;
    }
    unsigned char *b = malloc(LWS_PRE + total + 2);
    if (!b)
      return -1;
    size_t at = LWS_PRE;
    uint64_t evs = 0;
    b[at++] = '[';
    for (; w->next < q; w->next++) {
      const cop_frame *g = &c->frames[w->next % COP_FRAMES];
      if (at > LWS_PRE + 1)
        b[at++] = ',';
      memcpy(b + at, g->buf + LWS_PRE + 1, g->len - 2); /* (the events between its brackets) */
      at += g->len - 2;
      evs += g->n_events;
    }
    b[at++] = ']';
    size_t len = at - LWS_PRE;
    int64_t t0 = mwx_node_mono_ns();
    int wr = lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_TEXT);
    free(b);
    if (wr < (int)len)
      return -1;
    write_lags(c, f, t0);
    wrote(c, wsi, len);
    c->st.ws_sent += evs;
    if (w->next < c->frame_head)
      lws_callback_on_writable(wsi);
    return 0;
  }
  case LWS_CALLBACK_RECEIVE:
    return 0; /* the page sends nothing that matters */
  default:
    break;
  }
  return 0;
}
