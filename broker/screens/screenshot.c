// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "child_job.h"
#include "fb_read.h"
#include "log.h"
#include "loop.h"
#include "png_out.h"
#include "project.h"
#include "screens_cards.h"
#include "screenshot.h"
#include "seat_proto.h"
#include "seats.h"
#include "station_kind.h"

/* What a picture is of, and how it is made. */
struct shot_key {
	char seat[SEAT_PROTO_MAX_SEAT];
	char card[64];			/* the card's node */
	struct fb_heads heads;		/* its connectors, on a split card */
	int fit_width, fit_height;	/* 0: the head's size */
	enum screenshot_format format;
};

struct shot {
	struct broker *b;
	int fd;				/* the memfd the PNG goes into */
	struct shot_key key;
	unsigned look;			/* the kind's token, 0: none */
	uint64_t started_ms;
	screenshot_fn done;
	void *data;
};

/*
 * A station's last picture of a size and format (b->pictures, least
 * recently given first), given again while the station's kind can tell
 * its head has not changed since: a teacher's page asks for every
 * station's thumbnail every second, a large view for its station's whole
 * head as often as it can, and most stations, most of the time, show
 * what they showed. The least recently given go past KEPT_MAX pictures
 * or KEPT_BYTES in all. And each is read again after picture-max-age
 * (the configuration's) whatever the kind says: the kind's word comes
 * from its helper (an RDP sink, which parses what the network sends),
 * so a helper that failed, or lies, holds a stale picture that long at
 * most.
 */
struct kept {
	struct list link;
	struct shot_key key;
	unsigned look;			/* the kind's token of its reading */
	uint64_t read_ms;		/* when it was read */
	int fd;				/* sealed; an open file of its own */
	int width, height;
	size_t bytes;
};

#define KEPT_MAX 64
#define KEPT_BYTES (64u << 20)
#define KEPT_ONE_BYTES (KEPT_BYTES / 4)	/* a 2048x2048 head's pixels */

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

	if (!s->key.fit_width ||
	    (img->width <= s->key.fit_width && img->height <= s->key.fit_height))
		return 0;
	r = project_fit(img->width, img->height, s->key.fit_width, s->key.fit_height);
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
	int fd = open(s->key.card, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

	if (fd < 0) {
		a->rc = -errno;
		return;
	}
	a->rc = fb_read_card(fd, &s->key.heads, &img);
	close(fd);
	if (a->rc < 0)
		return;
	a->rc = fit(s, &img);
	if (a->rc == 0 && s->key.format == SCREENSHOT_XRGB8888)
		a->rc = write_pixels(s->fd, &img);
	else if (a->rc == 0)
		a->rc = png_out_write(s->fd, img.pixels, img.width, img.height) < 0 ? -EIO : 0;
	a->width = img.width;
	a->height = img.height;
	fb_image_free(&img);
}

/* The same sealed picture as another open file: its readers' offsets
 * are their own (a dup's would be shared). -errno on failure. */
static int reopen(int fd)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = open(path, O_RDONLY | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

static void kept_free(struct kept *k)
{
	list_remove(&k->link);
	close(k->fd);
	free(k);
}

/* key's kept picture, if any; those too old go on the way. */
static struct kept *kept_find(struct broker *b, const struct shot_key *key)
{
	uint64_t now = loop_now_ms(), max_ms = broker_picture_max_age_ms(b);
	struct kept *k, *tmp, *found = NULL;

	list_for_each(k, tmp, &b->pictures, link) {
		if (now - k->read_ms >= max_ms)
			kept_free(k);
		else if (!memcmp(&k->key, key, sizeof(*key)))
			found = k;
	}
	return found;
}

/* s's picture (fd, sealed, w x h) is its key's now; the oldest go past
 * KEPT_MAX or KEPT_BYTES. */
static void kept_put(struct broker *b, const struct shot *s, int fd, int w, int h)
{
	struct kept *k = kept_find(b, &s->key), *tmp;
	size_t bytes = 0;
	struct stat sb;
	int n = 0;

	/* One read later came first: its token is ahead (a wrapping count,
	 * so less than half its range ahead). */
	if (k && s->look && k->look - s->look - 1 < 0x7fffffffu)
		return;
	if (k)
		kept_free(k);
	if (!s->look || fstat(fd, &sb) < 0 || sb.st_size > (off_t)KEPT_ONE_BYTES)
		return;
	k = calloc(1, sizeof(*k));
	if (!k)
		return;
	k->fd = reopen(fd);
	if (k->fd < 0) {
		free(k);
		return;
	}
	k->key = s->key;
	k->look = s->look;
	k->read_ms = s->started_ms;
	k->width = w;
	k->height = h;
	k->bytes = (size_t)sb.st_size;
	list_insert(&b->pictures, &k->link);
	list_for_each(k, tmp, &b->pictures, link) {
		n++;
		bytes += k->bytes;
	}
	/* Newest last: the one just kept goes last of all. */
	list_for_each(k, tmp, &b->pictures, link) {
		if (n <= KEPT_MAX && bytes <= KEPT_BYTES)
			break;
		n--;
		bytes -= k->bytes;
		kept_free(k);
	}
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
		kept_put(s->b, s, s->fd, a->width, a->height);
		s->done(s->data, s->fd, a->width, a->height);
	}
	free(s);
}

/* key's last picture, if seat's head has not changed since: given now
 * (true), or false. */
static bool kept_give(struct broker *b, const struct seat *seat, const struct shot_key *key,
		      screenshot_fn done, void *data)
{
	struct kept *k = kept_find(b, key);
	int fd;

	if (!k || !seat->kind->unchanged)
		return false;
	if (!seat->kind->unchanged(b, key->seat, k->look)) {
		log_debug("screenshot: %s changed since its last picture", key->seat);
		return false;
	}
	fd = reopen(k->fd);
	if (fd < 0)
		return false;
	list_remove(&k->link);		/* given: the last to go */
	list_insert(&b->pictures, &k->link);
	log_debug("screenshot: %s has not changed: its last picture again", key->seat);
	done(data, fd, k->width, k->height);
	return true;
}

int screenshot_start(struct broker *b, const char *seat, int fit_width, int fit_height,
		     enum screenshot_format format, screenshot_fn done, void *data)
{
	struct screen_card card;
	struct seat *st = seats_find(b, seat);
	struct shot *s;

	if (!st || screens_seat_cards(b, seat, &card, 1) < 1)
		return -ENOENT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b = b;
	snprintf(s->key.seat, sizeof(s->key.seat), "%s", seat);
	snprintf(s->key.card, sizeof(s->key.card), "%s", card.card->devnode);
	screens_card_read(&card, &s->key.heads);
	s->key.fit_width = fit_width;
	s->key.fit_height = fit_height;
	s->key.format = format;
	if (kept_give(b, st, &s->key, done, data)) {
		free(s);
		return 0;
	}
	s->done = done;
	s->data = data;
	s->started_ms = loop_now_ms();
	/* Changes from now on are told: the child reads the head after. */
	s->look = st->kind->look ? st->kind->look(b, seat) : 0;
	s->fd = memfd_create("seatmux-screenshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->fd < 0 || !child_job_start(b->loop, sizeof(struct answer), shoot, s, shot_done, s)) {
		int rc = -errno;

		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return rc;
	}
	log_debug("screenshot: %s: a new picture", seat);
	return 0;
}

void screenshot_forget(struct broker *b)
{
	struct kept *k, *tmp;

	list_for_each(k, tmp, &b->pictures, link)
		kept_free(k);
}
