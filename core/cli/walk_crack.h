/* dnsglean CLI — NSEC3 cracking for `walk`: candidate lists (wordlists,
 * names already known from JSON Lines files) and the multi-threaded cracker. */
#ifndef DG_WALK_CRACK_H
#define DG_WALK_CRACK_H

#include <glib.h>
#include <signal.h>

#include "dnsglean/walk.h"

typedef struct {
        uint64_t candidates, cracked;
        double seconds, cpu_seconds; /* wall clock; CPU time of all threads */
        unsigned threads;
        bool ran;
} dg_crack_stats_t;

/* Reads the candidate labels: every word of the wordlists (trimmed, no
 * blanks or '#' comments) and, from each JSON Lines file of jsonl (dnsglean
 * brute/axfr/footprint/walk output, COF passive DNS), every label of every
 * name it holds, plus the name relative to zone when it lies below it.
 * Duplicates dropped, first-seen order kept. Returns NULL with a message
 * printed on a read or parse error. */
GPtrArray *dg_crack_candidates(const char *cmd, const char *zone, char **wordlists, char **jsonl);

/* Tries every candidate directly below the zone, then (depth > 1) every
 * candidate below each name cracked on the level above, split across
 * threads (each with its own cracker); matches are recorded in w by the
 * calling thread, so the result does not depend on the thread count.
 * Stops early when *stop is set. Fills *cs. */
void dg_crack_run(dg_walk_t *w, const GPtrArray *words, unsigned depth, unsigned threads,
                  dg_crack_stats_t *cs, volatile sig_atomic_t *stop);

#endif
