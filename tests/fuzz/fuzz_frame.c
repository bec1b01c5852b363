/* Fuzz target: the capture frame parser (dg_frame_feed), as `dnsglean pcap`
 * and the Wireshark plugin drive it. The input is one octet choosing the
 * link type (low 3 bits: a dg_link_t, 1-5; 0, 6 and 7 are invalid; bit 3:
 * DNS on port 5353 as well as 53), then frames, each a 2-octet length and
 * the frame's octets, fed in order to one extractor so TCP streams span
 * frames. */
#include "dnsglean/frame.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void on_msg(void *ud, const dg_detect_addr_t *src, const dg_detect_addr_t *dst,
                   const uint8_t *msg, size_t len)
{
        /* touch every octet handed out, so an over-read shows under ASan */
        uint8_t x = (uint8_t)(src->family ^ dst->family);
        for (size_t i = 0; i < len; i++)
                x ^= msg[i];
        *(uint8_t *)ud ^= x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        static const uint16_t ports[] = {53, 5353};
        dg_frame_t *f = NULL;
        if (dg_frame_new(ports, (data[0] & 8) ? 2 : 1, &f) != DG_OK)
                return 0;
        dg_link_t link = (dg_link_t)(data[0] & 7);
        uint8_t sink = 0;
        size_t pos = 1;
        while (pos + 2 <= size) {
                size_t len = (size_t)data[pos] << 8 | data[pos + 1];
                pos += 2;
                if (len > size - pos)
                        len = size - pos;
                /* each frame in a buffer of its own: reading past it is
                 * caught under ASan */
                uint8_t *frame = malloc(len ? len : 1);
                if (frame == NULL)
                        break;
                memcpy(frame, data + pos, len);
                dg_frame_feed(f, link, frame, len, on_msg, &sink);
                free(frame);
                pos += len;
        }
        dg_frame_free(f);
        return 0;
}
