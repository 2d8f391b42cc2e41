// SPDX-License-Identifier: MIT
/* USB/IP's OP_ messages as the importer sees them, hostile replies
 * included, and the allow-list's decisions. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "allow.h"
#include "cmd_scan.h"
#include "test.h"
#include "usbip_msg.h"

/* A reply being read: a buffer that runs out like a closed socket. */
struct feed {
	uint8_t buf[4096];
	size_t len, pos;
};

static int feed_read(void *ctx, void *buf, size_t n)
{
	struct feed *f = ctx;

	if (f->len - f->pos < n)
		return -ECONNRESET;
	memcpy(buf, f->buf + f->pos, n);
	f->pos += n;
	return 0;
}

static void put(struct feed *f, const void *p, size_t n)
{
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

static void put_header(struct feed *f, uint16_t code, uint32_t status)
{
	struct usbip_op_header h = { htobe16(USBIP_VERSION), htobe16(code), htobe32(status) };

	put(f, &h, sizeof(h));
}

static void put_device(struct feed *f, const char *busid, uint16_t vid, uint16_t pid,
		       uint8_t nifs)
{
	struct usbip_usb_device d = {
		.busnum = htobe32(1), .devnum = htobe32(2), .speed = htobe32(USBIP_SPEED_HIGH),
		.idVendor = htobe16(vid), .idProduct = htobe16(pid), .bNumInterfaces = nifs,
	};

	snprintf(d.path, sizeof(d.path), "/sys/devices/platform/emu/%s", busid);
	snprintf(d.busid, sizeof(d.busid), "%s", busid);
	put(f, &d, sizeof(d));
}

static void put_interface(struct feed *f, uint8_t cls)
{
	struct usbip_usb_interface i = { cls, 0, 0, 0 };

	put(f, &i, sizeof(i));
}

static void test_requests(struct test_state *t)
{
	uint8_t buf[USBIP_REQ_IMPORT_SIZE];
	const uint8_t devlist[] = { 0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0 };

	usbip_msg_req_devlist(buf);
	CHECK(t, !memcmp(buf, devlist, 8));
	CHECK(t, usbip_msg_req_import(buf, "1-1.2") == 0);
	CHECK(t, buf[2] == 0x80 && buf[3] == 0x03);
	CHECK(t, !strcmp((char *)buf + 8, "1-1.2") && buf[8 + 31] == 0);
	/* Busids are digits, one dash, dots after it: nothing else. */
	CHECK(t, usbip_msg_req_import(buf, "") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "1-") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "-1") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "1.2-3") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "1-2-3") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "../1-1") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "1-1\n") == -EINVAL);
	CHECK(t, usbip_msg_req_import(buf, "1-11111111111111111111111111111111") == -EINVAL);
}

static void test_devlist(struct test_state *t)
{
	struct usbip_device_info devs[USBIP_MAX_DEVICES];
	struct feed f = { 0 };
	uint32_t n = htobe32(2);

	put_header(&f, USBIP_OP_REP_DEVLIST, 0);
	put(&f, &n, 4);
	put_device(&f, "1-1", 0x17e9, 0x4006, 1);
	put_interface(&f, 0xff);
	put_device(&f, "1-2", 0x1209, 0x5301, 2);
	put_interface(&f, 0x03);
	put_interface(&f, 0x03);
	CHECK(t, usbip_msg_read_devlist(feed_read, &f, devs, USBIP_MAX_DEVICES) == 2);
	CHECK(t, !strcmp(devs[0].busid, "1-1") && devs[0].vendor == 0x17e9);
	CHECK(t, devs[0].ninterfaces == 1 && devs[0].interfaces[0].bInterfaceClass == 0xff);
	CHECK(t, devs[1].product == 0x5301 && devs[1].ninterfaces == 2);
	CHECK(t, usbip_msg_devid(&devs[0]) == (1u << 16 | 2));
	CHECK(t, devs[0].speed == USBIP_SPEED_HIGH);

	/* Cut anywhere, it is an error and never a shorter list. */
	for (size_t cut = 0; cut < f.len; cut += 7) {
		struct feed g = f;

		g.len = cut;
		g.pos = 0;
		CHECK(t, usbip_msg_read_devlist(feed_read, &g, devs, USBIP_MAX_DEVICES) == -ECONNRESET);
	}
}

