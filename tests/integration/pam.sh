#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# pam.sh - pam_aigate.so through the real libpam (pam_start_confdir), against
# a fresh Samba AD DC from the test bed: every row of the table of pam_aigate(8), AD BIND RESULTS,
# require_group with nested groups, local refusal of empty and decoy
# passwords, all DCs down, password changes, expiry warnings, sessions,
# the export list, 1,000 authentications without leaks, and 8 threads;
# a login whose UPN bind authenticates another account than it names;
# acct_mgmt alone (no auth phase) refusing disabled, expired, locked-out
# and must-change accounts from the entry, over service_bind; a
# configuration named in the PAM environment ignored;
# groups_cache: cached groups within the TTL, the directory's after it,
# refusals unchanged with a warm cache, and a corrupt, untrusted,
# unreadable or already open cache file falling back to the directory;
# entries planted or moved between users (no valid MAC under the state
# key) ignored, and no cache at all without the key.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/integration/assert.sh"
in_ad_testbed pam "$@"
work=$(mktemp -d /tmp/aigate-pam.XXXXXX)
trap 'rm -rf "$work"' EXIT
mod=$top_builddir/pam_aigate/.libs/pam_aigate.so
driver=$top_builddir/tests/integration/pam_driver
pw=$AIG_AD_PASSWORD
export LDAPTLS_CACERT=$AIG_AD_CA LDAPTLS_REQCERT=demand

write_config() { # FILE URI [SERVICE_BIND_JSON]
	ad_config "$1" "$2" "" "${3:+\"service_bind\": $3}"
}
(umask 077 && openssl rand -out "$work/state.key" 32)
write_config "$work/aigate.json" "$AIG_AD_URI"
STATE_KEY=$work/no-such.key write_config "$work/nokey.json" "$AIG_AD_URI"
write_config "$work/down.json" "ldaps://127.0.0.1:1"
write_config "$work/svc.json" "$AIG_AD_URI" \
	"{\"dn\": \"$AIG_AD_SVC_DN\", \"password_file\": \"$AIG_AD_SVC_PASSWORD_FILE\"}"
(umask 077 && printf 'not-the-Passw0rd' >"$work/wrong.secret" && printf '%s' "$AIG_AD_PASSWORD" >"$work/frank.secret")
write_config "$work/svc-wrong.json" "$AIG_AD_URI" \
	"{\"dn\": \"$AIG_AD_SVC_DN\", \"password_file\": \"$work/wrong.secret\"}"
# a service account that must change its password (773): frank
write_config "$work/svc-frank.json" "$AIG_AD_URI" \
	"{\"dn\": \"CN=frank,$AIG_AD_USERS_DN\", \"password_file\": \"$work/frank.secret\"}"

mkdir -p "$work/pam.d"
service() { # NAME CONFIG ACCOUNT_OPTIONS...
	local name=$1 cfg=$2
	shift 2
	cat >"$work/pam.d/$name" <<PAM
auth     required $mod config=$cfg
account  required $mod config=$cfg $*
password required $mod config=$cfg
session  required $mod config=$cfg
PAM
}
service aigate "$work/aigate.json"
service users "$work/aigate.json" require_group=AI_Users
service admins "$work/aigate.json" require_group=ai_admins
service warn "$work/aigate.json" warn_expiry_days=60 bogus_option
service nowarn "$work/aigate.json" warn_expiry_days=3
service down "$work/down.json"
service svc "$work/svc.json"
service svcwrong "$work/svc-wrong.json"
service svcfrank "$work/svc-frank.json"

run() { # SERVICE USER OPS [ANSWERS...]
	local svc=$1 user=$2 ops=$3
	shift 3
	printf '%s\0' "$@" | "$driver" run "$work/pam.d" "$svc" "$user" "$ops"
}
bad_pwd_count() { # USER
	ldapsearch -LLL -x -H "$AIG_AD_URI" -D "$AIG_AD_ADMIN_DN" \
		-y "$AIG_AD_ADMIN_PASSWORD_FILE" -b "$AIG_AD_BASE" \
		"(sAMAccountName=$1)" badPwdCount | sed -n 's/^badPwdCount: //p'
}

