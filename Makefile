# Makefile -- builds blmon, its tests and its sanitizer build with plain GNU make.
# `make test` and `make run` first install missing dependencies (scripts/install-deps.sh).

PKGS      := libcares inih libcjson sqlite3 libcurl libmicrohttpd
CC        ?= cc
# snprintf truncation is deliberate (bounded messages), so its warning is off
WARN      := -Wall -Wextra -Wstrict-prototypes -Wshadow -Werror -Wno-format-truncation
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS    ?= -O2
ASAN_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

LIB_SRCS := \
	checks/xmalloc.c \
	checks/target.c \
	checks/qname.c \
	checks/catalog.c \
	checks/catalog_data.c \
	checks/verdict.c \
	checks/text.c \
	checks/dnsbl.c \
	checks/asn.c \
	checks/discover.c \
	monitor/config.c \
	monitor/store.c \
	monitor/track.c \
	monitor/log.c \
	monitor/hood.c \
	monitor/sched.c \
	monitor/alert.c \
	monitor/alert_msg.c \
	monitor/alert_email.c \
	monitor/alert_webhook.c \
	monitor/cmd_nagios.c \
	monitor/cmd_run.c \
	monitor/drop.c \
	monitor/report.c \
	monitor/cmd_check.c \
	monitor/cmd_lists.c \
	monitor/reject_rules.c \
	monitor/logwatch.c \
	monitor/logwatch_postfix.c \
	monitor/logwatch_exim.c \
	monitor/incident.c \
	monitor/cmd_reroute.c \
	web/query.c \
	web/query_incidents.c \
	web/metrics.c \
	web/http.c

MAIN_SRC  := monitor/main.c
TEST_SRCS := $(sort $(wildcard tests/test_*.c)) tests/harness.c

OBJS      := $(LIB_SRCS:%.c=build/%.o)
MAIN_OBJ  := build/$(MAIN_SRC:.c=.o)
TEST_OBJS := $(TEST_SRCS:%.c=build/%.o)
AOBJS     := $(LIB_SRCS:%.c=build-asan/%.o)
AMAIN_OBJ := build-asan/$(MAIN_SRC:.c=.o)
ATEST_OBJS := $(TEST_SRCS:%.c=build-asan/%.o)

.PHONY: all test asan run deps deps-test clean check-asan bench
all: blmon

blmon: $(OBJS) $(MAIN_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# schemas/store.sql is compiled in as a C string: blmon applies it itself
build/gen/store_sql.h: schemas/store.sql
	@mkdir -p $(dir $@)
	{ echo 'static const char store_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

build/monitor/store.o build-asan/monitor/store.o: build/gen/store_sql.h

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

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Ibuild/gen $(PKG_CFLAGS) -c -o $@ $<

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(ASAN_FLAGS) -Ibuild/gen $(PKG_CFLAGS) -c -o $@ $<

build/tests/run: $(OBJS) $(TEST_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion

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

test: deps-test
	$(MAKE) all build/tests/run
	$(TEST_ENV) BLMON_BIN=$(CURDIR)/blmon build/tests/run -j2 --timeout 120

asan: deps-test
	$(MAKE) build-asan/blmon build-asan/tests/run
	$(TEST_ENV) BLMON_BIN=$(CURDIR)/build-asan/blmon \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build-asan/tests/run -j2 --timeout 240

# the service on config.example: one check now, then the daemon (dashboard on 127.0.0.1:8053)
run: deps
	$(MAKE) all
	./blmon config-test config.example
	./blmon run -c config.example

clean:
	rm -rf build build-asan blmon

-include $(OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d) $(AOBJS:.o=.d) $(ATEST_OBJS:.o=.d)

# Sweep speed against the DNS server's limit, on loopback (bench/README.md); under 10 minutes
bench:
	scripts/install-deps.sh bench
	$(MAKE) all
	bench/run.sh
