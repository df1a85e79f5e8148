#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# slapd.sh — a generic LDAP server (OpenLDAP slapd) on 127.0.0.1 for
# aigate's integration tests: the "plain LDAP" peer (ldap.groups = memberof).
#
#   slapd.sh run DIR -- CMD [ARG...]   start, run CMD with DIR/slapd.env
#                                      exported, always stop; CMD's status
#   slapd.sh start DIR                 start and return (see DIR/slapd.env)
#   slapd.sh stop DIR                  stop what `start DIR` began
#
# Each instance has its own spare ports (ldap:// and ldaps:// on 127.0.0.1),
# its own cn=config (DIR/config.ldif loaded with slapadd -n0 into
# DIR/slapd.d), an mdb database in DIR/db, and its own test CA, so several
# may run at once. Nothing outside DIR is touched.
#
# Config: back_mdb with the memberof overlay (memberOf kept on users and on
# nested groups) and refint; TLS with a server certificate for
# IP:127.0.0.1/::1/localhost, TLSVerifyClient try; SASL EXTERNAL maps the
# client certificate "cn=<name>,o=aigate test bed" to
# cn=<name>,ou=services,<base> (olcAuthzRegexp). Authenticated users read
# the tree; anonymous may only bind. Simple binds are allowed on plain
# ldap:// (unlike AD): aigate itself refuses ldap:// without StartTLS.
#
# Tree under dc=example,dc=org (every user's password "Passw0rd!Demo",
# $AIG_SLAPD_PASSWORD; users are inetOrgPerson with uid):
#   ou=people  alice bob carol dave erin frank mallory ophelia cyril, and
#              "cn=Smith\, John (Contractor)" (uid jsmith); plain LDAP has no
#              account states, so carol..frank are ordinary users here.
#   ou=groups  (groupOfNames) AI_Admins {alice, ML_Platform},
#              AI_Users {Data_Scientists, carol, dave, erin, frank, jsmith},
#              Data_Scientists {bob}, ML_Platform {ophelia}, Finance {mallory},
#              Cycle_A {cyril, Cycle_B} and Cycle_B {Cycle_A}: a deliberate
#              membership cycle for cycle-detection tests.
#   ou=services  cn=aigate-svc (the EXTERNAL identity; also has a password,
#              AIG_SLAPD_SVC_PASSWORD_FILE, for simple service binds).
#
# Environment: AIG_SLAPD_START_TIMEOUT (s, default 20), AIG_SLAPD_DEBUG
# (slapd -d level, default 0; the log is DIR/slapd.log).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

BASE=dc=example,dc=org
PEOPLE_OU=ou=people,$BASE
GROUPS_OU=ou=groups,$BASE
SERVICES_OU=ou=services,$BASE
ADMIN_DN=cn=admin,$BASE
SVC_CN=aigate-svc
SVC_DN=cn=$SVC_CN,$SERVICES_OU
CLIENT_ORG="aigate test bed"
DEMO_PASSWORD='Passw0rd!Demo'
START_TIMEOUT=${AIG_SLAPD_START_TIMEOUT:-20}
MODULE_DIR=/usr/lib/ldap

usage() {
    echo "usage: ${0##*/} start DIR | stop DIR | run DIR -- CMD [ARG...]" >&2
    exit 2
}

# sl_ldap TOOL DIR ARG...: an OpenLDAP client trusting DIR's CA only.
sl_ldap() {
    local tool=$1 dir=$2
    shift 2
    LDAPTLS_CACERT="$dir/tls/ca.pem" LDAPTLS_REQCERT=demand "$tool" -o nettimeout=5 "$@"
}

