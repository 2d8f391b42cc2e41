/* SPDX-License-Identifier: MIT */
/*
 * One graphics card, several seats: when udev gives some of a card's
 * connectors to other seats (ID_SEAT on the connector device), seatmuxd
 * keeps DRM master on the card itself and answers every seat's request
 * for the card with a DRM lease of that seat's connectors.
 */
#ifndef SEATMUX_LEASES_H
#define SEATMUX_LEASES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "drm_lease.h"
#include "list.h"

struct broker;
struct device;
struct state;

#define LEASES_PER_CARD 8

struct lease_card {
	struct list link;
	dev_t devnum;
	int master_fd;
	int nleases;
	struct {
		uint32_t lessee_id;
		struct drm_lease_objects objects;
		/* The connectors with a monitor when the lease was made. */
		uint32_t connected[LEASES_PER_CARD];
		int nconnected;
		/* Taken back from the last seatmuxd, not yet by a client. */
		bool unclaimed;
	} leases[LEASES_PER_CARD];
};

/* Some connector of card belongs to a seat other than the card's. */
bool leases_card_split(struct broker *b, const struct device *card);
/* seat has a head on card: the card is its own, or a connector is. */
bool leases_seat_uses(struct broker *b, const struct device *card,
		      const char *seat);
/* A lessee fd with seat's connectors of card, or -errno. */
int leases_grant(struct broker *b, const struct device *card,
		 const char *seat, uint32_t *lessee_id);
void leases_revoke(struct broker *b, dev_t card, uint32_t lessee_id);
/*
 * For a split card: seat's connectors on it (up to max), each with the
 * CRTC and plane its lease holds (or, leased to nobody now, ones no lease
 * holds), and seatmuxd's master fd on it in *lessor_fd (still seatmuxd's,
 * opened if need be), for a screen the broker paints there: nothing of
 * another seat's lease is named. The count or -errno.
 */
int leases_seat_heads(struct broker *b, const struct device *card, const char *seat,
		      struct drm_lease_output *out, int max, int *lessor_fd);
/* The card's connectors changed: a lease whose monitor went away is
 * revoked (its session's compositor loses the head and restarts). */
void leases_hotplug(struct broker *b, dev_t card);
/* The card left: drop master and forget its leases. */
void leases_card_gone(struct broker *b, dev_t card);
/* A lessor card whose connectors all went back to its own seat (console
 * mode, a rule removed) and that has no lease left is let go of: the
 * seat's compositor can be its master. From the loop after udev events. */
void leases_unsplit(struct broker *b);
void leases_finish(struct broker *b);

/*
 * Across a restart. A lease lives as long as the lessor's master fd, so
 * that fd is kept in systemd's store from the card's first lease on
 * ("lessor/DEVNUM"), and each lease is a state record. A seatmuxd
 * started again takes the fd back and, of the leases recorded, those
 * the kernel still lists; one it lists that nobody recorded is revoked.
 */
void leases_save(struct broker *b, FILE *f);
void leases_restore(struct broker *b, struct state *st);
/* Whether card has a lease lessee_id (one taken back, for instance). */
bool leases_has(struct broker *b, dev_t card, uint32_t lessee_id);
/* A client took back its fd of that lease. */
void leases_claim(struct broker *b, dev_t card, uint32_t lessee_id);
/* Every lease taken back that no client claimed is revoked: its holder
 * was refused, or its seat did not come back. */
void leases_revoke_unclaimed(struct broker *b);
/* A restart: our copies go, the leases and the kept fds stay. */
void leases_release(struct broker *b);
/* Colon-separated nodes of split cards giving seat a head though the card
 * is another seat's: what wlroots needs in WLR_DRM_DEVICES to find them. */
void leases_seat_cards(struct broker *b, const char *seat, char *out,
		       size_t size);

#endif
