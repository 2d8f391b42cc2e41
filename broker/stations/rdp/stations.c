// SPDX-License-Identifier: MIT
/*
 * A station's making and keeping. Made for a user in steps off the loop
 * (a virtual head, udev's rules for its devices, its keyboard and
 * pointer); its card owned by its sink's uid while a sink serves it and
 * by root otherwise; kept for its user a while after the sink went.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "broker.h"
#include "child_job.h"
#include "fdstore.h"
#include "layout.h"
#include "log.h"
#include "rdp_internal.h"
#include "seats.h"
#include "station_kind.h"
#include "udev_rules.h"
#include "vhead.h"
#include "vinput.h"

#define DRM_MAJOR 226

/* -- udev: the station's devices become its seat -- */

static void rules(FILE *f, void *data)
{
	struct rdp *r = data;
	struct station *st, *tmp;

	list_for_each(st, tmp, &r->stations, link) {
		if (st->leaving || st->card < 0)
			continue;
		fprintf(f, "SUBSYSTEM==\"drm\", KERNEL==\"card%d\", ENV{ID_SEAT}=\"%s\"\n",
			st->card, st->seat);
		fprintf(f, "SUBSYSTEM==\"input\", DEVPATH==\"/devices/virtual/input/*\", "
			"ATTRS{name}==\"seatmux %s *\", ENV{ID_SEAT}=\"%s\"\n",
			st->seat, st->seat);
	}
}

int station_write_rules(struct rdp *r)
{
	return udev_rules_write(RULES_PATH, "remote stations' devices, by their seats", rules, r);
}

/*
 * The station's card node belongs to uid, root's group, mode 0600. The
 * node is opened without following links and checked to be a DRM card
 * before its owner changes: root changes nothing it did not mean to. The
 * mode and group are set too: an owner may have changed them (a sink
 * broken into could have made its card 0666 for a later holder's sake).
 */
static int card_own(int card, uid_t uid)
{
	char path[32], fdpath[32];
	struct stat st;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "/dev/dri/card%d", card);
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == DRM_MAJOR) {
		/* Closed to all but its owner first, then its owner changes. */
		rc = chmod(fdpath, 0600);
		if (rc == 0)
			rc = fchownat(fd, "", uid, 0, AT_EMPTY_PATH);
	} else {
		errno = ENODEV;
	}
	close(fd);
	return rc;
}

/* This sink, and no other, may open the card as the client's monitor. */
int station_give_card(int card, uid_t uid)
{
	return card_own(card, uid);
}

/*
 * The card back to root, before anyone else may have it: its last sink
 * ended, or it waits in the pool. A sink's fds die with it and its
 * leftovers with helper_uid_sweep; this bars new opens by that uid.
 */
void station_take_card(int card, const char *seat)
{
	if (card >= 0 && card_own(card, 0) < 0)
		log_warn("rdp: %s: cannot take card%d back: %m", seat, card);
}

/* -- the station: its session, its making, its keeping -- */

/* The user's env lines, and the client's keyboard layout for the
 * session's keymap. */
void station_set_env(struct session_spec *sc, const struct config *cfg, const char *user,
		     uint32_t layout)
{
	const struct rdp_user_config *u = config_rdp_user(cfg, user);
	struct xkb_names names;
	char var[96];

	for (int i = 0; i < sc->nenv; i++)
		free(sc->env[i]);
	sc->nenv = 0;
	for (int i = 0; u && i < u->nenv && sc->nenv < CONFIG_MAX_ENV - 2; i++)
		sc->env[sc->nenv++] = strdup(u->env[i]);
	if (!layout_to_xkb(layout, &names)) {
		layout = 0;
		goto out;
	}
	snprintf(var, sizeof(var), "XKB_DEFAULT_LAYOUT=%s", names.layout);
	sc->env[sc->nenv++] = strdup(var);
	snprintf(var, sizeof(var), "XKB_DEFAULT_VARIANT=%s", names.variant);
	sc->env[sc->nenv++] = strdup(var);
out:
	for (int i = sc->nenv - 1; i >= 0; i--)
		if (!sc->env[i])
			sc->env[i] = sc->env[--sc->nenv];
	sc->env[sc->nenv] = NULL;
}

