// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/input.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xkbcommon/xkbcommon.h>

#include "broker.h"
#include "log.h"
#include "map_rules.h"
#include "screens.h"
#include "seats.h"
#include "station_map.h"
#include "udev_job.h"

#define MAP_MAX_SEATS 64
#define MAP_MAX_KEYBOARDS 32

struct map_keyboard {
	struct list link;		/* map->keyboards */
	struct station_map *map;
	dev_t devnum;
	int fd;
	struct loop_source *src;	/* owns fd */
	char devnode[64];
};

/* A head showing its letter; claimed: a keyboard pressed it, and is on
 * its way (udev moves it next): no other keyboard may take it too. */
struct map_head {
	char seat[SEAT_PROTO_MAX_SEAT];
	char letter;
	bool claimed;
};

/* A keyboard on its way to a head's seat: udev is told in a child job
 * (udev_job.h) while the loop goes on. */
struct map_attach {
	struct list link;		/* map->attaching */
	struct station_map *map;
	struct udev_job *job;
	dev_t devnum;
	char seat[SEAT_PROTO_MAX_SEAT];
	char target[PATH_MAX];
	char devnode[64];
	char letter;
};

struct station_map {
	struct broker *b;
	/* Every USB keyboard seen so far: one not among them was plugged
	 * since the last sync. */
	dev_t *known;
	int nknown;
	unsigned seen;			/* the devices' generation known was taken at */

	bool active;
	bool offered;			/* by plugged keyboards: only they count */
	dev_t offered_by[MAP_MAX_KEYBOARDS];
	int noffered;
	dev_t failed[MAP_MAX_KEYBOARDS];	/* cannot be read: not tried again */
	int nfailed;
	uint32_t given;			/* letters given in this mapping */
	dev_t claims[MAP_MAX_KEYBOARDS];	/* pressed a letter: udev moves them */
	int nclaims;
	struct map_head heads[MAP_MAX_SEATS];
	int nheads;
	struct list keyboards;		/* struct map_keyboard: grabbed */
	struct list attaching;		/* struct map_attach */
	struct loop_source *end;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
};

static bool among(const dev_t *set, int n, dev_t devnum)
{
	for (int i = 0; i < n; i++)
		if (set[i] == devnum)
			return true;
	return false;
}

static void add_to(dev_t *set, int *n, dev_t devnum)
{
	if (*n < MAP_MAX_KEYBOARDS && !among(set, *n, devnum))
		set[(*n)++] = devnum;
}

/* -- what the devices say -- */

/* Heads on seat: the machine's own only (a remote station's head comes
 * with its own input: it never waits for a keyboard), or of every kind. */
static int seat_heads(struct broker *b, const char *seat, bool own_only)
{
	struct device *dev, *tmp;
	const char *owner;
	int n = 0;

	if (!seat || (own_only && !b->physical_heads))
		return 0;
	list_for_each(dev, tmp, &b->devices.list, link) {
		if (dev->kind != DEVICE_DRM_CARD && (own_only || dev->kind != DEVICE_DRM_CONNECTOR))
			continue;
		if (own_only && dev->origin != DEVICE_PHYSICAL)
			continue;
		owner = devices_seat_of(&b->devices, dev);
		n += owner && !strcmp(owner, seat);
	}
	return n;
}

static int seat_keyboards(struct broker *b, const char *seat)
{
	struct device *dev, *tmp;
	const char *owner;
	int n = 0;

	list_for_each(dev, tmp, &b->devices.list, link) {
		owner = devices_seat_of(&b->devices, dev);
		n += dev->kind == DEVICE_EVDEV && dev->keyboard && owner && !strcmp(owner, seat);
	}
	return n;
}

/* One of the machine's own keyboards that no station has: a remote
 * station's (uinput, imported) is never mapped. */
