/* dnsglean — detect: tag words, addresses and what names look like (see
 * detect_int.h, detect.h). */
#include "detect_int.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static const char *const tag_names[DG_TAG_COUNT_] = {
    [DG_TAG_AXFR] = "axfr",
    [DG_TAG_IXFR] = "ixfr",
    [DG_TAG_ANY] = "any",
    [DG_TAG_CHAOS] = "chaos",
    [DG_TAG_BRUTE] = "brute",
    [DG_TAG_NSEC_WALK] = "nsec-walk",
    [DG_TAG_SRV_ENUM] = "srv-enum",
    [DG_TAG_PTR_SWEEP] = "ptr-sweep",
    [DG_TAG_CACHE_SNOOP] = "cache-snoop",
    [DG_TAG_WILDCARD_PROBE] = "wildcard-probe",
    [DG_TAG_PROVIDER_DISCLOSURE] = "provider-disclosure",
    [DG_TAG_TAKEOVER_CANDIDATE] = "takeover-candidate",
    [DG_TAG_ZONE_LEAK] = "zone-leak",
    [DG_TAG_NSEC3_WALK] = "nsec3-walk",
    [DG_TAG_TLD_SWEEP] = "tld-sweep",
};

const char *dg_detect_tag_name(dg_tag_t t)
{
        if ((unsigned)t >= DG_TAG_COUNT_)
                return NULL;
        return tag_names[t];
}

int dg_detect_tag_parse(const char *word)
{
        if (word == NULL)
                return DG_EINVAL;
        for (int i = 0; i < DG_TAG_COUNT_; i++)
                if (strcmp(word, tag_names[i]) == 0)
                        return i;
        return DG_EINVAL;
}

int dg_detect_addr_str(const dg_detect_addr_t *a, char *buf, size_t cap)
{
        int n;
        if (a->family == 4)
                n = snprintf(buf, cap, "%u.%u.%u.%u", a->addr[0], a->addr[1], a->addr[2],
                             a->addr[3]);
        else if (a->family == 6) {
                /* RFC 5952: lowercase, longest run of two or more zero groups as "::" */
                uint16_t g[8];
                for (int i = 0; i < 8; i++)
                        g[i] = (uint16_t)(a->addr[2 * i] << 8 | a->addr[2 * i + 1]);
                int best = -1, bestlen = 1;
                for (int i = 0; i < 8;) {
                        int j = i;
                        while (j < 8 && g[j] == 0)
                                j++;
                        if (j - i > bestlen) {
                                best = i;
                                bestlen = j - i;
                        }
                        i = j > i ? j : i + 1;
                }
                char tmp[48];
                size_t o = 0;
                for (int i = 0; i < 8; i++) {
                        if (i == best) {
                                o += (size_t)snprintf(tmp + o, sizeof tmp - o, "::");
                                i += bestlen - 1;
                                continue;
                        }
                        if (o > 0 && tmp[o - 1] != ':')
                                tmp[o++] = ':';
                        o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%x", g[i]);
                }
                tmp[o] = '\0';
                n = snprintf(buf, cap, "%s", tmp);
        } else
                n = snprintf(buf, cap, "?");
        if (n < 0 || (size_t)n >= cap)
                return DG_ESPACE;
        return n;
}

bool dg_det_under_reverse(const uint8_t *w)
{
        static const uint8_t v4[] = "\x07in-addr\x04"
                                    "arpa";
        static const uint8_t v6[] = "\x03ip6\x04"
                                    "arpa";
        return dg_name_is_under(w, v4) || dg_name_is_under(w, v6);
}

bool dg_det_any_underscore(const uint8_t *w)
{
        for (size_t p = 0; w[p] != 0; p += 1u + w[p])
                if (w[p + 1] == '_')
                        return true;
        return false;
}

unsigned dg_det_labels(const uint8_t *w)
{
        unsigned n = 0;
        for (size_t p = 0; w[p] != 0; p += 1u + w[p])
                n++;
        return n;
}

