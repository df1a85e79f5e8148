#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-basic-cache.sh - auth.basic_cache_s: aigate.cgi as one FastCGI
# process (spawn-fcgi) with Basic through PAM (pam_aigate.so) against a
# fresh Samba AD DC, reached through tcp_count.py so that each request's
# connections to the DC are counted. Alternating users and wrong
# passwords through the one process: every answer names the caller and
# the caller's groups, a repeated login within basic_cache_s does not
# reach the DC, a wrong password always does (and drops that user's
# entries), and with basic_cache_s 0 every request goes through PAM.
# Then pam_aigate's keep_connection in the same process: one connection
# to the DC for alternating users and wrong passwords, each answer its
# own caller's, and a connection the DC closed replaced once.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
if [ "${AIG_WITH_FCGI:-yes}" = no ]; then
	echo "1..0 # SKIP aigate was configured --without-fcgi"
	exit 77
fi
. "$top_srcdir/tests/integration/assert.sh"
in_ad_testbed gate-basic-cache "$@"
work=$(mktemp -d /tmp/aigate-basic-cache.XXXXXX)
svc="aigate-bcache-$$"
fwd_pid=
fcgi_pid=
cleanup() {
	[ -z "$fcgi_pid" ] || kill "$fcgi_pid" 2>/dev/null || true
	[ -z "$fwd_pid" ] || kill "$fwd_pid" 2>/dev/null || true
	rm -f "/etc/pam.d/$svc"
	rm -rf "$work"
}
trap cleanup EXIT
pw=$AIG_AD_PASSWORD
chmod 0755 "$work"
mkdir -m 0700 "$work/state"
(umask 077 && openssl rand -out "$work/state.key" 32)
cp "$top_builddir/cgi/aigate.cgi" "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$work/"
cp "$top_builddir/pam_aigate/.libs/pam_aigate.so" "$top_builddir/pam_aigate/.libs/aigate-ldap.so" "$work/"

python3 "$top_srcdir/tests/integration/tcp_count.py" "$work/port" "$work/count" \
	127.0.0.1 636 &
fwd_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
count() { cat "$work/count"; }

config() { # FILE BASIC_CACHE_S
	cat >"$1" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:$(cat "$work/port")"], "domain": "$AIG_AD_DOMAIN",
           "base_dn": "$AIG_AD_BASE", "ca_file": "$AIG_AD_CA", "timeout_ms": 2000},
  "auth": {"methods": ["basic"], "pam_service": "$svc", "basic_cache_s": $2},
  "backend": {"url": "http://127.0.0.1:9"},
  "policy_file": "$top_srcdir/policies/policy.json",
  "state_dir": "$work/state",
  "state_key_file": "$work/state.key",
  "audit": {"file": "$work/audit.jsonl", "syslog": false}
}
JSON
	chmod 0644 "$1"
}
config "$work/on.json" 60
config "$work/off.json" 0
# PAM's own configuration does not decide: the gate reads auth.* from the
# file the process was started with
cat >"/etc/pam.d/$svc" <<PAM
auth     required $work/pam_aigate.so config=$work/on.json
account  required $work/pam_aigate.so config=$work/on.json
PAM

start_gate() { # CONFIG
	[ -z "$fcgi_pid" ] || { kill "$fcgi_pid"; wait "$fcgi_pid" 2>/dev/null || true; }
	rm -f "$work/sock"
	AIGATE_CONFIG=$1 spawn-fcgi -n -s "$work/sock" -M 0600 -- "$work/aigate.cgi" \
		>/dev/null 2>&1 &
	fcgi_pid=$!
	for _ in $(seq 50); do [ -S "$work/sock" ] && break; sleep 0.1; done
}
# ask "USER PASSWORD"...: one request each through the one process; $out
# the answers ("STATUS USER NAME GROUPS" lines), $reached the DC
# connections they made
ask() {
	local before
	before=$(count)
	out=$(printf '%s\n' "$@" | python3 "$top_srcdir/tests/integration/basic_cache_client.py" "$work/sock")
	reached=$(($(count) - before))
}
line() { printf '%s\n' "$out" | sed -n "${1}p"; }