static void test_hostile(struct test_state *t)
{
	struct usbip_device_info devs[USBIP_MAX_DEVICES], dev;
	struct feed f = { 0 };
	uint32_t n = htobe32(0x7fffffff);
	struct usbip_usb_device *d;

	/* A count that would have us allocate the world. */
	put_header(&f, USBIP_OP_REP_DEVLIST, 0);
	put(&f, &n, 4);
	CHECK(t, usbip_msg_read_devlist(feed_read, &f, devs, USBIP_MAX_DEVICES) == -E2BIG);
	/* More devices than the caller has room for. */
	f.len = f.pos = 0;
	n = htobe32(3);
	put_header(&f, USBIP_OP_REP_DEVLIST, 0);
	put(&f, &n, 4);
	CHECK(t, usbip_msg_read_devlist(feed_read, &f, devs, 2) == -E2BIG);
	/* Another version, another reply code, a refusal. */
	f.len = f.pos = 0;
	put_header(&f, USBIP_OP_REP_DEVLIST, 0);
	f.buf[1] = 0x06;
	CHECK(t, usbip_msg_read_devlist(feed_read, &f, devs, 8) == -EPROTO);
	f.len = f.pos = 0;
	put_header(&f, USBIP_OP_REP_IMPORT, 0);
	CHECK(t, usbip_msg_read_devlist(feed_read, &f, devs, 8) == -EPROTO);
	f.len = f.pos = 0;
	put_header(&f, USBIP_OP_REP_IMPORT, 1);
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-1", &dev) == -EACCES);

	/* An import answered with another device. */
	f.len = f.pos = 0;
	put_header(&f, USBIP_OP_REP_IMPORT, 0);
	put_device(&f, "1-2", 0x1209, 0x5301, 1);
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-1", &dev) == -EPROTO);
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == 0);
	CHECK(t, dev.ninterfaces == 0);

	/* Records with unterminated strings, a bad busid, impossible fields. */
	d = (struct usbip_usb_device *)(f.buf + 8);
	memset(d->busid, '1', sizeof(d->busid));
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == -EPROTO);
	snprintf(d->busid, sizeof(d->busid), "1-2");
	memset(d->path, 'p', sizeof(d->path));
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == -EPROTO);
	d->path[0] = 0;
	d->speed = htobe32(9);
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == -EPROTO);
	d->speed = htobe32(USBIP_SPEED_FULL);
	d->busnum = htobe32(0x10000);
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == -EPROTO);
	d->busnum = htobe32(1);
	d->bNumInterfaces = 200;
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == -EPROTO);
	d->bNumInterfaces = 1;
	f.pos = 0;
	CHECK(t, usbip_msg_read_import(feed_read, &f, "1-2", &dev) == 0);
}

static void put_ret(struct feed *f, uint32_t seqnum, int32_t status, const void *data,
		    int32_t len)
{
	struct usbip_header h = { .base = { .command = htobe32(USBIP_RET_SUBMIT),
					     .seqnum = htobe32(seqnum) } };

	h.u.ret_submit.status = (int32_t)htobe32((uint32_t)status);
	h.u.ret_submit.actual_length = (int32_t)htobe32((uint32_t)len);
	put(f, &h, sizeof(h));
	if (len > 0)
		put(f, data, (size_t)len);
}

