// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "station_names.h"

static struct station_name *find(const struct station_names *names, const char *seat)
{
	for (int i = 0; i < names->n; i++)
		if (!strcmp(names->v[i].seat, seat))
			return &names->v[i];
	return NULL;
}

bool station_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len >= STATION_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static int add(struct station_names *names, const char *seat, const char *name)
{
	struct station_name *v = realloc(names->v, sizeof(*v) * ((size_t)names->n + 1));

	if (!v)
		return -ENOMEM;
	names->v = v;
	snprintf(v[names->n].seat, sizeof(v[names->n].seat), "%s", seat);
	snprintf(v[names->n].name, sizeof(v[names->n].name), "%s", name);
	names->n++;
	return 0;
}

int station_names_load(struct station_names *names, const char *path, char *why,
		       size_t size)
{
	struct state st;
	struct state_record *r;
	int rc;

	memset(names, 0, sizeof(*names));
	snprintf(names->path, sizeof(names->path), "%s", path);
	state_init(&st);
	rc = state_load(&st, path, why, size);
	if (rc < 0) {
		names->unreadable = true;
		return -1;
	}
	while ((r = state_take(&st, "name", (char *)NULL))) {
		if (r->argc != 3 || strlen(r->argv[1]) >= SEAT_PROTO_MAX_SEAT ||
		    !station_name_valid(r->argv[2]) || find(names, r->argv[1]))
			continue;	/* a record this seatmuxd never wrote */
		if (add(names, r->argv[1], r->argv[2]) < 0)
			break;
	}
	state_clear(&st);
	return 0;
}

const char *station_names_get(const struct station_names *names, const char *seat)
{
	const struct station_name *n = find(names, seat);

	return n ? n->name : seat;
}

static int save(const struct station_names *names)
{
	FILE *f = state_begin(names->path);

	if (!f)
		return -EIO;
	for (int i = 0; i < names->n; i++)
		state_put(f, "name", names->v[i].seat, names->v[i].name, (char *)NULL);
	return state_commit(f, names->path) < 0 ? -EIO : 0;
}

int station_names_set(struct station_names *names, const char *seat, const char *name)
{
	struct station_name *n = find(names, seat), was;
	int rc;

	if ((name[0] && !station_name_valid(name)) || strlen(seat) >= SEAT_PROTO_MAX_SEAT)
		return -EINVAL;
	if (names->unreadable)
		return -EIO;
	if (n) {
		was = *n;
		if (name[0])
			snprintf(n->name, sizeof(n->name), "%s", name);
		else
			*n = names->v[--names->n];
	} else if (name[0] && (rc = add(names, seat, name)) < 0) {
		return rc;
	} else if (!name[0]) {
		return 0;	/* it has no name of its own: nothing to write */
	}
	rc = save(names);
	if (rc < 0) {
		/* As it was: what the file says is what seatmuxd says. */
		if (n && name[0])
			*n = was;
		else if (n)
			add(names, was.seat, was.name);
		else
			names->n--;
	}
	return rc;
}

void station_names_free(struct station_names *names)
{
	free(names->v);
	names->v = NULL;
	names->n = 0;
}
