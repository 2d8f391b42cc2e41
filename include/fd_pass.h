/* SPDX-License-Identifier: MIT */
/*
 * File descriptors over a Unix socket (SCM_RIGHTS), the one way every
 * program here passes them: fd_pass_attach puts fds on a message about to
 * be sent, fd_pass_take takes those that came with one received.
 *
 * The sender decides how many fds arrive, and it is often the less
 * privileged side (a session, a pupil's bridge, a sink). So a receiver
 * keeps no more than its message carries and closes the rest here: an fd
 * left open is one a peer made us hold.
 */
#ifndef SEATMUX_FD_PASS_H
#define SEATMUX_FD_PASS_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FD_PASS_MAX 16	/* the most fds one message carries here */

/* Room for the control message of FD_PASS_MAX fds, aligned for it. */
union fd_pass_space {
	struct cmsghdr align;
	char buf[CMSG_SPACE(FD_PASS_MAX * sizeof(int))];
};

/* Makes mh carry fds[0..nfds) (no control message if nfds is 0); space
 * must live until the message is sent. 0, or -EINVAL for too many. */
static inline int fd_pass_attach(struct msghdr *mh, union fd_pass_space *space,
				 const int *fds, size_t nfds)
{
	struct cmsghdr *c;

	mh->msg_control = NULL;
	mh->msg_controllen = 0;
	if (nfds > FD_PASS_MAX)
		return -EINVAL;
	if (nfds == 0)
		return 0;
	memset(space, 0, sizeof(*space));
	mh->msg_control = space->buf;
	mh->msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	return 0;
}

/* Makes mh, about to be received with recvmsg, take up to FD_PASS_MAX
 * fds (more are dropped by the kernel, with MSG_CTRUNC). */
static inline void fd_pass_expect(struct msghdr *mh, union fd_pass_space *space)
{
	mh->msg_control = space->buf;
	mh->msg_controllen = sizeof(space->buf);
}

/* After a recvmsg that returned >= 0: the fds that came with mh, the
 * first max of them into fds[0..max) in order, the others closed. How
 * many came (compare with max: more is a peer's mistake or worse). */
static inline size_t fd_pass_take(struct msghdr *mh, int *fds, size_t max)
{
	size_t got = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, got++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (got < max)
				fds[got] = fd;
			else
				close(fd);
		}
	}
	return got;
}

#endif
