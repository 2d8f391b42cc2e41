// SPDX-License-Identifier: MIT
/*
 * The configuration as seatmuxd (and seatmuxd --check-config) parses it:
 * the input is the file's text (up to a NUL), loaded from memory. A
 * loaded configuration must hold what its readers assume: valid seat
 * names, terminated strings, counts within their arrays.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "list.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level((enum log_level)0);	/* quiet: the parser's words are not findings */
	return 0;
}

static void check_seats(const struct config *cfg)
{
	struct seat_config *sc, *tmp;

	list_for_each(sc, tmp, &cfg->seats, link) {
		FUZZ_CHECK(memchr(sc->name, 0, sizeof(sc->name)));
		FUZZ_CHECK(config_valid_seat_name(sc->name));
		FUZZ_CHECK(config_seat(cfg, sc->name) == sc);
		FUZZ_CHECK(sc->spec.nenv >= 0 && sc->spec.nenv <= CONFIG_MAX_ENV &&
			   !sc->spec.env[sc->spec.nenv]);
		FUZZ_CHECK(sc->nconnectors >= 0 && sc->nconnectors <= CONFIG_MAX_CONNECTORS);
		FUZZ_CHECK(memchr(sc->spec.mode, 0, sizeof(sc->spec.mode)));
		for (int i = 0; i < sc->nconnectors; i++) {
			char pci[64];
			const char *slash = strchr(sc->connectors[i], '/');

			if (!slash || (size_t)(slash - sc->connectors[i]) >= sizeof(pci))
				continue;
			memcpy(pci, sc->connectors[i], (size_t)(slash - sc->connectors[i]));
			pci[slash - sc->connectors[i]] = '\0';
			FUZZ_CHECK(config_connector_seat(cfg, pci, slash + 1));
		}
	}
}

static void check_stations(const struct config *cfg)
{
	const struct usbip_config *u = &cfg->usbip;

	FUZZ_CHECK(u->nstations >= 0 && u->nstations <= CONFIG_MAX_STATIONS);
	for (int i = 0; i < u->nstations; i++) {
		const struct station_config *st = &u->stations[i];

		FUZZ_CHECK(memchr(st->name, 0, sizeof(st->name)));
		FUZZ_CHECK(memchr(st->seat, 0, sizeof(st->seat)));
		FUZZ_CHECK(config_station(cfg, st->name) == st);
		FUZZ_CHECK(st->allow.ndisplay >= 0 && st->allow.ndisplay <= USBIP_ALLOW_MAX);
		FUZZ_CHECK(st->allow.ninput >= 0 && st->allow.ninput <= USBIP_ALLOW_MAX);
	}
	FUZZ_CHECK(cfg->rdp.nusers >= 0 && cfg->rdp.nusers <= CONFIG_MAX_RDP_USERS);
	for (int i = 0; i < cfg->rdp.nusers; i++)
		FUZZ_CHECK(config_rdp_user(cfg, cfg->rdp.users[i].name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[65536];
	static struct config config;
	struct config *cfg = &config;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_init(cfg);
	if (config_load_string(cfg, text, "fuzz.conf") == 0) {
		check_seats(cfg);
		check_stations(cfg);
	} else {
		FUZZ_CHECK(memchr(cfg->error, 0, sizeof(cfg->error)) && cfg->error[0]);
	}
	config_finish(cfg);
	return 0;
}
