#!/bin/sh
# demo.sh -- `make demo`: blmon working offline within a minute, against a scenario shipped in contrib/demo/.
# rbldnsd on loopback plays the block lists and Team Cymru; the scenario changes every step.
#
# Usage: scripts/demo.sh [--port PORT] [--step SECONDS] [--dir DIR] [--for SECONDS]
#   --port  the dashboard's port on 127.0.0.1 (default 8053, or $DEMO_PORT)
#   --step  seconds between scenario changes (default 60)
#   --dir   work directory (default: a new one under $TMPDIR, removed at the end)
#   --for   stop by itself after this many seconds (default: run until Ctrl-C or SIGTERM)
# Ctrl-C (or SIGTERM) stops everything it started. Nothing leaves this machine: the daemon asks
# only the rbldnsd started here, the scenario's lists and Cymru are made up, DROP is off.
set -u

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
port=${DEMO_PORT:-8053}
step=60
dir=
run_for=0
while [ $# -gt 0 ]; do
	case $1 in
	--port) port=$2; shift 2 ;;
	--step) step=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--for) run_for=$2; shift 2 ;;
	*) sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done

say() { printf '%s\n' "$*"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# the binary: ./blmon, or the one under test (BLMON_BIN, e.g. an ASan build)
blmon=${BLMON_BIN:-./blmon}
[ -x "$blmon" ] || fail "$blmon is not built: run \`make demo\` (or \`make\` first)"
command -v rbldnsd >/dev/null 2>&1 || [ -x /usr/sbin/rbldnsd ] ||
	fail "rbldnsd is missing: apt-get install rbldnsd (\`make demo\` installs it)"
command -v python3 >/dev/null 2>&1 || fail "python3 is missing: apt-get install python3"
PATH=$PATH:/usr/sbin

made_dir=
if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/blmon-demo.XXXXXX") || fail "cannot make a work directory"
	made_dir=$dir
fi
mkdir -p "$dir" || fail "cannot make $dir"
# as root, rbldnsd drops to its own user: it must read the zones
chmod 755 "$dir"

pids=
cleanup() {
	trap - INT TERM EXIT
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	[ -n "$made_dir" ] && rm -rf "$made_dir"
}
stop() {
	say ""
	say "demo: stopping rbldnsd, the daemon and the alert receiver"
	cleanup
	exit 0
}
trap stop INT TERM
trap cleanup EXIT

free_port() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}

