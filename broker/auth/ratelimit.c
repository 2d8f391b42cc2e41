// SPDX-License-Identifier: MIT
#include <string.h>

#include "ratelimit.h"

static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

struct ratelimit_key ratelimit_key_inet6(const uint8_t addr[16])
{
	struct ratelimit_key k = { .kind = RATELIMIT_IPV6 };

	if (!memcmp(addr, v4_mapped, sizeof(v4_mapped))) {
		k.kind = RATELIMIT_IPV4;
		memcpy(k.bytes, addr + 12, 4);
	} else {
		memcpy(k.bytes, addr, 8);	/* the /64: one host may have all of it */
	}
	return k;
}

struct ratelimit_key ratelimit_key_vsock(uint32_t cid)
{
	struct ratelimit_key k = { .kind = RATELIMIT_VSOCK };

	memcpy(k.bytes, &cid, sizeof(cid));
	return k;
}

bool ratelimit_key_equal(const struct ratelimit_key *a, const struct ratelimit_key *b)
{
	return a->kind == b->kind && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static struct ratelimit_rate rate_sane(struct ratelimit_rate r)
{
	if (r.burst < 1)
		r.burst = 1;
	if (r.interval_ms < 1)
		r.interval_ms = 1;
	return r;
}

void ratelimit_init(struct ratelimit *rl, struct ratelimit_rate each, struct ratelimit_rate all)
{
	memset(rl, 0, sizeof(*rl));
	rl->each = rate_sane(each);
	rl->all = rate_sane(all);
	rl->global.tokens = rl->all.burst;
}

static void refill(const struct ratelimit_rate *rate, struct ratelimit_bucket *b,
		   uint64_t now_ms)
{
	if (now_ms > b->updated_ms)
		b->tokens += (double)(now_ms - b->updated_ms) / (double)rate->interval_ms;
	if (b->tokens > rate->burst)
		b->tokens = rate->burst;
	if (now_ms > b->updated_ms)
		b->updated_ms = now_ms;
}

static void spend(const struct ratelimit_rate *rate, struct ratelimit_bucket *b,
		  uint64_t now_ms)
{
	refill(rate, b, now_ms);
	b->tokens = b->tokens >= 1.0 ? b->tokens - 1.0 : 0.0;
}

static struct ratelimit_slot *find(struct ratelimit *rl, const struct ratelimit_key *key)
{
	for (int i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = &rl->slots[i];

		if (s->key.kind != RATELIMIT_NONE && ratelimit_key_equal(&s->key, key))
			return s;
	}
	return NULL;
}

/* Is a better one to forget than b? An untrusted one, then the one with
 * more tokens left (a full bucket is as good as none), then the one
 * untouched for longer. */
static bool forget_first(const struct ratelimit_slot *a, const struct ratelimit_slot *b,
			 uint64_t now_ms)
{
	bool a_trusted = a->trusted_until_ms > now_ms, b_trusted = b->trusted_until_ms > now_ms;

	if (a_trusted != b_trusted)
		return b_trusted;
	if (a->bucket.tokens != b->bucket.tokens)
		return a->bucket.tokens > b->bucket.tokens;
	return a->bucket.updated_ms < b->bucket.updated_ms;
}

/*
 * A slot for a new origin: a free one, else the one that remembers least.
 * An origin that is held back is never forgotten: to wash out one that
 * has spent its tokens, a flood of new origins would have to spend as
 * many each, and be held back in turn. With every slot held back, the
 * new origin goes unrecorded, and only the limit on all holds it.
 */
static struct ratelimit_slot *make(struct ratelimit *rl, const struct ratelimit_key *key,
				   uint64_t now_ms)
{
	struct ratelimit_slot *victim = NULL;

	for (int i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = &rl->slots[i];

		if (s->key.kind == RATELIMIT_NONE) {
			victim = s;
			break;
		}
		refill(&rl->each, &s->bucket, now_ms);
		if (s->bucket.tokens >= 1.0 && (!victim || forget_first(s, victim, now_ms)))
			victim = s;
	}
	if (!victim)
		return NULL;
	*victim = (struct ratelimit_slot){
		.key = *key,
		.bucket = { .tokens = rl->each.burst, .updated_ms = now_ms },
	};
	return victim;
}

bool ratelimit_allow(struct ratelimit *rl, const struct ratelimit_key *key, uint64_t now_ms)
{
	struct ratelimit_slot *s = find(rl, key);
	bool trusted = s && s->trusted_until_ms > now_ms;

	if (ratelimit_all_held(rl, now_ms) && !trusted)
		return false;
	if (!s)
		return true;
	refill(&rl->each, &s->bucket, now_ms);
	return s->bucket.tokens >= 1.0;
}

void ratelimit_failed(struct ratelimit *rl, const struct ratelimit_key *key, uint64_t now_ms)
{
	struct ratelimit_slot *s = find(rl, key);

	spend(&rl->all, &rl->global, now_ms);
	if (!s)
		s = make(rl, key, now_ms);
	if (s)
		spend(&rl->each, &s->bucket, now_ms);
}

void ratelimit_succeeded(struct ratelimit *rl, const struct ratelimit_key *key,
			 uint64_t now_ms)
{
	struct ratelimit_slot *s = find(rl, key);

	if (!s)
		s = make(rl, key, now_ms);
	if (s)
		s->trusted_until_ms = now_ms + RATELIMIT_TRUST_MS;
}

bool ratelimit_all_held(struct ratelimit *rl, uint64_t now_ms)
{
	refill(&rl->all, &rl->global, now_ms);
	return rl->global.tokens < 1.0;
}

bool ratelimit_admit_pending(int pending, int same, int max_pending, int per_origin)
{
	return pending < max_pending && same < per_origin;
}

int ratelimit_per_origin(int max_pending)
{
	int n = max_pending / 4;

	return n > 2 ? n : 2;
}
