// SPDX-License-Identifier: MIT
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "config.h"
#include "fnv.h"
#include "platform.h"
#include "usbip_proto.h"

#define SEAT_SECTION "seat."

struct config_parse {
	struct config *cfg;
	char what[256];		/* the first error, without its line */
};

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->platform = strdup("auto");
	cfg->physical_heads = -1;
	cfg->log_level = LOG_LVL_INFO;
	cfg->console = true;
	cfg->roaming_takes_over = true;
	cfg->picture_max_age_s = 10;
	cfg->socket_dir = strdup(SEATMUX_RUNDIR);
	cfg->pam_service = strdup("seatmux");
	cfg->greeter_user = strdup("seatmux-greeter");
	list_init(&cfg->seats);
	cfg->rdp.enabled = -1;
	cfg->rdp.port = 3389;
	cfg->rdp.keep_s = 300;
	cfg->rdp.max_pending = 8;
	cfg->usbip.grace_s = 120;
	cfg->usbip.timeout_s = 10;
}

static void seat_config_free(struct seat_config *sc)
{
	list_remove(&sc->link);
	session_spec_free(&sc->spec);
	for (int i = 0; i < sc->nconnectors; i++)
		free(sc->connectors[i]);
	free(sc);
}

void config_take_seats(struct config *dst, struct config *src)
{
	struct seat_config *sc, *tmp;

	list_for_each(sc, tmp, &dst->seats, link)
		seat_config_free(sc);
	list_for_each(sc, tmp, &src->seats, link) {
		list_remove(&sc->link);
		list_insert(dst->seats.prev, &sc->link);
	}
}

void config_finish(struct config *cfg)
{
	struct seat_config *sc, *tmp;

	list_for_each(sc, tmp, &cfg->seats, link)
		seat_config_free(sc);
	free(cfg->platform);
	free(cfg->socket_dir);
	free(cfg->pam_service);
	free(cfg->greeter_user);
	cfg->platform = cfg->socket_dir = cfg->pam_service = cfg->greeter_user = NULL;
	free(cfg->rdp.address);
	free(cfg->rdp.group);
	free(cfg->rdp.pam_service);
	free(cfg->rdp.tls_dir);
	free(cfg->rdp.sink_user);
	free(cfg->rdp.application);
	free(cfg->rdp.command);
	free(cfg->rdp.greeter);
	free(cfg->rdp.log_path);
	for (int i = 0; i < cfg->rdp.nusers; i++) {
		struct rdp_user_config *u = &cfg->rdp.users[i];

		free(u->name);
		free(u->application);
		free(u->command);
		for (int k = 0; k < u->nenv; k++)
			free(u->env[k]);
	}
	memset(&cfg->rdp, 0, sizeof(cfg->rdp));
	free(cfg->usbip.cert);
	free(cfg->usbip.key);
	free(cfg->usbip.tls_dir);
	free(cfg->usbip.link_user);
	for (int i = 0; i < cfg->usbip.nstations; i++) {
		free(cfg->usbip.stations[i].address);
		free(cfg->usbip.stations[i].peer);
	}
	memset(&cfg->usbip, 0, sizeof(cfg->usbip));
}

/* logind's rule: "seat" followed by letters, digits, '-' and '_'. */
bool config_valid_seat_name(const char *name)
{
	size_t len = strlen(name);

	if (len < 4 || len >= SEAT_PROTO_MAX_SEAT || strncmp(name, "seat", 4))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len;
}

const struct seat_config *config_seat(const struct config *cfg,
				      const char *name)
{
	struct seat_config *sc, *tmp;

	list_for_each(sc, tmp, &cfg->seats, link)
		if (strcmp(sc->name, name) == 0)
			return sc;
	return NULL;
}

