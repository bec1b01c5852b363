/* Checkpoints: saving a run's progress and resuming from it. */
#include "engine_int.h"

static char *run_fingerprint(const dg_engine_t *e)
{
        GString *s = g_string_new(NULL);
        g_string_append_printf(s, "%s mode=%d rec=%u shard=%u/%u types=", e->domain_str, e->o.mode,
                               e->o.recursive, e->o.shard_k, e->o.shard_n);
        for (size_t i = 0; i < e->ntypes; i++)
                g_string_append_printf(s, "%s%u", i ? "," : "", e->types[i]);
        return g_string_free(s, FALSE);
}

char *dg_engine_checkpoint(const dg_engine_t *e)
{
        GString *s = g_string_new("dnsglean-state 1\n");
        char *fp = run_fingerprint(e);
        g_string_append_printf(s, "run %s\n", fp);
        g_free(fp);
        g_string_append_printf(s, "cur %u %llu %d\n", e->cur_zone,
                               (unsigned long long)e->words_in_pass, e->words_done ? 1 : 0);
        for (guint i = 0; i < e->zones->len; i++) {
                zone_t *z = eng_zone_at((dg_engine_t *)e, (int)i);
                char *zn = eng_name_text(z->name, false);
                g_string_append_printf(s, "zone %u %s\n", z->depth, zn);
                g_free(zn);
        }
        /* candidates taken but whose results were not handed out: every
         * live slot of kind WORD, plus results still queued */
        uint64_t pending = 0;
        bool *is_free = g_new0(bool, e->pool_size);
        for (uint32_t i = 0; i < e->nfree; i++)
                is_free[e->free_slots[i]] = true;
        for (uint32_t i = 0; i < e->pool_size; i++) {
                const cand_t *c = &e->pool[i];
                if (is_free[i] || c->kind != K_WORD)
                        continue;
                char *cn = eng_name_text(c->name, false);
                g_string_append_printf(s, "pending %d %s\n", c->zone, cn);
                g_free(cn);
                pending++;
        }
        g_free(is_free);
        dg_stats_t st = e->st;
        for (GList *l = e->results.head; l; l = l->next) {
                dg_result_t *r = l->data;
                /* not handed out yet: redo on resume; undo its count */
                int zi = -1;
                for (guint i = 0; i < e->zones->len; i++) {
                        zone_t *z = eng_zone_at((dg_engine_t *)e, (int)i);
                        uint8_t w[DG_NAME_WIRE_MAX];
                        if (dg_name_from_str(r->name, strlen(r->name), w) > 0 &&
                            dg_name_labels(w) == dg_name_labels(z->name) + 1 &&
                            dg_name_is_under(w, z->name)) {
                                zi = (int)i;
                                break;
                        }
                }
                g_string_append_printf(s, "pending %d %s\n", zi, r->name);
                st.status[r->status]--;
                pending++;
        }
        g_string_append_printf(
            s,
            "stats %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
            "%llu\n",
            (unsigned long long)st.words_read, (unsigned long long)st.invalid_words,
            (unsigned long long)st.skipped_shard, (unsigned long long)(st.candidates - pending),
            (unsigned long long)st.status[0], (unsigned long long)st.status[1],
            (unsigned long long)st.status[2], (unsigned long long)st.status[3],
            (unsigned long long)st.status[4], (unsigned long long)st.queries,
            (unsigned long long)st.retries, (unsigned long long)st.timeouts);
        g_string_append(s, "end\n");
        return g_string_free(s, FALSE);
}

