// SPDX-License-Identifier: MIT
#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

/* A host that does not answer within these is offline for now. */
#define CONNECT_MS 3000
/* A host's /api/stations takes a picture of each of its stations. */
#define REQUEST_MS 20000
#define LOGOUT_MS 2000
#define CSRF_MAX 64

struct peer {
	const struct host *host;
	pthread_mutex_t lock;
	CURL *curl;
	char csrf[CSRF_MAX + 1];
	enum peer_state state;
	char why[200];
	uint64_t retry_ms;	/* offline or untrusted: not asked before */
	bool reached;		/* logged on there once: a 401 is its session's end */
	bool logging_on;	/* a peer_logon is under way, without the lock */
	bool closed;		/* logged out: no session is to be made there again */
};

const char *peer_state_name(enum peer_state s)
{
	switch (s) {
	case PEER_ONLINE:
		return "online";
	case PEER_OFFLINE:
		return "offline";
	case PEER_UNTRUSTED:
		return "untrusted";
	case PEER_REFUSED:
		return "refused";
	case PEER_LOGGED_OUT:
		return "logged-out";
	}
	return "?";
}

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
	struct peer_reply *r = userdata;
	size_t len = size * n;
	char *more;

	if (r->len + len > PEER_REPLY_MAX)
		return 0;	/* too much: curl fails the transfer */
	more = realloc(r->data, r->len + len + 1);
	if (!more)
		return 0;
	memcpy(more + r->len, data, len);
	r->data = more;
	r->len += len;
	r->data[r->len] = 0;
	return len;
}

/* The handle's options for every request: the pin is the trust (the
 * host's certificate is its own, self-signed or not), no proxy, no
 * redirect, HTTPS only. */
static CURL *handle_new(const struct host *h)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	if (curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK) {
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
}

/* A request on a peer's handle, its lock held: set up by call_start,
 * run by calls_run (several at once), its reply read by call_finish. */
struct call {
	struct peer *p;
	struct peer_reply *r;
	struct curl_slist *headers;
	CURLcode rc;		/* of the setup, then of the transfer */
	bool in_multi;
	/* Called as soon as it is over, if set (the others may go on). */
	void (*done)(struct call *c);
	uint64_t now_ms;
	int *ok;
};

static void call_start(struct call *c, const char *path, const char *body, size_t len,
		       long timeout_ms)
{
	struct peer *p = c->p;
	char url[HOST_ADDRESS_MAX + 512], token[CSRF_MAX + 16];

	memset(c->r, 0, sizeof(*c->r));
	c->headers = NULL;
	c->rc = CURLE_OK;
	snprintf(url, sizeof(url), "https://%s%s", p->host->address, path);
	if (body) {
		snprintf(token, sizeof(token), "X-CSRF-Token: %s", p->csrf);
		c->headers = curl_slist_append(c->headers,
					       "Content-Type: application/x-www-form-urlencoded");
		if (c->headers && p->csrf[0])
			c->headers = curl_slist_append(c->headers, token);
		if (!c->headers) {
			c->rc = CURLE_OUT_OF_MEMORY;
			return;
		}
	}
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, c->r);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, c->headers);
	if (body) {
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	} else {
		curl_easy_setopt(p->curl, CURLOPT_HTTPGET, 1L);
	}
}

