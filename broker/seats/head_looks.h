/* SPDX-License-Identifier: MIT */
/*
 * A kind's side of its helpers' word that a head changed (station_kind.h's
 * look and unchanged): every look sent takes a token from the kind's
 * count, so that a picture read after a look is vouched for only while no
 * change was said since. The helper answers a look once, at the head's
 * next change, and does not say which look it answers: every one so far.
 * Pure: the kind sends and reads.
 */
#ifndef SEATMUX_HEAD_LOOKS_H
#define SEATMUX_HEAD_LOOKS_H

#include <stdbool.h>

/* One helper's: asked to say the next change (looking), since its first
 * look after it last said one (or after it took the head). */
struct head_looks {
	bool looking;
	unsigned first;
};

/* A look went to h's helper: its token (never 0), from *count, the kind's
 * count of looks sent by any of its helpers (a wrapping counter). */
unsigned head_looks_sent(struct head_looks *h, unsigned *count);
/* h's helper said its head changed. */
void head_looks_changed(struct head_looks *h);
/* Its helper has another head, or a look could not be sent to it:
 * nothing before is vouched for. */
void head_looks_forget(struct head_looks *h);
/* Whether h's head is known unchanged since the look of token since. */
bool head_looks_unchanged(const struct head_looks *h, unsigned since, unsigned count);

#endif
