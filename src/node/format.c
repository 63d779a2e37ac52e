/*
 * format.c - the node's events and counters as text, shared by the
 * programs (mwx run, mwxd, mwx demo): one line per event, and the summary
 * table (or one JSON object) of mwx_node_stats.
 *
 * Every string that can come from a partner (nation, ids, rule id, the
 * detail of a dropped sample) goes through mwx_text_escape before it is
 * printed, so that one event is one line of plain ASCII whatever the partner
 * sent (decode already refuses control characters; this is the second wall).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/node.h"
#include "mwx/text.h"
#include "node_int.h"

const char *mwx_node_drop_name(mwx_node_drop d) {
  switch (d) {
  case MWX_NODE_DROP_SIGNATURE: return "signature";
  case MWX_NODE_DROP_REPLAY: return "replay";
  case MWX_NODE_DROP_OTHER: return "other";
  case MWX_NODE_DROP_REVOKED: return "revoked";
  default: return "";
  }
}

static const char *event_name(mwx_node_event_kind k) {
  switch (k) {
  case MWX_NODE_EV_RELEASED: return "RELEASED";
  case MWX_NODE_EV_HELD: return "HELD";
  case MWX_NODE_EV_REFUSED: return "REFUSED";
  case MWX_NODE_EV_APPROVED: return "APPROVED";
  case MWX_NODE_EV_DENIED: return "DENIED";
  case MWX_NODE_EV_RECEIVED: return "RECEIVED";
  case MWX_NODE_EV_DROPPED: return "DROPPED";
  case MWX_NODE_EV_PARTNER: return "PARTNER";
  case MWX_NODE_EV_DONE: return "DONE";
  case MWX_NODE_EV_SAMPLE: return "SAMPLE";
  case MWX_NODE_EV_FUSED: return "FUSED";
  case MWX_NODE_EV_ALERT: return "ALERT";
  case MWX_NODE_EV_PICTURE: return "PICTURE";
  case MWX_NODE_EV_SLOWPASS: return "SLOWPASS";
  case MWX_NODE_EV_MEMORY: return "MEM";
  }
  return "?";
}

void mwx_node_event_format(const char *nation, int64_t epoch_ns, const mwx_node_event *ev, char *buf, size_t cap) {
  const mwx_msg *m = ev->msg;
  /* escaped copies of what a partner controls */
  char partner[4 * MWX_NATION_LEN], id[4 * MWX_ID_LEN], rule[4 * MWX_ID_LEN], detail[4 * sizeof ev->detail];
  mwx_text_escape(ev->partner, partner, sizeof partner);
  mwx_text_escape(m ? node_msg_id(m, "-") : "-", id, sizeof id);
  mwx_text_escape(m && m->mark.rule_id[0] ? m->mark.rule_id : "-", rule, sizeof rule);
  mwx_text_escape(ev->detail, detail, sizeof detail);
  double t = (double)(ev->sim_ns - epoch_ns) / 1e9;
  size_t w = 0;
