#!/bin/sh
# test_media_in.sh - photos from phones and voicemail recordings fetched
# from the provider and attached to the owner's mail
#
# Usage: tests/gateway/test_media_in.sh BUILD_DIR
# The provider is tests/provider/provider.js with --media: it serves the
# files phones sent behind basic authentication (HttpAccount and
# HttpToken), as Twilio does. A second one on 127.0.0.2 plays a host
# that is not the provider's. smsgw (Transport http) takes signed MMS
# webhooks through its real listener and mails to smtp-sink; the mails
# are read back with Python's email package and their attachments
# compared byte for byte with the files served. Then: wrong
# credentials, 404, a file too big, a host not the provider's (which
# gets no request), a 503 that passes and one that does not, a
# voicemail's recording, smsgw killed with -9 while it fetches (the
# mail goes once), and https required. Prints TAP; stops what it
# started, by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/gateway/helpers.sh"
command -v node >/dev/null 2>&1 || skip_all "node is missing (scripts/deps.sh)"
command -v curl >/dev/null 2>&1 || skip_all "curl is missing (scripts/deps.sh)"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is missing (scripts/deps.sh)"
command -v smtp-sink >/dev/null 2>&1 || skip_all "smtp-sink (postfix) is missing"

gw_begin media-in
printf 'tok-media-1\n' >"$tmp/token"
printf 'hook-pass\n' >"$tmp/hookpw"
chmod 600 "$tmp/token" "$tmp/hookpw"
acct=AC0123456789

# the files phones sent
mkdir -p "$tmp/media" "$tmp/foreign" "$tmp/got"
{ printf '\377\330\377\340'; head -c 20000 /dev/urandom; } >"$tmp/media/p1.jpg"
{ printf '\211PNG\r\n\032\n'; head -c 5000 /dev/urandom; } >"$tmp/media/p2.png"
{ printf '\377\330\377\340'; head -c 100000 /dev/urandom; } >"$tmp/media/big.jpg"
{ printf 'ID3'; head -c 30000 /dev/urandom; } >"$tmp/media/vm1.mp3"
for f in slow kill retry forged; do cp "$tmp/media/p1.jpg" "$tmp/media/$f.jpg"; done
cp "$tmp/media/p1.jpg" "$tmp/foreign/p1.jpg"

# provider NAME FD HOST: a provider fake serving $tmp/NAME's files on
# HOST, its controls on FD; its port in $started
provider() {
	provider_start "$1" "$2" --port 0 --host "$3" \
		--log "$tmp/$1.jsonl" --account $acct --token tok-media-1 \
		--media "$tmp/$1"
}
provider media 8 127.0.0.1 # the provider's controls on fd 8
port=$started
provider foreign 7 127.0.0.2
fport=$started
[ -n "$port" ] && [ -n "$fport" ] || { check "the providers start" false; exit 1; }
touch "$tmp/media.jsonl" "$tmp/foreign.jsonl"

sink_prepare
gw_sink_start 16

wport=$(free_port)
conf=$tmp/smsgw.conf
{
	gw_conf_http "$port" "$acct"
	cat <<EOF
HttpTimeout 2s
WebhookListen 127.0.0.1:$wport
WebhookPublicUrl https://gw.example.com/hooks
WebhookUser hook
WebhookPasswordFile $tmp/hookpw
NumberOwners +12025550100=alice@example.com
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:$sinkport
MailRetryInterval 2s
LogLevel debug
InboundMediaMaxBytes 64k
InboundMediaTimeout 2s
InboundMediaRetries 2
InboundMediaRetryFirst 1s
InboundMediaAllowPrivate yes
EOF
} >"$conf"
cp "$conf" "$tmp/https.conf"
echo 'InboundMediaAllowHttp yes' >>"$conf"
cp "$conf" "$tmp/hosts.conf"
echo 'InboundMediaHosts 127.0.0.1, localhost' >>"$tmp/hosts.conf"
chmod 600 "$conf" "$tmp/https.conf" "$tmp/hosts.conf"

url=http://127.0.0.1:$wport
start_gw
wait_for curl -s -o /dev/null -u hook:hook-pass "$url/metrics" ||
	{ check "smsgw's webhook server listens" false; exit 1; }

