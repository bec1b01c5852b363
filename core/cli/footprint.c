/* dnsglean footprint DOMAIN -r RESOLVERS: gathers the records that reveal a
 * domain's providers, classifies them and reports findings. The logic is in
 * core/src/footprint.c (dg_footprint_*); this file parses options and prints. */
#include "cli.h"
#include "graph.h"
#include "pdns.h"

#include <string.h>
#include <unistd.h>

/* The command line of footprint, as given and then derived. */
typedef struct {
        char *resolvers, *format, *output, *selectors, *pdns;
        dg_pdns_http_opts_t pdns_http; /* --pdns-auth, --cacert, --pdns-timeout */
        char **fp;
        gint timeout, retries, ns_port;
        gboolean no_lame, no_saas, quiet;
        const char *domain;
        dg_fmt_t fmt;
} fp_opts_t;

static void log_cb(void *ud, int level, const char *msg)
{
        const fp_opts_t *o = ud;
        if (level <= DG_LOG_WARN && !o->quiet)
                fprintf(stderr, "dnsglean: footprint: %s\n", msg);
}

/* Opens a JSON object: "{", then "kind":KIND, when kind is not NULL, then
 * "key": and val as a JSON string. */
static void json_open(GString *s, const char *kind, const char *key, const char *val)
{
        g_string_append_c(s, '{');
        if (kind) {
                g_string_append(s, "\"kind\":");
                dg_json_str(s, kind);
                g_string_append_c(s, ',');
        }
        g_string_append_c(s, '"');
        g_string_append(s, key);
        g_string_append(s, "\":");
        dg_json_str(s, val);
}

static void json_record(GString *s, const dg_footprint_record_t *x, bool kind)
{
        json_open(s, kind ? "record" : NULL, "name", x->name);
        dg_json_field(s, "type", dg_rrtype_str(x->type));
        g_string_append_printf(s, ",\"ttl\":%u,\"data\":", x->ttl);
        dg_cli_json_strv(s, x->data, x->ndata);
        if (x->ncname) {
                g_string_append(s, ",\"cname\":");
                dg_cli_json_strv(s, x->cname, x->ncname);
        }
        dg_json_field(s, "status", x->status);
        if (x->rcode != 255)
                dg_json_field(s, "rcode", dg_rcode_str(x->rcode));
        dg_json_field(s, "why", x->why);
        g_string_append_c(s, ',');
        dg_cli_json_providers(s, x->providers, x->nproviders);
        g_string_append_printf(s, ",\"takeover\":%s}", x->takeover ? "true" : "false");
}

static void json_provider(GString *s, const dg_footprint_provider_t *p, bool kind)
{
        json_open(s, kind ? "provider" : NULL, "name", p->name);
        dg_json_field(s, "category", p->category);
        g_string_append(s, ",\"evidence\":");
        dg_cli_json_strv(s, p->evidence, p->nevidence);
        g_string_append_printf(s, ",\"takeover\":%s}", p->takeover ? "true" : "false");
}

static void json_finding(GString *s, const dg_finding_t *f, bool kind)
{
        json_open(s, kind ? "finding" : NULL, "id", f->id);
        dg_json_field(s, "severity", dg_severity_str(f->severity));
        dg_json_field(s, "message", f->message);
        g_string_append(s, ",\"evidence\":");
        dg_cli_json_strv(s, f->evidence, f->nevidence);
        g_string_append_c(s, '}');
}

static void json_summary(GString *s, const dg_footprint_report_t *r, bool kind)
{
        json_open(s, kind ? "summary" : NULL, "domain", r->domain);
        g_string_append_printf(s,
                               ",\"records\":%zu,\"providers\":%zu,\"findings\":%zu,"
                               "\"spf_dns_terms\":%u,\"queries\":%u,\"phases\":%u}",
                               r->nrecords, r->nproviders, r->nfindings, r->spf_dns_terms,
                               r->queries, r->phases);
}

/* ---- passive DNS names (--pdns) ---- */

typedef struct {
        const dg_fpdb_t *db;
        const dg_pdns_t *pdns;
        GPtrArray *recs; /* pdns_rec_t*, sorted by name and type once complete */
} pdns_out_t;

/* A record of a passive DNS name, why "pdns", with the live run's verdict. */
typedef struct {
        dg_footprint_record_t x; /* first: a pdns_rec_t* is a record pointer */
        dg_status_t st;
} pdns_rec_t;

