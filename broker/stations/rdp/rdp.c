/*
 * One listening socket; per connection a sink process (unprivileged, with
 * the socket and one end of a SOCK_SEQPACKET pair) and a handshake timer;
 * per user a station. The broker reads only control messages: logons. A
 * sink that does not log on in time, or a peer address that keeps
 * failing, costs only itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/vm_sockets.h>
#include <unistd.h>

#include "auth.h"
#include "auth_job.h"
#include "broker.h"
#include "build_config.h"
#include "child_job.h"
#include "helper_uid.h"
#include "control.h"
#include "edid.h"
#include "fdstore.h"
#include "layout.h"
#include "log.h"
#include "station_kind.h"
#include "spawn.h"
#include "ratelimit.h"
#include "rdp.h"
#include "scope.h"
#include "sink_zygote.h"
#include "seats.h"
#include "station_pool.h"
#include "tls_cert.h"
#include "udev_rules.h"
#include "vhead.h"
#include "vinput.h"

#define HANDSHAKE_MS 30000
#define DRM_MAJOR 226
/* A sink zygote that went is started again after this long at most. */
#define ZYGOTE_RETRY_MS 10000
#define RULES_PATH "/run/udev/rules.d/73-seatmux-rdp.rules"

/* A station is made in steps, each waiting on the kernel or udev in a
 * child job. Heads are added one at a time: the new card is told by the
 * node that was not there before. */
enum station_state {
	STATION_WAITS_HEAD,
	STATION_ADDS_HEAD,
	STATION_LOADS_RULES,
	STATION_READY,
};

struct station {
	struct list link;
	struct broker *b;
	char seat[32];
	char user[CONTROL_MAX_TEXT + 1];
	int card;
	struct vinput *input;
	struct session_spec spec;	/* its user's session, handed to its seat */
	struct sink *sink;		/* connected now, or NULL */
	struct loop_source *keep_timer;
	enum station_state state;
	struct child_job *job;		/* the step under way, or the retrigger */
	int number;			/* of its seat: rdp-N */
	int width, height;		/* asked for at its making */
	uint32_t layout;		/* its user's keyboard layout (the session's) */
	bool ended;			/* kept for reuse, no session */
};

struct sink {
	struct list link;
	struct rdp *rdp;
	pid_t pid;
	int pidfd;			/* forked by the zygote: -1 when exec'd */
	struct child *child;		/* exec'd: seatmuxd's own child */
	struct loop_source *exit_src;	/* its pidfd: it ended */
	uid_t uid;			/* of its own, for as long as it runs */
	int control;
	struct loop_source *src, *timer;
	struct ratelimit_key origin;	/* its address, as the rate limit knows it */
	char peer[64];
	struct station *station;
	struct auth_job *auth;		/* PAM asked, no answer yet */
	struct control_msg asked;	/* that logon, without its password */
	/* Once it has a station: moved into a scope of its own (out of
	 * seatmuxd's cgroup), its pidfd and channel kept in systemd's store
	 * under sink/KEY: a restarted seatmuxd takes it back. */
	uint64_t key;
	struct child_job *scoping;	/* the move, under way */
	bool kept;
};

struct rdp {
	struct broker *b;
	int listen_fd, vsock_fd;
	struct loop_source *listen_src, *vsock_src;
	struct list sinks, stations;
	struct ratelimit failures;
	char *cert, *key;
	gid_t sink_gid;
	struct sink_zygote zygote;
	struct child *zygote_child;	/* the zygote, our child: its end */
	struct loop_source *zygote_src;	/* until it says it is ready */
	uint64_t zygote_started_ms;	/* 0: never */
	uint32_t next_uid;		/* from a random start */
	struct station_pool pool;	/* numbers and cards no station has */
};

static void rdp_take_back(struct rdp *r, struct state *sb);
static void rdp_close(struct rdp *r);

static char *slurp(const char *dir, const char *name)
{
	char path[512], *text = NULL;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0 || st.st_size > 65536)
		goto out;
	text = calloc(1, (size_t)st.st_size + 1);
	if (text && fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(text);
		text = NULL;
	}
out:
	if (f)
		fclose(f);
	return text;
}

/* -- udev: the station's devices become its seat -- */

static void rules(FILE *f, void *data)
{
	struct rdp *r = data;
	struct station *st, *tmp;

	list_for_each(st, tmp, &r->stations, link) {
		fprintf(f, "SUBSYSTEM==\"drm\", KERNEL==\"card%d\", ENV{ID_SEAT}=\"%s\"\n",
			st->card, st->seat);
		fprintf(f, "SUBSYSTEM==\"input\", ATTRS{name}==\"seatmux %s *\", ENV{ID_SEAT}=\"%s\"\n",
			st->seat, st->seat);
	}
}

static int write_rules(struct rdp *r)
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
static int give_card(int card, uid_t uid)
{
	return card_own(card, uid);
}

/*
 * The card back to root, before anyone else may have it: its last sink
 * ended, or it waits in the pool. A sink's fds die with it and its
 * leftovers with helper_uid_sweep; this bars new opens by that uid.
 */
static void take_card(int card, const char *seat)
{
	if (card >= 0 && card_own(card, 0) < 0)
		log_warn("rdp: %s: cannot take card%d back: %m", seat, card);
}

/* -- stations -- */

/* The user's env lines, and the client's keyboard layout for the
 * session's keymap. */
