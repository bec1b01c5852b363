// Unit tests of the classifier: the fingerprint database, every signature
// kind, the matching rules where naive matching goes wrong, zone-line and TXT
// parsing, and classification of wire-format messages. No network.
#include <glib.h>
#include <gtest/gtest.h>

#include <ldns/ldns.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dnsglean/dnsglean.h"
#include "ldnstest.h"

namespace
{

class Classify : public ::testing::Test
{
      protected:
        void SetUp() override
        {
                ASSERT_EQ(dg_fpdb_new_default(&db), DG_OK);
                dg_classify_res_init(&res);
        }
        void TearDown() override
        {
                dg_classify_res_clear(&res);
                dg_fpdb_free(db);
        }
        // Classifies and returns the provider names, in match order.
        std::vector<std::string> providers(const char *owner, uint16_t type, const char *rdata)
        {
                std::vector<std::string> v;
                int n = dg_classify_rr(db, owner, type, rdata, &res);
                EXPECT_GE(n, 0) << owner << " " << rdata;
                for (size_t i = 0; i < res.nmatches; i++)
                        v.push_back(res.matches[i].name);
                return v;
        }
        std::string one(const char *owner, uint16_t type, const char *rdata)
        {
                auto v = providers(owner, type, rdata);
                return v.empty() ? "" : v[0];
        }
        dg_fpdb_t *db = nullptr;
        dg_classify_res_t res;
};

using V = std::vector<std::string>;

TEST_F(Classify, BuiltinDatabaseMeetsCoverage)
{
        dg_fpdb_stats_t st;
        dg_fpdb_stats(db, &st);
        EXPECT_GE(st.signatures, 250u);
        EXPECT_GE(st.providers, 150u);
        EXPECT_GE(st.verification, 60u);
        EXPECT_GT(st.takeover, 20u);
        for (int k = 0; k < DG_FP_KIND_COUNT_; k++)
                EXPECT_GT(st.by_kind[k], 0u) << dg_fp_kind_str((dg_fp_kind_t)k);
        // every signature has its fields and a reference
        for (size_t i = 0; i < dg_fpdb_count(db); i++) {
                const dg_fp_sig_t *s = dg_fpdb_get(db, i);
                ASSERT_NE(s, nullptr);
                EXPECT_STRNE(s->pattern, "");
                EXPECT_STRNE(s->provider, "");
                EXPECT_STRNE(s->category, "");
                EXPECT_EQ(std::string(s->reference).rfind("https://", 0), 0u) << s->pattern;
                EXPECT_STREQ(s->source, "builtin");
                if (s->takeover) {
                        EXPECT_NE(s->takeover_condition, nullptr);
                }
        }
        EXPECT_EQ(dg_fpdb_get(db, dg_fpdb_count(db)), nullptr);
        EXPECT_EQ(dg_fpdb_default(), dg_fpdb_default());
        EXPECT_EQ(dg_fpdb_count(dg_fpdb_default()), dg_fpdb_count(db));
}

TEST_F(Classify, KindNames)
{
        for (int k = 0; k < DG_FP_KIND_COUNT_; k++)
                EXPECT_EQ(dg_fp_kind_parse(dg_fp_kind_str((dg_fp_kind_t)k)), k);
        EXPECT_EQ(dg_fp_kind_parse("CNAME"), DG_FP_CNAME);
        EXPECT_EQ(dg_fp_kind_parse("nope"), DG_EINVAL);
        EXPECT_EQ(dg_fp_kind_parse(nullptr), DG_EINVAL);
}

// ---- one test per signature kind ----

TEST_F(Classify, KindMx)
{
        EXPECT_EQ(one("example.com", DG_T_MX, "0 example-com.mail.protection.outlook.com."),
                  "Microsoft 365");
        EXPECT_EQ(one("example.com", DG_T_MX, "1 aspmx.l.google.com."), "Google Workspace");
        EXPECT_EQ(one("example.com", DG_T_MX, "10 mx0a-00123456.pphosted.com."), "Proofpoint");
        EXPECT_EQ(one("example.com", DG_T_MX, "10 eu-smtp-inbound-1.mimecast.com."), "Mimecast");
        EXPECT_EQ(res.matches[0].sig->kind, DG_FP_MX);
        EXPECT_STREQ(res.matches[0].evidence, "mx:eu-smtp-inbound-1.mimecast.com");
        EXPECT_EQ(providers("example.com", DG_T_MX, "10 mail.example.com."), V{});
        EXPECT_EQ(providers("example.com", DG_T_MX, "0 ."), V{}); // null MX (RFC 7505)
}

TEST_F(Classify, KindSpf)
{
        EXPECT_EQ(providers("example.com", DG_T_TXT,
                            "\"v=spf1 include:_spf.google.com include:spf.protection.outlook.com "
                            "include:sendgrid.net ~all\""),
                  (V{"Google Workspace", "Microsoft 365", "SendGrid"}));
        EXPECT_STREQ(res.matches[0].evidence, "spf:_spf.google.com");
        // redirect=, exists: and a: domains are classified too; macros keep their suffix
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"v=spf1 redirect=_spf.mail.ru\""),
                  "Mail.ru for Business");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"v=spf1 exists:%{i}.spf.iphmx.com -all\""),
                  "Cisco Secure Email");
        // the SPF record type (99) is read the same way
        EXPECT_EQ(one("example.com", DG_T_SPF, "\"v=spf1 include:mailgun.org -all\""), "Mailgun");
        // an include that is not SPF syntax is not a match
        EXPECT_EQ(providers("example.com", DG_T_TXT, "\"include:_spf.google.com\""), V{});
}

TEST_F(Classify, KindTxt)
{
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"MS=ms12345678\""), "Microsoft 365");
        EXPECT_TRUE(res.matches[0].sig->verification);
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"google-site-verification=abcDEF\""),
                  "Google Search Console");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"atlassian-domain-verification=x\""), "Atlassian");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"docusign=1234\""), "DocuSign");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"ZOOM_verify_abc\""), "Zoom");
        // prefix only: the token must start the record
        EXPECT_EQ(providers("example.com", DG_T_TXT, "\"xMS=ms12345678\""), V{});
        EXPECT_EQ(providers("example.com", DG_T_TXT, "\"see google-site-verification=1\""), V{});
        EXPECT_EQ(providers("example.com", DG_T_TXT, "\"M\""), V{});
}

