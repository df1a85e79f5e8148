#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# testbed-slapd.sh — checks the generic LDAP test bed (tests/testbed/slapd.sh):
# slapd answers on spare ports with a certificate that verifies, users bind,
# the memberof overlay keeps memberOf (nesting and the deliberate cycle
# included), SASL EXTERNAL maps the client certificate to the service DN,
# two instances run side by side, and `stop` leaves nothing running.
#
# Run: tests/integration/testbed-slapd.sh (as root; exit 0 = pass).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the test bed starts real servers and needs root"
    exit 77
fi

HERE=$(cd "$(dirname "$0")" && pwd -P)
TESTBED=${top_srcdir:+$top_srcdir/tests/testbed}
TESTBED=$(cd "${TESTBED:-$HERE/../testbed}" && pwd -P)

# --- outer part --------------------------------------------------------------
if [ "${1:-}" != --inside ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/aigate-testbed-slapd.XXXXXX")
    rc=0
    "$TESTBED/slapd.sh" run "$WORK/sl" -- bash "$0" --inside "$WORK" || rc=$?
    left=$(grep -lz -e "^AIG_TESTBED_TAG=slapd:$WORK/" /proc/[0-9]*/environ 2>/dev/null || true)
    if [ -n "$left" ]; then
        echo "not ok - slapd processes left: $left"
        rc=1
    else
        echo "ok - no slapd process left after slapd.sh run"
    fi
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK"
        echo "PASS: slapd test bed"
    else
        echo "FAIL: slapd test bed (files kept in $WORK)"
    fi
    exit "$rc"
fi

# --- inner part: runs with slapd.env exported --------------------------------
WORK=$2
fails=0
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || printf '    %s\n' "$2"; }

echo "# slapd on $AIG_SLAPD_URI and $AIG_SLAPD_LDAPS_URI, started in $AIG_SLAPD_START_SECONDS s"
export LDAPTLS_CACERT="$AIG_SLAPD_CA" LDAPTLS_REQCERT=demand
unset LDAPTLS_CERT LDAPTLS_KEY
P=$AIG_SLAPD_PEOPLE_DN
G=$AIG_SLAPD_GROUPS_DN
BOB=uid=bob,$P
JSMITH="cn=Smith\\, John (Contractor),$P"
(umask 077 && printf 'Not-the-Passw0rd!' >"$WORK/bad.pw")

q() { ldapsearch -o nettimeout=5 -o ldif-wrap=no "$@" 2>&1; }

# member_of DN: the memberOf values of DN, read by bob.
member_of() {
    q -x -H "$AIG_SLAPD_LDAPS_URI" -D "$BOB" -y "$AIG_SLAPD_PASSWORD_FILE" \
        -b "$1" -s base -LLL memberOf | sed -n 's/^memberOf: //p' | tr '\n' ';'
}

expect_member_of() { # DN GROUP-DN
    local got
    got=$(member_of "$1")
    case ";$got" in
    *";$2;"*) pass "memberOf of ${1%%,ou=*} includes ${2%%,ou=*}" ;;
    *) fail "memberOf of ${1%%,ou=*} includes ${2%%,ou=*}" "got: $got" ;;
    esac
}

if out=$(ldapwhoami -o nettimeout=5 -x -H "$AIG_SLAPD_LDAPS_URI" -D "$BOB" -y "$AIG_SLAPD_PASSWORD_FILE" 2>&1) &&
    [ "$out" = "dn:$BOB" ]; then
    pass "bob binds over LDAPS ($out)"
else
    fail "bob binds over LDAPS" "$out"
fi
if out=$(ldapwhoami -o nettimeout=5 -x -ZZ -H "$AIG_SLAPD_URI" -D "$BOB" -y "$AIG_SLAPD_PASSWORD_FILE" 2>&1); then
    pass "bob binds over StartTLS"
else
    fail "bob binds over StartTLS" "$out"
fi
if out=$(ldapwhoami -o nettimeout=5 -x -H "$AIG_SLAPD_LDAPS_URI" -D "$BOB" -y "$WORK/bad.pw" 2>&1); then
    fail "a wrong password is refused" "bind succeeded"
else
    case $out in
    *"Invalid credentials (49)"*) pass "a wrong password is refused (49)" ;;
    *) fail "a wrong password is refused (49)" "$out" ;;
    esac
fi
if out=$(LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt ldapwhoami -o nettimeout=5 -x \
    -H "$AIG_SLAPD_LDAPS_URI" -D "$BOB" -y "$AIG_SLAPD_PASSWORD_FILE" 2>&1); then
    fail "LDAPS with the wrong CA is refused" "$out"
else
    pass "LDAPS with the wrong CA is refused"
fi
if out=$(ldapwhoami -o nettimeout=5 -x -H "$AIG_SLAPD_LDAPS_URI" -D "$JSMITH" \
    -y "$AIG_SLAPD_PASSWORD_FILE" 2>&1); then
    pass "jsmith binds as $JSMITH"
else
    fail "jsmith binds as $JSMITH" "$out"
