#!/bin/sh
# check-install.sh -- checks the tree `make install` or the .deb put blmon into: every file is there,
# the binary runs, /etc/blmon.conf passes config-test, the manuals lint clean and the unit verifies.
# Usage: scripts/check-install.sh ROOT   (a DESTDIR with PREFIX=/usr, or a .deb unpacked by dpkg-deb -x)
set -eu

[ $# -eq 1 ] || { echo "usage: $0 ROOT" >&2; exit 2; }
root=$(cd "$1" && pwd)
fail() { echo "check-install: $*" >&2; exit 1; }
# the first of the paths given that exists under ROOT (a package compresses manuals, Debian
# bookworm puts units under /lib)
first() { for p in "$@"; do [ -e "$root/$p" ] && { echo "$root/$p"; return; }; done; echo ""; }

bin=$root/usr/bin/blmon
[ -x "$bin" ] || fail "no usr/bin/blmon"
"$bin" --version >/dev/null || fail "usr/bin/blmon --version failed"

conf=$root/etc/blmon.conf
[ -f "$conf" ] || fail "no etc/blmon.conf"
grep -qx 'database = /var/lib/blmon/blmon.db' "$conf" ||
	fail "etc/blmon.conf does not set database = /var/lib/blmon/blmon.db"
"$bin" config-test "$conf" >/dev/null || fail "etc/blmon.conf does not pass config-test"

for m in man1/blmon.1 man5/blmon.conf.5; do
	page=$(first "usr/share/man/$m" "usr/share/man/$m.gz")
	[ -n "$page" ] || fail "no usr/share/man/$m"
	if command -v mandoc >/dev/null; then
		mandoc -Tlint -W warning "$page" || fail "mandoc -Tlint: $page"
	fi
done

unit=$(first lib/systemd/system/blmon.service usr/lib/systemd/system/blmon.service)
[ -n "$unit" ] || fail "no blmon.service under lib/systemd/system"
grep -qx 'ExecStartPre=/usr/bin/blmon config-test' "$unit" || fail "$unit: no ExecStartPre config-test"
grep -qx 'ExecStart=/usr/bin/blmon run' "$unit" || fail "$unit: ExecStart is not /usr/bin/blmon run"
grep -qx 'Type=notify' "$unit" || fail "$unit: not Type=notify"
grep -q 'SupplementaryGroups=adm' "$unit" || fail "$unit: the group adm of the mail log is not documented"

[ -f "$(first usr/lib/sysusers.d/blmon.conf lib/sysusers.d/blmon.conf)" ] ||
	fail "no sysusers.d/blmon.conf"
comp=$root/usr/share/bash-completion/completions/blmon
[ -f "$comp" ] || fail "no bash completion"
bash -n "$comp" || fail "bash completion: syntax"
for f in config.example prometheus-rules.yml; do
	[ -f "$(first usr/share/doc/blmon/examples/$f usr/share/doc/blmon/examples/$f.gz)" ] ||
		fail "no usr/share/doc/blmon/examples/$f"
done

# systemd's own check of the unit, on a copy whose commands and manuals are those under ROOT
if command -v systemd-analyze >/dev/null; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	sed "s|/usr/bin/blmon|$root/usr/bin/blmon|g" "$unit" > "$tmp/blmon.service"
	out=$(MANPATH="$root/usr/share/man" systemd-analyze verify "$tmp/blmon.service" 2>&1) || true
	[ -z "$out" ] || fail "systemd-analyze verify blmon.service:
$out"
	echo "check-install: systemd-analyze verify: no complaint"
else
	echo "check-install: systemd-analyze not available: unit not verified"
fi
echo "check-install: $1 OK"
