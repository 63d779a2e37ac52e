/*
 * net.h - the coalition network: one nation's presence on Cyclone DDS with
 * DDS Security, releasability partitions, origin-signature checks and relay.
 *
 * A node opens one mwx_net.  It has one or more links; a link is one DDS
 * participant in one DDS domain (mesh: one link reaching every partner; hub:
 * one link per partner, each its own domain, so that a relay can choose
 * where a sample goes).  On every link the node has, per topic, one reader
 * in all the partitions that name its nation, and one writer per partition
 * (rel.<sorted codes>) it may publish into.  QoS: reliable, keep-last small
 * history per instance, transient-local (a late joiner gets the current
 * picture), automatic liveliness with a lease (a silent partner is noticed).
 *
 * Sending: mwx_net_publish() puts a signed sample into the partition its
 * marking names, as the DDS partition org.<own nation>.<rel partition>
 * (only this nation's permissions grant writing there, so a receiver knows
 * which authenticated nation wrote each sample).  Receiving: mwx_net_poll() takes what arrived, checks the
 * marking (the receiver must be in releasable_to) and the originator's
 * Ed25519 signature (public keys from the PKI directory), and hands every
 * sample to a callback as ACCEPTED or DROPPED with a reason, so the node
 * can journal both.  A hub (role MWX_NET_HUB_RELAY) republishes every
 * accepted sample unchanged (same marking and signature) on the other links
 * whose partners its marking allows, never on a link of its originator.
 *
 * Threads: one thread polls; mwx_net_publish may be called from any thread.
 * All functions return 0 or a negative MWX_E* (mwx/error.h) with a message.
 */
#ifndef MWX_NET_H
#define MWX_NET_H

#include <stddef.h>
#include <stdint.h>

#include "mwx/msg.h"
#include "mwx/pki.h"

#define MWX_NET_MAX_LINKS 8
#define MWX_NET_MAX_PEERS 16
#define MWX_NET_ADDR_LEN 64
#define MWX_NET_RELAY_MEMORY 4096 /* relayed samples a hub remembers per link, at least (see mwx_net_relay) */
/* The receive side's verify batch (issue 16, src/net/net_verify.c): one
 * mwx_net_poll gathers at most MWX_NET_VERIFY_BATCH samples before it
 * verifies their origin signatures (on verify_threads threads) and reports
 * them; a poll that takes more verifies and reports that batch and starts
 * another (counted: mwx_net_stats.verify_full; nothing is lost, the rest
 * only waits for the first batch's verification). */
#define MWX_NET_VERIFY_BATCH 256
#define MWX_NET_VERIFY_THREADS_MAX 8

/* Drop reason (mwx_net_event.reason) of a sample whose sender is not
 * allowed to send it: not one of the library's MWX_E* errors. */
#define MWX_NET_ESENDER (-100)
/* Drop reason of a sample signed with an origin key the coalition revoked. */
#define MWX_NET_EREVOKED (-101)

typedef enum mwx_net_role { MWX_NET_MESH = 0, MWX_NET_HUB_RELAY = 1 } mwx_net_role;

typedef struct mwx_net_link_config {
  uint32_t domain_id;                          /* DDS domain of this link (0..230) */
  int n_peers;                                 /* 0: multicast discovery */
  char peers[MWX_NET_MAX_PEERS][MWX_NET_ADDR_LEN]; /* unicast discovery addresses */
  char interface[MWX_NET_ADDR_LEN];            /* interface name or address; "" = Cyclone's choice */
  int n_partners;                              /* nations reached over this link */
  char partners[MWX_MAX_NATIONS][MWX_NATION_LEN];
} mwx_net_link_config;

