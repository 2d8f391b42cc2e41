// SPDX-License-Identifier: MIT
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"

struct parse {
	struct hosts *out;
	char *why;
	size_t size;
	bool failed;
};

int hosts_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= HOST_NAME_MAX_LEN && name[0] != '-' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* host:port with a port of 1 to 65535, or [v6]:port; what curl is given. */
static bool address_ok(const char *a)
{
	const char *colon = strrchr(a, ':');
	char *end;
	unsigned long port;

	if (!colon || colon == a || strlen(a) > HOST_ADDRESS_MAX ||
	    strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
		    strlen(a))
		return false;
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535 || colon[1] == '0')
		return false;
	/* A v6 address is bracketed, and only it has colons. */
	if (a[0] == '[')
		return colon[-1] == ']' && !memchr(a + 1, '[', (size_t)(colon - a - 1));
	return !memchr(a, ':', (size_t)(colon - a)) && !strpbrk(a, "[]");
}

static bool pin_ok(const char *p)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	/* 32 bytes: 43 characters of base64 and one '='. */
	return strlen(p) == HOST_PIN_LEN && !strncmp(p, "sha256//", 8) &&
	       strspn(p + 8, b64) == 43 && p[HOST_PIN_LEN - 1] == '=';
}

__attribute__((format(printf, 2, 3)))
static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->size, fmt, ap);
	va_end(ap);
	p->failed = true;
	return 0;
}

static struct host *host_named(struct parse *p, const char *name)
{
	for (int i = 0; i < p->out->n; i++)
		if (!strcmp(p->out->host[i].name, name))
			return &p->out->host[i];
	if (p->out->n == HOSTS_MAX)
		return NULL;
	snprintf(p->out->host[p->out->n].name, sizeof(p->out->host[0].name), "%s", name);
	return &p->out->host[p->out->n++];
}

static int on_value(void *data, const char *section, const char *key, const char *value)
{
	struct parse *p = data;
	struct host *h;

	if (p->failed)
		return 0;
	if (!strcmp(section, "dashboard")) {
		if (strcmp(key, "name"))
			return fail(p, "[dashboard] has no %s", key);
		if (!hosts_name_ok(value))
			return fail(p, "name = %s: 1 to 31 of a-z 0-9 -", value);
		snprintf(p->out->self, sizeof(p->out->self), "%s", value);
		return 1;
	}
	if (strncmp(section, "host.", 5))
		return fail(p, "no section [%s]", section);
	if (!hosts_name_ok(section + 5))
		return fail(p, "[%s]: a host's name is 1 to 31 of a-z 0-9 -", section);
	h = host_named(p, section + 5);
	if (!h)
		return fail(p, "[%s]: more hosts than %d", section, HOSTS_MAX);
	if (!strcmp(key, "address")) {
		if (!address_ok(value))
			return fail(p, "[%s] address = %s: host:port", section, value);
		snprintf(h->address, sizeof(h->address), "%s", value);
	} else if (!strcmp(key, "pin")) {
		if (!pin_ok(value))
			return fail(p, "[%s] pin = %s: sha256// and the public key's SHA-256 in "
				    "base64", section, value);
		snprintf(h->pin, sizeof(h->pin), "%s", value);
	} else {
		return fail(p, "[%s] has no %s", section, key);
	}
	return 1;
}

int hosts_parse(const char *text, struct hosts *out, char *why, size_t size)
{
	struct parse p = { out, why, size, false };
	int line;

	memset(out, 0, sizeof(*out));
	line = ini_parse_string(text, on_value, &p);
	if (line && !p.failed)
		snprintf(why, size, "line %d: not a key = value in a [section]", line);
	if (line)
		return -1;
	for (int i = 0; i < out->n; i++) {
		if (!out->host[i].address[0] || !out->host[i].pin[0]) {
			snprintf(why, size, "[host.%s] needs an address and a pin", out->host[i].name);
			return -1;
		}
		if (!strcmp(out->host[i].name, out->self)) {
			snprintf(why, size, "[host.%s] is this host's own name", out->host[i].name);
			return -1;
		}
	}
	return 0;
}

#define FILE_MAX (64u << 10)

int hosts_load(const char *path, struct hosts *out, char *why, size_t size)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!f && errno == ENOENT)
		rc = 0;
	else if (!f)
		snprintf(why, size, "%s: %s", path, strerror(errno));
	else if (!(text = calloc(1, FILE_MAX + 1)))
		snprintf(why, size, "%s: out of memory", path);
	else if ((len = fread(text, 1, FILE_MAX + 1, f)) > FILE_MAX || ferror(f))
		snprintf(why, size, "%s: unreadable, or larger than 64 KiB", path);
	else if (hosts_parse(text, out, why, size) == 0)
		rc = 0;
	if (f)
		fclose(f);
	free(text);
	if (rc == 0 && !out->self[0]) {
		char name[256] = "";

		gethostname(name, sizeof(name) - 1);
		name[strcspn(name, ".")] = 0;
		snprintf(out->self, sizeof(out->self), "%s", hosts_name_ok(name) ? name : "this-host");
	}
	return rc;
}

const struct host *hosts_find(const struct hosts *h, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (!strcmp(h->host[i].name, name))
			return &h->host[i];
	return NULL;
}