TEST_F(Classify, KindCname)
{
        EXPECT_EQ(one("www.example.com", DG_T_CNAME, "example.azureedge.net."), "Azure CDN");
        EXPECT_EQ(one("www.example.com", DG_T_CNAME, "d111111abcdef8.cloudfront.net."),
                  "Amazon CloudFront");
        EXPECT_FALSE(res.takeover);
        EXPECT_EQ(one("www.example.com", DG_T_CNAME, "example.github.io."), "GitHub Pages");
        EXPECT_TRUE(res.takeover);
        EXPECT_STREQ(res.takeover_condition, "unclaimed");
        // DNAME and HTTPS targets are read as CNAME targets
        EXPECT_EQ(one("example.com", DG_T_DNAME, "example.herokudns.com."), "Heroku");
        EXPECT_EQ(one("example.com", DG_T_HTTPS, "1 example.netlify.app. alpn=h2"), "Netlify");
}

TEST_F(Classify, KindNs)
{
        EXPECT_EQ(one("example.com", DG_T_NS, "ns-1234.awsdns-12.org."), "Amazon Route 53");
        EXPECT_EQ(one("example.com", DG_T_NS, "ns-99.awsdns-01.co.uk."), "Amazon Route 53");
        EXPECT_EQ(one("example.com", DG_T_NS, "kate.ns.cloudflare.com."), "Cloudflare DNS");
        EXPECT_EQ(one("example.com", DG_T_NS, "ns1-01.azure-dns.com."), "Azure DNS");
        EXPECT_EQ(one("example.com", DG_T_NS, "ns1.digitalocean.com."), "DigitalOcean DNS");
        EXPECT_TRUE(res.takeover);
        EXPECT_STREQ(res.takeover_condition, "lame");
        // "awsdns-*" is a label prefix, not a substring anywhere
        EXPECT_EQ(providers("example.com", DG_T_NS, "ns.xawsdns-12.org."), V{});
}

TEST_F(Classify, KindSrv)
{
        EXPECT_EQ(one("_sipfederationtls._tcp.example.com", DG_T_SRV,
                      "100 1 5061 sipfed.online.lync.com."),
                  "Microsoft Teams");
        EXPECT_EQ(
            one("_autodiscover._tcp.example.com", DG_T_SRV, "0 0 443 autodiscover.outlook.com."),
            "Microsoft 365");
        int n = dg_classify_rr(db, "x", DG_T_SRV, "100 1 sipfed.online.lync.com.", &res);
        EXPECT_EQ(n, DG_EPARSE); // too few fields
}

TEST_F(Classify, KindCaa)
{
        EXPECT_EQ(one("example.com", DG_T_CAA, "0 issue \"letsencrypt.org\""), "Let's Encrypt");
        EXPECT_EQ(
            one("example.com", DG_T_CAA, "128 issuewild \"pki.goog; cansignhttpexchanges=yes\""),
            "Google Trust Services");
        EXPECT_STREQ(res.matches[0].evidence, "caa:pki.goog");
        EXPECT_EQ(one("example.com", DG_T_CAA, "0 issue \"DigiCert.com\""), "DigiCert");
        EXPECT_EQ(providers("example.com", DG_T_CAA, "0 issue \";\""), V{});
        EXPECT_EQ(providers("example.com", DG_T_CAA, "0 iodef \"mailto:sec@letsencrypt.org\""),
                  V{});
}

TEST_F(Classify, KindDmarcReports)
{
        EXPECT_EQ(providers("_dmarc.example.com", DG_T_TXT,
                            "\"v=DMARC1; p=reject; rua=mailto:x@rua.agari.com,"
                            "mailto:y@ag.dmarcian.com!10m; ruf=mailto:z@vali.email\""),
                  (V{"Agari", "dmarcian", "Valimail"}));
        EXPECT_STREQ(res.matches[1].evidence, "dmarc:ag.dmarcian.com");
        // TLS-RPT (RFC 8460) report addresses
        EXPECT_EQ(
            one("_smtp._tls.example.com", DG_T_TXT, "\"v=TLSRPTv1; rua=mailto:tls@uriports.com\""),
            "URIports");
        // a DMARC record's rua is not a TXT token
        EXPECT_EQ(providers("_dmarc.example.com", DG_T_TXT, "\"v=DMARC1; p=none\""), V{});
}

TEST_F(Classify, KindDkim)
{
        EXPECT_EQ(one("google._domainkey.example.com", DG_T_TXT, "\"v=DKIM1; k=rsa; p=MIIB\""),
                  "Google Workspace");
        EXPECT_EQ(res.matches[0].sig->kind, DG_FP_DKIM);
        EXPECT_STREQ(res.matches[0].evidence, "dkim:google");
        EXPECT_EQ(one("scph0220._domainkey.example.com", DG_T_TXT, "\"v=DKIM1; p=x\""),
                  "SparkPost");
        EXPECT_EQ(one("hs1-2645._domainkey.example.com", DG_T_CNAME,
                      "hs1-2645.example-com.dkim.hubspotemail.net."),
                  "HubSpot");
        // the selector label alone, outside _domainkey, is nothing
        EXPECT_EQ(providers("google.example.com", DG_T_TXT, "\"x\""), V{});
}

TEST_F(Classify, KindOwner)
{
        EXPECT_EQ(one("_amazonses.example.com", DG_T_TXT, "\"pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8\""),
                  "Amazon SES");
        EXPECT_EQ(res.matches[0].sig->kind, DG_FP_OWNER);
        EXPECT_EQ(one("asuid.www.example.com", DG_T_TXT, "\"1234ABCD\""), "Azure App Service");
        EXPECT_EQ(one("_github-challenge-acme-org.example.com.", DG_T_TXT, "\"a1b2c3\""), "GitHub");
        EXPECT_EQ(one("_github-pages-challenge-octocat.example.com", DG_T_TXT, "\"x\""),
                  "GitHub Pages");
        // the owner kinds apply to any type, and only to the leading label(s)
        EXPECT_EQ(one("_acme-challenge.www.example.com", DG_T_CNAME, "x.acme.example.net."),
                  "ACME (Let's Encrypt or other CA)");
        EXPECT_EQ(providers("www._amazonses.example.com", DG_T_TXT, "\"x\""), V{});
}

