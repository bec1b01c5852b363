/* NSEC3 cracking throughput: hashes/s of dg_nsec3_cracker_try.
 *
 *   dg_nsec3_bench [ITERATIONS [SECONDS [SALT_HEX [IMPL [THREADS]]]]]
 *
 * IMPL: auto (default: SHA-NI when the CPU has it), portable, shani, or
 * openssl (the same candidates hashed with OpenSSL's one-shot SHA1(), the
 * reference). THREADS (default 1) crackers run at once, each on its own
 * share of the candidates, as `walk --threads` does.
 *
 * Candidates are "w<number>" labels below bench.example, prepared before the
 * clock starts; 1000 target hashes are loaded so that each try also pays for
 * the lookup, as in a real run. Prints one JSON object: hashes per CPU
 * second of one thread and, for several threads, hashes per wall second of
 * all. First checks the hash against RFC 5155 Appendix A (H(example) with
 * salt aabbccdd and 12 iterations = 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom). */
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsglean/walk.h"
#include "sha1.h"

enum { NLAB = 1 << 16, MAXTH = 64 };

static double now_s(clockid_t id)
{
        struct timespec ts;
        clock_gettime(id, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int selftest(void)
{
        static const uint8_t name[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
        static const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
        uint8_t h[20];
        char s[64];
        if (dg_nsec3_hash(name, sizeof name, salt, sizeof salt, 12, h) != DG_OK)
                return -1;
        dg_nsec3_hash_str(h, 20, s, sizeof s);
        if (strcmp(s, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom") != 0) {
                fprintf(stderr, "nsec3_bench: RFC 5155 vector gives %s\n", s);
                return -1;
        }
        /* the cracker must agree with the plain hash */
        dg_nsec3_cracker_t *c;
        uint8_t h2[20];
        if (dg_nsec3_cracker_new(".", salt, sizeof salt, 12, &c) != DG_OK)
                return -1;
        dg_nsec3_cracker_add(c, h);
        int r = dg_nsec3_cracker_try(c, "EXAMPLE", 7, h2);
        dg_nsec3_cracker_free(c);
        return r == 0 && memcmp(h, h2, 20) == 0 ? 0 : -1;
}

typedef struct {
        unsigned iter, id;
        double seconds, cpu;
        const uint8_t *salt;
        size_t saltlen;
        int openssl;
        uint64_t n;
        int hits;
} job_t;

/* The reference: what a cracker built on OpenSSL's one-shot SHA1() does. */
static void openssl_try(const job_t *j, const char *lab, size_t len, uint8_t *h)
{
        static const uint8_t zone[] = {5,   'b', 'e', 'n', 'c', 'h', 7, 'e',
                                       'x', 'a', 'm', 'p', 'l', 'e', 0};
        uint8_t m[64 + 255 + sizeof zone];
        m[0] = (uint8_t)len;
        memcpy(m + 1, lab, len);
        memcpy(m + 1 + len, zone, sizeof zone);
        memcpy(m + 1 + len + sizeof zone, j->salt, j->saltlen);
        SHA1(m, 1 + len + sizeof zone + j->saltlen, h);
        for (unsigned k = 0; k < j->iter; k++) {
                memcpy(m, h, 20);
                memcpy(m + 20, j->salt, j->saltlen);
                SHA1(m, 20 + j->saltlen, h);
        }
}

static void *run(void *p)
{
        job_t *j = p;
        char(*labels)[16] = malloc(sizeof(*labels) * NLAB);
        size_t *lens = malloc(sizeof(size_t) * NLAB);
        for (size_t i = 0; i < NLAB; i++)
                lens[i] =
                    (size_t)snprintf(labels[i], 16, "w%zu", (i + (size_t)j->id * NLAB) * 7919u);
        dg_nsec3_cracker_t *c;
        if (dg_nsec3_cracker_new("bench.example", j->salt, j->saltlen, j->iter, &c) != DG_OK)
                exit(1);
        uint8_t h[20];
        for (unsigned i = 0; i < 1000; i++) {
                for (int k = 0; k < 20; k++)
                        h[k] = (uint8_t)(i * 31u + (unsigned)k * 17u);
                dg_nsec3_cracker_add(c, h);
        }
        double c0 = now_s(CLOCK_THREAD_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC), w1;
        const char *lp[64];
        int res[64];
        do {
                for (size_t i = 0; i < NLAB; i += 64) {
                        /* as walk --threads does: 64 candidates at a time */
                        for (size_t k = 0; k < 64; k++) {
                                lp[k] = labels[i + k];
                                if (j->openssl) {
                                        openssl_try(j, labels[i + k], lens[i + k], h);
                                        j->hits += h[0] == 0 && h[1] == 0 && h[2] == 0;
                                }
                        }
                        if (j->openssl)
                                continue;
                        dg_nsec3_cracker_try_many(c, lp, lens + i, 64, res);
                        for (size_t k = 0; k < 64; k++)
                                j->hits += res[k] >= 0;
                }
                j->n += NLAB;
                w1 = now_s(CLOCK_MONOTONIC);
        } while (w1 - w0 < j->seconds);
        j->cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        dg_nsec3_cracker_free(c);
        free(labels);
        free(lens);
        return NULL;
}

int main(int argc, char **argv)
{
        unsigned iter = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
        double seconds = argc > 2 ? strtod(argv[2], NULL) : 2.0;
        const char *salthex = argc > 3 ? argv[3] : "c0ffee42c0ffee42";
        const char *impl = argc > 4 ? argv[4] : "auto";
        unsigned nth = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 1;
        uint8_t salt[255];
        size_t saltlen = strlen(salthex) / 2;
        if (saltlen > sizeof salt || seconds <= 0 || seconds > 120 || nth < 1 || nth > MAXTH)
                return 2;
        for (size_t i = 0; i < saltlen; i++) {
                unsigned v;
                if (sscanf(salthex + 2 * i, "%2x", &v) != 1)
                        return 2;
                salt[i] = (uint8_t)v;
        }
        int openssl = strcmp(impl, "openssl") == 0;
        if (!openssl && dg_sha1_select(impl) != 0) {
                fprintf(stderr, "nsec3_bench: SHA-1 implementation %s unavailable\n", impl);
                return 2;
        }
        if (selftest() != 0) {
                fprintf(stderr, "nsec3_bench: self-test failed\n");
                return 1;
        }
        job_t jobs[MAXTH];
        pthread_t th[MAXTH];
        double w0 = now_s(CLOCK_MONOTONIC);
        for (unsigned t = 0; t < nth; t++) {
                jobs[t] = (job_t){.iter = iter,
                                  .id = t,
                                  .seconds = seconds,
                                  .salt = salt,
                                  .saltlen = saltlen,
                                  .openssl = openssl};
                pthread_create(&th[t], NULL, run, &jobs[t]);
        }
        uint64_t n = 0;
        double cpu = 0;
        int hits = 0;
        for (unsigned t = 0; t < nth; t++) {
                pthread_join(th[t], NULL);
                n += jobs[t].n;
                cpu += jobs[t].cpu;
                hits += jobs[t].hits;
        }
        double wall = now_s(CLOCK_MONOTONIC) - w0;
        printf("{\"impl\":\"%s\",\"threads\":%u,\"iterations\":%u,\"salt_octets\":%zu,"
               "\"hashes\":%llu,\"cpu_seconds\":%.3f,\"wall_seconds\":%.3f,"
               "\"hashes_per_cpu_second\":%.0f,\"hashes_per_second\":%.0f,\"hits\":%d}\n",
               openssl ? "openssl" : dg_sha1_impl(), nth, iter, saltlen, (unsigned long long)n, cpu,
               wall, cpu > 0 ? (double)n / cpu : 0.0, (double)n / wall, hits);
        return 0;
}
