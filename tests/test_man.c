/* test_man.c -- the manuals and the bash completion cover what the code accepts: every command, option and key.
 * Commands come from main.c's table, options from each command's getopt tables, keys from config.c's. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "monitor/config.h"
#include "tests/harness.h"

/* ---- reading the tree ---- */

static char *root_file(const char *rel)
{
	const char *root = getenv("BLMON_ROOT");
	char path[2048];
	char *text;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	text = harness_read(path);
	cr_assert(text[0], "%s is missing or empty (BLMON_ROOT=%s)", path, root ? root : "unset");
	return text;
}

/* Every match of the ERE re in text: capture group 1 of each, NULL-terminated
 * (caller frees the strings and the array). */
static char **matches(const char *text, const char *re)
{
	regex_t r;
	regmatch_t m[2];
	char **out = calloc(1, sizeof(*out));
	size_t n = 0;

	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE), 0, "bad regex %s", re);
	for (const char *p = text; regexec(&r, p, 2, m, p == text ? 0 : REG_NOTBOL) == 0;
	     p += m[0].rm_eo) {
		out = realloc(out, (n + 2) * sizeof(*out));
		out[n++] = strndup(p + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
		out[n] = NULL;
		if (m[0].rm_eo == 0)
			break;
	}
	regfree(&r);
	return out;
}

static void strs_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A command of main.c's table and what its source accepts. */
typedef struct {
	char *name, *file;
	char **longs;   /* "config", ... */
	char shorts[64]; /* "cjv..." */
} command_t;

/* The source file under monitor/cli/ defining `int fn(int argc, ...)`. */
static char *command_file(const char *fn)
{
	const char *root = getenv("BLMON_ROOT");
	char dirpath[2048], rel[600], needle[200];
	struct dirent *e;
	char *found = NULL;
	DIR *d;

	snprintf(dirpath, sizeof(dirpath), "%s/monitor/cli", root ? root : ".");
	snprintf(needle, sizeof(needle), "\nint %s(int argc", fn);
	d = opendir(dirpath);
	cr_assert_not_null(d, "%s", dirpath);
	while (!found && (e = readdir(d))) {
		char *text;
		size_t len = strlen(e->d_name);
		if (len < 3 || strcmp(e->d_name + len - 2, ".c"))
			continue;
		snprintf(rel, sizeof(rel), "monitor/cli/%s", e->d_name);
		text = root_file(rel);
		if (strstr(text, needle))
			found = strdup(rel);
		free(text);
	}
	closedir(d);
	cr_assert_not_null(found, "no monitor/cli/*.c defines %s()", fn);
	return found;
}

/* The commands of main.c with the options their files' getopt tables accept. */
static command_t *commands(size_t *n)
{
	char *main_c = root_file("monitor/main.c");
	char **rows = matches(main_c, "\\{\"([a-z][a-z0-9-]*)\", cmd_[a-z_]+,");
	char **fns = matches(main_c, "\\{\"[a-z][a-z0-9-]*\", (cmd_[a-z_]+),");
	command_t *cmds;

	for (*n = 0; rows[*n]; (*n)++)
		;
	cr_assert_gt(*n, 3, "main.c's command table not found");
	cmds = calloc(*n, sizeof(*cmds));
	for (size_t i = 0; i < *n; i++) {
		char *src, **opt;
		cmds[i].name = strdup(rows[i]);
		cmds[i].file = command_file(fns[i]);
		src = root_file(cmds[i].file);
		cmds[i].longs = matches(src, "\\{\"([a-z0-9-]+)\", *(no|required|optional)_argument");
		opt = matches(src, "getopt_long\\([^,]+, *[^,]+, *\"([^\"]*)\"");
		for (size_t k = 0; opt[k]; k++)
			for (const char *c = opt[k]; *c; c++)
				if (*c != ':' && *c != '+' && *c != '-' && !strchr(cmds[i].shorts, *c))
					strncat(cmds[i].shorts, c, 1);
		strs_free(opt);
		free(src);
	}
	strs_free(rows);
	strs_free(fns);
	free(main_c);
	return cmds;
}

static void commands_free(command_t *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].file);
		strs_free(c[i].longs);
	}
	free(c);
}

/* ---- reading the manuals ---- */

/* The text from the line ".Ss TITLE" (with any trailing \&) to the next .Ss or
 * .Sh line; NULL when there is none. Caller frees. */
