/* Test environment for the unit tests: a small DNS message builder and an
 * in-process "authoritative responder" that turns a query into the answer a
 * real authoritative server would give from a small zone table (exact names,
 * CNAME chains, wildcards, empty non-terminals, NXDOMAIN). It parses queries
 * with its own code, not with libdnsglean's, so the tests do not check our
 * parser against itself.
 */
#ifndef DG_TEST_DNSTEST_H
#define DG_TEST_DNSTEST_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace dnstest
{

using Bytes = std::vector<uint8_t>;

inline std::string lower(std::string s)
{
        for (auto &c : s)
                c = (char)std::tolower((unsigned char)c);
        return s;
}

inline void put16(Bytes &b, uint16_t v)
{
        b.push_back((uint8_t)(v >> 8));
        b.push_back((uint8_t)v);
}

inline void put32(Bytes &b, uint32_t v)
{
        put16(b, (uint16_t)(v >> 16));
        put16(b, (uint16_t)v);
}

/* "www.example.com" (no escapes) -> uncompressed wire name. */
inline Bytes wire_name(const std::string &name)
{
        Bytes b;
        std::string n = name;
        if (!n.empty() && n.back() == '.')
                n.pop_back();
        size_t start = 0;
        while (!n.empty() && start <= n.size()) {
                size_t dot = n.find('.', start);
                if (dot == std::string::npos)
                        dot = n.size();
                b.push_back((uint8_t)(dot - start));
                b.insert(b.end(), n.begin() + (long)start, n.begin() + (long)dot);
                start = dot + 1;
        }
        b.push_back(0);
        return b;
}

/* Encodes presentation rdata of the few types the tests use. */
inline Bytes rdata(uint16_t type, const std::string &text)
{
        Bytes b;
        std::istringstream in(text);
        switch (type) {
        case 1: { /* A */
                uint8_t a[4];
                inet_pton(AF_INET, text.c_str(), a);
                b.assign(a, a + 4);
                break;
        }
        case 28: { /* AAAA */
                uint8_t a[16];
                inet_pton(AF_INET6, text.c_str(), a);
                b.assign(a, a + 16);
                break;
        }
        case 2:
        case 5:
        case 12:
                b = wire_name(text);
                break;
        case 15: { /* MX pref name */
                unsigned pref;
                std::string nm;
                in >> pref >> nm;
                put16(b, (uint16_t)pref);
                Bytes n = wire_name(nm);
                b.insert(b.end(), n.begin(), n.end());
                break;
        }
        case 16: /* TXT: one string, no quotes */
                b.push_back((uint8_t)text.size());
                b.insert(b.end(), text.begin(), text.end());
                break;
        case 6: { /* SOA mname rname serial refresh retry expire minimum */
                std::string m, r;
                uint32_t v[5];
                in >> m >> r >> v[0] >> v[1] >> v[2] >> v[3] >> v[4];
                Bytes a = wire_name(m), c = wire_name(r);
                b.insert(b.end(), a.begin(), a.end());
                b.insert(b.end(), c.begin(), c.end());
                for (uint32_t x : v)
                        put32(b, x);
                break;
        }
        default: /* hex octets */
                for (size_t i = 0; i + 1 < text.size(); i += 2)
                        b.push_back((uint8_t)std::stoul(text.substr(i, 2), nullptr, 16));
        }
        return b;
}

struct Question {
        uint16_t id = 0, flags = 0;
        std::string qname; /* lowercase, no trailing dot */
        uint16_t qtype = 0, qclass = 0;
        Bytes raw_question; /* qname + type + class as sent */
        bool ok = false;
};

/* Parses a query independently of libdnsglean: header, one uncompressed
 * question. */
inline Question parse_query(const uint8_t *q, size_t len)
{
        Question out;
        if (len < 12)
                return out;
        out.id = (uint16_t)(q[0] << 8 | q[1]);
        out.flags = (uint16_t)(q[2] << 8 | q[3]);
        if ((q[4] << 8 | q[5]) != 1)
                return out;
        size_t p = 12;
        std::string name;
        while (p < len && q[p] != 0) {
                uint8_t l = q[p];
                if (l > 63 || p + 1 + l > len)
                        return out;
                if (!name.empty())
                        name += '.';
                name.append((const char *)q + p + 1, l);
                p += 1u + l;
        }
        if (p + 5 > len)
                return out;
        p++;
        out.qname = lower(name);
        out.qtype = (uint16_t)(q[p] << 8 | q[p + 1]);
        out.qclass = (uint16_t)(q[p + 2] << 8 | q[p + 3]);
        out.raw_question.assign(q + 12, q + p + 4);
        out.ok = true;
        return out;
}

struct RR {
        std::string owner; /* lowercase, no trailing dot */
        uint16_t type;
        uint32_t ttl;
        Bytes rdata;
};

/* A response under construction. */
struct Response {
        uint16_t id = 0;
        uint16_t flags = 0x8000; /* QR */
        Bytes question;          /* raw question section (one entry) */
        std::vector<RR> an, ns, ar;

        Bytes encode() const
        {
                Bytes b;
                put16(b, id);
                put16(b, flags);
                put16(b, question.empty() ? 0 : 1);
                put16(b, (uint16_t)an.size());
                put16(b, (uint16_t)ns.size());
                put16(b, (uint16_t)ar.size());
                b.insert(b.end(), question.begin(), question.end());
                for (auto *sec : {&an, &ns, &ar})
                        for (const RR &r : *sec) {
                                Bytes o = wire_name(r.owner);
                                b.insert(b.end(), o.begin(), o.end());
                                put16(b, r.type);
                                put16(b, 1);
                                put32(b, r.ttl);
                                put16(b, (uint16_t)r.rdata.size());
                                b.insert(b.end(), r.rdata.begin(), r.rdata.end());
                        }
                return b;
        }
};

/* A tiny authoritative zone. */
class Zone
{
      public:
        explicit Zone(std::string origin) : origin_(lower(origin))
        {
                add("", 6, "ns1." + origin_ + ". hostmaster." + origin_ + ". 1 3600 600 86400 300");
                add("", 2, "ns1." + origin_ + ".");
        }

        /* rel: relative owner ("" = apex, "*.dev" = wildcard). */
        Zone &add(const std::string &rel, uint16_t type, const std::string &text,
                  uint32_t ttl = 300)
        {
                std::string owner = rel.empty() ? origin_ : lower(rel) + "." + origin_;
                recs_.push_back({owner, type, ttl, rdata(type, text)});
                return *this;
        }

        /* Rotating answers for one owner/type: each query gets the next one
         * of the set alone (a load-balanced name). */
        Zone &add_rotating(const std::string &rel, uint16_t type,
                           const std::vector<std::string> &texts)
        {
                std::string owner = rel.empty() ? origin_ : lower(rel) + "." + origin_;
                for (const auto &t : texts)
                        rotating_[{owner, type}].push_back(rdata(type, t));
                return *this;
        }

        const std::string &origin() const
        {
                return origin_;
        }

        bool in_zone(const std::string &n) const
        {
                return n == origin_ ||
                       (n.size() > origin_.size() + 1 &&
                        n.compare(n.size() - origin_.size(), origin_.size(), origin_) == 0 &&
                        n[n.size() - origin_.size() - 1] == '.');
        }

        /* The answer an authoritative server gives. */
        Response answer(const Question &q)
        {
                Response r;
                r.id = q.id;
                r.flags = (uint16_t)(0x8000 | 0x0400 | (q.flags & 0x0100));
                r.question = q.raw_question;
                if (!in_zone(q.qname)) {
                        r.flags |= 5; /* REFUSED */
                        return r;
                }
                std::string cur = q.qname;
                bool any_node = false;
                for (int hop = 0; hop < 8; hop++) {
                        std::string owner_as = cur;
                        std::string src = resolve_node(cur);
                        if (src.empty()) {
                                if (hop == 0 && !any_node)
                                        r.flags |= 3; /* NXDOMAIN */
                                break;
                        }
                        any_node = true;
                        bool cname = false;
                        for (const RR &rec : records_at(src)) {
                                if (rec.type == q.qtype) {
                                        r.an.push_back({owner_as, rec.type, rec.ttl, rec.rdata});
                                } else if (rec.type == 5 && q.qtype != 5) {
                                        r.an.push_back({owner_as, rec.type, rec.ttl, rec.rdata});
                                        cname = true;
                                        cur = target_of(rec.rdata);
                                }
                        }
                        if (!cname || !in_zone(cur))
                                break;
                }
                if (r.an.empty() && (r.flags & 0xf) == 0)
                        r.ns.push_back({origin_, 6, 300, soa()});
                return r;
        }

      private:
        static std::string target_of(const Bytes &w)
        {
                std::string s;
                size_t p = 0;
                while (p < w.size() && w[p]) {
                        if (!s.empty())
                                s += '.';
                        s.append((const char *)&w[p + 1], w[p]);
                        p += 1u + w[p];
                }
                return lower(s);
        }

        Bytes soa() const
        {
                for (const RR &r : recs_)
                        if (r.owner == origin_ && r.type == 6)
                                return r.rdata;
                return {};
        }

        bool has_node(const std::string &n) const
        {
                for (const RR &r : recs_)
                        if (r.owner == n)
                                return true;
                for (const auto &kv : rotating_)
                        if (kv.first.first == n)
                                return true;
                return false;
        }

        /* Empty non-terminal: some name lies below n. */
        bool has_below(const std::string &n) const
        {
                for (const RR &r : recs_)
                        if (r.owner.size() > n.size() + 1 &&
                            r.owner.compare(r.owner.size() - n.size() - 1, n.size() + 1, "." + n) ==
                                0)
                                return true;
                return false;
        }

        /* The node whose records answer for n: n itself, "" when n exists
         * only as an empty non-terminal, the covering wildcard, or "" for
         * NXDOMAIN (then has_below decides). Returns "" on no data. */
        std::string resolve_node(const std::string &n)
        {
                if (has_node(n))
                        return n;
                if (has_below(n))
                        return "\x01"
                               "ent"; /* exists, no records */
                /* closest encloser's wildcard (RFC 4592) */
                std::string up = n;
                while (up != origin_) {
                        size_t dot = up.find('.');
                        if (dot == std::string::npos)
                                break;
                        up = up.substr(dot + 1);
                        if (has_node(up) || has_below(up)) {
                                std::string w = "*." + up;
                                if (has_node(w))
                                        return w;
                                break;
                        }
                }
                return "";
        }

        std::vector<RR> records_at(const std::string &n)
        {
                std::vector<RR> out;
                for (const RR &r : recs_)
                        if (r.owner == n)
                                out.push_back(r);
                for (auto &kv : rotating_)
                        if (kv.first.first == n) {
                                unsigned &i = turn_[kv.first];
                                out.push_back(
                                    {n, kv.first.second, 60, kv.second[i++ % kv.second.size()]});
                        }
                return out;
        }

        std::string origin_;
        std::vector<RR> recs_;
        std::map<std::pair<std::string, uint16_t>, std::vector<Bytes>> rotating_;
        std::map<std::pair<std::string, uint16_t>, unsigned> turn_;
};

} // namespace dnstest

#endif
