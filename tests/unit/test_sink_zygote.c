// SPDX-License-Identifier: MIT
/*
 * The sink zygote, both ends: this program is its own zygote (run with
 * --zygote), its "sink" reporting what it was given. Needs root (the
 * children drop to another uid); skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_uid.h"
#include "loop.h"
#include "sink_zygote.h"
#include "test.h"
#include "zygote.h"

#define UID SINK_UID_FIRST
#define CRASHING_UID (SINK_UID_FIRST + 1)	/* this one's sink aborts */
#define GID 65534

/* fds beyond 4 the sink was left with. */
static int open_fds(void)
{
	int n = 0;

	for (int fd = 5; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* The sink: tells its ids, whether it could become root again, whether
 * its own uid may read its /proc files, and what else it holds, on the
 * control channel (fd 4), and greets the client (fd 3). */
static int fake_sink(void)
{
	char msg[128];
	int n;

	if (getuid() == CRASHING_UID)
		abort();
	n = snprintf(msg, sizeof(msg), "uid=%u gid=%u groups=%d root=%s dumpable=%d fds=%d",
		     (unsigned)getuid(), (unsigned)getgid(), getgroups(0, NULL),
		     setuid(0) == 0 ? "yes" : "no", prctl(PR_GET_DUMPABLE), open_fds());

	if (write(4, msg, (size_t)n) != n || write(3, "hello", 5) != 5)
		return 1;
	return 0;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms) == 1;
}

/* As seatmuxd's loop does: the zygote's first word, once readable. */
static int wait_ready(struct sink_zygote *z)
{
	return readable(z->fd, 5000) ? sink_zygote_take_ready(z) : -ETIMEDOUT;
}

/*
 * Started as seatmuxd starts it, with a loop of its own that never runs:
 * the tests reap the zygote themselves (waitpid), and the loop, with the
 * zygote's pidfd, goes at their end.
 */
static int start(struct sink_zygote *z, struct loop **loop, const char *path)
{
	struct child *child;

	*loop = loop_create();
	return *loop ? sink_zygote_start(z, *loop, path, NULL, NULL, &child) : -ENOMEM;
}

static void test_spawn(struct test_state *t)
{
	struct sink_zygote z;
	struct loop *loop;
	int client[2], control[2], pidfd;
	pid_t pid = 0;
	char buf[96] = { 0 }, want[96];

	CHECK(t, start(&z, &loop, "/proc/self/exe") == 0 && z.fd >= 0 && z.pid > 0);
	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM, 0, client) == 0);
	CHECK(t, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, control) == 0);

	/* Not yet said to be ready: refused at once, nothing sent, kept. */
	CHECK(t, sink_zygote_spawn(&z, UID, GID, client[1], control[1], &pid) == -EAGAIN);
	CHECK(t, z.fd >= 0 && !z.ready);
	CHECK(t, wait_ready(&z) == 0 && z.ready && sink_zygote_take_ready(&z) == 0);

	/* uid 0 is never given: refused, and the zygote serves on. */
	CHECK(t, sink_zygote_spawn(&z, 0, GID, client[1], control[1], &pid) == -EINVAL);
	CHECK(t, z.fd >= 0);

	pidfd = sink_zygote_spawn(&z, UID, GID, client[1], control[1], &pid);
	CHECK(t, pidfd >= 0 && pid > 0);
	close(client[1]);
	close(control[1]);
	CHECK(t, readable(control[0], 5000) && read(control[0], buf, sizeof(buf) - 1) > 0);
	snprintf(want, sizeof(want), "uid=%u gid=65534 groups=0 root=no dumpable=1 fds=0", UID);
	CHECK(t, !strcmp(buf, want));
	memset(buf, 0, sizeof(buf));
	CHECK(t, readable(client[0], 5000) && read(client[0], buf, 5) == 5 && !strcmp(buf, "hello"));
	/* Ended, the sink held the client's socket alone: the zygote kept
	 * no copy. */
	CHECK(t, readable(client[0], 5000) && read(client[0], buf, 1) == 0);
	/* Not our child, yet its end is told by its pidfd. */
	CHECK(t, pidfd >= 0 && readable(pidfd, 5000));
	CHECK(t, waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);
	/* Once the zygote has reaped it, signalling it through the pidfd
	 * hits nothing (a zombie still takes signals, harmlessly). */
	for (int i = 0; pidfd >= 0 && i < 200 && pidfd_kill(pidfd) == 0; i++)
		usleep(10000);
	CHECK(t, pidfd >= 0 && pidfd_kill(pidfd) < 0 && errno == ESRCH);

	/* Closed, the zygote ends; seatmuxd reaps it. */
	pid = z.pid;
	sink_zygote_stop(&z);
	CHECK(t, waitpid(pid, NULL, 0) == pid && sink_zygote_reaped(&z, pid) && z.pid == -1);
	CHECK(t, sink_zygote_spawn(&z, UID, GID, client[0], control[0], &pid) == -ENOENT);
	if (pidfd >= 0)
		close(pidfd);
	close(client[0]);
	close(control[0]);
	loop_destroy(loop);
}

