#!/bin/sh
# case_05_told.sh - issue 18 (5): nothing shortened, skipped, dropped or
# billed differently from what the phone gets without a word to the
# sender
#
# Usage: sh tests/chaos/case_05_told.sh BUILD
# A private Postfix on loopback with smsmilter (LongMessagePolicy
# truncate, SegmentCap 3) takes, through swaks, mails that used to go
# wrong in silence: a photo and a PDF, thirty pictures, a mail over the
# cap, a group with an opted-out member, Precedence: bulk to a phone
# only and beside a mailbox, a mail with no words, a body that does not
# decode. Each must reach its
# sender as words they see: the SMTP reply (5xx) when only phones were
# to get it, a notice mail queued for the sender, or X-SMS-Notice on the
# copy to the mailbox. "sent" counts the mails, "received" those whose
# sender was told, "lost" those changed or dropped without a word,
# "duplicated" texts beyond one per phone.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup chaos05 swaks
conf=$tmp/smsmilter.conf
milter_conf "$conf" "$tmp" "unix:$tmp/milter.sock"
sed -i 's/^LongMessagePolicy reject$/LongMessagePolicy truncate/' "$conf"
db=$tmp/store/smsmilter.db
ctl() { "$E2E_BUILD/smsctl" -c "$conf" "$@" >/dev/null; }
ctl groups add oncall +12025550541 +12025550542 +12025550599 &&
	ctl optout add +12025550599 STOP &&
	chown -R postfix "$tmp/store" ||
	{ check "store set-up" false; exit 1; }
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$conf" "$tmp/milter.log" ||
	{ check "smsmilter starts" false; cat "$tmp/milter.log"; exit 1; }
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }

