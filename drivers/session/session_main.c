// SPDX-License-Identifier: MIT
/*
 * seatmux-session: a seat's session opened through PAM, as a display
 * manager's session worker opens one (session_proto.h says how seatmuxd
 * starts it). Account, credentials and session of the account seatmuxd
 * settled on: pam_systemd registers the session with logind on its seat
 * (loginctl sees it, XDG_RUNTIME_DIR is logind's, uaccess devices on the
 * seat become the user's) and moves this process into the session's
 * scope; pam_limits, pam_mkhomedir, pam_mount and the like do their part.
 * Then the program runs as the user, with the session's environment
 * (read from an fd: this process, root, keeps seatmuxd's clean one, so
 * nothing a session's environment says reaches the dynamic loader or a
 * PAM module here, and no other user reads it in /proc) and PAM's over
 * it. Signals that end a session are passed on to the program; when it
 * ends the PAM session is closed and its status is this process's:
 * seatmuxd watches this process as the session's leader.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/vt.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session_proto.h"

#define ENV_MAX 64
#define ENV_BYTES_MAX 65536

struct args {
	const char *service, *user, *seat, *class;
	uid_t uid;		/* the user's, as seatmuxd knows it; (uid_t)-1: unsaid */
	int vt;			/* 0: none */
	int status_fd;		/* -1: nobody asks */
	int env_fd;		/* -1: none */
	/* The session's environment, which this process (root, its own
	 * kept clean by seatmuxd) never takes: only the program gets it. */
	char *env[ENV_MAX + 4 + 1];	/* and the account's four (env_account) */
	int nenv;
	char env_block[ENV_BYTES_MAX + 1];
	char **argv;		/* the program */
};

/* The account, copied at once: PAM modules and NSS may call getpw*()
 * again, whose buffer getpwnam() returns. */
struct account {
	char name[256];
	char home[4096];
	uid_t uid;
	gid_t gid;
};

static void usage(void)
{
	fprintf(stderr, "usage: seatmux-session --service NAME --user NAME [--uid UID] "
			"--seat SEAT [--class CLASS] [--vt N] [--status-fd FD] [--env-fd FD] "
			"-- PROGRAM [ARG...]\n");
	exit(SESSION_EXIT_USAGE);
}

static int number(const char *s, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		usage();
	return (int)v;
}

static uid_t uid_number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v >= (uid_t)-1)
		usage();
	return (uid_t)v;
}

static void args_parse(struct args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "uid", required_argument, NULL, 'U' },
		{ "seat", required_argument, NULL, 'S' },
		{ "class", required_argument, NULL, 'c' },
		{ "vt", required_argument, NULL, 'v' },
		{ "status-fd", required_argument, NULL, 'f' },
		{ "env-fd", required_argument, NULL, 'e' },
		{ 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->class = "user";
	a->status_fd = a->env_fd = -1;
	a->uid = (uid_t)-1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->service = optarg; break;
		case 'u': a->user = optarg; break;
		case 'U': a->uid = uid_number(optarg); break;
		case 'S': a->seat = optarg; break;
		case 'c': a->class = optarg; break;
		case 'v': a->vt = number(optarg, 63); break;
		case 'f': a->status_fd = number(optarg, 1023); break;
		case 'e': a->env_fd = number(optarg, 1023); break;
		default: usage();
		}
	}
	if (!a->service || !a->user || !a->seat || optind >= argc)
		usage();
	a->argv = argv + optind;
}

/* NAME=VALUE entries, each NUL-ended, up to ENV_MAX of them. */
static int env_read(struct args *a)
{
	size_t have = 0;
	ssize_t n;

	if (a->env_fd < 0)
		return 0;
	while ((n = read(a->env_fd, a->env_block + have, ENV_BYTES_MAX - have)) > 0)
		have += (size_t)n;
	close(a->env_fd);
	if (n < 0 || have == ENV_BYTES_MAX || (have && a->env_block[have - 1]))
		return -1;
	for (size_t at = 0; at < have; at += strlen(a->env_block + at) + 1) {
		char *e = a->env_block + at;

		if (a->nenv == ENV_MAX || e[0] == '=' || !strchr(e, '='))
			return -1;
		a->env[a->nenv++] = e;
	}
	return 0;
}

