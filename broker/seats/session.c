// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "account_job.h"
#include "build_config.h"
#include "fdstore.h"
#include "log.h"
#include "session.h"
#include "session_display.h"
#include "session_status.h"
#include "spawn.h"
#include "state.h"

#define SESSION_STABLE_S 10	/* a session that ran this long was healthy */
#define SESSION_STOP_MS 3000	/* SIGTERM grace before SIGKILL */
#define SESSION_ENV_MAX (16 + SESSION_SPEC_MAX_ENV)

static int pidfd_name(const struct session *s, char *out, size_t size)
{
	return fdstore_name(out, size, "session/%s", s->seat);
}

static void changed(struct session *s)
{
	if (s->changed)
		s->changed(s->ended_data);
}

/* The leader's pidfd no longer kept: the session is over, or ours to end. */
static void forget(struct session *s)
{
	char name[FDSTORE_NAME_MAX];

	if (pidfd_name(s, name, sizeof(name)) == 0)
		fdstore_drop(name);
	changed(s);
}

static int backoff_ms(struct session *s);

/*
 * A start from the loop (a restart, the next session after a stop) that
 * failed: its owner may change what is to run (a login screen's seat
 * gives itself back to its greeter), and it is tried again after the
 * backoff, not left with nothing running.
 */
static void start_failed(struct session *s)
{
	log_error("%s: session failed to start", s->seat);
	if (s->start_failed)
		s->start_failed(s->ended_data);
	if (!s->stopped && s->restart_timer)
		loop_timer_arm(s->restart_timer, backoff_ms(s));
	/* A start that fails is a run that did not last: the next failure
	 * backs off further (the user database down at boot, a user that
	 * does not exist), as quick exits do. */
	clock_gettime(CLOCK_MONOTONIC, &s->started);
}

static void restart_fired(void *data, uint32_t events)
{
	struct session *s = data;

	if (!s->stopped && s->pid <= 0)
		session_start(s);
}

/* Signals every process of one run of a session. */
static void procs_signal(const struct session_procs *p, int sig)
{
	if (p->scope[0])
		scope_signal(p->scope, sig);
	/* Also the group: a leader just forked is in no scope or group yet. */
	if (p->pgid > 0 && kill(-p->pgid, sig) < 0 && errno == ESRCH)
		kill(p->pgid, sig);
}

static void procs_clear(struct session_procs *p)
{
	p->scope[0] = '\0';
	p->pgid = 0;
}

/* What an ended run left behind gets no more time. */
static void leftovers_kill(struct session *s)
{
	procs_signal(&s->leftovers, SIGKILL);
	procs_clear(&s->leftovers);
}

static void status_read(struct session *s, bool reaped);

static void kill_fired(void *data, uint32_t events)
{
	struct session *s = data;

	status_read(s, false);
	leftovers_kill(s);
	if (s->pid <= 0 || !s->stopping)
		return;
	log_warn("%s: session pid %d ignored SIGTERM, killing", s->seat, (int)s->pid);
	procs_signal(&s->procs, SIGKILL);
}

/* logind's scope for the session's user ("user.slice/user-UID.slice/
 * session-ID.scope"), or the one seatmuxd made for this leader. */
static bool scope_is_sessions(const struct session *s, const char *scope)
{
	char want[SCOPE_NAME_MAX], own[SCOPE_NAME_MAX];
	size_t len;

	snprintf(want, sizeof(want), "user.slice/user-%u.slice/session-", (unsigned)s->uid);
	len = strlen(want);
	if (!strncmp(scope, want, len) && !strchr(scope + len, '/'))
		return true;
	if (scope_name(own, sizeof(own), s->seat, s->pid) < 0)
		return false;
	return !strncmp(scope, "system.slice/", 13) && !strcmp(scope + 13, own);
}

/* logind's id of the session: its scope's "session-ID.scope". */
static void scope_logind_id(struct session *s)
{
	const char *base = strrchr(s->procs.scope, '/');
	size_t len;

	s->logind_id[0] = '\0';
	base = base ? base + 1 : s->procs.scope;
	len = strlen(base);
	if (!strncmp(base, "session-", 8) && len > 14 && len - 14 < sizeof(s->logind_id))
		snprintf(s->logind_id, sizeof(s->logind_id), "%.*s", (int)(len - 14), base + 8);
}

