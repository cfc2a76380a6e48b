/* answer.c -- a bounded reader of DNS answers: names with compression, CNAME chains, A records.
 * Every offset is checked against the message length and pointer chains are bounded: answers are hostile. */
#include "checks/answer.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define NAME_WIRE_MAX 255 /* RFC 1035: a name is at most 255 bytes on the wire */
#define PTR_MAX 32        /* compression pointers followed for one name */
#define CHAIN_MAX 8       /* CNAMEs followed from the name asked */
#define T_A 1
#define T_CNAME 5
#define C_IN 1

/* A name in canonical wire form: length-prefixed labels, lower case, ending in
 * the root label. Comparing two is a memcmp. */
typedef struct {
	unsigned char b[NAME_WIRE_MAX];
	size_t len;
} name_t;

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads the name at *off into n, following compression pointers; *off moves
 * past the name as it stands in the record. 0, or -1 when malformed. */
static int read_name(const unsigned char *buf, size_t len, size_t *off, name_t *n)
{
	size_t p = *off, end = 0;
	unsigned jumps = 0;

	n->len = 0;
	for (;;) {
		unsigned c;

		if (p >= len)
			return -1;
		c = buf[p];
		if ((c & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++jumps > PTR_MAX)
				return -1;
			if (!end)
				end = p + 2;
			p = (size_t)((c & 0x3f) << 8 | buf[p + 1]);
			continue;
		}
		if (c & 0xc0)
			return -1; /* extended label types are not names */
		if (n->len + 1 + c > NAME_WIRE_MAX || p + 1 + c > len)
			return -1;
		n->b[n->len++] = (unsigned char)c;
		for (unsigned i = 0; i < c; i++)
			n->b[n->len++] = (unsigned char)tolower(buf[p + 1 + i]);
		p += 1 + c;
		if (c == 0)
			break;
	}
	*off = end ? end : p;
	return 0;
}

