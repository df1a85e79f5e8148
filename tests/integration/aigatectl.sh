#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# aigatectl.sh - every aigatectl subcommand through the real binary, against
# a fresh Samba AD DC from the test bed (tests/testbed/ad.sh): check (and a
# broken config and policy, file:line:col; the DCs of an ldap.dns_srv SRV
# answer through resolv_wrapper; Redis up and down), test-auth (ok, 533, no
# terminal), groups, members (direct, nested), add-member / remove-member
# (bob into AI_Admins and out, seen by groups and explain; jsmith, whose DN
# holds a comma), the refusals (wrong admin password, a user who may not
# write, unknown group), usage errors (2), an unreachable DC (3), explain
# with --groups and without AD, jwks show / refresh with a jwks_file and an
# unreachable issuer (3, read as the state_dir's owner), and audit summary
# on a sample file; --json forms parsed; the directory paths under valgrind;
# and, on the test bed's slapd, the generic LDAP member walk. Needs root
# (Samba); skips (77) without the test bed's tools.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
command -v samba >/dev/null 2>&1 || { echo "samba not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "the AD test bed needs root"; exit 77; }

# The same subcommands on plain LDAP (ldap.groups "memberof": the generic
# member walk, cycles, groupOfNames), run by the AD part below inside
# `slapd.sh run`; prints TAP-like lines the caller turns into comments.
if [ "${1:-}" = --slapd-part ]; then
	. "$top_srcdir/tests/integration/assert.sh"
	ctl=$top_builddir/aigatectl/aigatectl
	cfg=$2/slapd.json
	cat >"$cfg" <<JSON
{"ldap": {"uri": ["$AIG_SLAPD_LDAPS_URI"], "base_dn": "$AIG_SLAPD_BASE",
  "ca_file": "$AIG_SLAPD_CA", "login_attribute": "uid", "groups": "memberof",
  "domain": "example.org",
  "timeout_ms": 2000},
 "auth": {"methods": ["basic"]}, "backend": {"url": "http://127.0.0.1:9"},
 "policy_file": "$top_srcdir/policies/policy.json", "state_dir": "$2/state",
 "audit": {"file": "$2/audit.jsonl", "syslog": false}}
JSON
	chmod 0644 "$cfg"
	adm=(--bind-dn "$AIG_SLAPD_ADMIN_DN" --password-file "$AIG_SLAPD_ADMIN_PASSWORD_FILE")
	out=$("$ctl" -c "$cfg" members AI_Users --recursive "${adm[@]}")
	expect_match "$out" '^user +bob +uid=bob,' "slapd: members --recursive has bob"
	expect_match "$out" '^user +jsmith +cn=Smith\\2C John' "... and jsmith (\\2C)"
	out=$("$ctl" -c "$cfg" members Cycle_A --recursive "${adm[@]}")
	expect_match "$out" '^user +cyril ' "slapd: a membership cycle is walked once"
	"$ctl" -c "$cfg" add-member AI_Admins jsmith "${adm[@]}" >/dev/null
	out=$("$ctl" -c "$cfg" groups jsmith "${adm[@]}")
	expect_match "$out" '^AI_Admins$' "slapd: add-member jsmith (groupOfNames)"
	"$ctl" -c "$cfg" remove-member AI_Admins jsmith "${adm[@]}" >/dev/null
	out=$("$ctl" -c "$cfg" groups jsmith "${adm[@]}")
	expect_no_match "$out" '^AI_Admins$' "slapd: remove-member jsmith"
	finish
fi

. "$top_srcdir/tests/integration/assert.sh"
in_ad_testbed ctl "$@"
work=$(mktemp -d /tmp/aigate-ctl.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0711 "$work" # the jwks test runs as nobody under it
ctl=$top_builddir/aigatectl/aigatectl
jwt_tool=$top_builddir/tests/integration/jwt_tool
py=$(command -v python3)

mkdir -p "$work/state"
(umask 077 && openssl rand -out "$work/state.key" 32)
ad_config "$work/aigate.json" "$AIG_AD_URI"
ad_config "$work/down.json" "ldaps://127.0.0.1:1"
ad_config "$work/svc.json" "$AIG_AD_URI" "" \
	"\"service_bind\": {\"dn\": \"$AIG_AD_SVC_DN\", \"password_file\": \"$AIG_AD_SVC_PASSWORD_FILE\"}"
(umask 077 && printf '%s\n' "$AIG_AD_PASSWORD" >"$work/user.secret" &&
	printf 'not-the-Passw0rd' >"$work/wrong.secret")

run() { # CONFIG ARGS... : sets out, errout, st
	out=$("$ctl" -c "$@" 2>"$work/stderr") && st=0 || st=$?
	errout=$(cat "$work/stderr")
}
admin=(--bind-dn "$AIG_AD_ADMIN_DN" --password-file "$AIG_AD_ADMIN_PASSWORD_FILE")
expect_json() { # TEXT PYTHON-EXPRESSION-ON-j DESCRIPTION
	local text=$1 expr=$2 st=0
	shift 2
	printf '%s' "$text" | "$py" -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" || st=$?
	ok "$st" "$*"
}
expect_one_line() { # TEXT DESCRIPTION
	local n
	n=$(printf '%s\n' "$1" | wc -l)
	shift
	expect_eq "$n" 1 "$*"
}

# --- check
run "$work/aigate.json" check --web-user root
expect_eq "$st" 0 "check: a good configuration and the shipped policy"
expect_match "$out" 'policy: .*policy.json ok, 8 rules' "check names the policy and its rules"
expect_match "$errout" 'warning: auth.require_https is false: .*in clear.*loopback.*front proxy' \
	"check warns while auth.require_https is false (exit status 0 all the same)"
sed 's/"methods": \["basic"\]/"methods": ["basic"], "require_https": true/' \
	"$work/aigate.json" >"$work/https.json"
chmod 0644 "$work/https.json"
run "$work/https.json" check --web-user root
expect_eq "$st:$errout" "0:" "check: auth.require_https true, no warning"
run "$work/aigate.json" check --json --web-user root
expect_json "$out" 'j["ok"] is True and j["checks"][2]["what"] == "state_key_file" and j["checks"][2]["ok"] and "warning" not in j["checks"][2]' \
	"check --json parses and says ok, the state key included"
STATE_KEY=$work/no-such.key ad_config "$work/nokey.json" "$AIG_AD_URI"
run "$work/nokey.json" check --web-user root
expect_eq "$st" 0 "check without the state key: still exit 0"
expect_match "$errout" "^warning: state_key_file: $work/no-such.key: .*not used" "... with a warning that the caches are not used"
run "$work/nokey.json" check --json --web-user root
expect_json "$out" 'j["ok"] is True and "no-such.key" in j["checks"][2]["warning"]' \
	"... and check --json carries the warning"
sed 's/"timeout_ms": 2000/"timeout_ms": 2000, "bogus": 1/' "$work/aigate.json" >"$work/bad.json"
chmod 0644 "$work/bad.json"
run "$work/bad.json" check
expect_eq "$st" 1 "check: an unknown key fails (exit 1)"
expect_match "$errout" "^$work/bad.json:[0-9]+:[0-9]+: \"ldap.bogus\": unknown key$" \
	"... with the loader's file:line:col message"
cat >"$work/badpolicy.json" <<'JSON'
{"version": 1,
 "rules": [{"name": "x", "groups": ["*"], "paths": ["/a"], "action": "maybe"}]}
JSON
chmod 0644 "$work/badpolicy.json"
POLICY=$work/badpolicy.json ad_config "$work/badpol.json" "$AIG_AD_URI"
run "$work/badpol.json" check
expect_eq "$st" 1 "check: a bad policy fails (exit 1)"
expect_match "$errout" "^$work/badpolicy.json:[0-9]+:[0-9]+: .*action" "... as file:line:col naming the key"
run "$work/badpol.json" check --json
expect_json "$out" 'j["ok"] is False and "badpolicy.json:" in j["checks"][1]["error"]' \
	"check --json reports the policy error"
chmod 0666 "$work/bad.json"
run "$work/bad.json" check
expect_match "$errout" 'writable by group or others' "check refuses a world-writable config"

# --- check, deeper: each domain controller, its certificate, the service
# bind, the issuer's keys, state_dir and audit writable by the web user;
# each fault on its own line, exit 1
run "$work/svc.json" check --web-user root
expect_eq "$st" 0 "check: all good (DC, certificate, service bind, state_dir, audit)"
expect_match "$out" "^dc: $AIG_AD_URI ok, reachable, TLS verified$" "... the DC is reachable with verified TLS"
expect_match "$out" "^dc certificate: $AIG_AD_URI ok, [0-9]+ days left$" "... its certificate's days left"
expect_match "$out" "^service bind: $AIG_AD_URI ok, $AIG_AD_SVC_DN$" "... the service bind"
expect_match "$out" "^dc clock: $AIG_AD_URI ok, skew -?[0-9] s$" "... the DC's clock (rootDSE currentTime) against ours"
expect_match "$out" "^state_dir: $work/state ok, writable by root$" "... state_dir writable by the web user"
expect_match "$out" "^audit: $work/audit.jsonl ok, writable by root$" "... the audit file too"
run "$work/svc.json" check --json --web-user root
expect_json "$out" 'j["ok"] is True and {c["what"] for c in j["checks"]} >= {"dc", "dc certificate", "service bind", "state_dir", "audit"}' \
	"check --json: every item, all ok"
ad_config "$work/two.json" "$AIG_AD_URI\", \"ldaps://127.0.0.1:1"
run "$work/two.json" check --web-user root
expect_eq "$st" 1 "check: a DC stopped (one of two): exit 1"
expect_match "$out" "^dc: ldaps://127.0.0.1:1 FAILED: .*cannot connect" "... on its own line"
expect_match "$out" "^dc: $AIG_AD_URI ok" "... the other DC still ok"
ad_config "$work/badsvc.json" "$AIG_AD_URI" "" \
	"\"service_bind\": {\"dn\": \"$AIG_AD_SVC_DN\", \"password_file\": \"$work/wrong.secret\"}"
run "$work/badsvc.json" check --web-user root
expect_eq "$st" 1 "check: a wrong service password: exit 1"
expect_match "$out" "^service bind: $AIG_AD_URI FAILED" "... on the service bind's line"
run "$work/aigate.json" check --web-user nobody
expect_eq "$st" 1 "check: state_dir not writable by the web user: exit 1"
expect_match "$out" "^state_dir: $work/state FAILED: not writable by nobody" "... on its own line"
# auth.pam_confdir: the PAM service in the gate's own directory, checked
# as the gate checks it
mkdir -m 0755 "$work/pamconf"
printf 'auth required pam_permit.so\n' >"$work/pamconf/aigate"
chmod 0644 "$work/pamconf/aigate"
sed 's|"methods": \["basic"\]|"methods": ["basic"], "pam_confdir": "'"$work/pamconf"'"|' \
	"$work/aigate.json" >"$work/confdir.json"
run "$work/confdir.json" check --web-user root
expect_eq "$st" 0 "check: auth.pam_confdir with a trusted service file: exit 0"
expect_match "$out" "^pam_confdir: $work/pamconf ok, service aigate trusted$" "... on its own line"
chmod 0666 "$work/pamconf/aigate"
run "$work/confdir.json" check --web-user root
expect_eq "$st" 1 "check: a world-writable service file in pam_confdir: exit 1"
expect_match "$out" "^pam_confdir: $work/pamconf FAILED: service .*writable by group or others" "... on its own line"
rm "$work/pamconf/aigate"
run "$work/confdir.json" check --web-user root
expect_eq "$st" 1 "check: no service file in pam_confdir: exit 1"
run "$work/aigate.json" check --web-user no-such-user-here
expect_eq "$st" 1 "check: an unknown web user: exit 1"
expect_match "$out" "^web user: no-such-user-here FAILED: no such user" "... on its own line"
ad_config "$work/issuer.json" "$AIG_AD_URI" \
	"\"jwt\": {\"issuer\": \"https://127.0.0.1:1/oidc\", \"audience\": [\"aigate\"], \"jwks_uri\": \"https://127.0.0.1:1/jwks.json\"}"
sed -i 's/"methods": \["basic"\]/"methods": ["bearer", "basic"]/' "$work/issuer.json"
run "$work/issuer.json" check --web-user root
expect_eq "$st" 1 "check: the issuer down: exit 1"
expect_match "$out" "^jwt keys: https://127.0.0.1:1/jwks.json FAILED" "... on the issuer's line"
# a DC whose certificate expires in 5 days (an ldaps:// TLS listener with
# the test bed's kind of certificate, from a CA of our own)
(. "$top_srcdir/tests/testbed/lib.sh"
 tb_make_ca "$work/soon" "aigate check soon CA" >/dev/null 2>&1)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
	-keyout "$work/soon/dc.key" -out "$work/soon/dc.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$work/soon/ext"
openssl x509 -req -in "$work/soon/dc.csr" -CA "$work/soon/ca.pem" -CAkey "$work/soon/ca.key" \
	-CAcreateserial -days 5 -extfile "$work/soon/ext" -out "$work/soon/dc.pem" 2>/dev/null
sport=$("$top_srcdir/tests/testbed/web.sh" port)
openssl s_server -www -accept "127.0.0.1:$sport" -cert "$work/soon/dc.pem" \
	-key "$work/soon/dc.key" </dev/null >/dev/null 2>&1 &
soon_pid=$!
sleep 0.5
ad_config "$work/soon.json" "ldaps://127.0.0.1:$sport"
sed -i "s|\"$AIG_AD_CA\"|\"$work/soon/ca.pem\"|" "$work/soon.json"
run "$work/soon.json" check --web-user root
kill "$soon_pid" 2>/dev/null || true
wait "$soon_pid" 2>/dev/null || true
expect_eq "$st" 1 "check: a DC certificate about to expire: exit 1"
expect_match "$out" "^dc certificate: ldaps://127.0.0.1:$sport FAILED: [0-5] days left: renew it" "... on its own line"

# ldap.dns_srv: the SRV answer on its own line, then each DC it names.
# resolv_wrapper's hosts file answers the SRV query and nss_wrapper names
# dc1 127.0.0.1: nothing leaves the machine.
rwrap=$(ldconfig -p 2>/dev/null |
	awk '/libresolv_wrapper\.so[^.]/ { print $NF; exit }')
if [ -z "$rwrap" ] || [ -z "${AIG_AD_NSS_WRAPPER:-}" ] ||
	[ "${AIG_SANITIZERS:-no}" = yes ]; then
	echo "# SKIP check dns_srv: no libresolv_wrapper or libnss_wrapper, or ASan"
else
	printf 'SRV _ldap._tcp.%s dc1.%s 636 0 100\nSRV _ldap._tcp.notoffered.test . 0 0 0\n' \
		"$AIG_AD_DOMAIN" "$AIG_AD_DOMAIN" >"$work/srv-hosts"
	srv_run() { # DNS_SRV : sets out, errout, st
		ad_config "$work/srv.json" x
		sed -i "s|\"uri\": \[\"x\"\]|\"dns_srv\": \"$1\"|" "$work/srv.json"
		out=$(env -u RESOLV_WRAPPER_CONF RESOLV_WRAPPER_HOSTS="$work/srv-hosts" \
			NSS_WRAPPER_HOSTS="$AIG_AD_NSS_HOSTS" \
			LD_PRELOAD="$rwrap $AIG_AD_NSS_WRAPPER" \
			"$ctl" -c "$work/srv.json" check --web-user root 2>"$work/stderr") &&
			st=0 || st=$?
		errout=$(cat "$work/stderr")
	}
	srv_run "$AIG_AD_DOMAIN"
	expect_eq "$st" 0 "check dns_srv: an SRV answer naming the DC: exit 0"
	expect_match "$out" "^dns srv: _ldap._tcp.$AIG_AD_DOMAIN ok, dc1.$AIG_AD_DOMAIN:636$" \
		"... the SRV line names the target and its port"
	expect_match "$out" "^dc: ldaps://dc1.$AIG_AD_DOMAIN:636 ok, reachable, TLS verified$" \
		"... and the DC it names is checked"
	srv_run nosrv.test
	expect_eq "$st" 1 "check dns_srv: a name with no SRV records: exit 1"
	expect_match "$out" "^dns srv: _ldap._tcp.nosrv.test FAILED: " "... on its own line"
	expect_no_match "$out" "^dc: " "... and no DC to check"
	srv_run notoffered.test
	expect_eq "$st" 1 "check dns_srv: the target \".\" (service not offered): exit 1"
	expect_match "$out" "^dns srv: _ldap._tcp.notoffered.test FAILED: no SRV records" \
		"... on its own line"
fi

# ratelimit.store Redis: PINGed. A redis-server of our own on a spare port,
# then the same port closed.
rport=$("$top_srcdir/tests/testbed/web.sh" port)
mkdir -p "$work/redis"
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no --dir "$work/redis" >"$work/redis/log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
	redis-cli -p "$rport" ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
ad_config "$work/redis.json" "$AIG_AD_URI" \
	"\"ratelimit\": {\"store\": \"redis://127.0.0.1:$rport/0\"}"
run "$work/redis.json" check --web-user root
expect_eq "$st" 0 "check: Redis answers PING: exit 0"
expect_match "$out" "^redis: redis://127.0.0.1:$rport/0 ok, answers PING$" "... on its own line"
kill "$redis_pid" 2>/dev/null || true
wait "$redis_pid" 2>/dev/null || true
run "$work/redis.json" check --web-user root
expect_eq "$st" 1 "check: Redis's port closed: exit 1"
expect_match "$out" "^redis: redis://127.0.0.1:$rport/0 FAILED: cannot connect$" "... on its own line"

# --- test-auth
run "$work/aigate.json" test-auth alice --password-file "$work/user.secret"
expect_eq "$st" 0 "test-auth alice: exit 0"
expect_match "$out" '^status +ok$' "... status ok"
expect_match "$out" '^groups +.*AI_Admins' "... with her groups"
run "$work/aigate.json" test-auth carol --password-file "$work/user.secret"
expect_eq "$st" 1 "test-auth carol (disabled): exit 1"
expect_match "$out" '^status +account disabled \(533\)$' "... account disabled (533)"
run "$work/aigate.json" test-auth carol --json --password-file "$work/user.secret"
expect_json "$out" 'j["ok"] is False and j["status"] == "account disabled (533)"' \
	"test-auth --json for carol"
run "$work/aigate.json" test-auth frank --password-file "$work/user.secret"
expect_match "$out" '^status +password must be changed \(773\)$' "test-auth frank: must change (773)"
run "$work/aigate.json" test-auth bob --json --password-file "$work/user.secret"
expect_json "$out" 'j["ok"] and "AI_Users" in j["groups"] and j["dn"].startswith("CN=bob,")' \
	"test-auth bob --json: ok, nested AI_Users, his DN"
run "$work/aigate.json" test-auth jsmith "${admin[@]}" --user-password-file "$work/user.secret"
expect_eq "$st" 0 "test-auth jsmith found by the admin bind, bound by DN (comma in it)"
expect_match "$out" '^dn +CN=Smith\\, John \(Contractor\),' "... shows the DN"
run "$work/svc.json" test-auth alice --password-file "$work/user.secret"
expect_eq "$st" 0 "test-auth through ldap.service_bind"
if command -v script >/dev/null 2>&1; then
	# on a pseudo-terminal: the prompt, then the password typed with echo
	# off (typed a moment later: the prompt flushes earlier input)
	out=$( (sleep 1; printf '%s\n' "$AIG_AD_PASSWORD") |
		script -qec "$ctl -c $work/aigate.json test-auth alice" /dev/null 2>&1) && st=0 || st=$?
	expect_eq "$st" 0 "test-auth alice, the password typed on a terminal"
	expect_match "$out" 'Password for alice: ' "... after a prompt"
	expect_no_match "$out" 'Passw0rd!Demo' "... not echoed"
	expect_match "$out" 'status +ok' "... status ok"
fi
out=$(setsid -w "$ctl" -c "$work/aigate.json" test-auth alice </dev/null 2>"$work/stderr") && st=0 || st=$?
expect_eq "$st" 2 "test-auth without a terminal nor --password-file: exit 2"
expect_match "$(cat "$work/stderr")" 'no terminal' "... saying so"
chmod 0644 "$work/user.secret"
run "$work/aigate.json" test-auth alice --password-file "$work/user.secret"
expect_eq "$st" 1 "a password file readable by others is refused"
expect_match "$errout" 'readable by group or others' "... saying why"
chmod 0600 "$work/user.secret"

# --- groups
run "$work/aigate.json" groups bob "${admin[@]}"
expect_eq "$st" 0 "groups bob (admin bind)"
expect_match "$out" '^AI_Users$' "... includes AI_Users (through Data_Scientists)"
expect_match "$out" '^Data_Scientists$' "... and Data_Scientists"
run "$work/svc.json" groups bob --json
expect_json "$out" '"AI_Users" in j["groups"]' \
	"groups --json through ldap.service_bind"
run "$work/aigate.json" groups nosuchuser "${admin[@]}"
expect_eq "$st" 1 "groups of an unknown user: exit 1"
expect_match "$errout" 'no such user "nosuchuser"' "... no such user"
run "$work/aigate.json" groups bob
expect_eq "$st" 2 "groups without any admin bind: exit 2"
run "$work/aigate.json" groups "$(printf 'bad\033[31muser')" "${admin[@]}"
expect_eq "$st" 2 "a login with a control character: exit 2"
expect_match "$errout" 'bad\\x1b\[31muser' "... escaped in the message"

# --- members
run "$work/aigate.json" members AI_Users --recursive "${admin[@]}"
expect_eq "$st" 0 "members AI_Users --recursive"
expect_match "$out" '^user +bob +CN=bob,' "... includes bob (nested)"
expect_match "$out" '^user +jsmith +CN=Smith\\, John' "... and jsmith"
expect_match "$out" '^group +Data_Scientists ' "... and the nested group"
run "$work/aigate.json" members AI_Users "${admin[@]}"
expect_no_match "$out" '^user +bob ' "members AI_Users (direct) has no bob"
expect_match "$out" '^group +Data_Scientists ' "... but Data_Scientists"
run "$work/aigate.json" members ai_users --recursive --json "${admin[@]}"
expect_json "$out" 'j["group"] == "AI_Users" and {"bob", "jsmith"} <= {m["name"] for m in j["members"]}' \
	"members --json (any case of the name)"
run "$work/aigate.json" members No_Such_Group "${admin[@]}"
expect_eq "$st" 1 "members of an unknown group: exit 1"
run "$work/aigate.json" members 'AI_*' "${admin[@]}"
expect_eq "$st" 1 "a group name with '*' is escaped, not a wildcard"

# --- add-member / remove-member: bob into AI_Admins and out again
run "$work/aigate.json" explain bob POST /admin/deploy "${admin[@]}"
expect_eq "$st" 1 "before: explain bob POST /admin/deploy is a deny (exit 1)"
expect_match "$out" '^rule +no-admin-api$' "... by no-admin-api"
run "$work/aigate.json" add-member AI_Admins bob "${admin[@]}"
expect_eq "$st" 0 "add-member AI_Admins bob"
expect_match "$out" '^added bob to AI_Admins$' "... says so"
run "$work/aigate.json" add-member AI_Admins bob "${admin[@]}" --json
expect_json "$out" 'j["changed"] is False and j["action"] == "add"' \
	"adding again changes nothing (exit $st, --json)"
expect_eq "$st" 0 "... and exits 0"
run "$work/aigate.json" groups bob "${admin[@]}"
expect_match "$out" '^AI_Admins$' "groups bob now shows AI_Admins"
run "$work/aigate.json" explain bob POST /admin/deploy "${admin[@]}"
expect_eq "$st" 0 "explain bob POST /admin/deploy: allow (exit 0)"
expect_match "$out" '^decision +allow$' "... decision allow"
expect_match "$out" '^rule +admins$' "... by rule admins"
run "$work/aigate.json" explain bob POST /admin/deploy --json "${admin[@]}"
expect_json "$out" 'j["decision"] == "allow" and j["rule"] == "admins" and j["groups_from"] == "directory" and "AI_Admins" in j["groups"]' \
	"explain --json"
run "$work/aigate.json" remove-member AI_Admins bob "${admin[@]}"
expect_eq "$st" 0 "remove-member AI_Admins bob"
expect_match "$out" '^removed bob from AI_Admins$' "... says so"
run "$work/aigate.json" groups bob "${admin[@]}"
expect_no_match "$out" '^AI_Admins$' "groups bob no longer shows AI_Admins"
run "$work/aigate.json" explain bob POST /admin/deploy "${admin[@]}"
expect_eq "$st" 1 "explain: back to deny"
run "$work/aigate.json" remove-member AI_Admins bob "${admin[@]}"
expect_eq "$st" 0 "removing again: nothing to do, exit 0"
expect_match "$out" 'is not a member' "... says so"

# jsmith: CN=Smith\, John (Contractor)
run "$work/aigate.json" add-member AI_Admins jsmith "${admin[@]}"
expect_eq "$st" 0 "add-member AI_Admins jsmith (comma in the DN)"
run "$work/aigate.json" members AI_Admins "${admin[@]}"
expect_match "$out" '^user +jsmith +CN=Smith\\, John \(Contractor\),' "members AI_Admins lists jsmith"
run "$work/aigate.json" add-member AI_Admins jsmith "${admin[@]}"
expect_match "$out" 'already a member' "jsmith's membership is seen (escaped DN in the filter)"
run "$work/aigate.json" remove-member AI_Admins jsmith "${admin[@]}"
expect_eq "$st" 0 "remove-member AI_Admins jsmith"
run "$work/aigate.json" groups jsmith "${admin[@]}"
expect_no_match "$out" '^AI_Admins$' "... gone from his groups"

# refusals
run "$work/aigate.json" add-member AI_Admins bob --bind-dn "$AIG_AD_ADMIN_DN" --password-file "$work/wrong.secret"
expect_eq "$st" 1 "a wrong admin password: exit 1"
expect_match "$errout" 'invalid credentials' "... invalid credentials"
expect_one_line "$errout" "... in one line"
# An admin password over the login path's cap (1024 bytes) is refused
# here, before any connection: the unreachable DC does not make it exit 3.
(umask 077 && head -c 1025 /dev/zero | tr '\0' x >"$work/long.secret")
run "$work/down.json" add-member AI_Admins bob --bind-dn "$AIG_AD_ADMIN_DN" --password-file "$work/long.secret"
expect_eq "$st" 1 "an admin password over 1024 bytes: exit 1, no connection tried"
expect_match "$errout" 'password too long, not sent' "... refused locally"
run "$work/aigate.json" remove-member AI_Admins bob --bind-dn "$AIG_AD_ADMIN_DN" --password-file "$work/long.secret"
expect_eq "$st" 1 "... and against the DC: exit 1"
expect_match "$errout" 'password too long, not sent' "... refused locally, not sent"
run "$work/aigate.json" add-member AI_Admins mallory --bind-dn "CN=bob,$AIG_AD_USERS_DN" --password-file "$work/user.secret"
expect_eq "$st" 1 "bob may not write AI_Admins: exit 1"
expect_match "$errout" 'adding the member' "... the server's refusal"
run "$work/aigate.json" add-member No_Such_Group bob "${admin[@]}"
expect_eq "$st" 1 "add-member to an unknown group: exit 1"
run "$work/aigate.json" add-member AI_Admins nosuchuser "${admin[@]}"
expect_eq "$st" 1 "add-member of an unknown user: exit 1"
run "$work/aigate.json" groups mallory "${admin[@]}"
expect_no_match "$out" '^AI_Admins$' "mallory was not added"

# --- the directory paths under valgrind: no memory error, no leak
if command -v valgrind >/dev/null 2>&1; then
	vg() { # WANT-STATUS DESCRIPTION CONFIG ARGS...
		local want=$1 what=$2 st=0
		shift 2
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
			--error-exitcode=97 "$ctl" -c "$@" >/dev/null \
			2>"$work/vg.log" || st=$?
		expect_eq "$st" "$want" "valgrind: $what"
		[ "$st" = "$want" ] || sed 's/^/# /' "$work/vg.log"
	}
	vg 0 "test-auth alice" "$work/aigate.json" test-auth alice \
		--json --password-file "$work/user.secret"
	vg 1 "test-auth carol" "$work/aigate.json" test-auth carol \
		--password-file "$work/user.secret"
	vg 0 "members --recursive --json" "$work/aigate.json" members \
		AI_Users --recursive --json "${admin[@]}"
	vg 0 "add-member jsmith" "$work/aigate.json" add-member AI_Admins \
		jsmith "${admin[@]}"
	vg 0 "remove-member jsmith" "$work/aigate.json" remove-member \
		AI_Admins jsmith --json "${admin[@]}"
	vg 1 "explain from the directory" "$work/aigate.json" explain bob \
		POST /admin/deploy "${admin[@]}"
	vg 0 "groups through service_bind" "$work/svc.json" groups bob
	vg 3 "no DC reachable" "$work/down.json" groups bob "${admin[@]}"
	vg 1 "a broken config" "$work/bad.json" check --json
else
	echo "# valgrind not installed: memory checks skipped"
fi

# --- usage errors
out=$("$ctl" 2>&1) && st=0 || st=$?
expect_eq "$st" 2 "no command: exit 2"
run "$work/aigate.json" frobnicate
expect_eq "$st" 2 "unknown command: exit 2"
expect_one_line "$errout" "... one line on stderr"
run "$work/aigate.json" members
expect_eq "$st" 2 "missing argument: exit 2"
run "$work/aigate.json" members AI_Users --since 1h
expect_eq "$st" 2 "an option that does not apply: exit 2"
run "$work/aigate.json" groups bob --bind-dn "$AIG_AD_ADMIN_DN"
expect_eq "$st" 2 "--bind-dn without --password-file: exit 2"
run "$work/aigate.json" test-auth alice --password secret
expect_eq "$st" 2 "there is no --password option (no secret in argv)"
run "$work/aigate.json" jwks frobnicate
expect_eq "$st" 2 "jwks with an unknown action: exit 2"
run "$work/aigate.json" audit summary --since yesterday
expect_eq "$st" 2 "audit --since with a bad time: exit 2"

# --- AD unreachable
t0=$(date +%s)
run "$work/down.json" groups bob "${admin[@]}"
expect_eq "$st" 3 "groups with no DC reachable: exit 3"
expect_one_line "$errout" "... one line on stderr: $errout"
run "$work/down.json" test-auth alice --password-file "$work/user.secret"
expect_eq "$st" 3 "test-auth with no DC reachable: exit 3"
run "$work/down.json" add-member AI_Admins bob "${admin[@]}"
expect_eq "$st" 3 "add-member with no DC reachable: exit 3"
ok $([ $(($(date +%s) - t0)) -lt 15 ] && echo 0 || echo 1) "... each within the timeout"

# --- explain with --groups: no directory needed
run "$work/down.json" explain bob POST /chat/invoke --groups AI_Users
expect_eq "$st" 0 "explain --groups AI_Users (AD down, not asked): allow"
expect_match "$out" '^rule +inference$' "... by rule inference"
run "$work/down.json" explain bob post /chat/invoke --groups Finance,Data_Scientists --json
expect_json "$out" 'j["decision"] == "deny" and j["rule"] is None and j["groups_from"] == "option"' \
	"explain --groups Finance,... --json: deny, no rule (exit $st)"
expect_eq "$st" 1 "... exit 1"
run "$work/down.json" explain bob GET /../etc --groups AI_Admins
expect_eq "$st" 1 "explain of a path the engine refuses: deny"

# --- audit summary
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
cat >"$work/audit.jsonl" <<EOF
{"ts":"2020-01-01T00:00:00.000Z","request_id":"a0","user":"olduser","groups":[],"auth":"basic","method":"GET","path":"/x","rule":null,"decision":"deny","reason":"no rule matched","status":403}
{"ts":"$now","request_id":"a1","user":"bob","groups":["AI_Users"],"auth":"basic","method":"POST","path":"/chat/invoke","rule":"inference","decision":"allow","reason":"","status":200}
{"ts":"$now","request_id":"a2","user":"bob","groups":["AI_Users"],"auth":"basic","method":"POST","path":"/chat/invoke","rule":"inference","decision":"deny","reason":"rate limited","status":429}
{"ts":"$now","request_id":"a3","user":"mallory","groups":["Finance"],"auth":"basic","method":"POST","path":"/chat/invoke","rule":null,"decision":"deny","reason":"no rule matched","status":403}
{"ts":"$now","request_id":"a4","user":"alice","groups":["AI_Admins"],"auth":"bearer","method":"POST","path":"/admin/deploy","rule":"admins","decision":"allow","reason":"","status":200}
{"ts":"$now","request_id":"a5","event":"session_open","service":"aigate","user":"alice"}
this line is not JSON
EOF
run "$work/aigate.json" audit summary
expect_eq "$st" 0 "audit summary"
expect_match "$out" '^records +5 requests, 1 unreadable' "... counts requests and unreadable lines"
expect_match "$out" '^bob +2 +1 +1$' "... bob: 2 requests, 1 allowed, 1 denied"
expect_match "$out" '^no rule matched +2$' "... denials by reason"
run "$work/aigate.json" audit summary --json
expect_json "$out" 'j["requests"] == 5 and j["decisions"] == {"deny": 3, "allow": 2} and j["statuses"]["200"] == 2 and j["rules"]["inference"] == 2 and j["top_users"][0]["user"] == "bob" and j["denials_by_reason"]["no rule matched"] == 2 and j["events"] == {"session_open": 1}' \
	"audit summary --json parses, with the right counts"
run "$work/aigate.json" audit summary --since 1h --json
expect_json "$out" 'j["requests"] == 4 and "olduser" not in [u["user"] for u in j["top_users"]]' \
	"audit summary --since 1h leaves the old record out"
run "$work/aigate.json" audit summary --since 2020-01-01T02:00:00+01:00 --json
expect_json "$out" 'j["requests"] == 4' \
	"--since with an RFC 3339 offset (02:00+01:00 is after the 00:00Z record)"
rm "$work/audit.jsonl"
run "$work/aigate.json" audit summary
expect_eq "$st" 1 "audit summary without the file: exit 1"

# --- jwks: a jwks_file, and an issuer that cannot be reached
if [ -x "$jwt_tool" ]; then
	mkdir -p "$work/keys"
	"$jwt_tool" keygen "$work/keys"
	chmod 0644 "$work/keys/jwks.json"
	ad_config "$work/jwt.json" "$AIG_AD_URI" \
		"\"jwt\": {\"issuer\": \"https://issuer.example\", \"audience\": [\"aigate\"], \"jwks_file\": \"$work/keys/jwks.json\", \"algorithms\": [\"RS256\", \"ES256\"]}"
	run "$work/jwt.json" jwks show
	expect_eq "$st" 0 "jwks show (jwks_file)"
	expect_match "$out" '^rsa1 +RSA +RS256 +usable$' "... the RSA key, its alg"
	expect_match "$out" '^ec1 +EC P-256 +ES256 +usable$' "... the EC key"
	run "$work/jwt.json" jwks show --json
	expect_json "$out" 'j["source"] == "jwks_file" and j["usable"] == 2 and {k["kid"] for k in j["keys"]} == {"rsa1", "ec1"}' \
	"jwks show --json"
	run "$work/jwt.json" jwks refresh
	expect_eq "$st" 0 "jwks refresh (jwks_file re-read)"
	run "$work/jwt.json" check
	expect_match "$out" 'jwt.jwks_file: .* ok, 2 keys, 2 usable' "check reads the jwks_file too"
else
	echo "# $jwt_tool not built: jwks_file tests skipped"
fi
# jwks_uri down; state_dir owned by nobody: aigatectl becomes nobody
mkdir -p "$work/nstate"
chown nobody: "$work/nstate"
ad_config "$work/uri.json" "$AIG_AD_URI" \
	"\"jwt\": {\"issuer\": \"https://127.0.0.1:1\", \"audience\": [\"aigate\"], \"jwks_uri\": \"https://127.0.0.1:1/jwks.json\"}"
sed -i -e "s|\"state_dir\": \"$work/state\"|\"state_dir\": \"$work/nstate\"|" \
	-e "s|\"state_key_file\": \"$work/state.key\"|\"state_key_file\": \"$work/nstate.key\"|" "$work/uri.json"
(umask 077 && openssl rand -out "$work/nstate.key" 32)
chown nobody: "$work/nstate.key"
run "$work/uri.json" jwks refresh
expect_eq "$st" 3 "jwks refresh with the issuer unreachable: exit 3"
expect_one_line "$errout" "... one line: $errout"
run "$work/uri.json" jwks show
expect_eq "$st" 3 "jwks show with no set and the issuer unreachable: exit 3"
owner=$(stat -c %U "$work"/nstate/jwks-*.stamp 2>/dev/null | sort -u)
expect_eq "$owner" nobody "the cache files were written as the state_dir's owner"
if [ -f "$work/keys/jwks.json" ]; then
	# a cached set, as the web server (here: nobody) would have left it
	# (with its MAC line: HMAC-SHA256 under the state key over
	# length-prefixed label, source kind, source and body)
	cache=$("$py" - "$work/nstate" "$work/keys/jwks.json" "$work/nstate.key" <<'PY'
import hashlib, hmac, json, struct, sys, time
uri = "https://127.0.0.1:1/jwks.json"
ident = hashlib.sha256(b"1" + uri.encode() + b"\0").hexdigest()[:16]
path = "%s/jwks-%s.json" % (sys.argv[1], ident)
body = json.dumps({"source": uri, "fetched": int(time.time()), "jwks_uri": uri,
                   "jwks": json.load(open(sys.argv[2]))}).encode()
mac = hmac.new(open(sys.argv[3], "rb").read(), digestmod=hashlib.sha256)
for part in (b"aigate jwks-cache v1", b"1", uri.encode(), body):
    mac.update(struct.pack(">Q", len(part)) + part)
with open(path, "wb") as f:
    f.write(body + b"\n" + mac.hexdigest().encode() + b"\n")
print(path)
PY
)
	chown nobody: "$cache"
	chmod 0644 "$cache"
	run "$work/uri.json" jwks show
	expect_eq "$st" 0 "jwks show: the web server's cached set, read as its owner"
	expect_match "$out" '^rsa1 +RSA' "... lists its keys"
	run "$work/uri.json" jwks refresh
	expect_eq "$st" 3 "jwks refresh with the issuer down and a cached set: exit 3"
	expect_match "$errout" 'fetch failed, the cached set still serves' "... the old set still serves"
	expect_one_line "$errout" "... in one line"
fi

# --- plain LDAP (slapd), if the test bed has it
if command -v slapd >/dev/null 2>&1; then
	mkdir -p "$work/slapd-part"
	out=$("$top_srcdir/tests/testbed/slapd.sh" run "$work/slapd" -- \
		"$0" --slapd-part "$work/slapd-part" 2>&1) && st=0 || st=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	ok "$st" "the subcommands on slapd (memberof walk, groupOfNames)"
fi

finish
