// SPDX-License-Identifier: MIT
/*
 * seatmuxd: the multiseat broker. Owns the seat devices, groups them into
 * seats from udev, serves each seat's libseat socket and runs its session.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "broker.h"
#include "build_config.h"
#include "drm_master.h"
#include "evdev_revoke.h"
#include "fdstore.h"
#include "log.h"
#include "leases.h"
#include "roam.h"
#include "screens.h"
#include "screenshot.h"
#include "seats.h"
#include "session.h"
#include "station_control.h"
#include "station_watch.h"
#include "station_kind.h"
#include "station_map.h"
#include "systemd_bus.h"

#define EXIT_CONFIG 78	/* sysexits.h EX_CONFIG */
#define INPUT_MAJOR 13
#define DRM_MAJOR 226
#define MISC_MAJOR 10
#define UINPUT_MINOR 223

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: seatmuxd [options]\n"
		"  -c, --config FILE      configuration (default %s)\n"
		"  -l, --log-level LEVEL  error, warning, info or debug\n"
		"      --check-config     parse the configuration and exit\n"
		"      --restore-console  put the active VT back in text mode and exit\n"
		"      --detect-platform  print where seatmuxd runs (bare metal or which VM)\n"
		"  -h, --help             this text\n"
		"  -V, --version          the version\n",
		SEATMUX_CONFIG_PATH);
}

/* Tell systemd (Type=notify) that every seat socket is listening. */
static void notify_ready(void)
{
	sd_notify(0, "READY=1");
}

/* The stations' names an administrator gave: a file that cannot be
 * read leaves every station called by its seat id, said once. */
static void load_names(struct broker *b)
{
	char why[320];

	mkdir(SEATMUX_STATEDIR, 0700);
	if (station_names_load(&b->names, SEATMUX_STATEDIR "/names", why, sizeof(why)) < 0)
		log_warn("names: %s: stations go by their seat ids", why);
}

/* -- across restarts -- */

static void state_path(const struct broker *b, char *out, size_t size)
{
	snprintf(out, size, "%s/state", b->cfg.socket_dir);
}

/* What the state file says now: written whole, then renamed over it. */
static void state_save(struct broker *b)
{
	char path[256], key[24];
	FILE *f;

	b->state_dirty = false;
	state_path(b, path, sizeof(path));
	mkdir(b->cfg.socket_dir, 0755);
	f = state_begin(path);
	if (!f) {
		log_warn("restart: cannot write %s: %m", path);
		return;
	}
	snprintf(key, sizeof(key), "%llu", (unsigned long long)b->next_key);
	state_put(f, "next-key", key, (char *)NULL);
	roam_save(b, f);
	seats_save(b, f);
	leases_save(b, f);
	screens_save(b, f);
	if (b->controls)
		station_controls_save(b->controls, f);
	if (b->watch)
		station_watch_save(b->watch, f);
	for (int i = 0; i < b->nkinds; i++)
		if (b->kinds[i]->save)
			b->kinds[i]->save(b, f);
	if (state_commit(f, path) < 0)
		log_warn("restart: cannot write %s: %m", path);
}

/* The kept pidfd a session or helper record goes with: session/SEAT,
 * or KIND/KEY/pid. */
static int record_pidfd_name(const struct state_record *r, char *out, size_t size)
{
	if (!strcmp(r->argv[0], "session"))
		return fdstore_name(out, size, "session/%s", r->argv[1]);
	if (!strcmp(r->argv[0], "helper") && r->argc >= 4)
		return fdstore_name(out, size, "%s/%s/pid", r->argv[1], r->argv[3]);
	return -1;
}

/* A scope of a session (or helper) the last seatmuxd recorded, and whose
 * pidfd it kept, waits until it is taken back or found nobody's; any
 * other is ended at once. */
