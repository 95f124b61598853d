#!/bin/sh
# test_api.sh - the send API through smsgw's real listener, with curl
#
# Usage: tests/gateway/test_api.sh BUILD_DIR
# smsgw (SMPP to the test SMSC) with ApiListen on loopback; keys made
# with smsctl apikey for alice and bob. Each field of POST /v1/messages
# (JSON and form), GET one and a list with filters, DELETE of a
# scheduled text; each error with its status and code; an idempotent
# retry (one text at the SMSC); a key acting as alice cannot send as
# bob, read bob's texts or cancel them. Prints TAP; stops what it
# started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
. "$top/tests/e2e/postfix.sh" # block
command -v curl >/dev/null 2>&1 || skip_all "curl is missing (scripts/deps.sh)"

aport=$(free_port)
cat >>"$conf" <<EOF
ApiListen 127.0.0.1:$aport
SenderNumbers alice@example.com=+12025550101, bob@example.com=+12025550102
MonthlySegmentQuota 60
SenderPool +12025550120, +12025550121
ApiKeyCacheTime 2s
EOF
echo '{"receipt_delay_ms": 100}' >&9

# key OWNER: a new key's token (the last line smsctl prints)
key() { "$BUILD/smsctl" -c "$conf" apikey add --owner "$1" | tail -n 1; }
# INSTALL 9 as written: its key line, its curl line (this test's paths)
guide() { block "$top/INSTALL" 9 "$1" | sed "s|/etc/smsmilter/smsmilter.conf|$conf|g; s|127.0.0.1:8026|127.0.0.1:$aport|g; s|^smsctl |$BUILD/smsctl |"; }
check "INSTALL 9 sets ApiListen" sh -c "[ '$(block "$top/INSTALL" 9 1)' = 'ApiListen 127.0.0.1:8026' ]"
alice=$(sh -c "$(guide 2)" | tail -n 1)
bob=$(key bob@example.com)
check "smsctl apikey add prints a token" \
	sh -c "echo '$alice' | grep -Eq '^smk_[a-z2-7]{40}$'"

"$BUILD/smsgw" -f -c "$conf" 2>"$tmp/smsgw.log" &
gw=$!
pids="$pids $gw"
url=http://127.0.0.1:$aport/v1/messages
wait_for curl -s -o /dev/null "$url" ||
	{ check "the API listens" false; exit 1; }

# api TOKEN CURL-ARGS...: the status; the body in $tmp/body, headers in $tmp/hdr
api() {
	tok=$1
	shift
	curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' \
		-H "Authorization: Bearer $tok" "$@"
}
# post TOKEN JSON [CURL-ARGS]: POST JSON as the key
post() {
	tok=$1 body=$2
	shift 2
	api "$tok" -X POST -H 'Content-Type: application/json' \
		--data-binary "$body" "$@" "$url"
}
# jq_ FIELD: a field of the Message (or Error) in $tmp/body
j() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("Message") or d.get("Error") or d
v = d.get(sys.argv[2])
print("null" if v is None else v)' "$tmp/body" "$1"
}
is() { # is WANT GOT: with a note when not
	[ "$1" = "$2" ] || { echo "    # want $1, got $2: $(head -c 300 "$tmp/body")"; return 1; }
}
submits_to() { grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl" | grep -c "\"dst\":\"$1\"" || true; }

# who may call
check "no Authorization: 401 with WWW-Authenticate" \
	sh -c "[ \$(curl -s -o /dev/null -D '$tmp/h0' -w '%{http_code}' '$url') = 401 ] && grep -qi '^WWW-Authenticate: Bearer' '$tmp/h0'"
st=$(post smk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa '{"To":"+12025550143","Text":"x"}')
check "an unknown token: 401 unauthorized" is "401 unauthorized" "$st $(j Code)"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -u "alice:$alice" "$url")
check "Basic instead of Bearer: 401" is 401 "$st"
check "... and nothing was queued" is 0 "$(sql 'SELECT count(*) FROM messages')"

