/* dnsglean — wire format: names, query building, zero-allocation response
 * parsing. Pure functions over (buf, len); nothing here touches a socket.
 *
 * Names are handled in wire form (length-prefixed labels, root label last,
 * at most DG_NAME_WIRE_MAX octets) and compared case-insensitively.
 */
#ifndef DNSGLEAN_WIRE_H
#define DNSGLEAN_WIRE_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DG_NAME_WIRE_MAX 255
#define DG_NAME_STR_MAX 1024 /* presentation form incl. escapes and NUL */
#define DG_LABEL_MAX 63
#define DG_HDR_LEN 12

/* DNS constants used across the project (RFC 1035 and successors). */
enum {
        DG_CLASS_IN = 1,
        DG_CLASS_CH = 3,
        DG_CLASS_ANY = 255,
};
enum {
        DG_T_A = 1,
        DG_T_NS = 2,
        DG_T_CNAME = 5,
        DG_T_SOA = 6,
        DG_T_PTR = 12,
        DG_T_MX = 15,
        DG_T_TXT = 16,
        DG_T_AAAA = 28,
        DG_T_SRV = 33,
        DG_T_DNAME = 39,
        DG_T_OPT = 41,
        DG_T_DS = 43,
        DG_T_RRSIG = 46,
        DG_T_NSEC = 47,
        DG_T_DNSKEY = 48,
        DG_T_NSEC3 = 50,
        DG_T_NSEC3PARAM = 51,
        DG_T_HTTPS = 65,
        DG_T_SPF = 99,
        DG_T_IXFR = 251,
        DG_T_AXFR = 252,
        DG_T_ANY = 255,
        DG_T_CAA = 257,
};
enum {
        DG_RCODE_NOERROR = 0,
        DG_RCODE_FORMERR = 1,
        DG_RCODE_SERVFAIL = 2,
        DG_RCODE_NXDOMAIN = 3,
        DG_RCODE_NOTIMP = 4,
        DG_RCODE_REFUSED = 5,
};
enum { DG_OPCODE_QUERY = 0 };

/* Header flag bits as they sit in the second 16-bit word of the header. */
#define DG_FLAG_QR 0x8000u
#define DG_FLAG_AA 0x0400u
#define DG_FLAG_TC 0x0200u
#define DG_FLAG_RD 0x0100u
#define DG_FLAG_RA 0x0080u
#define DG_FLAG_AD 0x0020u
#define DG_FLAG_CD 0x0010u

/* ---- names ---- */

/* Converts a presentation-format name ("www.Example.com" or with a trailing
 * dot; "\DDD" and "\X" escapes accepted; "." is the root) of len octets into
 * wire form in wire[DG_NAME_WIRE_MAX]. Case is preserved. Returns the wire
 * length (> 0) or DG_ENAME (empty label, label > 63, name > 255 octets). */
DG_API int dg_name_from_str(const char *s, size_t len, uint8_t *wire);

/* Writes wire name into buf (cap octets) in presentation form with a trailing
 * dot, escaping special characters as RFC 1035 says. Returns the string length
 * or DG_ESPACE / DG_ENAME. */
DG_API int dg_name_to_str(const uint8_t *wire, char *buf, size_t cap);

/* Length of a well-formed, uncompressed wire name (walks the labels), or
 * DG_ENAME if it is not well formed within max octets. */
DG_API int dg_name_len(const uint8_t *wire, size_t max);

/* Case-insensitive equality of two wire names. */
DG_API bool dg_name_equal(const uint8_t *a, const uint8_t *b);

/* True if child equals parent or lies below it (label-wise, case-insensitive). */
DG_API bool dg_name_is_under(const uint8_t *child, const uint8_t *parent);

/* RFC 4034 section 6.1 canonical order of two well-formed wire names
 * (case-insensitive, compared from the root label down): <0, 0 or >0. */
DG_API int dg_name_cmp(const uint8_t *a, const uint8_t *b);

/* Number of labels of a wire name, root excluded ("a.b." has 2). */
DG_API int dg_name_labels(const uint8_t *wire);

/* Builds label + parent into out[DG_NAME_WIRE_MAX]. The label is raw octets
 * (no escapes). Returns the wire length or DG_ENAME if too long. */
DG_API int dg_name_prepend(const uint8_t *label, size_t label_len, const uint8_t *parent,
                           uint8_t *out);

/* Lowercases an ASCII wire name in place. */
DG_API void dg_name_lower(uint8_t *wire);

