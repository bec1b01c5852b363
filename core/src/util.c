/* Private helpers shared by the library's modules: see util.h. */
#include "util.h"

#include <errno.h>
#include <glib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dnsglean/common.h"

uint64_t dg_rng_next(uint64_t *state)
{
        /* splitmix64 */
        uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

uint64_t dg_rng_seed(void)
{
        uint64_t s = 0;
        if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s || s == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                s = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
                    ((uint64_t)getpid() << 32);
        }
        return s ? s : 1;
}

void dg_random_label(uint64_t *state, char *buf, size_t len)
{
        static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        uint64_t r = dg_rng_next(state);
        for (size_t i = 0; i < len; i++) {
                if (i > 0 && i % 10 == 0)
                        r = dg_rng_next(state);
                buf[i] = alnum[i == 0 ? r % 26 : r % 36];
                r /= i == 0 ? 26 : 36;
        }
        buf[len] = '\0';
}

int dg_load_file(const char *path, dg_text_parser_t parse, void *ud, char **errmsg)
{
        gchar *text = NULL;
        gsize len = 0;
        GError *err = NULL;
        if (!g_file_get_contents(path, &text, &len, &err)) {
                int e = err->code == G_FILE_ERROR_NOENT ? ENOENT : EIO;
                if (errmsg)
                        *errmsg = g_strdup(err->message);
                g_error_free(err);
                errno = e;
                return DG_EIO;
        }
        int rc = parse(ud, text, len, path, errmsg);
        g_free(text);
        return rc;
}
