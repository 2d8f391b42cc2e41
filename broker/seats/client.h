/* SPDX-License-Identifier: MIT */
/* One connection on a seat's socket, speaking the seatd protocol. */
#ifndef SEATMUX_CLIENT_H
#define SEATMUX_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "connection.h"
#include "list.h"
#include "seat_rules.h"
#include "state.h"

struct seat;

struct client_device {
	struct list link;
	int id;
	int fd;			/* the broker's copy: revoking it revokes all */
	int refs;
	enum device_kind kind;
	dev_t devnum;
	uint32_t lessee_id;	/* non-zero: fd is a DRM lease of a split card */
	/* Revoked while the seat was taken (an evdev device cannot be given
	 * back): the client closes it, and an open of its node is a new one. */
	bool revoked;
	char path[64];
};

struct client {
	struct list link;	/* seat->clients */
	struct seat *seat;
	struct connection conn;
	struct loop_source *src;
	uint64_t key;		/* its name in the fd store: client/SEAT/KEY */
	pid_t pid;
	uid_t uid;
	bool opened;		/* between OPEN_SEAT and CLOSE_SEAT */
	bool disabled;		/* the seat is taken: told DISABLE, not ENABLE yet */
	/* Given the seat back: its input reader is woken once it reopened
	 * its devices (evdev_nudge.h). */
	bool nudge_due;
	struct loop_source *nudge;
	struct list devices;
	int ndevices;
	int next_id;
};

/* Takes fd; closes it when the peer may not use this seat. */
struct client *client_create(struct seat *seat, int fd);
/* Revokes every device the client holds and drops the connection. */
void client_destroy(struct client *c);
/* A device left the system: revoke it if the client holds it. */
void client_device_gone(struct client *c, dev_t devnum);

/*
 * The seat is taken from its session as a VT switch away takes it, and
 * given back as a switch back does (seatd's rules): client_disable cuts
 * the client off its devices at once (evdev revoked for good, DRM master
 * dropped) and tells it DISABLE_SEAT; client_enable gives it DRM master
 * again and tells it ENABLE_SEAT, and it opens its input devices anew.
 * -1: the client could not be told and is gone (client_destroy).
 */
int client_disable(struct client *c);
int client_enable(struct client *c);

/*
 * Across a restart of seatmuxd: the connection and every device fd are
 * kept in systemd's store while the client is; client_save writes what
 * else a seatmuxd started again needs, client_restore takes the seat's
 * clients back (their connections and devices as they were), and
 * client_release lets go of one without touching the kept fds.
 */
void client_save(const struct client *c, FILE *f);
/* -1 when a device a client held was kept no more: the client's copy
 * can no longer be revoked, and its session must end. */
int client_restore(struct seat *seat, struct state *st);
void client_release(struct client *c);
/* After a restart, once udev's devices are known: a device taken back
 * that is gone or another seat's now (it moved while nobody watched) is
 * revoked. */
void client_check_devices(struct client *c);

#endif
