/*
 * msg.h - the coalition data model in C: the five topics of the exchange
 * (Track, LaunchEvent, ImpactPrediction, Alert, NodeStatus), the marking that
 * every sample carries, the canonical byte encoding that the originator
 * signs, and the originator's Ed25519 signature (OpenSSL).
 *
 * The same samples travel over DDS (net maps them to the IDL types in
 * idl/mwx.idl), are decided on by release, are written to the journal and
 * shown on the web page.  Optional fields (the ones a release rule may remove
 * or coarsen) have a bit in mwx_msg.fields: a field whose bit is clear is
 * absent, is zero in the struct, and is not part of the canonical bytes.
 *
 * Units and frames are in the field names.  Time is int64 ns since the Unix
 * epoch, UTC.  Nation codes are ISO 3166-1 alpha-3 ("KOR", "JPN", "USA").
 *
 * THIS HEADER IS A CONTRACT shared by release, journal, net, fuse, alert
 * and cop.
 */
#ifndef MWX_MSG_H
#define MWX_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/zone.h"

#define MWX_NATION_LEN 4     /* "KOR" + NUL */
#define MWX_MAX_NATIONS 8    /* nations in one releasable-to list */
#define MWX_ID_LEN 32        /* ids: local track ids, rule ids, sensor ids, node ids */
#define MWX_MAX_SENSORS 8    /* contributing sensors named in a sample */
#define MWX_TEXT_LEN 256     /* alert text, region lists */
#define MWX_SIG_LEN 64       /* Ed25519 signature */
#define MWX_MSG_MAX_BYTES 4096 /* upper bound of a canonical encoding */

typedef enum mwx_msg_topic {
  MWX_TOPIC_TRACK = 1,
  MWX_TOPIC_LAUNCH = 2, /* LaunchEvent */
  MWX_TOPIC_IMPACT = 3, /* ImpactPrediction */
  MWX_TOPIC_ALERT = 4,
  MWX_TOPIC_STATUS = 5  /* NodeStatus */
} mwx_msg_topic;

/* "Track", "LaunchEvent", "ImpactPrediction", "Alert", "NodeStatus". */
const char *mwx_msg_topic_name(mwx_msg_topic t);
/* Parses the names above; MWX_EINVAL otherwise. */
int mwx_msg_topic_parse(const char *name, mwx_msg_topic *out);

typedef enum mwx_msg_classification {
  MWX_CLASSIF_UNCLASSIFIED = 0,
  MWX_CLASSIF_RESTRICTED = 1,
  MWX_CLASSIF_CONFIDENTIAL = 2,
  MWX_CLASSIF_SECRET = 3
} mwx_msg_classification;

/* The marking of a sample. */
typedef struct mwx_msg_marking {
  char originator[MWX_NATION_LEN];                   /* nation that produced the data */
  uint8_t classification;                            /* mwx_msg_classification */
  uint8_t n_releasable;                              /* entries in releasable_to */
  char releasable_to[MWX_MAX_NATIONS][MWX_NATION_LEN]; /* sorted, unique; includes originator */
  char rule_id[MWX_ID_LEN];                          /* policy rule that released it */
  uint64_t seq;                                      /* per originator and topic, from 1 */
} mwx_msg_marking;

/* Optional fields: bits of mwx_msg.fields. */
#define MWX_F_SENSORS (1u << 0)      /* sensor identities (sensor_id[]) */
#define MWX_F_SENSOR_POS (1u << 1)   /* sensor positions (sensor_pos_ecef_m[]) */
#define MWX_F_COVARIANCE (1u << 2)   /* Track covariance */
#define MWX_F_CONTRIBUTORS (1u << 3) /* Track contributing nations */

typedef enum mwx_msg_phase { MWX_MSG_BOOST = 0, MWX_MSG_MIDCOURSE = 1, MWX_MSG_TERMINAL = 2 } mwx_msg_phase;

/* Sensor provenance shared by Track, LaunchEvent, ImpactPrediction. */
typedef struct mwx_msg_sources {
  uint8_t n_sensors;
  char sensor_id[MWX_MAX_SENSORS][MWX_ID_LEN];       /* MWX_F_SENSORS */
  double sensor_pos_ecef_m[MWX_MAX_SENSORS][3];      /* MWX_F_SENSOR_POS */
} mwx_msg_sources;

