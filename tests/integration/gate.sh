#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate.sh SERVER - aigate.cgi end to end under SERVER: lighttpd or apache
# (CGI, configured with contrib/SERVER/aigate.conf.in), lighttpd-fastcgi or
# apache-fcgid (FastCGI mode, contrib/lighttpd/aigate-fastcgi.conf.in,
# contrib/apache/aigate-fcgid.conf.in), in front of the LangServe
# fixture, with Basic through PAM (pam_aigate.so) against a fresh Samba AD
# DC and Bearer tokens minted here. Each status of aigate.cgi(8) ERRORS is produced by a
# real condition; the backend's record proves what it saw and did not see.
#
# The CGI runs as www-data, so everything it reads is copied into one
# world-traversable directory. PAM reads /etc/pam.d, so a service file with
# a unique name is written there for the run and removed on exit.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
server=${1:?usage: gate.sh lighttpd|apache|lighttpd-fastcgi|apache-fcgid}
web_server=${server%%-*}
fastcgi=
[ "$server" = "$web_server" ] || fastcgi=yes
if [ -n "$fastcgi" ] && [ "${AIG_WITH_FCGI:-yes}" = no ]; then
	echo "1..0 # SKIP aigate was configured --without-fcgi"
	exit 77
fi

. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"
in_ad_testbed gate "$@"
web=$(mktemp -d /tmp/aigate-gate.XXXXXX)
chmod 0755 "$web"
svc="aigate-test-$$"
backend_pid=
jwks_pid=
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	[ -z "$jwks_pid" ] || kill "$jwks_pid" 2>/dev/null || true
	rm -f "/etc/pam.d/$svc"
	rm -rf "$web"
}
trap cleanup EXIT
pw=$AIG_AD_PASSWORD
tool=$top_builddir/tests/integration/jwt_tool

# --- the files the CGI reads, owned by root, readable by www-data
mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/lib" "$web/keys" \
	"$web/state" "$web/log" "$web/srv" "$web/run/lighttpd" "$web/run/fcgid"
chown www-data "$web/run/lighttpd" "$web/run/fcgid"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cp "$top_builddir/pam_aigate/.libs/pam_aigate.so" "$top_builddir/pam_aigate/.libs/aigate-ldap.so" "$web/lib/"
cp "$AIG_AD_CA" "$web/etc/aigate/ad-ca.pem"
cp "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json"
"$tool" keygen "$web/keys"
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
chown www-data "$web/state" "$web/log"
chmod -R a+rX "$web/libexec" "$web/etc" "$web/lib"
# the key that authenticates the caches under state_dir: the gate's own
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"

# --- the LangServe fixture
/usr/bin/python3 "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 \
	--quiet --lifetime 600 --record "$web/log/backend.jsonl" --stream-delay-ms 400 \
	>"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
for _ in $(seq 50); do
	grep -q '^PORT=' "$web/backend.out" 2>/dev/null && break
	sleep 0.1
done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")

config() { # LDAP_URI BACKEND_URL
	cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["$1"], "domain": "$AIG_AD_DOMAIN", "base_dn": "$AIG_AD_BASE",
           "ca_file": "$web/etc/aigate/ad-ca.pem", "timeout_ms": 5000},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256", "ES256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer", "basic"], "pam_service": "$svc", "realm": "aigate"},
  "backend": {"url": "$2", "timeout_ms": 3000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": true}
}
JSON
	chmod 0644 "$web/etc/aigate/aigate.json"
}
config "$AIG_AD_URI" "http://127.0.0.1:$bport"
cat >"/etc/pam.d/$svc" <<PAM
auth     required $web/lib/pam_aigate.so config=$web/etc/aigate/aigate.json
account  required $web/lib/pam_aigate.so config=$web/etc/aigate/aigate.json
PAM

# --- the web server, with the shipped snippet
gate_site_conf "$web_server" "aigate${server#"$web_server"}"
gate_web_start "$web_server"

now=$(date +%s)
token() { # KEY KID ALG PAYLOAD
	"$tool" sign "$web/keys/$1.pem" "$2" "$3" "$4"
}
claims() { # EMAIL GROUPS_JSON [EXP]
	printf '{"iss":"https://issuer.test","aud":"aigate","exp":%s,"iat":%s,"email":"%s","groups":%s}' \
		"${3:-$((now + 600))}" "$now" "$1" "$2"
}
invoke='{"input":{"messages":[{"type":"human","content":"hello there"}]},"config":{"configurable":{"model":"small"}}}'
json=(-H 'Content-Type: application/json')

