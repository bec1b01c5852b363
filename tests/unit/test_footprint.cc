// The footprint driven by hand through its sans-I/O interface (the way the
// Lua module and NSE scripts drive it): every query the engines produce is
// answered from an in-memory zone by a small responder built on ldns, with a
// fake clock. No sockets, no network.
#include <glib.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dnsglean/dnsglean.h"
#include "ldnstest.h"

namespace
{

// name -> records (zone-file lines); a name absent from the map is NXDOMAIN
// unless it lies outside every zone the responder "serves" (then REFUSED).
struct Zone {
        std::map<std::string, std::vector<std::string>> names;
        std::vector<std::string> served; // zone apexes
        unsigned queries = 0;
};

static std::string lower(std::string s)
{
        for (auto &c : s)
                c = (char)g_ascii_tolower(c);
        return s;
}

static bool under(const std::string &n, const std::string &apex)
{
        return n == apex ||
               (n.size() > apex.size() &&
                n.compare(n.size() - apex.size() - 1, std::string::npos, "." + apex) == 0);
}

// Builds the answer to one query, like an authoritative server: the CNAME
// chain inside the served zones, then the records of the type asked.
static std::vector<uint8_t> answer(Zone &z, const uint8_t *q, size_t qlen)
{
        z.queries++;
        ldns_pkt *qp = nullptr;
        EXPECT_EQ(ldns_wire2pkt(&qp, q, qlen), LDNS_STATUS_OK);
        ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
        char *qn = ldns_rdf2str(ldns_rr_owner(qrr));
        std::string name = lower(qn);
        free(qn);
        if (name.size() > 1 && name.back() == '.')
                name.pop_back();
        ldns_rr_type qt = ldns_rr_get_type(qrr);
        ldns_pkt *r = ldns_pkt_clone(qp);
        ldns_pkt_set_qr(r, true);
        ldns_pkt_set_aa(r, true);
        bool served = false;
        for (auto &a : z.served)
                served = served || under(name, a);
        if (!served) {
                ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
        } else {
                std::string cur = name;
                for (int hop = 0; hop < 8; hop++) {
                        auto it = z.names.find(cur);
                        std::vector<std::string> lines;
                        if (it != z.names.end()) {
                                lines = it->second;
                        } else {
                                // a wildcard at the parent (RFC 4592, simplified)
                                size_t dot = cur.find('.');
                                auto w = dot == std::string::npos
                                             ? z.names.end()
                                             : z.names.find("*." + cur.substr(dot + 1));
                                if (w == z.names.end()) {
                                        ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
                                        break;
                                }
                                for (auto l : w->second)
                                        lines.push_back(cur + "." + l.substr(l.find(' ')));
                        }
                        std::string next;
                        for (auto &line : lines) {
                                ldns_rr *rr = nullptr;
                                EXPECT_EQ(
                                    ldns_rr_new_frm_str(&rr, line.c_str(), 300, nullptr, nullptr),
                                    LDNS_STATUS_OK)
                                    << line;
                                ldns_rr_type t = ldns_rr_get_type(rr);
                                if (t == qt || (t == LDNS_RR_TYPE_CNAME && qt != t)) {
                                        if (t == LDNS_RR_TYPE_CNAME && qt != t) {
                                                char *tn = ldns_rdf2str(ldns_rr_rdf(rr, 0));
                                                next = lower(tn);
                                                free(tn);
                                                next.pop_back();
                                        }
                                        ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
                                } else {
                                        ldns_rr_free(rr);
                                }
                        }
                        bool in = false;
                        for (auto &a : z.served)
                                in = in || under(next, a);
                        if (next.empty() || !in)
                                break;
                        cur = next;
                }
        }
        ldns_pkt_free(qp);
        return wire_and_free(r);
}

static void add(Zone &z, const std::string &line)
{
        std::string n = lower(line.substr(0, line.find(' ')));
        if (n.back() == '.')
                n.pop_back();
        z.names[n].push_back(line);
        // empty non-terminals exist too
        for (size_t p = n.find('.'); p != std::string::npos; p = n.find('.', p + 1))
                z.names[n.substr(p + 1)];
}

// Drives fp to the end by hand and returns the report.
static const dg_footprint_report_t *drive(dg_footprint_t *fp, Zone &z)
{
        uint64_t now = 1000;
        uint8_t buf[4096];
        dg_engine_t *e;
        int phases = 0;
        while ((e = dg_footprint_engine(fp)) != nullptr) {
                for (int guard = 0; !dg_engine_done(e) && guard < 100000; guard++) {
                        dg_query_t q;
                        while (dg_engine_next_query(e, now, buf, sizeof buf, &q) == 1) {
                                auto resp = answer(z, buf, q.len);
                                dg_engine_feed(e, now, q.resolver, q.sock, q.transport, resp.data(),
                                               resp.size());
                        }
                        now += 5;
                        dg_engine_tick(e, now);
                        dg_result_t *r;
                        while (dg_engine_next_result(e, &r) == 1)
                                dg_footprint_add_result(fp, r);
                }
                EXPECT_TRUE(dg_engine_done(e));
                phases++;
                if (dg_footprint_next_phase(fp) == 0)
                        break;
        }
        EXPECT_GT(phases, 3);
        return dg_footprint_report(fp);
}

static bool has_finding(const dg_footprint_report_t *r, const std::string &id)
{
        for (size_t i = 0; i < r->nfindings; i++)
                if (id == r->findings[i].id)
                        return true;
        return false;
}

static const dg_footprint_provider_t *provider(const dg_footprint_report_t *r,
                                               const std::string &name)
{
        for (size_t i = 0; i < r->nproviders; i++)
                if (name == r->providers[i].name)
                        return &r->providers[i];
        return nullptr;
}

class Footprint : public ::testing::Test
{
      protected:
        void SetUp() override
        {
                z.served = {"example.test", "outlook.com", "azurewebsites.net", "spf.test"};
                const char *lines[] = {
                    "example.test. SOA ns1.example.test. h.example.test. 1 2 3 4 5",
                    "example.test. NS ns1.example.test.",
                    "example.test. MX 0 example-test.mail.protection.outlook.com.",
                    "example.test. TXT \"v=spf1 include:spf.protection.outlook.com "
                    "include:a.spf.test ?all\"",
                    "example.test. TXT \"MS=ms123\"",
                    "_dmarc.example.test. TXT \"v=DMARC1; p=none; rua=mailto:x@ag.dmarcian.com\"",
                    "selector1._domainkey.example.test. CNAME "
                    "selector1-example-test._domainkey.ex.onmicrosoft.com.",
                    "ns1.example.test. A 127.0.0.2",
                    "legacy.example.test. CNAME gone-app.azurewebsites.net.",
                    "www.example.test. CNAME live-app.azurewebsites.net.",
                    "live-app.azurewebsites.net. A 192.0.2.1",
                    "spf.protection.outlook.com. TXT \"v=spf1 ip4:40.92.0.0/15 -all\"",
                    "a.spf.test. TXT \"v=spf1 include:b.spf.test a mx\"",
                    "b.spf.test. TXT \"v=spf1 include:c.spf.test a mx\"",
                    "c.spf.test. TXT \"v=spf1 include:d.spf.test a mx ptr\"",
                    "d.spf.test. TXT \"v=spf1 exists:%{i}.x.spf.test\"",
                };
                for (auto l : lines)
                        add(z, l);
                ASSERT_EQ(dg_resolver_parse("127.0.0.53", &res), DG_OK);
        }
        dg_footprint_t *make(const char *domain)
        {
                dg_footprint_opts_t o;
                dg_footprint_opts_init(&o);
                o.domain = domain;
                o.resolvers = &res;
                o.nresolvers = 1;
                o.no_lame_check = true; // the responder cannot tell name servers apart
                o.retries = 1;
                dg_footprint_t *fp = nullptr;
                EXPECT_EQ(dg_footprint_new(&o, &fp), DG_OK);
                return fp;
        }
        Zone z;
        dg_resolver_addr_t res;
};

TEST_F(Footprint, ReportBySansIo)
{
        dg_footprint_t *fp = make("Example.Test.");
        ASSERT_NE(fp, nullptr);
        EXPECT_EQ(dg_footprint_report(fp), nullptr); // not before the end
        const dg_footprint_report_t *r = drive(fp, z);
        ASSERT_NE(r, nullptr);
        EXPECT_STREQ(r->domain, "example.test");
        EXPECT_GT(z.queries, 100u);

        const dg_footprint_provider_t *m = provider(r, "Microsoft 365");
        ASSERT_NE(m, nullptr);
        std::set<std::string> ev(m->evidence, m->evidence + m->nevidence);
        EXPECT_TRUE(ev.count("example.test MX mx:example-test.mail.protection.outlook.com"));
        EXPECT_TRUE(ev.count("example.test TXT spf:spf.protection.outlook.com"));
        EXPECT_TRUE(ev.count("example.test TXT txt:MS=ms123"));
        EXPECT_TRUE(ev.count("selector1._domainkey.example.test TXT "
                             "cname:selector1-example-test._domainkey.ex.onmicrosoft.com"));
        EXPECT_EQ(m->evidence[m->nevidence], nullptr);
        ASSERT_NE(provider(r, "dmarcian"), nullptr);
        const dg_footprint_provider_t *az = provider(r, "Azure App Service");
        ASSERT_NE(az, nullptr);
        EXPECT_TRUE(az->takeover);

        // findings: ?all, p=none, one DKIM selector, takeover of legacy only,
        // SPF chain: 2 + 3 + 3 + 4 + 1 = 13 DNS-querying terms > 10
        EXPECT_TRUE(has_finding(r, "spf-neutral-all"));
        EXPECT_TRUE(has_finding(r, "dmarc-p-none"));
        EXPECT_TRUE(has_finding(r, "dkim-selectors"));
        EXPECT_TRUE(has_finding(r, "spf-too-many-lookups"));
        EXPECT_EQ(r->spf_dns_terms, 13u);
        EXPECT_FALSE(has_finding(r, "no-spf"));
        EXPECT_FALSE(has_finding(r, "no-dmarc"));
        EXPECT_FALSE(has_finding(r, "apex-wildcard"));
        EXPECT_FALSE(has_finding(r, "dangling-cname"));
        int takeovers = 0;
        for (size_t i = 0; i < r->nfindings; i++) {
                if (std::string(r->findings[i].id) != "takeover-candidate")
                        continue;
                takeovers++;
                EXPECT_EQ(r->findings[i].severity, DG_SEV_HIGH);
                ASSERT_EQ(r->findings[i].nevidence, 1u);
                EXPECT_STREQ(r->findings[i].evidence[0],
                             "legacy.example.test CNAME gone-app.azurewebsites.net");
        }
        EXPECT_EQ(takeovers, 1);
        // highest severity first
        for (size_t i = 1; i < r->nfindings; i++)
                EXPECT_GE(r->findings[i - 1].severity, r->findings[i].severity);
        // records carry their providers
        bool mx = false;
        for (size_t i = 0; i < r->nrecords; i++)
                if (std::string(r->records[i].name) == "example.test" &&
                    r->records[i].type == DG_T_MX) {
                        mx = true;
                        ASSERT_EQ(r->records[i].nproviders, 1u);
                        EXPECT_STREQ(r->records[i].providers[0].name, "Microsoft 365");
                        EXPECT_STREQ(r->records[i].why, "apex");
                }
        EXPECT_TRUE(mx);
        dg_footprint_free(fp);
}

TEST_F(Footprint, WildcardNoSpfNoDmarc)
{
        Zone w;
        w.served = {"wild.test"};
        add(w, "wild.test. SOA ns1.wild.test. h.wild.test. 1 2 3 4 5");
        add(w, "wild.test. TXT \"hello\"");
        add(w, "*.wild.test. A 192.0.2.7");
        dg_footprint_t *fp = make("wild.test");
        const dg_footprint_report_t *r = drive(fp, w);
        ASSERT_NE(r, nullptr);
        EXPECT_TRUE(has_finding(r, "no-spf"));
        EXPECT_TRUE(has_finding(r, "no-dmarc"));
        EXPECT_TRUE(has_finding(r, "apex-wildcard"));
        EXPECT_EQ(r->nproviders, 0u);
        dg_footprint_free(fp);
}

// The follow-ups of the takeover findings: the MX hosts' addresses, the
// domains of SPF a: terms, and the registrable parents of those that do not
// exist ("test" is served, so unregistered .test domains are NXDOMAIN).
TEST_F(Footprint, MxAndSpfTakeoverBySansIo)
{
        Zone v;
        v.served = {"test"};
        const char *lines[] = {
            "victim.test. SOA ns1.victim.test. h.victim.test. 1 2 3 4 5",
            "victim.test. MX 10 mail.gone-mx.test.",
            "victim.test. MX 20 mx.live.test.",
            "victim.test. TXT \"v=spf1 include:_spf.gone-spf.test a:relay.live.test "
            "a:h.missing.live.test -all\"",
            "_dmarc.victim.test. TXT \"v=DMARC1; p=reject\"",
            "live.test. SOA ns.live.test. h.live.test. 1 2 3 4 5",
            "mx.live.test. A 192.0.2.25",
            "relay.live.test. A 192.0.2.26",
        };
        for (auto l : lines)
                add(v, l);
        dg_footprint_t *fp = make("victim.test");
        const dg_footprint_report_t *r = drive(fp, v);
        ASSERT_NE(r, nullptr);
        std::multiset<std::string> got;
        for (size_t i = 0; i < r->nfindings; i++)
                got.insert(std::string(dg_severity_str(r->findings[i].severity)) + " " +
                           r->findings[i].id + " " + r->findings[i].evidence[0]);
        EXPECT_EQ(got,
                  (std::multiset<std::string>{
                      "high mx-takeover victim.test MX 10 mail.gone-mx.test.",
                      "high spf-include-registrable victim.test TXT include:_spf.gone-spf.test",
                      "medium spf-include-missing _spf.gone-spf.test",
                  }));
        // the live parent of h.missing.live.test was asked, and is a record
        bool parent = false;
        for (size_t i = 0; i < r->nrecords; i++)
                if (std::string(r->records[i].name) == "live.test" &&
                    r->records[i].type == DG_T_SOA)
                        parent = std::string(r->records[i].why) == "parent-check";
        EXPECT_TRUE(parent);
        dg_footprint_free(fp);
}

TEST(FootprintApi, BadOptions)
{
        dg_footprint_opts_t o;
        dg_footprint_opts_init(&o);
        dg_footprint_t *fp = nullptr;
        EXPECT_EQ(dg_footprint_new(&o, &fp), DG_EINVAL);
        o.domain = "example.test";
        EXPECT_EQ(dg_footprint_new(&o, &fp), DG_ENORESOLVER);
        dg_resolver_addr_t res;
        ASSERT_EQ(dg_resolver_parse("127.0.0.1", &res), DG_OK);
        o.resolvers = &res;
        o.nresolvers = 1;
        o.domain = "bad..name";
        EXPECT_EQ(dg_footprint_new(&o, &fp), DG_ENAME);
        EXPECT_EQ(fp, nullptr);
        dg_footprint_free(nullptr);
        EXPECT_EQ(dg_footprint_engine(nullptr), nullptr);
        EXPECT_EQ(dg_footprint_report(nullptr), nullptr);
        EXPECT_STREQ(dg_severity_str(DG_SEV_HIGH), "high");
        EXPECT_NE(dg_footprint_dkim_selectors()[0], nullptr);
        EXPECT_NE(dg_footprint_srv_names()[0], nullptr);
        EXPECT_NE(dg_footprint_saas_names()[0], nullptr);
}

} // namespace
