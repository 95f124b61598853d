#!/bin/sh
# test_forward.sh - texts forwarded to another phone and back, end to end
#
# Usage: tests/gateway/test_forward.sh BUILD_DIR
# smsgw with the test SMSC (npm smpp) and smtp-sink. ForwardNumbers
# pairs our number +12025550100 with a phone (+12025550199): a text
# from a phone to that number reaches the target, starting with who
# sent it, and the owner's mail says so; the target's answer goes back
# to the phone last forwarded, or to the one it names; a keyword from
# the target is a keyword; a target that opted out is told in the
# mail. Then the send API's per-text ForwardToSms and ForwardToEmail:
# an answer to that text goes to the phone and the address given.
# Prints TAP; stops what it started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
command -v curl >/dev/null 2>&1 || skip_all "curl is missing (scripts/deps.sh)"
command -v smtp-sink >/dev/null 2>&1 || skip_all "smtp-sink (postfix) is missing"

aport=$(free_port)
cat >>"$conf" <<EOF
ApiListen 127.0.0.1:$aport
NumberOwners +12025550100=alice@example.com, +12025550102=bob@example.com
ForwardNumbers +12025550100=+12025550199
SenderNumbers bob@example.com=+12025550102, bob@example.com=+12025550103, carol@example.com=+12025550102
EOF
echo '{"receipt_delay_ms": 100}' >&9
gw_sink_start 16
start_gw
wait_for grep -q 'smpp: bound' "$tmp/smsgw.log" ||
	{ check "smsgw binds" false; exit 1; }