# --- built-in routes, paths
expect_eq "$(call GET /_aigate/health)" 200 "health answers 200 without credentials"
expect_match "$(body)" '"status": *"ok"' "health says ok"
expect_match "$(header X-Request-Id)" '^[0-9a-f]{32}$' "every response has X-Request-Id"
expect_eq "$(call GET '/chat/%252e%252e/admin')" 400 "%2e in PATH_INFO is 400"
expect_match "$(body)" '"error": *"invalid_request"' "... with the documented error body"
expect_eq "$(call GET '/chat/%252fx')" 400 "%2f in PATH_INFO is 400"
expect_eq "$(call GET '/admin;x/invoke')" 400 "a ';' path parameter in PATH_INFO is 400"
expect_match "$(body)" '"error": *"invalid_request"' "... invalid_request"
expect_eq "$(call GET '/admin%3bx/invoke')" 400 "... and one sent as %3b (the server decodes it to ';')"
expect_eq "$(call GET '/admin%253Bx/invoke')" 400 "... and %3B left in PATH_INFO"
expect_eq "$(call TRACE /chat/invoke -H "Authorization: $(basic bob "$pw")")" 405 "TRACE is 405"

# --- 401 and its challenges
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke")" 401 "no credentials: 401"
expect_match "$(grep -i '^WWW-Authenticate' "$web/last.h")" 'Bearer realm="aigate"' "... with a Bearer challenge"
expect_match "$(grep -i '^WWW-Authenticate' "$web/last.h")" 'Basic realm="aigate"' "... and a Basic challenge"

# --- Basic through PAM against AD
expect_eq "$(call POST /admin/deploy "${json[@]}" -d '{"model":"x"}' -H "Authorization: $(basic alice "$pw")")" 200 "alice (AI_Admins) may POST /admin/deploy"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: $(basic bob "$pw")" \
	-H 'X-Aigate-User: alice' -H 'Cookie: session=secret-cookie' -H 'X-Aigate-Groups: AI_Admins')" 200 "bob (nested AI_Users) may invoke"
expect_match "$(body)" 'echo: hello there' "... and gets the backend's answer"
last=$(tail -n1 "$web/log/backend.jsonl")
expect_eq "$(call GET '/chat/input_schema?a=1&b=x%20y&c=%C3%A9' -H "Authorization: $(basic bob "$pw")")" 200 "a GET with a query passes"
expect_match "$(tail -n1 "$web/log/backend.jsonl")" '"query": *"a=1&b=x%20y&c=%C3%A9"' "... and the backend gets the query as sent"
expect_match "$last" '"x-aigate-user": *"bob"' "the backend sees X-Aigate-User: bob"
expect_match "$last" '"x-aigate-groups": *"[^"]*AI_Users' "... and bob's groups"
expect_no_match "$last" '"authorization"|"cookie"|secret-cookie|"x-aigate-user": *\[|alice|AI_Admins' \
	"... and never Authorization, Cookie or the spoofed identity"
expect_eq "$(call POST /admin/deploy "${json[@]}" -d '{}' -H "Authorization: $(basic bob "$pw")")" 403 "bob may not /admin/deploy"
expect_match "$(body)" '"error": *"forbidden"' "... 403 forbidden"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: $(basic mallory "$pw")")" 403 "mallory is refused"
# user names with NEL (U+0085) or RLO (U+202E) could rewrite a log line
for u in "$(printf 'bob\302\205')" "$(printf 'bob\342\200\256')"; do
	expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic "$u" "$pw")")" 401 \
		"a Basic user name with a control or bidi character is 401"
	expect_match "$(audit_of)" '"reason":"malformed Basic credentials"' "... refused as malformed, before PAM is asked"
done
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: $(basic carol "$pw")")" 401 "carol (disabled) cannot sign in"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: $(basic bob wrong-Passw0rd)")" 401 "a wrong password is 401"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Basic Ym9iOg==")" 401 "an empty password is 401"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")")" 200 "whoami"
expect_match "$(body)" '"user": *"bob".*"auth": *"basic"' "... names bob and basic"
expect_match "$(body)" '"groups": *\[[^]]*"Data_Scientists"' "... with his nested groups"

