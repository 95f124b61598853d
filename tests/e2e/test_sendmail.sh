#!/bin/sh
# test_sendmail.sh - smsmilter behind real Sendmail, set up as INSTALL
# section 4 says, in a Debian 12 root
#
# Usage: tests/e2e/test_sendmail.sh [BUILD_DIR]   (make check-sendmail)
#
# Sendmail conflicts with Postfix, so it runs in a Debian 12 root made
# by debootstrap (minbase, sendmail-bin 8.17, sendmail-cf, m4, make,
# busybox-syslogd, swaks), kept in $SENDMAIL_ROOT (default
# /var/tmp/smsmilter-sendmail-root) for the next run: the first run
# takes minutes and needs the Debian mirror. Each run works on a
# copy-on-write overlay of it, in private mount, network and pid
# namespaces (only loopback; the Sendmail MTA on 127.0.0.1:25), and
# leaves the root as it was. INSTALL's section 4 block is run as
# written in the root, after contrib/ is put where the package puts
# it; the test adds only what a root with no DNS needs. smsmilter (the
# build's) runs outside the root on a unix socket the root sees as
# /run/smsmilter/smsmilter.sock. Checks: the SMS domain routes to
# smsdefer (not "unknown mailer"); a mail to a phone is accepted,
# texted (queued in the store) and its recipient removed (nothing left
# in Sendmail's queue); mixed recipients; a refusal at RCPT; mail that
# bypassed the milter deferred by smsdefer, not discarded; a restart
# of smsmilter (kill, start at once) with a Sendmail session left idle
# after RSET; with smsmilter down, F=T tempfails. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
ROOT=${SENDMAIL_ROOT:-/var/tmp/smsmilter-sendmail-root}
. "$top/tests/tap.sh"

if [ "${SENDMAIL_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (chroot, namespaces)"
	command -v unshare >/dev/null 2>&1 || skip_all "unshare is missing"
	command -v miltertest >/dev/null 2>&1 || skip_all "miltertest is missing"
	if [ ! -f "$ROOT/etc/mail/sendmail.mc" ]; then
		command -v debootstrap >/dev/null 2>&1 ||
			skip_all "debootstrap is missing (apt-get install debootstrap)"
		mirror=$(sed -n 's/^URIs: //p; s/^deb \([^ ]*\) .*/\1/p' \
			/etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
			2>/dev/null | head -1)
		echo "# making the Debian 12 root in $ROOT (minutes)"
		rm -rf "$ROOT.build" "$ROOT"
		debootstrap --variant=minbase \
			--include=sendmail-bin,sendmail-cf,m4,make,libmilter1.0.1,busybox-syslogd,swaks,netbase \
			bookworm "$ROOT.build" "${mirror:-http://deb.debian.org/debian}" \
			>"/tmp/smsmilter-debootstrap.log" 2>&1 ||
			skip_all "debootstrap failed (/tmp/smsmilter-debootstrap.log)"
		mv "$ROOT.build" "$ROOT"
	fi
	unshare --mount --net --pid --fork --mount-proc true 2>/dev/null ||
		skip_all "cannot make namespaces here"
	trap - EXIT # the inner run reports
	SENDMAIL_INSIDE=1 exec unshare --mount --net --pid --fork \
		--mount-proc --kill-child sh "$0" "$@"
fi

. "$top/tests/procs.sh"
. "$here/postfix.sh" # wait_port
pids=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	if [ -n "${tmp:-}" ]; then
		umount -l "$r/proc" "$r/run/smsmilter" "$r" 2>/dev/null
		[ -z "${KEEP:-}" ] && rm -rf "$tmp"
	fi
}

tmp=$(mktemp -d /tmp/smsmilter-sendmail.XXXXXX)
chmod 755 "$tmp"
r=$tmp/root
mkdir -p "$r" "$tmp/up" "$tmp/work" "$tmp/run"
mount -t overlay overlay \
	-o "lowerdir=$ROOT,upperdir=$tmp/up,workdir=$tmp/work" "$r" ||
	{ check "an overlay on the Debian root" false; exit 1; }
mount -t proc proc "$r/proc"
mkdir -p "$r/run/smsmilter"
mount --bind "$tmp/run" "$r/run/smsmilter"
ip link set lo up
in_root() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# what the package would have put in the root (INSTALL 1)
mkdir -p "$r/usr/share/doc/smsmilter"
cp -R "$top/contrib" "$r/usr/share/doc/smsmilter/"

