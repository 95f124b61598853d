#!/bin/sh
# test_thread.sh - the whole loop, both ways, with real parts
#
# Usage: tests/e2e/test_thread.sh BUILD_DIR
# A private Postfix with smsmilter, delivering example.com into a
# Maildir; smsgw with the SMPP test SMSC (npm smpp). alice mails a
# phone; the SMSC gets the text; the phone answers (deliver_sm); the
# answer reaches alice's Maildir through Postfix, threaded under her
# mail; her reply to it reaches the same phone. Then a long answer in
# two UCS-2 parts (one sent twice), a set whose second part never
# comes, STOP (confirmed once; mail to the phone is then refused at
# RCPT with 5.7.1), and START. Prints TAP; stops what it started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/../procs.sh"
. "$here/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup thread npm

smsc_start "$tmp" || { check "SMSC starts" false; exit 1; }

loop_conf "$tmp" "$port"
echo "ReassemblyTimeout 10s" >>"$tmp/smsmilter.conf"
echo "Postmaster postmaster@example.com" >>"$tmp/smsmilter.conf"
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
maildir_init "$tmp"
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" || { check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
gw=$GW_PID
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }
db=$tmp/store/smsmilter.db
maildir=$tmp/mail/alice

# texts PHONE: what the SMSC was asked to send to PHONE, one per line
texts() {
	python3 - "$tmp/pdus.jsonl" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get("cmd") != "submit_sm" or p.get("dst") != sys.argv[2]:
        continue
    b = bytes.fromhex(p["sm"])
    print(b.decode("utf-16-be") if p["data_coding"] == 8 else b.decode("latin-1"))
PY
}
ntexts() { texts "$1" | wc -l; }
last_text_is() { [ "$(texts "$1" | tail -1)" = "$2" ]; }

# mail_with TEXT: the file in alice's Maildir whose text has TEXT
mail_with() {
	python3 - "$maildir/new" "$1" <<'PY'
import email, email.policy, os, sys
d, want = sys.argv[1], sys.argv[2]
for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    body = m.get_body(("plain",))
    if body is not None and want in body.get_content():
        print(os.path.join(d, f))
        break
PY
}
has_mail() { [ -n "$(mail_with "$1")" ]; }

# header FILE NAME: the header's value, unfolded
header() {
	python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m.get(sys.argv[2], ""))
PY
}

sql() { sqlite3 "$db" "$1"; }
sql_is() { [ "$(sql "$1")" = "$2" ]; }

# mo FROM TEXT: the SMSC delivers a text from FROM to our number
mo() {
	printf '{"mo": {"from": "%s", "to": "12025550100", "text": "%s"}}\n' \
		"$1" "$2" >&9
}
# mo_hex FROM CODING ESM_CLASS HEX: the same with raw user data
mo_hex() {
	printf '{"mo": {"from": "%s", "to": "12025550100", "hex": "%s", "coding": %s, "esm_class": %s}}\n' \
		"$1" "$4" "$2" "$3" >&9
}
hex() { od -An -tx1 | tr -d ' \n'; }

phone=12025550143

# 1. mail -> text
POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from alice@example.com \
	--to $phone@sms.example.com --header "Subject: Dinner" \
	--header "Message-Id: <first@example.com>" --body "Dinner at 7?" \
	>"$tmp/swaks1.out" 2>&1
check "alice's mail to a phone is accepted" grep -q '^<-  250 ' "$tmp/swaks1.out"
check "the SMSC gets it: \"Dinner: Dinner at 7?\"" wait_for \
	last_text_is $phone "Dinner: Dinner at 7?"

# 2. the phone answers: mail in alice's Maildir, threaded under hers
mo $phone "Sounds good, see you then"
check "the answer reaches alice's Maildir through Postfix" wait_for \
	has_mail "Sounds good, see you then"
f=$(mail_with "Sounds good, see you then")
f=${f:-/dev/null}
tag=$(sql "select tag from threads where phone = '+$phone'")
check "... In-Reply-To the mail alice sent" \
	test "$(header "$f" In-Reply-To)" = "<first@example.com>"
check "... References it" \
	test "$(header "$f" References)" = "<first@example.com>"
check "... Subject \"Re: Dinner [#tag]\"" \
	test "$(header "$f" Subject)" = "Re: Dinner [#$tag]"
check "... From the phone, formatted for people" sh -c \
	"printf '%s' '$(header "$f" From)' | grep -q '+1 202-555-0143'"
check "... Reply-To the thread's +tag address" sh -c \
	"printf '%s' '$(header "$f" Reply-To)' | grep -qF '<$phone+$tag@sms.example.com>'"
