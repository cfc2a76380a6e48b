#!/usr/bin/env bash
# run.sh -- `make bench`: blmon's sweep speed measured against the DNS server's limit.
#
# Starts rbldnsd on 127.0.0.1 (a free UDP port) with synthetic zones (gen-zones.py), then,
# against that one server:
#   1. dnsperf replaying blmon's query names at a few concurrency settings (the limit);
#   2. blmon check --json: a concurrency/timeout sweep on a /18, then /20, /18, /16 x 8 zones
#      at the best setting and the /16 at blmon's defaults, each under /usr/bin/time -v,
#      every verdict checked against the generated truth (verify.py);
#   3. check_rbl and rblcheck on a sample of IPs, extrapolated per query.
# Prints the table and ratios and writes bench/results.md; logs go to bench/out/.
#
# Every packet goes to 127.0.0.1 only: blmon and dnsperf are given 127.0.0.1:PORT, check_rbl
# gets -n 127.0.0.1 plus Net::DNS's RES_OPTIONS=port:PORT, and rblcheck (libc resolver, no
# server option) runs in a private network namespace whose only interface is loopback,
# against a second rbldnsd on that namespace's 127.0.0.1:53. The server's own query counters
# confirm that each tool's queries all reached it.
#
# Environment: BLMON (binary, default ./blmon), SEED, DNSPERF_SECONDS (per setting, 8),
# SAMPLE (IPs for check_rbl/rblcheck, 200), RBLCHECK_REPEAT (10), KEEP_WORK=1 (keep the temp dir),
# BENCH_STRICT=1 (exit 1 when a target is missed).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BLMON=${BLMON:-$ROOT/blmon}
SEED=${SEED:-20240601}
DNSPERF_SECONDS=${DNSPERF_SECONDS:-8}
SAMPLE=${SAMPLE:-200}
# rblcheck is quick: it reads the sample this many times, for a measurable wall time
RBLCHECK_REPEAT=${RBLCHECK_REPEAT:-10}
OUT=$HERE/out
CHECK_RBL=/usr/lib/nagios/plugins/check_rbl
BENCH_NAME=bench
. "$HERE/lib.sh"
bench_lock
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
bench_work blmon-bench
bench_binary
for t in rbldnsd dnsperf python3; do command -v $t >/dev/null || die "$t missing (scripts/install-deps.sh bench)"; done
[ -x /usr/bin/time ] || die "/usr/bin/time missing (package time)"

rm -rf "$OUT"
mkdir -p "$OUT"
ROWS=$OUT/rows.jsonl
: >"$ROWS"

