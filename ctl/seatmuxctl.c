// SPDX-License-Identifier: MIT
/*
 * seatmuxctl: the room from a shell, in loginctl's style, through
 * seatmuxd's D-Bus interface (org.seatmux.Manager1), so polkit decides
 * what each user may do.
 *
 *   seatmuxctl [--json] list-stations
 *   seatmuxctl [--json] station-status ID
 *   seatmuxctl logoff ID
 *   seatmuxctl disconnect ID
 *   seatmuxctl [--message TEXT] block ID...
 *   seatmuxctl unblock ID...
 *   seatmuxctl identify [ID...]
 *   seatmuxctl [--timeout SECONDS] message ID TEXT
 *   seatmuxctl screenshot ID FILE.png
 *   seatmuxctl --serve           (commands on stdin: see serve())
 *
 * Errors are one line on stderr and exit status 1 (2: bad usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "build_config.h"
#include "fd_pass.h"
#include "input_events.h"
#include "json_out.h"
#include "utf8.h"

#define BUS_NAME "org.seatmux.Manager1"
#define MANAGER_PATH "/org/seatmux/Manager1"
#define MANAGER_IFACE "org.seatmux.Manager1"
#define STATION_IFACE "org.seatmux.Station1"
/* How long `map` waits for letters when --timeout does not say. */
#define MAP_DEFAULT_SECONDS 300

struct ctl {
	sd_bus *bus;
	bool json;
	const char *message;	/* --message: a block's */
	unsigned timeout;	/* --timeout: a message's or a mapping's, in seconds */
	bool timeout_set;
	bool all;		/* --all: project on every other station */
	uint32_t fit_width, fit_height;	/* --fit: a screenshot's box (0: full size) */
	bool raw;		/* --raw: a screenshot's pixels, not a PNG */
	bool serving;		/* --serve: requests come on stdin */
	int pass_fd;		/* --serve: an fd the answer carries, or -1 */
	FILE *out, *err;	/* a command's output and errors */
	char error_name[256];	/* the last D-Bus error's name, if any */
};

static int fail(struct ctl *c, const char *what, const sd_bus_error *e, int r)
{
	/* --serve's answer names the error, for its client to act on. */
	if (e && sd_bus_error_is_set(e))
		snprintf(c->error_name, sizeof(c->error_name), "%s", e->name);
	fprintf(c->err, "seatmuxctl: %s: %s\n", what,
		e && sd_bus_error_is_set(e) ? e->message : strerror(-r));
	return 1;
}

/* What "-" reads of standard input at most: more is refused here, less
 * is seatmuxd's to judge (it takes far less). */
#define TEXT_READ_MAX (4u << 20)

/* Standard input, whole, as a string: NULL (said) if it cannot be read,
 * holds a NUL, or reaches TEXT_READ_MAX. */