fi
dn=$(q -x -H "$AIG_SLAPD_LDAPS_URI" -D "$BOB" -y "$AIG_SLAPD_PASSWORD_FILE" -b "$P" -LLL \
    '(uid=jsmith)' dn | sed -n 's/^dn: //p')
case $dn in
"cn=Smith\\2C John (Contractor),$P" | "cn=Smith\\, John (Contractor),$P") pass "uid=jsmith is $dn" ;;
*) fail "uid=jsmith is cn=Smith\\, John (Contractor),..." "got: $dn" ;;
esac

expect_member_of "$BOB" "cn=Data_Scientists,$G"
expect_member_of "cn=Data_Scientists,$G" "cn=AI_Users,$G"
expect_member_of "uid=ophelia,$P" "cn=ML_Platform,$G"
expect_member_of "cn=ML_Platform,$G" "cn=AI_Admins,$G"
expect_member_of "uid=alice,$P" "cn=AI_Admins,$G"
expect_member_of "$JSMITH" "cn=AI_Users,$G"
expect_member_of "uid=cyril,$P" "cn=Cycle_A,$G"
expect_member_of "cn=Cycle_A,$G" "cn=Cycle_B,$G"
expect_member_of "cn=Cycle_B,$G" "cn=Cycle_A,$G"
got=$(member_of "uid=mallory,$P")
case $got in
*AI_*) fail "mallory is in no AI_* group" "got: $got" ;;
*) pass "mallory is in no AI_* group ($got)" ;;
esac

# Anonymous users may bind but read nothing.
cnt=$(q -x -H "$AIG_SLAPD_LDAPS_URI" -b "$AIG_SLAPD_BASE" -LLL '(objectClass=*)' dn | grep -c '^dn:' || true)
if [ "$cnt" -eq 0 ]; then pass "anonymous reads nothing"; else fail "anonymous reads nothing" "$cnt entries"; fi

# SASL EXTERNAL with the client certificate, over LDAPS and StartTLS.
for uri in "$AIG_SLAPD_LDAPS_URI" "$AIG_SLAPD_URI -ZZ"; do
    # shellcheck disable=SC2086
    if out=$(LDAPTLS_CERT="$AIG_SLAPD_CLIENT_CERT" LDAPTLS_KEY="$AIG_SLAPD_CLIENT_KEY" \
        ldapwhoami -o nettimeout=5 -Q -Y EXTERNAL -H $uri 2>&1) &&
        [ "$out" = "dn:$AIG_SLAPD_SVC_DN" ]; then
        pass "SASL EXTERNAL with the client certificate ($uri) is $out"
    else
        fail "SASL EXTERNAL with the client certificate ($uri)" "$out"
    fi
done
cnt=$(LDAPTLS_CERT="$AIG_SLAPD_CLIENT_CERT" LDAPTLS_KEY="$AIG_SLAPD_CLIENT_KEY" \
    q -Q -Y EXTERNAL -H "$AIG_SLAPD_LDAPS_URI" -b "$AIG_SLAPD_BASE" -LLL '(objectClass=inetOrgPerson)' dn |
    grep -c '^dn:' || true)
if [ "$cnt" -eq 10 ]; then pass "the EXTERNAL identity reads the tree (10 people)"; else fail "the EXTERNAL identity reads the tree" "$cnt people"; fi
if out=$(ldapwhoami -o nettimeout=5 -Q -Y EXTERNAL -H "$AIG_SLAPD_LDAPS_URI" 2>&1); then
    fail "SASL EXTERNAL without a client certificate fails" "$out"
else
    pass "SASL EXTERNAL without a client certificate fails"
fi
if out=$(ldapwhoami -o nettimeout=5 -x -H "$AIG_SLAPD_LDAPS_URI" -D "$AIG_SLAPD_SVC_DN" \
    -y "$AIG_SLAPD_SVC_PASSWORD_FILE" 2>&1); then
    pass "the service DN binds with its password file"
else
    fail "the service DN binds with its password file" "$out"
fi

# A second instance at the same time gets its own ports.
if "$TESTBED/slapd.sh" start "$WORK/sl2" 2>"$WORK/sl2.log"; then
    # shellcheck source=/dev/null
    sl2_uri=$(. "$WORK/sl2/slapd.env" && echo "$AIG_SLAPD_LDAPS_URI")
    # shellcheck source=/dev/null
    sl2_ca=$(. "$WORK/sl2/slapd.env" && echo "$AIG_SLAPD_CA")
    if [ "$sl2_uri" != "$AIG_SLAPD_LDAPS_URI" ] &&
        out=$(LDAPTLS_CACERT="$sl2_ca" ldapwhoami -o nettimeout=5 -x -H "$sl2_uri" -D "$BOB" \
            -y "$AIG_SLAPD_PASSWORD_FILE" 2>&1); then
        pass "a second slapd runs alongside on $sl2_uri"
    else
        fail "a second slapd runs alongside" "$sl2_uri: ${out:-}"
    fi
else
    fail "a second slapd starts" "$(cat "$WORK/sl2.log" 2>/dev/null)"
fi
"$TESTBED/slapd.sh" stop "$WORK/sl2" || fail "slapd.sh stop of the second instance"

echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
