/*
 * seatmuxd and a station's link process (seatmux-usbip-link) over a
 * SOCK_SEQPACKET pair: fixed-size messages in host order, at most one
 * file descriptor each. The link parses the network, so seatmuxd checks
 * every message it gets from one (link_proto_recv and link_proto_check)
 * as it would a stranger's.
 */
#ifndef SEATMUX_LINK_PROTO_H
#define SEATMUX_LINK_PROTO_H

#include <stdint.h>

#include "allow.h"
#include "usbip_proto.h"

enum link_msg_type {
	/* seatmuxd -> link, first: the station, and (TLS) three fds:
	 * our certificate, our key, the station's certificate, each sent
	 * as its own message with hello.tls_file set to which. */
	LINK_HELLO = 1,
	LINK_TLS_FILE,
	/* link -> seatmuxd: a device imported, with the socket for vhci. */
	LINK_DEVICE,
	/* seatmuxd -> link: the vhci port it is on (status), or -errno. */
	LINK_ATTACHED,
	/* link -> seatmuxd: a device offered and not imported, and why. */
	LINK_REFUSED,
	/* link -> seatmuxd: everything allowed is attached. */
	LINK_READY,
};

enum link_tls_file { LINK_TLS_CERT, LINK_TLS_KEY, LINK_TLS_PEER, LINK_TLS_FILES };

#define LINK_TEXT_MAX 160
#define LINK_ADDRESS_MAX 256

struct link_msg {
	uint32_t type;
	int32_t status;
	/* LINK_HELLO */
	char name[32];
	char address[LINK_ADDRESS_MAX];
	uint16_t port;
	uint8_t plain;
	uint8_t tls_file;
	int32_t timeout_ms;
	struct usbip_allow allow;
	/* LINK_DEVICE, LINK_REFUSED */
	char busid[USBIP_BUSID_SIZE];
	uint32_t devid, speed;
	uint16_t vendor, product;
	uint8_t kind;			/* enum usbip_kind */
	char text[LINK_TEXT_MAX];
};

/* 0 or -errno. fd < 0: none. */
int link_proto_send(int sock, const struct link_msg *msg, int fd);
/* Waits up to timeout_ms (-1: forever). 0, -ETIMEDOUT, -ECONNRESET (the
 * peer is gone), or -EPROTO for a message of the wrong size (zero bytes
 * with fds included) or with more than one fd. *fd is -1 or a received
 * fd; on an error every fd that came is closed. */
int link_proto_recv(int sock, struct link_msg *msg, int *fd, int timeout_ms);
/* A message from a link, as seatmuxd accepts it: known type, strings
 * terminated, numbers in range, an fd where one belongs. */
int link_proto_check(const struct link_msg *msg, int fd);

#endif