static char *read_stdin_text(struct ctl *c)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1), *grown;
	ssize_t n;

	while (buf) {
		if (len == cap) {
			grown = cap < TEXT_READ_MAX ? realloc(buf, cap * 2 + 1) : NULL;
			if (!grown) {
				fprintf(c->err, "seatmuxctl: standard input: %s\n",
					cap < TEXT_READ_MAX ? strerror(ENOMEM) : "4 MiB or more");
				break;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(c->err, "seatmuxctl: standard input: %s\n", strerror(errno));
			break;
		}
		if (n == 0) {
			buf[len] = 0;
			if (strlen(buf) == len)
				return buf;
			fprintf(c->err, "seatmuxctl: standard input: a text holds no NUL byte\n");
			break;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

/*
 * A message's text as given: the argument, or "-": standard input's. It
 * must be UTF-8 (said here, in one line); its length is seatmuxd's to
 * judge. *owned is what to free. NULL: said, exit 1.
 */
static const char *text_arg(struct ctl *c, const char *arg, char **owned)
{
	const char *text = arg;

	*owned = NULL;
	/* --serve: stdin carries the requests; "-" is then just the text. */
	if (arg && !strcmp(arg, "-") && !c->serving)
		text = *owned = read_stdin_text(c);
	if (text && !utf8_valid(text)) {
		fprintf(c->err, "seatmuxctl: the message is not UTF-8 text\n");
		text = NULL;
	}
	return text;
}

/* What --json list-stations says of a station besides its row. */
struct station_more {
	char name[256];
	int blocked;
	uint64_t picture;
};

/* A station's Name, Blocked and Picture, in one call: "", false and 0
 * if it is gone. */
static void station_more(struct ctl *c, const char *path, struct station_more *more)
{
	sd_bus_message *reply = NULL;
	const char *key, *str;
	int r;

	memset(more, 0, sizeof(*more));
	r = sd_bus_call_method(c->bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
			       NULL, &reply, "s", STATION_IFACE);
	if (r >= 0)
		r = sd_bus_message_enter_container(reply, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
		r = sd_bus_message_read(reply, "s", &key);
		if (r >= 0 && !strcmp(key, "Name") &&
		    (r = sd_bus_message_read(reply, "v", "s", &str)) >= 0)
			snprintf(more->name, sizeof(more->name), "%s", str);
		else if (r >= 0 && !strcmp(key, "Blocked"))
			r = sd_bus_message_read(reply, "v", "b", &more->blocked);
		else if (r >= 0 && !strcmp(key, "Picture"))
			r = sd_bus_message_read(reply, "v", "t", &more->picture);
		else if (r >= 0)
			r = sd_bus_message_skip(reply, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
	}
	sd_bus_message_unref(reply);
}

static void print_row(struct ctl *c, bool first, const char *id, const char *kind,
		      const char *user, uint32_t pid, const char *state, const char *path)
{
	char spid[16] = "-", picture[17] = "";
	struct station_more more;

	if (c->json) {
		station_more(c, path, &more);
		/* As text: a JSON number is exact to 2^53 only. */
		if (more.picture)
			snprintf(picture, sizeof(picture), "%016llx",
				 (unsigned long long)more.picture);
		fprintf(c->out, "%s{", first ? "" : ",");
		json_field_str(c->out, "station", id, true);
		json_field_str(c->out, "name", *more.name ? more.name : id, false);
		json_field_str(c->out, "kind", kind, false);
		json_field_str(c->out, "user", user, false);
		json_field_uint(c->out, "session_pid", pid);
		json_field_str(c->out, "state", state, false);
		json_field_str(c->out, "picture", picture, false);
		fprintf(c->out, ",\"blocked\":%s}", more.blocked ? "true" : "false");
		return;
	}
	if (pid)
		snprintf(spid, sizeof(spid), "%u", (unsigned)pid);
	fprintf(c->out, "%-16s %-6s %-16s %-8s %s\n", id, kind, *user ? user : "-", spid, state);
}

/* Every station: one call. */
static int list(struct ctl *c)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *id, *kind, *user, *state, *path;
	uint32_t pid;
	int r, n = 0;

	r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "ListStations", &e,
			       &reply, "");
	if (r < 0) {
		r = fail(c, "cannot list the stations", &e, r);
		goto out;
	}
	if (c->json)
		fprintf(c->out, "[");
	else
		fprintf(c->out, "%-16s %-6s %-16s %-8s %s\n", "STATION", "KIND", "USER", "SESSION", "STATE");
	r = sd_bus_message_enter_container(reply, 'a', "(sssuso)");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(sssuso)", &id, &kind, &user, &pid,
						 &state, &path)) > 0) {
		print_row(c, n == 0, id, kind, user, pid, state, path);
		n++;
	}
	if (r < 0) {
		r = fail(c, "cannot read the stations", NULL, r);
		goto out;
	}
	if (c->json)
		fprintf(c->out, "]\n");
	else
		fprintf(c->out, "\n%d station%s listed.\n", n, n == 1 ? "" : "s");
	r = 0;
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r;
}

/* Every running session, as the manager lists them (logind's columns). */
static int list_sessions(struct ctl *c)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *id, *user, *station, *path;
	uint32_t uid;
	int r, n = 0;

	r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "ListSessions", &e,
			       &reply, "");
	if (r < 0) {
		r = fail(c, "cannot list the sessions", &e, r);
		goto out;
	}
	if (c->json)
		fprintf(c->out, "[");
	else
		fprintf(c->out, "%-8s %-16s %-16s %s\n", "SESSION", "USER", "STATION", "UID");
	r = sd_bus_message_enter_container(reply, 'a', "(susso)");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(susso)", &id, &uid, &user, &station,
						 &path)) > 0) {
		if (c->json) {
			fprintf(c->out, "%s{", n ? "," : "");
			json_field_str(c->out, "session", id, true);
			json_field_str(c->out, "user", user, false);
			json_field_str(c->out, "station", station, false);
			json_field_uint(c->out, "uid", uid);
			fprintf(c->out, "}");
		} else {
			char suid[16] = "-";

			if (uid != (uint32_t)-1)
				snprintf(suid, sizeof(suid), "%u", (unsigned)uid);
			fprintf(c->out, "%-8s %-16s %-16s %s\n", id, *user ? user : "-", station, suid);
		}
		n++;
	}
	if (r < 0) {
		r = fail(c, "cannot read the sessions", NULL, r);
		goto out;
	}
	if (c->json)
		fprintf(c->out, "]\n");
	else
		fprintf(c->out, "\n%d session%s listed.\n", n, n == 1 ? "" : "s");
	r = 0;
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r;
}

static int get_str(struct ctl *c, const char *path, const char *name, char **out,
		   sd_bus_error *e)
{
	return sd_bus_get_property_string(c->bus, BUS_NAME, path, STATION_IFACE, name, e, out);
}

static int get_u32(struct ctl *c, const char *path, const char *name, uint32_t *out,
		   sd_bus_error *e)
{
	return sd_bus_get_property_trivial(c->bus, BUS_NAME, path, STATION_IFACE, name, e, 'u',
					   out);
}

/* A station's Devices, one a line under a label (text) or as a JSON
 * field; the reply is read through. */
