/* dnsglean brute — subdomain enumeration from a wordlist over many resolvers. */
#include "cli.h"
#include "graph.h"
#include "pdns.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ wordlist */

/* A streamed wordlist: fixed buffer, one line at a time; memory does not grow
 * with the file. Lines longer than the buffer are returned cut (and then
 * rejected as labels, since no label is that long). */
typedef struct {
        FILE *f;
        char *path;
        char buf[64 * 1024];
        size_t len, off;
        bool eof;
        bool seekable;     /* a regular file: recursion and resume can rewind it */
        uint64_t size;     /* file size (regular files), for progress */
        uint64_t consumed; /* octets handed out in this pass */
        char line[512];
        int err;
} wordfile_t;

static int wordfile_next(void *ud, const char **word, size_t *len)
{
        wordfile_t *w = ud;
        size_t n = 0;
        bool any = false;
        for (;;) {
                if (w->off == w->len) {
                        if (w->eof)
                                break;
                        w->len = fread(w->buf, 1, sizeof w->buf, w->f);
                        w->off = 0;
                        if (w->len == 0) {
                                if (ferror(w->f)) {
                                        w->err = errno ? errno : EIO;
                                        return DG_EIO;
                                }
                                w->eof = true;
                                break;
                        }
                }
                any = true;
                char *nl = memchr(w->buf + w->off, '\n', w->len - w->off);
                size_t take = nl ? (size_t)(nl - (w->buf + w->off)) : w->len - w->off;
                size_t room = sizeof w->line - 1 - n;
                memcpy(w->line + n, w->buf + w->off, take < room ? take : room);
                n += take < room ? take : room;
                w->off += take;
                w->consumed += take + (nl ? 1 : 0);
                if (nl) {
                        w->off++; /* the newline */
                        break;
                }
        }
        if (!any && n == 0)
                return 0;
        w->line[n] = 0;
        /* a NUL inside the line makes it invalid: keep the octets as they
         * are so that the label check rejects it */
        *word = w->line;
        *len = n;
        return 1;
}

static int wordfile_rewind(void *ud)
{
        wordfile_t *w = ud;
        if (!w->seekable || fseek(w->f, 0, SEEK_SET) != 0)
                return DG_EIO;
        w->len = w->off = 0;
        w->eof = false;
        w->consumed = 0;
        return DG_OK;
}

static void wordfile_close(wordfile_t *w)
{
        if (w == NULL)
                return;
        fclose(w->f);
        g_free(w->path);
        g_free(w);
}

/* Opens a wordlist and rejects what cannot be one (empty, binary). The first
 * block is read into the reader's own buffer and served from there: no
 * rewind, so a pipe works too. */
static wordfile_t *wordfile_open(const char *path, char **err)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                *err = g_strdup_printf("cannot open wordlist %s: %s", path, g_strerror(errno));
                return NULL;
        }
        struct stat st;
        if (fstat(fileno(f), &st) != 0)
                memset(&st, 0, sizeof st);
        if (S_ISDIR(st.st_mode)) {
                *err = g_strdup_printf("wordlist %s is a directory", path);
                fclose(f);
                return NULL;
        }
        wordfile_t *w = g_new0(wordfile_t, 1);
        w->f = f;
        w->path = g_strdup(path);
        w->seekable = S_ISREG(st.st_mode);
        w->size = w->seekable ? (uint64_t)st.st_size : 0;
        size_t n = fread(w->buf, 1, 4096, f);
        w->len = n;
        const unsigned char *head = (const unsigned char *)w->buf;
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
                if (head[i] == 0 ||
                    (head[i] < 0x20 && head[i] != '\n' && head[i] != '\r' && head[i] != '\t'))
                        bad++;
        bool blank = true; /* nothing but white space in the first block */
        for (size_t i = 0; i < n && blank; i++)
                blank = g_ascii_isspace(head[i]);
        if (n == 0 || (blank && n < 4096))
                *err = g_strdup_printf("wordlist %s is empty", path);
        else if (bad * 10 > n || memchr(head, 0, n) != NULL)
                *err = g_strdup_printf("wordlist %s looks binary, not one label per line", path);
        if (n == 0 || (blank && n < 4096) || bad * 10 > n || memchr(head, 0, n) != NULL) {
                wordfile_close(w);
                return NULL;
        }
        return w;
}

/* The candidates: the wordlist's words, then (on the first pass over the
 * domain only, not under recursion's sub-zones) the passive DNS names,
 * relative to the domain. A word that passive DNS also names is left to the
 * passive DNS part so that it is asked once. */
typedef struct {
        wordfile_t *wf;
        dg_pdns_t *pd;
        bool wf_done;
        size_t pi;
        unsigned pass;
} wordsrc_t;

static int wordsrc_next(void *ud, const char **word, size_t *len)
{
        wordsrc_t *s = ud;
        while (s->wf && !s->wf_done) {
                int rc = wordfile_next(s->wf, word, len);
                if (rc < 0)
                        return rc;
                if (rc == 0) {
                        s->wf_done = true;
                        break;
                }
                size_t n = *len;
                while (n > 0 && ((*word)[n - 1] == '\r' || (*word)[n - 1] == ' '))
                        n--;
                if (s->pd && s->pass == 0 && dg_pdns_has_relative(s->pd, *word, n))
                        continue;
                return 1;
        }
        if (s->pd && s->pass == 0 && s->pi < dg_pdns_count(s->pd)) {
                *word = dg_pdns_relative(s->pd, s->pi++);
                *len = strlen(*word);
                return 1;
        }
        return 0;
}

static int wordsrc_rewind(void *ud)
{
        wordsrc_t *s = ud;
        s->pass++;
        s->pi = 0;
        s->wf_done = false;
        return s->wf ? wordfile_rewind(s->wf) : DG_OK;
}

/* The bundled list: $DNSGLEAN_DATADIR, the installed data folder, or the
 * source tree the binary was built from. */
static char *default_wordlist(void)
{
        const char *env = g_getenv("DNSGLEAN_DATADIR");
        const char *dirs[] = {env, DG_DATADIR, DG_SOURCE_DATADIR};
        for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
                if (dirs[i] == NULL)
                        continue;
                char *p = g_build_filename(dirs[i], "wordlist.txt", NULL);
                if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
                        return p;
                g_free(p);
        }
        return NULL;
}

