/* dnsglean CLI — shared helpers of the subcommands. */
#ifndef DG_CLI_H
#define DG_CLI_H

#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include "dnsglean/dnsglean.h"

/* Output formats common to the subcommands (not every command offers all). */
typedef enum {
        DG_FMT_JSONL,
        DG_FMT_JSON,
        DG_FMT_CSV,
        DG_FMT_TEXT,
        DG_FMT_DOT,
        DG_FMT_COF
} dg_fmt_t;

/* Parses a --format value; returns 0 and *out or -1 if unknown. */
int dg_cli_parse_format(const char *s, dg_fmt_t *out);

/* Bit of a format in the allowed mask of dg_cli_pick_format. */
#define DG_FMT_BIT(f) (1u << (f))

/* Sets *out from a --format value s: dflt when s is NULL, else the named
 * format if its DG_FMT_BIT is in allowed. Returns 0, or -1 after printing
 * "unknown format" with the allowed names. */
int dg_cli_pick_format(const char *cmd, const char *s, dg_fmt_t dflt, unsigned allowed,
                       dg_fmt_t *out);

/* The --format and --output option entries every command offers. */
#define DG_CLI_FORMAT_ENTRY(var, names)                                                            \
        {                                                                                          \
                "format", 'f', 0, G_OPTION_ARG_STRING, (var), "Output format: " names, "FMT"       \
        }
#define DG_CLI_OUTPUT_ENTRY(var)                                                                   \
        {                                                                                          \
                "output", 'o', 0, G_OPTION_ARG_FILENAME, (var), "Write to FILE (default stdout)",  \
                    "FILE"                                                                         \
        }

/* Prints "dnsglean: CMD: message" on stderr (printf-style). */
void dg_cli_error(const char *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Appends s to out as a JSON string literal (quotes and escapes included). */
void dg_json_str(GString *out, const char *s);

/* Appends ,"key": and then s as dg_json_str does (key is written unescaped). */
void dg_json_field(GString *out, const char *key, const char *s);

/* Appends s to out as one CSV field (quoted when needed). */
void dg_csv_field(GString *out, const char *s);

/* Parses the options of a subcommand with GOptionContext; on failure prints a
 * one-line error and returns FALSE. summary is shown by --help. */
gboolean dg_cli_parse_options(const char *cmd, const char *params, const char *summary,
                              GOptionEntry *entries, int *argc, char ***argv);

/* The one positional argument after the options (argv[1]) into *out.
 * Returns 0, or -1 after "expected one WHAT (see 'dnsglean CMD --help')". */
int dg_cli_one_arg(const char *cmd, int argc, char **argv, const char *what, const char **out);

/* Opens the output: path NULL or "-" means stdout. Returns NULL with a message
 * printed on failure. */
FILE *dg_cli_open_output(const char *cmd, const char *path, const char *mode);

/* Flushes and closes out (stdout is only flushed; NULL is fine). Returns
 * status, or 2 when status was 0 and the output could not be written. */
int dg_cli_close_output(FILE *out, int status);

/* Loads a resolver list (a file or a comma list) into *out (free with
 * g_free) and *n. Returns 0, or -1 after printing the reason, prefixed
 * with "WHAT: " when what is not NULL. */
int dg_cli_load_resolvers(const char *cmd, const char *what, const char *spec,
                          dg_resolver_addr_t **out, size_t *n);

/* True when d is a domain name brute and footprint can work under (letters,
 * digits, '-', '_' and dots, not the root). */
bool dg_cli_domain_ok(const char *d);

/* Parses a comma list of record types ("A,AAAA,MX") into types (room for
 * DG_ENGINE_MAX_TYPES), duplicates dropped. Returns 0, or -1 with a message
 * (unknown or unusable type, too many, none). */
int dg_cli_parse_types(const char *cmd, const char *s, uint16_t *types, size_t *n);

/* ---- shared output (output.c) ---- */

/* Appends the n strings of v as a JSON array. */
void dg_cli_json_strv(GString *s, char *const *v, size_t n);

/* Appends "providers":[{"name","category","evidence"},...] for n matches. */
void dg_cli_json_providers(GString *s, const dg_fp_match_t *m, size_t n);

/* A result's "status" read back from JSON: one of the static words "found",
 * "nodata", "nxdomain", "wildcard", "failed"; the old spelling (an rcode such
 * as "NOERROR", or "FAILED") is mapped with the result's data and wildcard
 * flag, and *rcode (may be NULL) then gets the rcode it named (else NULL).
 * Returns NULL for a missing or unknown status. */
const char *dg_cli_status_read(const char *status, bool has_data, bool wildcard,
                               const char **rcode);

/* True for the statuses of a name that exists: "found" and "nodata". */
bool dg_cli_status_exists(const char *status);

/* Installs SIGINT/SIGTERM handlers setting the returned flag (one flag for
 * the process), for dg_loop_run and friends. */
volatile sig_atomic_t *dg_cli_catch_signals(void);

/* Subcommands: each returns the process exit status. */
int dg_cmd_brute(int argc, char **argv);
int dg_cmd_classify(int argc, char **argv);
int dg_cmd_footprint(int argc, char **argv);
int dg_cmd_axfr(int argc, char **argv);
int dg_cmd_walk(int argc, char **argv);
int dg_cmd_merge(int argc, char **argv);
int dg_cmd_pcap(int argc, char **argv);

/* The built-in fingerprints plus --fingerprints files (NULL-terminated list);
 * prints an error and returns NULL on failure. Free with dg_fpdb_free. */
dg_fpdb_t *dg_cli_load_fpdb(const char *cmd, char **files);

#endif