/* The VT seat0's session is on, which logind wants there: the one in
 * front, when seatmuxd did not say. */
static int active_vt(void)
{
	struct vt_stat st;
	int fd = open("/dev/tty0", O_RDONLY | O_NOCTTY | O_CLOEXEC), vt = 0;

	if (fd >= 0 && ioctl(fd, VT_GETSTATE, &st) == 0)
		vt = st.v_active;
	if (fd >= 0)
		close(fd);
	return vt;
}

/* Authentication was seatmuxd's, before: a module that asks anything now
 * gets no answer. What modules say goes to the session's log. */
static int converse(int n, const struct pam_message **msg, struct pam_response **resp,
		    void *data)
{
	(void)data;
	*resp = NULL;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_ERROR_MSG && msg[i]->msg_style != PAM_TEXT_INFO)
			return PAM_CONV_ERR;
		fprintf(stderr, "seatmux-session: %s\n", msg[i]->msg);
	}
	return PAM_SUCCESS;
}

static int env_put(pam_handle_t *h, const char *name, const char *value)
{
	char var[256];

	if ((size_t)snprintf(var, sizeof(var), "%s=%s", name, value) >= sizeof(var))
		return PAM_BUF_ERR;
	return pam_putenv(h, var);
}

/* What pam_systemd registers the session with. */
static int env_for_logind(pam_handle_t *h, const struct args *a)
{
	char vt[8];
	int rc = env_put(h, "XDG_SEAT", a->seat);

	if (rc == PAM_SUCCESS)
		rc = env_put(h, "XDG_SESSION_CLASS", a->class);
	if (rc == PAM_SUCCESS)
		rc = env_put(h, "XDG_SESSION_TYPE", "wayland");
	if (rc == PAM_SUCCESS)
		rc = env_put(h, "XDG_SESSION_DESKTOP", "seatmux");
	if (rc == PAM_SUCCESS && a->vt) {
		snprintf(vt, sizeof(vt), "%d", a->vt);
		rc = env_put(h, "XDG_VTNR", vt);
	}
	return rc;
}

static bool same_name(const char *a, const char *b)
{
	size_t n = strcspn(a, "=");

	return !strncmp(a, b, n) && b[n] == '=';
}

/* HOME, USER, LOGNAME and SHELL are the account's, as login(1) sets them,
 * in place of any the session's environment gave. */
static int env_account(struct args *a, const struct passwd *pw)
{
	const char *shell = pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh";
	const char *vars[][2] = {
		{ "HOME", pw->pw_dir }, { "USER", pw->pw_name },
		{ "LOGNAME", pw->pw_name }, { "SHELL", shell },
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		char *var;
		int at = 0;

		if (asprintf(&var, "%s=%s", vars[i][0], vars[i][1]) < 0)
			return -1;
		while (at < a->nenv && !same_name(var, a->env[at]))
			at++;
		if (at == a->nenv)
			a->nenv++;
		a->env[at] = var;	/* lives as long as the process */
	}
	return 0;
}

/*
 * The program's environment: the session's, with PAM's (XDG_RUNTIME_DIR,
 * XDG_SESSION_ID, pam_env's) over it. NULL without memory.
 */
static char **env_for_program(const struct args *a, char **pam)
{
	int npam = 0, n = 0;
	char **envp;

	while (pam[npam])
		npam++;
	envp = calloc((size_t)(a->nenv + npam + 1), sizeof(*envp));
	if (!envp)
		return NULL;
	for (int i = 0; i < a->nenv; i++) {
		bool overridden = false;

		for (int j = 0; j < npam && !overridden; j++)
			overridden = same_name(a->env[i], pam[j]);
		if (!overridden)
			envp[n++] = a->env[i];
	}
	for (int j = 0; j < npam; j++)
		envp[n++] = pam[j];
	return envp;
}

