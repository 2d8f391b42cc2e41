// SPDX-License-Identifier: MIT
/*
 * The room's sessions on the bus, as logind shows its own: one object a
 * running session, API_SESSION_PATH/<id>, its id its leader's pid
 * (unique while it runs, and the same after a restart of seatmuxd, which
 * keeps the session; a pid reused later names a new session). Listing
 * them is observe's; looking one up is also its own user's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "api.h"
#include "api_internal.h"
#include "broker.h"
#include "polkit.h"
#include "seats.h"
#include "station_view.h"

#define SESSION_ID_MAX 16

static void session_id(const struct station_view *v, char *out, size_t size)
{
	snprintf(out, size, "%u", (unsigned)v->pid);
}

/* The seat whose running session id names: digits only, no sign, no
 * leading zero (one session, one spelling). */
static struct seat *seat_of_session(struct api *a, const char *id)
{
	struct seat *seat, *tmp;
	unsigned long pid;
	char *end;

	if (!id || id[0] < '1' || id[0] > '9' || strlen(id) >= SESSION_ID_MAX)
		return NULL;
	errno = 0;
	pid = strtoul(id, &end, 10);
	if (errno || *end || pid > INT32_MAX)
		return NULL;
	list_for_each(seat, tmp, &a->b->seats, link)
		if (seat->session.pid > 0 && (unsigned long)seat->session.pid == pid)
			return seat;
	return NULL;
}

static int session_path(const struct station_view *v, char **path)
{
	char id[SESSION_ID_MAX];

	session_id(v, id, sizeof(id));
	return sd_bus_path_encode(API_SESSION_PATH, id, path);
}

static int session_find(sd_bus *bus, const char *path, const char *iface, void *data,
			void **found, sd_bus_error *err)
{
	char *id = NULL;
	struct seat *seat = NULL;

	if (sd_bus_path_decode(path, API_SESSION_PATH, &id) > 0)
		seat = seat_of_session(data, id);
	free(id);
	if (!seat)
		return 0;
	*found = seat;
	return 1;
}

