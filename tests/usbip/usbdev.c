// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "usbdev.h"
#include "usbip_proto.h"

#define RQ(type, request)	((type) << 8 | (request))
#define UNHANDLED		(-ENOENT)	/* not a standard request we know */

#define REQ_GET_STATUS		0x00
#define REQ_CLEAR_FEATURE	0x01
#define REQ_SET_FEATURE		0x03
#define REQ_GET_DESCRIPTOR	0x06
#define REQ_GET_CONFIGURATION	0x08
#define REQ_SET_CONFIGURATION	0x09
#define REQ_GET_INTERFACE	0x0a
#define REQ_SET_INTERFACE	0x0b

#define DESC_DEVICE		1
#define DESC_CONFIG		2
#define DESC_STRING		3

enum { STRING_MANUFACTURER = 1, STRING_PRODUCT, STRING_SERIAL };

int usbdev_reply(uint8_t *in, const struct usb_setup *s, const void *data, size_t size)
{
	if (size > s->length)
		size = s->length;
	memcpy(in, data, size);
	return (int)size;
}

uint16_t usbdev_config_length(const struct usbdev *dev)
{
	return (uint16_t)(dev->config[2] | dev->config[3] << 8);
}

/* ASCII as the UTF-16LE of a string descriptor. */
static int string_desc(const struct usb_setup *s, const char *text, uint8_t *in)
{
	uint8_t desc[2 + 2 * USBDEV_STRING_MAX] = { 0, DESC_STRING };
	size_t n = strnlen(text, USBDEV_STRING_MAX);

	desc[0] = (uint8_t)(2 + 2 * n);
	for (size_t i = 0; i < n; i++)
		desc[2 + 2 * i] = (uint8_t)text[i];
	return usbdev_reply(in, s, desc, desc[0]);
}

static int get_descriptor(struct usbdev *dev, const struct usb_setup *s, uint8_t *in)
{
	static const uint8_t languages[] = { 4, DESC_STRING, 0x09, 0x04 };	/* en-US */

	switch (s->value >> 8) {
	case DESC_DEVICE:
		return usbdev_reply(in, s, dev->device, sizeof(dev->device));
	case DESC_CONFIG:
		return usbdev_reply(in, s, dev->config, usbdev_config_length(dev));
	case DESC_STRING:
		switch (s->value & 0xff) {
		case 0:
			return usbdev_reply(in, s, languages, sizeof(languages));
		case STRING_MANUFACTURER:
			return string_desc(s, "seatmux", in);
		case STRING_PRODUCT:
			return string_desc(s, dev->product, in);
		case STRING_SERIAL:
			return string_desc(s, dev->serial, in);
		}
		return -EPIPE;
	}
	return UNHANDLED;
}

static int standard(struct usbdev *dev, const struct usb_setup *s, uint8_t *in)
{
	static const uint8_t zero[2];

	switch (RQ(s->type, s->request)) {
	case RQ(0x80, REQ_GET_DESCRIPTOR):
		return get_descriptor(dev, s, in);
	case RQ(0x80, REQ_GET_STATUS):
	case RQ(0x81, REQ_GET_STATUS):
	case RQ(0x82, REQ_GET_STATUS):
		return usbdev_reply(in, s, zero, 2);
	case RQ(0x80, REQ_GET_CONFIGURATION):
		return usbdev_reply(in, s, &dev->configuration, 1);
	case RQ(0x00, REQ_SET_CONFIGURATION):
		if (s->value > 1)
			return -EPIPE;
		dev->configuration = (uint8_t)s->value;
		return 0;
	case RQ(0x81, REQ_GET_INTERFACE):
		return usbdev_reply(in, s, zero, 1);
	case RQ(0x01, REQ_SET_INTERFACE):
		return s->value == 0 ? 0 : -EPIPE;	/* one alternate setting */
	case RQ(0x00, REQ_CLEAR_FEATURE):
	case RQ(0x01, REQ_CLEAR_FEATURE):
	case RQ(0x02, REQ_CLEAR_FEATURE):
	case RQ(0x00, REQ_SET_FEATURE):
		return 0;
	}
	return UNHANDLED;
}

int usbdev_control(struct usbdev *dev, const struct usb_setup *s, const uint8_t *out, uint8_t *in)
{
	int rc = standard(dev, s, in);

	if (rc != UNHANDLED)
		return rc;
	if (dev->ops && dev->ops->control)
		return dev->ops->control(dev, s, out, in);
	return -EPIPE;
}

void usbdev_parse_setup(struct usb_setup *s, const uint8_t raw[8])
{
	*s = (struct usb_setup){
		.type = raw[0],
		.request = raw[1],
		.value = (uint16_t)(raw[2] | raw[3] << 8),
		.index = (uint16_t)(raw[4] | raw[5] << 8),
		.length = (uint16_t)(raw[6] | raw[7] << 8),
	};
}

bool usbdev_first_stall(struct usbdev *dev, const struct usb_setup *s)
{
	/* A descriptor's type tells requests apart; other values rarely do. */
	uint32_t key = (uint32_t)RQ(s->type, s->request) << 8 |
		       (s->request == REQ_GET_DESCRIPTOR ? s->value >> 8 : 0);
	const int max = (int)(sizeof(dev->stalled) / sizeof(dev->stalled[0]));

	for (int i = 0; i < dev->nstalled; i++)
		if (dev->stalled[i] == key)
			return false;
	if (dev->nstalled < max)
		dev->stalled[dev->nstalled++] = key;
	return true;
}

void usbdev_init(struct usbdev *dev, const char *busid, const char *kind, uint16_t vid,
		 uint16_t pid, uint32_t speed, const uint8_t *config, const char *product,
		 const char *serial_prefix)
{
	const uint8_t device[18] = {
		18, DESC_DEVICE, 0x00, 0x02,	/* USB 2.0 */
		0, 0, 0,			/* class per interface */
		64,				/* ep0 packets */
		(uint8_t)vid, (uint8_t)(vid >> 8), (uint8_t)pid, (uint8_t)(pid >> 8),
		0x00, 0x01,			/* bcdDevice 1.00 */
		STRING_MANUFACTURER, STRING_PRODUCT, STRING_SERIAL,
		1,				/* configurations */
	};

	*dev = (struct usbdev){
		.busid = busid,
		.kind = kind,
		.speed = speed,
		.config = config,
		.product = product,
	};
	memcpy(dev->device, device, sizeof(device));
	snprintf(dev->serial, sizeof(dev->serial), "%s-%s", serial_prefix, kind);
}

void usbdev_storage_init(struct usbdev *dev, const char *busid, const char *serial_prefix)
{
	static const uint8_t config[] = {
		9, DESC_CONFIG, 32, 0, 1, 1, 0, 0x80, 50,
		9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0,	/* mass storage, SCSI, bulk-only */
		7, 5, 0x81, 0x02, 0x00, 0x02, 0,	/* bulk IN 1, 512 bytes */
		7, 5, 0x02, 0x02, 0x00, 0x02, 0,	/* bulk OUT 2 */
	};

	usbdev_init(dev, busid, "storage", 0x1209, 0x5303, USBIP_SPEED_HIGH, config,
		    "Emulated USB stick", serial_prefix);
}
