#!/bin/sh
# test_pg_schema.sh - the PostgreSQL schema (store/schema_pg.c) is the
# SQLite one (store/schema.c) at the same version
#
# Usage: tests/store/test_pg_schema.sh [BUILD_DIR]
#
# A SQLite store made through the store's API (BUILD/tests/pg_schema
# sqlite) and a private PostgreSQL (tests/pg.sh) migrated as the store
# will (a transaction: the lock SQL, then the steps from version 0),
# compared table by table from their catalogs: the same tables (and
# schema_version), each with the same columns in the same order (an id
# where SQLite's statements use the rowid the only addition), types
# (INTEGER BIGINT, TEXT, BLOB BYTEA), NOT NULL and defaults; the same
# primary keys, unique constraints, indexes (their columns, partial
# WHERE), foreign keys (ON DELETE), checks and NOCASE columns. Then
# what the schema does: the check, case-insensitive names, ids never
# reused, cascades, one version row; two processes migrating a new
# database at once both succeed. store_pg_schema_sql's answers for each
# version. Skips without PostgreSQL 15. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/pg.sh"
HELPER=$BUILD/tests/pg_schema
if [ ! -x "$HELPER" ]; then
	echo "Bail out! no $HELPER: make tests"
	exit 1
fi
pids=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	pg_stop
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/smsmilter-pgschema.XXXXXX)
chmod 755 "$tmp" # nobody runs the cluster when we are root
export LC_ALL=C
db=$tmp/s.db

# lite SQL: sqlite3 on the SQLite store, rows by "|"
lite() {
	sqlite3 -batch -bail "$db" "$1"
}

# migrate_sql [DELAY]: the store's migration of a new database as one
# psql script: the lock, DELAY seconds, then, at version 0, the steps
migrate_sql() {
	printf '%s\n' '\set ON_ERROR_STOP 1' 'BEGIN;'
	"$HELPER" lock
	printf '%s\n' "SELECT pg_sleep(${1:-0});" \
		'SELECT version = 0 AS fresh FROM schema_version \gset' '\if :fresh'
	"$HELPER" steps 0 | sed 1d
	printf '%s\n' '\endif' 'COMMIT;'
}

# psql_on DB: psql reading stdin on the database DB of the cluster
psql_on() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
		-d "${PG_URI%/*}/$1"
}

# same WHAT A B: files A and B are equal, else the diff on stderr
same() {
	diff -u "$2" "$3" >"$tmp/diff" && return 0
	echo "# $1 differ (SQLite -, PostgreSQL +):" >&2
	sed 's/^/#   /' "$tmp/diff" >&2
	return 1
}

# -- store_pg_schema_sql's answer for each version
# V: STORE_SCHEMA_VERSION; F: PostgreSQL's first (its 0 -> F at once)
# shellcheck disable=SC2046 # two numbers, split on purpose
set -- $("$HELPER" versions)
V=$1 F=$2
check "from 0: one step to $F, then one a version" \
	[ "$("$HELPER" steps 0 | head -n 1)" = $((V - F + 1)) ]
check "from $F: one step a version" \
	[ "$("$HELPER" steps "$F" | head -n 1)" = $((V - F)) ]
check "from STORE_SCHEMA_VERSION: none" \
	[ "$("$HELPER" steps "$V" | head -n 1)" = 0 ]
for v in 1 $((F - 1)) $((V + 1)) -1; do
	check "from $v: no PostgreSQL store is there (-1)" sh -c \
		"[ \"\$('$HELPER' steps $v)\" = -1 ] && ! '$HELPER' steps $v >/dev/null"
done

check "a SQLite store made through the store's API" "$HELPER" sqlite "$db"
check "... at version $V" [ "$(lite "PRAGMA user_version")" = "$V" ]

