/* Zone-file reader: physical lines -> records (logical lines joined over
 * parentheses, directives followed, owners qualified), each split by
 * dg_zone_line_parse. */
#include "dnsglean/zone.h"

#include <errno.h>
#include <stdlib.h>
#include <glib.h>
#include <ldns/ldns.h>
#include <string.h>

#include "dnsglean/classify.h"

struct dg_zone_reader {
        FILE *in;
        char *origin;     /* absolute, or NULL until known */
        char *prev_owner; /* owner of the last record, for blank owners */
        uint32_t ttl;     /* $TTL or the last record's TTL */
        char *phys;       /* the physical line being read (getline's buffer) */
        size_t phys_cap, phys_len;
        GString *logical; /* the record being assembled */
        char *owner;      /* the returned record's owner */
        dg_zone_line_t cur;
        unsigned long lineno;
};

static bool is_absolute(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || name[n - 1] != '.')
                return false;
        size_t bs = 0; /* a dot after an odd run of backslashes is escaped */
        while (bs + 1 < n && name[n - 2 - bs] == '\\')
                bs++;
        return bs % 2 == 0;
}

/* name qualified with the origin: g_malloc'd, or NULL when it needs an
 * origin and there is none. */
static char *qualify(const char *origin, const char *name)
{
        if (strcmp(name, "@") == 0)
                return origin ? g_strdup(origin) : NULL;
        if (is_absolute(name))
                return g_strdup(name);
        if (origin == NULL)
                return g_strdup(name); /* relative to an origin nobody gave */
        if (strcmp(origin, ".") == 0)
                return g_strconcat(name, ".", NULL);
        return g_strconcat(name, ".", origin, NULL);
}

static bool valid_name(const char *name)
{
        ldns_rdf *d = ldns_dname_new_frm_str(name);
        ldns_rdf_deep_free(d);
        return d != NULL;
}

/* Reads one physical line into r->phys. Returns 1, 0 at the end, DG_EIO. */
static int read_phys(dg_zone_reader_t *r)
{
        ssize_t n = getline(&r->phys, &r->phys_cap, r->in);
        if (n < 0)
                return ferror(r->in) ? DG_EIO : 0;
        r->phys_len = (size_t)n;
        r->lineno++;
        return 1;
}

/* Appends c to the record, one blank for a run of blanks (a leading one is
 * kept: it means "the previous owner"). */
static void put(GString *logical, char c, bool inq)
{
        bool blank = !inq && (c == ' ' || c == '\t');
        if (blank && logical->len && logical->str[logical->len - 1] == ' ')
                return;
        g_string_append_c(logical, blank ? ' ' : c);
}

/* Appends r->phys to r->logical without its comment, parentheses and line
 * end; *depth counts open parentheses. Sets *why on the first fault. */
static void scan_phys(dg_zone_reader_t *r, int *depth, const char **why)
{
        const char *s = r->phys, *end = r->phys + r->phys_len;
        bool inq = false;
        if (strlen(s) != r->phys_len && *why == NULL)
                *why = "NUL byte in line";
        for (; s < end && *s && *s != '\n' && *s != '\r'; s++) {
                char c = *s;
                if (c == '\\' && s + 1 < end && s[1] && s[1] != '\n') {
                        g_string_append_len(r->logical, s, 2);
                        s++;
                        continue;
                }
                if (c == '"') {
                        inq = !inq;
                } else if (!inq && c == ';') {
                        break;
                } else if (!inq && (c == '(' || c == ')')) {
                        *depth += c == '(' ? 1 : -1;
                        if (*depth < 0 && *why == NULL)
                                *why = "unbalanced ')'";
                        c = ' ';
                }
                put(r->logical, c, inq);
        }
        if (inq && *why == NULL)
                *why = "unterminated quoted string";
        put(r->logical, ' ', false);
}

/* Assembles the next record's text in r->logical. Returns 1, 0 at the end,
 * DG_EPARSE (*why set) or DG_EIO; *start is its first line. */
static int read_logical(dg_zone_reader_t *r, unsigned long *start, const char **why)
{
        int depth = 0;
        g_string_truncate(r->logical, 0);
        *why = NULL;
        int rc = read_phys(r);
        if (rc <= 0)
                return rc;
        *start = r->lineno;
        scan_phys(r, &depth, why);
        while (depth > 0) {
                rc = read_phys(r);
                if (rc < 0)
                        return rc;
                if (rc == 0) {
                        *why = "'(' not closed before the end of the file";
                        return DG_EPARSE;
                }
                scan_phys(r, &depth, why);
        }
        return *why ? DG_EPARSE : 1;
}

