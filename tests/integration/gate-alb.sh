#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-alb.sh SERVER - aigate.cgi behind an AWS Application Load Balancer
# that did the OIDC login (auth.methods "alb"), under SERVER (lighttpd or
# apache, CGI, the shipped snippet), in front of the LangServe fixture.
# The ALB's part is played by curl sending x-amzn-oidc-data tokens minted
# here exactly as an ALB makes them (padded base64url segments, signer,
# client, ES256 over the segments as sent); its key endpoint by an HTTPS
# server on 127.0.0.1 (tests/unit/jwks_server.py) with a CA made here,
# serving PEMs by kid. Also a Cognito access token in the bearer path
# (jwt.client_ids, jwt.token_use, cognito:groups).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
server=${1:?usage: gate-alb.sh lighttpd|apache}
. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v "$([ "$server" = apache ] && echo apache2 || echo lighttpd)" >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and $server"
	exit 77
fi
web=$(mktemp -d /tmp/aigate-alb.XXXXXX)
chmod 0755 "$web"
backend_pid=
keys_pid=
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	[ -z "$keys_pid" ] || kill "$keys_pid" 2>/dev/null || true
	rm -rf "$web"
}
trap cleanup EXIT
tool=$top_builddir/tests/integration/jwt_tool
arn="arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gate/50dc6c495c0c9188"
kid=4f1b2c3d-aaaa-4bbb-8ccc-0123456789ab
kid2=5e2c3d4e-bbbb-4ccc-9ddd-123456789abc
kid3=6f3d4e5f-cccc-4ddd-addd-23456789abcd

mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/keys" "$web/log" \
	"$web/srv/htdocs" "$web/keys-root"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cp "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json"
"$tool" keygen "$web/keys"
mkdir -p "$web/keys/other"
"$tool" keygen "$web/keys/other"
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
chown www-data "$web/log"

# --- the key endpoint: PEMs by kid over HTTPS, a CA of our own
tls=$web/tls
(. "$top_srcdir/tests/testbed/lib.sh"
 tb_make_ca "$tls" "aigate ALB key endpoint test CA"
 tb_make_cert "$tls" server "/CN=127.0.0.1" serverAuth "IP:127.0.0.1,DNS:localhost")
chmod -R a+rX "$web/libexec" "$web/etc" "$tls"
# the key that authenticates the caches under state_dir: the gate's own
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"
"$tool" pem "$web/keys/ec.pem" >"$web/keys-root/$kid"
"$tool" pem "$web/keys/ec.pem" >"$web/keys-root/$kid3"
printf '<html>Service Unavailable</html>\n' >"$web/keys-root/$kid2"
keys_server() {
	rm -f "$web/keys.port"
	/usr/bin/python3 "$top_srcdir/tests/unit/jwks_server.py" "$tls/server.pem" \
		"$tls/server.key" "$web/keys-root" "$web/keys.port" "$web/keys.log" &
	keys_pid=$!
	for _ in $(seq 50); do [ -s "$web/keys.port" ] && break; sleep 0.1; done
	kport=$(cat "$web/keys.port")
}
keys_server

# --- the LangServe fixture
/usr/bin/python3 "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 \
	--quiet --lifetime 600 --record "$web/log/backend.jsonl" \
	>"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
for _ in $(seq 50); do
	grep -q '^PORT=' "$web/backend.out" 2>/dev/null && break
	sleep 0.1
done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")

config() { # STATE_DIR
	mkdir -p "$1"
	chown www-data "$1"
	cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com"},
  "jwt": {"issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test",
          "client_ids": ["cognito-app-1"], "token_use": "access",
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["ES256"],
          "user_claim": "username", "groups_claim": "cognito:groups"},
  "auth": {"methods": ["alb", "bearer"],
           "alb": {"arn": "$arn", "client_ids": ["alb-client-1"],
                   "key_url": "https://127.0.0.1:$kport",
                   "ca_file": "$tls/ca.pem",
                   "user_claim": "email", "groups_claim": "groups"}},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 2000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$1",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
	chmod 0644 "$web/etc/aigate/aigate.json"
}
config "$web/state"

