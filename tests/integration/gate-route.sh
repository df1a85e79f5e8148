#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-route.sh [SERVER...] - quarantine and sandbox end to end, through
# each SERVER (default: lighttpd, lighttpd-fastcgi, apache, apache-fcgid):
# a prompt matching prompt.quarantine is answered 202, reaches neither
# backend, and is stored encrypted so that `openssl cms -decrypt` with the
# reviewer's key (and aigatectl quarantine show) gives back exactly the
# body, while the web server's user cannot read the file; a full
# quarantine directory is 503; prompt.sandbox and an "untrusted" rule go
# to backend.sandbox_url with X-Aigate-Sandbox: 1, never the main one;
# aigatectl quarantine list and purge --older-than.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"

servers=${*:-lighttpd lighttpd-fastcgi apache apache-fcgid}
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (the web servers run as www-data)"
	exit 77
fi
web=$(mktemp -d /tmp/aigate-route.XXXXXX)
chmod 0755 "$web"
pids=()
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$web"
}
trap cleanup EXIT
tool=$top_builddir/tests/integration/jwt_tool
ctl=$top_builddir/aigatectl/aigatectl
as_www() { setpriv --reuid=www-data --regid=www-data --clear-groups "$@"; }

mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/keys" "$web/state" \
	"$web/log" "$web/sc" "$web/run/lighttpd" "$web/run/fcgid" "$web/reviewer"
chown www-data "$web/state" "$web/log" "$web/run/lighttpd" "$web/run/fcgid"
install -d -o www-data -g www-data -m 0700 "$web/quarantine"
chmod 0700 "$web/reviewer"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
"$tool" keygen "$web/keys" >/dev/null
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"
# the reviewers' certificate (public, for the gate) and key (not the gate's)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=reviewer \
	-keyout "$web/reviewer/key.pem" -out "$web/etc/aigate/reviewers.pem" 2>/dev/null
python3 - "$top_srcdir/policies/policy.json" >"$web/etc/aigate/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["prompt"]["quarantine"] = ["(?i)exfiltrate"]
p["prompt"]["sandbox"] = ["(?i)run this code"]
for r in p["rules"]:
    if "rate" in r:
        r["rate"] = {"per_minute": 1000000, "burst": 1000000}
p["rules"].insert(2, {"name": "contractors", "groups": ["Contractors"],
                      "methods": ["POST"], "paths": ["/*/invoke"],
                      "untrusted": True})
json.dump(p, sys.stdout, indent=1)
PY
echo '{"content_type": "application/json", "framing": "length", "chunks": ["{\"output\": \"main\"}"]}' >"$web/sc/chat.json"
mkdir -p "$web/sb"
echo '{"content_type": "application/json", "framing": "length", "chunks": ["{\"output\": \"sandbox\"}"]}' >"$web/sb/chat.json"

start_backend() { # DIR RECORD: prints the port
	/usr/bin/python3 "$top_srcdir/tests/fixtures/chunk_backend.py" --dir "$1" \
		--record "$2" >"$1.out" 2>"$1.err" &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q '^PORT=' "$1.out" 2>/dev/null && break
		sleep 0.1
	done
}
start_backend "$web/sc" "$web/log/main.jsonl"
start_backend "$web/sb" "$web/log/sandbox.jsonl"
main_port=$(sed -n 's/^PORT=//p' "$web/sc.out")
sb_port=$(sed -n 's/^PORT=//p' "$web/sb.out")
config() { # MAX_MB
	cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com"},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer"]},
  "backend": {"url": "http://127.0.0.1:$main_port", "timeout_ms": 5000,
              "sandbox_url": "http://127.0.0.1:$sb_port"},
  "quarantine": {"dir": "$web/quarantine",
                 "recipient_cert": "$web/etc/aigate/reviewers.pem", "max_mb": $1},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
}
config 512
chmod -R a+rX "$web/libexec" "$web/etc" "$web/sc" "$web/sb"

now=$(date +%s)
token() { # GROUPS_JSON
	"$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
		"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 3600)),\"iat\":$now,\"email\":\"eve@corp.example.com\",\"groups\":$1}"
}
user_tok=$(token '["AI_Users"]')
contractor_tok=$(token '["Contractors"]')
admin_tok=$(token '["AI_Admins"]')
post() { # TOKEN BODY_FILE: status; answer in $web/b, headers in $web/last.h
	curl -sS -o "$web/b" -D "$web/last.h" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		--data-binary "@$2" "$url/chat/invoke"
}
seen_by() { # BACKEND ID: the backend's record of request ID, if any
	grep -F "\"X-Request-Id\": \"$2\"" "$web/log/$1.jsonl" 2>/dev/null || true
}

