#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# token-verify.sh - aigatectl token verify without any server: its exit
# statuses (0 valid, 1 invalid, 2 usage or unreadable input), --json,
# --signature-only on a payload that is not JSON, and every Wycheproof
# JWS vector (token_verify_wycheproof.py).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
ctl=$top_builddir/aigatectl/aigatectl
tool=$top_builddir/tests/integration/jwt_tool
tmp=$(mktemp -d /tmp/aigate-token.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$tool" keygen "$tmp"
now=$(date +%s)
run() { local st=0; "$ctl" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?; echo "$st"; }
t=$("$tool" sign "$tmp/ec.pem" ec1 ES256 "{\"exp\":$((now + 60)),\"email\":\"bob@x\"}")
expect_eq "$(run token verify --jwks "$tmp/jwks.json" "$t")" 0 "a valid token: exit 0"
expect_match "$(cat "$tmp/out")" '^key +kid "ec1" ES256' "... names its key"
expect_no_match "$(cat "$tmp/out")" "${t##*.}" "... never prints the signature"
expect_eq "$(printf '%s\n' "$t" | run --json token verify --jwks "$tmp/jwks.json" -)" 0 "... read from stdin, --json"
expect_match "$(cat "$tmp/out")" '"valid": true' "... valid: true"
t=$("$tool" sign "$tmp/ec.pem" ec1 ES256 "{\"exp\":$((now - 60))}")
expect_eq "$(run --json token verify --jwks "$tmp/jwks.json" "$t")" 1 "an expired token: exit 1"
expect_match "$(cat "$tmp/out")" '"reason": "expired"' "... reason expired"
t=$("$tool" sign "$tmp/ec.pem" ec1 ES256 'not json at all')
expect_eq "$(run token verify --jwks "$tmp/jwks.json" --signature-only "$t")" 0 "--signature-only: a payload that is not JSON still verifies"
expect_eq "$(run token verify --jwks "$tmp/jwks.json" "$t")" 1 "... and without it is refused"
expect_match "$(cat "$tmp/out")" 'invalid: bad_claims' "... as bad_claims"
mkdir "$tmp/other"
"$tool" keygen "$tmp/other"
t=$("$tool" sign "$tmp/other/ec.pem" ec1 ES256 "{\"exp\":$((now + 60))}")
expect_eq "$(run token verify --jwks "$tmp/jwks.json" "$t")" 1 "a token of another key: exit 1"
expect_match "$(cat "$tmp/out")" 'invalid: bad_signature' "... bad_signature"
expect_eq "$(run token verify --jwks "$tmp/jwks.json" - </dev/null)" 2 "no token on stdin: exit 2"
expect_eq "$(run token verify --jwks "$tmp/missing.json" "$t")" 2 "an unreadable key file: exit 2"
expect_eq "$(run token verify --jwks "$tmp/jwks.json" -c "$tmp/x.json" "$t")" 2 "--jwks with --config: exit 2"
expect_eq "$(run token verify)" 2 "no token: exit 2"
expect_eq "$(run token check "$t")" 2 "an unknown token command: exit 2"
expect_eq "$(run groups --alb bob)" 2 "--alb elsewhere: exit 2"
wp=0
/usr/bin/python3 "$top_srcdir/tests/integration/token_verify_wycheproof.py" "$ctl" \
	"$top_srcdir/tests/data/wycheproof/json_web_signature_test.json" "$tmp" >"$tmp/wp.tap" || wp=$?
expect_eq "$wp" 0 "every Wycheproof JWS vector through aigatectl token verify ($(tail -n2 "$tmp/wp.tap" | head -n1 | sed 's/^ok [0-9]* - //'))"
grep '^not ok' "$tmp/wp.tap" | head -n 20 >&2 || true
finish