send() {
	out=$1
	shift
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" \
		--helo client.example.com "$@" >"$out" 2>&1
}
q() { sqlite3 "$db" "$1" 2>/dev/null; }
# notice ID WORDS: a mail to the sender of ID is queued that says WORDS
notice() {
	q "select cast(data as text) from mail_queue where envelope_from = '' and cast(data as text) like '%$1@example.com%'" |
		tr -d '\r' | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' |
		tr '\n' ' ' | grep -q -- "$2"
}
# sinked ID WORDS: the copy of ID at smtp-sink has WORDS
sinked() {
	f=$(grep -l "$1@example.com" "$tmp"/sink/* 2>/dev/null | head -1)
	[ -n "$f" ] && tr -d '\r' <"$f" | sed -e ':a' -e '$!N;s/\n[ \t]/ /;ta' \
		-e 'P;D' | grep -q -- "$2"
}
replied() { grep -q "^<[-*]\{1,2\} *$2" "$tmp/$1"; }

# tell NAME CONDITION...: a check that the sender of one mail was told
sent=0 told=0
tell() {
	name=$1
	shift
	sent=$((sent + 1))
	if "$@"; then
		told=$((told + 1))
		check "$name" true
	else
		check "$name" false
	fi
}

b64() { printf '%s' "$1" | base64 -w 0; }
att() { # att ID SUBJECT N: a whole mail with a text part and N files
	printf 'From: <%s@example.com>\r\nTo: <phone@sms.example.com>\r\n' "$1"
	printf 'Subject: %s\r\nMessage-Id: <%s@example.com>\r\n' "$2" "$1"
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary=B\r\n\r\n'
	printf -- '--B\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n'
	i=1
	while [ "$i" -le "$3" ]; do
		if [ "$i" -eq 2 ] && [ "$3" -eq 2 ]; then
			printf -- '--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n' "$(b64 '%PDF-1.4')"
		else
			printf -- '--B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="photo%s.jpg"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n' "$i" "$(b64 'JFIFdata')"
		fi
		i=$((i + 1))
	done
	printf -- '--B--\r\n'
}

# 1. a photo and a PDF to a phone: no placeholder, billed as sent, told
att c05-att files 2 >"$tmp/att.eml"
send "$tmp/r1" --from att@example.com --to 12025550501@sms.example.com \
	--data "$tmp/att.eml"
check "attachments: 250, the mail taken" replied r1 "250 "
check "attachments: no placeholder reaches the phone" test \
	"$(q "select count(*) from messages where message_id = 'c05-att@example.com' and text not like '%{link%'")" = 1
check "attachments: billed what is sent (1 segment)" test \
	"$(q "select segments from usage where sender = 'att@example.com'")" = 1
tell "attachments: the sender is told which were left out" \
	notice c05-att "2 attachments (photo1.jpg, report.pdf) were not sent"

# 2. thirty pictures: one segment, not thirty-one
att c05-many pics 30 >"$tmp/many.eml"
send "$tmp/r2" --from many@example.com --to 12025550502@sms.example.com \
	--data "$tmp/many.eml"
check "30 pictures: billed 1 segment" test \
	"$(q "select segments || '|' || (select segments from usage where sender = 'many@example.com') from messages where message_id = 'c05-many@example.com'")" = "1|1"
tell "30 pictures: the sender is told" \
	notice c05-many "30 attachments (photo1.jpg, .*and 25 more) were not sent"

# 3. over the cap: cut, and the sender told how much went
long=$(awk 'BEGIN { for (i = 0; i < 120; i++) printf "word%03d ", i }')
send "$tmp/r3" --from cut@example.com --to 12025550503@sms.example.com \
	--header "Subject: long" --header "Message-Id: <c05-cut@example.com>" \
	--body "$long"
check "over the cap: cut to 3 segments" test \
	"$(q "select segments from messages where message_id = 'c05-cut@example.com'")" = 3
tell "over the cap: the sender is told it was cut" \
	notice c05-cut "the text was cut to 3 SMS segments, this site's limit: [0-9]* of its [0-9]* characters were sent"

# 4. a group with an opted-out member
send "$tmp/r4" --from group@example.com --to oncall@sms.example.com \
	--header "Subject: page" --header "Message-Id: <c05-group@example.com>" \
	--body "db1 is down"
check "group: the two members who did not opt out are texted" test \
	"$(q "select count(*) from messages where message_id = 'c05-group@example.com'")" = 2
tell "group: the sender is told who was skipped" \
	notice c05-group "1 member of the group oncall (+1 202-555-0599) opted out"

# 5. Precedence: bulk to a phone only: refused, not 250 and dropped
send "$tmp/r5" --from bulk@example.com --to 12025550505@sms.example.com \
	--header "Subject: news" --header "Message-Id: <c05-bulk@example.com>" \
	--header "Precedence: bulk" --body "weekly news"
tell "bulk to a phone only: 550 5.7.1 with a sentence" \
	replied r5 "550 5.7.1 no text was sent: mail with Precedence"

# 6. bulk to a phone and a mailbox: the mailbox's copy says so
send "$tmp/r6" --from bulk@example.com \
	--to 12025550506@sms.example.com,bob@example.org \
	--header "Subject: news" --header "Message-Id: <c05-bulkmix@example.com>" \
	--header "Precedence: list" --body "weekly news"
wait_for sinked c05-bulkmix "" >/dev/null
tell "bulk beside a mailbox: X-SMS-Notice on the copy" \
	sinked c05-bulkmix "^X-SMS-Notice: not texted to 1 SMS recipient: mail with Precedence"

# 7. no words (no subject, an empty body)
printf '\r\n' >"$tmp/empty.body" # (swaks asks for a body given "")
send "$tmp/r7" --from empty@example.com --to 12025550507@sms.example.com \
	--header "Subject: " --header "Message-Id: <c05-empty@example.com>" \
	--body "$tmp/empty.body"
tell "no words: 554 5.6.0, no empty text" \
	replied r7 "554 5.6.0 the mail has no words to text"
check "no words: nothing queued" test \
	"$(q "select count(*) from messages where message_id = 'c05-empty@example.com'")" = 0

# 8. a body that does not decode, beside a subject
printf 'From: <c05-b64@example.com>\r\nSubject: see below\r\nMessage-Id: <c05-b64@example.com>\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n' >"$tmp/b64.eml"
send "$tmp/r8" --from b64@example.com --to 12025550508@sms.example.com \
	--data "$tmp/b64.eml"
tell "undecodable body: the sender is told only the subject went" \
	notice c05-b64 "the body could not be decoded"

dup=$(q "select count(*) - count(distinct thread_id || message_id) from messages")
check "no text twice" test "${dup:-1}" = 0
echo "chaos: case=05 name=told sent=$sent received=$told lost=$((sent - told)) duplicated=${dup:-0}"
echo "1..$n"
