/* Resolvers: scoring and dropping, pacing (pacing.c) and retry budgets,
 * resolver choice, per-resolver statistics; validation of the resolver list;
 * runtime canaries; the trusted resolvers' rechecks. */
#include "engine_int.h"

#include <math.h>

static void resolver_drop(dg_engine_t *e, size_t i, const char *why)
{
        res_t *r = &e->res[i];
        if (!r->live)
                return;
        r->live = false;
        g_free(r->why);
        r->why = g_strdup(why);
        if (r->trusted) {
                e->tlive--;
                e->st.trusted_live = e->tlive;
                eng_logf(e, DG_LOG_WARN, "trusted resolver %s dropped: %s (%u left)", r->addr.text,
                         why, e->tlive);
                return;
        }
        e->live--;
        e->st.resolvers_live = e->live;
        eng_logf(e, DG_LOG_WARN, "resolver %s dropped: %s (%u left)", r->addr.text, why, e->live);
}

/* Records one outcome for resolver i; failures score it down and may drop it.
 * A resolver is dropped only when it has failed DROP_CONSECUTIVE times in a
 * row and given no useful answer for DROP_SILENT_MS: a rate limiter that
 * drops or refuses the excess of a burst keeps answering what it sustains,
 * and is held under that rate by its pacing, not dropped. The last live
 * resolver is kept unless it lies: candidates then fail on their own retry
 * budget. */
void eng_resolver_score(dg_engine_t *e, size_t i, bool ok, const char *what, uint64_t now_ms)
{
        res_t *r = &e->res[i];
        if (ok) {
                r->consec_fail = 0;
                r->last_ok_ms = now_ms;
                return;
        }
        r->consec_fail++;
        if (!r->live || (r->trusted ? e->tlive : e->live) <= 1)
                return;
        if (r->consec_fail >= DROP_CONSECUTIVE && now_ms - r->last_ok_ms >= DROP_SILENT_MS) {
                char *why =
                    g_strdup_printf("%u failures in a row, no answer for %.1f s (last: %s)",
                                    r->consec_fail, (now_ms - r->last_ok_ms) / 1000.0, what);
                resolver_drop(e, i, why);
                g_free(why);
        }
}

/* May a query leave for resolver r now? Its pacing (pacing.h) decides,
 * under the user's --per-resolver cap. */
bool eng_can_send(dg_engine_t *e, res_t *r, uint64_t now_ms)
{
        (void)e;
        return dg_pace_wait(&r->pace, now_ms, r->inflight) == 0;
}

/* Picks a live resolver with room, preferring one other than avoid. Returns
 * the index or -1. */
int eng_pick_resolver(dg_engine_t *e, int avoid, uint64_t now_ms)
{
        int fallback = -1;
        for (size_t k = 0; k < e->nres; k++) {
                size_t i = (e->rr_next + k) % e->nres;
                res_t *r = &e->res[i];
                if (!r->live || r->trusted || r->validating || !eng_can_send(e, r, now_ms))
                        continue;
                if ((int)i == avoid && e->live > 1) {
                        fallback = (int)i;
                        continue;
                }
                e->rr_next = i + 1;
                return (int)i;
        }
        return fallback;
}

/* Milliseconds until some live resolver may send again (pacing tokens),
 * or -1 when every one waits for answers or timeouts. */
int64_t eng_pace_wait(dg_engine_t *e, uint64_t now_ms)
{
        int64_t best = -1;
        for (size_t i = 0; i < e->nres; i++) {
                res_t *r = &e->res[i];
                if (!r->live || (r->validating && e->validated))
                        continue; /* a straggler's probes go first, without waiting */
                int64_t w = dg_pace_wait(&r->pace, now_ms, r->inflight);
                if (w >= 0 && (best < 0 || w < best))
                        best = w;
                if (best == 0)
                        break;
        }
        return best;
}

/* The budget of a question: the configured retries, or with adaptive retries
 * (the default) enough tries that random loss fails a name less than once in
 * RETRIES_AUTO_ODDS (loss^tries < odds, so a run of a million names loses
 * none by chance), up to RETRIES_AUTO_MAX. */
static double resolver_loss(const res_t *r)
{
        double a = dg_pace_loss(&r->pace), b = dg_pace_loss_all(&r->pace);
        return a > b ? a : b;
}

