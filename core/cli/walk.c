/* dnsglean walk DOMAIN [-s SERVER] [--crack WORDLIST]: NSEC chain walking or
 * NSEC3 hash collection (with a size estimate, a progress line, a state
 * file to resume from, hashcat and John the Ripper exports) and cracking
 * (walk_crack.c). */
#include "cli.h"
#include "walk_crack.h"
#include "xfr_cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dnsglean/classify.h"
#include "dnsglean/walk.h"
#include "dnsglean/xfr_io.h"

#define CMD "walk"

static void types_text(GString *s, const uint16_t *t, size_t n)
{
        char tn[32];
        for (size_t i = 0; i < n; i++) {
                g_string_append_c(s, ' ');
                g_string_append(s, dg_xfr_type_str(t[i], tn, sizeof tn));
        }
}

static void types_json(GString *s, const uint16_t *t, size_t n)
{
        char tn[32];
        g_string_append_c(s, '[');
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        g_string_append_c(s, ',');
                dg_json_str(s, dg_xfr_type_str(t[i], tn, sizeof tn));
        }
        g_string_append_c(s, ']');
}

static void json_name(GString *s, const char *name)
{
        size_t n = strlen(name);
        char *c = g_strndup(name, n > 1 && name[n - 1] == '.' ? n - 1 : n);
        dg_json_str(s, c);
        g_free(c);
}

static void hex(GString *s, const uint8_t *d, size_t n)
{
        if (n == 0)
                g_string_append_c(s, '-');
        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%02x", d[i]);
}

static void summary_json(GString *s, const char *zone, const char *server, dg_walk_t *w,
                         const dg_crack_stats_t *cs)
{
        const dg_walk_name_t *names;
        const dg_walk_hash_t *hashes;
        size_t nn = dg_walk_names(w, &names), nh = dg_walk_hashes(w, &hashes);
        g_string_append(s, "{\"summary\":{\"zone\":");
        dg_json_str(s, zone);
        dg_json_field(s, "server", server);
        dg_json_field(s, "kind", dg_walk_kind_str(dg_walk_kind(w)));
        dg_json_field(s, "status", dg_walk_status_str(dg_walk_status(w)));
        dg_json_field(s, "message", dg_walk_errmsg(w));
        g_string_append_printf(s, ",\"queries\":%llu", (unsigned long long)dg_walk_queries(w));
        if (dg_walk_compact_denial(w))
                g_string_append(s, ",\"compact_denial\":true");
        dg_nsec3_params_t p;
        if (dg_walk_kind(w) == DG_WALK_KIND_NSEC3 && dg_walk_nsec3_params(w, &p) == DG_OK) {
                g_string_append_printf(
                    s,
                    ",\"hashes\":%zu,\"known_hashes\":%zu,\"coverage\":%.6g,\"estimate\":%.0f,"
                    "\"nsec3\":{\"algorithm\":%u,\"iterations\":%u,\"salt\":\"",
                    nh, dg_walk_known_hashes(w), dg_walk_coverage(w), dg_walk_estimate(w), p.alg,
                    p.iterations);
                hex(s, p.salt, p.saltlen);
                g_string_append_printf(s, "\",\"optout\":%s}", p.optout ? "true" : "false");
                if (cs->ran)
                        g_string_append_printf(
                            s,
                            ",\"crack\":{\"candidates\":%llu,\"cracked\":%llu,"
                            "\"threads\":%u,\"seconds\":%.6f,\"cpu_seconds\":%.3f,"
                            "\"hashes_per_second\":%.0f,\"hashes_per_cpu_second\":%.0f}",
                            (unsigned long long)cs->candidates, (unsigned long long)cs->cracked,
                            cs->threads, cs->seconds, cs->cpu_seconds,
                            cs->seconds > 0 ? (double)cs->candidates / cs->seconds : 0.0,
                            cs->cpu_seconds > 0 ? (double)cs->candidates / cs->cpu_seconds : 0.0);
        } else {
                g_string_append_printf(s, ",\"names\":%zu", nn);
        }
        g_string_append(s, "}}");
}

