/* dnsglean CLI — helpers shared by the axfr and walk subcommands. */
#ifndef DG_XFR_CLI_H
#define DG_XFR_CLI_H

#include <sys/socket.h>
#include <glib.h>

/* One server address to talk to, and where it came from. */
typedef struct {
        struct sockaddr_storage ss;
        socklen_t sslen;
        char text[80]; /* "127.0.0.1:53" or "[::1]:53" */
        char *ns;      /* the NS name it belongs to, or NULL for -s (g_malloc'd) */
} dg_xfr_server_t;

/* Parses one "addr", "addr:port" or "[v6]:port" (through dg_resolver_parse)
 * into *out, whose ns is NULL. Returns 0, or -1 (nothing printed). */
int dg_xfr_server_parse(const char *s, dg_xfr_server_t *out);

/* Parses a comma-separated list of "addr", "addr:port", "[v6]:port" or bare
 * IPv6 addresses (no names are resolved) and appends them to out (array of
 * dg_xfr_server_t). Returns 0, or -1 with a message printed. */
int dg_xfr_parse_servers(const char *cmd, const char *spec, GArray *out);

/* Finds the authoritative servers of domain: asks the resolvers (a file or a
 * comma list, as for brute) for its NS records and their A/AAAA records, and
 * appends one entry per address to out. Returns 0, or -1 with a message. */
int dg_xfr_find_servers(const char *cmd, const char *domain, const char *resolvers, unsigned port,
                        GArray *out);

/* The servers a command asks: the -s list if given, else the zone's name
 * servers found through the -r resolvers (never the system's). Returns 0, or
 * the exit status to end with (2: usage, 1: lookup failed) after printing a
 * one-line error. */
int dg_xfr_servers(const char *cmd, const char *zone, const char *server, const char *resolvers,
                   unsigned port, GArray *out);

/* The -s, -r and -p option entries of axfr and walk; o points to their
 * options (fields server, resolvers: char *; port: int). */
// clang-format off
#define DG_XFR_SERVER_ENTRIES(o)                                                                   \
        {"server", 's', 0, G_OPTION_ARG_STRING, &(o)->server,                                     \
         "Servers to ask (comma list of addr[:port]); default: the zone's NS", "SERVER"},          \
        {"resolvers", 'r', 0, G_OPTION_ARG_STRING, &(o)->resolvers,                               \
         "Resolvers that find the NS (file or comma list)", "RESOLVERS"},                          \
        {"port", 'p', 0, G_OPTION_ARG_INT, &(o)->port, "Port of the found NS (default 53)", "PORT"}
// clang-format on

/* Frees the ns strings of the entries and the array. */
void dg_xfr_servers_free(GArray *a);

/* RR type mnemonic ("A", "TYPE65534") written into buf; returns buf. */
const char *dg_xfr_type_str(uint16_t type, char *buf, size_t cap);

#endif
