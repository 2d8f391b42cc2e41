// SPDX-License-Identifier: MIT
/*
 * From a sink's logon to its station: PAM asked off the loop (failures
 * limited per address), the account PAM settled on given its station,
 * found or made, and the station handed over (its card, keyboard and
 * pointer); or the logon refused, and why.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "auth_job.h"
#include "broker.h"
#include "control.h"
#include "edid.h"
#include "log.h"
#include "ratelimit.h"
#include "rdp_internal.h"
#include "seats.h"
#include "vinput.h"

/* The sink's logon is refused, and why: to the client and to the log
 * (the user name as the client typed it, escaped). */
void logon_refuse(struct sink *s, const char *user, const char *why)
{
	struct control_msg msg = { .type = CONTROL_REFUSED };
	char name[LOG_TEXT_MAX];

	snprintf(msg.reason, sizeof(msg.reason), "%s", why);
	control_send(s->control, &msg, NULL, 0);
	s->refused = true;
	loop_timer_arm(s->timer, REFUSED_END_MS);
	log_warn("rdp: logon of '%s' from %s refused: %s", log_escape(name, sizeof(name), user),
		 s->peer, why);
}

/* The station user ("" for none) holds now, but the one given. */
static struct station *station_of_user(struct rdp *r, const char *user,
				       const struct station *but)
{
	struct station *st, *tmp;

	struct station *ended = NULL;

	/* One that lives first: an ended slot may still bear the name. */
	list_for_each(st, tmp, &r->stations, link)
		if (st != but && !st->leaving && user[0] && !strcmp(st->user, user)) {
			if (!st->ended)
				return st;
			ended = ended ? ended : st;
		}
	return ended;
}

/* The user's station, or a free slot to reuse (a login screen, "", is
 * nobody's: always a free slot or a new one). */
static struct station *station_for(struct rdp *r, const char *user)
{
	struct station *st = station_of_user(r, user, NULL), *tmp;

	if (st)
		return st;
	list_for_each(st, tmp, &r->stations, link)
		if (st->ended && !st->sink && !st->next && !st->adopted && !st->leaving &&
		    !st->left_by)
			return st;
	return NULL;
}

/* The station could not be handed to s: s lets go of it, and a station
 * nobody holds is kept for its user (a login screen ends). */
static void hand_failed(struct station *st, struct sink *s)
{
	if (st->sink == s) {
		st->sink = NULL;
		s->station = NULL;
	}
	if (st->sink || st->next)
		return;
	if (station_at_login(st))
		station_end_soon(st);
	else
		station_keep(st);
}

