/* test_text.c -- hostile TXT text is escaped for terminals and cleaned for JSON. */
#include <criterion/criterion.h>
#include <string.h>

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
