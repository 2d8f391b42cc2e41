// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "api.h"
#include "api_internal.h"
#include "broker.h"
#include "log.h"
#include "polkit.h"
#include "screens.h"
#include "seat_mode.h"
#include "seats.h"
#include "station_kind.h"
#include "station_map.h"
#include "station_names.h"
#include "udev_job.h"

static int rename_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	const char *name;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
	if (!seat)
		return r;
	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	r = station_names_set(&a->b->names, seat->name, name);
	if (r == -EINVAL)
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "a name of 1 to %d bytes without control "
						  "characters (\"\" : the station's id)",
						  STATION_NAME_MAX - 1);
	if (r < 0)
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
						  "the name could not be kept: %s", strerror(-r));
	log_info("api: %s is called '%s' now", seat->name,
		 station_names_get(&a->b->names, seat->name));
	/* Its next session (its login screen's, say) is told. */
	seat_set_station_name(seat, station_names_get(&a->b->names, seat->name));
	broker_changed(a->b);	/* signalled with the rest */
	return sd_bus_reply_method_return(m, "");
}

int api_method_rename(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.administer", rename_allowed, data);
}

/* An AttachDevice's answer, once udev has the rule (udev_job.h). */
static void attach_done(void *data, const struct udev_job_answer *answer)
{
	sd_bus_message *m = data;
	const char *seat = NULL, *device = NULL;

	sd_bus_message_rewind(m, true);
	sd_bus_message_read(m, "ss", &seat, &device);
	switch (answer->rc) {
	case 0:
		log_info("api: %s (%s) attached to %s by request", device, answer->id, seat);
		sd_bus_reply_method_return(m, "");
		break;
	case -EINVAL:
		sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
					   "'%s' is not a seat name (seat0, or seat then "
					   "letters, digits, - and _)", seat);
		break;
	case -ENODEV:
		sd_bus_reply_method_errorf(m, "org.seatmux.Error.NoSuchDevice",
					   "no device at '%s' (a /sys or /dev path)", device);
		break;
	case -ENOTTY:
		sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotASeatDevice",
					   "'%s' is nothing a seat can be given", device);
		break;
	case -EAGAIN:
		sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
					   "the rule is written, but udev did not reload its "
					   "rules: run udevadm control --reload");
		break;
	default:
		sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
					   "the rule could not be written: %s", strerror(-answer->rc));
	}
	sd_bus_message_unref(m);
}

static int attach_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *seat, *device;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "ss", &seat, &device);
	if (r < 0)
		return r;
	if (seats_mode_switching(a->b))
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.Busy",
						  "a mode switch is under way");
	/* The console rule would hide the new one until station mode. */
	if (seats_console_mode())
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.ConsoleMode",
						  "the room is in console mode: seat0 has every "
						  "device until 'mode station'");
	/* The device is looked up, its path resolved and udev waited for in
	 * the child, away from the loop. */
	if (!udev_job_start(&a->b->udev_jobs, UDEV_JOB_ATTACH, seat, device, attach_done,
			    sd_bus_message_ref(m))) {
		r = sd_bus_reply_method_errnof(m, errno, "the rule cannot be written now: %m");
		sd_bus_message_unref(m);
		return r;
	}
	return 0;	/* answered by attach_done */
}

int api_method_attach(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.administer", attach_allowed, data);
}

static void flush_done(void *data, const struct udev_job_answer *answer)
{
	sd_bus_message *m = data;
	int r = answer->rc;

	if (r < 0) {
		sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
					   "the rules could not be removed: %s", strerror(-r));
	} else {
		log_info("api: devices flushed by request (%d rule%s removed)", r,
			 r == 1 ? "" : "s");
		sd_bus_reply_method_return(m, "");
	}
	sd_bus_message_unref(m);
}

static int flush_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;

	if (!udev_job_start(&a->b->udev_jobs, UDEV_JOB_FLUSH, NULL, NULL, flush_done,
			    sd_bus_message_ref(m))) {
		int r = sd_bus_reply_method_errnof(m, errno, "the rules cannot be removed now: %m");

		sd_bus_message_unref(m);
		return r;
	}
	return 0;	/* answered by flush_done */
}