# --- the export list
exports=$(nm -D --defined-only "$mod" | awk '$2 == "T" {print $3}' | sort | tr '\n' ' ')
expect_eq "$exports" "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred " \
	"the module exports only pam_sm_*"

# --- pam_aigate(8)'s table of AD bind results
out=$(run aigate alice auth,acct "$pw")
expect_match "$out" '^auth=PAM_SUCCESS$' "alice authenticates"
expect_match "$out" '^groups=.*AI_Admins' "alice's AIGATE_GROUPS has AI_Admins"
expect_match "$out" '^acct=PAM_SUCCESS$' "alice's account is fine"
expect_match "$out" '^aigate_user=alice$' "AIGATE_USER is alice"
out=$(run aigate ALICE auth,acct "$pw")
expect_match "$out" '^aigate_user=alice$' "ALICE signs in as the directory spells her: AIGATE_USER=alice"
expect_match "$out" '^pam_user=ALICE$' "... while PAM_USER stays as typed"
out=$(run aigate bob auth "wrong-Passw0rd")
expect_match "$out" '^auth=PAM_AUTH_ERR$' "52e: bad password is PAM_AUTH_ERR"
out=$(run aigate nosuchuser auth "$pw")
expect_match "$out" '^auth=PAM_AUTH_ERR$' "525: unknown user is PAM_AUTH_ERR too"
out=$(run aigate carol auth "$pw")
expect_match "$out" '^auth=PAM_ACCT_EXPIRED$' "533: disabled is PAM_ACCT_EXPIRED"
out=$(run aigate dave auth "$pw")
expect_match "$out" '^auth=PAM_ACCT_EXPIRED$' "701: expired account is PAM_ACCT_EXPIRED"
out=$(run aigate erin auth "$pw")
expect_match "$out" '^auth=PAM_MAXTRIES$' "775: locked out is PAM_MAXTRIES"
out=$(run aigate frank auth,acct "$pw")
expect_match "$out" '^auth=PAM_SUCCESS$' "773: must change passes auth"
expect_match "$out" '^acct=PAM_NEW_AUTHTOK_REQD$' "773: account says PAM_NEW_AUTHTOK_REQD"
out=$(run aigate jsmith auth,acct "$pw")
expect_match "$out" '^groups=.*AI_Users' "jsmith (CN with comma and parentheses) gets AI_Users"

# --- require_group, nested
out=$(run users bob auth,acct "$pw")
expect_match "$out" '^groups=.*Data_Scientists' "bob's groups have Data_Scientists"
expect_match "$out" '^acct=PAM_SUCCESS$' "require_group=AI_Users admits bob (nested)"
out=$(run users mallory auth,acct "$pw")
expect_match "$out" '^acct=PAM_PERM_DENIED$' "require_group=AI_Users refuses mallory"
out=$(run admins ophelia auth,acct "$pw")
expect_match "$out" '^acct=PAM_SUCCESS$' "require_group=ai_admins admits ophelia (nested, any case)"
out=$(run admins bob auth,acct "$pw")
expect_match "$out" '^acct=PAM_PERM_DENIED$' "require_group=ai_admins refuses bob"

# --- empty and decoy passwords never reach the server
before=$(bad_pwd_count bob)
out=$(run aigate bob auth "")
expect_match "$out" '^auth=PAM_AUTH_ERR$' "empty password is PAM_AUTH_ERR"
out=$(run aigate bob auth $'\b\n\r\177INCORRECT')
expect_match "$out" '^auth=PAM_(AUTH_ERR|CONV_ERR)$' "sshd's decoy password is refused"
after=$(bad_pwd_count bob)
expect_eq "$after" "$before" "bob's badPwdCount did not move (empty, decoy)"
run aigate mallory auth "wrong-Passw0rd" >/dev/null
expect_eq "$(bad_pwd_count mallory)" 1 "a real wrong password does move badPwdCount"

