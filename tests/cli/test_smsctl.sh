#!/bin/sh
# test_smsctl.sh - smsctl through its command line
#
# Usage: tests/cli/test_smsctl.sh PATH/TO/smsctl
# Prints TAP; appends its tally to $CHECK_TALLY when set.
set -u
SMSCTL=$1
n=0 passed=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

# t NAME EXPECTED_STATUS PATTERN -- CMD...: run CMD, check status and
# that its stdout+stderr matches the extended regular expression PATTERN
# (an empty PATTERN checks the status only)
t() {
	name=$1 want=$2 pattern=$3
	shift 4
	n=$((n + 1))
	"$@" >"$out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] &&
		{ [ -z "$pattern" ] || grep -Eq -- "$pattern" "$out"; }; then
		passed=$((passed + 1))
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name (exit $got, want $want; /$pattern/)"
		sed 's/^/    /' "$out" | head -20
	fi
}

seed="Hi John, good morning! I sent you a pre-arrival email this morning with everything you need to know about Beach Bungalow cottage. Please read that thoroughly and let me know if you have any questions! "

t "seed 000 is GSM-7, 2 segments" 0 '"encoding":"GSM-7","length":201,.*"segments":2' -- \
	"$SMSCTL" segments --json "$seed"
t "seed 000 with coffee is UCS-2, 203 units, 4 segments" 0 \
	'"encoding":"UCS-2","length":203,.*"segments":4' -- \
	"$SMSCTL" segments --json "$seed☕️"
t "ucs2_chars names the coffee and its variation selector" 0 \
	'"ucs2_chars":\["☕","️"\]' -- \
	"$SMSCTL" segments --json "$seed☕️"
t "parts holds each segment's text" 0 \
	'"parts":\["Hi John, good morning! I sent' -- \
	"$SMSCTL" segments --json "$seed"
t "smart encoding saves a segment" 0 '"smart_saved":1' -- \
	"$SMSCTL" segments --json "It’s $(printf '%096d' 0)"
t "--no-smart keeps UCS-2" 0 '"encoding":"UCS-2".*"smart_saved":0' -- \
	"$SMSCTL" segments --json --no-smart "It’s $(printf '%096d' 0)"
t "human output lists parts and forced characters" 0 \
	'forced UCS-2: U\+00E1 "á" at byte 1' -- "$SMSCTL" segments "Sá"
t "reads standard input, dropping the final newline" 0 \
	'"length":5,' -- sh -c "echo hello | '$SMSCTL' segments --json"
t "invalid UTF-8 is exit 2 naming the byte offset" 2 \
	'invalid UTF-8 at byte 3' -- \
	sh -c "printf 'abc\\377def' | '$SMSCTL' segments"
t "--replace-invalid accepts it with U+FFFD" 0 '"invalid_replaced":1' -- \
	sh -c "printf 'abc\\377def' | '$SMSCTL' segments --json --replace-invalid"
t "unknown option is exit 2" 2 'usage: smsctl segments' -- \
	"$SMSCTL" segments --bogus
t "unknown command is exit 2" 2 'unknown command "nope"' -- \
	"$SMSCTL" nope
t "no command is exit 2 with usage" 2 'usage: smsctl \[-c FILE\] COMMAND' -- "$SMSCTL"
t "help lists segments" 0 'segments' -- "$SMSCTL" --help
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
t "-V says the version of debian/changelog" 0 "^smsctl $version\$" -- \
	"$SMSCTL" -V
t "--version too" 0 "^smsctl $version\$" -- "$SMSCTL" --version

# the man page's first example, line for line
t "smsctl(1) example output" 0 \
	'^part 1 \(34 septets\): "See you at 3pm - bring the \\"usual\\""$' -- \
	"$SMSCTL" segments 'See you at 3pm – bring the “usual”'

# smsctl config
dir=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$dir"' EXIT INT TERM
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nSmppWindw 5\n' \
	"$dir" >"$dir/bad.conf"
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nSmppWindow 5\nUserID %s\n' \
	"$dir" "$(id -un)" >"$dir/good.conf"
