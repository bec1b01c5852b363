/* dnsglean Lua module — dg.engine{...}: the core's enumeration engine.
 *
 * Two ways to drive one engine object (not both on the same object):
 *   blocking:  for r in e:results() do ... end   (the core's loop.h driver)
 *   in slices: e:step(ms) then e:next_result()   (the same driver, returning
 *              after about ms milliseconds so the caller can yield)
 *   sans-I/O:  e:next_query() / e:feed() / e:tick() / e:next_result()
 *              (the caller moves the datagrams: an NSE script through Nmap's
 *              sockets, a custom loop through dg.udp(), ...)
 */
#include "ldg.h"

#include <errno.h>
#include <stddef.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN "dnsglean.engine"

enum { WORDS_NONE, WORDS_FILE, WORDS_TABLE, WORDS_FUNC };
enum { DRIVER_NONE, DRIVER_SANSIO, DRIVER_LOOP };

typedef struct {
        dg_engine_t *eng;
        dg_loop_t *loop;
        dg_resolver_addr_t *res; /* g_malloc'd: option resolvers */
        size_t nres;
        dg_resolver_addr_t *trusted; /* g_malloc'd: option trusted */
        size_t ntrusted;
        uint16_t *types; /* g_malloc'd */
        size_t ntypes;
        int driver;
        /* the word source */
        int wkind;
        FILE *wf;
        char *line; /* getline buffer (malloc'd) */
        size_t linecap;
        lua_Integer widx;
        bool wfunc;          /* the words come from a Lua function (cached for rewinds) */
        lua_Integer wcached; /* words read from it so far */
        char wbuf[DG_NAME_STR_MAX];
        /* Lua state of the method call in progress: the word callback runs
         * inside dg_engine_next_query/dg_loop_step, below that call, and finds
         * the engine userdata at index udidx of that call's stack. */
        lua_State *L;
        int udidx;
        char *werr; /* g_malloc'd message of a failed words iterator */
        /* A borrowed engine belongs to someone else (a footprint phase): it
         * is not freed here, its results go to sink, and the owner's
         * backref to this wrapper is cleared when the wrapper goes. */
        bool borrowed;
        ldg_result_sink sink;
        void *sink_ud;
        void **backref;
} lengine_t;

static const char *const engine_opts[] = {
    "domain",   "words",       "lookups",      "resolvers",   "types",     "retries",
    "timeout",  "concurrency", "per_resolver", "qps",         "recursive", "shard",
    "validate", "wildcard",    "rd",           "sockets",     "seed",      "resume",
    "edns",     "log",         "trusted",      "trusted_qps", NULL,
};

/* ---- lifetime ---- */

static void engine_release(lengine_t *le)
{
        dg_loop_free(le->loop);
        le->loop = NULL;
        if (!le->borrowed)
                dg_engine_free(le->eng);
        le->eng = NULL;
        if (le->backref && *le->backref == le)
                *le->backref = NULL;
        le->backref = NULL;
        if (le->wf)
                fclose(le->wf);
        le->wf = NULL;
        free(le->line);
        le->line = NULL;
        g_free(le->res);
        le->res = NULL;
        g_free(le->trusted);
        le->trusted = NULL;
        g_free(le->types);
        le->types = NULL;
        g_free(le->werr);
        le->werr = NULL;
        le->wkind = WORDS_NONE;
}

/* __gc, __close and e:close(): idempotent. */
static int l_engine_gc(lua_State *L)
{
        lengine_t *le = luaL_checkudata(L, 1, DG_LUA_ENGINE_MT);
        engine_release(le);
        return 0;
}

static lengine_t *check_engine(lua_State *L)
{
        lengine_t *le = luaL_checkudata(L, 1, DG_LUA_ENGINE_MT);
        if (le->eng == NULL)
                luaL_error(L, FN ": engine is closed");
        le->L = L;
        le->udidx = 1;
        return le;
}

static int l_engine_tostring(lua_State *L)
{
        lengine_t *le = luaL_checkudata(L, 1, DG_LUA_ENGINE_MT);
        if (le->eng == NULL)
                lua_pushliteral(L, "dnsglean.engine (closed)");
        else
                lua_pushfstring(L, "dnsglean.engine (%p)", (void *)le);
        return 1;
}

/* ---- word sources ---- */

static void set_werr(lengine_t *le, const char *msg)
{
        if (le->werr == NULL)
                le->werr = g_strdup(msg);
}

