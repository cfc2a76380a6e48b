# shellcheck shell=bash
# lib.sh -- what the bench scripts share (sourced by run.sh, dataset.sh, scale.sh): one bench at a
# time, a work directory cleaned on exit, their own copy of blmon, free ports, rbldnsd on loopback.
# The caller sets BENCH_NAME (the prefix of its messages) before it sources this file.

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# bench_lock: one bench at a time on a machine (a second would share the cores and bench/out)
bench_lock() {
	exec 9>"${TMPDIR:-/tmp}/blmon-bench.lock"
	if ! flock -n 9; then
		say "another bench run holds ${TMPDIR:-/tmp}/blmon-bench.lock; waiting for it"
		flock -w 900 9 || die "gave up waiting"
	fi
}

# stop_pid PID: SIGTERM, then wait for it (nothing when it is empty or gone)
stop_pid() {
	if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
		kill "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}

# bench_work PREFIX: WORK, a temporary directory rbldnsd can read (it drops root for user
# rbldns), removed on exit (KEEP_WORK=1 keeps it) after the caller's bench_on_exit, when it
# defines one, and stopping rbldnsd
RBLDNSD_PID=""
bench_work() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	chmod 755 "$WORK"
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
bench_cleanup() {
	local rc=$?
	if declare -F bench_on_exit >/dev/null; then bench_on_exit; fi
	stop_pid "$RBLDNSD_PID"
	if [ "${KEEP_WORK:-0}" = 1 ]; then
		say "kept $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}

# bench_binary: measure one blmon throughout, even if ./blmon is rebuilt meanwhile (BLMON_SRC
# names the one copied)
bench_binary() {
	[ -x "$BLMON" ] || die "$BLMON not built (run make)"
	cp "$BLMON" "$WORK/blmon"
	BLMON_SRC=$BLMON
	BLMON=$WORK/blmon
}

# free_port [SOCK_DGRAM|SOCK_STREAM]: a free port of 127.0.0.1 (UDP by default)
free_port() {
	python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "${1:-SOCK_DGRAM}"
}

# rbldnsd_up LOG ZONESPEC... : starts rbldnsd (-n, its log to LOG, the options in the array
# RBLDNSD_OPTS too) on a free port serving WORK; waits RBLDNSD_WAIT seconds at most (10) for it
# to start. Sets PORT, RBLDNSD_PID, LOAD (seconds from start to "started": its data loaded), RSS
# and HWM (KiB, from /proc).
RBLDNSD_OPTS=()
rbldnsd_up() {
	local log=$1 t0 t1
	shift
	for _ in 1 2 3 4 5; do
		PORT=$(free_port)
		: >"$log"
		t0=$(date +%s.%N)
		rbldnsd -n "${RBLDNSD_OPTS[@]}" -c 1h -b "127.0.0.1/$PORT" -w "$WORK" "$@" >"$log" 2>&1 &
		RBLDNSD_PID=$!
		for _ in $(seq 1 $((${RBLDNSD_WAIT:-10} * 20))); do
			grep -q ' started ' "$log" 2>/dev/null && break
			kill -0 "$RBLDNSD_PID" 2>/dev/null || break
			sleep 0.05
		done
		if grep -q ' started ' "$log"; then
			t1=$(date +%s.%N)
			LOAD=$(python3 -c "print('%.3f' % ($t1 - $t0))")
			RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$RBLDNSD_PID/status")
			HWM=$(awk '/^VmHWM:/ {print $2}' "/proc/$RBLDNSD_PID/status")
			return 0
		fi
		stop_pid "$RBLDNSD_PID"
		RBLDNSD_PID=""
	done
	cat "$log" >&2
	die "rbldnsd did not start"
}

rbldnsd_down() {
	stop_pid "$RBLDNSD_PID"
	RBLDNSD_PID=""
}
