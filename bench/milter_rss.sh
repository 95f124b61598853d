#!/bin/sh
# milter_rss.sh - smsmilter's peak memory for 8 concurrent 9.5 MB mails
#
# Usage: bench/milter_rss.sh BUILD_DIR
# A fresh smsmilter (MaxMessageSize 10M, the default truncate policy)
# gets BENCH_RSS_SESSIONS (default 8) mails of 9.5 MB at once, each to a
# phone, sent as Postfix sends them (tests/milter/milter_send.py); its
# VmHWM (peak resident memory, the whole process) after them is the
# figure. Two kinds of mail, each with an instance of its own: a long
# text body (milter_rss_8x10mb_kb, the costlier) and a short text with a
# large base64 attachment (milter_rss_8x10mb_attach_kb).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
n=${BENCH_RSS_SESSIONS:-8}
. "$top/tests/procs.sh"

tmp=$(mktemp -d /tmp/smsmilter-brss.XXXXXX)
pid=""
trap '[ -n "$pid" ] && stop_pids $pid; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
printf 'bench-secret-0123456789abcdef\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"

# peak KIND NAME: the figure for one kind of mail
peak() {
	rm -f "$tmp/store.db"* "$tmp/m.log"
	cat >"$tmp/m.conf" <<EOF
Socket unix:$tmp/m.sock
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/store.db
PidFile $tmp/m.pid
WakeSocket $tmp/wake.sock
UserID $(id -un)
DefaultSender +12025550100
TrustedNetworks 127.0.0.1/32
AllowedSenders @example.com
RecipientRateLimit 0/1h
MaxMessageSize 10M
LogLevel notice
EOF
	chmod 600 "$tmp/m.conf"
	python3 "$top/tests/milter/milter_send.py" --make-mail "$tmp/mail.eml" 9.5 "$1"
	"$BUILD/smsmilter" -f -c "$tmp/m.conf" 2>"$tmp/m.log" &
	pid=$!
	i=0
	while ! grep -q 'listening on' "$tmp/m.log" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	python3 "$top/tests/milter/milter_send.py" "unix:$tmp/m.sock" \
		"$tmp/mail.eml" 12025550143@sms.example.com "$n" >"$tmp/out" 2>&1
	if [ "$(grep -c '^d ' "$tmp/out")" -ne "$n" ]; then
		echo "bench: milter_rss: not every mail was taken:" >&2
		sort "$tmp/out" | uniq -c >&2
	fi
	echo "bench: $2 $(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status") kB"
	stop_pids "$pid"
	pid=""
}

peak text milter_rss_8x10mb_kb
peak attach milter_rss_8x10mb_attach_kb
