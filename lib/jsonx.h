/* jsonx.h -- the cJSON helpers every document builder shares: cleaned strings, times, lookups.
 * Text from DNS zones and mail logs is untrusted: every string member goes through text_utf8_clean. */
#ifndef BLMON_JSONX_H
#define BLMON_JSONX_H

#include <cJSON.h>
#include <stdint.h>

/* A string member cleaned to valid UTF-8; null when s is NULL or empty. */
void jsonx_add_text(cJSON *o, const char *key, const char *s);
/* A string member cleaned to valid UTF-8; "" when s is NULL. */
void jsonx_add_str(cJSON *o, const char *key, const char *s);
/* An RFC 3339 time member; null when t <= 0 (never). */
void jsonx_add_time(cJSON *o, const char *key, int64_t t);
/* A number member, or null when have is 0. */
void jsonx_add_num_or_null(cJSON *o, const char *key, double v, int have);
/* Appends a cleaned string to an array. */
void jsonx_push_str(cJSON *arr, const char *s);

/* The string value of member key, or NULL (borrowed from o). */
const char *jsonx_str(const cJSON *o, const char *key);
/* The number member key of o, or dflt when there is none. */
double jsonx_num(const cJSON *o, const char *key, double dflt);

/* The document, unformatted, as a string the caller owns (free()). */
char *jsonx_print(const cJSON *doc);

#endif