static int words_cb(void *ud, const char **word, size_t *len)
{
        lengine_t *le = ud;
        lua_State *L = le->L;
        size_t n = 0;
        const char *s = NULL;

        if (le->wkind == WORDS_FILE) {
                ssize_t got = getline(&le->line, &le->linecap, le->wf);
                if (got < 0) {
                        if (ferror(le->wf)) {
                                set_werr(le, "words: read error");
                                return DG_EIO;
                        }
                        return 0;
                }
                while (got > 0 && (le->line[got - 1] == '\n' || le->line[got - 1] == '\r'))
                        got--;
                le->line[got] = '\0';
                *word = le->line;
                *len = (size_t)got;
                return 1;
        }
        if (L == NULL || le->wkind == WORDS_NONE)
                return 0;
        dg_getuv(L, le->udidx);
        lua_getfield(L, -1, "words");
        if (le->wkind == WORDS_TABLE) {
                if (lua_rawgeti(L, -1, ++le->widx) == LUA_TNIL) {
                        lua_pop(L, 3);
                        return 0;
                }
        } else if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
                set_werr(le, lua_tostring(L, -1) ? lua_tostring(L, -1) : "words iterator failed");
                lua_pop(L, 2);
                return DG_EINVAL;
        } else if (lua_isnil(L, -1)) {
                lua_pop(L, 2);
                le->wkind = WORDS_NONE; /* an exhausted iterator is not called again */
                return 0;
        }
        if (lua_type(L, -1) != LUA_TSTRING) {
                char msg[96];
                snprintf(msg, sizeof msg, "words: expected strings, got a %s",
                         luaL_typename(L, -1));
                set_werr(le, msg);
                lua_settop(L, lua_gettop(L) - (le->wkind == WORDS_TABLE ? 3 : 2));
                return DG_EINVAL;
        }
        if (le->wkind == WORDS_FUNC) {
                /* keep it for a rewind (recursion, resume): a function
                 * cannot be restarted */
                dg_getuv(L, le->udidx);
                lua_getfield(L, -1, "wcache");
                lua_pushvalue(L, -3);
                lua_rawseti(L, -2, ++le->wcached);
                lua_pop(L, 2);
        }
        s = lua_tolstring(L, -1, &n);
        if (n >= sizeof le->wbuf)
                n = sizeof le->wbuf - 1; /* still an invalid name: the engine skips it */
        memcpy(le->wbuf, s, n);
        le->wbuf[n] = '\0';
        lua_pop(L, le->wkind == WORDS_TABLE ? 3 : 2);
        *word = le->wbuf;
        *len = n;
        return 1;
}

/* The engine's log messages go to the `log` option's function as
 * log(level, message), level "error", "warn", "info" or "debug". */
static void log_cb(void *ud, int level, const char *msg)
{
        static const char *const names[] = {"error", "warn", "info", "debug"};
        lengine_t *le = ud;
        lua_State *L = le->L;
        if (L == NULL || le->werr)
                return;
        dg_getuv(L, le->udidx);
        lua_getfield(L, -1, "log");
        lua_pushstring(L, level >= 0 && level <= 3 ? names[level] : "debug");
        lua_pushstring(L, msg);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
                set_werr(le, lua_tostring(L, -1) ? lua_tostring(L, -1) : "log function failed");
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
}

/* Back to the first word (the engine's recursion and resume need it). */
static int words_rewind(void *ud)
{
        lengine_t *le = ud;
        lua_State *L = le->L;
        switch (le->wkind) {
        case WORDS_FILE:
                clearerr(le->wf);
                return fseek(le->wf, 0, SEEK_SET) == 0 ? DG_OK : DG_EIO;
        case WORDS_TABLE:
                le->widx = 0;
                return DG_OK;
        case WORDS_FUNC:
                if (le->wcached == 0)
                        return DG_OK; /* nothing read yet */
                set_werr(le, "words: a function can be rewound only once it has ended");
                return DG_EINVAL;
        default:
                if (!le->wfunc || L == NULL)
                        return DG_OK;
                /* the function has ended: go on with the words it gave */
                dg_getuv(L, le->udidx);
                lua_getfield(L, -1, "wcache");
                lua_setfield(L, -2, "words");
                lua_pop(L, 1);
                le->wkind = WORDS_TABLE;
                le->widx = 0;
                return DG_OK;
        }
}

/* After any call into the engine: a failing words iterator is the caller's
 * error, raised in the caller's frame (as io.lines does). */
static void raise_werr(lua_State *L, lengine_t *le)
{
        if (le->werr) {
                lua_pushfstring(L, FN ": %s", le->werr);
                g_free(le->werr);
                le->werr = NULL;
                lua_error(L);
        }
}

/* ---- options ---- */

/* Integer options stored in unsigned fields of dg_engine_opts_t. */
static const struct {
        const char *name;
        size_t off;
        lua_Integer max;
} uint_opts[] = {
    {"retries", offsetof(dg_engine_opts_t, retries), 100},
    {"timeout", offsetof(dg_engine_opts_t, timeout_ms), 600000},
    {"concurrency", offsetof(dg_engine_opts_t, concurrency), 1000000},
    {"per_resolver", offsetof(dg_engine_opts_t, per_resolver), 1000000},
    {"sockets", offsetof(dg_engine_opts_t, nsockets), 1024},
};

/* Boolean options stored in bool fields; invert: the field says "no_". */
static const struct {
        const char *name;
        size_t off;
        bool invert;
} bool_opts[] = {
    {"validate", offsetof(dg_engine_opts_t, no_validate), true},
    {"wildcard", offsetof(dg_engine_opts_t, no_wildcard), true},
    {"rd", offsetof(dg_engine_opts_t, no_rd), true},
    {"edns", offsetof(dg_engine_opts_t, edns), false},
};

/* Reads optional non-negative number option `name` into *out (kept when absent);
 * returns whether it was given. */
static bool opt_rate(lua_State *L, const char *name, double *out)
{
        lua_getfield(L, 1, name);
        bool given = !lua_isnil(L, -1);
        if (given) {
                if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) < 0)
                        luaL_error(L, FN ": option '%s' must be a non-negative number", name);
                *out = (double)lua_tonumber(L, -1);
        }
        lua_pop(L, 1);
        return given;
}

