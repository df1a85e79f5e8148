#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-throttle.sh - who the rate limit counts, and what, under lighttpd
# (CGI) against a fresh Samba AD DC, in front of the LangServe fixture:
#  - every spelling of a login is one user (pam_aigate's AIGATE_USER): one
#    bucket, one X-Aigate-User, one name in the audit record;
#  - failed Basic logins are limited per name and per address before PAM
#    runs (auth.failure_limit), so a guesser is stopped before AD's lockout
#    (threshold 3) and the account is not locked;
#  - a request the policy lets through costs a token even when its body is
#    then refused.
# The AD users are the test bed's; only mallory (who exists for such tests)
# and unknown names get wrong passwords, at most two binds each.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"
in_ad_testbed throttle "$@"
web=$(mktemp -d /tmp/aigate-throttle.XXXXXX)
chmod 0755 "$web"
svc="aigate-throttle-$$"
backend_pid=
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	rm -f "/etc/pam.d/$svc"
	rm -rf "$web"
}
trap cleanup EXIT
pw=$AIG_AD_PASSWORD
tool=$top_builddir/tests/integration/jwt_tool

mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/lib" "$web/keys" \
	"$web/log" "$web/srv/htdocs" "$web/run"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cp "$top_builddir/pam_aigate/.libs/pam_aigate.so" "$top_builddir/pam_aigate/.libs/aigate-ldap.so" "$web/lib/"
cp "$AIG_AD_CA" "$web/etc/aigate/ad-ca.pem"
"$tool" keygen "$web/keys" >/dev/null
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
# the shipped policy, with inference at 3 a burst and 1 a minute: a
# bucket does not refill while the test runs
/usr/bin/python3 - "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for r in p["rules"]:
    if r["name"] == "inference":
        r["rate"] = {"per_minute": 1, "burst": 3}
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
chown www-data "$web/log"
chmod -R a+rX "$web/libexec" "$web/etc" "$web/lib"

/usr/bin/python3 "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 \
	--quiet --lifetime 600 --record "$web/log/backend.jsonl" \
	>"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
for _ in $(seq 50); do
	grep -q '^PORT=' "$web/backend.out" 2>/dev/null && break
	sleep 0.1
done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")

n_state=0
config() { # FAILURE_LIMIT_JSON: a fresh state_dir each time
	n_state=$((n_state + 1))
	mkdir -p "$web/state$n_state"
	chown www-data "$web/state$n_state"
	cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["$AIG_AD_URI"], "domain": "$AIG_AD_DOMAIN", "base_dn": "$AIG_AD_BASE",
           "ca_file": "$web/etc/aigate/ad-ca.pem", "timeout_ms": 3000},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer", "basic"], "pam_service": "$svc", "realm": "aigate",
           "failure_limit": $1},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 3000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state$n_state",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
	chmod 0644 "$web/etc/aigate/aigate.json"
}
config '{}'
cat >"/etc/pam.d/$svc" <<PAM
auth     required $web/lib/pam_aigate.so config=$web/etc/aigate/aigate.json
account  required $web/lib/pam_aigate.so config=$web/etc/aigate/aigate.json
PAM
gate_site_conf lighttpd aigate
gate_web_start lighttpd

now=$(date +%s)
bearer() { # EMAIL: a token with AI_Users
	printf 'Authorization: Bearer %s' "$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
		"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 600)),\"iat\":$now,\"email\":\"$1\",\"groups\":[\"AI_Users\"]}")"
}
invoke='{"input":"hello there","config":{"configurable":{"model":"small"}}}'
json=(-H 'Content-Type: application/json')

# --- one user, whatever the spelling (burst 3, 1 a minute)
codes=""
for u in BOB bob Bob bOb; do
	codes="$codes $(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "Authorization: $(basic "$u" "$pw")")"
