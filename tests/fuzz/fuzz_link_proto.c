// SPDX-License-Identifier: MIT
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link_msg msg;
	int before, pair[2], fd, rc;

	if (size < 1 || size - 1 > 2 * sizeof(msg))
		return 0;
	before = fuzz_count_fds();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
	fuzz_send_with_fds(pair[0], spare, data + 1, size - 1, data[0] & 7);
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
