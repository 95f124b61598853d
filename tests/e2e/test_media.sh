#!/bin/sh
# test_media.sh - a mail with a photo and a PDF to a phone: the text
# carries a link to each, the links serve the files
#
# Usage: tests/e2e/test_media.sh BUILD_DIR [smpp|http]
# A private Postfix with smsmilter, smsgw with the SMPP test SMSC (npm
# smpp) and ApiListen serving MediaBaseUrl on loopback. alice mails a
# phone a PNG and a PDF; the SMSC gets one text whose parts, put
# together, end with two links; fetching each gives the exact bytes
# with the right type; the store and smsctl history bill the segments
# the characters (links included) take; the same mail again is one
# text; a mail over MediaMaxFiles is refused at the SMTP reply. With
# http, through the Twilio-style provider (tests/provider/provider.js):
# it gets the PNG as one MediaUrl (MMS) and a text with one link, the
# PDF's; both give their bytes; history bills 1 + 1 segments. Prints
# TAP; stops what it started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
E2E_BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/../procs.sh"
. "$here/postfix.sh"
. "$top/tests/tap.sh"
e2e_setup media npm swaks
command -v curl >/dev/null 2>&1 || skip_all "curl is missing"
via=${2:-smpp}

smsc_start "$tmp" || { check "SMSC starts" false; exit 1; }
echo '{"receipt_delay_ms": 100}' >&9

aport=$(free_port)
loop_conf "$tmp" "$port"
if [ "$via" = http ]; then
	# the provider instead of the SMSC (as tests/e2e/test_pool.sh)
	exec 9>&-
	mkfifo "$tmp/pctl"
	printf 'tok-media-1\n' >"$tmp/token"
	chown postfix "$tmp/token"
	chmod 600 "$tmp/token"
	node "$top/tests/provider/provider.js" --port 0 \
		--log "$tmp/requests.jsonl" --account AC0123456789 \
		--token tok-media-1 <>"$tmp/pctl" >"$tmp/provider.out" 2>&1 &
	E2E_PIDS="$E2E_PIDS $!"
	exec 9>"$tmp/pctl"
	wait_for grep -q '^listening' "$tmp/provider.out"
	pport=$(sed -n 's/^listening //p' "$tmp/provider.out")
	sed -i '/^SmppServer/d' "$tmp/smsmilter.conf"
	cat >>"$tmp/smsmilter.conf" <<CONF
Transport http
HttpBaseUrl http://127.0.0.1:$pport
HttpAccount AC0123456789
HttpTokenFile $tmp/token
WebhookPublicUrl https://gw.example.com/hooks
CONF
fi
cat >>"$tmp/smsmilter.conf" <<EOF
ApiListen 127.0.0.1:$aport
MediaBaseUrl http://127.0.0.1:$aport
MediaMaxFiles 2
EOF
pf_init "$tmp/pf" "$port" "$sinkport" "unix:$tmp/milter.sock" ||
	{ check "postfix set-up" false; exit 1; }
sink_start "$tmp" "$sinkport"
milter_start "$tmp/smsmilter.conf" "$tmp/milter.log" || { check "smsmilter starts" false; exit 1; }
gw_start "$tmp"
pf_start "$tmp/pf"
wait_port "$port" || { check "postfix listens" false; exit 1; }
db=$tmp/store/smsmilter.db

# the mail: words, a PNG and a PDF (random bytes), and one with three files
python3 - "$tmp" <<'PY'
import os, sys
from email.message import EmailMessage
d = sys.argv[1]
png = b"\x89PNG\r\n\x1a\n" + os.urandom(30000)
pdf = b"%PDF-1.4\n" + os.urandom(5000) + b"\n%%EOF\n"
open(d + "/photo.png", "wb").write(png)
open(d + "/menu.pdf", "wb").write(pdf)
m = EmailMessage()
m["From"] = "alice@example.com"
m["To"] = "12025550400@sms.example.com"
m["Message-ID"] = "<media-alone@example.com>"
m.set_content(png, maintype="image", subtype="png", filename="alone.png")
open(d + "/alone.eml", "wb").write(bytes(m))
for name, files in (("mail", 2), ("three", 3)):
    m = EmailMessage()
    m["From"] = "alice@example.com"
    m["To"] = "12025550400@sms.example.com"
    m["Subject"] = "Dinner"
    m["Message-ID"] = "<media-%s@example.com>" % name
    m.set_content("The menu and the view.")
    m.add_attachment(png, maintype="image", subtype="png", filename="view.png")
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename="menu.pdf")
    if files == 3:
        m.add_attachment(b"x", maintype="text", subtype="plain", filename="x.txt")
    open(d + "/" + name + ".eml", "wb").write(bytes(m))
PY

