/* Classifying the records of a DNS message in wire form (the Wireshark
 * plugin and `dnsglean pcap` see messages, not zone files). */
#include "classify_int.h"

#include <glib.h>
#include <string.h>

/* True when rr is the next hop of the answer's CNAME chain (owner cur);
 * cur then becomes its target. */
static bool follow_hop(const uint8_t *msg, size_t len, const dg_wire_rr_t *rr, uint8_t *cur)
{
        if (rr->section != DG_SEC_ANSWER || rr->type != DG_T_CNAME ||
            !dg_name_equal(rr->owner, cur))
                return false;
        size_t pos = rr->rdata_off;
        uint8_t next[DG_NAME_WIRE_MAX];
        if (dg_wire_read_name(msg, len, &pos, next) <= 0)
                return false;
        memcpy(cur, next, (size_t)dg_name_len(next, DG_NAME_WIRE_MAX));
        return true;
}

/* NXDOMAIN at the end of a chain that passes through a service where a
 * dangling name can be claimed: the summary names the candidate. */
static void note_takeover(dg_classify_msg_summary_t *summary, const dg_classify_res_t *res,
                          char *rdata)
{
        summary->takeover_candidate = true;
        size_t l = strlen(rdata);
        while (l > 1 && rdata[l - 1] == '.')
                rdata[--l] = '\0';
        g_strlcpy(summary->takeover_target, rdata, sizeof summary->takeover_target);
        summary->takeover_provider = res->takeover_provider;
}

int dg_classify_msg(const dg_fpdb_t *db, const uint8_t *msg, size_t len, unsigned secmask,
                    dg_classify_msg_fn fn, void *ud, dg_classify_msg_summary_t *summary)
{
        if (summary)
                memset(summary, 0, sizeof *summary);
        if (db == NULL || msg == NULL)
                return DG_EINVAL;
        dg_wire_msg_t m;
        if (dg_wire_parse(msg, len, &m) != DG_OK)
                return DG_EMALFORMED;
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, msg, len, &m);
        dg_wire_rr_t rr;
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        char owner[DG_NAME_STR_MAX];
        char rdata[8192];
        int classified = 0, rc = 0;
        bool stop = false;
        /* the CNAME chain of the answer, for the takeover check */
        uint8_t cur[DG_NAME_WIRE_MAX];
        memcpy(cur, m.qname, (size_t)dg_name_len(m.qname, DG_NAME_WIRE_MAX));
        while (!stop && (rc = dg_wire_iter_next(&it, &rr)) == 1) {
                if (!(secmask & (1u << rr.section)))
                        continue;
                if (summary)
                        summary->records++;
                /* follow the answer's CNAME chain from the question name */
                bool hop = follow_hop(msg, len, &rr, cur);
                if (dg_name_to_str(rr.owner, owner, sizeof owner) < 0)
                        continue;
                if (dg_wire_rdata_str(msg, len, &rr, rdata, sizeof rdata) < 0)
                        continue;
                if (dg_classify_rr(db, owner, rr.type, rdata, &res) <= 0)
                        continue;
                classified++;
                if (summary) {
                        summary->classified++;
                        if (hop && m.rcode == DG_RCODE_NXDOMAIN && res.takeover)
                                note_takeover(summary, &res, rdata);
                }
                if (fn && fn(ud, &rr, owner, rdata, &res) != 0)
                        stop = true;
        }
        dg_classify_res_clear(&res);
        if (!stop && rc < 0)
                return DG_EMALFORMED;
        return classified;
}
