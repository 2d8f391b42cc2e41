// SPDX-License-Identifier: MIT
#include <errno.h>

#include "displaylink.h"
#include "usbip_proto.h"

#define DL_VENDOR		0x17e9
#define DL_PRODUCT		0x4006
#define REQ_GET_DESCRIPTOR	0x06
#define DESC_VENDOR		0x5f
#define REQ_READ_EDID		0x02	/* wValue: byte << 8, wIndex 0xA1 */
#define EDID_INDEX		0xa1
#define REQ_SELECT_CHANNEL	0x12
#define EP_STREAM		1

static const uint8_t config[] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 250,
	9, 4, 0, 0, 1, 0xff, 0x00, 0x00, 0,	/* vendor class, as udl matches it */
	7, 5, EP_STREAM, 0x02, 0x00, 0x02, 0,	/* bulk OUT 1, 512 bytes */
};

/* A header (length, type, version 1, length after the type), then one key:
 * 0x0200, the largest mode in pixels, which udl filters modes by. */
static int vendor_descriptor(const struct displaylink *dl, const struct usb_setup *s,
			     uint8_t *in)
{
	const uint32_t area = dl->max_area;
	const uint8_t desc[12] = {
		12, DESC_VENDOR, 0x01, 0x00, 10,
		0x00, 0x02, 4,
		(uint8_t)area, (uint8_t)(area >> 8), (uint8_t)(area >> 16), (uint8_t)(area >> 24),
	};

	return usbdev_reply(in, s, desc, sizeof(desc));
}

static int dl_control(struct usbdev *usb, const struct usb_setup *s, const uint8_t *out,
		      uint8_t *in)
{
	const struct displaylink *dl = usbdev_of(usb, struct displaylink);
	unsigned int byte = s->value >> 8;

	if (s->type == 0x80 && s->request == REQ_GET_DESCRIPTOR && s->value == DESC_VENDOR << 8)
		return vendor_descriptor(dl, s, in);
	if (s->type == 0xc0 && s->request == REQ_READ_EDID && s->index == EDID_INDEX &&
	    byte < EDID_SIZE) {
		const uint8_t reply[2] = { 0, dl->edid[byte] };

		return usbdev_reply(in, s, reply, sizeof(reply));
	}
	if (s->type == 0x40 && s->request == REQ_SELECT_CHANNEL)
		return 0;
	return -EPIPE;
}

static int dl_transfer(struct usbdev *usb, int ep, bool in, uint8_t *buf, size_t len)
{
	struct displaylink *dl = usbdev_of(usb, struct displaylink);

	if (ep != EP_STREAM || in)
		return -EPIPE;
	rlx16_feed(&dl->decoder, buf, len);
	return (int)len;
}

static const struct usbdev_ops dl_ops = {
	.control = dl_control,
	.transfer = dl_transfer,
};

int displaylink_init(struct displaylink *dl, const char *busid, const char *serial_prefix,
		     int width, int height)
{
	if (edid_generate(dl->edid, width, height, "seatmux-emu") < 0)
		return -1;
	if (rlx16_init(&dl->decoder, width, height) < 0)
		return -1;
	usbdev_init(&dl->usb, busid, "display", DL_VENDOR, DL_PRODUCT, USBIP_SPEED_HIGH, config,
		    "Emulated DisplayLink adapter", serial_prefix);
	dl->usb.ops = &dl_ops;
	/* Room for the mode, and for a full HD one where it is smaller. */
	dl->max_area = (uint32_t)width * (uint32_t)height;
	if (dl->max_area < 1920 * 1080)
		dl->max_area = 1920 * 1080;
	return 0;
}

void displaylink_fini(struct displaylink *dl)
{
	rlx16_fini(&dl->decoder);
}
