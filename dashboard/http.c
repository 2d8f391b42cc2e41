// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "form.h"
#include "http.h"
#include "peer.h"
#include "stream.h"
#include "thumbnail.h"

#define COOKIE "seatmux_session"
/* A logon, an action: a form of a few fields. More is refused unread. */
#define BODY_MAX 8192
/* What of a too large body without a length is read before closing. */
#define DROP_MAX (64u << 10)
#define TEXT_MAX 1024
/* Input events in one request: seatmuxd takes 256 a call. */
#define INPUT_MAX 4096
/* Large views streaming at once, everyone's. */
#define STREAMS_MAX 32
/* A list's time for taking pictures (list_pictures). */
#define LIST_PICTURES_MS 1000
#define CSP "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; " \
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

struct request {
	size_t len, dropped;
	bool too_big;
	bool answered;	/* refused at its start, before its body */
	struct stream_want stream;	/* a WebSocket's, until it is switched */
	char body[BODY_MAX];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const void *data, size_t len, const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	/* Nothing is kept: not a pupil's screen on the teacher's disk, not a
	 * picture a later session's could be taken for. */
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (cookie)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_json(struct MHD_Connection *conn, unsigned status,
				  json_object *obj, const char *cookie)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	enum MHD_Result ok = reply(conn, status, "application/json", text, strlen(text), cookie);

	json_object_put(obj);
	return ok;
}

static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status,
				   const char *fmt, ...)
{
	json_object *obj = json_object_new_object();
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_object_add(obj, "error", json_object_new_string(text));
	return reply_json(conn, status, obj, NULL);
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* A browser's request from another site's page names that site. */
static bool same_origin(struct MHD_Connection *conn)
{
	const char *origin = header(conn, "Origin"), *host = header(conn, "Host");

	if (!origin)
		return true;	/* not a browser's cross-site request */
	return host && !strncmp(origin, "https://", 8) && !strcmp(origin + 8, host);
}

/* The peer's origin for the logon rate limit. */
static struct ratelimit_key client_key(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff };
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (sa && sa->sa_family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else if (sa && sa->sa_family == AF_INET)
		memcpy(addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	return ratelimit_key_inet6(addr);
}

static void client_text(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, size, "?");
	/* An IPv4 peer of the dual-stack socket as IPv4: as pam_access's and
	 * pam_faillock's rules, and a reader of the log, write it. */
	if (sa && sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
		inet_ntop(AF_INET, &((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr[12], out, size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, size);
	else if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, size);
}

/*
 * Whether a logon from key may go to PAM now: not if its origin has
 * failed too often, or too many of its (or anyone's) logons wait already.
 * If it may, it is counted pending until logon_done. The logons' lock is
 * held.
 */
static bool logon_admit_locked(struct dashboard *d, const struct ratelimit_key *key)
{
	int same = 0;

	if (!ratelimit_allow(&d->logons, key, now_ms()))
		return false;
	for (int i = 0; i < d->npending; i++)
		same += ratelimit_key_equal(&d->pending[i], key);
	if (!ratelimit_admit_pending(d->npending, same, DASHBOARD_PENDING_MAX,
				     ratelimit_per_origin(DASHBOARD_PENDING_MAX)))
		return false;
	d->pending[d->npending++] = *key;
	return true;
}

/* A logon is over: a refusal spends a token, a logon trusts its origin;
 * a helper that could not be asked says nothing of either. */
static void logon_done(struct dashboard *d, const struct ratelimit_key *key,
		       enum bridge_logon res)
{
	pthread_mutex_lock(&d->logons_lock);
	for (int i = 0; i < d->npending; i++) {
		if (ratelimit_key_equal(&d->pending[i], key)) {
			d->pending[i] = d->pending[--d->npending];
			break;
		}
	}
	if (res == BRIDGE_REFUSED)
		ratelimit_failed(&d->logons, key, now_ms());
	else if (res == BRIDGE_LOGGED_ON)
		ratelimit_succeeded(&d->logons, key, now_ms());
	pthread_mutex_unlock(&d->logons_lock);
}

static json_object *me_json(const struct websession *s)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "user", json_object_new_string(s->bridge->user));
	json_object_object_add(obj, "role", json_object_new_string(s->bridge->role));
	json_object_object_add(obj, "csrf", json_object_new_string(s->csrf));
	return obj;
}

/* The teacher's sessions on the other hosts end: logged out there. */
static void peers_end(struct peer **peers, int n)
{
	for (int i = 0; i < n; i++) {
		if (peers[i])
			peer_logout(peers[i]);
		peer_free(peers[i]);
	}
}

static enum MHD_Result login(struct dashboard *d, struct MHD_Connection *conn,
			     const struct request *rq)
{
	char user[BRIDGE_USER_MAX + 1], password[BRIDGE_PASSWORD_MAX + 1], why[256], peer[64];
	char cookie[WEBSESSION_HEX + 80];
	struct ratelimit_key key = client_key(conn);
	struct peer *peers[HOSTS_MAX] = { NULL };
	enum bridge_logon res;
	int n = 0;
	struct websession *s;
	struct bridge *b;
	enum MHD_Result ok;
	bool allowed;

	client_text(conn, peer, sizeof(peer));
	if (form_field(rq->body, rq->len, "user", user, sizeof(user)) != 1 ||
	    form_field(rq->body, rq->len, "password", password, sizeof(password)) != 1 ||
	    !form_user_ok(user) || !password[0]) {
		explicit_bzero(password, sizeof(password));
		return reply_error(conn, 400, "a logon is a user name (at most %d of A-Z a-z 0-9 "
				   "._@-) and a password (at most %d bytes)", BRIDGE_USER_MAX,
				   BRIDGE_PASSWORD_MAX);
	}
	pthread_mutex_lock(&d->logons_lock);
	allowed = logon_admit_locked(d, &key);
	pthread_mutex_unlock(&d->logons_lock);
	if (!allowed) {
		explicit_bzero(password, sizeof(password));
		fprintf(stderr, "logon of %s from %s held back: too many failures or logons "
			"at once\n", user, peer);
		return reply_error(conn, 429, "too many logons from here: wait a little");
	}
	res = bridge_logon(d->helper_path, user, password, strcmp(peer, "?") ? peer : "", &b, why,
			   sizeof(why));
	/* The other hosts, with the same account: while the password is here. */
	if (res == BRIDGE_LOGGED_ON) {
		n = d->hosts.n;
		peer_logon_all(d->hosts.host, n, b->user, password, now_ms(), peers);
	}
	explicit_bzero(password, sizeof(password));
	logon_done(d, &key, res);
	if (res == BRIDGE_UNREACHABLE) {
		fprintf(stderr, "logon of %s from %s: %s\n", user, peer, why);
		return reply_error(conn, 502, "%s", why);
	}
	if (res == BRIDGE_REFUSED) {
		fprintf(stderr, "logon of %s from %s refused: %s\n", user, peer, why);
		sleep(1);	/* this connection's thread alone waits */
		return reply_error(conn, strstr(why, "neither") ? 403 : 401, "%s", why);
	}
	s = websession_new(&d->sessions, b, now_ms());
	if (!s) {
		peers_end(peers, n);
		return reply_error(conn, 503, "too many sessions: log out elsewhere first");
	}
	fprintf(stderr, "%s logged on from %s (%s)\n", s->bridge->user, peer, s->bridge->role);
	/* Nobody else knows the session yet: its peers go in unlocked. */
	for (int i = 0; i < n; i++) {
		enum peer_state st;

		if (!peers[i])
			continue;
		st = peer_state(peers[i], why, sizeof(why));
		s->peers[s->npeers++] = peers[i];
		fprintf(stderr, "%s: host %s: %s%s%s\n", s->bridge->user, d->hosts.host[i].name,
			peer_state_name(st), why[0] ? ": " : "", why);
	}
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
		 s->id);
	ok = reply_json(conn, 200, me_json(s), cookie);
	websession_put(&d->sessions, s);
	return ok;
}