# --- service_bind: a working service account finds the user; a refused one
# is an outage, never the user's result
out=$(run svc bob auth,acct "$pw")
expect_match "$out" '^groups=.*AI_Users' "with service_bind, bob authenticates and gets his groups"
out=$(run svcwrong bob auth "$pw")
expect_match "$out" '^auth=PAM_AUTHINFO_UNAVAIL$' "a service account with a wrong password: PAM_AUTHINFO_UNAVAIL, not bob's PAM_AUTH_ERR"
out=$(run svcfrank nosuchuser auth "anything")
expect_match "$out" '^auth=PAM_AUTHINFO_UNAVAIL$' "a service account that must change (773): PAM_AUTHINFO_UNAVAIL, never PAM_SUCCESS"

# --- the account phase alone, as sshd runs it after a public key and sudo
# with cached credentials: the account's state comes from the directory
# (over service_bind), as a bind would have refused it
write_config "$work/svc-down.json" "ldaps://127.0.0.1:1" \
	"{\"dn\": \"$AIG_AD_SVC_DN\", \"password_file\": \"$AIG_AD_SVC_PASSWORD_FILE\"}"
service svcdown "$work/svc-down.json"
for c in "carol PAM_ACCT_EXPIRED disabled (533)" \
	"dave PAM_ACCT_EXPIRED expired (701)" \
	"erin PAM_PERM_DENIED locked out (775)" \
	"frank PAM_NEW_AUTHTOK_REQD must change (773)" \
	"alice PAM_SUCCESS a normal account" "bob PAM_SUCCESS a normal account" \
	"nosuchuser PAM_USER_UNKNOWN no such user"; do
	set -- $c
	u=$1 code=$2
	shift 2
	out=$(run svc "$u" acct)
	expect_match "$out" "^acct=$code\$" "acct_mgmt alone, $u, $*: $code"
done
out=$(run svcdown alice acct)
expect_match "$out" '^acct=PAM_AUTHINFO_UNAVAIL$' "acct_mgmt alone with every DC down: PAM_AUTHINFO_UNAVAIL"
out=$(run aigate alice acct)
expect_match "$out" '^acct=PAM_PERM_DENIED$' "acct_mgmt alone without service_bind cannot check the state: PAM_PERM_DENIED"
out=$(run svcwrong alice acct)
expect_match "$out" '^acct=PAM_AUTHINFO_UNAVAIL$' "acct_mgmt alone with a refused service account: PAM_AUTHINFO_UNAVAIL"

# --- the configuration comes from pam.d only: an AIGATE_CONFIG that
# pam_env (user_readenv, or a conffile as here) puts in the PAM
# environment is not read
write_config "$work/env.json" "$AIG_AD_URI"
sed -i "s|$work/audit.jsonl|$work/env-audit.jsonl|" "$work/env.json"
printf 'AIGATE_CONFIG DEFAULT=%s\n' "$work/env.json" >"$work/pam_env.conf"
printf 'session required pam_env.so readenv=0 conffile=%s\nsession required %s\n' \
	"$work/pam_env.conf" "$mod" >"$work/pam.d/envcfg"
out=$(run envcfg alice open)
expect_no_match "$out" '^open=PAM_SUCCESS$' "AIGATE_CONFIG in the PAM environment is ignored ($out)"
ok $([ ! -e "$work/env-audit.jsonl" ] && echo 0 || echo 1) "... nothing written to the audit file it names"

