// Unit tests of the JSON reader and the Passive DNS Common Output Format
// reader, writer and aggregate. No network.
#include <gtest/gtest.h>

#include <glib.h>
#include <cstring>
#include <string>
#include <unistd.h>

extern "C" {
#include "dnsglean/cof.h"
#include "json_int.h"
#include "dnsglean/wire.h"
}

namespace
{

dg_json_t *parse_ok(const std::string &s)
{
        dg_json_t *v = nullptr;
        char *err = nullptr;
        int rc = dg_json_parse(s.data(), s.size(), &v, &err);
        EXPECT_EQ(rc, DG_OK) << s << ": " << (err ? err : "");
        g_free(err);
        return v;
}

std::string parse_err(const std::string &s)
{
        dg_json_t *v = nullptr;
        char *err = nullptr;
        int rc = dg_json_parse(s.data(), s.size(), &v, &err);
        EXPECT_EQ(rc, DG_EPARSE) << s;
        EXPECT_EQ(v, nullptr);
        std::string e = err ? err : "";
        g_free(err);
        return e;
}

TEST(Json, Values)
{
        dg_json_t *v = parse_ok(
            R"( {"a": [1, -2.5e1, true, false, null], "s": "x\"\\\/\n\u00e9\u20ac", "a": 7} )");
        ASSERT_NE(v, nullptr);
        ASSERT_EQ(v->kind, DG_JSON_OBJECT);
        ASSERT_EQ(v->n, 3u);
        int64_t i = 0;
        // a repeated member: the last one counts
        EXPECT_TRUE(dg_json_int(dg_json_get(v, "a"), &i));
        EXPECT_EQ(i, 7);
        const dg_json_t *arr = v->items[0];
        ASSERT_EQ(arr->kind, DG_JSON_ARRAY);
        ASSERT_EQ(arr->n, 5u);
        EXPECT_TRUE(arr->items[0]->integer);
        EXPECT_EQ(arr->items[0]->inumber, 1);
        EXPECT_FALSE(arr->items[1]->integer);
        EXPECT_DOUBLE_EQ(arr->items[1]->number, -25.0);
        EXPECT_TRUE(arr->items[2]->boolean);
        EXPECT_EQ(arr->items[4]->kind, DG_JSON_NULL);
        // \u00e9 is one octet (dnsglean's convention), \u20ac UTF-8
        EXPECT_STREQ(dg_json_string(dg_json_get(v, "s")), "x\"\\/\n\xe9\xe2\x82\xac");
        EXPECT_EQ(dg_json_get(v, "missing"), nullptr);
        EXPECT_EQ(dg_json_string(arr), nullptr);
        dg_json_free(v);
        v = parse_ok(R"("\ud83d\ude00")");
        EXPECT_STREQ(v->str, "\xf0\x9f\x98\x80");
        dg_json_free(v);
}

TEST(Json, Errors)
{
        EXPECT_NE(parse_err("").find("end of input"), std::string::npos);
        EXPECT_NE(parse_err("{\"a\":1,}").find("offset 7"), std::string::npos);
        parse_err("[1 2]");
        parse_err("{\"a\" 1}");
        parse_err("\"abc");
        parse_err("\"a\\u0000b\"");
        parse_err("\"\\ud800\"");
        parse_err("\"tab\there\"");
        parse_err("01");
        parse_err("1.");
        parse_err("-");
        parse_err("tru");
        parse_err("{} {}");
        parse_err(std::string("[\"a\0b\"]", 7));
        EXPECT_NE(parse_err(std::string(100, '[')).find("deeply"), std::string::npos);
        // deep but allowed
        dg_json_t *v = parse_ok(std::string(60, '[') + std::string(60, ']'));
        dg_json_free(v);
        dg_json_free(nullptr);
}

dg_cof_record_t *cof_ok(const std::string &s)
{
        dg_cof_record_t *r = nullptr;
        char *err = nullptr;
        int rc = dg_cof_parse(s.data(), s.size(), &r, &err);
        EXPECT_EQ(rc, DG_OK) << s << ": " << (err ? err : "");
        g_free(err);
        return r;
}

