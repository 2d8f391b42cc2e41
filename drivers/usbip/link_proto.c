#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link_proto.h"
#include "usbip_msg.h"

int link_proto_send(int sock, const struct link_msg *msg, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)msg, sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Keeps one fd at most; closes the rest. -EPROTO if there were more. */
static int take_fds(struct msghdr *mh, int *fd)
{
	int extra = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		if (c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0) {
				*fd = got;
			} else {
				close(got);
				extra = 1;
			}
		}
	}
	return extra ? -EPROTO : 0;
}

int link_proto_recv(int sock, struct link_msg *msg, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { msg, sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct pollfd p = { sock, POLLIN, 0 };
	ssize_t n;
	int rc;

	*fd = -1;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -ETIMEDOUT;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -ECONNRESET;
	/* Fds first, whatever the message: every return path after this
	 * one owns them (a zero-length datagram can carry some too). */
	rc = take_fds(&mh, fd);
	if (n == 0 && rc == 0 && *fd < 0 && !(mh.msg_flags & MSG_CTRUNC))
		return -ECONNRESET;	/* the peer's end, nothing with it */
	if (rc == 0 && (n != sizeof(*msg) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))))
		rc = -EPROTO;
	if (rc < 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int link_proto_check(const struct link_msg *msg, int fd)
{
	if (!terminated(msg->busid, sizeof(msg->busid)) ||
	    !terminated(msg->text, sizeof(msg->text)))
		return -EPROTO;
	switch (msg->type) {
	case LINK_DEVICE:
		if (fd < 0 || !usbip_msg_valid_busid(msg->busid) ||
		    msg->speed < USBIP_SPEED_LOW || msg->speed > USBIP_SPEED_HIGH ||
		    (msg->devid & 0xffff) == 0 || msg->kind > USBIP_KIND_STORAGE)
			return -EPROTO;
		return 0;
	case LINK_REFUSED:
	case LINK_READY:
		return fd < 0 ? 0 : -EPROTO;
	default:
		return -EPROTO;
	}
}
