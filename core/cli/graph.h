/* dnsglean CLI — the picture: results as a Graphviz DOT graph (--format dot).
 *
 * Nodes: the domain, each name found, CNAME targets, the addresses and other
 * data, and the providers classification named (filled by category).
 * Edges: domain -> subdomain (parent to child), name -> CNAME target, name ->
 * data, name -> provider. Takeover candidates are drawn red and bold.
 */
#ifndef DG_CLI_GRAPH_H
#define DG_CLI_GRAPH_H

#include <stdbool.h>
#include <stdio.h>

/* One result as the graph sees it; everything is borrowed for the call. */
typedef struct {
        const char *name;  /* owner, no trailing dot */
        const char *type;  /* "A", "MX", ... */
        char *const *data; /* presentation-format rdata */
        size_t ndata;
        char *const *cname; /* CNAME chain targets (trailing dot or not) */
        size_t ncname;
        const char *status; /* "found", "nodata", "nxdomain", "wildcard", "failed" */
        bool wildcard;
        bool takeover;                /* a dangling record someone else could claim */
        const char *const *prov_name; /* providers (name, category) */
        const char *const *prov_cat;
        size_t nprov;
        bool pdns_stale; /* named by passive DNS, gone now */
} dg_graph_rec_t;

typedef struct dg_graph dg_graph_t;

/* A new graph rooted at domain (no trailing dot). */
dg_graph_t *dg_graph_new(const char *domain);

/* Adds one result (copies what it keeps). Names outside the domain are kept
 * as CNAME targets only. */
void dg_graph_add(dg_graph_t *g, const dg_graph_rec_t *r);

/* Writes the graph as DOT to f. Returns 0, or -1 on a write error. */
int dg_graph_write(dg_graph_t *g, FILE *f);

/* Frees the graph. NULL is fine. */
void dg_graph_free(dg_graph_t *g);

#endif
