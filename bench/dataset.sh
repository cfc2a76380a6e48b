#!/usr/bin/env bash
# dataset.sh -- `make bench`: lists answered from rbldnsd data files, beside DNS mode and rbldnsd itself.
#
#   1. The 8 bench lists of gen-zones.py over 198.18.0.0/16: blmon check from the dataset files
#      against the same files served by one rbldnsd on loopback (DNS mode): wall time, peak RSS,
#      every verdict checked against the generated truth (verify.py); rbldnsd's own load time
#      and memory for those files.
#   2. One ip4set of 10 million single entries and 100,000 ranges (gen-large.py): blmon's load
#      time and memory (bench/dataset_bench, the same loader and engine as blmon) against
#      rbldnsd loading the same file, and (target, list) lookups per second on one core: a /8
#      swept through the engine (1 list, then the same data as 8 lists), and random addresses.
# Prints the table and appends it to bench/results.md (run after bench/run.sh, which rewrites
# that file). Logs and raw rows go to bench/out/dataset/.
#
# Environment: BLMON (binary, default ./blmon), PROBE (default build/bench/dataset_bench),
# SEED, ENTRIES (10000000), RANGES (100000), KEEP_WORK=1 (keep the temp dir).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BLMON=${BLMON:-$ROOT/blmon}
PROBE=${PROBE:-$ROOT/build/bench/dataset_bench}
SEED=${SEED:-20240601}
ENTRIES=${ENTRIES:-10000000}
RANGES=${RANGES:-100000}
OUT=$HERE/out/dataset
BENCH_NAME=bench
. "$HERE/lib.sh"
bench_lock
bench_work blmon-bench-ds
bench_binary
[ -x "$PROBE" ] || die "$PROBE not built (make build/bench/dataset_bench)"
for t in rbldnsd python3 flock; do command -v $t >/dev/null || die "$t missing"; done
[ -x /usr/bin/time ] || die "/usr/bin/time missing (package time)"
cp "$PROBE" "$WORK/dataset_bench"
PROBE=$WORK/dataset_bench
# the lookups are single-threaded: pinned to one core, so that "per core" is what is measured
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c 0)
rm -rf "$OUT"
mkdir -p "$OUT"
ROWS=$OUT/rows.jsonl
: >"$ROWS"

# rbldnsd_up (lib.sh): CIDR ranges off their boundary allowed, as blmon reads them; the large
# ip4set takes a while to load
RBLDNSD_OPTS=(-e)
RBLDNSD_WAIT=600

# ---------------------------------------------------------------- 1. the /16 x 8 bench lists
say "generating the 8 bench zones (seed $SEED)"
python3 "$HERE/gen-zones.py" --out "$WORK" --seed "$SEED" --sample 10
mapfile -t ZONESPECS <"$WORK/zones.txt"
LIST_ARGS=()
DS_ARGS=()
ZONES=()
for z in "${ZONESPECS[@]}"; do
	IFS=: read -r zone type file <<<"$z"
	ZONES+=("$zone")
	LIST_ARGS+=(--list "$zone")
	DS_ARGS+=(--dataset "$zone=$type:$WORK/$file")
done
ZONES_CSV=$(IFS=,; echo "${ZONES[*]}")
NET=198.18.0.0/16

rbldnsd_up "$OUT/rbldnsd-zones.log" "${ZONESPECS[@]}"
printf '{"kind":"rbldnsd_load","label":"rbldnsd: the 8 bench zones","load":%s,"rss_kb":%s,"hwm_kb":%s}\n' \
	"$LOAD" "$RSS" "$HWM" >>"$ROWS"
say "rbldnsd loaded the 8 zones in ${LOAD}s, RSS $RSS KiB"

# check LABEL ARGS... : blmon check --json over $NET under time -v, verified against the truth
check() {
	local label=$1 rc=0 vrc=0
	shift
	/usr/bin/time -v -o "$OUT/$label.time" "$BLMON" check "$@" --json --color never "$NET" \
		>"$WORK/$label.json" 2>"$OUT/$label.err" || rc=$?
	python3 "$HERE/verify.py" blmon "$WORK/$label.json" --truth "$WORK/truth.tsv" --network "$NET" \
		--zones "$ZONES_CSV" >"$OUT/$label.verify.json" || vrc=$?
	python3 - "$label" "$OUT/$label.time" "$OUT/$label.verify.json" "$rc" <<'PY' >>"$ROWS"
import json, re, sys
label, timef, verf, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t = open(timef).read()
wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else None
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
v = json.load(open(verf))
print(json.dumps({"kind": "check", "label": label, "rc": rc, "wall": secs, "rss_kb": rss,
                  "wrong": v.get("wrong"), "unknown": v.get("unknown"), "ok": v.get("ok"),
                  "queries": v.get("queries")}))
PY
	rm -f "$WORK/$label.json"
	say "  $label: exit $rc, $(tail -1 "$ROWS")"
}
say "blmon check over $NET x 8 lists: DNS mode (rbldnsd on 127.0.0.1:$PORT), then the dataset files"
check dns-16 --resolver "127.0.0.1:$PORT" "${LIST_ARGS[@]}" --concurrency 50 --timeout 2s --retries 2
rbldnsd_down
check datasets-16 "${DS_ARGS[@]}"