static char *man_subsection(const char *man, const char *title)
{
	char head[256];
	const char *p = man, *end;

	snprintf(head, sizeof(head), ".Ss %s", title);
	for (;;) {
		p = strstr(p, head);
		if (!p)
			return NULL;
		if ((p == man || p[-1] == '\n') &&
		    (p[strlen(head)] == '\n' || !strncmp(p + strlen(head), "\\&\n", 3)))
			break;
		p++;
	}
	p = strchr(p, '\n') + 1;
	for (end = p; *end; end = strchr(end, '\n') ? strchr(end, '\n') + 1 : end + strlen(end))
		if (!strncmp(end, ".Ss ", 4) || !strncmp(end, ".Sh ", 4))
			break;
	return strndup(p, (size_t)(end - p));
}

/* Does the mdoc text show the flag (the word after "Fl": "c" for -c,
 * "-config" for --config, written "\-config")? */
static bool man_has_flag(const char *text, const char *flag)
{
	for (const char *p = text; (p = strstr(p, "Fl ")); p += 3) {
		char word[128];
		size_t n = 0;
		const char *q = p + 3;
		if (p != text && p[-1] != ' ' && p[-1] != '.' && p[-1] != '\n')
			continue;
		while (*q && *q != ' ' && *q != '\n' && n + 1 < sizeof(word)) {
			if (q[0] == '\\' && (q[1] == '-' || q[1] == '&')) {
				if (q[1] == '-')
					word[n++] = '-';
				q += 2;
				continue;
			}
			word[n++] = *q++;
		}
		word[n] = '\0';
		if (!strcmp(word, flag))
			return true;
	}
	return false;
}

/* ---- the tests ---- */

TestSuite(man);

Test(man, blmon_1_documents_every_command_and_option)
{
	char *man = root_file("man/blmon.1"), *synopsis;
	size_t n;
	command_t *cmds = commands(&n);
	static const char *const sections[] = {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS",
					       "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES",
					       "SEE ALSO"};

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		char sh[64];
		snprintf(sh, sizeof(sh), "\n.Sh %s\n", sections[i]);
		cr_assert(strstr(man, sh), "blmon(1) has no section %s", sections[i]);
	}
	synopsis = strstr(man, "\n.Sh SYNOPSIS\n");
	for (size_t i = 0; i < n; i++) {
		char *sub = man_subsection(man, cmds[i].name), cm[128];
		snprintf(cm, sizeof(cm), "\n.Cm %s\n", cmds[i].name);
		cr_assert(strstr(synopsis, cm) && strstr(synopsis, cm) < strstr(man, "\n.Sh DESCRIPTION"),
			  "blmon(1): command %s (%s) is not in the SYNOPSIS", cmds[i].name, cmds[i].file);
		cr_assert_not_null(sub, "blmon(1): command %s (%s) has no `.Ss %s`", cmds[i].name,
				   cmds[i].file, cmds[i].name);
		for (const char *c = cmds[i].shorts; *c; c++) {
			char flag[2] = {*c, '\0'};
			cr_assert(man_has_flag(sub, flag),
				  "blmon(1): option -%c of `blmon %s` (%s) is not under `.Ss %s`", *c,
				  cmds[i].name, cmds[i].file, cmds[i].name);
		}
		for (size_t k = 0; cmds[i].longs[k]; k++) {
			char flag[128];
			snprintf(flag, sizeof(flag), "-%s", cmds[i].longs[k]);
			cr_assert(man_has_flag(sub, flag),
				  "blmon(1): option --%s of `blmon %s` (%s) is not under `.Ss %s`",
				  cmds[i].longs[k], cmds[i].name, cmds[i].file, cmds[i].name);
		}
		free(sub);
	}
	/* blmon's own options, those main() compares argv[1] with */
	{
		char *main_c = root_file("monitor/main.c");
		char **own = matches(main_c, "strcmp\\(cmd, \"-([a-zA-Z-]+)\"\\)");
		cr_assert_not_null(own[0], "main.c's own options not found");
		for (size_t k = 0; own[k]; k++)
			cr_assert(man_has_flag(man, own[k]), "blmon(1): blmon -%s is not documented",
				  own[k]);
		strs_free(own);
		free(main_c);
	}
	cr_assert(strstr(man, "\n.It Ev BLMON_CONFIG\n"), "blmon(1): BLMON_CONFIG not in ENVIRONMENT");
	cr_assert(strstr(man, "\n.It Pa " CONFIG_DEFAULT_PATH "\n"), "blmon(1): no FILES entry for "
		  CONFIG_DEFAULT_PATH);
	commands_free(cmds, n);
	free(man);
}

