/* SPDX-License-Identifier: MIT */
/*
 * Decoding of client requests and encoding of server messages of the seatd
 * wire protocol. Pure functions on byte buffers, so that every malformed
 * input can be unit-tested without a socket.
 */
#ifndef SEATMUX_PROTOCOL_H
#define SEATMUX_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "seat_proto.h"

enum protocol_status {
	PROTOCOL_OK,		/* one whole request decoded */
	PROTOCOL_INCOMPLETE,	/* need more bytes */
	PROTOCOL_UNKNOWN,	/* well-framed request with an unknown opcode */
	PROTOCOL_MALFORMED,	/* framing cannot be trusted: drop the client */
};

struct protocol_request {
	uint16_t opcode;
	size_t length;		/* bytes the request occupies, header included */
	union {
		char path[SEAT_PROTO_MAX_PATH];
		int32_t device_id;
		int32_t session;
	};
};

enum protocol_status protocol_decode(const uint8_t *buf, size_t len,
				     struct protocol_request *req,
				     const char **why);

/* Each encoder returns the message length, or 0 if cap is too small. */
size_t protocol_encode_empty(uint8_t *out, size_t cap, uint16_t opcode);
size_t protocol_encode_error(uint8_t *out, size_t cap, int error_code);
size_t protocol_encode_seat_opened(uint8_t *out, size_t cap, const char *name);
size_t protocol_encode_device_opened(uint8_t *out, size_t cap,
				     int32_t device_id);

const char *protocol_opcode_name(uint16_t opcode);

#endif
