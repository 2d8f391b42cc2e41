// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "seat_rules.h"

/* "prefix" followed by one or more digits and nothing else. */
static bool numbered(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(name, prefix, len) || name[len] == '\0')
		return false;
	return strspn(name + len, "0123456789") == strlen(name + len);
}

/* "card0-HDMI-A-1": the connector name after the card's, or NULL. */
static const char *connector_name(const char *sysname)
{
	const char *dash = strchr(sysname, '-');
	char card[16];

	if (!dash || dash[1] == '\0' || (size_t)(dash - sysname) >= sizeof(card))
		return NULL;
	memcpy(card, sysname, (size_t)(dash - sysname));
	card[dash - sysname] = '\0';
	return numbered(card, "card") ? dash + 1 : NULL;
}

static int kind_of(const char *subsystem, const char *sysname)
{
	if (!strcmp(subsystem, "drm")) {
		/* card0-Virtual-1 and friends are connectors, not nodes. */
		if (numbered(sysname, "card"))
			return DEVICE_DRM_CARD;
		if (numbered(sysname, "renderD"))
			return DEVICE_DRM_RENDER;
		if (connector_name(sysname))
			return DEVICE_DRM_CONNECTOR;
	} else if (!strcmp(subsystem, "input")) {
		if (numbered(sysname, "event"))
			return DEVICE_EVDEV;
	}
	return -1;
}

int seat_rules_classify(const struct seat_rules_input *in,
			struct seat_rules_result *out)
{
	int kind;

	if (!in->subsystem || !in->sysname)
		return -ENODEV;
	kind = kind_of(in->subsystem, in->sysname);
	if (kind < 0)
		return -ENODEV;
	if (in->id_seat && in->id_seat[0] &&
	    !config_valid_seat_name(in->id_seat))
		return -EINVAL;
	out->kind = (enum device_kind)kind;
	out->master = kind == DEVICE_DRM_CARD && in->tag_master;
	/* A connector belongs to its card's seat unless udev says otherwise. */
	snprintf(out->seat, sizeof(out->seat), "%s",
		 in->id_seat && in->id_seat[0] ? in->id_seat :
		 kind == DEVICE_DRM_CONNECTOR ? "" : "seat0");
	if (kind == DEVICE_EVDEV && in->foreign && strcmp(out->seat, "seat0"))
		return -EPERM;
	return 0;
}

int seat_rules_path_kind(const char *path)
{
	if (!strncmp(path, "/dev/dri/", 9)) {
		int kind = kind_of("drm", path + 9);

		return kind == DEVICE_DRM_CONNECTOR ? -1 : kind;
	}
	if (!strncmp(path, "/dev/input/", 11))
		return kind_of("input", path + 11);
	return -1;
}

const char *seat_rules_connector_name(const char *sysname)
{
	return connector_name(sysname);
}

const char *seat_rules_kind_name(enum device_kind kind)
{
	switch (kind) {
	case DEVICE_DRM_CARD:
		return "drm card";
	case DEVICE_DRM_RENDER:
		return "drm render node";
	case DEVICE_EVDEV:
		return "evdev";
	case DEVICE_DRM_CONNECTOR:
		return "drm connector";
	}
	return "?";
}
