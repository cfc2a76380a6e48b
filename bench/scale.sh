#!/usr/bin/env bash
# scale.sh -- issue 14's scale targets: the daemon on a /16 against 8 lists, after its first cycle.
#
# Starts rbldnsd on 127.0.0.1 (a free UDP port) with the zones of gen-scale.py: 6 lists of scope
# ip listing 4,500 addresses of 10.1.0.0/16 in all, one of scope network listing 40 /24s (TXT
# naming the /24), one of scope asn listing the whole /16 (TXT naming AS64500), and Team Cymru's
# answers for the /16. Runs `blmon run` (BLMON_DEBUG=1) on that network with its HTTP on a free
# loopback port, waits for the first cycle to end, then measures, each SCALE_REPEAT times in a
# row and SCALE_ROUNDS times all at once: time and bytes of the summary, the first problems page,
# the first status page, the first page of own targets, the ASN problem's first page and
# /metrics; the daemon's peak RSS (VmHWM) after the cycle, after those requests and after the
# dashboard; the first cycle's and the digest's durations (from the debug log); and the time
# headless Chromium takes to show the dashboard's first problem. Checks that the counts served
# are those generated (4,500 ip problems, 40 network, 1 asn), prints the table and appends it
# to bench/results.md. Logs and raw measurements: bench/out/scale/.
#
# The daemon spreads a cycle's queries over a quarter of the interval, so the interval sets the
# first cycle's length: SCALE_INTERVAL (3m: about 45 s of queries, then 2 minutes of quiet
# before a second cycle, in which everything is measured; the table says if one began).
#
# Environment: BLMON (binary, default ./blmon), SEED, SCALE_INTERVAL (3m), SCALE_REPEAT (5),
# SCALE_ROUNDS (3), SCALE_DASH_RUNS (3), SCALE_DASH_SELECTOR (default: the dashboard's problem
# card, or its target row on a dashboard without cards), KEEP_WORK=1 (keep the temp dir),
# BENCH_STRICT=1 (exit 1 when a target is missed), SCALE_NO_APPEND=1 (print, do not append).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BLMON=${BLMON:-$ROOT/blmon}
SEED=${SEED:-20240614}
INTERVAL=${SCALE_INTERVAL:-3m}
REPEAT=${SCALE_REPEAT:-5}
ROUNDS=${SCALE_ROUNDS:-3}
DASH_RUNS=${SCALE_DASH_RUNS:-3}
OUT=$HERE/out/scale

BENCH_NAME=scale
. "$HERE/lib.sh"
bench_lock
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
bench_work blmon-scale
BLMON_PID=""
bench_on_exit() { stop_pid "$BLMON_PID"; }
bench_binary
for t in rbldnsd python3 curl node; do command -v $t >/dev/null || die "$t missing (scripts/install-deps.sh bench)"; done

rm -rf "$OUT"
mkdir -p "$OUT"
M=$OUT/measures.jsonl
: >"$M"


# ---------------------------------------------------------------- zones and rbldnsd
say "generating the /16 scenario (seed $SEED)"
python3 "$HERE/gen-scale.py" --out "$WORK" --seed "$SEED"
cp "$WORK/manifest.json" "$OUT/"
mapfile -t ZONESPECS <"$WORK/zones.txt"

rbldnsd_up "$WORK/rbldnsd.log" "${ZONESPECS[@]}"
say "rbldnsd on 127.0.0.1:$PORT (pid $RBLDNSD_PID)"

# ---------------------------------------------------------------- the daemon
LOG=$OUT/blmon.log
HTTP=""
for _ in 1 2 3; do
	h=$(free_port SOCK_STREAM)
	cat >"$WORK/blmon.conf" <<CONF
[monitor]
interval = $INTERVAL
resolver = 127.0.0.1:$PORT
database = $WORK/blmon.db
budget = warn
concurrency = 1000
timeout = 2s

[targets]
network = 10.1.0.0/16

[http]
listen = 127.0.0.1:$h

