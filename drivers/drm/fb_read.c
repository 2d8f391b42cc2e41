#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "fb_read.h"

/* The framebuffer on the CRTC of the first connected connector that has
 * one lit; 0 if none. */
static uint32_t shown_fb(int fd)
{
	drmModeRes *res = drmModeGetResources(fd);
	uint32_t fb = 0;

	for (int i = 0; res && i < res->count_connectors && !fb; i++) {
		drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);
		drmModeEncoder *enc = conn && conn->connection == DRM_MODE_CONNECTED &&
				      conn->encoder_id ? drmModeGetEncoder(fd, conn->encoder_id) : NULL;
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

static int copy_out(int fd, const drmModeFB2 *fb, struct fb_image *img)
{
	struct drm_mode_map_dumb map = { .handle = fb->handles[0] };
	size_t size = (size_t)fb->pitches[0] * fb->height + fb->offsets[0];
	uint8_t *src;

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;	/* not a dumb buffer */
	src = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)map.offset);
	if (src == MAP_FAILED)
		return -errno;
	img->pixels = malloc((size_t)fb->width * fb->height * 4);
	if (img->pixels) {
		for (uint32_t y = 0; y < fb->height; y++)
			memcpy(img->pixels + (size_t)y * fb->width,
			       src + fb->offsets[0] + (size_t)y * fb->pitches[0], (size_t)fb->width * 4);
		img->width = (int)fb->width;
		img->height = (int)fb->height;
	}
	munmap(src, size);
	return img->pixels ? 0 : -ENOMEM;
}

int fb_read_card(int fd, struct fb_image *img)
{
	uint32_t id = shown_fb(fd);
	drmModeFB2 *fb;
	int rc;

	memset(img, 0, sizeof(*img));
	if (!id)
		return -ENOENT;
	fb = drmModeGetFB2(fd, id);
	if (!fb)
		return -errno;
	if (!fb->handles[0])
		rc = -EACCES;	/* not root: no handle given */
	else if ((fb->pixel_format != DRM_FORMAT_XRGB8888 &&
		  fb->pixel_format != DRM_FORMAT_ARGB8888) || fb->modifier != DRM_FORMAT_MOD_LINEAR)
		rc = -EOPNOTSUPP;
	else
		rc = copy_out(fd, fb, img);
	/* Handles are ours to close, one per distinct plane buffer. */
	for (int i = 0; i < 4; i++) {
		bool seen = false;

		for (int j = 0; j < i; j++)
			seen |= fb->handles[j] == fb->handles[i];
		if (fb->handles[i] && !seen)
			drmCloseBufferHandle(fd, fb->handles[i]);
	}
	drmModeFreeFB2(fb);
	return rc;
}

void fb_image_free(struct fb_image *img)
{
	free(img->pixels);
	img->pixels = NULL;
}
