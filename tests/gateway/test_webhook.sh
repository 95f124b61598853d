#!/bin/sh
# test_webhook.sh - smsgw's webhook server, from friendly and hostile clients
#
# Usage: tests/gateway/test_webhook.sh BUILD_DIR
# smsgw (SMPP transport to the test SMSC, mail to smtp-sink) with its
# webhook server on loopback. curl plays the providers: Twilio-style
# inbound texts and MMS signed with HttpToken (the signature made here
# with Python's hmac, over WebhookPublicUrl), a status callback, a
# voip.ms-style URL callback, Kannel's get-url in UCS-2 (broken UTF-16
# too), a voicemail transcription; and the hostile: bad and missing
# signatures, wrong content types and methods, bodies over 64 KiB,
# missing fields, binary junk, duplicates, clients neither trusted nor
# authenticated. Then /metrics; then the same from ::1 to smsgw
# listening on [::1] (WebhookListen and MetricsListen). Prints TAP;
# stops what it started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
command -v curl >/dev/null 2>&1 || skip_all "curl is missing (scripts/deps.sh)"
command -v smtp-sink >/dev/null 2>&1 || skip_all "smtp-sink (postfix) is missing"

printf 'tok-webhook-1\n' >"$tmp/token"
chmod 600 "$tmp/token"
printf 'hook-pass\n' >"$tmp/hookpw"
chmod 600 "$tmp/hookpw"
cat >>"$conf" <<EOF
WebhookPublicUrl https://gw.example.com/hooks
HttpTokenFile $tmp/token
WebhookUser hook
WebhookPasswordFile $tmp/hookpw
TrustedNetworks 192.0.2.0/24
NumberOwners +12025550100=alice@example.com
EOF
echo '{"receipt_delay_ms": 600000}' >&9

gw_sink_start 16
"$BUILD/smsgw" -f -c "$conf" 2>"$tmp/smsgw.log" &
gw=$!
pids="$pids $gw"
url=http://127.0.0.1:$wport
wait_for curl -s -o /dev/null "$url/metrics" ||
	{ check "the webhook server listens" false; exit 1; }

