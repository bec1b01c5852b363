/* The picture: results as a Graphviz DOT graph. See graph.h. */
#include "graph.h"

#include <glib.h>
#include <string.h>

#include "dnsglean/wire.h"

#define LABEL_MAX 48 /* longer data labels are cut */

enum node_kind { N_DOMAIN, N_NAME, N_IMPLIED, N_TARGET, N_DATA, N_PROVIDER };

typedef struct {
        char *id;    /* unique, also the sort key */
        char *label; /* shown */
        int kind;
        char *status;   /* N_NAME: found, nodata, nxdomain, wildcard, failed */
        char *category; /* N_PROVIDER */
        bool wildcard, takeover, stale;
} node_t;

struct dg_graph {
        char *domain;
        GHashTable *nodes; /* id -> node_t* */
        GHashTable *edges; /* "from\x01to\x01label" -> NULL */
};

static void node_free(gpointer p)
{
        node_t *n = p;
        g_free(n->id);
        g_free(n->label);
        g_free(n->status);
        g_free(n->category);
        g_free(n);
}

dg_graph_t *dg_graph_new(const char *domain)
{
        dg_graph_t *g = g_new0(dg_graph_t, 1);
        g->domain = g_ascii_strdown(domain, -1);
        size_t l = strlen(g->domain);
        if (l > 1 && g->domain[l - 1] == '.')
                g->domain[l - 1] = 0;
        g->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, node_free);
        g->edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        return g;
}

void dg_graph_free(dg_graph_t *g)
{
        if (g == NULL)
                return;
        g_hash_table_destroy(g->nodes);
        g_hash_table_destroy(g->edges);
        g_free(g->domain);
        g_free(g);
}

/* lowercase, no trailing dot */
static char *norm(const char *s)
{
        char *n = g_ascii_strdown(s, -1);
        size_t l = strlen(n);
        if (l > 1 && n[l - 1] == '.')
                n[l - 1] = 0;
        return n;
}

static bool under(const char *name, const char *domain)
{
        size_t nl = strlen(name), dl = strlen(domain);
        if (nl == dl)
                return strcmp(name, domain) == 0;
        return nl > dl && name[nl - dl - 1] == '.' && strcmp(name + nl - dl, domain) == 0;
}

static node_t *node(dg_graph_t *g, const char *prefix, const char *label, int kind)
{
        char *id = g_strdup_printf("%s%s", prefix, label);
        node_t *n = g_hash_table_lookup(g->nodes, id);
        if (n) {
                g_free(id);
                /* a name that is also a result outranks an implied parent */
                if (n->kind == N_IMPLIED && kind == N_NAME)
                        n->kind = N_NAME;
                return n;
        }
        n = g_new0(node_t, 1);
        n->id = id;
        n->label = g_strdup(label);
        n->kind = kind;
        g_hash_table_insert(g->nodes, n->id, n);
        return n;
}

static void edge(dg_graph_t *g, const node_t *a, const node_t *b, const char *label)
{
        g_hash_table_add(g->edges, g_strdup_printf("%s\x01%s\x01%s", a->id, b->id, label));
}

/* The node of a DNS name: the domain, a name under it, or a foreign target. */
static node_t *name_node(dg_graph_t *g, const char *name, int kind_if_inside)
{
        if (strcmp(name, g->domain) == 0)
                return node(g, "n:", name, N_DOMAIN);
        if (!under(name, g->domain))
                return node(g, "t:", name, N_TARGET);
        node_t *n = node(g, "n:", name, kind_if_inside);
        /* link it to its parent, creating implied parents on the way */
        const char *dot = strchr(name, '.');
        if (dot) {
                node_t *p = name_node(g, dot + 1, N_IMPLIED);
                edge(g, p, n, "");
        }
        return n;
}

/* The name answered (NOERROR): it exists, or a wildcard answered for it. */
static bool answered(const char *status)
{
        return status == NULL || strcmp(status, "found") == 0 || strcmp(status, "nodata") == 0 ||
               strcmp(status, "wildcard") == 0;
}

