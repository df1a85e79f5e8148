#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# debian.sh - the Debian packages end to end, as an administrator gets them:
#   1. Build-Depends name every library configure requires;
#   2. dpkg-buildpackage -us -uc -b in a copy of the tree (the checkout's
#      build/ stays as it is), lintian (no error, no warning that is not
#      overridden);
#   3. apt-get install ./*.deb: files where the packages say, conffiles,
#      the state and log directories, the state key, no snippet enabled;
#   4. a2enconf aigate, then Apache (tests/testbed/web.sh, its own
#      configuration on a spare port: the system Apache is not touched)
#      includes the enabled snippet and serves the INSTALLED gate against
#      the test bed's Samba AD DC: health, an allowed and a denied request;
#   5. an upgrade (the tree rebuilt as a later version): the changed
#      aigate.json, the state key, the state and the audit log are kept;
#      remove: configuration, state and log kept; purge:
#      configuration, state and state key gone, the audit log kept.
# It installs packages and writes under /etc and /var, so
# contrib/run-tests.sh runs it as its own step after the test suite; what
# was in /etc/aigate, /etc/pam.d/aigate, /var/lib/aigate, /var/log/aigate
# before is put aside and put back. Needs root (skips without it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$top/tests/integration/assert.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o DPkg::Lock::Timeout=600"
PKGS="aigate-cgi libpam-aigate aigatectl"
KEPT="/etc/aigate /etc/pam.d/aigate /var/lib/aigate /var/log/aigate"

# --- the smoke, run inside the test bed's AD (tests/testbed/ad.sh run) ---
smoke() { # WORK
	local work=$1 bport site out code pw=$AIG_AD_PASSWORD url
	install -m 0644 "$AIG_AD_CA" /etc/aigate/ad-ca.pem
	bport=$("$top/tests/testbed/web.sh" port)
	/usr/bin/python3 "$top/tests/fixtures/langserve_backend.py" \
		--port "$bport" --quiet >"$work/backend.log" 2>&1 &
	echo $! >"$work/backend.pid"
	# The administrator's configuration, in the conffile.
	cat >/etc/aigate/aigate.json <<JSON
{
  "ldap": {"uri": ["$AIG_AD_URI"], "domain": "$AIG_AD_DOMAIN",
           "base_dn": "$AIG_AD_BASE", "ca_file": "/etc/aigate/ad-ca.pem",
           "timeout_ms": 5000},
  "auth": {"methods": ["basic"], "pam_service": "aigate"},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 30000},
  "policy_file": "/etc/aigate/policy.json",
  "state_dir": "/var/lib/aigate",
  "state_key_file": "/etc/aigate/state.key",
  "audit": {"file": "/var/log/aigate/audit.jsonl", "syslog": false}
}
JSON
	a2enconf -q aigate
	ok $? "a2enconf aigate enables the installed snippet"
	site=$work/apache-site.conf
	printf '%s\n' 'DocumentRoot "@DIR@/htdocs"' \
		'Include /etc/apache2/conf-enabled/aigate.conf' >"$site"
	mkdir -p "$work/web/htdocs"
	if ! "$top/tests/testbed/web.sh" start apache "$work/web" "$site" >"$work/web.log" 2>&1; then
		ok 1 "Apache starts with the enabled snippet ($(tail -n 5 "$work/web.log" | tr '\n' ' '))"
		return
	fi
	. "$work/web/web.env"
	url=$AIG_WEB_URL/ai
	out=$(curl -s --noproxy '*' --max-time 20 "$url/_aigate/health")
	expect_match "$out" '"status":"ok"' "health through the installed gate"
	out=$(curl -s --noproxy '*' --max-time 30 -w ' %{http_code}' -u "bob:$pw" \
		-H Content-Type:application/json \
		-d '{"input":{"messages":[{"type":"human","content":"hello"}]}}' "$url/chat/invoke")
	expect_match "$(printf '%s' "$out" | tr -d '\n')" '"content":"echo: hello".* 200$' \
		"bob (nested AI_Users) is allowed: Basic through /etc/pam.d/aigate and pam_aigate.so"
	out=$(curl -s --noproxy '*' --max-time 30 -w ' %{http_code}' -u "bob:$pw" \
		-H Content-Type:application/json -d '{}' "$url/admin/deploy")
	expect_match "$(printf '%s' "$out" | tr -d '\n')" '"error":"forbidden".* 403$' \
		"bob is denied /admin/deploy by the shipped policy"
	out=$(curl -s --noproxy '*' --max-time 30 -w ' %{http_code}' -u "mallory:$pw" \
		-H Content-Type:application/json -d '{"input":"hi"}' "$url/chat/invoke")
	expect_match "$out" ' 403$' "mallory (no AI group) is denied"
	code=$(grep -c '"decision"' /var/log/aigate/audit.jsonl 2>/dev/null)
	expect_eq "${code:-0}" 4 "the gate audited the 4 requests in /var/log/aigate/audit.jsonl"
	out=$(stat -c '%U %a' /var/log/aigate/audit.jsonl 2>&1)
	expect_match "$out" '^www-data ' "the audit file is the gate's (www-data)"
	[ -e /var/lib/aigate/ratelimit.buckets ]
	ok $? "the gate keeps its state in /var/lib/aigate"
	out=$(grep -i 'state.key\|state_key' "$AIG_WEB_ERROR_LOG" /var/log/syslog 2>/dev/null | tail -n 3)
	expect_eq "$out" "" "the gate does not complain about its state key"
	"$top/tests/testbed/web.sh" stop "$work/web" >/dev/null 2>&1
	kill "$(cat "$work/backend.pid")" 2>/dev/null
}
if [ "${1:-}" = --smoke ]; then
	smoke "$2"
	finish
