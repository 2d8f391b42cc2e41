// SPDX-License-Identifier: MIT
/*
 * The zygote answers a request at once (it only forks), so seatmuxd waits
 * for the answer, as it waited for its own fork before; a zygote that
 * does not answer within a second is killed and given up. Its start is
 * not waited for: loading FreeRDP's libraries takes over a second under
 * TCG or on a cold page cache, so until seatmuxd's loop has read that it
 * is ready, sinks are exec'd.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_pass.h"
#include "sink_zygote.h"
#include "zygote.h"

#define ANSWER_MS 1000

static int zygote_exec(void *arg)
{
	execl((const char *)arg, "seatmux-rdp-sink", "--zygote", (char *)NULL);
	return 127;
}

int sink_zygote_start(struct sink_zygote *z, struct loop *loop, const char *path,
		      child_ended_fn ended, void *data, struct child **child)
{
	int pair[2], fds[ZYGOTE_FD + 1];
	struct spawn sp = {
		.fds = fds, .nfds = ZYGOTE_FD + 1, .run = zygote_exec, .arg = (void *)path,
	};

	z->fd = -1;
	z->pid = -1;
	z->ready = false;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	/* Its stdio is ours; its end of the pair is ZYGOTE_FD; nothing else. */
	for (int i = 0; i < ZYGOTE_FD; i++)
		fds[i] = i;
	fds[ZYGOTE_FD] = pair[1];
	*child = spawn_child(loop, &sp, ended, data);
	close(pair[1]);
	if (!*child) {
		int err = errno;

		close(pair[0]);
		return -err;
	}
	z->pid = child_pid(*child);
	z->fd = pair[0];
	return 0;
}

void sink_zygote_stop(struct sink_zygote *z)
{
	if (z->fd >= 0)
		close(z->fd);	/* it ends on its own then */
	z->fd = -1;
}

bool sink_zygote_reaped(struct sink_zygote *z, pid_t pid)
{
	if (pid <= 0 || pid != z->pid)
		return false;
	sink_zygote_stop(z);
	z->pid = -1;
	return true;
}

static void give_up(struct sink_zygote *z)
{
	if (z->pid > 0)
		kill(z->pid, SIGKILL);	/* still our child: reaped by seatmuxd */
	sink_zygote_stop(z);
}

static int send_request(int fd, uid_t uid, gid_t gid, int client, int control)
{
	struct zygote_request req = { .uid = (uint32_t)uid, .gid = (uint32_t)gid };
	int fds[2] = { client, control };
	union fd_pass_space space;
	struct iovec iov = { &req, sizeof(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	fd_pass_attach(&mh, &space, fds, 2);
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == sizeof(req) ? 0 : -EPIPE;
}

int sink_zygote_take_ready(struct sink_zygote *z)
{
	struct zygote_reply r;
	ssize_t n;

	if (z->fd < 0)
		return -ENOENT;
	if (z->ready)
		return 0;
	n = recv(z->fd, &r, sizeof(r), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	if (n != sizeof(r) || r.pid != 0) {
		give_up(z);
		return n == 0 ? -EPIPE : -EPROTO;
	}
	z->ready = true;
	return 0;
}

/* The answer: a pid and its pidfd, or -errno. -EPIPE: the zygote went
 * without answering, so no child of it was told to start. */
static int recv_reply(int fd, pid_t *pid)
{
	struct zygote_reply r;
	union fd_pass_space space;
	struct iovec iov = { &r, sizeof(r) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd p = { fd, POLLIN, 0 };
	int pidfd = -1;
	ssize_t n;

	if (poll(&p, 1, ANSWER_MS) <= 0)
		return -ETIMEDOUT;
	fd_pass_expect(&mh, &space);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	/* Its end, with our request read (0) or not (ECONNRESET). */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return -EPIPE;
	if (n > 0 && fd_pass_take(&mh, &pidfd, 1) > 1) {
		close(pidfd);
		return -EPROTO;
	}
	if (n != sizeof(r) || (r.pid > 0) != (pidfd >= 0)) {
		if (pidfd >= 0)
			close(pidfd);
		return -EPROTO;
	}
	if (r.pid <= 0)
		return r.pid < 0 ? r.pid : -EPROTO;
	*pid = r.pid;
	return pidfd;
}

int sink_zygote_spawn(struct sink_zygote *z, uid_t uid, gid_t gid, int client, int control,
		      pid_t *pid)
{
	int rc;

	if (z->fd < 0)
		return -ENOENT;
	if (!z->ready)
		return -EAGAIN;
	rc = send_request(z->fd, uid, gid, client, control);
	if (rc < 0) {
		give_up(z);
		return rc;	/* not sent: no sink was made */
	}
	rc = recv_reply(z->fd, pid);
	/* No answer, or one out of step: a zygote not to be trusted again,
	 * and a sink that may run (its control channel closed, it ends). */
	if (rc == -ETIMEDOUT || rc == -EPROTO) {
		give_up(z);
		return -ECONNABORTED;
	}
	if (rc == -EPIPE)
		give_up(z);	/* gone before answering: no sink was made */
	return rc;	/* a pidfd, or the zygote's own refusal: no sink made */
}

int pidfd_kill(int pidfd)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}
