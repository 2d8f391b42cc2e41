// SPDX-License-Identifier: MIT
/*
 * A head on a KMS device, through drivers/drm/kms. The card comes from
 * libseat, so from seatmuxd: a whole card, or a lease of some connectors.
 * The compositor draws into a shadow image; each commit copies what
 * changed since the back buffer was last shown (this frame's damage and
 * the previous one's: two buffers) and presents only this frame's damage,
 * which the kernel passes on as FB_DAMAGE_CLIPS or dirty rectangles.
 * Heads whose driver scans nothing out but copies the presented damage
 * elsewhere (evdi, udl: "direct") are drawn into their one buffer, in
 * system memory: no shadow, no second buffer, two frames of memory less.
 * Their shadow exists only while the head is dark, keeping the picture.
 * evdi's reader may copy a frame while the next is being drawn; what it
 * missed is in that next frame's damage, so the client's picture is right
 * again one frame later.
 *
 * udev's change events for the card (the kernel's HOTPLUG=1) make the head look again: a monitor
 * unplugged turns the head off, one plugged in (or a new preferred mode)
 * brings the head back in the mode due, and the compositor hears of a
 * new size through output->changed. While the head is off, frames are
 * paced by a timer at the last refresh rate: the station's applications
 * run on (a remote station whose client went away comes back to a live
 * session, not a frozen one).
 *
 * The card itself may go (a USB display adapter unplugged, a USB/IP
 * station off the network): the head goes dark the same way, and the
 * next card udev gives the seat becomes the head, so that the session
 * lives on through the station's absence.
 *
 * seatmuxd may take the seat from the session, as a VT switch does, to
 * show a screen of its own. Until it gives the seat back, nothing is
 * committed and frames are paced as while the head is off; then the mode
 * is set again and the compositor draws the whole head anew.
 */
#include <errno.h>
#include <libseat.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <xf86drm.h>

#include "kms.h"
#include "output.h"

struct kms_output {
	struct output base;
	struct libseat *seat;
	bool enabled;
	int card_fd;
	int device_id;
	struct kms_head head;
	pixman_image_t *shadow;
	bool direct;			/* drawn in the buffer: evdi, udl */
	bool evdi;			/* damage only with a new framebuffer */
	pixman_image_t *onscreen;	/* direct and live: over the buffer */
	pixman_region32_t previous;	/* the damage of the last frame */
	struct wl_event_source *seat_src;
	struct wl_event_source *drm_src;
	unsigned flags;			/* drivers/drm/kms.h */
	int want_w, want_h;		/* a configured mode, or 0 */
	bool live;			/* the head has a mode and buffers */
	bool forced;			/* lit by --force: no monitor at start */
	bool moved;			/* its station moved: WLR_DRM_DEVICES is stale */
	/* The card is WLR_DRM_DEVICES's (a lease of another seat's card):
	 * udev gives it that seat, and it is ours all the same. */
	bool listed;
	/* udev's rules gave the card its seat (ID_SEAT): a card that loses
	 * it went back to seat0's default (an RDP station's evdi card given
	 * back to its pool), which is no card of ours even at seat0. */
	bool seated;
	dev_t card;
	struct udev *udev;
	struct udev_monitor *monitor;
	struct wl_event_source *udev_src;
	struct wl_event_source *dark_timer;	/* frames while the head is off */
	struct wl_event_loop *loop;
	/*
	 * Virtual heads (evdi) complete a flip at once: nothing scans out.
	 * Frame-done then waits for the refresh period, so that clients are
	 * paced by the mode's rate and not by how fast we can flip.
	 */
	struct wl_event_source *pace_timer;
	uint64_t last_done_us, held_usec, held_seq;
	/* The kernel's uevent count before our last look at the card: its
	 * change events up to there told nothing that look did not see. */
	unsigned long long looked_seqnum;
};

/*
 * The seat is back, and the card ours again (seatmuxd sets DRM master
 * before it says so). Meanwhile the head showed another's framebuffer,
 * maybe in another mode: the next commit sets the head's mode again.
 */
static void seat_enable(struct libseat *seat, void *data)
{
	struct kms_output *k = data;

	k->enabled = true;
	k->head.modeset_done = false;
	if (k->base.active)
		k->base.active(&k->base, true, k->base.data);
}

