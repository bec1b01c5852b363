/* dnsglean Lua module — dg.detector{...}: the passive reconnaissance
 * detector (the Wireshark plugin's logic) for scripts that read captures.
 *
 *     local d = dg.detector{window = 60}
 *     local tags, info = d:observe(time, "192.0.2.7", "192.0.2.53", dns_bytes)
 */
#include "ldg.h"

#include <arpa/inet.h>
#include <string.h>

#include "dnsglean/detect.h"

#define DG_LUA_DETECTOR_MT "dnsglean.detector"

typedef struct {
        dg_detector_t *det;
} ldetector_t;

static int l_detector_gc(lua_State *L)
{
        ldetector_t *d = luaL_checkudata(L, 1, DG_LUA_DETECTOR_MT);
        dg_detect_free(d->det);
        d->det = NULL;
        return 0;
}

static ldetector_t *check_detector(lua_State *L)
{
        ldetector_t *d = luaL_checkudata(L, 1, DG_LUA_DETECTOR_MT);
        if (d->det == NULL)
                luaL_error(L, "dnsglean.detector: detector is closed");
        return d;
}

static const char *const detector_opts[] = {
    "window",      "brute_names",      "brute_nx_ratio", "srv_names", "ptr_names",   "nsec_steps",
    "snoop_names", "wildcard_min_len", "max_sources",    "classify",  "nsec3_names", "tld_parents",
    NULL,
};

static double opt_number(lua_State *L, const char *name, double def)
{
        double v = def;
        lua_getfield(L, 1, name);
        if (!lua_isnil(L, -1)) {
                if (lua_type(L, -1) != LUA_TNUMBER)
                        luaL_error(L, "dnsglean.detector: option '%s' must be a number", name);
                v = lua_tonumber(L, -1);
        }
        lua_pop(L, 1);
        return v;
}

/* dg.detector{...} -> detector | nil, message */
static int l_detector_new(lua_State *L)
{
        static const char *const fn = "dnsglean.detector";
        if (lua_isnoneornil(L, 1)) {
                lua_settop(L, 0);
                lua_newtable(L);
        }
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        ldg_check_options(L, 1, fn, detector_opts);
        ldetector_t *d = dg_newudata(L, sizeof *d);
        d->det = NULL;
        luaL_setmetatable(L, DG_LUA_DETECTOR_MT);
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        o.window = opt_number(L, "window", o.window);
        o.brute_nx_ratio = opt_number(L, "brute_nx_ratio", o.brute_nx_ratio);
        o.brute_names = (unsigned)ldg_opt_uint(L, 1, fn, "brute_names", o.brute_names, 1000000);
        o.srv_names = (unsigned)ldg_opt_uint(L, 1, fn, "srv_names", o.srv_names, 1000000);
        o.ptr_names = (unsigned)ldg_opt_uint(L, 1, fn, "ptr_names", o.ptr_names, 1000000);
        o.nsec_steps = (unsigned)ldg_opt_uint(L, 1, fn, "nsec_steps", o.nsec_steps, 1000000);
        o.snoop_names = (unsigned)ldg_opt_uint(L, 1, fn, "snoop_names", o.snoop_names, 1000000);
        o.wildcard_min_len =
            (unsigned)ldg_opt_uint(L, 1, fn, "wildcard_min_len", o.wildcard_min_len, 63);
        o.max_sources = (unsigned)ldg_opt_uint(L, 1, fn, "max_sources", o.max_sources, 100000000);
        o.nsec3_names = (unsigned)ldg_opt_uint(L, 1, fn, "nsec3_names", o.nsec3_names, 100000);
        o.tld_parents = (unsigned)ldg_opt_uint(L, 1, fn, "tld_parents", o.tld_parents, 100000);
        o.classify = ldg_opt_bool(L, 1, fn, "classify", o.classify);
        int rc = dg_detect_new(&o, &d->det);
        if (rc < 0)
                return ldg_fail(L, fn,
                                rc == DG_EINVAL ? "a threshold is zero or the window <= 0"
                                                : dg_strerror(rc));
        return 1;
}

/* Parses an IPv4/IPv6 address argument (nil: unknown). Raises if malformed. */
static void check_addr(lua_State *L, int idx, dg_detect_addr_t *a)
{
        memset(a, 0, sizeof *a);
        if (lua_isnoneornil(L, idx))
                return;
        const char *s = luaL_checkstring(L, idx);
        if (inet_pton(AF_INET, s, a->addr) == 1)
                a->family = 4;
        else if (inet_pton(AF_INET6, s, a->addr) == 1)
                a->family = 6;
        else
                luaL_argerror(L, idx, "not an IPv4 or IPv6 address");
}

