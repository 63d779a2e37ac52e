/*
 * truth.c - the replay keys of issue 14 scored against the truth, one
 * scorer for both replays (alert.h "scoring against the truth").
 *
 * The truth of a missile: the zone of its impact point, the regions of the
 * land and territorial sea under its ground track (the flown trajectory's
 * sub-missile points, corridor 0) or holding the impact point, and each
 * nation's first entry over its land or territorial sea.  A land warning is
 * false when it names a region outside that set, or when its nation is
 * neither overflown nor hit (a warning with no region, to islets, counts
 * too).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/alert.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"

#define MAX_PASS 64
#define NS 1e9

int mwx_alert_truth_init(const mwx_zone *z, const struct mwx_ballistic_traj *tr, int64_t launch_ns,
                         mwx_alert_truth *out) {
  if (!z || !tr || !out)
    return mwx_error_set(MWX_EINVAL, "mwx_alert_truth_init: NULL argument");
  memset(out, 0, sizeof *out);
  out->launch_ns = launch_ns;
  if (!tr->n || !tr->s)
    return mwx_error_set(MWX_EINVAL, "alert truth: empty trajectory");
  if (mwx_zone_classify(z, tr->fig.impact_lat_deg, tr->fig.impact_lon_deg, &out->impact))
    return mwx_error_set(MWX_EINVAL, "alert truth: the impact %.3f %.3f cannot be classified",
                         tr->fig.impact_lat_deg, tr->fig.impact_lon_deg);
  mwx_zone_track_point *pts = malloc(tr->n * sizeof *pts);
  if (!pts)
    return mwx_error_set(MWX_ENOMEM, "alert truth: out of memory");
  size_t np = 0;
  for (size_t i = 0; i < tr->n; i++) {
    mwx_geo_lla p;
    if (mwx_geo_lla_from_ecef(tr->s[i].pos_ecef_m, &p))
      continue;
    pts[np++] = (mwx_zone_track_point){p.lat_deg, p.lon_deg, launch_ns + (int64_t)llround(tr->s[i].t_s * NS)};
  }
  mwx_error_clear();
  mwx_zone_passage pass[MAX_PASS];
  size_t npass = 0;
  int rc = np ? mwx_zone_overflight(z, pts, np, 0.0, pass, MAX_PASS, &npass) : 0;
  free(pts);
  if (rc == MWX_ERANGE) /* more passages than MAX_PASS: the first decide */
    npass = MAX_PASS, rc = 0;
  if (rc)
    return rc;
  mwx_error_clear();
  for (size_t i = 0; i < npass; i++) {
    size_t k = 0;
    while (k < out->n_over && strncmp(out->over_nation[k], pass[i].nation, 3))
      k++;
    if (k == out->n_over && k < MWX_ALERT_TRUTH_NATIONS) {
      snprintf(out->over_nation[k], sizeof out->over_nation[k], "%.3s", pass[i].nation);
      out->over_ns[k] = pass[i].t_enter_ns;
      out->n_over++;
    } else if (k < out->n_over && pass[i].t_enter_ns < out->over_ns[k])
      out->over_ns[k] = pass[i].t_enter_ns;
    if (pass[i].region >= 0 && pass[i].region < 64)
      out->regions |= 1ull << pass[i].region;
  }
  if (out->impact.region >= 0 && out->impact.region < 64)
    out->regions |= 1ull << out->impact.region;
  return 0;
}

int mwx_alert_truth_overflight_s(const mwx_alert_truth *t, const char *nation, double *s) {
  if (!t || !nation)
    return 0;
  for (size_t k = 0; k < t->n_over; k++)
    if (!strncmp(t->over_nation[k], nation, 3)) {
      if (s)
        *s = (double)(t->over_ns[k] - t->launch_ns) / NS;
      return 1;
    }
  return 0;
}

