/* SPDX-License-Identifier: MIT */
/*
 * EDID for a virtual head: the monitor an RDP client or a zero client
 * stands for, announcing exactly the desktop size it asked for as the
 * preferred mode, so that the seat's compositor picks that size.
 */
#ifndef SEATMUX_EDID_H
#define SEATMUX_EDID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDID_SIZE 128
#define EDID_MAX_SIDE 4095	/* a detailed timing holds 12 bits */

/*
 * Writes a 128-byte EDID 1.4 block whose preferred (detailed) timing is
 * width x height at 60 Hz with CVT reduced blanking, or at 30 Hz where 60
 * would need a pixel clock above the 655.35 MHz a timing can hold.
 * Returns 0, or -1 for a size out of 1..EDID_MAX_SIDE (or narrower than
 * the blanking can follow).
 */
int edid_generate(uint8_t out[EDID_SIZE], int width, int height, const char *name);

/* Whether a head can announce width x height (edid_generate would write
 * it): a size asked by a client is checked with this before anything is
 * made for it. */
bool edid_size_ok(int width, int height);

/* The preferred mode of an EDID block, for tests: 0 or -1. */
int edid_preferred(const uint8_t edid[EDID_SIZE], int *width, int *height,
		   double *refresh_hz);

#endif