static void status_close(struct session *s)
{
	loop_remove(s->status_src);
	s->status_src = NULL;
	if (s->status_fd >= 0)
		close(s->status_fd);
	s->status_fd = -1;
}

/*
 * What seatmux-session says once the PAM session is open: pam_systemd
 * has moved the session into logind's scope, which is where its
 * processes are signalled from now on. Read when it comes, and once more
 * when the leader ends (the two may come in one turn of the loop).
 */
static void status_read(struct session *s, bool reaped)
{
	char line[SESSION_PROTO_LINE_MAX], scope[SCOPE_NAME_MAX];
	struct session_status st;
	ssize_t n;

	if (s->status_fd < 0)
		return;
	n = read(s->status_fd, line, sizeof(line));
	if (n < 0 && errno == EAGAIN)
		return;
	status_close(s);
	if (n <= 0)
		return;		/* no PAM session: it says why in its log */
	if (session_status_parse(line, (size_t)n, &st) < 0) {
		log_warn("%s: seatmux-session said something else than its session", s->seat);
		return;
	}
	/*
	 * Where the session lives is read from its leader while it runs
	 * (once it is reaped, its pid may be another's: from the line), and
	 * must be logind's scope for this user or ours for this leader:
	 * nothing else is killed as it.
	 */
	if (reaped || scope_of_pid(s->pid, scope, sizeof(scope)) < 0)
		snprintf(scope, sizeof(scope), "%s", st.cgroup);
	if (scope_is_sessions(s, scope)) {
		snprintf(s->procs.scope, sizeof(s->procs.scope), "%s", scope);
		scope_logind_id(s);
	} else {
		log_warn("%s: session pid %d is in no scope of its own", s->seat, (int)s->pid);
	}
	if (s->logind_id[0])
		log_info("%s: session pid %d is logind's session %s", s->seat, (int)s->pid,
			 s->logind_id);
	else if (access("/run/systemd/seats", F_OK) == 0)
		log_warn("%s: session pid %d runs, but logind has no session for it (pam_systemd "
			 "says why in the journal)", s->seat, (int)s->pid);
	changed(s);
}

bool session_has_pid(struct session *s, pid_t pid)
{
	char now[SCOPE_NAME_MAX];

	status_read(s, false);
	if (s->pid <= 0 || !s->procs.scope[0] || scope_of_pid(pid, now, sizeof(now)) < 0)
		return false;
	return !strcmp(now, s->procs.scope) ||
	       (!strncmp(now, "system.slice/", 13) && !strcmp(now + 13, s->procs.scope));
}

static void on_status(void *data, uint32_t events)
{
	status_read(data, false);
}

/* The pipe seatmux-session answers on: ours to read, *child_end its. */
static int status_open(struct session *s, int *child_end)
{
	int p[2];

	status_close(s);
	s->logind_id[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	s->status_fd = p[0];
	*child_end = p[1];
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0 ||
	    !(s->status_src = loop_add_fd(s->loop, p[0], EPOLLIN, on_status, s))) {
		close(p[1]);
		status_close(s);
		return -1;
	}
	return 0;
}

int session_init(struct session *s, struct loop *loop, const char *seat,
		 const char *socket_path, void (*ended)(void *data), void *data)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->ended = ended;
	s->ended_data = data;
	s->uid = (uid_t)-1;
	s->gid = (gid_t)-1;
	s->status_fd = -1;
	s->helper = SEATMUX_SESSION_HELPER;
	snprintf(s->seat, sizeof(s->seat), "%s", seat);
	snprintf(s->socket_path, sizeof(s->socket_path), "%s", socket_path);
	s->restart_timer = loop_add_timer(loop, restart_fired, s);
	s->kill_timer = loop_add_timer(loop, kill_fired, s);
	return s->restart_timer && s->kill_timer ? 0 : -1;
}

void session_finish(struct session *s)
{
	s->stopped = true;
	account_job_cancel(s->resolving);
	s->resolving = NULL;
	if (s->pid > 0)
		log_info("%s: ending session pid %d and all its processes", s->seat, (int)s->pid);
	status_read(s, false);
	procs_signal(&s->procs, SIGKILL);
	procs_clear(&s->procs);
	leftovers_kill(s);
	if (s->pid > 0)
		forget(s);
	child_detach(s->child);		/* reaped when it comes, by the loop */
	s->child = NULL;
	status_close(s);
	s->pid = 0;
	s->uid = (uid_t)-1;
	loop_remove(s->restart_timer);
	s->restart_timer = NULL;
	loop_remove(s->kill_timer);
	s->kill_timer = NULL;
	session_spec_free(&s->spec);
}

