/* SPDX-License-Identifier: MIT */
/*
 * Input for the station: libinput over the seat's evdev devices, every
 * one opened through libseat (so through seatmuxd, which only hands out
 * the seat's own), fed to seat.c.
 */
#ifndef SEATMUX_COMPOSITOR_INPUT_H
#define SEATMUX_COMPOSITOR_INPUT_H

struct libseat;
struct server;

/* Starts libinput on the seat's devices (none without a seat); 0 or -1. */
int input_start(struct server *server, struct libseat *seat);
void input_stop(struct server *server);
/* The seat was taken: every device is closed (through libseat). */
void input_suspend(struct server *server);
/* The seat is back: the devices are opened again. 0 or -1. */
int input_resume(struct server *server);

#endif
