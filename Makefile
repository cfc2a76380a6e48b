# Makefile -- builds blmon, its tests and its sanitizer build with plain GNU make.
# `make test` and `make run` first install missing dependencies (scripts/install-deps.sh).

VERSION   := 0.2.0
PKGS      := libcares inih libcjson sqlite3 libpq libcurl libmicrohttpd
CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/blmon
# blmon reads /etc/blmon.conf whatever the PREFIX (monitor/config.h CONFIG_DEFAULT_PATH)
SYSCONFDIR ?= /etc
UNITDIR   ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# the config may hold passwords and tokens: readable by root and the group blmon only. (The
# package ships it 0644 and dpkg-statoverride makes it root:blmon 0640 once the user exists.)
CONF_MODE ?= 0640
# CFLAGS, CPPFLAGS and LDFLAGS from the environment (a packager's) are honoured; the warnings
# and -Werror below are always added. snprintf truncation is deliberate (bounded messages).
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wstrict-prototypes -Wshadow -Werror -Wno-format-truncation
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP
BASE_CPPFLAGS := -I. -Ibuild/gen -DBLMON_VERSION='"$(VERSION)"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

# The layers, bottom up: lib <- checks <- store <- web, monitor (see README "Layout";
# `make check-layers` enforces it).
LIB_SRCS := \
	lib/xmalloc.c \
	lib/sbuf.c \
	lib/text.c \
	lib/timefmt.c \
	lib/jsonx.c \
	lib/curlx.c \
	lib/errbuf.c \
	lib/log.c \
	lib/proc.c \
	lib/sdnotify.c \
	lib/suggest.c

CHECKS_SRCS := \
	checks/target.c \
	checks/qname.c \
	checks/catalog.c \
	checks/catalog_data.c \
	checks/status.c \
	checks/answer.c \
	checks/verdict.c \
	checks/dataset.c \
	checks/dataset_load.c \
	checks/dataset_parse.c \
	checks/dataset_ip4.c \
	checks/dataset_ip6.c \
	checks/dataset_dn.c \
	checks/result.c \
	checks/problem.c \
	checks/dnsbl.c \
	checks/asn.c \
	checks/discover.c \
	checks/reject_rules.c \
	checks/snds.c

STORE_SRCS := \
	store/store.c \
	store/store_db.c \
	store/store_dburi.c \
	store/store_db_sqlite.c \
	store/store_db_pg.c \
	store/store_state.c \
	store/store_target_ids.c \
	store/store_hood.c \
	store/store_mtalog.c \
	store/store_alert.c \
	store/store_problems.c \
	store/store_read.c \
	store/store_read_events.c \
	store/store_snds.c \
	store/store_cluster.c \
	store/store_budget.c \
	store/store_copy.c

WEB_SRCS := \
	web/api_lists.c \
	web/api_status.c \
	web/api_problems.c \
	web/api_csv.c \
	web/api_events.c \
	web/api_incidents.c \
	web/api_cluster.c \
	web/api_health.c \
	web/prom.c \
	web/metrics.c \
	web/http_guard.c \
	web/http.c

MONITOR_SRCS := \
	monitor/config.c \
	monitor/config_runnable.c \
	monitor/daemon/confirm.c \
	monitor/daemon/neighbourhood.c \
	monitor/daemon/drop.c \
	monitor/daemon/snds_watch.c \
	monitor/daemon/mirror.c \
	monitor/daemon/cycle.c \
	monitor/daemon/cycle_budget.c \
	monitor/daemon/digest.c \
	monitor/daemon/sched.c \
	monitor/alert/alert.c \
	monitor/alert/alert_changes.c \
	monitor/alert/alert_incident.c \
	monitor/alert/alert_resolver.c \
	monitor/alert/alert_queue.c \
	monitor/alert/alert_msg.c \
	monitor/alert/alert_fold.c \
	monitor/alert/alert_email.c \
	monitor/alert/alert_webhook.c \
	monitor/alert/alert_test.c \
	monitor/mtalog/logwatch.c \
	monitor/mtalog/logline.c \
	monitor/mtalog/logline_postfix.c \
	monitor/mtalog/logline_exim.c \
	monitor/mtalog/incident.c \
	monitor/cli/cli_opt.c \
	monitor/cli/cli_http.c \
	monitor/cli/check_report.c \
	monitor/cli/check_report_human.c \
	monitor/cli/live.c \
	monitor/cli/check.c \
	monitor/cli/nagios.c \
	monitor/cli/lists.c \
	monitor/cli/db.c \
	monitor/cli/config_test.c \
	monitor/cli/run.c \
	monitor/cli/alert.c \
	monitor/cli/status.c \
	monitor/cli/reroute.c