static void set_env(struct session_spec *sc, const struct config *cfg, const char *user,
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

static void station_set_session(struct station *st, const struct config *cfg)
{
	const struct rdp_config *rc = &cfg->rdp;
	const struct rdp_user_config *u = config_rdp_user(cfg, st->user);
	const char *application = u && (u->application || u->command) ? u->application : rc->application;
	const char *command = u && (u->application || u->command) ? u->command : rc->command;
	struct session_spec *sc = &st->spec;
	char log[256];
	const char *pct = rc->log_path ? strstr(rc->log_path, "%s") : NULL;

	free(sc->user);
	sc->user = strdup(st->user);
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

/* The sink's logon is refused, and why: to the client and to the log
 * (the user name as the client typed it, escaped). */
static void refuse(struct sink *s, const char *user, const char *why)
{
	struct control_msg msg = { .type = CONTROL_REFUSED };
	char name[LOG_TEXT_MAX];

	snprintf(msg.reason, sizeof(msg.reason), "%s", why);
	control_send(s->control, &msg, NULL, 0);
	log_warn("rdp: logon of '%s' from %s refused: %s", log_escape(name, sizeof(name), user),
		 s->peer, why);
}

/* In a child: a new evdi device, once udev has made its card node. */
static void add_head(void *arg, void *out)
{
	*(int *)out = vhead_add_device();
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

static void station_hand(struct station *st, struct sink *s);
static void heads_next(struct rdp *r);

static int input_name(const struct station *st, const char *which, char *out, size_t size)
{
	return fdstore_name(out, size, "station/%d/%s", st->number, which);
}

/* The station's keyboard and pointer outlive seatmuxd: uinput devices
 * die with the last fd to them. */
static void station_input_keep(struct station *st)
{
	char name[FDSTORE_NAME_MAX];

	if ((input_name(st, "keyboard", name, sizeof(name)) == 0 &&
	     fdstore_put(name, vinput_keyboard_fd(st->input)) < 0) ||
	    (input_name(st, "pointer", name, sizeof(name)) == 0 &&
	     fdstore_put(name, vinput_pointer_fd(st->input)) < 0))
		log_warn("rdp: %s: its keyboard and pointer are not kept across a restart",
			 st->seat);
	broker_changed(st->b);
}

static void station_input_destroy(struct station *st)
{
	char name[FDSTORE_NAME_MAX];

	if (!st->input)
		return;
	if (input_name(st, "keyboard", name, sizeof(name)) == 0)
		fdstore_drop(name);
	if (input_name(st, "pointer", name, sizeof(name)) == 0)
		fdstore_drop(name);
	vinput_destroy(st->input);
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
	if (st->sink) {
		refuse(st->sink, st->user, "no station could be made");
		st->sink->station = NULL;
	}
	child_job_cancel(st->job);
	if (st->keep_timer)
		loop_remove(st->keep_timer);
	station_input_destroy(st);
	list_remove(&st->link);
	session_spec_free(&st->spec);
	if (st->card >= 0) {
		take_card(st->card, st->seat);
		if (station_pool_put_card(&r->pool, st->card) < 0)
			log_warn("rdp: card%d is in the pool already", st->card);
		if (write_rules(r) < 0)
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
	st->input = vinput_create(st->seat, st->width, st->height);
	if (!st->input) {
		station_fail(st, "no virtual keyboard and pointer");
		return;
	}
	station_input_keep(st);
	st->state = STATION_READY;
	log_info("rdp: %s is %s's station (card%d)", st->seat, st->user, st->card);
	if (st->sink)
		station_hand(st, st->sink);
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
	if (card < 0) {
		station_fail(st, "no virtual head");
		heads_next(r);
		return;
	}
	st->card = card;
	st->state = STATION_LOADS_RULES;
	heads_next(r);
	/* Rules before the keyboard and pointer: they are born into the seat. */
	if (write_rules(r) < 0)
		log_warn("rdp: cannot write %s: %m", RULES_PATH);
	st->job = child_job_start(r->b->loop, sizeof(int), load_rules, NULL,
				  on_rules_loaded, st);
	if (!st->job) {
		log_warn("rdp: %s: cannot have udev reload its rules: %m", st->seat);
		on_rules_loaded(st, NULL);
	}
}

/* The next station waiting for a head gets one, unless one is under way. */
static void heads_next(struct rdp *r)
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
	next->job = child_job_start(r->b->loop, sizeof(int), add_head, NULL, on_head_added, next);
	if (!next->job) {
		station_fail(next, "cannot start adding a head");
		heads_next(r);
		return;
	}
	next->state = STATION_ADDS_HEAD;
}

/*
 * A station for a user with none: its seat now; then, from heads_next on,
 * each step a child job so that the loop serves everyone else meanwhile,
 * a virtual head, udev's rules for its devices, its keyboard and pointer.
 * Whoever waits for it is its sink; it may be gone by then.
 */
static struct station *station_create(struct rdp *r, const char *user, int w, int h,
				      uint32_t layout)
{
	int number = station_pool_take_number(&r->pool);
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
	snprintf(st->seat, sizeof(st->seat), "seat-rdp%d", st->number);
	snprintf(st->user, sizeof(st->user), "%s", user);
	st->layout = layout;
	station_set_session(st, &r->b->cfg);
	set_env(&st->spec, &r->b->cfg, user, layout);
	list_insert(&r->stations, &st->link);
	return st;
err:
	free(st);
	station_pool_put_number(&r->pool, number);
	return NULL;
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
	log_info("rdp: %s: %s did not come back, session ended", st->seat, st->user);
	st->ended = true;
	seats_session_stop(st->b, st->seat);
}

/* Nobody on the station: its session is kept for the configured time. */
static void station_keep(struct station *st)
{
	const struct rdp_config *rc = &st->b->cfg.rdp;

	log_info("rdp: %s disconnected; %s kept for %d s", st->user, st->seat, rc->keep_s);
	if (!st->keep_timer)
		st->keep_timer = loop_add_timer(st->b->loop, station_keep_expired, st);
	if (st->keep_timer)
		loop_timer_arm(st->keep_timer, rc->keep_s > 0 ? rc->keep_s * 1000 : 1);
}

/* -- sinks -- */

static int sink_name(const struct sink *s, const char *which, char *out, size_t size)
{
	return fdstore_name(out, size, "sink/%llu/%s", (unsigned long long)s->key, which);
}

static void sink_unkeep(struct sink *s)
{
	char name[FDSTORE_NAME_MAX];

	if (!s->kept)
		return;
	if (sink_name(s, "control", name, sizeof(name)) == 0)
		fdstore_drop(name);
	if (sink_name(s, "pid", name, sizeof(name)) == 0)
		fdstore_drop(name);
	s->kept = false;
	broker_changed(s->rdp->b);
}

static void sink_free(struct sink *s)
{
	if (s->station && s->station->sink == s)
		s->station->sink = NULL;
	sink_unkeep(s);
	child_job_cancel(s->scoping);
	auth_job_cancel(s->auth);
	child_detach(s->child);
	if (s->exit_src)
		loop_remove(s->exit_src);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->src)
		loop_remove(s->src);
	if (s->timer)
		loop_remove(s->timer);
	if (s->control >= 0)
		close(s->control);
	list_remove(&s->link);
	free(s);
}

static void sink_kill(struct sink *s)
{
	char scope[SCOPE_NAME_MAX];

	if (s->pidfd >= 0)
		pidfd_kill(s->pidfd);
	else if (s->child)
		child_signal(s->child, SIGKILL);
	/* Whatever it started, once it is in a scope of its own. */
	if (s->pid > 0 && scope_name(scope, sizeof(scope), "sink", s->pid) == 0)
		scope_signal(scope, SIGKILL);
}

/*
 * The sink ended: whatever it left running goes, its station's card is
 * root's again (the next holder may be another user's sink), and the
 * station is kept for its user. Its uid does not come back for millions
 * of sinks, so nothing else would end those leftovers.
 */
static void sink_ended(struct sink *s)
{
	struct station *st = s->station;

	if (s->uid != (uid_t)-1 && helper_uid_sweep(s->uid) < 0)
		log_warn("rdp: %s: cannot end what uid %u left running: %m", s->peer,
			 (unsigned)s->uid);
	sink_free(s);
	if (!st)
		return;
	if (st->state == STATION_READY)
		take_card(st->card, st->seat);
	station_keep(st);
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

/* -- a sink outlives seatmuxd once it serves a station -- */

struct sink_scope_arg {
	char scope[SCOPE_NAME_MAX];
	pid_t pid;
};

/* In a child: systemd moves the sink into a scope of its own. */
static void scope_sink(void *arg, void *out)
{
	const struct sink_scope_arg *a = arg;

	*(int *)out = scope_move(a->scope, "seatmux RDP sink", a->pid);
}

static int sink_pidfd(const struct sink *s)
{
	return s->pidfd >= 0 ? s->pidfd : s->child ? child_pidfd(s->child) : -1;
}

static void sink_keep(struct sink *s)
{
	char name[FDSTORE_NAME_MAX];

	if (sink_name(s, "control", name, sizeof(name)) < 0 ||
	    fdstore_put(name, s->control) < 0 ||
	    sink_name(s, "pid", name, sizeof(name)) < 0 ||
	    fdstore_put(name, sink_pidfd(s)) < 0) {
		s->kept = true;		/* whatever was kept goes */
		sink_unkeep(s);
		log_warn("rdp: %s: sink pid %d is not kept across a restart", s->peer,
			 (int)s->pid);
		return;
	}
	s->kept = true;
	broker_changed(s->rdp->b);
}

static void on_sink_scoped(void *data, const void *out)
{
	struct sink *s = data;

	s->scoping = NULL;
	if (!out || *(const int *)out < 0) {
		log_warn("rdp: %s: sink pid %d stays in seatmuxd's cgroup: a restart of "
			 "seatmuxd ends its connection", s->peer, (int)s->pid);
		return;
	}
	sink_keep(s);
}

static void sink_scope(struct sink *s)
{
	struct sink_scope_arg a = { .pid = s->pid };

	if (s->kept || s->scoping || !fdstore_available() || !scope_available() ||
	    sink_pidfd(s) < 0 || scope_name(a.scope, sizeof(a.scope), "sink", s->pid) < 0)
		return;
	s->scoping = child_job_start(s->rdp->b->loop, sizeof(int), scope_sink, &a,
				     on_sink_scoped, s);
	if (!s->scoping)
		log_warn("rdp: %s: sink pid %d cannot be moved out of seatmuxd's cgroup: %m",
			 s->peer, (int)s->pid);
}

/* The station, made, goes to the sink that logged on for it. */
static void station_hand(struct station *st, struct sink *s)
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
		refuse(s, msg->user, "the station has no keyboard and pointer");
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
		set_env(&st->spec, &r->b->cfg, msg->user, msg->layout);
		st->ended = false;
		seats_session_start(r->b, st->seat, &st->spec);
	}
	if (give_card(st->card, s->uid) < 0) {
		refuse(s, msg->user, "the station's card cannot be handed over");
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
		refuse(s, msg->user, "the desktop size is not supported (64x64 to 4095x4095)");
		return;
	}
	if (st && st->sink) {
		refuse(s, msg->user, "the station is in use by another connection");
		return;
	}
	if (!st)
		st = station_create(r, msg->user, msg->width, msg->height, msg->layout);
	if (!st) {
		refuse(s, msg->user, "no station could be made");
		return;
	}
	if (st->state != STATION_READY) {
		/* Its devices are on their way; the handshake timer still runs. */
		st->sink = s;
		s->station = st;
		heads_next(r);
		return;
	}
	station_hand(st, s);
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
		refuse(s, s->asked.user, auth_result_text(res));
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
static void logon(struct sink *s, const struct control_msg *msg)
{
	struct rdp *r = s->rdp;
	struct rdp_config *rc = &r->b->cfg.rdp;
	struct auth_config ac = { .service = rc->pam_service ? rc->pam_service : "seatmux",
				  .group = rc->group };

	if (s->station || s->auth) {
		refuse(s, msg->user, "logged on already");
		return;
	}
	if (!ratelimit_allow(&r->failures, &s->origin, loop_now_ms())) {
		refuse(s, msg->user, ratelimit_all_held(&r->failures, loop_now_ms()) ?
		       "too many failed logons from everywhere: try again later" :
		       "too many failed logons from this address");
		return;
	}
	s->asked = (struct control_msg){ .type = CONTROL_LOGON, .width = msg->width,
					 .height = msg->height, .layout = msg->layout };
	snprintf(s->asked.user, sizeof(s->asked.user), "%s", msg->user);
	s->auth = auth_job_start(r->b->loop, &ac, msg->user, msg->password, on_auth, s);
	if (!s->auth) {
		refuse(s, msg->user, "authentication error");
		return;
	}
	loop_timer_arm(s->timer, HANDSHAKE_MS);
}

static void on_control(void *data, uint32_t events)
{
	struct sink *s = data;
	uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg msg;
	int fds[2], rc;

	rc = control_recv(s->control, buf, &msg, fds, 0);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);	/* a sink sends none */
	if (rc == -ETIMEDOUT)
		return;
	if (rc < 0 || msg.type != CONTROL_LOGON) {
		/* Gone, or talking nonsense: it gets nothing more. */
		loop_remove(s->src);
		s->src = NULL;
		if (rc != -ECONNRESET)
			sink_kill(s);
		return;
	}
	logon(s, &msg);
	memset(&msg, 0, sizeof(msg));
	memset(buf, 0, sizeof(buf));
}

static void on_handshake_timeout(void *data, uint32_t events)
{
	struct sink *s = data;

	if (s->auth)
		log_warn("rdp: %s: PAM did not answer within %d s: closed", s->peer,
			 HANDSHAKE_MS / 1000);
	else
		log_warn("rdp: %s did not log on within %d s: closed", s->peer, HANDSHAKE_MS / 1000);
	auth_job_cancel(s->auth);
	s->auth = NULL;
	sink_kill(s);
}

/* Connections not logged on: in all, and from that origin. */
static int pending(struct rdp *r, const struct ratelimit_key *origin, int *same)
{
	struct sink *s, *tmp;
	int n = 0;

	*same = 0;
	list_for_each(s, tmp, &r->sinks, link) {
		if (s->station)
			continue;
		n++;
		*same += ratelimit_key_equal(&s->origin, origin);
	}
	return n;
}

/* The next uid of the range that no running sink has. */
static uid_t sink_uid(struct rdp *r)
{
	for (unsigned tries = 0; tries < SINK_UID_COUNT; tries++) {
		uid_t uid = helper_uid_sink(r->next_uid++);
		struct sink *s, *tmp;
		bool taken = false;

		list_for_each(s, tmp, &r->sinks, link)
			taken |= s->uid == uid;
		if (!taken)
			return uid;
	}
	return (uid_t)-1;
}

/* As its uid, fds 3 (the client) and 4 (its control channel) laid out. */
static int sink_run(void *arg)
{
	if (!helper_uid_claim())
		return 126;
	execl(SEATMUX_LIBEXECDIR "/seatmux-rdp-sink", "seatmux-rdp-sink", (char *)NULL);
	return 127;
}

/* An exec'd sink ended, reaped. */
static void on_exec_sink_ended(void *data, pid_t pid, int status)
{
	struct sink *s = data;

	s->child = NULL;
	log_info("rdp: %s: sink pid %d ended", s->peer, (int)pid);
	sink_ended(s);
}

static struct child *sink_exec(struct sink *s, int client, int control)
{
	const int fds[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, client, control };
	const struct spawn sp = {
		.fds = fds, .nfds = 5, .drop = true, .uid = s->uid, .gid = s->rdp->sink_gid,
		.run = sink_run,
	};

	if (s->uid == (uid_t)-1) {
		errno = EAGAIN;
		return NULL;
	}
	return spawn_child(s->rdp->b->loop, &sp, on_exec_sink_ended, s);
}

/* Before the zygote's fd closes: the loop forgets it first. */
static void zygote_unwatch(struct rdp *r)
{
	if (r->zygote_src)
		loop_remove(r->zygote_src);
	r->zygote_src = NULL;
}

static void on_zygote_ready(void *data, uint32_t events);

static void zygote_watch(struct rdp *r)
{
	r->zygote_src = loop_add_fd(r->b->loop, r->zygote.fd, EPOLLIN, on_zygote_ready, r);
	if (!r->zygote_src) {
		log_warn("rdp: cannot watch the sink zygote (%m): sinks are exec'd");
		sink_zygote_stop(&r->zygote);	/* it ends on its own */
	}
}

/* The zygote's first word (or its end): sinks may come from it now. */
static void on_zygote_ready(void *data, uint32_t events)
{
	struct rdp *r = data;
	pid_t pid = r->zygote.pid;
	int rc;

	zygote_unwatch(r);
	rc = sink_zygote_take_ready(&r->zygote);
	if (rc == -EAGAIN)
		zygote_watch(r);
	else if (rc == 0)
		log_info("rdp: sink zygote pid %d ready", (int)pid);
	else
		log_warn("rdp: the sink zygote (pid %d) went before it was ready (%s): sinks are "
			 "exec'd", (int)pid, strerror(-rc));
}

/* A zygote gone (crashed, retired, given up) is started again, once a
 * while at most: sinks are exec'd meanwhile, and until it is ready. */
static void on_zygote_ended(void *data, pid_t pid, int status)
{
	struct rdp *r = data;

	r->zygote_child = NULL;
	zygote_unwatch(r);
	sink_zygote_reaped(&r->zygote, pid);
	log_warn("rdp: the sink zygote (pid %d) ended with status %d: sinks are exec'd "
		 "until it is started again", (int)pid, status);
}

static void zygote_again(struct rdp *r)
{
	uint64_t now = loop_now_ms();
	int rc;

	if (r->zygote.fd >= 0 || r->zygote.pid > 0 ||
	    (r->zygote_started_ms && now - r->zygote_started_ms < ZYGOTE_RETRY_MS))
		return;
	r->zygote_started_ms = now;
	rc = sink_zygote_start(&r->zygote, SEATMUX_LIBEXECDIR "/seatmux-rdp-sink");
	if (rc < 0) {
		log_warn("rdp: no sink zygote (%s): sinks are exec'd", strerror(-rc));
		return;
	}
	r->zygote_child = child_adopt(r->b->loop, r->zygote.pid, on_zygote_ended, r);
	if (!r->zygote_child) {
		log_warn("rdp: cannot watch the sink zygote (%m): sinks are exec'd");
		sink_zygote_reaped(&r->zygote, r->zygote.pid);	/* killed and reaped */
		return;
	}
	log_info("rdp: sink zygote pid %d", (int)r->zygote.pid);
	zygote_watch(r);
}

/* A zygote's sink ended: its pidfd is readable. */
static void on_sink_exit(void *data, uint32_t events)
{
	struct sink *s = data;

	log_info("rdp: %s: sink pid %d ended", s->peer, (int)s->pid);
	sink_ended(s);
}

/*
 * A sink parses what the network sends before anyone logged on, and
 * gets the RDP TLS key first: FreeRDP 2's server does the handshake
 * itself, from a key in its memory, with no hook to sign elsewhere. That
 * key is the RDP listener's identity alone (USB/IP's is another). Broken
 * into, a sink reaches that key and, once its user logged on, its
 * station's card and input devices; when it ends, its uid's processes go
 * and the card is root's again (sink_ended).
 */
static void spawn(struct rdp *r, int client, const struct ratelimit_key *origin,
		  const char *peer)
{
	struct control_msg tls = { .type = CONTROL_TLS, .cert = r->cert, .key = r->key };
	struct sink *s = calloc(1, sizeof(*s));
	int pair[2];

	if (!s || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		free(s);
		return;
	}
	s->rdp = r;
	s->key = r->b->next_key++;
	s->control = pair[0];
	s->uid = sink_uid(r);
	s->origin = *origin;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	s->pidfd = -1;
	zygote_again(r);
	if (s->uid != (uid_t)-1 && r->zygote.fd >= 0) {
		int rc = sink_zygote_spawn(&r->zygote, s->uid, r->sink_gid, client, pair[1],
					   &s->pid);

		if (rc >= 0)
			s->pidfd = rc;
		else if (rc == -EAGAIN)
			log_debug("rdp: the sink zygote is still loading: %s's sink is exec'd",
				  s->peer);
		else
			log_warn("rdp: the sink zygote did not start a sink for %s (%s)%s", s->peer,
				 strerror(-rc), r->zygote.fd < 0 ? ": given up" : "");
		if (rc == -ECONNABORTED) {
			/* It may have: this connection gets no second sink. */
			close(pair[1]);
			close(s->control);
			free(s);
			return;
		}
	}
	if (s->pidfd < 0) {
		s->child = sink_exec(s, client, pair[1]);
		s->pid = s->child ? child_pid(s->child) : -1;
	}
	close(pair[1]);
	list_insert(&r->sinks, &s->link);
	s->src = loop_add_fd(r->b->loop, s->control, EPOLLIN, on_control, s);
	s->timer = loop_add_timer(r->b->loop, on_handshake_timeout, s);
	if (s->pidfd >= 0)
		s->exit_src = loop_add_fd(r->b->loop, s->pidfd, EPOLLIN, on_sink_exit, s);
	if (s->pid < 0 || !s->src || !s->timer || (s->pidfd >= 0 && !s->exit_src) ||
	    control_send(s->control, &tls, NULL, 0) < 0) {
		log_error("rdp: cannot start a sink for %s: %m", s->peer);
		sink_kill(s);
		s->pid = -1;
		sink_free(s);
		return;
	}
	loop_timer_arm(s->timer, HANDSHAKE_MS);
	log_info("rdp: connection from %s, sink pid %d uid %u", s->peer, (int)s->pid,
		 (unsigned)s->uid);
}

/* Connections waiting to log on hold sinks and a slot each, for the
 * handshake's time: one host may hold a share of the slots, not all. */
static bool too_many(struct rdp *r, int fd, const struct ratelimit_key *origin,
		     const char *peer)
{
	int max = r->b->cfg.rdp.max_pending, same, n = pending(r, origin, &same);
	int per_origin = r->b->cfg.rdp.max_pending_origin;

	if (!per_origin)
		per_origin = ratelimit_per_origin(max);
	if (ratelimit_admit_pending(n, same, max, per_origin))
		return false;
	if (n >= max)
		log_warn("rdp: too many connections not logged on: %s refused", peer);
	else
		log_warn("rdp: too many connections not logged on from %s's network: refused",
			 peer);
	close(fd);
	return true;
}

static void on_accept(void *data, uint32_t events)
{
	struct rdp *r = data;
	struct sockaddr_in6 addr;
	socklen_t len = sizeof(addr);
	int fd = accept4(r->listen_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
	struct ratelimit_key origin;
	char peer[64];

	if (fd < 0)
		return;
	origin = ratelimit_key_inet6(addr.sin6_addr.s6_addr);
	inet_ntop(AF_INET6, &addr.sin6_addr, peer, sizeof(peer));
	if (too_many(r, fd, &origin, peer))
		return;
	spawn(r, fd, &origin, peer);
	close(fd);
}

/* A peer over AF_VSOCK is known by its context id (the VM's host: 2). */
static void on_accept_vsock(void *data, uint32_t events)
{
	struct rdp *r = data;
	struct sockaddr_vm addr;
	socklen_t len = sizeof(addr);
	int fd = accept4(r->vsock_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
	struct ratelimit_key origin;
	char peer[64];

	if (fd < 0)
		return;
	origin = ratelimit_key_vsock(addr.svm_cid);
	snprintf(peer, sizeof(peer), "vsock:%u", addr.svm_cid);
	if (too_many(r, fd, &origin, peer))
		return;
	spawn(r, fd, &origin, peer);
	close(fd);
}


static struct station *station_of_seat(struct broker *b, const char *seat)
{
	struct station *st, *tmp;

	if (!b->rdp)
		return NULL;
	list_for_each(st, tmp, &b->rdp->stations, link)
		if (!strcmp(st->seat, seat))
			return st;
	return NULL;
}

bool rdp_owns_seat(struct broker *b, const char *seat)
{
	return station_of_seat(b, seat) != NULL;
}

/* A listening socket the last seatmuxd kept: connections queued while
 * it was away are served. -1: none (or not a listening socket). */
static int listen_taken_back(struct rdp *r, const char *name)
{
	int fd = r->b->restored ? fdstore_take(&r->b->restored->fds, name) : -1;
	int yes = 0;
	socklen_t len = sizeof(yes);

	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &yes, &len) < 0 || !yes) {
		fdstore_drop(name);
		close(fd);
		return -1;
	}
	return fd;
}

static void listen_keep(const char *name, int fd)
{
	if (fdstore_put(name, fd) < 0)
		log_warn("rdp: %s is not kept across a restart", name);
}

static int listen_on(struct rdp *r, const struct rdp_config *rc)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)rc->port) };
	const char *a = rc->address ? rc->address : "::";
	char mapped[64];
	int one = 1;

	if (!strchr(a, ':')) {
		snprintf(mapped, sizeof(mapped), "::ffff:%s", a);
		a = mapped;
	}
	if (inet_pton(AF_INET6, a, &addr.sin6_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	r->listen_fd = listen_taken_back(r, "rdp/listen");
	if (r->listen_fd >= 0)
		goto watch;
	r->listen_fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->listen_fd < 0)
		return -1;
	setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(r->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(r->listen_fd, 16) < 0)
		return -1;
	listen_keep("rdp/listen", r->listen_fd);
watch:
	r->listen_src = loop_add_fd(r->b->loop, r->listen_fd, EPOLLIN, on_accept, r);
	return r->listen_src ? 0 : -1;
}