printf '0123456789abcdef0123\n' >"$dir/tag"
chmod 600 "$dir/tag"
t "config check prints the effective configuration" 0 '^SmppWindow 5$' -- \
	"$SMSCTL" config check "$dir/good.conf"
t "config check masks secrets" 0 '^TagSecret \*\*\*\*\*\*\*\*$' -- \
	"$SMSCTL" config check "$dir/good.conf"
t "-c FILE config check" 0 '^SmsDomains sms.example.com$' -- \
	"$SMSCTL" -c "$dir/good.conf" config check
t "config check reports with file:line and a suggestion" 1 \
	'bad.conf:3: unknown key "SmppWindw" \(did you mean "SmppWindow"\?\)' -- \
	"$SMSCTL" config check "$dir/bad.conf"
chmod 644 "$dir/tag"
t "config check refuses a secret others can read" 1 \
	'readable by group or others \(mode 0644\)' -- \
	"$SMSCTL" config check "$dir/good.conf"
t "config check on a missing file" 1 'cannot open' -- \
	"$SMSCTL" config check "$dir/none.conf"
chmod 600 "$dir/tag"

# issue 19 (7): what the file cannot say alone, on this host, with the
# line of the key
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\n#\nUserID nosuchuser19\nSocket unix:/nonexistent19/dir/s.sock\nWakeSocket %s/w.sock\n' \
	"$dir" "$dir" >"$dir/host.conf"
t "config check refuses a UserID that does not exist, with its line" 1 \
	'host.conf:4: UserID: nosuchuser19: no such user' -- \
	"$SMSCTL" config check "$dir/host.conf"
t "... and a Socket directory that does not exist, with its line" 1 \
	'host.conf:5: Socket: the directory /nonexistent19/dir does not exist' -- \
	"$SMSCTL" config check "$dir/host.conf"
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nUserID nosuchuser19:nogroup\n' \
	"$dir" >"$dir/host2.conf"
t "... the default UserID's, when it does not exist, said to be the default" 1 \
	'host2.conf:3: UserID: nosuchuser19: no such user' -- \
	"$SMSCTL" config check "$dir/host2.conf"
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nPidFile /nonexistent19/p.pid\n' \
	"$dir" >"$dir/host3.conf"
t "... a PidFile directory too (and a UserID left at its default that does not exist)" 1 \
	'host3.conf:3: PidFile: the directory /nonexistent19 does not exist' -- \
	"$SMSCTL" config check "$dir/host3.conf"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	# a reload reads the file again as UserID: root's 600 cannot be
	# read then (INSTALL's first version), root:group 640 can; the
	# secret files too
	chmod 755 "$dir"
	ng=$(id -gn nobody)
	printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nUserID nobody\nSocket unix:%s/s.sock\nWakeSocket %s/w.sock\nPidFile %s/p.pid\nGatewayPidFile %s/g.pid\n' \
		"$dir" "$dir" "$dir" "$dir" "$dir" >"$dir/drop.conf"
	chmod 600 "$dir/drop.conf"
	t "config check: a configuration UserID cannot read is refused (a reload would fail)" 1 \
		'drop.conf: a reload \(SIGHUP\) would fail: the daemons read it again as UserID nobody' -- \
		"$SMSCTL" config check "$dir/drop.conf"
	t "... saying why: cannot open: Permission denied" 1 \
		'^    .*drop.conf: cannot open: Permission denied$' -- \
		"$SMSCTL" config check "$dir/drop.conf"
	chgrp "$ng" "$dir/drop.conf"
	chmod 640 "$dir/drop.conf"
	t "... readable by its group (640), the secret file root's 600: refused, naming it" 1 \
		'^    .*drop.conf:2: TagSecretFile: cannot open .*/tag: Permission denied$' -- \
		"$SMSCTL" config check "$dir/drop.conf"
	chown nobody "$dir/tag"
	t "... the secret file UserID's: passes" 0 '^UserID nobody$' -- \
		"$SMSCTL" config check "$dir/drop.conf"
	chown root "$dir/tag"
	chmod 700 "$dir"
else
	for i in 1 2 3 4; do
		n=$((n + 1)) passed=$((passed + 1))
		echo "ok $n # SKIP not root: a reload as UserID cannot be tried"
	done
fi