/* The station, made, goes to the sink that logged on for it. */
void logon_hand(struct station *st, struct sink *s)
{
	struct rdp *r = s->rdp;
	const struct control_msg *msg = &s->asked;
	struct control_msg ok = { .type = CONTROL_ACCEPTED };
	int fds[2], rc;

	if (st->keep_timer)
		loop_timer_arm(st->keep_timer, 0);
	if (strcmp(st->user, msg->user) || st->ended) {
		/* Another user, or another connection to a slot whose session
		 * ended (two login screens are both ""): keyboard and pointer
		 * of their own. An fd to the old ones (an earlier sink's, a
		 * leftover's) then reads and writes nothing; the pointer takes
		 * the new size. */
		station_input_destroy(st);
		st->width = msg->width;
		st->height = msg->height;
		rc = station_input_make(st);
		if (rc < 0)
			log_error("rdp: %s: no new keyboard and pointer for %s: %s", st->seat,
				  msg->user, strerror(-rc));
	}
	if (!st->input) {
		logon_refuse(s, msg->user, "the station has no keyboard and pointer");
		hand_failed(st, s);
		return;
	}
	if (strcmp(st->user, msg->user) || st->ended) {
		/* A kept slot changes hands: the new user's session (or a
		 * login screen's). */
		snprintf(st->user, sizeof(st->user), "%s", msg->user);
		st->login_screen = !msg->user[0];
		st->layout = msg->layout;
		station_set_session(st, &r->b->cfg);
		station_set_env(&st->spec, &r->b->cfg, msg->user, msg->layout);
		st->ended = false;
		seats_session_start(r->b, st->seat, &st->spec);
	}
	if (station_give_card(st->card, s->uid) < 0) {
		logon_refuse(s, msg->user, "the station's card cannot be handed over");
		/* The sink may have waited for the station's making; a slot
		 * reused just now runs its new session, which must not run
		 * on unheld. */
		hand_failed(st, s);
		return;
	}
	st->sink = s;
	s->station = st;
	head_looks_forget(&s->looks);	/* of another head, if any */
	ok.card = st->card;
	fds[0] = vinput_keyboard_fd(st->input);
	fds[1] = vinput_pointer_fd(st->input);
	if (control_send(s->control, &ok, fds, 2) < 0) {
		log_warn("rdp: %s: the sink went away", st->seat);
		return;
	}
	s->handed = true;
	/* A login screen holds a pending slot, for a while only. */
	loop_timer_arm(s->timer, station_at_login(st) ? LOGIN_SCREEN_MS : 0);
	broker_changed(r->b);
	if (msg->user[0])
		log_info("rdp: %s logged on from %s: %s, %dx%d", msg->user, s->peer, st->seat,
			 msg->width, msg->height);
	else
		log_info("rdp: %s: a login screen for %s, %dx%d", st->seat, s->peer, msg->width,
			 msg->height);
	sink_scope(s);
}

/*
 * The user's session is at another station (a physical head, a USB/IP
 * station): it comes here, in a station made for its seat, unless it is
 * in use there and the configuration says a logon takes nothing over.
 * 0 (s->station set if it comes), or -1: refused.
 */
static int roam(struct sink *s, const struct control_msg *msg)
{
	struct rdp *r = s->rdp;
	struct seat *from = seats_roam_source(r->b, msg->user, NULL);

	if (!from)
		return 0;
	if (seats_roam_allowed(r->b, from, msg->user) < 0) {
		logon_refuse(s, msg->user, "your session is in use at another station");
		return -1;
	}
	if (station_adopt(r, from->name, msg->user, s) < 0) {
		/* A sink the making refused was told so already. */
		if (!s->refused)
			logon_refuse(s, msg->user, "your session cannot come to this station");
		return -1;
	}
	return 0;
}

/* PAM said yes: the user's station, found or made, goes to this sink. */
static void accept_logon(struct sink *s, const struct control_msg *msg)
{
	struct rdp *r = s->rdp;
	struct station *st = station_for(r, msg->user);

	/* A station a session of theirs had, ended: it is going. */
	if (st && st->adopted && st->ended)
		st = NULL;

	/* Before anything is made for it: a size no head can announce would
	 * make a station that cannot be. */
	if (!edid_size_ok(msg->width, msg->height)) {
		log_warn("rdp: %s asked for a %dx%d desktop: no head has that size", s->peer,
			 msg->width, msg->height);
		logon_refuse(s, msg->user,
			     "the desktop size is not supported (64x64 to 4095x4095)");
		return;
	}
	if (st && st->sink) {
		station_take_over(st, s);
		return;
	}
	/* No station of theirs that lives: their session elsewhere comes
	 * here, before a slot is made or reused for a new one. */
	if ((!st || st->ended) && roam(s, msg) < 0)
		return;
	if (s->station)
		return;		/* a station for its session elsewhere, on its way */
	if (!st)
		st = station_create(r, msg->user, msg->width, msg->height, msg->layout, NULL);
	if (!st) {
		logon_refuse(s, msg->user, "no station could be made");
		return;
	}
	if (st->state != STATION_READY) {
		/* Its devices are on their way; the handshake timer still runs. */
		st->sink = s;
		s->station = st;
		station_heads_next(r);
		return;
	}
	logon_hand(st, s);
}