/* What a walked name reveals by itself: a walk yields names and types, no
 * rdata, so only the owner-name signatures apply ("_amazonses",
 * "selector1._domainkey", "asuid", ...). Appends ,"providers":[...]. */
static void owner_providers_json(GString *s, const char *name)
{
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        int n = dg_classify_rr(dg_fpdb_default(), name, DG_T_TXT, "\"\"", &res);
        g_string_append_c(s, ',');
        dg_cli_json_providers(s, res.matches, n > 0 ? res.nmatches : 0);
        dg_classify_res_clear(&res);
}

static void name_json(GString *s, const dg_walk_name_t *n)
{
        g_string_append(s, "{\"name\":");
        json_name(s, n->name);
        g_string_append(s, ",\"types\":");
        types_json(s, n->types, n->ntypes);
        g_string_append(s, ",\"next\":");
        json_name(s, n->next);
        owner_providers_json(s, n->name);
        g_string_append_c(s, '}');
}

static void hash_json(GString *s, const dg_walk_hash_t *h)
{
        char b[128];
        dg_nsec3_hash_str(h->hash, h->hashlen, b, sizeof b);
        g_string_append(s, "{\"hash\":");
        dg_json_str(s, b);
        dg_nsec3_hash_str(h->next, h->hashlen, b, sizeof b);
        dg_json_field(s, "next", b);
        g_string_append(s, ",\"types\":");
        types_json(s, h->types, h->ntypes);
        g_string_append_printf(s, ",\"optout\":%s", (h->flags & 1) ? "true" : "false");
        if (h->name != NULL) {
                g_string_append(s, ",\"name\":");
                json_name(s, h->name);
                owner_providers_json(s, h->name);
        }
        g_string_append_c(s, '}');
}

static void print_text(FILE *out, const char *zone_fqdn, dg_walk_t *w)
{
        const dg_walk_name_t *names;
        const dg_walk_hash_t *hashes;
        size_t nn = dg_walk_names(w, &names), nh = dg_walk_hashes(w, &hashes);
        GString *s = g_string_new(NULL);
        for (size_t i = 0; i < nn; i++) {
                g_string_printf(s, "%s\tNSEC\t%s", names[i].name, names[i].next);
                types_text(s, names[i].types, names[i].ntypes);
                fprintf(out, "%s\n", s->str);
        }
        dg_nsec3_params_t p;
        if (dg_walk_nsec3_params(w, &p) == DG_OK) {
                for (size_t i = 0; i < nh; i++) {
                        char b[128], nb[128];
                        dg_nsec3_hash_str(hashes[i].hash, hashes[i].hashlen, b, sizeof b);
                        dg_nsec3_hash_str(hashes[i].next, hashes[i].hashlen, nb, sizeof nb);
                        g_string_printf(s, "%s.%s\tNSEC3\t%u %u %u ", b,
                                        strcmp(zone_fqdn, ".") == 0 ? "" : zone_fqdn, p.alg,
                                        hashes[i].flags, p.iterations);
                        hex(s, p.salt, p.saltlen);
                        g_string_append_printf(s, " %s", nb);
                        types_text(s, hashes[i].types, hashes[i].ntypes);
                        if (hashes[i].name != NULL)
                                g_string_append_printf(s, "\t; %s", hashes[i].name);
                        fprintf(out, "%s\n", s->str);
                }
        }
        g_string_free(s, TRUE);
}

/* ---- the command ---- */

/* The command line of walk, as given and then derived. */
typedef struct {
        char *server, *resolvers, *format, *output, *state, *resume, *hashcat, *john;
        char **wordlists, **crack_from;
        int timeout, port, retries, max_queries, crack_depth, threads;
        gint64 hash_tries;
        gboolean progress;
        const char *zone;
        dg_fmt_t fmt;
        dg_walk_opts_t wo;
} walk_opts_t;

static void opts_clear(walk_opts_t *o)
{
        g_free(o->server);
        g_free(o->resolvers);
        g_free(o->format);
        g_free(o->output);
        g_free(o->state);
        g_free(o->resume);
        g_free(o->hashcat);
        g_free(o->john);
        g_strfreev(o->wordlists);
        g_strfreev(o->crack_from);
}

