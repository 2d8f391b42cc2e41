// SPDX-License-Identifier: MIT
/*
 * libevdev builds the device descriptions and talks to /dev/uinput. The
 * keyboard offers every key up to KEY_MICMUTE, which covers what an RDP
 * scancode can name, but the machine's own (system_keys.h): the kernel
 * drops what a device does not offer, whoever writes to it. The pointer's absolute range is the head's size, so
 * positions pass through unscaled.
 *
 * The kernel gives each reader of an evdev device a buffer sized by what
 * the device says it reports: 8 packets of its likely events, at least 64
 * events. Keys do not count (any keyboard is 8 events a packet), relative
 * axes do, one each. A keyboard holds 32 key events, which a compositor
 * that stops to draw for a few hundred milliseconds (under emulation, on
 * a busy host) while a paste arrives finds overflowed, and loses them all.
 * The station's keyboard also names relative axes that no program reads
 * as a pointer's (nor does it ever send them): 17 events a packet, 256
 * events a reader, 128 keys pressed or released.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>
#include <linux/uinput.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "system_keys.h"
#include "vinput.h"

/* Made here: libevdev's handles, whose fds are the two below. Adopted:
 * the fds alone. */
struct vinput {
	struct libevdev_uinput *keyboard;
	struct libevdev_uinput *pointer;
	int keyboard_fd, pointer_fd;
	bool own_fds;		/* made with a phys: libevdev does not close them */
};

/*
 * libevdev sets no phys on a device it makes: with one to set, /dev/uinput
 * is opened here and phys set on it first, and the fd stays ours to close.
 */
static struct libevdev_uinput *make(struct libevdev *dev, const char *phys)
{
	struct libevdev_uinput *ui = NULL;
	int fd = LIBEVDEV_UINPUT_OPEN_MANAGED, rc = 0;

	if (phys) {
		fd = open("/dev/uinput", O_RDWR | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, UI_SET_PHYS, phys) < 0)
			rc = -errno;
	}
	if (rc == 0)
		rc = libevdev_uinput_create_from_device(dev, fd, &ui);
	libevdev_free(dev);
	if (rc < 0) {
		if (phys && fd >= 0)
			close(fd);
		errno = -rc;
		return NULL;
	}
	return ui;
}

/* Not REL_X and REL_Y, which make a pointer, nor the wheels: Z, the
 * rotations, a dial, "misc", and three codes without a name. */
static const unsigned quiet_axes[] = {
	REL_Z, REL_RX, REL_RY, REL_RZ, REL_DIAL, REL_MISC, 0x0d, 0x0e, 0x0f,
};

static struct libevdev_uinput *make_keyboard(const char *label, const char *phys)
{
	struct libevdev *dev = libevdev_new();
	char name[128];

	if (!dev)
		return NULL;
	snprintf(name, sizeof(name), "seatmux %s keyboard", label);
	libevdev_set_name(dev, name);
	if (phys)
		libevdev_set_phys(dev, phys);
	libevdev_set_id_bustype(dev, BUS_VIRTUAL);
	libevdev_enable_event_type(dev, EV_KEY);
	for (unsigned code = KEY_ESC; code <= KEY_MICMUTE; code++)
		if (!system_key(code))
			libevdev_enable_event_code(dev, EV_KEY, code, NULL);
	libevdev_enable_event_type(dev, EV_REL);
	for (size_t i = 0; i < sizeof(quiet_axes) / sizeof(quiet_axes[0]); i++)
		libevdev_enable_event_code(dev, EV_REL, quiet_axes[i], NULL);
	libevdev_enable_event_type(dev, EV_LED);
	libevdev_enable_event_code(dev, EV_LED, LED_NUML, NULL);
	libevdev_enable_event_code(dev, EV_LED, LED_CAPSL, NULL);
	libevdev_enable_event_code(dev, EV_LED, LED_SCROLLL, NULL);
	/* As a real keyboard reports scancodes: what seatmuxd wakes its
	 * session's reader with after a switch (evdev_nudge.h). */
	libevdev_enable_event_type(dev, EV_MSC);
	libevdev_enable_event_code(dev, EV_MSC, MSC_SCAN, NULL);
	return make(dev, phys);
}

