// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

/* Parses text; returns the error text ("" when it loaded). */
static const char *load(struct config *cfg, const char *text)
{
	config_finish(cfg);
	config_init(cfg);
	if (config_load_string(cfg, text, "test.conf") == 0)
		return "";
	return cfg->error;
}

static void test_valid(struct test_state *t)
{
	struct config cfg;
	const struct seat_config *sc;

	config_init(&cfg);
	CHECK(t, !strcmp(load(&cfg,
		"[broker]\n"
		"platform = hyperv\n"
		"log-level = debug\n"
		"console = no\n"
		"physical-heads = no\n"
		"roaming = refuse\n"
		"picture-max-age = 0\n"
		"; a comment\n"
		"[seat.seat2]\n"
		"user = station2\n"
		"application = weston-terminal\n"
		"mode = 1280x720\n"
		"[seat.seat1]\n"
		"user = station1\n"
		"command = cage -- foot\n"
		"env = WLR_RENDERER=pixman\n"
		"env = XKB_DEFAULT_LAYOUT=de\n"
		"log = /var/log/seatmux/seat1.log\n"
		"restart-max-delay = 5\n"), ""));
	CHECK(t, !strcmp(cfg.platform, "hyperv"));
	CHECK(t, cfg.log_level == LOG_LVL_DEBUG && !cfg.console);
	CHECK(t, cfg.physical_heads == 0);
	CHECK(t, !cfg.roaming_takes_over);
	CHECK(t, cfg.picture_max_age_s == 0);
	sc = config_seat(&cfg, "seat1");
	CHECK(t, sc && !strcmp(sc->spec.user, "station1"));
	CHECK(t, sc && !strcmp(sc->spec.command, "cage -- foot"));
	CHECK(t, sc && sc->spec.nenv == 2 && !strcmp(sc->spec.env[1], "XKB_DEFAULT_LAYOUT=de"));
	CHECK(t, sc && sc->spec.restart_max_s == 5);
	CHECK(t, config_seat(&cfg, "seat0") == NULL);
	sc = config_seat(&cfg, "seat2");
	CHECK(t, sc && !sc->spec.command && sc->spec.application &&
		 !strcmp(sc->spec.application, "weston-terminal") && !strcmp(sc->spec.mode, "1280x720"));
	CHECK(t, !config_seat(&cfg, "seat1")->spec.mode[0]);
	config_finish(&cfg);
}

static void test_rdp(struct test_state *t)
{
	const struct rdp_user_config *u;
	struct config cfg;

	config_init(&cfg);
	CHECK(t, cfg.rdp.enabled == -1 && cfg.rdp.port == 3389 && cfg.rdp.keep_s == 300);
	CHECK(t, !strcmp(load(&cfg,
		"[rdp]\n"
		"enabled = yes\n"
		"address = 10.0.0.1\n"
		"port = 3390\n"
		"group = students\n"
		"application = weston-terminal\n"
		"log = /run/%s.log\n"
		"keep = 60\n"
		"greeter = seatmux-compositor --kms -- seatmux-greeter --cmd sway\n"
		"[rdp.user.teacher]\n"
		"command = cage -- foot\n"
		"env = WLR_RENDERER=pixman\n"), ""));
	CHECK(t, cfg.rdp.enabled == 1 && cfg.rdp.port == 3390 && cfg.rdp.keep_s == 60);
	CHECK(t, !strcmp(cfg.rdp.address, "10.0.0.1") && !strcmp(cfg.rdp.group, "students"));
	CHECK(t, !strcmp(cfg.rdp.application, "weston-terminal"));
	CHECK(t, cfg.rdp.greeter &&
		 !strcmp(cfg.rdp.greeter, "seatmux-compositor --kms -- seatmux-greeter --cmd sway"));
	u = config_rdp_user(&cfg, "teacher");
	CHECK(t, u && !strcmp(u->command, "cage -- foot") && !u->application && u->nenv == 1);
	CHECK(t, config_rdp_user(&cfg, "pupil") == NULL);
	config_finish(&cfg);
}

static void test_defaults(struct test_state *t)
{
	struct config cfg;

	config_init(&cfg);
	CHECK(t, !strcmp(load(&cfg, ""), ""));
	CHECK(t, !strcmp(cfg.platform, "auto") && cfg.console);
	CHECK(t, cfg.physical_heads == -1);
	CHECK(t, cfg.roaming_takes_over);
	CHECK(t, cfg.picture_max_age_s == 10);
	CHECK(t, cfg.log_level == LOG_LVL_INFO);
	CHECK(t, list_empty(&cfg.seats));
	config_finish(&cfg);
}