static bool name_eq(const name_t *a, const name_t *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

/* One resource record of the answer section. */
typedef struct {
	name_t owner;
	uint16_t type, cls, rdlen;
	uint32_t ttl;
	size_t rdata; /* offset of the data in the message */
} rr_t;

static int read_rr(const unsigned char *buf, size_t len, size_t *off, rr_t *rr)
{
	const unsigned char *p;

	if (read_name(buf, len, off, &rr->owner) < 0 || *off + 10 > len)
		return -1;
	p = buf + *off;
	rr->type = get16(p);
	rr->cls = get16(p + 2);
	rr->ttl = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	rr->rdlen = get16(p + 8);
	rr->rdata = *off + 10;
	if (rr->rdata + rr->rdlen > len)
		return -1;
	*off = rr->rdata + rr->rdlen;
	return 0;
}

/* Offset of the answer section, and the name asked; -1 when malformed. */
static long question(const unsigned char *buf, size_t len, name_t *qname, unsigned *ancount)
{
	size_t off = 12;
	unsigned qd;

	if (len < 12)
		return -1;
	qd = get16(buf + 4);
	*ancount = get16(buf + 6);
	if (qd != 1)
		return -1; /* an answer to our one question has one question */
	if (read_name(buf, len, &off, qname) < 0 || off + 4 > len)
		return -1;
	return (long)(off + 4);
}

/* Follows the CNAME chain from the name asked to the name whose A records count. */
static answer_flaw_t follow_chain(const unsigned char *buf, size_t len, size_t start,
				  unsigned ancount, name_t *cur)
{
	name_t seen[CHAIN_MAX + 1];
	size_t nseen = 0;

	seen[nseen++] = *cur;
	for (unsigned hop = 0; hop <= CHAIN_MAX; hop++) {
		size_t off = start;
		bool moved = false;

		for (unsigned i = 0; i < ancount && !moved; i++) {
			rr_t rr;
			size_t t;

			if (read_rr(buf, len, &off, &rr) < 0)
				return ANSWER_FLAW_MALFORMED;
			if (rr.type != T_CNAME || rr.cls != C_IN || !name_eq(&rr.owner, cur))
				continue;
			t = rr.rdata;
			if (read_name(buf, len, &t, cur) < 0 || t != rr.rdata + rr.rdlen)
				return ANSWER_FLAW_MALFORMED;
			for (size_t k = 0; k < nseen; k++)
				if (name_eq(&seen[k], cur))
					return ANSWER_FLAW_CNAME_LOOP;
			if (nseen == CHAIN_MAX + 1)
				return ANSWER_FLAW_CNAME_LOOP; /* longer than any sane chain */
			seen[nseen++] = *cur;
			moved = true;
		}
		if (!moved)
			return ANSWER_FLAW_NONE;
	}
	return ANSWER_FLAW_CNAME_LOOP;
}

answer_status_t answer_read_a(const unsigned char *buf, size_t len, answer_a_cb cb, void *ud,
			      answer_info_t *info)
{
	name_t asked, cur;
	unsigned ancount, cnames = 0;
	long start;
	size_t off;
	answer_flaw_t chain;

	memset(info, 0, sizeof(*info));
	start = buf ? question(buf, len, &asked, &ancount) : -1;
	if (start < 0) {
		info->flaw = ANSWER_FLAW_MALFORMED;
		return ANSWER_UNUSABLE;
	}
	if (ancount == 0)
		return ANSWER_EMPTY;
	cur = asked;
	chain = follow_chain(buf, len, (size_t)start, ancount, &cur);
	if (chain == ANSWER_FLAW_MALFORMED) {
		info->flaw = chain;
		return ANSWER_UNUSABLE;
	}
	/* First pass: are the counts honest? Nothing reaches the callback from a
	 * message that cannot be read whole. */
	off = (size_t)start;
	for (unsigned i = 0; i < ancount; i++) {
		rr_t rr;
		if (read_rr(buf, len, &off, &rr) < 0) {
			info->flaw = ANSWER_FLAW_MALFORMED;
			return ANSWER_UNUSABLE;
		}
	}
	off = (size_t)start;
	for (unsigned i = 0; i < ancount; i++) {
		answer_flaw_t f = ANSWER_FLAW_NONE;
		rr_t rr;

		read_rr(buf, len, &off, &rr);
		if (rr.cls != C_IN)
			f = ANSWER_FLAW_CLASS;
		else if (rr.type == T_CNAME)
			cnames++; /* judged by follow_chain */
		else if (rr.type != T_A)
			f = ANSWER_FLAW_TYPE;
		else if (!name_eq(&rr.owner, &cur))
			f = ANSWER_FLAW_OWNER;
		else if (rr.rdlen != 4)
			f = ANSWER_FLAW_LENGTH;
		else {
			const unsigned char *a = buf + rr.rdata;
			if (!info->usable || rr.ttl < info->ttl)
				info->ttl = rr.ttl;
			info->usable++;
			if (cb)
				cb(ud, (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
					       a[3]);
		}
		if (f && !info->flaw)
			info->flaw = f;
	}
	if (chain && !info->flaw)
		info->flaw = chain;
	if (info->usable)
		return ANSWER_OK;
	if (!info->flaw)
		info->flaw = cnames ? ANSWER_FLAW_CNAME_END : ANSWER_FLAW_TYPE;
	return ANSWER_UNUSABLE;
}

const char *answer_flaw_text(answer_flaw_t f)
{
	switch (f) {
	case ANSWER_FLAW_NONE: return "no flaw";
	case ANSWER_FLAW_OWNER: return "an A record owned by another name than the one asked";
	case ANSWER_FLAW_LENGTH: return "an A record whose data is not 4 bytes";
	case ANSWER_FLAW_CLASS: return "a record of another class than IN";
	case ANSWER_FLAW_TYPE: return "a record of another type than A";
	case ANSWER_FLAW_CNAME_LOOP: return "a CNAME chain that loops";
	case ANSWER_FLAW_CNAME_END: return "a CNAME chain that ends without an A record";
	case ANSWER_FLAW_MALFORMED: return "a message that cannot be read (cut short or lying counts)";
	}
	return "a flaw";
}