/* ------------------------------------------------------------ options */

static char *o_pdns;
static char *o_trusted;
static double o_trusted_qps = -1; /* unset */
static char *o_wordlist, *o_resolvers, *o_types, *o_shard, *o_state, *o_resume, *o_format,
    *o_output, *o_stats;
#define UNSET G_MININT
static int o_retries = UNSET, o_timeout = UNSET, o_concurrency = UNSET, o_per_resolver = UNSET,
           o_recursive = UNSET, o_sockets = UNSET;
static double o_qps;
static gboolean o_multi_label;
static gboolean o_show_wild, o_all, o_no_validate, o_no_wildcard, o_quiet, o_no_rd, o_edns;

static GOptionEntry entries[] = {
    {"wordlist", 'w', 0, G_OPTION_ARG_FILENAME, &o_wordlist,
     "Labels to try, one per line (default: the bundled list)", "FILE"},
    {"pdns", 0, 0, G_OPTION_ARG_FILENAME, &o_pdns,
     "Passive DNS records (COF JSON Lines): check their names under DOMAIN live too (only "
     "them without -w)",
     "FILE"},
    {"resolvers", 'r', 0, G_OPTION_ARG_STRING, &o_resolvers,
     "Resolvers: a file of addr[:port] lines or a comma list (required)", "RESOLVERS"},
    {"trusted", 0, 0, G_OPTION_ARG_STRING, &o_trusted,
     "Resolvers you trust (file or comma list, as -r): every name the others find is asked "
     "again of one of them and dropped if it says NXDOMAIN",
     "RESOLVERS"},
    {"trusted-qps", 0, 0, G_OPTION_ARG_DOUBLE, &o_trusted_qps,
     "Rate limit of the --trusted rechecks, all trusted resolvers together (default 50; 0: none)",
     "N"},
    {"types", 't', 0, G_OPTION_ARG_STRING, &o_types,
     "Record types, comma-separated (default A); the first proves existence", "T1,T2"},
    {"retries", 0, 0, G_OPTION_ARG_INT, &o_retries,
     "Extra tries per question, exactly (default: 4, more on lossy paths, up to 24)", "N"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &o_timeout,
     "Cap of the per-try timeout, which follows each resolver's round trip (default 1500)", "MS"},
    {"concurrency", 'c', 0, G_OPTION_ARG_INT, &o_concurrency,
     "Cap of candidates in flight (default 32768)", "N"},
    {"per-resolver", 0, 0, G_OPTION_ARG_INT, &o_per_resolver,
     "Cap of queries in flight per resolver (default none: each resolver is paced by its "
     "measured rate and round trip)",
     "N"},
    {"qps", 0, 0, G_OPTION_ARG_DOUBLE, &o_qps, "Global query rate limit (default none)", "N"},
    {"recursive", 0, 0, G_OPTION_ARG_INT, &o_recursive,
     "Brute found names too, down to DEPTH levels (default 0: off)", "DEPTH"},
    {"shard", 0, 0, G_OPTION_ARG_STRING, &o_shard,
     "Take the K-th of N deterministic slices of the candidates", "K/N"},
    {"state", 0, 0, G_OPTION_ARG_FILENAME, &o_state,
     "Write the resume state here (periodically and on interrupt)", "FILE"},
    {"resume", 0, 0, G_OPTION_ARG_FILENAME, &o_resume,
     "Continue an interrupted run from its state file", "FILE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &o_format, "jsonl (default), json, csv, text or dot",
     "FMT"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o_output, "Write results here (default stdout)",
     "FILE"},
    {"stats", 0, 0, G_OPTION_ARG_FILENAME, &o_stats, "Write the final counts as JSON here", "FILE"},
    {"multi-label", 0, 0, G_OPTION_ARG_NONE, &o_multi_label,
     "Wordlist lines may hold several labels (www.dev): each checked against the wildcard of "
     "its own parent",
     NULL},
    {"show-wildcards", 0, 0, G_OPTION_ARG_NONE, &o_show_wild,
     "Also print wildcard-covered names, marked \"wildcard\": true", NULL},
    {"all", 0, 0, G_OPTION_ARG_NONE, &o_all, "Print every candidate, NXDOMAIN and FAILED too",
     NULL},
    {"no-validate", 0, 0, G_OPTION_ARG_NONE, &o_no_validate, "Skip resolver validation", NULL},
    {"no-wildcard", 0, 0, G_OPTION_ARG_NONE, &o_no_wildcard, "Skip wildcard detection", NULL},
    {"no-rd", 0, 0, G_OPTION_ARG_NONE, &o_no_rd, "Clear the recursion-desired bit", NULL},
    {"edns", 0, 0, G_OPTION_ARG_NONE, &o_edns,
     "Send EDNS(0) (1232-octet payload) instead of falling back to TCP for large answers", NULL},
    {"sockets", 0, 0, G_OPTION_ARG_INT, &o_sockets, "UDP sockets per family (default 4)", "N"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o_quiet, "No progress, no summary", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

/* ------------------------------------------------------------ run */

typedef struct {
        dg_engine_t *e;
        FILE *out;
        dg_fmt_t fmt;
        bool first_json;
        bool progress;
        uint16_t first_type;
        uint64_t t0;
        uint64_t last_state;
        uint64_t printed;
        char *state_path;
        char *out_path;
        int io_error;
        dg_pdns_t *pdns;   /* --pdns, or NULL */
        dg_graph_t *graph; /* --format dot */
        GPtrArray *held;   /* dg_result_t*: deep passive DNS names awaiting the check */
        const char *domain;
        uint64_t pdns_wild; /* passive DNS names found to be wildcard-covered */
        uint64_t pdns_live, pdns_stale, pdns_unknown;
        const wordfile_t *wf; /* for progress: how far through the wordlist */
} run_t;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
        (void)sig;
        g_stop = 1;
}

static void log_cb(void *ud, int level, const char *msg)
{
        (void)ud;
        if (level <= DG_LOG_WARN || (level == DG_LOG_INFO && !o_quiet)) {
                /* keep the progress line intact */
                if (isatty(STDERR_FILENO) && !o_quiet)
                        fputs("\r\033[K", stderr);
                fprintf(stderr, "dnsglean: brute: %s\n", msg);
        }
}

static const char *status_rcode(const dg_result_t *r)
{
        switch (r->status) {
        case DG_STATUS_FAILED:
                return "FAILED";
        case DG_STATUS_NXDOMAIN:
                return "NXDOMAIN";
        default:
                return "NOERROR";
        }
}

/* One output record: (name, type) with its data. */
/* The pdns member: what passive DNS said, and whether the name is live. */
static void pdns_json(GString *s, const dg_result_t *r, const dg_pdns_info_t *pi)
{
        g_string_append_printf(s,
                               ",\"pdns\":{\"time_first\":%lld,\"time_last\":%lld,"
                               "\"count\":%llu,\"rrtypes\":[",
                               (long long)pi->time_first, (long long)pi->time_last,
                               (unsigned long long)pi->count);
        char **t = g_strsplit(pi->rrtypes, ",", -1);
        for (char **p = t; *p; p++) {
                if (p != t)
                        g_string_append_c(s, ',');
                dg_json_str(s, *p);
        }
        g_strfreev(t);
        /* live: the name still exists with its own records; stale: it is
         * gone or only a wildcard answers; null: no answer to tell */
        const char *live = r->status == DG_STATUS_FOUND || r->status == DG_STATUS_NODATA ? "true"
                           : r->status == DG_STATUS_FAILED                               ? "null"
                                                                                         : "false";
        g_string_append_printf(s, "],\"live\":%s}", live);
}

static const char *pdns_word(const dg_result_t *r)
{
        return r->status == DG_STATUS_FOUND || r->status == DG_STATUS_NODATA ? "live"
               : r->status == DG_STATUS_FAILED                               ? "unknown"
                                                                             : "stale";
}

static void graph_add(run_t *R, const dg_result_t *r, const dg_answer_t *a, uint16_t type,
                      const dg_pdns_info_t *pi)
{
        dg_graph_rec_t g = {0};
        g.name = r->name;
        g.type = dg_rrtype_str(type);
        g.data = a ? a->data : NULL;
        g.ndata = a ? a->ndata : 0;
        g.cname = a ? a->cname : NULL;
        g.ncname = a ? a->ncname : 0;
        g.status = status_rcode(r);
        g.wildcard = r->status == DG_STATUS_WILDCARD;
        g.pdns_stale = pi && (r->status == DG_STATUS_NXDOMAIN || r->status == DG_STATUS_WILDCARD);
        /* the providers classification names, for the picture */
        const dg_fpdb_t *db = dg_fpdb_default();
        GPtrArray *pn = g_ptr_array_new(), *pc = g_ptr_array_new();
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        size_t n = (a ? a->ndata : 0) + (a ? a->ncname : 0);
        for (size_t i = 0; db && i < n; i++) {
                bool is_data = i < a->ndata;
                const char *rd = is_data ? a->data[i] : a->cname[i - a->ndata];
                if (dg_classify_rr(db, r->name, is_data ? type : DG_T_CNAME, rd, &res) <= 0)
                        continue;
                g.takeover |= res.takeover;
                for (size_t k = 0; k < res.nmatches; k++) {
                        bool dup = false;
                        for (guint j = 0; j < pn->len && !dup; j++)
                                dup = g_ptr_array_index(pn, j) == res.matches[k].name;
                        if (!dup) {
                                g_ptr_array_add(pn, (gpointer)res.matches[k].name);
                                g_ptr_array_add(pc, (gpointer)res.matches[k].category);
                        }
                }
        }
        dg_classify_res_clear(&res);
        g.prov_name = (const char *const *)pn->pdata;
        g.prov_cat = (const char *const *)pc->pdata;
        g.nprov = pn->len;
        dg_graph_add(R->graph, &g);
        g_ptr_array_free(pn, TRUE);
        g_ptr_array_free(pc, TRUE);
}

static void emit(run_t *R, const dg_result_t *r, const dg_answer_t *a, uint16_t type)
{
        const dg_pdns_info_t *pi = R->pdns ? dg_pdns_lookup(R->pdns, r->name) : NULL;
        if (R->fmt == DG_FMT_DOT) {
                graph_add(R, r, a, type, pi);
                R->printed++;
                return;
        }
        GString *s = g_string_sized_new(256);
        const char *tname = dg_rrtype_str(type);
        size_t ndata = a ? a->ndata : 0;
        switch (R->fmt) {
        case DG_FMT_JSON:
        case DG_FMT_JSONL:
                if (R->fmt == DG_FMT_JSON)
                        g_string_append(s, R->first_json ? "\n  " : ",\n  ");
                R->first_json = false;
                g_string_append(s, "{\"name\":");
                dg_json_str(s, r->name);
                g_string_append(s, ",\"type\":");
                dg_json_str(s, tname);
                g_string_append_printf(s, ",\"ttl\":%u,\"data\":[", a ? a->ttl : 0);
                for (size_t i = 0; i < ndata; i++) {
                        if (i)
                                g_string_append_c(s, ',');
                        dg_json_str(s, a->data[i]);
                }
                g_string_append(s, "],\"status\":");
                dg_json_str(s, status_rcode(r));
                if (a && a->ncname) {
                        g_string_append(s, ",\"cname\":[");
                        for (size_t i = 0; i < a->ncname; i++) {
                                if (i)
                                        g_string_append_c(s, ',');
                                dg_json_str(s, a->cname[i]);
                        }
                        g_string_append_c(s, ']');
                }
                g_string_append_printf(s, ",\"depth\":%u", r->depth);
                if (r->status == DG_STATUS_WILDCARD) {
                        g_string_append(s, ",\"wildcard\":true,\"wildcard_root\":");
                        dg_json_str(s, r->wildcard_root);
                }
                if (r->status == DG_STATUS_FAILED) {
                        g_string_append(s, ",\"reason\":");
                        dg_json_str(s, r->reason ? r->reason : "unknown");
                        g_string_append_printf(s, ",\"tries\":%u", r->tries);
                }
                if (pi)
                        pdns_json(s, r, pi);
                g_string_append_c(s, '}');
                if (R->fmt == DG_FMT_JSONL)
                        g_string_append_c(s, '\n');
                break;
        case DG_FMT_CSV: {
                /* one row per data item */
                size_t rows = ndata ? ndata : 1;
                for (size_t i = 0; i < rows; i++) {
                        dg_csv_field(s, r->name);
                        g_string_append_c(s, ',');
                        dg_csv_field(s, tname);
                        g_string_append_printf(s, ",%u,", a ? a->ttl : 0);
                        dg_csv_field(s, status_rcode(r));
                        g_string_append_c(s, ',');
                        dg_csv_field(s, ndata ? a->data[i] : "");
                        g_string_append_c(s, ',');
                        if (a && a->ncname)
                                dg_csv_field(s, a->cname[a->ncname - 1]);
                        g_string_append_printf(s, ",%s",
                                               r->status == DG_STATUS_WILDCARD ? "true" : "false");
                        if (R->pdns && pi)
                                g_string_append_printf(s, ",%lld,%lld,%llu,%s",
                                                       (long long)pi->time_first,
                                                       (long long)pi->time_last,
                                                       (unsigned long long)pi->count, pdns_word(r));
                        else if (R->pdns)
                                g_string_append(s, ",,,,");
                        g_string_append_c(s, '\n');
                }
                break;
        }
        case DG_FMT_TEXT:
        default: {
                const char *mark = r->status == DG_STATUS_WILDCARD ? " ; wildcard" : "";
                if (r->status == DG_STATUS_NXDOMAIN || r->status == DG_STATUS_FAILED) {
                        g_string_append_printf(s, "; %s. %s %s%s%s\n", r->name, tname,
                                               status_rcode(r), r->reason ? " " : "",
                                               r->reason ? r->reason : "");
                        if (pi)
                                g_string_append_printf(
                                    s, "; %s. pdns %s: seen %lld..%lld, %llu times (%s)\n", r->name,
                                    pdns_word(r), (long long)pi->time_first,
                                    (long long)pi->time_last, (unsigned long long)pi->count,
                                    pi->rrtypes);
                        break;
                }
                const char *owner = r->name;
                char *prev = g_strdup_printf("%s.", owner);
                for (size_t i = 0; a && i < a->ncname; i++) {
                        g_string_append_printf(s, "%s\t%u\tIN\tCNAME\t%s%s\n", prev, a->ttl,
                                               a->cname[i], mark);
                        g_free(prev);
                        prev = g_strdup(a->cname[i]);
                }
                for (size_t i = 0; i < ndata; i++)
                        g_string_append_printf(s, "%s\t%u\tIN\t%s\t%s%s\n", prev, a->ttl, tname,
                                               a->data[i], mark);
                if (ndata == 0 && (a == NULL || a->ncname == 0))
                        g_string_append_printf(s, "; %s exists (NOERROR, no %s data)%s\n", prev,
                                               tname, mark);
                g_free(prev);
                if (pi)
                        g_string_append_printf(
                            s, "; %s. pdns %s: seen %lld..%lld, %llu times (%s)\n", r->name,
                            pdns_word(r), (long long)pi->time_first, (long long)pi->time_last,
                            (unsigned long long)pi->count, pi->rrtypes);
                break;
        }
        }
        if (fwrite(s->str, 1, s->len, R->out) != s->len)
                R->io_error = errno ? errno : EIO;
        g_string_free(s, TRUE);
        R->printed++;
}

static void show_result(run_t *R, dg_result_t *r)
{
        bool show;
        switch (r->status) {
        case DG_STATUS_FOUND:
        case DG_STATUS_NODATA:
                show = true;
                break;
        case DG_STATUS_WILDCARD:
                show = o_show_wild;
                break;
        default:
                show = o_all;
        }
        /* passive DNS names are printed whatever their fate: live or stale */
        if (R->pdns && dg_pdns_lookup(R->pdns, r->name)) {
                show = true;
                if (r->status == DG_STATUS_FOUND || r->status == DG_STATUS_NODATA)
                        R->pdns_live++;
                else if (r->status == DG_STATUS_FAILED)
                        R->pdns_unknown++;
                else
                        R->pdns_stale++;
                /* covered by a wildcard: caught by the engine (the wildcard
                 * of the name's own parent) or by dg_pdns_verify */
                if (r->status == DG_STATUS_WILDCARD)
                        R->pdns_wild++;
                /* asked as a candidate of the domain: its depth is its own */
                unsigned depth = 1;
                size_t dl = strlen(R->domain), nl = strlen(r->name);
                for (size_t i = 0; nl > dl && i < nl - dl - 1; i++)
                        depth += r->name[i] == '.';
                r->depth = depth;
        }
        if (show) {
                if (r->nanswers == 0) {
                        emit(R, r, NULL, R->first_type);
                } else {
                        for (size_t i = 0; i < r->nanswers; i++)
                                emit(R, r, &r->answers[i], r->answers[i].type);
                }
                if (R->fmt != DG_FMT_DOT)
                        fflush(R->out);
        }
        dg_result_free(r);
}

/* Passive DNS names more than one label below the domain are held back
 * and checked for deeper wildcards once the run is over (dg_pdns_verify). */
static bool hold_back(run_t *R, dg_result_t *r)
{
        if (R->held == NULL || !dg_pdns_is_deep(R->pdns, r))
                return false;
        g_ptr_array_add(R->held, r);
        return true;
}

static int on_result(void *ud, dg_result_t *r)
{
        run_t *R = ud;
        if (!hold_back(R, r))
                show_result(R, r);
        return R->io_error ? 1 : 0;
}

/* Prints the held results (checked or not). */
static void flush_held(run_t *R)
{
        if (R->held == NULL)
                return;
        for (guint i = 0; i < R->held->len; i++)
                show_result(R, g_ptr_array_index(R->held, i));
        g_ptr_array_set_size(R->held, 0);
}

/* State file: the engine's checkpoint plus where the output stood. Written
 * to a temporary file and renamed, so it is never half-written. */
static int write_state(run_t *R)
{
        if (R->state_path == NULL)
                return 0;
        fflush(R->out);
        long off = -1;
        if (R->out != stdout) {
                fsync(fileno(R->out));
                off = ftell(R->out);
        }
        char *cp = dg_engine_checkpoint(R->e);
        char *text = g_strdup_printf("%soutput %ld %s\n", cp, off, R->out_path ? R->out_path : "-");
        g_free(cp);
        char *tmp = g_strdup_printf("%s.tmp", R->state_path);
        int rc = 0;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t len = strlen(text);
        if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
                rc = -1;
        }
        if (fd >= 0)
                close(fd);
        if (rc == 0 && rename(tmp, R->state_path) != 0)
                rc = -1;
        if (rc != 0)
                dg_cli_error("brute", "cannot write state file %s: %s", R->state_path,
                             g_strerror(errno));
        g_free(tmp);
        g_free(text);
        return rc;
}

