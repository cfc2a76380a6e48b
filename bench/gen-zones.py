#!/usr/bin/env python3
"""gen-zones.py -- synthetic DNSBL zones, their truth and dnsperf query files for `make bench`.

Deterministic for a given --seed. Writes into --out DIR:
  blN.zone          rbldnsd data for zone blN.bench.test (N = 1..--zones); odd zones are
                    ip4set, even zones ip4trie (see zones.txt); ~--entries lines each,
                    a mix of single IPs and CIDR ranges (/31 .. /24), non-overlapping,
                    each with its own A code (127.0.0.2 .. 127.0.0.11) and TXT text.
                    Every zone lists the RFC 5782 test point 127.0.0.2 and not 127.0.0.1.
  zones.txt         one rbldnsd zone spec per line: NAME:TYPE:FILE
  truth.tsv         "IP ZONE CODE" for every listed (IP, zone) inside the swept /16
                    (everything of the sweep not in it must be clean)
  queries-A.txt     dnsperf input: "REVERSED-IP.ZONE A" for every IP of the /16 x every zone,
                    followed, for a listed pair, by the same name with TXT (blmon asks TXT
                    for a listed answer too): the same names blmon sends
  sample.txt        --sample IPs of the /16 (seeded), for the slower tools' extrapolated runs
  manifest.json     sweep, zones, and per sweep prefix (/20, /18, /16) the number of IPs,
                    listed pairs and expected A + TXT queries

Addresses are data only, from reserved space: the sweep is 198.18.0.0/16 (RFC 2544
benchmarking); entries outside the sweep are drawn from 10.0.0.0/8. Nothing here sends
a packet.
"""
import argparse
import ipaddress
import json
import os
import random
import sys

SWEEP = ipaddress.ip_network("198.18.0.0/16")
OUTSIDE = ipaddress.ip_network("10.0.0.0/8")
PREFIXES = (20, 18, 16)
# range prefix length -> weight (mean range size about 21 addresses)
RANGE_WEIGHTS = {31: 20, 30: 25, 29: 20, 28: 15, 27: 10, 26: 5, 25: 3, 24: 2}
CODES = ["127.0.0.%d" % i for i in range(2, 12)]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--zones", type=int, default=8)
    p.add_argument("--entries", type=int, default=10000, help="listed entries (lines) per zone")
    p.add_argument("--inside", type=float, default=0.12,
                   help="fraction of a zone's entries placed inside the swept /16")
    p.add_argument("--ranges", type=float, default=0.10, help="fraction of entries that are ranges")
    p.add_argument("--sample", type=int, default=200, help="IPs in sample.txt")
    return p.parse_args()


