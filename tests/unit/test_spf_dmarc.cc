// Unit tests of the SPF (RFC 7208) and DMARC (RFC 7489) parsers.
#include <gtest/gtest.h>

#include <string>

#include "dnsglean/dmarc.h"
#include "dnsglean/spf.h"

namespace
{

struct Spf {
        explicit Spf(const char *txt) : rc(dg_spf_parse(txt, &s))
        {
        }
        ~Spf()
        {
                dg_spf_free(s);
        }
        dg_spf_t *s = nullptr; // declared before rc: initialised first
        int rc;
};

TEST(Spf, IsSpf)
{
        EXPECT_TRUE(dg_spf_is_spf("v=spf1"));
        EXPECT_TRUE(dg_spf_is_spf("V=SPF1 -all"));
        EXPECT_FALSE(dg_spf_is_spf("v=spf10 -all"));
        EXPECT_FALSE(dg_spf_is_spf("v=spf2.0/pra"));
        EXPECT_FALSE(dg_spf_is_spf("spf1"));
        EXPECT_FALSE(dg_spf_is_spf(nullptr));
        dg_spf_t *s = nullptr;
        EXPECT_EQ(dg_spf_parse("google-site-verification=x", &s), DG_EINVAL);
        EXPECT_EQ(s, nullptr);
        dg_spf_free(nullptr);
}

TEST(Spf, TermsQualifiersIncludesRedirect)
{
        Spf p("v=spf1 +a mx/24 -ip4:192.0.2.0/24 ~ip6:2001:db8::/32 ?include:_spf.example.net "
              "include:spf.protection.outlook.com exists:%{i}.spf.example.org ptr "
              "redirect=_spf.example.com exp=explain.example.com x-custom=1");
        ASSERT_EQ(p.rc, DG_OK);
        dg_spf_t *s = p.s;
        EXPECT_EQ(s->error, nullptr) << s->error;
        ASSERT_EQ(s->nterms, 11u);
        EXPECT_EQ(s->terms[0].kind, DG_SPF_A);
        EXPECT_EQ(s->terms[0].qualifier, '+');
        EXPECT_TRUE(s->terms[0].explicit_qualifier);
        EXPECT_EQ(s->terms[1].kind, DG_SPF_MX);
        EXPECT_EQ(s->terms[1].cidr4, 24);
        EXPECT_FALSE(s->terms[1].explicit_qualifier);
        EXPECT_EQ(s->terms[2].kind, DG_SPF_IP4);
        EXPECT_EQ(s->terms[2].qualifier, '-');
        EXPECT_EQ(s->terms[2].cidr4, 24);
        EXPECT_STREQ(s->terms[2].value, "192.0.2.0/24");
        EXPECT_EQ(s->terms[3].kind, DG_SPF_IP6);
        EXPECT_EQ(s->terms[3].qualifier, '~');
        EXPECT_EQ(s->terms[3].cidr6, 32);
        EXPECT_EQ(s->terms[4].qualifier, '?');
        ASSERT_EQ(s->nincludes, 2u);
        EXPECT_STREQ(s->includes[0], "_spf.example.net");
        EXPECT_STREQ(s->includes[1], "spf.protection.outlook.com");
        EXPECT_EQ(s->terms[6].kind, DG_SPF_EXISTS);
        EXPECT_TRUE(s->terms[6].has_macro);
        EXPECT_TRUE(s->has_macros);
        EXPECT_EQ(s->terms[7].kind, DG_SPF_PTR);
        EXPECT_STREQ(s->redirect, "_spf.example.com");
        EXPECT_EQ(s->terms[8].qualifier, 0);
        EXPECT_EQ(s->terms[9].kind, DG_SPF_EXP);
        EXPECT_EQ(s->terms[10].kind, DG_SPF_UNKNOWN_MOD);
        EXPECT_STREQ(s->terms[10].name, "x-custom");
        EXPECT_EQ(s->all_qualifier, 0);
        // a, mx, include x2, exists, ptr, redirect
        EXPECT_EQ(s->dns_terms, 7u);
}

TEST(Spf, AllQualifiers)
{
        const struct {
                const char *txt;
                char q;
        } cases[] = {{"v=spf1 -all", '-'},  {"v=spf1 ~all", '~'}, {"v=spf1 ?all", '?'},
                     {"v=spf1 +all", '+'},  {"v=spf1 all", '+'},  {"v=spf1 mx", 0},
                     {"v=spf1 a -ALL", '-'}};
        for (auto &c : cases) {
                Spf p(c.txt);
                ASSERT_EQ(p.rc, DG_OK);
                EXPECT_EQ(p.s->all_qualifier, c.q) << c.txt;
                EXPECT_EQ(p.s->error, nullptr) << c.txt;
        }
}

TEST(Spf, DualCidrAndDomains)
{
        Spf p("v=spf1 a:mail.example.com/28//64 mx//96 a/30 -all");
        ASSERT_EQ(p.rc, DG_OK);
        EXPECT_EQ(p.s->error, nullptr);
        EXPECT_STREQ(p.s->terms[0].value, "mail.example.com");
        EXPECT_EQ(p.s->terms[0].cidr4, 28);
        EXPECT_EQ(p.s->terms[0].cidr6, 64);
        EXPECT_EQ(p.s->terms[1].value, nullptr);
        EXPECT_EQ(p.s->terms[1].cidr4, -1);
        EXPECT_EQ(p.s->terms[1].cidr6, 96);
        EXPECT_EQ(p.s->terms[2].cidr4, 30);
}

TEST(Spf, MacrosRecognised)
{
        Spf p("v=spf1 include:%{ir}.%{v}._spf.%{d2} exists:%{l1r-}.u.%{d}.x -all");
        ASSERT_EQ(p.rc, DG_OK);
        EXPECT_EQ(p.s->error, nullptr) << p.s->error;
        EXPECT_TRUE(p.s->terms[0].has_macro);
        EXPECT_TRUE(p.s->terms[1].has_macro);
        Spf bad("v=spf1 include:%{q}.example.com -all");
        EXPECT_NE(bad.s->error, nullptr);
        Spf bad2("v=spf1 exists:%x.example.com");
        EXPECT_NE(bad2.s->error, nullptr);
}

TEST(Spf, SyntaxErrorsArePermerrors)
{
        const char *bad[] = {
            "v=spf1 include -all",          // missing domain-spec
            "v=spf1 ip4:192.0.2.300 -all",  // bad address
            "v=spf1 ip4:192.0.2.0/33 -all", // bad prefix
            "v=spf1 ip6:zz::1 -all",        // bad address
            "v=spf1 foo:bar -all",          // unknown mechanism
            "v=spf1 -redirect=x.example",   // qualifier on a modifier
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 all:x",
            "v=spf1 mx/40",
        };
        for (const char *b : bad) {
                Spf p(b);
                ASSERT_EQ(p.rc, DG_OK) << b;
                EXPECT_NE(p.s->error, nullptr) << b;
        }
        // terms before the error are kept; a bad term does not count as a lookup
        Spf p("v=spf1 include:a.example foo include:b.example");
        EXPECT_EQ(p.s->nterms, 3u);
        EXPECT_EQ(p.s->dns_terms, 2u);
        EXPECT_EQ(std::string(p.s->error).find("unknown mechanism"), 0u);
}

TEST(Spf, TermNames)
{
        EXPECT_STREQ(dg_spf_term_str(DG_SPF_INCLUDE), "include");
        EXPECT_STREQ(dg_spf_term_str(DG_SPF_REDIRECT), "redirect");
        EXPECT_STREQ(dg_spf_term_str((dg_spf_term_kind_t)99), "unknown");
}

struct Dmarc {
        explicit Dmarc(const char *txt) : rc(dg_dmarc_parse(txt, &d))
        {
        }
        ~Dmarc()
        {
                dg_dmarc_free(d);
        }
        dg_dmarc_t *d = nullptr;
        int rc;
};

TEST(Dmarc, IsDmarc)
{
        EXPECT_TRUE(dg_dmarc_is_dmarc("v=DMARC1; p=none"));
        EXPECT_TRUE(dg_dmarc_is_dmarc("v = DMARC1 ;p=none"));
        EXPECT_TRUE(dg_dmarc_is_dmarc("v=DMARC1"));
        EXPECT_FALSE(dg_dmarc_is_dmarc("v=dmarc1; p=none")); // case-sensitive in RFC 7489
        EXPECT_FALSE(dg_dmarc_is_dmarc("v=DMARC10; p=none"));
        EXPECT_FALSE(dg_dmarc_is_dmarc("p=none; v=DMARC1"));
        EXPECT_FALSE(dg_dmarc_is_dmarc(nullptr));
        dg_dmarc_t *d = nullptr;
        EXPECT_EQ(dg_dmarc_parse("v=spf1 -all", &d), DG_EINVAL);
        dg_dmarc_free(nullptr);
}

TEST(Dmarc, TagsAndDefaults)
{
        Dmarc p("v=DMARC1; p=reject; sp=quarantine; pct=25; "
                "rua=mailto:agg@rua.agari.com!10m, mailto:Reports@Example.NET; "
                "ruf=mailto:forensic@ag.dmarcian.com; adkim=s; fo=1; x-unknown=1;");
        ASSERT_EQ(p.rc, DG_OK);
        dg_dmarc_t *d = p.d;
        EXPECT_EQ(d->error, nullptr) << d->error;
        EXPECT_EQ(d->p, DG_DMARC_POLICY_REJECT);
        EXPECT_EQ(d->sp, DG_DMARC_POLICY_QUARANTINE);
        EXPECT_EQ(d->pct, 25);
        EXPECT_EQ(d->adkim, 's');
        EXPECT_EQ(d->aspf, 'r');
        EXPECT_EQ(d->ri, 86400u);
        EXPECT_STREQ(d->fo, "1");
        EXPECT_STREQ(d->rf, "afrf");
        ASSERT_EQ(d->nrua, 2u);
        EXPECT_STREQ(d->rua[0].uri, "mailto:agg@rua.agari.com");
        EXPECT_STREQ(d->rua[0].scheme, "mailto");
        EXPECT_STREQ(d->rua[0].domain, "rua.agari.com");
        EXPECT_STREQ(d->rua[0].limit, "10m");
        EXPECT_STREQ(d->rua[1].domain, "example.net");
        EXPECT_EQ(d->rua[1].limit, nullptr);
        ASSERT_EQ(d->nruf, 1u);
        EXPECT_STREQ(d->ruf[0].domain, "ag.dmarcian.com");
        EXPECT_EQ(d->ntags, 9u);
        EXPECT_STREQ(d->tags[8].tag, "x-unknown");
        EXPECT_STREQ(dg_dmarc_policy_str(d->p), "reject");
}

TEST(Dmarc, MinimalAndDefaults)
{
        Dmarc p("v=DMARC1; p=none");
        ASSERT_EQ(p.rc, DG_OK);
        EXPECT_EQ(p.d->error, nullptr);
        EXPECT_EQ(p.d->p, DG_DMARC_POLICY_NONE);
        EXPECT_EQ(p.d->sp, DG_DMARC_POLICY_UNSET);
        EXPECT_EQ(p.d->pct, 100);
        EXPECT_EQ(p.d->nrua, 0u);
}

TEST(Dmarc, MissingPolicy)
{
        // RFC 7489 6.6.3: no p= but a valid rua -> p=none
        Dmarc a("v=DMARC1; rua=mailto:d@example.com");
        EXPECT_EQ(a.d->error, nullptr);
        EXPECT_EQ(a.d->p, DG_DMARC_POLICY_NONE);
        Dmarc b("v=DMARC1; pct=50");
        EXPECT_NE(b.d->error, nullptr);
        EXPECT_EQ(b.d->p, DG_DMARC_POLICY_UNSET);
}

TEST(Dmarc, Errors)
{
        const char *bad[] = {"v=DMARC1; p=block",
                             "v=DMARC1; p=none; pct=101",
                             "v=DMARC1; p=none; pct=x",
                             "v=DMARC1; p=none; adkim=q",
                             "v=DMARC1; p=none; rua=notauri",
                             "v=DMARC1; p=none; rua=mailto:x@y!10q",
                             "v=DMARC1; p=none; junk"};
        for (const char *b : bad) {
                Dmarc p(b);
                ASSERT_EQ(p.rc, DG_OK) << b;
                EXPECT_NE(p.d->error, nullptr) << b;
        }
}

} // namespace
