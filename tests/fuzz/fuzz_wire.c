/* Fuzz target: response parsing. dg_wire_parse, the record iterator,
 * rdata_str of every record, names to text and back. Any input. */
#include <stdlib.h>
#include <string.h>

#include "dnsglean/wire.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        dg_wire_msg_t m;
        char buf[4096];
        if (dg_wire_parse(data, size, &m) == DG_OK) {
                dg_name_to_str(m.qname, buf, sizeof buf);
                dg_wire_iter_t it;
                dg_wire_rr_t rr;
                dg_wire_iter_init(&it, data, size, &m);
                unsigned n = 0;
                while (dg_wire_iter_next(&it, &rr) == 1 && n++ < 1000) {
                        char nm[DG_NAME_STR_MAX];
                        int l = dg_name_to_str(rr.owner, nm, sizeof nm);
                        if (l > 0) {
                                /* text form reads back to the same name */
                                uint8_t w[DG_NAME_WIRE_MAX];
                                int wl = dg_name_from_str(nm, (size_t)l, w);
                                int ol = dg_name_len(rr.owner, DG_NAME_WIRE_MAX);
                                if (wl != ol || memcmp(w, rr.owner, (size_t)ol) != 0)
                                        abort();
                        }
                        dg_wire_rdata_str(data, size, &rr, buf, sizeof buf);
                        dg_wire_rdata_str(data, size, &rr, buf, 8); /* short buffer */
                        dg_rrtype_str(rr.type);
                }
        }
        /* the same octets as a presentation-format name */
        uint8_t w[DG_NAME_WIRE_MAX];
        int wl = dg_name_from_str((const char *)data, size, w);
        if (wl > 0) {
                if (dg_name_len(w, DG_NAME_WIRE_MAX) != wl)
                        abort();
                int l = dg_name_to_str(w, buf, sizeof buf);
                uint8_t w2[DG_NAME_WIRE_MAX];
                if (l < 0 || dg_name_from_str(buf, (size_t)l, w2) != wl ||
                    memcmp(w, w2, (size_t)wl) != 0)
                        abort();
                dg_name_hash(w);
                dg_name_labels(w);
        }
        return 0;
}
