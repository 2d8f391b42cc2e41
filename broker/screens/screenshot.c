// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "broker.h"
#include "child_job.h"
#include "fb_read.h"
#include "log.h"
#include "png_out.h"
#include "project.h"
#include "screens_cards.h"
#include "screenshot.h"

struct shot {
	int fd;				/* the memfd the PNG goes into */
	char card[64];			/* the card's node */
	struct fb_heads heads;		/* its connectors, on a split card */
	int fit_width, fit_height;	/* 0: the head's size */
	enum screenshot_format format;
	screenshot_fn done;
	void *data;
};

struct answer {
	int rc;
	int width, height;
};
_Static_assert(sizeof(struct answer) <= CHILD_JOB_MAX_ANSWER, "an answer child_job carries");

/* img made to fit the shot's box, if it is larger: 0, or -errno. */
static int fit(const struct shot *s, struct fb_image *img)
{
	struct project_rect r;
	uint32_t *small;

	if (!s->fit_width || (img->width <= s->fit_width && img->height <= s->fit_height))
		return 0;
	r = project_fit(img->width, img->height, s->fit_width, s->fit_height);
	if (r.width < 1 || r.height < 1)
		return -EINVAL;
	small = malloc((size_t)r.width * (size_t)r.height * 4);
	if (!small)
		return -ENOMEM;
	if (project_scale(img->pixels, img->width, img->height, img->width * 4, small, r.width,
			 r.height, r.width * 4) < 0) {
		free(small);
		return -EIO;
	}
	free(img->pixels);
	img->pixels = small;
	img->width = r.width;
	img->height = r.height;
	return 0;
}

/* The pixels as they are into fd: 0 or -errno. */
static int write_pixels(int fd, const struct fb_image *img)
{
	const char *p = (const char *)img->pixels;
	size_t left = (size_t)img->width * (size_t)img->height * 4;

	if (ftruncate(fd, (off_t)left) < 0)
		return -errno;
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* In the child: read the head, make it fit, write the picture. */
static void shoot(void *arg, void *out)
{
	struct shot *s = arg;
	struct answer *a = out;
	struct fb_image img;
	int fd = open(s->card, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

	if (fd < 0) {
		a->rc = -errno;
		return;
	}
	a->rc = fb_read_card(fd, &s->heads, &img);
	close(fd);
	if (a->rc < 0)
		return;
	a->rc = fit(s, &img);
	if (a->rc == 0 && s->format == SCREENSHOT_XRGB8888)
		a->rc = write_pixels(s->fd, &img);
	else if (a->rc == 0)
		a->rc = png_out_write(s->fd, img.pixels, img.width, img.height) < 0 ? -EIO : 0;
	a->width = img.width;
	a->height = img.height;
	fb_image_free(&img);
}

static void shot_done(void *data, const void *out)
{
	struct shot *s = data;
	const struct answer *a = out;
	int rc = a ? a->rc : -EIO;

	if (rc == 0 && (lseek(s->fd, 0, SEEK_SET) < 0 ||
			fcntl(s->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
			      F_SEAL_SEAL) < 0))
		rc = -errno;
	if (rc < 0) {
		close(s->fd);
		s->done(s->data, rc, 0, 0);
	} else {
		s->done(s->data, s->fd, a->width, a->height);
	}
	free(s);
}

int screenshot_start(struct broker *b, const char *seat, int fit_width, int fit_height,
		     enum screenshot_format format, screenshot_fn done, void *data)
{
	struct screen_card card;
	struct shot *s;

	if (screens_seat_cards(b, seat, &card, 1) < 1)
		return -ENOENT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->card, sizeof(s->card), "%s", card.card->devnode);
	screens_card_read(&card, &s->heads);
	s->fit_width = fit_width;
	s->fit_height = fit_height;
	s->format = format;
	s->done = done;
	s->data = data;
	s->fd = memfd_create("seatmux-screenshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->fd < 0 || !child_job_start(b->loop, sizeof(struct answer), shoot, s, shot_done, s)) {
		int rc = -errno;

		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return rc;
	}
	return 0;
}