int session_set_spec(struct session *s, const struct session_spec *spec)
{
	bool again = s->resolving != NULL;
	int rc;

	if (spec == &s->spec)
		return 0;
	/* A lookup under way was for the spec before: asked again for this one. */
	account_job_cancel(s->resolving);
	s->resolving = NULL;
	rc = session_spec_copy(&s->spec, spec);
	if (rc == 0 && again)
		session_start(s);
	return rc;
}

static void leader_ended(void *data, pid_t pid, int status);

static void orphan_kill(const char *scope, bool (*keep)(void *data, const char *scope),
			void *data)
{
	if (keep && keep(data, scope))
		return;
	log_warn("%s: a session of an earlier seatmuxd, not taken back: ended", scope);
	scope_signal(scope, SIGKILL);
}

/* Whether a seatmux-session of root's runs in scope (an upgrade may have
 * replaced its file): the session is ours. */
static bool scope_ours(const char *scope)
{
	static const char deleted[] = " (deleted)";
	size_t want = strlen(SEATMUX_SESSION_HELPER);
	char exe[PATH_MAX], link[64];
	pid_t pids[64];
	int n = scope_pids(scope, pids, 64);
	struct stat st;
	ssize_t len;

	for (int i = 0; i < n; i++) {
		snprintf(link, sizeof(link), "/proc/%d", (int)pids[i]);
		if (stat(link, &st) < 0 || st.st_uid != 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pids[i]);
		len = readlink(link, exe, sizeof(exe) - 1);
		if (len <= 0)
			continue;
		exe[len] = '\0';
		if (!strncmp(exe, SEATMUX_SESSION_HELPER, want) &&
		    (!exe[want] || !strcmp(exe + want, deleted)))
			return true;
	}
	return false;
}

/* logind's scopes for sessions seatmux-session opened (pam_systemd moved
 * them there): user.slice/user-UID.slice/session-ID.scope. */
static void kill_logind_orphans(bool (*keep)(void *data, const char *scope), void *data)
{
	DIR *users = opendir("/sys/fs/cgroup/user.slice"), *sessions;
	char path[SCOPE_NAME_MAX], dir[300];
	struct dirent *u, *e;

	if (!users)
		return;
	while ((u = readdir(users))) {
		if (strncmp(u->d_name, "user-", 5) || !strstr(u->d_name, ".slice"))
			continue;
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/user.slice/%s", u->d_name);
		sessions = opendir(dir);
		while (sessions && (e = readdir(sessions))) {
			if (strncmp(e->d_name, "session-", 8) ||
			    (size_t)snprintf(path, sizeof(path), "user.slice/%s/%s", u->d_name,
					     e->d_name) >= sizeof(path) ||
			    !scope_path_valid(path) || !scope_populated(path) || !scope_ours(path))
				continue;
			orphan_kill(path, keep, data);
		}
		if (sessions)
			closedir(sessions);
	}
	closedir(users);
}

void session_kill_orphans(bool (*keep)(void *data, const char *scope), void *data)
{
	DIR *dir = opendir("/sys/fs/cgroup/system.slice");
	struct dirent *e;
	size_t len;

	kill_logind_orphans(keep, data);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		len = strlen(e->d_name);
		if (strncmp(e->d_name, "seatmux-", 8) || len < 6 ||
		    strcmp(e->d_name + len - 6, ".scope") || !scope_populated(e->d_name))
			continue;
		orphan_kill(e->d_name, keep, data);
	}
	closedir(dir);
}

void session_save(const struct session *s, FILE *f)
{
	char pid[16], uid[16], gid[16], digest[24];

	if (s->pid <= 0 || !s->child)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)s->pid);
	snprintf(uid, sizeof(uid), "%u", (unsigned)s->uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)s->gid);
	snprintf(digest, sizeof(digest), "%llx", session_spec_digest(&s->spec));
	/* An account not known in full (taken back from an older record,
	 * the database silent) is written as that record was, by uid. */
	if (!s->user[0] || s->gid == (gid_t)-1 || strlen(s->user) >= ACCOUNT_NAME_MAX ||
	    strpbrk(s->user, " \t\n"))
		state_put(f, "session", s->seat, pid, uid, digest,
			  s->stopping ? "stopping" : "running",
			  s->procs.scope[0] ? s->procs.scope : "-", (char *)NULL);
	else
		state_put(f, "session", s->seat, pid, uid, digest,
			  s->stopping ? "stopping" : "running",
			  s->procs.scope[0] ? s->procs.scope : "-", s->user, gid, (char *)NULL);
}