t "config sample has every section" 0 '^## Process$' -- \
	"$SMSCTL" config sample
t "config with no subcommand is exit 2" 2 'usage: smsctl \[-c FILE\] config' -- \
	"$SMSCTL" config

# the store commands, on a store filled through the store API
FILL=$(dirname "$SMSCTL")/tests/store_fill
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nDatabase %s/s.db\nPriceMonthlyFee 14.95\nPriceIncludedSegments 30\nPricePerSegment 0.0079\n' \
	"$dir" "$dir" >"$dir/s.conf"
chmod 600 "$dir/tag"
"$FILL" "$dir/s.db"
C="-c $dir/s.conf"
t "queue counts each state" 0 '^submitted   10$' -- "$SMSCTL" $C queue
t "queue shows the scheduled text" 0 'scheduled +1 +message 25$' -- \
	"$SMSCTL" $C queue
t "queue --json" 0 '"counts":\{"queued":14,"scheduled":1,"submitting":0,"submitted":10,"delivered":0,"failed":1' -- \
	"$SMSCTL" $C queue --json
t "history by phone" 0 '"messages":\[(\{[^]]*\},?){5}\],"next_after":26' -- \
	"$SMSCTL" $C history --phone '+44 20 7946 0958' --json
t "history by text, % literal" 0 '"text":"100% off today, message 22"' -- \
	"$SMSCTL" $C history --text '100% off' --json
sid22=$(sqlite3 "$dir/s.db" "SELECT sid FROM messages WHERE text = '100% off today, message 22'")
sqlite3 "$dir/s.db" "UPDATE messages SET external_id = 'order-5' WHERE id = 5"
t "history --json shows each text's sid" 0 "\"sid\":\"$sid22\"" -- \
	"$SMSCTL" $C history --text '100% off' --json
t "history --sid finds that text alone" 0 '^\{"messages":\[\{"id":23,[^]]*"text":"100% off today, message 22"[^]]*\}\],' -- \
	"$SMSCTL" $C history --sid "$sid22" --json
t "history --external-id" 0 '"id":5,.*"external_id":"order-5"' -- \
	"$SMSCTL" $C history --external-id order-5 --json
t "history --sid of no text: none" 0 '^\{"messages":\[\],' -- \
	"$SMSCTL" $C history --sid SM00000000000000000000000000000000 --json
t "history by state shows the reason" 0 'the number does not exist \(error 0x0000000B' -- \
	"$SMSCTL" $C history --state failed
t "history by date range" 0 '^6 +2025-11-02 00:05:00' -- \
	"$SMSCTL" $C history --since 2025-11-02T00:05 --until 2025-11-02T00:06
t "history pages" 0 '^\(more: --after 3\)$' -- "$SMSCTL" $C history --limit 3
t "history with a bad date" 2 'is not a date' -- \
	"$SMSCTL" $C history --since yesterday
t "threads" 0 'aaaaaaaaaa +20  alice@example.com' -- "$SMSCTL" $C threads
t "usage with the cost of the month" 0 '^2025-11 +20 +40 +15.03 USD  alice@example.com$' -- \
	"$SMSCTL" $C usage --cycle 2025-11
t "usage --json" 0 '"account":"bob@example.com","senders":"bob@example.com","nsenders":1,"messages":6,"segments":6,"cost":"14.95"' -- \
	"$SMSCTL" $C usage --sender bob@example.com --json
# issue 18 (11): an account (BillingAccounts) pays the monthly fee once
# for all its senders, who share the included segments: alice (40) and
# bob (6) in acme are 14.95 + 16 x 0.0079 = 15.08, not 15.03 + 14.95
cp "$dir/s.conf" "$dir/acct.conf"
echo "BillingAccounts @example.com=acme" >>"$dir/acct.conf"
chmod 600 "$dir/acct.conf"
t "usage: the fee once per account, two senders in it" 0 \
	'^2025-11 +26 +46 +15.08 USD  acme \(alice@example.com, bob@example.com\)$' -- \
	"$SMSCTL" -c "$dir/acct.conf" usage --cycle 2025-11
t "usage: one line for the account" 0 '^1$' -- \
	sh -c "'$SMSCTL' -c '$dir/acct.conf' usage --cycle 2025-11 | grep -c '^2025-11'"