/* The table-driven options, `seed`, `qps` and `recursive` (true = one level). */
static void parse_scalars(lua_State *L, dg_engine_opts_t *o)
{
        if (o->nsockets == 0)
                o->nsockets = 1;
        for (size_t i = 0; i < G_N_ELEMENTS(uint_opts); i++) {
                unsigned *f = (unsigned *)(void *)((char *)o + uint_opts[i].off);
                *f = (unsigned)ldg_opt_uint(L, 1, FN, uint_opts[i].name, *f, uint_opts[i].max);
        }
        if (o->nsockets == 0)
                luaL_error(L, FN ": option 'sockets' must be at least 1");
        for (size_t i = 0; i < G_N_ELEMENTS(bool_opts); i++) {
                bool *f = (bool *)(void *)((char *)o + bool_opts[i].off);
                int def = bool_opts[i].invert ? !*f : *f;
                int v = ldg_opt_bool(L, 1, FN, bool_opts[i].name, def);
                *f = bool_opts[i].invert ? !v : v;
        }
        lua_getfield(L, 1, "retries");
        o->fixed_retries = !lua_isnil(L, -1); /* given: exact; absent: adaptive */
        lua_pop(L, 1);
        o->seed = (uint64_t)ldg_opt_uint(L, 1, FN, "seed", 0, LUA_MAXINTEGER);
        opt_rate(L, "qps", &o->qps);
        lua_getfield(L, 1, "recursive");
        bool recursive_bool = lua_type(L, -1) == LUA_TBOOLEAN;
        o->recursive = lua_toboolean(L, -1) ? 1 : 0;
        lua_pop(L, 1);
        if (!recursive_bool)
                o->recursive = (unsigned)ldg_opt_uint(L, 1, FN, "recursive", 0, 16);
}

/* Option `log`: a function(level, message), kept alive in the user value. */
static void parse_log(lua_State *L, lengine_t *le, dg_engine_opts_t *o)
{
        lua_getfield(L, 1, "log");
        if (lua_type(L, -1) == LUA_TFUNCTION) {
                dg_getuv(L, 2);
                lua_pushvalue(L, -2);
                lua_setfield(L, -2, "log");
                lua_pop(L, 1);
                o->log = log_cb;
                o->log_ud = le;
        } else if (!lua_isnil(L, -1)) {
                luaL_error(L, FN ": option 'log' must be a function");
        }
        lua_pop(L, 1);
}

/* Option `shard`: "K/N". */
static void parse_shard(lua_State *L, dg_engine_opts_t *o)
{
        lua_getfield(L, 1, "shard");
        if (lua_type(L, -1) == LUA_TSTRING) {
                unsigned k = 0, n = 0;
                char extra;
                if (sscanf(lua_tostring(L, -1), "%u/%u%c", &k, &n, &extra) != 2 || k < 1 || k > n)
                        luaL_error(L, FN ": option 'shard' must be \"K/N\" with 1 <= K <= N");
                o->shard_k = k;
                o->shard_n = n;
        } else if (!lua_isnil(L, -1)) {
                luaL_error(L, FN ": option 'shard' must be a string \"K/N\" (got %s)",
                           luaL_typename(L, -1));
        }
        lua_pop(L, 1);
}

/* Parses option `types` (string "A,AAAA" or array of names/numbers) into a
 * (on failure *bad names the culprit). */
static void types_from_string(const char *s, GArray *a, char *bad, size_t badlen)
{
        char **parts = g_strsplit_set(s, ", ", -1);
        for (char **p = parts; *p; p++) {
                if (**p == '\0')
                        continue;
                int v = dg_rrtype_parse(*p);
                if (v <= 0) {
                        g_strlcpy(bad, *p, badlen);
                        break;
                }
                uint16_t u = (uint16_t)v;
                g_array_append_val(a, u);
        }
        g_strfreev(parts);
}

static void types_from_table(lua_State *L, GArray *a, char *bad, size_t badlen)
{
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n && !bad[0]; i++) {
                lua_rawgeti(L, -1, i);
                int v = -1;
                if (lua_type(L, -1) == LUA_TSTRING) {
                        v = dg_rrtype_parse(lua_tostring(L, -1));
                        if (v <= 0)
                                g_strlcpy(bad, lua_tostring(L, -1), badlen);
                } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0 &&
                           lua_tointeger(L, -1) <= 65535) {
                        v = (int)lua_tointeger(L, -1);
                } else {
                        g_strlcpy(bad, luaL_typename(L, -1), badlen);
                }
                lua_pop(L, 1);
                if (v > 0) {
                        uint16_t u = (uint16_t)v;
                        g_array_append_val(a, u);
                }
        }
}

/* Option `types`: "A,AAAA" or an array of names/numbers, into le and o. */
static void parse_types(lua_State *L, lengine_t *le, dg_engine_opts_t *o)
{
        lua_getfield(L, 1, "types");
        int t = lua_type(L, -1);
        if (t == LUA_TNIL) {
                lua_pop(L, 1);
                return;
        }
        if (t != LUA_TSTRING && t != LUA_TTABLE)
                luaL_error(L, FN ": option 'types' must be a string or an array (got %s)",
                           lua_typename(L, t));
        GArray *a = g_array_new(FALSE, FALSE, sizeof(uint16_t));
        char bad[64] = "";
        if (t == LUA_TSTRING)
                types_from_string(lua_tostring(L, -1), a, bad, sizeof bad);
        else
                types_from_table(L, a, bad, sizeof bad);
        if (bad[0] || a->len == 0) {
                g_array_free(a, TRUE);
                if (bad[0])
                        luaL_error(L, FN ": option 'types': unknown RR type '%s'", bad);
                luaL_error(L, FN ": option 'types' is empty");
        }
        le->ntypes = a->len;
        le->types = (uint16_t *)(void *)g_array_free(a, FALSE);
        lua_pop(L, 1);
        o->types = le->types;
        o->ntypes = le->ntypes;
}

