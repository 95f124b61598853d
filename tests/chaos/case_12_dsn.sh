#!/bin/sh
# case_12_dsn.sh - issue 18 (12): delivery reports carry
# Original-Envelope-Id only when the sender gave ENVID=, and return what
# RET= asks
#
# Usage: sh tests/chaos/case_12_dsn.sh BUILD
# A private Postfix on loopback with smsmilter (LongMessagePolicy
# reject, SegmentCap 3). Mails sent over SMTP with ESMTP DSN parameters
# (Python's smtplib: swaks has none) to a phone and a mailbox: a text
# over the cap is refused for the phone, so the sender gets a report
# (queued in the store for smsgw). With ENVID= it must name it, without
# it must not name any (the old report put the Message-ID there);
# RET=HDRS and no RET return text/rfc822-headers, RET=FULL the mail as
# message/rfc822. A text that is queued keeps ENVID and RET, and what to
# return, for smsgw's later reports. "sent" counts the mails, "received"
# the reports as asked, "lost" those wrong or missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup chaos12
conf=$tmp/smsmilter.conf
milter_conf "$conf" "$tmp" "unix:$tmp/milter.sock"
db=$tmp/store/smsmilter.db
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$conf" "$tmp/milter.log" ||
	{ check "smsmilter starts" false; cat "$tmp/milter.log"; exit 1; }
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }

# send ID WORDS TO OPTION...: one mail over SMTP with MAIL FROM options
send() {
	python3 - "$port" "$@" <<'EOF' >>"$tmp/send.log" 2>&1
import smtplib, sys
port, mid, words, to = sys.argv[1:5]
opts = sys.argv[5:]
msg = ("From: alice@example.com\r\nTo: %s\r\nSubject: report %s\r\n"
       "Message-Id: <%s@example.com>\r\n\r\n%s\r\n" % (to, mid, mid, words))
s = smtplib.SMTP("127.0.0.1", int(port))
s.ehlo("client.example.com")
s.sendmail("alice@example.com", to.split(","), msg, mail_options=opts)
s.quit()
print(mid, "sent")
EOF
}
long=$(awk 'BEGIN { for (i = 0; i < 120; i++) printf "body%03d ", i }')
mixed=12025550601@sms.example.com,bob@example.org

# report ID: the report queued for the mail ID, unfolded, CR removed
report() {
	sqlite3 "$db" "select cast(data as text) from mail_queue where envelope_from = '' and cast(data as text) like '%$1@example.com%' and cast(data as text) like '%delivery-status%'" 2>/dev/null |
		tr -d '\r' | sed -e ':a' -e '$!N;s/\n[ \t]/ /;ta' -e 'P;D'
}

sent=0 good=0
asked() { # asked NAME CONDITION...: one report as its sender asked
	name=$1
	shift
	sent=$((sent + 1))
	if "$@"; then
		good=$((good + 1))
		check "$name" true
	else
		check "$name" false
	fi
}

send c12-envid "$long" "$mixed" "ENVID=c12+2Benv" "RET=HDRS"
send c12-none "$long" "$mixed"
send c12-full "$long" "$mixed" "RET=FULL" "ENVID=c12-full"
send c12-queued "short words" 12025550602@sms.example.com \
	"ENVID=c12-q" "RET=FULL"
wait_for sh -c "[ \"\$(sqlite3 '$db' \"select count(*) from mail_queue\" 2>/dev/null)\" = 3 ]"

r=$(report c12-envid)
check "ENVID=: a report is queued" test -n "$r"
asked "ENVID=c12+2Benv RET=HDRS: Original-Envelope-Id c12+env, the headers only" \
	sh -c '
	has() { printf "%s\n" "$1" | grep -q -- "$2"; }
	p=$(printf "%s\n" "$1" | sed -n "/^Content-Type: text\/rfc822-headers/,\$p")
	has "$1" "^Original-Envelope-Id: c12+env$" &&
	has "$p" "^Subject: report c12-envid" && ! has "$p" "body100"' - "$r"
r=$(report c12-none)
check "no ENVID: a report is queued" test -n "$r"
asked "no ENVID, no RET: no Original-Envelope-Id, the headers only" \
	sh -c '
	has() { printf "%s\n" "$1" | grep -q -- "$2"; }
	p=$(printf "%s\n" "$1" | sed -n "/^Content-Type: text\/rfc822-headers/,\$p")
	! has "$1" "Original-Envelope-Id" &&
	has "$p" "^Message-I[dD]: <c12-none@example.com>" && ! has "$p" "body100"' - "$r"
r=$(report c12-full)
asked "RET=FULL: the whole mail as message/rfc822" \
	sh -c '
	has() { printf "%s\n" "$1" | grep -q -- "$2"; }
	p=$(printf "%s\n" "$1" | sed -n "/^Content-Type: message\/rfc822/,\$p")
	has "$1" "^Original-Envelope-Id: c12-full$" &&
	has "$p" "^Subject: report c12-full" && has "$p" "body100"' - "$r"
kept=$(sqlite3 "$db" "select envid || '|' || ret || '|' || returned_full || '|' || (instr(cast(returned as text), 'short words') > 0) from messages where message_id = 'c12-queued@example.com'" 2>/dev/null)
asked "a queued text keeps ENVID, RET and the mail for smsgw's reports" \
	test "$kept" = "c12-q|2|1|1"

echo "chaos: case=12 name=dsn sent=$sent received=$good lost=$((sent - good)) duplicated=0"
echo "1..$n"