t "usage --sender names the sender's whole account" 0 \
	'"account":"acme","senders":"alice@example.com, bob@example.com","nsenders":2,"messages":26,"segments":46,"cost":"15.08"' -- \
	"$SMSCTL" -c "$dir/acct.conf" usage --sender bob@example.com --json
t "usage --account" 0 '^2025-11 +26 +46 +15.08 USD  acme ' -- \
	"$SMSCTL" -c "$dir/acct.conf" usage --account acme
t "a bad BillingAccounts pair is refused" 1 'is not an account name' -- \
	sh -c "cp '$dir/s.conf' '$dir/bad-acct.conf' && echo 'BillingAccounts @example.com=a b' >>'$dir/bad-acct.conf' && '$SMSCTL' -c '$dir/bad-acct.conf' usage"
t "delete without --yes says how many and deletes none" 0 \
	'^6 texts match; add --yes to delete them' -- \
	"$SMSCTL" $C delete --phone +442079460958
t "delete by phone" 0 '^deleted 6 messages$' -- \
	"$SMSCTL" $C delete --phone +442079460958 --yes
t "delete with no filter is refused" 2 'refusing to delete everything' -- \
	"$SMSCTL" $C delete --yes
# issue 19 (9): delete is exact, bounded and counted, on a store of its
# own (texts "message 0" to "message 25", ids 1 to 26)
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nDatabase %s/del.db\nDefaultSender +12025550100\nRecipientRateLimit 0/1h\n' \
	"$dir" "$dir" >"$dir/del.conf"
"$FILL" "$dir/del.db"
D="-c $dir/del.conf"
t "delete with no filter is refused before --yes, --limit being none" 2 \
	'refusing to delete everything' -- "$SMSCTL" $D delete --limit 5
t "delete --text counts the whole text only, and deletes nothing" 0 \
	'^1 texts match; add --yes.* 26 *$' -- \
	sh -c "{ '$SMSCTL' $D delete --text 'message 1' &&
		'$SMSCTL' $D history --json | grep -o '\"id\":' | wc -l; } |
		tr '\n' ' '; echo"
t "delete --text deletes the whole text only" 0 '^deleted 1 messages$' -- \
	"$SMSCTL" $D delete --text 'message 1' --yes
t "history --text still searches substrings" 0 \
	'"messages":\[(\{[^]]*\},?){10}\]' -- \
	"$SMSCTL" $D history --text 'message 1' --json
t "delete --text-contains counts substrings" 0 '^10 texts match' -- \
	"$SMSCTL" $D delete --text-contains 'message 1'
t "delete --limit deletes that many, oldest first" 0 '^deleted 3 messages$' -- \
	"$SMSCTL" $D delete --text-contains 'message 1' --limit 3 --yes
t "... the oldest three" 0 '^"message 13"$' -- \
	sh -c "'$SMSCTL' $D history --text 'message 1' --json | grep -o '\"text\":\"[^\"]*\"' | head -1 | cut -d: -f2"
t "delete --id deletes exactly that text" 0 '^deleted 1 messages$' -- \
	"$SMSCTL" $D delete --id 5 --yes
t "delete --id twice, one already gone" 0 '^deleted 1 messages$' -- \
	"$SMSCTL" $D delete --id 5 --id 6 --yes
t "delete --id with the phone that is not its own" 0 '^0 texts match' -- \
	"$SMSCTL" $D delete --id 7 --phone +442079460958
t "delete --id must be an id" 2 '--id needs a message id' -- \
	"$SMSCTL" $D delete --id seven --yes
t "delete --json counts without --yes" 0 '^\{"matching":1\}$' -- \
	"$SMSCTL" $D delete --id 7 --json
# the history table cuts long texts between characters, not inside one
"$SMSCTL" $D send --to +12025550143 "$(printf '%046d' 0)éé and more" >/dev/null
t "history cuts a long text on a character boundary" 0 ' 0{46}\.\.\.$' -- \
	sh -c "'$SMSCTL' $D history --text 'and more' | iconv -f UTF-8 -t UTF-8"
