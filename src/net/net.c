/*
 * net.c - one nation's presence on the coalition bus (see include/mwx/net.h):
 * DDS domains and secured participants per link, topics, readers in the
 * partitions that name the nation, writers per releasability partition,
 * receive-side checks (marking, sender, origin signature), relay with its
 * duplicate memory, partner presence.
 *
 * Who sent a sample.  Every writer of this node sits in the partition
 * org.<own nation>.rel.<codes> (mwx_pki_sender_partition); DDS access
 * control lets a participant create, and match, a writer only in partitions
 * its signed permissions grant, and the permissions are bound to the
 * certificate subject, which the coalition identity authority alone issues.
 * So the org.<NAT> of the partition of the remote writer a sample came from
 * (dds_get_matched_publication_data) names an authenticated nation; the
 * nation in USER_DATA is only a claim and is not used for any decision.
 *
 * The relay's duplicate memory: per link, the keys (originator, topic, seq,
 * first 8 bytes of the signature: the same signed sample) it republished on
 * that link, in two generations of MWX_NET_RELAY_MEMORY keys each; a key in
 * either is not republished on that link again.  It remembers at least the
 * last MWX_NET_RELAY_MEMORY and at most twice that many; when a generation is
 * dropped its keys are counted (mwx_net_stats.relay_forgotten).
 */
#include "mwx/net.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dds/dds.h>

#include "mwx/error.h"
#include "net/net_int.h"

#define READ_BATCH 32
#define NET_SENDER_CACHE 256  /* remote writers whose nation a link remembers */
#define NET_RELAY_SLOTS (2 * MWX_NET_RELAY_MEMORY) /* open-addressing slots of one generation */

/* One relayed sample's identity. */
typedef struct relay_key {
  char orig[3];
  uint8_t topic;
  uint8_t sig8[8];
  uint64_t seq;
} relay_key;

typedef struct relay_gen {
  relay_key *slot; /* NET_RELAY_SLOTS entries; topic 0 = empty */
  size_t n;
} relay_gen;

typedef struct sender_entry {
  dds_instance_handle_t h;
  char nation[MWX_NATION_LEN]; /* "" if the writer's partition names no sender */
} sender_entry;

typedef struct net_link net_link;

/* What a reader's match listener needs (mwx_net and its links never move). */
typedef struct net_match_arg {
  struct mwx_net *n;
  net_link *l;
  int t;
} net_match_arg;

/* The writers of one partition on one link. */
typedef struct net_wset {
  char partition[MWX_PKI_PARTITION_LEN];
  dds_entity_t pub;
  dds_entity_t wr[NET_N_TOPICS];
} net_wset;

struct net_link {
  mwx_net_link_config cfg;
  dds_entity_t domain; /* created by us, else 0 */
  dds_entity_t pp;
  dds_entity_t topic[NET_N_TOPICS];
  dds_entity_t sub;
  dds_entity_t rd[NET_N_TOPICS];
  net_wset *ws;
  size_t n_ws, cap_ws;
  int present[MWX_MAX_NATIONS]; /* by coalition index, as last reported */
  /* the nations of remote writers, learnt when they match (a DDS listener
     thread) so that a writer that sent and left before the poll took its
     samples is still known; under senders_mu */
  pthread_mutex_t senders_mu;
  sender_entry senders[NET_SENDER_CACHE];
  size_t n_senders, next_sender;
  net_match_arg marg[NET_N_TOPICS];
  atomic_int matched[NET_N_TOPICS]; /* set by the listener, taken by the poll */
  relay_gen relay_cur, relay_old; /* under the net's lock */
};

struct mwx_net {
  mwx_net_config cfg;
  char coalition[MWX_MAX_NATIONS][MWX_NATION_LEN];
  size_t n_coalition;
  char pki_abs[PATH_MAX];
  mwx_msg_key *own_key;
  mwx_msg_key *pub[MWX_MAX_NATIONS]; /* origin public keys, by coalition index */
  char pub_fp[MWX_MAX_NATIONS][MWX_PKI_FP_LEN]; /* their SHA-256 fingerprints */
  int revoked[MWX_MAX_NATIONS];      /* 1: listed in origin_revoked.p7s (poll thread) */
  char origin_list_path[MWX_PKI_PATH_LEN];
  uint64_t origin_list_state;
  char (*partitions)[MWX_PKI_PARTITION_LEN]; /* the partitions naming us */
  size_t n_partitions;
  int n_links;
  net_link links[MWX_NET_MAX_LINKS];
  dds_entity_t waitset, guard;
  dds_qos_t *wqos, *rqos;
  pthread_mutex_t lock; /* writer sets (created on demand by publish and relay), writes, link reopening */
  char crl_path[MWX_PKI_PATH_LEN];
  uint64_t crl_state;     /* identity of the revocation list in use (0: none) */
  int64_t crl_checked_ns; /* poll thread only */
  atomic_uint_fast64_t published, accepted, dropped, relayed, relay_dups, relay_forgotten, reopened, forgotten;
  /* the receive side's verify batch (net_verify.c; poll thread only, the
     counters read by any thread) */
  net_vpool *vpool;
  net_vjob *pend; /* MWX_NET_VERIFY_BATCH jobs */
  size_t n_pend;
  atomic_uint_fast64_t verify_batches, verify_max, verify_full;
};

static int dds_fail(dds_return_t r, const char *what) {
  if (r == DDS_RETCODE_NOT_ALLOWED_BY_SECURITY)
    return mwx_error_set(MWX_EDENIED, "%s: refused by DDS Security (%s)", what, dds_strretcode(r));
  return mwx_error_set(MWX_EDDS, "%s: %s", what, dds_strretcode(r));
}

int64_t mwx_net_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

void mwx_net_config_init(mwx_net_config *c) {
  memset(c, 0, sizeof *c);
  c->secure = 1;
  c->role = MWX_NET_MESH;
  c->auto_relay = 1;
  c->verify_threads = 2;
  c->lease_ns = 3000000000ll;
  c->history_depth = 4;
}

const char *mwx_net_nation(const mwx_net *n) { return n->cfg.nation; }
int mwx_net_link_count(const mwx_net *n) { return n->n_links; }

int mwx_net_partition_of(const mwx_msg_marking *mark, char *buf, size_t cap) {
  int rc = mwx_msg_marking_check(mark);
  if (rc)
    return rc;
  return mwx_pki_partition((const char(*)[MWX_NATION_LEN])mark->releasable_to, mark->n_releasable, buf, cap);
}

static int coalition_index(const mwx_net *n, const char *nation) {
  for (size_t i = 0; i < n->n_coalition; i++)
    if (!strncmp(n->coalition[i], nation, MWX_NATION_LEN))
      return (int)i;
  return -1;
}

/* ------------------------------------------------------------ participant */

static int is_address(const char *s) {
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == ':'))
      return 0;
  return 1;
}

int net_xml_escape(const char *in, char *out, size_t cap) {
  size_t k = 0;
  for (const char *p = in; *p; p++) {
    const char *e = NULL;
    char one[2] = {*p, 0};
    switch (*p) {
    case '&': e = "&amp;"; break;
    case '<': e = "&lt;"; break;
    case '>': e = "&gt;"; break;
    case '"': e = "&quot;"; break;
    case '\'': e = "&apos;"; break;
    default: e = one;
    }
    size_t len = strlen(e);
    if (k + len >= cap)
      return mwx_error_set(MWX_ERANGE, "value too long for the domain configuration");
    memcpy(out + k, e, len);
    k += len;
  }
  if (cap == 0)
    return mwx_error_set(MWX_ERANGE, "value too long for the domain configuration");
  out[k] = '\0';
  return 0;
}

/* A value shown in an error message: printable ASCII, others as '?'. */
static void shown(const char *in, char *out, size_t cap) {
  size_t k = 0;
  for (; *in && k + 1 < cap; in++)
    out[k++] = (*in >= 32 && *in < 127) ? *in : '?';
  out[k] = '\0';
}

static int net_name_ok(const char *s, int brackets) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
          *s == ':' || *s == '_' || *s == '-' || (brackets && (*s == '[' || *s == ']'))))
      return 0;
  return 1;
}

int net_link_check(int i, const mwx_net_link_config *l) {
  char v[MWX_NET_ADDR_LEN];
  if (l->domain_id > 230)
    return mwx_error_set(MWX_EINVAL, "net: link %d: domain id %u is not 0..230", i, l->domain_id);
  if (l->interface[0] && (memchr(l->interface, 0, MWX_NET_ADDR_LEN) == NULL || !net_name_ok(l->interface, 0))) {
    shown(l->interface, v, sizeof v);
    return mwx_error_set(MWX_EINVAL,
                         "net: link %d: interface '%s' is not an interface name or address (letters, digits, "
                         "'.', ':', '_', '-' only)",
                         i, v);
  }
  if (l->n_peers < 0 || l->n_peers > MWX_NET_MAX_PEERS)
    return mwx_error_set(MWX_EINVAL, "net: link %d: %d peers (0..%d)", i, l->n_peers, MWX_NET_MAX_PEERS);
  for (int k = 0; k < l->n_peers; k++)
    if (memchr(l->peers[k], 0, MWX_NET_ADDR_LEN) == NULL || !net_name_ok(l->peers[k], 1)) {
      shown(l->peers[k], v, sizeof v);
      return mwx_error_set(MWX_EINVAL,
                           "net: link %d: peer %d '%s' is not a host name or address (letters, digits, '.', ':', "
                           "'_', '-', '[', ']' only)",
                           i, k, v);
    }
  return 0;
}