# --- a login whose bind authenticates another account: A (upnx) is in
# AI_Admins; B (upnxb) has the UPN upnx@alt.example.com, an alternative
# UPN suffix (Samba refuses upnx@<the domain> while upnx is a
# sAMAccountName; Windows AD does not). With ldap.domain alt.example.com,
# "upnx" binds as B: B's password must not bring A's groups, even from
# groups_cache where A's login left them.
pa='Upnx-A-Passw0rd!' pb='Upnx-B-Passw0rd!'
samba-tool user create upnx "$pa" -s "$AIG_AD_SMBCONF" >/dev/null
samba-tool user create upnxb "$pb" -s "$AIG_AD_SMBCONF" >/dev/null
printf 'dn: CN=upnxb,%s\nchangetype: modify\nreplace: userPrincipalName\nuserPrincipalName: upnx@alt.example.com\n\ndn: CN=AI_Admins,%s\nchangetype: modify\nadd: member\nmember: CN=upnx,%s\n' \
	"$AIG_AD_USERS_DN" "$AIG_AD_USERS_DN" "$AIG_AD_USERS_DN" |
	ldapmodify -x -H "$AIG_AD_URI" -D "$AIG_AD_ADMIN_DN" \
		-y "$AIG_AD_ADMIN_PASSWORD_FILE" >/dev/null
mkdir -m 0700 "$work/upnx-state"
sed "s|$work/state|$work/upnx-state|" "$work/aigate.json" >"$work/upnx.json"
sed "s/\"domain\": \"$AIG_AD_DOMAIN\"/\"domain\": \"alt.example.com\"/" \
	"$work/upnx.json" >"$work/alt.json"
for c in upnx alt; do
	chmod 0644 "$work/$c.json"
	printf 'auth required %s config=%s groups_cache\naccount required %s config=%s require_group=AI_Admins\n' \
		"$mod" "$work/$c.json" "$mod" "$work/$c.json" >"$work/pam.d/$c"
done
out=$(run upnx upnx auth,acct "$pa")
expect_match "$out" '^groups=.*AI_Admins' "A (upnx) with A's password: A's groups (and into groups_cache)"
expect_match "$out" '^acct=PAM_SUCCESS$' "... require_group=AI_Admins admits A"
out=$(run alt upnx auth,acct "$pb")
expect_match "$out" '^auth=PAM_AUTH_ERR$' "upnx with B's password (upnx@alt.example.com is B): PAM_AUTH_ERR"
expect_no_match "$out" '^groups=' "... and none of A's groups, cached or not"
out=$(run upnx upnxb auth,acct "$pb")
expect_match "$out" '^auth=PAM_SUCCESS$' "B by its own name upnxb authenticates"
expect_match "$out" '^acct=PAM_PERM_DENIED$' "... with its own groups: not AI_Admins"

# --- all DCs down: PAM_AUTHINFO_UNAVAIL within the timeout
t0=$(date +%s%N)
out=$(run down alice auth "$pw")
ms=$((($(date +%s%N) - t0) / 1000000))
expect_match "$out" '^auth=PAM_AUTHINFO_UNAVAIL$' "all DCs down is PAM_AUTHINFO_UNAVAIL"
ok $([ "$ms" -lt 3000 ] && echo 0 || echo 1) "... within timeout_ms + 1 s ($ms ms)"

# --- expiry warning (the domain's maximum password age is 42 days)
out=$(run warn bob auth,acct "$pw")
expect_match "$out" '^msg=Your password expires in 4[12] days\.$' "warn_expiry_days=60 warns bob"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and an unknown option is ignored"
out=$(run nowarn bob auth,acct "$pw")
expect_no_match "$out" '^msg=' "warn_expiry_days=3 says nothing"

# --- sessions are audited
out=$(run aigate alice auth,open,close "$pw")
expect_match "$out" '^close=PAM_SUCCESS$' "session open and close"
audit=$(cat "$work/audit.jsonl" 2>/dev/null || true)
expect_match "$audit" '"event":"session_open".*"service":"aigate".*"user":"alice"' "session_open audited with the service"
expect_match "$audit" '"event":"session_close"' "session_close audited"
expect_no_match "$audit" "$pw" "no password in the audit file"

