// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "api_internal.h"
#include "broker.h"
#include "log.h"
#include "polkit.h"
#include "screens.h"
#include "screenshot.h"
#include "seats.h"
#include "station_control.h"

/* A screens_* error as the caller sees it. */
static int screen_error(sd_bus_message *m, const char *id, int rc)
{
	switch (rc) {
	case -ENOENT:
		return api_no_such_station(m, id);
	case -EOPNOTSUPP:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotSupported",
						  "'%s' has no head the broker can read", id);
	case -EALREADY:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotBlocked",
						  "'%s' is not blocked", id);
	case -EBUSY:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.BeingMapped",
						  "'%s' is being mapped: its head shows the letter "
						  "of its keyboard", id);
	case -EINVAL:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "a text of at most %d bytes and 1 to %d seconds",
						  SCREENS_TEXT_MAX - 1, SCREENS_MAX_SECONDS);
	default:
		return sd_bus_reply_method_errno(m, rc, NULL);
	}
}

static int block_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *id, *text;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "ss", &id, &text);
	if (r < 0)
		return r;
	r = screens_block(a->b, id, text);
	if (r < 0)
		return screen_error(m, id, r);
	log_info("api: %s blocked by request", id);
	return sd_bus_reply_method_return(m, "");
}

int api_method_block(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", block_allowed, data);
}

static int unblock_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *id;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "s", &id);
	if (r < 0)
		return r;
	r = screens_unblock(a->b, id);
	return r < 0 ? screen_error(m, id, r) : sd_bus_reply_method_return(m, "");
}

int api_method_unblock(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", unblock_allowed, data);
}

#define IDENTIFY_SECONDS 5

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* "Station N of M": N its place among the stations in name order. */
static void identify_one(struct broker *b, const struct seat *seat)
{
	struct seat *other, *tmp;
	char text[64];
	int place = 1, count = 0;

	list_for_each(other, tmp, &b->seats, link) {
		count++;
		if (strcmp(other->name, seat->name) < 0)
			place++;
	}
	snprintf(text, sizeof(text), "Station %d of %d", place, count);
	if (screens_show(b, seat->name, SCREEN_IDENTIFY, text, IDENTIFY_SECONDS) < 0)
		log_info("api: %s cannot show its name", seat->name);
}

/* Every station named (none: all of them) shows its name. Names are
 * checked first: with one unknown, none is shown. */
static int identify_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat, *tmp;
	const char *unknown = NULL;
	char **ids = NULL;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read_strv(m, &ids);
	if (r < 0)
		return r;
	if (!ids && !(ids = calloc(1, sizeof(*ids))))	/* sd-bus reads [] as NULL */
		return -ENOMEM;
	for (char **id = ids; *id && !unknown; id++)
		if (!seats_find(a->b, *id))
			unknown = *id;
	if (unknown) {
		r = api_no_such_station(m, unknown);
		goto out;
	}
	list_for_each(seat, tmp, &a->b->seats, link) {
		bool named = !ids[0];

		for (char **id = ids; *id && !named; id++)
			named = !strcmp(*id, seat->name);
		if (named)
			identify_one(a->b, seat);
	}
	r = sd_bus_reply_method_return(m, "");
out:
	strv_free(ids);
	return r;
}

int api_method_identify(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", identify_allowed, data);
}

static int message_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *id, *text;
	uint32_t seconds;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "ssu", &id, &text, &seconds);
	if (r < 0)
		return r;
	r = screens_show(a->b, id, SCREEN_MESSAGE, text, seconds);
	return r < 0 ? screen_error(m, id, r) : sd_bus_reply_method_return(m, "");
}

int api_method_message(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", message_allowed, data);
}

/* The PNG, or an error: the call is answered now, from the loop. */
static void screenshot_done(void *data, int fd, int width, int height)
{
	sd_bus_message *m = data;

	if (fd >= 0) {
		sd_bus_reply_method_return(m, "huu", fd, (uint32_t)width, (uint32_t)height);
		close(fd);
	} else if (fd == -ENOENT) {
		sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoHead",
					   "the station has no head lit to take a picture of");
	} else if (fd == -EOPNOTSUPP) {
		sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotSupported",
					   "the station's head shows a buffer seatmuxd cannot read");
	} else {
		sd_bus_reply_method_errno(m, -fd, NULL);
	}
	sd_bus_message_unref(m);
}

