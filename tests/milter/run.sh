#!/bin/sh
# run.sh - smsmilter through the milter protocol, with miltertest
#
# Usage: tests/milter/run.sh BUILD_DIR
# Starts smsmilter on a unix socket in a temporary directory with a
# store that has contacts, groups and an opt-out, runs every
# tests/milter/*.lua with miltertest against it, then a second
# instance whose store goes bad (451 4.3.0). Prints TAP; appends its
# tally to $CHECK_TALLY when set. Every process it starts is stopped by
# pid, also when it fails or is interrupted.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "$BUILD" && pwd)
n=0 passed=0 failed=0 skipped=0
pids=""

. "$top/tests/procs.sh"
finish() {
	# shellcheck disable=SC2086
	stop_pids $pids
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
	if [ -n "${CHECK_TALLY:-}" ]; then
		echo "$passed $failed $skipped" >>"$CHECK_TALLY"
	fi
}
trap finish EXIT
trap 'exit 1' INT TERM

ok() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
}

if ! command -v miltertest >/dev/null 2>&1; then
	n=1 skipped=1
	echo "ok 1 # SKIP miltertest is not installed (apt-get install miltertest)"
	exit 0
fi

tmp=$(mktemp -d /tmp/smsmilter-mt.XXXXXX)
chmod 700 "$tmp"
printf 'milter-test-secret-0123456789\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"

# write_conf FILE SOCKET DB: the configuration the scripts expect
write_conf() {
	cat >"$1" <<EOF
Socket $2
SmsDomains sms.example.com, txt.example.com
TagSecretFile $tmp/tag.secret
Database $3
PidFile $tmp/$(basename "$1" .conf).pid
WakeSocket $tmp/wake.sock
UserID $(id -un)
DefaultSender +12025550100
TrustedNetworks 127.0.0.1/32, ::1/128
AllowedSenders @example.com, @partner.example
AuthservId mail.example.com
DmarcDomains partner.example
OwnerAliases a.smith@example.com=alice@example.com
AllowedCountries US, CA, GB
DeniedAreaCodes 684
TagFailureLimit 3/1h
TagFailureClientLimit 5/1h
SenderLogins support@example.com=alice, @partner.example=carol
RecipientRateLimit 3/1h
MonthlySegmentQuota 1000
LongMessagePolicy reject
SegmentCap 3
MaxMessageSize 4k
LogLevel debug
EOF
	chmod 600 "$1"
}

