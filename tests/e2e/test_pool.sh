#!/bin/sh
# test_pool.sh - two people text one phone from a pool of numbers; the
# phone's plain answers each reach the right person
#
# Usage: tests/e2e/test_pool.sh BUILD_DIR [smpp|http]
# A private Postfix with smsmilter, delivering each example.com mailbox
# into its own Maildir; smsgw with the SMPP test SMSC (npm smpp).
# SenderPool has two numbers and MaxLeasesPerPhone is 2. alice and bob
# (no SenderNumbers) mail the same phone: the texts leave from two
# different pool numbers. The phone answers each number with no tag and
# no subject, as a messaging app does: each answer lands in the Maildir
# of the one who texted from that number, threaded under their mail,
# though bob texted last. carol is refused at RCPT (452 4.5.3) with the
# phone's two numbers taken. Then alice's lease is aged past
# LeaseDuration (the store's clock moved back: the daemons have no
# injectable clock), within LeaseGrace: the answer still goes to alice,
# saying the lease had expired; aged past LeaseGrace it goes to the
# number's owner, saying so. With http, the same through the
# Twilio-style HTTP transport (tests/provider/provider.js gets the pool
# numbers as From; the answers come to smsgw's signed /twilio/sms
# webhook with the pool number as To), and a photo the phone sends
# alice, which smsgw fetches from the provider behind its basic
# authentication and which reaches alice's Maildir attached, byte for
# byte. Prints TAP; stops what it started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/../procs.sh"
. "$here/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup pool npm
via=${2:-smpp}
smsc_start "$tmp" || { check "SMSC starts" false; exit 1; }
loop_conf "$tmp" "$port"
if [ "$via" = http ]; then
	# the provider instead of the SMSC; smsgw's webhook for answers
	exec 9>&-
	mkfifo "$tmp/pctl"
	printf 'tok-pool-1\n' >"$tmp/token"
	chown postfix "$tmp/token"
	chmod 600 "$tmp/token"
	# a photo the phone sends, served behind basic authentication
	mkdir -p "$tmp/media"
	{ printf '\377\330\377\340'; head -c 30000 /dev/urandom; } >"$tmp/media/photo.jpg"
	node "$top/tests/provider/provider.js" --port 0 \
		--log "$tmp/requests.jsonl" --account AC0123456789 \
		--token tok-pool-1 --media "$tmp/media" \
		<>"$tmp/pctl" >"$tmp/provider.out" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	exec 9>"$tmp/pctl"
	wait_for grep -q '^listening' "$tmp/provider.out"
	pport=$(sed -n 's/^listening //p' "$tmp/provider.out")
	wport=$(free_port)
	sed -i '/^SmppServer/d; /^WebhookListen/d' "$tmp/smsmilter.conf"
	cat >>"$tmp/smsmilter.conf" <<CONF
Transport http
HttpBaseUrl http://127.0.0.1:$pport
HttpAccount AC0123456789
HttpTokenFile $tmp/token
WebhookListen 127.0.0.1:$wport
WebhookPublicUrl https://gw.example.com/hooks
InboundMediaAllowHttp yes
InboundMediaAllowPrivate yes
CONF
fi
cat >>"$tmp/smsmilter.conf" <<CONF
Postmaster postmaster@example.com
SenderPool +12025550110, +12025550111
MaxLeasesPerPhone 2
LeaseDuration 30d
LeaseGrace 7d
OptOutScope number
SenderPoolGroups @sales.example.com=+12025550130
CONF
sed -i "s/^AllowedSenders .*/AllowedSenders @example.com, @sales.example.com/" "$tmp/smsmilter.conf"
cat >>"$tmp/smsmilter.conf" <<CONF
SenderNumbers dave@example.com=+12025550120, dave@example.com=+12025550121, dave@example.com=Acme
CONF
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
maildir_init "$tmp"
postconf -c "$tmp/pf" -e "virtual_mailbox_maps = inline:{ alice@example.com=alice/, bob@example.com=bob/, erin@example.com=erin/, postmaster@example.com=postmaster/ }"
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" || { check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }
db=$tmp/store/smsmilter.db
phone=12025550143

