// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "fdstore.h"
#include "leases.h"
#include "log.h"
#include "roam.h"
#include "seat_greeter.h"
#include "seat_login.h"
#include "seat_roam.h"
#include "seats.h"
#include "station_kind.h"

struct seat *seats_find(struct broker *b, const char *name)
{
	struct seat *seat, *tmp;

	list_for_each(seat, tmp, &b->seats, link)
		if (!strcmp(seat->name, name))
			return seat;
	return NULL;
}

bool seats_device_held(struct broker *b, const char *name, dev_t devnum)
{
	struct seat *seat = seats_find(b, name);
	struct client *c, *tmp;
	struct client_device *d, *dtmp;

	if (!seat)
		return false;
	list_for_each(c, tmp, &seat->clients, link)
		list_for_each(d, dtmp, &c->devices, link)
			if (d->devnum == devnum && !d->revoked)
				return true;
	return false;
}

static void seat_accept(void *data, uint32_t events)
{
	struct seat *seat = data;
	int fd = accept4(seat->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("%s: accept: %m", seat->name);
		return;
	}
	client_create(seat, fd);
}

/*
 * The socket is world-connectable on purpose: who may use it is decided
 * per connection from SO_PEERCRED, which a path's permissions cannot fake.
 */
static int listen_name(const struct seat *seat, char *out, size_t size)
{
	return fdstore_name(out, size, "seat/%s", seat->name);
}

/* The socket a seatmuxd before this one listened on, if it kept it:
 * clients connect on without a moment's refusal. */
