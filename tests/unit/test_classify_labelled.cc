// The classifier against a hand-labelled record set (tests/data/
// classify-labelled.tsv): provider recall and precision, and precision,
// recall and F1 of the takeover flag. Prints the figures and every miss,
// then holds them to the project's bar (recall >= 0.95, precision >= 0.98,
// takeover F1 >= 0.9). No network.
#include <glib.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dnsglean/dnsglean.h"

#ifndef DG_LABELLED_TSV
#error "DG_LABELLED_TSV must name the labelled record set"
#endif

namespace
{

struct Row {
        unsigned line;
        std::string owner, type, rdata;
        std::set<std::string> expected; // empty: a negative
        bool takeover;
};

std::vector<std::string> split(const std::string &s, char sep)
{
        std::vector<std::string> out;
        std::string cur;
        std::istringstream in(s);
        while (std::getline(in, cur, sep))
                out.push_back(cur);
        if (!s.empty() && s.back() == sep)
                out.push_back("");
        return out;
}

// Reads the set; a malformed line fails the test with its line number.
std::vector<Row> load(const char *path)
{
        std::vector<Row> rows;
        std::ifstream in(path);
        EXPECT_TRUE(in.good()) << "cannot open " << path;
        std::string line;
        unsigned n = 0;
        while (std::getline(in, line)) {
                n++;
                if (line.empty() || line[0] == '#')
                        continue;
                std::vector<std::string> f = split(line, '\t');
                if (f.size() != 5 || (f[4] != "yes" && f[4] != "no")) {
                        ADD_FAILURE() << path << ":" << n << ": expected 5 fields, takeover yes|no";
                        continue;
                }
                Row r{n, f[0], f[1], f[2], {}, f[4] == "yes"};
                if (f[3] != "-")
                        for (const std::string &p : split(f[3], '+'))
                                r.expected.insert(p);
                rows.push_back(r);
        }
        return rows;
}

struct Counts {
        unsigned tp = 0, fp = 0, fn = 0;      // provider level
        unsigned ttp = 0, tfp = 0, tfn = 0;   // takeover flag
        unsigned negatives = 0, range_ok = 0; // rows without a provider; range matches
        unsigned range_bad = 0;
};

double ratio(unsigned a, unsigned b)
{
        return b ? (double)a / b : 1.0;
}

std::string join(const std::set<std::string> &s)
{
        std::string out;
        for (const std::string &x : s)
                out += (out.empty() ? "" : "+") + x;
        return out.empty() ? "-" : out;
}

// Classifies one row and adds it to c; prints it when it is a miss.
void score(const dg_fpdb_t *db, const Row &r, dg_classify_res_t *res, Counts *c)
{
        std::string zl = r.owner + " " + r.type + " " + r.rdata;
        dg_zone_line_t z;
        const char *why = nullptr;
        ASSERT_EQ(dg_zone_line_parse(zl.c_str(), &z, &why), 1) << "line " << r.line << ": " << why;
        int rc = dg_classify_rr(db, z.owner, z.type, z.rdata, res);
        dg_zone_line_clear(&z);
        ASSERT_GE(rc, 0) << "line " << r.line << ": " << zl;
        std::set<std::string> got;
        for (size_t i = 0; i < res->nmatches; i++) {
                const dg_fp_match_t *m = &res->matches[i];
                got.insert(m->name);
                bool addr = g_str_has_prefix(m->evidence, "addr:") ||
                            g_str_has_prefix(m->evidence, "spf-ip:");
                if (addr)
                        (m->sig->strength == DG_FP_STRENGTH_RANGE ? c->range_ok : c->range_bad)++;
        }
        if (r.expected.empty())
                c->negatives++;
        bool miss = false;
        for (const std::string &p : got)
                r.expected.count(p) ? c->tp++ : (c->fp++, miss = true);
        for (const std::string &p : r.expected)
                if (!got.count(p)) {
                        c->fn++;
                        miss = true;
                }
        if (res->takeover && r.takeover)
                c->ttp++;
        else if (res->takeover || r.takeover) {
                (res->takeover ? c->tfp : c->tfn)++;
                miss = true;
        }
        if (miss)
                std::printf(
                    "  miss line %u: %s -> got %s (takeover %s%s%s), want %s (takeover %s)\n",
                    r.line, zl.c_str(), join(got).c_str(), res->takeover ? "yes" : "no",
                    res->takeover_status ? ", status " : "",
                    res->takeover_status ? res->takeover_status : "", join(r.expected).c_str(),
                    r.takeover ? "yes" : "no");
}

TEST(ClassifyLabelled, RecallPrecisionTakeover)
{
        dg_fpdb_t *db = nullptr;
        ASSERT_EQ(dg_fpdb_new_default(&db), DG_OK);
        std::vector<Row> rows = load(DG_LABELLED_TSV);
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        Counts c;
        for (const Row &r : rows)
                score(db, r, &res, &c);
        dg_classify_res_clear(&res);
        dg_fpdb_free(db);

        double recall = ratio(c.tp, c.tp + c.fn), precision = ratio(c.tp, c.tp + c.fp);
        double tprec = ratio(c.ttp, c.ttp + c.tfp), trec = ratio(c.ttp, c.ttp + c.tfn);
        double tf1 = tprec + trec > 0 ? 2 * tprec * trec / (tprec + trec) : 0;
        std::printf("labelled set: %zu rows, %u negatives (%.1f%%)\n", rows.size(), c.negatives,
                    100.0 * ratio(c.negatives, (unsigned)rows.size()));
        std::printf("providers: recall %.3f (%u/%u), precision %.3f (%u/%u)\n", recall, c.tp,
                    c.tp + c.fn, precision, c.tp, c.tp + c.fp);
        std::printf("takeover: precision %.3f, recall %.3f, F1 %.3f (tp %u, fp %u, fn %u)\n", tprec,
                    trec, tf1, c.ttp, c.tfp, c.tfn);
        std::printf("address matches reported as strength range: %u of %u\n", c.range_ok,
                    c.range_ok + c.range_bad);
        EXPECT_GE(rows.size(), 400u);
        EXPECT_GE(c.negatives * 10, rows.size() * 3) << "fewer than 30% negatives";
        EXPECT_GE(recall, 0.95);
        EXPECT_GE(precision, 0.98);
        EXPECT_GE(tf1, 0.9);
        EXPECT_GT(c.ttp, 20u) << "too few takeover rows to judge the flag";
        EXPECT_GT(c.range_ok, 10u);
        EXPECT_EQ(c.range_bad, 0u) << "an address match not reported as a shared range";
}

} // namespace