static struct libevdev_uinput *make_pointer(const char *label, const char *phys, int width,
					    int height)
{
	struct input_absinfo x = { .maximum = width - 1, .resolution = 1 };
	struct input_absinfo y = { .maximum = height - 1, .resolution = 1 };
	static const unsigned buttons[] = { BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA };
	struct libevdev *dev = libevdev_new();
	char name[128];

	if (!dev)
		return NULL;
	snprintf(name, sizeof(name), "seatmux %s pointer", label);
	libevdev_set_name(dev, name);
	if (phys)
		libevdev_set_phys(dev, phys);
	libevdev_set_id_bustype(dev, BUS_VIRTUAL);
	libevdev_enable_event_type(dev, EV_ABS);
	libevdev_enable_event_code(dev, EV_ABS, ABS_X, &x);
	libevdev_enable_event_code(dev, EV_ABS, ABS_Y, &y);
	libevdev_enable_event_type(dev, EV_KEY);
	for (size_t i = 0; i < sizeof(buttons) / sizeof(buttons[0]); i++)
		libevdev_enable_event_code(dev, EV_KEY, buttons[i], NULL);
	libevdev_enable_event_type(dev, EV_REL);
	libevdev_enable_event_code(dev, EV_REL, REL_WHEEL, NULL);
	libevdev_enable_event_code(dev, EV_REL, REL_HWHEEL, NULL);
	return make(dev, phys);
}

struct vinput *vinput_create(const char *label, int width, int height)
{
	return vinput_create_at(label, NULL, width, height);
}

struct vinput *vinput_create_at(const char *label, const char *phys, int width, int height)
{
	struct vinput *vi = calloc(1, sizeof(*vi));
	int err;

	if (!vi)
		return NULL;
	vi->keyboard_fd = vi->pointer_fd = -1;
	vi->own_fds = phys != NULL;
	vi->keyboard = make_keyboard(label, phys);
	if (!vi->keyboard)
		goto err;
	vi->pointer = make_pointer(label, phys, width, height);
	if (!vi->pointer)
		goto err;
	vi->keyboard_fd = libevdev_uinput_get_fd(vi->keyboard);
	vi->pointer_fd = libevdev_uinput_get_fd(vi->pointer);
	return vi;
err:
	err = errno;
	vinput_destroy(vi);
	errno = err;
	return NULL;
}

struct vinput *vinput_adopt(int keyboard_fd, int pointer_fd)
{
	struct vinput *vi = calloc(1, sizeof(*vi));

	if (!vi)
		return NULL;
	vi->keyboard_fd = keyboard_fd;
	vi->pointer_fd = pointer_fd;
	return vi;
}

static void destroy_fd(int fd)
{
	if (fd < 0)
		return;
	ioctl(fd, UI_DEV_DESTROY);
	close(fd);
}

/* A device libevdev made, gone; its fd closed if libevdev does not. */
static void destroy_made(struct libevdev_uinput *ui, bool own_fd)
{
	int fd = libevdev_uinput_get_fd(ui);

	libevdev_uinput_destroy(ui);
	if (own_fd)
		close(fd);
}

void vinput_destroy(struct vinput *vi)
{
	if (!vi)
		return;
	if (vi->keyboard)
		destroy_made(vi->keyboard, vi->own_fds);
	else
		destroy_fd(vi->keyboard_fd);
	if (vi->pointer)
		destroy_made(vi->pointer, vi->own_fds);
	else
		destroy_fd(vi->pointer_fd);
	free(vi);
}

/*
 * libevdev has no call that frees its handle and leaves the device: the
 * handle's fd is pointed at /dev/null first, so the UI_DEV_DESTROY it
 * sends (and its close) reach nothing of the device's. Without
 * /dev/null the handle is kept rather than the device destroyed.
 */