/* A sink that crashes retires its zygote (its layout was probed). */
static void test_crash_retires(struct test_state *t)
{
	struct sink_zygote z;
	struct loop *loop;
	int fds[2], pidfd;
	pid_t pid = 0, zpid;
	struct pollfd p;

	CHECK(t, start(&z, &loop, "/proc/self/exe") == 0 && wait_ready(&z) == 0);
	zpid = z.pid;
	CHECK(t, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) == 0);
	pidfd = sink_zygote_spawn(&z, CRASHING_UID, GID, fds[0], fds[1], &pid);
	CHECK(t, pidfd >= 0);
	/* It exits on its own; its socket to us hangs up. */
	p = (struct pollfd){ z.fd, POLLIN, 0 };
	CHECK(t, poll(&p, 1, 5000) == 1 && (p.revents & POLLHUP));
	CHECK(t, waitpid(zpid, NULL, 0) == zpid && sink_zygote_reaped(&z, zpid));
	if (pidfd >= 0)
		close(pidfd);
	close(fds[0]);
	close(fds[1]);
	loop_destroy(loop);
}

/* Our child ended within ms (else it is killed): its status. */
static bool reaped_within(pid_t pid, int ms, int *status)
{
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return false;
}

/* A process as uid, root's child, waiting to be killed; returned once
 * it is that uid. */
/*
 * What an earlier holder of a sink's uid left running (a broken-into sink
 * that forked) is gone before the next sink of that uid reads a byte;
 * another uid's process is not touched.
 */
static void test_uid_claimed(struct test_state *t)
{
	pid_t left = test_leftover(UID), other = test_leftover(UID + 2), pid = 0;
	int client[2], control[2], pidfd, status = 0;
	struct sink_zygote z;
	struct loop *loop;
	char buf[96] = { 0 };

	CHECK(t, left > 0 && other > 0);
	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM, 0, client) == 0);
	CHECK(t, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, control) == 0);
	CHECK(t, start(&z, &loop, "/proc/self/exe") == 0 && wait_ready(&z) == 0);
	pidfd = sink_zygote_spawn(&z, UID, GID, client[1], control[1], &pid);
	CHECK(t, pidfd >= 0);
	CHECK(t, readable(control[0], 5000) && read(control[0], buf, sizeof(buf) - 1) > 0);
	CHECK(t, reaped_within(left, 5000, &status) && WIFSIGNALED(status) &&
		 WTERMSIG(status) == SIGKILL);
	CHECK(t, waitpid(other, &status, WNOHANG) == 0);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	pid = z.pid;
	sink_zygote_stop(&z);
	waitpid(pid, NULL, 0);
	if (pidfd >= 0)
		close(pidfd);
	close(client[0]);
	close(client[1]);
	close(control[0]);
	close(control[1]);
	loop_destroy(loop);
}

