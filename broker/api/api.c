#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "api.h"
#include "broker.h"
#include "log.h"
#include "polkit.h"
#include "screens.h"
#include "screenshot.h"
#include <unistd.h>
#include "seats.h"
#include "station_kind.h"
#include "station_view.h"

struct api {
	struct broker *b;
	sd_bus *bus;
	struct loop_source *src, *timer;
	/* What clients were last told, to signal only what changed. */
	struct station_view *shown;
	int nshown;
};

/* -- the bus in seatmuxd's loop -- */

static void api_watch(struct api *a)
{
	int events;
	uint64_t usec = UINT64_MAX, now;

	if (!a->src)
		return;
	events = sd_bus_get_events(a->bus);
	if (events < 0)
		return;

	loop_update_fd(a->src, (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0));
	if (sd_bus_get_timeout(a->bus, &usec) < 0 || usec == UINT64_MAX) {
		loop_timer_arm(a->timer, 0);
		return;
	}
	now = loop_now_ms() * 1000;
	/* 0 disarms: a timeout due now is 1 ms away. */
	loop_timer_arm(a->timer, usec > now ? (int)((usec - now) / 1000) + 1 : 1);
}

static void api_process(struct api *a)
{
	int r;

	if (!a->src)
		return;
	while ((r = sd_bus_process(a->bus, NULL)) > 0)
		;
	if (r < 0 || !sd_bus_is_open(a->bus)) {
		/* Its fd is closed and may be reused by another source: the
		 * loop must not watch that number any more. The stations go
		 * on; the interface is back at seatmuxd's next start. */
		log_warn("api: lost the system bus (%s): the room's interface is gone",
			 strerror(r < 0 ? -r : ENOTCONN));
		loop_remove(a->src);
		loop_remove(a->timer);
		a->src = a->timer = NULL;
		return;
	}
	api_watch(a);
}

static void on_bus(void *data, uint32_t events)
{
	api_process(data);
}

/* -- stations -- */

static struct seat *seat_of_path(struct api *a, const char *path)
{
	char *id = NULL;
	struct seat *seat;

	if (sd_bus_path_decode(path, API_STATION_PATH, &id) <= 0)
		return NULL;
	seat = seats_find(a->b, id);
	free(id);
	return seat;
}

static int station_find(sd_bus *bus, const char *path, const char *iface, void *data,
			void **found, sd_bus_error *err)
{
	struct seat *seat = seat_of_path(data, path);

	if (!seat)
		return 0;
	*found = seat;
	return 1;
}

static int station_enumerate(sd_bus *bus, const char *prefix, void *data, char ***nodes,
			     sd_bus_error *err)
{
	struct api *a = data;
	struct seat *seat, *tmp;
	char **v;
	int n = 0;

	list_for_each(seat, tmp, &a->b->seats, link)
		n++;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	list_for_each(seat, tmp, &a->b->seats, link)
		if (sd_bus_path_encode(API_STATION_PATH, seat->name, &v[n]) >= 0)
			n++;
	*nodes = v;
	return 0;
}

/* Property getters: the view's field named by the property. */
static int station_property(sd_bus *bus, const char *path, const char *iface,
			    const char *property, sd_bus_message *reply, void *data,
			    sd_bus_error *err)
{
	struct station_view v;

	station_view_of(((struct seat *)data)->broker, data, &v);
	if (!strcmp(property, "Id") || !strcmp(property, "Name"))
		return sd_bus_message_append(reply, "s", v.id);
	if (!strcmp(property, "Kind"))
		return sd_bus_message_append(reply, "s", v.kind);
	if (!strcmp(property, "User"))
		return sd_bus_message_append(reply, "s", v.user);
	if (!strcmp(property, "UID"))
		return sd_bus_message_append(reply, "u", v.uid);
	if (!strcmp(property, "SessionPid"))
		return sd_bus_message_append(reply, "u", v.pid);
	if (!strcmp(property, "SessionState"))
		return sd_bus_message_append(reply, "s", v.state);
	if (!strcmp(property, "Address"))
		return sd_bus_message_append(reply, "s", v.address);
	if (!strcmp(property, "Blocked"))
		return sd_bus_message_append(reply, "b", (int)v.blocked);
	return -ENOENT;
}

