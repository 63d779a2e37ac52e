/*
 * fuse.h - track-to-track fusion: one picture per nation from its own tracks
 * and its partners' Track samples.  THIS HEADER IS A CONTRACT (node, replay,
 * bench and release are written against it; docs/fusion.md says why).
 *
 * Input: source track samples (mwx_fuse_sample): the latest output of one
 * nation's filter for one of its local tracks (a Track sample of a partner,
 * mwx_fuse_sample_from_msg, or one of the node's own tracks,
 * mwx_fuse_sample_from_track).  A source track is named by its originator
 * and local track id; its samples arrive in time order (an older or equal
 * time than the one held is ignored: the same sample by two paths, mesh and
 * relay, is taken once).
 *
 * Association.  Every source track belongs to exactly one fused track.  A
 * source track seen for the first time is compared with every fused track at
 * the sample's time (the fused state propagated in free flight with the
 * ballistic module through mwx_track_predict): squared Mahalanobis distance
 * of the 6-D difference [pos, vel] in the summed covariance, gated at the
 * chi-square quantile of assoc_prob (6 dof); a fused track that holds a
 * fresh source track of the same originator is forbidden (one nation's
 * tracker keeps one track per object).  The new source tracks of one
 * ingest call are assigned together by the Hungarian algorithm
 * (mwx_track_assign); a source track left over starts a fused track of its
 * own.  Two fused tracks that come within the same gate are merged.
 * Decorrelation: a source track whose samples differ from the fusion of the
 * other fresh members of its fused track by more than the split_prob gate
 * split_after times in a row leaves it and starts its own (it may join
 * another one later, through the assoc gate: hysteresis between the two
 * gates).  While either side may be powered (a boost sample within
 * split_powered_s) the test's difference carries q_boost over that time: a
 * staging coast that two trackers model differently is no second missile.
 * With merge_back, a fused track that split off merges back into the one it
 * left once its members are inside the split gate split_after tests in a
 * row, and takes back the name of before (docs/fusion.md).
 *
 * Global track number.  Each source track has a key: (time of its first
 * sample, originator, local track id), compared in that order.  A fused
 * track is named by the smallest key among its members (members stay members
 * after they fall silent, so the name does not change when the naming
 * track ends) and its global number is a fixed hash of the name's
 * originator and local track id (FNV-1a 32-bit, never 0).  Nodes that receive
 * the same samples form the same fused tracks and so give every missile the
 * same number without a coordinator; the number does not depend on the order
 * in which the samples of one ingest call are given, nor on which node
 * computes it.
 *
 * Fused state (mwx_fuse_get at a time t): the latest sample of every member
 * is propagated to t; used are the fresh members (sample age <= fresh_s)
 * and the silent members whose last sample was in free flight and whose
 * prediction agrees with the fresh ones (assoc gate); with no fresh member,
 * every silent free-flight member (else the newest member alone: the picture
 * coasts on the last partner's track).  Members that report only their own
 * sensors (own_sensors = 1) in free flight are combined in information form
 * (sum of inverse covariances): each source enters with its newest estimate
 * only, replacing its previous one (information decorrelation: nothing of a
 * source is counted twice; the fuser keeps no state of its own that would
 * count it again).  Members that are fused products (own_sensors = 0: they
 * may hold our own or a third nation's data) and, with boost_ci, samples in
 * boost (two nations' filters then share the large, unknown thrust error)
 * are combined with that result by covariance intersection (mwx_fuse_ci,
 * consistent whatever the correlation; inverse covariance intersection,
 * mwx_fuse_ici, with ici = 1).
 *
 * Contributors: the union of the originators (and of their samples'
 * contributors) of the members that made the fused state, sorted: the
 * third-party rule of release applies to anything derived from it.
 *
 * Units: metres, m/s, ECEF (rotating); time int64 ns UTC.  Pure computation:
 * time is a parameter, no I/O, no clock, no global state.  A fuser is not
 * thread-safe; distinct fusers may be used from distinct threads.
 * Life cycle: mwx_fuse_create ... mwx_fuse_destroy.
 *
 * Displacement: a source track new to the fuser whose originator already
 * has a member in a fused track that lags it (that member's newest sample
 * is older than the new track's first, and 2 s older than its newest) is
 * gated without that member and, when it joins (or its fused track merges),
 * replaces it: the lagging member stays a member (the name holds) and is no
 * longer used in the fused state while another track of its originator is
 * fresh (docs/fusion.md, "The displacement rule").
 *
 * Cost: incremental (src/fuse/fuse_assoc.c): only fused tracks whose
 * members or samples changed are tested again; a straight-line pre-gate
 * keeps far pairs out of the statistical gate.  Same results as testing
 * every pair every time (bench_fuse, to the digit).
 */
