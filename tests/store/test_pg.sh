#!/bin/sh
# test_pg.sh - the store on PostgreSQL: its unit suite, processes at
# once, smsctl store copy both ways, smsctl config check
#
# Usage: tests/store/test_pg.sh [BUILD_DIR]
#
# A private PostgreSQL (tests/pg.sh) runs the store's unit suite
# (BUILD/tests/test_store, every test that is not about SQLite files;
# the pool's leases taken by 4 processes at once)
# and the processes test (BUILD/tests/test_store_procs) with 4 workers
# enqueueing and claiming at once: every text claimed once. Then a
# SQLite store filled through smsctl is copied to PostgreSQL (smsctl
# store copy --to URI: each table checked row for row), read back
# through smsctl from there, and copied back to a new file; the
# texts, contacts, opt-outs and keys are the same in all three. A copy
# into a store that has rows is refused. smsctl config check connects
# to the server, says when it cannot, and warns of a password in the
# URI. Skips without PostgreSQL 15. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/pg.sh"
SMSCTL=$BUILD/smsctl
cleanup() {
	pg_stop
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
for b in "$SMSCTL" "$BUILD/tests/test_store" "$BUILD/tests/test_store_procs"; do
	if [ ! -x "$b" ]; then
		echo "Bail out! no $b: make all tests"
		exit 1
	fi
done
tmp=$(mktemp -d /tmp/smsmilter-pgstore.XXXXXX)
chmod 755 "$tmp" # nobody runs the cluster when we are root
pg_start "$tmp/pg" || {
	echo "Bail out! no PostgreSQL"
	exit 1
}

# -- the unit suites on the server
check "the store's unit suite on PostgreSQL" sh -c \
	"STORE_TEST_PG='$PG_URI' STORE_PROCS=4 '$BUILD/tests/test_store' >'$tmp/unit' 2>&1"
# the tests of what only SQLite files have skip here (sqlite_only)
lite_only=$(grep -c 'sqlite_only();' "$top/tests/unit/test_store.c")
check "... every test but the SQLite files' ($lite_only) ran and passed" sh -c \
	"grep -q 'SKIPPED \] $lite_only test' '$tmp/unit' && grep -q 'PASSED' '$tmp/unit' && ! grep -q FAILED '$tmp/unit'"
[ "$failed" -eq 0 ] || sed 's/^/# /' "$tmp/unit"
check "4 processes enqueue and claim at once: each text claimed once" sh -c \
	"STORE_TEST_PG='$PG_URI' STORE_PROCS=4 STORE_STRESS_SECONDS=${STORE_STRESS_SECONDS:-4} \
	'$BUILD/tests/test_store_procs' >'$tmp/procs' 2>&1"
sed -n 's/^/# /; /stress:\|sigkill:/p' "$tmp/procs"
check "... 4 of them, no claim twice, no error" \
	grep -q 'stress: 4 processes, .* claimed twice 0, errors 0' "$tmp/procs"

# -- smsctl store copy: SQLite -> PostgreSQL -> SQLite, on an empty server
pg_sql "SET client_min_messages = warning" \
	"DROP SCHEMA public CASCADE" "CREATE SCHEMA public"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/tag")
conf() { # conf FILE DATABASE
	cat >"$1" <<EOC
Database $2
SmsDomains sms.example.com
DefaultSender +12025550100
TagSecretFile $tmp/tag
UserID $(id -un)
Socket unix:$tmp/milter.sock
WakeSocket $tmp/wake.sock
PidFile $tmp/milter.pid
GatewayPidFile $tmp/smsgw.pid
EOC
}
conf "$tmp/lite.conf" "$tmp/lite.db"
conf "$tmp/pg.conf" "$PG_URI"
conf "$tmp/back.conf" "$tmp/back.db"
L="-c $tmp/lite.conf" P="-c $tmp/pg.conf" B="-c $tmp/back.conf"
{
	"$SMSCTL" $L contacts add alice +12025550143
	"$SMSCTL" $L contacts add bob +12025550144
	"$SMSCTL" $L groups add team alice bob
	"$SMSCTL" $L optout add +12025550188 STOP
	"$SMSCTL" $L apikey add --owner alice@example.com --name deploy
	i=0
	while [ $i -lt 20 ]; do
		"$SMSCTL" $L send --to +12025550143 --owner alice@example.com "text $i ☕ ü"
		i=$((i + 1))
	done
} >"$tmp/fill" 2>&1
[ "$("$SMSCTL" $L history --json | grep -o '"sid"' | wc -l)" -eq 20 ] ||
	sed 's/^/# /' "$tmp/fill"
check "a SQLite store with texts, contacts, a group, an opt-out, a key" \
	[ "$("$SMSCTL" $L history --json | grep -o '"sid"' | wc -l)" -eq 20 ]
check "smsctl store copy --to the server: each table checked" sh -c \
	"'$SMSCTL' $L store copy --to '$PG_URI' >'$tmp/copy1' 2>&1"
sed 's/^/# /' "$tmp/copy1"
check "... says every table was the same" \
	grep -q '^copied: every row of every table is the same' "$tmp/copy1"
check "... 20 messages, 2 contacts, 1 key" sh -c \
	"grep -q '^messages  *20 rows, checked' '$tmp/copy1' &&
	 grep -q '^contacts  *2 rows, checked' '$tmp/copy1' &&
	 grep -q '^api_keys  *1 rows, checked' '$tmp/copy1'"
check "... the server has them (psql)" \
	[ "$(pg_sql "SELECT count(*) FROM messages WHERE text LIKE 'text %☕ ü'")" = 20 ]
for cmd in "history --json" "contacts list" "groups members team" \
	"optout list" "apikey list" "threads --json" "usage" "queue"; do
	# shellcheck disable=SC2086
	"$SMSCTL" $L $cmd >"$tmp/a" 2>&1
	# shellcheck disable=SC2086
	"$SMSCTL" $P $cmd >"$tmp/b" 2>&1
	check "smsctl $cmd: the same from the server" cmp -s "$tmp/a" "$tmp/b"
done
check "a copy into a store with rows is refused, in words" sh -c \
	"! '$SMSCTL' $L store copy --to '$PG_URI' >'$tmp/again' 2>&1 &&
	 grep -q 'has rows already: copy into an empty store' '$tmp/again'"
check "and back: smsctl store copy from the server to a new file" sh -c \
	"'$SMSCTL' $P store copy --to '$tmp/back.db' >'$tmp/copy2' 2>&1 &&
	 grep -q '^copied: every row' '$tmp/copy2'"
"$SMSCTL" $L history --json >"$tmp/a" 2>&1
"$SMSCTL" $B history --json >"$tmp/b" 2>&1
check "... the file's history is the first file's" cmp -s "$tmp/a" "$tmp/b"
# ids go on after the copied ones on the server
"$SMSCTL" $P send --to +12025550144 --owner alice@example.com "after the copy" >/dev/null 2>&1
check "a text queued on the server after the copy takes the next id" \
	[ "$(pg_sql "SELECT max(id) FROM messages WHERE text = 'after the copy'")" = 21 ]
check "usage: smsctl store copy without --to" sh -c \
	"'$SMSCTL' $L store copy 2>&1 | grep -q 'usage: smsctl store copy --to DATABASE'"

# -- smsctl config check
check "config check connects to the server" sh -c \
	"'$SMSCTL' config check '$tmp/pg.conf' >/dev/null 2>'$tmp/cc'"
port=$(free_port)
conf "$tmp/down.conf" "postgresql://smsmilter@127.0.0.1:$port/smsmilter"
check "... and says when it cannot (exit 1, the server named)" sh -c \
	"! '$SMSCTL' config check '$tmp/down.conf' >/dev/null 2>'$tmp/cc' &&
	 grep -q 'Database: postgresql://smsmilter@127.0.0.1:$port/smsmilter: connecting: ' '$tmp/cc'"
conf "$tmp/pw.conf" "postgresql://smsmilter:s3cret@127.0.0.1:$port/smsmilter"
"$SMSCTL" config check "$tmp/pw.conf" >"$tmp/cc" 2>&1
check "... warns of a password in the URI, and never prints it" sh -c \
	"grep -q 'warning: the URI holds a password' '$tmp/cc' &&
	 ! grep -q s3cret '$tmp/cc'"
# libpq quotes what it cannot read of a URI: never a password
conf "$tmp/pct.conf" "postgresql://smsmilter:S3cr%zzet@127.0.0.1:$port/smsmilter"
"$SMSCTL" config check "$tmp/pct.conf" >"$tmp/cc" 2>&1
"$SMSCTL" -c "$tmp/pct.conf" queue >>"$tmp/cc" 2>&1
check "a password libpq cannot decode is not in its message either" sh -c \
	"grep -q 'connecting: ' '$tmp/cc' && ! grep -q 'S3cr' '$tmp/cc'"
conf "$tmp/at.conf" "postgresql://smsmilter:p@ss@word9@127.0.0.1:$port/smsmilter"
"$SMSCTL" config check "$tmp/at.conf" >"$tmp/cc" 2>&1
check "a raw @ in the password is refused, saying to write %40" sh -c \
	"grep -q 'more than one @: write an @ of the password as %40' '$tmp/cc' &&
	 ! grep -q 'word9' '$tmp/cc'"
echo "1..$n"
[ "$failed" -eq 0 ]
