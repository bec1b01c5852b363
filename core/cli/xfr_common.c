/* Helpers of the axfr and walk subcommands: server lists. */
#include "cli.h"
#include "xfr_cli.h"

#include <string.h>

#include "dnsglean/engine.h"
#include "dnsglean/wire.h"

int dg_xfr_server_parse(const char *s, dg_xfr_server_t *out)
{
        dg_resolver_addr_t a;
        memset(out, 0, sizeof *out);
        if (dg_resolver_parse(s, &a) != DG_OK)
                return -1;
        out->ss = a.ss;
        out->sslen = a.sslen;
        g_strlcpy(out->text, a.text, sizeof out->text);
        return 0;
}

int dg_xfr_parse_servers(const char *cmd, const char *spec, GArray *out)
{
        char **parts = g_strsplit(spec, ",", -1);
        int rc = 0;
        for (char **p = parts; *p != NULL; p++) {
                char *s = g_strstrip(*p);
                if (*s == '\0')
                        continue;
                dg_xfr_server_t sv;
                if (dg_xfr_server_parse(s, &sv) < 0) {
                        dg_cli_error(cmd,
                                     "bad server address '%s' (want addr, addr:port or "
                                     "[v6addr]:port; names are not resolved)",
                                     s);
                        rc = -1;
                        break;
                }
                g_array_append_val(out, sv);
        }
        g_strfreev(parts);
        if (rc == 0 && out->len == 0) {
                dg_cli_error(cmd, "no server address in '%s'", spec);
                rc = -1;
        }
        return rc;
}

void dg_xfr_servers_free(GArray *a)
{
        if (a == NULL)
                return;
        for (guint i = 0; i < a->len; i++)
                g_free(g_array_index(a, dg_xfr_server_t, i).ns);
        g_array_free(a, TRUE);
}

const char *dg_xfr_type_str(uint16_t type, char *buf, size_t cap)
{
        g_strlcpy(buf, dg_rrtype_str(type), cap);
        return buf;
}
