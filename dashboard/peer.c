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

/* One request on the handle; the lock is held. CURLE_OK with r filled. */
static CURLcode perform(struct peer *p, const char *path, const char *body, size_t len,
			long timeout_ms, struct peer_reply *r)
{
	struct curl_slist *headers = NULL;
	char url[HOST_ADDRESS_MAX + 512], token[CSRF_MAX + 16];
	const char *type = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "https://%s%s", p->host->address, path);
	if (body) {
		snprintf(token, sizeof(token), "X-CSRF-Token: %s", p->csrf);
		headers = curl_slist_append(headers,
					    "Content-Type: application/x-www-form-urlencoded");
		if (headers && p->csrf[0])
			headers = curl_slist_append(headers, token);
		if (!headers)
			return CURLE_OUT_OF_MEMORY;
	}
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, headers);
	if (body) {
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	} else {
		curl_easy_setopt(p->curl, CURLOPT_HTTPGET, 1L);
	}
	rc = curl_easy_perform(p->curl);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		peer_reply_free(r);
		return rc;
	}
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(p->curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
		snprintf(r->type, sizeof(r->type), "%s", type);
	if (!r->data) {
		r->data = calloc(1, 1);
		if (!r->data)
			return CURLE_OUT_OF_MEMORY;
	}
	return CURLE_OK;
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
	} else {
		p->state = PEER_REFUSED;
		snprintf(p->why, sizeof(p->why), "it refused the logon (%ld%s%.150s)", r->status,
			 err ? ": " : "", err ? err : "");
	}
	json_object_put(obj);
}

struct peer *peer_logon(const struct host *h, const char *user, const char *password,
			uint64_t now_ms)
{
	struct peer *p = calloc(1, sizeof(*p));
	char *u = NULL, *pw = NULL, *body = NULL;
	struct peer_reply r;
	size_t len = 0;
	CURLcode rc;

	if (!p)
		return NULL;
	p->host = h;
	pthread_mutex_init(&p->lock, NULL);
	p->curl = handle_new(h);
	if (p->curl) {
		u = curl_easy_escape(p->curl, user, 0);
		pw = curl_easy_escape(p->curl, password, 0);
	}
	if (u && pw) {
		len = strlen(u) + strlen(pw) + 16;
		body = malloc(len);
	}
	if (!body) {
		p->state = PEER_OFFLINE;
		snprintf(p->why, sizeof(p->why), "out of memory");
		p->retry_ms = UINT64_MAX;
		goto out;
	}
	len = (size_t)snprintf(body, len, "user=%s&password=%s", u, pw);
	rc = perform(p, "/api/login", body, len, REQUEST_MS, &r);
	if (rc != CURLE_OK) {
		unreached(p, rc, now_ms);
	} else {
		logged_on(p, &r);
		peer_reply_free(&r);
	}
out:
	if (pw)
		explicit_bzero(pw, strlen(pw));
	if (body)
		explicit_bzero(body, len);
	curl_free(u);
	curl_free(pw);
	free(body);
	return p;
}

int peer_request(struct peer *p, const char *path, const char *body, size_t len,
		 struct peer_reply *r, uint64_t now_ms)
{
	CURLcode rc;
	int ok = -1;

	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&p->lock);
	if (p->state == PEER_REFUSED || p->state == PEER_LOGGED_OUT || !p->curl ||
	    (p->state != PEER_ONLINE && now_ms < p->retry_ms))
		goto out;
	rc = perform(p, path, body, len, REQUEST_MS, r);
	if (rc != CURLE_OK) {
		unreached(p, rc, now_ms);
		goto out;
	}
	if (r->status == 401) {
		p->state = PEER_LOGGED_OUT;
		snprintf(p->why, sizeof(p->why), "its session ended: log on again to reach it");
	} else {
		p->state = PEER_ONLINE;
		p->why[0] = 0;
	}
	ok = 0;
out:
	pthread_mutex_unlock(&p->lock);
	return ok;
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
