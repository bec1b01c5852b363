/* dnsglean axfr DOMAIN [-s SERVER] [-r RESOLVERS]: tries a zone transfer on
 * every address of the zone's name servers (or the given servers), reports
 * per server, and prints the transferred records. */
#include "cli.h"
#include "xfr_cli.h"

#include <errno.h>
#include <string.h>

#include "dnsglean/axfr.h"
#include "dnsglean/xfr_io.h"
#include "dnsglean/classify.h"

#define CMD "axfr"

/* Per-server outcome words of the report. */
static const char *outcome(int r)
{
        if (r == DG_AXFR_DONE)
                return "transferred";
        if (r == DG_EREFUSED)
                return "refused";
        return "failed";
}

/* The command line of axfr, as given and then derived. */
typedef struct {
        char *server, *resolvers, *format, *output;
        int timeout, port;
        gint64 max_records, max_bytes;
        gboolean all;
        const char *zone;
        dg_fmt_t fmt;
        dg_axfr_opts_t xo;
} axfr_opts_t;

/* One run: the output, the tallies, and what the records revealed. */
typedef struct {
        const axfr_opts_t *o;
        FILE *out;
        GString *json, *recs; /* --format json: the servers and records arrays */
        unsigned ok, refused, failed;
        bool printed; /* the records of one transfer are out */
        volatile sig_atomic_t *stop;
        dg_classify_res_t res; /* of the last record classified */
        GHashTable *seen;      /* provider names revealed in this run */
} axfr_run_t;

/* Classifies rr against the built-in fingerprints (each transferred record
 * is matched); returns the number of providers in X->res (0 on any error). */
static int classify(axfr_run_t *X, const dg_axfr_rr_t *rr)
{
        const dg_fpdb_t *db = dg_fpdb_default();
        if (db == NULL)
                return 0;
        int n = dg_classify_rr(db, rr->owner, rr->type, rr->rdata, &X->res);
        for (int i = 0; i < n; i++)
                g_hash_table_add(X->seen, (gpointer)X->res.matches[i].name);
        return n < 0 ? 0 : n;
}

/* Adds what a record reveals to its JSON object: "providers" and "takeover". */
static void classify_json(axfr_run_t *X, const dg_axfr_rr_t *rr, GString *out)
{
        int n = classify(X, rr);
        g_string_append_c(out, ',');
        dg_cli_json_providers(out, X->res.matches, (size_t)n);
        g_string_append_printf(out, ",\"takeover\":%s",
                               n > 0 && X->res.takeover ? "true" : "false");
}

/* Text format: a trailing zone-file comment naming the providers, or "". */
static void classify_text(axfr_run_t *X, const dg_axfr_rr_t *rr, GString *out)
{
        int n = classify(X, rr);
        for (int i = 0; i < n; i++)
                g_string_append_printf(out, "%s%s (%s)", i ? ", " : "\t; ", X->res.matches[i].name,
                                       X->res.matches[i].category);
        if (n > 0 && X->res.takeover)
                g_string_append(out, " [takeover-prone]");
}

/* The providers seen go to stderr. */
static void report_providers(const axfr_run_t *X)
{
        if (g_hash_table_size(X->seen) == 0)
                return;
        GList *l = g_list_sort(g_hash_table_get_keys(X->seen), (GCompareFunc)strcmp);
        GString *s = g_string_new(NULL);
        for (GList *p = l; p != NULL; p = p->next)
                g_string_append_printf(s, "%s%s", s->len ? ", " : "", (const char *)p->data);
        fprintf(stderr, "dnsglean: axfr: providers revealed: %s\n", s->str);
        g_string_free(s, TRUE);
        g_list_free(l);
}

static void name_nodot(GString *out, const char *name)
{
        size_t n = strlen(name);
        if (n > 1 && name[n - 1] == '.')
                n--;
        g_string_append_len(out, name, (gssize)n);
}

static void record_json(axfr_run_t *X, GString *s, const char *server, const dg_axfr_rr_t *rr)
{
        GString *nm = g_string_new(NULL);
        name_nodot(nm, rr->owner);
        char tn[32];
        g_string_append(s, "{\"name\":");
        dg_json_str(s, nm->str);
        dg_json_field(s, "type", dg_xfr_type_str(rr->type, tn, sizeof tn));
        g_string_append_printf(s, ",\"ttl\":%u,\"data\":[", rr->ttl);
        dg_json_str(s, rr->rdata);
        g_string_append(s, "],\"server\":");
        dg_json_str(s, server);
        classify_json(X, rr, s);
        g_string_append_c(s, '}');
        g_string_free(nm, TRUE);
}