/* The loss a try meets in the pool: the share of tries that timed out,
 * measured over spans of POOL_LOSS_EVERY timeouts (each span's share
 * averaged with the estimate before). Retries go from resolver to resolver,
 * so the one that just lost a name says little about the next try, and its
 * own estimate may not be measured yet (a black hole before it is dropped, a
 * resolver of a large pool that has answered a few dozen queries). */
static double pool_loss(dg_engine_t *e)
{
        if (e->st.timeouts < e->pool_loss_at + POOL_LOSS_EVERY)
                return e->pool_loss;
        uint64_t dq = e->st.queries - e->pool_loss_queries;
        double share = dq ? (double)(e->st.timeouts - e->pool_loss_at) / (double)dq : 1.0;
        if (share > 1.0)
                share = 1.0; /* timeouts of tries sent before the span */
        e->pool_loss = e->pool_loss_at == 0 ? share : (e->pool_loss + share) / 2;
        e->pool_loss_at = e->st.timeouts;
        e->pool_loss_queries = e->st.queries;
        return e->pool_loss;
}

unsigned eng_retry_budget(dg_engine_t *e, const res_t *r)
{
        unsigned budget = e->o.retries;
        if (e->o.fixed_retries || r == NULL)
                return budget;
        /* the resolver that lost it, or the pool's loss if larger; in a
         * small pool the lossiest live resolver (retries may all go there) */
        double loss = resolver_loss(r);
        double pl = pool_loss(e);
        if (pl > loss)
                loss = pl;
        for (size_t i = 0; e->nres <= 64 && i < e->nres; i++) {
                double l = resolver_loss(&e->res[i]);
                if (e->res[i].live && l > loss)
                        loss = l;
        }
        if (loss > RETRIES_AUTO_LOSS)
                loss = RETRIES_AUTO_LOSS; /* a limiter's drops, or a dying resolver */
        if (loss <= 0.001)
                return budget; /* no loss (a dead path counts as none: it is not lossy) */
        double need = ceil(log(RETRIES_AUTO_ODDS) / log(loss));
        if (need > RETRIES_AUTO_MAX)
                need = RETRIES_AUTO_MAX;
        return need > budget ? (unsigned)need : budget;
}

int dg_engine_resolver_stats(const dg_engine_t *e, size_t i, dg_resolver_stats_t *out)
{
        if (i >= e->nres)
                return DG_EINVAL;
        const res_t *r = &e->res[i];
        memset(out, 0, sizeof *out);
        out->addr = r->addr.text;
        out->state = !r->live          ? (r->rejected ? "rejected" : "dropped")
                     : r->validating   ? "validating"
                     : r->pace.limited ? "limited"
                     : r->trusted      ? "trusted"
                                       : "healthy";
        out->reason = !r->live          ? r->why
                      : r->validating   ? "has not answered validation yet (took no questions)"
                      : r->pace.limited ? "loses more when sent faster (rate limit)"
                                        : NULL;
        out->srtt_ms = r->pace.srtt;
        out->loss = dg_pace_loss(&r->pace);
        out->qps = dg_pace_qps(&r->pace);
        out->window = dg_pace_window(&r->pace);
        out->rto_ms = dg_pace_rto(&r->pace);
        out->inflight = r->inflight;
        out->sent = r->sent;
        out->answered = r->answered;
        out->timeouts = r->timeouts;
        out->errors = r->errors;
        out->limit_signals = r->pace.limit_signals;
        return DG_OK;
}

/* ---------------------------------------------------------------- validation */

/* Validates the next wave of resolvers: a long list is probed VALIDATE_WAVE
 * at a time, so memory stays bounded whatever its length. Returns the number
 * of resolvers in the wave. */
size_t eng_start_validation(dg_engine_t *e)
{
        size_t first = e->validate_next;
        size_t end = first + VALIDATE_WAVE < e->nres ? first + VALIDATE_WAVE : e->nres;
        e->validate_next = end;
        for (size_t i = first; i < end; i++) {
                res_t *r = &e->res[i];
                if (eng_probe_new(e, K_VALIDATE_SOA, e->domain, DG_T_SOA, (int)i, false))
                        r->vpending++;
                for (int k = 0; k < VALIDATE_NX_PROBES; k++)
                        if (eng_probe_new(e, K_VALIDATE_NX, e->domain, e->types[0], (int)i, false))
                                r->vpending++;
                e->validate_pending += r->vpending;
                r->validating = true;
        }
        return end - first;
}