static void pdns_rec_free(gpointer p)
{
        pdns_rec_t *pr = p;
        g_free(pr->x.name);
        g_strfreev(pr->x.data);
        g_strfreev(pr->x.cname);
        g_free(pr->x.providers);
        g_free(pr);
}

static gint pdns_rec_cmp(gconstpointer a, gconstpointer b)
{
        const pdns_rec_t *x = *(const pdns_rec_t *const *)a, *y = *(const pdns_rec_t *const *)b;
        int c = strcmp(x->x.name, y->x.name);
        return c ? c : (int)x->x.type - (int)y->x.type;
}

/* Adds the providers rdata (or a CNAME target) reveals to x, once each. */
static void classify_into(const dg_fpdb_t *db, dg_footprint_record_t *x, uint16_t type,
                          const char *rdata)
{
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        if (dg_classify_rr(db, x->name, type, rdata, &res) > 0) {
                for (size_t i = 0; i < res.nmatches; i++) {
                        bool dup = false;
                        for (size_t k = 0; k < x->nproviders && !dup; k++)
                                dup = x->providers[k].name == res.matches[i].name;
                        if (dup)
                                continue;
                        x->providers = g_renew(dg_fp_match_t, x->providers, x->nproviders + 1);
                        x->providers[x->nproviders++] = res.matches[i];
                }
                x->takeover |= res.takeover;
        }
        dg_classify_res_clear(&res);
}

static char **strv_dup(char *const *v, size_t n)
{
        char **out = g_new0(char *, n + 1);
        for (size_t i = 0; i < n; i++)
                out[i] = g_strdup(v[i]);
        return out;
}

static int on_pdns_result(void *ud, dg_result_t *r)
{
        pdns_out_t *px = ud;
        size_t n = r->nanswers ? r->nanswers : 1;
        for (size_t i = 0; i < n; i++) {
                const dg_answer_t *a = r->nanswers ? &r->answers[i] : NULL;
                pdns_rec_t *pr = g_new0(pdns_rec_t, 1);
                pr->st = r->status;
                dg_footprint_record_t *x = &pr->x;
                x->name = g_strdup(r->name);
                x->type = a ? a->type : DG_T_A;
                x->rcode = r->status == DG_STATUS_FAILED     ? 255
                           : r->status == DG_STATUS_NXDOMAIN ? DG_RCODE_NXDOMAIN
                                                             : DG_RCODE_NOERROR;
                x->status = dg_status_str(r->status);
                x->ttl = a ? a->ttl : 0;
                x->data = strv_dup(a ? a->data : NULL, a ? a->ndata : 0);
                x->ndata = a ? a->ndata : 0;
                x->cname = strv_dup(a ? a->cname : NULL, a ? a->ncname : 0);
                x->ncname = a ? a->ncname : 0;
                x->why = "pdns";
                for (size_t k = 0; k < x->ndata; k++)
                        classify_into(px->db, x, x->type, x->data[k]);
                for (size_t k = 0; k < x->ncname; k++)
                        classify_into(px->db, x, DG_T_CNAME, x->cname[k]);
                g_ptr_array_add(px->recs, pr);
        }
        dg_result_free(r);
        return 0;
}

static void json_pdns_record(GString *s, const pdns_out_t *px, guint i, bool kind)
{
        const pdns_rec_t *pr = g_ptr_array_index(px->recs, i);
        const dg_footprint_record_t *x = &pr->x;
        dg_status_t st = pr->st;
        json_record(s, x, kind);
        const dg_pdns_info_t *pi = dg_pdns_lookup(px->pdns, x->name);
        if (pi == NULL)
                return;
        g_string_truncate(s, s->len - 1); /* the closing brace */
        dg_pdns_json(s, pi, st, true);
        g_string_append_c(s, '}');
}

static void text_pdns(GString *s, const pdns_out_t *px)
{
        g_string_append(s, "\nPassive DNS names\n");
        for (guint i = 0; i < px->recs->len; i++) {
                const pdns_rec_t *pr = g_ptr_array_index(px->recs, i);
                const dg_footprint_record_t *x = &pr->x;
                dg_status_t st = pr->st;
                const char *verdict = st == DG_STATUS_FOUND || st == DG_STATUS_NODATA ? "live"
                                      : st == DG_STATUS_FAILED                        ? "unknown"
                                      : st == DG_STATUS_WILDCARD ? "stale (wildcard answers)"
                                                                 : "stale";
                g_string_append_printf(s, "  %-40s %-5s %s", x->name, dg_rrtype_str(x->type),
                                       verdict);
                for (size_t k = 0; k < x->nproviders; k++)
                        g_string_append_printf(s, "%s%s", k ? ", " : "  -> ", x->providers[k].name);
                if (x->takeover)
                        g_string_append(s, "  [takeover-prone]");
                g_string_append_c(s, '\n');
        }
        if (px->recs->len == 0)
                g_string_append(s, "  (none under the domain)\n");
}