static gboolean parse_args(walk_opts_t *o, int *argc, char ***argv)
{
        GOptionEntry entries[] = {
            DG_XFR_SERVER_ENTRIES(o),
            {"crack", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &o->wordlists,
             "NSEC3: try the labels of WORDLIST (repeatable; the brute wordlist works)",
             "WORDLIST"},
            {"crack-from", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->crack_from,
             "NSEC3: also try every label of the names in FILE (JSON Lines of brute, axfr, "
             "footprint, walk or COF pDNS; repeatable)",
             "FILE"},
            {"crack-depth", 0, 0, G_OPTION_ARG_INT, &o->crack_depth,
             "Levels below the zone to try words at: 2 also tries WORD.CRACKED (default 1)", "N"},
            {"threads", 'j', 0, G_OPTION_ARG_INT, &o->threads,
             "Cracking threads (default: one per core)", "N"},
            {"hashcat", 0, 0, G_OPTION_ARG_FILENAME, &o->hashcat,
             "NSEC3: write the hashes as hashcat mode 8300 lines (hash:.zone:salt:iterations)",
             "FILE"},
            {"john", 0, 0, G_OPTION_ARG_FILENAME, &o->john,
             "NSEC3: write the hashes for John the Ripper's nsec3 format "
             "($NSEC3$iterations$salt$hash$zone.)",
             "FILE"},
            {"state", 0, 0, G_OPTION_ARG_FILENAME, &o->state,
             "NSEC3: write the collection here (every 5 s, on interrupt and at the end)", "FILE"},
            {"resume", 0, 0, G_OPTION_ARG_FILENAME, &o->resume,
             "NSEC3: continue the collection saved in FILE (and keep saving to it)", "FILE"},
            {"progress", 0, 0, G_OPTION_ARG_NONE, &o->progress,
             "Print the progress line (hashes, ring coverage, size estimate) even when stderr "
             "is not a terminal",
             NULL},
            DG_CLI_FORMAT_ENTRY(&o->format, "text (zone-file lines, default), jsonl, json"),
            DG_CLI_OUTPUT_ENTRY(&o->output),
            {"timeout", 't', 0, G_OPTION_ARG_INT, &o->timeout, "Per query, in ms (default 2000)",
             "MS"},
            {"retries", 0, 0, G_OPTION_ARG_INT, &o->retries, "Extra tries per query (default 3)",
             "N"},
            {"max-queries", 'm', 0, G_OPTION_ARG_INT, &o->max_queries,
             "Query budget (default 100000)", "N"},
            {"hash-tries", 0, 0, G_OPTION_ARG_INT64, &o->hash_tries,
             "NSEC3: random names hashed to find one in a gap before the walk stops (default: "
             "as many as the gaps left need, up to 2^27 / (iterations + 1))",
             "N"},
            {NULL, 0, 0, 0, NULL, NULL, NULL},
        };
        return dg_cli_parse_options(CMD, "DOMAIN",
                                    "Walks the NSEC chain of DOMAIN, or collects and cracks its "
                                    "NSEC3 hashes.",
                                    entries, argc, argv);
}

