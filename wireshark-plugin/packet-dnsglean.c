/* dnsglean — Wireshark postdissector: tags DNS messages with what they reveal
 * about reconnaissance, using libdnsglean's detector and classifier.
 *
 * For every frame that carries DNS (one or more `dns` items: TCP can hold
 * several messages), the bytes of each DNS message go to dg_detect_observe().
 * That happens on the first pass only; the results are stored with the frame
 * (p_add_proto_data, file scope), so re-dissection in any order and
 * `tshark -2` show what a single in-order pass showed.
 *
 * Fields: dnsglean.tag (one per tag), dnsglean.provider, dnsglean.category,
 * dnsglean.source_score. Expert info in the security group. Statistics tree
 * `-z dnsglean,tree`.
 */
#define WS_BUILD_DLL
#include <wireshark.h>

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <wiretap/wtap.h>

#include "ws_compat.h"

#include "dnsglean/detect.h"
#include "dnsglean/frame.h"

#ifndef DG_PLUGIN_VERSION
#define DG_PLUGIN_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = DG_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);
DG_WS_PLUGIN_DESCRIBE

static int proto_dnsglean = -1;
static int hf_tag = -1;
static int hf_provider = -1;
static int hf_category = -1;
static int hf_score = -1;
static int hf_source = -1;
static gint ett_dnsglean = -1;
static expert_field ei_zone_leak = EI_INIT;
static expert_field ei_transfer = EI_INIT;
static expert_field ei_recon = EI_INIT;
static expert_field ei_takeover = EI_INIT;
static expert_field ei_provider = EI_INIT;

static int hf_dns = -1; /* the DNS protocol item, looked up in the handoff */
static int proto_icmp = -1, proto_icmpv6 = -1;
static int dnsglean_tap = -1;
static dissector_handle_t dnsglean_handle;

/* Preferences (the detector's thresholds). */
static guint pref_window = 60;
static guint pref_brute_names = 20;
static guint pref_brute_nx_pct = 50;
static guint pref_srv_names = 8;
static guint pref_ptr_names = 16;
static guint pref_nsec_steps = 3;
static guint pref_snoop_names = 5;
static guint pref_wildcard_len = 10;
static guint pref_nsec3_names = 5;
static guint pref_tld_parents = 20;
static dg_ws_pref_bool pref_classify = TRUE;
static range_t *pref_ports;
static dg_ws_pref_bool pref_dissection = FALSE;

static dg_detector_t *detector; /* per capture file: init/cleanup routines */
static dg_frame_t *extractor;   /* DNS messages from raw frames, likewise */

/* What one DNS message revealed, as stored with its frame. */
typedef struct {
        guint32 tags;
        guint32 score;
        dg_detect_addr_t source;
        guint8 nprov;
        const char **prov; /* nprov names, then nprov categories (database-owned) */
} dg_ws_msg_t;

/* Per-frame results: n messages, in the order of the frame's DNS items. */
typedef struct {
        guint n;
        dg_ws_msg_t m[];
} dg_ws_frame_t;

static const dg_ws_frame_t no_dns = {0};

static void dnsglean_init(void)
{
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        o.window = pref_window > 0 ? (double)pref_window : 1.0;
        o.brute_names = MAX(pref_brute_names, 1u);
        o.brute_nx_ratio = (double)MIN(pref_brute_nx_pct, 100u) / 100.0;
        o.srv_names = MAX(pref_srv_names, 1u);
        o.ptr_names = MAX(pref_ptr_names, 1u);
        o.nsec_steps = MAX(pref_nsec_steps, 1u);
        o.snoop_names = MAX(pref_snoop_names, 1u);
        o.wildcard_min_len = pref_wildcard_len;
        o.nsec3_names = CLAMP(pref_nsec3_names, 1u, 100000u);
        o.tld_parents = CLAMP(pref_tld_parents, 1u, 100000u);
        o.classify = pref_classify;
        if (dg_detect_new(&o, &detector) != DG_OK)
                detector = NULL;
        /* the ports preference, as a list (the first 64 ports of the range) */
        uint16_t ports[64];
        size_t n = 0;
        for (guint i = 0; pref_ports && i < pref_ports->nranges && n < G_N_ELEMENTS(ports); i++)
                for (guint32 p = pref_ports->ranges[i].low;
                     p <= pref_ports->ranges[i].high && p > 0 && p <= 65535 &&
                     n < G_N_ELEMENTS(ports);
                     p++)
                        ports[n++] = (uint16_t)p;
        if (n == 0 || dg_frame_new(ports, n, &extractor) != DG_OK)
                extractor = NULL;
}

