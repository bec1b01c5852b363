/* Fuzz target: the classify front. Each input line goes through the
 * zone-file line reader and, when it is a record, the classifier; the whole
 * input is also classified as a DNS message (the Wireshark/pcap path) and
 * its TXT concatenation is computed. */
#include <glib.h>
#include <string.h>

#include "dnsglean/classify.h"

#include "fuzz.h"

static int on_rr(void *ud, const dg_wire_rr_t *rr, const char *owner, const char *rdata,
                 const dg_classify_res_t *res)
{
        (void)rr;
        (void)owner;
        (void)rdata;
        *(size_t *)ud += res->nmatches;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const dg_fpdb_t *db = dg_fpdb_default();
        if (db == NULL)
                return 0;
        size_t matches = 0;
        dg_classify_msg_summary_t sum;
        dg_classify_msg(db, data, size, DG_SECMASK_ALL, on_rr, &matches, &sum);

        char *text = g_strndup((const char *)data, size); /* stops at a NUL */
        char **lines = g_strsplit(text, "\n", 64);
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        for (char **l = lines; *l; l++) {
                dg_zone_line_t zl;
                const char *why = NULL;
                if (dg_zone_line_parse(*l, &zl, &why) == 1) {
                        dg_classify_rr(db, zl.owner ? zl.owner : "example.com.", zl.type, zl.rdata,
                                       &res);
                        dg_zone_line_clear(&zl);
                }
                char buf[512];
                dg_txt_concat(*l, buf, sizeof buf);
                dg_classify_host(db, DG_FP_CNAME, *l, &res);
        }
        dg_classify_res_clear(&res);
        g_strfreev(lines);
        g_free(text);
        return 0;
}
