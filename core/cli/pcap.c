/* dnsglean pcap FILE — the Wireshark plugin's detector and classifier over a
 * capture, headless: tagged DNS messages and a per-source summary as JSON
 * Lines. Reads pcap and pcapng through libpcap; Ethernet (with VLAN tags),
 * Linux cooked (v1, v2), raw IP, BSD loopback. DNS over UDP and TCP (length
 * prefixed, RFC 1035 4.2.2; segments reassembled in order) on the given ports.
 */
#include "cli.h"
#include "dnsglean/detect.h"

#include <pcap/pcap.h>
#include <string.h>

#define CMD "pcap"
#define TCP_BUF_MAX (2 * 65537)

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

typedef struct {
        dg_detector_t *det;
        GString *line;
        FILE *out;
        bool all;
        uint16_t ports[16];
        unsigned nports;
        uint64_t frame;
        GHashTable *streams; /* flow_key_t* -> tcp_stream_t* */
        uint64_t tagged;
} pcap_ctx_t;

static guint flow_hash(gconstpointer p)
{
        const flow_key_t *k = p;
        guint h = 2166136261u;
        const uint8_t *b = p;
        for (size_t i = 0; i < sizeof *k; i++)
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

static bool dns_port(const pcap_ctx_t *c, uint16_t sport, uint16_t dport)
{
        for (unsigned i = 0; i < c->nports; i++)
                if (c->ports[i] == sport || c->ports[i] == dport)
                        return true;
        return false;
}

static uint16_t be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void emit(pcap_ctx_t *c, double t, const dg_detect_addr_t *src, const dg_detect_addr_t *dst,
                 const uint8_t *msg, size_t len)
{
        dg_detect_result_t r;
        int rc = dg_detect_observe(c->det, t, src, dst, msg, len, &r);
        if (r.tags == 0 && !c->all)
                return;
        if (r.tags)
                c->tagged++;
        GString *l = c->line;
        char a[64];
        g_string_truncate(l, 0);
        g_string_append_printf(l, "{\"frame\":%" G_GUINT64_FORMAT ",\"time\":%.6f", c->frame, t);
        dg_detect_addr_str(src, a, sizeof a);
        g_string_append(l, ",\"src\":");
        dg_json_str(l, a);
        dg_detect_addr_str(dst, a, sizeof a);
        g_string_append(l, ",\"dst\":");
        dg_json_str(l, a);
        dg_detect_addr_str(&r.source, a, sizeof a);
        g_string_append(l, ",\"source\":");
        dg_json_str(l, a);
        dg_wire_msg_t m;
        if (rc == DG_OK && dg_wire_parse(msg, len, &m) == DG_OK) {
                char name[DG_NAME_STR_MAX];
                g_string_append_printf(l, ",\"response\":%s,\"id\":%u",
                                       r.response ? "true" : "false", m.id);
                if (m.qdcount > 0 && dg_name_to_str(m.qname, name, sizeof name) > 0) {
                        g_string_append(l, ",\"qname\":");
                        dg_json_str(l, name);
                        g_string_append(l, ",\"qtype\":");
                        dg_json_str(l, dg_rrtype_str(m.qtype));
                }
                if (r.response) {
                        g_string_append(l, ",\"rcode\":");
                        dg_json_str(l, dg_rcode_str(m.rcode));
                }
        } else {
                g_string_append(l, ",\"malformed\":true");
        }
        g_string_append(l, ",\"tags\":[");
        bool first = true;
        for (int i = 0; i < DG_TAG_COUNT_; i++) {
                if (!(r.tags & DG_TAG_BIT(i)))
                        continue;
                if (!first)
                        g_string_append_c(l, ',');
                first = false;
                dg_json_str(l, dg_detect_tag_name((dg_tag_t)i));
        }
        g_string_append(l, "],\"providers\":[");
        for (unsigned i = 0; i < r.nproviders; i++) {
                g_string_append(l, i ? ",{\"name\":" : "{\"name\":");
                dg_json_str(l, r.providers[i].name);
                g_string_append(l, ",\"category\":");
                dg_json_str(l, r.providers[i].category);
                g_string_append_c(l, '}');
        }
        g_string_append_printf(l, "],\"source_score\":%u}\n", r.source_score);
        fwrite(l->str, 1, l->len, c->out);
}

static void tcp_segment(pcap_ctx_t *c, double t, const flow_key_t *k, const dg_detect_addr_t *src,
                        const dg_detect_addr_t *dst, const uint8_t *tcp, size_t len)
{
        if (len < 20)
                return;
        size_t hl = (size_t)(tcp[12] >> 4) * 4;
        if (hl < 20 || hl > len)
                return;
        uint32_t seq = be32(tcp + 4);
        uint8_t fl = tcp[13];
        const uint8_t *data = tcp + hl;
        size_t dlen = len - hl;
        tcp_stream_t *s = g_hash_table_lookup(c->streams, k);
        if (s == NULL) {
                if (dlen == 0 && !(fl & 0x02))
                        return;
                s = g_new0(tcp_stream_t, 1);
                s->key = *k;
                s->buf = g_byte_array_new();
                g_hash_table_insert(c->streams, &s->key, s);
        }
        if (fl & 0x02) { /* SYN */
                s->next_seq = seq + 1;
                s->synced = true;
                g_byte_array_set_size(s->buf, 0);
                return;
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
                while (s->buf->len >= 2) {
                        size_t ml = be16(s->buf->data);
                        if (s->buf->len < 2 + ml)
                                break;
                        emit(c, t, src, dst, s->buf->data + 2, ml);
                        g_byte_array_remove_range(s->buf, 0, (guint)(2 + ml));
                }
                if (s->buf->len > TCP_BUF_MAX)
                        g_byte_array_set_size(s->buf, 0);
        }
        if (fl & 0x05) /* FIN or RST */
                g_hash_table_remove(c->streams, k);
}

static void ip_packet(pcap_ctx_t *c, double t, const uint8_t *p, size_t len)
{
        if (len < 1)
                return;
        dg_detect_addr_t src = {0}, dst = {0};
        flow_key_t k;
        memset(&k, 0, sizeof k);
        uint8_t proto;
        const uint8_t *l4;
        size_t l4len;
        int v = p[0] >> 4;
        if (v == 4) {
                if (len < 20)
                        return;
                size_t hl = (size_t)(p[0] & 0xf) * 4;
                size_t tot = be16(p + 2);
                if (hl < 20 || tot < hl || tot > len)
                        return;
                if (be16(p + 6) & 0x3fff) /* fragments: not reassembled here */
                        return;
                proto = p[9];
                src.family = dst.family = 4;
                memcpy(src.addr, p + 12, 4);
                memcpy(dst.addr, p + 16, 4);
                l4 = p + hl;
                l4len = tot - hl;
        } else if (v == 6) {
                if (len < 40)
                        return;
                size_t pl = be16(p + 4);
                if (40 + pl > len)
                        return;
                proto = p[6];
                src.family = dst.family = 6;
                memcpy(src.addr, p + 8, 16);
                memcpy(dst.addr, p + 24, 16);
                l4 = p + 40;
                l4len = pl;
                /* skip hop-by-hop, routing, destination options */
                while ((proto == 0 || proto == 43 || proto == 60) && l4len >= 8) {
                        size_t el = ((size_t)l4[1] + 1) * 8;
                        if (el > l4len)
                                return;
                        proto = l4[0];
                        l4 += el;
                        l4len -= el;
                }
        } else
                return;
        if (l4len < 8)
                return;
        uint16_t sport = be16(l4), dport = be16(l4 + 2);
        if (!dns_port(c, sport, dport))
                return;
        if (proto == 17) {
                size_t ul = be16(l4 + 4);
                if (ul < 8 || ul > l4len)
                        return;
                emit(c, t, &src, &dst, l4 + 8, ul - 8);
        } else if (proto == 6) {
                k.family = src.family;
                memcpy(k.src, src.addr, 16);
                memcpy(k.dst, dst.addr, 16);
                k.sport = sport;
                k.dport = dport;
                tcp_segment(c, t, &k, &src, &dst, l4, l4len);
        }
}

typedef struct {
        pcap_ctx_t *c;
        int dlt;
} loop_ctx_t;

static void on_packet_dlt(u_char *ud, const struct pcap_pkthdr *h, const u_char *pkt)
{
        loop_ctx_t *lc = (loop_ctx_t *)ud;
        pcap_ctx_t *c = lc->c;
        c->frame++;
        /* opened with nanosecond precision: tv_usec holds nanoseconds; the plugin
         * computes the time with the same arithmetic */
        double t = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9;
        size_t len = h->caplen, off;
        const uint8_t *p = pkt;
        uint16_t et = 0;
        switch (lc->dlt) {
        case DLT_EN10MB:
                if (len < 14)
                        return;
                et = be16(p + 12);
                off = 14;
                while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
                        et = be16(p + off + 2);
                        off += 4;
                }
                if (et != 0x0800 && et != 0x86dd)
                        return;
                break;
        case DLT_LINUX_SLL:
                if (len < 16)
                        return;
                off = 16;
                break;
        case DLT_LINUX_SLL2:
                if (len < 20)
                        return;
                off = 20;
                break;
        case DLT_NULL:
        case DLT_LOOP:
                off = 4;
                break;
        case DLT_RAW:
        case 228: /* LINKTYPE_IPV4 */
        case 229: /* LINKTYPE_IPV6 */
                off = 0;
                break;
        default:
                return;
        }
        if (len <= off)
                return;
        ip_packet(c, t, p + off, len - off);
}

