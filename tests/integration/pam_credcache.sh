#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# pam_credcache.sh - pam_aigate's cached_auth and offline_auth through the
# real libpam against a fresh Samba AD DC. The module reaches the DC
# through tcp_count.py, which counts the connections it forwards, so that
# "answered without the DC" is seen, not assumed; stopping the forwarder
# is the outage.
#   cached_auth: a repeated login does not reach the DC and keeps its
#   name and groups (require_group applied to them); a wrong password
#   reaches the DC, is refused and drops the entry; a password changed
#   in AD is accepted on first use (the old one keeps working from the
#   cache until then, as documented) and then the old one is the DC's
#   to judge; a
#   file with the wrong owner or mode is not used; a damaged file is
#   made anew; an entry copied to another login is not used.
#   offline_auth: with the DC unreachable a cached login is accepted and
#   audited as offline, a login without an entry is
#   PAM_AUTHINFO_UNAVAIL, offline_failed_attempts wrong passwords lock it
#   for offline_delay, and with the DC back logins are online again;
#   without offline_auth an outage stays PAM_AUTHINFO_UNAVAIL.
#   aigatectl cache list shows the entries (never a hash); cache drop
#   USER|--all removes them.
# Lockout threshold 3: at most 2 bad binds per user reach the DC.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/integration/assert.sh"
in_ad_testbed pam_credcache "$@"
work=$(mktemp -d /tmp/aigate-pamcred.XXXXXX)
fwd_pid=
stop_fwd() {
	if [ -n "$fwd_pid" ]; then
		kill "$fwd_pid" 2>/dev/null || true
		wait "$fwd_pid" 2>/dev/null || true
	fi
	fwd_pid=
}
trap 'stop_fwd; rm -rf "$work"' EXIT
mod=$top_builddir/pam_aigate/.libs/pam_aigate.so
driver=$top_builddir/tests/integration/pam_driver
pw=$AIG_AD_PASSWORD
state=$work/state
creds=$state/pam-creds.mdb

start_fwd() {
	python3 "$top_srcdir/tests/integration/tcp_count.py" "$work/port" \
		"$work/count" 127.0.0.1 636 &
	fwd_pid=$!
	for _ in $(seq 100); do
		if [ -s "$work/port" ] &&
			(exec 3<>"/dev/tcp/127.0.0.1/$(cat "$work/port")") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "Bail out! tcp_count.py did not start"
	exit 1
}
count() { cat "$work/count"; }
start_fwd
# the probe connection above was counted: start from here
(umask 077 && openssl rand -out "$work/state.key" 32)
mkdir -m 0700 "$state"
ad_config "$work/aigate.json" "ldaps://127.0.0.1:$(cat "$work/port")"

mkdir -p "$work/pam.d"
service() { # NAME REQUIRE_GROUP AUTH_OPTIONS...
	local name=$1 group=$2
	shift 2
	cat >"$work/pam.d/$name" <<PAM
auth     required $mod config=$work/aigate.json $*
account  required $mod config=$work/aigate.json require_group=$group
PAM
}
service cached AI_Users cached_auth=600
service cachedadm AI_Admins cached_auth=600
service offline AI_Users cached_auth=1 offline_auth=1 offline_failed_attempts=3 offline_delay=0.05
service short AI_Users cached_auth=1
service plain AI_Users

run() { # SERVICE USER OPS [ANSWERS...]
	local svc=$1 user=$2 ops=$3
	shift 3
	printf '%s\0' "$@" | "$driver" run "$work/pam.d" "$svc" "$user" "$ops"
}
# reached SERVICE USER OPS PASSWORD: runs it; $out its output, $reached
# how many connections to the DC it made
reached() {
	local before
	before=$(count)
	out=$(run "$@")
	reached=$(($(count) - before))
}