# sl_config DIR PORT LDAPS_PORT: writes DIR/config.ldif (cn=config).
sl_config() {
    local dir=$1 rootpw
    rootpw=$(slappasswd -n -h '{SSHA}' -T "$dir/admin.secret")
    cat >"$dir/config.ldif" <<EOF
# cn=config of the aigate slapd test bed in $dir (written by slapd.sh)
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid
olcArgsFile: $dir/slapd.args
olcTLSCACertificateFile: $dir/tls/ca.pem
olcTLSCertificateFile: $dir/tls/server.pem
olcTLSCertificateKeyFile: $dir/tls/server.key
olcTLSVerifyClient: try
olcAuthzRegexp: {0}"^cn=([^,]+),o=$CLIENT_ORG\$" "cn=\$1,$SERVICES_OU"
olcLogLevel: none

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $MODULE_DIR
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}memberof
olcModuleLoad: {2}refint

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 1000

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $dir/db
olcSuffix: $BASE
olcRootDN: $ADMIN_DN
olcRootPW: $rootpw
olcDbMaxSize: 104857600
olcDbIndex: objectClass eq
olcDbIndex: uid,cn,mail eq
olcDbIndex: member,memberOf eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by users read by anonymous auth

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfRefInt: TRUE
olcMemberOfDangling: ignore
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf

dn: olcOverlay={1}refint,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcRefintConfig
olcOverlay: {1}refint
olcRefintAttribute: member
EOF
}

# sl_person_ldif RDN UID GIVEN SN: an inetOrgPerson in ou=people.
sl_person_ldif() {
    printf 'dn: %s,%s\nobjectClass: inetOrgPerson\n' "$1" "$PEOPLE_OU"
    printf 'uid: %s\ncn: %s %s\ngivenName: %s\nsn: %s\n' "$2" "$3" "$4" "$3" "$4"
    printf 'mail: %s@example.org\nuserPassword: %s\n\n' "$2" "$USER_HASH"
}

# sl_group_ldif NAME MEMBER-DN...: a groupOfNames in ou=groups.
sl_group_ldif() {
    local name=$1 m
    shift
    printf 'dn: cn=%s,%s\nobjectClass: groupOfNames\ncn: %s\n' "$name" "$GROUPS_OU" "$name"
    for m in "$@"; do printf 'member: %s\n' "$m"; done
    printf '\n'
}

# sl_tree DIR: writes DIR/tree.ldif, the directory content.
sl_tree() {
    local dir=$1 u USER_HASH svc_hash
    USER_HASH=$(slappasswd -n -h '{SSHA}' -T "$dir/demo.secret")
    svc_hash=$(slappasswd -n -h '{SSHA}' -T "$dir/svc.secret")
    {
        printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\n' "$BASE"
        printf 'dc: example\no: aigate test bed\n\n'
        for u in people groups services; do
            printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$u" "$BASE" "$u"
        done
        printf 'dn: %s\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n' "$SVC_DN"
        printf 'cn: %s\ndescription: aigate service identity\nuserPassword: %s\n\n' "$SVC_CN" "$svc_hash"
        sl_person_ldif uid=alice alice Alice Admin
        sl_person_ldif uid=bob bob Bob Scientist
        sl_person_ldif uid=carol carol Carol Disabled
        sl_person_ldif uid=dave dave Dave Expired
        sl_person_ldif uid=erin erin Erin Lockedout
        sl_person_ldif uid=frank frank Frank Mustchange
        sl_person_ldif uid=mallory mallory Mallory Outsider
        sl_person_ldif uid=ophelia ophelia Ophelia Platform
        sl_person_ldif uid=cyril cyril Cyril Cycle
        # jsmith: a cn with a comma and parentheses as the RDN.
        printf 'dn: cn=Smith\\, John (Contractor),%s\nobjectClass: inetOrgPerson\n' "$PEOPLE_OU"
        printf 'uid: jsmith\ncn: Smith, John (Contractor)\ngivenName: John\nsn: Smith\n'
        printf 'displayName: Smith, John (Contractor)\nmail: jsmith@example.org\n'
        printf 'userPassword: %s\n\n' "$USER_HASH"
        sl_group_ldif Data_Scientists "uid=bob,$PEOPLE_OU"
        sl_group_ldif ML_Platform "uid=ophelia,$PEOPLE_OU"
        sl_group_ldif AI_Users "cn=Data_Scientists,$GROUPS_OU" "uid=carol,$PEOPLE_OU" \
            "uid=dave,$PEOPLE_OU" "uid=erin,$PEOPLE_OU" "uid=frank,$PEOPLE_OU" \
            "cn=Smith\\, John (Contractor),$PEOPLE_OU"
        sl_group_ldif AI_Admins "uid=alice,$PEOPLE_OU" "cn=ML_Platform,$GROUPS_OU"
        sl_group_ldif Finance "uid=mallory,$PEOPLE_OU"
        sl_group_ldif Cycle_A "uid=cyril,$PEOPLE_OU"
        sl_group_ldif Cycle_B "cn=Cycle_A,$GROUPS_OU"
        # Close the cycle: Cycle_A also has Cycle_B as a member.
        printf 'dn: cn=Cycle_A,%s\nchangetype: modify\nadd: member\nmember: cn=Cycle_B,%s\n-\n\n' \
            "$GROUPS_OU" "$GROUPS_OU"
    } >"$dir/tree.ldif"
}

