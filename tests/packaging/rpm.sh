#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rpm.sh - contrib/rpm/aigate.spec makes a source RPM (rpmbuild -bs) from
# a tarball of this tree, and the spec's version is configure's. A binary
# build needs Amazon Linux 2023 or RHEL and is not run here
# (docs/packaging.md says what is verified).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$top/tests/integration/assert.sh"

command -v rpmbuild >/dev/null || { ok 1 "rpmbuild is installed (Debian package rpm)"; finish; }
work=$(mktemp -d /tmp/aigate-rpm.XXXXXX)
trap 'rm -rf "$work"' EXIT
spec=$top/contrib/rpm/aigate.spec
ver=$(sed -n 's/^Version: *//p' "$spec")
ac_ver=$(sed -n 's/^AC_INIT(\[aigate\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
expect_eq "$ver" "$ac_ver" "the spec's Version is configure.ac's"

mkdir -p "$work/aigate-$ver" "$work/SOURCES"
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -)
else
	tar -C "$top" --exclude='./build*' --exclude='./_build' --exclude='./aigate-*' -cf - .
fi | tar -C "$work/aigate-$ver" -xf -
tar -C "$work" -czf "$work/SOURCES/aigate-$ver.tar.gz" "aigate-$ver"
out=$(rpmbuild -bs --define "_topdir $work" --define "_sourcedir $work/SOURCES" \
	--define "_srcrpmdir $work" "$spec" 2>&1)
st=$?
ok "$st" "rpmbuild -bs contrib/rpm/aigate.spec (exit $st)"
[ "$st" = 0 ] || printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
srpm=$(ls "$work"/aigate-"$ver"-1*.src.rpm 2>/dev/null)
[ -n "$srpm" ]
ok $? "a source RPM aigate-$ver-1*.src.rpm is written"
if [ -n "$srpm" ]; then
	out=$(rpm -qpl "$srpm" 2>/dev/null)
	expect_match "$out" '^aigate\.spec$' "it holds the spec"
	expect_match "$out" "^aigate-$ver\\.tar\\.gz$" "it holds the source tarball"
	out=$(rpm -qp --queryformat '[%{REQUIRENAME}\n]' "$srpm" 2>/dev/null)
	expect_match "$out" '^pkgconfig\(ldap\)$' "its BuildRequires come through (pkgconfig(ldap))"
fi
finish
