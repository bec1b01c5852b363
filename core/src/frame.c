/* dnsglean — DNS messages inside captured frames (see frame.h). */
#include "dnsglean/frame.h"

#include <glib.h>
#include <string.h>

#define TCP_BUF_MAX (2 * 65537)
#define MAX_PORTS 64
#define MAX_STREAMS 65536

typedef struct {
        uint8_t family;
        uint8_t src[16], dst[16];
        uint16_t sport, dport;
} flow_key_t;

typedef struct {
        flow_key_t key;
        uint32_t next_seq;
        bool synced;
        GByteArray *buf;
} tcp_stream_t;

struct dg_frame {
        uint16_t ports[MAX_PORTS];
        size_t nports;
        GHashTable *streams; /* flow_key_t* -> tcp_stream_t* (one direction each) */
};

static guint flow_hash(gconstpointer p)
{
        const uint8_t *b = p;
        guint h = 2166136261u;
        for (size_t i = 0; i < sizeof(flow_key_t); i++)
                h = (h ^ b[i]) * 16777619u;
        return h;
}

static gboolean flow_eq(gconstpointer a, gconstpointer b)
{
        return memcmp(a, b, sizeof(flow_key_t)) == 0;
}

static void stream_free(gpointer p)
{
        tcp_stream_t *s = p;
        g_byte_array_free(s->buf, TRUE);
        g_free(s);
}

int dg_frame_new(const uint16_t *ports, size_t nports, dg_frame_t **out)
{
        if (out == NULL || nports > MAX_PORTS || (nports && ports == NULL))
                return DG_EINVAL;
        *out = NULL;
        for (size_t i = 0; i < nports; i++)
                if (ports[i] == 0)
                        return DG_EINVAL;
        dg_frame_t *f = g_new0(dg_frame_t, 1);
        if (nports == 0) {
                f->ports[0] = 53;
                f->nports = 1;
        } else {
                memcpy(f->ports, ports, nports * sizeof *ports);
                f->nports = nports;
        }
        /* flow_key_t is all octets: no padding to compare */
        G_STATIC_ASSERT(sizeof(flow_key_t) == 38);
        f->streams = g_hash_table_new_full(flow_hash, flow_eq, NULL, stream_free);
        *out = f;
        return DG_OK;
}

void dg_frame_free(dg_frame_t *f)
{
        if (f == NULL)
                return;
        g_hash_table_destroy(f->streams);
        g_free(f);
}

static uint16_t be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool dns_port(const dg_frame_t *f, uint16_t sport, uint16_t dport)
{
        for (size_t i = 0; i < f->nports; i++)
                if (f->ports[i] == sport || f->ports[i] == dport)
                        return true;
        return false;
}

/* One TCP segment: appends new in-order octets to the direction's buffer and
 * hands out every complete length-prefixed message. */
static int tcp_segment(dg_frame_t *f, const flow_key_t *k, const dg_detect_addr_t *src,
                       const dg_detect_addr_t *dst, const uint8_t *tcp, size_t len,
                       dg_frame_msg_fn fn, void *ud)
{
        if (len < 20)
                return 0;
        size_t hl = (size_t)(tcp[12] >> 4) * 4;
        if (hl < 20 || hl > len)
                return 0;
        uint32_t seq = be32(tcp + 4);
        uint8_t fl = tcp[13];
        const uint8_t *data = tcp + hl;
        size_t dlen = len - hl;
        int n = 0;
        tcp_stream_t *s = g_hash_table_lookup(f->streams, k);
        if (s == NULL) {
                if ((dlen == 0 && !(fl & 0x02)) || g_hash_table_size(f->streams) >= MAX_STREAMS)
                        return 0;
                s = g_new0(tcp_stream_t, 1);
                s->key = *k;
                s->buf = g_byte_array_new();
                g_hash_table_insert(f->streams, &s->key, s);
        }
        if (fl & 0x02) { /* SYN */
                s->next_seq = seq + 1;
                s->synced = true;
                g_byte_array_set_size(s->buf, 0);
                return 0;
        }
        if (dlen > 0) {
                if (!s->synced) {
                        s->next_seq = seq;
                        s->synced = true;
                }
                int32_t d = (int32_t)(s->next_seq - seq);
                if (d < 0) {
                        /* a gap: what is buffered can never complete */
                        g_byte_array_set_size(s->buf, 0);
                        s->next_seq = seq;
                        d = 0;
                }
                if ((size_t)d < dlen) { /* new octets (retransmissions skipped) */
                        g_byte_array_append(s->buf, data + d, (guint)(dlen - (size_t)d));
                        s->next_seq = seq + (uint32_t)dlen;
                }
                size_t off = 0;
                while (s->buf->len - off >= 2) {
                        size_t ml = be16(s->buf->data + off);
                        if (s->buf->len - off < 2 + ml)
                                break;
                        fn(ud, src, dst, s->buf->data + off + 2, ml);
                        n++;
                        off += 2 + ml;
                }
                if (off)
                        g_byte_array_remove_range(s->buf, 0, (guint)off);
                if (s->buf->len > TCP_BUF_MAX)
                        g_byte_array_set_size(s->buf, 0);
        }
        if (fl & 0x05) /* FIN or RST */
                g_hash_table_remove(f->streams, k);
        return n;
}

