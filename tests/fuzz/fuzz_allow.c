// SPDX-License-Identifier: MIT
/*
 * The allow-list: patterns as the configuration gives them ("VID:PID",
 * "VID:*", "/SERIAL"), and the decisions on devices a station offers.
 * The input is text up to its first NUL: patterns separated by commas or
 * spaces, in turn for display adapters and for input devices; what
 * follows the NUL is a device record with its interfaces, as usbip_msg
 * decodes it from the wire, then the serial the kernel read.
 */
#include <string.h>

#include "allow.h"
#include "fuzz.h"
#include "usbip_msg.h"

static void parse_patterns(const uint8_t *data, size_t len, struct usbip_allow *a)
{
	char text[1024], *save = NULL;
	int count = 0;

	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, data, len);
	text[len] = '\0';
	for (char *tok = strtok_r(text, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		struct usbip_match m;
		bool display = count++ % 2 == 0;

		if (usbip_allow_parse(tok, &m) < 0)
			continue;
		FUZZ_CHECK(memchr(m.serial, 0, sizeof(m.serial)));
		if (display && a->ndisplay < USBIP_ALLOW_MAX)
			a->display[a->ndisplay++] = m;
		else if (!display && a->ninput < USBIP_ALLOW_MAX)
			a->input[a->ninput++] = m;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct usbip_allow a = { 0 };
	struct usbip_device_info dev;
	char why[160], serial[USBIP_SERIAL_MAX];
	enum usbip_kind kind;
	size_t at;

	parse_patterns(data, nul ? (size_t)(nul - data) : size, &a);
	if (!nul)
		return 0;
	at = (size_t)(nul - data) + 1;
	if (size - at < USBIP_DEVICE_SIZE || usbip_msg_device(data + at, &dev) < 0)
		return 0;
	at += USBIP_DEVICE_SIZE;
	for (int i = 0; i < dev.num_interfaces && size - at >= USBIP_INTERFACE_SIZE; i++) {
		usbip_msg_interface(data + at, &dev, i);
		at += USBIP_INTERFACE_SIZE;
	}
	kind = usbip_allow_kind(&dev);
	FUZZ_CHECK(kind >= USBIP_KIND_OTHER && kind <= USBIP_KIND_STORAGE);
	if (usbip_allow_decide(&a, &dev, why, sizeof(why)))
		FUZZ_CHECK(kind == USBIP_KIND_DISPLAY || kind == USBIP_KIND_HID);
	FUZZ_CHECK(memchr(why, 0, sizeof(why)));
	a.storage = true;
	(void)usbip_allow_decide(&a, &dev, why, sizeof(why));
	at = size - at < sizeof(serial) - 1 ? size - at : sizeof(serial) - 1;
	memcpy(serial, data + size - at, at);
	serial[at] = '\0';
	(void)usbip_allow_serial(&a, kind, dev.vendor, dev.product, serial);
	(void)usbip_allow_serial(&a, kind, dev.vendor, dev.product, NULL);
	return 0;
}
