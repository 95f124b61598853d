#!/bin/sh
# test_deb_loop.sh - the Debian package, installed and set up as
# INSTALL says, in a Debian 12 root with Debian's own Postfix: a text
# out, its answer back as mail, a restart of both daemons while mail
# flows, and the units' command lines run by hand
#
# Usage: tests/e2e/test_deb_loop.sh DEB   (make check-deb builds it)
#
# The root is the one test_sendmail.sh keeps ($SENDMAIL_ROOT) with a
# layer on top that has Debian's postfix and the package's
# dependencies ($DEB_LAYER, default /var/tmp/smsmilter-deb-layer),
# made with apt the first time (the mirror, a minute) and again when
# the package's Depends change; each run mounts a copy-on-write
# overlay of both in private mount, network and pid namespaces (only
# loopback), so apt needs no network then and the root stays as it
# was. In the root, as root's shell: INSTALL 1's apt install
# ./smsmilter_*.deb, INSTALL 2's keys (each set where the file has
# it) and its secret lines, INSTALL 3's Postfix lines, INSTALL 6's
# lines without systemd (check, start, postfix reload), all read from
# INSTALL and run as written. The root's Postfix before that is a
# site's: Debian's main.cf, example.com delivered to Maildirs. The
# carrier is the npm smpp SMSC (tests/smsc) outside the root on
# 127.0.0.1:2775; mail is sent from outside to 127.0.0.1:25. Checks: a
# mail to a phone is texted; the phone's answer reaches alice's
# Maildir as mail; INSTALL 6's restart lines (both daemons) while a
# client sends mail after mail: no 4xx, every text sent, the new smsgw
# serving its webhooks and mailing answers; then, the daemons stopped,
# each unit's ExecStartPre run by hand passes and its ExecStart run by
# hand serves (a text out). Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DEB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=${SENDMAIL_ROOT:-/var/tmp/smsmilter-sendmail-root}
LAYER=${DEB_LAYER:-/var/tmp/smsmilter-deb-layer}
. "$top/tests/tap.sh"

# make_layer DEPS: postfix and DEPS installed over $ROOT, kept in
# $LAYER (an overlay's upper directory), with DEPS in $LAYER.deps
make_layer() {
	b=$LAYER.build
	rm -rf "$b"
	mkdir -p "$b/up" "$b/work" "$b/mnt"
	unshare --mount --pid --fork --kill-child sh -ec '
		b=$1 ROOT=$2 deps=$3
		m=$b/mnt
		mount -t overlay overlay \
			-o "lowerdir=$ROOT,upperdir=$b/up,workdir=$b/work" "$m"
		mount -t proc proc "$m/proc"
		cp /etc/resolv.conf "$m/etc/resolv.conf"
		printf "#!/bin/sh\nexit 101\n" >"$m/usr/sbin/policy-rc.d"
		chmod 755 "$m/usr/sbin/policy-rc.d"
		chroot "$m" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive deps="$deps" sh -ec "
			echo \"postfix postfix/main_mailer_type select No configuration\" |
				debconf-set-selections
			apt-get update -q
			apt-get install -y -q --no-install-recommends postfix
			apt-get satisfy -y -q --no-install-recommends \"\$deps\"
			apt-get clean"
		rm -f "$m/usr/sbin/policy-rc.d"
		umount "$m/proc" "$m"' sh "$b" "$ROOT" "$1" \
		>/tmp/smsmilter-deb-layer.log 2>&1 || return 1
	rm -rf "$LAYER"
	mv "$b/up" "$LAYER" && printf '%s\n' "$1" >"$LAYER.deps"
	rm -rf "$b"
}

