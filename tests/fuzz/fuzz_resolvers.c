/* Fuzz target: resolver lists, as a comma list and as a file. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsglean/engine.h"

#include "fuzz.h"

static void check(int rc, dg_resolver_addr_t *v, size_t n, char *err)
{
        if (rc == DG_OK) {
                if (n == 0 || v == NULL || err != NULL) {
                        fprintf(stderr, "ok but n=%zu err=%s\n", n, err ? err : "-");
                        abort();
                }
                for (size_t i = 0; i < n; i++) {
                        /* every entry reads back from its own text */
                        dg_resolver_addr_t again;
                        if (dg_resolver_parse(v[i].text, &again) != DG_OK ||
                            strcmp(again.text, v[i].text) != 0) {
                                fprintf(stderr, "'%s' does not read back\n", v[i].text);
                                abort();
                        }
                }
        } else if (v != NULL || n != 0) {
                abort();
        }
        g_free(v);
        g_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char path[64];
        if (path[0] == 0)
                snprintf(path, sizeof path, "/tmp/dg-fuzz-resolvers.%d", (int)getpid());
        /* as a comma list (the spec never names an existing file here: a
         * leading ',' makes it no path) */
        char *spec = g_malloc(size + 2);
        spec[0] = ',';
        memcpy(spec + 1, data, size);
        spec[size + 1] = 0;
        dg_resolver_addr_t *v = NULL;
        size_t n = 0;
        char *err = NULL;
        int rc = dg_resolvers_load(spec, &v, &n, &err);
        check(rc, v, n, err);
        dg_resolver_addr_t one;
        dg_resolver_parse(spec + 1, &one);
        g_free(spec);
        /* as a file */
        FILE *f = fopen(path, "wb");
        if (f == NULL)
                return 0;
        fwrite(data, 1, size, f);
        fclose(f);
        v = NULL;
        n = 0;
        err = NULL;
        rc = dg_resolvers_load(path, &v, &n, &err);
        check(rc, v, n, err);
        unlink(path);
        return 0;
}
