/* dnsglean Lua module — internal declarations shared by the lua/ sources. */
#ifndef DG_LUA_LDG_H
#define DG_LUA_LDG_H

#include "compat.h"
#include "dnsglean/dnsglean.h"

/* Metatable names (one per userdata type). */
#define DG_LUA_ENGINE_MT "dnsglean.engine"
#define DG_LUA_UDP_MT "dnsglean.udp"

/* Pushes nil and "what: message" and returns 2 (the runtime-failure convention). */
int ldg_fail(lua_State *L, const char *what, const char *msg);

/* Sets field k of the table on top of the stack to v (ldg_set_str: nothing
 * when v is NULL). */
void ldg_set_str(lua_State *L, const char *k, const char *v);
void ldg_set_int(lua_State *L, const char *k, lua_Integer v);
void ldg_set_bool(lua_State *L, const char *k, int v);

/* Pushes a new array table of the n strings of v (copied). */
void ldg_push_strings(lua_State *L, char *const *v, size_t n);

/* Raises an error unless every key of the table at idx is one of the NULL-
 * terminated names in allowed (misuse: an unknown option is a typo). */
void ldg_check_options(lua_State *L, int idx, const char *fn, const char *const *allowed);

/* Reads optional option `name` of the table at idx as a non-negative integer
 * no greater than max; returns def when absent. Raises on a wrong type. */
lua_Integer ldg_opt_uint(lua_State *L, int idx, const char *fn, const char *name, lua_Integer def,
                         lua_Integer max);

/* Reads optional boolean option `name`; returns def when absent. */
int ldg_opt_bool(lua_State *L, int idx, const char *fn, const char *name, int def);

/* Reads optional string option `name`; NULL when absent. The string stays
 * valid while the options table is alive. */
const char *ldg_opt_string(lua_State *L, int idx, const char *fn, const char *name);

/* Reads resolver-list option `name` (`resolvers`, `trusted`) of the table at
 * idx: a file or comma list (string) or an array of addresses. Raises on
 * misuse (wrong type; absent when required). On success returns 0 and *out,
 * a g_malloc'd array of *n entries (NULL, 0 when absent) the caller
 * g_free()s even on failure; on a runtime failure returns -1 and *err, a
 * g_malloc'd message. */
int ldg_resolvers_opt(lua_State *L, int idx, const char *fn, const char *name, bool required,
                      dg_resolver_addr_t **out, size_t *n, char **err);

/* Takes a result of a borrowed engine (ownership passes). */
typedef void (*ldg_result_sink)(void *ud, dg_result_t *r);

/* Pushes an engine object for e, which someone else owns (a footprint
 * phase): the object never frees e, hands every result to sink instead of
 * returning it, keeps the value at index owner alive, and stores itself in
 * *backref (cleared when the object goes). Returns the handle for
 * ldg_engine_detach. */
void *ldg_push_borrowed_engine(lua_State *L, dg_engine_t *e, ldg_result_sink sink, void *ud,
                               int owner, void **backref);

/* The owner is done with the engine: the object becomes closed. NULL is fine. */
void ldg_engine_detach(void *handle);

/* Registers dg.engine, dg.now (engine.c) and dg.udp (udp.c) into the module
 * table at the top of the stack. */
void ldg_open_engine(lua_State *L);
void ldg_open_udp(lua_State *L);

/* Registers dg.classify, dg.fingerprints, dg.load_fingerprints,
 * dg.parse_spf, dg.parse_dmarc and dg.footprint (classify.c). */
void ldg_open_classify(lua_State *L);

/* Registers dg.axfr and dg.walk (xfr.c). */
void ldg_open_xfr(lua_State *L);

/* Registers dg.detector (detect.c). */
void ldg_open_detect(lua_State *L);

#endif
