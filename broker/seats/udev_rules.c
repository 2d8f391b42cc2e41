// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "udev_rules.h"

static int run_udevadm(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv("/usr/bin/udevadm", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int udev_rules_write(const char *path, const char *what,
		     void (*write)(FILE *f, void *data), void *data)
{
	char tmp[256];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	mkdir("/run/udev", 0755);
	mkdir("/run/udev/rules.d", 0755);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "# seatmuxd: %s. Made at run time.\n", what);
	write(f, data);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

int udev_rules_reload(void)
{
	return run_udevadm((char *[]){ "udevadm", "control", "--reload", NULL });
}

void udev_rules_trigger_tree(const char *syspath, const char *action, const char *subsystem)
{
	char act[32], parent[4200], sub[64];

	snprintf(act, sizeof(act), "--action=%s", action);
	snprintf(parent, sizeof(parent), "--parent-match=%s", syspath);
	snprintf(sub, sizeof(sub), "--subsystem-match=%s", subsystem ? subsystem : "*");
	run_udevadm((char *[]){ "udevadm", "trigger", act, parent, sub, NULL });
}

void udev_rules_trigger_all(const char *action, const char *subsystem)
{
	char act[32], sub[64];

	snprintf(act, sizeof(act), "--action=%s", action);
	snprintf(sub, sizeof(sub), "--subsystem-match=%s", subsystem ? subsystem : "*");
	run_udevadm((char *[]){ "udevadm", "trigger", act, sub, NULL });
}

void udev_rules_retrigger(const char *syspath)
{
	run_udevadm((char *[]){ "udevadm", "trigger", "--action=change", (char *)syspath, NULL });
}

/* At most this many devices to one udevadm (its argv); more in turns. */
#define TRIGGER_BATCH 64

/* sysfs paths, as many as udev has. */
struct paths {
	char **path;
	int n, size;
};

static void paths_free(struct paths *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->path[i]);
	free(p->path);
}

static int paths_add(struct paths *p, const char *path)
{
	if (p->n == p->size) {
		int size = p->size ? 2 * p->size : 16;
		char **more = realloc(p->path, sizeof(*more) * (size_t)size);

		if (!more)
			return -1;
		p->path = more;
		p->size = size;
	}
	p->path[p->n] = strdup(path);
	return p->path[p->n] ? (p->n++, 0) : -1;
}

/* A device's seat: udev's ID_SEAT, or seat0 without one (logind's). */
static bool on_seat(struct udev_device *d, const char *seat)
{
	const char *id = udev_device_get_property_value(d, "ID_SEAT");

	return !strcmp(id && id[0] ? id : "seat0", seat);
}

/* What e matches (on seat, if seat is given), into p; -1 if udev cannot
 * say. e is let go of. */
static int matched_paths(struct udev *udev, struct udev_enumerate *e, const char *seat,
			 struct paths *p)
{
	struct udev_list_entry *entry;
	struct udev_device *d;
	const char *path;
	int rc = 0;

	if (udev_enumerate_scan_devices(e) < 0) {
		udev_enumerate_unref(e);
		return -1;
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		path = udev_list_entry_get_name(entry);
		if (seat) {
			d = udev_device_new_from_syspath(udev, path);
			if (!d || !on_seat(d, seat)) {
				if (d)
					udev_device_unref(d);
				continue;
			}
			udev_device_unref(d);
		}
		if (paths_add(p, path) < 0) {
			rc = -1;
			break;
		}
	}
	udev_enumerate_unref(e);
	return rc;
}

/* The evdev nodes udev gives seat now. seat0's have no ID_SEAT to match
 * on: those are told apart one by one. */
static int inputs_now(struct udev *udev, const char *seat, struct paths *p)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	bool seat0 = !strcmp(seat, "seat0");

	if (!e || udev_enumerate_add_match_subsystem(e, "input") < 0 ||
	    udev_enumerate_add_match_sysname(e, "event[0-9]*") < 0 ||
	    (!seat0 && udev_enumerate_add_match_property(e, "ID_SEAT", seat) < 0)) {
		if (e)
			udev_enumerate_unref(e);
		return -1;
	}
	return matched_paths(udev, e, seat0 ? seat : NULL, p);
}

/* The devices whose home (72-zzz-seatmux-home.rules) is home. */
static int home_devices(struct udev *udev, const char *home, struct paths *p)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);

	if (!e || udev_enumerate_add_match_property(e, "SEATMUX_HOME_SEAT", home) < 0) {
		if (e)
			udev_enumerate_unref(e);
		return -1;
	}
	return matched_paths(udev, e, NULL, p);
}

/* A change for each device and every device below it (a hub's keyboards,
 * which take their seat from it); one udevadm a batch, the matches ORed. */
static int announce_trees(const struct paths *p)
{
	char *argv[TRIGGER_BATCH + 5] = { "udevadm", "trigger", "--settle", "--action=change" };
	char (*match)[PATH_MAX + 16] = calloc(TRIGGER_BATCH, PATH_MAX + 16);
	int rc = match ? 0 : -1;

	for (int done = 0; rc == 0 && done < p->n; done += TRIGGER_BATCH) {
		int n = p->n - done < TRIGGER_BATCH ? p->n - done : TRIGGER_BATCH;

		for (int i = 0; i < n; i++) {
			snprintf(match[i], PATH_MAX + 16, "--parent-match=%s", p->path[done + i]);
			argv[4 + i] = match[i];
		}
		argv[4 + n] = NULL;
		rc = run_udevadm(argv);
	}
	free(match);
	return rc;
}

/*
 * An input device whose seat changed is announced as removed and added
 * again: libinput heeds only those, and a compositor that had it (one
 * that started in between) drops it before it takes it again, never
 * holding it twice.
 */
static void announce_inputs(struct udev *udev, const struct paths *p, const char *was)
{
	struct udev_device *d;

	for (int i = 0; i < p->n; i++) {
		d = udev_device_new_from_syspath(udev, p->path[i]);
		if (d && !on_seat(d, was)) {
			run_udevadm((char *[]){ "udevadm", "trigger", "--settle", "--action=remove",
						p->path[i], NULL });
			run_udevadm((char *[]){ "udevadm", "trigger", "--action=add", p->path[i],
						NULL });
		}
		if (d)
			udev_device_unref(d);
	}
}

int udev_rules_move_home(struct udev *udev, const char *home, const char *from)
{
	struct paths devs = { 0 }, inputs = { 0 };
	int rc = -1;

	if (home_devices(udev, home, &devs) < 0 || inputs_now(udev, from, &inputs) < 0)
		goto out;
	rc = -ENOENT;	/* nothing has that home: nothing would move */
	if (devs.n == 0)
		goto out;
	rc = -1;
	if (udev_rules_reload() < 0 || announce_trees(&devs) < 0)
		goto out;
	announce_inputs(udev, &inputs, from);
	rc = 0;
out:
	paths_free(&devs);
	paths_free(&inputs);
	return rc;
}
