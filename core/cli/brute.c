/* dnsglean brute — subdomain enumeration from a wordlist over many resolvers.
 * This file reads like the command: options, set-up, the run, the summary;
 * the candidates' source is in brute_words.c, the output in brute_output.c. */
#include "brute.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ------------------------------------------------------------ options */

static void opts_clear(brute_opts_t *o)
{
        char *s[] = {o->pdns,  o->trusted, o->wordlist, o->resolvers, o->types, o->shard,
                     o->state, o->resume,  o->format,   o->output,    o->stats};
        for (size_t i = 0; i < G_N_ELEMENTS(s); i++)
                g_free(s[i]);
        dg_pdns_http_opts_clear(&o->pdns_http);
}

static gboolean parse_args(brute_opts_t *o, int *argc, char ***argv)
{
        GOptionEntry entries[] = {
            {"wordlist", 'w', 0, G_OPTION_ARG_FILENAME, &o->wordlist,
             "Labels to try, one per line (default: the bundled list)", "FILE"},
            {"pdns", 0, 0, G_OPTION_ARG_FILENAME, &o->pdns,
             "Passive DNS records (COF JSON Lines) from a file or an https:// service "
             "(URL/DOMAIN): check their names under DOMAIN live too (only them without -w)",
             "FILE|URL"},
            DG_PDNS_HTTP_ENTRIES(&o->pdns_http),
            {"resolvers", 'r', 0, G_OPTION_ARG_STRING, &o->resolvers,
             "Resolvers: a file of addr[:port] lines or a comma list (required)", "RESOLVERS"},
            {"trusted", 0, 0, G_OPTION_ARG_STRING, &o->trusted,
             "Resolvers you trust (file or comma list, as -r): every name the others find is "
             "asked again of one of them and dropped if it says NXDOMAIN",
             "RESOLVERS"},
            {"trusted-qps", 0, 0, G_OPTION_ARG_DOUBLE, &o->trusted_qps,
             "Rate limit of the --trusted rechecks, all trusted resolvers together (default 50; "
             "0: none)",
             "N"},
            {"types", 't', 0, G_OPTION_ARG_STRING, &o->types,
             "Record types, comma-separated (default A); the first proves existence", "T1,T2"},
            {"retries", 0, 0, G_OPTION_ARG_INT, &o->retries,
             "Extra tries per question, exactly (default: 4, more on lossy paths, up to 24)", "N"},
            {"timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout,
             "Cap of the per-try timeout, which follows each resolver's round trip (default "
             "1500)",
             "MS"},
            {"concurrency", 'c', 0, G_OPTION_ARG_INT, &o->concurrency,
             "Cap of candidates in flight (default 32768)", "N"},
            {"per-resolver", 0, 0, G_OPTION_ARG_INT, &o->per_resolver,
             "Cap of queries in flight per resolver (default none: each resolver is paced by "
             "its measured rate and round trip)",
             "N"},
            {"qps", 0, 0, G_OPTION_ARG_DOUBLE, &o->qps, "Global query rate limit (default none)",
             "N"},
            {"recursive", 0, 0, G_OPTION_ARG_INT, &o->recursive,
             "Brute found names too, down to DEPTH levels (default 0: off)", "DEPTH"},
            {"shard", 0, 0, G_OPTION_ARG_STRING, &o->shard,
             "Take the K-th of N deterministic slices of the candidates", "K/N"},
            {"state", 0, 0, G_OPTION_ARG_FILENAME, &o->state,
             "Write the resume state here (periodically and on interrupt)", "FILE"},
            {"resume", 0, 0, G_OPTION_ARG_FILENAME, &o->resume,
             "Continue an interrupted run from its state file", "FILE"},
            DG_CLI_FORMAT_ENTRY(&o->format, "jsonl (default), json, csv, text or dot"),
            DG_CLI_OUTPUT_ENTRY(&o->output),
            {"stats", 0, 0, G_OPTION_ARG_FILENAME, &o->stats, "Write the final counts as JSON here",
             "FILE"},
            {"multi-label", 0, 0, G_OPTION_ARG_NONE, &o->multi_label,
             "Wordlist lines may hold several labels (www.dev): each checked against the "
             "wildcard of its own parent",
             NULL},
            {"show-wildcards", 0, 0, G_OPTION_ARG_NONE, &o->show_wild,
             "Also print wildcard-covered names, status \"wildcard\"", NULL},
            {"all", 0, 0, G_OPTION_ARG_NONE, &o->all,
             "Print every candidate, status nxdomain and failed too", NULL},
            {"no-validate", 0, 0, G_OPTION_ARG_NONE, &o->no_validate, "Skip resolver validation",
             NULL},
            {"no-wildcard", 0, 0, G_OPTION_ARG_NONE, &o->no_wildcard, "Skip wildcard detection",
             NULL},
            {"no-rd", 0, 0, G_OPTION_ARG_NONE, &o->no_rd, "Clear the recursion-desired bit", NULL},
            {"edns", 0, 0, G_OPTION_ARG_NONE, &o->edns,
             "Send EDNS(0) (1232-octet payload) instead of falling back to TCP for large answers",
             NULL},
            {"sockets", 0, 0, G_OPTION_ARG_INT, &o->sockets, "UDP sockets per family (default 4)",
             "N"},
            {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress, no summary", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        return dg_cli_parse_options("brute", "DOMAIN",
                                    "Finds the subdomains of DOMAIN that a wordlist names.\n"
                                    "Example: dnsglean brute example.com -w words.txt -r "
                                    "resolvers.txt",
                                    entries, argc, argv);
}

/* The numbers: each in its range. Returns 0 or -1 with a message. */
static int check_numbers(const brute_opts_t *o)
{
        const struct {
                const char *name;
                int v, lo, hi;
        } ranges[] = {
            {"--retries", o->retries, 0, 20},
            {"--timeout", o->timeout, 10, 600000},
            {"--concurrency", o->concurrency, 1, 1000000},
            {"--per-resolver", o->per_resolver, 1, 65535},
            {"--recursive", o->recursive, 0, 10},
            {"--sockets", o->sockets, 1, 64},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
                int v = ranges[i].v;
                if (v != BRUTE_UNSET && (v < ranges[i].lo || v > ranges[i].hi)) {
                        dg_cli_error("brute", "%s takes %d to %d, not %d", ranges[i].name,
                                     ranges[i].lo, ranges[i].hi, v);
                        return -1;
                }
        }
        if (o->qps < 0) {
                dg_cli_error("brute", "--qps cannot be negative");
                return -1;
        }
        if (o->trusted_qps != -1 && (o->trusted_qps < 0 || o->trusted == NULL)) {
                dg_cli_error("brute", o->trusted ? "--trusted-qps cannot be negative"
                                                 : "--trusted-qps needs --trusted");
                return -1;
        }
        return 0;
}

static int check_shard(brute_opts_t *o)
{
        char tail;
        if (o->shard == NULL)
                return 0;
        if (sscanf(o->shard, "%u/%u%c", &o->shard_k, &o->shard_n, &tail) != 2 || o->shard_n == 0 ||
            o->shard_k == 0 || o->shard_k > o->shard_n) {
                dg_cli_error("brute", "--shard takes K/N with 1 <= K <= N, not '%s'", o->shard);
                return -1;
        }
        return 0;
}

/* Fills o from the command line and checks it; returns 0 or the exit
 * status 2 after a one-line message. */
static int parse_opts(brute_opts_t *o, int argc, char **argv)
{
        const unsigned formats = DG_FMT_BIT(DG_FMT_JSONL) | DG_FMT_BIT(DG_FMT_JSON) |
                                 DG_FMT_BIT(DG_FMT_CSV) | DG_FMT_BIT(DG_FMT_TEXT) |
                                 DG_FMT_BIT(DG_FMT_DOT);
        o->trusted_qps = -1;
        o->retries = o->timeout = o->concurrency = BRUTE_UNSET;
        o->per_resolver = o->recursive = o->sockets = BRUTE_UNSET;
        if (!parse_args(o, &argc, &argv))
                return 2;
        if (argc != 2) {
                dg_cli_error("brute", argc < 2 ? "missing DOMAIN (see --help)"
                                               : "one DOMAIN only (see --help)");
                return 2;
        }
        o->domain = argv[1];
        if (!dg_cli_domain_ok(o->domain)) {
                dg_cli_error("brute", "'%s' is not a domain name", o->domain);
                return 2;
        }
        if (dg_cli_pick_format("brute", o->format, DG_FMT_JSONL, formats, &o->fmt) != 0)
                return 2;
        if (o->resolvers == NULL) {
                dg_cli_error("brute", "no resolvers: give -r FILE or -r ADDR[:PORT],... "
                                      "(dnsglean never falls back to the system's resolvers)");
                return 2;
        }
        o->ntypes = 1;
        o->typev[0] = DG_T_A;
        if (o->types && dg_cli_parse_types("brute", o->types, o->typev, &o->ntypes) != 0)
                return 2;
        if (check_shard(o) != 0 || check_numbers(o) != 0)
                return 2;
        if (o->resume && (o->fmt == DG_FMT_JSON || o->fmt == DG_FMT_DOT)) {
                dg_cli_error("brute", "--resume needs a line format (jsonl, csv, text)");
                return 2;
        }
        return 0;
}

/* ------------------------------------------------------------ set-up */

/* Everything one run holds; brute_clear frees it. */
typedef struct {
        dg_resolver_addr_t *res, *trusted;
        size_t nres, ntrusted;
        dg_pdns_t *pdns;
        wordfile_t *wf;
        char *wl_path;
        wordsrc_t src;
        char *state_text; /* --resume */
        dg_engine_opts_t eo;
        dg_engine_t *e;
        dg_loop_t *loop;
        run_t R;
} brute_t;

static void brute_clear(brute_t *B)
{
        dg_loop_free(B->loop);
        dg_engine_free(B->e);
        if (B->R.out && B->R.out != stdout)
                fclose(B->R.out);
        dg_brute_wordfile_close(B->wf);
        dg_pdns_free(B->pdns);
        dg_graph_free(B->R.graph);
        if (B->R.held)
                g_ptr_array_free(B->R.held, TRUE);
        g_free(B->res);
        g_free(B->trusted);
        g_free(B->state_text);
        g_free(B->wl_path);
}

/* -r and --trusted. Returns 0 or the exit status 2. */
static int load_resolvers(brute_t *B, const brute_opts_t *o)
{
        if (dg_cli_load_resolvers("brute", NULL, o->resolvers, &B->res, &B->nres) != 0)
                return 2;
        if (o->trusted &&
            dg_cli_load_resolvers("brute", "--trusted", o->trusted, &B->trusted, &B->ntrusted))
                return 2;
        return 0;
}

/* --pdns. Returns 0 or the exit status 1. */
static int load_pdns(brute_t *B, const brute_opts_t *o)
{
        char *err = NULL;
        if (o->pdns == NULL)
                return 0;
        B->pdns = dg_pdns_load("brute", o->pdns, o->domain, &o->pdns_http, &err);
        if (B->pdns == NULL) {
                dg_cli_error("brute", "%s", err);
                g_free(err);
                return 1;
        }
        if (!o->quiet) {
                uint64_t pl, pr, pm, po;
                dg_pdns_counts(B->pdns, &pl, &pr, &pm, &po);
                fprintf(stderr,
                        "dnsglean: brute: passive DNS: %llu records, %zu names under %s to "
                        "check, %llu malformed lines skipped\n",
                        (unsigned long long)pr, dg_pdns_count(B->pdns), o->domain,
                        (unsigned long long)pm);
        }
        return 0;
}

/* -w, or the bundled list (none with --pdns alone). Returns 0 or 1. */
static int open_wordlist(brute_t *B, const brute_opts_t *o)
{
        char *err = NULL;
        if (o->pdns && o->wordlist == NULL)
                return 0; /* only the passive DNS names */
        B->wl_path = o->wordlist ? g_strdup(o->wordlist) : dg_brute_default_wordlist();
        if (B->wl_path == NULL) {
                dg_cli_error("brute", "no wordlist given and the bundled one is not installed "
                                      "(set DNSGLEAN_DATADIR or use -w)");
                return 1;
        }
        B->wf = dg_brute_wordfile_open(B->wl_path, &err);
        if (B->wf == NULL) {
                dg_cli_error("brute", "%s", err);
                g_free(err);
                return 1;
        }
        if (!B->wf->seekable && o->recursive != BRUTE_UNSET && o->recursive > 0) {
                dg_cli_error("brute", "--recursive reads the wordlist once per found name: "
                                      "give a regular file, not a pipe");
                return 1;
        }
        return 0;
}

/* The inputs: resolvers, passive DNS, wordlist, the state to resume. Returns
 * 0 or the exit status. */
static int load_inputs(brute_t *B, const brute_opts_t *o)
{
        int rc = load_resolvers(B, o);
        if (rc == 0)
                rc = load_pdns(B, o);
        if (rc == 0)
                rc = open_wordlist(B, o);
        if (rc != 0)
                return rc;
        B->src.wf = B->wf;
        B->src.pd = B->pdns;
        GError *gerr = NULL;
        if (o->resume && !g_file_get_contents(o->resume, &B->state_text, NULL, &gerr)) {
                dg_cli_error("brute", "cannot read state file: %s", gerr->message);
                g_error_free(gerr);
                return 1;
        }
        return 0;
}

static void engine_opts(brute_t *B, brute_opts_t *o)
{
        dg_engine_opts_t *eo = &B->eo;
        dg_engine_opts_init(eo);
        eo->mode = DG_MODE_BRUTE;
        eo->domain = o->domain;
        eo->resolvers = B->res;
        eo->nresolvers = B->nres;
        eo->types = o->typev;
        eo->ntypes = o->ntypes;
        eo->words = dg_brute_wordsrc_next;
        eo->words_rewind = dg_brute_wordsrc_rewind;
        eo->words_ud = &B->src;
        /* passive DNS names may be several labels deep */
        eo->words_names = B->pdns != NULL || o->multi_label;
        if (o->retries != BRUTE_UNSET) {
                eo->retries = (unsigned)o->retries;
                eo->fixed_retries = true;
        }
        if (o->timeout != BRUTE_UNSET)
                eo->timeout_ms = (unsigned)o->timeout;
        if (o->concurrency != BRUTE_UNSET)
                eo->concurrency = (unsigned)o->concurrency;
        if (o->per_resolver != BRUTE_UNSET)
                eo->per_resolver = (unsigned)o->per_resolver;
        eo->qps = o->qps;
        eo->trusted = B->trusted;
        eo->ntrusted = B->ntrusted;
        if (o->trusted_qps != -1)
                eo->trusted_qps = o->trusted_qps > 0 ? o->trusted_qps : -1; /* 0: no limit */
        eo->recursive = o->recursive != BRUTE_UNSET ? (unsigned)o->recursive : 0;
        eo->shard_k = o->shard_k;
        eo->shard_n = o->shard_n;
        eo->no_validate = o->no_validate;
        eo->no_wildcard = o->no_wildcard;
        eo->no_rd = o->no_rd;
        eo->edns = o->edns;
        eo->nsockets = o->sockets != BRUTE_UNSET ? (unsigned)o->sockets : 4;
        eo->log = dg_brute_log;
        eo->log_ud = o;
}

/* The engine, restored from --resume if given. Returns 0 or 1. */
static int start_engine(brute_t *B, brute_opts_t *o)
{
        engine_opts(B, o);
        int rc = dg_engine_new(&B->eo, &B->e);
        if (rc != DG_OK) {
                dg_cli_error("brute", "cannot start: %s", dg_strerror(rc));
                return 1;
        }
        rc = B->state_text ? dg_engine_restore(B->e, B->state_text) : DG_OK;
        if (rc != DG_OK) {
                dg_cli_error("brute", "cannot resume from %s: %s", o->resume,
                             rc == DG_ESTATE ? "it belongs to another run (domain, types, "
                                               "shard or recursion differ)"
                                             : dg_strerror(rc));
                return 1;
        }
        return 0;
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

/* The output file: on resume, cut back to the checkpoint. Returns the
 * stream (stdout for none or "-") or NULL with a message. */
static FILE *open_results(const brute_opts_t *o, const char *state_text)
{
        if (o->output == NULL || strcmp(o->output, "-") == 0)
                return stdout;
        char *prev_path = NULL;
        long off = state_text ? state_output_offset(state_text, &prev_path) : -1;
        g_free(prev_path);
        if (off < 0)
                return dg_cli_open_output("brute", o->output, "w");
        FILE *f = fopen(o->output, "r+");
        if (f == NULL || ftruncate(fileno(f), off) != 0 || fseek(f, off, SEEK_SET) != 0) {
                dg_cli_error("brute", "cannot continue %s: %s", o->output, g_strerror(errno));
                if (f)
                        fclose(f);
                return NULL;
        }
        return f;
}

/* The run's output side: the stream, its header, the picture. Returns 0
 * or 1. */
static int open_output(brute_t *B, const brute_opts_t *o)
{
        run_t *R = &B->R;
        R->e = B->e;
        R->wf = B->wf;
        R->opt = o;
        R->fmt = o->fmt;
        R->first_json = true;
        R->first_type = o->typev[0];
        R->out_path = o->output;
        R->state_path = o->state ? o->state : o->resume;
        R->pdns = B->pdns;
        R->domain = o->domain;
        if (B->pdns)
                R->held = g_ptr_array_new();
        if (o->fmt == DG_FMT_DOT)
                R->graph = dg_graph_new(o->domain);
        R->out = open_results(o, B->state_text);
        if (R->out == NULL)
                return 1;
        bool continued = B->state_text && R->out != stdout && ftell(R->out) > 0;
        if (o->fmt == DG_FMT_CSV && !continued)
                fputs(B->pdns ? "name,type,ttl,status,rcode,data,cname,wildcard,pdns_first,"
                                "pdns_last,pdns_count,pdns\n"
                              : "name,type,ttl,status,rcode,data,cname,wildcard\n",
                      R->out);
        if (o->fmt == DG_FMT_JSON)
                fputc('[', R->out);
        return 0;
}

/* ------------------------------------------------------------ run */

/* Runs the loop, then the passive DNS wildcard check, and closes the
 * output's framing. Returns dg_loop_run's result (DG_EINTR on a signal) or
 * -1 when the sockets could not be opened. */
static int run(brute_t *B)
{
        run_t *R = &B->R;
        if (dg_loop_new(B->e, &B->loop) != DG_OK) {
                dg_cli_error("brute", "cannot open sockets: %s", g_strerror(errno));
                return -1;
        }
        R->stop = dg_cli_catch_signals();
        R->progress = !R->opt->quiet && isatty(STDERR_FILENO);
        R->t0 = dg_now_ms();
        R->last_state = R->t0;
        int rc = dg_loop_run(B->loop, dg_brute_on_result, dg_brute_on_tick, R, R->stop);
        if (rc == DG_OK && R->held && R->held->len && dg_engine_error(B->e, NULL) == DG_OK) {
                uint64_t marked = 0;
                /* counted in show_result(), with the names the engine
                 * found wildcard-covered itself */
                int vrc = dg_pdns_verify(R->pdns, R->held, &B->eo, R->stop, &marked);
                if (vrc != DG_OK)
                        dg_cli_error("brute",
                                     "could not check %u passive DNS names for wildcards: %s",
                                     R->held->len, dg_strerror(vrc));
                if (vrc == DG_EINTR)
                        rc = DG_EINTR;
        }
        dg_brute_flush_held(R);
        if (R->progress)
                fputs("\r\033[K", stderr);
        if (R->fmt == DG_FMT_JSON)
                fputs(R->printed ? "\n]\n" : "]\n", R->out);
        if (R->graph && dg_graph_write(R->graph, R->out) != 0)
                R->io_error = errno ? errno : EIO;
        fflush(R->out);
        return rc;
}

/* ------------------------------------------------------------ report */

/* The exit status of a finished run, its error printed. */
static int run_status(const brute_t *B, const brute_opts_t *o, int rc, const dg_stats_t *st)
{
        const char *fatal_msg = NULL;
        int fatal = dg_engine_error(B->e, &fatal_msg);
        if (fatal) {
                dg_cli_error("brute", "%s", fatal_msg ? fatal_msg : dg_strerror(fatal));
                return 1;
        }
        if (B->R.io_error) {
                dg_cli_error("brute", "writing results: %s", g_strerror(B->R.io_error));
                return 1;
        }
        if (rc == DG_EINTR)
                return 130;
        if (rc != DG_OK) {
                dg_cli_error("brute", "%s", dg_strerror(rc));
                return 1;
        }
        if (st->candidates == 0 && st->skipped_shard == 0 && B->state_text == NULL) {
                dg_cli_error("brute", "no valid label in wordlist %s (%llu lines rejected)",
                             B->wl_path ? B->wl_path : o->pdns,
                             (unsigned long long)st->invalid_words);
                return 1;
        }
        return 0;
}

static void print_summary(const brute_t *B, const brute_opts_t *o, int rc, const dg_stats_t *st,
                          double secs)
{
        const run_t *R = &B->R;
        fprintf(stderr,
                "dnsglean: brute: %s%llu candidates: %llu found, %llu nodata, %llu nxdomain, "
                "%llu wildcard, %llu failed; %llu invalid lines; %llu queries (%llu retries) "
                "in %.2f s, %.0f q/s; %u/%u resolvers\n",
                rc == DG_EINTR ? "interrupted: " : "", (unsigned long long)st->candidates,
                (unsigned long long)st->status[DG_STATUS_FOUND],
                (unsigned long long)st->status[DG_STATUS_NODATA],
                (unsigned long long)st->status[DG_STATUS_NXDOMAIN],
                (unsigned long long)st->status[DG_STATUS_WILDCARD],
                (unsigned long long)st->status[DG_STATUS_FAILED],
                (unsigned long long)st->invalid_words, (unsigned long long)st->queries,
                (unsigned long long)st->retries, secs, secs > 0 ? (double)st->queries / secs : 0.0,
                st->resolvers_live, st->resolvers);
        if (B->ntrusted)
                fprintf(stderr,
                        "dnsglean: brute: %llu names the pool found were rejected by the "
                        "trusted resolvers (NXDOMAIN); %u/%u trusted resolvers\n",
                        (unsigned long long)st->rejected_by_trusted, st->trusted_live, st->trusted);
        if (B->pdns)
                fprintf(stderr,
                        "dnsglean: brute: passive DNS names: %llu live, %llu stale (%llu of them "
                        "wildcard-covered), %llu unknown\n",
                        (unsigned long long)R->pdns_live, (unsigned long long)R->pdns_stale,
                        (unsigned long long)R->pdns_wild, (unsigned long long)R->pdns_unknown);
        if (rc == DG_EINTR && R->state_path)
                fprintf(stderr, "dnsglean: brute: resume with --resume %s%s%s\n", R->state_path,
                        o->output ? " -o " : "", o->output ? o->output : "");
}

/* State file, --stats, exit status and summary of a run that ran. */
static int report(brute_t *B, const brute_opts_t *o, int rc, double secs)
{
        bool fatal = dg_engine_error(B->e, NULL) != DG_OK;
        if (B->R.state_path && (rc == DG_EINTR || !fatal))
                dg_brute_write_state(&B->R);
        if (o->stats)
                dg_brute_write_stats(&B->R, o->stats, secs);
        dg_stats_t st;
        dg_engine_stats(B->e, &st);
        int status = run_status(B, o, rc, &st);
        if (!o->quiet && !fatal && status != 1)
                print_summary(B, o, rc, &st, secs);
        return status;
}

int dg_cmd_brute(int argc, char **argv)
{
        brute_opts_t o = {0};
        brute_t B = {0};
        int status = parse_opts(&o, argc, argv);
        if (status == 0)
                status = load_inputs(&B, &o);
        if (status == 0)
                status = start_engine(&B, &o);
        if (status == 0)
                status = open_output(&B, &o);
        if (status == 0) {
                int rc = run(&B);
                double secs = (double)(dg_now_ms() - B.R.t0) / 1000.0;
                status = rc == -1 ? 1 : report(&B, &o, rc, secs);
        }
        brute_clear(&B);
        opts_clear(&o);
        return status;
}
