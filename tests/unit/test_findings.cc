// The classify part of a footprint, without engines: findings and the report
// built from hand-made lookups (core/src/findings.c, classify_report.c), and
// the footprint name lists read from data (core/src/footprint_names.c).
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <string>
#include <vector>

extern "C" {
#include "findings_int.h"
#include "footprint_names.h"
}

namespace
{

// Lookups as footprint.c would have gathered them; owns everything.
class Gathered
{
      public:
        ~Gathered()
        {
                for (auto *l : ls_)
                        free_lookup(l);
                for (auto *c : ns_) {
                        free_lookup(c->check);
                        g_free(c->host);
                        g_free(c->addr);
                        g_free(c);
                }
        }

        // A lookup answered with status; data/cname only when found.
        dg_fp_lookup_t *add(const char *name, uint16_t type, const char *why, dg_status_t st,
                            std::vector<std::string> data = {}, std::vector<std::string> cname = {})
        {
                dg_fp_lookup_t *l = lookup(name, type, why, st, data, cname);
                ls_.push_back(l);
                return l;
        }

        // A lame check of host/addr answered with rcode (REFUSED, SERVFAIL):
        // a failed lookup, as the engine reports it.
        void nscheck_rcode(const char *host, const char *addr, uint8_t rcode)
        {
                nscheck(host, addr, DG_STATUS_FAILED);
                dg_result_t *r = ns_.back()->check->r;
                r->rcode = rcode;
                r->reason = dg_rcode_str(rcode);
        }

        // A lame check of host/addr; st < 0: no answer at all.
        void nscheck(const char *host, const char *addr, int st, std::vector<std::string> soa = {})
        {
                auto *c = g_new0(dg_fp_nscheck_t, 1);
                c->host = g_strdup(host);
                c->addr = g_strdup(addr);
                c->check =
                    lookup(domain, DG_T_SOA, "lame-check", (dg_status_t)(st < 0 ? 0 : st), soa, {});
                if (st < 0) {
                        dg_result_free(c->check->r);
                        c->check->r = nullptr;
                }
                c->check->ns = (int)ns_.size();
                ns_.push_back(c);
        }

        dg_fp_view_t view() const
        {
                dg_fp_view_t v = {};
                v.domain = domain;
                v.db = db ? db : dg_fpdb_default();
                v.lookups = ls_.data();
                v.nlookups = ls_.size();
                v.nschecks = ns_.data();
                v.nnschecks = ns_.size();
                v.wildcard_probe = probe;
                v.queries = 7;
                v.phases = 3;
                return v;
        }

        const char *domain = "corp.test";
        const char *probe = "dg-qzzzzzzzzzzzzzzz.corp.test";
        const dg_fpdb_t *db = nullptr; // nullptr: the built-in database

      private:
        static char **strv(const std::vector<std::string> &v)
        {
                char **s = g_new0(char *, v.size() + 1);
                for (size_t i = 0; i < v.size(); i++)
                        s[i] = g_strdup(v[i].c_str());
                return s;
        }

        static dg_fp_lookup_t *lookup(const char *name, uint16_t type, const char *why,
                                      dg_status_t st, const std::vector<std::string> &data,
                                      const std::vector<std::string> &cname)
        {
                auto *l = g_new0(dg_fp_lookup_t, 1);
                l->name = g_strdup(name);
                l->type = type;
                l->why = why;
                l->ns = -1;
                l->r = g_new0(dg_result_t, 1);
                l->r->name = g_strdup(name);
                l->r->status = st;
                l->r->rcode = st == DG_STATUS_NXDOMAIN ? 3 : st == DG_STATUS_FAILED ? 255 : 0;
                l->r->reason = st == DG_STATUS_FAILED ? "timeout" : nullptr;
                if (st == DG_STATUS_FOUND) {
                        l->r->nanswers = 1;
                        l->r->answers = g_new0(dg_answer_t, 1);
                        dg_answer_t *a = &l->r->answers[0];
                        a->type = type;
                        a->ttl = 300;
                        a->ndata = data.size();
                        a->data = strv(data);
                        a->ncname = cname.size();
                        a->cname = strv(cname);
                }
                return l;
        }

        static void free_lookup(dg_fp_lookup_t *l)
        {
                dg_result_free(l->r);
                g_free(l->name);
                g_free(l);
        }

