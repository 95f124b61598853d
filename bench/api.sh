#!/bin/sh
# api.sh - texts queued per second over HTTP: smsgw's send API beside
# Kannel's sendsms, the same load for both
#
# Usage: bench/api.sh BUILD_DIR
# bench/httpload sends BENCH_API_TEXTS requests (default 2000), each a
# different text to a different phone, over BENCH_API_CONNS keep-alive
# connections (default 8), each request as soon as the one before it on
# its connection is answered. Ours: smsgw with its defaults (ApiThreads
# 8, BENCH_API_THREADS to change it: the requests answered at once are
# committed together; DatabaseSync full: a 201 means the text is on
# disk), POST
# /v1/messages with a key from smsctl apikey add, every answer 201.
# Theirs: Kannel's smsbox, GET /cgi-bin/sendsms, every answer 202,
# twice: with bearerbox's store (store-type file: a text answered 202
# outlives a crash of bearerbox, as ours outlives a crash of smsgw;
# bearerbox never calls fsync, where ours commits with one) and with
# none (the text in memory only). Both ask a receipt for each text
# and have an SMPP link to the same kind of test SMSC
# (tests/smsc/smsc.js), which takes what they send meanwhile. Each side
# runs BENCH_ROUNDS times (default 5), interleaved, each round with a
# fresh store or a fresh Kannel, and its best round counts. Any answer
# not 201 (202) fails the run. Prints bench: api_send_per_s,
# kannel_sendsms_per_s (with its store), kannel_sendsms_memory_per_s
# (req/s); ratio: api_send_vs_kannel_sendsms (ours against Kannel with
# its store: each keeps what it answered over a crash of its daemon)
# and ratio: api_send_vs_kannel_sendsms_memory (against Kannel keeping
# nothing); with BENCH_API_NORMAL set, also api_send_per_s_sync_normal
# (DatabaseSync normal: shown apart, not in the ratios).
# Stops what it starts by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
N=${BENCH_API_TEXTS:-2000}
C=${BENCH_API_CONNS:-8}
T=${BENCH_API_THREADS:-8}
rounds=${BENCH_ROUNDS:-5}

if [ ! -d "$top/tests/smsc/node_modules/smpp" ] ||
	! command -v smtp-sink >/dev/null 2>&1; then
	echo "bench: api skipped: npm smpp or smtp-sink missing (scripts/deps.sh)" >&2
	exit 0
fi
if ! command -v bearerbox >/dev/null 2>&1; then
	echo "bench: api skipped: kannel missing (scripts/deps.sh)" >&2
	exit 0
fi
if [ ! -x "$BUILD/bench/httpload" ]; then
	echo "bench: api: $BUILD/bench/httpload missing (make bench builds it)" >&2
	exit 1
fi
. "$top/tests/procs.sh"
. "$here/kannel.sh"
pids=""  # for the whole run
rpids="" # for the round under way
tmp=$(mktemp -d /tmp/smsmilter-bapi.XXXXXX)
# shellcheck disable=SC2086
trap 'kannel_stop; stop_pids $rpids $pids; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
chmod 711 "$tmp"
failed=0

# smsc DIR: a fresh SMSC logging to DIR/smsc.jsonl; its port in $smsc
smsc() {
	node "$top/tests/smsc/smsc.js" --port 0 --log "$1/smsc.jsonl" \
		</dev/null >"$1/smsc.out" 2>&1 &
	rpids="$rpids $!"
	i=0
	while ! grep -qs '^listening' "$1/smsc.out" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	smsc=$(sed -n 's/^listening //p' "$1/smsc.out")
}