/* One footprint record into the picture; px set for passive DNS records. */
static void graph_record(dg_graph_t *g, const dg_footprint_record_t *x, const pdns_out_t *px)
{
        const char **pn = g_new0(const char *, x->nproviders + 1);
        const char **pc = g_new0(const char *, x->nproviders + 1);
        for (size_t i = 0; i < x->nproviders; i++) {
                pn[i] = x->providers[i].name;
                pc[i] = x->providers[i].category;
        }
        dg_graph_rec_t gr = {0};
        gr.name = x->name;
        gr.type = dg_rrtype_str(x->type);
        gr.data = x->data;
        gr.ndata = x->ndata;
        gr.cname = x->cname;
        gr.ncname = x->ncname;
        gr.status = x->status;
        gr.takeover = x->takeover;
        gr.prov_name = pn;
        gr.prov_cat = pc;
        gr.nprov = x->nproviders;
        gr.pdns_stale = px && !dg_cli_status_exists(gr.status);
        dg_graph_add(g, &gr);
        g_free(pn);
        g_free(pc);
}

static void print_report(FILE *out, const dg_footprint_report_t *r, dg_fmt_t fmt,
                         const pdns_out_t *px)
{
        GString *s = g_string_new(NULL);
        switch (fmt) {
        case DG_FMT_DOT: {
                dg_graph_t *g = dg_graph_new(r->domain);
                for (size_t i = 0; i < r->nrecords; i++)
                        graph_record(g, &r->records[i], NULL);
                for (guint i = 0; px && i < px->recs->len; i++)
                        graph_record(g, &((const pdns_rec_t *)g_ptr_array_index(px->recs, i))->x,
                                     px);
                dg_graph_write(g, out);
                dg_graph_free(g);
                break;
        }
        case DG_FMT_JSON:
                g_string_append(s, "{\"summary\":");
                json_summary(s, r, false);
                g_string_append(s, ",\n\"providers\":[");
                for (size_t i = 0; i < r->nproviders; i++) {
                        g_string_append(s, i ? ",\n  " : "\n  ");
                        json_provider(s, &r->providers[i], false);
                }
                g_string_append(s, "],\n\"findings\":[");
                for (size_t i = 0; i < r->nfindings; i++) {
                        g_string_append(s, i ? ",\n  " : "\n  ");
                        json_finding(s, &r->findings[i], false);
                }
                g_string_append(s, "],\n\"records\":[");
                for (size_t i = 0; i < r->nrecords; i++) {
                        g_string_append(s, i ? ",\n  " : "\n  ");
                        json_record(s, &r->records[i], false);
                }
                for (guint i = 0; px && i < px->recs->len; i++) {
                        g_string_append(s, i || r->nrecords ? ",\n  " : "\n  ");
                        json_pdns_record(s, px, i, false);
                }
                g_string_append(s, "]}\n");
                break;
        case DG_FMT_CSV:
                g_string_append(s, "kind,name,type,category_or_severity,detail,evidence\n");
                for (size_t i = 0; i < r->nrecords; i++) {
                        const dg_footprint_record_t *x = &r->records[i];
                        for (size_t k = 0; k < x->ndata || (k == 0 && x->ndata == 0); k++) {
                                g_string_append(s, "record,");
                                dg_csv_field(s, x->name);
                                g_string_append_printf(s, ",%s,,", dg_rrtype_str(x->type));
                                dg_csv_field(s, k < x->ndata ? x->data[k]
                                                             : (x->ncname ? x->cname[0] : ""));
                                g_string_append_c(s, ',');
                                GString *pv = g_string_new(NULL);
                                for (size_t p = 0; p < x->nproviders; p++)
                                        g_string_append_printf(pv, "%s%s", p ? "; " : "",
                                                               x->providers[p].name);
                                dg_csv_field(s, pv->str);
                                g_string_free(pv, TRUE);
                                g_string_append_c(s, '\n');
                        }
                }
                for (size_t i = 0; i < r->nproviders; i++) {
                        const dg_footprint_provider_t *p = &r->providers[i];
                        g_string_append(s, "provider,");
                        dg_csv_field(s, p->name);
                        g_string_append(s, ",,");
                        dg_csv_field(s, p->category);
                        g_string_append(s, p->takeover ? ",takeover-prone," : ",,");
                        char *ev = g_strjoinv("; ", p->evidence);
                        dg_csv_field(s, ev);
                        g_free(ev);
                        g_string_append_c(s, '\n');
                }
                for (size_t i = 0; i < r->nfindings; i++) {
                        const dg_finding_t *f = &r->findings[i];
                        g_string_append(s, "finding,");
                        dg_csv_field(s, f->id);
                        g_string_append_printf(s, ",,%s,", dg_severity_str(f->severity));
                        dg_csv_field(s, f->message);
                        g_string_append_c(s, ',');
                        char *ev = g_strjoinv("; ", f->evidence);
                        dg_csv_field(s, ev ? ev : "");
                        g_free(ev);
                        g_string_append_c(s, '\n');
                }
                break;
        case DG_FMT_TEXT: {
                g_string_append_printf(s, "Footprint of %s\n", r->domain);
                g_string_append_printf(s,
                                       "  %zu records from %u lookups in %u phases; SPF needs "
                                       "%u DNS-querying terms\n\n",
                                       r->nrecords, r->queries, r->phases, r->spf_dns_terms);
                g_string_append(s, "Providers\n");
                const char *cat = NULL;
                for (size_t i = 0; i < r->nproviders; i++) {
                        const dg_footprint_provider_t *p = &r->providers[i];
                        if (cat == NULL || strcmp(cat, p->category) != 0) {
                                cat = p->category;
                                g_string_append_printf(s, "  %s\n", cat);
                        }
                        g_string_append_printf(s, "    %s%s\n", p->name,
                                               p->takeover ? "  [takeover-prone]" : "");
                        for (size_t k = 0; k < p->nevidence; k++)
                                g_string_append_printf(s, "        %s\n", p->evidence[k]);
                }
                if (r->nproviders == 0)
                        g_string_append(s, "  (none recognised)\n");
                g_string_append(s, "\nFindings\n");
                for (size_t i = 0; i < r->nfindings; i++) {
                        const dg_finding_t *f = &r->findings[i];
                        g_string_append_printf(s, "  [%-6s] %-22s %s\n",
                                               dg_severity_str(f->severity), f->id, f->message);
                        for (size_t k = 0; k < f->nevidence; k++)
                                g_string_append_printf(s, "           %-22s %s\n", "",
                                                       f->evidence[k]);
                }
                if (r->nfindings == 0)
                        g_string_append(s, "  (none)\n");
                if (px)
                        text_pdns(s, px);
                break;
        }
        default: /* jsonl */
                for (size_t i = 0; i < r->nrecords; i++) {
                        json_record(s, &r->records[i], true);
                        g_string_append_c(s, '\n');
                }
                for (guint i = 0; px && i < px->recs->len; i++) {
                        json_pdns_record(s, px, i, true);
                        g_string_append_c(s, '\n');
                }
                for (size_t i = 0; i < r->nproviders; i++) {
                        json_provider(s, &r->providers[i], true);
                        g_string_append_c(s, '\n');
                }
                for (size_t i = 0; i < r->nfindings; i++) {
                        json_finding(s, &r->findings[i], true);
                        g_string_append_c(s, '\n');
                }
                json_summary(s, r, true);
                g_string_append_c(s, '\n');
        }
        fwrite(s->str, 1, s->len, out);
        g_string_free(s, TRUE);
}

