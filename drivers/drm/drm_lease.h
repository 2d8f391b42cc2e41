/* SPDX-License-Identifier: MIT */
/*
 * DRM leases: one card's connectors handed to different seats. The broker
 * keeps DRM master on the card and gives each seat a lessee fd holding its
 * connectors, a CRTC for each and that CRTC's primary plane.
 */
#ifndef SEATMUX_DRM_LEASE_H
#define SEATMUX_DRM_LEASE_H

#include <stdint.h>

#define DRM_LEASE_MAX_OBJECTS 24

/* A lease holds, for each connector, the connector, its CRTC and that
 * CRTC's primary plane, in that order. */
struct drm_lease_objects {
	uint32_t ids[DRM_LEASE_MAX_OBJECTS];
	int count;
};

/* One connector of a lease and what drives it: KMS ids. */
struct drm_lease_output {
	uint32_t connector, crtc, plane;
};

/*
 * The connector of master_fd named like udev's connector device suffix
 * ("Virtual-2", "HDMI-A-1"), or 0.
 */
uint32_t drm_lease_find_connector(int master_fd, const char *name);
/*
 * Picks for each connector a CRTC it can use that is not in `busy` and
 * that CRTC's primary plane, and leases them all. Returns the lessee fd
 * (and *lessee_id, the objects in *leased) or -errno.
 */
int drm_lease_create(int master_fd, const uint32_t *connectors, int n,
		     const struct drm_lease_objects *busy, uint32_t *lessee_id,
		     struct drm_lease_objects *leased);
int drm_lease_revoke(int master_fd, uint32_t lessee_id);
/* The CRTC and plane leased with connector in objects: 0, or -ENOENT. */
int drm_lease_output_of(const struct drm_lease_objects *objects, uint32_t connector,
			struct drm_lease_output *out);
/* A CRTC (and its primary plane) connector can be driven by that is not
 * in busy: what a lease of it would hold. 0, or -errno. */
int drm_lease_pick(int master_fd, uint32_t connector, const struct drm_lease_objects *busy,
		   struct drm_lease_output *out);
/* The lessees master_fd has now: how many (up to max in ids), or -errno. */
int drm_lease_list(int master_fd, uint32_t *ids, int max);

#endif