TEST_F(Classify, KindAddr)
{
        EXPECT_EQ(one("example.com", DG_T_A, "104.16.132.229"), "Cloudflare");
        EXPECT_EQ(one("example.com", DG_T_A, "185.199.110.153"), "GitHub Pages");
        EXPECT_EQ(one("example.com", DG_T_AAAA, "2606:4700::6810:84e5"), "Cloudflare");
        EXPECT_EQ(providers("example.com", DG_T_A, "104.24.0.1"), V{}); // outside 104.16.0.0/13
        EXPECT_EQ(providers("example.com", DG_T_A, "192.0.2.1"), V{});
        EXPECT_EQ(dg_classify_rr(db, "example.com", DG_T_A, "", &res), DG_EPARSE);
        // SPF ip4:/ip6: networks inside a known range
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"v=spf1 ip4:40.107.0.0/16 -all\""),
                  "Microsoft 365");
        EXPECT_STREQ(res.matches[0].evidence, "spf-ip:40.107.0.0/16");
        // a wider network is not inside a narrower range
        EXPECT_EQ(providers("example.com", DG_T_TXT, "\"v=spf1 ip4:40.0.0.0/8 -all\""), V{});
}

// ---- matching where naive matching is wrong ----

TEST_F(Classify, CaseAndTrailingDot)
{
        EXPECT_EQ(one("Example.COM.", DG_T_MX, "10 ASPMX.L.Google.Com."), "Google Workspace");
        EXPECT_EQ(one("example.com", DG_T_MX, "10 aspmx.l.google.com"), "Google Workspace");
        EXPECT_EQ(one("example.com", DG_T_CNAME, "X.AzureWebsites.NET"), "Azure App Service");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"ms=MS1234\""), "Microsoft 365");
        EXPECT_EQ(one("_AMAZONSES.example.com", DG_T_TXT, "\"x\""), "Amazon SES");
        EXPECT_EQ(one("Selector1._DomainKey.example.com", DG_T_TXT, "\"v=DKIM1\""),
                  "Microsoft 365");
}

TEST_F(Classify, SuffixOnLabelBoundaries)
{
        EXPECT_EQ(providers("x", DG_T_CNAME, "outlook.com.evil.test."), V{});
        EXPECT_EQ(providers("x", DG_T_MX, "10 mail.protection.outlook.com.evil.test."), V{});
        EXPECT_EQ(providers("x", DG_T_CNAME, "evilazurewebsites.net."), V{});
        EXPECT_EQ(providers("x", DG_T_CNAME, "notgithub.io."), V{});
        EXPECT_EQ(providers("x", DG_T_TXT, "\"v=spf1 include:evil_spf.google.com -all\""), V{});
        // the pattern itself matches, as does any name below it
        EXPECT_EQ(one("x", DG_T_CNAME, "github.io."), "GitHub Pages");
        EXPECT_EQ(one("x", DG_T_CNAME, "a.b.c.github.io."), "GitHub Pages");
}

TEST_F(Classify, CustomerSpecificHosts)
{
        EXPECT_EQ(one("example.com", DG_T_MX, "0 tenant-name.mail.protection.outlook.com."),
                  "Microsoft 365");
        EXPECT_EQ(
            one("example.com", DG_T_TXT, "\"v=spf1 include:123456.spf05.hubspotemail.net -all\""),
            "HubSpot");
        EXPECT_STREQ(res.matches[0].evidence, "spf:123456.spf05.hubspotemail.net");
        EXPECT_EQ(one("em1234.example.com", DG_T_CNAME, "u1234567.wl123.sendgrid.net."),
                  "SendGrid");
        EXPECT_EQ(one("x", DG_T_CNAME, "bucket.s3.eu-west-1.amazonaws.com."), "Amazon S3");
        EXPECT_EQ(one("x", DG_T_CNAME, "bucket.s3-website-us-east-1.amazonaws.com."),
                  "Amazon S3 website");
        EXPECT_EQ(one("x", DG_T_CNAME, "abc123.execute-api.eu-central-1.amazonaws.com."),
                  "Amazon API Gateway");
        EXPECT_EQ(one("x", DG_T_CNAME, "myenv.eu-west-1.elasticbeanstalk.com."),
                  "AWS Elastic Beanstalk");
        // "*" is one whole label: two labels in its place do not match
        EXPECT_EQ(providers("x", DG_T_CNAME, "abc.execute-api.a.b.amazonaws.com."), V{});
}

TEST_F(Classify, MostSpecificSuffixWins)
{
        // autodiscover.outlook.com (Microsoft 365) vs other outlook.com names
        EXPECT_EQ(one("x", DG_T_CNAME, "autodiscover.outlook.com."), "Microsoft 365");
        // s3.amazonaws.com (S3) is more specific than elb.amazonaws.com's parent
        EXPECT_EQ(one("x", DG_T_CNAME, "my-lb-1.eu-west-1.elb.amazonaws.com."),
                  "AWS Elastic Load Balancing");
        EXPECT_EQ(one("x", DG_T_CNAME, "corp.storage.googleapis.com."), "Google Cloud Storage");
}

TEST_F(Classify, TxtStringsConcatenated)
{
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"google-site-\" \"verification=abc\""),
                  "Google Search Console");
        EXPECT_STREQ(res.matches[0].evidence, "txt:google-site-verification=abc");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"v=spf1 include:_spf.goo\" \"gle.com ~all\""),
                  "Google Workspace");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"MS\\=ms1\""), "Microsoft 365");
        // \DDD escapes are decimal (RFC 1035 5.1): \077 is 'M', \063 is '?'
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"\\077S=ms1\""), "Microsoft 365");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"\\077\\083=ms1\""), "Microsoft 365");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"\\063S=ms1\""), "");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"\\077\" \"MS=\""), "");
        EXPECT_EQ(one("example.com", DG_T_TXT, "\"\\109S=x\""), "Microsoft 365"); // 'm'
        EXPECT_EQ(dg_classify_rr(db, "example.com", DG_T_TXT, "\"unterminated", &res), DG_EPARSE);
        EXPECT_EQ(res.nmatches, 0u);
}

