/* store_copy.h -- one database's whole history into another: `blmon db migrate` (SQLite to PostgreSQL).
 * Every table, every row, the same ids; then both read again and compared row by row. */
#ifndef BLMON_STORE_COPY_H
#define BLMON_STORE_COPY_H

#include <stdint.h>

#include "store/store.h"

/* Told once per table copied: its name (static) and its rows. */
typedef void (*store_copy_fn)(void *ud, const char *table, int64_t rows);

/* Copies every row of every table of from (any engine, opened STORE_RO) into to (any engine,
 * opened STORE_RW: an empty database), then reads both again and compares them row by row,
 * value by value. One snapshot of from; one transaction of to, committed only when every row
 * is the same in both (ids included: to hands out the next ones after them). Both must be
 * at the same schema version (a file of an older blmon: run blmon on it once first).
 * fn (NULL: none) hears each table as it is copied. 0, or -1 with what went wrong in err
 * (to is then left as it was). */
int store_copy(store_t *from, store_t *to, store_copy_fn fn, void *ud, char *err, size_t errlen);

#endif
