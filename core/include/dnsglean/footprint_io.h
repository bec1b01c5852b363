/* dnsglean — the blocking driver of a footprint (the loop part): runs every
 * phase of a footprint (footprint.h) over the default engine driver
 * (loop.h). Callers that move datagrams themselves drive the phases by hand
 * instead (see footprint.h). Linux only.
 */
#ifndef DNSGLEAN_FOOTPRINT_IO_H
#define DNSGLEAN_FOOTPRINT_IO_H

#include <signal.h>
#include "dnsglean/footprint.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs every phase of fp with the default driver (loop.h), blocking; the
 * report is then ready (dg_footprint_report). Returns DG_OK, DG_EINVAL (fp is
 * NULL), DG_EINTR (*stop became non-zero; the report holds what was
 * gathered), DG_EIO or DG_ENOMEM. */
DG_API int dg_footprint_run(dg_footprint_t *fp, volatile sig_atomic_t *stop);

#ifdef __cplusplus
}
#endif
#endif
