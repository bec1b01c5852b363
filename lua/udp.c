/* dnsglean Lua module — dg.udp(): a minimal UDP socket for plain Lua.
 *
 * Plain Lua has no sockets. This one exists so a script can drive the
 * sans-I/O engine itself (a custom loop: pacing, logging, several engines in
 * one loop) without the blocking e:results() driver or a third-party socket
 * library. Addresses use the engine's resolver text form ("127.0.0.1:53",
 * "[::1]:53"), so what s:recv() returns can go straight into e:feed().
 */
#include "ldg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
        int fd4, fd6; /* -1 until first used */
        int closed;
} ludp_t;

static void udp_release(ludp_t *u)
{
        if (u->fd4 >= 0)
                close(u->fd4);
        if (u->fd6 >= 0)
                close(u->fd6);
        u->fd4 = u->fd6 = -1;
        u->closed = 1;
}

static ludp_t *check_udp(lua_State *L)
{
        ludp_t *u = luaL_checkudata(L, 1, DG_LUA_UDP_MT);
        if (u->closed)
                luaL_error(L, "dnsglean.udp: socket is closed");
        return u;
}

/* __gc, __close and s:close(): idempotent. */
static int l_udp_gc(lua_State *L)
{
        udp_release(luaL_checkudata(L, 1, DG_LUA_UDP_MT));
        return 0;
}

/* dg.udp() -> socket */
static int l_udp_new(lua_State *L)
{
        ludp_t *u = dg_newudata(L, sizeof *u);
        u->fd4 = u->fd6 = -1;
        u->closed = 0;
        luaL_setmetatable(L, DG_LUA_UDP_MT);
        return 1;
}

static int errno_fail(lua_State *L, const char *what, int err)
{
        return ldg_fail(L, what, strerror(err));
}

/* s:sendto(addr, bytes) -> true | nil, message */
static int l_sendto(lua_State *L)
{
        ludp_t *u = check_udp(L);
        const char *addr = luaL_checkstring(L, 2);
        size_t len;
        const char *data = luaL_checklstring(L, 3, &len);
        dg_resolver_addr_t a;
        luaL_argcheck(L, dg_resolver_parse(addr, &a) == DG_OK, 2,
                      "expected \"addr\", \"addr:port\" or \"[v6addr]:port\"");
        int *fd = a.family == AF_INET6 ? &u->fd6 : &u->fd4;
        if (*fd < 0) {
                *fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (*fd < 0)
                        return errno_fail(L, "socket", errno);
        }
        if (sendto(*fd, data, len, 0, (const struct sockaddr *)&a.ss, a.sslen) < 0)
                return errno_fail(L, "sendto", errno);
        lua_pushboolean(L, 1);
        return 1;
}

/* Formats a peer address like the engine's resolver text. */
static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
        char host[INET6_ADDRSTRLEN] = "?";
        if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)ss;
                inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
                snprintf(out, cap, "[%s]:%u", host, ntohs(s6->sin6_port));
        } else {
                const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)ss;
                inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
                snprintf(out, cap, "%s:%u", host, ntohs(s4->sin_port));
        }
}

/* s:recv([timeout_ms]) -> bytes, addr | nil, "timeout" | nil, message
 * Waits at most timeout_ms (default 0: do not wait) for one datagram. */
static int l_recv(lua_State *L)
{
        ludp_t *u = check_udp(L);
        lua_Integer ms = luaL_optinteger(L, 2, 0);
        luaL_argcheck(L, ms >= 0 && ms <= 3600000, 2, "timeout out of range (0..3600000 ms)");
        struct pollfd p[2];
        int n = 0;
        if (u->fd4 >= 0)
                p[n++] = (struct pollfd){.fd = u->fd4, .events = POLLIN};
        if (u->fd6 >= 0)
                p[n++] = (struct pollfd){.fd = u->fd6, .events = POLLIN};
        if (n == 0)
                return ldg_fail(L, NULL, "timeout"); /* nothing sent, nothing to wait for */
        int rc = poll(p, (nfds_t)n, (int)ms);
        if (rc < 0)
                return errno_fail(L, "poll", errno);
        for (int i = 0; i < n; i++) {
                if (!(p[i].revents & (POLLIN | POLLERR)))
                        continue;
                unsigned char buf[65536];
                struct sockaddr_storage ss;
                socklen_t sl = sizeof ss;
                ssize_t got = recvfrom(p[i].fd, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl);
                if (got < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                continue;
                        return errno_fail(L, "recvfrom", errno);
                }
                char text[64];
                addr_text(&ss, text, sizeof text);
                lua_pushlstring(L, (const char *)buf, (size_t)got);
                lua_pushstring(L, text);
                return 2;
        }
        return ldg_fail(L, NULL, "timeout");
}

static int l_udp_tostring(lua_State *L)
{
        ludp_t *u = luaL_checkudata(L, 1, DG_LUA_UDP_MT);
        lua_pushfstring(L, "dnsglean.udp (%s)", u->closed ? "closed" : "open");
        return 1;
}

static const luaL_Reg udp_methods[] = {
    {"sendto", l_sendto},
    {"recv", l_recv},
    {"close", l_udp_gc},
    {NULL, NULL},
};

static const luaL_Reg udp_meta[] = {
    {"__gc", l_udp_gc},
#if DG_LUA_HAS_CLOSE
    {"__close", l_udp_gc},
#endif
    {"__tostring", l_udp_tostring},
    {NULL, NULL},
};

void ldg_open_udp(lua_State *L)
{
        if (luaL_newmetatable(L, DG_LUA_UDP_MT)) {
                luaL_setfuncs(L, udp_meta, 0);
                luaL_newlib(L, udp_methods);
                lua_setfield(L, -2, "__index");
        }
        lua_pop(L, 1);
        lua_pushcfunction(L, l_udp_new);
        lua_setfield(L, -2, "udp");
}
