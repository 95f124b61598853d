#!/bin/sh
# test_hooks.sh - event hooks out of smsgw, retried until heard
#
# Usage: tests/e2e/test_hooks.sh BUILD_DIR
# smsgw with the SMPP test SMSC (tests/smsc, npm smpp; the harness of
# tests/gateway/lib.sh) and a hook receiver (hook_receiver.py, Python's
# http.server on 127.0.0.1) that checks every signature with its own
# HMAC. Texts from phones to four of our numbers go to four targets:
# 1. POST to a receiver that fails 3 times: the 4th try arrives, every
#    try with the same hook id, signed;
# 2. POST to a receiver that is down while 100 texts come in: smsgw is
#    killed -9 with the 100 hooks pending, the receiver comes back,
#    smsgw restarts: all 100 arrive, each with the id it had before;
# 3. a voip.ms-style GET callback from a template ({FROM} {TO}
#    {MESSAGE} {ID} {TIMESTAMP}, URL-encoded) answered "not ok" twice,
#    then "ok": tried until ok;
# 4. a receipt: a text sent, its DELIVRD receipt POSTed as
#    message.receipt;
# 5. with HookAllowPrivate no, a hook to 127.0.0.1 (and one to
#    localhost) is never fetched and is given up with the reason, its
#    owner mailed;
# 6. a receiver that always answers 500: given up after HookLifetime,
#    its owner mailed; smsctl hooks retry sends it again.
# The test needs HookAllowPrivate yes for 1-4 (its receiver is on
# loopback). Prints TAP; appends its tally to $CHECK_TALLY; stops what
# it starts by pid, also on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is missing"

secret=hook-test-secret-0123456789
printf '%s\n' "$secret" >"$tmp/hook.secret"
chmod 600 "$tmp/hook.secret"
mkdir "$tmp/rx"
python3 "$here/hook_receiver.py" "$tmp/rx" "$secret" alice@example.com,bob@example.com \
	2>"$tmp/rx.log" &
