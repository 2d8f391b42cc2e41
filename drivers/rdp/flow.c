// SPDX-License-Identifier: MIT
/*
 * Ids count up from 1 and wrap; differences are taken modulo 2^32 so that
 * a wrap changes nothing (the one id equal to FLOW_ACK_SUSPEND, once in
 * 2^32 frames, only lifts flow control until the next acknowledgement). An acknowledgement covers every earlier frame
 * too: clients may skip acknowledging some.
 */
#include "flow.h"

void flow_init(struct flow *f, int max_in_flight, bool client_acks)
{
	*f = (struct flow){
		.next_id = 1,
		.acked = 0,
		.max_in_flight = max_in_flight > 0 ? max_in_flight : 1,
		.acks = client_acks,
	};
}

int flow_in_flight(const struct flow *f)
{
	if (!f->acks || f->suspended)
		return 0;
	return (int)(uint32_t)(f->next_id - 1 - f->acked);
}

bool flow_can_send(const struct flow *f)
{
	return !f->suppressed && flow_in_flight(f) < f->max_in_flight;
}

uint32_t flow_begin(struct flow *f)
{
	return f->next_id++;
}

void flow_ack(struct flow *f, uint32_t id)
{
	uint32_t sent = f->next_id - 1;

	if (id == FLOW_ACK_SUSPEND) {
		f->suspended = true;
		return;
	}
	f->suspended = false;
	/* Newer than acknowledged, and not newer than the last sent. */
	if ((uint32_t)(id - f->acked) <= (uint32_t)(sent - f->acked) && id != f->acked)
		f->acked = id;
}

void flow_suppress(struct flow *f, bool suppressed)
{
	f->suppressed = suppressed;
}