# sms_to DST: the texts submitted to DST, one a line
sms_to() { grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl" | python3 -c 'import json, sys
for l in sys.stdin:
    p = json.loads(l)
    if p.get("dst") == sys.argv[1]:
        b = bytes.fromhex(p.get("sm") or "")
        print(b.decode("utf-16-be" if p.get("data_coding") == 8 else "latin-1"))' "$1"; }
has_sms() { sms_to "$1" | grep -qF "$2"; }
count_sms() { sms_to "$1" | grep -cF "$2" || true; }
is() { [ "$1" = "$2" ] || { echo "    # want $1, got $2"; return 1; }; }
src_of() { grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl" | grep "\"dst\":\"$1\"" | grep -q "\"src\":\"$2\""; }
sink_has() { grep -rqF "$1" "$tmp/sink/" 2>/dev/null; }
mo() { control '{"mo": {"from": "'"$1"'", "to": "'"$2"'", "text": "'"$3"'"}}'; }

# a text to the number: forwarded, and mailed as always
mo 12025550143 12025550100 "Is the shop open today?"
check "a text to the number reaches the forward target" \
	wait_for has_sms 12025550199 "From +1 202-555-0143: Is the shop open today?"
check "... the owner gets the mail too, saying where it went" \
	wait_for sink_has "[Forwarded to +1 202-555-0199.]"
check "... it left from our number" src_of 12025550199 12025550100

# the target answers: back to the phone last forwarded
mo 12025550199 12025550100 "Yes, until 6"
check "the target's answer goes back to that phone" \
	wait_for has_sms 12025550143 "Yes, until 6"
check "... from our number" src_of 12025550143 12025550100
check "... and is not forwarded to itself" \
	is 0 "$(count_sms 12025550199 'Yes, until 6')"

# a second phone; the target names the first one
mo 12025550144 12025550100 "Do you deliver?"
wait_for has_sms 12025550199 "From +1 202-555-0144: Do you deliver?"
mo 12025550199 12025550100 "+12025550143 see you at 5"
check "an answer naming a phone goes to that phone, without the name" \
	wait_for has_sms 12025550143 "see you at 5"
check "... not to the last one forwarded" \
	is 0 "$(count_sms 12025550144 'see you')"
mo 12025550199 12025550100 "Only on Fridays"
check "... then an answer naming none goes to the last one" \
	wait_for has_sms 12025550144 "Only on Fridays"

# a keyword from the target is a keyword, not a forward
mo 12025550199 12025550100 "HELP"
check "HELP from the target is answered as HELP" \
	wait_for has_sms 12025550199 "reach a person by email"

# a target that opted out: the owner's mail says it was not forwarded
"$BUILD/smsctl" -c "$conf" optout add +12025550199 STOP >/dev/null
mo 12025550145 12025550100 "Hello?"
check "a target that opted out is not texted; the mail says why" \
	wait_for sink_has "[Not forwarded to +1 202-555-0199:"
check "... no text went to it" is 0 "$(count_sms 12025550199 'Hello?')"

# the send API: a text whose answers are forwarded
tok=$("$BUILD/smsctl" -c "$conf" apikey add --owner bob@example.com | tail -n 1)
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' --data-binary \
	'{"To":"+12025550150","Text":"Your table is ready","ForwardToSms":"+12025550198","ForwardToEmail":"desk@example.org","ForwardFromEmail":"bob@example.com"}' \
	"http://127.0.0.1:$aport/v1/messages")
check "a text with ForwardToSms and ForwardToEmail: 201" [ "$st" = 201 ]
wait_for has_sms 12025550150 "Your table is ready"
mo 12025550150 12025550102 "On my way"
check "its answer is forwarded to ForwardToSms" \
	wait_for has_sms 12025550198 "From +1 202-555-0150: On my way"
check "... and mailed to ForwardToEmail, from ForwardFromEmail" \
	wait_for sh -c "grep -l 'On my way' '$tmp'/sink/* 2>/dev/null | xargs grep -l 'X-Rcpt-Args: <desk@example.org>' | xargs grep -q 'X-Mail-Args: <bob@example.com>'"
check "... bob gets his mail as always" \
	sh -c "grep -l 'On my way' '$tmp'/sink/* | xargs grep -q 'X-Rcpt-Args: <bob@example.com>'"
mo 12025550198 12025550102 "Thanks, seated"
check "ForwardToSms's answer goes back to the phone" \
	wait_for has_sms 12025550150 "Thanks, seated"

# ForwardFromSms: the forward leaves from another of bob's numbers
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' --data-binary \
	'{"To":"+12025550151","Text":"Your car is ready","ForwardToSms":"+12025550197","ForwardFromSms":"+12025550103"}' \
	"http://127.0.0.1:$aport/v1/messages")
check "ForwardFromSms one of the owner's numbers: 201" [ "$st" = 201 ]
wait_for has_sms 12025550151 "Your car is ready"
mo 12025550151 12025550102 "Picking it up at 4"
check "... the answer is forwarded from that number" \
	wait_for src_of 12025550197 12025550103
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' --data-binary \
	'{"To":"+12025550152","Text":"x","ForwardToSms":"+12025550197","ForwardFromSms":"+12025550100"}' \
	"http://127.0.0.1:$aport/v1/messages")
check "ForwardFromSms a number not the owner's: 403" [ "$st" = 403 ]

# a forward cannot carry off another owner's conversation: carol
# shares bob's number and names bob's customer as her ForwardToSms
ctok=$("$BUILD/smsctl" -c "$conf" apikey add --owner carol@example.com | tail -n 1)
api_post() { curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $1" \
	-H 'Content-Type: application/json' --data-binary "$2" "http://127.0.0.1:$aport/v1/messages"; }
api_post "$tok" '{"To":"+12025550155","Text":"bob to his customer"}' >/dev/null
wait_for has_sms 12025550155 "bob to his customer"
api_post "$ctok" '{"To":"+12025550156","Text":"carol to herself","ForwardToSms":"+12025550155"}' >/dev/null
wait_for has_sms 12025550156 "carol to herself"
mo 12025550156 12025550102 "hi"
wait_for has_sms 12025550155 "From +1 202-555-0156: hi"
mo 12025550155 12025550102 "the secret for bob"
check "bob's customer answering on the shared number is mailed, not sent on to carol" \
	wait_for sink_has "the secret for bob"
check "... carol's phone got nothing of it" is 0 "$(count_sms 12025550156 'the secret for bob')"

# counted: every forward once
check "each forward went once" is "1 1" \
	"$(count_sms 12025550199 'Is the shop open') $(count_sms 12025550198 'On my way')"
stop_gw
echo "1..$n"
[ "$failed" -eq 0 ]