/* How a resolver answered the random labels of validation. */
enum { NX_MIXED = 0, NX_ALWAYS = 1, NX_DATA = 2 };

static int nx_kind(const res_t *r)
{
        unsigned nx = 0, data = 0;
        for (int q = 0; q < VALIDATE_NX_PROBES; q++) {
                nx += r->nx_rcode[q] == DG_RCODE_NXDOMAIN;
                data += r->nx_rcode[q] == DG_RCODE_NOERROR;
        }
        return nx == VALIDATE_NX_PROBES ? NX_ALWAYS : data > 0 ? NX_DATA : NX_MIXED;
}

static bool soa_ok(const res_t *r, const char *best)
{
        return r->soa_rcode == DG_RCODE_NOERROR && best && r->soa_sig &&
               strcmp(r->soa_sig, best) == 0;
}

/* Do random names under the domain exist? An apex wildcard makes honest
 * resolvers answer them; a hijacking one answers them when the others say
 * NXDOMAIN. A majority vote fails when most of the pool hijacks, but the two
 * are not symmetric: an honest resolver never says NXDOMAIN for a name an
 * existing wildcard covers, hijackers only ever turn NXDOMAIN into data. So
 * one resolver that says NXDOMAIN to every random label outweighs any number
 * that answer them. The trusted resolvers decide when any passed the SOA
 * check. Ties and no answers at all go to NXDOMAIN. */
static bool expect_nxdomain(dg_engine_t *e, const char *best, bool warn)
{
        unsigned ok[2] = {0, 0}, always[2] = {0, 0}, data[2] = {0, 0};
        unsigned nxv[2] = {0, 0}, datav[2] = {0, 0};
        for (size_t i = 0; i < e->nres; i++) {
                res_t *r = &e->res[i];
                if (r->vpending > 0 || !soa_ok(r, best))
                        continue;
                int t = r->trusted ? 1 : 0, kind = nx_kind(r);
                ok[t]++;
                always[t] += kind == NX_ALWAYS;
                data[t] += kind == NX_DATA;
                for (int q = 0; q < VALIDATE_NX_PROBES; q++) {
                        nxv[t] += r->nx_rcode[q] == DG_RCODE_NXDOMAIN;
                        datav[t] += r->nx_rcode[q] == DG_RCODE_NOERROR;
                }
        }
        int d = ok[1] > 0 ? 1 : 0; /* who decides */
        bool expect_nx = always[d] > 0 || nxv[d] >= datav[d];
        if (warn && expect_nx && datav[0] > nxv[0] && data[0] > 0)
                eng_logf(e, DG_LOG_WARN,
                         "%u of %u resolvers answer random names that others say do not exist: "
                         "NXDOMAIN hijacking by a majority of the pool; trusting the %u that say "
                         "NXDOMAIN%s",
                         data[0], ok[0], always[0], d ? " (so do the trusted resolvers)" : "");
        return expect_nx;
}

/* The reference answers every resolver is judged against: the majority SOA
 * signature (among the trusted resolvers when any of them gave one) and
 * whether random names should be NXDOMAIN, from the resolvers whose probes
 * are all done. */
