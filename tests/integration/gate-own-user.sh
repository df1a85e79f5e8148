#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-own-user.sh - the gate as a user of its own, the documented default:
# lighttpd (as www-data) with contrib/lighttpd/aigate-spawn-fcgi.conf.in
# connects to a FastCGI process that spawn-fcgi started as another user
# (nobody here, standing in for the aigate system user). A bearer token
# (jwks_file) passes; the state, the audit file and the state key belong
# to the gate's user, and code running as www-data can neither read the
# key nor write state_dir.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"

if [ "${AIG_WITH_FCGI:-yes}" = no ]; then
	echo "1..0 # SKIP aigate was configured --without-fcgi"
	exit 77
fi
if [ "$(id -u)" != 0 ] || ! command -v spawn-fcgi >/dev/null 2>&1 ||
	! command -v lighttpd >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root, spawn-fcgi and lighttpd"
	exit 77
fi
gate_user=nobody
gate_group=$(id -gn nobody)
web=$(mktemp -d /tmp/aigate-own-user.XXXXXX)
chmod 0755 "$web"
fcgi_pid=
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$fcgi_pid" ] || kill "$fcgi_pid" 2>/dev/null || true
	rm -rf "$web"
}
trap cleanup EXIT
tool=$top_builddir/tests/integration/jwt_tool
as_www() { setpriv --reuid=www-data --regid=www-data --clear-groups "$@"; }

mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/keys" "$web/run/aigate" \
	"$web/srv/htdocs"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cp "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json"
"$tool" keygen "$web/keys"
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
chmod -R a+rX "$web/libexec" "$web/etc" "$web/run"
# the gate's own: state_dir, the audit directory, the state key
install -d -o "$gate_user" -g "$gate_group" -m 0700 "$web/state" "$web/log"
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown "$gate_user:$gate_group" "$web/etc/aigate/state.key"
cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com"},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer"]},
  "backend": {"url": "http://127.0.0.1:1", "timeout_ms": 2000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
chmod 0644 "$web/etc/aigate/aigate.json"

# the FastCGI process, as the gate's user, on a socket www-data may use
AIGATE_CONFIG=$web/etc/aigate/aigate.json spawn-fcgi -s "$web/run/aigate/aigate.sock" \
	-M 0600 -U www-data -G www-data -u "$gate_user" -g "$gate_group" \
	-P "$web/run/aigate/aigate.pid" -- "$web/libexec/aigate/aigate.cgi" >/dev/null
fcgi_pid=$(cat "$web/run/aigate/aigate.pid")
expect_eq "$(ps -o user= -p "$fcgi_pid" | tr -d ' ')" "$gate_user" "spawn-fcgi started the gate as $gate_user"

# lighttpd (as www-data) with the shipped snippet: it only connects
gate_site_conf lighttpd aigate-spawn-fcgi
gate_web_start lighttpd

now=$(date +%s)
t=$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
	"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 600)),\"iat\":$now,\"email\":\"bob@corp.example.com\",\"groups\":[\"AI_Users\"]}")
code=$(curl -sS -o "$web/body" -w '%{http_code}' -H "Authorization: Bearer $t" "$url/_aigate/whoami")
expect_eq "$code" 200 "lighttpd -> spawn-fcgi socket -> the gate: a bearer token passes"
expect_match "$(cat "$web/body")" '"user": *"bob@corp.example.com"' "... and names the user"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/_aigate/whoami")
expect_eq "$code" 401 "... and no token is 401"
expect_eq "$(stat -c %U "$web/log/audit.jsonl" 2>&1)" "$gate_user" "the audit file belongs to the gate's user"
files=$(find "$web/state" -type f -printf '%u %f\n')
expect_match "$files" "^$gate_user " "state_dir holds the gate's files ($(echo $files))"
expect_no_match "$files" "^(root|www-data) " "... all of them its user's"

# what other code running as www-data (another CGI, PHP) can do
as_www cat "$web/etc/aigate/state.key" >/dev/null 2>&1 && st=1 || st=0
ok "$st" "www-data cannot read the state key"
as_www touch "$web/state/jwks-planted.json" 2>/dev/null && st=1 || st=0
ok "$st" "www-data cannot plant a file in state_dir"
as_www sh -c "printf x >>'$web/log/audit.jsonl'" 2>/dev/null && st=1 || st=0
ok "$st" "www-data cannot write the audit file"
finish