std::string cof_err(const std::string &s)
{
        dg_cof_record_t *r = nullptr;
        char *err = nullptr;
        EXPECT_EQ(dg_cof_parse(s.data(), s.size(), &r, &err), DG_EPARSE) << s;
        EXPECT_EQ(r, nullptr);
        std::string e = err ? err : "";
        g_free(err);
        return e;
}

TEST(Cof, Parse)
{
        // the shape CIRCL's Passive DNS serves
        dg_cof_record_t *r = cof_ok(
            R"({"count": 1909, "origin": "https://www.circl.lu/pdns/", "time_first": 1315586409,)"
            R"( "rrtype": "A", "rrname": "WWW.Example.TEST.", "rdata": "192.0.2.1",)"
            R"( "time_last": 1710000000, "bailiwick": "example.test"})"
            "\r\n");
        ASSERT_NE(r, nullptr);
        EXPECT_STREQ(r->rrname, "www.example.test");
        EXPECT_EQ(r->rrtype, DG_T_A);
        ASSERT_EQ(r->nrdata, 1u);
        EXPECT_STREQ(r->rdata[0], "192.0.2.1");
        EXPECT_EQ(r->time_first, 1315586409);
        EXPECT_EQ(r->time_last, 1710000000);
        EXPECT_TRUE(r->has_count);
        EXPECT_EQ(r->count, 1909u);
        EXPECT_STREQ(r->bailiwick, "example.test");
        EXPECT_EQ(r->sensor_id, nullptr);
        dg_cof_record_free(r);
        // rdata as an array, numeric rrtype, no count
        r = cof_ok(R"({"rrname":"m.example.test","rrtype":15,"rdata":["10 a.example.test.",)"
                   R"("20 b.example.test."],"time_first":1,"time_last":2})");
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->rrtype, DG_T_MX);
        EXPECT_EQ(r->nrdata, 2u);
        EXPECT_FALSE(r->has_count);
        dg_cof_record_free(r);
}

TEST(Cof, Malformed)
{
        EXPECT_NE(cof_err("[1]").find("not a JSON object"), std::string::npos);
        EXPECT_NE(
            cof_err(R"({"rrtype":"A","rdata":"x","time_first":1,"time_last":2})").find("rrname"),
            std::string::npos);
        EXPECT_NE(cof_err(R"({"rrname":"a..b","rrtype":"A","rdata":"x","time_first":1,)"
                          R"("time_last":2})")
                      .find("not a domain name"),
                  std::string::npos);
        EXPECT_NE(cof_err(R"({"rrname":"a.b","rrtype":"NOPE","rdata":"x","time_first":1,)"
                          R"("time_last":2})")
                      .find("rrtype"),
                  std::string::npos);
        EXPECT_NE(
            cof_err(R"({"rrname":"a.b","rrtype":"A","time_first":1,"time_last":2})").find("rdata"),
            std::string::npos);
        cof_err(R"({"rrname":"a.b","rrtype":"A","rdata":[],"time_first":1,"time_last":2})");
        cof_err(R"({"rrname":"a.b","rrtype":"A","rdata":[1],"time_first":1,"time_last":2})");
        EXPECT_NE(cof_err(R"({"rrname":"a.b","rrtype":"A","rdata":"x","time_first":"1",)"
                          R"("time_last":2})")
                      .find("time_first"),
                  std::string::npos);
        EXPECT_NE(cof_err(R"({"rrname":"a.b","rrtype":"A","rdata":"x","time_first":5,)"
                          R"("time_last":2})")
                      .find("before"),
                  std::string::npos);
        cof_err(R"({"rrname":"a.b","rrtype":"A","rdata":"x","time_first":1,"time_last":2,)"
                R"("count":-1})");
        cof_err("{\"rrname\":");
}

