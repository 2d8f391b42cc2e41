/* SPDX-License-Identifier: MIT */
/* The broker's state, passed explicitly to every part that needs it. */
#ifndef SEATMUX_BROKER_H
#define SEATMUX_BROKER_H

#include <stdbool.h>

#include "config.h"
#include "console.h"
#include "devices.h"
#include "list.h"
#include "loop.h"
#include "platform.h"
#include "roam_rules.h"
#include "state.h"
#include "station_names.h"
#include "udev_job.h"

struct api;
struct child;
struct controls;
struct station_watch;
struct rdp;
struct station_kind;
struct station_map;
struct usbip;

#define BROKER_MAX_KINDS 4

struct broker {
	struct config cfg;
	struct loop *loop;
	struct devices devices;
	enum platform_kind platform;
	bool physical_heads;		/* stations on the machine's own heads */
	struct console console;
	const char *session_helper;	/* NULL: the installed seatmux-session */
	struct list seats;
	struct list lease_cards;	/* struct lease_card: split cards */
	struct list screens;		/* struct screen: what the broker shows */
	struct list painters_ending;	/* struct painter_end: screens.c */
	struct list pictures;		/* struct kept: screenshot.c */
	struct station_map *map;	/* mapping keyboards to heads */
	struct udev_jobs udev_jobs;	/* udev told, one job at a time */
	struct mode_switch *mode_switch;	/* one telling udev, or NULL */
	struct child *mode_settle;	/* udevadm settle after a mode switch */
	/* The kinds of station served here, each for one origin of heads. */
	const struct station_kind *kinds[BROKER_MAX_KINDS];
	int nkinds;
	struct rdp *rdp;		/* remote stations, or NULL */
	struct usbip *usbip;		/* USB/IP stations, or NULL */
	struct api *api;		/* the room's D-Bus interface, or NULL */
	struct controls *controls;	/* stations taken control of from afar */
	struct station_watch *watch;	/* stations watched from afar */
	struct station_names names;	/* what the room calls its stations */
	struct roam_table roam;		/* stations' devices in their users' sessions */
	/* This run's, at random: the ids it makes (a station's Picture)
	 * are not any earlier run's, whose counts started as its own do. */
	uint64_t run_id;
	const char *config_path;	/* read again on SIGHUP */
	/* Across restarts (state.h): what the last seatmuxd left, while
	 * this one takes it back (NULL after); keys for names in the fd
	 * store; whether the state file must be written again. */
	struct state *restored;
	uint64_t next_key;
	bool state_dirty;
	int signal_fd;
	bool running;
	int stop_signal;		/* SIGTERM or SIGINT ended the loop */
	bool starting;			/* until READY=1: a failure leaves it all */
	bool running_state_kept;	/* SIGTERM of a restart: leave it all */
};

/* picture-max-age: how long a helper's word that a head did not change
 * is trusted (head_looks.h), and a kept picture given again. */
static inline uint64_t broker_picture_max_age_ms(const struct broker *b)
{
	return (uint64_t)b->cfg.picture_max_age_s * 1000;
}

/* Something the state file records changed: it is written again once
 * the loop has handled what is pending. */
static inline void broker_changed(struct broker *b)
{
	b->state_dirty = true;
}

#endif