/*
 * The user's session (their [rdp.user.NAME] section's, or [rdp]'s); on a
 * login screen, [rdp] greeter as the greeter's account, whose logons then
 * start users' sessions there (seat_greeter.c).
 */
void station_set_session(struct station *st, const struct config *cfg)
{
	const struct rdp_config *rc = &cfg->rdp;
	const struct rdp_user_config *u = st->login_screen ? NULL : config_rdp_user(cfg, st->user);
	const char *application = u && (u->application || u->command) ? u->application : rc->application;
	const char *command = u && (u->application || u->command) ? u->command : rc->command;
	struct session_spec *sc = &st->spec;
	char log[256];
	const char *pct = rc->log_path ? strstr(rc->log_path, "%s") : NULL;

	if (st->login_screen) {
		application = NULL;
		command = rc->greeter;
	}
	sc->greeter = st->login_screen;
	/* Its logons are RDP logons: [rdp]'s PAM service checks them. */
	free(sc->logon_service);
	sc->logon_service = st->login_screen && (rc->pam_service || cfg->pam_service) ?
			    strdup(rc->pam_service ? rc->pam_service : cfg->pam_service) : NULL;
	/* And [rdp] group's: checked with the password, away from the loop. */
	free(sc->logon_group);
	sc->logon_group = st->login_screen && rc->group && rc->group[0] ? strdup(rc->group) : NULL;
	/* A login screen that lost its checks to a failed copy would take
	 * any account, or another service's: it runs nothing instead. */
	if (st->login_screen && ((rc->group && rc->group[0] && !sc->logon_group) ||
				 ((rc->pam_service || cfg->pam_service) && !sc->logon_service))) {
		log_error("rdp: %s: its login screen cannot be made: out of memory", st->seat);
		command = NULL;
	}
	free(sc->user);
	sc->user = strdup(st->login_screen ? cfg->greeter_user : st->user);
	free(sc->application);
	sc->application = application ? strdup(application) : NULL;
	free(sc->command);
	sc->command = !application && command ? strdup(command) : NULL;
	free(sc->log_path);
	sc->log_path = NULL;
	/* Its compositor finds no monitor until the sink connects one:
	 * retry soon rather than back off far. */
	sc->restart_max_s = 2;
	if (rc->log_path) {
		/* "%s" in the path is the seat; the rest is taken as it is. */
		if (pct)
			snprintf(log, sizeof(log), "%.*s%s%s", (int)(pct - rc->log_path),
				 rc->log_path, st->seat, pct + 2);
		else
			snprintf(log, sizeof(log), "%s", rc->log_path);
		sc->log_path = strdup(log);
	}
}

/* In a child: an evdi card nobody knows (an earlier addition given up
 * on while udev was slow to make its node), or else a new one. */
static void add_head(void *arg, void *out)
{
	int card = vhead_unknown_device(arg);

	*(int *)out = card >= 0 ? card : vhead_add_device();
}

/* The cards stations and the pool have: an add_head must not take them. */
static void known_cards(struct rdp *r)
{
	struct station *st, *tmp;

	memset(r->known_cards, 0, sizeof(r->known_cards));
	list_for_each(st, tmp, &r->stations, link)
		if (st->card >= 0 && st->card < VHEAD_MAX_CARDS)
			r->known_cards[st->card] = true;
	for (int i = 0; i < r->pool.ncards; i++)
		if (r->pool.cards[i] >= 0 && r->pool.cards[i] < VHEAD_MAX_CARDS)
			r->known_cards[r->pool.cards[i]] = true;
}

/* In a child: udev loads the rules naming the station's devices. */
static void load_rules(void *arg, void *out)
{
	*(int *)out = udev_rules_reload();
}

/* In a child: the card, born before the rules, gets them now: its seat
 * comes up and the session starts. */
static void retrigger(void *arg, void *out)
{
	const int *card = arg;
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/drm/card%d", *card);
	udev_rules_retrigger(path);
}

static void on_retriggered(void *data, const void *out)
{
	struct station *st = data;

	st->job = NULL;
	if (!out)
		log_warn("rdp: %s: udev was not asked to apply its rules", st->seat);
}