# INSTALL 9's text
TOKEN=$alice
export TOKEN
check "INSTALL 9's curl line queues a text" sh -c "$(guide 3) | grep -q '\"Status\":\"queued\"'"

# a text, as JSON
st=$(post "$alice" '{"To":"+1 202 555 0140","Text":"Hello from the API","ExternalId":"order-17"}')
check "POST JSON: 201 Created" is 201 "$st"
sid1=$(j MessageSid)
check "... a MessageSid (SM and 32 hex digits)" \
	sh -c "echo '$sid1' | grep -Eq '^SM[0-9a-f]{32}$'"
check "... From is alice's number, To in E.164" is "+12025550101 +12025550140" "$(j From) $(j To)"
check "... Text, Encoding, Segments, ExternalId" \
	is "Hello from the API|GSM-7|1|order-17" "$(j Text)|$(j Encoding)|$(j Segments)|$(j ExternalId)"
check "... status queued" is queued "$(j Status)"
check "the SMSC gets it" wait_sql \
	"SELECT state >= 3 FROM messages WHERE sid = '$sid1'" 1
check "... once" is 1 "$(submits_to 12025550140)"
st=$(api "$alice" "$url/$sid1")
check "GET it by sid: 200, the same text" is "200 Hello from the API order-17" "$st $(j Text) $(j ExternalId)"
check "... its status moved on" sh -c "[ '$(j Status)' != queued ]"

# a form, with emoji (UCS-2)
st=$(api "$alice" -X POST --data-urlencode 'To=2025550144' \
	--data-urlencode 'Text=Ünïcode 😀' "$url")
check "POST a form: 201, UCS-2 for an emoji" is "201 UCS-2 +12025550144" "$st $(j Encoding) $(j To)"

# Idempotency-Key: the same POST twice is one text
st1=$(post "$alice" '{"To":"+12025550145","Text":"only once"}' -H 'Idempotency-Key: k-1')
s1=$(j MessageSid)
st2=$(post "$alice" '{"To":"+12025550145","Text":"only once"}' -H 'Idempotency-Key: k-1')
s2=$(j MessageSid)
check "Idempotency-Key: 201 then 200 with the same sid" is "201 200 $s1" "$st1 $st2 $s2"
check "... one text queued" is 1 \
	"$(sql "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.phone = '+12025550145'")"
st=$(post "$alice" '{"To":"+12025550145","Text":"another text"}' -H 'Idempotency-Key: k-1')
check "... the key with another text: 422" is "422 idempotency_key_reused" "$st $(j Code)"
st=$(post "$bob" '{"To":"+12025550145","Text":"only once"}' -H 'Idempotency-Key: k-1')
check "... bob's same key is bob's own text" is "201 +12025550102" "$st $(j From)"

# Schedule, and cancelling
now=$(date +%s)
st=$(post "$alice" "{\"To\":\"+12025550146\",\"Text\":\"tomorrow\",\"Schedule\":$((now + 86400))}")
sid_s=$(j MessageSid)
check "Schedule a day ahead: scheduled, Schedule echoed" is "201 scheduled $((now + 86400))" "$st $(j Status) $(j Schedule)"
st=$(api "$bob" -X DELETE "$url/$sid_s")
check "bob cannot cancel alice's text: 404" is "404 not_found" "$st $(j Code)"
st=$(api "$bob" "$url/$sid_s")
check "... nor read it: 404" is 404 "$st"
st=$(api "$alice" -X DELETE "$url/$sid_s")
check "alice cancels it: 200 cancelled" is "200 cancelled" "$st $(j Status)"
st=$(api "$alice" -X DELETE "$url/$sid_s")
check "... again: 409 not_cancellable" is "409 not_cancellable" "$st $(j Code)"
st=$(api "$alice" -X DELETE "$url/$sid1")
check "a text already sent: 409" is 409 "$st"
st=$(post "$alice" "{\"To\":\"+12025550146\",\"Text\":\"late\",\"Schedule\":$((now - 7200))}")
check "Schedule two hours past: 400 invalid_schedule" is "400 invalid_schedule" "$st $(j Code)"
st=$(post "$alice" "{\"To\":\"+12025550146\",\"Text\":\"far\",\"Schedule\":$((now + 15 * 86400))}")
check "Schedule 15 days ahead: 400" is "400 invalid_schedule" "$st $(j Code)"
st=$(post "$alice" "{\"To\":\"+12025550147\",\"Text\":\"just late\",\"Schedule\":$((now - 1800))}")
check "Schedule half an hour past: sent now" is "201 queued null" "$st $(j Status) $(j Schedule)"
check "... the SMSC gets it" wait_sql \
	"SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.phone = '+12025550147' AND m.state >= 3" 1