# sign PATH FORM: X-Twilio-Signature of a POST of FORM to PATH
sign() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
url = "https://gw.example.com/hooks" + sys.argv[1]
params = urllib.parse.parse_qsl(sys.argv[2], keep_blank_values=True)
data = url + "".join(k + v for k, v in sorted(params))
print(base64.b64encode(hmac.new(b"tok-webhook-1", data.encode(), hashlib.sha1).digest()).decode())
PY
}
# post PATH FORM [CURL ARGS]: the status of a signed form POST
post() {
	p=$1 f=$2
	shift 2
	curl -s -o "$tmp/body" -w '%{http_code}' -X POST \
		-H "X-Twilio-Signature: $(sign "$p" "$f")" \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$f" "$@" "$url$p"
}
status_is() { # status_is WANT CURL ARGS...
	want=$1
	shift
	got=$(curl -s -o "$tmp/body" -w '%{http_code}' "$@")
	[ "$got" = "$want" ] || { echo "    # got $got: $(head -c 200 "$tmp/body")"; return 1; }
}
mails_to() { grep -l "X-Rcpt-Args: <$1>\|RCPT TO:<$1>" "$tmp"/sink/* 2>/dev/null | wc -l; }
sink_has() { grep -rqF "$1" "$tmp/sink/" 2>/dev/null; }

form='From=%2B12025550143&To=%2B12025550100&Body=Running+late%2C+sorry&MessageSid=SM0001&NumMedia=0'
check "a signed inbound text is answered 200 with TwiML" \
	test "$(post /twilio/sms "$form")" = 200
check "... <Response/>" grep -q '<Response/>' "$tmp/body"
check "... its mail reaches smtp-sink, to the number's owner" wait_for \
	sink_has "Running late, sorry"
check "... recorded once with the provider's id" wait_sql \
	"select count(*) from messages where provider_id = 'SM0001'" 1
check "the same MessageSid again: 200" test "$(post /twilio/sms "$form")" = 200
sleep 1
check "... and not recorded or mailed again" sh -c \
	"[ \"\$(sqlite3 '$tmp/store.db' \"select count(*) from messages where provider_id = 'SM0001'\")\" = 1 ] &&
	 [ \"\$(grep -rl 'Running late, sorry' '$tmp/sink/' | wc -l)\" = 1 ]"

bad='From=%2B12025550143&To=%2B12025550100&Body=forged&MessageSid=SM0002'
check "a bad signature is 403" status_is 403 -X POST \
	-H 'X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=' \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$bad" "$url/twilio/sms"
check "... logged" grep -q 'bad or missing X-Twilio-Signature' "$tmp/smsgw.log"
check "a missing signature is 403" status_is 403 -X POST \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$bad" "$url/twilio/sms"
check "a signature over other fields is 403" status_is 403 -X POST \
	-H "X-Twilio-Signature: $(sign /twilio/sms "$form")" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$bad" "$url/twilio/sms"
check "... nothing forged was recorded" wait_sql \
	"select count(*) from messages where text = 'forged'" 0 1
check "JSON instead of a form is 415" status_is 415 -X POST \
	-H 'Content-Type: application/json' --data-binary '{"From":"x"}' \
	"$url/twilio/sms"
head -c 100000 /dev/zero | tr '\0' a >"$tmp/big"
check "a body over 64 KiB is 413" status_is 413 -X POST \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "@$tmp/big" "$url/twilio/sms"
check "GET on a POST hook is 405" status_is 405 "$url/twilio/sms"
check "an unknown path is 404" status_is 404 "$url/nope"
nofrom='To=%2B12025550100&Body=x&MessageSid=SM0003'
check "a signed text without From is 400" test "$(post /twilio/sms "$nofrom")" = 400
check "... naming the field" grep -q 'missing field: From' "$tmp/body"
head -c 3000 /dev/urandom >"$tmp/junk"
check "binary junk as a form is refused, not a crash" sh -c \
	"code=\$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Twilio-Signature: x' \
	 -H 'Content-Type: application/x-www-form-urlencoded' --data-binary '@$tmp/junk' '$url/twilio/sms');
	 [ \"\$code\" = 403 ] || [ \"\$code\" = 413 ]"
mms='From=%2B12025550143&To=%2B12025550100&Body=look&MessageSid=SM0004&NumMedia=1&MediaUrl0=https%3A%2F%2Fmedia.example.com%2Fp1.jpg&MediaContentType0=image%2Fjpeg'
check "an MMS is answered 200" test "$(post /twilio/sms "$mms")" = 200
check "... its mail links the picture" wait_for sink_has "https://media.example.com/p1.jpg"
inj='From=%2B12025550143&To=%2B12025550100&Body=hi%0D%0ABcc%3A+evil%40example.net&MessageSid=SM0005'
check "CRLF and a Bcc: in a text are accepted as text" test "$(post /twilio/sms "$inj")" = 200
check "... and make no header" sh -c "sleep 1; python3 - '$tmp/sink' <<'PY'
import email, os, sys
for f in os.listdir(sys.argv[1]):
    m = email.message_from_binary_file(open(os.path.join(sys.argv[1], f), 'rb'))
    if m.get('Bcc') is not None:
        sys.exit(1)
PY"

# a status callback for a text the SMSC took
id=$(send --to +12025550199 "status please" | sed -n 's/.*"id": *\([0-9]*\).*/\1/p')
wait_sql "select state from messages where id = ${id:-0}" 3 >/dev/null
sid=$(sql "select smsc_id from segments where message_id = ${id:-0}")
st="MessageSid=$sid&MessageStatus=undelivered&ErrorCode=30003"
check "a signed status callback is 200" test "$(post /twilio/status "$st")" = 200
check "... fails the text with the carrier's code" wait_sql \
	"select state || ' ' || error from messages where id = ${id:-0}" "5 30003"
check "... and alice gets a report saying what 30003 means" wait_for sh -c \
	"grep -rl 'report-type=delivery-status' '$tmp/sink/' | xargs grep -l 30003 >/dev/null 2>&1"
# a status that comes before the answer naming the provider's id: the
# text is still being submitted when Twilio calls back
late=$(send --to +12025550198 "late status" | sed -n 's/.*"id": *\([0-9]*\).*/\1/p')
wait_sql "select state from messages where id = ${late:-0}" 3 >/dev/null
lsid=$(sql "select smsc_id from segments where message_id = ${late:-0}")
sql "update segments set smsc_id = NULL where message_id = ${late:-0};
     update messages set state = 2 where id = ${late:-0}"
(post "/twilio/status?id=${late:-0}-1" "MessageSid=$lsid&MessageStatus=delivered" \
	>"$tmp/late.code") &
late_pid=$!
sleep 0.5
sql "update segments set smsc_id = '$lsid' where message_id = ${late:-0};
     update messages set state = 3 where id = ${late:-0}"
wait "$late_pid"
check "a status before the provider's id is recorded waits for it: 200" \
	test "$(cat "$tmp/late.code")" = 200
check "... and delivers the text" wait_sql \
	"select state from messages where id = ${late:-0}" 4
check "a status for an id nobody has is 404" test \
	"$(post /twilio/status 'MessageSid=SMnope&MessageStatus=delivered')" = 404

# voip.ms-style URL callback: basic auth (127.0.0.1 is not trusted here)
check "an unauthenticated, untrusted client is 403" status_is 403 \
	"$url/voipms?from=2025550143&to=2025550100&message=hello&id=77"
check "with WebhookUser's password: ok" status_is 200 -u hook:hook-pass \
	"$url/voipms?from=2025550143&to=2025550100&message=hello+voip&id=77"
check "... the body is exactly ok" test "$(cat "$tmp/body")" = ok
check "a wrong password is 403" status_is 403 -u hook:nope \
	"$url/voipms?from=2025550143&to=2025550100&message=x&id=78"
check "the same id again: ok, mailed once" sh -c \
	"curl -s -u hook:hook-pass '$url/voipms?from=2025550143&to=2025550100&message=hello+voip&id=77' | grep -qx ok &&
	 sleep 1 && [ \"\$(sqlite3 '$tmp/store.db' \"select count(*) from messages where provider_id = '77'\")\" = 1 ]"

# Kannel's get-url: UTF-16BE as Kannel sends UCS-2, and broken UTF-16
check "Kannel MO in UCS-2 (UTF-16BE) is taken" status_is 200 -u hook:hook-pass \
	"$url/kannel/mo?from=%2B12025550143&to=12025550100&coding=2&charset=UTF-16BE&id=k1&text=%04%1F%04%40%04%38%04%32%04%35%04%42"
check "... and mailed as UTF-8" wait_sql \
	"select count(*) from messages where text = 'Привет'" 1
check "broken UTF-16 (odd length, a lone surrogate) is taken" status_is 200 \
	-u hook:hook-pass \
	"$url/kannel/mo?from=%2B12025550143&to=12025550100&coding=2&id=k2&text=%D8%3D%00A%00"
check "... with U+FFFD for what cannot be read" wait_sql \
	"select count(*) from messages where provider_id = 'k2' and text like '%'||char(65533)||'%'" 1
check "Kannel MO in Latin-1 is taken" status_is 200 -u hook:hook-pass \
	"$url/kannel/mo?from=%2B12025550143&to=12025550100&coding=0&charset=ISO-8859-1&id=k3&text=caf%E9"
check "... as UTF-8" wait_sql "select count(*) from messages where text = 'café'" 1
check "a sender that is no number, short code or sender name is 400" \
	status_is 400 -u hook:hook-pass \
	"$url/kannel/mo?from=not-a-number&to=12025550100&text=x"
check "a sender name is taken (issue 18, 1)" status_is 200 -u hook:hook-pass \
	"$url/kannel/mo?from=Amazon+Pay&to=12025550100&id=k4&text=paid"
check "... in the thread of AMAZON_PAY" wait_sql \
	"select count(*) from messages m join threads t on t.id = m.thread_id where t.phone = 'AMAZON_PAY' and m.text = 'paid'" 1

# a voicemail transcription
check "a voicemail is taken" status_is 200 -u hook:hook-pass -X POST \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'caller=%2B12025550143&called=%2B12025550100&duration=42&transcription=Call+me+back&recording_url=https%3A%2F%2Fpbx.example.com%2Fr%2F1.mp3&id=vm1' \
	"$url/voicemail"
check "... and mailed as a voicemail with the recording linked" wait_for sh -c \
	"grep -rl 'Call me back' '$tmp/sink/' | xargs grep -l 'Voicemail from' | xargs grep -q 'pbx.example.com/r/1.mp3'"

# /metrics, and the daemon is still serving
check "/metrics needs trust or the password" status_is 403 "$url/metrics"
check "/metrics in Prometheus text" status_is 200 -u hook:hook-pass "$url/metrics"
check "... counts the texts mailed" grep -q '^smsgw_inbound_total{result="mailed"} [1-9]' "$tmp/body"
check "... and the duplicates" grep -q '^smsgw_inbound_total{result="duplicate"} [1-9]' "$tmp/body"
check "... the refused requests" grep -q '^smsgw_webhook_requests_total{result="refused"} [1-9]' "$tmp/body"
check "... the queue by state" grep -q '^smsgw_queue_texts{state="received"} [1-9]' "$tmp/body"
check "... the link" grep -q '^smsgw_link_up{transport="smpp"} 1' "$tmp/body"
check "... the submit latency histogram" grep -q '^smsgw_submit_seconds_count [1-9]' "$tmp/body"
check "... the version it was built from" grep -q \
	"^smsmilter_build_info{version=\"$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)\"} 1\$" "$tmp/body"
check "smsgw is still running" kill -0 "$gw"
check "nothing went to anyone but alice" sh -c \
	"! grep -rh 'X-Rcpt-Args\|RCPT TO' '$tmp/sink/' | grep -v 'alice@example.com'"
kill -TERM "$gw"
wait_for sh -c "! kill -0 $gw 2>/dev/null"
check "smsgw stops on SIGTERM, with no sanitizer report in its log" sh -c \
	"! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer\|runtime error' '$tmp/smsgw.log'"

# IPv6: the webhooks and /metrics on [::1] judge a client as on IPv4
free6() { python3 -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0))
print(s.getsockname()[1])'; }
if w6=$(free6 2>/dev/null) && m6=$(free6); then
	sed -i "s/^WebhookListen .*/WebhookListen [::1]:$w6/" "$conf"
	echo "MetricsListen [::1]:$m6" >>"$conf"
	"$BUILD/smsgw" -f -c "$conf" 2>>"$tmp/smsgw.log" &
	gw=$!
	pids="$pids $gw"
	url6="http://[::1]:$w6"
	murl6="http://[::1]:$m6"
	wait_for curl -s -o /dev/null "$murl6/metrics" ||
		check "smsgw listens on [::1]" false
	check "on [::1], an untrusted client is 403 on the unsigned routes" \
		status_is 403 "$url6/voipms?from=2025550143&to=2025550100&message=v6&id=v6a"
	check "... and on /metrics, on both listeners" sh -c \
		"[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$url6/metrics')\" = 403 ] &&
		 [ \"\$(curl -s -o /dev/null -w '%{http_code}' '$murl6/metrics')\" = 403 ]"
	check "... with WebhookUser's password: ok" status_is 200 -u hook:hook-pass \
		"$url6/voipms?from=2025550143&to=2025550100&message=hello+v6&id=v6a"
	check "... /metrics too" status_is 200 -u hook:hook-pass "$murl6/metrics"
	url=$url6
	check "a signed text over IPv6: 200" test "$(post /twilio/sms \
		'From=%2B12025550143&To=%2B12025550100&Body=over+six&MessageSid=SM0600')" = 200
	sed -i 's|^TrustedNetworks .*|TrustedNetworks 192.0.2.0/24, ::1/128|' "$conf"
	kill -HUP "$gw"
	wait_for grep -q "reload: .* loaded" "$tmp/smsgw.log"
	check "with ::1/128 in TrustedNetworks (reloaded), ::1 is trusted" \
		wait_for status_is 200 \
		"$url6/voipms?from=2025550143&to=2025550100&message=trusted+v6&id=v6b"
	check "... on /metrics, on both listeners" sh -c \
		"[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$url6/metrics')\" = 200 ] &&
		 [ \"\$(curl -s -o /dev/null -w '%{http_code}' '$murl6/metrics')\" = 200 ]"
	check "MetricsListen serves /metrics alone" status_is 404 \
		"$murl6/voipms?from=2025550143&to=2025550100&message=x&id=v6c"
	check "... the texts taken over IPv6 recorded once each" wait_sql \
		"select count(*) from messages where provider_id in ('v6a', 'v6b', 'SM0600')" 3
	kill -TERM "$gw"
	wait_for sh -c "! kill -0 $gw 2>/dev/null"
	check "smsgw on [::1] stops, with no sanitizer report in its log" sh -c \
		"! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer\|runtime error' '$tmp/smsgw.log'"
else
	check "IPv6 on [::1] # SKIP no IPv6 loopback here" true
fi

echo "1..$n"
[ "$failed" -eq 0 ]
