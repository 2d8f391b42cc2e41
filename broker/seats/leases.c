// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drmMode.h>

#include "broker.h"
#include "drm_master.h"
#include "fdstore.h"
#include "leases.h"
#include "log.h"
#include "state.h"

/* The connectors of card: devices whose parent is the card. */
#define for_each_connector(dev, tmp, b, card) \
	list_for_each(dev, tmp, &(b)->devices.list, link) \
		if (dev->kind == DEVICE_DRM_CONNECTOR && !strcmp(dev->parent, (card)->syspath))

bool leases_card_split(struct broker *b, const struct device *card)
{
	struct device *dev, *tmp;

	for_each_connector(dev, tmp, b, card)
		if (dev->seat[0] && strcmp(dev->seat, card->seat))
			return true;
	return false;
}

static bool connector_of_seat(const struct device *conn,
			      const struct device *card, const char *seat)
{
	const char *owner = conn->seat[0] ? conn->seat : card->seat;

	return !strcmp(owner, seat);
}

bool leases_seat_uses(struct broker *b, const struct device *card,
		      const char *seat)
{
	struct device *dev, *tmp;

	if (!strcmp(card->seat, seat))
		return true;
	for_each_connector(dev, tmp, b, card)
		if (dev->seat[0] && !strcmp(dev->seat, seat))
			return true;
	return false;
}

static struct lease_card *card_find(struct broker *b, dev_t devnum)
{
	struct lease_card *lc, *tmp;

	list_for_each(lc, tmp, &b->lease_cards, link)
		if (lc->devnum == devnum)
			return lc;
	return NULL;
}

static int lessor_name(char *out, size_t size, dev_t devnum)
{
	return fdstore_name(out, size, "lessor/%llu", (unsigned long long)devnum);
}

/* The broker's own master fd on the card, opened on first need, and kept
 * in systemd's store: the leases live as long as it does. */
static struct lease_card *card_get(struct broker *b, const struct device *card)
{
	char name[FDSTORE_NAME_MAX];
	struct lease_card *lc = card_find(b, card->devnum);
	struct stat st;
	int err;

	if (lc)
		return lc;
	lc = calloc(1, sizeof(*lc));
	if (!lc)
		return NULL;
	lc->devnum = card->devnum;
	lc->master_fd = open(card->devnode, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (lc->master_fd < 0 || fstat(lc->master_fd, &st) < 0 ||
	    st.st_rdev != card->devnum) {
		log_error("%s: cannot open for leasing: %m", card->devnode);
		goto err;
	}
	err = drm_master_set(lc->master_fd);
	if (err < 0) {
		log_error("%s: cannot become DRM master to lease it: %s",
			  card->devnode, strerror(-err));
		goto err;
	}
	if (lessor_name(name, sizeof(name), lc->devnum) == 0 &&
	    (err = fdstore_put(name, lc->master_fd)) < 0)
		log_warn("%s: cannot keep across a restart: %s", card->devnode, strerror(-err));
	list_insert(&b->lease_cards, &lc->link);
	broker_changed(b);
	log_info("%s: split between seats, the broker holds DRM master", card->devnode);
	return lc;

err:
	if (lc->master_fd >= 0)
		close(lc->master_fd);
	free(lc);
	return NULL;
}

static void busy_objects(const struct lease_card *lc, struct drm_lease_objects *busy)
{
	busy->count = 0;
	for (int i = 0; i < lc->nleases; i++)
		for (int k = 0; k < lc->leases[i].objects.count &&
				busy->count < DRM_LEASE_MAX_OBJECTS; k++)
			busy->ids[busy->count++] = lc->leases[i].objects.ids[k];
}

static int seat_connectors(struct broker *b, struct lease_card *lc,
			   const struct device *card, const char *seat,
			   uint32_t *ids, int max)
{
	struct device *dev, *tmp;
	int n = 0;

	for_each_connector(dev, tmp, b, card) {
		uint32_t id;

		if (!connector_of_seat(dev, card, seat) || n == max)
			continue;
		id = drm_lease_find_connector(lc->master_fd, dev->connector);
		if (id)
			ids[n++] = id;
		else
			log_warn("%s: connector %s not found by KMS", card->devnode, dev->connector);
	}
	return n;
}

/* What drives connector id: its lease's CRTC and plane, or, leased to
 * nobody now, a CRTC and plane no lease holds. */
static int output_of(const struct lease_card *lc, uint32_t id, struct drm_lease_output *out)
{
	struct drm_lease_objects busy;

	for (int i = 0; i < lc->nleases; i++)
		if (drm_lease_output_of(&lc->leases[i].objects, id, out) == 0)
			return 0;
	busy_objects(lc, &busy);
	return drm_lease_pick(lc->master_fd, id, &busy, out);
}

int leases_seat_heads(struct broker *b, const struct device *card, const char *seat,
		      struct drm_lease_output *out, int max, int *lessor_fd)
{
	struct lease_card *lc = card_get(b, card);
	uint32_t ids[LEASES_PER_CARD];
	int n, found = 0;

