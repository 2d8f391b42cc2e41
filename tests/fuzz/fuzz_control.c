// SPDX-License-Identifier: MIT
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
	fuzz_send_with_fds(pair[0], spare, data + 1, size - 1, data[0] & 7);
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