TEST_F(Classify, LongTxtAndEvidenceCut)
{
        std::string rd = "\"v=spf1";
        for (int i = 0; i < 400; i++)
                rd += " ip4:192.0.2." + std::to_string(i % 250);
        rd += " include:_spf.google.com -all\"";
        EXPECT_EQ(one("example.com", DG_T_TXT, rd.c_str()), "Google Workspace");
        std::string longtok = "\"atlassian-domain-verification=" + std::string(5000, 'a') + "\"";
        EXPECT_EQ(one("example.com", DG_T_TXT, longtok.c_str()), "Atlassian");
        size_t l = strlen(res.matches[0].evidence);
        EXPECT_LT(l, (size_t)DG_EVIDENCE_MAX);
        EXPECT_EQ(std::string(res.matches[0].evidence).substr(l - 3), "...");
}

TEST_F(Classify, OneEntryPerProviderAndOwnerPlusData)
{
        // DKIM selector (owner) and CNAME target (data) both say Microsoft 365
        EXPECT_EQ(providers("selector1._domainkey.example.com", DG_T_CNAME,
                            "selector1-example-com._domainkey.example.onmicrosoft.com."),
                  V{"Microsoft 365"});
        // different providers from owner and data are both kept
        EXPECT_EQ(providers("_amazonses.example.com", DG_T_TXT, "\"MS=ms1\""),
                  (V{"Microsoft 365", "Amazon SES"}));
}

TEST_F(Classify, BadArguments)
{
        EXPECT_EQ(dg_classify_rr(nullptr, "x", DG_T_A, "1.2.3.4", &res), DG_EINVAL);
        EXPECT_EQ(dg_classify_rr(db, nullptr, DG_T_A, "1.2.3.4", &res), DG_EINVAL);
        EXPECT_EQ(dg_classify_rr(db, "x", DG_T_A, nullptr, &res), DG_EINVAL);
        EXPECT_EQ(dg_classify_rr(db, "x", DG_T_A, "1.2.3.4", nullptr), DG_EINVAL);
        EXPECT_EQ(dg_classify_rr(db, "x", DG_T_MX, "ten mail.example.", &res), DG_EPARSE);
        EXPECT_EQ(dg_classify_rr(db, "", DG_T_PTR, "x.", &res), 0);
        EXPECT_EQ(dg_classify_rr(db, "..", DG_T_CNAME, "..", &res), 0);
        dg_classify_res_clear(nullptr);
        dg_fpdb_free(nullptr);
}

TEST_F(Classify, ClassifyHost)
{
        dg_classify_res_t r;
        dg_classify_res_init(&r);
        EXPECT_EQ(dg_classify_host(db, DG_FP_NS, "ns1.nsone.net", &r), 1);
        EXPECT_EQ(dg_classify_host(db, DG_FP_CNAME, "x.fastly.net.", &r), 1);
        EXPECT_FALSE(r.takeover); // Fastly: edge case, no flag
        EXPECT_STREQ(r.takeover_status, "edge-case");
        EXPECT_EQ(dg_classify_host(db, DG_FP_CNAME, "x.github.io.", &r), 1);
        EXPECT_EQ(dg_classify_host(db, DG_FP_CNAME, "x.example.", &r), 0);
        ASSERT_EQ(r.nmatches, 3u); // appends
        EXPECT_STREQ(r.matches[0].name, "NS1");
        EXPECT_STREQ(r.matches[1].name, "Fastly");
        EXPECT_STREQ(r.matches[2].name, "GitHub Pages");
        EXPECT_TRUE(r.takeover);
        EXPECT_STREQ(r.takeover_status, "vulnerable");
        dg_classify_res_clear(&r);
}

// ---- loading signatures ----

static std::string write_tmp(const std::string &text)
{
        char path[] = "/tmp/dg-fp-XXXXXX";
        int fd = mkstemp(path);
        EXPECT_GE(fd, 0);
        FILE *f = fdopen(fd, "w");
        fputs(text.c_str(), f);
        fclose(f);
        return path;
}

TEST_F(Classify, LoadFileAddsAndOverrides)
{
        std::string p =
            write_tmp("# mine\n"
                      "cname\tapps.corp-cloud.test\tCorp Cloud\thosting\t"
                      "takeover:nxdomain:vulnerable:2026-01-31\t"
                      "https://corp-cloud.test/docs\n"
                      "\n"
                      "txt\tcorp-verify=\tCorp Verify\tsecurity\tverify\thttps://x.test/\n"
                      "mx\taspmx.l.google.com\tGoogle (mine)\tmail\t-\thttps://x.test/\n");
        size_t before = dg_fpdb_count(db);
        char *msg = nullptr;
        ASSERT_EQ(dg_fpdb_load_file(db, p.c_str(), &msg), DG_OK);
        EXPECT_EQ(msg, nullptr);
        EXPECT_EQ(dg_fpdb_count(db), before + 3);
        EXPECT_STREQ(dg_fpdb_get(db, before)->source, p.c_str());
        EXPECT_EQ(dg_fpdb_get(db, before)->line, 2u);
        EXPECT_EQ(one("x", DG_T_CNAME, "a.APPS.corp-cloud.test."), "Corp Cloud");
        EXPECT_TRUE(res.takeover);
        EXPECT_EQ(one("x", DG_T_TXT, "\"Corp-Verify=1\""), "Corp Verify");
        EXPECT_EQ(one("x", DG_T_MX, "1 aspmx.l.google.com."), "Google (mine)"); // later wins
        remove(p.c_str());
}

