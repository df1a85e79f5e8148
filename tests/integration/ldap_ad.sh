#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ldap_ad.sh - ldap/ against a fresh Samba AD DC (tests/testbed/ad.sh):
# every test of `ldap_driver ad`, the sub-codes 530/531 and a login whose
# UPN bind authenticates another account than the one it names, on users
# set up here, SASL GSSAPI with the keytab, the fail-closed TLS test with
# LDAPTLS_REQCERT=never and an ldaprc saying "never", DC discovery from DNS
# SRV records (ldap.dns_srv; resolv_wrapper and nss_wrapper preloaded, and
# a DNS server of the driver's own on 127.0.53.x:53), and a run under
# valgrind. Needs root (Samba); skips (77) without the test bed's tools.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
drv=$top_builddir/tests/integration/ldap_driver
command -v samba >/dev/null 2>&1 || { echo "samba not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "the AD test bed needs root"; exit 77; }

work=$(mktemp -d /tmp/aigate-ldap-ad.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

cat >"$work/inner.sh" <<'INNER'
#!/bin/sh
# Runs inside `ad.sh run`, with ad.env exported.
set -u
drv=$1 work=$2 fail=0
export LDAPTLS_CACERT="$AIG_AD_CA"
adm="-H $AIG_AD_URI -x -D $AIG_AD_ADMIN_DN -y $AIG_AD_ADMIN_PASSWORD_FILE"

# Users for the sub-codes Samba can be made to give: logon hours (530)
# and workstation restriction (531).
for u in hal wendy; do
	samba-tool user create "$u" "$AIG_AD_PASSWORD" -s "$AIG_AD_SMBCONF" \
		>/dev/null 2>&1 || echo "# could not create $u"
done
ldapmodify $adm >/dev/null <<EOT || echo "# could not set up hal/wendy"
dn: CN=hal,$AIG_AD_USERS_DN
changetype: modify
replace: logonHours
logonHours:: AAAAAAAAAAAAAAAAAAAAAAAAAAAA

dn: CN=wendy,$AIG_AD_USERS_DN
changetype: modify
replace: userWorkstations
userWorkstations: NOSUCHPC
EOT

# Two accounts whose names collide (ldap_driver's ad_upn_collision): A,
# sAMAccountName upnx, in AI_Admins; B, sAMAccountName upnxb, in
# OU=Robots, with the UPN upnx@alt.example.com, an alternative UPN
# suffix. (Samba refuses upnx@<the domain> while upnx is anyone's
# sAMAccountName; Windows AD does not.)
AIG_TEST_UPN_A_PASSWORD='Upnx-A-Passw0rd!'
AIG_TEST_UPN_B_PASSWORD='Upnx-B-Passw0rd!'
ldapmodify $adm >/dev/null <<EOT || echo "# could not create OU=Robots"
dn: OU=Robots,$AIG_AD_BASE
changetype: add
objectClass: organizationalUnit
EOT
samba-tool user create upnx "$AIG_TEST_UPN_A_PASSWORD" \
	-s "$AIG_AD_SMBCONF" >/dev/null 2>&1 || echo "# could not create upnx"
samba-tool user create upnxb "$AIG_TEST_UPN_B_PASSWORD" --userou=OU=Robots \
	-s "$AIG_AD_SMBCONF" >/dev/null 2>&1 || echo "# could not create upnxb"
if ldapmodify $adm >/dev/null <<EOT; then
dn: CN=upnxb,OU=Robots,$AIG_AD_BASE
changetype: modify
replace: userPrincipalName
userPrincipalName: upnx@alt.example.com

dn: CN=AI_Admins,$AIG_AD_USERS_DN
changetype: modify
add: member
member: CN=upnx,$AIG_AD_USERS_DN
EOT
	export AIG_TEST_UPN_LOGIN=upnx AIG_TEST_UPN_B_LOGIN=upnxb \
		AIG_TEST_UPN_SUFFIX=alt.example.com AIG_TEST_UPN_A_PASSWORD \
		AIG_TEST_UPN_B_PASSWORD
else
	echo "# could not set up upnx/upnxb"
fi
unset LDAPTLS_CACERT
export AIG_TEST_LOGON_HOURS_USER=hal AIG_TEST_WORKSTATION_USER=wendy

echo "=== ldap_driver ad"
"$drv" ad || fail=1

echo "=== ldap_driver gssapi"
if [ "${AIG_WITH_GSSAPI:-yes}" = no ]; then
	out="# SKIP GSSAPI: aigate was configured --without-gssapi" rc=0
else
	out=$(env KRB5_CONFIG="$AIG_AD_KRB5_CONFIG" \
		NSS_WRAPPER_HOSTS="$AIG_AD_NSS_HOSTS" \
		LD_PRELOAD="${AIG_AD_NSS_WRAPPER:-}" "$drv" gssapi 2>&1) && rc=0 || rc=$?
fi
echo "$out"
if [ "$rc" != 0 ]; then
	# (The test bed's Samba allows SASL binds without sign/seal over
	# TLS, as Windows AD does: "ldap server require strong auth =
	# allow_sasl_over_tls" in tests/testbed/ad.sh.)
	if echo "$out" | grep -q "ASan runtime does not come first"; then
		echo "# SKIP GSSAPI: nss_wrapper cannot be preloaded under ASan"
	else
		fail=1
	fi
fi

echo "=== ldap_driver wrongca (LDAPTLS_REQCERT=never, ./ldaprc says never)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/wrong.key" \
	-out "$work/wrong-ca.pem" -subj "/CN=not the test CA" -days 1 \
	>/dev/null 2>&1
mkdir -p "$work/cwd"
printf 'TLS_REQCERT never\nTLS_REQSAN never\nTLS_CACERT %s\n' \
	"$work/wrong-ca.pem" >"$work/cwd/ldaprc"
# Control: with that environment, libldap's own tools do connect (so the
# environment would weaken a client that relied on the defaults).
if (cd "$work/cwd" && LDAPTLS_REQCERT=never \
	ldapsearch -LLL -H "$AIG_AD_URI" -x -D "alice@$AIG_AD_DOMAIN" \
	-w "$AIG_AD_PASSWORD" -b "" -s base dnsHostName >/dev/null 2>&1); then
	echo "ok - control: ldapsearch connects despite the wrong CA"
else
	echo "not ok - control: ldapsearch did not connect"; fail=1
fi
(cd "$work/cwd" && LDAPTLS_REQCERT=never LDAPTLS_CACERT="$work/wrong-ca.pem" \
	AIG_TEST_WRONG_CA="$work/wrong-ca.pem" "$drv" wrongca) || fail=1

echo "=== ldap_driver srv (DNS SRV discovery, resolv_wrapper + nss_wrapper)"
rwrap=$(ldconfig -p 2>/dev/null |
	awk '/libresolv_wrapper\.so[^.]/ { print $NF; exit }')
if [ -z "$rwrap" ] || [ -z "${AIG_AD_NSS_WRAPPER:-}" ]; then
	echo "# SKIP srv: libresolv_wrapper or libnss_wrapper not installed"
else
	# dc1's name (in the DC's certificate) and a name the certificate
	# does not hold, both on 127.0.0.1; the driver writes resolv_wrapper's
	# hosts file and runs its own DNS server for the rest.
	mkdir -p "$work/srv"
	{ cat "$AIG_AD_NSS_HOSTS"; echo "127.0.0.1 rogue.corp.example.com"; } \
		>"$work/srv/hosts"
	out=$(env -u RESOLV_WRAPPER_HOSTS -u RESOLV_WRAPPER_CONF \
		NSS_WRAPPER_HOSTS="$work/srv/hosts" AIG_TEST_SRV_DIR="$work/srv" \
		LD_PRELOAD="$rwrap $AIG_AD_NSS_WRAPPER" "$drv" srv 2>&1) &&
		rc=0 || rc=$?
	echo "$out"
	if [ "$rc" != 0 ]; then
		if echo "$out" | grep -q "ASan runtime does not come first"; then
			echo "# SKIP srv: the wrappers cannot be preloaded under ASan"
		else
			fail=1
		fi
	fi
fi

echo "=== the DC's own count of a cold login's LDAP operations"
# Samba at debug level 10 logs every request it serves: "BindSimple dn:"
# per simple bind, "SearchRequest: scope:" per search, "Extended" per
# extended operation. smbcontrol's debuglevel query answers after the
# change of level has been applied (one process, messages in order).
dc=$(cat "$AIG_AD_DIR/samba.pid" 2>/dev/null || true)
smbc() { smbcontrol -s "$AIG_AD_SMBCONF" "$dc" "$@" >/dev/null 2>&1; }
# dc_ops METHOD N: "binds searches extended" of N logins on one session.
dc_ops() {
	smbc debug 10 && smbc debuglevel || { echo "x x x"; return; }
	n0=$(wc -l <"$AIG_AD_LOG")
	"$drv" cold "$1" "$2" >&2 || echo "# the logins failed" >&2
	smbc debug 1
	tail -n +"$((n0 + 1))" "$AIG_AD_LOG" | awk '
		/^BindSimple dn:/ { b++ }
		/^SearchRequest: scope:/ { s++ }
		/^Extended$/ { x++ }
		END { printf "%d %d %d\n", b, s, x }'
}
if [ -z "$dc" ] || ! command -v smbcontrol >/dev/null; then
	echo "# SKIP operation count: no smbcontrol or no pid of the DC"
else
	# One cold login with groups by in_chain: the bind, "Who am I?"
	# (Samba refuses it) sent with the one search that finds the
	# user's entry and proves it is the account bound, and the groups'
	# search. The old sequence made three searches.
	set -- $(dc_ops in_chain 1)
	if [ "$1" = 1 ] && [ "$2" -le 2 ] && [ "$3" -le 1 ]; then
		echo "ok - cold login, in_chain: the DC saw $1 bind, $2 searches, $3 \"Who am I?\""
	else
		echo "not ok - cold login, in_chain: the DC saw $1 binds, $2 searches, $3 extended (want 1, <= 2, <= 1)"; fail=1
	fi
	set -- $(dc_ops tokengroups 1)
	if [ "$1" = 1 ] && [ "$2" -le 3 ] && [ "$3" -le 1 ]; then
		echo "ok - cold login, tokengroups: the DC saw $1 bind, $2 searches (user, tokenGroups, the SIDs' names), $3 \"Who am I?\""
	else
		echo "not ok - cold login, tokengroups: the DC saw $1 binds, $2 searches, $3 extended (want 1, <= 3, <= 1)"; fail=1
	fi
	# A second login on a kept session: the DC refused "Who am I?" on
	# it, so it is not asked again: the bind and two searches, exactly.
	set -- $(dc_ops in_chain 1) $(dc_ops in_chain 2)
	b=$(($4 - $1)) s=$(($5 - $2)) x=$(($6 - $3))
	if [ "$b" = 1 ] && [ "$s" = 2 ] && [ "$x" = 0 ]; then
		echo "ok - a second login on a kept session, in_chain: $b bind, $s searches, no \"Who am I?\""
	else
		echo "not ok - a second login on a kept session, in_chain: $b binds, $s searches, $x extended (want 1, 2, 0)"; fail=1
	fi
fi

echo "=== ldap_driver ad-short under valgrind"
if [ "${AIG_SANITIZERS:-no}" = yes ] || ! command -v valgrind >/dev/null; then
	"$drv" ad-short || fail=1
else
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --error-exitcode=97 \
		"$drv" ad-short || fail=1
fi
exit $fail
INNER

"$top_srcdir/tests/testbed/ad.sh" run "$work/bed" -- \
	sh "$work/inner.sh" "$drv" "$work"