static void dnsglean_cleanup(void)
{
        dg_detect_free(detector);
        detector = NULL;
        dg_frame_free(extractor);
        extractor = NULL;
}

static bool addr_from_ws(const address *a, dg_detect_addr_t *out)
{
        memset(out, 0, sizeof *out);
        if (a->type == AT_IPv4 && a->len == 4) {
                out->family = 4;
                memcpy(out->addr, a->data, 4);
                return true;
        }
        if (a->type == AT_IPv6 && a->len == 16) {
                out->family = 6;
                memcpy(out->addr, a->data, 16);
                return true;
        }
        return false;
}

/* The DNS message of one `dns` item: over TCP the item starts with the
 * two-octet length (RFC 1035 4.2.2), which the detector does not want. */
static const guint8 *item_message(packet_info *pinfo, field_info *fi, guint *len)
{
        if (fi->ds_tvb == NULL || fi->length <= 0)
                return NULL;
        guint off = (guint)fi->start, n = (guint)fi->length;
        if (tvb_captured_length_remaining(fi->ds_tvb, (gint)off) < (gint)n)
                return NULL; /* truncated capture: the detector gets whole messages only */
        if (pinfo->ptype == PT_TCP && n >= 2 && tvb_get_ntohs(fi->ds_tvb, (gint)off) == n - 2) {
                off += 2;
                n -= 2;
        }
        *len = n;
        return tvb_get_ptr(fi->ds_tvb, (gint)off, (gint)n);
}

/* DNS quoted in an ICMP error is not a message that was exchanged. */
static bool inside_icmp(packet_info *pinfo)
{
        for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f)) {
                int id = GPOINTER_TO_INT(wmem_list_frame_data(f));
                if (id == proto_icmp || id == proto_icmpv6)
                        return true;
        }
        return false;
}

/* Results of one frame while it is analysed: m holds cap entries (on the
 * stack, or packet scope), the first n filled. */
typedef struct {
        dg_ws_msg_t *m;
        guint n, cap;
        bool keep;
        double t;
} collect_t;

static void collect_init(collect_t *c, dg_ws_msg_t *m, guint cap, double t)
{
        c->m = m;
        c->n = 0;
        c->cap = cap;
        c->keep = false;
        c->t = t;
}

static void observe(void *ud, const dg_detect_addr_t *src, const dg_detect_addr_t *dst,
                    const uint8_t *msg, size_t len)
{
        collect_t *c = ud;
        if (c->n >= c->cap)
                return;
        dg_detect_result_t r;
        dg_detect_observe(detector, c->t, src, dst, msg, len, &r);
        dg_ws_msg_t *m = &c->m[c->n++];
        m->tags = r.tags;
        m->score = r.source_score;
        m->source = r.source;
        m->nprov = (guint8)r.nproviders;
        m->prov = NULL;
        c->keep = c->keep || r.tags || r.source_score || r.nproviders;
        if (r.nproviders) {
                m->prov = wmem_alloc(wmem_file_scope(), 2 * r.nproviders * sizeof(const char *));
                for (unsigned j = 0; j < r.nproviders; j++) {
                        m->prov[j] = r.providers[j].name;
                        m->prov[r.nproviders + j] = r.providers[j].category;
                }
        }
}

/* Kept in file scope only when there is something to show (most DNS frames
 * have not: they share one empty record). */
static const dg_ws_frame_t *collect_done(collect_t *c)
{
        if (!c->keep)
                return &no_dns;
        dg_ws_frame_t *fr =
            wmem_alloc(wmem_file_scope(), sizeof(dg_ws_frame_t) + c->n * sizeof(dg_ws_msg_t));
        fr->n = c->n;
        memcpy(fr->m, c->m, c->n * sizeof(dg_ws_msg_t));
        return fr;
}

