/* dnsglean Lua module — dg.axfr{...} (zone transfer) and dg.walk{...}
 * (NSEC / NSEC3 zone walking), blocking, against one server.
 */
#include "ldg.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "dnsglean/axfr.h"
#include "dnsglean/walk.h"
#include "dnsglean/xfr_io.h"

#define DG_LUA_AXFR_MT "dnsglean.axfr"
#define DG_LUA_WALK_MT "dnsglean.walk"

/* Both functions keep their C object in a userdata while they run, so that
 * an error raised while building the result still frees it (__gc). */
typedef struct {
        void *obj;
} lbox_t;

static int l_axfr_gc(lua_State *L)
{
        lbox_t *b = luaL_checkudata(L, 1, DG_LUA_AXFR_MT);
        dg_axfr_free(b->obj);
        b->obj = NULL;
        return 0;
}

static int l_walk_gc(lua_State *L)
{
        lbox_t *b = luaL_checkudata(L, 1, DG_LUA_WALK_MT);
        dg_walk_free(b->obj);
        b->obj = NULL;
        return 0;
}

static void push_types(lua_State *L, const uint16_t *t, size_t n)
{
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
                lua_pushstring(L, dg_rrtype_str(t[i]));
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
}

/* Reads option `server` ("addr[:port]"; a name is not resolved). Raises when
 * absent; returns 0, or -1 after pushing nil, message for a bad address. */
static int server_opt(lua_State *L, const char *fn, dg_resolver_addr_t *a)
{
        const char *s = ldg_opt_string(L, 1, fn, "server");
        if (s == NULL)
                luaL_error(L, "%s: option 'server' is required (an address: nothing is resolved)",
                           fn);
        if (dg_resolver_parse(s, a) < 0) {
                lua_pushnil(L);
                lua_pushfstring(L, "server: bad address '%s'", s);
                return -1;
        }
        return 0;
}

static const char *const axfr_opts[] = {"domain", "server", "timeout", "max_records", NULL};

/* dg.axfr{domain=, server=, timeout=, max_records=}
 * -> {records={{owner=, type=, ttl=, rdata=}...}, serial=, messages=, bytes=}
 *    | nil, message (refused, closed, timed out, ...) */
static int l_axfr(lua_State *L)
{
        static const char *const fn = "dnsglean.axfr";
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        ldg_check_options(L, 1, fn, axfr_opts);
        lbox_t *b = dg_newudata(L, sizeof *b);
        b->obj = NULL;
        luaL_setmetatable(L, DG_LUA_AXFR_MT);

        const char *domain = ldg_opt_string(L, 1, fn, "domain");
        if (domain == NULL)
                luaL_error(L, "%s: option 'domain' is required", fn);
        dg_axfr_opts_t o;
        dg_axfr_opts_init(&o);
        o.timeout_ms = (unsigned)ldg_opt_uint(L, 1, fn, "timeout", 0, 3600000);
        o.max_records = (uint64_t)ldg_opt_uint(L, 1, fn, "max_records", 0, LUA_MAXINTEGER);
        dg_resolver_addr_t srv;
        if (server_opt(L, fn, &srv) < 0)
                return 2;
        dg_axfr_t *x = NULL;
        int rc = dg_axfr_new(domain, &o, &x);
        if (rc < 0)
                return ldg_fail(L, domain, dg_strerror(rc));
        b->obj = x;
        rc = dg_axfr_run(x, (const struct sockaddr *)&srv.ss, srv.sslen, NULL);
        if (rc != DG_AXFR_DONE) {
                const char *m = dg_axfr_errmsg(x);
                return ldg_fail(L, domain, m && *m ? m : dg_strerror(rc));
        }
        size_t n = dg_axfr_count(x);
        dg_axfr_info_t info;
        dg_axfr_info(x, &info);
        lua_createtable(L, 0, 4);
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
                const dg_axfr_rr_t *rr = dg_axfr_record(x, i);
                lua_createtable(L, 0, 4);
                ldg_set_str(L, "owner", rr->owner);
                ldg_set_str(L, "type", dg_rrtype_str(rr->type));
                ldg_set_int(L, "ttl", rr->ttl);
                ldg_set_str(L, "rdata", rr->rdata);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "records");
        ldg_set_int(L, "serial", info.serial);
        ldg_set_int(L, "messages", (lua_Integer)info.messages);
        ldg_set_int(L, "bytes", (lua_Integer)info.bytes);
        dg_axfr_free(x);
        b->obj = NULL;
        return 1;
}

/* Tries the labels of option `words` against the NSEC3 hashes collected. */
static void crack_words(lua_State *L, dg_walk_t *w)
{
        lua_getfield(L, 1, "words");
        if (lua_type(L, -1) == LUA_TTABLE) {
                lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
                for (lua_Integer i = 1; i <= n; i++) {
                        size_t len;
                        lua_rawgeti(L, -1, i);
                        const char *s = lua_tolstring(L, -1, &len);
                        if (s && len > 0 && len <= 63)
                                dg_walk_crack(w, s, len);
                        lua_pop(L, 1);
                }
        }
        lua_pop(L, 1);
}

/* Sets field `names` of the table on top: the NSEC chain. */
static void push_walk_names(lua_State *L, dg_walk_t *w)
{
        const dg_walk_name_t *names = NULL;
        size_t nn = dg_walk_names(w, &names);
        lua_createtable(L, (int)nn, 0);
        for (size_t i = 0; i < nn; i++) {
                lua_createtable(L, 0, 3);
                ldg_set_str(L, "name", names[i].name);
                ldg_set_str(L, "next", names[i].next);
                push_types(L, names[i].types, names[i].ntypes);
                lua_setfield(L, -2, "types");
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "names");
}