static enum MHD_Result bridge_broke(struct dashboard *d, struct MHD_Connection *conn,
				    struct websession *s)
{
	fprintf(stderr, "%s: the bridge broke: the session ends\n", s->bridge->user);
	websession_end(&d->sessions, s);
	return reply_error(conn, 502, "the connection to seatmuxd broke: log on again");
}

/* One command through the session's bridge, one at a time: 0, or -1 if
 * the bridge broke (the caller ends the session with bridge_broke). */
static int bridge_run(struct websession *s, const char **args, int n, struct bridge_reply *r)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = bridge_call(s->bridge, args, n, r);
	pthread_mutex_unlock(&s->lock);
	return rc < 0 ? -1 : 0;
}

/* A command's answer with no body: 204, or its failure's status and
 * reason. */
static enum MHD_Result reply_done(struct MHD_Connection *conn, struct bridge_reply *r)
{
	enum MHD_Result ok;

	ok = r->status ? reply_error(conn, bridge_status(r), "%s", bridge_error_text(r)) :
			 reply(conn, 204, NULL, "", 0, NULL);
	bridge_reply_free(r);
	return ok;
}

/* The station's picture now, made small: its version (0: none). shows is
 * what seatmuxd listed as the id of the station's picture just before
 * (kept with it, websession.h). */
