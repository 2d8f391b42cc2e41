#!/bin/sh
# SPDX-License-Identifier: MIT
# Started with the first units of a test boot: if the agent
# (seatmux-test-agent.service) has not said it is ready after a boot's
# usual time several times over, prints what the boot is waiting for to
# the console, where the harness keeps it. Quiet otherwise.

console=/dev/ttyS0

# Each probe is bounded: what hangs the boot may hang it too.
probe() {
	echo "== $*"
	timeout -s KILL 10 "$@" 2>&1 | tail -n 60
}

report() {
	echo "@@SEATMUX-BOOTWATCH: no agent after $(cut -d' ' -f1 /proc/uptime) s of uptime"
	probe systemctl list-jobs --no-pager
	probe systemctl --failed --no-pager
	probe journalctl -b --no-pager -o short-monotonic
	probe dmesg
	echo "== tasks not running or sleeping (pid state wchan command)"
	for d in /proc/[0-9]*; do
		s=$(sed -n 's/^State:\t\([A-Z]\).*/\1/p' "$d/status" 2>/dev/null)
		case $s in R|S|I|"") continue ;; esac
		printf '%s %s %s %s\n' "${d#/proc/}" "$s" "$(cat "$d/wchan" 2>/dev/null)" \
			"$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null | cut -c1-100)"
	done
}

for at in 45 105; do
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$at" ]; do
		[ -e /run/seatmux-test/ready ] && exit 0
		sleep 1
	done
	[ -e /run/seatmux-test/ready ] && exit 0
	report >"$console" 2>&1
done