__attribute__((format(printf, 2, 3)))
static int parse_fail(struct config_parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->what[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(p->what, sizeof(p->what), fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

static int parse_bool(const char *value, bool *out)
{
	if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
		*out = true;
	else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

/* A file under /etc/pam.d: a plain name. */
static bool pam_service_valid(const char *name)
{
	return name[0] && strlen(name) <= 64 && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

static int int_in(struct config_parse *p, const char *key, const char *value,
		  long lo, long hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return parse_fail(p, "%s wants %ld..%ld, got '%s'", key, lo, hi, value);
	*out = (int)n;
	return 1;
}

static int handle_broker(struct config_parse *p, const char *key,
			 const char *value)
{
	struct config *cfg = p->cfg;

	if (!strcmp(key, "platform")) {
		enum platform_kind kind;

		/* Refused here, not at start: --check-config says so, and a
		 * unit that cannot start is not restarted in a loop. */
		if (strcmp(value, "auto") && platform_from_name(value, &kind) < 0)
			return parse_fail(p, "platform takes auto, bare-metal, hyperv, kvm, qemu, "
					  "vmware, xen, virtualbox or virtual, not '%s'", value);
		return set_string(&cfg->platform, value) ? 0 : 1;
	}
	if (!strcmp(key, "socket-dir")) {
		if (value[0] != '/')
			return parse_fail(p, "socket-dir must be absolute: %s", value);
		return set_string(&cfg->socket_dir, value) ? 0 : 1;
	}
	if (!strcmp(key, "picture-max-age"))
		return int_in(p, key, value, 0, 3600, &cfg->picture_max_age_s);
	if (!strcmp(key, "log-level")) {
		if (log_parse_level(value, &cfg->log_level))
			return parse_fail(p, "unknown log-level '%s'", value);
		return 1;
	}
	if (!strcmp(key, "roaming")) {
		if (!strcmp(value, "take-over"))
			cfg->roaming_takes_over = true;
		else if (!strcmp(value, "refuse"))
			cfg->roaming_takes_over = false;
		else
			return parse_fail(p, "roaming takes take-over or refuse, not '%s'", value);
		return 1;
	}
	if (!strcmp(key, "physical-heads")) {
		bool yes;

		if (!strcmp(value, "auto"))
			cfg->physical_heads = -1;
		else if (parse_bool(value, &yes) == 0)
			cfg->physical_heads = yes;
		else
			return parse_fail(p, "physical-heads takes auto, yes or no, not '%s'", value);
		return 1;
	}
	if (!strcmp(key, "greeter-user")) {
		if (!value[0] || strlen(value) > 32)
			return parse_fail(p, "greeter-user takes a user name, not '%s'", value);
		return set_string(&cfg->greeter_user, value) ? 0 : 1;
	}
	if (!strcmp(key, "pam-service")) {
		if (!pam_service_valid(value))
			return parse_fail(p, "pam-service takes a service name, not '%s'", value);
		return set_string(&cfg->pam_service, value) ? 0 : 1;
	}
	if (!strcmp(key, "console")) {
		if (parse_bool(value, &cfg->console))
			return parse_fail(p, "console takes yes or no, not '%s'", value);
		return 1;
	}
	return parse_fail(p, "unknown key '%s' in [broker]", key);
}

static struct seat_config *seat_get(struct config_parse *p, const char *name)
{
	struct seat_config *sc = (struct seat_config *)config_seat(p->cfg, name);

	if (sc)
		return sc;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->spec.restart_max_s = 30;
	list_insert(&p->cfg->seats, &sc->link);
	return sc;
}

static int handle_seat_env(struct config_parse *p, struct seat_config *sc,
			   const char *value)
{
	const char *eq = strchr(value, '=');

	if (!eq || eq == value)
		return parse_fail(p, "env wants NAME=value, got '%s'", value);
	if (sc->spec.nenv == CONFIG_MAX_ENV)
		return parse_fail(p, "too many env lines for seat %s", sc->name);
	sc->spec.env[sc->spec.nenv] = strdup(value);
	if (!sc->spec.env[sc->spec.nenv])
		return 0;
	sc->spec.nenv++;
	return 1;
}

/* "DDDD:BB:DD.F/NAME", NAME as KMS names connectors ("HDMI-A-1"). */
static bool valid_connector(const char *value)
{
	const char *slash = strchr(value, '/');
	unsigned dom, bus, dev, fn;
	char tail;

	if (!slash || slash - value != 12 || !slash[1] ||
	    sscanf(value, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 5 ||
	    tail != '/')
		return false;
	return strspn(slash + 1, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == strlen(slash + 1);
}

static int handle_seat_connector(struct config_parse *p, struct seat_config *sc,
				 const char *value)
{
	const char *owner;

	if (!valid_connector(value))
		return parse_fail(p, "connector wants PCI-SLOT/NAME (e.g. 0000:01:00.0/HDMI-A-2), got '%s'", value);
	owner = NULL;
	for (struct list *l = p->cfg->seats.next; l != &p->cfg->seats; l = l->next) {
		struct seat_config *other = list_entry(l, struct seat_config, link);

		for (int i = 0; i < other->nconnectors; i++)
			if (!strcmp(other->connectors[i], value))
				owner = other->name;
	}
	if (owner)
		return parse_fail(p, "connector %s is given to %s already", value, owner);
	if (sc->nconnectors == CONFIG_MAX_CONNECTORS)
		return parse_fail(p, "too many connectors for seat %s", sc->name);
	sc->connectors[sc->nconnectors] = strdup(value);
	if (!sc->connectors[sc->nconnectors])
		return 0;
	sc->nconnectors++;
	return 1;
}

const char *config_connector_seat(const struct config *cfg, const char *pci,
				  const char *name)
{
	size_t n = strlen(pci);
	struct seat_config *sc, *tmp;

	/* Whole, not through a key of fixed size: a long name cut to fit
	 * would match another's. */
	list_for_each(sc, tmp, &cfg->seats, link)
		for (int i = 0; i < sc->nconnectors; i++) {
			const char *c = sc->connectors[i];

			if (!strncmp(c, pci, n) && c[n] == '/' && !strcmp(c + n + 1, name))
				return sc->name;
		}
	return NULL;
}

static int handle_seat_mode(struct config_parse *p, struct seat_config *sc,
			    const char *value)
{
	unsigned w, h;
	char tail;

	if (sscanf(value, "%ux%u%c", &w, &h, &tail) != 2 || w < 1 || h < 1 ||
	    w > 16384 || h > 16384)
		return parse_fail(p, "mode wants WIDTHxHEIGHT (e.g. 1280x720), got '%s'", value);
	snprintf(sc->spec.mode, sizeof(sc->spec.mode), "%ux%u", w, h);
	return 1;
}

static int handle_seat(struct config_parse *p, const char *name,
		       const char *key, const char *value)
{
	struct seat_config *sc;
	char *end;
	long n;

	if (!config_valid_seat_name(name))
		return parse_fail(p, "invalid seat name '%s'", name);
	sc = seat_get(p, name);
	if (!sc)
		return 0;
	if (!strcmp(key, "user"))
		return set_string(&sc->spec.user, value) ? 0 : 1;
	if ((!strcmp(key, "command") || !strcmp(key, "application")) && sc->spec.greeter)
		return parse_fail(p, "seat %s has a greeter: users' sessions come from it, "
				  "not from %s", name, key);
	if (!strcmp(key, "command"))
		return set_string(&sc->spec.command, value) ? 0 : 1;
	if (!strcmp(key, "application"))
		return set_string(&sc->spec.application, value) ? 0 : 1;
	if (!strcmp(key, "greeter")) {
		if (sc->spec.command || sc->spec.application)
			return parse_fail(p, "seat %s has a session already: a greeter is "
					  "instead of command and application", name);
		sc->spec.greeter = true;
		return set_string(&sc->spec.command, value) ? 0 : 1;
	}
	if (!strcmp(key, "env"))
		return handle_seat_env(p, sc, value);
	if (!strcmp(key, "mode"))
		return handle_seat_mode(p, sc, value);
	if (!strcmp(key, "connector"))
		return handle_seat_connector(p, sc, value);
	if (!strcmp(key, "log")) {
		if (value[0] != '/')
			return parse_fail(p, "log must be an absolute path: %s", value);
		return set_string(&sc->spec.log_path, value) ? 0 : 1;
	}
	if (!strcmp(key, "restart-max-delay")) {
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || *end || n < 1 || n > 3600)
			return parse_fail(p, "restart-max-delay wants 1..3600 seconds, got '%s'", value);
		sc->spec.restart_max_s = (int)n;
		return 1;
	}
	return parse_fail(p, "unknown key '%s' in a seat section", key);
}

static int handle_rdp(struct config_parse *p, const char *key, const char *value)
{
	struct rdp_config *r = &p->cfg->rdp;
	bool yes;

	if (!strcmp(key, "enabled")) {
		if (!strcmp(value, "auto"))
			r->enabled = -1;
		else if (parse_bool(value, &yes) == 0)
			r->enabled = yes;
		else
			return parse_fail(p, "enabled takes auto, yes or no, not '%s'", value);
		return 1;
	}
	if (!strcmp(key, "address"))
		return set_string(&r->address, value) ? 0 : 1;
	if (!strcmp(key, "port"))
		return int_in(p, key, value, 1, 65535, &r->port);
	if (!strcmp(key, "vsock-port"))
		return int_in(p, key, value, 1, 65535, &r->vsock_port);
	if (!strcmp(key, "group"))
		return set_string(&r->group, value) ? 0 : 1;
	if (!strcmp(key, "pam-service")) {
		if (!pam_service_valid(value))
			return parse_fail(p, "pam-service takes a service name, not '%s'", value);
		return set_string(&r->pam_service, value) ? 0 : 1;
	}
	if (!strcmp(key, "sink-user"))
		return set_string(&r->sink_user, value) ? 0 : 1;
	if (!strcmp(key, "application"))
		return set_string(&r->application, value) ? 0 : 1;
	if (!strcmp(key, "command"))
		return set_string(&r->command, value) ? 0 : 1;
	if (!strcmp(key, "greeter"))
		return set_string(&r->greeter, value) ? 0 : 1;
	if (!strcmp(key, "keep"))
		return int_in(p, key, value, 0, 86400, &r->keep_s);
	if (!strcmp(key, "max-pending"))
		return int_in(p, key, value, 1, 1024, &r->max_pending);
	if (!strcmp(key, "max-pending-per-origin"))
		return int_in(p, key, value, 1, 1024, &r->max_pending_origin);
	if (!strcmp(key, "tls-dir") || !strcmp(key, "log")) {
		if (value[0] != '/')
			return parse_fail(p, "%s must be an absolute path: %s", key, value);
		return set_string(!strcmp(key, "log") ? &r->log_path : &r->tls_dir, value) ? 0 : 1;
	}
	return parse_fail(p, "unknown key '%s' in [rdp]", key);
}

const struct rdp_user_config *config_rdp_user(const struct config *cfg, const char *user)
{
	for (int i = 0; i < cfg->rdp.nusers; i++)
		if (!strcmp(cfg->rdp.users[i].name, user))
			return &cfg->rdp.users[i];
	return NULL;
}

static int handle_rdp_user(struct config_parse *p, const char *name, const char *key,
			   const char *value)
{
	struct rdp_config *r = &p->cfg->rdp;
	struct rdp_user_config *u = (struct rdp_user_config *)config_rdp_user(p->cfg, name);

	if (!u) {
		if (r->nusers == CONFIG_MAX_RDP_USERS)
			return parse_fail(p, "too many [rdp.user.*] sections");
		u = &r->users[r->nusers];
		u->name = strdup(name);
		if (!u->name)
			return 0;
		r->nusers++;
	}
	if (!strcmp(key, "application"))
		return set_string(&u->application, value) ? 0 : 1;
	if (!strcmp(key, "command"))
		return set_string(&u->command, value) ? 0 : 1;
	if (!strcmp(key, "env")) {
		if (!strchr(value, '=') || value[0] == '=')
			return parse_fail(p, "env wants NAME=value, got '%s'", value);
		if (u->nenv == CONFIG_MAX_ENV)
			return parse_fail(p, "too many env lines for %s", name);
		u->env[u->nenv] = strdup(value);
		if (!u->env[u->nenv])
			return 0;
		u->nenv++;
		return 1;
	}
	return parse_fail(p, "unknown key '%s' in [rdp.user.%s]", key, name);
}

static int absolute_path(struct config_parse *p, const char *key, const char *value,
			 char **slot)
{
	if (value[0] != '/')
		return parse_fail(p, "%s must be an absolute path: %s", key, value);
	return set_string(slot, value) ? 0 : 1;
}

static int handle_usbip(struct config_parse *p, const char *key, const char *value)
{
	struct usbip_config *u = &p->cfg->usbip;

	if (!strcmp(key, "cert"))
		return absolute_path(p, key, value, &u->cert);
	if (!strcmp(key, "key"))
		return absolute_path(p, key, value, &u->key);
	if (!strcmp(key, "tls-dir"))
		return absolute_path(p, key, value, &u->tls_dir);
	if (!strcmp(key, "link-user"))
		return set_string(&u->link_user, value) ? 0 : 1;
	if (!strcmp(key, "grace"))
		return int_in(p, key, value, 0, 86400, &u->grace_s);
	if (!strcmp(key, "timeout"))
		return int_in(p, key, value, 1, 300, &u->timeout_s);
	return parse_fail(p, "unknown key '%s' in [usbip]", key);
}

const struct station_config *config_station(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->usbip.nstations; i++)
		if (!strcmp(cfg->usbip.stations[i].name, name))
			return &cfg->usbip.stations[i];
	return NULL;
}

int config_station_copy(struct station_config *dst, const struct station_config *src)
{
	*dst = *src;
	dst->address = src->address ? strdup(src->address) : NULL;
	dst->peer = src->peer ? strdup(src->peer) : NULL;
	if ((src->address && !dst->address) || (src->peer && !dst->peer)) {
		config_station_free(dst);
		return -1;
	}
	return 0;
}

void config_station_free(struct station_config *sc)
{
	free(sc->address);
	free(sc->peer);
	sc->address = sc->peer = NULL;
}

static bool match_equal(const struct usbip_match *a, const struct usbip_match *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i].vendor != b[i].vendor || a[i].product != b[i].product ||
		    a[i].any_product != b[i].any_product || strcmp(a[i].serial, b[i].serial))
			return false;
	return true;
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool config_station_equal(const struct station_config *a, const struct station_config *b)
{
	const struct usbip_allow *x = &a->allow, *y = &b->allow;

	return !strcmp(a->name, b->name) && !strcmp(a->seat, b->seat) &&
	       same_text(a->address, b->address) && a->port == b->port &&
	       a->plain == b->plain && same_text(a->peer, b->peer) &&
	       x->ndisplay == y->ndisplay && x->ninput == y->ninput &&
	       x->storage == y->storage && match_equal(x->display, y->display, x->ndisplay) &&
	       match_equal(x->input, y->input, x->ninput);
}

static uint64_t fnv_matches(uint64_t h, const struct usbip_match *m, int n)
{
	h = fnv_bytes(h, &n, sizeof(n));
	for (int i = 0; i < n; i++) {
		h = fnv_bytes(h, &m[i].vendor, sizeof(m[i].vendor));
		h = fnv_bytes(h, &m[i].product, sizeof(m[i].product));
		h = fnv_bytes(h, &m[i].any_product, sizeof(m[i].any_product));
		h = fnv_text(h, m[i].serial);
	}
	return h;
}

unsigned long long config_station_digest(const struct station_config *sc)
{
	uint64_t h = FNV_START;

	h = fnv_text(h, sc->name);
	h = fnv_text(h, sc->seat);
	h = fnv_text(h, sc->address);
	h = fnv_bytes(h, &sc->port, sizeof(sc->port));
	h = fnv_bytes(h, &sc->plain, sizeof(sc->plain));
	h = fnv_text(h, sc->peer);
	h = fnv_matches(h, sc->allow.display, sc->allow.ndisplay);
	h = fnv_matches(h, sc->allow.input, sc->allow.ninput);
	return fnv_bytes(h, &sc->allow.storage, sizeof(sc->allow.storage));
}

void config_take_stations(struct config *dst, struct config *src)
{
	struct usbip_config *d = &dst->usbip, *s = &src->usbip;

	for (int i = 0; i < d->nstations; i++)
		config_station_free(&d->stations[i]);
	memcpy(d->stations, s->stations, sizeof(d->stations));
	d->nstations = s->nstations;
	s->nstations = 0;	/* its strings are dst's now */
}

static struct station_config *station_get(struct config_parse *p, const char *name)
{
	struct usbip_config *u = &p->cfg->usbip;
	struct station_config *st = (struct station_config *)config_station(p->cfg, name);
	size_t len = strlen(name);

	if (st)
		return st;
	if (len == 0 || len >= CONFIG_STATION_NAME ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len) {
		parse_fail(p, "station name '%s': up to %d letters, digits, '-' and '_'", name,
			   CONFIG_STATION_NAME - 1);
		return NULL;
	}
	if (u->nstations == CONFIG_MAX_STATIONS) {
		parse_fail(p, "more than %d stations", CONFIG_MAX_STATIONS);
		return NULL;
	}
	st = &u->stations[u->nstations++];
	snprintf(st->name, sizeof(st->name), "%s", name);
	snprintf(st->seat, sizeof(st->seat), "seat-%s", name);
	st->port = USBIP_PORT;
	return st;
}

/* "VID:PID[/SERIAL], ..." appended to a list. */
static int station_matches(struct config_parse *p, const char *key, const char *value,
			   struct usbip_match *list, int *n)
{
	char copy[512], *save = NULL;

	if (strlen(value) >= sizeof(copy))
		return parse_fail(p, "%s: list too long", key);
	snprintf(copy, sizeof(copy), "%s", value);
	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (*n == USBIP_ALLOW_MAX)
			return parse_fail(p, "%s: more than %d devices", key, USBIP_ALLOW_MAX);
		if (usbip_allow_parse(tok, &list[*n]) < 0)
			return parse_fail(p, "%s wants VID:PID, VID:* or VID:PID/SERIAL, got '%s'",
					  key, tok);
		(*n)++;
	}
	return 1;
}

static int handle_station(struct config_parse *p, const char *name, const char *key,
			  const char *value)
{
	struct station_config *st = station_get(p, name);

	if (!st)
		return 0;
	if (!strcmp(key, "address"))
		return set_string(&st->address, value) ? 0 : 1;
	if (!strcmp(key, "port"))
		return int_in(p, key, value, 1, 65535, &st->port);
	if (!strcmp(key, "transport")) {
		if (strcmp(value, "tls") && strcmp(value, "plain"))
			return parse_fail(p, "transport takes tls or plain, not '%s'", value);
		st->plain = !strcmp(value, "plain");
		return 1;
	}
	if (!strcmp(key, "peer"))
		return absolute_path(p, key, value, &st->peer);
	if (!strcmp(key, "seat")) {
		if (!config_valid_seat_name(value))
			return parse_fail(p, "invalid seat name '%s'", value);
		snprintf(st->seat, sizeof(st->seat), "%s", value);
		return 1;
	}
	if (!strcmp(key, "display"))
		return station_matches(p, key, value, st->allow.display, &st->allow.ndisplay);
	if (!strcmp(key, "input"))
		return station_matches(p, key, value, st->allow.input, &st->allow.ninput);
	if (!strcmp(key, "storage"))
		return parse_bool(value, &st->allow.storage) == 0 ? 1 :
		       parse_fail(p, "storage takes yes or no, not '%s'", value);
	return parse_fail(p, "unknown key '%s' in [station.%s]", key, name);
}

static int handle(void *data, const char *section, const char *key,
		  const char *value)
{
	struct config_parse *p = data;

	if (p->what[0])
		return 0;	/* report the first error only */
	if (!strcmp(section, "broker"))
		return handle_broker(p, key, value);
	if (!strcmp(section, "rdp"))
		return handle_rdp(p, key, value);
	if (!strcmp(section, "usbip"))
		return handle_usbip(p, key, value);
	if (!strncmp(section, "station.", 8))
		return handle_station(p, section + 8, key, value);
	if (!strncmp(section, "rdp.user.", 9) && section[9])
		return handle_rdp_user(p, section + 9, key, value);
	if (!strncmp(section, SEAT_SECTION, strlen(SEAT_SECTION)))
		return handle_seat(p, section + strlen(SEAT_SECTION), key, value);
	return parse_fail(p, "unknown section [%s]", section);
}

/* What a station section cannot do without, and seats shared. */
static int check_stations(struct config *cfg, const char *name)
{
	const struct station_config *st;

	for (int i = 0; i < cfg->usbip.nstations; i++) {
		st = &cfg->usbip.stations[i];
		if (!st->address) {
			snprintf(cfg->error, sizeof(cfg->error), "%s: station %s has no address",
				 name, st->name);
			return -1;
		}
		if (!st->plain && !st->peer) {
			snprintf(cfg->error, sizeof(cfg->error),
				 "%s: station %s: the secure transport needs the station's "
				 "certificate (peer =), or transport = plain", name, st->name);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(cfg->usbip.stations[j].seat, st->seat)) {
				snprintf(cfg->error, sizeof(cfg->error),
					 "%s: stations %s and %s share seat %s", name,
					 cfg->usbip.stations[j].name, st->name, st->seat);
				return -1;
			}
	}
	if ((cfg->usbip.cert == NULL) != (cfg->usbip.key == NULL)) {
		snprintf(cfg->error, sizeof(cfg->error),
			 "%s: [usbip] cert and key go together", name);
		return -1;
	}
	return 0;
}

static int finish_parse(struct config_parse *p, int rc, const char *name)
{
	struct config *cfg = p->cfg;
	struct seat_config *sc, *tmp;

	if (rc < 0) {
		snprintf(cfg->error, sizeof(cfg->error), "%s: %s", name,
			 rc == -1 ? strerror(errno) : "out of memory");
		return -1;
	}
	if (rc > 0) {
		snprintf(cfg->error, sizeof(cfg->error), "%s:%d: %s", name, rc,
			 p->what[0] ? p->what : "syntax error");
		return -1;
	}
	list_for_each(sc, tmp, &cfg->seats, link) {
		/* A greeter runs as the seat's user if it names one. */
		if (sc->spec.greeter && !sc->spec.user && cfg->greeter_user &&
		    !(sc->spec.user = strdup(cfg->greeter_user))) {
			snprintf(cfg->error, sizeof(cfg->error), "%s: out of memory", name);
			return -1;
		}
		if (sc->spec.mode[0] && !sc->spec.application) {
			snprintf(cfg->error, sizeof(cfg->error),
				 "%s: seat %s: mode applies to an application in seatmux-compositor",
				 name, sc->name);
			return -1;
		}
		if (sc->spec.command && sc->spec.application) {
			snprintf(cfg->error, sizeof(cfg->error),
				 "%s: seat %s has both a command and an application", name,
				 sc->name);
			return -1;
		}
		if ((sc->spec.command || sc->spec.application) && !sc->spec.user) {
			snprintf(cfg->error, sizeof(cfg->error),
				 "%s: seat %s has a session but no user", name,
				 sc->name);
			return -1;
		}
	}
	return check_stations(cfg, name);
}

int config_load(struct config *cfg, const char *path)
{
	struct config_parse p = { .cfg = cfg };
	FILE *f = fopen(path, "re");

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(cfg->error, sizeof(cfg->error), "%s: %s", path,
			 strerror(errno));
		return -1;
	}
	int rc = ini_parse_file(f, handle, &p);
	fclose(f);
	return finish_parse(&p, rc, path);
}

int config_load_string(struct config *cfg, const char *text, const char *name)
{
	struct config_parse p = { .cfg = cfg };

	return finish_parse(&p, ini_parse_string(text, handle, &p), name);
}
