/* SPDX-License-Identifier: MIT */
/*
 * A teacher's session on another host's seatmux-dashboard (hosts.h): made
 * at the teacher's logon here, with the same account and password (not
 * kept), over HTTPS to the host's pinned public key (libcurl). Its
 * cookie and token then carry the teacher's requests for that host's
 * stations, which that host's polkit judges as it judges any of its own.
 *
 * A host that cannot be reached is offline: asked again after a pause
 * (PEER_RETRY_MS), answered offline meanwhile, so that the other hosts'
 * stations never wait for it. One whose session ended (it restarted, or
 * the session expired there), or that was not reached at the teacher's
 * logon and is back, is logged out until the teacher logs on there
 * again (peer_logon: the password is not kept). Calls on one peer are one at a time (its lock); the hosts of
 * a list are asked at once (curl's multi interface).
 */
#ifndef SEATMUX_DASHBOARD_PEER_H
#define SEATMUX_DASHBOARD_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "hosts.h"

#define PEER_RETRY_MS 10000
#define PEER_REPLY_MAX (8u << 20)

enum peer_state {
	PEER_ONLINE,
	PEER_OFFLINE,		/* not reached: down, or no answer in time */
	PEER_UNTRUSTED,		/* it showed another public key than its pin */
	PEER_REFUSED,		/* it refused the teacher's logon */
	PEER_LOGGED_OUT,	/* its session is gone: log on again */
};

struct peer;

struct peer_reply {
	long status;		/* HTTP's */
	char type[64];		/* Content-Type, "" if none */
	char *data;		/* NUL-terminated too */
	size_t len;
};

/* Logs user on at each of the n hosts, all at once: peers[i] for
 * hosts[i] (NULL only without memory), its state saying how it went. */
void peer_logon_all(const struct host *hosts, int n, const char *user, const char *password,
		    uint64_t now_ms, struct peer **peers);
/* Logs user on at p's host again, now, whatever its retry: a host that
 * was not reached at the teacher's logon, or whose session there ended,
 * or that refused. On a handle of its own, without p's lock: p's other
 * requests do not wait for it. 0 (peer_state says how it went), or -1:
 * p is online, logged out, or being logged on; nothing was done. */
int peer_logon(struct peer *p, const char *user, const char *password, uint64_t now_ms);
/*
 * GET (body NULL) or POST (a form, with the peer's token) of path on the
 * host: 0 with r filled (any HTTP status), or -1 if the host was not
 * reached now (r->status 0), or is not to be asked until its retry.
 */
int peer_request(struct peer *p, const char *path, const char *body, size_t len,
		 struct peer_reply *r, uint64_t now_ms);
/* GET path on each of the n peers at once, as peer_request: ok[i] its
 * 0 or -1, r[i] its reply (freed by the caller either way). */
void peer_get_all(struct peer *const *peers, int n, const char *path, struct peer_reply *r,
		  int *ok, uint64_t now_ms);
/* The peer's state and its reason in words ("" when online). */
enum peer_state peer_state(struct peer *p, char *why, size_t size);
const char *peer_state_name(enum peer_state s);
const struct host *peer_host(const struct peer *p);
/* Logs out there (best effort, briefly): at the teacher's logout. */
void peer_logout(struct peer *p);
void peer_reply_free(struct peer_reply *r);
void peer_free(struct peer *p);

#endif
