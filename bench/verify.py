#!/usr/bin/env python3
"""verify.py -- checks verdicts of blmon, check_rbl and rblcheck against gen-zones.py's truth.

  verify.py blmon     --truth T --network CIDR --zones Z1,Z2,.. FILE
  verify.py check_rbl --truth T --zones Z1,.. FILE   (lines "IP<TAB>EXIT<TAB>check_rbl output")
  verify.py rblcheck  --truth T --zones Z1,.. --ips IPFILE FILE   (rblcheck's plain output)

blmon's JSON is read as a stream, one target per line (blmon prints each target on its own
line), so memory stays small for a /16. Prints one JSON object with the counts:
pairs checked, correct, wrong (false_listed / false_clean / wrong_code), unknown, missing
or duplicate targets and, for blmon, its own summary (queries, duration, list health).
Exit status 0 when every pair was checked and correct, 1 otherwise.
"""
import argparse
import ipaddress
import json
import re
import sys


def load_truth(path, network=None):
    truth = {}
    net = ipaddress.ip_network(network) if network else None
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            ip, zone, code = line.split()
            if net is not None and ipaddress.ip_address(ip) not in net:
                continue
            truth.setdefault(ip, {})[zone] = code
    return truth


class Tally:
    def __init__(self):
        self.c = {"pairs": 0, "correct": 0, "false_listed": 0, "false_clean": 0,
                  "wrong_code": 0, "unknown": 0, "missing_targets": 0,
                  "duplicate_targets": 0, "unexpected_targets": 0}
        self.examples = []

    def pair(self, ip, zone, status, codes, truth, detail=None):
        """status: listed|clean|unknown; codes: list of A codes seen or None if the tool
        does not report codes; detail: the tool's reason, shown in the examples."""
        self.c["pairs"] += 1
        want = truth.get(ip, {}).get(zone)
        bad = None
        if status == "unknown":
            self.c["unknown"] += 1
            bad = "unknown"
        elif status == "listed" and want is None:
            self.c["false_listed"] += 1
            bad = "false_listed"
        elif status == "clean" and want is not None:
            self.c["false_clean"] += 1
            bad = "false_clean"
        elif status == "listed" and codes is not None and list(codes) != [want]:
            self.c["wrong_code"] += 1
            bad = "wrong_code %s want %s" % (codes, want)
        elif status not in ("listed", "clean"):
            self.c["unknown"] += 1
            bad = "status %r" % status
        else:
            self.c["correct"] += 1
        if bad and len(self.examples) < 10:
            self.examples.append("%s %s: %s%s" % (ip, zone, bad, " (%s)" % detail if detail else ""))

    def wrong(self):
        return self.c["false_listed"] + self.c["false_clean"] + self.c["wrong_code"]

    def result(self, **extra):
        out = dict(self.c)
        out["wrong"] = self.wrong()
        out.update(extra)
        out["examples"] = self.examples
        out["ok"] = (out["wrong"] == 0 and out["unknown"] == 0 and out["missing_targets"] == 0
                     and out["duplicate_targets"] == 0 and out["unexpected_targets"] == 0)
        return out


def verify_blmon(a, zones, truth):
    t = Tally()
    net = ipaddress.ip_network(a.network)
    seen = bytearray(net.num_addresses)
    base = int(net.network_address)
    header = summary = None
    with open(a.file) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.endswith(","):
                line = line[:-1]
            if line.startswith('{"target"'):
                tgt = json.loads(line)
                ip = tgt["target"]
                off = int(ipaddress.ip_address(ip)) - base
                if not 0 <= off < len(seen):
                    t.c["unexpected_targets"] += 1
                    continue
                if seen[off]:
                    t.c["duplicate_targets"] += 1
                    continue
                seen[off] = 1
                got = {r["zone"]: r for r in tgt["results"]}
                for z in zones:
                    r = got.get(z)
                    if r is None:
                        t.pair(ip, z, "missing result", None, truth)
                    else:
                        t.pair(ip, z, r["status"], r.get("codes", []), truth,
                               r.get("reason") if r["status"] == "unknown" else None)
            elif line.startswith('{"checked_at"') and line.endswith('"targets":['):
                header = json.loads(line[:-len('"targets":[')].rstrip(",") + "}")
            elif line.startswith("],"):
                summary = json.loads("{" + line[2:])
    t.c["missing_targets"] = len(seen) - sum(seen)
    extra = {"tool": "blmon", "network": a.network}
    if summary:
        extra["queries"] = summary.get("queries")
        extra["duration_seconds"] = summary.get("duration_seconds")
        extra["summary"] = summary.get("summary")
    else:
        extra["error"] = "no summary line: blmon output truncated?"
    if header:
        extra["list_health"] = {l["zone"]: l["health"] for l in header.get("lists", [])}
    res = t.result(**extra)
    if not summary or not header or any(h != "ok" for h in extra.get("list_health", {}).values()):
        res["ok"] = False
    return res


CHECK_RBL_HIT = re.compile(r"([A-Za-z0-9.-]+\.[A-Za-z]+) \((127\.\d+\.\d+\.\d+)\)")


def verify_check_rbl(a, zones, truth):
    """check_rbl prints 'BLACKLISTED on N servers of M (zone (code), zone (code))'; exit 0
    OK, 1/2 listed, 3 unknown. Timeouts make it list no zone for that query; its output
    then mentions 'timeout'."""
    t = Tally()
    with open(a.file) as f:
        for line in f:
            ip, rc, out = line.rstrip("\n").split("\t", 2)
            rc = int(rc)
            listed = dict(CHECK_RBL_HIT.findall(out.split("|")[0]))
            for z in zones:
                if rc == 3 or "timeout" in out.lower():
                    status = "unknown"
                else:
                    status = "listed" if z in listed else "clean"
                t.pair(ip, z, status, [listed[z]] if z in listed else None, truth)
    return t.result(tool="check_rbl")


def verify_rblcheck(a, zones, truth):
    """rblcheck prints 'IP listed by ZONE' / 'IP not listed by ZONE' (no codes)."""
    t = Tally()
    want_ips = [l.strip() for l in open(a.ips) if l.strip()]
    got = {}
    with open(a.file) as f:
        for line in f:
            m = re.match(r"^(\S+) (not listed|listed) by (\S+)", line)
            if m:
                got[(m.group(1), m.group(3))] = "clean" if m.group(2) == "not listed" else "listed"
    for ip in want_ips:
        for z in zones:
            st = got.get((ip, z), "unknown")
            t.pair(ip, z, st, None, truth)
    return t.result(tool="rblcheck")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tool", choices=["blmon", "check_rbl", "rblcheck"])
    p.add_argument("file")
    p.add_argument("--truth", required=True)
    p.add_argument("--zones", required=True, help="comma-separated zone names")
    p.add_argument("--network", help="blmon: the swept network")
    p.add_argument("--ips", help="rblcheck: file with the sampled IPs")
    a = p.parse_args()
    zones = a.zones.split(",")
    truth = load_truth(a.truth, a.network)
    if a.tool == "blmon":
        if not a.network:
            p.error("blmon needs --network")
        res = verify_blmon(a, zones, truth)
    elif a.tool == "check_rbl":
        res = verify_check_rbl(a, zones, truth)
    else:
        if not a.ips:
            p.error("rblcheck needs --ips")
        res = verify_rblcheck(a, zones, truth)
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
