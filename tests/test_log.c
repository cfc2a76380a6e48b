/* test_log.c -- log lines: timestamped on a terminal or in a file, priority-prefixed for journald.
 * stderr is pointed at a scratch file and JOURNAL_STREAM set as systemd would set it. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/harness.h"

static char *dir;
static char path[1024];
static int saved_stderr = -1;

static void setup(void)
{
	int fd;

	dir = harness_tmpdir();
	cr_assert_not_null(dir);
	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	unsetenv("JOURNAL_STREAM");
	unsetenv("BLMON_DEBUG");
}

static void teardown(void)
{
	fflush(stderr);
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	harness_tmpdir_free(dir);
}

TestSuite(log, .init = setup, .fini = teardown);

/* JOURNAL_STREAM as systemd sets it for the stream of file p */
static void journal_stream_of(const char *p)
{
	struct stat st;
	char v[64];

	cr_assert_eq(stat(p, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static char *written(void)
{
	fflush(stderr);
	return harness_read(path);
}

static bool matches(const char *text, const char *re)
{
	regex_t r;
	bool ok;

	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE), 0);
	ok = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

Test(log, a_terminal_or_a_file_gets_a_timestamp_and_no_priority)
{
	char *t;

	log_warn("list %s is dead", "bl.test");
	t = written();
	cr_assert(matches(t, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z warn: list bl.test is dead$"),
		  "%s", t);
	cr_assert_eq(log_to_journal(), false);
	free(t);
}

Test(log, journald_gets_priorities_on_every_line_and_no_timestamp)
{
	char *t;

	journal_stream_of(path);
	cr_assert(log_to_journal());
	setenv("BLMON_DEBUG", "1", 1);
	log_error("reload refused:\nblmon.conf:3: [monitor] interval: bad");
	log_warn("warned");
	log_info("informed");
	log_debug("debugged");
	t = written();
	cr_assert_str_eq(t, "<3>error: reload refused:\n"
			    "<3>blmon.conf:3: [monitor] interval: bad\n"
			    "<4>warn: warned\n"
			    "<6>info: informed\n"
			    "<7>debug: debugged\n");
	free(t);
}

Test(log, a_journal_stream_that_is_not_stderr_is_ignored)
{
	char other[1100], *t;

	/* inherited from a parent whose stderr was the journal, while ours goes to a file */
	snprintf(other, sizeof(other), "%s/other", dir);
	cr_assert_eq(harness_write(dir, "other", ""), 0);
	journal_stream_of(other);
	cr_assert_eq(log_to_journal(), false);
	log_info("to the file");
	setenv("JOURNAL_STREAM", "garbage", 1);
	log_info("still to the file");
	t = written();
	cr_assert(matches(t, "^[0-9-]{10}T[0-9:]{8}Z info: to the file$"), "%s", t);
	cr_assert(matches(t, "^[0-9-]{10}T[0-9:]{8}Z info: still to the file$"), "%s", t);
	cr_assert_null(strchr(t, '<'), "%s", t);
	free(t);
}
