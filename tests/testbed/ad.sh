#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ad.sh — a real Active Directory (a fresh Samba AD DC) on 127.0.0.1 for
# aigate's integration tests.
#
#   ad.sh run DIR -- CMD [ARG...]   start, run CMD with DIR/ad.env exported,
#                                   always stop; exits with CMD's status.
#                                   This is the form tests use.
#   ad.sh start DIR                 start and return (DIR/ad.env describes it)
#   ad.sh stop DIR                  stop what `start DIR` began
#
# The domain: realm CORP.EXAMPLE.COM, NetBIOS domain CORP, base
# DC=corp,DC=example,DC=com, DC host name dc1.corp.example.com, no DNS
# server (dns-backend NONE), listening on the loopback interface only, with
# only the ldap, cldap and kdc services (LDAP 389, LDAPS 636, GC 3268/3269,
# Kerberos 88/464). TLS uses a test CA made here; the server certificate's
# subjectAltName holds IP:127.0.0.1, IP:::1, DNS:localhost, the DC's FQDN
# and this machine's host names, so clients verify it against 127.0.0.1.
#
# Directory contents (every demo user's password is "Passw0rd!Demo",
# also in $AIG_AD_PASSWORD; all live in CN=Users):
#   groups  AI_Admins, AI_Users, Data_Scientists (member of AI_Users),
#           ML_Platform (member of AI_Admins), Finance (no AI access)
#   alice   AI_Admins                    bob     Data_Scientists (-> AI_Users)
#   ophelia ML_Platform (-> AI_Admins)   mallory Finance only (no AI_* group)
#   carol   AI_Users, disabled (533)     dave    AI_Users, expired (701)
#   erin    AI_Users, locked out (775)   frank   AI_Users, must change pw (773)
#   jsmith  AI_Users, CN renamed to "Smith, John (Contractor)"
#   svc-aigate  service account (random password in AIG_AD_SVC_PASSWORD_FILE,
#               keys in AIG_AD_KEYTAB); password never expires.
# SASL: Samba's default refuses a SASL bind without sign/seal even over
# TLS, and one with sign/seal over TLS too; Windows AD (without
# LdapEnforceChannelBinding=2) accepts the former, so the bed allows it
# ("ldap server require strong auth = allow_sasl_over_tls"). Simple binds
# still need TLS.
# Domain policy: lockout threshold 3 (so a test may make at most 2 bad
# binds per user before it locks), minimum password age 0, complexity on.
#
# Ports 389/636/88/... are fixed, so only one AD test bed may run on a
# machine: `run` and `start` take an exclusive flock on $AIG_AD_LOCK
# (default /tmp/aigate-ad.lock) and wait for it (up to $AIG_AD_LOCK_TIMEOUT
# seconds, default 900). `run` holds it in its own process; `start` hands it
# to a small holder process (`sleep infinity`, pid in DIR/lock-holder.pid)
# that `stop` ends. Whoever takes the lock ends any Samba a dead holder
# left behind.
#
# Speed: provisioning and filling the directory take a few seconds, so they
# happen once per test run into a template, $AIG_TESTBED_CACHE (default
# DIR/..)/aigate-ad-template.$AIG_TESTBED_RUN_ID, which every `start` with the
# same run id copies (only smb.conf holds absolute paths). A new run id gets
# a freshly provisioned template and old templates are deleted. Without
# AIG_TESTBED_RUN_ID every start provisions afresh into DIR/template.
# `make check` sets the run id to the make process's pid (tests/local.mk).
# Erin is locked out in each copy, after it starts (three bad binds).
#
# Secrets: passwords go to tools through 0600 files (-y), except that
# `samba-tool domain provision --adminpass` takes the random Administrator
# password on its command line (test bed only).
#
# Samba's runtime sockets live in $AIG_AD_RUNDIR (default /tmp/aigate-ad.run,
# emptied at each start): DIR may be too long a path for a socket.
#
# Environment: AIG_AD_LOCK, AIG_AD_RUNDIR, AIG_AD_LOCK_TIMEOUT,
# AIG_AD_START_TIMEOUT (seconds to wait for LDAPS, default 30),
# AIG_TESTBED_CACHE, AIG_TESTBED_RUN_ID.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

