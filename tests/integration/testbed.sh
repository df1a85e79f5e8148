#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# testbed.sh — checks the Active Directory test bed (tests/testbed/ad.sh):
# a fresh Samba AD DC answers on 127.0.0.1 with a certificate that verifies,
# every demo account gives the AD result the other tests rely on, nested
# groups resolve, passwords change, GSSAPI works with the exported keytab,
# and `stop` leaves nothing running. Prints how long `start` took.
#
# Run: tests/integration/testbed.sh (as root; exit 0 = pass). Under
# `make check` it gets top_srcdir; alone it finds the tree from its path.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the test bed starts real servers and needs root"
    exit 77
fi

HERE=$(cd "$(dirname "$0")" && pwd -P)
TESTBED=${top_srcdir:+$top_srcdir/tests/testbed}
TESTBED=$(cd "${TESTBED:-$HERE/../testbed}" && pwd -P)

# --- outer part: start the test bed and run the checks inside it -----------
if [ "${1:-}" != --inside ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/aigate-testbed.XXXXXX")
    export AIG_TB_T0
    AIG_TB_T0=$(date +%s.%3N)
    rc=0
    "$TESTBED/ad.sh" run "$WORK/ad" -- bash "$0" --inside "$WORK" || rc=$?

    # After `run`: nothing of ours may be left (Samba ran in a session of
    # its own, whose id the inner part noted).
    left=
    if [ -s "$WORK/samba.sid" ]; then
        left=$(ps -e -o pid=,sid=,stat= | awk -v s="$(cat "$WORK/samba.sid")" '$2 == s && $3 !~ /^Z/ { print $1 }')
    else
        echo "not ok - the inner part did not note Samba's pid"
        rc=1
    fi
    if [ -n "$left" ]; then
        echo "not ok - processes left after ad.sh run: $left"
        rc=1
    else
        echo "ok - no Samba process left after ad.sh run"
    fi
    if [ "$rc" -eq 0 ]; then
        # The start/stop form: start holds the lock until stop.
        lock=${AIG_AD_LOCK:-/tmp/aigate-ad.lock}
        if "$TESTBED/ad.sh" start "$WORK/ad2" 2>"$WORK/start2.log"; then
            if flock -n "$lock" true; then
                echo "not ok - $lock is free while started"; rc=1
            else
                echo "ok - ad.sh start holds $lock"
            fi
            sid=$(cat "$WORK/ad2/samba.pid")
            holder=$(cat "$WORK/ad2/lock-holder.pid")
            # shellcheck source=/dev/null
            echo "# second start (from the template when AIG_TESTBED_RUN_ID is set):" \
                "$(. "$WORK/ad2/ad.env" && echo "$AIG_AD_START_SECONDS") s"
            "$TESTBED/ad.sh" stop "$WORK/ad2" || rc=1
            left=$(ps -e -o pid=,sid=,stat= | awk -v s="$sid" '$2 == s && $3 !~ /^Z/ { print $1 }')
            # (Another test may take the lock at once, so look at the holder.)
            hstat=$(ps -o stat= -p "$holder" 2>/dev/null || true)
            if [ -z "$left" ] && { [ -z "$hstat" ] || [ "${hstat#Z}" != "$hstat" ]; }; then
                echo "ok - ad.sh stop ends Samba and releases $lock"
            else
                echo "not ok - after ad.sh stop: left=$left"; rc=1
            fi
        else
            cat "$WORK/start2.log"
            echo "not ok - ad.sh start"; rc=1
        fi
    fi
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK"
        echo "PASS: AD test bed"
    else
        echo "FAIL: AD test bed (files kept in $WORK)"
    fi
    exit "$rc"
fi

# --- inner part: runs with ad.env exported -----------------------------------
WORK=$2
fails=0
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || printf '    %s\n' "$2"; }

cp "$AIG_AD_DIR/samba.pid" "$WORK/samba.sid"
took=$(awk -v a="$AIG_TB_T0" -v b="$(date +%s.%3N)" 'BEGIN { printf "%.3f", b - a }')
echo "# ad.sh start took ${AIG_AD_START_SECONDS} s (${took} s wall clock, lock wait included)"

# Verification on: only the test bed's CA, certificate required.
export LDAPTLS_CACERT="$AIG_AD_CA" LDAPTLS_REQCERT=demand LDAPREFERRALS=off
unset LDAPTLS_CERT LDAPTLS_KEY
PWFILE=$WORK/demo.pw
BADFILE=$WORK/bad.pw
(umask 077 && printf '%s' "$AIG_AD_PASSWORD" >"$PWFILE" && printf 'Not-the-Passw0rd!' >"$BADFILE")