static const sd_bus_vtable station_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "s", station_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Name", "s", station_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Kind", "s", station_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("User", "s", station_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("UID", "u", station_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("SessionPid", "u", station_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("SessionState", "s", station_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("Address", "s", station_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("Blocked", "b", station_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_VTABLE_END,
};

/* -- the manager -- */

static int no_such_station(sd_bus_message *m, const char *id)
{
	return sd_bus_reply_method_errorf(m, API_ERROR_NO_SUCH_STATION, "no station '%s'", id);
}

static int list_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	sd_bus_message *reply = NULL;
	struct seat *seat, *tmp;
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(sssuso)");
	list_for_each(seat, tmp, &a->b->seats, link) {
		struct station_view v;
		char *path = NULL;

		if (r < 0)
			break;
		station_view_of(a->b, seat, &v);
		r = sd_bus_path_encode(API_STATION_PATH, seat->name, &path);
		if (r >= 0)
			r = sd_bus_message_append(reply, "(sssuso)", v.id, v.kind, v.user, v.pid,
						  v.state, path);
		free(path);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

static int method_list(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.observe", list_allowed, data);
}

/* The station a call names (its first argument), or an error sent. */
static struct seat *named_station(struct api *a, sd_bus_message *m, int *r)
{
	const char *id;
	struct seat *seat;

	*r = sd_bus_message_read(m, "s", &id);
	if (*r < 0)
		return NULL;
	seat = seats_find(a->b, id);
	if (!seat)
		*r = no_such_station(m, id);
	return seat;
}

static int get_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	char *path = NULL;
	int r;

	sd_bus_message_rewind(m, true);
	seat = named_station(a, m, &r);
	if (!seat)
		return r;
	r = sd_bus_path_encode(API_STATION_PATH, seat->name, &path);
	if (r >= 0)
		r = sd_bus_reply_method_return(m, "o", path);
	free(path);
	return r;
}

static int method_get(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.observe", get_allowed, data);
}

static int logoff_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	int r;

	sd_bus_message_rewind(m, true);
	seat = named_station(a, m, &r);
	if (!seat)
		return r;
	if (seat->session.pid <= 0)
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoSession",
						  "nobody is logged on at '%s'", seat->name);
	log_info("api: %s's session (pid %d) logged off by request",
		 seat->name, (int)seat->session.pid);
	seats_log_off(a->b, seat->name);
	return sd_bus_reply_method_return(m, "");
}

static int method_logoff(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", logoff_allowed, data);
}

/* A screens_* error as the caller sees it. */
static int screen_error(sd_bus_message *m, const char *id, int rc)
{
	switch (rc) {
	case -ENOENT:
		return no_such_station(m, id);
	case -EOPNOTSUPP:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotSupported",
						  "'%s' is a leased connector's station: its session "
						  "cannot be made to let go of it", id);
	case -EALREADY:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotBlocked",
						  "'%s' is not blocked", id);
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

static int method_block(sd_bus_message *m, void *data, sd_bus_error *err)
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

static int method_unblock(sd_bus_message *m, void *data, sd_bus_error *err)
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
		log_info("api: %s cannot show its name (a leased connector's)", seat->name);
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
		r = no_such_station(m, unknown);
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

static int method_identify(sd_bus_message *m, void *data, sd_bus_error *err)
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

static int method_message(sd_bus_message *m, void *data, sd_bus_error *err)
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

static int screenshot_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	int r;

	sd_bus_message_rewind(m, true);
	seat = named_station(a, m, &r);
	if (!seat)
		return r;
	r = screenshot_start(a->b, seat->name, screenshot_done, sd_bus_message_ref(m));
	if (r < 0) {
		sd_bus_message_unref(m);
		return r == -ENOENT ? sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoHead",
								 "the station has no head") :
				      sd_bus_reply_method_errno(m, -r, NULL);
	}
	return 0;	/* answered by screenshot_done */
}

static int method_screenshot(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.observe", screenshot_allowed, data);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("ListStations", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(sssuso)", stations), method_list,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetStation", SD_BUS_ARGS("s", id), SD_BUS_RESULT("o", path),
				method_get, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("LogOff", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				method_logoff, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Block", SD_BUS_ARGS("s", id, "s", message), SD_BUS_NO_RESULT,
				method_block, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Unblock", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				method_unblock, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Identify", SD_BUS_ARGS("as", ids), SD_BUS_NO_RESULT,
				method_identify, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SendMessage", SD_BUS_ARGS("s", id, "s", text, "u", seconds),
				SD_BUS_NO_RESULT, method_message, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Screenshot", SD_BUS_ARGS("s", id),
				SD_BUS_RESULT("h", png, "u", width, "u", height), method_screenshot,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("StationNew", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_SIGNAL_WITH_ARGS("StationRemoved", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_VTABLE_END,
};

/* -- what changed -- */

static const struct station_view *shown_find(struct api *a, const char *id)
{
	for (int i = 0; i < a->nshown; i++)
		if (!strcmp(a->shown[i].id, id))
			return &a->shown[i];
	return NULL;
}

static void emit(struct api *a, const char *member, const char *id)
{
	char *path = NULL;

	if (sd_bus_path_encode(API_STATION_PATH, id, &path) < 0)
		return;
	if (member)
		sd_bus_emit_signal(a->bus, API_PATH, API_MANAGER_IFACE, member, "so", id, path);
	else
		sd_bus_emit_properties_changed(a->bus, path, API_STATION_IFACE, "User", "UID",
					       "SessionPid", "SessionState", "Address", NULL);
	free(path);
}

void api_changed(struct api *a)
{
	struct station_view *now;
	struct seat *seat, *tmp;
	int n = 0;

	if (!a)
		return;
	list_for_each(seat, tmp, &a->b->seats, link)
		n++;
	now = calloc((size_t)n + 1, sizeof(*now));
	if (!now)
		return;
	n = 0;
	list_for_each(seat, tmp, &a->b->seats, link) {
		const struct station_view *was;

		station_view_of(a->b, seat, &now[n]);
		was = shown_find(a, now[n].id);
		if (!was)
			emit(a, "StationNew", now[n].id);
		else if (station_view_differs(was, &now[n]))
			emit(a, NULL, now[n].id);
		n++;
	}
	for (int i = 0; i < a->nshown; i++) {
		bool still = false;

		for (int k = 0; k < n && !still; k++)
			still = !strcmp(now[k].id, a->shown[i].id);
		if (!still)
			emit(a, "StationRemoved", a->shown[i].id);
	}
	free(a->shown);
	a->shown = now;
	a->nshown = n;
	api_watch(a);
}

/* -- start and stop -- */

static int on_name(sd_bus_message *reply, void *data, sd_bus_error *err)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	uint32_t got = 0;

	if (e)
		log_warn("api: cannot own %s: %s", API_BUS_NAME, e->message);
	else if (sd_bus_message_read(reply, "u", &got) < 0 ||
		 got != 1 /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */)
		log_warn("api: %s is someone else's (RequestName said %u)", API_BUS_NAME,
			 (unsigned)got);
	else
		log_info("api: %s offered on the system bus", API_BUS_NAME);
	return 0;
}

struct api *api_start(struct broker *b)
{
	struct api *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return NULL;
	a->b = b;
	r = sd_bus_open_system(&a->bus);
	if (r < 0) {
		log_info("api: no system bus (%s): the room's interface is not offered",
			 strerror(-r));
		goto err;
	}
	r = sd_bus_add_object_vtable(a->bus, NULL, API_PATH, API_MANAGER_IFACE, manager_vtable, a);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(a->bus, NULL, API_STATION_PATH, API_STATION_IFACE,
					       station_vtable, station_find, a);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(a->bus, NULL, API_STATION_PATH, station_enumerate, a);
	/* Asynchronously: the bus may still be starting. */
	if (r >= 0)
		r = sd_bus_request_name_async(a->bus, NULL, API_BUS_NAME, 0, on_name, a);
	if (r < 0) {
		log_warn("api: cannot offer %s: %s", API_BUS_NAME, strerror(-r));
		goto err;
	}
	a->src = loop_add_fd(b->loop, sd_bus_get_fd(a->bus), EPOLLIN, on_bus, a);
	a->timer = loop_add_timer(b->loop, on_bus, a);
	if (!a->src || !a->timer)
		goto err;
	api_process(a);
	return a;

err:
	api_stop(a);
	return NULL;
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	if (a->src)
		loop_remove(a->src);
	if (a->timer)
		loop_remove(a->timer);
	sd_bus_flush_close_unref(a->bus);
	free(a->shown);
	free(a);
}