pg_start "$tmp/pg" || {
	echo "Bail out! the cluster did not start"
	exit 1
}
check "the PostgreSQL migration loads, in one transaction" sh -c \
	"'$HELPER' lock >/dev/null && { echo 'BEGIN;'; '$HELPER' lock;
	 '$HELPER' steps 0 | sed 1d; echo 'COMMIT;'; } |
	 '$PG_BIN/psql' -X -q -v ON_ERROR_STOP=1 -d '$PG_URI' >/dev/null"
check "... and reaches version $V" \
	[ "$(pg_sql "SELECT version FROM schema_version")" = "$V" ]

# -- the catalogs, compared
lite "SELECT name FROM sqlite_master WHERE type = 'table'
	AND name NOT LIKE 'sqlite_%'" | sort >"$tmp/tables.lite"
pg_sql "SELECT table_name FROM information_schema.tables
	WHERE table_schema = current_schema()
	AND table_name <> 'schema_version'" | sort >"$tmp/tables.pg"
check "the same tables" same tables "$tmp/tables.lite" "$tmp/tables.pg"
check "... and schema_version" \
	[ "$(pg_sql "SELECT count(*) FROM information_schema.tables
		WHERE table_name = 'schema_version'")" = 1 ]

rowid_tables=""
tables=$(cat "$tmp/tables.lite")
for t in $tables; do
	lite "SELECT name, CASE upper(type) WHEN 'INTEGER' THEN 'bigint'
		WHEN 'TEXT' THEN 'text' WHEN 'BLOB' THEN 'bytea'
		ELSE type END, CASE WHEN \"notnull\" OR pk > 0
		THEN 'not null' ELSE 'null' END, coalesce(dflt_value, '-')
		FROM pragma_table_info('$t') ORDER BY cid" >"$tmp/cols.lite"
	pg_sql "SELECT column_name, data_type, CASE is_nullable
		WHEN 'NO' THEN 'not null' ELSE 'null' END,
		coalesce(regexp_replace(column_default, '::(text|bigint)\$',
		''), '-') FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = '$t'
		ORDER BY ordinal_position" >"$tmp/cols.pg"
	# an id SQLite has not: the rowid its statements use
	if ! grep -q '^id|' "$tmp/cols.lite" &&
		grep -q '^id|bigint|not null|-$' "$tmp/cols.pg"; then
		rowid_tables="$rowid_tables $t"
		sed -i '/^id|/d' "$tmp/cols.pg"
	fi
	cut -d '|' -f 1 "$tmp/cols.lite" >"$tmp/names.lite"
	cut -d '|' -f 1 "$tmp/cols.pg" >"$tmp/names.pg"
	check "$t: the same columns, in order" \
		same "$t's columns" "$tmp/names.lite" "$tmp/names.pg"
	check "$t: the same types, NOT NULL and defaults" \
		same "$t's columns" "$tmp/cols.lite" "$tmp/cols.pg"
done
check "an id for the rowid in inbound_unconfirmed and forwards only" \
	[ "$rowid_tables" = " forwards inbound_unconfirmed" ]
check "... always generated" \
	[ "$(pg_sql "SELECT string_agg(table_name || '.' || identity_generation,
		' ' ORDER BY table_name) FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id'
		AND identity_generation = 'ALWAYS'")" = \
		"forwards.ALWAYS inbound_unconfirmed.ALWAYS" ]
check "every other id an identity (BY DEFAULT)" \
	[ "$(pg_sql "SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id'
		AND identity_generation = 'BY DEFAULT'")" = \
		"$(lite "SELECT count(*) FROM sqlite_master m,
		pragma_table_info(m.name) p WHERE m.type = 'table'
		AND p.name = 'id' AND p.pk = 1")" ]

# primary keys (the rowid is SQLite's key of inbound_unconfirmed)
lite "SELECT m.name, coalesce((SELECT group_concat(name, ',') FROM
	(SELECT name FROM pragma_table_info(m.name) WHERE pk > 0
	ORDER BY pk)), 'id') FROM sqlite_master m WHERE m.type = 'table'
	AND m.name NOT LIKE 'sqlite_%'" | sort >"$tmp/pk.lite"
