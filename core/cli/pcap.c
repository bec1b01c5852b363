/* dnsglean pcap FILE — the Wireshark plugin's detector and classifier over a
 * capture, headless: tagged DNS messages and a per-source summary as JSON
 * Lines. Reads pcap and pcapng through libpcap; Ethernet (with VLAN tags),
 * Linux cooked (v1, v2), raw IP, BSD loopback. DNS over UDP and TCP (length
 * prefixed, RFC 1035 4.2.2; segments reassembled in order) on the given ports.
 */
#include "cli.h"
#include "dnsglean/cof.h"
#include "dnsglean/detect.h"
#include "dnsglean/frame.h"

#include <pcap/pcap.h>
#include <string.h>

#define CMD "pcap"

typedef struct {
        dg_detector_t *det;
        GString *line;
        FILE *out;
        bool all;
        uint16_t ports[16];
        unsigned nports;
        uint64_t frame;
        double t; /* time of the frame being read */
        dg_frame_t *fx;
        uint64_t tagged;
        dg_cof_agg_t *cof; /* --format cof: passive DNS records, else NULL */
        uint64_t cof_malformed;
} pcap_ctx_t;

static void emit(void *ud, const dg_detect_addr_t *src, const dg_detect_addr_t *dst,
                 const uint8_t *msg, size_t len)
{
        pcap_ctx_t *c = ud;
        double t = c->t;
        if (c->cof) {
                /* passive DNS: the answers of the responses, by time seen */
                if (dg_cof_agg_add_message(c->cof, msg, len, (int64_t)t, NULL) != DG_OK)
                        c->cof_malformed++;
                return;
        }
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
        dg_json_field(l, "src", a);
        dg_detect_addr_str(dst, a, sizeof a);
        dg_json_field(l, "dst", a);
        dg_detect_addr_str(&r.source, a, sizeof a);
        dg_json_field(l, "source", a);
        dg_wire_msg_t m;
        if (rc == DG_OK && dg_wire_parse(msg, len, &m) == DG_OK) {
                char name[DG_NAME_STR_MAX];
                g_string_append_printf(l, ",\"response\":%s,\"id\":%u",
                                       r.response ? "true" : "false", m.id);
                if (m.qdcount > 0 && dg_name_to_str(m.qname, name, sizeof name) > 0) {
                        dg_json_field(l, "qname", name);
                        dg_json_field(l, "qtype", dg_rrtype_str(m.qtype));
                }
                if (r.response)
                        dg_json_field(l, "rcode", dg_rcode_str(m.rcode));
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
                dg_json_field(l, "category", r.providers[i].category);
                g_string_append_c(l, '}');
        }
        g_string_append_printf(l, "],\"source_score\":%u}\n", r.source_score);
        fwrite(l->str, 1, l->len, c->out);
}

typedef struct {
        pcap_ctx_t *c;
        dg_link_t link;
} loop_ctx_t;

static void on_packet(u_char *ud, const struct pcap_pkthdr *h, const u_char *pkt)
{
        loop_ctx_t *lc = (loop_ctx_t *)ud;
        pcap_ctx_t *c = lc->c;
        c->frame++;
        /* opened with nanosecond precision: tv_usec holds nanoseconds; the
         * plugin computes the time with the same arithmetic */
        c->t = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9;
        dg_frame_feed(c->fx, lc->link, pkt, h->caplen, emit, c);
}