	if (!lc)
		return -EIO;
	*lessor_fd = lc->master_fd;
	n = seat_connectors(b, lc, card, seat, ids, max < LEASES_PER_CARD ? max : LEASES_PER_CARD);
	for (int i = 0; i < n; i++)
		if (output_of(lc, ids[i], &out[found]) == 0)
			found++;
	return found;
}

static bool connector_connected(int fd, uint32_t id)
{
	/* The current state only: a probe here could block on a slow head. */
	drmModeConnector *c = drmModeGetConnectorCurrent(fd, id);
	bool connected = c && c->connection == DRM_MODE_CONNECTED;

	drmModeFreeConnector(c);
	return connected;
}

static void remember_connected(struct lease_card *lc, int i, const uint32_t *ids, int n)
{
	lc->leases[i].nconnected = 0;
	for (int k = 0; k < n && lc->leases[i].nconnected < LEASES_PER_CARD; k++)
		if (connector_connected(lc->master_fd, ids[k]))
			lc->leases[i].connected[lc->leases[i].nconnected++] = ids[k];
}

int leases_grant(struct broker *b, const struct device *card, const char *seat,
		 uint32_t *lessee_id)
{
	struct lease_card *lc = card_get(b, card);
	struct drm_lease_objects busy, leased;
	uint32_t ids[DRM_LEASE_MAX_OBJECTS / 3];
	int n, fd;

	if (!lc)
		return -EIO;
	if (lc->nleases == LEASES_PER_CARD)
		return -EBUSY;
	n = seat_connectors(b, lc, card, seat, ids, (int)(sizeof(ids) / sizeof(ids[0])));
	if (n == 0)
		return -ENODEV;
	busy_objects(lc, &busy);
	fd = drm_lease_create(lc->master_fd, ids, n, &busy, lessee_id, &leased);
	if (fd < 0) {
		log_warn("%s: lease for %s failed: %s", card->devnode, seat, strerror(-fd));
		return fd;
	}
	lc->leases[lc->nleases].lessee_id = *lessee_id;
	lc->leases[lc->nleases].objects = leased;
	remember_connected(lc, lc->nleases, ids, n);
	lc->nleases++;
	log_info("%s: lease %u to %s: %d connector(s), %d objects", card->devnode,
		 *lessee_id, seat, n, leased.count);
	return fd;
}

void leases_revoke(struct broker *b, dev_t card, uint32_t lessee_id)
{
	struct lease_card *lc = card_find(b, card);
	int err;

	if (!lc)
		return;
	for (int i = 0; i < lc->nleases; i++) {
		if (lc->leases[i].lessee_id != lessee_id)
			continue;
		err = drm_lease_revoke(lc->master_fd, lessee_id);
		if (err < 0 && err != -ENOENT)
			log_warn("lease %u: revoke: %s", lessee_id, strerror(-err));
		else
			log_info("lease %u revoked", lessee_id);
		lc->leases[i] = lc->leases[--lc->nleases];
		broker_changed(b);
		return;
	}
}

/*
 * Only a monitor that was there and went is a reason: a connector leased
 * without one (a head lit by force) does not lose its lease for that.
 */
void leases_hotplug(struct broker *b, dev_t card)
{
	struct lease_card *lc = card_find(b, card);

	if (!lc)
		return;
	for (int i = 0; i < lc->nleases; i++) {
		for (int k = 0; k < lc->leases[i].nconnected; k++) {
			uint32_t id = lc->leases[i].connected[k];

			if (connector_connected(lc->master_fd, id))
				continue;
			log_info("lease %u: connector %u disconnected, revoking",
				 lc->leases[i].lessee_id, id);
			leases_revoke(b, card, lc->leases[i].lessee_id);
			i--;	/* leases_revoke moved the last lease here */
			break;
		}
	}
}

static void card_free(struct lease_card *lc)
{
	char name[FDSTORE_NAME_MAX];

	for (int i = 0; i < lc->nleases; i++)
		drm_lease_revoke(lc->master_fd, lc->leases[i].lessee_id);
	drm_master_drop(lc->master_fd);
	close(lc->master_fd);
	if (lessor_name(name, sizeof(name), lc->devnum) == 0)
		fdstore_drop(name);
	list_remove(&lc->link);
	free(lc);
}

void leases_card_gone(struct broker *b, dev_t card)
{
	struct lease_card *lc = card_find(b, card);

	if (lc) {
		card_free(lc);
		broker_changed(b);
	}
}

void leases_unsplit(struct broker *b)
{
	struct lease_card *lc, *tmp;
	struct device *card;

	list_for_each(lc, tmp, &b->lease_cards, link) {
		card = devices_find(&b->devices, lc->devnum);
		if (!card || lc->nleases || leases_card_split(b, card))
			continue;
		log_info("%s: no longer split into leases: let go of", card->devnode);
		card_free(lc);
		broker_changed(b);
	}
}

void leases_finish(struct broker *b)
{
	struct lease_card *lc, *tmp;

	list_for_each(lc, tmp, &b->lease_cards, link)
		card_free(lc);
}

void leases_seat_cards(struct broker *b, const char *seat, char *out, size_t size)
{
	struct device *card, *tmp;
	size_t len = 0;

	out[0] = '\0';
	list_for_each(card, tmp, &b->devices.list, link) {
		if (card->kind != DEVICE_DRM_CARD || !strcmp(card->seat, seat) ||
		    !leases_seat_uses(b, card, seat))
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					len ? ":" : "", card->devnode);
		if (len >= size) {
			out[0] = '\0';	/* truncated lists help nobody */
			return;
		}
	}
}

