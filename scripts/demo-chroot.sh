#!/bin/sh
# demo-chroot.sh - make demo from a fresh clone in a clean Debian 12
#
# There is no container engine here: the clean Debian 12 is a chroot
# that debootstrap makes (minbase; only make is added, for `make` to
# exist). The checkout is cloned into it, and `make demo` runs there as
# it would for a newcomer: it installs what it needs, builds, and runs
# the loop. /proc, /sys and /dev are mounted for the run and unmounted
# after, even on failure.
#
# Usage (as root): scripts/demo-chroot.sh [CHROOT_DIR]
set -u
root=${1:-/var/tmp/smsmilter-chroot}
top=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -x "$root/usr/bin/apt-get" ]; then
	debootstrap --variant=minbase bookworm "$root" "$mirror" || exit 1
fi
undo() {
	for m in dev/pts dev sys proc; do
		umount -l "$root/$m" 2>/dev/null
	done
}
trap undo EXIT
trap 'exit 1' INT TERM
mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
	mount --bind /dev "$root/dev" && mount --bind /dev/pts "$root/dev/pts" ||
	exit 1
# the network's settings come along: its resolver, and the local CAs
# of a network that intercepts TLS (npm's registry is reached over it)
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt \
	"$root/usr/local/share/ca-certificates/" 2>/dev/null
rm -rf "$root/src"
git clone -q "$top" "$root/src" || exit 1
chroot "$root" /bin/sh -c '
	export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
	apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends make ca-certificates &&
	update-ca-certificates >/dev/null &&
	export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt &&
	cd /src && make demo'
