/* SPDX-License-Identifier: MIT */
/*
 * What the kernel's vhci_hcd sends down one device's connection, read as
 * it goes past the link's relay: USBIP_CMD_SUBMIT (a 48-byte header, then
 * an OUT transfer's data, then an isochronous transfer's descriptors) and
 * USBIP_CMD_UNLINK (the header alone). A display is sent data only when
 * its picture changes (udl: the damaged lines, a new mode), so an OUT
 * transfer with data is a change of its head; an IN transfer (its EDID
 * read again) is not. A stream this does not understand is counted as
 * changing at every byte: a head is never thought still when it may not
 * be. Pure: the relay does the I/O.
 */
#ifndef SEATMUX_USBIP_CMD_SCAN_H
#define SEATMUX_USBIP_CMD_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbip_proto.h"

struct cmd_scan {
	uint8_t head[sizeof(struct usbip_header)];
	size_t have;		/* of the header under way */
	uint64_t skip;		/* the command's data still to go past */
	bool lost;		/* not a stream of commands (any more) */
};

void cmd_scan_init(struct cmd_scan *s);
/* The next n bytes from the kernel: whether an OUT transfer carrying
 * data began in them (always, once lost and n > 0). */
bool cmd_scan_feed(struct cmd_scan *s, const uint8_t *p, size_t n);

#endif