/* -- across a restart -- */

/* "id,id,..." ("-": none) */
static void ids_format(char *out, size_t size, const uint32_t *ids, int n)
{
	size_t len = 0;

	snprintf(out, size, "-");
	for (int i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%u", i ? "," : "", ids[i]);
}

/* Count, or -1 if s is not such a list of at most max non-zero ids. */
static int ids_parse(const char *s, uint32_t *ids, int max)
{
	int n = 0;

	if (!strcmp(s, "-"))
		return 0;
	for (;;) {
		char *end;
		unsigned long v;

		if (*s < '0' || *s > '9' || n == max)
			return -1;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v == 0 || v > UINT32_MAX)
			return -1;
		ids[n++] = (uint32_t)v;
		if (*end == '\0')
			return n;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

void leases_save(struct broker *b, FILE *f)
{
	char dev[24], lessee[16], objs[DRM_LEASE_MAX_OBJECTS * 11 + 2];
	char conn[LEASES_PER_CARD * 11 + 2];
	struct lease_card *lc, *tmp;

	list_for_each(lc, tmp, &b->lease_cards, link) {
		snprintf(dev, sizeof(dev), "%llu", (unsigned long long)lc->devnum);
		state_put(f, "lessor", dev, (char *)NULL);
		for (int i = 0; i < lc->nleases; i++) {
			snprintf(lessee, sizeof(lessee), "%u", lc->leases[i].lessee_id);
			ids_format(objs, sizeof(objs), lc->leases[i].objects.ids,
				   lc->leases[i].objects.count);
			ids_format(conn, sizeof(conn), lc->leases[i].connected,
				   lc->leases[i].nconnected);
			state_put(f, "lease", dev, lessee, objs, conn, (char *)NULL);
		}
	}
}

static bool listed(const uint32_t *ids, int n, uint32_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* A recorded lease the kernel still lists goes back on lc. */
static void lease_restore(struct lease_card *lc, const struct state_record *r,
			  const uint32_t *now, int nnow)
{
	long long lessee;
	int i = lc->nleases, n, k;

	if (r->argc != 5 || state_number(r, 2, 1, UINT32_MAX, &lessee) < 0 ||
	    i == LEASES_PER_CARD || !listed(now, nnow, (uint32_t)lessee))
		return;
	n = ids_parse(r->argv[3], lc->leases[i].objects.ids, DRM_LEASE_MAX_OBJECTS);
	k = ids_parse(r->argv[4], lc->leases[i].connected, LEASES_PER_CARD);
	if (n <= 0 || k < 0)
		return;
	lc->leases[i].lessee_id = (uint32_t)lessee;
	lc->leases[i].objects.count = n;
	lc->leases[i].nconnected = k;
	lc->leases[i].unclaimed = true;
	lc->nleases++;
}

/* The card's lessor fd, if it is still the master of that card. */
static struct lease_card *card_restore(struct broker *b, struct state *st,
				       const struct state_record *r)
{
	char name[FDSTORE_NAME_MAX];
	struct lease_card *lc;
	long long devnum;
	struct stat sb;
	int fd;

	if (r->argc != 2 || state_number(r, 1, 1, INT64_MAX, &devnum) < 0 ||
	    card_find(b, (dev_t)devnum) || lessor_name(name, sizeof(name), (dev_t)devnum) < 0 ||
	    (fd = fdstore_take(&st->fds, name)) < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != (dev_t)devnum ||
	    drm_master_is(fd) != 1 || !(lc = calloc(1, sizeof(*lc)))) {
		log_warn("restart: kept lessor of card %lld is not its master any more: closed",
			 devnum);
		fdstore_drop(name);
		close(fd);	/* its leases, if any, go with it */
		return NULL;
	}
	lc->devnum = (dev_t)devnum;
	lc->master_fd = fd;
	list_insert(&b->lease_cards, &lc->link);
	return lc;
}

void leases_restore(struct broker *b, struct state *st)
{
	uint32_t now[LEASES_PER_CARD * 2];
	struct state_record *r, *l;
	struct lease_card *lc;
	int nnow;

	while ((r = state_take(st, "lessor", (char *)NULL))) {
		lc = card_restore(b, st, r);
		if (!lc)
			continue;
		nnow = drm_lease_list(lc->master_fd, now, (int)(sizeof(now) / sizeof(now[0])));
		while ((l = state_take(st, "lease", r->argv[1], (char *)NULL))) {
			long long id;

			if (nnow >= 0)
				lease_restore(lc, l, now, nnow);
			/* Not knowing what lives: nothing recorded is kept. */
			else if (l->argc >= 3 && state_number(l, 2, 1, UINT32_MAX, &id) == 0)
				drm_lease_revoke(lc->master_fd, (uint32_t)id);
		}
		/* Made by the last seatmuxd after its last record: nobody's. */
		for (int i = 0; i < nnow; i++)
			if (!leases_has(b, lc->devnum, now[i])) {
				log_info("restart: lease %u was nobody's: revoked", now[i]);
				drm_lease_revoke(lc->master_fd, now[i]);
			}
		log_info("restart: card %s: DRM master and %d lease(s) taken back", r->argv[1],
			 lc->nleases);
	}
}

bool leases_has(struct broker *b, dev_t card, uint32_t lessee_id)
{
	struct lease_card *lc = card_find(b, card);

	for (int i = 0; lc && i < lc->nleases; i++)
		if (lc->leases[i].lessee_id == lessee_id)
			return true;
	return false;
}

void leases_claim(struct broker *b, dev_t card, uint32_t lessee_id)
{
	struct lease_card *lc = card_find(b, card);

	for (int i = 0; lc && i < lc->nleases; i++)
		if (lc->leases[i].lessee_id == lessee_id)
			lc->leases[i].unclaimed = false;
}

void leases_revoke_unclaimed(struct broker *b)
{
	struct lease_card *lc, *tmp;

	list_for_each(lc, tmp, &b->lease_cards, link)
		for (int i = 0; i < lc->nleases; i++)
			if (lc->leases[i].unclaimed) {
				log_info("restart: lease %u was taken back by no client: revoked",
					 lc->leases[i].lessee_id);
				leases_revoke(b, lc->devnum, lc->leases[i].lessee_id);
				i--;	/* leases_revoke moved the last lease here */
			}
}

void leases_release(struct broker *b)
{
	struct lease_card *lc, *tmp;

	list_for_each(lc, tmp, &b->lease_cards, link) {
		close(lc->master_fd);
		list_remove(&lc->link);
		free(lc);
	}
}
