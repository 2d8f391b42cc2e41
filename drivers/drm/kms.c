// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <drm_fourcc.h>
#include <xf86drm.h>

#include "drm_props.h"
#include "kms.h"

int kms_connectors(int fd, uint32_t *ids, int max, bool all)
{
	drmModeRes *res = drmModeGetResources(fd);
	int n = 0;

	if (!res)
		return -errno;
	for (int i = 0; i < res->count_connectors && n < max; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);

		if (c && (all || (c->connection == DRM_MODE_CONNECTED && c->count_modes > 0)))
			ids[n++] = c->connector_id;
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return n;
}

/* VESA DMT 1024x768@60 */
static const drmModeModeInfo fallback_mode = {
	.clock = 65000,
	.hdisplay = 1024, .hsync_start = 1048, .hsync_end = 1184, .htotal = 1344,
	.vdisplay = 768, .vsync_start = 771, .vsync_end = 777, .vtotal = 806,
	.vrefresh = 60,
	.flags = DRM_MODE_FLAG_NHSYNC | DRM_MODE_FLAG_NVSYNC,
	.type = DRM_MODE_TYPE_DRIVER,
	.name = "1024x768",
};

static void pick_mode(struct kms_head *head, drmModeConnector *conn,
		      int width, int height)
{
	if (conn->count_modes == 0) {
		head->mode = fallback_mode;
		return;
	}
	head->mode = conn->modes[0];
	for (int i = 0; i < conn->count_modes; i++) {
		drmModeModeInfo *m = &conn->modes[i];

		if (width && height) {
			if (m->hdisplay == width && m->vdisplay == height) {
				head->mode = *m;
				return;
			}
		} else if (m->type & DRM_MODE_TYPE_PREFERRED) {
			head->mode = *m;
			return;
		}
	}
}

/* The CRTC driving the connector now, if the fd may use it: -1 if none. */
static int current_crtc(int fd, drmModeRes *res, drmModeConnector *conn)
{
	drmModeEncoder *enc = conn->encoder_id ? drmModeGetEncoder(fd, conn->encoder_id) : NULL;
	int found = -1;

	for (int i = 0; enc && enc->crtc_id && i < res->count_crtcs; i++)
		if (res->crtcs[i] == enc->crtc_id)
			found = i;
	drmModeFreeEncoder(enc);
	return found;
}

/*
 * A CRTC the connector's encoders can drive; the fd may expose few. The
 * one driving it now comes first: a session and the broker's screens
 * taking turns on a head then move no connector between CRTCs, which an
 * atomic commit of the other one (leaving a CRTC lit with nothing to
 * show) would fail.
 */
static int pick_crtc(int fd, drmModeRes *res, drmModeConnector *conn,
		     uint32_t *crtc_id, int *crtc_index)
{
	int now = current_crtc(fd, res, conn);

	if (now >= 0) {
		*crtc_id = res->crtcs[now];
		*crtc_index = now;
		return 0;
	}
	for (int e = 0; e < conn->count_encoders; e++) {
		drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoders[e]);

		if (!enc)
			continue;
		for (int i = 0; i < res->count_crtcs; i++) {
			if (enc->possible_crtcs & (1u << i)) {
				*crtc_id = res->crtcs[i];
				*crtc_index = i;
				drmModeFreeEncoder(enc);
				return 0;
			}
		}
		drmModeFreeEncoder(enc);
	}
	return -ENODEV;
}

/* The mode crtc shows now into *mode, if it is lit; else *mode stays. */
static void keep_crtc_mode(int fd, uint32_t crtc_id, drmModeModeInfo *mode)
{
	drmModeCrtc *crtc = drmModeGetCrtc(fd, crtc_id);

	if (crtc && crtc->mode_valid)
		*mode = crtc->mode;
	drmModeFreeCrtc(crtc);
}