/*
 * The seat is taken (a VT switch, or seatmuxd's own screen): DRM master
 * and the evdev fds are gone already. Commits stop until it comes back,
 * and the devices are let go of before saying we let go, as a libseat
 * compositor does.
 */
static void seat_disable(struct libseat *seat, void *data)
{
	struct kms_output *k = data;

	k->enabled = false;
	if (k->base.active)
		k->base.active(&k->base, false, k->base.data);
	libseat_disable_seat(seat);
}

static struct libseat_seat_listener seat_listener = {
	.enable_seat = seat_enable,
	.disable_seat = seat_disable,
};

static pixman_image_t *kms_begin(struct output *output)
{
	struct kms_output *k = (struct kms_output *)output;

	return k->onscreen ? k->onscreen : k->shadow;
}

/* Drivers that copy presented damage out of system memory themselves. */
static void driver_kind(struct kms_output *k)
{
	drmVersionPtr v = drmGetVersion(k->card_fd);

	k->evdi = v && v->name && !strcmp(v->name, "evdi");
	k->direct = k->evdi || (v && v->name && !strcmp(v->name, "udl"));
	drmFreeVersion(v);
}

static unsigned head_flags(const struct kms_output *k, unsigned flags)
{
	if (!k->direct)
		return flags;
	return flags | KMS_SINGLE_BUFFER | (k->evdi ? KMS_DAMAGE_NEEDS_NEW_FB : 0);
}

/*
 * The head's buffers go; a direct head's picture moves to a shadow, which
 * frames are drawn into while dark. A card that is gone may have had its
 * mappings taken away: its picture is not read (keep false).
 */
static void kms_finish(struct kms_output *k, bool keep_picture)
{
	if (k->onscreen) {
		pixman_image_t *keep = pixman_image_create_bits(PIXMAN_x8r8g8b8,
			pixman_image_get_width(k->onscreen), pixman_image_get_height(k->onscreen),
			NULL, 0);

		if (keep && keep_picture)
			pixman_image_composite32(PIXMAN_OP_SRC, k->onscreen, NULL, keep, 0, 0, 0, 0,
						 0, 0, pixman_image_get_width(keep),
						 pixman_image_get_height(keep));
		if (keep) {
			if (k->shadow)
				pixman_image_unref(k->shadow);
			k->shadow = keep;
		}
		pixman_image_unref(k->onscreen);
		k->onscreen = NULL;
	}
	kms_head_finish(&k->head);
}

/* A direct head draws in its buffer, starting from the kept picture. */
static int kms_go_direct(struct kms_output *k)
{
	struct kms_buffer *b = kms_head_back(&k->head);
	int w = k->head.mode.hdisplay, h = k->head.mode.vdisplay;

	k->onscreen = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, b->map, (int)b->stride);
	if (!k->onscreen)
		return -ENOMEM;
	if (k->shadow && pixman_image_get_width(k->shadow) == w &&
	    pixman_image_get_height(k->shadow) == h)
		pixman_image_composite32(PIXMAN_OP_SRC, k->shadow, NULL, k->onscreen, 0, 0, 0, 0,
					 0, 0, w, h);
	if (k->shadow)
		pixman_image_unref(k->shadow);
	k->shadow = NULL;
	return 0;
}

/*
 * A frame that reaches no screen: the head is off, or the seat is taken
 * and the card not ours to commit to (a commit would fail with EACCES).
 * It ends a refresh period later, so that clients run on at the rate.
 */
static int kms_dark_frame(struct kms_output *k)
{
	int period_ms = 1000000 / (k->base.refresh_mhz > 0 ? k->base.refresh_mhz : 60000);

	return wl_event_source_timer_update(k->dark_timer, period_ms > 0 ? period_ms : 1);
}

static int kms_commit(struct output *output, const pixman_region32_t *damage)
{
	struct kms_output *k = (struct kms_output *)output;
	struct kms_buffer *b = kms_head_back(&k->head);
	struct kms_rect rects[KMS_MAX_DAMAGE];
	pixman_image_t *dst;
	pixman_region32_t copy;
	pixman_box32_t *box;
	int n, nrects = 0;

	if (!k->live || !k->enabled)
		return kms_dark_frame(k);
	if (k->onscreen)
		goto present;
	dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, output->width, output->height,
				       b->map, (int)b->stride);
	if (!dst)
		return -ENOMEM;
	pixman_region32_init(&copy);
	pixman_region32_union(&copy, (pixman_region32_t *)damage, &k->previous);
	pixman_image_set_clip_region32(dst, &copy);
	pixman_image_composite32(PIXMAN_OP_SRC, k->shadow, NULL, dst, 0, 0, 0, 0, 0, 0,
				 output->width, output->height);
	pixman_image_unref(dst);
	pixman_region32_fini(&copy);
	pixman_region32_copy(&k->previous, (pixman_region32_t *)damage);
