/* catalog_data.h -- shape of the built-in list table (internal to the catalog module).
 * The table itself is in catalog_data.c, the one place maintainers edit. */
#ifndef BLMON_CATALOG_DATA_H
#define BLMON_CATALOG_DATA_H

#include "catalog.h"

struct catalog_code_def {
	const char *spec; /* "127.0.0.2 Meaning", octets may be "*" or "a-b" */
	code_class_t cls;
};

struct catalog_def {
	const char *id, *zone, *name;
	list_kind_t kind;
	list_qtype_t qtype;
	list_scope_t scope;
	bool ipv6;
	unsigned budget;
	const char *removal;
	const struct catalog_code_def *codes; /* terminated by a NULL spec */
};

extern const struct catalog_def catalog_builtin[];
extern const size_t catalog_builtin_count;

#endif
