/*
 * The link channel: what a station's link process (its own uid, parsing
 * the network) sends seatmuxd. The input's first byte is how many fds
 * ride with the datagram (0-7), the rest is the datagram, zero bytes
 * included; it goes through a socketpair to link_proto_recv and, when
 * received, link_proto_check, as broker/stations/usbip/usbip.c reads it. Afterwards no
 * fd may be left open but the one a valid message keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "link_proto.h"

static int spare = -1;	/* what rides along: the kernel passes new fds */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(spare >= 0);
	return 0;
}

static void send_with_fds(int sock, const uint8_t *data, size_t size, int nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)data, size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		for (int i = 0; i < nfds; i++)
			memcpy(CMSG_DATA(&ctl.h) + (size_t)i * sizeof(int), &spare, sizeof(int));
	}
	FUZZ_CHECK(sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link_msg msg;
	int before, pair[2], fd, rc;

	if (size < 1 || size - 1 > 2 * sizeof(msg))
		return 0;
	before = fuzz_count_fds();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
	send_with_fds(pair[0], data + 1, size - 1, data[0] & 7);
	rc = link_proto_recv(pair[1], &msg, &fd, 0);
	FUZZ_CHECK(rc == 0 || rc == -EPROTO || rc == -ECONNRESET);
	FUZZ_CHECK(rc == 0 || fd < 0);
	if (rc == 0 && link_proto_check(&msg, fd) == 0) {
		FUZZ_CHECK(memchr(msg.busid, 0, sizeof(msg.busid)));
		FUZZ_CHECK(memchr(msg.text, 0, sizeof(msg.text)));
		FUZZ_CHECK((msg.type == LINK_DEVICE) == (fd >= 0));
		/* What seatmuxd decides next, on the message as it came. */
		if (msg.type == LINK_DEVICE) {
			static const struct usbip_allow any;
			char why[256];

			if (link_proto_allowed(&any, &msg, why, sizeof(why)) < 0)
				FUZZ_CHECK(memchr(why, 0, sizeof(why)));
		}
	}
	if (fd >= 0)
		close(fd);
	close(pair[0]);
	close(pair[1]);
	FUZZ_CHECK(fuzz_count_fds() == before);
	return 0;
}
