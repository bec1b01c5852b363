/* Private part of the wire layer (wire.c): the bridges to ldns and base32hex
 * that the zone transfer and walking modules need. Not installed. */
#ifndef DG_WIRE_INT_H
#define DG_WIRE_INT_H

#include <ldns/ldns.h>

#include "dnsglean/wire.h"

/* Copies the ldns dname rdf into out[DG_NAME_WIRE_MAX], lowercased. Returns
 * the wire length or DG_ENAME (not a well-formed dname). */
int dg_wire_name_from_rdf(const ldns_rdf *rdf, uint8_t *out);

/* Presentation name s (NUL-terminated) to lowercased wire form in
 * out[DG_NAME_WIRE_MAX]. Returns the wire length or DG_ENAME. */
int dg_wire_name_parse(const char *s, uint8_t *out);

/* Wire name to presentation form with a trailing dot, g_malloc'd (caller
 * g_free()s it). Returns NULL if the name is not well formed. */
char *dg_wire_name_dup(const uint8_t *wire);

/* Presentation rdata of an ldns RR, fields joined by spaces; g_malloc'd
 * (caller g_free()s it). An unprintable field is written "?". */
char *dg_wire_ldns_rdata(const ldns_rr *rr);

/* Base32hex (RFC 4648 section 7) through ldns, lowercase, without padding.
 * Encode returns the string length (NUL written) or DG_ESPACE; decode takes
 * unpadded text and returns the octet count or DG_EPARSE. */
int dg_b32hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);
int dg_b32hex_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
