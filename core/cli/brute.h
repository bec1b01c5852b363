/* dnsglean brute — pieces shared by the brute command's files: the
 * wordlist source (brute_words.c), the options, and the run's output
 * (brute_output.c). Private to the CLI. */
#ifndef DG_BRUTE_H
#define DG_BRUTE_H

#include "cli.h"
#include "graph.h"
#include "pdns.h"

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

/* Opens a wordlist and rejects what cannot be one (empty, binary, a
 * directory). Returns the reader (free with dg_brute_wordfile_close) or NULL
 * with *err a g_malloc'd message. */
wordfile_t *dg_brute_wordfile_open(const char *path, char **err);

/* Closes the reader and its file. NULL is fine. */
void dg_brute_wordfile_close(wordfile_t *w);

/* dg_word_fn and rewind callback over a wordsrc_t (ud). */
int dg_brute_wordsrc_next(void *ud, const char **word, size_t *len);
int dg_brute_wordsrc_rewind(void *ud);

/* The bundled list: $DNSGLEAN_DATADIR, the installed data folder, or the
 * source tree the binary was built from. g_malloc'd path, or NULL. */
char *dg_brute_default_wordlist(void);

/* Integer options not given on the command line. */
#define BRUTE_UNSET G_MININT

/* The command line of brute: the options as given, then what the parser
 * derived from them. Strings are g_malloc'd (brute_opts_clear). */
typedef struct {
        char *pdns, *trusted, *wordlist, *resolvers, *types, *shard, *state, *resume, *format,
            *output, *stats;
        dg_pdns_http_opts_t pdns_http; /* --pdns-auth, --cacert, --pdns-timeout */
        double trusted_qps;            /* -1: not given */
        double qps;
        int retries, timeout, concurrency, per_resolver, recursive, sockets; /* or BRUTE_UNSET */
        gboolean multi_label, show_wild, all, no_validate, no_wildcard, quiet, no_rd, edns;
        /* derived */
        const char *domain;
        dg_fmt_t fmt;
        uint16_t typev[DG_ENGINE_MAX_TYPES];
        size_t ntypes;
        unsigned shard_k, shard_n;
} brute_opts_t;

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
        uint64_t flushed; /* printed when the output was last flushed */
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
        const brute_opts_t *opt;
        volatile sig_atomic_t *stop; /* set on SIGINT/SIGTERM */
} run_t;

/* dg_loop_run's result callback (ud: run_t): prints or holds back r. */
int dg_brute_on_result(void *ud, dg_result_t *r);

/* Prints the held passive DNS results (checked or not). */
void dg_brute_flush_held(run_t *R);

/* dg_loop_run's tick (ud: run_t): the state file every second, progress. */
void dg_brute_on_tick(void *ud);

/* Writes the state file (the engine's checkpoint plus where the output
 * stood) if the run has one. Returns 0, or -1 with a message printed. */
int dg_brute_write_state(run_t *R);

/* Writes the final counts as one JSON object to path (message on failure). */
void dg_brute_write_stats(run_t *R, const char *path, double secs);

/* The engine's log callback (ud: the brute_opts_t). */
void dg_brute_log(void *ud, int level, const char *msg);

#endif