# --- cached_auth
reached cached bob auth,acct "$pw"
expect_match "$out" '^acct=PAM_SUCCESS$' "cached_auth: bob's first login, from the DC"
expect_match "$out" '^libldap_loaded=yes$' "... which loaded the directory code (aigate-ldap.so, libldap)"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... which reached the DC ($reached connections)"
expect_eq "$(stat -c %a "$creds" 2>&1)" 600 "... and was stored in state_dir/pam-creds.mdb, mode 0600"
reached cached bob auth,acct "$pw"
expect_match "$out" '^auth=PAM_SUCCESS$' "bob's second login within cached_auth"
expect_eq "$reached" 0 "... did not reach the DC"
expect_match "$out" '^libldap_loaded=no$' "... nor load libldap: pam_aigate.so loads its directory code only for the DC"
expect_match "$out" '^libcrypto_loaded=no$' "... nor OpenSSL's libcrypto: the cache's MAC is Nettle's (2 ms less in a new process)"
expect_match "$out" '^groups=.*Data_Scientists' "... and has bob's groups"
expect_match "$out" '^aigate_user=bob$' "... and AIGATE_USER=bob"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and require_group=AI_Users admits him (nested, from the cached groups)"
reached cached mallory auth,acct "$pw"
reached cached mallory auth,acct "$pw"
expect_eq "$reached" 0 "mallory's second login within cached_auth does not reach the DC"
expect_match "$out" '^acct=PAM_PERM_DENIED$' "... and require_group=AI_Users refuses her on the cached groups"
reached cachedadm alice auth,acct "$pw"
reached cachedadm ALICE auth,acct "$pw"
expect_eq "$reached" 0 "ALICE within cached_auth: alice's entry, no DC"
expect_match "$out" '^aigate_user=alice$' "... AIGATE_USER as the directory spells it"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and require_group=AI_Admins admits her"

# an entry moved to another login does not verify: the DC answers
"$driver" copy "$creds" alice mallory
reached cachedadm mallory auth,acct "$pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "alice's entry copied to mallory is not used: the DC is asked"
expect_no_match "$out" 'AI_Admins' "... and mallory gets none of alice's groups"
expect_match "$out" '^acct=PAM_PERM_DENIED$' "... and require_group=AI_Admins refuses her"

# a wrong password goes to the DC, is refused, and drops the entry (bob: 1 bad bind)
reached cached bob auth "wrong-Passw0rd"
expect_match "$out" '^auth=PAM_AUTH_ERR$' "a wrong password within cached_auth is refused"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... by the DC ($reached connections)"
reached cached bob auth "$pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... and the refusal dropped bob's entry: the next login asks the DC"
expect_match "$out" '^auth=PAM_SUCCESS$' "... and succeeds"

# a password changed in AD (jsmith: 1 bad bind)
reached cached jsmith auth "$pw"
new='Ch4nged-Passw0rd!x'
samba-tool user setpassword jsmith --newpassword="$new" -s "$AIG_AD_SMBCONF" >/dev/null
reached cached jsmith auth "$pw"
expect_match "$out" '^auth=PAM_SUCCESS$' "the old password keeps working from the cache within cached_auth"
expect_eq "$reached" 0 "... without the DC (the window pam_aigate(8) documents)"
reached cached jsmith auth "$new"
expect_match "$out" '^auth=PAM_SUCCESS$' "the new password set in AD is accepted on first use"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... from the DC"
# (Samba, as Windows, may still take the previous password for a while:
# what matters is that the cache no longer answers for it)
reached cached jsmith auth "$pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "then the old password no longer matches the cache: the DC decides"