/* Every error names the file and the line it is on. */
static void test_errors(struct test_state *t)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "[broker]\nfrobnicate = 1\n", "test.conf:2: unknown key 'frobnicate' in [broker]" },
		{ "[printer]\nx = 1\n", "test.conf:2: unknown section [printer]" },
		{ "\n\n[seat.station1]\nuser = a\n", "test.conf:4: invalid seat name 'station1'" },
		{ "[broker]\nlog-level = loud\n", "test.conf:2: unknown log-level 'loud'" },
		{ "[broker]\nconsole = maybe\n", "test.conf:2: console takes yes or no, not 'maybe'" },
		{ "[broker]\nplatform = mainframe\n",
		  "test.conf:2: platform takes auto, bare-metal, hyperv, kvm, qemu, vmware, xen, "
		  "virtualbox or virtual, not 'mainframe'" },
		{ "[broker]\npam-service = ..\n", "test.conf:2: pam-service takes a service name, not '..'" },
		{ "[rdp]\npam-service = ../../tmp/x\n",
		  "test.conf:2: pam-service takes a service name, not '../../tmp/x'" },
		{ "[broker]\nphysical-heads = some\n", "test.conf:2: physical-heads takes auto, yes or no, not 'some'" },
		{ "[broker]\nroaming = yes\n", "test.conf:2: roaming takes take-over or refuse, not 'yes'" },
		{ "[broker]\npicture-max-age = -1\n", "test.conf:2: picture-max-age wants 0..3600, got '-1'" },
		{ "[broker]\nsocket-dir = run/x\n", "test.conf:2: socket-dir must be absolute: run/x" },
		{ "[seat.seat1]\nlog = seat1.log\n", "test.conf:2: log must be an absolute path: seat1.log" },
		{ "[seat.seat1]\nenv = NOVALUE\n", "test.conf:2: env wants NAME=value, got 'NOVALUE'" },
		{ "[seat.seat1]\nrestart-max-delay = 0\n", "test.conf:2: restart-max-delay wants 1..3600 seconds, got '0'" },
		{ "[seat.seat1]\nrestart-max-delay = 5s\n", "test.conf:2: restart-max-delay wants 1..3600 seconds, got '5s'" },
		{ "[seat.seat1]\nuser = a\nbogus\n", "test.conf:3: syntax error" },
		{ "[seat.seat1]\ncommand = cage\n", "test.conf: seat seat1 has a session but no user" },
		{ "[seat.seat1]\napplication = foot\n", "test.conf: seat seat1 has a session but no user" },
		{ "[seat.seat1]\nuser = a\ncommand = cage\napplication = foot\n",
		  "test.conf: seat seat1 has both a command and an application" },
		{ "[seat.seat1]\nconnector = card0-HDMI-A-1\n", "test.conf:2: connector wants PCI-SLOT/NAME (e.g. 0000:01:00.0/HDMI-A-2), got 'card0-HDMI-A-1'" },
		{ "[seat.seat1]\nconnector = 0000:00:08.0/\n", "test.conf:2: connector wants PCI-SLOT/NAME (e.g. 0000:01:00.0/HDMI-A-2), got '0000:00:08.0/'" },
		{ "[seat.seat1]\nconnector = 0000:00:08.0/a b\n", "test.conf:2: connector wants PCI-SLOT/NAME (e.g. 0000:01:00.0/HDMI-A-2), got '0000:00:08.0/a b'" },
		{ "[seat.seat1]\nconnector = 0000:00:08.0/DP-1\n[seat.seat2]\nconnector = 0000:00:08.0/DP-1\n",
		  "test.conf:4: connector 0000:00:08.0/DP-1 is given to seat1 already" },
		{ "[seat.seat1]\nmode = 1280\n", "test.conf:2: mode wants WIDTHxHEIGHT (e.g. 1280x720), got '1280'" },
		{ "[seat.seat1]\nmode = 0x720\n", "test.conf:2: mode wants WIDTHxHEIGHT (e.g. 1280x720), got '0x720'" },
		{ "[seat.seat1]\nmode = 1280x720@60\n", "test.conf:2: mode wants WIDTHxHEIGHT (e.g. 1280x720), got '1280x720@60'" },
		{ "[seat.seat1]\nuser = a\ncommand = cage\nmode = 800x600\n",
		  "test.conf: seat seat1: mode applies to an application in seatmux-compositor" },
		{ "[rdp]\nport = 70000\n", "test.conf:2: port wants 1..65535, got '70000'" },
		{ "[rdp]\nenabled = perhaps\n", "test.conf:2: enabled takes auto, yes or no, not 'perhaps'" },
		{ "[rdp]\ntls-dir = var/lib\n", "test.conf:2: tls-dir must be an absolute path: var/lib" },
		{ "[rdp]\ncolour = blue\n", "test.conf:2: unknown key 'colour' in [rdp]" },
		{ "[rdp.user.bob]\nshell = zsh\n", "test.conf:2: unknown key 'shell' in [rdp.user.bob]" },
		{ "[station.desk1]\nport = 3240\n", "test.conf: station desk1 has no address" },
		{ "[station.desk1]\naddress = 10.0.0.9\n",
		  "test.conf: station desk1: the secure transport needs the station's certificate (peer =), or transport = plain" },
		{ "[station.desk 1]\naddress = x\n",
		  "test.conf:2: station name 'desk 1': up to 31 letters, digits, '-' and '_'" },
		{ "[station.]\naddress = x\n",
		  "test.conf:2: station name '': up to 31 letters, digits, '-' and '_'" },
		{ "[station.d]\ntransport = usb\n", "test.conf:2: transport takes tls or plain, not 'usb'" },
		{ "[station.d]\npeer = d.pem\n", "test.conf:2: peer must be an absolute path: d.pem" },
		{ "[station.d]\ninput = 1209:5301, keyboard\n",
		  "test.conf:2: input wants VID:PID, VID:* or VID:PID/SERIAL, got 'keyboard'" },
		{ "[station.d]\ndisplay = 17e9\n",
		  "test.conf:2: display wants VID:PID, VID:* or VID:PID/SERIAL, got '17e9'" },
		{ "[station.d]\nstorage = sometimes\n", "test.conf:2: storage takes yes or no, not 'sometimes'" },
		{ "[station.d]\nseat = desk\n", "test.conf:2: invalid seat name 'desk'" },
		{ "[station.d]\nport = 0\n", "test.conf:2: port wants 1..65535, got '0'" },
		{ "[station.d]\nwifi = on\n", "test.conf:2: unknown key 'wifi' in [station.d]" },
		{ "[station.a]\naddress = x\ntransport = plain\n[station.b]\naddress = y\ntransport = plain\nseat = seat-a\n",
		  "test.conf: stations a and b share seat seat-a" },
		{ "[usbip]\ncert = /etc/c.pem\n", "test.conf: [usbip] cert and key go together" },
		{ "[usbip]\ngrace = -1\n", "test.conf:2: grace wants 0..86400, got '-1'" },
		{ "[usbip]\nlisten = 1\n", "test.conf:2: unknown key 'listen' in [usbip]" },
		/* The first error is the one reported. */
		{ "[broker]\na = 1\nb = 2\n", "test.conf:2: unknown key 'a' in [broker]" },
	};
	struct config cfg;

	config_init(&cfg);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *err = load(&cfg, cases[i].text);

		if (strcmp(err, cases[i].error)) {
			fprintf(stderr, "  case %zu: got \"%s\"\n", i, err);
			CHECK(t, !"error text as expected");
		}
	}
	config_finish(&cfg);
}