static int print_devices(struct ctl *c, sd_bus_message *devs)
{
	const char *node, *kind, *what;
	int r, n = 0;

	r = sd_bus_message_enter_container(devs, 'a', "(sss)");
	if (c->json && r >= 0)
		fprintf(c->out, ",\"devices\":[");
	while (r >= 0 && (r = sd_bus_message_read(devs, "(sss)", &node, &kind, &what)) > 0) {
		if (c->json) {
			fprintf(c->out, "%s{", n ? "," : "");
			json_field_str(c->out, "node", node, true);
			json_field_str(c->out, "kind", kind, false);
			json_field_str(c->out, "description", what, false);
			fprintf(c->out, "}");
		} else {
			fprintf(c->out, "\t%s %s (%s: %s)\n", n ? "        " : "Devices:", node, kind, what);
		}
		n++;
	}
	if (c->json && r >= 0)
		fprintf(c->out, "]");
	return r;
}

static int station_status(struct ctl *c, const char *id)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL, *devs = NULL;
	char *kind = NULL, *user = NULL, *state = NULL, *address = NULL, *shows = NULL;
	char *name = NULL;
	uint32_t pid = 0, uid = 0;
	int blocked = 0;
	const char *path;
	int r;

	r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "GetStation", &e,
			       &reply, "s", id);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = get_str(c, path, "Kind", &kind, &e);
	if (r >= 0)
		r = get_str(c, path, "User", &user, &e);
	if (r >= 0)
		r = get_str(c, path, "SessionState", &state, &e);
	if (r >= 0)
		r = get_str(c, path, "Address", &address, &e);
	if (r >= 0)
		r = get_u32(c, path, "SessionPid", &pid, &e);
	if (r >= 0)
		r = get_u32(c, path, "UID", &uid, &e);
	if (r >= 0)
		r = get_str(c, path, "ProjectedFrom", &shows, &e);
	if (r >= 0)
		r = get_str(c, path, "Name", &name, &e);
	if (r >= 0)
		r = sd_bus_get_property_trivial(c->bus, BUS_NAME, path, STATION_IFACE, "Blocked", &e,
						'b', &blocked);
	if (r >= 0)
		r = sd_bus_get_property(c->bus, BUS_NAME, path, STATION_IFACE, "Devices", &e, &devs,
					"a(sss)");
	if (r < 0) {
		r = fail(c, id, &e, r);
		goto out;
	}
	if (c->json) {
		fprintf(c->out, "{");
		json_field_str(c->out, "station", id, true);
		json_field_str(c->out, "name", name, false);
		json_field_str(c->out, "kind", kind, false);
		json_field_str(c->out, "user", user, false);
		json_field_uint(c->out, "uid", uid);
		json_field_uint(c->out, "session_pid", pid);
		json_field_str(c->out, "state", state, false);
		json_field_str(c->out, "address", address, false);
		fprintf(c->out, ",\"blocked\":%s", blocked ? "true" : "false");
		json_field_str(c->out, "projected_from", shows, false);
		r = print_devices(c, devs);
		fprintf(c->out, "}\n");
	} else {
		fprintf(c->out, "%s\n", id);
		if (strcmp(name, id))
			fprintf(c->out, "\t   Name: %s\n", name);
		fprintf(c->out, "\t   Kind: %s\n", kind);
		if (*user)
			fprintf(c->out, "\t   User: %s (%u)\n", user, (unsigned)uid);
		if (pid)
			fprintf(c->out, "\tSession: %u (%s)\n", (unsigned)pid, state);
		else
			fprintf(c->out, "\tSession: %s\n", state);
		if (*address)
			fprintf(c->out, "\t   From: %s\n", address);
		if (blocked)
			fprintf(c->out, "\tBlocked: yes\n");
		if (*shows)
			fprintf(c->out, "\t  Shows: %s (projected)\n", shows);
		r = print_devices(c, devs);
	}
	r = r < 0 ? fail(c, id, NULL, r) : 0;
out:
	sd_bus_message_unref(devs);
	free(shows);
	free(name);
	free(kind);
	free(user);
	free(state);
	free(address);
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r;
}

static int logoff(struct ctl *c, const char *id)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "LogOff", &e,
				   NULL, "s", id);

	r = r < 0 ? fail(c, id, &e, r) : 0;
	sd_bus_error_free(&e);
	return r;
}

/* A method taking a station's id and then what fmt says, for each id:
 * every station is tried, the status says whether one failed. */
static int each_station(struct ctl *c, const char *method, char **ids, int n, const char *fmt,
			const char *text)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		sd_bus_error e = SD_BUS_ERROR_NULL;
		int r = fmt ? sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
						 method, &e, NULL, fmt, ids[i], text) :
			      sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
						 method, &e, NULL, "s", ids[i]);

		if (r < 0)
			failed = fail(c, ids[i], &e, r);
		sd_bus_error_free(&e);
	}
	return failed;
}

static int identify(struct ctl *c, char **ids, int n)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
					       "Identify");

	if (r >= 0)
		r = sd_bus_message_append_strv(m, ids);	/* none: every station */
	if (r >= 0)
		r = sd_bus_call(c->bus, m, 0, &e, NULL);
	r = r < 0 ? fail(c, n ? "identify" : "identify (every station)", &e, r) : 0;
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	return r;
}

