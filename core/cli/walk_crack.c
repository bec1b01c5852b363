/* NSEC3 cracking for `dnsglean walk`: candidates and worker threads. */
#include "walk_crack.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "json_int.h"

/* Candidates handed to a thread at a time: large enough that the shared
 * counter is touched rarely, small enough to balance the threads. */
#define CHUNK 4096

/* Adds cand (len octets) to words unless seen before. */
static void add_word(GPtrArray *words, GHashTable *seen, const char *cand, size_t len)
{
        if (len == 0 || len > 253)
                return;
        char *s = g_ascii_strdown(cand, (gssize)len);
        if (g_hash_table_contains(seen, s)) {
                g_free(s);
                return;
        }
        g_hash_table_add(seen, s);
        g_ptr_array_add(words, s);
}

static bool read_wordlist(const char *cmd, const char *path, GPtrArray *words, GHashTable *seen)
{
        FILE *f = fopen(path, "r");
        if (f == NULL) {
                dg_cli_error(cmd, "cannot open wordlist %s: %s", path, g_strerror(errno));
                return false;
        }
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) >= 0) {
                char *wd = g_strstrip(line);
                if (*wd != '\0' && *wd != '#')
                        add_word(words, seen, wd, strlen(wd));
        }
        free(line);
        bool err = ferror(f);
        fclose(f);
        if (err)
                dg_cli_error(cmd, "read error on %s", path);
        return !err;
}

/* The labels of name (presentation form, escapes kept as written), and the
 * part before zone (".zone" suffix, lowercase, no trailing dot) if below it. */
static void add_name(GPtrArray *words, GHashTable *seen, const char *name, const char *zone)
{
        char *n = g_ascii_strdown(name, -1);
        size_t len = strlen(n);
        if (len > 0 && n[len - 1] == '.')
                n[--len] = '\0';
        size_t zl = strlen(zone);
        if (len > zl + 1 && n[len - zl - 1] == '.' && strcmp(n + len - zl, zone) == 0)
                add_word(words, seen, n, len - zl - 1);
        for (char *p = n, *dot; *p != '\0'; p = dot + 1) {
                dot = strchr(p, '.');
                if (dot == NULL) {
                        add_word(words, seen, p, strlen(p));
                        break;
                }
                add_word(words, seen, p, (size_t)(dot - p));
        }
        g_free(n);
}

/* Record types whose data ends with a name worth taking. */
static bool name_data(const char *type)
{
        static const char *const t[] = {"CNAME", "NS", "MX", "SRV", "PTR", "DNAME"};
        for (size_t i = 0; type != NULL && i < G_N_ELEMENTS(t); i++)
                if (g_ascii_strcasecmp(type, t[i]) == 0)
                        return true;
        return false;
}

/* One JSON object: its "name", "rrname" (COF), "owner" and, for the record
 * types above, the last word of each "data"/"rdata" string. */
static void add_object(GPtrArray *words, GHashTable *seen, const dg_json_t *v, const char *zone)
{
        static const char *const keys[] = {"name", "rrname", "owner"};
        for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
                const char *s = dg_json_string(dg_json_get(v, keys[k]));
                if (s != NULL)
                        add_name(words, seen, s, zone);
        }
        const char *type = dg_json_string(dg_json_get(v, "type"));
        if (type == NULL)
                type = dg_json_string(dg_json_get(v, "rrtype"));
        if (!name_data(type))
                return;
        const dg_json_t *d = dg_json_get(v, "data");
        if (d == NULL)
                d = dg_json_get(v, "rdata");
        for (size_t i = 0; d != NULL && d->kind == DG_JSON_ARRAY && i < d->n; i++) {
                const char *s = dg_json_string(d->items[i]);
                const char *sp = s ? strrchr(s, ' ') : NULL;
                if (s != NULL)
                        add_name(words, seen, sp ? sp + 1 : s, zone);
        }
}

