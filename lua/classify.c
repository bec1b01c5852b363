/* dnsglean Lua module — the classifier: dg.classify, dg.parse_spf,
 * dg.parse_dmarc, dg.fingerprints, dg.load_fingerprints, dg.footprint.
 */
#include "ldg.h"

#include <glib.h>
#include <string.h>

#include "dnsglean/classify.h"
#include "dnsglean/dmarc.h"
#include "dnsglean/footprint.h"
#include "dnsglean/footprint_io.h"
#include "dnsglean/spf.h"

/* Each Lua state has its own database (the built-ins, plus what
 * dg.load_fingerprints adds), kept in the registry and freed with the state.
 * The library's process-wide default is not used: the module may be unloaded
 * when the state closes, and that one is never freed. */
#define DG_LUA_FPDB_MT "dnsglean.fpdb"
#define DG_LUA_FPDB_KEY "dnsglean.fpdb#instance"

typedef struct {
        dg_fpdb_t *db;
} lfpdb_t;

static int l_fpdb_gc(lua_State *L)
{
        lfpdb_t *f = luaL_checkudata(L, 1, DG_LUA_FPDB_MT);
        dg_fpdb_free(f->db);
        f->db = NULL;
        return 0;
}

/* The state's database, built from the built-ins on first use. Raises on
 * allocation failure. */
static dg_fpdb_t *own_db(lua_State *L)
{
        if (lua_getfield(L, LUA_REGISTRYINDEX, DG_LUA_FPDB_KEY) == LUA_TUSERDATA) {
                dg_fpdb_t *db = ((lfpdb_t *)lua_touserdata(L, -1))->db;
                lua_pop(L, 1);
                if (db)
                        return db;
        } else {
                lua_pop(L, 1);
        }
        lfpdb_t *f = dg_newudata(L, sizeof *f);
        f->db = NULL;
        luaL_setmetatable(L, DG_LUA_FPDB_MT);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, DG_LUA_FPDB_KEY);
        lua_pop(L, 1);
        if (dg_fpdb_new_default(&f->db) < 0)
                luaL_error(L, "dnsglean: cannot build the fingerprint database (out of memory)");
        return f->db;
}

static const dg_fpdb_t *current_db(lua_State *L)
{
        return own_db(L);
}

static void push_match(lua_State *L, const dg_fp_match_t *m)
{
        lua_createtable(L, 0, 4);
        ldg_set_str(L, "name", m->name);
        ldg_set_str(L, "category", m->category);
        ldg_set_str(L, "evidence", m->evidence);
        if (m->sig) {
                ldg_set_bool(L, "verification", m->sig->verification);
                ldg_set_bool(L, "takeover", m->sig->takeover);
                ldg_set_str(L, "strength", dg_fp_strength_str(m->sig->strength));
                ldg_set_str(L, "takeover_status", m->sig->takeover_status);
        }
}

/* ---- dg.classify ---- */

static const char *const classify_opts[] = {"owner", "type", "rdata", NULL};

/* dg.classify(rr) with rr = {owner=, type=, rdata=} or a zone-file line
 * -> providers, takeover, takeover_condition, takeover_status | nil, message */