/* Thumbnail's and Pixels' box: both sides within the limits (Pixels:
 * or 0 x 0, the head's own size). 0, -EDOM for a box out of them, or a
 * reading error. */
static int read_box(sd_bus_message *m, bool pixels, uint32_t *w, uint32_t *h)
{
	int r = sd_bus_message_read(m, "uu", w, h);

	if (r < 0)
		return r;
	if (pixels && !*w && !*h)
		return 0;
	if (*w < SCREENSHOT_FIT_MIN || *w > SCREENSHOT_FIT_MAX || *h < SCREENSHOT_FIT_MIN ||
	    *h > SCREENSHOT_FIT_MAX)
		return -EDOM;
	return 0;
}

static int screenshot_allowed(sd_bus_message *m, void *data)
{
	const char *member = sd_bus_message_get_member(m);
	bool pixels = !strcmp(member, "Pixels");
	struct api *a = data;
	struct seat *seat;
	uint32_t w = 0, h = 0;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
	if (!seat)
		return r;
	if (pixels || !strcmp(member, "Thumbnail")) {
		r = read_box(m, pixels, &w, &h);
		if (r == -EDOM)
			return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
							  "a picture's sides are %d to %d pixels%s",
							  SCREENSHOT_FIT_MIN, SCREENSHOT_FIT_MAX,
							  pixels ? " (or 0 x 0: the head's size)" : "");
		if (r < 0)
			return r;
	}
	r = screenshot_start(a->b, seat->name, (int)w, (int)h,
			     pixels ? SCREENSHOT_XRGB8888 : SCREENSHOT_PNG, screenshot_done,
			     sd_bus_message_ref(m));
	if (r < 0) {
		sd_bus_message_unref(m);
		return r == -ENOENT ? sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoHead",
								 "the station has no head") :
				      sd_bus_reply_method_errno(m, -r, NULL);
	}
	return 0;	/* answered by screenshot_done */
}

/*
 * Observe's, or the station's own user's: a picture of one's own screen.
 * Screenshot, Thumbnail (made to fit a box before it is encoded) and
 * Pixels (the same, not encoded) alike. The connection that holds control
 * of the station (polkit judged it when it took control) sees it without
 * a polkit round trip a picture, as its input goes without one a key: a
 * controller's large view takes a picture after picture, and polkit's
 * answer was a quarter of each under TCG.
 */
int api_method_screenshot(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct api *a = data;
	const char *id = NULL;

	int r;

	if (sd_bus_message_read(m, "s", &id) >= 0 && id &&
	    station_control_holds(a->controls, id, sd_bus_message_get_sender(m))) {
		r = screenshot_allowed(m, data);	/* it reads m afresh */
		return r < 0 ? r : 1;	/* 1: answered, now or by screenshot_done */
	}
	sd_bus_message_rewind(m, true);
	return polkit_check_own(m, "org.seatmux.observe", api_station_owner, screenshot_allowed,
				data);
}

/* A screens_project error, for the station at fault. */
static int project_error(sd_bus_message *m, const char *source, const char *bad, int rc)
{
	switch (rc) {
	case -ELOOP:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "'%s' cannot be projected onto itself", source);
	case 0:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoStation",
						  "no other station to project '%s' onto", source);
	default:
		return screen_error(m, bad ? bad : source, rc);
	}
}

static int project_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *source, *bad = NULL;
	char **ids = NULL;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "s", &source);
	if (r >= 0)
		r = sd_bus_message_read_strv(m, &ids);
	if (r < 0)
		return r;
	/* No targets (sd-bus reads [] as NULL): every other station. */
	r = screens_project(a->b, source, (const char *const *)ids, &bad);
	if (r <= 0)
		r = project_error(m, source, bad, r);
	else {
		log_info("api: %s projected on %d station%s by request", source, r,
			 r == 1 ? "" : "s");
		r = sd_bus_reply_method_return(m, "u", (uint32_t)r);
	}
	strv_free(ids);
	return r;
}

int api_method_project(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", project_allowed, data);
}

static int unproject_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *source;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "s", &source);
	if (r < 0)
		return r;
	r = screens_unproject(a->b, source[0] ? source : NULL);
	if (r == -EALREADY)
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotProjected",
						  source[0] ? "'%s' is not projected" :
						  "nothing is projected%s", source);
	if (r < 0)
		return screen_error(m, source, r);
	return sd_bus_reply_method_return(m, "u", (uint32_t)r);
}

int api_method_unproject(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", unproject_allowed, data);
}
