# pg.sh - a private PostgreSQL for tests: pg_start, pg_sql, pg_stop
#
# pg_start DIR [FSYNC]
#	a new cluster in DIR (made here; it must not exist yet, and its
#	parent must be reachable by nobody when run as root), its
#	postmaster on a free port of 127.0.0.1 only, its socket in DIR,
#	fsync FSYNC ("off" by default: tests want speed, and a crash of
#	the machine loses nothing a test needs), the database smsmilter
#	of the superuser smsmilter (trust). Sets PG_DIR, PG_PORT, PG_PID
#	(the postmaster, from DIR/postmaster.pid) and exports
#	PG_URI=postgresql://smsmilter@127.0.0.1:PORT/smsmilter. Returns 1,
#	saying why on stderr, if the cluster cannot start (pg_stop still
#	cleans up after it). When PostgreSQL 15 is not installed, skips
#	the whole test (skip_all, from tests/tap.sh), or, without tap.sh,
#	exits 77 (automake's skip).
# pg_sql SQL...: psql on PG_URI, each argument one -c; rows unaligned,
#	fields by "|", no headers; stops at the first error (status 3)
# pg_stop: pg_ctl stop -m fast (PG_STOP_SECONDS, 10 by default), then
#	SIGKILL to the postmaster and its children by pid if still there;
#	removes PG_DIR. Safe to call twice, before pg_start, or after a
#	pg_start that failed: call it from the test's cleanup() (the EXIT
#	trap).
#
# initdb and the postmaster refuse to run as root: as root, both run as
# nobody (runuser), who owns DIR. Debian's own cluster (5432, its socket
# in /run/postgresql) is never used: the binaries are called by path,
# never through pg_wrapper, and every connection names our port. One
# cluster a shell; needs free_port and stop_pids (tests/procs.sh,
# sourced first).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR="" PG_PORT="" PG_PID="" PG_URI=""
export PG_URI

# pg_as CMD...: CMD as the cluster's owner (nobody when we are root)
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

# pg_missing: why a cluster cannot be made here, or nothing
pg_missing() {
	for b in initdb pg_ctl postgres psql; do
		[ -x "$PG_BIN/$b" ] || {
			echo "PostgreSQL 15 is not installed ($PG_BIN/$b)"
			return
		}
	done
	if [ "$(id -u)" -eq 0 ]; then
		command -v runuser >/dev/null 2>&1 ||
			echo "runuser is missing (initdb refuses root)"
		id nobody >/dev/null 2>&1 ||
			echo "no user nobody to run PostgreSQL as"
	fi
}

pg_start() {
	pg_dir=$1
	pg_fsync=${2:-off}
	why=$(pg_missing)
	if [ -n "$why" ]; then
		command -v skip_all >/dev/null 2>&1 && skip_all "$why"
		echo "pg.sh: skipped: $why" >&2
		exit 77
	fi
	case $pg_fsync in
	on | off) ;;
	*)
		echo "pg_start: FSYNC is on or off, not $pg_fsync" >&2
		return 1
		;;
	esac
	mkdir -p "$pg_dir" || return 1
	if [ -n "$(ls -A "$pg_dir")" ]; then
		echo "pg_start: $pg_dir is not empty" >&2
		return 1
	fi
	PG_DIR=$pg_dir
	chmod 700 "$PG_DIR"
	[ "$(id -u)" -eq 0 ] && chown nobody "$PG_DIR"
	if ! pg_as test -w "$PG_DIR"; then
		echo "pg_start: nobody cannot write $PG_DIR: make its parents" \
			"searchable by others (chmod 755)" >&2
		return 1
	fi
	# the environment must not point psql or initdb elsewhere
	unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE \
		PGSERVICEFILE PGPASSFILE PGOPTIONS PGDATA
	pg_nosync=""
	[ "$pg_fsync" = off ] && pg_nosync=--no-sync
	# (UTF8: the schema's ICU collation needs it)
	if ! pg_out=$(pg_as "$PG_BIN/initdb" -D "$PG_DIR" -U smsmilter \
		--auth=trust -E UTF8 --locale=C.UTF-8 $pg_nosync 2>&1); then
		printf 'pg_start: initdb failed:\n%s\n' "$pg_out" >&2
		return 1
	fi
	# another process may take the free port before the postmaster
	# binds it: a few ports, each new
	for _ in 1 2 3; do
		PG_PORT=$(free_port)
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/log" -w -t 30 \
			-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=$pg_fsync -c full_page_writes=$pg_fsync" \
			start >/dev/null 2>&1 && break
		PG_PID=$(head -n 1 "$PG_DIR/postmaster.pid" 2>/dev/null)
		[ -n "$PG_PID" ] && stop_pids "$PG_PID"
		PG_PORT="" PG_PID=""
	done
	if [ -z "$PG_PORT" ]; then
		echo "pg_start: the postmaster did not start; its log:" >&2
		cat "$PG_DIR/log" >&2
		return 1
	fi
	PG_PID=$(head -n 1 "$PG_DIR/postmaster.pid")
	PG_URI="postgresql://smsmilter@127.0.0.1:$PG_PORT/smsmilter"
	if ! "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
		-d "postgresql://smsmilter@127.0.0.1:$PG_PORT/postgres" \
		-c "CREATE DATABASE smsmilter" >/dev/null; then
		echo "pg_start: CREATE DATABASE smsmilter failed" >&2
		return 1
	fi
	return 0
}

pg_sql() {
	if [ -z "$PG_URI" ]; then
		echo "pg_sql: no cluster (pg_start first)" >&2
		return 2
	fi
	# each argument after a -c of its own, in place of the arguments
	pg_n=$#
	for pg_c in "$@"; do
		set -- "$@" -c "$pg_c"
	done
	shift "$pg_n"
	"$PG_BIN/psql" -X -q -A -t -F "|" -v ON_ERROR_STOP=1 -d "$PG_URI" "$@"
}

# pg_ours PID: PID is the postmaster of PG_DIR (not a pid reused since,
# nor a zombie)
pg_ours() {
	[ -n "$1" ] && [ -n "$PG_DIR" ] &&
		tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" |
		grep -qF -- "-D $PG_DIR "
}

pg_stop() {
	if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/postmaster.pid" ]; then
		PG_PID=$(head -n 1 "$PG_DIR/postmaster.pid")
	fi
	if pg_ours "$PG_PID"; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR" stop -m fast -w \
			-t "${PG_STOP_SECONDS:-10}" >/dev/null 2>&1
		if pg_ours "$PG_PID"; then
			echo "pg_stop: the postmaster $PG_PID outlived" \
				"pg_ctl stop: killing it and its children" >&2
			# its children, asked by its pid (never by name):
			# without their postmaster they are no use
			pg_kids=$(ps -o pid= --ppid "$PG_PID" 2>/dev/null)
			# shellcheck disable=SC2086
			kill -9 "$PG_PID" $pg_kids 2>/dev/null
		fi
		i=0
		while pg_ours "$PG_PID" && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR="" PG_PORT="" PG_PID="" PG_URI=""
	return 0
}