mid=$(header "$f" Message-ID)
check "the text is recorded in the thread as received" sql_is \
	"select count(*) from messages m join threads t on t.id = m.thread_id
	 where t.tag = '$tag' and m.direction = 'in' and m.state = 7" 1
head -20 "$f" | sed 's/^/  | /'

# 3. alice presses Reply: the text reaches the same phone
POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from alice@example.com \
	--to "$phone+$tag@sms.example.com" \
	--header "Subject: Re: Dinner [#$tag]" \
	--header "In-Reply-To: $mid" --header "References: $mid" \
	--header "Message-Id: <second@example.com>" --body "Great, booked" \
	>"$tmp/swaks2.out" 2>&1
check "alice's reply is accepted" grep -q '^<-  250 ' "$tmp/swaks2.out"
check "her reply reaches the same phone" wait_for \
	last_text_is $phone "Great, booked"
check "... in the same thread (3 messages)" sql_is \
	"select count(*) from messages m join threads t on t.id = m.thread_id
	 where t.tag = '$tag'" 3

# 4. a long answer in two UCS-2 parts, the first sent twice
a=$(printf 'Привет' | iconv -f utf-8 -t utf-16be | hex)
b=$(printf ', до встречи' | iconv -f utf-8 -t utf-16be | hex)
mo_hex $phone 8 64 "0500037a0201$a"
mo_hex $phone 8 64 "0500037a0201$a"
mo_hex $phone 8 64 "0500037a0202$b"
check "two UCS-2 parts become one mail" wait_for has_mail "Привет, до встречи"
check "... once, though a part came twice" sql_is \
	"select count(*) from messages where direction = 'in'
	 and text = 'Привет, до встречи'" 1

# 5. a set whose second part never comes
mo_hex $phone 0 64 "0500037b0201$(printf 'Half of it' | hex)"
WAIT_SECONDS=40
check "an incomplete set is mailed after ReassemblyTimeout, marked" \
	wait_for has_mail "Half of it[part 2 of 2 missing]"
WAIT_SECONDS=15

# 5b. a header that says it is longer than the text: mailed as it is
mo_hex $phone 0 64 "0f0003$(printf 'Odd header' | hex)"
check "a text with a broken user data header is still mailed" wait_for \
	has_mail "Odd header"
check "... and the reason logged" grep -q 'bad user data header' "$tmp/smsgw.log"

# 6. STOP: confirmed once, the owner told, mail to the phone refused
mo $phone " Stop "
check "STOP opts the phone out" wait_for sql_is \
	"select keyword from optouts where phone = '+$phone'" STOP
check "... the phone gets StopText" wait_for last_text_is $phone \
	"You will get no more texts from this number. Reply START to subscribe again."
check "... alice is told by mail" wait_for has_mail "has opted out"
mo $phone "STOP"
wait_for sql_is "select count(*) from messages where text = 'STOP'" 1
check "a second STOP is not confirmed again" test "$(ntexts $phone)" -eq 3
POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from alice@example.com \
	--to $phone@sms.example.com --body "are you there?" \
	>"$tmp/swaks3.out" 2>&1
check "mail to the opted-out phone is refused at RCPT with 5.7.1" \
	grep -q '^<\*\* 550 5.7.1 ' "$tmp/swaks3.out"
sed -n 's/^<\*\* /  SMTP said: /p' "$tmp/swaks3.out" | head -1

# 7. START opts back in; "yes" from a phone that is in is an answer
mo $phone "start"
check "START opts the phone back in" wait_for sql_is \
	"select count(*) from optouts where phone = '+$phone'" 0
check "... and is answered with StartText" wait_for last_text_is $phone \
	"You will get texts from this number again. Reply STOP to stop."
mo $phone "Yes"
check "\"Yes\" from a phone that is in is mailed as an answer" wait_for \
	has_mail "Yes"
check "... and not answered with a text" test "$(ntexts $phone)" -eq 4
check "every deliver_sm was answered ESME_ROK" sh -c \
	"! grep '\"deliver_sm_resp\"' '$tmp/pdus.jsonl' | grep -qv '\"status\":0'"