static int message(struct ctl *c, const char *id, const char *text)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "SendMessage",
				   &e, NULL, "ssu", id, text, c->timeout);

	r = r < 0 ? fail(c, id, &e, r) : 0;
	sd_bus_error_free(&e);
	return r;
}

/* The picture seatmuxd hands over, copied to path ("-": standard output). */
static int copy_picture(struct ctl *c, int from, const char *path)
{
	char buf[65536];
	FILE *to = strcmp(path, "-") ? fopen(path, "we") : c->out;
	ssize_t n = 0;
	off_t at = 0;

	if (!to)
		return -errno;
	/* pread: the fd's offset is shared with seatmuxd's copy. */
	while ((n = pread(from, buf, sizeof(buf), at)) > 0) {
		if (fwrite(buf, 1, (size_t)n, to) != (size_t)n) {
			n = -1;
			break;
		}
		at += n;
	}
	if ((to != c->out && fclose(to) != 0) || n < 0)
		return -errno;
	return 0;
}

/* The picture's fd, passed on with --serve's answer (a raw picture to
 * "-": its client maps it, sealed as it is, instead of reading it whole
 * through the connection), or copied to path. */
static int hand_over(struct ctl *c, int fd, const char *path)
{
	struct stat st;

	if (c->serving && c->raw && !strcmp(path, "-") && fstat(STDOUT_FILENO, &st) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		c->pass_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		return c->pass_fd < 0 ? -errno : 0;
	}
	return copy_picture(c, fd, path);
}

static int screenshot(struct ctl *c, const char *id, const char *path)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	uint32_t w = 0, h = 0;
	int fd = -1, r;

	if (c->raw)
		r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "Pixels", &e,
				       &reply, "suu", id, c->fit_width, c->fit_height);
	else if (c->fit_width)
		r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "Thumbnail",
				       &e, &reply, "suu", id, c->fit_width, c->fit_height);
	else
		r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "Screenshot",
				       &e, &reply, "s", id);
	if (r >= 0)
		r = sd_bus_message_read(reply, "huu", &fd, &w, &h);
	if (r < 0) {
		r = fail(c, id, &e, r);
	} else {
		r = hand_over(c, fd, path);
		if (r < 0)
			r = fail(c, path, NULL, r);
		else if (c->json && (strcmp(path, "-") || c->pass_fd >= 0)) {
			fprintf(c->out, "{");
			json_field_str(c->out, "station", id, true);
			json_field_uint(c->out, "width", w);
			json_field_uint(c->out, "height", h);
			fprintf(c->out, "}\n");
		}
	}
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r;
}

/* Methods that take strings and answer nothing: what failed is what. */
static int call_simple(struct ctl *c, const char *what, const char *method, const char *fmt,
		       const char *a1, const char *a2)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, method, &e,
				   NULL, fmt, a1, a2);

	r = r < 0 ? fail(c, what, &e, r) : 0;
	sd_bus_error_free(&e);
	return r;
}

/* method(first, list) -> u, the shape of Launch and Project. */
static int call_list(struct ctl *c, const char *method, const char *first, char **list,
		     uint32_t *out, sd_bus_error *e)
{
	sd_bus_message *m = NULL, *reply = NULL;
	int r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
					       method);

	if (r >= 0)
		r = sd_bus_message_append(m, "s", first);
	if (r >= 0)
		r = sd_bus_message_append_strv(m, list);
	if (r >= 0)
		r = sd_bus_call(c->bus, m, 0, e, &reply);
	if (r >= 0)
		r = sd_bus_message_read(reply, "u", out);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	return r;
}

static int launch(struct ctl *c, const char *id, char **argv)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	uint32_t pid = 0;
	int r = call_list(c, "Launch", id, argv, &pid, &e);

	if (r < 0) {
		r = fail(c, id, &e, r);
	} else if (c->json) {
		fprintf(c->out, "{");
		json_field_str(c->out, "station", id, true);
		json_field_uint(c->out, "pid", pid);
		fprintf(c->out, "}\n");
		r = 0;
	} else {
		fprintf(c->out, "%u\n", (unsigned)pid);
		r = 0;
	}
	sd_bus_error_free(&e);
	return r;
}

/* SRC on the targets named, or (none) on every other station. The error
 * names the station at fault: the source or a target. */
static int project(struct ctl *c, const char *source, char **ids, int n)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	uint32_t shown = 0;
	int r = call_list(c, "Project", source, ids, &shown, &e);

	if (r < 0) {
		r = fail(c, "project", &e, r);
	} else if (c->json) {
		fprintf(c->out, "{");
		json_field_str(c->out, "station", source, true);
		json_field_uint(c->out, "shown_on", shown);
		fprintf(c->out, "}\n");
		r = 0;
	} else {
		if (!n)
			fprintf(c->out, "%s shown on %u station%s.\n", source, (unsigned)shown,
			       shown == 1 ? "" : "s");
		r = 0;
	}
	sd_bus_error_free(&e);
	return r;
}

