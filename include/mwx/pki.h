/*
 * pki.h - the coalition's public-key infrastructure for DDS Security and for
 * origin signatures, made by `mwx pki init DIR --nations KOR,JPN,USA`.
 *
 * Layout of a PKI directory (all PEM; file names fixed, see mwx_pki_paths):
 *
 *   DIR/nations                     the coalition, one alpha-3 code a line, sorted
 *   DIR/identity_ca.pem             the coalition identity CA (issues every node certificate)
 *   DIR/permissions_ca.pem          the coalition permissions CA (signs the documents)
 *   DIR/governance.xml, .p7s        governance document, plain and S/MIME-signed
 *   DIR/trusted/identity_ca.pem     the only trusted identity CA (each node's trusted_ca_dir)
 *   DIR/identity_crl.pem            revoked node certificates (optional, mwx pki revoke)
 *   DIR/origin_revoked.p7s, .txt    revoked origin keys (optional, mwx pki revoke --origin)
 *   DIR/origin/<NAT>.pub            every nation's Ed25519 origin-signing public key
 *   DIR/<NAT>/identity_ca.pem       a copy of DIR/identity_ca.pem
 *   DIR/<NAT>/node.pem, node.key    the node's identity certificate and EC P-256 key
 *   DIR/<NAT>/permissions.xml, .p7s the node's permissions, plain and signed
 *   DIR/<NAT>/origin.key            the nation's Ed25519 origin-signing private key
 *   DIR/ca/identity_ca.key          the coalition authority's CA private keys (keep
 *   DIR/ca/permissions_ca.key       offline in a real deployment)
 *
 * One identity authority (issue 11): Cyclone DDS 0.10's PKI-DH plugin
 * accepts a certificate issued by any CA of its trust list for any subject
 * and does not verify chains, so per-nation identity CAs let one nation
 * certify another's name.  The coalition authority that already signs every
 * permissions document therefore also issues every node certificate (in a
 * deployment a nation submits a CSR; mwx pki init makes the keys itself).
 * See docs/security.md.
 *
 * A nation's node needs DIR/<NAT>/, DIR/trusted/, DIR/origin/,
 * DIR/permissions_ca.pem, DIR/governance.p7s and DIR/nations; never DIR/ca/.
 *
 * Identity certificates: subject C=<alpha-2>,O=mwx,CN=<nat>-node (lower-case
 * nat), e.g. CN=kor-node,O=mwx,C=KR; the permissions document names it CN
 * first without spaces.  A nation's permissions grant, on the topics mwx_*,
 * publish in org.<NAT>.rel.<codes> and subscribe in org.<S>.rel.<codes>, for
 * every sorted code list that is a subset of the coalition containing the
 * nation and every sender S in that list: the org.<S> prefix binds each
 * writer to its participant's nation (see mwx_pki_sender_partition).
 *
 * Lifetimes (NIST SP 800-57 Part 1 Rev. 5, section 5.3.6, table 1): node
 * certificates and permissions MWX_PKI_NODE_DAYS (the node key authenticates
 * and agrees keys: private authentication and static key-agreement keys,
 * 1-2 years); CAs MWX_PKI_CA_DAYS (private signature key used to sign for up
 * to 3 years, plus the 2-year life of the last certificate it signs).
 */
#ifndef MWX_PKI_H
#define MWX_PKI_H

#include <stddef.h>

#include "mwx/msg.h"

#define MWX_PKI_MAX_NATIONS MWX_MAX_NATIONS
#define MWX_PKI_PATH_LEN 512
#define MWX_PKI_PARTITION_LEN (4 + MWX_MAX_NATIONS * 4) /* "rel" + ".XXX" each + NUL */
#define MWX_PKI_WPARTITION_LEN (8 + MWX_PKI_PARTITION_LEN) /* "org.XXX." + rel partition */
#define MWX_PKI_NODE_DAYS 365  /* default node certificate and permissions lifetime */
#define MWX_PKI_CA_DAYS 1826   /* CA certificate lifetime (5 years) */
#define MWX_PKI_MAX_DAYS 3653  /* longest lifetime mwx pki accepts (10 years) */
/* Longest validity of a node's HTTPS server certificate (mwx_pki_web_cert), in
 * days: 825, the ceiling of the CA/Browser Forum Baseline Requirements
 * section 6.3.2 for certificates issued on or after 1 March 2018 (Ballot 193),
 * which Apple platforms enforce on every TLS server certificate, those of a
 * private CA such as a nation's web CA included ("Requirements for trusted
 * certificates in iOS 13 and macOS 10.15", support.apple.com/HT210176: "825
 * days or fewer").  Publicly-trusted CAs have since been held to 398 days
 * (Ballot SC31, from 1 September 2020); that rule binds public CAs only. */