REALM=CORP.EXAMPLE.COM
NETBIOS_DOMAIN=CORP
DNS_DOMAIN=corp.example.com
BASE=DC=corp,DC=example,DC=com
DC_HOST=dc1
DC_FQDN=$DC_HOST.$DNS_DOMAIN
DEMO_PASSWORD='Passw0rd!Demo'
SVC_USER=svc-aigate
USERS_DN=CN=Users,$BASE
JSMITH_RDN='CN=Smith\, John (Contractor)'
AD_PORTS="88 389 464 636 3268 3269"

LOCK=${AIG_AD_LOCK:-/tmp/aigate-ad.lock}
# Samba's runtime sockets (lock directory) need a short path (sun_path holds
# 108 bytes); one AD runs at a time, so one fixed directory serves.
RUNDIR=${AIG_AD_RUNDIR:-/tmp/aigate-ad.run}
LOCK_TIMEOUT=${AIG_AD_LOCK_TIMEOUT:-900}
START_TIMEOUT=${AIG_AD_START_TIMEOUT:-30}

usage() {
    echo "usage: ${0##*/} start DIR | stop DIR | run DIR -- CMD [ARG...]" >&2
    exit 2
}

# ad_ldap TOOL ROOT ARG...: runs an OpenLDAP client with ROOT's CA,
# verification on, and no referral chasing (AD answers with references).
ad_ldap() {
    local tool=$1 root=$2
    shift 2
    LDAPTLS_CACERT="$root/tls/ca.pem" LDAPTLS_REQCERT=demand LDAPREFERRALS=off \
        "$tool" -o nettimeout=5 "$@"
}

# ad_admin TOOL ROOT ARG...: the same, bound as Administrator over LDAPS.
ad_admin() {
    local tool=$1 root=$2
    shift 2
    ad_ldap "$tool" "$root" -x -H ldaps://127.0.0.1 \
        -D "Administrator@$DNS_DOMAIN" -y "$root/admin.secret" "$@"
}

# ad_rootdse ROOT: true once LDAPS answers with a verified certificate.
ad_rootdse() {
    ad_ldap ldapsearch "$1" -x -H ldaps://127.0.0.1 -b '' -s base -LLL dnsHostName
}

# --- the lock --------------------------------------------------------------

# ad_lock DIR: takes the machine-wide AD lock on fd 9 and records the owner;
# ends anything a previous, dead owner left running.
ad_lock() {
    local prev kind sid root
    exec 9>>"$LOCK" || tb_die "cannot open lock file $LOCK"
    if ! flock -n 9; then
        tb_log "waiting for $LOCK (held by: $(cat "$LOCK" 2>/dev/null))"
        flock -w "$LOCK_TIMEOUT" 9 ||
            tb_die "gave up after ${LOCK_TIMEOUT}s waiting for $LOCK (held by: $(cat "$LOCK" 2>/dev/null))"
    fi
    prev=$(cat "$LOCK" 2>/dev/null || true)
    # We hold the lock, so a Samba that a previous owner recorded and that
    # still runs was left behind (its owner was killed): end it.
    while read -r kind sid root; do
        [ "$kind" = samba ] || continue
        if [ -n "$(tb_session_pids "$sid" samba)" ]; then
            tb_log "ending Samba (pid $sid, $root) left running by a previous owner"
            tb_stop_server "ad:$root" samba "$sid" || tb_die "could not end Samba pid $sid"
        fi
    done <<<"$prev"
    printf 'owner %s %s\n' "$$" "$1" >"$LOCK"
}

# --- samba -----------------------------------------------------------------

# ad_samba_start ROOT: starts samba for ROOT/samba/etc/smb.conf and waits for
# LDAPS. Samba runs in a session of its own (its pid, in ROOT/samba.pid and
# in the lock file, is the session id), tagged AIG_TESTBED_TAG=ad:ROOT.
ad_samba_start() {
    local root=$1 p
    for p in $AD_PORTS; do
        if tb_port_busy "$p"; then
            tb_die "TCP port $p is already in use, so Samba cannot start:
$(ss -Hltnp "sport = :$p" 2>/dev/null)
(a system slapd or samba? another test bed not holding $LOCK?)"
        fi
    done
    rm -rf "$RUNDIR"
    mkdir -m 0700 "$RUNDIR"
    env AIG_TESTBED_TAG="ad:$root" setsid samba -i -M single \
        -s "$root/samba/etc/smb.conf" </dev/null >"$root/samba.log" 2>&1 9>&- &
    echo $! >"$root/samba.pid"
    printf 'samba %s %s\n' "$!" "$root" >>"$LOCK"
    tb_wait_pid=$!
    if ! tb_wait "$START_TIMEOUT" "Samba's LDAPS on 127.0.0.1:636" ad_rootdse "$root"; then
        tb_wait_pid=
        tail -n 30 "$root/samba.log" >&2 || true
        tb_die "Samba did not start (log: $root/samba.log)"
    fi
    tb_wait_pid=
}