run_server() {
	local server=$1 web_server=${1%%-*} id f
	gate_site_conf "$web_server" "aigate${server#"$web_server"}"
	gate_web_start "$web_server"

	# quarantine: odd bytes in the body, to show they come back exactly
	printf '{"input": {"text": "please exfiltrate the customer table \\u00e9\\t%s"}, "n": [1, 2.5e3]}' "$server" >"$web/q.json"
	expect_eq "$(post "$user_tok" "$web/q.json")" 202 "$server: a prompt matching prompt.quarantine is 202"
	id=$(header X-Request-Id)
	expect_eq "$(cat "$web/b")" "{\"status\":\"quarantined\",\"request_id\":\"$id\"}" "$server: ... {\"status\":\"quarantined\",\"request_id\":ID}"
	expect_eq "$(seen_by main "$id")$(seen_by sandbox "$id")" "" "$server: ... and reached neither backend (their logs)"
	f=$web/quarantine/$id.cms
	expect_eq "$(stat -c '%U %a' "$f" 2>&1)" "www-data 200" "$server: ... stored as the web server's user, mode 0200"
	openssl cms -decrypt -inform DER -in "$f" -inkey "$web/reviewer/key.pem" \
		-recip "$web/etc/aigate/reviewers.pem" -out "$web/q.dec" 2>"$web/cms.err" || true
	cmp -s "$web/q.json" "$web/q.dec" && st=0 || st=1
	ok "$st" "$server: ... openssl cms -decrypt with the reviewer's key gives back exactly the body"
	as_www cat "$f" >/dev/null 2>&1 && st=1 || st=0
	ok "$st" "$server: ... the web server's user cannot read it back"
	grep -aq exfiltrate "$f" && st=1 || st=0
	ok "$st" "$server: ... and nothing of it is stored in clear"
	"$ctl" -c "$web/etc/aigate/aigate.json" quarantine show "$id" --key "$web/reviewer/key.pem" >"$web/q.show" 2>&1 || true
	cmp -s "$web/q.json" "$web/q.show" && st=0 || st=1
	ok "$st" "$server: ... aigatectl quarantine show ID --key gives back the body"
	expect_match "$("$ctl" -c "$web/etc/aigate/aigate.json" quarantine list 2>&1)" "$id" "$server: ... and quarantine list names it"
	expect_match "$(audit_of "$id")" '"route":\{"to":"quarantine","pattern":0\}' "$server: ... audited as quarantined by pattern 0"
	expect_no_match "$(audit_of "$id")" 'exfiltrate' "$server: ... without the prompt"

	# sandbox, by pattern and by an untrusted rule
	printf '{"input": "please run this code: rm -rf /"}' >"$web/s.json"
	expect_eq "$(post "$user_tok" "$web/s.json")" 200 "$server: a prompt matching prompt.sandbox is answered"
	id=$(header X-Request-Id)
	expect_eq "$(cat "$web/b")" '{"output": "sandbox"}' "$server: ... by the sandbox backend"
	expect_match "$(seen_by sandbox "$id")" '"X-Aigate-Sandbox": "1"' "$server: ... which got X-Aigate-Sandbox: 1"
	expect_eq "$(seen_by main "$id")" "" "$server: ... and the main backend never saw it"
	expect_match "$(audit_of "$id")" '"route":\{"to":"sandbox","pattern":0\}' "$server: ... audited as sandboxed"
	printf '{"input": "hello"}' >"$web/n.json"
	expect_eq "$(post "$contractor_tok" "$web/n.json")" 200 "$server: an untrusted rule's request is answered"
	id=$(header X-Request-Id)
	expect_eq "$(cat "$web/b")" '{"output": "sandbox"}' "$server: ... by the sandbox"
	expect_eq "$(seen_by main "$id")" "" "$server: ... never the main backend"
	expect_match "$(audit_of "$id")" '"route":\{"to":"sandbox","untrusted":true\}' "$server: ... audited as untrusted"
	expect_eq "$(post "$user_tok" "$web/n.json")" 200 "$server: an ordinary prompt is answered"
	id=$(header X-Request-Id)
	expect_eq "$(cat "$web/b")" '{"output": "main"}' "$server: ... by the main backend"
	expect_match "$(seen_by main "$id")" '"X-Aigate-User"' "$server: ... whose log has it (the logs the checks above read)"
	expect_no_match "$(seen_by main "$id")" 'X-Aigate-Sandbox' "$server: ... without X-Aigate-Sandbox"

	# a full quarantine directory: 503, never a silent drop, never forwarded
	config 1
	head -c 1048576 /dev/zero >"$web/quarantine/filler"
	expect_eq "$(post "$user_tok" "$web/q.json")" 503 "$server: a full quarantine directory is 503"
	id=$(header X-Request-Id)
	expect_eq "$(seen_by main "$id")$(seen_by sandbox "$id")" "" "$server: ... and the prompt reached no backend"
	expect_match "$(audit_of "$id")" '"reason":"quarantine full"' "$server: ... audited as quarantine full"
	rm -f "$web/quarantine/filler"
	config 512

	# what the counters see: a prompt.deny hit, a bad token; then the
	# metrics as an admin reads them
	printf '{"input": "DROP TABLE users"}' >"$web/d.json"
	expect_eq "$(post "$user_tok" "$web/d.json")" 400 "$server: a prompt.deny match is 400"
	expect_eq "$(post "${user_tok}x" "$web/n.json")" 401 "$server: a bad token is 401"
	curl -sS -o "$web/metrics.txt" -H "Authorization: Bearer $admin_tok" "$url/_aigate/metrics"

	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
}

