// SPDX-License-Identifier: MIT
/*
 * The commands, each starting with 0xAF (the kernel's udl_proto.h; udl
 * sends register writes, copies and RLX writes, see udl_transfer.c):
 *
 *   AF 20 reg val		register write
 *   AF 68 addr n px...		n raw pixels
 *   AF 6A from n to		copy n pixels
 *   AF 6B addr n spans		n pixels as alternating spans: a raw count
 *				and that many pixels, then a repeat count of
 *				the last of them, until n pixels are written
 *   AF A0			sync
 *   AF				padding, alone or before another AF
 *
 * Addresses are 3 bytes, big-endian, in bytes; counts of 0 mean 256;
 * pixels are big-endian RGB565. Anything else (the 8-bit plane, which a
 * 16-bit mode leaves unused, and garbage) is skipped up to the next AF.
 */
#include <stdlib.h>
#include <string.h>

#include "rlx16.h"

#define MSG_BULK	0xaf
#define CMD_WRITEREG	0x20
#define CMD_RAW16	0x68
#define CMD_COPY16	0x6a
#define CMD_RLX16	0x6b
#define CMD_SYNC	0xa0

#define REG_HPIXELS	0x0f	/* and 0x10, big-endian */
#define REG_VPIXELS	0x17	/* and 0x18 */
#define REG_BASE16	0x20	/* to 0x22 */

#define HEADER_BYTES	6	/* AF, command, address, count */

static uint32_t addr24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t count8(uint8_t n)
{
	return n ? n : 256;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* n pixels from byte address addr on, clipped to the memory. */
static void fill(struct rlx16 *d, uint32_t addr, uint16_t px, size_t n)
{
	size_t at = addr / 2;

	if (at >= RLX16_MEM_PIXELS)
		return;
	n = min_size(n, RLX16_MEM_PIXELS - at);
	while (n--)
		d->mem[at++] = px;
}

/* Each decoder returns the bytes its command took, or 0 if the transfer
 * ends inside it. */
static size_t decode_raw(struct rlx16 *d, const uint8_t *p, size_t len)
{
	uint32_t addr;
	size_t n;

	if (len < HEADER_BYTES)
		return 0;
	addr = addr24(p + 2);
	n = count8(p[5]);
	if (len - HEADER_BYTES < n * 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		fill(d, addr + 2 * i, be16(p + HEADER_BYTES + 2 * i), 1);
	return HEADER_BYTES + n * 2;
}

static size_t decode_copy(struct rlx16 *d, const uint8_t *p, size_t len)
{
	size_t from, to, n;

	if (len < HEADER_BYTES + 3)
		return 0;
	from = addr24(p + 2) / 2;
	to = addr24(p + 6) / 2;
	n = min_size(count8(p[5]), RLX16_MEM_PIXELS - (from > to ? from : to));
	memmove(d->mem + to, d->mem + from, n * sizeof(*d->mem));
	return HEADER_BYTES + 3;
}

static size_t decode_rlx(struct rlx16 *d, const uint8_t *p, size_t len)
{
	size_t total, done = 0, at = HEADER_BYTES;
	uint16_t last = 0;
	uint32_t addr;

	if (len < HEADER_BYTES)
		return 0;
	addr = addr24(p + 2);
	total = count8(p[5]);
	while (done < total) {
		size_t raw, repeat;

		if (at >= len)
			return 0;
		raw = min_size(count8(p[at++]), total - done);
		if (len - at < raw * 2)
			return 0;
		for (size_t i = 0; i < raw; i++, at += 2) {
			last = be16(p + at);
			fill(d, addr + 2 * (done + i), last, 1);
		}
		done += raw;
		/* A command ends after a raw span or after a repeat. */
		if (done == total)
			break;
		if (at >= len)
			return 0;
		repeat = min_size(p[at++], total - done);
		fill(d, addr + 2 * done, last, repeat);
		done += repeat;
	}
	return at;
}

/* The bytes up to the next AF. */
static size_t skip(struct rlx16 *d, const uint8_t *p, size_t len)
{
	const uint8_t *next = memchr(p, MSG_BULK, len);
	size_t n = next ? (size_t)(next - p) : len;

	d->skipped += n;
	return n;
}

static size_t decode(struct rlx16 *d, const uint8_t *p, size_t len)
{
	if (p[0] != MSG_BULK)
		return skip(d, p, len);
	if (len == 1)
		return 1;
	switch (p[1]) {
	case MSG_BULK:
		return 1;
	case CMD_SYNC:
		return 2;
	case CMD_WRITEREG:
		if (len < 4)
			return 0;
		d->regs[p[2]] = p[3];
		return 4;
	case CMD_RAW16:
		return decode_raw(d, p, len);
	case CMD_COPY16:
		return decode_copy(d, p, len);
	case CMD_RLX16:
		return decode_rlx(d, p, len);
	default:
		d->skipped++;
		return 1 + skip(d, p + 1, len - 1);
	}
}

size_t rlx16_feed(struct rlx16 *d, const uint8_t *buf, size_t len)
{
	size_t at = 0;

	d->bytes += len;
	if (len < RLX16_FULL_TRANSFER)
		d->frames++;
	while (at < len) {
		size_t used = decode(d, buf + at, len - at);

		if (!used)
			break;
		at += used;
	}
	return at;
}

int rlx16_init(struct rlx16 *d, int width, int height)
{
	if (width <= 0 || height <= 0)
		return -1;
	*d = (struct rlx16){ .width = width, .height = height };
	d->mem = calloc(RLX16_MEM_PIXELS, sizeof(*d->mem));
	return d->mem ? 0 : -1;
}

void rlx16_blank(struct rlx16 *d)
{
	memset(d->mem, 0, RLX16_MEM_PIXELS * sizeof(*d->mem));
}

void rlx16_fini(struct rlx16 *d)
{
	free(d->mem);
	d->mem = NULL;
}

uint32_t rlx16_base(const struct rlx16 *d)
{
	return addr24(d->regs + REG_BASE16);
}

void rlx16_size(const struct rlx16 *d, int *width, int *height)
{
	int w = be16(d->regs + REG_HPIXELS);
	int h = be16(d->regs + REG_VPIXELS);

	*width = w ? w : d->width;
	*height = h ? h : d->height;
}

uint16_t rlx16_pixel(const struct rlx16 *d, int x, int y)
{
	size_t at;
	int w, h;

	rlx16_size(d, &w, &h);
	if (x < 0 || y < 0 || x >= w || y >= h)
		return 0;
	at = rlx16_base(d) / 2 + (size_t)y * (size_t)w + (size_t)x;
	return at < RLX16_MEM_PIXELS ? d->mem[at] : 0;
}
