#!/bin/sh
# SPDX-License-Identifier: MIT
# Test control agent: a root command loop on the second serial port.
#
# Protocol (one request per line, host -> guest):
#     <token> <timeout-seconds> <base64 of a shell script>
# Reply (guest -> host): the script's combined stdout/stderr, a newline if
# the output did not end with one, then
#     @@SEATMUX-DONE <token> <exit status>
# The script travels base64-encoded so that quotes, newlines and control
# characters survive the tty untouched; the token comes from the host so
# the end marker cannot be confused with a previous command's output.
# The timeout is enforced here (SIGKILL, status 137) so that a hung command
# cannot leave host and guest out of step.
#
# Output goes to a file first, not a pipe: a command that leaves a
# background process behind would otherwise keep the pipe open forever.

tty=/dev/ttyS1
work=/run/seatmux-test
mkdir -p "$work"

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
cd /

# Raw and silent: no echo, no CR/LF translation, no flow control, so bytes
# arrive at the host exactly as the command wrote them.
stty -F "$tty" raw -echo -ixon -ixoff || exit 1

exec <"$tty" >"$tty" 2>&1

echo "@@SEATMUX-AGENT-READY"
echo "SEATMUX-AGENT-READY" >/dev/ttyS0
: >"$work/ready"		# bootwatch.sh: the boot got here

set -f  # the request words are split below: never glob them
while IFS= read -r line; do
	set -- $line
	[ $# -eq 0 ] && continue
	[ $# -eq 3 ] || { echo "@@SEATMUX-DONE ${1:-?} 254"; continue; }
	token=$1 limit=$2
	printf '%s' "$3" | base64 -d >"$work/cmd" 2>/dev/null ||
		{ echo "@@SEATMUX-DONE $token 253"; continue; }
	timeout -s KILL "$limit" sh "$work/cmd" </dev/null >"$work/out" 2>&1
	rc=$?
	cat "$work/out"
	# $(...) drops a trailing newline, so this is empty iff the output
	# is empty or already ends with one.
	[ -n "$(tail -c 1 "$work/out")" ] && echo
	echo "@@SEATMUX-DONE $token $rc"
	rm -f "$work/out" "$work/cmd"
done
