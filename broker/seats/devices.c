// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "fdstore.h"
#include "log.h"

int devices_init(struct devices *devs, const struct devices_listener *l,
		 void *data)
{
	memset(devs, 0, sizeof(*devs));
	list_init(&devs->list);
	list_init(&devs->made);
	devs->listener = l;
	devs->data = data;
	devs->udev = udev_new();
	if (!devs->udev)
		return -1;
	devs->monitor = udev_monitor_new_from_netlink(devs->udev, "udev");
	if (!devs->monitor)
		goto err_udev;
	/* A burst of hotplug events must not overflow the netlink socket. */
	udev_monitor_set_receive_buffer_size(devs->monitor, 4 * 1024 * 1024);
	if (udev_monitor_filter_add_match_subsystem_devtype(devs->monitor, "drm", NULL) ||
	    udev_monitor_filter_add_match_subsystem_devtype(devs->monitor, "input", NULL) ||
	    udev_monitor_enable_receiving(devs->monitor))
		goto err_monitor;
	return 0;

err_monitor:
	udev_monitor_unref(devs->monitor);
err_udev:
	udev_unref(devs->udev);
	return -1;
}

static void device_free(struct devices *devs, struct device *dev)
{
	if (devs->listener)
		devs->listener->removed(devs->data, dev);
	list_remove(&dev->link);
	devs->generation++;
	free(dev);
}

struct made_input {
	struct list link;
	char sysname[VINPUT_SYSNAME_MAX];
};

void devices_finish(struct devices *devs)
{
	struct made_input *mi, *mtmp;
	struct device *dev, *tmp;

	list_for_each(dev, tmp, &devs->list, link) {
		list_remove(&dev->link);
		free(dev);
	}
	list_for_each(mi, mtmp, &devs->made, link) {
		list_remove(&mi->link);
		free(mi);
	}
	udev_monitor_unref(devs->monitor);
	udev_unref(devs->udev);
}

/* "N connectors: Virtual-1 (connected), ..." for the logs and seatmuxctl. */
static void describe_card(struct devices *devs, struct udev_device *card,
			  struct device *dev)
{
	struct udev_enumerate *en = udev_enumerate_new(devs->udev);
	struct udev_list_entry *e;
	size_t len = 0, prefix = strlen(dev->sysname);
	int count = 0;
	char names[128] = "";

	if (!en)
		return;
	udev_enumerate_add_match_parent(en, card);
	udev_enumerate_add_match_subsystem(en, "drm");
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *c = udev_device_new_from_syspath(
			devs->udev, udev_list_entry_get_name(e));
		const char *name = c ? udev_device_get_sysname(c) : NULL;
		const char *status;

		if (name && !strncmp(name, dev->sysname, prefix) && name[prefix] == '-') {
			status = udev_device_get_sysattr_value(c, "status");
			len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
						"%s%s(%s)", count ? " " : "", name + prefix + 1,
						status ? status : "?");
			count++;
		}
		if (c)
			udev_device_unref(c);
		if (len >= sizeof(names))
			len = sizeof(names) - 1;
	}
	udev_enumerate_unref(en);
	snprintf(dev->description, sizeof(dev->description), "%d connectors: %s",
		 count, names);
}

static void describe_input(struct udev_device *ud, struct device *dev)
{
	struct udev_device *parent = udev_device_get_parent(ud);
	const char *name = parent ? udev_device_get_sysattr_value(parent, "name") : NULL;
	const char *what = udev_device_get_property_value(ud, "ID_INPUT_KEYBOARD") ? "keyboard" :
			   udev_device_get_property_value(ud, "ID_INPUT_MOUSE") ? "mouse" :
			   udev_device_get_property_value(ud, "ID_INPUT_TABLET") ? "tablet" :
			   "input";

	snprintf(dev->description, sizeof(dev->description), "%s \"%s\"", what,
		 name ? name : "?");
}

/* The seat the configuration gives this connector: by its card's PCI slot. */
static const char *configured_seat(struct devices *devs, struct udev_device *ud,
				   const char *sysname)
{
	/* virtio and USB displays sit below their PCI device, not on it. */
	struct udev_device *pci = udev_device_get_parent_with_subsystem_devtype(ud, "pci", NULL);
	const char *slot = pci ? udev_device_get_sysname(pci) : NULL;

	if (!devs->cfg || !slot)
		return NULL;
	return config_connector_seat(devs->cfg, slot, seat_rules_connector_name(sysname));
}

