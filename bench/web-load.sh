#!/usr/bin/env bash
# web-load.sh -- load test of blmon's HTTP API while the daemon sweeps a /20 (issue 4).
# Starts rbldnsd and `blmon run` on loopback, runs wrk against /api/v1/status and /metrics.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BLMON=${BLMON:-$ROOT/blmon}
SECS=${WRK_SECONDS:-10}
work=$(mktemp -d /tmp/blmon-webload.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; echo "kept $work"' EXIT

freeport() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.'"$1"'); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dns=$(freeport SOCK_DGRAM)
http=$(freeport SOCK_STREAM)

# two lists over 10.0.0.0/20: every 16th address listed, test points present
{
	echo ':127.0.0.2:Listed in the load test'
	echo '127.0.0.2'
	for i in $(seq 0 16 4095); do echo "10.0.$((i / 256)).$((i % 256))"; done
} > "$work/bl.zone"
rbldnsd -n -b "127.0.0.1/$dns" -w "$work" bl1.load.test:ip4set:bl.zone bl2.load.test:ip4set:bl.zone \
	> "$work/rbldnsd.log" 2>&1 &
pids+=($!)
cat > "$work/blmon.conf" <<CONF
[monitor]
interval = 4s
resolver = 127.0.0.1:$dns
database = $work/blmon.db
confirm = 1
[targets]
network = 10.0.0.0/20
[lists]
default = no
[list bl1.load.test]
[list bl2.load.test]
[http]
listen = 127.0.0.1:$http
CONF
"$BLMON" run -c "$work/blmon.conf" > "$work/blmon.log" 2>&1 &
pids+=($!)
# wait for the first cycle so the API has something to serve
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$http/healthz" > /dev/null 2>&1 && break
	sleep 0.2
done

echo "web-load: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo);" \
	"daemon re-sweeping 10.0.0.0/20 x 2 lists every 4 s; wrk -t2 -c16 -d${SECS}s"
for path in "/api/v1/status?only=problems" "/api/v1/status" "/metrics"; do
	out=$(wrk -t2 -c16 -d"${SECS}s" --latency "http://127.0.0.1:$http$path")
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errs=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
	printf '%-32s %10s req/s  p99 %-9s %s\n' "$path" "$rps" "$p99" "${errs:-errors: none}"
done
cycles=$(sqlite3 "$work/blmon.db" "SELECT count(*) FROM cycles WHERE ended IS NOT NULL" 2>/dev/null || echo "?")
echo "web-load: the daemon completed $cycles cycles meanwhile"
