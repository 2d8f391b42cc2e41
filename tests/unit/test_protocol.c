// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "test.h"

static size_t put(uint8_t *buf, uint16_t op, const void *body, uint16_t size)
{
	struct seat_proto_header h = { .opcode = op, .size = size };

	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + sizeof(h), body, size);
	return sizeof(h) + size;
}

static size_t put_open_device(uint8_t *buf, const char *path, size_t path_len)
{
	uint8_t body[512];
	uint16_t len = (uint16_t)path_len;

	memcpy(body, &len, sizeof(len));
	memcpy(body + 2, path, path_len);
	return put(buf, SEAT_PROTO_OPEN_DEVICE, body, (uint16_t)(2 + path_len));
}

static void test_empty_requests(struct test_state *t)
{
	static const uint16_t ops[] = { SEAT_PROTO_OPEN_SEAT, SEAT_PROTO_CLOSE_SEAT,
					SEAT_PROTO_DISABLE_SEAT, SEAT_PROTO_PING };
	struct protocol_request req;
	const char *why;
	uint8_t buf[8];

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = put(buf, ops[i], NULL, 0);

		CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_OK);
		CHECK(t, req.opcode == ops[i] && req.length == 4);
		/* A body on a bodiless request is malformed. */
		n = put(buf, ops[i], "ab", 2);
		CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
		CHECK(t, why != NULL);
	}
}

static void test_open_device(struct test_state *t)
{
	struct protocol_request req;
	const char *why;
	uint8_t buf[600];
	size_t n = put_open_device(buf, "/dev/input/event3", 18);

	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_OK);
	CHECK(t, req.opcode == SEAT_PROTO_OPEN_DEVICE);
	CHECK(t, !strcmp(req.path, "/dev/input/event3"));
	CHECK(t, req.length == n);
}

static void test_open_device_malformed(struct test_state *t)
{
	struct protocol_request req;
	char longpath[300];
	const char *why;
	uint8_t buf[600];
	uint16_t len;
	size_t n;

	n = put_open_device(buf, "/dev/dri/card0", 14);	/* no NUL */
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
	n = put_open_device(buf, "/dev/a\0b", 9);		/* embedded NUL */
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
	n = put_open_device(buf, "", 0);			/* empty */
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
	memset(longpath, 'a', sizeof(longpath));
	longpath[sizeof(longpath) - 1] = '\0';
	n = put_open_device(buf, longpath, sizeof(longpath));	/* > 256 */
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
	/* path_len larger than the body it came in. */
	n = put_open_device(buf, "/dev/x", 7);
	len = 100;
	memcpy(buf + 4, &len, 2);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
	/* Short body: not even path_len. */
	n = put(buf, SEAT_PROTO_OPEN_DEVICE, "a", 1);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
}

static void test_int_requests(struct test_state *t)
{
	struct protocol_request req;
	int32_t id = 42;
	const char *why;
	uint8_t buf[16];
	size_t n;

	n = put(buf, SEAT_PROTO_CLOSE_DEVICE, &id, 4);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_OK);
	CHECK(t, req.device_id == 42);
	n = put(buf, SEAT_PROTO_SWITCH_SESSION, &id, 4);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_OK);
	CHECK(t, req.session == 42);
	n = put(buf, SEAT_PROTO_CLOSE_DEVICE, &id, 2);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
	n = put(buf, SEAT_PROTO_CLOSE_DEVICE, "12345678", 8);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_MALFORMED);
}

static void test_framing(struct test_state *t)
{
	struct protocol_request req;
	const char *why;
	uint8_t buf[600];
	size_t n = put_open_device(buf, "/dev/dri/card1", 15);

	/* Every strict prefix is incomplete, never an error. */
	for (size_t i = 0; i < n; i++)
		CHECK(t, protocol_decode(buf, i, &req, &why) == PROTOCOL_INCOMPLETE);
	/* Two pipelined requests decode one at a time. */
	n += put(buf + n, SEAT_PROTO_PING, NULL, 0);
	CHECK(t, protocol_decode(buf, n, &req, &why) == PROTOCOL_OK);
	CHECK(t, protocol_decode(buf + req.length, n - req.length, &req, &why) == PROTOCOL_OK);
	CHECK(t, req.opcode == SEAT_PROTO_PING);
}

static void test_oversized_and_unknown(struct test_state *t)
{
	struct seat_proto_header h = { .opcode = SEAT_PROTO_OPEN_DEVICE, .size = 60000 };
	struct protocol_request req;
	const char *why;
	uint8_t buf[16];

	/* Refused from the header alone: no waiting for 60000 bytes. */
	memcpy(buf, &h, sizeof(h));
	CHECK(t, protocol_decode(buf, sizeof(h), &req, &why) == PROTOCOL_MALFORMED);
	CHECK(t, protocol_decode(buf, put(buf, 99, "abcd", 4), &req, &why) == PROTOCOL_UNKNOWN);
	CHECK(t, req.length == 8 && req.opcode == 99);
}

/* Random bytes: any verdict is fine, a crash or a wild length is not. */
static void test_random_garbage(struct test_state *t)
{
	struct protocol_request req;
	const char *why;
	uint8_t buf[512];

	srand(1234);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)rand() % sizeof(buf);
		enum protocol_status st;

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand();
		st = protocol_decode(buf, n, &req, &why);
		if (st == PROTOCOL_OK || st == PROTOCOL_UNKNOWN)
			CHECK(t, req.length >= 4 && req.length <= n);
		if (st == PROTOCOL_MALFORMED)
			CHECK(t, why != NULL);
	}
}

static void test_encoders(struct test_state *t)
{
	struct seat_proto_header h;
	uint8_t buf[128];
	int32_t v;
	uint16_t len;
	size_t n;

	n = protocol_encode_seat_opened(buf, sizeof(buf), "seat1");
	memcpy(&h, buf, 4);
	memcpy(&len, buf + 4, 2);
	CHECK(t, n == 4 + 2 + 5 && h.opcode == 0x8001 && h.size == 7 && len == 5);
	CHECK(t, !memcmp(buf + 6, "seat1", 5));
	n = protocol_encode_device_opened(buf, sizeof(buf), 7);
	memcpy(&h, buf, 4);
	memcpy(&v, buf + 4, 4);
	CHECK(t, n == 8 && h.opcode == 0x8003 && h.size == 4 && v == 7);
	n = protocol_encode_error(buf, sizeof(buf), EPERM);
	memcpy(&h, buf, 4);
	memcpy(&v, buf + 4, 4);
	CHECK(t, n == 8 && h.opcode == 0xffff && v == EPERM);
	n = protocol_encode_empty(buf, sizeof(buf), SEAT_PROTO_EV_ENABLE_SEAT);
	memcpy(&h, buf, 4);
	CHECK(t, n == 4 && h.opcode == 0x8006 && h.size == 0);
	CHECK(t, protocol_encode_error(buf, 7, EPERM) == 0);
	char name[80];
	memset(name, 's', sizeof(name));
	name[79] = '\0';
	CHECK(t, protocol_encode_seat_opened(buf, sizeof(buf), name) == 0);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_empty_requests);
	RUN(&t, test_open_device);
	RUN(&t, test_open_device_malformed);
	RUN(&t, test_int_requests);
	RUN(&t, test_framing);
	RUN(&t, test_oversized_and_unknown);
	RUN(&t, test_random_garbage);
	RUN(&t, test_encoders);
	return TEST_SUMMARY(&t);
}
