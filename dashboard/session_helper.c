// SPDX-License-Identifier: MIT
/*
 * seatmux-dashboard-session: the dashboard's privileged half, one process
 * a logon (socket-activated with Accept=yes: stdin and stdout are the
 * connection). seatmux-dashboard, an unprivileged service, sends the user
 * name and password a browser gave it; PAM (service seatmux-dashboard)
 * says yes or no, and a user in neither seatmux-admin nor seatmux-teacher
 * is refused. Then this process becomes the user (groups, gid, uid, a
 * clean environment) and runs `seatmuxctl --serve` on the connection, as
 * cockpit-session runs its bridge: every call the dashboard makes for the
 * user reaches seatmuxd as that user, and polkit judges it as it would
 * seatmuxctl in the user's own shell. The dashboard never holds more
 * than its users do.
 *
 *   dashboard -> helper: USER NUL PASSWORD NUL RHOST NUL (the browser's
 *                        address, for PAM_RHOST; may be empty)
 *   helper -> dashboard: "ok USER ROLE\n", then seatmuxctl --serve's replies
 *                        "no REASON\n", and the connection ends
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "account.h"
#include "auth.h"
#include "build_config.h"

#define PAM_SERVICE "seatmux-dashboard"
#define DASHBOARD_USER "seatmux-dashboard"
#define TEACHER_GROUP "seatmux-teacher"
/* A password longer than this is nobody's (and PAM's own limit is 512). */
#define PASSWORD_MAX 512
/* The longest address (INET6_ADDRSTRLEN). */
#define RHOST_MAX 46
/* How long the dashboard may take to send a logon. */
#define REQUEST_TIMEOUT_MS 10000

static int say_no(const char *reason)
{
	dprintf(STDOUT_FILENO, "no %s\n", reason);
	fprintf(stderr, "seatmux-dashboard-session: refused: %s\n", reason);
	return 1;
}

/* Only the dashboard's service (or root, testing it) may ask. */
static bool peer_allowed(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;

	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0)
		return true;
	pw = getpwnam(DASHBOARD_USER);
	return pw && pw->pw_uid == cred.uid;
}

/*
 * USER NUL PASSWORD NUL RHOST NUL into buf: 0, or -1 if it is malformed,
 * too long or late. Read a byte at a time: nothing after the last NUL may
 * be taken from the connection, which seatmuxctl reads next.
 */
static int read_request(char *buf, size_t size, const char **user, const char **password,
			const char **rhost)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	size_t len = 0;
	int nuls = 0;

	while (nuls < 3) {
		if (len == size || poll(&p, 1, REQUEST_TIMEOUT_MS) != 1 ||
		    read(STDIN_FILENO, buf + len, 1) != 1)
			return -1;
		nuls += buf[len++] == 0;
	}
	*user = buf;
	*password = *user + strlen(*user) + 1;
	*rhost = *password + strlen(*password) + 1;
	/* An address, as inet_ntop writes them. */
	return strlen(*rhost) < RHOST_MAX && strspn(*rhost, "0123456789abcdefABCDEF.:") ==
		strlen(*rhost) ? 0 : -1;
}

static const char *role_of(const struct passwd *pw)
{
	/* Unsure group lookups answer no: a role is never guessed. */
	if (account_in_group(pw, ACCOUNT_ADMIN_GROUP, false))
		return "admin";
	if (account_in_group(pw, TEACHER_GROUP, false))
		return "teacher";
	return NULL;
}

/* Becomes the user for good: groups, gid, uid, and nothing of root's
 * environment. */
static int become(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return -1;
	if (setuid(0) == 0)
		return -1;	/* still root somehow: never go on */
	/* What PAM's and NSS's modules left open is not the user's. */
	if (close_range(3, ~0u, 0) < 0)
		return -1;
	if (clearenv() != 0 || setenv("HOME", pw->pw_dir, 1) < 0 ||
	    setenv("USER", pw->pw_name, 1) < 0 || setenv("LOGNAME", pw->pw_name, 1) < 0 ||
	    setenv("PATH", "/usr/bin:/bin", 1) < 0 || setenv("LANG", "C.UTF-8", 1) < 0)
		return -1;
	return chdir("/");
}

static int logon(void)
{
	struct auth_config cfg = { .service = PAM_SERVICE };
	char buf[AUTH_MAX_USER + 1 + PASSWORD_MAX + 1 + RHOST_MAX + 1];
	struct auth_account acct;
	const char *user, *password, *rhost, *role;
	struct passwd *pw;
	enum auth_result res;

	if (!peer_allowed())
		return say_no("only seatmux-dashboard may ask");
	if (read_request(buf, sizeof(buf), &user, &password, &rhost) < 0)
		return say_no("a logon is USER NUL PASSWORD NUL RHOST NUL, sent at once");
	cfg.rhost = *rhost ? rhost : NULL;
	res = auth_check(&cfg, user, password, &acct);
	explicit_bzero(buf, sizeof(buf));
	if (res != AUTH_OK)
		return say_no(auth_result_text(res));
	pw = getpwnam(acct.user);
	if (!pw)
		return say_no("account not allowed");
	role = role_of(pw);
	if (!role) {
		dprintf(STDOUT_FILENO, "no %s is neither a teacher nor an administrator\n",
			pw->pw_name);
		return 1;
	}
	if (become(pw) < 0)
		return say_no("cannot become the user");
	fprintf(stderr, "seatmux-dashboard-session: %s logged on (%s)\n", pw->pw_name, role);
	dprintf(STDOUT_FILENO, "ok %s %s\n", pw->pw_name, role);
	execl(SEATMUX_CTL, "seatmuxctl", "--serve", (char *)NULL);
	fprintf(stderr, "seatmux-dashboard-session: %s: %s\n", SEATMUX_CTL, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: seatmux-dashboard-session (socket-activated: a logon on "
				"stdin)\n");
		return 2;
	}
	return logon();
}