start_gate "$work/on.json"
ask "alice $pw" "bob $pw"
expect_match "$(line 1)" '^200 alice alice .*AI_Admins' "basic_cache_s: alice, from PAM"
expect_match "$(line 2)" '^200 bob bob .*Data_Scientists' "bob, from PAM"
ok $([ "$reached" -ge 2 ] && echo 0 || echo 1) "... both reached the DC ($reached connections)"
ask "alice $pw" "bob $pw" "alice $pw" "bob $pw"
expect_eq "$reached" 0 "alice, bob, alice, bob again within basic_cache_s: no DC"
expect_match "$(line 1)" '^200 alice alice [^ ]*AI_Admins' "... alice is alice with her groups"
expect_match "$(line 2)" '^200 bob bob [^ ]*Data_Scientists' "... bob is bob with his"
expect_no_match "$(line 2)$(line 4)" 'AI_Admins' "... and never gets alice's AI_Admins"
expect_match "$(line 3)" '^200 alice alice [^ ]*AI_Admins' "... alice again"
expect_match "$(line 4)" '^200 bob bob ' "... bob again"
ask "bob wrong-Passw0rd"
expect_match "$out" '^401 bob - -$' "a wrong password for a cached user: 401"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... from PAM, at the DC"
ask "alice $pw"
expect_eq "$reached" 0 "alice still from the cache"
expect_match "$out" '^200 alice alice ' "... as alice"
ask "bob $pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "bob's refusal dropped his entry: PAM again"
expect_match "$out" '^200 bob bob [^ ]*Data_Scientists' "... and he is bob"
ask "alice wrong-Passw0rd" "ALICE $pw" "mallory $pw"
expect_match "$(line 1)" '^401 alice - -$' "alice with a wrong password beside her cached right one: 401"
expect_match "$(line 2)" '^200 ALICE alice [^ ]*AI_Admins' "ALICE: PAM again (her entries were dropped), the directory's spelling"
expect_match "$(line 3)" '^200 mallory mallory ' "mallory is mallory"
expect_no_match "$(line 3)" 'AI_' "... with no AI_ group"

start_gate "$work/off.json"
ask "bob $pw" "bob $pw" "bob $pw"
expect_match "$out" '^200 bob bob ' "basic_cache_s 0: bob"
ok $([ "$reached" -ge 3 ] && echo 0 || echo 1) "... every request through PAM to the DC ($reached connections for 3)"

# --- pam_aigate keep_connection: one TLS connection to the DC for the
# process, a bind per login on it, and nothing of one login in the next
cat >"/etc/pam.d/$svc" <<PAM
auth     required $work/pam_aigate.so config=$work/on.json keep_connection
account  required $work/pam_aigate.so config=$work/on.json
PAM
start_gate "$work/off.json"
ask "alice $pw" "bob $pw" "mallory wrong-Passw0rd" "alice $pw" "ophelia $pw" \
	"bob $pw" "ophelia wrong-Passw0rd" "mallory $pw" "jsmith $pw"
expect_eq "$reached" 1 "keep_connection: 9 logins through one process, one connection to the DC"
expect_match "$(line 1)" '^200 alice alice [^ ]*AI_Admins' "... alice is alice with her groups"
expect_match "$(line 2)" '^200 bob bob [^ ]*Data_Scientists' "... bob is bob"
expect_no_match "$(line 2)" 'AI_Admins' "... without alice's AI_Admins"
expect_match "$(line 3)" '^401 mallory - -$' "... mallory's wrong password is refused"
expect_match "$(line 4)" '^200 alice alice [^ ]*AI_Admins' "... alice again"
expect_match "$(line 5)" '^200 ophelia ophelia .*ML_Platform' "... ophelia is ophelia"
expect_match "$(line 6)" '^200 bob bob ' "... bob again"
expect_no_match "$(line 6)" 'AI_Admins|ML_Platform' "... with none of ophelia's groups"
expect_match "$(line 7)" '^401 ophelia - -$' "... ophelia's wrong password right after bob's login is refused"
expect_match "$(line 8)" '^200 mallory mallory ' "... mallory after it is mallory"
expect_no_match "$(line 8)" 'AI_|ML_|Data_' "... with no group of the others"
expect_match "$(line 9)" '^200 jsmith jsmith [^ ]*AI_Users' "... and jsmith is jsmith"
# the DC closes the kept connection: replaced once, and the login answered
kill "$fwd_pid"
wait "$fwd_pid" 2>/dev/null || true
python3 "$top_srcdir/tests/integration/tcp_count.py" "$work/port" "$work/count" \
	127.0.0.1 636 &
fwd_pid=$!
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$(cat "$work/port")") 2>/dev/null && break
	sleep 0.1
done
ask "bob $pw" "alice $pw"
expect_match "$(line 1)" '^200 bob bob ' "a kept connection the DC closed is replaced: bob answered"
expect_match "$(line 2)" '^200 alice alice [^ ]*AI_Admins' "... and alice after him"
ok $([ "$reached" -le 3 ] && echo 0 || echo 1) "... on one new connection ($reached counted, the probe included)"
finish
