// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-login.h>

#include "systemd_bus.h"

#define SYSTEMD_PRIVATE_BUS "unix:path=/run/systemd/private"

int systemd_bus_open(sd_bus **bus)
{
	int r = sd_bus_new(bus);

	if (r >= 0)
		r = sd_bus_set_address(*bus, SYSTEMD_PRIVATE_BUS);
	if (r >= 0)
		r = sd_bus_start(*bus);
	if (r < 0) {
		sd_bus_unref(*bus);
		*bus = NULL;
	}
	return r < 0 ? r : 0;
}

/* The type of the job on unit ("restart", "stop", ...), or NULL. */
static char *job_type(sd_bus *bus, const char *unit)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *path = NULL, *type = NULL;
	const char *job_path;
	uint32_t id;

	if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path) < 0)
		return NULL;
	if (sd_bus_get_property(bus, "org.freedesktop.systemd1", path,
				"org.freedesktop.systemd1.Unit", "Job", &err, &reply, "(uo)") < 0 ||
	    sd_bus_message_read(reply, "(uo)", &id, &job_path) < 0 || id == 0)
		goto out;
	sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job_path,
				   "org.freedesktop.systemd1.Job", "JobType", &err, &type);
out:
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	free(path);
	return type;
}

bool systemd_restarting_self(void)
{
	char *unit = NULL, *type = NULL;
	sd_bus *bus = NULL;
	bool restarting;

	if (sd_pid_get_unit(0, &unit) < 0 || systemd_bus_open(&bus) < 0) {
		free(unit);
		return false;
	}
	type = job_type(bus, unit);
	restarting = type && (!strcmp(type, "restart") || !strcmp(type, "try-restart") ||
			      !strcmp(type, "reload-or-restart"));
	free(type);
	free(unit);
	sd_bus_flush_close_unref(bus);
	return restarting;
}