class Space:
    """A block of addresses with an occupancy bitmap, to keep entries non-overlapping."""

    def __init__(self, net):
        self.base = int(net.network_address)
        self.size = net.num_addresses
        self.used = bytearray(self.size)

    def reset(self):
        self.used = bytearray(self.size)

    def take(self, rnd, plen):
        """Reserve a free aligned block of prefix length plen; return (first, count) or None."""
        count = 1 << (32 - plen)
        for _ in range(64):
            off = rnd.randrange(0, self.size // count) * count
            if not any(self.used[off:off + count]):
                self.used[off:off + count] = b"\x01" * count
                return self.base + off, count
        return None


def ip_str(n):
    return str(ipaddress.IPv4Address(n))


def main():
    a = parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    inside, outside = Space(SWEEP), Space(OUTSIDE)
    plens = list(RANGE_WEIGHTS)
    weights = [RANGE_WEIGHTS[k] for k in plens]
    zones = []
    # truth[offset in sweep] -> list of (zone index, code)
    truth = {}
    for z in range(1, a.zones + 1):
        name = "bl%d.bench.test" % z
        ztype = "ip4set" if z % 2 else "ip4trie"
        fname = "bl%d.zone" % z
        inside.reset()
        outside.reset()
        lines = [
            "# %s (%s): synthetic benchmark zone, seed %d" % (name, ztype, a.seed),
            ":127.0.0.2:Listed in %s, see https://bench.invalid/lookup?ip=$" % name,
            "# RFC 5782 test point: 127.0.0.2 listed, 127.0.0.1 not",
            "127.0.0.2 :127.0.0.2:RFC 5782 test point",
        ]
        n_singles = n_ranges = listed_in_sweep = 0
        for _ in range(a.entries):
            space = inside if rnd.random() < a.inside else outside
            plen = rnd.choices(plens, weights)[0] if rnd.random() < a.ranges else 32
            got = space.take(rnd, plen)
            if got is None:
                continue
            first, count = got
            code = rnd.choice(CODES)
            text = "bench %s entry %s/%d" % (name, ip_str(first), plen)
            key = ip_str(first) if plen == 32 else "%s/%d" % (ip_str(first), plen)
            lines.append("%s :%s:%s" % (key, code, text))
            if plen == 32:
                n_singles += 1
            else:
                n_ranges += 1
            if space is inside:
                for off in range(first - inside.base, first - inside.base + count):
                    truth.setdefault(off, []).append((z, code))
                listed_in_sweep += count
        with open(os.path.join(a.out, fname), "w") as f:
            f.write("\n".join(lines) + "\n")
        zones.append({"name": name, "type": ztype, "file": fname, "singles": n_singles,
                      "ranges": n_ranges, "listed_in_sweep": listed_in_sweep})

    with open(os.path.join(a.out, "zones.txt"), "w") as f:
        for z in zones:
            f.write("%s:%s:%s\n" % (z["name"], z["type"], z["file"]))

    base = int(SWEEP.network_address)
    with open(os.path.join(a.out, "truth.tsv"), "w") as f:
        f.write("# ip zone code -- listed pairs in %s; every other pair is clean\n" % SWEEP)
        for off in sorted(truth):
            ip = ip_str(base + off)
            for z, code in truth[off]:
                f.write("%s %s %s\n" % (ip, zones[z - 1]["name"], code))

    names = [z["name"] for z in zones]
    with open(os.path.join(a.out, "queries-A.txt"), "w") as f:
        out = []
        for off in range(SWEEP.num_addresses):
            o = ipaddress.IPv4Address(base + off).packed
            rev = "%d.%d.%d.%d." % (o[3], o[2], o[1], o[0])
            listed = {z for z, _ in truth.get(off, ())}
            for i, n in enumerate(names, 1):
                out.append(rev + n + " A\n")
            for i, n in enumerate(names, 1):
                if i in listed:
                    out.append(rev + n + " TXT\n")
            if len(out) > 65536:
                f.write("".join(out))
                out = []
        f.write("".join(out))

    srnd = random.Random(a.seed + 1)
    with open(os.path.join(a.out, "sample.txt"), "w") as f:
        for off in sorted(srnd.sample(range(SWEEP.num_addresses), a.sample)):
            f.write(ip_str(base + off) + "\n")

    sweeps = {}
    for plen in PREFIXES:
        n = 1 << (32 - plen)
        pairs = sum(len(truth[o]) for o in truth if o < n)
        ips = sum(1 for o in truth if o < n)
        sweeps[str(plen)] = {"network": "%s/%d" % (SWEEP.network_address, plen), "ips": n,
                             "listed_pairs": pairs, "listed_ips": ips,
                             "expected_queries": n * len(zones) + pairs}
    manifest = {"seed": a.seed, "sweep": str(SWEEP), "zones": zones, "sweeps": sweeps,
                "entries_per_zone": a.entries}
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    s16 = sweeps["16"]
    print("gen-zones: %d zones x ~%d entries; /16: %d listed pairs on %d IPs, %d queries expected"
          % (len(zones), a.entries, s16["listed_pairs"], s16["listed_ips"], s16["expected_queries"]),
          file=sys.stderr)


if __name__ == "__main__":
    main()