present:
	box = pixman_region32_rectangles((pixman_region32_t *)damage, &n);
	for (int i = 0; i < n && n <= KMS_MAX_DAMAGE; i++, nrects++)
		rects[i] = (struct kms_rect){ box[i].x1, box[i].y1, box[i].x2, box[i].y2 };
	return kms_head_present(&k->head, rects, nrects);
}

static uint64_t now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

static void frame_done(struct kms_output *k, uint64_t usec, uint64_t seq)
{
	k->last_done_us = now_us();
	if (k->base.frame_done)
		k->base.frame_done(&k->base, usec, seq, k->base.data);
}

static void kms_flipped(struct kms_head *head, uint64_t usec, uint64_t seq, void *data)
{
	struct kms_output *k = data;
	uint64_t period = 1000000000u / (uint64_t)(k->base.refresh_mhz > 0 ? k->base.refresh_mhz : 60000);
	uint64_t now = now_us();

	/* No flip event (a plain mode set): the frame is up now. */
	if (!usec)
		usec = now;
	/* A flip sooner than a refresh could bring one: hold the frame-done. */
	if (k->last_done_us && now < k->last_done_us + period * 3 / 4) {
		k->held_usec = usec;
		k->held_seq = seq;
		wl_event_source_timer_update(k->pace_timer,
			(int)((k->last_done_us + period - now + 999) / 1000));
		return;
	}
	frame_done(k, usec, seq);
}

static int on_paced(void *data)
{
	struct kms_output *k = data;

	frame_done(k, k->held_usec, k->held_seq);
	return 0;
}

static int on_drm(int fd, uint32_t mask, void *data)
{
	kms_dispatch(fd);
	return 0;
}

static int on_seat(int fd, uint32_t mask, void *data)
{
	struct kms_output *k = data;

	if (libseat_dispatch(k->seat, 0) < 0)
		fprintf(stderr, "seatmux-compositor: lost the seat: %m\n");
	return 0;
}

/*
 * Buffers and the shadow image for the head kms_head_init just made. The
 * head is live from here: a dark frame still due would end a frame that
 * is now the card's, with its flip still to come.
 */
static int kms_light(struct kms_output *k)
{
	pixman_image_t *shadow;
	int rc;

	if (k->direct) {
		rc = kms_go_direct(k);
		if (rc < 0) {
			kms_head_finish(&k->head);
			return rc;
		}
	} else {
		shadow = pixman_image_create_bits(PIXMAN_x8r8g8b8, k->head.mode.hdisplay,
						  k->head.mode.vdisplay, NULL, 0);
		if (!shadow) {
			kms_head_finish(&k->head);
			return -ENOMEM;
		}
		if (k->shadow)
			pixman_image_unref(k->shadow);
		k->shadow = shadow;
	}
	if (k->dark_timer)
		wl_event_source_timer_update(k->dark_timer, 0);
	k->live = true;
	k->base.width = k->head.mode.hdisplay;
	k->base.height = k->head.mode.vdisplay;
	k->base.refresh_mhz = k->head.mode.vrefresh ? (int)k->head.mode.vrefresh * 1000 : 60000;
	/* Both new buffers start black: the first frames paint everything. */
	pixman_region32_fini(&k->previous);
	pixman_region32_init_rect(&k->previous, 0, 0, (unsigned)k->base.width,
				  (unsigned)k->base.height);
	return 0;
}

/* The head's current mode, looked up again (a hotplug said it changed). */
static int kms_relight(struct kms_output *k)
{
	uint32_t connector = k->head.connector_id;
	int rc;

	if (k->live)
		kms_finish(k, true);
	k->live = false;
	rc = kms_head_init(&k->head, k->card_fd, connector, k->want_w, k->want_h,
			   head_flags(k, k->flags), kms_flipped, k);
	if (rc < 0) {
		/* Keep what the next hotplug event needs to look again. */
		k->head.fd = k->card_fd;
		k->head.connector_id = connector;
		return rc;
	}
	return kms_light(k);
}