# the root's own site: its name, no DNS (none here), mail from
# example.com accepted though its domain cannot be resolved
printf '127.0.0.1 mail.example.com mail localhost\n' >"$r/etc/hosts"
echo mail.example.com >"$r/etc/hostname"
cp "$r/etc/mail/service.switch-nodns" "$r/etc/mail/service.switch"
sed -i -e '/^MAILER_DEFINITIONS/i\
define(`confDOMAIN_NAME'"'"', `mail.example.com'"'"')dnl\
FEATURE(`accept_unresolvable_domains'"'"')dnl' \
	-e '/greet_pause/d' "$r/etc/mail/sendmail.mc"

# 4. Sendmail, as INSTALL has it
block "$top/INSTALL" 4 1 >"$r/install4.sh"
check "INSTALL 4: smsdefer, sendmail.mc, mailertable, relay-domains, make" \
	sh -c "chroot '$r' /bin/sh -e /install4.sh >'$tmp/install4.out' 2>&1"
check "... the smsmilter lines come before the first MAILER()" sh -c \
	"awk '/^INPUT_MAIL_FILTER/ { f = NR } /^MAILER\\(/ && !m { m = NR } END { exit !(f && f < m) }' '$r/etc/mail/sendmail.mc'"
check "... sendmail.cf has the filter and the smsdefer mailer" sh -c \
	"grep -q '^Xsmsmilter, S=unix:/run/smsmilter/smsmilter.sock' '$r/etc/mail/sendmail.cf' &&
	 grep -q '^Msmsdefer,' '$r/etc/mail/sendmail.cf'"
in_root /usr/sbin/sendmail-mta -bv 12025550143@sms.example.com \
	>"$tmp/bv.out" 2>&1
check "the SMS domain routes to smsdefer ($(head -1 "$tmp/bv.out"))" \
	grep -q 'deliverable: mailer smsdefer' "$tmp/bv.out"

# smsmilter outside the root, on the socket the root sees
printf 'sendmail-test-secret-0123456789abcdef\n' >"$tmp/tag.secret"
chmod 600 "$tmp/tag.secret"
cat >"$tmp/smsmilter.conf" <<EOF
Socket unix:$tmp/run/smsmilter.sock
SmsDomains sms.example.com
TagSecretFile $tmp/tag.secret
Database $tmp/store.db
PidFile $tmp/run/smsmilter.pid
WakeSocket $tmp/run/smsgw.wake
UserID root
DefaultSender +12025550100
TrustedNetworks 127.0.0.1/32
AllowedSenders @example.com
LogLevel info
EOF
chmod 600 "$tmp/smsmilter.conf"
milter() {
	"$BUILD/smsmilter" -f -c "$tmp/smsmilter.conf" 2>>"$tmp/milter.log" &
	mpid=$!
	pids="$pids $mpid"
	wait_for grep -q "listening on" "$tmp/milter.log"
}
check "smsmilter starts" milter

in_root busybox syslogd -n -O /var/log/mail.log &
pids="$pids $!"
sleep 0.5
in_root /usr/sbin/sendmail-mta -bD -q30m >"$tmp/sendmail.out" 2>&1 &
pids="$pids $!"
check "Sendmail listens on 127.0.0.1:25" wait_port 25

db=$tmp/store.db
stored() { [ "$(sqlite3 "$db" "$1" 2>/dev/null)" = "$2" ]; }
mail() { POSIXLY_CORRECT=1 timeout 60 swaks --server 127.0.0.1:25 \
	--helo client.example.com "$@" </dev/null; }
queue_empty() { in_root /usr/sbin/sendmail-mta -bp 2>&1 | grep -q 'queue is empty'; }

# a phone only: texted, the recipient removed, nothing left to deliver
mail --from alice@example.com --to 12025550143@sms.example.com \
	--header "Subject: Dinner" --body "Table for two at 8?" \
	>"$tmp/m1.out" 2>&1
check "a mail to a phone: 250" grep -q '^<-  250 2.0.0 .* Message accepted' "$tmp/m1.out"
check "... texted: \"Dinner: Table for two at 8?\" queued in the store" \
	wait_for stored "select t.phone || '|' || m.text from messages m join threads t on t.id = m.thread_id" \
	"+12025550143|Dinner: Table for two at 8?"
