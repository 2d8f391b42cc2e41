// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "fnv.h"
#include "screens.h"
#include "session_spec.h"
#include "seats.h"
#include "station_kind.h"
#include "station_view.h"

const char *station_view_kind(const char *kind_name)
{
	/* A head of the machine's own is what a room calls local. */
	if (!kind_name || !strcmp(kind_name, "physical"))
		return "local";
	return kind_name;
}

static const char *session_state(const struct session *s)
{
	if (s->stopping)
		return "stopping";
	if (s->pid > 0)
		return "running";
	/* Between two runs: it starts again (after its backoff). */
	if (!s->stopped && session_spec_runs(&s->spec))
		return "waiting";
	return "none";
}

/* What the station's Devices property says, as one number: a device come,
 * gone or changed (a monitor plugged) changes it. */
static uint64_t devices_fingerprint(struct broker *b, const char *seat)
{
	struct device *dev, *tmp;
	const char *owner;
	uint64_t h = FNV_START;

	list_for_each(dev, tmp, &b->devices.list, link) {
		owner = devices_seat_of(&b->devices, dev);
		if (!owner || strcmp(owner, seat))
			continue;
		h = fnv_text(h, dev->syspath);
		h = fnv_text(h, dev->description);
	}
	return h;
}

static uint64_t picture_id(struct broker *b, const struct seat *seat)
{
	unsigned since = seat->kind && seat->kind->still_since ?
				 seat->kind->still_since(b, seat->name) : 0;
	uint64_t h;

	if (!since)
		return 0;
	/* A token is the kind's and the run's: another kind's count, or a
	 * restarted seatmuxd's, gives the same numbers again. */
	h = fnv_bytes(FNV_START, &b->run_id, sizeof(b->run_id));
	h = fnv_text(h, seat->kind->name);
	h = fnv_bytes(h, &since, sizeof(since));
	return h ? h : 1;
}

void station_view_of(struct broker *b, const struct seat *seat, struct station_view *v)
{
	const struct session *s = &seat->session;

	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", seat->name);
	snprintf(v->name, sizeof(v->name), "%s", station_names_get(&b->names, seat->name));
	v->kind = station_view_kind(seat->kind ? seat->kind->name : NULL);
	v->pid = s->pid > 0 ? (uint32_t)s->pid : 0;
	v->uid = (uint32_t)s->uid;
	if (v->pid)
		snprintf(v->user, sizeof(v->user), "%s", s->user);
	v->state = session_state(s);
	v->session_class = !v->pid ? "" : s->run_greeter ? "greeter" : "user";
	snprintf(v->logind, sizeof(v->logind), "%s", v->pid ? s->logind_id : "");
	if (seat->kind && seat->kind->address)
		seat->kind->address(b, seat->name, v->address, sizeof(v->address));
	v->blocked = screens_blocked(b, seat->name) != NULL;
	snprintf(v->projected_from, sizeof(v->projected_from), "%s",
		 screens_projected(b, seat->name) ? screens_projected(b, seat->name) : "");
	v->devices = devices_fingerprint(b, seat->name);
	v->picture = picture_id(b, seat);
}

bool station_view_differs(const struct station_view *a, const struct station_view *b)
{
	return strcmp(a->id, b->id) || strcmp(a->name, b->name) || strcmp(a->kind, b->kind) || strcmp(a->user, b->user) ||
	       a->uid != b->uid || a->pid != b->pid || strcmp(a->state, b->state) ||
	       strcmp(a->session_class, b->session_class) || strcmp(a->logind, b->logind) ||
	       strcmp(a->address, b->address) || a->blocked != b->blocked ||
	       strcmp(a->projected_from, b->projected_from) || a->devices != b->devices;
}
