/* SPDX-License-Identifier: MIT */
/*
 * USB/IP on the wire (the kernel's Documentation/usb/usbip_protocol.rst):
 * TCP, big-endian, one connection per imported device. The OP_ messages
 * come first (a device list, an import); after a successful import the
 * same connection carries USBIP_CMD_* from the importer and USBIP_RET_*
 * from the exporter. Written from the protocol description; every field
 * read from a peer is converted with be*toh and validated before use.
 */
#ifndef USBIP_PROTO_H
#define USBIP_PROTO_H

#include <stdint.h>

#define USBIP_VERSION		0x0111
#define USBIP_PORT		3240

#define USBIP_OP_REQ_DEVLIST	0x8005
#define USBIP_OP_REP_DEVLIST	0x0005
#define USBIP_OP_REQ_IMPORT	0x8003
#define USBIP_OP_REP_IMPORT	0x0003

#define USBIP_CMD_SUBMIT	0x00000001
#define USBIP_CMD_UNLINK	0x00000002
#define USBIP_RET_SUBMIT	0x00000003
#define USBIP_RET_UNLINK	0x00000004

#define USBIP_DIR_OUT		0
#define USBIP_DIR_IN		1

/* Speeds as the kernel numbers them (enum usb_device_speed). */
#define USBIP_SPEED_LOW		1
#define USBIP_SPEED_FULL	2
#define USBIP_SPEED_HIGH	3
#define USBIP_SPEED_SUPER	5

#define USBIP_BUSID_SIZE	32
#define USBIP_PATH_SIZE		256

/* The common header of every OP_ message. */
struct usbip_op_header {
	uint16_t version;
	uint16_t code;
	uint32_t status;		/* 0 ok, 1 error */
} __attribute__((packed));

/* A device as OP_REP_DEVLIST and OP_REP_IMPORT describe it: 312 bytes. */
struct usbip_usb_device {
	char path[USBIP_PATH_SIZE];
	char busid[USBIP_BUSID_SIZE];
	uint32_t busnum;
	uint32_t devnum;
	uint32_t speed;
	uint16_t idVendor;
	uint16_t idProduct;
	uint16_t bcdDevice;
	uint8_t bDeviceClass;
	uint8_t bDeviceSubClass;
	uint8_t bDeviceProtocol;
	uint8_t bConfigurationValue;
	uint8_t bNumConfigurations;
	uint8_t bNumInterfaces;
} __attribute__((packed));

/* After each device in OP_REP_DEVLIST: one of these per interface. */
struct usbip_usb_interface {
	uint8_t bInterfaceClass;
	uint8_t bInterfaceSubClass;
	uint8_t bInterfaceProtocol;
	uint8_t padding;
} __attribute__((packed));

struct usbip_header_basic {
	uint32_t command;
	uint32_t seqnum;
	uint32_t devid;		/* busnum << 16 | devnum */
	uint32_t direction;
	uint32_t ep;
} __attribute__((packed));

struct usbip_cmd_submit {
	uint32_t transfer_flags;
	int32_t transfer_buffer_length;
	int32_t start_frame;
	int32_t number_of_packets;	/* 0xffffffff when not isochronous */
	int32_t interval;
	uint8_t setup[8];
} __attribute__((packed));

struct usbip_ret_submit {
	int32_t status;			/* 0, or a negative errno */
	int32_t actual_length;
	int32_t start_frame;
	int32_t number_of_packets;
	int32_t error_count;
	uint8_t padding[8];
} __attribute__((packed));

struct usbip_cmd_unlink {
	uint32_t seqnum;		/* of the CMD_SUBMIT to unlink */
	uint8_t padding[24];
} __attribute__((packed));

struct usbip_ret_unlink {
	int32_t status;
	uint8_t padding[24];
} __attribute__((packed));

/* Every CMD_ and RET_ PDU: a 48-byte header, then data. */
struct usbip_header {
	struct usbip_header_basic base;
	union {
		struct usbip_cmd_submit cmd_submit;
		struct usbip_ret_submit ret_submit;
		struct usbip_cmd_unlink cmd_unlink;
		struct usbip_ret_unlink ret_unlink;
	} u;
} __attribute__((packed));

_Static_assert(sizeof(struct usbip_op_header) == 8, "OP header");
_Static_assert(sizeof(struct usbip_usb_device) == 312, "device record");
_Static_assert(sizeof(struct usbip_header) == 48, "CMD/RET header");

#endif