        std::vector<dg_fp_lookup_t *> ls_;
        std::vector<dg_fp_nscheck_t *> ns_;
};

struct Report {
        explicit Report(const Gathered &g)
        {
                dg_fp_view_t v = g.view();
                rep = dg_fp_report_build(&v);
        }
        ~Report()
        {
                dg_fp_report_free(rep);
        }
        std::vector<std::string> ids() const
        {
                std::vector<std::string> v;
                for (size_t i = 0; i < rep->nfindings; i++)
                        v.push_back(rep->findings[i].id);
                return v;
        }
        const dg_finding_t *get(const char *id) const
        {
                for (size_t i = 0; i < rep->nfindings; i++)
                        if (std::string(rep->findings[i].id) == id)
                                return &rep->findings[i];
                return nullptr;
        }
        dg_footprint_report_t *rep = nullptr;
};

using Ids = std::vector<std::string>;

TEST(Findings, NothingReadable)
{
        Gathered g;
        Report r(g);
        EXPECT_EQ(r.ids(), (Ids{"dmarc-unknown", "spf-unknown"}));
        EXPECT_EQ(r.rep->nrecords, 0u);
        EXPECT_EQ(r.rep->queries, 7u);
        EXPECT_EQ(r.rep->phases, 3u);
        EXPECT_STREQ(r.get("dmarc-unknown")->message, "_dmarc.corp.test could not be read");
        EXPECT_STREQ(dg_severity_str(r.get("spf-unknown")->severity), "info");
}

TEST(Findings, SpfAndDmarcPolicies)
{
        Gathered g;
        g.add("corp.test", DG_T_TXT, "apex", DG_STATUS_FOUND,
              {"\"v=spf1 include:spf.mailer.test include:gone.test \" \"+all\""});
        g.add("spf.mailer.test", DG_T_TXT, "spf-include", DG_STATUS_FOUND,
              {"\"v=spf1 ip4:192.0.2.0/24 -all\""});
        g.add("gone.test", DG_T_TXT, "spf-include", DG_STATUS_NXDOMAIN);
        g.add("_dmarc.corp.test", DG_T_TXT, "dmarc", DG_STATUS_FOUND,
              {"\"v=DMARC1; p=none; rua=mailto:d@corp.test\""});
        Report r(g);
        // sorted by severity (highest first), then id; gone.test does not
        // exist and is its own registrable parent
        EXPECT_EQ(r.ids(), (Ids{"spf-include-registrable", "spf-pass-all", "spf-include-missing",
                                "dmarc-p-none"}));
        const dg_finding_t *f = r.get("spf-include-missing");
        ASSERT_NE(f, nullptr);
        ASSERT_EQ(f->nevidence, 1u);
        EXPECT_STREQ(f->evidence[0], "gone.test");
        EXPECT_EQ(f->evidence[1], nullptr);
        EXPECT_STREQ(r.get("spf-pass-all")->message,
                     "SPF ends in +all: every host may send as the domain");
        EXPECT_STREQ(r.get("spf-pass-all")->evidence[0],
                     "v=spf1 include:spf.mailer.test include:gone.test +all");
        EXPECT_EQ(r.rep->spf_dns_terms, 2u);
}

TEST(Findings, SpfMissingAndDmarcPct)
{
        Gathered g;
        g.add("corp.test", DG_T_TXT, "apex", DG_STATUS_FOUND, {"\"google-site-verification=x\""});
        g.add("_dmarc.corp.test", DG_T_TXT, "dmarc", DG_STATUS_FOUND,
              {"\"v=DMARC1; p=reject; pct=20\""});
        Report r(g);
        EXPECT_EQ(r.ids(), (Ids{"no-spf", "dmarc-pct"}));
        EXPECT_STREQ(r.get("dmarc-pct")->message,
                     "DMARC applies its policy to only 20% of failing mail");
        EXPECT_EQ(r.rep->spf_dns_terms, 0u);
}

TEST(Findings, TakeoverCandidateAndDanglingCname)
{
        Gathered g;
        g.add("corp.test", DG_T_TXT, "apex", DG_STATUS_FOUND, {"\"v=spf1 -all\""});
        g.add("_dmarc.corp.test", DG_T_TXT, "dmarc", DG_STATUS_FOUND, {"\"v=DMARC1; p=reject\""});
        g.add("legacy.corp.test", DG_T_CNAME, "saas", DG_STATUS_FOUND,
              {"corp-legacy.azurewebsites.net."});
        g.add("corp-legacy.azurewebsites.net", DG_T_A, "cname-target", DG_STATUS_NXDOMAIN);
        g.add("old.corp.test", DG_T_A, "saas", DG_STATUS_FOUND, {}, {"gone.example.net."});
        g.add("gone.example.net", DG_T_A, "cname-target", DG_STATUS_NXDOMAIN);
        Report r(g);
        EXPECT_EQ(r.ids(), (Ids{"takeover-candidate", "dangling-cname"}));
        const dg_finding_t *t = r.get("takeover-candidate");
        EXPECT_EQ(t->severity, DG_SEV_HIGH);
        EXPECT_STREQ(t->message,
                     "legacy.corp.test points to corp-legacy.azurewebsites.net (Azure App "
                     "Service), which does not exist (NXDOMAIN): whoever creates it there serves "
                     "legacy.corp.test");
        EXPECT_STREQ(t->evidence[0], "legacy.corp.test CNAME corp-legacy.azurewebsites.net");
        EXPECT_STREQ(r.get("dangling-cname")->message,
                     "old.corp.test points to gone.example.net, which does not exist (NXDOMAIN)");
        // the record of the CNAME names the provider, flagged takeover-prone
        bool azure = false;
        for (size_t i = 0; i < r.rep->nproviders; i++)
                if (std::string(r.rep->providers[i].name) == "Azure App Service")
                        azure = r.rep->providers[i].takeover;
        EXPECT_TRUE(azure);
}

TEST(Findings, LameDelegationAndApexWildcard)
{
        Gathered g;
        g.add("corp.test", DG_T_TXT, "apex", DG_STATUS_FOUND, {"\"v=spf1 -all\""});
        g.add("_dmarc.corp.test", DG_T_TXT, "dmarc", DG_STATUS_FOUND, {"\"v=DMARC1; p=reject\""});
        g.add("corp.test", DG_T_NS, "apex", DG_STATUS_FOUND,
              {"ns1.corp.test.", "ns9.gone-dns.test."});
        g.add("ns9.gone-dns.test", DG_T_A, "ns-address", DG_STATUS_NXDOMAIN);
        g.add(g.probe, DG_T_A, "wildcard-probe", DG_STATUS_FOUND, {"192.0.2.7"});
        g.nscheck("ns1.corp.test", "127.0.0.3", DG_STATUS_FAILED);
        g.nscheck("ns2.digitalocean.com", "127.0.0.4", -1);
        g.nscheck("ns3.corp.test", "127.0.0.5", DG_STATUS_FOUND,
                  {"ns1.corp.test. h.corp.test. 1 2 3 4 5"});
        Report r(g);
        EXPECT_EQ(r.ids(),
                  (Ids{"lame-delegation", "lame-delegation", "lame-delegation", "apex-wildcard"}));
        std::vector<std::string> msgs;
        for (size_t i = 0; i < 3; i++)
                msgs.push_back(r.rep->findings[i].message);
        EXPECT_EQ(r.rep->findings[2].severity, DG_SEV_MEDIUM);
        EXPECT_EQ(msgs[2], "name server ns1.corp.test (127.0.0.3) does not answer for corp.test "
                           "(timeout)");
        EXPECT_NE(std::find(msgs.begin(), msgs.end(),
                            "name server ns2.digitalocean.com (127.0.0.4) does not answer for "
                            "corp.test (no answer): its DNS host lets anyone create the zone"),
                  msgs.end());
        EXPECT_NE(std::find(msgs.begin(), msgs.end(),
                            "name server ns9.gone-dns.test does not exist (NXDOMAIN): if its "
                            "domain can be registered, whoever does answers for corp.test"),
                  msgs.end());
        const dg_finding_t *w = r.get("apex-wildcard");
        ASSERT_EQ(w->nevidence, 1u);
        EXPECT_STREQ(w->evidence[0], "*.corp.test A 192.0.2.7");
        // the probe is not a record of the report
        for (size_t i = 0; i < r.rep->nrecords; i++)
                EXPECT_STRNE(r.rep->records[i].why, "wildcard-probe");
}

TEST(Findings, DkimSelectorsAndProviders)
{
        Gathered g;
        g.add("corp.test", DG_T_MX, "apex", DG_STATUS_FOUND,
              {"0 corp-test.mail.protection.outlook.com."});
        g.add("selector1._domainkey.corp.test", DG_T_TXT, "dkim", DG_STATUS_FOUND,
              {"\"v=DKIM1; k=rsa; p=AAAA\""});
        g.add("k1._domainkey.corp.test", DG_T_TXT, "dkim", DG_STATUS_NXDOMAIN);
        Report r(g);
        const dg_finding_t *d = r.get("dkim-selectors");
        ASSERT_NE(d, nullptr);
        EXPECT_STREQ(d->message, "1 DKIM selector(s) found");
        EXPECT_STREQ(d->evidence[0], "selector1._domainkey.corp.test");
        ASSERT_EQ(r.rep->nrecords, 2u);
        EXPECT_STREQ(r.rep->records[0].status, "found");
        bool m365 = false;
        for (size_t i = 0; i < r.rep->nproviders; i++)
                if (std::string(r.rep->providers[i].name) == "Microsoft 365") {
                        m365 = true;
                        ASSERT_GE(r.rep->providers[i].nevidence, 1u);
                        EXPECT_EQ(
                            std::string(r.rep->providers[i].evidence[0]).rfind("corp.test MX ", 0),
                            0u);
                }
        EXPECT_TRUE(m365);
}

// ---- name lists ----

std::string parse_error(const std::string &text)
{
        dg_fp_names_t *n = nullptr;
        char *err = nullptr;
        int rc = dg_fp_names_parse(text.data(), text.size(), "t", &n, &err);
        std::string e = err ? err : "";
        g_free(err);
        dg_fp_names_free(n);
        return rc == DG_EPARSE ? e : "rc " + std::to_string(rc);
}

const char *const kGood = "# c\n[dkim-selectors]\nS1\n[srv]\n_sip._tls\n[saas]\nwww\n"
                          "[txt-owners]\n_dmarc\ndefault._bimi\n";

TEST(FootprintNames, BuiltinLoadsAndBacksThePublicLists)
{
        const char *why = "unset";
        const dg_fp_names_t *n = dg_fp_names_builtin(&why);
        ASSERT_NE(n, nullptr) << why;
        EXPECT_EQ(why, nullptr);
        EXPECT_EQ(n->n[DG_FPN_DKIM], 35u);
        EXPECT_EQ(n->n[DG_FPN_SRV], 25u);
        EXPECT_EQ(n->n[DG_FPN_SAAS], 52u);
        EXPECT_EQ(n->n[DG_FPN_TXT_OWNERS], 7u);
        EXPECT_EQ((const char *const *)n->list[DG_FPN_DKIM], dg_footprint_dkim_selectors());
        EXPECT_STREQ(dg_footprint_dkim_selectors()[0], "selector1");
        EXPECT_STREQ(dg_footprint_dkim_selectors()[34], "everlytickey1");
        EXPECT_EQ(dg_footprint_dkim_selectors()[35], nullptr);
        EXPECT_STREQ(dg_footprint_srv_names()[0], "_sip._tls");
        EXPECT_STREQ(dg_footprint_saas_names()[51], "beta");
        EXPECT_STREQ(n->list[DG_FPN_TXT_OWNERS][0], "_dmarc");
}

TEST(FootprintNames, ParsesSectionsInOrder)
{
        dg_fp_names_t *n = nullptr;
        char *err = nullptr;
        ASSERT_EQ(dg_fp_names_parse(kGood, strlen(kGood), "t", &n, &err), DG_OK) << err;
        EXPECT_STREQ(n->list[DG_FPN_DKIM][0], "s1"); // case folded
        EXPECT_EQ(n->n[DG_FPN_TXT_OWNERS], 2u);
        EXPECT_STREQ(n->list[DG_FPN_TXT_OWNERS][1], "default._bimi");
        EXPECT_EQ(n->list[DG_FPN_TXT_OWNERS][2], nullptr);
        dg_fp_names_free(n);
        dg_fp_names_free(nullptr);
}

TEST(FootprintNames, RejectsMalformedWithFileAndLine)
{
        const std::string g = kGood;
        EXPECT_EQ(parse_error("www\n" + g), "t:1: name before the first [section]");
        EXPECT_EQ(parse_error(g + "[extra]\n"), "t:11: unknown section");
        EXPECT_EQ(parse_error(g + "[saas\n"), "t:11: malformed section header");
        EXPECT_EQ(parse_error(g + "[srv]\n"), "t:11: section repeated");
        EXPECT_EQ(parse_error(g + "_DMARC\n"), "t:11: duplicate name");
        EXPECT_EQ(parse_error(g + "bad name\n"),
                  "t:11: not a relative name (labels of letters, digits, '-', '_')");
        EXPECT_EQ(parse_error(g + "a..b\n"),
                  "t:11: not a relative name (labels of letters, digits, '-', '_')");
        EXPECT_EQ(parse_error("[dkim-selectors]\na.b\n"), "t:2: one label expected");
        EXPECT_EQ(parse_error("[srv]\n_sip.tls\n"), "t:2: \"_service._proto\" expected");
        EXPECT_EQ(parse_error("[dkim-selectors]\ns\n[srv]\n_a._b\n[saas]\nw\n[txt-owners]\n_x\n"),
                  "t: [txt-owners] lacks _dmarc (the DMARC check needs it)");
        EXPECT_EQ(parse_error("[dkim-selectors]\ns\n[srv]\n_a._b\n[txt-owners]\n_dmarc\n"),
                  "t: a list is missing or empty (dkim-selectors, srv, saas, txt-owners are "
                  "required)");
        EXPECT_EQ(parse_error(""), "t: a list is missing or empty (dkim-selectors, srv, saas, "
                                   "txt-owners are required)");
        EXPECT_EQ(parse_error(g + std::string(64, 'a') + "\n"),
                  "t:11: not a relative name (labels of letters, digits, '-', '_')");
}

TEST(FootprintNames, LoadsFilesAndReportsMissingOnes)
{
        dg_fp_names_t *n = nullptr;
        char *err = nullptr;
        errno = 0;
        EXPECT_EQ(dg_fp_names_load_file("/nonexistent/footprint-names.txt", &n, &err), DG_EIO);
        EXPECT_EQ(errno, ENOENT);
        ASSERT_NE(err, nullptr);
        EXPECT_NE(std::string(err).find("/nonexistent/footprint-names.txt"), std::string::npos);
        g_free(err);
        EXPECT_EQ(n, nullptr);

        char *path = nullptr;
        int fd = g_file_open_tmp("dg-names-XXXXXX", &path, nullptr);
        ASSERT_GE(fd, 0);
        close(fd);
        ASSERT_TRUE(g_file_set_contents(path, kGood, -1, nullptr));
        EXPECT_EQ(dg_fp_names_load_file(path, &n, &err), DG_OK);
        ASSERT_NE(n, nullptr);
        EXPECT_STREQ(n->list[DG_FPN_SRV][0], "_sip._tls");
        dg_fp_names_free(n);
        ASSERT_TRUE(g_file_set_contents(path, "[srv]\nnope\n", -1, nullptr));
        EXPECT_EQ(dg_fp_names_load_file(path, &n, &err), DG_EPARSE);
        EXPECT_EQ(std::string(err), std::string(path) + ":2: \"_service._proto\" expected");
        g_free(err);
        g_unlink(path);
        g_free(path);
}

// ---- takeover classes beyond CNAME ----

// The built-in database plus signatures whose flags are given without the
// takeover flag's tail: the flag is "takeover:CONDITION:STATUS:DATE" in
// newer databases and "takeover:CONDITION" in older ones; whichever loads.
class TestDb
{
      public:
        explicit TestDb(const std::vector<std::string> &lines)
        {
                for (const char *tail : {":vulnerable:2026-12-01", ""}) {
                        dg_fpdb_free(db);
                        db = nullptr;
                        EXPECT_EQ(dg_fpdb_new_default(&db), DG_OK);
                        std::string text;
                        for (const auto &l : lines) {
                                std::string t = l;
                                size_t at = t.find("@TAIL");
                                if (at != std::string::npos)
                                        t.replace(at, 5, tail);
                                text += t + "\n";
                        }
                        char *err = nullptr;
                        int rc = dg_fpdb_load_data(db, text.data(), text.size(), "test", &err);
                        g_free(err);
                        if (rc == DG_OK)
                                return;
                }
                ADD_FAILURE() << "test signatures rejected in both forms";
        }
        ~TestDb()
        {
                dg_fpdb_free(db);
        }
        dg_fpdb_t *db = nullptr;
};

const std::vector<std::string> kTakeoverSigs = {
    "ns\tdnshost.test\tTest DNS Host\tdns\ttakeover:lame@TAIL\thttps://dnshost.test/",
    "mx\tclaimable.test\tTest Mail\tmail\ttakeover:nxdomain@TAIL\thttps://claimable.test/",
    "mx\tkeeps.test\tTest Keeps\tmail\ttakeover:unclaimed@TAIL\thttps://keeps.test/",
};

std::vector<std::string> evidence(const dg_finding_t *f)
{
        std::vector<std::string> v;
        for (size_t i = 0; f && i < f->nevidence; i++)
                v.push_back(f->evidence[i]);
        return v;
}

size_t count(const Report &r, const char *id)
{
        auto ids = r.ids();
        return (size_t)std::count(ids.begin(), ids.end(), std::string(id));
}

void spf_and_dmarc_ok(Gathered &g)
{
        g.add("_dmarc.corp.test", DG_T_TXT, "dmarc", DG_STATUS_FOUND, {"\"v=DMARC1; p=reject\""});
}

TEST(TakeoverFindings, NamesDecidedWithoutPublicSuffixList)
{
        auto reg = [](const char *n) {
                char *r = dg_fp_registrable(n);
                std::string s = r ? r : "(null)";
                g_free(r);
                return s;
        };
        EXPECT_EQ(reg("_spf.Gone.Example."), "gone.example");
        EXPECT_EQ(reg("gone.example"), "gone.example");
        EXPECT_EQ(reg("example"), "(null)");
        EXPECT_EQ(reg("."), "(null)");
        EXPECT_EQ(reg("a.b.co.uk"), "co.uk"); // exists: errs towards "not registrable"
        auto mx = [](const char *rd) {
                char *h = dg_fp_mx_host(rd);
                std::string s = h ? h : "(null)";
                g_free(h);
                return s;
        };
        EXPECT_EQ(mx("10 MX1.Example.NET."), "mx1.example.net");
        EXPECT_EQ(mx("0 ."), "(null)");
        EXPECT_EQ(mx("mx.example.net."), "(null)");
        EXPECT_EQ(mx("10"), "(null)");
        EXPECT_EQ(mx(""), "(null)");
        EXPECT_TRUE(dg_fp_name_under("a.corp.test", "corp.test"));
        EXPECT_TRUE(dg_fp_name_under("corp.test", "corp.test"));
        EXPECT_FALSE(dg_fp_name_under("acorp.test", "corp.test"));
        EXPECT_FALSE(dg_fp_name_under("test", "corp.test"));
        EXPECT_EQ(dg_fp_spf_term_type(DG_SPF_INCLUDE), DG_T_TXT);
        EXPECT_EQ(dg_fp_spf_term_type(DG_SPF_REDIRECT), DG_T_TXT);
        EXPECT_EQ(dg_fp_spf_term_type(DG_SPF_EXISTS), DG_T_A);
        EXPECT_EQ(dg_fp_spf_term_type(DG_SPF_MX), DG_T_MX);
        EXPECT_EQ(dg_fp_spf_term_type(DG_SPF_PTR), 0);
}

TEST(TakeoverFindings, NsTakeoverWhenEveryServerRefuses)
{
        Gathered g;
        g.add("corp.test", DG_T_TXT, "apex", DG_STATUS_FOUND, {"\"v=spf1 -all\""});
        spf_and_dmarc_ok(g);
        g.add("corp.test", DG_T_NS, "apex", DG_STATUS_FOUND,
              {"ns1.dnshost.test.", "ns2.dnshost.test."});
        g.nscheck_rcode("ns1.dnshost.test", "127.0.0.4", DG_RCODE_REFUSED);
        g.nscheck_rcode("ns2.dnshost.test", "127.0.0.5", DG_RCODE_SERVFAIL);
        g.nscheck_rcode("ns2.dnshost.test", "::5", DG_RCODE_REFUSED);
        {
                Report r(g);
                EXPECT_EQ(r.ids(), (Ids{"lame-delegation", "lame-delegation", "lame-delegation",
                                        "ns-takeover"}));
                const dg_finding_t *f = r.get("ns-takeover");
                ASSERT_NE(f, nullptr);
                EXPECT_EQ(f->severity, DG_SEV_MEDIUM); // the DNS host is not known
                EXPECT_STREQ(f->message, "every name server of corp.test refuses the zone "
                                         "(REFUSED or SERVFAIL): whoever can create the zone "
                                         "on those servers answers for corp.test");
                EXPECT_EQ(evidence(f),
                          (Ids{"corp.test NS ns1.dnshost.test", "corp.test NS ns2.dnshost.test",
                               "ns1.dnshost.test (127.0.0.4) SOA corp.test REFUSED",
                               "ns2.dnshost.test (127.0.0.5) SOA corp.test SERVFAIL",
                               "ns2.dnshost.test (::5) SOA corp.test REFUSED"}));
        }
        TestDb t(kTakeoverSigs);
        g.db = t.db;
        Report r(g);
        const dg_finding_t *f = r.get("ns-takeover");
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->severity, DG_SEV_HIGH);
        EXPECT_STREQ(f->message, "every name server of corp.test refuses the zone (REFUSED or "
                                 "SERVFAIL): Test DNS Host lets anyone create the zone, and "
                                 "whoever does answers for corp.test");
        EXPECT_EQ(r.rep->findings[0].severity, DG_SEV_HIGH); // sorted first
}