# sign PATH FORM: X-Twilio-Signature of a POST of FORM to PATH
sign() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
url = "https://gw.example.com/hooks" + sys.argv[1]
params = urllib.parse.parse_qsl(sys.argv[2], keep_blank_values=True)
data = url + "".join(k + v for k, v in sorted(params))
print(base64.b64encode(hmac.new(b"tok-media-1", data.encode(), hashlib.sha1).digest()).decode())
PY
}
# mms SID BODY URL...: a signed MMS webhook with those media; its status
mms() {
	sid=$1 body=$2
	shift 2
	f="From=%2B12025550143&To=%2B12025550100&Body=$body&MessageSid=$sid&NumMedia=$#"
	k=0
	for u in "$@"; do
		t=image%2Fjpeg
		case $u in *.png) t=image%2Fpng ;; esac
		f="$f&MediaUrl$k=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$u")&MediaContentType$k=$t"
		k=$((k + 1))
	done
	curl -s -o "$tmp/body" -w '%{http_code}' -X POST \
		-H "X-Twilio-Signature: $(sign /twilio/sms "$f")" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$f" "$url/twilio/sms"
}
# murl HOSTPORT NAME: a media URL of the provider's kind
murl() { echo "http://$1/2010-04-01/Accounts/$acct/Messages/MM1/Media/$2"; }
# mail_of MARK: the one mail whose text holds MARK, read into
# $tmp/got/MARK.txt (its text), .headers, .list ("type name bytes" per
# attachment) and .1, .2... (the attachments); fails unless exactly one
# (smtp-sink's files are read once written whole)
mail_of() {
	python3 - "$tmp/sink" "$1" "$tmp/got" <<'PY'
import email, email.policy, os, sys, time
sink, mark, out = sys.argv[1:4]
found = []
for f in sorted(os.listdir(sink)):
    path = os.path.join(sink, f)
    # smtp-sink writes a mail as it comes: only one it has done with
    if time.time() - os.path.getmtime(path) < 0.5:
        continue
    raw = open(path, 'rb').read()
    try:
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if m.is_multipart() and \
                ('--%s--' % m.get_boundary()).encode() not in raw:
            continue
        body = m.get_body(('plain',))
        text = body.get_content() if body else ''
    except Exception:
        continue
    if mark in text:
        found.append((m, text))
if len(found) != 1:
    sys.exit(1)
m, text = found[0]
open(os.path.join(out, mark + '.txt'), 'w').write(text)
with open(os.path.join(out, mark + '.headers'), 'w') as h:
    for k, v in m.items():
        h.write('%s: %s\n' % (k, v))
with open(os.path.join(out, mark + '.list'), 'w') as l:
    for i, part in enumerate(m.iter_attachments()):
        data = part.get_payload(decode=True)
        open(os.path.join(out, '%s.%d' % (mark, i + 1)), 'wb').write(data)
        l.write('%s %s %d\n' % (part.get_content_type(), part.get_filename(), len(data)))
PY
}
not_mailed() { ! mail_of "$1"; }
# gets NAME [LOG]: the GETs of file NAME the provider (or LOG) answered
gets() { grep -c "\"path\":\"[^\"]*/Media/$1\".*\"answer\":[0-9]" "$tmp/${2:-media}.jsonl"; }
# text_has MARK WORDS: the mail's text holds WORDS
text_has() { grep -qF "$2" "$tmp/got/$1.txt"; }

# 1. two photos, fetched with the credentials and attached
check "an MMS with two photos is answered 200 at once" \
	test "$(mms SM1 photos+one $(murl 127.0.0.1:$port p1.jpg) $(murl 127.0.0.1:$port p2.png))" = 200
check "... its mail reaches alice" wait_for mail_of photos
check "... with two attachments" test "$(wc -l <"$tmp/got/photos.list")" = 2
check "... the first the photo's exact bytes" cmp -s "$tmp/got/photos.1" "$tmp/media/p1.jpg"
check "... as image/jpeg, image1.jpg" grep -qx "image/jpeg image1.jpg 20004" "$tmp/got/photos.list"
check "... the second the PNG's exact bytes" cmp -s "$tmp/got/photos.2" "$tmp/media/p2.png"
check "... as image/png, image2.png" grep -qx "image/png image2.png 5008" "$tmp/got/photos.list"
check "... the text says they are attached" text_has photos "[image attached: image1.jpg]"
check "... and links them no more" sh -c "! grep -q 'Media/p1.jpg' '$tmp/got/photos.txt'"
check "... the provider saw our credentials" \
	grep -q '"path":"[^"]*/Media/p1.jpg".*"auth_ok":true.*"answer":200' "$tmp/media.jsonl"
check "... smsgw's own header does not leave it" sh -c \
	"! grep -qi 'X-SMS-Media-Fetch' '$tmp/got/photos.headers'"
check "... the text is recorded once" wait_sql \
	"select count(*) from messages where provider_id = 'SM1'" 1