fi

# --- everything else ---
work=$(mktemp -d /tmp/aigate-deb.XXXXXX)
chmod 0755 "$work"
restore() {
	local p
	"$top/tests/testbed/web.sh" stop "$work/web" >/dev/null 2>&1
	[ -f "$work/backend.pid" ] && kill "$(cat "$work/backend.pid")" 2>/dev/null
	# shellcheck disable=SC2086
	dpkg -s $PKGS >/dev/null 2>&1 && $APT purge $PKGS >/dev/null 2>&1
	rm -f /etc/apache2/conf-enabled/aigate.conf
	for p in $KEPT; do
		rm -rf "$p"
		[ -e "$work/saved$p" ] && mkdir -p "$(dirname "$p")" && mv "$work/saved$p" "$p"
	done
	rm -rf "$work"
}
trap restore EXIT
for p in $KEPT; do
	if [ -e "$p" ]; then
		mkdir -p "$work/saved$(dirname "$p")"
		mv "$p" "$work/saved$p"
	fi
done

# 1. Every Debian package configure names for a library is a Build-Depends.
control=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$top/debian/control")
missing=
for d in $(grep -o '\[[a-z0-9][a-z0-9+.-]*-dev\]' "$top/configure.ac" | tr -d '[]' | sort -u); do
	printf '%s\n' "$control" | grep -Eq "[ ,]$d( |,|$)" || missing="$missing $d"
done
expect_eq "$missing" "" "debian/control Build-Depends names every library configure.ac requires"

# 2. Build from a copy: git's files (committed or not, not ignored), else
# the tree without build directories.
mkdir -p "$work/src/aigate"
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -)
else
	tar -C "$top" --exclude='./build*' --exclude='./aigate-*' -cf - .
