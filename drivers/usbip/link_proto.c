// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_pass.h"
#include "link_proto.h"
#include "usbip_msg.h"

static int send_with(int sock, const struct link_msg *msg, int fd, int flags)
{
	union fd_pass_space space;
	struct iovec iov = { (void *)msg, sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	fd_pass_attach(&mh, &space, &fd, fd >= 0 ? 1 : 0);
	while (sendmsg(sock, &mh, MSG_NOSIGNAL | flags) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int link_proto_send(int sock, const struct link_msg *msg, int fd)
{
	return send_with(sock, msg, fd, 0);
}

int link_proto_notify(int sock, const struct link_msg *msg)
{
	return send_with(sock, msg, -1, MSG_DONTWAIT);
}

int link_proto_recv(int sock, struct link_msg *msg, int *fd, int timeout_ms)
{
	union fd_pass_space space;
	struct iovec iov = { msg, sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd p = { sock, POLLIN, 0 };
	ssize_t n;
	int rc;

	*fd = -1;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -ETIMEDOUT;
	fd_pass_expect(&mh, &space);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -ECONNRESET;
	/* Fds first, whatever the message: every return path after this
	 * one owns them (a zero-length datagram can carry some too). One
	 * at most: any others are closed, and the message is refused. */
	rc = fd_pass_take(&mh, fd, 1) > 1 ? -EPROTO : 0;
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

/* A serial as the allow-list writes one: printable, no spaces. */
static int valid_serial(const char *s, size_t size)
{
	if (!terminated(s, size))
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return 0;
	return 1;
}

/* vhci takes any devid; ours is busnum << 16 | devnum, and a device
 * address is never 0. Only USB 2 ports are used: no SuperSpeed. */
static int check_device(const struct link_msg *msg, int fd)
{
	if (fd < 0 || !usbip_msg_valid_busid(msg->busid) ||
	    msg->speed < USBIP_SPEED_LOW || msg->speed > USBIP_SPEED_HIGH ||
	    (msg->devid & 0xffff) == 0 || msg->ninterfaces > USBIP_MAX_INTERFACES ||
	    !valid_serial(msg->serial, sizeof(msg->serial)))
		return -EPROTO;
	return 0;
}

int link_proto_check(const struct link_msg *msg, int fd)
{
	if (!terminated(msg->busid, sizeof(msg->busid)) ||
	    !terminated(msg->text, sizeof(msg->text)))
		return -EPROTO;
	switch (msg->type) {
	case LINK_DEVICE:
		return check_device(msg, fd);
	case LINK_REFUSED:
		return fd < 0 ? 0 : -EPROTO;
	case LINK_READY:
		return fd < 0 && msg->status > 0 && msg->status <= USBIP_MAX_DEVICES &&
		       msg->tells <= 1 ? 0 : -EPROTO;
	case LINK_CHANGED:
		return fd < 0 ? 0 : -EPROTO;
	default:
		return -EPROTO;
	}
}

void link_proto_device(const struct link_msg *msg, struct usbip_device_info *dev)
{
	int n = msg->ninterfaces < USBIP_MAX_INTERFACES ? msg->ninterfaces : USBIP_MAX_INTERFACES;

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->busid, sizeof(dev->busid), "%.*s", (int)sizeof(dev->busid) - 1, msg->busid);
	dev->busnum = msg->devid >> 16;
	dev->devnum = msg->devid & 0xffff;
	dev->speed = msg->speed;
	dev->vendor = msg->vendor;
	dev->product = msg->product;
	dev->num_interfaces = (uint8_t)n;
	dev->ninterfaces = n;
	memcpy(dev->interfaces, msg->interfaces, sizeof(dev->interfaces[0]) * (size_t)n);
}

int link_proto_allowed(const struct usbip_allow *allow, const struct link_msg *msg, char *why,
		       size_t size)
{
	struct usbip_device_info dev;

	link_proto_device(msg, &dev);
	if (!usbip_allow_decide(allow, &dev, why, size))
		return -EPERM;
	if (!usbip_allow_serial(allow, usbip_allow_kind(&dev), dev.vendor, dev.product,
				msg->serial)) {
		snprintf(why, size, "%s %04x:%04x: serial '%s' is not one allowed", dev.busid,
			 dev.vendor, dev.product, msg->serial);
		return -EPERM;
	}
	return 0;
}

int link_proto_attach_line(char *buf, size_t size, int port, int fd,
			   const struct link_msg *msg)
{
	int n;

	if (port < 0 || port >= LINK_VHCI_HS_PORTS || fd < 0 || check_device(msg, fd) < 0)
		return -EINVAL;
	n = snprintf(buf, size, "%d %d %u %u", port, fd, msg->devid, msg->speed);
	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}
