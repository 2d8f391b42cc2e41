/* SPDX-License-Identifier: MIT */
/*
 * The registry of seat devices: DRM cards (with their connectors) and
 * render nodes, and evdev nodes, kept current from udev.
 */
#ifndef SEATMUX_DEVICES_H
#define SEATMUX_DEVICES_H

#include <libudev.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "list.h"
#include "seat_rules.h"
#include "vinput.h"

struct fdstore;

/* Where a head comes from: each origin is one kind of station's. */
enum device_origin {
	DEVICE_PHYSICAL,	/* the machine's own (or the VM's emulated) */
	DEVICE_VIRTUAL,		/* a head seatmux made: an evdi card */
	DEVICE_IMPORTED,	/* imported over USB/IP: a card below vhci_hcd */
};

struct device {
	struct list link;
	enum device_kind kind;
	dev_t devnum;
	bool master;
	char seat[SEAT_PROTO_MAX_SEAT];
	char sysname[32];
	char devnode[64];
	char syspath[256];
	char parent[256];	/* matches a render node to its card */
	char connector[32];	/* a connector's name, e.g. "Virtual-2" */
	char description[160];	/* input name, or a card's connectors */
	enum device_origin origin;	/* a head's station kind; input's source */
	/* udev named its seat (ID_SEAT; without it a device is seat0's by
	 * default, nobody's choice: a new evdi card no station claimed yet).
	 * Of evdev nodes, for mapping keyboards to heads (station_map.h): it
	 * types, it hangs off a USB port, the kernel announced it while
	 * seatmuxd ran (not a replay of udev's). */
	bool assigned, keyboard, usb, plugged;
	/* Looked up for a session (devices_lookup) before its udev event
	 * reached us: whether it was plugged, that event says. */
	bool early;
	bool counted;		/* a head its seat counts (seats.c) */
	/* The seat its seat rules gave it itself (SEATMUX_HOME_SEAT): what
	 * roaming moves it by; "" if none did. */
	char home[SEAT_PROTO_MAX_SEAT];
};

struct devices_listener {
	void (*added)(void *data, struct device *dev);
	/* Called before dev is freed. */
	void (*removed)(void *data, struct device *dev);
	/* A card changed: its connectors may have (a change event). */
	void (*hotplug)(void *data, struct device *card);
};

struct devices {
	struct udev *udev;
	struct udev_monitor *monitor;
	struct list list;
	const struct devices_listener *listener;
	void *data;
	/* Bumped at every device added or removed (a change is both): what
	 * looks at the whole list need not look again while it stands. */
	unsigned generation;
	/* Connectors the configuration gives to seats (may be NULL). */
	const struct config *cfg;
	/* The virtual input devices seatmuxd made (struct made_input, by
	 * their "inputN"): the only ones a seat but seat0 is given. */
	struct list made;
};

int devices_init(struct devices *devs, const struct devices_listener *l,
		 void *data);
void devices_finish(struct devices *devs);
/* Announces every present device through listener->added. */
int devices_enumerate(struct devices *devs);
int devices_monitor_fd(const struct devices *devs);
/*
 * The keyboard and pointer of vi are seatmuxd's own: udev's seat for them
 * holds (any other uinput device goes to seat0 or nowhere). Their event
 * nodes already known to udev (devices kept across a restart, enumerated
 * before they were taken back) are added now. 0 or -errno.
 */
int devices_own_input(struct devices *devs, const struct vinput *vi);
/* Before vi is destroyed or let go. */
void devices_disown_input(struct devices *devs, const struct vinput *vi);
/*
 * A keyboard and pointer of seatmuxd's that the last seatmuxd kept in
 * systemd's store under the names kbd and ptr, taken back as its own
 * (devices_own_input); NULL if they cannot be, or are not wanted: then
 * they go for good, their names out of the store (kept, they would be
 * the next devices' of those names too).
 */
struct vinput *devices_adopt_input(struct devices *devs, struct fdstore *fds, const char *kbd,
				   const char *ptr, bool want);
/*
 * vi's keyboard and pointer kept in systemd's store under the names kbd
 * and ptr, for the next seatmuxd to adopt: uinput devices die with their
 * last fd, so kept they outlive this one. 0, or -1 if either is not.
 */
int devices_keep_input(const struct vinput *vi, const char *kbd, const char *ptr);
/* vi (NULL: none) gone for good: disowned, destroyed, and its names
 * ("": none) out of the store. */
void devices_destroy_input(struct devices *devs, struct vinput *vi, const char *kbd,
			   const char *ptr);
void devices_dispatch(struct devices *devs);
struct device *devices_find(const struct devices *devs, dev_t devnum);
/* devices_find, falling back to udev's database for a device so new that
 * its event has not reached us yet. */
struct device *devices_lookup(struct devices *devs, dev_t devnum);
/* The seat a device is handed out on: render nodes follow their card. */
const char *devices_seat_of(const struct devices *devs,
			    const struct device *dev);

#endif
