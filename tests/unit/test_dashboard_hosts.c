// SPDX-License-Identifier: MIT
/* The dashboard's other hosts, as dashboard.conf lists them: what is
 * taken, and what is refused with a reason. */
#include <string.h>

#include "hosts.h"
#include "test.h"

#define PIN "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static int parse(const char *text, struct hosts *h, char *why)
{
	why[0] = 0;
	return hosts_parse(text, h, why, 256);
}

static void test_hosts(struct test_state *t)
{
	struct hosts h;
	char why[256];

	CHECK(t, parse("", &h, why) == 0 && h.n == 0);
	CHECK(t, parse("[dashboard]\nname = room1\n\n[host.room2]\naddress = 10.0.0.12:8443\n"
		       "pin = " PIN "\n[host.room3]\naddress = [fd00::3]:443\npin = " PIN "\n",
		       &h, why) == 0);
	CHECK(t, h.n == 2 && !strcmp(h.self, "room1"));
	CHECK(t, !strcmp(h.host[0].name, "room2") && !strcmp(h.host[0].address, "10.0.0.12:8443"));
	CHECK(t, !strcmp(h.host[1].address, "[fd00::3]:443") && !strcmp(h.host[1].pin, PIN));
	CHECK(t, hosts_find(&h, "room3") == &h.host[1] && !hosts_find(&h, "room1"));
}

static void test_refused(struct test_state *t)
{
	static const char *const bad[] = {
		"[host.room2]\naddress = 10.0.0.12:8443\n",			/* no pin */
		"[host.room2]\npin = " PIN "\n",				/* no address */
		"[host.room2]\naddress = 10.0.0.12\npin = " PIN "\n",		/* no port */
		"[host.room2]\naddress = 10.0.0.12:0\npin = " PIN "\n",
		"[host.room2]\naddress = 10.0.0.12:65536\npin = " PIN "\n",
		"[host.room2]\naddress = fd00::3:443\npin = " PIN "\n",	/* v6 unbracketed */
		"[host.room2]\naddress = a/b:443\npin = " PIN "\n",
		"[host.room2]\naddress = a:443\npin = sha1//abc=\n",
		"[host.room2]\naddress = a:443\npin = " PIN "x\n",
		"[host.Room2]\naddress = a:443\npin = " PIN "\n",		/* a name's case */
		"[host.]\naddress = a:443\npin = " PIN "\n",
		"[host.room2]\nport = 443\n",					/* no such key */
		"[other]\nx = 1\n",
		"[dashboard]\nname = Room 1\n",
		"[dashboard]\nname = room1\n[host.room1]\naddress = a:443\npin = " PIN "\n",
		"not ini at all\n",
	};
	struct hosts h;
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &h, why);

		CHECK(t, rc == -1 && why[0]);
		if (rc != -1)
			fprintf(stderr, "taken: %s", bad[i]);
	}
}

static void test_too_many(struct test_state *t)
{
	char text[8192] = "", why[256];
	struct hosts h;
	size_t len = 0;

	for (int i = 0; i <= HOSTS_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"[host.h%d]\naddress = a:443\npin = " PIN "\n", i);
	CHECK(t, parse(text, &h, why) == -1 && strstr(why, "more hosts"));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_hosts);
	RUN(&t, test_refused);
	RUN(&t, test_too_many);
	return TEST_SUMMARY(&t);
}
