/* SPDX-License-Identifier: MIT */
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

#include <stddef.h>

#include "allow.h"
#include "usbip_msg.h"
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
	/* link -> seatmuxd: everything allowed is attached; tells says
	 * whether the link relays the station's display and so sees its
	 * head change (head_look.h): then, */
	LINK_READY,
	/* seatmuxd -> link: a picture of the head is about to be read;
	 * link -> seatmuxd: the head changed, once a look at most. */
	LINK_LOOK,
	LINK_CHANGED,
};

enum link_tls_file { LINK_TLS_CERT, LINK_TLS_KEY, LINK_TLS_PEER, LINK_TLS_FILES };

#define LINK_TEXT_MAX 160
#define LINK_ADDRESS_MAX 256
/* vhci's USB 2 ports on one controller: the kernel's VHCI_HC_PORTS is
 * 15 at most, numbered 0 to 14 in its status file. */
#define LINK_VHCI_HS_PORTS 15

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
	/* LINK_READY */
	uint8_t tells;
	/* LINK_DEVICE, LINK_REFUSED */
	char busid[USBIP_BUSID_SIZE];
	uint32_t devid, speed;
	uint16_t vendor, product;
	/* LINK_DEVICE: what the station's device list said of its
	 * interfaces, and the serial the link read ("" if it read none):
	 * seatmuxd decides on these itself, by its own allow-list. */
	uint8_t ninterfaces;
	struct usbip_usb_interface interfaces[USBIP_MAX_INTERFACES];
	char serial[USBIP_SERIAL_MAX];
	char text[LINK_TEXT_MAX];
};

/* 0 or -errno. fd < 0: none. */
int link_proto_send(int sock, const struct link_msg *msg, int fd);
/* Without an fd, and without waiting: -EAGAIN if the peer does not read. */
int link_proto_notify(int sock, const struct link_msg *msg);
/* Waits up to timeout_ms (-1: forever). 0, -ETIMEDOUT, -ECONNRESET (the
 * peer is gone), or -EPROTO for a message of the wrong size (zero bytes
 * with fds included) or with more than one fd. *fd is -1 or a received
 * fd; on an error every fd that came is closed. */
int link_proto_recv(int sock, struct link_msg *msg, int *fd, int timeout_ms);
/* A message from a link, as seatmuxd accepts it: known type, strings
 * terminated, numbers in range, an fd where one belongs. */
int link_proto_check(const struct link_msg *msg, int fd);
/* The device a checked LINK_DEVICE describes, as allow.c sees one. */
void link_proto_device(const struct link_msg *msg, struct usbip_device_info *dev);
/* Whether seatmuxd attaches the device of a checked LINK_DEVICE, by the
 * station's allow-list from seatmuxd's own configuration (the same rules
 * the link applied): 0, or -EPERM with why saying which rule refused. */
int link_proto_allowed(const struct usbip_allow *allow, const struct link_msg *msg, char *why,
		       size_t size);
/* vhci's attach line "PORT FD DEVID SPEED" for a checked LINK_DEVICE:
 * 0, or -EINVAL if a field is out of range or the line does not fit. */
int link_proto_attach_line(char *buf, size_t size, int port, int fd,
			   const struct link_msg *msg);

#endif
