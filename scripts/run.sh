#!/bin/sh
# run.sh -- `make run`: the daemon on config.example, with its database under build/run/ (never in the checkout).
# One test query first says plainly what is needed when the block lists cannot be reached from here.
#
# Usage: scripts/run.sh [--check-only]
#   --check-only  the config and the test query only, no daemon: exit 0 when a list answered,
#                 3 when none did, 2 on a config error
# For tests: BLMON_RUN_DIR replaces build/run, BLMON_RUN_RESOLVER config.example's resolver,
# BLMON_BIN ./blmon.
set -u

cd "$(dirname "$0")/.." || exit 2
blmon=${BLMON_BIN:-./blmon}
check_only=false
[ "${1:-}" = --check-only ] && check_only=true
dir=${BLMON_RUN_DIR:-build/run}
mkdir -p "$dir" || exit 2
dir=$(cd "$dir" && pwd)
# config.example keeps `database = blmon.db` (relative: where blmon runs); make run's goes here
sed -e "s|^database = .*|database = $dir/blmon.db|" \
    -e "${BLMON_RUN_RESOLVER:+s|^resolver = .*|resolver = $BLMON_RUN_RESOLVER|}" \
    config.example >"$dir/blmon.conf" || exit 2
"$blmon" config-test "$dir/blmon.conf" || exit 2

# 127.0.0.2 is every list's RFC 5782 test point: listed wherever a list answers (exit 1). None
# answering (exit 3) is a resolver that cannot reach the lists, or one they refuse.
"$blmon" check -c "$dir/blmon.conf" --timeout 2s --retries 1 127.0.0.2 >"$dir/lists-reachable.txt" 2>&1
reachable=$?
if [ $reachable -ne 1 ]; then
	cat <<MSG

make run: the block lists cannot be reached from this machine: none of them answered its
test point 127.0.0.2 (what was seen: $dir/lists-reachable.txt).

blmon needs a recursive DNS resolver of its own that can reach the lists: Spamhaus, dnswl and
others refuse public resolvers (Google, Cloudflare, most cloud providers'), and a machine
without internet access reaches none. On Debian:

    apt-get install unbound          # a recursive resolver on 127.0.0.1
    then in config.example, [monitor]: resolver = 127.0.0.1

To see blmon at work without a resolver or internet access: make demo

MSG
	$check_only && exit 3
	echo "The daemon starts anyway: its dashboard shows the lists as failing."
	echo
fi
$check_only && exit 0
exec "$blmon" run -c "$dir/blmon.conf"
