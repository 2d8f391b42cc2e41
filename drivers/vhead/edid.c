// SPDX-License-Identifier: MIT
/*
 * The timing is CVT with reduced blanking (VESA CVT 1.2, RB v1): a fixed
 * 160-pixel horizontal blank (48 front porch, 32 sync) and a vertical
 * blank of at least 460 µs, which is what flat panels and every virtual
 * display expect. Vertical sync width follows CVT's aspect-ratio rule.
 */
#include <math.h>
#include <string.h>

#include "edid.h"

#define RB_HBLANK 160
#define RB_HFRONT 48
#define RB_HSYNC 32
#define RB_VFRONT 3
#define RB_MIN_VBLANK_US 460.0
#define RB_MIN_VBACK 6
#define MAX_CLOCK_10KHZ 65535

static int vsync_width(int w, int h)
{
	static const struct { int w, h, sync; } aspects[] = {
		{ 4, 3, 4 }, { 16, 9, 5 }, { 16, 10, 6 }, { 5, 4, 7 }, { 15, 9, 7 },
	};

	for (size_t i = 0; i < sizeof(aspects) / sizeof(aspects[0]); i++)
		if (w * aspects[i].h == h * aspects[i].w)
			return aspects[i].sync;
	return 10;	/* any other aspect ratio */
}

struct timing {
	int hactive, hblank, hfront, hsync;
	int vactive, vblank, vfront, vsync;
	int clock_10khz;
};

static int timing_at(struct timing *t, int w, int h, double hz)
{
	/* Lines of the blank: 460 µs at this line rate, and at least the
	 * porches and sync; the line rate depends on it, so iterate. */
	int vblank = RB_VFRONT + vsync_width(w, h) + RB_MIN_VBACK;
	double clock;

	for (int i = 0; i < 8; i++) {
		double line_us = 1e6 / (hz * (h + vblank));
		int need = (int)ceil(RB_MIN_VBLANK_US / line_us);

		if (need <= vblank)
			break;
		vblank = need;
	}
	*t = (struct timing){
		.hactive = w, .hblank = RB_HBLANK, .hfront = RB_HFRONT, .hsync = RB_HSYNC,
		.vactive = h, .vblank = vblank, .vfront = RB_VFRONT, .vsync = vsync_width(w, h),
	};
	/* Rounded down (a hair under the rate) to the timing's 10 kHz. */
	clock = (double)(w + RB_HBLANK) * (h + vblank) * hz / 10000.0;
	t->clock_10khz = (int)floor(clock);
	return t->clock_10khz <= MAX_CLOCK_10KHZ ? 0 : -1;
}

static void put_detailed(uint8_t *d, const struct timing *t, int mm_w, int mm_h)
{
	d[0] = (uint8_t)(t->clock_10khz & 0xff);
	d[1] = (uint8_t)(t->clock_10khz >> 8);
	d[2] = (uint8_t)(t->hactive & 0xff);
	d[3] = (uint8_t)(t->hblank & 0xff);
	d[4] = (uint8_t)(((t->hactive >> 8) << 4) | (t->hblank >> 8));
	d[5] = (uint8_t)(t->vactive & 0xff);
	d[6] = (uint8_t)(t->vblank & 0xff);
	d[7] = (uint8_t)(((t->vactive >> 8) << 4) | (t->vblank >> 8));
	d[8] = (uint8_t)(t->hfront & 0xff);
	d[9] = (uint8_t)(t->hsync & 0xff);
	d[10] = (uint8_t)(((t->vfront & 0xf) << 4) | (t->vsync & 0xf));
	d[11] = (uint8_t)(((t->hfront >> 8) << 6) | ((t->hsync >> 8) << 4) |
			  ((t->vfront >> 4) << 2) | (t->vsync >> 4));
	d[12] = (uint8_t)(mm_w & 0xff);
	d[13] = (uint8_t)(mm_h & 0xff);
	d[14] = (uint8_t)(((mm_w >> 8) << 4) | (mm_h >> 8));
	d[15] = d[16] = 0;		/* no borders */
	d[17] = 0x1a;			/* digital separate sync, +hsync, -vsync (CVT-RB) */
}