typedef struct {
        GString *l;
        FILE *out;
} sum_ctx_t;

static int on_source(void *ud, const dg_detect_source_t *s)
{
        sum_ctx_t *sc = ud;
        GString *l = sc->l;
        char a[64];
        dg_detect_addr_str(&s->addr, a, sizeof a);
        g_string_truncate(l, 0);
        g_string_append(l, "{\"summary\":\"source\",\"source\":");
        dg_json_str(l, a);
        g_string_append_printf(
            l,
            ",\"queries\":%" G_GUINT64_FORMAT ",\"responses\":%" G_GUINT64_FORMAT
            ",\"nxdomain\":%" G_GUINT64_FORMAT ",\"malformed\":%" G_GUINT64_FORMAT
            ",\"score\":%u,\"first\":%.6f,\"last\":%.6f,\"tags\":{",
            s->queries, s->responses, s->nxdomain, s->malformed, s->score, s->first, s->last);
        bool first = true;
        for (int i = 0; i < DG_TAG_COUNT_; i++) {
                if (s->tag_counts[i] == 0)
                        continue;
                if (!first)
                        g_string_append_c(l, ',');
                first = false;
                dg_json_str(l, dg_detect_tag_name((dg_tag_t)i));
                g_string_append_printf(l, ":%" G_GUINT64_FORMAT, s->tag_counts[i]);
        }
        g_string_append(l, "}}\n");
        fwrite(l->str, 1, l->len, sc->out);
        return 0;
}

