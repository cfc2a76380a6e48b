/* store_dburi.c -- what [monitor] database names: a SQLite file, or a PostgreSQL URI without a password.
 * Plain string work, no engine: the config checks a setting with it before any database is opened. */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

bool store_db_is_pg(const char *database)
{
	return database &&
	       (!strncmp(database, "postgresql://", 13) || !strncmp(database, "postgres://", 11));
}

int store_db_check(const char *database, char *buf, size_t len)
{
	static const char why[] = "the URI holds a password (%s): it would be shown wherever the "
				  "database is named; put it in database_password_file or ~/.pgpass";
	const char *auth, *end, *at, *q;

	if (!store_db_is_pg(database))
		return 0;
	/* postgresql://[user[:password]@]host[:port][,...][/db][?param=value&...] */
	auth = strstr(database, "://") + 3;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at && memchr(auth, ':', (size_t)(at - auth))) {
		snprintf(buf, len, why, "user:password@");
		return -1;
	}
	for (q = strchr(end, '?'); q && *q; q += 1 + strcspn(q + 1, "&"))
		if (!strncmp(q + 1, "password=", 9)) {
			snprintf(buf, len, why, "password=");
			return -1;
		}
	return 0;
}
