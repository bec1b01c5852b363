/* dnsglean CLI — shared helpers of the subcommands. */
#ifndef DG_CLI_H
#define DG_CLI_H

#include <glib.h>
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

/* Appends s to out as one CSV field (quoted when needed). */
void dg_csv_field(GString *out, const char *s);

/* Parses the options of a subcommand with GOptionContext; on failure prints a
 * one-line error and returns FALSE. summary is shown by --help. */
gboolean dg_cli_parse_options(const char *cmd, const char *params, const char *summary,
                              GOptionEntry *entries, int *argc, char ***argv);

/* Opens the output: path NULL or "-" means stdout. Returns NULL with a message
 * printed on failure. */
FILE *dg_cli_open_output(const char *cmd, const char *path, const char *mode);

/* Flushes and closes out (stdout is only flushed; NULL is fine). Returns
 * status, or 2 when status was 0 and the output could not be written. */
int dg_cli_close_output(FILE *out, int status);

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
