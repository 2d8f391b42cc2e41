/* SPDX-License-Identifier: MIT */
/*
 * A device's connection relayed by the link between vhci_hcd's socket and
 * the station, so that the link sees what the kernel sends (a display's
 * changes, cmd_scan.h): over TLS (tls.h's relay) or, here, plain TCP.
 */
#ifndef SEATMUX_USBIP_RELAY_H
#define SEATMUX_USBIP_RELAY_H

#include <stddef.h>

/* What a relay shows of the bytes read from the kernel's side, as they
 * go past. */
struct usbip_relay_tap {
	void (*read)(void *data, const unsigned char *p, size_t n);
	void *data;
};

/* Relays between the station's TCP connection net and the kernel's
 * stream socket until either side closes or fails (what one side sent
 * before it closed is passed on, for a few seconds at most): 0 for an
 * orderly close, or -errno. tap (or NULL) sees what the kernel sends.
 * Blocks in poll(): it runs in a process of its own. */
int usbip_plain_relay(int net, int kernel, const struct usbip_relay_tap *tap);

#endif
