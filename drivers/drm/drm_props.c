// SPDX-License-Identifier: MIT
#include <string.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drm_props.h"

uint32_t drm_prop_id(int fd, uint32_t obj, uint32_t type, const char *name,
		     uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;

	if (!props)
		return 0;
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name)) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

uint32_t drm_primary_plane(int fd, int crtc_index)
{
	drmModePlaneRes *planes = drmModeGetPlaneResources(fd);
	uint32_t found = 0;

	for (uint32_t i = 0; planes && i < planes->count_planes && !found; i++) {
		drmModePlane *p = drmModeGetPlane(fd, planes->planes[i]);
		uint64_t type = 0;

		if (p && (p->possible_crtcs & (1u << crtc_index)) &&
		    drm_prop_id(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY)
			found = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(planes);
	return found;
}