# --- password changes
new1='N3w-Passw0rd!a'
out=$(run aigate bob chauthtok "$pw" "$new1" "$new1")
expect_match "$out" '^chauthtok=PAM_SUCCESS$' "bob changes his password"
out=$(run aigate bob auth "$new1")
expect_match "$out" '^auth=PAM_SUCCESS$' "bob signs in with the new one"
out=$(run aigate bob chauthtok "$new1" "short" "short")
expect_match "$out" '^chauthtok=PAM_AUTHTOK_ERR$' "a weak password is refused"
expect_match "$out" '^msg=.*(complex|short)' "... with a clear message"
out=$(run svc frank chauthtok "$pw" "$new1" "$new1")
expect_match "$out" '^chauthtok=PAM_SUCCESS$' "frank (must change) changes through the service account"
out=$(run aigate frank auth,acct "$new1")
expect_match "$out" '^acct=PAM_SUCCESS$' "frank then signs in normally"

# --- 8 threads at once, every answer right
cases="alice $pw PAM_SUCCESS PAM_PERM_DENIED
bob $new1 PAM_SUCCESS PAM_SUCCESS
jsmith $pw PAM_SUCCESS PAM_SUCCESS
mallory $pw PAM_SUCCESS PAM_PERM_DENIED
carol $pw PAM_ACCT_EXPIRED -
erin $pw PAM_MAXTRIES -"
out=$(printf '%s\n' "$cases" | "$driver" threads "$work/pam.d" users 8 3) && st=0 || st=$?
ok "$st" "8 threads x 3 rounds x 6 users: $out"

# --- groups_cache: the bind always happens; only the group lists are kept,
# in state_dir/ldap-groups.mdb (the gate's group cache)
state=$work/state
mkdir -m 0700 "$state"
cache_service() { # NAME REQUIRE_GROUP AUTH_OPTIONS...
	local name=$1 group=$2
	shift 2
	cat >"$work/pam.d/$name" <<PAM
auth     required $mod config=$work/aigate.json $*
account  required $mod config=$work/aigate.json require_group=$group
PAM
}
cache_service cache AI_Admins groups_cache
cache_service cache1 AI_Admins groups_cache groups_cache_ttl=1
cache_service cache0 AI_Admins groups_cache groups_cache_ttl=0
cache_service cacheusers AI_Users groups_cache
ad_modify() { # LDIF on stdin, as Administrator
	ldapmodify -x -H "$AIG_AD_URI" -D "$AIG_AD_ADMIN_DN" \
		-y "$AIG_AD_ADMIN_PASSWORD_FILE" >/dev/null
}
probe() { # add|delete: alice in or out of the group Cache_Probe
	printf 'dn: CN=Cache_Probe,%s\nchangetype: modify\n%s: member\nmember: CN=alice,%s\n' \
		"$AIG_AD_USERS_DN" "$1" "$AIG_AD_USERS_DN" | ad_modify
}
alice_attr() { # ATTRIBUTE VALUE
	printf 'dn: CN=alice,%s\nchangetype: modify\nreplace: %s\n%s: %s\n' \
		"$AIG_AD_USERS_DN" "$1" "$1" "$2" | ad_modify
}
printf 'dn: CN=Cache_Probe,%s\nchangetype: add\nobjectClass: group\nsAMAccountName: Cache_Probe\n' \
	"$AIG_AD_USERS_DN" | ad_modify

