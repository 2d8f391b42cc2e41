/* SPDX-License-Identifier: MIT */
/*
 * The sink's copy of the screen (the buffer evdi grabs into) is the only
 * whole picture it has: a client asking for a refresh, a send that failed
 * or a tile under new damage need pixels that were drawn long ago. Most
 * of a station's screen is still most of the time, so the bands of 64
 * rows (RemoteFX's tile rows) that nothing wrote to for a while are
 * compressed tile by tile (LZ4) and their pages given back to the kernel;
 * a tile comes back into the buffer when new damage touches it or a whole
 * frame is wanted. A desktop's still areas (backgrounds, panels, text)
 * compress to a few percent; a photo does not, and costs no more than the
 * plain copy did.
 *
 * The buffer must be page-aligned anonymous memory: a band given back
 * reads as zeros until restored.
 */
#ifndef SEATMUX_SCREEN_STORE_H
#define SEATMUX_SCREEN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

/* How long a band must go unwritten before it is put away. */
#define SCREEN_STORE_STILL_MS 250

struct screen_store;

struct screen_store_stats {
	unsigned long bands_put_away;	/* times a band was compressed */
	unsigned long tiles_restored;	/* times a tile came back */
	size_t stored_bytes;		/* compressed tiles held now */
};

/* For the XRGB8888 buffer `pixels` of width x height, stride bytes a row.
 * NULL when out of memory. */
struct screen_store *screen_store_new(uint32_t *pixels, int width, int height, int stride);
void screen_store_free(struct screen_store *ss);
/*
 * evdi wrote the n boxes at now_ms: their bands are busy again, and each
 * put-away tile they touch gets back its pixels outside the boxes. False
 * if a tile could not be restored (it is then black outside the boxes).
 */
bool screen_store_written(struct screen_store *ss, const pixman_box32_t *boxes, int n,
			  uint64_t now_ms);
/* Every put-away tile under box back into the buffer: before it is read. */
bool screen_store_restore(struct screen_store *ss, const pixman_box32_t *box);
/*
 * Puts away the bands unwritten since now_ms - SCREEN_STORE_STILL_MS that
 * hold none of `keep` (damage not yet sent, which will be read). Returns
 * the ms until another band may be put away, -1 when none is waiting.
 */
int screen_store_put_away(struct screen_store *ss, uint64_t now_ms, const pixman_region32_t *keep);
void screen_store_stats(const struct screen_store *ss, struct screen_store_stats *out);

#endif