/* Cyclone configuration of one link's domain.  Every value from the
 * configuration is checked (net_link_check) and escaped. */
static int domain_xml(const mwx_net *n, const mwx_net_link_config *l, char *buf, size_t cap) {
  char esc[6 * MWX_NET_ADDR_LEN];
  size_t len = 0;
  int w;
#define APPEND(...)                                                                                                    \
  do {                                                                                                                 \
    w = snprintf(buf + len, cap - len, __VA_ARGS__);                                                                   \
    if (w < 0 || (size_t)w >= cap - len)                                                                               \
      return mwx_error_set(MWX_ERANGE, "domain configuration too long");                                               \
    len += (size_t)w;                                                                                                  \
  } while (0)
  APPEND("<CycloneDDS><Domain id=\"any\"><General>");
  if (l->interface[0]) {
    if (net_xml_escape(l->interface, esc, sizeof esc))
      return MWX_ERANGE;
    APPEND("<Interfaces><NetworkInterface %s=\"%s\"/></Interfaces>", is_address(l->interface) ? "address" : "name",
           esc);
  }
  APPEND("<AllowMulticast>%s</AllowMulticast></General>", l->n_peers ? "false" : "spdp");
  APPEND("<Discovery><ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>30</MaxAutoParticipantIndex>");
  APPEND("<LeaseDuration>%lldms</LeaseDuration>", (long long)(n->cfg.lease_ns / 1000000));
  if (l->n_peers) {
    APPEND("<Peers>");
    for (int i = 0; i < l->n_peers; i++) {
      if (net_xml_escape(l->peers[i], esc, sizeof esc))
        return MWX_ERANGE;
      APPEND("<Peer address=\"%s\"/>", esc);
    }
    APPEND("</Peers>");
  }
  APPEND("</Discovery></Domain></CycloneDDS>");
#undef APPEND
  return 0;
}

static int set_security(const mwx_net *n, dds_qos_t *q) {
  mwx_pki_paths p;
  int rc = mwx_pki_paths_for(n->pki_abs, n->cfg.nation, &p);
  if (rc)
    return rc;
  char v[MWX_PKI_PATH_LEN + 8];
  dds_qset_prop(q, "dds.sec.auth.library.path", "dds_security_auth");
  dds_qset_prop(q, "dds.sec.auth.library.init", "init_authentication");
  dds_qset_prop(q, "dds.sec.auth.library.finalize", "finalize_authentication");
  dds_qset_prop(q, "dds.sec.crypto.library.path", "dds_security_crypto");
  dds_qset_prop(q, "dds.sec.crypto.library.init", "init_crypto");
  dds_qset_prop(q, "dds.sec.crypto.library.finalize", "finalize_crypto");
  dds_qset_prop(q, "dds.sec.access.library.path", "dds_security_ac");
  dds_qset_prop(q, "dds.sec.access.library.init", "init_access_control");
  dds_qset_prop(q, "dds.sec.access.library.finalize", "finalize_access_control");
  snprintf(v, sizeof v, "file:%s", p.identity_ca);
  dds_qset_prop(q, "dds.sec.auth.identity_ca", v);
  snprintf(v, sizeof v, "file:%s", p.cert);
  dds_qset_prop(q, "dds.sec.auth.identity_certificate", v);
  snprintf(v, sizeof v, "file:%s", p.key);
  dds_qset_prop(q, "dds.sec.auth.private_key", v);
  /* Cyclone 0.10 takes either a revocation list or a trust directory; with
   * the one coalition identity CA the list alone is enough */
  if (n->crl_path[0] && access(n->crl_path, R_OK) == 0) {
    snprintf(v, sizeof v, "file:%s", n->crl_path);
    dds_qset_prop(q, "org.eclipse.cyclonedds.sec.auth.crl", v);
  } else
    dds_qset_prop(q, "dds.sec.auth.trusted_ca_dir", p.trusted_dir);
  snprintf(v, sizeof v, "file:%s", p.permissions_ca);
  dds_qset_prop(q, "dds.sec.access.permissions_ca", v);
  snprintf(v, sizeof v, "file:%s", p.governance);
  dds_qset_prop(q, "dds.sec.access.governance", v);
  snprintf(v, sizeof v, "file:%s", p.permissions);
  dds_qset_prop(q, "dds.sec.access.permissions", v);
  return 0;
}

static int wset_create(mwx_net *n, net_link *l, const char *partition, net_wset **out) {
  if (l->n_ws == l->cap_ws) {
    size_t cap = l->cap_ws ? 2 * l->cap_ws : 8;
    net_wset *ws = realloc(l->ws, cap * sizeof *ws);
    if (!ws)
      return mwx_error_set(MWX_ENOMEM, "out of memory");
    l->ws = ws;
    l->cap_ws = cap;
  }
  net_wset *s = &l->ws[l->n_ws];
  memset(s, 0, sizeof *s);
  snprintf(s->partition, sizeof s->partition, "%s", partition);
  char wpart[MWX_PKI_WPARTITION_LEN];
  int prc = mwx_pki_sender_partition(n->cfg.nation, partition, wpart, sizeof wpart);
  if (prc)
    return prc;
  dds_qos_t *pq = dds_create_qos();
  dds_qset_partition1(pq, wpart);
  s->pub = dds_create_publisher(l->pp, pq, NULL);
  dds_delete_qos(pq);
  if (s->pub < 0)
    return dds_fail(s->pub, "create publisher");
  for (int t = 0; t < NET_N_TOPICS; t++) {
    s->wr[t] = dds_create_writer(s->pub, l->topic[t], n->wqos, NULL);
    if (s->wr[t] < 0) {
      int rc = dds_fail(s->wr[t], "create writer");
      mwx_error_set(rc, "%s %s in partition %s: %s", net_topic_name((mwx_msg_topic)(t + 1)), "writer", partition,
                    dds_strretcode(s->wr[t]));
      dds_delete(s->pub);
      return rc;
    }
  }
  l->n_ws++;
  *out = s;
  return 0;
}

/* Finds (or creates) the writer set of a partition; caller holds n->lock. */
static int wset_get(mwx_net *n, net_link *l, const char *partition, net_wset **out) {
  for (size_t i = 0; i < l->n_ws; i++)
    if (!strcmp(l->ws[i].partition, partition)) {
      *out = &l->ws[i];
      return 0;
    }
  return wset_create(n, l, partition, out);
}

/* Opens a link: its domain (unless reopen: the domain stays), participant,
 * topics, readers and writers. */
static void on_matched(dds_entity_t rd, const dds_subscription_matched_status_t st, void *arg);

