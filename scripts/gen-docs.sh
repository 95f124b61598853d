#!/bin/sh
# gen-docs.sh - regenerate what comes from the configuration key table
#
# Usage: scripts/gen-docs.sh SMSCTL [--check]
# Writes conf/smsmilter.conf (the sample) and the KEYS section of
# man/smsmilter.conf.5 from `smsctl config sample` and `config
# man-keys`. With --check, changes nothing and exits 1 when either is
# out of date.
set -eu
SMSCTL=$1
mode=${2:-write}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$SMSCTL" config sample >"$tmp/sample"
"$SMSCTL" config man-keys >"$tmp/keys"
awk -v keys="$tmp/keys" '
	/^\.\\" END KEYS/ { skip = 0 }
	!skip { print }
	/^\.\\" BEGIN KEYS/ { while ((getline l < keys) > 0) print l; skip = 1 }
' man/smsmilter.conf.5 >"$tmp/man"

if [ "$mode" = --check ]; then
	status=0
	cmp -s "$tmp/sample" conf/smsmilter.conf ||
		{ echo "conf/smsmilter.conf is out of date: run make docs"; status=1; }
	cmp -s "$tmp/man" man/smsmilter.conf.5 ||
		{ echo "man/smsmilter.conf.5 is out of date: run make docs"; status=1; }
	[ "$status" -eq 0 ] && echo "docs: conf/smsmilter.conf and man/smsmilter.conf.5 are current"
	exit "$status"
fi
cp "$tmp/sample" conf/smsmilter.conf
cp "$tmp/man" man/smsmilter.conf.5