if [ "${DEB_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (chroot, namespaces)"
	[ -f "$DEB" ] || skip_all "no package: $DEB (make deb)"
	[ -f "$ROOT/etc/mail/sendmail.mc" ] ||
		skip_all "no Debian root in $ROOT (make check-sendmail makes it)"
	command -v swaks >/dev/null 2>&1 || skip_all "swaks is not installed"
	[ -d "$top/tests/smsc/node_modules/smpp" ] || skip_all "npm smpp is missing"
	unshare --mount --net --pid --fork --mount-proc true 2>/dev/null ||
		skip_all "cannot make namespaces here"
	deps=$(dpkg-deb -f "$DEB" Depends)
	if [ ! -d "$LAYER" ] || [ "$(cat "$LAYER.deps" 2>/dev/null)" != "$deps" ]; then
		echo "# installing postfix and the package's dependencies in $LAYER"
		make_layer "$deps" ||
			skip_all "apt in the root failed (/tmp/smsmilter-deb-layer.log)"
	fi
	trap - EXIT # the inner run reports
	DEB_INSIDE=1 exec unshare --mount --net --pid --fork --mount-proc \
		--kill-child sh "$0" "$@"
fi

. "$top/tests/procs.sh"
. "$here/postfix.sh" # wait_port
pids=""
cleanup() {
	if [ -n "${r:-}" ]; then
		for f in "$r/run/smsmilter/smsgw.pid" \
			"$r/run/smsmilter/smsmilter.pid" \
			"$r/var/spool/postfix/pid/master.pid"; do
			[ -s "$f" ] && pids="$pids $(tr -d ' ' <"$f")"
		done
	fi
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	if [ -n "${tmp:-}" ]; then
		umount -l "$r/run" "$r/proc" "$r" 2>/dev/null
		[ -z "${KEEP:-}" ] && rm -rf "$tmp"
	fi
}

tmp=$(mktemp -d /tmp/smsmilter-debloop.XXXXXX)
chmod 755 "$tmp"
r=$tmp/root
mkdir -p "$r" "$tmp/up" "$tmp/work"
mount -t overlay overlay \
	-o "lowerdir=$LAYER:$ROOT,upperdir=$tmp/up,workdir=$tmp/work" "$r" ||
	{ check "an overlay on the Debian root" false; exit 1; }
mount -t proc proc "$r/proc"
mount -t tmpfs -o mode=755 tmpfs "$r/run"
ip link set lo up
printf '127.0.0.1 mail.example.com mail localhost\n' >"$r/etc/hosts"

ROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
in_root() {
	chroot "$r" /usr/bin/env -i PATH=$ROOT_PATH HOME=/root \
		DEBIAN_FRONTEND=noninteractive "$@"
}
# run NAME SCRIPT: the lines as root's shell in the root runs them, in
# /root, logged in $tmp/NAME.out
run() {
	printf '%s\n' "$2" >"$r/tmp/$1.sh"
	in_root sh -c "cd /root && timeout 300 sh -e /tmp/$1.sh" \
		</dev/null >"$tmp/$1.out" 2>&1
}
has() { printf '%s\n' "$1" | grep -q "$2"; }
# set_key LINE: LINE in the root's smsmilter.conf, where it has the key
set_key() {
	k=${1%% *}
	f=$r/etc/smsmilter/smsmilter.conf
	if grep -q "^#\{0,1\}$k " "$f"; then
		awk -v k="$k" -v l="$1" '!done && (index($0, "#" k " ") == 1 ||
			index($0, k " ") == 1) { print l; done = 1; next }
			{ print }' "$f" >"$f.new" &&
			cat "$f.new" >"$f" && rm -f "$f.new"
	else
		echo "$1" >>"$f"
	fi
}
mail() { POSIXLY_CORRECT=1 timeout 60 swaks --server 127.0.0.1:25 "$@" </dev/null; }
pdus=$tmp/pdus.jsonl
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
sent() { grep "\"dst\":\"$1\"" "$pdus" 2>/dev/null | grep -q "\"sm\":\"$2\""; }
pid_of() { tr -d ' \n' <"$r/run/smsmilter/$1.pid" 2>/dev/null; }
# gone PID: wait until it has exited (30 s)
gone() { WAIT_SECONDS=30 wait_for sh -c "! kill -0 $1 2>/dev/null"; }
maildir=$r/home/alice/Maildir/new
inbox() { grep -l "$1" "$maildir"/* 2>/dev/null | xargs grep -q "$2" 2>/dev/null; }

# a syslog for the daemons (the root's own /dev/log)
in_root busybox syslogd -n -O /var/log/syslog &
pids="$pids $!"

# 1. the package
s1=$(block "$top/INSTALL" 1 1)
check "INSTALL 1 builds the package with make deb (make check-deb ran it)" \
	has "$s1" '^make deb'
cp "$DEB" "$r/root/"
s1b=$(block "$top/INSTALL" 1 2)
check "INSTALL 1: $s1b" sh -c "[ '$s1b' = 'apt install ./smsmilter_*.deb' ]"
check "... run in the root: installed with no network (the layer has its libraries)" \
	run s1 "$s1b"
check "... smsmilter, smsgw in /usr/sbin, smsctl in /usr/bin" \
	test -x "$r/usr/sbin/smsmilter" -a -x "$r/usr/sbin/smsgw" -a -x "$r/usr/bin/smsctl"
check "... the configuration root:smsmilter 640, the tag secret smsmilter's 600" sh -c \
	"[ \"\$(chroot '$r' stat -c '%U:%G %a' /etc/smsmilter/smsmilter.conf /etc/smsmilter/tag.secret | tr '\n' ' ')\" = 'root:smsmilter 640 smsmilter:root 600 ' ]"

# 2. the keys and the SMPP secret
block "$top/INSTALL" 2 1 >"$tmp/keys"
while IFS= read -r line; do set_key "$line"; done <"$tmp/keys"
check "INSTALL 2: its $(wc -l <"$tmp/keys") keys set in smsmilter.conf" \
	grep -q '^Socket unix:/var/spool/postfix/smsmilter/smsmilter.sock$' \
	"$r/etc/smsmilter/smsmilter.conf"
check "INSTALL 2: the SMPP secret" run s2 "$(block "$top/INSTALL" 2 2)"
check "... the configuration is still root:smsmilter 640" sh -c \
	"[ \"\$(chroot '$r' stat -c '%U:%G %a' /etc/smsmilter/smsmilter.conf)\" = 'root:smsmilter 640' ]"

# the site's Postfix before INSTALL 3: Debian's main.cf, example.com
# delivered here to Maildirs, loopback only, a log file (no syslog
# there), alice a local user
cat >"$tmp/site.sh" <<'EOF'
cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
[ -f /etc/postfix/master.cf ] || cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
postconf -e "myhostname = mail.example.com" "mydomain = example.com" \
	'myorigin = $mydomain' 'mydestination = $mydomain, localhost' \
	"inet_interfaces = loopback-only" "inet_protocols = ipv4" \
	"mynetworks = 127.0.0.0/8" "alias_maps =" "alias_database =" \
	"home_mailbox = Maildir/" "maillog_file = /var/log/postfix.log"
useradd -m alice
EOF
check "the site's Postfix: Debian's main.cf, example.com to Maildirs" \
	run site "$(cat "$tmp/site.sh")"

# 3. Postfix
check "INSTALL 3: socket directory, postfix in the group, sms:, milters" \
	run s3 "$(block "$top/INSTALL" 3 1)"
check "INSTALL 3: login_senders and header_checks from /usr/share/doc/smsmilter" \
	run s3b "$(block "$top/INSTALL" 3 2)"
check "... postfix check is quiet" sh -c "[ -z \"\$(chroot '$r' /usr/sbin/postfix check 2>&1)\" ]"
in_root postfix start >"$tmp/postfix-start.out" 2>&1
check "Postfix starts in the root" wait_port 25

# the carrier, outside the root
mkfifo "$tmp/ctl"
node "$top/tests/smsc/smsc.js" --port 2775 --log "$pdus" \
	--system-id smsmilter --password k9Pw2xQ7 <>"$tmp/ctl" \
	>"$tmp/smsc.out" 2>&1 &
pids="$pids $!"
exec 9>"$tmp/ctl"
wait_for grep -q '^listening' "$tmp/smsc.out" || { check "SMSC starts" false; exit 1; }

# 6. Start, without systemd
check "INSTALL 6 shows systemctl enable" \
	has "$(block "$top/INSTALL" 6 1)" 'systemctl enable --now smsmilter smsgw'
check "INSTALL 6: run directory, config check, smsmilter, smsgw, postfix reload" \
	run s6 "$(block "$top/INSTALL" 6 2)"
uid=$(chroot "$r" id -u smsmilter)
# runs_as NAME: the daemon of that pid file runs as smsmilter's uid
runs_as() { [ "$(ps -o uid= -p "$(pid_of "$1")" | tr -d ' ')" = "$uid" ]; }
check "smsmilter runs as smsmilter" wait_for runs_as smsmilter
check "smsgw runs as smsmilter" wait_for runs_as smsgw
check "the milter's socket is in Postfix's chroot, smsmilter's, 660" sh -c \
	"[ \"\$(chroot '$r' stat -c '%U %a' /var/spool/postfix/smsmilter/smsmilter.sock)\" = 'smsmilter 660' ]"
check "smsgw binds to the SMSC with the password from the file" wait_for \
	grep -q '"cmd":"bind_transceiver".*"system_id":"smsmilter","password":"k9Pw2xQ7"' "$pdus"

# a text out through Postfix's smtpd, its answer back as mail
mail --from alice@example.com --to 12025550143@sms.example.com \
	--header "Subject: Dinner" --header "Message-Id: <deb-1@example.com>" \
	--body "7pm at Luigi's?" >"$tmp/m1.out" 2>&1
check "alice's mail to 12025550143@sms.example.com: 250" \
	grep -q '^<-  250 2.0.0 Ok: queued' "$tmp/m1.out"
check "... the phone gets \"Dinner: 7pm at Luigi's?\"" wait_for \
	sent 12025550143 "$(hex "Dinner: 7pm at Luigi's?")"
printf '{"mo": {"from": "12025550143", "to": "12025550100", "text": "%s"}}\n' \
	"Yes! See you there" >&9
check "the phone's answer reaches alice's Maildir as \"Re: Dinner [#tag]\"" \
	wait_for inbox 'Subject: Re: Dinner \[#' 'Yes! See you there'

# a restart of both daemons, INSTALL 6's lines, while a client sends
# mail after mail, each to a phone and a mailbox: no session may see a
# 4xx, at RCPT for either recipient or after
cat >"$tmp/flow.py" <<'EOF'
import os, smtplib, sys, time
stop = sys.argv[1]
ok = bad = i = 0
t_end = None
while True:
    if t_end is None and os.path.exists(stop):
        t_end = time.time() + 3  # three seconds more after the old ones left
    if t_end is not None and time.time() > t_end:
        break
    i += 1
    try:
        s = smtplib.SMTP("127.0.0.1", 25, timeout=30)
        # a phone of its own each (RecipientRateLimit is per phone)
        refused = s.sendmail("alice@example.com",
                   ["1202556%04d@sms.example.com" % i, "alice@example.com"],
                   "Subject: flow %d\r\nMessage-ID: <flow-%d@example.com>\r\n\r\nflow %d\r\n" % (i, i, i))
        s.quit()
        if refused:  # a recipient refused, the mail taken for the other
            bad += 1
            print("mail %d: %s" % (i, refused), flush=True)
        else:
            ok += 1
    except (smtplib.SMTPException, OSError) as e:
        bad += 1
        print("mail %d: %s" % (i, e), flush=True)
    time.sleep(0.05)
print("sent %d, refused %d" % (ok, bad))
EOF
python3 "$tmp/flow.py" "$tmp/flow.stop" >"$tmp/flow.out" 2>&1 &
flow=$!
pids="$pids $flow"
sleep 2
old_m=$(pid_of smsmilter) old_g=$(pid_of smsgw)
s6c=$(block "$top/INSTALL" 6 3)
check "INSTALL 6 has the restart lines for both daemons" sh -c \
	"printf '%s\n' '$s6c' | grep -q smsmilter.pid && printf '%s\n' '$s6c' | grep -q smsgw.pid"
check "INSTALL 6's restart lines, run while mail flows" run s6c "$s6c"
both_gone() { gone "$old_m" && gone "$old_g"; }
check "... the old smsmilter and smsgw leave (within 30 s)" both_gone
touch "$tmp/flow.stop"
wait "$flow"
flowed=$(sed -n 's/^sent \([0-9]*\), .*/\1/p' "$tmp/flow.out")
echo "# restart of both under Postfix: $(tail -1 "$tmp/flow.out")"
check "no SMTP session saw a 4xx during the restart ($(tail -1 "$tmp/flow.out"))" \
	sh -c "grep -q '^sent [1-9][0-9]*, refused 0\$' '$tmp/flow.out'"
texted() { [ "$(grep -c '"dst":"1202556[0-9]*"' "$pdus")" -ge "${flowed:-1}" ]; }
delivered() { [ "$(grep -l '^Subject: flow ' "$maildir"/* 2>/dev/null | wc -l)" -ge "${flowed:-1}" ]; }
slowly() { WAIT_SECONDS=60 wait_for "$@"; }
check "... each of the ${flowed:-0} mails texted (the new smsgw sends)" \
	slowly texted
check "... and delivered to alice's Maildir as well" slowly delivered
new_g=$(pid_of smsgw)
check "the new smsgw serves its webhooks on 127.0.0.1:8025" sh -c \
	"grep 'smsgw\\[$new_g\\]' '$r/var/log/syslog' | grep -q 'webhooks on 127.0.0.1:8025'"
printf '{"mo": {"from": "12025550143", "to": "12025550100", "text": "%s"}}\n' \
	"Running late" >&9
check "... and mails the phone's next answer" \
	wait_for inbox 'Subject: Re: Dinner \[#' 'Running late'

# the units' command lines by hand: the daemons stopped, each unit's
# ExecStartPre must pass and its ExecStart serve
kill "$(pid_of smsmilter)" "$(pid_of smsgw)"
wait_for sh -c "[ ! -e '$r/run/smsmilter/smsmilter.pid' ] && [ ! -e '$r/run/smsmilter/smsgw.pid' ]"
sleep 3
binds() { grep -c '"cmd":"bind_transceiver"' "$pdus"; }
for u in smsmilter smsgw; do
	unit=$r/lib/systemd/system/$u.service
	pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
	start=$(sed -n 's/^ExecStart=//p' "$unit")
	check "$u.service ExecStartPre by hand: $pre" run pre-$u "$pre"
	b0=$(binds)
	# shellcheck disable=SC2086
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		$start >"$tmp/exec-$u.out" 2>&1 &
	pids="$pids $!"
	eval "exec_$u=$!"
	case $u in
	smsmilter)
		check "$u.service ExecStart by hand: $start listens" wait_for sh -c \
			"grep -q 'listening on' '$tmp/exec-$u.out' && test -S '$r/var/spool/postfix/smsmilter/smsmilter.sock'"
		;;
	smsgw)
		check "$u.service ExecStart by hand: $start binds" wait_for sh -c \
			"[ \$(grep -c '\"cmd\":\"bind_transceiver\"' '$pdus') -gt $b0 ]"
		;;
	esac
done
mail --from alice@example.com --to 12025550144@sms.example.com \
	--header "Subject: Units" --body "by hand" >"$tmp/m3.out" 2>&1
check "... and the two text: \"Units: by hand\"" wait_for \
	sent 12025550144 "$(hex "Units: by hand")"
# shellcheck disable=SC2154
stop_pids "$exec_smsmilter" "$exec_smsgw"

echo "1..$n"
[ "$failed" -eq 0 ]
