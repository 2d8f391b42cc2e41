/* SPDX-License-Identifier: MIT */
/*
 * The Wayland display a running session offers: what WAYLAND_DISPLAY its
 * compositor gave the programs it started, as their environment says
 * (the compositor picks the name: wayland-0, wayland-1, ...). A program
 * launched into the session later joins that display.
 */
#ifndef SEATMUX_SESSION_DISPLAY_H
#define SEATMUX_SESSION_DISPLAY_H

#include <stddef.h>
#include <sys/types.h>

#define SESSION_DISPLAY_MAX 64

/* WAYLAND_DISPLAY in env, a block of n bytes of NUL-ended VAR=value
 * strings as /proc/PID/environ holds, if it is a plain socket name (no
 * path, no oddities): 0 with it in out, or -1. No I/O. */
int session_display_pick(const char *env, size_t n, char *out, size_t size);

/* The display of a process in scope that runs as uid and whose socket
 * is uid's in runtime_dir: 0, or -ENXIO if none offers one. */
int session_display_find(const char *scope, uid_t uid, const char *runtime_dir, char *out,
			 size_t size);

#endif
