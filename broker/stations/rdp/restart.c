// SPDX-License-Identifier: MIT
/*
 * Across a restart of seatmuxd: what the state file says of RDP's
 * stations, spare cards and the sinks serving stations; taking them back
 * (with the fds the last seatmuxd kept in systemd's store); and letting
 * go of them, left running, when seatmuxd goes for a restart.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker.h"
#include "child_job.h"
#include "fdstore.h"
#include "helper_uid.h"
#include "log.h"
#include "rdp_internal.h"
#include "state.h"
#include "vhead.h"
#include "vinput.h"

void rdp_save(struct broker *b, FILE *f)
{
	struct rdp *r = b->rdp;
	struct station *st, *stmp;
	struct sink *s, *tmp;
	char n[16], card[16], w[16], h[16], layout[16], pid[16], key[24], uid[16];

	if (!r)
		return;
	list_for_each(st, stmp, &r->stations, link) {
		if (st->state != STATION_READY || !st->input || !st->user[0]) {
			/* Half made: made again at the next logon; its card
			 * waits in the pool meanwhile. A station nobody's (a
			 * login screen nobody logged on at, an ended slot
			 * whose name went to a login screen) is not kept
			 * either: its connection ends with this seatmuxd, as
			 * a greeter's does. (An empty word would make the
			 * whole state file unreadable.) */
			if (st->card >= 0) {
				snprintf(card, sizeof(card), "%d", st->card);
				state_put(f, "rdp-spare-card", card, (char *)NULL);
			}
			continue;
		}
		snprintf(n, sizeof(n), "%d", st->number);
		snprintf(card, sizeof(card), "%d", st->card);
		snprintf(w, sizeof(w), "%d", st->width);
		snprintf(h, sizeof(h), "%d", st->height);
		snprintf(layout, sizeof(layout), "%u", (unsigned)st->layout);
		/* A login screen's station says so (its seat keeps its greeter,
		 * and its user's session is theirs by a "login" record). */
		state_put(f, "rdp-station", n, st->seat, card, w, h, st->ended ? "1" : "0",
			  layout, st->user, st->login_screen ? "login-screen" :
			  st->adopted ? "adopted" : (char *)NULL, (char *)NULL);
	}
	for (int i = 0; i < r->pool.ncards; i++) {
		snprintf(card, sizeof(card), "%d", r->pool.cards[i]);
		state_put(f, "rdp-spare-card", card, (char *)NULL);
	}
	list_for_each(s, tmp, &r->sinks, link) {
		if (!s->keep.kept || !sink_serves(s))
			continue;
		snprintf(pid, sizeof(pid), "%d", (int)s->pid);
		snprintf(key, sizeof(key), "%llu", (unsigned long long)s->keep.key);
		snprintf(uid, sizeof(uid), "%u", (unsigned)s->uid);
		snprintf(n, sizeof(n), "%d", s->station->number);
		state_put(f, "helper", "sink", pid, key, uid, n, s->peer, (char *)NULL);
	}
}

static struct station *station_numbered(struct rdp *r, int number)
{
	struct station *st, *tmp;

	list_for_each(st, tmp, &r->stations, link)
		if (st->number == number)
			return st;
	return NULL;
}

/* rdp-station N SEAT CARD W H ENDED LAYOUT USER [login-screen|adopted], with its
 * two input fds. */
