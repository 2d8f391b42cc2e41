// SPDX-License-Identifier: MIT
/*
 * A tile's hash is XXH3 over its rows. A tile never hashed is "unknown"
 * and counts as changed whatever its hash: a bitmap of known tiles, so
 * that no hash value is special.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "tile_diff.h"

struct tile_diff {
	int width, height;
	int cols, rows;
	uint64_t *hash;
	bool *known;
	bool *touched;		/* under this call's damage */
	struct damage_rect *out;	/* one a tile at most */
	XXH3_state_t *state;
};

struct tile_diff *tile_diff_new(int width, int height)
{
	struct tile_diff *td;
	size_t count;

	if (width <= 0 || height <= 0)
		return NULL;
	td = calloc(1, sizeof(*td));
	if (!td)
		return NULL;
	td->width = width;
	td->height = height;
	td->cols = (width + TILE_SIZE - 1) / TILE_SIZE;
	td->rows = (height + TILE_SIZE - 1) / TILE_SIZE;
	count = (size_t)td->cols * (size_t)td->rows;
	td->hash = calloc(count, sizeof(*td->hash));
	td->known = calloc(count, sizeof(*td->known));
	td->touched = calloc(count, sizeof(*td->touched));
	td->out = calloc(count, sizeof(*td->out));
	td->state = XXH3_createState();
	if (!td->hash || !td->known || !td->touched || !td->out || !td->state) {
		tile_diff_free(td);
		return NULL;
	}
	return td;
}

void tile_diff_free(struct tile_diff *td)
{
	if (!td)
		return;
	free(td->hash);
	free(td->known);
	free(td->touched);
	free(td->out);
	if (td->state)
		XXH3_freeState(td->state);
	free(td);
}

bool tile_diff_fits(const struct tile_diff *td, int width, int height)
{
	return td && td->width == width && td->height == height;
}

void tile_diff_reset(struct tile_diff *td)
{
	memset(td->known, 0, (size_t)td->cols * (size_t)td->rows * sizeof(*td->known));
}

static void touch(struct tile_diff *td, const struct damage_rect *r)
{
	int x1 = r->x < 0 ? 0 : r->x, y1 = r->y < 0 ? 0 : r->y;
	int x2 = r->x + r->w > td->width ? td->width : r->x + r->w;
	int y2 = r->y + r->h > td->height ? td->height : r->y + r->h;

	if (x1 >= x2 || y1 >= y2)
		return;
	for (int ty = y1 / TILE_SIZE; ty <= (y2 - 1) / TILE_SIZE; ty++)
		for (int tx = x1 / TILE_SIZE; tx <= (x2 - 1) / TILE_SIZE; tx++)
			td->touched[ty * td->cols + tx] = true;
}

/* The tile's rectangle, clipped to the head. */
static struct damage_rect tile_rect(const struct tile_diff *td, int tx, int ty)
{
	struct damage_rect r = { tx * TILE_SIZE, ty * TILE_SIZE, TILE_SIZE, TILE_SIZE };

	if (r.x + r.w > td->width)
		r.w = td->width - r.x;
	if (r.y + r.h > td->height)
		r.h = td->height - r.y;
	return r;
}

static uint64_t tile_hash(struct tile_diff *td, const uint32_t *pixels, int stride,
			  const struct damage_rect *r)
{
	const uint8_t *row = (const uint8_t *)pixels + (size_t)r->y * (size_t)stride + (size_t)r->x * 4;

	XXH3_64bits_reset(td->state);
	for (int y = 0; y < r->h; y++, row += stride)
		XXH3_64bits_update(td->state, row, (size_t)r->w * 4);
	return XXH3_64bits_digest(td->state);
}

/* Whether the tile differs from when it was last sent; remembers it. */
static bool changed(struct tile_diff *td, const uint32_t *pixels, int stride, int tx, int ty)
{
	int i = ty * td->cols + tx;
	struct damage_rect r = tile_rect(td, tx, ty);
	uint64_t h = tile_hash(td, pixels, stride, &r);
	bool differs = !td->known[i] || td->hash[i] != h;

	td->hash[i] = h;
	td->known[i] = true;
	return differs;
}

const struct damage_rect *tile_diff_changed(struct tile_diff *td, const uint32_t *pixels,
					    int stride, const struct damage_rect *damage, int n,
					    int *count)
{
	struct damage_rect *out = td->out;

	*count = 0;
	for (int i = 0; i < n; i++)
		touch(td, &damage[i]);
	for (int ty = 0; ty < td->rows; ty++) {
		bool run = false;

		for (int tx = 0; tx < td->cols; tx++) {
			bool *touched = &td->touched[ty * td->cols + tx];

			if (*touched && changed(td, pixels, stride, tx, ty)) {
				struct damage_rect r = tile_rect(td, tx, ty);

				if (run)
					out[*count - 1].w += r.w;
				else
					out[(*count)++] = r;
				run = true;
			} else {
				run = false;
			}
			*touched = false;
		}
	}
	return out;
}
