/* Fuzz target: the AXFR stream reader (dg_axfr_feed). The query ID is fixed
 * (0x4242) so the fuzzer can learn it; the first input octet picks how the
 * stream is cut into feed() calls. Every record is formatted at the end. */
#include <glib.h>

#include "dnsglean/axfr.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        dg_axfr_opts_t o;
        dg_axfr_opts_init(&o);
        o.id = 0x4242;
        o.max_records = 5000;
        o.max_bytes = 1 << 20;
        dg_axfr_t *x = NULL;
        if (dg_axfr_new("example.com", &o, &x) != DG_OK)
                return 0;
        uint8_t q[512];
        dg_axfr_query(x, 1000, q, sizeof q);
        size_t step = size > 0 ? 1u + data[0] * 7u : 1;
        size_t pos = size > 0 ? 1 : 0;
        uint64_t now = 1000;
        int rc = DG_AXFR_MORE;
        while (pos < size && rc == DG_AXFR_MORE) {
                size_t n = size - pos < step ? size - pos : step;
                rc = dg_axfr_feed(x, now++, data + pos, n);
                pos += n;
                dg_axfr_tick(x, now);
        }
        if (rc == DG_AXFR_MORE)
                dg_axfr_eof(x);
        dg_axfr_status(x);
        dg_axfr_errmsg(x);
        for (size_t i = 0; i < dg_axfr_count(x); i++)
                g_free(dg_axfr_rr_line(dg_axfr_record(x, i)));
        dg_axfr_free(x);
        return 0;
}
