// SPDX-License-Identifier: MIT
/*
 * The USB/IP wire as the link reads it from a station (anyone on the
 * network, before TLS is checked on a plain link): the input's first byte
 * says which reply is read (device list, import, a control transfer's
 * answer and the string in it, a bare string descriptor), the rest is
 * what the peer sends, read through a reader that runs out like a closed
 * socket. Whatever is accepted must hold what the decoders promise.
 */
#include <errno.h>
#include <string.h>

#include "allow.h"
#include "fuzz.h"
#include "usbip_msg.h"

struct feed {
	const uint8_t *p;
	size_t left;
};

static int feed_read(void *ctx, void *buf, size_t n)
{
	struct feed *f = ctx;

	if (f->left < n)
		return -ECONNRESET;
	memcpy(buf, f->p, n);
	f->p += n;
	f->left -= n;
	return 0;
}

static void check_device(const struct usbip_device_info *dev)
{
	static const struct usbip_allow any;
	char why[160];

	FUZZ_CHECK(memchr(dev->path, 0, sizeof(dev->path)));
	FUZZ_CHECK(usbip_msg_valid_busid(dev->busid));
	FUZZ_CHECK(dev->num_interfaces <= USBIP_MAX_INTERFACES);
	FUZZ_CHECK(dev->ninterfaces >= 0 && dev->ninterfaces <= dev->num_interfaces);
	FUZZ_CHECK(dev->speed >= USBIP_SPEED_LOW && dev->speed <= USBIP_SPEED_SUPER);
	FUZZ_CHECK(usbip_msg_devid(dev) >> 16 == dev->busnum);
	(void)usbip_kind_name(usbip_allow_kind(dev));
	(void)usbip_allow_decide(&any, dev, why, sizeof(why));
	FUZZ_CHECK(memchr(why, 0, sizeof(why)));
}

static void read_string(struct feed *f, size_t out_size)
{
	uint8_t desc[255];
	char out[80];
	int n = usbip_msg_read_control_in(feed_read, f, 0xfffffff0u, desc, sizeof(desc));

	if (n == -EIO || n == -EPROTO || n == -ECONNRESET)
		return;
	FUZZ_CHECK(n >= 0 && (size_t)n <= sizeof(desc));
	usbip_msg_string(desc, (size_t)n, out, out_size);
	if (out_size > 0)
		FUZZ_CHECK(strlen(out) < out_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct usbip_device_info devs[USBIP_MAX_DEVICES];
	struct feed f = { data + 2, size > 2 ? size - 2 : 0 };
	struct usbip_device_info dev;
	char out[80];
	int n;

	if (size < 2)
		return 0;
	switch (data[0] & 3) {
	case 0:
		n = usbip_msg_read_devlist(feed_read, &f, devs, USBIP_MAX_DEVICES);
		FUZZ_CHECK(n <= USBIP_MAX_DEVICES);
		for (int i = 0; i < n; i++)
			check_device(&devs[i]);
		break;
	case 1:
		if (usbip_msg_read_import(feed_read, &f, "1-1.2", &dev) == 0) {
			check_device(&dev);
			FUZZ_CHECK(!strcmp(dev.busid, "1-1.2"));
		}
		break;
	case 2:
		read_string(&f, data[1] % (sizeof(out) + 1));
		break;
	case 3:
		usbip_msg_string(f.p, f.left, out, data[1] % (sizeof(out) + 1));
		if (data[1] % (sizeof(out) + 1))
			FUZZ_CHECK(strlen(out) < data[1] % (sizeof(out) + 1));
		break;
	}
	return 0;
}
