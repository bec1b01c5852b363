/* Helpers of the axfr and walk subcommands: server lists. */
#include "cli.h"
#include "xfr_cli.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

static int parse_one(const char *s, dg_xfr_server_t *out)
{
        char host[64];
        unsigned long port = 53;
        const char *colon = strrchr(s, ':');
        memset(out, 0, sizeof *out);
        if (s[0] == '[') {
                const char *end = strchr(s, ']');
                if (end == NULL || (size_t)(end - s - 1) >= sizeof host)
                        return -1;
                memcpy(host, s + 1, (size_t)(end - s - 1));
                host[end - s - 1] = '\0';
                if (end[1] == ':') {
                        char *e;
                        port = strtoul(end + 2, &e, 10);
                        if (*e != '\0' || end[2] == '\0')
                                return -1;
                } else if (end[1] != '\0') {
                        return -1;
                }
        } else if (colon != NULL && strchr(s, ':') == colon) {
                /* one colon: IPv4 with a port */
                if ((size_t)(colon - s) >= sizeof host)
                        return -1;
                memcpy(host, s, (size_t)(colon - s));
                host[colon - s] = '\0';
                char *e;
                port = strtoul(colon + 1, &e, 10);
                if (*e != '\0' || colon[1] == '\0')
                        return -1;
        } else {
                if (strlen(s) >= sizeof host)
                        return -1;
                strcpy(host, s);
        }
        if (port == 0 || port > 65535)
                return -1;
        struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
        if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
                v4->sin_family = AF_INET;
                v4->sin_port = htons((uint16_t)port);
                out->sslen = sizeof *v4;
                g_snprintf(out->text, sizeof out->text, "%s:%lu", host, port);
        } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
                v6->sin6_family = AF_INET6;
                v6->sin6_port = htons((uint16_t)port);
                out->sslen = sizeof *v6;
                g_snprintf(out->text, sizeof out->text, "[%s]:%lu", host, port);
        } else {
                return -1;
        }
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
                if (parse_one(s, &sv) < 0) {
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
        char *s = ldns_rr_type2str((ldns_rr_type)type);
        g_strlcpy(buf, s ? s : "?", cap);
        free(s);
        return buf;
}
