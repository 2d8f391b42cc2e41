// SPDX-License-Identifier: MIT
/* What seatmuxd attaches when a station's link asks: a fake link's
 * LINK_DEVICE messages, passed with a socket over a real control pair,
 * decided by the station's allow-list from seatmuxd's configuration. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "link_proto.h"
#include "test.h"

static const char conf[] =
	"[station.desk1]\n"
	"address = 10.0.2.100\n"
	"transport = plain\n"
	"display = 17e9:4006\n"
	"input = 1209:5301/desk1-keyboard, 1209:5302\n";

/* A device as a link describes it: busid, ids and interface classes. */
static struct link_msg device(const char *busid, uint16_t vendor, uint16_t product,
			      const uint8_t *classes, int n, const char *serial)
{
	struct link_msg msg = {
		.type = LINK_DEVICE, .devid = 1u << 16 | 2, .speed = USBIP_SPEED_HIGH,
		.vendor = vendor, .product = product, .ninterfaces = (uint8_t)n,
	};

	snprintf(msg.busid, sizeof(msg.busid), "%s", busid);
	snprintf(msg.serial, sizeof(msg.serial), "%s", serial);
	for (int i = 0; i < n; i++)
		msg.interfaces[i].bInterfaceClass = classes[i];
	return msg;
}

/* As on_control takes it: the message and its socket through the
 * control pair, then checked, then decided; 0 or the refusal. */
static int take(const struct usbip_allow *allow, const struct link_msg *sent, char *why,
		size_t size)
{
	int control[2], usb[2], fd = -1, rc;
	struct link_msg got;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, usb) < 0) {
		rc = -errno;
		goto out;
	}
	rc = link_proto_send(control[1], sent, usb[0]);
	if (rc == 0)
		rc = link_proto_recv(control[0], &got, &fd, 1000);
	if (rc == 0)
		rc = link_proto_check(&got, fd);
	if (rc == 0)
		rc = link_proto_allowed(allow, &got, why, size);
	if (fd >= 0)
		close(fd);
	close(usb[0]);
	close(usb[1]);
out:
	close(control[0]);
	close(control[1]);
	return rc;
}

static void test_allow_list(struct test_state *t)
{
	const uint8_t vendor[] = { 0xff }, hid[] = { 0x03 }, storage[] = { 0x08 },
		      mixed[] = { 0x03, 0x08 }, hub[] = { 0x09 };
	struct config cfg;
	const struct station_config *st;
	struct link_msg msg;
	char why[256] = "";

	config_init(&cfg);
	CHECK(t, config_load_string(&cfg, conf, "test.conf") == 0);
	st = config_station(&cfg, "desk1");
	CHECK(t, st != NULL);
	if (!st) {
		config_finish(&cfg);
		return;
	}

	/* What the station is declared with passes. */
	msg = device("1-1", 0x17e9, 0x4006, vendor, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == 0);
	msg = device("1-2", 0x1209, 0x5301, hid, 1, "desk1-keyboard");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == 0);
	msg = device("1-3", 0x1209, 0x5302, hid, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == 0);

	/* A USB stick the configuration does not allow. */
	msg = device("1-4", 0x1209, 0x5303, storage, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	CHECK(t, strstr(why, "1-4 1209:5303: storage is not imported") != NULL);
	/* A keyboard with a storage interface is storage. */
	msg = device("1-5", 0x1209, 0x5302, mixed, 2, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	/* HID, but no vendor:product on the station's list. */
	msg = device("1-6", 0x046d, 0xc31c, hid, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	CHECK(t, strstr(why, "not in the station's list") != NULL);
	/* Another DisplayLink adapter than the one declared. */
	msg = device("1-7", 0x17e9, 0x0198, vendor, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	/* A hub, and a device whose interfaces the link did not give. */
	msg = device("1-8", 0x05e3, 0x0608, hub, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	msg = device("1-1", 0x17e9, 0x4006, vendor, 0, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	/* The keyboard allowed by serial, with another serial or none. */
	msg = device("1-2", 0x1209, 0x5301, hid, 1, "desk2-keyboard");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	CHECK(t, strstr(why, "serial 'desk2-keyboard' is not one allowed") != NULL);
	msg = device("1-2", 0x1209, 0x5301, hid, 1, "");
	CHECK(t, take(&st->allow, &msg, why, sizeof(why)) == -EPERM);
	config_finish(&cfg);
}

static void test_fields(struct test_state *t)
{
	const uint8_t hid[] = { 0x03 };
	struct usbip_allow any = { 0 };
	struct link_msg ok = device("1-2", 0x1209, 0x5301, hid, 1, ""), msg;
	char why[256], line[64];

	CHECK(t, take(&any, &ok, why, sizeof(why)) == 0);
	/* vhci's USB 2 ports take low, full and high speed only. */
	msg = ok;
	msg.speed = USBIP_SPEED_SUPER;
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	msg.speed = 0;
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	/* A device address is never 0. */
	msg = ok;
	msg.devid = 1u << 16;
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	/* Busids are "B-P[.P]...", terminated. */
	msg = ok;
	snprintf(msg.busid, sizeof(msg.busid), "../1-1");
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	memset(msg.busid, '1', sizeof(msg.busid));
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	/* No more interfaces than a device list may give. */
	msg = ok;
	msg.ninterfaces = USBIP_MAX_INTERFACES + 1;
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	/* A serial as the allow-list writes them, terminated. */
	msg = ok;
	snprintf(msg.serial, sizeof(msg.serial), "a b");
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	memset(msg.serial, 'a', sizeof(msg.serial));
	CHECK(t, take(&any, &msg, why, sizeof(why)) == -EPROTO);
	/* A device comes with its socket. */
	CHECK(t, link_proto_check(&ok, -1) == -EPROTO);
	/* The rest come without; a link says whether it tells changes (0
	 * or 1), and never asks for a look: that is seatmuxd's. */
	msg = (struct link_msg){ .type = LINK_READY, .status = 2, .tells = 1 };
	CHECK(t, link_proto_check(&msg, -1) == 0 && link_proto_check(&msg, 5) == -EPROTO);
	msg.tells = 2;
	CHECK(t, link_proto_check(&msg, -1) == -EPROTO);
	msg = (struct link_msg){ .type = LINK_CHANGED };
	CHECK(t, link_proto_check(&msg, -1) == 0 && link_proto_check(&msg, 5) == -EPROTO);
	msg.type = LINK_LOOK;
	CHECK(t, link_proto_check(&msg, -1) == -EPROTO);

	/* vhci's attach line: USB 2 ports 0 to 14 only. */
	CHECK(t, link_proto_attach_line(line, sizeof(line), 3, 7, &ok) == 0);
	CHECK(t, !strcmp(line, "3 7 65538 3"));
	CHECK(t, link_proto_attach_line(line, sizeof(line), 14, 7, &ok) == 0);
	CHECK(t, link_proto_attach_line(line, sizeof(line), 15, 7, &ok) == -EINVAL);
	CHECK(t, link_proto_attach_line(line, sizeof(line), -1, 7, &ok) == -EINVAL);
	CHECK(t, link_proto_attach_line(line, sizeof(line), 3, -1, &ok) == -EINVAL);
	CHECK(t, link_proto_attach_line(line, 8, 3, 7, &ok) == -EINVAL);
	msg = ok;
	msg.speed = USBIP_SPEED_SUPER;
	CHECK(t, link_proto_attach_line(line, sizeof(line), 3, 7, &msg) == -EINVAL);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_allow_list);
	RUN(&t, test_fields);
	return TEST_SUMMARY(&t);
}
