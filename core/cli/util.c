/* Helpers shared by the subcommands: formats, errors, JSON/CSV escaping. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int dg_cli_parse_format(const char *s, dg_fmt_t *out)
{
        static const struct {
                const char *name;
                dg_fmt_t fmt;
        } tab[] = {
            {"jsonl", DG_FMT_JSONL}, {"json", DG_FMT_JSON}, {"csv", DG_FMT_CSV},
            {"text", DG_FMT_TEXT},   {"dot", DG_FMT_DOT},   {"cof", DG_FMT_COF},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(tab); i++) {
                if (g_ascii_strcasecmp(s, tab[i].name) == 0) {
                        *out = tab[i].fmt;
                        return 0;
                }
        }
        return -1;
}

void dg_cli_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        /* one line, whatever the message holds */
        g_strdelimit(msg, "\r\n", ' ');
        if (cmd)
                fprintf(stderr, "dnsglean: %s: %s\n", cmd, msg);
        else
                fprintf(stderr, "dnsglean: %s\n", msg);
        g_free(msg);
}

void dg_json_field(GString *out, const char *key, const char *s)
{
        g_string_append(out, ",\"");
        g_string_append(out, key);
        g_string_append(out, "\":");
        dg_json_str(out, s);
}

void dg_json_str(GString *out, const char *s)
{
        g_string_append_c(out, '"');
        if (s == NULL)
                s = "";
        const unsigned char *p = (const unsigned char *)s;
        while (*p) {
                /* copy the run of characters that need no escape at once */
                const unsigned char *run = p;
                while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
                        p++;
                if (p > run)
                        g_string_append_len(out, (const char *)run, p - run);
                if (*p == 0)
                        break;
                switch (*p) {
                case '"':
                        g_string_append(out, "\\\"");
                        break;
                case '\\':
                        g_string_append(out, "\\\\");
                        break;
                case '\n':
                        g_string_append(out, "\\n");
                        break;
                case '\r':
                        g_string_append(out, "\\r");
                        break;
                case '\t':
                        g_string_append(out, "\\t");
                        break;
                default:
                        /* DNS data is octets, not UTF-8: escape everything
                         * outside printable ASCII. */
                        g_string_append_printf(out, "\\u%04x", *p);
                }
                p++;
        }
        g_string_append_c(out, '"');
}

void dg_csv_field(GString *out, const char *s)
{
        if (s == NULL)
                s = "";
        if (strpbrk(s, ",\"\r\n") == NULL) {
                g_string_append(out, s);
                return;
        }
        g_string_append_c(out, '"');
        for (const char *p = s; *p; p++) {
                if (*p == '"')
                        g_string_append_c(out, '"');
                g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
}

gboolean dg_cli_parse_options(const char *cmd, const char *params, const char *summary,
                              GOptionEntry *entries, int *argc, char ***argv)
{
        GError *err = NULL;
        GOptionContext *ctx = g_option_context_new(params);
        g_option_context_set_summary(ctx, summary);
        g_option_context_add_main_entries(ctx, entries, NULL);
        gboolean ok = g_option_context_parse(ctx, argc, argv, &err);
        if (!ok) {
                dg_cli_error(cmd, "%s (see 'dnsglean %s --help')", err->message, cmd);
                g_error_free(err);
        }
        g_option_context_free(ctx);
        return ok;
}

FILE *dg_cli_open_output(const char *cmd, const char *path, const char *mode)
{
        if (path == NULL || strcmp(path, "-") == 0)
                return stdout;
        FILE *f = fopen(path, mode);
        if (f == NULL)
                dg_cli_error(cmd, "cannot open %s: %s", path, g_strerror(errno));
        return f;
}

int dg_cli_close_output(FILE *out, int status)
{
        if (out == NULL)
                return status;
        int rc = out == stdout ? fflush(out) : fclose(out);
        return rc != 0 && status == 0 ? 2 : status;
}

static const char *const fmt_names[] = {"jsonl", "json", "csv", "text", "dot", "cof"};

int dg_cli_pick_format(const char *cmd, const char *s, dg_fmt_t dflt, unsigned allowed,
                       dg_fmt_t *out)
{
        *out = dflt;
        if (s == NULL || (dg_cli_parse_format(s, out) == 0 && (allowed & DG_FMT_BIT(*out))))
                return 0;
        GString *names = g_string_new(NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(fmt_names); i++)
                if (allowed & DG_FMT_BIT(i))
                        g_string_append_printf(names, "%s%s", names->len ? ", " : "", fmt_names[i]);
        dg_cli_error(cmd, "unknown format '%s' (%s)", s, names->str);
        g_string_free(names, TRUE);
        return -1;
}

dg_fpdb_t *dg_cli_load_fpdb(const char *cmd, char **files)
{
        dg_fpdb_t *db = NULL;
        if (dg_fpdb_new_default(&db) != DG_OK) {
                dg_cli_error(cmd, "cannot load the built-in fingerprints");
                return NULL;
        }
        for (char **f = files; f && *f; f++) {
                char *msg = NULL;
                int rc = dg_fpdb_load_file(db, *f, &msg);
                if (rc != DG_OK) {
                        dg_cli_error(cmd, "fingerprints: %s", msg ? msg : dg_strerror(rc));
                        g_free(msg);
                        dg_fpdb_free(db);
                        return NULL;
                }
        }
        return db;
}

bool dg_cli_domain_ok(const char *d)
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

int dg_cli_parse_types(const char *cmd, const char *s, uint16_t *types, size_t *n)
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
                        dg_cli_error(cmd, "unknown or unusable record type '%s'", t);
                        rc = -1;
                        break;
                }
                if (*n >= DG_ENGINE_MAX_TYPES) {
                        dg_cli_error(cmd, "at most %d record types", DG_ENGINE_MAX_TYPES);
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
                dg_cli_error(cmd, "no record types in '%s'", s);
                rc = -1;
        }
        return rc;
}

int dg_cli_load_resolvers(const char *cmd, const char *what, const char *spec,
                          dg_resolver_addr_t **out, size_t *n)
{
        char *err = NULL;
        if (dg_resolvers_load(spec, out, n, &err) == DG_OK)
                return 0;
        dg_cli_error(cmd, "%s%s%s", what ? what : "", what ? ": " : "",
                     err ? err : "bad resolver list");
        g_free(err);
        return -1;
}

int dg_cli_one_arg(const char *cmd, int argc, char **argv, const char *what, const char **out)
{
        if (argc == 2) {
                *out = argv[1];
                return 0;
        }
        dg_cli_error(cmd, "expected one %s (see 'dnsglean %s --help')", what, cmd);
        return -1;
}