#define MWX_PKI_WEB_MAX_DAYS 825

/* Parses a comma-separated nation list ("KOR,JPN,USA") into sorted, unique
 * upper-case alpha-3 codes.  MWX_EINVAL with a message for an empty list, a
 * malformed code (not three upper-case letters), a code this PKI does not
 * know (no ISO alpha-2 mapping), a duplicate, or more than cap codes. */
int mwx_pki_parse_nations(const char *csv, char (*out)[MWX_NATION_LEN], size_t cap, size_t *n);

/* ISO 3166-1 alpha-2 code of a known alpha-3 code ("KOR" -> "KR"), or NULL. */
const char *mwx_pki_alpha2(const char *alpha3);

/* The node certificate subject as the permissions document writes it:
 * "CN=kor-node,O=mwx,C=KR".  MWX_EINVAL for an unknown nation,
 * MWX_ERANGE if cap is too small. */
int mwx_pki_subject(const char *nation, char *buf, size_t cap);

/* Partition name of a releasability list: "rel." + codes joined by '.' in
 * the order given (callers pass a sorted list, as markings hold).
 * MWX_EINVAL for an empty list or a malformed code, MWX_ERANGE if cap is
 * too small. */
int mwx_pki_partition(const char (*codes)[MWX_NATION_LEN], size_t n, char *buf, size_t cap);

/* The partition a sender writes a releasability partition's samples in:
 * "org.<sender>." + rel_partition, e.g. org.KOR.rel.JPN.KOR.USA.
 * MWX_EINVAL for a malformed sender or a name not starting "rel.",
 * MWX_ERANGE if cap is too small. */
int mwx_pki_sender_partition(const char *sender, const char *rel_partition, char *buf, size_t cap);

/* The sender nation of an org.<NAT>.rel.* partition name into out;
 * MWX_EINVAL (no message) for any other name. */
int mwx_pki_partition_sender(const char *partition, char out[MWX_NATION_LEN]);

/* All partitions a nation may use in a coalition: every subset of the
 * (sorted) coalition that contains nation, as partition names, smallest
 * subsets first.  *out is malloc'd (n entries of MWX_PKI_PARTITION_LEN);
 * the caller frees it.  MWX_EINVAL if nation is not in the coalition. */
int mwx_pki_partitions_for(const char (*coalition)[MWX_NATION_LEN], size_t n_coalition,
                           const char *nation, char (**out)[MWX_PKI_PARTITION_LEN], size_t *n);

/* Creates a complete PKI in dir for the nations (see the layout above):
 * the coalition identity CA and permissions CA, a node certificate and key
 * per nation, the signed governance, one signed permissions document per
 * nation, an Ed25519 origin key pair per nation, and trusted/.  Node
 * certificates and permissions are valid from one hour (one day) ago for
 * validity_days (<= 0: MWX_PKI_NODE_DAYS; > MWX_PKI_MAX_DAYS: MWX_EINVAL),
 * CAs for MWX_PKI_CA_DAYS or validity_days if longer.  Over an older
 * layout (with --force) national identity CAs are removed from trusted/.  If dir exists
 * and is not empty, fails with MWX_EEXIST unless force is set (then files
 * are overwritten).  MWX_EINVAL for bad nations, MWX_EIO / MWX_ECRYPTO with
 * a message otherwise. */
int mwx_pki_init(const char *dir, const char *nations_csv, int force, int validity_days);

/* Re-issues nation's node certificate (a new EC key) and its permissions
 * document with the coalition authority's keys in DIR/ca, valid from
 * now + not_before_s to now + not_after_s (seconds; may be negative, e.g. an
 * already expired certificate for a test).  Overwrites DIR/<NAT>/node.pem,
 * node.key, permissions.xml and .p7s.  MWX_EINVAL for an empty or too long
 * validity, MWX_ENOTFOUND without DIR/ca. */
int mwx_pki_reissue(const char *dir, const char *nation, long not_before_s, long not_after_s);

