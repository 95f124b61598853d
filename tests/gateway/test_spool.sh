#!/bin/sh
# test_spool.sh - texts from phones over SMPP: kept in smsgw's inbox,
# answered, then mailed by its inbox thread; a restart mails what the
# inbox holds, none twice
#
# Usage: tests/gateway/test_spool.sh BUILD_DIR
# The npm smpp SMSC sends texts from phones; smsgw (InboxFile by default:
# store-inbox.db, the store's name with -inbox) mails them to smtp-sink.
# Then, smsgw stopped, the inbox is given four texts as a crash would leave them
# (answered, not removed) and the store a record that the first two were
# mailed already (their mail committed, the crash before their removal):
# at the next start only the other two are mailed. A new inbox file (a
# new name) starts from its beginning. A second smsgw on the same
# InboxFile is refused (after 20 s: it waits that long for a
# predecessor still stopping). A text the store refuses (its thread's
# owner an address no mail can carry) is set aside after 30 s, the
# others go on, and it is mailed at the next start once mendable. Stops what it started, by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
command -v smtp-sink >/dev/null 2>&1 || skip_all "smtp-sink (postfix) is missing"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is missing"

echo "NumberOwners +12025550100=alice@example.com" >>"$conf"
inbox=$tmp/store-inbox.db
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
mo() {
	control '{"mo": {"from": "'"$1"'", "to": "12025550100", "hex": "'"$(hex "$2")"'"}}'
}
# mails TEXT: how many mails at smtp-sink hold TEXT
mails() { grep -l -- "$1" "$tmp/sink/"* 2>/dev/null | wc -l; }
has_mails() { [ "$(mails "$1")" -eq "$2" ]; }
# wait_long CMD...: wait_for with 60 s
wait_long() {
	_w=${WAIT_SECONDS:-15}
	WAIT_SECONDS=60
	wait_for "$@"
	_r=$?
	WAIT_SECONDS=$_w
	return $_r
}
bound() {
	b=$(grep -c '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl" 2>/dev/null)
	[ "${b:-0}" -ge "$1" ]
}

gw_sink_start 16
start_gw
check "smsgw binds to the SMSC" wait_for bound 1
mo 12025550161 "spool one"
mo 12025550162 "spool two"
check "two texts from phones: two mails" wait_for has_mails "spool " 2
check "... each answered ESME_ROK" sh -c \
	"[ \$(grep '\"cmd\":\"deliver_sm_resp\"' '$tmp/pdus.jsonl' | grep -c '\"status\":0') -eq 2 ]"
iname=$(sqlite3 "$inbox" "select name from inbox_name")
check "the inbox file has a name of its own (32 hex digits)" \
	sh -c "echo '$iname' | grep -Eq '^[0-9a-f]{32}\$'"
check "... emptied once they are mailed" \
	wait_for sh -c "[ \"\$(sqlite3 '$inbox' 'select count(*) from inbox')\" = 0 ]"
check "... the store records how far it was mailed (its second text)" \
	wait_sql "select last from inbox_done where inbox = '$iname'" 2
check "the inbox is mode 0600" sh -c "[ \"\$(stat -c %a '$inbox')\" = 600 ]"

# a second gateway on the same inbox
sed -e "s|^GatewayPidFile .*|GatewayPidFile $tmp/two.pid|" \
	-e "s|^WakeSocket .*|WakeSocket $tmp/two.wake|" \
	-e "s|^WebhookListen .*|WebhookListen 127.0.0.1:$(free_port)|" \
	"$conf" >"$tmp/two.conf"
chmod 600 "$tmp/two.conf"
"$BUILD/smsgw" -f -c "$tmp/two.conf" 2>"$tmp/two.log" &
two=$!
pids="$pids $two"
sleep 5
check "a second smsgw on the same InboxFile waits (for a predecessor stopping)" \
	kill -0 "$two"
i=0 # 20 s in all
while kill -0 "$two" 2>/dev/null && [ $i -lt 250 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "... then is refused" sh -c "! kill -0 $two 2>/dev/null"
check "... saying why" grep -q 'another smsgw uses it' "$tmp/two.log"
check "... having bound to nothing (one bind, the first gateway's)" \
	[ "$(grep -c '"cmd":"bind_transceiver"' "$tmp/pdus.jsonl")" -eq 1 ]
stop_gw

# as a crash leaves it: four texts answered; the first two mailed, the
# crash before their removal
now=$(date +%s)
for k in 1 2 3 4; do
	sqlite3 "$inbox" "insert into inbox (at, src, dst, data_coding, esm_class, ud)
		values ($now, '1202555017$k', '12025550100', 0, 0,
		cast('spool row $k' as blob))"
done
second=$(sqlite3 "$inbox" "select id from inbox where ud = cast('spool row 2' as blob)")
fourth=$(sqlite3 "$inbox" "select id from inbox where ud = cast('spool row 4' as blob)")
sql "update inbox_done set last = $second where inbox = '$iname'"
check "smsctl queue counts the texts the inbox holds" sh -c \
	"'$BUILD/smsctl' -c '$conf' queue | grep -q '^inbox  *4 texts from phones answered, not yet mailed'"
check "... and when the oldest came" sh -c \
	"'$BUILD/smsctl' -c '$conf' queue | grep -q '^oldest in  *[0-9-]* [0-9:]* UTC'"
check "... in its counts with --json" sh -c \
	"'$BUILD/smsctl' -c '$conf' queue --json | grep -q '\"inbox\": *4'"
start_gw
check "after a restart the texts the inbox holds are mailed" \
	wait_for has_mails "spool row [34]" 2
sleep 1
check "... not those the store says were mailed" has_mails "spool row [12]" 0
check "... each once" sh -c "[ \$(grep -l 'spool row 3' '$tmp/sink/'* | wc -l) -eq 1 ] && [ \$(grep -l 'spool row 4' '$tmp/sink/'* | wc -l) -eq 1 ]"
check "... and the inbox is empty" \
	wait_for sh -c "[ \"\$(sqlite3 '$inbox' 'select count(*) from inbox')\" = 0 ]"
check "... the record at its fourth" \
	wait_sql "select last from inbox_done where inbox = '$iname'" "$fourth"
check "... smsctl queue: none in the inbox" sh -c \
	"'$BUILD/smsctl' -c '$conf' queue | grep -q '^inbox  *0 texts'"
stop_gw

# a new inbox file: a new name, from its beginning
rm -f "$inbox" "$inbox-wal" "$inbox-shm"
start_gw
check "smsgw binds again with a new inbox" wait_for bound 3
mo 12025550165 "spool fresh"
check "a text through the new inbox: mailed" wait_for has_mails "spool fresh" 1
fresh=$(sqlite3 "$inbox" "select name from inbox_name")
check "... which has another name" sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$fresh" "$iname"
check "... recorded apart from the old one's" \
	wait_sql "select count(*) from inbox_done" 2
# a text the store refuses again and again (its thread's owner is an
# address no mail can carry): set aside after 5 tries, the others go on
stop_gw
sql "update threads set owner = 'bad' || char(10) || 'owner@example.com' where phone = '+12025550161'"
start_gw
check "smsgw binds again" wait_for bound 4
mo 12025550161 "spool poison"
mo 12025550162 "spool after poison"
check "a text after one the store refuses is mailed (after 30 s)" \
	wait_long sh -c "grep -qs 'spool after poison' '$tmp/sink/'*"
check "... the refused one set aside, said in the log" \
	grep -q 'set aside in the inbox' "$tmp/smsgw.log"
check "... held in the inbox, not mailed" sh -c \
	"[ \"\$(sqlite3 '$inbox' 'select count(*) from inbox_held')\" = 1 ] && ! grep -qs 'spool poison' '$tmp/sink/'*"
check "... smsctl queue counts it" sh -c \
	"'$BUILD/smsctl' -c '$conf' queue | grep -q '^held  *1 texts'"
stop_gw
sql "update threads set owner = 'alice@example.com' where phone = '+12025550161'"
start_gw
check "at the next start it is tried again: mailed" \
	wait_for sh -c "grep -qs 'spool poison' '$tmp/sink/'*"
check "... once, and nothing is held" sh -c \
	"[ \$(grep -l 'spool poison' '$tmp/sink/'* | wc -l) -eq 1 ] && [ \"\$(sqlite3 '$inbox' 'select count(*) from inbox_held')\" = 0 ]"
check "every deliver_sm answered ESME_ROK" sh -c \
	"! grep '\"cmd\":\"deliver_sm_resp\"' '$tmp/pdus.jsonl' | grep -vq '\"status\":0'"
stop_gw
check "smsgw stops on SIGTERM, with no sanitizer report in its log" \
	sh -c "! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer' '$tmp/smsgw.log'"
echo "1..$n"
