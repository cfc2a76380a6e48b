/* db.c -- `blmon db migrate`: a SQLite history copied into a PostgreSQL database, exactly.
 * The copy and its check are store_copy's; this file reads the options and says what was done. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "monitor/cli/cli.h"
#include "monitor/cli/cli_opt.h"
#include "store/store.h"
#include "store/store_copy.h"

static const char db_usage[] =
	"Usage: blmon db migrate --from FILE --to URI [--password-file FILE]\n"
	"\n"
	"Copies the history of a SQLite database (what `database = FILE` kept: the\n"
	"state of every address on every list and since when, the events, list health,\n"
	"the alert queue, the mail log's counts, everything) into a new PostgreSQL\n"
	"database, with the same ids, in one transaction. Both are then read again and\n"
	"compared row by row; nothing is committed unless every row is the same. The\n"
	"PostgreSQL database must exist (ENCODING 'UTF8') and hold no blmon history yet;\n"
	"blmon creates its tables. Stop the daemon first, then point `database =` at\n"
	"the URI.\n"
	"\n"
	"  --from FILE           the SQLite database (opened read only; a file of an\n"
	"                        older blmon: run this blmon on it once first)\n"
	"  --to URI              postgresql://USER@HOST:PORT/DB?... (no password in it)\n"
	"  --password-file FILE  the PostgreSQL password, alone on the first line\n"
	"                        (default: libpq's PGPASSFILE or ~/.pgpass)\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 copied and compared, 1 the copy failed (the PostgreSQL\n"
	"database is left as it was), 2 usage error.\n";

static void told(void *ud, const char *table, int64_t rows)
{
	int64_t *total = ud;

	*total += rows;
	printf("%-18s %" PRId64 " rows\n", table, rows);
	fflush(stdout);
}

static int migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"password-file", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *from = NULL, *to = NULL, *pwfile = NULL;
	char err[2048];
	store_t *src = NULL, *dst = NULL;
	int64_t total = 0;
	int ch, ret = EXIT_USAGE;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'h': fputs(db_usage, stdout); return 0;
		default:
			cli_opt_error(opts, "h", argv, err, sizeof(err));
			fprintf(stderr, "blmon db migrate: %s\nRun `blmon db --help` for usage.\n", err);
			return EXIT_USAGE;
		}
	}
	if (optind < argc || !from || !to) {
		fputs(optind < argc ? "blmon db migrate: unexpected argument\n"
				    : "blmon db migrate: give --from FILE and --to URI\n", stderr);
		fputs("Run `blmon db --help` for usage.\n", stderr);
		return EXIT_USAGE;
	}
	/* what the daemon would refuse in a config is refused here too: a URI with its password
	 * would be printed below */
	if (store_db_is_pg(from) || !store_db_is_pg(to)) {
		fprintf(stderr, "blmon db migrate: --from is a SQLite file and --to a postgresql:// "
			"URI\n");
		return EXIT_USAGE;
	}
	if (store_db_check(to, err, sizeof(err)) < 0) {
		fprintf(stderr, "blmon db migrate: --to: %s\n", err);
		return EXIT_USAGE;
	}
	ret = 1;
	if (!(src = store_open(from, STORE_RO, err, sizeof(err)))) {
		fprintf(stderr, "blmon db migrate: %s\n", err);
		goto out;
	}
	if (!(dst = store_open_db(&(store_db_t){to, pwfile}, STORE_RW, err, sizeof(err)))) {
		fprintf(stderr, "blmon db migrate: %s\n", err);
		goto out;
	}
	if (store_copy(src, dst, told, &total, err, sizeof(err)) < 0) {
		fprintf(stderr, "blmon db migrate: %s\nNothing was committed to %s.\n", err, to);
		goto out;
	}
	printf("copied %" PRId64 " rows from %s to %s; read again, every row is the same\n", total,
	       from, to);
	ret = 0;
out:
	store_close(src);
	store_close(dst);
	return ret;
}

int cmd_db(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "migrate"))
		return migrate(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(db_usage, stdout);
		return 0;
	}
	fprintf(stderr, "blmon db: %s\n%s", argc < 2 ? "which? (migrate)" : "unknown subcommand",
		db_usage);
	return EXIT_USAGE;
}