static int listen_vsock(struct rdp *r, int port)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = (unsigned)port,
	};

	r->vsock_fd = listen_taken_back(r, "rdp/vsock");
	if (r->vsock_fd >= 0)
		goto watch;
	r->vsock_fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->vsock_fd < 0 || bind(r->vsock_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(r->vsock_fd, 16) < 0)
		return -1;
	listen_keep("rdp/vsock", r->vsock_fd);
watch:
	r->vsock_src = loop_add_fd(r->b->loop, r->vsock_fd, EPOLLIN, on_accept_vsock, r);
	return r->vsock_src ? 0 : -1;
}

int rdp_start(struct broker *b)
{
	struct rdp_config *rc = &b->cfg.rdp;
	const char *dir = rc->tls_dir ? rc->tls_dir : "/var/lib/seatmux";
	bool on = rc->enabled >= 0 ? rc->enabled : !b->physical_heads;
	struct passwd *pw;
	struct rdp *r;
	char why[256];

	if (!on)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	b->rdp = r;
	r->b = b;
	r->listen_fd = -1;
	r->vsock_fd = -1;
	r->zygote = (struct sink_zygote){ .fd = -1, .pid = -1 };
	list_init(&r->sinks);
	list_init(&r->stations);
	station_pool_init(&r->pool);
	/* Sinks' uids go on from anywhere in their block: a restarted
	 * seatmuxd does not hand out the uids its last run did. */
	if (getrandom(&r->next_uid, sizeof(r->next_uid), GRND_NONBLOCK) != sizeof(r->next_uid))
		r->next_uid = (uint32_t)getpid() * 2654435761u;
	/* Per origin, a burst of 5 failed logons then one per 10 s; from all
	 * origins together, 30 then one per 2 s. */
	ratelimit_init(&r->failures, (struct ratelimit_rate){ 5, 10000 },
		       (struct ratelimit_rate){ 30, 2000 });
	/* Sinks take this account's group; their uids are their own. */
	pw = getpwnam(rc->sink_user ? rc->sink_user : "nobody");
	if (!pw || pw->pw_gid == 0) {
		log_error("rdp: the sink user must exist and not be in group root");
		return -1;
	}
	r->sink_gid = pw->pw_gid;
	mkdir(dir, 0700);
	if (tls_cert_ensure(dir, "seatmux", why, sizeof(why)) < 0) {
		log_error("rdp: TLS: %s", why);
		return -1;
	}
	r->cert = slurp(dir, "cert.pem");
	r->key = slurp(dir, "key.pem");
	if (b->restored)
		rdp_take_back(r, b->restored);
	if (!r->cert || !r->key || listen_on(r, rc) < 0) {
		log_error("rdp: cannot listen on %s port %d: %m",
			  rc->address ? rc->address : "any address", rc->port);
		return -1;
	}
	log_info("rdp: listening on %s port %d", rc->address ? rc->address : "any address", rc->port);
	if (rc->vsock_port) {
		if (listen_vsock(r, rc->vsock_port) < 0) {
			log_error("rdp: cannot listen on vsock port %d: %m", rc->vsock_port);
			return -1;
		}
		log_info("rdp: listening on vsock port %d", rc->vsock_port);
	}
	zygote_again(r);
	return 0;
}

