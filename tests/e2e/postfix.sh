# postfix.sh - a private Postfix on loopback, smtp-sink behind it, and
# smsmilter beside it; sourced by the end-to-end tests and the benchmark
#
# pf_init DIR PORT SINKPORT MILTER_SOCKET
#	a Postfix instance in DIR: smtpd on 127.0.0.1:PORT, relaying to
#	smtp-sink on SINKPORT, smtpd_milters and non_smtpd_milters set to
#	MILTER_SOCKET ("" for none), sms.example.com a relay domain whose
#	transport, sms:, defers what reaches it (INSTALL's safety net:
#	a pipe(8) exiting 75)
# pf_start DIR / pf_stop DIR
#	the master in the foreground (setsid), stopped by its pid
# sink_start DIR SINKPORT / sink_stop DIR
#	smtp-sink dumping each mail into DIR/sink/
# milter_conf FILE DIR SOCKET: a smsmilter.conf for these tests
# smsc_start DIR: the SMPP test SMSC (npm smpp) on a free port, its
#	controls on fd 9 (DIR/ctl), its PDUs in DIR/pdus.jsonl; sets
#	smscport
# loop_conf DIR PORT: DIR/smsmilter.conf for the whole loop: the milter
#	on DIR/milter.sock, smsgw to that SMSC, relaying by Postfix on PORT
# maildir_init DIR: the Postfix in DIR/pf delivers example.com to the
#	Maildir DIR/mail/alice/
# gw_start DIR: smsgw in the foreground on DIR/smsmilter.conf; sets
#	GW_PID
# milter_start FILE LOG / milter_stop
# free_port: a TCP port nobody listens on
#
# e2e_setup NAME [npm] [swaks]: the skips, cleanup, $tmp and ports every
#	test of this kind starts with
# Every start records a pid in $E2E_PIDS; e2e_cleanup stops them all
# (stop_pids and free_port, from tests/procs.sh, which the caller
# sources first). Each configuration has a WebhookListen port of its
# own: smsgw waits for one in use, then exits.
# Needs root (Postfix's master runs as root) and Debian's postfix.

E2E_PIDS=""
PF_SBIN=/usr/lib/postfix/sbin
# the SMS domain's transport, as INSTALL has it (master.cf)
SMS_DEFER='sms unix - n n - - pipe user=nobody argv=/bin/sh -c { echo "4.3.0 smsmilter did not take this mail for a phone: it waits in the queue"; exit 75 }'

e2e_cleanup() {
	# shellcheck disable=SC2086
	stop_pids $E2E_PIDS
	E2E_PIDS=""
}

# e2e_setup NAME [npm] [swaks]: the start every Postfix test shares,
# after tests/tap.sh is sourced. Skips unless root and Debian's postfix
# are here (and the npm smpp package, swaks, when named); makes the
# EXIT trap's cleanup stop what the e2e_* helpers started, print the
# ends of $tmp's logs after a failure (tap_logs) and remove $tmp (unless
# KEEP is set); makes $tmp (/tmp/smsmilter-NAME.XXXXXX,
# mode 755) and picks $port and $sinkport.
e2e_setup() {
	e2e_name=$1
	shift
	cleanup() {
		e2e_cleanup
		[ -n "${tmp:-}" ] && tap_logs "$tmp"
		[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
	}
	[ "$(id -u)" -eq 0 ] || skip_all "Postfix's master needs root"
	command -v postconf >/dev/null 2>&1 || skip_all "postfix is not installed"
	for e2e_need in "$@"; do
		case $e2e_need in
		npm) [ -d "$top/tests/smsc/node_modules/smpp" ] ||
			skip_all "npm smpp is missing" ;;
		swaks) command -v swaks >/dev/null 2>&1 ||
			skip_all "swaks is not installed" ;;
		esac
	done
	tmp=$(mktemp -d "/tmp/smsmilter-$e2e_name.XXXXXX")
	chmod 755 "$tmp"
	port=$(free_port)
	sinkport=$(free_port)
}

pf_init() {
	dir=$1 port=$2 sinkport=$3 milter=$4
	mkdir -p "$dir/queue" "$dir/data"
	chown postfix "$dir/data"
	: >"$dir/main.cf" # Debian's compiled-in defaults, and ours below
	cp /usr/share/postfix/master.cf.dist "$dir/master.cf"
	postconf -c "$dir" -e \
		"compatibility_level = 3.6" \
		"queue_directory = $dir/queue" \
		"data_directory = $dir/data" \
		"myhostname = mail.example.com" \
		"mydomain = example.com" \
		"inet_interfaces = 127.0.0.1" \
		"inet_protocols = ipv4" \
		"mydestination =" \
		"alias_maps =" "alias_database =" \
		"relayhost = [127.0.0.1]:$sinkport" \
		"relay_domains = sms.example.com, example.org" \
		"transport_maps = inline:{ sms.example.com=sms: }" \
		"mynetworks = 127.0.0.0/8" \
		"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
		"maillog_file = $dir/maillog" \
		"maillog_file_prefixes = $dir" \
		"smtpd_milters = $milter" \
		"non_smtpd_milters = $milter" \
		"milter_default_action = tempfail" \
		"milter_protocol = 6" \
		"smtp_destination_concurrency_limit = 50" \
		"default_destination_concurrency_limit = 50" \
		"smtpd_client_connection_count_limit = 0" \
		"smtpd_client_message_rate_limit = 0" \
		"default_process_limit = 200" \
		"queue_run_delay = 10s" "minimal_backoff_time = 10s" \
		"maximal_backoff_time = 20s" \
		"bounce_queue_lifetime = 0" \
		"message_size_limit = 52428800" \
		"in_flow_delay = 0" \
		"smtpd_banner = mail.example.com ESMTP" || return 1
	# INSTALL's safety net: what the milter did not take is deferred
	postconf -c "$dir" -M "sms/unix=$SMS_DEFER" || return 1
	postconf -c "$dir" -F '*/*/chroot = n' || return 1
	postconf -c "$dir" -M# smtp/inet || return 1
	postconf -c "$dir" -M \
		"127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd" ||
		return 1
	postfix -c "$dir" check 2>>"$dir/check.log"
}