# sl_launch DIR PORT LDAPS_PORT: starts slapd; true once it answers on both.
sl_launch() {
    local dir=$1 port=$2 sport=$3
    env AIG_TESTBED_TAG="slapd:$dir" setsid slapd -d "${AIG_SLAPD_DEBUG:-0}" -F "$dir/slapd.d" \
        -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$sport/" \
        </dev/null >"$dir/slapd.log" 2>&1 &
    echo $! >"$dir/slapd.pid.ours"
    tb_wait_pid=$!
    if tb_wait "$START_TIMEOUT" "slapd on 127.0.0.1:$port" \
        sl_ldap ldapsearch "$dir" -x -H "ldap://127.0.0.1:$port" -b '' -s base &&
        tb_wait "$START_TIMEOUT" "slapd LDAPS on 127.0.0.1:$sport" \
            sl_ldap ldapsearch "$dir" -x -H "ldaps://127.0.0.1:$sport" -b '' -s base; then
        tb_wait_pid=
        return 0
    fi
    tb_wait_pid=
    sl_stop "$dir"
    return 1
}

# sl_start DIR: a running, filled slapd in DIR; writes DIR/slapd.env.
sl_start() {
    local dir=$1 t0 port sport
    t0=$(tb_now)
    sl_stop "$dir"
    rm -rf "$dir/slapd.d" "$dir/db" "$dir/tls" "$dir/slapd.env"
    mkdir -p "$dir/slapd.d" "$dir/db"
    tb_make_ca "$dir/tls" "aigate test slapd CA"
    tb_make_cert "$dir/tls" server "/O=$CLIENT_ORG/CN=localhost" serverAuth \
        "IP:127.0.0.1,IP:::1,DNS:localhost"
    tb_make_cert "$dir/tls" client "/O=$CLIENT_ORG/CN=$SVC_CN" clientAuth
    tb_secret_file "$dir/admin.secret" "$(tb_random_password)"
    tb_secret_file "$dir/svc.secret" "$(tb_random_password)"
    tb_secret_file "$dir/demo.secret" "$DEMO_PASSWORD"

    sl_config "$dir"
    slapadd -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" >"$dir/slapadd.log" 2>&1 || {
        cat "$dir/slapadd.log" >&2
        tb_die "slapadd -n0 of $dir/config.ldif failed"
    }
    sl_tree "$dir"

    # Spare ports are drawn at random; another test may take one first.
    for _ in 1 2 3 4 5; do
        port=$(tb_free_port)
        sport=$(tb_free_port)
        [ "$port" != "$sport" ] || continue
        if sl_launch "$dir" "$port" "$sport"; then break; fi
        if ! grep -qi 'address already in use' "$dir/slapd.log"; then
            tail -n 20 "$dir/slapd.log" >&2
            tb_die "slapd did not start (log: $dir/slapd.log)"
        fi
        port=
    done
    [ -n "$port" ] || tb_die "slapd found no free ports (log: $dir/slapd.log)"

    # Loaded online, so the memberof overlay fills memberOf.
    sl_ldap ldapmodify "$dir" -a -x -H "ldap://127.0.0.1:$port" -D "$ADMIN_DN" \
        -y "$dir/admin.secret" -f "$dir/tree.ldif" >"$dir/tree.log" 2>&1 || {
        tail -n 20 "$dir/tree.log" >&2
        tb_die "loading $dir/tree.ldif failed (see $dir/tree.log)"
    }
    {
        echo "# aigate slapd test bed in $dir, written by slapd.sh; source it."
        tb_env_line AIG_SLAPD_DIR "$dir"
        tb_env_line AIG_SLAPD_PORT "$port"
        tb_env_line AIG_SLAPD_LDAPS_PORT "$sport"
        tb_env_line AIG_SLAPD_URI "ldap://127.0.0.1:$port"
        tb_env_line AIG_SLAPD_LDAPS_URI "ldaps://127.0.0.1:$sport"
        tb_env_line AIG_SLAPD_CA "$dir/tls/ca.pem"
        tb_env_line AIG_SLAPD_BASE "$BASE"
        tb_env_line AIG_SLAPD_PEOPLE_DN "$PEOPLE_OU"
        tb_env_line AIG_SLAPD_GROUPS_DN "$GROUPS_OU"
        tb_env_line AIG_SLAPD_ADMIN_DN "$ADMIN_DN"
        tb_env_line AIG_SLAPD_ADMIN_PASSWORD_FILE "$dir/admin.secret"
        tb_env_line AIG_SLAPD_PASSWORD "$DEMO_PASSWORD"
        tb_env_line AIG_SLAPD_PASSWORD_FILE "$dir/demo.secret"
        tb_env_line AIG_SLAPD_SVC_DN "$SVC_DN"
        tb_env_line AIG_SLAPD_SVC_PASSWORD_FILE "$dir/svc.secret"
        tb_env_line AIG_SLAPD_CLIENT_CERT "$dir/tls/client.pem"
        tb_env_line AIG_SLAPD_CLIENT_KEY "$dir/tls/client.key"
        tb_env_line AIG_SLAPD_LOG "$dir/slapd.log"
        tb_env_line AIG_SLAPD_START_SECONDS "$(tb_elapsed "$t0")"
    } >"$dir/slapd.env"
    tb_log "slapd ready on ldap://127.0.0.1:$port and ldaps://127.0.0.1:$sport in $(tb_elapsed "$t0") s; env in $dir/slapd.env"
}

