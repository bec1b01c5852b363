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
                v.db = dg_fpdb_default();
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
        // sorted by severity (highest first), then id
        EXPECT_EQ(r.ids(), (Ids{"spf-pass-all", "spf-include-missing", "dmarc-p-none"}));
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

} // namespace
