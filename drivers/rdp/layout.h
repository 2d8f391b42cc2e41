/* SPDX-License-Identifier: MIT */
/*
 * The client's keyboard layout (a Windows layout id, as RDP sends it) as
 * XKB layout and variant names, so that the session's keymap gives keys
 * the meaning the user typed them with.
 */
#ifndef SEATMUX_RDP_LAYOUT_H
#define SEATMUX_RDP_LAYOUT_H

#include <stdint.h>

struct xkb_names {
	const char *layout;
	const char *variant;	/* "" for the layout's default */
};

/* The XKB names for a Windows keyboard layout id: 1, or 0 if unknown. */
int layout_to_xkb(uint32_t windows_layout, struct xkb_names *out);

#endif