check "... keyed by Sendmail's queue id (no Message-ID from Sendmail)" sh -c \
	"grep -qE '^[0-9:.]+ smsmilter\[[0-9]+\]: [0-9A-Za-z]{14}: to=\+1\*+43 segments=1 .*status=queued' '$tmp/milter.log'"
check "... the recipient removed: nothing in Sendmail's queue" wait_for queue_empty

# mixed: a phone and a mailbox; the mailbox's copy stays
mail --from alice@example.com \
	--to 12025550144@sms.example.com,postmaster@example.net \
	--body "mixed" >"$tmp/m2.out" 2>&1
check "mixed recipients: 250" grep -q '^<-  250 2.0.0 .* Message accepted' "$tmp/m2.out"
check "... the phone texted" wait_for stored \
	"select count(*) from messages m join threads t on t.id = m.thread_id where t.phone = '+12025550144'" 1
check "... the mail kept for the mailbox only" sh -c \
	"sleep 1; in_root() { chroot '$r' /usr/bin/env -i PATH=/usr/sbin:/usr/bin \"\$@\"; }
	 q=\$(in_root /usr/sbin/sendmail-mta -bp 2>&1)
	 echo \"\$q\" | grep -q 'postmaster@example.net' && ! echo \"\$q\" | grep -q sms.example.com"

# a refusal at RCPT
mail --from alice@example.com --to 12345@sms.example.com --body "no" \
	>"$tmp/m3.out" 2>&1
check "a number that cannot be texted (a short code): 550 5.1.x at RCPT" \
	grep -q '^<\*\* 550 5\.1\.[13] <12345@sms.example.com>\.\.\. 12345 is ' "$tmp/m3.out"

# the safety net: mail for a phone that did not pass the milter (here
# sendmail(8) on the command line, which milters do not see) goes to
# smsdefer and waits in the queue, deferred, never discarded
printf 'Subject: around\n\nnot through the milter\n' |
	in_root /usr/sbin/sendmail-mta -Am -odi -f alice@example.com \
		12025550148@sms.example.com >"$tmp/around.out" 2>&1
in_root /usr/sbin/sendmail-mta -bp >"$tmp/mailq.out" 2>&1
check "a phone's mail that bypassed the milter: deferred by smsdefer, in the queue" \
	sh -c "grep -q '12025550148@sms.example.com' '$tmp/mailq.out' &&
	       grep -q 'Deferred: smsdefer mailer' '$tmp/mailq.out'"

# a restart (kill, start at once) while a Sendmail session sits idle
# after MAIL, RCPT and RSET: the old milter leaves at once, the new one
# serves
python3 - >"$tmp/idle.out" 2>&1 <<'EOF' &
import smtplib, time
s = smtplib.SMTP("127.0.0.1", 25, timeout=60)
s.ehlo("client.example.com")
s.mail("alice@example.com")
s.rcpt("12025550145@sms.example.com")
s.rset()
print("idle", flush=True)
time.sleep(40)
EOF
idle=$!
pids="$pids $idle"
wait_for grep -q idle "$tmp/idle.out"
t0=$(date +%s%N)
old=$mpid
kill -TERM "$old"
milter
i=0
while kill -0 "$old" 2>/dev/null && [ $i -lt 400 ]; do
	sleep 0.1
	i=$((i + 1))
done
took=$((($(date +%s%N) - t0) / 1000000))
check "restart with a session idle after RSET: the old smsmilter left in $took ms" \
	test "$took" -lt 6000
mail --from alice@example.com --to 12025550146@sms.example.com \
	--body "after the restart" >"$tmp/m4.out" 2>&1
check "... and the new one texts" wait_for stored \
	"select count(*) from messages where text like '%: after the restart'" 1
kill "$idle" 2>/dev/null

# smsmilter down: F=T tempfails, nothing lost
stop_pids "$mpid"
mail --from alice@example.com --to 12025550147@sms.example.com \
	--body "down" >"$tmp/m5.out" 2>&1
check "smsmilter down: 451 (F=T), the sender retries" \
	grep -q '^<\*\* 451 4.3.2 ' "$tmp/m5.out"

echo "1..$n"
[ "$failed" -eq 0 ]
