// SPDX-License-Identifier: MIT
/*
 * USB/IP's OP_ messages, importer side. Network byte order throughout;
 * memcpy into packed structs keeps the decoders free of unaligned reads.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "usbip_msg.h"

static void put_header(uint8_t *buf, uint16_t code)
{
	struct usbip_op_header h = {
		.version = htobe16(USBIP_VERSION), .code = htobe16(code), .status = 0,
	};

	memcpy(buf, &h, sizeof(h));
}

void usbip_msg_req_devlist(uint8_t buf[USBIP_OP_HEADER_SIZE])
{
	put_header(buf, USBIP_OP_REQ_DEVLIST);
}

int usbip_msg_valid_busid(const char *s)
{
	size_t n = strnlen(s, USBIP_BUSID_SIZE);
	int digits = 0, dashes = 0;

	if (n == 0 || n >= USBIP_BUSID_SIZE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			digits++;
			continue;
		}
		/* A separator needs a digit before it and one after it. */
		if (!digits || !(s[i] == '-' || s[i] == '.') || i + 1 == n)
			return 0;
		if (s[i] == '-' && dashes++)
			return 0;
		if (s[i] == '.' && !dashes)
			return 0;
		digits = 0;
	}
	return dashes == 1;
}

int usbip_msg_req_import(uint8_t buf[USBIP_REQ_IMPORT_SIZE], const char *busid)
{
	if (!usbip_msg_valid_busid(busid))
		return -EINVAL;
	put_header(buf, USBIP_OP_REQ_IMPORT);
	memset(buf + USBIP_OP_HEADER_SIZE, 0, USBIP_BUSID_SIZE);
	memcpy(buf + USBIP_OP_HEADER_SIZE, busid, strlen(busid));
	return 0;
}

int usbip_msg_op_reply(const uint8_t buf[USBIP_OP_HEADER_SIZE], uint16_t code)
{
	struct usbip_op_header h;

	memcpy(&h, buf, sizeof(h));
	if (be16toh(h.version) != USBIP_VERSION || be16toh(h.code) != code)
		return -EPROTO;
	return h.status ? -EACCES : 0;
}

int usbip_msg_devlist_count(const uint8_t buf[4], uint32_t *count)
{
	uint32_t n;

	memcpy(&n, buf, 4);
	*count = be32toh(n);
	return *count > USBIP_MAX_DEVICES ? -E2BIG : 0;
}

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int usbip_msg_device(const uint8_t buf[USBIP_DEVICE_SIZE], struct usbip_device_info *dev)
{
	struct usbip_usb_device d;

	memcpy(&d, buf, sizeof(d));
	memset(dev, 0, sizeof(*dev));
	if (!terminated(d.path, sizeof(d.path)) || !terminated(d.busid, sizeof(d.busid)) ||
	    !usbip_msg_valid_busid(d.busid))
		return -EPROTO;
	memcpy(dev->path, d.path, sizeof(dev->path));
	memcpy(dev->busid, d.busid, sizeof(dev->busid));
	dev->busnum = be32toh(d.busnum);
	dev->devnum = be32toh(d.devnum);
	dev->speed = be32toh(d.speed);
	dev->vendor = be16toh(d.idVendor);
	dev->product = be16toh(d.idProduct);
	dev->bcd_device = be16toh(d.bcdDevice);
	dev->dev_class = d.bDeviceClass;
	dev->dev_subclass = d.bDeviceSubClass;
	dev->dev_protocol = d.bDeviceProtocol;
	dev->num_interfaces = d.bNumInterfaces;
	/* devid packs both in 16 bits each; vhci takes speeds up to super. */
	if (dev->busnum > 0xffff || dev->devnum > 0xffff || dev->devnum == 0 ||
	    dev->speed < USBIP_SPEED_LOW || dev->speed > USBIP_SPEED_SUPER ||
	    dev->num_interfaces > USBIP_MAX_INTERFACES)
		return -EPROTO;
	return 0;
}

void usbip_msg_interface(const uint8_t buf[USBIP_INTERFACE_SIZE], struct usbip_device_info *dev,
			 int i)
{
	if (i < 0 || i >= USBIP_MAX_INTERFACES)
		return;
	memcpy(&dev->interfaces[i], buf, USBIP_INTERFACE_SIZE);
	if (i >= dev->ninterfaces)
		dev->ninterfaces = i + 1;
}