TEST_F(Classify, LoadFileRejectsBadLinesAtomically)
{
        const char *bad[] = {
            "cname\tx.test\tX\thosting\t-\n",                              // 5 fields
            "nope\tx.test\tX\thosting\t-\thttps://r/\n",                   // kind
            "cname\tx..test\tX\thosting\t-\thttps://r/\n",                 // empty label
            "cname\t*\tX\thosting\t-\thttps://r/\n",                       // everything
            "cname\tx.te*st\tX\thosting\t-\thttps://r/\n",                 // '*' inside
            "addr\t300.1.1.1/8\tX\tcdn\t-\thttps://r/\n",                  // address
            "cname\tx.test\tX\thosting\ttakeover:sometimes\thttps://r/\n", // flag
            "cname\tx.test\tX\thosting\ttakeover:nxdomain\thttps://r/\n",  // old form
            "cname\tx.test\tX\thosting\ttakeover:nxdomain:maybe:2026-01-01\thttps://r/\n",
            "cname\tx.test\tX\thosting\ttakeover:nxdomain:vulnerable:2026-02-30\thttps://r/\n",
            "cname\tx.test\tX\thosting\ttakeover:nxdomain:vulnerable\thttps://r/\n",
            "cname\tx.test\tX\thosting\tstrength:strong\thttps://r/\n",
            "txt\tM\tX\tmail\t-\thttps://r/\n",          // prefix too short
            "cname\tx.test\t\thosting\t-\thttps://r/\n", // empty provider
        };
        for (const char *b : bad) {
                std::string p =
                    write_tmp(std::string("mx\tgood.test\tGood\tmail\t-\thttps://r/\n") + b);
                size_t before = dg_fpdb_count(db);
                char *msg = nullptr;
                EXPECT_EQ(dg_fpdb_load_file(db, p.c_str(), &msg), DG_EPARSE) << b;
                ASSERT_NE(msg, nullptr);
                EXPECT_NE(std::string(msg).find(p + ":2: "), std::string::npos) << msg;
                g_free(msg);
                EXPECT_EQ(dg_fpdb_count(db), before) << b; // nothing added
                EXPECT_EQ(providers("x", DG_T_MX, "1 good.test."), V{});
                remove(p.c_str());
        }
        char *msg = nullptr;
        EXPECT_EQ(dg_fpdb_load_file(db, "/nonexistent/fp.tsv", &msg), DG_EIO);
        EXPECT_NE(msg, nullptr);
        g_free(msg);
        EXPECT_EQ(dg_fpdb_load_file(nullptr, "x", nullptr), DG_EINVAL);
}

TEST_F(Classify, OldTakeoverFormNamesTheLine)
{
        std::string p = write_tmp("mx\tgood.test\tGood\tmail\t-\thttps://r/\n"
                                  "cname\tx.test\tX\thosting\ttakeover:unclaimed\thttps://r/\n");
        char *msg = nullptr;
        EXPECT_EQ(dg_fpdb_load_file(db, p.c_str(), &msg), DG_EPARSE);
        ASSERT_NE(msg, nullptr);
        EXPECT_NE(std::string(msg).find(p + ":2: takeover needs takeover:CONDITION:STATUS:"),
                  std::string::npos)
            << msg;
        g_free(msg);
        remove(p.c_str());
}

TEST_F(Classify, StrengthByKindAndFlag)
{
        std::string p = write_tmp(
            "txt\tcorp-verify=\tCorp\tsecurity\tverify\thttps://r/\n"
            "txt\tcorp-note=\tCorp Note\tsecurity\t-\thttps://r/\n"
            "owner\t_corp-challenge\tCorp\tsecurity\tverify\thttps://r/\n"
            "addr\t192.0.2.0/24\tCorp Net\tcdn\t-\thttps://r/\n"
            "cname\tcorp-cdn.test\tCorp CDN\tcdn\t-\thttps://r/\n"
            "cname\tshared.test\tShared\tcdn\tstrength:range,takeover:unclaimed:edge-case:"
            "2026-03-01\thttps://r/\n");
        size_t before = dg_fpdb_count(db);
        ASSERT_EQ(dg_fpdb_load_file(db, p.c_str(), nullptr), DG_OK);
        const dg_fp_strength_t want[] = {DG_FP_STRENGTH_TOKEN, DG_FP_STRENGTH_HOST,
                                         DG_FP_STRENGTH_TOKEN, DG_FP_STRENGTH_RANGE,
                                         DG_FP_STRENGTH_HOST,  DG_FP_STRENGTH_RANGE};
        for (size_t i = 0; i < 6; i++)
                EXPECT_EQ(dg_fpdb_get(db, before + i)->strength, want[i]) << i;
        const dg_fp_sig_t *sh = dg_fpdb_get(db, before + 5);
        EXPECT_FALSE(sh->takeover);
        EXPECT_STREQ(sh->takeover_status, "edge-case");
        EXPECT_STREQ(sh->takeover_checked, "2026-03-01");
        EXPECT_STREQ(sh->takeover_condition, "unclaimed");
        EXPECT_STREQ(dg_fp_strength_str(DG_FP_STRENGTH_RANGE), "range");
        EXPECT_STREQ(dg_fp_strength_str((dg_fp_strength_t)7), "unknown");
        // an SPF ip4: network and an A record are a shared range, not a token
        EXPECT_EQ(one("x.test", DG_T_TXT, "\"v=spf1 ip4:40.92.0.0/15 -all\""), "Microsoft 365");
        EXPECT_EQ(res.matches[0].sig->strength, DG_FP_STRENGTH_RANGE);
        EXPECT_EQ(one("x.test", DG_T_TXT, "\"MS=ms1234\""), "Microsoft 365");
        EXPECT_EQ(res.matches[0].sig->strength, DG_FP_STRENGTH_TOKEN);
        remove(p.c_str());
}

TEST_F(Classify, TakeoverStatusOnlyVulnerableFlags)
{
        // GitLab Pages verifies ownership of a custom domain
        EXPECT_EQ(one("docs.x.test", DG_T_CNAME, "corp.gitlab.io."), "GitLab Pages");
        EXPECT_FALSE(res.takeover);
        EXPECT_STREQ(res.takeover_status, "not-vulnerable");
        EXPECT_EQ(res.takeover_condition, nullptr);
        EXPECT_EQ(one("www.x.test", DG_T_CNAME, "corp-app.herokuapp.com."), "Heroku");
        EXPECT_FALSE(res.takeover);
        EXPECT_STREQ(res.takeover_status, "edge-case");
        EXPECT_EQ(one("www.x.test", DG_T_CNAME, "corp.github.io."), "GitHub Pages");
        EXPECT_TRUE(res.takeover);
        EXPECT_STREQ(res.takeover_status, "vulnerable");
        EXPECT_EQ(one("www.x.test", DG_T_CNAME, "corp.example."), "");
        EXPECT_EQ(res.takeover_status, nullptr);
        // every takeover entry of the built-in data has a status and a date
        dg_fpdb_stats_t st;
        dg_fpdb_stats(db, &st);
        EXPECT_GT(st.takeover_entries, st.takeover);
        for (size_t i = 0; i < dg_fpdb_count(db); i++) {
                const dg_fp_sig_t *s = dg_fpdb_get(db, i);
                EXPECT_EQ(s->takeover_status != nullptr, s->takeover_checked != nullptr);
                EXPECT_EQ(s->takeover_status != nullptr, s->takeover_condition != nullptr);
                if (s->takeover) {
                        EXPECT_STREQ(s->takeover_status, "vulnerable") << s->pattern;
                }
        }
}