static void validation_reference(dg_engine_t *e, bool warn)
{
        GHashTable *soa_votes = g_hash_table_new(g_str_hash, g_str_equal);
        bool trusted_soa = false;
        for (size_t i = 0; i < e->nres; i++)
                trusted_soa |= e->res[i].trusted && e->res[i].vpending == 0 &&
                               e->res[i].soa_rcode == DG_RCODE_NOERROR && e->res[i].soa_sig &&
                               *e->res[i].soa_sig;
        for (size_t i = 0; i < e->nres; i++) {
                res_t *r = &e->res[i];
                if ((trusted_soa && !r->trusted) || r->vpending > 0)
                        continue;
                if (r->soa_rcode == DG_RCODE_NOERROR && r->soa_sig && *r->soa_sig) {
                        guint v = GPOINTER_TO_UINT(g_hash_table_lookup(soa_votes, r->soa_sig));
                        g_hash_table_insert(soa_votes, r->soa_sig, GUINT_TO_POINTER(v + 1));
                }
        }
        const char *best = NULL;
        guint best_v = 0;
        GHashTableIter hi;
        gpointer k, v;
        g_hash_table_iter_init(&hi, soa_votes);
        while (g_hash_table_iter_next(&hi, &k, &v)) {
                if (GPOINTER_TO_UINT(v) > best_v ||
                    (GPOINTER_TO_UINT(v) == best_v && best && strcmp(k, best) < 0)) {
                        best = k;
                        best_v = GPOINTER_TO_UINT(v);
                }
        }
        g_free(e->ref_soa);
        e->ref_soa = g_strdup(best);
        e->ref_trusted_soa = trusted_soa;
        e->ref_soa_votes = best_v;
        g_hash_table_destroy(soa_votes); /* best pointed into it */
        e->ref_expect_nx = expect_nxdomain(e, e->ref_soa, warn);
}

/* The reference cannot change with the resolvers still to come: the SOA
 * has a majority of the whole pool (or the trusted resolvers set it), and
 * random names are NXDOMAIN by the word of a trusted resolver or of one
 * that said NXDOMAIN to every one (which no number of others outweighs, see
 * expect_nxdomain). */
static bool validation_reference_final(const dg_engine_t *e)
{
        size_t npool = e->nres - e->ntrusted;
        if (!e->ref_expect_nx || (!e->ref_trusted_soa && e->ref_soa_votes * 2 <= npool))
                return false;
        for (size_t i = 0; i < e->nres; i++) {
                const res_t *r = &e->res[i];
                if (r->vpending == 0 && soa_ok(r, e->ref_soa) &&
                    (r->trusted || nx_kind(r) == NX_ALWAYS))
                        return true;
        }
        return false;
}

/* Why resolver r fails validation against the reference, or NULL. */
static const char *validation_why(const dg_engine_t *e, const res_t *r)
{
        const char *best = e->ref_soa;
        if (r->soa_rcode < 0)
                return "no answer to validation queries";
        if (r->soa_rcode != DG_RCODE_NOERROR)
                return r->soa_rcode == DG_RCODE_REFUSED    ? "refuses queries for the domain"
                       : r->soa_rcode == DG_RCODE_NXDOMAIN ? "says the domain does not exist"
                                                           : "fails the SOA query";
        if (!soa_ok(r, best))
                return !e->ref_trusted_soa ? "gives a different SOA than the other resolvers"
                       : r->trusted ? "gives a different SOA than the other trusted resolvers"
                                    : "gives a different SOA than the trusted resolvers";
        /* on a lossy path some probes go unanswered: one answer is enough,
         * and every answer must be right */
        int answered = 0;
        for (int q = 0; q < VALIDATE_NX_PROBES; q++)
                answered += r->nx_rcode[q] >= 0;
        if (answered == 0)
                return "does not answer random names";
        for (int q = 0; q < VALIDATE_NX_PROBES; q++) {
                if (r->nx_rcode[q] < 0)
                        continue;
                if (e->ref_expect_nx && r->nx_rcode[q] == DG_RCODE_NOERROR)
                        return "answers random names that do not exist (NXDOMAIN hijacking)";
                if (e->ref_expect_nx && r->nx_rcode[q] != DG_RCODE_NXDOMAIN)
                        return "fails queries for random names";
        }
        return NULL;
}

/* Judges resolver i (its probes all done) against the reference: it joins
 * the pool, or is rejected. Returns true when rejected. */
static bool validation_judge(dg_engine_t *e, size_t i, unsigned *rejected)
{
        res_t *r = &e->res[i];
        r->validating = false;
        const char *why = validation_why(e, r);
        if (why == NULL || !r->live)
                return false;
        r->live = false;
        r->rejected = true;
        g_free(r->why);
        r->why = g_strdup(why);
        if (r->trusted) {
                e->tlive--;
                eng_logf(e, DG_LOG_WARN, "trusted resolver %s rejected: %s", r->addr.text, why);
        } else {
                e->live--;
                if (++*rejected <= REJECT_LINES)
                        eng_logf(e, DG_LOG_WARN, "resolver %s rejected: %s", r->addr.text, why);
        }
        e->st.resolvers_live = e->live;
        e->st.trusted_live = e->tlive;
        return true;
}

