#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_config.h"
#include "fdstore.h"
#include "log.h"
#include "session.h"
#include "session_display.h"
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

static void restart_fired(void *data, uint32_t events)
{
	struct session *s = data;

	if (!s->stopped && s->pid <= 0 && session_start(s) < 0)
		log_error("%s: session failed to start again", s->seat);
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

static void kill_fired(void *data, uint32_t events)
{
	struct session *s = data;

	leftovers_kill(s);
	if (s->pid <= 0 || !s->stopping)
		return;
	log_warn("%s: session pid %d ignored SIGTERM, killing", s->seat, (int)s->pid);
	procs_signal(&s->procs, SIGKILL);
}

int session_init(struct session *s, struct loop *loop, const char *seat,
		 const char *socket_path, void (*ended)(void *data), void *data)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->ended = ended;
	s->ended_data = data;
	s->uid = (uid_t)-1;
	snprintf(s->seat, sizeof(s->seat), "%s", seat);
	snprintf(s->socket_path, sizeof(s->socket_path), "%s", socket_path);
	s->restart_timer = loop_add_timer(loop, restart_fired, s);
	s->kill_timer = loop_add_timer(loop, kill_fired, s);
	return s->restart_timer && s->kill_timer ? 0 : -1;
}

void session_finish(struct session *s)
{
	s->stopped = true;
	if (s->pid > 0)
		log_info("%s: ending session pid %d and all its processes", s->seat, (int)s->pid);
	procs_signal(&s->procs, SIGKILL);
	procs_clear(&s->procs);
	leftovers_kill(s);
	if (s->pid > 0)
		forget(s);
	child_detach(s->child);		/* reaped when it comes, by the loop */
	s->child = NULL;
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
	if (spec == &s->spec)
		return 0;
	return session_spec_copy(&s->spec, spec);
}

static void leader_ended(void *data, pid_t pid, int status);

void session_kill_orphans(bool (*keep)(void *data, const char *scope), void *data)
{
	DIR *dir = opendir("/sys/fs/cgroup/system.slice");
	struct dirent *e;
	size_t len;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		len = strlen(e->d_name);
		if (strncmp(e->d_name, "seatmux-", 8) || len < 6 ||
		    strcmp(e->d_name + len - 6, ".scope") || !scope_populated(e->d_name))
			continue;
		if (keep && keep(data, e->d_name))
			continue;
		log_warn("%s: a session of an earlier seatmuxd, not taken back: ended",
			 e->d_name);
		scope_signal(e->d_name, SIGKILL);
	}
	closedir(dir);
}

void session_save(const struct session *s, FILE *f)
{
	char pid[16], uid[16], digest[24];

	if (s->pid <= 0 || !s->child)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)s->pid);
	snprintf(uid, sizeof(uid), "%u", (unsigned)s->uid);
	snprintf(digest, sizeof(digest), "%llx", session_spec_digest(&s->spec));
	state_put(f, "session", s->seat, pid, uid, digest, s->stopping ? "stopping" : "running",
		  (char *)NULL);
}

/* The running session's user's name, as the passwd database has it now
 * (the spec names the next run's, which may be another's). */
static void user_name_of(struct session *s, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	snprintf(s->user, sizeof(s->user), "%s", pw ? pw->pw_name : "");
}

int session_adopt(struct session *s, int pidfd, uid_t uid)
{
	s->child = child_adopt_pidfd(s->loop, pidfd, leader_ended, s);
	if (!s->child)
		return -1;
	s->pid = child_pid(s->child);
	s->uid = uid;
	user_name_of(s, uid);
	s->procs.pgid = s->pid;
	if (scope_available())
		scope_name(s->procs.scope, sizeof(s->procs.scope), s->seat, s->pid);
	s->stopped = false;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	log_info("%s: session pid %d (uid %u) taken back", s->seat, (int)s->pid, (unsigned)uid);
	changed(s);
	return 0;
}

void session_release(struct session *s)
{
	child_detach(s->child);		/* left running; the loop forgets it */
	s->child = NULL;
	s->pid = 0;
	loop_remove(s->restart_timer);
	s->restart_timer = NULL;
	loop_remove(s->kill_timer);
	s->kill_timer = NULL;
	session_spec_free(&s->spec);
}

/*
 * /run/user/UID, made here because there is no logind. Created without
 * following links and then checked, so a user cannot point it elsewhere.
 */