TEST(Cof, FormatRoundTrip)
{
        dg_cof_record_t r{};
        r.rrname = const_cast<char *>("t.example.test");
        r.rrtype = DG_T_TXT;
        char d0[] = "\"caf\xc3\xa9\" \"quote\\\" tab\t\"";
        char *rd[] = {d0};
        r.rdata = rd;
        r.nrdata = 1;
        r.time_first = 100;
        r.time_last = 200;
        r.count = 3;
        r.has_count = true;
        char sid[] = "sensor-1";
        r.sensor_id = sid;
        char *line = dg_cof_format(&r);
        ASSERT_NE(line, nullptr);
        EXPECT_EQ(std::string(line).find('\n'), std::string::npos);
        dg_cof_record_t *back = cof_ok(line);
        ASSERT_NE(back, nullptr);
        EXPECT_STREQ(back->rrname, r.rrname);
        EXPECT_EQ(back->rrtype, r.rrtype);
        ASSERT_EQ(back->nrdata, 1u);
        EXPECT_STREQ(back->rdata[0], d0);
        EXPECT_EQ(back->time_first, 100);
        EXPECT_EQ(back->time_last, 200);
        EXPECT_EQ(back->count, 3u);
        EXPECT_STREQ(back->sensor_id, "sensor-1");
        char *again = dg_cof_format(back);
        EXPECT_STREQ(again, line); // a fixed point
        g_free(again);
        g_free(line);
        dg_cof_record_free(back);
        EXPECT_EQ(dg_cof_format(nullptr), nullptr);
        dg_cof_record_t empty{};
        EXPECT_EQ(dg_cof_format(&empty), nullptr);
}

int collect(void *ud, const dg_cof_record_t *rec)
{
        auto *out = static_cast<std::string *>(ud);
        char *l = dg_cof_format(rec);
        *out += l;
        *out += "\n";
        g_free(l);
        return 0;
}

TEST(Cof, Aggregate)
{
        dg_cof_agg_t *a = dg_cof_agg_new();
        EXPECT_EQ(dg_cof_agg_add(a, "www.example.test.", DG_T_A, "192.0.2.1", 50), DG_OK);
        EXPECT_EQ(dg_cof_agg_add(a, "WWW.example.test", DG_T_A, "192.0.2.1", 10), DG_OK);
        EXPECT_EQ(dg_cof_agg_add(a, "www.example.test", DG_T_A, "192.0.2.1", 30), DG_OK);
        EXPECT_EQ(dg_cof_agg_add(a, "www.example.test", DG_T_A, "192.0.2.2", 20), DG_OK);
        EXPECT_EQ(dg_cof_agg_add(a, "a.example.test", DG_T_CNAME, "www.example.test.", 5), DG_OK);
        EXPECT_EQ(dg_cof_agg_add(a, "bad..name", DG_T_A, "x", 5), DG_ENAME);
        EXPECT_EQ(dg_cof_agg_add(a, "x.test", DG_T_A, nullptr, 5), DG_EINVAL);
        EXPECT_EQ(dg_cof_agg_size(a), 3u);
        std::string out;
        EXPECT_EQ(dg_cof_agg_foreach(a, collect, &out), 0);
        EXPECT_EQ(out, "{\"rrname\":\"a.example.test\",\"rrtype\":\"CNAME\",\"rdata\":"
                       "\"www.example.test.\",\"time_first\":5,\"time_last\":5,\"count\":1}\n"
                       "{\"rrname\":\"www.example.test\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\","
                       "\"time_first\":10,\"time_last\":50,\"count\":3}\n"
                       "{\"rrname\":\"www.example.test\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.2\","
                       "\"time_first\":20,\"time_last\":20,\"count\":1}\n");
        dg_cof_agg_free(a);
        dg_cof_agg_free(nullptr);
}

