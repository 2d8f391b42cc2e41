// SPDX-License-Identifier: MIT
/*
 * seat_attach: seat names as logind takes them, devices that are not a
 * seat's refused, and flush-devices removing loginctl's rule files only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seat_attach.h"
#include "test.h"

static char dir[] = "/tmp/test_seat_attach.XXXXXX";

static void test_names(struct test_state *t)
{
	CHECK(t, seat_attach_name_valid("seat0"));
	CHECK(t, seat_attach_name_valid("seat-rdp1"));
	CHECK(t, seat_attach_name_valid("seat_x"));
	CHECK(t, !seat_attach_name_valid("seat1/../../etc"));
	CHECK(t, !seat_attach_name_valid("seat1\""));
	CHECK(t, !seat_attach_name_valid("chair1"));
	CHECK(t, !seat_attach_name_valid("seat 1"));
	CHECK(t, !seat_attach_name_valid("seat"));	/* logind wants more */
}

static void test_devices_refused(struct test_state *t)
{
	struct udev *udev = udev_new();
	char id[128];

	CHECK(t, seat_attach(udev, dir, "seat1", "/nonexistent", id, sizeof(id)) == -ENODEV);
	CHECK(t, seat_attach(udev, dir, "seat1", "relative/path", id, sizeof(id)) == -ENODEV);
	CHECK(t, seat_attach(udev, dir, "seat1", "/etc/passwd", id, sizeof(id)) == -ENODEV);
	CHECK(t, seat_attach(udev, dir, "bad\"seat", "/dev/null", id, sizeof(id)) == -EINVAL);
	/* A device, but nothing at or above it is a seat's. */
	if (udev && access("/sys/class/mem/null", F_OK) == 0)
		CHECK(t, seat_attach(udev, dir, "seat1", "/dev/null", id, sizeof(id)) == -ENOTTY);
	udev_unref(udev);
}

static void touch(const char *in, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", in, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

static bool exists(const char *in, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", in, name);
	return access(path, F_OK) == 0;
}

static void test_flush(struct test_state *t)
{
	struct udev *udev = udev_new();

	touch(dir, "72-seat-input-pci-0000_00_0a_0.rules");
	touch(dir, "72-seat-usb-pci-0000_00_14_0-usb-0_2.rules");
	touch(dir, "72-seats.rules");		/* an administrator's own */
	touch(dir, "72-seat-.rules");		/* names no device */
	touch(dir, "70-other.rules");
	CHECK(t, seat_flush_devices(udev, dir) == 2);
	CHECK(t, !exists(dir, "72-seat-input-pci-0000_00_0a_0.rules"));
	CHECK(t, !exists(dir, "72-seat-usb-pci-0000_00_14_0-usb-0_2.rules"));
	CHECK(t, exists(dir, "72-seats.rules") && exists(dir, "72-seat-.rules") &&
	      exists(dir, "70-other.rules"));
	CHECK(t, seat_flush_devices(udev, dir) == 0);
	CHECK(t, seat_flush_devices(udev, "/nonexistent") == 0);
	udev_unref(udev);
}

/* Console mode is a rule file of its own: written and removed whole,
 * seat0 for the machine's own devices only, left alone by a flush. */
static void test_console_mode(struct test_state *t)
{
	struct udev *udev = udev_new();
	char path[256], text[1024] = "";
	FILE *f;

	CHECK(t, !seat_console_mode(dir));
	CHECK(t, seat_console_write(dir, false) == -EALREADY);
	CHECK(t, seat_console_write(dir, true) == 0);
	CHECK(t, seat_console_mode(dir));
	CHECK(t, seat_console_write(dir, true) == -EALREADY);
	snprintf(path, sizeof(path), "%s/%s", dir, SEAT_CONSOLE_RULE);
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof(text) - 1, f);

		text[n] = 0;
		fclose(f);
	}
	CHECK(t, strstr(text, "TAG==\"seat\", ENV{ID_SEAT}=\"seat0\"\n") != NULL);
	CHECK(t, strstr(text, "DRIVERS==\"evdi|vhci_hcd\", GOTO=") != NULL);
	CHECK(t, strstr(text, "DEVPATH==\"/devices/virtual/*\", GOTO=") != NULL);
	CHECK(t, !exists(dir, SEAT_CONSOLE_RULE ".new"));
	CHECK(t, seat_flush_devices(udev, dir) == 0 && seat_console_mode(dir));
	CHECK(t, seat_console_write(dir, false) == 0);
	CHECK(t, !seat_console_mode(dir));
	CHECK(t, seat_console_write("/nonexistent", true) == -ENOENT);
	udev_unref(udev);
}

int main(void)
{
	struct test_state t = { 0 };
	char cmd[64];

	if (!mkdtemp(dir))
		return 1;
	RUN(&t, test_names);
	RUN(&t, test_devices_refused);
	RUN(&t, test_flush);
	RUN(&t, test_console_mode);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return TEST_SUMMARY(&t);
}