/* Reading a serial number through the import's connection. */
static void test_control(struct test_state *t)
{
	const uint8_t want[8] = { 0x80, 0x06, 0x03, 0x03, 0x09, 0x04, 0xff, 0x00 };
	const uint8_t serial[] = { 10, 3, 'K', 0, 'B', 0, '-', 0, 0x01, 0x26 };
	uint8_t buf[USBIP_CMD_SIZE], data[255];
	struct usbip_header h;
	struct feed f = { 0 };
	char text[64];

	usbip_msg_control_in(buf, 7, 0x10002, 0x06, 0x0303, 0x0409, 255);
	memcpy(&h, buf, sizeof(h));
	CHECK(t, be32toh(h.base.command) == USBIP_CMD_SUBMIT && be32toh(h.base.seqnum) == 7);
	CHECK(t, be32toh(h.base.devid) == 0x10002 && be32toh(h.base.direction) == USBIP_DIR_IN);
	CHECK(t, h.base.ep == 0 && be32toh((uint32_t)h.u.cmd_submit.transfer_buffer_length) == 255);
	CHECK(t, !memcmp(h.u.cmd_submit.setup, want, 8));

	put_ret(&f, 7, 0, serial, sizeof(serial));
	CHECK(t, usbip_msg_read_control_in(feed_read, &f, 7, data, sizeof(data)) == sizeof(serial));
	usbip_msg_string(data, sizeof(serial), text, sizeof(text));
	CHECK(t, !strcmp(text, "KB-?"));
	/* Another request's answer, more than was asked, a stall, a cut. */
	f.len = f.pos = 0;
	put_ret(&f, 8, 0, serial, sizeof(serial));
	CHECK(t, usbip_msg_read_control_in(feed_read, &f, 7, data, sizeof(data)) == -EPROTO);
	f.len = f.pos = 0;
	put_ret(&f, 7, 0, serial, sizeof(serial));
	CHECK(t, usbip_msg_read_control_in(feed_read, &f, 7, data, 4) == -EPROTO);
	f.len = f.pos = 0;
	put_ret(&f, 7, -32, NULL, 0);
	CHECK(t, usbip_msg_read_control_in(feed_read, &f, 7, data, sizeof(data)) == -EIO);
	f.len = f.pos = 0;
	put_ret(&f, 7, 0, serial, sizeof(serial));
	f.len -= 3;
	CHECK(t, usbip_msg_read_control_in(feed_read, &f, 7, data, sizeof(data)) == -ECONNRESET);
	f.len = f.pos = 0;
	put_ret(&f, 7, 0, serial, -5);
	CHECK(t, usbip_msg_read_control_in(feed_read, &f, 7, data, sizeof(data)) == -EPROTO);
	/* Strings that lie about their length or type. */
	data[0] = 200;
	data[1] = 3;
	data[2] = 'A';
	data[3] = 0;
	usbip_msg_string(data, 4, text, sizeof(text));
	CHECK(t, !strcmp(text, "A"));
	data[1] = 1;
	usbip_msg_string(data, 4, text, sizeof(text));
	CHECK(t, !strcmp(text, ""));
	usbip_msg_string(data, 0, text, sizeof(text));
	CHECK(t, !strcmp(text, ""));
}

static struct usbip_device_info device(const char *busid, uint16_t vid, uint16_t pid,
				       const uint8_t *classes, int n)
{
	struct usbip_device_info d = { .vendor = vid, .product = pid, .ninterfaces = n };

	snprintf(d.busid, sizeof(d.busid), "%s", busid);
	for (int i = 0; i < n; i++)
		d.interfaces[i].bInterfaceClass = classes[i];
	return d;
}

