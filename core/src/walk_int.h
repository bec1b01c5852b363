/* Internals of the zone walker shared by walk.c (the walk) and walk_nsec3.c
 * (NSEC3 size estimate, state file, crackers). Private to the library. */
#ifndef DG_WALK_INT_H
#define DG_WALK_INT_H

#include <glib.h>

#include "dnsglean/walk.h"
#include "wire_int.h"

#define DEF_MAX_QUERIES 100000u
#define DEF_MAX_NAMES 1000000u
#define DEF_RETRIES 3u
#define DEF_TIMEOUT_MS 2000u
/* Random names hashed per NSEC3 query to land in a gap, when the options
 * leave it to the walk: at least DEF_HASH_TRIES, and else enough that the
 * remaining gaps (share u of the ring) are missed with odds of e^-14 (about
 * one in a million): 14 / u names. A walk of N hashes ends on gaps of about
 * 1 / N^2 of the ring, which a fixed bound of 2,000,000 names missed in 4
 * walks of 300 at N = 1,070. The work (SHA-1 runs: names x (iterations + 1))
 * of one search is bounded by HASH_WORK_CAP (about 10 s on one core), and
 * done in slices of HASH_WORK_SLICE, between which the walk reports progress
 * and its driver can see a stop flag. */
#define DEF_HASH_TRIES 2000000ull
#define HASH_MISS_LOG 14.0
#define HASH_WORK_CAP (1ull << 27)
#define HASH_WORK_SLICE (1ull << 20)
#define MAX_STALE 25u /* NSEC3 answers in a row that taught nothing new */

typedef enum { PH_PARAM, PH_PROBE, PH_NSEC, PH_NSEC3, PH_DONE } phase_t;
/* How the NSEC record of the current owner is asked for. */
typedef enum { NQ_NSEC, NQ_SUCC, NQ_SIBLING } nsec_step_t;

struct dg_walk {
        uint8_t zone[DG_NAME_WIRE_MAX];
        size_t zlen;
        char *zone_str;
        dg_walk_opts_t o;
        uint64_t rng;
        phase_t phase;
        dg_walk_kind_t kind;
        dg_walk_status_t status;
        char errmsg[400];
        uint64_t queries;
        /* the outstanding query */
        bool pending, sent, tcp;
        uint16_t qid, qtype;
        uint8_t qname[DG_NAME_WIRE_MAX];
        size_t qlen;
        unsigned tries;
        uint64_t deadline;
        /* NSEC */
        uint8_t cur[DG_NAME_WIRE_MAX];
        size_t curlen;
        nsec_step_t step;
        GArray *names;    /* dg_walk_name_t, chain order */
        GHashTable *seen; /* lowercase presentation names of owners */
        bool apex_nsec;   /* the NSEC3PARAM query showed an NSEC at the apex */
        /* NSEC3 */
        bool have_params, params_from_rr;
        dg_nsec3_params_t p;
        GPtrArray *hashes; /* dg_walk_hash_t *, sorted by hash (pointers: an
                              insert moves 8 octets per entry, not the struct) */
        GArray *snap;      /* contiguous copy for dg_walk_hashes() */
        bool snap_dirty;
        GHashTable *pending_next; /* next hashes not (yet) owners: key = g_bytes */
        dg_nsec3_cracker_t *probe, *crack;
        unsigned stale;
        bool narrow;            /* an NSEC3 record covered a single hash */
        double covered;         /* sum of the records' ranges, in units of 2^-64 of the ring */
        bool resumed;           /* hashes and parameters came from a state file */
        bool compact;           /* RFC 9824 Compact Denial of Existence seen */
        uint64_t last_progress; /* ms of the last on_progress call */
        uint64_t gap_tries;     /* names hashed in the current gap search */
};

#define RING 18446744073709551616.0 /* 2^64: ranges are measured on the top 64 bits */

/* Index of the last collected record whose hash <= h, or -1. */
long dg_walk_int_floor(const dg_walk_t *w, const uint8_t *h);

/* Inserts record e (hashlen 20; e->types is taken over, e->name must be
 * NULL) into the sorted set with the ring bookkeeping. Returns 1 if new, 0
 * if known or over the name budget (e->types freed then). */
int dg_walk_int_insert(dg_walk_t *w, dg_walk_hash_t *e);

#endif
