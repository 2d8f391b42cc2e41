// SPDX-License-Identifier: MIT
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edid.h"
#include "test.h"

static int checksum(const uint8_t *e)
{
	unsigned sum = 0;

	for (int i = 0; i < EDID_SIZE; i++)
		sum += e[i];
	return (int)(sum & 0xff);
}

/* Every size a client may ask for comes back as the preferred mode. */
static void test_sizes(struct test_state *t)
{
	static const int sizes[][2] = {
		{ 640, 480 }, { 1024, 768 }, { 1280, 800 }, { 1366, 768 }, { 1920, 1080 },
		{ 2560, 1440 }, { 3840, 2160 }, { 1001, 601 }, { 4095, 4095 }, { 64, 64 },
	};
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t e[EDID_SIZE];
		int w = 0, h = 0;
		double hz = 0;

		CHECK(t, edid_generate(e, sizes[i][0], sizes[i][1], "rdp-1") == 0);
		CHECK(t, !memcmp(e, header, sizeof(header)));
		CHECK(t, checksum(e) == 0);
		CHECK(t, e[18] == 1 && e[19] == 4);
		CHECK(t, edid_preferred(e, &w, &h, &hz) == 0);
		CHECK(t, w == sizes[i][0] && h == sizes[i][1]);
		/* 60 Hz, or 30 where 60 needs more clock than a timing holds. */
		CHECK(t, fabs(hz - 60.0) < 0.5 || fabs(hz - 30.0) < 0.5);
	}
}

static void test_large_falls_to_30hz(struct test_state *t)
{
	uint8_t e[EDID_SIZE];
	int w, h;
	double hz;

	CHECK(t, edid_generate(e, 4095, 4095, NULL) == 0);
	CHECK(t, edid_preferred(e, &w, &h, &hz) == 0 && fabs(hz - 30.0) < 0.5);
	CHECK(t, edid_generate(e, 1920, 1080, NULL) == 0);
	CHECK(t, edid_preferred(e, &w, &h, &hz) == 0 && fabs(hz - 60.0) < 0.5);
}

/* CVT-RB: 160 pixels of horizontal blank, at least 460 µs of vertical. */
static void test_reduced_blanking(struct test_state *t)
{
	uint8_t e[EDID_SIZE];
	const uint8_t *d = e + 54;
	int hblank, vblank, vactive;
	double line_us;

	CHECK(t, edid_generate(e, 1920, 1080, NULL) == 0);
	hblank = d[3] | (d[4] & 0xf) << 8;
	vblank = d[6] | (d[7] & 0xf) << 8;
	vactive = d[5] | (d[7] >> 4) << 8;
	line_us = 1e6 / (60.0 * (vactive + vblank));
	CHECK(t, hblank == 160);
	CHECK(t, vblank * line_us >= 460.0);
	CHECK(t, (vblank - 1) * line_us < 460.0 + line_us);
	/* The well-known CVT-RB 1920x1080@60: 138.5 MHz (CVT's 0.25 MHz
	 * steps; ours are the timing's 10 kHz), 1111 lines. */
	CHECK(t, vactive + vblank == 1111);
	CHECK(t, abs((d[0] | d[1] << 8) - 13850) <= 20);
}

static void test_name(struct test_state *t)
{
	uint8_t e[EDID_SIZE];

	CHECK(t, edid_generate(e, 800, 600, "rdp-12") == 0);
	CHECK(t, e[72 + 3] == 0xfc && !memcmp(e + 72 + 5, "rdp-12\n", 7));
	CHECK(t, edid_generate(e, 800, 600, "a-name-longer-than-thirteen") == 0);
	CHECK(t, !memcmp(e + 72 + 5, "a-name-longer", 13) && checksum(e) == 0);
}

static void test_refused(struct test_state *t)
{
	uint8_t e[EDID_SIZE];

	CHECK(t, edid_generate(e, 0, 768, NULL) < 0);
	CHECK(t, edid_generate(e, 1024, -1, NULL) < 0);
	CHECK(t, edid_generate(e, 4096, 2160, NULL) < 0);
	CHECK(t, edid_generate(e, 8192, 8192, NULL) < 0);
}

/* What a client may ask for: only sizes a head can announce. */
static void test_size_ok(struct test_state *t)
{
	CHECK(t, edid_size_ok(640, 480) && edid_size_ok(1920, 1080) && edid_size_ok(64, 64));
	CHECK(t, edid_size_ok(4095, 4095) && edid_size_ok(3840, 2160));
	CHECK(t, !edid_size_ok(0, 0) && !edid_size_ok(0, 768) && !edid_size_ok(1024, 0));
	CHECK(t, !edid_size_ok(63, 480) && !edid_size_ok(4096, 2160));
	CHECK(t, !edid_size_ok(65535, 65535) && !edid_size_ok(-1, 480));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_sizes);
	RUN(&t, test_large_falls_to_30hz);
	RUN(&t, test_reduced_blanking);
	RUN(&t, test_name);
	RUN(&t, test_refused);
	RUN(&t, test_size_ok);
	return TEST_SUMMARY(&t);
}
