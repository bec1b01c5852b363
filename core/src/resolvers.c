/* Resolver addresses: "addr[:port]" parsing and list loading. Nothing here
 * resolves names: resolvers are addresses, always. */
#include "dnsglean/engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, uint16_t *port)
{
        char *end = NULL;
        if (*s == 0)
                return DG_EINVAL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end != 0 || v == 0 || v > 65535)
                return DG_EINVAL;
        *port = (uint16_t)v;
        return DG_OK;
}

int dg_resolver_parse(const char *s, dg_resolver_addr_t *out)
{
        char host[INET6_ADDRSTRLEN + 1];
        uint16_t port = 53;
        const char *colon;
        size_t hlen;

        memset(out, 0, sizeof *out);
        if (s == NULL)
                return DG_EINVAL;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (close == NULL)
                        return DG_EINVAL;
                hlen = (size_t)(close - s - 1);
                if (hlen == 0 || hlen >= sizeof host)
                        return DG_EINVAL;
                memcpy(host, s + 1, hlen);
                host[hlen] = 0;
                if (close[1] == ':') {
                        if (parse_port(close + 2, &port) != DG_OK)
                                return DG_EINVAL;
                } else if (close[1] != 0) {
                        return DG_EINVAL;
                }
        } else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
                /* exactly one colon: IPv4 with a port */
                hlen = (size_t)(colon - s);
                if (hlen == 0 || hlen >= sizeof host)
                        return DG_EINVAL;
                memcpy(host, s, hlen);
                host[hlen] = 0;
                if (parse_port(colon + 1, &port) != DG_OK)
                        return DG_EINVAL;
        } else {
                hlen = strlen(s);
                if (hlen == 0 || hlen >= sizeof host)
                        return DG_EINVAL;
                memcpy(host, s, hlen + 1);
        }

        struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
        if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                out->sslen = sizeof *sin;
                out->family = AF_INET;
                snprintf(out->text, sizeof out->text, "%s:%u", host, port);
        } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                out->sslen = sizeof *sin6;
                out->family = AF_INET6;
                snprintf(out->text, sizeof out->text, "[%s]:%u", host, port);
        } else {
                return DG_EINVAL;
        }
        return DG_OK;
}

/* Canonical key of an address (family, address octets, port): "::1" and
 * "0::1" are the same resolver. */
static char *addr_key(const dg_resolver_addr_t *a)
{
        char host[INET6_ADDRSTRLEN];
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
        if (a->family == AF_INET)
                inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        else
                inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
        return g_strdup_printf("%d %s %u", a->family, host,
                               ntohs(a->family == AF_INET ? sin->sin_port : sin6->sin6_port));
}

/* Adds one entry (already trimmed) unless it is a duplicate (a hash set:
 * a 100k-line list loads in well under a second, not minutes). */
static int add_entry(GArray *arr, GHashTable *seen, const char *entry, const char *where,
                     char **errmsg)
{
        dg_resolver_addr_t r;
        if (dg_resolver_parse(entry, &r) != DG_OK) {
                if (errmsg)
                        *errmsg =
                            g_strdup_printf("%s: not an address[:port]: '%.60s'", where, entry);
                return DG_EINVAL;
        }
        char *key = addr_key(&r);
        if (!g_hash_table_add(seen, key))
                return DG_OK; /* a duplicate (the set owns and frees the key) */
        g_array_append_val(arr, r);
        return DG_OK;
}

int dg_resolvers_load(const char *spec, dg_resolver_addr_t **out, size_t *n, char **errmsg)
{
        GArray *arr = g_array_new(FALSE, TRUE, sizeof(dg_resolver_addr_t));
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        int rc = DG_OK;
        *out = NULL;
        *n = 0;
        if (errmsg)
                *errmsg = NULL;
        if (spec == NULL || *spec == 0) {
                if (errmsg)
                        *errmsg = g_strdup("no resolvers given");
                g_array_free(arr, TRUE);
                return DG_EINVAL;
        }

        if (g_file_test(spec, G_FILE_TEST_EXISTS)) {
                FILE *f = fopen(spec, "r");
                if (f == NULL) {
                        if (errmsg)
                                *errmsg =
                                    g_strdup_printf("cannot read %s: %s", spec, g_strerror(errno));
                        g_array_free(arr, TRUE);
                        return DG_EIO;
                }
                char line[512];
                unsigned lineno = 0;
                while (rc == DG_OK && fgets(line, sizeof line, f) != NULL) {
                        lineno++;
                        if (strchr(line, '\n') == NULL && !feof(f)) {
                                if (errmsg)
                                        *errmsg =
                                            g_strdup_printf("%s:%u: line too long", spec, lineno);
                                rc = DG_EINVAL;
                                break;
                        }
                        char *hash = strchr(line, '#');
                        if (hash)
                                *hash = 0;
                        char *t = g_strstrip(line);
                        if (*t == 0)
                                continue;
                        char *where = g_strdup_printf("%s:%u", spec, lineno);
                        rc = add_entry(arr, seen, t, where, errmsg);
                        g_free(where);
                }
                if (rc == DG_OK && ferror(f)) {
                        if (errmsg)
                                *errmsg = g_strdup_printf("cannot read %s", spec);
                        rc = DG_EIO;
                }
                fclose(f);
        } else {
                char **parts = g_strsplit(spec, ",", -1);
                for (char **p = parts; rc == DG_OK && *p; p++) {
                        char *t = g_strstrip(*p);
                        if (*t == 0)
                                continue;
                        rc = add_entry(arr, seen, t, "resolver list", errmsg);
                }
                g_strfreev(parts);
        }
        if (rc == DG_OK && arr->len == 0) {
                if (errmsg)
                        *errmsg = g_strdup_printf("%s: no resolvers in it", spec);
                rc = DG_EINVAL;
        }
        if (rc != DG_OK) {
                g_array_free(arr, TRUE);
                return rc;
        }
        *n = arr->len;
        *out = (dg_resolver_addr_t *)(void *)g_array_free(arr, FALSE);
        return DG_OK;
}