static int link_open(mwx_net *n, net_link *l, int reopen) {
  char xml[4096];
  int rc = domain_xml(n, &l->cfg, xml, sizeof xml);
  if (rc)
    return rc;
  if (!reopen) {
    dds_entity_t d = dds_create_domain(l->cfg.domain_id, xml);
    if (d < 0 && d != DDS_RETCODE_PRECONDITION_NOT_MET) /* already made in this process: share it */
      return dds_fail(d, "create domain");
    l->domain = d > 0 ? d : 0;
  }

  dds_qos_t *q = dds_create_qos();
  dds_qset_userdata(q, n->cfg.nation, 3);
  if (n->cfg.secure && (rc = set_security(n, q))) {
    dds_delete_qos(q);
    return rc;
  }
  l->pp = dds_create_participant(l->cfg.domain_id, q, NULL);
  dds_delete_qos(q);
  if (l->pp < 0)
    return mwx_error_set(l->pp == DDS_RETCODE_NOT_ALLOWED_BY_SECURITY ? MWX_EDENIED : MWX_EDDS,
                         "%s participant on domain %u: %s%s", n->cfg.nation, l->cfg.domain_id,
                         dds_strretcode(l->pp),
                         n->cfg.secure ? " (check the PKI files, subject and permissions validity)" : "");

  for (int t = 0; t < NET_N_TOPICS; t++) {
    mwx_msg_topic tp = (mwx_msg_topic)(t + 1);
    l->topic[t] = dds_create_topic(l->pp, net_descriptor(tp), net_topic_name(tp), NULL, NULL);
    if (l->topic[t] < 0)
      return dds_fail(l->topic[t], net_topic_name(tp));
  }

  /* readers: every partition that names us */
  dds_qos_t *sq = dds_create_qos();
  size_t cap = n->n_partitions * MWX_MAX_NATIONS, k = 0;
  char(*wnames)[MWX_PKI_WPARTITION_LEN] = calloc(cap, sizeof *wnames);
  const char **names = calloc(cap, sizeof *names);
  if (!names || !wnames) {
    free(names);
    free(wnames);
    dds_delete_qos(sq);
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  }
  /* org.<S>.rel.X for every partition X naming us and every sender S in X */
  for (size_t i = 0; i < n->n_partitions; i++)
    for (size_t c = 4; c + 3 <= strlen(n->partitions[i]) && k < cap; c += 4) {
      char sender[MWX_NATION_LEN];
      memcpy(sender, n->partitions[i] + c, 3);
      sender[3] = '\0';
      if (!mwx_pki_sender_partition(sender, n->partitions[i], wnames[k], MWX_PKI_WPARTITION_LEN)) {
        names[k] = wnames[k];
        k++;
      }
    }
  dds_qset_partition(sq, (uint32_t)k, names);
  free(names);
  free(wnames);
  l->sub = dds_create_subscriber(l->pp, sq, NULL);
  dds_delete_qos(sq);
  if (l->sub < 0)
    return dds_fail(l->sub, "create subscriber");
  for (int t = 0; t < NET_N_TOPICS; t++) {
    l->marg[t] = (net_match_arg){n, l, t};
    dds_listener_t *lst = dds_create_listener(&l->marg[t]);
    if (!lst)
      return mwx_error_set(MWX_ENOMEM, "net: out of memory (listener)");
    dds_lset_subscription_matched(lst, on_matched);
    l->rd[t] = dds_create_reader(l->sub, l->topic[t], n->rqos, lst);
    dds_delete_listener(lst);
    if (l->rd[t] < 0)
      return dds_fail(l->rd[t], "create reader");
    dds_set_status_mask(l->rd[t], DDS_DATA_AVAILABLE_STATUS | DDS_LIVELINESS_CHANGED_STATUS |
                                      DDS_SUBSCRIPTION_MATCHED_STATUS);
    dds_return_t r = dds_waitset_attach(n->waitset, l->rd[t], (dds_attach_t)l->rd[t]);
    if (r < 0)
      return dds_fail(r, "attach reader");
  }

  /* writers: every partition naming us and at least one partner */
  for (size_t i = 0; i < n->n_partitions; i++) {
    if (strlen(n->partitions[i]) <= 7) /* "rel.XXX": ourselves only */
      continue;
    net_wset *s;
    if ((rc = wset_get(n, l, n->partitions[i], &s)))
      return rc;
  }
  return 0;
}

static int load_keys(mwx_net *n) {
  mwx_pki_paths p;
  int rc = mwx_pki_paths_for(n->pki_abs, n->cfg.nation, &p);
  if (rc)
    return rc;
  if ((rc = mwx_msg_key_load_private(p.origin_key, &n->own_key)))
    return rc;
  for (size_t i = 0; i < n->n_coalition; i++) {
    char path[MWX_PKI_PATH_LEN + 16];
    snprintf(path, sizeof path, "%s/%s.pub", p.origin_dir, n->coalition[i]);
    if ((rc = mwx_msg_key_load_public(path, &n->pub[i])) || (rc = mwx_pki_origin_fingerprint(path, n->pub_fp[i])))
      return rc;
  }
  return 0;
}

/* Reads the coalition's signed list of revoked origin keys and marks the
 * loaded keys it names. */
static int load_origin_revocations(mwx_net *n) {
  char(*fp)[MWX_PKI_FP_LEN] = calloc(256, sizeof *fp);
  size_t k = 0;
  if (!fp)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  int rc = mwx_pki_origin_revocations(n->pki_abs, fp, 256, &k);
  if (!rc)
    for (size_t i = 0; i < n->n_coalition; i++) {
      n->revoked[i] = 0;
      for (size_t j = 0; j < k; j++)
        if (!strcmp(fp[j], n->pub_fp[i]))
          n->revoked[i] = 1;
    }
  free(fp);
  return rc;
}