/* Sets field `hashes` of the table on top: the NSEC3 ring. */
static void push_walk_hashes(lua_State *L, dg_walk_t *w)
{
        const dg_walk_hash_t *hashes = NULL;
        size_t nh = dg_walk_hashes(w, &hashes);
        lua_createtable(L, (int)nh, 0);
        for (size_t i = 0; i < nh; i++) {
                char h[128], nx[128];
                if (dg_nsec3_hash_str(hashes[i].hash, hashes[i].hashlen, h, sizeof h) < 0)
                        h[0] = '\0';
                if (dg_nsec3_hash_str(hashes[i].next, hashes[i].hashlen, nx, sizeof nx) < 0)
                        nx[0] = '\0';
                lua_createtable(L, 0, 5);
                ldg_set_str(L, "hash", h);
                ldg_set_str(L, "next", nx);
                lua_pushboolean(L, hashes[i].flags & 1);
                lua_setfield(L, -2, "optout");
                push_types(L, hashes[i].types, hashes[i].ntypes);
                lua_setfield(L, -2, "types");
                ldg_set_str(L, "name", hashes[i].name);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "hashes");
}

/* Sets fields `nsec3` (parameters) and `coverage` of the table on top, when
 * the zone has NSEC3. */
static void push_walk_nsec3(lua_State *L, dg_walk_t *w)
{
        dg_nsec3_params_t p;
        if (dg_walk_nsec3_params(w, &p) == DG_OK) {
                char salt[2 * 255 + 1];
                for (unsigned i = 0; i < p.saltlen; i++)
                        snprintf(salt + 2 * i, 3, "%02x", p.salt[i]);
                salt[2 * p.saltlen] = '\0';
                lua_createtable(L, 0, 4);
                ldg_set_int(L, "algorithm", p.alg);
                ldg_set_int(L, "iterations", p.iterations);
                ldg_set_str(L, "salt", p.saltlen ? salt : "-");
                lua_pushboolean(L, p.optout);
                lua_setfield(L, -2, "optout");
                lua_setfield(L, -2, "nsec3");
                lua_pushnumber(L, dg_walk_coverage(w));
                lua_setfield(L, -2, "coverage");
        }
}

static const char *const walk_opts[] = {"domain",      "server", "timeout", "retries",
                                        "max_queries", "words",  NULL};

/* dg.walk{domain=, server=, timeout=, retries=, max_queries=, words=}
 * -> {kind=, status=, message=, queries=, names={...} (NSEC),
 *     hashes={...}, nsec3={...}, coverage= (NSEC3)} | nil, message
 * words (array of labels) are tried against the NSEC3 hashes collected. */
static int l_walk(lua_State *L)
{
        static const char *const fn = "dnsglean.walk";
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        ldg_check_options(L, 1, fn, walk_opts);
        lbox_t *b = dg_newudata(L, sizeof *b);
        b->obj = NULL;
        luaL_setmetatable(L, DG_LUA_WALK_MT);

        const char *domain = ldg_opt_string(L, 1, fn, "domain");
        if (domain == NULL)
                luaL_error(L, "%s: option 'domain' is required", fn);
        dg_walk_opts_t o;
        dg_walk_opts_init(&o);
        o.timeout_ms = (unsigned)ldg_opt_uint(L, 1, fn, "timeout", 0, 600000);
        o.retries = (unsigned)ldg_opt_uint(L, 1, fn, "retries", 0, 100);
        o.max_queries = (unsigned)ldg_opt_uint(L, 1, fn, "max_queries", 0, 100000000);
        lua_getfield(L, 1, "words");
        if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TTABLE)
                luaL_error(L, "%s: option 'words' must be an array of labels", fn);
        lua_pop(L, 1);
        dg_resolver_addr_t srv;
        if (server_opt(L, fn, &srv) < 0)
                return 2;
        dg_walk_t *w = NULL;
        int rc = dg_walk_new(domain, &o, &w);
        if (rc < 0)
                return ldg_fail(L, domain, dg_strerror(rc));
        b->obj = w;
        rc = dg_walk_run(w, (const struct sockaddr *)&srv.ss, srv.sslen, NULL);
        if (rc < 0)
                return ldg_fail(L, domain, dg_strerror(rc));
        if (dg_walk_kind(w) == DG_WALK_KIND_NSEC3)
                crack_words(L, w);

        lua_createtable(L, 0, 8);
        ldg_set_str(L, "kind", dg_walk_kind_str(dg_walk_kind(w)));
        ldg_set_str(L, "status", dg_walk_status_str(dg_walk_status(w)));
        ldg_set_str(L, "message", dg_walk_errmsg(w));
        ldg_set_int(L, "queries", (lua_Integer)dg_walk_queries(w));
        push_walk_names(L, w);
        push_walk_hashes(L, w);
        push_walk_nsec3(L, w);
        dg_walk_free(w);
        b->obj = NULL;
        return 1;
}

static const luaL_Reg xfr_funcs[] = {
    {"axfr", l_axfr},
    {"walk", l_walk},
    {NULL, NULL},
};

void ldg_open_xfr(lua_State *L)
{
        if (luaL_newmetatable(L, DG_LUA_AXFR_MT)) {
                lua_pushcfunction(L, l_axfr_gc);
                lua_setfield(L, -2, "__gc");
        }
        lua_pop(L, 1);
        if (luaL_newmetatable(L, DG_LUA_WALK_MT)) {
                lua_pushcfunction(L, l_walk_gc);
                lua_setfield(L, -2, "__gc");
        }
        lua_pop(L, 1);
        luaL_setfuncs(L, xfr_funcs, 0);
}
