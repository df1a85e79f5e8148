#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fresh-debian-test.sh [DIR] - runs the README's test command the way a new
# user would: in a fresh, minimal Debian 12 (debootstrap --variant=minbase
# bookworm) with nothing but what the repository's own scripts install,
# the repository cloned to /root/aigate inside it, ./contrib/run-tests.sh as
# root (its packages installed by the repository's own install-deps.sh, the
# tests run in a network namespace of their own). This is how a package or
# a path that only a developer's machine has is found before CI or a user
# finds it.
#
# DIR (default /var/tmp/aigate-fresh) is made anew; the mirror is the first
# URIs line of /etc/apt/sources.list.d/*.sources (or sources.list) on this
# machine. Needs root, debootstrap and git. Exits with the test command's
# status; its output is in DIR/root/aigate/run-tests.log as well.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/var/tmp/aigate-fresh}

die() { echo "fresh-debian-test: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root"
command -v debootstrap >/dev/null || {
	apt-get install -y --no-install-recommends debootstrap >/dev/null ||
		die "debootstrap cannot be installed"
}

mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt"

# Nothing of this machine's /dev is bound into the chroot (debootstrap
# made its device nodes): a removal that ran through a bound /dev would
# remove this machine's. What is mounted is listed, and the tree is
# removed only when nothing under it is mounted, and never across a mount.
mounted_under() { awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts; }
cleanup() {
	local m
	for m in $(mounted_under | sort -r); do
		umount -l "$m" || true
	done
	return 0
}
trap cleanup EXIT INT TERM

cleanup
[ -z "$(mounted_under)" ] || die "still mounted under $dir: $(mounted_under | tr '\n' ' ')"
rm -rf --one-file-system "$dir"
echo "# debootstrap bookworm from $mirror into $dir"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
	{ tail -n 20 "$dir.debootstrap.log"; die "debootstrap failed"; }
echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list"
cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
# This machine's own trust, as a CI machine of its kind has it: the
# certificate authorities it adds (an egress proxy's, say; the packages'
# ca-certificates takes them in) and its npm settings (the registry's CA).
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
	mkdir -p "$dir/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
fi
[ ! -f /etc/npmrc ] || cp /etc/npmrc "$dir/etc/npmrc"
[ -c "$dir/dev/null" ] || die "debootstrap made no device nodes in $dir/dev"
mount -t proc proc "$dir/proc"
mount -t sysfs sys "$dir/sys"
mkdir -p "$dir/dev/pts" "$dir/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts"
mount -t tmpfs shm "$dir/dev/shm"

# The committed tree only: what a clone gives a user.
git clone -q "$here" "$dir/root/aigate"
# Two halves: the packages, with the network, by the repository's own
# script; then the test command in a network namespace of its own, with
# only a loopback interface, so that its servers (the AD DC's fixed ports
# among them) meet nothing of this machine's and reach nothing outside.
run_in() { # COMMAND: as root in /root/aigate, with a clean environment
	chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		AIGATE_SKIP_DEPS="${AIGATE_SKIP_DEPS:-}" \
		AIGATE_SKIP_APT_UPDATE="${AIGATE_SKIP_APT_UPDATE:-}" \
		${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"} \
		/bin/bash -c "cd /root/aigate && $1"
}
echo "# installing the packages in the chroot (./contrib/install-deps.sh)"
run_in ./contrib/install-deps.sh >"$dir.install-deps.log" 2>&1 ||
	{ tail -n 30 "$dir.install-deps.log"; die "install-deps.sh failed"; }
echo "# running ./contrib/run-tests.sh in the chroot (as root, in /root/aigate)"
export -f run_in
export dir
set +e
AIGATE_SKIP_DEPS=1 AIGATE_SKIP_APT_UPDATE=1 unshare --net /bin/bash -c \
	'ip link set lo up && run_in ./contrib/run-tests.sh' 2>&1 |
	tee "$dir/root/aigate/run-tests.log"
st=${PIPESTATUS[0]}
set -e
exit "$st"