static unsigned picture(struct dashboard *d, struct websession *s, const char *id,
			const char *shows)
{
	/* seatmuxd makes it small before it encodes it; the dashboard still
	 * reads it as a stranger's (the bridge is its user's) and makes its own. */
	const char *args[] = { "--fit", THUMBNAIL_FIT, "screenshot", id, "-" };
	struct bridge_reply r;
	unsigned char *small;
	size_t len;
	unsigned v = 0;
	bool made;

	if (bridge_call(s->bridge, args, 5, &r) < 0)
		return 0;	/* broken: the next call says so */
	if (r.status == 0) {
		pthread_mutex_lock(&d->pictures_lock);
		made = thumbnail_make((unsigned char *)r.out, r.outlen, &small, &len) == 0;
		pthread_mutex_unlock(&d->pictures_lock);
		if (made)
			v = websession_thumb_update(s, id, shows, small, len);
	}
	bridge_reply_free(&r);
	return v;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) : "";
}

/* One station of seatmuxctl's list, as the page takes it; NULL if it is
 * not one. */
/* One station as the page takes it, from a list's entry, this host's
 * (seatmuxd's words) or another's (a pinned host: trusted, its words
 * still only words, so each is cut to a length). */
static json_object *station_out(const char *id, json_object *in, int64_t thumb)
{
	static const char *const words[] = { "name", "kind", "user", "state" };
	json_object *out = json_object_new_object(), *blocked;

	json_object_object_add(out, "id", json_object_new_string(id));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		json_object_object_add(out, words[i], json_object_new_string_len(
			str_of(in, words[i]), (int)strnlen(str_of(in, words[i]), 200)));
	json_object_object_add(out, "blocked", json_object_new_boolean(
		json_object_object_get_ex(in, "blocked", &blocked) &&
		json_object_get_boolean(blocked)));
	json_object_object_add(out, "thumb", json_object_new_int64(thumb));
	return out;
}

/* The version of the picture kept for station id (0: none yet). The
 * session's lock is held. */
static unsigned kept_version(struct websession *s, const char *id)
{
	const struct thumb *t = websession_thumb(s, id);

	return t ? t->version : 0;
}

/*
 * The versions of the pictures of list's stations (0 for an entry that
 * is none). A station whose picture seatmuxd lists as the one it showed
 * when its kept picture was taken keeps it, unasked: it costs nothing
 * while it stands still. The others are taken again for
 * LIST_PICTURES_MS at most, round robin from where the last list
 * stopped; those left keep the one they have. A list then answers in
 * about that time whatever the room's size (under load a picture takes
 * seconds), and a stream's pictures, with the session's lock, come
 * between these, not after all of them.
 */
static void list_pictures(struct dashboard *d, struct websession *s, json_object *list,
			  unsigned *versions, size_t n)
{
	uint64_t until = now_ms() + LIST_PICTURES_MS;
	size_t start, taken = 0;

	pthread_mutex_lock(&s->lock);
	start = s->thumb_turn % n;
	pthread_mutex_unlock(&s->lock);
	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		json_object *one = json_object_array_get_idx(list, i);
		const char *id = str_of(one, "station"), *shows = str_of(one, "picture");
		bool in_time = now_ms() < until;

		if (!form_station_ok(id))
			continue;
		pthread_mutex_lock(&s->lock);
		versions[i] = websession_thumb_still(s, id, shows);
		if (!versions[i] && in_time)
			versions[i] = picture(d, s, id, shows);
		else if (!versions[i])
			versions[i] = kept_version(s, id);
		pthread_mutex_unlock(&s->lock);
		if (in_time)
			taken = k + 1;
	}
	pthread_mutex_lock(&s->lock);
	s->thumb_turn = start + taken;
	pthread_mutex_unlock(&s->lock);
}

/* One station of another host's list. NULL if it is not one. */
static json_object *remote_station_json(json_object *in)
{
	const char *id = str_of(in, "id");
	json_object *v;

	if (!form_station_ok(id))
		return NULL;
	return station_out(id, in, json_object_object_get_ex(in, "thumb", &v) &&
			   json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0);
}

/* Each other host: its name, state (online, offline...), why, and its
 * stations as it lists them for this teacher. */
static json_object *hosts_json(struct websession *s)
{
	json_object *hosts = json_object_new_array();
	struct peer_reply r[HOSTS_MAX];
	int ok[HOSTS_MAX];

	peer_get_all(s->peers, s->npeers, "/api/stations", r, ok, now_ms());
	for (int i = 0; i < s->npeers; i++) {
		json_object *h = json_object_new_object(), *arr = json_object_new_array(), *list;
		enum peer_state st;
		char why[200];

		if (ok[i] == 0 && r[i].status == 200) {
			json_object *got = json_tokener_parse(r[i].data);

			if (json_object_object_get_ex(got, "stations", &list) &&
			    json_object_is_type(list, json_type_array))
				for (size_t k = 0; k < json_object_array_length(list) &&
						   k < WEBSESSION_THUMBS; k++) {
					json_object *one = remote_station_json(
						json_object_array_get_idx(list, k));

					if (one)
						json_object_array_add(arr, one);
				}
			json_object_put(got);
		}
		peer_reply_free(&r[i]);
		st = peer_state(s->peers[i], why, sizeof(why));
		json_object_object_add(h, "name", json_object_new_string(peer_host(s->peers[i])->name));
		json_object_object_add(h, "state", json_object_new_string(peer_state_name(st)));
		json_object_object_add(h, "why", json_object_new_string(why));
		json_object_object_add(h, "stations", arr);
		json_object_array_add(hosts, h);
	}
	return hosts;
}