# bind USER-OR-DN PWFILE [URI] [ldapsearch options]: a simple bind + root DSE read.
bind() {
    local who=$1 pw=$2 uri=${3:-$AIG_AD_URI}
    case $who in *=*) ;; *) who=$who@$AIG_AD_DOMAIN ;; esac
    shift 3 2>/dev/null || shift $#
    ldapsearch -o nettimeout=5 -x -H "$uri" "$@" -D "$who" -y "$pw" -b '' -s base -LLL dn 2>&1
}

expect_bind_ok() {
    local out
    if out=$(bind "$@"); then pass "$1 binds"; else fail "$1 binds" "$out"; fi
}

expect_ad_data() { # USER PWFILE CODE
    local out
    if out=$(bind "$1" "$2"); then
        fail "$1 is refused with data $3" "bind succeeded"
    elif printf '%s' "$out" | grep -q "data $3,"; then
        pass "$1 is refused with AD data $3"
    else
        fail "$1 is refused with data $3" "$out"
    fi
}

# svc_search ARG...: ldapsearch over LDAPS bound as the service account.
svc_search() {
    ldapsearch -o nettimeout=5 -o ldif-wrap=no -x -H "$AIG_AD_URI" -D "$AIG_AD_SVC_DN" \
        -y "$AIG_AD_SVC_PASSWORD_FILE" -b "$AIG_AD_BASE" -LLL "$@"
}

# user_dn USER: the DN of the account USER (sAMAccountName).
user_dn() { svc_search "(sAMAccountName=$1)" dn | sed -n 's/^dn: //p'; }

# filter_escape VALUE: VALUE escaped for an LDAP filter (RFC 4515).
filter_escape() {
    printf '%s' "$1" | sed -e 's/\\/\\5c/g' -e 's/\*/\\2a/g' -e 's/(/\\28/g' -e 's/)/\\29/g'
}

# in_chain USER: the cn of every group USER is in, nested, via
# LDAP_MATCHING_RULE_IN_CHAIN, read by the service account.
in_chain() {
    local dn
    dn=$(filter_escape "$(user_dn "$1")")
    svc_search "(member:1.2.840.113556.1.4.1941:=$dn)" cn |
        sed -n 's/^cn: //p' | sort | tr '\n' ' '
}

expect_groups() { # USER "WANTED..." "UNWANTED..."
    local got g ok=1
    got=" $(in_chain "$1")"
    for g in $2; do case $got in *" $g "*) ;; *) ok=0 ;; esac; done
    for g in $3; do case $got in *" $g "*) ok=0 ;; esac; done
    if [ $ok = 1 ]; then
        pass "$1's nested groups:${got% }"
    else
        fail "$1's nested groups include [$2] and not [$3]" "got:$got"
    fi
}