static void strings_free(char **list)
{
	for (char **v = list; v && *v; v++)
		free(*v);
	free(list);
}

/* The cgroup PAM left this process in: "0::/PATH" in /proc/self/cgroup. */
static int own_cgroup(char *out, size_t size)
{
	char line[SESSION_PROTO_CGROUP_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int rc = -1;

	if (!f)
		return -1;
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* The root: no scope at all (no systemd). */
		if (line[4] && (size_t)snprintf(out, size, "%s", line + 3) < size)
			rc = 0;
	}
	fclose(f);
	return rc;
}

static void status_say(pam_handle_t *h, const struct args *a)
{
	char cgroup[SESSION_PROTO_CGROUP_MAX];
	const char *id = pam_getenv(h, "XDG_SESSION_ID");

	if (a->status_fd < 0)
		return;
	if (own_cgroup(cgroup, sizeof(cgroup)) < 0)
		snprintf(cgroup, sizeof(cgroup), "-");
	if (!id || !*id || strlen(id) >= SESSION_PROTO_ID_MAX || strchr(id, ' '))
		id = "-";
	dprintf(a->status_fd, "%s %s\n", id, cgroup);
	close(a->status_fd);
}

/* As the user, with the groups already set, in the session's process
 * group (seatmuxd's signals to the session reach it there too). */
static _Noreturn void program_run(const struct args *a, const struct account *acct,
				  char **envp, const sigset_t *mask)
{
	/* Nothing of ours (the status pipe, what PAM modules opened) but
	 * the session's output goes with it. */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (setgid(acct->gid) < 0 || setuid(acct->uid) < 0 || setuid(0) == 0) {
		perror("seatmux-session: cannot become the user");
		_exit(126);
	}
	if (chdir(acct->home) < 0 && chdir("/") < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvpe(a->argv[0], a->argv, envp);
	fprintf(stderr, "seatmux-session: %s: %s\n", a->argv[0], strerror(errno));
	_exit(127);
}

/* Its status as a shell gives it: the code, or 128 + the signal. */
static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * The session, its PAM session open around it. SIGTERM, SIGINT and
 * SIGHUP (seatmuxd's signals to the session reach this process too),
 * blocked from the start, are passed on to the program and waited out:
 * the PAM session is closed after it, whatever ends it.
 */
static int session_run(pam_handle_t *h, const struct args *a, const struct account *acct,
		       char **envp, const sigset_t *wait_for, const sigset_t *old)
{
	sigset_t pending;
	siginfo_t si;
	int status;
	pid_t pid;

	/* Asked to end while PAM opened the session: nothing to run. */
	if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) ||
					  sigismember(&pending, SIGINT) ||
					  sigismember(&pending, SIGHUP)))
		return 128 + SIGTERM;
	pid = fork();
	if (pid < 0) {
		perror("seatmux-session: fork");
		return 1;
	}
	if (pid == 0)
		program_run(a, acct, envp, old);
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return exit_status(status);
		if (sigwaitinfo(wait_for, &si) > 0 && si.si_signo != SIGCHLD)
			kill(pid, si.si_signo);
	}
}

static int pam_fail(pam_handle_t *h, const char *what, int rc)
{
	fprintf(stderr, "seatmux-session: %s: %s\n", what, pam_strerror(h, rc));
	return rc;
}

/* The account the session opens for must be the one seatmuxd asked for:
 * its rights (the seat's socket, its devices) were given to that uid. */
