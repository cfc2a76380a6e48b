/* query_incidents.h -- the web's reads of provider incidents (the MTA log, monitor/incident.c).
 * GET /api/v1/incidents and the incident families of /metrics; read-only, like query.c. */
#ifndef BLMON_QUERY_INCIDENTS_H
#define BLMON_QUERY_INCIDENTS_H

#include <cJSON.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define QUERY_INCIDENTS_DEFAULT 50
#define QUERY_INCIDENTS_MAX 500

/* GET /api/v1/incidents: incidents newest first (at most limit), each with its
 * recipient domains; schemas/api/incidents.schema.json. now: the request's
 * time. Returns a new document (caller owns; cJSON_Delete), or NULL with a
 * message in err. */
cJSON *query_incidents(sqlite3 *db, int64_t now, unsigned limit, char *err, size_t errlen);

/* The /metrics families blmon_provider_rejections_total{provider,kind} and
 * blmon_provider_incident{provider}, with HELP and TYPE. Returns the text
 * (caller frees), or NULL with a message in err. */
char *query_incidents_metrics(sqlite3 *db, char *err, size_t errlen);

#endif
