// SPDX-License-Identifier: MIT
/*
 * seatmux-station-emu: a zero client for the tests, exported over USB/IP
 * from the host. A DisplayLink adapter (busid 1-1) whose stream is decoded
 * into a framebuffer, a boot keyboard (1-2) and a boot mouse (1-3), with
 * --extra storage a USB stick (1-4) that no importer should take.
 *
 * The control socket (--control PATH) takes lines and answers each with
 * one line, "ok ..." or "error ...":
 *
 *   key USAGE...	press and release each HID usage (decimal)
 *   move DX DY		relative pointer motion, in reports of at most 127
 *   button N		press and release a button (1 left, 2 right, 3 middle)
 *   wheel N		wheel clicks
 *   pixel X Y		"ok 0xRRRR": the frame's RGB565 pixel
 *   dump PATH		the frame as a binary PPM; "ok WxH"
 *   stats		"ok frames=N bytes=N width=W height=H imported=1-1,..
 *			attached=1-1,..": busids imported ever, attached now
 *   drop		close every USB/IP connection (a pulled cable)
 *   refuse on|off	while on, close new connections at once (a station gone)
 *   blank		the adapter's memory back to black: what shows after
 *			that was drawn since
 *   quit
 *
 * One thread, one poll loop, every socket non-blocking and buffered both
 * ways: udl keeps 20 bulk transfers of 64 KB in flight and reads the EDID
 * with 128 control requests on every probe (a slow answer reads as an
 * unplugged monitor), so no peer may hold the loop up.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "displaylink.h"
#include "hid.h"
#include "usbip_proto.h"

#define MAX_CONNS	32
#define MAX_DEVICES	4
#define MAX_HELD	16		/* interrupt INs waiting, per connection */
#define MAX_TRANSFER	(16u << 20)	/* a larger one is garbage */
#define MAX_LINE	4096
#define READ_CHUNK	(256u << 10)
#define OUT_PAUSE	(4u << 20)	/* stop reading a peer that reads no answers */
#define OUT_MAX		(64u << 20)
#define BUSNUM		1

struct buf {
	uint8_t *data;
	size_t off, len, cap;		/* data[off, len) is pending */
};

struct held {
	uint32_t seqnum;
	uint32_t ep;
	uint32_t length;
};

struct conn {
	int fd;
	bool control;			/* a control client, else a USB/IP peer */
	bool closing;			/* closed once its output is written */
	bool dead;			/* closed at the end of the loop's round */
	struct device *dev;		/* imported over this connection */
	struct buf in, out;
	struct held held[MAX_HELD];
	int nheld;
};

struct device {
	struct usbdev *usb;
	uint32_t devnum;
	bool imported;			/* ever */
	bool transfer_stalled;		/* logged already */
	struct conn *owner;		/* the live import */
};

struct station {
	const char *name;
	const char *control_path;
	int listen_fd, control_fd;
	bool refuse, quit;
	struct conn *conns[MAX_CONNS];
	struct device devices[MAX_DEVICES];
	int ndevices;
	struct displaylink display;
	struct hid keyboard, mouse;
	struct usbdev storage;
	uint8_t scratch[65536];		/* an IN transfer's data */
};

__attribute__((format(printf, 2, 3)))
static void say(const struct station *st, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", st->name, line);
}

static size_t buf_pending(const struct buf *b)
{
	return b->len - b->off;
}

static void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

static int buf_reserve(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *data;

	if (b->off && b->len + more > b->cap) {
		memmove(b->data, b->data + b->off, buf_pending(b));
		b->len -= b->off;
		b->off = 0;
	}
	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data)
		return -1;
	b->data = data;
	b->cap = cap;
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int conn_fail(const struct station *st, struct conn *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	say(st, "%s: %s; closing that connection", c->dev ? c->dev->usb->busid : "peer", why);
	c->dead = true;
	return -1;
}

static void conn_queue(struct conn *c, const void *data, size_t len)
{
	if (c->dead)
		return;
	if (buf_pending(&c->out) + len > OUT_MAX || buf_reserve(&c->out, len) < 0) {
		c->dead = true;
		return;
	}
	memcpy(c->out.data + c->out.len, data, len);
	c->out.len += len;
}