pids="$pids $!"
i=0
while [ ! -s "$tmp/rx/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rport=$(cat "$tmp/rx/port" 2>/dev/null)
[ -n "$rport" ] || { check "the hook receiver starts" false; exit 1; }
rx=http://127.0.0.1:$rport
cp "$conf" "$tmp/base.conf"
cat >>"$conf" <<EOF
HookSecretFile $tmp/hook.secret
HookAllowPrivate yes
HookRetryFirst 1s
HookRetryInterval 2s
HookTimeout 5s
HookConcurrency 4
InboundHook +12025550100 POST $rx/fail3
InboundHook +12025550101 POST $rx/down
InboundHook +12025550102 GET $rx/voip?to={TO}&from={FROM}&message={MESSAGE}&id={ID}&date={TIMESTAMP} ok
ReceiptHook * FORM $rx/receipts
EOF

# reqs FILTER: the receiver's requests that jq-like python FILTER keeps
reqs() {
	python3 -c '
import json, sys
f = eval("lambda r: " + sys.argv[2])
for line in open(sys.argv[1]):
    r = json.loads(line)
    if f(r):
        print(json.dumps(r))
' "$tmp/rx/requests.jsonl" "$1" 2>/dev/null
}
count() { reqs "$1" | wc -l; }
wait_count() { # FILTER WANT [SECONDS]
	i=0
	while [ $i -lt $((${3:-20} * 10)) ]; do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "    # $(count "$1") requests match, want $2"
	return 1
}

start_gw
sleep 1

# 1. fails 3 times, then answers
control '{"mo": {"from": "12025550199", "to": "12025550100", "text": "first hook"}}'
check "a hook to a receiver failing 3 times arrives on the 4th try" \
	wait_count 'r["path"] == "/fail3" and r["status"] == 200' 1
check "... 4 tries, the first 3 answered 500" \
	test "$(reqs 'r["path"] == "/fail3"' | python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["status"]) for l in sys.stdin))')" = "500 500 500 200"
hid1=$(sql "select hid from hooks where url like '%/fail3'")
check "... each try with the same id, the store's ($hid1)" \
	test "$(reqs 'r["path"] == "/fail3"' | python3 -c '
import json, sys
print(" ".join(sorted(set(json.loads(l)["hid"] for l in sys.stdin))))')" = "$hid1"
check "... signed (HMAC-SHA256 checked by the receiver), the JSON carries the text" \
	test "$(count 'r["path"] == "/fail3" and r["sig"] and r["event"] == "message.received" and r["fields"]["Text"] == "first hook" and r["fields"]["From"] == "+12025550199" and r["fields"]["To"] == "+12025550100" and r["fields"]["id"] == r["hid"]')" -eq 4
check "... delivered in the store after 4 attempts" wait_sql \
	"select state || ' ' || attempts from hooks where hid = '$hid1'" "1 4"

# 3. a voip.ms-style GET callback, tried until it answers ok
control '{"mo": {"from": "12025550198", "to": "12025550102", "text": "café & co?"}}'
check "a GET callback answered \"not ok\" twice is tried until \"ok\"" \
	wait_count 'r["path"] == "/voip" and r["answer"].strip() == "ok"' 1
check "... 3 tries: not ok, not ok, ok" \
	test "$(count 'r["path"] == "/voip"')" -eq 3
check "... the template filled and URL-encoded: from, to, message, id, date" \
	test "$(count 'r["path"] == "/voip" and r["method"] == "GET" and r["fields"]["message"] == "café & co?" and r["fields"]["from"] == "+12025550198" and r["fields"]["to"] == "+12025550102" and r["fields"]["id"].isdigit() and len(r["fields"]["date"]) == 19 and r["sig"]')" -eq 3
check "... delivered in the store" wait_sql \
	"select state || ' ' || attempts from hooks where url like '%/voip%'" "1 3"

# 4. a receipt
send --to +12025550150 "a text with a receipt" >/dev/null
check "a final receipt is POSTed as message.receipt (a form)" \
	wait_count 'r["path"] == "/receipts" and r["event"] == "message.receipt" and r["fields"].get("Status") == "delivered" and r["fields"].get("To") == "+12025550150" and r["fields"].get("Code") == "DELIVRD" and r["sig"]' 1

# 2. 100 hooks pending, smsgw killed -9, all delivered after a restart
touch "$tmp/rx/down"
control '{"mo_flood": {"count": 100, "to": "12025550101", "text": "flood", "window": 10}}'
check "100 texts from phones: 100 hooks queued" wait_sql \
	"select count(*) from hooks where url like '%/down'" 100 30
check "... each tried at least once against a receiver that is down" wait_sql \
	"select count(*) from hooks where url like '%/down' and attempts >= 1" 100 60
seen_down() {
	reqs 'r["path"] == "/down"' | python3 -c '
import json, sys
print("\n".join(sorted(set(json.loads(l)["hid"] for l in sys.stdin))))'
}
i=0
while [ "$(seen_down | wc -l)" -lt 100 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sql "select hid from hooks where url like '%/down' order by hid" >"$tmp/hids.before"
seen_down >"$tmp/seen.before"
kill -9 "$gw"
wait "$gw" 2>/dev/null
check "smsgw killed -9 with the 100 hooks pending" test \
	"$(sql "select count(*) from hooks where url like '%/down' and state = 0")" -eq 100
check "... the ids the receiver saw are the store's" cmp -s "$tmp/hids.before" "$tmp/seen.before"
rm -f "$tmp/rx/down"
start_gw
check "after the restart all 100 are delivered" wait_sql \
	"select count(*) from hooks where url like '%/down' and state = 1" 100 40
reqs 'r["path"] == "/down" and r["status"] == 200' | python3 -c '
import json, sys
print("\n".join(sorted(set(json.loads(l)["hid"] for l in sys.stdin))))' >"$tmp/hids.after"
check "... the receiver got all 100, each with the id it had before" \
	cmp -s "$tmp/hids.before" "$tmp/hids.after"
check "... every request signed" test "$(count 'not r["sig"]')" -eq 0
check "... the restarted smsgw took back the hooks the killed one had under way" \
	grep -q 'took back [1-9][0-9]* hooks a previous run had claimed' "$tmp/smsgw.log"
check "... /metrics counts them" sh -c \
	"curl -s http://127.0.0.1:$wport/metrics | grep -Eq '^smsgw_hooks_total\\{result=\"delivered\"\\} (1[0-9][0-9])\$'"
stop_gw

# 5. HookAllowPrivate no: a hook to loopback is never fetched
cp "$tmp/base.conf" "$conf"
cat >>"$conf" <<EOF
HookSecretFile $tmp/hook.secret
HookRetryFirst 1s
HookRetryInterval 2s
InboundHook +12025550103 POST $rx/private
InboundHook +12025550103 GET http://localhost:$rport/private2?m={MESSAGE}
EOF
start_gw
sleep 1
control '{"mo": {"from": "12025550197", "to": "12025550103", "text": "to a private target"}}'
check "HookAllowPrivate no: a hook to 127.0.0.1 is given up" wait_sql \
	"select state from hooks where url like '%/private'" 2
check "... with the reason" test -n "$(sql "select last_error from hooks where url like '%/private' and last_error like 'refused: 127.0.0.1 is a loopback address%'")"
check "... and one to localhost (a name), refused as it connects" wait_sql \
	"select count(*) from hooks where url like '%/private2%' and state = 2 and last_error like 'refused: % is a loopback address'" 1
check "... neither fetched" test "$(count 'r["path"].startswith("/private")')" -eq 0
check "... its owner is mailed why, once for each" wait_sql \
	"select count(*) from mail_queue where instr(data, 'Event hook not delivered') > 0 and instr(data, 'loopback') > 0" 2
check "... smsctl hooks --state failed lists it" sh -c \
	"'$BUILD/smsctl' -c '$conf' hooks --state failed | grep -q 'loopback'"
stop_gw

# 6. a receiver that never answers 2xx: given up after HookLifetime
cp "$tmp/base.conf" "$conf"
cat >>"$conf" <<EOF
HookSecretFile $tmp/hook.secret
HookAllowPrivate yes
HookRetryFirst 1s
HookRetryInterval 2s
HookLifetime 10s
InboundHook +12025550104 POST $rx/never
EOF
start_gw
sleep 1
control '{"mo": {"from": "12025550196", "to": "12025550104", "text": "never heard"}}'
check "a hook never answered with a 2xx is given up after HookLifetime (10s)" \
	wait_sql "select state from hooks where url like '%/never'" 2 30
check "... after several tries, the last error kept" test -n "$(sql "select id from hooks where url like '%/never' and attempts >= 4 and last_error = 'HTTP 500: \"nope, not today\"; tried for HookLifetime 10s'")"
check "... tried about as long as its lifetime, backing off" sh -c \
	"[ \$(($(sql "select updated - created from hooks where url like '%/never'"))) -ge 9 ]"
check "... its owner mailed once, saying so" wait_sql \
	"select count(*) from mail_queue where instr(data, 'Event hook not delivered') > 0 and instr(data, 'nope, not today') > 0" 1
hid6=$(sql "select id from hooks where url like '%/never'")
tries6=$(count 'r["path"] == "/never"')
"$BUILD/smsctl" -c "$conf" hooks retry "$hid6" >/dev/null
check "smsctl hooks retry ID: the given-up hook is tried again, same id" \
	wait_count 'r["path"] == "/never" and r["hid"] == "'"$(sql "select hid from hooks where id = $hid6")"'"' $((tries6 + 1)) 10
stop_gw

# 7. per text: the send API's DeliveryReceiptWebhookUri and WebhookUri
aport=$(free_port)
cp "$tmp/base.conf" "$conf"
cat >>"$conf" <<EOF
HookSecretFile $tmp/hook.secret
HookAllowPrivate yes
HookRetryFirst 1s
HookRetryInterval 2s
ApiListen 127.0.0.1:$aport
EOF
start_gw
tok=$("$BUILD/smsctl" -c "$conf" apikey add --owner alice@example.com | tail -n 1)
wait_for curl -s -o /dev/null "http://127.0.0.1:$aport/v1/messages"
sid7=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary '{"To":"+12025550160","Text":"per text","ExternalId":"x-7","DeliveryReceiptWebhookUri":"'"$rx"'/dr","WebhookUri":"'"$rx"'/answers","WebhookMethod":"FORM"}' \
	"http://127.0.0.1:$aport/v1/messages" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Message"]["MessageSid"])')
check "an API text's receipt goes to its DeliveryReceiptWebhookUri, with its sid and ExternalId, signed with alice's key, not the site's" \
	wait_count 'r["path"] == "/dr" and r["event"] == "message.receipt" and r["fields"].get("MessageSid") == "'"$sid7"'" and r["fields"].get("ExternalId") == "x-7" and r["fields"].get("Status") == "delivered" and r["sig_owner"] == "alice@example.com" and not r["sig"]' 1
control '{"mo": {"from": "12025550160", "to": "12025550100", "text": "per text answer"}}'
check "... the phone's answer goes to its WebhookUri, as a form" \
	wait_count 'r["path"] == "/answers" and r["event"] == "message.received" and r["fields"].get("Text") == "per text answer" and r["sig_owner"] == "alice@example.com"' 1
check "... once each" test "$(count 'r["path"] in ("/dr", "/answers")')" -eq 2
key=$("$BUILD/smsctl" -c "$conf" hooks key --owner alice@example.com)
check "smsctl hooks key --owner: the key alice's receivers check" test "$key" = \
	"$(python3 -c 'import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), b"owner:alice@example.com", hashlib.sha256).hexdigest())' "$secret")"
control '{"error": 11, "count": 1}'
sid9=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary '{"To":"+12025550162","Text":"refused by the carrier","DeliveryReceiptWebhookUri":"'"$rx"'/dr9"}' \
	"http://127.0.0.1:$aport/v1/messages" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Message"]["MessageSid"])')
check "an API text the SMSC refuses for good: its receipt hook says failed" \
	wait_count 'r["path"] == "/dr9" and r["fields"].get("MessageSid") == "'"$sid9"'" and r["fields"].get("Status") == "failed" and r["fields"].get("Code") == "ESME_RINVDSTADR"' 1
sid8=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary '{"To":"+12025550161","Text":"no receipt wanted","DeliveryReceipt":false,"DeliveryReceiptWebhookUri":"'"$rx"'/dr8"}' \
	"http://127.0.0.1:$aport/v1/messages" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Message"]["MessageSid"])')
check "DeliveryReceipt false: the text is delivered ..." wait_sql \
	"select state from messages where sid = '$sid8'" 4
sleep 2
check "... and its DeliveryReceiptWebhookUri hears nothing" \
	test "$(count 'r["path"] == "/dr8"')$(sql "select count(*) from hooks where url like '%/dr8'")" = 00
stop_gw

echo "1..$n"
[ "$failed" -eq 0 ]
