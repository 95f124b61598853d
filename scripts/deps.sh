#!/bin/sh
# deps.sh - install the Debian and npm packages smsmilter builds and tests with
#
# Idempotent and non-interactive: installs only what is missing, runs
# apt-get update only when something is missing, and installs the npm
# packages the benchmarks compare with (bench/node_modules) and the test
# SMSC runs on (tests/smsc/node_modules).
#
# With --build, only what building smsmilter needs, for a mail server
# (INSTALL, step 1): build-essential and debian/control's Build-Depends
# (one list for the package and for this), the libraries' run-time
# parts coming with them, and ca-certificates for the relay's TLS. No
# test tool, no MTA, no SMSC, no npm.
#
# Usage: scripts/deps.sh [--build] [--no-npm] [--print]
#   --print: list the packages (all of them, installed or not) and stop
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

build=no npm=yes print=no
for a in "$@"; do
	case $a in
	--build) build=yes npm=no ;;
	--no-npm) npm=no ;;
	--print) print=yes ;;
	*)
		echo "usage: scripts/deps.sh [--build] [--no-npm] [--print]" >&2
		exit 2 ;;
	esac
done

# What building needs: debian/control's Build-Depends but debhelper
# (which only make deb needs), without version constraints.
BUILD_PKGS="build-essential ca-certificates $(awk '
	/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, ""); print; next }
	f && /^[ \t]/ { print; next }
	{ f = 0 }' "$here/debian/control" | tr ',' '\n' |
	sed 's/([^)]*)//; s/^[ \t]*//; s/[ \t]*$//' |
	grep -v -e '^debhelper' -e '^$' | tr '\n' ' ')"

# What the tests need on top: compilers and checkers, test frameworks,
# the MTAs, SMSCs and peers they run, and for make check-deb and
# check-sendmail debhelper and debootstrap (never on a production host).
TEST_PKGS="clang libclang-rt-14-dev clang-format libcmocka-dev sqlite3
nodejs npm valgrind miltertest postfix swaks opendkim opendkim-tools kannel
kannel-extras curl python3 python3-aiosmtpd git sasl2-bin libsasl2-modules
postgresql-15 postgresql-client-15
debhelper debootstrap"

PKGS=$BUILD_PKGS
[ "$build" = yes ] || PKGS="$PKGS $TEST_PKGS"

if [ "$print" = yes ]; then
	# shellcheck disable=SC2086
	printf '%s\n' $PKGS
	exit 0
fi

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
	if [ "$build" = no ]; then
		echo "postfix postfix/main_mailer_type select No configuration" |
			$SUDO debconf-set-selections
	fi
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ "$npm" = yes ]; then
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
