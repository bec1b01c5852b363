/* dnsglean CLI — shared helpers of the subcommands. */
#ifndef DG_CLI_H
#define DG_CLI_H

#include <glib.h>
#include <stdio.h>
#include "dnsglean/dnsglean.h"

/* Output formats common to the subcommands (not every command offers all). */
typedef enum { DG_FMT_JSONL, DG_FMT_JSON, DG_FMT_CSV, DG_FMT_TEXT, DG_FMT_DOT, DG_FMT_COF } dg_fmt_t;

/* Parses a --format value; returns 0 and *out or -1 if unknown. */
int dg_cli_parse_format(const char *s, dg_fmt_t *out);

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

/* Subcommands: each returns the process exit status. */
int dg_cmd_brute(int argc, char **argv);
int dg_cmd_classify(int argc, char **argv);
int dg_cmd_footprint(int argc, char **argv);
int dg_cmd_axfr(int argc, char **argv);
int dg_cmd_walk(int argc, char **argv);
int dg_cmd_merge(int argc, char **argv);

/* The built-in fingerprints plus --fingerprints files (NULL-terminated list);
 * prints an error and returns NULL on failure. Free with dg_fpdb_free. */
dg_fpdb_t *dg_cli_load_fpdb(const char *cmd, char **files);
int dg_cmd_pcap(int argc, char **argv);

#endif
