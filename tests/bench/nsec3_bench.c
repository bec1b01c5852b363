/* NSEC3 cracking throughput: hashes/s of dg_nsec3_cracker_try on one core.
 *
 *   dg_nsec3_bench [ITERATIONS [SECONDS [SALT_HEX]]]
 *
 * Candidates are "w<number>" labels below bench.example, prepared before the
 * clock starts; 1000 target hashes are loaded so that each try also pays for
 * the lookup, as in a real run. Prints one JSON object. First checks the
 * hash against RFC 5155 Appendix A (H(example) with salt aabbccdd and 12
 * iterations = 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsglean/walk.h"

static double cpu_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
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

int main(int argc, char **argv)
{
        unsigned iter = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
        double seconds = argc > 2 ? strtod(argv[2], NULL) : 2.0;
        const char *salthex = argc > 3 ? argv[3] : "c0ffee42c0ffee42";
        uint8_t salt[255];
        size_t saltlen = strlen(salthex) / 2;
        if (saltlen > sizeof salt || seconds <= 0 || seconds > 120)
                return 2;
        for (size_t i = 0; i < saltlen; i++) {
                unsigned v;
                if (sscanf(salthex + 2 * i, "%2x", &v) != 1)
                        return 2;
                salt[i] = (uint8_t)v;
        }
        if (selftest() != 0) {
                fprintf(stderr, "nsec3_bench: self-test failed\n");
                return 1;
        }
        enum { NLAB = 1 << 16 };
        char(*labels)[16] = malloc(sizeof(*labels) * NLAB);
        size_t *lens = malloc(sizeof(size_t) * NLAB);
        for (size_t i = 0; i < NLAB; i++)
                lens[i] = (size_t)snprintf(labels[i], 16, "w%zu", i * 7919u);
        dg_nsec3_cracker_t *c;
        if (dg_nsec3_cracker_new("bench.example", salt, saltlen, iter, &c) != DG_OK)
                return 1;
        uint8_t h[20];
        for (unsigned i = 0; i < 1000; i++) {
                for (int k = 0; k < 20; k++)
                        h[k] = (uint8_t)(i * 31u + (unsigned)k * 17u);
                dg_nsec3_cracker_add(c, h);
        }
        uint64_t n = 0;
        int hits = 0;
        double c0 = cpu_now(), w0 = wall_now(), c1;
        do {
                for (size_t i = 0; i < NLAB; i++)
                        hits += dg_nsec3_cracker_try(c, labels[i], lens[i], NULL) >= 0;
                n += NLAB;
                c1 = cpu_now();
        } while (c1 - c0 < seconds);
        double w1 = wall_now();
        printf("{\"iterations\":%u,\"salt_octets\":%zu,\"hashes\":%llu,\"cpu_seconds\":%.3f,"
               "\"wall_seconds\":%.3f,\"hashes_per_cpu_second\":%.0f,\"hits\":%d}\n",
               iter, saltlen, (unsigned long long)n, c1 - c0, w1 - w0, (double)n / (c1 - c0), hits);
        dg_nsec3_cracker_free(c);
        free(labels);
        free(lens);
        return 0;
}