# until_bound DIR: wait (20 s) for a bind in the SMSC's log
until_bound() {
	i=0
	while ! grep -q '"cmd":"bind_' "$1/smsc.jsonl" 2>/dev/null &&
		[ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# load DIR ARGS...: httpload ARGS; its rate into DIR/rate, 0 (and the
# run marked failed) unless every answer was the one expected
load() {
	d=$1
	shift
	if "$BUILD/bench/httpload" "$@" >"$d/load.out" 2>"$d/load.err"; then
		sed -n 's/^httpload: .* s: \([0-9]*\) req\/s$/\1/p' "$d/load.out" >"$d/rate"
	else
		echo 0 >"$d/rate"
		failed=1
		echo "bench: api: $1 load failed:" >&2
		cat "$d/load.out" "$d/load.err" >&2
	fi
}

printf 'bench-secret-0123456789abcdef\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"
sinkport=$(kannel_port)
sink_user=""
[ "$(id -u)" -eq 0 ] && sink_user="-u nobody" # smtp-sink will not run as root
# shellcheck disable=SC2086
smtp-sink $sink_user "127.0.0.1:$sinkport" 256 >"$tmp/sink.log" 2>&1 &
pids="$pids $!"

# ours ROUND SYNC: smsgw with a fresh store, DatabaseSync SYNC; the rate
# in $tmp/ours-SYNC-ROUND/rate
ours() {
	d=$tmp/ours-$2-$1
	mkdir "$d"
	smsc "$d"
	ap=$(kannel_port)
	cat >"$d/gw.conf" <<EOF
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $d/gw.db
DatabaseSync $2
GatewayPidFile $d/smsgw.pid
WakeSocket $d/wake.sock
UserID $(id -un)
DefaultSender +12025550100
SmppServer 127.0.0.1:$smsc
SmppWindow 10
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:$sinkport
WebhookListen 127.0.0.1:$(kannel_port)
ApiListen 127.0.0.1:$ap
ApiThreads $T
LogLevel notice
EOF
	chmod 600 "$d/gw.conf"
	key=$("$BUILD/smsctl" -c "$d/gw.conf" apikey add --owner bench@example.com |
		grep -o 'smk_[A-Za-z0-9]*' | head -1)
	"$BUILD/smsgw" -f -c "$d/gw.conf" 2>"$d/smsgw.log" &
	rpids="$rpids $!"
	until_bound "$d"
	i=0
	while ! kannel_up "$ap" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$key" ]; then
		echo "bench: api: smsctl apikey add gave no key" >&2
		echo 0 >"$d/rate"
		failed=1
	else
		load "$d" api "$ap" "$C" "$N" "$key"
	fi
	# shellcheck disable=SC2086
	stop_pids $rpids
	rpids=""
}

# theirs ROUND store|memory: a fresh Kannel, with its store or not; the
# rate in $tmp/kannel-MODE-ROUND/rate
theirs() {
	d=$tmp/kannel-$2-$1
	mkdir "$d"
	smsc "$d"
	hp=$(kannel_port)
	kannel_store=""
	[ "$2" = store ] && kannel_store=$d/kannel.store
	kannel_sendsms_conf "$d/kannel.conf" "$d" "$smsc" "$hp"
	if kannel_start "$d/kannel.conf" && until_bound "$d" &&
		kannel_up "$hp"; then
		load "$d" kannel "$hp" "$C" "$N" bench bench
	else
		echo "bench: api: Kannel did not start" >&2
		echo 0 >"$d/rate"
		failed=1
	fi
	kannel_stop
	# shellcheck disable=SC2086
	stop_pids $rpids
	rpids=""
}

# best PREFIX: the largest rate of the rounds $tmp/PREFIX-*/rate
best() { cat "$tmp/$1"-*/rate | sort -n | tail -1; }

r=1
while [ "$r" -le "$rounds" ]; do
	ours "$r" full
	theirs "$r" store
	theirs "$r" memory
	[ -n "${BENCH_API_NORMAL:-}" ] && ours "$r" normal
	r=$((r + 1))
done
a=$(best ours-full)
b=$(best kannel-store)
m=$(best kannel-memory)
echo "bench: api_send_per_s $a req/s"
echo "bench: kannel_sendsms_per_s $b req/s"
echo "bench: kannel_sendsms_memory_per_s $m req/s"
[ -n "${BENCH_API_NORMAL:-}" ] &&
	echo "bench: api_send_per_s_sync_normal $(best ours-normal) req/s"
awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "ratio: api_send_vs_kannel_sendsms %.2f\n", a / b }'
awk -v a="$a" -v b="$m" 'BEGIN { if (b > 0) printf "ratio: api_send_vs_kannel_sendsms_memory %.2f\n", a / b }'
exit $failed
