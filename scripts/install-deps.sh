#!/bin/sh
# install-deps.sh -- installs what blmon needs and is missing, from Debian packages and npm.
# Usage: scripts/install-deps.sh [build|test|bench|valgrind|deb|demo]   (test and demo add to build;
# bench and valgrind add to test; deb adds the packaging tools to build)
set -eu

level=${1:-build}
cd "$(dirname "$0")/.."

# libpq-dev: the PostgreSQL client library, for `database = postgresql://...`
BUILD_PKGS="build-essential pkg-config libc-ares-dev libmicrohttpd-dev libcurl4-openssl-dev
libcjson-dev libsqlite3-dev libpq-dev libinih-dev"
# rbldnsd: the real DNSBL server the integration tests query; nodejs/npm run ajv-cli;
# python3 runs tests/httpfixture.py, the loopback HTTP server of the DROP tests;
# prometheus gives promtool (checks /metrics and contrib/prometheus-rules.yml) and the real
# Prometheus the Grafana dashboard's queries are evaluated on; prometheus-alertmanager gives amtool
# (checks contrib/alertmanager.yml and its routes); chromium is
# the headless browser of the dashboard test (driven by playwright-core from npm);
# python3-aiosmtpd is the real SMTP receiver of the alert tests (tests/smtpsink.py); clang builds
# the fuzzers (tests/fuzz/); libclang-rt-dev holds libFuzzer and the sanitizer runtimes, which
# clang's packages only recommend and --no-install-recommends below would leave out; rsync is
# the binary blmon runs to mirror data feeds, and the tests' loopback `rsync --daemon`
TEST_PKGS="libcriterion-dev rbldnsd nodejs npm python3 prometheus prometheus-alertmanager chromium
python3-aiosmtpd openssl clang libclang-rt-dev rsync"
# mandoc lints the manual pages (man/) in the suite, as `mandoc -Tlint`; postgresql is the
# server the store's tests start in a temporary directory (tests/harness_pg.c: initdb, postgres)
TEST_PKGS="$TEST_PKGS mandoc postgresql"
# bench: dnsperf (the limit), time (peak RSS), check_rbl (monitoring-plugins-contrib) with the
# Perl modules it loads, rblcheck, iproute2 for rblcheck's loopback-only network namespace, and
# curl (scale.sh times the daemon's HTTP answers with it)
BENCH_PKGS="dnsperf time monitoring-plugins-contrib libnet-dns-perl libmonitoring-plugin-perl
libreadonly-perl libcapture-tiny-perl libdata-validate-domain-perl libdata-validate-ip-perl
libnet-ip-perl rblcheck iproute2 curl"

# deb: `make deb` builds the Debian package (dpkg-buildpackage, debhelper), checks it with
# lintian, and the installed manuals with mandoc
DEB_PKGS="dpkg-dev debhelper lintian mandoc"

pkgs=$BUILD_PKGS
case $level in
build) ;;
deb) pkgs="$pkgs $DEB_PKGS" ;;
test) pkgs="$pkgs $TEST_PKGS" ;;
bench) pkgs="$pkgs $TEST_PKGS $BENCH_PKGS" ;;
# `make valgrind`: blmon check under valgrind against the lying DNS server
valgrind) pkgs="$pkgs $TEST_PKGS valgrind" ;;
# `make demo`: rbldnsd plays the lists, python3 prints the alerts
demo) pkgs="$pkgs rbldnsd python3" ;;
*) echo "usage: $0 [build|test|bench|valgrind|deb|demo]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	# a package counts as present when dpkg has it installed, or (nodejs/npm)
	# when the command is already on PATH from another source
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "install-deps: installing:$missing"
	$SUDO apt-get update -q
	# policy-rc.d-free machines would otherwise start rbldnsd's own service: it has no zones and exits
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ "$level" != build ] && [ "$level" != deb ] && [ "$level" != demo ]; then
	# test-only JavaScript tools, pinned by the committed lockfile. Installed again only when
	# the lockfile's content changed (a stamp of its checksum, not file times: a fresh checkout
	# is newer than an install that is still exact)
	sum=$(sha256sum package-lock.json | cut -d' ' -f1)
	if [ ! -f node_modules/.package-lock.json ] || [ "$(cat node_modules/.blmon-lock 2>/dev/null)" != "$sum" ]; then
		npm ci --no-audit --no-fund --loglevel=error
		echo "$sum" > node_modules/.blmon-lock
	fi
fi
