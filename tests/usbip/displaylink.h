/* SPDX-License-Identifier: MIT */
/*
 * A DisplayLink USB 2 adapter as the kernel's udl driver uses it: a
 * vendor-class interface whose bulk OUT endpoint 1 takes the command
 * stream, the vendor descriptor 0x5f, a channel-select request, and the
 * monitor's EDID read one byte per control request.
 */
#ifndef DISPLAYLINK_H
#define DISPLAYLINK_H

#include "edid.h"
#include "rlx16.h"
#include "usbdev.h"

struct displaylink {
	struct usbdev usb;
	uint8_t edid[EDID_SIZE];
	uint32_t max_area;		/* pixels, in the vendor descriptor */
	struct rlx16 decoder;
};

/* 0, or -1 for a mode no EDID can hold or no memory for the decoder. */
int displaylink_init(struct displaylink *dl, const char *busid, const char *serial_prefix,
		     int width, int height);
void displaylink_fini(struct displaylink *dl);

#endif