out=$(run cache alice auth,acct "$pw")
expect_match "$out" '^groups=.*AI_Admins' "groups_cache: a cold cache gives the directory's groups"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and require_group sees them"
expect_eq "$(stat -c %a "$state/ldap-groups.mdb" 2>&1)" 600 "... and stores them in state_dir/ldap-groups.mdb, mode 0600"
probe add
out=$(run aigate alice auth "$pw")
expect_match "$out" '^groups=.*Cache_Probe' "the directory now puts alice in Cache_Probe"
out=$(run cache alice auth,acct "$pw")
expect_match "$out" '^groups=.*AI_Admins' "groups_cache: a warm cache gives alice's groups"
expect_no_match "$out" 'Cache_Probe' "... the cached ones, without the new Cache_Probe (no group search)"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and require_group sees them"
out=$(run cache ALICE auth "$pw")
expect_match "$out" '^groups=.*AI_Admins' "ALICE (the same AD account) binds and finds alice's entry"
expect_no_match "$out" 'Cache_Probe' "... the cached one"
out=$(run cache0 alice auth "$pw")
expect_match "$out" '^groups=.*Cache_Probe' "groups_cache_ttl=0 is refused and turns the cache off"
out=$(run cache alice auth "wrong-Passw0rd")
expect_match "$out" '^auth=PAM_AUTH_ERR$' "a wrong password is refused with a warm cache"
alice_attr userAccountControl 514
out=$(run cache alice auth,acct "$pw")
alice_attr userAccountControl 512
expect_match "$out" '^auth=PAM_ACCT_EXPIRED$' "a disabled account (533) is refused with a warm cache"
alice_attr pwdLastSet 0
out=$(run cache alice auth,acct "$pw")
alice_attr pwdLastSet -1
expect_match "$out" '^acct=PAM_NEW_AUTHTOK_REQD$' "a must-change password (773) is PAM_NEW_AUTHTOK_REQD with a warm cache"
sleep 2
out=$(run cache1 alice auth "$pw")
expect_match "$out" '^groups=.*Cache_Probe' "groups_cache_ttl=1: an entry 2 s old is ignored, the directory asked"
out=$(run cache alice auth "$pw")
expect_match "$out" '^groups=.*Cache_Probe' "... and its answer stored for the next login"

# the cache is never a reason to fail, nor "no groups": the directory answers
probe delete
printf 'not an LMDB file\n%.0s' $(seq 512) >"$state/ldap-groups.mdb"
out=$(run cache alice auth,acct "$pw")
expect_match "$out" '^groups=.*AI_Admins' "a corrupt cache file: the directory's groups"
expect_no_match "$out" 'Cache_Probe' "... the current ones"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and the account passes"
rm -f "$state"/ldap-groups.mdb*
run cache alice auth "$pw" >/dev/null # stored without Cache_Probe
probe add
chown nobody "$state/ldap-groups.mdb"
out=$(run cache alice auth "$pw")
chown root "$state/ldap-groups.mdb"
expect_match "$out" '^groups=.*Cache_Probe' "a cache file owned by another user is not trusted: the directory's groups"
chmod 0770 "$state"
out=$(run cache alice auth "$pw")
chmod 0700 "$state"
expect_match "$out" '^groups=.*Cache_Probe' "a state_dir writable by its group is not trusted either"
# a service that runs as another user (a CGI as www-data) cannot open
# root's state_dir: it logs, and asks the directory
chmod 0711 "$work"
cp "$AIG_AD_CA" "$work/ca.pem"
chmod 0644 "$work/ca.pem"
AIG_AD_CA=$work/ca.pem write_config "$work/nobody.json" "$AIG_AD_URI"
# nobody may not reach the build tree (a clone under /root is mode 0700):
# the driver and the module it loads are copied where nobody can read them
mkdir -m 0755 "$work/nobody-bin"
install -m 0755 "$driver" "$mod" "$(dirname "$mod")/aigate-ldap.so" "$work/nobody-bin/"
printf 'auth required %s config=%s groups_cache\n' "$work/nobody-bin/pam_aigate.so" \
	"$work/nobody.json" >"$work/pam.d/nobody"