static enum MHD_Result stations(struct dashboard *d, struct MHD_Connection *conn,
				struct websession *s)
{
	const char *args[] = { "list-stations" };
	unsigned *versions = NULL;
	json_object *list = NULL, *out, *arr;
	struct bridge_reply r;
	enum MHD_Result ok;
	size_t n;

	pthread_mutex_lock(&s->lock);
	if (bridge_call(s->bridge, args, 1, &r) < 0) {
		pthread_mutex_unlock(&s->lock);
		return bridge_broke(d, conn, s);
	}
	if (r.status) {
		pthread_mutex_unlock(&s->lock);
		ok = reply_error(conn, bridge_status(&r), "%s", bridge_error_text(&r));
		bridge_reply_free(&r);
		return ok;
	}
	pthread_mutex_unlock(&s->lock);
	list = json_tokener_parse(r.out);
	bridge_reply_free(&r);
	n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	versions = calloc(n ? n : 1, sizeof(*versions));
	if (!versions) {
		json_object_put(list);
		return reply_error(conn, 503, "out of memory");
	}
	arr = json_object_new_array();
	if (n)
		list_pictures(d, s, list, versions, n);
	for (size_t i = 0; i < n; i++) {
		json_object *in = json_object_array_get_idx(list, i);
		const char *id = str_of(in, "station");

		if (form_station_ok(id))
			json_object_array_add(arr, station_out(id, in, versions[i]));
	}
	free(versions);
	json_object_put(list);
	out = json_object_new_object();
	json_object_object_add(out, "stations", arr);
	if (d->hosts.n) {
		json_object_object_add(out, "self", json_object_new_string(d->hosts.self));
		json_object_object_add(out, "hosts", hosts_json(s));
	}
	return reply_json(conn, 200, out, NULL);
}

static enum MHD_Result thumb(struct MHD_Connection *conn, struct websession *s)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id");
	const struct thumb *t;
	enum MHD_Result ok;

	if (!id || !form_station_ok(id))
		return reply_error(conn, 400, "which station? (id=)");
	pthread_mutex_lock(&s->lock);
	t = websession_thumb(s, id);
	if (t && t->png)
		ok = reply(conn, 200, "image/png", t->png, t->len, NULL);
	else
		ok = reply_error(conn, 404, "no picture of station '%s'", id);
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/*
 * A station opened large: its picture now, fitted to the VIEW size, made
 * for this request and kept nowhere (the page asks again when it has
 * shown it, so a slow link or station slows it down, never piles up).
 */
static enum MHD_Result view(struct dashboard *d, struct MHD_Connection *conn,
			    struct websession *s)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id");
	const char *args[] = { "--fit", THUMBNAIL_VIEW_FIT, "screenshot", id, "-" };
	struct bridge_reply r;
	unsigned char *png = NULL;
	enum MHD_Result ok;
	size_t len = 0;
	int made;

	if (!id || !form_station_ok(id))
		return reply_error(conn, 400, "which station? (id=)");
	if (websession_watch(s, id, now_ms()) < 0 || bridge_run(s, args, 5, &r) < 0)
		return bridge_broke(d, conn, s);
	if (r.status)
		return reply_done(conn, &r);
	pthread_mutex_lock(&d->pictures_lock);
	made = thumbnail_fit((unsigned char *)r.out, r.outlen, THUMBNAIL_VIEW_WIDTH,
			     THUMBNAIL_VIEW_HEIGHT, &png, &len);
	pthread_mutex_unlock(&d->pictures_lock);
	bridge_reply_free(&r);
	ok = made == 0 ? reply(conn, 200, "image/png", png, len, NULL) :
			 reply_error(conn, 502, "station '%s' sent no picture the dashboard can read",
				     id);
	free(png);
	return ok;
}

/* A header's comma-parted list names token (any case). */
static bool names_token(const char *list, const char *token)
{
	size_t n = strlen(token);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		p += strspn(p, " \t");
		if (!strncasecmp(p, token, n) && (p[n] == 0 || p[n] == ',' || p[n] == ' '))
			return true;
	}
	return false;
}

/*
 * The large view over a WebSocket (stream.c): the handshake is judged
 * here. A browser always names the page's origin on a WebSocket, which
 * no same-origin rule guards: one from another site's page is refused.
 */
