/* SPDX-License-Identifier: MIT */
/*
 * What a DisplayLink USB 2 adapter makes of the udl driver's bulk stream:
 * register writes and 16-bit pixel writes into the adapter's memory.
 *
 * The memory is modelled whole (24-bit byte addresses, 16 MiB) rather than
 * as one frame: on a modeset udl sends the first pixels before the
 * registers that give the mode, so the layout cannot wait for them. The
 * visible frame is width x height pixels from the 16-bit base register on,
 * its size taken from the mode registers once they are written.
 */
#ifndef RLX16_H
#define RLX16_H

#include <stddef.h>
#include <stdint.h>

#define RLX16_MEM_PIXELS	(1u << 23)	/* 16 MiB of RGB565 */
#define RLX16_FULL_TRANSFER	65024		/* udl's transfer; a shorter one ends a frame */

struct rlx16 {
	uint16_t *mem;
	uint8_t regs[256];
	int width, height;	/* the frame until the mode registers say */
	uint64_t frames;
	uint64_t bytes;
	uint64_t skipped;	/* bytes that started no known command */
};

int rlx16_init(struct rlx16 *d, int width, int height);
void rlx16_fini(struct rlx16 *d);
/* The adapter's memory back to black, as after a power cycle. */
void rlx16_blank(struct rlx16 *d);

/*
 * Decodes one bulk transfer (udl starts every transfer with a fresh
 * command). Returns how far it got: len, or the offset of a command cut
 * short by the end of the transfer, which is dropped.
 */
size_t rlx16_feed(struct rlx16 *d, const uint8_t *buf, size_t len);

uint32_t rlx16_base(const struct rlx16 *d);
void rlx16_size(const struct rlx16 *d, int *width, int *height);
/* The frame's pixel at x, y; 0 outside the frame or the memory. */
uint16_t rlx16_pixel(const struct rlx16 *d, int x, int y);

#endif
