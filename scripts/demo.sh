#!/bin/sh
# demo.sh - make demo: what smsmilter does today, on examples
#
# Until the milter and gateway land, the main job is the SMS codec: it
# shows how texts are sent and what they cost. Exits non-zero if any
# step did not give what it should.
#
# Usage: scripts/demo.sh BUILD_DIR
set -u
O=${1:-build}
SMSCTL="$O/smsctl"
failed=0

step() {
	title=$1 want=$2
	shift 2
	echo
	echo "== $title"
	echo "\$ smsctl $*" | cut -c1-100
	out=$("$SMSCTL" "$@" 2>&1)
	echo "$out"
	if ! printf '%s\n' "$out" | grep -Eq -- "$want"; then
		echo "demo: expected /$want/" >&2
		failed=1
	fi
}

seed="Hi John, good morning! I sent you a pre-arrival email this morning with everything you need to know about Beach Bungalow cottage. Please read that thoroughly and let me know if you have any questions! "

step "A 201-character text in the GSM alphabet: 2 segments" \
	'^segments: 2$' segments "$seed"
step "The same with a coffee emoji: UCS-2, 4 segments" \
	'^segments: 4$' segments "$seed☕️"
step "Typographic quotes from a mail client: smart encoding keeps GSM-7" \
	'^encoding: GSM-7$' segments "Don’t forget: the “usual” place — 7pm…"
step "Accents: ñ à ö are GSM, á is not" \
	'forced UCS-2: U\+00E1 "á" at byte [0-9]+$' segments "Señor, ¿mañana à la Kölsch-Bar? ¡Está bien!"
step "Invalid UTF-8 is refused with the byte offset" \
	'invalid UTF-8 at byte 3' segments "$(printf 'abc\377')"

echo
if [ "$failed" -ne 0 ]; then
	echo "demo: FAILED"
	exit 1
fi
echo "demo: ok"
