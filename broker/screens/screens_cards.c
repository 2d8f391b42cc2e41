// SPDX-License-Identifier: MIT
#include <string.h>

#include "broker.h"
#include "fb_read.h"
#include "leases.h"
#include "screens_cards.h"

_Static_assert(FB_HEADS_MAX >= SCREEN_PROTO_MAX_OUTPUTS, "a split card's heads, read back");

/* A split card: the seat's connectors on it, if it has any there. */
static bool split_card(struct broker *b, struct device *card, const char *seat,
		       struct screen_card *out)
{
	int n;

	if (!leases_seat_uses(b, card, seat))
		return false;
	memset(out, 0, sizeof(*out));
	out->card = card;
	n = leases_seat_heads(b, card, seat, out->outputs, SCREEN_PROTO_MAX_OUTPUTS,
			      &out->lessor_fd);
	out->noutputs = n > 0 ? n : 0;
	return n > 0;
}

int screens_seat_cards(struct broker *b, const char *seat, struct screen_card *out, int max)
{
	struct device *dev, *tmp;
	const char *owner;
	int n = 0;

	list_for_each(dev, tmp, &b->devices.list, link) {
		if (dev->kind != DEVICE_DRM_CARD || n >= max)
			continue;
		if (dev->origin == DEVICE_PHYSICAL && !b->physical_heads)
			continue;	/* a VM's console head is no station's */
		if (leases_card_split(b, dev)) {
			n += split_card(b, dev, seat, &out[n]);
			continue;
		}
		owner = devices_seat_of(&b->devices, dev);
		if (owner && !strcmp(owner, seat))
			out[n++] = (struct screen_card){ .card = dev, .lessor_fd = -1 };
	}
	return n;
}

void screens_card_heads(const struct screen_card *card, struct screen_heads *heads)
{
	memset(heads, 0, sizeof(*heads));
	if (card->lessor_fd < 0)
		return;
	heads->shared = 1;
	heads->noutputs = (uint32_t)card->noutputs;
	for (int i = 0; i < card->noutputs; i++)
		heads->outputs[i] = (struct screen_output){ card->outputs[i].connector,
							    card->outputs[i].crtc,
							    card->outputs[i].plane };
}

void screens_card_read(const struct screen_card *card, struct fb_heads *heads)
{
	memset(heads, 0, sizeof(*heads));
	for (int i = 0; i < card->noutputs; i++)
		heads->connectors[heads->n++] = card->outputs[i].connector;
}
