/* SPDX-License-Identifier: MIT */
/*
 * The sink zygote: one seatmux-rdp-sink process, started by seatmuxd as
 * root with `--zygote`, that has loaded and relocated FreeRDP and the
 * libraries it pulls in (libavcodec, and with it librsvg, rav1e, aom...)
 * once, and forks each connection's sink from that image. An exec'd sink
 * relocates its own copy of those pages, 3.7 MB a station; forked, they
 * are shared by every sink. The child drops to the uid and gid seatmuxd
 * names before it reads a byte from the client, exactly as an exec'd
 * sink would have been started.
 *
 * The price: every sink has the zygote's address layout and stack canary
 * (one sink's leaked pointer tells where another's libraries are, and
 * crashing sinks probes them). A crashed sink therefore retires its
 * zygote (zygote.c). Each sink still runs as a uid of its own, and
 * seatmuxd falls back to exec when there is no zygote.
 *
 * The wire (SOCK_SEQPACKET, fd 3 of the zygote):
 *   zygote -> seatmuxd: first, once its libraries are loaded, a
 *                       struct zygote_reply with pid 0 (ready)
 *   seatmuxd -> zygote: struct zygote_request, with the client's socket
 *                       and the sink's control channel (SCM_RIGHTS)
 *   zygote -> seatmuxd: struct zygote_reply, with the sink's pidfd when
 *                       pid > 0 (SCM_RIGHTS)
 */
#ifndef SEATMUX_ZYGOTE_H
#define SEATMUX_ZYGOTE_H

#include <stdint.h>

#define ZYGOTE_FD 3

struct zygote_request {
	uint32_t uid, gid;
};

struct zygote_reply {
	int32_t pid;	/* > 0, or -errno; 0 once: ready */
};

/* Serves requests on fd until it closes; each child runs sink_main with
 * the client's socket as fd 3 and the control channel as fd 4. */
int zygote_run(int fd, int (*sink_main)(void));

#endif
