#!/bin/sh
# demo.sh - make demo: the whole loop, on loopback, with real parts
#
# A private Postfix with smsmilter, smsgw with its SQLite store, and the
# test SMSC (the npm smpp package): an email to a phone arrives at the
# SMSC as segments; the phone's answer comes back as an email in a
# Maildir, threaded; the reply to it reaches the phone; STOP opts the
# phone out and the next email to it is refused; smsctl history shows
# the thread. Then the segment calculator on three examples.
#
# Stops everything it started, by pid, even when interrupted; exits
# non-zero if any step did not happen. Needs root (Postfix's master)
# and what scripts/deps.sh installs.
#
# Usage: scripts/demo.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$top/tests/procs.sh"
. "$top/tests/e2e/postfix.sh"
. "$top/tests/tap.sh" # wait_for, and the EXIT trap that runs cleanup
cleanup() {
	e2e_cleanup
	[ -n "${tmp:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$tmp"
}
bad=0
say() { printf '\n== %s\n' "$*"; }
show() { sed 's/^/   /'; }
must() { # must WHAT CMD...: a step that has to happen
	what=$1
	shift
	if "$@"; then
		echo " ok: $what"
	else
		echo " FAILED: $what"
		bad=1
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root: the private Postfix's master needs it" >&2
	exit 1
fi
[ -d "$top/tests/smsc/node_modules/smpp" ] ||
	{ echo "demo: npm smpp is missing: run scripts/deps.sh" >&2; exit 1; }

tmp=$(mktemp -d /tmp/smsmilter-demo.XXXXXX)
chmod 755 "$tmp"
port=$(free_port)
sinkport=$(free_port)
phone=12025550143
db=$tmp/store/smsmilter.db
maildir=$tmp/mail/alice

say "Starting: an SMSC, Postfix with smsmilter, smsgw (all on 127.0.0.1)"
smsc_start "$tmp" || { echo "demo: the SMSC did not start"; exit 1; }
loop_conf "$tmp" "$port"
sed -i 's/^SegmentCap .*/SegmentCap 10/' "$tmp/smsmilter.conf"
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ echo "demo: Postfix set-up failed"; exit 1; }
maildir_init "$tmp"
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" ||
	{ echo "demo: smsmilter did not start"; cat "$tmp/milter.log"; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { echo "demo: Postfix did not listen"; exit 1; }
echo "   SMTP 127.0.0.1:$port, SMSC 127.0.0.1:$smscport, store $db"

# texts: what the SMSC was asked to send to the phone, part by part
texts() {
	python3 - "$tmp/pdus.jsonl" "$phone" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get("cmd") != "submit_sm" or p.get("dst") != sys.argv[2]:
        continue
    b = bytes.fromhex(p["sm"])
    if p["esm_class"] & 0x40:
        b = b[b[0] + 1:]
    print(b.decode("utf-16-be") if p["data_coding"] == 8 else b.decode("latin-1"))
PY
}
ntexts() { texts | wc -l; }
# newest_mail: alice's newest mail, headers that matter and the text
newest_mail() {
	python3 - "$maildir/new" <<'PY'
import email, email.policy, os, sys
d = sys.argv[1]
f = max((os.path.join(d, x) for x in os.listdir(d)), key=os.path.getmtime)
m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
for h in ("From", "Reply-To", "Subject", "In-Reply-To"):
    print(f"{h}: {m[h]}")
print()
print(m.get_body(("plain",)).get_content().strip())
PY
}
nmails() { ls "$maildir/new" 2>/dev/null | wc -l; }
mail_to_phone() { # mail_to_phone TO SUBJECT BODY [HEADER...]
	to=$1 subj=$2 body=$3
	shift 3
	set -- --header "Subject: $subj" "$@"
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" \
		--from alice@example.com --to "$to" "$@" --body "$body" \
		>"$tmp/swaks.out" 2>&1
	grep -E '^<(\*\* *[45][0-9][0-9] |-  250 .*queued)' "$tmp/swaks.out" |
		head -1 | sed 's/^<[-*]* */SMTP: /'
}

long="The plumber comes tomorrow between 9 and 11. Please leave the side gate open and the dog inside; he will need to reach the boiler in the garage. Call me if that does not work."
say "alice@example.com mails $phone@sms.example.com ($(printf %s "$long" | wc -c) characters)"
mail_to_phone "$phone@sms.example.com" "Tomorrow" "$long" \
	--header "Message-Id: <demo-1@example.com>" | show
must "the SMSC gets it as 2 GSM-7 segments" wait_for sh -c \
	"[ \$(grep -c '\"dst\":\"$phone\"' '$tmp/pdus.jsonl' 2>/dev/null) -ge 2 ]"
texts | awk '{ printf "segment %d (%d chars): %s\n", NR, length($0), $0 }' | cut -c1-110 | show

say "The phone answers: \"Thanks! Gate will be open.\""
printf '{"mo": {"from": "%s", "to": "12025550100", "text": "Thanks! Gate will be open."}}\n' $phone >&9
must "the answer arrives in alice's Maildir through Postfix" wait_for sh -c \
	"[ \$(ls '$maildir/new' 2>/dev/null | wc -l) -ge 1 ]"
[ "$(nmails)" -ge 1 ] && newest_mail | show
must "threaded under alice's mail" grep -rq '^In-Reply-To: <demo-1@example.com>' "$maildir/new"
tag=$(sqlite3 "$db" "select tag from threads where phone = '+$phone'")
mid=$(grep -rh '^Message-I[Dd]:' "$maildir/new" | head -1 | sed 's/^[^:]*: *//')

say "alice presses Reply: to $phone+$tag@sms.example.com"
mail_to_phone "$phone+$tag@sms.example.com" "Re: Tomorrow [#$tag]" \
	"Great, thank you!" --header "In-Reply-To: $mid" | show
must "the reply reaches the same phone" wait_for sh -c \
	"[ \"\$(grep -c '\"dst\":\"$phone\"' '$tmp/pdus.jsonl')\" -ge 3 ]"
texts | tail -1 | show

say "The phone texts STOP"
printf '{"mo": {"from": "%s", "to": "12025550100", "text": "STOP"}}\n' $phone >&9
must "the phone is opted out and told so" wait_for sh -c \
	"[ \"\$(grep -c '\"dst\":\"$phone\"' '$tmp/pdus.jsonl')\" -ge 4 ]"
texts | tail -1 | show
must "alice is told by mail" wait_for sh -c "grep -rq 'has opted out' '$maildir/new'"
say "alice mails the phone again"
mail_to_phone "$phone@sms.example.com" "Tomorrow" "Are you there?" | tee "$tmp/refused" | show
must "refused at RCPT with 550 5.7.1" grep -q '550 5.7.1' "$tmp/refused"

say "smsctl history --phone $phone"
"$E2E_BUILD/smsctl" -c "$tmp/smsmilter.conf" history --phone "$phone" |
	cut -c1-110 | show
must "history shows the thread's 5 texts" sh -c \
	"[ \"\$(sqlite3 '$db' \"select count(*) from messages m join threads t on t.id = m.thread_id where t.phone = '+$phone'\")\" -ge 5 ]"

say "The segment calculator"
seed="Hi John, good morning! I sent you a pre-arrival email this morning with everything you need to know about Beach Bungalow cottage. Please read that thoroughly and let me know if you have any questions! "
"$E2E_BUILD/smsctl" segments "$seed" | grep -E '^(encoding|length|segments):' | show
"$E2E_BUILD/smsctl" segments "$seed☕️" | grep -E '^(encoding|length|segments|forced)' | show
must "201 GSM-7 characters: 2 segments; with a coffee emoji: UCS-2, 4" sh -c \
	"'$E2E_BUILD/smsctl' segments '$seed' | grep -q '^segments: 2$' &&
	 '$E2E_BUILD/smsctl' segments '$seed☕️' | grep -q '^segments: 4$'"
must "invalid UTF-8 is refused with the byte offset" sh -c \
	"'$E2E_BUILD/smsctl' segments \"\$(printf 'abc\\377')\" 2>&1 | grep -q 'invalid UTF-8 at byte 3'"

echo
if [ "$bad" -ne 0 ]; then
	echo "demo: FAILED (logs: KEEP=1 keeps $tmp)"
	exit 1
fi
echo "demo: ok"
