/* dnsglean classify [FILE|-]: what each record of a zone-file listing reveals.
 * No network. Lines that cannot be parsed are reported on stderr with their
 * number and skipped; the rest is still processed and printed. */
#include "cli.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <string.h>

static const char *type_name(uint16_t t, char *buf, size_t cap)
{
        const ldns_rr_descriptor *d = ldns_rr_descript(t);
        if (d && d->_name)
                return d->_name;
        snprintf(buf, cap, "TYPE%u", t);
        return buf;
}

typedef struct {
        dg_fmt_t fmt;
        FILE *out;
        GString *line;
        bool first;        /* json: no comma before the first object */
        bool only_matches; /* print only records that reveal something */
} emit_t;

static void emit_json_obj(GString *s, const char *owner, const char *type, const char *rdata,
                          const dg_classify_res_t *res)
{
        g_string_append(s, "{\"owner\":");
        dg_json_str(s, owner);
        g_string_append(s, ",\"type\":");
        dg_json_str(s, type);
        g_string_append(s, ",\"rdata\":");
        dg_json_str(s, rdata);
        g_string_append(s, ",\"providers\":[");
        for (size_t i = 0; i < res->nmatches; i++) {
                const dg_fp_match_t *m = &res->matches[i];
                g_string_append(s, i ? ",{\"name\":" : "{\"name\":");
                dg_json_str(s, m->name);
                g_string_append(s, ",\"category\":");
                dg_json_str(s, m->category);
                g_string_append(s, ",\"evidence\":");
                dg_json_str(s, m->evidence);
                g_string_append_c(s, '}');
        }
        g_string_append_printf(s, "],\"takeover\":%s", res->takeover ? "true" : "false");
        if (res->takeover) {
                g_string_append(s, ",\"takeover_condition\":");
                dg_json_str(s, res->takeover_condition);
        }
        g_string_append_c(s, '}');
}

static void emit(emit_t *e, const char *owner, const char *type, const char *rdata,
                 const dg_classify_res_t *res)
{
        if (e->only_matches && res->nmatches == 0)
                return;
        GString *s = e->line;
        g_string_truncate(s, 0);
        switch (e->fmt) {
        case DG_FMT_JSON:
                g_string_append(s, e->first ? "\n  " : ",\n  ");
                emit_json_obj(s, owner, type, rdata, res);
                break;
        case DG_FMT_CSV:
                for (size_t i = 0; i == 0 || i < res->nmatches; i++) {
                        const dg_fp_match_t *m = res->nmatches ? &res->matches[i] : NULL;
                        dg_csv_field(s, owner);
                        g_string_append_c(s, ',');
                        dg_csv_field(s, type);
                        g_string_append_c(s, ',');
                        dg_csv_field(s, rdata);
                        g_string_append_c(s, ',');
                        dg_csv_field(s, m ? m->name : "");
                        g_string_append_c(s, ',');
                        dg_csv_field(s, m ? m->category : "");
                        g_string_append_c(s, ',');
                        dg_csv_field(s, m ? m->evidence : "");
                        g_string_append(s, res->takeover ? ",true\n" : ",false\n");
                }
                break;
        case DG_FMT_TEXT:
                g_string_append_printf(s, "%s %s %s\n", owner, type, rdata);
                for (size_t i = 0; i < res->nmatches; i++)
                        g_string_append_printf(s, "    %-28s %-16s %s\n", res->matches[i].name,
                                               res->matches[i].category, res->matches[i].evidence);
                if (res->takeover)
                        g_string_append_printf(s, "    TAKEOVER-PRONE (%s, when %s)\n",
                                               res->takeover_provider, res->takeover_condition);
                break;
        default:
                emit_json_obj(s, owner, type, rdata, res);
                g_string_append_c(s, '\n');
        }
        e->first = false;
        fwrite(s->str, 1, s->len, e->out);
}

