#!/bin/sh
# test_deb.sh - the Debian package installed with apt in a Debian 12 root
#
# Usage: tests/e2e/test_deb.sh DEB   (make check-deb builds it first)
#
# The root is the one test_sendmail.sh keeps ($SENDMAIL_ROOT, made by
# debootstrap on first use), used through a copy-on-write overlay in a
# private mount namespace; apt fetches the package's dependencies from
# the Debian mirror, so this needs the network. Checks: apt install
# works; postinst made the user and group, /var/lib/smsmilter and the
# tag secret, and the configuration is a conffile readable by the
# group; nothing is enabled; each unit's ExecStartPre and ExecStart
# program is installed and its -c is the programs' compiled-in
# default; the ExecStartPre line, run by hand, passes on the shipped
# configuration; purge removes the secret. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DEB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=${SENDMAIL_ROOT:-/var/tmp/smsmilter-sendmail-root}
. "$top/tests/tap.sh"

if [ "${DEB_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (chroot, namespaces)"
	[ -f "$DEB" ] || skip_all "no package: $DEB (make deb)"
	[ -f "$ROOT/etc/mail/sendmail.mc" ] ||
		skip_all "no Debian root in $ROOT (make check-sendmail makes it)"
	unshare --mount true 2>/dev/null || skip_all "cannot make namespaces"
	trap - EXIT
	DEB_INSIDE=1 exec unshare --mount sh "$0" "$@"
fi

cleanup() {
	if [ -n "${tmp:-}" ]; then
		umount -l "$r/proc" "$r" 2>/dev/null
		[ -z "${KEEP:-}" ] && rm -rf "$tmp"
	fi
}
tmp=$(mktemp -d /tmp/smsmilter-deb.XXXXXX)
r=$tmp/root
mkdir -p "$r" "$tmp/up" "$tmp/work"
mount -t overlay overlay \
	-o "lowerdir=$ROOT,upperdir=$tmp/up,workdir=$tmp/work" "$r" ||
	{ check "an overlay on the Debian root" false; exit 1; }
mount -t proc proc "$r/proc"
cp /etc/resolv.conf "$r/etc/resolv.conf"
cp "$DEB" "$r/tmp/"
in_root() {
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}

in_root apt-get update -q >"$tmp/update.out" 2>&1 ||
	skip_all "the Debian mirror cannot be reached (apt-get update in the root)"
check "apt install ./$(basename "$DEB")" sh -c \
	"chroot '$r' /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive apt-get install -y -q '/tmp/$(basename "$DEB")' >'$tmp/install.out' 2>&1"
check "postinst: the system user smsmilter in the group smsmilter" \
	sh -c "[ \"\$(chroot '$r' id -gn smsmilter)\" = smsmilter ]"
check "... /var/lib/smsmilter smsmilter's, 770" sh -c \
	"[ \"\$(chroot '$r' stat -c '%U %a' /var/lib/smsmilter)\" = 'smsmilter 770' ]"
check "... the tag secret, smsmilter's, 600" sh -c \
	"[ \"\$(chroot '$r' stat -c '%U %a' /etc/smsmilter/tag.secret)\" = 'smsmilter 600' ]"
check "the configuration: a conffile, root:smsmilter 640" sh -c \
	"grep -qx /etc/smsmilter/smsmilter.conf '$r/var/lib/dpkg/info/smsmilter.conffiles' &&
	 [ \"\$(chroot '$r' stat -c '%U:%G %a' /etc/smsmilter/smsmilter.conf)\" = 'root:smsmilter 640' ]"
check "nothing enabled (the units wait for the site)" sh -c \
	"[ -z \"\$(find '$r/etc/systemd/system' -name 'sms*' 2>/dev/null)\" ]"
check "daemons in /usr/sbin, smsctl in /usr/bin" test -x "$r/usr/sbin/smsmilter" \
	-a -x "$r/usr/sbin/smsgw" -a -x "$r/usr/bin/smsctl"
for u in smsmilter smsgw; do
	unit=$r/lib/systemd/system/$u.service
	bad=
	for line in $(grep -E '^Exec(Start|StartPre)=' "$unit" | sed 's/ /|/g'); do
		# shellcheck disable=SC2046
		set -- $(echo "${line#*=}" | tr '|' ' ')
		prog=$1 conf=
		while [ $# -gt 0 ]; do
			[ "$1" = -c ] && conf=$2
			shift
		done
		default=$(in_root "$prog" -h 2>&1 |
			sed -n 's/.*(default \(.*\))\.*$/\1/p')
		[ -x "$r$prog" ] && [ -n "$conf" ] && [ "$conf" = "$default" ] ||
			bad="$bad $prog -c ${conf:-?} (default ${default:-?})"
	done
	check "$u.service: its programs installed, -c their default${bad:+:$bad}" \
		test -z "$bad"
	pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
	# shellcheck disable=SC2086
	check "... ExecStartPre run by hand: $pre" sh -c \
		"chroot '$r' /usr/bin/env -i PATH=/usr/sbin:/usr/bin $pre >'$tmp/pre-$u.out' 2>&1"
done
in_root dpkg -P smsmilter >"$tmp/purge.out" 2>&1
check "purge removes the package and the secret" sh -c \
	"[ ! -e '$r/usr/sbin/smsmilter' ] && [ ! -e '$r/etc/smsmilter/tag.secret' ]"

echo "1..$n"
[ "$failed" -eq 0 ]
