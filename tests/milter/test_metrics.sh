#!/bin/sh
# test_metrics.sh - smsmilter's own /metrics (MilterMetricsListen)
#
# Usage: tests/milter/test_metrics.sh [BUILD_DIR]
#
# smsmilter with MilterMetricsListen on loopback, driven by miltertest:
# the page before anything (version, no refusal, no commit), after a
# refused recipient (550 5.1.3 counted by code and status), after a
# mail texted (one commit timed), after the store goes bad (451 4.3.0
# and a store error); 404 elsewhere; a restart the way INSTALL says
# (kill, start at once) takes the address; an address held by another
# program makes smsmilter exit 71 naming it. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest is not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
pids=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/smsmilter-metrics.XXXXXX)
chmod 700 "$tmp"
printf 'metrics-test-secret-0123456789\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"
free() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
mport=$(free)
# conf NAME PORT: a configuration of its own on unix:$tmp/NAME.sock
conf() {
	cat >"$tmp/$1.conf" <<EOF
Socket unix:$tmp/$1.sock
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/$1.db
PidFile $tmp/$1.pid
WakeSocket $tmp/wake.sock
UserID $(id -un)
DefaultSender +12025550100
TrustedNetworks 127.0.0.1/32
AllowedSenders @example.com
MilterMetricsListen 127.0.0.1:$2
LogLevel debug
EOF
	chmod 600 "$tmp/$1.conf"
}
# start NAME: smsmilter -f on NAME.conf; its pid in $mpid
start() {
	: >>"$tmp/$1.log"
	"$BUILD/smsmilter" -f -c "$tmp/$1.conf" 2>>"$tmp/$1.log" &
	mpid=$!
	pids="$pids $mpid"
	wait_for grep -q "metrics on 127.0.0.1:" "$tmp/$1.log"
}
page() { curl -s "http://127.0.0.1:$mport/metrics"; }
has() { page | grep -qx "$1"; }
has_at() { curl -s -m 5 "http://127.0.0.1:$1/metrics" | grep -qx "$2"; }
# lua NAME BODY: a miltertest script run against SOCK
lua() {
	printf 'dofile(LIBDIR .. "/lib.lua")\nrun(function()\n%s\nend)\n' "$2" >"$tmp/$1.lua"
	miltertest -s "$tmp/$1.lua" -D LIBDIR="$here" -D SOCK="unix:$tmp/$3.sock" \
		-D LOG="$tmp/$3.log" -D DB="$tmp/$3.db" -D SMSCTL="$BUILD/smsctl" \
		-D CONF="$tmp/$3.conf" >"$tmp/$1.out" 2>&1
}

conf m "$mport"
check "config check takes MilterMetricsListen" sh -c \
	"'$BUILD/smsctl' config check '$tmp/m.conf' | grep -qx 'MilterMetricsListen 127.0.0.1:$mport'"
check "smsmilter says where its metrics are" start m
mainpid=$mpid
check "/metrics: the version" has "smsmilter_build_info{version=\"$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog")\"} 1"
check "... no commit yet" has "smsmilter_commit_seconds_count 0"
check "... a Prometheus content type" sh -c \
	"curl -s -D - -o /dev/null 'http://127.0.0.1:$mport/metrics' | grep -qi '^Content-Type: text/plain; version=0.0.4'"
check "anything but /metrics: 404" sh -c \
	"[ \"\$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$mport/')\" = 404 ]"

check "a refused recipient (miltertest)" lua refuse '
	local c = session("MET-1")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<1202555@sms.example.com>", SMFIR_REPLYCODE)' m
code=$(grep -o 'reject: RCPT from [^:]*: [0-9]* [0-9.]*' "$tmp/m.log" | head -1 | awk '{print $5 " " $6}')
check "... counted by its code and status ($code)" has \
	"smsmilter_refusals_total{code=\"${code% *}\",status=\"${code#* }\"} 1"
check "a mail texted (miltertest)" lua text '
	local c = session("MET-2")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550143@sms.example.com>", SMFIR_CONTINUE)
	local r = message(c, {{"From", "alice@example.com"}, {"Subject", "Hi"},
		{"Message-ID", "<met-2@example.com>"}}, "there\r\n")
	assert(mt.eom_check(c, MT_RCPTDELETE, "<12025550143@sms.example.com>"), "phone removed")' m
check "... one commit, timed" sh -c \
	"curl -s 'http://127.0.0.1:$mport/metrics' | grep -qx 'smsmilter_commit_seconds_count 1' &&
	 curl -s 'http://127.0.0.1:$mport/metrics' | grep -qx 'smsmilter_commit_seconds_bucket{le=\"+Inf\"} 1'"
