/* The wordlist: making candidates from words, resumed names and lookups,
 * and moving pass by pass through the zones. */
#include "engine_int.h"

/* Builds word + zone into out; with words_names a word may hold several
 * dot-separated labels. Returns the wire length or a negative dg_err. */
static int word_name(const dg_engine_t *e, const char *w, size_t len, const uint8_t *zone,
                     uint8_t *out)
{
        if (!e->o.words_names || memchr(w, '.', len) == NULL) {
                if (dg_label_check(w, len) != DG_OK)
                        return DG_ENAME;
                return dg_name_prepend((const uint8_t *)w, len, zone, out);
        }
        uint8_t tmp[DG_NAME_WIRE_MAX];
        memcpy(tmp, zone, (size_t)dg_name_len(zone, DG_NAME_WIRE_MAX));
        int rc = DG_ENAME;
        size_t end = len;
        while (end > 0) { /* labels from the right */
                size_t start = end;
                while (start > 0 && w[start - 1] != '.')
                        start--;
                if (dg_label_check(w + start, end - start) != DG_OK)
                        return DG_ENAME;
                rc = dg_name_prepend((const uint8_t *)w + start, end - start, tmp, out);
                if (rc < 0)
                        return rc;
                memcpy(tmp, out, (size_t)rc);
                if (start == 0)
                        break;
                end = start - 1;
                if (end == 0)
                        return DG_ENAME; /* a leading dot */
        }
        return rc;
}

/* Reads the next valid word and makes it a candidate of the current zone.
 * Returns 1 if a candidate was made, 0 if none now, -1 at the end of the
 * pass. */
static int pull_word(dg_engine_t *e, zone_t *z, int zi)
{
        const char *w;
        size_t len;
        for (;;) {
                int rc = e->o.words(e->o.words_ud, &w, &len);
                if (rc < 0) {
                        eng_fail_fatal(
                            e, rc, g_strdup_printf("reading the wordlist: %s", dg_strerror(rc)));
                        return -1;
                }
                if (rc == 0)
                        return -1;
                e->words_in_pass++;
                bool first_pass = (zi == 0);
                if (first_pass)
                        e->st.words_read++;
                if (e->skip_words > 0) {
                        e->skip_words--;
                        continue;
                }
                /* trim blanks and CR, lowercase */
                while (len > 0 && (w[len - 1] == '\r' || w[len - 1] == ' ' || w[len - 1] == '\t'))
                        len--;
                while (len > 0 && (*w == ' ' || *w == '\t')) {
                        w++;
                        len--;
                }
                if (len == 0 || w[0] == '#')
                        continue; /* blank lines and comments are not words */
                uint8_t name[DG_NAME_WIRE_MAX];
                if (word_name(e, w, len, z->name, name) < 0) {
                        if (first_pass) {
                                e->st.invalid_words++;
                                if (e->st.invalid_words <= 5) {
                                        char shown[48];
                                        size_t k = len < 40 ? len : 40;
                                        memcpy(shown, w, k);
                                        shown[k] = 0;
                                        char *esc = g_strescape(shown, NULL);
                                        eng_logf(e, DG_LOG_WARN,
                                                 "wordlist line %llu skipped, not a valid label: "
                                                 "'%s%s'",
                                                 (unsigned long long)e->words_in_pass, esc,
                                                 len > 40 ? "..." : "");
                                        g_free(esc);
                                }
                        }
                        continue;
                }
                dg_name_lower(name);
                if (e->o.shard_n > 1 &&
                    dg_name_hash(name) % e->o.shard_n != (uint64_t)(e->o.shard_k - 1)) {
                        e->st.skipped_shard++;
                        continue;
                }
                cand_t *c = eng_cand_new(e, K_WORD);
                memcpy(c->name, name, (size_t)dg_name_len(name, DG_NAME_WIRE_MAX));
                memcpy(c->qtypes, e->types, e->ntypes * sizeof(uint16_t));
                c->ntypes = (uint8_t)e->ntypes;
                c->zone = zi;
                e->st.candidates++;
                eng_enqueue(e, c, false);
                return 1;
        }
}

/* Makes a candidate of a name left pending by an interrupted run, from the
 * first zone up to the current one whose wildcard answer is known. */
static bool pull_resumed(dg_engine_t *e)
{
        for (guint i = 0; i <= e->cur_zone && i < e->zones->len; i++) {
                zone_t *z = eng_zone_at(e, (int)i);
                if (z->state != Z_READY || z->resume.length == 0)
                        continue;
                char *rn = g_queue_pop_head(&z->resume);
                cand_t *c = eng_cand_new(e, K_WORD);
                dg_name_from_str(rn, strlen(rn), c->name);
                dg_name_lower(c->name);
                g_free(rn);
                memcpy(c->qtypes, e->types, e->ntypes * sizeof(uint16_t));
                c->ntypes = (uint8_t)e->ntypes;
                c->zone = (int32_t)i;
                e->st.candidates++;
                eng_enqueue(e, c, false);
                return true;
        }
        return false;
}

static bool room_for_candidates(const dg_engine_t *e)
{
        return e->nfree > eng_probe_reserve(e) && e->results.length < RESULTS_HIGH_WATER &&
               !e->stopped && !e->fatal;
}

/* Brings zones forward and tops up the ready queue with candidates. */
void eng_refill(dg_engine_t *e)
{
        if (!e->validated) {
                if (e->validate_pending == 0 && e->st.probes == 0)
                        eng_start_validation(e);
                return;
        }
        if (e->o.mode == DG_MODE_LOOKUP) {
                while (room_for_candidates(e) && e->ready.len < 64 && e->lookups.length) {
                        char *item = g_queue_pop_head(&e->lookups);
                        char *tab = strchr(item, '\t');
                        cand_t *c = eng_cand_new(e, K_LOOKUP);
                        c->qtypes[0] = (uint16_t)atoi(item);
                        c->ntypes = 1;
                        dg_name_from_str(tab + 1, strlen(tab + 1), c->name);
                        g_free(item);
                        e->st.candidates++;
                        eng_enqueue(e, c, false);
                }
                e->st.phase = "looking up";
                return;
        }
        eng_wildcard_pump(e); /* levels that waited for free slots */
        /* start wildcard probes of every zone not probed yet */
        for (guint i = 0; i < e->zones->len; i++) {
                zone_t *z = eng_zone_at(e, (int)i);
                if (z->state == Z_NEW && e->nfree > 2 * WILDCARD_PROBES)
                        eng_zone_start_probes(e, (int)i);
        }
        while (room_for_candidates(e) && e->ready.len < 256) {
                zone_t *z = eng_zone_at(e, (int)e->cur_zone);
                if (z == NULL)
                        break;
                if (z->state != Z_READY) {
                        e->st.phase = "wildcards";
                        break;
                }
                e->st.phase = "enumerating";
                if (pull_resumed(e))
                        continue;
                if (!e->words_done) {
                        if (pull_word(e, z, (int)e->cur_zone) == 1)
                                continue;
                        if (e->fatal)
                                return;
                        e->words_done = true;
                }
                /* the pass over this zone is complete: next zone */
                if (e->cur_zone + 1 >= e->zones->len)
                        break;
                e->cur_zone++;
                e->words_in_pass = 0;
                e->words_done = false;
                if (e->o.words_rewind == NULL || e->o.words_rewind(e->o.words_ud) != DG_OK) {
                        eng_fail_fatal(e, DG_EIO, g_strdup("cannot rewind the wordlist"));
                        return;
                }
        }
}