#ifndef MWX_FUSE_H
#define MWX_FUSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mwx/alert.h"
#include "mwx/msg.h"
#include "mwx/sim.h"
#include "mwx/track.h"

/* ---- Source samples -------------------------------------------------------- */

/* One source track's estimate at one time. */
typedef struct mwx_fuse_sample {
  char originator[MWX_NATION_LEN];       /* nation whose filter produced it */
  char local_track_id[MWX_ID_LEN];       /* the originator's own id, e.g. "KOR-T3" */
  int64_t t_ns;                          /* time of validity */
  double pos_ecef_m[3];
  double vel_ecef_mps[3];                /* relative to the rotating Earth */
  double P[6][6];                        /* covariance of [pos m, vel m/s], symmetric positive definite */
  int phase;                             /* mwx_msg_phase: a boost sample is propagated with the boost model */
  int has_thrust;                        /* 1: thrust_mps2 is the source filter's (own tracks); 0: the fuser
                                            estimates it from the source's successive boost samples */
  double thrust_mps2;                    /* thrust acceleration, m/s^2 ... */
  double thrust_angle_rad;               /* ... at this angle above the velocity in its vertical plane (the
                                            tracker's boost model, x[8]; 0: along the velocity) */
  int own_sensors;                       /* 1: the originator's own sensors only; 0: a fused product */
  uint8_t n_contributors;                /* nations whose data it holds (0: the originator only) */
  char contributors[MWX_MAX_NATIONS][MWX_NATION_LEN];
  mwx_msg_marking mark;                  /* the sample's marking (from_msg copies it; an own track:
                                            zero but the originator): the third-party rule's input */
} mwx_fuse_sample;

/* Checks a sample: originator three upper-case letters, local id non-empty
 * and NUL-terminated, finite numbers, P symmetric (to 1e-6 relative) and
 * positive definite, phase known, contributors well formed, the marking's
 * originator empty or the sample's.  MWX_EINVAL with a
 * message naming the track and the field. */
int mwx_fuse_sample_check(const mwx_fuse_sample *s);

/* A Track sample (topic MWX_TOPIC_TRACK with MWX_F_COVARIANCE) as a fuse
 * input: covariance from the upper triangle, own_sensors = 1 when its
 * contributors are absent or only its originator.  MWX_EINVAL (message says
 * why) for another topic, no covariance, or a sample that fails the check. */
int mwx_fuse_sample_from_msg(const mwx_msg *m, mwx_fuse_sample *out);

/* One of the node's own tracks as a fuse input, exactly as the node
 * publishes it: local id "<nation>-T<id>", the combined estimate (est), the
 * phase rule of the Track sample (boost while p_ballistic < 0.5), its thrust
 * state (has_thrust = 1 in boost: the Track sample has no field for it, so a
 * partner's boost samples are given the fuser's estimate), own_sensors = 1.  MWX_EINVAL if the nation is malformed or the estimate
 * fails the check. */
int mwx_fuse_sample_from_track(const char *nation, const mwx_track_info *in, mwx_fuse_sample *out);

/* ---- Pure combination rules (exposed for tests and the bench) --------------- */

/* Covariance intersection of two estimates of one 6-D state with unknown
 * cross-covariance (Julier & Uhlmann 1997): P^-1 = w Pa^-1 + (1-w) Pb^-1,
 * x = P (w Pa^-1 xa + (1-w) Pb^-1 xb), w in [0,1] minimising det P (golden
 * section, to 1e-4).  Writes x, P and w (may be NULL).  The result is
 * consistent (P >= the true error covariance) whenever both inputs are, for
 * any correlation.  MWX_ERANGE if an input is not positive definite. */
int mwx_fuse_ci(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                double x[6], double P[6][6], double *w);

/* Inverse covariance intersection (Noack, Sijs, Reinhardt, Hanebeck 2017,
 * "Decentralized data fusion with inverse covariance intersection",
 * Automatica 79): P^-1 = Pa^-1 + Pb^-1 - (w Pa + (1-w) Pb)^-1, consistent
 * for any correlation that comes from information common to both inputs
 * (shared process noise, a shared prior) and never looser than CI.  w in
 * [0,1] minimises det P (golden section, 1e-4).  MWX_ERANGE as mwx_fuse_ci. */
int mwx_fuse_ici(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                 double x[6], double P[6][6], double *w);

/* Squared Mahalanobis distance of xa - xb in Pa + Pb (6 dof).  MWX_ERANGE if
 * the sum is not positive definite. */
int mwx_fuse_distance2(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                       double *d2);

/* The global track number of a name: FNV-1a 32-bit of "<originator>/<local id>",
 * 0 mapped to 1. */
