// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <wslay/wslay.h>

#include "tiles.h"
#include "form.h"
#include "stream.h"
#include "thumbnail.h"

/* At most ten pictures a second; fewer when the station or the link is
 * slower (a picture is taken when the last is sent). */
#define FRAME_MS 100
/* What may wait to be sent before the next picture waits for it. */
#define QUEUE_MAX (2u << 20)
/* A text message from the browser: input events, as /api/input's. */
#define MSG_MAX 8192
#define TILES_MAX 1024
#define LOOK_MS 250
/* A station that gave no picture is asked again after this. */
#define RETRY_MS 1000
#define TILE_HEADER 12

struct stream {
	struct dashboard *d;
	struct websession *s;		/* held from the switch on */
	char id[WEBSESSION_STATION_MAX + 1];
	MHD_socket sock;
	struct MHD_UpgradeResponseHandle *urh;
	char *extra;		/* what MHD read past the request's header */
	size_t extra_len, extra_at;
	wslay_event_context_ptr ws;
	uint32_t *prev;		/* the last picture sent, for its damage: */
	int pw, ph;		/* seatmuxd's memfd, mapped */
	bool broken;		/* the bridge broke: the session ends */
	bool closing;		/* ending: no more pictures, nothing read */
	bool close_queued;	/* its close is, after what was queued before */
	uint16_t close_code;
	char close_why[64];
	unsigned sent;		/* pictures' changes sent */
	bool failing;		/* the last picture asked for did not come */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int stream_accept_key(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char raw[18], md[EVP_MAX_MD_SIZE], joined[24 + sizeof(guid)];
	unsigned mdlen = 0;

	/* 16 random bytes in base64: 24 characters, "==" at the end. */
	if (!key || strlen(key) != 24 || EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18 ||
	    strcmp(key + 22, "=="))
		return -1;
	memcpy(joined, key, 24);
	memcpy(joined + 24, guid, sizeof(guid) - 1);
	if (!EVP_Digest(joined, 24 + sizeof(guid) - 1, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, md, 20) == 28 ? 0 : -1;
}

static ssize_t on_recv(wslay_event_context_ptr ws, uint8_t *buf, size_t len, int flags,
		       void *data)
{
	struct stream *st = data;
	ssize_t n;

	if (st->extra_at < st->extra_len) {
		n = (ssize_t)(st->extra_len - st->extra_at < len ? st->extra_len - st->extra_at : len);
		memcpy(buf, st->extra + st->extra_at, (size_t)n);
		st->extra_at += (size_t)n;
		return n;
	}
	n = recv(st->sock, buf, len, 0);
	if (n > 0)
		return n;
	wslay_event_set_error(ws, n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ?
				      WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t on_send(wslay_event_context_ptr ws, const uint8_t *buf, size_t len, int flags,
		       void *data)
{
	struct stream *st = data;
	ssize_t n = send(st->sock, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	wslay_event_set_error(ws, errno == EAGAIN || errno == EWOULDBLOCK ?
				      WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* A failed command said to the page, as /api/input would have. */
static void say_error(struct stream *st, unsigned status, const char *text)
{
	json_object *obj = json_object_new_object();
	const char *json;
	struct wslay_event_msg msg = { WSLAY_TEXT_FRAME, NULL, 0 };

	json_object_object_add(obj, "status", json_object_new_int((int)status));
	json_object_object_add(obj, "error", json_object_new_string(text));
	json = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	msg.msg = (const uint8_t *)json;
	msg.msg_length = strlen(json);
	wslay_event_queue_msg(st->ws, &msg);
	json_object_put(obj);
}

/* The stream ends: a close with code and why goes once what is queued
 * has gone (wslay sends a queued close before queued messages, and
 * nothing after it: the error said just before would be lost), and
 * nothing more is read. */
static void end(struct stream *st, uint16_t code, const char *why)
{
	st->closing = true;
	st->close_code = code;
	snprintf(st->close_why, sizeof(st->close_why), "%s", why);
	wslay_event_shutdown_read(st->ws);
}

/* The close end() held back, once the messages before it went. */
static void queue_close(struct stream *st)
{
	if (!st->closing || st->close_queued || wslay_event_get_queued_msg_count(st->ws))
		return;
	st->close_queued = true;
	if (!wslay_event_get_close_sent(st->ws))
		wslay_event_queue_close(st->ws, st->close_code, (const uint8_t *)st->close_why,
					strlen(st->close_why));
}

/* One command through the session's bridge: 0 with r, or -1 if it broke. */
static int run_command(struct stream *st, const char **args, int n, struct bridge_reply *r)
{
	int rc;

	pthread_mutex_lock(&st->s->lock);
	rc = bridge_call(st->s->bridge, args, n, r);
	pthread_mutex_unlock(&st->s->lock);
	if (rc < 0)
		st->broken = true;
	return rc < 0 ? -1 : 0;
}

/* Input for the station, as /api/input takes it (not logged either). */
static void input(struct stream *st, const uint8_t *text, size_t len)
{
	char events[MSG_MAX + 1];
	const char *args[] = { "input", st->id, events };
	struct bridge_reply r;

	memcpy(events, text, len);
	events[len] = 0;
	if (!form_events_ok(events)) {
		say_error(st, 400, "events are TYPE:CODE:VALUE, parted by commas");
		return;
	}
	if (run_command(st, args, 3, &r) < 0)
		return;
	if (r.status)
		say_error(st, bridge_status(&r), bridge_error_text(&r));
	bridge_reply_free(&r);
}

static void on_message(wslay_event_context_ptr ws, const struct wslay_event_on_msg_recv_arg *arg,
		       void *data)
{
	struct stream *st = data;

	if (arg->opcode == WSLAY_TEXT_FRAME)
		input(st, arg->msg, arg->msg_length);
	else if (arg->opcode == WSLAY_BINARY_FRAME)
		end(st, WSLAY_CODE_UNSUPPORTED_DATA, "text only");
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* Appends the piece of pixels (rows of w) at r to *msg as its header and
 * PNG: 0 or -1. piece holds r's pixels while they are encoded. */
static int add_tile(unsigned char **msg, size_t *len, const uint32_t *pixels, int w,
		    const struct tile_rect *r, uint32_t *piece)
{
	const uint32_t *from = pixels + (size_t)r->y * w;
	unsigned char *png = NULL, *more;
	size_t plen = 0;

	if (r->x != 0 || r->w != w) {	/* whole rows are contiguous already */
		for (int y = 0; y < r->h; y++)
			memcpy(piece + (size_t)y * r->w, pixels + (size_t)(r->y + y) * w + r->x,
			       (size_t)r->w * 4);
		from = piece;
	}
	if (thumbnail_encode(from, r->w, r->h, &png, &plen) < 0)
		return -1;
	more = realloc(*msg, *len + TILE_HEADER + plen);
	if (!more) {
		free(png);
		return -1;
	}
	*msg = more;
	put16(more + *len, r->x);
	put16(more + *len + 2, r->y);
	put16(more + *len + 4, r->w);
	put16(more + *len + 6, r->h);
	put32(more + *len + 8, (uint32_t)plen);
	memcpy(more + *len + TILE_HEADER, png, plen);
	*len += TILE_HEADER + plen;
	free(png);
	return 0;
}

/* The changed tiles of pixels (w x h) as one message, queued (none if
 * nothing changed): 0, or -1. */
static int send_damage(struct stream *st, const uint32_t *pixels, int w, int h)
{
	struct tile_rect rects[TILES_MAX];
	struct wslay_event_msg out = { WSLAY_BINARY_FRAME, NULL, 0 };
	int n = tiles_changed(st->prev, st->pw, st->ph, pixels, w, h, rects, TILES_MAX);
	uint32_t *piece = NULL;
	unsigned char *msg;
	size_t len = 6, need = 0;
	int rc = 0;

	if (!n)
		return 0;
	/* Room for the largest piece that is not whole rows (those are
	 * encoded where they lie): none for a whole-screen change. */
	for (int i = 0; i < n; i++)
		if ((rects[i].x || rects[i].w != w) && (size_t)rects[i].w * rects[i].h > need)
			need = (size_t)rects[i].w * rects[i].h;
	msg = malloc(len);
	if (need)
		piece = malloc(need * 4);
	if (!msg || (need && !piece)) {
		free(msg);
		free(piece);
		return -1;
	}
	put16(msg, (unsigned)w);
	put16(msg + 2, (unsigned)h);
	put16(msg + 4, (unsigned)n);
	for (int i = 0; i < n && rc == 0; i++)
		rc = add_tile(&msg, &len, pixels, w, &rects[i], piece);
	free(piece);
	out.msg = msg;
	out.msg_length = len;
	if (rc == 0 && wslay_event_queue_msg(st->ws, &out) != 0)
		rc = -1;
	st->sent += rc == 0;
	free(msg);
	return rc;
}

static void unmap(uint32_t *pixels, int w, int h)
{
	if (pixels)
		munmap(pixels, (size_t)w * (size_t)h * 4);
}

/* The picture's size, as seatmuxctl --json says it: 0, or -1 if it is
 * none the large view takes (seatmuxd fitted it to the view). */
static int picture_size(const char *json, int *w, int *h)
{
	json_object *obj = json_tokener_parse(json), *v;

	*w = *h = 0;
	if (obj && json_object_object_get_ex(obj, "width", &v))
		*w = json_object_get_int(v);
	if (obj && json_object_object_get_ex(obj, "height", &v))
		*h = json_object_get_int(v);
	json_object_put(obj);
	return *w >= 1 && *w <= THUMBNAIL_VIEW_WIDTH && *h >= 1 && *h <= THUMBNAIL_VIEW_HEIGHT ?
		       0 : -1;
}

/*
 * The pixels the bridge passed (seatmuxctl --raw screenshot: seatmuxd's
 * memfd), mapped read-only: NULL if they are not a picture of that size
 * sealed against writing and shrinking. The bridge runs as the user, who
 * may pass any fd: only a sealed one can neither change under the
 * comparison nor shrink under the mapping (SIGBUS).
 */
static uint32_t *map_pixels(const struct bridge_reply *r, int *w, int *h)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_WRITE;
	struct stat sb;
	void *p;

	if (!r->has_fd || picture_size(r->out, w, h) < 0 || fstat(r->fd, &sb) < 0 ||
	    !S_ISREG(sb.st_mode) || sb.st_size != (off_t)*w * *h * 4 ||
	    (fcntl(r->fd, F_GET_SEALS) & seals) != seals)
		return NULL;
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, r->fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The station's picture now, its damage queued: 0; 1 if it gave none
 * (said to the page); -1 to end the stream (the bridge broke, the
 * station went). */
static int picture(struct stream *st)
{
	const char *args[] = { "--fit", THUMBNAIL_VIEW_FIT, "--raw", "screenshot", st->id, "-" };
	struct bridge_reply r;
	uint32_t *pixels;
	int w = 0, h = 0;

	/* Still watched, for seatmuxd too (as the pictures of /api/view). */
	if (websession_watch(st->s, st->id, now_ms()) < 0) {
		st->broken = true;
		return -1;
	}
	if (run_command(st, args, 6, &r) < 0)
		return -1;
	if (r.status) {
		/* Said, and asked again: a station between sessions has no
		 * picture for a while; one that went (404) ends the stream. */
		unsigned status = bridge_status(&r);

		say_error(st, status, bridge_error_text(&r));
		if (!st->failing)	/* the first of a run, not one a second */
			fprintf(stderr, "%s: stream %s: no picture: %s\n", st->s->bridge->user,
				st->id, bridge_error_text(&r));
		st->failing = true;
		bridge_reply_free(&r);
		return status == 404 ? -1 : 1;
	}
	st->failing = false;
	pixels = map_pixels(&r, &w, &h);
	bridge_reply_free(&r);
	if (!pixels) {
		fprintf(stderr, "%s: stream %s: the bridge passed no sealed picture\n",
			st->s->bridge->user, st->id);
		say_error(st, 502, "the station sent no picture the dashboard can read");
		return -1;
	}
	if (send_damage(st, pixels, w, h) < 0) {
		unmap(pixels, w, h);
		return -1;
	}
	unmap(st->prev, st->pw, st->ph);
	st->prev = pixels;
	st->pw = w;
	st->ph = h;
	return 0;
}

/* Until the browser closes, the session ends or the bridge breaks: a
 * picture when the last is out and FRAME_MS passed, input as it comes. */
static void serve(struct stream *st)
{
	uint64_t next = 0;

	while (wslay_event_want_read(st->ws) || wslay_event_want_write(st->ws) ||
	       (st->closing && !st->close_queued)) {
		uint64_t now = now_ms();
		struct pollfd p = { st->sock, 0, 0 };
		int wait = -1;

		queue_close(st);
		if (st->closing || wslay_event_get_close_received(st->ws)) {
			;	/* what is queued goes, then the loop ends */
		} else if (atomic_load(&st->d->stopping)) {
			end(st, WSLAY_CODE_GOING_AWAY, "the dashboard stops");
		} else if (!websession_live(&st->d->sessions, st->s, now) || st->broken) {
			end(st, WSLAY_CODE_POLICY_VIOLATION, "the session ended");
		} else if (wslay_event_get_queued_msg_length(st->ws) < QUEUE_MAX) {
			if (now >= next) {
				int rc = picture(st);

				next = now + (rc > 0 ? RETRY_MS : FRAME_MS);
				if (rc < 0)
					end(st, WSLAY_CODE_INTERNAL_SERVER_ERROR, "no picture");
			}
			wait = (int)(next > now_ms() ? next - now_ms() : 0);
		}
		queue_close(st);	/* ended just now, with nothing queued */
		if (wslay_event_want_read(st->ws))
			p.events |= POLLIN;
		if (wslay_event_want_write(st->ws))
			p.events |= POLLOUT;
		/* What MHD read already is read first, without waiting; the
		 * server's stop and the session's end are looked at often. */
		if (st->extra_at < st->extra_len)
			wait = 0;
		else if (wait < 0 || wait > LOOK_MS)
			wait = LOOK_MS;
		if (!p.events)
			break;
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			break;
		if (((p.revents & (POLLIN | POLLHUP | POLLERR)) || st->extra_at < st->extra_len) &&
		    wslay_event_recv(st->ws) != 0)
			break;
		if ((p.revents & POLLOUT) && wslay_event_send(st->ws) != 0)
			break;
	}
}

static void *run(void *data)
{
	static const struct wslay_event_callbacks callbacks = {
		.recv_callback = on_recv, .send_callback = on_send,
		.on_msg_recv_callback = on_message,
	};
	struct stream *st = data;
	int flags = fcntl(st->sock, F_GETFL);

	fprintf(stderr, "%s: stream %s: open\n", st->s->bridge->user, st->id);
	if (flags >= 0 && fcntl(st->sock, F_SETFL, flags | O_NONBLOCK) == 0 &&
	    wslay_event_context_server_init(&st->ws, &callbacks, st) == 0) {
		wslay_event_config_set_max_recv_msg_length(st->ws, MSG_MAX);
		serve(st);
		fprintf(stderr, "%s: stream %s: closed (%s %u, %u sent)\n", st->s->bridge->user,
			st->id, wslay_event_get_close_received(st->ws) ? "by the browser," :
			st->closing ? "here," : "the connection ended,",
			wslay_event_get_close_received(st->ws) ?
			wslay_event_get_status_code_received(st->ws) :
			wslay_event_get_status_code_sent(st->ws), st->sent);
		wslay_event_context_free(st->ws);
	}
	if (st->broken) {
		fprintf(stderr, "%s: the bridge broke: the session ends\n", st->s->bridge->user);
		websession_end(&st->d->sessions, st->s);
	}
	MHD_upgrade_action(st->urh, MHD_UPGRADE_ACTION_CLOSE);
	websession_put(&st->d->sessions, st->s);
	atomic_fetch_sub(&st->d->streams, 1);
	unmap(st->prev, st->pw, st->ph);
	free(st->extra);
	free(st);
	return NULL;
}

static void on_upgraded(void *cls, struct MHD_Connection *conn, void *req, const char *extra_in,
			size_t extra_len, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	const struct stream_want *want = cls;
	struct stream *st = calloc(1, sizeof(*st));
	pthread_attr_t attr;
	pthread_t thread;

	/* The session, if it is still there: held while the stream runs. */
	if (st)
		st->s = websession_get(&want->d->sessions, want->session, now_ms());
	if (!st || !st->s) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		free(st);
		return;
	}
	st->d = want->d;
	memcpy(st->id, want->id, sizeof(st->id));
	st->sock = sock;
	st->urh = urh;
	if (extra_len) {
		st->extra = malloc(extra_len);
		if (st->extra) {
			memcpy(st->extra, extra_in, extra_len);
			st->extra_len = extra_len;
		}
	}
	/* MHD forwards TLS for the socket once this returns: the stream is
	 * another thread's. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	atomic_fetch_add(&st->d->streams, 1);
	if (pthread_create(&thread, &attr, run, st) != 0) {
		atomic_fetch_sub(&st->d->streams, 1);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		websession_put(&st->d->sessions, st->s);
		free(st->extra);
		free(st);
	}
	pthread_attr_destroy(&attr);
}

enum MHD_Result stream_start(struct dashboard *d, struct MHD_Connection *conn,
			     struct websession *s, const char *id, const char *accept,
			     struct stream_want *want)
{
	struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgraded, want);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	want->d = d;
	snprintf(want->session, sizeof(want->session), "%s", s->id);
	snprintf(want->id, sizeof(want->id), "%s", id);
	MHD_add_response_header(r, "Upgrade", "websocket");
	MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
	ok = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	return ok;
}
