/* Fuzz target: the NSEC/NSEC3 walker's response handling (dg_walk_feed).
 * The input is a sequence of records (control octet, 2-octet length,
 * response); control bit 0 patches the response's ID to the outstanding
 * query's, bit 1 splices in the query's question (so the fuzzer reaches the
 * NSEC/NSEC3 parsing), bit 7 lets the query time out first. */
#include <string.h>

#include "dnsglean/walk.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        dg_walk_opts_t o;
        dg_walk_opts_init(&o);
        o.max_queries = 200;
        o.max_names = 2000;
        o.retries = 1;
        o.timeout_ms = 100;
        o.max_hash_tries = 2000;
        o.seed = 3;
        dg_walk_t *w = NULL;
        if (dg_walk_new("example.com", &o, &w) != DG_OK)
                return 0;
        uint8_t q[512];
        size_t qlen = 0;
        uint64_t now = 1000;
        size_t pos = 0, len;
        uint8_t ctl;
        const uint8_t *rec;
        static uint8_t msg[65536 + 512];
        while (!dg_walk_done(w) && (rec = fuzz_record(data, size, &pos, &ctl, &len)) != NULL) {
                dg_walk_query_t wq;
                if (dg_walk_next_query(w, now, q, sizeof q, &wq) == 1)
                        qlen = wq.len;
                memcpy(msg, rec, len);
                size_t mlen = len;
                if ((ctl & 2) && qlen >= 12)
                        mlen = fuzz_splice_question(msg, len, q, qlen);
                if ((ctl & 1) && mlen >= 2 && qlen >= 2) {
                        msg[0] = q[0];
                        msg[1] = q[1];
                }
                if (ctl & 0x80) {
                        now += 200;
                        dg_walk_tick(w, now);
                }
                dg_walk_feed(w, now, msg, mlen);
                now += 1;
        }
        const dg_walk_name_t *names;
        const dg_walk_hash_t *hashes;
        dg_walk_names(w, &names);
        dg_walk_hashes(w, &hashes);
        dg_walk_coverage(w);
        dg_walk_crack(w, "www", 3);
        dg_walk_free(w);
        return 0;
}
