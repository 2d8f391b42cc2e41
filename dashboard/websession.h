/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's logged-on browsers: a session each, named by a random
 * id (its cookie), with a CSRF token of its own, the user's bridge, and
 * the stations' last pictures (sent to the browser only when they
 * change). A session ends at logout, when its bridge breaks, or after
 * idle_ms without a request. Sessions are shared by the server's
 * connection threads: the store's lock guards the table, a session's own
 * lock its bridge and pictures, and a reference keeps it alive while a
 * request uses it.
 */
#ifndef SEATMUX_DASHBOARD_WEBSESSION_H
#define SEATMUX_DASHBOARD_WEBSESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "hosts.h"
#include "peer.h"

#define WEBSESSION_MAX 64
#define WEBSESSION_HEX 64	/* 32 random bytes, in hex */
#define WEBSESSION_THUMBS 64	/* stations whose pictures are kept */
#define WEBSESSION_STATION_MAX 63
#define WEBSESSION_PICTURE_MAX 16	/* a station's Picture, in hex */
/* A session's pictures, in all, at most (a bridge is the user's: it may
 * send whatever it likes, as large as bridge.h allows). */
#define WEBSESSION_THUMB_BYTES (48u << 20)
/* However active, a session ends after this long. */
#define WEBSESSION_MAX_AGE_MS (12 * 3600 * 1000ull)

struct thumb {
	char station[WEBSESSION_STATION_MAX + 1];
	unsigned version;	/* this picture's, unique to it; from 1 */
	/* seatmuxd's id of what the station showed when it was asked for
	 * this picture (its list's), or "": while it lists the same, the
	 * picture is the station's still, and is not asked for again. */
	char picture[WEBSESSION_PICTURE_MAX + 1];
	unsigned char *png;
	size_t len;
};

struct websession {
	char id[WEBSESSION_HEX + 1];
	char csrf[WEBSESSION_HEX + 1];
	pthread_mutex_t lock;	/* bridge, thumbs, watched */
	struct bridge *bridge;
	struct thumb thumbs[WEBSESSION_THUMBS];
	int nthumbs;
	size_t thumb_bytes;
	size_t thumb_turn;	/* the list's next station to take a picture of */
	/* The station last opened large, and when seatmuxd was last told
	 * it is watched (websession_watch). */
	char watched[WEBSESSION_STATION_MAX + 1];
	uint64_t watched_ms;
	bool watch_refused;	/* the last time, said in the log */
	/* The teacher's sessions on the other hosts (hosts.h), made at the
	 * logon, each with its own lock; freed with the session. */
	struct peer *peers[HOSTS_MAX];
	int npeers;
	/* The store's lock guards these. */
	uint64_t created_ms, last_ms;
	unsigned refs;
	bool ended;
};

struct websession_store {
	pthread_mutex_t lock;
	struct websession *slots[WEBSESSION_MAX];
	uint64_t idle_ms;
};

void websession_store_init(struct websession_store *st, uint64_t idle_ms);
void websession_store_finish(struct websession_store *st);
/* A new session for bridge (taken); NULL if the table is full of live
 * ones or no randomness was to be had (the bridge is then freed). */
struct websession *websession_new(struct websession_store *st, struct bridge *bridge,
				  uint64_t now_ms);
/* The live session of that id, referenced; NULL if none or expired. */
struct websession *websession_get(struct websession_store *st, const char *id,
				  uint64_t now_ms);
void websession_put(struct websession_store *st, struct websession *s);
/*
 * The station id is opened large, its picture asked for: seatmuxd is
 * told it is watched (Watch), at the first picture and then every
 * WEBSESSION_WATCH_RENEW_MS while pictures are asked for. seatmuxd holds
 * a station watched 12 s a call: it tells the station's user when
 * watching starts, and frames an RDP station's picture all the while.
 * 0, or -1 if the bridge broke; a refusal is the picture's to report
 * (it is refused alike). Takes s->lock.
 */
#define WEBSESSION_WATCH_RENEW_MS 4000
int websession_watch(struct websession *s, const char *id, uint64_t now_ms);
/* Ends it (logout, a broken bridge): later gets find nothing. */
void websession_end(struct websession_store *st, struct websession *s);
/* Whether token is the session's CSRF token (in constant time). */
/* Whether s is still in the store (not ended, not expired), and if so
 * used now: a stream keeps its session alive while it runs. */
bool websession_live(struct websession_store *st, struct websession *s, uint64_t now_ms);
bool websession_csrf_ok(const struct websession *s, const char *token);
/* The station's picture is png (taken), asked for while seatmuxd listed
 * the station's picture as picture ("", or anything but 1 to
 * WEBSESSION_PICTURE_MAX hex digits, is none): its version, bumped if it changed; versions
 * are unique across sessions, so that a browser never takes one
 * session's picture for another's. 0 if no room was left. The session's
 * lock is held. */
unsigned websession_thumb_update(struct websession *s, const char *station,
				 const char *picture, unsigned char *png, size_t len);
/* The version of the picture kept for station if it was asked for while
 * seatmuxd listed what the station shows as picture, which it lists
 * still; else 0. None (as above) is no picture's. The session's lock is
 * held. */
unsigned websession_thumb_still(const struct websession *s, const char *station,
				const char *picture);
/* The picture kept for station, or NULL. The session's lock is held. */
const struct thumb *websession_thumb(const struct websession *s, const char *station);

#endif