/*
 * A uid the user database names (a directory's user whose id fell in the
 * block) is no sink's: the sink does not run, and that user's processes
 * are not killed.
 */
static void test_named_uid_refused(struct test_state *t)
{
	struct passwd *pw = getpwnam("bin");
	uid_t uid = pw ? pw->pw_uid : 2;
	pid_t user = test_leftover(uid), pid = 0;
	int client[2], control[2], pidfd, status = 0;
	struct sink_zygote z;
	struct loop *loop;
	char buf[96] = { 0 };

	CHECK(t, pw != NULL && user > 0);
	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM, 0, client) == 0);
	CHECK(t, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, control) == 0);
	CHECK(t, start(&z, &loop, "/proc/self/exe") == 0 && wait_ready(&z) == 0);
	pidfd = sink_zygote_spawn(&z, uid, GID, client[1], control[1], &pid);
	CHECK(t, pidfd >= 0);
	close(control[1]);
	close(client[1]);
	/* It hangs up without a word. */
	CHECK(t, readable(control[0], 5000) && read(control[0], buf, sizeof(buf) - 1) == 0);
	CHECK(t, pidfd >= 0 && readable(pidfd, 5000));
	CHECK(t, !reaped_within(user, 300, &status));
	kill(user, SIGKILL);
	waitpid(user, NULL, 0);
	pid = z.pid;
	sink_zygote_stop(&z);
	waitpid(pid, NULL, 0);
	if (pidfd >= 0)
		close(pidfd);
	close(client[0]);
	close(control[0]);
	loop_destroy(loop);
}

static void test_missing_zygote(struct test_state *t)
{
	struct sink_zygote z;
	struct loop *loop;
	pid_t zpid;

	/* exec fails in the child: it hangs up without a word. */
	CHECK(t, start(&z, &loop, "/nonexistent/seatmux-rdp-sink") == 0);
	zpid = z.pid;
	CHECK(t, wait_ready(&z) == -EPIPE && z.fd < 0);
	CHECK(t, waitpid(zpid, NULL, 0) == zpid);
	loop_destroy(loop);
}

/*
 * A zygote that said it was ready and went without answering a request
 * made no sink (a child starts only after the answer): that is no
 * -ECONNABORTED, and an exec'd sink may take the connection.
 */
static void test_gone_unanswered(struct test_state *t)
{
	char dir[] = "/tmp/zygote-XXXXXX", path[64];
	struct sink_zygote z;
	struct loop *loop;
	int fds[2], rc;
	pid_t pid = 0, zpid;
	FILE *f;

	CHECK(t, mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/zygote", dir);
	/* Four zero bytes, one write: the ready word; then it ends. */
	f = fopen(path, "w");
	CHECK(t, f && fputs("#!/bin/sh\nprintf '\\000\\000\\000\\000' >&3\nsleep 0.3\n", f) >= 0);
	CHECK(t, f && fclose(f) == 0 && chmod(path, 0700) == 0);
	CHECK(t, start(&z, &loop, path) == 0 && wait_ready(&z) == 0);
	zpid = z.pid;
	CHECK(t, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) == 0);
	rc = sink_zygote_spawn(&z, UID, GID, fds[0], fds[1], &pid);
	CHECK(t, rc == -EPIPE && z.fd < 0);
	waitpid(zpid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	unlink(path);
	rmdir(dir);
	loop_destroy(loop);
}

int main(int argc, char **argv)
{
	struct test_state t = { 0 };

	if (argc == 2 && !strcmp(argv[1], "--zygote"))
		return zygote_run(ZYGOTE_FD, fake_sink);
	if (geteuid() != 0) {
		printf("SKIP test_sink_zygote: needs root\n");
		return 77;
	}
	RUN(&t, test_spawn);
	RUN(&t, test_crash_retires);
	RUN(&t, test_uid_claimed);
	RUN(&t, test_named_uid_refused);
	RUN(&t, test_missing_zygote);
	RUN(&t, test_gone_unanswered);
	return TEST_SUMMARY(&t);
}
