// SPDX-License-Identifier: MIT
/*
 * A tile's blob, when it has one, holds its pixels as they are: it goes
 * when the tile is written, and stays when the tile is restored, so that
 * putting a band away again compresses only the tiles drawn on since. A
 * tile not in the buffer always has its blob (the buffer's bytes for it
 * are meaningless). A band's pages go back to the kernel only once all of
 * its tiles are out; pages it shares with a neighbour band stay, and are
 * overwritten on restore all the same.
 *
 * The buffer is kept out of transparent huge pages: a band given back
 * would split one, and the next write into the hole could fault in 2 MB.
 */
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "screen_store.h"
#include "tile_diff.h"

#define TILE_PIXELS (TILE_SIZE * TILE_SIZE)

struct stored_tile {
	char *blob;		/* NULL: written since last compressed */
	int size;
	bool out;		/* put away: only the blob has the pixels */
};

struct band {
	uint64_t written_ms;
	int in_buffer;		/* its tiles not put away */
};

struct screen_store {
	uint32_t *pixels;
	int width, height, stride;
	int cols, rows;
	size_t page;
	struct stored_tile *tiles;	/* rows x cols */
	struct band *bands;
	struct screen_store_stats stats;
	uint32_t scratch[TILE_PIXELS];
	char lz[LZ4_COMPRESSBOUND(TILE_PIXELS * 4)];
};

struct screen_store *screen_store_new(uint32_t *pixels, int width, int height, int stride)
{
	struct screen_store *ss;

	if (!pixels || width <= 0 || height <= 0 || stride < width * 4 || stride % 4)
		return NULL;
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return NULL;
	ss->pixels = pixels;
	ss->width = width;
	ss->height = height;
	ss->stride = stride;
	ss->cols = (width + TILE_SIZE - 1) / TILE_SIZE;
	ss->rows = (height + TILE_SIZE - 1) / TILE_SIZE;
	ss->page = (size_t)sysconf(_SC_PAGESIZE);
	ss->tiles = calloc((size_t)ss->cols * (size_t)ss->rows, sizeof(*ss->tiles));
	ss->bands = calloc((size_t)ss->rows, sizeof(*ss->bands));
	if (!ss->tiles || !ss->bands) {
		screen_store_free(ss);
		return NULL;
	}
	for (int r = 0; r < ss->rows; r++)
		ss->bands[r].in_buffer = ss->cols;
	madvise((void *)((uintptr_t)pixels & ~(uintptr_t)(ss->page - 1)),
		(size_t)height * (size_t)stride, MADV_NOHUGEPAGE);
	return ss;
}

void screen_store_free(struct screen_store *ss)
{
	if (!ss)
		return;
	if (ss->tiles)
		for (int i = 0; i < ss->cols * ss->rows; i++)
			free(ss->tiles[i].blob);
	free(ss->tiles);
	free(ss->bands);
	free(ss);
}

static pixman_box32_t tile_box(const struct screen_store *ss, int c, int r)
{
	pixman_box32_t b = { c * TILE_SIZE, r * TILE_SIZE, (c + 1) * TILE_SIZE, (r + 1) * TILE_SIZE };

	if (b.x2 > ss->width)
		b.x2 = ss->width;
	if (b.y2 > ss->height)
		b.y2 = ss->height;
	return b;
}

static uint32_t *row_at(const struct screen_store *ss, int x, int y)
{
	return (uint32_t *)((char *)ss->pixels + (size_t)y * (size_t)ss->stride) + x;
}

/* The tile's pixels changed: its blob no longer holds them. */
static void drop_blob(struct screen_store *ss, struct stored_tile *t)
{
	ss->stats.stored_bytes -= (size_t)t->size;
	free(t->blob);
	t->blob = NULL;
	t->size = 0;
}

static bool put_tile(struct screen_store *ss, int c, int r)
{
	struct stored_tile *t = &ss->tiles[r * ss->cols + c];
	pixman_box32_t b = tile_box(ss, c, r);
	int w = b.x2 - b.x1, h = b.y2 - b.y1, n;

	if (t->blob)
		goto out;	/* unchanged since compressed */
	for (int y = 0; y < h; y++)
		memcpy(ss->scratch + y * w, row_at(ss, b.x1, b.y1 + y), (size_t)w * 4);
	n = LZ4_compress_default((const char *)ss->scratch, ss->lz, w * h * 4, (int)sizeof(ss->lz));
	if (n <= 0 || !(t->blob = malloc((size_t)n)))
		return false;
	memcpy(t->blob, ss->lz, (size_t)n);
	t->size = n;
	ss->stats.stored_bytes += (size_t)n;
out:
	t->out = true;
	ss->bands[r].in_buffer--;
	return true;
}