typedef struct mwx_net_config {
  char nation[MWX_NATION_LEN];                 /* this node's nation, e.g. "KOR" */
  char pki_dir[MWX_PKI_PATH_LEN];              /* made by mwx pki init */
  int secure;                                  /* 1: DDS Security on (default); 0: plain */
  mwx_net_role role;
  int n_links;
  mwx_net_link_config links[MWX_NET_MAX_LINKS];
  int auto_relay;                              /* hub-relay: 1 (default) mwx_net_poll relays every
                                                  accepted sample itself; 0: the node decides and
                                                  calls mwx_net_relay (e.g. after its release policy) */
  int64_t lease_ns;                            /* liveliness lease (default 3 s) */
  int history_depth;                           /* keep-last depth per instance (default 4) */
  int verify_threads;                          /* threads that verify one poll's origin signatures:
                                                  the polling thread and verify_threads - 1 workers
                                                  (mwx-vfy<i>); 1..MWX_NET_VERIFY_THREADS_MAX,
                                                  default 2; 1 = all on the polling thread */
} mwx_net_config;

/* Sets defaults: secure, mesh, auto_relay, no links, lease 3 s, depth 4,
 * verify_threads 2. */
void mwx_net_config_init(mwx_net_config *c);

/* Reads the "net" part of a node's JSON configuration file (see
 * docs/operations.md): nation, pki_dir (relative paths are taken from the
 * config file's directory), secure, role ("mesh" | "hub-relay"), auto_relay, lease_ms,
 * history_depth, verify_threads, and either links [{domain_id, peers, interface, partners}]
 * or one link given by the top-level domain_id, peers, interface, partners.
 * The node layer's keys of the same file (journal, policy, web_port ...,
 * see mwx_node_config_load) are accepted and left to it; any other key, a
 * key given twice, a file that is not a regular file or is over 1 MiB, and an
 * interface or peer that is not an interface name, IP address or host name
 * (these reach Cyclone's XML) are refused: MWX_EPARSE (MWX_EIO for a file
 * that cannot be read) with a message naming the file and key. */
int mwx_net_config_load(const char *path, mwx_net_config *c);

typedef struct mwx_net mwx_net;

/* Joins the coalition: loads the PKI (nation list, own origin key, every
 * nation's origin public key), creates one participant per link (secured
 * with the nation's certificate and permissions unless secure is 0; with
 * DIR/identity_crl.pem present Cyclone gets that revocation list instead of
 * trusted/, as it takes only one of them), the
 * topics, the readers and the writers.  Refused with MWX_EINVAL before any
 * DDS call: two links on one DDS domain id (the message names both links and
 * the id), an interface that is not a name or address (letters, digits,
 * '.', ':', '_', '-'), a peer that is not a host name or address (the same
 * and '[', ']'), a domain id above 230.  Every value written into Cyclone's
 * XML configuration is also XML-escaped.  MWX_EDENIED if DDS access control
 * refuses an entity, MWX_EDDS for other middleware failures, MWX_ECRYPTO /
 * MWX_ENOTFOUND for PKI files.  *out is freed with mwx_net_close. */
int mwx_net_open(const mwx_net_config *cfg, mwx_net **out);

/* Leaves the coalition (deletes the participants); NULL is ignored. */
void mwx_net_close(mwx_net *n);

/* The nation and number of links of an open net. */
const char *mwx_net_nation(const mwx_net *n);
int mwx_net_link_count(const mwx_net *n);

/* Partition name of a marking: "rel." + releasable_to joined by '.'
 * (the list is kept sorted by msg).  MWX_EINVAL for an invalid marking. */
int mwx_net_partition_of(const mwx_msg_marking *mark, char *buf, size_t cap);

/* Publishes a signed sample unchanged on every link, into the partition
 * its marking names.  The marking must be valid, name this nation as
 * originator and be releasable to at least one other nation (MWX_EINVAL /
 * MWX_EDENIED otherwise).  A partition DDS Security does not grant gives
 * MWX_EDENIED. */
int mwx_net_publish(mwx_net *n, const mwx_msg *m);

/* Signs m with this nation's origin key (loaded from the PKI directory), so
 * that the node can journal exactly what it then publishes. */
int mwx_net_sign(const mwx_net *n, mwx_msg *m);