TEST_F(Classify, SpfMacrosSenderIdAndHosts)
{
        // the literal domain after the last macro
        EXPECT_EQ(one("x.test", DG_T_TXT,
                      "\"v=spf1 include:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email ~all\""),
                  "Valimail");
        EXPECT_STREQ(res.matches[0].evidence, "spf:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email");
        EXPECT_EQ(one("x.test", DG_T_TXT,
                      "\"v=spf1 exists:%{ir}.%{l1r+-}._spf.mta.salesforce.com -all\""),
                  "Salesforce");
        EXPECT_EQ(one("x.test", DG_T_TXT, "\"v=spf1 redirect=%{d1r}.spf.protection.outlook.com\""),
                  "Microsoft 365");
        // nothing literal after the last macro, or a look-alike after it
        EXPECT_EQ(providers("x.test", DG_T_TXT, "\"v=spf1 exists:%{i}.%{d} -all\""), V{});
        EXPECT_EQ(providers("x.test", DG_T_TXT, "\"v=spf1 exists:%{i}.spf.iphmx.com.evil.test\""),
                  V{});
        // Sender ID (RFC 4406)
        EXPECT_EQ(one("x.test", DG_T_TXT, "\"spf2.0/pra include:spf.protection.outlook.com -all\""),
                  "Microsoft 365");
        EXPECT_EQ(one("x.test", DG_T_TXT, "\" spf2.0/mfrom,pra include:_spf.google.com\""),
                  "Google Workspace");
        EXPECT_EQ(providers("x.test", DG_T_TXT, "\"spf2.0/pra mx -all\""), V{});
        // a:/mx: into a vendor's mail hosts
        EXPECT_EQ(one("x.test", DG_T_TXT, "\"v=spf1 mx:aspmx.l.google.com -all\""),
                  "Google Workspace");
        EXPECT_EQ(one("x.test", DG_T_TXT, "\"v=spf1 a:mxa.mailgun.org/24 -all\""), "Mailgun");
}

TEST_F(Classify, DkimSelectorYieldsToTheTarget)
{
        EXPECT_EQ(providers("s1._domainkey.x.test", DG_T_CNAME, "s1._domainkey.atlassian.net."),
                  V{"Atlassian"});
        EXPECT_EQ(
            providers("s1._domainkey.x.test", DG_T_CNAME, "s1.domainkey.u1234.wl068.sendgrid.net."),
            V{"SendGrid"});
        // a CNAME to no known vendor contradicts the selector guess
        EXPECT_EQ(providers("selector1._domainkey.x.test", DG_T_CNAME,
                            "selector1._domainkey.relay.x.test."),
                  V{});
        // a key published in place: the selector is all there is
        EXPECT_EQ(providers("selector1._domainkey.x.test", DG_T_TXT, "\"v=DKIM1; p=MIGf\""),
                  V{"Microsoft 365"});
}

TEST(FpdbEmpty, MatchesNothing)
{
        dg_fpdb_t *db = nullptr;
        ASSERT_EQ(dg_fpdb_new(&db), DG_OK);
        dg_classify_res_t r;
        dg_classify_res_init(&r);
        EXPECT_EQ(dg_classify_rr(db, "x", DG_T_MX, "1 aspmx.l.google.com.", &r), 0);
        EXPECT_EQ(dg_classify_rr(db, "_amazonses.x", DG_T_TXT, "\"MS=1\"", &r), 0);
        EXPECT_EQ(dg_classify_rr(db, "x", DG_T_A, "104.16.0.1", &r), 0);
        dg_fpdb_stats_t st;
        dg_fpdb_stats(db, &st);
        EXPECT_EQ(st.signatures, 0u);
        dg_classify_res_clear(&r);
        dg_fpdb_free(db);
}

// ---- zone lines and TXT text ----

TEST(ZoneLine, Forms)
{
        dg_zone_line_t l;
        const char *why = nullptr;
        ASSERT_EQ(dg_zone_line_parse("www.example.com. 3600 IN CNAME x.github.io. ; c", &l, &why),
                  1);
        EXPECT_STREQ(l.owner, "www.example.com.");
        EXPECT_TRUE(l.has_ttl);
        EXPECT_EQ(l.ttl, 3600u);
        EXPECT_EQ(l.type, DG_T_CNAME);
        EXPECT_STREQ(l.rdata, "x.github.io.");
        dg_zone_line_clear(&l);
        ASSERT_EQ(dg_zone_line_parse("example.com IN 1h30m TXT \"a;b\" \"c\"", &l, &why), 1);
        EXPECT_EQ(l.ttl, 5400u);
        EXPECT_EQ(l.type, DG_T_TXT);
        EXPECT_STREQ(l.rdata, "\"a;b\" \"c\"");
        dg_zone_line_clear(&l);
        ASSERT_EQ(dg_zone_line_parse("example.com mx 10 mx.example.com.", &l, &why), 1);
        EXPECT_FALSE(l.has_ttl);
        EXPECT_EQ(l.type, DG_T_MX);
        dg_zone_line_clear(&l);
        ASSERT_EQ(dg_zone_line_parse("\tIN TYPE99 \"v=spf1 -all\"", &l, &why), 1);
        EXPECT_EQ(l.owner, nullptr); // blank owner: the previous one
        EXPECT_EQ(l.type, 99);
        dg_zone_line_clear(&l);
        EXPECT_EQ(dg_zone_line_parse("   ; only a comment", &l, &why), 0);
        EXPECT_EQ(dg_zone_line_parse("", &l, &why), 0);
}

TEST(ZoneLine, Errors)
{
        dg_zone_line_t l;
        const char *why = nullptr;
        EXPECT_EQ(dg_zone_line_parse("example.com IN BOGUS x", &l, &why), DG_EPARSE);
        EXPECT_STREQ(why, "unknown type");
        EXPECT_EQ(dg_zone_line_parse("example.com 300 IN", &l, &why), DG_EPARSE);
        EXPECT_STREQ(why, "missing type");
        EXPECT_EQ(dg_zone_line_parse("example.com A", &l, &why), DG_EPARSE);
        EXPECT_STREQ(why, "missing rdata");
        EXPECT_EQ(dg_zone_line_parse("example.com TXT \"open", &l, &why), DG_EPARSE);
        EXPECT_EQ(dg_zone_line_parse("$ORIGIN example.com.", &l, &why), DG_EPARSE);
        EXPECT_EQ(dg_zone_line_parse("@ SOA ns hm ( 1 2 3 4 5 )", &l, &why), DG_EPARSE);
        EXPECT_EQ(dg_zone_line_parse(nullptr, &l, &why), DG_EINVAL);
        dg_zone_line_clear(nullptr);
}