/*
 * No logon yet: the connection gets a station of its own whose session is
 * the login screen ([rdp] greeter). Whoever logs on there is told to
 * rdp.c (rdp_greeter_event), whose station it then is.
 */
static void login_screen(struct sink *s)
{
	s->asked.user[0] = '\0';
	accept_logon(s, &s->asked);
}

/*
 * The user who logged on at st's login screen has a session already: at
 * a station of ours (other, kept after a disconnection, say) or at
 * another station. The connection goes to it, as a logon with the
 * client's credentials would, and the login screen ends; the sink takes
 * the new station's head and input in place of these. 1: it goes, 0: no
 * session elsewhere, -1: refused (in use elsewhere and roaming =
 * refuse), the login screen stays.
 */
static int login_screen_leaves(struct station *st, struct sink *s, const char *user,
			       struct station *other)
{
	struct rdp *r = st->b->rdp;
	struct seat *from = other ? NULL : seats_roam_source(r->b, user, NULL);

	if (!other && !from)
		return 0;
	if (from && seats_roam_allowed(r->b, from, user) < 0) {
		log_warn("rdp: %s: %s logged on at its login screen, but their session is in use "
			 "at %s: refused", st->seat, user, from->name);
		return -1;
	}
	log_info("rdp: %s: %s logged on at its login screen: the connection goes to their "
		 "session on %s", st->seat, user, other ? other->seat : from->name);
	st->sink = NULL;
	st->left_by = s;
	s->station = NULL;
	s->moved = true;
	/* The login screen ends; its card, which the sink still reads
	 * until the new one comes, is no longer the sink's to open. */
	station_take_card(st->card, st->seat);
	station_end_soon(st);
	snprintf(s->asked.user, sizeof(s->asked.user), "%s", user);
	/* Bounded as a logon is until its new station has it (logon_hand). */
	loop_timer_arm(s->timer, HANDSHAKE_MS);
	accept_logon(s, &s->asked);
	return 1;
}

/*
 * Someone authenticated at st's login screen. Their logon has a password
 * logon's rules: [rdp] group (checked with the password, in the child
 * that asked PAM: the login screen's logon_group); and one session a
 * user: with one of theirs already, at a station of ours or another,
 * the connection goes to it (a login screen left without its
 * connection refuses them instead). 0: the login screen's station is
 * theirs, 1: the connection went, -1: refused.
 */
int logon_screen_logged_on(struct station *st, const char *user)
{
	struct rdp *r = st->b->rdp;
	struct station *other = station_of_user(r, user, st);
	struct sink *s = st->sink;
	int rc;

	/* Its connection went to a session elsewhere: it ends, and nobody
	 * logs on at it (that sink may still read its card). A connection
	 * refused already gets nothing more (its end stays due). */
	if (st->left_by || (s && s->refused))
		return -1;
	/* An ended slot that still bears the name is nobody's now. */
	if (other && other->ended && !other->sink && !other->next) {
		other->user[0] = '\0';
		other = NULL;
	}
	if (other && !s) {
		log_warn("rdp: %s: %s logged on at its login screen, but has %s already: refused "
			 "(their password at the client finds it)", st->seat, user, other->seat);
		return -1;
	}
	if (s) {
		rc = login_screen_leaves(st, s, user, other);
		if (rc < 0)
			return rc;
		ratelimit_succeeded(&r->failures, &s->origin, loop_now_ms());
		if (rc > 0)
			return rc;
		loop_timer_arm(s->timer, 0);	/* logged on: no time limit */
	}
	snprintf(st->user, sizeof(st->user), "%s", user);
	log_info("rdp: %s: %s logged on at its login screen", st->seat, user);
	broker_changed(st->b);
	return 0;
}

/* A failure at a login screen counts as a wrong password from its
 * address; past the limit the connection is closed, as a password
 * logon would be refused. */