static bool scope_recorded(void *data, const char *scope)
{
	struct state *st = data;
	char name[SCOPE_NAME_MAX], now[SCOPE_NAME_MAX], fd_name[FDSTORE_NAME_MAX];
	long long pid;

	for (int i = 0; i < st->n; i++) {
		const struct state_record *r = &st->v[i];

		if (r->argc < 3 || state_number(r, 2, 1, INT32_MAX, &pid) < 0 ||
		    record_pidfd_name(r, fd_name, sizeof(fd_name)) < 0)
			continue;
		if (!fdstore_has(&st->fds, fd_name))
			continue;
		/* Where the recorded process is now: a session PAM was opening
		 * when seatmuxd went is in logind's scope, not the recorded one. */
		if (scope_of_pid((pid_t)pid, now, sizeof(now)) == 0 &&
		    (!strcmp(now, scope) || (!strncmp(now, "system.slice/", 13) &&
					      !strcmp(now + 13, scope))))
			return true;
		if (!strcmp(r->argv[0], "session") ?
		    session_record_scope(r, name, sizeof(name)) < 0 :
		    scope_name(name, sizeof(name), r->argv[1], (pid_t)pid) < 0)
			continue;
		if (!strcmp(name, scope))
			return true;
	}
	return false;
}

/* A kept fd nobody took back: a device is revoked first, so that no
 * process keeps the copy it was handed; a uinput device is destroyed. */
static void left_fd(void *data, const char *name, int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) == 0 && S_ISCHR(sb.st_mode)) {
		if (major(sb.st_rdev) == INPUT_MAJOR)
			evdev_revoke(fd);
		else if (major(sb.st_rdev) == DRM_MAJOR)
			drm_master_drop(fd);
		else if (major(sb.st_rdev) == MISC_MAJOR && minor(sb.st_rdev) == UINPUT_MINOR)
			ioctl(fd, UI_DEV_DESTROY);
	}
	log_info("restart: %s was nobody's any more: closed", name);
	close(fd);
}

static void state_take_over(struct broker *b, struct state *st)
{
	char path[256], why[300];
	int nfds, rc;

	state_init(st);
	nfds = fdstore_receive(&st->fds);
	state_path(b, path, sizeof(path));
	rc = state_load(st, path, why, sizeof(why));
	if (rc < 0)
		log_warn("restart: %s: starting afresh", why);
	else if (rc == 0 && nfds > 0)
		log_warn("restart: %d fds kept but no %s: starting afresh", nfds, path);
	else if (rc > 0)
		log_info("restart: taking back what the last seatmuxd left: %d records, %d fds",
			 st->n, nfds > 0 ? nfds : 0);
	if (rc <= 0) {
		/* Nothing to take back by: what was kept goes now, before
		 * this seatmuxd keeps anything under the same names. */
		state_clear(st);
		fdstore_release(&st->fds, left_fd, b);
	}
	b->next_key = st->next_key;
	b->restored = st;
	session_kill_orphans(scope_recorded, st);
}

static void state_taken_over(struct broker *b)
{
	struct state *st = b->restored;
	struct state_record *r;
	char scope[SCOPE_NAME_MAX];
	long long pid;

	/* Sessions of seats that did not come back end with them, helpers
	 * nobody took back too. */
	while ((r = state_take(st, "session", (char *)NULL)))
		if (state_number(r, 2, 1, INT32_MAX, &pid) == 0 &&
		    session_record_scope(r, scope, sizeof(scope)) == 0) {
			log_info("restart: %s's session pid %lld has no seat any more: ended",
				 r->argv[1], pid);
			scope_signal(scope, SIGKILL);
		}
	while ((r = state_take(st, "helper", (char *)NULL)))
		if (r->argc >= 3 && state_number(r, 2, 1, INT32_MAX, &pid) == 0 &&
		    scope_name(scope, sizeof(scope), r->argv[1], (pid_t)pid) == 0) {
			log_info("restart: %s pid %lld was nobody's any more: ended", r->argv[1], pid);
			scope_signal(scope, SIGKILL);
		}
	/* Devices taken back that moved while nobody watched are revoked,
	 * and leases no client took back. */
	seats_check_devices(b);
	leases_revoke_unclaimed(b);
	fdstore_release(&st->fds, left_fd, b);
	state_clear(st);
	b->restored = NULL;
	state_save(b);
}

/*
 * SIGHUP: the configuration is read again. Seats' sessions follow it
 * (one whose section changed restarts, the others are not touched); the
 * rest of it takes effect when seatmuxd restarts. A file that does not
 * load changes nothing.
 */