static void on_tick(void *ud)
{
        run_t *R = ud;
        uint64_t now = dg_now_ms();
        if (R->state_path && now - R->last_state >= 1000) {
                R->last_state = now;
                write_state(R);
        }
        if (!R->progress)
                return;
        dg_stats_t st;
        dg_engine_stats(R->e, &st);
        double secs = (double)(now - R->t0) / 1000.0;
        uint64_t done = 0;
        for (int i = 0; i < DG_STATUS_COUNT_; i++)
                done += st.status[i];
        double rate = secs > 0 ? (double)st.queries / secs : 0;
        /* done/total and ETA from how far the wordlist has been read (its
         * line count is not known without reading it twice) */
        char eta[64] = "";
        if (R->wf && R->wf->size > 0 && R->wf->consumed > 0) {
                double frac = (double)R->wf->consumed / (double)R->wf->size;
                if (frac > 1)
                        frac = 1;
                double left = secs * (1 - frac) / frac;
                snprintf(eta, sizeof eta, " (%.1f%% of the wordlist, ETA %.0fs)", frac * 100, left);
        }
        fprintf(stderr,
                "\r\033[K%s: %llu/%llu done%s, %llu found, %llu retries, %u/%u resolvers, "
                "%.0f q/s, %.1fs",
                st.phase, (unsigned long long)done, (unsigned long long)st.candidates, eta,
                (unsigned long long)(st.status[DG_STATUS_FOUND] + st.status[DG_STATUS_NODATA]),
                (unsigned long long)st.retries, st.resolvers_live, st.resolvers, rate, secs);
        fflush(stderr);
}