CONF
	cat "$WORK/lists.conf" >>"$WORK/blmon.conf"
	: >"$LOG"
	# timestamped lines in a file, whatever the environment says of the journal
	env -u JOURNAL_STREAM -u NOTIFY_SOCKET BLMON_DEBUG=1 "$BLMON" run -c "$WORK/blmon.conf" >"$LOG" 2>&1 &
	BLMON_PID=$!
	# up when /healthz answers at all (503 until the first cycle ends)
	up=""
	for _ in $(seq 1 200); do
		kill -0 "$BLMON_PID" 2>/dev/null || break
		if curl -s -o /dev/null "http://127.0.0.1:$h/healthz"; then up=1; break; fi
		sleep 0.05
	done
	if [ -n "$up" ]; then
		HTTP=$h
		break
	fi
	stop_pid "$BLMON_PID"
	BLMON_PID=""
done
cp "$WORK/blmon.conf" "$OUT/"
[ -n "$HTTP" ] || { cat "$LOG" >&2; die "blmon run did not start"; }
BASE=http://127.0.0.1:$HTTP
say "blmon run on $BASE (pid $BLMON_PID), interval $INTERVAL; waiting for the first cycle"

# the first cycle has ended when the daemon logs its timing (after the digest and the cycle's row)
C0=$(date +%s)
while ! grep -q ' debug: cycle 1: ' "$LOG"; do
	kill -0 "$BLMON_PID" 2>/dev/null || { tail -20 "$LOG" >&2; die "blmon run exited"; }
	[ $(($(date +%s) - C0)) -lt 1800 ] || die "no first cycle after 30 minutes"
	sleep 0.2
done
say "  $(grep -m1 ' debug: cycle 1: ' "$LOG" | sed 's/.*debug: //')"
say "  $(grep -m1 ' debug: digest ' "$LOG" | sed 's/.*debug: //' || echo 'no digest timing in the log')"

rss() { # rss WHEN: the daemon's VmHWM and VmRSS now
	awk -v w="$1" '/^VmHWM:/ {h = $2} /^VmRSS:/ {r = $2}
		END {printf "{\"kind\":\"rss\",\"when\":\"%s\",\"hwm_kb\":%d,\"rss_kb\":%d}\n", w, h, r}' \
		"/proc/$BLMON_PID/status" >>"$M"
}
rss "after the first cycle"

# ---------------------------------------------------------------- the requests
ASN_ID=$(curl -sf "$BASE/api/v1/problems?scope=asn&limit=1" |
	python3 -c 'import json, sys; p = json.load(sys.stdin)["problems"]; print(p[0]["id"] if p else "")')
[ -n "$ASN_ID" ] || die "no ASN problem after the first cycle"
NAMES=(summary problems status targets-own asn-problem metrics)
PATHS=(/api/v1/summary /api/v1/problems /api/v1/status "/api/v1/targets?status=own"
	"/api/v1/problems/$ASN_ID" /metrics)

get() { # get NAME PATH MODE BODYFILE: one GET, its row appended to $M
	local w
	w=$(curl -s -o "$4" -w '%{http_code} %{time_total} %{size_download}' "$BASE$2") || w="000 0 0"
	read -r code secs bytes <<<"$w"
	printf '{"kind":"get","name":"%s","path":"%s","mode":"%s","code":%d,"ms":%s,"bytes":%d}\n' \
		"$1" "$2" "$3" "$code" "$(python3 -c "print(round($secs * 1000, 2))")" "$bytes" >>"$M"
}

say "GET each $REPEAT times in a row"
for i in "${!NAMES[@]}"; do
	for r in $(seq 1 "$REPEAT"); do
		get "${NAMES[$i]}" "${PATHS[$i]}" seq "$WORK/body-${NAMES[$i]}"
	done
	cp "$WORK/body-${NAMES[$i]}" "$OUT/${NAMES[$i]}.body"
done
rss "after serving each in a row"

