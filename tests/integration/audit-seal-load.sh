#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# audit-seal-load.sh - the audit seal on a live gate: aigate.cgi in FastCGI
# mode under lighttpd (the shipped contrib/lighttpd/aigate-fastcgi.conf.in)
# in front of the LangServe fixture, Bearer tokens minted here (no AD).
#   1. 5 s of requests, 200 at a time, while `aigatectl audit seal` runs every
#      second and the real logrotate(8) rotates the log twice in the middle
#      with the shipped snippet (contrib/logrotate/aigate.in: create,
#      delaycompress, compress, a seal before each rotation): afterwards
#      verify (initial key and public key) says valid, every line of every
#      file (plain and gzip) is sealed, one line per request;
#   2. modes: the web server's user (www-data) can append to the audit file
#      but can read neither the MAC key state nor the signing key, and
#      cannot write the digest.
# Needs root (the files' owners) and lighttpd; skips (77) without them.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
[ "$(id -u)" = 0 ] || { echo "needs root (file owners)"; exit 77; }
command -v lighttpd >/dev/null || { echo "lighttpd not installed"; exit 77; }
command -v logrotate >/dev/null || { echo "logrotate not installed"; exit 77; }
[ "${AIG_WITH_FCGI:-yes}" != no ] || { echo "built without FastCGI"; exit 77; }

py=/usr/bin/python3
driver=$top_srcdir/tests/integration/gate_load.py
tool=$top_builddir/tests/integration/jwt_tool
websh=$top_srcdir/tests/testbed/web.sh
ctl=$top_builddir/aigatectl/aigatectl
note() { echo "# $*"; }

web=$(mktemp -d /tmp/aigate-seal-load.XXXXXX)
chmod 0755 "$web"
backend_pid= sealer_pid= watchdog_pid=
cleanup() {
	[ -z "$sealer_pid" ] || kill "$sealer_pid" 2>/dev/null || true
	"$websh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	[ -z "$watchdog_pid" ] || kill "$watchdog_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -n "${AIG_LOAD_KEEP:-}" ]; then echo "# kept $web"; else rm -rf "$web"; fi
}
trap cleanup EXIT
trap 'echo "not ok - interrupted (watchdog or signal)"; exit 1' TERM INT
(
	sleep "${AIG_LOAD_TIMEOUT:-240}"
	kill -TERM $$
) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!
wait_for() { # TENTHS CMD...
	local n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# --- files: the log directory and file www-data's, the keys root's alone
mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/keys" "$web/state" \
	"$web/log" "$web/run" "$web/srv/htdocs"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
"$tool" keygen "$web/keys" >/dev/null
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
$py - "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
r = [r for r in p["rules"] if r["name"] == "inference"][0]
r["rate"] = {"per_minute": 100000, "burst": 100000}
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
mkdir -p "$web/run/lighttpd"
# the log directory is the gate's (as in docs/deploying.md): between
# logrotate's rename and its create, the gate makes the new file itself
chown www-data "$web/state" "$web/run" "$web/run/lighttpd" "$web/log"
chmod 0750 "$web/log"
chmod -R a+rX "$web/libexec" "$web/etc"

$py "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 --quiet \
	--lifetime 600 >"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
wait_for 50 grep -q '^PORT=' "$web/backend.out" || { echo "not ok - the fixture did not start"; exit 1; }
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")

conf=$web/etc/aigate/aigate.json
cat >"$conf" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com", "timeout_ms": 500},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer"], "realm": "aigate"},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 20000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "ratelimit": {"store": "lmdb"},
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false,
            "seal": {"digest_file": "$web/log/audit.digest",
                     "mac_state": "$web/etc/aigate/audit-seal.state",
                     "signing_key": "$web/etc/aigate/audit-seal.pem"}}
}
JSON
chmod 0644 "$conf"
"$ctl" -c "$conf" audit keygen --initial-key "$web/initial.key" >"$web/pub.pem"
expect_eq "$?" 0 "keygen"

# --- lighttpd with the shipped FastCGI snippet
sed -e "s|@LIBEXECDIR@|$web/libexec|g" -e "s|@SYSCONFDIR@|$web/etc|g" \
	-e "s|@RUNSTATEDIR@|$web/run|g" \
	"$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in" >"$web/site.conf"
sed -i '1i server.document-root = "@DIR@/htdocs"' "$web/site.conf"
"$websh" start lighttpd "$web/srv" "$web/site.conf" >/dev/null
url=$(. "$web/srv/web.env" && echo "$AIG_WEB_URL")/ai/chat/invoke

# --- logrotate with the shipped snippet (our paths)
sed -e "s|@AUDIT_FILE@|$web/log/audit.jsonl|g" -e "s|@SBINDIR@|$top_builddir/aigatectl|g" \
	-e "s|@SYSCONFDIR@|$web/etc|g" -e "s|@AUDIT_USER@|www-data|g" \
	"$top_srcdir/contrib/logrotate/aigate.in" \
	>"$web/logrotate.conf"