int session_record_scope(const struct state_record *r, char *out, size_t size)
{
	long long pid;

	if (r->argc < 3 || state_number(r, 2, 1, INT32_MAX, &pid) < 0)
		return -EINVAL;
	/* logind's scope is killed only if a seatmux-session is still in it:
	 * logind may have given its name to another session since. */
	if (r->argc >= 7 && strchr(r->argv[6], '/') && scope_path_valid(r->argv[6])) {
		if (!scope_ours(r->argv[6]))
			return -ENOENT;
		return (size_t)snprintf(out, size, "%s", r->argv[6]) < size ? 0 : -ENAMETOOLONG;
	}
	return scope_name(out, size, r->argv[1], (pid_t)pid);
}

/*
 * A state record of an older seatmuxd names the session's uid alone: its
 * name and group are looked up once, in the loop (an upgrade's restart).
 * Not found, the session runs on, but nothing is launched into it
 * (session_launch) and its record stays the older kind.
 */
static void account_of_old_record(struct session *s)
{
	struct passwd *pw = getpwuid(s->uid);

	snprintf(s->user, sizeof(s->user), "%s", pw ? pw->pw_name : "");
	s->gid = pw ? pw->pw_gid : (gid_t)-1;
}

/* Where a session taken back lives: logind's scope for its user, or
 * ours, as its leader's cgroup says. */
static void scope_adopted(struct session *s)
{
	char scope[SCOPE_NAME_MAX];

	if (scope_of_pid(s->pid, scope, sizeof(scope)) == 0 && scope_is_sessions(s, scope))
		snprintf(s->procs.scope, sizeof(s->procs.scope), "%s", scope);
	else
		scope_name(s->procs.scope, sizeof(s->procs.scope), s->seat, s->pid);
	scope_logind_id(s);
}

int session_adopt(struct session *s, int pidfd, const struct account *acct)
{
	s->child = child_adopt_pidfd(s->loop, pidfd, leader_ended, s);
	if (!s->child)
		return -1;
	s->pid = child_pid(s->child);
	s->uid = acct->uid;
	s->run_greeter = s->spec.greeter;
	if (acct->name[0]) {
		snprintf(s->user, sizeof(s->user), "%s", acct->name);
		s->gid = acct->gid;
	} else {
		account_of_old_record(s);
	}
	s->procs.pgid = s->pid;
	if (scope_available())
		scope_adopted(s);
	s->stopped = false;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	log_info("%s: session pid %d (uid %u) taken back", s->seat, (int)s->pid,
		 (unsigned)s->uid);
	changed(s);
	return 0;
}

void session_release(struct session *s)
{
	/* A start still looking its user up is not made: the next seatmuxd
	 * starts what its configuration says (a login screen's user, not yet
	 * in the state file, logs on again). */
	account_job_cancel(s->resolving);
	s->resolving = NULL;
	child_detach(s->child);		/* left running; the loop forgets it */
	s->child = NULL;
	status_close(s);
	s->pid = 0;
	loop_remove(s->restart_timer);
	s->restart_timer = NULL;
	loop_remove(s->kill_timer);
	s->kill_timer = NULL;
	session_spec_free(&s->spec);
}

/*
 * /run/user/UID, for a system without logind (with it, logind mounts the
 * user's tmpfs over this one and pam_systemd names it in the session's
 * environment). Created without following links and then checked, so a
 * user cannot point it elsewhere.
 */