pf_start() {
	setsid "$PF_SBIN/master" -c "$1" </dev/null >"$1/master.out" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	echo $! >"$1/master.pid.ours"
}

pf_stop() {
	[ -f "$1/master.pid.ours" ] && kill "$(cat "$1/master.pid.ours")" 2>/dev/null
}

# wait_port PORT: until something listens (5 s)
wait_port() {
	i=0
	while [ $i -lt 50 ]; do
		python3 -c "import socket,sys
s = socket.socket()
sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

sink_start() {
	mkdir -p "$1/sink"
	chown postfix "$1/sink"
	smtp-sink -u postfix -d "$1/sink/%H%M%S." "127.0.0.1:$2" 256 \
		>"$1/sink.log" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	echo $! >"$1/sink.pid"
}

milter_conf() {
	file=$1 dir=$2 sock=$3
	printf 'e2e-test-secret-0123456789abcdef\n' >"$dir/tag.secret"
	chown postfix "$dir/tag.secret"
	chmod 600 "$dir/tag.secret"
	mkdir -p "$dir/store"
	chown postfix "$dir/store"
	cat >"$file" <<EOF
Socket $sock
SmsDomains sms.example.com
TagSecretFile $dir/tag.secret
Database ${E2E_DATABASE:-$dir/store/smsmilter.db}
${E2E_DATABASE:+InboxFile $dir/store/smsmilter-inbox.db}
PidFile $dir/smsmilter.pid
WakeSocket $dir/store/smsgw.wake
UserID postfix
DefaultSender +12025550100
TrustedNetworks 127.0.0.1/32
AllowedSenders @example.com
LongMessagePolicy reject
SegmentCap 3
RecipientRateLimit 0/1h
LogLevel info
WebhookListen 127.0.0.1:$(free_port)
EOF
	chmod 600 "$file"
}

smsc_start() {
	mkfifo "$1/ctl"
	node "$top/tests/smsc/smsc.js" --port 0 --log "$1/pdus.jsonl" \
		<>"$1/ctl" >"$1/smsc.out" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	exec 9>"$1/ctl"
	wait_for grep -q '^listening' "$1/smsc.out" || return 1
	smscport=$(sed -n 's/^listening //p' "$1/smsc.out")
}

loop_conf() {
	milter_conf "$1/smsmilter.conf" "$1" "unix:$1/milter.sock"
	cat >>"$1/smsmilter.conf" <<CONF
GatewayPidFile $1/smsgw.pid
SmppServer 127.0.0.1:$smscport
SmtpRelay 127.0.0.1:$2
MailRetryInterval 2s
CONF
}

maildir_init() {
	mkdir -p "$1/mail"
	chown postfix "$1/mail"
	postconf -c "$1/pf" -e \
		"virtual_mailbox_domains = example.com" \
		"virtual_mailbox_base = $1/mail" \
		"virtual_mailbox_maps = static:alice/" \
		"virtual_uid_maps = static:$(id -u postfix)" \
		"virtual_gid_maps = static:$(id -g postfix)" \
		"virtual_minimum_uid = 1" "virtual_mailbox_limit = 0"
}

gw_start() {
	"$E2E_BUILD/smsgw" -f -c "$1/smsmilter.conf" 2>"$1/smsgw.log" &
	GW_PID=$!
	E2E_PIDS="$E2E_PIDS $GW_PID"
}

milter_start() {
	"$E2E_BUILD/smsmilter" -f -c "$1" 2>"$2" &
	E2E_PIDS="$E2E_PIDS $!"
	MILTER_PID=$!
	# ready when the store is open too ("listening on"): the socket
	# comes first, before the privilege drop
	i=0
	while ! grep -q 'listening on' "$2" 2>/dev/null && [ $i -lt 50 ]; do
		kill -0 "$MILTER_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$MILTER_PID" 2>/dev/null
}

# block FILE SECTION N: the Nth indented block of INSTALL's section
block() {
	awk -v s="$2" -v b="$3" '
		/^[0-9]+\. / { sec = $1 + 0 }
		sec == s && /^    / {
			if (!in_b) { k++; in_b = 1 }
			if (k == b) print substr($0, 5)
			next
		}
		{ in_b = 0 }' "$1"
}
