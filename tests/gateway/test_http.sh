#!/bin/sh
# test_http.sh - smsgw's HTTP transport against a provider of the Twilio kind
#
# Usage: tests/gateway/test_http.sh BUILD_DIR
# The provider is tests/provider/provider.js (node's http module): it
# checks basic authentication and the form, logs every request it gets,
# and answers 201 with a sid, or what it is told (400 with Twilio's
# error JSON, 429, 500, no answer at all). Texts are queued with smsctl
# send; the tests read what the provider got (To, From, the UTF-8 Body,
# StatusCallback) and the states and ids left in the store. Prints TAP;
# appends its tally to $CHECK_TALLY; stops what it starts by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/gateway/helpers.sh"
command -v node >/dev/null 2>&1 || skip_all "node is missing (scripts/deps.sh)"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is missing (scripts/deps.sh)"

gw_begin http
printf 'tok-secret-1\n' >"$tmp/token"
chmod 600 "$tmp/token"

# start_provider [PORT]: the provider, its controls on fd 9
start_provider() {
	provider_start provider 9 --port "${1:-0}" \
		--log "$tmp/requests.jsonl" --account AC0123456789 \
		--token tok-secret-1
	port=$started
}
start_provider
[ -n "$port" ] || { check "the provider starts" false; exit 1; }

{
	gw_conf_http "$port" AC0123456789
	cat <<EOF2
HttpWindow 4
HttpTimeout 2s
WebhookPublicUrl https://sms.example.com/webhook
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:9
MailRetryInterval 1h
LogLevel debug
EOF2
} >"$tmp/smsgw.conf"
chmod 600 "$tmp/smsgw.conf"
conf=$tmp/smsgw.conf