expect_eq "$(call GET /_aigate/metrics -H "Authorization: $(basic bob "$pw")")" 403 "metrics are refused to bob (no rule matches)"
expect_eq "$(call GET /_aigate/metrics -H "Authorization: $(basic alice "$pw")")" 200 "metrics are served to alice (admins: /**)"
expect_match "$(body)" 'aigate_requests_total\{decision="allow",status="200"\} [1-9]' "... counting allowed requests"
expect_match "$(body)" 'aigate_requests_total\{decision="deny",status="403"\} [1-9]' "... and denied ones, from every CGI process"
expect_match "$(body)" 'aigate_request_duration_ms_bucket\{le="\+Inf"\} [1-9]' "... with a latency histogram"
# promtool parses the text and lints it; the one lint it reports is the
# histogram's name (its "ms"), which dashboards and alerts already use.
lint=$(promtool check metrics <"$web/last.b" 2>&1 |
	grep -v '^aigate_request_duration_ms metric names should not contain abbreviated units$' || true)
expect_eq "$lint" "" "promtool check metrics: the text parses, histogram and counters well-formed"
missing=""
for m in $(grep -o 'aigate_[a-z_]*' "$top_srcdir/contrib/grafana/aigate.json" | sort -u); do
	# a family labelled by what happened has its TYPE line until then
	grep -q "^${m}[{ ]\|^# TYPE ${m} " "$web/last.b" || missing="$missing $m"
done
expect_eq "$missing" "" "every series the Grafana dashboard plots is served"

# --- Bearer tokens
t=$(token rsa rsa1 RS256 "$(claims bob@corp.example.com '["AI_Users"]')")
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 200 "an RS256 token with AI_Users may invoke"
t=$(token ec ec1 ES256 "$(claims alice@corp.example.com '["AI_Admins"]')")
expect_eq "$(call POST /admin/finetune "${json[@]}" -d '{}' -H "Authorization: Bearer $t")" 200 "an ES256 admin token may /admin/finetune"
t=$(token rsa rsa1 RS256 "$(claims bob@corp.example.com '["AI_Users"]' $((now - 3600)))")
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 401 "an expired token is 401"
expect_match "$(grep -i '^WWW-Authenticate: Bearer' "$web/last.h")" 'error="invalid_token"' "... with error=\"invalid_token\""
mkdir -p "$web/keys/other"
"$tool" keygen "$web/keys/other"
t=$("$tool" sign "$web/keys/other/rsa.pem" rsa1 RS256 "$(claims bob@corp.example.com '["AI_Admins"]')")
expect_eq "$(call POST /admin/deploy "${json[@]}" -d '{}' -H "Authorization: Bearer $t")" 401 "a token forged with another key is 401"
h=$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
p=$(claims bob@corp.example.com '["AI_Admins"]' | base64 -w0 | tr '+/' '-_' | tr -d '=')
expect_eq "$(call POST /admin/deploy "${json[@]}" -d '{}' -H "Authorization: Bearer $h.$p.")" 401 "alg none is 401"

# --- input checks
auth=(-H "Authorization: $(basic bob "$pw")")
expect_eq "$(call POST /chat/invoke -H 'Content-Type: text/plain' -d "$invoke" "${auth[@]}")" 415 "text/plain is 415"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d '{"input": ' "${auth[@]}")" 400 "truncated JSON is 400"
expect_match "$(body)" '"error": *"invalid_request"' "... invalid_request"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d '{"input":"please DROP TABLE users"}' "${auth[@]}")" 400 "a denied prompt is 400"
expect_match "$(body)" '"error": *"invalid_input"' "... invalid_input"
# A body of 8 KiB or more has the deny patterns JIT-compiled first in CGI
# mode (aig_policy.h, AIG_POLICY_JIT_MIN_BODY): the phrase at its very end
# is still found. A user of its own: bob's burst is for the checks below.
big=$(printf '{"input":"%s please DROP TABLE users"}' "$(head -c 20000 /dev/zero | tr '\0' x)")
bauth=(-H "Authorization: Bearer $(token rsa rsa1 RS256 "$(claims bigbody@corp.example.com '["AI_Users"]')")")
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$big" "${bauth[@]}")" 400 "a denied prompt at the end of a 20 KB body is 400"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "${big/DROP TABLE/drop the tablecloth}" "${bauth[@]}")" 200 "the same body without it passes"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d '{"input":"x","config":{"configurable":{"model":"huge"}}}' "${auth[@]}")" 403 "a model outside the rule is 403"
# jsmith (AI_Users too): refused requests cost a token, and bob's burst
# is for the checks below
batch='{"inputs":["a","b"],"config":[{"configurable":{"model":"small"}},{"configurable":{"model":"%s","tools":["%s"]}}]}'
jauth=(-H "Authorization: $(basic jsmith "$pw")")
expect_eq "$(call POST /chat/batch "${json[@]}" -d "$(printf "$batch" medium search)" "${jauth[@]}")" 200 "a /batch config list within the rule passes"
seen=$(wc -l <"$web/log/backend.jsonl")
expect_eq "$(call POST /chat/batch "${json[@]}" -d "$(printf "$batch" gpt-huge python)" "${jauth[@]}")" 403 "a /batch config list with one model outside the rule is 403"
expect_eq "$(call POST /chat/batch "${json[@]}" -d '{"inputs":["a"],"config":"x"}' "${jauth[@]}")" 403 "a config that is not an object or a list is 403"
expect_eq "$(call POST /chat/c/N4KABGBEA/invoke "${json[@]}" -d '{"input":"x"}' -H "Authorization: $(basic alice "$pw")")" 403 \
	"a configuration in the path (/c/) is 403, even for admins (/**)"