void mwx_alert_score_init(mwx_alert_score *s, const char *nation) {
  if (!s)
    return;
  memset(s, 0, sizeof *s);
  if (nation)
    snprintf(s->nation, sizeof s->nation, "%.3s", nation);
}

int mwx_alert_truth_zone(const mwx_alert_truth *t, const mwx_zone *z, double lat_deg, double lon_deg, double ts_s,
                         mwx_alert_score *s) {
  if (!t || !z || !s)
    return mwx_error_set(MWX_EINVAL, "mwx_alert_truth_zone: NULL argument");
  mwx_zone_result zr;
  int rc = mwx_zone_classify(z, lat_deg, lon_deg, &zr);
  if (rc)
    return rc;
  s->has_zone = 1;
  s->zone = zr.zone;
  snprintf(s->zone_nation, sizeof s->zone_nation, "%.3s", zr.nation);
  int right = zr.zone == t->impact.zone && !strncmp(zr.nation, t->impact.nation, 3);
  if (right && !s->zone_run) {
    s->zone_run = 1;
    s->zone_start_s = ts_s;
  } else if (!right)
    s->zone_run = 0;
  s->has_zone_call = s->zone_run;
  s->zone_call_s = s->zone_start_s;
  return 0;
}

void mwx_alert_truth_event(mwx_alert_score *s, int action, mwx_alert_kind kind, uint64_t regions, double ts_s) {
  if (!s || (action != MWX_ALERT_ACT_ISSUE && action != MWX_ALERT_ACT_UPDATE) || kind <= MWX_ALERT_NONE)
    return;
  if ((int)kind > s->kind) {
    s->has_alert = 1;
    s->kind = kind;
    s->alert_s = ts_s;
    s->regions = regions;
  } else if ((int)kind == s->kind)
    s->regions |= regions;
}

void mwx_alert_truth_event_text(const mwx_zone *z, mwx_alert_score *s, int action, mwx_alert_kind kind,
                                const char *regions, double ts_s) {
  if (!s)
    return;
  uint64_t mask = 0;
  int unknown = 0;
  for (const char *p = regions ? regions : ""; *p;) {
    size_t len = strcspn(p, ",");
    char name[MWX_ALERT_TEXT_LEN];
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
    int g = -1;
    if (len && (mwx_zone_region_find(z, name, &g) || g < 0 || g >= 64)) {
      mwx_error_clear();
      unknown = 1;
    } else if (len)
      mask |= 1ull << g;
    p += len;
    if (*p == ',')
      p++;
  }
  int before = s->kind;
  mwx_alert_truth_event(s, action, kind, mask, ts_s);
  if (action != MWX_ALERT_ACT_ISSUE && action != MWX_ALERT_ACT_UPDATE)
    return;
  if ((int)kind > before && s->kind == (int)kind)
    s->unknown_region = unknown; /* a more severe kind: its regions start afresh */
  else if ((int)kind == before)
    s->unknown_region |= unknown;
}

void mwx_alert_truth_finish(const mwx_alert_truth *t, mwx_alert_score *s) {
  if (!t || !s)
    return;
  s->has_overflight = mwx_alert_truth_overflight_s(t, s->nation, &s->overflight_s);
  if (!s->has_overflight)
    s->overflight_s = 0;
  s->false_alert = 0;
  s->has_lead = 0;
  s->warning_lead_s = 0;
  if (!s->has_alert || s->kind != MWX_ALERT_LAND_WARNING)
    return;
  int hit = !strncmp(t->impact.nation, s->nation, 3) &&
            (t->impact.zone == MWX_ZONE_LAND || t->impact.zone == MWX_ZONE_TERRITORIAL_SEA);
  s->false_alert = (s->regions & ~t->regions) != 0 || s->unknown_region || (!s->has_overflight && !hit);
  if (s->has_overflight) {
    s->has_lead = 1;
    s->warning_lead_s = s->overflight_s - s->alert_s;
  }
}
