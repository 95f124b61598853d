#!/bin/sh
# test_kannel_mo.sh - Kannel's reports and texts from phones into smsgw
#
# Usage: tests/gateway/test_kannel_mo.sh BUILD_DIR
# Debian's Kannel on loopback as in test_kannel.sh (bearerbox with an
# `smsc = fake` link, smsbox, kannel-extras' fakesmsc as the phone
# network), but Kannel now talks to smsgw's own webhook server
# (WebhookListen, TrustedNetworks 127.0.0.1/32): the dlr-url smsgw
# puts on each text, and an smsbox sms-service (keyword default,
# catch-all, max-messages 0) whose get-url is /kannel/mo. Mail goes to
# smtp-sink.
#
# Reports: a text Kannel takes is delivered in the store (state 4,
# its segment too) after Kannel's reports 8 and 1, which often come
# before sendsms's answer is recorded. The fake SMSC never reports a
# failure; the one failure report Kannel makes here is for a number it
# cannot route (smsc denied-prefix): sendsms answers 403 "Not routable"
# (the text fails, HTTP403) and the dlr-url gets status 16, "NACK/no
# SMSC", which smsgw answers 404 (the failed text has no SMSC id).
# Texts from phones (fakesmsc's "text", "ucs2" and "data" lines): GSM,
# UCS-2 with Cyrillic and an emoji, 8-bit; each is one mail to the
# number's owner (NumberOwners) with the right UTF-8 text, stored as
# direction 'in' with Kannel's id; the escape codes' values are checked
# in smsbox's access log, and every get-url request was answered 200.
# Then smsbox again with mo-recode = true (UCS-2 comes as UTF-8).
# Prints TAP; appends its tally to $CHECK_TALLY; stops what it starts
# by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/gateway/helpers.sh"
FAKESMSC=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}
for b in /usr/sbin/bearerbox /usr/sbin/smsbox "$FAKESMSC"; do
	[ -x "$b" ] || skip_all "$b is missing (Debian kannel and kannel-extras: scripts/deps.sh)"
done
for b in python3 sqlite3 curl smtp-sink; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is missing (scripts/deps.sh)"
done

gw_begin kannel-mo
printf 'kannel-pw\n' >"$tmp/kannel.secret"
chmod 600 "$tmp/kannel.secret"
sink_prepare # smtp-sink's port, directory and user

# five free loopback ports: Kannel's admin, smsbox, fake SMSC and
# sendsms; smsgw's webhooks
# shellcheck disable=SC2046
set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
admin=$1 boxport=$2 fakeport=$3 sendport=$4 wport=$5

# kannel_conf MO_RECODE: contrib/kannel/kannel.conf made private: its
# ports, paths and passwords replaced, smsbox's mo-recode set, and
# Kannel's fake SMSC for its smsc group (+12025550999 not routable
# through it). Logs at level 0 (debug): smsbox's log then names each
# URL it calls and each answer it gets.
kannel_conf() {
	sed -e "s|^admin-port = 13000\$|admin-port = $admin|" \
		-e "s|^admin-password = .*|admin-password = admin-pw|" \
		-e "s|^smsbox-port = 13001\$|smsbox-port = $boxport|" \
		-e "s|^bearerbox-port = 13001\$|bearerbox-port = $boxport|" \
		-e "s|^sendsms-port = 13013\$|sendsms-port = $sendport|" \
		-e "s|^password = CHANGE-kannel-password\$|password = kannel-pw|" \
		-e "s|http://127.0.0.1:8025/kannel/mo?|http://127.0.0.1:$wport/kannel/mo?|" \
		-e "s|/var/log/kannel/|$tmp/|" -e "s|/var/spool/kannel/|$tmp/|" \
		-e "s|^log-level = 1\$|log-level = 0|" \
		-e "s|^mo-recode = false\$|mo-recode = $1|" \
		"$top/contrib/kannel/kannel.conf" |
		awk -v port="$fakeport" '
/^group = smsc$/ {
	print "group = smsc\nsmsc = fake\nsmsc-id = fake\nport = " port
	print "our-host = 127.0.0.1\nconnect-allow-ip = 127.0.0.1"
	print "denied-prefix = +12025550999"
	skip = 1
	next
}
skip && /^$/ { skip = 0 }
!skip' >"$tmp/kannel.conf"
}
kannel_conf false
check "contrib/kannel/kannel.conf, made private, keeps nothing of its own" sh -c "
! grep -v '^#' '$tmp/kannel.conf' | grep 'CHANGE\|/var/\|:8025\|smpp\|= 1300[0-9]\$\|= 13013\$\|log-level = 1' &&
grep -q '^mo-recode = false\$' '$tmp/kannel.conf' && grep -q '^smsc = fake\$' '$tmp/kannel.conf'"

