/* SPDX-License-Identifier: MIT */
/*
 * Which of a station's USB devices seatmuxd imports: its display adapter
 * and its HID devices, matched by class and vendor:product (and serial,
 * when given). Storage only when the configuration says so; anything else
 * (hubs, cameras, composite devices of mixed classes) never.
 */
#ifndef SEATMUX_USBIP_ALLOW_H
#define SEATMUX_USBIP_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usbip_device_info;

#define USBIP_ALLOW_MAX		8
#define USBIP_SERIAL_MAX	64
#define USBIP_DISPLAYLINK	0x17e9

/* "VID:PID" or "VID:*", optionally "/SERIAL". */
struct usbip_match {
	uint16_t vendor, product;
	bool any_product;
	char serial[USBIP_SERIAL_MAX];	/* "" matches any */
};

struct usbip_allow {
	struct usbip_match display[USBIP_ALLOW_MAX];
	int ndisplay;			/* none: any DisplayLink adapter */
	struct usbip_match input[USBIP_ALLOW_MAX];
	int ninput;			/* none: any HID device */
	bool storage;			/* mass storage too */
};

enum usbip_kind {
	USBIP_KIND_OTHER,
	USBIP_KIND_DISPLAY,
	USBIP_KIND_HID,
	USBIP_KIND_STORAGE,
};

const char *usbip_kind_name(enum usbip_kind kind);
/* From a device list's record (its interfaces). */
enum usbip_kind usbip_allow_kind(const struct usbip_device_info *dev);
/* Whether the kernel makes a head of dev (udl binds a DisplayLink
 * device's vendor-class interface), whatever its kind: a DisplayLink
 * adapter that also shows storage is a head too. */
bool usbip_allow_drives_head(const struct usbip_device_info *dev);
/* Whether to import dev; why says which rule decided, for the log. */
bool usbip_allow_decide(const struct usbip_allow *a, const struct usbip_device_info *dev,
			char *why, size_t size);
/* After the import: whether the serial the kernel read is one allowed
 * for that device (always, where no rule names a serial). */
bool usbip_allow_serial(const struct usbip_allow *a, enum usbip_kind kind, uint16_t vendor,
			uint16_t product, const char *serial);
/* Parses one match; -EINVAL for anything else. */
int usbip_allow_parse(const char *text, struct usbip_match *m);

#endif
