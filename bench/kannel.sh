# kannel.sh - Kannel (bearerbox + smsbox) for the benchmarks, sourced
#
# One SMPP transceiver link to a test SMSC and one smsbox, on loopback
# ports of their own; smpp.sh, mo.sh and api.sh add what they need to
# smsbox (sendsms, an sms-service). Needs tests/procs.sh (stop_pids).
#
# kannel_port: a TCP port nobody listens on
#
# kannel_conf FILE DIR SMSC_PORT [SMSBOX_LINES]: writes the core, smsc
#	and smsbox groups into FILE (logs in DIR): the link to the SMSC on
#	127.0.0.1:SMSC_PORT (bind kannel/bench, at most 10 submits
#	pending), SMSBOX_LINES (newline-separated "key = value") in the
#	smsbox group; the caller appends further groups (sendsms-user,
#	sms-service). Sets $kannel_admin (the admin port, password
#	"bench") and $kannel_box (bearerbox's smsbox port). With
#	$kannel_store set to a path, bearerbox keeps its queue there
#	(store-type = file: what it has accepted outlives a crash of
#	bearerbox; it writes the file and never calls fsync); unset, the
#	queue is in memory only.
#
# kannel_sendsms_conf FILE DIR SMSC_PORT HTTP_PORT: kannel_conf with
#	smsbox's sendsms on 127.0.0.1:HTTP_PORT for the user bench,
#	password bench (at most 10 segments a text)
#
# kannel_start FILE: starts bearerbox, then smsbox once bearerbox takes
#	boxes, and waits (10 s) until bearerbox has it; their pids in
#	$kannel_pids (also when it fails: stop them with kannel_stop).
#	Returns 1 when smsbox did not come.
#
# kannel_stop: stops them, by pid.

kannel_pids=""

kannel_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

kannel_conf() {
	kannel_admin=$(kannel_port)
	kannel_box=$(kannel_port)
	cat >"$1" <<EOF
group = core
admin-port = $kannel_admin
admin-password = bench
admin-interface = 127.0.0.1
admin-allow-ip = "127.0.0.1"
smsbox-port = $kannel_box
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-level = 2
log-file = "$2/bearerbox.log"
${kannel_store:+store-type = file
store-location = "$kannel_store"}

group = smsc
smsc = smpp
smsc-id = bench
host = 127.0.0.1
port = $3
reconnect-delay = 1
transceiver-mode = true
smsc-username = kannel
smsc-password = bench
system-type = "VMA"
max-pending-submits = 10
msg-id-type = 0x01

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $kannel_box
log-level = 2
log-file = "$2/smsbox.log"
${4:-}
EOF
}

kannel_sendsms_conf() {
	kannel_conf "$1" "$2" "$3" "sendsms-port = $4
sendsms-interface = 127.0.0.1"
	cat >>"$1" <<EOF

group = sendsms-user
username = bench
password = bench
max-messages = 10
concatenation = true
EOF
}

# kannel_up PORT: something listens on 127.0.0.1:PORT
kannel_up() {
	python3 -c "import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)"
}

kannel_start() {
	kannel_pids=""
	bearerbox "$1" >/dev/null 2>&1 &
	kannel_pids="$!"
	i=0
	while ! kannel_up "$kannel_box" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	smsbox "$1" >/dev/null 2>&1 &
	kannel_pids="$kannel_pids $!"
	# smsbox is up when bearerbox has it (its admin status says so)
	i=0
	while ! curl -s "http://127.0.0.1:$kannel_admin/status.txt?password=bench" \
		2>/dev/null | grep -q 'smsbox:' && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 100 ]
}

kannel_stop() {
	# shellcheck disable=SC2086
	stop_pids $kannel_pids
	kannel_pids=""
}