static int session_enumerate(sd_bus *bus, const char *prefix, void *data, char ***nodes,
			     sd_bus_error *err)
{
	struct api *a = data;
	struct seat *seat, *tmp;
	struct station_view v;
	char **list;
	int n = 0;

	list_for_each(seat, tmp, &a->b->seats, link)
		n++;
	list = calloc((size_t)n + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	n = 0;
	list_for_each(seat, tmp, &a->b->seats, link) {
		station_view_of(a->b, seat, &v);
		if (v.pid && session_path(&v, &list[n]) >= 0)
			n++;
	}
	*nodes = list;
	return 0;
}

static int session_property(sd_bus *bus, const char *path, const char *iface,
			    const char *property, sd_bus_message *reply, void *data,
			    sd_bus_error *err)
{
	struct seat *seat = data;
	struct station_view v;
	char id[SESSION_ID_MAX], *station = NULL;
	int r;

	station_view_of(seat->broker, seat, &v);
	session_id(&v, id, sizeof(id));
	if (!strcmp(property, "Id"))
		return sd_bus_message_append(reply, "s", id);
	if (!strcmp(property, "StationId"))
		return sd_bus_message_append(reply, "s", v.id);
	if (!strcmp(property, "Station")) {
		r = sd_bus_path_encode(API_STATION_PATH, v.id, &station);
		if (r >= 0)
			r = sd_bus_message_append(reply, "o", station);
		free(station);
		return r;
	}
	if (!strcmp(property, "User"))
		return sd_bus_message_append(reply, "s", v.user);
	if (!strcmp(property, "UID"))
		return sd_bus_message_append(reply, "u", v.uid);
	if (!strcmp(property, "Leader"))
		return sd_bus_message_append(reply, "u", v.pid);
	if (!strcmp(property, "State"))
		return sd_bus_message_append(reply, "s", v.state);
	if (!strcmp(property, "Kind"))
		return sd_bus_message_append(reply, "s", v.kind);
	if (!strcmp(property, "Class"))
		return sd_bus_message_append(reply, "s", v.session_class);
	if (!strcmp(property, "LogindSession"))
		return sd_bus_message_append(reply, "s", v.logind);
	return -ENOENT;
}

static const sd_bus_vtable session_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "s", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("StationId", "s", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Station", "o", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("User", "s", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("UID", "u", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Leader", "u", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Kind", "s", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("State", "s", session_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("Class", "s", session_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("LogindSession", "s", session_property, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_VTABLE_END,
};

static int no_such_session(sd_bus_message *m, const char *id)
{
	return sd_bus_reply_method_errorf(m, API_ERROR_NO_SUCH_SESSION, "no session '%s'", id);
}

static int list_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	sd_bus_message *reply = NULL;
	struct seat *seat, *tmp;
	struct station_view v;
	char id[SESSION_ID_MAX];
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(susso)");
	list_for_each(seat, tmp, &a->b->seats, link) {
		char *path = NULL;

		if (r < 0)
			break;
		station_view_of(a->b, seat, &v);
		if (!v.pid)
			continue;
		session_id(&v, id, sizeof(id));
		r = session_path(&v, &path);
		if (r >= 0)
			r = sd_bus_message_append(reply, "(susso)", id, v.uid, v.user, v.id, path);
		free(path);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

int api_method_list_sessions(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.observe", list_allowed, data);
}

/* The running session a call names (its first argument), or NULL with
 * NoSuchSession sent (its result in *r). */
static struct seat *named_session(struct api *a, sd_bus_message *m, int *r)
{
	const char *id;
	struct seat *seat;

	*r = sd_bus_message_read(m, "s", &id);
	if (*r < 0)
		return NULL;
	seat = seat_of_session(a, id);
	if (!seat)
		*r = no_such_session(m, id);
	return seat;
}

static int get_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct station_view v;
	struct seat *seat;
	char *path = NULL;
	int r;

	/* Looked up again: it may have ended while polkit was asked. */
	sd_bus_message_rewind(m, true);
	seat = named_session(a, m, &r);
	if (!seat)
		return r;
	station_view_of(a->b, seat, &v);
	r = session_path(&v, &path);
	if (r >= 0)
		r = sd_bus_reply_method_return(m, "o", path);
	free(path);
	return r;
}

/* The user of the session m names, or (uid_t)-1: its own may look it up. */
static uid_t session_owner(sd_bus_message *m, void *data)
{
	struct seat *seat;
	const char *id;

	if (sd_bus_message_rewind(m, true) < 0 || sd_bus_message_read(m, "s", &id) < 0)
		return (uid_t)-1;
	seat = seat_of_session(data, id);
	return seat ? seat->session.uid : (uid_t)-1;
}

int api_method_get_session(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct seat *seat;
	int r;

	seat = named_session(data, m, &r);
	if (!seat)
		return r;
	return polkit_check_own(m, "org.seatmux.observe", session_owner, get_allowed, data);
}

int api_sessions_add(struct api *a)
{
	int r = sd_bus_add_fallback_vtable(a->bus, NULL, API_SESSION_PATH, API_SESSION_IFACE,
					   session_vtable, session_find, a);

	if (r >= 0)
		r = sd_bus_add_node_enumerator(a->bus, NULL, API_SESSION_PATH, session_enumerate, a);
	return r;
}

static void emit(struct api *a, const char *member, const struct station_view *v)
{
	char id[SESSION_ID_MAX], *path = NULL;

	if (session_path(v, &path) < 0)
		return;
	session_id(v, id, sizeof(id));
	if (member)
		sd_bus_emit_signal(a->bus, API_PATH, API_MANAGER_IFACE, member, "so", id, path);
	else
		sd_bus_emit_properties_changed(a->bus, path, API_SESSION_IFACE, "State",
					       "LogindSession", NULL);
	free(path);
}

void api_sessions_changed(struct api *a, const struct station_view *was,
			  const struct station_view *now)
{
	uint32_t before = was ? was->pid : 0, after = now ? now->pid : 0;

	if (before && before != after)
		emit(a, "SessionRemoved", was);
	if (after && before != after)
		emit(a, "SessionNew", now);
	else if (after && (strcmp(was->state, now->state) || strcmp(was->logind, now->logind)))
		emit(a, NULL, now);
}
