#!/bin/sh
# test_guide.sh - INSTALL and the README's how-tos, as written, on
# Debian's own Postfix
#
# Usage: tests/e2e/test_guide.sh [BUILD_DIR]
#
# Runs in private mount, network and pid namespaces (unshare): /etc,
# /var, /usr and /root are copy-on-write overlays of the machine's,
# /run is empty, and only loopback exists, so the guide's commands run
# to the letter (groupadd, useradd, make install PREFIX=/usr/local,
# postconf -e, postfix, smsmilter -c /etc/smsmilter/smsmilter.conf)
# and leave the machine as it was. The code blocks are read from
# INSTALL (section 8, from source, then sections 2, 3 and 6;
# systemctl is skipped: no systemd here, test_install.sh verifies the
# units; the package's way is test_deb_loop.sh's) and from the README (the
# three how-tos), so a change to either is tested as it reads. The
# carrier is the npm smpp SMSC on 127.0.0.1:2775, the site's upstream
# relay smtp-sink on 127.0.0.1:2526. Asterisk is not in Debian 12: its
# notice is mailed through sendmail -t as app_voicemail sends it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/tap.sh"

if [ "${GUIDE_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (useradd, Postfix's master)"
	command -v unshare >/dev/null 2>&1 || skip_all "unshare is missing"
	command -v postconf >/dev/null 2>&1 || skip_all "postfix is not installed"
	command -v swaks >/dev/null 2>&1 || skip_all "swaks is not installed"
	[ -d "$top/tests/smsc/node_modules/smpp" ] || skip_all "npm smpp is missing"
	unshare --mount --net --pid --fork --mount-proc true 2>/dev/null ||
		skip_all "cannot make namespaces here"
	trap - EXIT # the inner run reports
	GUIDE_INSIDE=1 exec unshare --mount --net --pid --fork --mount-proc \
		--kill-child sh "$0" "$@"
fi

. "$top/tests/procs.sh"
. "$here/postfix.sh" # wait_port
pids=""
cleanup() {
	for f in /run/smsmilter/smsgw.pid /run/smsmilter/smsmilter.pid \
		/var/spool/postfix/pid/master.pid; do
		[ -s "$f" ] && pids="$pids $(tr -d ' ' <"$f")"
	done
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop_pids $pids
	if [ -n "${tmp:-}" ]; then
		[ -n "${KEEP:-}" ] && cp -a /var/log/postfix.log "$tmp/" 2>/dev/null
		umount /run /root /usr /var /etc 2>/dev/null
		[ -z "${KEEP:-}" ] && rm -rf "$tmp"
	fi
}

tmp=$(mktemp -d /tmp/smsmilter-guide.XXXXXX)
chmod 755 "$tmp"
for d in etc var usr root; do
	o=$tmp/overlay/$d
	mkdir -p "$o/up" "$o/work"
	mount -t overlay overlay \
		-o "lowerdir=/$d,upperdir=$o/up,workdir=$o/work" "/$d" ||
		{ check "an overlay on /$d" false; exit 1; }
done
mount -t tmpfs -o mode=755 tmpfs /run
ip link set lo up
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# howto TITLE: the README's block after the paragraph starting **TITLE
howto() { readme "**$1"; }
# readme START: the README's block after the line starting START
readme() {
	awk -v t="$1" '
		index($0, t) == 1 { want = 1; next }
		want && /^    / { print substr($0, 5); got = 1; next }
		got { exit }' "$top/README.md"
}
# run NAME SCRIPT [DIR]: run the lines as root's shell would, in DIR
# (the checkout by default), logged
run() {
	printf '%s\n' "$2" >"$tmp/$1.sh"
	(cd "${3:-$top}" && timeout 300 sh -e "$tmp/$1.sh") \
		</dev/null >"$tmp/$1.out" 2>&1
}
# mail ARGS...: one SMTP transaction with swaks, never waiting on input
mail() { POSIXLY_CORRECT=1 timeout 60 swaks --server 127.0.0.1:25 "$@" </dev/null; }
# set_key LINE: LINE in smsmilter.conf, where the sample has the key
set_key() {
	k=${1%% *}
	f=/etc/smsmilter/smsmilter.conf
	if grep -q "^#\{0,1\}$k " "$f"; then
		awk -v k="$k" -v l="$1" '!done && (index($0, "#" k " ") == 1 ||
			index($0, k " ") == 1) { print l; done = 1; next }
			{ print }' "$f" >"$f.new" &&
			cat "$f.new" >"$f" && rm -f "$f.new"
	else
		echo "$1" >>"$f"
	fi
}
pdus=$tmp/pdus.jsonl
# sent TO HEX: the SMSC got a submit_sm to TO whose septets are HEX
sent() { grep "\"dst\":\"$1\"" "$pdus" | grep -q "\"sm\":\"$2\""; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
has() { printf '%s\n' "$1" | grep -q "$2"; }

# 8. From source: build and install
s8=$(block "$top/INSTALL" 8 1)
check "INSTALL 8 has the build and install lines" \
	has "$s8" 'make install PREFIX=/usr/local'
check "INSTALL 8: deps, make, make install PREFIX=/usr/local" run s8 "$s8"
check "... smsmilter, smsgw and smsctl in /usr/local/bin" \
	test -x /usr/local/bin/smsmilter -a -x /usr/local/bin/smsgw -a \
	-x /usr/local/bin/smsctl

# 8. ...what the package's postinst would do; then 2, the keys
check "INSTALL 8: group, user, directories, the configuration, tag secret" \
	run s8b "$(block "$top/INSTALL" 8 2)"
check "... the user smsmilter in the group smsmilter" \
	sh -c '[ "$(id -gn smsmilter)" = smsmilter ]'
check "... /var/lib/smsmilter is smsmilter's, mode 770" \
	sh -c '[ "$(stat -c "%U %a" /var/lib/smsmilter)" = "smsmilter 770" ]'
check "... the configuration root:smsmilter 640, the tag secret smsmilter's 600" \
	sh -c '[ "$(stat -c "%U:%G %a" /etc/smsmilter/smsmilter.conf /etc/smsmilter/tag.secret | tr "\n" " ")" = "root:smsmilter 640 smsmilter:root 600 " ]'
keys=$(block "$top/INSTALL" 2 1)
echo "$keys" | while IFS= read -r line; do set_key "$line"; done
check "INSTALL 2: the keys are set in smsmilter.conf" \
	grep -q '^Socket unix:/var/spool/postfix/smsmilter/smsmilter.sock$' \
	/etc/smsmilter/smsmilter.conf
check "INSTALL 2: the SMPP secret" run s2c "$(block "$top/INSTALL" 2 2)"
/usr/local/bin/smsctl -c /etc/smsmilter/smsmilter.conf contacts list \
	>"$tmp/first-open.out" 2>&1
check "root's smsctl opening the store first leaves it smsmilter's" \
	sh -c '[ "$(stat -c %U /var/lib/smsmilter/smsmilter.db)" = smsmilter ]'

# README: the calculator, a configuration of one's own, the daemons in
# the foreground (a reader's directory: build/ and tests/ are the
# checkout's)
r=$tmp/reader
mkdir "$r"
ln -s "$top/build" "$r/build"
ln -s "$top/tests" "$r/tests"
check "README: the calculator's three lines" \
	run r1 "$(readme "The calculator on its own")" "$r"
check "... the first says GSM-7, 1 segment" grep -q '^encoding: GSM-7' "$tmp/r1.out"
check "README: try/, its configuration, check, a contact, history" \
	run r2 "$(readme "A configuration of your own")" "$r"
check "... alice is in try/'s store" \
	sh -c "build/smsctl -c '$r/try/my.conf' contacts list | grep -q '^alice .*+12025550143'"
readme "Then, in \`try/\`, the milter" >"$tmp/r3.lines"
check "README: three lines to run in try/" \
	sh -c "[ \$(wc -l <'$tmp/r3.lines') -eq 3 ]"
(cd "$r/try" && exec sh -c "exec $(sed -n 1p "$tmp/r3.lines")") \
	>"$tmp/r3-milter.out" 2>&1 &
fg_milter=$!
(cd "$r/try" && exec sh -c "exec $(sed -n 2p "$tmp/r3.lines")") \
	>"$tmp/r3-gw.out" 2>&1 &
fg_gw=$!
pids="$pids $fg_milter $fg_gw"
check "... smsmilter -f listens in try/" wait_for test -S "$r/try/smsmilter.sock"
check "... smsgw -f keeps running (no carrier yet)" \
	sh -c "sleep 1; kill -0 $fg_gw"
check "... smsctl send queues the text" \
	run r3 "$(sed -n 3p "$tmp/r3.lines")" "$r/try"
check "... the store has it" sh -c \
	"'$top/build/smsctl' -c '$r/try/my.conf' history --json | grep -q 'Test from smsctl'"
stop_pids $fg_milter $fg_gw

# the site's own Postfix before the guide: Debian's main.cf, loopback,
# example.com's mail relayed upstream (smtp-sink), myorigin example.com
cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
postconf -e "myhostname = mail.example.com" "mydomain = example.com" \
	'myorigin = $mydomain' "mydestination = localhost" \
	"inet_interfaces = loopback-only" "inet_protocols = ipv4" \
	"relayhost = [127.0.0.1]:2526" "mynetworks = 127.0.0.0/8" \
	"alias_maps =" "alias_database =" \
	"maillog_file = /var/log/postfix.log"
# ...that already signs with OpenDKIM (not running here) and lets mail
# through when a milter is down, and routes a domain of its own
postconf -e "smtpd_milters = inet:127.0.0.1:8891" \
	'non_smtpd_milters = $smtpd_milters' \
	"milter_default_action = accept" \
	"transport_maps = inline:{ example.net=relay:[127.0.0.1]:2526 }"
mkdir -p "$tmp/sink"
chown postfix "$tmp/sink"
smtp-sink -u postfix -d "$tmp/sink/%H%M%S." 127.0.0.1:2526 64 \
	>"$tmp/sink.log" 2>&1 &
pids="$pids $!"

# 3. Postfix
check "INSTALL 3: socket directory, postfix in the group, postconf -e" \
	run s3 "$(block "$top/INSTALL" 3 1)"
check "... postfix check is quiet" sh -c '[ -z "$(postfix check 2>&1)" ]'
check "... smtpd_milters: the site's OpenDKIM kept, smsmilter after it, tempfail" \
	sh -c '[ "$(postconf -h smtpd_milters)" = "inet:127.0.0.1:8891, { unix:/smsmilter/smsmilter.sock, default_action=tempfail }" ]'
check "... non_smtpd_milters still \$smtpd_milters, milter_default_action still accept" \
	sh -c '[ "$(postconf -h non_smtpd_milters)" = "\$smtpd_milters" ] &&
	       [ "$(postconf -h milter_default_action)" = accept ]'
check "... transport_maps: the site's kept, the SMS domain's sms: added" \
	sh -c '[ "$(postconf -h transport_maps)" = "inline:{ example.net=relay:[127.0.0.1]:2526 }, inline:{ sms.example.com=sms: }" ]'
check "... master.cf has the sms transport, a pipe exiting 75" \
	sh -c 'postconf -M sms/unix | grep -q "pipe user=nobody .*exit 75"'
run s3again "$(block "$top/INSTALL" 3 1)"
check "... run twice, the lines add nothing more" \
	sh -c '[ "$(postconf -h smtpd_milters)" = "inet:127.0.0.1:8891, { unix:/smsmilter/smsmilter.sock, default_action=tempfail }" ] &&
	       [ "$(postconf -h relay_domains)" = sms.example.com ]'
# (INSTALL 8: read /usr/local/share/doc/smsmilter for /usr/share/doc/smsmilter)
check "INSTALL 8 says where a build from source has contrib/" \
	grep -q 'reading /usr/local/share/doc/smsmilter' "$top/INSTALL"
check "INSTALL 3: login_senders, smsmilter_header_checks, postconf -e" \
	run s3b "$(block "$top/INSTALL" 3 2 |
		sed 's|/usr/share/doc/smsmilter|/usr/local/share/doc/smsmilter|g')"