# sl_stop DIR: ends DIR's slapd (by pid file and tag).
sl_stop() {
    local dir=$1 pid=
    if [ -f "$dir/slapd.pid.ours" ]; then pid=$(cat "$dir/slapd.pid.ours"); fi
    tb_stop_server "slapd:$dir" slapd "$pid" || tb_die "could not stop slapd of $dir"
    rm -f "$dir/slapd.pid.ours"
}

cmd_run() {
    local dir rc
    dir=$(tb_absdir "$1")
    shift
    [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || usage
    trap 'rc=$?; sl_stop "$dir" || rc=1; exit $rc' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    sl_start "$dir"
    rc=0
    (
        # shellcheck source=/dev/null
        . "$dir/slapd.env"
        exec "$@"
    ) || rc=$?
    exit "$rc"
}

[ $# -ge 2 ] || usage
case $1 in
start)
    [ $# -eq 2 ] || usage
    dir=$(tb_absdir "$2")
    trap 'rc=$?; if [ $rc -ne 0 ]; then sl_stop "$dir" || true; fi; exit $rc' EXIT
    sl_start "$dir"
    ;;
stop)
    [ $# -eq 2 ] || usage
    if [ -d "$2" ]; then sl_stop "$(cd "$2" && pwd -P)"; fi
    ;;
run) shift; cmd_run "$@" ;;
*) usage ;;
esac