void logon_screen_failed(struct station *st)
{
	struct rdp *r = st->b->rdp;
	struct sink *s = st->sink;

	if (!s)
		return;
	ratelimit_failed(&r->failures, &s->origin, loop_now_ms());
	if (!ratelimit_allow(&r->failures, &s->origin, loop_now_ms())) {
		log_warn("rdp: %s: too many failed logons from %s: its login screen is closed",
			 st->seat, s->peer);
		sink_kill(s);
	}
}

/* The greeter again (its user logged off): the station is nobody's, and
 * its connection has a while to log on again; with no connection it
 * ends. */
void logon_screen_back(struct station *st)
{
	st->user[0] = '\0';
	if (st->sink)
		loop_timer_arm(st->sink->timer, LOGIN_SCREEN_MS);
	else if (!st->next)
		station_end_soon(st);
	broker_changed(st->b);
}

/*
 * From here on the user is the account PAM settled on, not the name the
 * client typed: the station, the session and the log go by it, as the
 * group and root checks did.
 */
static void on_auth(void *data, enum auth_result res, const struct auth_account *acct)
{
	struct sink *s = data;
	struct rdp *r = s->rdp;
	char typed[LOG_TEXT_MAX];

	s->auth = NULL;
	if (res != AUTH_OK) {
		ratelimit_failed(&r->failures, &s->origin, loop_now_ms());
		if (r->b->cfg.rdp.greeter && res == AUTH_BAD_CREDENTIALS &&
		    ratelimit_allow(&r->failures, &s->origin, loop_now_ms())) {
			log_warn("rdp: logon of '%s' from %s refused: %s; its login screen instead",
				 log_escape(typed, sizeof(typed), s->asked.user), s->peer,
				 auth_result_text(res));
			login_screen(s);
			return;
		}
		logon_refuse(s, s->asked.user, auth_result_text(res));
		return;
	}
	ratelimit_succeeded(&r->failures, &s->origin, loop_now_ms());
	if (strcmp(acct->user, s->asked.user))
		log_info("rdp: logon of '%s' from %s is account %s's",
			 log_escape(typed, sizeof(typed), s->asked.user), s->peer, acct->user);
	snprintf(s->asked.user, sizeof(s->asked.user), "%s", acct->user);
	accept_logon(s, &s->asked);
}

/*
 * The client has had its say; what remains is ours, and the handshake
 * timer starts again to bound it (PAM's answer). Meanwhile the loop
 * serves everyone else.
 */
void logon_start(struct sink *s, const struct control_msg *msg)
{
	struct rdp *r = s->rdp;
	struct rdp_config *rc = &r->b->cfg.rdp;
	struct auth_config ac = { .service = rc->pam_service ? rc->pam_service : r->b->cfg.pam_service,
				  .group = rc->group };

	if (s->station || s->auth || s->refused) {
		logon_refuse(s, msg->user, "logged on already");
		return;
	}
	if (!ratelimit_allow(&r->failures, &s->origin, loop_now_ms())) {
		logon_refuse(s, msg->user, ratelimit_all_held(&r->failures, loop_now_ms()) ?
			     "too many failed logons from everywhere: try again later" :
			     "too many failed logons from this address");
		return;
	}
	s->asked = (struct control_msg){ .type = CONTROL_LOGON, .width = msg->width,
					 .height = msg->height, .layout = msg->layout };
	snprintf(s->asked.user, sizeof(s->asked.user), "%s", msg->user);
	/* Nothing to check: the login screen asks (as an RDP client that
	 * did not save its password expects). */
	if (rc->greeter && (!msg->user[0] || !msg->password[0])) {
		login_screen(s);
		return;
	}
	s->auth = auth_job_start(r->b->loop, &ac, msg->user, msg->password, on_auth, s);
	if (!s->auth) {
		logon_refuse(s, msg->user, "authentication error");
		return;
	}
	loop_timer_arm(s->timer, HANDSHAKE_MS);
}
