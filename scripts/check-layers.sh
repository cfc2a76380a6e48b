#!/usr/bin/env python3
# check-layers.sh -- fails when a product file includes a header from above its layer, reaches
# into another room's internals, or when includes form a cycle. Run by `make test`.
#
# Layers, bottom up: lib <- checks <- store <- web, monitor. Inside monitor/, each room (cli,
# daemon, alert, mtalog) uses another room only through that room's contract header.
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

# what each layer may include, besides itself
ALLOWED = {
    "lib": ["lib"],
    "checks": ["lib", "checks"],
    "store": ["lib", "checks", "store"],
    "web": ["lib", "checks", "store", "web"],
    "monitor": ["lib", "checks", "store", "monitor"],
}
# a room's contract: the headers other rooms (and the CLI) may include
CONTRACTS = {
    "monitor/alert": {"monitor/alert/alert.h"},
    "monitor/mtalog": {"monitor/mtalog/logwatch.h"},
    "monitor/daemon": {"monitor/daemon/sched.h"},
    "monitor/cli": {"monitor/cli/cli.h"},
}
# the command that starts the daemon also starts the web server
EXTRA = {"monitor/cli/run.c": {"web/http.h"}}
GENERATED = {"store_sql.h", "store_pg_sql.h", "web_assets.h"}


def layer(path):
    return path.split("/")[0]


def room(path):
    parts = path.split("/")
    if parts[0] == "monitor" and len(parts) > 2:
        return "monitor/" + parts[1]
    return None


files = []
for top in ALLOWED:
    for d, _, names in os.walk(top):
        if "assets" in d:
            continue
        files += [os.path.join(d, n) for n in names if n.endswith((".c", ".h"))]

problems = []
graph = {}
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
for f in sorted(files):
    incs = [i for i in inc_re.findall(open(f, encoding="utf-8").read()) if i not in GENERATED]
    graph[f] = [i for i in incs if os.path.exists(i)]
    for inc in incs:
        if inc in GENERATED:
            continue
        if not os.path.exists(inc):
            problems.append(f"{f}: includes \"{inc}\": not a path from the project root")
            continue
        if inc in EXTRA.get(f, ()):
            continue
        if layer(inc) not in ALLOWED[layer(f)]:
            problems.append(f"{f}: includes {inc}: {layer(f)}/ may not include {layer(inc)}/")
            continue
        rf, ri = room(f), room(inc)
        if ri and rf != ri and inc not in CONTRACTS.get(ri, ()):
            problems.append(f"{f}: includes {inc}: the internals of {ri}/ (use its contract: "
                            f"{', '.join(sorted(CONTRACTS[ri]))})")

# include cycles, between modules: x.c, x.h and x_int.h are one module, and a module that includes
# another's header depends on it (alert.c -> alert_email via a shared header counts)
def module(path):
    # a module's private header (store_int.h) belongs to the module (store)
    m = os.path.splitext(path)[0]
    return m[:-4] if m.endswith("_int") else m


mgraph = {}
for f, incs in graph.items():
    mgraph.setdefault(module(f), set()).update(module(i) for i in incs if module(i) != module(f))
graph = {m: sorted(v) for m, v in mgraph.items()}
state = {}


def visit(node, stack):
    state[node] = 1
    stack.append(node)
    for nxt in graph.get(node, ()):
        if state.get(nxt) == 1:
            problems.append("include cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
        elif not state.get(nxt):
            visit(nxt, stack)
    stack.pop()
    state[node] = 2


for f in sorted(graph):
    if not state.get(f):
        visit(f, [])

for p in problems:
    print("check-layers: " + p, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-layers: {len(files)} files, layers and rooms respected, no include cycles")
