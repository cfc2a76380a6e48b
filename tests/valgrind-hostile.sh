#!/bin/sh
# valgrind-hostile.sh -- `blmon check` under valgrind against tests/hostiledns.py, once per hostile mode.
# Usage: tests/valgrind-hostile.sh [BLMON]   (default ./blmon). Fails on any error or leak valgrind finds.
set -u

cd "$(dirname "$0")/.."
blmon=${1:-./blmon}
command -v valgrind >/dev/null 2>&1 || { echo "valgrind-hostile: valgrind is not installed" >&2; exit 2; }
[ -x "$blmon" ] || { echo "valgrind-hostile: no $blmon (make all)" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/blmon-vg.XXXXXX") || exit 1
dns=
trap '[ -n "$dns" ] && kill "$dns" 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

python3 tests/hostiledns.py "$dir" >"$dir/port" &
dns=$!
for _ in $(seq 100); do
	[ -s "$dir/port" ] && break
	sleep 0.05
done
port=$(head -n 1 "$dir/port")
[ -n "$port" ] || { echo "valgrind-hostile: hostiledns.py did not start" >&2; exit 1; }

# 99, not 1: blmon check itself exits 1 when something is listed. definite, indirect and
# possible leaks are errors; still-reachable (libraries' one-time setup) is not.
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible"
VG="$VG --show-leak-kinds=definite,indirect,possible --track-fds=no"
COMMON="--resolver 127.0.0.1:$port --timeout 1s --retries 0"

runs=0 failed=0
# one run: a name for the report, then blmon's arguments
one() {
	name=$1
	shift
	runs=$((runs + 1))
	# shellcheck disable=SC2086
	$VG --log-file="$dir/vg-$name.log" "$blmon" check $COMMON "$@" >"$dir/out-$name" 2>&1
	rc=$?
	# blmon's own statuses are 0 clean, 1 listed, 3 unknown; 2 or a signal is a failure too
	if [ "$rc" -eq 99 ] || [ "$rc" -eq 2 ] || [ "$rc" -gt 3 ] || [ -s "$dir/vg-$name.log" ]; then
		echo "valgrind-hostile: $name: FAILED (exit $rc)"
		cat "$dir/vg-$name.log" "$dir/out-$name" | sed 's/^/    /' | head -n 80
		failed=$((failed + 1))
	fi
}

# every mode of hostiledns.py alone, in JSON (TXT lookups, reasons, codes)...
for n in $(seq 1 26); do
	one "mode-$n" --json --list hostile.test "10.0.0.$n"
done
# ...all at once for the terminal report, the test points themselves, and the lying list
all=$(for n in $(seq 1 26); do printf '10.0.0.%d ' "$n"; done)
# shellcheck disable=SC2086
one all-modes --verbose --color always --list hostile.test 127.0.0.2 127.0.0.1 $all
one liar --json --list liar.test --list hostile.test 192.0.2.1 10.0.0.7

echo "valgrind-hostile: $runs runs of blmon check under valgrind, $failed with errors or leaks"
[ "$failed" -eq 0 ]
