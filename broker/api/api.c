// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "account_job.h"
#include "api.h"
#include "api_internal.h"
#include "broker.h"
#include "station_control.h"
#include "log.h"
#include "polkit.h"
#include "seats.h"
#include "station_kind.h"
#include "station_view.h"


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
/* What a device is, in the words a room uses. */
static const char *device_kind_word(enum device_kind kind)
{
	switch (kind) {
	case DEVICE_DRM_CARD:
		return "head";
	case DEVICE_DRM_CONNECTOR:
		return "connector";
	case DEVICE_DRM_RENDER:
		return "render";
	case DEVICE_EVDEV:
		return "input";
	}
	return "?";
}

/* The station's devices: (node or connector, kind, description), its
 * heads with their connectors, states and preferred modes first. */
static int station_devices(sd_bus *bus, const char *path, const char *iface,
			   const char *property, sd_bus_message *reply, void *data,
			   sd_bus_error *err)
{
	struct seat *seat = data;
	struct broker *b = seat->broker;
	struct device *dev, *tmp;
	const char *owner;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "(sss)");
	for (int pass = 0; pass < 2 && r >= 0; pass++) {
		list_for_each(dev, tmp, &b->devices.list, link) {
			owner = devices_seat_of(&b->devices, dev);
			if (!owner || strcmp(owner, seat->name) ||
			    (dev->kind == DEVICE_EVDEV) != (pass == 1))
				continue;
			r = sd_bus_message_append(reply, "(sss)",
						  dev->devnode[0] ? dev->devnode : dev->sysname,
						  device_kind_word(dev->kind), dev->description);
			if (r < 0)
				break;
		}
	}
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int station_property(sd_bus *bus, const char *path, const char *iface,
			    const char *property, sd_bus_message *reply, void *data,
			    sd_bus_error *err)
{
	struct station_view v;

	station_view_of(((struct seat *)data)->broker, data, &v);
	if (!strcmp(property, "Id"))
		return sd_bus_message_append(reply, "s", v.id);
	if (!strcmp(property, "Name"))
		return sd_bus_message_append(reply, "s", v.name);
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
	if (!strcmp(property, "ProjectedFrom"))
		return sd_bus_message_append(reply, "s", v.projected_from);
	if (!strcmp(property, "Picture"))
		return sd_bus_message_append(reply, "t", v.picture);
	return -ENOENT;
}

static const sd_bus_vtable station_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "s", station_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Name", "s", station_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
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
	SD_BUS_PROPERTY("ProjectedFrom", "s", station_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("Devices", "a(sss)", station_devices, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	/* Not signalled: it would change with every change of the head. */
	SD_BUS_PROPERTY("Picture", "t", station_property, 0, 0),
	SD_BUS_VTABLE_END,
};

/* -- the manager -- */

int api_no_such_station(sd_bus_message *m, const char *id)
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

struct seat *api_named_station(struct api *a, sd_bus_message *m, int *r)
{
	const char *id;
	struct seat *seat;

	*r = sd_bus_message_read(m, "s", &id);
	if (*r < 0)
		return NULL;
	seat = seats_find(a->b, id);
	if (!seat)
		*r = api_no_such_station(m, id);
	return seat;
}

uid_t api_station_owner(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	const char *id;

	if (sd_bus_message_rewind(m, true) < 0 || sd_bus_message_read(m, "s", &id) < 0)
		return (uid_t)-1;
	seat = seats_find(a->b, id);
	return seat && seat->session.pid > 0 ? seat->session.uid : (uid_t)-1;
}

static int get_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	char *path = NULL;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
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
	seat = api_named_station(a, m, &r);
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

static int disconnect_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
	if (!seat)
		return r;
	switch (seats_disconnect(a->b, seat->name)) {
	case 0:
		return sd_bus_reply_method_return(m, "");
	case -ESRCH:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoSession",
						  "nobody is logged on at '%s' whose session could "
						  "wait for them", seat->name);
	case -EALREADY:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.Disconnected",
						  "'%s' is disconnected already", seat->name);
	case -EBUSY:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.Busy",
						  "the session at '%s' is moving already", seat->name);
	case -EOPNOTSUPP:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_NOT_SUPPORTED,
						  "the session at '%s' cannot leave its station (leased "
						  "connectors, a station without a home, or RDP off)", seat->name);
	default:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
						  "the session at '%s' cannot be disconnected",
						  seat->name);
	}
}