static void conn_flush(struct conn *c)
{
	while (!c->dead && buf_pending(&c->out)) {
		ssize_t n = send(c->fd, c->out.data + c->out.off, buf_pending(&c->out),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = true;
			return;
		}
		buf_consume(&c->out, (size_t)n);
	}
	if (c->closing && !buf_pending(&c->out))
		c->dead = true;
}

static void conn_close(struct station *st, struct conn *c)
{
	if (c->dev) {
		say(st, "%s: detached", c->dev->usb->busid);
		c->dev->owner = NULL;
	}
	close(c->fd);
	free(c->in.data);
	free(c->out.data);
	free(c);
}

static struct device *device_by_busid(struct station *st, const char *busid)
{
	for (int i = 0; i < st->ndevices; i++)
		if (!strcmp(st->devices[i].usb->busid, busid))
			return &st->devices[i];
	return NULL;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void device_record(const struct device *d, struct usbip_usb_device *rec)
{
	const uint8_t *desc = d->usb->device;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->path, sizeof(rec->path), "/sys/devices/platform/seatmux-station-emu/usb%d/%s",
		 BUSNUM, d->usb->busid);
	snprintf(rec->busid, sizeof(rec->busid), "%s", d->usb->busid);
	rec->busnum = htobe32(BUSNUM);
	rec->devnum = htobe32(d->devnum);
	rec->speed = htobe32(d->usb->speed);
	rec->idVendor = htobe16(le16(desc + 8));
	rec->idProduct = htobe16(le16(desc + 10));
	rec->bcdDevice = htobe16(le16(desc + 12));
	rec->bDeviceClass = desc[4];
	rec->bDeviceSubClass = desc[5];
	rec->bDeviceProtocol = desc[6];
	rec->bConfigurationValue = 1;
	rec->bNumConfigurations = desc[17];
	rec->bNumInterfaces = d->usb->config[4];
}

/* The device's interfaces (alternate setting 0) from its configuration. */
static void queue_interfaces(struct conn *c, const struct usbdev *usb)
{
	const uint8_t *cfg = usb->config;
	size_t total = usbdev_config_length(usb);

	for (size_t i = 0; i + 8 <= total && cfg[i]; i += cfg[i]) {
		const struct usbip_usb_interface intf = { cfg[i + 5], cfg[i + 6], cfg[i + 7], 0 };

		if (cfg[i + 1] == 4 && cfg[i + 3] == 0)
			conn_queue(c, &intf, sizeof(intf));
	}
}

static void queue_op_header(struct conn *c, uint16_t code, uint32_t status)
{
	const struct usbip_op_header h = {
		htobe16(USBIP_VERSION), htobe16(code), htobe32(status),
	};

	conn_queue(c, &h, sizeof(h));
}

static void op_devlist(struct station *st, struct conn *c)
{
	uint32_t count = htobe32((uint32_t)st->ndevices);

	queue_op_header(c, USBIP_OP_REP_DEVLIST, 0);
	conn_queue(c, &count, sizeof(count));
	for (int i = 0; i < st->ndevices; i++) {
		struct usbip_usb_device rec;

		device_record(&st->devices[i], &rec);
		conn_queue(c, &rec, sizeof(rec));
		queue_interfaces(c, st->devices[i].usb);
	}
	c->closing = true;
}

static void op_import(struct station *st, struct conn *c, const uint8_t *field)
{
	char busid[USBIP_BUSID_SIZE + 1];
	struct usbip_usb_device rec;
	struct device *d;

	memcpy(busid, field, USBIP_BUSID_SIZE);
	busid[USBIP_BUSID_SIZE] = '\0';
	for (char *p = busid; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '?';
	d = device_by_busid(st, busid);
	if (!d || d->owner) {
		say(st, "import of %s refused: %s", busid, d ? "imported already" : "no such device");
		queue_op_header(c, USBIP_OP_REP_IMPORT, 1);
		c->closing = true;
		return;
	}
	device_record(d, &rec);
	queue_op_header(c, USBIP_OP_REP_IMPORT, 0);
	conn_queue(c, &rec, sizeof(rec));
	c->dev = d;
	d->owner = c;
	d->imported = true;
	say(st, "%s: imported, %04x:%04x %s", busid, le16(d->usb->device + 8),
	    le16(d->usb->device + 10), d->usb->kind);
}

/*
 * Each parser returns the bytes its message took, 0 while it is not all
 * here, or -1 once it has failed the connection.
 */
static ssize_t parse_op(struct station *st, struct conn *c, const uint8_t *p, size_t len)
{
	struct usbip_op_header h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, p, sizeof(h));
	if (be16toh(h.version) != USBIP_VERSION)
		return conn_fail(st, c, "bad input: version 0x%04x", be16toh(h.version));
	switch (be16toh(h.code)) {
	case USBIP_OP_REQ_DEVLIST:
		op_devlist(st, c);
		return sizeof(h);
	case USBIP_OP_REQ_IMPORT:
		if (len < sizeof(h) + USBIP_BUSID_SIZE)
			return 0;
		op_import(st, c, p + sizeof(h));
		return sizeof(h) + USBIP_BUSID_SIZE;
	}
	return conn_fail(st, c, "bad input: operation 0x%04x", be16toh(h.code));
}

