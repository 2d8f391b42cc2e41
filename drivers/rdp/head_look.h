/* SPDX-License-Identifier: MIT */
/*
 * When an RDP sink tells seatmuxd its head changed (CONTROL_CHANGED), so
 * that seatmuxd may give a station's last picture again while it did not.
 * seatmuxd sends CONTROL_LOOK just before it reads a picture; the sink
 * reads it some time later. A change the sink saw before it read the
 * look may have come after seatmuxd's reading: it is said at once, at
 * the look. A change while looked at is said when it comes. Either way
 * once, then nothing until the next look. Pure: the sink does the I/O.
 */
#ifndef SEATMUX_RDP_HEAD_LOOK_H
#define SEATMUX_RDP_HEAD_LOOK_H

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
