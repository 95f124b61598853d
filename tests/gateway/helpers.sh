# helpers.sh - shell helpers every gateway test uses, sourced after
# tests/tap.sh and tests/procs.sh with $top and BUILD set; most want
# $conf and $tmp (with the store at $tmp/store.db) when called.
# gw_begin makes $tmp, $pids and the cleanup that stops them by pid;
# gw_conf_head and gw_conf_http print the start of a smsgw.conf;
# sink_prepare readies smtp-sink's port and directory, gw_sink_start
# starts it there; provider_start starts tests/provider/provider.js.
# send queues a text as alice with smsctl, control writes a line to the
# peer's control FIFO (fd 9), sql asks the store, wait_sql waits for an
# answer, start_gw and stop_gw start smsgw in the foreground (its pid in
# $gw, added to $pids) and stop it with TERM, waiting up to 10 s;
# need_aiosmtpd, start_relay and relay_conf set up tests/relay/relay.py
# (aiosmtpd) as smsgw's SmtpRelay.

# gw_begin NAME: $pids (none yet) and a cleanup that stops them by pid
# (the ends of $tmp's logs after a failure: tap_logs) and removes $tmp
# unless KEEP is set; $tmp a fresh directory
# /tmp/smsmilter-NAME.XXXXXX (mode 700) holding the tag secret,
# $tmp/tag.secret (mode 600)
gw_begin() {
	pids=""
	cleanup() {
		# shellcheck disable=SC2086
		stop_pids $pids
		[ -n "${tmp:-}" ] && tap_logs "$tmp"
		[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
	}
	tmp=$(mktemp -d "/tmp/smsmilter-$1.XXXXXX")
	chmod 700 "$tmp"
	printf 'gateway-test-secret-0123456789\n' >"$tmp/tag.secret"
	chmod 600 "$tmp/tag.secret"
}
# gw_conf_head: the lines a test's smsgw.conf starts with: the SMS
# domain, the tag secret, store, pid file and wake socket in $tmp, this
# user, the default sender
gw_conf_head() {
	cat <<EOF
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/store.db
GatewayPidFile $tmp/smsgw.pid
WakeSocket $tmp/wake.sock
UserID $(id -un)
DefaultSender +12025550100
EOF
}
# gw_conf_http PORT ACCOUNT: gw_conf_head, then Transport http to the
# provider fake on 127.0.0.1:PORT as ACCOUNT, the token in $tmp/token
gw_conf_http() {
	gw_conf_head
	cat <<EOF
Transport http
HttpBaseUrl http://127.0.0.1:$1
HttpAccount $2
HttpTokenFile $tmp/token
EOF
}
# sink_prepare: $sinkport, a free port for smtp-sink, its directory
# $tmp/sink and $sink_user (-u nobody when root: smtp-sink will not
# run as root; then $tmp is opened for it)
sink_prepare() {
	sinkport=$(free_port)
	mkdir -p "$tmp/sink"
	sink_user=""
	if [ "$(id -u)" -eq 0 ]; then
		sink_user="-u nobody" # smtp-sink will not run as root
		chmod 777 "$tmp/sink"
		chmod 711 "$tmp"
	fi
}
# gw_sink_start BACKLOG: smtp-sink (after sink_prepare) on $sinkport
# with that listen backlog, each mail dumped in $tmp/sink/, its output
# in $tmp/sink.log; its pid in $sink (added to $pids, so the cleanup
# stops it). It does not wait: smsgw retries an unreachable relay.
gw_sink_start() {
	# shellcheck disable=SC2086 # $sink_user is "" or "-u nobody"
	smtp-sink $sink_user -d "$tmp/sink/%H%M%S." "127.0.0.1:$sinkport" "$1" \
		>"$tmp/sink.log" 2>&1 &
	sink=$!
	pids="$pids $sink"
}
# provider_start NAME FD ARGS...: tests/provider/provider.js with ARGS,
# its controls a FIFO $tmp/NAME.ctl open on FD, its output in
# $tmp/NAME.out; its pid in $provider (added to $pids); waits (15 s)
# until it listens; its port in $started (empty when it did not start)
provider_start() {
	pv_name=$1 pv_fd=$2
	shift 2
	rm -f "$tmp/$pv_name.ctl"
	mkfifo "$tmp/$pv_name.ctl"
	: >"$tmp/$pv_name.out"
	node "$top/tests/provider/provider.js" "$@" \
		<>"$tmp/$pv_name.ctl" >"$tmp/$pv_name.out" 2>&1 &
	provider=$!
	pids="$pids $provider"
	eval "exec $pv_fd>\"\$tmp/\$pv_name.ctl\""
	wait_for grep -q '^listening' "$tmp/$pv_name.out"
	started=$(sed -n 's/^listening //p' "$tmp/$pv_name.out")
}
send() { "$BUILD/smsctl" -c "$conf" send --owner alice@example.com --json "$@"; }
control() { echo "$1" >&9; sleep 0.2; }
sql() { sqlite3 "$tmp/store.db" "$1"; }
# inbox_sql QUERY: on smsgw's inbox (InboxFile, by default beside the store)
inbox_sql() { sqlite3 "$tmp/store-inbox.db" "$1"; }
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
