# helpers.sh - shell helpers every gateway test uses, sourced once BUILD,
# $conf and $tmp (with the store at $tmp/store.db) are set: send queues
# a text as alice with smsctl, control writes a line to the peer's
# control FIFO (fd 9), sql asks the store, wait_sql waits for an answer,
# start_gw and stop_gw start smsgw in the foreground (its pid in $gw,
# added to $pids) and stop it with TERM, waiting up to 10 s.
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
start_gw() {
	"$BUILD/smsgw" -f -c "$conf" 2>>"$tmp/smsgw.log" &
	gw=$!
	pids="$pids $gw"
}
stop_gw() {
	kill -TERM "$gw"
	i=0
	while kill -0 "$gw" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
