// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge.h"
#include "fd_pass.h"

/* PAM may take a while (a directory's answer); a seatmuxd call less. */
#define LOGON_TIMEOUT_MS 30000
#define CALL_TIMEOUT_MS 30000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events, or the deadline passes (-1). */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	uint64_t now;
	int r;

	do {
		now = now_ms();
		if (now >= deadline)
			return -1;
		r = poll(&p, 1, (int)(deadline - now));
	} while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

static int write_all(int fd, const void *data, size_t len, uint64_t deadline)
{
	const char *p = data;

	while (len) {
		ssize_t n;

		if (wait_fd(fd, POLLOUT, deadline) < 0)
			return -1;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An fd that came with bytes read: kept in b->passed (the first of an
 * answer's; any other is closed). */
static void take_passed(struct bridge *b, struct msghdr *msg)
{
	int fd = -1;

	fd_pass_take(msg, &fd, 1);
	if (fd >= 0 && b->passed < 0)
		b->passed = fd;
	else if (fd >= 0)
		close(fd);
}

/* Up to len bytes into data, as they come: their count, or -1. */
static ssize_t read_some(struct bridge *b, void *data, size_t len, uint64_t deadline)
{
	for (;;) {
		union fd_pass_space space;
		struct iovec iov = { data, len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (wait_fd(b->fd, POLLIN, deadline) < 0)
			return -1;
		fd_pass_expect(&msg, &space);
		n = recvmsg(b->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		take_passed(b, &msg);
		return n;
	}
}

/* len bytes: what was read ahead first, then straight into data (an
 * answer's picture is too large to go through b->in). */
static int read_all(struct bridge *b, void *data, size_t len, uint64_t deadline)
{
	size_t ahead = b->in_len - b->in_pos;
	char *p = data;

	if (ahead > len)
		ahead = len;
	memcpy(p, b->in + b->in_pos, ahead);
	b->in_pos += ahead;
	p += ahead;
	len -= ahead;
	while (len) {
		ssize_t n = read_some(b, p, len, deadline);

		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line, without its newline; what came after it stays in b->in. */
static int read_line(struct bridge *b, char *line, size_t size, uint64_t deadline)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		while (b->in_pos < b->in_len) {
			char c = b->in[b->in_pos++];

			if (c == '\n') {
				line[len] = 0;
				return 0;
			}
			if (len + 1 >= size)
				return -1;
			line[len++] = c;
		}
		n = read_some(b, b->in, sizeof(b->in), deadline);
		if (n < 0)
			return -1;
		b->in_pos = 0;
		b->in_len = (size_t)n;
	}
}

static int helper_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* "ok USER ROLE" into b, or the reason of "no REASON" into why. */
static enum bridge_logon read_verdict(struct bridge *b, char *why, size_t size,
				      uint64_t deadline)
{
	char line[BRIDGE_USER_MAX + 512], user[BRIDGE_USER_MAX + 1], role[8];

	if (read_line(b, line, sizeof(line), deadline) < 0) {
		snprintf(why, size, "the logon helper did not answer");
		return BRIDGE_UNREACHABLE;
	}
	if (!strncmp(line, "no ", 3)) {
		snprintf(why, size, "%s", line + 3);
		return BRIDGE_REFUSED;
	}
	if (sscanf(line, "ok %32s %7s", user, role) != 2 ||
	    (strcmp(role, "teacher") && strcmp(role, "admin"))) {
		snprintf(why, size, "the logon helper said what it never says");
		return BRIDGE_UNREACHABLE;
	}
	strcpy(b->user, user);
	strcpy(b->role, role);
	return BRIDGE_LOGGED_ON;
}

enum bridge_logon bridge_logon(const char *socket_path, const char *user, const char *password,
			       const char *rhost, struct bridge **out, char *why, size_t size)
{
	size_t ulen = strlen(user), plen = strlen(password);
	uint64_t deadline = now_ms() + LOGON_TIMEOUT_MS;
	struct bridge *b = calloc(1, sizeof(*b));
	enum bridge_logon res = BRIDGE_UNREACHABLE;

	snprintf(why, size, "the logon helper cannot be reached");
	if (!b)
		return res;
	b->passed = -1;
	b->fd = helper_connect(socket_path);
	if (b->fd < 0)
		goto fail;
	/* NULs end each: what the helper reads byte by byte. */
	if (write_all(b->fd, user, ulen + 1, deadline) < 0 ||
	    write_all(b->fd, password, plen + 1, deadline) < 0 ||
	    write_all(b->fd, rhost, strlen(rhost) + 1, deadline) < 0)
		goto fail;
	res = read_verdict(b, why, size, deadline);
	if (res != BRIDGE_LOGGED_ON)
		goto fail;
	*out = b;
	return res;
fail:
	bridge_free(b);
	return res;
}

bool bridge_field_ok(const char *s)
{
	return !strpbrk(s, "\t\n");
}

static int send_request(struct bridge *b, const char *const *args, int nargs,
			uint64_t deadline)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int r;

	if (!f)
		return -1;
	for (int i = 0; i < nargs; i++)
		fprintf(f, "%s%s", i ? "\t" : "", args[i]);
	fputc('\n', f);
	r = fclose(f) == 0 ? write_all(b->fd, line, len, deadline) : -1;
	free(line);
	return r;
}

/* n bytes of the answer, NUL-terminated. */
static char *read_part(struct bridge *b, size_t n, uint64_t deadline)
{
	char *p = malloc(n + 1);

	if (!p || read_all(b, p, n, deadline) < 0) {
		free(p);
		return NULL;
	}
	p[n] = 0;
	return p;
}

int bridge_call(struct bridge *b, const char *const *args, int nargs, struct bridge_reply *r)
{
	uint64_t deadline = now_ms() + CALL_TIMEOUT_MS;
	char line[512];

	memset(r, 0, sizeof(*r));
	if (b->broken)
		return -1;
	for (int i = 0; i < nargs; i++)
		if (!bridge_field_ok(args[i]))
			return -1;
	if (send_request(b, args, nargs, deadline) < 0 ||
	    read_line(b, line, sizeof(line), deadline) < 0 ||
	    sscanf(line, "%d %zu %zu %255s", &r->status, &r->outlen, &r->errlen, r->error) != 4 ||
	    r->outlen > BRIDGE_REPLY_MAX || r->errlen > BRIDGE_REPLY_MAX)
		goto broken;
	if (!strcmp(r->error, "-"))
		r->error[0] = 0;
	r->out = read_part(b, r->outlen, deadline);
	r->err = r->out ? read_part(b, r->errlen, deadline) : NULL;
	if (!r->err)
		goto broken;
	r->fd = b->passed;
	r->has_fd = b->passed >= 0;
	b->passed = -1;
	return 0;
broken:
	bridge_reply_free(r);
	b->broken = true;
	return -1;
}

void bridge_reply_free(struct bridge_reply *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	if (r->has_fd)
		close(r->fd);
	r->has_fd = false;
}

void bridge_free(struct bridge *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	if (b->passed >= 0)
		close(b->passed);
	free(b);
}

const char *bridge_error_text(struct bridge_reply *r)
{
	char *text = r->err, *nl;

	if (!strncmp(text, "seatmuxctl: ", 12))
		text += 12;
	nl = strchr(text, '\n');
	if (nl)
		*nl = 0;
	return *text ? text : "failed";
}

unsigned bridge_status(const struct bridge_reply *r)
{
	if (r->status == 2 || !strcmp(r->error, "org.freedesktop.DBus.Error.InvalidArgs"))
		return 400;
	if (!strcmp(r->error, "org.freedesktop.DBus.Error.AccessDenied"))
		return 403;
	if (!strcmp(r->error, "org.seatmux.Error.NoSuchStation"))
		return 404;
	if (!strncmp(r->error, "org.seatmux.Error.", 18))
		return 409;
	return 502;	/* seatmuxd gone, no answer... */
}