/* Cards of evdi (and their connectors) are the virtual heads of RDP and
 * USB/IP stations; every other card is a physical head. */
static bool on_virtual_card(struct udev_device *ud)
{
	const char *driver;

	for (; ud; ud = udev_device_get_parent(ud)) {
		driver = udev_device_get_driver(ud);
		if (driver && !strcmp(driver, "evdi"))
			return true;
	}
	return false;
}

static bool on_vhci(struct udev_device *ud)
{
	const char *driver;

	for (; ud; ud = udev_device_get_parent(ud)) {
		driver = udev_device_get_driver(ud);
		if (driver && !strcmp(driver, "vhci_hcd"))
			return true;
	}
	return false;
}

static struct made_input *find_made(const struct devices *devs, const char *sysname)
{
	struct made_input *mi, *tmp;

	list_for_each(mi, tmp, &devs->made, link)
		if (!strcmp(mi->sysname, sysname))
			return mi;
	return NULL;
}

#define VIRTUAL_INPUT "/sys/devices/virtual/input/"

/* An input device software made (uinput: its syspath is below
 * /sys/devices/virtual/input/inputN) that seatmuxd did not make. */
static bool foreign_input(const struct devices *devs, struct udev_device *ud)
{
	const char *path = udev_device_get_syspath(ud);
	char input[VINPUT_SYSNAME_MAX];
	size_t len;

	if (!path || strncmp(path, VIRTUAL_INPUT, strlen(VIRTUAL_INPUT)))
		return false;
	path += strlen(VIRTUAL_INPUT);
	len = strcspn(path, "/");
	if (!len || len >= sizeof(input))
		return true;
	memcpy(input, path, len);
	input[len] = '\0';
	return !find_made(devs, input);
}

static struct device *device_from_udev(struct devices *devs,
				       struct udev_device *ud)
{
	struct seat_rules_input in = {
		.subsystem = udev_device_get_subsystem(ud),
		.sysname = udev_device_get_sysname(ud),
		.id_seat = udev_device_get_property_value(ud, "ID_SEAT"),
		.tag_master = udev_device_has_tag(ud, "master-of-seat"),
		.foreign = foreign_input(devs, ud),
	};
	struct seat_rules_result res;
	struct udev_device *parent;
	struct device *dev;
	const char *node = udev_device_get_devnode(ud), *home;
	int rc = seat_rules_classify(&in, &res);

	char text[LOG_TEXT_MAX];

