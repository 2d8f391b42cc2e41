// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drm_lease.h"
#include "drm_props.h"

static bool contains(const struct drm_lease_objects *set, uint32_t id)
{
	for (int i = 0; set && i < set->count; i++)
		if (set->ids[i] == id)
			return true;
	return false;
}

static int push(struct drm_lease_objects *set, uint32_t id)
{
	if (set->count == DRM_LEASE_MAX_OBJECTS)
		return -E2BIG;
	set->ids[set->count++] = id;
	return 0;
}

uint32_t drm_lease_find_connector(int fd, const char *name)
{
	drmModeRes *res = drmModeGetResources(fd);
	uint32_t found = 0;

	if (!res)
		return 0;
	for (int i = 0; i < res->count_connectors && !found; i++) {
		/* Its name needs no probe (which would read a monitor's EDID). */
		drmModeConnector *c = drmModeGetConnectorCurrent(fd, res->connectors[i]);
		const char *type = c ? drmModeGetConnectorTypeName(c->connector_type) : NULL;
		char full[64];

		if (c && type) {
			snprintf(full, sizeof(full), "%s-%u", type, c->connector_type_id);
			if (!strcmp(full, name))
				found = c->connector_id;
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return found;
}

/* A free CRTC (and its primary plane) the connector can be driven by. */
static int pick_crtc(int fd, drmModeRes *res, uint32_t connector,
		     const struct drm_lease_objects *busy,
		     struct drm_lease_objects *out)
{
	drmModeConnector *c = drmModeGetConnectorCurrent(fd, connector);
	uint32_t possible = 0;

	if (!c)
		return -ENOENT;
	for (int e = 0; e < c->count_encoders; e++) {
		drmModeEncoder *enc = drmModeGetEncoder(fd, c->encoders[e]);

		if (enc)
			possible |= enc->possible_crtcs;
		drmModeFreeEncoder(enc);
	}
	drmModeFreeConnector(c);
	for (int i = 0; i < res->count_crtcs; i++) {
		uint32_t crtc = res->crtcs[i], plane;

		if (!(possible & (1u << i)) || contains(busy, crtc) || contains(out, crtc))
			continue;
		plane = drm_primary_plane(fd, i);
		if (!plane || contains(busy, plane) || contains(out, plane))
			continue;
		if (push(out, crtc) < 0 || push(out, plane) < 0)
			return -E2BIG;
		return 0;
	}
	return -EBUSY;
}

int drm_lease_create(int fd, const uint32_t *connectors, int n,
		     const struct drm_lease_objects *busy, uint32_t *lessee_id,
		     struct drm_lease_objects *leased)
{
	drmModeRes *res;
	int lessee, err = 0;

	memset(leased, 0, sizeof(*leased));
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) < 0)
		return -errno;
	res = drmModeGetResources(fd);
	if (!res)
		return -errno;
	for (int i = 0; i < n && !err; i++) {
		err = push(leased, connectors[i]);
		if (!err)
			err = pick_crtc(fd, res, connectors[i], busy, leased);
	}
	drmModeFreeResources(res);
	if (err)
		return err;
	lessee = drmModeCreateLease(fd, leased->ids, leased->count, O_CLOEXEC, lessee_id);
	return lessee < 0 ? (errno ? -errno : lessee) : lessee;
}

int drm_lease_output_of(const struct drm_lease_objects *objects, uint32_t connector,
			struct drm_lease_output *out)
{
	for (int i = 0; i + 2 < objects->count; i += 3) {
		if (objects->ids[i] != connector)
			continue;
		*out = (struct drm_lease_output){ connector, objects->ids[i + 1], objects->ids[i + 2] };
		return 0;
	}
	return -ENOENT;
}

int drm_lease_pick(int fd, uint32_t connector, const struct drm_lease_objects *busy,
		   struct drm_lease_output *out)
{
	struct drm_lease_objects picked = { .count = 0 };
	drmModeRes *res;
	int err;

	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) < 0)
		return -errno;
	res = drmModeGetResources(fd);
	if (!res)
		return -errno;
	err = pick_crtc(fd, res, connector, busy, &picked);
	drmModeFreeResources(res);
	if (err)
		return err;
	*out = (struct drm_lease_output){ connector, picked.ids[0], picked.ids[1] };
	return 0;
}

int drm_lease_revoke(int fd, uint32_t lessee_id)
{
	return drmModeRevokeLease(fd, lessee_id) < 0 ? -errno : 0;
}

int drm_lease_list(int fd, uint32_t *ids, int max)
{
	drmModeLesseeListPtr list = drmModeListLessees(fd);
	int n = 0;

	if (!list)
		return errno ? -errno : -EIO;
	for (uint32_t i = 0; i < list->count && n < max; i++)
		ids[n++] = list->lessees[i];
	drmFree(list);
	return n;
}