static int l_classify(lua_State *L)
{
        const char *owner, *rdata;
        int type;
        dg_zone_line_t zl;
        memset(&zl, 0, sizeof zl);
        if (lua_type(L, 1) == LUA_TSTRING) {
                const char *why = "parse error";
                int rc = dg_zone_line_parse(lua_tostring(L, 1), &zl, &why);
                if (rc == 0)
                        return ldg_fail(L, "classify", "no record on the line");
                if (rc < 0)
                        return ldg_fail(L, "classify", why);
                owner = zl.owner;
                type = zl.type;
                rdata = zl.rdata;
        } else {
                luaL_argcheck(L, lua_type(L, 1) == LUA_TTABLE, 1, "table or string expected");
                ldg_check_options(L, 1, "dnsglean.classify", classify_opts);
                owner = ldg_opt_string(L, 1, "dnsglean.classify", "owner");
                rdata = ldg_opt_string(L, 1, "dnsglean.classify", "rdata");
                luaL_argcheck(L, owner && rdata, 1, "fields 'owner' and 'rdata' are required");
                lua_getfield(L, 1, "type");
                if (lua_isinteger(L, -1))
                        type = (int)lua_tointeger(L, -1);
                else if (lua_type(L, -1) == LUA_TSTRING)
                        type = dg_rrtype_parse(lua_tostring(L, -1));
                else
                        type = -1;
                lua_pop(L, 1);
                luaL_argcheck(L, type > 0 && type <= 65535, 1, "field 'type' is not an RR type");
        }
        const dg_fpdb_t *db = current_db(L);
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        int rc = dg_classify_rr(db, owner, (uint16_t)type, rdata, &res);
        dg_zone_line_clear(&zl);
        if (rc < 0) {
                dg_classify_res_clear(&res);
                return ldg_fail(L, "classify", dg_strerror(rc));
        }
        lua_createtable(L, (int)res.nmatches, 0);
        for (size_t i = 0; i < res.nmatches; i++) {
                push_match(L, &res.matches[i]);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_pushboolean(L, res.takeover);
        if (res.takeover_condition)
                lua_pushstring(L, res.takeover_condition);
        else
                lua_pushnil(L);
        if (res.takeover_status)
                lua_pushstring(L, res.takeover_status);
        else
                lua_pushnil(L);
        dg_classify_res_clear(&res);
        return 4;
}

/* ---- fingerprints ---- */

/* dg.fingerprints() -> array of signatures */
static int l_fingerprints(lua_State *L)
{
        const dg_fpdb_t *db = current_db(L);
        size_t n = dg_fpdb_count(db);
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
                const dg_fp_sig_t *s = dg_fpdb_get(db, i);
                lua_createtable(L, 0, 10);
                ldg_set_str(L, "kind", dg_fp_kind_str(s->kind));
                ldg_set_str(L, "pattern", s->pattern);
                ldg_set_str(L, "provider", s->provider);
                ldg_set_str(L, "category", s->category);
                ldg_set_bool(L, "verification", s->verification);
                ldg_set_bool(L, "takeover", s->takeover);
                ldg_set_str(L, "takeover_condition", s->takeover_condition);
                ldg_set_str(L, "takeover_status", s->takeover_status);
                ldg_set_str(L, "takeover_checked", s->takeover_checked);
                ldg_set_str(L, "strength", dg_fp_strength_str(s->strength));
                ldg_set_str(L, "reference", s->reference);
                ldg_set_str(L, "source", s->source);
                ldg_set_int(L, "line", s->line);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return 1;
}

/* dg.load_fingerprints(path) -> number of signatures now loaded | nil, message */
static int l_load_fingerprints(lua_State *L)
{
        const char *path = luaL_checkstring(L, 1);
        dg_fpdb_t *db = own_db(L);
        char *err = NULL;
        int rc = dg_fpdb_load_file(db, path, &err);
        if (rc < 0) {
                lua_pushnil(L);
                lua_pushstring(L, err ? err : dg_strerror(rc));
                g_free(err);
                return 2;
        }
        lua_pushinteger(L, (lua_Integer)dg_fpdb_count(db));
        return 1;
}

/* ---- SPF and DMARC ---- */

/* dg.parse_spf(txt) -> table | nil, message (not an SPF record) */
static int l_parse_spf(lua_State *L)
{
        const char *txt = luaL_checkstring(L, 1);
        dg_spf_t *s = NULL;
        int rc = dg_spf_parse(txt, &s);
        if (rc < 0)
                return ldg_fail(L, "parse_spf",
                                rc == DG_EINVAL ? "not an SPF record" : dg_strerror(rc));
        lua_createtable(L, 0, 8);
        lua_createtable(L, (int)s->nterms, 0);
        for (size_t i = 0; i < s->nterms; i++) {
                const dg_spf_term_t *t = &s->terms[i];
                char q[2] = {t->qualifier, 0};
                lua_createtable(L, 0, 7);
                ldg_set_str(L, "kind", dg_spf_term_str(t->kind));
                ldg_set_str(L, "name", t->name);
                ldg_set_str(L, "qualifier", t->qualifier ? q : NULL);
                ldg_set_str(L, "value", t->value);
                if (t->cidr4 >= 0)
                        ldg_set_int(L, "cidr4", t->cidr4);
                if (t->cidr6 >= 0)
                        ldg_set_int(L, "cidr6", t->cidr6);
                if (t->has_macro)
                        ldg_set_bool(L, "macro", 1);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "terms");
        lua_createtable(L, (int)s->nincludes, 0);
        for (size_t i = 0; i < s->nincludes; i++) {
                lua_pushstring(L, s->includes[i]);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "includes");
        ldg_set_str(L, "redirect", s->redirect);
        if (s->all_qualifier) {
                char q[2] = {s->all_qualifier, 0};
                ldg_set_str(L, "all", q);
        }
        ldg_set_int(L, "dns_terms", s->dns_terms);
        ldg_set_bool(L, "has_macros", s->has_macros);
        ldg_set_str(L, "error", s->error);
        dg_spf_free(s);
        return 1;
}

static void push_dmarc_uris(lua_State *L, const dg_dmarc_uri_t *u, size_t n)
{
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
                lua_createtable(L, 0, 4);
                ldg_set_str(L, "uri", u[i].uri);
                ldg_set_str(L, "scheme", u[i].scheme);
                ldg_set_str(L, "domain", u[i].domain);
                ldg_set_str(L, "limit", u[i].limit);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
}

/* dg.parse_dmarc(txt) -> table | nil, message (not a DMARC record) */
static int l_parse_dmarc(lua_State *L)
{
        const char *txt = luaL_checkstring(L, 1);
        dg_dmarc_t *d = NULL;
        int rc = dg_dmarc_parse(txt, &d);
        if (rc < 0)
                return ldg_fail(L, "parse_dmarc",
                                rc == DG_EINVAL ? "not a DMARC record" : dg_strerror(rc));
        char a[2] = {d->adkim, 0}, s[2] = {d->aspf, 0};
        lua_createtable(L, 0, 13);
        ldg_set_str(L, "p", d->p == DG_DMARC_POLICY_UNSET ? NULL : dg_dmarc_policy_str(d->p));
        ldg_set_str(L, "sp", d->sp == DG_DMARC_POLICY_UNSET ? NULL : dg_dmarc_policy_str(d->sp));
        ldg_set_int(L, "pct", d->pct);
        ldg_set_str(L, "adkim", a);
        ldg_set_str(L, "aspf", s);
        ldg_set_int(L, "ri", (lua_Integer)d->ri);
        ldg_set_str(L, "fo", d->fo);
        ldg_set_str(L, "rf", d->rf);
        push_dmarc_uris(L, d->rua, d->nrua);
        lua_setfield(L, -2, "rua");
        push_dmarc_uris(L, d->ruf, d->nruf);
        lua_setfield(L, -2, "ruf");
        lua_createtable(L, 0, (int)d->ntags);
        for (size_t i = 0; i < d->ntags; i++)
                ldg_set_str(L, d->tags[i].tag, d->tags[i].value);
        lua_setfield(L, -2, "tags");
        ldg_set_str(L, "error", d->error);
        dg_dmarc_free(d);
        return 1;
}

/* ---- footprint ---- */

static const char *const footprint_opts[] = {
    "domain",         "resolvers",  "timeout",    "retries", "concurrency",
    "dkim_selectors", "lame_check", "saas_names", NULL,
};

typedef struct {
        dg_footprint_t *fp;
        dg_resolver_addr_t *res;
        size_t nres;
        char **selectors; /* NULL-terminated, g_strfreev */
        void *cur;        /* engine object of the current phase (ldg_push_borrowed_engine) */
} lfootprint_t;

#define DG_LUA_FOOTPRINT_MT "dnsglean.footprint"

static int l_footprint_gc(lua_State *L)
{
        lfootprint_t *f = luaL_checkudata(L, 1, DG_LUA_FOOTPRINT_MT);
        ldg_engine_detach(f->cur); /* before its engine goes with fp */
        f->cur = NULL;
        dg_footprint_free(f->fp);
        f->fp = NULL;
        g_free(f->res);
        f->res = NULL;
        g_strfreev(f->selectors);
        f->selectors = NULL;
        return 0;
}

static void push_report(lua_State *L, const dg_footprint_report_t *r)
{
        lua_createtable(L, 0, 7);
        ldg_set_str(L, "domain", r->domain);
        lua_createtable(L, (int)r->nrecords, 0);
        for (size_t i = 0; i < r->nrecords; i++) {
                const dg_footprint_record_t *x = &r->records[i];
                lua_createtable(L, 0, 10);
                ldg_set_str(L, "name", x->name);
                ldg_set_str(L, "type", dg_rrtype_str(x->type));
                if (x->rcode != 255)
                        ldg_set_str(L, "rcode", dg_rcode_str(x->rcode));
                ldg_set_str(L, "status", x->status);
                ldg_set_int(L, "ttl", x->ttl);
                ldg_push_strings(L, x->data, x->ndata);
                lua_setfield(L, -2, "data");
                ldg_push_strings(L, x->cname, x->ncname);
                lua_setfield(L, -2, "cname");
                lua_createtable(L, (int)x->nproviders, 0);
                for (size_t j = 0; j < x->nproviders; j++) {
                        push_match(L, &x->providers[j]);
                        lua_rawseti(L, -2, (lua_Integer)j + 1);
                }
                lua_setfield(L, -2, "providers");
                ldg_set_bool(L, "takeover", x->takeover);
                ldg_set_str(L, "why", x->why);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "records");
        lua_createtable(L, (int)r->nproviders, 0);
        for (size_t i = 0; i < r->nproviders; i++) {
                const dg_footprint_provider_t *p = &r->providers[i];
                lua_createtable(L, 0, 4);
                ldg_set_str(L, "name", p->name);
                ldg_set_str(L, "category", p->category);
                ldg_push_strings(L, p->evidence, p->nevidence);
                lua_setfield(L, -2, "evidence");
                ldg_set_bool(L, "takeover", p->takeover);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "providers");
        lua_createtable(L, (int)r->nfindings, 0);
        for (size_t i = 0; i < r->nfindings; i++) {
                const dg_finding_t *f = &r->findings[i];
                lua_createtable(L, 0, 4);
                ldg_set_str(L, "id", f->id);
                ldg_set_str(L, "severity", dg_severity_str(f->severity));
                ldg_set_str(L, "message", f->message);
                ldg_push_strings(L, f->evidence, f->nevidence);
                lua_setfield(L, -2, "evidence");
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "findings");
        ldg_set_int(L, "spf_dns_terms", r->spf_dns_terms);
        ldg_set_int(L, "queries", r->queries);
        ldg_set_int(L, "phases", r->phases);
}

/* Builds a footprint object from the options at index 1 and pushes it
 * (index 2). Returns 1 on success, or 2 after pushing nil, message. */
static int footprint_setup(lua_State *L, const char *fn)
{
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        ldg_check_options(L, 1, fn, footprint_opts);
        lfootprint_t *f = dg_newudata(L, sizeof *f);
        memset(f, 0, sizeof *f);
        luaL_setmetatable(L, DG_LUA_FOOTPRINT_MT);

        dg_footprint_opts_t o;
        dg_footprint_opts_init(&o);
        o.domain = ldg_opt_string(L, 1, fn, "domain");
        if (o.domain == NULL)
                luaL_error(L, "%s: option 'domain' is required", fn);
        o.timeout_ms = (unsigned)ldg_opt_uint(L, 1, fn, "timeout", 0, 600000);
        o.retries = (unsigned)ldg_opt_uint(L, 1, fn, "retries", 0, 100);
        o.concurrency = (unsigned)ldg_opt_uint(L, 1, fn, "concurrency", 0, 1000000);
        o.no_lame_check = !ldg_opt_bool(L, 1, fn, "lame_check", 1);
        o.no_saas_names = !ldg_opt_bool(L, 1, fn, "saas_names", 1);
        lua_getfield(L, 1, "dkim_selectors");
        if (lua_type(L, -1) == LUA_TTABLE) {
                size_t n = lua_rawlen(L, -1);
                f->selectors = g_new0(char *, n + 1);
                for (size_t i = 0; i < n; i++) {
                        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING)
                                luaL_error(L, "%s: option 'dkim_selectors' must hold strings", fn);
                        f->selectors[i] = g_strdup(lua_tostring(L, -1));
                        lua_pop(L, 1);
                }
                o.dkim_selectors = (const char *const *)f->selectors;
                o.ndkim_selectors = n;
        } else if (!lua_isnil(L, -1)) {
                luaL_error(L, "%s: option 'dkim_selectors' must be an array", fn);
        }
        lua_pop(L, 1);
        char *err = NULL;
        if (ldg_resolvers_opt(L, 1, fn, "resolvers", true, &f->res, &f->nres, &err) < 0) {
                lua_pushnil(L);
                lua_pushstring(L, err);
                g_free(err);
                return 2;
        }
        o.resolvers = f->res;
        o.nresolvers = f->nres;
        o.db = current_db(L);
        int rc = dg_footprint_new(&o, &f->fp);
        if (rc < 0)
                return ldg_fail(L, o.domain, dg_strerror(rc));
        return 1;
}

