#!/bin/sh
# mo.sh - texts from phones turned into mail (smsgw) or into get-url
# requests (Kannel), from one flood of deliver_sm by the same SMSC
#
# Usage: bench/mo.sh BUILD_DIR
# The SMSC is tests/smsc/smsc.js (npm smpp); its mo_flood control sends
# BENCH_MO_TEXTS texts (default 2000) as fast as the ESME answers, at
# most BENCH_MO_WINDOW (default 10) unanswered at a time, from 1000
# numbers, each text different. smsgw (SMPP transceiver, its defaults:
# DatabaseSync full) keeps each durably in its inbox and answers it; its
# inbox thread composes the mail and queues it in the store, and its
# mail threads submit it to smtp-sink, which appends each mail to one
# file (-D; a file of its own per mail, -d, cost smtp-sink more than
# smsgw spent on the text); its rate is the texts over the time from the first deliver_sm
# to the last mail smtp-sink wrote. Kannel (bearerbox with an SMPP
# transceiver link and its store, store-type file, as api.sh has it;
# smsbox with an sms-service whose get-url is a small HTTP counter that
# appends a line to one file, no reply) likewise to the last get-url
# request. Prints bench: mo_to_mail_smsgw, mo_to_mail_kannel (texts/s)
# and ratio: mo_to_mail_vs_kannel; and mo_answered_smsgw, _kannel: the
# rate at which each answered the deliver_sm (smsgw after its inbox's
# commit, synced; Kannel's bearerbox once the text is in its store
# file, unsynced);
# and mo_cpu_smsgw: the CPU time smsgw spent (user and system, from
# /proc/PID/stat) per text, a figure the other loads of a shared machine
# change less than the rates.
# Each side runs BENCH_ROUNDS times (default 3), interleaved, each round
# with a fresh store, smtp-sink and SMSC (for Kannel: a fresh bearerbox,
# smsbox, store and SMSC), and its best round counts, as in api.sh.
# Stops what it starts by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
N=${BENCH_MO_TEXTS:-2000}
W=${BENCH_MO_WINDOW:-10}
rounds=${BENCH_ROUNDS:-3}

if [ ! -d "$top/tests/smsc/node_modules/smpp" ] ||
	! command -v smtp-sink >/dev/null 2>&1; then
	echo "bench: mo skipped: npm smpp or smtp-sink missing (scripts/deps.sh)" >&2
	exit 0
fi
. "$top/tests/procs.sh"
. "$here/kannel.sh"
pids=""
tmp=$(mktemp -d /tmp/smsmilter-bmo.XXXXXX)
# shellcheck disable=SC2086
trap 'exec 9>&-; kannel_stop; stop_pids $pids; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
chmod 711 "$tmp"

port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# smsc NAME: a fresh SMSC logging to $tmp/NAME.jsonl, controls on fd 9;
# its port in $smsc, its pid in $smsc_pid
smsc() {
	exec 9>&-
	rm -f "$tmp/ctl"
	mkfifo "$tmp/ctl"
	node "$top/tests/smsc/smsc.js" --port 0 --log "$tmp/$1.jsonl" \
		<"$tmp/ctl" >"$tmp/$1.out" 2>&1 &
	smsc_pid=$!
	pids="$pids $smsc_pid"
	exec 9>"$tmp/ctl"
	i=0
	while ! grep -q '^listening' "$tmp/$1.out" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	smsc=$(sed -n 's/^listening //p' "$tmp/$1.out")
}

