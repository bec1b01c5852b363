/* dnsglean brute — the candidates' source: a streamed wordlist and the
 * passive DNS names. */
#include "brute.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int wordfile_next(void *ud, const char **word, size_t *len)
{
        wordfile_t *w = ud;
        size_t n = 0;
        bool any = false;
        for (;;) {
                if (w->off == w->len) {
                        if (w->eof)
                                break;
                        w->len = fread(w->buf, 1, sizeof w->buf, w->f);
                        w->off = 0;
                        if (w->len == 0) {
                                if (ferror(w->f)) {
                                        w->err = errno ? errno : EIO;
                                        return DG_EIO;
                                }
                                w->eof = true;
                                break;
                        }
                }
                any = true;
                char *nl = memchr(w->buf + w->off, '\n', w->len - w->off);
                size_t take = nl ? (size_t)(nl - (w->buf + w->off)) : w->len - w->off;
                size_t room = sizeof w->line - 1 - n;
                memcpy(w->line + n, w->buf + w->off, take < room ? take : room);
                n += take < room ? take : room;
                w->off += take;
                w->consumed += take + (nl ? 1 : 0);
                if (nl) {
                        w->off++; /* the newline */
                        break;
                }
        }
        if (!any && n == 0)
                return 0;
        w->line[n] = 0;
        /* a NUL inside the line makes it invalid: keep the octets as they
         * are so that the label check rejects it */
        *word = w->line;
        *len = n;
        return 1;
}

static int wordfile_rewind(void *ud)
{
        wordfile_t *w = ud;
        if (!w->seekable || fseek(w->f, 0, SEEK_SET) != 0)
                return DG_EIO;
        w->len = w->off = 0;
        w->eof = false;
        w->consumed = 0;
        return DG_OK;
}

void dg_brute_wordfile_close(wordfile_t *w)
{
        if (w == NULL)
                return;
        fclose(w->f);
        g_free(w->path);
        g_free(w);
}

/* The first block is read into the reader's own buffer and served from
 * there: no rewind, so a pipe works too. */
wordfile_t *dg_brute_wordfile_open(const char *path, char **err)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                *err = g_strdup_printf("cannot open wordlist %s: %s", path, g_strerror(errno));
                return NULL;
        }
        struct stat st;
        if (fstat(fileno(f), &st) != 0)
                memset(&st, 0, sizeof st);
        if (S_ISDIR(st.st_mode)) {
                *err = g_strdup_printf("wordlist %s is a directory", path);
                fclose(f);
                return NULL;
        }
        wordfile_t *w = g_new0(wordfile_t, 1);
        w->f = f;
        w->path = g_strdup(path);
        w->seekable = S_ISREG(st.st_mode);
        w->size = w->seekable ? (uint64_t)st.st_size : 0;
        size_t n = fread(w->buf, 1, 4096, f);
        w->len = n;
        const unsigned char *head = (const unsigned char *)w->buf;
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
                if (head[i] == 0 ||
                    (head[i] < 0x20 && head[i] != '\n' && head[i] != '\r' && head[i] != '\t'))
                        bad++;
        bool blank = true; /* nothing but white space in the first block */
        for (size_t i = 0; i < n && blank; i++)
                blank = g_ascii_isspace(head[i]);
        if (n == 0 || (blank && n < 4096))
                *err = g_strdup_printf("wordlist %s is empty", path);
        else if (bad * 10 > n || memchr(head, 0, n) != NULL)
                *err = g_strdup_printf("wordlist %s looks binary, not one label per line", path);
        if (n == 0 || (blank && n < 4096) || bad * 10 > n || memchr(head, 0, n) != NULL) {
                dg_brute_wordfile_close(w);
                return NULL;
        }
        return w;
}

int dg_brute_wordsrc_next(void *ud, const char **word, size_t *len)
{
        wordsrc_t *s = ud;
        while (s->wf && !s->wf_done) {
                int rc = wordfile_next(s->wf, word, len);
                if (rc < 0)
                        return rc;
                if (rc == 0) {
                        s->wf_done = true;
                        break;
                }
                size_t n = *len;
                while (n > 0 && ((*word)[n - 1] == '\r' || (*word)[n - 1] == ' '))
                        n--;
                if (s->pd && s->pass == 0 && dg_pdns_has_relative(s->pd, *word, n))
                        continue;
                return 1;
        }
        if (s->pd && s->pass == 0 && s->pi < dg_pdns_count(s->pd)) {
                *word = dg_pdns_relative(s->pd, s->pi++);
                *len = strlen(*word);
                return 1;
        }
        return 0;
}

int dg_brute_wordsrc_rewind(void *ud)
{
        wordsrc_t *s = ud;
        s->pass++;
        s->pi = 0;
        s->wf_done = false;
        return s->wf ? wordfile_rewind(s->wf) : DG_OK;
}

char *dg_brute_default_wordlist(void)
{
        const char *env = g_getenv("DNSGLEAN_DATADIR");
        const char *dirs[] = {env, DG_DATADIR, DG_SOURCE_DATADIR};
        for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
                if (dirs[i] == NULL)
                        continue;
                char *p = g_build_filename(dirs[i], "wordlist.txt", NULL);
                if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
                        return p;
                g_free(p);
        }
        return NULL;
}