static int ip_packet(dg_frame_t *f, const uint8_t *p, size_t len, dg_frame_msg_fn fn, void *ud)
{
        if (len < 1)
                return 0;
        dg_detect_addr_t src, dst;
        memset(&src, 0, sizeof src);
        memset(&dst, 0, sizeof dst);
        uint8_t proto;
        const uint8_t *l4;
        size_t l4len;
        int v = p[0] >> 4;
        if (v == 4) {
                if (len < 20)
                        return 0;
                size_t hl = (size_t)(p[0] & 0xf) * 4;
                size_t tot = be16(p + 2);
                if (hl < 20 || tot < hl || tot > len)
                        return 0;
                if (be16(p + 6) & 0x3fff) /* fragments: not reassembled here */
                        return 0;
                proto = p[9];
                src.family = dst.family = 4;
                memcpy(src.addr, p + 12, 4);
                memcpy(dst.addr, p + 16, 4);
                l4 = p + hl;
                l4len = tot - hl;
        } else if (v == 6) {
                if (len < 40)
                        return 0;
                size_t pl = be16(p + 4);
                if (40 + pl > len)
                        return 0;
                proto = p[6];
                src.family = dst.family = 6;
                memcpy(src.addr, p + 8, 16);
                memcpy(dst.addr, p + 24, 16);
                l4 = p + 40;
                l4len = pl;
                /* hop-by-hop, routing, destination options; a fragment
                 * header (44) ends the walk: not reassembled */
                while ((proto == 0 || proto == 43 || proto == 60) && l4len >= 8) {
                        size_t el = ((size_t)l4[1] + 1) * 8;
                        if (el > l4len)
                                return 0;
                        proto = l4[0];
                        l4 += el;
                        l4len -= el;
                }
        } else
                return 0;
        if (l4len < 8)
                return 0;
        uint16_t sport = be16(l4), dport = be16(l4 + 2);
        if (!dns_port(f, sport, dport))
                return 0;
        if (proto == 17) {
                size_t ul = be16(l4 + 4);
                if (ul < 8 || ul > l4len)
                        return 0;
                fn(ud, &src, &dst, l4 + 8, ul - 8);
                return 1;
        }
        if (proto == 6) {
                flow_key_t k;
                memset(&k, 0, sizeof k);
                k.family = src.family;
                memcpy(k.src, src.addr, 16);
                memcpy(k.dst, dst.addr, 16);
                k.sport = sport;
                k.dport = dport;
                return tcp_segment(f, &k, &src, &dst, l4, l4len, fn, ud);
        }
        return 0;
}

int dg_frame_feed(dg_frame_t *f, dg_link_t link, const uint8_t *p, size_t len, dg_frame_msg_fn fn,
                  void *ud)
{
        if (f == NULL || fn == NULL || (p == NULL && len))
                return DG_EINVAL;
        size_t off;
        switch (link) {
        case DG_LINK_ETHERNET: {
                if (len < 14)
                        return 0;
                uint16_t et = be16(p + 12);
                off = 14;
                while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
                        et = be16(p + off + 2);
                        off += 4;
                }
                if (et != 0x0800 && et != 0x86dd)
                        return 0;
                break;
        }
        case DG_LINK_SLL:
                off = 16;
                break;
        case DG_LINK_SLL2:
                off = 20;
                break;
        case DG_LINK_NULL:
                off = 4;
                break;
        case DG_LINK_RAW:
                off = 0;
                break;
        default:
                return DG_EINVAL;
        }
        if (len <= off)
                return 0;
        return ip_packet(f, p + off, len - off, fn, ud);
}
