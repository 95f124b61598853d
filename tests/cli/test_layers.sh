#!/bin/sh
# test_layers.sh - the modules include only what is below them
#
# The layers, lowest first (DESIGN.md): util, sms, conf, mailparse,
# store, policy; transport beside policy (it needs nothing of ours);
# then the programs milter, gateway and tools, which never include
# each other. Every #include "dir/..." in a module's .c and .h files
# must name the module itself or one below it. Prints TAP; appends its
# tally to $CHECK_TALLY when set.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0 passed=0 failed=0

# below MODULE: the modules MODULE may include
below() {
	case $1 in
	util) echo "" ;;
	sms) echo "util" ;;
	conf) echo "util sms" ;;
	mailparse) echo "util sms conf" ;;
	store) echo "util sms conf mailparse" ;;
	policy) echo "util sms conf mailparse store" ;;
	transport) echo "util" ;;
	milter | gateway | tools) echo "util sms conf mailparse store policy transport" ;;
	esac
}

# upward ROOT MODULE: MODULE's includes under ROOT that are not below it
upward() {
	for f in "$1/$2"/*.c "$1/$2"/*.h; do
		[ -f "$f" ] || continue
		for dep in $(sed -n 's|^#include "\([a-z_]*\)/.*|\1|p' "$f" | sort -u); do
			[ "$dep" = "$2" ] && continue
			case " $(below "$2") " in
			*" $dep "*) ;;
			*) printf ' %s->%s' "${f#"$1"/}" "$dep" ;;
			esac
		done
	done
}

for m in util sms conf mailparse store policy transport milter gateway tools; do
	n=$((n + 1))
	bad=$(upward . "$m")
	if [ -z "$bad" ]; then
		passed=$((passed + 1))
		echo "ok $n - $m includes only $(below "$m" | tr ' ' ',' | sed 's/^$/nothing of ours/') below it"
	else
		failed=$((failed + 1))
		echo "not ok $n - $m includes upwards or sideways:$bad"
	fi
done
# third parties stay in their rooms (STYLE.md): sqlite3 in store/,
# gmime in mailparse/, libmilter in milter/, libsmpp34 and curl in
# transport/, libmicrohttpd, libetpan and gnutls in gateway/
# alien ROOT: "file:header" for each third-party header outside its room
alien() {
	for f in $(cd "$1" && ls util/* sms/* conf/* mailparse/* store/* \
		policy/* transport/* milter/* gateway/* tools/* 2>/dev/null |
		grep '\.[ch]$'); do
		dir=${f%%/*}
		sed -n 's|^#include <\([^>]*\)>.*|\1|p' "$1/$f" | while read -r h; do
			case "$h" in
			sqlite3.h) room=store ;;
			gmime/*) room=mailparse ;;
			libmilter/*) room=milter ;;
			smpp34*.h | curl/*) room=transport ;;
			microhttpd.h | libetpan/* | gnutls/*) room=gateway ;;
			*) continue ;;
			esac
			[ "$dir" = "$room" ] || printf ' %s:%s' "$f" "$h"
		done
	done
}
n=$((n + 1))
bad=$(alien .)
if [ -z "$bad" ]; then
	passed=$((passed + 1))
	echo "ok $n - third-party headers only in their modules"
else
	failed=$((failed + 1))
	echo "not ok $n - third-party headers outside their modules:$bad"
fi

# the check can fail: a gateway including the milter, a store
# including the policy module
n=$((n + 1))
tmp=$(mktemp -d)
mkdir "$tmp/gateway" "$tmp/store"
printf '#include "store/store.h"\n#include "milter/milter_int.h"\n#include <sqlite3.h>\n' >"$tmp/gateway/x.c"
printf '#include "policy/policy.h"\n#include <sqlite3.h>\n' >"$tmp/store/y.h"
got="$(upward "$tmp" gateway)|$(upward "$tmp" store)|$(alien "$tmp")"
rm -rf "$tmp"
if [ "$got" = " gateway/x.c->milter| store/y.h->policy| gateway/x.c:sqlite3.h" ]; then
	passed=$((passed + 1))
	echo "ok $n - includes of milter/ from gateway/, policy/ from store/ and sqlite3 from gateway/ are caught"
else
	failed=$((failed + 1))
	echo "not ok $n - a planted upward include was not caught: $got"
fi

echo "1..$n"
if [ -n "${CHECK_TALLY:-}" ]; then
	echo "$passed $failed 0" >>"$CHECK_TALLY"
fi
[ "$failed" -eq 0 ]
