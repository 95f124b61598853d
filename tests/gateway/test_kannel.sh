#!/bin/sh
# test_kannel.sh - smsgw's Kannel transport against a real Kannel
#
# Usage: tests/gateway/test_kannel.sh BUILD_DIR
# Debian's Kannel on loopback, private configuration and store in a
# temporary directory: bearerbox with an `smsc = fake` link, smsbox with
# sendsms, and kannel-extras' fakesmsc as the phone network (it logs
# each MT it gets: sender, receiver, type and text). The dlr-url points
# at tests/provider/provider.js, which logs Kannel's report requests.
# Texts are queued with smsctl send; the tests read what fakesmsc got
# (GSM-7 text, UCS-2 as UTF-16BE, a long text split with a UDH), the
# reports Kannel made (our id, types 8 and 1) and the store. Prints TAP;
# appends its tally to $CHECK_TALLY; stops what it starts by pid.
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
for b in node python3 sqlite3; do
	command -v "$b" >/dev/null 2>&1 || skip_all "$b is missing (scripts/deps.sh)"
done

gw_begin kannel
printf 'kannel-pw\n' >"$tmp/kannel.secret"
chmod 600 "$tmp/kannel.secret"

# four free loopback ports: admin, smsbox, fake SMSC, sendsms (the
# report listener picks its own)
# shellcheck disable=SC2046
set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
admin=$1 boxport=$2 fakeport=$3 sendport=$4

cat >"$tmp/kannel.conf" <<EOF2
group = core
admin-port = $admin
admin-interface = 127.0.0.1
admin-password = admin-pw
admin-allow-ip = 127.0.0.1
smsbox-port = $boxport
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = $tmp/bearerbox.log
log-level = 0
access-log = $tmp/access.log
store-type = file
store-location = $tmp/kannel.store
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = $fakeport
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $boxport
sendsms-port = $sendport
sendsms-interface = 127.0.0.1
log-file = $tmp/smsbox.log
log-level = 0

group = sendsms-user
username = smsgw
password = kannel-pw
max-messages = 10
concatenation = true
EOF2

# the report listener
mkfifo "$tmp/ctl"
node "$top/tests/provider/provider.js" --port 0 --log "$tmp/dlr.jsonl" \
	<>"$tmp/ctl" >"$tmp/listener.out" 2>&1 &
pids="$pids $!"
wait_for grep -q '^listening' "$tmp/listener.out"
dlrport=$(sed -n 's/^listening //p' "$tmp/listener.out")

/usr/sbin/bearerbox "$tmp/kannel.conf" </dev/null >"$tmp/bearerbox.out" 2>&1 &
pids="$pids $!"
wait_for grep -q "Adding interface\|fake" "$tmp/bearerbox.log"
/usr/sbin/smsbox "$tmp/kannel.conf" </dev/null >"$tmp/smsbox.out" 2>&1 &
pids="$pids $!"
# fakesmsc reads texts to send from stdin and dies at its end: a FIFO
# held open read-write keeps it waiting
start_fake() {
	[ -p "$tmp/phones" ] || mkfifo "$tmp/phones"
	"$FAKESMSC" -H 127.0.0.1 -r "$fakeport" -i 0.1 -m 0 -v 0 \
		<>"$tmp/phones" >>"$tmp/fakesmsc.out" 2>&1 &
	fake=$!
	pids="$pids $fake"
}
start_fake
check "Kannel is up: fakesmsc connected, sendsms listening" wait_for sh -c "
grep -q 'Fakesmsc client connected' '$tmp/bearerbox.log' 2>/dev/null &&
curl -s -o /dev/null 'http://127.0.0.1:$sendport/cgi-bin/sendsms'"

{
	gw_conf_head
	cat <<EOF2
Transport kannel
KannelUrl http://127.0.0.1:$sendport/cgi-bin/sendsms
KannelUser smsgw
KannelPasswordFile $tmp/kannel.secret
HttpTimeout 5s
WebhookListen 127.0.0.1:$(free_port)
# Kannel reports to the listener that logs them (the dlr-url smsgw gives)
WebhookPublicUrl http://127.0.0.1:$dlrport
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:9
MailRetryInterval 1h
LogLevel debug
EOF2
} >"$tmp/smsgw.conf"
chmod 600 "$tmp/smsgw.conf"
conf=$tmp/smsgw.conf

