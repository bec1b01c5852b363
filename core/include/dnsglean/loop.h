/* dnsglean — the default I/O driver for an engine: non-blocking UDP sockets
 * (random source ports), TCP for truncated answers, epoll, sendmmsg/recvmmsg.
 * Used by the CLI and the Lua module's blocking interface. Linux only.
 */
#ifndef DNSGLEAN_LOOP_H
#define DNSGLEAN_LOOP_H

#include <signal.h>
#include "dnsglean/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dg_loop dg_loop_t;

/* Creates a driver for e, opening the sockets the engine's resolvers need
 * (the engine's nsockets per address family). e must outlive the loop.
 * Returns DG_OK and *out, or DG_EIO (errno set) / DG_ENOMEM. */
DG_API int dg_loop_new(dg_engine_t *e, dg_loop_t **out);

/* Closes every socket and frees the driver. NULL is fine. */
DG_API void dg_loop_free(dg_loop_t *l);

/* One iteration: sends what is due, waits at most max_wait_ms for answers,
 * feeds them, ticks the engine. Results are then taken with
 * dg_engine_next_result(). Returns DG_OK or DG_EIO. */
DG_API int dg_loop_step(dg_loop_t *l, int max_wait_ms);

/* Result callback for dg_loop_run: return 0 to go on, non-zero to stop. The
 * callback owns r. */
typedef int (*dg_result_fn)(void *ud, dg_result_t *r);

/* Runs until the engine is done, or *stop becomes non-zero (then the engine
 * is stopped and the in-flight candidates are abandoned, unreported). Calls
 * on_result for each result and, if on_tick is not NULL, on_tick about ten
 * times a second. Returns DG_OK, DG_EINTR (stopped) or DG_EIO. */
DG_API int dg_loop_run(dg_loop_t *l, dg_result_fn on_result, void (*on_tick)(void *ud), void *ud,
                       volatile sig_atomic_t *stop);

#ifdef __cplusplus
}
#endif
#endif