/* dg.footprint{domain=, resolvers=, ...} -> report | nil, message
 * Runs every phase with the core's loop (blocking). */
static int l_footprint(lua_State *L)
{
        int n = footprint_setup(L, "dnsglean.footprint");
        if (n != 1)
                return n;
        lfootprint_t *f = lua_touserdata(L, 2);
        const char *domain = ldg_opt_string(L, 1, "dnsglean.footprint", "domain");
        int rc = dg_footprint_run(f->fp, NULL);
        if (rc < 0)
                return ldg_fail(L, domain, dg_strerror(rc));
        const dg_footprint_report_t *rep = dg_footprint_report(f->fp);
        if (rep == NULL)
                return ldg_fail(L, domain, "no report");
        push_report(L, rep);
        return 1;
}

/* ---- the footprint, sans-I/O ---- */

static void footprint_sink(void *ud, dg_result_t *r)
{
        dg_footprint_add_result(ud, r);
}

static lfootprint_t *check_footprint(lua_State *L)
{
        lfootprint_t *f = luaL_checkudata(L, 1, DG_LUA_FOOTPRINT_MT);
        if (f->fp == NULL)
                luaL_error(L, "dnsglean.footprinter: footprint is closed");
        return f;
}

/* dg.footprinter{...same options as dg.footprint} -> footprint | nil, message
 * The caller drives each phase's engine (fp:engine(), its sans-I/O
 * interface), then fp:next_phase(); fp:report() at the end. */