# vacuum gives back what purge and delete freed
i=0
long=$(printf '%01000d' 0)
while [ $i -lt 100 ]; do
	"$SMSCTL" $D send --to +12025550143 "bulk $i $long" >/dev/null || break
	i=$((i + 1))
done
"$SMSCTL" $D delete --text-contains bulk --yes >/dev/null
t "vacuum says the size before and after" 0 \
	'^vacuumed the store: [0-9]+ bytes before, [0-9]+ after$' -- \
	sh -c "'$SMSCTL' $D vacuum >'$dir/vacuum' && cat '$dir/vacuum'"
t "... and the store shrank by what was deleted" 0 '^shrank$' -- \
	awk '$4 > $7 + 50000 { print "shrank" }' "$dir/vacuum"
t "vacuum takes no arguments" 2 'usage: smsctl vacuum' -- "$SMSCTL" $D vacuum now
t "purge keeps what waits" 0 '^purged 11 finished messages' -- \
	"$SMSCTL" $C purge --before 2026-01-01
t "queue after purge" 0 '^queued      9$' -- "$SMSCTL" $C queue
t "contacts add" 0 '^alice is \+12025550143$' -- \
	"$SMSCTL" $C contacts add alice '(202) 555-0143'
t "contacts add twice" 1 'a contact "Alice" exists already' -- \
	"$SMSCTL" $C contacts add Alice +12025550199
t "contacts add a bad number" 2 'North American number' -- \
	"$SMSCTL" $C contacts add carol 555-0143
t "contacts add a bad name" 2 'is not a contact name' -- \
	"$SMSCTL" $C contacts add 'bad name' +12025550199
t "groups add with members" 0 '' -- \
	"$SMSCTL" $C groups add oncall alice +16175550100
t "groups add an unknown contact" 1 'no contact "dave"' -- \
	"$SMSCTL" $C groups add oncall dave
t "groups members resolve to numbers" 0 '"numbers":\["\+12025550143","\+16175550100"\]' -- \
	"$SMSCTL" $C groups members oncall --json
t "groups list" 0 '^oncall +2$' -- "$SMSCTL" $C groups list
t "optout add and list" 0 '' -- "$SMSCTL" $C optout add 2025550143 STOP
t "optout list" 0 '^\+12025550143 .* STOP$' -- "$SMSCTL" $C optout list
t "optout rm twice" 1 'no opt-out for "\+12025550143"' -- \
	sh -c "'$SMSCTL' $C optout rm +12025550143 && '$SMSCTL' $C optout rm +12025550143"
t "contacts rm" 0 '' -- "$SMSCTL" $C contacts rm alice
t "contacts rm leaves the group" 0 '^\(1 members, 1 numbers\)$' -- \
	"$SMSCTL" $C groups members oncall
# smsctl render, on our own fixtures (no configuration: the defaults)
M=tests/mailparse
t "render a PBX voicemail with its transcription" 0 \
	'^Voicemail from \+1 202-555-0143 \(0:42\): Hi Alice, it.s John\. The plumber is coming at three, call me back\.$' -- \
	"$SMSCTL" render "$M/voicemail_transcription.eml"
t "render an Asterisk voicemail notice" 0 '^Voicemail from \+1 202-555-0143 \(0:42\)\.$' -- \
	"$SMSCTL" render "$M/voicemail_asterisk.eml"
t "render --json names, no placeholder, attachments not billed" 0 '"text":"photo: Here is the photo.","encoding":"GSM-7","length":25,"segments":1,"cost_segments":1,"subject":"photo","from":"alice@example.com"' -- \
	"$SMSCTL" render --json "$M/image_attachment.eml"
t "render reads standard input and drops the quote" 0 '^Re: dinner: Yes - bring the tickets!$' -- \
	sh -c "'$SMSCTL' render < $M/gmail_reply.eml"
t "render with a configuration's template" 0 '"text":"Yes - bring the tickets!"' -- \
	sh -c "printf 'SmsDomains sms.example.com\nTagSecretFile $dir/tag\nNewThreadTemplate {body}\n' > '$dir/r.conf' && chmod 600 '$dir/r.conf' '$dir/tag' && '$SMSCTL' -c '$dir/r.conf' render --json $M/gmail_reply.eml"