int station_input_names(const struct station *st, char *kbd, char *ptr)
{
	if (fdstore_name(kbd, FDSTORE_NAME_MAX, "station/%d/keyboard", st->number) == 0 &&
	    fdstore_name(ptr, FDSTORE_NAME_MAX, "station/%d/pointer", st->number) == 0)
		return 0;
	*kbd = *ptr = '\0';
	return -1;
}

/* The station's keyboard and pointer outlive seatmuxd, for its session. */
void station_input_keep(struct station *st)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];

	station_input_names(st, kbd, ptr);
	if (devices_keep_input(st->input, kbd, ptr) < 0)
		log_warn("rdp: %s: its keyboard and pointer are not kept across a restart",
			 st->seat);
	broker_changed(st->b);
}

int station_input_make(struct station *st)
{
	int rc;

	st->input = vinput_create(st->seat, st->width, st->height);
	if (!st->input)
		return -errno;
	rc = devices_own_input(&st->b->devices, st->input);
	if (rc < 0) {
		vinput_destroy(st->input);
		st->input = NULL;
		return rc;
	}
	station_input_keep(st);
	return 0;
}

void station_input_destroy(struct station *st)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];

	if (!st->input)
		return;
	station_input_names(st, kbd, ptr);
	devices_destroy_input(&st->b->devices, st->input, kbd, ptr);
	st->input = NULL;
	broker_changed(st->b);
}

/*
 * A station that could not be made goes; its sink, if any, is told.
 * What it took is given back: its number, its card (to the pool, as
 * root's: evdi cannot remove a device), its input devices and its
 * session's spec.
 */
static void station_fail(struct station *st, const char *why)
{
	struct rdp *r = st->b->rdp;

	log_error("rdp: %s: no station for %s: %s", st->seat, st->user, why);
	if (st->adopted)
		seats_roam_cancel(st->b, st->seat);
	if (st->sink) {
		logon_refuse(st->sink, st->user, "no station could be made");
		st->sink->station = NULL;
	}
	if (st->next) {
		logon_refuse(st->next, st->user, "no station could be made");
		st->next->station = NULL;
	}
	child_job_cancel(st->job);
	if (st->keep_timer)
		loop_remove(st->keep_timer);
	station_input_destroy(st);
	list_remove(&st->link);
	session_spec_free(&st->spec);
	if (st->card >= 0) {
		station_take_card(st->card, st->seat);
		if (station_pool_put_card(&r->pool, st->card) < 0)
			log_warn("rdp: card%d is in the pool already", st->card);
		if (station_write_rules(r) < 0)
			log_warn("rdp: cannot write %s: %m", RULES_PATH);
	}
	station_pool_put_number(&r->pool, st->number);
	free(st);
}

static void on_rules_loaded(void *data, const void *out)
{
	struct station *st = data;

	st->job = NULL;
	if (!out || *(const int *)out < 0)
		log_warn("rdp: %s: udev did not confirm it reloaded its rules", st->seat);
	if (station_input_make(st) < 0) {
		station_fail(st, "no virtual keyboard and pointer");
		return;
	}
	st->state = STATION_READY;
	log_info("rdp: %s is %s's station (card%d)", st->seat, st->user, st->card);
	/* A sink being replaced (st->next waits for its end) gets nothing. */
	if (st->sink && !st->next)
		logon_hand(st, st->sink);
	else if (!st->sink && !st->next && st->adopted)
		station_keep(st);	/* its user disconnected elsewhere */
	/* After the handover: the sink connects the client's monitor while
	 * the seat comes up, before its compositor first looks for one. */
	st->job = child_job_start(st->b->loop, sizeof(int), retrigger, &st->card, on_retriggered,
				  st);
	if (!st->job)
		log_warn("rdp: %s: udev was not asked to apply its rules: %m", st->seat);
}