static int runtime_dir(const struct passwd *pw, char *out, size_t size)
{
	struct stat st;
	int fd;

	if (mkdir("/run/user", 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(out, size, "/run/user/%u", (unsigned)pw->pw_uid);
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 ||
	    fchown(fd, pw->pw_uid, pw->pw_gid) < 0 || fchmod(fd, 0700) < 0) {
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

static void env_build(struct env *env, const struct session *s,
		      const struct passwd *pw, const char *xdg_runtime)
{
	env->n = 0;
	env_add(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_add(env, "HOME", pw->pw_dir);
	env_add(env, "USER", pw->pw_name);
	env_add(env, "LOGNAME", pw->pw_name);
	env_add(env, "SHELL", pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
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
	for (int i = 0; i < s->spec.nenv && env->n < SESSION_ENV_MAX; i++)
		env->vars[env->n++] = strdup(s->spec.env[i]);
	env->vars[env->n] = NULL;
}

/*
 * Opened by root, written by the session: refuse anything but a plain file
 * of root's or the session user's with a single link, so a user cannot aim
 * the broker's write at a file of someone else's through a link.
 */
static int open_log(const struct session *s, const struct passwd *pw)
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
	    (st.st_uid != 0 && st.st_uid != pw->pw_uid)) {
		log_error("%s: session log %s: not a plain file of root's or %s's",
			  s->seat, path, pw->pw_name);
		close(fd);
		return -1;
	}
	return fd;
}

/* What the session's first process needs after fork. */
struct leader {
	const struct session *s;
	const struct passwd *pw;
	char *const *envp;
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
	char scope[SCOPE_NAME_MAX], what[160];

	fcntl(STDOUT_FILENO, F_SETFL, O_APPEND);	/* not O_NONBLOCK */
	snprintf(what, sizeof(what), "seatmux session of %s on %s", l->pw->pw_name,
		 l->s->seat);
	if (l->scoped && (scope_name(scope, sizeof(scope), l->s->seat, getpid()) < 0 ||
			  scope_enter(scope, what) < 0))
		return 125;
	return 0;
}

/* As the user: home (which root may not enter), then the session. */
static int leader_run(void *arg)
{
	const struct leader *l = arg;
	const struct session_spec *spec = &l->s->spec;

	if (chdir(l->pw->pw_dir) < 0 && chdir("/") < 0)
		return 126;
	if (spec->application && spec->mode[0])
		execle(SEATMUX_COMPOSITOR, "seatmux-compositor", "--kms", "--mode", spec->mode,
		       "--", "/bin/sh", "-c", spec->application, (char *)NULL, l->envp);
	else if (spec->application)
		execle(SEATMUX_COMPOSITOR, "seatmux-compositor", "--kms", "--", "/bin/sh", "-c",
		       spec->application, (char *)NULL, l->envp);
	else
		execle("/bin/sh", "sh", "-c", spec->command, (char *)NULL, l->envp);
	return 127;
}

struct launch {
	const struct passwd *pw;
	char *const *argv;
	char *const *envp;
	const char *scope;
};

/* As root: into the session's scope before anything of the user's runs. */
static int launch_prepare(void *arg)
{
	const struct launch *l = arg;

	fcntl(STDOUT_FILENO, F_SETFL, O_APPEND);	/* not O_NONBLOCK */
	return scope_join(l->scope) < 0 ? 125 : 0;
}

static int launch_run(void *arg)
{
	const struct launch *l = arg;

	if (chdir(l->pw->pw_dir) < 0 && chdir("/") < 0)
		return 126;
	/* execvp looks in environ's PATH: the session's, not seatmuxd's. */
	environ = (char **)l->envp;
	execvp(l->argv[0], l->argv);
	return 127;
}

pid_t session_launch(struct session *s, char *const *argv)
{
	char xdg_runtime[64], display[SESSION_DISPLAY_MAX];
	int fds[3] = { -1, -1, -1 };	/* stdin: /dev/null */
	struct passwd *pw;
	struct launch l;
	struct spawn sp;
	struct child *c;
	struct env env;
	int log_fd, rc;

	if (s->pid <= 0 || !s->spec.user || !(pw = getpwnam(s->spec.user)) ||
	    pw->pw_uid != s->uid || pw->pw_uid == 0)
		return -ESRCH;
	if (!s->procs.scope[0])
		return -EOPNOTSUPP;
	if (runtime_dir(pw, xdg_runtime, sizeof(xdg_runtime)) < 0)
		return -errno;
	rc = session_display_find(s->procs.scope, pw->pw_uid, xdg_runtime, display,
				  sizeof(display));
	if (rc < 0)
		return rc;
	log_fd = open_log(s, pw);
	if (log_fd < 0)
		return -EIO;
	env_build(&env, s, pw, xdg_runtime);
	rc = env_set(&env, "WAYLAND_DISPLAY", display);
	if (rc < 0) {
		close(log_fd);
		for (int i = 0; i < env.n; i++)
			free(env.vars[i]);
		return rc;
	}
	l = (struct launch){ .pw = pw, .argv = argv, .envp = env.vars, .scope = s->procs.scope };
	fds[1] = fds[2] = log_fd;
	sp = (struct spawn){
		.fds = fds, .nfds = 3, .new_session = true, .prepare = launch_prepare,
		.drop = true, .uid = pw->pw_uid, .gid = pw->pw_gid, .groups_of = pw->pw_name,
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

int session_start(struct session *s)
{
	struct passwd *pw;
	int fds[3] = { -1, -1, -1 };	/* stdin: /dev/null */
	struct leader leader;
	struct spawn sp;
	struct env env;
	char xdg_runtime[64], name[FDSTORE_NAME_MAX];
	bool scoped;
	int log_fd, rc;
	pid_t pid;

	if (!session_spec_runs(&s->spec))
		return 0;
	if (s->stopping) {
		s->start_when_gone = true;
		return 0;
	}
	pw = getpwnam(s->spec.user);
	if (!pw) {
		log_error("%s: session user '%s' does not exist", s->seat, s->spec.user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_error("%s: refusing to run a session as root", s->seat);
		return -1;
	}
	if (runtime_dir(pw, xdg_runtime, sizeof(xdg_runtime)) < 0) {
		log_error("%s: cannot prepare %s: %m", s->seat, xdg_runtime);
		return -1;
	}
	log_fd = open_log(s, pw);
	if (log_fd < 0)
		return -1;
	scoped = scope_available();
	if (!scoped && !s->warned_no_scope) {
		log_warn("%s: sessions run without a scope (no systemd or no cgroup v2): "
			 "a session's processes are its process group only", s->seat);
		s->warned_no_scope = true;
	}
	env_build(&env, s, pw, xdg_runtime);
	leader = (struct leader){ .s = s, .pw = pw, .envp = env.vars, .scoped = scoped };
	fds[1] = fds[2] = log_fd;
	sp = (struct spawn){
		.fds = fds, .nfds = 3, .new_session = true, .prepare = leader_prepare,
		.drop = true, .uid = pw->pw_uid, .gid = pw->pw_gid, .groups_of = pw->pw_name,
		.run = leader_run, .arg = &leader,
	};
	s->child = spawn_child(s->loop, &sp, leader_ended, s);
	close(log_fd);
	for (int i = 0; i < env.n; i++)
		free(env.vars[i]);
	if (!s->child) {
		log_error("%s: cannot start its session: %m", s->seat);
		return -1;
	}
	pid = child_pid(s->child);
	s->pid = pid;
	if (pidfd_name(s, name, sizeof(name)) == 0 &&
	    (rc = fdstore_put(name, child_pidfd(s->child))) < 0)
		log_warn("%s: its session is not kept across a restart: %s", s->seat,
			 strerror(-rc));
	s->uid = pw->pw_uid;
	user_name_of(s, pw->pw_uid);
	s->procs.pgid = pid;
	if (scoped)
		scope_name(s->procs.scope, sizeof(s->procs.scope), s->seat, pid);
	s->stopped = false;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	changed(s);
	log_info("%s: session started as %s, pid %d: %s%s", s->seat, pw->pw_name, (int)pid,
		 s->spec.application ? "seatmux-compositor with " : "",
		 s->spec.application ? s->spec.application : s->spec.command);
	return 0;
}

void session_stop(struct session *s)
{
	s->stopped = true;
	s->start_when_gone = false;
	if (s->restart_timer)
		loop_timer_arm(s->restart_timer, 0);
	if (s->pid <= 0 || s->stopping)
		return;
	log_info("%s: stopping session pid %d", s->seat, (int)s->pid);
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
			if (session_start(s) < 0)
				log_error("%s: session failed to start", s->seat);
		}
		return;
	}
	if (s->stopped)
		return;
	delay = backoff_ms(s);
	log_info("%s: restarting session in %d ms", s->seat, delay);
	loop_timer_arm(s->restart_timer, delay);
}
