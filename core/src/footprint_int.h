/* Internal interface between the footprint state machine (footprint.c) and
 * its blocking driver in the loop part (loop_footprint.c). */
#ifndef DG_FOOTPRINT_INT_H
#define DG_FOOTPRINT_INT_H

#include "dnsglean/footprint.h"

/* Abandons the current phase and every later one (the current engine is
 * freed) and builds the report from what was gathered. Idempotent. */
void dg_footprint_abandon(dg_footprint_t *fp);

#endif
