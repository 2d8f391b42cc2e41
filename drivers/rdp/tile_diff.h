/* SPDX-License-Identifier: MIT */
/*
 * Damage says where the session drew, not what changed: toolkits redraw
 * whole windows, and a terminal scrolling alike lines redraws the same
 * picture. Before a frame is encoded, each 64x64 tile under its damage
 * (RemoteFX's grid) is hashed and compared with the tile as last sent;
 * only the tiles that differ go. Hashes rather than a copy of the last
 * frame: 8 bytes a tile instead of a frame of memory.
 */
#ifndef SEATMUX_TILE_DIFF_H
#define SEATMUX_TILE_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "damage.h"

#define TILE_SIZE 64

struct tile_diff;

/* For a head of width x height; NULL when out of memory. */
struct tile_diff *tile_diff_new(int width, int height);
void tile_diff_free(struct tile_diff *td);
/* Whether td is for a head of that size. */
bool tile_diff_fits(const struct tile_diff *td, int width, int height);
/* Forgets what was sent: every tile of the next damage counts as changed. */
void tile_diff_reset(struct tile_diff *td);
/*
 * The tiles under the n rectangles of damage whose pixels differ from
 * when they were last passed here, as runs of tiles along a row (clipped
 * to the head), remembered as sent. *count of them, in td's own array,
 * good until the next call.
 */
const struct damage_rect *tile_diff_changed(struct tile_diff *td, const uint32_t *pixels,
					    int stride, const struct damage_rect *damage, int n,
					    int *count);

#endif