static void on_head_added(void *data, const void *out)
{
	struct station *st = data;
	struct rdp *r = st->b->rdp;
	int card = out ? *(const int *)out : -EIO;

	st->job = NULL;
	if (card >= VHEAD_MAX_CARDS)
		card = -ERANGE;	/* not a card vhead_add_device could name */
	if (card == -ENOSPC)
		log_error("rdp: evdi refuses another virtual head for %s: the module's limit "
			  "is reached (16 in Debian's evdi 1.12)", st->user);
	if (card == -ENODEV)
		log_error("rdp: no virtual head for %s: the evdi module is not loaded "
			  "(modprobe evdi; list it in /etc/modules-load.d/ to load it at boot)",
			  st->user);
	if (card < 0) {
		station_fail(st, "no virtual head");
		station_heads_next(r);
		return;
	}
	st->card = card;
	st->state = STATION_LOADS_RULES;
	station_heads_next(r);
	/* Rules before the keyboard and pointer: they are born into the seat. */
	if (station_write_rules(r) < 0)
		log_warn("rdp: cannot write %s: %m", RULES_PATH);
	st->job = child_job_start(r->b->loop, sizeof(int), load_rules, NULL,
				  on_rules_loaded, st);
	if (!st->job) {
		log_warn("rdp: %s: cannot have udev reload its rules: %m", st->seat);
		on_rules_loaded(st, NULL);
	}
}

/* The next station waiting for a head gets one, unless one is under way. */
void station_heads_next(struct rdp *r)
{
	struct station *st, *tmp, *next = NULL;
	int card;

	list_for_each(st, tmp, &r->stations, link) {
		if (st->state == STATION_ADDS_HEAD)
			return;
		if (st->state == STATION_WAITS_HEAD && (!next || st->number < next->number))
			next = st;
	}
	if (!next)
		return;
	/* A card of a station that could not be made, before a new one. */
	card = station_pool_take_card(&r->pool);
	if (card >= 0) {
		log_info("rdp: %s gets card%d, given back earlier", next->seat, card);
		next->state = STATION_ADDS_HEAD;
		on_head_added(next, &card);
		return;
	}
	known_cards(r);
	next->job = child_job_start(r->b->loop, sizeof(int), add_head, r->known_cards,
				    on_head_added, next);
	if (!next->job) {
		station_fail(next, "cannot start adding a head");
		station_heads_next(r);
		return;
	}
	next->state = STATION_ADDS_HEAD;
}

/*
 * A station for a user with none: its seat now; then, from
 * station_heads_next on, each step a child job so that the loop serves
 * everyone else meanwhile, a virtual head, udev's rules for its devices,
 * its keyboard and pointer. Whoever waits for it is its sink; it may be
 * gone by then.
 */
/*
 * The lowest number free whose seat-rdpN is no seat now: a session that
 * went from an RDP station to another station (roaming) keeps that seat,
 * which a new station of the same name would join.
 */
static int free_number(struct rdp *r)
{
	int skipped[STATION_POOL_MAX], n = 0, number;
	char name[SEAT_PROTO_MAX_SEAT];

	while ((number = station_pool_take_number(&r->pool)) >= 0) {
		snprintf(name, sizeof(name), "seat-rdp%d", number);
		if (!seats_find(r->b, name))
			break;
		skipped[n++] = number;
	}
	while (n > 0)
		station_pool_put_number(&r->pool, skipped[--n]);
	return number;
}

