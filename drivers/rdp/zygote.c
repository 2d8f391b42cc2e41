// SPDX-License-Identifier: MIT
/*
 * Children are reaped here (a signalfd for SIGCHLD): seatmuxd learns of a
 * sink's end from its pidfd, which stays valid, and signals through it,
 * so a reaped sink's pid being reused can never be hit.
 *
 * A child waits for a byte on a pipe before it touches the client: it
 * starts only once seatmuxd has its pid and pidfd. A child not told to
 * start (no pidfd, no answer sent) leaves the connection untouched.
 *
 * A sink that crashes (a fault, an abort) retires its zygote: every sink
 * forked from one image shares its address layout and stack canary, and a
 * crash is what probing them costs. The next zygote is a new exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd_pass.h"
#include "helper_uid.h"
#include "zygote.h"

#define CLIENT_FD 3
#define CONTROL_FD 4

/* A request and its two fds; -1 when the peer closed, 0 when malformed. */
static int recv_request(int fd, struct zygote_request *req, int fds[2])
{
	union fd_pass_space space;
	struct iovec iov = { req, sizeof(*req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t got;
	ssize_t n;

	fds[0] = fds[1] = -1;
	fd_pass_expect(&mh, &space);
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	got = fd_pass_take(&mh, fds, 2);
	if (n != sizeof(*req) || got != 2 || (mh.msg_flags & MSG_CTRUNC) ||
	    req->uid == 0 || req->gid == 0) {
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return n == 0 ? -1 : 0;
	}
	return 1;
}

static bool reply(int fd, pid_t pid, int pidfd)
{
	struct zygote_reply r = { .pid = pid };
	union fd_pass_space space;
	struct iovec iov = { &r, sizeof(r) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	fd_pass_attach(&mh, &space, &pidfd, pidfd >= 0 ? 1 : 0);
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) == sizeof(r))
		return true;
	fprintf(stderr, "seatmux-rdp-sink: zygote: cannot answer: %m\n");
	return false;
}

/* In the child: told to start, the fds in place, root dropped, then the
 * sink. */
static void become_sink(const struct zygote_request *req, const int fds[2], int go,
			int (*sink_main)(void))
{
	sigset_t none;
	char byte;

	if (read(go, &byte, 1) != 1)
		_exit(0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(fds[0], CLIENT_FD) < 0 || dup2(fds[1], CONTROL_FD) < 0)
		_exit(126);
	for (int fd = CONTROL_FD + 1; fd < 1024; fd++)
		close(fd);
	if (setgroups(0, NULL) < 0 || setgid(req->gid) < 0 || setuid(req->uid) < 0 ||
	    getuid() != req->uid || geteuid() != req->uid || setuid(0) == 0 ||
	    !helper_uid_claim())
		_exit(126);
	/* As after an exec: the uid's own processes may read its /proc files
	 * (libevdi looks there for the card's holder, vhead.c). Nothing of
	 * root's is in this memory: the zygote was exec'd and read nothing. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		_exit(126);
	/* exit, not _exit: as an exec'd sink's return from main would (a
	 * sanitizer build then checks the sink for leaks). */
	exit(sink_main());
}

/* Could not be told to start, after seatmuxd was told it runs: it goes. */
static void pidfd_kill_child(int pidfd)
{
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

/* One request; false once seatmuxd has closed its end. */
static bool serve(int fd, int (*sink_main)(void))
{
	struct zygote_request req;
	int fds[2], go[2], pidfd = -1, err = 0;
	pid_t pid = -1;

	switch (recv_request(fd, &req, fds)) {
	case 0:
		reply(fd, -EINVAL, -1);
		return true;
	case -1:
		return false;
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		err = errno;
	} else if ((pid = fork()) < 0) {
		err = errno;
		close(go[0]);
		close(go[1]);
	}
	if (pid == 0) {
		close(go[1]);
		become_sink(&req, fds, go[0], sink_main);
	}
	close(fds[0]);
	close(fds[1]);
	if (err) {
		reply(fd, -err, -1);
		return true;
	}
	close(go[0]);
	/* Before it is reaped (below, from this loop): the pid is still ours. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		err = errno;
	/* Unless seatmuxd has it, the child is not told to start: the pipe's
	 * closing ends it. */
	if (reply(fd, pidfd >= 0 ? pid : -err, pidfd) && pidfd >= 0 && write(go[1], "g", 1) != 1)
		pidfd_kill_child(pidfd);
	close(go[1]);
	if (pidfd >= 0)
		close(pidfd);
	return true;
}

static bool crashed(int status)
{
	if (!WIFSIGNALED(status))
		return false;
	switch (WTERMSIG(status)) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGABRT: case SIGSYS:
	case SIGTRAP:
		return true;
	}
	return false;
}

/* Reaps what ended; true if a sink crashed (this zygote then retires). */
static bool reap(int sfd)
{
	struct signalfd_siginfo si;
	bool retire = false;
	int status;
	pid_t pid;

	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (crashed(status)) {
			fprintf(stderr, "seatmux-rdp-sink: zygote: sink pid %d crashed (signal %d): "
				"retiring, the next zygote has a layout of its own\n", (int)pid,
				WTERMSIG(status));
			retire = true;
		}
	return retire;
}

int zygote_run(int fd, int (*sink_main)(void))
{
	sigset_t chld;
	int sfd;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 ||
	    (sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "seatmux-rdp-sink: zygote: %m\n");
		return 1;
	}
	/* Loaded and relocated (that is what main was waiting for): the time
	 * that takes is seatmuxd's to spend exec'ing sinks, not to wait on. */
	if (!reply(fd, 0, -1))
		return 1;
	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if ((p[1].revents & POLLIN) && reap(sfd))
			break;
		/* seatmuxd gone: the sinks go on alone. */
		if ((p[0].revents & POLLIN) ? !serve(fd, sink_main) :
		    (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
			break;
	}
	return 0;
}
