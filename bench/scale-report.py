#!/usr/bin/env python3
"""scale-report.py OUT RESULTS_MD -- the table of bench/scale.sh: issue 14's scale targets.

Reads OUT/measures.jsonl, OUT/manifest.json, OUT/machine.json and the bodies kept in OUT,
checks that what was served counts what was generated, prints the table and appends it to
RESULTS_MD as a dated section (unless SCALE_NO_APPEND=1). Exit status 1 when BENCH_STRICT=1
and a target is missed or a count is wrong."""
import json
import os
import statistics
import sys

KIB, MIB = 1024, 1024 * 1024


def load(out):
    rows = [json.loads(line) for line in open(os.path.join(out, "measures.jsonl")) if line.strip()]
    man = json.load(open(os.path.join(out, "manifest.json")))
    mach = json.load(open(os.path.join(out, "machine.json")))
    return rows, man, mach


def body(out, name):
    try:
        with open(os.path.join(out, name + ".body"), "rb") as f:
            return f.read()
    except OSError:
        return b""


def fmt_ms(v):
    return "-" if v is None else ("%.1f ms" % v if v < 100 else "%.0f ms" % v)


def fmt_bytes(v):
    if v is None:
        return "-"
    if v >= MIB:
        return "%.2f MiB" % (v / MIB)
    if v >= KIB:
        return "%.1f KiB" % (v / KIB)
    return "%d B" % v


def checks(out, man):
    """What was served against what was generated: (what, ok, detail) rows."""
    res = []

    def add(what, got, want):
        res.append((what, got == want, "%s (want %s)" % (got, want)))

    try:
        s = json.loads(body(out, "summary"))
        add("summary: ip problems", s["problems"]["by_scope"]["ip"], man["problems"]["ip"])
        add("summary: network problems", s["problems"]["by_scope"]["network"], man["problems"]["network"])
        add("summary: asn problems", s["problems"]["by_scope"]["asn"], man["problems"]["asn"])
        add("summary: targets", s["targets"]["total"], 65536)
        add("summary: own targets", s["targets"]["own"], man["own_addresses"])
        add("summary: neighbourhood targets", s["targets"]["neighbourhood"], 65536 - man["own_addresses"])
    except (ValueError, KeyError, TypeError) as e:
        res.append(("summary parses", False, str(e)))
    # a page holds at most `limit` (500) items, fewer when they would pass its byte budget,
    # and says where the next begins
    for name, member in (("problems", "problems"), ("status", "targets"),
                         ("targets-own", "targets"), ("asn-problem", "affected_targets")):
        try:
            d = json.loads(body(out, name))
            n = len(d[member])
            res.append(("%s page: 1 to 500 %s" % (name, member), 0 < n <= 500, str(n)))
            add("%s page: a next page" % name, d["next"] is not None, True)
        except (ValueError, KeyError, TypeError) as e:
            res.append(("%s page parses" % name, False, str(e)))
    try:
        p = json.loads(body(out, "problems"))["problems"]
        add("problems page: the worst is an own listing", p[0]["scope"] if p else None, "ip")
        st = json.loads(body(out, "status"))
        add("status page: results per target", len(st["targets"][0]["results"]), len(man["lists"]))
    except (ValueError, KeyError, TypeError, IndexError) as e:
        res.append(("problems and status pages parse", False, str(e)))
    try:
        a = json.loads(body(out, "asn-problem"))
        add("ASN problem: entity", a["entity"], man["asn"])
        add("ASN problem: affected", a["affected"], 65536)
    except (ValueError, KeyError, TypeError) as e:
        res.append(("ASN problem parses", False, str(e)))
    m = body(out, "metrics").decode("utf-8", "replace")
    listed = sum(1 for line in m.splitlines() if line.startswith("blmon_listed{"))
    add("metrics: blmon_listed series (own listings)", listed, man["own_listings"])
    return res