static void station_take_back(struct rdp *r, const struct state_record *rec, struct state *sb)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];
	long long n, card, w, h, ended, layout;
	struct station *st;

	if (rec->argc < 9 || rec->argc > 10 ||
	    (rec->argc == 10 && strcmp(rec->argv[9], "login-screen") &&
	     strcmp(rec->argv[9], "adopted")) ||
	    state_number(rec, 1, 1, STATION_POOL_MAX, &n) < 0 ||
	    state_number(rec, 3, 0, VHEAD_MAX_CARDS - 1, &card) < 0 ||
	    state_number(rec, 4, 1, 4095, &w) < 0 || state_number(rec, 5, 1, 4095, &h) < 0 ||
	    state_number(rec, 6, 0, 1, &ended) < 0 ||
	    state_number(rec, 7, 0, UINT32_MAX, &layout) < 0 ||
	    strlen(rec->argv[8]) > CONTROL_MAX_TEXT || station_pool_claim_number(&r->pool, (int)n) < 0)
		return;
	st = calloc(1, sizeof(*st));
	if (!st) {
		station_pool_put_number(&r->pool, (int)n);
		return;
	}
	st->b = r->b;
	st->number = (int)n;
	/* seat-rdpN, or the seat of a session it adopted. */
	st->adopted = rec->argc == 10 && !strcmp(rec->argv[9], "adopted");
	if (st->adopted && config_valid_seat_name(rec->argv[2]))
		snprintf(st->seat, sizeof(st->seat), "%s", rec->argv[2]);
	else
		snprintf(st->seat, sizeof(st->seat), "seat-rdp%d", st->number);
	station_input_names(st, kbd, ptr);	/* fits: "station/N/..." */
	/* Its devices are seatmuxd's own again: udev's seat for them holds.
	 * Or they go for good: kept, they would be the next station of that
	 * number's too. */
	st->input = devices_adopt_input(&r->b->devices, &sb->fds, kbd, ptr,
					!strcmp(st->seat, rec->argv[2]) && kbd[0]);
	if (!st->input) {
		log_warn("rdp: %s of the last seatmuxd cannot be taken back", rec->argv[2]);
		station_pool_put_number(&r->pool, st->number);
		free(st);
		return;		/* its session goes as nobody's */
	}
	st->card = (int)card;
	st->width = (int)w;
	st->height = (int)h;
	st->ended = ended;
	st->layout = (uint32_t)layout;
	st->state = STATION_READY;
	snprintf(st->user, sizeof(st->user), "%s", rec->argv[8]);
	st->login_screen = rec->argc == 10 && !st->adopted;
	station_set_session(st, &r->b->cfg);
	/* A login screen's env is nobody's, as when it was made. */
	station_set_env(&st->spec, &r->b->cfg, st->login_screen ? "" : st->user, st->layout);
	list_insert(&r->stations, &st->link);
	log_info("rdp: %s, %s's station (card%d), taken back", st->seat, st->user, st->card);
}

/* helper sink PID KEY UID N PEER, with its pidfd and channel. */
static void sink_take_back(struct rdp *r, const struct state_record *rec, struct state *sb)
{
	long long pid, key, uid, n;
	struct station *st;
	struct sink *s;

	if (rec->argc != 7 || state_number(rec, 2, 1, INT32_MAX, &pid) < 0 ||
	    state_number(rec, 3, 0, INT64_MAX, &key) < 0 ||
	    state_number(rec, 4, 0, UINT32_MAX - 1, &uid) < 0 ||
	    state_number(rec, 5, 1, STATION_POOL_MAX, &n) < 0 ||
	    !(st = station_numbered(r, (int)n)) || st->sink || !(s = calloc(1, sizeof(*s))))
		return;
	s->rdp = r;
	s->keep.kind = "sink";
	s->keep.key = (uint64_t)key;
	s->uid = (uid_t)uid;
	s->pid = (pid_t)pid;
	s->child = NULL;
	snprintf(s->peer, sizeof(s->peer), "%s", rec->argv[6]);
	list_insert(&r->sinks, &s->link);
	s->station = st;
	s->handed = true;	/* kept only once it had its station */
	st->sink = s;
	/* Signal 0 through its pidfd: whether it still runs. */
	if (helper_keep_take(&s->keep, sb, &s->pidfd, &s->control) < 0 ||
	    syscall(SYS_pidfd_send_signal, s->pidfd, 0, NULL, 0) < 0) {
		log_info("rdp: %s: sink pid %d of the last seatmuxd is gone", s->peer, (int)s->pid);
		sink_ended(s);	/* its card is root's again, its station kept */
		return;
	}
	if (sink_watch(s) < 0) {
		sink_kill(s);
		sink_ended(s);
		return;
	}
	log_info("rdp: %s: sink pid %d of %s taken back", st->seat, (int)s->pid, st->user);
}

void rdp_take_back(struct rdp *r, struct state *sb)
{
	struct station *st, *tmp;
	struct state_record *rec;
	long long card;

	while ((rec = state_take(sb, "rdp-station", (char *)NULL)))
		station_take_back(r, rec, sb);
	while ((rec = state_take(sb, "rdp-spare-card", (char *)NULL)))
		if (rec->argc == 2 && state_number(rec, 1, 0, VHEAD_MAX_CARDS - 1, &card) == 0) {
			/* Root's again: a half-made station's sink may have had it. */
			station_take_card((int)card, "a spare card");
			station_pool_put_card(&r->pool, (int)card);
		}
	while ((rec = state_take(sb, "helper", "sink", (char *)NULL)))
		sink_take_back(r, rec, sb);
	/* Nobody on it: kept for its user as after a disconnection. */
	list_for_each(st, tmp, &r->stations, link)
		if (!st->sink && !st->ended && !st->keep_timer)
			station_keep(st);
		else if (!st->sink && st->ended && st->adopted)
			station_end_soon(st);	/* its session ended: it goes, as it would have */
	if (station_write_rules(r) < 0)
		log_warn("rdp: cannot write %s: %m", RULES_PATH);
}