/* Fills o from the command line; returns 0 or the exit status 2. */
static int parse_opts(walk_opts_t *o, int argc, char **argv)
{
        const unsigned formats =
            DG_FMT_BIT(DG_FMT_TEXT) | DG_FMT_BIT(DG_FMT_JSONL) | DG_FMT_BIT(DG_FMT_JSON);
        o->port = 53;
        o->crack_depth = 1;
        if (!parse_args(o, &argc, &argv))
                return 2;
        if (dg_cli_one_arg(CMD, argc, argv, "DOMAIN", &o->zone) != 0)
                return 2;
        if (dg_cli_pick_format(CMD, o->format, DG_FMT_TEXT, formats, &o->fmt) != 0)
                return 2;
        if (o->timeout < 0 || o->retries < 0 || o->max_queries < 0 || o->hash_tries < 0 ||
            o->port <= 0 || o->port > 65535 || o->crack_depth < 1 || o->crack_depth > 8 ||
            o->threads < 0 || o->threads > 1024) {
                dg_cli_error(CMD, "negative or out-of-range number in the options");
                return 2;
        }
        char **lists[2] = {o->wordlists, o->crack_from};
        for (int l = 0; l < 2; l++)
                for (char **p = lists[l]; p != NULL && *p != NULL; p++) {
                        if (access(*p, R_OK) != 0) {
                                dg_cli_error(CMD, "cannot read %s %s: %s",
                                             l ? "--crack-from file" : "wordlist", *p,
                                             g_strerror(errno));
                                return 2;
                        }
                }
        if (o->threads == 0)
                o->threads = (int)MAX(g_get_num_processors(), 1u);
        dg_walk_opts_init(&o->wo);
        o->wo.timeout_ms = (unsigned)o->timeout;
        o->wo.retries = (unsigned)o->retries;
        o->wo.max_queries = (unsigned)o->max_queries;
        o->wo.max_hash_tries = (uint64_t)o->hash_tries;
        return 0;
}

/* ---- progress, state file ---- */

typedef struct {
        const walk_opts_t *o;
        const char *state; /* where to save, or NULL */
        bool progress, tty, shown;
        gint64 t0, last_save;
} progress_t;

static void progress_line(progress_t *pr, dg_walk_t *w)
{
        const dg_walk_hash_t *h;
        const dg_walk_name_t *n;
        double secs = (double)(g_get_monotonic_time() - pr->t0) / 1e6;
        GString *s = g_string_new(pr->tty ? "\r\033[K" : "");
        g_string_append_printf(s, "walk: %s", dg_walk_kind_str(dg_walk_kind(w)));
        if (dg_walk_kind(w) == DG_WALK_KIND_NSEC3)
                g_string_append_printf(s,
                                       ", %zu hashes (%zu known), %.4f%% of the ring, about %.0f "
                                       "names",
                                       dg_walk_hashes(w, &h), dg_walk_known_hashes(w),
                                       100.0 * dg_walk_coverage(w), dg_walk_estimate(w));
        else
                g_string_append_printf(s, ", %zu names", dg_walk_names(w, &n));
        g_string_append_printf(s, ", %llu queries, %.1fs%s", (unsigned long long)dg_walk_queries(w),
                               secs, pr->tty ? "" : "\n");
        fputs(s->str, stderr);
        fflush(stderr);
        g_string_free(s, TRUE);
        pr->shown = true;
}

/* Saves the NSEC3 collection if there is one; false (message printed) on an
 * error. */
static bool save_state(progress_t *pr, dg_walk_t *w)
{
        if (pr->state == NULL || dg_walk_kind(w) != DG_WALK_KIND_NSEC3)
                return true;
        pr->last_save = g_get_monotonic_time();
        if (dg_walk_save(w, pr->state) == DG_EIO) {
                dg_cli_error(CMD, "cannot write the state file %s", pr->state);
                return false;
        }
        return true;
}

static void on_progress(void *ud, dg_walk_t *w)
{
        progress_t *pr = ud;
        if (pr->progress)
                progress_line(pr, w);
        if (pr->state != NULL && g_get_monotonic_time() - pr->last_save >= 5 * G_USEC_PER_SEC)
                save_state(pr, w);
}

/* A new walker for the zone, loaded from --resume FILE if given. Returns 0
 * or 2 (message printed). */
static int new_walk(const walk_opts_t *o, dg_walk_t **w)
{
        *w = NULL;
        if (dg_walk_new(o->zone, &o->wo, w) != DG_OK) {
                dg_cli_error(CMD, "'%s' is not a valid domain name", o->zone);
                return 2;
        }
        char err[300] = "";
        if (o->resume != NULL && dg_walk_resume(*w, o->resume, err, sizeof err) != DG_OK) {
                dg_cli_error(CMD, "cannot resume: %s", err);
                return 2;
        }
        return 0;
}

/* ---- exports ---- */