/* start_frame, number_of_packets and the header's devid, direction and ep
 * stay 0 for a transfer that is not isochronous, as the kernel's own
 * exporter leaves them; vhci reads number_of_packets for iso pipes only. */
static void ret_submit(struct conn *c, uint32_t seqnum, int status, const uint8_t *in,
		       size_t actual)
{
	struct usbip_header h = {
		.base = { .command = htobe32(USBIP_RET_SUBMIT), .seqnum = htobe32(seqnum) },
	};

	h.u.ret_submit.status = (int32_t)htobe32((uint32_t)status);
	h.u.ret_submit.actual_length = (int32_t)htobe32((uint32_t)actual);
	conn_queue(c, &h, sizeof(h));
	if (in)
		conn_queue(c, in, actual);
}

static void submit_control(struct station *st, struct conn *c, uint32_t seqnum, bool in,
			   const uint8_t setup[8], const uint8_t *out, uint32_t length)
{
	struct usbdev *usb = c->dev->usb;
	struct usb_setup s;
	int rc = -EPIPE;

	usbdev_parse_setup(&s, setup);
	if (s.length > length)
		s.length = (uint16_t)length;
	if (!!(s.type & 0x80) == in)
		rc = usbdev_control(usb, &s, out, st->scratch);
	if (rc < 0) {
		if (usbdev_first_stall(usb, &s))
			say(st, "%s: stalled control request %02x %02x value %04x index %04x length %u",
			    usb->busid, s.type, s.request, s.value, s.index, s.length);
		ret_submit(c, seqnum, rc, NULL, 0);
	} else if (in) {
		ret_submit(c, seqnum, 0, st->scratch, (size_t)rc);
	} else {
		ret_submit(c, seqnum, 0, NULL, s.length);
	}
}

/* A transfer's answer, or -EAGAIN while an IN transfer has no data. */
static int device_transfer(struct station *st, struct device *d, uint32_t ep, bool in,
			   uint8_t *buf, size_t len)
{
	const struct usbdev_ops *ops = d->usb->ops;
	int rc = ops && ops->transfer ? ops->transfer(d->usb, (int)ep, in, buf, len) : -EPIPE;

	if (rc < 0 && rc != -EAGAIN && !d->transfer_stalled) {
		d->transfer_stalled = true;
		say(st, "%s: stalled a transfer on endpoint %u %s", d->usb->busid, ep,
		    in ? "IN" : "OUT");
	}
	return rc;
}

static void submit_transfer(struct station *st, struct conn *c, uint32_t seqnum, uint32_t ep,
			    bool in, uint8_t *out, uint32_t length)
{
	size_t len = in && length > sizeof(st->scratch) ? sizeof(st->scratch) : length;
	int rc = device_transfer(st, c->dev, ep, in, in ? st->scratch : out, len);

	if (rc == -EAGAIN && c->nheld < MAX_HELD) {
		c->held[c->nheld++] = (struct held){ seqnum, ep, (uint32_t)len };
		return;
	}
	if (rc == -EAGAIN) {
		say(st, "%s: more than %d transfers waiting, stalling", c->dev->usb->busid, MAX_HELD);
		rc = -EPIPE;
	}
	if (rc < 0)
		ret_submit(c, seqnum, rc, NULL, 0);
	else
		ret_submit(c, seqnum, 0, in ? st->scratch : NULL, (size_t)rc);
}

