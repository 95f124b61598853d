#!/bin/sh
# test_pg_env.sh - tests/pg.sh: a private PostgreSQL starts, answers and
# leaves nothing behind
#
# Usage: tests/store/test_pg_env.sh
#
# A cluster from pg_start answers SELECT 1 on 127.0.0.1 only, as the
# user and database smsmilter, fsync off, its socket in its directory,
# its postmaster not root's; pg_sql fails on bad SQL; pg_stop leaves no
# process of it and no directory. A test that fails with a cluster up
# still stops it (its EXIT trap); a postmaster that does not stop
# (SIGSTOP) is killed, with its children. Debian's cluster (5432) is
# never used. Skips when PostgreSQL 15 is not installed. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/pg.sh"
cleanup() {
	pg_stop
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/smsmilter-pgenv.XXXXXX)
chmod 755 "$tmp" # nobody runs the cluster when we are root

# gone PIDFILE DIR: no process of the cluster that was in DIR is left:
# none of the pids listed in PIDFILE is a live postgres process, and no
# process names DIR on its command line
gone() {
	# (a zombie has left: PID 1 here reaps orphans a while later)
	while read -r p; do
		comm="" state=""
		read -r _ comm state _ 2>/dev/null <"/proc/$p/stat"
		[ "$comm" = "(postgres)" ] && [ "$state" != Z ] && return 1
	done <"$1"
	# (no grep: its own command line would name DIR)
	for c in /proc/[0-9]*/cmdline; do
		case $(tr '\0' ' ' 2>/dev/null <"$c") in
		*"$2"*) return 1 ;;
		esac
	done
	return 0
}

# family: the postmaster's pid and its children's, one a line
family() {
	echo "$PG_PID"
	ps -o pid= --ppid "$PG_PID" | tr -d ' '
}

check "pg_start: a cluster is up" pg_start "$tmp/pg"
dir=$PG_DIR
check "PG_URI names 127.0.0.1, its port, user and database smsmilter" \
	[ "$PG_URI" = "postgresql://smsmilter@127.0.0.1:$PG_PORT/smsmilter" ]
check "not Debian's port 5432" [ "$PG_PORT" != 5432 ]
check "PG_PID is the postmaster, from postmaster.pid" sh -c \
	"[ \"\$(cat /proc/$PG_PID/comm)\" = postgres ] &&
	 tr '\0' ' ' </proc/$PG_PID/cmdline | grep -qF -- '-D $dir'"
if [ "$(id -u)" -eq 0 ]; then
	check "the postmaster runs as nobody, not root" \
		[ "$(ps -o user= -p "$PG_PID")" = nobody ]
fi
check "SELECT 1 answers 1" [ "$(pg_sql "SELECT 1")" = 1 ]
check "as smsmilter in smsmilter" \
	[ "$(pg_sql "SELECT current_user || ' ' || current_database()")" = \
		"smsmilter smsmilter" ]
check "fsync off by default" [ "$(pg_sql "SHOW fsync")" = off ]
check "listens on 127.0.0.1 only" \
	[ "$(pg_sql "SHOW listen_addresses")" = 127.0.0.1 ]
check "... and on no other address" sh -c \
	"! ss -Hltn | awk '{print \$4}' | grep -v '^127.0.0.1:' |
	 grep -q ':$PG_PORT\$'"
check "its socket is in its directory" [ -S "$dir/.s.PGSQL.$PG_PORT" ]
check "pg_sql runs each argument, in order" \
	[ "$(pg_sql "CREATE TABLE t (a BIGINT)" "INSERT INTO t VALUES (7)" \
		"SELECT a, a * 2 FROM t")" = "7|14" ]
check "pg_sql fails on bad SQL" sh -c \
	". '$top/tests/pg.sh'; PG_URI='$PG_URI'; ! pg_sql 'SELECT nonsense' 2>/dev/null"
family >"$tmp/family"
check "pg_stop stops it" pg_stop
check "no process of it is left" gone "$tmp/family" "$dir"
check "its directory is gone" [ ! -e "$dir" ]
check "pg_stop again does nothing, and succeeds" pg_stop

# a test that fails with its cluster up: its EXIT trap stops it
cat >"$tmp/failing.sh" <<EOS
. '$top/tests/tap.sh'
. '$top/tests/procs.sh'
. '$top/tests/pg.sh'
cleanup() { pg_stop; }
pg_start '$tmp/pg2' || exit 2
echo "\$PG_PID" >'$tmp/pid2'
ps -o pid= --ppid "\$PG_PID" | tr -d ' ' >>'$tmp/pid2'
exit 1
EOS
sh "$tmp/failing.sh" >/dev/null 2>&1
check "a failing test started its cluster" [ -s "$tmp/pid2" ]
check "... and its EXIT trap stopped it" gone "$tmp/pid2" "$tmp/pg2"
check "... and removed its directory" [ ! -e "$tmp/pg2" ]

# a postmaster that does not stop: killed, and its children
check "another cluster, fsync on" pg_start "$tmp/pg3" on
check "... fsync on" [ "$(pg_sql "SHOW fsync")" = on ]
dir=$PG_DIR
family >"$tmp/family3"
kill -STOP "$PG_PID"
check "pg_stop kills a postmaster that does not stop" \
	env PG_STOP_SECONDS=2 sh -c ". '$top/tests/procs.sh'; . '$top/tests/pg.sh'; PG_DIR='$dir'; pg_stop 2>/dev/null"
check "... and its children" gone "$tmp/family3" "$dir"
check "... and removes its directory" [ ! -e "$dir" ]
pg_stop
echo "1..$n"
[ "$failed" -eq 0 ]
