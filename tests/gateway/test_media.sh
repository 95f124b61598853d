#!/bin/sh
# test_media.sh - files served at their signed links by smsgw's real
# listener, with curl
#
# Usage: tests/gateway/test_media.sh BUILD_DIR
# smsgw with ApiListen and MediaBaseUrl on loopback; files put in the
# store's media table (as the milter keeps them), their links from
# smsctl media list. Each file comes back byte for byte (cmp) with its
# type, name, length, ETag and nosniff; an HTML file only as an
# attachment of application/octet-stream; HEAD; byte ranges (206, 416);
# no API key needed; a link with its signature, expiry or id altered,
# or expired, is 404 with no write to the store; an expired file is
# purged by smsgw's sweep; smsctl media delete ends a link; a phone's
# GETs are answered beside 200 slow connections. Prints TAP; stops what
# it started. About 45 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
. "$top/tests/e2e/postfix.sh" # block
command -v curl >/dev/null 2>&1 || skip_all "curl is missing (scripts/deps.sh)"

aport=$(free_port)
base=http://127.0.0.1:$aport
cat >>"$conf" <<EOF
ApiListen 127.0.0.1:$aport
MediaBaseUrl $base/
EOF

is_() { [ "$1" = "$2" ] || { echo "    # want $1, got $2"; return 1; }; }

# INSTALL 10 as written: the two keys, and nginx passing /m/ to ApiListen
check "INSTALL 10 sets ApiListen and MediaBaseUrl" is_ \
	"ApiListen 127.0.0.1:8026 MediaBaseUrl https://sms.example.com" \
	"$(block "$top/INSTALL" 10 1 | tr '\n' ' ' | sed 's/ $//')"
nginx=$(block "$top/INSTALL" 10 2 | tr '\n' ' ' | tr -s ' ')
case $nginx in
"location /m/ { proxy_pass http://127.0.0.1:8026;"*) at8026=true ;;
*) at8026=false ;;
esac
check "INSTALL 10's nginx location /m/ goes to that ApiListen" $at8026

# the store, made by smsctl (schema and all), then the files
"$BUILD/smsctl" -c "$conf" media list >/dev/null ||
	{ check "smsctl media list on a new store" false; exit 1; }
head -c 200000 /dev/urandom >"$tmp/photo.jpg"
printf '\377\330\377\340' | dd of="$tmp/photo.jpg" conv=notrunc 2>/dev/null
printf '%%PDF-1.4\n%s\n%%%%EOF\n' "$(head -c 3000 /dev/urandom | base64)" >"$tmp/report.pdf"
printf '<html><script>alert(1)</script></html>\n' >"$tmp/page.html"
now=$(date +%s)
# add MID OWNER NAME TYPE FILE EXPIRES
add() {
	sql "INSERT INTO media (mid, owner, filename, content_type, size, data,
	  created, expires) VALUES ('$1', '$2', '$3', '$4',
	  length(readfile('$5')), readfile('$5'), $now, $6)"
}
add photoaaaaa alice@example.com 'Beach photo.jpg' image/jpeg "$tmp/photo.jpg" $((now + 3600))
add reportaaaa alice@example.com "$(printf 'Q3 r\303\251sum\303\251 "final".pdf')" application/pdf "$tmp/report.pdf" $((now + 3600))
add pageaaaaaa bob@example.com 'page.html' text/html "$tmp/page.html" $((now + 3600))
add oldaaaaaaa bob@example.com 'old.png' image/png "$tmp/photo.jpg" $((now - 5))
check "four files in the store" is_ 4 "$(sql 'SELECT count(*) FROM media')"

"$BUILD/smsctl" -c "$conf" media list --json >"$tmp/list.json"
# link MID: its link, as smsctl media list gives it
link() {
	python3 -c 'import json, sys
for m in json.load(open(sys.argv[1]))["media"]:
    if m["id"] == sys.argv[2]:
        print(m["url"])' "$tmp/list.json" "$1"
}
photo=$(link photoaaaaa)
report=$(link reportaaaa)
page=$(link pageaaaaaa)
old=$(link oldaaaaaaa)
check "smsctl media list --json gives each link under MediaBaseUrl" \
	sh -c "echo '$photo' | grep -Eq '^$base/m/photoaaaaa/[0-9]+/[a-z2-7]{12}/Beach-ph.jpg$'"
check "smsctl media list --owner bob: bob's two" is_ 2 \
	"$("$BUILD/smsctl" -c "$conf" media list --owner bob@example.com | tail -n +2 | wc -l)"

start_gw
wait_for curl -s -o /dev/null "$base/v1/messages" ||
	{ check "the API listens" false; exit 1; }

# get URL [CURL-ARGS]: the status; body in $tmp/body, headers in $tmp/hdr
get() {
	u=$1
	shift
	curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' "$@" "$u"
}
# hdr NAME: a header of the last answer, without its CR
hdr() { grep -i "^$1:" "$tmp/hdr" | head -n 1 | sed 's/^[^:]*: *//; s/\r$//'; }