#define PUT(...)                                                          \
  do {                                                                    \
    if (w < cap) {                                                        \
      int r_ = snprintf(buf + w, cap - w, __VA_ARGS__);                   \
      w += r_ > 0 ? (size_t)r_ : 0;                                       \
    }                                                                     \
  } while (0)
  if (!cap)
    return;
  buf[0] = 0;
  switch (ev->kind) {
  case MWX_NODE_EV_RECEIVED:
    PUT("%s <- %s %s %s seq=%llu rule=%s verified", nation, partner, mwx_msg_topic_name((mwx_msg_topic)m->topic), id,
        (unsigned long long)m->mark.seq, rule);
    if (ev->latency_ms >= 0) {
      PUT(", %.1f ms after %s", ev->latency_ms, m->topic == MWX_TOPIC_TRACK ? "plot" : "its time");
      if (ev->recv_latency_ms >= 0)
        PUT(" (%.1f at reception)", ev->recv_latency_ms);
    }
    PUT(" (t=%+.0fs, record %llu)", t, (unsigned long long)ev->record_id);
    break;
  case MWX_NODE_EV_DROPPED:
    PUT("%s <- %s DROPPED %s (record %llu)", nation, partner, detail, (unsigned long long)ev->record_id);
    break;
  case MWX_NODE_EV_PARTNER:
    PUT("%s partner %s %s", nation, partner, ev->alive ? "alive" : "lost");
    break;
  case MWX_NODE_EV_DONE:
    PUT("%s DONE scenario over (t=%+.1fs)", nation, t);
    break;
  case MWX_NODE_EV_FUSED:
    PUT("%s FUSED %s track %u t=%+.1fs impact %.2f %.2f", nation, id, m ? m->u.impact.global_track_no : 0, t,
        m ? m->u.impact.lat_deg : 0.0, m ? m->u.impact.lon_deg : 0.0);
    break;
  case MWX_NODE_EV_PICTURE:
    PUT("%s PICTURE pass %llu t=%+.1fs %s", nation, (unsigned long long)ev->item, t, detail);
    break;
  case MWX_NODE_EV_ALERT: {
    char regions[4 * MWX_TEXT_LEN];
    mwx_text_escape(m ? m->u.alert.regions : "", regions, sizeof regions);
    static const char *const act[] = {"issue", "update", "cancel"};
    PUT("%s ALERT %s %s severity=%u regions=%s t=%+.1fs (%s)", nation, id,
        m && m->u.alert.action < 3 ? act[m->u.alert.action] : "?", m ? m->u.alert.severity : 0, regions, t, detail);
    break;
  }
  default:
    PUT("%s %s %s t=%+.1fs", nation, event_name(ev->kind), partner, t);
    if (m)
      PUT(" topic=%s seq=%llu rule=%s", mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq,
          rule);
    PUT(" record=%llu", (unsigned long long)ev->record_id);
    if (ev->item)
      PUT(" item=%llu", (unsigned long long)ev->item);
    if (ev->detail[0] && ev->kind != MWX_NODE_EV_RELEASED)
      PUT(" (%s)", detail);
  }
#undef PUT
}

static const mwx_msg_topic topics[] = {MWX_TOPIC_TRACK, MWX_TOPIC_LAUNCH, MWX_TOPIC_IMPACT, MWX_TOPIC_ALERT,
                                       MWX_TOPIC_STATUS};

