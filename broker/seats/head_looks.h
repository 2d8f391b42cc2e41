/* SPDX-License-Identifier: MIT */
/*
 * A kind's side of its helpers' word that a head changed (station_kind.h's
 * look, unchanged and still_since): every look sent takes a token from
 * the kind's count, so that a picture read after a look is vouched for
 * only while no change was said since. The helper answers a look once,
 * at the head's next change, and does not say which look it answers:
 * every one so far. A helper's word is trusted for max_ms at a time (the
 * configuration's picture-max-age): a look after that starts anew, so
 * that a helper that failed, or lies, holds a stale picture that long at
 * most. Pure: the kind sends and reads, and says the time.
 */
#ifndef SEATMUX_HEAD_LOOKS_H
#define SEATMUX_HEAD_LOOKS_H

#include <stdbool.h>
#include <stdint.h>

/* One helper's: asked to say the next change (looking), since its first
 * look (sent at first_ms) after it last said one, after it took the
 * head, or after max_ms of trusting it. */
struct head_looks {
	bool looking;
	unsigned first;
	uint64_t first_ms;
};

/* A look went to h's helper at now_ms: its token (never 0), from *count,
 * the kind's count of looks sent by any of its helpers (a wrapping
 * counter). */
unsigned head_looks_sent(struct head_looks *h, unsigned *count, uint64_t now_ms, uint64_t max_ms);
/* h's helper said its head changed. */
void head_looks_changed(struct head_looks *h);
/* Its helper has another head, or a look could not be sent to it:
 * nothing before is vouched for. */
void head_looks_forget(struct head_looks *h);
/* Whether h's head is known unchanged since the look of token since. */
bool head_looks_unchanged(const struct head_looks *h, unsigned since, unsigned count);
/* Whether a picture read after the look of token since may be given
 * again now: h's head is known unchanged since, and the trust in its
 * helper's word has not run out (a look renews it, after a reading: a
 * picture given again does not). */
bool head_looks_vouched(const struct head_looks *h, unsigned since, unsigned count,
			uint64_t now_ms, uint64_t max_ms);
/* The token of the look since which h's head is known unchanged, while
 * that is less than max_ms ago at now_ms; 0 if none is. What a picture
 * read since then shows, the head shows still. */
unsigned head_looks_still(const struct head_looks *h, uint64_t now_ms, uint64_t max_ms);

#endif
