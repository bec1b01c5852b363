/* A small recursive-descent JSON reader (RFC 8259). See json_int.h. */
#include "json_int.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
        const char *p, *end, *start;
        const char *err; /* static reason; set once */
        size_t err_off;
} cur_t;

static void fail(cur_t *c, const char *why)
{
        if (c->err == NULL) {
                c->err = why;
                c->err_off = (size_t)(c->p - c->start);
        }
}

static void skip_ws(cur_t *c)
{
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
                c->p++;
}

static dg_json_t *value(cur_t *c, int depth);

static bool lit(cur_t *c, const char *word)
{
        size_t n = strlen(word);
        if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
                return false;
        c->p += n;
        return true;
}

static int hex4(cur_t *c)
{
        if (c->end - c->p < 4)
                return -1;
        int v = 0;
        for (int i = 0; i < 4; i++) {
                int d = g_ascii_xdigit_value(c->p[i]);
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        c->p += 4;
        return v;
}

/* A \u escape (c->p after the 'u'), with its low surrogate if it needs one,
 * appended to s. False (c failed) when malformed. */
static bool unicode_escape(cur_t *c, GString *s)
{
        int u = hex4(c);
        if (u < 0) {
                fail(c, "bad \\u escape");
                return false;
        }
        if (u == 0) {
                fail(c, "\\u0000 in a string");
                return false;
        }
        if (u <= 0xff) {
                /* an octet, as dnsglean writes DNS data */
                g_string_append_c(s, (char)u);
                return true;
        }
        gunichar cp = (gunichar)u;
        if (u >= 0xd800 && u <= 0xdbff) {
                int lo = -1;
                if (c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
                        c->p += 2;
                        lo = hex4(c);
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                        fail(c, "unpaired surrogate in a \\u escape");
                        return false;
                }
                cp = 0x10000 + (((gunichar)u - 0xd800) << 10) + ((gunichar)lo - 0xdc00);
        } else if (u >= 0xdc00 && u <= 0xdfff) {
                fail(c, "unpaired surrogate in a \\u escape");
                return false;
        }
        g_string_append_unichar(s, cp);
        return true;
}

/* The escape whose letter is e (c->p after it), appended to s. False (c
 * failed) when malformed. */
static bool escape(cur_t *c, char e, GString *s)
{
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = e ? strchr(from, e) : NULL;
        if (k) {
                g_string_append_c(s, to[k - from]);
                return true;
        }
        if (e == 'u')
                return unicode_escape(c, s);
        fail(c, "bad escape in a string");
        return false;
}

/* Parses a string literal (c->p at the opening quote) into a new buffer. */
static char *string_lit(cur_t *c)
{
        c->p++; /* the quote */
        GString *s = g_string_new(NULL);
        while (c->p < c->end) {
                unsigned char ch = (unsigned char)*c->p;
                if (ch == '"') {
                        c->p++;
                        return g_string_free(s, FALSE);
                }
                if (ch < 0x20) {
                        fail(c, "control character in a string");
                        break;
                }
                c->p++;
                if (ch != '\\') {
                        g_string_append_c(s, (char)ch);
                        continue;
                }
                if (c->p >= c->end)
                        break;
                char e = *c->p++;
                if (!escape(c, e, s)) {
                        g_string_free(s, TRUE);
                        return NULL;
                }
        }
        fail(c, "unterminated string");
        g_string_free(s, TRUE);
        return NULL;
}

/* Skips one or more digits; fails the cursor ("bad number") if none. */
static bool digits(cur_t *c)
{
        if (c->p >= c->end || !g_ascii_isdigit(*c->p)) {
                fail(c, "bad number");
                return false;
        }
        while (c->p < c->end && g_ascii_isdigit(*c->p))
                c->p++;
        return true;
}

static dg_json_t *number(cur_t *c)
{
        const char *b = c->p;
        bool integer = true;
        if (c->p < c->end && *c->p == '-')
                c->p++;
        if (c->p < c->end && *c->p == '0')
                c->p++;
        else if (!digits(c))
                return NULL;
        if (c->p < c->end && *c->p == '.') {
                integer = false;
                c->p++;
                if (!digits(c))
                        return NULL;
        }
        if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
                integer = false;
                c->p++;
                if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
                        c->p++;
                if (!digits(c))
                        return NULL;
        }
        char *txt = g_strndup(b, (size_t)(c->p - b));
        dg_json_t *v = g_new0(dg_json_t, 1);
        v->kind = DG_JSON_NUMBER;
        v->number = g_ascii_strtod(txt, NULL);
        if (integer) {
                errno = 0;
                long long ll = strtoll(txt, NULL, 10);
                if (errno == 0) {
                        v->integer = true;
                        v->inumber = ll;
                }
        }
        g_free(txt);
        return v;
}

/* An object member's name and its colon, the name added to keys. False
 * (c failed) when malformed. */
static bool member_name(cur_t *c, GPtrArray *keys)
{
        if (c->p >= c->end || *c->p != '"') {
                fail(c, "expected a member name");
                return false;
        }
        char *k = string_lit(c);
        if (k == NULL)
                return false;
        g_ptr_array_add(keys, k);
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':') {
                fail(c, "expected ':'");
                return false;
        }
        c->p++;
        return true;
}

