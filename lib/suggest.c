/* suggest.c -- "did you mean": optimal string alignment distance, case-insensitive.
 * Words are short (commands, options, keys): a small table on the stack, no allocation. */
#include "lib/suggest.h"

#include <ctype.h>
#include <string.h>

unsigned suggest_distance(const char *a, const char *b)
{
	unsigned d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > SUGGEST_MAX_LEN)
		la = SUGGEST_MAX_LEN;
	if (lb > SUGGEST_MAX_LEN)
		lb = SUGGEST_MAX_LEN;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned best = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			/* "chekc" is one slip of the fingers, not two */
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *suggest_pick(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	unsigned limit = len <= 4 ? 1 : len <= 8 ? 2 : 3, best = limit + 1;
	const char *pick = NULL;

	if (!len)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned dist;
		if (!cands[i])
			continue;
		dist = suggest_distance(word, cands[i]);
		/* a distance as long as the word replaces all of it: no resemblance */
		if (dist < best && dist < len && dist < strlen(cands[i])) {
			best = dist;
			pick = cands[i];
		}
	}
	return pick;
}
