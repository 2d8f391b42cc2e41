/* SPDX-License-Identifier: MIT */
/*
 * What the room's interface's files share: its state, the answers every
 * method gives alike, and the methods of each concern (api.c: stations;
 * api_sessions.c: sessions; api_screens.c: the screens the broker draws;
 * api_admin.c: what administrators change).
 */
#ifndef SEATMUX_API_INTERNAL_H
#define SEATMUX_API_INTERNAL_H

#include <systemd/sd-bus.h>

#include "list.h"
#include "station_view.h"

struct broker;
struct controls;
struct loop_source;
struct seat;

struct api {
	struct broker *b;
	sd_bus *bus;
	struct loop_source *src, *timer;
	/* What clients were last told, to signal only what changed. */
	struct station_view *shown;
	int nshown;
	struct controls *controls;	/* stations taken control of (the broker's) */
	struct list takes;		/* TakeControl calls not answered yet */
	struct list told;		/* stations told lately they are watched */
};

/* The NoSuchStation error, sent. */
int api_no_such_station(sd_bus_message *m, const char *id);
/* The station a call names (its first argument), or NULL with the error
 * sent (its result in *r). */
struct seat *api_named_station(struct api *a, sd_bus_message *m, int *r);

/* The user of the session running at the station m names (its first
 * argument), or (uid_t)-1: polkit_check_own's owner. */
uid_t api_station_owner(sd_bus_message *m, void *data);

/* api_sessions.c: the sessions' objects, and what the manager says of them. */
int api_sessions_add(struct api *a);
int api_method_list_sessions(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_get_session(sd_bus_message *m, void *data, sd_bus_error *err);
/* A station's view changed (was or now NULL: it came or went): the
 * session signals that follow. */
void api_sessions_changed(struct api *a, const struct station_view *was,
			  const struct station_view *now);


/* api_screens.c: each checks its polkit action, then acts. */
int api_method_block(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_unblock(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_identify(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_message(sd_bus_message *m, void *data, sd_bus_error *err);
/* Screenshot, Thumbnail and Pixels. */
int api_method_screenshot(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_project(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_unproject(sd_bus_message *m, void *data, sd_bus_error *err);

/* api_control.c: taking control of a station, and its input. */
int api_method_take_control(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_release_control(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_watch(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_send_input(sd_bus_message *m, void *data, sd_bus_error *err);
/* Watches the bus for takers leaving it: 0, or a negative errno. */
int api_control_start(struct api *a);
/* Answers the calls still waiting (at the interface's end). */
void api_control_finish(struct api *a);

/* api_admin.c: org.seatmux.administer. */
int api_method_rename(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_attach(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_flush(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_map(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_stop_map(sd_bus_message *m, void *data, sd_bus_error *err);
int api_method_set_mode(sd_bus_message *m, void *data, sd_bus_error *err);
int api_property_mode(sd_bus *bus, const char *path, const char *iface, const char *property,
		      sd_bus_message *reply, void *data, sd_bus_error *err);

#endif