t "render keeps a disclaimer without DisclaimerLines" 0 'CONFIDENTIALITY NOTICE' -- \
	"$SMSCTL" render "$M/disclaimer.eml"
t "render cuts a configured disclaimer" 0 '"text":"db1 down: Host db1 is DOWN since 09:58.","encoding"' -- \
	sh -c "printf 'SmsDomains sms.example.com\nTagSecretFile $dir/tag\nDisclaimerLines Legal: | confidentiality notice\n' > '$dir/d.conf' && chmod 600 '$dir/d.conf' && '$SMSCTL' -c '$dir/d.conf' render --json $M/disclaimer.eml"
t "render says in words which files are left out" 0 '^left out: 2 attachments \(invoice-1042.pdf, text/csv\) were not sent: this site cannot send pictures or files yet$' -- \
	"$SMSCTL" render "$M/pdf_attachment.eml"
t "render a missing file" 1 'cannot read' -- "$SMSCTL" render "$dir/none.eml"
t "a store command with a bad config" 1 'unknown key' -- \
	"$SMSCTL" -c "$dir/bad.conf" queue

# smsctl send meets the milter's number rules, in the milter's words
# (tests/milter/rcpt_policy.lua expects the same sentences at RCPT)
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nDatabase %s/rules.db\nDefaultSender +12025550100\nAllowedCountries US, CA, GB\nDeniedAreaCodes 684\nSmartEncoding no\n' \
	"$dir" "$dir" >"$dir/rules.conf"
R="-c $dir/rules.conf"
t "send refuses a denied area code as the milter does" 1 \
	'^smsctl send: texts to 16845550100 are not allowed: numbers starting \+1684 cannot receive texts from here$' -- \
	"$SMSCTL" $R send --to 16845550100 hi
t "send refuses a country not allowed as the milter does" 1 \
	'^smsctl send: texts to \+33612345678 are not allowed: FR numbers \(\+33612345678\) are not allowed here$' -- \
	"$SMSCTL" $R send --to +33612345678 hi
t "send refuses what is no phone number as the milter does" 1 \
	'^smsctl send: 12 is not a valid phone number: ' -- \
	"$SMSCTL" $R send --to 12 hi
t "send refuses a short code, saying why" 1 \
	'^smsctl send: 32665 is a short code: it cannot be texted through this transport' -- \
	"$SMSCTL" $R send --to 32665 hi
t "send refuses a sender name, saying why" 1 \
	'^smsctl send: AMAZON is a sender name, not a phone: it cannot receive texts$' -- \
	"$SMSCTL" $R send --to AMAZON hi
t "... and none of them was queued" 0 '^\{"messages":\[\]' -- \
	"$SMSCTL" $R history --json
# SmartEncoding no: the dash stays, and the text is queued (and billed)
# as the UCS-2 it is; the runner sends what was queued (test_smpp.sh)
t "SmartEncoding no queues UCS-2 with the dash kept" 0 \
	'^queued 1: 1 segment, UCS-2, to \+12025550101 from \+12025550100$' -- \
	"$SMSCTL" $R send --to 12025550101 "It’s done — see you"
t "... as its history says" 0 '"segments":1,.*"text":"It’s done — see you"' -- \
	"$SMSCTL" $R history --json
t "--notify takes NEVER with nothing else" 2 '--notify takes never' -- \
	"$SMSCTL" $R send --notify never,success --to 12025550101 hi
t "--notify takes any case" 0 '^queued 2: ' -- \
	"$SMSCTL" $R send --notify Success,DELAY --to 12025550101 hi

# issue 21's review: a refused send takes no pool number (the lease
# taken before the opt-out check is rolled back with the refusal)
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nDatabase %s/pool.db\nDefaultSender +12025550100\nSenderPool +12025550110, +12025550111\n' \
	"$dir" "$dir" >"$dir/pool.conf"
P="-c $dir/pool.conf"
t "send from the pool to a phone opted out is refused" 1 \
	'^smsctl send: \+1 202-555-0144 has opted out of texts' -- \
	sh -c "'$SMSCTL' $P optout add 12025550144 STOP && '$SMSCTL' $P send --to 12025550144 hi"