TEST(TakeoverFindings, NoNsTakeoverWhileAServerServesOrIsUnknown)
{
        TestDb t(kTakeoverSigs);
        auto run = [&](auto setup) {
                Gathered g;
                g.db = t.db;
                g.add("corp.test", DG_T_NS, "apex", DG_STATUS_FOUND,
                      {"ns1.dnshost.test.", "ns2.dnshost.test."});
                setup(g);
                Report r(g);
                return count(r, "ns-takeover");
        };
        // one server serves the zone
        EXPECT_EQ(run([](Gathered &g) {
                          g.nscheck_rcode("ns1.dnshost.test", "127.0.0.4", DG_RCODE_REFUSED);
                          g.nscheck("ns2.dnshost.test", "127.0.0.5", DG_STATUS_FOUND,
                                    {"ns1.dnshost.test. h.corp.test. 1 2 3 4 5"});
                  }),
                  0u);
        // one timed out: whether it hosts the zone is unknown
        EXPECT_EQ(run([](Gathered &g) {
                          g.nscheck_rcode("ns1.dnshost.test", "127.0.0.4", DG_RCODE_REFUSED);
                          g.nscheck("ns2.dnshost.test", "127.0.0.5", DG_STATUS_FAILED);
                  }),
                  0u);
        // one name server was not asked (no address)
        EXPECT_EQ(run([](Gathered &g) {
                          g.nscheck_rcode("ns1.dnshost.test", "127.0.0.4", DG_RCODE_REFUSED);
                  }),
                  0u);
        // no checks at all (--no-lame-check)
        EXPECT_EQ(run([](Gathered &) {}), 0u);
        // the control: both refuse
        EXPECT_EQ(run([](Gathered &g) {
                          g.nscheck_rcode("ns1.dnshost.test", "127.0.0.4", DG_RCODE_REFUSED);
                          g.nscheck_rcode("ns2.dnshost.test", "127.0.0.5", DG_RCODE_REFUSED);
                  }),
                  1u);
}