/* Ends validation once every probe is done, or early (a quorum is done):
 * the resolvers still waiting for answers (dead, black holes, far away)
 * are judged against the same reference when theirs come, and take work
 * only then. An early end is not taken when none of those done passed. */
static bool finish_validation(dg_engine_t *e, bool early)
{
        validation_reference(e, false);
        if (early && !validation_reference_final(e))
                return false;
        validation_reference(e, true); /* once more, to say what it found */
        if (early) {
                unsigned pass = 0;
                bool tpass = e->ntrusted == 0;
                for (size_t i = 0; i < e->nres; i++) {
                        const res_t *r = &e->res[i];
                        if (r->vpending == 0 && r->live && validation_why(e, r) == NULL) {
                                pass += !r->trusted;
                                tpass |= r->trusted;
                        }
                }
                if (pass == 0 || !tpass)
                        return false;
        }
        unsigned rejected = 0;
        const res_t *trusted_first = NULL;
        const char *trusted_why = NULL;
        for (size_t i = 0; i < e->nres; i++) {
                res_t *r = &e->res[i];
                if (r->vpending > 0)
                        continue;
                if (validation_judge(e, i, &rejected) && r->trusted && trusted_why == NULL) {
                        trusted_why = r->why;
                        trusted_first = r;
                }
        }
        if (rejected > REJECT_LINES)
                eng_logf(e, DG_LOG_WARN, "... and %u more resolvers rejected (%u rejected in all)",
                         rejected - REJECT_LINES, rejected);
        e->st.resolvers_live = e->live;
        e->st.trusted_live = e->tlive;
        e->validated = true;
        size_t npool = e->nres - e->ntrusted;
        unsigned nx_soa = 0, refused = 0;
        for (size_t i = 0; i < npool; i++) {
                nx_soa += e->res[i].soa_rcode == DG_RCODE_NXDOMAIN;
                refused += e->res[i].soa_rcode == DG_RCODE_REFUSED;
        }
        if (e->live == 0 && nx_soa * 2 > npool) {
                eng_fail_fatal(e, DG_ENOTFOUND,
                               g_strdup_printf("%s does not exist (NXDOMAIN from %u of %zu "
                                               "resolvers)",
                                               e->domain_str, nx_soa, npool));
                return true;
        }
        if (e->live == 0 && refused * 2 > npool) {
                eng_fail_fatal(e, DG_EREFUSED,
                               g_strdup_printf("the resolvers refuse queries for %s (%u of %zu): "
                                               "not their zone, or recursion not offered",
                                               e->domain_str, refused, npool));
                return true;
        }
        if (e->live == 0) {
                eng_fail_fatal(e, DG_ENORESOLVER,
                               g_strdup_printf("no resolver passed validation for %s (each must "
                                               "answer its SOA and NXDOMAIN for random names)",
                                               e->domain_str));
                return true;
        }
        if (e->ntrusted > 0 && e->tlive == 0) {
                eng_fail_fatal(e, DG_ENORESOLVER,
                               g_strdup_printf("no trusted resolver passed validation for %s (%s "
                                               "%s%s)",
                                               e->domain_str, trusted_first->addr.text, trusted_why,
                                               e->ntrusted > 1 ? ", and the others too" : ""));
                return true;
        }
        unsigned waiting = 0;
        for (size_t i = 0; i < e->nres; i++)
                waiting += e->res[i].validating && !e->res[i].trusted;
        if (waiting > 0)
                eng_logf(e, DG_LOG_INFO,
                         "%u of %zu resolvers passed validation; %u more are judged when their "
                         "answers come",
                         e->live - waiting, e->nres - e->ntrusted, waiting);
        else if (e->ntrusted > 0)
                eng_logf(e, DG_LOG_INFO,
                         "%u of %zu resolvers and %u of %zu trusted resolvers passed validation",
                         e->live, npool, e->tlive, e->ntrusted);
        else
                eng_logf(e, DG_LOG_INFO, "%u of %zu resolvers passed validation", e->live, npool);
        return true;
}

