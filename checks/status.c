/* status.c -- status names and the "worst of" order, kept in one place.
 * A listing outranks an unknown, which outranks clean: nothing certain is never "clean". */
#include "checks/status.h"

#include <string.h>

static const char *const names[STATUS_COUNT] = {
	[STATUS_CLEAN] = "clean",
	[STATUS_UNCHECKED] = "unchecked",
	[STATUS_UNKNOWN] = "unknown",
	[STATUS_LISTED] = "listed",
};

const char *status_name(status_t s)
{
	return (unsigned)s < STATUS_COUNT ? names[s] : "?";
}

int status_parse(const char *s, status_t *out)
{
	for (unsigned i = 0; s && i < STATUS_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (status_t)i;
			return 0;
		}
	return -1;
}

int status_confirmed(status_t s)
{
	return s == STATUS_LISTED || s == STATUS_CLEAN;
}

status_t status_worse(status_t a, status_t b)
{
	return a > b ? a : b;
}
