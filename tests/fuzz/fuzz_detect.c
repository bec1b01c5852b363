/* Fuzz target: the passive detector (dg_detect_observe), as the Wireshark
 * plugin and `dnsglean pcap` drive it. The input is a sequence of records:
 * one control octet (bit 0: the message comes from the server side; bits
 * 1-3: which of 8 client addresses; bits 4-7: seconds to advance), a
 * 2-octet length, then a DNS message. Low thresholds make every stateful
 * tag reachable within a few messages. */
#include "dnsglean/detect.h"

#include "fuzz.h"

static int on_source(void *ud, const dg_detect_source_t *s)
{
        *(uint64_t *)ud += s->queries + s->responses;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        o.brute_names = 3;
        o.srv_names = 2;
        o.ptr_names = 3;
        o.nsec_steps = 2;
        o.snoop_names = 2;
        o.max_sources = 4;
        dg_detector_t *det = NULL;
        if (dg_detect_new(&o, &det) != DG_OK)
                return 0;
        dg_detect_addr_t server = {4, {192, 0, 2, 53}};
        double t = 1.0;
        size_t pos = 0, len;
        uint8_t ctl;
        const uint8_t *msg;
        while ((msg = fuzz_record(data, size, &pos, &ctl, &len)) != NULL) {
                dg_detect_addr_t client = {(ctl & 8) ? 6 : 4, {10, 0, 0, (uint8_t)(ctl >> 1 & 7)}};
                t += (ctl >> 4) * 1.5;
                dg_detect_result_t r;
                if (ctl & 1)
                        dg_detect_observe(det, t, &server, &client, msg, len, &r);
                else
                        dg_detect_observe(det, t, &client, &server, msg, len, &r);
                char buf[64];
                dg_detect_addr_str(&r.source, buf, sizeof buf);
        }
        uint64_t n = 0;
        dg_detect_foreach_source(det, on_source, &n);
        dg_detect_messages(det);
        dg_detect_untracked(det);
        dg_detect_free(det);
        return 0;
}