# who a key is
st=$(post "$alice" '{"To":"+12025550148","Text":"as bob","From":"+12025550102"}')
check "alice's key with bob's number as From: 403" is "403 from_not_allowed" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550148","Text":"mine","From":"+12025550101"}')
check "... with her own: 201" is 201 "$st"
st=$(api "$alice" "$url?Limit=1000")
check "alice's list has none of bob's texts" \
	sh -c "grep -c '+12025550102' '$tmp/body' | grep -qx 0 && grep -q '$sid1' '$tmp/body'"

# the list and its filters
st=$(api "$alice" "$url?ExternalId=order-17")
check "list by ExternalId" is "200 1" \
	"$st $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["Messages"]))' "$tmp/body")"
st=$(api "$alice" "$url?Status=cancelled")
check "list by Status" sh -c "[ $st = 200 ] && grep -q '$sid_s' '$tmp/body'"
st=$(api "$alice" "$url?Limit=2")
tok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("NextPageToken"))' "$tmp/body")
st2=$(api "$alice" "$url?Limit=2&PageToken=$tok")
check "pages: Limit and NextPageToken" sh -c "[ $st = 200 ] && [ $st2 = 200 ] && [ '$tok' != None ] && ! grep -q '$sid1' '$tmp/body'"
st=$(api "$alice" "$url?Colour=blue")
check "an unknown filter: 400" is "400 unknown_field" "$st $(j Code)"