	if (rc == -EINVAL)
		log_warn("%s: ignored: invalid ID_SEAT \"%s\"", in.sysname,
			 log_escape(text, sizeof(text), in.id_seat));
	if (rc == -EPERM) {
		parent = udev_device_get_parent(ud);
		log_warn("%s: refused: \"%s\" is an input device another program made "
			 "(uinput), not seatmuxd, and udev seats it at %s: a station takes "
			 "virtual input from seatmuxd only", in.sysname,
			 log_escape(text, sizeof(text), parent ?
				    udev_device_get_sysattr_value(parent, "name") : NULL),
			 in.id_seat);
	}
	if (rc)
		return NULL;
	/* Connectors have no node; everything else must have one. */
	if (res.kind == DEVICE_DRM_CONNECTOR)
		node = "";
	else if (!node || strlen(node) >= sizeof(dev->devnode))
		return NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->kind = res.kind;
	dev->master = res.master;
	if (res.kind == DEVICE_DRM_CARD || res.kind == DEVICE_DRM_CONNECTOR)
		dev->origin = on_virtual_card(ud) ? DEVICE_VIRTUAL :
			      on_vhci(ud) ? DEVICE_IMPORTED : DEVICE_PHYSICAL;
	else	/* input made by software (uinput: an RDP station's) or imported */
		dev->origin = !strncmp(udev_device_get_syspath(ud), "/sys/devices/virtual/", 21) ?
			      DEVICE_VIRTUAL : on_vhci(ud) ? DEVICE_IMPORTED : DEVICE_PHYSICAL;
	dev->devnum = udev_device_get_devnum(ud);
	snprintf(dev->seat, sizeof(dev->seat), "%s", res.seat);
	/* Its own home, or the nearest parent's whose seat it took. */
	for (parent = ud, home = NULL; parent && !home; parent = udev_device_get_parent(parent))
		home = udev_device_get_property_value(parent, "SEATMUX_HOME_SEAT");
	if (home && config_valid_seat_name(home))
		snprintf(dev->home, sizeof(dev->home), "%s", home);
	snprintf(dev->sysname, sizeof(dev->sysname), "%s", in.sysname);
	snprintf(dev->devnode, sizeof(dev->devnode), "%s", node);
	snprintf(dev->syspath, sizeof(dev->syspath), "%s", udev_device_get_syspath(ud));
	parent = udev_device_get_parent(ud);
	if (parent)
		snprintf(dev->parent, sizeof(dev->parent), "%s",
			 udev_device_get_syspath(parent));
	dev->assigned = in.id_seat && in.id_seat[0];
	if (dev->kind == DEVICE_DRM_CONNECTOR) {
		const char *status = udev_device_get_sysattr_value(ud, "status");
		const char *configured = configured_seat(devs, ud, in.sysname);

		snprintf(dev->connector, sizeof(dev->connector), "%s",
			 seat_rules_connector_name(in.sysname));
		/* Reading "modes" waits for the card's mode lock, which the
		 * kernel holds while it reads the monitor's EDID: over the
		 * network for an imported (USB/IP) card, 600 ms and more in
		 * the loop. Its description goes without them. */
		const char *modes = dev->origin == DEVICE_IMPORTED ? NULL :
				    udev_device_get_sysattr_value(ud, "modes");
		int mode_len = modes ? (int)strcspn(modes, "\n") : 0;

		/* sysfs lists the modes preferred first; none while off. */
		snprintf(dev->description, sizeof(dev->description), "connector %s (%s%s%.*s)",
			 dev->connector, status ? status : "?", mode_len ? ", " : "",
			 mode_len < 32 ? mode_len : 32, modes ? modes : "");
		/* udev's ID_SEAT wins, as it does for every other device. */
		if (!dev->seat[0] && configured)
			snprintf(dev->seat, sizeof(dev->seat), "%s", configured);
	} else if (dev->kind == DEVICE_DRM_CARD)
		describe_card(devs, ud, dev);
	else if (dev->kind == DEVICE_EVDEV) {
		const char *kbd = udev_device_get_property_value(ud, "ID_INPUT_KEYBOARD");

		describe_input(ud, dev);
		dev->keyboard = kbd && !strcmp(kbd, "1");
		dev->usb = udev_device_get_parent_with_subsystem_devtype(ud, "usb",
									  "usb_device") != NULL;
		/* The kernel's own add: a replay (udevadm trigger, at boot or
		 * by seat_attach) carries SYNTH_UUID. */
		dev->plugged = udev_device_get_action(ud) &&
			       !strcmp(udev_device_get_action(ud), "add") &&
			       !udev_device_get_property_value(ud, "SYNTH_UUID");
	}
	return dev;
}

static struct device *find_syspath(struct devices *devs, const char *syspath)
{
	struct device *dev, *tmp;

	list_for_each(dev, tmp, &devs->list, link)
		if (!strcmp(dev->syspath, syspath))
			return dev;
	return NULL;
}

static void device_add(struct devices *devs, struct udev_device *ud)
{
	struct device *dev = device_from_udev(devs, ud);
	char text[LOG_TEXT_MAX];

	if (!dev)
		return;
	list_insert(&devs->list, &dev->link);
	devs->generation++;
	/* An input device names itself: a USB/IP station's says what it likes. */
	if (dev->kind != DEVICE_DRM_CONNECTOR || dev->seat[0])
		log_info("%s: %s %s on %s%s: %s", dev->devnode[0] ? dev->devnode : dev->sysname,
			 seat_rules_kind_name(dev->kind), dev->sysname,
			 dev->seat[0] ? dev->seat : "its card's seat",
			 dev->master ? " (master-of-seat)" : "",
			 log_escape(text, sizeof(text), dev->description));
	if (devs->listener)
		devs->listener->added(devs->data, dev);
}

static void device_remove(struct devices *devs, const char *syspath)
{
	struct device *dev = find_syspath(devs, syspath);

	if (!dev)
		return;
	log_info("%s: removed from %s", dev->devnode[0] ? dev->devnode : dev->sysname,
		 dev->seat[0] ? dev->seat : "its card's seat");
	device_free(devs, dev);
}

