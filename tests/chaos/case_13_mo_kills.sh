#!/bin/sh
# case_13_mo_kills.sh - smsgw killed with SIGKILL during a flood of
# texts from phones
#
# Usage: sh tests/chaos/case_13_mo_kills.sh BUILD
# The npm smpp SMSC (tests/smsc/smsc.js, mo_flood) sends N different
# texts from phones, at most 10 unanswered; smsgw keeps each in its
# inbox, answers, and its inbox thread mails it to smtp-sink. smsgw is
# killed with SIGKILL K times while the texts come (0.05 to 0.25 s after
# the flood starts or after each restart's bind), and started again; the
# SMSC sends the texts it had no answer to again on the next bind, as
# real SMSCs do. Counted: every text answered ESME_ROK in the end;
# each recorded in the store once (a text kept and answered, whose
# answer the kill lost, is the SMSC's resend, not a new text; a batch
# mailed whose rows the kill left in the inbox is not mailed again);
# each mailed, and mailed twice at most for the mails being sent at a
# kill (MailerSessions, 4, batches of MailBatch, 32: 128 a kill).
# Short form: 3,000 texts, 2 kills. Full (CHAOS_FULL=1): 10,000
# texts, 5 kills.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"
command -v smtp-sink >/dev/null 2>&1 || skip_all "smtp-sink (postfix) is missing"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is missing"

if [ -n "${CHAOS_FULL:-}" ]; then
	N=10000 K=5
else
	N=3000 K=2
fi
cat >>"$conf" <<EOF
NumberOwners +12025550100=alice@example.com
EOF
sed -i 's/^LogLevel debug/LogLevel info/' "$conf"
mails() { ls "$tmp/sink" | wc -l; }
bound() {
	b=$(grep -c '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl" 2>/dev/null)
	[ "${b:-0}" -ge "$1" ]
}
at_least() { [ "$(mails)" -ge "$1" ]; }
wait_long() { WAIT_SECONDS=90 wait_for "$@"; }
flood_done() { grep -q '"cmd":"mo_flood_done".*"count":'"$N" "$tmp/pdus.jsonl"; }

gw_sink_start 64
start_gw
check "smsgw binds to the SMSC" wait_for bound 1
echo '{"mo_flood": {"count": '"$N"', "from": "1202555", "to": "12025550100", "text": "chaos13", "window": 10}}' >&9
k=1 left=""
while [ $k -le $K ]; do
	sleep "0.$((k % 3))5"
	flood_done && break
	kill -9 "$gw"
	while kill -0 "$gw" 2>/dev/null; do sleep 0.05; done
	# what the kill left in the inbox, answered and not mailed yet
	left="$left $(inbox_sql 'select count(*) from inbox' 2>/dev/null)"
	start_gw
	wait_for bound $((k + 1))
	k=$((k + 1))
done
check "smsgw killed $K times during the flood" [ $k -gt $K ]
echo "    # texts left in the inbox at each kill:$left"
check "every text answered ESME_ROK in the end" wait_long flood_done
check "every text mailed" wait_long at_least "$N"
sleep 2 # mails sent twice show now
check "each text recorded in the store once" \
	[ "$(sql "select count(*) from messages where direction = 'in' and text like 'chaos13 %'")" = "$N" ]
check "... none twice" \
	[ "$(sql "select count(*) from (select text from messages where direction = 'in' group by text having count(*) > 1)")" = 0 ]
check "the inbox is empty" \
	wait_for sh -c "[ \"\$(sqlite3 '$tmp/store-inbox.db' 'select count(*) from inbox')\" = 0 ]"
counts=$(python3 - "$tmp/sink" "$N" <<'PY'
import email, email.policy, os, re, sys
d, n = sys.argv[1], int(sys.argv[2])
seen = {}
for f in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    body = m.get_body(("plain",))
    for k in re.findall(r"\bchaos13 (\d+)\b", body.get_content() if body else ""):
        seen[int(k)] = seen.get(int(k), 0) + 1
lost = sum(1 for k in range(1, n + 1) if k not in seen)
dup = sum(c - 1 for c in seen.values() if c > 1)
print(len(seen), lost, dup)
PY
)
set -- $counts
received=${1:-0} lost=${2:-$N} dup=${3:-0}
check "no text lost ($lost)" [ "$lost" -eq 0 ]
check "mailed twice: at most the mails being sent at each kill ($dup <= $((K * 128)))" \
	[ "$dup" -le $((K * 128)) ]
resent=$(grep -o '"cmd":"mo_flood_done"[^}]*' "$tmp/pdus.jsonl" | sed -n 's/.*"resent":\([0-9]*\).*/\1/p')
check "the kills lost answers: the SMSC sent ${resent:-0} texts again" \
	[ "${resent:-0}" -gt 0 ]
known=$(grep -c 'the same text came again on a new link' "$tmp/smsgw.log")
echo "    # of those, answered before the kill and known again: $known"
stop_gw
check "smsgw stops on SIGTERM, with no sanitizer report in its logs" \
	sh -c "! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer' '$tmp/smsgw.log'"
echo "chaos: case=13 name=mo_kills sent=$N received=$received lost=$lost duplicated=$dup"
echo "1..$n"
[ "$failed" -eq 0 ]