static bool domain_ok(const char *d)
{
        size_t n = strlen(d);
        if (n == 0 || n > 254 || strcmp(d, ".") == 0)
                return false;
        for (const char *p = d; *p; p++)
                if (!(g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.'))
                        return false;
        uint8_t w[DG_NAME_WIRE_MAX];
        return dg_name_from_str(d, n, w) > 0;
}

static int parse_types(const char *s, uint16_t *types, size_t *n)
{
        char **parts = g_strsplit(s, ",", -1);
        int rc = 0;
        *n = 0;
        for (char **p = parts; *p; p++) {
                char *t = g_strstrip(*p);
                if (*t == 0)
                        continue;
                int v = dg_rrtype_parse(t);
                if (v <= 0 || v == DG_T_AXFR || v == DG_T_IXFR || v == DG_T_OPT) {
                        dg_cli_error("brute", "unknown or unusable record type '%s'", t);
                        rc = -1;
                        break;
                }
                if (*n >= DG_ENGINE_MAX_TYPES) {
                        dg_cli_error("brute", "at most %d record types", DG_ENGINE_MAX_TYPES);
                        rc = -1;
                        break;
                }
                bool dup = false;
                for (size_t i = 0; i < *n; i++)
                        dup |= types[i] == (uint16_t)v;
                if (!dup)
                        types[(*n)++] = (uint16_t)v;
        }
        g_strfreev(parts);
        if (rc == 0 && *n == 0) {
                dg_cli_error("brute", "no record types in '%s'", s);
                rc = -1;
        }
        return rc;
}

/* ,"resolver_table":[{...}, ...]: one object per resolver (dg_resolver_stats_t). */
static void append_resolver_table(GString *s, const dg_engine_t *e)
{
        size_t n;
        dg_engine_resolvers(e, &n);
        g_string_append(s, ",\"resolver_table\":[");
        for (size_t i = 0; i < n; i++) {
                dg_resolver_stats_t rs;
                if (dg_engine_resolver_stats(e, i, &rs) != DG_OK)
                        continue;
                char *reason = rs.reason ? g_strescape(rs.reason, NULL) : NULL;
                g_string_append_printf(
                    s,
                    "%s{\"addr\":\"%s\",\"state\":\"%s\",\"reason\":%s%s%s,\"rtt_ms\":%.1f,"
                    "\"loss\":%.4f,\"qps\":%.0f,\"window\":%u,\"rto_ms\":%u,\"sent\":%llu,"
                    "\"answered\":%llu,\"timeouts\":%llu,\"errors\":%llu,\"limit_signals\":%llu}",
                    i ? "," : "", rs.addr, rs.state, reason ? "\"" : "", reason ? reason : "null",
                    reason ? "\"" : "", rs.srtt_ms, rs.loss, rs.qps, rs.window, rs.rto_ms,
                    (unsigned long long)rs.sent, (unsigned long long)rs.answered,
                    (unsigned long long)rs.timeouts, (unsigned long long)rs.errors,
                    (unsigned long long)rs.limit_signals);
                g_free(reason);
        }
        g_string_append(s, "]");
}

static void write_stats(run_t *R, const char *path, double secs)
{
        dg_stats_t st;
        dg_engine_stats(R->e, &st);
        GString *s = g_string_new(NULL);
        uint64_t done = 0;
        for (int i = 0; i < DG_STATUS_COUNT_; i++)
                done += st.status[i];
        g_string_append_printf(
            s,
            "{\"candidates\":%llu,\"finished\":%llu,\"found\":%llu,\"nodata\":%llu,"
            "\"nxdomain\":%llu,\"wildcard\":%llu,\"failed\":%llu,\"words_read\":%llu,"
            "\"invalid_words\":%llu,\"skipped_shard\":%llu,\"queries\":%llu,\"probes\":%llu,"
            "\"responses\":%llu,\"retries\":%llu,\"timeouts\":%llu,\"tcp\":%llu,"
            "\"mismatched\":%llu,\"malformed\":%llu,\"slips\":%llu,\"resolvers\":%u,"
            "\"resolvers_live\":%u,\"rejected_by_trusted\":%llu,\"trusted\":%u,"
            "\"trusted_live\":%u,"
            "\"elapsed_s\":%.3f,\"qps\":%.1f,\"interrupted\":%s",
            (unsigned long long)st.candidates, (unsigned long long)done,
            (unsigned long long)st.status[DG_STATUS_FOUND],
            (unsigned long long)st.status[DG_STATUS_NODATA],
            (unsigned long long)st.status[DG_STATUS_NXDOMAIN],
            (unsigned long long)st.status[DG_STATUS_WILDCARD],
            (unsigned long long)st.status[DG_STATUS_FAILED], (unsigned long long)st.words_read,
            (unsigned long long)st.invalid_words, (unsigned long long)st.skipped_shard,
            (unsigned long long)st.queries, (unsigned long long)st.probes,
            (unsigned long long)st.responses, (unsigned long long)st.retries,
            (unsigned long long)st.timeouts, (unsigned long long)st.tcp,
            (unsigned long long)st.mismatched, (unsigned long long)st.malformed,
            (unsigned long long)st.slips, st.resolvers, st.resolvers_live,
            (unsigned long long)st.rejected_by_trusted, st.trusted, st.trusted_live, secs,
            secs > 0 ? (double)st.queries / secs : 0.0, g_stop ? "true" : "false");
        if (R->pdns)
                g_string_append_printf(s,
                                       ",\"pdns_names\":%zu,\"pdns_live\":%llu,\"pdns_stale\":%llu,"
                                       "\"pdns_wildcard\":%llu,\"pdns_unknown\":%llu",
                                       dg_pdns_count(R->pdns), (unsigned long long)R->pdns_live,
                                       (unsigned long long)R->pdns_stale,
                                       (unsigned long long)R->pdns_wild,
                                       (unsigned long long)R->pdns_unknown);
        g_string_append_printf(s, ",\"wildcard_levels\":%llu,\"wildcard_evicted\":%llu",
                               (unsigned long long)st.wildcard_levels,
                               (unsigned long long)st.wildcard_evicted);
        append_resolver_table(s, R->e);
        g_string_append(s, "}\n");
        FILE *f = fopen(path, "w");
        if (f == NULL || fwrite(s->str, 1, s->len, f) != s->len || fclose(f) != 0)
                dg_cli_error("brute", "cannot write stats to %s: %s", path, g_strerror(errno));
        g_string_free(s, TRUE);
}

/* Reads "output OFFSET PATH" from a state text; returns the offset or -1. */
static long state_output_offset(const char *state, char **path)
{
        const char *p = strstr(state, "\noutput ");
        *path = NULL;
        if (p == NULL)
                return -1;
        long off = -1;
        char buf[4096];
        if (sscanf(p + 8, "%ld %4095[^\n]", &off, buf) != 2)
                return -1;
        *path = g_strdup(buf);
        return off;
}

int dg_cmd_brute(int argc, char **argv)
{
        int exit_code = 1;
        dg_resolver_addr_t *res = NULL, *trusted = NULL;
        size_t nres = 0, ntrusted = 0;
        wordfile_t *wf = NULL;
        dg_engine_t *e = NULL;
        dg_loop_t *loop = NULL;
        char *state_text = NULL;
        char *wl_path = NULL;
        run_t R = {0};
        R.out = NULL;
        dg_pdns_t *pdns = NULL;
        wordsrc_t src = {0};

        if (!dg_cli_parse_options("brute", "DOMAIN",
                                  "Finds the subdomains of DOMAIN that a wordlist names.\n"
                                  "Example: dnsglean brute example.com -w words.txt -r "
                                  "resolvers.txt",
                                  entries, &argc, &argv))
                return 2;
        if (argc != 2) {
                dg_cli_error("brute", argc < 2 ? "missing DOMAIN (see --help)"
                                               : "one DOMAIN only (see --help)");
                return 2;
        }
        const char *domain = argv[1];
        if (!domain_ok(domain)) {
                dg_cli_error("brute", "'%s' is not a domain name", domain);
                return 2;
        }
        dg_fmt_t fmt = DG_FMT_JSONL;
        if (o_format && (dg_cli_parse_format(o_format, &fmt) != 0 || fmt == DG_FMT_COF)) {
                dg_cli_error("brute", "unknown format '%s' (jsonl, json, csv, text, dot)",
                             o_format);
                return 2;
        }
        if (o_resolvers == NULL) {
                dg_cli_error("brute", "no resolvers: give -r FILE or -r ADDR[:PORT],... "
                                      "(dnsglean never falls back to the system's resolvers)");
                return 2;
        }
        uint16_t types[DG_ENGINE_MAX_TYPES];
        size_t ntypes = 1;
        types[0] = DG_T_A;
        if (o_types && parse_types(o_types, types, &ntypes) != 0)
                return 2;
        unsigned shard_k = 0, shard_n = 0;
        if (o_shard) {
                char tail;
                if (sscanf(o_shard, "%u/%u%c", &shard_k, &shard_n, &tail) != 2 || shard_n == 0 ||
                    shard_k == 0 || shard_k > shard_n) {
                        dg_cli_error("brute", "--shard takes K/N with 1 <= K <= N, not '%s'",
                                     o_shard);
                        return 2;
                }
        }
        static const struct {
                const char *name;
                int *v;
                int lo, hi;
        } ranges[] = {
            {"--retries", &o_retries, 0, 20},
            {"--timeout", &o_timeout, 10, 600000},
            {"--concurrency", &o_concurrency, 1, 1000000},
            {"--per-resolver", &o_per_resolver, 1, 65535},
            {"--recursive", &o_recursive, 0, 10},
            {"--sockets", &o_sockets, 1, 64},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
                int v = *ranges[i].v;
                if (v != UNSET && (v < ranges[i].lo || v > ranges[i].hi)) {
                        dg_cli_error("brute", "%s takes %d to %d, not %d", ranges[i].name,
                                     ranges[i].lo, ranges[i].hi, v);
                        return 2;
                }
        }
        if (o_qps < 0) {
                dg_cli_error("brute", "--qps cannot be negative");
                return 2;
        }
        if (o_trusted_qps != -1 && (o_trusted_qps < 0 || o_trusted == NULL)) {
                dg_cli_error("brute", o_trusted ? "--trusted-qps cannot be negative"
                                                : "--trusted-qps needs --trusted");
                return 2;
        }
        if (o_resume && (fmt == DG_FMT_JSON || fmt == DG_FMT_DOT)) {
                dg_cli_error("brute", "--resume needs a line format (jsonl, csv, text)");
                return 2;
        }

        char *err = NULL;
        if (dg_resolvers_load(o_resolvers, &res, &nres, &err) != DG_OK) {
                dg_cli_error("brute", "%s", err ? err : "bad resolver list");
                g_free(err);
                return 2;
        }
        if (o_trusted && dg_resolvers_load(o_trusted, &trusted, &ntrusted, &err) != DG_OK) {
                dg_cli_error("brute", "--trusted: %s", err ? err : "bad resolver list");
                g_free(err);
                g_free(res);
                return 2;
        }
        if (o_pdns) {
                pdns = dg_pdns_load("brute", o_pdns, domain, &err);
                if (pdns == NULL) {
                        dg_cli_error("brute", "%s", err);
                        g_free(err);
                        goto out;
                }
                if (!o_quiet) {
                        uint64_t pl, pr, pm, po;
                        dg_pdns_counts(pdns, &pl, &pr, &pm, &po);
                        fprintf(stderr,
                                "dnsglean: brute: passive DNS: %llu records, %zu names under "
                                "%s to check, %llu malformed lines skipped\n",
                                (unsigned long long)pr, dg_pdns_count(pdns), domain,
                                (unsigned long long)pm);
                }
        }
        if (o_pdns && o_wordlist == NULL)
                goto no_wordlist; /* only the passive DNS names */
        wl_path = o_wordlist ? g_strdup(o_wordlist) : default_wordlist();
        if (wl_path == NULL) {
                dg_cli_error("brute", "no wordlist given and the bundled one is not installed "
                                      "(set DNSGLEAN_DATADIR or use -w)");
                goto out;
        }
        wf = wordfile_open(wl_path, &err);
        if (wf == NULL) {
                dg_cli_error("brute", "%s", err);
                g_free(err);
                goto out;
        }
        if (!wf->seekable && o_recursive != UNSET && o_recursive > 0) {
                dg_cli_error("brute", "--recursive reads the wordlist once per found name: "
                                      "give a regular file, not a pipe");
                goto out;
        }
no_wordlist:
        src.wf = wf;
        src.pd = pdns;

        if (o_resume) {
                GError *gerr = NULL;
                if (!g_file_get_contents(o_resume, &state_text, NULL, &gerr)) {
                        dg_cli_error("brute", "cannot read state file: %s", gerr->message);
                        g_error_free(gerr);
                        goto out;
                }
        }

        dg_engine_opts_t o;
        dg_engine_opts_init(&o);
        o.mode = DG_MODE_BRUTE;
        o.domain = domain;
        o.resolvers = res;
        o.nresolvers = nres;
        o.types = types;
        o.ntypes = ntypes;
        o.words = wordsrc_next;
        o.words_rewind = wordsrc_rewind;
        o.words_ud = &src;
        /* passive DNS names may be several labels deep */
        o.words_names = pdns != NULL || o_multi_label;
        if (o_retries != UNSET) {
                o.retries = (unsigned)o_retries;
                o.fixed_retries = true;
        }
        if (o_timeout != UNSET)
                o.timeout_ms = (unsigned)o_timeout;
        if (o_concurrency != UNSET)
                o.concurrency = (unsigned)o_concurrency;
        if (o_per_resolver != UNSET)
                o.per_resolver = (unsigned)o_per_resolver;
        o.qps = o_qps;
        o.trusted = trusted;
        o.ntrusted = ntrusted;
        if (o_trusted_qps != -1)
                o.trusted_qps = o_trusted_qps > 0 ? o_trusted_qps : -1; /* 0: no limit */
        o.recursive = o_recursive != UNSET ? (unsigned)o_recursive : 0;
        o.shard_k = shard_k;
        o.shard_n = shard_n;
        o.no_validate = o_no_validate;
        o.no_wildcard = o_no_wildcard;
        o.no_rd = o_no_rd;
        o.edns = o_edns;
        o.nsockets = o_sockets != UNSET ? (unsigned)o_sockets : 4;
        o.log = log_cb;
        int rc = dg_engine_new(&o, &e);
        if (rc != DG_OK) {
                dg_cli_error("brute", "cannot start: %s", dg_strerror(rc));
                goto out;
        }
        if (state_text) {
                rc = dg_engine_restore(e, state_text);
                if (rc != DG_OK) {
                        dg_cli_error("brute", "cannot resume from %s: %s", o_resume,
                                     rc == DG_ESTATE ? "it belongs to another run (domain, "
                                                       "types, shard or recursion differ)"
                                                     : dg_strerror(rc));
                        goto out;
                }
        }

        /* output: on resume, cut the file back to the checkpoint */
        R.e = e;
        R.wf = wf;
        R.fmt = fmt;
        R.first_json = true;
        R.first_type = types[0];
        R.out_path = o_output;
        R.state_path = o_state ? o_state : o_resume;
        R.pdns = pdns;
        R.domain = domain;
        if (pdns)
                R.held = g_ptr_array_new();
        if (fmt == DG_FMT_DOT)
                R.graph = dg_graph_new(domain);
        if (o_output && strcmp(o_output, "-") != 0) {
                long off = -1;
                char *prev_path = NULL;
                if (state_text)
                        off = state_output_offset(state_text, &prev_path);
                if (state_text && off >= 0) {
                        R.out = fopen(o_output, "r+");
                        if (R.out == NULL || ftruncate(fileno(R.out), off) != 0 ||
                            fseek(R.out, off, SEEK_SET) != 0) {
                                dg_cli_error("brute", "cannot continue %s: %s", o_output,
                                             g_strerror(errno));
                                g_free(prev_path);
                                if (R.out)
                                        fclose(R.out);
                                R.out = NULL;
                                goto out;
                        }
                } else {
                        R.out = dg_cli_open_output("brute", o_output, "w");
                }
                g_free(prev_path);
                if (R.out == NULL)
                        goto out;
        } else {
                R.out = stdout;
        }
        if (fmt == DG_FMT_CSV && !(state_text && R.out != stdout && ftell(R.out) > 0))
                fputs(pdns ? "name,type,ttl,status,data,cname,wildcard,pdns_first,pdns_last,"
                             "pdns_count,pdns\n"
                           : "name,type,ttl,status,data,cname,wildcard\n",
                      R.out);
        if (fmt == DG_FMT_JSON)
                fputc('[', R.out);

        rc = dg_loop_new(e, &loop);
        if (rc != DG_OK) {
                dg_cli_error("brute", "cannot open sockets: %s", g_strerror(errno));
                goto out;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        R.progress = !o_quiet && isatty(STDERR_FILENO);
        R.t0 = dg_now_ms();
        R.last_state = R.t0;
        rc = dg_loop_run(loop, on_result, on_tick, &R, &g_stop);
        if (rc == DG_OK && R.held && R.held->len && dg_engine_error(e, NULL) == DG_OK) {
                uint64_t marked = 0;
                /* counted in show_result(), with the names the engine
                 * found wildcard-covered itself */
                int vrc = dg_pdns_verify(R.pdns, R.held, &o, &g_stop, &marked);
                if (vrc != DG_OK)
                        dg_cli_error("brute",
                                     "could not check %u passive DNS names for wildcards: %s",
                                     R.held->len, dg_strerror(vrc));
                if (vrc == DG_EINTR)
                        rc = DG_EINTR;
        }
        flush_held(&R);
        double secs = (double)(dg_now_ms() - R.t0) / 1000.0;
        if (R.progress)
                fputs("\r\033[K", stderr);
        if (fmt == DG_FMT_JSON)
                fputs(R.printed ? "\n]\n" : "]\n", R.out);
        if (R.graph && dg_graph_write(R.graph, R.out) != 0)
                R.io_error = errno ? errno : EIO;
        fflush(R.out);

        const char *fatal_msg = NULL;
        int fatal = dg_engine_error(e, &fatal_msg);
        if (R.state_path && (rc == DG_EINTR || fatal == 0))
                write_state(&R);
        if (o_stats)
                write_stats(&R, o_stats, secs);

        dg_stats_t st;
        dg_engine_stats(e, &st);
        if (fatal) {
                dg_cli_error("brute", "%s", fatal_msg ? fatal_msg : dg_strerror(fatal));
                exit_code = 1;
        } else if (R.io_error) {
                dg_cli_error("brute", "writing results: %s", g_strerror(R.io_error));
                exit_code = 1;
        } else if (rc == DG_EINTR) {
                exit_code = 130;
        } else if (rc != DG_OK) {
                dg_cli_error("brute", "%s", dg_strerror(rc));
                exit_code = 1;
        } else if (st.candidates == 0 && st.skipped_shard == 0 && state_text == NULL) {
                dg_cli_error("brute", "no valid label in wordlist %s (%llu lines rejected)",
                             wl_path ? wl_path : o_pdns, (unsigned long long)st.invalid_words);
                exit_code = 1;
        } else {
                exit_code = 0;
        }
        if (!o_quiet && fatal == 0 && exit_code != 1) {
                struct rusage ru;
                getrusage(RUSAGE_SELF, &ru);
                fprintf(stderr,
                        "dnsglean: brute: %s%llu candidates: %llu found, %llu nodata, %llu "
                        "nxdomain, %llu wildcard, %llu failed; %llu invalid lines; %llu "
                        "queries (%llu retries) in %.2f s, %.0f q/s; %u/%u resolvers\n",
                        rc == DG_EINTR ? "interrupted: " : "", (unsigned long long)st.candidates,
                        (unsigned long long)st.status[DG_STATUS_FOUND],
                        (unsigned long long)st.status[DG_STATUS_NODATA],
                        (unsigned long long)st.status[DG_STATUS_NXDOMAIN],
                        (unsigned long long)st.status[DG_STATUS_WILDCARD],
                        (unsigned long long)st.status[DG_STATUS_FAILED],
                        (unsigned long long)st.invalid_words, (unsigned long long)st.queries,
                        (unsigned long long)st.retries, secs,
                        secs > 0 ? (double)st.queries / secs : 0.0, st.resolvers_live,
                        st.resolvers);
                if (ntrusted)
                        fprintf(stderr,
                                "dnsglean: brute: %llu names the pool found were rejected by "
                                "the trusted resolvers (NXDOMAIN); %u/%u trusted resolvers\n",
                                (unsigned long long)st.rejected_by_trusted, st.trusted_live,
                                st.trusted);
                if (pdns)
                        fprintf(stderr,
                                "dnsglean: brute: passive DNS names: %llu live, %llu stale (%llu "
                                "of them wildcard-covered), %llu unknown\n",
                                (unsigned long long)R.pdns_live, (unsigned long long)R.pdns_stale,
                                (unsigned long long)R.pdns_wild,
                                (unsigned long long)R.pdns_unknown);
                if (rc == DG_EINTR && R.state_path)
                        fprintf(stderr, "dnsglean: brute: resume with --resume %s%s%s\n",
                                R.state_path, o_output ? " -o " : "", o_output ? o_output : "");
        }

out:
        dg_loop_free(loop);
        dg_engine_free(e);
        if (R.out && R.out != stdout)
                fclose(R.out);
        wordfile_close(wf);
        dg_pdns_free(pdns);
        dg_graph_free(R.graph);
        if (R.held)
                g_ptr_array_free(R.held, TRUE);
        g_free(res);
        g_free(trusted);
        g_free(state_text);
        g_free(wl_path);
        return exit_code;
}
