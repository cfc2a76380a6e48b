/* test_confirm.c -- the confirmation rule, without a database or a network. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "monitor/daemon/confirm.h"

/* An observation from a status name and a JSON-ish list of codes ("[\"127.0.0.2\"]"). */
static confirm_result_t see(store_state_t *st, const char *status, const char *codes,
			    unsigned confirm, int64_t now, char *from)
{
	store_answer_t a;
	status_t s, f = STATUS_CLEAN;
	const char *p = codes;
	confirm_result_t r;

	memset(&a, 0, sizeof(a));
	cr_assert_eq(status_parse(status, &s), 0);
	while ((p = strchr(p, '"'))) {
		char ip[16];
		struct in_addr in;
		const char *end = strchr(p + 1, '"');
		snprintf(ip, sizeof(ip), "%.*s", (int)(end - p - 1), p + 1);
		cr_assert_eq(inet_pton(AF_INET, ip, &in), 1);
		a.codes[a.ncodes++] = ntohl(in.s_addr);
		p = end + 1;
	}
	r = confirm_observe(st, s, &a, confirm, now, &f);
	if (from)
		snprintf(from, 8, "%s", r == CONFIRM_CHANGED ? status_name(f) : "");
	return r;
}

static confirm_result_t obs(store_state_t *st, const char *status, const char *codes, unsigned confirm,
			  int64_t now)
{
	return see(st, status, codes, confirm, now, NULL);
}

static const char *codes_of(const store_state_t *st)
{
	static char buf[256];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "[");
	char a[16];

	for (size_t i = 0; i < st->ans.ncodes; i++) {
		verdict_addr_str(st->ans.codes[i], a);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s\"%s\"", i ? "," : "", a);
	}
	snprintf(buf + o, sizeof(buf) - o, "]");
	return buf;
}

Test(confirm, first_observation_is_recorded_at_once)
{
	store_state_t st;

	memset(&st, 0, sizeof(st));
	cr_assert_eq(obs(&st, "listed", "[\"127.0.0.2\"]", 3, 100), CONFIRM_FIRST);
	cr_assert_str_eq(status_name(st.status), "listed");
	cr_assert_eq(st.since, 100);
}

Test(confirm, change_needs_confirm_observations_in_a_row)
{
	store_state_t st;
	char from[8];

	memset(&st, 0, sizeof(st));
	obs(&st, "listed", "[\"127.0.0.2\"]", 2, 100);
	cr_assert_eq(obs(&st, "clean", "[]", 2, 200), CONFIRM_PENDING);
	cr_assert_str_eq(status_name(st.status), "listed");
	cr_assert_eq(st.pending_count, 1);
	cr_assert_eq(see(&st, "clean", "[]", 2, 300, from), CONFIRM_CHANGED);
	cr_assert_str_eq(from, "listed");
	cr_assert_str_eq(status_name(st.status), "clean");
	cr_assert_eq(st.since, 300);
	cr_assert_eq(st.pending_count, 0);
}

Test(confirm, an_interruption_resets_the_count)
{
	store_state_t st;

	memset(&st, 0, sizeof(st));
	obs(&st, "listed", "[\"127.0.0.2\"]", 2, 100);
	cr_assert_eq(obs(&st, "clean", "[]", 2, 200), CONFIRM_PENDING);
	cr_assert_eq(obs(&st, "listed", "[\"127.0.0.2\"]", 2, 300), CONFIRM_SAME);
	cr_assert_eq(st.pending_count, 0);
	cr_assert_eq(obs(&st, "clean", "[]", 2, 400), CONFIRM_PENDING);
	/* unknown in between is a different observation: clean is not confirmed */
	cr_assert_eq(obs(&st, "unknown", "[]", 2, 500), CONFIRM_PENDING);
	cr_assert_eq(obs(&st, "clean", "[]", 2, 600), CONFIRM_PENDING);
	cr_assert_str_eq(status_name(st.status), "listed");
}

Test(confirm, unknown_is_a_state_of_its_own)
{
	store_state_t st;
	char from[8];

	memset(&st, 0, sizeof(st));
	obs(&st, "listed", "[\"127.0.0.2\"]", 1, 100);
	cr_assert_eq(see(&st, "unknown", "[]", 1, 200, from), CONFIRM_CHANGED);
	cr_assert_str_eq(from, "listed");
	cr_assert_eq(see(&st, "clean", "[]", 1, 300, from), CONFIRM_CHANGED);
	cr_assert_str_eq(from, "unknown", "listed -> unknown -> clean, never listed -> clean directly");
	/* different error codes while unknown are still the same state */
	cr_assert_eq(obs(&st, "unknown", "[\"127.255.255.254\"]", 1, 400), CONFIRM_CHANGED);
	cr_assert_eq(obs(&st, "unknown", "[\"127.255.255.255\"]", 1, 500), CONFIRM_SAME);
}

Test(confirm, code_changes_of_a_listing_are_changes)
{
	store_state_t st;
	char from[8];

	memset(&st, 0, sizeof(st));
	obs(&st, "listed", "[\"127.0.0.2\"]", 1, 100);
	cr_assert_eq(see(&st, "listed", "[\"127.0.0.2\",\"127.0.0.4\"]", 1, 200, from),
		     CONFIRM_CHANGED);
	cr_assert_str_eq(from, "listed");
	cr_assert_str_eq(codes_of(&st), "[\"127.0.0.2\",\"127.0.0.4\"]");
	/* clean answers with non-listing codes do not flap */
	memset(&st, 0, sizeof(st));
	obs(&st, "clean", "[\"127.0.0.18\"]", 1, 100);
	cr_assert_eq(obs(&st, "clean", "[\"127.0.0.19\"]", 1, 200), CONFIRM_SAME);
}