/* Options `words` (brute mode) or `lookups` (lookup mode): sets the mode and
 * the word source; a words table or function is kept in the user value.
 * Returns the wordlist path (words = string) or NULL; *lookups: the mode is
 * lookup. */
static const char *parse_words(lua_State *L, lengine_t *le, dg_engine_opts_t *o, bool *lookups)
{
        lua_getfield(L, 1, "lookups");
        int lt = lua_type(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, 1, "words");
        int wt = lua_type(L, -1);
        if (wt != LUA_TNIL && lt != LUA_TNIL)
                luaL_error(L, FN ": options 'words' and 'lookups' exclude each other");
        if (wt == LUA_TNIL && lt == LUA_TNIL)
                luaL_error(L, FN ": option 'words' (or 'lookups') is required");
        if (lt != LUA_TNIL && lt != LUA_TTABLE)
                luaL_error(L, FN ": option 'lookups' must be an array of {name, type}");
        if (wt != LUA_TNIL && wt != LUA_TSTRING && wt != LUA_TTABLE && wt != LUA_TFUNCTION)
                luaL_error(L, FN ": option 'words' must be a path, an array or a function (got %s)",
                           lua_typename(L, wt));
        *lookups = lt != LUA_TNIL;
        o->mode = *lookups ? DG_MODE_LOOKUP : DG_MODE_BRUTE;
        if (!*lookups) {
                o->words = words_cb;
                o->words_rewind = words_rewind;
                o->words_ud = le;
        }
        const char *wpath = wt == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (wt == LUA_TTABLE || wt == LUA_TFUNCTION) {
                le->wkind = wt == LUA_TTABLE ? WORDS_TABLE : WORDS_FUNC;
                le->wfunc = wt == LUA_TFUNCTION;
                dg_getuv(L, 2);
                lua_pushvalue(L, -2);
                lua_setfield(L, -2, "words");
                if (le->wfunc) {
                        lua_newtable(L);
                        lua_setfield(L, -2, "wcache");
                }
                lua_pop(L, 1);
        }
        lua_pop(L, 1); /* wpath stays anchored by the options table */
        return wpath;
}

/* Opens the wordlist file; on failure pushes nil, message and returns 2. */
static int open_words(lua_State *L, lengine_t *le, const char *wpath)
{
        le->wf = fopen(wpath, "r");
        if (le->wf == NULL) {
                char msg[64];
                g_strlcpy(msg, g_strerror(errno), sizeof msg);
                lua_pushnil(L);
                lua_pushfstring(L, "words: %s: %s", wpath, msg);
                return 2;
        }
        le->wkind = WORDS_FILE;
        return 0;
}

/* Options `resolvers`, `trusted` and `trusted_qps` (0: no limit, as the
 * CLI's --trusted-qps 0). Raises on misuse; on a runtime failure pushes
 * nil, message and returns 2. */
static int parse_resolvers(lua_State *L, lengine_t *le, dg_engine_opts_t *o)
{
        char *err = NULL;
        if (ldg_resolvers_opt(L, 1, FN, "resolvers", true, &le->res, &le->nres, &err) < 0 ||
            ldg_resolvers_opt(L, 1, FN, "trusted", false, &le->trusted, &le->ntrusted, &err) < 0) {
                lua_pushnil(L);
                lua_pushstring(L, err);
                g_free(err);
                return 2;
        }
        o->resolvers = le->res;
        o->nresolvers = le->nres;
        o->trusted = le->trusted;
        o->ntrusted = le->ntrusted;
        double qps = 0;
        if (opt_rate(L, "trusted_qps", &qps)) {
                if (le->ntrusted == 0)
                        luaL_error(L, FN ": option 'trusted_qps' needs option 'trusted'");
                o->trusted_qps = qps > 0 ? qps : -1;
        }
        return 0;
}

/* Option `lookups`: hands every {name, type} to the engine; on a runtime
 * failure pushes nil, message and returns 2. */
static int add_lookups(lua_State *L, lengine_t *le)
{
        lua_getfield(L, 1, "lookups");
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -1, i);
                if (lua_type(L, -1) != LUA_TTABLE)
                        luaL_error(L, FN ": option 'lookups': entry %I is not a table", i);
                lua_rawgeti(L, -1, 1);
                lua_rawgeti(L, -2, 2);
                const char *name = lua_tostring(L, -2);
                const char *ts = lua_tostring(L, -1);
                int type = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1)
                                                : (ts ? dg_rrtype_parse(ts) : 0);
                if (name == NULL || lua_type(L, -2) != LUA_TSTRING)
                        luaL_error(L, FN ": option 'lookups': entry %I has no name", i);
                if (type <= 0 || type > 65535)
                        luaL_error(L, FN ": option 'lookups': entry %I has a bad type", i);
                int rc = dg_engine_add_lookup(le->eng, name, (uint16_t)type);
                if (rc < 0)
                        return ldg_fail(L, name, dg_strerror(rc));
                lua_pop(L, 3);
        }
        lua_pop(L, 1);
        dg_engine_close_input(le->eng);
        return 0;
}

/* Pushes an empty engine object (index 2) whose user value holds the Lua
 * values it keeps alive: anything acquired later is freed by __gc even if an
 * error unwinds the constructor. */
