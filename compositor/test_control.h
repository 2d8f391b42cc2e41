/* SPDX-License-Identifier: MIT */
/*
 * Test-only input and head control for the headless output, where there
 * are no devices: a FIFO of text lines standing in for libinput and for a
 * monitor that changes mode. Host protocol tests use it; on a real head
 * (--kms) input comes from libinput only.
 */
#ifndef SEATMUX_COMPOSITOR_TEST_CONTROL_H
#define SEATMUX_COMPOSITOR_TEST_CONTROL_H

struct server;

/* Reads commands from the FIFO at path; 0 or -1. */
int test_control_start(struct server *server, const char *path);
/* After the event sources are removed. */
void test_control_stop(struct server *server);

#endif