static int l_footprinter(lua_State *L)
{
        return footprint_setup(L, "dnsglean.footprinter");
}

/* fp:engine() -> engine object of the current phase | nil when all are done.
 * Its results go to the footprint; it closes when the phase ends. */
static int l_fp_engine(lua_State *L)
{
        lfootprint_t *f = check_footprint(L);
        ldg_engine_detach(f->cur);
        f->cur = NULL;
        dg_engine_t *e = dg_footprint_engine(f->fp);
        if (e == NULL)
                return 0;
        ldg_push_borrowed_engine(L, e, footprint_sink, f->fp, 1, &f->cur);
        return 1;
}

/* fp:next_phase() -> true (another phase) | false (finished) | nil, message */
static int l_fp_next_phase(lua_State *L)
{
        lfootprint_t *f = check_footprint(L);
        ldg_engine_detach(f->cur); /* its engine is freed by the next phase */
        f->cur = NULL;
        int rc = dg_footprint_next_phase(f->fp);
        if (rc < 0)
                return ldg_fail(L, "next_phase", dg_strerror(rc));
        lua_pushboolean(L, rc == 1);
        return 1;
}

/* fp:report() -> report table | nil before the last phase ended */
static int l_fp_report(lua_State *L)
{
        lfootprint_t *f = check_footprint(L);
        const dg_footprint_report_t *rep = dg_footprint_report(f->fp);
        if (rep == NULL)
                return 0;
        push_report(L, rep);
        return 1;
}