st=$(get "$photo")
check "the photo: 200, no API key" is_ 200 "$st"
check "... its bytes exactly" cmp -s "$tmp/body" "$tmp/photo.jpg"
# a file over 64 KiB is read from the store as it goes out: a slow
# reader gets it whole, chunk by chunk, with stores taken for each read
st=$(get "$photo" --limit-rate 100k)
check "... read slowly (100 kB/s, 4 chunks): the same bytes" sh -c \
	"[ $st = 200 ] && cmp -s '$tmp/body' '$tmp/photo.jpg'"
check "... Content-Type image/jpeg" is_ image/jpeg "$(hdr Content-Type)"
check "... Content-Length" is_ 200000 "$(hdr Content-Length)"
check "... inline, with its name" is_ \
	"inline; filename=\"Beach photo.jpg\"; filename*=UTF-8''Beach%20photo.jpg" \
	"$(hdr Content-Disposition)"
check "... nosniff" is_ nosniff "$(hdr X-Content-Type-Options)"
check "... Accept-Ranges: bytes" is_ bytes "$(hdr Accept-Ranges)"
etag=$(hdr ETag)
check "... an ETag" is_ '"photoaaaaa-200000"' "$etag"

st=$(get "$report")
check "the PDF: 200, its bytes, application/pdf" sh -c \
	"[ $st = 200 ] && cmp -s '$tmp/body' '$tmp/report.pdf' && [ '$(hdr Content-Type)' = application/pdf ]"
check "... a name with quotes and UTF-8: ASCII fallback and filename*" is_ \
	"inline; filename=\"Q3 r_sum_ _final_.pdf\"; filename*=UTF-8''Q3%20r%C3%A9sum%C3%A9%20%22final%22.pdf" \
	"$(hdr Content-Disposition)"

st=$(get "$page")
check "HTML: 200, but application/octet-stream" sh -c \
	"[ $st = 200 ] && [ '$(hdr Content-Type)' = application/octet-stream ]"
check "... as an attachment, nosniff" sh -c \
	"[ '$(hdr Content-Disposition | cut -d';' -f1)' = attachment ] && [ '$(hdr X-Content-Type-Options)' = nosniff ]"

# HEAD by hand: the headers, then nothing (curl -I would not tell)
python3 - "$aport" "${photo#"$base"}" >"$tmp/head.out" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
c.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % sys.argv[2]).encode())
data = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    data += b
head, _, rest = data.partition(b"\r\n\r\n")
print(head.decode().replace("\r", ""))
print("after-headers=%d" % len(rest))
PY
check "HEAD: 200, the length and type, no body" sh -c \
	"grep -q '^HTTP/1.1 200' '$tmp/head.out' && grep -qi '^Content-Length: 200000$' '$tmp/head.out' && grep -qi '^Content-Type: image/jpeg$' '$tmp/head.out' && grep -q '^after-headers=0$' '$tmp/head.out'"

st=$(get "$photo" -H 'Range: bytes=100-1099')
dd if="$tmp/photo.jpg" of="$tmp/want" bs=100 skip=1 count=10 2>/dev/null
check "a range: 206, Content-Range, those bytes" sh -c \
	"[ $st = 206 ] && [ '$(hdr Content-Range)' = 'bytes 100-1099/200000' ] && [ '$(hdr Content-Length)' = 1000 ] && cmp -s '$tmp/body' '$tmp/want'"
st=$(get "$photo" -H 'Range: bytes=-10')
tail -c 10 "$tmp/photo.jpg" >"$tmp/want"
check "the last 10 bytes: 206" sh -c \
	"[ $st = 206 ] && [ '$(hdr Content-Range)' = 'bytes 199990-199999/200000' ] && cmp -s '$tmp/body' '$tmp/want'"
st=$(get "$photo" -H 'Range: bytes=199000-')
tail -c 1000 "$tmp/photo.jpg" >"$tmp/want"
check "from an offset to the end: 206" sh -c \
	"[ $st = 206 ] && cmp -s '$tmp/body' '$tmp/want'"
st=$(get "$photo" -H 'Range: bytes=200000-')
check "past the end: 416 with bytes */SIZE" sh -c \
	"[ $st = 416 ] && [ '$(hdr Content-Range)' = 'bytes */200000' ]"
st=$(get "$photo" -H 'Range: bytes=0-1,5-6')
check "several ranges: the whole file" sh -c \
	"[ $st = 200 ] && cmp -s '$tmp/body' '$tmp/photo.jpg'"
st=$(get "$photo" -H 'Range: bytes=0-9' -H 'If-Range: "other"')
check "If-Range with another ETag: the whole file" is_ 200 "$st"
st=$(get "$photo" -H "If-None-Match: $etag")
check "If-None-Match with its ETag: 304" is_ 304 "$st"
st=$(get "$photo" -X POST -d x)
check "POST to a good link: 405" sh -c "[ $st = 405 ] && [ '$(hdr Allow)' = 'GET, HEAD' ]"

