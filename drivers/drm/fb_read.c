// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "fb_read.h"

static bool wanted(const struct fb_heads *heads, uint32_t connector)
{
	if (!heads || !heads->n)
		return true;
	for (int i = 0; i < heads->n; i++)
		if (heads->connectors[i] == connector)
			return true;
	return false;
}

/* The framebuffer on the CRTC of the first connected connector of heads
 * that has one lit; 0 if none. As the connectors are now, never probed: a
 * projection asks this every frame, and a probe of a USB or virtual head
 * can take seconds. */
static uint32_t shown_fb(int fd, const struct fb_heads *heads)
{
	drmModeRes *res = drmModeGetResources(fd);
	uint32_t fb = 0;

	for (int i = 0; res && i < res->count_connectors && !fb; i++) {
		drmModeConnector *conn = wanted(heads, res->connectors[i]) ?
					 drmModeGetConnectorCurrent(fd, res->connectors[i]) : NULL;
		/* A station's own connector counts if lit, monitor or not
		 * (a head lit by force, which QEMU reports as empty). */
		bool counts = conn && (conn->connection == DRM_MODE_CONNECTED ||
				       (heads && heads->n));
		drmModeEncoder *enc = counts && conn->encoder_id ?
				      drmModeGetEncoder(fd, conn->encoder_id) : NULL;
		drmModeCrtc *crtc = enc && enc->crtc_id ? drmModeGetCrtc(fd, enc->crtc_id) : NULL;

		if (crtc && crtc->mode_valid)
			fb = crtc->buffer_id;
		drmModeFreeCrtc(crtc);
		drmModeFreeEncoder(enc);
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	return fb;
}

static int map_dumb(int fd, const drmModeFB2 *fb, struct fb_map *m)
{
	struct drm_mode_map_dumb map = { .handle = fb->handles[0] };

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;	/* not a dumb buffer */
	m->size = (size_t)fb->pitches[0] * fb->height + fb->offsets[0];
	m->base = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, (off_t)map.offset);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		return -errno;
	}
	m->pixels = (const uint8_t *)m->base + fb->offsets[0];
	m->width = fb->width;
	m->height = fb->height;
	m->stride = fb->pitches[0];
	m->fb_id = fb->fb_id;
	return 0;
}

/* Handles are ours to close, one per distinct plane buffer: the mapping
 * holds the buffer on its own. */
static void close_handles(int fd, const drmModeFB2 *fb)
{
	for (int i = 0; i < 4; i++) {
		bool seen = false;

		for (int j = 0; j < i; j++)
			seen |= fb->handles[j] == fb->handles[i];
		if (fb->handles[i] && !seen)
			drmCloseBufferHandle(fd, fb->handles[i]);
	}
}

int fb_map_card(int fd, const struct fb_heads *heads, struct fb_map *m)
{
	uint32_t id = shown_fb(fd, heads);
	drmModeFB2 *fb;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!id)
		return -ENOENT;
	fb = drmModeGetFB2(fd, id);
	if (!fb)
		return -errno;
	if (!fb->handles[0])
		rc = -EACCES;	/* no CAP_SYS_ADMIN: no handle given */
	else if ((fb->pixel_format != DRM_FORMAT_XRGB8888 &&
		  fb->pixel_format != DRM_FORMAT_ARGB8888) || fb->modifier != DRM_FORMAT_MOD_LINEAR)
		rc = -EOPNOTSUPP;
	else
		rc = map_dumb(fd, fb, m);
	close_handles(fd, fb);
	drmModeFreeFB2(fb);
	return rc;
}

void fb_unmap(struct fb_map *m)
{
	if (m->base)
		munmap(m->base, m->size);
	m->base = NULL;
}

int fb_read_card(int fd, const struct fb_heads *heads, struct fb_image *img)
{
	struct fb_map m;
	int rc = fb_map_card(fd, heads, &m);

	memset(img, 0, sizeof(*img));
	if (rc < 0)
		return rc;
	img->pixels = malloc((size_t)m.width * m.height * 4);
	if (img->pixels) {
		for (uint32_t y = 0; y < m.height; y++)
			memcpy(img->pixels + (size_t)y * m.width, m.pixels + (size_t)y * m.stride,
			       (size_t)m.width * 4);
		img->width = (int)m.width;
		img->height = (int)m.height;
	}
	fb_unmap(&m);
	return img->pixels ? 0 : -ENOMEM;
}

void fb_image_free(struct fb_image *img)
{
	free(img->pixels);
	img->pixels = NULL;
}
