/*
 * alert.h - whom a nation warns, and how an alert lives: per-nation alert
 * rules (a strict JSON file, format in docs/zones-and-alerts.md), the pure
 * decision from one impact prediction and its ground track, and the life
 * cycle issue -> update* -> cancel.
 *
 * Kinds, modelled on Japan's J-Alert:
 *   land_warning  the missile may fall on, or fly over, the nation's land or
 *                 territorial sea: to the regions (prefectures) under the
 *                 track or in the impact ellipse ("take cover");
 *   sea_notice    it may fall in the nation's EEZ (notice to ships, aircraft);
 *   info          a launch is being tracked, nothing above applies.
 * A rule file names, for each kind, the conditions and the probability that
 * make it fire; with no rule (an empty "rules" list) nothing is ever issued
 * (default nothing).  A land warning needs support from the 95 % ellipse
 * (its mass on the nation's land / territorial sea at least the rule's
 * min_probability) or from the overflight corridor (the predicted ground
 * track, widened by its cross-track uncertainty, passes over them).
 *
 * Purity: mwx_alert_decide() and mwx_alert_step() read no clock and do no
 * I/O; the time is a parameter.  The decision explains itself (which
 * prediction, which probability, which passage, which rule) in `why`.
 * Threads: a loaded mwx_alert_rules and an open mwx_zone are read-only and
 * may be shared; one mwx_alert_state belongs to one caller at a time.
 */
#ifndef MWX_ALERT_H
#define MWX_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/zone.h"

#define MWX_ALERT_MAX_RULES 16
#define MWX_ALERT_ID_LEN 32
#define MWX_ALERT_TEXT_LEN 256

/* Kinds, least to most severe; the number is the Alert topic's severity. */
typedef enum mwx_alert_kind {
  MWX_ALERT_NONE = 0,
  MWX_ALERT_INFO = 1,
  MWX_ALERT_SEA_NOTICE = 2,
  MWX_ALERT_LAND_WARNING = 3,
} mwx_alert_kind;

/* Conditions a rule can name (bits of mwx_alert_rule.on). */
#define MWX_ALERT_ON_IMPACT_TERRITORY 1u /* "impact_territory": ellipse mass on land + territorial sea */
#define MWX_ALERT_ON_OVERFLIGHT 2u       /* "overflight": corridor over land or territorial sea */
#define MWX_ALERT_ON_IMPACT_EEZ 4u       /* "impact_eez": ellipse mass in the EEZ */
#define MWX_ALERT_ON_TRACKED 8u          /* "tracked": any prediction at all */

typedef struct mwx_alert_rule {
  char id[MWX_ALERT_ID_LEN];
  mwx_alert_kind kind;
  uint32_t on;             /* MWX_ALERT_ON_* bits: fires if any holds */
  double min_probability;  /* for impact_*: mass of the 95 % ellipse needed (0 < p <= 0.95) */
  int regions_from_corridor; /* overflight: 1 "corridor": every region the corridor passes over;
                                0 "track": those under the predicted track itself (the corridor
                                only supports the warning; it names regions only when the track
                                itself passes over none) */
  char text[MWX_ALERT_TEXT_LEN];
} mwx_alert_rule;

/* Plain data: copy freely. */
typedef struct mwx_alert_rules {
  char nation[4];
  size_t n_rules;
  mwx_alert_rule rules[MWX_ALERT_MAX_RULES];
} mwx_alert_rules;

/* Parses rules from JSON text (name used in messages).  All-or-nothing.
 * MWX_EPARSE for malformed JSON or an unknown key; MWX_EINVAL naming the
 * rule (index and id) and the field for a bad value, a duplicate id, a kind
 * whose conditions cannot hold (a land_warning on impact_eez). */
int mwx_alert_rules_parse(const char *json_text, const char *name, mwx_alert_rules *out);
/* The same from a file (through mwx_json_load_file: regular file, bounded). */
int mwx_alert_rules_load(const char *path, mwx_alert_rules *out);

/* One prediction, as the decision sees it.  Everything but `track` is
 * copied; track (may be NULL with n_track 0) is read during the call only. */
typedef struct mwx_alert_input {
  char prediction_id[MWX_ALERT_ID_LEN]; /* e.g. the ImpactPrediction's local track id */
  uint32_t track_no;                    /* global track number */
  int64_t time_ns;                      /* when the prediction was made */
  int has_impact;
  double impact_lat_deg, impact_lon_deg;
  double major_km, minor_km, orient_deg; /* 95 % ellipse */
  int64_t impact_time_ns;
  const mwx_zone_track_point *track;     /* predicted ground track, launch or now -> impact */
  size_t n_track;
  double corridor_km;                    /* cross-track half-width of the track's uncertainty */
  int provisional;                       /* 1: burnout was not observed (the state may still be under
                                            thrust: mwx_assess.provisional, a fused track in boost or
                                            coasting on a boost sample); the fall point is then
                                            unbounded by the data (short by the remaining burn), so
                                            no rule on where it falls (impact_territory, overflight,
                                            impact_eez) fires: at most info (tracked) */
} mwx_alert_input;

