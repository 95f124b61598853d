#!/bin/sh
# hooks.sh - event hooks delivered per second by smsgw's hook thread
#
# Usage: bench/hooks.sh BUILD_DIR
# Queues BENCH_HOOKS hooks (default 2000) in a fresh store
# (bench/hook_queue), then starts smsgw (its SMPP link pointed at a port
# nobody listens on: only the hook thread has work) with HookSecret set
# (each try signed), HookAllowPrivate yes and the receiver, hook_sink.js
# (node's http, answering 200 at once), on 127.0.0.1. The rate is the
# hooks over the time from the first request the receiver saw to the
# request that completed the set, at HookConcurrency 4 (the default)
# and 16. Prints bench: hooks_per_s (and hooks_per_s_c16) in hooks/s.
# Stops what it starts by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
N=${BENCH_HOOKS:-2000}

if ! command -v node >/dev/null 2>&1; then
	echo "bench: hooks skipped: node missing" >&2
	exit 0
fi
. "$top/tests/procs.sh"
pids=""
tmp=$(mktemp -d /tmp/smsmilter-bhooks.XXXXXX)
# shellcheck disable=SC2086
trap 'stop_pids $pids; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# run CONCURRENCY - the rate at HookConcurrency CONCURRENCY, into
# $tmp/cCONCURRENCY/rate (in this shell: $pids must see what it starts)
run() {
	d=$tmp/c$1
	mkdir -p "$d"
	node "$here/hook_sink.js" "$N" "$d/done" >"$d/sink.out" 2>&1 &
	sink=$!
	pids="$pids $sink"
	i=0
	while ! grep -q '^listening' "$d/sink.out" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sport=$(sed -n 's/^listening //p' "$d/sink.out")
	"$BUILD/bench/hook_queue" "$d/store.db" "http://127.0.0.1:$sport/hook" "$N" ||
		return 1
	printf 'bench-hook-secret-0123456789\n' >"$d/hook.secret"
	printf 'bench-tag-secret-0123456789\n' >"$d/tag.secret"
	chmod 600 "$d/hook.secret" "$d/tag.secret"
	cat >"$d/smsgw.conf" <<CONF
SmsDomains sms.example.com
TagSecretFile $d/tag.secret
Database $d/store.db
GatewayPidFile $d/smsgw.pid
WakeSocket $d/wake.sock
UserID $(id -un)
Transport smpp
SmppServer 127.0.0.1:$(port)
SmppSystemId bench
SmtpRelay 127.0.0.1:$(port)
WebhookListen 127.0.0.1:$(port)
HookSecretFile $d/hook.secret
HookAllowPrivate yes
HookConcurrency $1
LogLevel notice
CONF
	chmod 600 "$d/smsgw.conf"
	"$BUILD/smsgw" -f -c "$d/smsgw.conf" 2>"$d/smsgw.log" &
	gw=$!
	pids="$pids $gw"
	i=0
	while [ ! -s "$d/done" ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$gw" "$sink" 2>/dev/null
	if [ ! -s "$d/done" ]; then
		echo "bench: hooks: not all $N hooks arrived at concurrency $1" >&2
		return 1
	fi
	read -r first last count <"$d/done"
	awk -v n="$N" -v a="$first" -v b="$last" 'BEGIN {
		ms = b - a; if (ms < 1) ms = 1
		printf "%.0f\n", (n - 1) * 1000 / ms }' >"$d/rate"
}

run 4 && echo "bench: hooks_per_s $(cat "$tmp/c4/rate") hooks/s"
run 16 && echo "bench: hooks_per_s_c16 $(cat "$tmp/c16/rate") hooks/s"
