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

/* Classification (Step 2, dnsglean/classify.h): each transferred record is
 * matched against the built-in fingerprint database. */
static dg_classify_res_t cls_res;
static bool cls_ready;
static GHashTable *cls_seen; /* provider names seen in this run */

/* Classifies rr; returns the number of providers in cls_res (0 on any error). */
static int classify(const dg_axfr_rr_t *rr)
{
        const dg_fpdb_t *db = dg_fpdb_default();
        if (db == NULL)
                return 0;
        if (!cls_ready) {
                dg_classify_res_init(&cls_res);
                cls_seen = g_hash_table_new(g_str_hash, g_str_equal);
                cls_ready = true;
        }
        int n = dg_classify_rr(db, rr->owner, rr->type, rr->rdata, &cls_res);
        for (int i = 0; i < n; i++)
                g_hash_table_add(cls_seen, (gpointer)cls_res.matches[i].name);
        return n < 0 ? 0 : n;
}

/* Adds what a record reveals to its JSON object: "providers" (array of
 * {"name","category","evidence"}) and "takeover". */
static void classify_json(const dg_axfr_rr_t *rr, GString *out)
{
        int n = classify(rr);
        g_string_append(out, ",\"providers\":[");
        for (int i = 0; i < n; i++) {
                const dg_fp_match_t *m = &cls_res.matches[i];
                g_string_append(out, i ? ",{\"name\":" : "{\"name\":");
                dg_json_str(out, m->name);
                g_string_append(out, ",\"category\":");
                dg_json_str(out, m->category);
                g_string_append(out, ",\"evidence\":");
                dg_json_str(out, m->evidence);
                g_string_append_c(out, '}');
        }
        g_string_append_printf(out, "],\"takeover\":%s",
                               n > 0 && cls_res.takeover ? "true" : "false");
}

/* Text format: a trailing zone-file comment naming the providers, or "". */
static void classify_text(const dg_axfr_rr_t *rr, GString *out)
{
        int n = classify(rr);
        for (int i = 0; i < n; i++)
                g_string_append_printf(out, "%s%s (%s)", i ? ", " : "\t; ", cls_res.matches[i].name,
                                       cls_res.matches[i].category);
        if (n > 0 && cls_res.takeover)
                g_string_append(out, " [takeover-prone]");
}

/* Ends classification: the providers seen go to stderr. */
static void classify_done(void)
{
        if (!cls_ready)
                return;
        if (g_hash_table_size(cls_seen) > 0) {
                GList *l = g_list_sort(g_hash_table_get_keys(cls_seen), (GCompareFunc)strcmp);
                GString *s = g_string_new(NULL);
                for (GList *p = l; p != NULL; p = p->next)
                        g_string_append_printf(s, "%s%s", s->len ? ", " : "",
                                               (const char *)p->data);
                fprintf(stderr, "dnsglean: axfr: providers revealed: %s\n", s->str);
                g_string_free(s, TRUE);
                g_list_free(l);
        }
        g_hash_table_destroy(cls_seen);
        dg_classify_res_clear(&cls_res);
        cls_ready = false;
}

static void name_nodot(GString *out, const char *name)
{
        size_t n = strlen(name);
        if (n > 1 && name[n - 1] == '.')
                n--;
        g_string_append_len(out, name, (gssize)n);
}

static void record_json(GString *s, const char *server, const dg_axfr_rr_t *rr)
{
        GString *nm = g_string_new(NULL);
        name_nodot(nm, rr->owner);
        char tn[32];
        g_string_append(s, "{\"name\":");
        dg_json_str(s, nm->str);
        g_string_append(s, ",\"type\":");
        dg_json_str(s, dg_xfr_type_str(rr->type, tn, sizeof tn));
        g_string_append_printf(s, ",\"ttl\":%u,\"data\":[", rr->ttl);
        dg_json_str(s, rr->rdata);
        g_string_append(s, "],\"server\":");
        dg_json_str(s, server);
        classify_json(rr, s);
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
        g_string_append(s, ",\"server\":");
        dg_json_str(s, sv->text);
        if (sv->ns != NULL) {
                g_string_append(s, ",\"ns\":");
                dg_json_str(s, sv->ns);
        }
        g_string_append(s, ",\"status\":");
        dg_json_str(s, outcome(r));
        if (r == DG_AXFR_DONE)
                g_string_append_printf(s, ",\"records\":%u,\"serial\":%u",
                                       (unsigned)dg_axfr_count(x), in.serial);
        else
                g_string_append(s, ",\"error\":"), dg_json_str(s, dg_axfr_errmsg(x));
        g_string_append_printf(s, ",\"bytes\":%llu,\"messages\":%llu}",
                               (unsigned long long)in.bytes, (unsigned long long)in.messages);
}

