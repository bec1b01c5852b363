#!/usr/bin/env python3
"""The discovery part of a Kubernetes API server, on loopback, for
`kubectl apply --dry-run=client` without a cluster.

    kube-discovery.py PORTFILE REQUESTLOG

kubectl maps each manifest's apiVersion/kind to a resource through the
server's discovery documents (/api, /apis, /api/v1, /apis/batch/v1), then,
for a client-side dry run, GETs the object to choose between create and
patch. This serves those documents for the kinds core/deploy/k8s/ uses
(resource names as in https://kubernetes.io/docs/reference/using-api/api-concepts/
and the API reference), answers 404 NotFound for every object (nothing is
deployed), and records each request line in REQUESTLOG. Nothing is ever
created: a request other than GET gets 405.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def resource(name, kind, namespaced=True, short=None):
    r = {
        "name": name,
        "singularName": kind.lower(),
        "namespaced": namespaced,
        "kind": kind,
        "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
    }
    if short:
        r["shortNames"] = short
    return r


DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": "127.0.0.1:6443"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [{
        "name": "batch",
        "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"},
    }]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        resource("configmaps", "ConfigMap", short=["cm"]),
        resource("persistentvolumeclaims", "PersistentVolumeClaim", short=["pvc"]),
        resource("pods", "Pod", short=["po"]),
        resource("namespaces", "Namespace", namespaced=False, short=["ns"]),
    ]},
    "/apis/batch/v1": {"kind": "APIResourceList", "apiVersion": "v1",
                       "groupVersion": "batch/v1", "resources": [
                           resource("jobs", "Job"),
                           resource("cronjobs", "CronJob", short=["cj"]),
                       ]},
}


class Handler(BaseHTTPRequestHandler):
    log_file = None

    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        Handler.log_file.write("GET %s\n" % path)
        Handler.log_file.flush()
        if path in DISCOVERY:
            self.send_json(200, DISCOVERY[path])
            return
        self.send_json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "NotFound", "code": 404,
                             "message": "%s not found" % path})

    def refuse(self):
        Handler.log_file.write("%s %s\n" % (self.command, self.path))
        Handler.log_file.flush()
        self.send_json(405, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "MethodNotAllowed", "code": 405,
                             "message": "read-only discovery double"})

    do_POST = do_PUT = do_PATCH = do_DELETE = refuse

    def log_message(self, *args):
        pass


def main():
    Handler.log_file = open(sys.argv[2], "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
