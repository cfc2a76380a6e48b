#!/bin/sh
# run.sh -- runs libFuzzer targets from build-fuzz/, one after the other, each for SECONDS.
# Usage: tests/fuzz/run.sh SECONDS NAME...   Each starts from a scratch copy of tests/fuzz/corpus/NAME/.
set -u

cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 SECONDS NAME..." >&2; exit 2; }
secs=$1
shift

scratch=$(mktemp -d "${TMPDIR:-/tmp}/blmon-fuzz.XXXXXX") || exit 1
child=
# a stopped run (make interrupted, the suite failed) takes its fuzzer with it
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM
mkdir -p build-fuzz/artifacts

failed=0
for name in "$@"; do
	bin=build-fuzz/$name
	corpus=tests/fuzz/corpus/$name
	log=build-fuzz/$name.log
	if [ ! -x "$bin" ] || [ ! -d "$corpus" ]; then
		echo "fuzz: $name: no $bin or no $corpus" >&2
		failed=1
		continue
	fi
	rm -f build-fuzz/artifacts/"$name"-* # what an earlier run found is not this run's
	# new inputs go to the scratch copy: the committed corpus only changes by hand
	mkdir "$scratch/$name"
	cp "$corpus"/* "$scratch/$name"/
	seeds=$(ls "$scratch/$name" | wc -l)
	# leaks are found at exit (detect_leaks), and any sanitizer report aborts the run
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/artifacts/$name-" "$scratch/$name" >"$log" 2>&1 &
	child=$!
	wait "$child"
	rc=$?
	child=
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, corpus \2/p' "$log")
	if [ "$rc" -eq 0 ] && grep -q '^Done [0-9]* runs' "$log"; then
		echo "fuzz: $name: ok: $(grep '^Done [0-9]* runs' "$log") ($rate/s; $seeds seeds; ${cov:-?})"
	else
		echo "fuzz: $name: FAILED (exit $rc; ${runs:-?} runs); the end of $log:"
		tail -n 40 "$log" | sed 's/^/    /'
		for a in build-fuzz/artifacts/"$name"-*; do
			[ -e "$a" ] && echo "    reproduce: $bin $a"
		done
		failed=1
	fi
done
exit $failed
