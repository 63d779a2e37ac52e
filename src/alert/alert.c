/*
 * alert.c - the alert decision (pure: one prediction and its ground track in,
 * one kind, regions and explanation out) and the alert life cycle (issue,
 * update when the kind or the regions change, cancel when the threat is
 * gone).  Zones, ellipse mass and overflight come from geo/zone.
 *
 * Why the ellipse and the corridor: J-Alert's false alarm of 2023-04-13 came
 * from a track that Japan alone could not follow; a land warning here needs a
 * prediction whose 95 % ellipse puts at least the rule's probability on the
 * nation's land or territorial sea, or whose ground track, widened by its
 * cross-track uncertainty, passes over them.  A poor prediction has a large
 * ellipse: its mass spreads and the warning comes only if the spread still
 * reaches the threshold; the rule file sets that threshold.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mwx/alert.h"
#include "mwx/error.h"

#define MAX_PASSAGES 64

const char *mwx_alert_kind_name(mwx_alert_kind k) {
  switch (k) {
  case MWX_ALERT_NONE: return "none";
  case MWX_ALERT_INFO: return "info";
  case MWX_ALERT_SEA_NOTICE: return "sea_notice";
  case MWX_ALERT_LAND_WARNING: return "land_warning";
  }
  return "?";
}

void mwx_alert_regions_text(const mwx_zone *z, uint64_t mask, char *buf, size_t len) {
  size_t o = 0;
  if (!len) return;
  buf[0] = 0;
  for (int g = 0; g < 64 && mask; g++) {
    if (!(mask >> g & 1)) continue;
    mask &= ~(1ull << g);
    const char *n = mwx_zone_region_name(z, g);
    if (!n) continue;
    int w = snprintf(buf + o, len - o, "%s%s", o ? "," : "", n);
    if (w < 0 || (size_t)w >= len - o) {
      buf[o] = 0; /* cut at a whole name */
      return;
    }
    o += (size_t)w;
  }
}