static void server_json(GString *s, const char *zone, const dg_xfr_server_t *sv, int r,
                        const dg_axfr_t *x)
{
        dg_axfr_info_t in;
        dg_axfr_info(x, &in);
        g_string_append(s, "{\"zone\":");
        dg_json_str(s, zone);
        dg_json_field(s, "server", sv->text);
        if (sv->ns != NULL)
                dg_json_field(s, "ns", sv->ns);
        dg_json_field(s, "status", outcome(r));
        if (r == DG_AXFR_DONE)
                g_string_append_printf(s, ",\"records\":%u,\"serial\":%u",
                                       (unsigned)dg_axfr_count(x), in.serial);
        else
                g_string_append(s, ",\"error\":"), dg_json_str(s, dg_axfr_errmsg(x));
        g_string_append_printf(s, ",\"bytes\":%llu,\"messages\":%llu}",
                               (unsigned long long)in.bytes, (unsigned long long)in.messages);
}

/* ---- options ---- */

static void opts_clear(axfr_opts_t *o)
{
        g_free(o->server);
        g_free(o->resolvers);
        g_free(o->format);
        g_free(o->output);
}

/* Fills o from the command line; returns 0 or the exit status 2. */
static int parse_opts(axfr_opts_t *o, int argc, char **argv)
{
        GOptionEntry entries[] = {
            DG_XFR_SERVER_ENTRIES(o),
            DG_CLI_FORMAT_ENTRY(&o->format, "text (zone file, default), jsonl, json"),
            DG_CLI_OUTPUT_ENTRY(&o->output),
            {"timeout", 't', 0, G_OPTION_ARG_INT, &o->timeout,
             "Longest transfer in ms (default 120000)", "MS"},
            {"max-records", 0, 0, G_OPTION_ARG_INT64, &o->max_records,
             "Stop a transfer after N records (default 10000000)", "N"},
            {"max-bytes", 0, 0, G_OPTION_ARG_INT64, &o->max_bytes,
             "Stop a transfer after N octets (default 512 MiB)", "N"},
            {"all", 'a', 0, G_OPTION_ARG_NONE, &o->all,
             "Print the records of every successful transfer, not only the first", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL},
        };
        const unsigned formats =
            DG_FMT_BIT(DG_FMT_TEXT) | DG_FMT_BIT(DG_FMT_JSONL) | DG_FMT_BIT(DG_FMT_JSON);
        o->port = 53;
        if (!dg_cli_parse_options(CMD, "DOMAIN",
                                  "Tries a zone transfer (AXFR over TCP) on every "
                                  "authoritative server of DOMAIN.",
                                  entries, &argc, &argv))
                return 2;
        if (dg_cli_one_arg(CMD, argc, argv, "DOMAIN", &o->zone) != 0)
                return 2;
        if (dg_cli_pick_format(CMD, o->format, DG_FMT_TEXT, formats, &o->fmt) != 0)
                return 2;
        if (o->timeout < 0 || o->max_records < 0 || o->max_bytes < 0 || o->port <= 0 ||
            o->port > 65535) {
                dg_cli_error(CMD, "negative or out-of-range number in the options");
                return 2;
        }
        dg_axfr_opts_init(&o->xo);
        o->xo.timeout_ms = (unsigned)o->timeout;
        o->xo.max_records = (uint64_t)o->max_records;
        o->xo.max_bytes = (uint64_t)o->max_bytes;
        dg_axfr_t *probe = NULL;
        if (dg_axfr_new(o->zone, &o->xo, &probe) != DG_OK) {
                dg_cli_error(CMD, "'%s' is not a valid domain name", o->zone);
                return 2;
        }
        dg_axfr_free(probe);
        return 0;
}

/* ---- the run ---- */

/* The report line of one server: on stderr and as a comment for text, an
 * object for jsonl/json. */
static void report_server(axfr_run_t *X, const dg_xfr_server_t *sv, int r, const dg_axfr_t *x)
{
        const axfr_opts_t *o = X->o;
        if (o->fmt == DG_FMT_JSONL) {
                GString *s = g_string_new(NULL);
                server_json(s, o->zone, sv, r, x);
                fprintf(X->out, "%s\n", s->str);
                g_string_free(s, TRUE);
                return;
        }
        if (o->fmt == DG_FMT_JSON) {
                if (X->ok + X->refused + X->failed > 1)
                        g_string_append_c(X->json, ',');
                server_json(X->json, o->zone, sv, r, x);
                return;
        }
        dg_axfr_info_t in;
        dg_axfr_info(x, &in);
        GString *line = g_string_new(NULL);
        g_string_append_printf(line, "%s%s%s%s: %s", sv->text, sv->ns ? " (" : "",
                               sv->ns ? sv->ns : "", sv->ns ? ")" : "", outcome(r));
        if (r == DG_AXFR_DONE)
                g_string_append_printf(line, ", %zu records, serial %u, %llu octets",
                                       dg_axfr_count(x), in.serial, (unsigned long long)in.bytes);
        else
                g_string_append_printf(line, " (%s)", dg_axfr_errmsg(x));
        fprintf(stderr, "dnsglean: axfr: %s\n", line->str);
        fprintf(X->out, "; %s\n", line->str);
        g_string_free(line, TRUE);
}