static int list_fingerprints(const dg_fpdb_t *db, dg_fmt_t fmt, FILE *out)
{
        GString *s = g_string_new(NULL);
        if (fmt == DG_FMT_TEXT) {
                dg_fpdb_stats_t st;
                dg_fpdb_stats(db, &st);
                fprintf(out,
                        "# %zu signatures, %zu providers, %zu domain-verification services, "
                        "%zu takeover-prone\n",
                        st.signatures, st.providers, st.verification, st.takeover);
        }
        if (fmt == DG_FMT_JSON)
                fputs("[", out);
        for (size_t i = 0; i < dg_fpdb_count(db); i++) {
                const dg_fp_sig_t *sg = dg_fpdb_get(db, i);
                g_string_truncate(s, 0);
                if (fmt == DG_FMT_TEXT || fmt == DG_FMT_CSV) {
                        const char *sep = fmt == DG_FMT_TEXT ? "\t" : ",";
                        const char *f[] = {dg_fp_kind_str(sg->kind), sg->pattern, sg->provider,
                                           sg->category};
                        for (size_t j = 0; j < G_N_ELEMENTS(f); j++) {
                                if (fmt == DG_FMT_CSV)
                                        dg_csv_field(s, f[j]);
                                else
                                        g_string_append(s, f[j]);
                                g_string_append(s, sep);
                        }
                        g_string_append_printf(s, "%s%s%s%s%s\n", sg->verification ? "verify" : "-",
                                               sep, sg->takeover ? sg->takeover_condition : "-",
                                               sep, sg->reference);
                } else {
                        if (fmt == DG_FMT_JSON)
                                g_string_append(s, i ? ",\n  " : "\n  ");
                        g_string_append(s, "{\"kind\":");
                        dg_json_str(s, dg_fp_kind_str(sg->kind));
                        g_string_append(s, ",\"pattern\":");
                        dg_json_str(s, sg->pattern);
                        g_string_append(s, ",\"provider\":");
                        dg_json_str(s, sg->provider);
                        g_string_append(s, ",\"category\":");
                        dg_json_str(s, sg->category);
                        g_string_append_printf(s, ",\"verification\":%s,\"takeover\":",
                                               sg->verification ? "true" : "false");
                        if (sg->takeover)
                                dg_json_str(s, sg->takeover_condition);
                        else
                                g_string_append(s, "false");
                        g_string_append(s, ",\"reference\":");
                        dg_json_str(s, sg->reference);
                        g_string_append(s, ",\"source\":");
                        dg_json_str(s, sg->source);
                        g_string_append_c(s, '}');
                        if (fmt != DG_FMT_JSON)
                                g_string_append_c(s, '\n');
                }
                fwrite(s->str, 1, s->len, out);
        }
        if (fmt == DG_FMT_JSON)
                fputs("\n]\n", out);
        g_string_free(s, TRUE);
        return 0;
}

/* Builds the database: the built-in one plus --fingerprints files. Prints an
 * error and returns NULL on failure. */
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