// ---- the zone-file reader ----

namespace
{
struct ZoneRead {
        int rc;
        std::string owner, rdata, why;
        uint16_t type;
        uint32_t ttl;
        unsigned long line;
};

// Every result of a reader over text (records and errors), up to the end.
std::vector<ZoneRead> read_zone(const std::string &text, const char *origin = nullptr)
{
        FILE *f = fmemopen(const_cast<char *>(text.data()), text.size(), "r");
        EXPECT_NE(f, nullptr);
        dg_zone_reader_t *r = nullptr;
        EXPECT_EQ(dg_zone_reader_new(f, origin, &r), DG_OK);
        std::vector<ZoneRead> out;
        dg_zone_rr_t rr;
        const char *why = nullptr;
        unsigned long line = 0;
        int rc;
        while ((rc = dg_zone_reader_next(r, &rr, &why, &line)) != 0 && out.size() < 100) {
                ZoneRead z{rc, "", "", why ? why : "", 0, 0, line};
                if (rc == 1) {
                        z.owner = rr.owner;
                        z.rdata = rr.rdata;
                        z.type = rr.type;
                        z.ttl = rr.ttl;
                        EXPECT_EQ(rr.line, line);
                }
                out.push_back(z);
        }
        dg_zone_reader_free(r);
        fclose(f);
        return out;
}
} // namespace

TEST(ZoneReader, DirectivesParenthesesOwners)
{
        auto v = read_zone("$ORIGIN example.org.\n"
                           "$TTL 1h\n"
                           "@ IN SOA ns1 hm ( 1 ; serial\n"
                           "   2 3 4\n"
                           "   5 )\n"
                           "  NS ns1\n"
                           "www 60 CNAME x.github.io.\n"
                           "\tTXT \"a;b\" ; comment\n"
                           "$ORIGIN sub\n"
                           "a A 192.0.2.1\n"
                           "b.example.com. AAAA ::1\n");
        ASSERT_EQ(v.size(), 6u);
        EXPECT_EQ(v[0].owner, "example.org.");
        EXPECT_EQ(v[0].type, DG_T_SOA);
        EXPECT_EQ(v[0].rdata, "ns1 hm 1 2 3 4 5");
        EXPECT_EQ(v[0].ttl, 3600u);
        EXPECT_EQ(v[0].line, 3u);
        EXPECT_EQ(v[1].owner, "example.org.");
        EXPECT_EQ(v[1].line, 6u);
        EXPECT_EQ(v[2].owner, "www.example.org.");
        EXPECT_EQ(v[2].ttl, 60u);
        EXPECT_EQ(v[3].owner, "www.example.org.");
        EXPECT_EQ(v[3].rdata, "\"a;b\"");
        EXPECT_EQ(v[3].ttl, 60u); // the previous record's
        EXPECT_EQ(v[4].owner, "a.sub.example.org.");
        EXPECT_EQ(v[5].owner, "b.example.com.");
        EXPECT_EQ(v[5].line, 11u);
}

TEST(ZoneReader, NoOriginKeepsRelativeOwners)
{
        auto v = read_zone("www CNAME a.b.\n");
        ASSERT_EQ(v.size(), 1u);
        EXPECT_EQ(v[0].owner, "www");
        v = read_zone("www CNAME a.b.\n@ A 192.0.2.1\n", "example.com");
        ASSERT_EQ(v.size(), 2u);
        EXPECT_EQ(v[0].owner, "www.example.com.");
        EXPECT_EQ(v[1].owner, "example.com.");
        FILE *f = fmemopen(const_cast<char *>("x"), 1, "r");
        dg_zone_reader_t *r = nullptr;
        EXPECT_EQ(dg_zone_reader_new(f, "bad..name", &r), DG_EINVAL);
        EXPECT_EQ(r, nullptr);
        EXPECT_EQ(dg_zone_reader_new(nullptr, nullptr, &r), DG_EINVAL);
        fclose(f);
        dg_zone_reader_free(nullptr);
}

TEST(ZoneReader, MalformedLinesReportedWithTheirNumber)
{
        std::string text = "@ A 192.0.2.1\n"             // 1: '@' with no origin
                           "  A 192.0.2.2\n"             // 2: no previous owner
                           "$ORIGIN\n"                   // 3
                           "$ORIGIN relative\n"          // 4: still no origin
                           "$TTL 1x\n"                   // 5
                           "$INCLUDE x.zone\n"           // 6
                           "$GENERATE 1-2 a A 1\n"       // 7
                           "x BOGUS 1\n"                 // 8
                           "x TXT \"open\n"              // 9
                           "x A 1 )\n"                   // 10
                           "ok.example. A 192.0.2.3\n"   // 11: fine
                           "y TXT ( \"two\n"             // 12: quote error, then
                           "  \"lines\" )\n"             // 13: the same record
                           "z.example. TXT \"tail\"\n"   // 14: fine
                           "w TXT ( \"open\"\n";         // 15: never closed
        text += std::string("n.example. A 192.0.2.4\n"); // swallowed by the '('
        text.push_back('\0');
        auto v = read_zone(text);
        std::vector<std::pair<unsigned long, std::string>> errs;
        std::vector<std::string> owners;
        for (auto &z : v) {
                if (z.rc == 1)
                        owners.push_back(z.owner);
                else
                        errs.emplace_back(z.line, z.why);
                EXPECT_TRUE(z.rc == 1 || z.rc == DG_EPARSE);
        }
        EXPECT_EQ(owners, (std::vector<std::string>{"ok.example.", "z.example."}));
        std::vector<std::pair<unsigned long, std::string>> want = {
            {1, "'@' with no $ORIGIN"},
            {2, "no owner name (and no previous one)"},
            {3, "$ORIGIN needs one absolute domain name"},
            {4, "$ORIGIN needs one absolute domain name"},
            {5, "$TTL needs one TTL value"},
            {6, "$INCLUDE is not supported"},
            {7, "unknown $ directive"},
            {8, "unknown type"},
            {9, "unterminated quoted string"},
            {10, "unbalanced ')'"},
            {12, "unterminated quoted string"},
            {15, "'(' not closed before the end of the file"},
        };
        EXPECT_EQ(errs, want);
}