expect_eq "$(wc -l <"$web/log/backend.jsonl")" "$seen" "... and none of these reached the backend"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/{"input":"/; s/$/"}/' >"$web/big.json"
expect_eq "$(call POST /chat/invoke "${json[@]}" --data-binary @"$web/big.json" "${auth[@]}")" 413 "a body over max_body_bytes is 413"
printf '{"input":"\xff\xfe"}' >"$web/bad-utf8.json"
expect_eq "$(call POST /chat/invoke "${json[@]}" --data-binary @"$web/bad-utf8.json" "${auth[@]}")" 400 "invalid UTF-8 is 400"

# --- streaming is not buffered: the first event arrives before the last
# is produced (the fixture waits 400 ms between events). A second try
# when the first saw no gap: on a loaded machine the web server itself
# can stall long enough to read every event at once, while a gate that
# buffers fails both.
gaps=
for _ in 1 2; do
	out=$(curl -sS -N -o "$web/stream.b" -w '%{time_starttransfer} %{time_total}' \
		-X POST "${json[@]}" "${auth[@]}" -d "$invoke" "$url/chat/stream")
	gap=$(awk -v f="${out% *}" -v t="${out#* }" 'BEGIN { printf "%.2f", t - f }')
	gaps="$gaps $gap"
	awk -v g="$gap" 'BEGIN { exit !(g > 0.6) }' && break
done
expect_match "$(cat "$web/stream.b")" 'event: end' "the stream reaches its end event"
ok "$(awk -v g="$gap" 'BEGIN { exit !(g > 0.6) }' && echo 0 || echo 1)" \
	"the first byte came$gaps s before the end"

# --- rate limit: inference allows a burst of 10, then 1 a second.
# Quick requests until the first 429: at least the burst passes, and no
# more than the burst plus what refilled while they ran (a loaded machine
# may take seconds for them, which must not fail the test).
t=$(token rsa rsa1 RS256 "$(claims ratey@corp.example.com '["AI_Users"]')")
codes=""
start=$(date +%s.%N)
for _ in $(seq 40); do
	code=$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")
	codes="$codes $code"
	[ "$code" = 429 ] && break
done
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%d", e - s + 1 }')
n200=$(echo "$codes" | tr ' ' '\n' | grep -c '^200$' || true)
ok "$([ "$n200" -ge 10 ] && [ "$n200" -le $((10 + took)) ] && echo 0 || echo 1)" \
	"burst 10: $n200 quick requests allowed in under $took s ($codes)"
expect_match "$codes" '429$' "then a 429"
expect_match "$(header Retry-After)" '^[1-9][0-9]*$' "... with Retry-After in whole seconds"

