#!/usr/bin/env python3
# hostiledns.py -- a lying DNS server on loopback for the hostile-answer tests (python3 stdlib only).
# Each target address of the zone hostile.test picks one way of answering badly (or well).
"""Usage: hostiledns.py [DIR]

Listens on 127.0.0.1 (UDP and TCP, the same free port) and prints the port on
stdout once both listen. It serves one DNSBL zone, hostile.test:

  127.0.0.2 (2.0.0.127.hostile.test)   A 127.0.0.2: the RFC 5782 positive test point
  127.0.0.1                            NXDOMAIN: the negative test point
  10.0.0.N                             mode N of MODES below
  anything else                        NXDOMAIN

and a second zone, liar.test, whose positive test point is answered with an
A record of another name (unusable), so the list must not be trusted.

It also plays Team Cymru (TXT only): origin.asn.cymru.com routes 192.0.2.0/24,
198.51.100.0/24 and 203.0.113.0/24 (AS64500, AS64501, AS64502, each named in
asn.cymru.com), answers 198.18.0.N by mode N of CYMRU_MODES and all of
198.18.1.0/24 malformed, and says NXDOMAIN (not routed) for anything else.

TXT queries for a name whose mode answers A records get one TXT record
("Listed by hostile.test", or hostile text for the bidi mode). Every query is
appended to DIR/queries.log (DIR: the working directory by default) as
"PROTO QNAME QTYPE".
"""
import socket
import struct
import sys
import threading
import time

ZONE = "hostile.test"
T_A, T_CNAME, T_TXT = 1, 5, 16
C_IN, C_CH = 1, 3
LOG_LOCK = threading.Lock()
LOG_PATH = "queries.log"


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode()
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def rr(owner, rtype, rclass, ttl, rdata):
    if isinstance(owner, str):
        owner = name_wire(owner)
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def a(addr):
    return bytes(int(x) for x in addr.split("."))


def txt(text):
    raw = text.encode("utf-8")
    return bytes([len(raw)]) + raw


class Reply:
    """What to send back: answer records, flags, and misbehaviours."""

    def __init__(self, answers=(), rcode=0, ancount=None, tc_udp=False, delay=0.0,
                 id_delta=0, qname_override=None, tcp_close=False, raw_answer=None,
                 silent=False):
        self.answers = list(answers)
        self.rcode = rcode
        self.ancount = ancount
        self.tc_udp = tc_udp
        self.delay = delay
        self.id_delta = id_delta
        self.qname_override = qname_override
        self.tcp_close = tcp_close
        self.raw_answer = raw_answer
        self.silent = silent


def listed(q, n=1, code="127.0.0.2", ttl=60):
    return [rr(q, T_A, C_IN, ttl, a(code)) for _ in range(n)]


