#!/bin/sh
# test_sockets.sh - smsmilter on each Socket form libmilter knows
#
# Usage: tests/milter/test_sockets.sh [BUILD_DIR]
#
# For each form (unix:/path, local:/path, a bare /path, inet:PORT,
# inet:PORT@127.0.0.1, inet:PORT@[127.0.0.1], inet:PORT@localhost,
# inet6:PORT@::1 and inet6:PORT@[::1]; the inet6 ones when the host
# has ::1): smsctl config check takes it, smsmilter listens on it, and
# miltertest, connecting to that address, gets a refusal at RCPT (the
# milter answers there, not only a socket; miltertest has no inet6, so
# there the option negotiation is done by hand). Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest is not installed"
pids=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/smsmilter-sockets.XXXXXX)
chmod 700 "$tmp"
printf 'socket-test-secret-0123456789\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"
free() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
cat >"$tmp/rcpt.lua" <<'EOF'
local ok, err = xpcall(function()
	local conn = mt.connect(SOCK)
	assert(conn, "cannot connect to " .. SOCK)
	mt.macro(conn, SMFIC_MAIL, "i", "SOCK1", "{client_addr}", "127.0.0.1")
	assert(mt.mailfrom(conn, "alice@example.com") == nil)
	assert(mt.rcptto(conn, "<1202555@sms.example.com>") == nil)
	local r = mt.getreply(conn)
	assert(r == SMFIR_REPLYCODE, "RCPT: reply " .. tostring(r))
	mt.disconnect(conn)
end, debug.traceback)
if not ok then
	mt.echo("FAIL: " .. tostring(err))
	os.exit(1)
end
EOF

# negotiate PORT: SMFIC_OPTNEG to [::1]:PORT gets SMFIC_OPTNEG back
negotiate() {
	python3 - "$1" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("::1", int(sys.argv[1])), timeout=10)
body = b"O" + struct.pack(">III", 6, 0x1ff, 0x1fffff)
s.sendall(struct.pack(">I", len(body)) + body)
n = struct.unpack(">I", s.recv(4))[0]
sys.exit(0 if n >= 13 and s.recv(n)[:1] == b"O" else 1)
EOF
}

# start FORM CONNECT: smsmilter on Socket FORM (config check first);
# all run at once, then each is tried (a libmilter program takes
# seconds to stop: they stop together)
nth=0
start() {
	nth=$((nth + 1))
	conf=$tmp/s$nth.conf
	cat >"$conf" <<EOF
Socket $1
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/store.db
PidFile $tmp/s$nth.pid
WakeSocket $tmp/wake.sock
UserID $(id -un)
DefaultSender +12025550100
EOF
	chmod 600 "$conf"
	"$BUILD/smsctl" config check "$conf" >/dev/null 2>"$tmp/s$nth.check"
	echo $? >"$tmp/s$nth.checked"
	"$BUILD/smsmilter" -f -c "$conf" 2>"$tmp/s$nth.log" &
	pids="$pids $!"
	printf '%s %s\n' "$1" "$2" >>"$tmp/forms"
}
start "unix:$tmp/a.sock" "unix:$tmp/a.sock"
start "local:$tmp/b.sock" "unix:$tmp/b.sock"
start "$tmp/c.sock" "unix:$tmp/c.sock"
start "inet:$(free)" inet
start "inet:$(free)@127.0.0.1" inet
start "inet:$(free)@[127.0.0.1]" inet
start "inet:$(free)@localhost" inet
six=no
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	six=yes
	start "inet6:$(free)@::1" inet6
	start "inet6:$(free)@[::1]" inet6
fi
k=0
while read -r form to; do
	k=$((k + 1))
	port=$(echo "$form" | sed -n 's/^inet6\{0,1\}:\([0-9]*\).*/\1/p')
	case $to in
	inet) to="inet:$port@127.0.0.1" ;;
	inet6) to="inet6:$port@::1" ;;
	esac
	check "config check takes Socket $form" test "$(cat "$tmp/s$k.checked")" = 0
	check "... smsmilter listens on it" wait_for \
		grep -qF "listening on $form," "$tmp/s$k.log"
	case $to in
	inet6:*) # miltertest has no inet6: the option negotiation by hand
		check "... and answers the milter protocol there ($to)" \
			negotiate "$port" ;;
	*)
		check "... and answers a session there ($to): 550 at RCPT" sh -c \
			"miltertest -s '$tmp/rcpt.lua' -D 'SOCK=$to' >'$tmp/s$k.mt' 2>&1" ;;
	esac
done <"$tmp/forms"
if [ "$six" = no ]; then
	for k in 1 2 3 4 5 6; do
		n=$((n + 1)) skipped=$((skipped + 1))
		echo "ok $n # SKIP no ::1 here"
	done
fi

echo "1..$n"
[ "$failed" -eq 0 ]
