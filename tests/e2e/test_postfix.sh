#!/bin/sh
# test_postfix.sh - smsmilter behind a real Postfix on loopback
#
# Usage: tests/e2e/test_postfix.sh BUILD_DIR
# A private Postfix (smtpd on a free port, smtpd_milters and
# non_smtpd_milters pointing at smsmilter) relays to smtp-sink. Mail
# sent with swaks and sendmail(1) to phones and mailboxes: the store
# must hold exactly the texts, smtp-sink exactly the mail. Prints TAP;
# appends its tally to $CHECK_TALLY when set; stops every process it
# started by pid, also on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
E2E_BUILD=$(cd "$here/../.." && cd "${1:-build}" && pwd)
. "$here/../procs.sh"
. "$here/postfix.sh"
. "$here/../tap.sh"
e2e_setup e2e swaks
milter_conf "$tmp/smsmilter.conf" "$tmp" "unix:$tmp/milter.sock"
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" ||
	{ check "smsmilter starts" false; cat "$tmp/milter.log"; exit 1; }
# logins: Cyrus SASL with a private sasldb (PEERS.md), bob and alice
sasl=no
if command -v saslpasswd2 >/dev/null 2>&1; then
	for u in bob alice; do
		echo "secret-$u" | saslpasswd2 -p -f "$tmp/sasldb2" -c \
			-u example.com "$u"
	done
	chown postfix "$tmp/sasldb2"
	mkdir -p "$tmp/pf/sasl"
	printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN\n' \
		"$tmp/sasldb2" >"$tmp/pf/sasl/smtpd.conf"
	postconf -c "$tmp/pf" -e "smtpd_sasl_auth_enable = yes" \
		"smtpd_sasl_type = cyrus" "smtpd_sasl_path = smtpd" \
		"cyrus_sasl_config_path = $tmp/pf/sasl" &&
		sasl=yes
fi
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; cat "$tmp/pf/master.out"; exit 1; }
db=$tmp/store/smsmilter.db

# send OUTFILE ARGS...: swaks to our Postfix; its transcript in OUTFILE
send() {
	out=$1
	shift
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --helo client.example.com \
		"$@" >"$out" 2>&1
}

