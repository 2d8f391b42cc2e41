// SPDX-License-Identifier: MIT
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "websession.h"

void websession_store_init(struct websession_store *st, uint64_t idle_ms)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->idle_ms = idle_ms;
}

static void session_free(struct websession *s)
{
	for (int i = 0; i < s->nthumbs; i++)
		free(s->thumbs[i].png);
	for (int i = 0; i < s->npeers; i++)
		peer_free(s->peers[i]);
	bridge_free(s->bridge);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* The store's lock is held. */
static void unref_locked(struct websession *s)
{
	if (--s->refs == 0)
		session_free(s);
}

/* The store's lock is held: the slot's session leaves the table. */
static void drop_locked(struct websession_store *st, int i)
{
	struct websession *s = st->slots[i];

	st->slots[i] = NULL;
	s->ended = true;
	unref_locked(s);
}

void websession_store_finish(struct websession_store *st)
{
	for (int i = 0; i < WEBSESSION_MAX; i++)
		if (st->slots[i])
			drop_locked(st, i);
	pthread_mutex_destroy(&st->lock);
}

static int random_hex(char *out, size_t hexlen)
{
	unsigned char raw[WEBSESSION_HEX / 2];

	if (hexlen / 2 > sizeof(raw) || getrandom(raw, hexlen / 2, 0) != (ssize_t)(hexlen / 2))
		return -1;
	for (size_t i = 0; i < hexlen / 2; i++)
		sprintf(out + 2 * i, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* Whether a session is over: idle too long, or too old. A thread may
 * have read the clock before another stamped last_ms: never "negative". */
static bool expired(const struct websession_store *st, const struct websession *s,
		    uint64_t now_ms)
{
	return (now_ms > s->last_ms && now_ms - s->last_ms > st->idle_ms) ||
	       (now_ms > s->created_ms && now_ms - s->created_ms > WEBSESSION_MAX_AGE_MS);
}

/* The store's lock is held: sessions over leave. */
static void sweep_locked(struct websession_store *st, uint64_t now_ms)
{
	for (int i = 0; i < WEBSESSION_MAX; i++)
		if (st->slots[i] && expired(st, st->slots[i], now_ms))
			drop_locked(st, i);
}

struct websession *websession_new(struct websession_store *st, struct bridge *bridge,
				  uint64_t now_ms)
{
	struct websession *s = calloc(1, sizeof(*s));
	int slot = -1;

	if (!s || random_hex(s->id, WEBSESSION_HEX) < 0 ||
	    random_hex(s->csrf, WEBSESSION_HEX) < 0) {
		free(s);
		bridge_free(bridge);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->bridge = bridge;
	s->created_ms = s->last_ms = now_ms;
	s->refs = 2;	/* the table's, the caller's */
	pthread_mutex_lock(&st->lock);
	sweep_locked(st, now_ms);
	for (int i = 0; i < WEBSESSION_MAX && slot < 0; i++)
		if (!st->slots[i])
			slot = i;
	if (slot >= 0)
		st->slots[slot] = s;
	pthread_mutex_unlock(&st->lock);
	if (slot < 0) {
		session_free(s);
		return NULL;
	}
	return s;
}

/* Equal, in a time that tells nothing of where they differ. */
static bool token_equal(const char *a, const char *b)
{
	unsigned char diff = 0;

	if (strlen(a) != WEBSESSION_HEX || strlen(b) != WEBSESSION_HEX)
		return false;
	for (size_t i = 0; i < WEBSESSION_HEX; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

struct websession *websession_get(struct websession_store *st, const char *id,
				  uint64_t now_ms)
{
	struct websession *found = NULL;

	if (!id)
		return NULL;
	pthread_mutex_lock(&st->lock);
	sweep_locked(st, now_ms);
	for (int i = 0; i < WEBSESSION_MAX && !found; i++) {
		if (st->slots[i] && token_equal(st->slots[i]->id, id)) {
			found = st->slots[i];
			if (now_ms > found->last_ms)
				found->last_ms = now_ms;
			found->refs++;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return found;
}

void websession_put(struct websession_store *st, struct websession *s)
{
	pthread_mutex_lock(&st->lock);
	unref_locked(s);
	pthread_mutex_unlock(&st->lock);
}

void websession_end(struct websession_store *st, struct websession *s)
{
	pthread_mutex_lock(&st->lock);
	for (int i = 0; i < WEBSESSION_MAX; i++)
		if (st->slots[i] == s)
			drop_locked(st, i);
	pthread_mutex_unlock(&st->lock);
}

bool websession_live(struct websession_store *st, struct websession *s, uint64_t now_ms)
{
	bool live;

	pthread_mutex_lock(&st->lock);
	sweep_locked(st, now_ms);
	live = !s->ended;
	if (live && now_ms > s->last_ms)
		s->last_ms = now_ms;
	pthread_mutex_unlock(&st->lock);
	return live;
}

bool websession_csrf_ok(const struct websession *s, const char *token)
{
	return token && token_equal(s->csrf, token);
}

/* seatmuxd's id of a station's picture as seatmuxctl lists it: 1 to
 * WEBSESSION_PICTURE_MAX lower-case hex digits. Anything else (the
 * bridge is its user's) is none: never kept, never matched. */
static bool picture_ok(const char *picture)
{
	size_t n = strnlen(picture, WEBSESSION_PICTURE_MAX + 1);

	return n >= 1 && n <= WEBSESSION_PICTURE_MAX && strspn(picture, "0123456789abcdef") == n;
}

static struct thumb *thumb_find(const struct websession *s, const char *station)
{
	for (int i = 0; i < s->nthumbs; i++)
		if (!strcmp(s->thumbs[i].station, station))
			return (struct thumb *)&s->thumbs[i];
	return NULL;
}

unsigned websession_thumb_update(struct websession *s, const char *station,
				 const char *picture, unsigned char *png, size_t len)
{
	static atomic_uint versions;
	struct thumb *t = thumb_find(s, station);
	size_t held = t ? t->len : 0;

	if ((!t && (s->nthumbs == WEBSESSION_THUMBS || strlen(station) > WEBSESSION_STATION_MAX)) ||
	    s->thumb_bytes - held + len > WEBSESSION_THUMB_BYTES) {
		free(png);
		return 0;
	}
	if (!t) {
		t = &s->thumbs[s->nthumbs++];
		snprintf(t->station, sizeof(t->station), "%s", station);
	}
	snprintf(t->picture, sizeof(t->picture), "%s", picture_ok(picture) ? picture : "");
	if (t->png && t->len == len && !memcmp(t->png, png, len)) {
		free(png);	/* unchanged: the browser keeps what it has */
		return t->version;
	}
	free(t->png);
	s->thumb_bytes = s->thumb_bytes - held + len;
	t->png = png;
	t->len = len;
	t->version = atomic_fetch_add(&versions, 1) + 1;
	return t->version;
}

const struct thumb *websession_thumb(const struct websession *s, const char *station)
{
	return thumb_find(s, station);
}

unsigned websession_thumb_still(const struct websession *s, const char *station,
				const char *picture)
{
	const struct thumb *t = thumb_find(s, station);

	if (!t || !picture_ok(picture) || strcmp(t->picture, picture))
		return 0;
	return t->version;
}

int websession_watch(struct websession *s, const char *id, uint64_t now_ms)
{
	const char *args[] = { "watch", id };
	struct bridge_reply r;
	bool first;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	first = strcmp(s->watched, id) != 0;
	/* Asked again (refused too) every WEBSESSION_WATCH_RENEW_MS at
	 * most; another thread's later now_ms is not a wrap. */
	if (!first && now_ms < s->watched_ms + WEBSESSION_WATCH_RENEW_MS)
		goto out;
	s->watched_ms = now_ms;
	snprintf(s->watched, sizeof(s->watched), "%s", id);
	rc = bridge_call(s->bridge, args, 2, &r) < 0 ? -1 : 0;
	if (rc < 0)
		goto out;
	/* Logged when it starts, or is first refused; not each renewal. */
	if (first || (r.status && !s->watch_refused))
		fprintf(stderr, "%s: watch %s: %s\n", s->bridge->user, id,
			r.status ? bridge_error_text(&r) : "done");
	s->watch_refused = r.status != 0;
	bridge_reply_free(&r);
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}
