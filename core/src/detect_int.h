/* dnsglean — detect: name tests shared by the detector's rules (private). */
#ifndef DNSGLEAN_DETECT_INT_H
#define DNSGLEAN_DETECT_INT_H

#include "dnsglean/detect.h"
#include "dnsglean/wire.h"

/* Length of a wire name known to be well formed (parsed by the wire layer). */
static inline size_t dg_det_wlen(const uint8_t *w)
{
        return (size_t)dg_name_len(w, DG_NAME_WIRE_MAX);
}

/* True if the wire name is under in-addr.arpa or ip6.arpa. */
bool dg_det_under_reverse(const uint8_t *w);

/* True if any label of the wire name starts with '_'. */
bool dg_det_any_underscore(const uint8_t *w);

/* True if the wire name q (lowercased) is a name a zone walker constructs from
 * the NSEC owner or next name h (lowercased) to land just past it: "\000.h" or
 * "0.h", h's first label with "\000" or "-" appended, or (for a 63-octet label)
 * with its last octet incremented; h itself only when asked for type NSEC. */
bool dg_det_nsec_successor(const uint8_t *q, uint16_t qtype, const uint8_t *h);

/* Number of labels of a wire name. */
unsigned dg_det_labels(const uint8_t *w);

#endif