static void test_stations(struct test_state *t)
{
	const struct station_config *st;
	struct config cfg;

	config_init(&cfg);
	CHECK(t, !strcmp(load(&cfg,
		"[usbip]\n"
		"grace = 30\n"
		"link-user = seatmux-link\n"
		"[station.desk1]\n"
		"address = 10.0.2.2\n"
		"port = 3241\n"
		"peer = /etc/seatmux/stations/desk1.pem\n"
		"input = 1209:5301/KB1, 1209:5302\n"
		"[station.lab-2]\n"
		"address = 192.168.7.20\n"
		"transport = plain\n"
		"seat = seat7\n"
		"display = 17e9:4006\n"
		"storage = yes\n"), ""));
	CHECK(t, cfg.usbip.nstations == 2 && cfg.usbip.grace_s == 30);
	CHECK(t, !strcmp(cfg.usbip.link_user, "seatmux-link") && cfg.usbip.timeout_s == 10);
	st = config_station(&cfg, "desk1");
	CHECK(t, st && !st->plain && st->port == 3241 && !strcmp(st->seat, "seat-desk1"));
	CHECK(t, st && st->allow.ninput == 2 && !strcmp(st->allow.input[0].serial, "KB1"));
	CHECK(t, st && st->allow.ndisplay == 0 && !st->allow.storage);
	st = config_station(&cfg, "lab-2");
	CHECK(t, st && st->plain && st->port == 3240 && !strcmp(st->seat, "seat7"));
	CHECK(t, st && st->allow.ndisplay == 1 && st->allow.display[0].product == 0x4006);
	CHECK(t, st && st->allow.storage && !st->peer);
	CHECK(t, !config_station(&cfg, "desk2"));
	config_finish(&cfg);
}