static bool keyboard_free(struct broker *b, const struct device *dev)
{
	return dev->kind == DEVICE_EVDEV && dev->origin == DEVICE_PHYSICAL &&
	       map_rules_keyboard_free(dev->keyboard, dev->assigned,
				       seat_heads(b, devices_seat_of(&b->devices, dev), false));
}

/* Every seat with its heads, keyboards and the letter it shows now; the
 * letters it should show filled in (with given, the letters given so
 * far). A blocked seat does not wait: its block stays on its head. How
 * many heads wait. */
static int seats_gather(struct station_map *map, struct map_rules_seat *rs, int *n,
			uint32_t *given)
{
	struct seat *seat, *tmp;

	*n = 0;
	list_for_each(seat, tmp, &map->b->seats, link) {
		if (*n >= MAP_MAX_SEATS)
			break;
		rs[*n] = (struct map_rules_seat){
			.name = seat->name,
			.heads = screens_blocked(map->b, seat->name) ? 0 :
				 seat_heads(map->b, seat->name, true),
			.keyboards = seat_keyboards(map->b, seat->name),
			.letter = station_map_letter(map->b, seat->name),
		};
		(*n)++;
	}
	return map_rules_letters(rs, *n, given);
}

/* -- the keyboards read -- */

static void keyboard_free_one(struct map_keyboard *k)
{
	/* Let go at once: the loop closes the fd only after its dispatch. */
	ioctl(k->fd, EVIOCGRAB, (void *)0);
	loop_remove(k->src);
	list_remove(&k->link);
	free(k);
}

static void keyboards_release(struct station_map *map)
{
	struct map_keyboard *k, *tmp;

	list_for_each(k, tmp, &map->keyboards, link)
		keyboard_free_one(k);
}

static char key_letter(struct station_map *map, unsigned code)
{
	/* evdev codes are XKB's less 8; with no modifier held. */
	xkb_keysym_t sym = xkb_state_key_get_one_sym(map->state, code + 8);

	return map_rules_letter(xkb_keysym_to_utf32(sym));
}

/* Whether something below the hub at syspath is another station's
 * already (a head, or a device udev gave a seat): the hub is shared, and
 * giving it away would take that station's devices with it. */
static bool hub_shared(struct station_map *map, const char *syspath)
{
	struct device *dev, *tmp;
	size_t len = strlen(syspath);

	list_for_each(dev, tmp, &map->b->devices.list, link)
		if (!strncmp(dev->syspath, syspath, len) && dev->syspath[len] == '/' &&
		    (dev->kind != DEVICE_EVDEV || dev->assigned))
			return true;
	return false;
}

/*
 * What the pressed keyboard's station is given: its nearest USB hub
 * (the mouse hangs off it too), else the keyboard itself, as loginctl
 * attach would take its node. A hub built into the machine (its port is
 * "fixed") or one another station's devices hang off too is not the
 * station's: then the keyboard alone.
 */
static void map_target(struct station_map *map, struct map_keyboard *k, char *out, size_t size)
{
	struct udev_device *ud = udev_device_new_from_devnum(map->b->devices.udev, 'c', k->devnum);
	struct udev_device *p = ud;
	const char *removable;

	snprintf(out, size, "%s", k->devnode);
	while (p && (p = udev_device_get_parent_with_subsystem_devtype(p, "usb", "usb_device"))) {
		if (!map_rules_station_hub(udev_device_get_sysname(p),
					   udev_device_get_sysattr_value(p, "bDeviceClass")))
			continue;
		removable = udev_device_get_sysattr_value(p, "removable");
		if ((!removable || strcmp(removable, "fixed")) &&
		    !hub_shared(map, udev_device_get_syspath(p)))
			snprintf(out, size, "%s", udev_device_get_syspath(p));
		break;
	}
	if (ud)
		udev_device_unref(ud);
}

static struct map_head *head_with_letter(struct station_map *map, char letter)
{
	for (int i = 0; i < map->nheads; i++)
		if (map->heads[i].letter == letter && !map->heads[i].claimed)
			return &map->heads[i];
	return NULL;
}

