#!/usr/bin/env python3
"""report.py OUTDIR RESULTS_MD -- turns run.sh's raw measurements into the table, the ratios
and the target checks; prints them and writes RESULTS_MD (bench/results.md)."""
import json
import os
import re
import sys

MiB = 1024.0


def load(path):
    with open(path) as f:
        return json.load(f)


def parse_time_v(path):
    """/usr/bin/time -v: wall seconds and peak RSS (KiB)."""
    wall = rss = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                parts = line.rsplit(" ", 1)[1].split(":")
                wall = 0.0
                for p in parts:
                    wall = wall * 60 + float(p)
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
    return wall, rss


def parse_dnsperf(path):
    txt = open(path).read()

    def num(label):
        m = re.search(r"%s:\s+([0-9.]+)" % re.escape(label), txt)
        return float(m.group(1)) if m else None

    return {"sent": num("Queries sent"), "completed": num("Queries completed"),
            "lost": num("Queries lost"), "qps": num("Queries per second"),
            "run_time": num("Run time (s)"), "latency": num("Average Latency (s)")}


def fmt(x, nd=0):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if nd == 0:
        return "{:,}".format(int(round(x)))
    return "{:,.{nd}f}".format(x, nd=nd)


def hours(s):
    if s >= 3600:
        return "%.1f h" % (s / 3600)
    if s >= 60:
        return "%.1f min" % (s / 60)
    return "%.1f s" % s


