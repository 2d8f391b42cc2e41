/* SPDX-License-Identifier: MIT */
/* KMS object lookups shared by the lease and KMS-head code. */
#ifndef SEATMUX_DRM_PROPS_H
#define SEATMUX_DRM_PROPS_H

#include <stdint.h>

/* The id of property `name` of object obj (and its value), or 0. */
uint32_t drm_prop_id(int fd, uint32_t obj, uint32_t type, const char *name,
		     uint64_t *value);
/* The primary plane that can scan out on the CRTC at crtc_index, or 0.
 * Needs DRM_CLIENT_CAP_UNIVERSAL_PLANES on fd. */
uint32_t drm_primary_plane(int fd, int crtc_index);

#endif