static int same_account(pam_handle_t *h, const struct args *a)
{
	const void *item = NULL;

	if (pam_get_item(h, PAM_USER, &item) != PAM_SUCCESS || !item ||
	    strcmp(item, a->user)) {
		fprintf(stderr, "seatmux-session: PAM changed the account from %s to %s\n",
			a->user, item ? (const char *)item : "none");
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	struct pam_conv conv = { converse, NULL };
	static struct args a;	/* its env block is big */
	sigset_t wait_for, old;
	pam_handle_t *h = NULL;
	char **envp = NULL, **pam_env = NULL;
	struct account acct;
	struct passwd *pw;
	int rc, status = SESSION_EXIT_PAM;

	/* A stop while PAM works waits for it: the PAM session is closed. */
	sigemptyset(&wait_for);
	sigaddset(&wait_for, SIGTERM);
	sigaddset(&wait_for, SIGINT);
	sigaddset(&wait_for, SIGHUP);
	sigaddset(&wait_for, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wait_for, &old);
	args_parse(&a, argc, argv);
	/* Not inherited by what PAM modules start: seatmuxd trusts what
	 * comes on it to name the session's scope. */
	if (a.status_fd >= 0)
		fcntl(a.status_fd, F_SETFD, FD_CLOEXEC);
	/* seatmuxd gone away (a restart) must not end the session here. */
	signal(SIGPIPE, SIG_IGN);
	if (env_read(&a) < 0) {
		fprintf(stderr, "seatmux-session: the session's environment is not NAME=VALUE "
				"entries\n");
		return SESSION_EXIT_USAGE;
	}
	if (!a.vt && !strcmp(a.seat, "seat0"))
		a.vt = active_vt();
	pw = getpwnam(a.user);
	if (!pw || pw->pw_uid == 0 || strlen(pw->pw_name) >= sizeof(acct.name) ||
	    strlen(pw->pw_dir) >= sizeof(acct.home)) {
		fprintf(stderr, "seatmux-session: %s: no such user, or root\n", a.user);
		return SESSION_EXIT_PAM;
	}
	/* The socket and devices were given to the uid seatmuxd looked up. */
	if (a.uid != (uid_t)-1 && pw->pw_uid != a.uid) {
		fprintf(stderr, "seatmux-session: %s is uid %u now, not %u\n", a.user,
			(unsigned)pw->pw_uid, (unsigned)a.uid);
		return SESSION_EXIT_PAM;
	}
	if (env_account(&a, pw) < 0) {
		fprintf(stderr, "seatmux-session: out of memory\n");
		return SESSION_EXIT_PAM;
	}
	acct = (struct account){ .uid = pw->pw_uid, .gid = pw->pw_gid };
	strcpy(acct.name, pw->pw_name);
	strcpy(acct.home, pw->pw_dir);
	rc = pam_start(a.service, a.user, &conv, &h);
	if (rc != PAM_SUCCESS) {
		pam_fail(h, "pam_start", rc);
		return SESSION_EXIT_PAM;
	}
	if ((rc = pam_acct_mgmt(h, PAM_SILENT)) != PAM_SUCCESS) {
		pam_fail(h, "account", rc);
		goto end;
	}
	if ((rc = same_account(h, &a)) != PAM_SUCCESS)
		goto end;
	if (initgroups(acct.name, acct.gid) < 0) {
		perror("seatmux-session: initgroups");
		rc = PAM_SYSTEM_ERR;
		goto end;
	}
	if ((rc = pam_setcred(h, PAM_ESTABLISH_CRED | PAM_SILENT)) != PAM_SUCCESS) {
		pam_fail(h, "credentials", rc);
		goto end;
	}
	if ((rc = env_for_logind(h, &a)) != PAM_SUCCESS ||
	    (rc = pam_open_session(h, PAM_SILENT)) != PAM_SUCCESS) {
		pam_fail(h, "session", rc);
		goto creds;
	}
	pam_env = pam_getenvlist(h);
	envp = pam_env ? env_for_program(&a, pam_env) : NULL;
	if (!envp) {
		fprintf(stderr, "seatmux-session: PAM's environment: out of memory\n");
		rc = PAM_BUF_ERR;
	} else {
		status_say(h, &a);
		status = session_run(h, &a, &acct, envp, &wait_for, &old);
	}
	free(envp);
	strings_free(pam_env);
	pam_close_session(h, PAM_SILENT);
creds:
	pam_setcred(h, PAM_DELETE_CRED | PAM_SILENT);
end:
	pam_end(h, rc);
	return status;
}
