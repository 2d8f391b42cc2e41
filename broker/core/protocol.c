// SPDX-License-Identifier: MIT
#include <string.h>

#include "protocol.h"

static enum protocol_status protocol_fail(const char **why, const char *text)
{
	*why = text;
	return PROTOCOL_MALFORMED;
}

static enum protocol_status decode_open_device(const uint8_t *body,
					       size_t size,
					       struct protocol_request *req,
					       const char **why)
{
	struct seat_proto_open_device msg;

	if (size < sizeof(msg))
		return protocol_fail(why, "open_device: short body");
	memcpy(&msg, body, sizeof(msg));
	if (msg.path_len == 0 || msg.path_len > SEAT_PROTO_MAX_PATH)
		return protocol_fail(why, "open_device: bad path length");
	if (sizeof(msg) + msg.path_len != size)
		return protocol_fail(why, "open_device: path length disagrees with size");
	memcpy(req->path, body + sizeof(msg), msg.path_len);
	if (req->path[msg.path_len - 1] != '\0' ||
	    strlen(req->path) != (size_t)msg.path_len - 1)
		return protocol_fail(why, "open_device: path not a NUL-terminated string");
	return PROTOCOL_OK;
}

static enum protocol_status decode_int(const uint8_t *body, size_t size,
				       int32_t *value, const char **why)
{
	if (size != sizeof(*value))
		return protocol_fail(why, "integer argument of wrong size");
	memcpy(value, body, sizeof(*value));
	return PROTOCOL_OK;
}

enum protocol_status protocol_decode(const uint8_t *buf, size_t len,
				     struct protocol_request *req,
				     const char **why)
{
	struct seat_proto_header hdr;
	const uint8_t *body = buf + sizeof(hdr);

	*why = NULL;
	if (len < sizeof(hdr))
		return PROTOCOL_INCOMPLETE;
	memcpy(&hdr, buf, sizeof(hdr));
	/* Refuse before waiting for the body: an absurd size is garbage. */
	if (hdr.size > SEAT_PROTO_MAX_BODY)
		return protocol_fail(why, "oversized message");
	if (len < sizeof(hdr) + hdr.size)
		return PROTOCOL_INCOMPLETE;

	req->opcode = hdr.opcode;
	req->length = sizeof(hdr) + hdr.size;
	switch (hdr.opcode) {
	case SEAT_PROTO_OPEN_SEAT:
	case SEAT_PROTO_CLOSE_SEAT:
	case SEAT_PROTO_DISABLE_SEAT:
	case SEAT_PROTO_PING:
		if (hdr.size != 0)
			return protocol_fail(why, "unexpected body");
		return PROTOCOL_OK;
	case SEAT_PROTO_OPEN_DEVICE:
		return decode_open_device(body, hdr.size, req, why);
	case SEAT_PROTO_CLOSE_DEVICE:
		return decode_int(body, hdr.size, &req->device_id, why);
	case SEAT_PROTO_SWITCH_SESSION:
		return decode_int(body, hdr.size, &req->session, why);
	default:
		*why = "unknown opcode";
		return PROTOCOL_UNKNOWN;
	}
}

static size_t encode(uint8_t *out, size_t cap, uint16_t opcode,
		     const void *body, size_t body_len,
		     const void *tail, size_t tail_len)
{
	struct seat_proto_header hdr = {
		.opcode = opcode,
		.size = (uint16_t)(body_len + tail_len),
	};
	size_t total = sizeof(hdr) + body_len + tail_len;

	if (total > cap || body_len + tail_len > UINT16_MAX)
		return 0;
	memcpy(out, &hdr, sizeof(hdr));
	if (body_len)
		memcpy(out + sizeof(hdr), body, body_len);
	if (tail_len)
		memcpy(out + sizeof(hdr) + body_len, tail, tail_len);
	return total;
}

size_t protocol_encode_empty(uint8_t *out, size_t cap, uint16_t opcode)
{
	return encode(out, cap, opcode, NULL, 0, NULL, 0);
}

size_t protocol_encode_error(uint8_t *out, size_t cap, int error_code)
{
	struct seat_proto_error msg = { .error_code = error_code };

	return encode(out, cap, SEAT_PROTO_ERROR, &msg, sizeof(msg), NULL, 0);
}

size_t protocol_encode_seat_opened(uint8_t *out, size_t cap, const char *name)
{
	size_t name_len = strlen(name);
	struct seat_proto_seat_opened msg = { .name_len = (uint16_t)name_len };

	/* libseat copies name_len bytes into a 64-byte, zeroed buffer. */
	if (name_len >= SEAT_PROTO_MAX_SEAT)
		return 0;
	return encode(out, cap, SEAT_PROTO_SEAT_OPENED, &msg, sizeof(msg),
		      name, name_len);
}

size_t protocol_encode_device_opened(uint8_t *out, size_t cap,
				     int32_t device_id)
{
	struct seat_proto_device_opened msg = { .device_id = device_id };

	return encode(out, cap, SEAT_PROTO_DEVICE_OPENED, &msg, sizeof(msg),
		      NULL, 0);
}

const char *protocol_opcode_name(uint16_t opcode)
{
	switch (opcode) {
	case SEAT_PROTO_OPEN_SEAT:
		return "open_seat";
	case SEAT_PROTO_CLOSE_SEAT:
		return "close_seat";
	case SEAT_PROTO_OPEN_DEVICE:
		return "open_device";
	case SEAT_PROTO_CLOSE_DEVICE:
		return "close_device";
	case SEAT_PROTO_DISABLE_SEAT:
		return "disable_seat";
	case SEAT_PROTO_SWITCH_SESSION:
		return "switch_session";
	case SEAT_PROTO_PING:
		return "ping";
	default:
		return "unknown";
	}
}