fi | tar -C "$work/src/aigate" -xf -
(cd "$work/src/aigate" && dpkg-buildpackage -us -uc -b -j2) >"$work/build.log" 2>&1
st=$?
ok "$st" "dpkg-buildpackage -us -uc -b (exit $st; log: tail below on failure)"
[ "$st" = 0 ] || { tail -n 40 "$work/build.log"; finish; }
debs=$(cd "$work/src" && ls ./*.deb)
for p in $PKGS; do
	expect_match "$debs" "^\./${p}_.*\.deb$" "$p is built"
	expect_match "$debs" "^\./${p}-dbgsym_.*\.deb$" "$p-dbgsym is built"
done
out=$(cd "$work/src" && lintian --fail-on error,warning ./*.changes 2>&1)
st=$?
printf '%s\n' "$out" | sed 's/^/# /'
ok "$st" "lintian: no error, no warning (those that remain are overridden)"

# 3. Install, as an administrator does.
out=$(cd "$work/src" && $APT install ./*.deb 2>&1)
st=$?
ok "$st" "apt-get install ./*.deb"
[ "$st" = 0 ] || { printf '%s\n' "$out" | tail -n 30; finish; }
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in "/usr/lib/$ma/security/pam_aigate.so" "/usr/lib/$ma/security/aigate-ldap.so" /etc/pam.d/aigate \
	/usr/lib/aigate/aigate.cgi /usr/lib/aigate/aigate-ext.so /usr/lib/aigate/aigate-pam.so \
	/usr/lib/aigate/aigate-openssl.so /usr/sbin/aigatectl \
	/etc/aigate/aigate.json /etc/aigate/policy.json /etc/logrotate.d/aigate \
	/etc/apache2/conf-available/aigate.conf /etc/lighttpd/conf-available/50-aigate.conf \
	/lib/systemd/system/aigate-audit-seal.timer /lib/systemd/system/aigate-audit-seal.service \
	/usr/share/man/man8/pam_aigate.8.gz /usr/share/man/man8/aigate.cgi.8.gz \
	/usr/share/man/man5/aigate.json.5.gz /usr/share/man/man8/aigatectl.8.gz; do
	[ -f "$f" ]
	ok $? "installed: $f"
done
conff=$(dpkg-query -W -f='${Conffiles}\n' aigate-cgi libpam-aigate)
for f in /etc/aigate/aigate.json /etc/aigate/policy.json /etc/pam.d/aigate \
	/etc/apache2/conf-available/aigate.conf /etc/lighttpd/conf-available/50-aigate.conf \
	/etc/logrotate.d/aigate; do
	expect_match "$conff" "^ $f " "conffile: $f"
done
expect_eq "$(stat -c '%U:%G %a' /var/lib/aigate 2>&1)" "www-data:www-data 700" "/var/lib/aigate is the gate's"
expect_eq "$(stat -c '%U:%G %a' /var/log/aigate 2>&1)" "www-data:adm 750" "/var/log/aigate is the gate's"
expect_eq "$(stat -c '%U:%G %a %s' /etc/aigate/state.key 2>&1)" "www-data:www-data 600 32" \
	"postinst made the state key: 32 bytes, 0600, the gate's user's"
key_sum=$(sha256sum /etc/aigate/state.key 2>/dev/null)
[ ! -e /etc/apache2/conf-enabled/aigate.conf ] && ! ls /etc/lighttpd/conf-enabled/*aigate* >/dev/null 2>&1
ok $? "no web server snippet is enabled by the package"
[ ! -e /etc/systemd/system/timers.target.wants/aigate-audit-seal.timer ]
ok $? "the audit seal timer is installed, not enabled"
printf 'include "/etc/lighttpd/lighttpd.conf"\ninclude "/etc/lighttpd/conf-available/50-aigate.conf"\n' \
	>"$work/lighttpd-check.conf"
out=$(lighttpd -tt -f "$work/lighttpd-check.conf" 2>&1)
ok $? "lighttpd accepts its installed snippet beside Debian's lighttpd.conf ($out)"
out=$(logrotate -d /etc/logrotate.d/aigate 2>&1)
expect_no_match "$out" 'error' "logrotate accepts the installed snippet"

# 4. The smoke against the installed files, in the test bed's AD.
out=$("$top/tests/testbed/ad.sh" run "$work/ad" -- "$0" --smoke "$work" 2>&1)
st=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok) ' | sed 's/^/# smoke: /'
ok "$st" "the end-to-end smoke against the installed gate (health, allowed, denied)"
[ "$st" = 0 ] || printf '%s\n' "$out" | tail -n 20

# 5. An upgrade: the same tree as a later version (a changelog entry added
# in the copy), rebuilt and installed over the first.
audit_lines=$(wc -l </var/log/aigate/audit.jsonl 2>/dev/null)
cl=$work/src/aigate/debian/changelog
ver=$(dpkg-parsechangelog -l "$cl" -S Version)
up=$ver+upgradetest1
{
	printf 'aigate (%s) unstable; urgency=medium\n\n  * The packaging test'"'"'s upgrade.\n\n -- %s  %s\n\n' \
		"$up" "$(dpkg-parsechangelog -l "$cl" -S Maintainer)" "$(date -R)"
	cat "$cl"
} >"$cl.new" && mv "$cl.new" "$cl"
(cd "$work/src/aigate" && dpkg-buildpackage -us -uc -b -j2) >"$work/build-up.log" 2>&1
ok $? "dpkg-buildpackage of $up"
out=$(cd "$work/src" && $APT install ./*_"${up}"_*.deb 2>&1)
ok $? "apt-get install ./*_${up}_*.deb upgrades"
expect_eq "$(dpkg-query -W -f='${Version}' aigate-cgi 2>/dev/null)" "$up" "aigate-cgi is now $up"
grep -q '"pam_service": "aigate"' /etc/aigate/aigate.json
ok $? "the upgrade keeps the administrator's aigate.json"
expect_eq "$(sha256sum /etc/aigate/state.key 2>/dev/null)" "$key_sum" "the upgrade keeps the state key"
expect_eq "$(wc -l </var/log/aigate/audit.jsonl 2>/dev/null)" "$audit_lines" "the upgrade keeps the audit log"
[ -e /var/lib/aigate/ratelimit.buckets ] && [ -L /etc/apache2/conf-enabled/aigate.conf ]
ok $? "the upgrade keeps the state and the enabled snippet"

out=$($APT remove $PKGS 2>&1)
ok $? "apt-get remove"
[ ! -e /usr/lib/aigate/aigate.cgi ] && [ ! -e "/usr/lib/$ma/security/pam_aigate.so" ] && [ ! -e /usr/sbin/aigatectl ]
ok $? "remove: the programs and the module are gone"
for f in /etc/aigate/aigate.json /etc/aigate/state.key /etc/pam.d/aigate \
	/var/log/aigate/audit.jsonl /var/lib/aigate/ratelimit.buckets; do
	[ -e "$f" ]
	ok $? "remove keeps $f"
done

out=$($APT purge $PKGS 2>&1)
ok $? "apt-get purge"
for f in /etc/aigate/aigate.json /etc/aigate/policy.json /etc/aigate/state.key \
	/etc/pam.d/aigate /var/lib/aigate /etc/apache2/conf-available/aigate.conf \
	/etc/apache2/conf-enabled/aigate.conf /etc/logrotate.d/aigate; do
	[ ! -e "$f" ] && [ ! -L "$f" ]
	ok $? "purge removes $f"
done
expect_eq "$(wc -l </var/log/aigate/audit.jsonl 2>/dev/null)" "$audit_lines" "purge keeps the audit log"
out=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'aigate*' 'libpam-aigate*' 2>/dev/null |
	grep -v '^un ')
expect_eq "$out" "" "no package (nor -dbgsym) left installed or with configuration"
finish
