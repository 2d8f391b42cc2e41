/* SPDX-License-Identifier: MIT */
/*
 * RDP keyboard events name keys by their PC/AT set 1 scancode, with an
 * "extended" flag for the E0-prefixed keys and "extended1" for Pause (E1).
 * The station's virtual keyboard speaks evdev key codes.
 */
#ifndef SEATMUX_SCANCODE_H
#define SEATMUX_SCANCODE_H

#include <stdbool.h>
#include <stdint.h>

/* RDP's KBD_FLAGS_* (MS-RDPBCGR 2.2.8.1.1.3.1.1.1). */
#define SCANCODE_FLAG_EXTENDED 0x0100
#define SCANCODE_FLAG_EXTENDED1 0x0200
#define SCANCODE_FLAG_RELEASE 0x8000

/* The evdev code of a scancode with its flags, or 0 for none. */
unsigned scancode_to_evdev(uint8_t code, uint16_t flags);

#endif