/usr/sbin/bearerbox "$tmp/kannel.conf" </dev/null >"$tmp/bearerbox.out" 2>&1 &
pids="$pids $!"
wait_for grep -q "fake" "$tmp/bearerbox.log" 2>/dev/null
start_smsbox() {
	/usr/sbin/smsbox "$tmp/kannel.conf" </dev/null >>"$tmp/smsbox.out" 2>&1 &
	smsbox=$!
	pids="$pids $smsbox"
}
start_smsbox
# fakesmsc reads texts from phones on stdin and dies at its end: a FIFO
# held open read-write keeps it waiting. No -m: it sends every line.
mkfifo "$tmp/phones"
"$FAKESMSC" -H 127.0.0.1 -r "$fakeport" -i 0.1 -v 0 \
	<>"$tmp/phones" >>"$tmp/fakesmsc.out" 2>&1 &
pids="$pids $!"
gw_sink_start 16
check "Kannel is up: fakesmsc connected, sendsms listening" wait_for sh -c "
grep -q 'Fakesmsc client connected' '$tmp/bearerbox.log' 2>/dev/null &&
curl -s -o /dev/null 'http://127.0.0.1:$sendport/cgi-bin/sendsms'"

{
	gw_conf_head
	cat <<EOF
Transport kannel
KannelUrl http://127.0.0.1:$sendport/cgi-bin/sendsms
KannelUser smsmilter
KannelPasswordFile $tmp/kannel.secret
HttpTimeout 5s
WebhookListen 127.0.0.1:$wport
TrustedNetworks 127.0.0.1/32
NumberOwners +12025550100=alice@example.com
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:$sinkport
MailRetryInterval 2s
LogLevel debug
EOF
} >"$tmp/smsgw.conf"
chmod 600 "$tmp/smsgw.conf"
conf=$tmp/smsgw.conf

id_of() {
	sql "select max(m.id) from messages m join threads t on t.id = m.thread_id
	     where t.phone = '$1' and m.direction = 'out'"
}
"$BUILD/smsgw" -f -c "$conf" 2>>"$tmp/smsgw.log" &
gw=$!
pids="$pids $gw"
check "smsgw's webhook server is up" wait_for sh -c \
	"curl -s -o /dev/null 'http://127.0.0.1:$wport/metrics'"

# asked URL: smsbox requested URL (its debug log names each one)
asked() { grep -qF "Parsing URL \`$1'" "$tmp/smsbox.log"; }
# not_200: the statuses of smsbox's answers from smsgw that are not 200
not_200() {
	sed -n 's/.*HTTP: Status line: <HTTP\/1\.[01] \([0-9]*\).*/\1/p' \
		"$tmp/smsbox.log" | grep -v '^200$'
}
only_404() { [ "$(not_200)" = 404 ]; }
hook=http://127.0.0.1:$wport

# 1. a text Kannel takes: reports 8 (SMSC ack) then 1 (delivered)
send --to +12025550101 "Hello from smsgw" >/dev/null
id1=$(id_of +12025550101)
check "a text through Kannel is delivered in the store (messages.state 4)" \
	wait_sql "select state from messages where id = ${id1:-0}" 4
