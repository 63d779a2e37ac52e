/*
 * net_config.c - the "net" part of a node's JSON configuration: nation, PKI
 * directory, security, role, auto_relay, links (domain, peers, interface,
 * partners), lease and history depth.  See mwx_net_config_load in net.h and
 * docs/operations.md for the format.
 *
 * Strict (include/mwx/json.h): the file must be a regular file of at most
 * MWX_NET_CONFIG_MAX_BYTES, a key given twice is refused, and so is any key
 * that neither this layer nor the node layer (src/node/config.c) reads: a
 * misspelt "journal_plot" is an error, not a silent default.  The interface
 * and peer values end up inside Cyclone DDS's XML configuration (net.c), so
 * they are held to the shapes of an interface name, an IP address or a host
 * name here; anything else (a quote, an angle bracket, a space) is refused
 * with the key that held it.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/net.h"
#include "mwx/text.h"

/* A node configuration is small (the shipped ones are < 1 KiB). */
#define MWX_NET_CONFIG_MAX_BYTES ((size_t)1 << 20)

/* Keys read here, at the top level. */
#define NET_KEYS "nation", "pki_dir", "secure", "role", "auto_relay", "lease_ms", "history_depth", "verify_threads", "links"
/* Keys of one link (also allowed at the top level for a single-link file). */
#define LINK_KEYS "domain_id", "interface", "peers", "partners"
/* Keys of the same file read by the node layer (mwx_node_config_load in
 * src/node/config.c) and by mwxd (web_port).  Listed here so that `mwx net`,
 * mwxd's network-only mode and a full node refuse the same misspellings; a
 * new node key is added here and in config.c. */
#define NODE_KEYS                                                                                              \
  "journal", "policy", "scenario", "key", "speed", "step_s", "linger_s", "status_every_s", "impact_every_s",     \
      "lead_s", "seed", "start_unix_ms", "journal_plots", "launch_fit", "sync", "node_id", "web_port", "replay_max_age_s",  \
      "web_bind", "web_accounts", "web_root", "web_session_idle_s", "web_session_max_s", "web_frame_ms", "alert_rules", \
      "fit_workers", "fit_queue", "slow_pass_ms", "batch_nice", "batch_sched", "sign_threads", "malloc_mmap_threshold_kb"

static int parse_err(int rc) { return rc == MWX_ENOTFOUND ? 0 : (rc ? MWX_EPARSE : 0); }

static int str_field(json_t *o, const char *key, char *dst, size_t cap, int required, const char *path) {
  const char *s;
  int rc = mwx_json_get_str(o, key, path, &s);
  if (rc == MWX_ENOTFOUND)
    return required ? mwx_error_set(MWX_EPARSE, "%s: missing key '%s'", path, key) : 0;
  if (rc)
    return MWX_EPARSE;
  if (strlen(s) >= cap)
    return mwx_error_set(MWX_EPARSE, "%s: '%s' must be a string of at most %zu characters", path, key, cap - 1);
  snprintf(dst, cap, "%s", s);
  return 0;
}

static int nation_ok(const char *c) {
  return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' && c[2] <= 'Z';
}

/* An interface name as Linux allows it (1..15 bytes) from the letters,
 * digits and . _ - ; or a numeric IPv4 / IPv6 address. */
static int interface_ok(const char *s) {
  unsigned char a[16];
  if (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1)
    return 1;
  size_t n = strlen(s);
  if (n < 1 || n > 15)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return 0;
  }
  return 1;
}

/* A host name of RFC 1123 labels (letters, digits, '-'; 1..63 bytes each, no
 * '-' at either end), at most 253 bytes. */
static int hostname_ok(const char *s, size_t n) {
  if (n < 1 || n > 253)
    return 0;
  size_t label = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-')
        return 0;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return 0;
    if (c == '-' && label == 0)
      return 0;
    if (++label > 63)
      return 0;
  }
  return label > 0 && s[n - 1] != '-';
}

static int port_ok(const char *p) {
  size_t n = strlen(p);
  if (n < 1 || n > 5 || strspn(p, "0123456789") != n)
    return 0;
  long v = strtol(p, NULL, 10);
  return v >= 1 && v <= 65535;
}

