// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connection.h"
#include "test.h"

static int recv_with_fd(int sock, void *buf, size_t len, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n = recvmsg(sock, &msg, 0);

	*fd = -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	return (int)n;
}

static void test_fd_passing(struct test_state *t)
{
	struct connection conn;
	struct stat a, b;
	char buf[16];
	int sv[2], fd, got;

	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	connection_init(&conn, sv[0]);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(t, connection_queue(&conn, "hello", 5, fd) == 0);
	CHECK(t, connection_flush(&conn) == 0);
	/* The queued fd was the connection's to close: it is gone. */
	CHECK(t, fcntl(fd, F_GETFD) < 0 && errno == EBADF);
	CHECK(t, recv_with_fd(sv[1], buf, sizeof(buf), &got) == 5);
	CHECK(t, !memcmp(buf, "hello", 5));
	CHECK(t, got >= 0);
	CHECK(t, fstat(got, &a) == 0 && stat("/dev/null", &b) == 0);
	CHECK(t, a.st_rdev == b.st_rdev);
	close(got);
	connection_finish(&conn);
	close(sv[1]);
}

/* Fds a client pushes at the broker are closed, not kept. */
static void test_incoming_fds_dropped(struct test_state *t)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct connection conn;
	struct cmsghdr *cmsg;
	int sv[2], fd, before, after;

	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	connection_init(&conn, sv[0]);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	CHECK(t, sendmsg(sv[1], &msg, 0) == 1);
	close(fd);
	before = dup(0);
	close(before);
	CHECK(t, connection_read(&conn) == 1);
	after = dup(0);
	close(after);
	CHECK(t, before == after);	/* no new descriptor left open */
	CHECK(t, conn.in_len == 1 && conn.in[0] == 'x');
	connection_finish(&conn);
	close(sv[1]);
}

static void test_limits(struct test_state *t)
{
	static char big[CONNECTION_OUT_SIZE];
	struct connection conn;
	int sv[2];

	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	connection_init(&conn, sv[0]);
	CHECK(t, connection_queue(&conn, big, sizeof(big), -1) == 0);
	CHECK(t, connection_queue(&conn, "x", 1, -1) < 0 && errno == ENOBUFS);
	connection_consume(&conn, 10);
	CHECK(t, conn.in_len == 0);
	close(sv[1]);
	/* A peer that went away is an error, not a signal. */
	CHECK(t, connection_flush(&conn) < 0);
	connection_finish(&conn);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_fd_passing);
	RUN(&t, test_incoming_fds_dropped);
	RUN(&t, test_limits);
	return TEST_SUMMARY(&t);
}