static void put_name(uint8_t *d, const char *name)
{
	size_t n = strlen(name);

	memset(d, 0, 18);
	d[3] = 0xfc;			/* display product name */
	if (n > 13)
		n = 13;
	memcpy(d + 5, name, n);
	if (n < 13) {
		d[5 + n] = 0x0a;
		memset(d + 6 + n, ' ', 13 - n - 1);
	}
}

static void put_range(uint8_t *d, const struct timing *t)
{
	memset(d, 0, 18);
	d[3] = 0xfd;			/* range limits */
	d[5] = 24;			/* vertical Hz */
	d[6] = 75;
	d[7] = 1;			/* horizontal kHz */
	d[8] = 255;
	d[9] = (uint8_t)((t->clock_10khz + 999) / 1000);	/* 10 MHz units */
	d[10] = 0x01;			/* range limits only */
	d[11] = 0x0a;
	memset(d + 12, ' ', 6);
}

int edid_generate(uint8_t out[EDID_SIZE], int width, int height, const char *name)
{
	static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	/* sRGB primaries and white point, as EDID's 10-bit fractions. */
	static const uint8_t srgb[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54 };
	struct timing t;
	int mm_w, mm_h;
	uint8_t sum = 0;

	if (width < 64 || height < 64 || width > EDID_MAX_SIDE || height > EDID_MAX_SIDE)
		return -1;
	if (timing_at(&t, width, height, 60.0) < 0 && timing_at(&t, width, height, 30.0) < 0)
		return -1;
	memset(out, 0, EDID_SIZE);
	memcpy(out, header, sizeof(header));
	/* Manufacturer "SMX": three letters of five bits, A = 1. */
	out[8] = (uint8_t)((('S' - '@') << 2) | (('M' - '@') >> 3));
	out[9] = (uint8_t)(((('M' - '@') & 7) << 5) | ('X' - '@'));
	out[10] = 0x01;			/* product code */
	out[16] = 1;			/* week, year of manufacture: 2026 */
	out[17] = 2026 - 1990;
	out[18] = 1;			/* EDID 1.4 */
	out[19] = 4;
	out[20] = 0xa5;			/* digital, 8 bits per colour, DisplayPort */
	/* A 96 dpi screen: the physical size in cm, and in mm below. */
	mm_w = (int)lround(width * 25.4 / 96.0);
	mm_h = (int)lround(height * 25.4 / 96.0);
	out[21] = (uint8_t)((mm_w + 5) / 10);
	out[22] = (uint8_t)((mm_h + 5) / 10);
	out[23] = 120;			/* gamma 2.2 */
	out[24] = 0x06;			/* RGB 4:4:4, sRGB default, preferred timing first */
	memcpy(out + 25, srgb, sizeof(srgb));
	/* No established timings; the eight standard timings unused. */
	memset(out + 38, 0x01, 16);
	put_detailed(out + 54, &t, mm_w > 4095 ? 4095 : mm_w, mm_h > 4095 ? 4095 : mm_h);
	put_name(out + 72, name ? name : "seatmux");
	put_range(out + 90, &t);
	out[108 + 3] = 0x10;		/* dummy descriptor */
	for (int i = 0; i < EDID_SIZE - 1; i++)
		sum = (uint8_t)(sum + out[i]);
	out[127] = (uint8_t)(0x100 - sum);
	return 0;
}

int edid_preferred(const uint8_t e[EDID_SIZE], int *width, int *height, double *refresh_hz)
{
	const uint8_t *d = e + 54;
	int clock = d[0] | d[1] << 8;
	int hblank, vblank;

	if (!clock)
		return -1;
	*width = d[2] | (d[4] >> 4) << 8;
	hblank = d[3] | (d[4] & 0xf) << 8;
	*height = d[5] | (d[7] >> 4) << 8;
	vblank = d[6] | (d[7] & 0xf) << 8;
	*refresh_hz = clock * 10000.0 / ((double)(*width + hblank) * (*height + vblank));
	return 0;
}

bool edid_size_ok(int width, int height)
{
	uint8_t scratch[EDID_SIZE];

	return edid_generate(scratch, width, height, "") == 0;
}
