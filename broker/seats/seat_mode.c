#include <errno.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "seat_attach.h"
#include "seat_mode.h"
#include "seats.h"
#include "spawn.h"

static int settle_run(void *arg)
{
	execl("/usr/bin/udevadm", "udevadm", "settle", "--timeout=60", (char *)NULL);
	return 127;
}

/* udev moved every device: seat0's compositor, started again, finds
 * the heads seat0 has now (its own udev enumeration agrees). */
static void settled(void *data, pid_t pid, int status)
{
	struct broker *b = data;

	b->mode_settle = NULL;
	log_info("seat0: its session starts again on the heads it has now");
	seats_log_off(b, "seat0");
}

bool seats_console_mode(void)
{
	return seat_console_mode(SEAT_ATTACH_RULES_DIR);
}

int seats_set_console(struct broker *b, bool console)
{
	const struct spawn sp = { .nfds = -1, .run = settle_run };
	int rc = seat_console_write(SEAT_ATTACH_RULES_DIR, console);

	if (rc < 0)
		return rc;
	rc = seat_console_announce();
	if (rc < 0) {
		/* udev would apply it at some later event, device by device:
		 * nothing changes rather than half of it. */
		seat_console_write(SEAT_ATTACH_RULES_DIR, !console);
		return rc;
	}
	log_info(console ? "console mode: seat0 takes every head of the machine's own" :
			   "station mode: every head a station");
	/* A settle under way waits for these events too: one restart. */
	if (b->mode_settle)
		return 0;
	b->mode_settle = spawn_child(b->loop, &sp, settled, b);
	if (!b->mode_settle) {
		log_warn("udevadm settle: %m: seat0's session starts again now");
		seats_log_off(b, "seat0");
	}
	return 0;
}
