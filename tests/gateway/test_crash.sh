#!/bin/sh
# test_crash.sh - smsgw killed with SIGKILL in the middle of 1,000 texts
#
# Usage: tests/gateway/test_crash.sh BUILD_DIR [api]
# 1,000 texts are queued; smsgw is killed with SIGKILL once a few
# hundred are submitted, and started again. Every text must end
# delivered, and the SMSC must have received at most SmppWindow (10)
# submit_sm more than there are texts: a part whose answer the dead
# gateway never read is sent again, nothing is lost. With api, smsgw
# has ApiListen, and so its queue runner writes its claims, submits
# and receipts as pieces of the send API's group commit. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
N=${CRASH_TEXTS:-1000}
aport=""
if [ "${2:-}" = api ]; then
	aport=$(free_port)
	echo "ApiListen 127.0.0.1:$aport" >>"$conf"
fi

# queue N texts, two smsctl at a time
seq 1 "$N" | xargs -P 2 -I{} "$BUILD/smsctl" -c "$conf" send \
	--owner ops@example.com --to +12025550300 "crash {}" >/dev/null
check "$N texts queued" wait_sql "select count(*) from messages" "$N"

"$BUILD/smsgw" -f -c "$conf" 2>"$tmp/smsgw1.log" &
gw=$!
pids="$pids $gw"
[ -z "$aport" ] || check "smsgw serves the API (its runner writes in the API's groups)" \
	wait_for curl -s -o /dev/null "http://127.0.0.1:$aport/v1/messages"
i=0
while [ "$(sql 'select count(*) from messages where state >= 3')" -lt $((N / 3)) ] &&
	[ $i -lt 300 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -KILL "$gw"
wait "$gw" 2>/dev/null
at_kill=$(sql "select count(*) from messages where state >= 3")
check "killed with SIGKILL mid-run ($at_kill of $N submitted)" \
	test "$at_kill" -gt 0 -a "$at_kill" -lt "$N"

"$BUILD/smsgw" -f -c "$conf" 2>"$tmp/smsgw2.log" &
pids="$pids $!"
check "after the restart, all $N texts delivered" wait_sql \
	"select count(*) from messages where state = 4" "$N" 60
check "... the restart took back what the dead run had claimed" \
	grep -q 'took back [0-9]* texts a previous run had claimed' "$tmp/smsgw2.log"
sent=$(grep -c '"cmd":"submit_sm"' "$tmp/pdus.jsonl")
check "... the SMSC got $sent submit_sm: $N, and at most the window (10) again" \
	test "$sent" -ge "$N" -a "$sent" -le $((N + 10))
distinct=$(node -e '
const seen = new Set();
for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
	const p = JSON.parse(l);
	if (p.cmd === "submit_sm") seen.add(p.sm);
}
console.log(seen.size);' "$tmp/pdus.jsonl")
check "... every one of the $N texts reached the SMSC" test "$distinct" -eq "$N"

echo "1..$n"
[ "$failed" -eq 0 ]