/* The transferred records in the output format. */
static void print_records(axfr_run_t *X, const dg_xfr_server_t *sv, const dg_axfr_t *x)
{
        for (size_t k = 0; k < dg_axfr_count(x); k++) {
                const dg_axfr_rr_t *rr = dg_axfr_record(x, k);
                if (X->o->fmt == DG_FMT_TEXT) {
                        char *l = dg_axfr_rr_line(rr);
                        GString *c = g_string_new(l);
                        classify_text(X, rr, c);
                        fprintf(X->out, "%s\n", c->str);
                        g_string_free(c, TRUE);
                        g_free(l);
                } else if (X->o->fmt == DG_FMT_JSONL) {
                        GString *s = g_string_new(NULL);
                        record_json(X, s, sv->text, rr);
                        fprintf(X->out, "%s\n", s->str);
                        g_string_free(s, TRUE);
                } else {
                        if (X->recs->len > 0)
                                g_string_append_c(X->recs, ',');
                        record_json(X, X->recs, sv->text, rr);
                }
        }
}

/* Transfers from one server, reports it and prints its records. */
static void try_server(axfr_run_t *X, const dg_xfr_server_t *sv)
{
        dg_axfr_t *x = NULL;
        dg_axfr_new(X->o->zone, &X->o->xo, &x);
        int r = dg_axfr_run(x, (const struct sockaddr *)&sv->ss, sv->sslen, X->stop);
        if (r == DG_AXFR_DONE)
                X->ok++;
        else if (r == DG_EREFUSED)
                X->refused++;
        else
                X->failed++;
        report_server(X, sv, r, x);
        if (r == DG_AXFR_DONE && (X->o->all || !X->printed)) {
                X->printed = true;
                print_records(X, sv, x);
        }
        dg_axfr_free(x);
}

/* Asks every server in turn; returns the exit status. */
static int run(axfr_run_t *X, GArray *servers)
{
        const axfr_opts_t *o = X->o;
        if (o->fmt == DG_FMT_JSON) {
                g_string_append(X->json, "{\"zone\":");
                dg_json_str(X->json, o->zone);
                g_string_append(X->json, ",\"servers\":[");
        }
        X->stop = dg_cli_catch_signals();
        for (guint i = 0; i < servers->len && !*X->stop; i++)
                try_server(X, &g_array_index(servers, dg_xfr_server_t, i));
        if (o->fmt == DG_FMT_JSON)
                fprintf(X->out, "%s],\"records\":[%s]}\n", X->json->str, X->recs->str);
        report_providers(X);
        fprintf(stderr, "dnsglean: axfr: %s: %u server%s, %u transferred, %u refused, %u failed\n",
                o->zone, servers->len, servers->len == 1 ? "" : "s", X->ok, X->refused, X->failed);
        int rc = X->ok > 0 ? 0 : 1;
        if (*X->stop) {
                dg_cli_error(CMD, "interrupted");
                rc = 130;
        }
        if (fflush(X->out) != 0 || ferror(X->out)) {
                dg_cli_error(CMD, "write error: %s", g_strerror(errno));
                rc = 1;
        }
        return rc;
}

int dg_cmd_axfr(int argc, char **argv)
{
        axfr_opts_t o = {0};
        axfr_run_t X = {.o = &o};
        GArray *servers = g_array_new(FALSE, TRUE, sizeof(dg_xfr_server_t));
        int rc = parse_opts(&o, argc, argv);
        if (rc == 0)
                rc = dg_xfr_servers(CMD, o.zone, o.server, o.resolvers, (unsigned)o.port, servers);
        if (rc == 0 && (X.out = dg_cli_open_output(CMD, o.output, "w")) == NULL)
                rc = 2;
        if (rc == 0) {
                X.json = g_string_new(NULL);
                X.recs = g_string_new(NULL);
                X.seen = g_hash_table_new(g_str_hash, g_str_equal);
                dg_classify_res_init(&X.res);
                rc = run(&X, servers);
                g_string_free(X.json, TRUE);
                g_string_free(X.recs, TRUE);
                g_hash_table_destroy(X.seen);
                dg_classify_res_clear(&X.res);
        }
        if (X.out != NULL && X.out != stdout)
                fclose(X.out);
        dg_xfr_servers_free(servers);
        opts_clear(&o);
        return rc;
}
