# lib.sh - what the gateway tests share: the SMSC (tests/smsc/smsc.js,
# the npm smpp package in server mode) with a control FIFO, a store, a
# configuration, smtp-sink's port for reports, and helpers. Sourced by
# tests/gateway/test_*.sh after setting BUILD; leaves $tmp, $conf,
# $port, $sinkport, $wport (WebhookListen), $sink_user and fd 9 (the
# SMSC's controls).
. "$top/tests/tap.sh"
. "$top/tests/procs.sh"
. "$top/tests/gateway/helpers.sh"

if ! command -v node >/dev/null 2>&1 || [ ! -d "$top/tests/smsc/node_modules/smpp" ]; then
	skip_all "node or the npm smpp package is missing (scripts/deps.sh)"
fi

gw_begin gw

# the SMSC, with a FIFO for its controls
mkfifo "$tmp/ctl"
node "$top/tests/smsc/smsc.js" --port 0 --log "$tmp/pdus.jsonl" \
	--system-id smsgw --password secret <>"$tmp/ctl" >"$tmp/smsc.out" 2>&1 &
pids="$pids $!"
exec 9>"$tmp/ctl"
i=0
while ! grep -q '^listening' "$tmp/smsc.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
port=$(sed -n 's/^listening //p' "$tmp/smsc.out")
[ -n "$port" ] || { check "the SMSC starts" false; cat "$tmp/smsc.out"; exit 1; }

# the SMTP relay for delivery reports: smtp-sink, started later (first
# the relay is down)
sink_prepare

# smsgw's webhooks: a port of its own (one in use is waited for)
wport=$(free_port)
{
	gw_conf_head
	cat <<EOF
Transport smpp
SmppServer 127.0.0.1:$port
SmppSystemId smsgw
SmppPassword secret
SmppWindow 10
SmppResponseTimeout 2s
SmppEnquireLink 5s
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:$sinkport
MailRetryInterval 2s
LogLevel debug
WebhookListen 127.0.0.1:$wport
EOF
} >"$tmp/smsgw.conf"
chmod 600 "$tmp/smsgw.conf"
conf=$tmp/smsgw.conf

# submits TEXT_ID: the submit_sm lines logged for the text queued as id
pdus() { grep '"cmd":"submit_sm"' "$tmp/pdus.jsonl"; }
field() { node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm" && p.dst === process.argv[2]);
console.log(lines.map(p => [p.data_coding, p.esm_class, p.registered_delivery, p.src, p.sm].join(" ")).join("\n"));
' "$tmp/pdus.jsonl" "$1"; }