static void test_connectors(struct test_state *t)
{
	struct config cfg;

	config_init(&cfg);
	CHECK(t, !strcmp(load(&cfg,
		"[seat.seat1]\n"
		"connector = 0000:00:08.0/Virtual-2\n"
		"connector = 0000:01:00.0/HDMI-A-1\n"
		"[seat.seat2]\n"
		"connector = 0000:01:00.0/HDMI-A-2\n"), ""));
	CHECK(t, !strcmp(config_connector_seat(&cfg, "0000:00:08.0", "Virtual-2") ?: "", "seat1"));
	CHECK(t, !strcmp(config_connector_seat(&cfg, "0000:01:00.0", "HDMI-A-1") ?: "", "seat1"));
	CHECK(t, !strcmp(config_connector_seat(&cfg, "0000:01:00.0", "HDMI-A-2") ?: "", "seat2"));
	CHECK(t, config_connector_seat(&cfg, "0000:00:08.0", "Virtual-1") == NULL);
	CHECK(t, config_connector_seat(&cfg, "0000:00:09.0", "Virtual-2") == NULL);
	config_finish(&cfg);
}

/* Names of any length are compared whole: found, and never by a prefix. */
static void test_connector_long(struct test_state *t)
{
	char text[512], name[160];
	struct config cfg;

	memset(name, 'x', 120);
	name[120] = '\0';
	snprintf(text, sizeof(text), "[seat.seat1]\nconnector = 0000:01:00.0/%s\n", name);
	config_init(&cfg);
	CHECK(t, !strcmp(load(&cfg, text), ""));
	CHECK(t, !strcmp(config_connector_seat(&cfg, "0000:01:00.0", name) ?: "", "seat1"));
	config_finish(&cfg);
	/* "0000:01:00.0/" and 114 bytes: 127, what a 128-byte key held. */
	name[114] = '\0';
	snprintf(text, sizeof(text), "[seat.seat1]\nconnector = 0000:01:00.0/%s\n", name);
	config_init(&cfg);
	CHECK(t, !strcmp(load(&cfg, text), ""));
	strcat(name, "y");
	CHECK(t, config_connector_seat(&cfg, "0000:01:00.0", name) == NULL);
	config_finish(&cfg);
}

static void test_files(struct test_state *t)
{
	char path[] = "/tmp/seatmux-conf-XXXXXX";
	struct config cfg;
	int fd = mkstemp(path);
	char expect[128];

	CHECK(t, fd >= 0);
	CHECK(t, write(fd, "[broker]\nplatform = kvm\n[oops\n", 30) == 30);
	close(fd);
	config_init(&cfg);
	snprintf(expect, sizeof(expect), "%s:3: syntax error", path);
	CHECK(t, config_load(&cfg, path) < 0);
	CHECK(t, !strcmp(cfg.error, expect));
	unlink(path);
	config_finish(&cfg);
	/* No file at all means the built-in defaults. */
	config_init(&cfg);
	CHECK(t, config_load(&cfg, path) == 0);
	config_finish(&cfg);
}

/* SIGHUP: stations are compared by their own copies, and the new
 * sections replace the old ones whole. */
static void test_station_reload(struct test_state *t)
{
	struct station_config copy;
	struct config cfg, next;

	config_init(&cfg);
	config_init(&next);
	CHECK(t, !strcmp(load(&cfg, "[station.a]\naddress = 10.0.0.1\ntransport = plain\ninput = 1209:5301/K\n"
				    "[station.b]\naddress = 10.0.0.2\ntransport = plain\n"), ""));
	CHECK(t, config_station_copy(&copy, config_station(&cfg, "a")) == 0);
	CHECK(t, config_station_equal(&copy, config_station(&cfg, "a")));
	CHECK(t, copy.address != config_station(&cfg, "a")->address);	/* its own */
	/* a's serial changes, b goes, c comes. */
	CHECK(t, !strcmp(load(&next, "[station.a]\naddress = 10.0.0.1\ntransport = plain\ninput = 1209:5301/L\n"
				     "[station.c]\naddress = 10.0.0.3\ntransport = plain\n"), ""));
	config_take_stations(&cfg, &next);
	CHECK(t, next.usbip.nstations == 0 && cfg.usbip.nstations == 2);
	CHECK(t, !config_station_equal(&copy, config_station(&cfg, "a")));
	CHECK(t, !config_station(&cfg, "b") && config_station(&cfg, "c"));
	config_station_free(&copy);
	config_finish(&next);
	config_finish(&cfg);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_valid);
	RUN(&t, test_defaults);
	RUN(&t, test_rdp);
	RUN(&t, test_errors);
	RUN(&t, test_connectors);
	RUN(&t, test_connector_long);
	RUN(&t, test_stations);
	RUN(&t, test_files);
	RUN(&t, test_station_reload);
	return TEST_SUMMARY(&t);
}
