// SPDX-License-Identifier: MIT
/* The dashboard's side of a teacher's bridge (seatmuxctl --serve): its
 * answers read whole, header lines read ahead, the fd that came with
 * one, and broken answers. The bridge is a socketpair's end here; the
 * test writes its answers. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bridge.h"
#include "fd_pass.h"
#include "test.h"

static struct bridge *pair(int *peer)
{
	struct bridge *b = calloc(1, sizeof(*b));
	int sv[2];

	if (!b || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	b->fd = sv[0];
	b->passed = -1;
	*peer = sv[1];
	return b;
}

static void say(int peer, const char *s)
{
	if (write(peer, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

/* s with fd, in one sendmsg: 0, or -1. */
static int say_with_fd(int peer, const char *s, int fd)
{
	union fd_pass_space space;
	struct iovec iov = { (void *)s, strlen(s) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd_pass_attach(&mh, &space, &fd, 1) < 0)
		return -1;
	return sendmsg(peer, &mh, 0) == (ssize_t)strlen(s) ? 0 : -1;
}

static const char *const args[] = { "list-stations" };

static void test_answers_in_one_write(struct test_state *t)
{
	int peer;
	struct bridge *b = pair(&peer);
	struct bridge_reply r;

	/* Two answers at once: the first's header read ahead must not
	 * take the second's bytes for good. */
	say(peer, "0 5 3 -\nhelloerr1 0 4 org.seatmux.Error.NoSuchStation\ngone");
	CHECK(t, bridge_call(b, args, 1, &r) == 0);
	CHECK(t, r.status == 0 && r.outlen == 5 && !strcmp(r.out, "hello") &&
	      !strcmp(r.err, "err") && !r.error[0] && !r.has_fd);
	bridge_reply_free(&r);
	CHECK(t, bridge_call(b, args, 1, &r) == 0);
	CHECK(t, r.status == 1 && r.outlen == 0 && !strcmp(r.err, "gone") &&
	      !strcmp(r.error, "org.seatmux.Error.NoSuchStation"));
	CHECK(t, bridge_status(&r) == 404);
	bridge_reply_free(&r);
	CHECK(t, !b->broken);
	bridge_free(b);
	close(peer);
}

static void test_answer_in_pieces(struct test_state *t)
{
	int peer;
	struct bridge *b = pair(&peer);
	struct bridge_reply r;
	static char big[100000];
	char head[64];

	/* A picture larger than the read-ahead, the header in two writes;
	 * the socket holds it all before the call reads. */
	memset(big, 'x', sizeof(big));
	snprintf(head, sizeof(head), "0 %zu 0 -\n", sizeof(big));
	say(peer, "0 ");
	say(peer, head + 2);
	if (write(peer, big, 1000) != 1000)
		abort();
	if (fork() == 0) {
		/* The rest from another process, while the call waits. */
		if (write(peer, big + 1000, sizeof(big) - 1000) != (ssize_t)(sizeof(big) - 1000))
			_exit(1);
		_exit(0);
	}
	CHECK(t, bridge_call(b, args, 1, &r) == 0);
	CHECK(t, r.outlen == sizeof(big) && r.out && !memcmp(r.out, big, sizeof(big)) &&
	      r.out[sizeof(big)] == 0);
	bridge_reply_free(&r);
	wait(NULL);
	bridge_free(b);
	close(peer);
}

static void test_fd_with_header(struct test_state *t)
{
	int peer, fds[2];
	struct bridge *b = pair(&peer);
	struct bridge_reply r;
	const char *msg = "0 2 0 -\nok";

	if (pipe(fds) < 0 || say_with_fd(peer, msg, fds[0]) < 0)
		abort();
	close(fds[0]);
	CHECK(t, bridge_call(b, args, 1, &r) == 0);
	CHECK(t, r.has_fd && r.fd >= 0 && !strcmp(r.out, "ok"));
	/* The fd is the pipe's reading end. */
	CHECK(t, write(fds[1], "z", 1) == 1);
	{
		char c = 0;

		CHECK(t, r.has_fd && read(r.fd, &c, 1) == 1 && c == 'z');
	}
	bridge_reply_free(&r);
	close(fds[1]);
	bridge_free(b);
	close(peer);
}

static void test_broken_answers(struct test_state *t)
{
	static const char *const bad[] = {
		"not a header\n",
		"0 99999999999 0 -\n",		/* over BRIDGE_REPLY_MAX */
		"0 1 0\n",			/* a field short */
	};
	char longline[600];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int peer;
		struct bridge *b = pair(&peer);
		struct bridge_reply r;

		say(peer, bad[i]);
		CHECK(t, bridge_call(b, args, 1, &r) < 0 && b->broken);
		/* Broken stays broken: nothing more is read. */
		CHECK(t, bridge_call(b, args, 1, &r) < 0);
		bridge_free(b);
		close(peer);
	}
	/* A header line longer than any: broken, not overrun. */
	memset(longline, '1', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	{
		int peer;
		struct bridge *b = pair(&peer);
		struct bridge_reply r;

		say(peer, longline);
		CHECK(t, bridge_call(b, args, 1, &r) < 0 && b->broken);
		bridge_free(b);
		close(peer);
	}
	/* The peer gone halfway through an answer. */
	{
		int peer;
		struct bridge *b = pair(&peer);
		struct bridge_reply r;

		say(peer, "0 10 0 -\nhalf");
		close(peer);
		CHECK(t, bridge_call(b, args, 1, &r) < 0 && b->broken);
		bridge_free(b);
	}
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_answers_in_one_write);
	RUN(&t, test_answer_in_pieces);
	RUN(&t, test_fd_with_header);
	RUN(&t, test_broken_answers);
	return TEST_SUMMARY(&t);
}