/* CURLE_OK with the reply's status, type and data (at least ""). */
static CURLcode call_finish(struct call *c)
{
	struct peer_reply *r = c->r;
	const char *type = NULL;

	curl_easy_setopt(c->p->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->p->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	if (c->rc != CURLE_OK) {
		peer_reply_free(r);
		return c->rc;
	}
	curl_easy_getinfo(c->p->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(c->p->curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
		snprintf(r->type, sizeof(r->type), "%s", type);
	if (!r->data) {
		r->data = calloc(1, 1);
		if (!r->data)
			return CURLE_OUT_OF_MEMORY;
	}
	return CURLE_OK;
}

static void call_done(struct call *c, CURLcode rc)
{
	c->rc = rc;
	if (c->done)
		c->done(c);
}

/* The calls done by the multi handle so far, each taken out of it before
 * its done() (which may hand its handle to another thread). */
static int calls_reap(CURLM *multi, struct call *calls, int n)
{
	int reaped = 0, queued;
	CURLMsg *msg;

	while ((msg = curl_multi_info_read(multi, &queued))) {
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;	/* msg is curl's until the removal */

		for (int i = 0; i < n && msg->msg == CURLMSG_DONE; i++) {
			if (!calls[i].in_multi || easy != calls[i].p->curl)
				continue;
			curl_multi_remove_handle(multi, easy);
			calls[i].in_multi = false;
			call_done(&calls[i], rc);
			reaped++;
			break;
		}
	}
	return reaped;
}

/* The started calls, all at once (curl's multi interface): a slow host
 * costs its own time, not every other host's too. Each handle's timeout
 * bounds the whole. */
static void calls_run(struct call *calls, int n)
{
	CURLM *multi = n > 1 ? curl_multi_init() : NULL;
	int running = 0, left = 0;

	for (int i = 0; i < n; i++) {
		if (calls[i].rc != CURLE_OK) {
			call_done(&calls[i], calls[i].rc);
		} else if (multi && curl_multi_add_handle(multi, calls[i].p->curl) == CURLM_OK) {
			calls[i].in_multi = true;
			left++;
		} else {	/* one call, or no multi handle */
			call_done(&calls[i], curl_easy_perform(calls[i].p->curl));
		}
	}
	while (left > 0 && curl_multi_perform(multi, &running) == CURLM_OK) {
		left -= calls_reap(multi, calls, n);
		if (left <= 0 || curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
	for (int i = 0; i < n; i++)
		if (calls[i].in_multi) {	/* curl failed itself: not done */
			curl_multi_remove_handle(multi, calls[i].p->curl);
			calls[i].in_multi = false;
			call_done(&calls[i], CURLE_FAILED_INIT);
		}
	if (multi)
		curl_multi_cleanup(multi);
}

/* One request on the handle; the lock is held. CURLE_OK with r filled. */
static CURLcode perform(struct peer *p, const char *path, const char *body, size_t len,
			long timeout_ms, struct peer_reply *r)
{
	struct call c = { .p = p, .r = r };

	call_start(&c, path, body, len, timeout_ms);
	calls_run(&c, 1);
	return call_finish(&c);
}

/* Not reached: offline (or untrusted) until the retry. The lock is held. */
static void unreached(struct peer *p, CURLcode rc, uint64_t now_ms)
{
	p->state = rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ? PEER_UNTRUSTED : PEER_OFFLINE;
	snprintf(p->why, sizeof(p->why), "%s", p->state == PEER_UNTRUSTED ?
		 "its certificate's key is not the one pinned in dashboard.conf" :
		 curl_easy_strerror(rc));
	p->retry_ms = now_ms + PEER_RETRY_MS;
}

static const char *error_of(json_object *obj)
{
	json_object *v;

	return json_object_object_get_ex(obj, "error", &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) : NULL;
}

/* The logon's answer: the session's token, or why it was refused. */
static void logged_on(struct peer *p, const struct peer_reply *r)
{
	json_object *obj = json_tokener_parse(r->data), *v;
	const char *err = error_of(obj);

	if (r->status == 200 && json_object_object_get_ex(obj, "csrf", &v) &&
	    json_object_is_type(v, json_type_string) && strlen(json_object_get_string(v)) <= CSRF_MAX) {
		snprintf(p->csrf, sizeof(p->csrf), "%s", json_object_get_string(v));
		p->state = PEER_ONLINE;
		p->why[0] = 0;
		p->reached = true;
	} else {
		p->state = PEER_REFUSED;
		snprintf(p->why, sizeof(p->why), "it refused the logon (%ld%s%.150s)", r->status,
			 err ? ": " : "", err ? err : "");
	}
	json_object_put(obj);
}

/* A logon's body (user and password, escaped), or NULL without memory.
 * The caller wipes it. */
static char *logon_body(CURL *curl, const char *user, const char *password, size_t *len)
{
	char *u = curl_easy_escape(curl, user, 0), *pw = curl_easy_escape(curl, password, 0);
	char *body = NULL;

	*len = 0;
	if (u && pw) {
		*len = strlen(u) + strlen(pw) + 16;
		body = malloc(*len);
	}
	if (body)
		*len = (size_t)snprintf(body, *len, "user=%s&password=%s", u, pw);
	if (pw)
		explicit_bzero(pw, strlen(pw));
	curl_free(u);
	curl_free(pw);
	return body;
}

/* Out of memory for p's logon: offline for good. The lock is held, or p
 * is nobody else's yet. */
static void no_memory(struct peer *p)
{
	p->state = PEER_OFFLINE;
	snprintf(p->why, sizeof(p->why), "out of memory");
	p->retry_ms = UINT64_MAX;
}

/* A peer for h with its logon's body, or NULL without memory. A peer it
 * cannot ask is offline for good. */
static struct peer *logon_prepare(const struct host *h, const char *user,
				  const char *password, char **body, size_t *len)
{
	struct peer *p = calloc(1, sizeof(*p));

	*body = NULL;
	*len = 0;
	if (!p)
		return NULL;
	p->host = h;
	pthread_mutex_init(&p->lock, NULL);
	p->curl = handle_new(h);
	if (p->curl)
		*body = logon_body(p->curl, user, password, len);
	if (!*body)
		no_memory(p);
	return p;
}

/* A logon's outcome at p's host: online with its token, refused, or
 * not reached. r is freed. */
static void logon_finish(struct peer *p, CURLcode rc, struct peer_reply *r, uint64_t now_ms)
{
	if (rc != CURLE_OK) {
		unreached(p, rc, now_ms);
	} else {
		logged_on(p, r);
		peer_reply_free(r);
	}
}

void peer_logon_all(const struct host *hosts, int n, const char *user, const char *password,
		    uint64_t now_ms, struct peer **peers)
{
	struct call calls[HOSTS_MAX];
	struct peer_reply replies[HOSTS_MAX];
	char *bodies[HOSTS_MAX];
	size_t lens[HOSTS_MAX];
	int m = 0;

	for (int i = 0; i < n && i < HOSTS_MAX; i++) {
		peers[i] = logon_prepare(&hosts[i], user, password, &bodies[i], &lens[i]);
		if (!peers[i] || !bodies[i])
			continue;
		calls[m] = (struct call){ .p = peers[i], .r = &replies[m] };
		call_start(&calls[m], "/api/login", bodies[i], lens[i], REQUEST_MS);
		m++;
	}
	/* Nobody else knows these peers yet: no lock is needed. */
	calls_run(calls, m);
	for (int i = 0; i < m; i++)
		logon_finish(calls[i].p, call_finish(&calls[i]), &replies[i], now_ms);
	for (int i = 0; i < n && i < HOSTS_MAX; i++) {
		if (bodies[i])
			explicit_bzero(bodies[i], lens[i]);
		free(bodies[i]);
	}
}

/* What peer_logon made (fresh, on a handle of its own) becomes p's, its
 * session there with it; fresh gets p's old handle and token, online if
 * p had a session there (ever: it may be gone), to log out with. The
 * lock is held. */
static void logon_swap(struct peer *p, struct peer *fresh)
{
	CURL *old = p->curl;
	char csrf[CSRF_MAX + 1];

	memcpy(csrf, p->csrf, sizeof(csrf));
	p->curl = fresh->curl;
	memcpy(p->csrf, fresh->csrf, sizeof(p->csrf));
	p->reached = true;
	fresh->curl = old;
	memcpy(fresh->csrf, csrf, sizeof(csrf));
	fresh->state = csrf[0] ? PEER_ONLINE : PEER_LOGGED_OUT;
	explicit_bzero(csrf, sizeof(csrf));
}

int peer_logon(struct peer *p, const char *user, const char *password, uint64_t now_ms)
{
	struct peer_reply r;
	struct peer *fresh;
	char *body;
	size_t len;

	pthread_mutex_lock(&p->lock);
	/* Online: a second session there would only idle away. */
	if (p->state == PEER_ONLINE || p->logging_on || p->closed) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	p->logging_on = true;
	pthread_mutex_unlock(&p->lock);

	/* A peer of its own, as at the teacher's logon, without p's lock:
	 * the lists and the requests for p's stations do not wait for a
	 * logon (seconds). */
	fresh = logon_prepare(p->host, user, password, &body, &len);
	if (body) {
		logon_finish(fresh, perform(fresh, "/api/login", body, len, REQUEST_MS, &r), &r,
			     now_ms);
		explicit_bzero(body, len);
		free(body);
	}

	pthread_mutex_lock(&p->lock);
	p->logging_on = false;
	if (fresh && !p->closed) {
		p->state = fresh->state;
		p->retry_ms = fresh->retry_ms;
		memcpy(p->why, fresh->why, sizeof(p->why));
		if (fresh->state == PEER_ONLINE)
			logon_swap(p, fresh);	/* the session it replaces goes below */
	}
	pthread_mutex_unlock(&p->lock);
	/* The session replaced (a host that seemed down may have kept it),
	 * or the new one if the teacher logged out meanwhile; nothing if
	 * there is no session to end. Without memory nothing was tried. */
	if (fresh)
		peer_logout(fresh);
	peer_free(fresh);
	return 0;
}

/* May p be asked now? Its lock is held. */
static bool askable(const struct peer *p, uint64_t now_ms)
{
	return p->curl && p->state != PEER_REFUSED && p->state != PEER_LOGGED_OUT &&
	       (p->state == PEER_ONLINE || now_ms >= p->retry_ms);
}

/* What a request's outcome says of the peer; its lock is held. 0 if it
 * answered. */
static int settle(struct peer *p, CURLcode rc, const struct peer_reply *r, uint64_t now_ms)
{
	if (rc != CURLE_OK) {
		unreached(p, rc, now_ms);
		return -1;
	}
	if (r->status == 401) {
		p->state = PEER_LOGGED_OUT;
		snprintf(p->why, sizeof(p->why), "%s: log on again to reach it", p->reached ?
			 "its session ended" : "it was not reached at your logon");
	} else {
		p->state = PEER_ONLINE;
		p->why[0] = 0;
	}
	return 0;
}

int peer_request(struct peer *p, const char *path, const char *body, size_t len,
		 struct peer_reply *r, uint64_t now_ms)
{
	int ok = -1;

	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&p->lock);
	if (askable(p, now_ms))
		ok = settle(p, perform(p, path, body, len, REQUEST_MS, r), r, now_ms);
	pthread_mutex_unlock(&p->lock);
	return ok;
}

/* One of peer_get_all's: said, and its peer free for others at once. */
static void got_one(struct call *c)
{
	*c->ok = settle(c->p, call_finish(c), c->r, c->now_ms);
	pthread_mutex_unlock(&c->p->lock);
}

void peer_get_all(struct peer *const *peers, int n, const char *path, struct peer_reply *r,
		  int *ok, uint64_t now_ms)
{
	struct call calls[HOSTS_MAX];
	int m = 0;

	/* Locked in order (others lock one at a time): none waits on another. */
	for (int i = 0; i < n && i < HOSTS_MAX; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		ok[i] = -1;
		pthread_mutex_lock(&peers[i]->lock);
		if (!askable(peers[i], now_ms)) {
			pthread_mutex_unlock(&peers[i]->lock);
			continue;
		}
		calls[m] = (struct call){ .p = peers[i], .r = &r[i], .done = got_one,
					  .now_ms = now_ms, .ok = &ok[i] };
		call_start(&calls[m++], path, NULL, 0, REQUEST_MS);
	}
	calls_run(calls, m);
}

enum peer_state peer_state(struct peer *p, char *why, size_t size)
{
	enum peer_state s;

	pthread_mutex_lock(&p->lock);
	s = p->state;
	snprintf(why, size, "%s", p->why);
	pthread_mutex_unlock(&p->lock);
	return s;
}

const struct host *peer_host(const struct peer *p)
{
	return p->host;
}

void peer_logout(struct peer *p)
{
	struct peer_reply r;

	pthread_mutex_lock(&p->lock);
	if (p->state == PEER_ONLINE && p->curl &&
	    perform(p, "/api/logout", "", 0, LOGOUT_MS, &r) == CURLE_OK)
		peer_reply_free(&r);
	p->state = PEER_LOGGED_OUT;
	p->closed = true;
	snprintf(p->why, sizeof(p->why), "logged out");
	pthread_mutex_unlock(&p->lock);
}

void peer_reply_free(struct peer_reply *r)
{
	free(r->data);
	r->data = NULL;
	r->len = 0;
}

void peer_free(struct peer *p)
{
	if (!p)
		return;
	if (p->curl)
		curl_easy_cleanup(p->curl);
	explicit_bzero(p->csrf, sizeof(p->csrf));
	pthread_mutex_destroy(&p->lock);
	free(p);
}