/* Revokes nation's current node certificate (DIR/<NAT>/node.pem): adds its
 * serial to the coalition identity CA's revocation list DIR/identity_crl.pem
 * (made if absent; signed with DIR/ca/identity_ca.key; next update = the
 * CA's end of validity; replaced atomically).  Nodes that find the list use
 * it instead of trusted/ (see mwx_net_open).  Follow with mwx_pki_reissue
 * to give the nation a new certificate.  MWX_EEXIST if already revoked,
 * MWX_ENOTFOUND without DIR/ca, MWX_ECRYPTO if node.pem is not the
 * authority's. */
int mwx_pki_revoke(const char *dir, const char *nation);

#define MWX_PKI_FP_LEN 65 /* SHA-256 in hex + NUL */

/* SHA-256 (lower-case hex) of the DER SubjectPublicKeyInfo of the PEM
 * public key in pub_path (an origin/<NAT>.pub). */
int mwx_pki_origin_fingerprint(const char *pub_path, char hex[MWX_PKI_FP_LEN]);

/* Revokes nation's origin-signing key (origin/<NAT>.pub): appends
 * "<NAT> <fingerprint>" to the coalition's signed list DIR/origin_revoked.p7s
 * (S/MIME, signed with the permissions CA key in DIR/ca; plain copy
 * origin_revoked.txt; replaced atomically).  Nodes drop samples signed by a
 * listed key (see mwx_net_poll).  MWX_EEXIST if already listed. */
int mwx_pki_revoke_origin(const char *dir, const char *nation);

/* The fingerprints of DIR/origin_revoked.p7s after verifying its signature
 * under DIR/permissions_ca.pem; *n = 0 if there is no list.  MWX_ECRYPTO
 * for a list that does not verify, MWX_EPARSE for a bad line. */
int mwx_pki_origin_revocations(const char *dir, char (*fp)[MWX_PKI_FP_LEN], size_t cap, size_t *n);

/* Reads DIR/nations (sorted codes).  MWX_ENOTFOUND / MWX_EPARSE. */
int mwx_pki_load_nations(const char *dir, char (*out)[MWX_NATION_LEN], size_t cap, size_t *n);

/* The files one nation's node uses, as absolute or dir-relative paths
 * (whatever dir is). */
typedef struct mwx_pki_paths {
  char identity_ca[MWX_PKI_PATH_LEN];     /* DIR/<NAT>/identity_ca.pem */
  char cert[MWX_PKI_PATH_LEN];            /* DIR/<NAT>/node.pem */
  char key[MWX_PKI_PATH_LEN];             /* DIR/<NAT>/node.key */
  char permissions[MWX_PKI_PATH_LEN];     /* DIR/<NAT>/permissions.p7s */
  char origin_key[MWX_PKI_PATH_LEN];      /* DIR/<NAT>/origin.key */
  char permissions_ca[MWX_PKI_PATH_LEN];  /* DIR/permissions_ca.pem */
  char governance[MWX_PKI_PATH_LEN];      /* DIR/governance.p7s */
  char trusted_dir[MWX_PKI_PATH_LEN];     /* DIR/trusted */
  char origin_dir[MWX_PKI_PATH_LEN];      /* DIR/origin (<NAT>.pub files) */
} mwx_pki_paths;

/* Fills the paths of nation's files under dir (does not check they exist).
 * MWX_EINVAL for a malformed nation, MWX_ERANGE for a too-long dir. */
int mwx_pki_paths_for(const char *dir, const char *nation, mwx_pki_paths *p);

/* The node's HTTPS server certificate (the web picture, mwx/cop.h), made by
 * mwx_pki_init for every nation and callable alone to renew it: a web CA of
 * the nation's own (not a DDS identity CA) and a server certificate
 * CN=<nat>-web, extendedKeyUsage serverAuth, subjectAltName one entry per
 * host of hosts_csv (NULL: "localhost,127.0.0.1,::1"; entries made of
 * digits, '.' and ':' are IP addresses), EC P-256, validity_days (<= 0:
 * MWX_PKI_WEB_MAX_DAYS; more than MWX_PKI_WEB_MAX_DAYS is refused).
 * Writes DIR/<NAT>/web.pem, DIR/<NAT>/web.key (0600), DIR/<NAT>/web_ca.pem
 * (what a browser is told to trust) and DIR/ca/<NAT>_web_ca.key (0600),
 * replacing earlier ones.  MWX_EINVAL for a bad nation, host name or
 * validity_days. */
int mwx_pki_web_cert(const char *dir, const char *nation, const char *hosts_csv, int validity_days);

#endif /* MWX_PKI_H */