static int unproject(struct ctl *c, const char *source)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "Unproject", &e,
				   NULL, "s", source ? source : "");

	r = r < 0 ? fail(c, source ? source : "unproject", &e, r) : 0;
	sd_bus_error_free(&e);
	return r;
}

/* Mapping: each waiting head's letter, as seatmuxd gave them. */
static int map(struct ctl *c)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *seat, *letter;
	int r, count = 0;

	r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "Map", &e, &reply,
			       "u", c->timeout_set ? c->timeout : MAP_DEFAULT_SECONDS);
	if (r < 0)
		goto out;
	r = sd_bus_message_enter_container(reply, 'a', "(ss)");
	if (c->json && r >= 0)
		fprintf(c->out, "[");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &seat, &letter)) > 0) {
		if (c->json) {
			fprintf(c->out, "%s{", count ? "," : "");
			json_field_str(c->out, "station", seat, true);
			json_field_str(c->out, "letter", letter, false);
			fprintf(c->out, "}");
		} else {
			fprintf(c->out, "%s shows %s\n", seat, letter);
		}
		count++;
	}
	if (r >= 0 && c->json)
		fprintf(c->out, "]\n");
	else if (r >= 0)
		fprintf(c->out, "%d head%s wait%s: press the letter a head shows on the keyboard that "
		       "belongs to it (Escape ends).\n", count, count == 1 ? "" : "s",
		       count == 1 ? "s" : "");
out:
	r = r < 0 ? fail(c, "map", &e, r) : 0;
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r;
}

/* The room's mode, or (mode given) a new one. */
static int mode(struct ctl *c, const char *want)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *now = NULL;
	int r;

	if (want) {
		r = call_simple(c, "mode", "SetMode", "s", want, NULL);
		if (r)
			return r;
	}
	r = sd_bus_get_property_string(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "Mode", &e,
				       &now);
	if (r < 0) {
		r = fail(c, "mode", &e, r);
	} else {
		if (c->json) {
			fprintf(c->out, "{");
			json_field_str(c->out, "mode", now, true);
			fprintf(c->out, "}\n");
		} else {
			fprintf(c->out, "%s\n", now);
		}
		r = 0;
	}
	free(now);
	sd_bus_error_free(&e);
	return r;
}

/* What SendInput takes at most in one call (seatmuxd's limit). */
#define INPUT_MAX 256

static int send_input(struct ctl *c, const char *id, const struct input_events_event *ev,
		      int n, sd_bus_error *e)
{
	sd_bus_message *m = NULL;
	int r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
					       "SendInput");

	if (r >= 0)
		r = sd_bus_message_append(m, "s", id);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(qqi)");
	for (int i = 0; i < n && r >= 0; i++)
		r = sd_bus_message_append(m, "(qqi)", ev[i].type, ev[i].code, ev[i].value);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(c->bus, m, 0, e, NULL);
	sd_bus_message_unref(m);
	return r;
}

/*
 * Control is this connection's: under --serve it lasts from control to
 * release (or the end); a command of its own takes control, sends and
 * lets go.
 */
static int input(struct ctl *c, const char *id, const char *text)
{
	struct input_events_event ev[INPUT_MAX];
	sd_bus_error e = SD_BUS_ERROR_NULL;
	bool took = false;
	int n = input_events_parse(text, ev, INPUT_MAX);
	int r;

	if (n < 0) {
		fprintf(c->err, "seatmuxctl: input takes TYPE:CODE:VALUE events parted by commas, "
			"at most %d\n", INPUT_MAX);
		return 2;
	}
	r = send_input(c, id, ev, n, &e);
	if (r < 0 && sd_bus_error_has_name(&e, "org.seatmux.Error.NotControlled") &&
	    !c->serving) {
		sd_bus_error_free(&e);
		r = sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
				       "TakeControl", &e, NULL, "s", id);
		took = r >= 0;
		if (took)
			r = send_input(c, id, ev, n, &e);
	}
	r = r < 0 ? fail(c, id, &e, r) : 0;
	/* Letting go at once loses nothing: seatmuxd keeps the devices a
	 * moment for the session to read what was sent. */
	if (took)
		sd_bus_call_method(c->bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE,
				   "ReleaseControl", NULL, NULL, "s", id);
	sd_bus_error_free(&e);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: seatmuxctl [--json] COMMAND ...\n"
		"  list-stations           every station: kind, user, session\n"
		"  list-sessions           every running session: pid, user, station\n"
		"  station-status ID       one station in full\n"
		"  logoff ID               end the station's session (the next one starts)\n"
		"  disconnect ID           leave the session running for its user to pick up at\n"
		"                          any station; the station shows its greeter\n"
		"  block ID...             show a blocked screen; input stops reaching the session\n"
		"  unblock ID...           give the stations back to their sessions\n"
		"  identify [ID...]        show each station's name for a few seconds (all: none given)\n"
		"  message ID TEXT         show TEXT on the station for --timeout seconds (-: stdin)\n"
		"  screenshot ID FILE.png  what the station's head shows (FILE - : stdout)\n"
		"  project SRC DST...      show SRC's screen on the DST stations (--all: every other)\n"
		"  unproject [SRC]         end SRC's projection (none given: every projection)\n"
		"  launch ID -- CMD...     run CMD in the station's session, as its user\n"
		"  watch ID                tell the station's user it is being watched\n"
		"  control ID              take control: a keyboard and pointer of seatmuxd's on the\n"
		"                          station (--serve: until release), its user told first\n"
		"  input ID EVENTS         send evdev events, TYPE:CODE:VALUE parted by commas\n"
		"  release ID              let go of the station's control\n"
		"  rename ID NAME          what the room calls the station (\"\": its id)\n"
		"  attach SEAT DEVICE      give DEVICE (/sys or /dev path) and what hangs off it to SEAT\n"
		"  flush-devices           undo every attach: devices go back to seat0\n"
		"  map [stop]              each head without a keyboard shows a letter: typed on a\n"
		"                          free keyboard, its hub goes to that head's seat\n"
		"  mode [station|console]  the room's mode; console: seat0 takes every head\n"
		"options:\n"
		"  -a, --all               project on every other station\n"
		"  -f, --fit WxH           a screenshot made small to fit W x H pixels\n"
		"  -r, --raw               a screenshot's pixels (XRGB8888 rows), not a PNG\n"
		"  -j, --json              JSON output\n"
		"  -m, --message TEXT      the message a block shows (-: read from stdin)\n"
		"  -t, --timeout SECONDS   how long a message shows (default 30), or a mapping\n"
		"                          lasts (default 300)\n"
		"  -h, --help              this text\n"
		"  -V, --version           the version\n");
}

