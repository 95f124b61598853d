#!/bin/sh
# case_03_decode.sh - texts from phones with a NUL inside, and a set
# whose parts come in different codings
#
# Usage: sh tests/chaos/case_03_decode.sh BUILD
# The npm smpp SMSC sends smsgw a UCS-2 deliver_sm with U+0000 in the
# middle, a GSM-7 one with a 0x00 septet (which is "@"), and a two-part
# set whose first part is GSM-7 and second UCS-2. Each must reach
# smtp-sink as mail with every character after the NUL and both parts
# readable. Short and full forms are the same.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

gw_sink_start 64
start_gw
check "smsgw binds to the SMSC" wait_for grep -q '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl"
cat >"$tmp/has.py" <<'PY'
import email, email.policy, os, sys
d, want = sys.argv[1], sys.argv[2]
for f in sorted(os.listdir(d)):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    b = m.get_body(("plain",))
    if b is not None and want in b.get_content():
        sys.exit(0)
sys.exit(1)
PY
# wait_sink TEXT: until a mail at smtp-sink has TEXT in its body
wait_sink() { wait_for python3 "$tmp/has.py" "$tmp/sink" "$1"; }
u16() { printf '%s' "$1" | iconv -f utf-8 -t utf-16be | od -An -tx1 | tr -d ' \n'; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

control '{"mo": {"from": "12025550161", "to": "12025550100", "coding": 8, "hex": "'"$(u16 'Gate code')0000$(u16 ' is 4711, see you')"'"}}'
control '{"mo": {"from": "12025550162", "to": "12025550100", "coding": 0, "hex": "'"$(hex 'mail me ')00$(hex 'home.example')"'"}}'
control '{"mo": {"from": "12025550163", "to": "12025550100", "coding": 0, "esm_class": 64, "hex": "0500034d0201'"$(hex 'Meet at ')"'"}}'
control '{"mo": {"from": "12025550163", "to": "12025550100", "coding": 8, "esm_class": 64, "hex": "0500034d0202'"$(u16 'Café Zürich ☕')"'"}}'

got=0
# seen TEXT: a mail at smtp-sink has TEXT; counted in $got
seen() { wait_sink "$1" && got=$((got + 1)); }
check "a UCS-2 text keeps what follows its NUL" seen "Gate code is 4711, see you"
check "a GSM-7 0x00 is @, and what follows is kept" seen "mail me @home.example"
check "a GSM-7 part and a UCS-2 part make one readable text" \
	seen "Meet at Café Zürich ☕"
mails=$(ls "$tmp/sink" | wc -l)
check "three mails, no more ($mails)" test "$mails" -eq 3
echo "chaos: case=03 name=decode sent=3 received=$got lost=$((3 - got)) duplicated=$((mails > 3 ? mails - 3 : 0))"
echo "1..$n"
[ "$failed" -eq 0 ]