pg_sql "SELECT c.relname, (SELECT string_agg(a.attname, ',' ORDER BY k.n)
	FROM unnest(x.indkey) WITH ORDINALITY k (attnum, n)
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum)
	FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
	WHERE x.indisprimary AND c.relnamespace = to_regnamespace(current_schema())
	AND c.relname <> 'schema_version'" | sort >"$tmp/pk.pg"
check "the same primary keys" same "primary keys" "$tmp/pk.lite" "$tmp/pk.pg"

# unique constraints (u) and indexes (c, by name): columns, unique,
# the WHERE of a partial one (no spaces or parentheses, lower case)
lite "SELECT m.name, il.origin, CASE il.origin WHEN 'c' THEN il.name
	ELSE '-' END, (SELECT group_concat(name, ',') FROM (SELECT name
	FROM pragma_index_info(il.name) ORDER BY seqno)), il.\"unique\",
	CASE WHEN il.partial THEN lower(replace(replace(replace(substr(x.sql,
	instr(upper(x.sql), ' WHERE ') + 7), '(', ''), ')', ''), ' ', ''))
	ELSE '-' END FROM sqlite_master m, pragma_index_list(m.name) il
	LEFT JOIN sqlite_master x ON x.name = il.name
	WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
	AND il.origin <> 'pk'" | sort >"$tmp/idx.lite"
pg_sql "SELECT c.relname, CASE WHEN con.oid IS NULL THEN 'c' ELSE 'u' END,
	CASE WHEN con.oid IS NULL THEN i.relname ELSE '-' END,
	(SELECT string_agg(a.attname, ',' ORDER BY k.n)
	FROM unnest(x.indkey) WITH ORDINALITY k (attnum, n)
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum),
	x.indisunique::int, coalesce(lower(replace(replace(replace(replace(
	pg_get_expr(x.indpred, x.indrelid), '(', ''), ')', ''), ' ', ''),
	'::text', '')), '-')
	FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
	JOIN pg_class i ON i.oid = x.indexrelid
	LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid
	AND con.contype = 'u'
	WHERE NOT x.indisprimary
	AND c.relnamespace = to_regnamespace(current_schema())" |
	sort >"$tmp/idx.pg"
check "the same unique constraints and indexes" \
	same "indexes" "$tmp/idx.lite" "$tmp/idx.pg"

lite "SELECT m.name, f.\"from\", f.\"table\", f.\"to\", f.on_delete
	FROM sqlite_master m, pragma_foreign_key_list(m.name) f
	WHERE m.type = 'table'" | sort >"$tmp/fk.lite"
pg_sql "SELECT co.conrelid::regclass, a.attname, co.confrelid::regclass,
	af.attname, CASE co.confdeltype WHEN 'a' THEN 'NO ACTION'
	WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT'
	WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
	FROM pg_constraint co
	JOIN pg_attribute a ON a.attrelid = co.conrelid
	AND a.attnum = co.conkey[1]
	JOIN pg_attribute af ON af.attrelid = co.confrelid
	AND af.attnum = co.confkey[1]
	WHERE co.contype = 'f' AND cardinality(co.conkey) = 1
	AND co.connamespace = to_regnamespace(current_schema())" |
	sort >"$tmp/fk.pg"
check "the same foreign keys" same "foreign keys" "$tmp/fk.lite" "$tmp/fk.pg"
check "... of one column each" \
	[ "$(pg_sql "SELECT count(*) FROM pg_constraint WHERE contype = 'f'
		AND cardinality(conkey) <> 1")" = 0 ]

lite "SELECT name FROM sqlite_master WHERE type = 'table'
	AND sql LIKE '%CHECK (%'" | sort >"$tmp/ck.lite"