# mode number -> (function of the query name giving a Reply)
MODES = {
    1: lambda q: Reply([rr("other." + ZONE, T_A, C_IN, 60, a("127.0.0.2"))]),  # A of another name
    2: lambda q: Reply([rr(q, T_CNAME, C_IN, 60, name_wire(q))]),                # CNAME to itself
    3: lambda q: Reply([rr(q, T_A, C_IN, 60, b"\x7f\x00\x00")]),                  # A of 3 bytes
    4: lambda q: Reply([rr(q, T_A, C_IN, 60, bytes(16))]),                        # A of 16 bytes
    5: lambda q: Reply([rr(q, T_A, C_CH, 60, a("127.0.0.2"))]),                  # class CH
    6: lambda q: Reply([rr(q, T_TXT, C_IN, 60, txt("not an address"))]),         # TXT for an A
    7: lambda q: Reply(listed(q, 15) + [rr(q, T_A, C_IN, 60, a("8.8.8.8"))]),    # 16th outside 127/8
    8: lambda q: Reply(listed(q, 16) + [rr(q, T_A, C_IN, 60, a("8.8.8.8"))]),    # 17th outside 127/8
    9: lambda q: Reply([rr(q, T_A, C_IN, 60, a("8.8.8.8"))] + listed(q, 16)),    # first outside
    10: lambda q: Reply(listed(q, ttl=2**31 - 1)),                                # TTL that never ends
    11: lambda q: Reply(listed(q), id_delta=1),                                   # wrong id
    12: lambda q: Reply(listed(q), qname_override="10.10.10.10." + ZONE),         # wrong question
    13: lambda q: Reply(listed(q), tc_udp=True),                                  # TC -> TCP, fine
    14: lambda q: Reply(raw_answer=lambda at: struct.pack(">H", 0xc000 | at)  # a name that
                        + struct.pack(">HHIH", T_A, C_IN, 60, 4) + a("127.0.0.2")),  # points at itself
    15: lambda q: Reply(listed(q), ancount=5),                                    # lying counts
    16: lambda q: Reply(rcode=2),                                                 # SERVFAIL
    17: lambda q: Reply(rcode=5),                                                 # REFUSED
    18: lambda q: Reply(listed(q), delay=3.0),                                    # too slow
    19: lambda q: Reply([rr(q, T_A, C_IN, 60, a("127.0.0.%d" % i)) for i in range(2, 22)]),
    20: lambda q: Reply([rr(q, T_CNAME, C_IN, 60, name_wire("alias." + ZONE)),
                         rr("alias." + ZONE, T_A, C_IN, 60, a("127.0.0.2"))]),   # a sound CNAME
    21: lambda q: Reply([rr(q, T_CNAME, C_IN, 60, name_wire("nowhere.example"))]),  # dangling
    22: lambda q: Reply(listed(q)),                                               # bidi TXT
    23: lambda q: Reply(rcode=3),                                                 # NXDOMAIN
    24: lambda q: Reply(),                                                        # NOERROR, empty
    25: lambda q: Reply(listed(q), tc_udp=True, tcp_close=True),                  # TCP closed
    26: lambda q: Reply(listed(q, 15) + [rr(q, T_A, C_IN, 60, a("127.0.0.1"))]),  # 16th 127.0.0.1
}

CYMRU_ORIGIN = "origin.asn.cymru.com"
CYMRU_AS = "asn.cymru.com"
CYMRU_ROUTES = {"192.0.2": 64500, "198.51.100": 64501, "203.0.113": 64502}
CYMRU_NAMES = {64500: "EXAMPLE-A", 64501: "EXAMPLE-B", 64502: "EXAMPLE-C"}

# 198.18.0.N -> how its origin query is answered
CYMRU_MODES = {
    1: lambda q: Reply([rr(q, T_TXT, C_IN, 60, txt("garbage | not | an | origin"))]),  # malformed
    2: lambda q: Reply(silent=True),                                                   # no answer
    3: lambda q: Reply(rcode=2),                                                       # SERVFAIL
    4: lambda q: Reply(rcode=5),                                                       # REFUSED
}


def cymru_reply(qname):
    """The answer of the Cymru zones to a TXT query for qname."""
    if qname.endswith("." + CYMRU_ORIGIN):
        rev = qname[:-len(CYMRU_ORIGIN) - 1].split(".")
        if len(rev) != 4:
            return Reply(rcode=3)
        net, last = ".".join(reversed(rev[1:])), rev[0]
        if net == "198.18.0" and last.isdigit() and int(last) in CYMRU_MODES:
            return CYMRU_MODES[int(last)](qname)
        if net == "198.18.1":
            return CYMRU_MODES[1](qname)  # a whole network of malformed answers
        if net in CYMRU_ROUTES:
            record = "%d | %s.0/24 | ZZ | test | 2024-01-01" % (CYMRU_ROUTES[net], net)
            return Reply([rr(qname, T_TXT, C_IN, 60, txt(record))])
        return Reply(rcode=3)
    label = qname[:-len(CYMRU_AS) - 1]
    if label.startswith("as") and label[2:].isdigit() and int(label[2:]) in CYMRU_NAMES:
        asn = int(label[2:])
        record = "%d | ZZ | test | 2001-01-01 | %s" % (asn, CYMRU_NAMES[asn])
        return Reply([rr(qname, T_TXT, C_IN, 60, txt(record))])
    return Reply(rcode=3)


BIDI_TXT = "Listed \u202eevil\u202c \u2066isolate\u2069 by hostile.test"


