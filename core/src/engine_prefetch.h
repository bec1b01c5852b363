/* A private hint from the library's own driver (loop.c) to the engine: not
 * installed, not exported. */
#ifndef DG_ENGINE_PREFETCH_H
#define DG_ENGINE_PREFETCH_H

#include "dnsglean/engine.h"

/* Warms, for n messages that are about to be fed from UDP socket sock, the
 * engine's lookups (ID map entry, then the candidate's slot): they are at
 * random places, nearly always cache misses, and are fetched here all at
 * once. Changes nothing; short or foreign messages are skipped. */
void eng_prefetch_answers(const dg_engine_t *e, unsigned sock, const uint8_t *const *msgs,
                          const size_t *lens, size_t n);

#endif