# start NAME CONF: smsmilter in the foreground, logging to $tmp/NAME.log
start() {
	"$BUILD/smsmilter" -f -c "$2" 2>"$tmp/$1.log" &
	pid=$!
	pids="$pids $pid"
	sock=$(sed -n 's/^Socket unix://p' "$2")
	i=0
	# ready when its store is open too ("listening on"), not only when
	# the socket is there: the socket comes before the privilege drop
	while ! grep -q 'listening on' "$tmp/$1.log" && [ $i -lt 50 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$sock" ] && grep -q 'listening on' "$tmp/$1.log"
}

conf=$tmp/main.conf
write_conf "$conf" "unix:$tmp/main.sock" "$tmp/store.db"
ctl() { "$BUILD/smsctl" -c "$conf" "$@" >/dev/null; }
ctl contacts add carol +12025550151 &&
	ctl contacts add dave +12025550161 &&
	ctl contacts add stopped +12025550199 &&
	ctl groups add oncall +12025550141 +12025550142 dave stopped &&
	ctl groups add emptygroup &&
	ctl optout add +12025550199 STOP &&
	sqlite3 "$tmp/store.db" "INSERT INTO usage VALUES
	    ('quota@example.com', strftime('%Y-%m', 'now'), 50, 999)" ||
	{ not_ok "store set-up with smsctl"; exit 1; }

if start main "$conf"; then
	ok "smsmilter listens on $tmp/main.sock"
else
	not_ok "smsmilter did not start"
	sed 's/^/    /' "$tmp/main.log"
	exit 1
fi

for script in "$here"/*.lua; do
	name=$(basename "$script" .lua)
	[ "$name" = lib ] && continue
	out=$(miltertest -s "$script" -D LIBDIR="$here" \
		-D SOCK="unix:$tmp/main.sock" -D LOG="$tmp/main.log" \
		-D DB="$tmp/store.db" -D SMSCTL="$BUILD/smsctl" \
		-D CONF="$conf" 2>&1)
	if [ $? -eq 0 ]; then
		ok "miltertest $name"
	else
		not_ok "miltertest $name"
		echo "$out" | sed 's/^/    /'
		tail -15 "$tmp/main.log" | sed 's/^/    log: /'
	fi
done

# SIGHUP: a bad configuration is refused and the old one kept; a good
# one is loaded
mainpid=$(cat "$tmp/main.pid")
cp "$conf" "$tmp/good.conf"
echo "SegmentCap lots" >>"$conf"
kill -HUP "$mainpid"
sleep 0.5
if grep -q "reload: $conf refused, the old configuration stays" \
	"$tmp/main.log" && kill -0 "$mainpid"; then
	ok "SIGHUP with a bad configuration keeps the old one"
else
	not_ok "SIGHUP with a bad configuration keeps the old one"
fi
cp "$tmp/good.conf" "$conf"
kill -HUP "$mainpid"
sleep 0.5
if grep -q "reload: $conf loaded" "$tmp/main.log" && kill -0 "$mainpid"; then
	ok "SIGHUP loads a good configuration"
else
	not_ok "SIGHUP loads a good configuration"
fi

# a store that goes bad under a running milter: 451 4.3.0
conf2=$tmp/bad.conf
write_conf "$conf2" "unix:$tmp/bad.sock" "$tmp/bad.db"
if start bad "$conf2"; then
	# the milter holds its write connection; readers open on first use
	rm -f "$tmp/bad.db-wal" "$tmp/bad.db-shm"
	printf 'this is not a database, and it is long enough to tell\n%.0s' \
		1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \
		>"$tmp/bad.db"
	cat >"$tmp/store_down.lua" <<'EOF'
dofile(LIBDIR .. "/lib.lua")
run(function()
	local c = session("STORE-DOWN")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550261@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("STORE-DOWN: reject: RCPT from 127.0.0.1: 451 4.3.0 the text queue is not available; try again later")
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
end)
EOF
	if out=$(miltertest -s "$tmp/store_down.lua" -D LIBDIR="$here" \
		-D SOCK="unix:$tmp/bad.sock" -D LOG="$tmp/bad.log" \
		-D DB="$tmp/bad.db" -D SMSCTL="$BUILD/smsctl" \
		-D CONF="$conf2" 2>&1); then
		ok "store unreachable: 451 4.3.0"
	else
		not_ok "store unreachable: 451 4.3.0"
		echo "$out" | sed 's/^/    /'
		tail -5 "$tmp/bad.log" | sed 's/^/    log: /'
	fi
else
	not_ok "second smsmilter did not start"
fi

# memory: one 9.5 MB mail to a phone costs smsmilter at most three
# times its size and a constant (16 MiB) over what it held before, in
# VmHWM, its peak resident memory: a fresh instance per kind of mail (a
# long text body; a short text and a large attachment), the mail sent
# as Postfix sends it (tests/milter/milter_send.py). Not under the
# sanitizers, whose allocator keeps what is freed.
mem_check() {
	kind=$1
	mconf=$tmp/mem-$kind.conf
	write_conf "$mconf" "unix:$tmp/mem-$kind.sock" "$tmp/mem-$kind.db"
	sed -i 's/^MaxMessageSize .*/MaxMessageSize 10M/;
		s/^LongMessagePolicy .*/LongMessagePolicy truncate/;
		s/^RecipientRateLimit .*/RecipientRateLimit 0\/1h/;
		s/^LogLevel .*/LogLevel info/' "$mconf"
	python3 "$here/milter_send.py" --make-mail "$tmp/mem-$kind.eml" 9.5 "$kind"
	size=$(($(wc -c <"$tmp/mem-$kind.eml") / 1024))
	if ! start "mem-$kind" "$mconf"; then
		not_ok "memory ($kind): smsmilter did not start"
		return
	fi
	mpid=$pid
	base=$(awk '/^VmHWM/ { print $2 }' "/proc/$mpid/status")
	out=$(python3 "$here/milter_send.py" "unix:$tmp/mem-$kind.sock" \
		"$tmp/mem-$kind.eml" 12025550231@sms.example.com 2>&1)
	peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$mpid/status")
	stop_pids "$mpid"
	rm -f "$tmp/mem-$kind.eml"
	limit=$((3 * size + 16384))
	if [ "$out" = "d -" ] && [ $((peak - base)) -le "$limit" ]; then
		ok "memory ($kind): a $size kB mail took $((peak - base)) kB (at most $limit)"
	else
		not_ok "memory ($kind): a $size kB mail took $((peak - base)) kB (at most $limit); reply: $out"
		tail -5 "$tmp/mem-$kind.log" | sed 's/^/    log: /'
	fi
}
if ldd "$BUILD/smsmilter" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	n=$((n + 1)) skipped=$((skipped + 1))
	echo "ok $n # SKIP memory bound: a sanitizer build"
else
	mem_check text
	mem_check attach
fi

# SIGTERM: the milter stops, removing its pid file
kill -TERM "$mainpid"
i=0
while kill -0 "$mainpid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! kill -0 "$mainpid" 2>/dev/null && [ ! -e "$tmp/main.pid" ] &&
	grep -q "stopped" "$tmp/main.log"; then
	ok "SIGTERM stops smsmilter and removes its pid file"
else
	not_ok "SIGTERM stops smsmilter and removes its pid file"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