# each error, with the milter's sentence
st=$(post "$alice" '{"Text":"no one"}')
check "no To: 400" is "400 bad_request" "$st $(j Code)"
st=$(post "$alice" '{"To":"12345","Text":"x"}')
check "not a phone: 400 invalid_number" is "400 invalid_number" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149","Txt":"typo"}')
check "an unknown field: 400 unknown_field" is "400 unknown_field" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149",')
check "not JSON: 400" is "400 bad_request" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149","To":"+12025550150","Text":"x"}')
check "a field twice: 400" is 400 "$st"
st=$(api "$alice" -X POST -H 'Content-Type: text/plain' --data 'hi' "$url")
check "text/plain: 415" is 415 "$st"
st=$(api "$alice" -X PUT "$url")
check "PUT: 405 with Allow" sh -c "[ $st = 405 ] && grep -qi '^Allow: GET, POST' '$tmp/hdr'"
st=$(api "$alice" http://127.0.0.1:$aport/v2/messages)
check "another path: 404" is 404 "$st"
st=$(post "$alice" '{"To":"+12025550149","Text":""}')
check "an empty text: 400 invalid_text" is "400 invalid_text" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149","Text":"x","ExternalId":"'"$(head -c 200 /dev/zero | tr '\0' a)"'"}')
check "an ExternalId over 128: 400" is 400 "$st"
st=$(post "$alice" '{"To":"+12025550149","Text":"x","DeliveryReceiptWebhookUri":"http://127.0.0.1/x"}')
check "a receipt hook on loopback: 400 invalid_webhook" is "400 invalid_webhook" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149","Text":"x","WebhookUri":"ftp://example.com/x"}')
check "a hook that is not http: 400" is "400 invalid_webhook" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149","Text":"x","ForwardFromEmail":"bob@example.com","ForwardToEmail":"x@example.org"}')
check "ForwardFromEmail as bob: 403" is "403 from_not_allowed" "$st $(j Code)"
st=$(post "$alice" '{"To":"+12025550149","Text":"x","ForwardToEmail":"x@example.org","ForwardFromEmail":"alice@exam\r\nple.com"}')
check "ForwardFromEmail with a line break in it: 400" is "400 bad_request" "$st $(j Code)"
st=$(api "$alice" -X POST --data-binary 'To=%2B12025550149&Text=x&%FFname=1' "$url")
check "a field name that is not UTF-8: 400 with a JSON answer" is "400 unknown_field" "$st $(j Code)"
dave=$(key dave@example.com)
st=$(post "$dave" '{"To":"+12025550149","Text":"x","ForwardToSms":"+12025550199"}')
check "ForwardToSms from a pool number: 409, saying why" is "409 forward_needs_number" "$st $(j Code)"
"$BUILD/smsctl" -c "$conf" optout add +12025550151 STOP >/dev/null
st=$(post "$alice" '{"To":"+12025550151","Text":"x"}')
check "an opted-out phone: 403 opted_out, the milter's sentence" \
	sh -c "[ '$st $(j Code)' = '403 opted_out' ] && grep -q 'opted out' '$tmp/body'"
# dave texts from the pool: the lease taken for a refused text is not kept
st=$(post "$dave" '{"To":"+12025550151","Text":"x"}')
check "an opted-out phone from the pool: 403 opted_out" is "403 opted_out" "$st $(j Code)"
check "... and no pool number leased to it" sh -c \
	"'$BUILD/smsctl' -c '$conf' leases --all --phone +12025550151 --json | grep -qx '{\"leases\":\[\]}'"
head -c 70000 /dev/zero | tr '\0' a >"$tmp/big"
st=$(api "$alice" -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/big" "$url")
check "a body over 64 KiB: 413" is 413 "$st"

# the quota: 60 segments a month, 10 a text here
long=$(head -c 1500 /dev/zero | tr '\0' b)
last=201
k=0
while [ "$last" = 201 ] && [ $k -lt 10 ]; do
	last=$(post "$bob" "{\"To\":\"+12025550152\",\"Text\":\"$long\"}")
	k=$((k + 1))
done
check "over the quota: 429 over_quota with Retry-After" \
	sh -c "[ '$last $(j Code)' = '429 over_quota' ] && grep -qi '^Retry-After:' '$tmp/hdr'"

# a revoked key: refused within ApiKeyCacheTime (2 s) of the revoke,
# though smsgw took it from the store just before (its cache)
kid=$("$BUILD/smsctl" -c "$conf" apikey list --json | python3 -c 'import json,sys
print([k["id"] for k in json.load(sys.stdin)["apikeys"] if k["owner"] == "bob@example.com"][0])')
st=$(api "$bob" "$url?Limit=1")
check "bob's key lists texts before it is revoked" is 200 "$st"
"$BUILD/smsctl" -c "$conf" apikey revoke "$kid" >/dev/null
t0=$(date +%s%N)
i=0
while st=$(post "$bob" '{"To":"+12025550153","Text":"after revoke"}') &&
	[ "$st" != 401 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
ms=$((($(date +%s%N) - t0) / 1000000))
check "a revoked key: 401" is 401 "$st"
check "... within ApiKeyCacheTime of the revoke (2 s; took $ms ms)" \
	[ "$ms" -le 2500 ]
st=$(api "$bob" "$url?Limit=1")
check "... and for a GET too" is 401 "$st"

check "smsgw logged no errors" sh -c "! grep -E 'ERR|error' '$tmp/smsgw.log' | grep -v 'api: ' | grep -q ."
stop_gw
echo "1..$n"
[ "$failed" -eq 0 ]
