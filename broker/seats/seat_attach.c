// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seat_attach.h"
#include "udev_rules.h"

static bool word_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

bool seat_attach_name_valid(const char *seat)
{
	return !strncmp(seat, "seat", 4) && strlen(seat) > 4 && strlen(seat) < 64 &&
	       word_chars(seat);
}

/* The device path names, a /dev node or a /sys path; NULL if none. */
static struct udev_device *device_named(struct udev *udev, const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (!strncmp(path, "/dev/", 5)) {
		if (stat(path, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
			return NULL;
		return udev_device_new_from_devnum(udev, S_ISCHR(st.st_mode) ? 'c' : 'b',
						   st.st_rdev);
	}
	if (strncmp(path, "/sys/", 5) || !realpath(path, real) || strncmp(real, "/sys/", 5))
		return NULL;
	return udev_device_new_from_syspath(udev, real);
}

/* The device at or above dev that udev gave a seat's ID_FOR_SEAT. */
static struct udev_device *seat_device(struct udev_device *dev)
{
	for (; dev; dev = udev_device_get_parent(dev)) {
		const char *id = udev_device_get_property_value(dev, "ID_FOR_SEAT");

		if (udev_device_has_tag(dev, "seat") && id && *id && word_chars(id))
			return dev;
	}
	return NULL;
}

static int rule_path(char *out, size_t size, const char *dir, const char *id)
{
	return (size_t)snprintf(out, size, "%s/72-seat-%s.rules", dir, id) >= size ?
		       -ENAMETOOLONG : 0;
}

/* The folder's entry on disk too: a rename a power cut forgets would
 * undo an assignment the administrator saw take effect. */
static void dir_sync(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = 0;
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Written aside, synced, then renamed over: udev never reads half a
 * rule, and a reboot finds the whole one. */
static int rules_write(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;
	bool bad;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	bad = fflush(f) != 0 || fsync(fileno(f)) < 0;
	if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
		int rc = errno ? -errno : -EIO;

		unlink(tmp);
		return rc;
	}
	dir_sync(path);
	return 0;
}

/* loginctl's rule for one device. */
static int rule_write(const char *path, const char *id, const char *seat)
{
	char text[2 * NAME_MAX + 128];

	snprintf(text, sizeof(text), "TAG==\"seat\", ENV{ID_FOR_SEAT}==\"%s\", ENV{ID_SEAT}=\"%s\"\n",
		 id, seat);
	return rules_write(path, text);
}

/* Everything at and below syspath announced again (see the header);
 * udev has read the rules as they are now. */
static void announce(const char *syspath)
{
	udev_rules_trigger_tree(syspath, "change", NULL);
	udev_rules_trigger_tree(syspath, "add", "input");
}

/* Every device whose ID_FOR_SEAT is id, announced again. */
static void announce_id(struct udev *udev, const char *id)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *l;

	if (!e)
		return;
	if (udev_enumerate_add_match_property(e, "ID_FOR_SEAT", id) == 0 &&
	    udev_enumerate_scan_devices(e) == 0)
		udev_list_entry_foreach(l, udev_enumerate_get_list_entry(e))
			announce(udev_list_entry_get_name(l));
	udev_enumerate_unref(e);
}

int seat_attach(struct udev *udev, const char *rules_dir, const char *seat,
		const char *device, char *id_out, size_t size)
{
	struct udev_device *dev, *found;
	char path[PATH_MAX], syspath[PATH_MAX];
	int rc;

	if (!seat_attach_name_valid(seat))
		return -EINVAL;
	dev = device_named(udev, device);
	if (!dev)
		return -ENODEV;
	found = seat_device(dev);
	if (!found) {
		udev_device_unref(dev);
		return -ENOTTY;
	}
	rc = (size_t)snprintf(id_out, size, "%s",
			      udev_device_get_property_value(found, "ID_FOR_SEAT")) >= size ?
		     -ENAMETOOLONG : 0;
	snprintf(syspath, sizeof(syspath), "%s", udev_device_get_syspath(found));
	udev_device_unref(dev);	/* found is one of its parents: freed with it */
	if (rc < 0)
		return rc;	/* a cut id would make a rule that never applies */
	rc = rule_path(path, sizeof(path), rules_dir, id_out);
	if (rc < 0)
		return rc;
	/* seat0 is where a device goes without a rule: logind removes it. */
	if (!strcmp(seat, "seat0")) {
		rc = unlink(path) < 0 && errno != ENOENT ? -errno : 0;
		dir_sync(path);
	} else
		rc = rule_write(path, id_out, seat);
	if (rc < 0)
		return rc;
	if (udev_rules_reload() < 0)
		return -EAGAIN;	/* written, but udev has not read it yet */
	announce(syspath);
	return 0;
}

int seat_flush_devices(struct udev *udev, const char *rules_dir)
{
	DIR *d = opendir(rules_dir);
	struct dirent *e;
	char path[PATH_MAX], (*ids)[NAME_MAX + 1] = NULL;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		void *more;

		if (strncmp(e->d_name, "72-seat-", 8) || len <= 8 + 6 ||
		    strcmp(e->d_name + len - 6, ".rules"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", rules_dir, e->d_name);
		if (unlink(path) < 0 || !(more = realloc(ids, sizeof(*ids) * ((size_t)n + 1))))
			continue;
		ids = more;
		/* The device it was for: its ID_FOR_SEAT, between the two. */
		snprintf(ids[n], sizeof(ids[n]), "%.*s", (int)(len - 8 - 6), e->d_name + 8);
		n++;
	}
	closedir(d);
	if (n)
		dir_sync(path);
	if (n && udev_rules_reload() == 0)
		for (int i = 0; i < n; i++)
			announce_id(udev, ids[i]);
	free(ids);
	return n;
}

/* After every 72-seat-*.rules (loginctl's) and before logind's
 * 73-seat-late.rules, which hands a device's seat down to what hangs off
 * it. Remote and imported stations' devices (evdi heads, uinput, USB/IP)
 * are left to their own rules. Connectors are seat0's too (udev's seat
 * wins over seatmux.conf's): a card split into leases is whole again,
 * and its lessor lets go of it (leases_unsplit). */
static const char console_rule[] =
	"# seatmuxctl mode console: every device of the machine's own is seat0's, one\n"
	"# desktop for maintenance. Removed by seatmuxctl mode station.\n"
	"DRIVERS==\"evdi|vhci_hcd\", GOTO=\"seatmux_console_end\"\n"
	"DEVPATH==\"/devices/virtual/*\", GOTO=\"seatmux_console_end\"\n"

	"TAG==\"seat\", ENV{ID_SEAT}=\"seat0\"\n"
	"LABEL=\"seatmux_console_end\"\n";

static int console_path(char *out, size_t size, const char *rules_dir)
{
	return (size_t)snprintf(out, size, "%s/%s", rules_dir, SEAT_CONSOLE_RULE) >= size ?
		       -ENAMETOOLONG : 0;
}

bool seat_console_mode(const char *rules_dir)
{
	char path[PATH_MAX];

	return console_path(path, sizeof(path), rules_dir) == 0 && access(path, F_OK) == 0;
}

int seat_console_write(const char *rules_dir, bool console)
{
	char path[PATH_MAX];
	int rc = console_path(path, sizeof(path), rules_dir);

	if (rc < 0)
		return rc;
	if (seat_console_mode(rules_dir) == console)
		return -EALREADY;
	if (console)
		return rules_write(path, console_rule);
	rc = unlink(path) < 0 ? -errno : 0;
	dir_sync(path);
	return rc;
}

int seat_console_announce(void)
{
	if (udev_rules_reload() < 0)
		return -EAGAIN;
	/* Every device, the ones between a hub and its keyboard included
	 * (they hand the seat down), then input and heads as added: libinput
	 * and wlroots take up devices on add only. */
	udev_rules_trigger_all("change", NULL);
	udev_rules_trigger_all("add", "input");
	udev_rules_trigger_all("add", "drm");
	return 0;
}