uint32_t mwx_fuse_global_number(const char *originator, const char *local_track_id);

/* ---- The fuser ------------------------------------------------------------- */

typedef struct mwx_fuse_config {
  double assoc_prob;        /* association gate, chi-square 6 dof (0.99 -> 16.81) */
  double split_prob;        /* decorrelation gate, chi-square 6 dof (0.999 -> 22.46), >= assoc_prob */
  int split_after;          /* consecutive samples outside the split gate before a source leaves */
  double fresh_s;           /* a member whose latest sample is at most this old enters the fused state */
  double forget_s;          /* a fused track with no sample for this long is dropped (landed, lost) */
  double q_ballistic_m2ps3; /* white-acceleration PSD when propagating a mid-course/terminal sample
                               of a burnt-out source above the air (the tracker's q_ballistic) */
  double q_boost_m2ps3;     /* ... a boost-phase sample (the thrust is not in the sample) */
  double q_gate_m2ps3;      /* at least this PSD when a silent member is propagated for a gate */
  int boost_ci;             /* 1: boost-phase samples are combined by (I)CI, not by the information sum */
  int ici;                  /* 1: inverse covariance intersection where CI is called for; 0: CI */
  int boost_thrust;         /* 1: a fresh boost sample is propagated with its thrust (at most 5 s) */
  double split_min_s;       /* ... and for at least this long (s, 0..3600): an IMM switching at
                               burnout lags its partners for a few seconds, which is no second
                               missile (added after the fields above; 0: samples only) */
  double q_ballistic_air_m2ps3; /* at least this PSD for a free-flight sample below 100 km
                               (MWX_TRACK_AIR_H_M) or of a source not yet burnt out (free
                               flight for less than 60 s: the tracker's rule; the tracker's
                               q_ballistic_air) */
  double split_powered_s;   /* while either side may be powered (the tested member or a fresh
                               member it is tested against had a boost sample at most this long
                               before the sample: the staging coast), the split test's difference
                               carries q_boost's white acceleration over this long (s, 0..60; 0:
                               off): two trackers that disagree on whether a stage is burning are
                               one missile, not two (docs/fusion.md "Powered flight") */
  int merge_back;           /* 1: a fused track that split off merges back into the one it left
                               once the two are inside the split gate split_after tests in a row
                               (not only inside the association gate); the smaller name wins */
  double split_held_s;      /* a member whose tests have been inside the split gate for this long
                               (s of its own samples in its fused track, 0..3600; 0: off) is
                               *held*: it leaves only outside split_held_prob's gate ... */
  double split_held_prob;   /* ... chi-square 6 dof (0.999999 -> 38.26), >= split_prob: a test that
                               runs for the whole flight keeps its false decorrelations per
                               flight, not per sample, rare (docs/fusion.md "Held correlations") */
  int replace_exclusive;    /* 1: a new track replaces its nation's fresh track in a fused track (the
                               replacement rule) only if it fits no other fused track as it is: if
                               it does, it is that one's (a salvo's next missile) */
  int split_odd_one_out;    /* 1: a member outside its split gate is not struck when leaving one
                               other member out puts it inside and that other is outside its own
                               gate: the odd one out is astray, not the member (docs/fusion.md
                               "The odd one out") */
  double pending_s;         /* a new source track whose association is not clear (inside the split
                               gate of two fused tracks that its distances do not tell apart, just
                               outside the association gate of the best, or beside a fused track
                               holding a live track of its own tracker) waits, with no number,
                               until it is clear or this long after its first sample (s, 0..60;
                               0: off), then joins or founds (docs/fusion.md "The pending join") */
  double burnout_ci_s;      /* in the picture's state, a free-flight sample less than this long after
                               its source's last boost sample is combined by CI (with boost_ci), not
                               summed: the trackers share the end of thrust they all missed (s,
                               0..60; 0: off; docs/fusion.md "The burnout rule") */
  int stale_split_gate;     /* 1: a silent free-flight member enters the state when it is inside its
                               split gate (the held gate once it is held) against the fresh members,
                               the gate that keeps it while it speaks; 0: inside the association gate
                               (before the sixteenth session; docs/fusion.md "A silent member") */
  int boost_sum;            /* 1 (with boost_ci): in the picture's state, own-sensor boost samples are
                               summed by information while every used own-sensor member is in boost
                               (CI as before once one of them is in free flight, and in the gates and
                               the split test); 0: CI (before the nineteenth session; docs/fusion.md
                               "Boost samples: the information sum") */
  int displaced_silent;     /* 1: a displaced member that falls silent is used as a silent member (screened
                               as they are) while it is its nation's newest estimate in its fused track
                               (its replacer fell silent first); 0: a displaced member is used only while
                               fresh (before the nineteenth session; docs/fusion.md "The displacement rule") */
  int pending_beside_near;  /* 1: a new track waits as "beside" a fused track holding a live track of its own
                               tracker only if it is inside the split gate of that fused track's other
                               nations' fresh members (a hand-over), not a salvo's neighbour; 0 (default):
                               any such fused track within the pre-gate (docs/fusion.md "The pending join":
                               measured in the nineteenth session, not on) */
  int tracklet;             /* 1: in the picture's state (mwx_fuse_get), own-sensor members are fused by
                               tracklets: the fused track keeps a state and adds each member's new
                               information (its sample's information less that of its previous sample
                               propagated to the same time: information decorrelation), with CI for
                               fused products, for a member whose previous sample is too old, and a reset
                               to the memoryless state where the difference is not positive semi-definite
                               or the members change; 0 (default): the memoryless state of the latest
                               samples (CI, boost_sum; docs/fusion.md "Tracklets") */
  double thrust_tau_s;      /* a partner's boost samples carry no thrust: the fuser estimates it from their
                               successive velocities, smoothed over this long (s, 0.1..60; 4) */
  int thrust_vector;        /* 1: that estimate is the thrust vector on the velocity's frame (its angle above
                               the velocity in the vertical plane, as the tracker's boost model has it) with
                               the along component's trend, and an own track's sample carries its filter's
                               angle; 0: the thrust along the velocity, no trend (before the twenty-second
                               session; docs/fusion.md "Boost samples and thrust") */
  double pending_dup_s;     /* a displaced member that decorrelated waits (the pending join) beside its
                               tracker's live track as that tracker's duplicate at most this long after
                               it left (s, 0..60; 0: until it falls silent, the rule before the
                               twenty-seventh session), then joins or founds as any waiting track: a
                               tracker merges a duplicate of one object at the scan they coincide, so a
                               track it still updates this long after is another object's (a salvo's
                               neighbour; docs/fusion.md "The pending join") */
} mwx_fuse_config;

