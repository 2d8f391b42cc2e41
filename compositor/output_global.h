#ifndef SEATMUX_COMPOSITOR_OUTPUT_GLOBAL_H
#define SEATMUX_COMPOSITOR_OUTPUT_GLOBAL_H

struct server;

int output_global_create(struct server *server);

#endif