static enum MHD_Result stream(struct dashboard *d, struct MHD_Connection *conn,
			      struct websession *s, struct stream_want *want)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id");
	const char *upgrade = header(conn, "Upgrade"), *connection = header(conn, "Connection");
	const char *version = header(conn, "Sec-WebSocket-Version");
	char accept[29];

	if (!upgrade || strcasecmp(upgrade, "websocket") || !connection ||
	    !names_token(connection, "upgrade") || !version || strcmp(version, "13") ||
	    stream_accept_key(header(conn, "Sec-WebSocket-Key"), accept) < 0)
		return reply_error(conn, 400, "a WebSocket handshake (version 13) is expected here");
	if (!header(conn, "Origin") || !same_origin(conn))
		return reply_error(conn, 403, "a WebSocket from another site, or of no page");
	if (!id || !form_station_ok(id))
		return reply_error(conn, 400, "which station? (id=)");
	/* Each holds two pictures (8 MiB at most) and a thread. */
	if (atomic_load(&d->streams) >= STREAMS_MAX)
		return reply_error(conn, 503, "too many stations open large: close one first");
	if (websession_watch(s, id, now_ms()) < 0)
		return bridge_broke(d, conn, s);
	return stream_start(d, conn, s, id, accept, want);
}

/*
 * Input for a station the session took control of. Not logged: what a
 * teacher types (a password, say) is nobody's business, and the log
 * would fill with keystrokes; control and release are.
 */
static enum MHD_Result input(struct dashboard *d, struct MHD_Connection *conn,
			     struct websession *s, const struct request *rq)
{
	char id[WEBSESSION_STATION_MAX + 1], events[INPUT_MAX];
	const char *args[] = { "input", id, events };
	struct bridge_reply r;

	if (form_field(rq->body, rq->len, "id", id, sizeof(id)) != 1 || !form_station_ok(id))
		return reply_error(conn, 400, "input is for a station's id");
	if (form_field(rq->body, rq->len, "events", events, sizeof(events)) != 1 ||
	    !form_events_ok(events))
		return reply_error(conn, 400, "events are TYPE:CODE:VALUE, parted by commas, "
				   "under %d bytes", INPUT_MAX);
	if (bridge_run(s, args, 3, &r) < 0)
		return bridge_broke(d, conn, s);
	return reply_done(conn, &r);
}

/* The most words an action gives seatmuxctl: a projection's targets, a
 * launched command's words. */
#define ACTION_WORDS 72
#define LAUNCH_WORDS 16

/* text's words, parted by sep, in place, after args[n]: the new count,
 * or -1 if a word is empty (or, stations, not a station's id) or there
 * are more than max. */
static int words(char *text, char sep, bool stations, const char **args, int n, int max)
{
	int first = n;

	for (char *w = text, *end; w; w = end) {
		end = strchr(w, sep);
		if (end)
			*end++ = 0;
		if (!*w || n - first == max || (stations && !form_station_ok(w)))
			return -1;
		args[n++] = w;
	}
	return n;
}

/* The seatmuxctl words for an action (text may be cut up); 0 if op is
 * none, -1 if its text does not fit it. */
static int action_args(const char *op, const char *id, char *text, const char **args)
{
	int n = 0;

	if (!strcmp(op, "block") && *text) {
		args[n++] = "--message";
		args[n++] = text;
	}
	/* project SRC DST... ; none named: --all, every other station. */
	if (!strcmp(op, "project") && !*text)
		args[n++] = "--all";
	args[n++] = op;
	args[n++] = id;
	if (!strcmp(op, "identify") || !strcmp(op, "unblock") || !strcmp(op, "logoff") ||
	    !strcmp(op, "block") || !strcmp(op, "unproject") || !strcmp(op, "control") ||
	    !strcmp(op, "release"))
		return n;
	if (!strcmp(op, "message") || !strcmp(op, "rename")) {
		args[n++] = text;
		return n;
	}
	if (!strcmp(op, "project"))
		return *text ? words(text, ',', true, args, n, ACTION_WORDS - n) : n;
	if (!strcmp(op, "launch")) {
		/* Words, not a shell's line: nothing is interpreted. */
		args[n++] = "--";
		return words(text, ' ', false, args, n, LAUNCH_WORDS);
	}
	return 0;
}

static enum MHD_Result action(struct dashboard *d, struct MHD_Connection *conn,
			      struct websession *s, const struct request *rq)
{
	char op[16], id[WEBSESSION_STATION_MAX + 1], text[TEXT_MAX];
	const char *args[ACTION_WORDS];
	struct bridge_reply r;
	int n, got;