void dg_graph_add(dg_graph_t *g, const dg_graph_rec_t *r)
{
        if (r->name == NULL)
                return;
        char *name = norm(r->name);
        if (!under(name, g->domain)) {
                g_free(name);
                return;
        }
        node_t *n = name_node(g, name, N_NAME);
        if (n->kind != N_DOMAIN) {
                /* the most definite status seen for the name */
                bool exists = answered(r->status);
                if (n->status == NULL || (exists && !answered(n->status))) {
                        g_free(n->status);
                        n->status = g_strdup(r->status ? r->status : "found");
                        n->wildcard = r->wildcard;
                } else if (exists && !r->wildcard) {
                        n->wildcard = false;
                }
                n->stale |= r->pdns_stale;
        }
        n->takeover |= r->takeover;
        node_t *end = n;
        for (size_t i = 0; i < r->ncname; i++) {
                char *t = norm(r->cname[i]);
                node_t *tn = name_node(g, t, N_NAME);
                if (tn->kind == N_IMPLIED)
                        tn->kind = N_NAME;
                edge(g, end, tn, "CNAME");
                end = tn;
                g_free(t);
        }
        if (r->ncname > 0)
                end->takeover |= r->takeover;
        bool is_cname = r->type && strcmp(r->type, "CNAME") == 0;
        for (size_t i = 0; i < r->ndata; i++) {
                if (is_cname) {
                        /* a CNAME's data is its target: an edge, not a datum */
                        char *t = norm(r->data[i]);
                        node_t *tn = name_node(g, t, N_NAME);
                        edge(g, n, tn, "CNAME");
                        if (r->takeover)
                                tn->takeover = true;
                        g_free(t);
                        continue;
                }
                node_t *d = node(g, "d:", r->data[i], N_DATA);
                edge(g, end, d, r->type ? r->type : "");
        }
        for (size_t i = 0; i < r->nprov; i++) {
                node_t *p = node(g, "p:", r->prov_name[i], N_PROVIDER);
                if (p->category == NULL && r->prov_cat && r->prov_cat[i])
                        p->category = g_strdup(r->prov_cat[i]);
                p->takeover |= r->takeover;
                edge(g, n, p, "");
        }
        g_free(name);
}

/* DOT quoted string */
/* One octet of data inside a DOT quoted string, shown as it is: quotes and
 * backslashes escaped (a lone backslash could swallow the closing quote or
 * become one of Graphviz's label escapes, \N, \G, \l...), control octets as
 * spaces, octets outside ASCII as \DDD (DNS presentation style: DOT wants
 * UTF-8, DNS data is octets). */
