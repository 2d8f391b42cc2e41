/* SPDX-License-Identifier: MIT */
/*
 * Remote stations over RDP: seatmuxd listens, starts an unprivileged sink
 * per connection (drivers/rdp/sink_main.c), authenticates the credentials
 * the sink relays, and gives each user a station of their own: an evdi
 * card and uinput keyboard and pointer, made a seat by runtime udev
 * rules, whose session runs as that user. A user who disconnects keeps
 * the station for a while and finds the same session on reconnecting.
 */
#ifndef SEATMUX_RDP_H
#define SEATMUX_RDP_H

#include <stdbool.h>
#include <sys/types.h>

struct broker;

/* Listens if [rdp] (or the platform) says so; 0, or -1 on a hard error. */
int rdp_start(struct broker *b);
void rdp_stop(struct broker *b);
/* Whether seat is a remote station's (its virtual head is wanted). */
bool rdp_owns_seat(struct broker *b, const char *seat);

#endif
