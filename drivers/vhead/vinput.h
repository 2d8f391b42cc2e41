/* SPDX-License-Identifier: MIT */
/*
 * The virtual keyboard and pointer of a remote station (an RDP client, a
 * zero client): uinput devices made with libevdev, which udev, libinput
 * and the broker see like any keyboard and mouse. The pointer is absolute,
 * sized to the station's head, with five buttons and both wheels.
 */
#ifndef SEATMUX_VINPUT_H
#define SEATMUX_VINPUT_H

#include <stdbool.h>
#include <sys/types.h>

struct vinput;

/* Devices named "seatmux LABEL keyboard" and "seatmux LABEL pointer"
 * (udev rules match the names); NULL with errno set. */
struct vinput *vinput_create(const char *label, int width, int height);
/* The same, with phys (at most 63 bytes) set on both: what a udev rule
 * seats them by when their name is shared. */
struct vinput *vinput_create_at(const char *label, const char *phys, int width, int height);
/* Devices a seatmuxd before this one made, from their uinput fds (kept
 * in systemd's store across its restart), now taken. NULL on ENOMEM. */
struct vinput *vinput_adopt(int keyboard_fd, int pointer_fd);
void vinput_destroy(struct vinput *vi);
/* Lets go of the devices without destroying them: they live on as long
 * as another copy of their fds is open (systemd's store, a sink's). */
void vinput_release(struct vinput *vi);
/* evdev codes; each call is one complete event (with its SYN_REPORT). */
int vinput_key(struct vinput *vi, unsigned code, bool down);
int vinput_move(struct vinput *vi, int x, int y);
int vinput_button(struct vinput *vi, unsigned code, bool down);
/* Wheel clicks: vertical (positive: away from the user) or horizontal. */
int vinput_wheel(struct vinput *vi, bool horizontal, int clicks);
/* The uinput fds, for a process that writes the events itself (a sink). */
int vinput_keyboard_fd(const struct vinput *vi);
int vinput_pointer_fd(const struct vinput *vi);
/* The kernel's names of the two devices ("input17": their event nodes'
 * parents), from their uinput fds: 0 or -errno. */
#define VINPUT_SYSNAME_MAX 32
int vinput_sysnames(const struct vinput *vi, char keyboard[VINPUT_SYSNAME_MAX],
		    char pointer[VINPUT_SYSNAME_MAX]);
/* The two devices' event nodes' device numbers, from sysfs (adopted
 * ones too): 0, or -errno; a number is 0 while the kernel has no node. */
int vinput_devnums(const struct vinput *vi, dev_t out[2]);
/* The event nodes, e.g. for udev rules or tests ("" if unknown, or
 * adopted). */
const char *vinput_keyboard_node(const struct vinput *vi);
const char *vinput_pointer_node(const struct vinput *vi);

#endif