static int on_dark_frame(void *data)
{
	struct kms_output *k = data;

	kms_flipped(&k->head, 0, 0, k);
	return 0;
}

static void kms_card_gone(struct kms_output *k);
static void kms_card_moved(struct kms_output *k);

static unsigned long long uevent_seqnum(void)
{
	unsigned long long n = 0;
	FILE *f = fopen("/sys/kernel/uevent_seqnum", "re");

	if (f && fscanf(f, "%llu", &n) != 1)
		n = 0;
	if (f)
		fclose(f);
	return n;
}

/*
 * A change event of our card from before our last look (the kernel's
 * own probe when the card came, queued while we opened it) would make
 * us probe again: for a USB display, seconds of EDID read over the
 * network with the loop stopped, every client's frames with it.
 */
static bool seen_already(const struct kms_output *k, struct udev_device *d)
{
	return udev_device_get_seqnum(d) <= k->looked_seqnum;
}

static void kms_hotplug(struct kms_output *k)
{
	/* --force is for a head without a monitor from the start; one that
	 * had a monitor goes dark when it is unplugged. */
	unsigned flags = k->forced ? k->flags : k->flags & ~KMS_FORCE_CONNECTED;
	int rc;

	k->looked_seqnum = uevent_seqnum();
	rc = kms_head_probe(&k->head, k->want_w, k->want_h, flags);

	if (rc == -ENODEV) {
		/*
		 * The card is being unplugged (a USB display's station dropped
		 * off the network): DRM says ENODEV to every ioctl of an
		 * unplugged card, and its change event may come before its
		 * remove. The seat's next card lights the head again.
		 */
		kms_card_gone(k);
	} else if (rc < 0) {
		/* The connector is no longer ours: seatmuxd revoked the lease. */
		fprintf(stderr, "seatmux-compositor: %s is gone: %s\n", k->head.name, strerror(-rc));
		if (k->base.lost)
			k->base.lost(&k->base, k->base.data);
	} else if (rc == KMS_PROBE_GONE && k->live) {
		fprintf(stderr, "seatmux-compositor: %s disconnected\n", k->head.name);
		kms_finish(k, true);
		k->live = false;
	} else if (rc == KMS_PROBE_NEW_MODE || (rc == KMS_PROBE_SAME && !k->live)) {
		rc = kms_relight(k);
		if (rc < 0) {
			fprintf(stderr, "seatmux-compositor: %s: %s\n", k->head.name, strerror(-rc));
			return;
		}
		fprintf(stderr, "seatmux-compositor: %s connected, %dx%d@%d\n", k->head.name,
			k->base.width, k->base.height, k->base.refresh_mhz / 1000);
		if (k->base.changed)
			k->base.changed(&k->base, k->base.data);
	}
}

static void kms_card_added(struct kms_output *k, struct udev_device *d);

/* A card udev gives our seat (one without ID_SEAT is seat0's). */
static bool of_our_seat(const struct kms_output *k, struct udev_device *d)
{
	const char *id = udev_device_get_property_value(d, "ID_SEAT");

	return !strcmp(id && id[0] ? id : "seat0", libseat_seat_name(k->seat));
}

/*
 * The station moved and took its card to another seat, while the session
 * stays here (seatmuxd revoked the card already): the head goes dark as
 * if the card were unplugged, and the seat's other card, if it has one
 * now (the one the session moved to, given before this one went), is
 * the head.
 */
static void kms_card_moved(struct kms_output *k)
{
	struct udev_enumerate *e;
	struct udev_list_entry *entry;
	struct udev_device *d;

	kms_card_gone(k);
	k->moved = true;
	e = udev_enumerate_new(k->udev);
	if (!e || udev_enumerate_add_match_subsystem(e, "drm") < 0 ||
	    udev_enumerate_add_match_sysname(e, "card[0-9]*") < 0 ||
	    udev_enumerate_scan_devices(e) < 0)
		goto out;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		d = udev_device_new_from_syspath(k->udev, udev_list_entry_get_name(entry));
		if (d && !k->card && of_our_seat(k, d))
			kms_card_added(k, d);
		if (d)
			udev_device_unref(d);
	}