/* hashcat mode 8300, one line per hash: "hash:.zone:salt:iterations", the
 * hash in lowercase base32hex, the zone with a leading dot and no trailing
 * one, the salt in hex (empty if none). As hashcat's example hash for 8300
 * (https://hashcat.net/wiki/doku.php?id=example_hashes, "DNSSEC (NSEC3)":
 * 7b5n74kq8r441blc2c5qbbat19baj79r:.lvdsiqfj.net:33164473:1, the hash of
 * "hashcat" in that zone). John the Ripper (src/nsec3_fmt_plug.c of
 * https://github.com/openwall/john): "$NSEC3$iterations$salt$hash$zone.",
 * the hash in hex, the zone with its trailing dot. */
static void export_line(GString *s, bool john, const char *zone, const dg_walk_hash_t *h,
                        const dg_nsec3_params_t *p)
{
        char b[128];
        if (john) {
                g_string_append_printf(s, "$NSEC3$%u$", p->iterations);
                for (size_t i = 0; i < p->saltlen; i++)
                        g_string_append_printf(s, "%02x", p->salt[i]);
                g_string_append_c(s, '$');
                for (size_t i = 0; i < h->hashlen; i++)
                        g_string_append_printf(s, "%02x", h->hash[i]);
                g_string_append_printf(s, "$%s.\n", strcmp(zone, ".") == 0 ? "" : zone);
                return;
        }
        dg_nsec3_hash_str(h->hash, h->hashlen, b, sizeof b);
        g_string_append_printf(s, "%s:%s%s:", b, strcmp(zone, ".") == 0 ? "" : ".",
                               strcmp(zone, ".") == 0 ? "" : zone);
        for (size_t i = 0; i < p->saltlen; i++)
                g_string_append_printf(s, "%02x", p->salt[i]);
        g_string_append_printf(s, ":%u\n", p->iterations);
}

/* Writes every collected hash to path in hashcat or John format. Returns 0
 * or -1 (message printed). */
static int export_hashes(const char *path, bool john, const walk_opts_t *o, dg_walk_t *w)
{
        dg_nsec3_params_t p;
        if (dg_walk_nsec3_params(w, &p) != DG_OK) {
                dg_cli_error(CMD, "--%s: %s has no NSEC3 hashes to export",
                             john ? "john" : "hashcat", o->zone);
                return -1;
        }
        char *zone = g_ascii_strdown(o->zone, -1);
        size_t zl = strlen(zone);
        if (zl > 1 && zone[zl - 1] == '.')
                zone[zl - 1] = '\0';
        const dg_walk_hash_t *h;
        size_t n = dg_walk_hashes(w, &h);
        GString *s = g_string_new(NULL);
        for (size_t i = 0; i < n; i++)
                export_line(s, john, zone, &h[i], &p);
        g_free(zone);
        GError *err = NULL;
        gboolean ok = g_file_set_contents(path, s->str, (gssize)s->len, &err);
        g_string_free(s, TRUE);
        if (!ok) {
                dg_cli_error(CMD, "cannot write %s: %s", path, err->message);
                g_error_free(err);
                return -1;
        }
        return 0;
}

/* Walks through the first server that gets somewhere; *w is the walk of the
 * last server tried, *used that server. */
static void walk_servers(const walk_opts_t *o, GArray *servers, dg_walk_t **w,
                         const dg_xfr_server_t **used, volatile sig_atomic_t *stop)
{
        for (guint i = 0; i < servers->len; i++) {
                *used = &g_array_index(servers, dg_xfr_server_t, i);
                if (i > 0) {
                        dg_walk_free(*w);
                        if (new_walk(o, w) != 0)
                                break;
                }
                const dg_xfr_server_t *sv = *used;
                int r = dg_walk_run(*w, (const struct sockaddr *)&sv->ss, sv->sslen, stop);
                if (r == DG_EINTR || *stop)
                        break;
                if (dg_walk_status(*w) != DG_WALK_FAILED || i + 1 == servers->len)
                        break;
                dg_cli_error(CMD, "%s: %s; trying the next server", sv->text, dg_walk_errmsg(*w));
        }
}