/* Whether target (a hub or a keyboard) is on its way to a seat. */
static bool attaching(struct station_map *map, const char *target)
{
	struct map_attach *at, *tmp;

	list_for_each(at, tmp, &map->attaching, link)
		if (!strcmp(at->target, target))
			return true;
	return false;
}

static void claim_drop(struct station_map *map, dev_t devnum)
{
	for (int i = 0; i < map->nclaims; i++)
		if (map->claims[i] == devnum)
			map->claims[i--] = map->claims[--map->nclaims];
}

static void attached(void *data, const struct udev_job_answer *answer)
{
	struct map_attach *at = data;
	struct station_map *map = at->map;

	list_remove(&at->link);
	if (answer->rc < 0) {
		/* Unclaimed, the keyboard is read again: pressed again, it is
		 * tried again. */
		log_warn("map: %s cannot be given to %s: %s", at->target, at->seat,
			 answer->rc == -EAGAIN ? "udev did not reload its rules" :
						 strerror(-answer->rc));
		claim_drop(map, at->devnum);
		for (int i = 0; i < map->nheads; i++)
			if (!strcmp(map->heads[i].seat, at->seat))
				map->heads[i].claimed = false;
	} else {
		/* udev moves it next; station_map_sync sees it. */
		log_info("map: %s (%s) given to %s: %c pressed on %s", at->target, answer->id,
			 at->seat, at->letter, at->devnode);
	}
	free(at);
}

static void letter_pressed(struct station_map *map, struct map_keyboard *k, char letter)
{
	struct map_head *head = head_with_letter(map, letter);
	struct map_attach *at;

	if (!head) {
		log_debug("map: %c pressed on %s is no waiting head's letter", letter, k->devnode);
		return;
	}
	if (among(map->claims, map->nclaims, k->devnum))
		return;		/* on its way to the head it pressed first */
	at = calloc(1, sizeof(*at));
	if (!at)
		return;
	at->map = map;
	at->devnum = k->devnum;
	at->letter = letter;
	snprintf(at->seat, sizeof(at->seat), "%s", head->seat);
	snprintf(at->devnode, sizeof(at->devnode), "%s", k->devnode);
	map_target(map, k, at->target, sizeof(at->target));
	/* Two keyboards of one hub: the hub goes to the first one's head. */
	if (attaching(map, at->target)) {
		log_info("map: %s is given to a head already: %c on %s not taken", at->target,
			 letter, k->devnode);
		free(at);
		return;
	}
	at->job = udev_job_start(&map->b->udev_jobs, UDEV_JOB_ATTACH, at->seat, at->target,
				 attached, at);
	if (!at->job) {
		log_warn("map: %s cannot be given to %s: %m", at->target, at->seat);
		free(at);
		return;
	}
	list_insert(&map->attaching, &at->link);
	/* No other keyboard may take the head, nor this one another. */
	head->claimed = true;
	if (map->nclaims < MAP_MAX_KEYBOARDS)
		map->claims[map->nclaims++] = k->devnum;
}

static void keyboard_ready(void *data, uint32_t events)
{
	struct map_keyboard *k = data;
	struct station_map *map = k->map;
	struct input_event ev[32];
	ssize_t n = read(k->fd, ev, sizeof(ev));
	char letter;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		keyboard_free_one(k);	/* gone: the others still count */
		return;
	}
	for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
		if (ev[i].type != EV_KEY || ev[i].value != 1)
			continue;
		if (ev[i].code == KEY_ESC) {
			log_info("map: Escape pressed on %s", k->devnode);
			station_map_stop(map->b);
			return;
		}
		letter = key_letter(map, ev[i].code);
		if (letter) {
			letter_pressed(map, k, letter);
			return;	/* k may be gone */
		}
	}
}