check "... its segment $id1-1 is delivered" wait_sql \
	"select smsc_id || ' ' || state from segments where message_id = ${id1:-0}" \
	"$id1-1 4"
check "... Kannel called smsgw's dlr-url with status 8 (ACK/)" \
	asked "$hook/kannel/dlr?id=$id1-1&status=8&answer=ACK%2F"
check "... and with status 1" asked "$hook/kannel/dlr?id=$id1-1&status=1&answer="

# 2. a 200-character text, split by Kannel: still one report per text
long=$(printf 'b%.0s' $(seq 1 200))
send --to +12025550102 "$long" >/dev/null
id2=$(id_of +12025550102)
check "a 200-character text (two parts at Kannel) is delivered" \
	wait_sql "select state || ' ' || segments from messages where id = ${id2:-0}" "4 2"
check "... its one segment $id2-1 too" wait_sql \
	"select group_concat(smsc_id || ' ' || state) from segments where message_id = ${id2:-0}" \
	"$id2-1 4"

# 3. a number Kannel cannot route: sendsms answers 403 "Not routable"
# and Kannel reports 16 ("NACK/no SMSC") for it. smsgw fails the text
# on the 403 and records no SMSC id for it, so it answers that report 404.
send --to +12025550999 "nowhere to go" >/dev/null
id3=$(id_of +12025550999)
check "a text Kannel cannot route fails (state 5, HTTP403)" wait_sql \
	"select state || ' ' || error from messages where id = ${id3:-0}" "5 HTTP403"
check "... with Kannel's words" grep -q "Kannel answered HTTP 403: Not routable" "$tmp/smsgw.log"
check "... Kannel's report 16 (NACK/no SMSC) for it came to smsgw" wait_for \
	asked "$hook/kannel/dlr?id=$id3-1&status=16&answer=NACK%2Fno+SMSC"
check "... answered 404 (no text has the SMSC id $id3-1): the only answer not 200" \
	wait_for only_404
check "... the text stays failed" wait_sql \
	"select state from messages where id = ${id3:-0}" 5 1

# texts from phones. phone LINE: one fakesmsc line (one a write: it reads
# a line per write). mails: the sink's mails as "RCPT 'TEXT'" lines
phone() { printf '%s\n' "$1" >"$tmp/phones"; }
mails() {
	python3 - "$tmp/sink" <<'PY'
import email, email.policy, os, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    with open(os.path.join(d, f), 'rb') as fp:
        raw = fp.read()
    # smtp-sink's dump: its X- lines, then the message as it came
    rcpt = [l.split(b'<', 1)[1].split(b'>', 1)[0].decode()
            for l in raw.splitlines() if l.startswith(b'X-Rcpt-Args: <')]
    m = email.message_from_bytes(raw, policy=email.policy.default)
    body = m.get_body(('plain',))
    text = body.get_content() if body is not None else ''
    print(','.join(rcpt) or '?', repr(text.strip()))
PY
}
# nmails N: smtp-sink has N mails
nmails() { [ "$(find "$tmp/sink" -type f | wc -l)" -eq "$1" ]; }
# mailed_once TEXT: one mail is exactly TEXT, it is to alice, and no
# other mail has TEXT
mailed_once() {
	mails >"$tmp/mails.txt"
	[ "$(grep -cF "$1" "$tmp/mails.txt")" = 1 ] &&
		grep -qxF "alice@example.com '$1'" "$tmp/mails.txt"
}
# stored_in TEXT: once in the store, from a phone, with Kannel's id (a UUID)
stored_in() {
	[ "$(sql "select count(*) from messages where direction = 'in' and
	     text = '$1' and provider_id like '________-____-____-____-____________'")" = 1 ]
}
# mo_url FROM REST: smsbox's access log has its get-url request with REST
mo_url() {
	grep -qF "url: '$hook/kannel/mo?from=%2B$1&to=%2B12025550100&text=$2&id=" \
		"$tmp/smsbox-access.log"
}

