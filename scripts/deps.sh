#!/bin/sh
# deps.sh - install the Debian and npm packages smsmilter builds and tests with
#
# Idempotent and non-interactive: installs only what is missing, runs
# apt-get update only when something is missing, and installs the npm
# packages the benchmarks compare with (bench/node_modules) and the test
# SMSC runs on (tests/smsc/node_modules).
#
# Usage: scripts/deps.sh [--no-npm]
set -eu

# Build libraries, test frameworks and toolchain.
PKGS="build-essential pkg-config clang libclang-rt-14-dev clang-format
libutf8proc-dev libcmocka-dev libsqlite3-dev sqlite3 nettle-dev libjansson-dev
libgmime-3.0-dev libetpan-dev libcurl4-gnutls-dev libmicrohttpd-dev
libmilter-dev libsmpp34-dev nodejs npm valgrind
miltertest postfix swaks opendkim opendkim-tools kannel kannel-extras curl
python3 python3-aiosmtpd git ca-certificates sasl2-bin libsasl2-modules"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*)
		# npm may come from nodejs's own tarball instead of Debian.
		if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
			continue
		fi
		missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# postfix: install it unconfigured; the tests run private instances
	echo "postfix postfix/main_mailer_type select No configuration" |
		$SUDO debconf-set-selections
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ "${1:-}" != "--no-npm" ]; then
	here=$(cd "$(dirname "$0")/.." && pwd)
	# bench/: the segment calculators compared with; tests/smsc/: the
	# SMPP server the gateway tests talk to
	for d in bench:split-sms tests/smsc:smpp; do
		dir=${d%%:*} pkg=${d#*:}
		if [ ! -d "$here/$dir/node_modules/$pkg" ]; then
			echo "deps: npm install ($dir/)"
			(cd "$here/$dir" && npm install --no-audit --no-fund --silent)
		fi
	done
fi
