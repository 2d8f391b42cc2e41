/* SPDX-License-Identifier: MIT */
/*
 * A boot keyboard and a boot mouse (HID class, boot subclass), full speed,
 * whose reports wait in a queue until the host polls interrupt IN
 * endpoint 1.
 */
#ifndef HID_H
#define HID_H

#include "usbdev.h"

#define HID_REPORT_MAX	8
#define HID_QUEUE	64

struct hid {
	struct usbdev usb;
	bool mouse;
	uint8_t queue[HID_QUEUE][HID_REPORT_MAX];
	int head, count;
	uint8_t protocol;	/* 0 boot, 1 report */
	uint8_t idle;
	uint8_t leds;		/* the keyboard's, as the host set them */
};

void hid_keyboard_init(struct hid *h, const char *busid, const char *serial_prefix);
void hid_mouse_init(struct hid *h, const char *busid, const char *serial_prefix);

/*
 * Each queues all of its reports or none: 0, -EINVAL for a value out of
 * range, -ENOSPC when the queue lacks room.
 */
int hid_keys(struct hid *h, const long *usages, int n);	/* press and release each */
int hid_move(struct hid *h, long dx, long dy);		/* in steps of at most 127 */
int hid_button(struct hid *h, long button);		/* 1 left, 2 right, 3 middle */
int hid_wheel(struct hid *h, long clicks);

#endif
