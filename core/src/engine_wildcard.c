/* Zones and wildcard detection: the zone list, wildcard probes and
 * re-probes, and matching answers against a zone's wildcard signature. */
#include "engine_int.h"

int eng_zone_add(dg_engine_t *e, const uint8_t *name, unsigned depth)
{
        char *text = eng_name_text(name, false);
        char *key = g_ascii_strdown(text, -1);
        g_free(text);
        if (g_hash_table_contains(e->zone_names, key)) {
                g_free(key);
                return -1;
        }
        zone_t *z = g_new0(zone_t, 1);
        memcpy(z->name, name, (size_t)dg_name_len(name, DG_NAME_WIRE_MAX));
        dg_name_lower(z->name);
        z->depth = depth;
        z->state = Z_NEW;
        z->wsig = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_queue_init(&z->waiting);
        g_queue_init(&z->resume);
        g_ptr_array_add(e->zones, z);
        g_hash_table_add(e->zone_names, key);
        return (int)e->zones->len - 1;
}

void eng_zone_free(gpointer p)
{
        zone_t *z = p;
        g_hash_table_destroy(z->wsig);
        g_queue_clear(&z->waiting);
        g_queue_clear_full(&z->resume, g_free);
        g_free(z);
}

zone_t *eng_zone_at(dg_engine_t *e, int i)
{
        return (i >= 0 && (guint)i < e->zones->len) ? g_ptr_array_index(e->zones, i) : NULL;
}

void eng_zone_start_probes(dg_engine_t *e, int zi)
{
        zone_t *z = eng_zone_at(e, zi);
        z->state = Z_PROBING;
        if (e->o.no_wildcard) {
                z->state = Z_READY;
                return;
        }
        for (int k = 0; k < WILDCARD_PROBES; k++) {
                cand_t *c = eng_probe_new(e, K_WILDCARD, z->name, e->types[0], -1,
                                          k == WILDCARD_PROBES - 1);
                if (c) {
                        c->zone = zi;
                        z->probes_pending++;
                }
        }
        if (z->probes_pending == 0)
                z->state = Z_READY;
}

/* Is every record of the answer one the zone's wildcard gives? */
static bool matches_wildcard(const zone_t *z, const parsed_t *p)
{
        if (!z->wildcard)
                return false;
        if (p->sig == NULL || p->sig->len == 0)
                return z->wildcard_nodata;
        /* A CNAME wildcard's answers all start with the CNAME: a name with
         * just the target's address is a real name, not the wildcard. */
        if (z->wild_answers > 0 && z->wild_cnames == z->wild_answers &&
            (p->cname == NULL || p->cname->len == 0))
                return false;
        for (guint i = 0; i < p->sig->len; i++)
                if (!g_hash_table_contains(z->wsig, g_ptr_array_index(p->sig, i)))
                        return false;
        return true;
}

static void zone_ready_release(dg_engine_t *e, zone_t *z)
{
        z->state = Z_READY;
        cand_t *c;
        while ((c = g_queue_pop_head(&z->waiting)) != NULL)
                eng_enqueue(e, c, true);
}

/* A wildcard probe's question has its final answer (or none: rcode < 0). */
void eng_wildcard_probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p)
{
        zone_t *z = eng_zone_at(e, c->zone);
        if (z == NULL)
                return;
        if (rcode == DG_RCODE_NOERROR) {
                z->wildcard = true;
                if (p == NULL || p->sig == NULL || p->sig->len == 0)
                        z->wildcard_nodata = true;
                else {
                        z->wild_answers++;
                        if (p->cname && p->cname->len > 0)
                                z->wild_cnames++;
                }
                for (guint i = 0; p && p->sig && i < p->sig->len; i++)
                        g_hash_table_add(z->wsig, g_strdup(g_ptr_array_index(p->sig, i)));
        }
        if (z->probes_pending > 0 && --z->probes_pending == 0) {
                /* No early stop when a re-probe round adds nothing:
                 * candidates' answers draw from the same rotation, so
                 * a round can miss records the next one shows. Every
                 * answer not in the signature spends a round until
                 * the zone's WILDCARD_REPROBES budget is gone. */
                if (z->reprobes == 0) {
                        if (z->wildcard) {
                                char *zn = eng_name_text(z->name, false);
                                eng_logf(e, DG_LOG_INFO, "wildcard at *.%s (%u answer records)", zn,
                                         g_hash_table_size(z->wsig));
                                g_free(zn);
                        }
                }
                zone_ready_release(e, z);
        }
}

/* Decides whether c, a name that exists in zone z, is the zone's wildcard
 * answer (sets c->wildcard). Returns true if c now waits in z->waiting for
 * the zone's (re-)probes: eng_cand_answered() then leaves it alone. */
bool eng_wildcard_check(dg_engine_t *e, cand_t *c, zone_t *z, const parsed_t *p)
{
        if (c->kind == K_WORD && z && z->wildcard && matches_wildcard(z, p)) {
                c->wildcard = true;
        } else if (c->kind == K_WORD && z && z->state == Z_PROBING) {
                /* the zone is learning more of its wildcard: decide
                 * once that is done */
                c->tries_this = 0;
                g_queue_push_tail(&z->waiting, c);
                return true;
        } else if (c->kind == K_WORD && z && z->wildcard && p->sig && p->sig->len &&
                   z->reprobes < WILDCARD_REPROBES && z->state == Z_READY) {
                /* Not (yet) the wildcard's answer: a rotating wildcard
                 * may hold more records than the first probes saw.
                 * Probe again and decide when those answers are in. */
                z->state = Z_PROBING;
                for (int k = 0; k < 4; k++) {
                        cand_t *pc = eng_probe_new(e, K_WILDCARD, z->name, e->types[0], -1, false);
                        if (pc) {
                                pc->zone = c->zone;
                                z->probes_pending++;
                                z->reprobes++;
                        }
                }
                if (z->probes_pending > 0) {
                        /* ask again once the zone's signature grew */
                        c->tries_this = 0;
                        g_queue_push_tail(&z->waiting, c);
                        return true;
                }
                z->state = Z_READY;
        }
        return false;
}