# ad_samba_stop ROOT: ends ROOT's samba and anything it started.
ad_samba_stop() {
    local root=$1 running pid=
    if [ -f "$root/samba.pid" ]; then pid=$(cat "$root/samba.pid"); fi
    running=$(tb_session_pids "$pid" samba)
    tb_stop_server "ad:$root" samba "$pid" || return 1
    rm -f "$root/samba.pid"
    # The runtime directory was this Samba's only if it was running.
    if [ -n "$running" ]; then rm -rf "$RUNDIR"; fi
}

# --- building the template ---------------------------------------------------

# ad_user_ldif DN SAM UAC [EXTRA-LINE...]: an LDIF add record for a user.
ad_user_ldif() {
    local dn=$1 sam=$2 uac=$3 line
    shift 3
    printf 'dn: %s\nchangetype: add\nobjectClass: user\n' "$dn"
    printf 'sAMAccountName: %s\nuserPrincipalName: %s@%s\n' "$sam" "$sam" "$DNS_DOMAIN"
    printf 'mail: %s@%s\nuserAccountControl: %s\n' "$sam" "$DNS_DOMAIN" "$uac"
    printf 'unicodePwd:: %s\n' "$PWD_B64"
    for line in "$@"; do printf '%s\n' "$line"; done
    printf '\n'
}

# ad_group_ldif NAME MEMBER-CN...: an LDIF add record for a global security
# group in CN=Users whose members are the given CNs of CN=Users.
ad_group_ldif() {
    local name=$1 m
    shift
    printf 'dn: CN=%s,%s\nchangetype: add\nobjectClass: group\n' "$name" "$USERS_DN"
    printf 'sAMAccountName: %s\ndescription: aigate test group\n' "$name"
    for m in "$@"; do printf 'member: CN=%s,%s\n' "$m" "$USERS_DN"; done
    printf '\n'
}

# ad_unicodepwd PASSWORD: AD's unicodePwd value, base64 (quoted, UTF-16LE).
ad_unicodepwd() {
    printf '"%s"' "$1" | iconv -f UTF-8 -t UTF-16LE | base64 -w0
}

# ad_populate ROOT: domain policy, users and groups, over LDAPS as Administrator.
ad_populate() {
    local root=$1 expired PWD_B64 svc_b64
    PWD_B64=$(ad_unicodepwd "$DEMO_PASSWORD")
    svc_b64=$(ad_unicodepwd "$(cat "$root/svc.secret")")
    # accountExpires is a FILETIME (100 ns since 1601); dave expired a day ago.
    expired=$((($(date +%s) - 86400 + 11644473600) * 10000000))
    {
        printf 'dn: %s\nchangetype: modify\n' "$BASE"
        printf 'replace: lockoutThreshold\nlockoutThreshold: 3\n-\n'
        printf 'replace: minPwdAge\nminPwdAge: 0\n-\n\n'
        # The SPNs samba_spnupdate would add (its dnsupdate service is off):
        # GSSAPI binds to ldap://dc1.corp.example.com need ldap/<fqdn>.
        printf 'dn: CN=%s,OU=Domain Controllers,%s\nchangetype: modify\n' "${DC_HOST^^}" "$BASE"
        printf 'add: servicePrincipalName\n'
        printf 'servicePrincipalName: %s\n' "ldap/$DC_FQDN" "ldap/$DC_FQDN/$DNS_DOMAIN" \
            "ldap/$DC_FQDN/$NETBIOS_DOMAIN" "ldap/${DC_HOST^^}" "GC/$DC_FQDN/$DNS_DOMAIN" \
            "HOST/$DC_FQDN/$NETBIOS_DOMAIN" "RestrictedKrbHost/$DC_FQDN" \
            "RestrictedKrbHost/${DC_HOST^^}"
        printf -- '-\n\n'
        ad_user_ldif "CN=alice,$USERS_DN" alice 512 "givenName: Alice" "sn: Admin"
        ad_user_ldif "CN=bob,$USERS_DN" bob 512 "givenName: Bob" "sn: Scientist"
        ad_user_ldif "CN=carol,$USERS_DN" carol 514 "givenName: Carol" "sn: Disabled"
        ad_user_ldif "CN=dave,$USERS_DN" dave 512 "givenName: Dave" "sn: Expired" \
            "accountExpires: $expired"
        ad_user_ldif "CN=erin,$USERS_DN" erin 512 "givenName: Erin" "sn: Lockedout"
        ad_user_ldif "CN=frank,$USERS_DN" frank 512 "givenName: Frank" "sn: Mustchange" \
            "pwdLastSet: 0"
        ad_user_ldif "CN=mallory,$USERS_DN" mallory 512 "givenName: Mallory" "sn: Outsider"
        ad_user_ldif "CN=ophelia,$USERS_DN" ophelia 512 "givenName: Ophelia" "sn: Platform"
        ad_user_ldif "CN=jsmith,$USERS_DN" jsmith 512 "givenName: John" "sn: Smith" \
            "displayName: Smith, John (Contractor)"
        # Service account: 66048 = NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD.
        PWD_B64=$svc_b64 ad_user_ldif "CN=$SVC_USER,$USERS_DN" "$SVC_USER" 66048 \
            "description: aigate service account"
        ad_group_ldif Data_Scientists bob
        ad_group_ldif ML_Platform ophelia
        ad_group_ldif AI_Users Data_Scientists carol dave erin frank jsmith
        ad_group_ldif AI_Admins alice ML_Platform
        ad_group_ldif Finance mallory
    } >"$root/populate.ldif"
    ad_admin ldapmodify "$root" -f "$root/populate.ldif" >"$root/populate.log" 2>&1 || {
        tail -n 20 "$root/populate.log" >&2
        tb_die "filling the directory failed (see $root/populate.log)"
    }
    rm -f "$root/populate.ldif"
    ad_admin ldapmodrdn "$root" -r "CN=jsmith,$USERS_DN" "$JSMITH_RDN" >/dev/null ||
        tb_die "renaming jsmith failed"
}