/* Default: the DNS messages of the raw frame, found by the same code as
 * `dnsglean pcap` (core/src/frame.c). No protocol tree is needed. */
static const dg_ws_frame_t *analyse_frame(tvbuff_t *tvb, packet_info *pinfo)
{
        if (detector == NULL || extractor == NULL || pinfo->rec == NULL ||
            pinfo->rec->rec_type != REC_TYPE_PACKET)
                return &no_dns;
        dg_link_t link;
        switch (pinfo->rec->rec_header.packet_header.pkt_encap) {
        case WTAP_ENCAP_ETHERNET:
                link = DG_LINK_ETHERNET;
                break;
        case WTAP_ENCAP_SLL:
                link = DG_LINK_SLL;
                break;
        case WTAP_ENCAP_SLL2:
                link = DG_LINK_SLL2;
                break;
        case WTAP_ENCAP_RAW_IP:
        case WTAP_ENCAP_RAW_IP4:
        case WTAP_ENCAP_RAW_IP6:
                link = DG_LINK_RAW;
                break;
        case WTAP_ENCAP_NULL:
        case WTAP_ENCAP_LOOP:
                link = DG_LINK_NULL;
                break;
        default:
                return &no_dns;
        }
        guint len = tvb_captured_length(tvb);
        dg_ws_msg_t m[16];
        collect_t c;
        collect_init(&c, m, G_N_ELEMENTS(m), DG_WS_PINFO_SECONDS(pinfo));
        dg_frame_feed(extractor, link, tvb_get_ptr(tvb, 0, (gint)len), len, observe, &c);
        return collect_done(&c);
}

/* With the "dns_dissection" preference: the messages Wireshark's DNS
 * dissector found (also inside tunnels, reassembled IP fragments, any port
 * decoded as DNS); needs the protocol tree, so it costs more. */
static const dg_ws_frame_t *analyse_items(packet_info *pinfo, GPtrArray *items)
{
        dg_detect_addr_t src, dst;
        if (detector == NULL || !addr_from_ws(&pinfo->src, &src) ||
            !addr_from_ws(&pinfo->dst, &dst) ||
            !(value_is_in_range(pref_ports, pinfo->srcport) ||
              value_is_in_range(pref_ports, pinfo->destport)) ||
            inside_icmp(pinfo))
                return &no_dns;
        collect_t c;
        collect_init(&c, wmem_alloc_array(wmem_packet_scope(), dg_ws_msg_t, items->len), items->len,
                     DG_WS_PINFO_SECONDS(pinfo));
        for (guint i = 0; i < items->len; i++) {
                guint len = 0;
                const guint8 *msg = item_message(pinfo, g_ptr_array_index(items, i), &len);
                if (msg != NULL)
                        observe(&c, &src, &dst, msg, len);
        }
        return collect_done(&c);
}

