// SPDX-License-Identifier: MIT
/*
 * Writes the fuzz targets' seeds: valid messages of each kind, made with
 * the encoders and structures the senders use, in each target's input
 * form. Usage: fuzz_seeds DIR (tests/fuzz/corpus), one DIR/TARGET/NAME
 * file a seed.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control.h"
#include "link_proto.h"
#include "seat_proto.h"
#include "usbip_msg.h"

static const char *top;

struct seed {
	uint8_t buf[8192];
	size_t len;
};

static void put(struct seed *s, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (s->len + n > sizeof(s->buf)) {
		fprintf(stderr, "fuzz_seeds: a seed too big\n");
		exit(1);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void put_u8(struct seed *s, uint8_t v)
{
	put(s, &v, 1);
}

static void save(const char *target, const char *name, const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
	f = fopen(path, "we");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* A client request: header, then the body. */
static void request(struct seed *s, uint16_t opcode, const void *body, size_t len)
{
	struct seat_proto_header h = { .opcode = opcode, .size = (uint16_t)len };

	put(s, &h, sizeof(h));
	put(s, body, len);
}

static void open_device(struct seed *s, const char *path)
{
	struct seat_proto_open_device d = { .path_len = (uint16_t)(strlen(path) + 1) };
	struct seat_proto_header h = { .opcode = SEAT_PROTO_OPEN_DEVICE,
				       .size = (uint16_t)(sizeof(d) + d.path_len) };

	put(s, &h, sizeof(h));
	put(s, &d, sizeof(d));
	put(s, path, d.path_len);
}

static void protocol_seeds(void)
{
	int32_t id = 3, session = 2;
	struct seed s = { 0 };

	request(&s, SEAT_PROTO_OPEN_SEAT, NULL, 0);
	save("protocol", "open_seat", &s);
	s.len = 0;
	open_device(&s, "/dev/dri/card0");
	save("protocol", "open_device", &s);
	s.len = 0;
	request(&s, SEAT_PROTO_CLOSE_DEVICE, &id, sizeof(id));
	save("protocol", "close_device", &s);
	s.len = 0;
	request(&s, SEAT_PROTO_SWITCH_SESSION, &session, sizeof(session));
	save("protocol", "switch_session", &s);
	/* A session's life, as one stream. */
	s.len = 0;
	request(&s, SEAT_PROTO_OPEN_SEAT, NULL, 0);
	open_device(&s, "/dev/dri/card1");
	open_device(&s, "/dev/input/event4");
	request(&s, SEAT_PROTO_PING, NULL, 0);
	request(&s, SEAT_PROTO_CLOSE_DEVICE, &id, sizeof(id));
	request(&s, SEAT_PROTO_DISABLE_SEAT, NULL, 0);
	request(&s, SEAT_PROTO_CLOSE_SEAT, NULL, 0);
	save("protocol", "session", &s);
}

/* The control target's form: how many fds, then the datagram. */
static void control_seed(const char *name, const struct control_msg *msg, uint8_t nfds)
{
	struct seed s = { 0 };
	int n;

	put_u8(&s, nfds);
	n = control_encode(msg, s.buf + 1, sizeof(s.buf) - 1);
	if (n < 0) {
		fprintf(stderr, "fuzz_seeds: %s does not encode\n", name);
		exit(1);
	}
	s.len += (size_t)n;
	save("control", name, &s);
}

