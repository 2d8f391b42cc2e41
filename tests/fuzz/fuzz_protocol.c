// SPDX-License-Identifier: MIT
/* The seatd protocol as seatmuxd decodes it from a session's stream:
 * request after request from one buffer, as broker/seats/client.c does. */
#include <string.h>

#include "fuzz.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct protocol_request req;
	const char *why;

	while (size > 0) {
		enum protocol_status st = protocol_decode(data, size, &req, &why);

		if (st == PROTOCOL_INCOMPLETE || st == PROTOCOL_MALFORMED) {
			FUZZ_CHECK((st == PROTOCOL_MALFORMED) == (why != NULL));
			break;
		}
		FUZZ_CHECK(req.length >= sizeof(struct seat_proto_header) && req.length <= size);
		FUZZ_CHECK(req.length <= sizeof(struct seat_proto_header) + SEAT_PROTO_MAX_BODY);
		if (st == PROTOCOL_OK && req.opcode == SEAT_PROTO_OPEN_DEVICE)
			FUZZ_CHECK(strnlen(req.path, sizeof(req.path)) < sizeof(req.path));
		(void)protocol_opcode_name(req.opcode);
		data += req.length;
		size -= req.length;
	}
	return 0;
}