static lengine_t *push_empty_engine(lua_State *L)
{
        lengine_t *le = dg_newudata(L, sizeof *le);
        memset(le, 0, sizeof *le);
        luaL_setmetatable(L, DG_LUA_ENGINE_MT);
        lua_newtable(L);
        dg_setuv(L, 2);
        le->L = L;
        le->udidx = 2;
        return le;
}

/* dg.engine{...} -> engine | nil, message */
static int l_engine_new(lua_State *L)
{
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        ldg_check_options(L, 1, FN, engine_opts);
        lengine_t *le = push_empty_engine(L);

        dg_engine_opts_t o;
        dg_engine_opts_init(&o);
        o.domain = ldg_opt_string(L, 1, FN, "domain");
        if (o.domain == NULL)
                luaL_error(L, FN ": option 'domain' is required");
        parse_scalars(L, &o);
        parse_log(L, le, &o);
        parse_shard(L, &o);
        parse_types(L, le, &o);
        bool lookups = false;
        const char *wpath = parse_words(L, le, &o, &lookups);
        if (wpath && open_words(L, le, wpath))
                return 2; /* le is freed by __gc */
        if (parse_resolvers(L, le, &o))
                return 2;

        int rc = dg_engine_new(&o, &le->eng);
        if (rc < 0)
                return ldg_fail(L, o.domain, dg_strerror(rc));
        if (lookups && add_lookups(L, le))
                return 2;
        const char *resume = ldg_opt_string(L, 1, FN, "resume");
        if (resume && (rc = dg_engine_restore(le->eng, resume)) < 0)
                return ldg_fail(L, "resume", dg_strerror(rc));
        raise_werr(L, le);
        lua_settop(L, 2);
        return 1;
}

/* ---- converting results ---- */

/* Pushes a table for r:
 *   {name=, status="found"|"nodata"|"nxdomain"|"wildcard"|"failed",
 *    rcode="NOERROR"|..., reason=, wildcard=true, wildcard_root=, depth=,
 *    tries=, answers={{type="A", rcode=, ttl=, data={...}, cname={...}}, ...},
 *    type=, ttl=, data= (those of the first answer, as in the JSON output)} */
static void push_result(lua_State *L, const dg_result_t *r)
{
        lua_createtable(L, 0, 12);
        lua_pushstring(L, r->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, dg_status_str(r->status));
        lua_setfield(L, -2, "status");
        if (r->rcode != 255) {
                lua_pushstring(L, dg_rcode_str(r->rcode));
                lua_setfield(L, -2, "rcode");
        }
        if (r->reason) {
                lua_pushstring(L, r->reason);
                lua_setfield(L, -2, "reason");
        }
        if (r->status == DG_STATUS_WILDCARD) {
                lua_pushboolean(L, 1);
                lua_setfield(L, -2, "wildcard");
        }
        if (r->wildcard_root) {
                lua_pushstring(L, r->wildcard_root);
                lua_setfield(L, -2, "wildcard_root");
        }
        lua_pushinteger(L, r->depth);
        lua_setfield(L, -2, "depth");
        lua_pushinteger(L, r->tries);
        lua_setfield(L, -2, "tries");
        lua_createtable(L, (int)r->nanswers, 0);
        for (size_t i = 0; i < r->nanswers; i++) {
                const dg_answer_t *a = &r->answers[i];
                lua_createtable(L, 0, 5);
                lua_pushstring(L, dg_rrtype_str(a->type));
                lua_setfield(L, -2, "type");
                lua_pushstring(L, dg_rcode_str(a->rcode));
                lua_setfield(L, -2, "rcode");
                lua_pushinteger(L, a->ttl);
                lua_setfield(L, -2, "ttl");
                ldg_push_strings(L, a->data, a->ndata);
                lua_setfield(L, -2, "data");
                ldg_push_strings(L, a->cname, a->ncname);
                lua_setfield(L, -2, "cname");
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "answers");
        if (r->nanswers > 0) {
                const dg_answer_t *a = &r->answers[0];
                lua_pushstring(L, dg_rrtype_str(a->type));
                lua_setfield(L, -2, "type");
                lua_pushinteger(L, a->ttl);
                lua_setfield(L, -2, "ttl");
                ldg_push_strings(L, a->data, a->ndata);
                lua_setfield(L, -2, "data");
        }
}

/* ---- sans-I/O interface ---- */

static void claim_driver(lua_State *L, lengine_t *le, int driver)
{
        if (le->driver != DRIVER_NONE && le->driver != driver)
                luaL_error(L, FN ": this engine is already driven by %s",
                           le->driver == DRIVER_LOOP ? "e:results()/run()/step()"
                                                     : "next_query()/feed()");
        le->driver = driver;
}

static uint64_t opt_now(lua_State *L, int idx)
{
        if (lua_isnoneornil(L, idx))
                return dg_now_ms();
        lua_Integer n = luaL_checkinteger(L, idx);
        luaL_argcheck(L, n >= 0, idx, "time must be non-negative");
        return (uint64_t)n;
}

/* Finds a resolver by its text ("127.0.0.1:53"), by any address form
 * dg_resolver_parse accepts, or by 1-based index. Raises if unknown. */
