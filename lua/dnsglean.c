/* dnsglean Lua module — `local dg = require "dnsglean"`.
 *
 * One source for Lua 5.3 and 5.4 (differences live in compat.h). The module
 * is not linked against liblua: the host (lua5.x, nmap) provides the Lua API.
 *
 * Conventions (as in Lua's own libraries): misuse -- a wrong argument type,
 * an unknown option -- raises an error; a runtime failure -- an unreadable
 * file, an unusable resolver -- returns nil and a message.
 */
#include "ldg.h"

#include <glib.h>
#include <string.h>

int ldg_fail(lua_State *L, const char *what, const char *msg)
{
        lua_pushnil(L);
        if (what)
                lua_pushfstring(L, "%s: %s", what, msg);
        else
                lua_pushstring(L, msg);
        return 2;
}

void ldg_set_str(lua_State *L, const char *k, const char *v)
{
        if (v) {
                lua_pushstring(L, v);
                lua_setfield(L, -2, k);
        }
}

void ldg_set_int(lua_State *L, const char *k, lua_Integer v)
{
        lua_pushinteger(L, v);
        lua_setfield(L, -2, k);
}

void ldg_set_bool(lua_State *L, const char *k, int v)
{
        lua_pushboolean(L, v);
        lua_setfield(L, -2, k);
}

void ldg_push_strings(lua_State *L, char *const *v, size_t n)
{
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
                lua_pushstring(L, v[i]);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
}

void ldg_check_options(lua_State *L, int idx, const char *fn, const char *const *allowed)
{
        idx = lua_absindex(L, idx);
        lua_pushnil(L);
        while (lua_next(L, idx) != 0) {
                lua_pop(L, 1); /* value */
                if (lua_type(L, -1) != LUA_TSTRING)
                        luaL_error(L, "%s: option names must be strings (got a %s)", fn,
                                   luaL_typename(L, -1));
                const char *k = lua_tostring(L, -1);
                int ok = 0;
                for (const char *const *a = allowed; *a; a++) {
                        if (strcmp(*a, k) == 0) {
                                ok = 1;
                                break;
                        }
                }
                if (!ok)
                        luaL_error(L, "%s: unknown option '%s'", fn, k);
        }
}

lua_Integer ldg_opt_uint(lua_State *L, int idx, const char *fn, const char *name, lua_Integer def,
                         lua_Integer max)
{
        lua_Integer v = def;
        lua_getfield(L, idx, name);
        if (!lua_isnil(L, -1)) {
                int isnum = 0;
                v = lua_tointegerx(L, -1, &isnum);
                if (!isnum || lua_type(L, -1) != LUA_TNUMBER)
                        luaL_error(L, "%s: option '%s' must be an integer (got %s)", fn, name,
                                   luaL_typename(L, -1));
                if (v < 0 || v > max)
                        luaL_error(L, "%s: option '%s' out of range (0..%I)", fn, name, max);
        }
        lua_pop(L, 1);
        return v;
}

int ldg_opt_bool(lua_State *L, int idx, const char *fn, const char *name, int def)
{
        int v = def;
        lua_getfield(L, idx, name);
        if (!lua_isnil(L, -1)) {
                if (lua_type(L, -1) != LUA_TBOOLEAN)
                        luaL_error(L, "%s: option '%s' must be a boolean (got %s)", fn, name,
                                   luaL_typename(L, -1));
                v = lua_toboolean(L, -1);
        }
        lua_pop(L, 1);
        return v;
}

const char *ldg_opt_string(lua_State *L, int idx, const char *fn, const char *name)
{
        const char *s = NULL;
        lua_getfield(L, idx, name);
        if (!lua_isnil(L, -1)) {
                if (lua_type(L, -1) != LUA_TSTRING)
                        luaL_error(L, "%s: option '%s' must be a string (got %s)", fn, name,
                                   luaL_typename(L, -1));
                s = lua_tostring(L, -1); /* anchored by the options table */
        }
        lua_pop(L, 1);
        return s;
}

int ldg_resolvers_opt(lua_State *L, int idx, const char *fn, const char *name, bool required,
                      dg_resolver_addr_t **out, size_t *n, char **err)
{
        *out = NULL;
        *n = 0;
        *err = NULL;
        lua_getfield(L, idx, name);
        int t = lua_type(L, -1);
        if (t == LUA_TSTRING) {
                int rc = dg_resolvers_load(lua_tostring(L, -1), out, n, err);
                if (rc < 0) {
                        char *why = *err;
                        *err = g_strdup_printf("%s: %s", name, why ? why : dg_strerror(rc));
                        g_free(why);
                }
        } else if (t == LUA_TTABLE) {
                lua_Integer cnt = (lua_Integer)lua_rawlen(L, -1);
                if (cnt == 0)
                        *err = g_strdup_printf("%s: empty list", name);
                else
                        *out = g_new0(dg_resolver_addr_t, (gsize)cnt);
                for (lua_Integer i = 1; i <= cnt && *err == NULL; i++) {
                        if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
                                luaL_error(L, "%s: option '%s': entry %I is a %s", fn, name, i,
                                           luaL_typename(L, -1));
                        const char *s = lua_tostring(L, -1);
                        if (dg_resolver_parse(s, &(*out)[*n]) < 0)
                                *err = g_strdup_printf("%s: bad address '%s'", name, s);
                        else
                                (*n)++;
                        lua_pop(L, 1);
                }
        } else if (t == LUA_TNIL) {
                /* Never a silent fallback to the system's resolvers. */
                if (required)
                        luaL_error(L, "%s: option '%s' is required", fn, name);
        } else {
                luaL_error(L, "%s: option '%s' must be a string or an array (got %s)", fn, name,
                           lua_typename(L, t));
        }
        lua_pop(L, 1);
        return *err ? -1 : 0;
}

/* dg.strerror(code) -> message of a dg_err code. */
static int l_strerror(lua_State *L)
{
        lua_pushstring(L, dg_strerror((int)luaL_checkinteger(L, 1)));
        return 1;
}

/* dg.rrtype(x): mnemonic -> number, number -> mnemonic; nil, msg if unknown. */
static int l_rrtype(lua_State *L)
{
        if (lua_type(L, 1) == LUA_TNUMBER) {
                lua_Integer t = luaL_checkinteger(L, 1);
                luaL_argcheck(L, t > 0 && t <= 65535, 1, "RR type out of range");
                lua_pushstring(L, dg_rrtype_str((uint16_t)t));
                return 1;
        }
        const char *s = luaL_checkstring(L, 1);
        int t = dg_rrtype_parse(s);
        if (t <= 0)
                return ldg_fail(L, "rrtype", "unknown RR type");
        lua_pushinteger(L, t);
        return 1;
}

static const luaL_Reg dg_funcs[] = {
    {"strerror", l_strerror},
    {"rrtype", l_rrtype},
    {NULL, NULL},
};

__attribute__((visibility("default"))) int luaopen_dnsglean(lua_State *L)
{
        luaL_newlib(L, dg_funcs); /* also checks the host's Lua version */
        lua_pushstring(L, dg_version());
        lua_setfield(L, -2, "version");
        lua_pushliteral(L, DG_LUA_ABI);
        lua_setfield(L, -2, "_LUA_ABI");
        ldg_open_engine(L);
        ldg_open_udp(L);
        ldg_open_classify(L);
        ldg_open_xfr(L);
        ldg_open_detect(L);
        /* The wordlist installed with the library (may not exist when the
         * module is used from a build tree). */
        lua_pushliteral(L, DG_DATADIR "/wordlist.txt");
        lua_setfield(L, -2, "default_wordlist");
        return 1;
}