out:
	if (e)
		udev_enumerate_unref(e);
}

static bool has_seat(struct udev_device *d)
{
	const char *id = udev_device_get_property_value(d, "ID_SEAT");

	return id && id[0];
}

static bool card_seated(struct kms_output *k)
{
	struct udev_device *d = udev_device_new_from_devnum(k->udev, 'c', k->card);
	bool seated = d && has_seat(d);

	if (d)
		udev_device_unref(d);
	return seated;
}

/* Our card's seat changed: another's now, or seat0's by default only. */
static bool card_left(const struct kms_output *k, struct udev_device *d)
{
	return !k->listed && (!of_our_seat(k, d) || (k->seated && !has_seat(d)));
}

static int on_udev(int fd, uint32_t mask, void *data)
{
	struct kms_output *k = data;
	struct udev_device *d = udev_monitor_receive_device(k->monitor);
	const char *action;

	if (!d)
		return 0;
	/* Its rule seated our card after we took it: losing that seat
	 * later is leaving. */
	if (k->card && udev_device_get_devnum(d) == k->card && has_seat(d) && of_our_seat(k, d))
		k->seated = true;
	/* HOTPLUG=1 from the kernel, or any change: the probe tells. */
	action = udev_device_get_action(d);
	if (!action)
		;
	else if (k->card && udev_device_get_devnum(d) == k->card && !strcmp(action, "change") &&
		 card_left(k, d))
		kms_card_moved(k);
	else if (k->card && udev_device_get_devnum(d) == k->card && !strcmp(action, "change") &&
		 !seen_already(k, d))
		kms_hotplug(k);
	else if (k->card && udev_device_get_devnum(d) == k->card && !strcmp(action, "remove"))
		kms_card_gone(k);
	else if (!k->card && (!strcmp(action, "add") || !strcmp(action, "change")))
		kms_card_added(k, d);	/* a change: another try at one refused */
	udev_device_unref(d);
	return 0;
}

static int watch_hotplug(struct kms_output *k, struct wl_event_loop *loop)
{
	struct stat st;

	if (fstat(k->card_fd, &st) < 0)
		return -1;
	k->card = st.st_rdev;
	k->udev = udev_new();
	k->seated = k->udev && card_seated(k);
	k->monitor = k->udev ? udev_monitor_new_from_netlink(k->udev, "udev") : NULL;
	if (!k->monitor ||
	    udev_monitor_filter_add_match_subsystem_devtype(k->monitor, "drm", "drm_minor") < 0 ||
	    udev_monitor_enable_receiving(k->monitor) < 0)
		return -1;
	k->udev_src = wl_event_loop_add_fd(loop, udev_monitor_get_fd(k->monitor),
					   WL_EVENT_READABLE, on_udev, k);
	return k->udev_src ? 0 : -1;
}

static void kms_destroy(struct output *output)
{
	struct kms_output *k = (struct kms_output *)output;

	if (k->udev_src)
		wl_event_source_remove(k->udev_src);
	if (k->dark_timer)
		wl_event_source_remove(k->dark_timer);
	if (k->pace_timer)
		wl_event_source_remove(k->pace_timer);
	if (k->monitor)
		udev_monitor_unref(k->monitor);
	if (k->udev)
		udev_unref(k->udev);
	if (k->drm_src)
		wl_event_source_remove(k->drm_src);
	if (k->seat_src)
		wl_event_source_remove(k->seat_src);
	if (k->live)
		kms_finish(k, false);
	if (k->shadow)
		pixman_image_unref(k->shadow);
	pixman_region32_fini(&k->previous);
	if (k->device_id >= 0)
		libseat_close_device(k->seat, k->device_id);
	libseat_close_seat(k->seat);
	free(k);
}

static const struct output_impl kms_impl = {
	.begin = kms_begin,
	.commit = kms_commit,
	.destroy = kms_destroy,
};

/* An evdi card no rule seated: seat0's by udev's default only, an RDP
 * station's pool card that seatmuxd hands nobody. */
static bool unclaimed_virtual(struct udev_device *d)
{
	struct udev_device *parent = udev_device_get_parent(d);
	const char *driver = parent ? udev_device_get_driver(parent) : NULL;
	const char *id = udev_device_get_property_value(d, "ID_SEAT");

	return driver && !strcmp(driver, "evdi") && !(id && id[0]);
}