/* Defaults: assoc 0.99, split 0.999, split after 3, fresh 20 s (the tracker
 * starts coasting a silent track after 20 s), forget 7,200 s (the tracker's
 * max_coast_s), q_ballistic 0 and q_ballistic_air 1e-4 (the tracker's
 * ballistic model: a silent burnt-out member's prediction is its tracker's
 * own coasting) and q_boost 100 (the tracker's boost model's until the seventeenth session, when the
 * tracker's went to 10; the fuser's kept: 10 here measured worse on 2022-11-18, BENCHMARKS.md), q_gate 1 m^2/s^3,
 * boost_ci 1, ici 0 (CI; ICI was the default until the seventh session),
 * boost_thrust 1, split_min_s 0 (docs/fusion.md: measured), split_powered_s 10
 * (MWX_ASSESS_STAGING_COAST_S), merge_back 1 (issue 13, tenth session),
 * split_held_s 60, split_held_prob 0.999999 and replace_exclusive 1 (issue 13,
 * eleventh session), split_odd_one_out 1 (twelfth session), pending_s 3 (thirteenth), burnout_ci_s 0 (5 in the thirteenth session, 10 from the sixteenth to the twenty-first), stale_split_gate 1 (sixteenth), boost_sum 1, displaced_silent 1 and pending_beside_near 0 (nineteenth), tracklet 0 (twenty-first), thrust_tau_s 4 and thrust_vector 1 (twenty-second), pending_dup_s 3 (twenty-seventh). */
void mwx_fuse_config_default(mwx_fuse_config *cfg);

typedef struct mwx_fuser mwx_fuser;

/* Creates a fuser (cfg copied; NULL: defaults).  MWX_EINVAL for a bad
 * configuration, MWX_ENOMEM.  Free with mwx_fuse_destroy. */
int mwx_fuse_create(const mwx_fuse_config *cfg, mwx_fuser **out);
/* Frees a fuser; NULL is ignored. */
void mwx_fuse_destroy(mwx_fuser *fz);

/* Takes a batch of n samples (any order; any mix of source tracks; typically
 * what arrived since the last call).  Every sample is checked first: a bad
 * one refuses the whole batch (MWX_EINVAL naming the index and field) and
 * nothing changes.  Then, in time order: samples of known source tracks
 * replace their latest (and run the decorrelation test), new source tracks
 * are associated (Hungarian), fused tracks within the gate merge, silent
 * fused tracks are forgotten.  A sample not newer than its source track's
 * latest is ignored.  MWX_ENOMEM leaves the fuser usable. */
int mwx_fuse_ingest(mwx_fuser *fz, const mwx_fuse_sample *s, size_t n);