TEST(TakeoverFindings, MxTakeover)
{
        TestDb t(kTakeoverSigs);
        Gathered g;
        g.db = t.db;
        g.add("corp.test", DG_T_MX, "apex", DG_STATUS_FOUND,
              {"10 mail.gone-mx.test.", "20 mx1.live.test.", "30 mail.corp.test.",
               "40 mx.vendor.test.", "50 tenant.claimable.test.", "60 t1.keeps.test.", "0 ."});
        g.add("mail.gone-mx.test", DG_T_A, "mx-address", DG_STATUS_NXDOMAIN);
        g.add("gone-mx.test", DG_T_SOA, "parent-check", DG_STATUS_NXDOMAIN);
        g.add("mx1.live.test", DG_T_A, "mx-address", DG_STATUS_FOUND, {"192.0.2.25"});
        g.add("mail.corp.test", DG_T_A, "mx-address", DG_STATUS_NXDOMAIN);
        g.add("mx.vendor.test", DG_T_A, "mx-address", DG_STATUS_NXDOMAIN);
        g.add("vendor.test", DG_T_SOA, "parent-check", DG_STATUS_FOUND,
              {"ns.vendor.test. h.vendor.test. 1 2 3 4 5"});
        g.add("tenant.claimable.test", DG_T_A, "mx-address", DG_STATUS_NXDOMAIN);
        g.add("claimable.test", DG_T_SOA, "parent-check", DG_STATUS_FOUND,
              {"ns.claimable.test. h.claimable.test. 1 2 3 4 5"});
        g.add("t1.keeps.test", DG_T_A, "mx-address", DG_STATUS_FOUND, {"192.0.2.27"});
        Report r(g);
        std::vector<std::string> got;
        for (size_t i = 0; i < r.rep->nfindings; i++) {
                const dg_finding_t *f = &r.rep->findings[i];
                if (std::string(f->id) == "mx-takeover")
                        got.push_back(std::string(dg_severity_str(f->severity)) + " " + f->message);
        }
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got,
                  (Ids{"high mail exchange mail.gone-mx.test of corp.test does not exist "
                       "(NXDOMAIN): whoever registers gone-mx.test receives mail for corp.test",
                       "high mail exchange tenant.claimable.test of corp.test does not exist "
                       "(NXDOMAIN): whoever creates it at Test Mail receives mail for corp.test",
                       "low mail exchange t1.keeps.test of corp.test is at Test Keeps, where the "
                       "host of a closed account can be claimed by another: check that the "
                       "account still holds corp.test",
                       "medium mail exchange mail.corp.test of corp.test does not exist "
                       "(NXDOMAIN): mail to it bounces; whoever controls corp.test can receive "
                       "mail for corp.test",
                       "medium mail exchange mx.vendor.test of corp.test does not exist "
                       "(NXDOMAIN): mail to it bounces; whoever controls vendor.test can receive "
                       "mail for corp.test"}));
        for (size_t i = 0; i < r.rep->nfindings; i++) {
                const dg_finding_t *f = &r.rep->findings[i];
                if (std::string(f->id) == "mx-takeover" &&
                    std::string(f->message).find("gone-mx") != std::string::npos) {
                        EXPECT_EQ(evidence(f), (Ids{"corp.test MX 10 mail.gone-mx.test.",
                                                    "mail.gone-mx.test A NXDOMAIN",
                                                    "gone-mx.test SOA NXDOMAIN"}));
                }
        }
}