static void reload(struct broker *b)
{
	struct config next;

	config_init(&next);
	if (config_load(&next, b->config_path) < 0) {
		log_error("reload: %s: the configuration in use is kept", next.error);
		config_finish(&next);
		return;
	}
	log_info("reload: %s read; seats' sessions, USB/IP stations and roaming follow it, "
		 "other settings take effect at restart (which loses no session)", b->config_path);
	b->cfg.roaming_takes_over = next.roaming_takes_over;
	config_take_seats(&b->cfg, &next);
	config_take_stations(&b->cfg, &next);
	config_finish(&next);
	for (int i = 0; i < b->nkinds; i++)
		if (b->kinds[i]->reload)
			b->kinds[i]->reload(b);
	seats_reload(b);
}

static void on_signal(void *data, uint32_t events)
{
	struct broker *b = data;
	struct signalfd_siginfo si;

	if (read(b->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		b->stop_signal = (int)si.ssi_signo;
		b->running = false;
		break;
	case SIGHUP:
		reload(b);
		break;
	default:
		break;
	}
}

static void on_udev(void *data, uint32_t events)
{
	struct broker *b = data;

	devices_dispatch(&b->devices);
	leases_unsplit(b);
	broker_changed(b);	/* a station's Devices may differ: signalled */
}

static void on_device_added(void *data, struct device *dev)
{
	seats_device_added(data, dev);
}

static void on_device_removed(void *data, struct device *dev)
{
	seats_device_removed(data, dev);
}

static void on_card_hotplug(void *data, struct device *card)
{
	leases_hotplug(data, card->devnum);
}

static const struct devices_listener device_listener = {
	.added = on_device_added,
	.removed = on_device_removed,
	.hotplug = on_card_hotplug,
};

static enum platform_kind describe_platform(char *text, size_t size)
{
	struct platform_facts facts;
	enum platform_kind kind;

	platform_probe(&facts, "/sys");
	kind = platform_classify(&facts);
	snprintf(text, size, "%s (cpuid \"%s\", dmi \"%s\" / \"%s\"%s)",
		 platform_name(kind), facts.cpuid_vendor, facts.sys_vendor,
		 facts.product_name, facts.has_vmbus ? ", vmbus" : "");
	return kind;
}

static int detect_platform(struct broker *b)
{
	enum platform_kind detected;
	char text[512];

	detected = describe_platform(text, sizeof(text));
	log_info("platform: %s", text);
	b->platform = detected;
	if (!strcmp(b->cfg.platform, "auto"))
		return 0;
	if (platform_from_name(b->cfg.platform, &b->platform) < 0) {
		log_error("unknown platform '%s' in the configuration", b->cfg.platform);
		return -1;
	}
	log_info("platform: %s, as configured", platform_name(b->platform));
	return 0;
}

/*
 * In a Hyper-V guest (or any VM the configuration calls virtual) the
 * heads QEMU or Hyper-V emulate are the VM's console, not stations:
 * stations come over the network there. Elsewhere heads are stations.
 */
static void choose_heads(struct broker *b)
{
	bool vm_console = b->platform == PLATFORM_HYPERV || b->platform == PLATFORM_OTHER_VM;

	b->physical_heads = b->cfg.physical_heads >= 0 ? b->cfg.physical_heads : !vm_console;
	log_info("physical heads: %s (%s)", b->physical_heads ? "stations" : "left alone",
		 b->cfg.physical_heads >= 0 ? "as configured" :
		 vm_console ? "virtual machine console" : "platform default");
}

static int signals_setup(struct broker *b)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* No SIGCHLD: every child is reaped through its pidfd (spawn.c). */
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	b->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (b->signal_fd < 0)
		return -1;
	return loop_add_fd(b->loop, b->signal_fd, EPOLLIN, on_signal, b) ? 0 : -1;
}

static void unlink_state(struct broker *b)
{
	char path[256];

	state_path(b, path, sizeof(path));
	unlink(path);
}

/*
 * Whether systemd restarts the unit after this stop, by what it tells
 * ExecStopPost (Restart=on-failure, RestartPreventExitStatus=78): a
 * crash is restarted, a stop and a configuration refused are not. (A
 * start limit hit is not known here: the console stays as it is then.)
 */
static bool restart_follows(void)
{
	const char *result = getenv("SERVICE_RESULT"), *status = getenv("EXIT_STATUS");

	if (!result || !strcmp(result, "success"))
		return false;
	return !status || atoi(status) != EXIT_CONFIG;
}

