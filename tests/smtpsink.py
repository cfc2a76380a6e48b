#!/usr/bin/env python3
# smtpsink.py -- a real SMTP receiver on loopback for the alert tests (Debian python3-aiosmtpd).
# Every accepted message is written to a folder, so tests can read exactly what arrived.
"""Usage: smtpsink.py DIR [PORT] [USER:PASSWORD]

Runs an aiosmtpd Controller on 127.0.0.1 at PORT (0 or absent: a free port),
prints that port on stdout once it accepts connections, and serves until
killed. Each message accepted (250 after DATA) is written as DIR/mail-N.eml
(the bytes received, N from 1) with its envelope in DIR/mail-N.env
("from ADDR" and one "to ADDR" line per recipient), the .eml written first.
With USER:PASSWORD, AUTH (PLAIN/LOGIN, allowed without TLS on loopback) is
required and only that pair accepted; each login attempt is appended to
DIR/auth.log as "ok USER" or "bad USER".
"""
import asyncio
import logging
import os
import socket
import sys
import threading
import time
import warnings

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
except ImportError:  # a python3 that is not Debian's: use Debian's packages
    sys.path.append("/usr/lib/python3/dist-packages")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()

    def _next(self):
        n = 1
        while os.path.exists(os.path.join(self.folder, "mail-%d.eml" % n)):
            n += 1
        return n

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = self._next()
            base = os.path.join(self.folder, "mail-%d" % n)
            data = envelope.original_content or envelope.content
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
            with open(base + ".tmp", "wb") as f:
                f.write(data)
            with open(base + ".env", "w") as f:
                f.write("from %s\n" % envelope.mail_from)
                for r in envelope.rcpt_tos:
                    f.write("to %s\n" % r)
            os.rename(base + ".tmp", base + ".eml")
        return "250 OK: queued as %d" % n


class Auth:
    def __init__(self, folder, user, password):
        self.folder, self.user, self.password = folder, user, password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"") or b""
        pw = getattr(auth_data, "password", b"") or b""
        if isinstance(login, bytes):
            login = login.decode("utf-8", "replace")
        if isinstance(pw, bytes):
            pw = pw.decode("utf-8", "replace")
        ok = login == self.user and pw == self.password
        with open(os.path.join(self.folder, "auth.log"), "a") as f:
            f.write("%s %s\n" % ("ok" if ok else "bad", login))
        # handled=False: aiosmtpd itself answers 535 to a bad login (with the default,
        # it answers nothing and the client waits for its timeout)
        return AuthResult(success=ok, handled=False)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    folder = sys.argv[1]
    # AUTH without TLS is what the test wants on loopback: no warnings about it
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    port = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else 0
    kwargs = {}
    if len(sys.argv) > 3:
        user, _, password = sys.argv[3].partition(":")
        kwargs = dict(authenticator=Auth(folder, user, password), auth_required=True,
                      auth_require_tls=False)
    for attempt in range(20):
        p = port or free_port()
        ctl = Controller(Sink(folder), hostname="127.0.0.1", port=p, ready_timeout=10, **kwargs)
        try:
            ctl.start()
            break
        except (OSError, RuntimeError, asyncio.TimeoutError):
            if port:  # a fixed port: retry while it is still being released
                time.sleep(0.1)
                continue
    else:
        sys.stderr.write("smtpsink: could not listen\n")
        return 1
    print(p, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