static size_t check_resolver(lua_State *L, lengine_t *le, int idx)
{
        size_t nres = 0;
        const dg_resolver_addr_t *res = dg_engine_resolvers(le->eng, &nres);
        if (lua_type(L, idx) == LUA_TNUMBER) {
                lua_Integer i = luaL_checkinteger(L, idx);
                luaL_argcheck(L, i >= 1 && (size_t)i <= nres, idx, "no such resolver");
                return (size_t)i - 1;
        }
        const char *s = luaL_checkstring(L, idx);
        for (size_t i = 0; i < nres; i++)
                if (strcmp(res[i].text, s) == 0)
                        return i;
        dg_resolver_addr_t a;
        if (dg_resolver_parse(s, &a) == DG_OK) {
                for (size_t i = 0; i < nres; i++)
                        if (res[i].sslen == a.sslen && memcmp(&res[i].ss, &a.ss, a.sslen) == 0)
                                return i;
        }
        luaL_argerror(L, idx, lua_pushfstring(L, "'%s' is not one of this engine's resolvers", s));
        return 0;
}

/* e:next_query([now]) -> resolver, bytes, sock, proto | nil
 * sock is the 1-based socket number (< sockets option), proto "udp" or
 * "tcp" (for tcp the caller adds the 2-octet length prefix). */
static int l_next_query(lua_State *L)
{
        lengine_t *le = check_engine(L);
        uint64_t now = opt_now(L, 2);
        claim_driver(L, le, DRIVER_SANSIO);
        uint8_t buf[4096];
        dg_query_t q;
        int rc = dg_engine_next_query(le->eng, now, buf, sizeof buf, &q);
        raise_werr(L, le);
        if (rc < 0)
                return ldg_fail(L, "next_query", dg_strerror(rc));
        if (rc == 0)
                return 0;
        size_t nres = 0;
        const dg_resolver_addr_t *res = dg_engine_resolvers(le->eng, &nres);
        if (q.resolver >= nres)
                return ldg_fail(L, "next_query", "engine returned an unknown resolver");
        lua_pushstring(L, res[q.resolver].text);
        lua_pushlstring(L, (const char *)buf, q.len);
        lua_pushinteger(L, (lua_Integer)q.sock + 1);
        lua_pushstring(L, q.transport == DG_TRANSPORT_TCP ? "tcp" : "udp");
        return 4;
}

/* e:feed(resolver, bytes [, sock [, proto [, now]]]) -> true | nil, message */
static int l_feed(lua_State *L)
{
        static const char *const protos[] = {"udp", "tcp", NULL};
        lengine_t *le = check_engine(L);
        size_t ri = check_resolver(L, le, 2);
        size_t len;
        const char *msg = luaL_checklstring(L, 3, &len);
        lua_Integer sock = luaL_optinteger(L, 4, 1);
        luaL_argcheck(L, sock >= 1 && (lua_Unsigned)sock <= dg_engine_nsockets(le->eng), 4,
                      "no such socket");
        int proto = luaL_checkoption(L, 5, "udp", protos);
        uint64_t now = opt_now(L, 6);
        claim_driver(L, le, DRIVER_SANSIO);
        int rc =
            dg_engine_feed(le->eng, now, ri, (unsigned)sock - 1,
                           proto ? DG_TRANSPORT_TCP : DG_TRANSPORT_UDP, (const uint8_t *)msg, len);
        raise_werr(L, le);
        if (rc < 0)
                return ldg_fail(L, "feed", dg_strerror(rc));
        lua_pushboolean(L, 1);
        return 1;
}

/* e:tick([now]) */
static int l_tick(lua_State *L)
{
        lengine_t *le = check_engine(L);
        uint64_t now = opt_now(L, 2);
        claim_driver(L, le, DRIVER_SANSIO);
        dg_engine_tick(le->eng, now);
        raise_werr(L, le);
        return 0;
}

/* e:next_timeout([now]) -> milliseconds | nil (nothing pending) */
static int l_next_timeout(lua_State *L)
{
        lengine_t *le = check_engine(L);
        int64_t ms = dg_engine_next_timeout(le->eng, opt_now(L, 2));
        if (ms < 0)
                return 0;
        lua_pushinteger(L, (lua_Integer)ms);
        return 1;
}

/* e:next_result() -> result table | nil */
static int l_next_result(lua_State *L)
{
        lengine_t *le = check_engine(L);
        dg_result_t *r = NULL;
        while (dg_engine_next_result(le->eng, &r) == 1) {
                if (le->sink) {
                        le->sink(le->sink_ud, r); /* the owner takes it */
                        continue;
                }
                push_result(L, r);
                dg_result_free(r);
                return 1;
        }
        return 0;
}

static int l_done(lua_State *L)
{
        lengine_t *le = check_engine(L);
        lua_pushboolean(L, dg_engine_done(le->eng));
        return 1;
}

/* e:error() -> nil while the run is healthy; after a fatal failure (no
 * resolver passed validation, ...) its message and dg_err code. */
static int l_error(lua_State *L)
{
        lengine_t *le = check_engine(L);
        const char *msg = NULL;
        int rc = dg_engine_error(le->eng, &msg);
        if (rc == DG_OK)
                return 0;
        lua_pushstring(L, msg ? msg : dg_strerror(rc));
        lua_pushinteger(L, rc);
        return 2;
}

static int l_stop(lua_State *L)
{
        lengine_t *le = check_engine(L);
        dg_engine_stop(le->eng);
        return 0;
}

/* e:lookup(name, type): lookup mode, before close_input() */
static int l_lookup(lua_State *L)
{
        lengine_t *le = check_engine(L);
        const char *name = luaL_checkstring(L, 2);
        int type = lua_isinteger(L, 3) ? (int)lua_tointeger(L, 3)
                                       : dg_rrtype_parse(luaL_checkstring(L, 3));
        luaL_argcheck(L, type > 0 && type <= 65535, 3, "unknown RR type");
        int rc = dg_engine_add_lookup(le->eng, name, (uint16_t)type);
        if (rc < 0)
                return ldg_fail(L, name, dg_strerror(rc));
        lua_pushboolean(L, 1);
        return 1;
}