static void show(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const dg_ws_msg_t *m)
{
        /* The tag words, comma separated, without printf: this runs for every
         * tagged message, also when tshark builds no tree. */
        static const char pre[] = " [dnsglean: ";
        char info[300];
        memcpy(info, pre, sizeof pre - 1);
        char *words = info + sizeof pre - 1;
        const size_t wcap = sizeof info - sizeof pre - 1;
        size_t wl = 0;
        for (int t = 0; t < DG_TAG_COUNT_; t++) {
                if (!(m->tags & DG_TAG_BIT(t)))
                        continue;
                const char *w = dg_detect_tag_name((dg_tag_t)t);
                size_t n = strlen(w);
                if (wl + n + 2 > wcap)
                        break;
                if (wl)
                        words[wl++] = ',';
                memcpy(words + wl, w, n);
                wl += n;
        }
        words[wl] = '\0';

        proto_item *ti = proto_tree_add_item(tree, proto_dnsglean, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(ti);
        char a[64] = "";
        if (tree) {
                proto_tree *st = proto_item_add_subtree(ti, ett_dnsglean);
                for (int t = 0; t < DG_TAG_COUNT_; t++) {
                        if (!(m->tags & DG_TAG_BIT(t)))
                                continue;
                        proto_item *pi = proto_tree_add_string(st, hf_tag, tvb, 0, 0,
                                                               dg_detect_tag_name((dg_tag_t)t));
                        proto_item_set_generated(pi);
                }
                for (guint j = 0; j < m->nprov; j++) {
                        proto_item *pi =
                            proto_tree_add_string(st, hf_provider, tvb, 0, 0, m->prov[j]);
                        proto_item_set_generated(pi);
                        pi = proto_tree_add_string(st, hf_category, tvb, 0, 0,
                                                   m->prov[m->nprov + j]);
                        proto_item_set_generated(pi);
                }
                dg_detect_addr_str(&m->source, a, sizeof a);
                proto_item *pi = proto_tree_add_string(st, hf_source, tvb, 0, 0, a);
                proto_item_set_generated(pi);
                pi = proto_tree_add_uint(st, hf_score, tvb, 0, 0, m->score);
                proto_item_set_generated(pi);
                if (wl)
                        proto_item_append_text(ti, ": %s", words);
        }
        if (wl) {
                words[wl] = ']';
                words[wl + 1] = '\0';
                col_append_str(pinfo->cinfo, COL_INFO, info);
                words[wl] = '\0';
        }

        /* Expert info, security group: a leak is a warning, the rest notes. */
        if (m->tags & DG_TAG_BIT(DG_TAG_ZONE_LEAK))
                expert_add_info(pinfo, ti, &ei_zone_leak);
        else if (m->tags & (DG_TAG_BIT(DG_TAG_AXFR) | DG_TAG_BIT(DG_TAG_IXFR)))
                expert_add_info(pinfo, ti, &ei_transfer);
        guint32 other =
            m->tags & DG_TAGS_RECON &
            ~(DG_TAG_BIT(DG_TAG_ZONE_LEAK) | DG_TAG_BIT(DG_TAG_AXFR) | DG_TAG_BIT(DG_TAG_IXFR));
        if (other) {
                if (!a[0])
                        dg_detect_addr_str(&m->source, a, sizeof a);
                expert_add_info_format(pinfo, ti, &ei_recon, "Reconnaissance from %s: %s", a,
                                       words);
        }
        if (m->tags & DG_TAG_BIT(DG_TAG_TAKEOVER_CANDIDATE))
                expert_add_info(pinfo, ti, &ei_takeover);
        if (m->nprov)
                expert_add_info(pinfo, ti, &ei_provider);
}

static int dissect_dnsglean(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
        (void)data;
        /* Later passes (GUI clicks, tshark -2's second pass) show what the
         * first pass stored; they need not see the DNS items at all. */
        const dg_ws_frame_t *fr = p_get_proto_data(wmem_file_scope(), pinfo, proto_dnsglean, 0);
        if (fr == NULL) {
                if (PINFO_FD_VISITED(pinfo))
                        return 0;
                if (pref_dissection) {
                        GPtrArray *items =
                            hf_dns >= 0 ? proto_get_finfo_ptr_array(tree, hf_dns) : NULL;
                        if (items == NULL || items->len == 0)
                                return 0;
                        fr = analyse_items(pinfo, items);
                } else {
                        fr = analyse_frame(tvb, pinfo);
                }
                /* a frame with nothing to show needs no record: a later pass
                 * finds none and shows nothing, as it would from no_dns */
                if (fr == &no_dns)
                        return 0;
                p_add_proto_data(wmem_file_scope(), pinfo, proto_dnsglean, 0, (void *)fr);
        }
        for (guint i = 0; i < fr->n; i++) {
                const dg_ws_msg_t *m = &fr->m[i];
                if (m->tags == 0 && m->score == 0)
                        continue;
                show(tvb, pinfo, tree, m);
                tap_queue_packet(dnsglean_tap, pinfo, m);
        }
        return fr->n ? (int)tvb_captured_length(tvb) : 0;
}

/* ---- statistics tree: -z dnsglean,tree ---- */

static int st_tags = -1, st_sources = -1, st_providers = -1;

static void st_init(stats_tree *st)
{
        st_tags = stats_tree_create_node(st, "Tags", 0, STAT_DT_INT, TRUE);
        st_sources = stats_tree_create_node(st, "Sources with recon tags", 0, STAT_DT_INT, TRUE);
        st_providers = stats_tree_create_node(st, "Providers disclosed", 0, STAT_DT_INT, TRUE);
}

static tap_packet_status st_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt,
                                   const void *p, tap_flags_t flags)
{
        (void)pinfo;
        (void)edt;
        (void)flags;
        const dg_ws_msg_t *m = p;
        for (int t = 0; t < DG_TAG_COUNT_; t++)
                if (m->tags & DG_TAG_BIT(t)) {
                        tick_stat_node(st, "Tags", 0, TRUE);
                        tick_stat_node(st, dg_detect_tag_name((dg_tag_t)t), st_tags, FALSE);
                }
        if (m->tags & DG_TAGS_RECON) {
                char a[64];
                dg_detect_addr_str(&m->source, a, sizeof a);
                tick_stat_node(st, "Sources with recon tags", 0, TRUE);
                tick_stat_node(st, a, st_sources, FALSE);
        }
        for (guint j = 0; j < m->nprov; j++) {
                char *n = g_strdup_printf("%s (%s)", m->prov[j], m->prov[m->nprov + j]);
                tick_stat_node(st, "Providers disclosed", 0, TRUE);
                tick_stat_node(st, n, st_providers, FALSE);
                g_free(n);
        }
        return TAP_PACKET_REDRAW;
}