#define MWX_ALERT_MAX_REGIONS 64

typedef struct mwx_alert_decision {
  mwx_alert_kind kind;                /* MWX_ALERT_NONE: no rule fired */
  char rule_id[MWX_ALERT_ID_LEN];
  const char *text;                   /* the rule's text (points into the rules) or "" */
  uint64_t regions;                   /* bit = mwx_zone region index */
  double p_territory, p_eez;          /* own nation's mass of the 95 % ellipse */
  int overflight;                     /* the corridor passes over own land / territorial sea */
  int64_t overflight_ns;              /* first entry (when overflight) */
  char why[768];                      /* the explanation, one line */
} mwx_alert_decision;

/* Decides for the nation of the rules.  Rules are tried most severe kind
 * first, in file order within a kind; the first that fires decides.  A
 * provisional input fires only "tracked" rules (never a land warning nor a
 * sea notice); the ellipse mass and the passages are still computed and
 * explained.  Regions
 * of a land warning: those whose land the corridor passes over, else those
 * whose territorial sea it passes over (of the corridor or of the track
 * itself, as the rule's "regions" says), plus those holding >= min_probability
 * of the ellipse.  MWX_EINVAL on bad input (non-finite, ellipse, track). */
int mwx_alert_decide(const mwx_alert_rules *rules, const mwx_zone *z, const mwx_alert_input *in,
                     mwx_alert_decision *out);

/* "none", "info", "sea_notice", "land_warning". */
const char *mwx_alert_kind_name(mwx_alert_kind k);

/* Comma-separated English region names of mask ("Hokkaido,Aomori") into buf. */
void mwx_alert_regions_text(const mwx_zone *z, uint64_t mask, char *buf, size_t len);

/* ---- the predicted ground track of a prediction (src/alert/track.c) ---- */

/* The ground track from a free-flight state x (ECEF [m, m/s], rotating, at
 * t_ns) to its predicted impact (impact_time_ns, lat/lon): the state is
 * propagated with drag beta_kgpm2 (mwx_ballistic_propagate), a point every
 * 10 s (longer flights: every flight/(cap-2) s), closed by the impact point.
 * pts[0..*n) (cap >= 2).  MWX_EINVAL on bad input; a propagation that
 * fails midway ends the track there (the impact point still closes it).
 * Pure. */
int mwx_alert_ground_track(const double x[6], int64_t t_ns, double beta_kgpm2, int64_t impact_time_ns,
                           double impact_lat_deg, double impact_lon_deg, mwx_zone_track_point *pts, size_t cap,
                           size_t *n);

/* The corridor half-width of a ground track: the extent of the 95 % impact
 * ellipse (semi-axes major/minor km, major axis orient_deg from north) along
 * the normal of the track's last heading, at most 500 km.  The impact
 * ellipse is the widest the cross-track uncertainty gets, so this is
 * conservative for the earlier part of the track.  0 for fewer than 2
 * points.  Pure. */
double mwx_alert_corridor_km(const mwx_zone_track_point *pts, size_t n, double major_km, double minor_km,
                             double orient_deg);

/* ---- life cycle ---- */

typedef enum mwx_alert_action {
  MWX_ALERT_ACT_NONE = -1,
  MWX_ALERT_ACT_ISSUE = 0, /* numbering of the Alert topic's action octet */
  MWX_ALERT_ACT_UPDATE = 1,
  MWX_ALERT_ACT_CANCEL = 2,
} mwx_alert_action;

/* One alert of one nation about one track.  Zero it (or mwx_alert_state_init)
 * before the first step. */
typedef struct mwx_alert_state {
  int active;
  char nation[4];
  uint32_t track_no;
  uint32_t serial;        /* alerts issued for this track so far */
  char alert_id[MWX_ALERT_ID_LEN];
  mwx_alert_kind kind;
  uint64_t regions;
  int64_t issued_ns, updated_ns;
} mwx_alert_state;

/* What to publish (an Alert sample) and journal (kind ALERT). */
typedef struct mwx_alert_event {
  mwx_alert_action action;
  char alert_id[MWX_ALERT_ID_LEN];
  char nation[4];
  uint32_t track_no;
  mwx_alert_kind kind;     /* for a cancel: the kind cancelled */
  uint64_t regions;
  int64_t time_ns;
  char rule_id[MWX_ALERT_ID_LEN];
  char why[768];
} mwx_alert_event;

void mwx_alert_state_init(mwx_alert_state *st, const char *nation, uint32_t track_no);