t "... and leaves no lease of a pool number" 0 '^\{"leases":\[\]\}$' -- \
	"$SMSCTL" $P leases --all --json
t "a send that goes keeps its lease" 0 \
	'"phone":"\+12025550143","number":"\+1202555011[01]"' -- \
	sh -c "'$SMSCTL' $P send --to 12025550143 hi >/dev/null && '$SMSCTL' $P leases --json"

# issue 21: keys of the send API. apikey_auth checks a header as the
# API does (policy_apikey_auth).
AUTH=$(dirname "$SMSCTL")/tests/apikey_auth
printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nDatabase %s/keys.db\nOwnerAliases a.smith@example.com=alice@example.com\n' \
	"$dir" "$dir" >"$dir/keys.conf"
K="-c $dir/keys.conf"
"$SMSCTL" $K apikey add --owner A.Smith@Example.com --name 'deploy bot' \
	>"$dir/key1" 2>&1
token=$(tail -n 1 "$dir/key1")
hint=$(printf %s "$token" | cut -c1-12)
secret=$(printf %s "$token" | cut -c13-)
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
t "apikey add says whose key it is, owner as OwnerAliases has it" 0 \
	'^API key 1 of alice@example.com \(deploy bot\): keep the token below; it is not shown again$' -- \
	cat "$dir/key1"
t "... then the token, alone on the last line" 0 '^smk_[a-z2-7]{40}$' -- \
	tail -n 1 "$dir/key1"
t "... of two" 0 '^2$' -- sh -c "wc -l <'$dir/key1'"
t "the token acts as its owner" 0 '^alice@example.com 1$' -- \
	"$AUTH" "$dir/keys.conf" "Bearer $token"
t "... the scheme in any case" 0 '^alice@example.com 1$' -- \
	"$AUTH" "$dir/keys.conf" "bearer   $token"
t "the store keeps no token" 1 '^0$' -- \
	sh -c "cat '$dir'/keys.db* | grep -ac '$secret'"
t "... but its SHA-256" 0 '^[1-9]' -- \
	sh -c "cat '$dir'/keys.db* | grep -ac '$hash'"
"$SMSCTL" $K apikey add --owner bob@example.com --json >"$dir/key2" 2>&1
t "apikey add --json, the token in it" 0 \
	'^\{"id":2,"owner":"bob@example.com","name":"","hint":"smk_[a-z2-7]{8}","created":[0-9]+,"token":"smk_[a-z2-7]{40}"\}$' -- \
	cat "$dir/key2"
t "apikey list shows the hint, when it was last used" 0 \
	"^1 +$hint… +20[0-9-]+ [0-9:]+ +20[0-9-]+ [0-9:]+ +live +alice@example.com \\(deploy bot\\)\$" -- \
	"$SMSCTL" $K apikey list
t "... a key never used" 0 '^2 +smk_[a-z2-7]{8}… +20[0-9-]+ [0-9:]+ +never +live +bob@example.com$' -- \
	"$SMSCTL" $K apikey list
t "apikey list --json" 0 \
	"\"id\":1,\"owner\":\"alice@example.com\",\"name\":\"deploy bot\",\"hint\":\"$hint\",\"created\":[0-9]+,\"last_used\":[1-9][0-9]*,\"revoked\":false" -- \
	"$SMSCTL" $K apikey list --json
t "apikey list shows no token" 1 '^0$' -- \
	sh -c "{ '$SMSCTL' $K apikey list; '$SMSCTL' $K apikey list --json; } | grep -c '$secret'"
t "apikey list --owner, by its alias" 0 '^1$' -- \
	sh -c "'$SMSCTL' $K apikey list --owner A.Smith@example.com | grep -c '@example.com'"
t "apikey revoke of another owner's key" 1 \
	'^smsctl apikey revoke: bob@example.com has no live API key 1$' -- \
	"$SMSCTL" $K apikey revoke 1 --owner bob@example.com
t "apikey revoke" 0 '^revoked API key 1$' -- \
	"$SMSCTL" $K apikey revoke 1 --owner alice@example.com
t "a revoked key acts as nobody" 1 \
	"^550 5\\.7\\.8 the API key $hint\\.\\.\\. is not known here or was revoked\$" -- \
	"$AUTH" "$dir/keys.conf" "Bearer $token"
