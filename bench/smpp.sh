#!/bin/sh
# smpp.sh - SMPP submit rate, smsgw beside Kannel, against one test SMSC;
# and the latency from smsmilter's accept to the submit_sm
#
# Usage: bench/smpp.sh BUILD_DIR
# The SMSC is tests/smsc/smsc.js (npm smpp), which stamps each submit_sm
# it receives. BENCH_SMPP_TEXTS texts (default 2000) wait queued; then
# smsgw (window 10) or Kannel's bearerbox (max-pending-submits 10, its
# SMPP link stopped while smsbox takes the texts over HTTP) sends them;
# the rate is texts over the time from the first submit_sm to the last.
# Then, with Postfix (root only), BENCH_SMPP_MAILS mails (default 200)
# go one after the other through Postfix and smsmilter to smsgw: the
# time from the milter's "queued" log line to the submit_sm, p50 and p99.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
N=${BENCH_SMPP_TEXTS:-2000}
M=${BENCH_SMPP_MAILS:-200}

if [ ! -d "$top/tests/smsc/node_modules/smpp" ]; then
	echo "bench: smpp skipped: npm smpp missing (scripts/deps.sh)" >&2
	exit 0
fi
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$here/kannel.sh"
. "$here/smsc.sh"
E2E_BUILD=$BUILD
tmp=$(mktemp -d /tmp/smsmilter-bsmpp.XXXXXX)
chmod 755 "$tmp"
trap 'kannel_stop; e2e_cleanup; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# smsc NAME [PORT]: a fresh SMSC logging to $tmp/NAME.jsonl (smsc.sh),
# stopped by e2e_cleanup; its port in $smsc, its pid in $smsc_pid
smsc() { bench_smsc E2E_PIDS "$@"; }

# count LOG: submit_sm received
count() {
	[ -f "$1" ] || { echo 0; return; }
	grep -c '"cmd":"submit_sm"' "$1" || true
}

# wait_count LOG N SECONDS
wait_count() {
	i=0
	while [ "$(count "$1")" -lt "$2" ] && [ $i -lt $(($3 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(count "$1")" -ge "$2" ]
}

# cpu_ticks PID: user + system clock ticks the process used so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# busy NAME TICKS0 T0: the SMSC's CPU use since, in percent of one core
busy() {
	awk -v a="$2" -v b="$(cpu_ticks "$smsc_pid")" -v t0="$3" \
		-v t1="$(date +%s.%N)" -v hz="$(getconf CLK_TCK)" -v n="$1" \
		'BEGIN { printf "bench: smsc_cpu_during_%s %.0f %%\n", n, 100 * (b - a) / hz / (t1 - t0) }'
}

# rate LOG: submit_sm per second, first to last
rate() {
	node -e '
const t = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm").map(p => p.t);
console.log(t.length > 1 ? Math.round((t.length - 1) * 1000 / (t[t.length - 1] - t[0])) : 0);
' "$1"
}

printf 'bench-secret-0123456789abcdef\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"

# --- smsgw
smsc ours
bench_gw_conf "$tmp/gw.conf" "$tmp/gw.db" ""
bench_queue "$tmp/gw.conf" "$N"
ticks=$(cpu_ticks "$smsc_pid")
t0=$(date +%s.%N)
"$BUILD/smsgw" -f -c "$tmp/gw.conf" 2>"$tmp/smsgw.log" &
E2E_PIDS="$E2E_PIDS $!"
if wait_count "$tmp/ours.jsonl" "$N" 120; then
	ours=$(rate "$tmp/ours.jsonl")
	busy smsgw "$ticks" "$t0"
else
	ours=0
	echo "bench: smsgw sent $(count "$tmp/ours.jsonl") of $N" >&2
fi
echo "bench: smpp_submit_smsgw $ours msg/s"
e2e_cleanup

# --- Kannel
theirs=0
if command -v bearerbox >/dev/null 2>&1; then
	kport=$(free_port) # the SMSC starts there once the texts wait
	hp=$(free_port)
	kannel_sendsms_conf "$tmp/kannel.conf" "$tmp" "$kport" "$hp"
	kannel_start "$tmp/kannel.conf"
	wait_port "$hp"
	python3 - "$hp" "$N" <<'PY'
import http.client, sys, urllib.parse
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(n):
    # a delivery report asked for, as smsgw asks for every text
    q = urllib.parse.urlencode({"username": "bench", "password": "bench",
        "from": "12025550100", "to": "12025550500", "text": "bench text %d" % (i + 1),
        "dlr-mask": "3", "dlr-url": "http://127.0.0.1:9/dlr?id=%d" % (i + 1)})
    c.request("GET", "/cgi-bin/sendsms?" + q)
    r = c.getresponse(); r.read()
    if r.status >= 300:
        print("sendsms:", r.status, file=sys.stderr); break
PY
	smsc kannel "$kport"
	ticks=$(cpu_ticks "$smsc_pid")
	t0=$(date +%s.%N)
	if wait_count "$tmp/kannel.jsonl" "$N" 120; then
		theirs=$(rate "$tmp/kannel.jsonl")
		busy kannel "$ticks" "$t0"
	else
		echo "bench: Kannel sent $(count "$tmp/kannel.jsonl") of $N" >&2
	fi
	kannel_stop
	e2e_cleanup
fi
echo "bench: smpp_submit_kannel $theirs msg/s"
awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "ratio: smpp_submit_vs_kannel %.2f\n", a / b }'

# --- latency: milter accept to submit_sm, through Postfix
if [ "$(id -u)" -ne 0 ] || ! command -v postconf >/dev/null 2>&1; then
	echo "bench: smpp latency skipped: needs root and postfix" >&2
	exit 0
fi
smsc lat
port=$(free_port)
sinkport=$(free_port)
milter_conf "$tmp/lat.conf" "$tmp" "unix:$tmp/milter.sock"
cat >>"$tmp/lat.conf" <<EOF
GatewayPidFile $tmp/smsgw-lat.pid
SmppServer 127.0.0.1:$smsc
EOF
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" >/dev/null 2>&1
sink_start "$tmp" "$sinkport"
milter_start "$tmp/lat.conf" "$tmp/milter.log"
"$BUILD/smsgw" -f -c "$tmp/lat.conf" 2>"$tmp/smsgw-lat.log" &
E2E_PIDS="$E2E_PIDS $!"
pf_start "$tmp/pf"
wait_port "$port"
sleep 1
smtp-source -s 1 -m "$M" -l 100 -f alice@example.com -S lat \
	-t 12025550600@sms.example.com "127.0.0.1:$port" >/dev/null 2>&1
wait_count "$tmp/lat.jsonl" "$M" 60
node -e '
const fs = require("fs");
const day = new Date().toISOString().slice(0, 10);
const acc = fs.readFileSync(process.argv[1], "utf8").split("\n")
  .filter(l => l.includes("status=queued"))
  .map(l => Date.parse(day + "T" + l.split(" ")[0] + "Z"));
const sub = fs.readFileSync(process.argv[2], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm").map(p => p.t);
const n = Math.min(acc.length, sub.length);
const d = [];
for (let i = 0; i < n; i++) d.push(sub[i] - acc[i]);
d.sort((a, b) => a - b);
const q = (p) => d.length ? d[Math.min(d.length - 1, Math.floor(p * d.length))] : 0;
console.log("bench: milter_to_submit_p50_ms " + q(0.5) + " ms");
console.log("bench: milter_to_submit_p99_ms " + q(0.99) + " ms");
console.log("bench: milter_to_submit_samples " + n + " mails");
' "$tmp/milter.log" "$tmp/lat.jsonl"
