/* Shared by the fuzz targets and the replay driver: the libFuzzer entry
 * point, and the record framing and question splicing that the targets fed
 * with DNS messages (detect, engine, walk) read their input with. */
#ifndef DG_FUZZ_H
#define DG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Runs one input through the target; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the record at *pos of data[0..size): a control octet into *ctl, a
 * 2-octet length, then that many octets (cut at the input's end; their
 * number into *len). Returns the record's octets (inside data) and moves
 * *pos past them; NULL, with nothing moved, when fewer than 3 octets are
 * left. */
static inline const uint8_t *fuzz_record(const uint8_t *data, size_t size, size_t *pos,
                                         uint8_t *ctl, size_t *len)
{
        if (*pos + 3 > size)
                return NULL;
        *ctl = data[*pos];
        size_t n = (size_t)data[*pos + 1] << 8 | data[*pos + 2];
        *pos += 3;
        if (n > size - *pos)
                n = size - *pos;
        const uint8_t *body = data + *pos;
        *pos += n;
        *len = n;
        return body;
}

/* Rewrites the message msg[0..len) in place into a response to query
 * q[0..qlen) (qlen >= 12, its OPT record, if any, dropped): msg's header
 * (zeros where msg is shorter) with one question and QR set, q's question,
 * then msg's octets after its header. msg must hold qlen + len octets.
 * Returns the new length. */
static inline size_t fuzz_splice_question(uint8_t *msg, size_t len, const uint8_t *q, size_t qlen)
{
        size_t qend = qlen;
        if (q[11] == 1) /* drop the OPT record */
                qend -= 11;
        uint8_t hdr[12] = {0};
        memcpy(hdr, msg, len < 12 ? len : 12);
        size_t rest = len > 12 ? len - 12 : 0;
        memmove(msg + qend, msg + (len - rest), rest);
        memcpy(msg, hdr, 12);
        memcpy(msg + 12, q + 12, qend - 12);
        msg[4] = 0;
        msg[5] = 1;
        msg[2] |= 0x80; /* QR */
        return qend + rest;
}

#endif