	if (form_field(rq->body, rq->len, "op", op, sizeof(op)) != 1 ||
	    form_field(rq->body, rq->len, "id", id, sizeof(id)) != 1 || !form_station_ok(id))
		return reply_error(conn, 400, "an action is an op and a station's id");
	got = form_field(rq->body, rq->len, "text", text, sizeof(text));
	if (got < 0 || (got == 1 && !form_line_ok(text)))
		return reply_error(conn, 400, "a text is one line of UTF-8, under %d bytes",
				   TEXT_MAX);
	if (got == 0)
		text[0] = 0;
	if ((!strcmp(op, "message") || !strcmp(op, "launch")) && !*text)
		return reply_error(conn, 400, "%s needs a text", op);
	n = action_args(op, id, text, args);
	if (!n)
		return reply_error(conn, 400, "no action '%s'", op);
	if (n < 0)
		return reply_error(conn, 400, "%s takes %s", op, !strcmp(op, "launch") ?
				   "a command's words, parted by spaces (at most 16)" :
				   "stations' ids, parted by commas (none: every other one)");
	if (bridge_run(s, args, n, &r) < 0)
		return bridge_broke(d, conn, s);
	fprintf(stderr, "%s: %s %s: %s\n", s->bridge->user, op, id,
		r.status ? bridge_error_text(&r) : "done");
	return reply_done(conn, &r);
}

/*
 * The room's own actions, an administrator's (polkit judges; the page
 * shows them to administrators only): map (the heads show letters to
 * press on their keyboards) and its stop, and the mode (station: a
 * station a head; console: seat0 takes every head).
 */
static enum MHD_Result room(struct dashboard *d, struct MHD_Connection *conn,
			    struct websession *s, const struct request *rq)
{
	char op[16];
	const char *args[2];
	struct bridge_reply r;
	int n = 0;

	if (form_field(rq->body, rq->len, "op", op, sizeof(op)) != 1)
		return reply_error(conn, 400, "a room's action is an op");
	if (!strcmp(op, "map")) {
		args[n++] = "map";
	} else if (!strcmp(op, "map-stop")) {
		args[n++] = "map";
		args[n++] = "stop";
	} else if (!strcmp(op, "mode-station") || !strcmp(op, "mode-console")) {
		args[n++] = "mode";
		args[n++] = op + 5;
	} else {
		return reply_error(conn, 400, "no room action '%s' (map, map-stop, mode-station, "
				   "mode-console)", op);
	}
	if (bridge_run(s, args, n, &r) < 0)
		return bridge_broke(d, conn, s);
	fprintf(stderr, "%s: room %s: %s\n", s->bridge->user, op,
		r.status ? bridge_error_text(&r) : "done");
	return reply_done(conn, &r);
}

static enum MHD_Result logout(struct dashboard *d, struct MHD_Connection *conn,
			      struct websession *s)
{
	fprintf(stderr, "%s logged out\n", s->bridge->user);
	for (int i = 0; i < s->npeers; i++)
		peer_logout(s->peers[i]);
	websession_end(&d->sessions, s);
	return reply(conn, 204, NULL, "", 0, COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; "
		     "Max-Age=0");
}

static enum MHD_Result page(struct dashboard *d, struct MHD_Connection *conn, const char *url)
{
	for (size_t i = 0; i < sizeof(d->page) / sizeof(d->page[0]); i++)
		if (!strcmp(url, d->page[i].url))
			return reply(conn, 200, d->page[i].type, d->page[i].data, d->page[i].len, NULL);
	return reply_error(conn, 404, "nothing here");
}

/* The host a request names (host=, in its query or its form), or NULL
 * for this one. */
static const char *host_of(struct dashboard *d, struct MHD_Connection *conn, bool post,
			   const struct request *rq, char *buf, size_t size)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "host");

	if (post) {
		int got = form_field(rq->body, rq->len, "host", buf, size);

		/* One too long is nobody's: never this host's. */
		h = got == 1 ? buf : got < 0 ? "-" : NULL;
	}
	return h && *h && strcmp(h, d->hosts.self) ? h : NULL;
}

/* What of another host's answer is passed on: JSON, a picture, nothing. */
static bool relayable(const struct peer_reply *r)
{
	return (r->status == 204 && !r->len) || !strncmp(r->type, "application/json", 16) ||
	       !strcmp(r->type, "image/png");
}

/*
 * A request for another host's station goes to that host in the
 * teacher's session there, as it came but for its host=, and its answer
 * comes back. Its 401 is not this session's: said as 502.
 */
