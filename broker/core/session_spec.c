// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "session_spec.h"

bool session_spec_runs(const struct session_spec *spec)
{
	return spec && (spec->command || spec->application);
}

void session_spec_free(struct session_spec *spec)
{
	free(spec->user);
	free(spec->command);
	free(spec->application);
	free(spec->log_path);
	free(spec->logon_service);
	free(spec->logon_group);
	for (int i = 0; i < spec->nenv; i++)
		free(spec->env[i]);
	memset(spec, 0, sizeof(*spec));
}

static bool dup_string(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

int session_spec_copy(struct session_spec *dst, const struct session_spec *src)
{
	bool ok;

	session_spec_free(dst);
	if (!src)
		return 0;
	memcpy(dst->mode, src->mode, sizeof(dst->mode));
	dst->restart_max_s = src->restart_max_s;
	dst->greeter = src->greeter;
	ok = dup_string(&dst->user, src->user) && dup_string(&dst->command, src->command) &&
	     dup_string(&dst->application, src->application) &&
	     dup_string(&dst->log_path, src->log_path) &&
	     dup_string(&dst->logon_service, src->logon_service) &&
	     dup_string(&dst->logon_group, src->logon_group);
	for (int i = 0; ok && i < src->nenv && i < SESSION_SPEC_MAX_ENV; i++) {
		ok = dup_string(&dst->env[i], src->env[i]);
		dst->nenv = ok ? i + 1 : i;
	}
	if (!ok) {
		session_spec_free(dst);
		return -1;
	}
	return 0;
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool session_spec_equal(const struct session_spec *a, const struct session_spec *b)
{
	static const struct session_spec empty;

	a = a ? a : &empty;
	b = b ? b : &empty;
	if (!same_string(a->user, b->user) || !same_string(a->command, b->command) ||
	    !same_string(a->application, b->application) ||
	    !same_string(a->log_path, b->log_path) || strcmp(a->mode, b->mode) ||
	    !same_string(a->logon_service, b->logon_service) ||
	    !same_string(a->logon_group, b->logon_group) ||
	    a->restart_max_s != b->restart_max_s || a->greeter != b->greeter ||
	    a->nenv != b->nenv)
		return false;
	for (int i = 0; i < a->nenv; i++)
		if (!same_string(a->env[i], b->env[i]))
			return false;
	return true;
}

unsigned long long session_spec_digest(const struct session_spec *spec)
{
	static const struct session_spec empty;
	uint64_t h = FNV_START;

	spec = spec ? spec : &empty;
	h = fnv_text(h, spec->user);
	h = fnv_text(h, spec->command);
	h = fnv_text(h, spec->application);
	h = fnv_text(h, spec->log_path);
	h = fnv_text(h, spec->mode);
	h = fnv_bytes(h, &spec->restart_max_s, sizeof(spec->restart_max_s));
	if (spec->greeter)	/* as before greeters, for every other spec */
		h = fnv_text(h, "greeter");
	if (spec->logon_service)	/* likewise */
		h = fnv_text(h, spec->logon_service);
	if (spec->logon_group)	/* likewise */
		h = fnv_text(h, spec->logon_group);
	h = fnv_bytes(h, &spec->nenv, sizeof(spec->nenv));
	for (int i = 0; i < spec->nenv; i++)
		h = fnv_text(h, spec->env[i]);
	return h;
}