uint32_t usbip_msg_devid(const struct usbip_device_info *dev)
{
	return dev->busnum << 16 | dev->devnum;
}

int usbip_msg_read_devlist(usbip_msg_reader read, void *ctx, struct usbip_device_info *devs,
			   int max)
{
	uint8_t buf[USBIP_DEVICE_SIZE];
	uint32_t count;
	int rc;

	if ((rc = read(ctx, buf, USBIP_OP_HEADER_SIZE)) < 0 ||
	    (rc = usbip_msg_op_reply(buf, USBIP_OP_REP_DEVLIST)) < 0 ||
	    (rc = read(ctx, buf, 4)) < 0 || (rc = usbip_msg_devlist_count(buf, &count)) < 0)
		return rc;
	if ((int)count > max)
		return -E2BIG;
	for (uint32_t i = 0; i < count; i++) {
		if ((rc = read(ctx, buf, USBIP_DEVICE_SIZE)) < 0 ||
		    (rc = usbip_msg_device(buf, &devs[i])) < 0)
			return rc;
		for (int j = 0; j < devs[i].num_interfaces; j++) {
			if ((rc = read(ctx, buf, USBIP_INTERFACE_SIZE)) < 0)
				return rc;
			usbip_msg_interface(buf, &devs[i], j);
		}
	}
	return (int)count;
}

int usbip_msg_read_import(usbip_msg_reader read, void *ctx, const char *busid,
			  struct usbip_device_info *dev)
{
	uint8_t buf[USBIP_DEVICE_SIZE];
	int rc;

	if ((rc = read(ctx, buf, USBIP_OP_HEADER_SIZE)) < 0 ||
	    (rc = usbip_msg_op_reply(buf, USBIP_OP_REP_IMPORT)) < 0 ||
	    (rc = read(ctx, buf, USBIP_DEVICE_SIZE)) < 0 || (rc = usbip_msg_device(buf, dev)) < 0)
		return rc;
	/* An exporter that answers with another device is not to be trusted
	 * with this one either. */
	return strcmp(dev->busid, busid) ? -EPROTO : 0;
}

void usbip_msg_control_in(uint8_t buf[USBIP_CMD_SIZE], uint32_t seqnum, uint32_t devid,
			  uint8_t request, uint16_t value, uint16_t index, uint16_t length)
{
	struct usbip_header h = {
		.base = { htobe32(USBIP_CMD_SUBMIT), htobe32(seqnum), htobe32(devid),
			  htobe32(USBIP_DIR_IN), 0 },
	};
	uint8_t setup[8] = { 0x80, request, (uint8_t)value, (uint8_t)(value >> 8),
			     (uint8_t)index, (uint8_t)(index >> 8),
			     (uint8_t)length, (uint8_t)(length >> 8) };

	h.u.cmd_submit.transfer_buffer_length = (int32_t)htobe32(length);
	h.u.cmd_submit.number_of_packets = (int32_t)htobe32(0xffffffffu);
	memcpy(h.u.cmd_submit.setup, setup, sizeof(setup));
	memcpy(buf, &h, sizeof(h));
}

int usbip_msg_read_control_in(usbip_msg_reader read, void *ctx, uint32_t seqnum, uint8_t *data,
			      size_t size)
{
	struct usbip_header h;
	int32_t status, len;
	int rc;

	if ((rc = read(ctx, &h, sizeof(h))) < 0)
		return rc;
	status = (int32_t)be32toh((uint32_t)h.u.ret_submit.status);
	len = (int32_t)be32toh((uint32_t)h.u.ret_submit.actual_length);
	if (be32toh(h.base.command) != USBIP_RET_SUBMIT || be32toh(h.base.seqnum) != seqnum ||
	    len < 0 || (size_t)len > size)
		return -EPROTO;
	if ((rc = read(ctx, data, (size_t)len)) < 0)
		return rc;
	return status ? -EIO : len;
}

void usbip_msg_string(const uint8_t *desc, size_t len, char *out, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	/* bLength, then bDescriptorType 3 (a string). */
	if (len < 2 || desc[1] != 3)
		return;
	if (len > desc[0])
		len = desc[0];
	for (size_t i = 2; i + 1 < len && n + 1 < size; i += 2) {
		uint16_t c = (uint16_t)(desc[i] | desc[i + 1] << 8);

		out[n++] = c > ' ' && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
}
