/* test_text.c -- hostile TXT text is escaped for terminals and cleaned for JSON; secrets never shown. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lib/curlx.h"
#include "lib/suggest.h"
#include "lib/text.h"

Test(text, terminal_escapes_controls_and_keeps_utf8)
{
	char out[256];

	text_escape_term("red\x1b[31m bell\x07 nl\n", out, sizeof(out));
	cr_assert_str_eq(out, "red\\x1b[31m bell\\x07 nl\\x0a");
	text_escape_term("caf\xc3\xa9 <b>", out, sizeof(out));
	cr_assert_str_eq(out, "caf\xc3\xa9 <b>");
	text_escape_term("bad \xff\xfe utf8 \xc3", out, sizeof(out));
	cr_assert_str_eq(out, "bad \\xff\\xfe utf8 \\xc3");
	text_escape_term("c1 \xc2\x9b csi", out, sizeof(out)); /* 8-bit CSI */
	cr_assert_str_eq(out, "c1 \\xc2\\x9b csi");
	text_escape_term("back\\slash", out, sizeof(out));
	cr_assert_str_eq(out, "back\\\\slash");
}

Test(text, utf8_clean_replaces_invalid_sequences)
{
	char out[64];

	text_utf8_clean("ok \xed\xa0\x80 \xc0\xaf end", out, sizeof(out)); /* surrogate, overlong */
	cr_assert_str_eq(out, "ok \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end");
}

Test(text, truncates_on_character_boundary)
{
	char out[6];

	text_escape_term("\x01\x02\x03", out, sizeof(out));
	cr_assert_str_eq(out, "\\x01"); /* a second escape would not fit whole */
	text_utf8_clean("ab\xc3\xa9\xc3\xa9", out, sizeof(out));
	cr_assert_str_eq(out, "ab\xc3\xa9");
}

Test(text, redact_replaces_every_occurrence_and_fits)
{
	char s[64];

	snprintf(s, sizeof(s), "Bearer s3cretX said s3cretX");
	text_redact(s, sizeof(s), "s3cretX", "***");
	cr_assert_str_eq(s, "Bearer *** said ***");
	snprintf(s, sizeof(s), "abc abc");
	text_redact(s, sizeof(s), "abc", "***");
	cr_assert_str_eq(s, "abc abc", "shorter than TEXT_REDACT_MIN: ordinary words");
	text_redact(s, sizeof(s), NULL, "***");
	cr_assert_str_eq(s, "abc abc");
	/* a mask longer than the secret in a full buffer: cut, never half a secret */
	snprintf(s, 12, "ab Secret9");
	text_redact(s, 12, "Secret9", "[a long mask]");
	cr_assert_str_eq(s, "ab ");
}

Test(text, url_shown_hides_userinfo_paths_and_secret_parameters)
{
	char b[256];

	curlx_url_shown("https://user:pw@hooks.example.com/hooks/T0K3N", false, b, sizeof(b));
	cr_assert_str_eq(b, "https://***@hooks.example.com/...");
	curlx_url_shown("https://hooks.example.com", false, b, sizeof(b));
	cr_assert_str_eq(b, "https://hooks.example.com");
	curlx_url_shown("smtp://u:p@127.0.0.1:25", true, b, sizeof(b));
	cr_assert_str_eq(b, "smtp://***@127.0.0.1:25");
	curlx_url_shown("https://mirror.example/drop/drop_v4.json?apiKey=K&v=2&token=T#x", true, b,
			sizeof(b));
	cr_assert_str_eq(b, "https://mirror.example/drop/drop_v4.json?apiKey=***&v=2&token=***#x");
	/* not quite an URL (a config value refused): still no userinfo */
	curlx_url_shown("smtp:/mailer:pw@host/x", false, b, sizeof(b));
	cr_assert_null(strstr(b, "pw"), "%s", b);
	curlx_url_shown("htp://hook:pw@127.0.0.1/hook/T", false, b, sizeof(b));
	cr_assert_str_eq(b, "htp://***@127.0.0.1/...");
}

Test(text, url_redact_finds_what_libcurl_or_a_server_quoted)
{
	char s[256];

	snprintf(s, sizeof(s), "URL http://u:PassWord1@h:8/hook/PathTok3n rejected; login u:PassWord1, "
		 "PassWord1; GET /hook/PathTok3n?x=1");
	curlx_url_redact("http://u:PassWord1@h:8/hook/PathTok3n", false, s, sizeof(s));
	cr_assert_str_eq(s, "URL http://***@h:8/... rejected; login ***, ***; GET /...?x=1");
	snprintf(s, sizeof(s), "fetch https://m.example/f.json?key=KeyValue7 failed: KeyValue7");
	curlx_url_redact("https://m.example/f.json?key=KeyValue7", true, s, sizeof(s));
	cr_assert_str_eq(s, "fetch https://m.example/f.json?key=*** failed: ***");
}

Test(text, did_you_mean_picks_the_closest_word_or_none)
{
	static const char *const cmds[] = {"check", "run", "nagios", "lists", "reroute",
					   "config-test", "status", "alert", "help"};
	static const char *const keys[] = {"interval", "resolver", "database", "confirm", NULL,
					   "timeout", "retries", "max_ttl", "stale_grace"};
	const size_t nc = sizeof(cmds) / sizeof(cmds[0]), nk = sizeof(keys) / sizeof(keys[0]);

	cr_assert_eq(suggest_distance("chek", "check"), 1);
	cr_assert_eq(suggest_distance("chekc", "check"), 1, "a swap is one edit");
	cr_assert_eq(suggest_distance("RUN", "run"), 0, "case does not count");
	cr_assert_eq(suggest_distance("", "abc"), 3);
	cr_assert_str_eq(suggest_pick("chek", cmds, nc), "check");
	cr_assert_str_eq(suggest_pick("nagois", cmds, nc), "nagios");
	cr_assert_str_eq(suggest_pick("stauts", cmds, nc), "status");
	cr_assert_str_eq(suggest_pick("config-tset", cmds, nc), "config-test");
	cr_assert_str_eq(suggest_pick("rn", cmds, nc), "run");
	cr_assert_null(suggest_pick("x", cmds, nc), "one letter resembles everything");
	cr_assert_null(suggest_pick("frobnicate", cmds, nc));
	cr_assert_null(suggest_pick("", cmds, nc));
	cr_assert_str_eq(suggest_pick("intervall", keys, nk), "interval");
	cr_assert_str_eq(suggest_pick("Resolver", keys, nk), "resolver");
	cr_assert_str_eq(suggest_pick("retrys", keys, nk), "retries");
	cr_assert_str_eq(suggest_pick("stale-grace", keys, nk), "stale_grace");
	cr_assert_null(suggest_pick("colour", keys, nk));
}