send() {
	POSIXLY_CORRECT=1 swaks --server "127.0.0.1:$port" --from alice@example.com \
		--to 12025550400@sms.example.com --data "$1" >"$2" 2>&1
}
send "$tmp/mail.eml" "$tmp/swaks.out"
check "the mail with a photo and a PDF is accepted" grep -q '^<-  250 ' "$tmp/swaks.out"
if [ "$via" = http ]; then
	check "the provider gets the text" wait_for grep -qs '"answer":201' "$tmp/requests.jsonl"
	python3 - "$tmp/requests.jsonl" "$tmp" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"answer":201' in l][0]
d = sys.argv[2]
open(d + "/body", "w").write(r["body"] or "")
open(d + "/media", "w").write("\n".join(r["media"]) + "\n")
PY
	check "one MediaUrl: the photo, as MMS" sh -c \
		"[ \$(wc -l <'$tmp/media') = 1 ] && grep -Eq '^http://127\.0\.0\.1:$aport/m/[a-z2-7]{10}/[0-9]+/[a-z2-7]{12}/view\.png\$' '$tmp/media'"
	grep -Eo "http://127\.0\.0\.1:$aport/m/[a-z2-7]{10}/[0-9]+/[a-z2-7]{12}/[A-Za-z0-9.-]+" "$tmp/body" >"$tmp/links"
	check "the text: the words and one link, the PDF's" sh -c \
		"head -n 1 '$tmp/body' | grep -q '^Dinner: The menu and the view.\$' && [ \$(wc -l <'$tmp/links') = 1 ] && grep -q '/menu.pdf\$' '$tmp/links'"
	sed 's/^/    # /' "$tmp/body" "$tmp/media"
	st=$(curl -s -o "$tmp/got.png" -D "$tmp/h1" -w '%{http_code}' "$(cat "$tmp/media")")
	check "the MediaUrl gives the photo's exact bytes, image/png" sh -c \
		"[ $st = 200 ] && cmp -s '$tmp/got.png' '$tmp/photo.png' && grep -qi '^Content-Type: image/png' '$tmp/h1'"
	st=$(curl -s -o "$tmp/got.pdf" -D "$tmp/h2" -w '%{http_code}' "$(cat "$tmp/links")")
	check "the link gives the PDF's exact bytes, application/pdf" sh -c \
		"[ $st = 200 ] && cmp -s '$tmp/got.pdf' '$tmp/menu.pdf' && grep -qi '^Content-Type: application/pdf' '$tmp/h2'"
	media=$(cat "$tmp/media")
	st=$(curl -s -o /dev/null -w '%{http_code}' "$(echo "$media" | sed -E 's|/[a-z2-7]{12}/view|/aaaaaaaaaaaa/view|')")
	check "the MediaUrl with another signature: 404" [ "$st" = 404 ]
	exp=$(echo "$media" | sed -E 's|.*/m/[a-z2-7]{10}/([0-9]+)/.*|\1|')
	st=$(curl -s -o /dev/null -w '%{http_code}' "$(echo "$media" | sed "s|/$exp/|/$((exp - 86400 * 60))/|")")
	check "... with its expiry moved back 60 days: 404" [ "$st" = 404 ]
	chars=$(python3 -c 'import sys; print(len(open(sys.argv[1]).read()))' "$tmp/body")
	check "billed 1 + 1 segments: the text's ($chars characters) and the picture's" [ \
		"$(sqlite3 "$db" "SELECT segments FROM messages WHERE message_id = 'media-mail@example.com'")" = 2 ]
	"$E2E_BUILD/smsctl" -c "$tmp/smsmilter.conf" history --json >"$tmp/hist.json" 2>&1
	check "smsctl history shows the 2 segments" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = [x for x in (d["messages"] if isinstance(d, dict) else d) if "/m/" in x.get("text", "")]
assert m and m[0]["segments"] == 2, m' "$tmp/hist.json"
	"$E2E_BUILD/smsctl" -c "$tmp/smsmilter.conf" render "$tmp/mail.eml" >"$tmp/render.out" 2>&1
	check "smsctl render: 2 segments, 1 picture as MMS" \
		grep -q '^segments: 2 (1 picture as MMS, a segment each)$' "$tmp/render.out"
	# a picture alone, no words: an MMS with an empty body, one segment
	send "$tmp/alone.eml" "$tmp/swaks4.out"
	check "a mail of a picture alone is accepted" grep -q '^<-  250 ' "$tmp/swaks4.out"
	check "... the provider gets an empty Body and its MediaUrl" wait_for python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "alone.png" in l and "\"answer\":201" in l]
assert r and r[0]["body"] == "" and len(r[0]["media"]) == 1' "$tmp/requests.jsonl"
	check "... billed one segment" [ \
		"$(sqlite3 "$db" "SELECT segments || ' ' || length(text) FROM messages WHERE message_id = 'media-alone@example.com'")" = "1 0" ]
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
fi
check "the SMSC gets the text's parts" wait_for sh -c \
	"[ \$(grep -c '\"cmd\":\"submit_sm\"' '$tmp/pdus.jsonl') -ge 2 ]"
sleep 1
# the text as the phone puts it together: each part's user data without
# its header (GSM-7, a septet a byte in the log), in order
node -e '
const ps = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")
  .map(JSON.parse).filter(p => p.cmd === "submit_sm" && p.dst === "12025550400");
