#!/bin/sh
# test_smpp.sh - smsgw against a real SMPP implementation written by others
#
# Usage: tests/gateway/test_smpp.sh BUILD_DIR
# The SMSC is tests/smsc/smsc.js: the npm smpp package in server mode,
# logging every PDU it receives, raw. Texts are queued with smsctl send;
# smsgw submits them; the tests read the exact bytes the SMSC got
# (data_coding, esm_class, UDH, septets, UTF-16) and the states the
# receipts left in the store. Then faults: throttling, a permanent
# error, a link dropped with a full window, answers withheld, a
# malformed PDU. Prints TAP; appends its tally to $CHECK_TALLY; stops
# what it starts by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"

"$BUILD/smsgw" -f -c "$conf" 2>"$tmp/smsgw.log" &
gw=$!
pids="$pids $gw"

# 1. GSM-7: data_coding 0, unpacked septets, no UDH, a receipt asked
send --to +12025550101 "Hello" >/dev/null
check "GSM-7 text delivered (receipt DELIVRD)" wait_sql \
	"select m.state from messages m join threads t on t.id = m.thread_id where t.phone = '+12025550101'" 4
check "... bytes: data_coding 0, esm_class 0, registered_delivery 1, septets 48656c6c6f" \
	test "$(field 12025550101)" = "0 0 1 12025550100 48656c6c6f"
check "... the bind carried system_id and password" \
	grep -q '"cmd":"bind_transceiver".*"system_id":"smsgw","password":"secret"' "$tmp/pdus.jsonl"

# a second smsgw with the same configuration refuses to start, clearly,
# and never binds to the SMSC
"$BUILD/smsgw" -f -c "$conf" 2>"$tmp/smsgw2.log" &
gw2=$!
pids="$pids $gw2"
i=0
while kill -0 "$gw2" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rc2=x
kill -0 "$gw2" 2>/dev/null || { wait "$gw2"; rc2=$?; }
check "a second smsgw refuses: already running as pid $gw (exit $rc2)" sh -c \
	"[ '$rc2' = 75 ] && grep -q 'smsgw: already running as pid $gw (pid file $tmp/smsgw.pid)' '$tmp/smsgw2.log'"
check "... the SMSC saw one bind" \
	test "$(grep -c '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl")" -eq 1

# 2. the extension table: each character as ESC + code
send --to +12025550102 "€[x]" >/dev/null
check "extension characters: 1b65 1b3c 78 1b3e" wait_sql \
	"select state from messages where id = 2" 4
check "... bytes" test "$(field 12025550102)" = "0 0 1 12025550100 1b651b3c781b3e"

# 3. UCS-2 with an emoji: data_coding 8, UTF-16BE with a surrogate pair
send --to +12025550103 "Hi 😀" >/dev/null
check "UCS-2 with an emoji delivered" wait_sql "select state from messages where id = 3" 4
check "... bytes: data_coding 8, 004800690020d83dde00" \
	test "$(field 12025550103)" = "8 0 1 12025550100 004800690020d83dde00"

