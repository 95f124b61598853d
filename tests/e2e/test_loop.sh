#!/bin/sh
# test_loop.sh - the loop so far: mail through Postfix and smsmilter to
# the SMSC as a text, and a failed receipt back to the sender as a report
#
# Usage: tests/e2e/test_loop.sh BUILD_DIR
# A private Postfix with smsmilter, smsgw with the SMPP test SMSC
# (npm smpp), smtp-sink behind Postfix. alice mails a phone; the SMSC
# gets the text (checked byte for byte) and answers with an UNDELIV
# receipt; smsgw mails alice a delivery status notification through
# Postfix, which smtp-sink receives. Prints TAP; stops what it started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/../procs.sh"
. "$here/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup loop npm

smsc_start "$tmp" || { check "SMSC starts" false; exit 1; }
echo '{"receipt": "UNDELIV", "err": "001"}' >&9

loop_conf "$tmp" "$port"
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" || { check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }
db=$tmp/store/smsmilter.db

POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from alice@example.com \
	--to 12025550400@sms.example.com --header "Subject: loop" \
	--header "Message-Id: <loop-1@example.com>" --body "hello from mail" \
	>"$tmp/swaks.out" 2>&1
check "the mail to a phone is accepted" grep -q '^<-  250 ' "$tmp/swaks.out"
check "the SMSC gets it: GSM-7 septets of \"loop: hello from mail\"" wait_for \
	grep -q '"dst":"12025550400","esm_class":0,"registered_delivery":1,"data_coding":0,"sm":"6c6f6f703a2068656c6c6f2066726f6d206d61696c"' "$tmp/pdus.jsonl"
check "the UNDELIV receipt fails the text" wait_for sh -c \
	"[ \"\$(sqlite3 '$db' \"select state || ' ' || error from messages where message_id = 'loop-1@example.com'\")\" = '5 UNDELIV' ]"
check "alice's report reaches smtp-sink through Postfix" wait_for sh -c \
	"grep -l 'X-Rcpt-Args: <alice@example.com>' '$tmp'/sink/* 2>/dev/null | xargs grep -l 'report-type=delivery-status' 2>/dev/null | xargs grep -q 'In-Reply-To: <loop-1@example.com>'"
check "... saying what the carrier's code means" sh -c \
	"grep -l 'X-Rcpt-Args: <alice@example.com>' '$tmp'/sink/* | xargs grep -q 'the carrier could not deliver it'"

echo "1..$n"
[ "$failed" -eq 0 ]