/* Identity of a file (inode, size, mtime), 0 if absent. */
static uint64_t file_state(const char *path) {
  struct stat st;
  if (!path[0] || stat(path, &st))
    return 0;
  uint64_t h = 1469598103934665603ull;
  uint64_t v[4] = {(uint64_t)st.st_ino, (uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec};
  for (int i = 0; i < 4; i++)
    h = (h ^ v[i]) * 1099511628211ull;
  return h ? h : 1;
}

/* What the participants were made from and may change while the node
 * runs: the revocation list, the node's certificate and its permissions
 * (a renewal installed with mwx pki reissue). */
static uint64_t crl_state(const mwx_net *n) {
  mwx_pki_paths p;
  uint64_t h = file_state(n->crl_path);
  if (n->cfg.secure && !mwx_pki_paths_for(n->pki_abs, n->cfg.nation, &p))
    h = (h * 1099511628211ull) ^ file_state(p.cert) ^ (file_state(p.permissions) * 31u);
  return h;
}

/* Deletes a link's participant and everything in it, and its domain if
 * this net made it: Cyclone's authentication plugin is one per domain and
 * keeps the trust list of the first participant ("Cannot specify both CRL
 * and trusted_ca_list" otherwise), so a new list needs a new domain. */
static void link_shut(mwx_net *n, net_link *l) {
  for (int t = 0; t < NET_N_TOPICS; t++)
    if (l->rd[t] > 0 && n->waitset > 0)
      dds_waitset_detach(n->waitset, l->rd[t]);
  if (l->pp > 0)
    dds_delete(l->pp);
  l->pp = 0;
  if (l->domain > 0)
    dds_delete(l->domain);
  l->domain = 0;
  memset(l->topic, 0, sizeof l->topic);
  memset(l->rd, 0, sizeof l->rd);
  l->sub = 0;
  l->n_ws = 0;
  pthread_mutex_lock(&l->senders_mu); /* the listeners are gone with the participant */
  l->n_senders = l->next_sender = 0;
  pthread_mutex_unlock(&l->senders_mu);
}

/* The revocation list (or the node's own certificate or permissions)
 * changed: every link's participant is made again, so that every partner
 * authenticates anew against the new list and sees the new certificate
 * (Cyclone reads them at participant creation only).  Poll thread. */
static int net_reopen(mwx_net *n) {
  int rc = 0;
  pthread_mutex_lock(&n->lock);
  for (int i = 0; i < n->n_links && !rc; i++) {
    link_shut(n, &n->links[i]);
    rc = link_open(n, &n->links[i], 0);
  }
  pthread_mutex_unlock(&n->lock);
  atomic_fetch_add(&n->reopened, 1);
  return rc;
}

int mwx_net_open(const mwx_net_config *cfg, mwx_net **out) {
  int rc;
  *out = NULL;
  if (!cfg->nation[0] || !mwx_pki_alpha2(cfg->nation))
    return mwx_error_set(MWX_EINVAL, "net: nation '%s' is not a known nation code", cfg->nation);
  if (cfg->n_links < 1 || cfg->n_links > MWX_NET_MAX_LINKS)
    return mwx_error_set(MWX_EINVAL, "net: %d links (1..%d)", cfg->n_links, MWX_NET_MAX_LINKS);
  for (int i = 0; i < cfg->n_links; i++) {
    if ((rc = net_link_check(i, &cfg->links[i])))
      return rc;
    for (int j = 0; j < i; j++)
      if (cfg->links[j].domain_id == cfg->links[i].domain_id)
        return mwx_error_set(MWX_EINVAL,
                             "net: links %d and %d are both on DDS domain %u: every link needs its own domain (a "
                             "relay between two links of one domain would republish its own output)",
                             j, i, cfg->links[i].domain_id);
  }
  if (cfg->role == MWX_NET_HUB_RELAY)
    for (int i = 0; i < cfg->n_links; i++)
      if (cfg->links[i].n_partners == 0)
        return mwx_error_set(MWX_EINVAL, "net: a hub-relay needs the partners of every link (link %d has none)", i);
  mwx_net *n = calloc(1, sizeof *n);
  if (!n)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  n->cfg = *cfg;
  if (n->cfg.lease_ns <= 0)
    n->cfg.lease_ns = 3000000000ll;
  if (n->cfg.history_depth <= 0)
    n->cfg.history_depth = 4;
  if (n->cfg.verify_threads <= 0)
    n->cfg.verify_threads = 2;
  pthread_mutex_init(&n->lock, NULL);
  for (int i = 0; i < MWX_NET_MAX_LINKS; i++)
    pthread_mutex_init(&n->links[i].senders_mu, NULL);
  n->waitset = n->guard = 0;
  if (!(n->pend = malloc(MWX_NET_VERIFY_BATCH * sizeof *n->pend))) {
    rc = mwx_error_set(MWX_ENOMEM, "out of memory");
    goto fail;
  }
  if ((rc = net_vpool_open(n->cfg.verify_threads, &n->vpool)))
    goto fail;

  if (!realpath(cfg->pki_dir, n->pki_abs)) {
    rc = mwx_error_set(MWX_ENOTFOUND, "net: PKI directory '%s' not found", cfg->pki_dir);
    goto fail;
  }
  if ((rc = mwx_pki_load_nations(n->pki_abs, n->coalition, MWX_MAX_NATIONS, &n->n_coalition)))
    goto fail;
  if (n->cfg.secure) {
    int w = snprintf(n->crl_path, sizeof n->crl_path, "%s/identity_crl.pem", n->pki_abs);
    if (w < 0 || (size_t)w >= sizeof n->crl_path) {
      rc = mwx_error_set(MWX_ERANGE, "net: PKI path too long");
      goto fail;
    }
  }
  if ((rc = mwx_pki_partitions_for((const char(*)[MWX_NATION_LEN])n->coalition, n->n_coalition, cfg->nation,
                                   &n->partitions, &n->n_partitions)))
    goto fail;
  if ((rc = load_keys(n)))
    goto fail;
  int wl = snprintf(n->origin_list_path, sizeof n->origin_list_path, "%s/origin_revoked.p7s", n->pki_abs);
  if (wl < 0 || (size_t)wl >= sizeof n->origin_list_path) {
    rc = mwx_error_set(MWX_ERANGE, "net: PKI path too long");
    goto fail;
  }
  n->origin_list_state = file_state(n->origin_list_path);
  if ((rc = load_origin_revocations(n)))
    goto fail;

  n->wqos = dds_create_qos();
  dds_qset_reliability(n->wqos, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
  dds_qset_history(n->wqos, DDS_HISTORY_KEEP_LAST, n->cfg.history_depth);
  dds_qset_durability(n->wqos, DDS_DURABILITY_TRANSIENT_LOCAL);
  dds_qset_liveliness(n->wqos, DDS_LIVELINESS_AUTOMATIC, n->cfg.lease_ns);
  dds_qset_userdata(n->wqos, cfg->nation, 3);
  n->rqos = dds_create_qos();
  dds_copy_qos(n->rqos, n->wqos);
  /* Liveliness is request/offered: a reader accepts any writer lease, each
   * writer offers its own node's lease (nodes may differ). */
  dds_qset_liveliness(n->rqos, DDS_LIVELINESS_AUTOMATIC, DDS_INFINITY);
  dds_qset_ignorelocal(n->rqos, DDS_IGNORELOCAL_PARTICIPANT);

  n->waitset = dds_create_waitset(DDS_CYCLONEDDS_HANDLE);
  n->guard = dds_create_guardcondition(DDS_CYCLONEDDS_HANDLE);
  if (n->waitset < 0 || n->guard < 0) {
    rc = dds_fail(n->waitset < 0 ? n->waitset : n->guard, "create waitset");
    goto fail;
  }
  dds_waitset_attach(n->waitset, n->guard, 0);

  n->n_links = cfg->n_links;
  for (int i = 0; i < n->n_links; i++) {
    n->links[i].cfg = cfg->links[i];
    if ((rc = link_open(n, &n->links[i], 0)))
      goto fail;
  }
  n->crl_state = crl_state(n);
  n->crl_checked_ns = mwx_net_now_ns();
  *out = n;
  return 0;
fail: {
  char keep[512];
  snprintf(keep, sizeof keep, "%s", mwx_error_msg());
  mwx_net_close(n);
  mwx_error_set(rc, "%s", keep);
  return rc;
}
}

void mwx_net_close(mwx_net *n) {
  if (!n)
    return;
  net_vpool_close(n->vpool);
  free(n->pend);
  for (int i = 0; i < MWX_NET_MAX_LINKS; i++) {
    net_link *l = &n->links[i];
    for (int t = 0; t < NET_N_TOPICS; t++)
      if (l->rd[t] > 0 && n->waitset > 0)
        dds_waitset_detach(n->waitset, l->rd[t]);
    if (l->pp > 0)
      dds_delete(l->pp);
    if (l->domain > 0)
      dds_delete(l->domain);
    free(l->ws);
    free(l->relay_cur.slot);
    free(l->relay_old.slot);
  }
  if (n->waitset > 0)
    dds_delete(n->waitset);
  if (n->guard > 0)
    dds_delete(n->guard);
  if (n->wqos)
    dds_delete_qos(n->wqos);
  if (n->rqos)
    dds_delete_qos(n->rqos);
  mwx_msg_key_free(n->own_key);
  for (size_t i = 0; i < MWX_MAX_NATIONS; i++)
    mwx_msg_key_free(n->pub[i]);
  free(n->partitions);
  pthread_mutex_destroy(&n->lock);
  for (int i = 0; i < MWX_NET_MAX_LINKS; i++)
    pthread_mutex_destroy(&n->links[i].senders_mu);
  free(n);
}

/* --------------------------------------------------------------- sending */

int mwx_net_publish_link(mwx_net *n, int link, const mwx_msg *m) {
  if (link < 0 || link >= n->n_links)
    return mwx_error_set(MWX_EINVAL, "net: no link %d", link);
  char part[MWX_PKI_PARTITION_LEN];
  int rc = mwx_net_partition_of(&m->mark, part, sizeof part);
  if (rc)
    return rc;
  if (m->topic < 1 || m->topic > NET_N_TOPICS)
    return mwx_error_set(MWX_EINVAL, "net: unknown topic %u", m->topic);
  net_wire w;
  if ((rc = net_to_wire(m, &w)))
    return rc;
  net_wset *s;
  pthread_mutex_lock(&n->lock); /* held across the write: a reopen may not delete the writer meanwhile */
  rc = wset_get(n, &n->links[link], part, &s);
  dds_return_t r = rc ? 0 : dds_write(s->wr[m->topic - 1], &w.s);
  pthread_mutex_unlock(&n->lock);
  if (rc)
    return rc;
  if (r < 0)
    return dds_fail(r, "write");
  atomic_fetch_add(&n->published, 1);
  return 0;
}

int mwx_net_publish(mwx_net *n, const mwx_msg *m) {
  int rc = mwx_msg_marking_check(&m->mark);
  if (rc)
    return rc;
  if (strncmp(m->mark.originator, n->cfg.nation, MWX_NATION_LEN))
    return mwx_error_set(MWX_EINVAL, "net: %s cannot publish as originator %s", n->cfg.nation, m->mark.originator);
  if (m->mark.n_releasable < 2)
    return mwx_error_set(MWX_EDENIED, "net: sample is releasable to no partner");
  for (int i = 0; i < n->n_links; i++)
    if ((rc = mwx_net_publish_link(n, i, m)))
      return rc;
  return 0;
}

/* The key-only sample of topic's instance (originator, id) in *w: the
 * Track, LaunchEvent and ImpactPrediction topics are keyed by
 * local_track_id, Alert by alert_id.  Returns 0, or an error (not an
 * instance topic, a malformed key). */
static int key_wire(mwx_msg_topic topic, const char *originator, const char *id, net_wire *w) {
  mwx_msg m;
  memset(&m, 0, sizeof m);
  m.topic = (uint8_t)topic;
  memcpy(m.mark.originator, originator, 3);
  memcpy(m.mark.releasable_to[0], originator, 3);
  m.mark.n_releasable = 1;
  char *kid = topic == MWX_TOPIC_TRACK    ? m.u.track.local_track_id
              : topic == MWX_TOPIC_LAUNCH ? m.u.launch.local_track_id
              : topic == MWX_TOPIC_IMPACT ? m.u.impact.local_track_id
              : topic == MWX_TOPIC_ALERT  ? m.u.alert.alert_id
                                          : NULL;
  if (!kid)
    return mwx_error_set(MWX_EINVAL, "net: topic %d has no instance of an id", (int)topic);
  snprintf(kid, MWX_ID_LEN, "%s", id);
  return net_to_wire(&m, w);
}

/* Unregisters the instance (originator, id) of each of the n_topics topics
 * on every writer of the links (skip: a link not to touch, -1 none), under
 * the net's lock; returns the number of instances unregistered. */
static int forget_key(mwx_net *n, const char *originator, const char *id, int skip, const mwx_msg_topic *topics,
                      size_t n_topics) {
  int count = 0;
  pthread_mutex_lock(&n->lock);
  for (size_t k = 0; k < n_topics; k++) {
    net_wire w;
    if (key_wire(topics[k], originator, id, &w)) {
      mwx_error_clear();
      continue;
    }
    for (int li = 0; li < n->n_links; li++) {
      if (li == skip)
        continue;
      net_link *l = &n->links[li];
      for (size_t i = 0; i < l->n_ws; i++) {
        dds_entity_t wr = l->ws[i].wr[topics[k] - 1];
        /* look first: unregistering a key the writer never wrote is refused
           by DDS, but looking costs less and never registers it */
        if (wr > 0 && dds_lookup_instance(wr, &w.s) != DDS_HANDLE_NIL && dds_unregister_instance(wr, &w.s) == 0)
          count++;
      }
    }
  }
  pthread_mutex_unlock(&n->lock);
  if (count)
    atomic_fetch_add(&n->forgotten, (uint_fast64_t)count);
  return count;
}

static const mwx_msg_topic track_topics[] = {MWX_TOPIC_TRACK, MWX_TOPIC_LAUNCH, MWX_TOPIC_IMPACT};
static const mwx_msg_topic alert_topic[] = {MWX_TOPIC_ALERT};

int mwx_net_forget(mwx_net *n, const char *id, int *count) {
  if (!n || !id || !id[0] || strlen(id) >= MWX_ID_LEN)
    return mwx_error_set(MWX_EINVAL, "net: forget: no net, or an empty or too long id");
  int c = forget_key(n, n->cfg.nation, id, -1, track_topics, 3);
  if (count)
    *count = c;
  return 0;
}

int mwx_net_forget_alert(mwx_net *n, const char *alert_id, int *count) {
  if (!n || !alert_id || !alert_id[0] || strlen(alert_id) >= MWX_ID_LEN)
    return mwx_error_set(MWX_EINVAL, "net: forget: no net, or an empty or too long alert id");
  int c = forget_key(n, n->cfg.nation, alert_id, -1, alert_topic, 1);
  if (count)
    *count = c;
  return 0;
}

int mwx_net_unregister(mwx_net *n, const mwx_msg *m, int *count) {
  if (count)
    *count = 0;
  if (!n || !m)
    return mwx_error_set(MWX_EINVAL, "net: unregister: NULL argument");
  if (m->topic < 1 || m->topic > NET_N_TOPICS)
    return mwx_error_set(MWX_EINVAL, "net: unknown topic %u", m->topic);
  char part[MWX_PKI_PARTITION_LEN];
  int rc = mwx_net_partition_of(&m->mark, part, sizeof part);
  net_wire w;
  if (rc || (rc = net_to_wire(m, &w)))
    return rc;
  int c = 0;
  pthread_mutex_lock(&n->lock);
  for (int li = 0; li < n->n_links; li++) {
    net_link *l = &n->links[li];
    for (size_t i = 0; i < l->n_ws; i++) {
      if (strcmp(l->ws[i].partition, part))
        continue; /* only the partition m was written to: another copy may still be on its way */
      dds_entity_t wr = l->ws[i].wr[m->topic - 1];
      if (wr > 0 && dds_lookup_instance(wr, &w.s) != DDS_HANDLE_NIL && dds_unregister_instance(wr, &w.s) == 0)
        c++;
    }
  }
  pthread_mutex_unlock(&n->lock);
  if (c)
    atomic_fetch_add(&n->forgotten, (uint_fast64_t)c);
  if (count)
    *count = c;
  return 0;
}

int mwx_net_sign(const mwx_net *n, mwx_msg *m) { return mwx_msg_sign(m, n->own_key); }

int mwx_net_sign_publish(mwx_net *n, mwx_msg *m) {
  int rc = mwx_net_sign(n, m);
  return rc ? rc : mwx_net_publish(n, m);
}

/* ------------------------------------------------------------- receiving */

static int link_has(const net_link *l, const char *nation) {
  for (int i = 0; i < l->cfg.n_partners; i++)
    if (!strncmp(l->cfg.partners[i], nation, MWX_NATION_LEN))
      return 1;
  return 0;
}


/* mwx_net_check without the signature: 0 and *key the origin key to verify
 * it with, or the reason with detail filled. */
static int check_pre(const mwx_net *n, const mwx_msg *m, char *detail, size_t cap, const mwx_msg_key **key) {
  *key = NULL;
  int rc = mwx_msg_marking_check(&m->mark);
  if (rc) {
    snprintf(detail, cap, "bad marking: %s", mwx_error_msg());
    return MWX_EINVAL;
  }
  if ((rc = mwx_msg_check_text(m))) { /* ids and text a console will print (secinput) */
    snprintf(detail, cap, "bad text: %s", mwx_error_msg());
    return MWX_EINVAL;
  }
  if (!strncmp(m->mark.originator, n->cfg.nation, MWX_NATION_LEN)) {
    snprintf(detail, cap, "own sample (originator %s) came back", m->mark.originator);
    return MWX_EEXIST;
  }
  if (!mwx_msg_marking_allows(&m->mark, n->cfg.nation)) {
    snprintf(detail, cap, "not releasable to %s (originator %s)", n->cfg.nation, m->mark.originator);
    return MWX_EDENIED;
  }
  int k = coalition_index(n, m->mark.originator);
  if (k < 0 || !n->pub[k]) {
    snprintf(detail, cap, "unknown originator %s (no origin key)", m->mark.originator);
    return MWX_ENOTFOUND;
  }
  if (n->revoked[k]) {
    snprintf(detail, cap, "origin key of %s is revoked (origin_revoked.p7s)", m->mark.originator);
    return MWX_NET_EREVOKED;
  }
  *key = n->pub[k];
  detail[0] = '\0';
  return 0;
}

int mwx_net_check(const mwx_net *n, const mwx_msg *m, char *detail, size_t cap) {
  const mwx_msg_key *key;
  int rc = check_pre(n, m, detail, cap, &key);
  if (rc)
    return rc;
  if (mwx_msg_verify(m, key)) {
    snprintf(detail, cap, "origin signature of %s does not verify (%s seq %llu)", m->mark.originator,
             mwx_msg_topic_name((mwx_msg_topic)m->topic), (unsigned long long)m->mark.seq);
    return MWX_ECRYPTO;
  }
  return 0;
}

int mwx_net_check_sender(const mwx_net *n, int link, const char *sender, const mwx_msg *m, char *detail,
                         size_t cap) {
  if (link < 0 || link >= n->n_links) {
    snprintf(detail, cap, "no link %d", link);
    return MWX_NET_ESENDER;
  }
  const net_link *l = &n->links[link];
  if (!sender || !sender[0] || coalition_index(n, sender) < 0) {
    snprintf(detail, cap, "sample of %.3s from a writer whose partition names no coalition sender", m->mark.originator);
    return MWX_NET_ESENDER;
  }
  if (!strncmp(sender, m->mark.originator, MWX_NATION_LEN))
    return 0;
  /* relayed: only by a partner of this link, only for an originator this
   * link does not reach directly */
  if (l->cfg.n_partners > 0 && link_has(l, sender) && !link_has(l, m->mark.originator))
    return 0;
  snprintf(detail, cap, "sample of %.3s sent by %.3s, which may not forward it on link %d", m->mark.originator, sender,
           link);
  return MWX_NET_ESENDER;
}

/* The key of a relayed sample in the duplicate memory. */
static relay_key relay_key_of(const mwx_msg *m) {
  relay_key k;
  memset(&k, 0, sizeof k);
  memcpy(k.orig, m->mark.originator, 3);
  k.topic = (uint8_t)m->topic;
  memcpy(k.sig8, m->sig, sizeof k.sig8);
  k.seq = m->mark.seq;
  return k;
}

static size_t relay_hash(const relay_key *k) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a, 64 bit */
  const uint8_t *p = (const uint8_t *)k;
  for (size_t i = 0; i < sizeof *k; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  return (size_t)(h & (NET_RELAY_SLOTS - 1));
}

static int relay_gen_has(const relay_gen *g, const relay_key *k) {
  if (!g->slot)
    return 0;
  for (size_t i = relay_hash(k), probes = 0; probes < NET_RELAY_SLOTS; i = (i + 1) & (NET_RELAY_SLOTS - 1), probes++) {
    if (g->slot[i].topic == 0)
      return 0;
    if (!memcmp(&g->slot[i], k, sizeof *k))
      return 1;
  }
  return 0;
}

/* 1 if k was relayed on l before; else remembers it and returns 0 (or a
 * negative MWX_ENOMEM).  Caller holds n->lock. */
static int relay_seen(mwx_net *n, net_link *l, const relay_key *k) {
  if (relay_gen_has(&l->relay_cur, k) || relay_gen_has(&l->relay_old, k))
    return 1;
  if (!l->relay_cur.slot && !(l->relay_cur.slot = calloc(NET_RELAY_SLOTS, sizeof *l->relay_cur.slot)))
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  if (l->relay_cur.n >= MWX_NET_RELAY_MEMORY) { /* the older generation is forgotten */
    atomic_fetch_add(&n->relay_forgotten, (uint_fast64_t)l->relay_old.n);
    relay_gen old = l->relay_old;
    l->relay_old = l->relay_cur;
    l->relay_cur = old;
    l->relay_cur.n = 0;
    if (!l->relay_cur.slot && !(l->relay_cur.slot = calloc(NET_RELAY_SLOTS, sizeof *l->relay_cur.slot)))
      return mwx_error_set(MWX_ENOMEM, "out of memory");
    memset(l->relay_cur.slot, 0, NET_RELAY_SLOTS * sizeof *l->relay_cur.slot);
  }
  size_t i = relay_hash(k);
  while (l->relay_cur.slot[i].topic != 0) /* at most half full: terminates */
    i = (i + 1) & (NET_RELAY_SLOTS - 1);
  l->relay_cur.slot[i] = *k;
  l->relay_cur.n++;
  return 0;
}

int mwx_net_relay(mwx_net *n, int from, const mwx_msg *m) {
  int count = 0, rc = 0;
  if (m->topic < 1 || m->topic > NET_N_TOPICS)
    return mwx_error_set(MWX_EINVAL, "net: unknown topic %u", m->topic);
  relay_key key = relay_key_of(m);
  for (int i = 0; i < n->n_links; i++) {
    net_link *l = &n->links[i];
    if (i == from || link_has(l, m->mark.originator))
      continue;
    int eligible = 0;
    for (int p = 0; p < l->cfg.n_partners && !eligible; p++)
      eligible = strncmp(l->cfg.partners[p], n->cfg.nation, MWX_NATION_LEN) &&
                 mwx_msg_marking_allows(&m->mark, l->cfg.partners[p]);
    if (!eligible)
      continue;
    pthread_mutex_lock(&n->lock);
    int seen = relay_seen(n, l, &key);
    pthread_mutex_unlock(&n->lock);
    if (seen < 0) {
      if (!rc)
        rc = seen;
      continue;
    }
    if (seen) {
      atomic_fetch_add(&n->relay_dups, 1);
      continue;
    }
    int r = mwx_net_publish_link(n, i, m);
    if (r == 0)
      count++;
    else if (!rc)
      rc = r;
  }
  if (count)
    atomic_fetch_add(&n->relayed, (uint_fast64_t)count);
  return rc ? rc : count;
}

static int nation_of_userdata(dds_qos_t *q, char out[MWX_NATION_LEN]) {
  void *ud = NULL;
  size_t sz = 0;
  int ok = q && dds_qget_userdata(q, &ud, &sz) && ud && sz == 3;
  if (ok) {
    memcpy(out, ud, 3);
    out[3] = '\0';
  }
  dds_free(ud);
  return ok;
}

/* The authenticated nation of a remote writer: the org.<NAT> of its
 * partition (see the file comment); 0 if it has none. */
static int sender_of_qos(const dds_qos_t *q, char out[MWX_NATION_LEN]) {
  uint32_t np = 0;
  char **ps = NULL;
  int ok = 0;
  if (q && dds_qget_partition(q, &np, &ps)) {
    char first[MWX_NATION_LEN] = "";
    ok = np > 0;
    for (uint32_t i = 0; i < np; i++) {
      char nat[MWX_NATION_LEN];
      if (mwx_pki_partition_sender(ps[i], nat) || (first[0] && strcmp(first, nat)))
        ok = 0; /* every partition must name the same sender */
      else
        memcpy(first, nat, MWX_NATION_LEN);
    }
    if (ok)
      memcpy(out, first, MWX_NATION_LEN);
    for (uint32_t i = 0; i < np; i++)
      dds_free(ps[i]);
    dds_free(ps);
  }
  return ok;
}

static const sender_entry *sender_cached(const net_link *l, dds_instance_handle_t h) {
  for (size_t i = 0; i < l->n_senders; i++)
    if (l->senders[i].h == h)
      return &l->senders[i];
  return NULL;
}

/* Looks up the nation of remote writer h matched with reader rd (DDS's
 * locks only: never called under senders_mu) and caches it; 0 if it is not
 * matched (any more). */
static int sender_learn(net_link *l, dds_entity_t rd, dds_instance_handle_t h, char out[MWX_NATION_LEN]) {
  out[0] = '\0';
  dds_builtintopic_endpoint_t *ep = dds_get_matched_publication_data(rd, h);
  if (!ep)
    return 0;
  if (!sender_of_qos(ep->qos, out))
    out[0] = '\0';
  dds_builtintopic_free_endpoint(ep);
  pthread_mutex_lock(&l->senders_mu);
  if (!sender_cached(l, h)) {
    size_t k = l->n_senders < NET_SENDER_CACHE ? l->n_senders++ : (l->next_sender++ % NET_SENDER_CACHE);
    l->senders[k].h = h;
    memcpy(l->senders[k].nation, out, MWX_NATION_LEN);
  }
  pthread_mutex_unlock(&l->senders_mu);
  return 1;
}

/* 1 and the nation in out if writer h is in the cache. */
static int sender_known(net_link *l, dds_instance_handle_t h, char out[MWX_NATION_LEN]) {
  pthread_mutex_lock(&l->senders_mu);
  const sender_entry *e = sender_cached(l, h);
  if (e)
    memcpy(out, e->nation, MWX_NATION_LEN);
  pthread_mutex_unlock(&l->senders_mu);
  return e != NULL;
}

/* Learns every writer matched with reader t (called when its matches
 * change, before its samples are taken). */
static void senders_refresh(net_link *l, int t) {
  dds_instance_handle_t h[64];
  dds_return_t k = dds_get_matched_publications(l->rd[t], h, 64);
  char nat[MWX_NATION_LEN];
  for (dds_return_t i = 0; i < k && i < 64; i++)
    if (!sender_known(l, h[i], nat))
      sender_learn(l, l->rd[t], h[i], nat);
}

/* A writer matched (or unmatched) reader rd: learn its nation now, in the
 * listener's thread, before it can leave (a writer that sent and left
 * before the poll took its samples is still known); then wake the poll,
 * which owns the partner-presence report (the listener consumes DDS's
 * matched status). */
static void on_matched(dds_entity_t rd, const dds_subscription_matched_status_t st, void *arg) {
  net_match_arg *a = arg;
  char nat[MWX_NATION_LEN];
  if (st.current_count_change > 0 && st.last_publication_handle != DDS_HANDLE_NIL &&
      !sender_known(a->l, st.last_publication_handle, nat))
    sender_learn(a->l, rd, st.last_publication_handle, nat);
  atomic_store(&a->l->matched[a->t], 1);
  dds_set_guardcondition(a->n->guard, true);
}

/* The sender nation of the remote writer h on link li, cached. */
static void sender_of(mwx_net *n, int li, int t, dds_instance_handle_t h, char out[MWX_NATION_LEN]) {
  net_link *l = &n->links[li];
  if (!sender_known(l, h, out))
    sender_learn(l, l->rd[t], h, out);
}

/* Which nations have writers matched with our readers on a link. */
static void presence(mwx_net *n, net_link *l, int now[MWX_MAX_NATIONS]) {
  memset(now, 0, MWX_MAX_NATIONS * sizeof now[0]);
  for (int t = 0; t < NET_N_TOPICS; t++) {
    dds_instance_handle_t h[64];
    dds_return_t k = dds_get_matched_publications(l->rd[t], h, 64);
    for (dds_return_t i = 0; i < k && i < 64; i++) {
      dds_builtintopic_endpoint_t *ep = dds_get_matched_publication_data(l->rd[t], h[i]);
      char nat[MWX_NATION_LEN];
      if (ep && sender_of_qos(ep->qos, nat)) {
        int c = coalition_index(n, nat);
        if (c >= 0)
          now[c] = 1;
      }
      if (ep)
        dds_builtintopic_free_endpoint(ep);
    }
  }
}

int mwx_net_partner_present(mwx_net *n, int link, const char *nation) {
  if (link < 0 || link >= n->n_links)
    return 0;
  int now[MWX_MAX_NATIONS], c = coalition_index(n, nation);
  if (c < 0)
    return 0;
  presence(n, &n->links[link], now);
  return now[c];
}

/* mwx_net_check with the sender check at its place in the order of
 * docs/protocol.md (after releasability, before the origin key), without
 * the signature: 0 and *key to verify it with (net_vjob_verify), or the
 * reason. */
static int net_check_all(const mwx_net *n, int li, const char *sender, const mwx_msg *m, char *detail, size_t cap,
                         const mwx_msg_key **key) {
  *key = NULL;
  int rc = mwx_msg_marking_check(&m->mark);
  if (rc || !strncmp(m->mark.originator, n->cfg.nation, MWX_NATION_LEN) ||
      !mwx_msg_marking_allows(&m->mark, n->cfg.nation))
    return check_pre(n, m, detail, cap, key);
  if ((rc = mwx_net_check_sender(n, li, sender, m, detail, cap)))
    return rc;
  return check_pre(n, m, detail, cap, key);
}

/* Verifies the gathered batch (net_verify.c) and reports it in the order
 * it was taken: each sample relayed (hub) and reported as the inline path
 * did.  Poll thread. */
static void flush_pending(mwx_net *n, mwx_net_event_fn fn, void *ctx) {
  if (!n->n_pend)
    return;
  if (n->n_pend > atomic_load(&n->verify_max))
    atomic_store(&n->verify_max, (uint_fast64_t)n->n_pend);
  size_t todo = 0;
  for (size_t i = 0; i < n->n_pend; i++)
    todo += n->pend[i].key != NULL;
  if (todo >= 2 && net_vpool_threads(n->vpool) > 1)
    atomic_fetch_add(&n->verify_batches, 1);
  net_vpool_run(n->vpool, n->pend, n->n_pend);
  for (size_t i = 0; i < n->n_pend; i++) {
    net_vjob *j = &n->pend[i];
    mwx_net_event *ev = &j->ev;
    ev->msg = &j->m;
    if (ev->reason) {
      ev->kind = MWX_NET_EV_DROPPED;
      atomic_fetch_add(&n->dropped, 1);
    } else {
      ev->kind = MWX_NET_EV_ACCEPTED;
      atomic_fetch_add(&n->accepted, 1);
      if (n->cfg.role == MWX_NET_HUB_RELAY && n->cfg.auto_relay) {
        int r = mwx_net_relay(n, ev->link, &j->m);
        if (r < 0)
          snprintf(ev->detail, sizeof ev->detail, "relay failed: %s", mwx_error_msg());
        ev->relayed = r > 0 ? r : 0;
      }
    }
    if (fn)
      fn(ctx, ev);
  }
  n->n_pend = 0;
}

static int take_reader(mwx_net *n, int li, int t, mwx_net_event_fn fn, void *ctx) {
  net_link *l = &n->links[li];
  int events = 0;
  for (;;) {
    void *buf[READ_BATCH] = {NULL};
    dds_sample_info_t si[READ_BATCH];
    dds_return_t k = dds_take(l->rd[t], buf, si, READ_BATCH, READ_BATCH);
    if (k < 0)
      return dds_fail(k, "take");
    if (k == 0)
      break;
    int64_t now = mwx_net_now_ns();
    for (dds_return_t i = 0; i < k; i++) {
      if (!si[i].valid_data) {
        /* a partner disposed an instance (mwx_net_forget): a hub forgets its
           relayed copies of it on the other links (the key fields are valid) */
        if (si[i].instance_state == DDS_NOT_ALIVE_DISPOSED_INSTANCE_STATE && n->cfg.role == MWX_NET_HUB_RELAY &&
            t + 1 == MWX_TOPIC_ALERT) {
          const mwx_Alert *a = buf[i];
          if (strnlen(a->mark.originator, 4) == 3 && a->alert_id[0] && strnlen(a->alert_id, MWX_ID_LEN) < MWX_ID_LEN)
            forget_key(n, a->mark.originator, a->alert_id, li, alert_topic, 1);
        } else if (si[i].instance_state == DDS_NOT_ALIVE_DISPOSED_INSTANCE_STATE && n->cfg.role == MWX_NET_HUB_RELAY &&
            t + 1 <= MWX_TOPIC_IMPACT) {
          const char *orig = t + 1 == MWX_TOPIC_TRACK    ? ((const mwx_Track *)buf[i])->mark.originator
                             : t + 1 == MWX_TOPIC_LAUNCH ? ((const mwx_LaunchEvent *)buf[i])->mark.originator
                                                         : ((const mwx_ImpactPrediction *)buf[i])->mark.originator;
          const char *lid = t + 1 == MWX_TOPIC_TRACK    ? ((const mwx_Track *)buf[i])->local_track_id
                            : t + 1 == MWX_TOPIC_LAUNCH ? ((const mwx_LaunchEvent *)buf[i])->local_track_id
                                                        : ((const mwx_ImpactPrediction *)buf[i])->local_track_id;
          if (strnlen(orig, 4) == 3 && lid[0] && strnlen(lid, MWX_ID_LEN) < MWX_ID_LEN)
            forget_key(n, orig, lid, li, track_topics, 3);
        }
        continue;
      }
      if (n->n_pend == MWX_NET_VERIFY_BATCH) { /* the batch's bound: verify and report it first */
        atomic_fetch_add(&n->verify_full, 1);
        flush_pending(n, fn, ctx);
      }
      net_vjob *j = &n->pend[n->n_pend++];
      mwx_net_event *ev = &j->ev;
      memset(ev, 0, sizeof *ev);
      ev->link = li;
      ev->recv_ns = now;
      sender_of(n, li, t, si[i].publication_handle, ev->sender);
      j->key = NULL;
      if (net_from_wire((mwx_msg_topic)(t + 1), buf[i], &j->m)) {
        ev->reason = MWX_EPARSE;
        snprintf(ev->detail, sizeof ev->detail, "malformed sample: %s", mwx_error_msg());
        mwx_error_clear();
      } else
        ev->reason = net_check_all(n, li, ev->sender, &j->m, ev->detail, sizeof ev->detail, &j->key);
      ev->verified_ns = mwx_net_now_ns(); /* a signature still to verify sets it again */
      events++;
    }
    dds_return_loan(l->rd[t], buf, k);
    if (k < READ_BATCH)
      break;
  }
  return events;
}

int mwx_net_poll(mwx_net *n, int64_t timeout_ns, mwx_net_event_fn fn, void *ctx) {
  if (timeout_ns > 0) {
    dds_return_t r = dds_waitset_wait(n->waitset, NULL, 0, timeout_ns);
    if (r < 0)
      return dds_fail(r, "wait");
  }
  bool woken;
  dds_take_guardcondition(n->guard, &woken);
  int events = 0;
  int64_t now_ns = mwx_net_now_ns();
  if (n->crl_path[0] && now_ns - n->crl_checked_ns >= 1000000000ll) {
    n->crl_checked_ns = now_ns;
    uint64_t st = crl_state(n);
    if (st != n->crl_state) {
      int rc = net_reopen(n); /* on failure tried again a second later */
      if (rc)
        return rc;
      n->crl_state = st;
    }
    st = file_state(n->origin_list_path);
    if (st != n->origin_list_state) {
      int rc = load_origin_revocations(n); /* a list that does not verify changes nothing */
      if (rc)
        return rc;
      n->origin_list_state = st;
    }
  }
  for (int li = 0; li < n->n_links; li++) {
    net_link *l = &n->links[li];
    int changed = 0;
    for (int t = 0; t < NET_N_TOPICS; t++) {
      uint32_t st = 0;
      dds_take_status(l->rd[t], &st, DDS_LIVELINESS_CHANGED_STATUS | DDS_SUBSCRIPTION_MATCHED_STATUS);
      if (atomic_exchange(&l->matched[t], 0))
        st |= DDS_SUBSCRIPTION_MATCHED_STATUS;
      if (st & DDS_SUBSCRIPTION_MATCHED_STATUS)
        senders_refresh(l, t);
      changed |= st != 0;
      int e = take_reader(n, li, t, fn, ctx);
      if (e < 0) {
        flush_pending(n, fn, ctx); /* what was taken is reported */
        return e;
      }
      events += e;
    }
    flush_pending(n, fn, ctx); /* the link's samples, before its partner changes (as before) */
    if (!changed)
      continue;
    int now[MWX_MAX_NATIONS];
    presence(n, l, now);
    for (size_t c = 0; c < n->n_coalition; c++) {
      if (now[c] == l->present[c])
        continue;
      l->present[c] = now[c];
      mwx_net_event ev;
      memset(&ev, 0, sizeof ev);
      ev.kind = MWX_NET_EV_PARTNER;
      ev.link = li;
      ev.recv_ns = mwx_net_now_ns();
      memcpy(ev.partner, n->coalition[c], MWX_NATION_LEN);
      ev.alive = now[c];
      if (fn)
        fn(ctx, &ev);
      events++;
    }
  }
  return events;
}

int mwx_net_wakeup(mwx_net *n) {
  dds_return_t r = dds_set_guardcondition(n->guard, true);
  return r < 0 ? dds_fail(r, "wakeup") : 0;
}

/* ------------------------------------------------------- waits and probes */

static int writer_matched_by(dds_entity_t wr, const char *nation) {
  dds_instance_handle_t h[64];
  dds_return_t k = dds_get_matched_subscriptions(wr, h, 64);
  int found = 0;
  for (dds_return_t i = 0; i < k && i < 64 && !found; i++) {
    dds_builtintopic_endpoint_t *ep = dds_get_matched_subscription_data(wr, h[i]);
    char nat[MWX_NATION_LEN];
    found = ep && nation_of_userdata(ep->qos, nat) && !strcmp(nat, nation);
    if (ep)
      dds_builtintopic_free_endpoint(ep);
  }
  return found;
}

int mwx_net_wait_reader(mwx_net *n, int link, const char *partition, const char *nation, int64_t timeout_ns) {
  if (link < 0 || link >= n->n_links)
    return mwx_error_set(MWX_EINVAL, "net: no link %d", link);
  net_wset *s;
  pthread_mutex_lock(&n->lock);
  int rc = wset_get(n, &n->links[link], partition, &s);
  dds_entity_t wr[NET_N_TOPICS];
  if (!rc)
    memcpy(wr, s->wr, sizeof wr);
  pthread_mutex_unlock(&n->lock);
  if (rc)
    return rc;
  int64_t end = mwx_net_now_ns() + timeout_ns;
  for (;;) {
    int all = 1;
    for (int t = 0; t < NET_N_TOPICS && all; t++)
      all = writer_matched_by(wr[t], nation);
    if (all)
      return 0;
    if (mwx_net_now_ns() >= end)
      return mwx_error_set(MWX_ETIMEDOUT, "net: no reader of %s in %s on link %d", nation, partition, link);
    dds_sleepfor(DDS_MSECS(10));
  }
}

int mwx_net_wait_acks(mwx_net *n, int64_t timeout_ns) {
  int64_t end = mwx_net_now_ns() + timeout_ns;
  for (int li = 0; li < n->n_links; li++) {
    net_link *l = &n->links[li];
    /* a snapshot: publish may add writer sets meanwhile (never removes) */
    pthread_mutex_lock(&n->lock);
    size_t k = l->n_ws * NET_N_TOPICS;
    dds_entity_t *wr = malloc((k ? k : 1) * sizeof *wr);
    for (size_t i = 0; wr && i < l->n_ws; i++)
      memcpy(wr + i * NET_N_TOPICS, l->ws[i].wr, sizeof l->ws[i].wr);
    pthread_mutex_unlock(&n->lock);
    if (!wr)
      return mwx_error_set(MWX_ENOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) {
      int64_t left = end - mwx_net_now_ns();
      dds_return_t r = dds_wait_for_acks(wr[i], left > 0 ? left : 0);
      if (r < 0) {
        free(wr);
        return r == DDS_RETCODE_TIMEOUT ? mwx_error_set(MWX_ETIMEDOUT, "net: readers did not acknowledge in time")
                                        : dds_fail(r, "wait for acks");
      }
    }
    free(wr);
  }
  return 0;
}

int mwx_net_try_partition(mwx_net *n, int link, mwx_msg_topic topic, const char *partition, int as_writer) {
  if (link < 0 || link >= n->n_links || topic < 1 || topic > NET_N_TOPICS)
    return mwx_error_set(MWX_EINVAL, "net: bad link or topic");
  net_link *l = &n->links[link];
  dds_qos_t *pq = dds_create_qos();
  dds_qset_partition1(pq, partition);
  dds_entity_t g = as_writer ? dds_create_publisher(l->pp, pq, NULL) : dds_create_subscriber(l->pp, pq, NULL);
  dds_delete_qos(pq);
  if (g < 0)
    return dds_fail(g, as_writer ? "create publisher" : "create subscriber");
  dds_entity_t e = as_writer ? dds_create_writer(g, l->topic[topic - 1], n->wqos, NULL)
                             : dds_create_reader(g, l->topic[topic - 1], n->rqos, NULL);
  int rc = 0;
  if (e < 0) {
    rc = dds_fail(e, as_writer ? "create writer" : "create reader");
    mwx_error_set(rc, "%s %s in partition %s: %s", n->cfg.nation, as_writer ? "writer" : "reader", partition,
                  dds_strretcode(e));
  }
  dds_delete(g);
  return rc;
}

int32_t mwx_net_participant(const mwx_net *n, int link) {
  return link >= 0 && link < n->n_links ? n->links[link].pp : -1;
}

int32_t mwx_net_topic(const mwx_net *n, int link, mwx_msg_topic topic) {
  if (link < 0 || link >= n->n_links || topic < 1 || topic > NET_N_TOPICS)
    return -1;
  return n->links[link].topic[topic - 1];
}

void mwx_net_get_stats(const mwx_net *n, mwx_net_stats *s) {
  s->published = atomic_load(&n->published);
  s->accepted = atomic_load(&n->accepted);
  s->dropped = atomic_load(&n->dropped);
  s->relayed = atomic_load(&n->relayed);
  s->relay_dups = atomic_load(&n->relay_dups);
  s->relay_forgotten = atomic_load(&n->relay_forgotten);
  s->verify_batches = atomic_load(&n->verify_batches);
  s->verify_max = atomic_load(&n->verify_max);
  s->verify_full = atomic_load(&n->verify_full);
  s->verify_threads = net_vpool_threads(n->vpool);
  s->forgotten = atomic_load(&n->forgotten);
  s->reopened = atomic_load(&n->reopened);
}

int mwx_net_test_track(const mwx_net *n, uint32_t index, uint64_t seq, const char *rel_csv, mwx_msg *m) {
  memset(m, 0, sizeof *m);
  m->topic = MWX_TOPIC_TRACK;
  memcpy(m->mark.originator, n->cfg.nation, MWX_NATION_LEN);
  m->mark.classification = MWX_CLASSIF_SECRET;
  snprintf(m->mark.rule_id, MWX_ID_LEN, "test");
  m->mark.seq = seq;
  int rc = mwx_msg_marking_add(&m->mark, n->cfg.nation);
  if (rc)
    return rc;
  if (rel_csv && *rel_csv) {
    char list[MWX_MAX_NATIONS][MWX_NATION_LEN];
    size_t k;
    if ((rc = mwx_pki_parse_nations(rel_csv, list, MWX_MAX_NATIONS, &k)))
      return rc;
    for (size_t i = 0; i < k; i++)
      if ((rc = mwx_msg_marking_add(&m->mark, list[i])))
        return rc;
  } else
    for (size_t i = 0; i < n->n_coalition; i++)
      if ((rc = mwx_msg_marking_add(&m->mark, n->coalition[i])))
        return rc;
  mwx_msg_track *t = &m->u.track;
  snprintf(t->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, index);
  t->time_ns = mwx_net_now_ns();
  /* 40.0 N 134.0 E, 300 km up, heading east at 3 km/s (ECEF, rounded) */
  t->pos_ecef_m[0] = -3712000.0 - index;
  t->pos_ecef_m[1] = 3844000.0;
  t->pos_ecef_m[2] = 4270000.0;
  t->vel_ecef_mps[0] = -2150.0;
  t->vel_ecef_mps[1] = -2080.0;
  t->vel_ecef_mps[2] = 0.0;
  t->phase = MWX_MSG_MIDCOURSE;
  t->quality = 0.9f;
  return 0;
}

const char *mwx_net_reason_name(int reason) {
  switch (reason) {
  case MWX_EPARSE: return "malformed";
  case MWX_EINVAL: return "bad-marking";
  case MWX_EDENIED: return "not-releasable";
  case MWX_ENOTFOUND: return "unknown-originator";
  case MWX_ECRYPTO: return "bad-signature";
  case MWX_EEXIST: return "own-sample";
  case MWX_NET_ESENDER: return "wrong-sender";
  case MWX_NET_EREVOKED: return "revoked-key";
  default: return "error";
  }
}

static const char *sample_id(const mwx_msg *m, int64_t *t_ns) {
  *t_ns = 0;
  switch ((mwx_msg_topic)m->topic) {
  case MWX_TOPIC_TRACK: *t_ns = m->u.track.time_ns; return m->u.track.local_track_id;
  case MWX_TOPIC_LAUNCH: return m->u.launch.local_track_id;
  case MWX_TOPIC_IMPACT: *t_ns = m->u.impact.time_ns; return m->u.impact.local_track_id;
  case MWX_TOPIC_ALERT: *t_ns = m->u.alert.time_ns; return m->u.alert.alert_id;
  case MWX_TOPIC_STATUS: *t_ns = m->u.status.time_ns; return m->u.status.node_id;
  }
  return "";
}

void mwx_net_event_format(const mwx_net_event *ev, char *buf, size_t cap) {
  if (ev->kind == MWX_NET_EV_PARTNER) {
    snprintf(buf, cap, "PARTNER link=%d %s %s", ev->link, ev->partner, ev->alive ? "alive" : "lost");
    return;
  }
  const mwx_msg *m = ev->msg;
  char rel[MWX_PKI_PARTITION_LEN] = "";
  size_t len = 0;
  for (unsigned i = 0; i < m->mark.n_releasable && i < MWX_MAX_NATIONS && len + 5 < sizeof rel; i++)
    len += (size_t)snprintf(rel + len, sizeof rel - len, "%s%.3s", i ? "." : "", m->mark.releasable_to[i]);
  int64_t t_ns;
  const char *id = sample_id(m, &t_ns);
  const char *topic = mwx_msg_topic_name((mwx_msg_topic)m->topic);
  if (ev->kind == MWX_NET_EV_ACCEPTED) {
    int w = snprintf(buf, cap, "ACCEPTED link=%d topic=%s orig=%.3s seq=%llu id=%.31s rel=%s relayed=%d", ev->link,
                     topic ? topic : "?", m->mark.originator, (unsigned long long)m->mark.seq, id, rel, ev->relayed);
    if (t_ns && w > 0 && (size_t)w < cap)
      w += snprintf(buf + w, cap - (size_t)w, " age_us=%lld", (long long)((ev->recv_ns - t_ns) / 1000));
    if (w > 0 && (size_t)w < cap && ev->sender[0] && strncmp(ev->sender, m->mark.originator, 3))
      snprintf(buf + w, cap - (size_t)w, " via=%.3s", ev->sender);
  } else {
    char d[sizeof ev->detail];
    shown(ev->detail, d, sizeof d);
    snprintf(buf, cap, "DROPPED link=%d topic=%s orig=%.3s seq=%llu id=%.31s rel=%s reason=%s via=%.3s detail=\"%s\"",
             ev->link, topic ? topic : "?", m->mark.originator, (unsigned long long)m->mark.seq, id, rel,
             mwx_net_reason_name(ev->reason), ev->sender[0] ? ev->sender : "?", d);
  }
}
