/* query_incidents.h -- the incidents reads' former entry points, kept only for tests/test_logwatch.c.
 * Deprecated: the document is web/api.h's api_incidents, the families are part of metrics_render. */
#ifndef BLMON_QUERY_INCIDENTS_H
#define BLMON_QUERY_INCIDENTS_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Nothing in blmon calls or defines these: tests/test_web.c implements them
 * over a store_t opened on the same file, so that test_logwatch.c (another
 * room's test, ported separately) keeps passing unchanged. Delete this header
 * and that bridge once test_logwatch.c calls api_incidents and metrics_render. */
struct sqlite3;

/* GET /api/v1/incidents as api_incidents builds it, read from db's file.
 * Caller owns the result; NULL with a message in err. */
cJSON *query_incidents(struct sqlite3 *db, int64_t now, unsigned limit, char *err, size_t errlen);

/* The families blmon_provider_rejections_total and blmon_provider_incident as
 * metrics_render writes them. Caller frees; NULL with a message in err. */
char *query_incidents_metrics(struct sqlite3 *db, char *err, size_t errlen);

#endif