# ad_build_template T: provisions a fresh domain into T and fills it.
ad_build_template() {
    local t=$1 san h
    rm -rf "$t"
    mkdir -p "$t/tls"
    tb_make_ca "$t/tls" "aigate test AD CA"
    san="IP:127.0.0.1,IP:::1,DNS:localhost,DNS:$DC_FQDN,DNS:$DC_HOST"
    # This machine's names: hostname(1) and its aliases in /etc/hosts (no DNS).
    h=$(hostname 2>/dev/null || true)
    for h in $h $(awk -v h="$h" '$1 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == h) { for (j = 2; j <= NF; j++) print $j; next } }' /etc/hosts 2>/dev/null); do
        case ",$san," in *",DNS:$h,"*) ;; *) san="$san,DNS:$h" ;; esac
    done
    tb_make_cert "$t/tls" server "/CN=$DC_FQDN" serverAuth "$san"
    tb_secret_file "$t/admin.secret" "$(tb_random_password)"
    tb_secret_file "$t/svc.secret" "$(tb_random_password)"

    samba-tool domain provision --realm="$REALM" --domain="$NETBIOS_DOMAIN" \
        --server-role=dc --dns-backend=NONE --use-rfc2307 --host-name="$DC_HOST" \
        --adminpass="$(cat "$t/admin.secret")" --targetdir="$t/samba" \
        --option="interfaces=lo" --option="bind interfaces only=yes" \
        --option="server services=ldap, cldap, kdc" \
        --option="tls enabled=yes" --option="tls keyfile=$t/tls/server.key" \
        --option="tls certfile=$t/tls/server.pem" --option="tls cafile=$t/tls/ca.pem" \
        --option="pid directory=$RUNDIR" \
        --option="ncalrpc dir=$RUNDIR/ncalrpc" --option="log file=$t/samba/log.%m" \
        --option="ldap server require strong auth=allow_sasl_over_tls" \
        >"$t/provision.log" 2>&1 || {
        tail -n 20 "$t/provision.log" >&2
        tb_die "samba-tool domain provision failed (see $t/provision.log)"
    }
    # provision sets the lock directory to --targetdir whatever we ask.
    sed -i "s|^\([[:space:]]*lock directory = \).*|\1$RUNDIR|" "$t/samba/etc/smb.conf"
    grep -q "lock directory = $RUNDIR\$" "$t/samba/etc/smb.conf" ||
        tb_die "could not set the lock directory in $t/samba/etc/smb.conf"
    ad_samba_start "$t"
    ad_populate "$t"
    samba-tool domain exportkeytab "$t/$SVC_USER.keytab" --principal="$SVC_USER" \
        -s "$t/samba/etc/smb.conf" >"$t/keytab.log" 2>&1 || {
        cat "$t/keytab.log" >&2
        tb_die "samba-tool domain exportkeytab failed"
    }
    chmod 0600 "$t/$SVC_USER.keytab"
    ad_samba_stop "$t"
    # Runtime files of the template's own run are not part of the template.
    rm -rf "$RUNDIR"
    touch "$t/.complete"
}

