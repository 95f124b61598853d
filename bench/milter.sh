#!/bin/sh
# milter.sh - messages per second through one private Postfix, side by side
#
# Usage: bench/milter.sh BUILD_DIR
# One Postfix relays to one smtp-sink; it listens on six ports that
# differ only in smtpd_milters: none, smsmilter on a unix socket and on
# inet, OpenDKIM (signing) on a unix socket and on inet, and
# floor_milter (the least a filter that answers at RCPT can do). smtp-source
# sends the same mail through each, BENCH_SESSIONS sessions (default
# 10), BENCH_MESSAGES messages (default 600), BENCH_MILTER_ROUNDS rounds
# interleaved (default 3); the best round of each counts. Then the
# resident memory of smsmilter while 100 sessions send to phones.
# Needs root (Postfix's master); prints nothing but a note without it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
E2E_BUILD=$(cd "$here/.." && cd "${1:-build}" && pwd)
. "$here/../tests/procs.sh"
. "$here/../tests/e2e/postfix.sh"
sessions=${BENCH_SESSIONS:-10}
messages=${BENCH_MESSAGES:-600}
rounds=${BENCH_MILTER_ROUNDS:-3}

if [ "$(id -u)" -ne 0 ] || ! command -v postconf >/dev/null 2>&1 ||
	! command -v opendkim >/dev/null 2>&1; then
	echo "bench: milter skipped: needs root, postfix and opendkim" >&2
	exit 0
fi

tmp=$(mktemp -d /tmp/smsmilter-bench.XXXXXX)
chmod 755 "$tmp"
trap 'e2e_cleanup; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

sinkport=$(free_port)
p_none=$(free_port)
p_sms_unix=$(free_port)
p_sms_inet=$(free_port)
p_dkim_unix=$(free_port)
p_dkim_inet=$(free_port)
p_floor=$(free_port)
p_sms_pool=$(free_port)
sms_inet=$(free_port)
dkim_inet=$(free_port)

# smsmilter: unix and inet instances over one store
milter_conf "$tmp/sms-unix.conf" "$tmp" "unix:$tmp/sms.sock"
sed "s|^Socket .*|Socket inet:$sms_inet@127.0.0.1|; s|^PidFile .*|PidFile $tmp/sms-inet.pid|" \
	"$tmp/sms-unix.conf" >"$tmp/sms-inet.conf"
chmod 600 "$tmp/sms-inet.conf"
milter_start "$tmp/sms-unix.conf" "$tmp/sms-unix.log" || exit 1
sms_pid=$MILTER_PID
milter_start "$tmp/sms-inet.conf" "$tmp/sms-inet.log" || exit 1
# and one texting from a pool of numbers (a lease per conversation)
sed "s|^Socket .*|Socket unix:$tmp/sms-pool.sock|; s|^PidFile .*|PidFile $tmp/sms-pool.pid|" \
	"$tmp/sms-unix.conf" >"$tmp/sms-pool.conf"
echo "SenderPool +12025550110, +12025550111, +12025550112" >>"$tmp/sms-pool.conf"
chmod 600 "$tmp/sms-pool.conf"
milter_start "$tmp/sms-pool.conf" "$tmp/sms-pool.log" || exit 1

# OpenDKIM signing mail from example.com, unix and inet
mkdir -p "$tmp/dkim"
opendkim-genkey -D "$tmp/dkim" -d example.com -s bench
chown -R postfix "$tmp/dkim"
for kind in unix inet; do
	if [ $kind = unix ]; then sock="local:$tmp/dkim/dkim.sock"; else sock="inet:$dkim_inet@127.0.0.1"; fi
	cat >"$tmp/dkim-$kind.conf" <<EOF
Domain example.com
Selector bench
KeyFile $tmp/dkim/bench.private
Socket $sock
Mode s
UserID postfix
UMask 007
PidFile $tmp/dkim-$kind.pid
Syslog no
RequireSafeKeys no
EOF
	opendkim -f -x "$tmp/dkim-$kind.conf" >"$tmp/dkim-$kind.log" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
done

"$E2E_BUILD/bench/floor_milter" "unix:$tmp/floor.sock" &
E2E_PIDS="$E2E_PIDS $!"

# one Postfix, six smtpd ports
pf_init "$tmp/pf" "$p_none" "$sinkport" "" || exit 1
add_port() {
	postconf -c "$tmp/pf" -M \
		"127.0.0.1:$1/inet=127.0.0.1:$1 inet n - n - - smtpd -o smtpd_milters=$2"
}
add_port "$p_sms_unix" "unix:$tmp/sms.sock"
add_port "$p_sms_inet" "inet:127.0.0.1:$sms_inet"
add_port "$p_dkim_unix" "unix:$tmp/dkim/dkim.sock"
add_port "$p_dkim_inet" "inet:127.0.0.1:$dkim_inet"
add_port "$p_floor" "unix:$tmp/floor.sock"
add_port "$p_sms_pool" "unix:$tmp/sms-pool.sock"
postconf -c "$tmp/pf" -e "non_smtpd_milters ="
sink_start "$tmp" "$sinkport"
pf_start "$tmp/pf"
for p in "$p_none" "$p_sms_unix" "$p_sms_inet" "$p_dkim_unix" "$p_dkim_inet" "$p_floor" "$p_sms_pool"; do
	wait_port "$p" || { echo "bench: milter: port $p not up" >&2; exit 1; }
done
wait_port "$dkim_inet" || { echo "bench: opendkim not up" >&2; exit 1; }
sleep 1