check "... no store error" has "smsmilter_store_errors_total 0"
# a second smsmilter whose store goes bad before its first session
# (as tests/milter/run.sh: the milter's readers open on first use)
bport=$(free)
conf b "$bport"
start b
bpid=$mpid
rm -f "$tmp/b.db-wal" "$tmp/b.db-shm"
printf 'this is not a database, and it is long enough to tell\n%.0s' \
	1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 >"$tmp/b.db"
check "its store bad: 451 at RCPT (miltertest)" lua down '
	local c = session("MET-3")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550144@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("MET-3: reject: RCPT from 127.0.0.1: 451 4.3.0")' b
bpage() { curl -s "http://127.0.0.1:$bport/metrics" | grep -qx "$1"; }
check "... the 451 4.3.0 counted" bpage \
	'smsmilter_refusals_total{code="451",status="4.3.0"} 1'
check "... and a store error" bpage "smsmilter_store_errors_total 1"
stop_pids "$bpid"

# a slow client (a byte every 0.5 s, never ending its head: each read
# gets a byte in time) has the thread for 2 s at most, not for ever
python3 "$top/tests/gateway/slow.py" attack 127.0.0.1 "$mport" 127.0.0.1 1 0.5 \
	>"$tmp/slow.out" 2>&1 &
slow=$!
pids="$pids $slow"
sleep 1
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -m 6 -w '%{http_code}' "http://127.0.0.1:$mport/metrics")
ms=$((($(date +%s%N) - t0) / 1000000))
kill -TERM "$slow"
wait "$slow"
sed 's/^/# /' "$tmp/slow.out"
check "a scrape behind a slow client is answered ($code after $ms ms)" \
	sh -c "[ '$code' = 200 ] && [ $ms -lt 3500 ]"
life=$(sed -n 's/.*header tricklers lived at most \([0-9]*\.[0-9]\).*/\1/p' "$tmp/slow.out")
check "... the slow client cut off about 2 s after it came (${life:-?} s)" \
	sh -c "[ -n '$life' ] && awk 'BEGIN { exit !($life >= 1.5 && $life < 3.5) }'"

# out of descriptors (EMFILE) at accept(): the thread logs, waits and
# serves again once there are some. The milter's RLIMIT_NOFILE is
# lowered below what it has open (prlimit): the next accept() fails
# (Linux takes accept()'s descriptor before it waits: the scrape that
# meets the limit may still be answered, the one after cannot be); a
# scrape made then is answered once the limit is back.
eport=$(free)
conf e "$eport"
start e
epid=$mpid
nofile() {
	python3 -c 'import resource, sys
pid, lim = int(sys.argv[1]), resource.RLIMIT_NOFILE
soft, hard = resource.prlimit(pid, lim)
resource.prlimit(pid, lim, (int(sys.argv[2]) if sys.argv[2] != "hard" else hard, hard))' "$epid" "$1"
}
check "a scrape before" has_at "$eport" "smsmilter_store_errors_total 0"
nofile 3
# the scrape that meets it (answered or not, as the kernel has it)
curl -s -o /dev/null -m 2 "http://127.0.0.1:$eport/metrics" || true
check "... the next accept() fails: logged" \
	wait_for grep -q "metrics: accept: Too many open files; /metrics goes on" "$tmp/e.log"
curl -s -o "$tmp/e.page" -m 10 -w '%{http_code}' "http://127.0.0.1:$eport/metrics" >"$tmp/e.code" 2>&1 &
scrape=$!
pids="$pids $scrape"
sleep 1
nofile hard
wait "$scrape"
check "... and the scrape made meanwhile is answered once descriptors are back" \
	sh -c "[ \"\$(cat '$tmp/e.code')\" = 200 ] && grep -q '^smsmilter_build_info' '$tmp/e.page'"
check "... saying it accepts again" grep -q "metrics: accepting again, after [0-9]* failed accept()s" "$tmp/e.log"
check "... and the next one too" has_at "$eport" "smsmilter_store_errors_total 0"
stop_pids "$epid"

# a restart as INSTALL has it: the new one takes the address
old=$mainpid
kill -TERM "$old"
conf m2 "$mport"
check "restart (kill, start at once): the new smsmilter serves /metrics" start m2
check "... its own counts" has "smsmilter_commit_seconds_count 0"
stop_pids "$old" "$mpid"

# held by another program: exit 71, naming it
held=$(free)
python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("held", flush=True)
time.sleep(30)' "$held" >"$tmp/held.out" 2>&1 &
pids="$pids $!"
wait_for grep -q held "$tmp/held.out"
conf h "$held"
"$BUILD/smsmilter" -f -c "$tmp/h.conf" >"$tmp/h.log" 2>&1
st=$?
check "MilterMetricsListen in use: smsmilter exits 71 (exit $st)" test "$st" -eq 71
check "... naming the address and the reason" \
	grep -q "MilterMetricsListen 127.0.0.1:$held: cannot listen: Address already in use" "$tmp/h.log"

echo "1..$n"
[ "$failed" -eq 0 ]