gate_site_conf "$server" aigate
gate_web_start "$server"
now=$(date +%s)
alb_header() { # KID [ALG] [SIGNER] [CLIENT] [EXP]
	printf '{"typ":"JWT","kid":"%s","alg":"%s","iss":"https://idp.example.com","client":"%s","signer":"%s","exp":%s}' \
		"$1" "${2:-ES256}" "${4:-alb-client-1}" "${3:-$arn}" "${5:-$((now + 120))}"
}
alb_claims() { # EMAIL GROUPS_JSON [EXP]
	printf '{"sub":"1234","email":"%s","groups":%s,"exp":%s,"iss":"https://idp.example.com"}' \
		"$1" "$2" "${3:-$((now + 120))}"
}
mint() { # KEY HEADER PAYLOAD [nopad]
	"$tool" alb "$web/keys/$1" "$2" "$3" ${4:+"$4"}
}
json=(-H 'Content-Type: application/json')
invoke='{"input":{"messages":[{"type":"human","content":"hello"}]},"config":{"configurable":{"model":"small"}}}'
alb_call() { # TOKEN METHOD PATH [curl args...]
	local t=$1
	shift
	call "$@" -H "x-amzn-oidc-data: $t" -H "x-amzn-oidc-accesstoken: alb-access-token-secret" \
		-H "x-amzn-oidc-identity: 1234"
}

# aigatectl token verify, as the gate's user, on the same token: the
# gate's verdict and the audit record's reason
ctl=$top_builddir/aigatectl/aigatectl
ctl_verdict() { # TOKEN [--alb]: "EXIT RESULT"
	local out st=0
	out=$(printf '%s\n' "$1" | setpriv --reuid=www-data --regid=www-data --clear-groups \
		"$ctl" -c "$web/etc/aigate/aigate.json" token verify ${2:-} - 2>&1) || st=$?
	printf '%s %s' "$st" "$(printf '%s\n' "$out" | sed -n 's/^result *//p')"
}

# --- a valid token
good=$(mint ec.pem "$(alb_header "$kid")" "$(alb_claims bob@corp.example.com '["AI_Users"]')")
expect_match "${good%.*}" '=' "the minted ALB token keeps its base64url padding"
expect_eq "$(alb_call "$good" POST /chat/invoke "${json[@]}" -d "$invoke")" 200 "a valid ALB token with AI_Users may invoke"
last=$(tail -n1 "$web/log/backend.jsonl")
expect_match "$last" '"x-aigate-user": *"bob@corp.example.com"' "... the backend sees the ALB's user"
expect_match "$last" '"x-aigate-groups": *"AI_Users"' "... and the token's groups"
expect_no_match "$last" 'x-amzn-oidc|alb-access-token-secret' "... and none of the x-amzn-oidc-* headers"
expect_match "$(cat "$web/keys.log")" "^/$kid\$" "the key was fetched by kid"
expect_eq "$(alb_call "$good" GET /_aigate/whoami)" 200 "whoami"
expect_match "$(body)" '"auth": *"alb"' "... says auth alb"
expect_eq "$(grep -c "^/$kid\$" "$web/keys.log")" 1 "... and the key was fetched only once"
ok "$([ -f "$web/state/alb-key-$kid.pem" ] && echo 0 || echo 1)" "the key is cached under state_dir"
admin=$(mint ec.pem "$(alb_header "$kid")" "$(alb_claims alice@corp.example.com '["AI_Admins"]')")
expect_eq "$(ctl_verdict "$good" --alb)" "0 valid" "aigatectl token verify --alb: valid, exit 0"
out=$(printf '%s\n' "$good" | "$ctl" -c "$web/etc/aigate/aigate.json" token verify --alb -)
expect_match "$out" "^key +kid \"$kid\" ES256" "... names the key that verified it"
expect_match "$out" '^claims +\{.*"email":"bob@corp.example.com"' "... shows the claims"
expect_no_match "$out" "${good##*.}" "... and never the signature"
expect_eq "$(alb_call "$admin" POST /admin/deploy "${json[@]}" -d '{}')" 200 "an ALB admin may /admin/deploy"
expect_eq "$(alb_call "$good" POST /admin/deploy "${json[@]}" -d '{}')" 403 "bob may not"

# --- refused tokens: 401 with the reason audited
refused() { # TOKEN REASON DESCRIPTION
	expect_eq "$(alb_call "$1" GET /_aigate/whoami)" 401 "$3: 401"
	expect_match "$(audit_of)" "\"reason\":\"$2\"" "... audited as $2"
	expect_match "$(ctl_verdict "$1" --alb)" "^1 invalid: $2 " "... aigatectl token verify --alb says $2, exit 1"
}
refused "$(mint ec.pem "$(alb_header "$kid" ES256 "${arn%/*}/other")" "$(alb_claims bob@corp.example.com '[]')")" \
	wrong_signer "the signer of another ALB"
refused "$(mint ec.pem "$(alb_header "$kid" ES256 "$arn" other-client)" "$(alb_claims bob@corp.example.com '[]')")" \
	client_not_allowed "a client not in client_ids"
refused "$(mint ec.pem "$(alb_header "$kid" ES256 "$arn" alb-client-1 $((now - 3600)))" "$(alb_claims bob@corp.example.com '[]' $((now - 3600)))")" \
	expired "an expired token"
