// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "rlx16.h"
#include "test.h"

/* AF 6B, a byte address, a pixel count (0 for 256). */
static size_t rlx_header(uint8_t *p, uint32_t addr, uint8_t count)
{
	const uint8_t h[6] = { 0xaf, 0x6b, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			       (uint8_t)addr, count };

	memcpy(p, h, sizeof(h));
	return sizeof(h);
}

static size_t put16(uint8_t *p, uint16_t px)
{
	p[0] = (uint8_t)(px >> 8);
	p[1] = (uint8_t)px;
	return 2;
}

static void test_registers(struct test_state *t)
{
	static const uint8_t mode[] = {
		0xaf, 0x20, 0xff, 0x00,				/* lock */
		0xaf, 0x20, 0x0f, 0x03, 0xaf, 0x20, 0x10, 0x20,	/* 800 wide */
		0xaf, 0x20, 0x17, 0x02, 0xaf, 0x20, 0x18, 0x58,	/* 600 high */
		0xaf, 0x20, 0x20, 0x00, 0xaf, 0x20, 0x21, 0x10, 0xaf, 0x20, 0x22, 0x00,
		0xaf, 0x20, 0xff, 0xff,				/* unlock */
		0xaf, 0xa0,					/* sync */
	};
	struct rlx16 d;
	int w, h;

	CHECK(t, rlx16_init(&d, 1024, 768) == 0);
	rlx16_size(&d, &w, &h);
	CHECK(t, w == 1024 && h == 768 && rlx16_base(&d) == 0);
	CHECK(t, rlx16_feed(&d, mode, sizeof(mode)) == sizeof(mode));
	rlx16_size(&d, &w, &h);
	CHECK(t, w == 800 && h == 600);
	CHECK(t, rlx16_base(&d) == 0x1000);
	CHECK(t, d.regs[0xff] == 0xff && d.skipped == 0);
	/* The frame starts at the base: byte 0x1000 is its first pixel. */
	d.mem[0x1000 / 2] = 0xabcd;
	CHECK(t, rlx16_pixel(&d, 0, 0) == 0xabcd);
	CHECK(t, rlx16_pixel(&d, 800, 0) == 0 && rlx16_pixel(&d, -1, 0) == 0);
	rlx16_fini(&d);
}

static void test_spans(struct test_state *t)
{
	uint8_t buf[64];
	struct rlx16 d;
	size_t n;

	CHECK(t, rlx16_init(&d, 1024, 768) == 0);
	/* Raw 0x1234 0xf800, then 3 more of 0xf800: ends on a repeat. */
	n = rlx_header(buf, 2 * 10, 5);
	buf[n++] = 2;
	n += put16(buf + n, 0x1234);
	n += put16(buf + n, 0xf800);
	buf[n++] = 3;
	/* A, one more A, then raw B: ends on a raw span. */
	n += rlx_header(buf + n, 2 * 1030, 3);
	buf[n++] = 1;
	n += put16(buf + n, 0x00aa);
	buf[n++] = 1;
	buf[n++] = 1;
	n += put16(buf + n, 0x00bb);
	buf[n++] = 0xaf;				/* padding */
	CHECK(t, rlx16_feed(&d, buf, n) == n);
	CHECK(t, rlx16_pixel(&d, 9, 0) == 0);
	CHECK(t, rlx16_pixel(&d, 10, 0) == 0x1234);
	for (int x = 11; x <= 14; x++)
		CHECK(t, rlx16_pixel(&d, x, 0) == 0xf800);
	CHECK(t, rlx16_pixel(&d, 15, 0) == 0);
	CHECK(t, rlx16_pixel(&d, 6, 1) == 0x00aa && rlx16_pixel(&d, 7, 1) == 0x00aa);
	CHECK(t, rlx16_pixel(&d, 8, 1) == 0x00bb && rlx16_pixel(&d, 9, 1) == 0);
	CHECK(t, d.frames == 1 && d.bytes == n && d.skipped == 0);
	rlx16_fini(&d);
}

static void test_count_256(struct test_state *t)
{
	uint8_t buf[600];
	struct rlx16 d;
	size_t n;

	CHECK(t, rlx16_init(&d, 1024, 768) == 0);
	/* A pixel count of 0: one raw pixel and 255 repeats. */
	n = rlx_header(buf, 2 * 1000, 0);
	buf[n++] = 1;
	n += put16(buf + n, 0x07e0);
	buf[n++] = 255;
	CHECK(t, rlx16_feed(&d, buf, n) == n);
	CHECK(t, d.mem[999] == 0 && d.mem[1000] == 0x07e0 && d.mem[1255] == 0x07e0);
	CHECK(t, d.mem[1256] == 0);
	/* A raw count of 0: 256 raw pixels. */
	n = rlx_header(buf, 0, 0);
	buf[n++] = 0;
	for (int i = 0; i < 256; i++)
		n += put16(buf + n, (uint16_t)(i + 1));
	CHECK(t, rlx16_feed(&d, buf, n) == n);
	CHECK(t, d.mem[0] == 1 && d.mem[255] == 256 && d.mem[256] == 0);
	rlx16_fini(&d);
}