static void push_addr(lua_State *L, const dg_detect_addr_t *a)
{
        char buf[64];
        if (dg_detect_addr_str(a, buf, sizeof buf) < 0)
                lua_pushliteral(L, "?");
        else
                lua_pushstring(L, buf);
}

/* d:observe(time, src, dst, bytes)
 * -> tags (array of words), {response=, source=, score=, providers={...}}
 *    | nil, message (not a DNS message) */
static int l_observe(lua_State *L)
{
        ldetector_t *d = check_detector(L);
        double t = luaL_checknumber(L, 2);
        dg_detect_addr_t src, dst;
        check_addr(L, 3, &src);
        check_addr(L, 4, &dst);
        size_t len;
        const char *msg = luaL_checklstring(L, 5, &len);
        dg_detect_result_t r;
        int rc = dg_detect_observe(d->det, t, &src, &dst, (const uint8_t *)msg, len, &r);
        if (rc < 0)
                return ldg_fail(L, "observe", dg_strerror(rc));
        lua_newtable(L);
        lua_Integer n = 0;
        for (int i = 0; i < DG_TAG_COUNT_; i++) {
                if (r.tags & DG_TAG_BIT(i)) {
                        lua_pushstring(L, dg_detect_tag_name((dg_tag_t)i));
                        lua_rawseti(L, -2, ++n);
                }
        }
        lua_createtable(L, 0, 4);
        lua_pushboolean(L, r.response);
        lua_setfield(L, -2, "response");
        push_addr(L, &r.source);
        lua_setfield(L, -2, "source");
        lua_pushinteger(L, r.source_score);
        lua_setfield(L, -2, "score");
        lua_createtable(L, (int)r.nproviders, 0);
        for (unsigned i = 0; i < r.nproviders && i < DG_DETECT_MAX_PROVIDERS; i++) {
                lua_createtable(L, 0, 2);
                lua_pushstring(L, r.providers[i].name);
                lua_setfield(L, -2, "name");
                lua_pushstring(L, r.providers[i].category);
                lua_setfield(L, -2, "category");
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "providers");
        return 2;
}

static int push_source(void *ud, const dg_detect_source_t *s)
{
        lua_State *L = ud;
        lua_createtable(L, 0, 9);
        push_addr(L, &s->addr);
        lua_setfield(L, -2, "address");
        lua_pushinteger(L, (lua_Integer)s->queries);
        lua_setfield(L, -2, "queries");
        lua_pushinteger(L, (lua_Integer)s->responses);
        lua_setfield(L, -2, "responses");
        lua_pushinteger(L, (lua_Integer)s->nxdomain);
        lua_setfield(L, -2, "nxdomain");
        lua_pushinteger(L, (lua_Integer)s->malformed);
        lua_setfield(L, -2, "malformed");
        lua_pushinteger(L, s->score);
        lua_setfield(L, -2, "score");
        lua_pushnumber(L, s->first);
        lua_setfield(L, -2, "first");
        lua_pushnumber(L, s->last);
        lua_setfield(L, -2, "last");
        lua_newtable(L);
        for (int i = 0; i < DG_TAG_COUNT_; i++) {
                if (s->tag_counts[i]) {
                        lua_pushinteger(L, (lua_Integer)s->tag_counts[i]);
                        lua_setfield(L, -2, dg_detect_tag_name((dg_tag_t)i));
                }
        }
        lua_setfield(L, -2, "tags");
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        return 0;
}

/* d:sources() -> array of per-source summaries, in first-seen order */
static int l_sources(lua_State *L)
{
        ldetector_t *d = check_detector(L);
        lua_newtable(L);
        luaL_checkstack(L, 8, NULL);
        dg_detect_foreach_source(d->det, push_source, L);
        return 1;
}

/* d:messages() -> messages observed, sources not tracked */
static int l_messages(lua_State *L)
{
        ldetector_t *d = check_detector(L);
        lua_pushinteger(L, (lua_Integer)dg_detect_messages(d->det));
        lua_pushinteger(L, (lua_Integer)dg_detect_untracked(d->det));
        return 2;
}

static const luaL_Reg detector_methods[] = {
    {"observe", l_observe},   {"sources", l_sources}, {"messages", l_messages},
    {"close", l_detector_gc}, {NULL, NULL},
};

static const luaL_Reg detector_meta[] = {
    {"__gc", l_detector_gc},
#if DG_LUA_HAS_CLOSE
    {"__close", l_detector_gc},
#endif
    {NULL, NULL},
};

void ldg_open_detect(lua_State *L)
{
        if (luaL_newmetatable(L, DG_LUA_DETECTOR_MT)) {
                luaL_setfuncs(L, detector_meta, 0);
                luaL_newlib(L, detector_methods);
                lua_setfield(L, -2, "__index");
        }
        lua_pop(L, 1);
        lua_pushcfunction(L, l_detector_new);
        lua_setfield(L, -2, "detector");
}