int dg_cmd_classify(int argc, char **argv)
{
        const char *cmd = "classify";
        char *format = NULL, *output = NULL;
        char **fpfiles = NULL;
        gboolean only = FALSE, list = FALSE;
        GOptionEntry entries[] = {
            {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
             "Output format: jsonl (default), json, csv, text", "FMT"},
            {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE (default stdout)",
             "FILE"},
            {"fingerprints", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &fpfiles,
             "Load more signatures from a TSV file (repeatable; core/data/README.md)", "FILE"},
            {"matches-only", 'm', 0, G_OPTION_ARG_NONE, &only,
             "Print only records that reveal a provider", NULL},
            {"list-fingerprints", 0, 0, G_OPTION_ARG_NONE, &list,
             "Print the loaded signatures (and, as text, their figures) and exit", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        int status = 0;
        dg_fpdb_t *db = NULL;
        FILE *in = NULL, *out = NULL;
        GString *line = NULL;
        if (!dg_cli_parse_options(
                cmd, "[FILE|-]",
                "Reads resource records in zone-file presentation format, one per line\n"
                "(owner [ttl] [class] type rdata), and prints what each reveals: the\n"
                "providers behind it and whether it points into a takeover-prone service.\n"
                "No network. A line that cannot be parsed is reported on stderr with its\n"
                "number and skipped; the others are still printed. Exit status: 0 when\n"
                "every line was read, 1 when some lines were skipped, 2 on a usage or\n"
                "I/O error.",
                entries, &argc, &argv)) {
                status = 2;
                goto done;
        }
        dg_fmt_t fmt = DG_FMT_JSONL;
        if (format &&
            (dg_cli_parse_format(format, &fmt) != 0 || fmt == DG_FMT_DOT || fmt == DG_FMT_COF)) {
                dg_cli_error(cmd, "unknown format '%s' (jsonl, json, csv, text)", format);
                status = 2;
                goto done;
        }
        if (argc > 2) {
                dg_cli_error(cmd, "too many arguments (see 'dnsglean classify --help')");
                status = 2;
                goto done;
        }
        db = dg_cli_load_fpdb(cmd, fpfiles);
        if (db == NULL) {
                status = 2;
                goto done;
        }
        out = dg_cli_open_output(cmd, output, "w");
        if (out == NULL) {
                status = 2;
                goto done;
        }
        if (list) {
                status = list_fingerprints(db, fmt, out);
                goto done;
        }
        const char *path = argc == 2 ? argv[1] : "-";
        const char *label = strcmp(path, "-") == 0 ? "<stdin>" : path;
        in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (in == NULL) {
                dg_cli_error(cmd, "cannot open %s: %s", path, g_strerror(errno));
                status = 2;
                goto done;
        }
        emit_t e = {fmt, out, g_string_new(NULL), true, only};
        if (fmt == DG_FMT_JSON)
                fputs("[", out);
        else if (fmt == DG_FMT_CSV)
                fputs("owner,type,rdata,provider,category,evidence,takeover\n", out);
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        line = g_string_new(NULL);
        char *prev_owner = NULL;
        unsigned long lineno = 0, bad = 0;
        char chunk[4096];
        for (;;) {
                /* read one whole line, however long */
                g_string_truncate(line, 0);
                bool got = false;
                while (fgets(chunk, sizeof chunk, in)) {
                        got = true;
                        g_string_append(line, chunk);
                        if (line->len && line->str[line->len - 1] == '\n')
                                break;
                }
                if (!got)
                        break;
                lineno++;
                if (strlen(line->str) != line->len) {
                        dg_cli_error(cmd, "%s:%lu: NUL byte in line", label, lineno);
                        bad++;
                        continue;
                }
                dg_zone_line_t zl;
                const char *why = NULL;
                int rc = dg_zone_line_parse(line->str, &zl, &why);
                if (rc == 0)
                        continue;
                if (rc < 0) {
                        dg_cli_error(cmd, "%s:%lu: %s", label, lineno, why ? why : "parse error");
                        bad++;
                        continue;
                }
                if (zl.owner) {
                        g_free(prev_owner);
                        prev_owner = g_strdup(zl.owner);
                } else if (prev_owner == NULL) {
                        dg_cli_error(cmd, "%s:%lu: no owner name (and no previous one)", label,
                                     lineno);
                        bad++;
                        dg_zone_line_clear(&zl);
                        continue;
                }
                const char *owner = zl.owner ? zl.owner : prev_owner;
                rc = dg_classify_rr(db, owner, zl.type, zl.rdata, &res);
                char tb[16];
                if (rc < 0) {
                        dg_cli_error(cmd, "%s:%lu: malformed %s rdata", label, lineno,
                                     type_name(zl.type, tb, sizeof tb));
                        bad++;
                } else {
                        emit(&e, owner, type_name(zl.type, tb, sizeof tb), zl.rdata, &res);
                }
                dg_zone_line_clear(&zl);
        }
        if (ferror(in)) {
                dg_cli_error(cmd, "read error on %s: %s", label, g_strerror(errno));
                status = 2;
        }
        if (fmt == DG_FMT_JSON)
                fputs(e.first ? "]\n" : "\n]\n", out);
        g_string_free(e.line, TRUE);
        g_free(prev_owner);
        dg_classify_res_clear(&res);
        if (status == 0 && bad > 0) {
                dg_cli_error(cmd, "%lu line(s) skipped", bad);
                status = 1;
        }
done:
        if (out && out != stdout && fclose(out) != 0 && status == 0)
                status = 2;
        else if (out == stdout && fflush(stdout) != 0 && status == 0)
                status = 2;
        if (in && in != stdin)
                fclose(in);
        if (line)
                g_string_free(line, TRUE);
        dg_fpdb_free(db);
        g_free(format);
        g_free(output);
        g_strfreev(fpfiles);
        return status;
}