# altered links: each 404, the same answer, and the store not written
get "$base/m/nosuchfile/1/aaaaaaaaaaaa/x" >/dev/null
cp "$tmp/body" "$tmp/missing"
sync_before=$(cat "$tmp/store.db" "$tmp/store.db-wal" 2>/dev/null | cksum)
# swap CHAR-AT STRING: STRING with the character at CHAR-AT (1-based) changed
swap() { python3 -c 'import sys
s, i = sys.argv[1], int(sys.argv[2]) - 1
print(s[:i] + ("b" if s[i] != "b" else "c") + s[i+1:])' "$2" "$1"; }
sig_at=$((${#base} + 3 + 10 + 1 + 10 + 1 + 1))
id_at=$((${#base} + 4))
expired=$(echo "$photo" | sed -E 's|/m/photoaaaaa/[0-9]+/|/m/photoaaaaa/'$((now - 60))'/|')
later=$(echo "$photo" | sed -E 's|/m/photoaaaaa/([0-9]+)/|/m/photoaaaaa/\1''9/|')
for case in "signature:$(swap $sig_at "$photo")" \
	"expiry:$(echo "$photo" | sed -E "s|/m/photoaaaaa/([0-9]+)/|/m/photoaaaaa/$((now + 99999))/|")" \
	"expiry moved later:$later" "expiry in the past:$expired" \
	"id:$(echo "$photo" | sed 's|/m/photoaaaaa/|/m/reportaaaa/|')" \
	"one letter of the id:$(swap $id_at "$photo")" \
	"no signature:${photo%/*/*}" "a segment more:$photo/x" \
	"an expired file's own link:$old"; do
	st=$(get "${case#*:}")
	check "altered, ${case%%:*}: 404, the same answer" sh -c \
		"[ $st = 404 ] && cmp -s '$tmp/body' '$tmp/missing'"
done
check "... and the store was not written" is_ "$sync_before" \
	"$(cat "$tmp/store.db" "$tmp/store.db-wal" 2>/dev/null | cksum)"
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/messages")
check "the API still wants a key" is_ 401 "$st"

# purged by the sweep (every 10 s)
check "the expired file is purged by smsgw" wait_sql \
	"SELECT count(*) FROM media WHERE mid = 'oldaaaaaaa'" 0 25
check "... the others stay" is_ 3 "$(sql 'SELECT count(*) FROM media')"

"$BUILD/smsctl" -c "$conf" media delete pageaaaaaa >"$tmp/out" 2>&1
check "smsctl media delete ID" grep -q 'deleted file pageaaaaaa' "$tmp/out"
st=$(get "$page")
check "... its link is 404 now" is_ 404 "$st"
"$BUILD/smsctl" -c "$conf" media delete pageaaaaaa >"$tmp/out" 2>&1
rc=$?
check "... deleting it again: exit 1, said" sh -c \
	"[ $rc = 1 ] && grep -q 'no file pageaaaaaa' '$tmp/out'"

# beside 200 slow connections (tests/gateway/test_slow.sh's attack, on
# this listener, trickling GETs of a link and POST bodies to it), a
# phone's GETs of the photo are answered, whole, within 2 s
if python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null; then
	python3 "$here/slow.py" attack 127.0.0.1 "$aport" 127.0.0.2 200 3 \
		"${photo#"$base"}" >"$tmp/attack.out" 2>&1 &
	attacker=$!
	pids="$pids $attacker"
	sleep 3
	python3 "$here/slow.py" fetch 127.0.0.1 "$aport" "${photo#"$base"}" \
		200000 20 0.5 >"$tmp/fetch.out" 2>&1
	kill -TERM "$attacker"
	wait "$attacker"
	sed 's/^/# /' "$tmp/fetch.out" "$tmp/attack.out"
	line=$(grep '^slow clients:' "$tmp/fetch.out")
	answered=$(echo "$line" | sed -n 's|.*answered \([0-9]*\)/.*|\1|p')
	total=$(echo "$line" | sed -n 's|.*answered [0-9]*/\([0-9]*\) .*|\1|p')
	worst=$(echo "$line" | sed -n 's|.*worst \([0-9-]*\) ms|\1|p')
	check "beside 200 slow connections: 95% of 40 GETs of the photo whole" \
		sh -c "[ ${total:-0} -ge 38 ] && [ $((${answered:-0} * 100)) -ge $((${total:-1} * 95)) ]"
	check "... each within 2 s (worst ${worst:-?} ms)" \
		sh -c "[ '${worst:--}' != - ] && [ '${worst:--}' -le 2000 ]"
	check "... and smsgw still runs" kill -0 "$gw"
fi

stop_gw
check "smsgw stops, with no sanitizer report in its log" sh -c \
	"! kill -0 $gw 2>/dev/null && ! grep -q 'Sanitizer\|runtime error' '$tmp/smsgw.log'"
echo "1..$n"
