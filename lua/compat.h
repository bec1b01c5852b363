/* dnsglean Lua module — every difference between Lua 5.3 and 5.4 we depend on.
 *
 * The rest of lua/ is written once against this header and compiled twice,
 * once with the lua5.3 headers and once with the lua5.4 headers.
 */
#ifndef DG_LUA_COMPAT_H
#define DG_LUA_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if !defined(LUA_VERSION_NUM) || (LUA_VERSION_NUM != 503 && LUA_VERSION_NUM != 504)
#error "dnsglean's Lua module supports Lua 5.3 and Lua 5.4 only"
#endif

/* "5.3" or "5.4": the ABI this build is for (reported as dg._LUA_ABI). */
#define DG_LUA_ABI LUA_VERSION_MAJOR "." LUA_VERSION_MINOR

/* 5.4 has to-be-closed variables (`local e <close> = ...`), which call the
 * __close metamethod; 5.3 has no such thing, so we register __close only
 * there (it would be inert on 5.3, but registering it would suggest otherwise). */
#if LUA_VERSION_NUM >= 504
#define DG_LUA_HAS_CLOSE 1
#else
#define DG_LUA_HAS_CLOSE 0
#endif

/* Full userdata with one user value. 5.4 allows several (lua_newuserdatauv);
 * 5.3 has exactly one, set with lua_setuservalue. We only ever need one (a
 * table holding the Lua values an object keeps alive). */
#if LUA_VERSION_NUM >= 504
#define dg_newudata(L, sz) lua_newuserdatauv((L), (sz), 1)
#define dg_getuv(L, idx) lua_getiuservalue((L), (idx), 1)
#define dg_setuv(L, idx) lua_setiuservalue((L), (idx), 1)
#else
#define dg_newudata(L, sz) lua_newuserdata((L), (sz))
#define dg_getuv(L, idx) lua_getuservalue((L), (idx))
#define dg_setuv(L, idx) lua_setuservalue((L), (idx))
#endif

#endif
