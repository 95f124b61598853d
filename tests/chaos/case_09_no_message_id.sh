#!/bin/sh
# case_09_no_message_id.sh - issue 18 (9): a mail without a Message-ID
# whose SMTP reply is lost after its text was committed
#
# Usage: sh tests/chaos/case_09_no_message_id.sh BUILD
# A private Postfix (milter_content_timeout 2s) with smsmilter, smsgw
# and the npm smpp SMSC. An alert with neither Message-ID nor Date (as a
# script's mail has: Postfix adds both, the Message-ID made of its queue
# id) comes while another process holds the store's write lock for 4 s:
# Postfix gives up on the milter and answers 451, the milter's commit
# then goes through, and smsmilter is killed -9 and started again. The
# client retries the same mail: a new queue id, a new Message-ID from
# Postfix. It must be texted once. Then, with IdempotencyWindow 2s, the
# same alert twice 5 s apart (an hour, scaled down) must be two texts.
# Counts are the SMSC's. Prints TAP and the chaos line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup chaos09 npm
smsc_start "$tmp" || { check "SMSC starts" false; exit 1; }
loop_conf "$tmp" "$port"
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
postconf -c "$tmp/pf" -e "milter_content_timeout = 2s"
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" ||
	{ check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }
db=$tmp/store/smsmilter.db

# mail PHONE WORDS: an alert without Message-ID and Date, as a script
# sends it; prints the SMTP code
mail() {
	python3 - "$port" "$1" "$2" <<'PY'
import smtplib, sys
port, phone, words = sys.argv[1:]
msg = ("From: alice@example.com\r\nTo: %s@sms.example.com\r\n"
       "Subject: PROBLEM\r\n\r\n%s\r\n" % (phone, words)).encode()
try:
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
    s.sendmail("alice@example.com", ["%s@sms.example.com" % phone], msg)
    s.quit()
    print(250)
except smtplib.SMTPResponseException as e:
    print(e.smtp_code)
except smtplib.SMTPRecipientsRefused as e:
    print(list(e.recipients.values())[0][0])
PY
}
# submits WORDS: submit_sm at the SMSC whose text holds WORDS (GSM-7,
# one octet a character here)
submits() {
	hex=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')
	grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl" 2>/dev/null | grep -c "$hex"
}
# submits_at_least WORDS N: the SMSC has N or more of them
submits_at_least() { [ "$(submits "$1")" -ge "$2" ]; }
texts() { sqlite3 "$db" "select count(*) from messages where text like '%$1%'"; }

# 1. the reply lost after the commit, the milter killed, the retry
python3 - "$db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
time.sleep(4)
c.execute("ROLLBACK")
PY
locker=$!
sleep 0.5
code=$(mail 12025550901 "disk full on db1")
check "the store is locked past Postfix's milter timeout: 451 to the client" \
	test "$code" = 451
wait "$locker"
check "... and then the milter's commit goes through: the text is queued" \
	wait_for sh -c "[ \$(sqlite3 '$db' \"select count(*) from messages where text like '%disk full on db1%'\") -eq 1 ]"
kill -9 "$MILTER_PID"
sleep 0.5
milter_start "$tmp/smsmilter.conf" "$tmp/milter2.log" ||
	{ check "smsmilter starts again" false; exit 1; }
code=$(mail 12025550901 "disk full on db1")
check "the client's retry (new queue id, Postfix's new Message-ID) is taken: 250" \
	test "$code" = 250
check "... and queued once: one text" test "$(texts 'disk full on db1')" -eq 1
check "... logged as the same mail" grep -q 'status=duplicate' "$tmp/milter2.log"
check "the SMSC gets it" wait_for submits_at_least 'disk full on db1' 1
sleep 1
a=$(submits 'disk full on db1')
check "... and only once ($a)" test "$a" -eq 1

# 2. the same alert twice, 2.5 IdempotencyWindows apart: two texts
echo "IdempotencyWindow 2s" >>"$tmp/smsmilter.conf"
kill "$MILTER_PID"
i=0
while kill -0 "$MILTER_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
milter_start "$tmp/smsmilter.conf" "$tmp/milter3.log" ||
	check "smsmilter starts with IdempotencyWindow 2s" false
c1=$(mail 12025550902 "backup failed")
sleep 5
c2=$(mail 12025550902 "backup failed")
check "the same alert twice, 5 s apart, with IdempotencyWindow 2s: both 250" \
	test "$c1/$c2" = 250/250
check "... two texts" test "$(texts 'backup failed')" -eq 2
check "... the SMSC gets both" wait_for submits_at_least 'backup failed' 2

b=$(submits 'backup failed')
rec=$(( (a > 0 ? 1 : 0) + (b > 2 ? 2 : b) ))
dup=$(( (a > 1 ? a - 1 : 0) + (b > 2 ? b - 2 : 0) ))
echo "chaos: case=09 name=no_message_id sent=3 received=$rec lost=$((3 - rec)) duplicated=$dup"