static void dot_char(GString *s, unsigned char c)
{
        if (c == '"' || c == '\\') {
                g_string_append_c(s, '\\');
                g_string_append_c(s, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
                g_string_append_c(s, ' ');
        } else if (c >= 0x80) {
                g_string_append_printf(s, "\\\\%03u", c);
        } else {
                g_string_append_c(s, (char)c);
        }
}

/* DOT quoted string */
static void q(GString *s, const char *t)
{
        g_string_append_c(s, '"');
        for (; *t; t++)
                dot_char(s, (unsigned char)*t);
        g_string_append_c(s, '"');
}

/* Fill colours of provider categories: known words get fixed colours, the
 * others one of the spare ones, picked by a hash (stable across runs). */
static const char *category_colour(const char *cat)
{
        static const struct {
                const char *cat, *colour;
        } fixed[] = {
            {"email", "#8dd3c7"},    {"mail", "#8dd3c7"},          {"cloud", "#80b1d3"},
            {"hosting", "#80b1d3"},  {"cdn", "#fdb462"},           {"dns", "#bebada"},
            {"saas", "#b3de69"},     {"support", "#fccde5"},       {"marketing", "#ffffb3"},
            {"security", "#bc80bd"}, {"identity", "#ccebc5"},      {"verification", "#d9d9d9"},
            {"crm", "#fb8072"},      {"collaboration", "#ffed6f"},
        };
        static const char *spare[] = {"#a6cee3", "#b2df8a", "#fb9a99",
                                      "#fdbf6f", "#cab2d6", "#ffff99"};
        if (cat == NULL || *cat == 0)
                return "#eeeeee";
        for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
                if (g_ascii_strcasecmp(cat, fixed[i].cat) == 0)
                        return fixed[i].colour;
        return spare[g_str_hash(cat) % G_N_ELEMENTS(spare)];
}

static gint cmp_node(gconstpointer a, gconstpointer b)
{
        return strcmp((*(node_t *const *)a)->id, (*(node_t *const *)b)->id);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int dg_graph_write(dg_graph_t *g, FILE *f)
{
        GString *s = g_string_sized_new(4096);
        g_string_append(s, "digraph dnsglean {\n"
                           "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, "
                           "labelloc=t, label=");
        char *title = g_strdup_printf("dnsglean: %s", g->domain);
        q(s, title);
        g_free(title);
        g_string_append(s, "];\n  node [fontname=\"Helvetica\", fontsize=10];\n"
                           "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n");
        GPtrArray *nodes = g_ptr_array_new();
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, g->nodes);
        while (g_hash_table_iter_next(&it, &k, &v))
                g_ptr_array_add(nodes, v);
        g_ptr_array_sort(nodes, cmp_node);
        for (guint i = 0; i < nodes->len; i++) {
                node_t *n = g_ptr_array_index(nodes, i);
                GString *label = g_string_new(n->label);
                if (n->kind == N_DATA && label->len > LABEL_MAX) {
                        /* long TXT data: the start tells what it is */
                        g_string_truncate(label, LABEL_MAX - 3);
                        g_string_append(label, "...");
                }
                const char *attrs = "";
                char *extra = NULL;
                switch (n->kind) {
                case N_DOMAIN:
                        attrs = "shape=doubleoctagon, style=filled, fillcolor=\"#4a6fa5\", "
                                "fontcolor=white";
                        break;
                case N_IMPLIED:
                        attrs = "shape=ellipse, style=dashed, color=\"#999999\"";
                        break;
                case N_NAME:
                        if (n->status && !answered(n->status)) {
                                g_string_append_printf(label, "\x02(%s%s)", n->status,
                                                       n->stale ? ", stale" : "");
                                attrs = "shape=ellipse, style=\"dashed,filled\", "
                                        "fillcolor=\"#eeeeee\", fontcolor=\"#777777\"";
                        } else if (n->wildcard) {
                                g_string_append(label, n->stale ? "\x02(wildcard, stale)"
                                                                : "\x02(wildcard)");
                                attrs = "shape=ellipse, style=dotted";
                        } else {
                                attrs = "shape=ellipse, style=filled, fillcolor=\"#dde8f5\"";
                        }
                        break;
                case N_TARGET:
                        attrs = "shape=box, style=\"rounded\"";
                        break;
                case N_DATA:
                        attrs = "shape=plaintext, fontsize=9";
                        break;
                case N_PROVIDER:
                        extra = g_strdup_printf("shape=hexagon, style=filled, fillcolor=\"%s\"",
                                                category_colour(n->category));
                        attrs = extra;
                        if (n->category)
                                g_string_append_printf(label, "\x02[%s]", n->category);
                        break;
                }
                g_string_append(s, "  ");
                q(s, n->id);
                g_string_append(s, " [label=");
                /* \x02 marks our line breaks; everything else is data */
                g_string_append_c(s, '"');
                for (const char *p = label->str; *p; p++) {
                        if (*p == '\x02')
                                g_string_append(s, "\\n");
                        else
                                dot_char(s, (unsigned char)*p);
                }
                g_string_append_printf(s, "\", %s", attrs);
                if (n->takeover)
                        g_string_append(s, ", color=red, penwidth=3, fontcolor=red, "
                                           "tooltip=\"takeover candidate\"");
                g_string_append(s, "];\n");
                g_free(extra);
                g_string_free(label, TRUE);
        }
        GPtrArray *edges = g_ptr_array_new();
        g_hash_table_iter_init(&it, g->edges);
        while (g_hash_table_iter_next(&it, &k, &v))
                g_ptr_array_add(edges, k);
        g_ptr_array_sort(edges, cmp_str);
        for (guint i = 0; i < edges->len; i++) {
                char **p = g_strsplit(g_ptr_array_index(edges, i), "\x01", 3);
                g_string_append(s, "  ");
                q(s, p[0]);
                g_string_append(s, " -> ");
                q(s, p[1]);
                if (p[2] && *p[2]) {
                        g_string_append(s, " [label=");
                        q(s, p[2]);
                        if (strcmp(p[2], "CNAME") == 0)
                                g_string_append(s, ", color=\"#d95f02\", fontcolor=\"#d95f02\"");
                        g_string_append_c(s, ']');
                }
                g_string_append(s, ";\n");
                g_strfreev(p);
        }
        g_string_append(s, "}\n");
        size_t len = s->len;
        int rc = fwrite(s->str, 1, len, f) == len ? 0 : -1;
        g_string_free(s, TRUE);
        g_ptr_array_free(nodes, TRUE);
        g_ptr_array_free(edges, TRUE);
        return rc;
}