int dg_cmd_pcap(int argc, char **argv)
{
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        gchar *format = NULL, *output = NULL, *ports = NULL;
        gboolean all = FALSE, no_classify = FALSE, no_summary = FALSE;
        gint brute = (gint)o.brute_names, srv = (gint)o.srv_names, ptr = (gint)o.ptr_names,
             nsec = (gint)o.nsec_steps, snoop = (gint)o.snoop_names,
             wlen = (gint)o.wildcard_min_len;
        gdouble window = o.window, nx = o.brute_nx_ratio;
        GOptionEntry entries[] = {
            {"format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output format: jsonl", "FMT"},
            {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE", "FILE"},
            {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Print untagged messages too", NULL},
            {"no-summary", 0, 0, G_OPTION_ARG_NONE, &no_summary, "No per-source summary", NULL},
            {"ports", 'p', 0, G_OPTION_ARG_STRING, &ports,
             "DNS ports, comma separated (default 53)", "LIST"},
            {"no-classify", 0, 0, G_OPTION_ARG_NONE, &no_classify,
             "Do not classify records (no provider-disclosure)", NULL},
            {"window", 0, 0, G_OPTION_ARG_DOUBLE, &window, "Seconds of history (60)", "S"},
            {"brute-names", 0, 0, G_OPTION_ARG_INT, &brute, "brute: distinct names (20)", "N"},
            {"brute-nx-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &nx, "brute: NXDOMAIN share (0.5)", "R"},
            {"srv-names", 0, 0, G_OPTION_ARG_INT, &srv, "srv-enum: distinct names (8)", "N"},
            {"ptr-names", 0, 0, G_OPTION_ARG_INT, &ptr, "ptr-sweep: distinct names (16)", "N"},
            {"nsec-steps", 0, 0, G_OPTION_ARG_INT, &nsec, "nsec-walk: steps (3)", "N"},
            {"snoop-names", 0, 0, G_OPTION_ARG_INT, &snoop, "cache-snoop: names (5)", "N"},
            {"wildcard-len", 0, 0, G_OPTION_ARG_INT, &wlen,
             "wildcard-probe: shortest random label (10)", "N"},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        int ret = 1;
        pcap_t *pc = NULL;
        FILE *out = NULL;
        pcap_ctx_t c;
        memset(&c, 0, sizeof c);
        if (!dg_cli_parse_options(CMD, "FILE", "Tags the DNS messages of a capture (pcap, pcapng).",
                                  entries, &argc, &argv))
                goto done;
        if (argc != 2) {
                dg_cli_error(CMD, "expected one capture FILE (see 'dnsglean pcap --help')");
                goto done;
        }
        dg_fmt_t fmt = DG_FMT_JSONL;
        if (format && dg_cli_parse_format(format, &fmt) != 0) {
                dg_cli_error(CMD, "unknown format '%s'", format);
                goto done;
        }
        if (fmt != DG_FMT_JSONL) {
                dg_cli_error(CMD, "format '%s' is not supported here (jsonl)", format);
                goto done;
        }
        if (brute <= 0 || srv <= 0 || ptr <= 0 || nsec <= 0 || snoop <= 0 || wlen < 0) {
                dg_cli_error(CMD, "thresholds must be positive");
                goto done;
        }
        o.window = window;
        o.brute_nx_ratio = nx;
        o.brute_names = (unsigned)brute;
        o.srv_names = (unsigned)srv;
        o.ptr_names = (unsigned)ptr;
        o.nsec_steps = (unsigned)nsec;
        o.snoop_names = (unsigned)snoop;
        o.wildcard_min_len = (unsigned)wlen;
        o.classify = !no_classify;
        c.ports[c.nports++] = 53;
        if (ports) {
                c.nports = 0;
                gchar **v = g_strsplit(ports, ",", -1);
                bool ok = v[0] != NULL;
                for (int i = 0; v[i] && ok; i++) {
                        char *end;
                        guint64 n = g_ascii_strtoull(v[i], &end, 10);
                        if (*v[i] == '\0' || *end != '\0' || n == 0 || n > 65535 ||
                            c.nports >= G_N_ELEMENTS(c.ports))
                                ok = false;
                        else
                                c.ports[c.nports++] = (uint16_t)n;
                }
                g_strfreev(v);
                if (!ok) {
                        dg_cli_error(CMD, "bad port list '%s'", ports);
                        goto done;
                }
        }
        int rc = dg_detect_new(&o, &c.det);
        if (rc != DG_OK) {
                dg_cli_error(CMD, "bad detector options: %s", dg_strerror(rc));
                goto done;
        }
        char errbuf[PCAP_ERRBUF_SIZE];
        errbuf[0] = '\0';
        pc = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
        if (pc == NULL) {
                dg_cli_error(CMD, "cannot read %s: %s", argv[1], errbuf);
                goto done;
        }
        out = dg_cli_open_output(CMD, output, "w");
        if (out == NULL)
                goto done;
        c.out = out;
        c.all = all;
        c.line = g_string_sized_new(512);
        c.streams = g_hash_table_new_full(flow_hash, flow_eq, NULL, stream_free);
        loop_ctx_t lc = {&c, pcap_datalink(pc)};
        rc = pcap_loop(pc, -1, on_packet_dlt, (u_char *)&lc);
        if (rc == PCAP_ERROR) {
                dg_cli_error(CMD, "%s: %s", argv[1], pcap_geterr(pc));
                goto done;
        }
        if (!no_summary) {
                sum_ctx_t sc = {c.line, out};
                dg_detect_foreach_source(c.det, on_source, &sc);
        }
        if (fflush(out) != 0 || ferror(out)) {
                dg_cli_error(CMD, "write error");
                goto done;
        }
        ret = 0;
done:
        if (out && out != stdout)
                fclose(out);
        if (pc)
                pcap_close(pc);
        if (c.streams)
                g_hash_table_destroy(c.streams);
        if (c.line)
                g_string_free(c.line, TRUE);
        dg_detect_free(c.det);
        g_free(format);
        g_free(output);
        g_free(ports);
        return ret;
}