# 4. a 200-character GSM text: two parts, UDH 05 00 03 ref 02 0n
long=$(printf 'a%.0s' $(seq 1 200))
send --to +12025550104 "$long" >/dev/null
check "two-part text delivered (both receipts)" wait_sql "select state from messages where id = 4" 4
f4=$(field 12025550104)
check "... part 1: esm_class 0x40, UDH 050003xx0201, 153 septets" sh -c "
echo '$f4' | sed -n 1p | grep -Eq '^0 64 1 12025550100 050003[0-9a-f]{2}0201(61){153}\$'"
check "... part 2: UDH 050003xx0202, 47 septets, same reference" sh -c "
r1=\$(echo '$f4' | sed -n 1p | cut -c22-23); r2=\$(echo '$f4' | sed -n 2p | cut -c22-23)
echo '$f4' | sed -n 2p | grep -Eq '^0 64 1 12025550100 050003[0-9a-f]{2}0202(61){47}\$' && [ \"\$r1\" = \"\$r2\" ]"
check "... two segments with their SMSC ids" wait_sql \
	"select count(*) from segments where message_id = 4 and smsc_id != '' and state = 4" 2

# 5. a failed receipt: the text is failed with the carrier's words
control '{"receipt": "UNDELIV", "err": "001"}'
send --to +12025550105 "will not arrive" >/dev/null
check "UNDELIV receipt: the text failed" wait_sql "select state || ' ' || error from messages where id = 5" "5 UNDELIV"
control '{"receipt": "DELIVRD"}'

# 5b. its report waits for the relay, which is down for a few seconds
check "... a report is queued for alice" wait_sql \
	"select count(*) from mail_queue where rcpt = 'alice@example.com' and instr(data, 'UNDELIV') > 0" 1
check "... the relay is down: deferred" sh -c "sleep 1; grep -q 'status=deferred retry=2s (cannot reach the relay' '$tmp/smsgw.log'"
gw_sink_start 16
check "... the relay is back: the report is mailed" wait_sql \
	"select count(*) from mail_queue where rcpt = 'alice@example.com'" 0
check "... smtp-sink got an RFC 3464 report from <> saying UNDELIV" sh -c "
grep -l 'report-type=delivery-status' '$tmp'/sink/* | xargs grep -l 'X-Mail-Args: <>' |
xargs grep -l 'Action: failed' | xargs grep -q 'Diagnostic-Code: X-SMS; UNDELIV'"

# 6. throttled twice, then taken: delivered, no failure
control '{"throttle": 2}'
send --to +12025550106 "after a throttle" >/dev/null
check "ESME_RTHROTTLED twice, then delivered" wait_sql "select state from messages where id = 6" 4
check "... sent three times" test "$(field 12025550106 | wc -l)" -eq 3

# 7. a permanent error fails the text at once, with the status name
control '{"error": 11, "count": 1}'
send --to +12025550107 "bad destination" >/dev/null
check "ESME_RINVDSTADR: failed with the reason" wait_sql \
	"select state || ' ' || error from messages where id = 7" "5 ESME_RINVDSTADR"

# 8. an opt-out after queueing is honoured at submit (smsgw paused,
# never inside one of its transactions: that would hold the store's
# lock until it runs again, and smsctl would wait for it in vain)
pause_gw() {
	i=0
	while [ $i -lt 50 ]; do
		kill -STOP "$gw"
		sqlite3 "$tmp/store.db" "BEGIN IMMEDIATE; ROLLBACK;" \
			>/dev/null 2>&1 && return 0
		kill -CONT "$gw"
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
pause_gw
send --to +12025550108 "queued before STOP" >/dev/null
"$BUILD/smsctl" -c "$conf" optout add +12025550108 STOP >/dev/null
kill -CONT "$gw"
check "a STOP after queueing: failed OPTOUT, nothing submitted" wait_sql \
	"select state || ' ' || error from messages where id = 8" "5 OPTOUT"
check "... no submit_sm for it" test -z "$(field 12025550108)"

# 9. the link drops with a full window: everything is resubmitted
control '{"drop_after": 5}'
i=0
while [ $i -lt 20 ]; do
	send --to +1202555020$((i % 10)) "burst $i" >/dev/null
	i=$((i + 1))
done
check "link dropped mid-window: all 20 texts delivered" wait_sql \
	"select count(*) from messages where text like 'burst %' and state = 4" 20
check "... the drop and the reconnect were logged" sh -c "grep -q 'smpp: link down: ' '$tmp/smsgw.log' && grep -c 'smpp: bound' '$tmp/smsgw.log' | grep -qv '^1$'"

# 10. answers withheld: after SmppResponseTimeout, a new link, sent again
control '{"withhold": 1}'
send --to +12025550109 "withheld once" >/dev/null
check "a withheld answer: resent on a new link, delivered" wait_sql \
	"select state from messages where id = (select max(id) from messages)" 4
check "... logged" grep -q 'no submit_sm_resp in time' "$tmp/smsgw.log"

# 11. a malformed PDU: the link is reset, smsgw still serves
control '{"malformed": true}'
sleep 0.5
send --to +12025550110 "after junk" >/dev/null
check "after a malformed PDU: still serving" wait_sql \
	"select state from messages where id = (select max(id) from messages)" 4
check "... logged" grep -Eq 'link down: a PDU length|unexpected PDU' "$tmp/smsgw.log"
check "smsgw is still running" kill -0 "$gw"

# 11-. issue 17: a deliver_sm whose source_addr holds CR LF: refused
# for good, neither taken and dropped (ESME_ROK) nor answered with a
# temporary error the SMSC would resend forever
# (printf: dash's echo, in control, would make the \r\n real)
printf '%s\n' '{"mo": {"from": "1202555\r\n0143", "to": "12025550100", "text": "crlf"}}' >&9
check "a source_addr with CR LF is refused for good: ESME_RX_P_APPN (0x65)" \
	wait_for grep -q '"cmd":"deliver_sm_resp".*"status":101' "$tmp/pdus.jsonl"
check "... said in the log" grep -q 'sender or recipient address holds control characters' "$tmp/smsgw.log"
check "... and nothing of it is mailed" sh -c \
	"! grep -rqs 'crlf' '$tmp/sink'"

# 11a. answers delayed (under SmppResponseTimeout): nothing resent
control '{"delay_ms": 800}'
before=$(grep -c '"cmd":"submit_sm"' "$tmp/pdus.jsonl")
send --to +12025550112 "slow answer" >/dev/null
check "answers delayed 0.8 s: delivered" wait_sql \
	"select state from messages where id = (select max(id) from messages)" 4
check "... sent once" test "$(($(grep -c '"cmd":"submit_sm"' "$tmp/pdus.jsonl") - before))" -eq 1
control '{"delay_ms": 0}'

# 11b. an alphanumeric sender: source TON 5, NPI 0 (smsctl send would
# send a sender name to +1 from DefaultSender: this test takes names)
echo "SenderNameDeniedPrefixes" >>"$conf"
send --from Alerts --to +12025550113 "from a name" >/dev/null
ton_npi() { node -e '
const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse)
  .filter(p => p.cmd === "submit_sm" && p.dst === process.argv[2]);
/* after the 16-octet header and the empty service_type: TON, NPI */
console.log(l.length ? l[0].hex.slice(34, 38) + " " + l[0].src : "none");
' "$tmp/pdus.jsonl" "$1"; }
wait_sql "select state from messages where id = (select max(id) from messages)" 4 >/dev/null
check "alphanumeric sender: source TON 5 NPI 0, source_addr Alerts" \
	test "$(ton_npi 12025550113)" = "0500 Alerts"

# 11c. smsctl send honours opt-outs and refuses
check "smsctl send to an opted-out number: refused" sh -c "
! '$BUILD/smsctl' -c '$conf' send --to +12025550108 'again' 2>'$tmp/out' &&
grep -q 'has opted out of texts' '$tmp/out'"

# 11d. an idle link is kept alive with enquire_link (SmppEnquireLink 5s)
check "enquire_link on an idle link" wait_for grep -q '"cmd":"enquire_link"' "$tmp/pdus.jsonl"

# 11e. NOTIFY=SUCCESS: a delivered text is reported too
send --notify success,failure --to +12025550111 "tell me when" >/dev/null
check "NOTIFY=SUCCESS: a report saying delivered reaches smtp-sink" wait_for sh -c "
grep -l 'X-Rcpt-Args: <alice@example.com>' '$tmp'/sink/* 2>/dev/null |
xargs grep -l 'Action: delivered' 2>/dev/null | xargs grep -q 'Status: 2.0.0'"

# 11f. SIGHUP: a bad configuration is refused, a good one loaded
cp "$conf" "$tmp/good.conf"
echo "SmppWindow lots" >>"$conf"
kill -HUP "$gw"
check "SIGHUP with a bad configuration: refused, still serving" wait_for sh -c \
	"grep -q 'reload: .* refused, the old configuration stays' '$tmp/smsgw.log' && kill -0 $gw"
check "... each of its problems a log record of its own, with its line" \
	grep -q 'smsgw\[[0-9]*\]: /[^ ]*smsgw.conf:[0-9]*: .*SmppWindow' "$tmp/smsgw.log"
cp "$tmp/good.conf" "$conf"
kill -HUP "$gw"
check "SIGHUP with a good one: loaded" wait_for grep -q 'reload: .* loaded' "$tmp/smsgw.log"
# a key a reload cannot change says so
sed -i 's/^SmppWindow .*/SmppWindow 7/' "$conf"
kill -HUP "$gw"
check "SIGHUP with a new SmppWindow: it says that takes effect at the next start" \
	wait_for grep -q 'reload: SmppWindow changed: that takes effect at the next start' "$tmp/smsgw.log"
cp "$tmp/good.conf" "$conf"
kill -HUP "$gw"

# 11g. texts from phones, mailed through the sink: UCS-2 with a NUL in
# the middle (what follows it is kept), and a set whose parts came in
# different alphabets, the second first (each part in its own)
# sink_has TEXT: a mail in the sink whose text has TEXT
sink_has() {
	python3 - "$tmp/sink" "$1" <<'PY'
import email, email.policy, os, sys
d, want = sys.argv[1], sys.argv[2]
for f in sorted(os.listdir(d)):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"),
                                       policy=email.policy.default)
    body = m.get_body(("plain",))
    if body is not None and want in body.get_content():
        sys.exit(0)
sys.exit(1)
PY
}
# wait_sink TEXT: until the sink has it (15 s)
wait_sink() {
	i=0
	while [ $i -lt 150 ]; do
		sink_has "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
u16() { printf '%s' "$1" | iconv -f utf-8 -t utf-16be | od -An -tx1 | tr -d ' \n'; }
control '{"mo": {"from": "12025550130", "to": "12025550100", "coding": 8, "hex": "'"$(u16 'Hi')0000$(u16 'there, after a NUL')"'"}}'
check "a UCS-2 text with a NUL is mailed with what follows the NUL" \
	wait_sink "Hithere, after a NUL"
control '{"mo": {"from": "12025550131", "to": "12025550100", "coding": 8, "esm_class": 64, "hex": "0500037c0202'"$(u16 'Привет')"'"}}'
control '{"mo": {"from": "12025550131", "to": "12025550100", "coding": 0, "esm_class": 64, "hex": "0500037c0201'"$(printf 'Mixed: ' | od -An -tx1 | tr -d ' \n')"'"}}'
check "a set of a GSM and a UCS-2 part is mailed as one text" \
	wait_sink "Mixed: Привет"

# 12. SIGTERM: unbinds and leaves
kill -TERM "$gw"
i=0
while kill -0 "$gw" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGTERM: smsgw stops, unbinds, removes its pid file" sh -c \
	"! kill -0 $gw 2>/dev/null && [ ! -e '$tmp/smsgw.pid' ] && grep -q '\"cmd\":\"unbind\"' '$tmp/pdus.jsonl'"

# 13. other ways to concatenate, and the throughput cap: a new run each
# restart KEY VALUE: smsgw again with one more setting
restart() {
	cp "$tmp/good.conf" "$conf"
	echo "$1 $2" >>"$conf"
	"$BUILD/smsgw" -f -c "$conf" 2>>"$tmp/smsgw.log" &
	gw=$!
	pids="$pids $gw"
}
stop() {
	kill -TERM "$gw"
	i=0
	while kill -0 "$gw" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
tlvs() { node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm" && p.dst === process.argv[2]);
console.log(lines.map(p => [p.esm_class, p.sm.length / 2, p.tlvs["20c"] ? "ref" : "", p.tlvs["20e"] || "", p.tlvs["20f"] || "", p.tlvs["424"] ? p.tlvs["424"].length / 2 : ""].join(" ")).join("\n"));
' "$tmp/pdus.jsonl" "$1"; }

restart SmppConcatenation sar
send --to +12025550120 "$long" >/dev/null
check "SmppConcatenation sar: two parts delivered" wait_sql \
	"select state from messages where id = (select max(id) from messages)" 4
check "... no UDH; sar_msg_ref_num, sar_total_segments 02, sar_segment_seqnum 01 and 02" \
	test "$(tlvs 12025550120)" = "$(printf '0 153 ref 02 01 \n0 47 ref 02 02 ')"
stop

restart SmppConcatenation payload
send --to +12025550121 "$long" >/dev/null
check "SmppConcatenation payload: delivered" wait_sql \
	"select state from messages where id = (select max(id) from messages)" 4
check "... one submit_sm, empty short_message, 200 septets in message_payload" \
	test "$(tlvs 12025550121)" = "0 0    200"
stop

restart SmppBind split
send --to +12025550123 "$long" >/dev/null
send --to +12025550124 "one part" >/dev/null
check "SmppBind split: delivered, receipts over the receiver link" wait_sql \
	"select count(*) from messages where state = 4 and thread_id in (select id from threads where phone in ('+12025550123', '+12025550124'))" 2
check "... bound as a transmitter and a receiver" sh -c \
	"grep -q '\"cmd\":\"bind_transmitter\"' '$tmp/pdus.jsonl' && grep -q '\"cmd\":\"bind_receiver\"' '$tmp/pdus.jsonl' && grep -q 'bound as a receiver' '$tmp/smsgw.log'"
stop

restart SmppThroughput 4
i=0
while [ $i -lt 8 ]; do
	send --to +12025550122 "paced $i" >/dev/null
	i=$((i + 1))
done
check "SmppThroughput 4: 8 texts delivered" wait_sql \
	"select count(*) from messages where text like 'paced %' and state = 4" 8
span=$(node -e '
const t = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm" && p.dst === "12025550122").map(p => p.t);
console.log(t[t.length - 1] - t[0]);' "$tmp/pdus.jsonl")
# 1 s in theory; the SMSC's clock reads arrivals a few ms apart from
# smsgw's sends (measured: 999 ms once). Without the cap: about 10 ms.
check "... spread over about 1 s (8 at 4/s, a burst of 4 allowed): ${span} ms" \
	test "$span" -ge 900
stop

# One plan: the text smsctl queued is the text smsgw sends, whatever
# smsgw's own SmartEncoding says: with SmartEncoding no, the UCS-2 it
# was queued (and billed) as, apostrophe and dash kept; with yes, the
# GSM-7 it was queued as
cp "$tmp/good.conf" "$tmp/nosmart.conf"
echo "SmartEncoding no" >>"$tmp/nosmart.conf"
restart SmartEncoding yes
"$BUILD/smsctl" -c "$tmp/nosmart.conf" send --owner alice@example.com \
	--to +12025550125 "It’s done — see you" >/dev/null
send --to +12025550126 "It’s done — see you" >/dev/null
check "SmartEncoding no and yes: both delivered" wait_sql \
	"select count(*) from messages m join threads t on t.id = m.thread_id where t.phone in ('+12025550125', '+12025550126') and m.state = 4" 2
check "... no: queued as UCS-2, 1 segment, the text kept" test \
	"$(sql "select m.encoding || ' ' || m.segments || ' ' || m.text from messages m join threads t on t.id = m.thread_id where t.phone = '+12025550125'")" = \
	"8 1 It’s done — see you"
check "... and sent as that UCS-2: data_coding 8, U+2019 and U+2014" \
	test "$(field 12025550125)" = \
	"8 0 1 12025550100 004900742019007300200064006f006e006500202014002000730065006500200079006f0075"
check "... yes: queued as GSM-7 with the smart text" test \
	"$(sql "select m.encoding || ' ' || m.text from messages m join threads t on t.id = m.thread_id where t.phone = '+12025550126'")" = \
	"0 It's done - see you"
check "... and sent as that GSM-7" test "$(field 12025550126)" = \
	"0 0 1 12025550100 4974277320646f6e65202d2073656520796f75"
stop

echo "1..$n"
[ "$failed" -eq 0 ]