/* Atomic needs every property below; any missing one means legacy. */
static bool atomic_props(struct kms_head *h)
{
	struct kms_props *p = &h->props;
	int fd = h->fd;
	uint32_t pl = DRM_MODE_OBJECT_PLANE;

	p->fb_id = drm_prop_id(fd, h->plane_id, pl, "FB_ID", NULL);
	p->crtc_id = drm_prop_id(fd, h->plane_id, pl, "CRTC_ID", NULL);
	p->src_x = drm_prop_id(fd, h->plane_id, pl, "SRC_X", NULL);
	p->src_y = drm_prop_id(fd, h->plane_id, pl, "SRC_Y", NULL);
	p->src_w = drm_prop_id(fd, h->plane_id, pl, "SRC_W", NULL);
	p->src_h = drm_prop_id(fd, h->plane_id, pl, "SRC_H", NULL);
	p->crtc_x = drm_prop_id(fd, h->plane_id, pl, "CRTC_X", NULL);
	p->crtc_y = drm_prop_id(fd, h->plane_id, pl, "CRTC_Y", NULL);
	p->crtc_w = drm_prop_id(fd, h->plane_id, pl, "CRTC_W", NULL);
	p->crtc_h = drm_prop_id(fd, h->plane_id, pl, "CRTC_H", NULL);
	p->fb_damage_clips = drm_prop_id(fd, h->plane_id, pl, "FB_DAMAGE_CLIPS", NULL);
	p->mode_id = drm_prop_id(fd, h->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL);
	p->active = drm_prop_id(fd, h->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", NULL);
	p->conn_crtc_id = drm_prop_id(fd, h->connector_id, DRM_MODE_OBJECT_CONNECTOR,
				  "CRTC_ID", NULL);
	return p->fb_id && p->crtc_id && p->src_x && p->src_y && p->src_w &&
	       p->src_h && p->crtc_x && p->crtc_y && p->crtc_w && p->crtc_h &&
	       p->mode_id && p->active && p->conn_crtc_id;
}

static int buffer_create(int fd, struct kms_buffer *b, uint32_t w, uint32_t h)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_destroy_dumb destroy = { 0 };
	uint32_t handles[4] = { 0 }, strides[4] = { 0 }, offsets[4] = { 0 };
	int err;

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0)
		return -errno;
	b->handle = create.handle;
	b->stride = create.pitch;
	b->size = create.size;
	handles[0] = b->handle;
	strides[0] = b->stride;
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, strides,
			  offsets, &b->fb_id, 0) < 0)
		goto err_dumb;
	map.handle = b->handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
		goto err_fb;
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      (off_t)map.offset);
	if (b->map == MAP_FAILED)
		goto err_fb;
	memset(b->map, 0, b->size);
	return 0;

err_fb:
	err = -errno;
	drmModeRmFB(fd, b->fb_id);
	goto out;
err_dumb:
	err = -errno;
out:
	destroy.handle = b->handle;
	drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	memset(b, 0, sizeof(*b));
	return err;
}

static int buffer_alias(int fd, struct kms_buffer *b, uint32_t w, uint32_t h)
{
	uint32_t handles[4] = { b->handle }, strides[4] = { b->stride }, offsets[4] = { 0 };

	return drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, strides, offsets,
			     &b->fb_alias, 0) < 0 ? -errno : 0;
}

static void buffer_destroy(int fd, struct kms_buffer *b)
{
	struct drm_mode_destroy_dumb destroy = { .handle = b->handle };

	if (!b->handle)
		return;
	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, b->size);
	if (b->fb_alias)
		drmModeRmFB(fd, b->fb_alias);
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	memset(b, 0, sizeof(*b));
}

/* The index of crtc_id among the card's CRTCs, or -ENODEV. */
static int crtc_index_of(drmModeRes *res, uint32_t crtc_id)
{
	for (int i = 0; i < res->count_crtcs; i++)
		if (res->crtcs[i] == crtc_id)
			return i;
	return -ENODEV;
}