static int l_close_input(lua_State *L)
{
        lengine_t *le = check_engine(L);
        dg_engine_close_input(le->eng);
        return 0;
}

/* e:stats() -> table of counters */
static int l_stats(lua_State *L)
{
        lengine_t *le = check_engine(L);
        dg_stats_t s;
        memset(&s, 0, sizeof s);
        dg_engine_stats(le->eng, &s);
        lua_createtable(L, 0, 24);
        lua_pushstring(L, s.phase ? s.phase : "");
        lua_setfield(L, -2, "phase");
#define F(x)                                                                                       \
        do {                                                                                       \
                lua_pushinteger(L, (lua_Integer)s.x);                                              \
                lua_setfield(L, -2, #x);                                                           \
        } while (0)
        F(words_read);
        F(invalid_words);
        F(skipped_shard);
        F(candidates);
        F(queries);
        F(responses);
        F(timeouts);
        F(retries);
        F(tcp);
        F(mismatched);
        F(late);
        F(malformed);
        F(probes);
        F(resolvers);
        F(resolvers_live);
        F(inflight);
        F(rejected_by_trusted);
        F(trusted);
        F(trusted_live);
#undef F
        for (int i = 0; i < DG_STATUS_COUNT_; i++) {
                lua_pushinteger(L, (lua_Integer)s.status[i]);
                lua_setfield(L, -2, dg_status_str((dg_status_t)i));
        }
        return 1;
}

/* e:checkpoint() -> state string (for the resume option) */
static int l_checkpoint(lua_State *L)
{
        lengine_t *le = check_engine(L);
        char *st = dg_engine_checkpoint(le->eng);
        if (st == NULL)
                return ldg_fail(L, "checkpoint", dg_strerror(DG_ENOMEM));
        lua_pushstring(L, st);
        g_free(st);
        return 1;
}

/* e:resolvers() -> {{addr="127.0.0.1:53", host="127.0.0.1", port=53}, ...};
 * the trusted ones (option trusted) last, with trusted=true. */
static int l_resolvers(lua_State *L)
{
        lengine_t *le = check_engine(L);
        size_t nres = 0;
        const dg_resolver_addr_t *res = dg_engine_resolvers(le->eng, &nres);
        lua_createtable(L, (int)nres, 0);
        for (size_t i = 0; i < nres; i++) {
                const dg_resolver_addr_t *a = &res[i];
                char host[64];
                unsigned port = 0;
                const char *t = a->text;
                const char *colon = strrchr(t, ':');
                size_t hl = colon ? (size_t)(colon - t) : strlen(t);
                if (t[0] == '[' && hl >= 2 && t[hl - 1] == ']') {
                        t++;
                        hl -= 2;
                }
                if (hl >= sizeof host)
                        hl = sizeof host - 1;
                memcpy(host, t, hl);
                host[hl] = '\0';
                if (colon)
                        port = (unsigned)strtoul(colon + 1, NULL, 10);
                lua_createtable(L, 0, 3);
                lua_pushstring(L, a->text);
                lua_setfield(L, -2, "addr");
                lua_pushstring(L, host);
                lua_setfield(L, -2, "host");
                lua_pushinteger(L, port);
                lua_setfield(L, -2, "port");
                if (le->ntrusted && i >= le->nres) {
                        lua_pushboolean(L, 1);
                        lua_setfield(L, -2, "trusted");
                }
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return 1;
}

/* ---- blocking interface (the core's loop driver) ---- */

static int results_iter(lua_State *L)
{
        lengine_t *le = luaL_checkudata(L, lua_upvalueindex(1), DG_LUA_ENGINE_MT);
        if (le->eng == NULL || le->loop == NULL)
                return 0;
        lua_pushvalue(L, lua_upvalueindex(1));
        le->L = L;
        le->udidx = lua_gettop(L);
        for (;;) {
                dg_result_t *r = NULL;
                if (dg_engine_next_result(le->eng, &r) == 1) {
                        if (le->sink) {
                                le->sink(le->sink_ud, r);
                                continue;
                        }
                        push_result(L, r);
                        dg_result_free(r);
                        return 1;
                }
                if (dg_engine_done(le->eng)) {
                        /* a run that failed as a whole (no usable resolver)
                         * must not look like one that found nothing */
                        const char *msg = NULL;
                        int rc = dg_engine_error(le->eng, &msg);
                        if (rc < 0)
                                return luaL_error(L, FN ": %s", msg ? msg : dg_strerror(rc));
                        return 0;
                }
                int rc = dg_loop_step(le->loop, 100);
                raise_werr(L, le);
                if (rc < 0)
                        return luaL_error(L, FN ": %s", dg_strerror(rc));
        }
}

/* e:results() -> iterator | nil, message (sockets could not be opened) */
static int l_results(lua_State *L)
{
        lengine_t *le = check_engine(L);
        claim_driver(L, le, DRIVER_LOOP);
        if (le->loop == NULL) {
                int rc = dg_loop_new(le->eng, &le->loop);
                if (rc < 0)
                        return ldg_fail(L, "results", dg_strerror(rc));
        }
        lua_settop(L, 1);
        lua_pushcclosure(L, results_iter, 1);
        return 1;
}

/* e:run() -> array of every result | nil, message */
static int l_run(lua_State *L)
{
        lengine_t *le = check_engine(L);
        claim_driver(L, le, DRIVER_LOOP);
        if (le->loop == NULL) {
                int rc = dg_loop_new(le->eng, &le->loop);
                if (rc < 0)
                        return ldg_fail(L, "run", dg_strerror(rc));
        }
        lua_settop(L, 1);
        lua_newtable(L);
        lua_Integer n = 0;
        for (;;) {
                dg_result_t *r = NULL;
                if (dg_engine_next_result(le->eng, &r) == 1) {
                        if (le->sink) {
                                le->sink(le->sink_ud, r);
                                continue;
                        }
                        push_result(L, r);
                        dg_result_free(r);
                        lua_rawseti(L, 2, ++n);
                        continue;
                }
                if (dg_engine_done(le->eng)) {
                        const char *msg = NULL;
                        int rc = dg_engine_error(le->eng, &msg);
                        if (rc < 0)
                                return ldg_fail(L, "run", msg ? msg : dg_strerror(rc));
                        break;
                }
                int rc = dg_loop_step(le->loop, 100);
                raise_werr(L, le);
                if (rc < 0)
                        return ldg_fail(L, "run", dg_strerror(rc));
        }
        return 1;
}

/* Longest slice e:step() accepts, in milliseconds. */
#define STEP_MAX_MS 60000

/* e:step([ms]) -> done | nil, message
 * Runs the core's own loop (its sockets opened on the first call) for about
 * ms milliseconds (default 0: one pass that does not wait), then returns:
 * true once the engine is done, false while it is not. The results of the
 * slice are then taken with e:next_result(). Fails (nil, message) when the
 * sockets cannot be opened or the run failed as a whole. */
static int l_step(lua_State *L)
{
        lengine_t *le = check_engine(L);
        lua_Integer ms = luaL_optinteger(L, 2, 0);
        luaL_argcheck(L, ms >= 0 && ms <= STEP_MAX_MS, 2, "slice must be 0..60000 ms");
        claim_driver(L, le, DRIVER_LOOP);
        if (le->loop == NULL) {
                int rc = dg_loop_new(le->eng, &le->loop);
                if (rc < 0)
                        return ldg_fail(L, "step", dg_strerror(rc));
        }
        uint64_t end = dg_now_ms() + (uint64_t)ms;
        for (bool stepped = false; !dg_engine_done(le->eng); stepped = true) {
                uint64_t now = dg_now_ms();
                if (stepped && now >= end)
                        break;
                int rc = dg_loop_step(le->loop, now < end ? (int)(end - now) : 0);
                raise_werr(L, le);
                if (rc < 0)
                        return ldg_fail(L, "step", dg_strerror(rc));
        }
        if (dg_engine_done(le->eng)) {
                const char *msg = NULL;
                int rc = dg_engine_error(le->eng, &msg);
                if (rc < 0)
                        return ldg_fail(L, "step", msg ? msg : dg_strerror(rc));
        }
        lua_pushboolean(L, dg_engine_done(le->eng));
        return 1;
}

/* dg.now() -> the engine's monotonic clock, in milliseconds */
static int l_now(lua_State *L)
{
        lua_pushinteger(L, (lua_Integer)dg_now_ms());
        return 1;
}

static const luaL_Reg engine_methods[] = {
    {"next_query", l_next_query},
    {"feed", l_feed},
    {"tick", l_tick},
    {"next_timeout", l_next_timeout},
    {"next_result", l_next_result},
    {"done", l_done},
    {"stop", l_stop},
    {"error", l_error},
    {"lookup", l_lookup},
    {"close_input", l_close_input},
    {"stats", l_stats},
    {"checkpoint", l_checkpoint},
    {"resolvers", l_resolvers},
    {"results", l_results},
    {"run", l_run},
    {"step", l_step},
    {"close", l_engine_gc},
    {NULL, NULL},
};

static const luaL_Reg engine_meta[] = {
    {"__gc", l_engine_gc},
#if DG_LUA_HAS_CLOSE
    {"__close", l_engine_gc},
#endif
    {"__tostring", l_engine_tostring},
    {NULL, NULL},
};

void *ldg_push_borrowed_engine(lua_State *L, dg_engine_t *e, ldg_result_sink sink, void *ud,
                               int owner, void **backref)
{
        owner = lua_absindex(L, owner);
        lengine_t *le = dg_newudata(L, sizeof *le);
        memset(le, 0, sizeof *le);
        luaL_setmetatable(L, DG_LUA_ENGINE_MT);
        lua_newtable(L);
        lua_pushvalue(L, owner);
        lua_setfield(L, -2, "owner"); /* the owner outlives the wrapper */
        dg_setuv(L, -2);
        le->eng = e;
        le->borrowed = true;
        le->sink = sink;
        le->sink_ud = ud;
        le->backref = backref;
        *backref = le;
        return le;
}

void ldg_engine_detach(void *handle)
{
        lengine_t *le = handle;
        if (le)
                engine_release(le);
}

void ldg_open_engine(lua_State *L)
{
        if (luaL_newmetatable(L, DG_LUA_ENGINE_MT)) {
                luaL_setfuncs(L, engine_meta, 0);
                luaL_newlib(L, engine_methods);
                lua_setfield(L, -2, "__index");
        }
        lua_pop(L, 1);
        lua_pushcfunction(L, l_engine_new);
        lua_setfield(L, -2, "engine");
        lua_pushcfunction(L, l_now);
        lua_setfield(L, -2, "now");
}