/* A discovery peer: IPv4[:port], [IPv6][:port], a bare IPv6 address, or
 * host[:port]. */
static int peer_ok(const char *s) {
  char buf[MWX_NET_ADDR_LEN];
  unsigned char a[16];
  size_t n = strlen(s);
  if (n < 1 || n >= sizeof buf)
    return 0;
  if (inet_pton(AF_INET6, s, a) == 1)
    return 1;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close || (size_t)(close - s - 1) >= sizeof buf)
      return 0;
    memcpy(buf, s + 1, (size_t)(close - s - 1));
    buf[close - s - 1] = 0;
    if (inet_pton(AF_INET6, buf, a) != 1)
      return 0;
    return close[1] == 0 || (close[1] == ':' && port_ok(close + 2));
  }
  memcpy(buf, s, n + 1);
  char *colon = strchr(buf, ':');
  if (colon) {
    if (!port_ok(colon + 1))
      return 0;
    *colon = 0;
  }
  return inet_pton(AF_INET, buf, a) == 1 || hostname_ok(buf, strlen(buf));
}

static int parse_link(json_t *o, mwx_net_link_config *l, const char *path) {
  memset(l, 0, sizeof *l);
  int64_t dom = 0;
  int rc = mwx_json_get_int(o, "domain_id", 0, 230, path, &dom);
  if (rc && rc != MWX_ENOTFOUND)
    return mwx_error_set(MWX_EPARSE, "%s: 'domain_id' must be an integer 0..230", path);
  l->domain_id = (uint32_t)dom;
  if ((rc = str_field(o, "interface", l->interface, sizeof l->interface, 0, path)))
    return rc;
  if (l->interface[0] && !interface_ok(l->interface)) {
    char e[4 * MWX_NET_ADDR_LEN];
    return mwx_error_set(MWX_EPARSE,
                         "%s: 'interface' \"%s\" is neither an interface name (1..15 of A-Z a-z 0-9 . _ -) nor an "
                         "IP address",
                         path, mwx_text_escape(l->interface, e, sizeof e));
  }
  json_t *peers = json_object_get(o, "peers");
  if (peers) {
    if (!json_is_array(peers) || json_array_size(peers) > MWX_NET_MAX_PEERS)
      return mwx_error_set(MWX_EPARSE, "%s: 'peers' must be an array of at most %d addresses", path,
                           MWX_NET_MAX_PEERS);
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
      const char *s = json_string_value(p);
      if (!s || strlen(s) >= MWX_NET_ADDR_LEN)
        return mwx_error_set(MWX_EPARSE, "%s: peers[%zu] must be an address string", path, i);
      if (!peer_ok(s)) {
        char e[4 * MWX_NET_ADDR_LEN];
        return mwx_error_set(MWX_EPARSE,
                             "%s: peers[%zu] \"%s\" is not an address (IPv4[:port], [IPv6][:port] or host[:port])",
                             path, i, mwx_text_escape(s, e, sizeof e));
      }
      snprintf(l->peers[i], MWX_NET_ADDR_LEN, "%s", s);
    }
    l->n_peers = (int)json_array_size(peers);
  }
  json_t *partners = json_object_get(o, "partners");
  if (partners) {
    if (!json_is_array(partners) || json_array_size(partners) > MWX_MAX_NATIONS)
      return mwx_error_set(MWX_EPARSE, "%s: 'partners' must be an array of nation codes", path);
    size_t i;
    json_t *p;
    json_array_foreach(partners, i, p) {
      if (!json_is_string(p) || !nation_ok(json_string_value(p)))
        return mwx_error_set(MWX_EPARSE, "%s: partners[%zu] must be a nation code like \"JPN\"", path, i);
      memcpy(l->partners[i], json_string_value(p), MWX_NATION_LEN);
    }
    l->n_partners = (int)json_array_size(partners);
  }
  return 0;
}

static int bool_field(json_t *root, const char *key, const char *path, int *out) {
  return parse_err(mwx_json_get_bool(root, key, path, out));
}

