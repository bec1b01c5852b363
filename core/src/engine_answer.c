/* Answers: parsing a response for its question, and moving a candidate on
 * after an answer or a failure. */
#include "engine_int.h"

static void answer_free(dg_answer_t *a)
{
        if (a == NULL)
                return;
        for (size_t i = 0; i < a->ndata; i++)
                g_free(a->data[i]);
        g_free(a->data);
        for (size_t i = 0; i < a->ncname; i++)
                g_free(a->cname[i]);
        g_free(a->cname);
        g_free(a);
}

void eng_parsed_clear(parsed_t *p)
{
        if (p->data)
                g_ptr_array_free(p->data, TRUE);
        if (p->cname)
                g_ptr_array_free(p->cname, TRUE);
        if (p->sig)
                g_ptr_array_free(p->sig, TRUE);
        g_free(p->auth_soa);
        memset(p, 0, sizeof *p);
}

int eng_parse_answer(dg_engine_t *e, const uint8_t *msg, size_t len, const dg_wire_msg_t *m,
                     uint16_t qtype, parsed_t *p)
{
        memset(p, 0, sizeof *p);
        p->rcode = m->rcode;
        p->tc = (m->flags & DG_FLAG_TC) != 0;
        if (m->ancount == 0 && qtype == DG_T_SOA && m->rcode == DG_RCODE_NOERROR) {
                /* a name below a zone apex: the zone's SOA in the authority
                 * section still identifies the zone */
                dg_wire_iter_t it;
                dg_wire_rr_t rr;
                dg_wire_iter_init(&it, msg, len, m);
                while (dg_wire_iter_next(&it, &rr) == 1 && rr.section == DG_SEC_AUTHORITY) {
                        if (rr.type == DG_T_SOA &&
                            dg_wire_rdata_str(msg, len, &rr, e->rdbuf, sizeof e->rdbuf) >= 0) {
                                p->auth_soa = g_strdup(e->rdbuf);
                                break;
                        }
                }
        }
        if (m->ancount == 0)
                return DG_OK;
        p->data = g_ptr_array_new_with_free_func(g_free);
        p->cname = g_ptr_array_new_with_free_func(g_free);
        p->sig = g_ptr_array_new_with_free_func(g_free);
        p->ttl = UINT32_MAX;

        /* The chain is followed by owner name: qname, then each CNAME target
         * in turn. Records are read once into a small array first. */
        /* a record takes at least 11 octets: a lying count cannot make us
         * allocate more than the message can hold */
        size_t maxrr = m->ancount < len / 11 ? m->ancount : len / 11;
        dg_wire_rr_t *rrs = g_new(dg_wire_rr_t, maxrr ? maxrr : 1);
        size_t nrr = 0;
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, msg, len, m);
        dg_wire_rr_t rr;
        int rc;
        while ((rc = dg_wire_iter_next(&it, &rr)) == 1 && rr.section == DG_SEC_ANSWER) {
                if (nrr < maxrr)
                        rrs[nrr++] = rr;
        }
        if (rc < 0) {
                g_free(rrs);
                eng_parsed_clear(p);
                return DG_EMALFORMED;
        }
        for (size_t i = 0; i < nrr; i++) {
                int n = dg_wire_rdata_str(msg, len, &rrs[i], e->rdbuf, sizeof e->rdbuf);
                if (n < 0)
                        continue;
                g_ptr_array_add(p->sig,
                                g_strdup_printf("%s %s", dg_rrtype_str(rrs[i].type), e->rdbuf));
        }
        uint8_t cur[DG_NAME_WIRE_MAX];
        memcpy(cur, m->qname, (size_t)dg_name_len(m->qname, DG_NAME_WIRE_MAX));
        for (int hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
                bool moved = false;
                for (size_t i = 0; i < nrr; i++) {
                        if (!dg_name_equal(rrs[i].owner, cur))
                                continue;
                        if (rrs[i].type == qtype) {
                                int n =
                                    dg_wire_rdata_str(msg, len, &rrs[i], e->rdbuf, sizeof e->rdbuf);
                                if (n >= 0) {
                                        g_ptr_array_add(p->data, g_strdup(e->rdbuf));
                                        if (rrs[i].ttl < p->ttl)
                                                p->ttl = rrs[i].ttl;
                                }
                        } else if (rrs[i].type == DG_T_CNAME && qtype != DG_T_CNAME && !moved) {
                                size_t pos = rrs[i].rdata_off;
                                uint8_t next[DG_NAME_WIRE_MAX];
                                if (dg_wire_read_name(msg, len, &pos, next) < 0)
                                        continue;
                                g_ptr_array_add(p->cname, eng_name_text(next, true));
                                if (rrs[i].ttl < p->ttl)
                                        p->ttl = rrs[i].ttl;
                                memcpy(cur, next, (size_t)dg_name_len(next, DG_NAME_WIRE_MAX));
                                moved = true;
                        }
                }
                if (!moved || p->data->len > 0)
                        break;
        }
        if (p->ttl == UINT32_MAX)
                p->ttl = 0;
        g_free(rrs);
        return DG_OK;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The answer records as one sorted text, for comparing answers. */