# 2. wrong credentials: the provider wants another token now
echo '{"token": "another"}' >&8
sleep 0.2
check "wrong credentials: the MMS is answered 200" \
	test "$(mms SM2 creds+two $(murl 127.0.0.1:$port p1.jpg))" = 200
check "... the mail goes with the link" wait_for mail_of creds
check "... and a note saying why" text_has creds "(not attached: the provider refused our credentials (401))"
check "... nothing attached" test ! -s "$tmp/got/creds.list"
check "... the link is still there" text_has creds "Media/p1.jpg]"
echo '{"token": "tok-media-1"}' >&8
sleep 0.2

# 3. 404
mms SM3 missing+three $(murl 127.0.0.1:$port nope.jpg) >/dev/null
check "a file the provider does not have: the mail goes" wait_for mail_of missing
check "... the note" text_has missing "(not attached: the provider answered 404)"

# 4. too big
mms SM4 big+four $(murl 127.0.0.1:$port big.jpg) >/dev/null
check "a file over InboundMediaMaxBytes: the mail goes" wait_for mail_of big
check "... with the link and the limit" text_has big "(not attached: it is larger than InboundMediaMaxBytes (65536 bytes))"
check "... nothing attached" test ! -s "$tmp/got/big.list"

# 5. a host that is not the provider's
mms SM5 foreign+five $(murl 127.0.0.2:$fport p1.jpg) >/dev/null
check "a URL on another host: the mail goes" wait_for mail_of foreign
check "... with the link, noted" text_has foreign "(not attached: not fetched: 127.0.0.2 is not a host allowed (InboundMediaHosts, InboundMediaAllowHttp))"
check "... and that host got no request at all" test ! -s "$tmp/foreign.jsonl"

# 6. a 503 that passes, and one that does not
echo '{"media_answer": 503, "count": 1}' >&8
sleep 0.2
mms SM6 retry+six $(murl 127.0.0.1:$port retry.jpg) >/dev/null
check "a 503 once: the file is tried again and attached" wait_for mail_of retry
check "... the photo's bytes" cmp -s "$tmp/got/retry.1" "$tmp/media/retry.jpg"
check "... after two GETs" test "$(gets retry.jpg)" = 2
echo '{"media_answer": 503, "count": 3}' >&8
sleep 0.2
mms SM7 down+seven $(murl 127.0.0.1:$port p2.png) >/dev/null
check "a 503 every time: the mail goes after InboundMediaRetries" wait_for mail_of down
check "... with the link, noted" text_has down "(not attached: the provider answered 503 (tried 3 times))"
check "... after three GETs" test "$(gets p2.png)" = 4

# 7. a voicemail's recording: /voicemail is not a signed route, so its
# link is fetched without the provider's credentials (a pre-signed URL
# of the voicemail system's works; one needing them stays a link)
# voicemail ID TEXT URL: a voicemail with that recording; its status
voicemail() {
	curl -s -o /dev/null -w '%{http_code}' -u hook:hook-pass \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data "caller=%2B12025550143&called=%2B12025550100&duration=42&transcription=$2&recording_url=$(echo "$3" | sed 's|:|%3A|g; s|/|%2F|g; s|?|%3F|g; s|=|%3D|g')&id=$1" \
		"$url/voicemail"
}
check "a voicemail is taken" test "$(voicemail vm1 Call+me+back+voice "$(murl 127.0.0.1:$port vm1.mp3)?signed=1")" = 200
check "... mailed with the recording attached" wait_for mail_of "Call me back voice"
check "... its exact bytes" cmp -s "$tmp/got/Call me back voice.1" "$tmp/media/vm1.mp3"
check "... as audio/mpeg, recording1.mp3" grep -qx "audio/mpeg recording1.mp3 30003" "$tmp/got/Call me back voice.list"
check "... a voicemail's mail" grep -q '^Subject: Voicemail from' "$tmp/got/Call me back voice.headers"
check "... fetched without the provider's credentials" \
	grep -q '"path":"[^"]*/Media/vm1.mp3?signed=1".*"auth_sent":false.*"answer":200' "$tmp/media.jsonl"
check "a voicemail naming one of the provider's files (a forged /voicemail)" \
	test "$(voicemail vm2 Forged+voice "$(murl 127.0.0.1:$port forged.jpg)")" = 200
check "... is mailed with the link only" wait_for mail_of "Forged voice"
check "... asked for without credentials (401)" \
	grep -q '"path":"[^"]*/Media/forged.jpg".*"auth_sent":false.*"answer":401' "$tmp/media.jsonl"