# id_of PHONE: the id of the last text to PHONE
id_of() {
	sql "select max(m.id) from messages m join threads t on t.id = m.thread_id
	     where t.phone = '$1'"
}
# got PHONE: what fakesmsc got for PHONE, "type text" a line
got() {
	grep "Got message [0-9]*: <[^ ]* $1 " "$tmp/fakesmsc.out" |
		sed 's/.*Got message [0-9]*: <[^ ]* [^ ]* \(.*\)>$/\1/'
}
# utf16 URLENCODED: fakesmsc's url-encoded UCS-2 as hex
utf16() { node -e '
const s = process.argv[1], out = [];
for (let i = 0; i < s.length; i++) {
  if (s[i] === "%") { out.push(parseInt(s.substr(i + 1, 2), 16)); i += 2; }
  else out.push(s[i] === "+" ? 32 : s.charCodeAt(i));
}
console.log(Buffer.from(out).toString("hex"));' "$1"; }
start_gw

# 1. GSM-7 with extension characters: a "text" MT, our id as smsc_id
send --to +12025550101 "Hello €[x]" >/dev/null
id1=$(id_of +12025550101)
check "GSM-7 text: submitted, smsc_id $id1-1" wait_sql \
	"select m.state || ' ' || s.smsc_id from messages m join segments s on s.message_id = m.id where m.id = $id1" "3 $id1-1"
check "... fakesmsc got it from +12025550100 as text 'Hello €[x]'" wait_for sh -c \
	"grep -q 'Got message [0-9]*: <+12025550100 +12025550101 text Hello €\\[x\\]>' '$tmp/fakesmsc.out'"

# 2. Kannel's reports reach the dlr-url with our id: SMSC ack (8), delivered (1)
check "... Kannel's reports reach the dlr-url: id $id1-1, status 8 then 1" wait_for sh -c "
grep -q '\"path\":\"/kannel/dlr?id=$id1-1&status=8&answer=' '$tmp/dlr.jsonl' &&
grep -q '\"path\":\"/kannel/dlr?id=$id1-1&status=1&answer=' '$tmp/dlr.jsonl'"

# 3. UCS-2: coding=2, fakesmsc gets UTF-16BE with a surrogate pair
send --to +12025550102 "При 😀" >/dev/null
check "UCS-2 text with an emoji: submitted" wait_sql \
	"select state from messages where id = $(id_of +12025550102)" 3
check "... fakesmsc got it as ucs-2" wait_for sh -c "
[ \"\$(sed -n 's/.*<+12025550100 +12025550102 ucs-2 \\(.*\\)>\$/\\1/p' '$tmp/fakesmsc.out')\" != '' ]"
check "... UTF-16BE 041f04400438 0020 d83dde00, exactly" test "$(utf16 "$(got +12025550102 | sed 's/^ucs-2 //')")" = \
	"041f044004380020d83dde00"

# 4. a 200-character text: Kannel splits it, 8-bit reference UDH
long=$(printf 'a%.0s' $(seq 1 200))
send --to +12025550103 "$long" >/dev/null
id3=$(id_of +12025550103)
check "a 200-character text: submitted as one request" wait_sql \
	"select state || ' ' || segments from messages where id = $id3" "3 2"
check "... two parts at fakesmsc: UDH 050003rr0201 + 153, 050003rr0202 + 47, one reference" wait_for sh -c "
got() { sed -n 's/.*<+12025550100 +12025550103 \\(.*\\)>\$/\\1/p' '$tmp/fakesmsc.out'; }
[ \$(got | wc -l) -eq 2 ] &&
got | sed -n 1p | grep -Eq '^udh %05%00%03%(..)%02%01 data (a){153}\$' &&
got | sed -n 2p | grep -Eq '^udh %05%00%03%(..)%02%02 data (a){47}\$' &&
[ \"\$(got | cut -c14-16 | sort -u | wc -l)\" -eq 1 ]"
check "... Kannel reports the text once, with our id $id3-1: status 8 and 1" wait_for sh -c "
[ \$(grep -c '\"path\":\"/kannel/dlr?id=$id3-1&status=1&' '$tmp/dlr.jsonl') -eq 1 ] &&
[ \$(grep -c '\"path\":\"/kannel/dlr?id=$id3-1&status=8&' '$tmp/dlr.jsonl') -eq 1 ]"

# 5. the phone network away: Kannel answers "3: Queued for later
# delivery", the text is taken, and arrives when fakesmsc is back
stop_pids "$fake"
wait_for grep -q "EOF from fakesmsc client" "$tmp/bearerbox.log"
send --to +12025550104 "queued in Kannel" >/dev/null
check "fakesmsc away: Kannel queues the text (3: Queued), smsgw takes it as submitted" wait_sql \
	"select state from messages where id = $(id_of +12025550104)" 3
check "... Kannel's answer logged" grep -q "kannel: Kannel took $(id_of +12025550104)-1 and queued it for later delivery (\"3: Queued for later delivery\")" "$tmp/smsgw.log"
check "... not at fakesmsc yet" sh -c "! grep -q '+12025550104' '$tmp/fakesmsc.out'"
start_fake
check "... fakesmsc back: the text arrives" wait_for sh -c \
	"grep -q '<+12025550100 +12025550104 text queued in Kannel>' '$tmp/fakesmsc.out'"

# 6. each text sent once
check "each text reached fakesmsc once (the long one in two parts)" test "$(
	sed -n 's/.*Got message [0-9]*: <[^ ]* \([^ ]*\) .*/\1/p' "$tmp/fakesmsc.out" | sort | uniq -c |
	awk '{printf "%s:%s ", $2, $1}')" = "+12025550101:1 +12025550102:1 +12025550103:2 +12025550104:1 "

# 7. a wrong password: 403, failed for good with Kannel's words
stop_gw
printf 'wrong\n' >"$tmp/kannel.secret"
start_gw
send --to +12025550105 "with a wrong password" >/dev/null
check "a wrong password: failed, HTTP403" wait_sql \
	"select state || ' ' || error from messages where id = $(id_of +12025550105)" "5 HTTP403"
check "... with Kannel's words" grep -q "Kannel answered HTTP 403: Authorization failed" "$tmp/smsgw.log"
stop_gw

echo "1..$n"
[ "$failed" -eq 0 ]
