# smsc.sh - the test SMSC (tests/smsc/smsc.js, npm smpp) for the
# benchmarks, sourced by smpp.sh and pg.sh, which set $top and $tmp
#
# bench_smsc PIDS NAME [PORT]: a fresh SMSC on 127.0.0.1:PORT (by
#	default one free), logging each PDU to $tmp/NAME.jsonl, its output
#	in $tmp/NAME.out, no controls; its pid in $smsc_pid, also added to
#	the list in the variable named PIDS (the caller stops them by
#	pid); waits (10 s) until it listens; its port in $smsc (empty when
#	it did not start).

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
