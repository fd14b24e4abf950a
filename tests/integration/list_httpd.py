#!/usr/bin/env python3
"""A list server for the update tests, on 127.0.0.1 only.

usage: list_httpd.py DIR PORTFILE [CERT KEY]

Serves the files of DIR with an ETag (a hash of the content) and a
Last-Modified, answers 304 to a matching If-None-Match or a not older
If-Modified-Since, and logs every request as one line to DIR/../requests.log:
"PATH STATUS IF-NONE-MATCH". Special paths: /redirect/NAME answers 302 to
/NAME; /stall/NAME sends the headers, then nothing (a timeout);
/trickle/NAME sends the headers, then the body one byte every 0.25 s (a
slow server that never stops making progress); /gzip/NAME claims
Content-Encoding gzip. The port it listens on (0 = any) is written
to PORTFILE once it listens (LIST_HTTPD_PORT in the environment: that
port, one the test picked); with CERT and KEY it speaks TLS.
"""
import email.utils
import hashlib
import http.server
import os
import socketserver
import ssl
import sys
import time

ROOT = os.path.abspath(sys.argv[1])
LOG = os.path.join(os.path.dirname(ROOT), "requests.log")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        with open(LOG, "a") as f:
            f.write("%s %d %s\n" % (self.path, status,
                                    self.headers.get("If-None-Match", "-")))

    def send(self, status, body=b"", headers=()):
        self.note(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/redirect/"):
            return self.send(302, headers=[("Location",
                                            path[len("/redirect"):])])
        mode = None
        for m in ("/stall/", "/gzip/", "/trickle/"):
            if path.startswith(m):
                mode, path = m, path[len(m) - 1:]
        name = os.path.join(ROOT, os.path.basename(path))
        if not os.path.isfile(name):
            return self.send(404, b"not found\n")
        with open(name, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        mtime = int(os.stat(name).st_mtime)
        headers = [("ETag", etag),
                   ("Last-Modified", email.utils.formatdate(mtime,
                                                            usegmt=True))]
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, headers=headers)
        if mode == "/gzip/":
            headers.append(("Content-Encoding", "gzip"))
        if mode == "/stall/":
            self.note(200)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(30)
            return
        if mode == "/trickle/":
            self.note(200)
            self.send_response(200)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.25)
            except OSError:
                pass  # the client gave up
            return
        self.send(200, body, headers)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", int(os.environ.get("LIST_HTTPD_PORT", "0"))),
             Handler)
if len(sys.argv) >= 5:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