refused "$(printf '%s' "$good" | tr -d '=')" bad_signature "the valid token with its padding stripped"
refused "$(mint ec.pem "$(alb_header "$kid" RS256)" "$(alb_claims bob@corp.example.com '[]')")" \
	alg_not_allowed "RS256 in the header"
refused "$(mint ec.pem "$(alb_header "$kid" none)" "$(alb_claims bob@corp.example.com '[]')")" \
	alg_not_allowed "none in the header"
refused "$(mint other/ec.pem "$(alb_header "$kid")" "$(alb_claims bob@corp.example.com '["AI_Admins"]')")" \
	bad_signature "a token signed with another key"
: >"$web/keys.log"
refused "$(mint ec.pem "$(alb_header "../../../etc/passwd")" "$(alb_claims bob@corp.example.com '[]')")" \
	malformed "a kid with .."
refused "$(mint ec.pem "$(alb_header "$kid/x")" "$(alb_claims bob@corp.example.com '[]')")" \
	malformed "a kid with /"
expect_eq "$(cat "$web/keys.log")" "" "... and neither reached the key endpoint"

# --- the key endpoint down or serving garbage
expect_eq "$(alb_call "$(mint ec.pem "$(alb_header "$kid2")" "$(alb_claims bob@corp.example.com '["AI_Users"]')")" GET /_aigate/whoami)" 503 \
	"the key endpoint serving garbage: 503, not 401"
kill "$keys_pid"
wait "$keys_pid" 2>/dev/null || true
keys_pid=
expect_eq "$(alb_call "$good" GET /_aigate/whoami)" 200 "the key endpoint down, the key cached: allowed"
config "$web/state-empty"
expect_eq "$(alb_call "$good" GET /_aigate/whoami)" 503 "the key endpoint down, nothing cached: 503"
expect_match "$(audit_of)" '"reason":"ALB keys unavailable"' "... audited as keys unavailable"
expect_match "$(ctl_verdict "$good" --alb)" "^3 invalid: keys unavailable" "... aigatectl token verify: keys unavailable, exit 3"
# an administrator seeds the cache of a gate without outbound access
"$tool" pem "$web/keys/ec.pem" >"$web/state-empty/alb-key-$kid.pem"
chmod 0644 "$web/state-empty/alb-key-$kid.pem"
expect_eq "$(alb_call "$good" GET /_aigate/whoami)" 200 "... a key seeded by root in state_dir: allowed"
# code running as www-data plants its own key for a new kid
"$tool" pem "$web/keys/other/ec.pem" >"$web/state-empty/alb-key-$kid3.pem"
chown www-data "$web/state-empty/alb-key-$kid3.pem"
evil=$(mint other/ec.pem "$(alb_header "$kid3")" "$(alb_claims ceo@corp.example.com '["AI_Admins"]')")
expect_eq "$(alb_call "$evil" GET /_aigate/whoami)" 503 "a key planted by www-data is not used"

# --- a Cognito access token in the bearer path
cog() { # PAYLOAD
	"$tool" sign "$web/keys/ec.pem" ec1 ES256 "$1"
}
iss=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test
t=$(cog "{\"iss\":\"$iss\",\"exp\":$((now + 600)),\"token_use\":\"access\",\"client_id\":\"cognito-app-1\",\"username\":\"bob\",\"cognito:groups\":[\"AI_Users\"]}")
expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $t")" 200 "a Cognito access token (client_id in jwt.client_ids, no aud) passes"
expect_match "$(body)" '"groups": *\["AI_Users"\]' "... with cognito:groups as its groups"
expect_eq "$(ctl_verdict "$t")" "0 valid" "... aigatectl token verify agrees"
t=$(cog "{\"iss\":\"$iss\",\"exp\":$((now + 600)),\"token_use\":\"access\",\"client_id\":\"someone-else\",\"username\":\"bob\"}")
expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $t")" 401 "an access token of another app client is 401"
expect_match "$(audit_of)" '"reason":"wrong_audience"' "... wrong_audience"
expect_match "$(ctl_verdict "$t")" "^1 invalid: wrong_audience " "... aigatectl token verify agrees"
t=$(cog "{\"iss\":\"$iss\",\"exp\":$((now + 600)),\"token_use\":\"id\",\"aud\":\"cognito-app-1\",\"client_id\":\"cognito-app-1\",\"username\":\"bob\"}")
expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $t")" 401 "an ID token where token_use is access is 401"
expect_match "$(audit_of)" '"reason":"(wrong_token_use|wrong_audience)"' "... refused"

expect_no_match "$(cat "$web/log/audit.jsonl")" 'alb-access-token-secret|eyJ' "no token in the audit file"
finish
