/* SPDX-License-Identifier: MIT */
/*
 * Buffered, non-blocking I/O on a client's Unix socket, with file
 * descriptors queued to ride on the next sendmsg.
 */
#ifndef SEATMUX_CONNECTION_H
#define SEATMUX_CONNECTION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONNECTION_IN_SIZE 1024
#define CONNECTION_OUT_SIZE 4096
#define CONNECTION_MAX_FDS 16

struct connection {
	int fd;
	uint8_t in[CONNECTION_IN_SIZE];
	size_t in_len;
	uint8_t out[CONNECTION_OUT_SIZE];
	size_t out_len;
	int fds[CONNECTION_MAX_FDS];
	size_t nfds;
};

void connection_init(struct connection *conn, int fd);
/* Closes the socket and any fds still queued. */
void connection_finish(struct connection *conn);
/* Returns bytes read, 0 on EOF, -1 with errno (EAGAIN when drained). */
ssize_t connection_read(struct connection *conn);
void connection_consume(struct connection *conn, size_t len);
/* Queues a message; fd (or -1) is owned by the connection from now on. */
int connection_queue(struct connection *conn, const void *data, size_t len,
		     int fd);
/* Returns 0 when all is sent, 1 when output remains, -1 on error. */
int connection_flush(struct connection *conn);

#endif