#define MWX_FUSE_MAX_MEMBERS 16

typedef enum mwx_fuse_method {
  MWX_FUSE_SINGLE = 0, /* one fresh member: its estimate */
  MWX_FUSE_INFO = 1,   /* own-sensor members only: information sum */
  MWX_FUSE_CI = 2,     /* at least one member combined by (inverse) covariance intersection */
  MWX_FUSE_COAST = 3,  /* no fresh member: the latest member propagated */
  MWX_FUSE_TRACKLET = 4 /* cfg.tracklet: the fused track's tracklet state (own-sensor members' new
                           information added as it came), no member combined by CI */
} mwx_fuse_method;

/* A fused track at a requested time. */
typedef struct mwx_fuse_track {
  uint32_t global_track_no;                  /* mwx_fuse_global_number of the name */
  char name_originator[MWX_NATION_LEN];      /* the naming source track */
  char name_local_id[MWX_ID_LEN];
  int64_t name_t_ns;                         /* its first sample */
  int64_t t_ns;                              /* time of the estimate (as requested) */
  double x[6];                               /* [pos m, vel m/s] ECEF */
  double P[6][6];
  int method;                                /* mwx_fuse_method */
  int64_t t_last_sample_ns;                  /* newest sample of any member */
  int n_members;                             /* source tracks (all, silent included) */
  char member_originator[MWX_FUSE_MAX_MEMBERS][MWX_NATION_LEN];
  char member_local_id[MWX_FUSE_MAX_MEMBERS][MWX_ID_LEN];
  int n_used;                                /* members that made x, P */
  int boost;                                 /* 1: one of them was in boost (not free flight),
                                                coasting included: a track lost under thrust
                                                stays boost (provisional: no impact point,
                                                no class) until a member shows free flight */
  uint8_t n_contributors;                    /* sorted, unique */
  char contributors[MWX_MAX_NATIONS][MWX_NATION_LEN];
  size_t n_sources;                          /* markings of the members' samples that made x, P: */
  mwx_msg_marking sources[MWX_FUSE_MAX_MEMBERS]; /* give them to mwx_release_sample.sources for
                                                    anything derived from this track */
  int name_generation;                       /* 0: the number is the naming track's own; g > 0:
                                                the g-th fused track a split named after it
                                                (number of "<originator>/<local id>#g") */
} mwx_fuse_track;

/* Number of fused tracks now held (indices 0..count-1; an index is valid
 * until the next mwx_fuse_ingest). */
size_t mwx_fuse_count(const mwx_fuser *fz);

/* Fused track index, its state propagated to t_ns.  MWX_EINVAL for a bad
 * index, MWX_ERANGE if the propagation fails (below ground). */
int mwx_fuse_get(const mwx_fuser *fz, size_t index, int64_t t_ns, mwx_fuse_track *out);

/* Fused track index at the time of its newest member sample (not
 * propagated: what the coalition saw last; a fallen missile's last state,
 * when mwx_fuse_get at a later time is below ground).  MWX_EINVAL for a bad
 * index or a track with no member. */
int mwx_fuse_get_last(const mwx_fuser *fz, size_t index, mwx_fuse_track *out);

/* The global number of the fused track holding a source track (the node
 * stamps its own Track, LaunchEvent and ImpactPrediction with it).
 * MWX_ENOTFOUND if the source track is unknown. */
int mwx_fuse_global_of(const mwx_fuser *fz, const char *originator, const char *local_track_id,
                       uint32_t *global_track_no);

/* The pending join (cfg.pending_s): *waiting the new source tracks waiting
 * now (in no fused track: mwx_fuse_global_of does not find them), *waited
 * how many have waited since creation, *overflow how many were decided at
 * once because the pending table (64) was full.  Any pointer may be NULL;
 * a NULL fuser gives 0s. */
void mwx_fuse_pending_stats(const mwx_fuser *fz, size_t *waiting, uint64_t *waited, uint64_t *overflow);
/* Why tracks waited (issue 13, nineteenth session): wait decisions (one per waiting track and ingest)
 * by reason, why[0] ambiguous, [1] marginal, [2] beside, [3] a displaced member's duplicate; *timeout
 * the tracks that waited and were decided by the bound (pending_s) while still unclear.  Either may be
 * NULL; NULL fz gives zeros. */
void mwx_fuse_pending_reasons(const mwx_fuser *fz, uint64_t why[4], uint64_t *timeout);

/* Tracklet counts (cfg.tracklet; issue 13, twenty-first session) since creation: tracklets added,
 * resets of a fused track's tracklet state to the memoryless state (its members changed / a
 * difference not positive semi-definite / every member silent longer than fresh_s), samples taken by
 * CI because their source's previous sample was too old (ci_old); reset_powered: the fused track's ingests
 * with a fresh own-sensor member in boost or in its burnout window (the state is then the memoryless one).
 * NULL fz gives zeros. */