/* The control role's, or the session's own user's (as logind lets a
 * user lock their own session). */
static int method_disconnect(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check_own(m, "org.seatmux.control", api_station_owner, disconnect_allowed,
				data);
}

/* A command line as a teacher may give it: 1 to LAUNCH_MAX_ARGS words,
 * the first not empty, LAUNCH_MAX_BYTES in all. */
#define LAUNCH_MAX_ARGS 64
#define LAUNCH_MAX_BYTES 8192

static bool launch_argv_valid(char **argv)
{
	size_t bytes = 0;
	int n = 0;

	if (!argv || !argv[0] || !argv[0][0])
		return false;
	for (; argv[n]; n++)
		bytes += strlen(argv[n]) + 1;
	return n <= LAUNCH_MAX_ARGS && bytes <= LAUNCH_MAX_BYTES;
}

static int launch_error(sd_bus_message *m, const char *id, int rc)
{
	switch (rc) {
	case -ENOENT:
		return api_no_such_station(m, id);
	case -ESRCH:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoSession",
						  "nobody is logged on at '%s'", id);
	case -ENXIO:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoDisplay",
						  "the session at '%s' offers no Wayland display", id);
	case -EOPNOTSUPP:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotSupported",
						  "sessions have no scope here: a program launched "
						  "would outlive its session");
	default:
		return sd_bus_reply_method_errno(m, -rc, NULL);
	}
}

static void strv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

/*
 * Control is a teacher's: a program run as an administrator would give
 * the teacher an administrator's rights. polkit's roles read the group
 * database as it is now, so the session's user is looked up now too (a
 * user made an administrator since their session started is one), away
 * from the loop.
 */
struct launch_call {
	struct api *a;
	sd_bus_message *m;
	char **argv;
	char seat[SEAT_PROTO_MAX_SEAT];
	pid_t pid;		/* the session the answer is about */
};

static void launch_call_free(struct launch_call *c)
{
	sd_bus_message_unref(c->m);
	strv_free(c->argv);
	free(c);
}

static void launch_checked(void *data, enum account_result res, const struct account *acct)
{
	struct launch_call *c = data;
	struct seat *seat = seats_find(c->a->b, c->seat);
	char text[LOG_TEXT_MAX];
	pid_t pid;

	if (!seat || seat->session.pid != c->pid) {
		launch_error(c->m, c->seat, -ESRCH);	/* it ended meanwhile */
	} else if (res != ACCOUNT_OK || acct->uid != seat->session.uid) {
		sd_bus_reply_method_errorf(c->m, "org.seatmux.Error.NotAllowed",
					   "the account of the session at '%s' cannot be looked "
					   "up: nothing is launched into it", c->seat);
	} else if (acct->admin) {
		sd_bus_reply_method_errorf(c->m, "org.seatmux.Error.NotAllowed",
					   "'%s' runs an administrator's session: nothing is "
					   "launched into it", c->seat);
	} else if ((pid = seats_launch(c->a->b, c->seat, c->argv)) < 0) {
		launch_error(c->m, c->seat, (int)pid);
	} else {
		log_info("api: %s launched in %s's session as pid %d by request",
			 log_escape(text, sizeof(text), c->argv[0]), c->seat, (int)pid);
		sd_bus_reply_method_return(c->m, "u", (uint32_t)pid);
	}
	launch_call_free(c);
}

static int launch_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct launch_call *c;
	struct seat *seat;
	const char *id;
	char **argv = NULL;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "s", &id);
	if (r >= 0)
		r = sd_bus_message_read_strv(m, &argv);
	if (r < 0)
		return r;
	if (!launch_argv_valid(argv)) {
		strv_free(argv);
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "a command of 1 to %d words, %d bytes in all, "
						  "the first not empty", LAUNCH_MAX_ARGS,
						  LAUNCH_MAX_BYTES);
	}
	seat = seats_find(a->b, id);
	if (!seat || seat->session.pid <= 0 || !seat->session.user[0]) {
		strv_free(argv);
		return launch_error(m, id, seat ? -ESRCH : -ENOENT);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		strv_free(argv);
		return -ENOMEM;
	}
	*c = (struct launch_call){ .a = a, .m = sd_bus_message_ref(m), .argv = argv,
				   .pid = seat->session.pid };
	snprintf(c->seat, sizeof(c->seat), "%s", seat->name);
	if (!account_job_start(a->b->loop, seat->session.user, launch_checked, c)) {
		r = -errno;
		launch_call_free(c);
		return r;
	}
	return 1;
}