static ssize_t parse_submit(struct station *st, struct conn *c, const struct usbip_header *h,
			    uint8_t *p, size_t len)
{
	uint32_t seqnum = be32toh(h->base.seqnum);
	uint32_t dir = be32toh(h->base.direction);
	uint32_t ep = be32toh(h->base.ep);
	uint32_t length = be32toh((uint32_t)h->u.cmd_submit.transfer_buffer_length);
	uint32_t packets = be32toh((uint32_t)h->u.cmd_submit.number_of_packets);
	size_t payload;

	if (dir > USBIP_DIR_IN || ep > 15 || length > MAX_TRANSFER)
		return conn_fail(st, c, "bad input: submit direction %u endpoint %u length %u",
				 dir, ep, length);
	/* No endpoint here is isochronous: the kernel sends 0 or ~0. */
	if (packets != 0 && packets != 0xffffffffu)
		return conn_fail(st, c, "bad input: isochronous submit, %u packets", packets);
	payload = dir == USBIP_DIR_OUT ? length : 0;
	if (len - sizeof(*h) < payload)
		return 0;
	if (ep == 0)
		submit_control(st, c, seqnum, dir == USBIP_DIR_IN, h->u.cmd_submit.setup,
			       p + sizeof(*h), length);
	else
		submit_transfer(st, c, seqnum, ep, dir == USBIP_DIR_IN, p + sizeof(*h), length);
	return (ssize_t)(sizeof(*h) + payload);
}

static void held_remove(struct conn *c, int i)
{
	memmove(&c->held[i], &c->held[i + 1], (size_t)(c->nheld - i - 1) * sizeof(c->held[0]));
	c->nheld--;
}

/* A held transfer is dropped and never completed; anything else was
 * answered already. */
static void parse_unlink(struct conn *c, const struct usbip_header *h)
{
	uint32_t victim = be32toh(h->u.cmd_unlink.seqnum);
	struct usbip_header r = {
		.base = { .command = htobe32(USBIP_RET_UNLINK), .seqnum = h->base.seqnum },
	};

	for (int i = 0; i < c->nheld; i++) {
		if (c->held[i].seqnum != victim)
			continue;
		held_remove(c, i);
		r.u.ret_unlink.status = (int32_t)htobe32((uint32_t)-ECONNRESET);
		break;
	}
	conn_queue(c, &r, sizeof(r));
}

static ssize_t parse_cmd(struct station *st, struct conn *c, uint8_t *p, size_t len)
{
	struct usbip_header h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, p, sizeof(h));
	switch (be32toh(h.base.command)) {
	case USBIP_CMD_SUBMIT:
		return parse_submit(st, c, &h, p, len);
	case USBIP_CMD_UNLINK:
		parse_unlink(c, &h);
		return sizeof(h);
	}
	return conn_fail(st, c, "bad input: command 0x%08x", be32toh(h.base.command));
}

static void usbip_input(struct station *st, struct conn *c)
{
	while (!c->dead && !c->closing && buf_pending(&c->in)) {
		uint8_t *p = c->in.data + c->in.off;
		ssize_t used = c->dev ? parse_cmd(st, c, p, buf_pending(&c->in)) :
					parse_op(st, c, p, buf_pending(&c->in));

		if (used <= 0)
			break;
		buf_consume(&c->in, (size_t)used);
	}
}

/* Answers what the device's owner has held, as far as there is data. */
static void device_pump(struct station *st, struct device *d)
{
	struct conn *c = d->owner;

	if (!c || c->dead)
		return;
	while (c->nheld) {
		const struct held h = c->held[0];
		int rc = device_transfer(st, d, h.ep, true, st->scratch, h.length);

		if (rc == -EAGAIN)
			break;
		held_remove(c, 0);
		ret_submit(c, h.seqnum, rc < 0 ? rc : 0, rc < 0 ? NULL : st->scratch,
			   rc < 0 ? 0 : (size_t)rc);
	}
	conn_flush(c);
}

/* Whitespace-separated decimal numbers: how many, or -1 for anything else. */
static int parse_numbers(char *args, long *v, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *end;

		if (n == max)
			return -1;
		errno = 0;
		v[n++] = strtol(tok, &end, 10);
		if (errno || *end)
			return -1;
	}
	return n;
}

/* A control line: a command's name and arguments, and what follows "ok". */
struct request {
	const char *name;
	char *args;
	char ok[512];
};

/* Each command returns NULL, or what follows "error". */
typedef const char *command_fn(struct station *st, struct request *rq);

