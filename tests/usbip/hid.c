// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hid.h"
#include "usbip_proto.h"

#define HID_VENDOR		0x1209
#define REQ_GET_DESCRIPTOR	0x06
#define DESC_HID		0x21
#define DESC_REPORT		0x22
#define REQ_GET_REPORT		0x01
#define REQ_GET_IDLE		0x02
#define REQ_GET_PROTOCOL	0x03
#define REQ_SET_REPORT		0x09
#define REQ_SET_IDLE		0x0a
#define REQ_SET_PROTOCOL	0x0b
#define EP_REPORTS		1
#define MOVE_MAX		2000	/* at most 16 reports a command */

/* The boot keyboard of the HID specification (B.1), with keys up to 255. */
static const uint8_t keyboard_report[] = {
	0x05, 0x01, 0x09, 0x06, 0xa1, 0x01,		/* desktop, keyboard */
	0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7,		/* modifiers: a bit each */
	0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x08, 0x81, 0x01,		/* reserved byte */
	0x95, 0x05, 0x75, 0x01, 0x05, 0x08,		/* five LEDs out */
	0x19, 0x01, 0x29, 0x05, 0x91, 0x02,
	0x95, 0x01, 0x75, 0x03, 0x91, 0x01,		/* LED padding */
	0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xff, 0x00,	/* six key slots */
	0x05, 0x07, 0x19, 0x00, 0x2a, 0xff, 0x00, 0x81, 0x00,
	0xc0,
};

/* Three buttons, relative X, Y and wheel (the boot mouse plus a wheel). */
static const uint8_t mouse_report[] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01,		/* desktop, mouse */
	0x09, 0x01, 0xa1, 0x00,				/* pointer */
	0x05, 0x09, 0x19, 0x01, 0x29, 0x03,		/* buttons 1-3 */
	0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x05, 0x81, 0x01,		/* padding */
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x38,	/* X, Y, wheel */
	0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x03, 0x81, 0x06,
	0xc0, 0xc0,
};

#define HID_CONFIG(protocol, report, packet) {					\
	9, 2, 34, 0, 1, 1, 0, 0xa0, 50,						\
	9, 4, 0, 0, 1, 0x03, 0x01, protocol, 0,	/* HID, boot */			\
	9, DESC_HID, 0x11, 0x01, 0, 1, DESC_REPORT, sizeof(report), 0,		\
	7, 5, 0x80 | EP_REPORTS, 0x03, packet, 0, 10,	/* interrupt IN, 10 ms */	\
}

static const uint8_t keyboard_config[] = HID_CONFIG(1, keyboard_report, 8);
static const uint8_t mouse_config[] = HID_CONFIG(2, mouse_report, 4);

#define HID_DESC_OFFSET	18	/* in the configuration */

static size_t report_length(const struct hid *h)
{
	if (!h->mouse)
		return 8;
	return h->protocol ? 4 : 3;	/* the boot protocol has no wheel */
}

static int get_descriptor(const struct hid *h, const struct usb_setup *s, uint8_t *in)
{
	switch (s->value >> 8) {
	case DESC_HID:
		return usbdev_reply(in, s, h->usb.config + HID_DESC_OFFSET, 9);
	case DESC_REPORT:
		if (h->mouse)
			return usbdev_reply(in, s, mouse_report, sizeof(mouse_report));
		return usbdev_reply(in, s, keyboard_report, sizeof(keyboard_report));
	}
	return -EPIPE;
}

static int hid_control(struct usbdev *usb, const struct usb_setup *s, const uint8_t *out,
		       uint8_t *in)
{
	static const uint8_t zero[HID_REPORT_MAX];
	struct hid *h = usbdev_of(usb, struct hid);

	switch (s->type << 8 | s->request) {
	case 0x8100 | REQ_GET_DESCRIPTOR:
		return get_descriptor(h, s, in);
	case 0xa100 | REQ_GET_REPORT:
		return usbdev_reply(in, s, zero, report_length(h));
	case 0xa100 | REQ_GET_IDLE:
		return usbdev_reply(in, s, &h->idle, 1);
	case 0xa100 | REQ_GET_PROTOCOL:
		return usbdev_reply(in, s, &h->protocol, 1);
	case 0x2100 | REQ_SET_REPORT:
		if (!h->mouse && s->length >= 1)
			h->leds = out[0];
		return 0;
	case 0x2100 | REQ_SET_IDLE:
		h->idle = (uint8_t)(s->value >> 8);
		return 0;
	case 0x2100 | REQ_SET_PROTOCOL:
		if (s->value > 1)
			return -EPIPE;
		h->protocol = (uint8_t)s->value;
		return 0;
	}
	return -EPIPE;
}