/*
 * The seat's card: named by seatmuxd in WLR_DRM_DEVICES when it is a lease
 * of another seat's card, otherwise the first card udev gives the seat.
 */
static int find_card(const char *seat, bool moved, char *path, size_t size, bool *named)
{
	/* The card named at the start: not once the station moved away. */
	const char *listed = moved ? NULL : getenv("WLR_DRM_DEVICES");
	struct udev *udev;
	struct udev_enumerate *en;
	struct udev_list_entry *e;
	int rc = -ENODEV;

	*named = listed && listed[0];
	if (*named) {
		snprintf(path, size, "%.*s", (int)strcspn(listed, ":"), listed);
		return 0;
	}
	udev = udev_new();
	en = udev ? udev_enumerate_new(udev) : NULL;
	if (!en)
		goto out;
	udev_enumerate_add_match_subsystem(en, "drm");
	udev_enumerate_add_match_sysname(en, "card[0-9]*");
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		const char *id = d ? udev_device_get_property_value(d, "ID_SEAT") : NULL;
		const char *node = d ? udev_device_get_devnode(d) : NULL;

		if (rc && node && !strcmp(id && id[0] ? id : "seat0", seat) &&
		    !(d && unclaimed_virtual(d))) {
			snprintf(path, size, "%s", node);
			rc = 0;
		}
		udev_device_unref(d);
	}
	udev_enumerate_unref(en);
out:
	udev_unref(udev);
	return rc;
}

static int open_head(struct kms_output *k)
{
	uint32_t ids[8];
	char path[256];
	int n, rc;

	rc = find_card(libseat_seat_name(k->seat), k->moved, path, sizeof(path), &k->listed);
	if (rc < 0)
		return rc;
	k->device_id = libseat_open_device(k->seat, path, &k->card_fd);
	if (k->device_id < 0)
		return -errno;
	driver_kind(k);
	n = kms_connectors(k->card_fd, ids, 8, k->flags & KMS_FORCE_CONNECTED);
	if (n == 0 && kms_connectors(k->card_fd, ids, 1, true) == 1) {
		/* A monitor may come later (a virtual head's client has not
		 * connected yet): the head waits dark for the hotplug. */
		memset(&k->head, 0, sizeof(k->head));
		k->head.fd = k->card_fd;
		k->head.connector_id = ids[0];
		snprintf(k->head.name, sizeof(k->head.name), "connector %u", ids[0]);
		fprintf(stderr, "seatmux-compositor: %s: no monitor yet: waiting for one\n", path);
		return -EAGAIN;
	}
	for (int i = 0; i < n; i++) {
		rc = kms_head_init(&k->head, k->card_fd, ids[i], k->want_w, k->want_h,
				   head_flags(k, k->flags), kms_flipped, k);
		if (rc == 0) {
			fprintf(stderr, "seatmux-compositor: %s %s %dx%d@%d (%s)\n", path,
				k->head.name, k->head.mode.hdisplay, k->head.mode.vdisplay,
				k->head.mode.vrefresh, kms_head_path(&k->head));
			return 0;
		}
	}
	return n < 0 ? n : -ENODEV;
}

/* No monitor yet: frames are paced dark at a provisional size until the
 * hotplug that lights the head (and resizes the clients). */
static int kms_dark_start(struct kms_output *k)
{
	k->live = false;
	k->base.width = k->want_w ? k->want_w : 1024;
	k->base.height = k->want_h ? k->want_h : 768;
	k->base.refresh_mhz = 60000;
	if (!k->shadow)
		k->shadow = pixman_image_create_bits(PIXMAN_x8r8g8b8, k->base.width,
						     k->base.height, NULL, 0);
	return k->shadow ? 0 : -ENOMEM;
}

static void kms_card_gone(struct kms_output *k)
{
	fprintf(stderr, "seatmux-compositor: %s: the card is gone; waiting for the seat's next\n",
		k->head.name);
	if (k->live)
		kms_finish(k, false);
	k->live = false;
	if (k->drm_src)
		wl_event_source_remove(k->drm_src);
	k->drm_src = NULL;
	if (k->device_id >= 0)
		libseat_close_device(k->seat, k->device_id);
	if (k->card_fd >= 0)
		close(k->card_fd);
	k->device_id = -1;
	k->card_fd = -1;
	k->card = 0;
	/* A flip in flight never completes now: let the frame end. */
	wl_event_source_timer_update(k->dark_timer, 1);
}