/* $ORIGIN, $TTL and the directives we refuse. Returns 0 or DG_EPARSE. */
static int directive(dg_zone_reader_t *r, const char **why)
{
        char **w = g_strsplit_set(g_strstrip(r->logical->str), " \t", -1);
        size_t n = 0;
        for (size_t i = 0; w[i]; i++)
                if (*w[i])
                        w[n++] = w[i];
        int rc = DG_EPARSE;
        if (g_ascii_strcasecmp(w[0], "$ORIGIN") == 0) {
                char *o = n == 2 ? qualify(r->origin, w[1]) : NULL;
                if (o && is_absolute(o) && valid_name(o)) {
                        g_free(r->origin);
                        r->origin = o;
                        rc = DG_OK;
                } else {
                        g_free(o);
                        *why = "$ORIGIN needs one absolute domain name";
                }
        } else if (g_ascii_strcasecmp(w[0], "$TTL") == 0) {
                const char *end = NULL;
                uint32_t ttl = n == 2 && g_ascii_isdigit(w[1][0]) ? ldns_str2period(w[1], &end) : 0;
                if (end && *end == '\0') {
                        r->ttl = ttl;
                        rc = DG_OK;
                } else {
                        *why = "$TTL needs one TTL value";
                }
        } else if (g_ascii_strcasecmp(w[0], "$INCLUDE") == 0) {
                *why = "$INCLUDE is not supported";
        } else {
                *why = "unknown $ directive";
        }
        g_strfreev(w);
        return rc;
}

int dg_zone_reader_new(FILE *in, const char *origin, dg_zone_reader_t **out)
{
        if (in == NULL || out == NULL)
                return DG_EINVAL;
        *out = NULL;
        char *o = NULL;
        if (origin) {
                o = qualify(".", origin);
                if (!valid_name(o)) {
                        g_free(o);
                        return DG_EINVAL;
                }
        }
        dg_zone_reader_t *r = g_new0(dg_zone_reader_t, 1);
        r->in = in;
        r->origin = o;
        r->logical = g_string_new(NULL);
        *out = r;
        return DG_OK;
}

/* Splits the assembled record and fills rr. Returns 1 or DG_EPARSE. */
static int take_record(dg_zone_reader_t *r, dg_zone_rr_t *rr, const char **why)
{
        dg_zone_line_clear(&r->cur);
        int rc = dg_zone_line_parse(r->logical->str, &r->cur, why);
        if (rc <= 0)
                return rc;
        g_free(r->owner);
        r->owner = NULL;
        if (r->cur.owner == NULL) {
                if (r->prev_owner == NULL) {
                        *why = "no owner name (and no previous one)";
                        return DG_EPARSE;
                }
                r->owner = g_strdup(r->prev_owner);
        } else if ((r->owner = qualify(r->origin, r->cur.owner)) == NULL) {
                *why = "'@' with no $ORIGIN";
                return DG_EPARSE;
        }
        g_free(r->prev_owner);
        r->prev_owner = g_strdup(r->owner);
        if (r->cur.has_ttl)
                r->ttl = r->cur.ttl;
        rr->owner = r->owner;
        rr->type = r->cur.type;
        rr->ttl = r->ttl;
        rr->rdata = r->cur.rdata;
        return 1;
}

int dg_zone_reader_next(dg_zone_reader_t *r, dg_zone_rr_t *rr, const char **why,
                        unsigned long *line)
{
        const char *dummy_why;
        unsigned long dummy_line;
        why = why ? why : &dummy_why;
        line = line ? line : &dummy_line;
        *why = NULL;
        if (r == NULL || rr == NULL)
                return DG_EINVAL;
        for (;;) {
                int rc = read_logical(r, line, why);
                if (rc <= 0)
                        return rc;
                if (r->logical->str[0] == '$') {
                        rc = directive(r, why);
                        if (rc < 0)
                                return rc;
                        continue;
                }
                rc = take_record(r, rr, why);
                if (rc != 0) {
                        rr->line = *line;
                        return rc;
                }
        }
}

void dg_zone_reader_free(dg_zone_reader_t *r)
{
        if (r == NULL)
                return;
        dg_zone_line_clear(&r->cur);
        free(r->phys);
        g_string_free(r->logical, TRUE);
        g_free(r->origin);
        g_free(r->prev_owner);
        g_free(r->owner);
        g_free(r);
}