static void register_stats(void)
{
        stats_tree_register_plugin("dnsglean", "dnsglean", "dnsglean/Reconnaissance", 0, st_packet,
                                   st_init, NULL);
}

/* ---- registration ---- */

static void apply_prefs(void);

static void proto_register_dnsglean(void)
{
        static hf_register_info hf[] = {
            {&hf_tag,
             {"Tag", "dnsglean.tag", FT_STRING, BASE_NONE, NULL, 0x0,
              "What this DNS message reveals (axfr, brute, nsec-walk, nsec3-walk, tld-sweep, ...)",
              HFILL}},
            {&hf_provider,
             {"Provider", "dnsglean.provider", FT_STRING, BASE_NONE, NULL, 0x0,
              "Third-party service the records disclose", HFILL}},
            {&hf_category,
             {"Category", "dnsglean.category", FT_STRING, BASE_NONE, NULL, 0x0,
              "Category of that provider", HFILL}},
            {&hf_source,
             {"Source", "dnsglean.source", FT_STRING, BASE_NONE, NULL, 0x0,
              "The querier this message is attributed to", HFILL}},
            {&hf_score,
             {"Source score", "dnsglean.source_score", FT_UINT32, BASE_DEC, NULL, 0x0,
              "Reconnaissance score of the querier so far (0-100)", HFILL}},
        };
        static gint *ett[] = {&ett_dnsglean};
        static ei_register_info ei[] = {
            {&ei_zone_leak,
             {"dnsglean.zone_leak", PI_SECURITY, PI_WARN,
              "Zone transfer answered: the zone's contents were disclosed", EXPFILL}},
            {&ei_transfer,
             {"dnsglean.transfer", PI_SECURITY, PI_NOTE, "Zone transfer requested", EXPFILL}},
            {&ei_recon, {"dnsglean.recon", PI_SECURITY, PI_NOTE, "DNS reconnaissance", EXPFILL}},
            {&ei_takeover,
             {"dnsglean.takeover", PI_SECURITY, PI_WARN,
              "Subdomain takeover candidate: CNAME into a claimable service whose target "
              "does not exist",
              EXPFILL}},
            {&ei_provider,
             {"dnsglean.provider_disclosed", PI_SECURITY, PI_CHAT,
              "Records disclose a third-party provider", EXPFILL}},
        };

        proto_dnsglean =
            proto_register_protocol("dnsglean DNS reconnaissance", "dnsglean", "dnsglean");
        proto_register_field_array(proto_dnsglean, hf, array_length(hf));
        proto_register_subtree_array(ett, array_length(ett));
        expert_module_t *em = expert_register_protocol(proto_dnsglean);
        expert_register_field_array(em, ei, array_length(ei));

        module_t *mod = prefs_register_protocol(proto_dnsglean, apply_prefs);
        prefs_register_uint_preference(mod, "window", "Window (seconds)",
                                       "Seconds of history the stateful tags look at", 10,
                                       &pref_window);
        prefs_register_uint_preference(mod, "brute_names", "brute: distinct names",
                                       "Distinct names under one parent that make brute force", 10,
                                       &pref_brute_names);
        prefs_register_uint_preference(mod, "brute_nx_percent", "brute: NXDOMAIN percent",
                                       "Share of NXDOMAIN answers brute force needs (0-100)", 10,
                                       &pref_brute_nx_pct);
        prefs_register_uint_preference(mod, "srv_names", "srv-enum: distinct names",
                                       "Distinct _service._proto SRV names under one zone", 10,
                                       &pref_srv_names);
        prefs_register_uint_preference(mod, "ptr_names", "ptr-sweep: distinct names",
                                       "Distinct PTR names under one reverse zone", 10,
                                       &pref_ptr_names);
        prefs_register_uint_preference(mod, "nsec_steps", "nsec-walk: steps",
                                       "Distinct received NSEC names the querier stepped past", 10,
                                       &pref_nsec_steps);
        prefs_register_uint_preference(mod, "snoop_names", "cache-snoop: names",
                                       "Distinct RD=0 names to one server that does not answer "
                                       "them with authority",
                                       10, &pref_snoop_names);
        prefs_register_uint_preference(mod, "wildcard_len", "wildcard-probe: label length",
                                       "Shortest first label judged random-looking", 10,
                                       &pref_wildcard_len);
        prefs_register_uint_preference(mod, "nsec3_names", "nsec3-walk: names",
                                       "Distinct walker names denied with NSEC3 in one zone", 10,
                                       &pref_nsec3_names);
        prefs_register_uint_preference(mod, "tld_parents", "tld-sweep: parents",
                                       "Distinct parents (TLDs, sibling zones) of one first label",
                                       10, &pref_tld_parents);
        prefs_register_bool_preference(mod, "classify", "Classify records",
                                       "Look up providers in the records of responses "
                                       "(provider-disclosure, takeover-candidate)",
                                       &pref_classify);
        range_convert_str(wmem_epan_scope(), &pref_ports, "53", 65535);
        prefs_register_range_preference(mod, "ports", "DNS ports",
                                        "UDP/TCP ports whose DNS messages are analysed",
                                        &pref_ports, 65535);

        prefs_register_bool_preference(
            mod, "dns_dissection", "Use Wireshark's DNS dissection",
            "Analyse the DNS messages Wireshark's DNS dissector finds (tunnels, reassembled IP "
            "fragments, Decode As) instead of reading UDP/TCP frames directly; needs a "
            "protocol tree for every packet, which makes tshark noticeably slower",
            &pref_dissection);

        register_init_routine(dnsglean_init);
        register_cleanup_routine(dnsglean_cleanup);
        dnsglean_tap = register_tap("dnsglean");
        dnsglean_handle = create_dissector_handle(dissect_dnsglean, proto_dnsglean);
        register_postdissector(dnsglean_handle);
}

/* Asks for the DNS items (and so for a protocol tree) only in the
 * dissection mode. */
static void want_fields(void)
{
        GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
        if (pref_dissection && hf_dns >= 0)
                g_array_append_val(wanted, hf_dns);
        set_postdissector_wanted_hfids(dnsglean_handle, wanted);
}

static void apply_prefs(void)
{
        if (dnsglean_handle)
                want_fields();
}

static void proto_reg_handoff_dnsglean(void)
{
        hf_dns = proto_registrar_get_id_byname("dns");
        proto_icmp = proto_get_id_by_filter_name("icmp");
        proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
        want_fields();
}

void plugin_register(void)
{
        static proto_plugin plug;
        static tap_plugin tap;
        plug.register_protoinfo = proto_register_dnsglean;
        plug.register_handoff = proto_reg_handoff_dnsglean;
        proto_register_plugin(&plug);
        tap.register_tap_listener = register_stats;
        tap_register_plugin(&tap);
}
