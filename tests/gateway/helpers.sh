# helpers.sh - shell helpers every gateway test uses, sourced once BUILD,
# $conf and $tmp (with the store at $tmp/store.db) are set: send queues
# a text as alice with smsctl, control writes a line to the peer's
# control FIFO (fd 9), sql asks the store, wait_sql waits for an answer,
# start_gw and stop_gw start smsgw in the foreground (its pid in $gw,
# added to $pids) and stop it with TERM, waiting up to 10 s;
# need_aiosmtpd, start_relay and relay_conf set up tests/relay/relay.py
# (aiosmtpd) as smsgw's SmtpRelay. Needs tests/tap.sh and $top too.
send() { "$BUILD/smsctl" -c "$conf" send --owner alice@example.com --json "$@"; }
control() { echo "$1" >&9; sleep 0.2; }
sql() { sqlite3 "$tmp/store.db" "$1"; }
# wait_sql QUERY WANT [SECONDS]: until the query answers WANT (default 15 s)
wait_sql() {
	i=0
	while [ $i -lt $((${3:-15} * 10)) ]; do
		[ "$(sql "$1")" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "    # $1 -> $(sql "$1"), want $2"
	return 1
}
# start_gw [LOG]: smsgw on $conf, its log appended to LOG ($tmp/smsgw.log)
start_gw() {
	"$BUILD/smsgw" -f -c "$conf" 2>>"${1:-$tmp/smsgw.log}" &
	gw=$!
	pids="$pids $gw"
}
stop_gw() {
	kill -TERM "$gw"
	i=0
	while kill -0 "$gw" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# need_aiosmtpd: $PY, a python3 with aiosmtpd (for tests/relay/relay.py),
# or the whole test skipped
need_aiosmtpd() {
	PY=""
	for p in python3 /usr/bin/python3; do
		if "$p" -c 'import aiosmtpd' 2>/dev/null; then
			PY=$p
			break
		fi
	done
	[ -n "$PY" ] || skip_all "python3-aiosmtpd is missing (scripts/deps.sh)"
}
# start_relay WHAT NAME ARGS...: tests/relay/relay.py with ARGS, its
# mails in $tmp/NAME/, its log in $tmp/NAME.jsonl, its output in
# $tmp/NAME.out; its pid added to $pids, its port in $rport. When it
# does not listen within 10 s, the check "WHAT starts" fails, its
# output is shown and the test exits.
start_relay() {
	relay_what=$1 relay_name=$2
	shift 2
	mkdir "$tmp/$relay_name"
	"$PY" "$top/tests/relay/relay.py" "$@" --log "$tmp/$relay_name.jsonl" \
		--dir "$tmp/$relay_name" >"$tmp/$relay_name.out" 2>&1 &
	pids="$pids $!"
	WAIT_SECONDS=10 wait_for grep -q '^listening' "$tmp/$relay_name.out" ||
		{
			check "$relay_what starts" false
			cat "$tmp/$relay_name.out"
			exit 1
		}
	rport=$(sed -n 's/^listening //p' "$tmp/$relay_name.out")
}
# relay_conf FROM TO LINE...: TO (mode 600) is the configuration FROM
# without its SmtpRelay line, then the lines (FROM may be TO)
relay_conf() {
	relay_to=$2
	grep -v '^SmtpRelay ' "$1" >"$relay_to.new"
	shift 2
	for l in "$@"; do echo "$l"; done >>"$relay_to.new"
	chmod 600 "$relay_to.new"
	mv "$relay_to.new" "$relay_to"
}