done
expect_eq "$codes" " 200 200 200 429" "BOB, bob, Bob, bOb share one bucket of 3: the fourth is 429"
expect_eq "$(grep -c '"x-aigate-user": *"bob"' "$web/log/backend.jsonl")" 3 \
	"the backend saw X-Aigate-User: bob three times"
expect_no_match "$(cat "$web/log/backend.jsonl")" '"x-aigate-user": *"(BOB|Bob|bOb)"' \
	"... and never the spelling typed"
expect_match "$(grep '"path":"/chat/invoke"' "$web/log/audit.jsonl" | head -n1)" '"user":"bob"' \
	"BOB's request is audited as bob"
expect_no_match "$(cat "$web/log/audit.jsonl")" '"user":"(BOB|Bob|bOb)"' "... and no spelling is audited"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic BOB "$pw")")" 200 "whoami as BOB"
expect_match "$(cat "$web/last.b")" '"user": *"bob"' "... names bob"

# --- a request the policy lets through costs a token, whatever its body
tok=$(bearer refused@corp.example.com)
codes=""
codes="$codes $(call POST /chat/invoke "${json[@]}" -d '{"input": ' -H "$tok")"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/{"input":"/; s/$/"}/' >"$web/big.json"
codes="$codes $(call POST /chat/invoke "${json[@]}" --data-binary @"$web/big.json" -H "$tok")"
codes="$codes $(call POST /chat/invoke -H 'Content-Type: text/plain' -d "$invoke" -H "$tok")"
expect_eq "$codes" " 400 413 415" "invalid JSON, too big, not JSON: 400, 413, 415"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "$tok")" 429 \
	"... and they spent the bucket of 3: the next good request is 429"
expect_eq "$(call POST /chat/invoke "${json[@]}" -d "$invoke" -H "$(bearer other@corp.example.com)")" 200 \
	"... while another user's first request passes"

# --- failures per name: 2 a minute, below AD's lockout threshold of 3
config '{"per_ip_per_minute": 0, "per_user_per_minute": 2}'
codes=""
for u in MALLORY mallory 'CORP\mallory' mallory@corp.example.com Mallory; do
	codes="$codes $(call GET /_aigate/whoami -H "Authorization: $(basic "$u" wrong-Passw0rd)")"
done
expect_eq "$codes" " 401 401 429 429 429" \
	"mallory, wrong password, in five spellings: two 401, then 429 without asking AD"
expect_match "$(header Retry-After)" '^[1-9][0-9]*$' "... with Retry-After"
expect_match "$(cat "$web/last.b")" '"error": *"rate_limited"' "... rate_limited"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic mallory "$pw")")" 429 \
	"... the right password too waits out the window"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")")" 200 "another name is not held up"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")")" 200 "... and successes cost nothing"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")")" 200 "... however many"
config '{"per_ip_per_minute": 0, "per_user_per_minute": 0}'
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic mallory "$pw")")" 200 \
	"mallory is not locked out: with the limit off she signs in"
expect_match "$(cat "$web/last.b")" '"user": *"mallory"' "... as mallory"

# --- failures per address: 3 a minute, unknown names
config '{"per_ip_per_minute": 3, "per_user_per_minute": 0}'
codes=""
for i in 1 2 3 4 5; do
	codes="$codes $(call GET /_aigate/whoami -H "Authorization: $(basic "ghost$i" wrong-Passw0rd)")"
done
expect_eq "$codes" " 401 401 401 429 429" "five names from one address: three 401, then 429"
expect_match "$(header Retry-After)" '^[1-9][0-9]*$' "... with Retry-After"
expect_eq "$(call GET /_aigate/whoami -H "Authorization: $(basic bob "$pw")")" 429 \
	"... and the address waits, whoever it names"
expect_eq "$(call GET /_aigate/whoami -H "$(bearer tok@corp.example.com)")" 200 \
	"... while a bearer token, which PAM never sees, passes"
expect_match "$(cat "$web/log/audit.jsonl")" '"reason":"too many failed logins from this address","status":429' \
	"the refusal is audited with its reason"

finish
