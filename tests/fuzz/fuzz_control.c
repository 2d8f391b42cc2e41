/*
 * The sink control channel: what an RDP sink (its own uid, parsing the
 * network) sends seatmuxd. The input's first byte is how many fds ride
 * with it (0-7), the rest is the datagram, zero bytes included. It is
 * decoded directly, where whatever decodes must encode back to the same
 * bytes, and then through a socketpair by control_recv, after which no
 * fd may be left open.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "fuzz.h"

static int spare = -1;	/* what rides along: the kernel passes new fds */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(spare >= 0);
	return 0;
}

/* Decoding then encoding gives the bytes back: the layout has one form. */
static void decode(const uint8_t *data, size_t size)
{
	static uint8_t buf[CONTROL_MAX_MSG], again[CONTROL_MAX_MSG];
	struct control_msg msg;
	int n;

	if (size > sizeof(buf))
		return;
	memcpy(buf, data, size);
	if (control_decode(buf, size, &msg) < 0)
		return;
	n = control_encode(&msg, again, sizeof(again));
	FUZZ_CHECK(n >= 0 && (size_t)n == size && !memcmp(again, data, size));
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
	static uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg msg;
	int before, pair[2], fds[2], rc;

	if (size < 1 || size - 1 > CONTROL_MAX_MSG)
		return 0;
	decode(data + 1, size - 1);
	before = fuzz_count_fds();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
	send_with_fds(pair[0], data + 1, size - 1, data[0] & 7);
	rc = control_recv(pair[1], buf, &msg, fds, 0);
	FUZZ_CHECK(rc == 0 || (fds[0] < 0 && fds[1] < 0));
	if (rc == 0 && msg.type == CONTROL_TLS)
		FUZZ_CHECK(msg.cert && msg.key);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(pair[0]);
	close(pair[1]);
	FUZZ_CHECK(fuzz_count_fds() == before);
	return 0;
}