void rdp_stop(struct broker *b)
{
	struct rdp *r = b->rdp;
	struct station *st, *stmp;
	struct sink *s, *tmp;

	if (!r)
		return;
	list_for_each(s, tmp, &r->sinks, link) {
		sink_kill(s);
		if (s->uid != (uid_t)-1)
			helper_uid_sweep(s->uid);
		sink_free(s);
	}
	zygote_unwatch(r);
	sink_zygote_stop(&r->zygote);
	child_detach(r->zygote_child);
	list_for_each(st, stmp, &r->stations, link) {
		child_job_cancel(st->job);
		if (st->keep_timer)
			loop_remove(st->keep_timer);
		vinput_destroy(st->input);
		take_card(st->card, st->seat);
		list_remove(&st->link);
		session_spec_free(&st->spec);
		free(st);
	}
	unlink(RULES_PATH);
	fdstore_drop("rdp/listen");
	fdstore_drop("rdp/vsock");
	rdp_close(r);
	b->rdp = NULL;
}

/* What both a stop and a release let go of: sockets, TLS identity. */
static void rdp_close(struct rdp *r)
{
	if (r->listen_src)
		loop_remove(r->listen_src);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	if (r->vsock_src)
		loop_remove(r->vsock_src);
	if (r->vsock_fd >= 0)
		close(r->vsock_fd);
	if (r->key)
		memset(r->key, 0, strlen(r->key));
	free(r->cert);
	free(r->key);
	free(r);
}

