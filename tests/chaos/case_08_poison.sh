#!/bin/sh
# case_08_poison.sh - issue 18 (8): a text the SMSC never answers
#
# Usage: sh tests/chaos/case_08_poison.sh BUILD
# The npm smpp SMSC (tests/smsc/smsc.js) is told never to answer a
# submit_sm to +12025550999, and to answer nothing after it on the same
# session (an SMSC that answers in order). One text to that number and
# nine innocent ones are queued, then smsgw starts (SmppWindow 10,
# SmppResponseTimeout 2s): all ten go out in one window. The poison
# text must be given up with a reason after SmppPoisonResets (3) resets
# it caused, its sender told; the innocent ones delivered, resent at
# most once (their answers were held behind it once), never once per
# reset. Counts come from the SMSC's PDU log. Prints TAP and the chaos
# line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

gw_sink_start 16

poison=12025550999
control '{"withhold_dst": "'$poison'", "stall": true}'
send --to +$poison "poison" >/dev/null
i=1
while [ $i -le 9 ]; do
	send --to +1202555080$i "innocent $i" >/dev/null
	i=$((i + 1))
done
start_gw

# submits DST: how many submit_sm the SMSC got for DST
submits() { grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl" | grep -c "\"dst\":\"$1\""; }

limit=25
[ -n "${CHAOS_FULL:-}" ] && limit=60
check "the poison text is given up: failed NO_ANSWER" wait_sql \
	"select state || ' ' || error from messages where id = 1" "5 NO_ANSWER" $limit
check "... its sender is told (a report saying the SMSC never answered)" \
	wait_for sh -c "grep -l 'X-Rcpt-Args: <alice@example.com>' '$tmp'/sink/* 2>/dev/null |
	xargs grep -l 'Action: failed' 2>/dev/null | xargs grep -q 'never answered'"
check "the nine innocent texts are delivered" wait_sql \
	"select count(*) from messages where text like 'innocent %' and state = 4" 9
check "... logged: given up after the resets" \
	grep -q 'status=failed code=NO_ANSWER' "$tmp/smsgw.log"
resets=$(grep -c 'link down: ' "$tmp/smsgw.log")
psub=$(submits $poison)
dup=0 rec=0 lost=0
i=1
while [ $i -le 9 ]; do
	k=$(submits 1202555080$i)
	[ "$k" -gt 0 ] && rec=$((rec + 1))
	[ "$k" -gt 1 ] && dup=$((dup + k - 1))
	i=$((i + 1))
done
echo "# link resets $resets, poison submits $psub, innocent duplicates $dup"
check "... each innocent text resent at most once ($dup duplicates for 9)" \
	test "$dup" -le 9
check "the poison caused at most SmppPoisonResets + 1 resets ($resets)" \
	test "$resets" -le 4
control '{"withhold_dst": ""}'
send --to +12025550810 "after the poison" >/dev/null
check "the link then serves: a new text delivered" wait_sql \
	"select state from messages where text = 'after the poison'" 4
check "smsgw is still running" kill -0 "$gw"

# the poison is told, not lost; an innocent text not delivered is lost
st=$(sql "select count(*) from messages where text like 'innocent %' and state = 4")
lost=$((9 - st))
[ "$(sql "select state from messages where id = 1")" = 5 ] || lost=$((lost + 1))
echo "chaos: case=08 name=poison sent=10 received=$rec lost=$lost duplicated=$dup"