chmod 0755 "$work/pam.d"
chmod 0644 "$work/pam.d/nobody"
out=$(printf '%s\0' "$pw" | setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$work/nobody-bin/pam_driver" run "$work/pam.d" nobody alice auth)
expect_match "$out" '^groups=.*Cache_Probe' "as nobody, with root's state_dir unreadable: the directory's groups"
# a host that has the cache open itself (aigate.cgi under FastCGI): a
# second open in one process would reset LMDB's reader table under it
out=$(printf '%s\0' "$pw" | "$driver" hold "$state/ldap-groups.mdb" "$work/pam.d" cache alice auth)
expect_match "$out" '^groups=.*Cache_Probe' "with the cache open in the host process: the directory's groups"
expect_match "$out" '^held_readers=1$' "... and the host's reader is still registered"
probe delete

# anything that runs as state_dir's owner can write the cache; what the
# state key did not sign is a miss, and the directory answers
cache=$state/ldap-groups.mdb
"$driver" plant "$cache" jsmith old "AI_Admins,Planted_Group"
out=$(run cache jsmith auth,acct "$pw")
expect_no_match "$out" 'Planted_Group|AI_Admins' "a planted entry (jsmith -> AI_Admins, no MAC) is ignored: the directory's groups"
expect_match "$out" '^acct=PAM_PERM_DENIED$' "... and require_group=AI_Admins refuses jsmith"
"$driver" plant "$cache" jsmith nomac "AI_Admins,Planted_Group"
out=$(run cache jsmith auth,acct "$pw")
expect_no_match "$out" 'Planted_Group|AI_Admins' "a planted entry with a made-up MAC is ignored too"
expect_match "$out" '^acct=PAM_PERM_DENIED$' "... and jsmith is refused"
run cache alice auth "$pw" >/dev/null # alice's entry: AI_Admins, signed
"$driver" copy "$cache" alice jsmith
out=$(run cache jsmith auth,acct "$pw")
expect_no_match "$out" 'AI_Admins' "alice's signed entry copied to jsmith is refused: jsmith's own groups"
expect_match "$out" '^acct=PAM_PERM_DENIED$' "... and jsmith is refused"
out=$(run cache alice auth,acct "$pw")
expect_match "$out" '^acct=PAM_SUCCESS$' "... while alice's own entry still serves her"
# no state key: the cache is neither read nor written
cat >"$work/pam.d/nokey" <<PAM
auth     required $mod config=$work/nokey.json groups_cache
PAM
rm -f "$state"/ldap-groups.mdb*
out=$(run nokey alice auth "$pw")
expect_match "$out" '^groups=.*AI_Admins' "no state key: the directory's groups"
[ ! -e "$cache" ] && st=0 || st=1
ok "$st" "... and no cache file written"
run cache alice auth "$pw" >/dev/null # a signed entry, without Cache_Probe
probe add
out=$(run nokey alice auth "$pw")
probe delete
expect_match "$out" '^groups=.*Cache_Probe' "no state key: a good entry is not read either"

# --- 8 threads at once with groups_cache: every answer right
rm -f "$state"/ldap-groups.mdb*
out=$(printf '%s\n' "$cases" | "$driver" threads "$work/pam.d" cacheusers 8 3) && st=0 || st=$?
ok "$st" "groups_cache: 8 threads x 3 rounds x 6 users: $out"

# --- 1,000 authentications in one process: no leak, no descriptor growth
out=$(printf '%s\0' "$pw" | valgrind -q --leak-check=full \
	--errors-for-leak-kinds=definite --error-exitcode=97 \
	"$driver" loop "$work/pam.d" users jsmith "${AIG_PAM_ROUNDS:-1000}" 2>"$work/vg.log") && st=0 || st=$?
ok "$st" "1,000 auth+acct rounds under valgrind: $out"
[ "$st" = 0 ] || sed 's/^/# /' "$work/vg.log"
out=$(printf '%s\0' "$pw" | valgrind -q --leak-check=full \
	--errors-for-leak-kinds=definite --error-exitcode=97 \
	"$driver" loop "$work/pam.d" cacheusers jsmith "${AIG_PAM_CACHE_ROUNDS:-200}" 2>"$work/vg.log") && st=0 || st=$?
ok "$st" "groups_cache: 200 auth+acct rounds under valgrind: $out"
[ "$st" = 0 ] || sed 's/^/# /' "$work/vg.log"

finish