static void kms_card_added(struct kms_output *k, struct udev_device *d)
{
	const char *name = udev_device_get_sysname(d);
	struct stat st;
	int rc;

	if (!name || strncmp(name, "card", 4) || !of_our_seat(k, d))
		return;
	/*
	 * open_head has read the connector, which for a USB display is an
	 * EDID read over the network each time (udl reads it on every
	 * look): the head it made is lit as it is, not looked up again.
	 */
	k->looked_seqnum = uevent_seqnum();
	rc = open_head(k);
	if (rc == 0) {
		rc = kms_light(k);
	} else if (rc == -EAGAIN) {
		rc = kms_dark_start(k);
	}
	if (rc == 0) {
		k->drm_src = wl_event_loop_add_fd(k->loop, k->card_fd, WL_EVENT_READABLE, on_drm, k);
		rc = k->drm_src && fstat(k->card_fd, &st) == 0 ? 0 : -ENOMEM;
	}
	if (rc < 0) {
		fprintf(stderr, "seatmux-compositor: %s: %s\n", name, strerror(-rc));
		if (k->device_id >= 0)
			kms_card_gone(k);
		return;
	}
	k->card = st.st_rdev;
	k->seated = card_seated(k);
	if (!k->live)
		return;
	fprintf(stderr, "seatmux-compositor: %s is the head now, %dx%d@%d\n", k->head.name,
		k->base.width, k->base.height, k->base.refresh_mhz / 1000);
	if (k->base.changed)
		k->base.changed(&k->base, k->base.data);
}

struct output *output_kms_create(struct wl_event_loop *loop, unsigned flags,
				 int width, int height)
{
	struct kms_output *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return NULL;
	k->flags = flags;
	k->want_w = width;
	k->want_h = height;
	k->device_id = -1;
	k->card_fd = -1;
	k->loop = loop;
	pixman_region32_init(&k->previous);
	k->base.impl = &kms_impl;
	k->seat = libseat_open_seat(&seat_listener, k);
	if (!k->seat)
		goto err_free;
	while (!k->enabled)
		if (libseat_dispatch(k->seat, -1) < 0)
			goto err;
	k->looked_seqnum = uevent_seqnum();
	rc = open_head(k);
	k->base.seat = k->seat;
	if (rc == -EAGAIN) {
		if (kms_dark_start(k) < 0)
			goto err;
		goto sources;
	}
	if (rc < 0) {
		fprintf(stderr, "seatmux-compositor: no head on %s: %s\n",
			libseat_seat_name(k->seat), strerror(-rc));
		goto err;
	}
	k->forced = (k->flags & KMS_FORCE_CONNECTED) &&
		    kms_head_probe(&k->head, k->want_w, k->want_h, 0) == KMS_PROBE_GONE;
	rc = kms_light(k);		/* the head open_head found */
	if (rc < 0) {
		fprintf(stderr, "seatmux-compositor: %s: %s\n", k->head.name, strerror(-rc));
		goto err;
	}
	if (k->want_w && (k->base.width != k->want_w || k->base.height != k->want_h))
		fprintf(stderr, "seatmux-compositor: %s has no %dx%d mode, using %dx%d\n",
			k->head.name, k->want_w, k->want_h, k->base.width, k->base.height);
sources:
	k->seat_src = wl_event_loop_add_fd(loop, libseat_get_fd(k->seat), WL_EVENT_READABLE,
					   on_seat, k);
	k->drm_src = wl_event_loop_add_fd(loop, k->card_fd, WL_EVENT_READABLE, on_drm, k);
	k->dark_timer = wl_event_loop_add_timer(loop, on_dark_frame, k);
	k->pace_timer = wl_event_loop_add_timer(loop, on_paced, k);
	if (!k->seat_src || !k->drm_src || !k->dark_timer || !k->pace_timer ||
	    watch_hotplug(k, loop) < 0)
		goto err;
	/* A monitor that came between open_head's look and the start of the
	 * udev monitor sent its hotplug to nobody: look once more. */
	if (!k->live)
		kms_hotplug(k);
	return &k->base;

err:
	kms_destroy(&k->base);
	return NULL;
err_free:
	pixman_region32_fini(&k->previous);
	free(k);
	return NULL;
}
