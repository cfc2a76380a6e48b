#!/usr/bin/env python3
"""gen-large.py -- one big rbldnsd ip4set for `make bench`: single entries and ranges, seeded.

Writes --out: a default line, the RFC 5782 test point, --entries single addresses drawn
uniformly from the whole IPv4 space (one in a hundred with a code and a TXT of its own, as
feeds give a reason per listing), then --ranges CIDR ranges (/16 to /30) with a code and a
TXT each. Addresses are data only: nothing here sends a packet.
"""
import argparse
import random


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--entries", type=int, default=10000000)
    p.add_argument("--ranges", type=int, default=100000)
    p.add_argument("--seed", type=int, default=20240601)
    a = p.parse_args()
    rnd = random.Random(a.seed)
    bits = rnd.getrandbits
    plens = [16, 18, 20, 22, 24, 24, 25, 26, 27, 28, 29, 30]
    with open(a.out, "w") as f:
        f.write(":127.0.0.2:Listed, see https://bl.example/lookup?$\n127.0.0.2\n")
        out = []
        for i in range(a.entries):
            x = bits(32)
            ip = "%d.%d.%d.%d" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255)
            out.append("%s :127.0.0.4:exploited host, case %d\n" % (ip, i) if i % 100 == 0
                       else ip + "\n")
            if len(out) >= 200000:
                f.write("".join(out))
                out = []
        for i in range(a.ranges):
            b = rnd.choice(plens)
            x = bits(32) & ((0xffffffff << (32 - b)) & 0xffffffff)
            out.append("%d.%d.%d.%d/%d :127.0.0.3:range %d\n"
                       % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255, b, i))
        f.write("".join(out))


if __name__ == "__main__":
    main()