static void control_seeds(void)
{
	struct control_msg m = { .type = CONTROL_LOGON, .width = 1920, .height = 1080,
				 .layout = 0x00000407 };

	strcpy(m.user, "station0");
	strcpy(m.password, "station0");
	control_seed("logon", &m, 0);
	m = (struct control_msg){ .type = CONTROL_LOGON, .width = 1024, .height = 768 };
	control_seed("logon_empty", &m, 0);
	m = (struct control_msg){ .type = CONTROL_TLS,
				  .cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
				  .key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n" };
	control_seed("tls", &m, 0);
	m = (struct control_msg){ .type = CONTROL_ACCEPTED, .card = 2 };
	control_seed("accepted", &m, 2);
	m = (struct control_msg){ .type = CONTROL_REFUSED };
	strcpy(m.reason, "wrong user name or password");
	control_seed("refused", &m, 0);
	m = (struct control_msg){ .type = CONTROL_WATCHED, .watched_ms = 5000 };
	control_seed("watched", &m, 0);
	m = (struct control_msg){ .type = CONTROL_LOOK };
	control_seed("look", &m, 0);
	m = (struct control_msg){ .type = CONTROL_CHANGED };
	control_seed("changed", &m, 0);
}

static void link_seed(const char *name, const struct link_msg *msg, uint8_t nfds)
{
	struct seed s = { 0 };

	put_u8(&s, nfds);
	put(&s, msg, sizeof(*msg));
	save("link_proto", name, &s);
}

static void link_seeds(void)
{
	struct link_msg m = { .type = LINK_DEVICE, .devid = 1 << 16 | 2,
			      .speed = USBIP_SPEED_HIGH, .vendor = 0x17e9, .product = 0x4006,
			      .ninterfaces = 1, .interfaces = { { .bInterfaceClass = 0xff } } };

	strcpy(m.busid, "1-1.2");
	link_seed("device", &m, 1);
	m = (struct link_msg){ .type = LINK_REFUSED };
	strcpy(m.busid, "1-1.4");
	strcpy(m.text, "1-1.4 1209:5303: storage is not imported (storage = yes allows it)");
	link_seed("refused", &m, 0);
	m = (struct link_msg){ .type = LINK_READY, .status = 3, .tells = 1 };
	link_seed("ready", &m, 0);
	m = (struct link_msg){ .type = LINK_CHANGED };
	link_seed("changed", &m, 0);
}

static void put_op_header(struct seed *s, uint16_t code)
{
	struct usbip_op_header h = { htobe16(USBIP_VERSION), htobe16(code), 0 };

	put(s, &h, sizeof(h));
}

static void put_device(struct seed *s, const char *busid, uint16_t vid, uint16_t pid,
		       uint8_t nifs)
{
	struct usbip_usb_device d = {
		.busnum = htobe32(1), .devnum = htobe32(2), .speed = htobe32(USBIP_SPEED_HIGH),
		.idVendor = htobe16(vid), .idProduct = htobe16(pid), .bNumInterfaces = nifs,
	};

	snprintf(d.path, sizeof(d.path), "/sys/devices/platform/vhci_hcd.0/usb1/%s", busid);
	snprintf(d.busid, sizeof(d.busid), "%s", busid);
	put(s, &d, sizeof(d));
}

static void put_interface(struct seed *s, uint8_t cls, uint8_t sub, uint8_t proto)
{
	struct usbip_usb_interface i = { cls, sub, proto, 0 };

	put(s, &i, sizeof(i));
}

static void put_ret_submit(struct seed *s, uint32_t seqnum, const uint8_t *data, int32_t len)
{
	struct usbip_header h = { .base = { .command = htobe32(USBIP_RET_SUBMIT),
					    .seqnum = htobe32(seqnum) } };

	h.u.ret_submit.actual_length = (int32_t)htobe32((uint32_t)len);
	put(s, &h, sizeof(h));
	put(s, data, (size_t)len);
}

static const uint8_t serial_desc[] = { 16, 3, 'K', 0, 'B', 0, '-', 0, '0', 0, '0', 0,
				       '4', 0, '2', 0 };

static void usbip_seeds(void)
{
	uint32_t two = htobe32(2);
	struct seed s = { 0 };

	/* Mode byte, a spare byte (the string's room), then the wire. */
	put_u8(&s, 0);
	put_u8(&s, 64);
	put_op_header(&s, USBIP_OP_REP_DEVLIST);
	put(&s, &two, 4);
	put_device(&s, "1-1.1", 0x17e9, 0x4006, 1);
	put_interface(&s, 0xff, 0, 0);
	put_device(&s, "1-1.2", 0x1209, 0x5301, 2);
	put_interface(&s, 0x03, 1, 1);
	put_interface(&s, 0x03, 1, 2);
	save("usbip_msg", "devlist", &s);
	s.len = 0;
	put_u8(&s, 1);
	put_u8(&s, 64);
	put_op_header(&s, USBIP_OP_REP_IMPORT);
	put_device(&s, "1-1.2", 0x1209, 0x5301, 2);
	save("usbip_msg", "import", &s);
	s.len = 0;
	put_u8(&s, 2);
	put_u8(&s, 64);
	put_ret_submit(&s, 0xfffffff0u, serial_desc, sizeof(serial_desc));
	save("usbip_msg", "control_in", &s);
	s.len = 0;
	put_u8(&s, 3);
	put_u8(&s, 64);
	put(&s, serial_desc, sizeof(serial_desc));
	save("usbip_msg", "string", &s);
}

static void allow_seed(const char *name, const char *patterns, const char *busid,
		       uint16_t vid, uint16_t pid, const uint8_t *classes, int n, const char *serial)
{
	struct seed s = { 0 };

	put(&s, patterns, strlen(patterns) + 1);
	put_device(&s, busid, vid, pid, (uint8_t)n);
	for (int i = 0; i < n; i++)
		put_interface(&s, classes[i], 0, 0);
	put(&s, serial, strlen(serial));
	save("allow", name, &s);
}

static void allow_seeds(void)
{
	const uint8_t vendor[] = { 0xff }, hid[] = { 0x03, 0x03 }, storage[] = { 0x08 };

	allow_seed("display", "17e9:*,1209:5301/KB-0042", "1-1.1", 0x17e9, 0x4006, vendor, 1,
		   "DL-1");
	allow_seed("keyboard", "17e9:4006,1209:5301/KB-0042", "1-1.2", 0x1209, 0x5301, hid, 2,
		   "KB-0042");
	allow_seed("storage", "", "1-1.4", 0x1209, 0x5303, storage, 1, "");
}

static void text_seed(const char *target, const char *name, const char *text)
{
	struct seed s = { 0 };

	put(&s, text, strlen(text));
	save(target, name, &s);
}

static void config_seeds(void)
{
	text_seed("config", "seats",
		  "[broker]\nplatform = auto\nlog-level = info\nconsole = yes\n"
		  "physical-heads = auto\nsocket-dir = /run/seatmux\n\n"
		  "[seat.seat0]\nuser = station0\ncommand = cage -- /usr/bin/foot\n"
		  "env = WLR_RENDERER=pixman\nlog = /var/log/seatmux/seat0.log\n"
		  "restart-max-delay = 30\n\n"
		  "[seat.seat1]\nuser = station1\napplication = weston-terminal\n"
		  "mode = 1280x720\nconnector = 0000:01:00.0/HDMI-A-2\n");
	text_seed("config", "rdp",
		  "[rdp]\nenabled = yes\naddress = 0.0.0.0\nport = 3389\nvsock-port = 3389\n"
		  "group = rdp-users\npam-service = seatmux\ntls-dir = /var/lib/seatmux\n"
		  "sink-user = nobody\napplication = weston-terminal\nlog = /run/%s.log\n"
		  "keep = 300\nmax-pending = 8\n\n"
		  "[rdp.user.alice]\ncommand = cage -- foot\nenv = LANG=de_DE.UTF-8\n");
	text_seed("config", "usbip",
		  "[usbip]\ncert = /etc/seatmux/usbip.pem\nkey = /etc/seatmux/usbip.key\n"
		  "link-user = nobody\ngrace = 120\ntimeout = 10\n\n"
		  "[station.desk1]\naddress = 192.168.7.21\nport = 3240\ntransport = tls\n"
		  "peer = /etc/seatmux/stations/desk1.pem\nseat = seat-desk1\n"
		  "display = 17e9:*\ninput = 1209:5301/KB-0042, 046d:*\nstorage = no\n\n"
		  "[station.desk2]\naddress = 192.168.7.22\ntransport = plain\n\n"
		  "[seat.seat-desk1]\nuser = pupil1\napplication = weston-terminal\n");
}

static void input_seeds(void)
{
	/* Scancode records (code, flags LE), then a layout id. */
	static const uint8_t keys[] = { 0x1e, 0x00, 0x00, 0x1e, 0x00, 0x80, 0x48, 0x00, 0x01,
					0x1d, 0x00, 0x02, 0x64, 0x00, 0x00,
					0x09, 0x04, 0x01, 0x00 };
	static const uint8_t de[] = { 0x38, 0x00, 0x01, 0x10, 0x00, 0x00, 0x07, 0x04, 0x00, 0x00 };
	/* A keymap byte, then UTF-16LE: "Hallo, Wörld €@" and Cyrillic. */
	static const uint8_t text[] = { 1, 'H', 0, 'a', 0, 'l', 0, 'l', 0, 'o', 0, ',', 0, ' ', 0,
					'W', 0, 0xf6, 0, 'r', 0, 'l', 0, 'd', 0, ' ', 0,
					0xac, 0x20, '@', 0 };
	static const uint8_t ru[] = { 3, 0x1f, 0x04, 0x40, 0x04, 0x38, 0x04, 0x32, 0x04, '!', 0 };
	struct seed s = { 0 };

	put(&s, keys, sizeof(keys));
	save("scancode", "keys", &s);
	s.len = 0;
	put(&s, de, sizeof(de));
	save("scancode", "altgr_de", &s);
	s.len = 0;
	put(&s, text, sizeof(text));
	save("unicode", "latin", &s);
	s.len = 0;
	put(&s, ru, sizeof(ru));
	save("unicode", "cyrillic", &s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	top = argv[1];
	protocol_seeds();
	control_seeds();
	link_seeds();
	usbip_seeds();
	allow_seeds();
	config_seeds();
	input_seeds();
	return 0;
}
