#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-fcgi-params.sh - aigate.cgi as a FastCGI process (spawn-fcgi): the
# configuration a request names with an AIGATE_CONFIG parameter (Apache's
# SetEnv) holds for that request only; a request without one gets the
# process's own (its environment at start: bin-environment,
# FcgidInitialEnv), never the previous request's.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
work=$(mktemp -d /tmp/aigate-fcgi-params.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
chmod 0755 "$work"
"$top_builddir/tests/integration/jwt_tool" keygen "$work" >/dev/null
cp "$top_srcdir/policies/policy.json" "$work/policy.json"
for n in a b; do
	mkdir -p "$work/state-$n"
	cat >"$work/$n.json" <<JSON
{"ldap": {"uri": ["ldaps://127.0.0.1"], "domain": "corp.example.com", "base_dn": "DC=corp"},
 "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"], "jwks_file": "$work/jwks.json"},
 "auth": {"methods": ["bearer"], "realm": "realm-$n"},
 "backend": {"url": "http://127.0.0.1:9"}, "policy_file": "$work/policy.json",
 "state_dir": "$work/state-$n", "audit": {"file": "$work/audit-$n.jsonl", "syslog": false}}
JSON
done
cp "$top_builddir/cgi/aigate.cgi" "$work/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$work/"
if [ "${AIG_WITH_FCGI:-yes}" = no ]; then
	# Built without FastCGI: started by a FastCGI server, the gate says
	# so and exits instead of serving.
	out=$(AIGATE_CONFIG=$work/b.json timeout 10 spawn-fcgi -n -s "$work/sock" \
		-M 0600 -- "$work/aigate.cgi" 2>&1) && rc=0 || rc=$?
	expect_eq "$rc" 1 "--without-fcgi: under spawn-fcgi the gate exits 1"
	expect_match "$out" "built without FastCGI" "... and says it was built without FastCGI"
	finish
fi
AIGATE_CONFIG=$work/b.json spawn-fcgi -n -s "$work/sock" -M 0600 -- "$work/aigate.cgi" \
	>/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$work/sock" ] && break; sleep 0.1; done
ask() { # [AIGATE_CONFIG]: the realm of a 401 from /_aigate/whoami
	/usr/bin/python3 "$top_srcdir/tests/fixtures/fcgi_client.py" "$work/sock" \
		REQUEST_METHOD=GET PATH_INFO=/_aigate/whoami QUERY_STRING= \
		REMOTE_ADDR=127.0.0.1 ${1:+AIGATE_CONFIG=$1} |
		sed -n 's/^WWW-Authenticate: Bearer realm="\([^"]*\)".*/\1/p' | tr -d '\r'
}
expect_eq "$(ask)" realm-b "a request without AIGATE_CONFIG gets the process's configuration"
expect_eq "$(ask "$work/a.json")" realm-a "a request naming another configuration gets that one"
expect_eq "$(ask)" realm-b "... and the next request without one gets the process's again"
expect_eq "$(ask "$work/a.json")$(ask "$work/a.json")$(ask)" realm-arealm-arealm-b "... however they alternate"
expect_eq "$(wc -l <"$work/audit-a.jsonl")" 3 "the requests naming a.json are audited in a.json's file"
expect_eq "$(wc -l <"$work/audit-b.jsonl")" 3 "... and the others in the process's"
finish