# --- groups_from_ldap: a token's user looked up in AD over service_bind
# (through the extension module; kept warm by a FastCGI process)
install -o www-data -m 0600 "$AIG_AD_SVC_PASSWORD_FILE" "$web/etc/aigate/svc.secret"
mkdir -p "$web/state-ldap"
chown www-data "$web/state-ldap"
sed -i -e "s|ad-ca.pem\", \"timeout_ms\": 5000},|ad-ca.pem\", \"timeout_ms\": 5000, \"service_bind\": {\"dn\": \"$AIG_AD_SVC_DN\", \"password_file\": \"$web/etc/aigate/svc.secret\"}},|" \
	-e 's|"user_claim": "email", "groups_claim": "groups"|"user_claim": "sub", "groups_claim": "groups", "groups_from_ldap": true|' \
	-e "s|\"state_dir\": \"[^\"]*\"|\"state_dir\": \"$web/state-ldap\"|" "$web/etc/aigate/aigate.json"
sub_token() { # SUB: a token whose groups claim says AI_Admins
	token rsa rsa1 RS256 "{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 600)),\"iat\":$now,\"sub\":\"$1\",\"groups\":[\"AI_Admins\"]}"
}
for i in 1 2; do
	expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $(sub_token bob)")" 200 "groups_from_ldap ($i): a token for bob"
	expect_match "$(body)" '"groups": *\[[^]]*"Data_Scientists"' "... gets bob's nested groups from AD"
	expect_no_match "$(body)" 'AI_Admins' "... and never the groups the token claims"
done
# an entry planted in the group cache by other code running as www-data
"$top_builddir/tests/integration/pam_driver" plant "$web/state-ldap/ldap-groups.mdb" bob old "AI_Admins,Planted_Group"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $(sub_token bob)")" 200 "groups_from_ldap, a planted cache entry bob -> AI_Admins: a token for bob"
expect_match "$(body)" '"groups": *\[[^]]*"Data_Scientists"' "... gets bob's groups from AD"
expect_no_match "$(body)" 'AI_Admins|Planted_Group' "... and none of the planted ones"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $(sub_token nosuchuser)")" 401 "groups_from_ldap: a token for a user AD does not know is 401"
expect_eq "$(call POST /admin/deploy "${json[@]}" -d '{}' -H "Authorization: Bearer $(sub_token bob)")" 403 "... and bob's token claiming AI_Admins may not /admin/deploy"
config "$AIG_AD_URI" "http://127.0.0.1:$bport"

# --- the PAM module of the gate (aigate-pam.so) is loaded only from
# beside the executable, and only if nobody else may write it; so is
# pam_aigate.so's directory code (aigate-ldap.so) beside pam_aigate.so
if [ -z "$fastcgi" ]; then
	chmod 0666 "$web/libexec/aigate/aigate-pam.so"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "a world-writable aigate-pam.so is refused: 503"
	chmod 0644 "$web/libexec/aigate/aigate-pam.so"
	mv "$web/libexec/aigate/aigate-pam.so" "$web/ext.saved"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "a missing aigate-pam.so: Basic is 503, never 401 or 200"
	t=$(token rsa rsa1 RS256 "$(claims noext@corp.example.com '["AI_Users"]')")
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 200 "... while the bearer path, which does not need it, still passes"
	ln -s "$web/ext.saved" "$web/libexec/aigate/aigate-pam.so"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "a symbolic link in its place is refused too"
	rm "$web/libexec/aigate/aigate-pam.so"
	mv "$web/ext.saved" "$web/libexec/aigate/aigate-pam.so"
	# OpenSSL is in aigate-openssl.so, loaded only for TLS (the identity
	# key, quarantine): a bearer request to an http:// backend never
	# loads it; an https:// JWKS below does
	ok "$(nm "$top_builddir/cgi/aigate.cgi" | grep -q -E ' T (OPENSSL_init_crypto|SSL_new|EVP_DigestVerify)$' && echo 1 || echo 0)" \
		"aigate.cgi itself links no OpenSSL"
	mv "$web/libexec/aigate/aigate-openssl.so" "$web/openssl.saved"
	t=$(token rsa rsa1 RS256 "$(claims nossl@corp.example.com '["AI_Users"]')")
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 200 \
		"without aigate-openssl.so, a bearer request to an http:// backend passes"
	mv "$web/openssl.saved" "$web/libexec/aigate/aigate-openssl.so"
	chmod 0666 "$web/lib/aigate-ldap.so"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "a world-writable aigate-ldap.so beside pam_aigate.so is refused: the DC cannot be asked, 503"
	chmod 0644 "$web/lib/aigate-ldap.so"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 200 "... and Basic passes again once both are back"
	# auth.pam_confdir: the PAM service read from the gate's own directory
	mkdir -m 0755 "$web/etc/aigate/pam.d"
	install -m 0644 "/etc/pam.d/$svc" "$web/etc/aigate/pam.d/$svc"
	mv "/etc/pam.d/$svc" "$web/pamd.saved"
	sed -i "s|\"pam_service\": \"$svc\",|\"pam_service\": \"$svc\", \"pam_confdir\": \"$web/etc/aigate/pam.d\",|" \
		"$web/etc/aigate/aigate.json"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 200 "auth.pam_confdir: Basic through the service in that directory, none in /etc/pam.d"
	chmod 0777 "$web/etc/aigate/pam.d"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "... a world-writable pam_confdir is refused: 503"
	chmod 0755 "$web/etc/aigate/pam.d"
	chmod 0666 "$web/etc/aigate/pam.d/$svc"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "... so is a world-writable service file in it: 503"
	mv "$web/pamd.saved" "/etc/pam.d/$svc"
	config "$AIG_AD_URI" "http://127.0.0.1:$bport"
