#!/usr/bin/env python3
"""gen-scale.py -- the zones and the [list] sections of issue 14's /16 scenario, for bench/scale.sh.

Deterministic for a given --seed. The monitored network is 10.1.0.0/16. Writes into --out DIR:
  ownN.zone        rbldnsd ip4set data of zones bl1..bl6.scale.test (scope ip): single
                   addresses of the /16, OWN_COUNTS of them per list (4,500 in all), codes
                   127.0.0.2-5, every TXT_EVERY-th entry with a TXT record, the rest without
  net.zone         net.scale.test (scope network, ip4trie): NETS /24s of the /16, each with the
                   TXT "Net 10.1.X.0/24 is listed ..." that names it
  asn.zone         asn.scale.test (scope asn, ip4set): the whole /16, TXT "Your ISP AS64500 ..."
  origin.zone      origin.asn.cymru.com (ip4set): the /16 announced by AS64500, so the daemon's
  asname.zone      neighbourhood lookup names the provider; asn.cymru.com (generic)
  zones.txt        one rbldnsd zone spec per line: NAME:TYPE:FILE
  lists.conf       the blmon [lists] and [list ZONE] sections for these zones
  manifest.json    what was generated: own listings, listed /24s, the AS, expected problems
Every zone lists the RFC 5782 test point 127.0.0.2 and not 127.0.0.1. Nothing here sends a
packet; 10.1.0.0/16 is private space.
"""
import argparse
import ipaddress
import json
import os
import random

NETWORK = ipaddress.ip_network("10.1.0.0/16")
# own listings per ip-scope list: 4,500 in all, from a big list to a small one
OWN_COUNTS = (1200, 1000, 800, 700, 500, 300)
SEVERITY = ("high", "high", "medium", "medium", "low", "low")
CODES = (("127.0.0.2", "Spam source"), ("127.0.0.3", "Exploited host (botnet, proxy)"),
         ("127.0.0.4", "Snowshoe spam range"), ("127.0.0.5", "Dynamic address, sends direct"))
TXT_EVERY = 40   # one own listing in TXT_EVERY has a TXT record
NETS = 40        # listed /24s
ASN = 64500


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=20240614)
    return p.parse_args()


def main():
    a = parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    base = int(NETWORK.network_address)
    specs, sections, lists = [], [], []
    own_pairs = 0
    own_ips = set()

    def head(zone, text=""):
        return ["# %s: issue 14 scale scenario, seed %d" % (zone, a.seed),
                ":127.0.0.2:%s" % text,
                "127.0.0.2 :127.0.0.2:RFC 5782 test point"]

    for i, count in enumerate(OWN_COUNTS, 1):
        zone = "bl%d.scale.test" % i
        lines = head(zone)
        for k, off in enumerate(sorted(rnd.sample(range(NETWORK.num_addresses), count))):
            ip = str(ipaddress.IPv4Address(base + off))
            code = rnd.choice(CODES)[0]
            text = "Listed in %s for spam from %s, see https://%s/lookup?ip=%s" % (
                zone, ip, zone, ip) if k % TXT_EVERY == 0 else ""
            lines.append("%s :%s:%s" % (ip, code, text))
            own_ips.add(off)
        own_pairs += count
        fname = "own%d.zone" % i
        with open(os.path.join(a.out, fname), "w") as f:
            f.write("\n".join(lines) + "\n")
        specs.append("%s:ip4set:%s" % (zone, fname))
        sec = ["[list %s]" % zone, "name = Scale BL%d" % i, "scope = ip",
               "severity = %s" % SEVERITY[i - 1]]
        sec += ["code = %s %s" % c for c in CODES]
        sec.append("removal = https://%s/remove?ip={target}" % zone)
        sections.append("\n".join(sec))
        lists.append({"zone": zone, "scope": "ip", "listed": count})

    nets = sorted(rnd.sample(range(256), NETS))
    lines = head("net.scale.test")
    for x in nets:
        lines.append("10.1.%d.0/24 :127.0.0.2:Net 10.1.%d.0/24 is listed because %d abusers are "
                     "hosted in it. See https://net.scale.test/?ip=10.1.%d.1"
                     % (x, x, 3 + x % 7, x))
    with open(os.path.join(a.out, "net.zone"), "w") as f:
        f.write("\n".join(lines) + "\n")
    specs.append("net.scale.test:ip4trie:net.zone")
    sections.append("\n".join([
        "[list net.scale.test]", "name = Scale Network BL", "scope = network", "severity = low",
        "code = 127.0.0.2 The network has too many listed addresses",
        "removal = https://net.scale.test/check?ip={target}"]))
    lists.append({"zone": "net.scale.test", "scope": "network", "listed": NETS * 256})

    lines = head("asn.scale.test")
    lines.append("%s :127.0.0.2:Your ISP AS%d is listed because it hosts too many abusers"
                 % (NETWORK, ASN))
    with open(os.path.join(a.out, "asn.zone"), "w") as f:
        f.write("\n".join(lines) + "\n")
    specs.append("asn.scale.test:ip4set:asn.zone")
    sections.append("\n".join([
        "[list asn.scale.test]", "name = Scale ASN BL", "scope = asn", "severity = low",
        "code = 127.0.0.2 The AS hosts too many abusers",
        "removal = https://asn.scale.test/check?ip={target}"]))
    lists.append({"zone": "asn.scale.test", "scope": "asn", "listed": NETWORK.num_addresses})

    # Team Cymru's answers for the /16: one prefix, one origin AS with a name
    with open(os.path.join(a.out, "origin.zone"), "w") as f:
        f.write("%s :127.0.0.2:%d | %s | ZZ | test | 2020-01-01\n" % (NETWORK, ASN, NETWORK))
    with open(os.path.join(a.out, "asname.zone"), "w") as f:
        f.write('AS%d TXT "%d | ZZ | test | 2020-01-01 | SCALE-HOSTING"\n' % (ASN, ASN))
    specs += ["origin.asn.cymru.com:ip4set:origin.zone", "asn.cymru.com:generic:asname.zone"]

    with open(os.path.join(a.out, "zones.txt"), "w") as f:
        f.write("\n".join(specs) + "\n")
    with open(os.path.join(a.out, "lists.conf"), "w") as f:
        f.write("[lists]\ndefault = no\n\n" + "\n\n".join(sections) + "\n")
    manifest = {"seed": a.seed, "network": str(NETWORK), "lists": lists,
                "own_listings": own_pairs, "own_addresses": len(own_ips),
                "listed_nets": ["10.1.%d.0/24" % x for x in nets], "asn": "AS%d" % ASN,
                "problems": {"ip": own_pairs, "network": NETS, "asn": 1},
                "results": NETWORK.num_addresses * len(lists)}
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
