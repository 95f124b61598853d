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
TextableShortCodes 32666
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

# served LOG: a transaction through the socket works (accepted at DATA)
cat >"$tmp/served.lua" <<'EOF'
dofile(LIBDIR .. "/lib.lua")
run(function()
	local c = session("SERVED")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	assert(mt.data(c) == nil)
	assert(mt.getreply(c) == SMFIR_ACCEPT, "DATA not accepted")
	mt.disconnect(c)
end)
EOF
served() {
	miltertest -s "$tmp/served.lua" -D LIBDIR="$here" \
		-D SOCK="unix:$tmp/main.sock" -D LOG="$1" -D DB="$tmp/store.db" \
		>"$tmp/served.out" 2>&1
}

# a second smsmilter with the same configuration refuses, clearly, and
# the first keeps serving
"$BUILD/smsmilter" -f -c "$conf" 2>"$tmp/second.log" &
second=$!
pids="$pids $second"
i=0
while kill -0 "$second" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
rc=running
if ! kill -0 "$second" 2>/dev/null; then
	wait "$second" 2>/dev/null
	rc=$?
fi
if [ "$rc" = 75 ] &&
	grep -q "smsmilter: already running as pid $mainpid (pid file $tmp/main.pid)" \
		"$tmp/second.log" &&
	kill -0 "$mainpid" && [ "$(cat "$tmp/main.pid")" = "$mainpid" ] &&
	served "$tmp/main.log"; then
	ok "a second smsmilter refuses (already running as pid $mainpid); the first keeps serving"
else
	not_ok "a second smsmilter refuses; the first keeps serving (exit $rc)"
	sed 's/^/    /' "$tmp/second.log" "$tmp/served.out" 2>/dev/null
	# one milter again for what follows
	stop_pids "$second" "$mainpid"
	start main "$conf"
	mainpid=$(cat "$tmp/main.pid")
fi

# A restart the way INSTALL has it without systemd (kill, start at once)
# while a session sits idle after MAIL, RCPT and an RSET that sends the
# milter nothing (as Sendmail does): the new smsmilter starts while the
# old one finishes, the old one neither holds the stop for the idle
# session nor takes the socket or pid file with it, and the socket
# answers throughout (a probe connects every 20 ms).
cat >"$tmp/idle.lua" <<'EOF'
dofile(LIBDIR .. "/lib.lua")
run(function()
	local c = session("IDLE-RSET")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550171@sms.example.com>", SMFIR_CONTINUE)
	mt.sleep(40)
end)
EOF
miltertest -s "$tmp/idle.lua" -D LIBDIR="$here" -D SOCK="unix:$tmp/main.sock" \
	-D LOG="$tmp/main.log" -D DB="$tmp/store.db" >/dev/null 2>&1 &
idle=$!
pids="$pids $idle"
cat >"$tmp/probe.py" <<'EOF'
import os, socket, sys, time
ok = bad = 0
while not os.path.exists(sys.argv[2]):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sys.argv[1])
        ok += 1
    except OSError:
        bad += 1
    s.close()
    time.sleep(0.02)
print(ok, bad)
EOF
python3 "$tmp/probe.py" "$tmp/main.sock" "$tmp/probe.stop" >"$tmp/probe.out" 2>&1 &
probe=$!
pids="$pids $probe"
sleep 1
t0=$(date +%s%N)
kill -TERM "$mainpid"
newpid=
if start main2 "$conf"; then
	newpid=$(cat "$tmp/main.pid")
fi
i=0
while kill -0 "$mainpid" 2>/dev/null && [ $i -lt 400 ]; do
	sleep 0.1
	i=$((i + 1))
done
t1=$(date +%s%N)
took_ms=$(((t1 - t0) / 1000000))
sleep 0.5
touch "$tmp/probe.stop"
wait "$probe"
read -r probe_ok probe_bad <"$tmp/probe.out" || probe_bad=x
echo "# restart: the old smsmilter left ${took_ms} ms after SIGTERM;" \
	"socket probes: ${probe_ok:-0} answered, $probe_bad refused"
if ! kill -0 "$mainpid" 2>/dev/null && [ "$took_ms" -lt 6000 ]; then
	ok "SIGTERM with a session idle after RSET: the old smsmilter leaves in ${took_ms} ms"
else
	not_ok "SIGTERM with a session idle after RSET: the old smsmilter leaves in ${took_ms} ms"
fi
if [ -n "$newpid" ] && [ "$newpid" != "$mainpid" ] && kill -0 "$newpid" &&
	[ "$(cat "$tmp/main.pid" 2>/dev/null)" = "$newpid" ] &&
	[ -S "$tmp/main.sock" ] && served "$tmp/main2.log"; then
	ok "restart: the new smsmilter keeps its socket and pid file after the old one exits"
else
	not_ok "restart: the new smsmilter keeps its socket and pid file after the old one exits"
	tail -n 5 "$tmp/main.log" "$tmp/main2.log" | sed 's/^/    /'
	sed 's/^/    /' "$tmp/served.out"
fi
if [ "$probe_bad" = 0 ]; then
	ok "restart: the socket answered throughout ($probe_ok connections)"
else
	not_ok "restart: the socket refused $probe_bad of $((probe_ok + probe_bad)) connections"
fi
kill "$idle" 2>/dev/null
if [ -n "$newpid" ]; then
	mainpid=$newpid
	pids="$pids $newpid"
fi

# memory: one 9.5 MB mail to a phone costs smsmilter at most three
# times its size and a constant (16 MiB) over what it held before, in
# VmHWM, its peak resident memory: a fresh instance per kind of mail (a
# long text body; a short text and a large attachment; a body of
# one-character lines; decomposed accents, which NFC composes), the
# mail sent as Postfix sends it (tests/milter/milter_send.py). Not
# under the sanitizers, whose allocator keeps what is freed.
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
	mem_check lines
	mem_check nfd
fi

# SIGTERM: the milter stops, removing its pid file and its socket
kill -TERM "$mainpid"
i=0
while kill -0 "$mainpid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! kill -0 "$mainpid" 2>/dev/null && [ ! -e "$tmp/main.pid" ] &&
	[ ! -e "$tmp/main.sock" ] && grep -q "stopped" "$tmp/main2.log"; then
	ok "SIGTERM stops smsmilter and removes its pid file and socket"
else
	not_ok "SIGTERM stops smsmilter and removes its pid file and socket"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
