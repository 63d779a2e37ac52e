/*
 * offline.c - an offline coalition in one process (node.h
 * mwx_node_offline_run): the real nodes (release policies, signatures,
 * journals, fusion, alerts), with the samples one releases for another
 * handed over by mwx_node_inject instead of DDS.  Used by tests and the
 * demo; the replay of the real node code the fusion issue asks for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "node_int.h"

typedef struct xout_item {
  char partner[MWX_NATION_LEN];
  mwx_msg msg;
} xout_item;

struct node_xout {
  xout_item *it;
  size_t n, cap;
  int oom;
};

void node_xout_put(mwx_node *n, const char *partner, const mwx_msg *m) {
  struct node_xout *x = n->xout;
  if (!x)
    return;
  if (x->n == x->cap) {
    size_t nc = x->cap ? 2 * x->cap : 64;
    xout_item *p = realloc(x->it, nc * sizeof *p);
    if (!p) {
      x->oom = 1;
      return;
    }
    x->it = p;
    x->cap = nc;
  }
  xout_item *e = &x->it[x->n++];
  memset(e->partner, 0, sizeof e->partner);
  memcpy(e->partner, partner, 3);
  e->msg = *m;
}

void node_xout_free(mwx_node *n) {
  if (!n->xout)
    return;
  free(n->xout->it);
  free(n->xout);
  n->xout = NULL;
}

/* Index of the node of nation nat among nodes, or -1. */
static int node_index(mwx_node *const *nodes, size_t n_nodes, const char *nat) {
  for (size_t k = 0; k < n_nodes; k++)
    if (!strncmp(nodes[k]->cfg.nation, nat, 3))
      return (int)k;
  return -1;
}

/* Hub topology offline: a partner that is one of the nodes but not on a
 * link of node i is reached only through the relay, so node i's release
 * decisions route its copy as an online node's do (node.c route_indirect:
 * the relay must be allowed to read it, or the copy is refused). */
static void set_direct(mwx_node *const *nodes, size_t n_nodes, const mwx_node_offline_links *lk) {
  for (size_t i = 0; i < n_nodes; i++) {
    mwx_node *n = nodes[i];
    for (int p = 0; p < n->st.n_partners; p++) {
      int k = node_index(nodes, n_nodes, n->st.partner[p].nation);
      n->direct[p] = k < 0 || !lk || lk->link[i][k] || lk->relay < 0;
    }
  }
}

int mwx_node_offline_run(mwx_node *const *nodes, size_t n_nodes, int64_t until_ns) {
  return mwx_node_offline_run_links(nodes, n_nodes, NULL, until_ns);
}

int mwx_node_offline_run_links(mwx_node *const *nodes, size_t n_nodes, const mwx_node_offline_links *lk,
                               int64_t until_ns) {
  if (!nodes || !n_nodes)
    return mwx_error_set(MWX_EINVAL, "node offline run: no nodes");
  if (n_nodes > MWX_NODE_OFFLINE_MAX)
    return mwx_error_set(MWX_EINVAL, "node offline run: %zu nodes, at most %d", n_nodes, MWX_NODE_OFFLINE_MAX);
  if (lk && (lk->relay < -1 || lk->relay >= (int)n_nodes))
    return mwx_error_set(MWX_EINVAL, "node offline run: relay %d is not a node index", lk->relay);
  for (size_t i = 0; i < n_nodes; i++) {
    if (!nodes[i] || nodes[i]->cfg.online)
      return mwx_error_set(MWX_EINVAL, "node offline run: node %zu is NULL or online", i);
    for (size_t k = 0; k < i; k++)
      if (!strcmp(nodes[k]->cfg.nation, nodes[i]->cfg.nation))
        return mwx_error_set(MWX_EINVAL, "node offline run: two nodes of %s", nodes[i]->cfg.nation);
    if (!nodes[i]->xout && !(nodes[i]->xout = calloc(1, sizeof *nodes[i]->xout)))
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  }
  set_direct(nodes, n_nodes, lk);
  int64_t step = (int64_t)(nodes[0]->cfg.step_s * 1e9);
  if (step <= 0)
    return mwx_error_set(MWX_EINVAL, "node offline run: step_s of %s must be > 0 (event-driven nodes need the loop)",
                         nodes[0]->cfg.nation);
  int64_t t = INT64_MAX;
  for (size_t i = 0; i < n_nodes; i++)
    if (nodes[i]->sim_ns < t)
      t = nodes[i]->sim_ns;
  int rc = 0;
  for (;;) {
    t += step;
    int all_done = 1;
    for (size_t i = 0; i < n_nodes && !rc; i++) {
      int done = 0;
      rc = mwx_node_step(nodes[i], t, &done);
      all_done &= done;
    }
    /* delivery: what each released in this step, to the nodes it was for:
     * directly on a link, or (hub) through the relay when the sender and
     * the addressee both have a link to it; nothing otherwise */
    for (size_t i = 0; i < n_nodes && !rc; i++) {
      struct node_xout *x = nodes[i]->xout;
      if (x->oom)
        rc = mwx_error_set(MWX_ENOMEM, "node offline run: out of memory keeping %s's samples", nodes[i]->cfg.nation);
      for (size_t e = 0; e < x->n && !rc; e++) {
        int k = node_index(nodes, n_nodes, x->it[e].partner);
        if (k < 0 || k == (int)i)
          continue;
        int h = lk ? lk->relay : -1;
        int reach = !lk || lk->link[i][k] ||
                    (h >= 0 && h != (int)i && h != k && lk->link[i][h] && lk->link[h][k]);
        if (reach)
          rc = mwx_node_inject(nodes[k], &x->it[e].msg);
      }
      x->n = 0;
    }
    if (rc || all_done || (until_ns > 0 && t >= until_ns))
      break;
  }
  for (size_t i = 0; i < n_nodes; i++)
    node_xout_free(nodes[i]);
  return rc;
}
