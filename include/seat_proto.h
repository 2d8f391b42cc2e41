/* SPDX-License-Identifier: MIT */
/*
 * The seatd wire protocol, as spoken by libseat's seatd backend (libseat 0.7,
 * Debian 12). Every message is a header followed by `size` bytes of body, in
 * host byte order over a Unix stream socket; file descriptors ride along as
 * SCM_RIGHTS. Layouts must match libseat byte for byte: they are written here
 * from the protocol description, not shared with seatd.
 */
#ifndef SEAT_PROTO_H
#define SEAT_PROTO_H

#include <stdint.h>

#define SEAT_PROTO_MAX_PATH	256	/* libseat refuses longer paths */
#define SEAT_PROTO_MAX_SEAT	64
#define SEAT_PROTO_MAX_DEVICES	128
#define SEAT_PROTO_SERVER(op)	((uint16_t)((op) + 0x8000))

enum seat_proto_client_op {
	SEAT_PROTO_OPEN_SEAT = 1,
	SEAT_PROTO_CLOSE_SEAT = 2,
	SEAT_PROTO_OPEN_DEVICE = 3,
	SEAT_PROTO_CLOSE_DEVICE = 4,
	SEAT_PROTO_DISABLE_SEAT = 5,
	SEAT_PROTO_SWITCH_SESSION = 6,
	SEAT_PROTO_PING = 7,
};

enum seat_proto_server_op {
	SEAT_PROTO_SEAT_OPENED = SEAT_PROTO_SERVER(1),
	SEAT_PROTO_SEAT_CLOSED = SEAT_PROTO_SERVER(2),
	SEAT_PROTO_DEVICE_OPENED = SEAT_PROTO_SERVER(3),
	SEAT_PROTO_DEVICE_CLOSED = SEAT_PROTO_SERVER(4),
	SEAT_PROTO_EV_DISABLE_SEAT = SEAT_PROTO_SERVER(5),
	SEAT_PROTO_EV_ENABLE_SEAT = SEAT_PROTO_SERVER(6),
	SEAT_PROTO_PONG = SEAT_PROTO_SERVER(7),
	SEAT_PROTO_ERROR = SEAT_PROTO_SERVER(0x7fff),
};

struct seat_proto_header {
	uint16_t opcode;
	uint16_t size;
};

/* OPEN_DEVICE body: path_len, then path_len bytes ending in NUL. */
struct seat_proto_open_device {
	uint16_t path_len;
};

struct seat_proto_close_device {
	int32_t device_id;
};

struct seat_proto_switch_session {
	int32_t session;
};

/* SEAT_OPENED body: name_len, then name_len bytes of name (no NUL). */
struct seat_proto_seat_opened {
	uint16_t name_len;
};

/* DEVICE_OPENED body; exactly one fd accompanies it. */
struct seat_proto_device_opened {
	int32_t device_id;
};

struct seat_proto_error {
	int32_t error_code;
};

/* The largest body a client may send: OPEN_DEVICE with a maximal path. */
#define SEAT_PROTO_MAX_BODY \
	(sizeof(struct seat_proto_open_device) + SEAT_PROTO_MAX_PATH)

#endif
