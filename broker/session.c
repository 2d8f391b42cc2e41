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
#include "log.h"
#include "session.h"

#define SESSION_STABLE_S 10	/* a session that ran this long was healthy */
#define SESSION_STOP_MS 3000	/* SIGTERM grace before SIGKILL */
#define SESSION_ENV_MAX (16 + CONFIG_MAX_ENV)

static void restart_fired(void *data, uint32_t events)
{
	struct session *s = data;

	if (!s->stopped && s->pid <= 0 && session_start(s) < 0)
		log_error("%s: session failed to start again", s->seat);
}

static void kill_fired(void *data, uint32_t events)
{
	struct session *s = data;

	if (s->pid <= 0)
		return;
	log_warn("%s: session pid %d ignored SIGTERM, killing", s->seat, (int)s->pid);
	kill(-s->pid, SIGKILL);
}

int session_init(struct session *s, struct loop *loop,
		 const struct seat_config *cfg, const char *seat,
		 const char *socket_path)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->loop = loop;
	snprintf(s->seat, sizeof(s->seat), "%s", seat);
	snprintf(s->socket_path, sizeof(s->socket_path), "%s", socket_path);
	s->restart_timer = loop_add_timer(loop, restart_fired, s);
	s->kill_timer = loop_add_timer(loop, kill_fired, s);
	return s->restart_timer && s->kill_timer ? 0 : -1;
}

static bool wait_gone(pid_t pid, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		usleep(20000);
	}
	return false;
}

void session_finish(struct session *s)
{
	session_stop(s);
	if (s->pid > 0) {
		if (!wait_gone(s->pid, SESSION_STOP_MS)) {
			kill_fired(s, 0);
			waitpid(s->pid, NULL, 0);
		}
		/* Whatever the leader left behind in its group goes too. */
		kill(-s->pid, SIGKILL);
		s->pid = 0;
	}
	loop_remove(s->restart_timer);
	s->restart_timer = NULL;
	loop_remove(s->kill_timer);
	s->kill_timer = NULL;
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
	for (int i = 0; i < s->cfg->nenv && env->n < SESSION_ENV_MAX; i++)
		env->vars[env->n++] = strdup(s->cfg->env[i]);
	env->vars[env->n] = NULL;
}

/*
 * Opened by root, written by the session: refuse anything but a plain file
 * of root's or the session user's with a single link, so a user cannot aim
 * the broker's write at a file of someone else's through a link.
 */
static int open_log(const struct session *s, const struct passwd *pw)
{
	const char *path = s->cfg->log_path;
	struct stat st;
	int fd;

	if (!path)
		return open("/dev/null", O_WRONLY | O_CLOEXEC);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0640);
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

/* In the child: never returns. Only async-signal-safe work after fork. */
static void child_exec(const struct session *s, const struct passwd *pw,
		       int log_fd, char *const envp[])
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		_exit(126);
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		_exit(126);
	if (s->cfg->application && s->cfg->mode[0])
		execle(SEATMUX_COMPOSITOR, "seatmux-compositor", "--kms", "--mode", s->cfg->mode,
		       "--", "/bin/sh", "-c", s->cfg->application, (char *)NULL, envp);
	else if (s->cfg->application)
		execle(SEATMUX_COMPOSITOR, "seatmux-compositor", "--kms", "--", "/bin/sh", "-c",
		       s->cfg->application, (char *)NULL, envp);
	else
		execle("/bin/sh", "sh", "-c", s->cfg->command, (char *)NULL, envp);
	_exit(127);
}

int session_start(struct session *s)
{
	struct passwd *pw;
	struct env env;
	char xdg_runtime[64];
	int log_fd;
	pid_t pid;

	if (!s->cfg || (!s->cfg->command && !s->cfg->application))
		return 0;
	if (s->stopping) {
		s->start_when_gone = true;
		return 0;
	}
	pw = getpwnam(s->cfg->user);
	if (!pw) {
		log_error("%s: session user '%s' does not exist", s->seat, s->cfg->user);
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
	env_build(&env, s, pw, xdg_runtime);
	pid = fork();
	if (pid == 0)
		child_exec(s, pw, log_fd, env.vars);
	close(log_fd);
	for (int i = 0; i < env.n; i++)
		free(env.vars[i]);
	if (pid < 0) {
		log_error("%s: fork: %m", s->seat);
		return -1;
	}
	s->pid = pid;
	s->stopped = false;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	log_info("%s: session started as %s, pid %d: %s%s", s->seat, pw->pw_name, (int)pid,
		 s->cfg->application ? "seatmux-compositor with " : "",
		 s->cfg->application ? s->cfg->application : s->cfg->command);
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
	kill(-s->pid, SIGTERM);
	s->stopping = true;
	if (s->kill_timer)
		loop_timer_arm(s->kill_timer, SESSION_STOP_MS);
}

static int backoff_ms(struct session *s)
{
	struct timespec now;
	int delay_s = 1;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - s->started.tv_sec >= SESSION_STABLE_S)
		s->failures = 0;
	for (int i = 0; i < s->failures && delay_s < s->cfg->restart_max_s; i++)
		delay_s *= 2;
	if (delay_s > s->cfg->restart_max_s)
		delay_s = s->cfg->restart_max_s;
	s->failures++;
	return delay_s * 1000;
}

bool session_reap(struct session *s, pid_t pid, int status)
{
	int delay;

	if (s->pid <= 0 || pid != s->pid)
		return false;
	/* Whatever the leader left behind in its group goes too: at once if
	 * it was being stopped. */
	kill(-s->pid, s->stopping ? SIGKILL : SIGTERM);
	s->pid = 0;
	if (WIFEXITED(status))
		log_info("%s: session exited with status %d", s->seat, WEXITSTATUS(status));
	else
		log_info("%s: session killed by signal %d", s->seat, WTERMSIG(status));
	if (s->stopping) {
		s->stopping = false;
		loop_timer_arm(s->kill_timer, 0);
		if (s->start_when_gone) {
			s->start_when_gone = false;
			if (session_start(s) < 0)
				log_error("%s: session failed to start", s->seat);
		}
		return true;
	}
	if (s->stopped)
		return true;
	delay = backoff_ms(s);
	log_info("%s: restarting session in %d ms", s->seat, delay);
	loop_timer_arm(s->restart_timer, delay);
	return true;
}