char *eng_sig_join(GPtrArray *sig)
{
        if (sig == NULL || sig->len == 0)
                return g_strdup("");
        GPtrArray *sorted = g_ptr_array_sized_new(sig->len);
        for (guint i = 0; i < sig->len; i++)
                g_ptr_array_add(sorted, g_ptr_array_index(sig, i));
        g_ptr_array_sort(sorted, cmp_str);
        GString *s = g_string_new(NULL);
        for (guint i = 0; i < sorted->len; i++) {
                g_string_append(s, g_ptr_array_index(sorted, i));
                g_string_append_c(s, '\n');
        }
        g_ptr_array_free(sorted, TRUE);
        return g_string_free(s, FALSE);
}

/* Two resolvers disagree on whether c exists (the confirming one says
 * NXDOMAIN). Both get a canary now, so a liar is found and dropped soon; c is
 * asked afresh later, and fails once its budget is spent. */
static void resolvers_disagree(dg_engine_t *e, cand_t *c)
{
        e->st.retries++;
        size_t who[2] = {c->first_res, c->resolver};
        for (int k = 0; k < 2; k++)
                if (e->res[who[k]].live && e->nfree > eng_probe_reserve(e) / 2)
                        eng_probe_new(e, K_CANARY, e->domain, e->types[0], (int)who[k], false);
        c->confirming = false;
        c->exists = false;
        c->tries_this = 0;
        if (c->tries_total >= 2u * (e->o.retries + 1)) {
                c->reason = "resolvers disagree";
                eng_result_emit(e, c, DG_STATUS_FAILED);
                eng_cand_release(e, c);
                return;
        }
        eng_enqueue(e, c, false); /* behind the canaries */
}

const char eng_reason_trusted_nx[] = "a trusted resolver said NXDOMAIN";

/* A trusted resolver says NXDOMAIN for a name the pool said exists: not a
 * finding. The pool resolver is not dropped for it (a name can also vanish
 * between two queries); canaries and validation deal with broad liars. */
static void trusted_rejects(dg_engine_t *e, cand_t *c)
{
        e->st.rejected_by_trusted++;
        c->reason = eng_reason_trusted_nx; /* the pool said it exists */
        if (e->o.log) {
                char *n = eng_name_text(c->name, false);
                eng_logf(e, DG_LOG_DEBUG, "%s: exists for %s, NXDOMAIN at trusted %s", n,
                         e->res[c->first_res].addr.text, e->res[c->resolver].addr.text);
                g_free(n);
        }
        eng_result_emit(e, c, DG_STATUS_NXDOMAIN);
        eng_cand_release(e, c);
}

/* Moves a candidate on after its current question was answered with p. */
void eng_cand_answered(dg_engine_t *e, cand_t *c, parsed_t *p)
{
        uint16_t qtype = c->qtypes[c->tidx];
        zone_t *z = eng_zone_at(e, c->zone);
        if (c->tidx == 0) {
                c->rcode = p->rcode;
                if (p->rcode == DG_RCODE_NXDOMAIN && c->confirming) {
                        if (e->ntrusted > 0)
                                trusted_rejects(e, c);
                        else
                                resolvers_disagree(e, c);
                        return;
                }
                if (p->rcode == DG_RCODE_NXDOMAIN) {
                        eng_result_emit(e, c, DG_STATUS_NXDOMAIN);
                        eng_cand_release(e, c);
                        return;
                }
                c->exists = true;
                if (eng_wildcard_check(e, c, z, p))
                        return; /* waits for the zone's wildcard answer */
                if (c->kind == K_WORD && !c->wildcard && !c->confirmed) {
                        if (c->confirming) {
                                c->confirming = false;
                                c->confirmed = true;
                                c->fixed_resolver = -1; /* a trusted one's job is done */
                        } else if (e->ntrusted > 0) {
                                /* --trusted: a trusted resolver is the
                                 * second opinion, under its own rate */
                                c->confirming = true;
                                c->first_res = c->resolver;
                                c->tries_this = 0;
                                c->exists = false;
                                eng_trusted_enqueue(e, c);
                                return;
                        } else if (e->live > 1) {
                                /* A name exists only if a second resolver
                                 * agrees: one that starts hijacking NXDOMAIN
                                 * mid-run (its canary is up to CANARY_EVERY
                                 * queries away) cannot invent findings. Costs
                                 * one query per name that exists. */
                                c->confirming = true;
                                c->first_res = c->resolver;
                                c->tries_this = 0;
                                c->exists = false;
                                eng_enqueue(e, c, true);
                                return;
                        }
                }
        }
        if ((p->data && p->data->len) || (p->cname && p->cname->len)) {
                dg_answer_t *a = g_new0(dg_answer_t, 1);
                a->type = qtype;
                a->rcode = p->rcode;
                a->ttl = p->ttl;
                a->ndata = p->data->len;
                a->data = (char **)g_ptr_array_free(p->data, FALSE);
                p->data = NULL;
                a->ncname = p->cname->len;
                a->cname = (char **)g_ptr_array_free(p->cname, FALSE);
                p->cname = NULL;
                if (c->answers == NULL)
                        c->answers = g_ptr_array_new_with_free_func((GDestroyNotify)answer_free);
                g_ptr_array_add(c->answers, a);
        }
        if (c->wildcard) {
                eng_result_emit(e, c, DG_STATUS_WILDCARD);
                eng_cand_release(e, c);
                return;
        }
        if (c->tidx + 1 < c->ntypes) {
                c->tidx++;
                c->tries_this = 0;
                c->transport = DG_TRANSPORT_UDP;
                eng_enqueue(e, c, true);
                return;
        }
        eng_result_emit(e, c, c->answers && c->answers->len ? DG_STATUS_FOUND : DG_STATUS_NODATA);
        eng_cand_release(e, c);
}