/* pcap's link types that frame.c knows. */
static int link_of(int dlt, dg_link_t *out)
{
        switch (dlt) {
        case DLT_EN10MB:
                *out = DG_LINK_ETHERNET;
                return 0;
        case DLT_LINUX_SLL:
                *out = DG_LINK_SLL;
                return 0;
        case DLT_LINUX_SLL2:
                *out = DG_LINK_SLL2;
                return 0;
        case DLT_NULL:
        case DLT_LOOP:
                *out = DG_LINK_NULL;
                return 0;
        case DLT_RAW:
        case DLT_IPV4:
        case DLT_IPV6:
                *out = DG_LINK_RAW;
                return 0;
        }
        return -1;
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

static int write_cof(void *ud, const dg_cof_record_t *rec)
{
        char *line = dg_cof_format(rec);
        int rc = line && fprintf(ud, "%s\n", line) > 0 ? 0 : -1;
        g_free(line);
        return rc;
}

/* --ports: a comma list into c->ports. Returns 0 or -1 with a message. */
static int parse_ports(const char *ports, pcap_ctx_t *c)
{
        c->nports = 0;
        gchar **v = g_strsplit(ports, ",", -1);
        bool ok = v[0] != NULL;
        for (int i = 0; v[i] && ok; i++) {
                char *end;
                guint64 n = g_ascii_strtoull(v[i], &end, 10);
                if (*v[i] == '\0' || *end != '\0' || n == 0 || n > 65535 ||
                    c->nports >= G_N_ELEMENTS(c->ports))
                        ok = false;
                else
                        c->ports[c->nports++] = (uint16_t)n;
        }
        g_strfreev(v);
        if (!ok)
                dg_cli_error(CMD, "bad port list '%s'", ports);
        return ok ? 0 : -1;
}

/* Reads the capture through the detector and writes the tagged messages,
 * then the per-source summary or the COF records. Returns 0 or -1 with a
 * message. */
static int replay(pcap_ctx_t *c, pcap_t *pc, const char *path, bool summary)
{
        loop_ctx_t lc = {c, DG_LINK_ETHERNET};
        if (link_of(pcap_datalink(pc), &lc.link) != 0) {
                dg_cli_error(CMD, "%s: unsupported link type %s", path,
                             pcap_datalink_val_to_name(pcap_datalink(pc)));
                return -1;
        }
        if (dg_frame_new(c->ports, c->nports, &c->fx) != DG_OK) {
                dg_cli_error(CMD, "out of memory");
                return -1;
        }
        if (pcap_loop(pc, -1, on_packet, (u_char *)&lc) == PCAP_ERROR) {
                dg_cli_error(CMD, "%s: %s", path, pcap_geterr(pc));
                return -1;
        }
        if (c->cof) {
                /* one COF record per (rrname, rrtype, rdata): first and last
                 * seen, how many responses carried it */
                dg_cof_agg_foreach(c->cof, write_cof, c->out);
                if (c->cof_malformed)
                        dg_cli_error(CMD, "%llu malformed DNS messages skipped",
                                     (unsigned long long)c->cof_malformed);
        } else if (summary) {
                sum_ctx_t sc = {c->line, c->out};
                dg_detect_foreach_source(c->det, on_source, &sc);
        }
        if (fflush(c->out) != 0 || ferror(c->out)) {
                dg_cli_error(CMD, "write error");
                return -1;
        }
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
             wlen = (gint)o.wildcard_min_len, nsec3 = (gint)o.nsec3_names,
             tld = (gint)o.tld_parents;
        gdouble window = o.window, nx = o.brute_nx_ratio;
        GOptionEntry entries[] = {
            DG_CLI_FORMAT_ENTRY(&format, "jsonl (tagged messages) or cof (passive DNS records)"),
            DG_CLI_OUTPUT_ENTRY(&output),
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
            {"nsec3-names", 0, 0, G_OPTION_ARG_INT, &nsec3, "nsec3-walk: distinct names (5)", "N"},
            {"tld-parents", 0, 0, G_OPTION_ARG_INT, &tld, "tld-sweep: distinct parents (20)", "N"},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        int ret = 1;
        pcap_t *pc = NULL;
        FILE *out = NULL;
        pcap_ctx_t c;
        memset(&c, 0, sizeof c);
        if (!dg_cli_parse_options(CMD, "FILE", "Tags the DNS messages of a capture (pcap, pcapng).",
                                  entries, &argc, &argv))
                goto done;
        const char *path;
        if (dg_cli_one_arg(CMD, argc, argv, "capture FILE", &path) != 0)
                goto done;
        dg_fmt_t fmt;
        if (dg_cli_pick_format(CMD, format, DG_FMT_JSONL,
                               DG_FMT_BIT(DG_FMT_JSONL) | DG_FMT_BIT(DG_FMT_COF), &fmt) != 0)
                goto done;
        if (brute <= 0 || srv <= 0 || ptr <= 0 || nsec <= 0 || snoop <= 0 || wlen < 0 ||
            nsec3 <= 0 || tld <= 0) {
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
        o.nsec3_names = (unsigned)nsec3;
        o.tld_parents = (unsigned)tld;
        o.classify = !no_classify;
        c.ports[c.nports++] = 53;
        if (ports && parse_ports(ports, &c) != 0)
                goto done;
        int rc = dg_detect_new(&o, &c.det);
        if (rc != DG_OK) {
                dg_cli_error(CMD, "bad detector options: %s", dg_strerror(rc));
                goto done;
        }
        char errbuf[PCAP_ERRBUF_SIZE];
        errbuf[0] = '\0';
        pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
        if (pc == NULL) {
                dg_cli_error(CMD, "cannot read %s: %s", path, errbuf);
                goto done;
        }
        out = dg_cli_open_output(CMD, output, "w");
        if (out == NULL)
                goto done;
        c.out = out;
        c.all = all;
        c.line = g_string_sized_new(512);
        if (fmt == DG_FMT_COF)
                c.cof = dg_cof_agg_new();
        ret = replay(&c, pc, path, !no_summary) == 0 ? 0 : 1;
done:
        if (out && out != stdout)
                fclose(out);
        if (pc)
                pcap_close(pc);
        dg_frame_free(c.fx);
        if (c.line)
                g_string_free(c.line, TRUE);
        dg_detect_free(c.det);
        dg_cof_agg_free(c.cof);
        g_free(format);
        g_free(output);
        g_free(ports);
        return ret;
}