/* The one-line report: kind, status, queries, NSEC3 figures, cracking. */
static GString *report_line(const walk_opts_t *o, const char *via, dg_walk_t *w,
                            const dg_crack_stats_t *cs)
{
        const dg_walk_name_t *names;
        const dg_walk_hash_t *hashes;
        size_t nn = dg_walk_names(w, &names), nh = dg_walk_hashes(w, &hashes);
        dg_nsec3_params_t p;
        bool nsec3 = dg_walk_kind(w) == DG_WALK_KIND_NSEC3 && dg_walk_nsec3_params(w, &p) == DG_OK;
        GString *rep = g_string_new(NULL);
        g_string_append_printf(rep, "%s via %s: %s, %s (%s), %llu queries", o->zone, via,
                               dg_walk_kind_str(dg_walk_kind(w)),
                               dg_walk_status_str(dg_walk_status(w)), dg_walk_errmsg(w),
                               (unsigned long long)dg_walk_queries(w));
        if (nsec3) {
                g_string_append_printf(rep, "; NSEC3 SHA-1, %u extra iterations, salt ",
                                       p.iterations);
                hex(rep, p.salt, p.saltlen);
                g_string_append_printf(rep,
                                       ", opt-out %s, %zu hashes, %.4f%% of the ring, about %.0f "
                                       "names in the zone",
                                       p.optout ? "yes" : "no", nh, 100.0 * dg_walk_coverage(w),
                                       dg_walk_estimate(w));
        } else {
                g_string_append_printf(rep, "; %zu names", nn);
        }
        if (cs->ran)
                g_string_append_printf(rep,
                                       "; cracked %llu of %zu hashes with %llu candidates in "
                                       "%.3f s on %u threads (%.0f hashes/s)",
                                       (unsigned long long)cs->cracked, nh,
                                       (unsigned long long)cs->candidates, cs->seconds, cs->threads,
                                       cs->seconds > 0 ? (double)cs->candidates / cs->seconds
                                                       : 0.0);
        return rep;
}

/* jsonl: one object per name or hash, then the summary; json: one document. */
static void print_json(FILE *out, const walk_opts_t *o, const char *via, dg_walk_t *w,
                       const dg_crack_stats_t *cs, bool nsec3)
{
        const dg_walk_name_t *names;
        const dg_walk_hash_t *hashes;
        size_t nn = dg_walk_names(w, &names), nh = dg_walk_hashes(w, &hashes);
        GString *s = g_string_new(NULL);
        bool arr = o->fmt == DG_FMT_JSON;
        if (arr)
                g_string_append(s, nsec3 ? "{\"hashes\":[" : "{\"names\":[");
        for (size_t i = 0; i < (nsec3 ? nh : nn); i++) {
                if (arr && i > 0)
                        g_string_append_c(s, ',');
                if (nsec3)
                        hash_json(s, &hashes[i]);
                else
                        name_json(s, &names[i]);
                if (!arr) {
                        fprintf(out, "%s\n", s->str);
                        g_string_truncate(s, 0);
                }
        }
        if (arr) {
                g_string_append(s, "],");
                GString *sum = g_string_new(NULL);
                summary_json(sum, o->zone, via, w, cs);
                /* splice {"summary":{...}} into the document */
                g_string_append_len(s, sum->str + 1, (gssize)sum->len - 1);
                g_string_free(sum, TRUE);
        } else {
                summary_json(s, o->zone, via, w, cs);
        }
        fprintf(out, "%s\n", s->str);
        g_string_free(s, TRUE);
}