LIB_ALL   := $(LIB_SRCS) $(CHECKS_SRCS) $(STORE_SRCS) $(WEB_SRCS) $(MONITOR_SRCS)
MAIN_SRC  := monitor/main.c
TEST_SRCS := $(sort $(wildcard tests/test_*.c)) tests/harness.c tests/harness_pg.c

OBJS      := $(LIB_ALL:%.c=build/%.o)
MAIN_OBJ  := build/$(MAIN_SRC:.c=.o)
TEST_OBJS := $(TEST_SRCS:%.c=build/%.o)
AOBJS     := $(LIB_ALL:%.c=build-asan/%.o)
AMAIN_OBJ := build-asan/$(MAIN_SRC:.c=.o)
ATEST_OBJS := $(TEST_SRCS:%.c=build-asan/%.o)

# Fuzzing (tests/fuzz/, libFuzzer): clang builds each target with the product sources it reaches,
# taken from an archive so a target links only what it calls. Warnings as above, less the one
# option clang does not know.
FUZZ_CC    ?= clang
FUZZERS    := fuzz_config fuzz_logline fuzz_answer fuzz_snds fuzz_dataset
FUZZ_SRCS  := $(LIB_SRCS) $(CHECKS_SRCS) store/store_dburi.c monitor/config.c \
	monitor/config_runnable.c \
	monitor/mtalog/logline.c monitor/mtalog/logline_postfix.c monitor/mtalog/logline_exim.c
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_WARN  := $(filter-out -Wno-format-truncation,$(WARN))
FOBJS      := $(FUZZ_SRCS:%.c=build-fuzz/%.o)
# `make fuzz` runs each target this long; `make test` runs them during the suite, for less
FUZZ_SECONDS ?= 20
# Tests run in parallel: most of their time is a daemon's 1-second cycle or a peer's answer, not
# CPU (the suite uses about a third of a core per test job), so 4 jobs on 2 cores halve the wall
# time of 2 without crowding the machine
TEST_JOBS ?= 4
# five fuzzers one after the other: a minute in all, about the suite's own time
TEST_FUZZ_SECONDS ?= 12

.PHONY: all test test-unit asan fuzz fuzz-build valgrind run demo deps deps-test clean bench \
	install uninstall check-layers check-install deb
all: blmon

