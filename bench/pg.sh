#!/bin/sh
# pg.sh - the store on PostgreSQL: enqueue and claim beside SQLite, and
# texts per second through one and two gateways sharing it
#
# Usage: bench/pg.sh BUILD_DIR
# A private PostgreSQL (tests/pg.sh, fsync on: a commit is on disk, as
# SQLite's with DatabaseSync full) on loopback. bench_store's enqueue
# (a transaction per text, as the milter's) and claim (10 at a time,
# each marked submitted, as the gateway's) there: pg_store_enqueue,
# pg_store_claim (SQLite's are store_enqueue_full and store_claim,
# printed by bench_store before). Then BENCH_PG_TEXTS texts (default
# 2000) wait queued in PostgreSQL and 1, then 2, smsgw (window 10 each,
# their own SMPP binds) send them to one test SMSC: pg_submit_1gw,
# pg_submit_2gw, texts over the time from the first submit_sm to the
# last, and the texts the SMSC got twice (must be 0). This 2-core
# machine cannot show the second gateway's gain: reported, not gated.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
N=${BENCH_PG_TEXTS:-2000}
secs=${BENCH_SECONDS:-2}

. "$top/tests/procs.sh"
. "$top/tests/pg.sh"
. "$here/smsc.sh"
why=$(pg_missing)
if [ -n "$why" ]; then
	echo "bench: pg skipped: $why" >&2
	exit 0
fi
if [ ! -d "$top/tests/smsc/node_modules/smpp" ]; then
	echo "bench: pg skipped: npm smpp missing (scripts/deps.sh)" >&2
	exit 0
fi
pids=""
tmp=$(mktemp -d /tmp/smsmilter-bpg.XXXXXX)
chmod 755 "$tmp"
stop_all() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	pids=""
}
trap 'stop_all; pg_stop; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
pg_start "$tmp/pg" on || exit 1
empty() {
	pg_sql "SET client_min_messages = warning" \
		"DROP SCHEMA public CASCADE" "CREATE SCHEMA public"
}

"$BUILD/bench/bench_store" "$tmp" "$secs" "$PG_URI"

printf 'bench-secret-0123456789abcdef\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"

# run GATEWAYS: N texts queued, then sent by that many smsgw
run() {
	empty
	bench_smsc pids "smsc$1"
	g=1
	while [ $g -le "$1" ]; do
		bench_gw_conf "$tmp/gw$g.conf" "$PG_URI" "$g" \
			"WebhookListen 127.0.0.1:$(free_port)"
		g=$((g + 1))
	done
	bench_queue "$tmp/gw1.conf" "$N"
	g=1
	while [ $g -le "$1" ]; do
		"$BUILD/smsgw" -f -c "$tmp/gw$g.conf" 2>"$tmp/smsgw$g.log" &
		pids="$pids $!"
		g=$((g + 1))
	done
	i=0
	while [ "$(cat "$tmp/smsc$1.jsonl" 2>/dev/null | grep -c '"cmd":"submit_sm"')" -lt "$N" ] &&
		[ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1 # any text sent twice has come by now
	stop_all
	node -e '
const p = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm");
const t = p.map(p => p.t), seen = new Set();
let twice = 0;
for (const x of p) { const k = x.sm; if (seen.has(k)) twice++; seen.add(k); }
const rate = t.length > 1 ? Math.round((t.length - 1) * 1000 / (t[t.length - 1] - t[0])) : 0;
console.log("bench: pg_submit_" + process.argv[2] + "gw " + (t.length >= +process.argv[3] ? rate : 0) + " msg/s");
console.log("bench: pg_submit_" + process.argv[2] + "gw_sent " + t.length + " texts");
console.log("bench: pg_submit_" + process.argv[2] + "gw_twice " + twice + " texts");
' "$tmp/smsc$1.jsonl" "$1" "$N"
}
run 1
run 2