# drain: wait until Postfix delivered what the last run queued, so that
# no run competes with the deliveries of the one before it
drain() {
	i=0
	while [ $i -lt 600 ]; do
		[ -z "$(find "$tmp/pf/queue/incoming" "$tmp/pf/queue/active" \
			"$tmp/pf/queue/maildrop" -type f 2>/dev/null | head -1)" ] &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
}

# rate PORT TO: messages per second of one smtp-source run
rate() {
	drain
	start=$(date +%s.%N)
	smtp-source -d -s "$sessions" -m "$messages" -l 400 \
		-f alice@example.com -t "$2" -S "bench" \
		"127.0.0.1:$1" >"$tmp/source.out" 2>&1 || {
		echo 0
		return
	}
	end=$(date +%s.%N)
	awk -v m="$messages" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f\n", m / (b - a) }'
}

# best NAME: the highest rate recorded for NAME
best() { awk -v n="$1" '$1 == n && $2 > m { m = $2 } END { print m + 0 }' "$tmp/rates"; }

: >"$tmp/rates"
phone=12025550143@sms.example.com
mailbox=bob@example.org
i=0
while [ $i -lt "$rounds" ]; do
	if [ $((i % 2)) -eq 0 ]; then
		echo "nomilter $(rate "$p_none" "$mailbox")" >>"$tmp/rates"
		echo "sms_unix_nosms $(rate "$p_sms_unix" "$mailbox")" >>"$tmp/rates"
	else
		echo "sms_unix_nosms $(rate "$p_sms_unix" "$mailbox")" >>"$tmp/rates"
		echo "nomilter $(rate "$p_none" "$mailbox")" >>"$tmp/rates"
	fi
	echo "floor_nosms $(rate "$p_floor" "$mailbox")" >>"$tmp/rates"
	[ -n "${BENCH_MILTER_NOSMS_ONLY:-}" ] && { i=$((i + 1)); continue; }
	echo "sms_unix_sms $(rate "$p_sms_unix" "$phone")" >>"$tmp/rates"
	echo "sms_pool_sms $(rate "$p_sms_pool" "$phone")" >>"$tmp/rates"
	echo "dkim_unix $(rate "$p_dkim_unix" "$phone")" >>"$tmp/rates"
	echo "sms_inet_nosms $(rate "$p_sms_inet" "$mailbox")" >>"$tmp/rates"
	echo "sms_inet_sms $(rate "$p_sms_inet" "$phone")" >>"$tmp/rates"
	echo "dkim_inet $(rate "$p_dkim_inet" "$phone")" >>"$tmp/rates"
	i=$((i + 1))
done

none=$(best nomilter)
echo "bench: postfix_nomilter_msgs_per_s $none msg/s"
for k in sms_unix_nosms floor_nosms sms_unix_sms dkim_unix sms_inet_nosms sms_inet_sms dkim_inet; do
	echo "bench: postfix_${k}_msgs_per_s $(best $k) msg/s"
done
awk -v a="$(best sms_unix_nosms)" -v b="$none" 'BEGIN { if (b > 0) printf "ratio: milter_nosms_vs_nomilter %.2f\n", a / b }'
awk -v a="$(best floor_nosms)" -v b="$none" 'BEGIN { if (b > 0) printf "ratio: floor_milter_nosms_vs_nomilter %.2f\n", a / b }'
awk -v a="$(best sms_unix_nosms)" -v b="$(best floor_nosms)" 'BEGIN { if (b > 0) printf "ratio: milter_nosms_vs_floor_milter %.2f\n", a / b }'
awk -v a="$(best sms_unix_sms)" -v b="$(best dkim_unix)" 'BEGIN { if (b > 0) printf "ratio: milter_sms_vs_opendkim %.2f\n", a / b }'
awk -v a="$(best sms_pool_sms)" -v b="$(best sms_unix_sms)" 'BEGIN { if (b > 0) printf "ratio: milter_sms_pool_vs_fixed %.2f\n", a / b }'
awk -v a="$(best sms_inet_nosms)" -v b="$none" 'BEGIN { if (b > 0) printf "ratio: milter_nosms_vs_nomilter_inet %.2f\n", a / b }'
awk -v a="$(best sms_inet_sms)" -v b="$(best dkim_inet)" 'BEGIN { if (b > 0) printf "ratio: milter_sms_vs_opendkim_inet %.2f\n", a / b }'
# the SMS path with one session: what group commit adds at ten
sessions=1 messages=$((messages / 3))
echo "bench: postfix_sms_unix_sms_1session_msgs_per_s $(rate "$p_sms_unix" "$phone") msg/s"
sessions=${BENCH_SESSIONS:-10} messages=${BENCH_MESSAGES:-600}
echo "bench: milter_texts_queued $(sqlite3 "$tmp/store/smsmilter.db" 'select count(*) from messages') texts"

# memory at 100 concurrent sessions sending to phones
smtp-source -d -s 100 -m 2000 -l 400 -f alice@example.com -t "$phone" \
	"127.0.0.1:$p_sms_unix" >"$tmp/source100.out" 2>&1 &
src=$!
E2E_PIDS="$E2E_PIDS $src"
peak=0
while kill -0 "$src" 2>/dev/null; do
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$sms_pid/status" 2>/dev/null || echo 0)
	[ "${rss:-0}" -gt "$peak" ] && peak=$rss
	sleep 0.05
done
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$sms_pid/status")
echo "bench: milter_rss_100_sessions_kb $peak KiB"
echo "bench: milter_rss_peak_kb $hwm KiB"
