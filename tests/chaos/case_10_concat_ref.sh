#!/bin/sh
# case_10_concat_ref.sh - a long text sent again keeps its reference
#
# Usage: sh tests/chaos/case_10_concat_ref.sh BUILD
# Two 2-part texts go through smsgw to the npm smpp SMSC. The SMSC
# withholds its answer to the first text's first part, so smsgw drops
# the link and sends the text again; smsgw is killed with SIGKILL while
# the second text's first answer is withheld, and started again, which
# sends it again. A phone joins parts by their concatenation reference:
# every part of one text, first try or resend, must carry the same
# reference, else the phone shows the text twice (counted as a
# duplicate). Short and full forms are the same.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/gateway/lib.sh"

long=$(printf 'x%.0s' $(seq 1 200))
# refs DST: the distinct UDH references of the parts sent to DST
refs() { node -e '
const r = new Set();
for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
	const p = JSON.parse(l);
	if (p.cmd === "submit_sm" && p.dst === process.argv[2] && p.sm.startsWith("050003"))
		r.add(p.sm.slice(6, 8));
}
console.log(r.size);' "$tmp/pdus.jsonl" "$1"; }
parts() { grep -c "\"dst\":\"$1\"" "$tmp/pdus.jsonl"; }

start_gw
check "smsgw binds to the SMSC" wait_for grep -q '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl"
control '{"withhold": 1}'
send --to +12025550171 "$long" >/dev/null
check "the first text is delivered after the link was dropped" \
	wait_sql "select state from messages where id = 1" 4 30
check "... it was sent again (more than 2 parts submitted)" \
	test "$(parts 12025550171)" -gt 2
r1=$(refs 12025550171)
check "... every part, first try and resend, has one reference ($r1)" \
	test "$r1" -eq 1

control '{"withhold": 1}'
send --to +12025550172 "$long" >/dev/null
wait_for grep -q '"dst":"12025550172"' "$tmp/pdus.jsonl"
kill -KILL "$gw"
wait "$gw" 2>/dev/null
start_gw
check "the second text is delivered after smsgw was killed and started" \
	wait_sql "select state from messages where id = 2" 4 30
r2=$(refs 12025550172)
check "... every part, before and after the kill, has one reference ($r2)" \
	test "$r2" -eq 1
got=$(sql "select count(*) from messages where state = 4")
echo "chaos: case=10 name=concat_ref sent=2 received=$got lost=$((2 - got)) duplicated=$((r1 - 1 + r2 - 1))"
echo "1..$n"
[ "$failed" -eq 0 ]