static void test_allow(struct test_state *t)
{
	const uint8_t vendor[] = { 0xff }, hid[] = { 0x03, 0x03 }, storage[] = { 0x08 },
		      mixed[] = { 0x03, 0x08 }, hub[] = { 0x09 }, cam[] = { 0x0e, 0x01 };
	struct usbip_device_info dl = device("1-1", 0x17e9, 0x4006, vendor, 1),
		kbd = device("1-2", 0x1209, 0x5301, hid, 2),
		disk = device("1-4", 0x1209, 0x5303, storage, 1),
		evil = device("1-5", 0x1209, 0x5301, mixed, 2),
		hubd = device("1-6", 0x05e3, 0x0608, hub, 1),
		camd = device("1-7", 0x046d, 0x0825, cam, 2),
		fake = device("1-8", 0x1234, 0x4006, vendor, 1),
		blind = device("1-9", 0x17e9, 0x4006, vendor, 0);
	struct usbip_allow any = { 0 }, strict = { 0 };
	char why[160];

	CHECK(t, usbip_allow_kind(&dl) == USBIP_KIND_DISPLAY);
	CHECK(t, usbip_allow_kind(&kbd) == USBIP_KIND_HID);
	CHECK(t, usbip_allow_kind(&disk) == USBIP_KIND_STORAGE);
	CHECK(t, usbip_allow_kind(&evil) == USBIP_KIND_STORAGE);
	CHECK(t, usbip_allow_kind(&hubd) == USBIP_KIND_OTHER);
	CHECK(t, usbip_allow_kind(&fake) == USBIP_KIND_OTHER);
	CHECK(t, usbip_allow_kind(&blind) == USBIP_KIND_OTHER);
	/* What udl makes a head of, whatever its kind: a DisplayLink adapter
	 * with a driver disk too is storage, and a head. */
	const uint8_t dl_disk[] = { 0xff, 0x08 };
	struct usbip_device_info dld = device("1-10", 0x17e9, 0x4006, dl_disk, 2);

	CHECK(t, usbip_allow_drives_head(&dl) && usbip_allow_drives_head(&dld));
	CHECK(t, usbip_allow_kind(&dld) == USBIP_KIND_STORAGE);
	CHECK(t, !usbip_allow_drives_head(&fake) && !usbip_allow_drives_head(&blind) &&
		 !usbip_allow_drives_head(&kbd) && !usbip_allow_drives_head(&disk));

	/* Nothing configured: a DisplayLink adapter and HID, nothing else. */
	CHECK(t, usbip_allow_decide(&any, &dl, why, sizeof(why)));
	CHECK(t, usbip_allow_decide(&any, &kbd, why, sizeof(why)));
	CHECK(t, !usbip_allow_decide(&any, &disk, why, sizeof(why)));
	CHECK(t, strstr(why, "storage = yes") != NULL);
	CHECK(t, !usbip_allow_decide(&any, &evil, why, sizeof(why)));
	CHECK(t, !usbip_allow_decide(&any, &hubd, why, sizeof(why)));
	CHECK(t, !usbip_allow_decide(&any, &camd, why, sizeof(why)));
	CHECK(t, strstr(why, "1-7 046d:0825") != NULL);
	any.storage = true;
	CHECK(t, usbip_allow_decide(&any, &disk, why, sizeof(why)));
	CHECK(t, !usbip_allow_decide(&any, &hubd, why, sizeof(why)));

	/* Lists: only what they name. */
	CHECK(t, usbip_allow_parse("17e9:*", &strict.display[strict.ndisplay++]) == 0);
	CHECK(t, usbip_allow_parse("1209:5302", &strict.input[strict.ninput++]) == 0);
	CHECK(t, usbip_allow_decide(&strict, &dl, why, sizeof(why)));
	CHECK(t, !usbip_allow_decide(&strict, &kbd, why, sizeof(why)));
	CHECK(t, strstr(why, "not in the station's list") != NULL);
	CHECK(t, usbip_allow_parse("1209:5301/KB-0042", &strict.input[strict.ninput++]) == 0);
	CHECK(t, usbip_allow_decide(&strict, &kbd, why, sizeof(why)));
	/* The serial, once the kernel has read it. */
	CHECK(t, usbip_allow_serial(&strict, USBIP_KIND_HID, 0x1209, 0x5301, "KB-0042"));
	CHECK(t, !usbip_allow_serial(&strict, USBIP_KIND_HID, 0x1209, 0x5301, "KB-0043"));
	CHECK(t, !usbip_allow_serial(&strict, USBIP_KIND_HID, 0x1209, 0x5301, NULL));
	CHECK(t, usbip_allow_serial(&strict, USBIP_KIND_HID, 0x1209, 0x5302, NULL));
	CHECK(t, usbip_allow_serial(&strict, USBIP_KIND_DISPLAY, 0x17e9, 0x4006, "x"));
}

