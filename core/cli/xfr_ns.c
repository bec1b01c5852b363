/* Finding a zone's authoritative servers for axfr and walk: NS records of
 * the zone, then A and AAAA of each NS name, asked through the engine in
 * lookup mode over the given resolvers (never the system's). */
#include "cli.h"
#include "xfr_cli.h"

#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#define FIND_DEADLINE_MS 60000u

typedef struct {
        const char *cmd;
        GPtrArray *ns; /* NS names (g_malloc'd, trailing dot) */
        GArray *out;   /* dg_xfr_server_t */
        unsigned port;
        char *ns_error; /* why the NS lookup gave nothing */
} find_t;

static void log_cb(void *ud, int level, const char *msg)
{
        find_t *f = ud;
        /* errors come back through dg_engine_error: print warnings only */
        if (level == DG_LOG_WARN)
                dg_cli_error(f->cmd, "%s", msg);
}

static void add_addr(find_t *f, const char *ns, uint16_t type, const char *text)
{
        dg_xfr_server_t sv;
        char spec[sizeof sv.text];
        bool v6 = type != DG_T_A;
        g_snprintf(spec, sizeof spec, "%s%s%s:%u", v6 ? "[" : "", text, v6 ? "]" : "", f->port);
        if (dg_xfr_server_parse(spec, &sv) < 0 || (sv.ss.ss_family == AF_INET6) != v6)
                return;
        for (guint i = 0; i < f->out->len; i++)
                if (strcmp(g_array_index(f->out, dg_xfr_server_t, i).text, sv.text) == 0)
                        return;
        sv.ns = g_strdup(ns);
        g_array_append_val(f->out, sv);
}

/* Takes the results that are ready. */
static void drain(dg_engine_t *e, find_t *f)
{
        dg_result_t *r;
        while (dg_engine_next_result(e, &r) == 1) {
                for (size_t i = 0; i < r->nanswers; i++) {
                        const dg_answer_t *a = &r->answers[i];
                        for (size_t k = 0; k < a->ndata; k++) {
                                if (a->type == DG_T_NS)
                                        g_ptr_array_add(f->ns, g_strdup(a->data[k]));
                                else if (a->type == DG_T_A || a->type == DG_T_AAAA)
                                        add_addr(f, r->name, a->type, a->data[k]);
                        }
                }
                if (f->ns->len == 0 && f->ns_error == NULL && r->status != DG_STATUS_FOUND)
                        f->ns_error =
                            g_strdup_printf("%s (%s)", dg_status_str(r->status),
                                            r->reason ? r->reason : dg_rcode_str(r->rcode));
                dg_result_free(r);
        }
}

int dg_xfr_find_servers(const char *cmd, const char *domain, const char *resolvers, unsigned port,
                        GArray *out)
{
        dg_resolver_addr_t *res = NULL;
        size_t nres = 0;
        if (dg_cli_load_resolvers(cmd, NULL, resolvers, &res, &nres) != 0)
                return -1;
        find_t f = {
            .cmd = cmd, .ns = g_ptr_array_new_with_free_func(g_free), .out = out, .port = port};
        dg_engine_opts_t o;
        dg_engine_opts_init(&o);
        o.mode = DG_MODE_LOOKUP;
        o.domain = domain;
        o.resolvers = res;
        o.nresolvers = nres;
        o.log = log_cb;
        o.log_ud = &f;
        dg_engine_t *e = NULL;
        dg_loop_t *l = NULL;
        int rc = -1;
        int r = dg_engine_new(&o, &e);
        if (r != DG_OK) {
                dg_cli_error(cmd, "cannot start the lookups: %s", dg_strerror(r));
                goto out;
        }
        if (dg_loop_new(e, &l) != DG_OK) {
                dg_cli_error(cmd, "cannot open sockets: %s", g_strerror(errno));
                goto out;
        }
        volatile sig_atomic_t *stop = dg_cli_catch_signals();
        uint64_t deadline = dg_now_ms() + FIND_DEADLINE_MS;
        dg_engine_add_lookup(e, domain, DG_T_NS);
        /* phase 1: the NS names (the engine is not done while input is open,
         * so step until the NS answer came or failed) */
        dg_stats_t st;
        do {
                if (dg_loop_step(l, 100) != DG_OK)
                        break;
                drain(e, &f);
                dg_engine_stats(e, &st);
                const char *fatal = NULL;
                if (dg_engine_error(e, &fatal) != DG_OK) {
                        dg_cli_error(cmd, "%s", fatal ? fatal : "lookup failed");
                        goto out;
                }
        } while (f.ns->len == 0 && f.ns_error == NULL && !*stop && dg_now_ms() < deadline);
        if (f.ns->len == 0) {
                dg_cli_error(cmd, "no NS records for %s through %s: %s", domain, resolvers,
                             f.ns_error ? f.ns_error : (*stop ? "interrupted" : "timed out"));
                goto out;
        }
        /* phase 2: their addresses */
        for (guint i = 0; i < f.ns->len; i++) {
                dg_engine_add_lookup(e, g_ptr_array_index(f.ns, i), DG_T_A);
                dg_engine_add_lookup(e, g_ptr_array_index(f.ns, i), DG_T_AAAA);
        }
        dg_engine_close_input(e);
        while (!dg_engine_done(e) && !*stop && dg_now_ms() < deadline) {
                if (dg_loop_step(l, 100) != DG_OK)
                        break;
                drain(e, &f);
        }
        drain(e, &f);
        if (out->len == 0) {
                dg_cli_error(cmd, "no address found for the name servers of %s", domain);
                goto out;
        }
        rc = 0;
out:
        dg_loop_free(l);
        dg_engine_free(e);
        g_ptr_array_free(f.ns, TRUE);
        g_free(f.ns_error);
        g_free(res);
        return rc;
}

int dg_xfr_servers(const char *cmd, const char *zone, const char *server, const char *resolvers,
                   unsigned port, GArray *out)
{
        if (server != NULL)
                return dg_xfr_parse_servers(cmd, server, out) < 0 ? 2 : 0;
        if (resolvers != NULL)
                return dg_xfr_find_servers(cmd, zone, resolvers, port, out) < 0 ? 1 : 0;
        dg_cli_error(cmd, "give the servers (-s) or resolvers to find them (-r); the system "
                          "resolver is never used");
        return 2;
}
