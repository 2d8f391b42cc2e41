/* SPDX-License-Identifier: MIT */
/*
 * The mark a watched station's RDP client sees all the while it is
 * watched: a frame around the session's picture (SCREEN_WATCHED_FRAME_*,
 * screen_proto.h). The sink draws it over what it sends, in a buffer of
 * its own: the head's pixels, which the session drew and the sink
 * compares frames with, are left as they are.
 */
#ifndef SEATMUX_RDP_FRAME_MARK_H
#define SEATMUX_RDP_FRAME_MARK_H

#include <stdint.h>

#include "damage.h"

struct frame_mark;

struct frame_mark *frame_mark_new(void);
void frame_mark_free(struct frame_mark *m);
/*
 * The picture to send for rects of px (w x h, stride in bytes): those
 * rects copied into the mark's buffer, the frame drawn over them. The
 * buffer (its stride in *out_stride), or NULL if it cannot be had (out
 * of memory: px goes as it is, unmarked).
 */
const uint32_t *frame_mark_apply(struct frame_mark *m, const uint32_t *px, int w, int h,
				 int stride, const struct damage_rect *rects, int n,
				 int *out_stride);

#endif