# src_of TEXT: the number the text with TEXT left from (no "+")
src_of() {
	if [ "$via" = http ]; then
		python3 - "$tmp/requests.jsonl" "$1" <<'PY'
import json, sys
try:
    lines = open(sys.argv[1]).readlines()
except OSError:
    lines = []
for line in lines:
    p = json.loads(line)
    if p.get("answer") == 201 and sys.argv[2] in (p.get("body") or ""):
        print(p["from"].lstrip("+"))
PY
		return
	fi
	python3 - "$tmp/pdus.jsonl" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get("cmd") == "submit_sm" and sys.argv[2] in bytes.fromhex(p["sm"]).decode("latin-1"):
        print(p["src"])
PY
}
# in_box WHO TEXT: the file in WHO's Maildir whose text has TEXT
in_box() {
	python3 - "$tmp/mail/$1/new" "$2" <<'PY'
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
has() { [ -n "$(in_box "$1" "$2")" ]; }
texted() { [ -n "$(src_of "$1")" ]; }
# says WHO TEXT WORDS: the mail in WHO's Maildir with TEXT has WORDS
says() {
	python3 - "$tmp/mail/$1/new" "$2" "$3" <<'PY'
import email, email.policy, os, sys
d, want, words = sys.argv[1], sys.argv[2], sys.argv[3]
# any mail with TEXT that has WORDS (not only the first with TEXT: an
# earlier mail may quote the same word)
for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    b = m.get_body(("plain",))
    body = b.get_content() if b else ""
    if want not in body:
        continue
    text = " ".join(body.split())
    head = "".join("%s: %s\n" % (k, v) for k, v in m.items())
    if words in text or words in head:
        sys.exit(0)
sys.exit(1)
PY
}
header() {
	python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m.get(sys.argv[2], ""))
PY
}
# mail FROM ID BODY: FROM mails the phone; swaks' answer in $tmp/ID.out
mail() {
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from "$1" \
		--to $phone@sms.example.com --header "Subject: $2" \
		--header "Message-Id: <$2@example.com>" --body "$3" \
		>"$tmp/$2.out" 2>&1
}
# answer TO TEXT [PHOTO_URL]: the phone answers our number TO, no tag,
# no subject (by SMPP deliver_sm, or by the provider's signed webhook,
# with a photo)
sid=0
answer() {
	if [ "$via" = http ]; then
		sid=$((sid + 1))
		form=$(python3 -c 'import sys, urllib.parse
f = {"MessageSid": sys.argv[1], "AccountSid": "AC0123456789", "From": "+" + sys.argv[2], "To": "+" + sys.argv[3], "Body": sys.argv[4], "NumSegments": "1"}
if sys.argv[5]:
    f.update({"NumMedia": "1", "MediaUrl0": sys.argv[5], "MediaContentType0": "image/jpeg"})
print(urllib.parse.urlencode(f))' "SMpool$sid" "$phone" "${1#+}" "$2" "${3:-}")
		sig=$(python3 - "$form" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
params = urllib.parse.parse_qsl(sys.argv[1], keep_blank_values=True)
data = "https://gw.example.com/hooks/twilio/sms" + "".join(k + v for k, v in sorted(params))
print(base64.b64encode(hmac.new(b"tok-pool-1", data.encode(), hashlib.sha1).digest()).decode())
PY
)
		curl -s -o /dev/null -X POST -H "X-Twilio-Signature: $sig" \
			-H 'Content-Type: application/x-www-form-urlencoded' \
			--data-binary "$form" "http://127.0.0.1:$wport/twilio/sms"
		return
	fi
	printf '{"mo": {"from": "%s", "to": "%s", "text": "%s"}}\n' \
		"$phone" "${1#+}" "$2" >&9
}

mail alice@example.com alice-1 "Lunch on Friday?"
check "alice's mail to the phone is accepted" grep -q '^<-  250 ' "$tmp/alice-1.out"
check "... texted" wait_for texted 'Lunch on Friday'
mail bob@example.com bob-1 "Can you call me?"
check "bob's mail to the same phone is accepted" grep -q '^<-  250 ' "$tmp/bob-1.out"
check "... texted" wait_for texted 'Can you call me'
a=$(src_of 'Lunch on Friday') b=$(src_of 'Can you call me')
check "alice's and bob's texts left from two pool numbers ($a, $b)" sh -c \
	"[ '$a' != '$b' ] && case '$a $b' in *12025550110*12025550111*|*12025550111*12025550110*) true;; *) false;; esac"

answer "$a" "Friday works for me"
answer "$b" "Calling you now"
check "the answer to alice's number lands in alice's Maildir, though bob texted last" \
	wait_for has alice "Friday works for me"
check "the answer to bob's number lands in bob's Maildir" \
	wait_for has bob "Calling you now"
check "... and neither in the other's" \
	test -z "$(in_box alice 'Calling you now')$(in_box bob 'Friday works')"
f=$(in_box alice "Friday works for me")
check "alice's answer is threaded under her mail" \
	test "$(header "${f:-/dev/null}" In-Reply-To)" = "<alice-1@example.com>"
f=$(in_box bob "Calling you now")
check "bob's answer is threaded under his mail" \
	test "$(header "${f:-/dev/null}" In-Reply-To)" = "<bob-1@example.com>"
check "the store has one live lease per conversation" test \
	"$(sqlite3 "$db" "select count(*) from pool_leases where phone = '+$phone'")" -eq 2

mail carol@example.com carol-1 "Me too"
check "carol, a third owner, is refused at RCPT: 452 4.5.3, the phone has no number left" \
	grep -q '^<\*\* 452 4.5.3 .*already has 2 conversations' "$tmp/carol-1.out"
grep '^<\*\*' "$tmp/carol-1.out" | sed 's/^/  | /'

ctl() { "$E2E_BUILD/smsctl" -c "$tmp/smsmilter.conf" "$@"; }
ctl leases --phone $phone >"$tmp/leases.out" 2>&1
check "smsctl leases lists the phone's two live leases, alice's and bob's" sh -c \
	"grep -c ' yes ' '$tmp/leases.out' | grep -qx 2 && grep -q '+$a .*alice@example.com' '$tmp/leases.out' && grep -q '+$b .*bob@example.com' '$tmp/leases.out'"
sed 's/^/  | /' "$tmp/leases.out"
ctl numbers >"$tmp/numbers.out" 2>&1
sed 's/^/  | /' "$tmp/numbers.out"
check "smsctl numbers: each pool number with its live lease, a text out and one in" sh -c \
	"grep -Eq '^\\+12025550110 +pool +1 +1 +1 ' '$tmp/numbers.out' && grep -Eq '^\\+12025550111 +pool +1 +1 +1 ' '$tmp/numbers.out' && grep -Eq '^\\+12025550121 +owner .*dave@example.com' '$tmp/numbers.out'"
ctl contacts add mum $phone >/dev/null
ctl history --phone mum --number "+$a" >"$tmp/history.out" 2>&1
check "smsctl history --phone CONTACT --number OURS: alice's conversation only, our number shown" sh -c \
	"grep -q 'Lunch on Friday' '$tmp/history.out' && grep -q 'Friday works' '$tmp/history.out' && ! grep -q 'call me' '$tmp/history.out' && grep -q '+$a' '$tmp/history.out'"
check "smsctl send as carol is refused in the milter's words" sh -c \
	"! '$E2E_BUILD/smsctl' -c '$tmp/smsmilter.conf' send --owner carol@example.com --to $phone hi 2>'$tmp/send.err' && grep -q 'already has 2 conversations' '$tmp/send.err'"
check "smsctl leases release ends bob's lease" \
	ctl leases release --phone $phone --number "+$b"
check "... then carol's smsctl send gets bob's old number" sh -c \
	"'$E2E_BUILD/smsctl' -c '$tmp/smsmilter.conf' send --owner carol@example.com --to $phone 'From carol' >/dev/null && sqlite3 '$db' \"select owner from pool_leases where number = '+$b'\" | grep -qx carol@example.com"

if [ "$via" = http ]; then
	# attached WHO TEXT FILE: the mail with TEXT carries FILE as image/jpeg
	attached() {
		f=$(in_box "$1" "$2") && [ -n "$f" ] && python3 - "$f" "$3" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
want = open(sys.argv[2], "rb").read()
sys.exit(0 if any(p.get_content_type() == "image/jpeg" and
                  p.get_payload(decode=True) == want
                  for p in m.iter_attachments()) else 1)
PY
	}
	answer "$a" "A photo of the place" \
		"http://127.0.0.1:$pport/2010-04-01/Accounts/AC0123456789/Messages/MM1/Media/photo.jpg"
	check "a photo from the phone reaches alice's Maildir" \
		wait_for has alice "A photo of the place"
	check "... attached, image/jpeg, byte for byte" \
		attached alice "A photo of the place" "$tmp/media/photo.jpg"
	check "... fetched with the provider's credentials" \
		grep -q '"path":"[^"]*/Media/photo.jpg".*"auth_ok":true.*"answer":200' "$tmp/requests.jsonl"
fi
# alice's lease, last renewed by her answer, aged past LeaseDuration
sqlite3 "$db" "update pool_leases set renewed = renewed - 32 * 86400 where number = '+${a#+}'"
answer "$a" "Still on for Friday?"
check "an answer after the lease expired, within LeaseGrace, still reaches alice" \
	wait_for has alice "Still on for Friday?"
check "... saying the lease had expired" \
	says alice "Still on for Friday" "lent to this conversation"
sqlite3 "$db" "update pool_leases set renewed = renewed - 40 * 86400 where number = '+${a#+}'"
answer "$a" "Hello again"
check "past LeaseGrace the answer goes to the number's owner (Postmaster)" \
	wait_for has postmaster "Hello again"
check "... saying so" says postmaster "Hello again" "past LeaseGrace"

# dave has several numbers (and a sender name): X-SMS-Sender picks one
# dmail HEADER ID BODY: dave mails another phone with X-SMS-Sender HEADER
dmail() {
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from dave@example.com \
		--to 12025550150@sms.example.com --header "Subject: $2" \
		--header "Message-Id: <$2@example.com>" \
		--header "X-SMS-Sender: $1" --body "$3" >"$tmp/$2.out" 2>&1
}
from_is() { [ "$(src_of "$1")" = "$2" ]; }
dmail "+1 202-555-0121" dave-1 "from my second line"
check "X-SMS-Sender picks dave's second number" \
	wait_for from_is "from my second line" 12025550121
dmail "" dave-2 "from my first line"
check "... without it, his first" wait_for from_is "from my first line" 12025550120
dmail "+12025550199" dave-3 "from another number"
check "a number that is not his is refused: 550 5.7.1, naming his" \
	grep -q '^<\*\* 550 5.7.1 dave@example.com may not text from +12025550199: its numbers are +12025550120' "$tmp/dave-3.out"
dmail "+12025550110" dave-5 "from a pool number"
check "a pool number is refused: the pool lends it per conversation" \
	grep -q '^<\*\* 550 5.7.1 +12025550110 is a SenderPool number' "$tmp/dave-5.out"
dmail "Acme" dave-4 "from my name"
check "his sender name to a US phone leaves from his first real number" \
	wait_for from_is "from my name" 12025550120
# PoolExhausted recycle (smsctl send reads its own configuration): a
# phone with both numbers taken gives erin the longest quiet one, and
# its owner is told by mail
sed 's/^PoolExhausted.*//' "$tmp/smsmilter.conf" >"$tmp/recycle.conf"
echo "PoolExhausted recycle" >>"$tmp/recycle.conf"
chmod 600 "$tmp/recycle.conf"
ctl send --owner alice@example.com --to 12025550160 "first" >/dev/null
sleep 1
ctl send --owner bob@example.com --to 12025550160 "second" >/dev/null
check "with PoolExhausted defer, erin's third conversation is refused" sh -c \
	"! '$E2E_BUILD/smsctl' -c '$tmp/smsmilter.conf' send --owner erin@example.com --to 12025550160 x 2>/dev/null"
check "with recycle, erin gets the number alice had with that phone" sh -c \
	"'$E2E_BUILD/smsctl' -c '$tmp/recycle.conf' send --owner erin@example.com --to 12025550160 third >/dev/null &&
	 [ \"\$(sqlite3 '$db' \"select owner from pool_leases where phone = '+12025550160' order by renewed desc limit 1\")\" = erin@example.com ]"
check "... and alice is told by mail that the phone's answers moved off it" \
	wait_for says alice "no longer reach you" "Subject: Your texts with +1 202-555-0160 moved off"
# OptOutScope number: STOP to erin's number opts the phone out of it
# only; bob's conversation, on the other number, goes on
phone=12025550160
x=$(sqlite3 "$db" "select number from pool_leases where phone = '+$phone' and owner = 'erin@example.com'")
y=$(sqlite3 "$db" "select number from pool_leases where phone = '+$phone' and owner = 'bob@example.com'")
answer "$x" "STOP"
check "STOP to erin's number: erin is told the phone opted out of that number" \
	wait_for says erin "STOP" "opted out of texts from that number"
mail erin@example.com erin-2 "Are you there?"
check "... erin's next mail is refused at RCPT, naming the number" \
	grep -q "^<\*\* 550 5.7.1 +1 202-555-0160 has opted out of texts from $(python3 -c 'import sys; n = sys.argv[1]; print("+1 %s-%s-%s" % (n[2:5], n[5:8], n[8:]))' "$x")" "$tmp/erin-2.out"
mail bob@example.com bob-2 "Still on for Sunday"
check "... bob's mail to the same phone, on the other number, is texted" \
	wait_for from_is "Still on for Sunday" "${y#+}"
check "smsctl optout list shows the phone out of erin's number only" sh -c \
	"'$E2E_BUILD/smsctl' -c '$tmp/smsmilter.conf' optout list | grep -Eq '^\\+12025550160 +\\$x '"
# the defaults: MaxLeasesPerPhone 5 (seed 001), with six pool numbers:
# five owners text one phone, the sixth is refused
sed 's/^MaxLeasesPerPhone.*//; s/^SenderPool .*/SenderPool +12025550140, +12025550141, +12025550142, +12025550144, +12025550145, +12025550146/' \
	"$tmp/smsmilter.conf" >"$tmp/five.conf"
chmod 600 "$tmp/five.conf"
for k in 1 2 3 4 5; do
	"$E2E_BUILD/smsctl" -c "$tmp/five.conf" send --owner "o$k@example.com" \
		--to 12025550180 "owner $k" >/dev/null 2>&1
done
check "with the default MaxLeasesPerPhone, five owners each lease a number with one phone" test \
	"$(sqlite3 "$db" "select count(distinct number) from pool_leases where phone = '+12025550180'")" -eq 5
check "... and the sixth is refused: the phone already has 5 conversations" sh -c \
	"! '$E2E_BUILD/smsctl' -c '$tmp/five.conf' send --owner o6@example.com --to 12025550180 six 2>'$tmp/six.err' && grep -q 'already has 5 conversations' '$tmp/six.err'"

# a pool of its own for @sales.example.com (SenderPoolGroups)
ctl send --owner frank@sales.example.com --to 12025550170 "from sales" >/dev/null
check "an owner of a SenderPoolGroups group leases its group's number" test \
	"$(sqlite3 "$db" "select number from pool_leases where phone = '+12025550170'")" = "+12025550130"
check "... which smsctl numbers lists as a pool number of the group" sh -c \
	"'$E2E_BUILD/smsctl' -c '$tmp/smsmilter.conf' numbers | grep -Eq '^\\+12025550130 +pool .*@sales.example.com'"
echo "1..$n"
[ "$failed" -eq 0 ]
