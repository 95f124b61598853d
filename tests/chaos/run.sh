#!/bin/sh
# run.sh - the fault-injection suite: every tests/chaos/case_*.sh
#
# Usage: sh tests/chaos/run.sh BUILD [--full] [CASE...]
#
# Each case starts the real peers it needs (Postfix, smsmilter, smsgw,
# the npm smpp SMSC, smtp-sink), does one harmful thing to them (a kill
# -9, a dropped link, a withheld answer, a resent PDU, a reused id, a
# refused mailbox...), and prints one line of counts:
#
#	chaos: case=NN name=WORD sent=S received=R lost=L duplicated=D
#
# "sent" is what went in (mails or texts from phones), "received" what
# came out at the far end (texts at the SMSC, mails at smtp-sink, or
# words to the sender), "lost" and "duplicated" what should be 0. Its
# TAP checks say what held. Without --full each case runs its short
# form (make check); with it, the long one (make chaos): 1,000 texts
# and kills of both daemons. CASE names a case by its number.
# CHAOS_JOBS cases run at once (2 by default).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run.sh BUILD [--full] [CASE...]}
shift
case $build in /*) ;; *) build=$top/$build ;; esac
CHAOS_FULL=
if [ "${1:-}" = "--full" ]; then
	CHAOS_FULL=1
	shift
fi
export CHAOS_FULL
# cases run CHAOS_JOBS at a time (2): they mostly wait on timers
jobs=${CHAOS_JOBS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
status=0
running=0
list=""
for f in "$top"/tests/chaos/case_*.sh; do
	[ -e "$f" ] || continue
	nn=${f##*/case_}
	nn=${nn%%_*}
	if [ $# -gt 0 ]; then
		want=
		for c in "$@"; do
			[ "$(printf '%02d' "$c" 2>/dev/null)" = "$nn" ] && want=1
		done
		[ -n "$want" ] || continue
	fi
	list="$list $nn"
	(
		sh "$f" "$build" >"$out/$nn.out" 2>&1
		echo $? >"$out/$nn.rc"
	) &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
for nn in $list; do
	echo "# chaos case $nn"
	cat "$out/$nn.out"
	if [ "$(cat "$out/$nn.rc")" != 0 ] || grep -q '^not ok' "$out/$nn.out"; then
		status=1
		echo "# chaos case $nn FAILED"
	fi
done
echo "# chaos summary"
for nn in $list; do
	grep '^chaos: ' "$out/$nn.out" | sed 's/^/# /'
	grep -q "^chaos: " "$out/$nn.out" || {
		echo "# chaos: case=$nn printed no counts"
		status=1
	}
done
exit $status