typedef struct mwx_fuse_tracklet_counts {
  uint64_t added, reset_members, reset_not_psd, reset_silent, ci_old, reset_powered;
} mwx_fuse_tracklet_counts;
void mwx_fuse_tracklet_stats(const mwx_fuser *fz, mwx_fuse_tracklet_counts *out);

/* What a fuser's tables hold now (issue 13, thirteenth session: the salvo's
 * heap): source tracks (the silent members of a fused track included: they
 * go with their fused track, forget_s after its newest sample), fused
 * tracks, waiting tracks, and the bytes of every table's capacity (sources,
 * fused tracks, member index, lookup, state memo, pending table). */
typedef struct mwx_fuse_mem {
  size_t sources, fused, pending;
  size_t silent_sources; /* sources whose latest sample is older than fresh_s at the newest sample held */
  size_t bytes_sources, bytes_fused, bytes_index, bytes_lookup, bytes_memo, bytes_pending, bytes_total;
} mwx_fuse_mem;
void mwx_fuse_mem_stats(const mwx_fuser *fz, mwx_fuse_mem *out);

/* ---- The partners' latest samples (src/fuse/fuse_latest.c) ---------------- */

/* The newest sample per (originator, topic, id) as received: what each
 * partner said last (Tracks, LaunchEvents, predictions, Alerts, NodeStatus),
 * never going back in time.  Not the picture of the missiles: that is the
 * fuser's (one fused track per missile).  One caller at a time. */
#define MWX_FUSE_LATEST_MAX 2048 /* a node's bound (docs/architecture.md "Bounds") */

typedef struct mwx_fuse_latest_entry {
  mwx_msg msg;
  int64_t recv_wall_ns; /* as given to put */
  uint64_t updates;     /* samples that replaced this entry, the first included */
} mwx_fuse_latest_entry;
typedef struct mwx_fuse_latest mwx_fuse_latest;

/* The key id of a sample: its local track id (Track, LaunchEvent,
 * ImpactPrediction), alert id or node id; "" for another topic or NULL.
 * Pure. */
const char *mwx_fuse_latest_id(const mwx_msg *m);

/* A table of at most max_keys keys (> 0).  MWX_EINVAL, MWX_ENOMEM.  Free
 * with mwx_fuse_latest_destroy (NULL ignored). */
int mwx_fuse_latest_create(size_t max_keys, mwx_fuse_latest **out);
void mwx_fuse_latest_destroy(mwx_fuse_latest *t);

/* Puts m (copied): it replaces its key's entry only if newer (a later time
 * of validity, or the same and a higher seq; another copy of the same
 * sample changes nothing).  *changed: 1 if the table changed.  MWX_ERANGE
 * when m's key is new and max_keys are held (m stays out), MWX_ENOMEM. */
int mwx_fuse_latest_put(mwx_fuse_latest *t, const mwx_msg *m, int64_t recv_ns, int *changed);

/* Keys held (0 for NULL). */
size_t mwx_fuse_latest_count(const mwx_fuse_latest *t);

/* Removes the entry received longest ago (the smallest recv_wall_ns, the
 * first key of those), its copy into *out unless out is NULL; the others
 * keep their order.  The node's rule for a full table (issue 16, bounded
 * memory): the stalest key gives way to the new one, counted by the
 * caller.  0, MWX_ENOTFOUND for an empty table, MWX_EINVAL for NULL. */
int mwx_fuse_latest_evict_oldest(mwx_fuse_latest *t, mwx_fuse_latest_entry *out);

/* Calls fn for each entry (valid during the call), in the order the keys
 * came. */
typedef void (*mwx_fuse_latest_fn)(void *ctx, const mwx_fuse_latest_entry *e);
void mwx_fuse_latest_each(const mwx_fuse_latest *t, mwx_fuse_latest_fn fn, void *ctx);

/* ---- Replay: what sharing is worth (src/fuse/replay.c) ------------------- */

/* In-process replay of a scenario (the engine of `mwx replay`): one
 * simulation, one tracker per nation (KOR, JPN, USA) on its own sensors,
 * each nation's confirmed tracks published as its node does (every update;
 * a partner's sample carries no thrust), and per nation three fusers under
 * three arrangements: alone (own tracks), bilateral (own + the USA's; the
 * USA: own + both), shared (all three).  Each picture is scored per missile
 * against the truth (read only to score): the fused track within 50 km,
 * its launch point (the smallest-ellipse launch estimate of its members'
 * tracks, each from the track's early estimate as the node's first
 * LaunchEvent), its impact prediction (mwx_assess_impact of the fused state
 * every 10 s of flight in free flight).  Transport is instantaneous and
 * in-process: mesh and hub deliver the same samples. */