static int method_launch(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", launch_allowed, data);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("ListStations", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(sssuso)", stations), method_list,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetStation", SD_BUS_ARGS("s", id), SD_BUS_RESULT("o", path),
				method_get, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListSessions", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(susso)", sessions), api_method_list_sessions,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetSession", SD_BUS_ARGS("s", id), SD_BUS_RESULT("o", path),
				api_method_get_session, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("LogOff", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				method_logoff, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Disconnect", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				method_disconnect, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Rename", SD_BUS_ARGS("s", id, "s", name), SD_BUS_NO_RESULT,
				api_method_rename, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("AttachDevice", SD_BUS_ARGS("s", seat, "s", device),
				SD_BUS_NO_RESULT, api_method_attach, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("FlushDevices", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				api_method_flush, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Map", SD_BUS_ARGS("u", seconds),
				SD_BUS_RESULT("a(ss)", letters), api_method_map,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("StopMap", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				api_method_stop_map, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetMode", SD_BUS_ARGS("s", mode), SD_BUS_NO_RESULT,
				api_method_set_mode, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Mode", "s", api_property_mode, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_METHOD_WITH_ARGS("Launch", SD_BUS_ARGS("s", id, "as", argv),
				SD_BUS_RESULT("u", pid), method_launch, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Block", SD_BUS_ARGS("s", id, "s", message), SD_BUS_NO_RESULT,
				api_method_block, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Unblock", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				api_method_unblock, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Identify", SD_BUS_ARGS("as", ids), SD_BUS_NO_RESULT,
				api_method_identify, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SendMessage", SD_BUS_ARGS("s", id, "s", text, "u", seconds),
				SD_BUS_NO_RESULT, api_method_message, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Screenshot", SD_BUS_ARGS("s", id),
				SD_BUS_RESULT("h", png, "u", width, "u", height), api_method_screenshot,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Thumbnail", SD_BUS_ARGS("s", id, "u", width, "u", height),
				SD_BUS_RESULT("h", png, "u", width, "u", height), api_method_screenshot,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Pixels", SD_BUS_ARGS("s", id, "u", width, "u", height),
				SD_BUS_RESULT("h", pixels, "u", width, "u", height),
				api_method_screenshot, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Project", SD_BUS_ARGS("s", source, "as", targets),
				SD_BUS_RESULT("u", shown_on), api_method_project,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Unproject", SD_BUS_ARGS("s", source), SD_BUS_RESULT("u", ended),
				api_method_unproject, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Watch", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				api_method_watch, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("TakeControl", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				api_method_take_control, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ReleaseControl", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
				api_method_release_control, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SendInput", SD_BUS_ARGS("s", id, "a(qqi)", events),
				SD_BUS_NO_RESULT, api_method_send_input,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("StationNew", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_SIGNAL_WITH_ARGS("StationRemoved", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_SIGNAL_WITH_ARGS("SessionNew", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_SIGNAL_WITH_ARGS("SessionRemoved", SD_BUS_ARGS("s", id, "o", path), 0),
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
		sd_bus_emit_properties_changed(a->bus, path, API_STATION_IFACE, "Name", "User", "UID",
					       "SessionPid", "SessionState", "Address", "Blocked",
					       "ProjectedFrom", "Devices", NULL);
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
		api_sessions_changed(a, was, &now[n]);
		n++;
	}
	for (int i = 0; i < a->nshown; i++) {
		bool still = false;

		for (int k = 0; k < n && !still; k++)
			still = !strcmp(now[k].id, a->shown[i].id);
		if (!still) {
			station_control_drop_seat(a->controls, a->shown[i].id, "the station went");
			api_sessions_changed(a, &a->shown[i], NULL);
			emit(a, "StationRemoved", a->shown[i].id);
		}
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
	list_init(&a->takes);
	list_init(&a->told);
	a->controls = b->controls;
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
	if (r >= 0)
		r = api_sessions_add(a);
	if (r >= 0)
		r = api_control_start(a);
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
	api_control_finish(a);
	sd_bus_flush_close_unref(a->bus);
	free(a->shown);
	free(a);
}