static bool is_hex(uint8_t c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool dg_detect_label_uuid(const uint8_t *label, size_t len)
{
        /* RFC 9562 section 4: 8-4-4-4-12 hexadecimal digits */
        if (label == NULL || len != 36)
                return false;
        for (size_t i = 0; i < len; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                uint8_t c = dg_lower(label[i]);
                if (dash ? c != '-' : !is_hex(c))
                        return false;
        }
        return true;
}

/* 16 or more octets of one encoding alphabet (hex, RFC 4648 base32, or
 * base32hex at the 32 octets of an NSEC3 hash) with letters and digits
 * interleaved: encoded bytes, not words ("mailserver012345" is not). */
static bool label_encoded(const uint8_t *label, size_t len)
{
        if (len < 16)
                return false;
        bool hex = true, b32 = true, b32hex = len == 32;
        unsigned digits = 0, switches = 0;
        for (size_t i = 0; i < len; i++) {
                uint8_t c = dg_lower(label[i]);
                bool d = c >= '0' && c <= '9', l = c >= 'a' && c <= 'z';
                if (!d && !l)
                        return false;
                digits += d;
                if (i > 0 && d != (label[i - 1] >= '0' && label[i - 1] <= '9'))
                        switches++;
                hex = hex && is_hex(c);
                b32 = b32 && (l || (c >= '2' && c <= '7'));
                b32hex = b32hex && (d || (c >= 'a' && c <= 'v'));
        }
        return (hex || b32 || b32hex) && digits >= 2 && digits < len && switches >= 3;
}

bool dg_detect_label_random(const uint8_t *label, size_t len, unsigned min_len)
{
        if (label == NULL)
                return false;
        if (dg_detect_label_uuid(label, len) || label_encoded(label, len))
                return true;
        if (len < min_len || len < 4)
                return false;
        unsigned digits = 0, letters = 0, vowels = 0, run = 0, maxrun = 0, switches = 0;
        int prev = -1; /* 0 letter, 1 digit */
        for (size_t i = 0; i < len; i++) {
                uint8_t c = dg_lower(label[i]);
                int cls;
                if (c >= '0' && c <= '9') {
                        digits++;
                        cls = 1;
                        run = 0;
                } else if (c >= 'a' && c <= 'z') {
                        letters++;
                        cls = 0;
                        if (strchr("aeiou", c)) {
                                vowels++;
                                run = 0;
                        } else if (++run > maxrun)
                                maxrun = run;
                } else
                        return false; /* hyphens, underscores: made by people */
                if (prev >= 0 && prev != cls)
                        switches++;
                prev = cls;
        }
        if (letters == 0)
                return digits >= 10;
        /* Words have about 40% vowels and short consonant runs; uniform random
         * letters have 5/26 vowels and long runs; random alphanumerics also
         * switch between letters and digits often. Two signals must agree. */
        unsigned score = 0;
        if (vowels * 100 < letters * 25)
                score += 2;
        if (vowels * 100 < letters * 12)
                score++;
        if (maxrun >= 5)
                score += 2;
        else if (maxrun >= 4)
                score++;
        if (digits > 0 && switches >= 3)
                score += 2;
        if (len >= 16)
                score++;
        return score >= 3;
}

/* The walkers' successor arithmetic (RFC 4034 section 6.1 canonical order;
 * RFC 4470 section 2 spells out the "next name" constructions): ldns-walk
 * asks "\000.owner" and the owner's first label with "\000" appended (or its
 * last octet incremented when the label is full), Nmap's dns-nsec-enum
 * "0.next" and "next-" (nselib's DNS_CHARS order), dnsglean walk "\000.owner"
 * and the owner's NSEC. */
bool dg_det_nsec_successor(const uint8_t *q, uint16_t qtype, const uint8_t *h)
{
        size_t hl = dg_det_wlen(h), ql = dg_det_wlen(q);
        if (ql == hl && memcmp(q, h, hl) == 0)
                return qtype == DG_T_NSEC;
        /* one-octet label "\000" or "0" just below h */
        if (q[0] == 1 && (q[1] == 0 || q[1] == '0') && ql == hl + 2 && memcmp(q + 2, h, hl) == 0)
                return true;
        if (q[0] == 0 || h[0] == 0 || ql < hl || ql > hl + 1)
                return false;
        const uint8_t *qp = q + 1 + q[0], *hp = h + 1 + h[0];
        size_t rest = hl - 1u - h[0];
        if (dg_det_wlen(qp) != rest || memcmp(qp, hp, rest) != 0)
                return false;
        if (q[0] == h[0] + 1)
                return memcmp(q + 1, h + 1, h[0]) == 0 && (q[1 + h[0]] == 0 || q[1 + h[0]] == '-');
        /* a full label cannot grow: its last octet goes up by one */
        return q[0] == 63 && h[0] == 63 && memcmp(q + 1, h + 1, 62) == 0 && q[63] == h[63] + 1;
}