static bool keyboard_read(struct station_map *map, dev_t devnum)
{
	struct map_keyboard *k, *tmp;

	list_for_each(k, tmp, &map->keyboards, link)
		if (k->devnum == devnum)
			return true;
	return false;
}

/* Grabbed: what it types while mapping reaches no session. */
static void keyboard_open(struct station_map *map, const struct device *dev)
{
	struct map_keyboard *k = calloc(1, sizeof(*k));
	int fd = open(dev->devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);

	if (!k || fd < 0 || ioctl(fd, EVIOCGRAB, (void *)1) < 0) {
		/* Grabbed by someone else, or gone: not tried again. */
		log_warn("map: %s cannot be read: %m", dev->devnode);
		if (map->nfailed < MAP_MAX_KEYBOARDS)
			map->failed[map->nfailed++] = dev->devnum;
		if (fd >= 0)
			close(fd);
		free(k);
		return;
	}
	k->map = map;
	k->devnum = dev->devnum;
	k->fd = fd;
	snprintf(k->devnode, sizeof(k->devnode), "%s", dev->devnode);
	k->src = loop_add_owned(map->b->loop, fd, EPOLLIN, keyboard_ready, k, NULL);
	if (!k->src) {
		close(fd);
		free(k);
		return;
	}
	list_insert(&map->keyboards, &k->link);
	log_debug("map: reading %s", dev->devnode);
}

static bool keyboard_claimed(struct station_map *map, const struct device *dev);

static bool keyboard_wanted(struct station_map *map, const struct device *dev)
{
	return keyboard_free(map->b, dev) && !among(map->failed, map->nfailed, dev->devnum) &&
	       !keyboard_claimed(map, dev) &&
	       (!map->offered || among(map->offered_by, map->noffered, dev->devnum));
}

static void keyboards_sync(struct station_map *map)
{
	struct map_keyboard *k, *ktmp;
	struct device *dev, *tmp;

	list_for_each(k, ktmp, &map->keyboards, link) {
		dev = devices_find(&map->b->devices, k->devnum);
		if (!dev || !keyboard_wanted(map, dev))
			keyboard_free_one(k);
	}
	list_for_each(dev, tmp, &map->b->devices.list, link)
		if (keyboard_wanted(map, dev) && !keyboard_read(map, dev->devnum))
			keyboard_open(map, dev);
}

/* -- the heads' letters -- */

static char letter_in(const struct map_head *heads, int n, const char *seat, bool *claimed)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(heads[i].seat, seat)) {
			*claimed = heads[i].claimed;
			return heads[i].letter;
		}
	*claimed = false;
	return 0;
}

/* The heads' letters as rs says: new ones shown, gone ones put away. */
static void letters_show(struct station_map *map, struct map_rules_seat *rs, int n)
{
	struct map_head old[MAP_MAX_SEATS];
	int nold = map->nheads, rc;
	bool claimed;
	char was;

	memcpy(old, map->heads, sizeof(old[0]) * (size_t)nold);
	map->nheads = 0;
	for (int i = 0; i < n; i++) {
		was = letter_in(old, nold, rs[i].name, &claimed);
		if (rs[i].letter && rs[i].letter != was) {
			rc = screens_map_letter(map->b, rs[i].name, rs[i].letter);
			if (rc < 0) {
				log_debug("map: %s cannot show its letter: %s", rs[i].name,
					  strerror(-rc));
				if (rs[i].letter != was)	/* not used up */
					map->given &= ~(1u << (rs[i].letter - 'A'));
				continue;
			}
			log_info("map: %s shows %c", rs[i].name, rs[i].letter);
			claimed = false;
		}
		if (!rs[i].letter || map->nheads >= MAP_MAX_SEATS)
			continue;
		map->heads[map->nheads++] = (struct map_head){ .letter = rs[i].letter,
							       .claimed = claimed };
		snprintf(map->heads[map->nheads - 1].seat, sizeof(map->heads[0].seat), "%s",
			 rs[i].name);
	}
	for (int i = 0; i < nold; i++)
		if (!station_map_letter(map->b, old[i].seat))
			screens_map_letter(map->b, old[i].seat, 0);
}