/*
 * ExecStopPost: the VT goes back to text mode only when seatmuxd ended
 * its sessions. After a restart's stop, or a crash that left them for
 * the next seatmuxd (its state file is still there), text mode would let
 * the kernel console take the heads from under them: fbcon forces its
 * mode past any DRM master, and a leased head it does not light stays
 * dark.
 */
static int restore_console(struct broker *b)
{
	char path[256];
	int rc;

	state_path(b, path, sizeof(path));
	if (systemd_restarting_self() || (access(path, F_OK) == 0 && restart_follows()))
		return 0;
	rc = console_reset();
	if (rc < 0)
		fprintf(stderr, "seatmuxd: console: %s\n", strerror(-rc));
	return rc < 0;
}

/* SIGTERM of a restart lets go of everything and leaves it running, for
 * the next seatmuxd; any other ends every session. */
static void broker_shut_down(struct broker *b)
{
	/* A start that failed leaves everything too, and the last state
	 * file as it was: the next attempt takes it all back. */
	bool restarting = b->running_state_kept || b->starting;

	/* A mapping is not carried across a restart: its letters go, the
	 * free keyboards are let go of. */
	station_map_finish(b);
	/* Before anything is let go of: the next seatmuxd reads this. */
	if (b->running_state_kept)
		state_save(b);
	if (restarting)
		screens_release(b);	/* blocks are in the state file */
	else
		screens_finish(b);
	screenshot_forget(b);
	station_watch_destroy(b->watch);
	b->watch = NULL;
	station_controls_destroy(b->controls, restarting);
	b->controls = NULL;
	for (int i = b->nkinds - 1; i >= 0; i--) {
		if (restarting && b->kinds[i]->release)
			b->kinds[i]->release(b);
		else
			b->kinds[i]->stop(b);
	}
	if (restarting) {
		seats_release_all(b);
		log_info("restarting: sessions, clients and stations are left to the next "
			 "seatmuxd");
	} else {
		seats_destroy_all(b);
		unlink_state(b);
	}
	if (restarting)
		leases_release(b);
	else
		leases_finish(b);
}

/* Random; a clock's nanoseconds and the pid if the kernel has none yet
 * (early at boot): two runs still differ. */
static uint64_t run_id(void)
{
	struct timespec ts;
	uint64_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) == sizeof(id))
		return id;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
	       ((uint64_t)getpid() << 32);
}

