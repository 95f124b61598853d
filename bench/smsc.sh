# smsc.sh - the test SMSC (tests/smsc/smsc.js, npm smpp) for the
# benchmarks, and texts queued for smsgw to send it; sourced by smpp.sh
# and pg.sh, which set $top, $tmp and $BUILD, and write the tag secret
# at $tmp/tag.secret
#
# bench_smsc PIDS NAME [PORT]: a fresh SMSC on 127.0.0.1:PORT (by
#	default one free), logging each PDU to $tmp/NAME.jsonl, its output
#	in $tmp/NAME.out, no controls; its pid in $smsc_pid, also added to
#	the list in the variable named PIDS (the caller stops them by
#	pid); waits (10 s) until it listens; its port in $smsc (empty when
#	it did not start).
#
# bench_gw_conf FILE DATABASE ID [LINE...]: a smsgw configuration in
#	FILE (mode 600) sending to that SMSC ($smsc): window 10, no rate
#	limit, no relay to reach, LogLevel notice, the store DATABASE, its
#	pid file $tmp/smsgwID.pid and wake socket $tmp/wakeID.sock; LINEs
#	(WebhookListen ...) added after those two.
#
# bench_queue CONF N: N texts ("bench text K") queued by smsctl send
#	with CONF, 4 at a time.

# bench_smsc PIDS NAME [PORT]: start the SMSC, wait for its port
bench_smsc() {
	node "$top/tests/smsc/smsc.js" --port "${3:-0}" --log "$tmp/$2.jsonl" \
		</dev/null >"$tmp/$2.out" 2>&1 &
	smsc_pid=$!
	eval "$1=\"\$$1 \$smsc_pid\""
	i=0
	while ! grep -q '^listening' "$tmp/$2.out" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	smsc=$(sed -n 's/^listening //p' "$tmp/$2.out")
}

# bench_gw_conf FILE DATABASE ID [LINE...]: smsgw's configuration
bench_gw_conf() {
	bench_conf=$1
	{
		printf '%s\n' "SmsDomains sms.example.com" \
			"TagSecretFile $tmp/tag.secret" "Database $2" \
			"InboxFile $tmp/inbox$3.db" \
			"GatewayPidFile $tmp/smsgw$3.pid" "WakeSocket $tmp/wake$3.sock"
		shift 3
		for l in "$@"; do echo "$l"; done
		cat <<EOF
UserID $(id -un)
DefaultSender +12025550100
SmppServer 127.0.0.1:$smsc
SmppWindow 10
RecipientRateLimit 0/1h
SmtpRelay 127.0.0.1:1
LogLevel notice
EOF
	} >"$bench_conf"
	chmod 600 "$bench_conf"
}

# bench_queue CONF N: N texts queued for smsgw
bench_queue() {
	seq 1 "$2" | xargs -P 4 -I{} "$BUILD/smsctl" -c "$1" send \
		--owner bench@example.com --to +12025550500 "bench text {}" >/dev/null
}