def parse_question(msg):
    """The query id, the name asked (lower case), its type, and the question section bytes."""
    qid = struct.unpack(">H", msg[:2])[0]
    off, labels = 12, []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    off += 1
    qtype = struct.unpack(">H", msg[off:off + 2])[0]
    return qid, ".".join(labels).lower(), qtype, msg[12:off + 4]


def reply_for(qname, qtype):
    if qname == "2.0.0.127.liar.test" and qtype == T_A:
        return MODES[1](qname)
    if qname.endswith("." + CYMRU_AS):
        return cymru_reply(qname) if qtype == T_TXT else Reply(rcode=3)
    if not qname.endswith("." + ZONE):
        return Reply(rcode=3)
    rev = qname[:-len(ZONE) - 1].split(".")
    if len(rev) != 4:
        return Reply(rcode=3)
    ip = ".".join(reversed(rev))
    if ip == "127.0.0.2":
        r = Reply(listed(qname))
    elif ip == "127.0.0.1":
        return Reply(rcode=3)
    elif ip.startswith("10.0.0.") and int(ip.split(".")[3]) in MODES:
        r = MODES[int(ip.split(".")[3])](qname)
    else:
        return Reply(rcode=3)
    if qtype == T_TXT:
        text = BIDI_TXT if ip == "10.0.0.22" else "Listed by hostile.test"
        has_a = any(len(x) > 10 for x in r.answers) and r.rcode == 0
        return Reply([rr(qname, T_TXT, C_IN, 60, txt(text))] if has_a else [], rcode=r.rcode)
    return r


def build(qid, question, qname, qtype, r, over_tcp):
    flags = 0x8000 | 0x0400 | 0x0100 | 0x0080 | r.rcode  # QR AA RD RA
    answers = r.answers
    if r.tc_udp and not over_tcp:
        flags |= 0x0200
        answers = []
    if r.qname_override:
        question = name_wire(r.qname_override) + struct.pack(">HH", qtype, C_IN)
    if r.raw_answer is not None:
        # the raw answer is made knowing its own offset (12 header bytes, then the question)
        body, count = r.raw_answer(12 + len(question)), 1
    else:
        body, count = b"".join(answers), len(answers)
    if r.ancount is not None and not (r.tc_udp and not over_tcp):
        count = r.ancount
    header = struct.pack(">HHHHHH", (qid + r.id_delta) & 0xffff, flags, 1, count, 0, 0)
    return header + question + body


def log(proto, qname, qtype):
    with LOG_LOCK:
        with open(LOG_PATH, "a") as f:
            f.write("%s %s %d\n" % (proto, qname, qtype))


def answer(msg, over_tcp):
    """The bytes to send back, or None to stay silent (and whether to close TCP)."""
    try:
        qid, qname, qtype, question = parse_question(msg)
    except (IndexError, struct.error):
        return None, False
    log("tcp" if over_tcp else "udp", qname, qtype)
    r = reply_for(qname, qtype)
    if r.silent:
        return None, False
    if r.delay:
        time.sleep(r.delay)
    if over_tcp and r.tcp_close:
        return None, True
    return build(qid, question, qname, qtype, r, over_tcp), False


def serve_udp(sock):
    while True:
        msg, peer = sock.recvfrom(4096)

        def one(m=msg, p=peer):
            out, _ = answer(m, False)
            if out is not None:
                sock.sendto(out, p)
        threading.Thread(target=one, daemon=True).start()


def serve_tcp_conn(conn):
    with conn:
        while True:
            head = conn.recv(2)
            if len(head) < 2:
                return
            n = struct.unpack(">H", head)[0]
            msg = b""
            while len(msg) < n:
                chunk = conn.recv(n - len(msg))
                if not chunk:
                    return
                msg += chunk
            out, close = answer(msg, True)
            if close:
                return
            if out is not None:
                conn.sendall(struct.pack(">H", len(out)) + out)


def serve_tcp(sock):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn,), daemon=True).start()


def main():
    global LOG_PATH
    if len(sys.argv) > 1:
        LOG_PATH = sys.argv[1] + "/queries.log"
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(64)
        break
    else:
        sys.exit("hostiledns: no free port")
    threading.Thread(target=serve_tcp, args=(tcp,), daemon=True).start()
    print(port, flush=True)
    serve_udp(udp)


if __name__ == "__main__":
    main()