static int broker_run(struct broker *b)
{
	struct state restored;
	int rc = 1;

	b->run_id = run_id();
	b->loop = loop_create();
	if (!b->loop || signals_setup(b) < 0) {
		log_error("cannot set up the main loop: %m");
		goto out;
	}
	if (detect_platform(b) < 0)
		goto out;
	choose_heads(b);
	b->starting = true;
	state_take_over(b, &restored);
	/* Before any client: their lessee fds are checked against these. */
	leases_restore(b, &restored);
	/* With the machine's own heads left alone (a Hyper-V VM), its screen
	 * and keyboard are the administrator's console: not ours to take. */
	if (b->cfg.console && !b->physical_heads) {
		log_info("console: left to the administrator: physical heads are no stations");
	} else if (b->cfg.console) {
		int err = console_take(&b->console);

		if (err < 0)
			log_warn("console: left alone: %s", strerror(-err));
	}
	if (devices_init(&b->devices, &device_listener, b) < 0) {
		log_error("udev: cannot start: %m");
		goto out_console;
	}
	b->devices.cfg = &b->cfg;
	udev_jobs_init(&b->udev_jobs, b->loop, b->devices.udev);
	/* Before any seat: a seat of moved devices is their station's. */
	roam_take_back(b);
	/* Kinds first: a kind's stations, taken back, say which heads are
	 * theirs and what their seats run before the seats are made. */
	for (int i = 0; i < b->nkinds; i++)
		if (b->kinds[i]->start(b) < 0)
			goto out_seats;
	/* Controls taken back are the broker's devices before udev lists
	 * them, as remote stations' are: not another program's. */
	b->controls = station_controls_create(b);
	b->watch = b->controls ? station_watch_create(b) : NULL;
	if (!b->watch) {
		log_error("control: no memory");
		goto out_seats;
	}
	if (b->restored) {
		station_controls_restore(b->controls, b->restored);
		station_watch_restore(b->watch, b->restored);
	}
	if (!loop_add_fd(b->loop, devices_monitor_fd(&b->devices), EPOLLIN,
			 on_udev, b) || devices_enumerate(&b->devices) < 0) {
		log_error("udev: cannot enumerate devices: %m");
		goto out_seats;
	}
	seats_roam_tidy(b);
	load_names(b);
	if (station_map_init(b) < 0) {
		log_error("map: no memory");
		goto out_seats;
	}
	if (b->restored)
		screens_restore(b, b->restored);
	state_taken_over(b);
	screens_sync(b);
	b->api = api_start(b);
	api_changed(b->api);
	b->starting = false;
	notify_ready();
	b->running = true;
	while (b->running) {
		if (loop_dispatch(b->loop, -1) < 0) {
			log_error("main loop: %m");
			b->running = false;	/* what ends now ends, nothing moves */
			goto out_seats;
		}
		station_map_sync(b);
		screens_sync(b);
		if (b->state_dirty) {
			state_save(b);
			api_changed(b->api);
		}
	}
	rc = 0;
	/* Asked by systemd to restart: everything is left running. Asked
	 * here, out of the loop: systemd may take its time to answer. */
	b->running_state_kept = b->stop_signal == SIGTERM && systemd_restarting_self();
	log_info("signal %d: %s", b->stop_signal,
		 b->running_state_kept ? "restarting" : "shutting down");

out_seats:
	/* Every change asked of udev is carried out or refused, and its
	 * caller answered, while the bus is there to answer on. */
	udev_jobs_finish(&b->udev_jobs);
	api_stop(b->api);
	b->api = NULL;
	station_names_free(&b->names);
	broker_shut_down(b);
	devices_finish(&b->devices);
out_console:
	if (!b->running_state_kept && !b->starting)
		console_restore(&b->console);
out:
	if (b->restored) {
		fdstore_forget(&restored.fds);
		state_clear(&restored);
		b->restored = NULL;
	}
	loop_destroy(b->loop);
	if (b->signal_fd >= 0)
		close(b->signal_fd);
	return rc;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "restore-console", no_argument, NULL, 'R' },
		{ "detect-platform", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct broker b = { .signal_fd = -1 };
	const char *path = SEATMUX_CONFIG_PATH, *level = NULL;
	bool check_only = false, restore = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:l:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'l':
			level = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'R':
			restore = true;
			break;
		case 'P': {
			char text[512];

			describe_platform(text, sizeof(text));
			printf("%s\n", text);
			return 0;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("seatmuxd %s\n", SEATMUX_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	config_init(&b.cfg);
	if (restore) {
		/* A configuration that does not load leaves the defaults. */
		config_load(&b.cfg, path);
		rc = restore_console(&b);
		config_finish(&b.cfg);
		return rc;
	}
	if (config_load(&b.cfg, path) < 0) {
		fprintf(stderr, "seatmuxd: %s\n", b.cfg.error);
		config_finish(&b.cfg);
		/* EX_CONFIG tells systemd a restart cannot help. */
		return check_only ? 1 : EXIT_CONFIG;
	}
	if (check_only) {
		config_finish(&b.cfg);
		return 0;
	}
	log_set_level(b.cfg.log_level);
	if (level) {
		enum log_level l;

		if (log_parse_level(level, &l) < 0) {
			fprintf(stderr, "seatmuxd: unknown log level '%s'\n", level);
			return 2;
		}
		log_set_level(l);
	}
	b.config_path = path;
	list_init(&b.seats);
	list_init(&b.lease_cards);
	list_init(&b.screens);
	list_init(&b.painters_ending);
	list_init(&b.pictures);
	b.kinds[b.nkinds++] = &physical_station_kind;
	b.kinds[b.nkinds++] = &rdp_station_kind;
	b.kinds[b.nkinds++] = &usbip_station_kind;
	console_init(&b.console);
	log_info("seatmuxd %s starting, configuration %s", SEATMUX_VERSION, path);
	rc = broker_run(&b);
	config_finish(&b.cfg);
	return rc;
}
