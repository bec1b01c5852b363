/* ldns helpers shared by the unit tests that build their DNS messages with
 * ldns (the other tests use dnstest.h's own builder). */
#ifndef DG_TEST_LDNSTEST_H
#define DG_TEST_LDNSTEST_H

#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>

#include <vector>

// The wire form of p; p is freed. A failing ldns_pkt2wire is a test failure
// (the result is then empty).
inline std::vector<uint8_t> wire_and_free(ldns_pkt *p)
{
        uint8_t *wire = nullptr;
        size_t len = 0;
        EXPECT_EQ(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
        std::vector<uint8_t> v(wire, wire + len);
        free(wire);
        ldns_pkt_free(p);
        return v;
}

#endif