/* crtc_id and plane_id: those to use (a lease's), or 0 to pick. */
static int head_resources(struct kms_head *h, uint32_t connector_id, uint32_t crtc_id,
			  uint32_t plane_id, int width, int height, unsigned flags)
{
	drmModeRes *res = drmModeGetResources(h->fd);
	drmModeConnector *conn = NULL;
	int crtc_index = 0, err = -ENODEV;

	if (!res)
		return -errno;
	/*
	 * Every caller has just probed (kms_connectors, kms_head_probe): the
	 * kernel's state is that look's. Probing again costs a USB display
	 * an EDID read over the wire, 128 requests, seconds over USB/IP.
	 */
	conn = drmModeGetConnectorCurrent(h->fd, connector_id);
	if (!conn || (!(flags & (KMS_FORCE_CONNECTED | KMS_KEEP_MODE)) &&
		      (conn->connection != DRM_MODE_CONNECTED || !conn->count_modes)))
		goto out;
	snprintf(h->name, sizeof(h->name), "%s-%u",
		 drmModeGetConnectorTypeName(conn->connector_type) ?
		 drmModeGetConnectorTypeName(conn->connector_type) : "Unknown",
		 conn->connector_type_id);
	pick_mode(h, conn, width, height);
	if (crtc_id) {
		h->crtc_id = crtc_id;
		err = crtc_index = crtc_index_of(res, crtc_id);
	} else {
		err = pick_crtc(h->fd, res, conn, &h->crtc_id, &crtc_index);
	}
	if (err < 0)
		goto out;
	err = 0;
	if (flags & KMS_KEEP_MODE)
		keep_crtc_mode(h->fd, h->crtc_id, &h->mode);
	h->connector_id = connector_id;
	if (!(flags & KMS_FORCE_LEGACY) &&
	    drmSetClientCap(h->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0 &&
	    drmSetClientCap(h->fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0) {
		h->plane_id = plane_id ? plane_id : drm_primary_plane(h->fd, crtc_index);
		h->atomic = h->plane_id && atomic_props(h);
	}
	if (!h->atomic)
		h->plane_id = 0;
out:
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	return err;
}

int kms_head_init(struct kms_head *h, int fd, uint32_t connector_id,
		  int width, int height, unsigned flags, kms_flip_fn on_flip,
		  void *data)
{
	return kms_head_init_on(h, fd, connector_id, 0, 0, width, height, flags, on_flip, data);
}

int kms_head_init_on(struct kms_head *h, int fd, uint32_t connector_id, uint32_t crtc_id,
		     uint32_t plane_id, int width, int height, unsigned flags,
		     kms_flip_fn on_flip, void *data)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->fd = fd;
	h->on_flip = on_flip;
	h->data = data;
	h->sync = flags & KMS_SYNC;
	err = head_resources(h, connector_id, crtc_id, plane_id, width, height, flags);
	if (err < 0)
		return err;
	h->nbuffers = flags & KMS_SINGLE_BUFFER ? 1 : 2;
	for (int i = 0; i < h->nbuffers; i++) {
		err = buffer_create(fd, &h->buffers[i], h->mode.hdisplay,
				    h->mode.vdisplay);
		if (err < 0) {
			kms_head_finish(h);
			return err;
		}
	}
	if (h->atomic && h->nbuffers == 1 && (flags & KMS_DAMAGE_NEEDS_NEW_FB)) {
		err = buffer_alias(fd, &h->buffers[0], h->mode.hdisplay, h->mode.vdisplay);
		if (err < 0) {
			kms_head_finish(h);
			return err;
		}
	}
	return 0;
}

int kms_head_probe(const struct kms_head *h, int width, int height, unsigned flags)
{
	drmModeConnector *conn = drmModeGetConnector(h->fd, h->connector_id);
	struct kms_head now;
	int rc;

	if (!conn)
		return -errno;
	if (!(flags & KMS_FORCE_CONNECTED) &&
	    (conn->connection != DRM_MODE_CONNECTED || !conn->count_modes)) {
		rc = KMS_PROBE_GONE;
	} else {
		pick_mode(&now, conn, width, height);
		rc = now.mode.hdisplay == h->mode.hdisplay && now.mode.vdisplay == h->mode.vdisplay &&
		     now.mode.clock == h->mode.clock ? KMS_PROBE_SAME : KMS_PROBE_NEW_MODE;
	}
	drmModeFreeConnector(conn);
	return rc;
}

void kms_head_finish(struct kms_head *h)
{
	for (int i = 0; i < 2; i++)
		buffer_destroy(h->fd, &h->buffers[i]);
}

struct kms_buffer *kms_head_back(struct kms_head *h)
{
	return &h->buffers[h->back];
}

const char *kms_head_path(const struct kms_head *h)
{
	return h->atomic ? "atomic" : "legacy";
}

static int add(drmModeAtomicReq *req, uint32_t obj, uint32_t prop, uint64_t v)
{
	return drmModeAtomicAddProperty(req, obj, prop, v) < 0 ? -1 : 0;
}

static int present_atomic(struct kms_head *h, struct kms_buffer *b,
			  const struct kms_rect *damage, int n)
{
	uint32_t flags = h->sync ? 0 : DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK;
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	uint32_t mode_blob = 0, clips_blob = 0;
	struct kms_props *p = &h->props;
	uint32_t w = h->mode.hdisplay, hh = h->mode.vdisplay;
	int err = -ENOMEM;

	if (!req)
		return err;
	if (!h->modeset_done) {
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		if (drmModeCreatePropertyBlob(h->fd, &h->mode, sizeof(h->mode), &mode_blob) < 0)
			goto out_errno;
		if (add(req, h->crtc_id, p->mode_id, mode_blob) ||
		    add(req, h->crtc_id, p->active, 1) ||
		    add(req, h->connector_id, p->conn_crtc_id, h->crtc_id))
			goto out_errno;
	}
	if (n > 0 && p->fb_damage_clips &&
	    drmModeCreatePropertyBlob(h->fd, damage, sizeof(*damage) * (size_t)n, &clips_blob) == 0 &&
	    add(req, h->plane_id, p->fb_damage_clips, clips_blob))
		goto out_errno;
	if (add(req, h->plane_id, p->fb_id, h->use_alias ? b->fb_alias : b->fb_id) ||
	    add(req, h->plane_id, p->crtc_id, h->crtc_id) ||
	    add(req, h->plane_id, p->src_x, 0) || add(req, h->plane_id, p->src_y, 0) ||
	    add(req, h->plane_id, p->src_w, (uint64_t)w << 16) ||
	    add(req, h->plane_id, p->src_h, (uint64_t)hh << 16) ||
	    add(req, h->plane_id, p->crtc_x, 0) || add(req, h->plane_id, p->crtc_y, 0) ||
	    add(req, h->plane_id, p->crtc_w, w) || add(req, h->plane_id, p->crtc_h, hh))
		goto out_errno;
	err = drmModeAtomicCommit(h->fd, req, flags, h) < 0 ? -errno : h->sync;
	goto out;

out_errno:
	err = -errno;
out:
	if (clips_blob)
		drmModeDestroyPropertyBlob(h->fd, clips_blob);
	if (mode_blob)
		drmModeDestroyPropertyBlob(h->fd, mode_blob);
	drmModeAtomicFree(req);
	return err;
}

/* Legacy drivers learn what changed from DirtyFB, before the flip. */
static int present_legacy(struct kms_head *h, struct kms_buffer *b,
			  const struct kms_rect *damage, int n)
{
	drmModeClip clips[KMS_MAX_DAMAGE];
	uint32_t conn = h->connector_id;
	int i;

	for (i = 0; i < n && i < KMS_MAX_DAMAGE; i++) {
		clips[i].x1 = (uint16_t)damage[i].x1;
		clips[i].y1 = (uint16_t)damage[i].y1;
		clips[i].x2 = (uint16_t)damage[i].x2;
		clips[i].y2 = (uint16_t)damage[i].y2;
	}
	/* ENOSYS: the driver scans out directly and needs no dirty rects. */
	if (drmModeDirtyFB(h->fd, b->fb_id, i ? clips : NULL, (uint32_t)i) < 0 &&
	    errno != ENOSYS)
		return -errno;
	if (!h->modeset_done || h->sync) {
		if (drmModeSetCrtc(h->fd, h->crtc_id, b->fb_id, 0, 0, &conn, 1, &h->mode) < 0)
			return -errno;
		/* No event comes for SetCrtc: the flip is done at once
		 * (KMS_SYNC: each frame, since a flip would need one). */
		return 1;
	}
	/* One buffer: it is on screen already, DirtyFB said what changed. */
	if (h->nbuffers == 1)
		return 1;
	return drmModePageFlip(h->fd, h->crtc_id, b->fb_id, DRM_MODE_PAGE_FLIP_EVENT, h) < 0 ?
	       -errno : 0;
}

int kms_head_present(struct kms_head *h, const struct kms_rect *damage, int n)
{
	struct kms_buffer *b = &h->buffers[h->back];
	int rc;

	if (h->flip_pending)
		return -EBUSY;
	if (n > KMS_MAX_DAMAGE)
		n = 0;		/* too fragmented: say "everything" */
	rc = h->atomic ? present_atomic(h, b, damage, n) : present_legacy(h, b, damage, n);
	if (rc < 0)
		return rc;
	h->modeset_done = true;
	h->back = h->nbuffers > 1 ? h->back ^ 1 : 0;
	h->use_alias = b->fb_alias && !h->use_alias;
	if (rc == 1) {
		if (h->on_flip)
			h->on_flip(h, 0, 0, h->data);
		return 0;
	}
	h->flip_pending = true;
	return 0;
}

static void flip_done(int fd, unsigned int seq, unsigned int sec,
		      unsigned int usec, unsigned int crtc, void *data)
{
	struct kms_head *h = data;

	h->flip_pending = false;
	if (h->on_flip)
		h->on_flip(h, (uint64_t)sec * 1000000u + usec, seq, h->data);
}

int kms_dispatch(int fd)
{
	drmEventContext ctx = {
		.version = 3,
		.page_flip_handler2 = flip_done,
	};

	return drmHandleEvent(fd, &ctx) < 0 ? -errno : 0;
}