/* key USAGE..., move DX DY, button N, wheel N: reports for the HID devices. */
static const char *cmd_input(struct station *st, struct request *rq)
{
	long v[HID_QUEUE / 2];
	int n = parse_numbers(rq->args, v, HID_QUEUE / 2);
	int rc;

	if (!strcmp(rq->name, "key"))
		rc = n > 0 ? hid_keys(&st->keyboard, v, n) : -EINVAL;
	else if (!strcmp(rq->name, "move"))
		rc = n == 2 ? hid_move(&st->mouse, v[0], v[1]) : -EINVAL;
	else if (!strcmp(rq->name, "button"))
		rc = n == 1 ? hid_button(&st->mouse, v[0]) : -EINVAL;
	else
		rc = n == 1 ? hid_wheel(&st->mouse, v[0]) : -EINVAL;
	if (rc == -ENOSPC)
		return "report queue full";
	if (rc < 0)
		return "bad arguments";
	for (int i = 0; i < st->ndevices; i++)
		device_pump(st, &st->devices[i]);
	return NULL;
}

/* RGB565 widened to 8 bits a channel by repeating the top bits. */
static void rgb888(uint16_t px, uint8_t *rgb)
{
	uint8_t r = px >> 11, g = (px >> 5) & 0x3f, b = px & 0x1f;

	rgb[0] = (uint8_t)(r << 3 | r >> 2);
	rgb[1] = (uint8_t)(g << 2 | g >> 4);
	rgb[2] = (uint8_t)(b << 3 | b >> 2);
}

static const char *cmd_dump(struct station *st, struct request *rq)
{
	const struct rlx16 *d = &st->display.decoder;
	uint8_t *row;
	FILE *f;
	int w, h, failed;

	if (!*rq->args)
		return "usage: dump PATH";
	rlx16_size(d, &w, &h);
	row = malloc((size_t)w * 3);
	f = row ? fopen(rq->args, "wb") : NULL;
	if (!f) {
		free(row);
		return "cannot write the file";
	}
	fprintf(f, "P6\n%d %d\n255\n", w, h);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++)
			rgb888(rlx16_pixel(d, x, y), row + 3 * x);
		fwrite(row, 3, (size_t)w, f);
	}
	failed = ferror(f);
	failed |= fclose(f);
	free(row);
	if (failed)
		return "cannot write the file";
	snprintf(rq->ok, sizeof(rq->ok), "%dx%d", w, h);
	return NULL;
}

static const char *cmd_pixel(struct station *st, struct request *rq)
{
	long v[2];
	int w, h;

	rlx16_size(&st->display.decoder, &w, &h);
	if (parse_numbers(rq->args, v, 2) != 2)
		return "usage: pixel X Y";
	if (v[0] < 0 || v[1] < 0 || v[0] >= w || v[1] >= h)
		return "outside the frame";
	snprintf(rq->ok, sizeof(rq->ok), "0x%04x",
		 rlx16_pixel(&st->display.decoder, (int)v[0], (int)v[1]));
	return NULL;
}

/* Busids joined by commas: every one imported ever, or attached now. */
static void busid_list(const struct station *st, bool attached, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < st->ndevices; i++) {
		const struct device *d = &st->devices[i];

		if (attached ? d->owner && !d->owner->dead : d->imported)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "", d->usb->busid);
		if (n >= size)
			break;
	}
}

static const char *cmd_stats(struct station *st, struct request *rq)
{
	const struct rlx16 *d = &st->display.decoder;
	char imported[64], attached[64];
	int w, h;

	rlx16_size(d, &w, &h);
	busid_list(st, false, imported, sizeof(imported));
	busid_list(st, true, attached, sizeof(attached));
	snprintf(rq->ok, sizeof(rq->ok),
		 "frames=%llu bytes=%llu width=%d height=%d imported=%s attached=%s",
		 (unsigned long long)d->frames, (unsigned long long)d->bytes, w, h, imported,
		 attached);
	return NULL;
}

static const char *cmd_drop(struct station *st, struct request *rq)
{
	int n = 0;

	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = st->conns[i];

		if (c && !c->control && !c->dead) {
			c->dead = true;
			n++;
		}
	}
	say(st, "drop: %d connection%s closed", n, n == 1 ? "" : "s");
	return NULL;
}

static const char *cmd_refuse(struct station *st, struct request *rq)
{
	if (strcmp(rq->args, "on") && strcmp(rq->args, "off"))
		return "usage: refuse on|off";
	st->refuse = !strcmp(rq->args, "on");
	say(st, "refusing connections: %s", rq->args);
	return NULL;
}

