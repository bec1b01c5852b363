/* dnsglean classify [FILE|-]: what each record of a zone file reveals.
 * No network. Records that cannot be parsed are reported on stderr with their
 * line number and skipped; the rest is still processed and printed. */
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

/* "providers":[{"name","category","evidence","strength"}...] */
static void json_providers(GString *s, const dg_classify_res_t *res)
{
        g_string_append(s, "\"providers\":[");
        for (size_t i = 0; i < res->nmatches; i++) {
                const dg_fp_match_t *m = &res->matches[i];
                g_string_append(s, i ? ",{\"name\":" : "{\"name\":");
                dg_json_str(s, m->name);
                dg_json_field(s, "category", m->category);
                dg_json_field(s, "evidence", m->evidence);
                dg_json_field(s, "strength", dg_fp_strength_str(m->sig->strength));
                g_string_append_c(s, '}');
        }
        g_string_append_c(s, ']');
}

static void emit_json_obj(GString *s, const char *owner, const char *type, const char *rdata,
                          const dg_classify_res_t *res)
{
        g_string_append(s, "{\"owner\":");
        dg_json_str(s, owner);
        dg_json_field(s, "type", type);
        dg_json_field(s, "rdata", rdata);
        g_string_append_c(s, ',');
        json_providers(s, res);
        g_string_append_printf(s, ",\"takeover\":%s", res->takeover ? "true" : "false");
        if (res->takeover)
                dg_json_field(s, "takeover_condition", res->takeover_condition);
        if (res->takeover_status)
                dg_json_field(s, "takeover_status", res->takeover_status);
        g_string_append_c(s, '}');
}

/* The text lines of one classified record. */
static void emit_text(GString *s, const char *owner, const char *type, const char *rdata,
                      const dg_classify_res_t *res)
{
        g_string_append_printf(s, "%s %s %s\n", owner, type, rdata);
        for (size_t i = 0; i < res->nmatches; i++) {
                const dg_fp_match_t *m = &res->matches[i];
                g_string_append_printf(s, "    %-28s %-16s %-6s %s\n", m->name, m->category,
                                       dg_fp_strength_str(m->sig->strength), m->evidence);
        }
        if (res->takeover)
                g_string_append_printf(s, "    TAKEOVER-PRONE (%s, when %s)\n",
                                       res->takeover_provider, res->takeover_condition);
        else if (res->takeover_status)
                g_string_append_printf(s, "    takeover: %s\n", res->takeover_status);
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
                        g_string_append(s, res->takeover ? ",true," : ",false,");
                        g_string_append_printf(s, "%s,%s\n",
                                               m ? dg_fp_strength_str(m->sig->strength) : "",
                                               res->takeover_status ? res->takeover_status : "");
                }
                break;
        case DG_FMT_TEXT:
                emit_text(s, owner, type, rdata, res);
                break;
        default:
                emit_json_obj(s, owner, type, rdata, res);
                g_string_append_c(s, '\n');
        }
        e->first = false;
        fwrite(s->str, 1, s->len, e->out);
}

/* One signature as a text (TAB) or CSV row: kind, pattern, provider,
 * category, verify, strength, takeover entry, reference. */
static void sig_row(GString *s, const dg_fp_sig_t *sg, bool csv)
{
        const char *sep = csv ? "," : "\t";
        const char *f[] = {dg_fp_kind_str(sg->kind), sg->pattern, sg->provider, sg->category};
        for (size_t j = 0; j < G_N_ELEMENTS(f); j++) {
                if (csv)
                        dg_csv_field(s, f[j]);
                else
                        g_string_append(s, f[j]);
                g_string_append(s, sep);
        }
        g_string_append_printf(s, "%s%s%s%s", sg->verification ? "verify" : "-", sep,
                               dg_fp_strength_str(sg->strength), sep);
        if (sg->takeover_status)
                g_string_append_printf(s, "%s:%s:%s", sg->takeover_condition, sg->takeover_status,
                                       sg->takeover_checked);
        else
                g_string_append_c(s, '-');
        g_string_append_printf(s, "%s%s\n", sep, sg->reference);
}

