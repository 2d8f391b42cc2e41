/* SPDX-License-Identifier: MIT */
/*
 * A client's shm buffer, held while surfaces show it (as Weston and
 * wlroots do) rather than copied on commit: a copy of every frame less,
 * and no private image as large as the client's window.
 */
#ifndef SEATMUX_COMPOSITOR_SHM_REF_H
#define SEATMUX_COMPOSITOR_SHM_REF_H

#include <pixman.h>
#include <stdbool.h>
#include <wayland-server-core.h>

struct shm_ref;

/* A reference to buffer (shared by everyone holding the same one), or
 * NULL when it is no ARGB8888/XRGB8888 shm buffer. */
struct shm_ref *shm_ref_get(struct wl_resource *buffer);
/* The last reference gone, the client gets the buffer back (release). */
void shm_ref_put(struct shm_ref *ref);
bool shm_ref_is(const struct shm_ref *ref, struct wl_resource *buffer);
/* The pixels, readable between shm_ref_begin and shm_ref_end only. */
pixman_image_t *shm_ref_image(const struct shm_ref *ref);
void shm_ref_begin(const struct shm_ref *ref);
void shm_ref_end(const struct shm_ref *ref);

#endif
