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
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT INT TERM
status=0
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
	echo "# chaos case $nn: ${f##*/}"
	out=$(sh "$f" "$build" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	printf '%s\n' "$out" | grep '^chaos: ' >>"$summary"
	if [ $rc -ne 0 ] || printf '%s\n' "$out" | grep -q '^not ok'; then
		status=1
		echo "# chaos case $nn FAILED"
	fi
done
echo "# chaos summary"
sed 's/^/# /' "$summary"
exit $status