pg_sql "SELECT conrelid::regclass FROM pg_constraint WHERE contype = 'c'
	AND connamespace = to_regnamespace(current_schema())
	AND conrelid <> 'schema_version'::regclass" | sort >"$tmp/ck.pg"
check "checks on the same tables" same "checks" "$tmp/ck.lite" "$tmp/ck.pg"

# NOCASE columns: SQLite's from the CREATE TABLE text, a column a line
lite "SELECT name, sql FROM sqlite_master WHERE type = 'table'" |
	awk -F '|' '{ sub(/^[^(]*\(/, "", $2); n = split($2, c, ",");
		for (i = 1; i <= n; i++) if (c[i] ~ /COLLATE NOCASE/) {
			sub(/^ */, "", c[i]); split(c[i], w, " ");
			print $1 "." w[1] } }' | sort >"$tmp/nocase.lite"
pg_sql "SELECT table_name || '.' || column_name
	FROM information_schema.columns WHERE table_schema = current_schema()
	AND collation_name = 'nocase'" | sort >"$tmp/nocase.pg"
check "SQLite has NOCASE columns" [ -s "$tmp/nocase.lite" ]
check "... the same in PostgreSQL" \
	same "NOCASE columns" "$tmp/nocase.lite" "$tmp/nocase.pg"

# -- what the schema does
# fails SQL: SQL is refused
fails() {
	! pg_sql "$1" >/dev/null 2>&1
}
pg_sql "INSERT INTO threads (owner, phone, sender, tag, created,
	last_active) VALUES ('a@example.com', '+1', '+2', 't1', 1, 1)"
msg="INSERT INTO messages (thread_id, direction, text, encoding, segments,
	state, due, created, updated, sid)"
check "a text in or out" pg_sql \
	"$msg VALUES (1, 'out', 'hi', 0, 1, 0, 1, 1, 1, NULL)" \
	"$msg VALUES (1, 'in', 'hi', 0, 1, 0, 1, 1, 1, NULL)"
check "... never another direction" \
	fails "$msg VALUES (1, 'up', 'hi', 0, 1, 0, 1, 1, 1, NULL)"
check "... nor a thread that is not there" \
	fails "$msg VALUES (99, 'out', 'hi', 0, 1, 0, 1, 1, 1, NULL)"
check "two texts without a sid" \
	[ "$(pg_sql "SELECT count(*) FROM messages WHERE sid IS NULL")" = 2 ]
check "one sid once" pg_sql "$msg VALUES (1, 'out', 'x', 0, 1, 0, 1, 1, 1, 'SM1')"
check "... never twice" \
	fails "$msg VALUES (1, 'out', 'x', 0, 1, 0, 1, 1, 1, 'SM1')"
pg_sql "INSERT INTO segments (message_id, seq, state, updated)
	VALUES (1, 0, 0, 1)" "INSERT INTO events (message_id, at, state)
	VALUES (1, 1, 0)"
check "a text deleted takes its segments and events" sh -c \
	". '$top/tests/pg.sh'; PG_URI='$PG_URI'
	 pg_sql 'DELETE FROM messages WHERE id = 1' &&
	 [ \"\$(pg_sql 'SELECT (SELECT count(*) FROM segments)
		+ (SELECT count(*) FROM events)')\" = 0 ]"
check "a thread with texts stays" fails "DELETE FROM threads WHERE id = 1"
check "a contact's name" pg_sql \
	"INSERT INTO contacts VALUES ('Alice', '+1', 1)"
check "... is hers in any case" fails \
	"INSERT INTO contacts VALUES ('ALICE', '+2', 1)"
check "... found in any case, a text parameter as libpq sends it" \
	[ "$(pg_sql "PREPARE c(text) AS SELECT phone FROM contacts
		WHERE name = \$1" "EXECUTE c('aLiCe')")" = "+1" ]
check "... not regardless of accents" pg_sql \
	"INSERT INTO contacts VALUES ('Alicé', '+3', 1)"
check "a group" pg_sql "INSERT INTO groups VALUES ('Friends', 1)"
check "... is found by its members in any case (SQLite's foreign key)" \
	pg_sql "INSERT INTO group_members VALUES ('FRIENDS', 'x')"
check "... whose names are theirs in any case" [ "$(pg_sql \
	"INSERT INTO group_members VALUES ('FRIENDS', 'X')
	 ON CONFLICT DO NOTHING RETURNING 1")" = "" ]
check "... and leave with it" [ "$(pg_sql \
	"DELETE FROM groups WHERE name = 'friends'" \
	"SELECT count(*) FROM group_members")" = 0 ]
media="INSERT INTO media (mid, owner, content_type, size, data, created,
	expires)"