/* Signs m (mwx_net_sign) and publishes it (mwx_net_publish). */
int mwx_net_sign_publish(mwx_net *n, mwx_msg *m);

/* The hub's relay of an accepted sample that came on link from: publishes m
 * unchanged on every other link that has a partner (other than this
 * nation) its marking names, skipping links whose partners include the
 * originator, and skipping links it already relayed the same signed sample
 * on: the key (originator, topic, seq, first 8 signature bytes) is kept per
 * link, at least the last MWX_NET_RELAY_MEMORY relayed and at most twice that;
 * older keys are forgotten in blocks, counted in relay_forgotten, and
 * suppressed duplicates in relay_dups.  Returns the number of links it
 * went out on (>= 0), or a negative MWX_E* if a publication failed.  mwx_net_poll calls it itself
 * for a hub-relay with auto_relay set. */
int mwx_net_relay(mwx_net *n, int from, const mwx_msg *m);

/* Publishes m unchanged on one link only, without the originator check
 * (relays and tools).  Same errors as mwx_net_publish. */
int mwx_net_publish_link(mwx_net *n, int link, const mwx_msg *m);

/* Forgets one of this node's instances (issue 16, bounded memory): the
 * Track, LaunchEvent and ImpactPrediction instances keyed (originator =
 * this nation, local_track_id id) are unregistered (and so disposed:
 * Cyclone's default autodispose) on every writer of every link that holds
 * them, so the writers' history (TRANSIENT_LOCAL, KEEP_LAST history_depth
 * per instance) keeps nothing of a track the tracker deleted, and readers
 * free the instance once they take the disposal.  A hub relaying a
 * partner's instance forgets its relayed copies when the partner disposes
 * it (mwx_net_poll).  *count (may be NULL) receives the number of
 * instances unregistered (0 if none was held: not an error).  Any thread.
 * MWX_EINVAL for a NULL net or an id that is empty or too long. */
int mwx_net_forget(mwx_net *n, const char *id, int *count);

/* The same for one of this node's Alert instances (originator = this
 * nation, alert_id): unregistered on every writer of every link that holds
 * it.  For an alert whose cancel never went out on some partition (held,
 * refused): the node's sweep when it drops the alert's life cycle.  A hub
 * forgets its relayed copies of a partner's Alert when the partner disposes
 * it.  Same contract and errors as mwx_net_forget. */
int mwx_net_forget_alert(mwx_net *n, const char *alert_id, int *count);

/* The instance's last word (issue 16, bounded memory): unregisters m's
 * instance (its topic's key: originator and id) on the writers of the
 * partition m's marking names, on every link, where it is held; call it
 * just after publishing m (mwx_net_publish) when m ends the instance (an
 * Alert's cancel): DDS delivers m and then the disposal in order, so a
 * reader takes m, then finds the instance disposed and frees it.  Copies
 * of the same instance in other partitions (another partner's copy, still
 * in a manual queue) are not touched.  *count (may be NULL): instances
 * unregistered (0: none held, not an error).  Any thread.  MWX_EINVAL for a
 * NULL argument or an unknown topic, marking errors as mwx_net_publish. */
int mwx_net_unregister(mwx_net *n, const mwx_msg *m, int *count);


/* What mwx_net_poll reports. */
typedef enum mwx_net_event_kind {
  MWX_NET_EV_ACCEPTED = 1, /* a partner's sample passed every check */
  MWX_NET_EV_DROPPED = 2,  /* a sample failed a check; reason/detail say which */
  MWX_NET_EV_PARTNER = 3   /* a partner became present (alive) or was lost */
} mwx_net_event_kind;