#define MANY 1024

/* The command and how many arguments it takes, at least and at most. */
static const struct {
	const char *name;
	int min, max;
} commands[] = {
	{ "list-stations", 0, 0 },
	{ "list-sessions", 0, 0 },
	{ "station-status", 1, 1 },
	{ "logoff", 1, 1 },
	{ "disconnect", 1, 1 },
	{ "block", 1, MANY },
	{ "unblock", 1, MANY },
	{ "identify", 0, MANY },
	{ "message", 2, 2 },
	{ "screenshot", 2, 2 },
	{ "project", 1, MANY },
	{ "unproject", 0, 1 },
	{ "launch", 1, 1 },	/* and "--" COMMAND... */
	{ "watch", 1, 1 },
	{ "control", 1, 1 },
	{ "input", 2, 2 },
	{ "release", 1, 1 },
	{ "rename", 2, 2 },
	{ "attach", 2, 2 },
	{ "flush-devices", 0, 0 },
	{ "map", 0, 1 },
	{ "mode", 0, 1 },
};

/* block and message, whose text may come from standard input ("-"). */
static int with_text(struct ctl *c, const char *cmd, char **args, int n)
{
	char *owned = NULL;
	const char *text;
	int r;

	if (!strcmp(cmd, "block")) {
		text = c->message ? text_arg(c, c->message, &owned) : "";
		r = text ? each_station(c, "Block", args, n, "ss", text) : 1;
	} else {
		text = text_arg(c, args[1], &owned);
		r = text ? message(c, args[0], text) : 1;
	}
	free(owned);
	return r;
}

/* launch_argv: launch's, after "--" (NULL-terminated). */
static int run(struct ctl *c, const char *cmd, char **args, int n, char **launch_argv)
{
	if (!strcmp(cmd, "list-stations"))
		return list(c);
	if (!strcmp(cmd, "list-sessions"))
		return list_sessions(c);
	if (!strcmp(cmd, "station-status"))
		return station_status(c, args[0]);
	if (!strcmp(cmd, "block") || !strcmp(cmd, "message"))
		return with_text(c, cmd, args, n);
	if (!strcmp(cmd, "unblock"))
		return each_station(c, "Unblock", args, n, NULL, NULL);
	if (!strcmp(cmd, "identify"))
		return identify(c, args, n);
	if (!strcmp(cmd, "screenshot"))
		return screenshot(c, args[0], args[1]);
	if (!strcmp(cmd, "project"))
		return project(c, args[0], args + 1, n - 1);
	if (!strcmp(cmd, "unproject"))
		return unproject(c, n ? args[0] : NULL);
	if (!strcmp(cmd, "attach"))
		return call_simple(c, args[1], "AttachDevice", "ss", args[0], args[1]);
	if (!strcmp(cmd, "flush-devices"))
		return call_simple(c, "flush-devices", "FlushDevices", "", NULL, NULL);
	if (!strcmp(cmd, "map") && n && strcmp(args[0], "stop")) {
		fprintf(c->err, "seatmuxctl: map takes nothing or stop, not '%s'\n", args[0]);
		return 2;
	}
	if (!strcmp(cmd, "map"))
		return n ? call_simple(c, "map stop", "StopMap", "", NULL, NULL) : map(c);
	if (!strcmp(cmd, "mode") && n && strcmp(args[0], "station") && strcmp(args[0], "console")) {
		fprintf(c->err, "seatmuxctl: mode takes station or console, not '%s'\n", args[0]);
		return 2;
	}
	if (!strcmp(cmd, "mode"))
		return mode(c, n ? args[0] : NULL);
	if (!strcmp(cmd, "rename"))
		return call_simple(c, args[0], "Rename", "ss", args[0], args[1]);
	if (!strcmp(cmd, "launch"))
		return launch(c, args[0], launch_argv);
	if (!strcmp(cmd, "disconnect"))
		return call_simple(c, args[0], "Disconnect", "s", args[0], NULL);
	if (!strcmp(cmd, "watch"))
		return call_simple(c, args[0], "Watch", "s", args[0], NULL);
	if (!strcmp(cmd, "control"))
		return call_simple(c, args[0], "TakeControl", "s", args[0], NULL);
	if (!strcmp(cmd, "release"))
		return call_simple(c, args[0], "ReleaseControl", "s", args[0], NULL);
	if (!strcmp(cmd, "input"))
		return input(c, args[0], args[1]);
	return logoff(c, args[0]);
}