t "... and is listed as revoked" 0 "^1 +$hint… .* revoked +alice@example.com" -- \
	"$SMSCTL" $K apikey list
t "apikey revoke twice" 1 '^smsctl apikey revoke: no live API key 1$' -- \
	"$SMSCTL" $K apikey revoke 1
t "apikey revoke an unknown id" 1 'no live API key 99$' -- \
	"$SMSCTL" $K apikey revoke 99
t "bob's key still works" 0 '^bob@example.com 2$' -- \
	"$AUTH" "$dir/keys.conf" \
	"Bearer $(sed 's/.*"token":"\([^"]*\)".*/\1/' "$dir/key2")"
cp "$dir/keys.conf" "$dir/keys-allowed.conf"
echo "AllowedSenders @example.org" >>"$dir/keys-allowed.conf"
t "apikey add warns of an owner AllowedSenders refuses" 0 \
	'^smsctl apikey add: warning: carol@example.com is not allowed to send text messages \(AllowedSenders\): the key is made, but its texts are refused until that changes$' -- \
	"$SMSCTL" -c "$dir/keys-allowed.conf" apikey add --owner carol@example.com
t "... on standard error: the token is still the last line" 0 \
	'^smk_[a-z2-7]{40}$' -- \
	sh -c "'$SMSCTL' -c '$dir/keys-allowed.conf' apikey add --owner carol@example.com 2>/dev/null | tail -n 1"
t "apikey add without --owner" 2 '--owner ADDR is needed' -- \
	"$SMSCTL" $K apikey add --name x
t "apikey add for what is not an address" 2 \
	'"alice" is not a mail address: the owner of a key is a mailbox, as local@domain' -- \
	"$SMSCTL" $K apikey add --owner alice
t "... nor is a@b@example.com" 2 'is not a mail address' -- \
	"$SMSCTL" $K apikey add --owner a@b@example.com
t "apikey add with a name too long" 2 '--name takes 1-64 bytes' -- \
	"$SMSCTL" $K apikey add --owner bob@example.com --name "$(printf '%065d' 0)"
t "apikey revoke what is no id" 2 '"seven" is not a key id' -- \
	"$SMSCTL" $K apikey revoke seven
t "apikey alone shows its usage" 2 'usage: smsctl \[-c FILE\] apikey add' -- \
	"$SMSCTL" $K apikey
t "a request with no key is refused in words" 1 \
	'^550 5\.7\.8 no API key: send an API key as "Authorization: Bearer smk_\.\.\."' -- \
	"$AUTH" "$dir/keys.conf"
t "... and one with another scheme" 1 \
	'^550 5\.7\.8 the Authorization header is not "Bearer" and an API key' -- \
	"$AUTH" "$dir/keys.conf" "Basic Ym9iOnNlY3JldA=="
t "help lists apikey" 0 '^  apikey add --owner A' -- "$SMSCTL" --help

# run as root, the store's files stay its owner's (here nobody's)
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$dir/own"
	chown nobody "$dir/own"
	printf 'SmsDomains sms.example.com\nTagSecretFile %s/tag\nDatabase %s/own/s.db\n' \
		"$dir" "$dir" >"$dir/own.conf"
	chmod 711 "$dir" # nobody may pass through to its store
	t "as root, contacts add works in a store dir of another user" 0 '' -- \
		"$SMSCTL" -c "$dir/own.conf" contacts add ann +12025550150
	t "... and the database and its WAL are that user's" 0 '^nobody$' -- \
		sh -c "stat -c %U '$dir/own/s.db' '$dir/own/s.db-wal' | sort -u"
	t "... a text queued by root's send is still root's" 0 \
		'"owner": *"root@localhost"' -- sh -c \
		"'$SMSCTL' -c '$dir/own.conf' send --from +12025550100 --to +12025550150 hi >/dev/null &&
		 '$SMSCTL' -c '$dir/own.conf' history --json"
fi

echo "1..$n"
if [ -n "${CHECK_TALLY:-}" ]; then
	echo "$passed $failed 0" >>"$CHECK_TALLY"
fi
[ "$failed" -eq 0 ]