check "... and alice got a report saying so" wait_for nmails 1
phone "+12025550143 +12025550100 text Running late, 10 min @ the cafe {ok}"
check "a GSM text from a phone: a mail" wait_for nmails 2
check "... one, to alice, with the text" mailed_once "Running late, 10 min @ the cafe {ok}"
check "... stored as direction 'in' with Kannel's id" \
	stored_in "Running late, 10 min @ the cafe {ok}"
check "... Kannel sent it as UTF-8 with coding=0, charset=UTF-8" mo_url 12025550143 \
	"Running+late%2C+10+min+%40+the+cafe+%7Bok%7D&coding=0&charset=UTF-8"

# Привет 😀 in UTF-16BE: Kannel hands it on as it came, coding=2
phone "+12025550143 +12025550100 ucs2 %04%1F%04%40%04%38%04%32%04%35%04%42%00%20%D8%3D%DE%00"
check "a UCS-2 text (Cyrillic, an emoji) from a phone: a mail" wait_for nmails 3
check "... one, to alice, in UTF-8" mailed_once "Привет 😀"
check "... stored as direction 'in'" stored_in "Привет 😀"
check "... Kannel sent it as UTF-16BE with coding=2, charset=UTF-16BE" mo_url 12025550143 \
	"%04%1F%04%40%048%042%045%04B%00+%D8%3D%DE%00&coding=2&charset=UTF-16BE"

# 8-bit data: Kannel says coding=1, charset=8-BIT
phone "+12025550143 +12025550100 data caf%E9 cr%E8me"
check "an 8-bit text from a phone: a mail" wait_for nmails 4
check "... one, to alice, read as Latin-1" mailed_once "café crème"
check "... stored as direction 'in'" stored_in "café crème"
check "... Kannel sent it with coding=1, charset=8-BIT" mo_url 12025550143 \
	"caf%E9+cr%E8me&coding=1&charset=8-BIT"

# 4. smsbox with mo-recode = true: UCS-2 comes as UTF-8, coding=0
stop_pids "$smsbox"
kannel_conf true
start_smsbox
check "smsbox again, with mo-recode = true" wait_for sh -c \
	"[ \$(grep -c 'Connected to bearerbox' '$tmp/smsbox.log') -eq 2 ]"
phone "+12025550144 +12025550100 ucs2 %04%14%04%30%00%21%00%20%D8%3C%DF%89"
check "... a UCS-2 text from a phone: a mail" wait_for nmails 5
check "... one, to alice, in UTF-8" mailed_once "Да! 🎉"
check "... stored as direction 'in'" stored_in "Да! 🎉"
check "... Kannel sent it as UTF-8 with coding=0, charset=UTF-8" mo_url 12025550144 \
	"%D0%94%D0%B0!+%F0%9F%8E%89&coding=0&charset=UTF-8"

check "smsbox's get-url requests (4) were each answered 200" sh -c "
[ \$(grep -c \"url: '$hook/kannel/mo?\" '$tmp/smsbox-access.log') -eq 4 ] &&
[ \$(grep \"url: '$hook/kannel/mo?\" '$tmp/smsbox-access.log' | grep -c \"reply: 200 \") -eq 4 ]"
check "... and Kannel sent no text back to those phones" sh -c \
	"! grep -q 'Got message [0-9]*: <[^ ]* +1202555014[34] ' '$tmp/fakesmsc.out'"
check "every mail went to alice" sh -c \
	"[ \$(grep -c . '$tmp/mails.txt') -eq 5 ] && [ \$(grep -c '^alice@example.com ' '$tmp/mails.txt') -eq 5 ]"
check "smsgw is still running" kill -0 "$gw"
kill -TERM "$gw"
wait_for sh -c "! kill -0 $gw 2>/dev/null"
check "smsgw stops on SIGTERM, with no sanitizer report in its log" sh -c \
	"! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer\|runtime error' '$tmp/smsgw.log'"

echo "1..$n"
[ "$failed" -eq 0 ]