id1=$(pg_sql "$media VALUES ('M1', 'a', 'image/png', 2, '\\x00ff', 1, 2)
	RETURNING id")
check "a file's bytes, NUL and all" \
	[ "$(pg_sql "SELECT length(data) || encode(data, 'hex') FROM media")" = \
		"200ff" ]
pg_sql "DELETE FROM media"
id2=$(pg_sql "$media VALUES ('M2', 'a', 'image/png', 1, 'a', 1, 2)
	RETURNING id")
check "a file's id is never another's, even deleted" [ "$id2" -gt "$id1" ]
check "the rowid's stand-in is made" [ "$(pg_sql \
	"INSERT INTO inbound_unconfirmed (fp, session, mark, at)
	 VALUES ('f', 's', 1, 1) RETURNING id")" -gt 0 ]
check "... never given" fails \
	"INSERT INTO inbound_unconfirmed (id, fp, session, mark, at)
	 VALUES (5, 'f', 's', 1, 1)"
pg_sql "INSERT INTO forwards (number, target, phone, owner, at)
	VALUES ('n', 't', 'p', 'o', 1)"
fid=$(pg_sql "SELECT id FROM forwards")
check "... kept by an upsert, as the rowid" [ "$(pg_sql \
	"INSERT INTO forwards (number, target, phone, owner, at)
	 VALUES ('n', 't', 'p', 'o2', 2) ON CONFLICT (number, target, phone)
	 DO UPDATE SET owner = excluded.owner, at = excluded.at RETURNING id")" \
	= "$fid" ]
check "one version row" fails "INSERT INTO schema_version (one, version)
	VALUES (2, 9)"
check "the lock again: nothing to do, still one row at $V" sh -c \
	"{ echo 'BEGIN;'; '$HELPER' lock; echo 'COMMIT;'; } |
	 '$PG_BIN/psql' -X -q -v ON_ERROR_STOP=1 -d '$PG_URI' >/dev/null &&
	 [ \"\$('$PG_BIN/psql' -X -A -t -d '$PG_URI' -c \
		'SELECT count(*), max(version) FROM schema_version')\" = '1|$V' ]"

# two processes migrate a new database at once: one waits for the other
pg_sql "CREATE DATABASE race"
migrate_sql 1 >"$tmp/migrate.sql"
psql_on race <"$tmp/migrate.sql" >"$tmp/race1.out" 2>&1 &
r1=$!
psql_on race <"$tmp/migrate.sql" >"$tmp/race2.out" 2>&1 &
r2=$!
pids="$r1 $r2"
wait "$r1"
s1=$?
wait "$r2"
s2=$?
pids=""
check "two migrating at once both succeed" [ "$s1.$s2" = 0.0 ]
[ "$s1.$s2" = 0.0 ] || sed 's/^/# /' "$tmp/race1.out" "$tmp/race2.out"
check "... and the database is at $V, with every table" [ "$(echo \
	"SELECT max(version), (SELECT count(*) FROM information_schema.tables
	 WHERE table_schema = current_schema()) FROM schema_version" |
	psql_on race)" = "$V|$(($(wc -l <"$tmp/tables.lite") + 1))" ]
echo "1..$n"
[ "$failed" -eq 0 ]