/* -- across a restart of seatmuxd -- */

static void rdp_save(struct broker *b, FILE *f)
{
	struct rdp *r = b->rdp;
	struct station *st, *stmp;
	struct sink *s, *tmp;
	char n[16], card[16], w[16], h[16], layout[16], pid[16], key[24], uid[16];

	if (!r)
		return;
	list_for_each(st, stmp, &r->stations, link) {
		if (st->state != STATION_READY || st->job || !st->input)
			continue;	/* half made: made again at the next logon */
		snprintf(n, sizeof(n), "%d", st->number);
		snprintf(card, sizeof(card), "%d", st->card);
		snprintf(w, sizeof(w), "%d", st->width);
		snprintf(h, sizeof(h), "%d", st->height);
		snprintf(layout, sizeof(layout), "%u", (unsigned)st->layout);
		state_put(f, "rdp-station", n, st->seat, card, w, h, st->ended ? "1" : "0",
			  layout, st->user, (char *)NULL);
	}
	for (int i = 0; i < r->pool.ncards; i++) {
		snprintf(card, sizeof(card), "%d", r->pool.cards[i]);
		state_put(f, "rdp-spare-card", card, (char *)NULL);
	}
	list_for_each(s, tmp, &r->sinks, link) {
		if (!s->kept || !s->station)
			continue;
		snprintf(pid, sizeof(pid), "%d", (int)s->pid);
		snprintf(key, sizeof(key), "%llu", (unsigned long long)s->key);
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

/* rdp-station N SEAT CARD W H ENDED LAYOUT USER, with its two input fds. */
static void station_take_back(struct rdp *r, const struct state_record *rec, struct state *sb)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];
	long long n, card, w, h, ended, layout;
	struct station *st;
	int kfd, pfd;

	if (rec->argc != 9 || state_number(rec, 1, 1, STATION_POOL_MAX, &n) < 0 ||
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
	snprintf(st->seat, sizeof(st->seat), "seat-rdp%d", st->number);
	kfd = input_name(st, "keyboard", kbd, sizeof(kbd)) == 0 ? fdstore_take(&sb->fds, kbd) : -1;
	pfd = input_name(st, "pointer", ptr, sizeof(ptr)) == 0 ? fdstore_take(&sb->fds, ptr) : -1;
	if (strcmp(st->seat, rec->argv[2]) || kfd < 0 || pfd < 0 ||
	    !(st->input = vinput_adopt(kfd, pfd))) {
		log_warn("rdp: %s of the last seatmuxd cannot be taken back", rec->argv[2]);
		if (kfd >= 0)
			close(kfd);
		if (pfd >= 0)
			close(pfd);
		station_pool_put_number(&r->pool, st->number);
		free(st);
		return;		/* its fds and session go as nobody's */
	}
	st->card = (int)card;
	st->width = (int)w;
	st->height = (int)h;
	st->ended = ended;
	st->layout = (uint32_t)layout;
	st->state = STATION_READY;
	snprintf(st->user, sizeof(st->user), "%s", rec->argv[8]);
	station_set_session(st, &r->b->cfg);
	set_env(&st->spec, &r->b->cfg, st->user, st->layout);
	list_insert(&r->stations, &st->link);
	log_info("rdp: %s, %s's station (card%d), taken back", st->seat, st->user, st->card);
}

/* helper sink PID KEY UID N PEER, with its pidfd and channel. */
static void sink_take_back(struct rdp *r, const struct state_record *rec, struct state *sb)
{
	char ctl[FDSTORE_NAME_MAX], pid_name[FDSTORE_NAME_MAX];
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
	s->key = (uint64_t)key;
	s->uid = (uid_t)uid;
	s->pid = (pid_t)pid;
	s->child = NULL;
	snprintf(s->peer, sizeof(s->peer), "%s", rec->argv[6]);
	s->control = sink_name(s, "control", ctl, sizeof(ctl)) == 0 ?
		     fdstore_take(&sb->fds, ctl) : -1;
	s->pidfd = sink_name(s, "pid", pid_name, sizeof(pid_name)) == 0 ?
		   fdstore_take(&sb->fds, pid_name) : -1;
	list_insert(&r->sinks, &s->link);
	s->kept = true;
	s->station = st;
	st->sink = s;
	if (s->control < 0 || s->pidfd < 0 ||
	    syscall(SYS_pidfd_send_signal, s->pidfd, 0, NULL, 0) < 0) {
		log_info("rdp: %s: sink pid %d of the last seatmuxd is gone", s->peer, (int)s->pid);
		sink_ended(s);	/* its card is root's again, its station kept */
		return;
	}
	s->src = loop_add_fd(r->b->loop, s->control, EPOLLIN, on_control, s);
	s->timer = loop_add_timer(r->b->loop, on_handshake_timeout, s);
	s->exit_src = loop_add_fd(r->b->loop, s->pidfd, EPOLLIN, on_sink_exit, s);
	if (!s->src || !s->timer || !s->exit_src) {
		sink_kill(s);
		sink_ended(s);
		return;
	}
	log_info("rdp: %s: sink pid %d of %s taken back", st->seat, (int)s->pid, st->user);
}

static void rdp_take_back(struct rdp *r, struct state *sb)
{
	struct station *st, *tmp;
	struct state_record *rec;
	long long card;

	while ((rec = state_take(sb, "rdp-station", (char *)NULL)))
		station_take_back(r, rec, sb);
	while ((rec = state_take(sb, "rdp-spare-card", (char *)NULL)))
		if (rec->argc == 2 && state_number(rec, 1, 0, VHEAD_MAX_CARDS - 1, &card) == 0)
			station_pool_put_card(&r->pool, (int)card);
	while ((rec = state_take(sb, "helper", "sink", (char *)NULL)))
		sink_take_back(r, rec, sb);
	/* Nobody on it: kept for its user as after a disconnection. */
	list_for_each(st, tmp, &r->stations, link)
		if (!st->sink && !st->ended && !st->keep_timer)
			station_keep(st);
	if (write_rules(r) < 0)
		log_warn("rdp: cannot write %s: %m", RULES_PATH);
}

/* seatmuxd restarts: sinks serving a station (in scopes of their own),
 * stations and listening sockets are left running for the next one;
 * whatever else (a connection still logging on) ends here. */
static void rdp_release(struct broker *b)
{
	struct rdp *r = b->rdp;
	struct station *st, *stmp;
	struct sink *s, *tmp;

	if (!r)
		return;
	list_for_each(s, tmp, &r->sinks, link) {
		if (s->kept && s->station) {
			s->kept = false;	/* left in the store */
			s->station->sink = NULL;
			s->station = NULL;
		} else {
			sink_kill(s);
			if (s->uid != (uid_t)-1)
				helper_uid_sweep(s->uid);
		}
		sink_free(s);
	}
	zygote_unwatch(r);
	sink_zygote_stop(&r->zygote);
	child_detach(r->zygote_child);
	list_for_each(st, stmp, &r->stations, link) {
		child_job_cancel(st->job);
		if (st->keep_timer)
			loop_remove(st->keep_timer);
		vinput_release(st->input);
		list_remove(&st->link);
		session_spec_free(&st->spec);
		free(st);
	}
	rdp_close(r);
	b->rdp = NULL;
}

/* -- the kind of station -- */

static int rdp_kind_start(struct broker *b)
{
	if (rdp_start(b) == 0)
		return 0;
	/* Asked for by name: a hard error. Chosen by the platform: go on. */
	if (b->cfg.rdp.enabled == 1)
		return -1;
	log_warn("rdp: remote stations are off");
	rdp_stop(b);
	return 0;
}

/* While RDP stations are served, a virtual head is a station only once a
 * remote station has claimed it (a new evdi card passes through seat0);
 * without them, any virtual head is (a sink of another maker's). */
static bool rdp_wants_head(struct broker *b, const struct device *head)
{
	return !b->rdp || rdp_owns_seat(b, head->seat);
}

/* The station's user's session, as its logon made it; a virtual head
 * no station of ours made (RDP off: a sink of another maker's) runs what
 * the configuration's [seat.NAME] says, as a physical head would. */
static const struct session_spec *rdp_session_spec(struct broker *b, const char *seat)
{
	struct station *st = station_of_seat(b, seat);
	const struct seat_config *sc;

	if (st)
		return st->ended ? NULL : &st->spec;
	sc = config_seat(&b->cfg, seat);
	return sc ? &sc->spec : NULL;
}

static void rdp_leave_alone(struct broker *b, const struct device *head)
{
	log_info("%s: virtual head left alone until a remote station claims it",
		 head->devnode[0] ? head->devnode : head->sysname);
}

/* A station left is kept by its session's keep time, not by its head. */
static bool rdp_keeps_seat(struct broker *b, const char *seat)
{
	return false;
}

const struct station_kind rdp_station_kind = {
	.name = "rdp",
	.origin = DEVICE_VIRTUAL,
	.start = rdp_kind_start,
	.stop = rdp_stop,
	.wants_head = rdp_wants_head,
	.leave_alone = rdp_leave_alone,
	.session_spec = rdp_session_spec,
	.keeps_seat = rdp_keeps_seat,
	.save = rdp_save,
	.release = rdp_release,
};