static int listen_taken_back(struct seat *seat)
{
	struct state *st = seat->broker->restored;
	char name[FDSTORE_NAME_MAX];
	int fd, yes = 0;
	socklen_t len = sizeof(yes);

	if (!st || listen_name(seat, name, sizeof(name)) < 0)
		return -1;
	fd = fdstore_take(&st->fds, name);
	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &yes, &len) < 0 || !yes ||
	    access(seat->socket_path, F_OK) < 0) {
		fdstore_drop(name);
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_new(struct seat *seat, const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char name[FDSTORE_NAME_MAX];
	int fd;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", seat->socket_path);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(seat->socket_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(seat->socket_path, 0666) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	if (listen_name(seat, name, sizeof(name)) == 0 && fdstore_put(name, fd) < 0)
		log_warn("%s: its socket is not kept across a restart", seat->name);
	return fd;
}

/*
 * The socket is world-connectable on purpose: who may use it is decided
 * per connection from SO_PEERCRED, which a path's permissions cannot fake.
 */
static int seat_listen(struct seat *seat, const char *dir)
{
	struct sockaddr_un addr;
	int fd;

	if ((size_t)snprintf(seat->socket_path, sizeof(seat->socket_path),
			     "%s/%s.sock", dir, seat->name) >= sizeof(seat->socket_path) ||
	    strlen(seat->socket_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = listen_taken_back(seat);
	if (fd < 0)
		fd = listen_new(seat, dir);
	if (fd < 0)
		return -1;
	seat->listen_fd = fd;
	seat->listen_src = loop_add_fd(seat->broker->loop, fd, EPOLLIN,
				       seat_accept, seat);
	if (!seat->listen_src) {
		close(fd);
		unlink(seat->socket_path);
		return -1;
	}
	return 0;
}

static void seat_changed(void *data)
{
	struct seat *seat = data;

	broker_changed(seat->broker);
}

static void seat_cut_off(struct seat *seat);

/* A recorded session that cannot be taken back ends whole: nothing of it
 * may keep what it was handed next to the seat's next session. */
static void kill_recorded(struct seat *seat, const struct state_record *r)
{
	char scope[SCOPE_NAME_MAX];

	if (session_record_scope(r, scope, sizeof(scope)) == 0)
		scope_signal(scope, SIGKILL);
}

/* "session SEAT PID UID DIGEST STATE SCOPE USER GID"; an older
 * seatmuxd's record ends at SCOPE (or before): its account has no name. */
static int record_account(const struct state_record *r, struct account *acct)
{
	long long uid, gid;

	memset(acct, 0, sizeof(*acct));
	if (r->argc < 6 || (r->argc > 7 && r->argc != 9) ||
	    state_number(r, 3, 1, UINT32_MAX - 1, &uid) < 0)
		return -1;
	acct->uid = (uid_t)uid;
	if (r->argc < 9)
		return 0;
	if (state_number(r, 8, 0, UINT32_MAX - 1, &gid) < 0 || !strcmp(r->argv[7], "-") ||
	    (size_t)snprintf(acct->name, sizeof(acct->name), "%s", r->argv[7]) >=
	    sizeof(acct->name))
		return -1;
	acct->gid = (gid_t)gid;
	return 0;
}

/*
 * The session the last seatmuxd ran on this seat, if it still runs: taken
 * back, and its clients with it. If the configuration now says another
 * session, it is restarted as a reload would (its clients cut off).
 */
static int take_back_session(struct seat *seat, const struct session_spec *spec)
{
	struct state *st = seat->broker->restored;
	const struct state_record *r;
	char name[FDSTORE_NAME_MAX], digest[24];
	struct account acct;
	long long pid;
	bool lost;
	int pidfd;

	r = st ? state_take(st, "session", seat->name, (char *)NULL) : NULL;
	if (!r || fdstore_name(name, sizeof(name), "session/%s", seat->name) < 0)
		return -1;
	pidfd = fdstore_take(&st->fds, name);
	if (pidfd < 0) {
		kill_recorded(seat, r);	/* its pidfd was not kept: gone, or unknown */
		return -1;
	}
	if (record_account(r, &acct) < 0 || state_number(r, 2, 1, INT32_MAX, &pid) < 0) {
		close(pidfd);
		pidfd = -1;
	}
	if (pidfd < 0 || session_adopt(&seat->session, pidfd, &acct) < 0) {
		log_warn("%s: the last seatmuxd's session cannot be taken back: ended",
			 seat->name);
		fdstore_drop(name);
		kill_recorded(seat, r);
		return -1;
	}
	if (seat->session.pid != (pid_t)pid) {
		log_warn("%s: the last seatmuxd's session is not the one it recorded: ended",
			 seat->name);
		session_stop(&seat->session);
		seat->session.start_when_gone = true;
		return -1;
	}
	lost = client_restore(seat, st) < 0;
	snprintf(digest, sizeof(digest), "%llx", session_spec_digest(spec));
	if (lost)
		log_warn("%s: a device its session held was not kept: restarting the session, "
			 "so that nothing keeps it unrevoked", seat->name);
	else if (strcmp(digest, r->argv[4]) || !strcmp(r->argv[5], "stopping"))
		log_info("%s: its session changed in the configuration while seatmuxd was away: "
			 "restarting it", seat->name);
	if (lost || strcmp(digest, r->argv[4]) || !strcmp(r->argv[5], "stopping")) {
		seat_cut_off(seat);
		session_stop(&seat->session);
		seat->session.stopped = false;
		seat->session.start_when_gone = true;
	}
	return 0;
}

/*
 * A user logged on at the seat's greeter (a "login" record): their
 * session is taken back as theirs. If it is not there to take back, the
 * seat starts its greeter: nobody is logged on without a logon.
 */
static void seat_take_back(struct seat *seat, const struct session_spec *spec)
{
	struct state *st = seat->broker->restored;
	const struct state_record *lr;
	struct session_spec login;

	lr = st && seat->greeter ? state_take(st, "login", seat->name, (char *)NULL) : NULL;
	if (!lr || seat_login_restore(spec, lr, &login) < 0) {
		take_back_session(seat, spec);
		return;
	}
	if (session_set_spec(&seat->session, &login) < 0 ||
	    take_back_session(seat, &login) < 0 || seat->session.start_when_gone) {
		/* Not taken back, or to be started again (a device was not
		 * kept, the seat's settings changed): the greeter's turn. */
		if (session_set_spec(&seat->session, spec) < 0)
			log_error("%s: no memory for its greeter", seat->name);
		seat_greeter_tell(seat, GREETER_BACK, NULL);
	} else {
		log_info("%s: %s, logged on at the greeter, taken back", seat->name, login.user);
	}
	session_spec_free(&login);
}


static void seat_start_failed(void *data)
{
	seat_greeter_start_failed(data);
}

/* The session is gone: so are its rights to the devices. */
static void seat_session_ended(void *data)
{
	struct seat *seat = data;
	struct client *c, *tmp;

	list_for_each(c, tmp, &seat->clients, link)
		if (c->uid != 0)
			client_destroy(c);
	seat_greeter_session_ended(seat);
}

void seat_set_station_name(struct seat *seat, const char *name)
{
	snprintf(seat->session.station, sizeof(seat->session.station), "%s", name);
}

static struct seat *seat_create(struct broker *b, const char *name,
			       const struct station_kind *kind)
{
	const struct session_spec *spec = kind->session_spec(b, name);
	struct seat *seat = calloc(1, sizeof(*seat));

	if (!seat)
		return NULL;
	seat->broker = b;
	seat->kind = kind;
	snprintf(seat->name, sizeof(seat->name), "%s", name);
	seat->listen_fd = -1;
	list_init(&seat->clients);
	if (seat_listen(seat, b->cfg.socket_dir) < 0) {
		log_error("%s: cannot listen on %s: %m", name, seat->socket_path);
		free(seat);
		return NULL;
	}
	if (session_init(&seat->session, b->loop, name, seat->socket_path,
			 seat_session_ended, seat) < 0 ||
	    session_set_spec(&seat->session, spec) < 0)
		goto err;
	seat->session.changed = seat_changed;
	seat->session.start_failed = seat_start_failed;
	/* Named for its devices' station, wherever they are. */
	seat_set_station_name(seat, station_names_get(&b->names, roam_home(b, name)));
	seat->session.pam_service = b->cfg.pam_service;
	if (b->session_helper)
		seat->session.helper = b->session_helper;
	/* logind registers a session on seat0, which has the VTs, with its
	 * VT: the one seatmuxd keeps off seat0's head. */
	if (!strcmp(name, "seat0") && b->console.taken)
		seat->session.vt = b->console.vt;
	if (seat_greeter_init(seat, spec) < 0)
		goto err;
	/* Taken when the last seatmuxd went: its clients were disabled. */
	seat->taken = b->restored && state_take(b->restored, "taken", name, (char *)NULL);
	list_insert(&b->seats, &seat->link);
	log_info("%s: seat up, socket %s%s", name, seat->socket_path,
		 session_spec_runs(spec) ? "" :
		 ", no session configured");
	seat_take_back(seat, spec);
	broker_changed(b);
	return seat;

err:
	session_finish(&seat->session);
	loop_remove(seat->listen_src);
	close(seat->listen_fd);
	unlink(seat->socket_path);
	free(seat);
	return NULL;
}

static void seat_destroy(struct seat *seat)
{
	char name[FDSTORE_NAME_MAX];
	struct client *c, *tmp;

	/* Revoke first, so nothing of the session keeps a device alive. */
	list_for_each(c, tmp, &seat->clients, link)
		client_destroy(c);
	session_finish(&seat->session);
	seat_greeter_finish(seat);
	seat_roam_finish(seat, true);
	loop_remove(seat->listen_src);
	close(seat->listen_fd);
	unlink(seat->socket_path);
	if (listen_name(seat, name, sizeof(name)) == 0)
		fdstore_drop(name);
	list_remove(&seat->link);
	broker_changed(seat->broker);
	log_info("%s: seat down", seat->name);
	seat_roam_gone(seat);
	free(seat);
}

/*
 * What makes a seat exist: a master-of-seat card, or a connector of a card
 * that udev gave to the seat on its own (served by lease).
 */
static bool is_head(const struct device *dev)
{
	return dev->master || (dev->kind == DEVICE_DRM_CONNECTOR && dev->seat[0]);
}

/* The kind of station a head of this origin would be; NULL: none. */
static const struct station_kind *kind_of(struct broker *b, const struct device *dev)
{
	for (int i = 0; i < b->nkinds; i++)
		if (b->kinds[i]->origin == dev->origin)
			return b->kinds[i];
	return NULL;
}

static bool head_allowed(struct broker *b, const struct device *dev)
{
	const struct station_kind *kind = kind_of(b, dev);

	if (kind && kind->wants_head(b, dev))
		return true;
	if (kind)
		kind->leave_alone(b, dev);
	return false;
}

void seats_device_added(struct broker *b, struct device *dev)
{
	struct seat *seat;

	if (!is_head(dev) || !head_allowed(b, dev))
		return;
	seat = seats_find(b, dev->seat);
	if (!seat) {
		seat = seat_create(b, dev->seat, kind_of(b, dev));
		if (!seat)
			return;
		seat->masters = 1;
		dev->counted = true;
		leases_seat_cards(b, seat->name, seat->session.drm_devices,
				  sizeof(seat->session.drm_devices));
		/* Point the session at its virtual head, past the console's card. */
		if (!b->physical_heads && dev->origin == DEVICE_VIRTUAL &&
		    !seat->session.drm_devices[0])
			snprintf(seat->session.drm_devices, sizeof(seat->session.drm_devices),
				 "%s", dev->devnode);
		if (seat->session.pid <= 0)	/* not taken back from the last seatmuxd */
			session_start(&seat->session);
		return;
	}
	dev->counted = true;
	seat->masters++;
	if (seat->arriving && seat->arriving == kind_of(b, dev))
		seat_roam_arrived(seat);
}

void seats_device_removed(struct broker *b, struct device *dev)
{
	struct seat *seat, *tmp;
	struct client *c, *ctmp;

	/* A vanished device is revoked wherever a session holds it. */
	if (dev->kind != DEVICE_DRM_CONNECTOR)
		list_for_each(seat, tmp, &b->seats, link)
			list_for_each(c, ctmp, &seat->clients, link)
				client_device_gone(c, dev->devnum);
	if (dev->kind == DEVICE_DRM_CARD)
		leases_card_gone(b, dev->devnum);
	/* Counted as it came: a station let go of meanwhile no longer
	 * claims its head, which its seat counted all the same. */
	if (!dev->counted)
		return;
	dev->counted = false;
	seat = seats_find(b, dev->seat);
	if (!seat || --seat->masters > 0)
		return;
	/* A station away for a while keeps its seat and session. */
	if (kind_of(b, dev)->keeps_seat(b, seat->name)) {
		log_info("%s: lost its head (%s); kept for its station", seat->name, dev->devnode);
		return;
	}
	log_info("%s: lost its last head (%s)", seat->name, dev->devnode);
	seat_destroy(seat);
}

void seats_destroy_all(struct broker *b)
{
	struct seat *seat, *tmp;

	list_for_each(seat, tmp, &b->seats, link)
		seat_destroy(seat);
}

void seats_reload(struct broker *b)
{
	const struct session_spec *spec;
	struct seat *seat, *tmp;
	bool logged_on;

	list_for_each(seat, tmp, &b->seats, link) {
		spec = seat->kind->session_spec(b, seat->name);
		if (session_spec_equal(&seat->session.spec, spec))
			continue;
		/* A user logged on at the greeter keeps their session: the
		 * greeter's new configuration waits until they log off. (Asked
		 * before a greeter is added: a seat's own session is no logon.) */
		logged_on = seat_greeter_logged_on(seat);
		seat_greeter_sync(seat, spec);
		if (logged_on && spec && spec->greeter)
			continue;
		log_info("%s: its session changed in the configuration: %s", seat->name,
			 session_spec_runs(spec) ? "restarting it" : "stopping it");
		seats_session_start(b, seat->name, spec);
	}
}


/* The session's clients lose their devices and their connections. */
static void seat_cut_off(struct seat *seat)
{
	struct client *c, *tmp;

	list_for_each(c, tmp, &seat->clients, link)
		client_destroy(c);
}

void seats_session_start(struct broker *b, const char *name,
			 const struct session_spec *spec)
{
	struct seat *seat = seats_find(b, name);

	if (!seat)
		return;		/* it starts when its head arrives */
	seat_cut_off(seat);
	session_stop(&seat->session);
	/* A station's slot may become a login screen (RDP's), or stop being
	 * one: its greetd socket comes or goes with what its kind says the
	 * seat is (a logon at its greeter leaves that a greeter). */
	seat_greeter_sync(seat, seat->kind && seat->kind->session_spec ?
				seat->kind->session_spec(b, name) : NULL);
	if (session_set_spec(&seat->session, spec) < 0)
		log_error("%s: no memory for its session", name);
	seat->session.stopped = false;
	seat->session.failures = 0;
	session_start(&seat->session);
}

void seats_session_stop(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);

	if (!seat)
		return;
	/* Its devices go first: nothing of the old session keeps them. */
	seat_cut_off(seat);
	session_stop(&seat->session);
	session_set_spec(&seat->session, NULL);	/* none until it is handed one */
}

void seats_log_off(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);

	if (!seat)
		return;
	if (seat->kind && seat->kind->log_off) {
		seat->kind->log_off(b, name);
		return;
	}
	seats_session_start(b, name, seat->kind && seat->kind->session_spec ?
				     seat->kind->session_spec(b, name) : NULL);
	seat_roam_logged_off(seat);
}

pid_t seats_launch(struct broker *b, const char *name, char *const *argv)
{
	struct seat *seat = seats_find(b, name);

	return seat ? session_launch(&seat->session, argv) : -ENOENT;
}

int seats_takeable(struct broker *b, const char *name)
{
	return seats_find(b, name) ? 0 : -ENOENT;
}

int seats_take(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);
	struct client *c, *tmp;
	int rc = seats_takeable(b, name);

	if (rc < 0)
		return rc;
	if (!seat->taken)
		log_info("%s: taken from its session", name);
	seat->taken = true;
	broker_changed(b);
	list_for_each(c, tmp, &seat->clients, link)
		client_disable(c);
	return 0;
}

