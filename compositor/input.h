/*
 * Input for the station: libinput over the seat's evdev devices, every
 * one opened through libseat (so through seatmuxd, which only hands out
 * the seat's own), delivered to clients through wl_seat.
 */
#ifndef SEATMUX_COMPOSITOR_INPUT_H
#define SEATMUX_COMPOSITOR_INPUT_H

struct libseat;
struct server;
struct surface;

/* The wl_seat global (keyboard and pointer). */
int input_seat_create(struct server *server);
/* Starts libinput on the seat's devices; 0 or -1. */
int input_start(struct server *server, struct libseat *seat);
void input_stop(struct server *server);
/* The stacking changed: keyboard focus follows the top toplevel. */
void input_update_focus(struct server *server);
/* A surface is being destroyed: drop it as focus without events. */
void input_surface_gone(struct server *server, struct surface *surface);

#endif