# ad_template DIR: sets AD_TEMPLATE to the template to copy, building it if
# needed.
AD_TEMPLATE=
ad_template() {
    local dir=$1 cache run_id old
    run_id=${AIG_TESTBED_RUN_ID:-}
    if [ -z "$run_id" ]; then
        AD_TEMPLATE=$dir/template
        ad_build_template "$AD_TEMPLATE"
        return
    fi
    cache=$(tb_absdir "${AIG_TESTBED_CACHE:-$dir/..}")
    run_id=$(printf '%s' "$run_id" | tr -c 'A-Za-z0-9._-' '_')
    AD_TEMPLATE=$cache/aigate-ad-template.$run_id
    if [ ! -f "$AD_TEMPLATE/.complete" ]; then
        for old in "$cache"/aigate-ad-template.*; do
            if [ -d "$old" ] && [ "$old" != "$AD_TEMPLATE" ]; then rm -rf "$old"; fi
        done
        tb_log "provisioning a fresh AD template in $AD_TEMPLATE"
        ad_build_template "$AD_TEMPLATE"
    fi
}

# --- one instance ------------------------------------------------------------

# ad_instantiate T DIR: copies template T into DIR and points it at DIR.
ad_instantiate() {
    local t=$1 dir=$2 conf
    rm -rf "$dir/samba" "$dir/tls"
    cp -a "$t/samba" "$t/tls" "$t/admin.secret" "$t/svc.secret" \
        "$t/$SVC_USER.keytab" "$dir/"
    conf=$(cat "$t/samba/etc/smb.conf")
    printf '%s\n' "${conf//"$t/"/"$dir/"}" >"$dir/samba/etc/smb.conf"
}

# ad_lock_out_erin DIR: three bad binds, then checks erin is locked (775).
ad_lock_out_erin() {
    local dir=$1 out
    tb_secret_file "$dir/bad.secret" 'Wrong-Passw0rd!'
    for _ in 1 2 3; do
        ad_ldap ldapsearch "$dir" -x -H ldaps://127.0.0.1 -D "erin@$DNS_DOMAIN" \
            -y "$dir/bad.secret" -b '' -s base >/dev/null 2>&1 || true
    done
    rm -f "$dir/bad.secret"
    tb_secret_file "$dir/demo.secret" "$DEMO_PASSWORD"
    out=$(ad_ldap ldapsearch "$dir" -x -H ldaps://127.0.0.1 -D "erin@$DNS_DOMAIN" \
        -y "$dir/demo.secret" -b '' -s base 2>&1 || true)
    rm -f "$dir/demo.secret"
    case $out in
    *"data 775"*) ;;
    *) tb_die "erin is not locked out after three bad binds: $out" ;;
    esac
}

