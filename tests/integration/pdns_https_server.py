#!/usr/bin/env python3
"""A CIRCL-style passive DNS service for tests, on loopback only.

    pdns_https_server.py CERT KEY COFDIR USER:PASSWORD PORTFILE LOGFILE

HTTPS (the given certificate) on 127.0.0.1, a free port written to
PORTFILE once listening. GET /MODE/pdns/query/DOMAIN answers with
COFDIR/DOMAIN.cof behind HTTP basic auth (401 without or with wrong
credentials), as MODE says:
  ok        200, Content-Length
  chunked   200, chunked transfer encoding
  r429      429 with Retry-After: 3600
  flaky     429 with Retry-After: 1 on the first request per domain, then ok
  e500      500 with a short body
  forbidden 403
  redirect  302 to /ok/pdns/query/DOMAIN
  cut       Content-Length of the whole file, half of it sent, connection closed
  cutchunk  chunked, half the file sent, connection closed before the last chunk
  cutline   no Content-Length (HTTP/1.0 style end at close), cut mid-line
  stall     headers and one line, then nothing for 60 s
Each request is logged to LOGFILE as "MODE DOMAIN AUTH(yes|no) STATUS".
"""
import base64
import http.server
import os
import ssl
import sys
import threading
import time

CERT, KEY, COFDIR, CRED, PORTFILE, LOGFILE = sys.argv[1:7]
EXPECT = "Basic " + base64.b64encode(CRED.encode()).decode()
seen = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, mode, domain, status):
        with lock, open(LOGFILE, "a") as f:
            auth = "yes" if self.headers.get("Authorization") else "no"
            f.write(f"{mode} {domain} {auth} {status}\n")

    def simple(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) != 4 or parts[1:3] != ["pdns", "query"]:
            self.note("-", "-", 404)
            return self.simple(404, b"no such endpoint\n")
        mode, domain = parts[0], parts[3]
        if self.headers.get("Authorization") != EXPECT:
            self.note(mode, domain, 401)
            return self.simple(401, b"Unauthorized\n",
                               [("WWW-Authenticate", 'Basic realm="pdns"')])
        path = os.path.join(COFDIR, os.path.basename(domain) + ".cof")
        body = open(path, "rb").read() if os.path.exists(path) else b""
        status = self.answer(mode, domain, body)
        self.note(mode, domain, status)

    def answer(self, mode, domain, body):
        if mode == "flaky":
            with lock:
                first = domain not in seen
                seen.add(domain)
            if first:
                self.simple(429, b"slow down\n", [("Retry-After", "1")])
                return 429
            mode = "ok"
        if mode == "ok":
            self.simple(200, body, [("Content-Type", "application/x-ndjson")])
            return 200
        if mode == "r429":
            self.simple(429, b"Too many requests\n", [("Retry-After", "3600")])
            return 429
        if mode == "e500":
            self.simple(500, b"Internal error: database unavailable\n")
            return 500
        if mode == "forbidden":
            self.simple(403, b"Forbidden\n")
            return 403
        if mode == "redirect":
            self.simple(302, b"", [("Location", f"/ok/pdns/query/{domain}")])
            return 302
        return self.partial(mode, body)

    def partial(self, mode, body):
        half = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        if mode == "chunked" or mode == "cutchunk":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = body if mode == "chunked" else half
            for i in range(0, len(data), 100):
                c = data[i:i + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            if mode == "chunked":
                self.wfile.write(b"0\r\n\r\n")
        elif mode == "cut":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(half)
        elif mode == "cutline":
            self.send_header("Connection", "close")
            self.end_headers()
            cut = body.rfind(b"\n", 0, len(body) - 5) + 10  # mid-way into the last line
            self.wfile.write(body[:cut])
        elif mode == "stall":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: body.find(b"\n") + 1])
            self.wfile.flush()
            time.sleep(60)
        else:
            self.simple(404, b"unknown mode\n")
            return 404
        self.wfile.flush()
        self.close_connection = True
        return 200


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
