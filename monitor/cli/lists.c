/* lists.c -- `blmon lists` (the catalog in use) and `blmon config-test`.
 * Both only read: they load the config and print what blmon would do with it. */
#include <cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/verdict.h"
#include "monitor/cli/cli.h"
#include "monitor/cli/cli_opt.h"
#include "monitor/config.h"

static const char lists_usage[] =
	"Usage: blmon lists [-c FILE] [--json] [-v]\n"
	"\n"
	"Prints the list catalog: built-in lists plus [list ZONE] sections of the\n"
	"config, whether each is enabled, and what each return code means.\n"
	"\n"
	"  -c, --config FILE   apply this config's [lists] and [list ZONE] sections\n"
	"                      (default $BLMON_CONFIG, else /etc/blmon.conf when it\n"
	"                      exists, else the built-in lists as they are)\n"
	"  -j, --json          print JSON\n"
	"  -v, --verbose       human output: show every return code\n"
	"  -h, --help          this text\n";

static cJSON *list_json(const catalog_list_t *l)
{
	cJSON *o = cJSON_CreateObject(), *codes;

	cJSON_AddStringToObject(o, "id", l->id);
	cJSON_AddStringToObject(o, "zone", l->zone_tmpl);
	cJSON_AddStringToObject(o, "name", l->name);
	cJSON_AddStringToObject(o, "kind", catalog_kind_name(l->kind));
	cJSON_AddStringToObject(o, "type", catalog_qtype_name(l->qtype));
	cJSON_AddStringToObject(o, "scope", catalog_scope_name(l->scope));
	cJSON_AddBoolToObject(o, "ipv6", l->ipv6);
	cJSON_AddStringToObject(o, "source", catalog_source_name(l->source));
	cJSON_AddBoolToObject(o, "needs_key",
			      strstr(l->zone_tmpl, "{key}") != NULL || l->source == SOURCE_SNDS);
	cJSON_AddBoolToObject(o, "enabled", l->enabled && l->zone);
	cJSON_AddBoolToObject(o, "builtin", l->builtin);
	if (l->budget)
		cJSON_AddNumberToObject(o, "budget_per_day", l->budget);
	else
		cJSON_AddNullToObject(o, "budget_per_day");
	if (l->rate > 0)
		cJSON_AddNumberToObject(o, "rate_per_second", l->rate);
	else
		cJSON_AddNullToObject(o, "rate_per_second");
	if (l->removal)
		cJSON_AddStringToObject(o, "removal", l->removal);
	else
		cJSON_AddNullToObject(o, "removal");
	codes = cJSON_AddArrayToObject(o, "codes");
	for (size_t i = 0; i < l->ncodes; i++) {
		cJSON *c = cJSON_CreateObject();
		char a[64];
		catalog_code_str(&l->codes[i], a, sizeof(a));
		cJSON_AddStringToObject(c, "code", a);
		cJSON_AddStringToObject(c, "class", catalog_code_class_name(l->codes[i].cls));
		cJSON_AddStringToObject(c, "meaning", l->codes[i].meaning);
		cJSON_AddItemToArray(codes, c);
	}
	return o;
}

int cmd_lists(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	int json = 0, verbose = 0, ch;
	config_t *c = NULL;
	char err[8192];

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:jvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'j': json = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(lists_usage, stdout); return 0;
		default:
			cli_opt_error(opts, "c:jvh", argv, err, sizeof(err));
			fprintf(stderr, "blmon lists: %s\nRun `blmon lists --help` for usage.\n", err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "blmon lists: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	path = config_path_optional(path);
	if (path) {
		if (config_load(path, &c, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return EXIT_USAGE;
		}
	} else {
		c = config_new_default();
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		char *s;
		for (size_t i = 0; i < c->catalog->n; i++)
			cJSON_AddItemToArray(arr, list_json(&c->catalog->lists[i]));
		s = cJSON_Print(arr);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(arr);
	} else {
		printf("%-3s %-21s %-34s %-6s %-7s %-8s %-4s %-4s %s\n", "ON", "ID", "ZONE", "KIND",
		       "TYPE", "SCOPE", "IPV6", "FROM", "NAME");
		for (size_t i = 0; i < c->catalog->n; i++) {
			const catalog_list_t *l = &c->catalog->lists[i];
			printf("%-3s %-21s %-34s %-6s %-7s %-8s %-4s %-4s %s%s\n",
			       l->enabled && l->zone ? "yes" : l->zone ? "no" : "key",
			       l->id, l->zone_tmpl, catalog_kind_name(l->kind),
			       catalog_qtype_name(l->qtype), catalog_scope_name(l->scope),
			       l->ipv6 ? "yes" : "no", catalog_source_name(l->source), l->name,
			       l->builtin ? "" : " (config)");
			for (size_t k = 0; verbose && k < l->ncodes; k++) {
				char a[64];
				catalog_code_str(&l->codes[k], a, sizeof(a));
				printf("      %-16s %-7s %s\n", a, catalog_code_class_name(l->codes[k].cls),
				       l->codes[k].meaning);
			}
		}
		printf("\nON: yes = checked, no = disabled, key = needs key = in [list ZONE] (in [snds] for\n"
		       "Microsoft SNDS). FROM: dns = a DNS zone; snds = Microsoft SNDS's documents.\n");
	}
	config_free(c);
	return 0;
}
