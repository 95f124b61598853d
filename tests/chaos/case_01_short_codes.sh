#!/bin/sh
# case_01_short_codes.sh - issue 18 (1): texts from short codes and
# sender names
#
# Usage: sh tests/chaos/case_01_short_codes.sh BUILD
#
# The npm smpp SMSC (tests/smsc/smsc.js) sends smsgw texts from a short
# code (32665), a sender name (AMAZON) and one with a space (Amazon
# Pay): each is answered ESME_ROK and must reach smtp-sink as a mail
# From the short code or the name at the SMS domain, to the number's
# owner. A reply to them is refused with a sentence saying why
# (smsctl send: the milter asks the same rule; tests/milter has its
# RCPT refusal), unless it is one of TextableShortCodes (32666 here:
# texted). A sender with a control character stays refused.
# CHAOS_FULL=1 sends ten texts from each.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

rounds=1
[ -n "${CHAOS_FULL:-}" ] && rounds=10
cat >>"$conf" <<EOF
NumberOwners +12025550100=owner@example.com
EOF
gw_sink_start 16
start_gw
check "smsgw binds to the SMSC" wait_for grep -qs '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl"
sleep 0.5

# mails FROM TEXT: mails at smtp-sink from FROM (envelope and header)
# to the owner whose body has TEXT
mails() {
	python3 - "$tmp/sink" "$1" "$2" <<'PY'
import email, email.policy, os, sys
d, frm, want = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
for f in sorted(os.listdir(d)):
    raw = open(os.path.join(d, f), "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    body = m.get_body(("plain",))
    if (body is not None and want in body.get_content()
            and b"X-Mail-Args: <" + frm.encode() + b">" in raw
            and m["From"].addresses[0].addr_spec == frm
            and b"X-Rcpt-Args: <owner@example.com>" in raw):
        n += 1
print(n)
PY
}

sent=0
r=1
while [ $r -le $rounds ]; do
	control '{"mo": {"from": "32665", "to": "12025550100", "text": "chaos01 code '$r' is 4711"}}'
	control '{"mo": {"from": "AMAZON", "to": "12025550100", "text": "chaos01 parcel '$r' shipped"}}'
	control '{"mo": {"from": "Amazon Pay", "to": "12025550100", "text": "chaos01 paid '$r' today"}}'
	sent=$((sent + 3))
	r=$((r + 1))
done
control '{"mo": {"from": "AMA\u0001ZON", "to": "12025550100", "text": "chaos01 control"}}'

WAIT_SECONDS=15 wait_for sh -c "[ \$(ls '$tmp/sink' | wc -l) -ge $sent ]"
sleep 0.5
lost=0 dup=0
# expect FROM TEXT: one mail of TEXT from FROM, counted as lost/duplicated
expect() {
	got=$(mails "$1" "$2")
	[ "$got" -lt 1 ] && lost=$((lost + 1))
	[ "$got" -gt 1 ] && dup=$((dup + got - 1))
	[ "$got" -eq 1 ] || echo "    # $1 \"$2\": $got mails, want 1"
	[ "$got" -eq 1 ]
}
r=1
while [ $r -le $rounds ]; do
	check "a text from the short code 32665: mailed from 32665@sms.example.com" \
		expect 32665@sms.example.com "chaos01 code $r is 4711"
	check "a text from the sender name AMAZON: mailed from AMAZON@sms.example.com" \
		expect AMAZON@sms.example.com "chaos01 parcel $r shipped"
	check "a text from \"Amazon Pay\": mailed from AMAZON_PAY@sms.example.com" \
		expect AMAZON_PAY@sms.example.com "chaos01 paid $r today"
	r=$((r + 1))
done
check "... each answered ESME_ROK" sh -c \
	"[ \$(grep -c '\"cmd\":\"deliver_sm_resp\",\"seq\":[0-9]*,\"status\":0' '$tmp/pdus.jsonl') -ge $sent ]"
check "a sender with a control character: refused for good, not mailed" sh -c \
	"grep -q '\"cmd\":\"deliver_sm_resp\".*\"status\":[1-9]' '$tmp/pdus.jsonl' &&
	! grep -rq 'chaos01 control' '$tmp/sink'"
check "a reply to the short code is refused, saying why" sh -c "
! '$BUILD/smsctl' -c '$conf' send --to 32665 'hello' 2>'$tmp/out' &&
grep -q '32665 is a short code: it cannot be texted through this transport' '$tmp/out'"
check "a reply to the sender name is refused, saying why" sh -c "
! '$BUILD/smsctl' -c '$conf' send --to AMAZON 'hello' 2>'$tmp/out' &&
grep -q 'AMAZON is a sender name, not a phone: it cannot receive texts' '$tmp/out'"
# TextableShortCodes by a reload (a build that does not know the key
# keeps running, and shows what it does with the texts above)
echo "TextableShortCodes 32666" >>"$conf"
kill -HUP "$gw"
check "smsgw reloads with TextableShortCodes 32666" wait_for \
	grep -q 'reload: .* loaded' "$tmp/smsgw.log"
check "a short code in TextableShortCodes is texted" sh -c "
'$BUILD/smsctl' -c '$conf' send --owner owner@example.com --to 32666 'hello' >/dev/null"
check "... the SMSC got its submit_sm" wait_for sh -c \
	"grep '\"cmd\":\"submit_sm\"' '$tmp/pdus.jsonl' | grep -q '\"dst\":\"32666\"'"
received=$(ls "$tmp/sink" | wc -l)
stop_gw
echo "chaos: case=01 name=short_codes sent=$sent received=$received lost=$lost duplicated=$dup"