/* Enough of the pool is done to judge it: every trusted resolver and a
 * majority of the others (at least three). Two thirds were too many in a
 * lossy pool: a resolver that lost one of its probes waits for its first
 * timeout, and a third of a pool whose paths lose a few percent can have
 * lost one (the reference must still be final, see
 * validation_reference_final). */
static bool validation_quorum(const dg_engine_t *e)
{
        size_t done = 0, npool = 0;
        for (size_t i = 0; i < e->nres; i++) {
                const res_t *r = &e->res[i];
                if (r->trusted) {
                        if (r->vpending > 0)
                                return false;
                        continue;
                }
                npool++;
                done += r->vpending == 0;
        }
        return npool >= VALIDATE_QUORUM_MIN && done * 2 > npool;
}

/* A validation probe's question has its final answer (or none: rcode < 0). */
void eng_validation_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p)
{
        res_t *r = c->fixed_resolver >= 0 ? &e->res[c->fixed_resolver] : NULL;
        switch (c->kind) {
        case K_VALIDATE_SOA:
                r->soa_rcode = rcode;
                const char *soa = NULL;
                if (rcode == DG_RCODE_NOERROR && p && p->data && p->data->len)
                        soa = g_ptr_array_index(p->data, 0);
                else if (rcode == DG_RCODE_NOERROR && p && p->auth_soa)
                        soa = p->auth_soa;
                if (soa) {
                        /* mname and rname identify the zone; the serial may
                         * move during the run */
                        char **f = g_strsplit(soa, " ", 3);
                        if (f[0] && f[1]) {
                                char *sig = g_strdup_printf("%s %s", f[0], f[1]);
                                r->soa_sig = g_ascii_strdown(sig, -1);
                                g_free(sig);
                        }
                        g_strfreev(f);
                        if (r->soa_sig == NULL)
                                r->soa_sig = g_strdup("?");
                } else if (rcode == DG_RCODE_NOERROR) {
                        r->soa_rcode = 1000; /* NOERROR without the SOA */
                }
                e->validate_pending--;
                break;
        case K_VALIDATE_NX:
                if (r->nx_done < VALIDATE_NX_PROBES) {
                        r->nx_rcode[r->nx_done] = rcode;
                        r->nx_sig[r->nx_done] = p ? eng_sig_join(p->sig) : NULL;
                        r->nx_done++;
                }
                e->validate_pending--;
                break;
        default:
                break;
        }
        if (r == NULL || (c->kind != K_VALIDATE_SOA && c->kind != K_VALIDATE_NX))
                return;
        if (r->vpending > 0 && --r->vpending == 0 && e->validated && r->validating) {
                /* a straggler of an early end: judged as the others were */
                unsigned rejected = 0;
                if (!validation_judge(e, (size_t)c->fixed_resolver, &rejected))
                        eng_logf(e, DG_LOG_INFO, "resolver %s passed validation (late)",
                                 r->addr.text);
                return;
        }
        if (e->validated)
                return;
        if (e->validate_pending == 0) {
                if (e->validate_next < e->nres)
                        eng_start_validation(e);
                else
                        finish_validation(e, false);
        }
}

int64_t eng_validation_tick(dg_engine_t *e, uint64_t now_ms)
{
        if (e->validated || e->fatal || e->validate_next < e->nres || e->validate_pending == 0)
                return -1;
        if (e->vstart_ms == 0)
                e->vstart_ms = now_ms;
        if (e->vquorum_ms == 0) {
                if (!validation_quorum(e))
                        return -1; /* an answer changes that, not the time */
                e->vquorum_ms = now_ms;
        }
        /* the stragglers get as long again as the quorum took */
        uint64_t grace = e->vquorum_ms - e->vstart_ms;
        if (grace < VALIDATE_GRACE_MIN_MS)
                grace = VALIDATE_GRACE_MIN_MS;
        uint64_t due = e->vquorum_ms + grace;
        if (now_ms < due)
                return (int64_t)(due - now_ms);
        if (now_ms < e->vcheck_ms + VALIDATE_GRACE_MIN_MS)
                return (int64_t)(e->vcheck_ms + VALIDATE_GRACE_MIN_MS - now_ms);
        e->vcheck_ms = now_ms;
        if (finish_validation(e, true))
                return -1;
        return VALIDATE_GRACE_MIN_MS; /* not yet final: look again */
}