def main():
    out, md_path = sys.argv[1], sys.argv[2]
    rows = [json.loads(l) for l in open(os.path.join(out, "rows.jsonl")) if l.strip()]
    machine = load(os.path.join(out, "machine.json"))
    manifest = load(os.path.join(out, "manifest.json"))
    nz = len(manifest["zones"])
    full16 = manifest["sweeps"]["16"]["ips"] * nz  # A queries of a /16 sweep

    table = []  # list of dicts with the columns
    dnsperf_best = None
    blmon = {}
    tools = {}
    notes = []
    for r in rows:
        k = r["kind"]
        if k == "dnsperf":
            d = parse_dnsperf(os.path.join(out, r["file"]))
            row = {"run": r["label"], "scope": "/16 names, looped", "settings": r["settings"],
                   "queries": d["completed"], "wall": d["run_time"], "qps": d["qps"], "rss": None,
                   "wrong": "n/a", "unknown": None, "lost": d["lost"], "drops": r["drops"],
                   "note": "avg latency %.2f ms" % (d["latency"] * 1000) if d["latency"] else ""}
            if d["qps"] and (dnsperf_best is None or d["qps"] > dnsperf_best["qps"]):
                dnsperf_best = row
            table.append(row)
        elif k == "blmon":
            wall, rss = parse_time_v(os.path.join(out, "blmon-%s.time" % r["label"]))
            v = load(os.path.join(out, "blmon-%s.verify.json" % r["label"]))
            q = v.get("queries")
            qps = q / wall if q and wall else None
            note = []
            if r["rc"] not in (0, 1, 3):
                note.append("exit %d" % r["rc"])
            if v.get("error"):
                note.append(v["error"])
            if v.get("missing_targets"):
                note.append("%d targets missing" % v["missing_targets"])
            bad = [z for z, h in v.get("list_health", {}).items() if h != "ok"]
            if bad:
                note.append("lists not ok: %s" % ", ".join(bad))
            note.append("server saw %s" % fmt(r["server"]))
            label = {"tune": "blmon (settings sweep)", "scale": "blmon (best setting)",
                     "default": "blmon (defaults)",
                     "rate": "blmon, per-list rate limit"}[r["group"]]
            if r.get("rate") and v.get("duration_seconds"):
                # each list answers one query per target: its achieved rate is
                # targets / the run's duration
                ntargets = 2 ** (32 - int(r["network"].split("/")[1]))
                achieved = ntargets / v["duration_seconds"]
                r["achieved"] = achieved
                note.insert(0, "limit %d/s per list; achieved %.0f/s per list (%+.1f%%)"
                            % (r["rate"], achieved, 100 * (achieved - r["rate"]) / r["rate"]))
            row = {"run": label, "scope": r["network"] + " x %d" % nz,
                   "settings": "c=%d t=%s" % (r["concurrency"], r["timeout"]),
                   "queries": q, "wall": wall, "qps": qps, "rss": rss,
                   "wrong": v.get("wrong"), "unknown": v.get("unknown"), "lost": v.get("unknown"),
                   "drops": r["drops"], "note": "; ".join(note), "ok": v.get("ok"),
                   "group": r["group"], "network": r["network"], "server": r["server"],
                   "rate": r.get("rate", 0), "achieved": r.get("achieved")}
            exp = manifest["sweeps"].get(r["network"].split("/")[1], {}).get("expected_queries")
            if exp is not None and q is not None and q != exp:
                note.insert(0, "queries %s, expected %s" % (fmt(q), fmt(exp)))
            row["examples"] = v.get("examples", [])
            blmon[r["label"]] = row
            table.append(row)
        elif k == "placeholder":
            table.append({"run": r["label"], "scope": "/16 x %d" % nz, "settings": "-",
                          "queries": None, "wall": None, "qps": None, "rss": None, "wrong": "-",
                          "unknown": None, "lost": None, "drops": None,
                          "note": "RATE-LIMITED ROW: " + r["note"]})
        elif k in ("check_rbl", "rblcheck"):
            if "error" in r:
                table.append({"run": k, "scope": "-", "settings": "-", "queries": None,
                              "wall": None, "qps": None, "rss": None, "wrong": "-",
                              "unknown": None, "lost": None, "drops": None,
                              "note": "NOT MEASURED: " + r["error"]})
                notes.append("%s: not measured: %s" % (k, r["error"]))
                continue
            vpath = os.path.join(out, "%s.verify.json" % k)
            v = load(vpath) if os.path.exists(vpath) else {}
            qps = r["queries"] / r["wall"] if r["wall"] else None
            ext = full16 / qps if qps else None
            mode = ("one process per IP" if k == "check_rbl" else
                    "one process, IPs on stdin (sample read %d times)" % (r["queries"] // (r["ips"] * nz)))
            row = {"run": r["label"], "scope": "sample %d IPs x %d" % (r["ips"], nz),
                   "settings": mode, "queries": r["queries"], "wall": r["wall"], "qps": qps,
                   "rss": r.get("rss_kb"), "wrong": v.get("wrong"), "unknown": v.get("unknown"),
                   "lost": v.get("unknown"), "drops": r.get("drops"),
                   "note": "EXTRAPOLATED: /16 x %d (%s A queries) would take %s; server saw %s"
                           % (nz, fmt(full16), hours(ext) if ext else "-", fmt(r["server"]))}
            tools[k] = row
            table.append(row)

    cols = [("run", "Run"), ("scope", "Scope"), ("settings", "Settings"),
            ("queries", "Queries"), ("wall", "Wall s"), ("qps", "Queries/s"),
            ("rss", "Peak RSS MiB"), ("wrong", "Wrong"), ("lost", "Lost/unknown"),
            ("drops", "Dropped at server"), ("note", "Note")]

    def cell(row, key):
        v = row.get(key)
        if key == "wall":
            return fmt(v, 2)
        if key == "rss":
            return fmt(v / MiB, 1) if v is not None else "-"
        return fmt(v)

    lines = ["| " + " | ".join(c[1] for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    for row in table:
        lines.append("| " + " | ".join(cell(row, c[0]) for c in cols) + " |")
    table_md = "\n".join(lines)

    # ratios and targets
    head = blmon.get("scale-16")
    dflt = blmon.get("default-16")
    ratios = []
    targets = []
    lim = dnsperf_best["qps"] if dnsperf_best else None
    if head and lim and head["qps"]:
        ratios.append("blmon qps / dnsperf qps = %s / %s = **%.0f%%** (blmon /16 at %s; dnsperf best: %s)"
                      % (fmt(head["qps"]), fmt(lim), 100 * head["qps"] / lim, head["settings"],
                         dnsperf_best["settings"]))
    if dflt and lim and dflt["qps"]:
        ratios.append("blmon qps / dnsperf qps at blmon's defaults (%s) = %s / %s = **%.0f%%**"
                      % (dflt["settings"], fmt(dflt["qps"]), fmt(lim), 100 * dflt["qps"] / lim))
    for k in ("check_rbl", "rblcheck"):
        t = tools.get(k)
        if head and t and t["qps"]:
            ratios.append("blmon / %s = %s / %s qps = **%.0fx** (%s extrapolated from a sample)"
                          % (k, fmt(head["qps"]), fmt(t["qps"]), head["qps"] / t["qps"], k))
    scale = [blmon.get("scale-%d" % p) for p in (20, 18, 16)]
    marginal = None
    if all(s and s["qps"] for s in scale):
        # the /20 run is short: fixed costs (start-up, test points, a first-burst timeout)
        # weigh on it; the marginal rate from /20 to /16 is the sweep's own speed
        dt = scale[2]["wall"] - scale[0]["wall"]
        marginal = (scale[2]["queries"] - scale[0]["queries"]) / dt if dt > 0 else None
        fixed = scale[0]["wall"] - scale[0]["queries"] / marginal if marginal else None
        ratios.append("linearity: wall %.2f / %.2f / %.2f s and %s / %s / %s queries/s at /20, /18, "
                      "/16; marginal rate /20 to /16 %s queries/s, fixed cost about %.2f s"
                      % (scale[0]["wall"], scale[1]["wall"], scale[2]["wall"],
                         fmt(scale[0]["qps"]), fmt(scale[1]["qps"]), fmt(scale[2]["qps"]),
                         fmt(marginal), fixed or 0))

    def target(name, ok, detail):
        targets.append("- [%s] %s: %s" % ("PASS" if ok else "FAIL", name, detail))

    if head and lim:
        pct = 100 * head["qps"] / lim if head["qps"] else 0
        target("blmon >= 70% of dnsperf qps", pct >= 70, "%.0f%% at %s" % (pct, head["settings"]))
    runs = list(blmon.values())
    wrong = sum(r["wrong"] or 0 for r in runs)
    unknown = sum(r["unknown"] or 0 for r in runs)
    drops = sum(r["drops"] or 0 for r in runs)
    target("zero wrong verdicts", wrong == 0 and all(r["ok"] or r["unknown"] for r in runs),
           "%d wrong over %d blmon runs" % (wrong, len(runs)))
    unk_runs = ["%s %s: %d" % (r["network"], r["settings"], r["unknown"]) for r in runs if r["unknown"]]
    target("zero lost queries (no unknown verdict, every setting tried)", unknown == 0,
           "%d unknown verdicts over %d blmon runs%s"
           % (unknown, len(runs), " (" + ", ".join(unk_runs) + ")" if unk_runs else ""))
    dropped_runs = ["%s %s: %d" % (r["network"], r["settings"], r["drops"]) for r in runs if r["drops"]]
    targets.append("- [INFO] datagrams dropped at the server (each one waited out blmon's timeout, "
                   "then was retried): %s" % (", ".join(dropped_runs) if dropped_runs else "none"))
    for r in (head, dflt):
        if r:
            target("peak RSS < 64 MiB for /16 x %d (%s)" % (nz, r["settings"]),
                   r["rss"] is not None and r["rss"] < 64 * MiB, "%.1f MiB" % (r["rss"] / MiB))
    if all(s and s["qps"] for s in scale):
        # 4x the queries from /18 to /16 should cost about 4x the time
        lin = (scale[2]["wall"] / scale[1]["wall"]) / (scale[2]["queries"] / scale[1]["queries"])
        target("linear: /16 time vs /18 time, per query, within 25%", 0.75 <= lin <= 1.25,
               "%.2f (1.00 = exactly linear)" % lin)
    for r in runs:
        if r.get("rate") and r.get("achieved"):
            dev = abs(r["achieved"] - r["rate"]) / r["rate"]
            target("rate limit honoured within 5%% (%d/s per list)" % r["rate"], dev <= 0.05,
                   "achieved %.0f/s per list (%.1f%% off)" % (r["achieved"], 100 * dev))
    target("bench under 10 minutes", machine["bench_seconds"] < 600,
           "%d s for the whole run" % machine["bench_seconds"])

    # observations: what the drops cost, and the unknown verdicts, from this run's data
    obs = []
    clean_by_net = {}
    for r in runs:
        if not r["drops"] and not r["unknown"] and r["qps"]:
            if r["network"] not in clean_by_net or r["qps"] > clean_by_net[r["network"]]["qps"]:
                clean_by_net[r["network"]] = r
    for r in runs:
        if r["drops"]:
            ref = clean_by_net.get(r["network"])
            obs.append("%s at %s: %d datagrams dropped at rbldnsd's socket (receive buffer full), "
                       "each retried only after blmon's timeout; the run took %.1f s%s"
                       % (r["network"], r["settings"], r["drops"], r["wall"],
                          " vs %.1f s without drops at %s" % (ref["wall"], ref["settings"]) if ref else ""))
        if r["unknown"]:
            obs.append("%s at %s: %d unknown verdict(s), e.g. %s"
                       % (r["network"], r["settings"], r["unknown"], "; ".join(r["examples"][:3])))
    for row in table:
        if row["run"].startswith("dnsperf") and row["lost"]:
            obs.append("%s: %s queries lost (%s dropped at the server): more outstanding queries "
                       "than rbldnsd's socket buffer holds" % (row["run"], fmt(row["lost"]), fmt(row["drops"])))

    mem_gib = machine["mem_total_kb"] / MiB / MiB
    machine_md = ("%d cores (%s), %.1f GiB memory, %s, kernel %s; %s; load average "
                  "%.2f at start, %.2f at end"
                  % (machine["cores"], machine["cpu"], mem_gib, machine["os"], machine["kernel"],
                     machine["date"], machine["load_start"], machine["load_end"]))
    if max(machine["load_start"], machine["load_end"]) > machine["cores"] / 2:
        machine_md += (" -- BUSY MACHINE: other work competed for the cores, numbers are "
                       "low and noisy; rerun on an idle machine")
    versions = ("%s; c-ares %s; rbldnsd %s; dnsperf %s; check_rbl (monitoring-plugins-contrib %s); "
                "rblcheck %s" % (machine["blmon"], machine["c_ares"], machine["rbldnsd"],
                                 machine["dnsperf"], machine["check_rbl"], machine["rblcheck"]))
    s16 = manifest["sweeps"]["16"]
    data_md = ("%d zones (%s), %d entries each (singles and /31../24 ranges, non-overlapping, "
               "codes 127.0.0.2-11, RFC 5782 test points), seed %d; sweep %s: %s of %s "
               "(IP, zone) pairs listed; a /16 costs %s A queries + %s TXT queries for the "
               "listed pairs."
               % (nz, ", ".join("%s %s" % (z["name"], z["type"]) for z in manifest["zones"]),
                  manifest["entries_per_zone"], manifest["seed"], manifest["sweep"],
                  fmt(s16["listed_pairs"]), fmt(s16["ips"] * nz), fmt(s16["ips"] * nz),
                  fmt(s16["listed_pairs"])))

    text = []
    text.append("# blmon benchmark results\n")
    text.append("Written by `make bench` (bench/run.sh); rerun it to refresh. Logs: bench/out/.\n")
    text.append("**Machine:** " + machine_md + "  ")
    text.append("**Versions:** " + versions + "  ")
    text.append("**Data:** " + data_md + "\n")
    text.append("All tools queried one rbldnsd on 127.0.0.1:%d (rblcheck: a second rbldnsd with the "
                "same zones on 127.0.0.1:53 inside a loopback-only network namespace; see "
                "bench/README.md).\n" % machine["port"])
    text.append("## Table\n")
    text.append(table_md + "\n")
    text.append("Queries/s = queries / wall time of the whole process (blmon: its `queries` "
                "field, A plus TXT for listed pairs, without the 2 test-point queries per list). "
                "Lost/unknown: dnsperf's lost queries; for blmon and the other tools, verdicts "
                "left unknown (no answer after all retries). Dropped at server: datagrams the "
                "kernel dropped at rbldnsd's socket (receive buffer full), from /proc/net/udp. "
                "Rows marked EXTRAPOLATED ran on a sample only.\n")
    text.append("## Ratios\n")
    text.extend("- " + r for r in ratios)
    text.append("\n## Targets\n")
    text.extend(targets)
    if obs:
        text.append("\n## Observations\n")
        text.extend("- " + o for o in obs)
    if notes:
        text.append("\n## Not measured\n")
        text.extend("- " + n for n in notes)
    md = "\n".join(text) + "\n"
    # the sections bench/scale.sh appended stay: they are its history, not this run's
    try:
        prev = open(md_path).read()
    except OSError:
        prev = ""
    at = prev.find("\n## Scale: ")
    if at >= 0:
        md += prev[at:]
    with open(md_path, "w") as f:
        f.write(md)

    print()
    print(table_md)
    print()
    for r in ratios:
        print(re.sub(r"\*\*", "", r))
    print()
    for t in targets:
        print(t)
    if obs:
        print()
        for o in obs:
            print("- " + o)
    print("\nMachine: " + machine_md)
    print("Written: " + md_path)
    strict = os.environ.get("BENCH_STRICT") == "1"
    return 1 if strict and any("[FAIL]" in t for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