typedef struct mwx_fuse_replay_opts {
  uint64_t seed; /* simulator seed (default 1) */
  int hub;       /* 1: hub topology (same samples in-process; recorded only) */
  /* zones and alerts (issue 14's keys); NULL: those keys stay null.  Borrowed
   * for the call.  rules[a] for nation a (KOR, JPN, USA), NULL: no alerting. */
  const mwx_zone *zone;
  const mwx_alert_rules *rules[3];
} mwx_fuse_replay_opts;

/* Fills o with the defaults: seed 1, mesh, no zone, no alert rules. */
void mwx_fuse_replay_opts_default(mwx_fuse_replay_opts *o);

/* One nation's picture of one missile under one arrangement.  Times in
 * seconds after launch; has_* 0: never (JSON null). */
typedef struct mwx_fuse_replay_cond {
  int has_track, has_launch, has_launch_5km, has_ipp, has_ipp_50km, has_ipp_half, has_final_ipp;
  double first_track_s;       /* first fused track within 50 km */
  double launch_error_km;     /* final best launch estimate vs the truth */
  double launch_major_km;     /* its 95% semi-major axis */
  double launch_5km_s;        /* first time the best launch estimate was within 5 km */
  double first_ipp_s;         /* first impact prediction */
  double ipp_50km_s;          /* first prediction within 50 km that stayed within 50 km */
  double ipp_error_half_km;   /* the latest prediction made by half the flight time */
  double final_ipp_error_km;  /* the last prediction */
  uint32_t global_track_no;   /* the number at the end of the flight */
  int global_tracks;          /* distinct numbers during the flight (1: fusion held it) */
  int has_global;             /* the nation published an own Track sample with a global number */
  double first_global_s;      /* the first of them (the delay fusion's association adds to the
                                 nation's own track: docs/fusion.md "The pending join") */
  /* zones and alerts (opts.zone set; alert keys also need opts.rules[nation]) */
  int has_zone, has_zone_call, has_alert, has_overflight, has_lead;
  int zone;                   /* mwx_zone_kind of the last prediction's mean point */
  char zone_nation[4];        /* its nation, "" on the high seas */
  double zone_call_s;         /* first time the zone call (kind and nation) was the truth's and stayed so */
  int alert_kind;             /* mwx_alert_kind: the most severe kind the nation issued (NONE: null) */
  double alert_s;             /* when that kind was first issued (issue or update) */
  char alert_regions[MWX_ALERT_TEXT_LEN]; /* the regions warned at that kind, English, comma-separated */
  int false_alert;            /* a land-warned region was neither overflown (truth) nor hit */
  double overflight_s;        /* truth: first entry over the nation's land or territorial sea */
  double warning_lead_s;      /* overflight_s - alert_s (a land warning and an overflight) */
} mwx_fuse_replay_cond;

typedef struct mwx_fuse_replay_missile {
  char id[32];
  double flight_time_s;
  mwx_fuse_replay_cond n[3][3]; /* [KOR, JPN, USA][alone, bilateral, shared] */
} mwx_fuse_replay_missile;

typedef struct mwx_fuse_replay_result {
  size_t n;
  mwx_fuse_replay_missile *m; /* owned: mwx_fuse_replay_fini */
} mwx_fuse_replay_result;

/* Runs the replay (opts NULL: defaults).  out is overwritten; on success
 * the caller owns it (mwx_fuse_replay_fini).  Pure computation, no I/O. */
int mwx_fuse_replay(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const mwx_fuse_replay_opts *opts,
                    mwx_fuse_replay_result *out);
/* Copies the truth scorer's verdict q (zone, zone call, alert, overflight,
 * lead) into x, the alert regions as text from zone data z: the one mapping
 * from mwx_alert_score to the replay's keys, for this replay and the node
 * replay.  No I/O, no allocation. */
void mwx_fuse_replay_cond_set_alert(mwx_fuse_replay_cond *x, const mwx_zone *z, const mwx_alert_score *q);
/* Frees what mwx_fuse_replay put in r and zeroes it; NULL is ignored. */
void mwx_fuse_replay_fini(mwx_fuse_replay_result *r);

/* {"missiles":[{"id":"M1","KOR":{"alone":{...},"bilateral":{...},"shared":{...}},"JPN":{...},
 * "USA":{...}}]} with the keys of mwx_fuse_replay_cond (null where never); malloc'd text. */
int mwx_fuse_replay_json(const mwx_fuse_replay_result *r, char **text);

