/*
 * cop_ws.c - the push channel: a page's WebSocket (same origin, valid
 * session) gets every ring message it has not had, one write per libuv
 * pass, batched as one JSON array; a page too far behind gets a snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cop/cop_int.h"

static int origin_ok(struct lws *wsi) {
  char origin[256] = "", host[200] = "";
  if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0 ||
      lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
    return 0;
  const char *o = strstr(origin, "://");
  return o && !strcmp(o + 3, host);
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
  case LWS_CALLBACK_ESTABLISHED:
    cop_cookie_token(wsi, w->token, sizeof w->token);
    w->next = c->ring_head;
    c->st.ws_clients++;
    c->ws_open++;
    return 0;
  case LWS_CALLBACK_CLOSED:
    if (c->ws_open > 0)
      c->ws_open--;
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE: {
    if (!cop_session_get(c, w->token, 0)) {
      lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"session ended", 13);
      return -1;
    }
    if (w->next >= c->ring_head)
      return 0;
    if (w->wrote_pass == c->uv_passes || lws_send_pipe_choked(wsi)) {
      /* one write per page per libuv pass: the next pass (after the node's
         own work) writes the rest */
      lws_callback_on_writable(wsi);
      return 0;
    }
    w->wrote_pass = c->uv_passes;
    uint64_t behind = c->ring_head - w->next;
    uint64_t behind_bytes = behind <= COP_RING ? c->ring_bytes - c->ring[w->next % COP_RING].bytes_before : UINT64_MAX;
    if (behind > (uint64_t)c->cfg.ws_backlog_msgs || behind_bytes > c->cfg.ws_backlog_bytes) {
      /* too far behind: what it has not had is dropped, the whole picture
         instead (the page starts over from it) */
      c->st.ws_dropped += behind;
      c->st.ws_resyncs++;
      json_t *snap = cop_picture_json(c);
      json_object_set_new(snap, "type", json_string("snapshot"));
      json_object_set_new(snap, "dropped", json_integer((json_int_t)behind));
      json_t *arr = json_pack("[o]", snap);
      char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
      json_decref(arr);
      w->next = c->ring_head;
      if (!text)
        return -1;
      size_t len = strlen(text);
      unsigned char *b = malloc(LWS_PRE + len);
      if (!b) {
        free(text);
        return -1;
      }
      memcpy(b + LWS_PRE, text, len);
      free(text);
      int wr = lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_TEXT);
      free(b);
      if (wr < (int)len)
        return -1;
      c->st.ws_frames++;
      return 0;
    }
    /* every message the page has not had yet (up to COP_FRAME_MAX bytes), as
       one JSON array in one WebSocket message (one event in the page) */
    size_t total = 0, k = 0;
    for (uint64_t q = w->next; q < c->ring_head; q++, k++) {
      const ring_msg *r = &c->ring[q % COP_RING];
      if (k && total + r->len + 1 > COP_FRAME_MAX)
        break;
      total += r->len + 1;
    }
    unsigned char *b = malloc(LWS_PRE + total + 2);
    if (!b)
      return -1;
    size_t at = LWS_PRE;
    b[at++] = '[';
    for (size_t i = 0; i < k; i++, w->next++) {
      const ring_msg *r = &c->ring[w->next % COP_RING];
      if (!r->buf)
        continue;
      if (at > LWS_PRE + 1)
        b[at++] = ',';
      memcpy(b + at, r->buf + LWS_PRE, r->len);
      at += r->len;
      c->st.ws_sent++;
    }
    b[at++] = ']';
    size_t len = at - LWS_PRE;
    int wr = lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_TEXT);
    free(b);
    if (wr < (int)len)
      return -1;
    c->st.ws_frames++;
    if (w->next < c->ring_head)
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