void mwx_node_stats_print(FILE *f, const mwx_node_stats *st, const char *nation, double wall_s, int json) {
  if (json) {
    json_t *o = json_object(), *ps = json_array();
    json_object_set_new(o, "nation", json_string(nation));
    json_object_set_new(o, "plots", json_integer((json_int_t)st->plots));
    json_object_set_new(o, "tracks_confirmed", json_integer((json_int_t)st->tracks_confirmed));
    json_object_set_new(o, "samples", json_integer((json_int_t)st->samples));
    json_object_set_new(o, "records", json_integer((json_int_t)st->records));
    json_object_set_new(o, "received", json_integer((json_int_t)st->received));
    json_object_set_new(o, "dropped", json_integer((json_int_t)st->dropped));
    json_object_set_new(o, "picture_retired", json_integer((json_int_t)st->picture_retired)); /* not an overflow */
    json_object_set_new(o, "wall_s", json_real(wall_s));
    json_t *ov = json_object(); /* the bounded queues and tables (docs/architecture.md "Bounds") */
    json_object_set_new(ov, "tracks_evicted", json_integer((json_int_t)st->tracks_evicted));
    json_object_set_new(ov, "picture_dropped", json_integer((json_int_t)st->picture_dropped));
    json_object_set_new(ov, "picture_evicted", json_integer((json_int_t)st->picture_evicted));
    json_object_set_new(ov, "fits_dropped", json_integer((json_int_t)st->fits_dropped));
    json_object_set_new(ov, "handover_dropped", json_integer((json_int_t)st->handover_dropped));
    json_object_set_new(ov, "tracks_refused", json_integer((json_int_t)st->tracks_refused));
    json_object_set_new(ov, "pending_dropped", json_integer((json_int_t)st->pending_dropped));
    json_object_set_new(o, "overflows", ov);
    for (int i = 0; i < st->n_partners; i++) {
      const mwx_node_partner_stats *p = &st->partner[i];
      json_t *po = json_object(), *rel = json_object();
      json_object_set_new(po, "partner", json_string(p->nation));
      for (size_t t = 0; t < sizeof topics / sizeof topics[0]; t++)
        json_object_set_new(rel, mwx_msg_topic_name(topics[t]), json_integer((json_int_t)p->released[topics[t]]));
      json_object_set_new(po, "released", rel);
      json_object_set_new(po, "held", json_integer((json_int_t)p->held));
      json_object_set_new(po, "approved", json_integer((json_int_t)p->approved));
      json_object_set_new(po, "denied", json_integer((json_int_t)p->denied));
      json_object_set_new(po, "refused", json_integer((json_int_t)p->refused));
      json_object_set_new(po, "received", json_integer((json_int_t)p->received));
      json_object_set_new(po, "sig_failures", json_integer((json_int_t)p->sig_failures));
      json_object_set_new(po, "replays", json_integer((json_int_t)p->replays));
      json_object_set_new(po, "revoked", json_integer((json_int_t)p->revoked));
      json_object_set_new(po, "other_drops", json_integer((json_int_t)p->other_drops));
      json_object_set_new(po, "first_release_s", p->has_first_release ? json_real(p->first_release_s) : json_null());
      json_array_append_new(ps, po);
    }
    json_object_set_new(o, "partners", ps);
    char *s = json_dumps(o, JSON_COMPACT);
    fprintf(f, "%s\n", s ? s : "{}");
    free(s);
    json_decref(o);
    return;
  }
  fprintf(f, "%s: %llu plots, %llu confirmed track(s), %llu samples, %llu journal records, %.2f s wall\n", nation,
          (unsigned long long)st->plots, (unsigned long long)st->tracks_confirmed, (unsigned long long)st->samples,
          (unsigned long long)st->records, wall_s);
  if (st->tracks_evicted || st->picture_dropped || st->picture_evicted || st->fits_dropped || st->handover_dropped ||
      st->tracks_refused || st->pending_dropped)
    fprintf(f, "  overflows: tracks_evicted=%llu picture_dropped=%llu picture_evicted=%llu fits_dropped=%llu"
            " handover_dropped=%llu tracks_refused=%llu pending_dropped=%llu\n",
            (unsigned long long)st->tracks_evicted, (unsigned long long)st->picture_dropped,
            (unsigned long long)st->picture_evicted,
            (unsigned long long)st->fits_dropped, (unsigned long long)st->handover_dropped,
            (unsigned long long)st->tracks_refused, (unsigned long long)st->pending_dropped);
  fprintf(f, "  %-4s %6s %6s %6s %6s %6s | %5s %5s %5s %5s | %8s | %s\n", "to", "Track", "Launch", "Impact", "Alert",
          "Status", "held", "appr", "deny", "refus", "received", "first release after launch");
  for (int i = 0; i < st->n_partners; i++) {
    const mwx_node_partner_stats *p = &st->partner[i];
    char first[32] = "-";
    if (p->has_first_release)
      snprintf(first, sizeof first, "%.1f s", p->first_release_s);
    fprintf(f, "  %-4s %6llu %6llu %6llu %6llu %6llu | %5llu %5llu %5llu %5llu | %8llu | %s\n", p->nation,
            (unsigned long long)p->released[MWX_TOPIC_TRACK], (unsigned long long)p->released[MWX_TOPIC_LAUNCH],
            (unsigned long long)p->released[MWX_TOPIC_IMPACT], (unsigned long long)p->released[MWX_TOPIC_ALERT],
            (unsigned long long)p->released[MWX_TOPIC_STATUS], (unsigned long long)p->held,
            (unsigned long long)p->approved, (unsigned long long)p->denied, (unsigned long long)p->refused,
            (unsigned long long)p->received, first);
  }
}