int dg_cmd_axfr(int argc, char **argv)
{
        char *server = NULL, *resolvers = NULL, *format = NULL, *output = NULL;
        int timeout = 0, port = 53;
        gint64 max_records = 0, max_bytes = 0;
        gboolean all = FALSE;
        GOptionEntry entries[] = {
            {"server", 's', 0, G_OPTION_ARG_STRING, &server,
             "Servers to ask (comma list of addr[:port]); default: the zone's NS", "SERVER"},
            {"resolvers", 'r', 0, G_OPTION_ARG_STRING, &resolvers,
             "Resolvers that find the NS (file or comma list)", "RESOLVERS"},
            {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port of the found NS (default 53)", "PORT"},
            {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
             "Output: text (zone file, default), jsonl, json", "FMT"},
            {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE", "FILE"},
            {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
             "Longest transfer in ms (default 120000)", "MS"},
            {"max-records", 0, 0, G_OPTION_ARG_INT64, &max_records,
             "Stop a transfer after N records (default 10000000)", "N"},
            {"max-bytes", 0, 0, G_OPTION_ARG_INT64, &max_bytes,
             "Stop a transfer after N octets (default 512 MiB)", "N"},
            {"all", 'a', 0, G_OPTION_ARG_NONE, &all,
             "Print the records of every successful transfer, not only the first", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL},
        };
        int rc = 2;
        GArray *servers = g_array_new(FALSE, TRUE, sizeof(dg_xfr_server_t));
        FILE *out = NULL;
        if (!dg_cli_parse_options(CMD, "DOMAIN",
                                  "Tries a zone transfer (AXFR over TCP) on every "
                                  "authoritative server of DOMAIN.",
                                  entries, &argc, &argv))
                goto done;
        if (argc != 2) {
                dg_cli_error(CMD, "expected one DOMAIN (see 'dnsglean axfr --help')");
                goto done;
        }
        const char *zone = argv[1];
        dg_fmt_t fmt = DG_FMT_TEXT;
        if (format != NULL && (dg_cli_parse_format(format, &fmt) < 0 ||
                               (fmt != DG_FMT_TEXT && fmt != DG_FMT_JSONL && fmt != DG_FMT_JSON))) {
                dg_cli_error(CMD, "unknown format '%s' (text, jsonl, json)", format);
                goto done;
        }
        if (timeout < 0 || max_records < 0 || max_bytes < 0 || port <= 0 || port > 65535) {
                dg_cli_error(CMD, "negative or out-of-range number in the options");
                goto done;
        }
        dg_axfr_opts_t o;
        dg_axfr_opts_init(&o);
        o.timeout_ms = (unsigned)timeout;
        o.max_records = (uint64_t)max_records;
        o.max_bytes = (uint64_t)max_bytes;
        dg_axfr_t *probe = NULL;
        if (dg_axfr_new(zone, &o, &probe) != DG_OK) {
                dg_cli_error(CMD, "'%s' is not a valid domain name", zone);
                goto done;
        }
        dg_axfr_free(probe);
        rc = dg_xfr_servers(CMD, zone, server, resolvers, (unsigned)port, servers);
        if (rc != 0)
                goto done;
        rc = 2;
        out = dg_cli_open_output(CMD, output, "w");
        if (out == NULL)
                goto done;
        volatile sig_atomic_t *stop = dg_xfr_stop_flag();
        unsigned ok = 0, refused = 0, failed = 0;
        bool printed = false;
        GString *json = g_string_new(NULL); /* --format json: one document */
        if (fmt == DG_FMT_JSON) {
                g_string_append(json, "{\"zone\":");
                dg_json_str(json, zone);
                g_string_append(json, ",\"servers\":[");
        }
        GString *recs = g_string_new(NULL);
        for (guint i = 0; i < servers->len && !*stop; i++) {
                const dg_xfr_server_t *sv = &g_array_index(servers, dg_xfr_server_t, i);
                dg_axfr_t *x = NULL;
                dg_axfr_new(zone, &o, &x);
                int r = dg_axfr_run(x, (const struct sockaddr *)&sv->ss, sv->sslen, stop);
                dg_axfr_info_t in;
                dg_axfr_info(x, &in);
                if (r == DG_AXFR_DONE)
                        ok++;
                else if (r == DG_EREFUSED)
                        refused++;
                else
                        failed++;
                /* the report line, on stderr for text (records go to the output) */
                GString *line = g_string_new(NULL);
                g_string_append_printf(line, "%s%s%s%s: %s", sv->text, sv->ns ? " (" : "",
                                       sv->ns ? sv->ns : "", sv->ns ? ")" : "", outcome(r));
                if (r == DG_AXFR_DONE)
                        g_string_append_printf(line, ", %zu records, serial %u, %llu octets",
                                               dg_axfr_count(x), in.serial,
                                               (unsigned long long)in.bytes);
                else
                        g_string_append_printf(line, " (%s)", dg_axfr_errmsg(x));
                bool print_recs = r == DG_AXFR_DONE && (all || !printed);
                if (fmt == DG_FMT_TEXT) {
                        fprintf(stderr, "dnsglean: axfr: %s\n", line->str);
                        fprintf(out, "; %s\n", line->str);
                } else if (fmt == DG_FMT_JSONL) {
                        GString *s = g_string_new(NULL);
                        server_json(s, zone, sv, r, x);
                        fprintf(out, "%s\n", s->str);
                        g_string_free(s, TRUE);
                } else {
                        if (i > 0)
                                g_string_append_c(json, ',');
                        server_json(json, zone, sv, r, x);
                }
                if (print_recs) {
                        printed = true;
                        for (size_t k = 0; k < dg_axfr_count(x); k++) {
                                const dg_axfr_rr_t *rr = dg_axfr_record(x, k);
                                if (fmt == DG_FMT_TEXT) {
                                        char *l = dg_axfr_rr_line(rr);
                                        GString *c = g_string_new(l);
                                        classify_text(rr, c);
                                        fprintf(out, "%s\n", c->str);
                                        g_string_free(c, TRUE);
                                        g_free(l);
                                } else if (fmt == DG_FMT_JSONL) {
                                        GString *s = g_string_new(NULL);
                                        record_json(s, sv->text, rr);
                                        fprintf(out, "%s\n", s->str);
                                        g_string_free(s, TRUE);
                                } else {
                                        if (recs->len > 0)
                                                g_string_append_c(recs, ',');
                                        record_json(recs, sv->text, rr);
                                }
                        }
                }
                g_string_free(line, TRUE);
                dg_axfr_free(x);
        }
        if (fmt == DG_FMT_JSON) {
                g_string_append_printf(json, "],\"records\":[%s]}", recs->str);
                fprintf(out, "%s\n", json->str);
        }
        g_string_free(json, TRUE);
        g_string_free(recs, TRUE);
        classify_done();
        fprintf(stderr, "dnsglean: axfr: %s: %u server%s, %u transferred, %u refused, %u failed\n",
                zone, servers->len, servers->len == 1 ? "" : "s", ok, refused, failed);
        if (*stop) {
                dg_cli_error(CMD, "interrupted");
                rc = 130;
        } else {
                rc = ok > 0 ? 0 : 1;
        }
        if (fflush(out) != 0 || ferror(out)) {
                dg_cli_error(CMD, "write error: %s", g_strerror(errno));
                rc = 1;
        }
done:
        if (out != NULL && out != stdout)
                fclose(out);
        dg_xfr_servers_free(servers);
        g_free(server);
        g_free(resolvers);
        g_free(format);
        g_free(output);
        return rc;
}
