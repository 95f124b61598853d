#!/bin/sh
# case_07_receipt_timeout.sh - issue 18 (7): receipts matched when the
# SMSC uses ids again, and texts that never get one
#
# Usage: sh tests/chaos/case_07_receipt_timeout.sh BUILD
# The npm smpp SMSC (tests/smsc/smsc.js) first gives a second text the
# message id it gave a first one (next_id: ids used again, as after an
# SMSC restart): the second text's receipt must reach it, not the first.
# Then it sends no receipts at all: with ReceiptTimeout 3s each text
# waiting for one must become final (unknown, NO_RECEIPT) and its
# sender be told as NOTIFY asked (failure: yes, never: no). Counts: a
# text still waiting at the end is lost. Prints TAP and the chaos line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

gw_sink_start 16
echo "ReceiptTimeout 3s" >>"$conf"
start_gw

# 1. the same SMSC id twice: each receipt to the text waiting for it
send --to +12025550701 "first of an id" >/dev/null
check "a text delivered (SMSC id 00000001)" wait_sql \
	"select state from messages where id = 1" 4
control '{"next_id": 1}'
send --to +12025550702 "second of the id" >/dev/null
check "a second text given the same id is delivered by its receipt" wait_sql \
	"select state from messages where id = 2" 4
check "... both segments carry the id, each delivered once" test \
	"$(sql "select count(*) from events where message_id in (1, 2) and state = 4")" -eq 2

# 2. no receipts: after ReceiptTimeout, final and told
control '{"receipt": "NONE"}'
send --to +12025550703 "never receipted, notify failure" >/dev/null
send --notify never --to +12025550704 "never receipted, notify never" >/dev/null
send --notify success,failure --to +12025550705 "never receipted, notify success" >/dev/null
check "three texts taken by the SMSC (submitted)" wait_sql \
	"select count(*) from messages where id in (3, 4, 5) and state >= 3" 3
limit=25
[ -n "${CHAOS_FULL:-}" ] && limit=60
check "after ReceiptTimeout they are final: unknown, NO_RECEIPT" wait_sql \
	"select group_concat(state || ' ' || error, ',') from messages where id in (3, 4, 5)" \
	"8 NO_RECEIPT,8 NO_RECEIPT,8 NO_RECEIPT" $limit
check "... the history says so" sh -c \
	"'$BUILD/smsctl' -c '$conf' history --state unknown | grep -c 'never receipted' | grep -qx 3"
check "... NOTIFY=FAILURE: a report, Action relayed, the fate not known" wait_for sh -c "
grep -l 'report-type=delivery-status' '$tmp'/sink/* 2>/dev/null | xargs grep -l 'X-SMS-Status: unknown' |
xargs grep -l 'Action: relayed' | xargs grep -l 'no delivery receipt within 3s' |
xargs grep -q '202-555-0703'"
check "... NOTIFY=SUCCESS,FAILURE: a report too" wait_for sh -c "
grep -l 'X-SMS-Status: unknown' '$tmp'/sink/* 2>/dev/null | xargs grep -q '202-555-0705'"
sleep 1
check "... NOTIFY=NEVER: none" sh -c "! grep -l 'X-SMS-Status' '$tmp'/sink/* 2>/dev/null | xargs grep -q '202-555-0704'"
check "... logged" grep -q 'status=unknown code=NO_RECEIPT' "$tmp/smsgw.log"
check "smsgw is still running" kill -0 "$gw"

sent=5
rec=$(grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl" | sed 's/.*"dst":"\([0-9]*\)".*/\1/' | sort -u | wc -l)
subs=$(grep -c '"cmd":"submit_sm"' "$tmp/pdus.jsonl")
lost=$(sql "select count(*) from messages where state < 4")
echo "chaos: case=07 name=receipt_timeout sent=$sent received=$rec lost=$lost duplicated=$((subs - rec))"