static void letters_clear(struct station_map *map)
{
	for (int i = 0; i < map->nheads; i++)
		screens_map_letter(map->b, map->heads[i].seat, 0);
	map->nheads = 0;
}

/* A keyboard that pressed a letter: its head is claimed and it waits
 * for udev to move it. */
static bool keyboard_claimed(struct station_map *map, const struct device *dev)
{
	for (int i = 0; i < map->nclaims; i++)
		if (map->claims[i] == dev->devnum)
			return true;
	return false;
}

/* -- mapping -- */

static void keymap_free(struct station_map *map)
{
	xkb_state_unref(map->state);
	xkb_keymap_unref(map->keymap);
	xkb_context_unref(map->xkb);
	map->state = NULL;
	map->keymap = NULL;
	map->xkb = NULL;
}

static int keymap_load(struct station_map *map)
{
	if (map->state)
		return 0;
	map->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	map->keymap = map->xkb ? xkb_keymap_new_from_names(map->xkb, NULL,
							   XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	map->state = map->keymap ? xkb_state_new(map->keymap) : NULL;
	if (map->state)
		return 0;
	log_error("map: no keymap (xkbcommon): letters cannot be read");
	keymap_free(map);
	return -EIO;
}

static void end_fired(void *data, uint32_t events)
{
	struct station_map *map = data;

	log_info("map: its time is up");
	station_map_stop(map->b);
}

/* Letters and keyboards as the devices say now; ends when no head has
 * a letter left. */
static void mapping_sync(struct station_map *map)
{
	struct map_rules_seat rs[MAP_MAX_SEATS];
	int n;

	seats_gather(map, rs, &n, &map->given);
	letters_show(map, rs, n);
	if (!map->nheads) {
		log_info("map: no head waits for a keyboard");
		station_map_stop(map->b);
		return;
	}
	keyboards_sync(map);
}

static int mapping_begin(struct station_map *map, bool offered, unsigned seconds)
{
	int rc = keymap_load(map);

	if (rc < 0)
		return rc;
	if (!map->active) {
		struct map_attach *at, *tmp;

		map->given = 0;
		map->nclaims = 0;
		map->nfailed = 0;
		/* Keyboards still on their way from the last mapping stay so. */
		list_for_each(at, tmp, &map->attaching, link)
			if (map->nclaims < MAP_MAX_KEYBOARDS)
				map->claims[map->nclaims++] = at->devnum;
	}
	map->active = true;
	map->offered = offered;
	if (!offered)
		map->noffered = 0;
	loop_timer_arm(map->end, (int)seconds * 1000);
	mapping_sync(map);
	return 0;
}

int station_map_start(struct broker *b, unsigned seconds)
{
	struct station_map *map = b->map;
	struct map_rules_seat rs[MAP_MAX_SEATS];
	struct device *dev, *tmp;
	int n, waiting, free_keyboards = 0, rc;
	uint32_t given = map->active ? map->given : 0;

	if (seconds < 1 || seconds > MAP_MAX_SECONDS)
		return -EINVAL;
	waiting = seats_gather(map, rs, &n, &given);
	if (!waiting)
		return -ENODEV;
	list_for_each(dev, tmp, &b->devices.list, link)
		free_keyboards += keyboard_free(b, dev);
	if (!free_keyboards)
		return -ENOENT;
	log_info("map: %d head%s wait%s for a keyboard, %d keyboard%s free, for %u s", waiting,
		 waiting == 1 ? "" : "s", waiting == 1 ? "s" : "", free_keyboards,
		 free_keyboards == 1 ? " is" : "s are", seconds);
	rc = mapping_begin(map, false, seconds);
	if (rc < 0)
		return rc;
	/* Every waiting head may have refused its letter. */
	return map->active ? map->nheads : -EBUSY;
}

int station_map_stop(struct broker *b)
{
	struct station_map *map = b->map;

	if (!map->active)
		return -EALREADY;
	map->active = false;
	map->offered = false;
	map->noffered = 0;
	loop_timer_arm(map->end, 0);
	letters_clear(map);
	keyboards_release(map);
	keymap_free(map);
	log_info("map: ended");
	return 0;
}

bool station_map_active(const struct broker *b)
{
	return b->map && b->map->active;
}

char station_map_letter(const struct broker *b, const char *seat)
{
	const struct station_map *map = b->map;

	for (int i = 0; map && map->active && i < map->nheads; i++)
		if (!strcmp(map->heads[i].seat, seat))
			return map->heads[i].letter;
	return 0;
}

/* A free USB keyboard the kernel announced (plugged, not one udev's
 * coldplug replays) while a head waits offers mapping for itself. Every
 * USB keyboard is remembered, free or not: one that turns free (its seat
 * let go of it) was not plugged. */
static void offers_sync(struct station_map *map)
{
	struct map_rules_seat rs[MAP_MAX_SEATS];
	struct device *dev, *tmp;
	dev_t *now = NULL, *more;
	int nnow = 0, cap = 0, n, plugged = 0;
	uint32_t given = map->given;

	/* After every dispatch of the loop: only a device come or gone can
	 * make a plug. */
	if (map->seen == map->b->devices.generation)
		return;
	list_for_each(dev, tmp, &map->b->devices.list, link) {
		/* One a session found before its event reached us: whether
		 * it was plugged, its event will tell. */
		if (dev->kind != DEVICE_EVDEV || !dev->usb || !dev->keyboard || dev->early)
			continue;
		if (nnow == cap) {
			cap = cap ? 2 * cap : 16;
			more = realloc(now, sizeof(*now) * (size_t)cap);
			if (!more) {
				free(now);
				return;	/* known stays as it was: tried next time */
			}
			now = more;
		}
		now[nnow++] = dev->devnum;
		if (!dev->plugged || among(map->known, map->nknown, dev->devnum) ||
		    !keyboard_free(map->b, dev) || (map->active && !map->offered))
			continue;
		add_to(map->offered_by, &map->noffered, dev->devnum);
		plugged++;
	}
	free(map->known);
	map->known = now;
	map->nknown = nnow;
	map->seen = map->b->devices.generation;
	if (!plugged || map->active)
		return;
	if (!seats_gather(map, rs, &n, &given)) {
		map->noffered = 0;
		return;
	}
	log_info("map: a keyboard was plugged while a head waits: mapping offered for %d s",
		 MAP_OFFER_SECONDS);
	if (mapping_begin(map, true, MAP_OFFER_SECONDS) < 0)
		map->noffered = 0;
}

void station_map_sync(struct broker *b)
{
	struct station_map *map = b->map;

	if (!map)
		return;
	offers_sync(map);
	if (map->active)
		mapping_sync(map);
}

int station_map_init(struct broker *b)
{
	struct station_map *map = calloc(1, sizeof(*map));

	if (!map)
		return -1;
	map->b = b;
	map->seen = b->devices.generation - 1;	/* looked at once at the least */
	list_init(&map->keyboards);
	list_init(&map->attaching);
	map->end = loop_add_timer(b->loop, end_fired, map);
	if (!map->end) {
		free(map);
		return -1;
	}
	b->map = map;
	return 0;
}

void station_map_finish(struct broker *b)
{
	struct station_map *map = b->map;
	struct map_attach *at, *tmp;

	if (!map)
		return;
	/* udev_jobs_finish answered them already; none is left but by a
	 * start that failed. */
	list_for_each(at, tmp, &map->attaching, link) {
		udev_job_cancel(at->job);
		list_remove(&at->link);
		free(at);
	}
	station_map_stop(b);
	loop_remove(map->end);
	free(map->known);
	free(map);
	b->map = NULL;
}
