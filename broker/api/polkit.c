// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "polkit.h"

/* CheckAuthorization's flags: the sender may be asked for a password. */
#define POLKIT_ALLOW_USER_INTERACTION 1u

struct polkit_call {
	sd_bus_message *m;
	const char *action;
	polkit_allowed_fn allowed;
	polkit_owner_fn owner;	/* polkit_check_own's, or NULL */
	void *data;
};

static void call_free(void *p)
{
	struct polkit_call *c = p;

	sd_bus_message_unref(c->m);
	free(c);
}

static int denied(sd_bus_message *m, const char *action)
{
	return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_ACCESS_DENIED,
					  "not authorized: %s", action);
}

static int sender_is_root(sd_bus_message *m)
{
	sd_bus_creds *creds = NULL;
	uid_t euid;
	int r;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &euid);
	sd_bus_creds_unref(creds);
	return r >= 0 && euid == 0;
}

static int run_allowed(struct polkit_call *c)
{
	if (c->allowed(c->m, c->data) < 0)
		return sd_bus_reply_method_errorf(c->m, SD_BUS_ERROR_FAILED, "%s failed",
						  c->action);
	return 0;
}

static int on_reply(sd_bus_message *reply, void *p, sd_bus_error *ret_error)
{
	struct polkit_call *c = p;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	int authorized = 0, challenge = 0;

	if (e) {
		/* Without polkit root may still act (a rescue); nobody else. */
		if (sender_is_root(c->m))
			return run_allowed(c);
		log_warn("polkit: cannot ask about %s: %s", c->action, e->message);
		return sd_bus_reply_method_errorf(c->m, SD_BUS_ERROR_ACCESS_DENIED,
						  "not authorized: %s (polkit: %s)", c->action,
						  e->message);
	}
	/* (bba{ss}): is_authorized, is_challenge, details. */
	if (sd_bus_message_enter_container(reply, 'r', "bba{ss}") < 0 ||
	    sd_bus_message_read(reply, "bb", &authorized, &challenge) < 0) {
		log_warn("polkit: an answer about %s that does not parse", c->action);
		return denied(c->m, c->action);
	}
	if (!authorized)
		return denied(c->m, c->action);
	return run_allowed(c);
}

/* An asynchronous call about c was made (r: its result): c is freed with
 * its slot, once answered or the bus gone; 1 (answered later) or r. */
static int handed_to(sd_bus_slot *slot, struct polkit_call *c, int r)
{
	if (r < 0) {
		call_free(c);
		return r;
	}
	sd_bus_slot_set_destroy_callback(slot, call_free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
	return 1;
}

/* Asks polkit about c; c is the slot's from now on. */
static int ask(struct polkit_call *c)
{
	sd_bus *bus = sd_bus_message_get_bus(c->m);
	sd_bus_slot *slot = NULL;
	uint32_t flags = 0;
	int r;

	/* root too is asked: polkit allows it without a round trip of
	 * ours to the bus daemon (a synchronous one, in seatmuxd's loop). */
	if (sd_bus_message_get_allow_interactive_authorization(c->m))
		flags |= POLKIT_ALLOW_USER_INTERACTION;
	r = sd_bus_call_method_async(bus, &slot, "org.freedesktop.PolicyKit1",
				     "/org/freedesktop/PolicyKit1/Authority",
				     "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization",
				     on_reply, c, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name",
				     "s", sd_bus_message_get_sender(c->m), c->action, 0, flags, "");
	return handed_to(slot, c, r);
}

static struct polkit_call *call_new(sd_bus_message *m, const char *action,
				    polkit_allowed_fn allowed, void *data)
{
	struct polkit_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->m = sd_bus_message_ref(m);
	c->action = action;
	c->allowed = allowed;
	c->data = data;
	return c;
}

int polkit_check(sd_bus_message *m, const char *action, polkit_allowed_fn allowed, void *data)
{
	struct polkit_call *c = call_new(m, action, allowed, data);

	return c ? ask(c) : -ENOMEM;
}

/* The bus daemon said who the sender is: the owner still, or polkit's
 * word (asked with a copy of the call: the slot frees this one). */
static int on_sender_uid(sd_bus_message *reply, void *p, sd_bus_error *ret_error)
{
	struct polkit_call *c = p, *next;
	uint32_t uid;

	if (!sd_bus_message_is_method_error(reply, NULL) &&
	    sd_bus_message_read(reply, "u", &uid) >= 0 && uid != (uint32_t)-1 &&
	    (uid_t)uid == c->owner(c->m, c->data))
		return run_allowed(c);
	next = call_new(c->m, c->action, c->allowed, c->data);
	if (!next || ask(next) < 0)
		return sd_bus_reply_method_errorf(c->m, SD_BUS_ERROR_FAILED,
						  "cannot ask about %s", c->action);
	return 0;
}

int polkit_check_own(sd_bus_message *m, const char *action, polkit_owner_fn owner,
		     polkit_allowed_fn allowed, void *data)
{
	sd_bus_slot *slot = NULL;
	struct polkit_call *c;
	int r;

	if (owner(m, data) == (uid_t)-1)
		return polkit_check(m, action, allowed, data);
	c = call_new(m, action, allowed, data);
	if (!c)
		return -ENOMEM;
	c->owner = owner;
	r = sd_bus_call_method_async(sd_bus_message_get_bus(m), &slot, "org.freedesktop.DBus",
				     "/org/freedesktop/DBus", "org.freedesktop.DBus",
				     "GetConnectionUnixUser", on_sender_uid, c, "s",
				     sd_bus_message_get_sender(m));
	return handed_to(slot, c, r);
}