/* The same as an aligned table, one line per nation and arrangement. */
int mwx_fuse_replay_print(FILE *f, const mwx_fuse_replay_result *r);


/* ---- The per-nation pipeline (src/fuse/replay.c): the set-up both the
 * replay and bench/bench_fuse.c run ---------------------------------------- */

/* One simulation (mwx_sim_source, the scenario's sensors) whose plots go to
 * one tracker per nation on that nation's own sensors (index 0 KOR, 1 JPN,
 * 2 USA) and, with centralized = 1, to a fourth (MWX_FUSE_PIPE_ALL) on every
 * plot: what `mwx track --nation ALL` runs.  Stepped 1 s of simulated time at
 * a time (idle stretches are skipped to the next plot).  Each step gives what
 * the three nodes publish: a sample per confirmed, not coasting track updated
 * since its last publication (mwx_fuse_sample_from_track, the own filter's
 * thrust included), and the publishing nation's index.  Pure computation; not
 * thread-safe (one pipeline per thread). */
#define MWX_FUSE_PIPE_ALL 3

typedef struct mwx_fuse_pipe_opts {
  uint64_t seed;     /* simulator seed (default 1) */
  int centralized;   /* 1: also run the centralized tracker (MWX_FUSE_PIPE_ALL) */
  int ballistic_est; /* 1: a ballistic track publishes its ballistic model's estimate
                        (mwx_track_info.ballistic) instead of the combined one the node
                        publishes (an ablation of the bench) */
  int postburn_q_in_air_only; /* every tracker's mwx_track_config.postburn_q_in_air_only: 1 on,
                        -1 off, 0 (default) the tracker's default */
} mwx_fuse_pipe_opts;

/* Fills o with the defaults: seed 1, no centralized tracker, the combined
 * estimate published, the trackers' default configuration. */
void mwx_fuse_pipe_opts_default(mwx_fuse_pipe_opts *o);

typedef struct mwx_fuse_pipe mwx_fuse_pipe;

/* Creates a pipeline (opts NULL: defaults); sc and truth are borrowed and
 * must outlive it.  MWX_EINVAL, MWX_ENOMEM; free with mwx_fuse_pipe_destroy. */
int mwx_fuse_pipe_create(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const mwx_fuse_pipe_opts *opts,
                         mwx_fuse_pipe **out);
/* Frees a pipeline (its trackers and buffers); NULL is ignored. */
void mwx_fuse_pipe_destroy(mwx_fuse_pipe *p);

/* Runs one step: plots up to the next whole second, every tracker, the
 * publications.  *done = 1 (and nothing run) once the scenario has no plot
 * left.  A tracker's error is returned as is. */
int mwx_fuse_pipe_step(mwx_fuse_pipe *p, int *done);

/* Time of the last step (ns UTC; the scenario's epoch before the first). */
int64_t mwx_fuse_pipe_time(const mwx_fuse_pipe *p);

/* Tracker k (0..2 a nation, MWX_FUSE_PIPE_ALL the centralized one; NULL if
 * not run).  Valid until mwx_fuse_pipe_destroy. */
const mwx_tracker *mwx_fuse_pipe_tracker(const mwx_fuse_pipe *p, int k);

/* The samples published by the last step and, for each, the publishing
 * nation's index (both may be NULL).  Valid until the next step. */
size_t mwx_fuse_pipe_published(const mwx_fuse_pipe *p, const mwx_fuse_sample **s, const int **from);

/* Ingests into fz, in one mwx_fuse_ingest call, the last step's samples of
 * the nations whose bit is set in from_mask (bit k: nation k) as nation
 * `receiver` gets them: a partner's Track sample carries no thrust state
 * (the receiver's fuser estimates it), its own tracks keep the filter's.
 * Returns mwx_fuse_ingest's result. */
int mwx_fuse_pipe_deliver(const mwx_fuse_pipe *p, int receiver, unsigned from_mask, mwx_fuser *fz);

/* ---- Copying out (src/fuse/fuse_copy.c) ---------------------------------- */

/* Calls fn for every source track the fuser holds, with the global number
 * of the fused track holding it: for each (originator, local id) exactly
 * what mwx_fuse_global_of answers, all at once, in the fuser's table order
 * (not sorted).  For a reader on another thread: the owner of the fuser
 * copies the map into a snapshot (the node's fusion worker, fusepic.c).
 * Strings valid during the call.  Pure; NULL fz or fn: nothing. */
typedef void (*mwx_fuse_source_fn)(void *ctx, const char *originator, const char *local_track_id,
                                   uint32_t global_track_no);
void mwx_fuse_each_source(const mwx_fuser *fz, mwx_fuse_source_fn fn, void *ctx);

#endif /* MWX_FUSE_H */