static int hid_transfer(struct usbdev *usb, int ep, bool in, uint8_t *buf, size_t len)
{
	struct hid *h = usbdev_of(usb, struct hid);
	size_t n = report_length(h);

	if (ep != EP_REPORTS || !in)
		return -EPIPE;
	if (!h->count)
		return -EAGAIN;
	if (n > len)
		n = len;
	memcpy(buf, h->queue[h->head], n);
	h->head = (h->head + 1) % HID_QUEUE;
	h->count--;
	return (int)n;
}

static const struct usbdev_ops hid_ops = {
	.control = hid_control,
	.transfer = hid_transfer,
};

static void hid_init(struct hid *h, const char *busid, const char *kind, uint16_t pid,
		     const uint8_t *config, const char *product, const char *serial_prefix)
{
	*h = (struct hid){ .protocol = 1 };
	usbdev_init(&h->usb, busid, kind, HID_VENDOR, pid, USBIP_SPEED_FULL, config, product,
		    serial_prefix);
	h->usb.ops = &hid_ops;
}

void hid_keyboard_init(struct hid *h, const char *busid, const char *serial_prefix)
{
	hid_init(h, busid, "keyboard", 0x5301, keyboard_config, "Emulated keyboard",
		 serial_prefix);
}

void hid_mouse_init(struct hid *h, const char *busid, const char *serial_prefix)
{
	hid_init(h, busid, "mouse", 0x5302, mouse_config, "Emulated mouse", serial_prefix);
	h->mouse = true;
}

static void push(struct hid *h, const uint8_t *report)
{
	memcpy(h->queue[(h->head + h->count) % HID_QUEUE], report, HID_REPORT_MAX);
	h->count++;
}

static bool room(const struct hid *h, long reports)
{
	return reports <= HID_QUEUE - h->count;
}

int hid_keys(struct hid *h, const long *usages, int n)
{
	static const uint8_t released[HID_REPORT_MAX];

	if (h->mouse)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (usages[i] < 0 || usages[i] > 0xff)
			return -EINVAL;
	if (!room(h, 2L * n))
		return -ENOSPC;
	for (int i = 0; i < n; i++) {
		uint8_t press[HID_REPORT_MAX] = { 0 };

		/* Left control to right GUI are bits of the first byte. */
		if (usages[i] >= 0xe0 && usages[i] <= 0xe7)
			press[0] = (uint8_t)(1u << (usages[i] - 0xe0));
		else
			press[2] = (uint8_t)usages[i];
		push(h, press);
		push(h, released);
	}
	return 0;
}

static void push_mouse(struct hid *h, int buttons, long dx, long dy, long wheel)
{
	const uint8_t report[HID_REPORT_MAX] = {
		(uint8_t)buttons, (uint8_t)(int8_t)dx, (uint8_t)(int8_t)dy, (uint8_t)(int8_t)wheel,
	};

	push(h, report);
}

static long clamp127(long v)
{
	return v > 127 ? 127 : v < -127 ? -127 : v;
}

int hid_move(struct hid *h, long dx, long dy)
{
	long most, steps;

	if (!h->mouse || dx < -MOVE_MAX || dx > MOVE_MAX || dy < -MOVE_MAX || dy > MOVE_MAX)
		return -EINVAL;
	most = labs(dx) > labs(dy) ? labs(dx) : labs(dy);
	steps = most ? (most + 126) / 127 : 1;
	if (!room(h, steps))
		return -ENOSPC;
	do {
		long sx = clamp127(dx), sy = clamp127(dy);

		push_mouse(h, 0, sx, sy, 0);
		dx -= sx;
		dy -= sy;
	} while (dx || dy);
	return 0;
}

int hid_button(struct hid *h, long button)
{
	if (!h->mouse || button < 1 || button > 3)
		return -EINVAL;
	if (!room(h, 2))
		return -ENOSPC;
	/* Report bits: left, right, middle. */
	push_mouse(h, 1 << (button - 1), 0, 0, 0);
	push_mouse(h, 0, 0, 0, 0);
	return 0;
}

int hid_wheel(struct hid *h, long clicks)
{
	if (!h->mouse || clicks < -127 || clicks > 127)
		return -EINVAL;
	if (!room(h, 1))
		return -ENOSPC;
	push_mouse(h, 0, 0, 0, clicks);
	return 0;
}
