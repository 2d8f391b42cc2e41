// SPDX-License-Identifier: MIT
#include "head_looks.h"

unsigned head_looks_sent(struct head_looks *h, unsigned *count, uint64_t now_ms, uint64_t max_ms)
{
	if (++*count == 0)	/* wrapped: 0 is no token */
		*count = 1;
	if (!h->looking || now_ms - h->first_ms >= max_ms) {
		h->first = *count;
		h->first_ms = now_ms;
	}
	h->looking = true;
	return *count;
}

void head_looks_changed(struct head_looks *h)
{
	/* Every look so far is answered: the next one starts anew. */
	h->looking = false;
}

void head_looks_forget(struct head_looks *h)
{
	h->looking = false;
}

/* A look of this helper's since it last said a change: from its first
 * such look to the last look sent, counted as the count wraps. */
bool head_looks_unchanged(const struct head_looks *h, unsigned since, unsigned count)
{
	return h->looking && since && since - h->first <= count - h->first;
}

bool head_looks_vouched(const struct head_looks *h, unsigned since, unsigned count,
			uint64_t now_ms, uint64_t max_ms)
{
	return head_looks_still(h, now_ms, max_ms) && head_looks_unchanged(h, since, count);
}

unsigned head_looks_still(const struct head_looks *h, uint64_t now_ms, uint64_t max_ms)
{
	return h->looking && now_ms - h->first_ms < max_ms ? h->first : 0;
}