# the daemon: one cycle of the same 8 lists over the /16 from the dataset files (blmon run
# --once), a first one (every state new) and a second (the steady state), with its database
cycle() {
	local label=$1 s
	# BLMON_DEBUG: the cycle's own duration to the hundredth (cycles.ended is in whole seconds)
	BLMON_DEBUG=1 /usr/bin/time -v -o "$OUT/$label.time" "$BLMON" run -c "$WORK/daemon.conf" \
		--once >"$OUT/$label.log" 2>&1 ||
		die "blmon run --once failed: $(tail -3 "$OUT/$label.log")"
	python3 - "$label" "$OUT/$label.time" "$WORK/daemon.db" "$OUT/$label.log" <<'PY' >>"$ROWS"
import json, re, sqlite3, sys
label, timef, db, logf = sys.argv[1:5]
t = open(timef).read()
took = re.findall(r"debug: cycle \d+: .* ([\d.]+) s$", open(logf).read(), re.M)
dig = re.findall(r"debug: digest \d+: .* ([\d.]+) s \(read", open(logf).read(), re.M)
wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
c = sqlite3.connect(db).execute("SELECT ended - started, targets, queries, listed, answered "
                                "FROM cycles ORDER BY id DESC LIMIT 1").fetchone()
print(json.dumps({"kind": "cycle", "label": label, "wall": secs, "rss_kb": rss,
                  "cycle_seconds": float(took[-1]) if took else float(c[0]),
                  "digest_seconds": float(dig[-1]) if dig else None,
                  "targets": c[1], "queries": c[2], "listed": c[3], "answered": c[4]}))
PY
	say "  $label: $(tail -1 "$ROWS")"
}
{
	printf '[monitor]\ndatabase = %s/daemon.db\nresolver = 127.0.0.1:9\ninterval = 1h\nconfirm = 1\n' "$WORK"
	printf '[targets]\nnetwork = %s\n[lists]\ndefault = no\n[http]\nlisten = 127.0.0.1:%s\n' "$NET" "$(free_port)"
	for z in "${ZONESPECS[@]}"; do
		IFS=: read -r zone type file <<<"$z"
		printf '[list %s]\ndataset = %s:%s/%s\n' "$zone" "$type" "$WORK" "$file"
	done
} >"$WORK/daemon.conf"
say "blmon run --once: the same 8 lists over $NET, from the dataset files"
cycle cycle-first
cycle cycle-later

# ---------------------------------------------------------------- 2. one large ip4set
say "generating one ip4set: $ENTRIES single entries and $RANGES ranges"
python3 "$HERE/gen-large.py" --out "$WORK/large.txt" --entries "$ENTRIES" --ranges "$RANGES" --seed "$SEED"
BYTES=$(stat -c %s "$WORK/large.txt")
rbldnsd_up "$OUT/rbldnsd-large.log" "large.bench.test:ip4set:large.txt"
printf '{"kind":"rbldnsd_load","label":"rbldnsd: the large ip4set","load":%s,"rss_kb":%s,"hwm_kb":%s,"file_bytes":%s}\n' \
	"$LOAD" "$RSS" "$HWM" "$BYTES" >>"$ROWS"
say "rbldnsd loaded it in ${LOAD}s, RSS $RSS KiB ($(grep -o 'e32/24/16/8=[0-9/]*' "$OUT/rbldnsd-large.log"))"
rbldnsd_down

probe() {
	local label=$1
	shift
	"${PIN[@]}" /usr/bin/time -v -o "$OUT/$label.time" "$PROBE" "$@" >"$OUT/$label.json"
	python3 - "$label" "$OUT/$label.json" "$OUT/$label.time" <<'PY' >>"$ROWS"
import json, re, sys
d = json.load(open(sys.argv[2]))
d["kind"] = "probe"
d["label"] = sys.argv[1]
d["max_rss_kb"] = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[3]).read()).group(1))
print(json.dumps(d))
PY
	say "  $label: $(tail -1 "$ROWS" | cut -c1-300)"
}
say "blmon's loader and lookups on it (one core)"
probe large-1 "ip4set:$WORK/large.txt" 1 10.0.0.0/8 20000000
probe large-8 "ip4set:$WORK/large.txt" 8 10.0.0.0/10 0

python3 "$HERE/dataset-report.py" "$ROWS" "$HERE/results.md"