/* Advances st with the latest decision d at now_ns.  d NULL means no new
 * prediction at this time (nothing changes unless threat_over).
 *   inactive, d fires (kind != NONE)  -> issue (alert id "<NAT>-<track>-<serial>")
 *   active, threat_over or d NONE     -> cancel (threat_over: the missile has
 *                                        fallen or the track is closed)
 *   active, kind or regions changed   -> update
 *   otherwise                         -> none
 * ev->action says which; *ev is filled for issue/update/cancel.  MWX_EINVAL on
 * NULL st/ev or a time before the last event. */
int mwx_alert_step(mwx_alert_state *st, const mwx_alert_decision *d, int threat_over, int64_t now_ns,
                   mwx_alert_event *ev);

/* ---- scoring against the truth (src/alert/truth.c) ----
 * The one scorer of the replay keys of issue 14 (zone_call_s, alert_kind,
 * alert_s, alert_regions, false_alert, overflight_s, warning_lead_s), used
 * by both replays (src/node/replay.c from the nodes' events, src/fuse/
 * replay.c from its in-process fusers) so that the two cannot disagree on
 * what a false alert is.  Pure; the truth is read only to score. */

#define MWX_ALERT_TRUTH_NATIONS 8

/* What the truth says of one missile. */
typedef struct mwx_alert_truth {
  int64_t launch_ns;
  mwx_zone_result impact;      /* zone of the true impact point */
  uint64_t regions;            /* regions overflown (land or territorial sea under the true ground
                                  track itself, corridor 0) or holding the impact point */
  size_t n_over;               /* nations overflown (first MWX_ALERT_TRUTH_NATIONS) */
  char over_nation[MWX_ALERT_TRUTH_NATIONS][4];
  int64_t over_ns[MWX_ALERT_TRUTH_NATIONS]; /* first entry over that nation's land or territorial sea */
} mwx_alert_truth;

/* The truth of one flown trajectory (mwx/ballistic.h; sample times from
 * launch_ns).  MWX_EINVAL for NULL, an empty trajectory or an impact the
 * zones cannot classify (named). */
struct mwx_ballistic_traj;
int mwx_alert_truth_init(const mwx_zone *z, const struct mwx_ballistic_traj *tr, int64_t launch_ns,
                         mwx_alert_truth *out);

/* 1 and *s (seconds after launch) when the missile passes over nation's
 * land or territorial sea, else 0. */
int mwx_alert_truth_overflight_s(const mwx_alert_truth *t, const char *nation, double *s);

/* The running score of one nation's picture of one missile. */
typedef struct mwx_alert_score {
  char nation[4];
  int has_zone, zone;          /* mwx_zone_kind of the latest prediction's mean point */
  char zone_nation[4];
  int zone_run;                /* calls right (kind and nation) since zone_start_s */
  double zone_start_s;
  int has_zone_call;           /* the latest call is right; zone_call_s when the run began */
  double zone_call_s;
  int has_alert;               /* an issue or update of a kind above none */
  int kind;                    /* mwx_alert_kind: the most severe issued */
  double alert_s;              /* when that kind was first issued (issue or update) */
  uint64_t regions;            /* the regions warned at that kind (union over its events) */
  int unknown_region;          /* a warned region name the zones do not know (counts as false) */
  /* filled by mwx_alert_truth_finish */
  int false_alert;             /* a land warning to a region neither overflown nor hit, or to a nation
                                  neither overflown nor hit */
  int has_overflight, has_lead;
  double overflight_s;         /* the truth's first entry over the nation's land or territorial sea */
  double warning_lead_s;       /* overflight_s - alert_s (a land warning and an overflight) */
} mwx_alert_score;

void mwx_alert_score_init(mwx_alert_score *s, const char *nation);

/* A prediction's mean point (lat, lon) made ts_s after launch: its zone
 * call against the truth's.  MWX_EINVAL if the point cannot be classified
 * (the score is unchanged). */
int mwx_alert_truth_zone(const mwx_alert_truth *t, const mwx_zone *z, double lat_deg, double lon_deg, double ts_s,
                         mwx_alert_score *s);

/* An alert event ts_s after launch: action MWX_ALERT_ACT_ISSUE or _UPDATE
 * count (others are ignored), kind and regions (mask). */
void mwx_alert_truth_event(mwx_alert_score *s, int action, mwx_alert_kind kind, uint64_t regions, double ts_s);

/* The same with the regions as text ("Hokkaido,Aomori", from an Alert
 * sample); a name the zones do not know sets unknown_region. */
void mwx_alert_truth_event_text(const mwx_zone *z, mwx_alert_score *s, int action, mwx_alert_kind kind,
                                const char *regions, double ts_s);

/* The final keys: overflight_s, false_alert, warning_lead_s. */
void mwx_alert_truth_finish(const mwx_alert_truth *t, mwx_alert_score *s);

#endif /* MWX_ALERT_H */