typedef struct mwx_msg_track {
  uint32_t global_track_no;        /* coalition-wide number, 0 before fusion */
  char local_track_id[MWX_ID_LEN]; /* originator's own id */
  int64_t time_ns;                 /* time of validity */
  double pos_ecef_m[3];
  double vel_ecef_mps[3];          /* relative to the rotating Earth */
  double cov[21];                  /* MWX_F_COVARIANCE: upper triangle of the 6x6
                                      [pos m, vel m/s] covariance, row-major */
  uint8_t phase;                   /* mwx_msg_phase */
  float quality;                   /* 0..1 */
  uint8_t n_contributors;          /* MWX_F_CONTRIBUTORS */
  char contributors[MWX_MAX_NATIONS][MWX_NATION_LEN];
  mwx_msg_sources src;
} mwx_msg_track;

typedef struct mwx_msg_launch {
  uint32_t global_track_no;
  char local_track_id[MWX_ID_LEN];
  int64_t launch_time_ns;
  double launch_time_sigma_s;
  double lat_deg, lon_deg;
  double err_major_km, err_minor_km, err_orient_deg; /* 95% ellipse, orientation from north */
  double azimuth_deg;                                 /* launch azimuth */
  mwx_msg_sources src;
} mwx_msg_launch;

/* The zone octet of ImpactPrediction: the kinds of mwx/zone.h (one definition,
 * so that a file may include both headers). */
typedef mwx_zone_kind mwx_msg_zone;

typedef struct mwx_msg_impact {
  uint32_t global_track_no;
  char local_track_id[MWX_ID_LEN];
  int64_t time_ns;                  /* time the prediction was made */
  int64_t impact_time_ns;
  double lat_deg, lon_deg;
  double ell_major_km, ell_minor_km, ell_orient_deg; /* 95% ellipse semi-axes, orientation from north */
  double apogee_km, range_km;
  uint8_t missile_class;            /* mwx_ballistic_class */
  uint8_t zone;                     /* mwx_msg_zone */
  char zone_nation[MWX_NATION_LEN]; /* whose land / sea / EEZ, "" for high seas */
  uint8_t n_overflown;
  char overflown[MWX_MAX_NATIONS][MWX_NATION_LEN];
  mwx_msg_sources src;
} mwx_msg_impact;

typedef enum mwx_msg_alert_action { MWX_ALERT_ISSUE = 0, MWX_ALERT_UPDATE = 1, MWX_ALERT_CANCEL = 2 } mwx_msg_alert_action;

typedef struct mwx_msg_alert {
  char alert_id[MWX_ID_LEN];
  char nation[MWX_NATION_LEN];
  uint8_t severity;                 /* 1 (advisory) .. 3 (take shelter) */
  uint8_t action;                   /* mwx_msg_alert_action */
  uint32_t global_track_no;
  int64_t time_ns;
  char regions[MWX_TEXT_LEN];       /* comma-separated region names */
  char text[MWX_TEXT_LEN];
} mwx_msg_alert;

typedef struct mwx_msg_status {
  char nation[MWX_NATION_LEN];
  char node_id[MWX_ID_LEN];
  char version[16];
  int64_t time_ns;
  uint8_t sensors_total, sensors_ok;
  int64_t clock_offset_ns;
  uint64_t journal_head_id;         /* the node's last sealed journal head: record id ... */
  uint8_t journal_head_hash[32];    /* ... and its chain hash (see journal.h) */
  uint64_t overflows;               /* items the node's bounded queues dropped since it started
                                       (hand-over queue, launch fits; docs/architecture.md "Bounds") */
} mwx_msg_status;

/* One sample of any topic. */
typedef struct mwx_msg {
  uint8_t topic;          /* mwx_msg_topic */
  uint32_t fields;        /* MWX_F_* bits present */
  mwx_msg_marking mark;
  uint8_t sig[MWX_SIG_LEN]; /* originator's Ed25519 signature over the canonical bytes */
  union {
    mwx_msg_track track;
    mwx_msg_launch launch;
    mwx_msg_impact impact;
    mwx_msg_alert alert;
    mwx_msg_status status;
  } u;
} mwx_msg;

/* Checks a marking: originator and every releasable-to entry are three
 * upper-case letters, the list is sorted and unique and names the
 * originator, classification is known.  MWX_EINVAL with a message. */
int mwx_msg_marking_check(const mwx_msg_marking *m);

/* Checks the text of a sample from outside: every id (rule, local track,
 * alert, node, sensor ids) is empty or in the id character set of
 * mwx/text.h, every other string (nation codes, version, alert regions and
 * text) is NUL-terminated and holds no control character (UTF-8 allowed in
 * alert text).  A receiver calls it before anything of the sample is
 * printed, journaled or shown (mwx_net_check does; mwx_msg_decode applies
 * the same rules).  MWX_EINVAL naming the field.  Pure. */