check "... local_login_sender_maps and header_checks as INSTALL says" \
	sh -c 'postconf -h local_login_sender_maps | grep -q "regexp:/etc/postfix/login_senders\$" &&
	       [ "$(postconf -h header_checks)" = regexp:/etc/postfix/smsmilter_header_checks ]'
check "... postfix check is still quiet" sh -c '[ -z "$(postfix check 2>&1)" ]'
postsuper -d ALL >/dev/null 2>&1 # none of the machine's own mail
postfix start >"$tmp/postfix-start.out" 2>&1
check "Postfix starts" wait_port 25

# the carrier
mkfifo "$tmp/ctl"
node "$top/tests/smsc/smsc.js" --port 2775 --log "$pdus" \
	--system-id smsmilter --password k9Pw2xQ7 <>"$tmp/ctl" \
	>"$tmp/smsc.out" 2>&1 &
pids="$pids $!"
exec 9>"$tmp/ctl"
wait_for grep -q '^listening' "$tmp/smsc.out" || { check "SMSC starts" false; exit 1; }

# 6. Start (systemctl needs systemd: its block is not run here)
check "INSTALL 6 shows systemctl enable" \
	has "$(block "$top/INSTALL" 6 1)" 'systemctl enable --now smsmilter smsgw'
check "INSTALL 6: run directory, config check, smsmilter, smsgw, postfix reload" \
	run s6 "$(block "$top/INSTALL" 6 2)"