static void test_clipped(struct test_state *t)
{
	static const uint8_t raw[] = { 0xaf, 0x68, 0xff, 0xff, 0xfc, 3, 0, 1, 0, 2, 0, 3 };
	static const uint8_t copy[] = { 0xaf, 0x6a, 0x00, 0x00, 0x00, 0, 0xff, 0xff, 0xfe };
	static const uint8_t base[] = { 0xaf, 0x20, 0x20, 0xff, 0xaf, 0x20, 0x21, 0xff,
					0xaf, 0x20, 0x22, 0xfe };
	const uint32_t last = RLX16_MEM_PIXELS - 1;
	uint8_t buf[16];
	struct rlx16 d;
	size_t n;

	CHECK(t, rlx16_init(&d, 1024, 768) == 0);
	/* The last pixel of the memory, then 3 repeats past its end. */
	n = rlx_header(buf, 0xfffffe, 4);
	buf[n++] = 1;
	n += put16(buf + n, 0x5555);
	buf[n++] = 3;
	CHECK(t, rlx16_feed(&d, buf, n) == n);
	CHECK(t, d.mem[last] == 0x5555);
	CHECK(t, rlx16_feed(&d, raw, sizeof(raw)) == sizeof(raw));
	CHECK(t, d.mem[last - 1] == 1 && d.mem[last] == 2);
	/* 256 pixels copied to the last one: one fits. */
	d.mem[0] = 0x1111;
	CHECK(t, rlx16_feed(&d, copy, sizeof(copy)) == sizeof(copy));
	CHECK(t, d.mem[last] == 0x1111);
	/* A frame that starts at the last pixel has nothing after it. */
	CHECK(t, rlx16_feed(&d, base, sizeof(base)) == sizeof(base));
	CHECK(t, rlx16_pixel(&d, 0, 0) == 0x1111 && rlx16_pixel(&d, 1, 0) == 0);
	CHECK(t, rlx16_pixel(&d, 0, 767) == 0);
	rlx16_fini(&d);
}

static void test_truncated(struct test_state *t)
{
	static const uint8_t reg[] = { 0xaf, 0x20, 0x0f };
	uint8_t buf[32];
	struct rlx16 d;
	size_t n, cut;

	CHECK(t, rlx16_init(&d, 1024, 768) == 0);
	CHECK(t, rlx16_feed(&d, reg, sizeof(reg)) == 0 && d.regs[0x0f] == 0);
	/* A whole command, then one whose raw span runs past the end. */
	n = rlx_header(buf, 0, 1);
	buf[n++] = 1;
	n += put16(buf + n, 0x0101);
	cut = n;
	n += rlx_header(buf + n, 2 * 100, 4);
	buf[n++] = 4;
	n += put16(buf + n, 0x0202);
	n += put16(buf + n, 0x0202);
	CHECK(t, rlx16_feed(&d, buf, n) == cut);
	CHECK(t, d.mem[0] == 0x0101);
	CHECK(t, d.mem[100] == 0 && d.mem[101] == 0);
	/* Cut before the repeat count and in the header. */
	n = rlx_header(buf, 0, 5);
	buf[n++] = 1;
	n += put16(buf + n, 0x0303);
	CHECK(t, rlx16_feed(&d, buf, n) == 0);
	CHECK(t, rlx16_feed(&d, buf, 4) == 0);
	rlx16_fini(&d);
}

static void test_garbage(struct test_state *t)
{
	static const uint8_t resync[] = { 0x01, 0x02, 0x03, 0xaf, 0x77, 0x04, 0xaf, 0x20, 0x0f, 0x05 };
	uint8_t *junk = malloc(RLX16_FULL_TRANSFER);
	uint32_t seed = 12345;
	struct rlx16 d;

	CHECK(t, junk && rlx16_init(&d, 1024, 768) == 0);
	if (!junk)
		return;
	CHECK(t, rlx16_feed(&d, resync, sizeof(resync)) == sizeof(resync));
	CHECK(t, d.regs[0x0f] == 5 && d.skipped == 6);
	/* Random bytes, with AF and the commands' codes common among them:
	 * all within bounds (ASan watches), never further than the data. */
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < RLX16_FULL_TRANSFER; i++) {
			static const uint8_t common[] = { 0xaf, 0x6b, 0x68, 0x6a, 0x20, 0xff, 0 };

			seed = seed * 1103515245u + 12345u;
			junk[i] = (seed >> 24) & 1 ? common[(seed >> 16) % sizeof(common)] :
						     (uint8_t)(seed >> 16);
		}
		CHECK(t, rlx16_feed(&d, junk, RLX16_FULL_TRANSFER) <= RLX16_FULL_TRANSFER);
	}
	/* Full transfers continue a frame; the short one ended it. */
	CHECK(t, d.frames == 1 && d.bytes == sizeof(resync) + 50ull * RLX16_FULL_TRANSFER);
	free(junk);
	rlx16_fini(&d);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_registers);
	RUN(&t, test_spans);
	RUN(&t, test_count_256);
	RUN(&t, test_clipped);
	RUN(&t, test_truncated);
	RUN(&t, test_garbage);
	return TEST_SUMMARY(&t);
}
