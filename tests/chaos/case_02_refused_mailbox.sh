#!/bin/sh
# case_02_refused_mailbox.sh - issue 18 (2): texts from phones whose
# owner's mailbox the relay refuses
#
# Usage: sh tests/chaos/case_02_refused_mailbox.sh BUILD
# The npm smpp SMSC (tests/smsc/smsc.js) hands smsgw texts from phones
# for alice@example.com; the relay (tests/relay/relay.py, aiosmtpd)
# answers RCPT TO:<alice@example.com> with 550 5.1.1. Each text must
# reach UndeliverableMailTo (postmaster by default) with the relay's
# words and the mail attached, stay in the store, and be listed by
# smsctl undelivered. Then the fallback is refused too: the text stays
# failed and listed, and nothing loops. Prints TAP and the chaos line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

need_aiosmtpd
start_relay "the relay" relay --refuse alice@example.com --refuse bob@example.com
relay_conf "$conf" "$conf" "SmtpRelay 127.0.0.1:$rport" \
	"NumberOwners +12025550100=alice@example.com"

start_gw
WAIT_SECONDS=10 wait_for grep -q 'smpp: bound' "$tmp/smsgw.log"

# texts from the phone; $1 a word that is its text
mo() {
	printf '{"mo": {"from": "12025550177", "to": "12025550100", "text": "%s"}}\n' "$1" >&9
}
# received WORD: how many mails the relay took that carry WORD
received() { grep -l -- "$1" "$tmp"/relay/*.eml 2>/dev/null | wc -l; }
# undelivered: what smsctl undelivered lists
undelivered() { "$BUILD/smsctl" -c "$conf" undelivered 2>/dev/null; }

mo chaos02one
sleep 0.3
mo chaos02two
check "both texts are refused for alice: failed in the mail queue, kept" wait_sql \
	"select count(*) from mail_queue where rcpt = 'alice@example.com' and state = 5" 2
check "... and each reaches postmaster, with the text" \
	wait_for sh -c "[ \$(grep -l chaos02one '$tmp'/relay/*.eml 2>/dev/null | wc -l) -eq 1 ] &&
		[ \$(grep -l chaos02two '$tmp'/relay/*.eml 2>/dev/null | wc -l) -eq 1 ]"
check "... sent to <postmaster> (RCPT TO:<postmaster>)" sh -c \
	"grep '\"ev\": \"DATA\"' '$tmp/relay.jsonl' | grep -c '\"postmaster\"' | grep -qx 2"
check "... saying the relay's answer (550 5.1.1, alice's address)" sh -c \
	"grep -l chaos02one '$tmp'/relay/*.eml | xargs grep -q '550 5.1.1 <alice@example.com>'"
check "... with the refused mail attached as message/rfc822" sh -c \
	"grep -l chaos02one '$tmp'/relay/*.eml | xargs grep -q 'Content-Type: message/rfc822'"
check "smsctl undelivered lists both, with the reason" sh -c \
	"[ \$('$BUILD/smsctl' -c '$conf' undelivered | grep -c 'reason: the relay said: 550 5.1.1') -eq 2 ]"
check "... and --json too" sh -c \
	"'$BUILD/smsctl' -c '$conf' undelivered --json | grep -q '\"to\": *\"alice@example.com\"'"

# the fallback refused as well: failed, listed, no loop
stop_gw
echo "UndeliverableMailTo bob@example.com" >>"$conf"
start_gw
WAIT_SECONDS=10 wait_for sh -c "grep -c 'smpp: bound' '$tmp/smsgw.log' | grep -qx 2"
mo chaos02three
check "with the fallback refused too: the text to alice and its fallback both failed" \
	wait_sql "select count(*) from mail_queue where state = 5 and instr(data, 'chaos02three') > 0" 2
sleep 3
check "... and nothing more is queued (no loop)" test \
	"$(sql "select count(*) from mail_queue where instr(data, 'chaos02three') > 0")" -eq 2
check "... smsctl undelivered lists the text's mail for alice and the one for bob" sh -c \
	"undl=\$('$BUILD/smsctl' -c '$conf' undelivered); echo \"\$undl\" | grep -q 'to <bob@example.com>' &&
	[ \$(echo \"\$undl\" | grep -c '^mail ') -eq 4 ]"
check "smsgw is still running" kill -0 "$gw"

sent=3 rec=0 lost=0 dup=0
listed=$(undelivered | grep -c '^mail ')
for w in chaos02one chaos02two chaos02three; do
	r=$(received "$w")
	kept=$(sql "select count(*) from mail_queue where state = 5 and instr(data, '$w') > 0")
	[ "$r" -gt 0 ] && rec=$((rec + 1))
	[ "$r" -gt 1 ] && dup=$((dup + r - 1))
	# mailed to no one, and not kept and listed either: lost
	if [ "$r" -eq 0 ] && { [ "$kept" -eq 0 ] || [ "$listed" -eq 0 ]; }; then
		lost=$((lost + 1))
	fi
done
echo "chaos: case=02 name=refused_mailbox sent=$sent received=$rec lost=$lost duplicated=$dup"
