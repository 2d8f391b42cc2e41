/* SPDX-License-Identifier: MIT */
/* DRM master handling on a broker-held card fd shared with a session. */
#ifndef SEATMUX_DRM_MASTER_H
#define SEATMUX_DRM_MASTER_H

/* Both return 0 or a negative errno. */
int drm_master_set(int fd);
int drm_master_drop(int fd);
/* 1 if fd is DRM master, 0 if not, negative errno on failure. */
int drm_master_is(int fd);

#endif
