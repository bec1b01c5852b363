/* dnsglean — blocking drivers for a zone transfer and a zone walk against
 * one server address. Part of the loop (core/src/loop_xfr.c): these are the
 * only places where the AXFR and walk state machines meet sockets.
 * Non-blocking sockets and poll, every wait bounded by the state machine's
 * own deadlines. Linux only.
 */
#ifndef DNSGLEAN_XFR_IO_H
#define DNSGLEAN_XFR_IO_H

#include <signal.h>
#include <sys/socket.h>
#include "dnsglean/axfr.h"
#include "dnsglean/walk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Connects over TCP to sa, sends x's query and feeds the stream to x until
 * the transfer ends. stop may be NULL; once *stop is non-zero the transfer
 * ends with DG_EINTR. Returns DG_AXFR_DONE or a negative dg_err (DG_EIO with
 * errno set for socket errors); dg_axfr_errmsg(x) says why. */
DG_API int dg_axfr_run(dg_axfr_t *x, const struct sockaddr *sa, socklen_t salen,
                       volatile sig_atomic_t *stop);

/* Runs the walk against one server (UDP, TCP when an answer is truncated)
 * until it is done or *stop (may be NULL) becomes non-zero. An exchange
 * without a usable answer counts as a timeout of the query. Returns DG_OK
 * (see dg_walk_status), DG_EINTR or a negative dg_err from building a query. */
DG_API int dg_walk_run(dg_walk_t *w, const struct sockaddr *sa, socklen_t salen,
                       volatile sig_atomic_t *stop);

#ifdef __cplusplus
}
#endif
#endif
