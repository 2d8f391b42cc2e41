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

struct rdp;
struct station_kind;
struct usbip;

#define BROKER_MAX_KINDS 4

struct broker {
	struct config cfg;
	struct loop *loop;
	struct devices devices;
	enum platform_kind platform;
	bool physical_heads;		/* stations on the machine's own heads */
	struct console console;
	struct list seats;
	struct list lease_cards;	/* struct lease_card: split cards */
	/* The kinds of station served here, each for one origin of heads. */
	const struct station_kind *kinds[BROKER_MAX_KINDS];
	int nkinds;
	struct rdp *rdp;		/* remote stations, or NULL */
	struct usbip *usbip;		/* USB/IP stations, or NULL */
	const char *config_path;	/* read again on SIGHUP */
	int signal_fd;
	bool running;
};

#endif
