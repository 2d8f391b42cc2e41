/* SPDX-License-Identifier: MIT */
/*
 * Frame flow control for one RDP client: frames are bracketed by frame
 * markers and the client acknowledges each (TS_FRAME_ACKNOWLEDGE_PDU).
 * At most a few frames may be unacknowledged; a slow client therefore
 * gets fewer frames, each the newest, never a growing queue. A suppressed
 * output (the client minimised) gets none until it asks again.
 */
#ifndef SEATMUX_FLOW_H
#define SEATMUX_FLOW_H

#include <stdbool.h>
#include <stdint.h>

/* A client acknowledging this id wants no flow control (MS-RDPRFX). */
#define FLOW_ACK_SUSPEND 0xffffffffu

struct flow {
	uint32_t next_id;	/* of the next frame */
	uint32_t acked;		/* the newest frame acknowledged */
	int max_in_flight;
	bool suspended;		/* the client said it will not acknowledge */
	bool suppressed;	/* the client's output is suppressed */
	bool acks;		/* the client acknowledges frames at all */
};

void flow_init(struct flow *f, int max_in_flight, bool client_acks);
/* Frames sent and not acknowledged. */
int flow_in_flight(const struct flow *f);
/* Whether a frame may be encoded and sent now. */
bool flow_can_send(const struct flow *f);
/* The id of the frame about to be sent (counts it as in flight). */
uint32_t flow_begin(struct flow *f);
/* The client acknowledged id; ids never sent are ignored. */
void flow_ack(struct flow *f, uint32_t id);
void flow_suppress(struct flow *f, bool suppressed);

#endif
