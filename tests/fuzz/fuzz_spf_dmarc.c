/* Fuzz target: the SPF (RFC 7208) and DMARC (RFC 7489) record parsers. */
#include <glib.h>

#include "dnsglean/dmarc.h"
#include "dnsglean/spf.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *txt = g_strndup((const char *)data, size);
        dg_spf_is_spf(txt);
        dg_spf_t *s = NULL;
        if (dg_spf_parse(txt, &s) == DG_OK)
                dg_spf_free(s);
        dg_dmarc_is_dmarc(txt);
        dg_dmarc_t *d = NULL;
        if (dg_dmarc_parse(txt, &d) == DG_OK)
                dg_dmarc_free(d);
        g_free(txt);
        return 0;
}