int dg_engine_restore(dg_engine_t *e, const char *state)
{
        if (e->st.queries > 0 || e->o.mode != DG_MODE_BRUTE)
                return DG_ESTATE;
        char **lines = g_strsplit(state, "\n", -1);
        int rc = DG_OK;
        bool ended = false, run_ok = false;
        unsigned cur = 0;
        unsigned long long wip = 0;
        int wdone = 0;
        GPtrArray *pend = g_ptr_array_new_with_free_func(g_free);
        GArray *pend_zone = g_array_new(FALSE, FALSE, sizeof(int));
        if (lines[0] == NULL || strcmp(lines[0], "dnsglean-state 1") != 0)
                rc = DG_EPARSE;
        /* zone 0 is the domain, already there */
        g_ptr_array_set_size(e->zones, 0);
        g_hash_table_remove_all(e->zone_names);
        for (int i = 1; rc == DG_OK && lines[i]; i++) {
                char *l = lines[i];
                if (*l == 0)
                        continue;
                if (g_str_has_prefix(l, "run ")) {
                        char *fp = run_fingerprint(e);
                        run_ok = strcmp(l + 4, fp) == 0;
                        g_free(fp);
                        if (!run_ok)
                                rc = DG_ESTATE;
                } else if (g_str_has_prefix(l, "cur ")) {
                        if (sscanf(l + 4, "%u %llu %d", &cur, &wip, &wdone) != 3)
                                rc = DG_EPARSE;
                } else if (g_str_has_prefix(l, "zone ")) {
                        unsigned depth;
                        char name[DG_NAME_STR_MAX];
                        uint8_t w[DG_NAME_WIRE_MAX];
                        if (sscanf(l + 5, "%u %1000s", &depth, name) != 2 ||
                            dg_name_from_str(name, strlen(name), w) < 0)
                                rc = DG_EPARSE;
                        else
                                eng_zone_add(e, w, depth);
                } else if (g_str_has_prefix(l, "pending ")) {
                        int zi;
                        char name[DG_NAME_STR_MAX];
                        if (sscanf(l + 8, "%d %1000s", &zi, name) != 2)
                                rc = DG_EPARSE;
                        else {
                                g_ptr_array_add(pend, g_strdup(name));
                                g_array_append_val(pend_zone, zi);
                        }
                } else if (g_str_has_prefix(l, "stats ")) {
                        unsigned long long v[12];
                        if (sscanf(l + 6,
                                   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                                   "%llu %llu",
                                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
                                   &v[9], &v[10], &v[11]) != 12)
                                rc = DG_EPARSE;
                        else {
                                e->st.words_read = v[0];
                                e->st.invalid_words = v[1];
                                e->st.skipped_shard = v[2];
                                e->st.candidates = v[3];
                                for (int k = 0; k < 5; k++)
                                        e->st.status[k] = v[4 + k];
                                e->st.queries = v[9];
                                e->st.retries = v[10];
                                e->st.timeouts = v[11];
                        }
                } else if (strcmp(l, "end") == 0) {
                        ended = true;
                        break; /* what follows belongs to the front end */
                } else {
                        rc = DG_EPARSE;
                }
        }
        g_strfreev(lines);
        if (rc == DG_OK && (!ended || !run_ok || e->zones->len == 0 || cur >= e->zones->len))
                rc = run_ok || !ended ? DG_EPARSE : DG_ESTATE;
        if (rc == DG_OK) {
                for (guint i = 0; i < pend->len; i++) {
                        int zi = g_array_index(pend_zone, int, i);
                        zone_t *z = eng_zone_at(e, zi);
                        if (z == NULL) {
                                rc = DG_EPARSE;
                                break;
                        }
                        g_queue_push_tail(&z->resume, g_strdup(g_ptr_array_index(pend, i)));
                }
        }
        if (rc == DG_OK) {
                e->cur_zone = cur;
                e->words_done = wdone != 0;
                if (cur > 0 && e->o.words_rewind && e->o.words_rewind(e->o.words_ud) != DG_OK)
                        rc = DG_EIO;
                /* the words of the current pass that were read are skipped;
                 * in the first pass they were already counted */
                e->skip_words = wdone ? 0 : wip;
                e->words_in_pass = 0;
                if (cur == 0)
                        e->st.words_read -= wip;
        }
        if (rc == DG_OK && wdone) {
                /* the pass was complete: nothing more to read from it */
                e->words_done = true;
        }
        g_ptr_array_free(pend, TRUE);
        g_array_free(pend_zone, TRUE);
        if (rc != DG_OK && e->zones->len == 0)
                eng_zone_add(e, e->domain, 0);
        return rc;
}