static void iso(int64_t ns, char out[32]) {
  time_t s = (time_t)(ns / 1000000000LL);
  if (ns < 0 && ns % 1000000000LL) s--;
  struct tm tm;
  if (!gmtime_r(&s, &tm)) {
    snprintf(out, 32, "%lld ns", (long long)ns);
    return;
  }
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int input_ok(const mwx_alert_input *in) {
  if (in->has_impact &&
      (!isfinite(in->impact_lat_deg) || !isfinite(in->impact_lon_deg) || fabs(in->impact_lat_deg) > 90))
    return mwx_error_set(MWX_EINVAL, "alert: prediction '%s': impact point is not a position", in->prediction_id);
  if (!isfinite(in->corridor_km) || in->corridor_km < 0 || in->corridor_km > 1000)
    return mwx_error_set(MWX_EINVAL, "alert: prediction '%s': corridor %g km out of range 0..1000", in->prediction_id,
                         in->corridor_km);
  if (in->n_track && !in->track)
    return mwx_error_set(MWX_EINVAL, "alert: prediction '%s': %zu track points but no track", in->prediction_id,
                         in->n_track);
  if (in->provisional != 0 && in->provisional != 1)
    return mwx_error_set(MWX_EINVAL, "alert: prediction '%s': provisional %d is not 0 or 1", in->prediction_id,
                         in->provisional);
  if (memchr(in->prediction_id, 0, sizeof in->prediction_id) == NULL)
    return mwx_error_set(MWX_EINVAL, "alert: prediction id not terminated");
  return 0;
}

/* Own-nation territories under the track with a corridor of corridor_km:
 * regions overflown over land / over their territorial sea only. */
static int overflown(const mwx_zone *z, const char *nat, const mwx_alert_input *in, double corridor_km,
                     uint64_t *land, uint64_t *sea, int *noregion, int *any, int64_t *first_ns) {
  mwx_zone_passage pass[MAX_PASSAGES];
  size_t np = 0;
  *land = *sea = 0;
  *noregion = *any = 0;
  *first_ns = 0;
  int rc = mwx_zone_overflight(z, in->track, in->n_track, corridor_km, pass, MAX_PASSAGES, &np);
  if (rc && rc != MWX_ERANGE) return rc; /* too many passages: the first 64 decide */
  for (size_t i = 0; i < np; i++) {
    if (strcmp(pass[i].nation, nat)) continue;
    if (!*any || pass[i].t_enter_ns < *first_ns) *first_ns = pass[i].t_enter_ns;
    *any = 1;
    if (pass[i].region < 0 || pass[i].region >= 64) {
      *noregion = 1;
      continue;
    }
    if (pass[i].over_land) *land |= 1ull << pass[i].region;
    else *sea |= 1ull << pass[i].region;
  }
  return 0;
}

int mwx_alert_decide(const mwx_alert_rules *rules, const mwx_zone *z, const mwx_alert_input *in,
                     mwx_alert_decision *out) {
  if (!rules || !z || !in || !out) return mwx_error_set(MWX_EINVAL, "mwx_alert_decide: NULL argument");
  memset(out, 0, sizeof *out);
  out->text = "";
  int rc = input_ok(in);
  if (rc) return rc;
  const char *nat = rules->nation;

  /* the 95 % ellipse over zones */
  double p_region[64] = {0};
  if (in->has_impact) {
    mwx_zone_mass m;
    if ((rc = mwx_zone_ellipse_mass(z, in->impact_lat_deg, in->impact_lon_deg, in->major_km, in->minor_km,
                                    in->orient_deg, &m)))
      return rc;
    out->p_territory = mwx_zone_mass_of(&m, nat, MWX_ZONE_UNKNOWN);
    out->p_eez = mwx_zone_mass_of(&m, nat, MWX_ZONE_EEZ);
    for (size_t i = 0; i < m.n; i++)
      if (!strcmp(m.e[i].nation, nat) && m.e[i].region >= 0 && m.e[i].region < 64 &&
          (m.e[i].zone == MWX_ZONE_LAND || m.e[i].zone == MWX_ZONE_TERRITORIAL_SEA))
        p_region[m.e[i].region] += m.e[i].p;
  }

  /* the corridor over territories (and the track itself, for the regions) */
  uint64_t over_land = 0, over_sea = 0, track_land = 0, track_sea = 0;
  int64_t first_ns = 0;
  int over_noregion = 0;
  if (in->n_track) {
    if ((rc = overflown(z, nat, in, in->corridor_km, &over_land, &over_sea, &over_noregion, &out->overflight,
                        &first_ns)))
      return rc;
    int dummy_o, dummy_n;
    int64_t dummy_t;
    if (in->corridor_km == 0) {
      track_land = over_land, track_sea = over_sea;
    } else if ((rc = overflown(z, nat, in, 0.0, &track_land, &track_sea, &dummy_n, &dummy_o, &dummy_t))) {
      return rc;
    }
    out->overflight_ns = first_ns;
  }

  /* rules: most severe kind first, file order within a kind */
  const mwx_alert_rule *hit = NULL;
  const char *because = "";
  for (int k = MWX_ALERT_LAND_WARNING; k >= MWX_ALERT_INFO && !hit; k--)
    for (size_t i = 0; i < rules->n_rules && !hit; i++) {
      const mwx_alert_rule *r = &rules->rules[i];
      if ((int)r->kind != k) continue;
      if (in->provisional && !(r->on & MWX_ALERT_ON_TRACKED))
        continue; /* burnout not observed: where it falls is not known (alert.h) */
      if (in->provisional)
        hit = r, because = "tracked";
      else if ((r->on & MWX_ALERT_ON_IMPACT_TERRITORY) && in->has_impact && out->p_territory >= r->min_probability)
        hit = r, because = "impact_territory";
      else if ((r->on & MWX_ALERT_ON_OVERFLIGHT) && out->overflight)
        hit = r, because = "overflight";
      else if ((r->on & MWX_ALERT_ON_IMPACT_EEZ) && in->has_impact && out->p_eez >= r->min_probability)
        hit = r, because = "impact_eez";
      else if (r->on & MWX_ALERT_ON_TRACKED)
        hit = r, because = "tracked";
    }

  if (hit) {
    out->kind = hit->kind;
    memcpy(out->rule_id, hit->id, sizeof out->rule_id);
    out->text = hit->text;
    if (hit->kind == MWX_ALERT_LAND_WARNING) {
      if ((hit->on & MWX_ALERT_ON_OVERFLIGHT) && !hit->regions_from_corridor)
        out->regions |= track_land ? track_land : track_sea ? track_sea : over_land ? over_land : over_sea;
      else if (hit->on & MWX_ALERT_ON_OVERFLIGHT)
        out->regions |= over_land ? over_land : over_sea;
      if (hit->on & MWX_ALERT_ON_IMPACT_TERRITORY)
        for (int g = 0; g < 64; g++)
          if (p_region[g] > 0 && p_region[g] >= hit->min_probability) out->regions |= 1ull << g;
    }
  }

  /* the explanation */
  char t[32], te[32], regs[256];
  iso(in->time_ns, t);
  size_t o = 0;
  int w = snprintf(out->why, sizeof out->why, "%s: prediction %s (track %u) at %s: ", nat,
                   in->prediction_id[0] ? in->prediction_id : "-", in->track_no, t);
  o = w > 0 ? (size_t)w : 0;
  if (in->has_impact && o < sizeof out->why) {
    w = snprintf(out->why + o, sizeof out->why - o,
                 "impact %.2f %.2f, 95%% ellipse %.0f x %.0f km: P(%s land+territorial sea) = %.3f, P(%s EEZ) = %.3f; ",
                 in->impact_lat_deg, in->impact_lon_deg, in->major_km, in->minor_km, nat, out->p_territory, nat,
                 out->p_eez);
    o += w > 0 ? (size_t)w : 0;
  }
  if (o < sizeof out->why) {
    if (out->overflight) {
      iso(first_ns, te);
      mwx_alert_regions_text(z, over_land | over_sea, regs, sizeof regs);
      w = snprintf(out->why + o, sizeof out->why - o, "overflight of %s%s from %s (corridor %.0f km); ",
                   regs[0] ? regs : "", over_noregion ? (regs[0] ? " and islets" : "islets") : "", te,
                   in->corridor_km);
    } else {
      w = snprintf(out->why + o, sizeof out->why - o, "no overflight of %s (corridor %.0f km, %zu track points); ", nat,
                   in->corridor_km, in->n_track);
    }
    o += w > 0 ? (size_t)w : 0;
  }
  if (in->provisional && o < sizeof out->why) {
    w = snprintf(out->why + o, sizeof out->why - o, "provisional (burnout not observed): no rule on the fall fires; ");
    o += w > 0 ? (size_t)w : 0;
  }
  if (o < sizeof out->why) {
    if (hit) {
      mwx_alert_regions_text(z, out->regions, regs, sizeof regs);
      snprintf(out->why + o, sizeof out->why - o, "rule %s (%s on %s) -> %s%s%s", hit->id,
               mwx_alert_kind_name(hit->kind), because, mwx_alert_kind_name(hit->kind), regs[0] ? " to " : "",
               regs);
    } else {
      snprintf(out->why + o, sizeof out->why - o, "no rule fires -> none");
    }
  }
  return 0;
}

/* ---- life cycle ---- */

void mwx_alert_state_init(mwx_alert_state *st, const char *nation, uint32_t track_no) {
  if (!st) return;
  memset(st, 0, sizeof *st);
  if (nation) snprintf(st->nation, sizeof st->nation, "%.3s", nation);
  st->track_no = track_no;
}

static void fill(mwx_alert_event *ev, const mwx_alert_state *st, mwx_alert_action a, const mwx_alert_decision *d,
                 int64_t now_ns, const char *why) {
  ev->action = a;
  memcpy(ev->alert_id, st->alert_id, sizeof ev->alert_id);
  memcpy(ev->nation, st->nation, 4);
  ev->track_no = st->track_no;
  ev->kind = st->kind;
  ev->regions = st->regions;
  ev->time_ns = now_ns;
  if (d) memcpy(ev->rule_id, d->rule_id, sizeof ev->rule_id);
  snprintf(ev->why, sizeof ev->why, "%s", why);
}

int mwx_alert_step(mwx_alert_state *st, const mwx_alert_decision *d, int threat_over, int64_t now_ns,
                   mwx_alert_event *ev) {
  if (!st || !ev) return mwx_error_set(MWX_EINVAL, "mwx_alert_step: NULL argument");
  memset(ev, 0, sizeof *ev);
  ev->action = MWX_ALERT_ACT_NONE;
  if ((st->active || st->serial) && now_ns < st->updated_ns)
    return mwx_error_set(MWX_EINVAL, "alert %s: step at %lld ns is before the last event (%lld ns)", st->alert_id,
                         (long long)now_ns, (long long)st->updated_ns);
  if (!st->active) {
    if (threat_over || !d || d->kind == MWX_ALERT_NONE) return 0;
    st->active = 1;
    st->serial++;
    snprintf(st->alert_id, sizeof st->alert_id, "%s-%u-%u", st->nation, st->track_no, st->serial);
    st->kind = d->kind;
    st->regions = d->regions;
    st->issued_ns = st->updated_ns = now_ns;
    fill(ev, st, MWX_ALERT_ACT_ISSUE, d, now_ns, d->why);
    return 0;
  }
  if (threat_over || (d && d->kind == MWX_ALERT_NONE)) {
    st->active = 0;
    st->updated_ns = now_ns;
    fill(ev, st, MWX_ALERT_ACT_CANCEL, d, now_ns,
         threat_over ? "the threat is over (fallen or track closed)" : d->why);
    return 0;
  }
  if (!d) return 0;
  if (d->kind != st->kind || d->regions != st->regions) {
    st->kind = d->kind;
    st->regions = d->regions;
    st->updated_ns = now_ns;
    fill(ev, st, MWX_ALERT_ACT_UPDATE, d, now_ns, d->why);
  }
  return 0;
}
