// SPDX-License-Identifier: MIT
/*
 * One command per line:
 *
 *   key CODE 1|0          an evdev key pressed or released
 *   motion X Y            the pointer at (X, Y) on the head
 *   button CODE 1|0       an evdev button
 *   axis 0|1 VALUE        vertical or horizontal scroll
 *   resize W H            the headless head changes mode
 *
 * The FIFO is opened read-write so that it never reports end of file
 * between writers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "seat.h"
#include "server.h"
#include "test_control.h"

struct test_control {
	struct server *server;
	int fd;
	char buf[4096];
	size_t len;
};

static uint32_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void run_line(struct server *server, const char *line)
{
	unsigned a, b;
	double x, y;
	char tail;

	if (sscanf(line, "key %u %u %c", &a, &b, &tail) == 2 && b <= 1)
		seat_key(server, now_ms(), a, b);
	else if (sscanf(line, "motion %lf %lf %c", &x, &y, &tail) == 2)
		seat_motion(server, now_ms(), x, y);
	else if (sscanf(line, "button %u %u %c", &a, &b, &tail) == 2 && b <= 1)
		seat_button(server, now_ms(), a, b);
	else if (sscanf(line, "axis %u %lf %c", &a, &x, &tail) == 2 && a <= 1)
		seat_axis(server, now_ms(), a, x);
	else if (sscanf(line, "resize %u %u %c", &a, &b, &tail) == 2 &&
		 output_headless_resize(server->output, (int)a, (int)b) == 0)
		;
	else
		fprintf(stderr, "seatmux-compositor: test control: bad command \"%s\"\n", line);
}

static int on_readable(int fd, uint32_t mask, void *data)
{
	struct test_control *tc = data;
	ssize_t n = read(fd, tc->buf + tc->len, sizeof(tc->buf) - 1 - tc->len);
	char *nl;

	if (n <= 0)
		return 0;
	tc->len += (size_t)n;
	tc->buf[tc->len] = '\0';
	while ((nl = strchr(tc->buf, '\n'))) {
		*nl = '\0';
		run_line(tc->server, tc->buf);
		tc->len -= (size_t)(nl + 1 - tc->buf);
		memmove(tc->buf, nl + 1, tc->len + 1);
	}
	if (tc->len == sizeof(tc->buf) - 1)
		tc->len = 0;	/* a line longer than any command */
	return 0;
}

int test_control_start(struct server *server, const char *path)
{
	struct test_control *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return -1;
	tc->server = server;
	tc->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tc->fd < 0)
		goto err;
	if (!server_keep_source(server, wl_event_loop_add_fd(server->loop, tc->fd,
							      WL_EVENT_READABLE,
							      on_readable, tc)))
		goto err;
	server->test_control = tc;
	return 0;
err:
	if (tc->fd >= 0)
		close(tc->fd);
	free(tc);
	return -1;
}

void test_control_stop(struct server *server)
{
	struct test_control *tc = server->test_control;

	if (!tc)
		return;
	close(tc->fd);
	free(tc);
	server->test_control = NULL;
}