TEST(ZoneReader, NulByteAndLongLine)
{
        std::string text("a.example. TXT \"x\0y\"\n", 21);
        text += "b.example. TXT \"" + std::string(10000, 'z') + "\"\n";
        auto v = read_zone(text);
        ASSERT_EQ(v.size(), 2u);
        EXPECT_EQ(v[0].rc, DG_EPARSE);
        EXPECT_EQ(v[0].why, "NUL byte in line");
        EXPECT_EQ(v[1].rc, 1);
        EXPECT_EQ(v[1].rdata.size(), 10002u);
}

TEST(TxtConcat, Strings)
{
        char b[64];
        EXPECT_EQ(dg_txt_concat("\"a\" \"b c\"", b, sizeof b), 4);
        EXPECT_STREQ(b, "ab c");
        EXPECT_EQ(dg_txt_concat("\"q\\\"q\" \\065", b, sizeof b), 4);
        EXPECT_STREQ(b, "q\"qA");
        EXPECT_EQ(dg_txt_concat("plain words", b, sizeof b), 10);
        EXPECT_STREQ(b, "plainwords");
        EXPECT_EQ(dg_txt_concat("\"\"", b, sizeof b), 0);
        EXPECT_EQ(dg_txt_concat("\"\\256\"", b, sizeof b), DG_EPARSE);
        EXPECT_EQ(dg_txt_concat("\"\\1\"", b, sizeof b), DG_EPARSE);
        EXPECT_EQ(dg_txt_concat("\"abc\"", b, 3), DG_ESPACE);
}

// ---- wire-format messages ----

// Builds a response with ldns: question qname/qtype, the given answer records
// (zone-file lines), rcode.
static std::vector<uint8_t> response(const char *qname, ldns_rr_type qtype, uint8_t rcode,
                                     std::vector<const char *> answers)
{
        ldns_pkt *p = nullptr;
        EXPECT_EQ(ldns_pkt_query_new_frm_str(&p, qname, qtype, LDNS_RR_CLASS_IN, LDNS_RD),
                  LDNS_STATUS_OK);
        ldns_pkt_set_qr(p, true);
        ldns_pkt_set_rcode(p, rcode);
        for (const char *a : answers) {
                ldns_rr *rr = nullptr;
                EXPECT_EQ(ldns_rr_new_frm_str(&rr, a, 300, nullptr, nullptr), LDNS_STATUS_OK) << a;
                ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
        }
        return wire_and_free(p);
}

struct Seen {
        std::vector<std::string> owners, providers;
};

static int collect(void *ud, const dg_wire_rr_t *, const char *owner, const char *,
                   const dg_classify_res_t *res)
{
        auto *s = static_cast<Seen *>(ud);
        s->owners.push_back(owner);
        for (size_t i = 0; i < res->nmatches; i++)
                s->providers.push_back(res->matches[i].name);
        return 0;
}

TEST_F(Classify, MessageRecords)
{
        auto m = response("example.com.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR,
                          {"example.com. 300 IN MX 0 example-com.mail.protection.outlook.com.",
                           "example.com. 300 IN MX 10 backup.example.com."});
        Seen s;
        dg_classify_msg_summary_t sum;
        EXPECT_EQ(dg_classify_msg(db, m.data(), m.size(), DG_SECMASK_ALL, collect, &s, &sum), 1);
        EXPECT_EQ(s.providers, V{"Microsoft 365"});
        EXPECT_EQ(sum.records, 2u);
        EXPECT_EQ(sum.classified, 1u);
        EXPECT_FALSE(sum.takeover_candidate);
        // sections not selected are not looked at
        EXPECT_EQ(
            dg_classify_msg(db, m.data(), m.size(), DG_SECMASK_AUTHORITY, nullptr, nullptr, &sum),
            0);
        EXPECT_EQ(sum.records, 0u);
}

TEST_F(Classify, MessageTakeoverCandidate)
{
        auto m = response("legacy.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
                          {"legacy.example.com. 300 IN CNAME old-app.azurewebsites.net."});
        dg_classify_msg_summary_t sum;
        EXPECT_EQ(dg_classify_msg(db, m.data(), m.size(), DG_SECMASK_ALL, nullptr, nullptr, &sum),
                  1);
        EXPECT_TRUE(sum.takeover_candidate);
        EXPECT_STREQ(sum.takeover_target, "old-app.azurewebsites.net");
        EXPECT_STREQ(sum.takeover_provider, "Azure App Service");
        // the same chain with NOERROR is no candidate
        auto ok = response("legacy.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                           {"legacy.example.com. 300 IN CNAME old-app.azurewebsites.net.",
                            "old-app.azurewebsites.net. 300 IN A 192.0.2.1"});
        EXPECT_EQ(dg_classify_msg(db, ok.data(), ok.size(), DG_SECMASK_ALL, nullptr, nullptr, &sum),
                  1);
        EXPECT_FALSE(sum.takeover_candidate);
        // a CNAME not on the question's chain does not count
        auto off = response("a.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
                            {"b.example.com. 300 IN CNAME old-app.azurewebsites.net."});
        dg_classify_msg(db, off.data(), off.size(), DG_SECMASK_ALL, nullptr, nullptr, &sum);
        EXPECT_FALSE(sum.takeover_candidate);
}

TEST_F(Classify, MessageMalformed)
{
        auto m = response("example.com.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR,
                          {"example.com. 300 IN MX 0 aspmx.l.google.com."});
        EXPECT_EQ(dg_classify_msg(db, m.data(), 5, DG_SECMASK_ALL, nullptr, nullptr, nullptr),
                  DG_EMALFORMED);
        // cut inside the answer record
        EXPECT_EQ(
            dg_classify_msg(db, m.data(), m.size() - 4, DG_SECMASK_ALL, nullptr, nullptr, nullptr),
            DG_EMALFORMED);
        EXPECT_EQ(
            dg_classify_msg(nullptr, m.data(), m.size(), DG_SECMASK_ALL, nullptr, nullptr, nullptr),
            DG_EINVAL);
}

} // namespace
