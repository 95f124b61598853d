#!/bin/sh
# test_reload.sh - smsmilter says at start when a reload would fail
#
# Usage: tests/milter/test_reload.sh [BUILD_DIR]
#
# A reload (SIGHUP) reads the configuration again as UserID. Started
# as root with UserID nobody and a configuration only root can read
# (mode 600, as INSTALL once had it), smsmilter warns at start that a
# reload would fail, and a SIGHUP is then refused; with the file
# root:nogroup 640, as INSTALL has it now, there is no warning and the
# SIGHUP loads it. One started in the background with a relative -c
# (daemon(3) moves to "/") still reads that file on a reload. Prints
# TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (UserID nobody)"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
pids=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/smsmilter-reload.XXXXXX)
chmod 755 "$tmp"
mkdir "$tmp/store"
chown nobody "$tmp/store"
printf 'reload-test-secret-0123456789\n' >"$tmp/tag.secret"
chown nobody "$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"
cat >"$tmp/m.conf" <<EOF
Socket unix:$tmp/m.sock
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/store/store.db
PidFile $tmp/m.pid
WakeSocket $tmp/wake.sock
UserID nobody
DefaultSender +12025550100
EOF
# run LOG: smsmilter -f until it listens; its pid in $mpid
run() {
	: >"$tmp/$1"
	"$BUILD/smsmilter" -f -c "$tmp/m.conf" 2>>"$tmp/$1" &
	mpid=$!
	pids="$pids $mpid"
	wait_for grep -q "listening on" "$tmp/$1"
}

chmod 600 "$tmp/m.conf"
check "the configuration root's 600, UserID nobody: smsmilter starts" run a.log
check "... and warns that a reload would fail" \
	grep -q "a reload (SIGHUP) would fail: as UserID nobody, $tmp/m.conf gets:" "$tmp/a.log"
check "... saying why" grep -q "$tmp/m.conf: cannot open: Permission denied" "$tmp/a.log"
kill -HUP "$mpid"
check "... and so it does: SIGHUP refused" wait_for \
	grep -q "reload: $tmp/m.conf refused" "$tmp/a.log"
stop_pids "$mpid"

chgrp "$(id -gn nobody)" "$tmp/m.conf"
chmod 640 "$tmp/m.conf"
check "root:nobody's group 640 (INSTALL): smsmilter starts" run b.log
check "... with no such warning" sh -c "! grep -q 'would fail' '$tmp/b.log'"
kill -HUP "$mpid"
check "... and SIGHUP loads the file" wait_for \
	grep -q "reload: $tmp/m.conf loaded" "$tmp/b.log"
stop_pids "$mpid"

# started in the background (daemon(3) goes to "/") with a relative
# -c: a reload still finds the file. AllowedSenders changed and
# reloaded: the sender refused before is taken after.
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest is not installed"
sed -e "s/^UserID .*/UserID root/" "$tmp/m.conf" >"$tmp/r.conf"
sed -i -e "s|^Socket .*|Socket unix:$tmp/r.sock|" -e "s|^PidFile .*|PidFile $tmp/r.pid|" "$tmp/r.conf"
echo "AllowedSenders @example.com" >>"$tmp/r.conf"
chmod 600 "$tmp/r.conf"
(cd "$tmp" && "$BUILD/smsmilter" -c r.conf)
wait_for test -s "$tmp/r.pid" && rpid=$(cat "$tmp/r.pid") && pids="$pids $rpid"
# try WANT: a session from carol@other.org gets WANT at RCPT
try() {
	cat >"$tmp/try.lua" <<EOF
dofile(LIBDIR .. "/lib.lua")
run(function()
	local c = session("RELOAD")
	mailfrom(c, "<carol@other.org>")
	rcpt(c, "<12025550143@sms.example.com>", $1)
end)
EOF
	miltertest -s "$tmp/try.lua" -D LIBDIR="$here" -D SOCK="unix:$tmp/r.sock" \
		>"$tmp/try.out" 2>&1
}
check "in the background with -c r.conf (relative): carol@other.org refused" \
	wait_for try SMFIR_REPLYCODE
sed -i 's/^AllowedSenders .*/AllowedSenders @other.org/' "$tmp/r.conf"
kill -HUP "${rpid:-0}"
check "... AllowedSenders @other.org and SIGHUP: the relative file is read again, carol taken" \
	wait_for try SMFIR_CONTINUE

echo "1..$n"
[ "$failed" -eq 0 ]