typedef struct mwx_net_event {
  mwx_net_event_kind kind;
  int link;              /* index of the link it came on */
  const mwx_msg *msg;    /* ACCEPTED / DROPPED: the sample as received (valid during the callback) */
  int reason;            /* DROPPED: MWX_EPARSE malformed, MWX_EINVAL bad marking, MWX_EDENIED not
                            releasable to us, MWX_NET_ESENDER sent by a nation that may not send it
                            (see mwx_net_check_sender), MWX_ENOTFOUND unknown originator,
                            MWX_NET_EREVOKED origin key revoked, MWX_ECRYPTO bad signature,
                            MWX_EEXIST our own sample came back */
  char sender[MWX_NATION_LEN]; /* ACCEPTED / DROPPED: the authenticated nation whose writer sent it
                            ("" if unknown); differs from the originator for a relayed sample */
  char detail[200];      /* DROPPED: human-readable reason */
  int relayed;           /* ACCEPTED on a hub with auto_relay: links it was republished on */
  int64_t recv_ns;       /* CLOCK_REALTIME when taken from DDS */
  int64_t verified_ns;   /* ACCEPTED / DROPPED: CLOCK_REALTIME when its checks were done */
  char partner[MWX_NATION_LEN]; /* PARTNER: which nation */
  int alive;             /* PARTNER: 1 present, 0 lost (lease expired or left) */
} mwx_net_event;

typedef void (*mwx_net_event_fn)(void *ctx, const mwx_net_event *ev);

/* Waits up to timeout_ns (0: do not wait) for data or partner changes on
 * any link, then handles everything available: each sample is checked
 * (mwx_net_check), relayed if this node is a hub, and reported through fn.
 * The origin signatures of the samples one poll takes (up to
 * MWX_NET_VERIFY_BATCH at a time) are verified on verify_threads threads
 * at once; the samples are then relayed and reported in the order DDS gave
 * them, as if each had been checked alone.  One thread polls at a time.
 * Revocation: at most once a second it looks at DIR/origin_revoked.p7s
 * (mwx pki revoke --origin: samples under a listed origin key are dropped
 * as revoked-key; a list that does not verify is an error and changes
 * nothing), and at DIR/identity_crl.pem (made by mwx pki revoke) and the
 * node's own node.pem and permissions.p7s (mwx pki reissue): when one of
 * them appeared or changed, every link's domain and participant are
 * deleted and made again, so every partner is authenticated anew (a
 * revoked certificate is refused, a renewed one takes effect) without a
 * restart (partners see this node lost and alive again; the late-joiner
 * history of its writers starts empty).  Install node.pem and node.key
 * before permissions.p7s; a half-installed renewal fails and is tried
 * again a second later.
 * Returns the number of events reported (>= 0), or a negative MWX_E*. */
int mwx_net_poll(mwx_net *n, int64_t timeout_ns, mwx_net_event_fn fn, void *ctx);

/* Makes a waiting mwx_net_poll return early (from any thread). */
int mwx_net_wakeup(mwx_net *n);

/* The receive-side check of one sample: valid marking, releasable to this
 * nation, known originator whose origin key is not revoked (DIR/
 * origin_revoked.p7s, verified under the permissions CA at open and
 * re-read by mwx_net_poll within a second of a change), valid Ed25519
 * signature, not our own.  0 if it
 * passes, else the reason code of mwx_net_event with detail filled.
 * mwx_net_poll also applies mwx_net_check_sender. */
int mwx_net_check(const mwx_net *n, const mwx_msg *m, char *detail, size_t cap);

/* Binds identity to origin: a sample of originator O that arrived on link
 * from a writer of the authenticated nation sender is allowed if sender is
 * O, or if sender is one of the link's configured partners and O is not
 * (a relay, e.g. the USA hub, forwarding for a nation this link does not
 * reach).  A link without configured partners allows no relay.  0 or
 * MWX_NET_ESENDER with detail filled. */
int mwx_net_check_sender(const mwx_net *n, int link, const char *sender, const mwx_msg *m, char *detail,
                         size_t cap);

/* 1 if the partner nation has a matched reader on link (any partition),
 * else 0. */
int mwx_net_partner_present(mwx_net *n, int link, const char *nation);

/* Waits until nation has matched readers for this node's writers in the
 * partition (e.g. "rel.JPN.KOR") on link, up to timeout_ns.  0 or
 * MWX_ETIMEDOUT. */