/* A change may move a device to another seat: handle it as remove + add. */
static void device_change(struct devices *devs, struct udev_device *ud)
{
	struct device *old = find_syspath(devs, udev_device_get_syspath(ud));
	char text[LOG_TEXT_MAX];
	struct device *now;

	/* A late change of a device already removed (a USB display's
	 * hotplug event after its unplug) would come back as a ghost. */
	if (!old && access(udev_device_get_syspath(ud), F_OK) < 0)
		return;
	now = device_from_udev(devs, ud);

	/* A virtual card udev seats by a rule only now (an evdi card a
	 * station claims for seat0), or no more, comes anew: whether it is
	 * a head depends on that (rdp_wants_head). Any other device that
	 * keeps its seat stays as it is (console mode names seat0's own). */
	if (old && now && !strcmp(old->seat, now->seat) && old->master == now->master &&
	    (old->assigned == now->assigned || old->kind != DEVICE_DRM_CARD ||
	     old->origin != DEVICE_VIRTUAL)) {
		old->assigned = now->assigned;
		if (strcmp(old->description, now->description))
			log_info("%s: %s", old->devnode,
				 log_escape(text, sizeof(text), now->description));
		memcpy(old->description, now->description, sizeof(old->description));
		memcpy(old->home, now->home, sizeof(old->home));
		/* Looked up for a session before its add reached us: the
		 * kernel's add still says it was plugged, and a plug is news
		 * (station_map offers mapping for it). */
		if (now->plugged && !old->plugged) {
			old->plugged = true;
			devs->generation++;
		}
		if (old->early) {
			old->early = false;
			devs->generation++;
		}
		free(now);
		/*
		 * Any change of a card may be a monitor come or gone (HOTPLUG=1
		 * from the kernel, or a change announced by udevadm trigger):
		 * the listener looks at the connectors themselves.
		 */
		if (old->kind == DEVICE_DRM_CARD && devs->listener && devs->listener->hotplug)
			devs->listener->hotplug(devs->data, old);
		return;
	}
	free(now);
	if (old)
		device_remove(devs, old->syspath);
	device_add(devs, ud);
}

int devices_enumerate(struct devices *devs)
{
	struct udev_enumerate *en = udev_enumerate_new(devs->udev);
	struct udev_list_entry *e;

	if (!en)
		return -1;
	udev_enumerate_add_match_subsystem(en, "drm");
	udev_enumerate_add_match_subsystem(en, "input");
	if (udev_enumerate_scan_devices(en) < 0) {
		udev_enumerate_unref(en);
		return -1;
	}
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *ud = udev_device_new_from_syspath(
			devs->udev, udev_list_entry_get_name(e));

		if (!ud)
			continue;
		if (!find_syspath(devs, udev_device_get_syspath(ud)))
			device_add(devs, ud);
		udev_device_unref(ud);
	}
	udev_enumerate_unref(en);
	return 0;
}

int devices_monitor_fd(const struct devices *devs)
{
	return udev_monitor_get_fd(devs->monitor);
}

/* The event nodes below /sys/devices/virtual/input/<input> udev knows and
 * we do not (yet): refused while the device was not known to be ours. */
static void add_made(struct devices *devs, const char *input)
{
	char path[sizeof(VIRTUAL_INPUT) + VINPUT_SYSNAME_MAX];
	struct udev_enumerate *en;
	struct udev_device *parent;
	struct udev_list_entry *e;

	snprintf(path, sizeof(path), VIRTUAL_INPUT "%s", input);
	parent = udev_device_new_from_syspath(devs->udev, path);
	en = parent ? udev_enumerate_new(devs->udev) : NULL;
	if (en && udev_enumerate_add_match_parent(en, parent) == 0 &&
	    udev_enumerate_add_match_subsystem(en, "input") == 0 &&
	    udev_enumerate_scan_devices(en) == 0) {
		udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
			struct udev_device *ud = udev_device_new_from_syspath(
				devs->udev, udev_list_entry_get_name(e));

			if (ud && udev_device_get_is_initialized(ud) &&
			    !find_syspath(devs, udev_device_get_syspath(ud)))
				device_add(devs, ud);
			udev_device_unref(ud);
		}
	}
	udev_enumerate_unref(en);
	udev_device_unref(parent);
}

static int own(struct devices *devs, const char *input)
{
	struct made_input *mi;

	if (find_made(devs, input))
		return 0;
	mi = calloc(1, sizeof(*mi));
	if (!mi)
		return -ENOMEM;
	snprintf(mi->sysname, sizeof(mi->sysname), "%s", input);
	list_insert(&devs->made, &mi->link);
	add_made(devs, input);
	return 0;
}

int devices_own_input(struct devices *devs, const struct vinput *vi)
{
	char kbd[VINPUT_SYSNAME_MAX], ptr[VINPUT_SYSNAME_MAX];
	int rc = vinput_sysnames(vi, kbd, ptr);

	if (rc < 0)
		return rc;
	rc = own(devs, kbd);
	return rc < 0 ? rc : own(devs, ptr);
}

