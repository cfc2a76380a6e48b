#!/usr/bin/env python3
# httpfixture.py -- a loopback HTTP server for the DROP, SNDS, nagios and webhook tests (python3 stdlib only).
# Serves the files of a folder with ETag/Last-Modified, records POSTs, and misbehaves on purpose.
"""Usage: httpfixture.py DIR

Listens on 127.0.0.1 at a free port and prints that port on stdout once it
listens. Paths:
  /NAME         the file DIR/NAME, with ETag and Last-Modified; 304 when
                If-None-Match matches (or, without it, If-Modified-Since is
                not older than the file); 404 when absent. NAME may name a
                file in a subfolder (api/v1/status); no part may start with "."
  /500          always HTTP 500
  /close/NAME   promises DIR/NAME in full (Content-Length) but closes the
                connection after half of it
  /slow         answers after 30 seconds
  /endless      a body with no length that never ends (until 64 MiB)
  POST /hook/NAME[?fail=N]
                a webhook receiver: answers 500 to the first N POSTs to NAME
                (default 0), then 200. Every POST is appended to
                DIR/hook-NAME.jsonl as one JSON object per line: {"n": 1..,
                "status": 500|200, "headers": {...}, "body": "..."}
  POST /reject  answers 401 quoting the request's Authorization header in its
                body, as careless receivers and proxies do: what a client
                keeps of an error body must not carry the secret on
  /snds/NAME?key=KEY
                Microsoft SNDS's automated access: the file DIR/snds/KEY/NAME
                (ipStatus.aspx, data.aspx), served like /NAME (ETag, 304).
                A key without a folder gets SNDS's sign-in page (403, HTML).
                DIR/snds/KEY/NAME.mode, when present, misbehaves instead:
                "500" (HTTP 500), "html" (an HTML error page with status
                200), "close" (half the file, then the connection closes),
                "slow" (answers after 30 seconds)
Every GET is appended to DIR/requests.log as
"PATH ua=... inm=... ims=..." so tests can see what the client sent.
"""
import email.utils
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = "."
HOOKS = {}  # NAME -> POSTs received so far
HOOKS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so Content-Length is what marks the end of a body
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass  # requests.log is the record; stderr stays quiet

    def record(self):
        with open(os.path.join(ROOT, "requests.log"), "a") as f:
            f.write("%s ua=%s inm=%s ims=%s\n" % (
                self.path, self.headers.get("User-Agent"),
                self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")))

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if code != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def read_file(self, name):
        # plain names, possibly in subfolders: no way out of ROOT
        parts = name.split("/")
        if not name or any(not p or p.startswith(".") for p in parts):
            return None, None
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):
            return None, None
        with open(path, "rb") as f:
            return f.read(), os.stat(path).st_mtime

    def serve(self, data, mtime, ctype):
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        lm = email.utils.formatdate(mtime, usegmt=True)
        validators = [("ETag", etag), ("Last-Modified", lm)]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            if etag in tags or "*" in tags:
                return self.reply(304, headers=validators)
        elif ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and int(mtime) <= since:
                return self.reply(304, headers=validators)
        return self.reply(200, data, validators + [("Content-Type", ctype)])

    def snds(self, name, query):
        key = urllib.parse.parse_qs(query).get("key", [""])[0]
        page = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>SNDS</body></html>"
        if not key or not all(c.isalnum() or c == "-" for c in key) or "/" in name or \
                not os.path.isdir(os.path.join(ROOT, "snds", key)):
            return self.reply(403, page, [("Content-Type", "text/html")])
        mode, _ = self.read_file("snds/%s/%s.mode" % (key, name))
        mode = mode.decode().strip() if mode is not None else ""
        if mode == "500":
            return self.reply(500, b"<html>Server Error</html>", [("Content-Type", "text/html")])
        if mode == "html":
            return self.reply(200, page, [("Content-Type", "text/html")])
        if mode == "slow":
            time.sleep(30)
        data, mtime = self.read_file("snds/%s/%s" % (key, name))
        if data is None:
            return self.reply(404, b"not found\n")
        if mode == "close":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        return self.serve(data, mtime, "text/plain")

    def do_GET(self):
        self.record()
        path, _, query = self.path.partition("?")
        if path.startswith("/snds/"):
            return self.snds(path[len("/snds/"):], query)
        if path == "/500":
            return self.reply(500, b"internal error\n")
        if path == "/slow":
            time.sleep(30)
            return self.reply(200, b"late\n")
        if path == "/endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"x" * (1 << 20)
            try:
                for _ in range(64):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client hung up, as it should
            return
        if path.startswith("/close/"):
            data, _ = self.read_file(path[len("/close/"):])
            if data is None:
                return self.reply(404, b"not found\n")
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        data, mtime = self.read_file(path.lstrip("/"))
        if data is None:
            return self.reply(404, b"not found\n")
        return self.serve(data, mtime, "application/x-ndjson")


    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/reject":
            quoted = "invalid credentials: Authorization: %s\n" % self.headers.get("Authorization")
            return self.reply(401, quoted.encode("utf-8", "replace"))
        name = url.path[len("/hook/"):] if url.path.startswith("/hook/") else ""
        if not name or "/" in name or name.startswith("."):
            return self.reply(404, b"not found\n")
        fail = int(urllib.parse.parse_qs(url.query).get("fail", ["0"])[0])
        with HOOKS_LOCK:
            n = HOOKS.get(name, 0) + 1
            HOOKS[name] = n
            status = 500 if n <= fail else 200
            rec = {"n": n, "status": status, "headers": dict(self.headers.items()),
                   "body": body.decode("utf-8", "replace")}
            with open(os.path.join(ROOT, "hook-%s.jsonl" % name), "a") as f:
                f.write(json.dumps(rec) + "\n")
        return self.reply(status, b"ok\n" if status == 200 else b"try later\n")


def main():
    global ROOT
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    ROOT = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
