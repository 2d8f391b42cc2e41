// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection.h"

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

/* Clients have no business sending fds; close any that arrive. */
static void drop_received_fds(struct msghdr *msg)
{
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t n;
		int fd;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

ssize_t connection_read(struct connection *conn)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONNECTION_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {
		.iov_base = conn->in + conn->in_len,
		.iov_len = sizeof(conn->in) - conn->in_len,
	};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	if (iov.iov_len == 0) {
		errno = ENOBUFS;
		return -1;
	}
	do {
		n = recvmsg(conn->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	drop_received_fds(&msg);
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
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONNECTION_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = conn->out, .iov_len = conn->out_len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (conn->out_len == 0)
		return 0;
	if (conn->nfds > 0) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * conn->nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * conn->nfds);
		memcpy(CMSG_DATA(cmsg), conn->fds, sizeof(int) * conn->nfds);
	}
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