/* The tile's pixels back into the buffer, but for `except` (newer). */
static bool take_tile(struct screen_store *ss, int c, int r, const pixman_region32_t *except)
{
	struct stored_tile *t = &ss->tiles[r * ss->cols + c];
	pixman_box32_t b = tile_box(ss, c, r);
	int w = b.x2 - b.x1, h = b.y2 - b.y1, n;
	bool ok = LZ4_decompress_safe(t->blob, (char *)ss->scratch, t->size, w * h * 4) == w * h * 4;
	pixman_region32_t todo;
	const pixman_box32_t *part;

	/* A blob that does not decompress is not the tile: the buffer gets
	 * zeros, and the next put-away compresses those, not the blob. */
	if (!ok) {
		memset(ss->scratch, 0, sizeof(ss->scratch));
		drop_blob(ss, t);
	}
	pixman_region32_init_rect(&todo, b.x1, b.y1, (unsigned)w, (unsigned)h);
	if (except)
		pixman_region32_subtract(&todo, &todo, except);
	part = pixman_region32_rectangles(&todo, &n);
	for (int i = 0; i < n; i++)
		for (int y = part[i].y1; y < part[i].y2; y++)
			memcpy(row_at(ss, part[i].x1, y),
			       ss->scratch + (y - b.y1) * w + (part[i].x1 - b.x1),
			       (size_t)(part[i].x2 - part[i].x1) * 4);
	pixman_region32_fini(&todo);
	ss->stats.tiles_restored++;
	t->out = false;
	ss->bands[r].in_buffer++;
	return ok;
}

bool screen_store_written(struct screen_store *ss, const pixman_box32_t *boxes, int n,
			  uint64_t now_ms)
{
	pixman_region32_t written;
	const pixman_box32_t *b;
	bool ok = true;
	int count;

	pixman_region32_init_rects(&written, boxes, n);
	pixman_region32_intersect_rect(&written, &written, 0, 0, (unsigned)ss->width,
				       (unsigned)ss->height);
	b = pixman_region32_rectangles(&written, &count);
	for (int i = 0; i < count; i++)
		for (int r = b[i].y1 / TILE_SIZE; r <= (b[i].y2 - 1) / TILE_SIZE; r++) {
			ss->bands[r].written_ms = now_ms;
			for (int c = b[i].x1 / TILE_SIZE; c <= (b[i].x2 - 1) / TILE_SIZE; c++) {
				struct stored_tile *t = &ss->tiles[r * ss->cols + c];

				if (t->out)
					ok = take_tile(ss, c, r, &written) && ok;
				if (t->blob)
					drop_blob(ss, t);
			}
		}
	pixman_region32_fini(&written);
	return ok;
}

bool screen_store_restore(struct screen_store *ss, const pixman_box32_t *box)
{
	int x1 = box->x1 > 0 ? box->x1 : 0, y1 = box->y1 > 0 ? box->y1 : 0;
	int x2 = box->x2 < ss->width ? box->x2 : ss->width;
	int y2 = box->y2 < ss->height ? box->y2 : ss->height;
	bool ok = true;

	for (int r = y1 / TILE_SIZE; y1 < y2 && r <= (y2 - 1) / TILE_SIZE; r++)
		for (int c = x1 / TILE_SIZE;
		     x1 < x2 && ss->bands[r].in_buffer < ss->cols && c <= (x2 - 1) / TILE_SIZE; c++)
			if (ss->tiles[r * ss->cols + c].out)
				ok = take_tile(ss, c, r, NULL) && ok;
	return ok;
}

/* The band's own whole pages, to the kernel: they read as zeros now. */
static void give_back(struct screen_store *ss, int r)
{
	int y2 = (r + 1) * TILE_SIZE < ss->height ? (r + 1) * TILE_SIZE : ss->height;
	uintptr_t start = (uintptr_t)row_at(ss, 0, r * TILE_SIZE);
	uintptr_t end = (uintptr_t)ss->pixels + (size_t)y2 * (size_t)ss->stride;

	start = (start + ss->page - 1) & ~(uintptr_t)(ss->page - 1);
	end &= ~(uintptr_t)(ss->page - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

static bool put_band(struct screen_store *ss, int r)
{
	for (int c = 0; c < ss->cols; c++)
		if (!ss->tiles[r * ss->cols + c].out && !put_tile(ss, c, r))
			return false;	/* out of memory: the rest stays as it is */
	give_back(ss, r);
	ss->stats.bands_put_away++;
	return true;
}

int screen_store_put_away(struct screen_store *ss, uint64_t now_ms, const pixman_region32_t *keep)
{
	int64_t next = -1;

	for (int r = 0; r < ss->rows; r++) {
		uint64_t due = ss->bands[r].written_ms + SCREEN_STORE_STILL_MS;
		pixman_box32_t b = { 0, r * TILE_SIZE, ss->width, (r + 1) * TILE_SIZE };

		if (!ss->bands[r].in_buffer)
			continue;
		if (now_ms < due) {
			if (next < 0 || (int64_t)(due - now_ms) < next)
				next = (int64_t)(due - now_ms);
			continue;
		}
		if (keep && pixman_region32_contains_rectangle(keep, &b) != PIXMAN_REGION_OUT)
			continue;	/* read at the next send; looked at again after it */
		if (!put_band(ss, r))
			ss->bands[r].written_ms = now_ms;	/* no memory: later */
	}
	return (int)next;
}

void screen_store_stats(const struct screen_store *ss, struct screen_store_stats *out)
{
	*out = ss->stats;
}