static void let_go(struct libevdev_uinput *ui, int fd, bool own_fd)
{
	int null;

	if (!ui) {
		if (fd >= 0)
			close(fd);
		return;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return;
	if (dup3(null, libevdev_uinput_get_fd(ui), O_CLOEXEC) >= 0)
		destroy_made(ui, own_fd);
	close(null);
}

void vinput_release(struct vinput *vi)
{
	if (!vi)
		return;
	let_go(vi->keyboard, vi->keyboard_fd, vi->own_fds);
	let_go(vi->pointer, vi->pointer_fd, vi->own_fds);
	free(vi);
}

static int sysname(int fd, char out[VINPUT_SYSNAME_MAX])
{
	if (ioctl(fd, UI_GET_SYSNAME(VINPUT_SYSNAME_MAX), out) < 0)
		return -errno;
	out[VINPUT_SYSNAME_MAX - 1] = '\0';
	return 0;
}

int vinput_sysnames(const struct vinput *vi, char keyboard[VINPUT_SYSNAME_MAX],
		    char pointer[VINPUT_SYSNAME_MAX])
{
	int rc = sysname(vi->keyboard_fd, keyboard);

	return rc < 0 ? rc : sysname(vi->pointer_fd, pointer);
}

/* The device number of input device sysname's event node, as sysfs
 * has it (its "eventN/dev"): 0 if it has none (yet). */
static dev_t event_devnum(const char *sysname)
{
	char path[96], line[32];
	unsigned maj, min;
	struct dirent *e;
	dev_t dev = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/input/%s", sysname);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!dev && (e = readdir(dir))) {
		FILE *f;

		if (strncmp(e->d_name, "event", 5) || strlen(e->d_name) > 16)
			continue;
		snprintf(path, sizeof(path), "/sys/class/input/%s/%s/dev", sysname, e->d_name);
		f = fopen(path, "re");
		if (f && fgets(line, sizeof(line), f) && sscanf(line, "%u:%u", &maj, &min) == 2)
			dev = makedev(maj, min);
		if (f)
			fclose(f);
	}
	closedir(dir);
	return dev;
}

int vinput_devnums(const struct vinput *vi, dev_t out[2])
{
	char name[2][VINPUT_SYSNAME_MAX];
	int rc = vinput_sysnames(vi, name[0], name[1]);

	if (rc < 0)
		return rc;
	for (int i = 0; i < 2; i++)
		out[i] = event_devnum(name[i]);
	return 0;
}

/* One event, written as libevdev would: -errno. */
static int emit(int fd, unsigned type, unsigned code, int value)
{
	struct input_event ev = { .type = (uint16_t)type, .code = (uint16_t)code, .value = value };

	if (write(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		return -errno;
	return 0;
}

static int sync_report(int fd)
{
	return emit(fd, EV_SYN, SYN_REPORT, 0);
}

/* libevdev returns -errno. */
int vinput_key(struct vinput *vi, unsigned code, bool down)
{
	int rc;

	if (code < KEY_ESC || code > KEY_MICMUTE)
		return -EINVAL;
	rc = emit(vi->keyboard_fd, EV_KEY, code, down);
	return rc < 0 ? rc : sync_report(vi->keyboard_fd);
}

int vinput_move(struct vinput *vi, int x, int y)
{
	int rc = emit(vi->pointer_fd, EV_ABS, ABS_X, x);

	if (rc == 0)
		rc = emit(vi->pointer_fd, EV_ABS, ABS_Y, y);
	return rc < 0 ? rc : sync_report(vi->pointer_fd);
}

int vinput_button(struct vinput *vi, unsigned code, bool down)
{
	int rc;

	if (code < BTN_LEFT || code > BTN_EXTRA)
		return -EINVAL;
	rc = emit(vi->pointer_fd, EV_KEY, code, down);
	return rc < 0 ? rc : sync_report(vi->pointer_fd);
}

int vinput_wheel(struct vinput *vi, bool horizontal, int clicks)
{
	int rc = emit(vi->pointer_fd, EV_REL, horizontal ? REL_HWHEEL : REL_WHEEL, clicks);

	return rc < 0 ? rc : sync_report(vi->pointer_fd);
}

int vinput_keyboard_fd(const struct vinput *vi)
{
	return vi->keyboard_fd;
}

int vinput_pointer_fd(const struct vinput *vi)
{
	return vi->pointer_fd;
}

const char *vinput_keyboard_node(const struct vinput *vi)
{
	const char *node = vi->keyboard ? libevdev_uinput_get_devnode(vi->keyboard) : NULL;

	return node ? node : "";
}

const char *vinput_pointer_node(const struct vinput *vi)
{
	const char *node = vi->pointer ? libevdev_uinput_get_devnode(vi->pointer) : NULL;

	return node ? node : "";
}