def main():
    out, md = sys.argv[1], sys.argv[2]
    rows, man, mach = load(out)
    gets = {}
    for r in rows:
        if r["kind"] == "get":
            gets.setdefault((r["name"], r["mode"]), []).append(r)
    rss = {r["when"]: r for r in rows if r["kind"] == "rss"}
    cyc = next((r for r in rows if r["kind"] == "cycle"), {})
    dash = next((r for r in rows if r["kind"] == "dash"), {})

    table = []  # (measure, median, max, target, verdict)
    missed = []

    def verdict(ok, what):
        if ok is None:
            return "info"
        if not ok:
            missed.append(what)
        return "PASS" if ok else "FAIL"

    labels = {"summary": "GET /api/v1/summary", "problems": "GET /api/v1/problems (first page)",
              "status": "GET /api/v1/status (first page)",
              "targets-own": "GET /api/v1/targets?status=own (first page)",
              "asn-problem": "GET /api/v1/problems/{the ASN's} (first page)",
              "metrics": "GET /metrics"}
    time_target = {"summary": 100, "problems": 100}
    size_target = {"summary": 256 * KIB, "problems": 256 * KIB, "status": MIB, "metrics": 4 * MIB}
    size_shown = {256 * KIB: "256 KiB", MIB: "1 MiB", 4 * MIB: "4 MiB"}
    members = {"problems": "problems", "status": "targets", "targets-own": "targets",
               "asn-problem": "affected_targets"}
    for name, label in labels.items():
        seq = gets.get((name, "seq"), [])
        con = gets.get((name, "concurrent"), [])
        bad = [r for r in seq + con if r["code"] != 200]
        ms = [r["ms"] for r in seq]
        size = max((r["bytes"] for r in seq), default=None)
        t = time_target.get(name)
        med = statistics.median(ms) if ms else None
        # judged on the median of the requests in a row; the max (the first, cold, request
        # among them) is shown beside it
        table.append((label + ": time", fmt_ms(med), fmt_ms(max(ms) if ms else None),
                      "<= %d ms" % t if t else "-",
                      verdict(None if t is None else (med is not None and med <= t and not bad),
                              label + " time")))
        st = size_target.get(name)
        note = ""
        if name in members:
            try:
                note = "%d %s" % (len(json.loads(body(out, name))[members[name]]),
                                  members[name].replace("_", " "))
            except (ValueError, KeyError, TypeError):
                note = "not JSON"
        table.append((label + ": size", fmt_bytes(size), note, "<= " + size_shown[st] if st else "-",
                      verdict(None if st is None else (size is not None and size <= st and not bad),
                              label + " size")))
        cms = [r["ms"] for r in con]
        if cms:
            table.append((label + ": time, all six at once", fmt_ms(statistics.median(cms)),
                          fmt_ms(max(cms)), "-", "info"))
        if bad:
            table.append((label + ": errors", "%d non-200" % len(bad), "", "none",
                          verdict(False, label + " errors")))
    for when in ("after the first cycle", "after serving each in a row",
                 "after serving all at once", "after the dashboard"):
        r = rss.get(when)
        hwm = r["hwm_kb"] * KIB if r else None
        table.append(("daemon peak RSS (VmHWM) " + when, fmt_bytes(hwm),
                      "now %s" % fmt_bytes(r["rss_kb"] * KIB) if r else "", "<= 128 MiB",
                      verdict(hwm is not None and hwm <= 128 * MIB, "peak RSS " + when)))
    table.append(("first cycle (queries paced over interval/4)",
                  "%.1f s" % cyc["cycle_s"] if cyc.get("cycle_s") is not None else "-", "",
                  "-", "info"))
    if cyc.get("digest_s") is not None:
        table.append(("digest of the first cycle", "%.2f s" % cyc["digest_s"],
                      "read %.2f s, write %.2f s" % (cyc["digest_read_s"], cyc["digest_write_s"]),
                      "-", "info"))
    else:
        table.append(("digest of the first cycle", "-", "", "-", "info"))
    dres = dash.get("result")
    if dres:
        ok_runs = [v for v in dres["runs_ms"] if v is not None]
        med = statistics.median(ok_runs) if ok_runs else None
        table.append(("dashboard: first `%s` visible (Chromium, fresh context)" % dres["selector"],
                      fmt_ms(med), fmt_ms(max(ok_runs)) if ok_runs else "-", "<= 3000 ms",
                      verdict(med is not None and med <= 3000 and len(ok_runs) == len(dres["runs_ms"]),
                              "dashboard")))
    else:
        table.append(("dashboard: first problem visible", "-", "", "<= 3000 ms",
                      "not measured: %s" % dash.get("error", "?")))

    chk = checks(out, man)
    lines = []
    lines.append("| Measure | Median | Max / note | Target | Result |")
    lines.append("|---|---|---|---|---|")
    for row in table:
        lines.append("| %s |" % " | ".join(row))
    notes = []
    for what, ok, detail in chk:
        if not ok:
            missed.append(what)
    wrong = [c for c in chk if not c[1]]
    notes.append("Counts served vs generated: %s." % (
        "all %d right (%s)" % (len(chk), "; ".join("%s %s" % (w, d.split(" ")[0]) for w, _, d in chk[:6]))
        + "; each first page ends with a next" 
        if not wrong else "WRONG: " + "; ".join("%s: %s" % (w, d) for w, _, d in wrong)))
    if cyc.get("second_cycle") or mach.get("cycles_begun", 1) > 1:
        notes.append("A second cycle ran while measuring: its queries competed with the requests.")
    if dres and dres.get("errors"):
        notes.append("Dashboard errors: " + "; ".join(dres["errors"][:5]))
    if dres and dres.get("matched"):
        notes.append("The dashboard's first `%s`: \"%s\"" % (dres["selector"], dres["matched"]))
    if dres and dres["selector"] == "article.target":
        notes.append("This dashboard has no problem cards yet: the time is to its first target row.")

    load0, load1 = mach["load_start"], mach["load_end"]
    busy = max(load0, load1) > 0.5 * mach["cores"]
    head = ("## Scale: a /16 against 8 lists (issue 14), %s\n\n"
            "**Machine:** %d cores (%s), %.1f GiB, %s, kernel %s; load average %.2f at start, "
            "%.2f at end%s  \n"
            "**blmon:** %s  \n"
            "**Data:** 10.1.0.0/16 (65,536 targets) x 8 lists (%s results): 6 lists of scope ip "
            "with %s own listings on %s addresses (1 in 40 with TXT), a network list listing 40 "
            "/24s (TXT naming each), an ASN list listing the whole /16 (TXT naming %s, which "
            "Team Cymru's zone, served by the same rbldnsd, says announces it); "
            "`interval = %s`, seed %d. `bench/scale.sh`: each request %d times in a row, then "
            "all six at once %d times; times are curl's, on loopback.\n"
            % (mach["date"], mach["cores"], mach["cpu"], mach["mem_total_kb"] / 1048576.0,
               mach["os"], mach["kernel"], load0, load1,
               " -- BUSY MACHINE: other work competed for the cores; times are noisy" if busy else "",
               mach["blmon"], format(man["results"], ","), format(man["own_listings"], ","),
               format(man["own_addresses"], ","), man["asn"], mach["interval"], mach["seed"],
               mach["repeat"], mach["rounds"]))
    text = head + "\n" + "\n".join(lines) + "\n\n" + "\n".join("- " + n for n in notes) + "\n"
    text += "- Times are judged on the median of the requests in a row; the max is the slowest of them (the first is cold).\n"
    text += "- %s\n" % ("every scale target met" if not missed else "MISSED: " + ", ".join(missed))
    print(text)
    if os.environ.get("SCALE_NO_APPEND") != "1":
        with open(md, "a") as f:
            f.write("\n" + text)
    if missed and os.environ.get("BENCH_STRICT") == "1":
        sys.exit(1)


if __name__ == "__main__":
    main()
