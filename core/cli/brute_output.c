/* dnsglean brute — what a run prints: results (jsonl, json, csv, text,
 * dot), progress, the state file and the final counts. */
#include "brute.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The rcode of the answer (or of the existence query), or NULL if none. */
static const char *result_rcode(const dg_result_t *r, const dg_answer_t *a)
{
        unsigned rc = a && a->rcode != 255 ? a->rcode : r->rcode;
        return rc == 255 ? NULL : dg_rcode_str(rc);
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
        g.status = dg_status_str(r->status);
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

static void emit_json(run_t *R, GString *s, const dg_result_t *r, const dg_answer_t *a,
                      uint16_t type, const dg_pdns_info_t *pi)
{
        if (R->fmt == DG_FMT_JSON)
                g_string_append(s, R->first_json ? "\n  " : ",\n  ");
        R->first_json = false;
        g_string_append(s, "{\"name\":");
        dg_json_str(s, r->name);
        dg_json_field(s, "type", dg_rrtype_str(type));
        g_string_append_printf(s, ",\"ttl\":%u,\"data\":", a ? a->ttl : 0);
        dg_cli_json_strv(s, a ? a->data : NULL, a ? a->ndata : 0);
        dg_json_field(s, "status", dg_status_str(r->status));
        const char *rcode = result_rcode(r, a);
        if (rcode)
                dg_json_field(s, "rcode", rcode);
        if (a && a->ncname) {
                g_string_append(s, ",\"cname\":");
                dg_cli_json_strv(s, a->cname, a->ncname);
        }
        g_string_append_printf(s, ",\"depth\":%u", r->depth);
        if (r->status == DG_STATUS_WILDCARD) {
                g_string_append(s, ",\"wildcard\":true,\"wildcard_root\":");
                dg_json_str(s, r->wildcard_root);
        }
        if (r->status == DG_STATUS_FAILED) {
                dg_json_field(s, "reason", r->reason ? r->reason : "unknown");
                g_string_append_printf(s, ",\"tries\":%u", r->tries);
        } else if (r->reason) {
                dg_json_field(s, "reason", r->reason); /* overruled by --trusted */
        }
        if (pi)
                dg_pdns_json(s, pi, r->status, false);
        g_string_append_c(s, '}');
        if (R->fmt == DG_FMT_JSONL)
                g_string_append_c(s, '\n');
}

/* One row per data item. */
static void emit_csv(const run_t *R, GString *s, const dg_result_t *r, const dg_answer_t *a,
                     uint16_t type, const dg_pdns_info_t *pi)
{
        size_t ndata = a ? a->ndata : 0;
        const char *rcode = result_rcode(r, a);
        for (size_t i = 0; i < (ndata ? ndata : 1); i++) {
                dg_csv_field(s, r->name);
                g_string_append_c(s, ',');
                dg_csv_field(s, dg_rrtype_str(type));
                g_string_append_printf(s, ",%u,%s,%s,", a ? a->ttl : 0, dg_status_str(r->status),
                                       rcode ? rcode : "");
                dg_csv_field(s, ndata ? a->data[i] : "");
                g_string_append_c(s, ',');
                if (a && a->ncname)
                        dg_csv_field(s, a->cname[a->ncname - 1]);
                g_string_append_printf(s, ",%s",
                                       r->status == DG_STATUS_WILDCARD ? "true" : "false");
                if (R->pdns && pi)
                        g_string_append_printf(s, ",%lld,%lld,%llu,%s", (long long)pi->time_first,
                                               (long long)pi->time_last,
                                               (unsigned long long)pi->count, pdns_word(r));
                else if (R->pdns)
                        g_string_append(s, ",,,,");
                g_string_append_c(s, '\n');
        }
}

static void text_pdns(GString *s, const dg_result_t *r, const dg_pdns_info_t *pi)
{
        if (pi)
                g_string_append_printf(s, "; %s. pdns %s: seen %lld..%lld, %llu times (%s)\n",
                                       r->name, pdns_word(r), (long long)pi->time_first,
                                       (long long)pi->time_last, (unsigned long long)pi->count,
                                       pi->rrtypes);
}

/* Zone-file lines; a name that does not exist or failed is a comment with
 * its status word ("; x.example.com. A nxdomain"). */
static void emit_text(GString *s, const dg_result_t *r, const dg_answer_t *a, uint16_t type,
                      const dg_pdns_info_t *pi)
{
        const char *tname = dg_rrtype_str(type);
        const char *mark = r->status == DG_STATUS_WILDCARD ? " ; wildcard" : "";
        if (r->status == DG_STATUS_NXDOMAIN || r->status == DG_STATUS_FAILED) {
                g_string_append_printf(s, "; %s. %s %s%s%s\n", r->name, tname,
                                       dg_status_str(r->status), r->reason ? " " : "",
                                       r->reason ? r->reason : "");
                text_pdns(s, r, pi);
                return;
        }
        size_t ndata = a ? a->ndata : 0;
        char *prev = g_strdup_printf("%s.", r->name);
        for (size_t i = 0; a && i < a->ncname; i++) {
                g_string_append_printf(s, "%s\t%u\tIN\tCNAME\t%s%s\n", prev, a->ttl, a->cname[i],
                                       mark);
                g_free(prev);
                prev = g_strdup(a->cname[i]);
        }
        for (size_t i = 0; i < ndata; i++)
                g_string_append_printf(s, "%s\t%u\tIN\t%s\t%s%s\n", prev, a->ttl, tname, a->data[i],
                                       mark);
        if (ndata == 0 && (a == NULL || a->ncname == 0))
                g_string_append_printf(s, "; %s exists (NOERROR, no %s data)%s\n", prev, tname,
                                       mark);
        g_free(prev);
        text_pdns(s, r, pi);
}

static void emit(run_t *R, const dg_result_t *r, const dg_answer_t *a, uint16_t type)
{
        const dg_pdns_info_t *pi = R->pdns ? dg_pdns_lookup(R->pdns, r->name) : NULL;
        R->printed++;
        if (R->fmt == DG_FMT_DOT) {
                graph_add(R, r, a, type, pi);
                return;
        }
        GString *s = g_string_sized_new(256);
        if (R->fmt == DG_FMT_JSON || R->fmt == DG_FMT_JSONL)
                emit_json(R, s, r, a, type, pi);
        else if (R->fmt == DG_FMT_CSV)
                emit_csv(R, s, r, a, type, pi);
        else
                emit_text(s, r, a, type, pi);
        if (fwrite(s->str, 1, s->len, R->out) != s->len)
                R->io_error = errno ? errno : EIO;
        g_string_free(s, TRUE);
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
                show = R->opt->show_wild;
                break;
        default:
                show = R->opt->all;
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

int dg_brute_on_result(void *ud, dg_result_t *r)
{
        run_t *R = ud;
        if (!hold_back(R, r))
                show_result(R, r);
        return R->io_error ? 1 : 0;
}

void dg_brute_flush_held(run_t *R)
{
        if (R->held == NULL)
                return;
        for (guint i = 0; i < R->held->len; i++)
                show_result(R, g_ptr_array_index(R->held, i));
        g_ptr_array_set_size(R->held, 0);
}

/* Written to a temporary file and renamed, so it is never half-written. */
int dg_brute_write_state(run_t *R)
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

void dg_brute_on_tick(void *ud)
{
        run_t *R = ud;
        uint64_t now = dg_now_ms();
        /* results reach the output within a tick (100 ms), not one write
         * per name found */
        if (R->printed != R->flushed && R->fmt != DG_FMT_DOT) {
                R->flushed = R->printed;
                fflush(R->out);
        }
        if (R->state_path && now - R->last_state >= 1000) {
                R->last_state = now;
                dg_brute_write_state(R);
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

void dg_brute_write_stats(run_t *R, const char *path, double secs)
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
            "\"mismatched\":%llu,\"late\":%llu,\"malformed\":%llu,\"slips\":%llu,\"resolvers\":%u,"
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
            (unsigned long long)st.mismatched, (unsigned long long)st.late,
            (unsigned long long)st.malformed, (unsigned long long)st.slips, st.resolvers,
            st.resolvers_live, (unsigned long long)st.rejected_by_trusted, st.trusted,
            st.trusted_live, secs, secs > 0 ? (double)st.queries / secs : 0.0,
            *R->stop ? "true" : "false");
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

void dg_brute_log(void *ud, int level, const char *msg)
{
        const brute_opts_t *o = ud;
        if (level <= DG_LOG_WARN || (level == DG_LOG_INFO && !o->quiet)) {
                /* keep the progress line intact */
                if (isatty(STDERR_FILENO) && !o->quiet)
                        fputs("\r\033[K", stderr);
                fprintf(stderr, "dnsglean: brute: %s\n", msg);
        }
}