TEST(TakeoverFindings, SpfIncludeRegistrable)
{
        Gathered g;
        spf_and_dmarc_ok(g);
        g.add("corp.test", DG_T_TXT, "apex", DG_STATUS_FOUND,
              {"\"v=spf1 include:_spf.gone.test include:nodata.vendor.test "
               "include:_spf.miss.vendor.test include:fail.vendor.test include:spf.vendor.test "
               "include:_spf.flaky.test a:h.gone-a.test/24 mx:gone-mx.test "
               "exists:%{i}.macro.test include:_spf.gone.test -all\""});
        g.add("_spf.gone.test", DG_T_TXT, "spf-include", DG_STATUS_NXDOMAIN);
        g.add("gone.test", DG_T_SOA, "parent-check", DG_STATUS_NXDOMAIN);
        g.add("nodata.vendor.test", DG_T_TXT, "spf-include", DG_STATUS_NODATA);
        g.add("_spf.miss.vendor.test", DG_T_TXT, "spf-include", DG_STATUS_NXDOMAIN);
        g.add("vendor.test", DG_T_SOA, "parent-check", DG_STATUS_FOUND,
              {"ns.vendor.test. h.vendor.test. 1 2 3 4 5"});
        g.add("fail.vendor.test", DG_T_TXT, "spf-include", DG_STATUS_FAILED);
        g.add("spf.vendor.test", DG_T_TXT, "spf-include", DG_STATUS_FOUND,
              {"\"v=spf1 redirect=_spf.gone2.test\""});
        g.add("_spf.gone2.test", DG_T_TXT, "spf-include", DG_STATUS_NXDOMAIN);
        g.add("gone2.test", DG_T_SOA, "parent-check", DG_STATUS_NXDOMAIN);
        g.add("_spf.flaky.test", DG_T_TXT, "spf-include", DG_STATUS_NXDOMAIN);
        g.add("flaky.test", DG_T_SOA, "parent-check", DG_STATUS_FAILED);
        g.add("h.gone-a.test", DG_T_A, "spf-term", DG_STATUS_NXDOMAIN);
        g.add("gone-a.test", DG_T_SOA, "parent-check", DG_STATUS_NXDOMAIN);
        g.add("gone-mx.test", DG_T_MX, "spf-term", DG_STATUS_NXDOMAIN);
        Report r(g);
        std::vector<std::vector<std::string>> ev;
        for (size_t i = 0; i < r.rep->nfindings; i++)
                if (std::string(r.rep->findings[i].id) == "spf-include-registrable") {
                        EXPECT_EQ(r.rep->findings[i].severity, DG_SEV_HIGH);
                        ev.push_back(evidence(&r.rep->findings[i]));
                }
        std::sort(ev.begin(), ev.end());
        EXPECT_EQ(ev, (std::vector<Ids>{
                          {"corp.test TXT a:h.gone-a.test", "h.gone-a.test A NXDOMAIN",
                           "gone-a.test SOA NXDOMAIN"},
                          {"corp.test TXT include:_spf.gone.test", "_spf.gone.test TXT NXDOMAIN",
                           "gone.test SOA NXDOMAIN"},
                          {"corp.test TXT mx:gone-mx.test", "gone-mx.test MX NXDOMAIN"},
                          {"spf.vendor.test TXT redirect=_spf.gone2.test",
                           "_spf.gone2.test TXT NXDOMAIN", "gone2.test SOA NXDOMAIN"},
                      }));
        const dg_finding_t *f = r.get("spf-include-registrable");
        ASSERT_NE(f, nullptr);
        EXPECT_NE(std::string(f->message).find("may send mail as corp.test"), std::string::npos);
}

} // namespace