int mwx_msg_check_text(const mwx_msg *m);

/* A sample's time of validity (ns UTC): a Track's, ImpactPrediction's,
 * Alert's or NodeStatus's time_ns; 0 for a LaunchEvent (it has none: its
 * launch time is not when it was valid) or NULL.  Pure. */
int64_t mwx_msg_valid_ns(const mwx_msg *m);

/* Adds nation to a marking's releasable-to list keeping it sorted/unique.
 * MWX_ERANGE if the list is full, MWX_EINVAL if the code is malformed. */
int mwx_msg_marking_add(mwx_msg_marking *m, const char *nation);

/* 1 if the marking's releasable-to list names nation, else 0. */
int mwx_msg_marking_allows(const mwx_msg_marking *m, const char *nation);

/* Canonical bytes of a sample: topic, fields, marking and the present
 * fields of the payload, big-endian, fixed order, strings NUL-padded to
 * their declared length.  Excludes the signature.  buf must hold
 * MWX_MSG_MAX_BYTES; *len receives the length. */
int mwx_msg_encode(const mwx_msg *m, uint8_t *buf, size_t cap, size_t *len);

/* Decodes canonical bytes (as produced by mwx_msg_encode) into m (signature
 * left zero).  MWX_EPARSE with a message naming the offset on bad input. */
int mwx_msg_decode(const uint8_t *buf, size_t len, mwx_msg *m);

/* An Ed25519 key (opaque; wraps an OpenSSL EVP_PKEY). */
typedef struct mwx_msg_key mwx_msg_key;

/* Generates a new Ed25519 key pair.  Caller frees with mwx_msg_key_free. */
int mwx_msg_key_generate(mwx_msg_key **out);
/* Loads a PEM private key (Ed25519) or public key from path. */
int mwx_msg_key_load_private(const char *path, mwx_msg_key **out);
int mwx_msg_key_load_public(const char *path, mwx_msg_key **out);
/* Writes the private (mode 0600) or public key as PEM. */
int mwx_msg_key_save_private(const mwx_msg_key *k, const char *path);
int mwx_msg_key_save_public(const mwx_msg_key *k, const char *path);
/* The raw 32-byte Ed25519 public key of k (private or public), e.g. to
 * store or compare the key a journal is sealed with; and back. */
#define MWX_PUB_LEN 32
int mwx_msg_key_public_raw(const mwx_msg_key *k, uint8_t out[MWX_PUB_LEN]);
int mwx_msg_key_from_public_raw(const uint8_t raw[MWX_PUB_LEN], mwx_msg_key **out);
/* Frees a key; NULL is ignored. */
void mwx_msg_key_free(mwx_msg_key *k);

/* Signs the canonical bytes of m into m->sig with the private key. */
int mwx_msg_sign(mwx_msg *m, const mwx_msg_key *priv);
/* Verifies m->sig against the canonical bytes with the originator's public
 * key: 0 if valid, MWX_ECRYPTO (with a message) otherwise. */
int mwx_msg_verify(const mwx_msg *m, const mwx_msg_key *pub);

/* Signs / verifies arbitrary bytes with an Ed25519 key (used for records
 * that are not samples, e.g. the journal's sealed head).  verify: 0 if the
 * signature is valid, MWX_ECRYPTO otherwise. */
int mwx_msg_key_sign_bytes(const mwx_msg_key *priv, const void *data, size_t len, uint8_t sig[MWX_SIG_LEN]);
int mwx_msg_key_verify_bytes(const mwx_msg_key *pub, const void *data, size_t len, const uint8_t sig[MWX_SIG_LEN]);

/* Removes optional fields (clears bits in m->fields and zeroes their data). */
void mwx_msg_strip(mwx_msg *m, uint32_t fields);

/* Rounds positions to a grid of about precision_m metres and times to
 * precision_s seconds (coarsening by a release rule).  <= 0 leaves as is.
 * A Track's covariance, when present, grows by what the rounding adds
 * (precision_m^2/12 per position axis, v v^T precision_s^2/12), so that a
 * partner fusing the coarsened Track stays consistent; launch and impact
 * ellipses are never reported smaller than the grid. */
void mwx_msg_coarsen(mwx_msg *m, double precision_m, double precision_s);

/* Writes m as a JSON text (all present fields, marking, signature in hex)
 * into a malloc'd string the caller frees. */
int mwx_msg_to_json(const mwx_msg *m, char **json_out);

#endif /* MWX_MSG_H */