struct station *station_create(struct rdp *r, const char *user, int w, int h, uint32_t layout,
			       const char *seat)
{
	int number = free_number(r);
	struct station *st;

	if (number < 0) {
		log_error("rdp: no station for %s: all %d are someone's", user, STATION_POOL_MAX);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		goto err;
	st->b = r->b;
	st->card = -1;
	st->number = number;
	st->width = w;
	st->height = h;
	if (seat)
		snprintf(st->seat, sizeof(st->seat), "%s", seat);
	else
		snprintf(st->seat, sizeof(st->seat), "seat-rdp%d", st->number);
	snprintf(st->user, sizeof(st->user), "%s", user);
	st->login_screen = !user[0];
	st->layout = layout;
	station_set_session(st, &r->b->cfg);
	station_set_env(&st->spec, &r->b->cfg, user, layout);
	list_insert(&r->stations, &st->link);
	return st;
err:
	free(st);
	station_pool_put_number(&r->pool, number);
	return NULL;
}

/* The longest seat name a station adopts: its keyboard's and pointer's
 * names ("seatmux SEAT keyboard") must fit uinput's 80 bytes whole, as
 * udev's rules match them. */
#define ADOPT_MAX_SEAT 48
/* An adopted station outlives its session's SIGTERM grace (session.c's
 * 3 s): its card leaving first would end the seat, and the session
 * with it, at once. */
#define ADOPTED_END_MS 5000

/* Whether st is still one of RDP's (a making that failed at once frees it). */
static bool listed(struct rdp *r, const struct station *st)
{
	struct station *it, *tmp;

	list_for_each(it, tmp, &r->stations, link)
		if (it == st)
			return true;
	return false;
}

int station_adopt(struct rdp *r, const char *seat, const char *user, struct sink *s)
{
	struct station *st;
	int rc;

	if (strlen(seat) > ADOPT_MAX_SEAT || station_of_seat(r, seat)) {
		log_error("rdp: %s's session on %s cannot have a station of ours", user, seat);
		return -EINVAL;
	}
	/* The client's size if one waits; a disconnected session's head is
	 * dark until one connects, at its own size. */
	st = station_create(r, user, s ? s->asked.width : 1024, s ? s->asked.height : 768,
			    s ? s->asked.layout : 0, seat);
	if (!st)
		return -ENOMEM;
	rc = seats_roam_expect(r->b, seat, &rdp_station_kind, user);
	if (rc < 0) {
		station_fail(st, "its session cannot come to a station of ours");
		return rc;
	}
	st->adopted = true;
	log_info("rdp: %s: a station for %s's session, which goes on", seat, user);
	st->sink = s;
	if (s)
		s->station = st;
	station_heads_next(r);
	return listed(r, st) ? 0 : -EIO;
}

struct station *station_of_seat(struct rdp *r, const char *seat)
{
	struct station *st, *tmp;

	list_for_each(st, tmp, &r->stations, link)
		if (!st->leaving && !strcmp(st->seat, seat))
			return st;
	return NULL;
}

static void on_let_go(void *data, const void *out)
{
	struct station *st = data;
	struct rdp *r = st->b->rdp;

	st->job = NULL;
	if (st->card >= 0 && station_pool_put_card(&r->pool, st->card) < 0)
		log_warn("rdp: card%d is in the pool already", st->card);
	station_pool_put_number(&r->pool, st->number);
	list_remove(&st->link);
	session_spec_free(&st->spec);
	free(st);
	broker_changed(r->b);
	station_heads_next(r);	/* it may have been the one being made */
}

/* In a child: udev reads the rules without the card, which it then
 * announces again: the card leaves the seat. */
static void card_leaves(void *arg, void *out)
{
	int *card = arg;

	udev_rules_reload();
	retrigger(card, out);
}

void station_let_go(struct station *st)
{
	struct rdp *r = st->b->rdp;

	log_info("rdp: %s: %s's station goes (%s)", st->seat, st->user,
		 st->ended ? "the session ended" : "the session has another station");
	st->leaving = true;
	if (st->keep_timer)
		loop_remove(st->keep_timer);
	st->keep_timer = NULL;
	child_job_cancel(st->job);
	st->job = NULL;
	if (st->next) {
		logon_refuse(st->next, st->user, "the session went to another station");
		st->next->station = NULL;
		st->next = NULL;
	}
	if (st->sink && st->state != STATION_READY) {
		logon_refuse(st->sink, st->user, "the session went to another station");
		st->sink->station = NULL;
	} else if (st->sink) {
		st->sink->station = NULL;
		sink_kill(st->sink);
	}
	st->sink = NULL;
	station_input_destroy(st);
	if (st->card < 0) {
		on_let_go(st, NULL);
		return;
	}
	station_take_card(st->card, st->seat);
	if (station_write_rules(r) < 0)
		log_warn("rdp: cannot write %s: %m", RULES_PATH);
	st->job = child_job_start(r->b->loop, sizeof(int), card_leaves, &st->card, on_let_go, st);
	if (!st->job)
		on_let_go(st, NULL);
}

static void station_keep_expired(void *data, uint32_t events)
{
	struct station *st = data;

	/* Still being made, its seat not up: its session would start after
	 * this and run on unkept. The time runs out once it is made. */
	if (st->state != STATION_READY || st->job) {
		loop_timer_arm(st->keep_timer, 1000);
		return;
	}
	/* Its session ended (its SIGTERM grace over): an adopted station
	 * goes with it, its seat with its card. */
	if (st->ended && st->adopted) {
		station_let_go(st);
		return;
	}
	/* Someone is on it (or it is over already): nothing ran out. */
	if (st->sink || st->next || st->ended)
		return;
	/* Its user is bringing the session to another station just now. */
	if (seats_roam_pending(st->b, st->seat)) {
		loop_timer_arm(st->keep_timer, 1000);
		return;
	}
	if (station_at_login(st))
		log_info("rdp: %s: its login screen, with nobody connected, ended", st->seat);
	else
		log_info("rdp: %s: %s did not come back, session ended", st->seat, st->user);
	st->ended = true;
	seats_session_stop(st->b, st->seat);
	if (st->adopted)	/* its seat goes with its session */
		loop_timer_arm(st->keep_timer, ADOPTED_END_MS);
}

static void station_keep_for(struct station *st, int ms)
{
	if (!st->keep_timer)
		st->keep_timer = loop_add_timer(st->b->loop, station_keep_expired, st);
	if (st->keep_timer)
		loop_timer_arm(st->keep_timer, ms > 0 ? ms : 1);
}

/* Nobody on the station: its session is kept for the configured time. */
void station_keep(struct station *st)
{
	const struct rdp_config *rc = &st->b->cfg.rdp;

	log_info("rdp: %s disconnected; %s kept for %d s", st->user, st->seat, rc->keep_s);
	station_keep_for(st, rc->keep_s * 1000);
}

void station_end_soon(struct station *st)
{
	station_keep_for(st, 1);
}

void station_left_behind(struct rdp *r, const struct sink *s)
{
	struct station *st, *tmp;

	list_for_each(st, tmp, &r->stations, link)
		if (st->left_by == s)
			st->left_by = NULL;
}

/*
 * Its user again, while a connection still holds the station: a client
 * that crashed or lost its network and came back before its old sink
 * noticed. The newer connection wins, as a reconnection to a Windows
 * session does (it is the same account, PAM said so): the old sink is
 * ended, and the station goes to the new one once it has gone, never to
 * two sinks at once.
 */
void station_take_over(struct station *st, struct sink *s)
{
	if (st->next) {
		logon_refuse(st->next, st->user, "a newer connection of the same user took over");
		st->next->station = NULL;
	}
	log_info("rdp: %s logged on again from %s: %s's connection from %s is ended",
		 st->user, s->peer, st->seat, st->sink->peer);
	st->next = s;
	s->station = st;
	sink_kill(st->sink);
}

void station_sink_ended(struct station *st)
{
	struct sink *s = st->next;

	if (!s) {
		/* A login screen nobody logged on at is nobody's to come
		 * back to: it ends with its connection. */
		if (station_at_login(st) && !st->ended) {
			log_info("rdp: %s: its login screen's connection ended", st->seat);
			station_end_soon(st);
			return;
		}
		/* Logged off: its session is over already, nothing to keep. */
		if (!st->ended)
			station_keep(st);
		return;
	}
	st->next = NULL;
	st->sink = s;
	/* Still being made: the sink gets it when it is ready. */
	if (st->state == STATION_READY)
		logon_hand(st, s);
}

/* As a Windows logoff: the session ends and the connection with it. */
void station_log_off(struct station *st)
{
	log_info("rdp: %s: %s logged off", st->seat, st->user);
	st->ended = true;
	if (st->keep_timer)
		loop_timer_arm(st->keep_timer, 0);
	if (st->next) {
		logon_refuse(st->next, st->user, "logged off");
		st->next->station = NULL;
		st->next = NULL;
	}
	if (st->sink)
		sink_kill(st->sink);
	seats_session_stop(st->b, st->seat);
	if (st->adopted)
		station_keep_for(st, ADOPTED_END_MS);
}