# 8. issue 17: alice, then bob, text one phone from the same number;
# its answer names no thread. It must not go to bob (who texted last)
# as if it were his: it goes to the number's owner (Postmaster here),
# saying who texted the phone; with AmbiguousAnswers all, to each.
shared=12025550177
# to_whom TEXT: the Delivered-To of each mail with TEXT, sorted
to_whom() {
	for f in $(grep -l "$1" "$maildir"/new/* 2>/dev/null); do
		sed -n 's/^Delivered-To: //Ip' "$f"
	done | sort | tr '\n' ' '
}
went_to() { [ "$(to_whom "$1")" = "$2" ]; }
# says TEXT PHRASE: the mails with TEXT that also have PHRASE
says() {
	python3 - "$maildir/new" "$1" "$2" <<'PY'
import email, email.policy, os, sys
d, text, phrase = sys.argv[1:]
n = 0
for f in sorted(os.listdir(d)):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    body = m.get_body(("plain",))
    c = body.get_content() if body is not None else ""
    n += text in c and phrase in " ".join(c.split())
print(n)
PY
}
for who in alice bob; do
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" \
		--from $who@example.com --to $shared@sms.example.com \
		--header "Subject: from $who" --body "hello from $who" \
		>"$tmp/swaks-$who.out" 2>&1
	wait_for sh -c "python3 -c 'import sys' && grep -q '\"dst\":\"$shared\"' '$tmp/pdus.jsonl' && [ \$(grep -c '\"dst\":\"$shared\"' '$tmp/pdus.jsonl') -ge \$([ $who = alice ] && echo 1 || echo 2) ]"
done
check "alice and bob both texted the phone from +1 202-555-0100" \
	test "$(ntexts $shared)" -eq 2
mo $shared "thanks alice, the results are private"
check "the untagged answer is recorded in the number owner's thread" \
	wait_for sql_is "select t.owner from messages m join threads t on t.id = m.thread_id where m.text = 'thanks alice, the results are private'" \
	postmaster@example.com
check "... mailed to postmaster@example.com alone, not to bob" wait_for \
	went_to 'results are private' 'postmaster@example.com '
check "... saying bob and alice both texted it and it is ambiguous" \
	test "$(says 'results are private' 'names no conversation, and bob@example.com and alice@example.com all')" -eq 1
# AmbiguousAnswers all: a copy to each, each in its own thread
# (a restart: smsgw runs as another user and cannot read this file
# again on SIGHUP)
echo "AmbiguousAnswers all" >>"$tmp/smsmilter.conf"
kill -TERM "$gw"
wait_for sh -c "! kill -0 $gw 2>/dev/null"
gw_start "$tmp"
gw=$GW_PID
sleep 1
mo $shared "which of you was it"
check "AmbiguousAnswers all: alice and bob each get a copy" wait_for \
	went_to 'which of you was it' 'alice@example.com bob@example.com '
check "... saying so" test "$(says 'which of you was it' 'Each of them got this copy')" -eq 2
check "... each Reply-To is the reader's own thread" sh -c "
for w in alice bob; do
  f=\$(grep -l 'which of you was it' '$maildir'/new/* | xargs grep -li \"^Delivered-To: \$w@example.com\" | head -1)
  t=\$(sqlite3 '$db' \"select tag from threads where owner = '\$w@example.com' and phone = '+$shared'\")
  grep -q \"^Reply-To: .*$shared+\$t@sms.example.com\" \"\$f\" || exit 1
done"

# 9. issue 17: HELP twenty times, one answer (KeywordAnswerLimit 1/1h);
# the opt-out words carriers honour
i=0
while [ $i -lt 20 ]; do
	mo 12025550178 "help"
	i=$((i + 1))
done
check "20 HELPs from a phone are all mailed" wait_for sql_is \
	"select count(*) from messages m join threads t on t.id = m.thread_id where t.phone = '+12025550178' and m.direction = 'in'" 20
check "... and answered once" test "$(ntexts 12025550178)" -eq 1
check "... the mail says HelpText was not sent again" wait_for \
	has_mail "HelpText was not sent again (KeywordAnswerLimit)"
mo 12025550179 "opt   out"
mo 12025550180 " Revoke "
mo 12025550181 "OPTOUT"
check "OPT OUT, REVOKE and OPTOUT opt phones out" wait_for sql_is \
	"select group_concat(keyword, ',') from (select keyword from optouts where phone in ('+12025550179', '+12025550180', '+12025550181') order by phone)" \
	"OPT OUT,REVOKE,OPTOUT"

kill -TERM "$gw" "$MILTER_PID"
wait_for sh -c "! kill -0 $gw 2>/dev/null && ! kill -0 $MILTER_PID 2>/dev/null"
check "smsgw and smsmilter stop on SIGTERM, no sanitizer report in their logs" \
	sh -c "! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer\|runtime error' '$tmp/smsgw.log' '$tmp/milter.log'"

echo "1..$n"
[ "$failed" -eq 0 ]
