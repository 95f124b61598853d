#!/bin/sh
# test_tls.sh - smsgw's mail out over STARTTLS: SmtpTls none, may,
# encrypt, verify, secure, against relays with good and bad certificates
#
# Usage: tests/gateway/test_tls.sh BUILD_DIR
# A test CA (openssl, in the test's directory) signs a certificate for
# localhost and 127.0.0.1 and one for CN=wrong.invalid; a third is
# self-signed. Three relays (tests/relay/relay.py: aiosmtpd, STARTTLS
# by Python's ssl, AUTH after it) present one each and log every step a
# client reaches. For each case smsgw is started with its SmtpTls
# settings, the test SMSC hands it a text from a phone, and the mail
# smsgw makes of it goes to the case's relay with SmtpUser and
# SmtpPassword. verify and secure must refuse the self-signed and the
# wrong-name relays before AUTH or MAIL, log why and keep the mail
# queued; the next right relay gets it. Prints TAP; stops what it
# started.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=$(cd "$top" && cd "${1:-build}" && pwd)
. "$here/lib.sh"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is missing"
need_aiosmtpd

# the certificates
pki=$tmp/pki
mkdir "$pki"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
# leaf NAME SUBJECT SAN: a key and a certificate signed by the test CA
leaf() {
	openssl req -new $ec -keyout "$pki/$1.key" -out "$pki/$1.csr" \
		-subj "$2" -addext "subjectAltName=$3" \
		-addext extendedKeyUsage=serverAuth 2>/dev/null &&
		openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" \
			-CAkey "$pki/ca.key" -CAcreateserial -days 2 \
			-copy_extensions copy -out "$pki/$1.pem" 2>/dev/null
}
# shellcheck disable=SC2086
openssl req -x509 $ec -keyout "$pki/ca.key" -out "$pki/ca.pem" \
	-subj "/CN=smsmilter test CA" \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
	leaf good /CN=localhost DNS:localhost,IP:127.0.0.1 &&
	leaf wrong /CN=wrong.invalid DNS:wrong.invalid &&
	openssl req -x509 $ec -keyout "$pki/self.key" -out "$pki/self.pem" \
		-subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null ||
	{
		check "test certificates made" false
		exit 1
	}

# the relays: good, self (self-signed), wrong (CN=wrong.invalid)
for r in good self wrong; do
	start_relay "relay $r" "relay-$r" --cert "$pki/$r.pem" --key "$pki/$r.key"
	eval "port_$r=\$rport"
done

printf 'relay-pass-7f3a\n' >"$tmp/smtp.pw"
chmod 600 "$tmp/smtp.pw"
relay_conf "$conf" "$tmp/base.conf" \
	"NumberOwners +12025550100=alice@example.com" \
	"SmtpUser smsgw" "SmtpPasswordFile $tmp/smtp.pw"