/* One signature as a JSON object. */
static void sig_json(GString *s, const dg_fp_sig_t *sg)
{
        g_string_append(s, "{\"kind\":");
        dg_json_str(s, dg_fp_kind_str(sg->kind));
        dg_json_field(s, "pattern", sg->pattern);
        dg_json_field(s, "provider", sg->provider);
        dg_json_field(s, "category", sg->category);
        g_string_append_printf(
            s, ",\"verification\":%s,\"takeover\":", sg->verification ? "true" : "false");
        if (sg->takeover)
                dg_json_str(s, sg->takeover_condition);
        else
                g_string_append(s, "false");
        dg_json_field(s, "strength", dg_fp_strength_str(sg->strength));
        if (sg->takeover_status) {
                dg_json_field(s, "takeover_condition", sg->takeover_condition);
                dg_json_field(s, "takeover_status", sg->takeover_status);
                dg_json_field(s, "takeover_checked", sg->takeover_checked);
        }
        dg_json_field(s, "reference", sg->reference);
        dg_json_field(s, "source", sg->source);
        g_string_append_c(s, '}');
}

static int list_fingerprints(const dg_fpdb_t *db, dg_fmt_t fmt, FILE *out)
{
        GString *s = g_string_new(NULL);
        if (fmt == DG_FMT_TEXT) {
                dg_fpdb_stats_t st;
                dg_fpdb_stats(db, &st);
                fprintf(out,
                        "# %zu signatures, %zu providers, %zu domain-verification services, "
                        "%zu takeover-prone (%zu takeover entries); strength: %zu token, "
                        "%zu host, %zu range\n",
                        st.signatures, st.providers, st.verification, st.takeover,
                        st.takeover_entries, st.by_strength[DG_FP_STRENGTH_TOKEN],
                        st.by_strength[DG_FP_STRENGTH_HOST], st.by_strength[DG_FP_STRENGTH_RANGE]);
        }
        if (fmt == DG_FMT_JSON)
                fputs("[", out);
        for (size_t i = 0; i < dg_fpdb_count(db); i++) {
                const dg_fp_sig_t *sg = dg_fpdb_get(db, i);
                g_string_truncate(s, 0);
                if (fmt == DG_FMT_TEXT || fmt == DG_FMT_CSV) {
                        sig_row(s, sg, fmt == DG_FMT_CSV);
                } else {
                        if (fmt == DG_FMT_JSON)
                                g_string_append(s, i ? ",\n  " : "\n  ");
                        sig_json(s, sg);
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

typedef struct {
        char *format, *output, *origin;
        char **fpfiles;
        gboolean only, list;
        dg_fmt_t fmt;
        const char *path; /* input, "-" for stdin */
} classify_opts_t;

static void opts_clear(classify_opts_t *o)
{
        g_free(o->format);
        g_free(o->output);
        g_free(o->origin);
        g_strfreev(o->fpfiles);
}

/* Fills o from the command line; returns 0 or the exit status 2. */
static int parse_opts(classify_opts_t *o, int argc, char **argv)
{
        const char *cmd = "classify";
        GOptionEntry entries[] = {
            DG_CLI_FORMAT_ENTRY(&o->format, "jsonl (default), json, csv, text"),
            DG_CLI_OUTPUT_ENTRY(&o->output),
            {"origin", 0, 0, G_OPTION_ARG_STRING, &o->origin,
             "Origin of relative names until a $ORIGIN line (default: none, relative "
             "owners are printed as written)",
             "NAME"},
            {"fingerprints", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->fpfiles,
             "Load more signatures from a TSV file (repeatable; core/data/README.md)", "FILE"},
            {"matches-only", 'm', 0, G_OPTION_ARG_NONE, &o->only,
             "Print only records that reveal a provider", NULL},
            {"list-fingerprints", 0, 0, G_OPTION_ARG_NONE, &o->list,
             "Print the loaded signatures (and, as text, their figures) and exit", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        if (!dg_cli_parse_options(
                cmd, "[FILE|-]",
                "Reads a zone file (owner [ttl] [class] type rdata; $ORIGIN, $TTL,\n"
                "records in parentheses over several lines, '@' and blank owners) and\n"
                "prints what each record reveals: the providers behind it and whether it\n"
                "points into a takeover-prone service. No network. A record that cannot\n"
                "be parsed is reported on stderr with its line number and skipped; the\n"
                "others are still printed. Exit status: 0 when every record was read, 1\n"
                "when some were skipped, 2 on a usage or I/O error.",
                entries, &argc, &argv))
                return 2;
        unsigned allowed = DG_FMT_BIT(DG_FMT_JSONL) | DG_FMT_BIT(DG_FMT_JSON) |
                           DG_FMT_BIT(DG_FMT_CSV) | DG_FMT_BIT(DG_FMT_TEXT);
        if (dg_cli_pick_format(cmd, o->format, DG_FMT_JSONL, allowed, &o->fmt) != 0)
                return 2;
        if (argc > 2) {
                dg_cli_error(cmd, "too many arguments (see 'dnsglean classify --help')");
                return 2;
        }
        o->path = argc == 2 ? argv[1] : "-";
        return 0;
}

/* Classifies and prints every record of the reader; returns the exit status. */
static int classify_all(dg_zone_reader_t *zr, const dg_fpdb_t *db, emit_t *e, const char *label)
{
        const char *cmd = "classify";
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        unsigned long bad = 0, lineno = 0;
        dg_zone_rr_t rr;
        const char *why = NULL;
        int rc, status = 0;
        while ((rc = dg_zone_reader_next(zr, &rr, &why, &lineno)) != 0) {
                if (rc == DG_EIO) {
                        dg_cli_error(cmd, "read error on %s: %s", label, g_strerror(errno));
                        status = 2;
                        break;
                }
                if (rc < 0) {
                        dg_cli_error(cmd, "%s:%lu: %s", label, lineno, why ? why : "parse error");
                        bad++;
                        continue;
                }
                char tb[16];
                const char *tname = type_name(rr.type, tb, sizeof tb);
                if (dg_classify_rr(db, rr.owner, rr.type, rr.rdata, &res) < 0) {
                        dg_cli_error(cmd, "%s:%lu: malformed %s rdata", label, lineno, tname);
                        bad++;
                        continue;
                }
                emit(e, rr.owner, tname, rr.rdata, &res);
        }
        dg_classify_res_clear(&res);
        if (status == 0 && bad > 0) {
                dg_cli_error(cmd, "%lu record(s) skipped", bad);
                status = 1;
        }
        return status;
}

/* Reads the input named by o->path and prints its records; returns the
 * exit status. */
static int classify_input(const classify_opts_t *o, const dg_fpdb_t *db, FILE *out)
{
        const char *cmd = "classify";
        bool std = strcmp(o->path, "-") == 0;
        const char *label = std ? "<stdin>" : o->path;
        FILE *in = std ? stdin : fopen(o->path, "r");
        if (in == NULL) {
                dg_cli_error(cmd, "cannot open %s: %s", o->path, g_strerror(errno));
                return 2;
        }
        dg_zone_reader_t *zr = NULL;
        if (dg_zone_reader_new(in, o->origin, &zr) != DG_OK) {
                dg_cli_error(cmd, "bad --origin '%s'", o->origin ? o->origin : "");
                if (!std)
                        fclose(in);
                return 2;
        }
        emit_t e = {o->fmt, out, g_string_new(NULL), true, o->only};
        if (o->fmt == DG_FMT_JSON)
                fputs("[", out);
        else if (o->fmt == DG_FMT_CSV)
                fputs("owner,type,rdata,provider,category,evidence,takeover,strength,"
                      "takeover_status\n",
                      out);
        int status = classify_all(zr, db, &e, label);
        if (o->fmt == DG_FMT_JSON)
                fputs(e.first ? "]\n" : "\n]\n", out);
        g_string_free(e.line, TRUE);
        dg_zone_reader_free(zr);
        if (!std)
                fclose(in);
        return status;
}

int dg_cmd_classify(int argc, char **argv)
{
        const char *cmd = "classify";
        classify_opts_t o = {0};
        dg_fpdb_t *db = NULL;
        FILE *out = NULL;
        int status = parse_opts(&o, argc, argv);
        if (status == 0 && (db = dg_cli_load_fpdb(cmd, o.fpfiles)) == NULL)
                status = 2;
        if (status == 0 && (out = dg_cli_open_output(cmd, o.output, "w")) == NULL)
                status = 2;
        if (status == 0)
                status = o.list ? list_fingerprints(db, o.fmt, out) : classify_input(&o, db, out);
        status = dg_cli_close_output(out, status);
        dg_fpdb_free(db);
        opts_clear(&o);
        return status;
}