# until_bound NAME: wait (20 s) for a bind in the SMSC's log
until_bound() {
	i=0
	while ! grep -q '"cmd":"bind_' "$tmp/$1.jsonl" 2>/dev/null &&
		[ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# flood_at NAME start|done: when the flood began, or when its last
# deliver_sm was answered, in seconds
flood_at() {
	node -e '
const l = require("fs").readFileSync(process.argv[1], "utf8").split("\n")
  .filter((x) => x.includes("mo_flood_" + process.argv[2]));
console.log(l.length ? JSON.parse(l[0]).t / 1000 : 0);' "$tmp/$1.jsonl" "$2"
}
flood_start() { flood_at "$1" start; }

# acked NAME: deliver_sm answered per second (the ESME took them)
acked() {
	a=$(flood_at "$1" start) b=$(flood_at "$1" done)
	echo "bench: mo_answered_$2 $(rate "$a" "$b") texts/s"
}

# wait_for_count CMD N SECONDS: until CMD prints N or more
wait_for_count() {
	i=0
	while [ "$(sh -c "$1")" -lt "$2" ] && [ $i -lt $(($3 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(sh -c "$1")" -ge "$2" ]
}

# rate START END: texts per second
rate() { awk -v n="$N" -v a="$1" -v b="$2" 'BEGIN { if (b > a) printf "%.0f\n", n / (b - a); else print 0 }'; }

flood() {
	echo "{\"mo_flood\": {\"count\": $N, \"window\": $W, \"from\": \"1202555\", \"to\": \"12025550100\", \"text\": \"bench text\"}}" >&9
}

# --- smsgw: deliver_sm -> store -> mail -> smtp-sink
printf 'bench-secret-0123456789abcdef\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"
sink_user=""
[ "$(id -u)" -eq 0 ] && sink_user="-u nobody" # smtp-sink will not run as root

# round_ours R: one flood through a fresh smsgw, store and smtp-sink;
# sets ours (texts/s, 0 when not all came), ours_lines (its other
# figures)
round_ours() {
	mkdir "$tmp/sink$1"
	chmod 777 "$tmp/sink$1"
	sinkport=$(port)
	# shellcheck disable=SC2086
	smtp-sink $sink_user -D "$tmp/sink$1/all" "127.0.0.1:$sinkport" 256 \
		>"$tmp/sink$1.log" 2>&1 &
	sink=$!
	pids="$pids $sink"
	smsc "ours$1"
	cat >"$tmp/gw.conf" <<EOF
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/gw$1.db
GatewayPidFile $tmp/smsgw.pid
WakeSocket $tmp/wake.sock
UserID $(id -un)
DefaultSender +12025550100
NumberOwners +12025550100=alice@example.com
SmppServer 127.0.0.1:$smsc
SmppWindow 10
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:$sinkport
MailRetryInterval 2s
LogLevel notice
EOF
	chmod 600 "$tmp/gw.conf"
	"$BUILD/smsgw" -f -c "$tmp/gw.conf" 2>"$tmp/smsgw$1.log" &
	gw=$!
	pids="$pids $gw"
	until_bound "ours$1"
	sleep 0.5
	flood
	# each mail in the dump begins with smtp-sink's X-Client-Addr line
	sinkcount="grep -c '^X-Client-Addr:' '$tmp/sink$1/all' 2>/dev/null || echo 0"
	ours=0 ours_lines=""
	if wait_for_count "$sinkcount" "$N" 300; then
		t0=$(flood_start "ours$1")
		t1=$(python3 -c 'import os, sys
print(os.stat(sys.argv[1]).st_mtime)' "$tmp/sink$1/all")
		ours=$(rate "$t0" "$t1")
		# fields 14 and 15 of /proc/PID/stat: user and system time,
		# in ticks
		ours_lines="$(acked "ours$1" smsgw)
$(awk -v t="$(getconf CLK_TCK)" -v n="$N" '{ printf "bench: mo_cpu_smsgw %.0f us/text\n", ($14 + $15) / t / n * 1e6 }' "/proc/$gw/stat")"
	else
		echo "bench: smsgw mailed $(sh -c "$sinkcount") of $N texts" >&2
	fi
	exec 9>&-
	stop_pids $gw $sink $smsc_pid
}

# --- Kannel: deliver_sm -> bearerbox -> smsbox -> get-url
# start_hits: the get-url target, on port $hp: counts requests, the
# time of each a line of $tmp/hits
start_hits() {
	hp=$(port)
	python3 - "$hp" "$tmp/hits" <<'PY' &
import http.server, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
out = open(path, "a")  # O_APPEND: a round empties it, lines go on at 0
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        out.write("%.6f\n" % time.time())
        out.flush()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 1024  # smsbox opens many connections at once
S(("127.0.0.1", port), H).serve_forever()
PY
	pids="$pids $!"
}

# round_kannel R: one flood through a fresh bearerbox, smsbox, store
# and SMSC; sets theirs (texts/s, 0 when not all came), theirs_lines
round_kannel() {
	smsc "kannel$1"
	: >"$tmp/hits"
	kannel_store=$tmp/kannel$1.store
	kannel_conf "$tmp/kannel.conf" "$tmp" "$smsc"
	cat >>"$tmp/kannel.conf" <<EOF

group = sms-service
keyword = default
catch-all = true
max-messages = 0
omit-empty = true
get-url = "http://127.0.0.1:$hp/mo?from=%p&to=%P&text=%a"
EOF
	kannel_start "$tmp/kannel.conf"
	until_bound "kannel$1"
	sleep 0.5
	flood
	hits="wc -l <'$tmp/hits'"
	theirs=0 theirs_lines=""
	if wait_for_count "$hits" "$N" 300; then
		t0=$(flood_start "kannel$1")
		theirs=$(rate "$t0" "$(tail -1 "$tmp/hits")")
		theirs_lines=$(acked "kannel$1" kannel)
	else
		echo "bench: Kannel called get-url $(sh -c "$hits") times for $N texts" >&2
	fi
	kannel_stop
	exec 9>&-
	stop_pids $smsc_pid
}

# the rounds, interleaved; each side's best counts (the other loads of
# a shared machine only ever slow a round down)
best_ours=0 best_theirs=0 best_ours_lines="" best_theirs_lines=""
kannel=no
command -v bearerbox >/dev/null 2>&1 && kannel=yes && start_hits
r=1
while [ "$r" -le "$rounds" ]; do
	round_ours "$r"
	if [ "$ours" -gt "$best_ours" ]; then
		best_ours=$ours best_ours_lines=$ours_lines
	fi
	if [ "$kannel" = yes ]; then
		round_kannel "$r"
		if [ "$theirs" -gt "$best_theirs" ]; then
			best_theirs=$theirs best_theirs_lines=$theirs_lines
		fi
	fi
	r=$((r + 1))
done
[ -n "$best_ours_lines" ] && echo "$best_ours_lines"
echo "bench: mo_to_mail_smsgw $best_ours texts/s"
[ -n "$best_theirs_lines" ] && echo "$best_theirs_lines"
echo "bench: mo_to_mail_kannel $best_theirs texts/s"
awk -v a="$best_ours" -v b="$best_theirs" 'BEGIN { if (b > 0) printf "ratio: mo_to_mail_vs_kannel %.2f\n", a / b }'