int mwx_net_config_load(const char *path, mwx_net_config *c) {
  if (!path || !c)
    return mwx_error_set(MWX_EINVAL, "net config: NULL argument");
  mwx_net_config_init(c);
  json_t *root;
  int rc = mwx_json_load_file(path, MWX_NET_CONFIG_MAX_BYTES, &root);
  if (rc)
    return rc == MWX_EIO ? rc : MWX_EPARSE;
  char pki[MWX_PKI_PATH_LEN] = "";
  json_t *links = json_object_get(root, "links");
  static const char *const top_keys[] = {NET_KEYS, LINK_KEYS, NODE_KEYS, NULL};
  static const char *const top_keys_links[] = {NET_KEYS, NODE_KEYS, NULL};
  static const char *const link_keys[] = {LINK_KEYS, NULL};
  if ((rc = parse_err(mwx_json_check_keys(root, links ? top_keys_links : top_keys, path)))) {
    if (links && json_is_object(root)) {
      /* a link key at the top level of a file with "links" is a mistake worth naming */
      for (size_t k = 0; link_keys[k]; k++)
        if (json_object_get(root, link_keys[k])) {
          rc = mwx_error_set(MWX_EPARSE, "%s: '%s' belongs inside 'links' when 'links' is given", path,
                             link_keys[k]);
          break;
        }
    }
    goto done;
  }
  if ((rc = str_field(root, "nation", c->nation, sizeof c->nation, 1, path)))
    goto done;
  if (!nation_ok(c->nation)) {
    rc = mwx_error_set(MWX_EPARSE, "%s: 'nation' must be a nation code like \"KOR\"", path);
    goto done;
  }
  if ((rc = str_field(root, "pki_dir", pki, sizeof pki, 1, path)))
    goto done;
  if (pki[0] == '/')
    snprintf(c->pki_dir, sizeof c->pki_dir, "%s", pki);
  else {
    char tmp[MWX_PKI_PATH_LEN];
    snprintf(tmp, sizeof tmp, "%s", path);
    int w = snprintf(c->pki_dir, sizeof c->pki_dir, "%s/%s", dirname(tmp), pki);
    if (w < 0 || (size_t)w >= sizeof c->pki_dir) {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'pki_dir' path too long", path);
      goto done;
    }
  }
  if ((rc = bool_field(root, "secure", path, &c->secure)) || (rc = bool_field(root, "auto_relay", path, &c->auto_relay)))
    goto done;
  json_t *v;
  if ((v = json_object_get(root, "role"))) {
    const char *r = json_string_value(v);
    if (r && !strcmp(r, "mesh"))
      c->role = MWX_NET_MESH;
    else if (r && !strcmp(r, "hub-relay"))
      c->role = MWX_NET_HUB_RELAY;
    else {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'role' must be \"mesh\" or \"hub-relay\"", path);
      goto done;
    }
  }
  int64_t x;
  if ((rc = parse_err(mwx_json_get_int(root, "lease_ms", 100, 3600000, path, &x))))
    goto done;
  if (json_object_get(root, "lease_ms"))
    c->lease_ns = x * 1000000;
  if ((rc = parse_err(mwx_json_get_int(root, "history_depth", 1, 1000, path, &x))))
    goto done;
  if (json_object_get(root, "history_depth"))
    c->history_depth = (int)x;
  if ((rc = parse_err(mwx_json_get_int(root, "verify_threads", 1, MWX_NET_VERIFY_THREADS_MAX, path, &x))))
    goto done;
  if (json_object_get(root, "verify_threads"))
    c->verify_threads = (int)x;
  if (links) {
    if (!json_is_array(links) || json_array_size(links) < 1 || json_array_size(links) > MWX_NET_MAX_LINKS) {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'links' must be an array of 1..%d objects", path, MWX_NET_MAX_LINKS);
      goto done;
    }
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l) {
      char where[MWX_PKI_PATH_LEN + 32];
      snprintf(where, sizeof where, "%s: links[%zu]", path, i);
      if (!json_is_object(l)) {
        rc = mwx_error_set(MWX_EPARSE, "%s: not an object", where);
        goto done;
      }
      if ((rc = parse_err(mwx_json_check_keys(l, link_keys, where))) || (rc = parse_link(l, &c->links[i], where)))
        goto done;
    }
    c->n_links = (int)json_array_size(links);
  } else {
    if ((rc = parse_link(root, &c->links[0], path)))
      goto done;
    c->n_links = 1;
  }
done:
  json_decref(root);
  return rc;
}