sinked() { grep -l -- "$1" "$tmp"/sink/* >/dev/null 2>&1; }
stored() { [ "$(sqlite3 "$db" "$1")" = "$2" ]; }

# 1. a phone and a mailbox: the text is queued, the mail relayed
send "$tmp/s1" --from alice@example.com \
	--to 12025550143@sms.example.com,bob@example.org \
	--header "Subject: Dinner" --header "Message-Id: <e2e-1@example.com>" \
	--body "Table for two at 8?"
check "mixed mail accepted (250)" grep -q '^<-  250 2.0.0 Ok: queued' "$tmp/s1"
check "the text is stored with its segments" stored \
	"select t.phone || '|' || m.text || '|' || m.segments from messages m join threads t on t.id = m.thread_id where m.message_id = 'e2e-1@example.com'" \
	"+12025550143|Dinner: Table for two at 8?|1"
check "smtp-sink got the mail for bob" wait_for sinked "e2e-1@example.com"
check "... with X-SMS-Queued" sh -c "grep -l 'e2e-1@example.com' $tmp/sink/* | xargs grep -q '^X-SMS-Queued: +12025550143 id=[0-9]* segments=1'"
check "... and not for the phone" sh -c "! grep -h '^X-Rcpt-Args' \$(grep -l 'e2e-1@example.com' $tmp/sink/*) | grep -q sms.example.com"

# 2. only phones, one a group member list would make: discarded by the milter
send "$tmp/s2" --from alice@example.com \
	--to 12025550144@sms.example.com,+442079460958@sms.example.com \
	--header "Subject: Alert" --header "Message-Id: <e2e-2@example.com>" \
	--body "Disk full on db1"
check "phones only: accepted (250)" grep -q '^<-  250 ' "$tmp/s2"
check "two texts stored" stored \
	"select count(*) from messages where message_id = 'e2e-2@example.com'" 2
check "the milter discarded the mail" wait_for grep -q 'milter triggers DISCARD action' "$tmp/pf/maillog"

# 3. an unauthorized client (127.0.0.2 is not in TrustedNetworks): the
# phone is refused with 550 5.7.1, the mailbox still gets the mail
send "$tmp/s3" --local-interface 127.0.0.2 --from alice@example.com \
	--to 12025550145@sms.example.com,bob@example.org \
	--header "Message-Id: <e2e-3@example.com>" --body "sneaky"
check "unauthorized client: 550 5.7.1 at RCPT" grep -q '^<\*\* 550 5.7.1 alice@example.com may not send text messages from here' "$tmp/s3"
check "... nothing stored" stored \
	"select count(*) from messages where message_id = 'e2e-3@example.com'" 0
check "... the mailbox got it" wait_for sinked "e2e-3@example.com"

# 4. bad recipients, refused at RCPT
send "$tmp/s4" --from alice@example.com --to 12@sms.example.com \
	--body "x"
check "invalid number: 550 5.1.3" grep -q '^<\*\* 550 5.1.3 12 is not a valid phone number' "$tmp/s4"
send "$tmp/s5" --from mallory@evil.example --to 12025550146@sms.example.com \
	--body "x"
check "sender not in AllowedSenders: 550 5.7.1" grep -q '^<\*\* 550 5.7.1 mallory@evil.example is not allowed' "$tmp/s5"

# 5. sendmail(1): non_smtpd_milters sees it
printf 'Subject: cron\nFrom: alice@example.com\nMessage-Id: <e2e-5@example.com>\n\nbackup done\n' |
	/usr/sbin/sendmail -C "$tmp/pf" -f alice@example.com 12025550147@sms.example.com
check "sendmail(1) mail to a phone is queued (non_smtpd_milters)" wait_for stored \
	"select text from messages where message_id = 'e2e-5@example.com'" "cron: backup done"

# 6. a failing text among mailboxes: the mail goes on, a report is queued
long=$(printf 'word %.0s' $(seq 1 200))
send "$tmp/s6" --from alice@example.com \
	--to 12025550148@sms.example.com,bob@example.org \
	--header "Subject: long" --header "Message-Id: <e2e-6@example.com>" \
	--body "$long"
check "mixed with a text over the cap: accepted (250)" grep -q '^<-  250 ' "$tmp/s6"
check "... the mailbox got it" wait_for sinked "e2e-6@example.com"
check "... no text stored" stored \
	"select count(*) from messages where message_id = 'e2e-6@example.com'" 0
check "... a delivery report to alice is queued" stored \
	"select rcpt || ' ' || (instr(data, 'Status: 5.3.4') > 0) from mail_queue where instr(data, 'e2e-6@example.com') > 0" \
	"alice@example.com 1"

# 7. the same text over the cap alone: the SMTP reply says why
send "$tmp/s7" --from alice@example.com --to 12025550149@sms.example.com \
	--header "Subject: long" --body "$long"
check "text over the cap, phones only: 552 5.3.4 at end of data" grep -q '^<\*\* 552 5.3.4 the text would take 7 SMS segments' "$tmp/s7"

# 8. ESMTP SIZE= over MaxMessageSize (10M default): refused at RCPT
python3 - "$port" >"$tmp/s8" 2>&1 <<'EOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("client.example.com")
print(s.mail("alice@example.com", ["SIZE=20000000"]))
print(s.rcpt("12025550150@sms.example.com"))
s.quit()
EOF
check "SIZE=20000000: 552 5.3.4 at RCPT" grep -q "(552, b'5.3.4 the mail is 20000000 bytes" "$tmp/s8"

# 9. issue 17: a SASL login texts only as itself (from 127.0.0.2, not
# a trusted network, so the login is what lets it text at all)
if [ "$sasl" = yes ]; then
	send "$tmp/s9" --local-interface 127.0.0.2 --auth PLAIN \
		--auth-user bob@example.com --auth-password secret-bob \
		--from alice@example.com \
		--to 12025550190@sms.example.com,carol@example.org \
		--header "Message-Id: <e2e-9@example.com>" --body "as alice"
	check "SASL bob as alice: 235, then 550 5.7.1 for the phone" sh -c \
		"grep -q '^<-  235 ' '$tmp/s9' && grep -q '^<\*\* 550 5.7.1 the login bob@example.com may not send as alice@example.com' '$tmp/s9'"
	check "... logged by smsmilter" grep -q \
		'reject: RCPT from 127.0.0.2: 550 5.7.1 the login bob@example.com may not send as alice@example.com' \
		"$tmp/milter.log"
	check "... no text as alice, and the mailbox still gets the mail" sh -c \
		"[ \$(sqlite3 '$db' \"select count(*) from messages where message_id = 'e2e-9@example.com'\") -eq 0 ]"
	check "... (carol's copy relayed)" wait_for sinked "e2e-9@example.com"
	send "$tmp/s10" --local-interface 127.0.0.2 --auth PLAIN \
		--auth-user bob@example.com --auth-password secret-bob \
		--from bob@example.com --to 12025550190@sms.example.com \
		--header "Message-Id: <e2e-10@example.com>" --body "as bob"
	check "SASL bob as bob: texted, owned by bob" stored \
		"select owner from messages m join threads t on t.id = m.thread_id where m.message_id = 'e2e-10@example.com'" \
		"bob@example.com"
	send "$tmp/s11" --local-interface 127.0.0.2 \
		--from bob@example.com --to 12025550190@sms.example.com \
		--body "no login"
	check "... and without a login, refused (550 5.7.1, log in)" \
		grep -q '^<\*\* 550 5.7.1 bob@example.com may not send text messages from here' "$tmp/s11"
	expect_texts=5
else
	echo "# skip: saslpasswd2 (sasl2-bin) is not installed"
	expect_texts=4
fi

check "exactly the expected texts are stored ($expect_texts)" stored \
	"select count(*) from messages" "$expect_texts"
check "every smsmilter line carries the queue id" sh -c \
	"grep -qE 'to=\+[0-9*]+ segments' '$tmp/milter.log' &&
	 ! grep -E 'to=\+[0-9*]+ segments' '$tmp/milter.log' | grep -vqE '^[0-9:.]+ smsmilter\[[0-9]+\]: [0-9A-F]{6,}: to='"
# LogLevel info: numbers are masked (smsmilter.conf(5)), in queued,
# refused and reject lines alike; the SMTP replies keep them whole
check "LogLevel info masks numbers: to=+1********43 segments=1" \
	grep -q ': to=+1\*\*\*\*\*\*\*\*43 segments=1 ' "$tmp/milter.log"
check "... a refused recipient's too: to=<1********48@sms.example.com>" \
	grep -q ': to=<1\*\*\*\*\*\*\*\*48@sms.example.com> status=refused (552 5.3.4 ' "$tmp/milter.log"
check "... and no whole number is logged" sh -c \
	"! grep -qE '(^|[^0-9])1?202555014[0-9]|442079460958|202-555-01|202\\.555\\.01' '$tmp/milter.log'"

# 10. issue 19: the safety net. Mail for the SMS domain that smsmilter
# did not take goes to the domain's transport, sms: (INSTALL: a pipe(8)
# that exits 75), which defers it: it stays in Postfix's queue, never
# discarded. First with the milter down and milter_default_action =
# accept...
# pf_restart: the master again, so no smtpd keeps the old settings
pf_restart() {
	stop_pids "$(cat "$tmp/pf/master.pid.ours")"
	pf_start "$tmp/pf"
	wait_port "$port"
}
stop_pids "$MILTER_PID"
postconf -c "$tmp/pf" -e "milter_default_action = accept"
pf_restart
send "$tmp/s12" --from alice@example.com --to 12025550195@sms.example.com \
	--header "Message-Id: <e2e-12@example.com>" --body "milter down"
check "milter down, milter_default_action = accept: 250" \
	grep -q '^<-  250 ' "$tmp/s12"
check "... the mail for the phone is deferred (sms: pipe, 4.3.0), not discarded" \
	wait_for grep -q 'to=<12025550195@sms.example.com>, relay=sms,.*dsn=4.3.0, status=deferred (smsmilter did not take' \
	"$tmp/pf/maillog"
check "... and waits in Postfix's queue" sh -c \
	"postqueue -c '$tmp/pf' -p | grep -q '12025550195@sms.example.com'"
# ...then with it back, a recipient in the SMS domain written with a
# trailing dot, which Postfix routes to the domain but the milter does
# not take: texted or deferred, never discarded
postconf -c "$tmp/pf" -e "milter_default_action = tempfail"
milter_start "$tmp/smsmilter.conf" "$tmp/milter2.log"
pf_restart
send "$tmp/s13" --from alice@example.com --to 12025550196@sms.example.com. \
	--header "Message-Id: <e2e-13@example.com>" --body "trailing dot"
check "trailing-dot SMS domain: 250" grep -q '^<-  250 ' "$tmp/s13"
texted_or_deferred() {
	[ "$(sqlite3 "$db" "select count(*) from messages where message_id = 'e2e-13@example.com'")" = 1 ] ||
		grep -q 'to=<12025550196@sms.example.com.\{0,1\}>.*status=deferred' "$tmp/pf/maillog"
}
check "... texted or deferred" wait_for texted_or_deferred
check "nothing for the SMS domain was ever discarded by Postfix" sh -c \
	"! grep -E 'to=<[^>]*@sms\.example\.com\.?>.*status=sent' '$tmp/pf/maillog'"

# 11. issue 19: a restart the way INSTALL has it without systemd (kill,
# start at once) while mail flows, one SMTP session after another, to a
# phone and a mailbox: no session sees a 4xx, during the restart or
# after the old smsmilter has gone
cat >"$tmp/flow.py" <<'EOF'
import os, smtplib, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
ok = bad = i = 0
t_end = None
while True:
    if t_end is None and os.path.exists(stop):
        t_end = time.time() + 3  # three seconds more after the old one left
    if t_end is not None and time.time() > t_end:
        break
    i += 1
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        refused = s.sendmail("alice@example.com",
                   ["12025550199@sms.example.com", "bob@example.org"],
                   "Subject: flow %d\r\nMessage-ID: <flow-%d@example.com>\r\n\r\nflow %d\r\n" % (i, i, i))
        s.quit()
        if refused:  # a 4xx at RCPT for one, the mail taken for the other
            bad += 1
            print("mail %d: %s" % (i, refused), flush=True)
        else:
            ok += 1
    except (smtplib.SMTPException, OSError) as e:
        bad += 1
        print("mail %d: %s" % (i, e), flush=True)
    time.sleep(0.05)
print("sent %d, refused %d" % (ok, bad))
EOF
python3 "$tmp/flow.py" "$port" "$tmp/flow.stop" >"$tmp/flow.out" 2>&1 &
flow=$!
E2E_PIDS="$E2E_PIDS $flow"
sleep 2
old=$MILTER_PID
kill -TERM "$old"
milter_start "$tmp/smsmilter.conf" "$tmp/milter3.log"
i=0
while kill -0 "$old" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
touch "$tmp/flow.stop"
wait "$flow"
echo "# restart under Postfix: $(tail -1 "$tmp/flow.out")"
check "restart under Postfix while mail flows: no session saw a 4xx ($(tail -1 "$tmp/flow.out"))" \
	sh -c "grep -q '^sent [1-9][0-9]*, refused 0\$' '$tmp/flow.out'"

echo "1..$n"
[ "$failed" -eq 0 ]
