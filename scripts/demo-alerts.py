#!/usr/bin/env python3
# demo-alerts.py -- the webhook receiver of `make demo`: prints each alert blmon POSTs, as it comes.
# Usage: demo-alerts.py PORT (on 127.0.0.1); python3 standard library only.
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            doc = json.loads(body)
            text = doc.get("text") or doc.get("subject") or ""
        except ValueError:
            text = "(not JSON)"
        # the text holds the lists' TXT: anyone's words, so no control characters reach the terminal
        clean = "".join(c if c.isprintable() or c == "\n" else " " for c in text)
        lines = clean.splitlines() or [""]
        out = "  ALERT  " + lines[0] + "".join("\n         " + line for line in lines[1:])
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, fmt, *args):
        pass


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: demo-alerts.py PORT\n")
        return 2
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