static const char *cmd_blank(struct station *st, struct request *rq)
{
	rlx16_blank(&st->display.decoder);
	say(st, "display memory blanked");
	return NULL;
}

static const char *cmd_quit(struct station *st, struct request *rq)
{
	st->quit = true;
	return NULL;
}

static void control_line(struct station *st, struct conn *c, char *line)
{
	static const struct {
		const char *name;
		command_fn *run;
	} commands[] = {
		{ "key", cmd_input }, { "move", cmd_input }, { "button", cmd_input },
		{ "wheel", cmd_input }, { "dump", cmd_dump }, { "pixel", cmd_pixel },
		{ "stats", cmd_stats }, { "drop", cmd_drop }, { "refuse", cmd_refuse },
		{ "blank", cmd_blank }, { "quit", cmd_quit },
	};
	struct request rq = { .name = line };
	const char *err = "unknown command";
	size_t end = strlen(line);
	char reply[sizeof(rq.ok) + 32];

	while (end && strchr(" \t\r", line[end - 1]))
		line[--end] = '\0';
	rq.args = line + strcspn(line, " \t");
	if (*rq.args)
		*rq.args++ = '\0';
	rq.args += strspn(rq.args, " \t");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(line, commands[i].name)) {
			err = commands[i].run(st, &rq);
			break;
		}
	}
	if (err)
		snprintf(reply, sizeof(reply), "error %s\n", err);
	else
		snprintf(reply, sizeof(reply), "ok%s%s\n", *rq.ok ? " " : "", rq.ok);
	conn_queue(c, reply, strlen(reply));
}

static void control_input(struct station *st, struct conn *c)
{
	while (!c->dead && !c->closing && buf_pending(&c->in)) {
		char *line = (char *)c->in.data + c->in.off;
		char *nl = memchr(line, '\n', buf_pending(&c->in));

		if (!nl) {
			if (buf_pending(&c->in) > MAX_LINE) {
				conn_queue(c, "error line too long\n", 20);
				c->closing = true;
			}
			return;
		}
		*nl = '\0';
		control_line(st, c, line);
		buf_consume(&c->in, (size_t)(nl - line) + 1);
	}
}

static void conn_read(struct station *st, struct conn *c)
{
	ssize_t n;

	if (buf_reserve(&c->in, READ_CHUNK) < 0) {
		conn_fail(st, c, "out of memory");
		return;
	}
	n = recv(c->fd, c->in.data + c->in.len, READ_CHUNK, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true;
		return;
	}
	c->in.len += (size_t)n;
	if (c->control)
		control_input(st, c);
	else
		usbip_input(st, c);
	conn_flush(c);
}

static void accept_conn(struct station *st, int listen_fd, bool control)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int one = 1, slot = 0;
	struct conn *c;

	if (fd < 0)
		return;
	if (!control && st->refuse) {
		say(st, "refused a connection");
		close(fd);
		return;
	}
	while (slot < MAX_CONNS && st->conns[slot])
		slot++;
	c = slot < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		say(st, "too many connections, refused one");
		close(fd);
		return;
	}
	/* 128 EDID requests in a row must not each wait for a delayed ACK. */
	if (!control)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->control = control;
	st->conns[slot] = c;
}

static short conn_events(const struct conn *c)
{
	short events = 0;

	if (!c->closing && buf_pending(&c->out) < OUT_PAUSE)
		events |= POLLIN;
	if (buf_pending(&c->out))
		events |= POLLOUT;
	return events;
}

static void sweep(struct station *st)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		if (st->conns[i] && st->conns[i]->dead) {
			conn_close(st, st->conns[i]);
			st->conns[i] = NULL;
		}
	}
}