# the file is trusted as the group cache is
reached cached bob auth "$pw" # a fresh entry
chown nobody "$creds"
reached cached bob auth "$pw"
chown root "$creds"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "a credential cache owned by another user is not used: the DC is asked"
expect_match "$out" '^auth=PAM_SUCCESS$' "... and answers"
chmod 0666 "$creds"
reached cached bob auth "$pw"
chmod 0600 "$creds"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "a credential cache writable by others is not used either"
chmod 0770 "$state"
reached cached bob auth "$pw"
chmod 0700 "$state"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "nor one in a state_dir writable by its group"
printf 'not an LMDB file\n%.0s' $(seq 512) >"$creds"
reached cached bob auth,acct "$pw"
expect_match "$out" '^acct=PAM_SUCCESS$' "a damaged credential cache: the DC answers"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... ($reached connections)"
reached cached bob auth "$pw"
expect_eq "$reached" 0 "... and the file was made anew: the next login is cached"
"$driver" plant "$creds" ophelia nomac "AI_Admins"
reached cached ophelia auth "$pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "a planted entry (no valid MAC) is not used: the DC is asked"

# cached_auth off: every login reaches the DC
reached plain bob auth "$pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "without cached_auth every login reaches the DC"

# --- aigatectl cache
ctl=$top_builddir/aigatectl/aigatectl
list=$("$ctl" -c "$work/aigate.json" cache list 2>&1) && st=0 || st=$?
ok "$st" "aigatectl cache list"
expect_match "$list" '^bob +bob +[0-9]+s +[0-9]+s +online +ok' "... lists bob: name, age, online"
expect_match "$list" '^ophelia +ophelia ' "... and ophelia"
expect_no_match "$list" '\$y\$|\$[0-9]\$' "... and never a hash"
list=$("$ctl" -c "$work/aigate.json" --json cache list 2>&1)
expect_eq "$(printf '%s' "$list" | python3 -c 'import json,sys; print(sorted(e["login"] for e in json.load(sys.stdin) if e["valid"] and e["last_login"] == "online")[:2])')" \
	"['bob', 'ophelia']" "aigatectl --json cache list"
expect_no_match "$list" '\$y\$' "... without a hash"
out=$("$ctl" -c "$work/aigate.json" cache drop BOB 2>&1) && st=0 || st=$?
ok "$st" "aigatectl cache drop BOB: $out"
reached cached bob auth "$pw"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... bob's next login asks the DC"
"$ctl" -c "$work/aigate.json" cache drop nosuchuser 2>/dev/null && st=0 || st=$?
expect_eq "$st" 1 "aigatectl cache drop of a login without an entry: exit 1"
"$ctl" -c "$work/aigate.json" cache drop 2>/dev/null && st=0 || st=$?
expect_eq "$st" 2 "aigatectl cache drop without USER or --all: exit 2"

# --- 8 threads at once through cached_auth: every answer right
cases="alice $pw PAM_SUCCESS PAM_PERM_DENIED
bob $pw PAM_SUCCESS PAM_SUCCESS
ophelia $pw PAM_SUCCESS PAM_PERM_DENIED
mallory $pw PAM_SUCCESS PAM_PERM_DENIED
carol $pw PAM_ACCT_EXPIRED -"
out=$(printf '%s\n' "$cases" | "$driver" threads "$work/pam.d" cached 8 3) && st=0 || st=$?
ok "$st" "cached_auth: 8 threads x 3 rounds x 5 users: $out"
# keep_connection: 8 threads share one kept session (one at a time; the
# others make their own), every answer right
cat >"$work/pam.d/keep" <<PAM
auth     required $mod config=$work/aigate.json keep_connection
account  required $mod config=$work/aigate.json require_group=AI_Users
PAM
out=$(printf '%s\n' "$cases" | "$driver" threads "$work/pam.d" keep 8 3) && st=0 || st=$?
ok "$st" "keep_connection: 8 threads x 3 rounds x 5 users: $out"
out=$(printf '%s\0' "$pw" | valgrind -q --leak-check=full \
	--errors-for-leak-kinds=definite --error-exitcode=97 \
	"$driver" loop "$work/pam.d" keep bob 30 2>"$work/vg.log") && st=0 || st=$?
