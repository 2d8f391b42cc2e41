/* SPDX-License-Identifier: MIT */
/*
 * What the emulated devices share: the standard requests, answered from a
 * device's descriptors, so that a model adds only its class and vendor
 * requests and its endpoints.
 */
#ifndef USBDEV_H
#define USBDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USBDEV_STRING_MAX	64

/* A setup packet, in host order. */
struct usb_setup {
	uint8_t type;
	uint8_t request;
	uint16_t value;
	uint16_t index;
	uint16_t length;
};

struct usbdev;

struct usbdev_ops {
	/* A request the standard ones leave: the bytes put in `in` (at
	 * most s->length), or -EPIPE. */
	int (*control)(struct usbdev *dev, const struct usb_setup *s, const uint8_t *out,
		       uint8_t *in);
	/* A transfer on endpoint ep (1-15): the bytes moved, -EAGAIN to
	 * hold an IN transfer until there is data, or -EPIPE. */
	int (*transfer)(struct usbdev *dev, int ep, bool in, uint8_t *buf, size_t len);
};

struct usbdev {
	const char *busid;
	const char *kind;		/* for log lines */
	uint32_t speed;			/* USBIP_SPEED_* */
	uint8_t device[18];		/* the device descriptor */
	const uint8_t *config;		/* configuration, interfaces, endpoints */
	const char *product;
	char serial[USBDEV_STRING_MAX];
	const struct usbdev_ops *ops;	/* NULL: standard requests only */
	uint8_t configuration;
	uint32_t stalled[32];		/* requests logged already */
	int nstalled;
};

#define usbdev_of(ptr, type) ((type *)((char *)(ptr) - offsetof(type, usb)))

void usbdev_init(struct usbdev *dev, const char *busid, const char *kind, uint16_t vid,
		 uint16_t pid, uint32_t speed, const uint8_t *config, const char *product,
		 const char *serial_prefix);
void usbdev_parse_setup(struct usb_setup *s, const uint8_t raw[8]);

/* The bytes put in `in` (at most s->length), or -EPIPE for a stall. */
int usbdev_control(struct usbdev *dev, const struct usb_setup *s, const uint8_t *out, uint8_t *in);

/* True the first time this kind of request is stalled: worth a log line. */
bool usbdev_first_stall(struct usbdev *dev, const struct usb_setup *s);

/* Copies what fits of an answer into `in`; returns the bytes copied. */
int usbdev_reply(uint8_t *in, const struct usb_setup *s, const void *data, size_t size);

uint16_t usbdev_config_length(const struct usbdev *dev);

/* A USB stick (class 08/06/50) that answers descriptors and stalls the rest. */
void usbdev_storage_init(struct usbdev *dev, const char *busid, const char *serial_prefix);

#endif