Test(man, blmon_conf_5_documents_every_section_and_key)
{
	char *man = root_file("man/blmon.conf.5");

	for (size_t i = 0; i < config_key_count(); i++) {
		const char *section, *key = config_key_name(i, &section);
		char title[128], item[128], *sub;
		const char *p;
		bool found = false;

		snprintf(title, sizeof(title), "[%s]", strcmp(section, "list") ? section : "list ZONE");
		sub = man_subsection(man, title);
		cr_assert_not_null(sub, "blmon.conf(5): no `.Ss %s` for the key %s", title, key);
		snprintf(item, sizeof(item), ".It Ic %s", key);
		for (p = sub; !found && (p = strstr(p, item)); p++)
			found = (p == sub || p[-1] == '\n') &&
				(p[strlen(item)] == ' ' || p[strlen(item)] == '\n');
		cr_assert(found, "blmon.conf(5): key %s of %s is not documented (`%s` under `.Ss %s`)",
			  key, title, item, title);
		free(sub);
	}
	free(man);
}

Test(man, the_bash_completion_offers_every_command_and_option)
{
	char *comp = root_file("contrib/blmon.bash-completion");
	size_t n;
	command_t *cmds = commands(&n);

	for (size_t i = 0; i < n; i++) {
		char re[160], **line, word[140], padded[1024];
		snprintf(re, sizeof(re), "^[[:space:]]*%s\\) opts='([^']*)'", cmds[i].name);
		line = matches(comp, re);
		cr_assert_not_null(line[0], "completion: no `%s) opts='...'` line", cmds[i].name);
		snprintf(padded, sizeof(padded), " %s ", line[0]);
		for (const char *c = cmds[i].shorts; *c; c++) {
			snprintf(word, sizeof(word), " -%c ", *c);
			cr_assert(strstr(padded, word), "completion: -%c of `blmon %s` is missing", *c,
				  cmds[i].name);
		}
		for (size_t k = 0; cmds[i].longs[k]; k++) {
			snprintf(word, sizeof(word), " --%s ", cmds[i].longs[k]);
			cr_assert(strstr(padded, word), "completion: --%s of `blmon %s` is missing",
				  cmds[i].longs[k], cmds[i].name);
		}
		snprintf(word, sizeof(word), " %s ", cmds[i].name);
		{
			char **all = matches(comp, "local cmds='([^']*)'"), known[512];
			cr_assert_not_null(all[0]);
			snprintf(known, sizeof(known), " %s ", all[0]);
			cr_assert(strstr(known, word), "completion: command %s missing from cmds",
				  cmds[i].name);
			strs_free(all);
		}
		strs_free(line);
	}
	commands_free(cmds, n);
	free(comp);
}

/* ---- the tools: mandoc's linter and bash itself ---- */

TestSuite(man_tools, .timeout = 30);

Test(man_tools, mandoc_lint_is_clean)
{
	static const char *const pages[] = {"man/blmon.1", "man/blmon.conf.5"};
	const char *root = getenv("BLMON_ROOT");

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char cmd[2048], *out;
		FILE *p;
		size_t len = 0, cap = 4096;
		int st;

		/* every message, style included, but for cross references to manuals this
		 * machine lacks (postfix's, or the other blmon page before it is installed) */
		snprintf(cmd, sizeof(cmd), "mandoc -Tlint -W style %s/%s 2>&1 | grep -v -e "
			 "'referenced manual not found' -e 'outdated mandoc.db'; "
			 "mandoc -Tlint -W warning %s/%s >/dev/null 2>&1",
			 root ? root : ".", pages[i], root ? root : ".", pages[i]);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		out = calloc(1, cap);
		while (fgets(out + len, (int)(cap - len), p))
			len = strlen(out);
		st = pclose(p);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 127, "mandoc is not installed "
			  "(Debian package mandoc: scripts/install-deps.sh test)");
		cr_assert_str_eq(out, "", "mandoc -Tlint %s:\n%s", pages[i], out);
		cr_assert_eq(WEXITSTATUS(st), 0, "mandoc -Tlint -W warning %s failed", pages[i]);
		free(out);
	}
}

Test(man_tools, bash_completes_commands_options_and_values)
{
	const char *root = getenv("BLMON_ROOT");
	char script[4096];
	FILE *p;
	char out[4096] = "";
	size_t len = 0;

	snprintf(script, sizeof(script),
		 "bash -c 'source %s/contrib/blmon.bash-completion\n"
		 "c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _blmon; echo \"${COMPREPLY[*]}\"; }\n"
		 "c blmon con\nc blmon check --con\nc blmon nagios -s \"\"\nc blmon check --color n\n"
		 "c blmon reroute --provider g\nc blmon nagios -c \"\"\nc blmon run --o\n' 2>&1",
		 root ? root : ".");
	p = popen(script, "r");
	cr_assert_not_null(p);
	while (fgets(out + len, (int)(sizeof(out) - len), p))
		len = strlen(out);
	pclose(p);
	cr_assert_str_eq(out, "config-test\n--config --concurrency\nip all\nnever\ngoogle\n\n--once\n");
}
