#!/bin/sh
# case_11_quota.sh - issue 18 (11): over the monthly quota the sender
# hears at once (550 with the reset date, not a 4xx the MTA retries for
# days), and the monthly fee is charged once per account
#
# Usage: sh tests/chaos/case_11_quota.sh BUILD
# A private Postfix on loopback with smsmilter (MonthlySegmentQuota 3).
# alice@example.com sends four one-segment texts, bob@example.com one;
# both are users of one account, acme (BillingAccounts
# @example.com=acme, given to smsctl). The fourth of alice's must be
# refused 550 5.7.1 saying when the quota resets; smsctl usage must
# bill acme one fee (15.00 for 4 segments of the 500 included), on one
# line. "sent" counts the mails, "received" the texts queued plus the
# refusals heard, "lost" the rest, "duplicated" monthly fees charged
# beyond one per account.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup chaos11 swaks
conf=$tmp/smsmilter.conf
milter_conf "$conf" "$tmp" "unix:$tmp/milter.sock"
cat >>"$conf" <<EOF
MonthlySegmentQuota 3
PriceMonthlyFee 15.00
PriceIncludedSegments 500
PricePerSegment 0.015
EOF
# smsctl's view: the same site, with the account
cp "$conf" "$tmp/billing.conf"
echo "BillingAccounts @example.com=acme" >>"$tmp/billing.conf"
chmod 600 "$tmp/billing.conf"
db=$tmp/store/smsmilter.db
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$conf" "$tmp/milter.log" ||
	{ check "smsmilter starts" false; cat "$tmp/milter.log"; exit 1; }
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }

send() { # send OUT FROM N
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" \
		--helo client.example.com --from "$2" \
		--to "1202555070$3@sms.example.com" --header "Subject: " \
		--header "Message-Id: <c11-$3@example.com>" \
		--body "text number $3" >"$tmp/$1" 2>&1
}
sent=0 got=0
for i in 1 2 3; do
	send "a$i" alice@example.com "$i"
	sent=$((sent + 1))
done
send b1 bob@example.com 5
send a4 alice@example.com 4
sent=$((sent + 2))
queued=$(sqlite3 "$db" "select count(*) from messages" 2>/dev/null)
check "four texts queued (alice 3, bob 1)" test "${queued:-0}" = 4
heard=0
grep -q '^<\*\* *550 5.7.1 .*the quota resets at [0-9-]* 00:00 UTC' \
	"$tmp/a4" && heard=1
check "alice's fourth: 550 5.7.1 with the reset date" test "$heard" = 1
got=$((${queued:-0} + heard))

"$E2E_BUILD/smsctl" -c "$tmp/billing.conf" usage >"$tmp/usage" 2>&1 ||
	"$E2E_BUILD/smsctl" -c "$conf" usage >"$tmp/usage" 2>&1
lines=$(grep -c '^[0-9][0-9][0-9][0-9]-[0-9][0-9] ' "$tmp/usage")
check "usage: acme on one line, 4 texts, one fee (15.00)" \
	grep -q '^[0-9-]* *4 *4 *15.00 USD  acme (alice@example.com, bob@example.com)$' \
	"$tmp/usage"
fees=$(( ${lines:-0} > 0 ? ${lines:-0} - 1 : 0 ))
check "no fee charged twice" test "$fees" = 0

echo "chaos: case=11 name=quota sent=$sent received=$got lost=$((sent - got)) duplicated=$fees"
echo "1..$n"
