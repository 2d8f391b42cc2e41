/*
 * Failed logins per peer address: each address may fail a burst of times,
 * then once per interval; an address that keeps failing is refused
 * before PAM is asked. A token bucket per address, in a fixed table whose
 * stalest entry gives way, so that a flood of addresses costs no memory.
 */
#ifndef SEATMUX_RATELIMIT_H
#define SEATMUX_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 256

struct ratelimit_slot {
	uint8_t addr[16];	/* IPv6, or IPv4-mapped */
	double tokens;
	uint64_t updated_ms;
	bool used;
};

struct ratelimit {
	int burst;		/* failures allowed at once */
	uint64_t interval_ms;	/* one more allowed per interval */
	struct ratelimit_slot slots[RATELIMIT_SLOTS];
};

void ratelimit_init(struct ratelimit *rl, int burst, uint64_t interval_ms);
/* May addr try to log in now? */
bool ratelimit_allow(struct ratelimit *rl, const uint8_t addr[16], uint64_t now_ms);
/* addr failed a login: it spends a token. */
void ratelimit_failed(struct ratelimit *rl, const uint8_t addr[16], uint64_t now_ms);

#endif
