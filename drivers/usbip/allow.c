// SPDX-License-Identifier: MIT
/*
 * The allow-list. A device's kind comes from its interfaces, not from
 * what its vendor claims: a "keyboard" with a storage interface is
 * storage, and a device whose interfaces we were not told is nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "usbip_msg.h"

#define CLASS_HID	0x03
#define CLASS_STORAGE	0x08
#define CLASS_VENDOR	0xff

const char *usbip_kind_name(enum usbip_kind kind)
{
	switch (kind) {
	case USBIP_KIND_DISPLAY:
		return "display adapter";
	case USBIP_KIND_HID:
		return "HID device";
	case USBIP_KIND_STORAGE:
		return "storage";
	default:
		return "other device";
	}
}

enum usbip_kind usbip_allow_kind(const struct usbip_device_info *dev)
{
	int hid = 0, vendor = 0, n = dev->ninterfaces;

	if (n == 0)
		return USBIP_KIND_OTHER;
	for (int i = 0; i < n; i++) {
		uint8_t c = dev->interfaces[i].bInterfaceClass;

		if (c == CLASS_STORAGE)
			return USBIP_KIND_STORAGE;
		hid += c == CLASS_HID;
		vendor += c == CLASS_VENDOR;
	}
	/* udl binds DisplayLink's vendor-class interface, nothing else. */
	if (dev->vendor == USBIP_DISPLAYLINK && vendor == n)
		return USBIP_KIND_DISPLAY;
	if (hid == n)
		return USBIP_KIND_HID;
	return USBIP_KIND_OTHER;
}

bool usbip_allow_drives_head(const struct usbip_device_info *dev)
{
	if (dev->vendor != USBIP_DISPLAYLINK)
		return false;
	for (int i = 0; i < dev->ninterfaces && i < USBIP_MAX_INTERFACES; i++)
		if (dev->interfaces[i].bInterfaceClass == CLASS_VENDOR)
			return true;
	return false;
}

static bool matches(const struct usbip_match *m, uint16_t vendor, uint16_t product)
{
	return m->vendor == vendor && (m->any_product || m->product == product);
}

static const struct usbip_match *find(const struct usbip_match *list, int n, uint16_t vendor,
				      uint16_t product)
{
	for (int i = 0; i < n; i++)
		if (matches(&list[i], vendor, product))
			return &list[i];
	return NULL;
}

bool usbip_allow_decide(const struct usbip_allow *a, const struct usbip_device_info *dev,
			char *why, size_t size)
{
	enum usbip_kind kind = usbip_allow_kind(dev);
	bool ok;

	switch (kind) {
	case USBIP_KIND_DISPLAY:
		ok = !a->ndisplay || find(a->display, a->ndisplay, dev->vendor, dev->product);
		break;
	case USBIP_KIND_HID:
		ok = !a->ninput || find(a->input, a->ninput, dev->vendor, dev->product);
		break;
	case USBIP_KIND_STORAGE:
		snprintf(why, size, "%s %04x:%04x: %s", dev->busid, dev->vendor, dev->product,
			 a->storage ? "storage allowed by the configuration" :
			 "storage is not imported (storage = yes allows it)");
		return a->storage;
	default:
		snprintf(why, size, "%s %04x:%04x: neither a display adapter nor a HID device",
			 dev->busid, dev->vendor, dev->product);
		return false;
	}
	snprintf(why, size, "%s %04x:%04x: %s %s", dev->busid, dev->vendor, dev->product,
		 usbip_kind_name(kind), ok ? "allowed" : "not in the station's list");
	return ok;
}

bool usbip_allow_serial(const struct usbip_allow *a, enum usbip_kind kind, uint16_t vendor,
			uint16_t product, const char *serial)
{
	const struct usbip_match *list = kind == USBIP_KIND_DISPLAY ? a->display : a->input;
	int n = kind == USBIP_KIND_DISPLAY ? a->ndisplay : a->ninput;
	bool named = false;

	if (kind != USBIP_KIND_DISPLAY && kind != USBIP_KIND_HID)
		return true;
	for (int i = 0; i < n; i++) {
		if (!matches(&list[i], vendor, product) || !list[i].serial[0])
			continue;
		named = true;
		if (serial && !strcmp(serial, list[i].serial))
			return true;
	}
	return !named;
}

static int hex16(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned)d;
	}
	*out = (uint16_t)v;
	return 0;
}

int usbip_allow_parse(const char *text, struct usbip_match *m)
{
	const char *colon = strchr(text, ':'), *slash = strchr(text, '/');
	size_t plen;

	memset(m, 0, sizeof(*m));
	if (!colon || (slash && slash < colon) || hex16(text, (size_t)(colon - text), &m->vendor))
		return -EINVAL;
	plen = slash ? (size_t)(slash - colon - 1) : strlen(colon + 1);
	if (plen == 1 && colon[1] == '*')
		m->any_product = true;
	else if (hex16(colon + 1, plen, &m->product))
		return -EINVAL;
	if (!slash)
		return 0;
	if (!slash[1] || strlen(slash + 1) >= sizeof(m->serial))
		return -EINVAL;
	for (const char *p = slash + 1; *p; p++)
		if (*p <= ' ' || *p > '~')
			return -EINVAL;
	snprintf(m->serial, sizeof(m->serial), "%s", slash + 1);
	return 0;
}
