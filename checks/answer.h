/* answer.h -- reads a raw DNS answer to an A query: every usable A record, and what made the rest unusable.
 * An answer with records but no usable A record is a broken or lying resolver, never "not listed". */
#ifndef BLMON_ANSWER_H
#define BLMON_ANSWER_H

#include <stddef.h>
#include <stdint.h>

/* What made records of an answer unusable: the first one found is reported. */
typedef enum {
	ANSWER_FLAW_NONE = 0,
	ANSWER_FLAW_OWNER,     /* an A record owned by another name than the one asked */
	ANSWER_FLAW_LENGTH,    /* an A record whose data is not 4 bytes */
	ANSWER_FLAW_CLASS,     /* a record of another class than IN */
	ANSWER_FLAW_TYPE,      /* a record of another type (e.g. TXT) answering an A query */
	ANSWER_FLAW_CNAME_LOOP,/* a CNAME chain that comes back to a name it passed */
	ANSWER_FLAW_CNAME_END, /* a CNAME chain that ends without an A record */
	ANSWER_FLAW_MALFORMED, /* cannot be read: cut short, counts that lie, pointer loops */
} answer_flaw_t;

typedef enum {
	ANSWER_OK,       /* usable A records: each was passed to the callback */
	ANSWER_EMPTY,    /* no record in the answer section */
	ANSWER_UNUSABLE, /* records, but none is a usable A record for the name asked */
} answer_status_t;

typedef struct {
	unsigned usable;     /* usable A records seen (every one, not a sample) */
	uint32_t ttl;        /* smallest TTL of the usable records */
	answer_flaw_t flaw;  /* the first flaw, also when some records were usable */
} answer_info_t;

/* Called once per usable A record, in answer order, with the address in host order. */
typedef void (*answer_a_cb)(void *ud, uint32_t addr);

/* Reads the answer section of the raw DNS message buf (len bytes) as an answer
 * to the A query in its question section: an A record is usable when it is of
 * class IN, 4 bytes long and owned by the name asked, or by the end of a CNAME
 * chain from it. An unreadable message is ANSWER_UNUSABLE with
 * ANSWER_FLAW_MALFORMED (and no callback at all). Allocates nothing. */
answer_status_t answer_read_a(const unsigned char *buf, size_t len, answer_a_cb cb, void *ud,
			      answer_info_t *info);

/* What a flaw means, for people ("an A record owned by another name"). */
const char *answer_flaw_text(answer_flaw_t f);

#endif
