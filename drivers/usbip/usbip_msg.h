/* SPDX-License-Identifier: MIT */
/*
 * The importer's half of USB/IP's OP_ messages: requests encoded, replies
 * decoded and checked. Replies come from the network, so every decoder
 * takes a fixed-size piece (the caller reads exactly that many bytes) and
 * refuses anything out of range before the caller allocates or trusts it.
 */
#ifndef SEATMUX_USBIP_MSG_H
#define SEATMUX_USBIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "usbip_proto.h"

/* A device list longer than this, or a device with more interfaces, is
 * hostile: no zero client has that many. */
#define USBIP_MAX_DEVICES	32
#define USBIP_MAX_INTERFACES	16

/* A device record in host order, its strings NUL-terminated. */
struct usbip_device_info {
	char path[USBIP_PATH_SIZE];
	char busid[USBIP_BUSID_SIZE];
	uint32_t busnum, devnum, speed;
	uint16_t vendor, product, bcd_device;
	uint8_t dev_class, dev_subclass, dev_protocol;
	uint8_t num_interfaces;
	struct usbip_usb_interface interfaces[USBIP_MAX_INTERFACES];
	int ninterfaces;	/* known from a device list; 0 after an import */
};

#define USBIP_OP_HEADER_SIZE	sizeof(struct usbip_op_header)
#define USBIP_DEVICE_SIZE	sizeof(struct usbip_usb_device)
#define USBIP_INTERFACE_SIZE	sizeof(struct usbip_usb_interface)
#define USBIP_REQ_IMPORT_SIZE	(USBIP_OP_HEADER_SIZE + USBIP_BUSID_SIZE)

/* An OP_REQ_DEVLIST into buf (8 bytes). */
void usbip_msg_req_devlist(uint8_t buf[USBIP_OP_HEADER_SIZE]);
/* An OP_REQ_IMPORT of busid into buf; -EINVAL if busid is not a busid. */
int usbip_msg_req_import(uint8_t buf[USBIP_REQ_IMPORT_SIZE], const char *busid);

/* A reply's header: 0 if it is `code` at our version and says ok,
 * -EACCES if the exporter said no, -EPROTO if it is not that reply. */
int usbip_msg_op_reply(const uint8_t buf[USBIP_OP_HEADER_SIZE], uint16_t code);
/* The device count after OP_REP_DEVLIST's header; -E2BIG past the cap. */
int usbip_msg_devlist_count(const uint8_t buf[4], uint32_t *count);
/* One 312-byte record; -EPROTO for unterminated strings, an invalid
 * busid, an unknown speed, or more interfaces than we accept. */
int usbip_msg_device(const uint8_t buf[USBIP_DEVICE_SIZE], struct usbip_device_info *dev);
/* The interface list's entry i (after a devlist record). */
void usbip_msg_interface(const uint8_t buf[USBIP_INTERFACE_SIZE], struct usbip_device_info *dev,
			 int i);
/* Reads exactly n bytes from the peer: 0, or a negative errno (a peer
 * that closes early gives -ECONNRESET). */
typedef int (*usbip_msg_reader)(void *ctx, void *buf, size_t n);

/* A whole OP_REP_DEVLIST: up to max devices with their interfaces into
 * devs; the count, or a negative errno (-EPROTO, -E2BIG, the reader's). */
int usbip_msg_read_devlist(usbip_msg_reader read, void *ctx, struct usbip_device_info *devs,
			   int max);
/* A whole OP_REP_IMPORT for busid: 0, -EACCES if refused, -EPROTO if the
 * record is malformed or is not the device asked for. */
int usbip_msg_read_import(usbip_msg_reader read, void *ctx, const char *busid,
			  struct usbip_device_info *dev);
/* A control IN request on endpoint 0 (a CMD_SUBMIT), for reading a
 * descriptor before the kernel takes the connection over. */
#define USBIP_CMD_SIZE sizeof(struct usbip_header)
void usbip_msg_control_in(uint8_t buf[USBIP_CMD_SIZE], uint32_t seqnum, uint32_t devid,
			  uint8_t request, uint16_t value, uint16_t index, uint16_t length);
/* Its RET_SUBMIT: up to size bytes of data into data; the length, or
 * -EPROTO (another seqnum, a length past what was asked), -EIO (the
 * device failed the request), or the reader's error. */
int usbip_msg_read_control_in(usbip_msg_reader read, void *ctx, uint32_t seqnum, uint8_t *data,
			      size_t size);
/* A string descriptor's UTF-16LE as printable ASCII ('?' for the rest). */
void usbip_msg_string(const uint8_t *desc, size_t len, char *out, size_t size);

/* busnum << 16 | devnum, as vhci's attach file wants it. */
uint32_t usbip_msg_devid(const struct usbip_device_info *dev);
/* Whether s is a USB/IP busid: "B-P[.P]..." with digits, under 32 bytes. */
int usbip_msg_valid_busid(const char *s);

#endif
