// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "screen_input.h"

#define MAX_INPUTS 16

struct input_dev {
	struct screen_input *in;
	int fd;
	struct loop_source *src;	/* owns fd */
};

struct screen_input {
	screen_input_fn pressed;
	void *data;
	struct input_dev devs[MAX_INPUTS];
	int ndevs;
};

/* The kernel's records, read whole: a press is a key or a button going
 * down (value 1; 2 is a key's autorepeat). */
static void input_ready(void *data, uint32_t events)
{
	struct input_dev *dev = data;
	struct screen_input *in = dev->in;
	struct input_event ev[32];
	ssize_t n = read(dev->fd, ev, sizeof(ev));
	bool press = false;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* Gone (ENODEV) or broken: the others still count. */
		loop_remove(dev->src);
		dev->src = NULL;
		return;
	}
	for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
		if (ev[i].type == EV_KEY && ev[i].value == 1)
			press = true;
	if (press)
		in->pressed(in->data);	/* may close in: nothing after this */
}

struct screen_input *screen_input_open(struct broker *b, const char *seat,
				       screen_input_fn pressed, void *data)
{
	struct screen_input *in = calloc(1, sizeof(*in));
	struct device *dev, *tmp;
	const char *owner;
	int fd;

	if (!in)
		return NULL;
	in->pressed = pressed;
	in->data = data;
	list_for_each(dev, tmp, &b->devices.list, link) {
		owner = devices_seat_of(&b->devices, dev);
		if (dev->kind != DEVICE_EVDEV || !owner || strcmp(owner, seat) ||
		    in->ndevs >= MAX_INPUTS)
			continue;
		fd = open(dev->devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
		if (fd < 0)
			continue;
		in->devs[in->ndevs].in = in;
		in->devs[in->ndevs].fd = fd;
		in->devs[in->ndevs].src = loop_add_owned(b->loop, fd, EPOLLIN, input_ready,
							  &in->devs[in->ndevs], NULL);
		if (in->devs[in->ndevs].src)
			in->ndevs++;
		else
			close(fd);
	}
	if (!in->ndevs) {
		free(in);
		return NULL;
	}
	return in;
}

void screen_input_close(struct screen_input *in)
{
	if (!in)
		return;
	for (int i = 0; i < in->ndevs; i++)
		loop_remove(in->devs[i].src);
	free(in);
}