int mwx_net_wait_reader(mwx_net *n, int link, const char *partition, const char *nation, int64_t timeout_ns);

/* Waits until every matched reader acknowledged what was published, up to
 * timeout_ns.  0 or MWX_ETIMEDOUT. */
int mwx_net_wait_acks(mwx_net *n, int64_t timeout_ns);

/* Tries to create a writer (as_writer) or reader of topic in the DDS
 * partition named exactly (e.g. "org.JPN.rel.JPN.USA") on link and deletes
 * it again: 0 if DDS allowed it, MWX_EDENIED if DDS
 * Security refused it (DDS_RETCODE_NOT_ALLOWED_BY_SECURITY), MWX_EDDS
 * otherwise. */
int mwx_net_try_partition(mwx_net *n, int link, mwx_msg_topic topic, const char *partition, int as_writer);

/* The DDS participant and topic entities of a link (dds_entity_t), for
 * tests and tools that need the raw middleware.  Negative if out of range. */
int32_t mwx_net_participant(const mwx_net *n, int link);
int32_t mwx_net_topic(const mwx_net *n, int link, mwx_msg_topic topic);

/* Counters since open. */
typedef struct mwx_net_stats {
  uint64_t published, accepted, dropped, relayed;
  uint64_t relay_dups;      /* relays suppressed: the same sample was already relayed on that link */
  uint64_t relay_forgotten; /* relay keys dropped from the duplicate memory (its bound) */
  uint64_t reopened;        /* times the links were made again for a new revocation list */
  uint64_t forgotten;       /* instances unregistered by mwx_net_forget, mwx_net_forget_alert,
                               mwx_net_unregister (and, on a hub, relayed copies of a partner's
                               instance it disposed) */
  uint64_t verify_batches;  /* batches whose signatures were verified on more than one thread */
  uint64_t verify_max;      /* the most samples one verify batch held (<= MWX_NET_VERIFY_BATCH) */
  uint64_t verify_full;     /* polls whose batch reached MWX_NET_VERIFY_BATCH: verified and reported
                               before the poll took the rest (its bound; nothing lost) */
  int verify_threads;       /* threads verifying a batch, the polling thread included */
} mwx_net_stats;
void mwx_net_get_stats(const mwx_net *n, mwx_net_stats *s);

/* CLOCK_REALTIME now, ns since the Unix epoch. */
int64_t mwx_net_now_ns(void);

/* Fills m with a synthetic Track of this nation (for smoke tests and
 * benchmarks): local id "<NAT>-T<index>", time_ns = now, a position over
 * the Sea of Japan, releasable to the nations of rel_csv ("JPN,KOR,USA";
 * NULL or "" for the whole coalition), rule "test", seq as given.  Not
 * signed.  MWX_EINVAL for a bad list. */
int mwx_net_test_track(const mwx_net *n, uint32_t index, uint64_t seq, const char *rel_csv, mwx_msg *m);

/* Short name of a drop reason: "malformed", "bad-marking", "not-releasable",
 * "wrong-sender", "unknown-originator", "revoked-key", "bad-signature",
 * "own-sample", or "error". */
const char *mwx_net_reason_name(int reason);

/* One log line for an event (no newline), e.g.
 *   ACCEPTED link=0 topic=Track orig=KOR seq=3 id=KOR-T3 rel=JPN.KOR.USA relayed=1 age_us=412
 *   DROPPED link=0 topic=Track orig=KOR seq=3 reason=bad-signature via=KOR detail="..."
 *   PARTNER link=0 JPN alive
 * age_us is recv_ns minus the sample's own time (Track, NodeStatus, Alert,
 * ImpactPrediction time_ns), omitted for other topics; an ACCEPTED line ends
 * " via=USA" when the sender is not the originator.  The detail is printed
 * with non-printable characters as '?'. */
void mwx_net_event_format(const mwx_net_event *ev, char *buf, size_t cap);

#endif /* MWX_NET_H */
