#!/bin/sh
# test_pg_sites.sh - two sites on one PostgreSQL: two Postfix instances
# each with its smsmilter, two smsgw, one test SMSC
#
# Usage: sh tests/e2e/test_pg_sites.sh BUILD
# A private PostgreSQL (tests/pg.sh) is the Database of both sites. A
# client mails PG_SITES_MAILS texts (default 2,000) to phones, every
# other one through each Postfix, four sessions a site, sending a mail
# again after any 4xx or broken session, as an MTA would. A third of
# the way, site a's smsgw is killed with SIGKILL and not started again:
# site b's finishes a's texts once their leases (ClaimLease 30s) end.
# Half way, PostgreSQL is stopped for 10 s: the milters answer 4xx
# meanwhile, the gateways pause, and all go on when it is back. Then:
# every text accepted reached the SMSC (lost 0), at most a window (10)
# more than once (the killed gateway's texts in flight), each stored
# once. Then a's gateway starts again and phones answer, each text
# given to one bind (either gateway), long ones in two parts given one
# to each gateway: every answer is mailed once, each long one whole.
# Prints TAP and "pg_sites: ..." figures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
. "$top/tests/pg.sh"
e2e_setup pgsites npm
cleanup() {
	e2e_cleanup
	pg_stop
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
N=${PG_SITES_MAILS:-2000}
WINDOW=10

pg_start "$tmp/pg" || { check "PostgreSQL starts" false; exit 1; }
smsc_start "$tmp" || { check "the SMSC starts" false; exit 1; }

# site NAME: Postfix, smtp-sink, smsmilter and smsgw of one host, all on
# PG_URI; sets port_NAME, milter_NAME, gw_NAME
site() {
	d=$tmp/$1
	mkdir -p "$d"
	p=$(free_port) s=$(free_port)
	E2E_DATABASE=$PG_URI loop_conf "$d" "$s"
	cat >>"$d/smsmilter.conf" <<CONF
SmppWindow $WINDOW
SmppResponseTimeout 2s
ClaimLease 30s
CONF
	pf_init "$d/pf" "$p" "$s" "unix:$d/milter.sock" || return 1
	sink_start "$d" "$s"
	milter_start "$d/smsmilter.conf" "$d/milter.log" || return 1
	gw_start "$d"
	pf_start "$d/pf"
	wait_port "$p" || return 1
	eval "port_$1=$p milter_$1=$MILTER_PID gw_$1=$GW_PID"
}
site a || { check "site a starts" false; exit 1; }
site b || { check "site b starts" false; exit 1; }
# shellcheck disable=SC2154
check "two sites up: each a Postfix, a milter and a gateway on one server" \
	test -n "$port_a" -a -n "$port_b"

# the client: mail i through site a when i is even, b when odd, each
# sent until answered 250, eight sessions; the 4xx answers counted
python3 "$top/tests/e2e/mailclient.py" "$port_a,$port_b" "$N" pgsites \
	"$tmp/accepted" 8 >"$tmp/client.out" 2>&1 &
client=$!
E2E_PIDS="$E2E_PIDS $client"

progress() { c=$(cat "$tmp/accepted" 2>/dev/null); echo "${c:-0}"; }
# a's gateway killed a third of the way
WAIT_SECONDS=300 wait_for sh -c "[ \$(cat '$tmp/accepted' 2>/dev/null || echo 0) -ge $((N / 3)) ]"
# shellcheck disable=SC2154
kill -KILL "$gw_a"
wait "$gw_a" 2>/dev/null
killed_at=$(progress)
# the server stopped for 10 s half way
WAIT_SECONDS=300 wait_for sh -c "[ \$(cat '$tmp/accepted' 2>/dev/null || echo 0) -ge $((N / 2)) ]"
pg_opts="-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR" stop -m fast -w >/dev/null 2>&1
down_at=$(progress)
sleep 10
during=$(($(progress) - down_at))
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/log" -w -t 30 -o "$pg_opts" \
	start >/dev/null 2>&1
PG_PID=$(head -n 1 "$PG_DIR/postmaster.pid" 2>/dev/null)
check "PostgreSQL stopped for 10 s and started again" \
	"$PG_BIN/psql" -X -q -d "$PG_URI" -c "SELECT 1"
echo "# a's gateway killed at $killed_at accepted; server down at $down_at, $during accepted while it was down"
check "no mail was accepted while the server was down (the milters said 4xx)" \
	test "$during" -le 8 # the 250s on their way as it stopped

WAIT_SECONDS=600 wait_for sh -c "! kill -0 $client 2>/dev/null"
sed "s/^/# client: /" "$tmp/client.out"
set -- $(sed -n 's/^accepted \([0-9]*\) tempfail \([0-9]*\) broken \([0-9]*\)/\1 \2 \3/p' "$tmp/client.out")
accepted=${1:-0} tempfail=${2:-0}
check "the client's $N mails were all answered 250 in the end" \
	test "$accepted" -eq "$N"
check "the milters answered 4xx while the server was down ($tempfail)" \
	test "$tempfail" -gt 0
grep -h 'status=\|451\|store' "$tmp/a/milter.log" "$tmp/b/milter.log" |
	grep -i 'store\|451' | head -3 | sed 's/^/# milter: /'

# every text submitted, once (within the window of the killed gateway)
# (the killed gateway's texts in flight are due again when their
# leases end, and b sends them)
pending() {
	pg_sql "SELECT count(*) FROM messages WHERE state <= 2"
}
WAIT_SECONDS=180 wait_for sh -c \
	"[ \"\$(grep -c '\"cmd\":\"submit_sm\"' '$tmp/pdus.jsonl')\" -ge $N ]"
WAIT_SECONDS=120 wait_for sh -c "[ \"\$('$PG_BIN/psql' -X -q -A -t -d '$PG_URI' -c 'SELECT count(*) FROM messages WHERE state <= 2')\" -eq 0 ]"
sleep 1
counts=$(python3 "$top/tests/smsc/tally.py" "$tmp/pdus.jsonl" "$N" pgsites)
set -- $counts
total=$1 got=$2 lost=$3 dups=$4
check "every accepted text reached the SMSC (lost $lost)" test "$lost" -eq 0
check "texts sent twice ($dups): at most the killed gateway's window ($WINDOW)" \
	test "$dups" -le "$WINDOW"
stored=$(pg_sql "SELECT count(*) FROM messages WHERE direction = 'out'")
check "the store holds each mail's text once ($stored of $N)" \
	test "$stored" -eq "$N"
left=$(pending)
check "nothing is left queued or leased ($left)" test "$left" -eq 0
echo "pg_sites: mails=$N accepted=$accepted submitted=$total received=$got lost=$lost duplicated=$dups tempfail=$tempfail"

# -- answers from phones, each given to one of the two gateways
gw_start "$tmp/a"
WAIT_SECONDS=20 wait_for sh -c \
	"[ \"\$(grep -c '\"cmd\":\"bind_transceiver\"' '$tmp/pdus.jsonl')\" -ge 3 ]"
M=40
i=0
while [ $i -lt $M ]; do
	printf '{"mo": {"from": "%s", "to": "12025550100", "text": "answer %d"}, "session": %d}\n' \
		"$((12025551000 + i % 50))" "$i" "$((i % 2))" >&9
	i=$((i + 1))
done
# two-part texts: part 1 to one gateway, part 2 to the other
L=10
i=0
while [ $i -lt $L ]; do
	ref=$(printf '%02x' $((i + 1)))
	p1=$(printf 'long answer %02d first half, ' "$i" | od -An -tx1 | tr -d ' \n')
	p2=$(printf 'second half of %02d' "$i" | od -An -tx1 | tr -d ' \n')
	printf '{"mo": {"from": "%s", "to": "12025550100", "hex": "050003%s0201%s", "coding": 0, "esm_class": 64}, "session": 0}\n' \
		"$((12025551000 + i))" "$ref" "$p1" >&9
	printf '{"mo": {"from": "%s", "to": "12025550100", "hex": "050003%s0202%s", "coding": 0, "esm_class": 64}, "session": 1}\n' \
		"$((12025551000 + i))" "$ref" "$p2" >&9
	i=$((i + 1))
done
# mailed: count in both sites' smtp-sinks
mailed() {
	cat "$tmp/a/sink/"* "$tmp/b/sink/"* 2>/dev/null | grep -c "$1" || true
}
WAIT_SECONDS=60 wait_for sh -c \
	"[ \$(cat '$tmp'/a/sink/* '$tmp'/b/sink/* 2>/dev/null | grep -c 'answer [0-9]\|second half of') -ge $((M + L)) ]"
sleep 2 # a mail sent twice would have come by now
once=0 twice=0 missing=0
i=0
while [ $i -lt $M ]; do
	c=$(mailed "answer $i\([^0-9]\|\$\)")
	[ "$c" -eq 1 ] && once=$((once + 1))
	[ "$c" -gt 1 ] && twice=$((twice + 1))
	[ "$c" -eq 0 ] && missing=$((missing + 1))
	i=$((i + 1))
done
check "$M answers from phones, over both gateways: each mailed once (twice $twice, missing $missing)" \
	test "$once" -eq "$M"
whole=0
i=0
while [ $i -lt $L ]; do
	c=$(mailed "long answer $(printf %02d $i) first half, second half of $(printf %02d $i)")
	[ "$c" -eq 1 ] && whole=$((whole + 1))
	i=$((i + 1))
done
check "$L two-part texts, a part at each gateway: each mailed once, whole ($whole)" \
	test "$whole" -eq "$L"
missing_parts=$(cat "$tmp/a/sink/"* "$tmp/b/sink/"* 2>/dev/null | grep -ci 'missing' || true)
check "no mail says a part is missing" test "$missing_parts" -eq 0
echo "pg_sites: answers=$M once=$once twice=$twice missing=$missing long=$L whole=$whole"
echo "1..$n"
[ "$failed" -eq 0 ]
