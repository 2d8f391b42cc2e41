// SPDX-License-Identifier: MIT
/*
 * Layout: a type byte, then fields; strings as a 16-bit length and the
 * bytes (no NUL inside), numbers as little-endian 16 or 32 bits. Every
 * length is checked against what is left, so a peer cannot make us read
 * past a message.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "fd_pass.h"

struct writer {
	uint8_t *p;
	size_t left;
	bool ok;
};

static void put(struct writer *w, const void *data, size_t n)
{
	if (!w->ok || n > w->left) {
		w->ok = false;
		return;
	}
	memcpy(w->p, data, n);
	w->p += n;
	w->left -= n;
}

static void put_u16(struct writer *w, uint32_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(w, b, 2);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void put_str(struct writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 0xffff) {
		w->ok = false;
		return;
	}
	put_u16(w, (uint32_t)n);
	put(w, s, n);
}

int control_encode(const struct control_msg *msg, uint8_t *buf, size_t size)
{
	struct writer w = { buf, size, true };
	uint8_t type = (uint8_t)msg->type;

	put(&w, &type, 1);
	switch (msg->type) {
	case CONTROL_TLS:
		put_str(&w, msg->cert);
		put_str(&w, msg->key);
		break;
	case CONTROL_LOGON:
		put_u16(&w, (uint32_t)msg->width);
		put_u16(&w, (uint32_t)msg->height);
		put_u32(&w, msg->layout);
		put_str(&w, msg->user);
		put_str(&w, msg->password);
		break;
	case CONTROL_ACCEPTED:
		put_u32(&w, (uint32_t)msg->card);
		break;
	case CONTROL_REFUSED:
		put_str(&w, msg->reason);
		break;
	case CONTROL_WATCHED:
		if (msg->watched_ms > CONTROL_WATCHED_MAX_MS)
			return -1;
		put_u32(&w, msg->watched_ms);
		break;
	case CONTROL_LOOK:
	case CONTROL_CHANGED:
		break;
	default:
		return -1;
	}
	return w.ok ? (int)(size - w.left) : -1;
}

struct reader {
	uint8_t *p;
	size_t left;
	bool ok;
};

static uint32_t get_u(struct reader *r, int bytes)
{
	uint32_t v = 0;

	if (!r->ok || r->left < (size_t)bytes) {
		r->ok = false;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint32_t)r->p[i] << (8 * i);
	r->p += bytes;
	r->left -= (size_t)bytes;
	return v;
}

/* A string in place (NUL written over the next length byte, so the
 * message is taken apart front to back), or copied into out. */
static const char *get_str(struct reader *r, char *out, size_t out_size)
{
	size_t n = get_u(r, 2);
	char *s;

	if (!r->ok || n > r->left || memchr(r->p, 0, n) || (out && n >= out_size)) {
		r->ok = false;
		return NULL;
	}
	s = (char *)r->p;
	r->p += n;
	r->left -= n;
	if (out) {
		memcpy(out, s, n);
		out[n] = '\0';
		return out;
	}
	/* In place: shift down over the length field, which is spent (its
	 * two bytes are the room for the NUL, even for an empty string). */
	memmove(s - 2, s, n);
	(s - 2)[n] = '\0';
	return s - 2;
}

int control_decode(uint8_t *buf, size_t len, struct control_msg *msg)
{
	struct reader r = { buf, len, true };

	memset(msg, 0, sizeof(*msg));
	msg->type = (enum control_type)get_u(&r, 1);
	switch (msg->type) {
	case CONTROL_TLS:
		msg->cert = get_str(&r, NULL, 0);
		msg->key = get_str(&r, NULL, 0);
		break;
	case CONTROL_LOGON:
		msg->width = (int)get_u(&r, 2);
		msg->height = (int)get_u(&r, 2);
		msg->layout = get_u(&r, 4);
		get_str(&r, msg->user, sizeof(msg->user));
		get_str(&r, msg->password, sizeof(msg->password));
		break;
	case CONTROL_ACCEPTED:
		msg->card = (int)get_u(&r, 4);
		if (msg->card < 0 || msg->card > 255)
			r.ok = false;
		break;
	case CONTROL_REFUSED:
		get_str(&r, msg->reason, sizeof(msg->reason));
		break;
	case CONTROL_WATCHED:
		msg->watched_ms = get_u(&r, 4);
		if (msg->watched_ms > CONTROL_WATCHED_MAX_MS)
			r.ok = false;
		break;
	case CONTROL_LOOK:
	case CONTROL_CHANGED:
		break;
	default:
		return -1;
	}
	return r.ok && r.left == 0 ? 0 : -1;
}

static int send_msg(int sock, const struct control_msg *msg, const int *fds, int nfds,
		    int flags)
{
	uint8_t buf[CONTROL_MAX_MSG];
	union fd_pass_space space;
	int len = control_encode(msg, buf, sizeof(buf));
	struct iovec iov = { buf, (size_t)len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (len < 0 || nfds < 0 || nfds > 2)
		return -EINVAL;
	fd_pass_attach(&mh, &space, fds, (size_t)nfds);
	return sendmsg(sock, &mh, MSG_NOSIGNAL | flags) == len ? 0 : -errno;
}

int control_send(int sock, const struct control_msg *msg, const int *fds, int nfds)
{
	return send_msg(sock, msg, fds, nfds, 0);
}

int control_notify(int sock, const struct control_msg *msg)
{
	return send_msg(sock, msg, NULL, 0, MSG_DONTWAIT);
}

int control_recv(int sock, uint8_t *buf, struct control_msg *msg, int fds[2], int timeout_ms)
{
	union fd_pass_space space;
	struct iovec iov = { buf, CONTROL_MAX_MSG };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	size_t nfds;
	ssize_t n;
	int rc;

	fds[0] = fds[1] = -1;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc <= 0)
		return rc == 0 ? -ETIMEDOUT : -errno;
	fd_pass_expect(&mh, &space);
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	/* Fds first, whatever the message: a zero-length datagram can carry
	 * some too, and every return after this one owns them (any past the
	 * two a message carries are closed already). */
	nfds = fd_pass_take(&mh, fds, 2);
	if (n == 0 && nfds == 0 && !(mh.msg_flags & MSG_CTRUNC))
		return -ECONNRESET;	/* the peer's end, nothing with it */
	if (n == 0 || nfds > 2 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    control_decode(buf, (size_t)n, msg) < 0) {
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		fds[0] = fds[1] = -1;
		return -EBADMSG;
	}
	return 0;
}