fi

# --- FastCGI: one process serves many callers and keeps none of them
if [ -n "$fastcgi" ]; then
	gate_pids() { pgrep -f "^$web/libexec/aigate/aigate.cgi" | sort | tr '\n' ' '; }
	call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")" >/dev/null
	pids=$(gate_pids)
	seen=""
	for i in $(seq 6); do
		seen="$seen $(call GET /_aigate/whoami -H "Authorization: $(basic alice "$pw")")"
		seen="$seen$(sed -n 's/.*"user": *"\([^"]*\)".*/:\1/p' "$web/last.b")"
		seen="$seen $(call GET /_aigate/whoami -H "Authorization: Bearer $(token rsa rsa1 RS256 "$(claims "tok$i@corp.example.com" '["AI_Users"]')")")"
		seen="$seen$(sed -n 's/.*"user": *"\([^"]*\)".*/:\1/p' "$web/last.b")"
		seen="$seen $(call GET /_aigate/whoami)"
		seen="$seen $(call GET /_aigate/whoami -H "Authorization: $(basic "ghost$i" wrong-Passw0rd)")"
	done
	want=""
	for i in $(seq 6); do want="$want 200:alice 200:tok$i@corp.example.com 401 401"; done
	expect_eq "$seen" "$want" "callers taking turns on the same processes each get only their own identity"
	ok "$([ -n "$pids" ] && [ "$(gate_pids)" = "$pids" ] && echo 0 || echo 1)" \
		"... served by the same persistent processes ($pids)"
	ok "$([ "$(echo "$pids" | wc -w)" -le 4 ] && echo 0 || echo 1)" "... no more of them than configured"
	# memory stays bounded: after a warm-up, 300 more requests (allowed,
	# refused by the prompt check, malformed tokens) leave the processes'
	# RSS where it was (a leak of 1 KiB a request would show)
	rss() { local t=0 p; for p in $(gate_pids); do t=$((t + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status"))); done; echo "$t"; }
	tb=$(token rsa rsa1 RS256 "$(claims rss@corp.example.com '["AI_Users"]')")
	load() {
		local i
		for i in $(seq "$1"); do
			curl -s -o /dev/null -X POST "${json[@]}" -d "$invoke" -H "Authorization: Bearer $tb" "$url/chat/invoke"
			curl -s -o /dev/null -X POST "${json[@]}" -d '{"input":"DROP TABLE x"}' -H "Authorization: Bearer $tb" "$url/chat/invoke"
			curl -s -o /dev/null "$url/_aigate/whoami" -H "Authorization: Bearer x.y.z"
		done
	}
	load 40
	before=$(rss)
	load 100
	after=$(rss)
	ok "$([ "$after" -le $((before + 256)) ] && echo 0 || echo 1)" \
		"300 more requests leave the processes' memory bounded (RSS $before -> $after KiB)"
	pkill -KILL -f "^$web/libexec/aigate/aigate.cgi" || true
	got=""
	for _ in $(seq 30); do
		got=$(call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")")
		[ "$got" = 200 ] && break
		sleep 0.2
	done
	expect_eq "$got" 200 "after its processes are killed, the server starts new ones that answer"
	expect_match "$(body)" '"user": *"bob"' "... for the caller, and nobody else"
	expect_eq "$(call GET /_aigate/whoami)" 401 "... and a request without credentials is still 401"
	cp "$web/etc/aigate/policy.json" "$web/policy.saved"
	sed -i 's/"AI_Users"\]/"Nobody_Group"]/' "$web/etc/aigate/policy.json"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 403 "an edited policy.json takes effect on the next request"
	cp "$web/policy.saved" "$web/etc/aigate/policy.json"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 200 "... and so does putting it back"
	mv "$web/log/audit.jsonl" "$web/log/audit.jsonl.1"
	expect_eq "$(call GET /_aigate/health)" 200 "after the audit file is rotated (renamed) ..."
	call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}" >/dev/null
	expect_match "$(cat "$web/log/audit.jsonl" 2>/dev/null)" '"user":"bob"' "... the next request is audited in a new file"
	cat "$web/log/audit.jsonl.1" "$web/log/audit.jsonl" >"$web/log/audit.all"
	cat "$web/log/audit.all" >"$web/log/audit.jsonl"
fi

# --- the JWKS over HTTPS (jwks_uri, verified against jwt.ca_file), cached
# under state_dir: a stale cache serves while the issuer is down; no cache
# and no issuer is 503; a server the CA does not vouch for is never used
tls=$web/tls
(. "$top_srcdir/tests/testbed/lib.sh"
 tb_make_ca "$tls" "aigate gate test issuer CA"
 tb_make_cert "$tls" server "/CN=127.0.0.1" serverAuth "IP:127.0.0.1,DNS:localhost"
 mkdir -p "$tls/other"
 tb_make_ca "$tls/other" "some other CA")
chmod -R a+rX "$tls"
mkdir -p "$web/jwks-root"
cp "$web/keys/jwks.json" "$web/jwks-root/jwks.json"
jwks_server() {
	rm -f "$web/jwks.port"
	/usr/bin/python3 "$top_srcdir/tests/unit/jwks_server.py" "$tls/server.pem" \
		"$tls/server.key" "$web/jwks-root" "$web/jwks.port" "$web/jwks.log" &
	jwks_pid=$!
	for _ in $(seq 50); do [ -s "$web/jwks.port" ] && break; sleep 0.1; done
	jport=$(cat "$web/jwks.port")
}
jwks_server
https_config() { # CA STATE_DIR
	mkdir -p "$2"
	chown www-data "$2"
	sed -i -e "s|\"jwks_file\": \"[^\"]*\"|\"jwks_uri\": \"https://127.0.0.1:$jport/jwks.json\", \"ca_file\": \"$1\"|" \
		-e "s|\"jwks_uri\": \"[^\"]*\", \"ca_file\": \"[^\"]*\"|\"jwks_uri\": \"https://127.0.0.1:$jport/jwks.json\", \"ca_file\": \"$1\"|" \
		-e "s|\"state_dir\": \"[^\"]*\"|\"state_dir\": \"$2\"|" "$web/etc/aigate/aigate.json"
}
t=$(token rsa rsa1 RS256 "$(claims bob@corp.example.com '["AI_Users"]')")
if [ -z "$fastcgi" ]; then
	https_config "$tls/ca.pem" "$web/state-nossl"
	mv "$web/libexec/aigate/aigate-openssl.so" "$web/openssl.saved"
	expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 503 \
		"JWKS over HTTPS without aigate-openssl.so: 503, never 401"
	mv "$web/openssl.saved" "$web/libexec/aigate/aigate-openssl.so"
fi
https_config "$tls/ca.pem" "$web/state-https"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 200 "JWKS fetched over verified HTTPS: the token is accepted"
expect_match "$(cat "$web/jwks.log" 2>/dev/null)" '^/jwks.json$' "... and the issuer was asked once"
# other code running as www-data plants a well-formed cache holding its
# own key, right owner and mode, and mints a token for the CEO
mkdir -p "$web/evil"
"$tool" keygen "$web/evil"
cache=$(ls "$web/state-https"/jwks-*.json)
juri="https://127.0.0.1:$jport/jwks.json"
printf '{"source":"%s","fetched":%s,"jwks_uri":"%s","jwks":%s}' "$juri" "$now" "$juri" \
	"$(tr -d '\n' <"$web/evil/jwks.json")" >"$cache"
chown www-data "$cache"
chmod 0644 "$cache"
evil_t=$("$tool" sign "$web/evil/rsa.pem" rsa1 RS256 "$(claims ceo@corp.example '["AI_Admins"]')")
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $evil_t")" 401 "a planted JWKS cache file with its own RSA key: its token for ceo@corp.example is 401"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 200 "... and a real token still passes"
kill "$jwks_pid"
wait "$jwks_pid" 2>/dev/null || true
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 200 "issuer down: the cached set keeps serving"
https_config "$tls/ca.pem" "$web/state-empty"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 503 "issuer down and nothing cached: 503, not 401"
jwks_server
https_config "$tls/other/ca.pem" "$web/state-wrongca"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: Bearer $t")" 503 "an issuer whose certificate the CA does not vouch for is never used"
kill "$jwks_pid"
wait "$jwks_pid" 2>/dev/null || true

# --- auth.require_https: this server speaks plain HTTP, so credentials
# are refused before they are looked at (a wrong password would be 401)
sed -i 's|"realm": "aigate"}|"realm": "aigate", "require_https": true}|' \
	"$web/etc/aigate/aigate.json"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic bob wrong-password)")" 403 \
	"require_https: Basic over plain HTTP is 403, whatever the password"
expect_match "$(body)" '"error": *"forbidden".*only over HTTPS' "... forbidden: credentials only over HTTPS"
expect_match "$(audit_of)" '"reason":"credentials sent without HTTPS"' "... audited with that reason"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: Bearer $t")" 403 "require_https: Bearer over plain HTTP is 403"
expect_match "$(audit_of)" '"reason":"credentials sent without HTTPS"' "... audited with that reason"
expect_eq "$(call GET /_aigate/health)" 200 "require_https: health still answers"

# --- the backend fails: 504 when slow, 502 when gone; AD gone: 503
kill "$backend_pid"
wait "$backend_pid" 2>/dev/null || true
/usr/bin/python3 "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 \
	--quiet --lifetime 600 --slow-ms 5000 >"$web/slow.out" 2>/dev/null &
backend_pid=$!
for _ in $(seq 50); do grep -q '^PORT=' "$web/slow.out" 2>/dev/null && break; sleep 0.1; done
config "$AIG_AD_URI" "http://127.0.0.1:$(sed -n 's/^PORT=//p' "$web/slow.out")"
# (config() writes the jwks_file setup and the first state_dir again)
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 504 "a backend slower than timeout_ms is 504"
expect_match "$(body)" '"error": *"gateway_timeout"' "... gateway_timeout"
config "$AIG_AD_URI" "http://127.0.0.1:1"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 502 "a refused backend is 502"
config "ldaps://127.0.0.1:1" "http://127.0.0.1:1"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "AD down is 503, never 401"
expect_match "$(body)" '"error": *"unavailable"' "... unavailable"

# --- no audit, no service: an audit file that cannot be written is 503
config "$AIG_AD_URI" "http://127.0.0.1:1"
sed -i "s|\"file\": \"$web/log/audit.jsonl\"|\"file\": \"$web/etc/aigate/missing/audit.jsonl\"|" \
	"$web/etc/aigate/aigate.json"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" "${auth[@]}")" 503 "an audit file that cannot be opened: 503 before any work"
expect_eq "$(call GET /_aigate/health)" 503 "... and health says so"

# --- the audit trail
n=$(wc -l <"$web/log/audit.jsonl")
valid=$(/usr/bin/python3 -c 'import json,sys
n=0
ids=set()
for line in open(sys.argv[1]):
    r=json.loads(line); ids.add(r["request_id"]); n+=1
    for k in ("ts","client","method","path","decision","status","latency_ms"): r[k]
print(n if len(ids)==n else -1)' "$web/log/audit.jsonl")
expect_eq "$valid" "$n" "every audit line is a JSON record with a distinct request id ($n lines)"
audit=$(cat "$web/log/audit.jsonl")
expect_match "$audit" '"user":"bob".*"rule":"inference","decision":"allow".*"status":200' "an allowed request is audited with its rule"
expect_match "$audit" '"user":"mallory".*"decision":"deny".*"status":403' "a denied request is audited"
expect_match "$audit" '"path":"/_aigate/whoami","rule":null,"decision":"allow"' "a built-in route's answer is audited as allow"
expect_match "$audit" '"path":"/chat/invoke","rule":"inference","decision":"deny","reason":"rate limit reached","status":429' "a rate-limited request is audited as deny with its reason"
expect_no_match "$audit" "$pw|hello there|DROP TABLE|Bearer |eyJ" "no password, prompt or token in the audit file"

finish