/* ---- the command ---- */

static void opts_clear(fp_opts_t *o)
{
        g_free(o->resolvers);
        g_free(o->format);
        g_free(o->output);
        g_free(o->selectors);
        g_free(o->pdns);
        dg_pdns_http_opts_clear(&o->pdns_http);
        g_strfreev(o->fp);
}

static gboolean parse_args(fp_opts_t *o, int *argc, char ***argv)
{
        GOptionEntry entries[] = {
            {"resolvers", 'r', 0, G_OPTION_ARG_STRING, &o->resolvers,
             "Resolvers: a file (one addr[:port] per line) or a comma list (required)",
             "RESOLVERS"},
            DG_CLI_FORMAT_ENTRY(&o->format, "text (default on a terminal), jsonl (default "
                                            "otherwise), json, csv, dot"),
            DG_CLI_OUTPUT_ENTRY(&o->output),
            {"fingerprints", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->fp,
             "Load more signatures from a TSV file (repeatable)", "FILE"},
            {"dkim-selectors", 0, 0, G_OPTION_ARG_STRING, &o->selectors,
             "Comma list of DKIM selectors to try (default: a built-in list)", "LIST"},
            {"timeout", 't', 0, G_OPTION_ARG_INT, &o->timeout, "Per-try timeout in ms", "MS"},
            {"retries", 0, 0, G_OPTION_ARG_INT, &o->retries,
             "Extra tries per question (0: the engine default, 4)", "N"},
            {"ns-port", 0, 0, G_OPTION_ARG_INT, &o->ns_port,
             "Port on which to ask the name servers directly (default 53)", "PORT"},
            {"no-lame-check", 0, 0, G_OPTION_ARG_NONE, &o->no_lame,
             "Do not ask each name server for the zone (lame delegation check)", NULL},
            {"no-saas-names", 0, 0, G_OPTION_ARG_NONE, &o->no_saas,
             "Do not look up the well-known SaaS host names", NULL},
            {"pdns", 0, 0, G_OPTION_ARG_FILENAME, &o->pdns,
             "Passive DNS records (COF JSON Lines) from a file or an https:// service "
             "(URL/DOMAIN): check their names under DOMAIN live and classify them",
             "FILE|URL"},
            DG_PDNS_HTTP_ENTRIES(&o->pdns_http),
            {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No warnings on stderr", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        return dg_cli_parse_options(
            "footprint", "DOMAIN",
            "Gathers the apex NS, SOA, MX, TXT, CAA, DMARC, common DKIM selectors,\n"
            "well-known SRV and SaaS names of DOMAIN through the given resolvers,\n"
            "follows CNAMEs and the SPF include chain, asks each name server for the\n"
            "zone, classifies everything and reports providers and findings.\n"
            "Exit status: 0 done, 1 interrupted, 2 usage or setup error.",
            entries, argc, argv);
}

/* Fills o from the command line; returns 0 or the exit status 2. */
static int parse_opts(fp_opts_t *o, int argc, char **argv)
{
        const char *cmd = "footprint";
        const unsigned formats = DG_FMT_BIT(DG_FMT_TEXT) | DG_FMT_BIT(DG_FMT_JSONL) |
                                 DG_FMT_BIT(DG_FMT_JSON) | DG_FMT_BIT(DG_FMT_CSV) |
                                 DG_FMT_BIT(DG_FMT_DOT);
        o->retries = -1;
        if (!parse_args(o, &argc, &argv))
                return 2;
        if (dg_cli_one_arg(cmd, argc, argv, "DOMAIN", &o->domain) != 0)
                return 2;
        if (o->resolvers == NULL) {
                dg_cli_error(cmd, "no resolvers given: use -r (nothing falls back to the "
                                  "system resolver)");
                return 2;
        }
        dg_fmt_t dflt = isatty(STDOUT_FILENO) && o->output == NULL ? DG_FMT_TEXT : DG_FMT_JSONL;
        if (dg_cli_pick_format(cmd, o->format, dflt, formats, &o->fmt) != 0)
                return 2;
        if (o->timeout < 0 || o->retries < -1 || o->ns_port < 0 || o->ns_port > 65535) {
                dg_cli_error(cmd, "bad --timeout, --retries or --ns-port value");
                return 2;
        }
        return 0;
}

/* What one run holds; fp_clear frees it. */
typedef struct {
        dg_fpdb_t *db;
        dg_resolver_addr_t *res;
        size_t nres;
        dg_pdns_t *pdns;
        char **sels;
        dg_footprint_t *fp;
        pdns_out_t px;
        volatile sig_atomic_t *stop;
} fp_run_t;

static void fp_clear(fp_run_t *F)
{
        dg_footprint_free(F->fp);
        if (F->px.recs)
                g_ptr_array_free(F->px.recs, TRUE);
        dg_pdns_free(F->pdns);
        dg_fpdb_free(F->db);
        g_free(F->res);
        g_strfreev(F->sels);
}

/* Resolvers, fingerprints, passive DNS, the footprint. Returns 0 or 2. */
static int setup(fp_run_t *F, const fp_opts_t *o)
{
        const char *cmd = "footprint";
        char *err = NULL;
        if (dg_cli_load_resolvers(cmd, NULL, o->resolvers, &F->res, &F->nres) != 0)
                return 2;
        if ((F->db = dg_cli_load_fpdb(cmd, o->fp)) == NULL)
                return 2;
        if (o->pdns &&
            (F->pdns = dg_pdns_load(cmd, o->pdns, o->domain, &o->pdns_http, &err)) == NULL) {
                dg_cli_error(cmd, "%s", err);
                g_free(err);
                return 2;
        }
        dg_footprint_opts_t fo;
        dg_footprint_opts_init(&fo);
        fo.domain = o->domain;
        fo.resolvers = F->res;
        fo.nresolvers = F->nres;
        fo.db = F->db;
        fo.timeout_ms = (unsigned)o->timeout;
        fo.retries = o->retries > 0 ? (unsigned)o->retries : 0;
        fo.ns_port = (unsigned)o->ns_port;
        fo.no_lame_check = o->no_lame;
        fo.no_saas_names = o->no_saas;
        fo.log = log_cb;
        fo.log_ud = (void *)o;
        if (o->selectors) {
                F->sels = g_strsplit(o->selectors, ",", -1);
                fo.dkim_selectors = (const char *const *)F->sels;
                fo.ndkim_selectors = g_strv_length(F->sels);
        }
        int rc = dg_footprint_new(&fo, &F->fp);
        if (rc != DG_OK) {
                dg_cli_error(cmd, "%s: %s", o->domain, dg_strerror(rc));
                return 2;
        }
        return 0;
}

/* The passive DNS names, live, classified like the rest. Returns DG_OK,
 * DG_EINTR, or another error (reported). */
static int check_pdns(fp_run_t *F, const fp_opts_t *o)
{
        dg_engine_opts_t eo;
        dg_engine_opts_init(&eo);
        eo.domain = o->domain;
        eo.resolvers = F->res;
        eo.nresolvers = F->nres;
        if (o->timeout > 0)
                eo.timeout_ms = (unsigned)o->timeout;
        if (o->retries >= 0)
                eo.retries = (unsigned)o->retries;
        eo.log = log_cb;
        eo.log_ud = (void *)o;
        F->px.db = F->db;
        F->px.pdns = F->pdns;
        F->px.recs = g_ptr_array_new_with_free_func(pdns_rec_free);
        char *perr = NULL;
        int rc = dg_pdns_check(F->pdns, &eo, F->stop, on_pdns_result, &F->px, &perr);
        g_ptr_array_sort(F->px.recs, pdns_rec_cmp);
        if (rc != DG_OK && rc != DG_EINTR)
                dg_cli_error("footprint", "passive DNS names: %s", perr ? perr : dg_strerror(rc));
        g_free(perr);
        return rc;
}

/* Runs the footprint (and the passive DNS check) and prints the report.
 * Returns the exit status. */
static int run_and_report(fp_run_t *F, const fp_opts_t *o, FILE *out)
{
        F->stop = dg_cli_catch_signals();
        int rc = dg_footprint_run(F->fp, F->stop);
        if (rc != DG_OK && rc != DG_EINTR) {
                dg_cli_error("footprint", "%s", dg_strerror(rc));
                return 2;
        }
        if (F->pdns && rc == DG_OK && check_pdns(F, o) == DG_EINTR)
                rc = DG_EINTR;
        const dg_footprint_report_t *rep = dg_footprint_report(F->fp);
        if (rep)
                print_report(out, rep, o->fmt, F->pdns ? &F->px : NULL);
        if (rc != DG_EINTR)
                return 0;
        dg_cli_error("footprint", "interrupted: the report holds what was gathered");
        return 1;
}

int dg_cmd_footprint(int argc, char **argv)
{
        fp_opts_t o = {0};
        fp_run_t F = {0};
        FILE *out = NULL;
        int status = parse_opts(&o, argc, argv);
        if (status == 0)
                status = setup(&F, &o);
        if (status == 0 && (out = dg_cli_open_output("footprint", o.output, "w")) == NULL)
                status = 2;
        if (status == 0)
                status = run_and_report(&F, &o, out);
        status = dg_cli_close_output(out, status);
        fp_clear(&F);
        opts_clear(&o);
        return status;
}
