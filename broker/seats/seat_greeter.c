// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "broker.h"
#include "greeter.h"
#include "log.h"
#include "seat_greeter.h"
#include "seat_login.h"
#include "seat_roam.h"
#include "station_kind.h"

/* The greeter's own run, now. */
static bool greeter_running(const struct seat *seat)
{
	const struct session *s = &seat->session;

	return s->pid > 0 && !s->stopping && s->run_greeter;
}

/* Only the greeter's own run may use the greetd socket: its user, from
 * its session (every seat's greeter runs as the same account). */
static bool is_greeter(void *data, const struct ucred *peer)
{
	struct seat *seat = data;

	return greeter_running(seat) && peer->uid == seat->session.uid &&
	       session_has_pid(&seat->session, peer->pid);
}

static const struct session_spec *configured(const struct seat *seat)
{
	return seat->kind && seat->kind->session_spec ?
	       seat->kind->session_spec(seat->broker, seat->name) : NULL;
}

int seat_greeter_tell(struct seat *seat, enum greeter_event ev, const char *user)
{
	if (!seat->kind || !seat->kind->greeter_event)
		return 0;
	return seat->kind->greeter_event(seat->broker, seat->name, ev, user);
}

/*
 * The user has a session at another station already: this station goes
 * to it (seat_roam.c), unless it is in use there and the configuration
 * says a logon takes nothing over. 1: it comes; 0: none elsewhere (or
 * none that can come): a session starts here; -1: refused.
 */
static int roam_here(struct seat *seat, const char *user, const struct session_spec *spec)
{
	struct broker *b = seat->broker;
	struct seat *from = seats_roam_source(b, user, seat);
	int rc;

	/* A station its kind makes (an RDP login screen's) moves the other
	 * way, in its greeter_event: its connection goes to the session. */
	if (!from || seat->kind->let_go)
		return 0;
	rc = seats_roam_allowed(b, from, user);
	if (rc == 0)
		rc = seats_roam_here(b, seat, from, user, spec);
	if (rc == -EOPNOTSUPP)
		return 0;	/* this station cannot move: a session of its own */
	if (rc < 0) {
		log_warn("%s: greeter: %s's session on %s does not come here: %s", seat->name,
			 user, from->name, rc == -EBUSY ? "it is in use there" : strerror(-rc));
		return -1;
	}
	log_info("%s: %s's session on %s comes to this station", seat->name, user, from->name);
	return 1;
}

/* The greeter is told yes, then goes (SIGTERM): the user's session
 * starts once it is gone, as seats_session_start does for any. */
static int login(void *data, const struct greeter_login *l)
{
	struct seat *seat = data;
	struct session_spec spec;
	int rc;

	/* Still the greeter that asked (not stopped since), and an account
	 * a session can run as (the check looked it up, not the loop). */
	if (!greeter_running(seat) || l->uid == 0)
		return -1;
	if (seat_login_spec(configured(seat), l->user, l->command, l->env, l->nenv, &spec) < 0) {
		log_warn("%s: greeter: %s's session cannot be made (too many env entries?)",
			 seat->name, l->user);
		return -1;
	}
	rc = seat_greeter_tell(seat, GREETER_LOGGED_ON, l->user);
	if (rc < 0) {
		log_warn("%s: greeter: %s may not log on at this station", seat->name, l->user);
		session_spec_free(&spec);
		return -1;
	}
	log_info("%s: %s logged on at the greeter", seat->name, l->user);
	/* Its kind took the user to their session elsewhere (an RDP login
	 * screen's connection goes to it): nothing starts here. */
	if (rc > 0) {
		session_spec_free(&spec);
		return 0;
	}
	rc = roam_here(seat, l->user, &spec);
	if (rc == 0)
		seats_session_start(seat->broker, seat->name, &spec);
	session_spec_free(&spec);
	return rc < 0 ? -1 : 0;
}

static void login_failed(void *data, const char *user)
{
	seat_greeter_tell(data, GREETER_FAILED, user);
}

int seat_greeter_init(struct seat *seat, const struct session_spec *spec)
{
	struct broker *b = seat->broker;
	struct greeter_hooks hooks = { .is_greeter = is_greeter, .login = login,
				       .failed = login_failed, .data = seat };
	struct auth_config auth = { .group = spec ? spec->logon_group : NULL };

	if (!spec || !spec->greeter)
		return 0;
	/* Its greeter is told from another seat's by its scope. */
	if (!scope_available())
		log_error("%s: a greeter needs systemd's scopes (cgroup v2): it will be refused "
			  "at the seat's sockets", seat->name);
	/* A kind may check its login screens' logons with its own service
	 * and group ([rdp] pam-service, group): they are its logons. */
	auth.service = spec->logon_service ? spec->logon_service : b->cfg.pam_service;
	seat->greeter = greeter_create(b->loop, seat->name, b->cfg.socket_dir, &auth, &hooks);
	if (!seat->greeter) {
		log_error("%s: no greetd socket for its greeter: %m", seat->name);
		return -1;
	}
	snprintf(seat->session.greetd_sock, sizeof(seat->session.greetd_sock), "%s",
		 greeter_socket(seat->greeter));
	return 0;
}

void seat_greeter_finish(struct seat *seat)
{
	greeter_destroy(seat->greeter);
	seat->greeter = NULL;
}

void seat_greeter_sync(struct seat *seat, const struct session_spec *spec)
{
	bool wanted = spec && spec->greeter;

	if (wanted && !seat->greeter)
		seat_greeter_init(seat, spec);
	else if (!wanted && seat->greeter) {
		seat_greeter_finish(seat);
		seat->session.greetd_sock[0] = '\0';
	}
}

/* The seat's configured greeter runs next, in place of a user's session
 * (why: for the log). */
static void back_to_greeter(struct seat *seat, const char *why)
{
	const struct session_spec *spec = configured(seat);

	if (!spec || !spec->greeter)
		return;
	log_info("%s: %s %s: the greeter again", seat->name,
		 seat->session.spec.user ? seat->session.spec.user : "?", why);
	if (session_set_spec(&seat->session, spec) < 0)
		log_error("%s: no memory for its greeter", seat->name);
	seat->session.failures = 0;
	seat_greeter_tell(seat, GREETER_BACK, NULL);
}

void seat_greeter_session_ended(struct seat *seat)
{
	if (!seat->greeter)
		return;
	greeter_reset(seat->greeter);
	/* A greeter's run, or a user's that another start replaces already. */
	if (seat->session.run_greeter || seat->session.start_when_gone)
		return;
	back_to_greeter(seat, "logged off");
	seat_roam_logged_off(seat);
}

void seat_greeter_start_failed(struct seat *seat)
{
	if (seat->greeter && !seat->session.spec.greeter)
		back_to_greeter(seat, "could not start a session");
}

bool seat_greeter_logged_on(const struct seat *seat)
{
	return seat->greeter && !seat->session.spec.greeter && session_spec_runs(&seat->session.spec);
}