# ad_change_password BIND-DN BIND-PWFILE USER-DN OLD NEW: AD's password
# change (delete the old unicodePwd, add the new) over LDAPS.
ad_change_password() {
    local oldb newb
    oldb=$(printf '"%s"' "$4" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
    newb=$(printf '"%s"' "$5" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
    printf 'dn: %s\nchangetype: modify\ndelete: unicodePwd\nunicodePwd:: %s\n-\nadd: unicodePwd\nunicodePwd:: %s\n-\n' \
        "$3" "$oldb" "$newb" >"$WORK/pw.ldif"
    ldapmodify -o nettimeout=5 -x -H "$AIG_AD_URI" -D "$1" -y "$2" -f "$WORK/pw.ldif" 2>&1
}

echo "# server: $AIG_AD_URI ($AIG_AD_HOSTNAME), base $AIG_AD_BASE"

# TLS: our CA verifies the server at 127.0.0.1; another CA does not.
if out=$(LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt bind alice "$PWFILE"); then
    fail "LDAPS with the wrong CA is refused" "$out"
else
    pass "LDAPS with the wrong CA is refused"
fi

for u in alice bob ophelia jsmith; do expect_bind_ok "$u" "$PWFILE"; done
expect_bind_ok "CN=Smith\\, John (Contractor),$AIG_AD_USERS_DN" "$PWFILE"
expect_bind_ok "$AIG_AD_SVC_DN" "$AIG_AD_SVC_PASSWORD_FILE"
expect_bind_ok "$AIG_AD_ADMIN_DN" "$AIG_AD_ADMIN_PASSWORD_FILE"

if out=$(bind alice "$PWFILE" "$AIG_AD_STARTTLS_URI" -ZZ); then
    pass "alice binds over StartTLS ($AIG_AD_STARTTLS_URI)"
else
    fail "alice binds over StartTLS" "$out"
fi
if out=$(bind alice "$PWFILE" "$AIG_AD_STARTTLS_URI"); then
    fail "a simple bind without TLS is refused" "bind succeeded"
else
    pass "a simple bind without TLS is refused"
fi

expect_ad_data alice "$BADFILE" 52e
expect_ad_data nosuchuser "$PWFILE" 52e
expect_ad_data carol "$PWFILE" 533
expect_ad_data dave "$PWFILE" 701
expect_ad_data frank "$PWFILE" 773
expect_ad_data erin "$PWFILE" 775

expect_groups bob "AI_Users Data_Scientists" "AI_Admins ML_Platform"
expect_groups ophelia "AI_Admins ML_Platform" "AI_Users"
expect_groups alice "AI_Admins" "AI_Users ML_Platform"
expect_groups jsmith "AI_Users" "AI_Admins"
expect_groups mallory "Finance" "AI_Admins AI_Users Data_Scientists ML_Platform"

# tokenGroups: base scope on bob's own entry, as bob.
tg=$(ldapsearch -o nettimeout=5 -x -H "$AIG_AD_URI" -D "bob@$AIG_AD_DOMAIN" -y "$PWFILE" \
    -b "CN=bob,$AIG_AD_USERS_DN" -s base -LLL tokenGroups 2>&1 | grep -c '^tokenGroups::' || true)
if [ "$tg" -ge 3 ]; then
    pass "bob reads his tokenGroups ($tg SIDs)"
else
    fail "bob reads his tokenGroups" "got $tg"
fi

dn=$(user_dn jsmith)
if [ "$dn" = "CN=Smith\\, John (Contractor),$AIG_AD_USERS_DN" ]; then
    pass "jsmith's DN is $dn"
else
    fail "jsmith's DN is CN=Smith\\, John (Contractor),..." "got: $dn"
fi

# Passwords: complexity refuses a weak one; min age 0 lets a user change hers.
out=$(ad_change_password "mallory@$AIG_AD_DOMAIN" "$PWFILE" "CN=mallory,$AIG_AD_USERS_DN" \
    "$AIG_AD_PASSWORD" weak) && rc=0 || rc=$?
if [ "$rc" -eq 19 ]; then
    pass "a weak password is refused (result 19)"
else
    fail "a weak password is refused (result 19)" "rc=$rc $out"
fi
NEWPW='N3w-Passw0rd!Demo'
(umask 077 && printf '%s' "$NEWPW" >"$WORK/new.pw")
if out=$(ad_change_password "mallory@$AIG_AD_DOMAIN" "$PWFILE" "CN=mallory,$AIG_AD_USERS_DN" \
    "$AIG_AD_PASSWORD" "$NEWPW") && out=$(bind mallory "$WORK/new.pw"); then
    pass "mallory changes her own password and binds with the new one"
else
    fail "mallory changes her own password" "$out"
fi
# A must-change user cannot bind; the change goes over the service account.
if out=$(ad_change_password "$AIG_AD_SVC_DN" "$AIG_AD_SVC_PASSWORD_FILE" \
    "CN=frank,$AIG_AD_USERS_DN" "$AIG_AD_PASSWORD" "$NEWPW") &&
    out=$(bind frank "$WORK/new.pw"); then
    pass "frank's password changed over the service connection; frank binds"
else
    fail "frank's password change over the service connection" "$out"
fi

# Kerberos: the exported keytab gets a ticket; a GSSAPI bind to the DC's
# name (resolved by nss_wrapper) gets an encrypted session.
export KRB5_CONFIG="$AIG_AD_KRB5_CONFIG" KRB5CCNAME="FILE:$WORK/krb5cc"
if out=$(kinit -kt "$AIG_AD_KEYTAB" "$AIG_AD_SVC_PRINCIPAL" 2>&1); then
    pass "kinit with the service keytab"
else
    fail "kinit with the service keytab" "$out"
fi
kdestroy >/dev/null 2>&1 || true
if [ -n "$AIG_AD_NSS_WRAPPER" ] &&
    out=$(KRB5_CLIENT_KTNAME="$AIG_AD_KEYTAB" LD_PRELOAD="$AIG_AD_NSS_WRAPPER" \
        NSS_WRAPPER_HOSTS="$AIG_AD_NSS_HOSTS" ldapsearch -o nettimeout=5 -N -Y GSSAPI \
        -H "$AIG_AD_GSSAPI_URI" -b "$AIG_AD_SVC_DN" -s base -LLL sAMAccountName 2>&1) &&
    printf '%s' "$out" | grep -q '^SASL SSF: 256'; then
    pass "GSSAPI bind to $AIG_AD_GSSAPI_URI with the keytab (SSF 256)"
else
    fail "GSSAPI bind to $AIG_AD_GSSAPI_URI" "$out"
fi

# Secrets are private.
for f in "$AIG_AD_ADMIN_PASSWORD_FILE" "$AIG_AD_SVC_PASSWORD_FILE" "$AIG_AD_KEYTAB"; do
    m=$(stat -c %a "$f")
    if [ "$m" = 600 ]; then pass "$(basename "$f") is mode 0600"; else fail "$f is mode 0600" "mode $m"; fi
done

echo "# ad.sh start took ${AIG_AD_START_SECONDS} s by its own measure (${took} s wall clock)"
echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