ok "$st" "keep_connection: 30 auth+acct rounds under valgrind: $out"
[ "$st" = 0 ] || sed 's/^/# /' "$work/vg.log"
# rounds in one process, hits and a miss first: no leak, no descriptor growth
"$ctl" -c "$work/aigate.json" cache drop jsmith >/dev/null 2>&1 || true
out=$(printf '%s\0' "$new" | valgrind -q --leak-check=full \
	--errors-for-leak-kinds=definite --error-exitcode=97 \
	"$driver" loop "$work/pam.d" cached jsmith 20 2>"$work/vg.log") && st=0 || st=$?
ok "$st" "cached_auth: 20 auth+acct rounds under valgrind: $out"
[ "$st" = 0 ] || sed 's/^/# /' "$work/vg.log"

# --- offline_auth
reached offline bob auth "$pw"
reached offline alice auth "$pw"
sleep 1.2 # past cached_auth=1: the DC is asked again
stop_fwd
out=$(run offline bob auth,acct "$pw")
expect_match "$out" '^auth=PAM_SUCCESS$' "offline_auth: with the DC unreachable, bob's cached credentials log him in"
expect_match "$out" '^groups=.*Data_Scientists' "... with his cached groups"
expect_match "$out" '^acct=PAM_SUCCESS$' "... and require_group applied to them"
audit=$(cat "$work/audit.jsonl" 2>/dev/null || true)
expect_match "$audit" '"event":"auth_offline".*"user":"bob".*"result":"accepted"' "... audited as an offline login"
expect_no_match "$audit" "$pw" "... no password in the audit file"
for u in dave nosuchuser; do
	out=$(run offline $u auth "$pw")
	expect_match "$out" '^auth=PAM_AUTHINFO_UNAVAIL$' "$u, without cached credentials: PAM_AUTHINFO_UNAVAIL"
done
out=$(run short bob auth "$pw")
expect_match "$out" '^auth=PAM_AUTHINFO_UNAVAIL$' "without offline_auth an outage stays PAM_AUTHINFO_UNAVAIL"
for i in 1 2 3; do
	out=$(run offline alice auth "wrong-$i-Passw0rd")
	expect_match "$out" '^auth=PAM_AUTH_ERR$' "offline, wrong password $i is refused"
done
out=$(run offline alice auth "$pw")
expect_match "$out" '^auth=PAM_MAXTRIES$' "after 3 wrong ones offline logins are locked, the right password too"
out=$(run offline bob auth "$pw")
expect_match "$out" '^auth=PAM_SUCCESS$' "... alice's only: bob still logs in"
sleep 3.5 # offline_delay=0.05 minutes
out=$(run offline alice auth "$pw")
expect_match "$out" '^auth=PAM_SUCCESS$' "after offline_delay alice logs in offline again"
audit=$(cat "$work/audit.jsonl")
expect_match "$audit" '"user":"alice".*"result":"locked"' "the locked attempt is audited"
list=$("$ctl" -c "$work/aigate.json" cache list 2>&1)
expect_match "$list" '^bob +bob +.* offline +ok' "aigatectl cache list: bob's last login was offline"
start_fwd
reached offline bob auth "$pw"
expect_match "$out" '^auth=PAM_SUCCESS$' "the DC back: bob logs in"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... online again (reached the DC)"
reached offline alice auth "wrong-9-Passw0rd"
ok $([ "$reached" -ge 1 ] && echo 0 || echo 1) "... and a wrong password goes to the DC again (alice: 1 bad bind)"
expect_match "$out" '^auth=PAM_AUTH_ERR$' "... which refuses it"
out=$("$ctl" -c "$work/aigate.json" cache drop --all 2>&1) && st=0 || st=$?
ok "$st" "aigatectl cache drop --all"
list=$("$ctl" -c "$work/aigate.json" cache list 2>&1)
expect_no_match "$list" '^(bob|alice|jsmith) ' "... leaves no entry"

finish
