/* Classifier throughput: N generated records (a realistic mix of types, half
 * of them matching a signature) classified in memory on one core.
 *   classify_bench [N]          prints records/s of dg_classify_rr
 *   classify_bench --gen N      writes the N records as zone-file lines */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsglean/dnsglean.h"

typedef struct {
        char owner[96];
        uint16_t type;
        char rdata[192];
} rec_t;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (unsigned)(rng % n);
}

/* Copies tmpl into out, replacing each "%u" by v (no printf on data). */
static void fill(char *out, size_t cap, const char *tmpl, unsigned v)
{
        char num[16];
        int nl = snprintf(num, sizeof num, "%u", v);
        size_t o = 0;
        for (const char *p = tmpl; *p && o + 1 < cap; p++) {
                if (p[0] == '%' && p[1] == 'u') {
                        for (int k = 0; k < nl && o + 1 < cap; k++)
                                out[o++] = num[k];
                        p++;
                } else {
                        out[o++] = *p;
                }
        }
        out[o] = '\0';
}

static void gen(rec_t *r, unsigned i)
{
        static const char *const mx[] = {"%u-com.mail.protection.outlook.com.",
                                         "aspmx.l.google.com.", "mx%u.pphosted.com.",
                                         "mail%u.example.net."};
        static const char *const cn[] = {"app%u.azurewebsites.net.", "d%u.cloudfront.net.",
                                         "www%u.example.org.",       "u%u.wl.sendgrid.net.",
                                         "corp%u.zendesk.com.",      "host%u.internal.example."};
        static const char *const txt[] = {
            "\"v=spf1 include:spf.protection.outlook.com include:%u.spf05.hubspotemail.net -all\"",
            "\"MS=ms%u\"", "\"google-site-verification=%u\"", "\"some random text %u\"",
            "\"v=spf1 ip4:192.0.2.%u mx -all\""};
        static const char *const ns[] = {"ns-%u.awsdns-12.org.", "ns%u.example.net.",
                                         "kate%u.ns.cloudflare.com."};
        snprintf(r->owner, sizeof r->owner, "host%u.example%u.com.", i, i % 1000);
        unsigned k = rnd(100);
        char fmt[192];
        if (k < 20) {
                r->type = DG_T_MX;
                snprintf(fmt, sizeof fmt, "10 %s", mx[rnd(4)]);
                fill(r->rdata, sizeof r->rdata, fmt, i);
        } else if (k < 45) {
                r->type = DG_T_CNAME;
                fill(r->rdata, sizeof r->rdata, cn[rnd(6)], i);
        } else if (k < 65) {
                r->type = DG_T_TXT;
                fill(r->rdata, sizeof r->rdata, txt[rnd(5)], i % 250);
        } else if (k < 75) {
                r->type = DG_T_NS;
                fill(r->rdata, sizeof r->rdata, ns[rnd(3)], i);
        } else if (k < 90) {
                r->type = DG_T_A;
                snprintf(r->rdata, sizeof r->rdata, rnd(2) ? "104.16.%u.%u" : "192.0.2.%u%u",
                         i % 250, i % 7);
        } else if (k < 95) {
                r->type = DG_T_SRV;
                snprintf(r->rdata, sizeof r->rdata, "100 1 443 sipdir.online.lync.com.");
        } else {
                r->type = DG_T_CAA;
                snprintf(r->rdata, sizeof r->rdata, "0 issue \"letsencrypt.org\"");
        }
        if (k % 10 == 0)
                snprintf(r->owner, sizeof r->owner, "selector1._domainkey.example%u.com.", i);
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "--gen") == 0) {
                unsigned long n = strtoul(argv[2], NULL, 10);
                rec_t r;
                for (unsigned long i = 0; i < n; i++) {
                        gen(&r, (unsigned)i);
                        printf("%s 300 IN %s %s\n", r.owner, dg_rrtype_str(r.type), r.rdata);
                }
                return 0;
        }
        unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
        if (n == 0) {
                fprintf(stderr, "usage: classify_bench [N] | --gen N\n");
                return 2;
        }
        rec_t *recs = malloc(n * sizeof *recs);
        if (recs == NULL)
                return 1;
        for (unsigned long i = 0; i < n; i++)
                gen(&recs[i], (unsigned)i);
        const dg_fpdb_t *db = dg_fpdb_default();
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        /* three passes over the same records: the machine is shared, so the
         * best pass shows the code, the median what a loaded core gives */
        double secs[3];
        unsigned long matched = 0, provs = 0;
        for (int pass = 0; pass < 3; pass++) {
                struct timespec t0, t1;
                matched = provs = 0;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                for (unsigned long i = 0; i < n; i++) {
                        int k =
                            dg_classify_rr(db, recs[i].owner, recs[i].type, recs[i].rdata, &res);
                        if (k > 0) {
                                matched++;
                                provs += (unsigned long)k;
                        }
                }
                clock_gettime(CLOCK_MONOTONIC, &t1);
                secs[pass] =
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        }
        /* sort the three */
        for (int a = 0; a < 3; a++)
                for (int b = a + 1; b < 3; b++)
                        if (secs[b] < secs[a]) {
                                double t = secs[a];
                                secs[a] = secs[b];
                                secs[b] = t;
                        }
        printf("{\"records\":%lu,\"matched\":%lu,\"providers\":%lu,\"seconds_best\":%.3f,"
               "\"records_per_second\":%.0f,\"records_per_second_median\":%.0f,"
               "\"signatures\":%zu}\n",
               n, matched, provs, secs[0], (double)n / secs[0], (double)n / secs[1],
               dg_fpdb_count(db));
        dg_classify_res_clear(&res);
        free(recs);
        return 0;
}