/* Cracks (if asked and possible) and writes the exports. Returns 0 or 2. */
static int crack_export(const walk_opts_t *o, dg_walk_t *w, dg_crack_stats_t *cs,
                        volatile sig_atomic_t *stop)
{
        dg_nsec3_params_t p;
        bool nsec3 = dg_walk_kind(w) == DG_WALK_KIND_NSEC3 && dg_walk_nsec3_params(w, &p) == DG_OK;
        bool want = o->wordlists != NULL || o->crack_from != NULL;
        if (want && nsec3 && !*stop) {
                GPtrArray *words = dg_crack_candidates(CMD, o->zone, o->wordlists, o->crack_from);
                if (words == NULL)
                        return 2;
                dg_crack_run(w, words, (unsigned)o->crack_depth, (unsigned)o->threads, cs, stop);
                g_ptr_array_free(words, TRUE);
        } else if (want && !nsec3) {
                dg_cli_error(CMD, "--crack ignored: %s has no NSEC3 hashes to crack", o->zone);
        }
        if (o->hashcat != NULL && export_hashes(o->hashcat, false, o, w) != 0)
                return 2;
        if (o->john != NULL && export_hashes(o->john, true, o, w) != 0)
                return 2;
        return 0;
}

/* Walks, cracks, reports; returns the exit status. */
static int run(const walk_opts_t *o, GArray *servers, dg_walk_t **w, FILE *out, progress_t *pr)
{
        volatile sig_atomic_t *stop = dg_cli_catch_signals();
        const dg_xfr_server_t *used = NULL;
        walk_servers(o, servers, w, &used, stop);
        if (pr->shown && pr->tty)
                fputc('\n', stderr);
        if (!save_state(pr, *w))
                return 2;
        dg_crack_stats_t cs = {0};
        int rc = crack_export(o, *w, &cs, stop);
        if (rc != 0)
                return rc;
        GString *rep = report_line(o, used->text, *w, &cs);
        fprintf(stderr, "dnsglean: walk: %s\n", rep->str);
        if (o->fmt == DG_FMT_TEXT) {
                char *fqdn = g_str_has_suffix(o->zone, ".") ? g_strdup(o->zone)
                                                            : g_strconcat(o->zone, ".", NULL);
                fprintf(out, "; %s\n", rep->str);
                print_text(out, fqdn, *w);
                g_free(fqdn);
        } else {
                dg_nsec3_params_t p;
                print_json(out, o, used->text, *w, &cs,
                           dg_walk_kind(*w) == DG_WALK_KIND_NSEC3 &&
                               dg_walk_nsec3_params(*w, &p) == DG_OK);
        }
        g_string_free(rep, TRUE);
        dg_walk_status_t st = dg_walk_status(*w);
        if (*stop) {
                dg_cli_error(CMD, "interrupted%s%s", pr->state ? "; state saved in " : "",
                             pr->state ? pr->state : "");
                return 130;
        }
        if (st == DG_WALK_COMPLETE || st == DG_WALK_BUDGET)
                return 0;
        dg_cli_error(CMD, "%s: %s", dg_walk_status_str(st), dg_walk_errmsg(*w));
        return 1;
}

int dg_cmd_walk(int argc, char **argv)
{
        walk_opts_t o = {0};
        GArray *servers = g_array_new(FALSE, TRUE, sizeof(dg_xfr_server_t));
        FILE *out = NULL;
        dg_walk_t *w = NULL;
        progress_t pr = {.o = &o, .t0 = g_get_monotonic_time()};
        int rc = parse_opts(&o, argc, argv);
        if (rc == 0) {
                pr.state = o.state != NULL ? o.state : o.resume;
                pr.tty = isatty(STDERR_FILENO);
                pr.progress = o.progress || pr.tty;
                pr.last_save = pr.t0;
                o.wo.on_progress = on_progress;
                o.wo.progress_ud = &pr;
                rc = new_walk(&o, &w);
        }
        if (rc == 0)
                rc = dg_xfr_servers(CMD, o.zone, o.server, o.resolvers, (unsigned)o.port, servers);
        if (rc == 0 && (out = dg_cli_open_output(CMD, o.output, "w")) == NULL)
                rc = 2;
        if (rc == 0) {
                rc = run(&o, servers, &w, out, &pr);
                if (fflush(out) != 0 || ferror(out)) {
                        dg_cli_error(CMD, "write error: %s", g_strerror(errno));
                        rc = 1;
                }
        }
        if (out != NULL && out != stdout)
                fclose(out);
        dg_walk_free(w);
        dg_xfr_servers_free(servers);
        opts_clear(&o);
        return rc;
}