expect_no_match "$(cat "$web/logrotate.conf")" '^[^#]*copytruncate' \
	"the shipped logrotate snippet never copytruncates"
rotate() {
	logrotate -f -s "$web/logrotate.state" "$web/logrotate.conf" \
		>"$web/logrotate.out" 2>&1
}

now=$(date +%s)
token=$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
	"$(printf '{"iss":"https://issuer.test","aud":"aigate","exp":%s,"iat":%s,"email":"load@corp.example.com","groups":["AI_Users"]}' \
		$((now + 900)) "$now")")
printf '{"input":{"messages":[{"type":"human","content":"hello"}]},"config":{"configurable":{"model":"small"}}}' \
	>"$web/body.json"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
	-d @"$web/body.json" "$url")
expect_eq "$code" 200 "a first request through FastCGI (set-up works)"

# --- 1. load for 5 s, sealing every second, two rotations in the middle
(
	while :; do
		"$ctl" -c "$conf" audit seal 2>>"$web/seal.err" || echo "seal failed" >>"$web/seal.err"
		sleep 1
	done
) </dev/null >/dev/null 2>&1 &
sealer_pid=$!
load() {
	$py "$driver" load --url "$url" --total 1000000 --duration "$1" \
		--concurrency 200 --header "Authorization: Bearer $token" \
		--body @"$web/body.json" --timeout 60 >"$web/load-$2.json"
}
load 5 1 &
load_pid=$!
st1=0 st2=0
sleep 1.5
rotate || st1=$?
sleep 1.5
rotate || st2=$?
wait "$load_pid"
expect_eq "$st1 $st2" "0 0" "logrotate ran twice during the load ($(tr '\n' ' ' <"$web/logrotate.out" | cut -c1-200))"
sleep 1.2
kill "$sealer_pid" 2>/dev/null || true
wait "$sealer_pid" 2>/dev/null || true
sealer_pid=
"$ctl" -c "$conf" audit seal
read -r n ok200 <<<"$($py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["sent"], d["status"].get("200", 0))' "$web/load-1.json")"
note "load: $(cat "$web/load-1.json" | $py -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["rps"], "req/s")')"
expect_eq "$ok200" "$n" "$n requests in 5 s, 200 at a time: all 200"
note "files: $(cd "$web/log" && ls | tr '\n' ' ')"
expect_match "$(ls "$web/log")" 'audit\.jsonl\.2\.gz' "... rotated twice, the older compressed"
total=$(cd "$web/log" && for f in audit.jsonl*; do zcat -f "$f"; done | wc -l)
expect_eq "$total" $((n + 1)) "one audit line per request across the rotated files"
expect_eq "$(cat "$web/seal.err" 2>/dev/null | grep -v 'skipped for now' | head -3)" "" \
	"sealing every second never failed"
st=0
out=$("$ctl" -c "$conf" audit verify --initial-key "$web/initial.key" \
	--public-key "$web/pub.pem" --json) || st=$?
expect_eq "$st" 0 "verify after load and rotation: valid"
read -r sealed tail nfiles <<<"$($py -c '
import json, sys
r = json.load(sys.stdin)
print(sum(f["sealed_lines"] for f in r["files"]),
      sum(f["unsealed_tail"] for f in r["files"]), len(r["files"]))' <<<"$out")"
# verify may list a rotated file twice, under the name it was sealed by
# before gzip (audit.jsonl.2) and as the .gz: a seal run between logrotate's
# rename and its compression. The lines are what counts.
expect_eq "$sealed $tail $((nfiles >= 3))" "$((n + 1)) 0 1" \
	"... every line of the rotated files sealed, nothing unsealed"
note "digest: $(wc -l <"$web/log/audit.digest") records"

# --- 2. modes
as_web() { setpriv --reuid=www-data --regid=www-data --init-groups -- "$@"; }
st=0
as_web sh -c "test -w '$web/log/audit.jsonl'" || st=$?
expect_eq "$st" 0 "www-data can write (append to) the audit file"
st=0
as_web cat "$web/etc/aigate/audit-seal.state" >/dev/null 2>&1 || st=$?
expect_eq "$st" 1 "www-data cannot read the MAC key state"
st=0
as_web cat "$web/etc/aigate/audit-seal.pem" >/dev/null 2>&1 || st=$?
expect_eq "$st" 1 "www-data cannot read the signing key"
st=0
as_web sh -c "echo x >>'$web/log/audit.digest'" 2>/dev/null || st=$?
expect_eq "$([ "$st" -ne 0 ] && echo refused)" refused "www-data cannot write the digest"
expect_eq "$(stat -c '%a %U' "$web/etc/aigate/audit-seal.state" "$web/etc/aigate/audit-seal.pem" | tr '\n' ' ')" \
	"600 root 600 root " "the key files: 0600 root"
finish
