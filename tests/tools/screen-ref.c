// SPDX-License-Identifier: MIT
/*
 * screen-ref: the picture seatmux-screen paints for a request, as PNG on
 * standard output: what a test compares a head's screendump with. It runs
 * in the guest, with the guest's fonts, so that both are drawn alike.
 *
 *   screen-ref identify|message|block|map WIDTH HEIGHT TITLE BODY > OUT.png
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paint.h"
#include "png_out.h"

static enum screen_look look_named(const char *name)
{
	static const struct {
		const char *name;
		enum screen_look look;
	} looks[] = {
		{ "identify", SCREEN_IDENTIFY },
		{ "message", SCREEN_MESSAGE },
		{ "block", SCREEN_BLOCK },
		{ "map", SCREEN_MAP },
		{ "watched", SCREEN_WATCHED },
	};

	for (size_t i = 0; i < sizeof(looks) / sizeof(looks[0]); i++)
		if (!strcmp(name, looks[i].name))
			return looks[i].look;
	return 0;
}

/* A size in pixels, 1 to 8192, or 0. */
static int size_of(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	return *arg && !*end && v >= 1 && v <= 8192 ? (int)v : 0;
}

int main(int argc, char **argv)
{
	struct screen_request req = { .ncards = 1 };
	uint32_t *pixels;
	int w, h, rc;

	if (argc != 6 || !(req.look = look_named(argv[1])) || !(w = size_of(argv[2])) ||
	    !(h = size_of(argv[3])) || strlen(argv[4]) >= sizeof(req.title) ||
	    strlen(argv[5]) >= sizeof(req.body)) {
		fprintf(stderr, "usage: screen-ref identify|message|block|map WIDTH HEIGHT TITLE "
			"BODY > OUT.png\n");
		return 2;
	}
	snprintf(req.title, sizeof(req.title), "%s", argv[4]);
	snprintf(req.body, sizeof(req.body), "%s", argv[5]);
	pixels = calloc((size_t)w * (size_t)h, 4);
	if (!pixels || paint_screen(pixels, w, h, w * 4, &req) < 0) {
		fprintf(stderr, "screen-ref: cannot paint\n");
		free(pixels);
		return 1;
	}
	rc = png_out_write(STDOUT_FILENO, pixels, w, h) < 0 ? 1 : 0;
	free(pixels);
	return rc;
}