# the scenario's starting point: every zone file and the sample mail log
cp "$root"/contrib/demo/zones/* "$dir"/
cp "$root"/contrib/demo/mail.log "$dir"/mail.log
chmod 644 "$dir"/*

dns_port=$(free_port udp)
rbldnsd -n -e -c 1s -t 10 -b "127.0.0.1/$dns_port" -w "$dir" \
	zen.spamhaus.org:ip4set:zen-sbl zen.spamhaus.org:ip4set:zen-xbl \
	dnsbl-2.uceprotect.net:ip4set:uce2 dnsbl-3.uceprotect.net:ip4set:uce3 \
	b.barracudacentral.org:ip4set:barracuda bl.spamcop.net:ip4set:spamcop \
	origin.asn.cymru.com:generic:cymru-origin asn.cymru.com:generic:cymru-asname \
	>"$dir/rbldnsd.log" 2>&1 &
dns_pid=$!
pids="$pids $dns_pid"
# the lists must answer from the first cycle on: wait until rbldnsd has loaded the zones
waited=0
until grep -q started "$dir/rbldnsd.log" 2>/dev/null; do
	kill -0 "$dns_pid" 2>/dev/null || { cat "$dir/rbldnsd.log" >&2; fail "rbldnsd did not start"; }
	waited=$((waited + 1))
	[ $waited -le 100 ] || fail "rbldnsd did not start within 10 s: see $dir/rbldnsd.log"
	sleep 0.1
done
hook_port=$(free_port tcp)
python3 -u "$root/scripts/demo-alerts.py" "$hook_port" &
pids="$pids $!"

interval=$((step / 4))
[ "$interval" -ge 1 ] || interval=1
cat >"$dir/blmon.conf" <<CONF
# The config \`make demo\` runs blmon with (scripts/demo.sh): the lists are the real zones' names,
# answered by rbldnsd on loopback from contrib/demo/zones.
[monitor]
interval = ${interval}s
resolver = 127.0.0.1:$dns_port
database = $dir/blmon.db
confirm = 1
timeout = 500ms
retries = 1
budget = warn
[targets]
network = 203.0.113.0/28
ip = 198.51.100.25
[lists]
only = spamhaus-zen
only = uceprotect-2
only = uceprotect-3
only = barracuda
only = spamcop
[drop]
enabled = no
[http]
listen = 127.0.0.1:$port
[webhook]
url = http://127.0.0.1:$hook_port/alert
[alerts]
batch = 2s
[logwatch]
command = tail -n +1 -F $dir/mail.log
threshold = 3 in 10m
quiet = $((step * 3 / 2))s
CONF

url="http://127.0.0.1:$port"
say ""
say "blmon demo: offline; rbldnsd on 127.0.0.1:$dns_port plays Spamhaus ZEN, UCEPROTECT 2 and 3,"
say "Barracuda, a dead SpamCop and Team Cymru (contrib/demo/)."
say ""
say "  Dashboard:  $url/"
say "  From here:  ./blmon status --url $url"
say "              curl -s '$url/api/v1/problems?format=csv'"
say "  Log:        $dir/blmon.log${made_dir:+ (removed when the demo stops)}"
say ""
say "Waiting for the first check cycle ..."
"$blmon" run -c "$dir/blmon.conf" >"$dir/blmon.log" 2>&1 &
blmon_pid=$!
pids="$pids $blmon_pid"
# what runs, for whoever checks that the demo leaves nothing behind (tests/test_demo.c)
say $pids >"$dir/demo.pids"

# ready once the first cycle has found the scenario's problems (`blmon status` exits 1)
waited=0
while :; do
	"$blmon" status --url "$url" -n 0 >/dev/null 2>&1
	[ $? -eq 1 ] && break
	if ! kill -0 "$blmon_pid" 2>/dev/null; then
		cat "$dir/blmon.log" >&2
		grep -q "in use" "$dir/blmon.log" &&
			fail "port $port is taken (another blmon?): DEMO_PORT=8054 make demo"
		fail "blmon stopped (its log is above)"
	fi
	waited=$((waited + 1))
	[ $waited -le 300 ] || fail "no check cycle after 30 s: see $dir/blmon.log"
	sleep 0.1
done

say "Now: 203.0.113.10 is on Spamhaus SBL+XBL; 203.0.113.0/24 on UCEPROTECT Level 2 (16 of your"
say "addresses); AS64501 on UCEPROTECT Level 3; SpamCop is dead; Microsoft rejected mail with S3150."
say "The scenario changes every $step s; alerts arrive below. Ctrl-C stops everything."
say ""

elapsed=0
n=0
while :; do
	sleep 1
	elapsed=$((elapsed + 1))
	if ! kill -0 "$blmon_pid" 2>/dev/null; then
		tail -n 20 "$dir/blmon.log" >&2
		fail "blmon stopped (the end of its log is above)"
	fi
	[ "$run_for" -gt 0 ] && [ "$elapsed" -ge "$run_for" ] && break
	[ $((elapsed % step)) -eq 0 ] || continue
	n=$((n + 1))
	s=$(( (n - 1) % 4 + 1 ))
	sd="$root/contrib/demo/steps/$s"
	say "[$(date +%H:%M:%S)] change: $(cat "$sd/what")"
	if [ "$s" -eq 4 ]; then
		# back to the start, and the provider rejects again
		cp "$root"/contrib/demo/zones/* "$dir"/
		cat "$root/contrib/demo/mail.log" >>"$dir/mail.log"
	fi
	for f in "$sd"/*; do
		case $(basename "$f") in
		what) ;;
		mail.log) cat "$f" >>"$dir/mail.log" ;;
		*) cp "$f" "$dir/" ;;
		esac
	done
	chmod 644 "$dir"/*
done
say "demo: $run_for s passed: stopping"
cleanup
exit 0