/* Checks one wordlist label: 1..63 octets of letters, digits, '-', '_' or
 * '*' not at all; no leading/trailing '-' is NOT enforced (real zones hold
 * such names). Returns DG_OK or DG_ENAME. */
DG_API int dg_label_check(const char *s, size_t len);

/* Stable 64-bit hash of a name, case-insensitive (FNV-1a over lowercased
 * wire octets); used for sharding, so it must never change. */
DG_API uint64_t dg_name_hash(const uint8_t *wire);

/* ---- queries ---- */

#define DG_Q_RD 0x1u   /* recursion desired */
#define DG_Q_EDNS 0x2u /* add an OPT record (payload size given) */
#define DG_Q_DO 0x4u   /* DNSSEC OK bit in the OPT record */
#define DG_Q_CD 0x8u   /* checking disabled */

/* Builds a query (one question) into buf of cap octets. Returns the message
 * length or DG_ESPACE / DG_ENAME. Zero allocation. */
DG_API int dg_wire_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
                               uint16_t qtype, uint16_t qclass, unsigned flags,
                               uint16_t edns_payload);

/* ---- responses ---- */

/* Header and first question of a message, parsed without allocating. */
typedef struct {
        uint16_t id;
        uint16_t flags; /* raw flags word: DG_FLAG_* and opcode/rcode bits */
        uint8_t opcode;
        uint8_t rcode; /* header rcode (4 bits); EDNS extension not applied */
        uint16_t qdcount, ancount, nscount, arcount;
        uint8_t qname[DG_NAME_WIRE_MAX]; /* empty (root) when qdcount == 0 */
        uint16_t qtype, qclass;
        size_t body_off; /* offset of the first record after the question(s) */
} dg_wire_msg_t;

/* Parses the header and the question section of msg. Returns DG_OK or
 * DG_EMALFORMED (short header, bad question, compression loop). Only the
 * first question is kept in out; further questions are skipped. */
DG_API int dg_wire_parse(const uint8_t *msg, size_t len, dg_wire_msg_t *out);

typedef enum { DG_SEC_ANSWER = 0, DG_SEC_AUTHORITY = 1, DG_SEC_ADDITIONAL = 2 } dg_section_t;

/* One resource record, owner decompressed; rdata points into the message. */
typedef struct {
        uint8_t owner[DG_NAME_WIRE_MAX];
        uint16_t type, rclass;
        uint32_t ttl;
        uint16_t rdlen;
        size_t rdata_off; /* offset of rdata in the message */
        size_t rr_off;    /* offset of the record's start in the message */
        dg_section_t section;
} dg_wire_rr_t;

/* Iterator over the records of a message; its error is sticky. */
typedef struct {
        const uint8_t *msg;
        size_t len, pos;
        uint16_t left[3];
        int section;
        int err;
} dg_wire_iter_t;

/* Starts iterating after the question section described by m. */
DG_API void dg_wire_iter_init(dg_wire_iter_t *it, const uint8_t *msg, size_t len,
                              const dg_wire_msg_t *m);

/* Reads the next record into rr. Returns 1 for a record, 0 at the end, or
 * DG_EMALFORMED (also kept in it->err). */
DG_API int dg_wire_iter_next(dg_wire_iter_t *it, dg_wire_rr_t *rr);

/* Reads a possibly compressed name at *pos into out[DG_NAME_WIRE_MAX],
 * advancing *pos past it. Rejects forward-looping pointers and names over
 * 255 octets. Returns the wire length or DG_EMALFORMED. */
DG_API int dg_wire_read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out);

/* Writes the rdata of rr in presentation format (as in a zone file, names
 * with trailing dots) into buf. Uses ldns for the general case. Returns the
 * string length, DG_ESPACE, or DG_EMALFORMED. */
DG_API int dg_wire_rdata_str(const uint8_t *msg, size_t len, const dg_wire_rr_t *rr, char *buf,
                             size_t cap);

/* ---- names of things ---- */

/* Mnemonic of an RR type ("A", "TYPE65534" for unknown). Static or thread
 * local storage: copy it if you keep it. */
DG_API const char *dg_rrtype_str(uint16_t type);

/* RR type from a mnemonic or "TYPEnnn" (case-insensitive). Returns the type
 * (> 0) or DG_EINVAL. */
DG_API int dg_rrtype_parse(const char *s);

/* Mnemonic of an rcode ("NOERROR", "NXDOMAIN", ..., "RCODE12"). Static. */
DG_API const char *dg_rcode_str(unsigned rcode);

#ifdef __cplusplus
}
#endif
#endif