static const luaL_Reg footprint_methods[] = {
    {"engine", l_fp_engine},
    {"next_phase", l_fp_next_phase},
    {"report", l_fp_report},
    {"close", l_footprint_gc},
    {NULL, NULL},
};

static const luaL_Reg footprint_meta[] = {
    {"__gc", l_footprint_gc},
#if DG_LUA_HAS_CLOSE
    {"__close", l_footprint_gc},
#endif
    {NULL, NULL},
};

static const luaL_Reg classify_funcs[] = {
    {"classify", l_classify},
    {"fingerprints", l_fingerprints},
    {"load_fingerprints", l_load_fingerprints},
    {"parse_spf", l_parse_spf},
    {"parse_dmarc", l_parse_dmarc},
    {"footprint", l_footprint},
    {"footprinter", l_footprinter},
    {NULL, NULL},
};

void ldg_open_classify(lua_State *L)
{
        if (luaL_newmetatable(L, DG_LUA_FPDB_MT)) {
                lua_pushcfunction(L, l_fpdb_gc);
                lua_setfield(L, -2, "__gc");
        }
        lua_pop(L, 1);
        if (luaL_newmetatable(L, DG_LUA_FOOTPRINT_MT)) {
                luaL_setfuncs(L, footprint_meta, 0);
                luaL_newlib(L, footprint_methods);
                lua_setfield(L, -2, "__index");
        }
        lua_pop(L, 1);
        luaL_setfuncs(L, classify_funcs, 0);
}