static bool read_jsonl(const char *cmd, const char *path, GPtrArray *words, GHashTable *seen,
                       const char *zone)
{
        FILE *f = fopen(path, "r");
        if (f == NULL) {
                dg_cli_error(cmd, "cannot open %s: %s", path, g_strerror(errno));
                return false;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        unsigned lineno = 0;
        bool ok = true;
        while (ok && (n = getline(&line, &cap, f)) >= 0) {
                lineno++;
                dg_json_t *v = NULL;
                char *msg = NULL;
                if (*g_strstrip(line) == '\0')
                        continue;
                if (dg_json_parse(line, strlen(line), &v, &msg) != DG_OK) {
                        dg_cli_error(cmd, "%s line %u is not JSON: %s", path, lineno,
                                     msg ? msg : "parse error");
                        ok = false;
                } else if (v->kind == DG_JSON_OBJECT) {
                        add_object(words, seen, v, zone);
                }
                g_free(msg);
                dg_json_free(v);
        }
        free(line);
        if (ok && ferror(f)) {
                dg_cli_error(cmd, "read error on %s", path);
                ok = false;
        }
        fclose(f);
        return ok;
}

GPtrArray *dg_crack_candidates(const char *cmd, const char *zone, char **wordlists, char **jsonl)
{
        GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* keys owned by words */
        char *z = g_ascii_strdown(zone, -1);
        size_t zl = strlen(z);
        if (zl > 1 && z[zl - 1] == '.')
                z[zl - 1] = '\0';
        bool ok = true;
        for (char **p = wordlists; ok && p != NULL && *p != NULL; p++)
                ok = read_wordlist(cmd, *p, words, seen);
        for (char **p = jsonl; ok && p != NULL && *p != NULL; p++)
                ok = read_jsonl(cmd, *p, words, seen, z);
        g_free(z);
        g_hash_table_destroy(seen);
        if (!ok) {
                g_ptr_array_free(words, TRUE);
                return NULL;
        }
        return words;
}

/* ---- threads ---- */

/* One level: every word below every parent ("" = the zone itself). */
typedef struct {
        const GPtrArray *words, *parents;
        uint64_t total;
        _Atomic uint64_t next;
        volatile sig_atomic_t *stop;
} job_t;

typedef struct {
        job_t *job;
        dg_nsec3_cracker_t *c;
        GPtrArray *hits; /* relative names that matched */
        uint64_t tried;
} worker_t;

/* Writes candidate k of the job (word, or word.parent) into buf; 0 if too long. */
static size_t candidate(const job_t *j, uint64_t k, char *buf, size_t cap)
{
        const char *wd = g_ptr_array_index(j->words, (guint)(k % j->words->len));
        const char *pa = g_ptr_array_index(j->parents, (guint)(k / j->words->len));
        size_t wl = strlen(wd), pl = strlen(pa);
        if (wl + 1 + pl >= cap)
                return 0;
        memcpy(buf, wd, wl);
        if (pl == 0)
                return wl;
        buf[wl] = '.';
        memcpy(buf + wl + 1, pa, pl);
        return wl + 1 + pl;
}

/* Candidates hashed per dg_nsec3_cracker_try_many call. */
#define BATCH 64

static gpointer worker_main(gpointer p)
{
        worker_t *wk = p;
        job_t *j = wk->job;
        char(*buf)[512] = g_malloc(BATCH * 512);
        const char *labels[BATCH];
        size_t lens[BATCH];
        int res[BATCH];
        while (!*j->stop) {
                uint64_t start = atomic_fetch_add(&j->next, CHUNK);
                if (start >= j->total)
                        break;
                uint64_t end = MIN(start + CHUNK, j->total);
                for (uint64_t k = start; k < end;) {
                        size_t n = 0;
                        for (; k < end && n < BATCH; k++) {
                                lens[n] = candidate(j, k, buf[n], sizeof buf[n]);
                                labels[n] = buf[n];
                                n += lens[n] > 0;
                        }
                        dg_nsec3_cracker_try_many(wk->c, labels, lens, n, res);
                        for (size_t i = 0; i < n; i++) {
                                if (res[i] == DG_ENAME)
                                        continue; /* not a label: skipped */
                                wk->tried++;
                                if (res[i] >= 0)
                                        g_ptr_array_add(wk->hits, g_strndup(buf[i], lens[i]));
                        }
                }
        }
        g_free(buf);
        return NULL;
}

static gint str_cmp(gconstpointer a, gconstpointer b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs one level on threads; returns the names newly cracked (sorted). */
static GPtrArray *crack_level(dg_walk_t *w, job_t *j, unsigned threads, dg_crack_stats_t *cs)
{
        worker_t *wk = g_new0(worker_t, threads);
        GThread **th = g_new0(GThread *, threads);
        for (unsigned t = 0; t < threads; t++) {
                wk[t].job = j;
                wk[t].hits = g_ptr_array_new_with_free_func(g_free);
                if (dg_walk_cracker_new(w, &wk[t].c) != DG_OK)
                        continue;
                th[t] = threads > 1 ? g_thread_new("crack", worker_main, &wk[t]) : NULL;
                if (threads == 1)
                        worker_main(&wk[t]);
        }
        GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
        for (unsigned t = 0; t < threads; t++) {
                if (th[t] != NULL)
                        g_thread_join(th[t]);
                cs->candidates += wk[t].tried;
                for (guint i = 0; i < wk[t].hits->len; i++)
                        g_ptr_array_add(all, g_strdup(g_ptr_array_index(wk[t].hits, i)));
                g_ptr_array_free(wk[t].hits, TRUE);
                dg_nsec3_cracker_free(wk[t].c);
        }
        g_free(th);
        g_free(wk);
        g_ptr_array_sort(all, str_cmp);
        GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < all->len; i++) {
                const char *n = g_ptr_array_index(all, i);
                if (dg_walk_crack(w, n, strlen(n)) == 1) {
                        cs->cracked++;
                        g_ptr_array_add(found, g_ascii_strdown(n, -1));
                }
        }
        g_ptr_array_free(all, TRUE);
        return found;
}

/* CPU time of the process so far (all threads), in seconds. */
static double cpu_now(void)
{
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) != 0)
                return 0;
        return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void dg_crack_run(dg_walk_t *w, const GPtrArray *words, unsigned depth, unsigned threads,
                  dg_crack_stats_t *cs, volatile sig_atomic_t *stop)
{
        gint64 t0 = g_get_monotonic_time();
        double c0 = cpu_now();
        cs->ran = true;
        cs->threads = threads = MAX(threads, 1u);
        GPtrArray *parents = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(parents, g_strdup(""));
        for (unsigned level = 1; level <= depth && parents->len > 0 && words->len > 0 && !*stop;
             level++) {
                job_t j = {.words = words, .parents = parents, .stop = stop};
                j.total = (uint64_t)words->len * parents->len;
                atomic_init(&j.next, 0);
                GPtrArray *found = crack_level(w, &j, threads, cs);
                g_ptr_array_free(parents, TRUE);
                parents = found;
        }
        g_ptr_array_free(parents, TRUE);
        cs->seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
        cs->cpu_seconds = cpu_now() - c0;
}
