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

static struct station *station_for(struct rdp *r, const char *user)
{
	struct station *st, *tmp, *free_slot = NULL;

	list_for_each(st, tmp, &r->stations, link) {
		if (!strcmp(st->user, user))
			return st;
		if (st->ended && !st->sink)
			free_slot = st;
	}
	return free_slot;
}

/* The station, made, goes to the sink that logged on for it. */
void logon_hand(struct station *st, struct sink *s)
{
	struct rdp *r = s->rdp;
	const struct control_msg *msg = &s->asked;
	struct control_msg ok = { .type = CONTROL_ACCEPTED };
	int fds[2];

	if (st->keep_timer)
		loop_timer_arm(st->keep_timer, 0);
	if (strcmp(st->user, msg->user)) {
		/* Another user: keyboard and pointer of their own. An fd to the
		 * old ones (an earlier sink's, a leftover's) then reads and
		 * writes nothing; the pointer takes the new size. */
		station_input_destroy(st);
		st->width = msg->width;
		st->height = msg->height;
		st->input = vinput_create(st->seat, st->width, st->height);
		if (!st->input)
			log_error("rdp: %s: no new keyboard and pointer for %s: %m", st->seat,
				  msg->user);
		else
			station_input_keep(st);
	}
	if (!st->input) {
		logon_refuse(s, msg->user, "the station has no keyboard and pointer");
		if (st->sink == s) {
			st->sink = NULL;
			s->station = NULL;
			station_keep(st);
		}
		return;
	}
	if (strcmp(st->user, msg->user) || st->ended) {
		/* A kept slot changes hands: the new user's session. */
		snprintf(st->user, sizeof(st->user), "%s", msg->user);
		st->layout = msg->layout;
		station_set_session(st, &r->b->cfg);
		station_set_env(&st->spec, &r->b->cfg, msg->user, msg->layout);
		st->ended = false;
		seats_session_start(r->b, st->seat, &st->spec);
	}
	if (station_give_card(st->card, s->uid) < 0) {
		logon_refuse(s, msg->user, "the station's card cannot be handed over");
		/* The sink may have waited for the station's making. */
		if (st->sink == s) {
			st->sink = NULL;
			s->station = NULL;
			station_keep(st);
		}
		return;
	}
	st->sink = s;
	s->station = st;
	ok.card = st->card;
	fds[0] = vinput_keyboard_fd(st->input);
	fds[1] = vinput_pointer_fd(st->input);
	if (control_send(s->control, &ok, fds, 2) < 0) {
		log_warn("rdp: %s: the sink went away", st->seat);
		return;
	}
	loop_timer_arm(s->timer, 0);
	broker_changed(r->b);
	log_info("rdp: %s logged on from %s: %s, %dx%d", msg->user, s->peer, st->seat,
		 msg->width, msg->height);
	sink_scope(s);
}

/* PAM said yes: the user's station, found or made, goes to this sink. */
static void accept_logon(struct sink *s, const struct control_msg *msg)
{
	struct rdp *r = s->rdp;
	struct station *st = station_for(r, msg->user);

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
	if (!st)
		st = station_create(r, msg->user, msg->width, msg->height, msg->layout);
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
	s->auth = auth_job_start(r->b->loop, &ac, msg->user, msg->password, on_auth, s);
	if (!s->auth) {
		logon_refuse(s, msg->user, "authentication error");
		return;
	}
	loop_timer_arm(s->timer, HANDSHAKE_MS);
}