/* The current question failed (timeout or an error rcode): retry or give up. */
void eng_cand_failed(dg_engine_t *e, cand_t *c, const char *reason, int rcode)
{
        c->reason = reason;
        if (rcode >= 0)
                c->last_rcode = (uint8_t)rcode;
        bool probe = c->kind != K_WORD && c->kind != K_LOOKUP;
        unsigned budget =
            probe && c->fixed_resolver >= 0
                ? (e->res[c->fixed_resolver].answered > 0 ? PROBE_RETRIES_ALIVE : PROBE_RETRIES)
                : eng_retry_budget(e, &e->res[c->resolver]);
        bool can_retry = c->tries_this <= budget && !e->stopped;
        /* adaptive retries: a burst of loss (a limiter overrun, a queue
         * overflowing, a server or relay stalled for a second or two) must
         * not fail a name before the loss estimates catch up: keep trying
         * for RETRY_MIN_SPAN_MS since the first try too; after timeouts
         * however many tries a short path's timeout of 25 ms fits in it
         * (each took that long, and the pacing holds the rate), after
         * error answers (which may come at once) up to RETRIES_AUTO_MAX */
        bool timed_out = strcmp(reason, "timeout") == 0;
        if (!can_retry && !probe && !e->o.fixed_retries && !e->stopped &&
            (timed_out || c->tries_this <= RETRIES_AUTO_MAX) &&
            c->sent_ms - c->first_ms < RETRY_MIN_SPAN_MS)
                can_retry = true;
        if (c->kind == K_CANARY && !e->res[c->fixed_resolver].live)
                can_retry = false;
        if (can_retry) {
                e->st.retries++;
                c->transport = DG_TRANSPORT_UDP;
                if (c->confirming && e->ntrusted > 0)
                        eng_trusted_enqueue(e, c); /* again under the trusted rate */
                else
                        eng_enqueue(e, c, true);
                return;
        }
        if (c->confirming && e->ntrusted > 0) {
                /* unchecked names are not reported */
                c->reason = "trusted resolvers did not answer";
                c->rcode = c->last_rcode;
                eng_result_emit(e, c, DG_STATUS_FAILED);
                eng_cand_release(e, c);
                return;
        }
        if (c->confirming) {
                /* no second opinion to be had (not a disagreement): ask
                 * again anywhere and take that answer */
                c->confirming = false;
                c->confirmed = true;
                c->tries_this = 0;
                c->transport = DG_TRANSPORT_UDP;
                eng_enqueue(e, c, true);
                return;
        }
        if (probe) {
                eng_probe_done(e, c, -1, NULL);
                eng_cand_release(e, c);
                return;
        }
        if (c->tidx == 0) {
                c->rcode = c->last_rcode;
                eng_result_emit(e, c, DG_STATUS_FAILED);
        } else {
                /* the name exists; a further type could not be had */
                if (c->tidx + 1 < c->ntypes) {
                        c->tidx++;
                        c->tries_this = 0;
                        eng_enqueue(e, c, true);
                        return;
                }
                eng_result_emit(e, c,
                                c->answers && c->answers->len ? DG_STATUS_FOUND : DG_STATUS_NODATA);
        }
        eng_cand_release(e, c);
}