static enum MHD_Result forward(struct MHD_Connection *conn, struct websession *s,
			       const char *host, const char *url, bool post,
			       const struct request *rq)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id");
	struct peer *p = NULL;
	struct peer_reply r;
	enum MHD_Result ok;
	char path[128], why[200], body[BODY_MAX];
	size_t len = 0;

	for (int i = 0; i < s->npeers && !p; i++)
		if (!strcmp(peer_host(s->peers[i])->name, host))
			p = s->peers[i];
	if (!p || !hosts_name_ok(host))
		return reply_error(conn, 404, "no host '%.31s' in this dashboard", host);
	if (post && strcmp(url, "/api/input") && strcmp(url, "/api/action"))
		return reply_error(conn, 404, "no such request for another host");
	if (!post && strcmp(url, "/api/thumb") && strcmp(url, "/api/view"))
		return reply_error(conn, 404, "no such request for another host");
	if (!post && (!id || !form_station_ok(id)))
		return reply_error(conn, 400, "which station? (id=)");
	snprintf(path, sizeof(path), "%s%s%s", url, post ? "" : "?id=", post ? "" : id);
	/* Without its host=: the other host would look for it among its own. */
	if (post)
		len = form_without(rq->body, rq->len, "host", body);
	if (peer_request(p, path, post ? body : NULL, len, &r, now_ms()) < 0 ||
	    r.status == 401 || !relayable(&r)) {
		enum peer_state st = peer_state(p, why, sizeof(why));

		ok = reply_error(conn, 502, "host %s: %s%s%s", host, r.data && !relayable(&r) ?
				 "an answer this dashboard does not pass on" : peer_state_name(st),
				 why[0] ? ": " : "", why);
	} else {
		ok = reply(conn, (unsigned)r.status, r.type[0] ? r.type : NULL, r.data, r.len, NULL);
	}
	peer_reply_free(&r);
	return ok;
}

/*
 * The password of host_logon, checked here first (PAM, as a logon here,
 * counted against the browser's address): only the password of this
 * session's account goes on to another host, so that no one typing, or
 * holding the session, spends that host's failed logons (its limit on
 * this dashboard's address, its lockout of the account). 0, or a reply.
 */
static int password_here(struct dashboard *d, struct MHD_Connection *conn,
			 struct websession *s, const char *password, enum MHD_Result *ok)
{
	struct ratelimit_key key = client_key(conn);
	char why[256], peer[64];
	enum bridge_logon res;
	struct bridge *b = NULL;
	bool allowed;

	client_text(conn, peer, sizeof(peer));
	pthread_mutex_lock(&d->logons_lock);
	allowed = logon_admit_locked(d, &key);
	pthread_mutex_unlock(&d->logons_lock);
	if (!allowed) {
		*ok = reply_error(conn, 429, "too many logons from here: wait a little");
		return -1;
	}
	res = bridge_logon(d->helper_path, s->bridge->user, password, strcmp(peer, "?") ? peer : "",
			   &b, why, sizeof(why));
	if (b)
		bridge_free(b);	/* a check: the session has its own */
	logon_done(d, &key, res);
	if (res == BRIDGE_LOGGED_ON)
		return 0;
	fprintf(stderr, "%s: logon again at another host, from %s: not here: %s\n",
		s->bridge->user, peer, why);
	if (res == BRIDGE_REFUSED)
		sleep(1);	/* as a refused logon here: this thread alone waits */
	*ok = reply_error(conn, res == BRIDGE_REFUSED ? 403 : 502, "%s", why);
	return -1;
}

/*
 * The teacher logs on again at one other host (name=, password=, the
 * account this session's): one not reached at the logon here and back
 * since, one whose session there ended, or one that refused. A refusal
 * is not this session's end: 403, not 401.
 */
static enum MHD_Result host_logon(struct dashboard *d, struct MHD_Connection *conn,
				  struct websession *s, const struct request *rq)
{
	char name[HOST_NAME_MAX_LEN + 2], password[BRIDGE_PASSWORD_MAX + 1], why[200];
	struct peer *p = NULL;
	enum MHD_Result ok;
	enum peer_state st;
	int rc;

	if (form_field(rq->body, rq->len, "name", name, sizeof(name)) != 1 ||
	    form_field(rq->body, rq->len, "password", password, sizeof(password)) != 1 ||
	    !password[0]) {
		explicit_bzero(password, sizeof(password));
		return reply_error(conn, 400, "which host (name=), and the password (password=, "
				   "at most %d bytes)", BRIDGE_PASSWORD_MAX);
	}
	if (hosts_name_ok(name))
		for (int i = 0; i < s->npeers && !p; i++)
			if (!strcmp(peer_host(s->peers[i])->name, name))
				p = s->peers[i];
	st = p ? peer_state(p, why, sizeof(why)) : PEER_OFFLINE;
	if (!p || st == PEER_ONLINE || st == PEER_UNTRUSTED) {
		explicit_bzero(password, sizeof(password));
		if (!p)
			return reply_error(conn, 404, "no host '%.31s' in this dashboard", name);
		/* No logon makes an impostor the pinned host. */
		return reply_error(conn, 409, "host %s is %s", name, st == PEER_ONLINE ?
				   "reached already" : "not the one pinned: its key differs");
	}
	if (password_here(d, conn, s, password, &ok) < 0) {
		explicit_bzero(password, sizeof(password));
		return ok;
	}
	rc = peer_logon(p, s->bridge->user, password, now_ms());
	explicit_bzero(password, sizeof(password));
	st = peer_state(p, why, sizeof(why));
	fprintf(stderr, "%s: host %s: logged on again: %s%s%s\n", s->bridge->user, name,
		rc < 0 ? "not now (online, or another logon under way)" : peer_state_name(st),
		why[0] ? ": " : "", why);
	if (rc < 0)
		return reply_error(conn, 409, "host %s: another logon there is under way, or "
				   "it is reached already", name);
	if (st == PEER_ONLINE)
		return reply(conn, 204, NULL, "", 0, NULL);
	return reply_error(conn, st == PEER_REFUSED ? 403 : 502, "host %s: %s%s%s", name,
			   peer_state_name(st), why[0] ? ": " : "", why);
}