check "smsmilter runs as smsmilter" wait_for \
	sh -c "[ \"\$(ps -o user= -p \$(cat /run/smsmilter/smsmilter.pid) | tr -d ' ')\" = smsmilter ]"
check "smsgw runs as smsmilter" wait_for \
	sh -c "[ \"\$(ps -o user= -p \$(cat /run/smsmilter/smsgw.pid) | tr -d ' ')\" = smsmilter ]"
check "the milter's socket is in Postfix's chroot, smsmilter's, 660" \
	sh -c '[ "$(stat -c "%U %a" /var/spool/postfix/smsmilter/smsmilter.sock)" = "smsmilter 660" ]'
check "smsgw binds to the SMSC with the password from the file" wait_for \
	grep -q '"cmd":"bind_transceiver".*"system_id":"smsmilter","password":"k9Pw2xQ7"' "$pdus"

# README: texting from a mail client
h1=$(howto "Texting from a mail client")
check "README's mail-client how-to: contacts add" run h1 "$h1"
mail --from alice@example.com \
	--to mom@sms.example.com --header "Subject: Dinner" \
	--header "Message-Id: <guide-1@example.com>" \
	--body "7pm at Luigi's?" >"$tmp/swaks1.out" 2>&1
check "alice's mail to mom@sms.example.com is accepted" \
	grep -q '^<-  250 2.0.0 Ok: queued' "$tmp/swaks1.out"
