#include <string.h>

#include "ratelimit.h"

void ratelimit_init(struct ratelimit *rl, int burst, uint64_t interval_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->burst = burst > 0 ? burst : 1;
	rl->interval_ms = interval_ms > 0 ? interval_ms : 1;
}

static void refill(struct ratelimit *rl, struct ratelimit_slot *s, uint64_t now_ms)
{
	if (now_ms > s->updated_ms)
		s->tokens += (double)(now_ms - s->updated_ms) / (double)rl->interval_ms;
	if (s->tokens > rl->burst)
		s->tokens = rl->burst;
	s->updated_ms = now_ms;
}

static struct ratelimit_slot *find(struct ratelimit *rl, const uint8_t addr[16], bool make,
				   uint64_t now_ms)
{
	struct ratelimit_slot *stalest = &rl->slots[0];

	for (int i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = &rl->slots[i];

		if (s->used && !memcmp(s->addr, addr, 16))
			return s;
		if (!s->used || (stalest->used && s->updated_ms < stalest->updated_ms))
			stalest = s;
	}
	if (!make)
		return NULL;
	memcpy(stalest->addr, addr, 16);
	stalest->tokens = rl->burst;
	stalest->updated_ms = now_ms;
	stalest->used = true;
	return stalest;
}

bool ratelimit_allow(struct ratelimit *rl, const uint8_t addr[16], uint64_t now_ms)
{
	struct ratelimit_slot *s = find(rl, addr, false, now_ms);

	if (!s)
		return true;
	refill(rl, s, now_ms);
	return s->tokens >= 1.0;
}

void ratelimit_failed(struct ratelimit *rl, const uint8_t addr[16], uint64_t now_ms)
{
	struct ratelimit_slot *s = find(rl, addr, true, now_ms);

	refill(rl, s, now_ms);
	s->tokens = s->tokens >= 1.0 ? s->tokens - 1.0 : 0.0;
}
