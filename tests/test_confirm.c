/* test_confirm.c -- the confirmation rule, without a database or a network. */
#include <criterion/criterion.h>
#include <string.h>

#include "monitor/daemon/confirm.h"

static confirm_result_t obs(store_state_t *st, const char *status, const char *codes, unsigned confirm,
			  int64_t now)
{
	char from[8] = "";
	return confirm_observe(st, status, codes, confirm, now, from);
}

Test(confirm, first_observation_is_recorded_at_once)
{
	store_state_t st;

	memset(&st, 0, sizeof(st));
	cr_assert_eq(obs(&st, "listed", "[\"127.0.0.2\"]", 3, 100), CONFIRM_FIRST);
	cr_assert_str_eq(st.status, "listed");
	cr_assert_eq(st.since, 100);
}

Test(confirm, change_needs_confirm_observations_in_a_row)
{
	store_state_t st;
	char from[8];

	memset(&st, 0, sizeof(st));
	obs(&st, "listed", "[\"127.0.0.2\"]", 2, 100);
	cr_assert_eq(obs(&st, "clean", "[]", 2, 200), CONFIRM_PENDING);
	cr_assert_str_eq(st.status, "listed");
	cr_assert_eq(st.pending_count, 1);
	cr_assert_eq(confirm_observe(&st, "clean", "[]", 2, 300, from), CONFIRM_CHANGED);
	cr_assert_str_eq(from, "listed");
	cr_assert_str_eq(st.status, "clean");
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
	cr_assert_str_eq(st.status, "listed");
}

Test(confirm, unknown_is_a_state_of_its_own)
{
	store_state_t st;
	char from[8];

	memset(&st, 0, sizeof(st));
	obs(&st, "listed", "[\"127.0.0.2\"]", 1, 100);
	cr_assert_eq(confirm_observe(&st, "unknown", "[]", 1, 200, from), CONFIRM_CHANGED);
	cr_assert_str_eq(from, "listed");
	cr_assert_eq(confirm_observe(&st, "clean", "[]", 1, 300, from), CONFIRM_CHANGED);
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
	cr_assert_eq(confirm_observe(&st, "listed", "[\"127.0.0.2\",\"127.0.0.4\"]", 1, 200, from),
		     CONFIRM_CHANGED);
	cr_assert_str_eq(from, "listed");
	cr_assert_str_eq(st.codes, "[\"127.0.0.2\",\"127.0.0.4\"]");
	/* clean answers with non-listing codes do not flap */
	memset(&st, 0, sizeof(st));
	obs(&st, "clean", "[\"127.0.0.18\"]", 1, 100);
	cr_assert_eq(obs(&st, "clean", "[\"127.0.0.19\"]", 1, 200), CONFIRM_SAME);
}
