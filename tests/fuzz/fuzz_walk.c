/* Fuzz target: the NSEC/NSEC3 walker's response handling (dg_walk_feed).
 * The input is a sequence of records (control octet, 2-octet length,
 * response); control bit 0 patches the response's ID to the outstanding
 * query's, bit 1 splices in the query's question (so the fuzzer reaches the
 * NSEC/NSEC3 parsing), bit 7 lets the query time out first. */
#include <string.h>

#include "dnsglean/walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
        size_t pos = 0;
        static uint8_t msg[65536 + 512];
        while (!dg_walk_done(w) && pos + 3 <= size) {
                dg_walk_query_t wq;
                if (dg_walk_next_query(w, now, q, sizeof q, &wq) == 1)
                        qlen = wq.len;
                uint8_t ctl = data[pos];
                size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
                pos += 3;
                if (len > size - pos)
                        len = size - pos;
                memcpy(msg, data + pos, len);
                pos += len;
                size_t mlen = len;
                if ((ctl & 2) && qlen >= 12) {
                        size_t qend = qlen;
                        if (q[11] == 1) /* drop an OPT record */
                                qend -= 11;
                        uint8_t hdr[12] = {0};
                        memcpy(hdr, msg, len < 12 ? len : 12);
                        size_t rest = len > 12 ? len - 12 : 0;
                        memmove(msg + qend, msg + (len - rest), rest);
                        memcpy(msg, hdr, 12);
                        memcpy(msg + 12, q + 12, qend - 12);
                        msg[4] = 0;
                        msg[5] = 1;
                        msg[2] |= 0x80;
                        mlen = qend + rest;
                }
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