void devices_disown_input(struct devices *devs, const struct vinput *vi)
{
	char name[2][VINPUT_SYSNAME_MAX];
	struct made_input *mi;

	if (vinput_sysnames(vi, name[0], name[1]) < 0)
		return;
	for (int i = 0; i < 2; i++) {
		mi = find_made(devs, name[i]);
		if (mi) {
			list_remove(&mi->link);
			free(mi);
		}
	}
}

struct vinput *devices_adopt_input(struct devices *devs, struct fdstore *fds, const char *kbd,
				   const char *ptr, bool want)
{
	int kfd = fdstore_take(fds, kbd), pfd = fdstore_take(fds, ptr);
	struct vinput *vi = NULL;

	/* Adopted even if not wanted: destroyed, not merely closed, so they
	 * go now, not when systemd lets go of its copies. */
	if (kfd >= 0 || pfd >= 0)
		vi = vinput_adopt(kfd, pfd);
	if (vi && want && kfd >= 0 && pfd >= 0 && devices_own_input(devs, vi) == 0)
		return vi;
	if (!vi) {
		if (kfd >= 0)
			close(kfd);
		if (pfd >= 0)
			close(pfd);
	}
	devices_destroy_input(devs, vi, kbd, ptr);	/* its fds with it */
	return NULL;
}

int devices_keep_input(const struct vinput *vi, const char *kbd, const char *ptr)
{
	if (!*kbd || !*ptr || fdstore_put(kbd, vinput_keyboard_fd(vi)) < 0 ||
	    fdstore_put(ptr, vinput_pointer_fd(vi)) < 0)
		return -1;
	return 0;
}

void devices_destroy_input(struct devices *devs, struct vinput *vi, const char *kbd,
			   const char *ptr)
{
	if (vi) {
		devices_disown_input(devs, vi);
		vinput_destroy(vi);
	}
	if (*kbd)
		fdstore_drop(kbd);
	if (*ptr)
		fdstore_drop(ptr);
}

void devices_dispatch(struct devices *devs)
{
	struct udev_device *ud;

	while ((ud = udev_monitor_receive_device(devs->monitor))) {
		const char *action = udev_device_get_action(ud);

		if (!action) {
			;
		} else if (!strcmp(action, "add")) {
			/* Announced again (udevadm trigger --action=add, as
			 * seat_attach does): looked at as a change. */
			if (find_syspath(devs, udev_device_get_syspath(ud)))
				device_change(devs, ud);
			else
				device_add(devs, ud);
		} else if (!strcmp(action, "remove")) {
			device_remove(devs, udev_device_get_syspath(ud));
		} else if (!strcmp(action, "change")) {
			device_change(devs, ud);
		}
		udev_device_unref(ud);
	}
}

struct device *devices_find(const struct devices *devs, dev_t devnum)
{
	struct device *dev, *tmp;

	list_for_each(dev, tmp, &devs->list, link)
		if (dev->devnum == devnum && dev->kind != DEVICE_DRM_CONNECTOR)
			return dev;
	return NULL;
}

/*
 * A session learns of a new device from its own udev monitor and may ask
 * for it before our monitor has told us: udev's database is the truth
 * both read, so consult it directly rather than refuse the device.
 */
struct device *devices_lookup(struct devices *devs, dev_t devnum)
{
	struct device *dev = devices_find(devs, devnum);
	struct udev_device *ud;

	if (dev)
		return dev;
	ud = udev_device_new_from_devnum(devs->udev, 'c', devnum);
	if (!ud)
		return NULL;
	if (udev_device_get_is_initialized(ud) &&
	    !find_syspath(devs, udev_device_get_syspath(ud))) {
		log_debug("%s: known to udev before its event reached us",
			  udev_device_get_sysname(ud));
		device_add(devs, ud);
		dev = devices_find(devs, devnum);
		if (dev)
			dev->early = true;
	}
	udev_device_unref(ud);
	return dev ? dev : devices_find(devs, devnum);
}

const char *devices_seat_of(const struct devices *devs,
			    const struct device *dev)
{
	struct device *card, *tmp;

	if (dev->kind != DEVICE_DRM_RENDER)
		return dev->seat;
	list_for_each(card, tmp, &devs->list, link)
		if (card->kind == DEVICE_DRM_CARD && !strcmp(card->parent, dev->parent))
			return card->seat;
	return NULL;
}