say "GET all at once, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
	pids=()
	for i in "${!NAMES[@]}"; do
		get "${NAMES[$i]}" "${PATHS[$i]}" concurrent "$WORK/cbody-$i-$r" &
		pids+=($!)
	done
	wait "${pids[@]}"
	rm -f "$WORK"/cbody-*
done
rss "after serving all at once"

# ---------------------------------------------------------------- the dashboard
SEL=${SCALE_DASH_SELECTOR:-}
if [ -z "$SEL" ]; then
	# the dashboard of issue 14 draws problems as cards; the one before it draws target rows
	curl -sf -o "$WORK/app.js" "$BASE/app.js" || die "GET /app.js failed"
	if grep -q 'pcard' "$WORK/app.js"; then SEL=article.pcard; else SEL=article.target; fi
fi
say "dashboard: headless Chromium, $DASH_RUNS runs, waiting for '$SEL'"
if [ -x /usr/bin/chromium ] && (cd "$ROOT" && node -e 'require("playwright-core")' 2>/dev/null); then
	if (cd "$ROOT" && node "$HERE/dash-time.js" "$BASE/" "$SEL" "$DASH_RUNS" "$OUT/dashboard.png") \
		>"$OUT/dashboard.json" 2>"$OUT/dashboard.err"; then
		printf '{"kind":"dash","result":%s}\n' "$(cat "$OUT/dashboard.json")" >>"$M"
	else
		printf '{"kind":"dash","error":"dash-time.js failed: see out/scale/dashboard.err"}\n' >>"$M"
	fi
else
	printf '{"kind":"dash","error":"not measured: needs /usr/bin/chromium and playwright-core (npm ci)"}\n' >>"$M"
fi
rss "after the dashboard"

# ---------------------------------------------------------------- the cycle, and stop
python3 - "$LOG" >>"$M" <<'EOF'
import json, re, sys
cyc = dig = None
second = False
for line in open(sys.argv[1]):
    m = re.search(r"debug: cycle 1: .*?, ([0-9.]+) s$", line)
    if m:
        cyc = float(m.group(1))
    m = re.search(r"debug: digest 1: .*?, ([0-9.]+) s \(read ([0-9.]+) s, write ([0-9.]+) s\)", line)
    if m:
        dig = [float(x) for x in m.groups()]
    m = re.search(r"debug: (cycle|digest) ([0-9]+): ", line)
    if m and m.group(2) != "1":
        second = True
print(json.dumps({"kind": "cycle", "cycle_s": cyc, "digest_s": dig and dig[0],
                  "digest_read_s": dig and dig[1], "digest_write_s": dig and dig[2],
                  "second_cycle": second}))
EOF
# a second cycle begun while we measured shows in the cycles table, ended or not
started=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("SELECT count(*) FROM cycles").fetchone()[0])' "$WORK/blmon.db" 2>/dev/null || echo 1)
stop_pid "$BLMON_PID"
BLMON_PID=""
rbldnsd_down
cp "$WORK/rbldnsd.log" "$OUT/"
[ "${KEEP_WORK:-0}" = 1 ] && cp "$WORK/blmon.db" "$OUT/" 2>/dev/null || true

. /etc/os-release 2>/dev/null || PRETTY_NAME=unknown
cat >"$OUT/machine.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "cores": $(nproc),
 "mem_total_kb": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo),
 "cpu": "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//; s/"/ /g')",
 "os": "$PRETTY_NAME", "kernel": "$(uname -r)",
 "blmon": "$("$BLMON" --version 2>&1 | head -1) ($BLMON_SRC, built $(date -u -r "$BLMON_SRC" +%Y-%m-%dT%H:%MZ), tree $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown))",
 "load_start": $LOAD0, "load_end": $(cut -d' ' -f1 /proc/loadavg),
 "interval": "$INTERVAL", "repeat": $REPEAT, "rounds": $ROUNDS, "cycles_begun": $started,
 "seed": $SEED, "bench_seconds": $(($(date +%s) - T0))}
EOF
python3 "$HERE/scale-report.py" "$OUT" "$HERE/results.md"
