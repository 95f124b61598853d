#!/bin/sh
# test_listen.sh - smsgw and an address it cannot listen on
#
# Usage: tests/gateway/test_listen.sh [BUILD_DIR]
#
# A smsgw started while another program holds WebhookListen (or
# MetricsListen) waits up to 12 s for it (a predecessor stopping, the
# restart INSTALL describes), then exits 71 naming the address and the
# reason, instead of running on without webhooks; one whose
# predecessor leaves within that time takes the address and serves.
# Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
command -v curl >/dev/null 2>&1 || skip_all "curl is missing (scripts/deps.sh)"

# hold PORT SECONDS: a listener on 127.0.0.1:PORT for that long
hold() {
	python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
print("held", flush=True)
time.sleep(float(sys.argv[2]))' "$1" "$2" >"$tmp/hold-$1.out" 2>&1 &
	pids="$pids $!"
	wait_for grep -q held "$tmp/hold-$1.out"
}
# gw_conf NAME LINES: a configuration of its own (store, pid file, wake
# socket) with LINES added
gw_conf() {
	sed -e "s|^Database .*|Database $tmp/$1.db|" \
		-e "s|^GatewayPidFile .*|GatewayPidFile $tmp/$1.pid|" \
		-e "s|^WakeSocket .*|WakeSocket $tmp/$1.wake|" \
		-e "/^WebhookListen /d" "$conf" >"$tmp/$1.conf"
	printf '%s\n' "$2" >>"$tmp/$1.conf"
	chmod 600 "$tmp/$1.conf"
}
# run_gw NAME: smsgw -f on NAME.conf, its pid in $g_NAME
run_gw() {
	"$BUILD/smsgw" -f -c "$tmp/$1.conf" >"$tmp/$1.log" 2>&1 &
	pids="$pids $!"
	eval "g_$1=$!"
}
exited() { ! kill -0 "$1" 2>/dev/null; }

# the address taken for good: WebhookListen, and MetricsListen
p1=$(free_port) p2=$(free_port) p3=$(free_port) p4=$(free_port)
hold "$p1" 60
hold "$p3" 60
gw_conf taken "WebhookListen 127.0.0.1:$p1"
gw_conf mtaken "WebhookListen 127.0.0.1:$p2
MetricsListen 127.0.0.1:$p3"
t0=$(date +%s)
run_gw taken
run_gw mtaken
# shellcheck disable=SC2154
check "WebhookListen in use: smsgw says it waits for it" wait_for \
	grep -q "webhooks 127.0.0.1:$p1: in use; waiting up to 12 s" "$tmp/taken.log"
check "... still running after 5 s (waiting, not serving)" sh -c \
	"sleep 5; kill -0 $g_taken"
WAIT_SECONDS=20 wait_for exited "$g_taken"
wait "$g_taken"
st=$?
took=$(($(date +%s) - t0))
check "... then exits 71 after about 12 s (exit $st after $took s)" sh -c \
	"[ $st -eq 71 ] && [ $took -ge 11 ] && [ $took -le 18 ]"
check "... naming the address and the reason" \
	grep -q "webhooks 127.0.0.1:$p1: cannot listen: Address already in use" "$tmp/taken.log"
check "... and that it exits for it" grep -q "webhooks: not listening (above); exiting" "$tmp/taken.log"
check "... its pid file is gone" test ! -e "$tmp/taken.pid"
# shellcheck disable=SC2154
WAIT_SECONDS=20 wait_for exited "$g_mtaken"
wait "$g_mtaken"
st=$?
check "MetricsListen in use: smsgw exits 71 too (exit $st)" test "$st" -eq 71
check "... naming it" \
	grep -q "metrics 127.0.0.1:$p3: cannot listen: Address already in use" "$tmp/mtaken.log"

# the address freed within the wait: smsgw takes it and serves
hold "$p4" 2
gw_conf handover "WebhookListen 127.0.0.1:$p4"
run_gw handover
check "WebhookListen held 2 s by a predecessor: smsgw waits..." wait_for \
	grep -q "webhooks 127.0.0.1:$p4: in use; waiting" "$tmp/handover.log"
check "... then listens on it" wait_for \
	grep -q "webhooks on 127.0.0.1:$p4" "$tmp/handover.log"
check "... and answers /metrics" sh -c \
	"curl -s 'http://127.0.0.1:$p4/metrics' | grep -q '^smsmilter_build_info'"
# shellcheck disable=SC2154
check "... still running" kill -0 "$g_handover"

# started in the background with a relative -c: a reload finds the file
p5=$(free_port)
gw_conf rel "WebhookListen 127.0.0.1:$p5
WebhookUser hook
WebhookPassword hook-pass-1
TrustedNetworks 192.0.2.0/24"
(cd "$tmp" && "$BUILD/smsgw" -c rel.conf) >"$tmp/rel.out" 2>&1
wait_for test -s "$tmp/rel.pid"
g_rel=$(cat "$tmp/rel.pid" 2>/dev/null)
pids="$pids $g_rel"
mcode() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p5/metrics"; }
wait_for sh -c "curl -s -o /dev/null http://127.0.0.1:$p5/metrics"
check "a background smsgw (-c rel.conf) refuses /metrics to an untrusted client" \
	test "$(mcode)" = 403
sed -i 's|^TrustedNetworks .*|TrustedNetworks 127.0.0.0/8|' "$tmp/rel.conf"
kill -HUP "$g_rel"
check "... SIGHUP reads rel.conf again from its directory: now trusted" \
	wait_for sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$p5/metrics) = 200 ]"
kill -TERM "$g_rel"

echo "1..$n"
[ "$failed" -eq 0 ]
