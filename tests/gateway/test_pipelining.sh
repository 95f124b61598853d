#!/bin/sh
# test_pipelining.sh - smsgw's mail out to a relay that offers PIPELINING
#
# Usage: sh tests/gateway/test_pipelining.sh BUILD
# The npm smpp SMSC (tests/smsc/smsc.js) hands smsgw texts from phones,
# one after the other, to two numbers: alice's, whose mail the relay
# (tests/relay/relay.py, aiosmtpd, --pipelining) takes, and bob's, whose
# mail it refuses (550 5.1.1). smsgw pipelines (RFC 2920): a mail's
# message goes with the next mail's MAIL, RCPT and DATA. Each text of
# alice's must be mailed once, each of bob's fail for good (kept, and
# mailed to postmaster once with the relay's words), whatever mail it
# shared a batch with; the relay must have seen pipelined messages. Then
# the same with SmtpPipelining no: nothing pipelined; and with MailBatch 1
# (pipelining on): nothing pipelined either. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

need_aiosmtpd
start_relay "the relay" relay --pipelining --refuse bob@example.com
relay_conf "$conf" "$conf" "SmtpRelay 127.0.0.1:$rport" \
	"NumberOwners +12025550100=alice@example.com, +12025550101=bob@example.com"

# texts WORD N: N texts, alternately to alice's and bob's number, from
# phones of their own, each text WORD-<k>- (k from 10 up)
texts() {
	k=10
	while [ $k -lt $((10 + $2)) ]; do
		to=12025550100
		[ $((k % 2)) -eq 1 ] && to=12025550101
		printf '{"mo": {"from": "120255520%s", "to": "%s", "text": "%s-%s-"}}\n' \
			"$k" "$to" "$1" "$k" >&9
		k=$((k + 1))
	done
}
# mailed WORD: how many mails the relay took that carry WORD
mailed() { grep -l -- "$1" "$tmp"/relay/*.eml 2>/dev/null | wc -l; }
# each_once WORD N: each of alice's texts (even k) in one mail, and each
# of bob's (odd k) in one mail too (to postmaster, the refused attached)
each_once() {
	k=10
	while [ $k -lt $((10 + $2)) ]; do
		[ "$(mailed "$1-$k-")" -eq 1 ] || return 1
		k=$((k + 1))
	done
}
# pipelined: the relay saw a message come with the next mail's MAIL
pipelined() { grep '"ev": "DATA"' "$tmp/relay.jsonl" | grep -q '"pipelined": true'; }

start_gw
WAIT_SECONDS=10 wait_for grep -qs 'smpp: bound' "$tmp/smsgw.log"

texts pipe 20
check "bob's 10 texts fail for good: kept in the mail queue" \
	wait_sql "select count(*) from mail_queue where rcpt = 'bob@example.com' and state = 5" 10
check "each of the 20 texts is in one mail the relay took (alice's, and postmaster's for bob's)" \
	wait_for each_once pipe 20
check "... alice's 10 to alice, postmaster's 10 to postmaster" sh -c \
	"[ \$(grep -c '\"rcpt\": \\[\"alice@example.com\"\\]' '$tmp/relay.jsonl') -eq 10 ] &&
	[ \$(grep -c '\"rcpt\": \\[\"postmaster\"\\]' '$tmp/relay.jsonl') -eq 10 ]"
check "... postmaster's with the relay's words for bob" sh -c \
	"grep -l 'pipe-11-' '$tmp'/relay/*.eml | xargs grep -q '550 5.1.1 <bob@example.com>'"
check "smsgw pipelined: a message came with the next mail's MAIL" pipelined
check "nothing is left to send" \
	wait_sql "select count(*) from mail_queue where state < 5" 0
check "no mail was deferred" sh -c "! grep -q 'status=deferred' '$tmp/smsgw.log'"

# the same without pipelining
stop_gw
echo "SmtpPipelining no" >>"$conf"
: >"$tmp/relay.jsonl"
start_gw
WAIT_SECONDS=10 wait_for sh -c "grep -c 'smpp: bound' '$tmp/smsgw.log' | grep -qx 2"
texts nopipe 6
check "SmtpPipelining no: bob's 3 more fail for good" \
	wait_sql "select count(*) from mail_queue where rcpt = 'bob@example.com' and state = 5" 13
check "... each of the 6 texts in one mail the relay took" \
	wait_for each_once nopipe 6
check "... six mails, none pipelined" sh -c \
	"[ \$(grep -c '\"ev\": \"DATA\"' '$tmp/relay.jsonl') -eq 6 ]"
check "... none pipelined" test "$(pipelined && echo yes)" != yes
check "smsgw is still running" kill -0 "$gw"

# pipelining again, but MailBatch 1: a session takes one mail at a time,
# so no message can come with the next mail's MAIL
stop_gw
sed -i '/^SmtpPipelining no$/d' "$conf"
echo "MailBatch 1" >>"$conf"
: >"$tmp/relay.jsonl"
start_gw
WAIT_SECONDS=10 wait_for sh -c "grep -c 'smpp: bound' '$tmp/smsgw.log' | grep -qx 3"
texts single 6
check "MailBatch 1: each of the 6 texts in one mail the relay took" \
	wait_for each_once single 6
check "... six mails, none pipelined (one mail a batch)" sh -c \
	"[ \$(grep -c '\"ev\": \"DATA\"' '$tmp/relay.jsonl') -eq 6 ] &&
	! grep '\"ev\": \"DATA\"' '$tmp/relay.jsonl' | grep -q '\"pipelined\": true'"
check "... nothing is left to send" \
	wait_sql "select count(*) from mail_queue where state < 5" 0
stop_gw
echo "1..$n"
[ "$failed" -eq 0 ]
