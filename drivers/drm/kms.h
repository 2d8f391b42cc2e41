/* SPDX-License-Identifier: MIT */
/*
 * KMS output for simple display devices: one connector driven with two
 * dumb buffers (or one, KMS_SINGLE_BUFFER), presented with damage rectangles so that virtual and USB
 * heads (evdi, udl) send only what changed. Atomic KMS where the driver
 * offers it, legacy SetCrtc/PageFlip/DirtyFB otherwise. The fd may be a
 * DRM lease: only the resources the fd exposes are used.
 */
#ifndef SEATMUX_KMS_H
#define SEATMUX_KMS_H

#include <stdbool.h>
#include <stdint.h>
#include <xf86drmMode.h>

#define KMS_MAX_DAMAGE 16

struct kms_rect {
	int32_t x1, y1, x2, y2;	/* x2, y2 exclusive */
};

struct kms_buffer {
	uint32_t handle;
	uint32_t fb_id;
	uint32_t fb_alias;	/* a second framebuffer over it, or 0 */
	uint32_t stride;
	uint64_t size;
	void *map;
};

struct kms_head;

/*
 * Called when a presented frame reached the screen: usec is the flip time
 * (CLOCK_MONOTONIC) and seq the vblank counter, both 0 when the driver
 * gave no event (a legacy mode set without page flip).
 */
typedef void (*kms_flip_fn)(struct kms_head *head, uint64_t usec, uint64_t seq, void *data);

struct kms_props {
	uint32_t fb_id, crtc_id, src_x, src_y, src_w, src_h;
	uint32_t crtc_x, crtc_y, crtc_w, crtc_h, fb_damage_clips;
	uint32_t mode_id, active, conn_crtc_id;
};

struct kms_head {
	int fd;
	bool atomic;
	uint32_t connector_id;
	uint32_t crtc_id;
	uint32_t plane_id;	/* 0 on the legacy path */
	char name[32];		/* connector name, e.g. "Virtual-1" */
	drmModeModeInfo mode;
	struct kms_props props;
	struct kms_buffer buffers[2];
	int nbuffers;		/* 2, or 1 with KMS_SINGLE_BUFFER */
	int back;		/* index of the buffer to draw next */
	bool use_alias;		/* the next commit shows fb_alias */
	bool modeset_done;
	bool flip_pending;
	bool sync;		/* KMS_SYNC */
	kms_flip_fn on_flip;
	void *data;
};

/* The connected connectors of fd (all of them with `all`): up to max ids,
 * returns the count or -errno. */
int kms_connectors(int fd, uint32_t *ids, int max, bool all);
enum kms_flags {
	/* Use SetCrtc/PageFlip/DirtyFB even where atomic is offered. */
	KMS_FORCE_LEGACY = 1 << 0,
	/*
	 * Light a connector that reports no monitor with VESA's 1024x768@60,
	 * as for a head whose monitor does not announce itself (QEMU's
	 * secondary virtio-gpu outputs without a UI, some KVM switches).
	 */
	KMS_FORCE_CONNECTED = 1 << 1,
	/*
	 * One buffer, drawn into while shown: for drivers that scan nothing
	 * out but copy what a commit says changed elsewhere (evdi to its
	 * client, udl over USB). A second buffer there costs a frame of
	 * memory and buys nothing.
	 */
	KMS_SINGLE_BUFFER = 1 << 2,
	/*
	 * The driver reads a commit's damage clips only when the plane's
	 * framebuffer changes, and marks everything dirty otherwise (evdi
	 * 1.12). With one buffer, commits alternate between two framebuffers
	 * over it, so that a small change stays small. Atomic only: a legacy
	 * commit carries no clips anyway.
	 */
	KMS_DAMAGE_NEEDS_NEW_FB = 1 << 3,
	/*
	 * The fd is another process's too (a lessor's master fd, shared by
	 * seatmuxd with its painter): a commit waits for its frame instead
	 * of asking for an event, which whoever reads the fd first would
	 * take. kms_dispatch is never needed.
	 */
	KMS_SYNC = 1 << 4,
	/*
	 * The connector is the caller's whatever it reports (a session's
	 * lease, perhaps lit by force without a monitor): the mode its CRTC
	 * shows now is kept; a dark one is lit with the connector's own
	 * mode (or VESA's, as KMS_FORCE_CONNECTED).
	 */
	KMS_KEEP_MODE = 1 << 5,
};

/* Sets up head for connector_id with its preferred mode (or w x h when
 * both are non-zero), as the last probe (kms_connectors, kms_head_probe)
 * found the connector: it does not probe again. 0 or -errno. */
int kms_head_init(struct kms_head *head, int fd, uint32_t connector_id,
		  int width, int height, unsigned flags, kms_flip_fn on_flip,
		  void *data);
/* The same on the CRTC and primary plane given (a lease's), touching no
 * other; plane_id 0: the CRTC's first primary plane. */
int kms_head_init_on(struct kms_head *head, int fd, uint32_t connector_id, uint32_t crtc_id,
		     uint32_t plane_id, int width, int height, unsigned flags,
		     kms_flip_fn on_flip, void *data);
void kms_head_finish(struct kms_head *head);

enum kms_probe {
	KMS_PROBE_SAME,		/* connected, and the mode to use is the head's */
	KMS_PROBE_NEW_MODE,	/* connected, and another mode is due */
	KMS_PROBE_GONE,		/* nothing connected any more */
};
/* After a hotplug event: what the head's connector says now (with the
 * same width, height and flags as kms_head_init), or -errno. */
int kms_head_probe(const struct kms_head *head, int width, int height, unsigned flags);
/* The buffer to draw the next frame into. */
struct kms_buffer *kms_head_back(struct kms_head *head);
/* Shows the back buffer; damage in buffer coordinates (n == 0: all). */
int kms_head_present(struct kms_head *head, const struct kms_rect *damage,
		     int n);
/* Reads pending events of fd and calls the heads' flip callbacks. */
int kms_dispatch(int fd);
const char *kms_head_path(const struct kms_head *head);

#endif
