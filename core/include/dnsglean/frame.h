/* dnsglean — frame: the DNS messages inside captured link-layer frames.
 *
 * Shared by `dnsglean pcap` and the Wireshark plugin so that both hand the
 * detector exactly the same messages. Understands Ethernet (with 802.1Q/ad
 * tags), Linux cooked capture v1 and v2, raw IPv4/IPv6 and BSD loopback;
 * IPv4 and IPv6 (extension headers skipped; fragments are not reassembled);
 * DNS over UDP, and over TCP with its two-octet length prefix (RFC 1035
 * 4.2.2; segments reassembled in order, retransmissions dropped). Feed the
 * frames of one capture in order. Not thread-safe.
 */
#ifndef DNSGLEAN_FRAME_H
#define DNSGLEAN_FRAME_H

#include "dnsglean/common.h"
#include "dnsglean/detect.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Link layers (names as in pcap's LINKTYPE_ list). */
typedef enum {
        DG_LINK_ETHERNET = 1,
        DG_LINK_SLL = 2,  /* Linux cooked capture */
        DG_LINK_SLL2 = 3, /* Linux cooked capture v2 */
        DG_LINK_RAW = 4,  /* IPv4 or IPv6, no link header */
        DG_LINK_NULL = 5, /* BSD loopback: 4-octet family */
} dg_link_t;

typedef struct dg_frame dg_frame_t;

/* Creates an extractor for DNS on the given ports (nports 0: port 53).
 * Returns DG_OK and *out (free with dg_frame_free), DG_EINVAL (more than 64
 * ports, port 0) or DG_ENOMEM. */
DG_API int dg_frame_new(const uint16_t *ports, size_t nports, dg_frame_t **out);

/* Frees the extractor and its TCP buffers. NULL is fine. */
DG_API void dg_frame_free(dg_frame_t *f);

/* Called for each complete DNS message (without TCP's length prefix); the
 * pointers are valid during the call only. */
typedef void (*dg_frame_msg_fn)(void *ud, const dg_detect_addr_t *src, const dg_detect_addr_t *dst,
                                const uint8_t *msg, size_t len);

/* Feeds one captured frame (len octets as captured) of the given link type,
 * calling fn for each DNS message it completes. Returns the number of
 * messages (>= 0) or DG_EINVAL for an unknown link type. Frames that are not
 * DNS, or are truncated, give 0. */
DG_API int dg_frame_feed(dg_frame_t *f, dg_link_t link, const uint8_t *pkt, size_t len,
                         dg_frame_msg_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif
