// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection.h"
#include "fd_pass.h"

_Static_assert(CONNECTION_MAX_FDS <= FD_PASS_MAX, "a flush sends every queued fd at once");

void connection_init(struct connection *conn, int fd)
{
	memset(conn, 0, sizeof(*conn));
	conn->fd = fd;
}

void connection_finish(struct connection *conn)
{
	for (size_t i = 0; i < conn->nfds; i++)
		close(conn->fds[i]);
	conn->nfds = 0;
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}

ssize_t connection_read(struct connection *conn)
{
	union fd_pass_space control;
	struct iovec iov = {
		.iov_base = conn->in + conn->in_len,
		.iov_len = sizeof(conn->in) - conn->in_len,
	};
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (iov.iov_len == 0) {
		errno = ENOBUFS;
		return -1;
	}
	fd_pass_expect(&msg, &control);
	do {
		n = recvmsg(conn->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	/* Clients have no business sending fds: any that came are closed. */
	fd_pass_take(&msg, NULL, 0);
	conn->in_len += (size_t)n;
	return n;
}

void connection_consume(struct connection *conn, size_t len)
{
	if (len >= conn->in_len) {
		conn->in_len = 0;
		return;
	}
	memmove(conn->in, conn->in + len, conn->in_len - len);
	conn->in_len -= len;
}

int connection_queue(struct connection *conn, const void *data, size_t len,
		     int fd)
{
	if (len > sizeof(conn->out) - conn->out_len ||
	    (fd >= 0 && conn->nfds == CONNECTION_MAX_FDS)) {
		if (fd >= 0)
			close(fd);
		errno = ENOBUFS;
		return -1;
	}
	memcpy(conn->out + conn->out_len, data, len);
	conn->out_len += len;
	if (fd >= 0)
		conn->fds[conn->nfds++] = fd;
	return 0;
}

int connection_flush(struct connection *conn)
{
	union fd_pass_space control;
	struct iovec iov = { .iov_base = conn->out, .iov_len = conn->out_len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (conn->out_len == 0)
		return 0;
	fd_pass_attach(&msg, &control, conn->fds, conn->nfds);
	do {
		n = sendmsg(conn->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 1 : -1;

	/* The kernel attached every fd to the first byte sent. */
	for (size_t i = 0; i < conn->nfds; i++)
		close(conn->fds[i]);
	conn->nfds = 0;
	memmove(conn->out, conn->out + n, conn->out_len - (size_t)n);
	conn->out_len -= (size_t)n;
	return conn->out_len ? 1 : 0;
}