static int run(struct station *st)
{
	enum { USBIP, CONTROL, FIRST_CONN };
	struct pollfd pfd[FIRST_CONN + MAX_CONNS];
	struct conn *polled[FIRST_CONN + MAX_CONNS];

	while (!st->quit) {
		int n = FIRST_CONN;

		pfd[USBIP] = (struct pollfd){ .fd = st->listen_fd, .events = POLLIN };
		pfd[CONTROL] = (struct pollfd){ .fd = st->control_fd, .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++) {
			if (!st->conns[i])
				continue;
			pfd[n] = (struct pollfd){ st->conns[i]->fd, conn_events(st->conns[i]), 0 };
			polled[n++] = st->conns[i];
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return -1;
		}
		if (pfd[USBIP].revents & POLLIN)
			accept_conn(st, st->listen_fd, false);
		if (pfd[CONTROL].revents & POLLIN)
			accept_conn(st, st->control_fd, true);
		for (int i = FIRST_CONN; i < n; i++) {
			if (!polled[i]->dead && (pfd[i].revents & POLLOUT))
				conn_flush(polled[i]);
			if (!polled[i]->dead && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				conn_read(st, polled[i]);
		}
		sweep(st);
	}
	return 0;
}

static int listen_tcp(const char *spec, unsigned int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	const char *colon = strrchr(spec, ':');
	char host[INET_ADDRSTRLEN], *end;
	long p;
	int fd, one = 1;

	if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p < 0 || p > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	sa.sin_port = htons((uint16_t)p);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0)
		goto fail;
	*port = ntohs(sa.sin_port);
	return fd;
fail:
	close(fd);
	return -1;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run; never anything else. */
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct options {
	const char *listen;
	const char *control;
	const char *serial;
	const char *name;
	bool storage;
	int width, height;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "control", required_argument, NULL, 'c' },
		{ "extra", required_argument, NULL, 'x' },
		{ "mode", required_argument, NULL, 'm' },
		{ "serial", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	char tail;
	int opt;

	*o = (struct options){ "127.0.0.1:3240", NULL, "EMU", "station-emu", false, 1024, 768 };
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			o->listen = optarg;
			break;
		case 'c':
			o->control = optarg;
			break;
		case 's':
			o->serial = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'x':
			if (strcmp(optarg, "storage"))
				return -1;
			o->storage = true;
			break;
		case 'm':
			if (sscanf(optarg, "%dx%d%c", &o->width, &o->height, &tail) != 2)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int station_init(struct station *st, const struct options *o)
{
	struct usbdev *usbs[MAX_DEVICES];

	st->name = o->name;
	st->listen_fd = st->control_fd = -1;
	if (displaylink_init(&st->display, "1-1", o->serial, o->width, o->height) < 0) {
		fprintf(stderr, "%s: cannot make a %dx%d display\n", o->name, o->width, o->height);
		return -1;
	}
	hid_keyboard_init(&st->keyboard, "1-2", o->serial);
	hid_mouse_init(&st->mouse, "1-3", o->serial);
	usbs[st->ndevices++] = &st->display.usb;
	usbs[st->ndevices++] = &st->keyboard.usb;
	usbs[st->ndevices++] = &st->mouse.usb;
	if (o->storage) {
		usbdev_storage_init(&st->storage, "1-4", o->serial);
		usbs[st->ndevices++] = &st->storage;
	}
	for (int i = 0; i < st->ndevices; i++)
		st->devices[i] = (struct device){ .usb = usbs[i], .devnum = (uint32_t)i + 2 };
	return 0;
}

static void station_fini(struct station *st)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (st->conns[i])
			conn_close(st, st->conns[i]);
	if (st->control_fd >= 0) {
		close(st->control_fd);
		unlink(st->control_path);
	}
	if (st->listen_fd >= 0)
		close(st->listen_fd);
	displaylink_fini(&st->display);
}

int main(int argc, char **argv)
{
	struct station *st;
	struct options o;
	unsigned int port = 0;
	int rc = 1;

	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: %s [--listen ADDR:PORT] [--control PATH] [--extra storage] "
			"[--mode WxH] [--serial PREFIX] [--name NAME]\n", argv[0]);
		return 2;
	}
	st = calloc(1, sizeof(*st));
	if (!st || station_init(st, &o) < 0)
		goto out;
	st->listen_fd = listen_tcp(o.listen, &port);
	if (st->listen_fd < 0) {
		say(st, "cannot listen on %s: %s", o.listen, strerror(errno));
		goto out;
	}
	/* Last: whoever waits for the control socket finds the port open. */
	if (o.control) {
		st->control_fd = listen_unix(o.control);
		st->control_path = o.control;
		if (st->control_fd < 0) {
			say(st, "cannot listen on %s: %s", o.control, strerror(errno));
			goto out;
		}
	}
	say(st, "listening on %.*s:%u", (int)(strrchr(o.listen, ':') - o.listen), o.listen, port);
	rc = run(st) < 0;
out:
	if (st)
		station_fini(st);
	free(st);
	return rc;
}