static void test_parse(struct test_state *t)
{
	struct usbip_match m;

	CHECK(t, usbip_allow_parse("17E9:*", &m) == 0 && m.vendor == 0x17e9 && m.any_product);
	CHECK(t, usbip_allow_parse("1209:5301", &m) == 0 && m.product == 0x5301 && !m.any_product);
	CHECK(t, usbip_allow_parse("1209:5301/AB12", &m) == 0 && !strcmp(m.serial, "AB12"));
	CHECK(t, usbip_allow_parse("1209", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse(":5301", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse("1209:", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse("12345:1", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse("12g9:1", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse("1209:5301/", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse("1209:5301/a b", &m) == -EINVAL);
	CHECK(t, usbip_allow_parse("1209/x:5301", &m) == -EINVAL);
}

/* A command as vhci_hcd sends it, with its data, into f. */
static void put_cmd(struct feed *f, uint32_t command, uint32_t dir, int32_t len,
		    uint32_t packets)
{
	struct usbip_header h = { 0 };

	h.base.command = htobe32(command);
	h.base.direction = htobe32(dir);
	h.u.cmd_submit.transfer_buffer_length = (int32_t)htobe32((uint32_t)len);
	h.u.cmd_submit.number_of_packets = (int32_t)htobe32(packets);
	put(f, &h, sizeof(h));
	if (command == USBIP_CMD_SUBMIT && dir == USBIP_DIR_OUT && len > 0) {
		/* Data that looks like a command: it must not be read as one. */
		memset(f->buf + f->len, 0, (size_t)len);
		f->buf[f->len + 3] = USBIP_CMD_SUBMIT;
		f->len += (size_t)len;
	}
	if (packets && packets <= 1024) {	/* more: the header alone */
		memset(f->buf + f->len, 0xee, packets * 16);
		f->len += packets * 16;
	}
}

/* Feeds f in pieces of step bytes: how many of them said "changed". */
static int scan_in_steps(struct cmd_scan *s, const struct feed *f, size_t from, size_t step)
{
	int said = 0;

	for (size_t at = from; at < f->len; at += step)
		said += cmd_scan_feed(s, f->buf + at, at + step < f->len ? step : f->len - at);
	return said;
}

/* A display's connection: only OUT transfers with data change its head. */
static void test_cmd_scan(struct test_state *t)
{
	struct feed f = { 0 };
	struct cmd_scan s;
	size_t quiet;

	/* EDID read, an interrupt IN, an unlink, a zero-length OUT, an
	 * isochronous IN with its descriptors: nothing drawn. */
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, 128, 0);
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, 8, 0xffffffffu);
	put_cmd(&f, USBIP_CMD_UNLINK, USBIP_DIR_OUT, 0, 0);
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_OUT, 0, 0);
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, 192, 3);
	quiet = f.len;
	for (size_t step = 1; step <= 97; step += 16) {
		cmd_scan_init(&s);
		CHECK(t, scan_in_steps(&s, &f, 0, step) == 0 && !s.lost && s.have == 0 && !s.skip);
	}
	/* Then two bulk OUTs (lines drawn): said, in any pieces, and the
	 * stream is followed past their data. */
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_OUT, 100, 0xffffffffu);
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_OUT, 3, 0);
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, 64, 0);
	cmd_scan_init(&s);
	CHECK(t, scan_in_steps(&s, &f, 0, quiet) == 1);
	cmd_scan_init(&s);
	CHECK(t, scan_in_steps(&s, &f, 0, 7) == 2 && !s.lost && s.have == 0 && !s.skip);
	cmd_scan_init(&s);
	CHECK(t, scan_in_steps(&s, &f, 0, f.len) == 1 && !s.lost && s.have == 0 && !s.skip);
	/* Half a header says nothing yet; its other half does. */
	cmd_scan_init(&s);
	f.len = 0;
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_OUT, 10, 0);
	CHECK(t, !cmd_scan_feed(&s, f.buf, 20) && cmd_scan_feed(&s, f.buf + 20, 28));
	CHECK(t, s.skip == 10 && !cmd_scan_feed(&s, f.buf + 48, 10) && s.skip == 0);
	/* An isochronous OUT: its data and descriptors are gone past; an
	 * unlink whose header has a length field set has no data. */
	f.len = 0;
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_OUT, 40, 2);
	put_cmd(&f, USBIP_CMD_UNLINK, USBIP_DIR_OUT, 0, 0);
	((struct usbip_header *)(f.buf + f.len - 48))->u.cmd_submit.transfer_buffer_length =
		(int32_t)htobe32(500);
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, 8, 0);
	cmd_scan_init(&s);
	CHECK(t, scan_in_steps(&s, &f, 0, 5) == 1 && !s.lost && s.have == 0 && !s.skip);
	/* More descriptors than vhci sends: where the next command starts
	 * is not known. */
	f.len = 0;
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, 0, 1025);
	cmd_scan_init(&s);
	CHECK(t, cmd_scan_feed(&s, f.buf, 48) && s.lost);
	/* Not a command (a RET_, garbage), or a negative length: lost, and
	 * from then on every byte is a change. */
	f.len = 0;
	put_cmd(&f, USBIP_RET_SUBMIT, USBIP_DIR_IN, 0, 0);
	cmd_scan_init(&s);
	CHECK(t, cmd_scan_feed(&s, f.buf, f.len) && s.lost);
	CHECK(t, cmd_scan_feed(&s, f.buf, 1) && !cmd_scan_feed(&s, f.buf, 0));
	f.len = 0;
	put_cmd(&f, USBIP_CMD_SUBMIT, USBIP_DIR_IN, -1, 0);
	cmd_scan_init(&s);
	CHECK(t, cmd_scan_feed(&s, f.buf, f.len) && s.lost);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_requests);
	RUN(&t, test_devlist);
	RUN(&t, test_hostile);
	RUN(&t, test_control);
	RUN(&t, test_allow);
	RUN(&t, test_parse);
	RUN(&t, test_cmd_scan);
	return TEST_SUMMARY(&t);
}