TEST(Cof, FromResponses)
{
        // www.example.test A? -> CNAME web.example.test., web A 192.0.2.1
        const uint8_t resp[] = {
            0x12, 0x34, 0x81, 0x80, 0, 1,   0,   2,   0,   0,   0,   0, // header
            3,    'w',  'w',  'w',  7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4,   't', 'e', 's',
            't',  0,    0,    1,    0, 1, // A IN
            0xc0, 0x0c, 0,    5,    0, 1,   0,   0,   0,   60,  0,   6,   3,   'w', 'e', 'b',
            0xc0, 0x10,                                                                     // CNAME
            0xc0, 0x2e, 0,    1,    0, 1,   0,   0,   0,   60,  0,   4,   192, 0,   2,   1, // A
        };
        dg_cof_agg_t *a = dg_cof_agg_new();
        size_t added = 99;
        EXPECT_EQ(dg_cof_agg_add_message(a, resp, sizeof resp, 200, &added), DG_OK);
        EXPECT_EQ(added, 2u);
        EXPECT_EQ(dg_cof_agg_add_message(a, resp, sizeof resp, 100, &added), DG_OK);
        // the query itself (QR clear) adds nothing
        uint8_t query[sizeof resp];
        memcpy(query, resp, sizeof resp);
        query[2] = 0x01;
        EXPECT_EQ(dg_cof_agg_add_message(a, query, sizeof query, 300, &added), DG_OK);
        EXPECT_EQ(added, 0u);
        // cut inside the second answer: the first is kept, the fault reported
        EXPECT_EQ(dg_cof_agg_add_message(a, resp, sizeof resp - 3, 400, &added), DG_EMALFORMED);
        EXPECT_EQ(added, 1u);
        EXPECT_EQ(dg_cof_agg_add_message(a, resp, 5, 400, &added), DG_EMALFORMED);
        std::string out;
        dg_cof_agg_foreach(a, collect, &out);
        EXPECT_EQ(out, "{\"rrname\":\"web.example.test\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\","
                       "\"time_first\":100,\"time_last\":200,\"count\":2}\n"
                       "{\"rrname\":\"www.example.test\",\"rrtype\":\"CNAME\",\"rdata\":"
                       "\"web.example.test.\",\"time_first\":100,\"time_last\":400,\"count\":3}\n");
        dg_cof_agg_free(a);
}

TEST(Cof, ReaderLineNumbers)
{
        char path[] = "/tmp/dg-cof-test.XXXXXX";
        int fd = mkstemp(path);
        ASSERT_GE(fd, 0);
        const char text[] =
            "{\"rrname\":\"a.test\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\",\"time_first\":1,"
            "\"time_last\":2}\n"
            "\n"
            "not json\n"
            "{\"rrname\":\"b.test\",\"rrtype\":\"AAAA\",\"rdata\":\"2001:db8::1\","
            "\"time_first\":1,\"time_last\":2}";
        ASSERT_EQ(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
        close(fd);
        dg_cof_reader_t *rd = nullptr;
        ASSERT_EQ(dg_cof_reader_open(path, &rd), DG_OK);
        dg_cof_record_t *r = nullptr;
        uint64_t line = 0;
        char *err = nullptr;
        EXPECT_EQ(dg_cof_reader_next(rd, &r, &line, &err), 1);
        EXPECT_EQ(line, 1u);
        EXPECT_STREQ(r->rrname, "a.test");
        dg_cof_record_free(r);
        EXPECT_EQ(dg_cof_reader_next(rd, &r, &line, &err), DG_EPARSE);
        EXPECT_EQ(line, 3u);
        EXPECT_NE(err, nullptr);
        g_free(err);
        EXPECT_EQ(dg_cof_reader_next(rd, &r, &line, &err), 1);
        EXPECT_EQ(line, 4u);
        EXPECT_EQ(r->rrtype, DG_T_AAAA);
        dg_cof_record_free(r);
        EXPECT_EQ(dg_cof_reader_next(rd, &r, &line, &err), 0);
        dg_cof_reader_close(rd);
        unlink(path);
        EXPECT_EQ(dg_cof_reader_open("/nonexistent/x", &rd), DG_EIO);
        EXPECT_EQ(dg_cof_reader_open("/tmp", &rd), DG_EIO);
        dg_cof_reader_close(nullptr);
}

} // namespace
