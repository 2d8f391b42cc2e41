// SPDX-License-Identifier: MIT
/* control_rules: what a controller may send a station, judged event by
 * event; and seatmuxctl input's text, which carries them. */
#include <errno.h>
#include <linux/input-event-codes.h>

#include "control_rules.h"
#include "input_events.h"
#include "test.h"

static void test_keys_and_buttons(struct test_state *t)
{
	CHECK(t, control_event_classify(EV_KEY, KEY_A, 1) == CONTROL_KEY);
	CHECK(t, control_event_classify(EV_KEY, KEY_ESC, 0) == CONTROL_KEY);
	CHECK(t, control_event_classify(EV_KEY, KEY_MICMUTE, 1) == CONTROL_KEY);
	CHECK(t, control_event_classify(EV_KEY, KEY_MICMUTE + 1, 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_KEY, KEY_RESERVED, 1) == -EINVAL);
	/* The machine's own: power would end it for every station. */
	CHECK(t, control_event_classify(EV_KEY, KEY_POWER, 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_KEY, KEY_SLEEP, 0) == -EINVAL);
	CHECK(t, control_event_classify(EV_KEY, KEY_SUSPEND, 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_KEY, KEY_SYSRQ, 1) == CONTROL_KEY);	/* PrintScreen */
	CHECK(t, control_event_classify(EV_KEY, KEY_A, 2) == -EINVAL);	/* autorepeat */
	CHECK(t, control_event_classify(EV_KEY, KEY_A, -1) == -EINVAL);
	CHECK(t, control_event_classify(EV_KEY, BTN_LEFT, 1) == CONTROL_BUTTON);
	CHECK(t, control_event_classify(EV_KEY, BTN_EXTRA, 0) == CONTROL_BUTTON);
	CHECK(t, control_event_classify(EV_KEY, BTN_FORWARD, 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_KEY, BTN_TOUCH, 1) == -EINVAL);
}

static void test_pointer(struct test_state *t)
{
	CHECK(t, control_event_classify(EV_ABS, ABS_X, 0) == CONTROL_ABS_X);
	CHECK(t, control_event_classify(EV_ABS, ABS_Y, CONTROL_ABS_MAX) == CONTROL_ABS_Y);
	CHECK(t, control_event_classify(EV_ABS, ABS_X, CONTROL_ABS_MAX + 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_ABS, ABS_Y, -1) == -EINVAL);
	CHECK(t, control_event_classify(EV_ABS, ABS_PRESSURE, 5) == -EINVAL);
	CHECK(t, control_event_classify(EV_REL, REL_WHEEL, -3) == CONTROL_WHEEL);
	CHECK(t, control_event_classify(EV_REL, REL_HWHEEL, CONTROL_WHEEL_MAX) == CONTROL_HWHEEL);
	CHECK(t, control_event_classify(EV_REL, REL_WHEEL, 0) == -EINVAL);
	CHECK(t, control_event_classify(EV_REL, REL_WHEEL, CONTROL_WHEEL_MAX + 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_REL, REL_X, 5) == -EINVAL);	/* absolute only */
	CHECK(t, control_event_classify(EV_SYN, SYN_REPORT, 0) == CONTROL_SYN);
	CHECK(t, control_event_classify(EV_SYN, SYN_DROPPED, 0) == -EINVAL);
	CHECK(t, control_event_classify(EV_LED, LED_CAPSL, 1) == -EINVAL);
	CHECK(t, control_event_classify(EV_MSC, MSC_SCAN, 30) == -EINVAL);
}

static void test_text(struct test_state *t)
{
	struct input_events_event ev[3];

	CHECK(t, input_events_parse("1:30:1,1:30:0", ev, 3) == 2);
	CHECK(t, ev[0].type == 1 && ev[0].code == 30 && ev[0].value == 1 && ev[1].value == 0);
	CHECK(t, input_events_parse("2:8:-3", ev, 3) == 1 && ev[0].value == -3);
	CHECK(t, input_events_parse("3:0:65535,3:1:0,0:0:0", ev, 3) == 3);
	CHECK(t, input_events_parse("1:1:1,1:1:1,1:1:1,1:1:1", ev, 3) == -1);	/* too many */
	CHECK(t, input_events_parse("", ev, 3) == -1);
	CHECK(t, input_events_parse("1:30", ev, 3) == -1);
	CHECK(t, input_events_parse("1:30:1,", ev, 3) == -1);
	CHECK(t, input_events_parse("1:30:1 ", ev, 3) == -1);
	CHECK(t, input_events_parse(" 1:30:1", ev, 3) == -1);
	CHECK(t, input_events_parse("+1:30:1", ev, 3) == -1);
	CHECK(t, input_events_parse("65536:0:0", ev, 3) == -1);
	CHECK(t, input_events_parse("1:-1:0", ev, 3) == -1);
	CHECK(t, input_events_parse("1:1:2147483648", ev, 3) == -1);
	CHECK(t, input_events_parse("1:1:-2147483648", ev, 3) == 1 && ev[0].value == INT32_MIN);
	CHECK(t, input_events_parse("1:1:0000000000001", ev, 3) == -1);
	CHECK(t, input_events_parse("1:1:1;1:1:0", ev, 3) == -1);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_keys_and_buttons);
	RUN(&t, test_pointer);
	RUN(&t, test_text);
	return TEST_SUMMARY(&t);
}
