/* cli_opt.c -- the sentence for an option getopt_long refused: unknown (and what was meant),
 * ambiguous, missing its value or given one it does not take. */
#include "monitor/cli/cli_opt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/suggest.h"

#define CLI_OPT_MAX 64 /* long options of one command, at most */

/* The long options whose names start with name (n bytes): how many, the first in *one. */
static size_t long_matches(const struct option *opts, const char *name, size_t n,
			   const struct option **one)
{
	size_t count = 0;

	*one = NULL;
	for (const struct option *o = opts; o->name; o++) {
		if (strlen(o->name) == n && !strncmp(o->name, name, n)) {
			*one = o; /* an exact name wins over longer ones it prefixes */
			return 1;
		}
		if (!strncmp(o->name, name, n) && !count++)
			*one = o;
	}
	return count;
}

/* A long option getopt_long refused: "--name" or "--name=value" in arg. */
static void long_error(const struct option *opts, const char *arg, char *buf, size_t len)
{
	const char *name = arg + 2, *cands[CLI_OPT_MAX], *near;
	size_t n = strcspn(name, "="), k = 0, count;
	const struct option *o;
	char word[SUGGEST_MAX_LEN + 1];

	count = long_matches(opts, name, n, &o);
	if (count == 1 && name[n] == '=' && o->has_arg == no_argument) {
		snprintf(buf, len, "option --%s takes no value", o->name);
		return;
	}
	if (count == 1) {
		snprintf(buf, len, "option --%s needs a value", o->name);
		return;
	}
	if (count > 1 && n) {
		size_t w = (size_t)snprintf(buf, len, "option --%.*s is ambiguous (", (int)n, name);
		for (const struct option *p = opts; p->name && w < len; p++)
			if (!strncmp(p->name, name, n))
				w += (size_t)snprintf(buf + w, len - w, "%s--%s", k++ ? ", " : "", p->name);
		if (w < len)
			snprintf(buf + w, len - w, ")");
		return;
	}
	for (const struct option *p = opts; p->name && k < CLI_OPT_MAX; p++)
		cands[k++] = p->name;
	snprintf(word, sizeof(word), "%.*s", (int)(n < SUGGEST_MAX_LEN ? n : SUGGEST_MAX_LEN), name);
	near = suggest_pick(word, cands, k);
	if (near)
		snprintf(buf, len, "unknown option --%s (did you mean --%s?)", word, near);
	else
		snprintf(buf, len, "unknown option --%s", word);
}

void cli_opt_error(const struct option *opts, const char *shortopts, char *const *argv, char *buf,
		   size_t len)
{
	const char *arg = optind > 0 && argv[optind - 1] ? argv[optind - 1] : "";
	const char *at;

	if (!strncmp(arg, "--", 2) && arg[2]) {
		const struct option *o;
		size_t n = strcspn(arg + 2, "=");
		/* a short option refused in a cluster after a long one leaves optopt
		 * naming the short one: only a long option's own value means "this one" */
		if (optopt == 0 || (long_matches(opts, arg + 2, n, &o) == 1 && o->val == optopt)) {
			long_error(opts, arg, buf, len);
			return;
		}
	}
	at = optopt > 0 && optopt != ':' ? strchr(shortopts, optopt) : NULL;
	if (at && at[1] == ':')
		snprintf(buf, len, "option -%c needs a value", optopt);
	else if (optopt > 0x20 && optopt < 0x7f)
		snprintf(buf, len, "unknown option -%c", optopt);
	else
		snprintf(buf, len, "unknown option %s", arg);
}
