#!/bin/sh
# test_slow.sh - slow clients do not silence smsgw's webhooks
#
# Usage: tests/gateway/test_slow.sh BUILD_DIR
# smsgw with its webhook server on 127.0.0.1 and the default limits
# (WebhookMaxConnections 256, WebhookMaxPerClient 16,
# WebhookRequestTimeout 10s, WebhookThreads 4). tests/gateway/slow.py
# opens 200 connections from 127.0.0.2 that send a byte every 3 s (three
# in four trickle headers, one in four a body after whole headers with
# Content-Length 60000), opening each again when the server closes it;
# meanwhile a Twilio-style provider on 127.0.0.1 posts a signed text
# every 0.5 s for 30 s. At least 95% must be answered 200, each within
# 2 s, and each is recorded; the tricklers the server took must be
# closed about WebhookRequestTimeout after they began, bytes or not.
# The send API (ApiListen, a thread a connection) is attacked the same
# way from 127.0.0.3 meanwhile, while a client with a key posts a text
# every second: each must be answered 201 within 2 s.
# Prints the figures and TAP; stops what it started, by pid. About 45 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
command -v smtp-sink >/dev/null 2>&1 || skip_all "smtp-sink (postfix) is missing"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' \
	2>/dev/null || skip_all "cannot bind 127.0.0.2"

printf 'tok-slow-1\n' >"$tmp/token"
chmod 600 "$tmp/token"
aport=$(free_port)
cat >>"$conf" <<EOF2
WebhookPublicUrl https://gw.example.com/hooks
HttpTokenFile $tmp/token
NumberOwners +12025550100=alice@example.com
ApiListen 127.0.0.1:$aport
EOF2
key=$("$BUILD/smsctl" -c "$conf" apikey add --owner alice@example.com | tail -n 1)
sed -i 's/^LogLevel debug/LogLevel info/' "$conf"

gw_sink_start 64
start_gw
wait_for python3 -c "import socket; socket.create_connection(('127.0.0.1', $wport)).close()" 2>/dev/null ||
	{ check "the webhook server listens" false; exit 1; }

python3 "$here/slow.py" attack 127.0.0.1 "$wport" 127.0.0.2 200 3 \
	>"$tmp/attack.out" 2>&1 &
attacker=$!
pids="$pids $attacker"
python3 "$here/slow.py" attack 127.0.0.1 "$aport" 127.0.0.3 200 3 \
	>"$tmp/attack_api.out" 2>&1 &
attacker2=$!
pids="$pids $attacker2"
sleep 3
( # an API client: a text a second, each answer's status and time
	i=0
	while [ $i -lt 25 ]; do
		curl -s -o /dev/null --max-time 10 \
			-w '%{http_code} %{time_total}\n' \
			-H "Authorization: Bearer $key" \
			-H 'Content-Type: application/json' --data-binary \
			"{\"To\":\"+1202555$((1000 + i))\",\"Text\":\"slow $i\"}" \
			"http://127.0.0.1:$aport/v1/messages" >>"$tmp/api.out"
		i=$((i + 1))
		sleep 1
	done
) &
poster=$!
pids="$pids $poster"
python3 "$here/slow.py" provider 127.0.0.1 "$wport" tok-slow-1 \
	https://gw.example.com/hooks 30 0.5 >"$tmp/provider.out" 2>&1
wait "$poster"
kill -TERM "$attacker" "$attacker2"
wait "$attacker" "$attacker2"
cat "$tmp/provider.out" "$tmp/attack.out" "$tmp/attack_api.out" | sed 's/^/# /'
api_ok=$(awk '$1 == 201 && $2 <= 2 { n++ } END { print n + 0 }' "$tmp/api.out")
echo "# API during the attack: $api_ok/25 answered 201 within 2 s"

line=$(grep '^slow clients:' "$tmp/provider.out")
answered=$(echo "$line" | sed -n 's|.*answered \([0-9]*\)/.*|\1|p')
total=$(echo "$line" | sed -n 's|.*answered [0-9]*/\([0-9]*\) .*|\1|p')
worst=$(echo "$line" | sed -n 's|.*worst \([0-9-]*\) ms|\1|p')
check "the provider made its 60 requests" test "${total:-0}" -ge 58
check "at least 95% of them were answered 200" \
	test $((${answered:-0} * 100)) -ge $((${total:-1} * 95))
check "each within 2 s" sh -c "[ '${worst:--}' != - ] && [ '${worst:--}' -le 2000 ]"
check "... and each answered one recorded" wait_sql \
	"select count(*) >= ${answered:-1} from messages where provider_id like 'SMslow%'" 1
# the tricklers the server took were closed near 10 s, bytes or not
life() { sed -n "s/.*$1 tricklers[a-z ]* at most \([0-9]*\)\..*/\1/p" "$tmp/attack.out"; }
hl=$(life header)
bl=$(life body)
check "trickled headers are cut off after WebhookRequestTimeout (${hl:-?} s)" \
	sh -c "[ ${hl:-0} -ge 9 ] && [ ${hl:-0} -le 12 ]"
check "so is a trickled body (${bl:-?} s)" \
	sh -c "[ ${bl:-0} -ge 9 ] && [ ${bl:-0} -le 12 ]"
check "... and logged" grep -q 'still sending a request after 10s' "$tmp/smsgw.log"
check "the send API answered each text 201 within 2 s ($api_ok/25)" \
	test "$api_ok" -eq 25
al=$(sed -n "s/.*header tricklers[a-z ]* at most \([0-9]*\)\..*/\1/p" "$tmp/attack_api.out")
check "the API's trickled headers are cut off after WebhookRequestTimeout (${al:-?} s)" \
	sh -c "[ ${al:-0} -ge 9 ] && [ ${al:-0} -le 12 ]"
check "smsgw is still running" kill -0 "$gw"
stop_gw
check "smsgw stops on SIGTERM, with no sanitizer report in its log" sh -c \
	"! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer\|runtime error' '$tmp/smsgw.log'"

echo "1..$n"
[ "$failed" -eq 0 ]