/* What needs a session: the session's own requests. */
static enum MHD_Result with_session(struct dashboard *d, struct MHD_Connection *conn,
				    const char *url, bool post, struct request *rq)
{
	struct websession *s = websession_get(
		&d->sessions, MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE), now_ms());
	char name[HOST_NAME_MAX_LEN + 2];
	const char *host;
	enum MHD_Result ok;

	if (!s)
		return reply_error(conn, 401, "not logged on (or the session expired)");
	if (post && !websession_csrf_ok(s, header(conn, "X-CSRF-Token")))
		ok = reply_error(conn, 403, "the request lacks this session's token");
	else if (post && !strcmp(url, "/api/host-logon"))
		ok = host_logon(d, conn, s, rq);
	else if ((host = host_of(d, conn, post, rq, name, sizeof(name))))
		ok = forward(conn, s, host, url, post, rq);
	else if (!post && !strcmp(url, "/api/me"))
		ok = reply_json(conn, 200, me_json(s), NULL);
	else if (!post && !strcmp(url, "/api/stations"))
		ok = stations(d, conn, s);
	else if (!post && !strcmp(url, "/api/thumb"))
		ok = thumb(conn, s);
	else if (!post && !strcmp(url, "/api/view"))
		ok = view(d, conn, s);
	else if (!post && !strcmp(url, "/api/stream"))
		ok = stream(d, conn, s, &rq->stream);
	else if (post && !strcmp(url, "/api/input"))
		ok = input(d, conn, s, rq);
	else if (post && !strcmp(url, "/api/action"))
		ok = action(d, conn, s, rq);
	else if (post && !strcmp(url, "/api/room"))
		ok = room(d, conn, s, rq);
	else if (post && !strcmp(url, "/api/logout"))
		ok = logout(d, conn, s);
	else
		ok = reply_error(conn, 404, "no such request");
	websession_put(&d->sessions, s);
	return ok;
}

static enum MHD_Result dispatch(struct dashboard *d, struct MHD_Connection *conn,
				const char *url, const char *method, struct request *rq)
{
	bool post = !strcmp(method, "POST");

	if (!post && strcmp(method, "GET"))
		return reply_error(conn, 405, "GET or POST");
	if (post && !same_origin(conn))
		return reply_error(conn, 403, "a request from another site");
	if (strncmp(url, "/api/", 5))
		return post ? reply_error(conn, 405, "GET") : page(d, conn, url);
	if (post && !strcmp(url, "/api/login"))
		return login(d, conn, rq);
	return with_session(d, conn, url, post, rq);
}

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload,
			    size_t *upload_size, void **req)
{
	struct request *rq = *req;
	const char *length;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		*req = rq;
		if (!rq)
			return MHD_NO;
		/* Said to be too large: answered before any of it is read. */
		length = header(conn, "Content-Length");
		if (length && strtoull(length, NULL, 10) > sizeof(rq->body)) {
			rq->answered = true;
			return reply_error(conn, 413, "a request's body is at most %d bytes",
					   BODY_MAX);
		}
		return MHD_YES;
	}
	if (rq->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		/* Sent without a length (chunked) and too large: the rest is
		 * read and dropped, up to a point, to answer 413; past it the
		 * connection is closed. */
		if (rq->len + n > sizeof(rq->body))
			rq->too_big = true;
		if (rq->too_big) {
			rq->dropped += n;
			return rq->dropped > DROP_MAX ? MHD_NO : MHD_YES;
		}
		memcpy(rq->body + rq->len, upload, n);
		rq->len += n;
		return MHD_YES;
	}
	if (rq->too_big)
		return reply_error(conn, 413, "a request's body is at most %d bytes", BODY_MAX);
	return dispatch(cls, conn, url, method, rq);
}

void http_completed(void *cls, struct MHD_Connection *conn, void **req,
		    enum MHD_RequestTerminationCode why)
{
	/* A logon's body holds a password: not left in freed memory. */
	if (*req)
		explicit_bzero(*req, sizeof(struct request));
	free(*req);
	*req = NULL;
}