static dg_json_t *container(cur_t *c, int depth, bool object)
{
        c->p++; /* [ or { */
        dg_json_t *v = g_new0(dg_json_t, 1);
        v->kind = object ? DG_JSON_OBJECT : DG_JSON_ARRAY;
        GPtrArray *items = g_ptr_array_new();
        GPtrArray *keys = object ? g_ptr_array_new() : NULL;
        char close = object ? '}' : ']';
        skip_ws(c);
        if (c->p < c->end && *c->p == close) {
                c->p++;
                goto done;
        }
        for (;;) {
                skip_ws(c);
                if (object && !member_name(c, keys))
                        goto bad;
                dg_json_t *item = value(c, depth + 1);
                if (item == NULL)
                        goto bad;
                g_ptr_array_add(items, item);
                skip_ws(c);
                if (c->p < c->end && *c->p == ',') {
                        c->p++;
                        continue;
                }
                if (c->p < c->end && *c->p == close) {
                        c->p++;
                        break;
                }
                fail(c, object ? "expected ',' or '}'" : "expected ',' or ']'");
                goto bad;
        }
done:
        v->n = items->len;
        v->items = (dg_json_t **)g_ptr_array_free(items, FALSE);
        if (keys)
                v->keys = (char **)g_ptr_array_free(keys, FALSE);
        return v;
bad:
        /* free what was built: keys may be one ahead of items */
        v->n = items->len;
        v->items = (dg_json_t **)g_ptr_array_free(items, FALSE);
        if (keys) {
                for (guint i = v->n; i < keys->len; i++)
                        g_free(g_ptr_array_index(keys, i));
                g_ptr_array_set_size(keys, (guint)v->n);
                v->keys = (char **)g_ptr_array_free(keys, FALSE);
        }
        dg_json_free(v);
        return NULL;
}

static dg_json_t *value(cur_t *c, int depth)
{
        if (depth > MAX_DEPTH) {
                fail(c, "nested too deeply");
                return NULL;
        }
        skip_ws(c);
        if (c->p >= c->end) {
                fail(c, "unexpected end of input");
                return NULL;
        }
        dg_json_t *v = NULL;
        switch (*c->p) {
        case '{':
                return container(c, depth, true);
        case '[':
                return container(c, depth, false);
        case '"': {
                char *s = string_lit(c);
                if (s == NULL)
                        return NULL;
                v = g_new0(dg_json_t, 1);
                v->kind = DG_JSON_STRING;
                v->str = s;
                return v;
        }
        case 't':
        case 'f':
        case 'n':
                v = g_new0(dg_json_t, 1);
                if (lit(c, "true")) {
                        v->kind = DG_JSON_BOOL;
                        v->boolean = true;
                } else if (lit(c, "false")) {
                        v->kind = DG_JSON_BOOL;
                } else if (lit(c, "null")) {
                        v->kind = DG_JSON_NULL;
                } else {
                        g_free(v);
                        fail(c, "unexpected word");
                        return NULL;
                }
                return v;
        default:
                if (*c->p == '-' || g_ascii_isdigit(*c->p))
                        return number(c);
                fail(c, "unexpected character");
                return NULL;
        }
}

int dg_json_parse(const char *text, size_t len, dg_json_t **out, char **errmsg)
{
        *out = NULL;
        if (errmsg)
                *errmsg = NULL;
        if (text == NULL)
                return DG_EINVAL;
        cur_t c = {.p = text, .end = text + len, .start = text};
        dg_json_t *v = value(&c, 0);
        if (v) {
                skip_ws(&c);
                if (c.p != c.end) {
                        fail(&c, "text after the value");
                        dg_json_free(v);
                        v = NULL;
                }
        }
        if (v == NULL) {
                if (errmsg)
                        *errmsg = g_strdup_printf("invalid JSON at offset %zu: %s", c.err_off,
                                                  c.err ? c.err : "parse error");
                return DG_EPARSE;
        }
        *out = v;
        return DG_OK;
}

void dg_json_free(dg_json_t *v)
{
        if (v == NULL)
                return;
        for (size_t i = 0; i < v->n; i++) {
                dg_json_free(v->items[i]);
                if (v->keys)
                        g_free(v->keys[i]);
        }
        g_free(v->items);
        g_free(v->keys);
        g_free(v->str);
        g_free(v);
}

const dg_json_t *dg_json_get(const dg_json_t *v, const char *key)
{
        if (v == NULL || v->kind != DG_JSON_OBJECT || key == NULL)
                return NULL;
        for (size_t i = v->n; i-- > 0;)
                if (strcmp(v->keys[i], key) == 0)
                        return v->items[i];
        return NULL;
}

const char *dg_json_string(const dg_json_t *v)
{
        return v && v->kind == DG_JSON_STRING ? v->str : NULL;
}

bool dg_json_int(const dg_json_t *v, int64_t *out)
{
        if (v == NULL || v->kind != DG_JSON_NUMBER || !v->integer)
                return false;
        *out = v->inumber;
        return true;
}
