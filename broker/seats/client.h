/* One connection on a seat's socket, speaking the seatd protocol. */
#ifndef SEATMUX_CLIENT_H
#define SEATMUX_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "connection.h"
#include "list.h"
#include "seat_rules.h"

struct seat;

struct client_device {
	struct list link;
	int id;
	int fd;			/* the broker's copy: revoking it revokes all */
	int refs;
	enum device_kind kind;
	dev_t devnum;
	uint32_t lessee_id;	/* non-zero: fd is a DRM lease of a split card */
	char path[64];
};

struct client {
	struct list link;	/* seat->clients */
	struct seat *seat;
	struct connection conn;
	struct loop_source *src;
	pid_t pid;
	uid_t uid;
	bool opened;		/* between OPEN_SEAT and CLOSE_SEAT */
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

#endif