static int arity_error(struct ctl *c, int i)
{
	if (commands[i].min == commands[i].max)
		fprintf(c->err, "seatmuxctl: %s takes %d argument%s\n", commands[i].name,
			commands[i].min, commands[i].min == 1 ? "" : "s");
	else
		fprintf(c->err, "seatmuxctl: %s takes at least %d argument%s\n", commands[i].name,
			commands[i].min, commands[i].min == 1 ? "" : "s");
	return 2;
}

static int parse_timeout(struct ctl *c, const char *arg, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (!*arg || *end || v < 1 || v > 3600) {
		fprintf(c->err, "seatmuxctl: --timeout takes 1 to 3600 seconds, not '%s'\n", arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* --fit WIDTHxHEIGHT; seatmuxd judges the sizes. */
static int parse_fit(struct ctl *c, const char *arg)
{
	unsigned w, h;
	char end;

	if (sscanf(arg, "%5ux%5u%c", &w, &h, &end) != 2 || !w || !h) {
		fprintf(c->err, "seatmuxctl: --fit takes WIDTHxHEIGHT, not '%s'\n", arg);
		return -1;
	}
	c->fit_width = w;
	c->fit_height = h;
	return 0;
}

/* The options before the command; -1: said (2), or done (0: --help). */
static int parse_options(struct ctl *c, int end, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "fit", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "message", required_argument, NULL, 'm' },
		{ "raw", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int opt;

	optind = 0;	/* glibc: start afresh (--serve parses many commands) */
	opterr = !c->serving;
	/* --serve: options before the command only, so that a text its
	 * client passes on ("-v" as a message) is never taken for one. */
	while ((opt = getopt_long(end, argv, c->serving ? "+af:jm:rt:hV" : "af:jm:rt:hV", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			c->all = true;
			break;
		case 'f':
			if (parse_fit(c, optarg) < 0)
				return 2;
			break;
		case 'j':
			c->json = true;
			break;
		case 'm':
			c->message = optarg;
			break;
		case 'r':
			c->raw = true;
			break;
		case 't':
			if (parse_timeout(c, optarg, &c->timeout) < 0)
				return 2;
			c->timeout_set = true;
			break;
		case 'h':
			usage(c->out);
			return 0;
		case 'V':
			fprintf(c->out, "seatmuxctl %s\n", SEATMUX_VERSION);
			return 0;
		default:
			usage(c->err);
			return 2;
		}
	}
	return -1;
}

/* One command line, argv[0] the program: its exit status. */
static int command(struct ctl *c, int argc, char **argv)
{
	int r, n, end = argc;

	/* Options end at "--": what follows is launch's command, never ours
	 * (getopt would take a command's own -a for --all). --serve: only
	 * after "launch ID", so that a text "--" stays a text. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") &&
		    (!c->serving || (i >= 2 && !strcmp(argv[i - 2], "launch")))) {
			end = i;
			break;
		}
	}
	r = parse_options(c, end, argv);
	if (r >= 0)
		return r;
	if (optind >= end) {
		usage(c->err);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		n = end - optind - 1;
		if (!strcmp(commands[i].name, "launch") && (n != 1 || end >= argc - 1)) {
			fprintf(c->err, "seatmuxctl: launch takes ID -- COMMAND [ARG...]\n");
			return 2;
		}
		if (strcmp(commands[i].name, "launch") && end < argc) {
			fprintf(c->err, "seatmuxctl: only launch takes -- and a command\n");
			return 2;
		}
		if (n < commands[i].min || n > commands[i].max)
			return arity_error(c, (int)i);
		/* Targets or --all, never both, never neither: a forgotten
		 * target list must not put one pupil's screen on every head. */
		if (!strcmp(commands[i].name, "project") && (n > 1) == c->all) {
			fprintf(c->err, "seatmuxctl: project takes SRC and either DST... or --all\n");
			return 2;
		}
		if (!c->bus) {
			r = sd_bus_open_system(&c->bus);
			if (r < 0)
				return fail(c, "cannot reach the system bus", NULL, r);
			/* polkit may ask the user for a password, where an agent runs. */
			sd_bus_set_allow_interactive_authorization(c->bus, true);
		}
		return run(c, argv[optind], argv + optind + 1, n, argv + end + 1);
	}
	fprintf(c->err, "seatmuxctl: unknown command '%s' (see --help)\n", argv[optind]);
	return 2;
}

/* A --serve request's fields, in place: argv[0] "seatmuxctl", then the
 * fields the TABs part. -1: too many. */
static int split_request(char *line, char **argv, int max)
{
	int argc = 0;

	argv[argc++] = "seatmuxctl";
	for (char *field = line;; field++) {
		if (argc == max)
			return -1;
		argv[argc++] = field;
		field = strchr(field, '\t');
		if (!field)
			break;
		*field = 0;
	}
	argv[argc] = NULL;
	return argc;
}

/*
 * An answer's first line, "STATUS OUTLEN ERRLEN ERROR\n"; with fd >= 0
 * the fd rides on it (SCM_RIGHTS: stdout is --serve's connection, a
 * socket, when hand_over passed one). 0, or -1 if it could not be sent.
 */
static int send_header(int status, size_t outlen, size_t errlen, const char *error, int fd)
{
	union fd_pass_space space;
	char line[512];
	int len = snprintf(line, sizeof(line), "%d %zu %zu %s\n", status, outlen, errlen, error);
	struct iovec iov = { line, (size_t)len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len < 0 || (size_t)len >= sizeof(line) || fflush(stdout) != 0)
		return -1;
	if (fd < 0)
		return fwrite(line, 1, (size_t)len, stdout) == (size_t)len ? 0 : -1;
	fd_pass_attach(&msg, &space, &fd, 1);
	do
		n = sendmsg(STDOUT_FILENO, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	/* The fd went with the first byte; what a short send left goes
	 * after it as plain bytes. */
	return fwrite(line + n, 1, (size_t)(len - n), stdout) == (size_t)(len - n) ? 0 : -1;
}

/* Fields a request may have; a line's length at most. */
#define SERVE_ARGS 64
#define SERVE_LINE (64u << 10)

/*
 * --serve: commands, one a line on stdin, their fields parted by TABs,
 * each answered on stdout as "STATUS OUTLEN ERRLEN ERROR\n", then its
 * output and its errors, as many bytes as said; ERROR is the D-Bus error
 * that failed it (org.freedesktop.DBus.Error.AccessDenied: polkit said
 * no), or "-". One bus connection serves them
 * all: what runs this (seatmux-dashboard's session helper, as the user
 * who logged on) asks as that user, and polkit judges each call.
 */
static int serve(void)
{
	char *line = NULL, *out = NULL, *err = NULL;
	const char *unique;
	size_t cap = 0, outlen, errlen;
	sd_bus *bus = NULL;
	ssize_t len;
	int r;

	/* Connected and authenticated now, not at the first request: the
	 * bus closes a connection that has not authenticated in 30 s, and
	 * the first request may come later than that. */
	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_get_unique_name(bus, &unique);
	if (r < 0) {
		fprintf(stderr, "seatmuxctl: cannot reach the system bus: %s\n", strerror(-r));
		sd_bus_unref(bus);
		return 1;
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		struct ctl c = { .bus = bus, .timeout = 30, .json = true, .serving = true,
				 .pass_fd = -1 };
		char *argv[SERVE_ARGS + 1];
		bool sent;
		int argc;

		if (line[len - 1] == '\n')
			line[--len] = 0;
		c.out = open_memstream(&out, &outlen);
		c.err = open_memstream(&err, &errlen);
		if (!c.out || !c.err) {
			r = 1;
			break;
		}
		argc = (size_t)len < SERVE_LINE && strlen(line) == (size_t)len ?
			       split_request(line, argv, SERVE_ARGS) : -1;
		if (argc < 0) {
			fprintf(c.err, "seatmuxctl: a request is one line of at most %u bytes "
				       "and %d fields\n", SERVE_LINE, SERVE_ARGS);
			r = 2;
		} else {
			r = command(&c, argc, argv);
		}
		fclose(c.out);
		fclose(c.err);
		sent = send_header(r, outlen, errlen, c.error_name[0] ? c.error_name : "-",
				   c.pass_fd) == 0;
		if (c.pass_fd >= 0)
			close(c.pass_fd);
		if (sent) {
			fwrite(out, 1, outlen, stdout);
			fwrite(err, 1, errlen, stdout);
		}
		free(out);
		free(err);
		if (!sent || fflush(stdout) != 0)
			break;
	}
	free(line);
	sd_bus_flush_close_unref(bus);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = { .timeout = 30, .out = stdout, .err = stderr, .pass_fd = -1 };
	int r;

	if (argc == 2 && !strcmp(argv[1], "--serve"))
		return serve();
	r = command(&c, argc, argv);
	sd_bus_flush_close_unref(c.bus);
	return r;
}
