// SPDX-License-Identifier: MIT
/* What seatmuxd reads from its helpers, a link (link_proto.c) and an RDP
 * sink (control.c): every fd a peer passes is kept or closed whatever the
 * message, and no message makes the reader step outside it. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "link_proto.h"
#include "test.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One datagram of len bytes (len 0 included) carrying nfds fds. */
static int send_raw(int sock, const void *data, size_t len, int nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[8];

	for (int i = 0; i < nfds; i++)
		fds[i] = STDERR_FILENO;	/* any fd: the kernel passes a new one */
	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(&ctl.h), fds, (size_t)nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int link_recv(size_t len, int nfds, int *fd)
{
	struct link_msg msg = { .type = LINK_READY };
	uint8_t big[sizeof(msg) + 8] = { 0 };
	int peer[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, peer) < 0)
		return -1000;
	memcpy(big, &msg, sizeof(msg));
	rc = send_raw(peer[0], big, len, nfds);
	if (rc == 0)
		rc = link_proto_recv(peer[1], &msg, fd, 1000);
	close(peer[0]);
	close(peer[1]);
	return rc;
}

/* Zero bytes, short, long, too many fds: an error, and no fd left open. */
static void test_link_fds(struct test_state *t)
{
	const size_t size = sizeof(struct link_msg);
	const struct {
		size_t len;
		int nfds;
		int rc;
	} cases[] = {
		{ 0, 1, -EPROTO }, { 0, 2, -EPROTO }, { 0, 7, -EPROTO },
		{ 1, 1, -EPROTO }, { size - 1, 1, -EPROTO }, { size + 8, 1, -EPROTO },
		{ size, 2, -EPROTO }, { size, 7, -EPROTO }, { 0, 0, -ECONNRESET },
	};
	int before = count_fds(), fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = link_recv(cases[i].len, cases[i].nfds, &fd);

		if (rc != cases[i].rc || fd != -1 || count_fds() != before)
			fprintf(stderr, "  case %zu: rc %d fd %d fds %d (was %d)\n", i, rc, fd,
				count_fds(), before);
		CHECK(t, rc == cases[i].rc && fd == -1);
		CHECK(t, count_fds() == before);
	}
	/* A message of the right size keeps its one fd. */
	CHECK(t, link_recv(size, 1, &fd) == 0 && fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(t, count_fds() == before);
}

static int control_recv_raw(const void *data, size_t len, int nfds, int fds[2])
{
	uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg msg;
	int peer[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, peer) < 0)
		return -1000;
	rc = send_raw(peer[0], data, len, nfds);
	if (rc == 0)
		rc = control_recv(peer[1], buf, &msg, fds, 1000);
	close(peer[0]);
	close(peer[1]);
	return rc;
}

static void test_control_fds(struct test_state *t)
{
	/* CONTROL_ACCEPTED, card 1: the broker's answer, with two fds. */
	static const uint8_t good[] = { CONTROL_ACCEPTED, 1, 0, 0, 0 }, bad[] = { 99, 1, 2 };
	const size_t n = sizeof(good);
	const struct {
		const void *data;
		size_t len;
		int nfds;
		int rc;
	} cases[] = {
		{ good, 0, 1, -EBADMSG }, { good, 0, 2, -EBADMSG }, { good, 0, 7, -EBADMSG },
		{ good, n - 1, 2, -EBADMSG }, { bad, sizeof(bad), 2, -EBADMSG },
		{ good, n, 3, -EBADMSG }, { good, n, 7, -EBADMSG },
		{ good, 0, 0, -ECONNRESET },
	};
	int before = count_fds(), fds[2];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = control_recv_raw(cases[i].data, cases[i].len, cases[i].nfds, fds);

		if (rc != cases[i].rc || fds[0] != -1 || fds[1] != -1 || count_fds() != before)
			fprintf(stderr, "  case %zu: rc %d fds %d %d open %d (was %d)\n", i, rc,
				fds[0], fds[1], count_fds(), before);
		CHECK(t, rc == cases[i].rc && fds[0] == -1 && fds[1] == -1);
		CHECK(t, count_fds() == before);
	}
	/* A good message keeps its two. */
	CHECK(t, control_recv_raw(good, n, 2, fds) == 0 && fds[0] >= 0 && fds[1] >= 0);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	CHECK(t, count_fds() == before);
}

/* Empty strings are strings: in place (TLS) and copied (the rest). */
static void test_control_empty_strings(struct test_state *t)
{
	uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg in = { .type = CONTROL_TLS, .cert = "", .key = "" }, out;
	int n;

	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n == 5 && control_decode(buf, (size_t)n, &out) == 0);
	CHECK(t, out.cert && out.key && !strcmp(out.cert, "") && !strcmp(out.key, ""));
	in.cert = "C";
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, control_decode(buf, (size_t)n, &out) == 0);
	CHECK(t, out.cert && out.key && !strcmp(out.cert, "C") && !strcmp(out.key, ""));
	in = (struct control_msg){ .type = CONTROL_TLS, .cert = "", .key = "KEY" };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, control_decode(buf, (size_t)n, &out) == 0);
	CHECK(t, out.cert && out.key && !strcmp(out.cert, "") && !strcmp(out.key, "KEY"));
	in = (struct control_msg){ .type = CONTROL_LOGON };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, control_decode(buf, (size_t)n, &out) == 0 && !strcmp(out.user, "") &&
		 !strcmp(out.password, ""));
	in = (struct control_msg){ .type = CONTROL_REFUSED };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, control_decode(buf, (size_t)n, &out) == 0 && !strcmp(out.reason, ""));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_link_fds);
	RUN(&t, test_control_fds);
	RUN(&t, test_control_empty_strings);
	return TEST_SUMMARY(&t);
}