void seats_give_back(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);
	struct client *c, *tmp;

	if (!seat || !seat->taken)
		return;
	seat->taken = false;
	broker_changed(b);
	log_info("%s: given back to its session", name);
	list_for_each(c, tmp, &seat->clients, link)
		client_enable(c);
}

void seats_save(struct broker *b, FILE *f)
{
	struct seat *seat, *tmp;
	struct client *c, *ctmp;

	list_for_each(seat, tmp, &b->seats, link) {
		if (seat->taken)
			state_put(f, "taken", seat->name, (char *)NULL);
		session_save(&seat->session, f);
		if (seat->greeter && seat->session.pid > 0)
			seat_login_save(seat->name, &seat->session.spec, f);
		seat_roam_save(seat, f);
		list_for_each(c, ctmp, &seat->clients, link)
			client_save(c, f);
	}
}

void seats_check_devices(struct broker *b)
{
	struct seat *seat, *tmp;
	struct client *c, *ctmp;

	list_for_each(seat, tmp, &b->seats, link)
		list_for_each(c, ctmp, &seat->clients, link)
			client_check_devices(c);
}

void seats_station_gone(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);

	if (seat && seat->masters <= 0) {
		log_info("%s: its station is gone for good", name);
		seat_destroy(seat);
	}
}

void seats_release_all(struct broker *b)
{
	struct seat *seat, *tmp;
	struct client *c, *ctmp;

	list_for_each(seat, tmp, &b->seats, link) {
		list_for_each(c, ctmp, &seat->clients, link)
			client_release(c);
		session_release(&seat->session);
		seat_greeter_finish(seat);
		seat_roam_finish(seat, false);
		loop_remove(seat->listen_src);
		close(seat->listen_fd);	/* its path stays: the next one listens on */
		list_remove(&seat->link);
		free(seat);
	}
}