# ---------------------------------------------------------------- zones
say "generating zones (seed $SEED)"
python3 "$HERE/gen-zones.py" --out "$WORK" --seed "$SEED" --sample "$SAMPLE"
cp "$WORK/manifest.json" "$OUT/"
mapfile -t ZONESPECS <"$WORK/zones.txt"
ZONES=()
for z in "${ZONESPECS[@]}"; do ZONES+=("${z%%:*}"); done
ZONES_CSV=$(IFS=,; echo "${ZONES[*]}")
LIST_ARGS=()
S_ARGS=()
for z in "${ZONES[@]}"; do LIST_ARGS+=(--list "$z"); S_ARGS+=(-s "$z"); done
NZ=${#ZONES[@]}

# ---------------------------------------------------------------- rbldnsd
rbldnsd_up "$WORK/rbldnsd.err" "${ZONESPECS[@]}"
say "rbldnsd on 127.0.0.1:$PORT (pid $RBLDNSD_PID)"

# rbldnsd (-n) logs to stdout; it logs its counters on SIGUSR2 and resets them: "stats for Nsec: tot=Q ...".
# server_count prints the queries it received since the previous call.
STATLINES=0
server_count() {
	local n
	kill -USR2 "$RBLDNSD_PID"
	for _ in $(seq 1 100); do
		n=$(grep -c 'sec: tot=' "$WORK/rbldnsd.err" || true)
		if [ "$n" -gt "$STATLINES" ]; then
			STATLINES=$n
			grep 'sec: tot=' "$WORK/rbldnsd.err" | tail -1 | sed 's/.*tot=\([0-9]*\).*/\1/'
			return 0
		fi
		sleep 0.02
	done
	echo -1
}

# datagrams the kernel dropped at rbldnsd's socket (receive buffer full), from /proc/net/udp
sock_drops() {
	local hex
	hex=$(printf '0100007F:%04X' "$PORT")
	awk -v a="$hex" '$2 == a { print $NF; f = 1 } END { if (!f) print 0 }' /proc/net/udp
}

# ---------------------------------------------------------------- 1. dnsperf: the limit
# run_dnsperf CLIENTS OUTSTANDING [TAG]
run_dnsperf() {
	local c=$1 q=$2 tag=${3:-} f d0 d1 srv
	f=$OUT/dnsperf-c$c-q$q$tag.txt
	server_count >/dev/null
	d0=$(sock_drops)
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries-A.txt" -c "$c" -q "$q" -l "$DNSPERF_SECONDS" >"$f" 2>&1 ||
		say "dnsperf -c $c -q $q exited $?"
	d1=$(sock_drops)
	srv=$(server_count)
	printf '{"kind":"dnsperf","label":"dnsperf c%s q%s%s","settings":"-c %s -q %s -l %s","file":"%s","drops":%d,"server":%d}\n' \
		"$c" "$q" "${tag:+ (${tag#-})}" "$c" "$q" "$DNSPERF_SECONDS" "$(basename "$f")" $((d1 - d0)) "$srv" >>"$ROWS"
	say "  -c $c -q $q$tag: $(grep 'Queries per second' "$f" | awk '{print $4}') qps, lost $(grep 'Queries lost' "$f" | awk '{print $3}')"
}
say "dnsperf: ${DNSPERF_SECONDS}s per setting"
for cq in "1 50" "1 100" "1 200" "2 100"; do
	read -r c q <<<"$cq"
	run_dnsperf "$c" "$q"
done
# the best setting, run again right after blmon's /16 (the machine's load may have moved)
read -r DP_C DP_Q < <(for f in "$OUT"/dnsperf-c*-q*.txt; do
	b=$(basename "$f" .txt)
	printf '%s %s\n' "$(awk '/Queries per second/ {print $4}' "$f")" "$b"
done | sort -gr | head -1 | sed 's/.*dnsperf-c\([0-9]*\)-q\([0-9]*\)/\1 \2/')

# ---------------------------------------------------------------- 2. blmon
# run_blmon LABEL CIDR CONCURRENCY TIMEOUT GROUP
run_blmon() {
	local label=$1 cidr=$2 conc=$3 tmo=$4 group=$5 conf=${6:-} rate=${7:-0} rc=0 d0 d1 srv vrc=0
	local json=$WORK/blmon-$label.json
	server_count >/dev/null
	d0=$(sock_drops)
	timeout 300 /usr/bin/time -v -o "$OUT/blmon-$label.time" \
		"$BLMON" check ${conf:+-c "$conf"} --resolver "127.0.0.1:$PORT" "${LIST_ARGS[@]}" --json --color never \
		--concurrency "$conc" --timeout "$tmo" --retries 2 "$cidr" >"$json" 2>"$OUT/blmon-$label.err" || rc=$?
	d1=$(sock_drops)
	srv=$(server_count)
	python3 "$HERE/verify.py" blmon "$json" --truth "$WORK/truth.tsv" --network "$cidr" \
		--zones "$ZONES_CSV" >"$OUT/blmon-$label.verify.json" || vrc=$?
	printf '{"kind":"blmon","group":"%s","label":"%s","network":"%s","concurrency":%d,"timeout":"%s","rc":%d,"verify_rc":%d,"drops":%d,"server":%d,"rate":%d}\n' \
		"$group" "$label" "$cidr" "$conc" "$tmo" "$rc" "$vrc" $((d1 - d0)) "$srv" "$rate" >>"$ROWS"
	rm -f "$json"
	say "  $label: $cidr c=$conc t=$tmo exit $rc, $(grep -o 'Elapsed.*' "$OUT/blmon-$label.time" | awk '{print $NF}') wall," \
		"$((d1 - d0)) dropped, verify: $(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print("wrong", v["wrong"], "unknown", v["unknown"], "ok" if v["ok"] else "NOT OK")' "$OUT/blmon-$label.verify.json")"
	[ "$rc" -le 1 ] || [ "$rc" -eq 3 ] || say "  $label: blmon failed (exit $rc): $(head -c 300 "$OUT/blmon-$label.err")"
}

say "blmon: settings sweep on 198.18.0.0/18"
TUNE=("50 2s" "100 2s" "200 2s" "200 500ms")
for ct in "${TUNE[@]}"; do
	read -r c t <<<"$ct"
	run_blmon "tune-c$c-t$t" 198.18.0.0/18 "$c" "$t" tune
done
# best: highest queries/s among the runs with every verdict right and nothing unknown
read -r BEST_C BEST_T < <(python3 - "$ROWS" "$OUT" <<'EOF'
import json, sys, os
rows = [json.loads(l) for l in open(sys.argv[1])]
best = None
for r in rows:
    if r["kind"] != "blmon" or r["group"] != "tune":
        continue
    v = json.load(open(os.path.join(sys.argv[2], "blmon-%s.verify.json" % r["label"])))
    if not v["ok"] or not v.get("duration_seconds"):
        continue
    qps = v["queries"] / v["duration_seconds"]
    if best is None or qps > best[0]:
        best = (qps, r["concurrency"], r["timeout"])
print(*(best[1:] if best else (100, "2s")))
EOF
)
say "blmon: best setting concurrency $BEST_C timeout $BEST_T; scaling runs"
for pl in 20 18 16; do
	run_blmon "scale-$pl" "198.18.0.0/$pl" "$BEST_C" "$BEST_T" scale
done
say "dnsperf: best setting again, right after blmon's /16"
run_dnsperf "$DP_C" "$DP_Q" -after-blmon
say "blmon: /16 at its defaults (concurrency 200, timeout 2s)"
run_blmon default-16 198.18.0.0/16 200 2s default

# --- per-list rate limit: each list of a /20 sweep held to RATE queries/s ---------------
RATE=${RATE:-1000}
: >"$WORK/rate.conf"
for z in ${ZONES_CSV//,/ }; do
	printf '[list %s]\nrate = %d/s\n' "$z" "$RATE" >>"$WORK/rate.conf"
done
say "blmon: /20 with rate = $RATE/s on every list"
run_blmon rate-20 198.18.0.0/20 200 2s rate "$WORK/rate.conf" "$RATE"

# ---------------------------------------------------------------- 3. the tools users run today
SAMPLE_FILE=$WORK/sample.txt
cp "$SAMPLE_FILE" "$OUT/sample.txt"
NS=$(wc -l <"$SAMPLE_FILE")

# check_rbl (Perl, Net::DNS): -n pins the server to 127.0.0.1; Net::DNS reads the port
# from RES_OPTIONS. A short test first: its 8 queries must all reach our rbldnsd.
check_rbl_one() {
	RES_NAMESERVERS=127.0.0.1 RES_OPTIONS="port:$PORT" "$CHECK_RBL" -H "$1" -n 127.0.0.1 \
		"${S_ARGS[@]}" --query-timeout 2 -r 2 -t 30 2>&1
}
if [ -x "$CHECK_RBL" ] && perl -MNet::DNS -MMonitoring::Plugin -MReadonly -MCapture::Tiny \
	-MData::Validate::Domain -MData::Validate::IP -MNet::IP -e 1 2>/dev/null; then
	say "check_rbl: $NS IPs x $NZ zones, one process per IP (as Nagios runs it)"
	server_count >/dev/null
	check_rbl_one 198.18.0.1 >"$OUT/check_rbl-probe.txt" || true
	probe=$(server_count)
	if [ "$probe" -ne "$NZ" ]; then
		say "check_rbl probe: rbldnsd saw $probe queries, expected $NZ: not measured"
		printf '{"kind":"check_rbl","error":"probe: rbldnsd saw %s of %s queries; not measured"}\n' "$probe" "$NZ" >>"$ROWS"
	else
		: >"$OUT/check_rbl.out"
		: >"$WORK/check_rbl.rss"
		d0=$(sock_drops)
		s0=$(date +%s.%N)
		while read -r ip; do
			rc=0
			o=$(RES_NAMESERVERS=127.0.0.1 RES_OPTIONS="port:$PORT" /usr/bin/time -f '%M' -a -o "$WORK/check_rbl.rss" \
				"$CHECK_RBL" -H "$ip" -n 127.0.0.1 "${S_ARGS[@]}" --query-timeout 2 -r 2 -t 30 2>&1) || rc=$?
			printf '%s\t%s\t%s\n' "$ip" "$rc" "$(echo "$o" | tr '\n\t' '  ')" >>"$OUT/check_rbl.out"
		done <"$SAMPLE_FILE"
		s1=$(date +%s.%N)
		d1=$(sock_drops)
		srv=$(server_count)
		vrc=0
		python3 "$HERE/verify.py" check_rbl "$OUT/check_rbl.out" --truth "$WORK/truth.tsv" \
			--zones "$ZONES_CSV" >"$OUT/check_rbl.verify.json" || vrc=$?
		rss=$(sort -n "$WORK/check_rbl.rss" | tail -1)
		printf '{"kind":"check_rbl","label":"check_rbl %s","ips":%d,"queries":%d,"wall":%s,"rss_kb":%d,"drops":%d,"server":%d,"probe":%d}\n' \
			"$("$CHECK_RBL" --version 2>&1 | awk '{print $2}')" "$NS" $((NS * NZ)) \
			"$(python3 -c "print($s1 - $s0)")" "$rss" $((d1 - d0)) "$srv" "$probe" >>"$ROWS"
		say "  check_rbl: $(python3 -c "print('%.1f s' % ($s1 - $s0))"), rbldnsd saw $srv queries (expected $((NS * NZ)))"
	fi
else
	say "check_rbl or its Perl modules missing: not measured"
	printf '{"kind":"check_rbl","error":"check_rbl or its Perl modules not installed"}\n' >>"$ROWS"
fi

# rblcheck (C, libc resolver from /etc/resolv.conf, port 53, no server option): run in a
# network namespace that has only loopback, with /etc/resolv.conf bind-mounted (inside that
# namespace only) to "nameserver 127.0.0.1", against a second rbldnsd on its 127.0.0.1:53
# loading the same zone files. No packet can leave that namespace.
if command -v rblcheck >/dev/null && command -v unshare >/dev/null && command -v ip >/dev/null &&
	[ "$(id -u)" = 0 ] && unshare --net --mount --pid --fork --kill-child true 2>/dev/null; then
	say "rblcheck: $NS IPs x $NZ zones, read $RBLCHECK_REPEAT times by one process from stdin"
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' >"$WORK/resolv.conf"
	cat >"$WORK/rblcheck-ns.sh" <<'EOF'
set -euo pipefail
W=$1 REPEAT=$2
ip link set lo up
# only loopback may exist here: refuse to run otherwise
if ip -o link show | grep -v ': lo:' | grep -q .; then echo "netns has a non-loopback link" >&2; exit 1; fi
mount --bind "$W/resolv.conf" /etc/resolv.conf
mapfile -t specs <"$W/zones.txt"
rbldnsd -n -c 1h -b 127.0.0.1/53 -w "$W" "${specs[@]}" >"$W/rbldnsd-ns.err" 2>&1 &
pid=$!
for i in $(seq 1 200); do grep -q ' started ' "$W/rbldnsd-ns.err" && break; sleep 0.05; done
S=()
while read -r z; do S+=(-s "${z%%:*}"); done <"$W/zones.txt"
stats() { # queries since the last call
	local n0 n
	n0=$(grep -c 'sec: tot=' "$W/rbldnsd-ns.err" || true)
	kill -USR2 "$pid"
	for i in $(seq 1 100); do
		n=$(grep -c 'sec: tot=' "$W/rbldnsd-ns.err" || true)
		[ "$n" -gt "$n0" ] && break
		sleep 0.02
	done
	grep 'sec: tot=' "$W/rbldnsd-ns.err" | tail -1 | sed 's/.*tot=\([0-9]*\).*/\1/'
}
stats >/dev/null
# probe: one address, its queries must all reach this rbldnsd
rblcheck -c "${S[@]}" 198.18.0.1 >/dev/null || true
probe=$(stats)
s0=$(date +%s.%N)
for i in $(seq 1 "$REPEAT"); do cat "$W/sample.txt"; done | rblcheck -c "${S[@]}" - >"$W/rblcheck.out" 2>&1 || true
s1=$(date +%s.%N)
srv=$(stats)
echo "$probe $srv $s0 $s1" >"$W/rblcheck.meta"
kill "$pid"
EOF
	if unshare --net --mount --pid --fork --kill-child bash "$WORK/rblcheck-ns.sh" "$WORK" "$RBLCHECK_REPEAT" 2>"$OUT/rblcheck-ns.err"; then
		read -r probe srv s0 s1 <"$WORK/rblcheck.meta"
		cp "$WORK/rblcheck.out" "$OUT/rblcheck.out"
		vrc=0
		python3 "$HERE/verify.py" rblcheck "$OUT/rblcheck.out" --truth "$WORK/truth.tsv" --zones "$ZONES_CSV" \
			--ips "$SAMPLE_FILE" >"$OUT/rblcheck.verify.json" || vrc=$?
		if [ "$probe" -ne "$NZ" ]; then
			printf '{"kind":"rblcheck","error":"probe: rbldnsd saw %s of %s queries; not measured"}\n' "$probe" "$NZ" >>"$ROWS"
		else
			printf '{"kind":"rblcheck","label":"rblcheck %s","ips":%d,"queries":%d,"wall":%s,"server":%d,"probe":%d}\n' \
				"$(rblcheck -v 2>&1 | head -1 | awk '{print $2}')" "$NS" $((NS * NZ * RBLCHECK_REPEAT)) \
				"$(python3 -c "print($s1 - $s0)")" "$srv" "$probe" >>"$ROWS"
		fi
		say "  rblcheck: $(python3 -c "print('%.3f s' % ($s1 - $s0))"), rbldnsd saw $srv queries (expected $((NS * NZ * RBLCHECK_REPEAT)))"
	else
		say "rblcheck: network namespace run failed: $(head -c 300 "$OUT/rblcheck-ns.err")"
		printf '{"kind":"rblcheck","error":"network-namespace run failed (see out/rblcheck-ns.err)"}\n' >>"$ROWS"
	fi
else
	say "rblcheck: not measured (needs rblcheck, root, iproute2 and unshare for a loopback-only namespace)"
	printf '{"kind":"rblcheck","error":"not measured: rblcheck has no server/port option; running it against loopback needs root and a network namespace (unshare), not available here"}\n' >>"$ROWS"
fi

# ---------------------------------------------------------------- machine and report
rbldnsd_down
cp "$WORK/rbldnsd.err" "$OUT/rbldnsd.log"

ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
. /etc/os-release 2>/dev/null || PRETTY_NAME=unknown
cat >"$OUT/machine.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "cores": $(nproc),
 "mem_total_kb": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo),
 "cpu": "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//; s/"/ /g')",
 "os": "$PRETTY_NAME", "kernel": "$(uname -r)",
 "blmon": "$("$BLMON" --version 2>&1 | head -1) ($BLMON_SRC, built $(date -u -r "$BLMON_SRC" +%Y-%m-%dT%H:%MZ), tree $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown))",
 "c_ares": "$(ver libc-ares2)", "rbldnsd": "$(ver rbldnsd)", "dnsperf": "$(ver dnsperf)",
 "check_rbl": "$(ver monitoring-plugins-contrib)", "rblcheck": "$(ver rblcheck)",
 "load_start": $LOAD0, "load_end": $(cut -d' ' -f1 /proc/loadavg),
 "port": $PORT, "seed": $SEED, "bench_seconds": $(($(date +%s) - T0))}
EOF
python3 "$HERE/report.py" "$OUT" "$HERE/results.md"