/* A canary's question has its final answer (or none: rcode < 0). */
void eng_canary_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p)
{
        res_t *r = c->fixed_resolver >= 0 ? &e->res[c->fixed_resolver] : NULL;
        if (rcode == DG_RCODE_NOERROR && p && p->sig && p->sig->len > 0) {
                /* canaries are only sent under a domain without a
                 * wildcard: any data is invented */
                if (r)
                        resolver_drop(e, (size_t)c->fixed_resolver,
                                      "answered a random name that does not exist");
        }
}

/* ---------------------------------------------------------------- trusted */

/* With opts.trusted, a name the pool says exists is asked again of a trusted
 * resolver before it is reported. Rechecks wait in e->tq and move to the
 * ready queue, bound to a trusted resolver, as the trusted token bucket
 * allows (eng_trusted_release, called before each send). */

/* c asks its existence question of a trusted resolver next. */
void eng_trusted_enqueue(dg_engine_t *e, cand_t *c)
{
        c->fixed_resolver = -1;
        c->transport = DG_TRANSPORT_UDP;
        g_queue_push_tail(&e->tq, c);
}

static void trusted_refill(dg_engine_t *e, uint64_t now_ms)
{
        double qps = e->o.trusted_qps;
        if (!e->tstarted) {
                e->tstarted = true;
                e->ttokens_ms = now_ms;
                e->ttokens = 1;
                return;
        }
        if (now_ms > e->ttokens_ms) {
                e->ttokens += (double)(now_ms - e->ttokens_ms) * qps / 1000.0;
                double burst = qps / 20.0 < 1 ? 1 : qps / 20.0;
                if (e->ttokens > burst)
                        e->ttokens = burst;
                e->ttokens_ms = now_ms;
        }
}

void eng_trusted_release(dg_engine_t *e, uint64_t now_ms)
{
        if (e->tq.length == 0)
                return;
        cand_t *c;
        if (e->tlive == 0) {
                /* fail closed: nothing unchecked is reported */
                while ((c = g_queue_pop_head(&e->tq)) != NULL) {
                        c->reason = "trusted resolvers did not answer";
                        c->rcode = c->last_rcode;
                        eng_result_emit(e, c, DG_STATUS_FAILED);
                        eng_cand_release(e, c);
                }
                return;
        }
        bool limited = e->o.trusted_qps > 0;
        if (limited)
                trusted_refill(e, now_ms);
        /* room: what the trusted resolvers' windows still take */
        size_t first = e->nres - e->ntrusted;
        unsigned room = 0;
        for (size_t i = first; i < e->nres; i++) {
                res_t *r = &e->res[i];
                unsigned w = dg_pace_window(&r->pace);
                if (r->live && r->inflight < w)
                        room += w - r->inflight;
        }
        while (room > 0 && e->tq.length > 0 && (!limited || e->ttokens >= 1)) {
                size_t ri = 0;
                bool found = false;
                for (size_t k = 0; k < e->ntrusted && !found; k++) {
                        ri = first + (e->trr_next + k) % e->ntrusted;
                        res_t *r = &e->res[ri];
                        found = r->live && r->inflight < dg_pace_window(&r->pace);
                }
                if (!found)
                        break;
                e->trr_next = ri - first + 1;
                c = g_queue_pop_head(&e->tq);
                c->fixed_resolver = (int32_t)ri;
                eng_enqueue(e, c, true);
                room--;
                if (limited)
                        e->ttokens -= 1;
        }
}

/* Milliseconds until a waiting recheck may be sent; -1 if none waits. */
int64_t eng_trusted_wait(dg_engine_t *e, uint64_t now_ms)
{
        if (e->tq.length == 0)
                return -1;
        if (e->tlive == 0 || e->o.trusted_qps <= 0 || !e->tstarted)
                return 0;
        double t = e->ttokens;
        if (now_ms > e->ttokens_ms)
                t += (double)(now_ms - e->ttokens_ms) * e->o.trusted_qps / 1000.0;
        if (t >= 1)
                return 0;
        return (int64_t)((1 - t) * 1000.0 / e->o.trusted_qps) + 1;
}