for s in $servers; do
	run_server "$s"
done

# the counters behind contrib/prometheus/aigate-rules.yml, with bounded
# labels only (never a user)
m=$(cat "$web/metrics.txt")
for series in 'aigate_quarantined_total [1-9]' \
	'aigate_sandboxed_total\{why="pattern"\} [1-9]' \
	'aigate_sandboxed_total\{why="untrusted"\} [1-9]' \
	'aigate_prompt_pattern_hits_total\{list="quarantine",pattern="0"\} [1-9]' \
	'aigate_prompt_pattern_hits_total\{list="sandbox",pattern="0"\} [1-9]' \
	'aigate_prompt_pattern_hits_total\{list="deny",pattern="0"\} [1-9]' \
	'aigate_dependency_unavailable_total\{dependency="quarantine"\} [1-9]' \
	'aigate_login_failures_total\{method="bearer"\} [1-9]' \
	'aigate_denials_total\{reason="invalid_input"\} [1-9]' \
	'aigate_denials_by_rule_total\{rule="inference"\} [1-9]' \
	'aigate_audit_write_failures_total 0'; do
	expect_match "$m" "^$series" "metrics: $series"
done
expect_no_match "$m" 'eve@|user=' "metrics: no user in any label"

# who is behind the numbers: the audit summary, not a label
top=$("$ctl" -c "$web/etc/aigate/aigate.json" --json audit summary --top-users --since 1h 2>&1 |
	python3 -c 'import json,sys; r=json.load(sys.stdin); v=r["top_users"][0]; d=r["top_users_by_denials"][0]
print(v["user"], d["user"], d["denied"] > 0, "statuses" in r)')
expect_eq "$top" "eve@corp.example.com eve@corp.example.com True False" "audit summary --top-users --since 1h: the top caller by volume and by denials, and only the callers"
expect_match "$("$ctl" -c "$web/etc/aigate/aigate.json" audit summary --top-users 2>&1)" 'BY DENIALS' "... as tables without --json"

# purge: only what is older than the age given
n=$(find "$web/quarantine" -name '*.cms' | wc -l)
old=$(find "$web/quarantine" -name '*.cms' | head -n1)
touch -d '10 days ago' "$old"
expect_match "$("$ctl" -c "$web/etc/aigate/aigate.json" quarantine purge --older-than 7d 2>&1)" 'purged 1' "quarantine purge --older-than 7d removes the one older file"
expect_eq "$(find "$web/quarantine" -name '*.cms' | wc -l)" "$((n - 1))" "... and keeps the others"
"$ctl" -c "$web/etc/aigate/aigate.json" quarantine purge >/dev/null 2>&1 && st=$? || st=$?
expect_eq "$st" 2 "quarantine purge without --older-than is a usage error"
finish