const parts = ps.map(p => {
  let b = Buffer.from(p.sm, "hex"), seq = 1;
  if (p.esm_class & 0x40) { seq = b[5]; b = b.subarray(b[0] + 1); }
  return [seq, b.toString("latin1"), p.data_coding];
}).sort((a, b) => a[0] - b[0]);
console.log(parts.length + " " + parts[0][2]);
console.log(parts.map(p => p[1]).join(""));
' "$tmp/pdus.jsonl" >"$tmp/text"
nparts=$(head -n 1 "$tmp/text" | cut -d' ' -f1)
tail -n +2 "$tmp/text" >"$tmp/sms"
grep -Eo "http://127\.0\.0\.1:$aport/m/[a-z2-7]{10}/[0-9]+/[a-z2-7]{12}/[A-Za-z0-9.-]+" "$tmp/sms" >"$tmp/links"
check "the text has the words, then two links" sh -c \
	"head -n 1 '$tmp/sms' | grep -q '^Dinner: The menu and the view.\$' && [ \$(wc -l <'$tmp/links') = 2 ]"
check "... which end it, a line each" sh -c \
	"[ \"\$(tail -n 2 '$tmp/sms')\" = \"\$(cat '$tmp/links')\" ]"
cat "$tmp/sms" | sed 's/^/    # /'

png_url=$(sed -n 1p "$tmp/links")
pdf_url=$(sed -n 2p "$tmp/links")
st=$(curl -s -o "$tmp/got.png" -D "$tmp/h1" -w '%{http_code}' "$png_url")
check "the photo's link: 200, the exact bytes" sh -c \
	"[ $st = 200 ] && cmp -s '$tmp/got.png' '$tmp/photo.png'"
check "... as image/png, inline, named view.png" sh -c \
	"grep -qi '^Content-Type: image/png' '$tmp/h1' && grep -qi '^Content-Disposition: inline; filename=\"view.png\"' '$tmp/h1'"
st=$(curl -s -o "$tmp/got.pdf" -D "$tmp/h2" -w '%{http_code}' "$pdf_url")
check "the PDF's link: 200, the exact bytes, application/pdf" sh -c \
	"[ $st = 200 ] && cmp -s '$tmp/got.pdf' '$tmp/menu.pdf' && grep -qi '^Content-Type: application/pdf' '$tmp/h2'"
sig=${png_url%/*}
sig=${sig##*/}
bad=$(echo "$png_url" | sed "s|/$sig/|/aaaaaaaaaaaa/|")
st=$(curl -s -o /dev/null -w '%{http_code}' "$bad")
check "the photo's link with another signature: 404" [ "$st" = 404 ]

# billed as sent: the segments of the characters, links included
chars=$(python3 -c 'import sys; print(len(open(sys.argv[1], encoding="latin1").read().rstrip("\n")))' "$tmp/sms")
want=$(( chars <= 160 ? 1 : (chars + 152) / 153 ))
check "the store bills the segments the characters take ($chars characters: $want)" \
	[ "$(sqlite3 "$db" "SELECT segments FROM messages WHERE message_id = 'media-mail@example.com'")" = "$want" ]
check "... as many parts went to the SMSC" [ "$nparts" = "$want" ]
"$E2E_BUILD/smsctl" -c "$tmp/smsmilter.conf" history --json >"$tmp/hist.json" 2>&1
check "smsctl history shows those segments and the links" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = [x for x in (d["messages"] if isinstance(d, dict) else d) if "/m/" in x.get("text", "")]
assert m and m[0]["segments"] == int(sys.argv[2]), m' "$tmp/hist.json" "$want"
check "two files kept, for alice, with the text" [ \
	"$(sqlite3 "$db" "SELECT count(*) FROM media m JOIN messages t ON t.id = m.message_id WHERE m.owner = 'alice@example.com' AND t.message_id = 'media-mail@example.com'")" = 2 ]

# the same mail again: the same text, not sent twice, no new files
send "$tmp/mail.eml" "$tmp/swaks2.out"
check "the same mail again is accepted" grep -q '^<-  250 ' "$tmp/swaks2.out"
sleep 2
check "... and is one text, with its two files" sh -c \
	"[ \$(sqlite3 '$db' \"SELECT count(*) FROM messages WHERE message_id = 'media-mail@example.com'\") = 1 ] && [ \$(sqlite3 '$db' 'SELECT count(*) FROM media') = 2 ]"

send "$tmp/three.eml" "$tmp/swaks3.out"
check "three files, over MediaMaxFiles 2: refused at SMTP, 552 5.3.4" \
	grep -q '^<\*\* 552 5.3.4 .*3 attachments, more than the 2' "$tmp/swaks3.out"
check "... nothing kept for it" [ "$(sqlite3 "$db" 'SELECT count(*) FROM media')" = 2 ]

echo "1..$n"
[ "$failed" -eq 0 ]
