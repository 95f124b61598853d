#!/bin/sh
# case_00_kills.sh - both daemons killed with SIGKILL while mail flows
#
# Usage: sh tests/chaos/case_00_kills.sh BUILD
# A private Postfix with smsmilter, smsgw and the npm smpp SMSC. A client
# mails texts to phones through Postfix, four sessions at a time, and
# sends each mail again after any 4xx or broken session, as an MTA
# would. Meanwhile smsmilter and smsgw are killed with SIGKILL and
# started again. Every mail answered 250 must reach the SMSC; none may
# be stored twice (a mail whose 250 the killed milter never gave comes
# again with its Message-ID and is swallowed); a gateway killed with
# parts in flight may send at most its window (SmppWindow 10) again.
# Short form: 100 mails, smsmilter killed twice, smsgw once. Full
# (CHAOS_FULL=1): 1,000 mails, smsmilter killed 9 times, smsgw 4.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup chaos npm

if [ -n "${CHAOS_FULL:-}" ]; then
	N=1000 MK=9 GK=4
else
	N=100 MK=2 GK=1
fi

smsc_start "$tmp" || { check "the SMSC starts" false; exit 1; }
loop_conf "$tmp" "$port"
cat >>"$tmp/smsmilter.conf" <<CONF
SmppWindow 10
SmppResponseTimeout 2s
CONF
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.0.log" ||
	{ check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }
db=$tmp/store/smsmilter.db

# the client: N mails, each sent until answered 250; progress in a file
python3 "$top/tests/e2e/mailclient.py" "$port" "$N" chaos "$tmp/accepted" \
	>"$tmp/client.out" 2>&1 &
client=$!
E2E_PIDS="$E2E_PIDS $client" # stopped with the rest

# kill at even steps of the client's progress, alternating daemons
kills=$((MK + GK))
step=$((N / (kills + 1)))
k=1 mk=0 gk=0 m=0
while [ $k -le $kills ] && kill -0 "$client" 2>/dev/null; do
	got=$(cat "$tmp/accepted" 2>/dev/null || echo 0)
	if [ "${got:-0}" -lt $((k * step)) ]; then
		sleep 0.05
		continue
	fi
	if [ $mk -lt $MK ] && { [ $gk -ge $GK ] || [ $((k % 3)) -ne 0 ]; }; then
		kill -KILL "$MILTER_PID"
		wait "$MILTER_PID" 2>/dev/null
		m=$((m + 1))
		milter_start "$tmp/smsmilter.conf" "$tmp/milter.$m.log"
		mk=$((mk + 1))
	else
		kill -KILL "$GW_PID"
		wait "$GW_PID" 2>/dev/null
		gw_start "$tmp"
		gk=$((gk + 1))
	fi
	k=$((k + 1))
done
WAIT_SECONDS=300 wait_for sh -c "! kill -0 $client 2>/dev/null"
sed "s/^/# client: /" "$tmp/client.out"
accepted=$(sed -n 's/^accepted \([0-9]*\).*/\1/p' "$tmp/client.out")
check "the client's $N mails were all answered 250 in the end" \
	test "${accepted:-0}" -eq "$N"
check "smsmilter was killed $MK times and smsgw $GK" \
	test "$mk" -eq "$MK" -a "$gk" -eq "$GK"
WAIT_SECONDS=180 wait_for sh -c \
	"[ \"\$(sqlite3 '$db' 'select count(*) from messages where state = 4')\" -ge $N ]"
stored=$(sqlite3 "$db" "select count(*) from messages")
check "the store holds each mail's text once ($stored of $N)" \
	test "$stored" -eq "$N"

counts=$(python3 "$top/tests/smsc/tally.py" "$tmp/pdus.jsonl" "$N" chaos)
set -- $counts
total=$1 got=$2 lost=$3 dups=$4
check "every accepted text reached the SMSC (lost $lost)" test "$lost" -eq 0
check "duplicates ($dups) are at most the window per gateway kill ($((10 * GK)))" \
	test "$dups" -le $((10 * GK))
echo "chaos: case=00 name=kills sent=$N received=$got lost=$lost duplicated=$dups"
echo "1..$n"
[ "$failed" -eq 0 ]
