/* SPDX-License-Identifier: MIT */
/*
 * When a helper that sees a remote station's head change tells seatmuxd
 * so (an RDP sink's CONTROL_CHANGED, a USB/IP link's LINK_CHANGED), so
 * that seatmuxd may give a station's last picture again while it did not.
 * seatmuxd sends a look just before it reads a picture; the helper reads
 * it some time later. A change the helper saw before it read the look
 * may have come after seatmuxd's reading: it is said at once, at the
 * look. A change while looked at is said when it comes. Either way once,
 * then nothing until the next look. Pure: the helper does the I/O.
 */
#ifndef SEATMUX_HEAD_LOOK_H
#define SEATMUX_HEAD_LOOK_H

#include <stdbool.h>

struct head_look {
	bool looked_at;		/* a look waits for the next change */
	bool unsaid;		/* a change came while none did */
};

/* A new connection's: what came before it is unknown, so changed. */
void head_look_init(struct head_look *hl);
/* The head changed: whether to say so now. */
bool head_look_changed(struct head_look *hl);
/* seatmuxd looks: whether to say at once that the head changed. */
bool head_look_looked(struct head_look *hl);
/* Saying it failed: said at the next look instead. */
void head_look_unsaid(struct head_look *hl);

#endif
