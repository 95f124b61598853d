#!/bin/sh
# case_04_dot_msgid.sh - a phone written with the domain's final dot,
# and a Message-ID used again for other words
#
# Usage: sh tests/chaos/case_04_dot_msgid.sh BUILD
# Through a private Postfix with smsmilter and smsgw to the npm smpp
# SMSC: a mail to 12025550181@sms.example.com. (final dot); two mails
# with one Message-ID and different bodies; one mail with yet another
# owner and the same Message-ID and body; and a true re-delivery (the
# same mail again). Four texts must reach the SMSC, each once: the
# re-delivery is the only one swallowed. Short and full forms are the
# same.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup chaos npm
smsc_start "$tmp" || { check "the SMSC starts" false; exit 1; }
loop_conf "$tmp" "$port"
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" ||
	{ check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }

# mail FROM TO MSGID BODY: one mail through Postfix; 0 when answered 250.
# The subject is fixed: swaks's default has the time in it, so a mail
# sent again a second later was another text, not a re-delivery
mail() {
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from "$1" \
		--to "$2" --header "Message-Id: <$3>" --body "$4" \
		--header "Subject: chaos 04" \
		>"$tmp/swaks.out" 2>&1
	grep -q '^<-  250 .*queued' "$tmp/swaks.out" ||
		grep -q '^<-  250 2.0.0' "$tmp/swaks.out"
}
check "a mail to the phone at sms.example.com. is accepted" \
	mail alice@example.com 12025550181@sms.example.com. dot-1@example.com "final dot"
check "a mail with Message-ID <same@example.com> is accepted" \
	mail alice@example.com 12025550182@sms.example.com same@example.com "first words"
check "another body with the same Message-ID is accepted" \
	mail alice@example.com 12025550182@sms.example.com same@example.com "second words"
check "another owner with the same Message-ID and body is accepted" \
	mail bob@example.com 12025550182@sms.example.com same@example.com "second words"
check "the first mail again, as an MTA re-delivers it, is accepted" \
	mail alice@example.com 12025550182@sms.example.com same@example.com "first words"

# texts TEXT: how many submit_sm carried TEXT (GSM-7, unpacked septets)
texts() { python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get("cmd") == "submit_sm" and sys.argv[2] in bytes.fromhex(p["sm"]).decode("latin-1"):
        n += 1
print(n)' "$tmp/pdus.jsonl" "$1"; }
WAIT_SECONDS=20 wait_for sh -c "[ \$(grep -c '\"cmd\":\"submit_sm\"' '$tmp/pdus.jsonl') -ge 4 ]"
sleep 2 # a fifth, if it were sent, comes now
a=$(texts "final dot") b=$(texts "first words") c=$(texts "second words")
check "the final-dot phone got its text ($a)" test "$a" -eq 1
check "the first words were sent once, not again at the re-delivery ($b)" test "$b" -eq 1
check "the second words were sent for alice and for bob ($c)" test "$c" -eq 2
got=$(( (a > 0) + (b > 0) + (c > 0) + (c > 1) ))
total=$(grep -c '"cmd":"submit_sm"' "$tmp/pdus.jsonl")
echo "chaos: case=04 name=dot_msgid sent=4 received=$got lost=$((4 - got)) duplicated=$((total > got ? total - got : 0))"
echo "1..$n"
[ "$failed" -eq 0 ]
