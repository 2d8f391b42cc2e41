/* SPDX-License-Identifier: MIT */
/*
 * Failed logons, per network origin and in all. An origin is what one
 * host can cheaply vary its address within: an IPv6 /64 (a host is handed
 * a whole one), an IPv4 address (IPv4-mapped IPv6 included), a vsock
 * context id. Each origin may fail a burst of times, then once per
 * interval; all origins together likewise, with a larger burst, so that
 * many origins guessing at once are slowed too. An origin someone logged
 * on from lately is not held back by the limit on all (its own still
 * holds): while a botnet spends all's tokens as they come, a returning
 * user still gets in. A token bucket per origin, in a fixed table that a
 * flood of new origins cannot wash an origin still held back (or one
 * trusted) out of.
 *
 * Pure rules: the caller passes the time. Connections not yet logged on
 * are the caller's to count; ratelimit_admit_pending says whether one more
 * from an origin may wait.
 */
#ifndef SEATMUX_RATELIMIT_H
#define SEATMUX_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 1024
/* How long a logon makes its origin trusted. */
#define RATELIMIT_TRUST_MS (7 * 24 * 3600 * 1000ull)

enum ratelimit_kind {
	RATELIMIT_NONE,		/* an unused slot */
	RATELIMIT_IPV4,
	RATELIMIT_IPV6,
	RATELIMIT_VSOCK,
};

struct ratelimit_key {
	uint8_t kind;		/* enum ratelimit_kind */
	uint8_t bytes[8];	/* the /64, the IPv4 address or the cid; zero after */
};

struct ratelimit_bucket {
	double tokens;
	uint64_t updated_ms;
};

struct ratelimit_slot {
	struct ratelimit_key key;
	struct ratelimit_bucket bucket;
	uint64_t trusted_until_ms;	/* someone logged on from it */
};

struct ratelimit_rate {
	int burst;		/* failures allowed at once */
	uint64_t interval_ms;	/* one more allowed per interval */
};

struct ratelimit {
	struct ratelimit_rate each, all;
	struct ratelimit_bucket global;
	struct ratelimit_slot slots[RATELIMIT_SLOTS];
};

/* The origin of an IPv6 (or IPv4-mapped) peer address. */
struct ratelimit_key ratelimit_key_inet6(const uint8_t addr[16]);
struct ratelimit_key ratelimit_key_vsock(uint32_t cid);
bool ratelimit_key_equal(const struct ratelimit_key *a, const struct ratelimit_key *b);

/* each: per origin; all: every origin's failures together. */
void ratelimit_init(struct ratelimit *rl, struct ratelimit_rate each, struct ratelimit_rate all);
/* May this origin have its password checked now? */
bool ratelimit_allow(struct ratelimit *rl, const struct ratelimit_key *key, uint64_t now_ms);
/* It failed a logon: it spends a token of its own and one of all's. */
void ratelimit_failed(struct ratelimit *rl, const struct ratelimit_key *key, uint64_t now_ms);
/* Someone logged on from this origin: it is trusted for a while. */
void ratelimit_succeeded(struct ratelimit *rl, const struct ratelimit_key *key,
			 uint64_t now_ms);
/* Are untrusted origins held back now, by the limit on all together? */
bool ratelimit_all_held(struct ratelimit *rl, uint64_t now_ms);

/*
 * May one more connection from an origin wait to log on, with pending
 * connections waiting already, same of them from that origin? At most
 * max_pending in all and per_origin from one.
 */
bool ratelimit_admit_pending(int pending, int same, int max_pending, int per_origin);
/* The share of max_pending one origin may hold: a quarter, at least 1. */
int ratelimit_per_origin(int max_pending);

#endif