# last_callback_is TO RE: the last StatusCallback to TO matches ^RE$
last_callback_is() { reqs "$1" status_callback | tail -1 | grep -q "^$2\$"; }
# state PHONE: "state error" of the last text to PHONE
state() {
	sql "select m.state || ' ' || coalesce(m.error, '') from messages m
	     join threads t on t.id = m.thread_id where t.phone = '$1'
	     order by m.id desc limit 1"
}
wait_state() { wait_sql "select m.state || ' ' || coalesce(m.error, '') from messages m
	join threads t on t.id = m.thread_id where t.phone = '$1'
	order by m.id desc limit 1" "$2" "${3:-15}"; }
# reqs PHONE FIELDS: one line a request to PHONE, the fields joined by |
reqs() { node -e '
const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(r => r.to === process.argv[2]);
console.log(l.map(r => process.argv[3].split(",").map(f => r[f]).join("|")).join("\n"));
' "$tmp/requests.jsonl" "$1" "$2"; }

start_gw

# 1. GSM-7 text: one form POST with To, From, Body, StatusCallback
send --to +12025550101 "Hello, world" >/dev/null
check "GSM-7 text: submitted" wait_state +12025550101 "3 "
check "... one request: 201, To, From, Body, StatusCallback = WebhookPublicUrl/twilio/status?id=<text>-1, basic auth" \
	test "$(reqs +12025550101 answer,from,body,status_callback,auth_ok,method)" = \
	"201|+12025550100|Hello, world|https://sms.example.com/webhook/twilio/status?id=$(sql "select m.id from messages m join threads t on t.id = m.thread_id where t.phone = '+12025550101'")-1|true|POST"
check "... to the Messages resource of the account, as a form" \
	test "$(reqs +12025550101 path,content_type)" = \
	"/2010-04-01/Accounts/AC0123456789/Messages.json|application/x-www-form-urlencoded"
sid=$(reqs +12025550101 sid)
check "... the provider's sid is the segment's smsc_id ($sid)" \
	test "$(sql "select s.smsc_id from segments s join messages m on m.id = s.message_id
		join threads t on t.id = m.thread_id where t.phone = '+12025550101'")" = "$sid"
check "... logged as submitted with the sid" grep -q "status=submitted" "$tmp/smsgw.log"

# 2. UCS-2: the Body is the text's UTF-8, unchanged
ucs="Привет 😀 — ça va? 你好"
send --to +12025550102 "$ucs" >/dev/null
check "UCS-2 text with an emoji: submitted" wait_state +12025550102 "3 "
check "... Body is the exact UTF-8" test "$(reqs +12025550102 body)" = "$ucs"

# 3. a long text with GSM extension characters: one request, the provider splits
long="$(printf 'a%.0s' $(seq 1 200)) €[x]"
send --to +12025550103 "$long" >/dev/null
check "a 206-character text: submitted" wait_state +12025550103 "3 "
check "... in one request with the whole Body" \
	test "$(reqs +12025550103 answer,body)" = "201|$long"
check "... one segment row, with the sid" \
	test "$(sql "select count(*) from segments where smsc_id like 'SM%' and message_id =
		(select max(id) from messages)")" = 1

# 4. a 400 with Twilio's error JSON: failed for good with its code
control '{"answer": 400, "code": 21211, "message": "The '\''To'\'' number +12025550104 is not a valid phone number."}'
send --to +12025550104 "to a bad number" >/dev/null
check "400 with error 21211: failed, error 21211" wait_state +12025550104 "5 21211"
check "... asked once" test "$(reqs +12025550104 answer)" = 400
check "... the provider's words logged" grep -q "is not a valid phone number" "$tmp/smsgw.log"

# 5. 429 twice, then taken: submitted, sent three times, taken once
control '{"answer": 429, "count": 2}'
send --to +12025550105 "after 429s" >/dev/null
check "429 twice, then 201: submitted" wait_state +12025550105 "3 "
check "... three requests: 429, 429, 201" \
	test "$(reqs +12025550105 answer | tr '\n' ' ')" = "429 429 201 "

# 6. a 500, then taken
control '{"answer": 500}'
send --to +12025550106 "after a 500" >/dev/null
check "500, then 201: submitted" wait_state +12025550106 "3 "
check "... two requests: 500, 201" test "$(reqs +12025550106 answer | tr '\n' ' ')" = "500 201 "

# 7. no answer: after HttpTimeout (2s) the request is made again
control '{"hang": 1}'
send --to +12025550107 "after a hang" >/dev/null
check "a request never answered: sent again after HttpTimeout, submitted" \
	wait_state +12025550107 "3 "
check "... two requests: hang, 201" test "$(reqs +12025550107 answer | tr '\n' ' ')" = "hang 201 "

# 8. the window: answers take 0.6 s, 8 texts, at most HttpWindow (4) at once
control '{"delay_ms": 600}'
i=0
while [ $i -lt 8 ]; do
	send --to +1202555020$i "window $i" >/dev/null
	i=$((i + 1))
done
check "8 texts with slow answers: all submitted" wait_sql \
	"select count(*) from messages where text like 'window %' and state = 3" 8
most=$(node -e '
const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(r => (r.body || "").startsWith("window "));
console.log(Math.max(...l.map(r => r.active)));' "$tmp/requests.jsonl")
check "... concurrent requests, at most the window: $most at once" \
	test "$most" -ge 2 -a "$most" -le 4
control '{"delay_ms": 0}'

# 9. nothing taken twice: every Body got at most one 201
check "no text was taken twice (one 201 a Body)" test "$(node -e '
const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(r => r.answer === 201);
const n = {};
for (const r of l) n[r.body] = (n[r.body] || 0) + 1;
console.log(Object.values(n).filter(v => v > 1).length);' "$tmp/requests.jsonl")" = 0

# 10. SIGTERM: stops, removes its pid file
stop_gw
check "SIGTERM: smsgw stops and removes its pid file" sh -c \
	"! kill -0 $gw 2>/dev/null && [ ! -e '$tmp/smsgw.pid' ]"

# 11. a wrong token: 401 with error 20003, the text fails for good
printf 'wrong-token\n' >"$tmp/token"
start_gw
send --to +12025550108 "with a wrong token" >/dev/null
check "a wrong token: 401, failed with 20003" wait_state +12025550108 "5 20003"
check "... the provider saw the wrong credentials once" \
	test "$(reqs +12025550108 auth_ok,answer)" = "false|401"
stop_gw
printf 'tok-secret-1\n' >"$tmp/token"

# 12. the provider down: connection refused, tried with backoff, then
# put back in the queue; and the default StatusCallback (WebhookListen)
sed -i '/^WebhookPublicUrl/d' "$conf"
echo "WebhookListen 127.0.0.1:18725" >>"$conf"
stop_pids "$provider"
start_gw
send --to +12025550109 "while the provider is down" >/dev/null
check "provider down: the link is logged down" wait_for grep -q "http: link down: " "$tmp/smsgw.log"
check "... after 4 tries the text waits in the queue (CONNECT)" \
	wait_state +12025550109 "0 CONNECT" 20
start_provider "$port"
sql "update messages set due = 0 where state = 0"
check "provider back: the text is submitted" wait_sql "select m.state from messages m
	join threads t on t.id = m.thread_id where t.phone = '+12025550109'" 3 20
check "... StatusCallback from WebhookListen" \
	last_callback_is +12025550109 'http://127.0.0.1:18725/twilio/status?id=[0-9]*-1'
check "... the link is logged up again" grep -q "http: http answers (HTTP 201)" "$tmp/smsgw.log"
stop_gw

echo "1..$n"
[ "$failed" -eq 0 ]