int api_method_flush(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.administer", flush_allowed, data);
}

static int map_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	sd_bus_message *reply = NULL;
	struct seat *seat, *tmp;
	uint32_t seconds;
	char letter[2] = "";
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "u", &seconds);
	if (r < 0)
		return r;
	r = station_map_start(a->b, seconds);
	switch (r) {
	case -EINVAL:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "mapping lasts 1 to %d seconds", MAP_MAX_SECONDS);
	case -ENODEV:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NothingToMap",
						  "every head has a keyboard (or is blocked)");
	case -EBUSY:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
						  "no waiting head could show its letter");
	case -ENOENT:
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NothingToMap",
						  "no keyboard is free: every one belongs to a station");
	default:
		if (r < 0)
			return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
							  "mapping cannot start: %s", strerror(-r));
	}
	log_info("api: mapping started by request");
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ss)");
	list_for_each(seat, tmp, &a->b->seats, link) {
		letter[0] = station_map_letter(a->b, seat->name);
		if (r >= 0 && letter[0])
			r = sd_bus_message_append(reply, "(ss)", seat->name, letter);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	if (r < 0)
		station_map_stop(a->b);	/* nobody was told it runs */
	return r;
}

int api_method_map(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.administer", map_allowed, data);
}

static int stop_map_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;

	if (station_map_stop(a->b) < 0)
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotMapping",
						  "no station is being mapped");
	log_info("api: mapping stopped by request");
	return sd_bus_reply_method_return(m, "");
}

int api_method_stop_map(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.administer", stop_map_allowed, data);
}

int api_property_mode(sd_bus *bus, const char *path, const char *iface, const char *property,
		      sd_bus_message *reply, void *data, sd_bus_error *err)
{
	return sd_bus_message_append(reply, "s", seats_console_mode() ? "console" : "station");
}

static void mode_done(void *data, int r)
{
	sd_bus_message *m = data;
	const char *mode = "";

	sd_bus_message_rewind(m, true);
	sd_bus_message_read(m, "s", &mode);
	if (r == -EAGAIN)
		sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
					   "udev did not reload its rules: the mode is unchanged");
	else if (r < 0 && r != -EALREADY)
		sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED, "the mode could not be kept: %s",
					   strerror(-r));
	else
		sd_bus_reply_method_return(m, "");
	if (r == 0) {
		log_info("api: %s mode by request", mode);
		sd_bus_emit_properties_changed(sd_bus_message_get_bus(m), API_PATH,
					       API_MANAGER_IFACE, "Mode", NULL);
	}
	sd_bus_message_unref(m);
}

static int mode_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat, *tmp;
	const char *mode;
	bool console;
	int r;

	sd_bus_message_rewind(m, true);
	r = sd_bus_message_read(m, "s", &mode);
	if (r < 0)
		return r;
	if (strcmp(mode, "station") && strcmp(mode, "console"))
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "'%s' is no mode: station or console", mode);
	console = !strcmp(mode, "console");
	if (seats_mode_switching(a->b))
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.Busy",
						  "a mode switch is under way");
	/* A station console mode takes away would take its block with it:
	 * the teacher lifts it first. */
	list_for_each(seat, tmp, &a->b->seats, link)
		if (console && !seats_console_mode() && strcmp(seat->name, "seat0") &&
		    seat->kind && seat->kind->origin == DEVICE_PHYSICAL &&
		    screens_blocked(a->b, seat->name))
			return sd_bus_reply_method_errorf(m, "org.seatmux.Error.Blocked",
							  "'%s' is blocked: unblock it before "
							  "console mode", seat->name);
	/* seat0 has every keyboard then: nothing is left to map. */
	if (console)
		station_map_stop(a->b);
	r = seats_set_console(a->b, console, mode_done, sd_bus_message_ref(m));
	if (r < 0) {
		int e = r;

		r = sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
					       "the mode cannot be switched now: %s", strerror(-e));
		sd_bus_message_unref(m);
		return r;
	}
	return 0;	/* answered by mode_done */
}

int api_method_set_mode(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.administer", mode_allowed, data);
}