# run CASE RELAY LINES...: smsgw with the relay and the lines, a text
# from a phone saying "tls CASE", its mail offered once; log in
# $tmp/gw-CASE.log
mo=0
run() {
	c=$1 r=$2
	shift 2
	eval "p=\$port_$r"
	relay_conf "$tmp/base.conf" "$conf" "SmtpRelay 127.0.0.1:$p" "$@"
	: >"$tmp/gw-$c.log"
	start_gw "$tmp/gw-$c.log"
	wait_for grep -q 'smpp: bound' "$tmp/gw-$c.log" ||
		{
			echo "    # smsgw did not bind: $(tail -3 "$tmp/gw-$c.log")"
			return 1
		}
	mo=$((mo + 1))
	control "{\"mo\": {\"from\": \"+12025550143\", \"to\": \"+12025550100\", \"text\": \"tls $c\"}}"
	wait_for grep -q "mail=.*status=\(sent\|deferred\)" "$tmp/gw-$c.log"
}
# steps RELAY: the steps the relay saw, "EHLO:false STARTTLS:true ..."
steps() {
	"$PY" -c 'import json, sys
print(" ".join("%s:%s" % (e["ev"], str(e["tls"]).lower())
	for e in map(json.loads, open(sys.argv[1]))))' "$tmp/relay-$1.jsonl" 2>/dev/null
}
# has_mail RELAY CASE: the relay got the mail of "tls CASE"
has_mail() { grep -lq "tls $2" "$tmp/relay-$1"/*.eml 2>/dev/null; }
# delivered RELAY CASE: has_mail, over TLS, after AUTH with the password
delivered() {
	wait_for has_mail "$1" "$2" &&
		grep -q '"ev": "DATA", "tls": true' "$tmp/relay-$1.jsonl" &&
		grep -q '"ev": "AUTH", "tls": true.*"password": "relay-pass-7f3a"' "$tmp/relay-$1.jsonl"
}
# refused RELAY: the relay saw STARTTLS and nothing after it: no AUTH,
# no MAIL, no second EHLO
refused() {
	s=$(steps "$1")
	case "$s" in
	*STARTTLS:true*) ;;
	*) echo "    # relay $1 saw: $s"; return 1 ;;
	esac
	! grep -q '"ev": "\(AUTH\|MAIL\|RCPT\|DATA\)"' "$tmp/relay-$1.jsonl" &&
		! grep -q '"ev": "EHLO", "tls": true' "$tmp/relay-$1.jsonl"
}
queued() { # queued N: N mails to alice wait in the queue
	[ "$(sql "select count(*) from mail_queue where rcpt = 'alice@example.com' and state <= 2")" = "$1" ]
}
logged() { grep -q "$2" "$tmp/gw-$1.log" || { echo "    # gw-$1.log: $(grep 'mail=' "$tmp/gw-$1.log" | tail -2)"; return 1; }; }

# 1. verify with the test CA, a self-signed relay: refused, queued
run verify-self self "SmtpTls verify" "SmtpTlsCAFile $pki/ca.pem"
check "verify, self-signed relay: the mail is deferred" \
	logged verify-self 'status=deferred'
check "... the log says why: subject, issuer, not trusted" logged verify-self \
	'TLS: relay certificate subject "CN=localhost" issuer "CN=localhost" not verified with SmtpTlsCAFile [^ ]*ca.pem: The certificate is NOT trusted. The certificate issuer is unknown.)'
check "... the mail stays queued" queued 1
check "... the relay saw STARTTLS, then nothing: no AUTH, no MAIL" refused self
check "... SmtpPassword never reached it" sh -c "! grep -q relay-pass '$tmp/relay-self.jsonl'"
stop_gw

# 2. verify with the test CA, a CA-signed relay for CN=wrong.invalid
run verify-wrong wrong "SmtpTls verify" "SmtpTlsCAFile $pki/ca.pem"
check "verify, wrong name: deferred, the log says the name" logged verify-wrong \
	'status=deferred.*TLS: relay certificate subject "CN=wrong.invalid" issuer "CN=smsmilter test CA" does not name 127.0.0.1'
check "... both mails stay queued (the first retried, refused again)" \
	wait_for queued 2
check "... the relay saw no AUTH, no MAIL" refused wrong
stop_gw

# 3. verify with the system's CAs (the default): the test CA is not one
run verify-system good "SmtpTls verify"
check "verify with the system CAs, a test-CA relay: deferred, not trusted" \
	logged verify-system 'SmtpTlsCAFile /etc/ssl/certs/ca-certificates.crt: .*issuer is unknown'
check "... the relay saw no AUTH, no MAIL" refused good
stop_gw

# 4. verify with the test CA, the right relay: all three mails go
run verify-good good "SmtpTls verify" "SmtpTlsCAFile $pki/ca.pem"
check "verify, CA-signed relay for 127.0.0.1: delivered over TLS after AUTH" \
	delivered good verify-good
check "... and the mails refused in cases 1 to 3" wait_for sh -c "
grep -q 'tls verify-self' '$tmp'/relay-good/*.eml &&
grep -q 'tls verify-wrong' '$tmp'/relay-good/*.eml &&
grep -q 'tls verify-system' '$tmp'/relay-good/*.eml"
check "... nothing left in the queue" wait_for queued 0
stop_gw

# 5. SmtpTlsName: the relay by address, its certificate's DNS name asked
run name-good good "SmtpTls secure" "SmtpTlsCAFile $pki/ca.pem" \
	"SmtpTlsName localhost"
check "secure, SmtpTlsName localhost: delivered" delivered good name-good
stop_gw
run name-wrong good "SmtpTls verify" "SmtpTlsCAFile $pki/ca.pem" \
	"SmtpTlsName mail.example.com"
check "verify, SmtpTlsName mail.example.com: refused, it names localhost" \
	logged name-wrong 'status=deferred.*does not name mail.example.com'
stop_gw

# 6. encrypt does not verify (as documented): the self-signed relay and
# the wrong-name relay get the mail, and the queued one goes with it
run encrypt-self self "SmtpTls encrypt" "SmtpTlsCAFile $pki/ca.pem"
check "encrypt, self-signed relay: delivered (not verified, as documented)" \
	delivered self encrypt-self
check "... with the mail refused in case 5" wait_for queued 0
stop_gw

# 7. may: STARTTLS when offered, not verified
run may-wrong wrong "SmtpTls may"
check "may, wrong-name relay: delivered over TLS" delivered wrong may-wrong
stop_gw

# 8. the words of earlier releases: required is encrypt, with a warning
run required-self self "SmtpTls required"
check "required (old word) is encrypt: delivered to the self-signed relay" \
	wait_for has_mail self required-self
stop_gw
"$BUILD/smsctl" config check "$conf" >"$tmp/check.out" 2>"$tmp/check.err"
check "smsctl config check: required is accepted, printed as encrypt" \
	grep -q '^SmtpTls encrypt$' "$tmp/check.out"
check "... and warned about: does not verify, say verify" \
	grep -q 'SmtpTls: warning: "required" is read as "encrypt": .*does not verify.*SmtpTls verify' "$tmp/check.err"
sed -i 's/^SmtpTls required$/SmtpTls opportunistic/' "$conf"
check "opportunistic (old word) is may, no warning" sh -c "
'$BUILD/smsctl' config check '$conf' 2>'$tmp/check.err' | grep -q '^SmtpTls may\$' && ! test -s '$tmp/check.err'"
sed -i 's/^SmtpTls opportunistic$/SmtpTls no/' "$conf"
check "no (old word) is none" sh -c "
'$BUILD/smsctl' config check '$conf' 2>/dev/null | grep -q '^SmtpTls none\$'"
sed -i 's/^SmtpTls no$/SmtpTls verified/' "$conf"
check "an unknown word is refused with the choices" sh -c "
! '$BUILD/smsctl' config check '$conf' >/dev/null 2>'$tmp/check.err' &&
grep -q 'SmtpTls: expected one of none, may, encrypt, verify, secure; got \"verified\"' '$tmp/check.err'"
