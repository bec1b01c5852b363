/* Fuzz target: dg_engine_feed with arbitrary responses to a running engine.
 *
 * The input is a sequence of records: one control octet, a 2-octet length,
 * then that many octets of response. Before each record the engine is asked
 * for every query it wants to send (kept in a small table). Control bits:
 *   0-2  which outstanding query (of the last 8) the response answers
 *   3    patch the response's ID to that query's
 *   4    replace the response's question with that query's (so the fuzzer
 *        gets past the question check and into answer handling)
 *   5    deliver it over TCP
 *   6    deliver it on another resolver/socket than asked
 *   7    advance the clock past the timeout first (timeouts, retries)
 * Validation, wildcard probes, enumeration, retries, TC->TCP, canaries and
 * checkpoints are all reachable. Every result is taken and freed; at the end
 * the counts must add up.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "dnsglean/engine.h"

#include "fuzz.h"

static const char *const words[] = {"www", "mail", "dev", "a", "b", "c", "ftp", "x1", "x2", "api"};
#define NWORDS (sizeof words / sizeof words[0])

typedef struct {
        size_t i;
} wl_t;

static int next_word(void *ud, const char **w, size_t *len)
{
        wl_t *s = ud;
        if (s->i >= NWORDS)
                return 0;
        *w = words[s->i];
        *len = strlen(words[s->i]);
        s->i++;
        return 1;
}

static int rewind_words(void *ud)
{
        ((wl_t *)ud)->i = 0;
        return DG_OK;
}

typedef struct {
        uint8_t q[512];
        size_t len;
        size_t resolver;
        unsigned sock;
        dg_transport_t t;
} sent_t;

#define RING 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        dg_resolver_addr_t res[3];
        dg_resolver_parse("127.0.0.2", &res[0]);
        dg_resolver_parse("127.0.0.3:5353", &res[1]);
        dg_resolver_parse("[::1]:53", &res[2]);
        static const uint16_t types[] = {DG_T_A, DG_T_AAAA, DG_T_MX};
        wl_t wl = {0};
        dg_engine_opts_t o;
        dg_engine_opts_init(&o);
        o.domain = "example.com";
        o.resolvers = res;
        o.nresolvers = 3;
        o.types = types;
        o.ntypes = size > 0 && (data[0] & 1) ? 3 : 1;
        o.words = next_word;
        o.words_rewind = rewind_words;
        o.words_ud = &wl;
        o.recursive = size > 0 && (data[0] & 2) ? 1 : 0;
        o.nsockets = 2;
        o.retries = 2;
        o.timeout_ms = 500;
        o.concurrency = 16;
        o.seed = 1;
        dg_engine_t *e = NULL;
        if (dg_engine_new(&o, &e) != DG_OK)
                abort();

        sent_t ring[RING];
        unsigned nring = 0, head = 0;
        uint64_t now = 1000;
        size_t pos = size > 0 ? 1 : 0;
        uint64_t results = 0;
        for (unsigned step = 0; step < 4096; step++) {
                uint8_t buf[512];
                dg_query_t q;
                while (dg_engine_next_query(e, now, buf, sizeof buf, &q) == 1) {
                        sent_t *s = &ring[head];
                        memcpy(s->q, buf, q.len);
                        s->len = q.len;
                        s->resolver = q.resolver;
                        s->sock = q.sock;
                        s->t = q.transport;
                        head = (head + 1) % RING;
                        if (nring < RING)
                                nring++;
                }
                dg_result_t *r;
                while (dg_engine_next_result(e, &r) == 1) {
                        results++;
                        dg_result_free(r);
                }
                uint8_t ctl;
                size_t len;
                const uint8_t *rec;
                if (dg_engine_done(e) || (rec = fuzz_record(data, size, &pos, &ctl, &len)) == NULL)
                        break;
                uint8_t msg[65535 + 512];
                memcpy(msg, rec, len);
                if (ctl & 0x80) {
                        int64_t t = dg_engine_next_timeout(e, now);
                        now += t > 0 ? (uint64_t)t : 1;
                        dg_engine_tick(e, now);
                }
                if (nring == 0)
                        continue;
                const sent_t *s = &ring[(head + RING - 1 - (ctl & 7) % nring) % RING];
                size_t mlen = len;
                /* header from the input (or zeros), the query's question,
                 * then the rest of the input */
                if ((ctl & 0x10) && s->len >= 12)
                        mlen = fuzz_splice_question(msg, len, s->q, s->len);
                if ((ctl & 0x08) && mlen >= 2) {
                        msg[0] = s->q[0];
                        msg[1] = s->q[1];
                }
                size_t resolver = s->resolver;
                unsigned sock = s->sock;
                dg_transport_t t = (ctl & 0x20) ? DG_TRANSPORT_TCP : s->t;
                if (ctl & 0x40) {
                        resolver = (resolver + 1) % 3;
                        sock ^= 1;
                }
                dg_engine_feed(e, now, resolver, sock, t, msg, mlen);
                now += 1;
                dg_engine_tick(e, now);
                if (step % 64 == 63) {
                        char *cp = dg_engine_checkpoint(e);
                        g_free(cp);
                }
        }
        /* finish: let every timeout expire */
        for (unsigned k = 0; k < 100000 && !dg_engine_done(e); k++) {
                uint8_t buf[512];
                dg_query_t q;
                while (dg_engine_next_query(e, now, buf, sizeof buf, &q) == 1) {
                }
                int64_t t = dg_engine_next_timeout(e, now);
                now += t > 0 ? (uint64_t)t : 1;
                dg_engine_tick(e, now);
                dg_result_t *r;
                while (dg_engine_next_result(e, &r) == 1) {
                        results++;
                        dg_result_free(r);
                }
        }
        dg_stats_t st;
        dg_engine_stats(e, &st);
        if (!dg_engine_done(e))
                abort(); /* every candidate must end */
        uint64_t sum = 0;
        for (int i = 0; i < DG_STATUS_COUNT_; i++)
                sum += st.status[i];
        if (dg_engine_error(e, NULL) == DG_OK && (sum != st.candidates || results != sum))
                abort(); /* nothing lost, nothing twice */
        dg_engine_free(e);
        return 0;
}
