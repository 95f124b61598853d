#!/bin/sh
# case_06_resent_deliver.sh - issue 18 (6): deliver_sm sent again by an
# SMSC that lost our deliver_sm_resp
#
# Usage: sh tests/chaos/case_06_resent_deliver.sh BUILD
#
# The npm smpp SMSC (tests/smsc/smsc.js, control "lost_resp") sends
# texts from phones, closes the link as soon as our deliver_sm_resp
# arrives (as if it were lost) and sends the same PDUs again on the
# next bind: a single text, a complete two-part set, and only the last
# part of a set already mailed. A phone also sends the same words twice
# on one link. smsgw mails through smtp-sink; the mails there are
# counted per text. One mail per text from the phone: the resends are
# answered and not mailed, the same words twice are two mails.
# CHAOS_FULL=1 repeats the single text and the set over five links.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

rounds=1
[ -n "${CHAOS_FULL:-}" ] && rounds=5
cat >>"$conf" <<EOF
ReassemblyTimeout 10s
EOF
gw_sink_start 16
start_gw
check "smsgw binds to the SMSC" wait_for grep -qs '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl"
sleep 0.5

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
mo() { printf '{"from": "%s", "to": "12025550100", "hex": "%s"%s}' "$1" "$2" "${3:+, \"esm_class\": 64}"; }
# resends N: until the SMSC sent N texts again on a new bind
resends() { [ "$(grep -c '"cmd":"resent_mo"' "$tmp/pdus.jsonl")" -ge "$1" ]; }
# mails TEXT: how many mails at smtp-sink have TEXT in their body
mails() {
	python3 - "$tmp/sink" "$1" <<'PY'
import email, email.policy, os, sys
d, want = sys.argv[1], sys.argv[2]
n = 0
for f in sorted(os.listdir(d)):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    body = m.get_body(("plain",))
    if body is not None and want in body.get_content():
        n += 1
print(n)
PY
}

sent=0 want_total=0 resent=0
# 1. the last part of a set resent after the set was mailed (first: a
# set waiting for a part that never comes is mailed after
# ReassemblyTimeout, and the sweep runs every 10 s)
control '{"lost_resp": ['"$(mo 12025550163 "050003620201$(hex 'chaos06 last part, ')" 1)"', '"$(mo 12025550163 "050003620202$(hex 'resent alone')" 1)"'], "resend": [1]}'
resent=$((resent + 1)) sent=$((sent + 1))
check "the SMSC dropped the link after our answers and resent the last part" \
	wait_for resends $resent
last_at=$(date +%s)

# 2. a single text and a two-part set, each resent whole on a new link
r=1
while [ $r -le $rounds ]; do
	control '{"lost_resp": ['"$(mo 1202555017$r "$(hex "chaos06 single $r")")"']}'
	resent=$((resent + 1)) sent=$((sent + 1))
	check "round $r: a single text resent on the next bind" wait_for resends $resent
	control '{"lost_resp": ['"$(mo 1202555018$r "0500037${r}0201$(hex "chaos06 set $r, ")" 1)"', '"$(mo 1202555018$r "0500037${r}0202$(hex "both parts resent")" 1)"']}'
	resent=$((resent + 2)) sent=$((sent + 1))
	check "round $r: a two-part set resent whole on the next bind" wait_for resends $resent
	r=$((r + 1))
done

# 3. the same words twice on one link: two texts
control '{"mo": '"$(mo 12025550190 "$(hex 'chaos06 twice')")"'}'
control '{"mo": '"$(mo 12025550190 "$(hex 'chaos06 twice')")"'}'
sent=$((sent + 2))

# 4. the same words on two links, the first answer confirmed (the SMSC
# answered a later request): two texts
t4=$(date +%s)
control '{"mo": '"$(mo 12025550191 "$(hex 'chaos06 confirmed')")"'}'
# (texts answered and not yet confirmed are kept in smsgw's inbox file)
unconfirmed() { [ "$(inbox_sql "select count(*) from inbound_unconfirmed where at >= $t4" 2>/dev/null)" = 0 ]; }
check "smsgw has the SMSC confirm its answer on a live link" \
	wait_for unconfirmed
control '{"lost_resp": ['"$(mo 12025550192 "$(hex 'chaos06 drop')")"']}'
resent=$((resent + 1)) sent=$((sent + 1))
check "... a link dropped after an answer, the text resent" wait_for resends $resent
control '{"mo": '"$(mo 12025550191 "$(hex 'chaos06 confirmed')")"'}'
sent=$((sent + 2))

# expect TEXT WANT: the mails of TEXT, counted as lost and duplicated
lost=0 dup=0
expect() {
	got=$(mails "$1")
	[ "$got" -lt "$2" ] && lost=$((lost + $2 - got))
	[ "$got" -gt "$2" ] && dup=$((dup + got - $2))
	[ "$got" -eq "$2" ] || echo "    # $1: $got mails, want $2"
	[ "$got" -eq "$2" ]
}
# mails came for every text; then a set mailed part by part would
# show by ReassemblyTimeout and the sweep (21 s after the resend)
WAIT_SECONDS=20 wait_for sh -c "[ \$(ls '$tmp/sink' | wc -l) -ge $sent ]"
while [ $(($(date +%s) - last_at)) -lt 21 ]; do sleep 0.5; done
sleep 0.5
check "the last part of a mailed set, resent: one mail (none of it alone)" \
	expect "resent alone" 1
check "... the set whole in it" expect "chaos06 last part, resent alone" 1
none() { [ "$(mails "$1")" -eq 0 ]; }
check "... no mail marked \"part 1 of 2 missing\"" none "part 1 of 2 missing"
r=1
while [ $r -le $rounds ]; do
	check "round $r: a single text resent: one mail" expect "chaos06 single $r" 1
	check "round $r: a two-part set resent: one mail" expect "chaos06 set $r, both parts resent" 1
	r=$((r + 1))
done
check "the same words twice on one link: two mails" expect "chaos06 twice" 2
check "the same words on two links, the first confirmed: two mails" \
	expect "chaos06 confirmed" 2
check "... the resent text between them: one mail" expect "chaos06 drop" 1
check "every deliver_sm answered ESME_ROK" sh -c \
	"! grep '\"cmd\":\"deliver_sm_resp\"' '$tmp/pdus.jsonl' | grep -vq '\"status\":0'"
check "smsgw says which texts came again" \
	grep -q 'the same text came again on a new link' "$tmp/smsgw.log"
received=$(ls "$tmp/sink" | wc -l)
stop_gw
echo "chaos: case=06 name=resent_deliver sent=$sent received=$received lost=$lost duplicated=$dup"
