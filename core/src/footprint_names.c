/* The footprint's name lists: a small sectioned text format (see
 * footprint_names.h and core/data/README.md). */
#include "footprint_names.h"

#include <glib.h>
#include <string.h>

#include "util.h"

static const char *const section_names[DG_FPN_COUNT] = {"dkim-selectors", "srv", "saas",
                                                        "txt-owners"};

typedef struct {
        GPtrArray *lists[DG_FPN_COUNT];
        GHashTable *seen[DG_FPN_COUNT];
        int cur; /* current section, -1 before the first */
} parse_t;

void dg_fp_names_free(dg_fp_names_t *n)
{
        if (n == NULL)
                return;
        for (int i = 0; i < DG_FPN_COUNT; i++)
                g_strfreev(n->list[i]);
        g_free(n);
}

/* A label of letters, digits, '-' and '_', 1 to 63 octets. */
static bool good_label(const char *s, size_t len)
{
        if (len == 0 || len > 63)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
                        return false;
        return true;
}

/* Checks name against its list's rule; returns NULL or a static reason. */
static const char *check_name(dg_fpn_list_t k, const char *name)
{
        if (strlen(name) > 200)
                return "name longer than 200 octets";
        gchar **labels = g_strsplit(name, ".", -1);
        guint n = g_strv_length(labels);
        const char *why = NULL;
        for (guint i = 0; i < n && why == NULL; i++)
                if (!good_label(labels[i], strlen(labels[i])))
                        why = "not a relative name (labels of letters, digits, '-', '_')";
        if (why == NULL && (k == DG_FPN_DKIM || k == DG_FPN_SAAS) && n != 1)
                why = "one label expected";
        if (why == NULL && k == DG_FPN_SRV &&
            (n != 2 || labels[0][0] != '_' || labels[1][0] != '_'))
                why = "\"_service._proto\" expected";
        g_strfreev(labels);
        return why;
}

/* Handles one non-blank, non-comment line (trimmed). NULL or a reason. */
static const char *parse_line(parse_t *p, const char *line)
{
        size_t len = strlen(line);
        if (line[0] == '[') {
                if (len < 3 || line[len - 1] != ']')
                        return "malformed section header";
                for (int i = 0; i < DG_FPN_COUNT; i++)
                        if (strlen(section_names[i]) == len - 2 &&
                            strncmp(line + 1, section_names[i], len - 2) == 0) {
                                if (p->lists[i])
                                        return "section repeated";
                                p->lists[i] = g_ptr_array_new_with_free_func(g_free);
                                p->seen[i] = g_hash_table_new(g_str_hash, g_str_equal);
                                p->cur = i;
                                return NULL;
                        }
                return "unknown section";
        }
        if (p->cur < 0)
                return "name before the first [section]";
        char *name = g_ascii_strdown(line, -1);
        const char *why = check_name((dg_fpn_list_t)p->cur, name);
        if (why == NULL && g_hash_table_contains(p->seen[p->cur], name))
                why = "duplicate name";
        if (why) {
                g_free(name);
                return why;
        }
        g_ptr_array_add(p->lists[p->cur], name);
        g_hash_table_add(p->seen[p->cur], name);
        return NULL;
}

/* The whole-file rules: every list present and non-empty, "_dmarc" among the
 * TXT owners. NULL or a reason. */
static const char *check_lists(const parse_t *p)
{
        for (int i = 0; i < DG_FPN_COUNT; i++)
                if (p->lists[i] == NULL || p->lists[i]->len == 0)
                        return "a list is missing or empty (dkim-selectors, srv, saas, "
                               "txt-owners are required)";
        if (!g_hash_table_contains(p->seen[DG_FPN_TXT_OWNERS], "_dmarc"))
                return "[txt-owners] lacks _dmarc (the DMARC check needs it)";
        return NULL;
}

static dg_fp_names_t *take_lists(parse_t *p)
{
        dg_fp_names_t *n = g_new0(dg_fp_names_t, 1);
        for (int i = 0; i < DG_FPN_COUNT; i++) {
                n->n[i] = p->lists[i]->len;
                g_ptr_array_add(p->lists[i], NULL);
                g_ptr_array_set_free_func(p->lists[i], NULL);
                n->list[i] = (char **)g_ptr_array_free(p->lists[i], FALSE);
                p->lists[i] = NULL;
        }
        return n;
}

static void parse_clear(parse_t *p)
{
        for (int i = 0; i < DG_FPN_COUNT; i++) {
                if (p->seen[i])
                        g_hash_table_destroy(p->seen[i]);
                if (p->lists[i])
                        g_ptr_array_free(p->lists[i], TRUE);
        }
}

int dg_fp_names_parse(const char *text, size_t len, const char *source, dg_fp_names_t **out,
                      char **errmsg)
{
        if (errmsg)
                *errmsg = NULL;
        if (out)
                *out = NULL;
        if (text == NULL || out == NULL)
                return DG_EINVAL;
        parse_t p = {.cur = -1};
        char *copy = g_strndup(text, len);
        gchar **lines = g_strsplit(copy, "\n", -1);
        g_free(copy);
        const char *why = NULL;
        unsigned lineno = 0;
        for (gchar **l = lines; *l && why == NULL; l++) {
                lineno++;
                g_strstrip(*l);
                if (**l != '\0' && **l != '#')
                        why = parse_line(&p, *l);
        }
        g_strfreev(lines);
        if (why == NULL && (why = check_lists(&p)) != NULL)
                lineno = 0;
        if (why == NULL)
                *out = take_lists(&p);
        else if (errmsg)
                *errmsg = lineno
                              ? g_strdup_printf("%s:%u: %s", source ? source : "names", lineno, why)
                              : g_strdup_printf("%s: %s", source ? source : "names", why);
        parse_clear(&p);
        return why ? DG_EPARSE : DG_OK;
}

/* dg_fp_names_parse as a dg_text_parser_t; out is the dg_fp_names_t **. */
static int parse_cb(void *out, const char *text, size_t len, const char *source, char **errmsg)
{
        return dg_fp_names_parse(text, len, source, out, errmsg);
}

int dg_fp_names_load_file(const char *path, dg_fp_names_t **out, char **errmsg)
{
        if (errmsg)
                *errmsg = NULL;
        if (out)
                *out = NULL;
        if (path == NULL || out == NULL)
                return DG_EINVAL;
        return dg_load_file(path, parse_cb, out, errmsg);
}

const dg_fp_names_t *dg_fp_names_builtin(const char **why)
{
        static gsize once = 0;
        static dg_fp_names_t *names = NULL;
        static char *msg = NULL;
        if (g_once_init_enter(&once)) {
                dg_fp_names_parse(dg_fp_names_builtin_data, dg_fp_names_builtin_data_len, "builtin",
                                  &names, &msg);
                g_once_init_leave(&once, 1);
        }
        if (why)
                *why = msg;
        return names;
}