# ad_write_files DIR: krb5.conf, nss_wrapper hosts file and ad.env.
ad_write_files() {
    local dir=$1 nsswrap
    cat >"$dir/krb5.conf" <<EOF
# Kerberos for the aigate AD test bed in $dir (use with KRB5_CONFIG).
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    default_ccache_name = FILE:$dir/krb5cc
[realms]
    $REALM = {
        kdc = 127.0.0.1
        admin_server = 127.0.0.1
        kpasswd_server = 127.0.0.1
    }
[domain_realm]
    .$DNS_DOMAIN = $REALM
    $DNS_DOMAIN = $REALM
EOF
    printf '127.0.0.1 %s %s\n' "$DC_FQDN" "$DC_HOST" >"$dir/hosts"
    nsswrap=$(ldconfig -p 2>/dev/null | awk '/libnss_wrapper\.so[^.]/ { print $NF; exit }')
    {
        echo "# aigate AD test bed in $dir, written by ad.sh; source it."
        tb_env_line AIG_AD_DIR "$dir"
        tb_env_line AIG_AD_URI ldaps://127.0.0.1
        tb_env_line AIG_AD_STARTTLS_URI ldap://127.0.0.1
        tb_env_line AIG_AD_GC_URI ldaps://127.0.0.1:3269
        tb_env_line AIG_AD_GSSAPI_URI "ldap://$DC_FQDN"
        tb_env_line AIG_AD_CA "$dir/tls/ca.pem"
        tb_env_line AIG_AD_BASE "$BASE"
        tb_env_line AIG_AD_DOMAIN "$DNS_DOMAIN"
        tb_env_line AIG_AD_REALM "$REALM"
        tb_env_line AIG_AD_NETBIOS_DOMAIN "$NETBIOS_DOMAIN"
        tb_env_line AIG_AD_USERS_DN "$USERS_DN"
        tb_env_line AIG_AD_ADMIN_DN "CN=Administrator,$USERS_DN"
        tb_env_line AIG_AD_ADMIN_PASSWORD_FILE "$dir/admin.secret"
        tb_env_line AIG_AD_PASSWORD "$DEMO_PASSWORD"
        tb_env_line AIG_AD_SVC_USER "$SVC_USER"
        tb_env_line AIG_AD_SVC_DN "CN=$SVC_USER,$USERS_DN"
        tb_env_line AIG_AD_SVC_PRINCIPAL "$SVC_USER@$REALM"
        tb_env_line AIG_AD_SVC_PASSWORD_FILE "$dir/svc.secret"
        tb_env_line AIG_AD_KEYTAB "$dir/$SVC_USER.keytab"
        tb_env_line AIG_AD_KRB5_CONFIG "$dir/krb5.conf"
        tb_env_line AIG_AD_HOSTNAME "$DC_FQDN"
        tb_env_line AIG_AD_NSS_HOSTS "$dir/hosts"
        tb_env_line AIG_AD_NSS_WRAPPER "${nsswrap:-}"
        tb_env_line AIG_AD_SMBCONF "$dir/samba/etc/smb.conf"
        tb_env_line AIG_AD_LOG "$dir/samba.log"
    } >"$dir/ad.env"
}

# ad_start_instance DIR: a running, filled domain in DIR (lock already held).
ad_start_instance() {
    local dir=$1 t0 secs
    t0=$(tb_now)
    ad_samba_stop "$dir"
    rm -f "$dir/ad.env"
    ad_template "$dir"
    ad_instantiate "$AD_TEMPLATE" "$dir"
    ad_write_files "$dir"
    ad_samba_start "$dir"
    ad_lock_out_erin "$dir"
    secs=$(tb_elapsed "$t0")
    tb_env_line AIG_AD_START_SECONDS "$secs" >>"$dir/ad.env"
    tb_log "AD DC $DC_FQDN ready on ldaps://127.0.0.1 in $secs s; env in $dir/ad.env"
}

# ad_stop DIR: ends DIR's samba, then the lock holder if `start` made one.
ad_stop() {
    local dir=$1 pid=
    ad_samba_stop "$dir" || tb_die "could not stop Samba of $dir; keeping $LOCK"
    if [ -f "$dir/lock-holder.pid" ]; then pid=$(cat "$dir/lock-holder.pid"); fi
    tb_stop_server "adlock:$dir" sleep "$pid" || tb_die "could not end the lock holder of $dir"
    rm -f "$dir/lock-holder.pid"
}

# --- commands ----------------------------------------------------------------

cmd_start() {
    local dir
    dir=$(tb_absdir "$1")
    ad_lock "$dir"
    # The holder inherits fd 9 and so keeps the lock after we exit.
    env AIG_TESTBED_TAG="adlock:$dir" setsid sleep infinity </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/lock-holder.pid"
    trap 'rc=$?; if [ $rc -ne 0 ]; then ad_stop "$dir" || true; fi; exit $rc' EXIT
    ad_start_instance "$dir"
}

cmd_stop() {
    local dir
    [ -d "$1" ] || return 0
    dir=$(cd "$1" && pwd -P)
    ad_stop "$dir"
}

cmd_run() {
    local dir rc
    dir=$(tb_absdir "$1")
    shift
    [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || usage
    ad_lock "$dir"
    trap 'rc=$?; ad_samba_stop "$dir" || rc=1; exit $rc' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ad_start_instance "$dir"
    rc=0
    (
        # shellcheck source=/dev/null
        . "$dir/ad.env"
        exec "$@"
    ) 9>&- || rc=$?
    exit "$rc"
}

[ $# -ge 2 ] || usage
case $1 in
start) [ $# -eq 2 ] || usage; cmd_start "$2" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
run) shift; cmd_run "$@" ;;
*) usage ;;
esac