blmon: $(OBJS) $(MAIN_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# schemas/store.sql (SQLite) and store.pg.sql (PostgreSQL) are compiled in as C strings: blmon
# applies them itself
build/gen/store_sql.h: schemas/store.sql
	@mkdir -p $(dir $@)
	{ echo 'static const char store_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

build/gen/store_pg_sql.h: schemas/store.pg.sql
	@mkdir -p $(dir $@)
	{ echo 'static const char store_pg_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

build/store/store_db_sqlite.o build-asan/store/store_db_sqlite.o: build/gen/store_sql.h
build/store/store_db_pg.o build-asan/store/store_db_pg.o: build/gen/store_pg_sql.h

# the dashboard's files (web/assets/) are compiled in as byte arrays: no file is read at run time
WEB_ASSETS := web/assets/index.html web/assets/app.js web/assets/style.css web/assets/favicon.svg
build/gen/web_assets.h: $(WEB_ASSETS)
	@mkdir -p $(dir $@)
	{ for f in $(WEB_ASSETS); do \
	    echo "static const unsigned char web_asset_$$(basename $$f | tr '.-' '__')[] = {"; \
	    od -An -v -tx1 $$f | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '};'; \
	  done; } > $@.tmp && mv $@.tmp $@

build/web/http.o build-asan/web/http.o: build/gen/web_assets.h

# `make V=1` shows the compiler's command lines
Q := $(if $(V),,@)

build/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC asan $<")
	$(Q)$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(BASE_CFLAGS) $(ASAN_FLAGS) $(PKG_CFLAGS) -c -o $@ $<

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC fuzz $<")
	$(Q)$(FUZZ_CC) $(BASE_CPPFLAGS) $(CPPFLAGS) -std=c11 -D_GNU_SOURCE $(FUZZ_WARN) -MMD -MP \
	  $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

build-fuzz/libblmon.a: $(FOBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

build-fuzz/fuzz_%: build-fuzz/tests/fuzz/fuzz_%.o build-fuzz/libblmon.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# kept, or every `make fuzz` would compile the targets again
.SECONDARY: $(FUZZERS:%=build-fuzz/tests/fuzz/%.o)

build/tests/run: $(OBJS) $(TEST_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

# `make bench`'s probe of lists answered from data files (bench/dataset.sh)
build/bench/dataset_bench: build/bench/dataset_bench.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

build-asan/blmon: $(AOBJS) $(AMAIN_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build-asan/tests/run: $(AOBJS) $(ATEST_OBJS)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

# Tests run the real binary (BLMON_BIN) against real servers they start on loopback.
TEST_ENV = BLMON_ROOT=$(CURDIR)
# Suites that need no server, no process and no network: `make test-unit` runs only these.
UNIT_SUITES := $(shell cat tests/unit-suites 2>/dev/null)
UNIT_FILTER := @($(shell echo $(UNIT_SUITES) | tr ' ' '|'))/*

# The suite mostly waits on servers and processes, so the fuzzers are built and run meanwhile,
# one at a time and niced, and the suite's wall time barely grows; either failing fails the
# test. (FUZZ_MAKE, not $(MAKE) itself on that line, so that `make -n test` stays a dry run.)
FUZZ_MAKE = $(MAKE) -s --no-print-directory
test: deps-test
	$(MAKE) all build/tests/run
	scripts/check-layers.sh
	@mkdir -p build-fuzz; \
	{ $(FUZZ_MAKE) fuzz-build && \
	  nice -n 19 tests/fuzz/run.sh $(TEST_FUZZ_SECONDS) $(FUZZERS); } \
	  >build-fuzz/make-test.log 2>&1 & fuzz=$$!; \
	echo "$(TEST_ENV) BLMON_BIN=$(CURDIR)/blmon build/tests/run -j$(TEST_JOBS) --timeout 120"; \
	$(TEST_ENV) BLMON_BIN=$(CURDIR)/blmon build/tests/run -j$(TEST_JOBS) --timeout 120; suite=$$?; \
	echo "fuzz: waiting for the fuzzers ($(TEST_FUZZ_SECONDS) s each, started with the suite)"; \
	wait $$fuzz; fst=$$?; cat build-fuzz/make-test.log; \
	[ $$fst -eq 0 ] || echo "fuzz: FAILED (build-fuzz/make-test.log)"; \
	[ $$suite -eq 0 ] && [ $$fst -eq 0 ]

test-unit:
	$(MAKE) all build/tests/run
	$(TEST_ENV) BLMON_BIN=$(CURDIR)/blmon build/tests/run -j2 --filter '$(UNIT_FILTER)'

asan: deps-test
	$(MAKE) build-asan/blmon build-asan/tests/run
	$(TEST_ENV) BLMON_BIN=$(CURDIR)/build-asan/blmon \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build-asan/tests/run -j2 --timeout 240

# libFuzzer on the parsers of untrusted input, each on a scratch copy of its committed corpus
# (tests/fuzz/corpus/NAME/); any crash, leak or undefined behaviour fails
fuzz-build: $(FUZZERS:%=build-fuzz/%)

fuzz: deps-test
	$(MAKE) fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# `blmon check` under valgrind (errors and leaks) against every mode of tests/hostiledns.py;
# about 35 s, so not part of `make test`
valgrind:
	@scripts/install-deps.sh valgrind
	$(MAKE) all
	tests/valgrind-hostile.sh ./blmon

check-layers:
	scripts/check-layers.sh

# the service on config.example (dashboard on 127.0.0.1:8053), its database in build/run/; says
# what is needed when the lists cannot be reached (scripts/run.sh)
run: deps
	$(MAKE) all
	scripts/run.sh

# blmon at work offline within a minute: rbldnsd on loopback plays the block lists of
# contrib/demo/, the scenario changes every minute, alerts print in the terminal; Ctrl-C stops
# everything (scripts/demo.sh). DEMO_PORT chooses the dashboard's port (default 8053).
demo:
	@scripts/install-deps.sh demo
	$(MAKE) all
	scripts/demo.sh

# What `make install` and the Debian package install: the binary, the manuals, the systemd unit
# (its ExecStart pointed at BINDIR) and the user it runs as (sysusers.d), bash completion, the
# README and contrib/'s examples with config.example, and /etc/blmon.conf made from
# config.example with the database under /var/lib/blmon -- unless a config is already there.
EXAMPLES = config.example $(filter-out contrib/blmon.service contrib/blmon.sysusers \
	contrib/blmon.bash-completion,$(shell find contrib -maxdepth 1 -type f | sort))

build/blmon.conf: config.example
	@mkdir -p $(dir $@)
	sed -e 's|^database = .*|database = /var/lib/blmon/blmon.db|' $< > $@.tmp
	grep -qx 'database = /var/lib/blmon/blmon.db' $@.tmp
	mv $@.tmp $@

install: blmon build/blmon.conf
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSCONFDIR)
	install -m 0755 blmon $(DESTDIR)$(BINDIR)/blmon
	install -m 0644 man/blmon.1 $(DESTDIR)$(MANDIR)/man1/blmon.1
	install -m 0644 man/blmon.conf.5 $(DESTDIR)$(MANDIR)/man5/blmon.conf.5
	sed -e 's|/usr/bin/blmon|$(BINDIR)/blmon|g' contrib/blmon.service \
	  > $(DESTDIR)$(UNITDIR)/blmon.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/blmon.service
	install -m 0644 contrib/blmon.sysusers $(DESTDIR)$(SYSUSERSDIR)/blmon.conf
	install -m 0644 contrib/blmon.bash-completion $(DESTDIR)$(BASHCOMPDIR)/blmon
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/blmon.conf ]; then \
	  echo "install: $(DESTDIR)$(SYSCONFDIR)/blmon.conf exists: kept as it is"; \
	else \
	  echo "install -m $(CONF_MODE) build/blmon.conf $(DESTDIR)$(SYSCONFDIR)/blmon.conf"; \
	  install -m $(CONF_MODE) build/blmon.conf $(DESTDIR)$(SYSCONFDIR)/blmon.conf; \
	fi
	@[ -n "$(DESTDIR)" ] || echo "install: now: systemd-sysusers blmon.conf &&" \
	  "chgrp blmon $(SYSCONFDIR)/blmon.conf && systemctl daemon-reload &&" \
	  "systemctl enable --now blmon"

# The same set; /etc/blmon.conf only while it is the one install wrote (an edited config stays).
uninstall: build/blmon.conf
	rm -f $(DESTDIR)$(BINDIR)/blmon $(DESTDIR)$(MANDIR)/man1/blmon.1 \
	  $(DESTDIR)$(MANDIR)/man5/blmon.conf.5 $(DESTDIR)$(UNITDIR)/blmon.service \
	  $(DESTDIR)$(SYSUSERSDIR)/blmon.conf $(DESTDIR)$(BASHCOMPDIR)/blmon \
	  $(DESTDIR)$(DOCDIR)/README.md $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@if cmp -s build/blmon.conf $(DESTDIR)$(SYSCONFDIR)/blmon.conf; then \
	  echo "rm -f $(DESTDIR)$(SYSCONFDIR)/blmon.conf"; rm -f $(DESTDIR)$(SYSCONFDIR)/blmon.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/blmon.conf ]; then \
	  echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/blmon.conf was edited: kept"; \
	fi

# The Debian package, dist/blmon_VERSION_ARCH.deb: dpkg-buildpackage on a copy of the tree's
# files (git ls-files: tracked, and new ones .gitignore does not exclude) under build/deb, so that neither
# the checkout nor its parent directory gets build products; then lintian (failing on errors)
# and scripts/check-install.sh on the unpacked package.
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB      = dist/blmon_$(VERSION)_$(DEB_ARCH).deb
deb:
	@scripts/install-deps.sh deb
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	  { echo "deb: debian/changelog says $$v, the Makefile $(VERSION): add a changelog entry"; \
	    exit 1; }
	rm -rf build/deb && mkdir -p build/deb/blmon-$(VERSION) dist
	git ls-files -z --cached --others --exclude-standard | \
	  xargs -0 sh -c 'for f; do [ ! -e "$$f" ] || printf "%s\0" "$$f"; done' sh | \
	  tar --null -T - -cf - | tar -xf - -C build/deb/blmon-$(VERSION)
	cd build/deb/blmon-$(VERSION) && dpkg-buildpackage -b -us -uc
	cp build/deb/blmon_$(VERSION)_$(DEB_ARCH).deb $(DEB)
	lintian --fail-on error --info $(DEB)
	rm -rf build/deb/root && dpkg-deb -x $(DEB) build/deb/root
	scripts/check-install.sh build/deb/root
	@echo "deb: $(DEB)"

# make install into a scratch root, then scripts/check-install.sh on what landed there
check-install:
	rm -rf build/install-check
	$(MAKE) install DESTDIR=$(CURDIR)/build/install-check PREFIX=/usr
	scripts/check-install.sh build/install-check
	$(MAKE) uninstall DESTDIR=$(CURDIR)/build/install-check PREFIX=/usr
	@left=$$(find build/install-check -type f); [ -z "$$left" ] || \
	  { echo "uninstall left: $$left"; exit 1; }
	@echo "check-install: install and uninstall OK"

clean:
	rm -rf build build-asan build-fuzz blmon

-include $(OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d) $(AOBJS:.o=.d) $(ATEST_OBJS:.o=.d) \
	build/bench/dataset_bench.d \
	$(FOBJS:.o=.d) $(FUZZERS:%=build-fuzz/tests/fuzz/%.d)

# Sweep speed against the DNS server's limit, then the daemon on a /16 (issue 14's scale
# targets), then lists answered from data files against DNS mode and rbldnsd, on loopback
# (bench/README.md); about 10 minutes
bench:
	scripts/install-deps.sh bench
	$(MAKE) all build/bench/dataset_bench
	bench/run.sh
	bench/scale.sh
	bench/dataset.sh
