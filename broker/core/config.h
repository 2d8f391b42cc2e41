/* SPDX-License-Identifier: MIT */
/* /etc/seatmux/seatmux.conf: an ini file parsed with inih. */
#ifndef SEATMUX_CONFIG_H
#define SEATMUX_CONFIG_H

#include <stdbool.h>

#include "allow.h"
#include "list.h"
#include "log.h"
#include "seat_proto.h"
#include "session_spec.h"

#define CONFIG_MAX_ENV SESSION_SPEC_MAX_ENV
#define CONFIG_MAX_CONNECTORS 8

struct seat_config {
	struct list link;
	char name[SEAT_PROTO_MAX_SEAT];
	struct session_spec spec;	/* its session */
	/* "0000:00:08.0/Virtual-2": connectors of a card given to this seat */
	char *connectors[CONFIG_MAX_CONNECTORS];
	int nconnectors;
};

#define CONFIG_MAX_RDP_USERS 32

/* [rdp.user.NAME]: one user's remote session, instead of [rdp]'s. */
struct rdp_user_config {
	char *name;
	char *application;
	char *command;
	char *env[CONFIG_MAX_ENV + 1];
	int nenv;
};

/* [rdp]: remote stations, a seat per authenticated RDP connection. */
struct rdp_config {
	int enabled;		/* 1 yes, 0 no, -1 auto (on when physical heads are off) */
	char *address;		/* numeric listen address, default :: */
	int port;		/* default 3389 */
	int vsock_port;		/* also AF_VSOCK (Hyper-V enhanced session), 0: no */
	char *group;		/* allowed group, NULL: any account */
	char *pam_service;	/* logons; default [broker]'s */
	char *tls_dir;		/* cert.pem and key.pem, made if absent */
	char *sink_user;	/* the sinks run in this account's group (nobody) */
	char *application;	/* the session: inside seatmux-compositor */
	char *command;		/* or a command, as for seats */
	/* A login screen for connections without credentials, or whose
	 * credentials failed: a greetd greeter, as [seat.X] greeter. */
	char *greeter;
	char *log_path;		/* sessions' output, "%s" becomes the seat */
	int keep_s;		/* a disconnected station waits this long */
	int max_pending;	/* connections not yet logged on, at most */
	int max_pending_origin;	/* of them from one origin; 0: a quarter */
	struct rdp_user_config users[CONFIG_MAX_RDP_USERS];
	int nusers;
};

#define CONFIG_MAX_STATIONS 64
#define CONFIG_STATION_NAME 32

/* [station.NAME]: a USB-over-Ethernet zero client. */
struct station_config {
	char name[CONFIG_STATION_NAME];
	char seat[SEAT_PROTO_MAX_SEAT];	/* default "seat-NAME" */
	char *address;
	int port;			/* default 3240 */
	bool plain;			/* unauthenticated USB/IP, declared so */
	char *peer;			/* the station's pinned certificate or CA */
	struct usbip_allow allow;
};

/* [usbip]: what all stations share. */
struct usbip_config {
	char *cert, *key;		/* ours; made in tls-dir if not given */
	char *tls_dir;			/* default /var/lib/seatmux/usbip */
	char *link_user;		/* links run in this account's group (nobody) */
	int grace_s;			/* a station gone keeps its session this long */
	int timeout_s;			/* connect, handshake and import, each */
	struct station_config stations[CONFIG_MAX_STATIONS];
	int nstations;
};

struct config {
	char *platform;		/* "auto" or a platform_name() */
	enum log_level log_level;
	bool console;		/* keep the VT off seat0's head and keyboard */
	int physical_heads;	/* 1 yes, 0 no, -1 auto (not under Hyper-V) */
	char *socket_dir;
	char *pam_service;	/* sessions open through it; default "seatmux" */
	char *greeter_user;	/* greeters run as it; default "seatmux-greeter" */
	/* A user logging on while their session is in use at another
	 * station: it comes to them (yes, the default, as a Windows
	 * reconnection does), or the logon is refused. A session whose
	 * station is away always comes. */
	bool roaming_takes_over;
	/* A station's picture given again while its kind says its head did
	 * not change (an RDP sink's word): for this long at most. */
	int picture_max_age_s;
	struct list seats;
	struct rdp_config rdp;
	struct usbip_config usbip;
	char error[512];	/* "file:line: what" after a failed load */
};

void config_init(struct config *cfg);
void config_finish(struct config *cfg);
/* Returns 0, or -1 with cfg->error set. A missing file is not an error. */
int config_load(struct config *cfg, const char *path);
int config_load_string(struct config *cfg, const char *text, const char *name);
/* A reload: dst's [seat.NAME] sections become src's (src keeps none). */
void config_take_seats(struct config *dst, struct config *src);
const struct seat_config *config_seat(const struct config *cfg,
				      const char *name);
bool config_valid_seat_name(const char *name);
/* [rdp.user.NAME] of user, or NULL. */
const struct rdp_user_config *config_rdp_user(const struct config *cfg, const char *user);
const struct station_config *config_station(const struct config *cfg, const char *name);
/* A station's own copy of its section (strings duplicated): 0, or -1. */
int config_station_copy(struct station_config *dst, const struct station_config *src);
void config_station_free(struct station_config *sc);
bool config_station_equal(const struct station_config *a, const struct station_config *b);
/* A fingerprint of what config_station_equal compares (FNV-1a): a
 * restarted seatmuxd takes a station back only if its section is the
 * same. */
unsigned long long config_station_digest(const struct station_config *sc);
/* A reload: dst's [station.NAME] sections become src's (src keeps none). */
void config_take_stations(struct config *dst, struct config *src);
/* The seat the configuration gives connector `name` of the card in PCI
 * slot `pci` to, or NULL. */
const char *config_connector_seat(const struct config *cfg, const char *pci,
				  const char *name);

#endif