check "mom's phone gets \"Dinner: 7pm at Luigi's?\"" wait_for \
	sent 12025550143 "$(hex "Dinner: 7pm at Luigi's?")"
printf '{"mo": {"from": "12025550143", "to": "12025550100", "text": "%s"}}\n' \
	"Yes! See you there" >&9
check "her answer reaches alice's relay as \"Re: Dinner [#tag]\"" wait_for \
	sh -c "grep -l 'Subject: Re: Dinner \[#' '$tmp'/sink/* 2>/dev/null | xargs grep -q 'Yes! See you there'"
reply=$(grep -h '^Reply-To:' "$tmp"/sink/* 2>/dev/null | head -1 |
	sed 's/.*<\([^>]*\)>.*/\1/')
check "... with a Reply-To of her thread" \
	sh -c "echo '$reply' | grep -q '^12025550143+[a-z0-9]*@sms.example.com$'"
mail --from alice@example.com --to "${reply:-none@sms.example.com}" \
	--header "Subject: Re: Dinner" \
	--header "In-Reply-To: <guide-1@example.com>" \
	--body "Great, booked" >"$tmp/swaks2.out" 2>&1
check "alice's Reply texts her again" wait_for \
	sent 12025550143 "$(hex "Great, booked")"

# README: voicemail to text (Asterisk's notice, through sendmail -t)
check "README's voicemail how-to names the snippet's mailcmd" \
	has "$(howto "Voicemail to text")" 'mailcmd=/usr/sbin/sendmail -t'
check "the installed snippet has that mailcmd" \
	grep -q '^mailcmd=/usr/sbin/sendmail -t$' \
	/usr/local/share/doc/smsmilter/contrib/asterisk/voicemail.conf.snippet
# app_voicemail's default notice, as the snippet leaves it
cat >"$tmp/vm.txt" <<'MAIL'
From: PBX voicemail <pbx@example.com>
To: 12025550143@sms.example.com
Subject: [PBX]: New message 1 in mailbox 1001

Dear Alice:

	just wanted to let you know you were just left a 0:42 long message (number 1)
in mailbox 1001 from "John Doe" <2025550199>, on Wednesday, November 25, 2026 at 10:02:11 AM, so you might
want to check it when you get a chance.  Thanks!

				--Asterisk
MAIL
timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	/usr/sbin/sendmail -t <"$tmp/vm.txt" >"$tmp/vm.out" 2>&1
check "the voicemail texts \"Voicemail from +1 202-555-0199 (0:42).\"" \
	wait_for sent 12025550143 "$(hex "Voicemail from +1 202-555-0199 (0:42).")"

# README: alerts to a group
h3=$(howto "Alerts to a group")
check "README's alert how-to: contacts, group, alert-to-group.sh" \
	run h3 "$h3"
check "... alice's phone gets the alert" wait_for \
	sent 12025550143 "$(hex "CRITICAL db1/disk: /var is 97% full")"
check "... and bob's" wait_for \
	sent 12025550144 "$(hex "CRITICAL db1/disk: /var is 97% full")"
check "smsctl history shows the thread's texts" \
	sh -c "/usr/local/bin/smsctl history --phone 12025550143 | grep -c '+12025550143' | grep -qx 5"

# issue 17: a local user cannot text as another (INSTALL's
# local_login_sender_maps), and may as itself
any_sent() { grep -q "\"dst\":\"$1\"" "$pdus"; }
printf 'Subject: forged\n\nnobody as alice\n' >"$tmp/forge.txt"
timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	/usr/sbin/sendmail -f alice@example.com 12025550160@sms.example.com \
	<"$tmp/forge.txt" >"$tmp/forge.out" 2>&1
forge_status=$?
check "nobody's sendmail -f alice@example.com is refused by Postfix (exit $forge_status)" \
	test "$forge_status" -ne 0
check "... saying why: $(head -c 120 "$tmp/forge.out")" \
	grep -q 'not authorized to use sender' "$tmp/forge.out"
printf 'Subject: mine\n\nnobody as nobody\n' >"$tmp/own.txt"
timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	/usr/sbin/sendmail -f nobody@example.com 12025550161@sms.example.com \
	<"$tmp/own.txt" >"$tmp/own.out" 2>&1
check "... nobody as nobody@example.com is texted" wait_for \
	sent 12025550161 "$(hex "mine: nobody as nobody")"
check "... and alice's name was never texted" sh -c "! grep -q '\"dst\":\"12025550160\"' '$pdus'"

# issue 17: Authentication-Results a client forges with the site's
# authserv-id, in fourteen forms, from outside TrustedNetworks: with
# INSTALL's header_checks none is texted, and each mail is refused
set_key "AuthservId mail.example.com"
set_key "DmarcDomains partner.example"
set_key "AllowedSenders @example.com, @partner.example"
kill -HUP "$(cat /run/smsmilter/smsmilter.pid)"
check "config check warns that AuthservId needs header_checks" sh -c \
	"/usr/local/bin/smsctl -c /etc/smsmilter/smsmilter.conf config check 2>&1 >/dev/null | grep -q 'warning: AuthservId mail.example.com: Postfix must drop'"
cat >"$tmp/forge.py" <<'PY'
import smtplib, sys
forms = [
    "Authentication-Results: mail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results: MAIL.EXAMPLE.COM; dmarc=pass header.from=partner.example",
    "Authentication-Results:   mail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results:\tmail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results:\r\n\tmail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results: mail.example.com 1; dmarc=pass header.from=partner.example",
    "Authentication-Results: (verified) mail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results: mail.example.com.; dmarc=pass header.from=partner.example",
    "authentication-results: mail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results: mail.example.com (ours); dmarc=pass header.from=partner.example",
    "Authentication-Results: mail.example.com;dmarc=pass header.from=partner.example",
    "Authentication-Results: mail.example.com;\r\n\tdmarc=pass header.from=partner.example",
    "Authentication-Results: ((a)) mail.example.com; dmarc=pass header.from=partner.example",
    "Authentication-Results: (a\\)) mail.example.com; dmarc=pass header.from=partner.example",
]
which = [int(a) for a in sys.argv[1:]] or range(len(forms))
for i in which:
    msg = (forms[i] + "\r\nFrom: pat@partner.example\r\nTo: x@sms.example.com\r\n"
           "Subject: forged %d\r\nMessage-ID: <forge-%d@partner.example>\r\n\r\n"
           "form %d\r\n" % (i, i, i))
    s = smtplib.SMTP("127.0.0.1", 25, source_address=("127.0.0.2", 0), timeout=30)
    try:
        s.sendmail("pat@partner.example", ["120255501%02d@sms.example.com" % (70 + i)], msg)
        print("form %d: 250" % i)
    except smtplib.SMTPException as e:
        print("form %d: %s" % (i, getattr(e, "smtp_code", e)))
    s.quit()
PY
timeout 120 python3 "$tmp/forge.py" >"$tmp/forge-ar.out" 2>&1
check "14 forged Authentication-Results forms: all 14 refused with 550 at end of data" \
	sh -c "[ \$(grep -c ': 550\$' '$tmp/forge-ar.out') -eq 14 ]"
sleep 1
forged=0
i=70
while [ $i -le 83 ]; do
	any_sent "120255501$i" && forged=$((forged + 1))
	i=$((i + 1))
done
check "... and 0 of 14 texted (got $forged)" test "$forged" -eq 0
# the same first form without INSTALL's header_checks is texted: what
# stops the forgery is the Postfix line INSTALL gives
postconf -X header_checks
postfix reload >/dev/null 2>&1
sleep 1
timeout 60 python3 "$tmp/forge.py" 0 >"$tmp/forge-open.out" 2>&1
check "without header_checks the forged form is texted (the control)" \
	wait_for any_sent 12025550170
postconf -e 'header_checks = regexp:/etc/postfix/smsmilter_header_checks'
postfix reload >/dev/null 2>&1

echo "1..$n"
[ "$failed" -eq 0 ]
