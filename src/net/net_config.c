/*
 * net_config.c - the "net" part of a node's JSON configuration (jansson):
 * nation, PKI directory, security, role, auto_relay, links (domain, peers, interface,
 * partners), lease and history depth.  See mwx_net_config_load in net.h and
 * docs/operations.md for the format.
 */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/net.h"

static int str_field(json_t *o, const char *key, char *dst, size_t cap, int required, const char *path) {
  json_t *v = json_object_get(o, key);
  if (!v) {
    if (required)
      return mwx_error_set(MWX_EPARSE, "%s: missing key '%s'", path, key);
    return 0;
  }
  if (!json_is_string(v) || strlen(json_string_value(v)) >= cap)
    return mwx_error_set(MWX_EPARSE, "%s: '%s' must be a string of at most %zu characters", path, key, cap - 1);
  snprintf(dst, cap, "%s", json_string_value(v));
  return 0;
}

static int nation_ok(const char *c) {
  return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' && c[2] <= 'Z';
}

static int parse_link(json_t *o, mwx_net_link_config *l, const char *path) {
  memset(l, 0, sizeof *l);
  json_t *v = json_object_get(o, "domain_id");
  if (v) {
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 230)
      return mwx_error_set(MWX_EPARSE, "%s: 'domain_id' must be an integer 0..230", path);
    l->domain_id = (uint32_t)json_integer_value(v);
  }
  int rc = str_field(o, "interface", l->interface, sizeof l->interface, 0, path);
  if (rc)
    return rc;
  json_t *peers = json_object_get(o, "peers");
  if (peers) {
    if (!json_is_array(peers) || json_array_size(peers) > MWX_NET_MAX_PEERS)
      return mwx_error_set(MWX_EPARSE, "%s: 'peers' must be an array of at most %d addresses", path, MWX_NET_MAX_PEERS);
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
      if (!json_is_string(p) || strlen(json_string_value(p)) >= MWX_NET_ADDR_LEN)
        return mwx_error_set(MWX_EPARSE, "%s: peers[%zu] must be an address string", path, i);
      snprintf(l->peers[i], MWX_NET_ADDR_LEN, "%s", json_string_value(p));
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

int mwx_net_config_load(const char *path, mwx_net_config *c) {
  mwx_net_config_init(c);
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root)
    return mwx_error_set(MWX_EPARSE, "%s:%d: %s", path, err.line, err.text);
  int rc = 0;
  char pki[MWX_PKI_PATH_LEN] = "";
  if (!json_is_object(root)) {
    rc = mwx_error_set(MWX_EPARSE, "%s: not a JSON object", path);
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
  json_t *v;
  if ((v = json_object_get(root, "secure"))) {
    if (!json_is_boolean(v)) {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'secure' must be true or false", path);
      goto done;
    }
    c->secure = json_is_true(v);
  }
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
  if ((v = json_object_get(root, "auto_relay"))) {
    if (!json_is_boolean(v)) {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'auto_relay' must be true or false", path);
      goto done;
    }
    c->auto_relay = json_is_true(v);
  }
  if ((v = json_object_get(root, "lease_ms"))) {
    if (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 3600000) {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'lease_ms' must be an integer 100..3600000", path);
      goto done;
    }
    c->lease_ns = (int64_t)json_integer_value(v) * 1000000;
  }
  if ((v = json_object_get(root, "history_depth"))) {
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000) {
      rc = mwx_error_set(MWX_EPARSE, "%s: 'history_depth' must be an integer 1..1000", path);
      goto done;
    }
    c->history_depth = (int)json_integer_value(v);
  }
  json_t *links = json_object_get(root, "links");
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
      if ((rc = parse_link(l, &c->links[i], where)))
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