static int runtime_dir(uid_t uid, gid_t gid, char *out, size_t size)
{
	struct stat st;
	int fd;

	if (mkdir("/run/user", 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(out, size, "/run/user/%u", (unsigned)uid);
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 ||
	    fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

struct env {
	char *vars[SESSION_ENV_MAX + 1];
	int n;
};

static void env_add(struct env *env, const char *name, const char *value)
{
	char *var;

	if (env->n == SESSION_ENV_MAX)
		return;
	if (asprintf(&var, "%s=%s", name, value) >= 0)
		env->vars[env->n++] = var;
}

/* name=value in place of any name= the spec gave: a program looks at the
 * first. 0, or -E2BIG (no room left), -ENOMEM. */
static int env_set(struct env *env, const char *name, const char *value)
{
	size_t len = strlen(name);
	char *var;

	if (asprintf(&var, "%s=%s", name, value) < 0)
		return -ENOMEM;
	for (int i = 0; i < env->n; i++) {
		if (!strncmp(env->vars[i], name, len) && env->vars[i][len] == '=') {
			free(env->vars[i]);
			env->vars[i] = var;
			return 0;
		}
	}
	if (env->n == SESSION_ENV_MAX) {
		free(var);
		return -E2BIG;
	}
	env->vars[env->n++] = var;
	env->vars[env->n] = NULL;
	return 0;
}

/* HOME, USER, LOGNAME and SHELL are the account's: set where it is looked
 * up, away from the loop (seatmux-session; launch_run). */
static void env_build(struct env *env, const struct session *s, const char *xdg_runtime)
{
	env->n = 0;
	env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_add(env, "XDG_SEAT", s->seat);
	env_add(env, "XDG_RUNTIME_DIR", xdg_runtime);
	env_add(env, "XDG_SESSION_TYPE", "wayland");
	env_add(env, "SEATD_SOCK", s->socket_path);
	env_add(env, "LIBSEAT_BACKEND", "seatd");
	/*
	 * wlroots skips cards whose ID_SEAT is another seat's, which a card
	 * lent to this seat by connector is: name it so it is opened anyway.
	 */
	if (s->drm_devices[0])
		env_add(env, "WLR_DRM_DEVICES", s->drm_devices);
	if (s->spec.greeter && s->greetd_sock[0])
		env_add(env, "GREETD_SOCK", s->greetd_sock);
	/* A login screen (or any session) says where it is. */
	if (s->station[0])
		env_add(env, "SEATMUX_STATION", s->station);
	for (int i = 0; i < s->spec.nenv && env->n < SESSION_ENV_MAX; i++)
		if ((env->vars[env->n] = strdup(s->spec.env[i])))
			env->n++;
	env->vars[env->n] = NULL;
}

/*
 * Opened by root, written by the session: refuse anything but a plain file
 * of root's or the session user's with a single link, so a user cannot aim
 * the broker's write at a file of someone else's through a link.
 */
static int open_log(const struct session *s, uid_t uid, const char *user)
{
	const char *path = s->spec.log_path;
	struct stat st;
	int fd;

	if (!path)
		return open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* O_NONBLOCK: a FIFO put at the path must not hold the loop in open(). */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
		  O_NONBLOCK, 0640);
	if (fd < 0) {
		log_error("%s: session log %s: %m", s->seat, path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != 0 && st.st_uid != uid)) {
		log_error("%s: session log %s: not a plain file of root's or %s's",
			  s->seat, path, user);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The session's environment for seatmux-session, which runs as root with
 * a clean one of its own (a greeter's env entries, say, must not reach
 * its dynamic loader) and must not show it to other users in its
 * command line: NAME=VALUE entries, each NUL-ended, in a memfd.
 */
static int env_fd(const struct env *env)
{
	int fd = memfd_create("seatmux-session-env", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	for (int i = 0; i < env->n; i++) {
		size_t len = strlen(env->vars[i]) + 1;

		if (write(fd, env->vars[i], len) != (ssize_t)len) {
			close(fd);
			return -1;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What the session's first process needs after fork. */
struct leader {
	const struct session *s;
	const struct account *acct;
	bool scoped;
};

/*
 * As root, before anything of the user's runs: into its scope, so that
 * nothing it starts can escape the session. seatmuxd has no threads, so
 * the child may allocate (the bus call does).
 */
static int leader_prepare(void *arg)
{
	const struct leader *l = arg;
	char scope[SCOPE_NAME_MAX], what[ACCOUNT_NAME_MAX + SEAT_PROTO_MAX_SEAT + 32];

	fcntl(STDOUT_FILENO, F_SETFL, O_APPEND);	/* not O_NONBLOCK */
	snprintf(what, sizeof(what), "seatmux session of %s on %s", l->acct->name,
		 l->s->seat);
	if (l->scoped && (scope_name(scope, sizeof(scope), l->s->seat, getpid()) < 0 ||
			  scope_enter(scope, what) < 0))
		return 125;
	return 0;
}

/*
 * Still root: seatmux-session opens the PAM session around the
 * session's program and runs it as the user (session_proto.h).
 */
static int leader_run(void *arg)
{
	static char *const clean_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	const struct leader *l = arg;
	const struct session_spec *spec = &l->s->spec;
	const char *argv[34];
	char vt[8], uid[16];
	int n = 0;

	snprintf(vt, sizeof(vt), "%d", l->s->vt);
	snprintf(uid, sizeof(uid), "%u", (unsigned)l->acct->uid);
	argv[n++] = "seatmux-session";
	argv[n++] = "--service";
	argv[n++] = l->s->pam_service ? l->s->pam_service : "seatmux";
	argv[n++] = "--user";
	argv[n++] = l->acct->name;
	argv[n++] = "--uid";
	argv[n++] = uid;
	argv[n++] = "--seat";
	argv[n++] = l->s->seat;
	argv[n++] = "--class";
	argv[n++] = spec->greeter ? "greeter" : "user";
	if (l->s->vt > 0) {
		argv[n++] = "--vt";
		argv[n++] = vt;
	}
	argv[n++] = "--status-fd";
	argv[n++] = "3";
	argv[n++] = "--env-fd";
	argv[n++] = "4";
	argv[n++] = "--";
	if (spec->application) {
		argv[n++] = SEATMUX_COMPOSITOR;
		argv[n++] = "--kms";
		if (spec->mode[0]) {
			argv[n++] = "--mode";
			argv[n++] = spec->mode;
		}
		argv[n++] = "--";
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = spec->application;
	} else {
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = spec->command;
	}
	argv[n] = NULL;
	execve(l->s->helper, (char *const *)argv, clean_env);
	return 127;
}

struct launch {
	const char *user;
	uid_t uid;
	char *const *argv;
	char *const *envp;
	const char *scope;
};

/*
 * As root: into the session's scope before anything of the user's runs;
 * and the name still the uid's (its groups are taken by name), looked up
 * here, away from the loop.
 */
static int launch_prepare(void *arg)
{
	const struct launch *l = arg;
	struct passwd *pw;

	fcntl(STDOUT_FILENO, F_SETFL, O_APPEND);	/* not O_NONBLOCK */
	pw = getpwnam(l->user);
	if (!pw || pw->pw_uid != l->uid) {
		fprintf(stderr, "seatmuxd: not launched: %s is not uid %u now\n", l->user,
			(unsigned)l->uid);
		return 125;
	}
	return scope_join(l->scope) < 0 ? 125 : 0;
}

/* As the user: its account is looked up here, away from the loop. */
static int launch_run(void *arg)
{
	const struct launch *l = arg;
	struct passwd *pw;

	/* execvp looks in environ's PATH: the session's, not seatmuxd's. */
	environ = (char **)l->envp;
	pw = getpwuid(getuid());
	if (!pw || setenv("HOME", pw->pw_dir, 1) < 0 || setenv("USER", pw->pw_name, 1) < 0 ||
	    setenv("LOGNAME", pw->pw_name, 1) < 0 ||
	    setenv("SHELL", pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh", 1) < 0) {
		fprintf(stderr, "seatmuxd: not launched: uid %u has no account\n",
			(unsigned)getuid());
		return 126;
	}
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		return 126;
	execvp(l->argv[0], l->argv);
	return 127;
}

pid_t session_launch(struct session *s, char *const *argv)
{
	char xdg_runtime[64], display[SESSION_DISPLAY_MAX];
	int fds[3] = { -1, -1, -1 };	/* stdin: /dev/null */
	struct launch l;
	struct spawn sp;
	struct child *c;
	struct env env;
	int log_fd, rc;

	if (s->pid <= 0 || s->uid == (uid_t)-1 || s->uid == 0 || s->gid == (gid_t)-1 ||
	    !s->user[0])
		return -ESRCH;
	if (!s->procs.scope[0])
		return -EOPNOTSUPP;
	if (runtime_dir(s->uid, s->gid, xdg_runtime, sizeof(xdg_runtime)) < 0)
		return -errno;
	rc = session_display_find(s->procs.scope, s->uid, xdg_runtime, display, sizeof(display));
	if (rc < 0)
		return rc;
	log_fd = open_log(s, s->uid, s->user);
	if (log_fd < 0)
		return -EIO;
	env_build(&env, s, xdg_runtime);
	rc = env_set(&env, "WAYLAND_DISPLAY", display);
	if (rc < 0) {
		close(log_fd);
		for (int i = 0; i < env.n; i++)
			free(env.vars[i]);
		return rc;
	}
	l = (struct launch){ .user = s->user, .uid = s->uid, .argv = argv, .envp = env.vars,
			     .scope = s->procs.scope };
	fds[1] = fds[2] = log_fd;
	sp = (struct spawn){
		.fds = fds, .nfds = 3, .new_session = true, .prepare = launch_prepare,
		.drop = true, .uid = s->uid, .gid = s->gid, .groups_of = s->user,
		.run = launch_run, .arg = &l,
	};
	c = spawn_child(s->loop, &sp, NULL, NULL);
	rc = c ? (int)child_pid(c) : -errno;
	close(log_fd);
	for (int i = 0; i < env.n; i++)
		free(env.vars[i]);
	if (c)
		child_detach(c);	/* the session's now; reaped when it ends */
	return rc;
}

/* The account is looked up: the session's first process starts as it. */
static int leader_spawn(struct session *s, const struct account *acct)
{
	int fds[5] = { -1, -1, -1, -1, -1 };	/* stdin: /dev/null */
	struct leader leader;
	struct spawn sp;
	struct env env;
	char xdg_runtime[64], name[FDSTORE_NAME_MAX];
	bool scoped;
	int log_fd, rc;
	pid_t pid;

	if (runtime_dir(acct->uid, acct->gid, xdg_runtime, sizeof(xdg_runtime)) < 0) {
		log_error("%s: cannot prepare %s: %m", s->seat, xdg_runtime);
		return -1;
	}
	log_fd = open_log(s, acct->uid, acct->name);
	if (log_fd < 0)
		return -1;
	scoped = scope_available();
	if (!scoped && !s->warned_no_scope) {
		log_warn("%s: sessions run without a scope (no systemd or no cgroup v2): "
			 "a session's processes are its process group only", s->seat);
		s->warned_no_scope = true;
	}
	if (status_open(s, &fds[3]) < 0) {
		log_error("%s: cannot start its session: %m", s->seat);
		close(log_fd);
		return -1;
	}
	env_build(&env, s, xdg_runtime);
	fds[4] = env_fd(&env);
	for (int i = 0; i < env.n; i++)
		free(env.vars[i]);
	leader = (struct leader){ .s = s, .acct = acct, .scoped = scoped };
	fds[1] = fds[2] = log_fd;
	/* Root until seatmux-session has opened the PAM session. */
	sp = (struct spawn){
		.fds = fds, .nfds = 5, .new_session = true, .prepare = leader_prepare,
		.run = leader_run, .arg = &leader,
	};
	s->child = fds[4] >= 0 ? spawn_child(s->loop, &sp, leader_ended, s) : NULL;
	close(log_fd);
	close(fds[3]);
	if (fds[4] >= 0)
		close(fds[4]);
	if (!s->child) {
		log_error("%s: cannot start its session: %m", s->seat);
		status_close(s);
		return -1;
	}
	pid = child_pid(s->child);
	s->pid = pid;
	if (pidfd_name(s, name, sizeof(name)) == 0 &&
	    (rc = fdstore_put(name, child_pidfd(s->child))) < 0)
		log_warn("%s: its session is not kept across a restart: %s", s->seat,
			 strerror(-rc));
	s->uid = acct->uid;
	s->gid = acct->gid;
	s->run_greeter = s->spec.greeter;
	snprintf(s->user, sizeof(s->user), "%s", acct->name);
	s->procs.pgid = pid;
	if (scoped)
		scope_name(s->procs.scope, sizeof(s->procs.scope), s->seat, pid);
	s->stopped = false;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	changed(s);
	log_info("%s: session started as %s, pid %d: %s%s", s->seat, acct->name, (int)pid,
		 s->spec.application ? "seatmux-compositor with " : "",
		 s->spec.application ? s->spec.application : s->spec.command);
	return 0;
}

static void account_found(void *data, enum account_result res, const struct account *acct)
{
	struct session *s = data;

	s->resolving = NULL;
	if (res == ACCOUNT_UNKNOWN)
		log_error("%s: session user '%s' does not exist", s->seat, s->spec.user);
	else if (res == ACCOUNT_ROOT)
		log_error("%s: refusing to run a session as root", s->seat);
	else if (res == ACCOUNT_TOO_LONG)
		log_error("%s: session user '%s': its name is longer than %d bytes", s->seat,
			  s->spec.user, ACCOUNT_NAME_MAX - 1);
	else if (res != ACCOUNT_OK)
		log_error("%s: session user '%s': %s", s->seat, s->spec.user,
			  account_result_text(res));
	if (res != ACCOUNT_OK || leader_spawn(s, acct) < 0)
		start_failed(s);
}

int session_start(struct session *s)
{
	if (!session_spec_runs(&s->spec))
		return 0;
	if (s->stopping) {
		s->start_when_gone = true;
		return 0;
	}
	if (s->resolving)
		return 0;	/* under way, for the spec as it is (session_set_spec) */
	/* Asked to run: a failure from here on is tried again. */
	s->stopped = false;
	/*
	 * The user database may be a directory that takes seconds to answer,
	 * or never does: every seat's session would wait on it here.
	 */
	s->resolving = account_job_start(s->loop, s->spec.user, account_found, s);
	if (!s->resolving) {
		log_error("%s: cannot look its session's user up: %m", s->seat);
		start_failed(s);
		return -1;
	}
	return 0;
}

void session_stop(struct session *s)
{
	s->stopped = true;
	s->start_when_gone = false;
	if (s->resolving) {
		account_job_cancel(s->resolving);
		s->resolving = NULL;
		changed(s);	/* nothing is starting any more */
	}
	if (s->restart_timer)
		loop_timer_arm(s->restart_timer, 0);
	if (s->pid <= 0 || s->stopping)
		return;
	log_info("%s: stopping session pid %d", s->seat, (int)s->pid);
	status_read(s, false);
	procs_signal(&s->procs, SIGTERM);
	s->stopping = true;
	if (s->kill_timer)
		loop_timer_arm(s->kill_timer, SESSION_STOP_MS);
	changed(s);	/* its state: stopping */
}

static int backoff_ms(struct session *s)
{
	struct timespec now;
	int delay_s = 1;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - s->started.tv_sec >= SESSION_STABLE_S)
		s->failures = 0;
	for (int i = 0; i < s->failures && delay_s < s->spec.restart_max_s; i++)
		delay_s *= 2;
	if (delay_s > s->spec.restart_max_s)
		delay_s = s->spec.restart_max_s;
	s->failures++;
	return delay_s * 1000;
}

static void leader_ended(void *data, pid_t pid, int status)
{
	struct session *s = data;
	int delay;

	s->child = NULL;
	status_read(s, true);
	status_close(s);
	s->logind_id[0] = '\0';
	/*
	 * Whatever the leader left behind goes too: at once if it was being
	 * stopped, else after the grace. Its user's rights end here.
	 */
	leftovers_kill(s);
	if (s->stopping) {
		procs_signal(&s->procs, SIGKILL);
	} else {
		procs_signal(&s->procs, SIGTERM);
		s->leftovers = s->procs;
		/* The reaped leader's pid may be reused: its scope alone names
		 * what is left, where there is one. */
		if (s->leftovers.scope[0])
			s->leftovers.pgid = 0;
		loop_timer_arm(s->kill_timer, SESSION_STOP_MS);
	}
	procs_clear(&s->procs);
	s->pid = 0;
	s->uid = (uid_t)-1;
	s->gid = (gid_t)-1;
	s->user[0] = 0;
	forget(s);
	if (status < 0)
		log_info("%s: session pid %d ended", s->seat, (int)pid);
	else if (WIFEXITED(status))
		log_info("%s: session exited with status %d", s->seat, WEXITSTATUS(status));
	else
		log_info("%s: session killed by signal %d", s->seat, WTERMSIG(status));
	/* Its owner cuts its clients off before anything starts again. */
	if (s->ended)
		s->ended(s->ended_data);
	if (s->stopping) {
		s->stopping = false;
		loop_timer_arm(s->kill_timer, 0);
		if (s->start_when_gone) {
			s->start_when_gone = false;
			session_start(s);
		}
		return;
	}
	if (s->stopped)
		return;
	delay = backoff_ms(s);
	log_info("%s: restarting session in %d ms", s->seat, delay);
	loop_timer_arm(s->restart_timer, delay);
}