check "... and never with them" sh -c \
	"! grep '/Media/forged.jpg' '$tmp/media.jsonl' | grep -q '\"auth_sent\":true'"

check "no mail left with smsgw's own X-SMS-Media-Fetch header" sh -c \
	"! grep -qi '^X-SMS-Media-Fetch' '$tmp'/got/*.headers"

check "/metrics counts the files attached" sh -c \
	"curl -s -u hook:hook-pass '$url/metrics' | grep -q '^smsgw_inbound_media_total{result=\"attached\"} [1-9]'"
check "... those left links" sh -c \
	"curl -s -u hook:hook-pass '$url/metrics' | grep -q '^smsgw_inbound_media_total{result=\"linked\"} [1-9]'"

check "... and the tries again" sh -c \
	"curl -s -u hook:hook-pass '$url/metrics' | grep -q '^smsgw_inbound_media_total{result=\"retried\"} [1-9]'"

# 8. smsgw killed with -9 while it fetches: mailed once after the restart
echo '{"media_delay_ms": 5000}' >&8
sleep 0.2
t0=$(date +%s%N)
code=$(mms SM8 killed+eight $(murl 127.0.0.1:$port kill.jpg))
ms=$((($(date +%s%N) - t0) / 1000000))
echo "    # the webhook answered in $ms ms; the provider takes 5000 to serve the photo"
check "an MMS while the provider is slow: answered 200 at once" \
	test "$code" = 200 -a "$ms" -lt 2000
check "... smsgw is fetching the photo" wait_for grep -q '"path":"[^"]*/Media/kill.jpg".*"answer":"get"' "$tmp/media.jsonl"
kill -9 "$gw"
wait "$gw" 2>/dev/null
echo '{"media_delay_ms": 0}' >&8
sleep 0.2
check "... killed with -9 before the mail went" not_mailed killed
start_gw
check "... after the restart the mail goes" wait_for mail_of killed
check "... with the photo" cmp -s "$tmp/got/killed.1" "$tmp/media/kill.jpg"
sleep 3
check "... once" mail_of killed
check "... and the text is recorded once" wait_sql \
	"select count(*) from messages where provider_id = 'SM8'" 1
check "the mail queue is empty" wait_sql "select count(*) from mail_queue" 0

# 9. https only unless InboundMediaAllowHttp
stop_gw
cp "$tmp/https.conf" "$conf"
start_gw
wait_for curl -s -o /dev/null -u hook:hook-pass "$url/metrics"
before=$(gets p1.jpg)
mms SM9 plain+nine $(murl 127.0.0.1:$port p1.jpg) >/dev/null
check "without InboundMediaAllowHttp an http URL is not fetched" wait_for mail_of plain
check "... noted" text_has plain "(not attached: not fetched: the URL is http, not https"
check "... and the provider got no request for it" test "$(gets p1.jpg)" = "$before"

# 10. redirects: followed to InboundMediaHosts only, without credentials
# to another host
stop_gw
cp "$tmp/hosts.conf" "$conf"
start_gw
wait_for curl -s -o /dev/null -u hook:hook-pass "$url/metrics"
echo "{\"redirect\": \"r1.jpg\", \"to\": \"$(murl localhost:$port p1.jpg)?signed=1\"}" >&8
echo "{\"redirect\": \"r2.jpg\", \"to\": \"$(murl 127.0.0.2:$fport p1.jpg)?signed=1\"}" >&8
sleep 0.2
mms SM10 moved+ten $(murl 127.0.0.1:$port r1.jpg) >/dev/null
check "a redirect to another of InboundMediaHosts is followed" wait_for mail_of moved
check "... the photo attached" cmp -s "$tmp/got/moved.1" "$tmp/media/p1.jpg"
check "... and the credentials were not sent to that host" \
	grep -q '"path":"[^"]*/Media/p1.jpg?signed=1".*"auth_sent":false.*"answer":200' "$tmp/media.jsonl"
check "... but to the link's own" \
	grep -q '"path":"[^"]*/Media/r1.jpg".*"auth_sent":true.*"answer":307' "$tmp/media.jsonl"
mms SM11 away+eleven $(murl 127.0.0.1:$port r2.jpg) >/dev/null
check "a redirect to a host not the provider's is not followed" wait_for mail_of away
check "... noted" text_has away "(not attached: the provider answered 307, a redirect not followed: 127.0.0.2 is not a host allowed)"
check "... and that host got no request at all" test ! -s "$tmp/foreign.jsonl"
stop_gw
check "smsgw stopped cleanly" sh -c "! kill -0 $gw 2>/dev/null"
